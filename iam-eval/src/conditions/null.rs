//! `Null` (spec §3.2 Existence row): `true` = the key is absent, `false` = it is present.

use iam_model::ConditionValue;
use iam_parser::values::parse_bool;

pub(crate) fn compile(values: &[ConditionValue]) -> Vec<Option<bool>> {
    values.iter().map(|v| parse_bool(&v.text)).collect()
}

/// The plain `Null` test: true when some policy value says what the key's presence is.
pub(crate) fn matches(values: &[Option<bool>], present: bool) -> bool {
    values.contains(&Some(!present))
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.2 Null: {"Null": {"k": "true"}} is true iff k is absent; "false" iff present.
    #[test]
    fn presence() {
        let t = compile(&[ConditionValue::string("true")]);
        let f = compile(&[ConditionValue::string("false")]);
        assert!(matches(&t, false));
        assert!(!matches(&t, true));
        assert!(matches(&f, true));
        assert!(!matches(&f, false));
    }
}
