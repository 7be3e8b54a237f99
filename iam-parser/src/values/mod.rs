//! Condition value families: the typed readings of the strings in a condition's value list.
//!
//! Every family has a parser that never panics and reports what it expected, and the
//! comparison semantics the evaluator needs (spec §3.2 "Operator catalogue", §3.6 "Case
//! sensitivity and value typing"; AWS: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).
//!
//! | Family | Module | Parser | Value |
//! |---|---|---|---|
//! | `Date*` | [`date`] | [`parse_date`] | nanoseconds since the Unix epoch (`i128`) |
//! | `IpAddress` / `NotIpAddress` | [`ip`] | [`parse_cidr`], [`parse_ip`] | [`Cidr`], [`std::net::IpAddr`] |
//! | `Numeric*` | [`number`] | [`parse_decimal`] | exact [`Decimal`] |
//! | `BinaryEquals` | [`binary`] | [`decode_base64`] | bytes |
//! | `Bool` | [`boolean`] | [`parse_bool`] | `bool` |
//!
//! ```
//! use iam_parser::values::{parse_date, parse_decimal, parse_bool, parse_cidr, decode_base64};
//! assert_eq!(parse_date("1970-01-01T00:00:01Z").unwrap(), 1_000_000_000);
//! assert_eq!(parse_decimal("1.50").unwrap(), parse_decimal("15e-1").unwrap());
//! assert_eq!(parse_bool("TRUE"), Some(true));
//! assert!(parse_cidr("10.0.0.0/8").unwrap().contains(&"10.1.2.3".parse().unwrap()));
//! assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
//! ```

pub mod binary;
pub mod boolean;
pub mod date;
pub mod ip;
pub mod number;

pub use binary::decode_base64;
pub use boolean::parse_bool;
pub use date::{is_valid_date, parse_date};
pub use ip::{Cidr, parse_cidr, parse_ip};
pub use number::{Decimal, parse_decimal};

use std::fmt;

/// The value family a [`ValueError`] is about.
///
/// ```
/// use iam_parser::values::{parse_date, ValueErrorKind};
/// assert_eq!(parse_date("soon").unwrap_err().kind, ValueErrorKind::Date);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueErrorKind {
    /// A `Date*` operator value.
    Date,
    /// An `IpAddress` / `NotIpAddress` value (address or CIDR).
    Ip,
    /// A `Numeric*` operator value.
    Number,
    /// A `BinaryEquals` (base64) value.
    Binary,
    /// A `Bool` value.
    Bool,
}

impl ValueErrorKind {
    /// A short name of the family, for messages.
    ///
    /// ```
    /// assert_eq!(iam_parser::values::ValueErrorKind::Ip.name(), "IP address");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            ValueErrorKind::Date => "date",
            ValueErrorKind::Ip => "IP address",
            ValueErrorKind::Number => "number",
            ValueErrorKind::Binary => "base64 binary",
            ValueErrorKind::Bool => "boolean",
        }
    }
}

/// A condition value that does not parse for its operator family.
///
/// `message` says what was expected, e.g. `month must be 01-12, found 13`.
///
/// ```
/// use iam_parser::values::parse_decimal;
/// let e = parse_decimal("NaN").unwrap_err();
/// assert!(e.to_string().starts_with("invalid number"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Which family failed.
    pub kind: ValueErrorKind,
    /// What was expected (and, where useful, what was found).
    pub message: String,
}

impl ValueError {
    /// Builds an error.
    ///
    /// ```
    /// use iam_parser::values::{ValueError, ValueErrorKind};
    /// let e = ValueError::new(ValueErrorKind::Bool, "expected true or false");
    /// assert_eq!(e.to_string(), "invalid boolean: expected true or false");
    /// ```
    pub fn new(kind: ValueErrorKind, message: impl Into<String>) -> Self {
        ValueError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ValueError {}
