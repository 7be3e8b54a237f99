//! Compiling parsed policies into an evaluation-ready [`PolicySet`] (spec §11): lower-cased
//! action patterns indexed by service prefix, pre-built wildcard matchers, typed condition
//! values. Evaluating a set against a request gives its verdict (spec §5.1).

use crate::conditions::{self, CompiledCondition};
use crate::decision::{MatchStrength, Verdict};
use crate::explain::{Layer, Tracer};
use crate::glob::VarRef;
use crate::matchers::action::{ActionPattern, split_action};
use crate::matchers::principal::PrincipalMatcher;
use crate::matchers::resource::ResourcePattern;
use crate::request::Request;
use iam_model::{Effect, Policy, PolicyType, Span};
use std::fmt;

/// A policy that could not be compiled; evaluating it would risk a silently wrong answer.
///
/// ```
/// use iam_eval::Engine;
/// use iam_model::PolicyType;
/// let p = iam_parser::parse_policy(
///     r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
///         "Condition":{"StringEqualz":{"aws:username":"x"}}}}"#,
///     PolicyType::Identity,
/// ).unwrap();
/// let err = Engine::builder().identity(&p).build().unwrap_err();
/// assert!(err.message.contains("StringEqualz"));
/// assert_eq!(err.statement, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompileError {
    /// The layer the policy was given for (`identity`, `scp[1]`, ...).
    pub layer: String,
    /// Index of the policy within its layer.
    pub policy: usize,
    /// Index of the statement within the policy.
    pub statement: usize,
    /// What is wrong.
    pub message: String,
    /// Where (the statement's span when nothing more precise is known).
    pub span: Span,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} policy #{} statement #{} (at {}): {}",
            self.layer, self.policy, self.statement, self.span.start, self.message
        )
    }
}
impl std::error::Error for CompileError {}

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) effect: Effect,
    pub(crate) policy: u32,
    pub(crate) index: u32,
    pub(crate) sid: Option<Box<str>>,
    pub(crate) span: Span,
    pub(crate) not_action: bool,
    pub(crate) actions: Box<[ActionPattern]>,
    pub(crate) not_resource: bool,
    /// `None` when the statement has no `Resource` element (it then applies to the resource
    /// the policy is attached to).
    pub(crate) resources: Option<Box<[ResourcePattern]>>,
    pub(crate) principal: Option<PrincipalMatcher>,
    pub(crate) conditions: Box<[CompiledCondition]>,
}

/// Name and type of one policy of a set.
#[derive(Debug, Clone)]
pub(crate) struct PolicyInfo {
    pub(crate) name: Option<Box<str>>,
}

/// The statements that can match one service prefix.
#[derive(Debug, Clone, Default)]
struct ServiceIndex {
    /// Lower-cased exact action names (sorted), each with the statements naming it. A
    /// statement is listed here only when all its patterns for the service are exact.
    exact: Vec<(Box<str>, Vec<u32>)>,
    /// Statements with a wildcard name pattern for the service: `(statement, indices of its
    /// patterns for the service)`.
    wild: Vec<(u32, Box<[u32]>)>,
}

/// The policies of one layer (or one SCP/RCP level), compiled.
#[derive(Debug, Clone)]
pub(crate) struct PolicySet {
    pub(crate) policies: Vec<PolicyInfo>,
    pub(crate) statements: Vec<CompiledStatement>,
    /// Sorted by lower-cased service prefix.
    services: Vec<(Box<str>, ServiceIndex)>,
    /// Statements that must be checked for every action (`NotAction`, `*`, wildcard prefixes).
    generic: Vec<u32>,
    /// Whether any statement denies (if none, the first applicable Allow settles the verdict).
    has_deny: bool,
    /// Whether no statement has a `Principal` element (match strength is then irrelevant).
    principal_free: bool,
}

/// What a set says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetResult {
    pub(crate) verdict: Verdict,
    /// The strongest principal match among applicable Allow statements.
    pub(crate) strength: Option<MatchStrength>,
}

impl SetResult {
    pub(crate) const NONE: SetResult = SetResult {
        verdict: Verdict::NoMatch,
        strength: None,
    };
}

/// How a policy of a set is given to the compiler.
pub(crate) struct Source<'p> {
    pub(crate) name: Option<&'p str>,
    pub(crate) policy: &'p Policy,
}

