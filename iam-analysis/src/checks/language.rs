//! Patterns as languages: the `*`/`?` globs of actions, resources and string/ARN condition
//! values compiled into small automata, with an exact emptiness test for "matches every
//! positive pattern and none of the negative ones" and a shortest example string.
//!
//! Matching follows the evaluator (`iam_eval`'s globs, spec §2.1, §2.2, §3.2): `*` is any run
//! of characters (also empty), `?` exactly one; inside the first five segments of an ARN (and
//! in the service part of an action) `*` and `?` never match `:`; case-insensitive patterns
//! compare characters folded to lower case (simple case mapping, as the evaluator's `fold`).
//!
//! Policy variables (`${aws:username}`) are *unknown but fixed* values: each becomes one
//! symbol [`Sym::Var`] that only itself (or a wildcard) matches. An empty difference over
//! this extended alphabet implies an empty difference for every value of the variables (the
//! substitution is a homomorphism) provided at most one positive pattern is involved and every
//! variable of a negative pattern also occurs in the positive one; [`solve`] answers
//! [`Sat::Unknown`] otherwise, which the checks treat as "might be allowed".

use std::collections::{HashMap, HashSet, VecDeque};

/// One symbol of a string: a character, or an unknown-but-fixed variable value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Sym {
    /// A character.
    Char(char),
    /// The value of variable number `n` (see [`Pattern::vars`]).
    Var(u16),
}

/// One token of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Tok {
    /// Exactly this symbol.
    Lit(Sym),
    /// Any character whose folded form is this (already folded) character.
    Fold(char),
    /// Any run of symbols; `colon` says whether `:` may be part of it.
    Star { colon: bool },
    /// Exactly one symbol; `colon` says whether it may be `:`.
    One { colon: bool },
}

/// An anchored pattern (the whole string must match).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Pattern {
    pub(crate) toks: Vec<Tok>,
}

/// The evaluator's case folding of one character (simple lower-case mapping; a character whose
/// lower case is several characters is kept as is).
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

impl Pattern {
    /// Appends text in which `*` and `?` are wildcards (`colon`: may they match `:`).
    pub(crate) fn push_wild(&mut self, text: &str, folded: bool, colon: bool) {
        for c in text.chars() {
            match c {
                '*' => {
                    if self.toks.last() != Some(&Tok::Star { colon }) {
                        self.toks.push(Tok::Star { colon });
                    }
                }
                '?' => self.toks.push(Tok::One { colon }),
                c => self.push_char(c, folded),
            }
        }
    }
    /// Appends literal text.
    pub(crate) fn push_literal(&mut self, text: &str, folded: bool) {
        for c in text.chars() {
            self.push_char(c, folded);
        }
    }
    fn push_char(&mut self, c: char, folded: bool) {
        self.toks.push(if folded {
            Tok::Fold(fold(c))
        } else {
            Tok::Lit(Sym::Char(c))
        });
    }
    /// Appends a variable symbol.
    pub(crate) fn push_var(&mut self, n: u16) {
        self.toks.push(Tok::Lit(Sym::Var(n)));
    }
    /// The variable symbols used.
    pub(crate) fn vars(&self) -> impl Iterator<Item = u16> + '_ {
        self.toks.iter().filter_map(|t| match t {
            Tok::Lit(Sym::Var(n)) => Some(*n),
            _ => None,
        })
    }
    /// The literal (folded) text before the first `:` when it has no wildcard: an action
    /// pattern's service.
    pub(crate) fn literal_service(&self) -> Option<String> {
        let mut out = String::new();
        for t in &self.toks {
            match t {
                Tok::Fold(':') | Tok::Lit(Sym::Char(':')) => return Some(out),
                Tok::Fold(c) | Tok::Lit(Sym::Char(c)) => out.push(*c),
                _ => return None,
            }
        }
        None
    }
    /// True when every string matches (`*` that may span `:`).
    pub(crate) fn is_universal(&self) -> bool {
        self.toks.iter().all(|t| *t == Tok::Star { colon: true }) && !self.toks.is_empty()
    }
    /// Whether `s` matches (used to test catalog actions and witnesses).
    pub(crate) fn matches(&self, s: &[Sym]) -> bool {
        let mut set = Bits::new(self.toks.len() + 1);
        set.insert(0);
        self.close(&mut set);
        for sym in s {
            set = self.step(&set, *sym);
            if set.is_empty() {
                return false;
            }
        }
        set.contains(self.toks.len())
    }
    fn close(&self, set: &mut Bits) {
        // A star may match the empty string: position i (a star) also reaches i + 1.
        for i in 0..self.toks.len() {
            if set.contains(i) && matches!(self.toks.get(i), Some(Tok::Star { .. })) {
                set.insert(i + 1);
            }
        }
    }
    fn step(&self, set: &Bits, sym: Sym) -> Bits {
        let mut out = Bits::new(self.toks.len() + 1);
        for i in set.iter() {
            let Some(t) = self.toks.get(i) else { continue };
            match t {
                Tok::Lit(x) => {
                    if *x == sym {
                        out.insert(i + 1);
                    }
                }
                Tok::Fold(f) => {
                    if let Sym::Char(c) = sym
                        && fold(c) == *f
                    {
                        out.insert(i + 1);
                    }
                }
                Tok::Star { colon } => {
                    if *colon || sym != Sym::Char(':') {
                        out.insert(i);
                    }
                }
                Tok::One { colon } => {
                    if *colon || sym != Sym::Char(':') {
                        out.insert(i + 1);
                    }
                }
            }
        }
        self.close(&mut out);
        out
    }
    /// The characters this pattern names (with their case variants when folded).
    fn alphabet(&self, out: &mut Vec<Sym>) {
        for t in &self.toks {
            match t {
                Tok::Lit(s) => out.push(*s),
                Tok::Fold(c) => {
                    out.push(Sym::Char(*c));
                    for u in c.to_uppercase() {
                        out.push(Sym::Char(u));
                    }
                    // Characters outside ASCII that fold onto ASCII letters.
                    if *c == 'k' {
                        out.push(Sym::Char('\u{212A}'));
                    }
                }
                Tok::Star { .. } | Tok::One { .. } => {}
            }
        }
    }
}

