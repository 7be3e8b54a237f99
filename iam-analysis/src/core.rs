//! The shared machinery of the analyses: a prepared principal ([`Subject`]), per-call caches
//! keyed by policy, the optimistic / strict engines of the three-valued rule and the
//! per-action confirmation loop behind `what_can` and the access matrix.

use super::conditions::{Mode, Variant, is_conditional, is_principal_key, variant};
use super::index::index;
use super::{Access, DecidingStatement, Grant, StatementInfo};
use iam_account::{Layers, Named, Scope};
use iam_eval::{Context, Engine, Layer, MatchedStatement, Principal, Request};
use iam_model::entities::{ErrorCode, IamError};
use iam_model::{Effect, Policy, Statement};
use std::collections::HashSet;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

/// A principal with every policy layer that applies to it.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    /// The ARN the caller named (user or role ARN).
    pub(crate) arn: String,
    pub(crate) principal: Principal,
    pub(crate) resource_account: String,
    pub(crate) resource_in_management: bool,
    pub(crate) layers: Layers,
}

impl Subject {
    /// Resolves `arn` in `scope` and gathers its layers for `action` on `resource` (the
    /// account's own gathering code: [`Scope::prepare`]).
    pub(crate) fn prepare(
        scope: &Scope<'_>,
        arn: &str,
        action: &str,
        resource: &str,
    ) -> Result<Subject, IamError> {
        let p = scope.prepare(arn, action, resource)?;
        Ok(Subject {
            arn: arn.to_string(),
            principal: p.principal,
            resource_account: p.resource_account,
            resource_in_management: p.resource_in_management,
            layers: p.layers,
        })
    }

    /// A subject holding only identity policies (for comparing policies).
    pub(crate) fn of_policies(principal: Principal, identity: Vec<Named>) -> Subject {
        Subject {
            arn: principal.arn().to_string(),
            resource_account: principal.account().to_string(),
            principal,
            resource_in_management: false,
            layers: Layers {
                identity,
                ..Layers::default()
            },
        }
    }

    pub(crate) fn all_policies(&self) -> impl Iterator<Item = &Arc<Policy>> {
        let l = &self.layers;
        l.identity
            .iter()
            .map(|n| &n.policy)
            .chain(l.boundary.iter().map(|n| &n.policy))
            .chain(l.session.iter().map(|n| &n.policy))
            .chain(l.resource.iter().map(|(p, _)| p))
            .chain(l.scps.iter().flatten())
            .chain(l.rcps.iter().flatten())
    }

    /// The value of a principal-derived key (for policy variables in resource patterns).
    fn lookup(&self, key: &str) -> Option<String> {
        Request::new(&self.principal, "", "*")
            .with_resource_account(&self.resource_account)
            .lookup(key)
            .and_then(|v| v.single())
            .map(str::to_string)
    }
}

/// Remembers, per policy address, whether the policy's answers depend on the principal
/// holding it (the entry holds the policy, so no address is reused while it lives).
#[derive(Default)]
pub(crate) struct Dependence(HashMap<usize, (Arc<Policy>, bool), BuildFx>);

/// True when some statement of `p` can decide differently for two principals holding it: a
/// policy variable anywhere in its `Resource` / `NotResource` or condition values, or a
/// condition on a key the principal decides (evaluated per principal by the analyses).
fn principal_dependent(p: &Policy) -> bool {
    p.statements.iter().any(|st| {
        st.resource
            .as_ref()
            .is_some_and(|r| r.iter().any(|x| x.contains("${")))
            || st.conditions.iter().any(|c| {
                c.entries.iter().any(|e| {
                    is_principal_key(&e.key.value) || e.values.iter().any(|v| v.text.contains("${"))
                })
            })
    })
}

/// What makes two subjects' analyses identical: the very same policies (by address, layer by
/// layer, with the names they are known by) in the same account, and the same answer to
/// whether SCPs and RCPs apply (not to a service-linked role, spec §5.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ShareKey {
    account: String,
    service_linked: bool,
    resource_account: String,
    in_management: bool,
    policies: Vec<usize>,
    names: Vec<String>,
}

