//! Set qualifiers (`ForAllValues:`, `ForAnyValue:`), `…IfExists` and missing keys
//! (spec §3.3, §3.4, §3.5).

use crate::request::Value;
use iam_model::{ConditionOperator, SetQualifier};

/// Applies the qualifier / `IfExists` / missing-key rules around `one`, the value-list rule
/// for a single request value (OR over policy values for positive operators, NOR for
/// negated ones — spec §3.1). An empty request value list counts as absent.
pub(crate) fn evaluate<'a>(
    op: ConditionOperator,
    value: Option<Value<'a>>,
    mut one: impl FnMut(&'a str) -> bool,
) -> bool {
    let present = value.filter(|v| !v.is_empty());
    match (op.qualifier, present) {
        // §3.5: ForAllValues is true for an absent key or an empty set.
        (Some(SetQualifier::ForAllValues), None) => true,
        // §3.4/§3.5: ForAnyValue is false for an absent key, even with IfExists.
        (Some(SetQualifier::ForAnyValue), None) => false,
        (Some(SetQualifier::ForAllValues), Some(v)) => v.iter().all(one),
        (Some(SetQualifier::ForAnyValue), Some(v)) => v.iter().any(one),
        // §3.3: missing key — IfExists true; negated true; positive false.
        (None, None) => op.if_exists || op.base.is_negated(),
        (None, Some(Value::One(r))) => one(r),
        // §3.5: multi-valued key without a qualifier is UNSPECIFIED by AWS; the spec's
        // RECOMMENDED default: no match for positive operators, match for negated ones.
        (None, Some(_)) => op.base.is_negated(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> ConditionOperator {
        s.parse().unwrap()
    }
    /// `one` for StringEquals/StringNotEquals over policy values `vals`.
    fn eval(o: &str, vals: &[&str], v: Option<Value<'_>>) -> bool {
        let o = op(o);
        evaluate(o, v, |r| {
            let any = vals.contains(&r);
            if o.base.is_negated() { !any } else { any }
        })
    }

    // spec §3.3 missing-key table, row by row.
    #[test]
    fn missing_key_table() {
        assert!(!eval("StringEquals", &["a"], None), "positive → false");
        assert!(eval("StringNotEquals", &["a"], None), "negated → true");
        assert!(
            eval("StringEqualsIfExists", &["a"], None),
            "IfExists → true"
        );
        assert!(
            eval("StringNotEqualsIfExists", &["a"], None),
            "negated IfExists → true (§10 item 26)"
        );
        assert!(eval("ForAllValues:StringEqualsIfExists", &["a"], None));
        assert!(
            !eval("ForAnyValue:StringEqualsIfExists", &["a"], None),
            "ForAnyValue ignores IfExists (§3.4)"
        );
        assert!(
            eval("ForAllValues:StringEquals", &["a"], None),
            "ForAllValues fails open (§10 item 25)"
        );
        assert!(!eval("ForAnyValue:StringEquals", &["a"], None));
    }

    // spec §3.5 table: empty request set behaves as absent for the qualifiers.
    #[test]
    fn empty_set() {
        let empty: &[&str] = &[];
        assert!(eval(
            "ForAllValues:StringEquals",
            &["a"],
            Some(Value::Many(empty))
        ));
        assert!(!eval(
            "ForAnyValue:StringEquals",
            &["a"],
            Some(Value::Many(empty))
        ));
    }

    // spec §3.5 worked examples: ForAllValues:StringNotLike "key1*" in a Deny.
    #[test]
    fn for_all_values_negated_example() {
        let o = op("ForAllValues:StringNotLike");
        let like = |r: &str| r.starts_with("key1");
        let ev = |v: Option<Value<'_>>| evaluate(o, v, |r| !like(r));
        assert!(!ev(Some(Value::Many(&["key1:legal"]))));
        assert!(ev(Some(Value::Many(&["key2:audit"]))));
        assert!(ev(None));
    }

    // spec §3.5: ForAllValues = every value in the set; ForAnyValue = at least one;
    // ForAnyValue:StringNotEquals true if one value differs from every policy value.
    #[test]
    fn quantifiers() {
        let tags = Some(Value::Many(&["a", "b"]));
        assert!(eval("ForAllValues:StringEquals", &["a", "b", "c"], tags));
        assert!(!eval("ForAllValues:StringEquals", &["a"], tags));
        assert!(eval("ForAnyValue:StringEquals", &["b"], tags));
        assert!(!eval("ForAnyValue:StringEquals", &["z"], tags));
        assert!(eval("ForAnyValue:StringNotEquals", &["a"], tags));
        assert!(!eval("ForAnyValue:StringNotEquals", &["a", "b"], tags));
    }

    // spec §3.5: multi-valued key without a qualifier (recommended default).
    #[test]
    fn multi_without_qualifier() {
        let tags = Some(Value::Many(&["a", "b"]));
        assert!(!eval("StringEquals", &["a"], tags));
        assert!(eval("StringNotEquals", &["a"], tags));
    }
}
