//! `Date*` condition values: ISO 8601 date-times and epoch seconds.
//!
//! Grammar accepted (spec §3.2 Date, "accepted policy formats (observed IAM legacy parser)";
//! AWS: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>,
//! which points at the W3C profile of ISO 8601):
//!
//! ```text
//! date-time = year [ "-" month [ "-" day ] ] [ zone ]
//!           | year [ "-" month [ "-" day ] ] ("T"|"t") [ time ] [ zone ]
//!           | epoch-seconds
//! year      = ["-"] 1*9DIGIT                 ; -292275054 ..= 292278993
//! month     = 1*2DIGIT                       ; 1 ..= 12
//! day       = 1*2DIGIT                       ; 1 ..= days in that month (leap years counted)
//! time      = hour [ ":" minute [ ":" second [ "." 1*9DIGIT ] ] ]
//! hour      = 1*2DIGIT  minute = 1*2DIGIT  second = 1*2DIGIT
//! zone      = "Z" | "z" | ("+"|"-") 2DIGIT [ [":"] 2DIGIT ]
//! epoch-seconds = 1*19DIGIT                  ; no "T", no "-": 0 ..= 2^63-1 seconds
//! ```
//!
//! Decisions where AWS is silent (documented, tested below):
//! - Field widths are lenient the way IAM's legacy parser is: `2016-12-13t2:00:00` (one-digit
//!   hour) and `01T` (year 1, empty time = midnight) are accepted — both are in moto's
//!   AWS-derived list of *valid* policies. Offsets need exactly two-digit hours and minutes
//!   (`+1` is rejected, also from that list).
//! - A zone directly after a date-only form is accepted as `Z` or `+hh…`; a `-hh` offset is only
//!   accepted after a full `YYYY-MM-DD` (after `YYYY-MM` it would read as a day).
//! - A leap second (`:60`) is rejected; years use the proleptic Gregorian calendar with
//!   astronomical numbering (year 0 exists, `-1` is 2 BC).
//! - Surrounding spaces are rejected.
//! - The epoch-seconds rule wins over the `YYYY` form: `"2019"` (no `T`, no `-`) is 2019 seconds
//!   after the epoch, exactly as the spec's rule says; write `2019-01-01` or `2019T` for the year.

use super::{ValueError, ValueErrorKind};

/// Smallest accepted year (the year of `Long.MIN_VALUE` milliseconds in IAM's Java parser).
pub const MIN_YEAR: i64 = -292_275_054;
/// Largest accepted year.
pub const MAX_YEAR: i64 = 292_278_993;

const NANOS_PER_SEC: i128 = 1_000_000_000;

fn err(message: impl Into<String>) -> ValueError {
    ValueError::new(ValueErrorKind::Date, message)
}

