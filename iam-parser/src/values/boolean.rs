//! `Bool` condition values.
//!
//! Only `true` and `false` are meaningful and they are compared case-insensitively
//! (spec §3.2 Bool, §1.9 "Condition values", §10 item 34; AWS operator page,
//! "Boolean condition operators": <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean>).
//! A JSON `true`/`false` in a policy is first turned into its text form by the caller.

/// Reads `true` / `false`, ASCII case-insensitively; anything else (including surrounding
/// spaces, `1`, `yes`) is `None` — a request value that is not a boolean never matches
/// (spec §3.2 Bool).
///
/// ```
/// use iam_parser::values::parse_bool;
/// assert_eq!(parse_bool("true"), Some(true));
/// assert_eq!(parse_bool("False"), Some(false));
/// assert_eq!(parse_bool("TRUE"), Some(true));
/// assert_eq!(parse_bool(" true"), None);
/// assert_eq!(parse_bool("1"), None);
/// ```
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        for t in ["true", "True", "tRuE", "TRUE"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "False", "FALSE", "fAlSe"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for n in [
            "", "t", "f", "1", "0", "yes", "no", "true ", " false", "truee", "null", "ｔrue",
        ] {
            assert_eq!(parse_bool(n), None, "{n:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,16}") {
            let r = parse_bool(&s);
            if let Some(b) = r {
                proptest::prop_assert_eq!(s.to_ascii_lowercase(), b.to_string());
            }
        }
    }
}
