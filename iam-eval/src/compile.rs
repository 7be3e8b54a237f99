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
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

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
/// assert_eq!(err.code, "INVALID_CONDITION_OPERATOR");
/// assert_eq!(err.statement, 0);
///
/// // Spec §1.7 (rev 3): a resource-based policy statement without `Principal` is refused with
/// // validation's finding (code, message, position), never evaluated as matching everyone.
/// let bucket = iam_parser::parse_policy(
///     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
///     PolicyType::Resource,
/// ).unwrap();
/// let err = Engine::builder().resource(&bucket).build().unwrap_err();
/// assert_eq!((err.code, err.path().as_str()), ("MISSING_PRINCIPAL", "Statement[0]"));
/// assert_eq!(err.message, "a resource policy statement must have a Principal");
/// assert_eq!((err.span.start.line, err.span.start.column), (1, 38));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompileError {
    /// The finding code, as validation reports it (`MISSING_PRINCIPAL`,
    /// `INVALID_CONDITION_OPERATOR`, ...; spec §9).
    pub code: &'static str,
    /// The layer the policy was given for (`identity`, `scp[1]`, ...).
    pub layer: String,
    /// Index of the policy within its layer.
    pub policy: usize,
    /// Index of the statement within the policy.
    pub statement: usize,
    /// Whether the policy's `Statement` is a single object (for [`CompileError::path`]).
    #[serde(skip)]
    single_statement: bool,
    /// What is wrong.
    pub message: String,
    /// Where (the statement's span when nothing more precise is known).
    pub span: Span,
}

impl CompileError {
    /// The JSON path of the statement within its policy, as validation reports it:
    /// `Statement[1]`, or `Statement` when the policy has a single statement object.
    pub fn path(&self) -> String {
        if self.single_statement {
            "Statement".to_string()
        } else {
            format!("Statement[{}]", self.statement)
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} policy #{} statement #{} (at {}): {} {}",
            self.layer, self.policy, self.statement, self.span.start, self.code, self.message
        )
    }
}
impl std::error::Error for CompileError {}

/// A compiled statement: its position in the set and its compiled body, whose parts are
/// shared between every set built from the same policy (see [`compiled_policy`]). The body is
/// stored inline (no extra indirection when evaluating).
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) policy: u32,
    body: StatementBody,
}

impl std::ops::Deref for CompiledStatement {
    type Target = StatementBody;
    #[inline(always)]
    fn deref(&self) -> &StatementBody {
        &self.body
    }
}

/// The compiled parts of a statement that do not depend on the set it is in (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct StatementBody {
    pub(crate) effect: Effect,
    pub(crate) index: u32,
    pub(crate) sid: Option<Arc<str>>,
    pub(crate) span: Span,
    pub(crate) not_action: bool,
    pub(crate) actions: Arc<[ActionPattern]>,
    pub(crate) not_resource: bool,
    /// `None` when the statement has no `Resource` element (it then applies to the resource
    /// the policy is attached to).
    pub(crate) resources: Option<Arc<[ResourcePattern]>>,
    pub(crate) principal: Option<Arc<PrincipalMatcher>>,
    pub(crate) conditions: Arc<[CompiledCondition]>,
    /// True when the statement has no `Principal` / `NotPrincipal`, no `Condition` and no
    /// policy variable in its resource patterns: once its action matched, only its resources
    /// decide ([`PolicySet::apply`] then skips the principal, condition and variable steps).
    pub(crate) plain: bool,
}

/// Name and type of one policy of a set.
#[derive(Debug, Clone)]
pub(crate) struct PolicyInfo {
    pub(crate) name: Option<Box<str>>,
}

/// An exact-name table: lower-cased names, each with the statements naming it, in
/// [`exact_order`].
type ExactTable = Vec<(Arc<str>, Arc<[u32]>)>;

/// The statements that can match one service prefix.
#[derive(Debug, Clone, Default)]
struct ServiceIndex {
    /// Lower-cased exact action names (in [`exact_order`]), each with the statements naming
    /// it. A statement is listed here only when all its patterns for the service are exact.
    exact: ExactTable,
    /// Statements with a wildcard name pattern for the service: `(statement, indices of its
    /// patterns for the service)`.
    wild: Vec<(u32, Arc<[u32]>)>,
}

/// Service prefix (lower-cased) → its index, sorted by prefix.
type Services = Vec<(Arc<str>, Arc<ServiceIndex>)>;

/// Service prefix → the offset to add to the statement numbers of its index (the index of a
/// service only one policy names is that policy's own), sorted by prefix.
type SetServices = Vec<(Arc<str>, u32, Arc<ServiceIndex>)>;

/// A service prefix of at most 16 bytes, ASCII-lower-cased and packed big-endian into two
/// words (zero-padded, so the integer order is the prefixes' byte order), with its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ServiceKey(u64, u64, u8);

impl ServiceKey {
    /// The key of `prefix`, `None` when it is longer than 16 bytes.
    #[inline]
    fn of(prefix: &str) -> Option<ServiceKey> {
        use crate::glob::{lower8, pack_be};
        let b = prefix.as_bytes();
        let len = u8::try_from(b.len()).ok().filter(|n| *n <= 16)?;
        let (hi, lo) = match b.split_first_chunk::<8>() {
            Some((head, rest)) => (u64::from_be_bytes(*head), pack_be(rest)),
            None => (pack_be(b), 0),
        };
        Some(ServiceKey(lower8(hi), lower8(lo), len))
    }

