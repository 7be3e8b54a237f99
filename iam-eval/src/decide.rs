//! The decision flow: the normative pseudo-code of spec §5.2 (single account) and §5.8
//! (cross-account), with the exemptions of §5.10 and the "resource policy must allow" rule of
//! trust and KMS key policies (§5.6, §5.7).

use crate::compile::{PolicySet, SetResult};
use crate::decision::{Decision, MatchStrength, Verdict};
use crate::engine::Engine;
use crate::explain::{Layer, Tracer};
use crate::request::{PrincipalKind, Request};
use iam_model::PolicyType;
use std::fmt;

/// Which rule decided (kept `Copy` so the fast path carries it for free).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    ExplicitDeny(Layer),
    RcpLevelWithoutAllow(u16),
    ScpLevelWithoutAllow(u16),
    VpcEndpointWithoutAllow,
    AnonymousOrServiceViaResourcePolicy,
    AnonymousOrServiceWithoutResourceGrant,
    CrossAccountBothSides,
    CrossAccountNoResourceGrant,
    CrossAccountIdentitySide(Gate),
    RootSameAccount,
    ResourcePolicyRequired,
    ResourcePolicyGrant(MatchStrength),
    ResourcePolicyParentGrant,
    ResourcePolicyParentLimited(Gate),
    IdentitySide(Gate),
    IdentityAllows,
    /// A rule the service enforces whatever the policies say (spec §5.12).
    ServiceRule(ServiceRule),
    /// A `kms:*` request on a key evaluated without its key policy (spec §5.7).
    KeyPolicyMissing,
    /// An `sts:AssumeRole*` request evaluated without the role's trust policy (spec §5.6).
    TrustPolicyMissing,
}

/// The service-side rules of spec §5.12: enforced by the service itself, before or regardless
/// of policy evaluation, so no policy overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServiceRule {
    /// `sts:GetCallerIdentity` needs no permission: always allowed for authenticated callers.
    GetCallerIdentity,
    /// AWS managed policies (`arn:aws:iam::aws:policy/...`) cannot be changed by customers.
    AwsManagedPolicy,
    /// Roles under `role/aws-reserved/` are modified only by IAM Identity Center.
    IdentityCenterRole,
    /// KMS aliases beginning `alias/aws/` are reserved for AWS managed keys.
    AwsManagedKmsAlias,
}

impl fmt::Display for ServiceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceRule::GetCallerIdentity => {
                "sts:GetCallerIdentity needs no permission: every authenticated caller may call it, \
                 even when a policy explicitly denies it (STS API reference, GetCallerIdentity)"
            }
            ServiceRule::AwsManagedPolicy => {
                "AWS managed policies (arn:aws:iam::aws:policy/...) are owned by AWS: no account can \
                 create, change, tag or delete them (IAM User Guide, managed and inline policies)"
            }
            ServiceRule::IdentityCenterRole => {
                "roles under role/aws-reserved/ are provisioned by IAM Identity Center and only its \
                 service-linked role may modify them"
            }
            ServiceRule::AwsManagedKmsAlias => {
                "aliases beginning with alias/aws/ are reserved for AWS managed keys: no account \
                 can create, update or delete them (KMS Developer Guide, aliases)"
            }
        })
    }
}

/// The default key policy, which delegates to IAM (KMS Developer Guide, "Default key policy").
const DEFAULT_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:PARTITION:iam::ACCOUNT:root"},"Action":"kms:*","Resource":"*"}]}"#;

impl Reason {
    /// The reason as a sentence about `req` (names the key's account in the default key policy).
    pub(crate) fn describe(&self, req: &Request<'_>) -> String {
        match self {
            Reason::KeyPolicyMissing => {
                let account = req.resource_account();
                let account = if account.is_empty() {
                    "ACCOUNT"
                } else {
                    account
                };
                let partition = req
                    .resource
                    .strip_prefix("arn:")
                    .and_then(|r| r.split(':').next())
                    .filter(|p| !p.is_empty())
                    .unwrap_or("aws");
                let policy = DEFAULT_KEY_POLICY
                    .replace("PARTITION", partition)
                    .replace("ACCOUNT", account);
                format!(
                    "no key policy was given for the KMS key: every key has one, and unless it \
                     allows the caller (or delegates to the key's account), IAM policies have no \
                     effect, for the root user too (spec §5.7). Pass the key's policy as the \
                     resource policy; the default key policy, which delegates to IAM, is {policy}"
                )
            }
            other => other.to_string(),
        }
    }
}

