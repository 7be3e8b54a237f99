//! `BinaryEquals` (spec §3.2 Binary row): base64 policy value compared byte for byte with the
//! request's base64 value.
//!
//! The request side is decoded per comparison, which allocates: `BinaryEquals` is the one
//! operator outside the allocation-free hot path.

use iam_model::ConditionValue;
use iam_parser::values::decode_base64;

pub(crate) fn compile(values: &[ConditionValue]) -> Vec<Option<Box<[u8]>>> {
    values
        .iter()
        .map(|v| decode_base64(&v.text).ok().map(Vec::into_boxed_slice))
        .collect()
}

/// The comparison of one (base64) request value with one decoded policy value.
pub(crate) fn matches(policy: &Option<Box<[u8]>>, request: &str) -> bool {
    let Some(p) = policy else { return false };
    decode_base64(request).is_ok_and(|r| *r == **p)
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.2: decoded bytes are compared, so different encodings of the same bytes match.
    #[test]
    fn compares_bytes() {
        let v = compile(&[ConditionValue::string("aGk=")]);
        assert!(matches(&v[0], "aGk="));
        assert!(!matches(&v[0], "aGo="));
        assert!(!matches(&v[0], "%%%"));
    }
}