    /// [`ServiceKey::of`] of `text[..len]`, loading whole words of `text` (a request's
    /// action, whose service prefix is its first `len` bytes) and masking off the bytes past
    /// the prefix, instead of packing the prefix byte by byte.
    #[inline]
    fn of_head(text: &str, len: usize) -> Option<ServiceKey> {
        use crate::glob::{lower8, pack_be};
        let b = text.as_bytes();
        let n8 = u8::try_from(len).ok().filter(|n| *n <= 16)?;
        let word = |from: usize| -> u64 {
            let n = len.saturating_sub(from).min(8);
            if n == 0 {
                return 0;
            }
            let w = match b.get(from..).and_then(|r| r.first_chunk::<8>()) {
                Some(c) => u64::from_be_bytes(*c),
                None => return pack_be(b.get(from..len).unwrap_or_default()),
            };
            if n == 8 {
                w
            } else {
                w & !(u64::MAX >> (8 * n))
            }
        };
        Some(ServiceKey(lower8(word(0)), lower8(word(8)), n8))
    }
}

/// A request action split at its first colon, with the packed key of its service prefix
/// (`None` when the prefix is longer than 16 bytes): [`split_action`] and
/// [`ServiceKey::of_head`] in one step. When the colon is among the first eight bytes (nearly
/// every service prefix is at most seven bytes long), one word load finds it (SWAR: the colon
/// bytes of the word become set high bits) and the same word, masked past the prefix, is
/// the key's first half.
#[inline(always)]
fn split_action_key(action: &str) -> (Option<ServiceKey>, &str, &str) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const COLONS: u64 = 0x3a3a_3a3a_3a3a_3a3a;
    if let Some(head) = action.as_bytes().first_chunk::<8>() {
        let le = u64::from_le_bytes(*head);
        let y = le ^ COLONS;
        let mask = !(((y & LOW7) + LOW7) | y | LOW7);
        if mask != 0 {
            let i = (mask.trailing_zeros() / 8) as usize;
            if let (Some(service), Some(name)) = (action.get(..i), action.get(i + 1..)) {
                // i < 8: keep the first i bytes of the big-endian word.
                let be = u64::from_be_bytes(*head);
                let key_hi = if i == 0 {
                    0
                } else {
                    be & !(u64::MAX >> (8 * i))
                };
                let len = u8::try_from(i).unwrap_or(u8::MAX);
                let key = ServiceKey(crate::glob::lower8(key_hi), 0, len);
                return (Some(key), service, name);
            }
        }
    }
    let (service, name) = split_action(action);
    (ServiceKey::of_head(action, service.len()), service, name)
}

/// The order of the exact-name tables ([`ServiceIndex::exact`]): by length, then by bytes.
/// Looking a request's name up ([`cmp_exact_lowering`]) then settles most comparisons on the
/// length alone, and equal lengths compare whole words.
fn exact_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Sorts an exact-name table in [`exact_order`].
fn sort_exact(exact: &mut [(Arc<str>, Arc<[u32]>)]) {
    exact.sort_by(|a, b| exact_order(&a.0, &b.0));
}

/// [`exact_order`] of `stored` (lower-case) against the request's `name` ASCII-lower-cased on
/// the fly, without a lower-cased copy: lengths first, then big-endian words (the last word
/// of a name longer than eight bytes overlaps the previous one; the overlapped bytes are
/// equal by then, so the order is the bytes' order).
#[inline(always)]
fn cmp_exact_lowering(stored: &[u8], name: &[u8]) -> std::cmp::Ordering {
    use crate::glob::lower8;
    let n = stored.len();
    if n != name.len() {
        return n.cmp(&name.len());
    }
    if n < 8 {
        let (p, q) = (pack_short_be(stored), lower8(pack_short_be(name)));
        return p.cmp(&q);
    }
    let (mut x, mut y) = (stored, name);
    while let (Some((cx, rx)), Some((cy, ry))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        let (p, q) = (u64::from_be_bytes(*cx), lower8(u64::from_be_bytes(*cy)));
        if p != q {
            return p.cmp(&q);
        }
        x = rx;
        y = ry;
    }
    if x.is_empty() {
        return std::cmp::Ordering::Equal;
    }
    match (stored.last_chunk::<8>(), name.last_chunk::<8>()) {
        (Some(cx), Some(cy)) => u64::from_be_bytes(*cx).cmp(&lower8(u64::from_be_bytes(*cy))),
        _ => std::cmp::Ordering::Equal,
    }
}

/// The statements of the exact-name table entry for the request's action `name` (a binary
/// search in [`exact_order`], written out so that the comparison stays inline).
#[inline(always)]
fn find_exact<'x>(exact: &'x [(Arc<str>, Arc<[u32]>)], name: &str) -> Option<&'x [u32]> {
    let (mut lo, mut hi) = (0usize, exact.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let (k, ids) = exact.get(mid)?;
        match cmp_exact_lowering(k.as_bytes(), name.as_bytes()) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(ids),
        }
    }
    None
}

/// A text shorter than eight bytes as a big-endian word whose order, among texts of the same
/// length, is the texts' order: lengths 4-7 are the first four bytes then the last four
/// (overlapping), lengths 1-3 the first, middle and last byte (which are all the bytes, in
/// order).
#[inline(always)]
fn pack_short_be(t: &[u8]) -> u64 {
    let n = t.len();
    if let (Some(a), Some(b)) = (t.first_chunk::<4>(), t.last_chunk::<4>()) {
        return (u64::from(u32::from_be_bytes(*a)) << 32) | u64::from(u32::from_be_bytes(*b));
    }
    match (t.first(), t.get(n / 2), t.last()) {
        (Some(a), Some(b), Some(c)) => (u64::from(*a) << 16) | (u64::from(*b) << 8) | u64::from(*c),
        _ => 0,
    }
}