/// The key under which `s` shares its answers with other subjects, or `None` when it cannot:
/// one of its policies depends on the principal ([`principal_dependent`]), or a resource-based
/// policy applies (its `Principal` element names principals).
pub(crate) fn share_key(s: &Subject, dependent: &mut Dependence) -> Option<ShareKey> {
    const SEP: usize = usize::MAX;
    let l = &s.layers;
    if l.resource.is_some() {
        return None;
    }
    let mut policies = Vec::new();
    let mut own = false;
    let mut add = |p: &Arc<Policy>, out: &mut Vec<usize>| {
        let a = Arc::as_ptr(p) as usize;
        let entry = dependent
            .0
            .entry(a)
            .or_insert_with(|| (Arc::clone(p), principal_dependent(p)));
        own = own || entry.1;
        out.push(a);
    };
    for n in &l.identity {
        add(&n.policy, &mut policies);
    }
    policies.push(SEP);
    if let Some(n) = &l.boundary {
        add(&n.policy, &mut policies);
    }
    policies.push(SEP);
    for n in &l.session {
        add(&n.policy, &mut policies);
    }
    for levels in [&l.scps, &l.rcps] {
        policies.push(SEP);
        for level in levels {
            policies.push(SEP - 1);
            for p in level {
                add(p, &mut policies);
            }
        }
    }
    if own {
        return None;
    }
    let names = l
        .identity
        .iter()
        .chain(l.boundary.iter())
        .chain(l.session.iter())
        .map(|n| n.name.clone())
        .collect();
    Some(ShareKey {
        account: s.principal.account().to_string(),
        service_linked: s.principal.is_service_linked_role(),
        resource_account: s.resource_account.clone(),
        in_management: s.resource_in_management,
        policies,
        names,
    })
}

/// A fast, unkeyed hasher for the per-call maps of the analyses (FxHash's mixing: rotate,
/// xor, multiply, eight bytes at a time). Their keys come from the model being analysed, not
/// from a remote party, and a collision only costs time.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w.get_mut(..rest.len())
                .unwrap_or_default()
                .copy_from_slice(rest);
            let tail = u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56);
            self.0 = (self.0.rotate_left(5) ^ tail).wrapping_mul(K);
        }
    }

    fn write_u64(&mut self, n: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`Fx`] hashers.
pub(crate) type BuildFx = std::hash::BuildHasherDefault<Fx>;

/// What the caches remember about one policy.
struct PolicyEntry {
    /// Keeps the address of the key alive (so it cannot be reused by another policy).
    _policy: Arc<Policy>,
    conditional: bool,
    /// Some kept statement is an Allow.
    allows: bool,
    variants: [Option<Variant>; 2],
    expansions: Vec<Option<Arc<[u32]>>>,
}

/// A predicate over action patterns or condition keys.
type KeyFilter<'a> = Box<dyn Fn(&str) -> bool + 'a>;

/// Per-call caches keyed by policy address: rewritten variants, statement expansions.
pub(crate) struct Cache<'a> {
    keep: Box<dyn Fn(&Statement) -> bool + 'a>,
    trim: Option<KeyFilter<'a>>,
    decidable: Box<dyn Fn(&str) -> bool + 'a>,
    entries: HashMap<usize, PolicyEntry, BuildFx>,
}

fn addr(p: &Arc<Policy>) -> usize {
    Arc::as_ptr(p) as usize
}

