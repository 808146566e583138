//! The envelope's `timestamp`: `yyyy-MM-dd HH:mm:ss` in China Standard Time, accepted within a window.

use chrono::{DateTime, Utc};

pub use crate::domain::time::{china, format, has_shape, parse, FORMAT};

/// Checks that `s` lies within `window_secs` of `now`, either side.
pub fn check_window(s: &str, now: DateTime<Utc>, window_secs: i64) -> Result<(), String> {
    let t = parse(s)?;
    let skew = (t.with_timezone(&Utc) - now).num_seconds();
    if skew.abs() > window_secs {
        let dir = if skew > 0 { "ahead of" } else { "behind" };
        return Err(format!(
            "timestamp {s} (UTC+08:00) is {}s {dir} server time {}; allowed ±{window_secs}s",
            skew.abs(),
            format(now)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn contract_times_are_china_standard_time() {
        assert_eq!(
            at("2026-11-22 08:00:00").to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert_eq!(format(at("2026-11-22 13:23:30")), "2026-11-22 13:23:30");
    }

    #[test]
    fn window_is_inclusive_on_both_sides() {
        let now = at("2026-11-22 12:00:00");
        assert!(check_window("2026-11-22 12:10:00", now, 600).is_ok());
        assert!(check_window("2026-11-22 11:50:00", now, 600).is_ok());
        assert!(check_window("2026-11-22 12:10:01", now, 600).is_err());
        assert!(check_window("2026-11-22 11:49:59", now, 600).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        let now = Utc::now();
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22T12:00:00",
            "2026-13-01 00:00:00",
            "yesterday",
            "2026-11-30  02:05:07",
            "2026-1-5 1:2:3",
            "2026-11-22 12:00:00 ",
            " 2026-11-22 12:00:00",
        ] {
            assert!(check_window(bad, now, 600).is_err(), "{bad}");
        }
    }
}
