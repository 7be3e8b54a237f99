//! [`Engine`]: policies compiled once per layer, then any number of requests evaluated
//! without heap allocation ([`Engine::evaluate`]) or with an [`Explanation`] ([`Engine::explain`]).

use crate::compile::{CompileError, PolicySet, Source};
use crate::decide::{Reason, decide, evaluate_identity_only};
use crate::decision::Decision;
use crate::explain::{Explanation, Layer, NoTrace, Recorder, ResolvedVariable};
use crate::glob::VarRef;
use crate::request::Request;
use iam_model::{Effect, Policy, PolicyType};
use std::fmt::Write as _;
use std::sync::Arc;

/// Compiled policies of every layer of a request (spec §5.1). `Send + Sync`: share one engine
/// between threads.
///
/// ```
/// use iam_eval::{Decision, Engine, Principal, Request};
/// use iam_model::PolicyType;
/// let id = iam_parser::parse_policy(
///     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::bucket/*"}]}"#,
///     PolicyType::Identity,
/// ).unwrap();
/// let engine = Engine::builder().identity(&id).build().unwrap();
/// let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
/// assert_eq!(engine.evaluate(&Request::new(&alice, "s3:GetObject", "arn:aws:s3:::bucket/k")), Decision::Allowed);
/// assert_eq!(engine.evaluate(&Request::new(&alice, "s3:PutObject", "arn:aws:s3:::bucket/k")), Decision::ImplicitDeny);
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) identity: PolicySet,
    pub(crate) resource: Option<PolicySet>,
    pub(crate) resource_type: PolicyType,
    pub(crate) boundary: Option<PolicySet>,
    pub(crate) session: PolicySet,
    pub(crate) scps: Vec<PolicySet>,
    pub(crate) rcps: Vec<PolicySet>,
    pub(crate) vpce: Option<PolicySet>,
    /// True when the identity layer is the only layer (no resource, boundary, session,
    /// SCP, RCP or VPC endpoint policy): `decide` then takes a shorter path for the requests
    /// no service rule concerns (computed once, when the engine is built).
    pub(crate) identity_only: bool,
}

/// A policy with an optional name (shown in explanations).
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'p> {
    /// The name, e.g. `ReadOnlyAccess`.
    pub name: Option<&'p str>,
    /// The parsed policy.
    pub policy: &'p Policy,
}

impl<'p> From<&'p Policy> for NamedPolicy<'p> {
    fn from(policy: &'p Policy) -> Self {
        NamedPolicy { name: None, policy }
    }
}

/// Collects the policies of each layer for [`Engine`]; [`EngineBuilder::build`] compiles them.
///
/// ```
/// use iam_eval::Engine;
/// use iam_model::PolicyType;
/// let allow_all = iam_parser::parse_policy(
///     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
///     PolicyType::Scp,
/// ).unwrap();
/// let engine = Engine::builder()
///     .identity_named("AdminAccess", &allow_all)
///     .scp_level([&allow_all])   // root
///     .scp_level([&allow_all])   // account
///     .build()
///     .unwrap();
/// # let _ = engine;
/// ```
#[derive(Debug, Clone, Default)]
pub struct EngineBuilder<'p> {
    identity: Vec<Entry<'p>>,
    resource: Option<(Entry<'p>, PolicyType)>,
    boundary: Option<Entry<'p>>,
    session: Vec<Entry<'p>>,
    scps: Vec<Vec<Entry<'p>>>,
    rcps: Vec<Vec<Entry<'p>>>,
    vpce: Option<Entry<'p>>,
}

/// A policy of a layer, with its shared handle when the caller has one (its compiled form is
/// then cached process-wide: see `compile::compiled_policy`).
#[derive(Debug, Clone, Copy)]
struct Entry<'p> {
    named: NamedPolicy<'p>,
    shared: Option<&'p Arc<Policy>>,
}

impl<'p> From<&'p Policy> for Entry<'p> {
    fn from(policy: &'p Policy) -> Self {
        Entry {
            named: policy.into(),
            shared: None,
        }
    }
}

impl<'p> Entry<'p> {
    fn shared(name: Option<&'p str>, p: &'p Arc<Policy>) -> Self {
        Entry {
            named: NamedPolicy { name, policy: p },
            shared: Some(p),
        }
    }
}