/// The exact-name tables of all the services of one policy as one table of whole lower-cased
/// actions (`service:name`) with their statements, in [`exact_order`] (see
/// [`PolicySet::flat`]): `None` when a statement must be checked for every action
/// (`generic`) or a service has wildcard name patterns. Built once per compiled policy (and
/// cached with it): one allocation per action text, the statement lists shared with the
/// per-service tables.
fn flat_exact(services: &Services, generic: &[u32]) -> Option<Arc<ExactTable>> {
    if !generic.is_empty() || services.iter().any(|(_, x)| !x.wild.is_empty()) {
        return None;
    }
    let count = services.iter().map(|(_, x)| x.exact.len()).sum();
    let mut flat: ExactTable = Vec::with_capacity(count);
    let mut buf = String::new();
    for (svc, x) in services {
        for (name, ids) in &x.exact {
            buf.clear();
            buf.push_str(svc);
            buf.push(':');
            buf.push_str(name);
            flat.push((Arc::from(buf.as_str()), Arc::clone(ids)));
        }
    }
    sort_exact(&mut flat);
    Some(Arc::new(flat))
}

/// The packed keys of the short prefixes of `services`, sorted.
fn short_service_keys(services: &SetServices) -> Vec<(ServiceKey, u32)> {
    let mut keys: Vec<(ServiceKey, u32)> = services
        .iter()
        .enumerate()
        .filter_map(|(i, (s, _, _))| Some((ServiceKey::of(s)?, u32::try_from(i).ok()?)))
        .collect();
    keys.sort_unstable();
    keys
}

/// The policies of one layer (or one SCP/RCP level), compiled.
#[derive(Debug, Clone)]
pub(crate) struct PolicySet {
    pub(crate) policies: Vec<PolicyInfo>,
    pub(crate) statements: Vec<CompiledStatement>,
    /// Sorted by lower-cased service prefix.
    services: SetServices,
    /// The prefixes of `services` of at most 16 bytes, packed ([`ServiceKey`]) and sorted,
    /// each with its position in `services`: the look-up of a request's prefix compares
    /// integers instead of strings.
    short_services: Vec<(ServiceKey, u32)>,
    /// Statements that must be checked for every action (`NotAction`, `*`, wildcard prefixes).
    generic: Vec<u32>,
    /// For a set of one policy whose statements all name their actions exactly (no
    /// `NotAction`, no wildcard in any action pattern): the exact-name tables of all its
    /// services as one table of whole lower-cased actions (`service:name`), shared with the
    /// compiled policy. A request's action is then looked up whole, without splitting it or
    /// finding its service first (the same statements as the per-service tables: a service
    /// prefix holds no colon, so `service:name` splits back at its first colon). Sets of
    /// several policies, and uncached policies of more than [`FLAT_UNCACHED_ACTIONS`]
    /// actions, use the per-service tables (building such a table for every engine would
    /// cost the analyses, which build an engine per principal, more than it saves them).
    flat: Option<Arc<ExactTable>>,
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
    /// The same policy when shared: its compiled form is then cached process-wide.
    pub(crate) shared: Option<&'p Arc<Policy>>,
}

/// One policy compiled on its own: statements and a service index with statement numbers
/// local to the policy. Sets are merged from these.
#[derive(Debug)]
pub(crate) struct CompiledPolicy {
    statements: Vec<StatementBody>,
    services: Services,
    generic: Vec<u32>,
    /// The whole-action table, when every statement names its actions exactly.
    flat: Option<Arc<ExactTable>>,
}

/// A statement that failed to compile: its index, the finding code, the message and where.
struct StatementError {
    statement: usize,
    code: &'static str,
    single_statement: bool,
    message: String,
    span: Span,
}

/// Validation's message for a resource-based statement without `Principal` / `NotPrincipal`
/// (iam-parser `validate/elements.rs`, code `MISSING_PRINCIPAL`); the conformance runners
/// check that both say the same, at the same position.
fn missing_principal_message(t: PolicyType) -> String {
    format!(
        "a {} policy statement must have a Principal",
        t.as_str().replace('_', " ")
    )
}

/// The finding code of a condition block that does not compile (the codes validation uses).
fn condition_error_code(c: &iam_model::Condition) -> &'static str {
    match &c.operator.value {
        iam_model::OperatorName::Unknown(_) => "INVALID_CONDITION_OPERATOR",
        iam_model::OperatorName::Known(op)
            if op.base == iam_model::BaseOperator::Null && op.if_exists =>
        {
            "NULL_WITH_IF_EXISTS"
        }
        iam_model::OperatorName::Known(_) => "TYPE_MISMATCH",
    }
}