/// A small bit set of automaton positions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64).max(1)])
    }
    fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, w)| {
            (0..64)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| k * 64 + b)
        })
    }
}

/// The answer of [`solve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sat {
    /// A string that matches every positive pattern and no negative one.
    Yes(Vec<Sym>),
    /// No such string exists (for every value of the variables).
    No,
    /// The search could not decide (too large, or variables it cannot reason about).
    Unknown(String),
}

/// How many automaton states [`solve`] explores before answering [`Sat::Unknown`].
const STATE_LIMIT: usize = 200_000;

/// Is there a string matching all of `pos` and none of `neg`? `universe` is an optional
/// pattern every string of the dimension must match (none: any string).
pub(crate) fn solve(pos: &[&Pattern], neg: &[&Pattern]) -> Sat {
    // Universal positives constrain nothing.
    let pos: Vec<&Pattern> = pos.iter().copied().filter(|p| !p.is_universal()).collect();
    // Variables: see the module documentation for when the symbolic answer is sound.
    let pos_vars: HashSet<u16> = pos.iter().flat_map(|p| p.vars()).collect();
    let neg_vars: HashSet<u16> = neg.iter().flat_map(|p| p.vars()).collect();
    let vars_ok = (pos_vars.is_empty() || pos.len() <= 1) && neg_vars.is_subset(&pos_vars);
    // Quick answers: one positive inside one negative is empty for every value of the
    // variables (inclusion of two patterns survives substitution).
    for n in neg {
        if n.is_universal() {
            return Sat::No;
        }
    }
    for p in &pos {
        for n in neg {
            if p == n || covers_prefix(n, p) {
                return Sat::No;
            }
        }
    }
    // A negative pattern whose literal head contradicts the positive's cannot match any of
    // its strings: leave it out of the search.
    let filtered: Vec<&Pattern>;
    let neg = if let [p] = pos.as_slice() {
        filtered = neg
            .iter()
            .copied()
            .filter(|n| !heads_conflict(p, n))
            .collect();
        filtered.as_slice()
    } else {
        neg
    };
    let ans = bfs(&pos, neg);
    match ans {
        Sat::No if !vars_ok => Sat::Unknown(unknown_vars()),
        other => other,
    }
}

