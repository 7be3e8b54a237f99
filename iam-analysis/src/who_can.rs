//! [`who_can`]: every user and role allowed an action (or each action of a pattern).

use super::conditions::{Mode, is_principal_key};
use super::core::{BuildFx, Built, Cache, Dependence, ShareKey, Subject, is_assume, share_key};
use super::index::index;
use super::{Access, AnalysisError, DecidingStatement, Target};
use iam_account::{LayerClass, Scope};
use iam_eval::{Context, Decision, Request};
use iam_model::Statement;
use iam_model::entities::IamError;
use iam_model::glob_ci;
use std::collections::HashMap;

/// One principal allowed one action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WhoCan {
    /// The user or role ARN.
    pub principal: String,
    /// The action (`service:Name`).
    pub action: String,
    /// Allowed, or allowed only for some values of condition keys the context lacks.
    pub access: Access,
    /// The statements that decided the Allow (identity, boundary, session, resource layers).
    pub statements: Vec<DecidingStatement>,
}

/// An action split into service prefix and name.
struct Split<'a>(&'a str, &'a str);

fn split(action: &str) -> Split<'_> {
    let (s, n) = split_colon(action).unwrap_or((action, ""));
    Split(s, n)
}

/// True when the `Action` pattern matches one of `actions` (IAM's matching).
fn pattern_matches(pattern: &str, actions: &[Split<'_>]) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((ps, pn)) = split_colon(pattern) else {
        return false;
    };
    actions.iter().any(|a| glob_ci(ps, a.0) && glob_ci(pn, a.1))
}

