//! Times of the contracts: `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+08:00), exactly
//! that shape; dates exactly `yyyy-MM-dd`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

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

/// A contract date, exactly `yyyy-MM-dd`.
pub fn date(s: String) -> Result<NaiveDate, String> {
    if !has_shape(&s, "9999-99-99") {
        return Err(format!("{s:?} is not a date yyyy-MM-dd"));
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date yyyy-MM-dd"))
}

/// A contract time (`yyyy-MM-dd HH:mm:ss`, UTC+08:00), kept as written.
pub fn time(s: String) -> Result<String, String> {
    parse(&s).map(|_| s)
}

/// A compact time `yyyyMMddHHmmss` (UTC+08:00), as the OMS warehouse API's timestamp.
pub fn parse_compact(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let bad = || format!("{s:?} is not a time of the form yyyyMMddHHmmss");
    if !has_shape(s, "99999999999999") {
        return Err(bad());
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").map_err(|_| bad())?;
    china().from_local_datetime(&naive).single().ok_or_else(bad)
}

/// The first and last instant of a contract day (UTC+08:00).
pub fn day_bounds(d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |h, m, s| {
        china()
            .from_local_datetime(&d.and_hms_opt(h, m, s).unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    (at(0, 0, 0), at(23, 59, 59))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_times_and_day_bounds_are_china_time() {
        assert_eq!(
            parse_compact("20261122132330").unwrap().to_rfc3339(),
            "2026-11-22T13:23:30+08:00"
        );
        for bad in ["2026112213233", "2026-11-22 13:23:30", "20261322132330", ""] {
            assert!(parse_compact(bad).is_err(), "{bad}");
        }
        let (a, b) = day_bounds(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        assert_eq!(a.to_rfc3339(), "2026-11-21T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-11-22T15:59:59+00:00");
    }
}
