//! Times of the contracts: `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+08:00), exactly
//! that shape; dates exactly `yyyy-MM-dd`.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};

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
    let b = s.as_bytes();
    let naive = date_time(b, [0, 5, 8, 11, 14, 17])
        .ok_or_else(|| format!("{s:?} is not a time of the form yyyy-MM-dd HH:mm:ss"))?;
    china()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| format!("{s:?} is not a valid time"))
}

/// The number written by the ASCII digits `b[at..at + len]` (the shape is checked first).
fn number(b: &[u8], at: usize, len: usize) -> u32 {
    b[at..at + len]
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// The date and time whose year (4 digits), month, day, hour, minute and second (2 digits
/// each) start at `at`, or `None` when there is no such time. Read from the digits, not
/// through chrono's format parser, which was most of a DWS call's time parsing (#21); it
/// accepts what `parse_from_str` with `%Y %m %d %H %M %S` accepts, second 60 (a leap
/// second) included, as a test checks.
fn date_time(b: &[u8], at: [usize; 6]) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(
        number(b, at[0], 4) as i32,
        number(b, at[1], 2),
        number(b, at[2], 2),
    )?;
    let (h, m, sec) = (
        number(b, at[3], 2),
        number(b, at[4], 2),
        number(b, at[5], 2),
    );
    let time = if sec == 60 {
        NaiveTime::from_hms_nano_opt(h, m, 59, 1_000_000_000)
    } else {
        NaiveTime::from_hms_opt(h, m, sec)
    }?;
    Some(date.and_time(time))
}

/// Formats a time the way the contract writes it.
pub fn format(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&china()).naive_local();
    // Digit by digit: chrono's `format` reads its pattern again on every call, which was most
    // of a 3TMS waybill's checks (#21). Years beyond four digits keep chrono's form (`+10000`).
    let year = local.year();
    if !(0..=9999).contains(&year) {
        return local.format(FORMAT).to_string();
    }
    // A leap second is second 60, as `%S` writes it.
    let second = local.second() + local.nanosecond() / 1_000_000_000;
    let mut b = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, len: usize, mut n: u32| {
        for i in (at..at + len).rev() {
            b[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, local.month());
    put(8, 2, local.day());
    put(11, 2, local.hour());
    put(14, 2, local.minute());
    put(17, 2, second);
    b.iter().map(|&c| char::from(c)).collect()
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
    let naive = date_time(s.as_bytes(), [0, 4, 6, 8, 10, 12]).ok_or_else(bad)?;
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

    /// Written from its digits, a time reads as chrono's `format` writes it: every second of
    /// a stretch of days around year ends and leap days, a leap second, and the years beyond
    /// four digits that take chrono's own path.
    #[test]
    fn times_are_written_as_chrono_writes_them() {
        let chrono_form = |t: DateTime<Utc>| t.with_timezone(&china()).format(FORMAT).to_string();
        let mut n = 0;
        for start in [
            "1969-12-31T00:00:00Z",
            "2024-02-28T10:00:00Z",
            "2099-12-31T12:00:00Z",
        ] {
            let start: DateTime<Utc> = start.parse().unwrap();
            for s in (0..3 * 86_400).step_by(7) {
                let t = start + chrono::Duration::seconds(s);
                assert_eq!(format(t), chrono_form(t), "{t:?}");
                n += 1;
            }
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .unwrap()
            .and_utc();
        assert_eq!(format(leap), "2017-01-01 07:59:60");
        assert_eq!(format(leap), chrono_form(leap));
        for t in [
            "-0001-06-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T15:59:59Z",
            "9999-12-31T16:00:00Z",
            "+10000-01-01T00:00:00Z",
        ] {
            let t: DateTime<Utc> = t.parse().unwrap();
            assert_eq!(format(t), chrono_form(t), "{t:?}");
        }
        assert_eq!(format(DateTime::UNIX_EPOCH), "1970-01-01 08:00:00");
        assert!(n > 100_000);
    }

    /// Both forms read what chrono's format parser reads, edge values of every field combined.
    #[test]
    fn times_read_from_their_digits_as_chrono_reads_them() {
        let years = ["0000", "0001", "1900", "2000", "2024", "2026", "9999"];
        let months = ["00", "01", "02", "04", "12", "13", "99"];
        let days = ["00", "01", "28", "29", "30", "31", "32", "99"];
        let hours = ["00", "09", "23", "24", "99"];
        let minutes = ["00", "59", "60", "99"];
        let seconds = ["00", "07", "59", "60", "61", "99"];
        let mut n = 0;
        for y in years {
            for mo in months {
                for d in days {
                    for h in hours {
                        for mi in minutes {
                            for s in seconds {
                                let long = format!("{y}-{mo}-{d} {h}:{mi}:{s}");
                                let chrono = NaiveDateTime::parse_from_str(&long, FORMAT)
                                    .ok()
                                    .and_then(|t| china().from_local_datetime(&t).single());
                                assert_eq!(parse(&long).ok(), chrono, "{long}");
                                let compact = format!("{y}{mo}{d}{h}{mi}{s}");
                                assert_eq!(parse_compact(&compact).ok(), chrono, "{compact}");
                                n += usize::from(chrono.is_some());
                            }
                        }
                    }
                }
            }
        }
        // Valid ones were among them, leap seconds too.
        assert!(n > 1000, "{n}");
        assert!(parse("2026-12-31 23:59:60").is_ok());
    }

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
