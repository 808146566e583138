//! The envelope's `timestamp`: `yyyy-MM-dd HH:mm:ss` in China Standard Time, accepted within a window.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

pub const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// UTC+08:00, the zone of every time in the contract.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("8 hours is a valid offset"))
}

/// Whether `s` has exactly the shape of `pattern`, where `9` stands for an ASCII digit and
/// every other character for itself. chrono alone would take `2026-1-5 1:2:3`, doubled
/// spaces and trailing blanks.
pub fn has_shape(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'9' => c.is_ascii_digit(),
            _ => c == p,
        })
}

/// Parses a contract time: exactly `yyyy-MM-dd HH:mm:ss` (zero-padded, one space), UTC+08:00.
pub fn parse(s: &str) -> Result<DateTime<FixedOffset>, String> {
    if !has_shape(s, "9999-99-99 99:99:99") {
        return Err(format!(
            "{s:?} is not a time of the form yyyy-MM-dd HH:mm:ss"
        ));
    }
    let naive = NaiveDateTime::parse_from_str(s, FORMAT)
        .map_err(|_| format!("{s:?} is not a time of the form yyyy-MM-dd HH:mm:ss"))?;
    china()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| format!("{s:?} is not a valid time"))
}

/// Formats a time the way the contract writes it.
pub fn format(t: DateTime<Utc>) -> String {
    t.with_timezone(&china()).format(FORMAT).to_string()
}

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
