//! The format rules of §4 of the contract, as plain functions returning the reason on failure.

use rust_decimal::Decimal;
use std::str::FromStr;

pub const CODE_MAX: usize = 50;
pub const NAME_MAX: usize = 200;
pub const REMARK_MAX: usize = 500;
pub const PHONE_MAX: usize = 30;
/// Largest magnitude accepted for weights, lengths, volumes and money.
const NUMBER_MAX: f64 = 1_000_000_000.0;

/// A code (`orderCode`, `itemCode`, …): 1–50 characters, no control characters,
/// no leading or trailing white space.
pub fn code(s: String) -> Result<String, String> {
    let n = s.chars().count();
    if n == 0 {
        return Err("must not be empty".into());
    }
    if n > CODE_MAX {
        return Err(format!("must be at most {CODE_MAX} characters (got {n})"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    if s.trim() != s {
        return Err("must not start or end with white space".into());
    }
    Ok(s)
}

/// Free text limited to `max` characters and free of control characters other
/// than line breaks and tabs; may be empty only when `allow_empty`.
fn text(s: String, max: usize, allow_empty: bool) -> Result<String, String> {
    let n = s.chars().count();
    if !allow_empty && s.trim().is_empty() {
        return Err("must not be blank".into());
    }
    if n > max {
        return Err(format!("must be at most {max} characters (got {n})"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("must not contain control characters".into());
    }
    Ok(s)
}

/// A required name or address: not blank, at most 200 characters.
pub fn name(s: String) -> Result<String, String> {
    text(s, NAME_MAX, false)
}

/// An optional name or address field: may be empty, at most 200 characters.
pub fn opt_name(s: String) -> Result<String, String> {
    text(s, NAME_MAX, true)
}

/// A remark: at most 500 characters.
pub fn remark(s: String) -> Result<String, String> {
    text(s, REMARK_MAX, true)
}

/// A phone number: 1–30 characters of digits, spaces and `+ - ( ) # * ,`, with at least one digit.
/// Landlines with area codes (`021-12345678`), mobiles and extensions all fit.
pub fn phone(s: String) -> Result<String, String> {
    let n = s.chars().count();
    if n == 0 || n > PHONE_MAX {
        return Err(format!("must be 1–{PHONE_MAX} characters (got {n})"));
    }
    if !s.chars().any(|c| c.is_ascii_digit()) {
        return Err("must contain digits".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_digit() || " +-()#*,".contains(*c)))
    {
        return Err(format!(
            "must contain only digits, spaces and +-()#*, (found {c:?})"
        ));
    }
    Ok(s)
}

/// A non-negative decimal number with at most `max_dp` decimals, e.g. a weight (3) or a length (2).
pub fn decimal(x: f64, max_dp: u32) -> Result<Decimal, String> {
    if !x.is_finite() || x < 0.0 {
        return Err("must be a number ≥ 0".into());
    }
    if x >= NUMBER_MAX {
        return Err(format!("must be less than {NUMBER_MAX:.0}"));
    }
    // f64's Display is the shortest text that reads back as the same number, i.e. what the client wrote.
    let d =
        Decimal::from_str(&x.to_string()).map_err(|e| format!("is not a decimal number: {e}"))?;
    if d.scale() > max_dp {
        return Err(format!("must have at most {max_dp} decimals"));
    }
    Ok(d.normalize())
}

/// A weight in kg: ≥ 0, at most 3 decimals.
pub fn weight(x: f64) -> Result<Decimal, String> {
    decimal(x, 3)
}

/// A length in cm: ≥ 0, at most 2 decimals.
pub fn length(x: f64) -> Result<Decimal, String> {
    decimal(x, 2)
}

/// A volume in cm³: ≥ 0, at most 3 decimals.
pub fn volume(x: f64) -> Result<Decimal, String> {
    decimal(x, 3)
}

/// Money in yuan: ≥ 0, at most 2 decimals.
pub fn money(x: f64) -> Result<Decimal, String> {
    decimal(x, 2)
}

/// An integer within `min..=max`.
pub fn int_range(min: i64, max: i64) -> impl Fn(i64) -> Result<i32, String> {
    move |v| {
        if v < min || v > max {
            Err(format!("must be between {min} and {max} (got {v})"))
        } else {
            i32::try_from(v).map_err(|_| format!("must be between {min} and {max}"))
        }
    }
}

/// One of a fixed set of values.
pub fn one_of(allowed: &'static [&'static str]) -> impl Fn(String) -> Result<String, String> {
    move |s| {
        if allowed.contains(&s.as_str()) {
            Ok(s)
        } else {
            Err(format!("must be one of {} (got {s:?})", allowed.join(", ")))
        }
    }
}

/// A list's length within `min..=max`.
pub fn count<T>(items: &[T], min: usize, max: usize) -> Result<(), String> {
    let n = items.len();
    if n < min || n > max {
        Err(format!("must hold {min}–{max} entries (got {n})"))
    } else {
        Ok(())
    }
}

/// A line's expiry date, when both dates are given, is not before its production date.
pub fn dates_in_order(
    product: Option<chrono::NaiveDate>,
    expire: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    match (product, expire) {
        (Some(pd), Some(ed)) if ed < pd => Err("must not be before productDate".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_section_4() {
        assert!(code("WH01".into()).is_ok());
        assert!(code("上海仓".into()).is_ok());
        assert!(code("".into()).is_err());
        assert!(code(" WH01".into()).is_err());
        assert!(code("WH01 ".into()).is_err());
        assert!(code("WH\u{0}1".into()).is_err());
        assert!(code("x".repeat(50)).is_ok());
        assert!(code("x".repeat(51)).is_err());
        // Characters, not bytes: 50 Chinese characters are fine.
        assert!(code("仓".repeat(50)).is_ok());
    }

    #[test]
    fn names_and_remarks_have_their_limits() {
        assert!(name("  ".into()).is_err());
        assert!(name("x".repeat(200)).is_ok());
        assert!(name("x".repeat(201)).is_err());
        assert!(opt_name(String::new()).is_ok());
        assert!(remark("line\nbreak".into()).is_ok());
        assert!(remark("x".repeat(501)).is_err());
    }

    #[test]
    fn phones_accept_mobiles_landlines_and_extensions() {
        for ok in [
            "13800138000",
            "021-12345678",
            "+86 138 0013 8000",
            "(021)1234#88",
        ] {
            assert!(phone(ok.into()).is_ok(), "{ok}");
        }
        for bad in ["", "abc", "---", "1380013800x", &"1".repeat(31)] {
            assert!(phone(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimals_are_checked_on_what_the_client_wrote() {
        assert_eq!(weight(1.234).unwrap().to_string(), "1.234");
        assert!(weight(1.2345).is_err());
        assert!(length(0.1 + 0.2).is_err()); // 0.30000000000000004 really has 17 decimals
        assert_eq!(length(12.5).unwrap().to_string(), "12.5");
        assert!(money(-0.01).is_err());
        assert!(money(f64::NAN).is_err());
        assert!(money(1e12).is_err());
        assert_eq!(money(0.0).unwrap(), Decimal::ZERO);
    }

    #[test]
    fn integer_ranges_and_enums() {
        let r = int_range(0, 36500);
        assert_eq!(r(30), Ok(30));
        assert!(r(-1).is_err());
        assert!(r(36501).is_err());
        let e = one_of(&["ENABLED", "DISABLED"]);
        assert!(e("ENABLED".into()).is_ok());
        assert!(e("enabled".into()).is_err());
        assert!(count(&[1, 2], 1, 100).is_ok());
        assert!(count::<u8>(&[], 1, 100).is_err());
    }
}