impl<'a> Cache<'a> {
    pub(crate) fn new(
        keep: impl Fn(&Statement) -> bool + 'a,
        decidable: impl Fn(&str) -> bool + 'a,
    ) -> Cache<'a> {
        Cache {
            keep: Box::new(keep),
            trim: None,
            decidable: Box::new(decidable),
            entries: HashMap::default(),
        }
    }

    /// Narrows the `Action` lists of rewritten statements to the entries `trim` accepts.
    pub(crate) fn with_trim(mut self, trim: impl Fn(&str) -> bool + 'a) -> Cache<'a> {
        self.trim = Some(Box::new(trim));
        self
    }

    fn entry(&mut self, p: &Arc<Policy>) -> &mut PolicyEntry {
        let (keep, decidable) = (&self.keep, &self.decidable);
        self.entries.entry(addr(p)).or_insert_with(|| {
            // Only statements the cache keeps matter (who_can keeps the relevant ones).
            let (mut conditional, mut allows) = (false, false);
            for s in p.statements.iter().filter(|s| keep(s)) {
                conditional = conditional || is_conditional(s, decidable);
                allows = allows || s.effect.value == Effect::Allow;
            }
            PolicyEntry {
                _policy: Arc::clone(p),
                conditional,
                allows,
                variants: [None, None],
                // Filled on demand (only `what_can` and the matrix expand statements).
                expansions: Vec::new(),
            }
        })
    }

    pub(crate) fn conditional(&mut self, p: &Arc<Policy>) -> bool {
        self.entry(p).conditional
    }

    /// True when some statement the cache keeps is an Allow.
    pub(crate) fn allows(&mut self, p: &Arc<Policy>) -> bool {
        self.entry(p).allows
    }

    pub(crate) fn variant(&mut self, p: &Arc<Policy>, mode: Mode) -> Variant {
        let slot = usize::from(mode == Mode::Strict);
        if let Some(v) = self.entry(p).variants.get(slot).and_then(Option::as_ref) {
            return v.clone();
        }
        let v = variant(p, mode, &*self.keep, self.trim.as_deref(), &*self.decidable);
        if let Some(s) = self.entry(p).variants.get_mut(slot) {
            *s = Some(v.clone());
        }
        v
    }

    /// The catalog actions statement `i` of `p` names (expanding `Action` / `NotAction`).
    pub(crate) fn expansion(&mut self, p: &Arc<Policy>, i: usize) -> Arc<[u32]> {
        if let Some(e) = self.entry(p).expansions.get(i).and_then(Option::as_ref) {
            return Arc::clone(e);
        }
        let ids = shared_expansion(p, i);
        let n = p.statements.len();
        let e = &mut self.entry(p).expansions;
        if e.len() < n {
            e.resize(n, None);
        }
        if let Some(s) = e.get_mut(i) {
            *s = Some(Arc::clone(&ids));
        }
        ids
    }

    pub(crate) fn is_decidable(&self, key: &str) -> bool {
        (self.decidable)(key)
    }
}

/// An engine over rewritten policies, with the way back to the original statements.
pub(crate) struct Built {
    pub(crate) engine: Engine,
    identity: Vec<Variant>,
    boundary: Option<Variant>,
    session: Vec<Variant>,
    resource: Option<Variant>,
    scps: Vec<Vec<Variant>>,
    rcps: Vec<Vec<Variant>>,
}

fn compile_error(e: iam_eval::CompileError) -> IamError {
    IamError::new(ErrorCode::MalformedPolicyDocument, e.to_string())
}

impl Built {
    pub(crate) fn new(
        layers: &Layers,
        cache: &mut Cache<'_>,
        mode: Mode,
    ) -> Result<Built, IamError> {
        Built::with(layers, |p| cache.variant(p, mode))
    }

    /// An engine over the variants `v` gives for each policy of `layers`.
    fn with(
        layers: &Layers,
        mut v: impl FnMut(&Arc<Policy>) -> Variant,
    ) -> Result<Built, IamError> {
        let identity: Vec<Variant> = layers.identity.iter().map(|n| v(&n.policy)).collect();
        let boundary = layers.boundary.as_ref().map(|n| v(&n.policy));
        let session: Vec<Variant> = layers.session.iter().map(|n| v(&n.policy)).collect();
        let resource = layers.resource.as_ref().map(|(p, _)| v(p));
        let scps: Vec<Vec<Variant>> = layers
            .scps
            .iter()
            .map(|l| l.iter().map(&mut v).collect())
            .collect();
        let rcps: Vec<Vec<Variant>> = layers
            .rcps
            .iter()
            .map(|l| l.iter().map(&mut v).collect())
            .collect();
        let mut b = Engine::builder();
        for p in &identity {
            b = b.identity_shared(None, &p.policy);
        }
        if let Some(p) = &boundary {
            b = b.permissions_boundary_shared(&p.policy);
        }
        for p in &session {
            b = b.session_shared(&p.policy);
        }
        if let (Some(p), Some((_, t))) = (&resource, &layers.resource) {
            b = b.resource_shared(&p.policy, *t);
        }
        for l in &scps {
            b = b.scp_level_shared(l.iter().map(|p| &p.policy));
        }
        for l in &rcps {
            b = b.rcp_level_shared(l.iter().map(|p| &p.policy));
        }
        let engine = b.build().map_err(compile_error)?;
        Ok(Built {
            engine,
            identity,
            boundary,
            session,
            resource,
            scps,
            rcps,
        })
    }

