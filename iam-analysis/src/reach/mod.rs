//! The reach graph: who can become whom, and who is effectively an administrator.
//!
//! **Nodes** are the users and roles of the account (or of every account of an organization:
//! nodes are keyed by ARN and carry their account id, so cross-account edges need no new
//! shape) and the AWS service principals that role trust policies name. Groups are not nodes:
//! they carry policies, and a user's grants say which group they come through.
//!
//! **Edges** are every way one principal gains another's permissions, each with the
//! statements that enable it (policy, how it is attached, statement index, `Sid`, line and
//! column) — the methods published by Rhino Security Labs and PMapper ([`methods`]):
//!
//! | edge | needs |
//! |---|---|
//! | `AssumeRole` P → R | the trust policy of R allows P, and P's identity policies allow `sts:AssumeRole` on R unless the trust policy names P's own ARN in the same account (spec §5.6) — decided by the engine with every layer (boundary, SCPs) |
//! | `PassRole…` P → R | `iam:PassRole` on R with `iam:PassedToService` = the service, the service's actions ([`PASSROLE_METHODS`]), R's trust policy trusts the service; EC2 also an instance profile |
//! | `SSMSendCommand`, `SSMStartSession`, `UpdateFunctionCode`, `UpdateGlueDevEndpoint` P → R (`ServiceAction`) | the action, R trusts the service (EC2 with an instance profile, Lambda, Glue); conditional: an existing instance / function / endpoint running as R is needed, which an IAM snapshot does not show |
//! | `UpdateAssumeRolePolicy` P → R | `iam:UpdateAssumeRolePolicy` on R, and P could assume R once R's trust policy names P (the engine decides with that trust policy) |
//! | `CreateAccessKey`, `CreateLoginProfile`, `UpdateLoginProfile` P → U | the action on user U ≠ P (`CreateLoginProfile` when U has no password, `UpdateLoginProfile` when it has one) |
//! | `EditPolicy` X → T | X can give T any permission: `Put/Attach{User,Role}Policy` on T, `Put/AttachGroupPolicy` on a group of T, `CreatePolicyVersion` (or `SetDefaultPolicyVersion`, when older versions exist: conditional) on a customer managed policy attached to T or its groups, `AddUserToGroup` of T to a group that grants this; when T has a permissions boundary, X must also be able to delete it |
//! | `ServiceTrust` S → R | R's trust policy lets the service S assume R (informational: nobody becomes a service) |
//! | `ResourceAccess` P → resource | a resource-based policy of another account (S3 bucket, Lambda function, KMS key, …) and P's identity side both allow some action ([`resources`]); not a "becomes" edge |
//!
//! **Across accounts** (an [`Organization`](iam_account::Organization)) the edges are
//! `AssumeRole` onto roles of another account whose trust policy names the caller's account,
//! its root or one of its principals (or `*`), and the edges of [`resources`]: access to
//! resources of another account through their resource-based policies, and `ServiceAction`
//! edges onto the role a foreign resource runs code as (a Lambda function whose code the
//! caller may replace). Both sides are decided (spec §5.6, §5.8) — the caller's identity
//! policies, boundary and the SCPs of its account's path, and the trust / resource policy with
//! the RCPs of the resource account's path; neither SCPs nor RCPs apply in the management
//! account (§5.10). Nobody edits another account's principals, and roles are passed to
//! services only within their account. An admin becomes every principal of its own account,
//! and from there follows these edges.
//!
//! Conditions follow the analyses' three-valued rule: keys decided by the principal and the
//! keys the method fixes (`iam:PassedToService`, `iam:PolicyARN` =
//! `arn:aws:iam::aws:policy/AdministratorAccess`) are evaluated; any other key is unknown. A
//! hop whose conditions can never hold is dropped; one that holds only for some values of the
//! unknown keys is kept and marked [`Access::Conditional`].
//!
//! **Administrators.** A principal is *admin* when it can give itself any permission
//! (PMapper's definition, restated): an `EditPolicy` edge onto itself (which an
//! `Action: "*"`, `iam:*` or `IAMFullAccess` grant implies), or `iam:CreateRole` with
//! `iam:PutRolePolicy` / `iam:AttachRolePolicy` (AdministratorAccess) on a new role (whose
//! trust policy it writes). It is *admin by escalation* when a path of edges leads to an admin,
//! or to a principal X that has an `EditPolicy` edge onto a principal it can reach (itself
//! included). Admins get no escalation paths.
//!
//! ```
//! use iam_account::Account;
//! use iam_analysis::ReachGraph;
//! let mut a = Account::new("111122223333").unwrap();
//! a.create_user("dev", None).unwrap();
//! a.put_user_policy("dev", "p", r#"{"Version":"2012-10-17","Statement":[
//!   {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}]}"#).unwrap();
//! a.create_user("boss", None).unwrap();
//! a.attach_user_policy("boss", "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
//! let g = ReachGraph::build(&a).unwrap();
//! let dev = "arn:aws:iam::111122223333:user/dev";
//! let esc = g.escalations_of(dev).unwrap();
//! assert_eq!(esc[0].target, "arn:aws:iam::111122223333:user/boss");
//! assert_eq!(g.edge(esc[0].steps[0]).unwrap().method, "CreateAccessKey");
//! assert!(g.edge(usize::MAX).is_none());
//! assert!(g.node("arn:aws:iam::111122223333:user/boss").unwrap().admin.is_some());
//! ```

pub mod methods;
pub mod resources;

use super::conditions::{Mode, is_principal_key};
use super::core::{Built, Cache, Subject};
use super::{Access, AnalysisError, Target};
use iam_account::{Account, Layers, Source};
use iam_eval::{Context, Layer, MatchedStatement, Principal, Request};
use iam_model::entities::IamError;
use iam_model::{Effect, Policy, PolicyType, Statement, glob_ci};
use methods::PASSROLE_METHODS;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// The ARN of the AWS managed `AdministratorAccess` policy, used as `iam:PolicyARN` when
/// asking whether a principal can attach a policy (as PMapper does).
pub const ADMIN_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// What a node is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
    /// An AWS service principal (`lambda.amazonaws.com`).
    Service,
    /// A resource with a resource-based policy (an S3 bucket, a Lambda function, …) that
    /// principals of other accounts can reach ([`resources`]).
    Resource,
}

/// A principal of the graph.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    /// The ARN (the service principal name for a service).
    pub arn: String,
    /// The account id (empty for a service).
    pub account: String,
    /// User, role or service.
    pub kind: NodeKind,
    /// The user / role name (the service principal for a service).
    pub name: String,
    /// A service-linked role (path `/aws-service-role/`): its permissions belong to the service.
    pub service_linked: bool,
    /// Why the principal is an administrator by itself, if it is.
    pub admin: Option<AdminGrant>,
}

impl Node {
    /// True for users and roles (not services or resources).
    pub fn is_principal(&self) -> bool {
        matches!(self.kind, NodeKind::User | NodeKind::Role)
    }
}

/// How a principal can give itself any permission.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdminGrant {
    /// The method (`PutUserPolicy`, `AttachRolePolicy`, `CreatePolicyVersion`, `CreateRole`…).
    pub method: String,
    /// Allowed, or only for some request contexts.
    pub access: Access,
    /// The requests it makes and the statements allowing them.
    pub evidence: Vec<Evidence>,
}

/// The kind of an edge.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum EdgeKind {
    /// `sts:AssumeRole`.
    AssumeRole,
    /// `iam:PassRole` to a service that runs code as the role.
    PassRole,
    /// A service action on an existing resource that runs as the role (SSM on an instance).
    ServiceAction,
    /// `iam:UpdateAssumeRolePolicy`, then `sts:AssumeRole`.
    UpdateAssumeRolePolicy,
    /// `iam:CreateAccessKey` on another user.
    CreateAccessKey,
    /// `iam:CreateLoginProfile` on another user.
    CreateLoginProfile,
    /// `iam:UpdateLoginProfile` on another user.
    UpdateLoginProfile,
    /// The source can give the target any permission (policy edits).
    EditPolicy,
    /// A service may assume the role (its trust policy).
    ServiceTrust,
    /// Access to a resource of another account through its resource-based policy and the
    /// caller's identity policies ([`resources`]).
    ResourceAccess,
}

impl EdgeKind {
    /// True for the edges that make the source act as the target.
    pub fn becomes(self) -> bool {
        !matches!(
            self,
            EdgeKind::EditPolicy | EdgeKind::ServiceTrust | EdgeKind::ResourceAccess
        )
    }
}

/// One statement that took part in a decision, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatementRef {
    /// `identity`, `permissions_boundary`, `resource` (the trust policy), `scp[n]`, …
    pub layer: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The policy's name (`trust policy of ROLE` for a trust policy).
    pub policy: Option<String>,
    /// The managed policy's ARN (or the role's ARN for its trust policy).
    pub policy_arn: Option<String>,
    /// How it applies: `user U` / `group G` / `role R` (inline or attached), `boundary`, …
    pub attached_via: Option<String>,
    /// Index of the statement in its policy.
    pub statement: usize,
    /// The `Sid`.
    pub sid: Option<String>,
    /// 1-based line of the statement in the policy text (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