impl CompiledPolicy {
    /// Compiles `policy`; with `flat`, also its whole-action table ([`flat_exact`]).
    fn compile(
        policy: &Policy,
        policy_type: PolicyType,
        flat: bool,
    ) -> Result<CompiledPolicy, StatementError> {
        let variables = policy.variables_enabled();
        let mut statements = Vec::with_capacity(policy.statements.len());
        for (si, st) in policy.statements.iter().enumerate() {
            let err = |code: &'static str, message: String| StatementError {
                statement: si,
                code,
                single_statement: policy.single_statement,
                message,
                span: st.span,
            };
            // Spec §1.7 (rev 3): a resource-based, trust or VPC endpoint policy statement must
            // name its principals. AWS would not have stored one without, so there is no AWS
            // answer to give; evaluating it as "applies to every caller" would silently grant.
            // Refuse it with validation's finding: same code, message and position (the
            // statement's start). A bare-string `Principal` other than "*" never gets here: the
            // parser refuses it (`INVALID_PRINCIPAL_FORMAT`). RCPs are left out: their only
            // valid principal is "*", which is what a statement without one would mean.
            if st.principal.is_none()
                && matches!(
                    policy_type,
                    PolicyType::Resource | PolicyType::Trust | PolicyType::VpcEndpoint
                )
            {
                return Err(StatementError {
                    span: Span::new(st.span.start, st.span.start),
                    ..err("MISSING_PRINCIPAL", missing_principal_message(policy_type))
                });
            }
            let actions: Arc<[ActionPattern]> =
                st.action.iter().map(ActionPattern::compile).collect();
            let resources = match &st.resource {
                None => None,
                Some(r) => Some(
                    r.iter()
                        .map(|t| ResourcePattern::compile(t, policy_type, variables))
                        .collect::<Result<Arc<[_]>, _>>()
                        .map_err(|m| err("UNSUPPORTED_RESOURCE_ARN", m))?,
                ),
            };
            let mut conds = Vec::new();
            for c in &st.conditions {
                conds.extend(
                    conditions::compile(c, variables).map_err(|m| StatementError {
                        span: c.span,
                        ..err(condition_error_code(c), m)
                    })?,
                );
            }
            let principal = st
                .principal
                .as_ref()
                .map(|p| Arc::new(PrincipalMatcher::compile(p)));
            let plain = principal.is_none()
                && conds.is_empty()
                && resources
                    .as_ref()
                    .is_none_or(|r| r.iter().all(|p| p.vars().is_empty()));
            statements.push(StatementBody {
                plain,
                effect: st.effect.value,
                index: u32::try_from(si).unwrap_or(u32::MAX),
                sid: st.sid_str().map(Into::into),
                span: st.span,
                not_action: st.action.negated,
                actions,
                not_resource: st.resource.as_ref().is_some_and(|r| r.negated),
                resources,
                principal,
                conditions: conds.into(),
            });
        }
        let (services, generic) = build_index(&statements);
        Ok(CompiledPolicy {
            flat: if flat {
                flat_exact(&services, &generic)
            } else {
                None
            },
            statements,
            services,
            generic,
        })
    }
}

/// The service index of a policy's statements.
fn build_index(statements: &[StatementBody]) -> (Services, Vec<u32>) {
    // service → (exact lower-cased name → statements, wildcard statements), both kept sorted
    // (sorted vectors: policies name few services, and no hashing).
    type Building<'s> = (Vec<(&'s str, Vec<u32>)>, Vec<(u32, Arc<[u32]>)>);
    let mut map: Vec<(&str, Building<'_>)> = Vec::new();
    let mut generic = Vec::new();
    let mut per: Vec<(&str, u32)> = Vec::new();
    for (i, st) in statements.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let is_generic = st.not_action
            || st.actions.iter().any(|a| {
                matches!(a, ActionPattern::All)
                    || (matches!(a, ActionPattern::Split { .. }) && a.literal_service().is_none())
            });
        if is_generic {
            generic.push(id);
            continue;
        }
        // (service, pattern index), grouped by service (stable: pattern order kept).
        per.clear();
        for (pi, a) in st.actions.iter().enumerate() {
            if let Some(svc) = a.literal_service() {
                per.push((svc, u32::try_from(pi).unwrap_or(u32::MAX)));
            }
        }
        per.sort_by(|a, b| a.0.cmp(b.0));
        let mut start = 0;
        while start < per.len() {
            let svc = per.get(start).map_or("", |x| x.0);
            let end = per
                .get(start..)
                .and_then(|r| r.iter().position(|x| x.0 != svc))
                .map_or(per.len(), |n| start + n);
            let group = per.get(start..end).unwrap_or_default();
            start = end;
            let at = match map.binary_search_by(|(k, _)| (*k).cmp(svc)) {
                Ok(at) => at,
                Err(at) => {
                    map.insert(at, (svc, Building::default()));
                    at
                }
            };
            let Some((_, entry)) = map.get_mut(at) else {
                continue;
            };
            let all_exact = group.iter().all(|(_, p)| {
                st.actions
                    .get(*p as usize)
                    .and_then(ActionPattern::exact_name)
                    .is_some()
            });
            if all_exact {
                for (_, p) in group {
                    let Some(n) = st
                        .actions
                        .get(*p as usize)
                        .and_then(ActionPattern::exact_name)
                    else {
                        continue;
                    };
                    let ids = match entry.0.binary_search_by(|(k, _)| (*k).cmp(n)) {
                        Ok(j) => entry.0.get_mut(j).map(|x| &mut x.1),
                        Err(j) => {
                            entry.0.insert(j, (n, Vec::new()));
                            entry.0.get_mut(j).map(|x| &mut x.1)
                        }
                    };
                    if let Some(ids) = ids {
                        if ids.last() != Some(&id) {
                            ids.push(id);
                        }
                    }
                }
            } else {
                entry.1.push((id, group.iter().map(|(_, p)| *p).collect()));
            }
        }
    }
    let services: Services = map
        .into_iter()
        .map(|(svc, (exact, wild))| {
            let mut exact: Vec<(Arc<str>, Arc<[u32]>)> = exact
                .into_iter()
                .map(|(n, ids)| (Arc::from(n), Arc::from(ids)))
                .collect();
            sort_exact(&mut exact);
            (Arc::from(svc), Arc::new(ServiceIndex { exact, wild }))
        })
        .collect();
    (services, generic)
}