/// Parses a policy date into **nanoseconds since 1970-01-01T00:00:00Z**.
///
/// A value with no `T`/`t` and no `-` is epoch seconds (spec §3.2 Date: `0 ..= 2^63-1`);
/// everything else is read as an ISO 8601 date-time (see the [module docs](self) for the grammar).
/// A date-time without a zone is UTC.
///
/// ```
/// use iam_parser::values::parse_date;
/// assert_eq!(parse_date("1970-01-01T00:00:00Z").unwrap(), 0);
/// assert_eq!(parse_date("1970-01-02").unwrap(), 86_400 * 1_000_000_000);
/// assert_eq!(parse_date("86400").unwrap(), 86_400 * 1_000_000_000);
/// assert_eq!(parse_date("1970-01-01T01:00:00+01:00").unwrap(), 0);
/// assert_eq!(parse_date("1970-01-01t00:00:00.5z").unwrap(), 500_000_000);
/// assert!(parse_date("2019-02-29").is_err()); // not a leap year
/// assert!(parse_date("9223372036854775808").is_err()); // > 2^63-1 seconds
/// let e = parse_date("2016-13-01").unwrap_err();
/// assert_eq!(e.message, "month must be 1-12, found 13");
/// ```
pub fn parse_date(s: &str) -> Result<i128, ValueError> {
    if s.is_empty() {
        return Err(err(
            "expected an ISO 8601 date-time or epoch seconds, found an empty string",
        ));
    }
    let b = s.as_bytes();
    // spec §3.2 Date: "A value with no `T` and no `-` is epoch seconds".
    if !b.iter().any(|&c| c == b'T' || c == b't' || c == b'-') {
        return epoch_seconds(b);
    }
    let mut cur = Cursor { b, i: 0 };

    // ---- date part
    let negative = cur.eat(b'-');
    let (year_digits, year_abs) = cur.digits(9);
    if year_digits == 0 {
        return Err(err(format!(
            "expected a year (1-9 digits) at byte {}",
            cur.i
        )));
    }
    if cur.peek().is_some_and(|c| c.is_ascii_digit()) {
        return Err(err(format!("year out of range {MIN_YEAR}..={MAX_YEAR}")));
    }
    let year = if negative {
        -(year_abs as i64)
    } else {
        year_abs as i64
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(err(format!(
            "year out of range {MIN_YEAR}..={MAX_YEAR}, found {year}"
        )));
    }
    let mut month = 1u32;
    let mut day = 1u32;
    let mut date_fields = 1;
    if cur.peek() == Some(b'-') && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
        cur.i += 1;
        month = cur.field(2, "month")?;
        date_fields = 2;
        if cur.peek() == Some(b'-') && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            cur.i += 1;
            day = cur.field(2, "day")?;
            date_fields = 3;
        }
    }
    if !(1..=12).contains(&month) {
        return Err(err(format!("month must be 1-12, found {month}")));
    }
    let dim = days_in_month(year, month);
    if !(1..=dim).contains(&day) {
        return Err(err(format!(
            "day must be 1-{dim} for {year:04}-{month:02}, found {day}"
        )));
    }

    // ---- time part
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    if matches!(cur.peek(), Some(b'T' | b't')) {
        cur.i += 1;
        if cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            hour = cur.field(2, "hour")?;
            if cur.peek() == Some(b':') {
                cur.i += 1;
                minute = cur.field(2, "minute")?;
                if cur.peek() == Some(b':') {
                    cur.i += 1;
                    second = cur.field(2, "second")?;
                    if cur.eat(b'.') {
                        let start = cur.i;
                        let (n, frac) = cur.digits(9);
                        if n == 0 {
                            return Err(err("expected 1-9 digits of fractional seconds after '.'"));
                        }
                        if cur.peek().is_some_and(|c| c.is_ascii_digit()) {
                            return Err(err(format!(
                                "at most 9 digits of fractional seconds are allowed, found more at byte {start}"
                            )));
                        }
                        nanos = (frac * 10u64.pow(9 - n as u32)) as u32;
                    }
                }
            }
        }
        date_fields = 3; // after a time, a '-' is an offset
    }
    if hour > 23 {
        return Err(err(format!("hour must be 0-23, found {hour}")));
    }
    if minute > 59 {
        return Err(err(format!("minute must be 0-59, found {minute}")));
    }
    if second > 59 {
        return Err(err(format!("second must be 0-59, found {second}")));
    }

    // ---- zone
    let mut offset_secs: i64 = 0;
    match cur.peek() {
        None => {}
        Some(b'Z' | b'z') => cur.i += 1,
        Some(sign @ (b'+' | b'-')) if sign == b'+' || date_fields == 3 => {
            cur.i += 1;
            let (n, hh) = cur.digits(2);
            if n != 2 {
                return Err(err(
                    "a zone offset needs two-digit hours: ±hh, ±hh:mm or ±hhmm",
                ));
            }
            if hh > 23 {
                return Err(err(format!("zone offset hours must be 00-23, found {hh}")));
            }
            let mut mm = 0;
            let colon = cur.eat(b':');
            if colon || cur.peek().is_some_and(|c| c.is_ascii_digit()) {
                let (n, m) = cur.digits(2);
                if n != 2 {
                    return Err(err("zone offset minutes must be two digits"));
                }
                if m > 59 {
                    return Err(err(format!("zone offset minutes must be 00-59, found {m}")));
                }
                mm = m;
            }
            let total = (hh * 3600 + mm * 60) as i64;
            offset_secs = if sign == b'-' { -total } else { total };
        }
        Some(_) => {}
    }
    if cur.i != b.len() {
        let found = s.get(cur.i..).unwrap_or("");
        return Err(err(format!("unexpected text {found:?} at byte {}", cur.i)));
    }

    let days = days_from_civil(year, month, day) as i128;
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i128 - offset_secs as i128;
    Ok(secs * NANOS_PER_SEC + nanos as i128)
}

