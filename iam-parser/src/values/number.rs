//! `Numeric*` condition values: exact decimal numbers.
//!
//! AWS: "integer or decimal" values (spec §3.2 Numeric; operator page, "Numeric condition
//! operators": <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric>).
//! Values are compared exactly — no `f64` — so `9007199254740993 != 9007199254740992` and
//! `1.50 == 1.5 == 15e-1 == +1.5`.
//!
//! Grammar (decision; AWS documents none beyond "integer or decimal"):
//! `["+"|"-"] (DIGITS ["." [DIGITS]] | "." DIGITS) [("e"|"E") ["+"|"-"] DIGITS]`.
//! Rejected: empty text, spaces anywhere, `NaN`, `Infinity`/`inf`, hex, `_` separators,
//! and exponents whose magnitude exceeds 10^15 (no real policy needs them).

use super::{ValueError, ValueErrorKind};
use std::cmp::Ordering;
use std::fmt;

const MAX_EXPONENT: i64 = 1_000_000_000_000_000;

fn err(message: impl Into<String>) -> ValueError {
    ValueError::new(ValueErrorKind::Number, message)
}

/// An exact decimal number, normalized: `value = ±0.d₁d₂…dₙ × 10^exp` with no leading or trailing
/// zero digits (zero has no digits and is never negative). Equality, hashing and ordering are
/// numeric.
///
/// ```
/// use iam_parser::values::parse_decimal;
/// let a = parse_decimal("1.50").unwrap();
/// assert_eq!(a, parse_decimal("15e-1").unwrap());
/// assert!(parse_decimal("-2").unwrap() < parse_decimal("-1.999").unwrap());
/// assert_eq!(parse_decimal("-0.0").unwrap(), parse_decimal("0").unwrap());
/// assert_eq!(a.to_string(), "1.5");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    /// Significant digits as values 0..=9, first and last non-zero; empty for zero.
    digits: Box<[u8]>,
    /// Decimal exponent of the digit string read as `0.digits`.
    exp: i64,
}

/// Parses an integer or decimal number (see the [module docs](self) for the grammar).
///
/// ```
/// use iam_parser::values::parse_decimal;
/// assert_eq!(parse_decimal("10").unwrap(), parse_decimal("1e1").unwrap());
/// assert_eq!(parse_decimal("9223372036854775808").unwrap().to_string(), "9223372036854775808");
/// assert!(parse_decimal("9007199254740993").unwrap() > parse_decimal("9007199254740992").unwrap());
/// assert!(parse_decimal("NaN").is_err());
/// assert!(parse_decimal("1 ").is_err());
/// assert!(parse_decimal("").is_err());
/// ```
pub fn parse_decimal(s: &str) -> Result<Decimal, ValueError> {
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        Some(_) => false,
        None => {
            return Err(err(
                "expected an integer or decimal number, found an empty string",
            ));
        }
    };
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_part = &b[int_start..i];
    let mut frac_part: &[u8] = &[];
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_part = &b[f..i];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(err(format!(
            "expected an integer or decimal number such as 10 or -1.5, found {s:?}"
        )));
    }
    let mut exp10: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let e0 = i;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            exp10 = exp10.saturating_mul(10).saturating_add(i64::from(c - b'0'));
            i += 1;
        }
        if i == e0 {
            return Err(err(format!("expected exponent digits after 'e' in {s:?}")));
        }
        if exp10 > MAX_EXPONENT {
            return Err(err(format!(
                "exponent out of range (at most {MAX_EXPONENT}) in {s:?}"
            )));
        }
        if eneg {
            exp10 = -exp10;
        }
    }
    if i != b.len() {
        return Err(err(format!(
            "expected an integer or decimal number, found {s:?}"
        )));
    }
    // Normalize: concatenate int+frac digits; strip leading zeros (adjusting the exponent) and
    // trailing zeros.
    let all = int_part.iter().chain(frac_part.iter());
    let leading = all.clone().take_while(|&&c| c == b'0').count();
    let total = int_part.len() + frac_part.len();
    if leading == total {
        return Ok(Decimal {
            negative: false,
            digits: Box::new([]),
            exp: 0,
        });
    }
    let trailing = all.clone().rev().take_while(|&&c| c == b'0').count();
    let digits: Box<[u8]> = all
        .skip(leading)
        .take(total - leading - trailing)
        .map(|c| c - b'0')
        .collect();
    // value = 0.(all digits) × 10^(int_len) × 10^exp10; dropping `leading` zeros shifts by -leading.
    let exp = int_part.len() as i64 - leading as i64 + exp10;
    Ok(Decimal {
        negative,
        digits,
        exp,
    })
}

