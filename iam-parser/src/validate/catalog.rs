//! Checks that need the service catalog (spec §9; [`iam_model::catalog`]): unknown services,
//! actions and condition keys, resource ARNs no listed action works on, redundant actions, and
//! the condition-key type checks for service keys (the `aws:` keys are typed in
//! `conditions.rs`).
//!
//! Severity policy for "unknown name" findings. The catalog is a snapshot, and AWS's own
//! managed policies name retired services (`deepracer`, `mobilehub`), actions missing from the
//! data (`payments:GetPaymentAttempt`) and keys it lacks (`lakeformation:GlueARN`). So an
//! unknown name is an ERROR only when it is a near miss of a catalog name — at most two edits
//! away (one for names of four characters or less) and not merely a plural — which is what a
//! typo looks like; otherwise it is a WARNING that says the name is not in the bundled catalog.
//! Likewise the catalog-driven `MISSING_QUALIFIER` and resource checks are WARNINGs: the
//! catalog's typing and ARN templates are derived data that AWS's own policies sometimes
//! contradict.

use super::{Checks, StPath};
use crate::finding::Severity;
use iam_model::catalog::{Action, ActionRef, ArnPattern, Catalog, ConditionKeyType};
use iam_model::{BaseOperator, Effect, OperatorFamily, OperatorName, SetQualifier, Statement};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Looks up every concrete `service:Name` entry of the policy in the catalog at once
/// ([`Catalog::find_actions`]: the table reads of all entries overlap), leaving in `found` one
/// result per entry (`None` for other kinds of entries and for unknown services and actions).
pub(super) fn find_actions(entries: &[Entry<'_>], found: &mut Vec<Option<ActionRef>>) {
    let cat = Catalog::get();
    let queries = entries.iter().map(|e| match e.kind {
        Kind::Concrete => (e.svc, e.name),
        _ => ("", ""),
    });
    found.clear();
    cat.find_actions(queries, found);
}

/// The catalog index of the service prefix `svc`, remembering the last one found (a policy's
/// actions mostly come in runs of one service).
fn service_index(c: &mut Checks, cat: &Catalog, svc: &str) -> Option<usize> {
    match c.last_service {
        Some(i) if cat.services()[i].prefix.eq_ignore_ascii_case(svc) => Some(i),
        _ => {
            let i = cat.service_index(svc);
            if i.is_some() {
                c.last_service = i;
            }
            i
        }
    }
}

pub(super) fn check_statement(
    c: &mut Checks,
    st: &Statement,
    entries: &[Entry<'_>],
    found: &[Option<ActionRef>],
    path: &StPath,
) {
    let cat = Catalog::get();
    // Scratch buffers kept in `c` from one statement to the next.
    let mut known = std::mem::take(&mut c.known);
    known.clear();
    let all_known = actions(c, cat, st, entries, found, path, &mut known);
    redundant_actions(c, cat, st, entries, path);
    if all_known {
        resources(c, cat, st, path, &known);
    }
    c.known = known;
    conditions(c, cat, st, path);
}

/// A well-formed `service:name` entry (other entries get their findings in `resources.rs`),
/// by the rules as written ([`Entry::new`] takes a one-pass shortcut for plain ASCII): split at the first colon, no colon in the name, no
/// white space anywhere, a service prefix of letters, digits, `-`, `.`, `*` and `?`.
fn split_action_exact(s: &str) -> Option<(&str, &str)> {
    let (svc, name) = s.split_once(':')?;
    let ok = !svc.is_empty()
        && !name.is_empty()
        && !name.contains(':')
        && !s.chars().any(char::is_whitespace)
        && svc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?'));
    ok.then_some((svc, name))
}

pub(super) fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// Reports unknown services and actions. Returns the statement's actions when every entry is
/// a concrete action the catalog knows (what the resource checks need).
fn actions(
    c: &mut Checks,
    cat: &'static Catalog,
    st: &Statement,
    entries: &[Entry<'_>],
    found: &[Option<ActionRef>],
    path: &StPath,
    known: &mut Vec<ActionRef>,
) -> bool {
    let el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let mut all_known = !st.action.values.is_empty();
    for (i, (a, e)) in st.action.values.iter().zip(entries).enumerate() {
        let p = || {
            if st.action.values.len() == 1 {
                format!("{path}.{el}")
            } else {
                format!("{path}.{el}[{i}]")
            }
        };
        let s = a.value.as_str();
        if matches!(e.kind, Kind::Skip | Kind::All) {
            all_known = false;
            continue;
        }
        let (svc, name) = (e.svc, e.name);
        if e.svc_wild {
            all_known = false;
            continue;
        }
        let wild_name = e.kind == Kind::Pattern;
        if !wild_name && let Some(Some(r)) = found.get(i) {
            if all_known {
                known.push(*r);
            }
            continue;
        }
        all_known = false;
        let si = service_index(c, cat, svc);
        let Some(service) = si.and_then(|i| cat.services().get(i)) else {
            // Retired services recur in a policy: look each unknown prefix up once.
            let near = match c.near_services.iter().find(|(k, _)| k == svc) {
                Some(&(_, near)) => near,
                None => {
                    let near = near_miss(svc, cat.services().iter().map(|s| s.prefix));
                    c.near_services.push((svc.to_string(), near));
                    near
                }
            };
            let (sev, msg) = match near {
                Some(n) => (
                    Severity::Error,
                    format!("\"{svc}\" is not an AWS service prefix; did you mean \"{n}\"?"),
                ),
                None => (
                    Severity::Warning,
                    format!(
                        "the service prefix \"{svc}\" is not in the bundled service catalog (a retired or newer service, or a typo)"
                    ),
                ),
            };
            c.push("INVALID_SERVICE_IN_ACTION", sev, a.span, p(), msg);
            continue;
        };
        if wild_name {
            let mut run = actions_with_head(cat, si.unwrap_or(usize::MAX), name).1;
            // `Head*` (a final `*` the only wildcard) matches exactly the actions whose names
            // start with `Head`, which is the run: no glob needed.
            let matched = if literal_head(name).len() + 1 == name.len() && name.ends_with('*') {
                run.next().is_some()
            } else {
                run.any(|a| glob_ci(name, a.name))
            };
            if !matched {
                c.push(
                    "INVALID_ACTION",
                    Severity::Warning,
                    a.span,
                    p(),
                    format!(
                        "\"{s}\" matches no action of {} in the bundled service catalog",
                        service.prefix
                    ),
                );
            }
            continue;
        }
        let near = near_miss(name, service.actions.iter().map(|a| a.name));
        let (sev, msg) = match near {
            Some(n) => (
                Severity::Error,
                format!(
                    "\"{s}\" is not an action of {}; did you mean \"{}:{n}\"?",
                    service.prefix, service.prefix
                ),
            ),
            None => (
                Severity::Warning,
                format!(
                    "\"{s}\" is not in the bundled service catalog (a newer or retired action, or a typo)"
                ),
            ),
        };
        c.push("INVALID_ACTION", sev, a.span, p(), msg);
    }
    all_known
}

/// The text of a name pattern before its first wildcard.
fn literal_head(name: &str) -> &[u8] {
    let b = name.as_bytes();
    &b[..b
        .iter()
        .position(|&c| c == b'*' || c == b'?')
        .unwrap_or(b.len())]
}

/// True when the two patterns' services are the same literal prefix and one name's literal
/// head is a prefix of the other's (ignoring case), or when a service has a wildcard: else no
/// action matches both.
fn heads_compatible(a: &Entry<'_>, b: &Entry<'_>) -> bool {
    if has_wildcard(a.svc) || has_wildcard(b.svc) {
        return true;
    }
    let (ha, hb) = (literal_head(a.name), literal_head(b.name));
    let n = ha.len().min(hb.len());
    a.svc.eq_ignore_ascii_case(b.svc) && ha[..n].eq_ignore_ascii_case(&hb[..n])
}

/// IAM action matching of the pattern entry `p` against the concrete entry `a` (both sides
/// case-insensitive globs): a literal service prefix is a case-insensitive comparison, and a
/// `Head*` name (a final `*` its only wildcard) a case-insensitive prefix test.
fn pattern_matches_concrete(p: &Entry<'_>, a: &Entry<'_>) -> bool {
    let svc = if p.svc_wild {
        glob_ci(p.svc, a.svc)
    } else {
        p.svc.eq_ignore_ascii_case(a.svc)
    };
    if !svc {
        return false;
    }
    let head = literal_head(p.name);
    if head.len() + 1 == p.name.len() && p.name.ends_with('*') {
        a.name
            .as_bytes()
            .get(..head.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(head))
    } else {
        glob_ci(p.name, a.name)
    }
}

/// One `Action` entry as the redundancy check sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Not a well-formed action (other checks report it).
    Skip,
    /// `*`.
    All,
    /// A concrete `service:Name`.
    Concrete,
    /// A pattern (a wildcard somewhere).
    Pattern,
}

/// An `Action` entry: its kind and its two sides (empty for `Skip` and `All`).
pub(super) struct Entry<'a> {
    pub(super) kind: Kind,
    pub(super) svc: &'a str,
    name: &'a str,
    /// The service prefix has a wildcard (`*` or `?`).
    svc_wild: bool,
}

/// Byte classes for [`Entry::new`]'s one-pass split.
const B_COLON: u8 = 1;
const B_WILD: u8 = 2;
/// White space, control or non-ASCII (below 0x21 or at least 0x80): then the exact rules decide.
const B_ODD: u8 = 4;
/// Not allowed in a service prefix (letters, digits, `-`, `.`, `*`, `?`).
const B_BAD_SVC: u8 = 8;

static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b == b':' {
            c |= B_COLON;
        }
        if b == b'*' || b == b'?' {
            c |= B_WILD;
        }
        if b < 0x21 || b >= 0x80 {
            c |= B_ODD;
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?')) {
            c |= B_BAD_SVC;
        }
        t[i] = c;
        i += 1;
    }
    t
};