/// The identity-side gate that had no applicable Allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Identity,
    Boundary,
    Session,
    FederatedWithoutSessionPolicy,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gate::Identity => "no identity-based policy allows the action",
            Gate::Boundary => "the permissions boundary does not allow the action",
            Gate::Session => "the session policies do not allow the action",
            Gate::FederatedWithoutSessionPolicy => {
                "a federated-user session without a session policy has no identity-based permissions"
            }
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ExplicitDeny(l) => write!(f, "an applicable Deny statement in the {l} policies"),
            Reason::RcpLevelWithoutAllow(l) => write!(f, "no resource control policy at level {l} allows the action"),
            Reason::ScpLevelWithoutAllow(l) => write!(f, "no service control policy at level {l} allows the action"),
            Reason::VpcEndpointWithoutAllow => f.write_str("the VPC endpoint policy does not allow the request"),
            Reason::AnonymousOrServiceViaResourcePolicy => {
                f.write_str("the resource-based policy allows this anonymous or service caller")
            }
            Reason::AnonymousOrServiceWithoutResourceGrant => {
                f.write_str("anonymous and service callers need a resource-based policy Allow, and none applies")
            }
            Reason::CrossAccountBothSides => {
                f.write_str("cross-account: the resource-based policy and the caller's own policies both allow")
            }
            Reason::CrossAccountNoResourceGrant => {
                f.write_str("cross-account: the resource-based policy does not allow the caller")
            }
            Reason::CrossAccountIdentitySide(g) => write!(f, "cross-account: {g}"),
            Reason::RootSameAccount => f.write_str("the root user has full access within its own account"),
            Reason::ResourcePolicyRequired => f.write_str(
                "the trust / key policy must allow the caller itself (or delegate to the account) and does not",
            ),
            Reason::ResourcePolicyGrant(s) => {
                write!(f, "the resource-based policy grants the caller ({s:?} principal match) in the same account")
            }
            Reason::ResourcePolicyParentGrant => f.write_str(
                "the resource-based policy grants the role / federating user, and boundary and session policies allow",
            ),
            Reason::ResourcePolicyParentLimited(g) => {
                write!(f, "the resource-based policy names the role / federating user, but {g}")
            }
            Reason::IdentitySide(g) => write!(f, "{g}"),
            Reason::IdentityAllows => f.write_str("identity-based policies allow and no boundary or session policy blocks"),
            Reason::ServiceRule(r) => write!(f, "service rule (spec §5.12): {r}"),
            Reason::KeyPolicyMissing => f.write_str(
                "no key policy was given for the KMS key: without one that allows, IAM policies have \
                 no effect (spec §5.7); pass the key's policy as the resource policy",
            ),
            Reason::TrustPolicyMissing => f.write_str(
                "no trust policy was given for the role: a role can be assumed only when its trust \
                 policy allows the caller (or delegates to the caller's account), and identity-based \
                 policies alone never suffice (spec §5.6). Pass the role's trust policy \
                 (AssumeRolePolicyDocument) as the resource policy, with policy type \"trust\"",
            ),
        }
    }
}

