//! `String*` operators (spec §3.2 String row): exact, case-insensitive and glob comparison,
//! with policy variables in values.

use crate::glob::{Case, Glob, VarRef};
use crate::variables::template_glob;
use iam_model::{BaseOperator, ConditionValue};

/// Compiles the value list of a `String*` operator into globs: `StringLike`/`StringNotLike`
/// treat `*`/`?` as wildcards, the others compare literally; `…IgnoreCase` folds case.
pub(crate) fn compile(
    base: BaseOperator,
    values: &[ConditionValue],
    variables: bool,
) -> Result<Vec<Glob>, String> {
    let (wild, case) = match base {
        BaseOperator::StringLike | BaseOperator::StringNotLike => (true, Case::Sensitive),
        BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
            (false, Case::Insensitive)
        }
        _ => (false, Case::Sensitive),
    };
    values
        .iter()
        .map(|v| template_glob(&v.text, variables, wild, case))
        .collect()
}

/// The positive comparison of one request value against one policy value.
pub(crate) fn matches<'t>(
    value: &'t Glob,
    request: &str,
    resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
) -> bool {
    value.matches_with(request, resolve)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(base: BaseOperator, v: &str, r: &str) -> bool {
        let g = compile(base, &[ConditionValue::string(v)], true).unwrap();
        matches(&g[0], r, &mut |_| None)
    }

    // spec §3.2: StringEquals is exact and case-sensitive; `*` is literal (§3.7).
    #[test]
    fn equals_is_exact() {
        assert!(one(BaseOperator::StringEquals, "Prod", "Prod"));
        assert!(!one(BaseOperator::StringEquals, "Prod", "prod"));
        assert!(!one(BaseOperator::StringEquals, "Pr*", "Prod"));
        assert!(one(BaseOperator::StringEquals, "Pr*", "Pr*"));
    }

    // spec §3.2: IgnoreCase folds case.
    #[test]
    fn ignore_case() {
        assert!(one(BaseOperator::StringEqualsIgnoreCase, "PROD", "prod"));
        assert!(one(BaseOperator::StringEqualsIgnoreCase, "ÄBC", "äbc"));
        assert!(!one(BaseOperator::StringEqualsIgnoreCase, "prod", "prod2"));
    }

    // spec §3.2: StringLike globs over the whole value, multi-line allowed, case-sensitive.
    #[test]
    fn like_is_anchored_glob() {
        assert!(one(BaseOperator::StringLike, "home/*", "home/a/b"));
        assert!(one(BaseOperator::StringLike, "a?c", "abc"));
        assert!(!one(BaseOperator::StringLike, "home/*", "xhome/a"));
        assert!(one(BaseOperator::StringLike, "*", "line1\nline2"));
        assert!(!one(BaseOperator::StringLike, "Home/*", "home/a"));
    }
}