impl<'a> Entry<'a> {
    pub(super) fn new(s: &'a str) -> Entry<'a> {
        const SKIP: Entry<'static> = Entry {
            kind: Kind::Skip,
            svc: "",
            name: "",
            svc_wild: false,
        };
        if s == "*" {
            return Entry {
                kind: Kind::All,
                svc: "",
                name: "",
                svc_wild: false,
            };
        }
        // One pass over the bytes: the first colon, the classes seen on each side of it.
        let b = s.as_bytes();
        let mut i = 0;
        let mut left = 0u8;
        while let Some(&x) = b.get(i) {
            let c = BYTE_CLASS[x as usize];
            if c & B_COLON != 0 {
                break;
            }
            left |= c;
            i += 1;
        }
        let mut right = 0u8;
        for &x in b.get(i + 1..).unwrap_or_default() {
            right |= BYTE_CLASS[x as usize];
        }
        if (left | right) & B_ODD != 0 {
            return match split_action_exact(s) {
                None => SKIP,
                Some((svc, name)) => {
                    let svc_wild = has_wildcard(svc);
                    let kind = if svc_wild || has_wildcard(name) {
                        Kind::Pattern
                    } else {
                        Kind::Concrete
                    };
                    Entry {
                        kind,
                        svc,
                        name,
                        svc_wild,
                    }
                }
            };
        }
        // No colon, or a second one; an empty side; a bad service byte.
        if i >= b.len()
            || right & B_COLON != 0
            || i == 0
            || i + 1 == b.len()
            || left & B_BAD_SVC != 0
        {
            return SKIP;
        }
        let (svc, name) = (&s[..i], &s[i + 1..]);
        let svc_wild = left & B_WILD != 0;
        let kind = if (left | right) & B_WILD != 0 {
            Kind::Pattern
        } else {
            Kind::Concrete
        };
        Entry {
            kind,
            svc,
            name,
            svc_wild,
        }
    }
}

