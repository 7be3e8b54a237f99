//! Exposure and admin findings (issue #13), all `SECURITY_WARNING`:
//!
//! | code | policy types | when |
//! |---|---|---|
//! | `FULL_ADMIN_ACCESS` (iamkit) | identity | `Allow` of every action (`*`) on every resource (`*`) |
//! | `ALLOW_NOT_ACTION_ON_ALL_RESOURCES` (iamkit) | identity | `Allow` + `NotAction` on every resource (`*` or `NotResource`) |
//! | `PUBLIC_ACCESS` (iamkit) | resource | `Allow` to `"Principal": "*"` / `{"AWS": "*"}` without a restricting condition |
//! | `TRUST_POLICY_ALLOWS_ANY_PRINCIPAL` (iamkit) | trust | `Allow` to `{"AWS": "*"}` / `{"Federated": "*"}` without a restricting condition |
//! | `MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL` (AWS) | trust | a web-identity (OIDC) provider without a condition on one of its keys |
//! | `MISSING_GITHUB_REPO_CONDITION_KEY` (AWS) | trust | GitHub's OIDC provider without `token.actions.githubusercontent.com:sub` |
//! | `CROSS_ACCOUNT_ACCESS` (iamkit; only when the owner account is known: `validate_for_account`) | resource, trust | `Allow` to principals of another account without a restricting condition (or, in a trust policy, `sts:ExternalId`) |
//! | `RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL` (AWS) | resource | a service principal without `aws:SourceArn` / `aws:SourceAccount` (/ `aws:SourceOrgID`, `aws:SourceOrgPaths`) |
//!
//! AWS's codes and their meaning: "Access Analyzer policy check reference",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>
//! (spec §9.3). Access Analyzer's `ValidatePolicy` has no check for full admin access or public
//! access (those are its *findings* of external access and its custom checks): iamkit names them
//! with its own codes, documented in the README's findings reference.
//!
//! A condition *restricts* who the statement applies to when one of its entries uses a
//! positive operator (`StringEquals`, `StringEqualsIgnoreCase`, `StringLike`, `ArnEquals`,
//! `ArnLike`, `IpAddress`, `Bool`), without `IfExists` and without `ForAllValues:` (both are
//! true when the key is absent: spec §3.3–§3.5), on one of [`RESTRICTING_KEYS`], with a value
//! that is not a match-everything wildcard (`*`, `0.0.0.0/0`, `::/0`). A policy-wide guard also
//! counts: a `Deny` statement for every principal whose actions cover the `Allow`'s, whose
//! `Resource` is `*`, and every condition entry of which is a negated operator
//! (`StringNotEquals`, `StringNotLike`, `ArnNotEquals`, `ArnNotLike`, `NotIpAddress`, … true
//! for a missing key, so callers without the key are denied too) on a restricting key — the
//! pattern AWS documents for "only my organization" bucket policies.

use super::{Checks, StPath};
use crate::finding::Severity;
use iam_model::{
    BaseOperator, Condition, Effect, OperatorName, Policy, PolicyType, Principal, PrincipalKey,
    SetQualifier, Statement, glob_ci,
};

/// Global condition keys that limit a statement to known callers: an organization, an
/// account, a principal, a source resource or a network location (AWS global condition
/// context keys: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>).
pub const RESTRICTING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceVpcArn",
    "aws:SourceIp",
    "aws:VpcSourceIp",
    "aws:PrincipalIsAWSService",
];

/// The keys that tie a service principal to the resource or account it acts for (AWS: "Security
/// Warning – Restrict access to service principal", the confused-deputy guard).
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

/// GitHub Actions' OIDC provider (AWS: "Security Warning – Missing github repo condition key").
const GITHUB_OIDC: &str = "token.actions.githubusercontent.com";

/// Amazon Cognito identity pools' web-identity provider.
const COGNITO: &str = "cognito-identity.amazonaws.com";