/// True when the statement's `Action` / `NotAction` can match one of `actions`.
fn relevant(st: &Statement, actions: &[Split<'_>]) -> bool {
    if st.action.negated {
        // NotAction matches an action none of its patterns match.
        return actions.iter().any(|a| {
            !st.action
                .iter()
                .any(|p| pattern_matches(p, std::slice::from_ref(a)))
        });
    }
    st.action.iter().any(|p| pattern_matches(p, actions))
}

/// Decides every action of `group` (all assume-role actions, or none) for `principals`.
fn decide_group(
    scope: &Scope<'_>,
    principals: &[(&str, Option<LayerClass<'_>>)],
    group: &[String],
    resource: &str,
    context: &Context<'_>,
) -> Result<Vec<WhoCan>, IamError> {
    let mut out = Vec::new();
    let Some(first) = group.first() else {
        return Ok(out);
    };
    let parts: Vec<Split<'_>> = group.iter().map(|a| split(a)).collect();
    let mut cache = Cache::new(
        |st: &Statement| relevant(st, &parts),
        |k: &str| is_principal_key(k) || context.contains(k),
    )
    .with_trim(|pattern: &str| pattern_matches(pattern, &parts));
    // Principals with the very same policies (and none that depends on who they are) get the
    // same answers: decided once per class (`core::share_key`), copied for the others. The
    // layers themselves are gathered once per class of attachments (`Scope::layer_class`:
    // equal classes gather the very same layers, so they have the same share key): the
    // other principals of a class are neither resolved nor prepared again.
    let mut dependence = Dependence::default();
    let mut shared: HashMap<ShareKey, usize, BuildFx> = HashMap::default();
    let mut decided: Vec<Vec<Decided>> = Vec::new();
    // Per class of attachments: the index in `decided` of its answers, `None` when they
    // cannot be shared (each of its principals is then decided on its own).
    let mut by_class: HashMap<LayerClass<'_>, Option<usize>, BuildFx> =
        HashMap::with_capacity_and_hasher(principals.len() / 4, BuildFx::default());
    for &(arn, class) in principals {
        let known = class
            .as_ref()
            .and_then(|c| by_class.get(c))
            .copied()
            .flatten();
        if let Some(i) = known {
            copy_for(arn, decided.get(i).map_or(&[][..], Vec::as_slice), &mut out);
            continue;
        }
        let subject = Subject::prepare(scope, arn, first, resource)?;
        let key = share_key(&subject, &mut dependence);
        let slot = match key {
            Some(k) => Some(if let Some(&i) = shared.get(&k) {
                copy_for(arn, decided.get(i).map_or(&[][..], Vec::as_slice), &mut out);
                i
            } else {
                let start = out.len();
                decide_one(
                    &subject, arn, group, resource, context, &mut cache, &mut out,
                )?;
                let mine = out.get(start..).unwrap_or_default();
                decided.push(
                    mine.iter()
                        .map(|w| (w.action.clone(), w.access, w.statements.clone()))
                        .collect(),
                );
                shared.insert(k, decided.len() - 1);
                decided.len() - 1
            }),
            None => {
                decide_one(
                    &subject, arn, group, resource, context, &mut cache, &mut out,
                )?;
                None
            }
        };
        if let Some(c) = class {
            by_class.insert(c, slot);
        }
    }
    Ok(out)
}

/// Appends the answers of `arn`'s class to `out`, for `arn`.
fn copy_for(arn: &str, known: &[Decided], out: &mut Vec<WhoCan>) {
    out.extend(known.iter().map(|(action, access, statements)| WhoCan {
        principal: arn.to_string(),
        action: action.clone(),
        access: *access,
        statements: statements.clone(),
    }));
}

/// One decided action of a class of principals: (action, access, deciding statements).
type Decided = (String, Access, Vec<DecidingStatement>);

/// Decides every action of `group` for one prepared principal, appending to `out`.
fn decide_one(
    subject: &Subject,
    arn: &str,
    group: &[String],
    resource: &str,
    context: &Context<'_>,
    cache: &mut Cache<'_>,
    out: &mut Vec<WhoCan>,
) -> Result<(), IamError> {
    {
        let identity_allows = subject
            .layers
            .identity
            .iter()
            .any(|n| cache.allows(&n.policy));
        // Across accounts the identity side must allow too (spec §5.8): a resource policy alone
        // grants nothing to another account's principal.
        let cross = subject.resource_account != subject.principal.account();
        let may_allow = identity_allows || (!cross && subject.layers.resource.is_some());
        if !may_allow {
            return Ok(());
        }
        let optimistic = Built::new(&subject.layers, cache, Mode::Optimistic)?;
        let any_conditional = {
            let l = &subject.layers;
            let mut ps = l
                .identity
                .iter()
                .chain(l.boundary.iter())
                .chain(l.session.iter())
                .map(|n| &n.policy)
                .chain(l.resource.iter().map(|(p, _)| p))
                .chain(l.scps.iter().flatten())
                .chain(l.rcps.iter().flatten());
            ps.any(|p| cache.conditional(p))
        };
        let strict = if any_conditional {
            Some(Built::new(&subject.layers, cache, Mode::Strict)?)
        } else {
            None
        };
        for a in group {
            let mut req = Request::new(&subject.principal, a, resource)
                .with_context(context)
                .with_resource_account(&subject.resource_account);
            req.resource_in_management_account = subject.resource_in_management;
            if optimistic.engine.evaluate(&req) != Decision::Allowed {
                continue;
            }
            let (access, built) = match &strict {
                Some(s) if s.engine.evaluate(&req) == Decision::Allowed => (Access::Allowed, s),
                Some(_) => (Access::Conditional, &optimistic),
                None => (Access::Allowed, &optimistic),
            };
            let ex = built.engine.explain(&req);
            let statements = ex
                .matched_statements
                .iter()
                .filter(|m| m.decisive)
                .map(|m| built.origin(&subject.layers, m))
                .collect();
            out.push(WhoCan {
                principal: arn.to_string(),
                action: a.clone(),
                access,
                statements,
            });
        }
    }
    Ok(())
}

/// Every user and role of the account (or of every account of the organization) allowed
/// `action` on `resource` with `context`. `action` may be a pattern (`s3:*`, `iam:Put*`):
/// each catalog action it matches is decided separately, one entry per (principal, action).
/// Principals are sessions named after themselves; the resource's resource-based policy (the
/// role trust policy for `sts:AssumeRole*`) applies. Condition keys missing from `context`
/// follow the module's three-valued rule ([`Access::Conditional`]). An action (or pattern)
/// that matches nothing in the catalog is [`AnalysisError::UnknownAction`] with the closest
/// names, not an empty list.
///
/// Only statements whose `Action` can match are compiled (their `Action` lists narrowed to
/// the matching entries), principals whose identity policies cannot allow the action are
/// skipped when no resource-based policy applies, and principals with the same attachments
/// ([`LayerClass`]: account, inline policies, attached policies, groups, boundary) have their
/// layers gathered and their answers decided once (unless a policy depends on who they are).
/// (Splitting principals between threads
/// measured slower on a loaded two-core machine; [`access_matrix`](super::access_matrix) is
/// the parallel analysis.)
///
/// ```
/// use iam_account::Account;
/// use iam_eval::Context;
/// let mut a = Account::new("111122223333").unwrap();
/// for u in ["alice", "bob"] { a.create_user(u, None).unwrap(); }
/// a.attach_user_policy("alice", "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
/// let who = iam_analysis::who_can(&a, "iam:PassRole", "*", &Context::new()).unwrap();
/// assert_eq!(who.len(), 1);
/// assert_eq!(who[0].principal, "arn:aws:iam::111122223333:user/alice");
/// assert_eq!(who[0].statements[0].policy.as_deref(), Some("AdministratorAccess"));
/// ```
pub fn who_can<'a>(
    target: impl Into<Target<'a>>,
    action: &str,
    resource: &str,
    context: &Context<'_>,
) -> Result<Vec<WhoCan>, AnalysisError> {
    let target = target.into();
    who_can_in(
        target,
        &target.principal_classes(),
        action,
        resource,
        context,
    )
}

/// [`who_can`] over the given principals of `target` only (user and role ARNs, for instance
/// one chunk of [`Target::principals`]): the unit of work that `executor=` in Python ships to
/// other processes or machines. The entries of the principals given are exactly those
/// [`who_can`] gives for them, in the same order (action, then principal ARN), so the chunks'
/// answers merged and sorted by (action, principal) are the whole answer. A principal the
/// target does not have is an error (`NoSuchEntity`).
///
/// ```
/// use iam_account::Account;
/// use iam_eval::Context;
/// let mut a = Account::new("111122223333").unwrap();
/// for u in ["alice", "bob"] {
///     a.create_user(u, None).unwrap();
///     a.attach_user_policy(u, "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
/// }
/// let bob = ["arn:aws:iam::111122223333:user/bob".to_string()];
/// let who = iam_analysis::who_can_among(&a, &bob, "iam:PassRole", "*", &Context::new()).unwrap();
/// assert_eq!(who.len(), 1);
/// assert_eq!(who[0].principal, bob[0]);
/// ```
pub fn who_can_among<'a>(
    target: impl Into<Target<'a>>,
    principals: &[String],
    action: &str,
    resource: &str,
    context: &Context<'_>,
) -> Result<Vec<WhoCan>, AnalysisError> {
    let target = target.into();
    let scope = target.scope();
    let classes: Vec<(&str, Option<LayerClass<'_>>)> = principals
        .iter()
        .map(|arn| (arn.as_str(), scope.layer_class(arn)))
        .collect();
    who_can_in(target, &classes, action, resource, context)
}

/// [`who_can_among`] over principals given with their [`LayerClass`] (when they have one).
fn who_can_in(
    target: Target<'_>,
    principals: &[(&str, Option<LayerClass<'_>>)],
    action: &str,
    resource: &str,
    context: &Context<'_>,
) -> Result<Vec<WhoCan>, AnalysisError> {
    super::check_actions([action])?;
    let idx = index();
    let actions: Vec<String> = if action.contains(['*', '?']) {
        idx.expand_all([action], false)
            .into_iter()
            .map(|i| idx.name(i).to_string())
            .collect()
    } else {
        vec![
            idx.id_of(action)
                .map_or_else(|| action.to_string(), |i| idx.name(i).to_string()),
        ]
    };
    let scope = target.scope();
    let mut out = Vec::new();
    // Requests for the STS assume actions are decided with the role's trust policy: gather
    // their layers separately from the others.
    let (assume, other): (Vec<String>, Vec<String>) =
        actions.into_iter().partition(|a| is_assume(a));
    for group in [assume, other] {
        out.extend(decide_group(&scope, principals, &group, resource, context)?);
    }
    out.sort_by(|a, b| (&a.action, &a.principal).cmp(&(&b.action, &b.principal)));
    Ok(out)
}

/// Splits `service:name` at the first colon.
fn split_colon(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b':')?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}