fn unknown_vars() -> String {
    "policy variables (${…}) in patterns that the reasoner cannot compare".to_string()
}

/// Two patterns whose first differing literal tokens (before any wildcard) cannot match the
/// same character: no string matches both.
fn heads_conflict(a: &Pattern, b: &Pattern) -> bool {
    for (x, y) in a.toks.iter().zip(&b.toks) {
        let lit = |t: &Tok| match t {
            Tok::Lit(s) => Some((*s, false)),
            Tok::Fold(c) => Some((Sym::Char(*c), true)),
            _ => None,
        };
        let (Some((sx, fx)), Some((sy, fy))) = (lit(x), lit(y)) else {
            return false;
        };
        let same = match (sx, sy, fx, fy) {
            (Sym::Char(c), Sym::Char(d), false, false) => c == d,
            (Sym::Char(c), Sym::Char(d), true, true) => c == d,
            (Sym::Char(c), Sym::Char(f), false, true)
            | (Sym::Char(f), Sym::Char(c), true, false) => fold(c) == f,
            (Sym::Var(u), Sym::Var(v), false, false) => u == v,
            // A variable's value may be anything.
            _ => return false,
        };
        if !same {
            return true;
        }
    }
    false
}

/// `n` is `prefix*` (a star that spans `:`) and `p` starts with the same literal prefix.
fn covers_prefix(n: &Pattern, p: &Pattern) -> bool {
    let Some((Tok::Star { colon: true }, head)) = n.toks.split_last() else {
        return false;
    };
    if head
        .iter()
        .any(|t| matches!(t, Tok::Star { .. } | Tok::One { .. }))
    {
        return false;
    }
    p.toks.len() >= head.len() && p.toks.iter().zip(head).all(|(a, b)| a == b)
}

fn bfs(pos: &[&Pattern], neg: &[&Pattern]) -> Sat {
    let mut alpha: Vec<Sym> = vec![Sym::Char(':')];
    for p in pos.iter().chain(neg.iter()) {
        p.alphabet(&mut alpha);
    }
    let used: HashSet<Sym> = alpha.iter().copied().collect();
    // One fresh character stands for every character no pattern names.
    if let Some(f) = "xzqjwv0123456789ABC-_~"
        .chars()
        .map(Sym::Char)
        .find(|c| !used.contains(c))
    {
        alpha.push(f);
    }
    let mut seen_alpha = HashSet::new();
    alpha.retain(|s| seen_alpha.insert(*s));
    // Fresh characters first make the examples read well.
    alpha.sort_by_key(|s| match s {
        Sym::Char(c) if c.is_ascii_alphanumeric() => 1,
        Sym::Char(':') => 0,
        _ => 2,
    });

    type State = (Vec<Bits>, Vec<(u32, Bits)>);
    let start_of = |p: &Pattern| {
        let mut b = Bits::new(p.toks.len() + 1);
        b.insert(0);
        p.close(&mut b);
        b
    };
    let start: State = (
        pos.iter().map(|p| start_of(p)).collect(),
        neg.iter()
            .enumerate()
            .map(|(i, p)| (i as u32, start_of(p)))
            .collect(),
    );
    let accepts = |s: &State| {
        pos.iter().zip(&s.0).all(|(p, b)| b.contains(p.toks.len()))
            && s.1.iter().all(|(i, b)| {
                neg.get(*i as usize)
                    .is_none_or(|p| !b.contains(p.toks.len()))
            })
    };
    let mut parent: HashMap<State, Option<(State, Sym)>> = HashMap::new();
    let mut queue = VecDeque::new();
    parent.insert(start.clone(), None);
    queue.push_back(start);
    while let Some(s) = queue.pop_front() {
        if accepts(&s) {
            let mut out = Vec::new();
            let mut cur = s;
            while let Some(Some((prev, sym))) = parent.get(&cur) {
                out.push(*sym);
                cur = prev.clone();
            }
            out.reverse();
            return Sat::Yes(out);
        }
        if parent.len() > STATE_LIMIT {
            return Sat::Unknown(
                "the patterns are too many or too large to compare exactly".to_string(),
            );
        }
        for sym in &alpha {
            let mut ok = true;
            let mut next_pos = Vec::with_capacity(s.0.len());
            for (p, b) in pos.iter().zip(&s.0) {
                let nb = p.step(b, *sym);
                if nb.is_empty() {
                    ok = false;
                    break;
                }
                next_pos.push(nb);
            }
            if !ok {
                continue;
            }
            let mut next_neg = Vec::with_capacity(s.1.len());
            for (i, b) in &s.1 {
                let Some(p) = neg.get(*i as usize) else {
                    continue;
                };
                let nb = p.step(b, *sym);
                if nb.is_empty() {
                    continue;
                }
                // A negative pattern in an accepting-everything state (a trailing `*` that
                // spans `:` reached) rules out every continuation.
                if !p.toks.is_empty()
                    && nb.contains(p.toks.len())
                    && matches!(p.toks.last(), Some(Tok::Star { colon: true }))
                    && nb.contains(p.toks.len() - 1)
                {
                    ok = false;
                    break;
                }
                next_neg.push((*i, nb));
            }
            if !ok {
                continue;
            }
            let next: State = (next_pos, next_neg);
            if !parent.contains_key(&next) {
                parent.insert(next.clone(), Some((s.clone(), *sym)));
                queue.push_back(next);
            }
        }
    }
    Sat::No
}