/// True when the resource-based policy must itself allow the request (trust policies, KMS
/// key policies: spec §5.6, §5.7, §10 item 41).
#[inline]
fn resource_must_allow(engine: &Engine, req: &Request<'_>) -> bool {
    if engine.resource.is_none() {
        return false;
    }
    let action = req.action.as_bytes();
    let assume = action
        .get(..14)
        .is_some_and(|a| a.eq_ignore_ascii_case(b"sts:AssumeRole"));
    let kms = action
        .get(..4)
        .is_some_and(|a| a.eq_ignore_ascii_case(b"kms:"));
    let role_resource = req.resource.contains(":iam::") && req.resource.contains(":role/");
    engine.resource_type == PolicyType::Trust || assume || kms || role_resource
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` split into (service, region, account,
/// resource), without allocating.
fn arn_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, rest) = rest.split_once(':')?;
    let (service, rest) = rest.split_once(':')?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    Some((service, region, account, resource))
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// `a == b`, answered at once when both are the same slice (the resource account defaults
/// to the caller's own account string: spec §5.8).
#[inline(always)]
fn same_text(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len())
        || crate::glob::bytes_eq(a.as_bytes(), b.as_bytes())
}

/// True when `action` starts with `sts:`, `iam:` or `kms:` (ASCII case-insensitively): the
/// only actions a service rule (spec §5.12) or a required trust / key policy (spec §5.6,
/// §5.7) can concern. One 4-byte load: the three letters are lower-cased by setting bit
/// 0x20 (which maps exactly `X` and `x` to `x` for a letter `x`), the colon compared as is.
#[inline(always)]
fn special_prefix(action: &str) -> bool {
    let Some(head) = action.as_bytes().first_chunk::<4>() else {
        return false;
    };
    let w = u32::from_le_bytes(*head) | 0x0020_2020;
    w == u32::from_le_bytes(*b"sts:")
        || w == u32::from_le_bytes(*b"iam:")
        || w == u32::from_le_bytes(*b"kms:")
}

/// The service-side rule of spec §5.12 that covers `req`, if any. Cheap: a 4-byte service
/// prefix test first, so other actions pay almost nothing on the hot path.
fn service_rule(req: &Request<'_>) -> Option<ServiceRule> {
    if !special_prefix(req.action) {
        return None;
    }
    let (service, name) = req.action.split_at_checked(4)?;
    if service.eq_ignore_ascii_case("sts:") {
        return name
            .eq_ignore_ascii_case("GetCallerIdentity")
            .then_some(ServiceRule::GetCallerIdentity);
    }
    let iam = service.eq_ignore_ascii_case("iam:");
    if !iam && !service.eq_ignore_ascii_case("kms:") {
        return None;
    }
    let (svc, _, account, resource) = arn_parts(req.resource)?;
    if iam && svc == "iam" {
        if account == "aws"
            && resource.starts_with("policy/")
            && is_one_of(
                name,
                &[
                    "CreatePolicy",
                    "CreatePolicyVersion",
                    "DeletePolicy",
                    "DeletePolicyVersion",
                    "SetDefaultPolicyVersion",
                    "TagPolicy",
                    "UntagPolicy",
                ],
            )
        {
            return Some(ServiceRule::AwsManagedPolicy);
        }
        // "for customer principals": the Identity Center service-linked role itself may.
        if resource.starts_with("role/aws-reserved/")
            && !req.principal.is_service_linked_role()
            && is_one_of(
                name,
                &[
                    "AttachRolePolicy",
                    "CreateRole",
                    "CreateServiceLinkedRole",
                    "DeleteRole",
                    "DeleteRolePermissionsBoundary",
                    "DeleteRolePolicy",
                    "DeleteServiceLinkedRole",
                    "DetachRolePolicy",
                    "PassRole",
                    "PutRolePermissionsBoundary",
                    "PutRolePolicy",
                    "TagRole",
                    "UntagRole",
                    "UpdateAssumeRolePolicy",
                    "UpdateRole",
                    "UpdateRoleDescription",
                ],
            )
        {
            return Some(ServiceRule::IdentityCenterRole);
        }
    } else if !iam
        && svc == "kms"
        && resource.starts_with("alias/aws/")
        && is_one_of(name, &["CreateAlias", "DeleteAlias", "UpdateAlias"])
    {
        return Some(ServiceRule::AwsManagedKmsAlias);
    }
    None
}

/// Why an `sts:AssumeRole*` or KMS key request cannot be decided without its trust / key
/// policy (spec §5.6, §5.7 rev 3), when none was given.
fn missing_required_policy(engine: &Engine, req: &Request<'_>) -> Option<Reason> {
    if engine.resource.is_some() || !special_prefix(req.action) {
        return None;
    }
    // Only requests on a role / key have a trust / key policy: a request on "*" (what an
    // account-level analysis asks when it does not know the resource), `kms:CreateKey`,
    // `kms:ListKeys` and alias resources are left to the other policies.
    let action = req.action.as_bytes();
    let assume = action
        .get(..14)
        .is_some_and(|a| a.eq_ignore_ascii_case(b"sts:AssumeRole"));
    let kms = !assume
        && action
            .get(..4)
            .is_some_and(|a| a.eq_ignore_ascii_case(b"kms:"));
    if !assume && !kms {
        return None;
    }
    let (svc, _, _, resource) = arn_parts(req.resource)?;
    if assume && svc == "iam" && resource.starts_with("role/") {
        Some(Reason::TrustPolicyMissing)
    } else if kms && svc == "kms" && resource.starts_with("key/") {
        Some(Reason::KeyPolicyMissing)
    } else {
        None
    }
}

/// Folds the levels of an organization policy type: (first level with an applicable Deny,
/// first level without an applicable Allow).
fn levels<T: Tracer>(
    sets: &[PolicySet],
    layer: fn(u16) -> Layer,
    req: &Request<'_>,
    t: &mut T,
) -> (Option<u16>, Option<u16>) {
    let mut deny = None;
    let mut missing = None;
    for (i, set) in sets.iter().enumerate() {
        let level = u16::try_from(i).unwrap_or(u16::MAX);
        let l = layer(level);
        let r = set.evaluate(l, req, t);
        if T::ON {
            t.layer(l, r.verdict);
        }
        match r.verdict {
            Verdict::Deny if deny.is_none() => deny = Some(level),
            Verdict::NoMatch if missing.is_none() => missing = Some(level),
            _ => {}
        }
    }
    (deny, missing)
}

fn layer<T: Tracer>(
    set: Option<&PolicySet>,
    l: Layer,
    req: &Request<'_>,
    t: &mut T,
) -> Option<SetResult> {
    let set = set?;
    let r = set.evaluate(l, req, t);
    if T::ON {
        t.layer(l, r.verdict);
    }
    Some(r)
}

/// Identity side: identity ∩ boundary ∩ session (spec §5.2 steps 5-7).
fn identity_side(
    kind: PrincipalKind,
    identity: SetResult,
    boundary: Option<SetResult>,
    session: Option<SetResult>,
) -> Result<(), Gate> {
    if identity.verdict != Verdict::Allow {
        return Err(Gate::Identity);
    }
    if boundary.is_some_and(|b| b.verdict != Verdict::Allow) {
        return Err(Gate::Boundary);
    }
    match (kind, session) {
        (PrincipalKind::RoleSession | PrincipalKind::FederatedUser, Some(s))
            if s.verdict != Verdict::Allow =>
        {
            Err(Gate::Session)
        }
        (PrincipalKind::FederatedUser, None) => Err(Gate::FederatedWithoutSessionPolicy),
        _ => Ok(()),
    }
}

/// [`decide`] for an engine whose only layer is the identity layer
/// ([`Engine::identity_only`]) and a request no service rule (spec §5.12) and no required
/// trust / key policy (spec §5.6, §5.7) can concern ([`special_prefix`] is false): the steps
/// of the general flow below that can apply, in the same order, with the absent layers'
/// answers written in (no RCP, SCP, VPC endpoint or resource-based policy: no grant, nothing
/// required; no boundary or session policy).
#[inline(always)]
fn decide_identity_only(engine: &Engine, req: &Request<'_>) -> (Decision, Reason) {
    use Decision::*;
    let p = req.principal;
    let kind = p.kind();
    let identity = engine
        .identity
        .evaluate(Layer::Identity, req, &mut crate::explain::NoTrace);
    // 1. An explicit Deny wins.
    if identity.verdict == Verdict::Deny {
        return (ExplicitDeny, Reason::ExplicitDeny(Layer::Identity));
    }
    // 3. Anonymous callers and service principals: only a resource-policy Allow grants.
    if matches!(kind, PrincipalKind::Anonymous | PrincipalKind::Service) {
        return (ImplicitDeny, Reason::AnonymousOrServiceWithoutResourceGrant);
    }
    let same_account = same_text(p.account(), req.resource_account());
    if !same_account {
        if kind != PrincipalKind::Root
            && let Err(g) = identity_side(kind, identity, None, None)
        {
            return (ImplicitDeny, Reason::CrossAccountIdentitySide(g));
        }
        return (ImplicitDeny, Reason::CrossAccountNoResourceGrant);
    }
    if kind == PrincipalKind::Root {
        return (Allowed, Reason::RootSameAccount);
    }
    match identity_side(kind, identity, None, None) {
        Ok(()) => (Allowed, Reason::IdentityAllows),
        Err(g) => (ImplicitDeny, Reason::IdentitySide(g)),
    }
}

impl Engine {
    /// Whether [`decide_identity_only`] decides `req`: an engine whose only layer is the
    /// identity layer, a request without a boundary layer and an action no service rule or
    /// required trust / key policy concerns.
    #[inline(always)]
    pub(crate) fn identity_only_for(&self, req: &Request<'_>) -> bool {
        self.identity_only && !req.boundary_layer && !special_prefix(req.action)
    }
}

/// The decision of [`decide_identity_only`] alone, for [`Engine::evaluate`] (the reason,
/// which only explanations need, is then never computed).
#[inline(never)]
pub(crate) fn evaluate_identity_only(engine: &Engine, req: &Request<'_>) -> Decision {
    decide_identity_only(engine, req).0
}

/// Decides `req` against `engine`'s layers.
pub(crate) fn decide<T: Tracer>(
    engine: &Engine,
    req: &Request<'_>,
    t: &mut T,
) -> (Decision, Reason) {
    use Decision::*;
    // The short path, for `Engine::evaluate` (explanations take the general one, which
    // reports every layer).
    if !T::ON && engine.identity_only_for(req) {
        return decide_identity_only(engine, req);
    }
    // A permissions-boundary layer means the caller has a boundary attached, which matters to
    // NotPrincipal + Deny (spec §5.9: it always denies a principal with a boundary).
    // (The request is copied only then: most engines have no boundary, and the copy is a
    // noticeable part of a simple decision.)
    let with_boundary;
    let req = if engine.boundary.is_some() != req.boundary_layer {
        with_boundary = Request {
            boundary_layer: engine.boundary.is_some(),
            ..*req
        };
        &with_boundary
    } else {
        req
    };
    let p = req.principal;
    let kind = p.kind();

    // Spec §5.12: sts:GetCallerIdentity is allowed for every authenticated caller, whatever
    // the policies (explicit denies, SCPs, boundaries and session policies included).
    // Anonymous callers are not authenticated and go through the ordinary flow.
    let rule = service_rule(req);
    if rule == Some(ServiceRule::GetCallerIdentity) && kind != PrincipalKind::Anonymous {
        return (Allowed, Reason::ServiceRule(ServiceRule::GetCallerIdentity));
    }

    // Organization policies that apply at all (spec §5.10): SCPs restrict principals of member
    // accounts only — not the management account, service-linked roles, service principals or
    // anonymous callers; RCPs do not touch management-account resources or service-linked-role
    // calls. An exempt caller is not subject to their Deny statements either.
    let rcps_apply = !engine.rcps.is_empty()
        && !req.resource_in_management_account
        && !p.is_service_linked_role();
    let scps_apply = !engine.scps.is_empty()
        && !p.is_management_account()
        && !p.is_service_linked_role()
        && !matches!(kind, PrincipalKind::Service | PrincipalKind::Anonymous);

    // Every layer's verdict (each set is evaluated once).
    let no_levels: &[PolicySet] = &[];
    let (rcp_deny, rcp_missing) = levels(
        if rcps_apply { &engine.rcps } else { no_levels },
        Layer::Rcp,
        req,
        t,
    );
    let (scp_deny, scp_missing) = levels(
        if scps_apply { &engine.scps } else { no_levels },
        Layer::Scp,
        req,
        t,
    );
    let vpce = layer(engine.vpce.as_ref(), Layer::VpcEndpoint, req, t);
    let resource = layer(engine.resource.as_ref(), Layer::Resource, req, t);
    let identity =
        layer(Some(&engine.identity), Layer::Identity, req, t).unwrap_or(SetResult::NONE);
    let boundary = layer(engine.boundary.as_ref(), Layer::PermissionsBoundary, req, t);
    let session = if engine.session.is_empty() {
        None
    } else {
        layer(Some(&engine.session), Layer::Session, req, t)
    };

    // 1. Any explicit Deny in any applicable policy wins (spec §5.2 step 1).
    let denied = |r: Option<SetResult>| r.is_some_and(|r| r.verdict == Verdict::Deny);
    let deny_layer = if let Some(l) = rcp_deny {
        Some(Layer::Rcp(l))
    } else if let Some(l) = scp_deny {
        Some(Layer::Scp(l))
    } else if denied(vpce) {
        Some(Layer::VpcEndpoint)
    } else if denied(resource) {
        Some(Layer::Resource)
    } else if identity.verdict == Verdict::Deny {
        Some(Layer::Identity)
    } else if denied(boundary) {
        Some(Layer::PermissionsBoundary)
    } else if denied(session) {
        Some(Layer::Session)
    } else {
        None
    };
    if let Some(l) = deny_layer {
        return (ExplicitDeny, Reason::ExplicitDeny(l));
    }

    // Spec §5.12: actions on AWS-owned resources are never allowed (an explicit Deny above
    // still reports explicitDeny).
    if let Some(r) = rule.filter(|r| *r != ServiceRule::GetCallerIdentity) {
        return (ImplicitDeny, Reason::ServiceRule(r));
    }
    // Spec §5.6, §5.7 (rev 3): no trust / key policy given — read literally ("without
    // permission from the key policy, IAM policies that allow permissions have no effect"),
    // nothing can allow, the root user included.
    if let Some(r) = missing_required_policy(engine, req) {
        return (ImplicitDeny, r);
    }

    // 2a. RCPs: every level must allow.
    if let Some(l) = rcp_missing {
        return (ImplicitDeny, Reason::RcpLevelWithoutAllow(l));
    }
    // 2b. SCPs: every level must allow.
    if let Some(l) = scp_missing {
        return (ImplicitDeny, Reason::ScpLevelWithoutAllow(l));
    }
    // 2c. VPC endpoint policy.
    if vpce.is_some_and(|v| v.verdict != Verdict::Allow) {
        return (ImplicitDeny, Reason::VpcEndpointWithoutAllow);
    }

    let grant = resource.and_then(|r| {
        if r.verdict == Verdict::Allow {
            r.strength
        } else {
            None
        }
    });

    // 3. Anonymous callers and service principals: only a resource-policy Allow grants.
    if matches!(kind, PrincipalKind::Anonymous | PrincipalKind::Service) {
        return match grant {
            Some(_) => (Allowed, Reason::AnonymousOrServiceViaResourcePolicy),
            None => (ImplicitDeny, Reason::AnonymousOrServiceWithoutResourceGrant),
        };
    }

    let must = resource_must_allow(engine, req);
    let same_account = same_text(p.account(), req.resource_account());

    // Cross-account (spec §5.8): both the caller's side (no resource-policy shortcut) and the
    // resource side must allow.
    if !same_account {
        if kind != PrincipalKind::Root
            && let Err(g) = identity_side(kind, identity, boundary, session)
        {
            return (ImplicitDeny, Reason::CrossAccountIdentitySide(g));
        }
        return match grant {
            Some(_) => (Allowed, Reason::CrossAccountBothSides),
            None => (ImplicitDeny, Reason::CrossAccountNoResourceGrant),
        };
    }

    // 3b. Root user in its own account (spec §5.2 step 3b, §5.10); a key / trust policy that
    // does not grant the account still locks it out.
    if kind == PrincipalKind::Root {
        return if must && grant.is_none() {
            (ImplicitDeny, Reason::ResourcePolicyRequired)
        } else {
            (Allowed, Reason::RootSameAccount)
        };
    }

    // 4. Same-account resource-based policy (spec §5.2 step 4, §5.3 table).
    match grant {
        Some(s @ (MatchStrength::Direct | MatchStrength::Wildcard)) => {
            return (Allowed, Reason::ResourcePolicyGrant(s));
        }
        Some(MatchStrength::ParentLevel) => {
            if boundary.is_some_and(|b| b.verdict != Verdict::Allow) {
                return (
                    ImplicitDeny,
                    Reason::ResourcePolicyParentLimited(Gate::Boundary),
                );
            }
            if session.is_some_and(|s| s.verdict != Verdict::Allow) {
                return (
                    ImplicitDeny,
                    Reason::ResourcePolicyParentLimited(Gate::Session),
                );
            }
            return (Allowed, Reason::ResourcePolicyParentGrant);
        }
        Some(MatchStrength::Account) => {} // delegation: the identity side decides
        None if must => return (ImplicitDeny, Reason::ResourcePolicyRequired),
        None => {}
    }

    // 5-7. Identity-based policies, permissions boundary, session policies.
    match identity_side(kind, identity, boundary, session) {
        Ok(()) => (Allowed, Reason::IdentityAllows),
        Err(g) => (ImplicitDeny, Reason::IdentitySide(g)),
    }
}
