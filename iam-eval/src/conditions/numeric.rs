//! `Numeric*` operators (spec §3.2 Numeric row): exact decimal comparison.
//!
//! Policy values are parsed once; request values are parsed per comparison with an
//! allocation-free `i64` fast path, falling back to the exact decimal parser.

use iam_model::{BaseOperator, ConditionValue};
use iam_parser::values::{Decimal, parse_decimal};
use std::cmp::Ordering;

/// A compiled numeric policy value (`None` when it does not parse: it then matches nothing,
/// spec §3.6).
#[derive(Debug, Clone)]
pub(crate) struct Number {
    dec: Decimal,
    int: Option<i64>,
}

pub(crate) fn compile(values: &[ConditionValue]) -> Vec<Option<Number>> {
    values
        .iter()
        .map(|v| {
            parse_decimal(&v.text).ok().map(|dec| Number {
                dec,
                int: v.text.parse::<i64>().ok(),
            })
        })
        .collect()
}

fn compare(policy: &Number, request: &str) -> Option<Ordering> {
    if let (Some(p), Ok(r)) = (policy.int, request.parse::<i64>()) {
        return Some(r.cmp(&p));
    }
    parse_decimal(request).ok().map(|r| r.cmp(&policy.dec))
}

/// The positive comparison (`NumericNotEquals` compares as `NumericEquals`; the caller negates).
pub(crate) fn matches(base: BaseOperator, policy: &Option<Number>, request: &str) -> bool {
    let Some(p) = policy else { return false };
    let Some(o) = compare(p, request) else {
        return false;
    };
    match base {
        BaseOperator::NumericLessThan => o == Ordering::Less,
        BaseOperator::NumericLessThanEquals => o != Ordering::Greater,
        BaseOperator::NumericGreaterThan => o == Ordering::Greater,
        BaseOperator::NumericGreaterThanEquals => o != Ordering::Less,
        _ => o == Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(base: BaseOperator, v: &str, r: &str) -> bool {
        matches(base, &compile(&[ConditionValue::string(v)])[0], r)
    }

    // spec §3.2: integers and decimals compare numerically.
    #[test]
    fn numeric_comparisons() {
        assert!(m(BaseOperator::NumericEquals, "10", "10.0"));
        assert!(m(BaseOperator::NumericEquals, "1.5", "1.50"));
        assert!(m(BaseOperator::NumericLessThan, "10", "9"));
        assert!(!m(BaseOperator::NumericLessThan, "10", "10"));
        assert!(m(BaseOperator::NumericLessThanEquals, "10", "10"));
        assert!(m(BaseOperator::NumericGreaterThan, "1.5", "2"));
        assert!(m(BaseOperator::NumericGreaterThanEquals, "-1", "-1"));
        assert!(m(BaseOperator::NumericGreaterThan, "2", "10"));
    }

    // spec §3.2 / §3.6: a non-numeric request value makes the comparison false.
    #[test]
    fn non_numeric_is_false() {
        assert!(!m(BaseOperator::NumericEquals, "10", "ten"));
        assert!(!m(BaseOperator::NumericLessThan, "abc", "1"));
    }
}