/// `REDUNDANT_ACTION`: an entry another entry of the same statement already covers (a
/// duplicate, `*`, a wildcard matching it, or a wildcard whose catalog expansion contains it).
///
/// Entry `i` is reported with the first entry `j` that covers it: an earlier entry equal to it
/// (ignoring case), else `*`, else a pattern matching it (a concrete `i`) or whose expansion
/// strictly contains its expansion, or equals it and comes first (a pattern `i`). Each kind of
/// cover is searched on its own (duplicates through a hash set), so a long list of concrete
/// actions costs no quadratic pass.
fn redundant_actions(
    c: &mut Checks,
    cat: &'static Catalog,
    st: &Statement,
    entries: &[Entry<'_>],
    path: &StPath,
) {
    let values = &st.action.values;
    if values.len() < 2 {
        return;
    }
    let el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let first_all = entries.iter().position(|e| e.kind == Kind::All);
    // (The index lists are buffers kept in `c` from one statement to the next.)
    let mut patterns = std::mem::take(&mut c.patterns);
    patterns.clear();
    patterns.extend((0..entries.len()).filter(|&j| entries[j].kind == Kind::Pattern));
    // Catalog expansions, needed only to compare two patterns: computed on first use.
    let mut expansions: Vec<Option<Expansion>> = (0..patterns.len()).map(|_| None).collect();
    // The first earlier entry equal to each entry, ignoring case.
    let mut earlier = std::mem::take(&mut c.earlier);
    earlier_equal(&mut c.dup_slots, values, entries, &mut earlier);
    let earlier_equal = &earlier;
    // A pattern can only cover an entry of its own service unless one of the two has a
    // wildcard in the service prefix; with many patterns, find the candidates by service.
    let by_service = (patterns.len() > 8).then(|| {
        let mut literal: HashMap<CiStr<'_>, Vec<usize>, BuildHasherDefault<FxHasher>> =
            HashMap::default();
        let mut wild = Vec::new();
        for (pk, &j) in patterns.iter().enumerate() {
            if has_wildcard(entries[j].svc) {
                wild.push(pk);
            } else {
                literal.entry(CiStr(entries[j].svc)).or_default().push(pk);
            }
        }
        (literal, wild)
    });
    let mut all_patterns = std::mem::take(&mut c.all_patterns);
    all_patterns.clear();
    all_patterns.extend(0..patterns.len());
    for (i, (a, mine)) in values.iter().zip(entries).enumerate() {
        if mine.kind == Kind::Skip {
            continue;
        }
        let s = a.value.as_str();
        let mut cover = earlier_equal[i];
        if mine.kind != Kind::All
            && let Some(j) = first_all
        {
            cover = Some(cover.map_or(j, |c| c.min(j)));
        }
        if matches!(mine.kind, Kind::Concrete | Kind::Pattern) {
            let mine_pos = patterns.binary_search(&i).ok();
            // Candidate patterns (positions in `patterns`), each list ascending.
            let lists: [&[usize]; 2] = match &by_service {
                Some((literal, wild)) if !has_wildcard(mine.svc) => [
                    literal.get(&CiStr(mine.svc)).map_or(&[][..], Vec::as_slice),
                    wild.as_slice(),
                ],
                _ => [all_patterns.as_slice(), &[]],
            };
            for &pk in lists.iter().flat_map(|l| l.iter()) {
                let j = patterns[pk];
                if cover.is_some_and(|c| c < j) {
                    continue;
                }
                if j == i || s.eq_ignore_ascii_case(&values[j].value) {
                    continue;
                }
                let theirs = &entries[j];
                let covered = match mine_pos {
                    // Concrete: IAM action matching of the pattern against it.
                    None => pattern_matches_concrete(theirs, mine),
                    // Expansions are disjoint when neither literal head of the names is a
                    // prefix of the other (ignoring case): then `i` is not covered.
                    Some(_) if !heads_compatible(mine, theirs) => false,
                    Some(mk) => {
                        for k in [mk, pk] {
                            if expansions[k].is_none() {
                                let e = &entries[patterns[k]];
                                expansions[k] = Some(expansion(cat, e.svc, e.name));
                            }
                        }
                        match (&expansions[mk], &expansions[pk]) {
                            (Some(m), Some(th)) => {
                                !m.is_empty()
                                    && m.len() <= th.len()
                                    && m.subset_of(th)
                                    && (m.len() < th.len() || j < i)
                            }
                            _ => false,
                        }
                    }
                };
                if covered {
                    cover = Some(cover.map_or(j, |c| c.min(j)));
                }
            }
        }
        if let Some(j) = cover {
            let t = values[j].value.as_str();
            let p = format!("{path}.{el}[{i}]");
            let msg = if s.eq_ignore_ascii_case(t) {
                format!("\"{s}\" is listed twice")
            } else {
                format!("\"{s}\" is already covered by \"{t}\" in the same statement")
            };
            c.push("REDUNDANT_ACTION", Severity::Suggestion, a.span, p, msg);
        }
    }
    c.patterns = patterns;
    c.all_patterns = all_patterns;
    c.earlier = earlier;
}

/// For each entry (not `Skip`), the first earlier entry with the same text ignoring ASCII case.
/// (The texts are read in place: no list of `&str` is collected.) Long lists go through an
/// open-addressing table of entry numbers (`slots`, kept in [`Checks`] from one statement to
/// the next: no allocation, no hash map of string keys).
fn earlier_equal(
    slots: &mut Vec<u32>,
    values: &[iam_model::Spanned<String>],
    entries: &[Entry<'_>],
    out: &mut Vec<Option<usize>>,
) {
    let texts = values;
    out.clear();
    out.resize(texts.len(), None);
    if texts.len() <= 8 {
        for i in 0..texts.len() {
            if entries[i].kind != Kind::Skip {
                out[i] = (0..i).find(|&j| texts[j].value.eq_ignore_ascii_case(&texts[i].value));
            }
        }
        return;
    }
    // A power of two at least twice the entries: a load of at most one half. A slot holds
    // 1 + the number of the first entry with its text, 0 when empty.
    let size = (texts.len() * 2).next_power_of_two();
    let mask = size - 1;
    slots.clear();
    slots.resize(size, 0);
    for (i, t) in texts.iter().enumerate() {
        if entries[i].kind == Kind::Skip {
            continue;
        }
        let text = t.value.as_str();
        let mut hasher = FxHasher::default();
        CiStr(text).hash(&mut hasher);
        // The high bits of the multiplicative hash are the well-mixed ones.
        let mut at = (hasher.finish() >> 32) as usize & mask;
        loop {
            let slot = slots[at];
            if slot == 0 {
                slots[at] = i as u32 + 1;
                break;
            }
            let j = slot as usize - 1;
            if texts[j].value.eq_ignore_ascii_case(text) {
                out[i] = Some(j);
                break;
            }
            at = (at + 1) & mask;
        }
    }
}

/// A string hashed and compared ignoring ASCII case.
#[derive(Clone, Copy)]
struct CiStr<'a>(&'a str);

impl PartialEq for CiStr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for CiStr<'_> {}

impl Hash for CiStr<'_> {
    /// The length and the lower-cased first and last eight bytes: consistent with `eq`, and
    /// enough to tell apart the names of one statement (equal hashes are compared in full).
    fn hash<H: Hasher>(&self, state: &mut H) {
        let b = self.0.as_bytes();
        let word = |s: &[u8]| {
            let mut w = [0u8; 8];
            w[..s.len()].copy_from_slice(s);
            lower_word(u64::from_le_bytes(w))
        };
        let n = b.len();
        state.write_u64(word(&b[..n.min(8)]) ^ (n as u64).rotate_left(40));
        state.write_u64(word(&b[n.saturating_sub(8)..]));
    }
}