/// One request a hop needs, with the statements the engine reported as deciding it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The action (`iam:PassRole`).
    pub action: String,
    /// The resource it was decided on.
    pub resource: String,
    /// The principal making the request (a service principal for a trust check).
    pub principal: String,
    /// Allowed, or only for some request contexts.
    pub access: Access,
    /// The deciding statements.
    pub statements: Vec<StatementRef>,
}

/// A way for [`from`](Self::from) to gain [`to`](Self::to)'s permissions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    /// Source ARN.
    pub from: String,
    /// Target ARN.
    pub to: String,
    /// The kind.
    pub kind: EdgeKind,
    /// The method (`AssumeRole`, `PassRoleLambdaInvoke`, `CreateAccessKey`, …).
    pub method: String,
    /// For PassRole edges: the service the role is passed to.
    pub service: Option<String>,
    /// Allowed, or only for some request contexts.
    pub access: Access,
    /// One sentence naming source, target and how.
    pub description: String,
    /// Each request of the hop with its deciding statements.
    pub evidence: Vec<Evidence>,
    /// Where the method is documented.
    pub references: Vec<String>,
}

/// A path of edges from a principal to another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReachPath {
    /// The principal at the end.
    pub target: String,
    /// Edge indices (into [`ReachGraph::edges`]), in order.
    pub steps: Vec<usize>,
    /// `Conditional` when some hop is.
    pub access: Access,
}

/// A way for a principal that is not an admin to become one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Escalation {
    /// The principal.
    pub principal: String,
    /// The admin it becomes (or the principal it makes admin and then becomes).
    pub target: String,
    /// Edge indices in the order they are taken: a path to the target, or a path to a
    /// principal X, X's `EditPolicy` edge onto the target, then a path to the target (when the
    /// target is not the principal itself).
    pub steps: Vec<usize>,
    /// `Conditional` when some step is.
    pub access: Access,
}

/// Whether a principal is an administrator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum AdminStatus {
    /// Not an admin, and no path leads to one.
    No,
    /// Admin by its own permissions.
    Direct {
        /// How.
        grant: AdminGrant,
    },
    /// Admin by escalation.
    Escalation {
        /// The shortest escalation.
        escalation: Escalation,
    },
}

/// The reach graph of an account or organization: see the [module docs](self).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReachGraph {
    /// Users, then roles (each in ARN order), then service principals.
    pub nodes: Vec<Node>,
    /// Every edge, by source then target.
    pub edges: Vec<Edge>,
    #[serde(skip)]
    by_arn: HashMap<String, usize>,
    #[serde(skip)]
    out: Vec<Vec<usize>>,
}

// ------------------------------------------------------------------------------ building

/// The actions the graph evaluates (statements naming none of them are left out of the
/// engines).
fn graph_actions() -> Vec<&'static str> {
    let mut v = vec![
        "sts:AssumeRole",
        "iam:PassRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
        "iam:CreateRole",
        "iam:DeleteUserPermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
    ];
    for m in PASSROLE_METHODS {
        v.extend(m.actions.iter().copied());
    }
    v.sort_unstable();
    v.dedup();
    v
}

fn matches_any(pattern: &str, actions: &[&str]) -> bool {
    actions.iter().any(|a| glob_ci(pattern, a))
}

/// True when the statement can apply to one of `actions`.
fn relevant(st: &Statement, actions: &[&str]) -> bool {
    if st.action.negated {
        return actions
            .iter()
            .any(|a| !st.action.iter().any(|p| glob_ci(p, a)));
    }
    st.action.iter().any(|p| matches_any(p, actions))
}

/// Keys the graph decides: the principal's own, and the ones each method fixes.
fn decidable(key: &str) -> bool {
    is_principal_key(key)
        || key.eq_ignore_ascii_case("iam:PassedToService")
        || key.eq_ignore_ascii_case("iam:PolicyARN")
}

/// The optimistic engine and (when some kept statement is conditional) the strict one.
struct Engines {
    opt: Built,
    strict: Option<Built>,
    /// The requests' resource is in an organization's management account: RCPs do not apply
    /// (spec §5.10).
    resource_in_management: bool,
    /// The account owning the requests' resource when its ARN does not say (S3); `None`: the
    /// ARN's account, else the principal's.
    resource_account: Option<String>,
}

impl Engines {
    fn new(layers: &Layers, cache: &mut Cache<'_>) -> Result<Engines, IamError> {
        let opt = Built::new(layers, cache, Mode::Optimistic)?;
        let conditional = layers
            .identity
            .iter()
            .chain(layers.boundary.iter())
            .chain(layers.session.iter())
            .map(|n| &n.policy)
            .chain(layers.resource.iter().map(|(p, _)| p))
            .chain(layers.scps.iter().flatten())
            .chain(layers.rcps.iter().flatten())
            .any(|p| cache.conditional(p));
        let strict = if conditional {
            Some(Built::new(layers, cache, Mode::Strict)?)
        } else {
            None
        };
        Ok(Engines {
            opt,
            strict,
            resource_in_management: false,
            resource_account: None,
        })
    }
}

/// How each identity policy of a principal is attached (parallel to `layers.identity`).
#[derive(Debug, Clone)]
struct Carrier {
    via: String,
    arn: Option<String>,
}

fn carriers(account: Option<&Account>, arn: &str, layers: &Layers) -> Vec<Carrier> {
    let kind_name = arn.rsplit_once(':').map_or("", |(_, r)| r);
    let (kind, name) = match kind_name.split_once('/') {
        Some((k, rest)) => (k, rest.rsplit('/').next().unwrap_or(rest)),
        None => ("", ""),
    };
    let user = account
        .and_then(|a| a.get_user(name).ok())
        .filter(|_| kind == "user");
    let role = account
        .and_then(|a| a.get_role(name).ok())
        .filter(|_| kind == "role");
    let groups: Vec<&iam_model::entities::Group> = match (account, user) {
        (Some(a), Some(u)) => u
            .groups
            .iter()
            .filter_map(|g| a.get_group(g).ok())
            .collect(),
        _ => Vec::new(),
    };
    let ends = |arns: &[String], n: &str| {
        arns.iter()
            .find(|a| a.rsplit('/').next() == Some(n))
            .cloned()
    };
    layers
        .identity
        .iter()
        .map(|n| match n.source {
            Source::User => Carrier {
                via: format!("user {name} (inline)"),
                arn: None,
            },
            Source::Role => Carrier {
                via: format!("role {name} (inline)"),
                arn: None,
            },
            Source::Group => {
                let g = groups
                    .iter()
                    .find(|g| g.inline_policies.iter().any(|p| p.name == n.name));
                Carrier {
                    via: g.map_or_else(
                        || "group (inline)".to_string(),
                        |g| format!("group {} (inline)", g.name),
                    ),
                    arn: None,
                }
            }
            _ => {
                let own = user
                    .map(|u| &u.attached_policies)
                    .or(role.map(|r| &r.attached_policies))
                    .and_then(|a| ends(a, &n.name));
                if let Some(a) = own {
                    return Carrier {
                        via: format!("{kind} {name} (attached)"),
                        arn: Some(a),
                    };
                }
                for g in &groups {
                    if let Some(a) = ends(&g.attached_policies, &n.name) {
                        return Carrier {
                            via: format!("group {} (attached)", g.name),
                            arn: Some(a),
                        };
                    }
                }
                Carrier {
                    via: "attached".to_string(),
                    arn: None,
                }
            }
        })
        .collect()
}

/// A principal compiled once for every identity-side question of the graph.
struct Actor {
    node: usize,
    subject: Subject,
    engines: Engines,
    carriers: Vec<Carrier>,
    /// Resource patterns of its identity Allow statements (tried when `*` is refused).
    patterns: Vec<String>,
    /// The graph actions some identity Allow statement names (a quick "may it at all").
    may_set: std::collections::HashSet<&'static str>,
    /// Its identity Allow statements, for [`Actor::may_on`].
    allows: Vec<AllowStatement>,
    /// Per [`PASSROLE_METHODS`] entry: the evidence of each of its service actions, when all
    /// are allowed (computed only for actors that may pass roles).
    methods: Vec<Option<Vec<Evidence>>>,
    /// `iam:CreateInstanceProfile` and `iam:AddRoleToInstanceProfile`, when both are allowed.
    instance_profile: Option<Vec<Evidence>>,
}

impl Actor {
    /// True when some identity Allow statement names `action` (one of [`graph_actions`]):
    /// looked up in the set computed once per actor.
    fn may(&self, action: &str) -> bool {
        self.may_set.contains(action)
    }

    /// True when some identity Allow statement names `action` and a resource pattern that
    /// can match `resource` (policy variables widened: `${aws:username}` is the user's name,
    /// any other variable `*`; `NotResource` matches anything). An over-approximation that
    /// skips the engine for requests no statement could allow: the identity side must allow
    /// every request the graph makes with it.
    fn may_on(&self, action: &str, resource: &str) -> bool {
        self.may(action)
            && self.allows.iter().any(|st| {
                let action_matches = st.actions.iter().any(|p| glob_ci(p, action)) != st.not_action;
                action_matches
                    && st
                        .resources
                        .as_ref()
                        .is_none_or(|rs| rs.iter().any(|p| glob_ci(p, resource)))
            })
    }

    fn may_uncached(allow_actions: &[(bool, Vec<String>)], action: &str) -> bool {
        allow_actions.iter().any(|(neg, pats)| {
            if *neg {
                !pats.iter().any(|p| glob_ci(p, action))
            } else {
                pats.iter().any(|p| glob_ci(p, action))
            }
        })
    }
}

