//! Validation in one pass, all findings at once (spec §9): the grammar findings of
//! [`crate::read_policy`] plus the element, ARN, variable, condition, size and security checks
//! that need no service catalog, and the checks against the bundled service catalog
//! (`catalog.rs`).

mod catalog;
mod conditions;
mod elements;
mod exposure;
mod resources;
mod security;
mod size;
mod variables;

use crate::finding::{Finding, LineIndex, Severity};
use crate::json::ParseOptions;
use crate::policy::{StatementInfo, read_policy_recovering};
use iam_model::{PolicyType, Span};

/// Validates a policy document as `policy_type`, returning every finding, sorted by position.
///
/// Never fails: a document that is not JSON yields a `JSON_SYNTAX_ERROR` finding. Errors in
/// one element or statement do not hide the others: the reader recovers at element and
/// statement level and every statement it could read is checked (issue #9). A document that is
/// recognisably something else ([`crate::document_kind`]: empty, an account snapshot, an AWS
/// response wrapping a policy) yields one `NOT_A_POLICY_DOCUMENT` finding naming what it is
/// (and where the policy is inside it).
///
/// ```
/// use iam_model::PolicyType;
/// let f = iam_parser::validate("{\"Statement\": [", PolicyType::Identity);
/// assert_eq!(f[0].code, "JSON_SYNTAX_ERROR");
/// ```
pub fn validate(text: &str, policy_type: PolicyType) -> Vec<Finding> {
    validate_with(text, policy_type, ValidateOptions::default())
}

/// Which groups of checks [`validate_with`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateOptions {
    /// Run the checks against the bundled service catalog (unknown services, actions and
    /// condition keys, resource types, redundant actions). On by default; off gives the
    /// self-contained grammar, element, ARN, variable, condition, size and security checks
    /// only — for editors and pre-commit hooks that validate on every keystroke.
    pub catalog: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions { catalog: true }
    }
}

/// [`validate`] with a choice of check groups.
///
/// ```
/// use iam_model::PolicyType;
/// use iam_parser::{validate_with, ValidateOptions};
/// let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}}"#;
/// assert!(validate_with(text, PolicyType::Identity, ValidateOptions::default()).iter().any(|f| f.code == "INVALID_ACTION"));
/// assert!(validate_with(text, PolicyType::Identity, ValidateOptions { catalog: false }).is_empty());
/// ```
pub fn validate_with(
    text: &str,
    policy_type: PolicyType,
    options: ValidateOptions,
) -> Vec<Finding> {
    validate_impl(text, policy_type, options, None)
}

/// [`validate`] of a resource-based or trust policy whose owner is the account `account_id`
/// (12 digits): adds the cross-account exposure finding `CROSS_ACCOUNT_ACCESS`
/// (SECURITY_WARNING) for an `Allow` to principals of *other* accounts without a restricting
/// condition (see the `exposure` module). Other policy types: the same as [`validate`].
///
/// ```
/// use iam_model::PolicyType;
/// let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}"#;
/// let f = iam_parser::validate_for_account(trust, PolicyType::Trust, "111122223333");
/// assert!(f.iter().any(|f| f.code == "CROSS_ACCOUNT_ACCESS"));
/// let f = iam_parser::validate_for_account(trust, PolicyType::Trust, "444455556666");
/// assert!(!f.iter().any(|f| f.code == "CROSS_ACCOUNT_ACCESS"));
/// ```
pub fn validate_for_account(text: &str, policy_type: PolicyType, account_id: &str) -> Vec<Finding> {
    validate_impl(
        text,
        policy_type,
        ValidateOptions::default(),
        Some(account_id),
    )
}