/// ASCII lower-casing of eight bytes at once (the SWAR trick of `to_ascii_lowercase`).
#[inline]
fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGHS;
    let ge_a = low7.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let gt_z = low7.wrapping_add(ONES * u64::from(0x7f - b'Z'));
    let upper = (ge_a ^ gt_z) & !x & HIGHS;
    x | (upper >> 2)
}

/// FxHash (`rustc-hash`'s multiply-rotate hash) for the short-lived per-statement sets.
#[derive(Default)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The catalog actions a pattern matches, as sorted distinct ids `service index << 16 |
/// action index`: a contiguous run of ids for a `service:Head*` pattern (the actions sharing a
/// literal head are contiguous in catalog order), else a list.
enum Expansion {
    Run(u32, u32),
    List(Vec<u32>),
}

impl Expansion {
    fn len(&self) -> usize {
        match self {
            Expansion::Run(lo, hi) => (hi - lo) as usize,
            Expansion::List(v) => v.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `self ⊆ other` (for a non-empty `self`).
    fn subset_of(&self, other: &Expansion) -> bool {
        match (self, other) {
            (Expansion::Run(lo, hi), Expansion::Run(olo, ohi)) => lo >= olo && hi <= ohi,
            (Expansion::List(v), Expansion::Run(olo, ohi)) => {
                v.first().is_some_and(|f| f >= olo) && v.last().is_some_and(|l| l < ohi)
            }
            // Sorted distinct ids: the run is in the list iff the list holds its first id and,
            // `len - 1` places later, its last.
            (Expansion::Run(lo, hi), Expansion::List(v)) => match v.binary_search(lo) {
                Ok(p) => v.get(p + (hi - lo) as usize - 1) == Some(&(hi - 1)),
                Err(_) => false,
            },
            (Expansion::List(m), Expansion::List(th)) => {
                m.iter().all(|x| th.binary_search(x).is_ok())
            }
        }
    }
}

/// The catalog actions a pattern matches ([`Catalog::matching`]'s semantics).
fn expansion(cat: &'static Catalog, svc: &str, name: &str) -> Expansion {
    let services = cat.services();
    let nb = name.as_bytes();
    let first_wild = nb.iter().position(|&c| c == b'*' || c == b'?');
    if !has_wildcard(svc) && first_wild == Some(nb.len() - 1) && nb[nb.len() - 1] == b'*' {
        // `service:Head*`: exactly the actions whose names start with `Head`.
        // (The service by its case-insensitive hash: the catalog's prefixes are distinct
        // ignoring case, so this is the service a binary search would find.)
        let Some(si) = cat.service_index(svc) else {
            return Expansion::List(Vec::new());
        };
        let run = cat.actions_with_prefix(si, &name[..name.len() - 1]);
        let base = (si as u32) << 16;
        return Expansion::Run(base | run.start as u32, base | run.end as u32);
    }
    let range = if has_wildcard(svc) {
        0..services.len()
    } else {
        match cat.service_index(svc) {
            Some(i) => i..i + 1,
            None => 0..0,
        }
    };
    let mut out = Vec::new();
    for si in range {
        let s = &services[si];
        if !glob_ci(svc, s.prefix) {
            continue;
        }
        let (from, run) = actions_with_head(cat, si, name);
        // The text after the last wildcard must end the name: a cheap test before the glob.
        let last_wild = nb.iter().rposition(|&c| c == b'*' || c == b'?');
        let tail = &nb[last_wild.map_or(0, |k| k + 1)..];
        // With `*` as the only wildcard, the run already starts with the literal head and the
        // tail test checks the literal tail: what is left is to find the middle parts in order,
        // each at its leftmost place, between the two.
        let star_only = match (first_wild, last_wild) {
            (Some(f), Some(l)) if !nb.contains(&b'?') => Some((f, &nb[f + 1..l.max(f + 1)])),
            _ => None,
        };
        for (k, a) in run.enumerate() {
            let ab = a.name.as_bytes();
            let ends =
                ab.len() >= tail.len() && ab[ab.len() - tail.len()..].eq_ignore_ascii_case(tail);
            let matches = ends
                && match star_only {
                    Some((head, middle)) => {
                        ab.len() >= head + tail.len()
                            && middle_parts_in(middle, &ab[head..ab.len() - tail.len()])
                    }
                    None => glob_ci(name, a.name),
                };
            if matches {
                out.push(((si as u32) << 16) | (from + k) as u32);
            }
        }
    }
    Expansion::List(out)
}

/// True when the `*`-separated literal parts of `middle` occur in `text` in order, without
/// overlapping, ignoring ASCII case (the middle of a `*`-only glob between its head and tail).
fn middle_parts_in(middle: &[u8], text: &[u8]) -> bool {
    let mut rest = text;
    for part in middle.split(|&c| c == b'*').filter(|p| !p.is_empty()) {
        let Some(first) = part.first().map(u8::to_ascii_lowercase) else {
            continue;
        };
        // The first byte in either case, compared as is (no lower-casing per byte scanned).
        let first_upper = first.to_ascii_uppercase();
        let mut found = None;
        let mut i = 0;
        while i + part.len() <= rest.len() {
            if (rest[i] == first || rest[i] == first_upper)
                && rest[i..i + part.len()].eq_ignore_ascii_case(part)
            {
                found = Some(i);
                break;
            }
            i += 1;
        }
        match found {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The actions of `s` whose names start with the literal head of the name pattern `pattern`
/// (the text before its first wildcard), ignoring case: only those can match it. Actions are
/// sorted by lower-cased name, so they are a contiguous run, found by binary search.
/// Returns the index of the first of them and the run.
fn actions_with_head(
    cat: &'static Catalog,
    si: usize,
    pattern: &str,
) -> (usize, std::slice::Iter<'static, Action>) {
    let head = &pattern[..pattern
        .bytes()
        .position(|b| b == b'*' || b == b'?')
        .unwrap_or(pattern.len())];
    let run = cat.actions_with_prefix(si, head);
    let actions = cat.services().get(si).map_or(&[][..], |s| &s.actions[..]);
    (run.start, actions.get(run).unwrap_or_default().iter())
}

fn glob_ci(pattern: &str, text: &str) -> bool {
    iam_model::glob_ci(pattern, text)
}

/// Resource checks for a statement whose actions are all concrete and known.
fn resources(
    c: &mut Checks,
    cat: &'static Catalog,
    st: &Statement,
    path: &StPath,
    known: &[ActionRef],
) {
    if st.action.negated || !matches!(st.effect.value, Effect::Allow | Effect::Deny) {
        return;
    }
    let Some(res) = &st.resource else { return };
    if res.negated || res.values.is_empty() || res.iter().any(|r| r == "*") {
        return;
    }
    // Actions that support only "Resource": "*" never match a statement naming specific ARNs.
    // `known` holds one action per entry, in order.
    let at = |r: ActionRef| cat.action_at(r);
    for (i, (a, &r)) in st.action.values.iter().zip(known).enumerate() {
        if !r.supports_resource_level()
            && let Some((_, action)) = at(r)
        {
            let p = if st.action.values.len() == 1 {
                format!("{path}.Action")
            } else {
                format!("{path}.Action[{i}]")
            };
            c.push(
                "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
                Severity::Warning,
                a.span,
                p,
                format!("{} does not support resource-level permissions: only \"Resource\": \"*\" grants it, so this statement never applies to it", action.full_name()),
            );
        }
    }
    let with_types = || {
        known
            .iter()
            .filter(|r| r.supports_resource_level())
            .filter_map(|&r| at(r))
    };
    if !known.iter().any(|r| r.supports_resource_level()) {
        return;
    }
    // The distinct resource types of those actions (many actions share a type), gathered
    // lazily: most statements name no ARN that needs them.
    let mut types = std::mem::take(&mut c.types);
    types.clear();
    let mut gathered = false;
    for (i, r) in res.values.iter().enumerate() {
        let s = r.value.as_str();
        if super::has_variable(s) || !s.starts_with("arn:") {
            continue;
        }
        // Six fields, and a service field without wildcards (short ARNs and wildcard services
        // are the ARN checks' business).
        let Some(arn) = ArnPattern::new(s) else {
            continue;
        };
        if arn.field(2).is_none_or(has_wildcard) {
            continue;
        }
        if !gathered {
            // (Indices from the packed catalog arrays: the `Action` records stay unread.)
            let mut ids = std::mem::take(&mut c.type_ids);
            ids.clear();
            ids.extend(
                known
                    .iter()
                    .filter(|r| r.supports_resource_level())
                    .flat_map(|&r| {
                        let svc = r.service_index();
                        cat.resource_type_indices(r).iter().map(move |&t| (svc, t))
                    }),
            );
            ids.sort_unstable();
            ids.dedup();
            types.extend(
                ids.iter().filter_map(|&(s, t)| {
                    cat.services().get(s)?.resource_types.get(usize::from(t))
                }),
            );
            c.type_ids = ids;
            gathered = true;
        }
        let matched = types.iter().any(|rt| rt.matches_pattern(&arn));
        if !matched {
            let p = if res.values.len() == 1 {
                format!("{path}.Resource")
            } else {
                format!("{path}.Resource[{i}]")
            };
            let n = with_types().count();
            let names: Vec<String> = with_types().take(4).map(|(_, a)| a.full_name()).collect();
            let more = if n > 4 { ", ..." } else { "" };
            c.push(
                "UNSUPPORTED_RESOURCE_ARN",
                Severity::Warning,
                r.span,
                p,
                format!(
                    "\"{s}\" matches none of the resource types of the statement's actions ({}{more}), so it grants or denies nothing",
                    names.join(", ")
                ),
            );
        }
    }
    c.types = types;
}

fn conditions(c: &mut Checks, cat: &'static Catalog, st: &Statement, path: &StPath) {
    for cond in &st.conditions {
        let OperatorName::Known(op) = &cond.operator.value else {
            continue;
        };
        for e in &cond.entries {
            let key = e.key.value.as_str();
            let p = || format!("{path}.Condition.{}.{key}", cond.operator.value);
            let Some((prefix, name)) = key.split_once(':') else {
                continue;
            };
            if prefix.is_empty() || name.is_empty() {
                continue; // INVALID_CONDITION_KEY_FORMAT
            }
            if prefix.eq_ignore_ascii_case("aws") {
                // Compared ignoring ASCII case in place: no lower-cased copy per key.
                let is = |k: &str| key.eq_ignore_ascii_case(k);
                let bare_tag = is("aws:resourcetag")
                    || is("aws:requesttag")
                    || is("aws:principaltag")
                    || key
                        .as_bytes()
                        .last_chunk::<4>()
                        .is_some_and(|t| t.eq_ignore_ascii_case(b"tag/"));
                if bare_tag || is("aws:arn") || cat.condition_key(key).is_some() {
                    continue; // typed and checked in conditions.rs
                }
                let near = near_miss(
                    key,
                    cat.global_condition_keys()
                        .iter()
                        .map(|k| k.name.split('/').next().unwrap_or(k.name)),
                );
                let (sev, msg) = match near {
                    Some(n) => (
                        Severity::Error,
                        format!("\"{key}\" is not a global condition key; did you mean \"{n}\"?"),
                    ),
                    None => (
                        Severity::Warning,
                        format!(
                            "\"{key}\" is not a global condition key this catalog knows (a newer key, or a typo)"
                        ),
                    ),
                };
                c.push("INVALID_GLOBAL_CONDITION_KEY", sev, e.key.span, p(), msg);
                continue;
            }
            let Some(k) = cat.condition_key(key) else {
                if prefix.contains(['.', '/']) {
                    continue; // OIDC/SAML provider keys (`oidc.eks...:sub`) are open-ended
                }
                let near = near_miss(key, cat.condition_keys_with_prefix(prefix).map(|k| k.name));
                let (sev, msg) = match near {
                    Some(n) => (
                        Severity::Error,
                        format!(
                            "\"{key}\" is not a condition key of {prefix}; did you mean \"{n}\"?"
                        ),
                    ),
                    None if cat.service(prefix).is_none()
                        && !cat.has_condition_key_prefix(prefix) =>
                    {
                        (
                            Severity::Warning,
                            format!(
                                "\"{prefix}\" is not a service prefix in the bundled catalog, so \"{key}\" is unknown"
                            ),
                        )
                    }
                    None => (
                        Severity::Warning,
                        format!(
                            "\"{key}\" is not in the bundled service catalog (a newer key, or a typo)"
                        ),
                    ),
                };
                c.push("INVALID_SERVICE_CONDITION_KEY", sev, e.key.span, p(), msg);
                continue;
            };
            if op.base == BaseOperator::Null {
                continue;
            }
            let t = k.key_type;
            if t.is_multi_valued() && op.qualifier.is_none() {
                c.push(
                    "MISSING_QUALIFIER",
                    Severity::Warning,
                    e.key.span,
                    p(),
                    format!("\"{key}\" is multi-valued ({t} in the service catalog): use ForAllValues:{0} or ForAnyValue:{0}", op.base),
                );
            }
            if !t.is_multi_valued() && op.qualifier == Some(SetQualifier::ForAllValues) {
                c.push(
                    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                    Severity::SecurityWarning,
                    e.key.span,
                    p(),
                    format!("ForAllValues with the single-valued key \"{key}\" ({t}) is true when the key is absent; use {} (and a Null check if needed)", op.base),
                );
            }
            let family = op.base.family();
            let compatible = match t.element() {
                ConditionKeyType::Arn => {
                    matches!(family, OperatorFamily::Arn | OperatorFamily::String)
                }
                ConditionKeyType::String => family == OperatorFamily::String,
                ConditionKeyType::Numeric => family == OperatorFamily::Numeric,
                ConditionKeyType::Date => family == OperatorFamily::Date,
                ConditionKeyType::Bool => family == OperatorFamily::Bool,
                ConditionKeyType::IpAddress => family == OperatorFamily::Ip,
                ConditionKeyType::Binary => family == OperatorFamily::Binary,
                _ => true,
            };
            if !compatible {
                c.push(
                    "TYPE_MISMATCH",
                    Severity::Warning,
                    e.key.span,
                    p(),
                    format!(
                        "\"{key}\" is of type {t}, but {} compares {family:?} values",
                        op.base
                    ),
                );
            }
        }
    }
}

/// The catalog name closest to `name` when it is a near miss (see the module docs), or `None`.
///
/// Compared ignoring ASCII case without lower-cased copies; candidates whose length rules
/// them out are skipped before any distance is computed, and distances stop as soon as they
/// exceed the cap.
fn near_miss<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let nb = name.as_bytes();
    let cap = if nb.len() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    let nh = histogram(nb);
    // `x` is `y` plus a final `s`, ignoring case.
    let plural_of = |x: &[u8], y: &[u8]| {
        x.len() == y.len() + 1
            && x.last().is_some_and(|c| c.eq_ignore_ascii_case(&b's'))
            && x[..y.len()].eq_ignore_ascii_case(y)
    };
    for cand in candidates {
        let cb = cand.as_bytes();
        if cb.len().abs_diff(nb.len()) > cap || cb.eq_ignore_ascii_case(nb) {
            continue;
        }
        if plural_of(cb, nb) || plural_of(nb, cb) {
            return None;
        }
        // A substitution changes the letter counts by 2 at most, an insertion or deletion by
        // 1, a transposition not at all: more than 2 * cap apart, the distance exceeds cap.
        if hist_gap(&nh, cb) > 2 * cap {
            continue;
        }
        let d = distance_within(nb, cb, cap);
        if d <= cap && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, n)| n)
}

/// Counts of the bytes of `b` by their low five bits (so ASCII letters count case-blind).
fn histogram(b: &[u8]) -> [i16; 32] {
    let mut h = [0i16; 32];
    for &c in b {
        h[usize::from(c & 31)] += 1;
    }
    h
}

/// The L1 distance between `h` and the histogram of `b` (a lower bound of twice the edit
/// distance: merging byte values into one bin only lowers it).
fn hist_gap(h: &[i16; 32], b: &[u8]) -> usize {
    let mut d = *h;
    for &c in b {
        d[usize::from(c & 31)] -= 1;
    }
    d.iter().map(|x| x.unsigned_abs() as usize).sum()
}

/// [`distance`] ignoring ASCII case, or any value above `cap` once the distance is sure to
/// exceed it (two consecutive rows above the cap: every later cell derives from them).
fn distance_within(a: &[u8], b: &[u8], cap: usize) -> usize {
    const W: usize = 64;
    let w = b.len() + 1;
    if w > W {
        return distance(&a.to_ascii_lowercase(), &b.to_ascii_lowercase());
    }
    let eq = |x: u8, y: u8| x.eq_ignore_ascii_case(&y);
    let (mut r0, mut r1, mut r2) = ([0usize; W], [0usize; W], [0usize; W]);
    for (j, slot) in r1.iter_mut().take(w).enumerate() {
        *slot = j;
    }
    let mut prev_min = 0;
    for i in 1..=a.len() {
        r2[0] = i;
        let mut row_min = i;
        for j in 1..w {
            let cost = usize::from(!eq(a[i - 1], b[j - 1]));
            let mut v = (r1[j] + 1).min(r2[j - 1] + 1).min(r1[j - 1] + cost);
            if i > 1 && j > 1 && eq(a[i - 1], b[j - 2]) && eq(a[i - 2], b[j - 1]) {
                v = v.min(r0[j - 2] + 1);
            }
            r2[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap && prev_min > cap {
            return cap + 1;
        }
        prev_min = row_min;
        std::mem::swap(&mut r0, &mut r1);
        std::mem::swap(&mut r1, &mut r2);
    }
    r1[w - 1]
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, slot) in d.iter_mut().step_by(w).enumerate() {
        *slot = i;
    }
    for (j, slot) in d.iter_mut().take(w).enumerate() {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance(b"getobject", b"getobjcet"), 1);
        assert_eq!(distance(b"abc", b"abc"), 0);
        assert_eq!(distance(b"", b"ab"), 2);
        assert_eq!(distance(b"kitten", b"sitting"), 3);
        for (a, b) in [
            ("getobject", "GetObjcet"),
            ("kitten", "sitting"),
            ("ab", "ba"),
            ("", "ab"),
            ("s3", "sqs"),
            ("abcdef", "ghijkl"),
        ] {
            let exact = distance(
                a.to_ascii_lowercase().as_bytes(),
                b.to_ascii_lowercase().as_bytes(),
            );
            for cap in 0..4 {
                let d = distance_within(a.as_bytes(), b.as_bytes(), cap);
                assert!(
                    if exact <= cap { d == exact } else { d > cap },
                    "{a} {b} {cap}"
                );
            }
        }
    }

    #[test]
    fn near_misses() {
        let names = ["GetObject", "PutObject", "ListBucket"];
        assert_eq!(
            near_miss("GetObjcet", names.iter().copied()),
            Some("GetObject")
        );
        assert_eq!(
            near_miss("ListBuckets", names.iter().copied()),
            None,
            "a plural is not a typo"
        );
        assert_eq!(near_miss("DescribeThings", names.iter().copied()), None);
        assert_eq!(near_miss("s4", ["s3", "sqs"].into_iter()), Some("s3"));
    }
}
