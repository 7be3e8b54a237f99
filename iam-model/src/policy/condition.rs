//! `Condition` blocks: operators, keys and typed values (spec §3).

use crate::span::{Span, Spanned};
use std::fmt;

/// The family of a base operator, which decides how values are parsed (spec §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    /// `String*`.
    String,
    /// `Numeric*`.
    Numeric,
    /// `Date*`.
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress`, `NotIpAddress`.
    Ip,
    /// `Arn*`.
    Arn,
    /// `Null`.
    Null,
}

macro_rules! base_operators {
    ($( $variant:ident => $name:literal, $family:ident, $negated:literal; )*) => {
        /// The 27 base condition operators.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BaseOperator {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl BaseOperator {
            /// Every base operator.
            pub const ALL: &'static [BaseOperator] = &[$(BaseOperator::$variant),*];

            /// The operator's name as AWS spells it.
            pub const fn as_str(self) -> &'static str {
                match self { $(BaseOperator::$variant => $name),* }
            }

            /// The operator's family.
            pub const fn family(self) -> OperatorFamily {
                match self { $(BaseOperator::$variant => OperatorFamily::$family),* }
            }

            /// True for negated operators, whose value lists combine as NOR (spec §3.1)
            /// and which are true for a missing key (spec §3.3).
            pub const fn is_negated(self) -> bool {
                match self { $(BaseOperator::$variant => $negated),* }
            }

            /// Parses an exact base operator name (case-sensitive, spec §1.9).
            pub fn parse(s: &str) -> Option<BaseOperator> {
                match s { $($name => Some(BaseOperator::$variant),)* _ => None }
            }
        }
    };
}

base_operators! {
    StringEquals => "StringEquals", String, false;
    StringNotEquals => "StringNotEquals", String, true;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String, false;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String, true;
    StringLike => "StringLike", String, false;
    StringNotLike => "StringNotLike", String, true;
    NumericEquals => "NumericEquals", Numeric, false;
    NumericNotEquals => "NumericNotEquals", Numeric, true;
    NumericLessThan => "NumericLessThan", Numeric, false;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric, false;
    NumericGreaterThan => "NumericGreaterThan", Numeric, false;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric, false;
    DateEquals => "DateEquals", Date, false;
    DateNotEquals => "DateNotEquals", Date, true;
    DateLessThan => "DateLessThan", Date, false;
    DateLessThanEquals => "DateLessThanEquals", Date, false;
    DateGreaterThan => "DateGreaterThan", Date, false;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date, false;
    Bool => "Bool", Bool, false;
    BinaryEquals => "BinaryEquals", Binary, false;
    IpAddress => "IpAddress", Ip, false;
    NotIpAddress => "NotIpAddress", Ip, true;
    ArnEquals => "ArnEquals", Arn, false;
    ArnLike => "ArnLike", Arn, false;
    ArnNotEquals => "ArnNotEquals", Arn, true;
    ArnNotLike => "ArnNotLike", Arn, true;
    Null => "Null", Null, false;
}

impl BaseOperator {
    /// True when values of this operator may hold policy variables (spec §4.2; `Bool` is
    /// accepted per the operator page, where Access Analyzer's list disagrees).
    pub const fn accepts_variables(self) -> bool {
        matches!(
            self.family(),
            OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool
        )
    }
}

impl fmt::Display for BaseOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `ForAllValues:` or `ForAnyValue:` (spec §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:` — every request value must satisfy the operator.
    ForAllValues,
    /// `ForAnyValue:` — at least one request value must.
    ForAnyValue,
}

impl SetQualifier {
    /// The prefix as written, colon included.
    pub const fn prefix(self) -> &'static str {
        match self {
            SetQualifier::ForAllValues => "ForAllValues:",
            SetQualifier::ForAnyValue => "ForAnyValue:",
        }
    }
}

/// A well-formed condition operator: optional set qualifier, base operator, optional `IfExists`.
///
/// ```
/// use iam_model::{BaseOperator, ConditionOperator, SetQualifier};
/// let op: ConditionOperator = "ForAnyValue:StringLikeIfExists".parse().unwrap();
/// assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
/// assert_eq!(op.base, BaseOperator::StringLike);
/// assert!(op.if_exists);
/// assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
/// assert!("ForAnyValue::StringEquals".parse::<ConditionOperator>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// `ForAllValues:` / `ForAnyValue:` prefix.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// `IfExists` suffix. (`NullIfExists` parses, and validation reports it: spec §3.7.)
    pub if_exists: bool,
}

impl ConditionOperator {
    /// A plain operator with no qualifier and no `IfExists`.
    pub const fn plain(base: BaseOperator) -> ConditionOperator {
        ConditionOperator {
            qualifier: None,
            base,
            if_exists: false,
        }
    }
}