fn validate_impl(
    text: &str,
    policy_type: PolicyType,
    options: ValidateOptions,
    account_id: Option<&str>,
) -> Vec<Finding> {
    // The fast path when the document has no grammar finding, else the exact path, which
    // keeps every statement it can read after an error so that all of them are checked
    // (issue #9: every finding in one pass).
    let (policy, findings, infos, ascii) = match crate::fast::read_ascii(text, ParseOptions::POLICY)
    {
        Some((policy, ascii)) => (Some(policy), Vec::new(), Vec::new(), Some(ascii)),
        None => {
            if let Some(f) = crate::kind::not_a_policy(text) {
                return vec![f];
            }
            let r = read_policy_recovering(
                text,
                policy_type,
                ParseOptions::POLICY,
                &LineIndex::new(text),
            );
            (r.policy, r.findings, r.info, None)
        }
    };
    // The per-document buffers of the checks, kept on this thread from one document to the next.
    let mut scratch = SCRATCH.take();
    let mut out = Checks {
        findings,
        policy_type,
        near_services: Vec::new(),
        known: std::mem::take(&mut scratch.known),
        last_service: None,
        types: std::mem::take(&mut scratch.types),
        type_ids: std::mem::take(&mut scratch.type_ids),
        dup_slots: std::mem::take(&mut scratch.dup_slots),
        patterns: std::mem::take(&mut scratch.patterns),
        all_patterns: std::mem::take(&mut scratch.all_patterns),
        earlier: std::mem::take(&mut scratch.earlier),
    };
    if let Some(policy) = &policy {
        size::check(&mut out, text, ascii.unwrap_or_else(|| text.is_ascii()));
        // Without a `$` in the text (nor a `\` that could escape one) no value holds a policy
        // variable, and the variable checks have nothing to report.
        let variables = may_hold_variable(text);
        elements::check(&mut out, policy, &infos);
        // Each Action entry is split once, for the format and the catalog checks (one buffer
        // for all statements: `entries[bounds[i]..bounds[i + 1]]` are statement i's).
        // (`Vec` is covariant: the kept `Entry<'static>` buffer serves for this text's entries.)
        let mut entries: Vec<catalog::Entry<'_>> = std::mem::take(&mut scratch.entries);
        entries.clear();
        let mut bounds = std::mem::take(&mut scratch.bounds);
        bounds.clear();
        bounds.push(0);
        for st in &policy.statements {
            entries.extend(
                st.action
                    .values
                    .iter()
                    .map(|v| catalog::Entry::new(&v.value)),
            );
            bounds.push(entries.len());
        }
        let paths = |i: usize| StPath {
            single: policy.single_statement,
            index: info(&infos, i).index,
        };
        let of = |i: usize| &entries[bounds[i]..bounds[i + 1]];
        // One group of checks at a time over all statements, not every check per statement:
        // each check's code stays in the instruction cache across the statements. Findings of
        // one statement are pushed in the same relative order either way, and the stable sort
        // below keeps that order among findings at the same position.
        for (i, st) in policy.statements.iter().enumerate() {
            resources::check_statement(&mut out, policy, st, of(i), &paths(i));
        }
        if variables {
            for (i, st) in policy.statements.iter().enumerate() {
                variables::check_statement(&mut out, policy, st, &paths(i));
            }
        }
        for (i, st) in policy.statements.iter().enumerate() {
            conditions::check_statement(&mut out, st, &paths(i));
        }
        for (i, st) in policy.statements.iter().enumerate() {
            security::check_statement(&mut out, st, &paths(i));
        }
        exposure::check_policy(&mut out, policy, &paths);
        if let Some(account) = account_id {
            exposure::check_cross_account(&mut out, policy, &paths, account);
        }
        if options.catalog {
            let mut found = std::mem::take(&mut scratch.found);
            catalog::find_actions(&entries, &mut found);
            for (i, st) in policy.statements.iter().enumerate() {
                let found = &found[bounds[i]..bounds[i + 1]];
                catalog::check_statement(&mut out, st, of(i), found, &paths(i));
            }
            scratch.found = kept(found);
        }
        scratch.bounds = kept(bounds);
        // Back to `'static` for the next document: an empty `Vec` collected in place keeps its
        // allocation (same size and alignment) and holds nothing borrowed from this text.
        let mut entries = kept(entries);
        entries.clear();
        // (`filter` would keep the borrowed item type; the point is to change it.)
        #[allow(clippy::unnecessary_filter_map)]
        let empty: Vec<catalog::Entry<'static>> =
            entries.into_iter().filter_map(|_| None).collect();
        scratch.entries = empty;
    }
    scratch.known = kept(out.known);
    scratch.types = kept(out.types);
    scratch.type_ids = kept(out.type_ids);
    scratch.dup_slots = kept(out.dup_slots);
    scratch.patterns = kept(out.patterns);
    scratch.all_patterns = kept(out.all_patterns);
    scratch.earlier = kept(out.earlier);
    SCRATCH.set(scratch);
    // The AST's strings and lists serve the next document read on this thread (`recycle.rs`).
    if let Some(policy) = policy {
        crate::recycle::recycle(policy);
    }
    let mut findings = out.findings;
    findings.sort_by(|a, b| {
        a.span
            .start
            .offset
            .cmp(&b.span.start.offset)
            .then(a.severity.cmp(&b.severity))
    });
    findings
}

/// The largest buffer (in items) [`Scratch`] keeps from one document for the next.
const KEEP_ITEMS: usize = 4096;

/// `v` emptied, or a new `Vec` when `v` grew past [`KEEP_ITEMS`] (an unusually large document).
fn kept<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() > KEEP_ITEMS {
        return Vec::new();
    }
    v.clear();
    v
}

/// Buffers of [`validate_impl`] and of [`Checks`] kept on a thread from one document to the
/// next (each would otherwise be allocated and freed per document).
struct Scratch {
    entries: Vec<catalog::Entry<'static>>,
    bounds: Vec<usize>,
    found: Vec<Option<iam_model::catalog::ActionRef>>,
    known: Vec<iam_model::catalog::ActionRef>,
    types: Vec<&'static iam_model::catalog::ResourceType>,
    type_ids: Vec<(usize, u16)>,
    dup_slots: Vec<u32>,
    patterns: Vec<usize>,
    all_patterns: Vec<usize>,
    earlier: Vec<Option<usize>>,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            entries: Vec::new(),
            bounds: Vec::new(),
            found: Vec::new(),
            known: Vec::new(),
            types: Vec::new(),
            type_ids: Vec::new(),
            dup_slots: Vec::new(),
            patterns: Vec::new(),
            all_patterns: Vec::new(),
            earlier: Vec::new(),
        }
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = const { std::cell::Cell::new(Scratch::new()) };
}

