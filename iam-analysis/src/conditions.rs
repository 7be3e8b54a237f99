//! How the analyses treat conditions they cannot decide (the "three-valued" rule).
//!
//! A condition entry is *decidable* when its key is derived from the principal alone
//! (`aws:username`, `aws:userid`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
//! `aws:PrincipalType`, `aws:PrincipalTag/*`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
//! `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName(sList)`, `aws:FederatedProvider`),
//! is `aws:ResourceAccount` (the analyses look at resources of the principal's own account),
//! or was given in the caller's context. Every other entry (`aws:SourceIp`,
//! `aws:MultiFactorAuthPresent`, `s3:prefix`, `iam:PassedToService`, ...) depends on the
//! request and is *undecidable*.
//!
//! Each policy is compiled twice:
//! - **optimistic**: undecidable entries of `Allow` statements are assumed true (dropped);
//!   `Deny` statements with an undecidable entry are assumed not to apply (dropped);
//! - **strict**: `Allow` statements with an undecidable entry are assumed not to apply
//!   (dropped); undecidable entries of `Deny` statements are assumed true (dropped).
//!
//! A request allowed by the strict engine is **allowed** whatever the request context; one
//! allowed only by the optimistic engine is **conditional** (allowed for some contexts); one
//! the optimistic engine denies is denied for every context. Decidable entries are always
//! evaluated normally.

use iam_model::{Effect, Policy, Statement};
use std::sync::Arc;

/// Which way undecidable conditions are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    Optimistic,
    Strict,
}

const PRINCIPAL_KEYS: &[&str] = &[
    "aws:username",
    "aws:userid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:federatedprovider",
    "aws:resourceaccount",
];

/// True when `key` is decided by the principal alone (see the module docs).
pub(crate) fn is_principal_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    PRINCIPAL_KEYS.contains(&lower.as_str()) || lower.starts_with("aws:principaltag/")
}

/// True when some condition entry of `st` is undecidable.
pub(crate) fn is_conditional(st: &Statement, decidable: &dyn Fn(&str) -> bool) -> bool {
    st.conditions
        .iter()
        .any(|c| c.entries.iter().any(|e| !decidable(&e.key.value)))
}

/// A policy rewritten for one [`Mode`], keeping only statements `keep` accepts; `map[i]` is
/// the original index of statement `i` of `policy`.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) policy: Arc<Policy>,
    pub(crate) map: Arc<[usize]>,
}

/// Rewrites `policy` for `mode` (see the module docs). With `trim`, the `Action` entries of
/// kept statements are narrowed to those `trim` accepts (a statement whose entries all go is
/// dropped); `NotAction` statements are kept whole.
pub(crate) fn variant(
    policy: &Arc<Policy>,
    mode: Mode,
    keep: &dyn Fn(&Statement) -> bool,
    trim: Option<&dyn Fn(&str) -> bool>,
    decidable: &dyn Fn(&str) -> bool,
) -> Variant {
    let trims =
        |s: &Statement| trim.is_some_and(|t| !s.action.negated && s.action.iter().any(|a| !t(a)));
    let untouched = policy
        .statements
        .iter()
        .all(|s| keep(s) && !trims(s) && !is_conditional(s, decidable));
    if untouched {
        return Variant {
            policy: Arc::clone(policy),
            map: (0..policy.statements.len()).collect(),
        };
    }
    let mut map = Vec::new();
    let mut statements = Vec::new();
    for (i, st) in policy.statements.iter().enumerate() {
        if !keep(st) {
            continue;
        }
        let trimmed;
        let st = match trim {
            Some(t) if trims(st) => {
                let mut c = st.clone_without_actions();
                c.action.span = st.action.span;
                c.action.values = st
                    .action
                    .values
                    .iter()
                    .filter(|v| t(&v.value))
                    .cloned()
                    .collect();
                if c.action.values.is_empty() {
                    continue;
                }
                trimmed = c;
                &trimmed
            }
            _ => st,
        };
        if !is_conditional(st, decidable) {
            statements.push(st.clone());
            map.push(i);
            continue;
        }
        let drop_statement = matches!(
            (mode, st.effect.value),
            (Mode::Optimistic, Effect::Deny) | (Mode::Strict, Effect::Allow)
        );
        if drop_statement {
            continue;
        }
        let mut st = st.clone();
        for c in &mut st.conditions {
            c.entries.retain(|e| decidable(&e.key.value));
        }
        st.conditions.retain(|c| !c.entries.is_empty());
        statements.push(st);
        map.push(i);
    }
    let out = Policy {
        version: policy.version.clone(),
        id: policy.id.clone(),
        statements,
        single_statement: policy.single_statement,
        span: policy.span,
    };
    Variant {
        policy: Arc::new(out),
        map: map.into(),
    }
}

/// Clones a statement except its (possibly huge) `Action` list.
trait CloneWithoutActions {
    fn clone_without_actions(&self) -> Statement;
}

impl CloneWithoutActions for Statement {
    fn clone_without_actions(&self) -> Statement {
        Statement {
            sid: self.sid.clone(),
            effect: self.effect.clone(),
            principal: self.principal.clone(),
            action: iam_model::ValueList::default(),
            resource: self.resource.clone(),
            conditions: self.conditions.clone(),
            span: self.span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_model::PolicyType;

    #[test]
    fn modes() {
        let p = Arc::new(
            iam_parser::parse_policy(
                r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"StringEquals":{"aws:PrincipalTag/team":"x"}}},
                {"Effect":"Deny","Action":"s3:Delete*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
                {"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#,
                PolicyType::Identity,
            )
            .unwrap(),
        );
        let dec = |k: &str| is_principal_key(k);
        let o = variant(&p, Mode::Optimistic, &|_| true, None, &dec);
        assert_eq!(*o.map, [0, 2]);
        assert_eq!(o.policy.statements[0].conditions.len(), 1);
        let s = variant(&p, Mode::Strict, &|_| true, None, &dec);
        assert_eq!(*s.map, [1, 2]);
        let t = variant(
            &p,
            Mode::Optimistic,
            &|_| true,
            Some(&|a: &str| a.starts_with("ec2")),
            &dec,
        );
        assert_eq!(*t.map, [2]);
        assert!(s.policy.statements[0].conditions.is_empty());
    }
}