impl PolicySet {
    pub(crate) fn compile(
        layer: &str,
        policy_type: PolicyType,
        sources: &[Source<'_>],
    ) -> Result<PolicySet, CompileError> {
        let mut set = PolicySet {
            policies: Vec::new(),
            statements: Vec::new(),
            services: Vec::new(),
            generic: Vec::new(),
            has_deny: false,
            principal_free: true,
        };
        for (pi, src) in sources.iter().enumerate() {
            set.policies.push(PolicyInfo {
                name: src.name.map(Into::into),
            });
            let variables = src.policy.variables_enabled();
            for (si, st) in src.policy.statements.iter().enumerate() {
                let err = |message: String| CompileError {
                    layer: layer.to_string(),
                    policy: pi,
                    statement: si,
                    message,
                    span: st.span,
                };
                let actions: Box<[ActionPattern]> =
                    st.action.iter().map(ActionPattern::compile).collect();
                let resources = match &st.resource {
                    None => None,
                    Some(r) => Some(
                        r.iter()
                            .map(|t| ResourcePattern::compile(t, policy_type, variables))
                            .collect::<Result<Box<[_]>, _>>()
                            .map_err(err)?,
                    ),
                };
                let mut conds = Vec::new();
                for c in &st.conditions {
                    conds.extend(conditions::compile(c, variables).map_err(|m| CompileError {
                        span: c.span,
                        ..err(m)
                    })?);
                }
                let principal = st.principal.as_ref().map(PrincipalMatcher::compile);
                set.statements.push(CompiledStatement {
                    effect: st.effect.value,
                    policy: u32::try_from(pi).unwrap_or(u32::MAX),
                    index: u32::try_from(si).unwrap_or(u32::MAX),
                    sid: st.sid_str().map(Into::into),
                    span: st.span,
                    not_action: st.action.negated,
                    actions,
                    not_resource: st.resource.as_ref().is_some_and(|r| r.negated),
                    resources,
                    principal,
                    conditions: conds.into_boxed_slice(),
                });
            }
        }
        set.build_index();
        Ok(set)
    }

    fn build_index(&mut self) {
        use std::collections::BTreeMap;
        // service → (exact lower-cased name → statements, wildcard statements)
        type Building = (BTreeMap<Box<str>, Vec<u32>>, Vec<(u32, Box<[u32]>)>);
        let mut map: BTreeMap<Box<str>, Building> = BTreeMap::new();
        self.has_deny = self.statements.iter().any(|s| s.effect == Effect::Deny);
        self.principal_free = self.statements.iter().all(|s| s.principal.is_none());
        for (i, st) in self.statements.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let generic = st.not_action
                || st.actions.iter().any(|a| {
                    matches!(a, ActionPattern::All)
                        || (matches!(a, ActionPattern::Split { .. })
                            && a.literal_service().is_none())
                });
            if generic {
                self.generic.push(id);
                continue;
            }
            let mut per: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
            for (pi, a) in st.actions.iter().enumerate() {
                if let Some(svc) = a.literal_service() {
                    per.entry(svc)
                        .or_default()
                        .push(u32::try_from(pi).unwrap_or(u32::MAX));
                }
            }
            for (svc, pats) in per {
                let entry = map.entry(svc.into()).or_default();
                let names: Option<Vec<&str>> = pats
                    .iter()
                    .map(|p| {
                        st.actions
                            .get(*p as usize)
                            .and_then(ActionPattern::exact_name)
                    })
                    .collect();
                match names {
                    Some(names) => {
                        for n in names {
                            let ids = entry.0.entry(n.into()).or_default();
                            if ids.last() != Some(&id) {
                                ids.push(id);
                            }
                        }
                    }
                    None => entry.1.push((id, pats.into_boxed_slice())),
                }
            }
        }
        self.services = map
            .into_iter()
            .map(|(svc, (exact, wild))| {
                (
                    svc,
                    ServiceIndex {
                        exact: exact.into_iter().collect(),
                        wild,
                    },
                )
            })
            .collect();
    }

    /// True when the set holds no policy.
    pub(crate) fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    fn service(&self, service: &str) -> Option<&ServiceIndex> {
        let found = self
            .services
            .binary_search_by(|(s, _)| cmp_ignore_ascii_case(s, service));
        found
            .ok()
            .and_then(|i| self.services.get(i))
            .map(|(_, x)| x)
    }

    /// Whether an applicable Allow lets the set stop early (it cannot change to Deny and no
    /// stronger principal match can matter).
    fn allow_settles(&self, out: &SetResult) -> bool {
        !self.has_deny && (self.principal_free || out.strength == Some(MatchStrength::Direct))
    }