/// The [`StatementInfo`] of the `i`-th statement of the AST: `infos` is empty on the fast path,
/// where every statement was read cleanly.
pub(crate) fn info(infos: &[StatementInfo], i: usize) -> StatementInfo {
    infos.get(i).copied().unwrap_or(StatementInfo::clean(i))
}

pub(crate) struct Checks {
    pub(crate) findings: Vec<Finding>,
    pub(crate) policy_type: PolicyType,
    /// Unknown service prefixes already looked up, with their near miss (`catalog.rs`).
    pub(crate) near_services: Vec<(String, Option<&'static str>)>,
    /// Scratch of `catalog.rs`, reused from one statement to the next: the statement's
    /// catalog actions.
    pub(crate) known: Vec<iam_model::catalog::ActionRef>,
    /// The index of the last service `catalog.rs` looked up (a policy's actions mostly
    /// name one or two services).
    pub(crate) last_service: Option<usize>,
    /// Scratch of `catalog.rs`: the distinct resource types of the statement's actions.
    pub(crate) types: Vec<&'static iam_model::catalog::ResourceType>,
    /// Scratch of `catalog.rs`: `(service index, resource type index)` pairs.
    pub(crate) type_ids: Vec<(usize, u16)>,
    /// Scratch of `catalog.rs`: the open-addressing table of its duplicate-action search.
    pub(crate) dup_slots: Vec<u32>,
    /// Scratch of `catalog.rs`: the entry numbers of a statement's action patterns.
    pub(crate) patterns: Vec<usize>,
    /// Scratch of `catalog.rs`: `0..patterns.len()`.
    pub(crate) all_patterns: Vec<usize>,
    /// Scratch of `catalog.rs`: each entry's first earlier equal entry.
    pub(crate) earlier: Vec<Option<usize>>,
}

impl Checks {
    pub(crate) fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        span: Span,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            code,
            severity,
            message: message.into(),
            path: path.into(),
            span,
        });
    }
}

/// The JSON path of a statement (`Statement` or `Statement[i]`), rendered only when a
/// finding needs it.
pub use exposure::RESTRICTING_KEYS;

pub(crate) struct StPath {
    pub(crate) single: bool,
    pub(crate) index: usize,
}

impl std::fmt::Display for StPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.single {
            f.write_str("Statement")
        } else {
            write!(f, "Statement[{}]", self.index)
        }
    }
}

/// True when `text` with its `${...}` variables removed (so `${*}` is not taken for a
/// wildcard; an unclosed `${` drops the rest) contains `c`. Allocates nothing.
pub(crate) fn contains_outside_variables(text: &str, c: u8) -> bool {
    let mut rest = text.as_bytes();
    if !rest.contains(&c) {
        return false;
    }
    loop {
        let var = rest.windows(2).position(|w| w == b"${");
        let plain = &rest[..var.unwrap_or(rest.len())];
        if plain.contains(&c) {
            return true;
        }
        let Some(i) = var else { return false };
        match rest[i..].iter().position(|&b| b == b'}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => return false,
        }
    }
}

/// True when `text` has a `$` or a `\\` byte: one pass, 32 bytes at a time with a branch-free
/// inner loop that the compiler turns into vector compares (two `memchr` scans cost ≈ 1.7
/// instructions per byte of the corpus).
fn may_hold_variable(text: &str) -> bool {
    let b = text.as_bytes();
    let mut chunks = b.chunks_exact(32);
    for chunk in &mut chunks {
        let hit = chunk
            .iter()
            .fold(0u8, |h, &x| h | u8::from(x == b'$') | u8::from(x == b'\\'));
        if hit != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&x| x == b'$' || x == b'\\')
}

/// `text.contains("${")`: eight bytes at a time for a `$`, then a look at the next byte.
#[inline]
pub(crate) fn has_variable(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b'$'));
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            break; // a `$` in this word (or a false alarm): look byte by byte from here
        }
        i += 8;
    }
    b[i..]
        .iter()
        .enumerate()
        .any(|(k, &c)| c == b'$' && b.get(i + k + 1) == Some(&b'{'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn may_hold_variable_finds_a_dollar_or_backslash_anywhere() {
        for len in 0..100 {
            let plain = "a".repeat(len);
            assert!(!super::may_hold_variable(&plain), "{len}");
            for pos in 0..len {
                for c in ['$', '\\'] {
                    let mut s = plain.clone();
                    s.replace_range(pos..=pos, &c.to_string());
                    assert!(super::may_hold_variable(&s), "{s}");
                }
            }
        }
    }
}