/// An identity Allow statement as [`Actor::may_on`] reads it.
struct AllowStatement {
    not_action: bool,
    actions: Vec<String>,
    /// `None` for `NotResource` (or no resource element): any resource may match.
    resources: Option<Vec<String>>,
}

/// A resource pattern with its policy variables widened: `${aws:username}` becomes the user's
/// name when known, every other `${…}` a `*` (so the pattern matches at least what it can
/// match for any value).
fn widen_variables(pattern: &str, username: Option<&str>) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        match (after[..j].eq_ignore_ascii_case("aws:username"), username) {
            (true, Some(u)) => out.push_str(u),
            _ => out.push('*'),
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

/// The three-valued decision of one request with evidence.
#[allow(clippy::too_many_arguments)]
fn decide(
    engines: &Engines,
    layers: &Layers,
    carriers: &[Carrier],
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &Context<'_>,
    resource_name: Option<(&str, &str)>,
) -> Option<Evidence> {
    let account = resource
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .or(engines.resource_account.as_deref())
        .unwrap_or(principal.account());
    let mut req = Request::new(principal, action, resource)
        .with_context(ctx)
        .with_resource_account(account);
    req.resource_in_management_account = engines.resource_in_management;
    if !engines.opt.engine.evaluate(&req).is_allowed() {
        return None;
    }
    let (access, built) = match &engines.strict {
        Some(s) if s.engine.evaluate(&req).is_allowed() => (Access::Allowed, s),
        Some(_) => (Access::Conditional, &engines.opt),
        None => (Access::Allowed, &engines.opt),
    };
    let ex = built.engine.explain(&req);
    let statements = ex
        .matched_statements
        .iter()
        .filter(|m| m.decisive)
        .map(|m| statement_ref(built, layers, carriers, m, resource_name))
        .collect();
    Some(Evidence {
        action: action.to_string(),
        resource: resource.to_string(),
        principal: principal.arn().to_string(),
        access,
        statements,
    })
}

fn statement_ref(
    built: &Built,
    layers: &Layers,
    carriers: &[Carrier],
    m: &MatchedStatement,
    resource_name: Option<(&str, &str)>,
) -> StatementRef {
    let d = built.origin(layers, m);
    let (policy, policy_arn, via) = match m.layer {
        Layer::Identity => {
            let c = carriers.get(m.policy_index);
            (
                d.policy.clone(),
                c.and_then(|c| c.arn.clone()),
                c.map(|c| c.via.clone()),
            )
        }
        Layer::PermissionsBoundary => (
            d.policy.clone(),
            None,
            Some("permissions boundary".to_string()),
        ),
        Layer::Resource => match resource_name {
            Some((name, arn)) => (Some(name.to_string()), Some(arn.to_string()), None),
            None => (None, None, None),
        },
        Layer::Scp(l) => (None, None, Some(format!("SCP level {l}"))),
        Layer::Rcp(l) => (None, None, Some(format!("RCP level {l}"))),
        _ => (d.policy.clone(), None, None),
    };
    StatementRef {
        layer: m.layer.to_string(),
        effect: m.effect.as_str().to_string(),
        policy,
        policy_arn,
        attached_via: via,
        statement: d.statement,
        sid: d.sid,
        line: m.span.start.line,
        column: m.span.start.column,
    }
}

/// The lower of several accesses (`Allowed` for none).
fn min_access(evidence: &[Evidence]) -> Access {
    evidence
        .iter()
        .map(|e| e.access)
        .min()
        .unwrap_or(Access::Allowed)
}

/// How a trust policy's Allow statements may name `p`: `(directly, account-level)`, where
/// *directly* = an `AWS` entry matching its ARN or unique id (or `NotPrincipal`), and
/// *account-level* = `*`, the account id or its root ARN (over-approximate: the engine decides).
fn trust_names(trust: &Policy, p: &Principal, unique_id: Option<&str>) -> (bool, bool) {
    let root = format!("arn:aws:iam::{}:root", p.account());
    let (mut direct, mut account) = (false, false);
    for st in &trust.statements {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let Some(c) = &st.principal else { continue };
        if c.negated {
            direct = true;
            continue;
        }
        if c.value.is_wildcard() {
            account = true;
        }
        for (k, v) in c.value.entries() {
            if k != iam_model::PrincipalKey::Aws {
                continue;
            }
            if v == "*" || v == p.account() || v.eq_ignore_ascii_case(&root) {
                account = true;
            } else if glob_ci(v, p.arn())
                || p.role_arn().is_some_and(|r| glob_ci(v, r))
                || unique_id.is_some_and(|id| v == id)
            {
                direct = true;
            }
        }
    }
    (direct, account)
}

/// The service principals a trust policy names in Allow statements.
fn trusted_services(trust: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    for st in &trust.statements {
        if st.effect.value != Effect::Allow {
            continue;
        }
        if let Some(c) = &st.principal {
            for (k, v) in c.value.entries() {
                if k == iam_model::PrincipalKey::Service && !out.iter().any(|s| s == v) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

/// The accounts whose principals a trust policy's Allow statements name in `AWS` entries
/// (an account id, a root ARN, a user / role / session ARN), or `None` when it may name any
/// account: `"*"`, a wildcard in the account field, a unique id (`AROA…`, whose account is
/// not written), or `NotPrincipal`.
fn trusted_accounts(trust: &Policy) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for st in &trust.statements {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let Some(c) = &st.principal else { continue };
        if c.negated || c.value.is_wildcard() {
            return None;
        }
        for (k, v) in c.value.entries() {
            if k != iam_model::PrincipalKey::Aws {
                continue;
            }
            let account = if v.starts_with("arn:") {
                v.split(':').nth(4).unwrap_or("*")
            } else {
                v
            };
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
                out.insert(account.to_string());
            } else {
                return None;
            }
        }
    }
    Some(out)
}

/// The accounts of the target, other than `accounts`, holding a role whose trust policy, or a
/// resource whose resource-based policy, may name a principal of one of `accounts` (its id,
/// root or a principal ARN; or any account):
/// with `accounts` themselves, what [`ReachGraph::build_for`] needs to find every edge
/// starting in `accounts`. In id order.
///
/// ```
/// use iam_account::{Account, Organization};
/// let mut org = Organization::new(Account::new("111111111111").unwrap()).unwrap();
/// let root = org.root_id().to_string();
/// let mut b = Account::new("222222222222").unwrap();
/// b.create_role("r", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
///   "Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#).unwrap();
/// org.add_account(b, &root).unwrap();
/// assert_eq!(iam_analysis::reach::trusting_accounts(&org, &["111111111111"]), ["222222222222"]);
/// assert!(iam_analysis::reach::trusting_accounts(&org, &["222222222222"]).is_empty());
/// ```
pub fn trusting_accounts<'a>(target: impl Into<Target<'a>>, accounts: &[&str]) -> Vec<String> {
    let target = target.into();
    let mut out = Vec::new();
    for a in target.accounts() {
        if accounts.contains(&a.id()) {
            continue;
        }
        let names = |p: &Policy| {
            trusted_accounts(p).is_none_or(|set| accounts.iter().any(|x| set.contains(*x)))
        };
        let trusts = a.roles_iter().any(|r| names(&r.trust_policy.shared()))
            || a.resource_policies().any(|(_, d)| names(&d.shared()));
        if trusts {
            out.push(a.id().to_string());
        }
    }
    out
}

/// The principals whose edges a build examines.
enum Actors<'s> {
    All,
    Accounts(&'s [&'s str]),
    Principals(std::collections::HashSet<&'s str>),
}

/// What the builder knows about a user or role.
struct Entity<'a> {
    account: &'a Account,
    arn: String,
    user: Option<&'a iam_model::entities::User>,
    role: Option<&'a iam_model::entities::Role>,
}

impl Entity<'_> {
    fn boundary(&self) -> bool {
        self.user.is_some_and(|u| u.permissions_boundary.is_some())
            || self.role.is_some_and(|r| r.permissions_boundary.is_some())
    }
    /// Roles whose permissions and trust no customer principal can change (spec §5.12).
    fn protected(&self) -> bool {
        self.role.is_some_and(|r| {
            r.service_linked.is_some()
                || r.path.starts_with("/aws-service-role/")
                || r.path.starts_with("/aws-reserved/")
        })
    }
}

struct Builder<'a, 'c> {
    entities: Vec<Entity<'a>>,
    cache: Cache<'c>,
    graph: ReachGraph,
    scope: iam_account::Scope<'a>,
    /// Per role entity index: trust policy and its service-principal engine.
    trust_engines: HashMap<usize, Engines>,
    /// Group ARN → whether its policies alone let a member give itself any permission.
    group_admin: HashMap<String, bool>,
    /// (role, service) → whether the service may assume the role.
    service_assume: HashMap<(usize, String), Option<Evidence>>,
    /// Per entity: the service principals its trust policy names (roles only).
    role_services: Vec<Vec<String>>,
    /// Account id → its entities (indices), in entity order.
    by_account: HashMap<String, Vec<usize>>,
    /// Account id → roles of *other* accounts whose trust policy names that account, its root
    /// or one of its principals.
    trusting: HashMap<String, Vec<usize>>,
    /// Roles whose trust policy may name any account (`*`, wildcards in the account, unique
    /// ids, `NotPrincipal`).
    trusting_any: Vec<usize>,
    /// Every statement kept: the resource-access questions ask about any action.
    full_cache: Cache<'c>,
    /// The resources with a resource-based policy ([`resources`]), in node order.
    resources: Vec<resources::Resource<'a>>,
    /// Account id → resources of *other* accounts whose policy may name that account.
    resources_naming: HashMap<String, Vec<usize>>,
    /// Resources whose policy may name any account.
    resources_any: Vec<usize>,
}