    /// The verdict of this set for `req` (spec §5.1), reporting applicable statements to `t`.
    pub(crate) fn evaluate<'s, T: Tracer>(
        &'s self,
        layer: Layer,
        req: &Request<'s>,
        t: &mut T,
    ) -> SetResult {
        let (service, name) = split_action(req.action);
        let mut out = SetResult::NONE;
        if let Some(index) = self.service(service) {
            // Exact names: the request name lower-cased into a stack buffer, then a binary
            // search (action names are ASCII; longer names fall back to the glob path).
            let mut buf = [0u8; 128];
            if let Some(lowered) = buf.get_mut(..name.len()) {
                for (d, s) in lowered.iter_mut().zip(name.bytes()) {
                    *d = s.to_ascii_lowercase();
                }
                let lowered: &[u8] = lowered;
                if let Ok(i) = index
                    .exact
                    .binary_search_by(|(k, _)| crate::glob::cmp_bytes(k.as_bytes(), lowered))
                {
                    for sid in index
                        .exact
                        .get(i)
                        .map_or(&[][..], |(_, ids)| ids.as_slice())
                    {
                        let Some(st) = self.statements.get(*sid as usize) else {
                            continue;
                        };
                        if self.apply(st, layer, req, &mut out, t) && !T::ON {
                            return out;
                        }
                    }
                }
            } else {
                for (k, ids) in &index.exact {
                    if !crate::glob::eq_folded(k, name) {
                        continue;
                    }
                    for sid in ids {
                        let Some(st) = self.statements.get(*sid as usize) else {
                            continue;
                        };
                        if self.apply(st, layer, req, &mut out, t) && !T::ON {
                            return out;
                        }
                    }
                }
            }
            for (sid, pats) in &index.wild {
                let Some(st) = self.statements.get(*sid as usize) else {
                    continue;
                };
                let action_ok = pats.iter().any(|p| {
                    st.actions
                        .get(*p as usize)
                        .is_some_and(|a| a.matches_name(name))
                });
                if action_ok && self.apply(st, layer, req, &mut out, t) && !T::ON {
                    return out;
                }
            }
        }
        for sid in &self.generic {
            let Some(st) = self.statements.get(*sid as usize) else {
                continue;
            };
            let any = st.actions.iter().any(|a| a.matches(service, name));
            if any != st.not_action && self.apply(st, layer, req, &mut out, t) && !T::ON {
                return out;
            }
        }
        out
    }

    /// Checks the rest of a statement whose action matched; folds it into `out`. Returns true
    /// when the verdict is settled (an applicable Deny, or an Allow that [`Self::allow_settles`]).
    fn apply<'s, T: Tracer>(
        &self,
        st: &'s CompiledStatement,
        layer: Layer,
        req: &Request<'s>,
        out: &mut SetResult,
        t: &mut T,
    ) -> bool {
        // Principal / NotPrincipal (spec §2.3, §5.9).
        let strength = match &st.principal {
            None => Some(MatchStrength::Wildcard),
            Some(pm) if pm.negated => {
                if st.effect == Effect::Allow {
                    // NotPrincipal + Allow is unsupported: it grants nothing (spec §5.9).
                    None
                } else if req.principal.has_permissions_boundary() || !pm.exempts(req.principal) {
                    Some(MatchStrength::Wildcard)
                } else {
                    None
                }
            }
            Some(pm) => pm.strength(req.principal),
        };
        let Some(strength) = strength else {
            return false;
        };
        let mut resolve = |v: &'s VarRef| -> Option<&'s str> { resolve_var(req, v) };
        if let Some(res) = &st.resources {
            let any = res.iter().any(|r| r.matches(req.resource, &mut resolve));
            if any == st.not_resource {
                return false;
            }
        }
        let mut ok = true;
        for c in st.conditions.iter() {
            let v = req.lookup(&c.key);
            if T::ON && v.is_none() {
                t.missing_key(&c.key);
            }
            if (ok || T::ON) && !c.evaluate(v, &mut resolve) {
                ok = false;
                if !T::ON {
                    break;
                }
            }
        }
        if !ok {
            return false;
        }
        t.applicable(layer, st, strength);
        match st.effect {
            Effect::Deny => {
                out.verdict = Verdict::Deny;
                true
            }
            Effect::Allow => {
                if out.verdict != Verdict::Deny {
                    out.verdict = Verdict::Allow;
                }
                out.strength = out.strength.max(Some(strength));
                self.allow_settles(out)
            }
        }
    }
}

/// Resolves a policy variable: the single value of its key, else its default (spec §4.3).
pub(crate) fn resolve_var<'t>(req: &Request<'t>, v: &'t VarRef) -> Option<&'t str> {
    req.lookup(&v.key)
        .and_then(|x| x.single())
        .or(v.default.as_deref())
}

fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    for (x, y) in a.bytes().zip(b.bytes()) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}