/// True when [`parse_date`] accepts `s` — what IAM's save-time "legacy parsing" requires of
/// every value under a `Date*` operator (spec §1.8 stage 3).
///
/// ```
/// use iam_parser::values::is_valid_date;
/// assert!(is_valid_date("2019-07-01T13:20:15Z"));
/// assert!(is_valid_date("2016-12-13t2:00:00.593194+23"));
/// assert!(!is_valid_date("2016-12-13t2:00:00.593194+1"));
/// assert!(!is_valid_date("sdfdsf"));
/// ```
pub fn is_valid_date(s: &str) -> bool {
    parse_date(s).is_ok()
}

fn epoch_seconds(b: &[u8]) -> Result<i128, ValueError> {
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(err(
                "expected epoch seconds (digits only) or an ISO 8601 date-time such as 2020-01-01T00:00:00Z",
            ));
        }
        v = match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
        {
            Some(v) => v,
            None => return Err(err("epoch seconds must be at most 9223372036854775807")),
        };
    }
    if v > i64::MAX as u64 {
        return Err(err("epoch seconds must be at most 9223372036854775807"));
    }
    Ok(v as i128 * NANOS_PER_SEC)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Up to `max` ASCII digits: (count, value).
    fn digits(&mut self, max: usize) -> (usize, u64) {
        let mut n = 0;
        let mut v = 0u64;
        while n < max {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    v = v * 10 + u64::from(c - b'0');
                    self.i += 1;
                    n += 1;
                }
                _ => break,
            }
        }
        (n, v)
    }
    /// A 1..=`max`-digit field not followed by another digit.
    fn field(&mut self, max: usize, name: &str) -> Result<u32, ValueError> {
        let at = self.i;
        let (n, v) = self.digits(max);
        if n == 0 {
            return Err(err(format!("expected the {name} (digits) at byte {at}")));
        }
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(err(format!(
                "the {name} has at most {max} digits (at byte {at})"
            )));
        }
        Ok(v as u32)
    }
}