    /// The original policy name (from `layers`, which this was built from) and statement
    /// index of a statement the engine matched.
    pub(crate) fn origin(&self, layers: &Layers, m: &MatchedStatement) -> DecidingStatement {
        let i = m.policy_index;
        let name = |n: Option<&Named>| n.map(|n| n.name.clone());
        let (policy, variant) = match m.layer {
            Layer::Identity => (name(layers.identity.get(i)), self.identity.get(i)),
            Layer::PermissionsBoundary => (name(layers.boundary.as_ref()), self.boundary.as_ref()),
            Layer::Session => (name(layers.session.get(i)), self.session.get(i)),
            Layer::Resource => (None, self.resource.as_ref()),
            Layer::Scp(l) => (None, self.scps.get(usize::from(l)).and_then(|x| x.get(i))),
            Layer::Rcp(l) => (None, self.rcps.get(usize::from(l)).and_then(|x| x.get(i))),
            Layer::VpcEndpoint => (None, None),
        };
        let statement = variant
            .and_then(|v| v.map.get(m.statement_index).copied())
            .unwrap_or(m.statement_index);
        DecidingStatement {
            layer: m.layer,
            policy_index: i,
            policy,
            statement,
            sid: m.sid.clone(),
            effect: m.effect,
        }
    }
}

/// An identity-layer Allow statement of the subject, expanded over the catalog.
pub(crate) struct AllowStatement {
    pub(crate) info: Arc<StatementInfo>,
    pub(crate) actions: Arc<[u32]>,
    /// Resource patterns to confirm with, policy variables substituted for this principal
    /// (`*` for `NotResource` statements).
    pub(crate) tests: Arc<[String]>,
}

/// Expanded action ids with resource patterns.
type ActionsAndPatterns = (Arc<[u32]>, Arc<[String]>);

/// A subject compiled for analysis: the optimistic engine and, when some statement has an
/// undecidable condition, the strict one.
pub(crate) struct Analyzer<'s> {
    pub(crate) subject: &'s Subject,
    pub(crate) optimistic: Arc<Built>,
    pub(crate) strict: Option<Arc<Strict>>,
    pub(crate) statements: Vec<AllowStatement>,
    /// Resource patterns of permissions-boundary and session Allow statements, per the actions
    /// they name: tried when the identity statements' own patterns are refused.
    extra: Vec<ActionsAndPatterns>,
}

/// Substitutes policy variables in a resource pattern (`None` when one cannot be resolved).
fn substitute(pattern: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if !pattern.contains("${") {
        return Some(pattern.to_string());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return Some(out);
        };
        let inner = after.get(..end).unwrap_or_default();
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (
                        k.trim(),
                        Some(d.trim().trim_matches('\'').trim_matches('"').to_string()),
                    ),
                    None => (inner.trim(), None),
                };
                out.push_str(&lookup(key).or(default)?);
            }
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Some(out)
}

fn statement_info(named: &Named, i: usize, st: &Statement, conditional: bool) -> StatementInfo {
    let conditions = (!st.conditions.is_empty())
        .then(|| {
            serde_json::to_value(st)
                .ok()
                .and_then(|v| v.get("Condition").map(ToString::to_string))
        })
        .flatten();
    StatementInfo {
        policy: named.name.clone(),
        source: named.source.as_str(),
        statement: i,
        sid: st.sid_str().map(str::to_string),
        not_action: st.action.negated,
        actions: st.action.iter().map(str::to_string).collect(),
        not_resource: st.resource.as_ref().is_some_and(|r| r.negated),
        resources: st.resource.as_ref().map_or_else(
            || vec!["*".to_string()],
            |r| r.iter().map(str::to_string).collect(),
        ),
        conditions,
        conditional,
    }
}

