//! Small SVG charts drawn on the server (no script, nothing loaded): one bar per minute.

use maud::{html, Markup};

/// A bar chart of `values` (oldest first) in a `w`×`h` box with a baseline, the maximum as a
/// label, and a title per bar (`labels`).
pub fn bars(values: &[f64], labels: &[String], w: u32, h: u32, fill: &str, unit: &str) -> Markup {
    let max = values.iter().cloned().fold(0.0_f64, f64::max);
    let scale = if max > 0.0 {
        (h - 20) as f64 / max
    } else {
        0.0
    };
    let n = values.len().max(1) as f64;
    let slot = (w - 40) as f64 / n;
    let bar = (slot * 0.8).max(1.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}")) role="img" {
            line x1="36" y1=(h - 14) x2=(w) y2=(h - 14) stroke="#d0d7de" {}
            text x="0" y="12" font-size="10" fill="#656d76" { (fmt(max)) (unit) }
            text x="0" y=(h - 14) font-size="10" fill="#656d76" { "0" }
            @for (i, v) in values.iter().enumerate() {
                @let bh = (v * scale).max(if *v > 0.0 { 1.0 } else { 0.0 });
                rect x=(format!("{:.1}", 38.0 + i as f64 * slot)) y=(format!("{:.1}", (h - 14) as f64 - bh))
                     width=(format!("{bar:.1}")) height=(format!("{bh:.1}")) fill=(fill) {
                    title { (labels.get(i).map(String::as_str).unwrap_or("")) ": " (fmt(*v)) (unit) }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            &[0.0, 5.0, 10.0],
            &["a".into(), "<b>".into(), "c".into()],
            200,
            100,
            "#0969da",
            "",
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("height=\"80.0\""), "{svg}");
        assert!(svg.contains("&lt;b&gt;"), "{svg}");
        assert!(!svg.contains("<b>"));
    }
}