/// Policies with fewer `Action` / `NotAction` entries than this are not cached.
const CACHE_FROM_ACTIONS: usize = 24;

/// A policy that is not cached gets a whole-action table ([`PolicySet::flat`]) when it has at
/// most this many `Action` entries (cached policies always get one: it is built once).
const FLAT_UNCACHED_ACTIONS: usize = 8;

/// How many compiled policies the process keeps (the map is emptied past it).
const CACHED_POLICIES: usize = 4096;

/// Compiled shared policies, keyed by address and policy type. Each entry holds its policy, so
/// the address cannot be reused by another policy while the entry lives; a shared policy is
/// never mutated (it would be copied first), so an equal key means an equal policy.
type PolicyCache = HashMap<(usize, PolicyType), (Arc<Policy>, Arc<CompiledPolicy>)>;

/// `policy` compiled, through the process-wide cache when it is shared.
fn compiled_policy(
    policy: &Policy,
    shared: Option<&Arc<Policy>>,
    policy_type: PolicyType,
) -> Result<Arc<CompiledPolicy>, StatementError> {
    static CACHE: OnceLock<Mutex<PolicyCache>> = OnceLock::new();
    static EMPTY: OnceLock<Arc<CompiledPolicy>> = OnceLock::new();
    if policy.statements.is_empty() {
        let empty = EMPTY.get_or_init(|| {
            Arc::new(CompiledPolicy {
                statements: Vec::new(),
                services: Vec::new(),
                generic: Vec::new(),
                flat: None,
            })
        });
        return Ok(Arc::clone(empty));
    }
    // Small policies compile faster than a cache look-up costs (and would crowd out the
    // large ones).
    let entries: usize = policy
        .statements
        .iter()
        .map(|s| s.action.values.len())
        .sum();
    let Some(shared) =
        shared.filter(|s| entries >= CACHE_FROM_ACTIONS && std::ptr::eq(Arc::as_ptr(s), policy))
    else {
        // The whole-action table costs an allocation per action: worth it when few are named
        // (a look-up then skips the service split); a larger policy compiled for every engine
        // (the analyses build one per principal) keeps the per-service tables.
        let flat = entries <= FLAT_UNCACHED_ACTIONS;
        return CompiledPolicy::compile(policy, policy_type, flat).map(Arc::new);
    };
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let lock = || {
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let key = (Arc::as_ptr(shared) as usize, policy_type);
    if let Some((_, c)) = lock().get(&key) {
        return Ok(Arc::clone(c));
    }
    let c = Arc::new(CompiledPolicy::compile(policy, policy_type, true)?);
    let mut map = lock();
    if map.len() >= CACHED_POLICIES {
        map.clear();
    }
    map.insert(key, (Arc::clone(shared), Arc::clone(&c)));
    Ok(c)
}

impl PolicySet {
    pub(crate) fn compile(
        layer: &str,
        policy_type: PolicyType,
        sources: &[Source<'_>],
    ) -> Result<PolicySet, CompileError> {
        let mut parts = Vec::with_capacity(sources.len());
        for (pi, src) in sources.iter().enumerate() {
            let c =
                compiled_policy(src.policy, src.shared, policy_type).map_err(|e| CompileError {
                    code: e.code,
                    layer: layer.to_string(),
                    policy: pi,
                    statement: e.statement,
                    single_statement: e.single_statement,
                    message: e.message,
                    span: e.span,
                })?;
            parts.push(c);
        }
        Ok(PolicySet::merge(sources, &parts))
    }

    /// One set from its compiled policies (statement numbers offset by policy).
    fn merge(sources: &[Source<'_>], parts: &[Arc<CompiledPolicy>]) -> PolicySet {
        let total: usize = parts.iter().map(|p| p.statements.len()).sum();
        let mut statements = Vec::with_capacity(total);
        let mut generic = Vec::new();
        let mut offsets = Vec::with_capacity(parts.len());
        for (pi, part) in parts.iter().enumerate() {
            let off = u32::try_from(statements.len()).unwrap_or(u32::MAX);
            offsets.push(off);
            let policy = u32::try_from(pi).unwrap_or(u32::MAX);
            statements.extend(part.statements.iter().map(|b| CompiledStatement {
                policy,
                body: b.clone(),
            }));
            generic.extend(part.generic.iter().map(|g| g + off));
        }
        let services = match parts {
            [] => Vec::new(),
            [one] => one
                .services
                .iter()
                .map(|(s, x)| (Arc::clone(s), 0, Arc::clone(x)))
                .collect(),
            _ => merge_services(parts, &offsets),
        };
        PolicySet {
            flat: match parts {
                [one] => one.flat.clone(),
                _ => None,
            },
            short_services: short_service_keys(&services),
            policies: sources
                .iter()
                .map(|s| PolicyInfo {
                    name: s.name.map(Into::into),
                })
                .collect(),
            has_deny: statements.iter().any(|s| s.effect == Effect::Deny),
            principal_free: statements.iter().all(|s| s.principal.is_none()),
            statements,
            services,
            generic,
        }
    }
    /// True when the set holds no policy.
    pub(crate) fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The index of the service prefix `service`, whose packed key is `key` (`None` when the
    /// prefix is longer than 16 bytes).
    #[inline(always)]
    fn service(&self, key: Option<ServiceKey>, service: &str) -> Option<(u32, &ServiceIndex)> {
        if let Some(key) = key {
            // Prefixes of at most 16 bytes (nearly all): integer comparisons, a linear scan
            // for a few services.
            let keys = &self.short_services;
            let i = if keys.len() <= 8 {
                keys.iter().find(|(k, _)| *k == key).map(|(_, i)| *i)
            } else {
                keys.binary_search_by(|(k, _)| k.cmp(&key))
                    .ok()
                    .and_then(|j| keys.get(j))
                    .map(|(_, i)| *i)
            };
            return i
                .and_then(|i| self.services.get(i as usize))
                .map(|(_, off, x)| (*off, &**x));
        }
        self.long_service(service)
    }

    /// [`Self::service`] for a prefix longer than 16 bytes.
    #[cold]
    fn long_service(&self, service: &str) -> Option<(u32, &ServiceIndex)> {
        if self.services.len() <= 4 {
            // Few services: a linear scan (the prefixes are lower-cased).
            return self
                .services
                .iter()
                .find(|(s, _, _)| {
                    crate::glob::bytes_eq_ignore_ascii_case(s.as_bytes(), service.as_bytes())
                })
                .map(|(_, off, x)| (*off, &**x));
        }
        // The stored prefixes are lower-cased: lower the request's once into a stack buffer
        // and compare bytes (longer prefixes fall back to comparing case-insensitively).
        let mut buf = [0u8; 64];
        let found = match buf.get_mut(..service.len()) {
            Some(lowered) => {
                for (d, s) in lowered.iter_mut().zip(service.bytes()) {
                    *d = s.to_ascii_lowercase();
                }
                let lowered: &[u8] = lowered;
                self.services
                    .binary_search_by(|(s, _, _)| crate::glob::cmp_bytes(s.as_bytes(), lowered))
            }
            None => self
                .services
                .binary_search_by(|(s, _, _)| cmp_ignore_ascii_case(s, service)),
        };
        found
            .ok()
            .and_then(|i| self.services.get(i))
            .map(|(_, off, x)| (*off, &**x))
    }

    /// Whether an applicable Allow lets the set stop early (it cannot change to Deny and no
    /// stronger principal match can matter).
    #[inline(always)]
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
        let mut out = SetResult::NONE;
        // Only exact action names in the set: one look-up of the whole action (an action over
        // 128 bytes takes the per-service path below, whose long names compare by folding).
        if let Some(flat) = &self.flat
            && req.action.len() <= 128
        {
            for sid in find_exact(flat, req.action).unwrap_or_default() {
                let Some(st) = self.statements.get(*sid as usize) else {
                    continue;
                };
                if self.apply(st, layer, req, &mut out, t) && !T::ON {
                    return out;
                }
            }
            return out;
        }
        let (key, service, name) = split_action_key(req.action);
        if let Some((off, index)) = self.service(key, service) {
            // Exact names (stored lower-cased, in `exact_order`): a binary search comparing
            // with the request's name ASCII-lower-cased on the fly (action names are ASCII);
            // names longer than 128 bytes take the case-folding scan.
            if name.len() <= 128 {
                if let Some(ids) = find_exact(&index.exact, name) {
                    for sid in ids.iter() {
                        let Some(st) = self.statements.get((*sid + off) as usize) else {
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
                    for sid in ids.iter() {
                        let Some(st) = self.statements.get((*sid + off) as usize) else {
                            continue;
                        };
                        if self.apply(st, layer, req, &mut out, t) && !T::ON {
                            return out;
                        }
                    }
                }
            }
            for (sid, pats) in &index.wild {
                let Some(st) = self.statements.get((*sid + off) as usize) else {
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
    #[inline(always)]
    fn apply<'s, T: Tracer>(
        &self,
        st: &'s CompiledStatement,
        layer: Layer,
        req: &Request<'s>,
        out: &mut SetResult,
        t: &mut T,
    ) -> bool {
        if !st.plain {
            return self.apply_general(st, layer, req, out, t);
        }
        // A plain statement (no principal, condition or variable): what the general steps
        // below compute for it — `Principal` absent is a `Wildcard` match, no condition is
        // true — without them.
        if let Some(res) = &st.resources {
            let mut any = false;
            for r in res.iter() {
                if r.matches_plain(req.resource) {
                    any = true;
                    break;
                }
            }
            if any == st.not_resource {
                return false;
            }
        }
        t.applicable(layer, st, MatchStrength::Wildcard);
        self.fold(st.effect, MatchStrength::Wildcard, out)
    }

    /// Folds an applicable statement of `effect` into `out`; true when the verdict is settled.
    #[inline(always)]
    fn fold(&self, effect: Effect, strength: MatchStrength, out: &mut SetResult) -> bool {
        match effect {
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

    /// [`Self::apply`] for any statement (principal, resources with variables, conditions).
    #[inline(never)]
    fn apply_general<'s, T: Tracer>(
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
            // NotPrincipal (spec §5.9): the statement applies to every principal whose own ARN
            // is not listed, anonymous callers included — with `Deny` and (rev 3) with `Allow`
            // alike. The current NotPrincipal page calls `Allow` "not supported"; its earlier
            // revision says it "allows all principals except the one named", and a security
            // engine must not under-report access, so it grants like `"Principal": "*"`
            // (`Wildcard`: spec §5.3's "*" row). A principal with a permissions boundary is
            // never exempt: AWS documents this for `Deny` ("always deny any IAM principal that
            // has a permissions boundary attached"); for `Allow` AWS is silent, and the same
            // reading (the listed ARN does not cover such a principal) makes the grant apply —
            // the choice that never under-reports access.
            Some(pm) if pm.negated => {
                if req.principal.has_permissions_boundary()
                    || req.boundary_layer
                    || !pm.exempts(req.principal)
                {
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
        self.fold(st.effect, strength, out)
    }
}

/// Resolves a policy variable: the single value of its key, else its default (spec §4.3).
pub(crate) fn resolve_var<'t>(req: &Request<'t>, v: &'t VarRef) -> Option<&'t str> {
    req.lookup(&v.key)
        .and_then(|x| x.single())
        .or(v.default.as_deref())
}

/// The service indexes of several policies merged (statement numbers offset by policy); a
/// service only the first policy names keeps its index as is.
fn merge_services(parts: &[Arc<CompiledPolicy>], offsets: &[u32]) -> SetServices {
    let mut all: Vec<(&Arc<str>, usize, &Arc<ServiceIndex>)> = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        all.extend(part.services.iter().map(|(s, x)| (s, k, x)));
    }
    // Stable: contributions of one service stay in policy order.
    all.sort_by(|a, b| a.0.cmp(b.0));
    let mut out: SetServices = Vec::with_capacity(all.len());
    let mut start = 0;
    while start < all.len() {
        let svc = all.get(start).map(|x| x.0);
        let end = all
            .get(start..)
            .and_then(|r| r.iter().position(|x| Some(x.0) != svc))
            .map_or(all.len(), |n| start + n);
        let group = all.get(start..end).unwrap_or_default();
        start = end;
        let Some(svc) = svc else { break };
        let off = |k: usize| offsets.get(k).copied().unwrap_or(0);
        if let [(_, k, x)] = group {
            out.push((Arc::clone(svc), off(*k), Arc::clone(x)));
            continue;
        }
        let mut exact: Vec<(Arc<str>, Arc<[u32]>)> = Vec::new();
        let mut wild = Vec::new();
        {
            let mut names: std::collections::BTreeMap<&Arc<str>, Vec<u32>> =
                std::collections::BTreeMap::new();
            for (_, k, x) in group {
                let o = off(*k);
                for (n, ids) in &x.exact {
                    names
                        .entry(n)
                        .or_default()
                        .extend(ids.iter().map(|i| i + o));
                }
                wild.extend(x.wild.iter().map(|(i, p)| (i + o, Arc::clone(p))));
            }
            exact.extend(
                names
                    .into_iter()
                    .map(|(n, ids)| (Arc::clone(n), Arc::from(ids))),
            );
            sort_exact(&mut exact);
        }
        out.push((Arc::clone(svc), 0, Arc::new(ServiceIndex { exact, wild })));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::{ServiceKey, cmp_exact_lowering, exact_order, split_action, split_action_key};

    const WORDS: [&str; 24] = [
        "",
        "a",
        "A",
        "ab",
        "aB",
        "abc",
        "abd",
        "get",
        "GetItem",
        "getitem",
        "getobject",
        "GetObject",
        "getobjectacl",
        "GetObjectAcl",
        "listallmybuckets",
        "ListAllMyBuckets",
        "z",
        "Z",
        "abcdefgh",
        "ABCDEFGHI",
        "abcdefghijklmnopq",
        "ABCDEFGHIJKLMNOPQ",
        "x\u{e9}",
        "[@",
    ];

    // The look-up comparison is the table's order (`exact_order`) of the stored lower-case
    // name and the request's name lower-cased, for every length class (0-3, 4-7, 8, longer).
    #[test]
    fn cmp_exact_lowering_is_the_order_of_the_lowered_text() {
        for a in WORDS {
            let a = a.to_ascii_lowercase();
            for b in WORDS {
                assert_eq!(
                    cmp_exact_lowering(a.as_bytes(), b.as_bytes()),
                    exact_order(&a, &b.to_ascii_lowercase()),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    // The one-word split agrees with `split_action` + `ServiceKey::of_head` (colon in the
    // first word, later, absent; short actions; non-ASCII).
    #[test]
    fn split_action_key_agrees_with_split_action() {
        for action in [
            "s3:GetObject",
            "S3:getobject",
            ":GetObject",
            "s3:",
            "sts:x",
            "abcdefg:Name",
            "abcdefgh:Name",
            "dynamodb:GetItem",
            "elasticloadbalancing:DescribeLoadBalancers",
            "s3",
            "",
            "nocolonatall",
            "\u{e9}t\u{e9}:x",
            "a:b:c",
        ] {
            let (service, name) = split_action(action);
            assert_eq!(
                split_action_key(action),
                (ServiceKey::of_head(action, service.len()), service, name),
                "{action:?}"
            );
        }
    }

    /// `set` without its shortcuts: no whole-action table, every statement taken through the
    /// general `apply` steps.
    fn without_shortcuts(set: &super::PolicySet) -> super::PolicySet {
        let mut r = set.clone();
        r.flat = None;
        for st in r.statements.iter_mut() {
            st.body.plain = false;
        }
        r
    }

    // The whole-action table (`PolicySet::flat`) and the plain-statement step of `apply` give
    // what the per-service index and the general steps give: the same verdict and the same
    // applicable statements, in the same order, for one policy and for merged policies,
    // exact and wildcard actions, every resource pattern form, NotResource, Deny, and actions
    // in any case, without a colon, with a second colon or with a long service prefix.
    #[test]
    fn shortcuts_agree_with_the_general_path() {
        use crate::explain::{Layer, NoTrace, Recorder};
        use crate::request::{Principal, Request};
        use iam_model::PolicyType;
        let docs = [
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","sqs:SendMessage"],"Resource":"arn:aws:s3:::my-bucket/*"},
                {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::other/key","arn:aws:s3:::b/*/x?"]},
                {"Effect":"Deny","Action":"s3:GetObjectAcl","NotResource":"arn:aws:s3:::my-bucket/public/*"},
                {"Effect":"Allow","Action":["ElasticLoadBalancing:DescribeLoadBalancers","s3:Get:Object"],"Resource":"*"},
                {"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:*:111122223333:q"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/${aws:username}/*"},
                {"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
                {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::my-bucket/photos/cat.jpg"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":"arn:aws:s3:::my-bucket/*"},
                {"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}"#,
        ];
        let policies: Vec<iam_model::Policy> = docs
            .iter()
            .map(|d| iam_parser::parse_policy(d, PolicyType::Identity).unwrap())
            .collect();
        let source = |p| super::Source {
            name: None,
            policy: p,
            shared: None,
        };
        let sets: Vec<super::PolicySet> = [&[0][..], &[1], &[0, 1], &[2], &[0, 2]]
            .iter()
            .map(|ix| {
                let src: Vec<super::Source<'_>> =
                    ix.iter().map(|i| source(&policies[*i])).collect();
                super::PolicySet::compile("identity", PolicyType::Identity, &src).unwrap()
            })
            .collect();
        assert!(sets[0].flat.is_some() && sets[1].flat.is_some());
        assert!(sets[2].flat.is_none() && sets[3].flat.is_none());
        let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        let actions = [
            "s3:GetObject",
            "S3:GETOBJECT",
            "s3:getobjectacl",
            "s3:PutObject",
            "s3:Get:Object",
            "s3:get:object",
            "sqs:SendMessage",
            "ec2:RunInstances",
            "elasticloadbalancing:describeloadbalancers",
            "ELASTICLOADBALANCING:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancer",
            "s3",
            "s3getobject",
            "",
            ":GetObject",
            "iam:PassRole",
        ];
        let resources = [
            "arn:aws:s3:::my-bucket/photos/cat.jpg",
            "arn:aws:s3:::my-bucket/public/x",
            "arn:aws:s3:::my-bucket/alice/notes",
            "arn:aws:s3:::other/key",
            "arn:aws:s3:::b/k/xy",
            "arn:aws:sqs:us-east-1:111122223333:q",
            "*",
        ];
        for (n, set) in sets.iter().enumerate() {
            let reference = without_shortcuts(set);
            for action in actions {
                for resource in resources {
                    let req = Request::new(&alice, action, resource);
                    let what = format!("set {n}, {action:?} on {resource:?}");
                    assert_eq!(
                        set.evaluate(Layer::Identity, &req, &mut NoTrace),
                        reference.evaluate(Layer::Identity, &req, &mut NoTrace),
                        "{what}"
                    );
                    let (mut a, mut b) = (Recorder::default(), Recorder::default());
                    set.evaluate(Layer::Identity, &req, &mut a);
                    reference.evaluate(Layer::Identity, &req, &mut b);
                    assert_eq!(a.statements, b.statements, "{what}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn cmp_exact_lowering_agrees_everywhere(a in "[a-z0-9:@\\[]{0,20}", b in "[a-zA-Z0-9:@\\[]{0,20}") {
            proptest::prop_assert_eq!(
                cmp_exact_lowering(a.as_bytes(), b.as_bytes()),
                exact_order(&a, &b.to_ascii_lowercase())
            );
        }

        #[test]
        fn split_action_key_agrees_everywhere(action in "[a-zA-Z0-9:\u{e9}-]{0,24}") {
            let (service, name) = split_action(&action);
            proptest::prop_assert_eq!(
                split_action_key(&action),
                (ServiceKey::of_head(&action, service.len()), service, name)
            );
        }
    }

    // `of_head` (word loads, masked) gives the key `of` packs byte by byte, for prefixes
    // shorter and longer than a word, for short actions and for prefixes past 16 bytes.
    #[test]
    fn service_key_of_head_agrees_with_of() {
        for action in [
            "s3:GetObject",
            "S3:getobject",
            "s3",
            "s3:",
            ":x",
            "",
            "ec2:Run",
            "sts:AssumeRole",
            "dynamodb:GetItem",
            "elasticloadbalancing:DescribeLoadBalancers",
            "abcdefgh:x",
            "abcdefghi:x",
            "abcdefghijklmnop:x",
            "abcdefghijklmnopq:x",
            "aBcDeFgHiJkLmNoP",
            "é:x",
        ] {
            let service = action.split_once(':').map_or(action, |(s, _)| s);
            assert_eq!(
                ServiceKey::of_head(action, service.len()),
                ServiceKey::of(service),
                "{action:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn service_key_of_head_agrees_with_of_everywhere(action in "[a-zA-Z0-9:-]{0,30}") {
            let service = action.split_once(':').map_or(action.as_str(), |(s, _)| s);
            proptest::prop_assert_eq!(
                ServiceKey::of_head(&action, service.len()),
                ServiceKey::of(service)
            );
        }
    }
}
