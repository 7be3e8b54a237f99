//! Policy diffs: what one policy (or version, or principal) allows that the other does not,
//! over the catalog's actions and the resource patterns of the granting statements.

use super::conditions::is_principal_key;
use super::core::{Analyzer, Cache, Subject};
use super::what_can::WhatCan;
use super::{Access, AnalysisError, Target};
use iam_account::{Account, Named};
use iam_eval::Context;
use iam_eval::Principal;
use iam_model::Policy;
use iam_model::entities::IamError;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What two sides allow differently. Actions are full names in catalog order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDiff {
    /// Actions allowed (on some resource) by A and by no resource under B.
    pub only_a: Vec<String>,
    /// Actions allowed by B and not by A.
    pub only_b: Vec<String>,
    /// For actions both allow: A's confirmed resource patterns that B refuses.
    pub resources_only_a: BTreeMap<String, Vec<String>>,
    /// For actions both allow: B's confirmed resource patterns that A refuses.
    pub resources_only_b: BTreeMap<String, Vec<String>>,
    /// Actions both allow where one side is only [`Access::Conditional`]: (action, A, B).
    pub access_changed: Vec<(String, Access, Access)>,
}

impl PolicyDiff {
    /// True when both sides allow the same.
    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.resources_only_a.is_empty()
            && self.resources_only_b.is_empty()
            && self.access_changed.is_empty()
    }
}

fn compare(a: &Analyzer<'_>, wa: &WhatCan, b: &Analyzer<'_>, wb: &WhatCan) -> PolicyDiff {
    let ctx = Context::new();
    let mut d = PolicyDiff::default();
    let mut ia = wa.actions().peekable();
    let mut ib = wb.actions().peekable();
    let refused = |other: &Analyzer<'_>, x: &super::ActionAccess| -> Vec<String> {
        x.resources()
            .into_iter()
            .filter(|r| {
                other
                    .decide(super::index::index().id_of(x.action), x.action, r, &ctx)
                    .is_none()
            })
            .map(str::to_string)
            .collect()
    };
    // Both lists are in catalog order: merge them.
    let order = |s: &str| super::index::index().id_of(s).unwrap_or(u32::MAX);
    loop {
        match (ia.peek(), ib.peek()) {
            (None, None) => break,
            (Some(x), None) => {
                d.only_a.push(x.action.to_string());
                ia.next();
            }
            (None, Some(y)) => {
                d.only_b.push(y.action.to_string());
                ib.next();
            }
            (Some(x), Some(y)) => {
                let (ox, oy) = (order(x.action), order(y.action));
                if ox < oy {
                    d.only_a.push(x.action.to_string());
                    ia.next();
                } else if oy < ox {
                    d.only_b.push(y.action.to_string());
                    ib.next();
                } else {
                    let ra = refused(b, x);
                    if !ra.is_empty() {
                        d.resources_only_a.insert(x.action.to_string(), ra);
                    }
                    let rb = refused(a, y);
                    if !rb.is_empty() {
                        d.resources_only_b.insert(y.action.to_string(), rb);
                    }
                    if x.access != y.access {
                        d.access_changed
                            .push((x.action.to_string(), x.access, y.access));
                    }
                    ia.next();
                    ib.next();
                }
            }
        }
    }
    d
}

/// The principal identity policies are evaluated as when compared on their own.
const DIFF_PRINCIPAL: &str = "arn:aws:iam::123456789012:user/policy-diff";

/// Compares two identity policies over the catalog: the actions each allows (on some
/// resource) that the other does not, resource patterns one allows and the other refuses, and
/// actions allowed outright by one and only conditionally by the other. Both are evaluated
/// alone for the user `arn:aws:iam::123456789012:user/policy-diff` (policy variables resolve
/// to that user). An `Action` / `NotAction` entry of either policy that matches nothing in the
/// catalog is [`AnalysisError::UnknownAction`]: the diff ranges over the catalog, so such an
/// entry (a typo in a Deny is a Deny that never applies) would otherwise vanish unseen.
///
/// ```
/// use iam_model::PolicyType;
/// let p = |s: &str| iam_parser::parse_policy(s, PolicyType::Identity).unwrap();
/// let a = p(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#);
/// let b = p(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}]}"#);
/// let d = iam_analysis::diff_policies(&a, &b).unwrap();
/// assert!(d.only_a.contains(&"s3:GetBucketPolicy".to_string()));
/// assert_eq!(d.only_b, ["s3:PutObject"]);
/// // Both allow s3:GetObject; A on every resource, B only on b/*:
/// assert_eq!(d.resources_only_a["s3:GetObject"], ["*"]);
/// assert!(d.resources_only_b.is_empty()); // A allows b/* too
/// ```
pub fn diff_policies(a: &Policy, b: &Policy) -> Result<PolicyDiff, AnalysisError> {
    for p in [a, b] {
        super::check_actions(p.statements.iter().flat_map(|s| s.action.iter()))?;
    }
    let principal =
        Principal::parse(DIFF_PRINCIPAL).map_err(|e| IamError::invalid_input(e.to_string()))?;
    let side = |p: &Policy, name: &str| {
        Subject::of_policies(
            principal.clone(),
            vec![Named {
                name: name.to_string(),
                source: iam_account::Source::Input,
                policy: Arc::new(p.clone()),
            }],
        )
    };
    let (sa, sb) = (side(a, "a"), side(b, "b"));
    Ok(diff_subjects(&sa, &sb)?)
}

fn diff_subjects(sa: &Subject, sb: &Subject) -> Result<PolicyDiff, IamError> {
    let mut cache = Cache::new(|_| true, is_principal_key);
    let a = Analyzer::new(sa, &mut cache, true)?;
    let b = Analyzer::new(sb, &mut cache, true)?;
    let (wa, wb) = (WhatCan::from_analyzer(&a), WhatCan::from_analyzer(&b));
    Ok(compare(&a, &wa, &b, &wb))
}

/// Compares two versions (`v1`, `v2`, ...) of a customer managed policy of `account`.
///
/// ```
/// use iam_account::Account;
/// let mut acct = Account::new("111122223333").unwrap();
/// let v1 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
/// let v2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","iam:PassRole"],"Resource":"*"}]}"#;
/// let arn = acct.create_policy("p", v1, None, None).unwrap().arn.clone();
/// acct.create_policy_version(&arn, v2, true).unwrap();
/// let d = iam_analysis::diff_policy_versions(&acct, &arn, "v1", "v2").unwrap();
/// assert_eq!(d.only_b, ["iam:PassRole"]);
/// ```
pub fn diff_policy_versions(
    account: &Account,
    policy_arn: &str,
    version_a: &str,
    version_b: &str,
) -> Result<PolicyDiff, AnalysisError> {
    let doc = |v: &str| -> Result<Arc<Policy>, IamError> {
        Ok(account.get_policy_version(policy_arn, v)?.document.shared())
    };
    let (a, b) = (doc(version_a)?, doc(version_b)?);
    diff_policies(&a, &b)
}

/// Compares what a principal could do in `before` and can do in `after` (two states of the
/// same account or organization, such as before and after a change): every layer applies.
pub fn diff_principal<'a, 'b>(
    before: impl Into<Target<'a>>,
    after: impl Into<Target<'b>>,
    principal: &str,
) -> Result<PolicyDiff, IamError> {
    let sa = Subject::prepare(&before.into().scope(), principal, "iam:GetUser", "*")?;
    let sb = Subject::prepare(&after.into().scope(), principal, "iam:GetUser", "*")?;
    diff_subjects(&sa, &sb)
}