fn is_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const S: i128 = NANOS_PER_SEC;

    #[test]
    fn forms() {
        // a bare year has no "T" and no "-": it is epoch seconds (spec §3.2 Date)
        assert_eq!(parse_date("1970").unwrap(), 1970 * S);
        assert_eq!(parse_date("1970T").unwrap(), 0);
        assert_eq!(parse_date("1970-02").unwrap(), 31 * 86_400 * S);
        assert_eq!(parse_date("1970-01-02").unwrap(), 86_400 * S);
        assert_eq!(parse_date("1970-01-01T01:02").unwrap(), 3720 * S);
        assert_eq!(parse_date("1970-01-01T01:02:03").unwrap(), 3723 * S);
        assert_eq!(
            parse_date("1970-01-01T00:00:00.123456789").unwrap(),
            123_456_789
        );
        assert_eq!(parse_date("1970-01-01T00:00:00.1").unwrap(), 100_000_000);
        assert_eq!(
            parse_date("2019-07-01T13:20:15Z").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(
            parse_date("2019-07-01t13:20:15z").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(
            parse_date("2019-07-01T15:20:15+02").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(
            parse_date("2019-07-01T15:20:15+02:00").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(
            parse_date("2019-07-01T15:50:15+0230").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(
            parse_date("2019-07-01T08:20:15-05:00").unwrap(),
            1_561_987_215 * S
        );
        assert_eq!(parse_date("2019-07-01T13:20Z").unwrap(), 1_561_987_200 * S);
        assert_eq!(
            parse_date("2019-07-01Z").unwrap(),
            parse_date("2019-07-01").unwrap()
        );
        assert_eq!(
            parse_date("2019-07-01-01:00").unwrap(),
            parse_date("2019-07-01T01:00").unwrap()
        );
        assert_eq!(
            parse_date("2019-01+01").unwrap(),
            parse_date("2018-12-31T23:00").unwrap()
        );
    }

    #[test]
    fn lenient_forms_from_moto_valid_list() {
        // moto-valid-030, -035, -036, -037 (tests/data/moto-policy-cases)
        assert_eq!(
            parse_date("01T").unwrap(),
            parse_date("0001-01-01").unwrap()
        );
        assert!(is_valid_date("2016-12-13T21:20:37.593194+00:00"));
        assert!(is_valid_date("2016-12-13t2:00:00.593194+23"));
        assert!(is_valid_date("-292275054"));
        assert!(is_valid_date("292278993-12-31T23:59:59.999999999Z"));
    }

    #[test]
    fn rejected() {
        for bad in [
            "",
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
            "99999999999999999999999",
            "2019-02-29",
            "2019-04-31",
            "2019-00-01",
            "2019-01-00",
            "2019-01-01T24:00",
            "2019-01-01T23:60",
            "2019-01-01T23:59:60",
            "2019-01-01T00:00:00.",
            "2019-01-01T00:00:00+24",
            "2019-01-01T00:00:00+01:60",
            "2019-01-01T00:00:00+01:0",
            "2019-01-01T00:00:00Zx",
            " 2019-01-01",
            "2019-01-01 ",
            "-292275055",
            "292278994-01",
            "2019-1-1-1-1",
            "2019--01",
            "2019-01-001",
            "+2019",
            "-",
            "1.5",
            "1e9",
            "2019-01-01T1:2:3:4",
        ] {
            assert!(
                parse_date(bad).is_err(),
                "{bad:?} accepted as {:?}",
                parse_date(bad)
            );
        }
        // an empty time is midnight (as in "01T") — see module docs
        assert_eq!(
            parse_date("2019-01-01T").unwrap(),
            parse_date("2019-01-01").unwrap()
        );
        // no "T" and no "-": epoch seconds, so a zone makes it invalid (spec §3.2 Date)
        assert!(parse_date("2019+01").is_err());
        assert!(parse_date("2019Z").is_err());
    }

    #[test]
    fn leap_years_and_negative_years() {
        assert!(is_valid_date("2000-02-29"));
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("1900-02-29"));
        assert!(is_valid_date("0000-02-29"));
        assert_eq!(
            parse_date("0000-03-01").unwrap() - parse_date("0000-02-28").unwrap(),
            2 * 86_400 * S
        );
        assert_eq!(parse_date("1969-12-31T23:59:59Z").unwrap(), -S);
        assert_eq!(
            parse_date("-1-12-31T23:59:59Z").unwrap() + S,
            parse_date("0000-01-01").unwrap()
        );
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(parse_date("0").unwrap(), 0);
        assert_eq!(
            parse_date("9223372036854775807").unwrap(),
            9_223_372_036_854_775_807 * S
        );
        assert!(parse_date("+5").is_err());
    }

    #[test]
    fn agrees_with_ordering() {
        let a = parse_date("2017-07-01T00:00:00Z").unwrap();
        let b = parse_date("2017-12-31T23:59:59Z").unwrap();
        assert!(a < b);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_date(&s);
        }

        #[test]
        fn never_panics_datey(s in "[-+0-9tTzZ:.]{0,40}") {
            let _ = parse_date(&s);
        }

        #[test]
        fn round_trips_valid_datetimes(y in 1i64..9999, mo in 1u32..=12, d in 1u32..=28, h in 0u32..24, mi in 0u32..60, se in 0u32..60) {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z");
            let ns = parse_date(&text).unwrap();
            let days = days_from_civil(y, mo, d) as i128;
            proptest::prop_assert_eq!(ns, (days * 86_400 + (h * 3600 + mi * 60 + se) as i128) * S);
        }
    }
}
