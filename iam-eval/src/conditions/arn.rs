//! `Arn*` operators (spec §3.2 ARN row): both sides split into six colon-separated segments,
//! each matched with its own glob — unlike `StringLike`, a `*` never spans a colon except in
//! the sixth (resource) segment's own text.

use crate::glob::{Case, Glob, GlobBuilder, VarRef};
use crate::matchers::resource::split6;
use iam_model::{ConditionValue, TemplatePart, parse_template};

/// A compiled ARN pattern (`None` when the policy value is not ARN-shaped: it matches nothing).
pub(crate) type ArnPattern = Option<Box<[Glob; 6]>>;

pub(crate) fn compile(
    values: &[ConditionValue],
    variables: bool,
) -> Result<Vec<ArnPattern>, String> {
    values
        .iter()
        .map(|v| compile_one(&v.text, variables))
        .collect()
}

fn compile_one(text: &str, variables: bool) -> Result<ArnPattern, String> {
    let parts: Vec<TemplatePart> = if variables && text.contains("${") {
        parse_template(text)
            .map_err(|e| format!("{e} in {text:?} ({})", e.code()))?
            .parts
    } else {
        vec![TemplatePart::Text(text.to_string())]
    };
    let mut builders: Vec<GlobBuilder> = vec![GlobBuilder::default()];
    for part in &parts {
        match part {
            TemplatePart::Text(s) => {
                let mut first = true;
                for piece in s.split(':') {
                    if !first {
                        if builders.len() < 6 {
                            builders.push(GlobBuilder::default());
                        } else if let Some(b) = builders.last_mut() {
                            b.literal(":");
                        }
                    }
                    first = false;
                    if let Some(b) = builders.last_mut() {
                        b.wild(piece);
                    }
                }
            }
            TemplatePart::Escaped(c) => {
                if let Some(b) = builders.last_mut() {
                    b.literal(c.encode_utf8(&mut [0u8; 4]));
                }
            }
            TemplatePart::Variable { key, default } => {
                if let Some(b) = builders.last_mut() {
                    b.var(key, default.as_deref());
                }
            }
        }
    }
    if builders.len() < 6 {
        return Ok(None);
    }
    let globs: Vec<Glob> = builders
        .into_iter()
        .map(|b| b.build(Case::Sensitive))
        .collect();
    Ok(globs.try_into().ok().map(Box::new))
}

/// The positive comparison; a request value that is not an ARN is false (spec §3.2 /
/// §10 item 33 — so the negated operators are true, the spec's recommended default).
pub(crate) fn matches<'t>(
    policy: &'t ArnPattern,
    request: &str,
    resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
) -> bool {
    let Some(p) = policy else { return false };
    let Some(r) = split6(request) else {
        return false;
    };
    p.iter()
        .zip(r.iter())
        .all(|(g, s)| g.matches_with(s, resolve))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::string;
    use iam_model::BaseOperator;

    // spec §3.2 ARN row: the documented StringLike-vs-ArnLike example.
    #[test]
    fn arnlike_differs_from_stringlike() {
        let pat = "arn:aws:someservice:*:111122223333:finance/*";
        let req = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        let a = compile(&[ConditionValue::string(pat)], true).unwrap();
        assert!(!matches(&a[0], req, &mut |_| None));
        let s = string::compile(
            BaseOperator::StringLike,
            &[ConditionValue::string(pat)],
            true,
        )
        .unwrap();
        assert!(string::matches(&s[0], req, &mut |_| None));
        assert!(matches(
            &a[0],
            "arn:aws:someservice:us-east-2:111122223333:finance/x",
            &mut |_| None
        ));
    }

    // spec §10 item 33: a non-ARN request value never matches positively.
    #[test]
    fn non_arn_request() {
        let a = compile(&[ConditionValue::string("arn:aws:iam::*:role/x")], true).unwrap();
        assert!(!matches(&a[0], "boop", &mut |_| None));
    }

    // spec §4.2: variables are allowed in ARN values, in any segment, substituted literally.
    #[test]
    fn variables_in_arn_values() {
        let a = compile(
            &[ConditionValue::string(
                "arn:aws:iam::${aws:PrincipalAccount}:role/*",
            )],
            true,
        )
        .unwrap();
        let mut acct = |_: &VarRef| Some("111122223333");
        assert!(matches(
            &a[0],
            "arn:aws:iam::111122223333:role/x",
            &mut acct
        ));
        assert!(!matches(
            &a[0],
            "arn:aws:iam::444455556666:role/x",
            &mut acct
        ));
    }
}