impl Decimal {
    /// True for zero.
    ///
    /// ```
    /// assert!(iam_parser::values::parse_decimal("0e5").unwrap().is_zero());
    /// ```
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// True for values below zero.
    ///
    /// ```
    /// assert!(iam_parser::values::parse_decimal("-0.1").unwrap().is_negative());
    /// assert!(!iam_parser::values::parse_decimal("-0").unwrap().is_negative());
    /// ```
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.exp
            .cmp(&other.exp)
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::str::FromStr for Decimal {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s)
    }
}

/// Plain notation when the exponent is small (`-12.5`, `0.001`), scientific otherwise (`1.5e40`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let n = self.digits.len() as i64;
        let digit = |d: &u8| char::from(b'0' + d);
        if (-6..=40).contains(&self.exp) {
            if self.exp <= 0 {
                f.write_str("0.")?;
                for _ in 0..-self.exp {
                    f.write_str("0")?;
                }
                for d in self.digits.iter() {
                    write!(f, "{}", digit(d))?;
                }
            } else {
                for (k, d) in self.digits.iter().enumerate() {
                    if k as i64 == self.exp {
                        f.write_str(".")?;
                    }
                    write!(f, "{}", digit(d))?;
                }
                for _ in n..self.exp {
                    f.write_str("0")?;
                }
            }
            Ok(())
        } else {
            let mut it = self.digits.iter();
            if let Some(d) = it.next() {
                write!(f, "{}", digit(d))?;
            }
            if n > 1 {
                f.write_str(".")?;
                for d in it {
                    write!(f, "{}", digit(d))?;
                }
            }
            write!(f, "e{}", self.exp - 1)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn equalities() {
        for group in [
            &[
                "1.5", "1.50", "15e-1", "+1.5", "0.15E1", "1.5e0", "150e-2", "001.500",
            ][..],
            &["0", "-0", "0.0", "0e10", ".0", "0.", "-0.000e-5"],
            &["10", "1e1", "10.0", "100e-1"],
            &["-3", "-3.0", "-0.3e1"],
        ] {
            for a in group {
                for b in group {
                    assert_eq!(d(a), d(b), "{a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn ordering() {
        let ascending = [
            "-1e20",
            "-100",
            "-10.5",
            "-10",
            "-1",
            "-0.5",
            "-0.0001",
            "0",
            "0.0001",
            "0.5",
            "1",
            "1.0000000000000000001",
            "9.99",
            "10",
            "9007199254740992",
            "9007199254740993",
            "9223372036854775807",
            "9223372036854775808",
            "1e40",
        ];
        for w in ascending.windows(2) {
            assert!(d(w[0]) < d(w[1]), "{} < {}", w[0], w[1]);
            assert!(d(w[1]) > d(w[0]));
        }
    }

    #[test]
    fn display() {
        for (i, o) in [
            ("1.50", "1.5"),
            ("-0", "0"),
            ("100", "100"),
            ("0.001", "0.001"),
            ("1e50", "1e50"),
            ("-12.5e-1", "-1.25"),
        ] {
            assert_eq!(d(i).to_string(), o);
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            " ",
            "1 ",
            " 1",
            "+",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "NaN",
            "nan",
            "inf",
            "Infinity",
            "-inf",
            "0x10",
            "1_000",
            "1,5",
            "1.2.3",
            "--1",
            "+-1",
            "1e5.5",
            "1e9999999999999999999",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_decimal(&s);
        }

        #[test]
        fn never_panics_numeric(s in "[-+0-9.eE]{0,40}") {
            if let Ok(v) = parse_decimal(&s) {
                // Display round-trips
                proptest::prop_assert_eq!(parse_decimal(&v.to_string()).unwrap(), v);
            }
        }

        #[test]
        fn agrees_with_i128(a in proptest::prelude::any::<i64>(), b in proptest::prelude::any::<i64>()) {
            let (x, y) = (d(&a.to_string()), d(&b.to_string()));
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x.to_string(), a.to_string());
        }

        #[test]
        fn scaling_is_equal(a in proptest::prelude::any::<i32>(), k in 0u32..10) {
            let scaled = format!("{}{}e-{}", a, "0".repeat(k as usize), k);
            proptest::prop_assert_eq!(d(&scaled), d(&a.to_string()));
        }
    }
}