/// The requests of an `EditPolicy` X → T or of a self-grant, if any.
fn edit_evidence(
    b: &mut Builder<'_, '_>,
    actor: &Actor,
    target: usize,
) -> Option<(String, Vec<Evidence>)> {
    // None of the editing actions at all: nothing to decide (most principals).
    const EDITS: [&str; 9] = [
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
    ];
    if !EDITS.iter().any(|a| actor.may(a)) {
        return None;
    }
    let (account, user, role, t_arn, boundary) = {
        let t = b.entities.get(target)?;
        if t.protected() {
            return None;
        }
        (t.account, t.user, t.role, t.arn.clone(), t.boundary())
    };
    let mut ctx = Context::new();
    ctx.insert("iam:PolicyARN", ADMIN_POLICY_ARN);
    let d = |action: &str, resource: &str| -> Option<Evidence> {
        if !actor.may_on(action, resource) {
            return None;
        }
        decide(
            &actor.engines,
            &actor.subject.layers,
            &actor.carriers,
            &actor.subject.principal,
            action,
            resource,
            &ctx,
            None,
        )
    };
    let mut found: Option<(String, Vec<Evidence>)> = None;
    let (put, attach) = if user.is_some() {
        ("iam:PutUserPolicy", "iam:AttachUserPolicy")
    } else {
        ("iam:PutRolePolicy", "iam:AttachRolePolicy")
    };
    for a in [put, attach] {
        if let Some(e) = d(a, &t_arn) {
            found = Some((a.trim_start_matches("iam:").to_string(), vec![e]));
            break;
        }
    }
    // The user's groups.
    if found.is_none()
        && let Some(u) = user
    {
        'groups: for g in u.groups.iter().filter_map(|g| account.get_group(g).ok()) {
            for a in ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"] {
                if let Some(e) = d(a, &g.arn) {
                    found = Some((a.trim_start_matches("iam:").to_string(), vec![e]));
                    break 'groups;
                }
            }
        }
    }
    // Customer managed policies attached to the target or its groups.
    if found.is_none() {
        let mut attached: Vec<&String> = user
            .map(|u| u.attached_policies.iter().collect())
            .or(role.map(|r| r.attached_policies.iter().collect()))
            .unwrap_or_default();
        if let Some(u) = user {
            for g in u.groups.iter().filter_map(|g| account.get_group(g).ok()) {
                attached.extend(g.attached_policies.iter());
            }
        }
        for arn in attached {
            let Ok(mp) = account.get_policy(arn) else {
                continue; // AWS managed policies cannot be changed (spec §5.12)
            };
            if let Some(e) = d("iam:CreatePolicyVersion", arn) {
                found = Some(("CreatePolicyVersion".to_string(), vec![e]));
                break;
            }
            if mp.versions.len() > 1
                && let Some(mut e) = d("iam:SetDefaultPolicyVersion", arn)
            {
                // Whether an older version grants more is not known: conditional.
                e.access = Access::Conditional;
                found = Some(("SetDefaultPolicyVersion".to_string(), vec![e]));
                break;
            }
        }
    }
    // Adding the target to a group whose policies grant this.
    if found.is_none() && user.is_some() && actor.may("iam:AddUserToGroup") {
        let member_of: BTreeSet<&str> = user
            .map(|u| u.groups.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let groups: Vec<(String, String)> = account
            .list_groups(None)
            .unwrap_or_default()
            .into_iter()
            .filter(|g| !member_of.contains(g.name.as_str()))
            .map(|g| (g.name.clone(), g.arn.clone()))
            .collect();
        for (name, arn) in groups {
            if !group_grants_admin(b, target, &name, &arn) {
                continue;
            }
            if let Some(e) = d("iam:AddUserToGroup", &arn) {
                found = Some(("AddUserToGroup".to_string(), vec![e]));
                break;
            }
        }
    }
    let (method, mut evidence) = found?;
    // A permissions boundary caps what any edit yields: the editor must be able to remove it.
    if boundary {
        let a = if user.is_some() {
            "iam:DeleteUserPermissionsBoundary"
        } else {
            "iam:DeleteRolePermissionsBoundary"
        };
        evidence.push(d(a, &t_arn)?);
    }
    Some((method, evidence))
}

/// True when the group's own policies let a member put or attach any policy on itself.
fn group_grants_admin(b: &mut Builder<'_, '_>, target: usize, name: &str, arn: &str) -> bool {
    if let Some(v) = b.group_admin.get(arn) {
        return *v;
    }
    let t = &b.entities[target];
    let Ok(g) = t.account.get_group(name) else {
        return false;
    };
    let mut identity = Vec::new();
    for p in &g.inline_policies {
        identity.push(iam_account::Named {
            name: p.name.clone(),
            source: Source::Group,
            policy: p.document.shared(),
        });
    }
    for a in &g.attached_policies {
        if let Some((n, p)) = t.account.managed_policy_document(a) {
            identity.push(iam_account::Named {
                name: n,
                source: Source::AwsManaged,
                policy: p,
            });
        }
    }
    let layers = Layers {
        identity,
        ..Layers::default()
    };
    let probe = format!("arn:aws:iam::{}:user/iamkit-group-probe", t.account.id());
    let ok = (|| {
        let principal = Principal::user(&probe).ok()?;
        let engines = Engines::new(&layers, &mut b.cache).ok()?;
        let mut ctx = Context::new();
        ctx.insert("iam:PolicyARN", ADMIN_POLICY_ARN);
        ["iam:PutUserPolicy", "iam:AttachUserPolicy"]
            .iter()
            .find_map(|a| decide(&engines, &layers, &[], &principal, a, &probe, &ctx, None))
    })()
    .is_some();
    b.group_admin.insert(arn.to_string(), ok);
    ok
}