impl<'p> EngineBuilder<'p> {
    /// Adds an identity-based policy.
    pub fn identity(mut self, p: &'p Policy) -> Self {
        self.identity.push(p.into());
        self
    }
    /// Adds a named identity-based policy.
    pub fn identity_named(mut self, name: &'p str, p: &'p Policy) -> Self {
        self.identity.push(Entry {
            named: NamedPolicy {
                name: Some(name),
                policy: p,
            },
            shared: None,
        });
        self
    }
    /// Sets the resource-based policy (`PolicyType::Resource`).
    pub fn resource(self, p: &'p Policy) -> Self {
        self.resource_of_type(p, PolicyType::Resource)
    }
    /// Sets the resource-based policy with its type: `Resource` or `Trust` (a role trust
    /// policy, which must allow by itself: spec §5.6).
    pub fn resource_of_type(mut self, p: &'p Policy, policy_type: PolicyType) -> Self {
        self.resource = Some((p.into(), policy_type));
        self
    }
    /// Sets the permissions boundary.
    pub fn permissions_boundary(mut self, p: &'p Policy) -> Self {
        self.boundary = Some(p.into());
        self
    }
    /// Adds a session policy.
    pub fn session(mut self, p: &'p Policy) -> Self {
        self.session.push(p.into());
        self
    }
    /// Appends an SCP level (call root first, the account last).
    pub fn scp_level<I: IntoIterator<Item = &'p Policy>>(mut self, level: I) -> Self {
        self.scps.push(level.into_iter().map(Entry::from).collect());
        self
    }
    /// Appends an RCP level (root first, the account last).
    pub fn rcp_level<I: IntoIterator<Item = &'p Policy>>(mut self, level: I) -> Self {
        self.rcps.push(level.into_iter().map(Entry::from).collect());
        self
    }
    /// Sets the VPC endpoint policy.
    pub fn vpc_endpoint(mut self, p: &'p Policy) -> Self {
        self.vpce = Some(p.into());
        self
    }

    // Shared policies: same as the methods above, the compiled form cached per policy.

    /// Adds an identity policy held in an `Arc`; its compiled form is cached with the policy,
    /// so engines built again for the same policies (the account's authorizer) compile once.
    pub fn identity_shared(mut self, name: Option<&'p str>, p: &'p Arc<Policy>) -> Self {
        self.identity.push(Entry::shared(name, p));
        self
    }
    /// [`Self::resource`] for a shared policy (compiled form cached).
    pub fn resource_shared(mut self, p: &'p Arc<Policy>, policy_type: PolicyType) -> Self {
        self.resource = Some((Entry::shared(None, p), policy_type));
        self
    }
    /// [`Self::permissions_boundary`] for a shared policy (compiled form cached).
    pub fn permissions_boundary_shared(mut self, p: &'p Arc<Policy>) -> Self {
        self.boundary = Some(Entry::shared(None, p));
        self
    }
    /// [`Self::session`] for a shared policy (compiled form cached).
    pub fn session_shared(mut self, p: &'p Arc<Policy>) -> Self {
        self.session.push(Entry::shared(None, p));
        self
    }
    /// [`Self::scp_level`] for shared policies (compiled forms cached).
    pub fn scp_level_shared<I: IntoIterator<Item = &'p Arc<Policy>>>(mut self, level: I) -> Self {
        self.scps
            .push(level.into_iter().map(|p| Entry::shared(None, p)).collect());
        self
    }
    /// [`Self::rcp_level`] for shared policies (compiled forms cached).
    pub fn rcp_level_shared<I: IntoIterator<Item = &'p Arc<Policy>>>(mut self, level: I) -> Self {
        self.rcps
            .push(level.into_iter().map(|p| Entry::shared(None, p)).collect());
        self
    }

    /// Compiles every layer.
    pub fn build(&self) -> Result<Engine, CompileError> {
        let src = |v: &[Entry<'p>]| -> Vec<Source<'p>> {
            v.iter()
                .map(|n| Source {
                    name: n.named.name,
                    policy: n.named.policy,
                    shared: n.shared,
                })
                .collect()
        };
        let one = |layer: &str,
                   t: PolicyType,
                   n: &Option<Entry<'p>>|
         -> Result<Option<PolicySet>, CompileError> {
            n.as_ref()
                .map(|n| PolicySet::compile(layer, t, &src(std::slice::from_ref(n))))
                .transpose()
        };
        let levels = |layer: &str,
                      t: PolicyType,
                      v: &[Vec<Entry<'p>>]|
         -> Result<Vec<PolicySet>, CompileError> {
            v.iter()
                .enumerate()
                .map(|(i, l)| PolicySet::compile(&format!("{layer}[{i}]"), t, &src(l)))
                .collect()
        };
        let resource_type = self
            .resource
            .as_ref()
            .map_or(PolicyType::Resource, |(_, t)| *t);
        let identity_only = self.resource.is_none()
            && self.boundary.is_none()
            && self.session.is_empty()
            && self.scps.is_empty()
            && self.rcps.is_empty()
            && self.vpce.is_none();
        Ok(Engine {
            identity_only,
            identity: PolicySet::compile("identity", PolicyType::Identity, &src(&self.identity))?,
            resource: one(
                "resource",
                resource_type,
                &self.resource.as_ref().map(|(n, _)| *n),
            )?,
            resource_type,
            boundary: one(
                "permissions_boundary",
                PolicyType::PermissionsBoundary,
                &self.boundary,
            )?,
            session: PolicySet::compile("session", PolicyType::Session, &src(&self.session))?,
            scps: levels("scp", PolicyType::Scp, &self.scps)?,
            rcps: levels("rcp", PolicyType::Rcp, &self.rcps)?,
            vpce: one("vpc_endpoint", PolicyType::VpcEndpoint, &self.vpce)?,
        })
    }
}

impl Engine {
    /// A builder with no policies.
    pub fn builder<'p>() -> EngineBuilder<'p> {
        EngineBuilder::default()
    }

    /// Decides a request. Allocates nothing (except for `BinaryEquals` conditions, which
    /// decode the request's base64 value, and request values that fail to parse).
    #[inline]
    pub fn evaluate(&self, req: &Request<'_>) -> Decision {
        if self.identity_only_for(req) {
            return evaluate_identity_only(self, req);
        }
        decide(self, req, &mut NoTrace).0
    }

    /// Decides a request for several resources: each is authorized separately and all must
    /// be allowed (spec §2.2 "a request may involve several resources").
    pub fn evaluate_resources(&self, req: &Request<'_>, resources: &[&str]) -> Decision {
        let mut out = Decision::Allowed;
        for r in resources {
            let one = req.for_resource(r);
            match self.evaluate(&one) {
                Decision::ExplicitDeny => return Decision::ExplicitDeny,
                Decision::ImplicitDeny => out = Decision::ImplicitDeny,
                Decision::Allowed => {}
            }
        }
        out
    }

    /// Decides a request and says why.
    pub fn explain(&self, req: &Request<'_>) -> Explanation {
        let mut rec = Recorder::default();
        let (decision, reason) = decide(self, req, &mut rec);
        let mut statements = rec.statements;
        let mut variables: Vec<ResolvedVariable> = Vec::new();
        for s in statements.iter_mut() {
            let Some(set) = self.set(s.layer) else {
                continue;
            };
            s.policy_name = set
                .policies
                .get(s.policy_index)
                .and_then(|p| p.name.as_deref())
                .map(str::to_string);
            s.decisive = match decision {
                Decision::ExplicitDeny => s.effect == Effect::Deny,
                Decision::Allowed => {
                    s.effect == Effect::Allow && reason.allow_layers().contains(&s.layer)
                }
                Decision::ImplicitDeny => false,
            };
            let Some(st) = set.statements.iter().find(|st| {
                st.policy as usize == s.policy_index && st.index as usize == s.statement_index
            }) else {
                continue;
            };
            let mut vars: Vec<&VarRef> = Vec::new();
            for r in st.resources.iter().flat_map(|r| r.iter()) {
                vars.extend(r.vars());
            }
            for c in st.conditions.iter() {
                vars.extend(c.vars());
            }
            for v in vars {
                if variables.iter().any(|x| x.key.eq_ignore_ascii_case(&v.key)) {
                    continue;
                }
                let value = crate::compile::resolve_var(req, v).map(str::to_string);
                variables.push(ResolvedVariable {
                    key: v.key.to_string(),
                    value,
                });
            }
        }
        let mut reason = reason.describe(req);
        if req.principal.is_unnamed() {
            // Spec §5.1 (rev 3): say who was assumed when no principal was named.
            let _ = write!(
                reason,
                " (no principal given: evaluated as an unnamed IAM user of account {}, as the IAM policy simulator does without CallerArn)",
                req.principal.account()
            );
        }
        Explanation {
            decision,
            reason,
            layers: rec.layers,
            matched_statements: statements,
            variables,
            missing_context_values: rec.missing,
        }
    }

    fn set(&self, layer: Layer) -> Option<&PolicySet> {
        match layer {
            Layer::Identity => Some(&self.identity),
            Layer::Resource => self.resource.as_ref(),
            Layer::PermissionsBoundary => self.boundary.as_ref(),
            Layer::Session => Some(&self.session),
            Layer::Scp(l) => self.scps.get(usize::from(l)),
            Layer::Rcp(l) => self.rcps.get(usize::from(l)),
            Layer::VpcEndpoint => self.vpce.as_ref(),
        }
    }
}

impl Reason {
    /// The layers whose Allow statements carried an allowed decision.
    pub(crate) fn allow_layers(&self) -> &'static [Layer] {
        match self {
            Reason::AnonymousOrServiceViaResourcePolicy | Reason::ResourcePolicyGrant(_) => {
                &[Layer::Resource]
            }
            Reason::ResourcePolicyParentGrant => {
                &[Layer::Resource, Layer::PermissionsBoundary, Layer::Session]
            }
            Reason::CrossAccountBothSides => &[
                Layer::Resource,
                Layer::Identity,
                Layer::PermissionsBoundary,
                Layer::Session,
            ],
            Reason::IdentityAllows => {
                &[Layer::Identity, Layer::PermissionsBoundary, Layer::Session]
            }
            _ => &[],
        }
    }
}
