//! `Bool` (spec §3.2 Boolean row): `true`/`false`, case-insensitive; anything else never matches.

use iam_model::ConditionValue;
use iam_parser::values::parse_bool;

pub(crate) fn compile(values: &[ConditionValue]) -> Vec<Option<bool>> {
    values.iter().map(|v| parse_bool(&v.text)).collect()
}

/// The comparison of one request value with one policy value.
pub(crate) fn matches(policy: Option<bool>, request: &str) -> bool {
    policy.is_some() && parse_bool(request) == policy
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.2 / §10 item 34: Bool compares case-insensitively; JSON true ≡ "true";
    // a non-boolean request value never matches.
    #[test]
    fn bool_values() {
        let v = compile(&[
            ConditionValue::string("TRUE"),
            ConditionValue::string("maybe"),
        ]);
        assert!(matches(v[0], "true"));
        assert!(matches(v[0], "True"));
        assert!(!matches(v[0], "false"));
        assert!(!matches(v[0], "yes"));
        assert!(!matches(v[1], "maybe"));
    }
}