fn key_in(key: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// A value that every request matches (so the entry restricts nothing).
fn matches_everything(base: BaseOperator, value: &str) -> bool {
    match base {
        BaseOperator::StringLike | BaseOperator::ArnLike => value.bytes().all(|b| b == b'*'),
        BaseOperator::IpAddress => matches!(value, "0.0.0.0/0" | "::/0"),
        _ => false,
    }
}

/// Whether one of the statement's condition entries restricts the callers with a key that
/// `key_ok` accepts (see the module documentation).
fn restricts(conditions: &[Condition], key_ok: &dyn Fn(&str) -> bool) -> bool {
    restricts_with(conditions, key_ok, &|_| true)
}

/// [`restricts`], where every value of the entry must also pass `value_ok`.
fn restricts_with(
    conditions: &[Condition],
    key_ok: &dyn Fn(&str) -> bool,
    value_ok: &dyn Fn(&str) -> bool,
) -> bool {
    conditions.iter().any(|c| {
        let OperatorName::Known(op) = &c.operator.value else {
            return false;
        };
        let positive = matches!(
            op.base,
            BaseOperator::StringEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::IpAddress
                | BaseOperator::Bool
        );
        if !positive || op.if_exists || op.qualifier == Some(SetQualifier::ForAllValues) {
            return false;
        }
        c.entries.iter().any(|e| {
            key_ok(&e.key.value)
                && !e.values.is_empty()
                && !e
                    .values
                    .iter()
                    .any(|v| matches_everything(op.base, &v.text) || !value_ok(&v.text))
                // `Bool` restricts only as `aws:PrincipalIsAWSService: true`.
                && (op.base != BaseOperator::Bool
                    || e.values.iter().all(|v| v.text.eq_ignore_ascii_case("true")))
        })
    })
}

/// True for `*`, `*:*` (every action).
fn all_actions(a: &str) -> bool {
    a == "*" || a == "*:*"
}

/// True for `*` and ARN patterns made of wildcards only (`arn:*`, `arn:aws:*:*:*:*`).
fn all_resources(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    let Some(rest) = r.strip_prefix("arn:") else {
        return false;
    };
    let rest = rest.strip_prefix("aws").unwrap_or(rest);
    rest.ends_with('*') && rest.bytes().all(|b| b == b'*' || b == b':')
}

/// True when the principal clause names every AWS principal: `"*"`, `{"AWS": "*"}`.
fn any_aws_principal(p: &Principal) -> bool {
    p.is_wildcard()
}

/// A `Deny` statement that denies the `Allow`'s actions to every caller that lacks a
/// restricting key value (module documentation).
fn is_guard(deny: &Statement, allow: &Statement) -> bool {
    if deny.effect.value != Effect::Deny {
        return false;
    }
    let Some(p) = &deny.principal else {
        return false;
    };
    if p.negated || !any_aws_principal(&p.value) {
        return false;
    }
    let resource_all = deny
        .resource
        .as_ref()
        .is_some_and(|r| !r.negated && r.iter().any(all_resources));
    if !resource_all || deny.action.negated || allow.action.negated {
        return false;
    }
    let covers = allow
        .action
        .iter()
        .all(|a| deny.action.iter().any(|d| all_actions(d) || glob_ci(d, a)));
    if !covers || deny.conditions.is_empty() {
        return false;
    }
    deny.conditions.iter().all(|c| {
        let OperatorName::Known(op) = &c.operator.value else {
            return false;
        };
        let negated = matches!(
            op.base,
            BaseOperator::StringNotEquals
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringNotLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
                | BaseOperator::NotIpAddress
        );
        negated
            && op.qualifier.is_none()
            && !c.entries.is_empty()
            && c.entries
                .iter()
                .all(|e| key_in(&e.key.value, RESTRICTING_KEYS) && !e.values.is_empty())
    })
}

/// The exposure and admin checks of one policy (statement paths from `path_of`).
pub(super) fn check_policy(c: &mut Checks, policy: &Policy, path_of: &dyn Fn(usize) -> StPath) {
    let t = c.policy_type;
    if !matches!(
        t,
        PolicyType::Identity | PolicyType::Resource | PolicyType::Trust
    ) {
        return;
    }
    for (i, st) in policy.statements.iter().enumerate() {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let path = path_of(i);
        match t {
            PolicyType::Identity => admin(c, st, &path),
            _ => exposure(c, policy, st, &path),
        }
    }
}

fn admin(c: &mut Checks, st: &Statement, path: &StPath) {
    let Some(res) = &st.resource else { return };
    let every_resource = res.negated || res.iter().any(all_resources);
    if st.action.negated {
        if every_resource && !st.action.values.is_empty() {
            c.push(
                "ALLOW_NOT_ACTION_ON_ALL_RESOURCES",
                Severity::SecurityWarning,
                st.action.span,
                format!("{path}.NotAction"),
                "Allow with NotAction on every resource grants every action not listed, in every service, including services and actions AWS adds later: list the actions to allow instead",
            );
        }
    } else if !res.negated && res.iter().any(all_resources) && st.action.iter().any(all_actions) {
        let when = if st.conditions.is_empty() {
            ""
        } else {
            " (when its conditions hold)"
        };
        c.push(
            "FULL_ADMIN_ACCESS",
            Severity::SecurityWarning,
            st.span,
            path.to_string(),
            format!("this statement allows every action on every resource{when}: full administrator access; grant only the actions and resources the principal needs"),
        );
    }
}

fn exposure(c: &mut Checks, policy: &Policy, st: &Statement, path: &StPath) {
    let Some(p) = &st.principal else { return };
    if p.negated {
        return; // ALLOW_WITH_NOT_PRINCIPAL (elements.rs)
    }
    let t = c.policy_type;
    let ppath = format!("{path}.Principal");
    let restricted = || {
        restricts(&st.conditions, &|k| key_in(k, RESTRICTING_KEYS))
            || policy.statements.iter().any(|d| is_guard(d, st))
    };
    match &p.value {
        // `"Principal": "*"` in a trust policy is already an ERROR
        // (ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL, elements.rs).
        Principal::Star if t == PolicyType::Trust => {}
        Principal::Star => {
            if !restricted() {
                c.push(
                    "PUBLIC_ACCESS",
                    Severity::SecurityWarning,
                    p.span,
                    ppath,
                    "\"Principal\": \"*\" without a restricting condition grants access to everyone, including anonymous callers: name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn, aws:SourceVpce or similar",
                );
            }
        }
        Principal::Map(entries) => {
            for (key, values) in entries {
                let kpath = format!("{ppath}.{}", key.value.as_str());
                for v in values {
                    let s = v.value.as_str();
                    match key.value {
                        PrincipalKey::Aws | PrincipalKey::Federated if s == "*" => {
                            if restricted() {
                                continue;
                            }
                            if t == PolicyType::Trust {
                                c.push(
                                    "TRUST_POLICY_ALLOWS_ANY_PRINCIPAL",
                                    Severity::SecurityWarning,
                                    v.span,
                                    kpath.clone(),
                                    format!("{{\"{}\": \"*\"}} without a restricting condition lets any {} in any account assume this role: name the trusted accounts or roles, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalArn", key.value.as_str(), if key.value == PrincipalKey::Aws { "AWS principal" } else { "federated user" }),
                                );
                            } else if key.value == PrincipalKey::Aws {
                                c.push(
                                    "PUBLIC_ACCESS",
                                    Severity::SecurityWarning,
                                    v.span,
                                    kpath.clone(),
                                    "{\"AWS\": \"*\"} without a restricting condition grants access to every AWS principal of every account (AWS treats it as public): name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn or similar",
                                );
                            }
                        }
                        PrincipalKey::Federated if t == PolicyType::Trust => {
                            web_identity(c, st, s, v.span, &kpath);
                        }
                        PrincipalKey::Service
                            if t == PolicyType::Resource
                                && s != "*"
                                && !restricts(&st.conditions, &|k| key_in(k, SOURCE_KEYS)) =>
                        {
                            c.push(
                                "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
                                Severity::SecurityWarning,
                                v.span,
                                kpath.clone(),
                                format!("the service principal {s} acts on behalf of every AWS account: add a condition on aws:SourceArn or aws:SourceAccount (or aws:SourceOrgID) so that it can reach this resource only for your resources"),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The account of an `AWS` principal value: a 12-digit id or the account field of an ARN
/// (`arn:aws:iam::111122223333:role/R`, `arn:aws:sts::111122223333:assumed-role/R/s`); `None`
/// for `*`, unique ids and anything else.
fn principal_account(v: &str) -> Option<&str> {
    let digits = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(v) {
        return Some(v);
    }
    let mut parts = v.splitn(6, ':');
    let (arn, _partition, _service, _region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (arn == "arn" && digits(account)).then_some(account)
}

/// `CROSS_ACCOUNT_ACCESS`: in a resource-based or trust policy owned by `account`, an `Allow`
/// to `AWS` principals of other accounts without a restricting condition. In a trust policy
/// `sts:ExternalId` also counts: AWS's guard for third parties that assume a role
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html>).
pub(super) fn check_cross_account(
    c: &mut Checks,
    policy: &Policy,
    path_of: &dyn Fn(usize) -> StPath,
    account: &str,
) {
    let t = c.policy_type;
    if !matches!(t, PolicyType::Resource | PolicyType::Trust) {
        return;
    }
    for (i, st) in policy.statements.iter().enumerate() {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let Some(p) = &st.principal else { continue };
        let Principal::Map(entries) = &p.value else {
            continue; // `*`: PUBLIC_ACCESS / the trust-policy ERROR
        };
        if p.negated {
            continue;
        }
        let restricted = restricts(&st.conditions, &|k| {
            key_in(k, RESTRICTING_KEYS)
                || (t == PolicyType::Trust && k.eq_ignore_ascii_case("sts:ExternalId"))
        }) || policy.statements.iter().any(|d| is_guard(d, st));
        if restricted {
            continue;
        }
        let path = path_of(i);
        for (key, values) in entries {
            if key.value != PrincipalKey::Aws {
                continue;
            }
            for v in values {
                let Some(other) = principal_account(&v.value) else {
                    continue;
                };
                if other == account {
                    continue;
                }
                let what = if t == PolicyType::Trust {
                    "assume this role"
                } else {
                    "use this resource"
                };
                c.push(
                    "CROSS_ACCOUNT_ACCESS",
                    Severity::SecurityWarning,
                    v.span,
                    format!("{path}.Principal.AWS"),
                    format!("\"{}\" is in account {other}, not this account ({account}): principals there can {what} with no restricting condition (add aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceVpce{}, or remove the grant)", v.value, if t == PolicyType::Trust { ", sts:ExternalId" } else { "" }),
                );
            }
        }
    }
}

/// An OIDC (web identity) provider in a trust policy: the host its condition keys start with
/// (`accounts.google.com`, `oidc.eks.REGION.amazonaws.com/id/ID`), `None` for SAML providers.
fn oidc_host(federated: &str) -> Option<&str> {
    if let Some(i) = federated.find(":oidc-provider/") {
        return Some(&federated[i + ":oidc-provider/".len()..]);
    }
    if federated.starts_with("arn:") || federated.contains("saml-provider/") {
        return None;
    }
    // A provider given by name: `accounts.google.com`, `cognito-identity.amazonaws.com`,
    // `graph.facebook.com`, `www.amazon.com`.
    federated.contains('.').then_some(federated)
}

fn web_identity(
    c: &mut Checks,
    st: &Statement,
    federated: &str,
    span: iam_model::Span,
    kpath: &str,
) {
    let Some(host) = oidc_host(federated) else {
        return;
    };
    if host.eq_ignore_ascii_case(GITHUB_OIDC) {
        let sub = format!("{GITHUB_OIDC}:sub");
        // `repo:*` (or a leading `*`) names every repository: no restriction.
        let names_repos = |v: &str| !(v.starts_with('*') || v.starts_with("repo:*"));
        if !restricts_with(
            &st.conditions,
            &|k| k.eq_ignore_ascii_case(&sub),
            &names_repos,
        ) {
            c.push(
                "MISSING_GITHUB_REPO_CONDITION_KEY",
                Severity::SecurityWarning,
                span,
                kpath,
                format!("without a condition on {sub}, a workflow of any GitHub repository can assume this role: add a StringEquals or StringLike condition naming your repositories"),
            );
        }
        return;
    }
    // Amazon Cognito: only `cognito-identity.amazonaws.com:aud` names the identity pool (`amr`
    // says authenticated or not, in any pool): Cognito's "Role trust and permissions" page.
    if host.eq_ignore_ascii_case(COGNITO) {
        let aud = format!("{COGNITO}:aud");
        if !restricts(&st.conditions, &|k| k.eq_ignore_ascii_case(&aud)) {
            c.push(
                "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                Severity::SecurityWarning,
                span,
                kpath,
                format!("without a condition on {aud}, an identity of any Amazon Cognito identity pool can assume this role: add a StringEquals condition naming your identity pool"),
            );
        }
        return;
    }
    let prefix = format!("{host}:");
    // `get`: a key with a multi-byte character at the cut is simply not a match (no panic).
    let has_key = |k: &str| {
        k.len() > prefix.len()
            && k.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(&prefix))
    };
    if !restricts(&st.conditions, &has_key) {
        c.push(
            "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
            Severity::SecurityWarning,
            span,
            kpath,
            format!("without a condition on a {host} key (such as {host}:aud or {host}:sub), any identity of this provider can assume this role: add one naming your application or users"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_resources() {
        assert!(all_resources("*"));
        assert!(all_resources("arn:*"));
        assert!(all_resources("arn:aws:*:*:*:*"));
        assert!(!all_resources("arn:aws:s3:::bucket/*"));
        assert!(!all_resources("arn:aws:s3:::*"));
    }

    #[test]
    fn principal_accounts() {
        assert_eq!(principal_account("111122223333"), Some("111122223333"));
        assert_eq!(
            principal_account("arn:aws:iam::111122223333:role/R"),
            Some("111122223333")
        );
        assert_eq!(
            principal_account("arn:aws:sts::111122223333:assumed-role/R/s"),
            Some("111122223333")
        );
        assert_eq!(principal_account("*"), None);
        assert_eq!(principal_account("AROAEXAMPLEID1234567"), None);
        assert_eq!(principal_account("arn:aws:iam::aws:policy/X"), None);
    }

    #[test]
    fn oidc_hosts() {
        assert_eq!(
            oidc_host(
                "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
            ),
            Some("oidc.eks.us-east-1.amazonaws.com/id/ABC")
        );
        assert_eq!(
            oidc_host("accounts.google.com"),
            Some("accounts.google.com")
        );
        assert_eq!(
            oidc_host("arn:aws:iam::123456789012:saml-provider/Okta"),
            None
        );
    }
}