impl ReachGraph {
    /// Builds the graph of every user and role of the account or organization.
    ///
    /// Each principal's policy layers are gathered and compiled once, keeping only the
    /// statements that can apply to the actions the graph asks about; a role's trust policy is
    /// compiled with each caller only when it may name the caller.
    pub fn build<'a>(target: impl Into<Target<'a>>) -> Result<ReachGraph, AnalysisError> {
        ReachGraph::build_for(target, None)
    }

    /// The part of the graph whose edges start in `actor_accounts` (every account when
    /// `None`): every principal of the target is a node, but only those of `actor_accounts`
    /// are examined (admin or not, outgoing edges). [`ReachGraph::merge`] of the parts over
    /// disjoint sets of accounts covering the organization is [`ReachGraph::build`] of it:
    /// this is how `iamkit.Organization` splits the work between an executor's workers.
    /// A part only needs the accounts of its actors and those whose roles trust them.
    ///
    /// ```
    /// use iam_account::{Account, Organization};
    /// use iam_analysis::ReachGraph;
    /// let mut org = Organization::new(Account::new("111111111111").unwrap()).unwrap();
    /// let root = org.root_id().to_string();
    /// let mut b = Account::new("222222222222").unwrap();
    /// b.create_user("admin", None).unwrap();
    /// b.attach_user_policy("admin", "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
    /// org.add_account(b, &root).unwrap();
    /// let parts = vec![
    ///     ReachGraph::build_for(&org, Some(&["111111111111"])).unwrap(),
    ///     ReachGraph::build_for(&org, Some(&["222222222222"])).unwrap(),
    /// ];
    /// let whole = ReachGraph::build(&org).unwrap();
    /// assert_eq!(ReachGraph::merge(parts).to_json(), whole.to_json());
    /// ```
    pub fn build_for<'a>(
        target: impl Into<Target<'a>>,
        actor_accounts: Option<&[&str]>,
    ) -> Result<ReachGraph, AnalysisError> {
        let actors = match actor_accounts {
            Some(a) => Actors::Accounts(a),
            None => Actors::All,
        };
        ReachGraph::build_with(target.into(), &actors)
    }

    /// The part of the graph whose edges start at `principals` (user and role ARNs of the
    /// target): every principal is a node, only those given are examined. [`ReachGraph::merge`]
    /// of the parts over disjoint chunks of [`Target::principals`] is [`ReachGraph::build`]:
    /// this is how `executor=` splits one account's graph between workers. A principal the
    /// target does not have is an error (`NoSuchEntity`).
    ///
    /// ```
    /// use iam_account::Account;
    /// use iam_analysis::{ReachGraph, Target};
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("dev", None).unwrap();
    /// a.put_user_policy("dev", "p", r#"{"Version":"2012-10-17","Statement":[
    ///   {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}]}"#).unwrap();
    /// a.create_user("boss", None).unwrap();
    /// a.attach_user_policy("boss", "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
    /// let all = Target::from(&a).principals();
    /// let parts = all
    ///     .chunks(1)
    ///     .map(|c| ReachGraph::build_among(&a, c).unwrap())
    ///     .collect();
    /// assert_eq!(ReachGraph::merge(parts).to_json(), ReachGraph::build(&a).unwrap().to_json());
    /// assert!(ReachGraph::build_among(&a, &["arn:aws:iam::111122223333:user/nobody".into()]).is_err());
    /// ```
    pub fn build_among<'a>(
        target: impl Into<Target<'a>>,
        principals: &[String],
    ) -> Result<ReachGraph, AnalysisError> {
        let target = target.into();
        let known: std::collections::HashSet<String> = target.principals().into_iter().collect();
        if let Some(p) = principals.iter().find(|p| !known.contains(*p)) {
            return Err(IamError::new(
                iam_model::entities::ErrorCode::NoSuchEntity,
                format!("{p} is not a user or role of the account or organization."),
            )
            .into());
        }
        let set = principals.iter().map(String::as_str).collect();
        ReachGraph::build_with(target, &Actors::Principals(set))
    }

    fn build_with(target: Target<'_>, actors: &Actors<'_>) -> Result<ReachGraph, AnalysisError> {
        let scope = target.scope();
        let actions = graph_actions();
        let acts = actions.clone();
        let acts2 = actions.clone();
        let cache = Cache::new(move |st: &Statement| relevant(st, &acts), decidable)
            .with_trim(move |p: &str| matches_any(p, &acts2));
        let mut entities = Vec::new();
        for arn in target.principals() {
            let account_id = arn.split(':').nth(4).unwrap_or_default().to_string();
            let Some(account) = scope.account(&account_id) else {
                continue;
            };
            let name = arn.rsplit('/').next().unwrap_or_default();
            let user = account.get_user(name).ok().filter(|u| u.arn == arn);
            let role = account.get_role(name).ok().filter(|r| r.arn == arn);
            if user.is_none() && role.is_none() {
                continue;
            }
            entities.push(Entity {
                account,
                arn,
                user,
                role,
            });
        }
        let mut b = Builder {
            entities,
            cache,
            graph: ReachGraph {
                nodes: Vec::new(),
                edges: Vec::new(),
                by_arn: HashMap::new(),
                out: Vec::new(),
            },
            scope,
            trust_engines: HashMap::new(),
            group_admin: HashMap::new(),
            service_assume: HashMap::new(),
            role_services: Vec::new(),
            by_account: HashMap::new(),
            trusting: HashMap::new(),
            trusting_any: Vec::new(),
            full_cache: Cache::new(|_: &Statement| true, decidable),
            resources: Vec::new(),
            resources_naming: HashMap::new(),
            resources_any: Vec::new(),
        };
        let role_index: HashMap<&str, usize> = b
            .entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.role.is_some())
            .map(|(i, e)| (e.arn.as_str(), i))
            .collect();
        b.resources = resources::collect(&target.accounts(), &role_index);
        b.index_accounts();
        b.role_services = b
            .entities
            .iter()
            .map(|e| {
                e.role
                    .map(|r| trusted_services(&r.trust_policy.shared()))
                    .unwrap_or_default()
            })
            .collect();
        b.nodes();
        b.service_trust()?;
        // One actor at a time: its compiled engines are dropped once its edges are found, so
        // memory does not grow with the number of principals (50,000 in an organization).
        for i in 0..b.entities.len() {
            if let Some(mut actor) = b.actor(i, actors)? {
                b.principal_edges(&mut actor)?;
            }
        }
        let mut g = b.graph;
        g.reindex();
        Ok(g)
    }

    /// The whole graph from parts built by [`ReachGraph::build_for`] over disjoint sets of
    /// accounts: nodes and edges put together (a principal is an admin when the part that
    /// examined it says so; edges of a service's trust found by several parts kept once), in
    /// [`ReachGraph::build`]'s order.
    pub fn merge(parts: Vec<ReachGraph>) -> ReachGraph {
        let mut nodes: Vec<Node> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut seen_edges: std::collections::HashSet<(String, String, String)> =
            std::collections::HashSet::new();
        for part in parts {
            for n in part.nodes {
                match at.get(&n.arn) {
                    Some(&i) => {
                        if nodes[i].admin.is_none() {
                            nodes[i].admin = n.admin;
                        }
                    }
                    None => {
                        at.insert(n.arn.clone(), nodes.len());
                        nodes.push(n);
                    }
                }
            }
            for e in part.edges {
                if seen_edges.insert((e.from.clone(), e.to.clone(), e.method.clone())) {
                    edges.push(e);
                }
            }
        }
        // build()'s order: accounts in id order, users then roles by name as IAM keys them
        // (case-insensitively), then the services by name, then the resources by account and
        // name.
        nodes.sort_by(|a, b| {
            let k = |n: &Node| {
                (
                    match n.kind {
                        NodeKind::User | NodeKind::Role => 0,
                        NodeKind::Service => 1,
                        NodeKind::Resource => 2,
                    },
                    n.account.clone(),
                    n.kind,
                    n.name.to_ascii_lowercase(),
                    n.arn.clone(),
                )
            };
            k(a).cmp(&k(b))
        });
        let mut g = ReachGraph {
            nodes,
            edges,
            by_arn: HashMap::new(),
            out: Vec::new(),
        };
        g.reindex();
        g
    }

    /// The graph as JSON text (`{"nodes": [...], "edges": [...]}`); [`ReachGraph::from_json`]
    /// reads it back.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A graph written by [`ReachGraph::to_json`].
    pub fn from_json(text: &str) -> Result<ReachGraph, serde_json::Error> {
        let mut g: ReachGraph = serde_json::from_str(text)?;
        g.reindex();
        Ok(g)
    }

    /// Recomputes the ARN index, sorts the edges by source then target then method, and
    /// recomputes the outgoing lists.
    fn reindex(&mut self) {
        let g = self;
        g.by_arn = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.arn.clone(), i))
            .collect();
        g.edges.sort_by(|x, y| {
            (g.by_arn.get(&x.from), g.by_arn.get(&x.to), &x.method).cmp(&(
                g.by_arn.get(&y.from),
                g.by_arn.get(&y.to),
                &y.method,
            ))
        });
        g.out = vec![Vec::new(); g.nodes.len()];
        for (i, e) in g.edges.iter().enumerate() {
            if let Some(&f) = g.by_arn.get(&e.from)
                && let Some(o) = g.out.get_mut(f)
            {
                o.push(i);
            }
        }
    }
}

impl Builder<'_, '_> {
    /// Fills [`Builder::by_account`], [`Builder::trusting`], [`Builder::trusting_any`] and
    /// their counterparts for resource policies.
    fn index_accounts(&mut self) {
        for (i, r) in self.resources.iter().enumerate() {
            let own = r.account.id();
            match resources::named_accounts(&r.policy) {
                None => self.resources_any.push(i),
                Some(accounts) => {
                    for a in accounts.into_iter().filter(|a| a != own) {
                        self.resources_naming.entry(a).or_default().push(i);
                    }
                }
            }
        }
        for (i, e) in self.entities.iter().enumerate() {
            let own = e.account.id();
            self.by_account.entry(own.to_string()).or_default().push(i);
            let Some(r) = e.role else { continue };
            match trusted_accounts(&r.trust_policy.shared()) {
                None => self.trusting_any.push(i),
                Some(accounts) => {
                    for a in accounts.into_iter().filter(|a| a != own) {
                        self.trusting.entry(a).or_default().push(i);
                    }
                }
            }
        }
    }