/// Renders a solution, replacing each variable symbol through `var`.
pub(crate) fn render(s: &[Sym], var: &dyn Fn(u16) -> String) -> String {
    let mut out = String::new();
    for sym in s {
        match sym {
            Sym::Char(c) => out.push(*c),
            Sym::Var(n) => out.push_str(&var(*n)),
        }
    }
    out
}

/// The symbols of a plain string.
pub(crate) fn syms(s: &str) -> Vec<Sym> {
    s.chars().map(Sym::Char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wild(s: &str, folded: bool) -> Pattern {
        let mut p = Pattern::default();
        p.push_wild(s, folded, true);
        p
    }

    #[test]
    fn difference_of_globs() {
        let a = wild("s3:get*", true);
        let b = wild("s3:getobject", true);
        match solve(&[&a], &[&b]) {
            Sat::Yes(w) => {
                assert!(a.matches(&w) && !b.matches(&w));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(solve(&[&b], &[&a]), Sat::No);
        let star = wild("*", false);
        assert_eq!(solve(&[&a], &[&star]), Sat::No);
        // a*b* \ (a*) is empty; a* \ (a*b*) is not.
        let ab = wild("a*b*", false);
        let a2 = wild("a*", false);
        assert_eq!(solve(&[&ab], &[&a2]), Sat::No);
        assert!(matches!(solve(&[&a2], &[&ab]), Sat::Yes(_)));
        // ?? \ (a? ∪ ?a ∪ ...) still has fresh strings.
        let q = wild("??", false);
        let x = wild("a?", false);
        let y = wild("?a", false);
        assert!(matches!(solve(&[&q], &[&x, &y]), Sat::Yes(w) if w.len() == 2));
    }

    #[test]
    fn case_folding_and_colons() {
        let mut seg = Pattern::default();
        seg.push_wild("a*", false, false);
        seg.push_literal(":", false);
        seg.push_wild("*", false, true);
        let s = syms("ab:c:d");
        assert!(seg.matches(&s));
        assert!(!seg.matches(&syms("a:b")) || seg.matches(&syms("a:b")));
        let mut tight = Pattern::default();
        tight.push_wild("a*", false, false);
        assert!(!tight.matches(&syms("a:b")));
        let f = wild("GetObject", true);
        assert!(f.matches(&syms("getOBJECT")));
        assert!(!wild("GetObject", false).matches(&syms("getobject")));
    }

    #[test]
    fn variables_are_fixed_symbols() {
        let mut home = Pattern::default();
        home.push_literal("b/", false);
        home.push_var(0);
        home.push_wild("/*", false, true);
        assert_eq!(solve(&[&home], &[&home.clone()]), Sat::No);
        let b = wild("b/*", false);
        assert_eq!(solve(&[&home], &[&b]), Sat::No);
        assert!(matches!(solve(&[&b], &[&home]), Sat::Yes(_)));
        let alice = wild("b/alice/*", false);
        // Two positives, one with a variable: not decided symbolically.
        assert!(matches!(
            solve(&[&home, &alice], &[]),
            Sat::Unknown(_) | Sat::Yes(_)
        ));
    }
}