/// Error for a text that is not a condition operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperator(pub String);

impl fmt::Display for UnknownOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown condition operator {:?}", self.0)
    }
}
impl std::error::Error for UnknownOperator {}

impl std::str::FromStr for ConditionOperator {
    type Err = UnknownOperator;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (qualifier, rest) = if let Some(r) = s.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = s.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, s)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        BaseOperator::parse(rest)
            .map(|base| ConditionOperator {
                qualifier,
                base,
                if_exists,
            })
            .ok_or_else(|| UnknownOperator(s.to_string()))
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            f.write_str(q.prefix())?;
        }
        f.write_str(self.base.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// An operator name as written: known, or unknown (kept verbatim so validation can report it
/// and the evaluator can refuse it — spec §10 item 4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OperatorName {
    /// A well-formed operator.
    Known(ConditionOperator),
    /// Anything else, verbatim.
    Unknown(String),
}

impl OperatorName {
    /// Classifies an operator name.
    pub fn parse(s: &str) -> OperatorName {
        s.parse().map_or_else(
            |_| OperatorName::Unknown(s.to_string()),
            OperatorName::Known,
        )
    }
    /// The known operator, if any.
    pub fn known(&self) -> Option<ConditionOperator> {
        match self {
            OperatorName::Known(op) => Some(*op),
            OperatorName::Unknown(_) => None,
        }
    }
}

impl fmt::Display for OperatorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperatorName::Known(op) => op.fmt(f),
            OperatorName::Unknown(s) => f.write_str(s),
        }
    }
}

/// The JSON type a condition value was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A JSON string.
    String,
    /// A JSON number (its exact text is kept).
    Number,
    /// A JSON `true` / `false`.
    Bool,
}

/// One condition value, with its JSON type and its text (a number's exact spelling; a bool's
/// `true`/`false`). Engines compare the text (spec §1.1: numbers and booleans are normalised to
/// their string form).
#[derive(Debug, Clone)]
pub struct ConditionValue {
    /// JSON type as written.
    pub kind: ValueKind,
    /// The value as text.
    pub text: String,
    /// Source span.
    pub span: Span,
}

impl ConditionValue {
    /// A string value with no span.
    ///
    /// ```
    /// use iam_model::ConditionValue;
    /// assert_eq!(ConditionValue::string("us-east-1").text, "us-east-1");
    /// ```
    pub fn string(s: impl Into<String>) -> ConditionValue {
        ConditionValue {
            kind: ValueKind::String,
            text: s.into(),
            span: Span::default(),
        }
    }
}

/// One key of an operator block with its value list.
#[derive(Debug, Clone)]
pub struct ConditionEntry {
    /// The condition key as written (matched case-insensitively).
    pub key: Spanned<String>,
    /// The value list (a scalar becomes a one-element list).
    pub values: Vec<ConditionValue>,
    /// Span of the value list.
    pub span: Span,
}

/// One operator block: `"StringEquals": { key: values, ... }`. Blocks and keys are AND-ed.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator.
    pub operator: Spanned<OperatorName>,
    /// Its keys, in document order.
    pub entries: Vec<ConditionEntry>,
    /// Span of the block's object.
    pub span: Span,
}

super::eq_ignoring_span!(ConditionValue, kind, text);
super::eq_ignoring_span!(ConditionEntry, key, values);
super::eq_ignoring_span!(Condition, operator, entries);

impl std::hash::Hash for ConditionValue {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.text.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_seven_base_operators_all_round_trip() {
        assert_eq!(BaseOperator::ALL.len(), 27);
        for &b in BaseOperator::ALL {
            for q in [
                None,
                Some(SetQualifier::ForAllValues),
                Some(SetQualifier::ForAnyValue),
            ] {
                for ie in [false, true] {
                    let op = ConditionOperator {
                        qualifier: q,
                        base: b,
                        if_exists: ie,
                    };
                    assert_eq!(op.to_string().parse::<ConditionOperator>(), Ok(op));
                }
            }
        }
    }

    #[test]
    fn malformed_operators() {
        for bad in [
            "ForAnyValue::StringEquals",
            "stringequals",
            "StringEqualsIfexists",
            "ForAllValues:",
            "IfExists",
            "",
        ] {
            assert!(bad.parse::<ConditionOperator>().is_err(), "{bad}");
        }
    }

    #[test]
    fn negated_set() {
        let neg: Vec<_> = BaseOperator::ALL
            .iter()
            .filter(|b| b.is_negated())
            .map(|b| b.as_str())
            .collect();
        assert_eq!(
            neg,
            [
                "StringNotEquals",
                "StringNotEqualsIgnoreCase",
                "StringNotLike",
                "NumericNotEquals",
                "DateNotEquals",
                "NotIpAddress",
                "ArnNotEquals",
                "ArnNotLike"
            ]
        );
    }
}
