//! `Date*` operators (spec §3.2 Date row): ISO 8601 or epoch seconds, compared as instants.

use iam_model::{BaseOperator, ConditionValue};
use iam_parser::values::parse_date;
use std::cmp::Ordering;

/// Parses the policy values; an unparsable date is an error (IAM rejects it at save time,
/// spec §3.2 "failed legacy parsing").
pub(crate) fn compile(values: &[ConditionValue]) -> Result<Vec<i128>, String> {
    values
        .iter()
        .map(|v| {
            parse_date(&v.text).map_err(|e| format!("invalid date {:?}: {}", v.text, e.message))
        })
        .collect()
}

/// The positive comparison (`DateNotEquals` compares as `DateEquals`; the caller negates).
pub(crate) fn matches(base: BaseOperator, policy: i128, request: &str) -> bool {
    let Ok(r) = parse_date(request) else {
        return false;
    };
    let o = r.cmp(&policy);
    match base {
        BaseOperator::DateLessThan => o == Ordering::Less,
        BaseOperator::DateLessThanEquals => o != Ordering::Greater,
        BaseOperator::DateGreaterThan => o == Ordering::Greater,
        BaseOperator::DateGreaterThanEquals => o != Ordering::Less,
        _ => o == Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.2 / §10 item 35: ISO 8601 and epoch seconds are both accepted and comparable.
    #[test]
    fn iso_and_epoch() {
        let v = compile(&[ConditionValue::string("2020-01-01T00:00:00Z")]).unwrap()[0];
        assert!(matches(
            BaseOperator::DateGreaterThan,
            v,
            "2021-06-01T12:00:00Z"
        ));
        assert!(matches(BaseOperator::DateLessThan, v, "1500000000"));
        assert!(matches(BaseOperator::DateEquals, v, "1577836800"));
        assert!(matches(
            BaseOperator::DateEquals,
            v,
            "2020-01-01T01:00:00+01:00"
        ));
        assert!(!matches(BaseOperator::DateLessThan, v, "not a date"));
        assert!(compile(&[ConditionValue::string("2020-13-01")]).is_err());
    }
}