impl<'s> Analyzer<'s> {
    /// Compiles `subject` (each distinct policy rewritten and expanded once per cache). With
    /// `shared`, the engines come from (and go to) the process-wide cache of recently compiled
    /// policy sets (only for caches that keep every statement and decide principal keys).
    pub(crate) fn new(
        subject: &'s Subject,
        cache: &mut Cache<'_>,
        shared: bool,
    ) -> Result<Analyzer<'s>, IamError> {
        let (optimistic, strict) = if shared {
            engines_shared(subject, cache)?
        } else {
            engines(subject, cache)?
        };
        let lookup = |k: &str| subject.lookup(k);
        let tests_of = |p: &Policy, st: &Statement| -> Arc<[String]> {
            match &st.resource {
                Some(r) if !r.negated => r
                    .iter()
                    .filter_map(|x| {
                        if p.variables_enabled() {
                            substitute(x, &lookup)
                        } else {
                            Some(x.to_string())
                        }
                    })
                    .collect(),
                _ => Arc::from(vec!["*".to_string()]),
            }
        };
        let mut statements = Vec::new();
        for named in &subject.layers.identity {
            for (i, st) in named.policy.statements.iter().enumerate() {
                if st.effect.value != Effect::Allow {
                    continue;
                }
                let conditional = is_conditional(st, &|k| cache.is_decidable(k));
                statements.push(AllowStatement {
                    info: shared_info(named, i, st, conditional),
                    actions: cache.expansion(&named.policy, i),
                    tests: tests_of(&named.policy, st),
                });
            }
        }
        let mut extra = Vec::new();
        let l = &subject.layers;
        for named in l.boundary.iter().chain(l.session.iter()) {
            for (i, st) in named.policy.statements.iter().enumerate() {
                let specific = st
                    .resource
                    .as_ref()
                    .is_some_and(|r| !r.negated && r.iter().any(|x| x != "*"));
                if st.effect.value == Effect::Allow && specific {
                    extra.push((
                        cache.expansion(&named.policy, i),
                        tests_of(&named.policy, st),
                    ));
                }
            }
        }
        Ok(Analyzer {
            subject,
            optimistic,
            strict,
            statements,
            extra,
        })
    }

    /// The three-valued decision for `action` (catalog id `id`, when known) on `resource`
    /// (see [`super::conditions`]).
    pub(crate) fn decide(
        &self,
        id: Option<u32>,
        action: &str,
        resource: &str,
        ctx: &Context<'_>,
    ) -> Option<Access> {
        let s = self.subject;
        let mut req = Request::new(&s.principal, action, resource)
            .with_context(ctx)
            .with_resource_account(&s.resource_account);
        req.resource_in_management_account = s.resource_in_management;
        if !self.optimistic.engine.evaluate(&req).is_allowed() {
            return None;
        }
        match &self.strict {
            Some(st) if st.applies(id) && !st.built.engine.evaluate(&req).is_allowed() => {
                Some(Access::Conditional)
            }
            _ => Some(Access::Allowed),
        }
    }

    /// Every catalog action (restricted to `filter`, indexed by action id, when given) the
    /// subject is allowed on at least one resource, in catalog order, with the granting
    /// statements when `grants` is true.
    pub(crate) fn compute(
        &self,
        filter: Option<&[bool]>,
        grants: bool,
        mut out: impl FnMut(u32, Access, Arc<[Grant]>),
    ) {
        let none: Arc<[Grant]> = Arc::from(Vec::new());
        let mut last: Arc<[Grant]> = Arc::clone(&none);
        // The grants of the current action, light: (statement, resources when only some of
        // its patterns were confirmed, access). Turned into `Grant`s only when they differ
        // from the previous action's (most consecutive actions are granted alike), so no
        // reference count is touched per action for them.
        let mut found: Vec<Found> = Vec::new();
        let idx = index();
        let ctx = Context::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (si, st) in self.statements.iter().enumerate() {
            let si = u32::try_from(si).unwrap_or(u32::MAX);
            pairs.extend(
                st.actions
                    .iter()
                    .filter(|a| {
                        filter.is_none_or(|f| f.get(**a as usize).copied().unwrap_or(false))
                    })
                    .map(|a| (*a, si)),
            );
        }
        // Each statement's ids are sorted (`expand_all`), so `pairs` is a few sorted runs in
        // statement order: a stable sort by action merges them (and keeps statements in order).
        pairs.sort_by_key(|p| p.0);
        pairs.dedup();
        let mut memo: Vec<(&str, Option<Access>)> = Vec::new();
        let mut confirmed: Vec<usize> = Vec::new();
        let mut start = 0;
        while start < pairs.len() {
            let action = pairs.get(start).map_or(0, |p| p.0);
            let end = pairs
                .get(start..)
                .and_then(|r| r.iter().position(|p| p.0 != action))
                .map_or(pairs.len(), |n| start + n);
            let name = idx.name(action);
            memo.clear();
            let mut best: Option<Access> = None;
            found.clear();
            for &(_, si) in pairs.get(start..end).unwrap_or_default() {
                let Some(st) = self.statements.get(si as usize) else {
                    continue;
                };
                confirmed.clear();
                let mut stmt_best: Option<Access> = None;
                for (ti, t) in st.tests.iter().enumerate() {
                    let d = match memo.iter().find(|(r, _)| *r == t.as_str()) {
                        Some((_, d)) => *d,
                        None => {
                            // A pattern that names no resource of this action grants nothing.
                            let d = if idx.plausible(action, t) {
                                self.decide(Some(action), name, t, &ctx)
                            } else {
                                None
                            };
                            memo.push((t.as_str(), d));
                            d
                        }
                    };
                    if let Some(d) = d {
                        confirmed.push(ti);
                        stmt_best = stmt_best.max(Some(d));
                    }
                }
                if let Some(d) = stmt_best {
                    best = best.max(Some(d));
                    if grants {
                        let resources: Option<Arc<[String]>> = if confirmed.len() == st.tests.len()
                        {
                            None
                        } else {
                            Some(
                                confirmed
                                    .iter()
                                    .filter_map(|i| st.tests.get(*i).cloned())
                                    .collect(),
                            )
                        };
                        found.push(Found {
                            statement: si,
                            resources,
                            access: if st.info.conditional {
                                Access::Conditional
                            } else {
                                d
                            },
                        });
                    }
                }
            }
            if best.is_none() && !self.extra.is_empty() {
                self.try_extra(
                    action,
                    name,
                    &ctx,
                    pairs.get(start..end).unwrap_or_default(),
                    grants,
                    &mut best,
                    &mut found,
                );
            }
            if let Some(b) = best {
                // Consecutive actions granted by the same statements on the same resources
                // share one list.
                let same = found.len() == last.len()
                    && found.iter().zip(last.iter()).all(|(x, y)| {
                        self.statements.get(x.statement as usize).is_some_and(|st| {
                            Arc::ptr_eq(&st.info, &y.statement)
                                && match &x.resources {
                                    None => Arc::ptr_eq(&st.tests, &y.resources),
                                    Some(r) => Arc::ptr_eq(r, &y.resources),
                                }
                        }) && x.access == y.access
                    });
                if !same {
                    last = if found.is_empty() {
                        Arc::clone(&none)
                    } else {
                        found
                            .iter()
                            .filter_map(|x| {
                                let st = self.statements.get(x.statement as usize)?;
                                Some(Grant {
                                    statement: Arc::clone(&st.info),
                                    resources: x
                                        .resources
                                        .clone()
                                        .unwrap_or_else(|| Arc::clone(&st.tests)),
                                    access: x.access,
                                })
                            })
                            .collect()
                    };
                }
                out(action, b, Arc::clone(&last));
            }
            start = end;
        }
    }

    /// Tries the boundary / session statements' resource patterns for an action the identity
    /// statements' own patterns could not confirm.
    #[allow(clippy::too_many_arguments)]
    fn try_extra(
        &self,
        action: u32,
        name: &str,
        ctx: &Context<'_>,
        group: &[(u32, u32)],
        grants: bool,
        best: &mut Option<Access>,
        found: &mut Vec<Found>,
    ) {
        let mut ok: Vec<String> = Vec::new();
        for (ids, tests) in &self.extra {
            if ids.binary_search(&action).is_err() {
                continue;
            }
            for t in tests.iter().filter(|t| index().plausible(action, t)) {
                if let Some(d) = self.decide(Some(action), name, t, ctx) {
                    *best = (*best).max(Some(d));
                    ok.push(t.clone());
                }
            }
        }
        let Some(b) = *best else { return };
        if !grants {
            return;
        }
        let resources: Arc<[String]> = ok.into();
        for &(_, si) in group {
            if let Some(st) = self.statements.get(si as usize) {
                found.push(Found {
                    statement: si,
                    resources: Some(Arc::clone(&resources)),
                    access: if st.info.conditional {
                        Access::Conditional
                    } else {
                        b
                    },
                });
            }
        }
    }
}