    /// Roles of other accounts that may trust a principal of `account` (over-approximate:
    /// the engine decides each).
    fn foreign_roles(&self, account: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.trusting.get(account).cloned().unwrap_or_default();
        out.extend(
            self.trusting_any
                .iter()
                .copied()
                .filter(|&i| self.entities[i].account.id() != account),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    fn nodes(&mut self) {
        for e in &self.entities {
            let (kind, name, slr) = match (e.user, e.role) {
                (Some(u), _) => (NodeKind::User, u.name.clone(), false),
                (_, Some(r)) => (NodeKind::Role, r.name.clone(), e.protected()),
                _ => continue,
            };
            self.graph
                .by_arn
                .insert(e.arn.clone(), self.graph.nodes.len());
            self.graph.nodes.push(Node {
                arn: e.arn.clone(),
                account: e.account.id().to_string(),
                kind,
                name,
                service_linked: slr,
                admin: None,
            });
        }
        let mut services = BTreeSet::new();
        for e in &self.entities {
            if let Some(r) = e.role {
                services.extend(trusted_services(&r.trust_policy.shared()));
            }
        }
        for s in services {
            self.graph.by_arn.insert(s.clone(), self.graph.nodes.len());
            self.graph.nodes.push(Node {
                arn: s.clone(),
                account: String::new(),
                kind: NodeKind::Service,
                name: s,
                service_linked: false,
                admin: None,
            });
        }
        for r in &mut self.resources {
            r.node = self.graph.nodes.len();
            self.graph.by_arn.insert(r.arn.clone(), r.node);
            self.graph.nodes.push(resources::node(r));
        }
    }

    /// Entity `i` compiled for the identity-side questions, unless it is outside `accounts`.
    fn actor(&mut self, i: usize, actors: &Actors<'_>) -> Result<Option<Actor>, AnalysisError> {
        {
            let Some(e) = self.entities.get(i) else {
                return Ok(None);
            };
            let examined = match actors {
                Actors::All => true,
                Actors::Accounts(a) => a.contains(&e.account.id()),
                Actors::Principals(p) => p.contains(e.arn.as_str()),
            };
            if !examined {
                return Ok(None);
            }
            let subject = Subject::prepare(&self.scope, &e.arn, "iam:PassRole", "*")?;
            let mut engines = Engines::new(&subject.layers, &mut self.cache)?;
            engines.resource_in_management = subject.resource_in_management;
            let carriers = carriers(Some(e.account), &e.arn, &subject.layers);
            let mut patterns = Vec::new();
            let mut allow_actions = Vec::new();
            let mut allows = Vec::new();
            let username = e.user.map(|u| u.name.as_str());
            for n in &subject.layers.identity {
                for st in &n.policy.statements {
                    if st.effect.value != Effect::Allow {
                        continue;
                    }
                    allow_actions.push((
                        st.action.negated,
                        st.action.iter().map(str::to_string).collect(),
                    ));
                    allows.push(AllowStatement {
                        not_action: st.action.negated,
                        actions: st.action.iter().map(str::to_string).collect(),
                        resources: st
                            .resource
                            .as_ref()
                            .filter(|r| !r.negated)
                            .map(|r| r.iter().map(|p| widen_variables(p, username)).collect()),
                    });
                    if let Some(r) = &st.resource
                        && !r.negated
                    {
                        for p in r.iter() {
                            if !p.contains("${") && !patterns.iter().any(|x| x == p) {
                                patterns.push(p.to_string());
                            }
                        }
                    }
                }
            }
            let may_set = graph_actions()
                .into_iter()
                .filter(|a| Actor::may_uncached(&allow_actions, a))
                .collect();
            let actor = Actor {
                node: i,
                subject,
                engines,
                carriers,
                patterns,
                may_set,
                allows,
                methods: Vec::new(),
                instance_profile: None,
            };
            Ok(Some(actor))
        }
    }

    /// The engine deciding whether services may assume role `i` (its trust policy alone).
    fn trust_engine(&mut self, i: usize) -> Result<Option<&Engines>, IamError> {
        let Some(role) = self.entities.get(i).and_then(|e| e.role) else {
            return Ok(None);
        };
        if !self.trust_engines.contains_key(&i) {
            let layers = Layers {
                resource: Some((role.trust_policy.shared(), PolicyType::Trust)),
                ..Layers::default()
            };
            let e = Engines::new(&layers, &mut self.cache)?;
            self.trust_engines.insert(i, e);
        }
        Ok(self.trust_engines.get(&i))
    }

    /// Whether `service` may assume role `i`, with the trust statements.
    fn service_may_assume(
        &mut self,
        i: usize,
        service: &str,
    ) -> Result<Option<Evidence>, IamError> {
        if let Some(e) = self.service_assume.get(&(i, service.to_string())) {
            return Ok(e.clone());
        }
        let e = self.service_may_assume_uncached(i, service)?;
        self.service_assume
            .insert((i, service.to_string()), e.clone());
        Ok(e)
    }

    fn service_may_assume_uncached(
        &mut self,
        i: usize,
        service: &str,
    ) -> Result<Option<Evidence>, IamError> {
        let Some(role) = self.entities.get(i).and_then(|e| e.role) else {
            return Ok(None);
        };
        let layers = Layers {
            resource: Some((role.trust_policy.shared(), PolicyType::Trust)),
            ..Layers::default()
        };
        let (name, arn) = (format!("trust policy of {}", role.name), role.arn.clone());
        let Some(engines) = self.trust_engine(i)? else {
            return Ok(None);
        };
        let p = Principal::service(service);
        Ok(decide(
            engines,
            &layers,
            &[],
            &p,
            "sts:AssumeRole",
            &arn,
            &Context::new(),
            Some((&name, &arn)),
        ))
    }

    fn service_trust(&mut self) -> Result<(), AnalysisError> {
        for i in 0..self.entities.len() {
            let Some(role) = self.entities[i].role else {
                continue;
            };
            let arn = role.arn.clone();
            for s in trusted_services(&role.trust_policy.shared()) {
                if let Some(ev) = self.service_may_assume(i, &s)? {
                    self.push(Edge {
                        from: s.clone(),
                        to: arn.clone(),
                        kind: EdgeKind::ServiceTrust,
                        method: methods::SERVICE_TRUST.0.to_string(),
                        service: Some(s.clone()),
                        access: ev.access,
                        description: format!("{s} may assume {}", role.name),
                        evidence: vec![ev],
                        references: vec![methods::ASSUME_DOC.to_string()],
                    });
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, e: Edge) {
        self.graph.edges.push(e);
    }

    /// The evidence of each service method's actions (computed once per actor, only for
    /// actors that are not admins and may pass roles or use SSM).
    fn prepare_methods(actor: &mut Actor) {
        // Only when the actor may call every action of some method.
        let applies = PASSROLE_METHODS
            .iter()
            .any(|m| m.actions.iter().all(|a| actor.may(a)));
        if !applies {
            return;
        }
        let empty = Context::new();
        let all = |actor: &Actor, actions: &[&str]| -> Option<Vec<Evidence>> {
            actions
                .iter()
                .map(|a| Self::allowed_somewhere(actor, a, &empty))
                .collect()
        };
        let methods = PASSROLE_METHODS
            .iter()
            .map(|m| all(actor, m.actions))
            .collect();
        let ip = all(
            actor,
            &["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"],
        );
        actor.methods = methods;
        actor.instance_profile = ip;
    }

    fn principal_edges(&mut self, actor: &mut Actor) -> Result<(), AnalysisError> {
        let me = actor.node;
        let my_arn = self.entities[me].arn.clone();
        let my_name = self.graph.nodes[me].name.clone();
        // Admin by itself?
        if let Some((method, evidence)) = edit_evidence(self, actor, me) {
            self.graph.nodes[me].admin = Some(AdminGrant {
                access: min_access(&evidence),
                method,
                evidence,
            });
        } else if let Some(g) = self.create_role_admin(actor) {
            self.graph.nodes[me].admin = Some(g);
        }
        let my_account = self.entities[me].account.id().to_string();
        // Roles of other accounts whose trust policy may name this principal, and resources of
        // other accounts whose resource policy may: the only cross-account edges (nobody
        // edits another account's principals or passes its roles).
        let foreign = self.foreign_roles(&my_account);
        // An admin can become every principal of its account: PMapper computes no edges from
        // admins either. Other accounts' roles it still reaches only through their trust.
        let admin = self.graph.nodes[me].admin.is_some();
        if !admin {
            Self::prepare_methods(actor);
        }
        let actor: &Actor = actor;
        for t in foreign {
            let t_arn = self.entities[t].arn.clone();
            let t_name = self.graph.nodes[t].name.clone();
            self.assume_edge(actor, t, &my_arn, &my_name, &t_arn, &t_name)?;
        }
        // Resources of other accounts whose resource-based policy may name this principal.
        for r in self.foreign_resources(&my_account) {
            self.resource_edges(actor, r, &my_arn, &my_name)?;
        }
        if admin {
            return Ok(());
        }
        let same: Vec<usize> = self
            .by_account
            .get(&my_account)
            .cloned()
            .unwrap_or_default();
        for t in same {
            if t == me {
                continue;
            }
            let t_arn = self.entities[t].arn.clone();
            let t_name = self.graph.nodes[t].name.clone();
            if self.entities[t].role.is_some() {
                self.role_edges(actor, t, &my_arn, &my_name, &t_arn, &t_name)?;
            } else {
                self.user_edges(actor, t, &my_arn, &my_name, &t_arn, &t_name);
            }
            if let Some((method, evidence)) = edit_evidence(self, actor, t) {
                self.push(Edge {
                    from: my_arn.clone(),
                    to: t_arn.clone(),
                    kind: EdgeKind::EditPolicy,
                    description: format!("{my_name} can give {t_name} any permission ({method})"),
                    references: vec![
                        methods::RHINO.to_string(),
                        methods::api_page(&format!("iam:{method}")),
                    ],
                    method,
                    service: None,
                    access: min_access(&evidence),
                    evidence,
                });
            }
        }
        Ok(())
    }

    /// PMapper's "create a role and give it AdministratorAccess": `iam:CreateRole` and
    /// `iam:PutRolePolicy` / `iam:AttachRolePolicy` on a new role whose trust policy names the
    /// creator (which then needs no identity permission to assume it, spec §5.6).
    fn create_role_admin(&self, actor: &Actor) -> Option<AdminGrant> {
        if !actor.may("iam:CreateRole") {
            return None;
        }
        let acct = actor.subject.principal.account();
        let new_role = format!("arn:aws:iam::{acct}:role/iamkit-new-role");
        let mut ctx = Context::new();
        ctx.insert("iam:PolicyARN", ADMIN_POLICY_ARN);
        let d = |a: &str| {
            decide(
                &actor.engines,
                &actor.subject.layers,
                &actor.carriers,
                &actor.subject.principal,
                a,
                &new_role,
                &ctx,
                None,
            )
        };
        let create = d("iam:CreateRole")?;
        let grant = d("iam:PutRolePolicy").or_else(|| d("iam:AttachRolePolicy"))?;
        let evidence = vec![create, grant];
        Some(AdminGrant {
            method: "CreateRole".to_string(),
            access: min_access(&evidence),
            evidence,
        })
    }

    /// Tries `*` then each resource pattern of the actor's Allow statements.
    fn allowed_somewhere(actor: &Actor, action: &str, ctx: &Context<'_>) -> Option<Evidence> {
        if !actor.may(action) {
            return None;
        }
        std::iter::once("*")
            .chain(actor.patterns.iter().map(String::as_str))
            .find_map(|r| {
                decide(
                    &actor.engines,
                    &actor.subject.layers,
                    &actor.carriers,
                    &actor.subject.principal,
                    action,
                    r,
                    ctx,
                    None,
                )
            })
    }

    /// The `sts:AssumeRole` edge from the actor to role `t`, in the same account or across
    /// accounts. Across accounts both sides must allow (spec §5.6, §5.8): the caller's identity
    /// policies (with its boundary and the SCPs of its account's path) and the role's trust
    /// policy (with the RCPs of the role account's path, none in the management account, §5.10).
    fn assume_edge(
        &mut self,
        actor: &Actor,
        t: usize,
        my_arn: &str,
        my_name: &str,
        t_arn: &str,
        t_name: &str,
    ) -> Result<(), AnalysisError> {
        let Some(role) = self.entities[t].role else {
            return Ok(());
        };
        let trust = role.trust_policy.shared();
        let trust_name = format!("trust policy of {t_name}");
        let empty = Context::new();
        let uid = self.entities[actor.node]
            .user
            .map(|u| u.id.as_str())
            .or(self.entities[actor.node].role.map(|r| r.id.as_str()));
        let same = self.entities[t].account.id() == actor.subject.principal.account();
        let (direct, account_level) = trust_names(&trust, &actor.subject.principal, uid);
        // Across accounts the caller's identity policies must allow, whatever the trust names.
        let may = actor.may_on("sts:AssumeRole", t_arn);
        if (direct && (same || may)) || (account_level && may) {
            let (layers, principal, in_management) = if same {
                let mut l = actor.subject.layers.clone();
                l.resource = Some((Arc::clone(&trust), PolicyType::Trust));
                (
                    l,
                    actor.subject.principal.clone(),
                    actor.engines.resource_in_management,
                )
            } else {
                let s = Subject::prepare(&self.scope, my_arn, "sts:AssumeRole", t_arn)?;
                (s.layers, s.principal, s.resource_in_management)
            };
            let mut engines = Engines::new(&layers, &mut self.cache)?;
            engines.resource_in_management = in_management;
            if let Some(ev) = decide(
                &engines,
                &layers,
                &actor.carriers,
                &principal,
                "sts:AssumeRole",
                t_arn,
                &empty,
                Some((&trust_name, t_arn)),
            ) {
                self.push(Edge {
                    from: my_arn.to_string(),
                    to: t_arn.to_string(),
                    kind: EdgeKind::AssumeRole,
                    method: methods::ASSUME_ROLE.0.to_string(),
                    service: None,
                    access: ev.access,
                    description: format!("{my_name} can assume role {t_name}"),
                    evidence: vec![ev],
                    references: vec![
                        methods::ASSUME_DOC.to_string(),
                        methods::api_page("sts:AssumeRole"),
                    ],
                });
            }
        }
        Ok(())
    }

    fn role_edges(
        &mut self,
        actor: &Actor,
        t: usize,
        my_arn: &str,
        my_name: &str,
        t_arn: &str,
        t_name: &str,
    ) -> Result<(), AnalysisError> {
        self.assume_edge(actor, t, my_arn, my_name, t_arn, t_name)?;
        let empty = Context::new();
        if self.entities[t].role.is_none() || self.entities[t].protected() {
            return Ok(());
        }
        // iam:UpdateAssumeRolePolicy, then sts:AssumeRole under a trust policy naming the actor.
        if actor.may_on("iam:UpdateAssumeRolePolicy", t_arn)
            && let Some(update) = decide(
                &actor.engines,
                &actor.subject.layers,
                &actor.carriers,
                &actor.subject.principal,
                "iam:UpdateAssumeRolePolicy",
                t_arn,
                &empty,
                None,
            )
        {
            let text = serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": my_arn}, "Action": "sts:AssumeRole"}]})
            .to_string();
            if let Ok(p) = iam_parser::parse_policy(&text, PolicyType::Trust) {
                let mut layers = actor.subject.layers.clone();
                layers.resource = Some((Arc::new(p), PolicyType::Trust));
                let mut engines = Engines::new(&layers, &mut self.cache)?;
                engines.resource_in_management = actor.engines.resource_in_management;
                let name = format!("trust policy of {t_name} as rewritten");
                if let Some(assume) = decide(
                    &engines,
                    &layers,
                    &actor.carriers,
                    &actor.subject.principal,
                    "sts:AssumeRole",
                    t_arn,
                    &empty,
                    Some((&name, t_arn)),
                ) {
                    let evidence = vec![update, assume];
                    self.push(Edge {
                        from: my_arn.to_string(),
                        to: t_arn.to_string(),
                        kind: EdgeKind::UpdateAssumeRolePolicy,
                        method: methods::UPDATE_TRUST.0.to_string(),
                        service: None,
                        access: min_access(&evidence),
                        description: format!(
                            "{my_name} can rewrite the trust policy of role {t_name} to trust itself, then assume it"
                        ),
                        evidence,
                        references: vec![
                            methods::RHINO.to_string(),
                            methods::api_page("iam:UpdateAssumeRolePolicy"),
                        ],
                    });
                }
            }
        }
        // iam:PassRole to a service that runs code as the role. Cheap checks first: the
        // trust policy names the service, the actor may call the method's actions (computed
        // once per actor), the service may assume the role (once per role and service); the
        // PassRole request itself last.
        if actor.methods.iter().all(Option::is_none) {
            return Ok(()); // no service method's actions are allowed (computed once per actor)
        }
        let may_pass = actor.may_on("iam:PassRole", t_arn);
        let services = self.role_services.get(t).cloned().unwrap_or_default();
        let has_profile = self.entities[t]
            .role
            .is_some_and(|r| !r.instance_profiles.is_empty());
        let mut passed: HashMap<&'static str, Option<Evidence>> = HashMap::new();
        for (mi, m) in PASSROLE_METHODS.iter().enumerate() {
            if !services.iter().any(|s| s == m.service) {
                continue;
            }
            if m.pass_role && !may_pass {
                continue;
            }
            let Some(Some(actions)) = actor.methods.get(mi) else {
                continue;
            };
            let profile: &[Evidence] = match (m.instance_profile, has_profile) {
                (false, _) | (true, true) => &[],
                // An existing resource must already run as the role: nothing to create.
                (true, false) if !m.pass_role => continue,
                (true, false) => match &actor.instance_profile {
                    Some(ev) => ev,
                    None => continue,
                },
            };
            let Some(trust) = self.service_may_assume(t, m.service)? else {
                continue;
            };
            let pass = if !m.pass_role {
                None
            } else {
                let p = match passed.get(m.service) {
                    Some(p) => p.clone(),
                    None => {
                        let mut ctx = Context::new();
                        ctx.insert("iam:PassedToService", m.service);
                        let p = decide(
                            &actor.engines,
                            &actor.subject.layers,
                            &actor.carriers,
                            &actor.subject.principal,
                            "iam:PassRole",
                            t_arn,
                            &ctx,
                            None,
                        );
                        passed.insert(m.service, p.clone());
                        p
                    }
                };
                match p {
                    Some(p) => Some(p),
                    None => continue,
                }
            };
            let mut evidence: Vec<Evidence> = pass.into_iter().collect();
            evidence.extend(actions.iter().cloned());
            evidence.push(trust);
            evidence.extend(profile.iter().cloned());
            let mut access = min_access(&evidence);
            if m.needs_existing_resource {
                access = Access::Conditional;
            }
            self.push(Edge {
                from: my_arn.to_string(),
                to: t_arn.to_string(),
                kind: if m.pass_role {
                    EdgeKind::PassRole
                } else {
                    EdgeKind::ServiceAction
                },
                method: m.id.to_string(),
                service: Some(m.service.to_string()),
                access,
                description: if m.pass_role {
                    format!(
                        "{my_name} can pass role {t_name} to {}: {}",
                        m.service, m.description
                    )
                } else {
                    format!("{my_name} can act as role {t_name}: {}", m.description)
                },
                evidence,
                references: m.references.iter().map(|s| s.to_string()).collect(),
            });
        }
        Ok(())
    }

    fn user_edges(
        &mut self,
        actor: &Actor,
        t: usize,
        my_arn: &str,
        my_name: &str,
        t_arn: &str,
        t_name: &str,
    ) {
        let Some(user) = self.entities[t].user else {
            return;
        };
        let empty = Context::new();
        // The model says whether the user has a console password; an imported snapshot does
        // not record it (every user looks password-less): UpdateLoginProfile is then tried
        // too, as conditional.
        let has_password = user.login_profile.is_some();
        let mut tries = vec![(methods::CREATE_ACCESS_KEY, EdgeKind::CreateAccessKey, false)];
        if has_password {
            tries.push((
                methods::UPDATE_LOGIN_PROFILE,
                EdgeKind::UpdateLoginProfile,
                false,
            ));
        } else {
            tries.push((
                methods::CREATE_LOGIN_PROFILE,
                EdgeKind::CreateLoginProfile,
                false,
            ));
            tries.push((
                methods::UPDATE_LOGIN_PROFILE,
                EdgeKind::UpdateLoginProfile,
                true,
            ));
        }
        for ((method, what), kind, unknown) in tries {
            if !actor
                .may_set
                .iter()
                .any(|a| a.strip_prefix("iam:") == Some(method))
            {
                continue;
            }
            let action = format!("iam:{method}");
            if !actor.may_on(&action, t_arn) {
                continue;
            }
            if let Some(ev) = decide(
                &actor.engines,
                &actor.subject.layers,
                &actor.carriers,
                &actor.subject.principal,
                &action,
                t_arn,
                &empty,
                None,
            ) {
                let access = if unknown {
                    Access::Conditional
                } else {
                    ev.access
                };
                let note = if unknown {
                    " — if the user has a console password, which the model does not record"
                } else {
                    ""
                };
                self.push(Edge {
                    from: my_arn.to_string(),
                    to: t_arn.to_string(),
                    kind,
                    method: method.to_string(),
                    service: None,
                    access,
                    description: format!("{my_name} can {what} ({t_name}){note}"),
                    evidence: vec![ev],
                    references: vec![methods::RHINO.to_string(), methods::api_page(&action)],
                });
            }
        }
    }
}

// ------------------------------------------------------------------------------ queries

impl ReachGraph {
    /// The node of an ARN.
    pub fn node(&self, arn: &str) -> Option<&Node> {
        self.by_arn.get(arn).and_then(|&i| self.nodes.get(i))
    }

    /// Edge `i` (indices come from [`ReachPath::steps`] and [`Escalation::steps`]); `None`
    /// for an index this graph did not give.
    pub fn edge(&self, i: usize) -> Option<&Edge> {
        self.edges.get(i)
    }

    fn index(&self, arn: &str) -> Result<usize, AnalysisError> {
        self.by_arn
            .get(arn)
            .copied()
            .filter(|&i| {
                self.nodes
                    .get(i)
                    .is_some_and(|n| n.kind != NodeKind::Service)
            })
            .ok_or_else(|| {
                AnalysisError::Iam(IamError::new(
                    iam_model::entities::ErrorCode::NoSuchEntity,
                    format!("The principal {arn} is not a user or role of this graph."),
                ))
            })
    }

    /// Shortest paths (by number of hops) from node `from` over the edges that make one
    /// principal act as another: `parent[n]` = the edge reaching `n`.
    fn bfs(&self, from: usize) -> Vec<Option<usize>> {
        self.bfs_from(&[from])
    }

    /// [`bfs`](Self::bfs) from several start nodes at once (their `parent` stays `None`).
    fn bfs_from(&self, seeds: &[usize]) -> Vec<Option<usize>> {
        let mut parent: Vec<Option<usize>> = vec![None; self.nodes.len()];
        let mut seen = vec![false; self.nodes.len()];
        let mut q = VecDeque::new();
        for &from in seeds {
            if let Some(s) = seen.get_mut(from) {
                *s = true;
            }
            q.push_back(from);
        }
        while let Some(n) = q.pop_front() {
            // Allowed edges first, so that an unconditional hop is preferred at equal length.
            let mut out: Vec<usize> = self.out.get(n).cloned().unwrap_or_default();
            out.sort_by_key(|&e| std::cmp::Reverse(self.edges.get(e).map(|e| e.access)));
            for e in out {
                let Some(edge) = self.edges.get(e) else {
                    continue;
                };
                if !edge.kind.becomes() {
                    continue;
                }
                let Some(&t) = self.by_arn.get(&edge.to) else {
                    continue;
                };
                if seen.get(t).copied().unwrap_or(true) {
                    continue;
                }
                seen[t] = true;
                parent[t] = Some(e);
                q.push_back(t);
            }
        }
        parent
    }

    fn path_to(&self, parent: &[Option<usize>], from: usize, to: usize) -> Vec<usize> {
        let mut steps = Vec::new();
        let mut n = to;
        while n != from {
            let Some(Some(e)) = parent.get(n) else { break };
            steps.push(*e);
            match self.edges.get(*e).and_then(|e| self.by_arn.get(&e.from)) {
                Some(&f) => n = f,
                None => break,
            }
        }
        steps.reverse();
        steps
    }

    fn access_of(&self, steps: &[usize]) -> Access {
        steps
            .iter()
            .filter_map(|&e| self.edges.get(e))
            .map(|e| e.access)
            .min()
            .unwrap_or(Access::Allowed)
    }

    /// Every principal `principal` can become, transitively, each with the shortest path
    /// (fewest hops; unconditional hops preferred), sorted by length then ARN.
    ///
    /// An admin can become every user and role of its own account (it can give itself any
    /// permission, so also `iam:CreateAccessKey`, `iam:UpdateAssumeRolePolicy`, …): each is
    /// listed with no steps and the access of its admin grant. In an organization the paths
    /// go on from there through other accounts' roles that trust those principals.
    pub fn reach(&self, principal: &str) -> Result<Vec<ReachPath>, AnalysisError> {
        let from = self.index(principal)?;
        let grant = self.nodes.get(from).and_then(|n| n.admin.as_ref());
        let seeds: Vec<usize> = match (grant, self.nodes.get(from)) {
            (Some(_), Some(me)) => self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_principal() && n.account == me.account)
                .map(|(i, _)| i)
                .collect(),
            _ => vec![from],
        };
        let base = grant.map_or(Access::Allowed, |g| g.access);
        let parent = self.bfs_from(&seeds);
        let mut out: Vec<ReachPath> = (0..self.nodes.len())
            .filter(|&n| {
                n != from && (seeds.contains(&n) || parent.get(n).is_some_and(Option::is_some))
            })
            .map(|n| {
                let steps = self.path_to(&parent, from, n);
                ReachPath {
                    target: self.nodes.get(n).map(|x| x.arn.clone()).unwrap_or_default(),
                    access: base.min(self.access_of(&steps)),
                    steps,
                }
            })
            .collect();
        out.sort_by(|a, b| (a.steps.len(), &a.target).cmp(&(b.steps.len(), &b.target)));
        Ok(out)
    }

    /// Every way `principal` can become an admin, one per target (the shortest), shortest
    /// first. Empty for a principal that is an admin by itself.
    pub fn escalations_of(&self, principal: &str) -> Result<Vec<Escalation>, AnalysisError> {
        let from = self.index(principal)?;
        if self.nodes.get(from).is_some_and(|n| n.admin.is_some()) {
            return Ok(Vec::new());
        }
        let parent = self.bfs(from);
        let reached = |n: usize| n == from || parent.get(n).is_some_and(Option::is_some);
        let mut best: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut offer = |t: usize, steps: Vec<usize>| {
            let e = best.entry(t).or_insert_with(|| steps.clone());
            if steps.len() < e.len() {
                *e = steps;
            }
        };
        for (n, node) in self.nodes.iter().enumerate() {
            if n != from && reached(n) && node.admin.is_some() {
                offer(n, self.path_to(&parent, from, n));
            }
        }
        for (i, e) in self.edges.iter().enumerate() {
            if e.kind != EdgeKind::EditPolicy {
                continue;
            }
            let (Some(&x), Some(&t)) = (self.by_arn.get(&e.from), self.by_arn.get(&e.to)) else {
                continue;
            };
            if !(reached(x) && reached(t)) {
                continue;
            }
            let mut steps = self.path_to(&parent, from, x);
            steps.push(i);
            steps.extend(self.path_to(&parent, from, t));
            offer(t, steps);
        }
        let mut out: Vec<Escalation> = best
            .into_iter()
            .map(|(t, steps)| Escalation {
                principal: principal.to_string(),
                target: self.nodes.get(t).map(|n| n.arn.clone()).unwrap_or_default(),
                access: self.access_of(&steps),
                steps,
            })
            .collect();
        out.sort_by(|a, b| {
            (a.steps.len(), std::cmp::Reverse(a.access), &a.target).cmp(&(
                b.steps.len(),
                std::cmp::Reverse(b.access),
                &b.target,
            ))
        });
        Ok(out)
    }

    /// Whether `principal` is an admin: by itself, by escalation (the shortest), or not.
    pub fn admin_status(&self, principal: &str) -> Result<AdminStatus, AnalysisError> {
        let n = self.index(principal)?;
        if let Some(g) = self.nodes.get(n).and_then(|n| n.admin.clone()) {
            return Ok(AdminStatus::Direct { grant: g });
        }
        Ok(match self.escalations_of(principal)?.into_iter().next() {
            Some(e) => AdminStatus::Escalation { escalation: e },
            None => AdminStatus::No,
        })
    }

    /// The shortest escalation of every user and role that is not an admin by itself and
    /// can become one, in node order.
    pub fn escalations(&self) -> Vec<Escalation> {
        self.nodes
            .iter()
            .filter(|n| n.is_principal() && n.admin.is_none())
            .filter_map(|n| self.escalations_of(&n.arn).ok()?.into_iter().next())
            .collect()
    }

    /// The principals that are admins by themselves.
    pub fn admins(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.admin.is_some())
    }

    /// The outgoing edges of a node.
    pub fn edges_from(&self, arn: &str) -> impl Iterator<Item = &Edge> {
        let list = self
            .by_arn
            .get(arn)
            .and_then(|&i| self.out.get(i))
            .map(Vec::as_slice)
            .unwrap_or_default();
        list.iter().filter_map(|&i| self.edges.get(i))
    }
}
