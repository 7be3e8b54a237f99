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

/// Decides `req` against `engine`'s layers.
pub(crate) fn decide<T: Tracer>(
    engine: &Engine,
    req: &Request<'_>,
    t: &mut T,
) -> (Decision, Reason) {
    use Decision::*;
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
    let same_account =
        crate::glob::bytes_eq(p.account().as_bytes(), req.resource_account().as_bytes());

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