/// A grant of the action being decided, before it becomes a [`Grant`]: the statement's
/// position in `Analyzer::statements`, the confirmed resource patterns when they are not all
/// of the statement's, the access.
struct Found {
    statement: u32,
    resources: Option<Arc<[String]>>,
    access: Access,
}

/// Statement expansions of recently analysed policies, process-wide (AWS managed policies are
/// shared by every principal holding them). Each entry holds its policy, so its address
/// cannot be reused while the entry lives; the map is emptied past [`SHARED_POLICIES`].
type ExpansionMap = HashMap<usize, (Arc<Policy>, Vec<Option<Arc<[u32]>>>)>;

const SHARED_POLICIES: usize = 4096;

fn shared_expansion(p: &Arc<Policy>, i: usize) -> Arc<[u32]> {
    static SHARED: OnceLock<Mutex<ExpansionMap>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| Mutex::new(HashMap::new()));
    let lock = || {
        shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(e) = lock()
        .get(&addr(p))
        .and_then(|(_, v)| v.get(i))
        .and_then(Option::as_ref)
    {
        return Arc::clone(e);
    }
    let ids: Arc<[u32]> = match p.statements.get(i) {
        Some(st) => index()
            .expand_all(st.action.iter(), st.action.negated)
            .into(),
        None => Arc::from(Vec::new()),
    };
    let mut map = lock();
    if map.len() >= SHARED_POLICIES {
        map.clear();
    }
    let entry = map
        .entry(addr(p))
        .or_insert_with(|| (Arc::clone(p), vec![None; p.statements.len()]));
    if let Some(slot) = entry.1.get_mut(i) {
        *slot = Some(Arc::clone(&ids));
    }
    ids
}

/// Statement descriptions of recently analysed policies, process-wide, keyed by policy
/// address and statement index (the entry holds its policy); a hit must also agree on the
/// policy's name, source and conditionality.
type InfoMap = HashMap<(usize, usize), (Arc<Policy>, Arc<StatementInfo>)>;

fn shared_info(named: &Named, i: usize, st: &Statement, conditional: bool) -> Arc<StatementInfo> {
    static SHARED: OnceLock<Mutex<InfoMap>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (addr(&named.policy), i);
    let fits = |x: &StatementInfo| {
        x.policy == named.name && x.source == named.source.as_str() && x.conditional == conditional
    };
    let lock = || {
        shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some((_, info)) = lock().get(&key).filter(|(_, x)| fits(x)) {
        return Arc::clone(info);
    }
    let info = Arc::new(statement_info(named, i, st, conditional));
    let mut map = lock();
    if map.len() >= 4 * SHARED_POLICIES {
        map.clear();
    }
    map.insert(key, (Arc::clone(&named.policy), Arc::clone(&info)));
    info
}

/// The strict engine: compiled only for the actions some undecidable condition can touch
/// (`affected`, by catalog id; `None` = every action). For the other actions the strict and
/// optimistic engines agree, so the optimistic decision stands.
pub(crate) struct Strict {
    pub(crate) built: Built,
    affected: Option<Vec<bool>>,
}

impl Strict {
    fn applies(&self, id: Option<u32>) -> bool {
        match (&self.affected, id) {
            (Some(a), Some(i)) => a.get(i as usize).copied().unwrap_or(true),
            _ => true,
        }
    }
}

type Engines = (Arc<Built>, Option<Arc<Strict>>);

/// `policy` narrowed to the statements and `Action` entries that can match an action marked
/// in `affected` (`NotAction` statements kept whole), then rewritten for the strict mode.
fn restricted(
    policy: &Arc<Policy>,
    affected: &[bool],
    services: &HashSet<String>,
    decidable: &dyn Fn(&str) -> bool,
) -> Variant {
    let idx = index();
    let hits = |pattern: &str| {
        if let Some((svc, _)) = pattern.split_once(':') {
            if !svc.contains(['*', '?']) && !services.contains(&svc.to_ascii_lowercase()) {
                return false;
            }
        }
        let mut hit = false;
        idx.expand(pattern, |i| {
            hit = hit || affected.get(i as usize).copied().unwrap_or(false);
        });
        hit
    };
    let keep = |st: &Statement| st.action.negated || st.action.iter().any(hits);
    variant(policy, Mode::Strict, &keep, Some(&hits), decidable)
}

fn engines(subject: &Subject, cache: &mut Cache<'_>) -> Result<Engines, IamError> {
    let optimistic = Arc::new(Built::new(&subject.layers, cache, Mode::Optimistic)?);
    let any_conditional = subject.all_policies().any(|p| cache.conditional(p));
    if !any_conditional {
        return Ok((optimistic, None));
    }
    // The actions a kept statement with an undecidable condition can match.
    let idx = index();
    let mut affected = vec![false; idx.len()];
    let mut everything = false;
    let policies: Vec<&Arc<Policy>> = subject.all_policies().collect();
    for p in &policies {
        for (i, st) in p.statements.iter().enumerate() {
            if !(cache.keep)(st) || !is_conditional(st, &*cache.decidable) {
                continue;
            }
            everything = everything || st.action.negated;
            for id in cache.expansion(p, i).iter() {
                if let Some(a) = affected.get_mut(*id as usize) {
                    *a = true;
                }
            }
        }
    }
    let strict = if everything {
        Strict {
            built: Built::new(&subject.layers, cache, Mode::Strict)?,
            affected: None,
        }
    } else {
        let services: HashSet<String> = affected
            .iter()
            .enumerate()
            .filter(|(_, a)| **a)
            .filter_map(|(i, _)| idx.action(u32::try_from(i).unwrap_or(u32::MAX)))
            .map(|a| a.service.to_ascii_lowercase())
            .collect();
        let decidable = &*cache.decidable;
        let built = Built::with(&subject.layers, |p| {
            restricted(p, &affected, &services, decidable)
        })?;
        Strict {
            built,
            affected: Some(affected),
        }
    };
    Ok((optimistic, Some(Arc::new(strict))))
}

/// A compiled policy set remembered by [`engines_shared`]. It holds the policies of its key,
/// so their addresses cannot be reused while it lives.
struct EngineEntry {
    key: Vec<usize>,
    _pins: Vec<Arc<Policy>>,
    engines: Engines,
}

/// How many compiled policy sets the process keeps (most recent first).
const SHARED_ENGINES: usize = 16;

/// [`engines`] through a small process-wide cache keyed by the layer structure and the
/// addresses of its policies: analysing the same principal (or principals with the same
/// policies) again skips compiling. Policies are immutable once shared, so an equal key
/// means equal policies.
fn engines_shared(subject: &Subject, cache: &mut Cache<'_>) -> Result<Engines, IamError> {
    static SHARED: OnceLock<Mutex<VecDeque<EngineEntry>>> = OnceLock::new();
    const SEP: usize = usize::MAX;
    let l = &subject.layers;
    let mut key = Vec::new();
    let mut pins = Vec::new();
    let mut add = |p: &Arc<Policy>, key: &mut Vec<usize>| {
        key.push(addr(p));
        pins.push(Arc::clone(p));
    };
    for n in &l.identity {
        add(&n.policy, &mut key);
    }
    key.push(SEP);
    if let Some(n) = &l.boundary {
        add(&n.policy, &mut key);
    }
    key.push(SEP);
    for n in &l.session {
        add(&n.policy, &mut key);
    }
    key.push(SEP);
    if let Some((p, t)) = &l.resource {
        add(p, &mut key);
        key.push(*t as usize);
    }
    for levels in [&l.scps, &l.rcps] {
        key.push(SEP);
        for level in levels {
            key.push(SEP - 1);
            for p in level {
                add(p, &mut key);
            }
        }
    }
    let shared = SHARED.get_or_init(|| Mutex::new(VecDeque::new()));
    let lock = || {
        shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(e) = lock().iter().find(|e| e.key == key) {
        return Ok(e.engines.clone());
    }
    let engines = engines(subject, cache)?;
    let mut q = lock();
    q.push_front(EngineEntry {
        key,
        _pins: pins,
        engines: engines.clone(),
    });
    q.truncate(SHARED_ENGINES);
    Ok(engines)
}

/// True for the STS actions whose resource is a role decided with its trust policy.
pub(crate) fn is_assume(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.starts_with("sts:assumerole")
        || a == "sts:tagsession"
        || a == "sts:setsourceidentity"
        || a == "sts:setcontext"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution() {
        let look = |k: &str| (k == "aws:username").then(|| "alice".to_string());
        assert_eq!(
            substitute("arn:aws:iam::*:user/${aws:username}", &look).as_deref(),
            Some("arn:aws:iam::*:user/alice")
        );
        assert_eq!(substitute("a/${aws:userid}", &look), None);
        assert_eq!(
            substitute("a/${aws:userid, 'x'}/${*}", &look).as_deref(),
            Some("a/x/*")
        );
    }
}
