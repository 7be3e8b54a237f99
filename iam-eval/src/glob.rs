//! Wildcard patterns (`*`, `?`) with literal escapes and policy variables (spec §2.1, §2.2, §4.3).
//!
//! A [`Glob`] is a compiled sequence of tokens. Literal text, `${*}`-style escapes and the
//! *values* substituted for policy variables are always matched literally: only `*` and `?`
//! written in the policy are wildcards (spec §4.3, §10 item 17). Matching is a non-recursive,
//! allocation-free two-pointer algorithm with single-star backtracking.

/// How literal characters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Exact, case-sensitive (resources, `StringLike`, `StringEquals`, ARNs).
    Sensitive,
    /// Case-insensitive (actions, `StringEqualsIgnoreCase`); the pattern is stored folded.
    Insensitive,
}

/// One token of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Literal text (already case-folded when the glob is case-insensitive).
    Lit(Box<str>),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, including none.
    Star,
    /// A policy variable: index into the owning glob's variable table.
    Var(u16),
}

/// A policy variable referenced by a pattern: `${key}` or `${key, 'default'}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    /// The key as written in the policy.
    pub key: Box<str>,
    /// The default used when the key is absent.
    pub default: Option<Box<str>>,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    kind: Kind,
    case: Case,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `*` alone.
    Any,
    /// No wildcard, no variable.
    Exact(Box<str>),
    /// `literal*`.
    Prefix(Box<str>),
    /// Anything else.
    Tokens(Box<[Tok]>, Box<[VarRef]>),
}

/// Byte-string equality, eight bytes at a time. Evaluation compares many short strings; this
/// stays inline instead of calling the C library's `memcmp`, which dominated profiles.
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && chunked_eq(a, b, |x| x)
}

/// ASCII case-insensitive equality, eight bytes at a time (same result as
/// `<[u8]>::eq_ignore_ascii_case`).
#[inline]
pub(crate) fn bytes_eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && chunked_eq(a, b, lower8)
}

/// Lower-cases the ASCII upper-case letters among eight packed bytes (SWAR); other bytes,
/// including non-ASCII ones, are unchanged.
#[inline]
pub(crate) fn lower8(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let h = x & LOW7;
    let ge_a = h + 0x3f3f_3f3f_3f3f_3f3f; // high bit set where byte >= 'A'
    let gt_z = h + 0x2525_2525_2525_2525; // high bit set where byte > 'Z'
    let upper = ge_a & !gt_z & !x & HIGH;
    x | (upper >> 2)
}

/// Compares equal-length slices eight bytes at a time through `f`.
#[inline]
fn chunked_eq(a: &[u8], b: &[u8], f: fn(u64) -> u64) -> bool {
    let n = a.len().min(b.len());
    if n < 8 {
        // Short: packed by hand (a copy loop here became a `memcpy` call).
        return f(pack_tail(a)) == f(pack_tail(b));
    }
    let (mut x, mut y) = (a, b);
    while let (Some((cx, rx)), Some((cy, ry))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        if f(u64::from_le_bytes(*cx)) != f(u64::from_le_bytes(*cy)) {
            return false;
        }
        x = rx;
        y = ry;
    }
    if x.is_empty() {
        return true;
    }
    // The last eight bytes, overlapping bytes already compared (harmless: `f` works per byte).
    match (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(cx), Some(cy)) => f(u64::from_le_bytes(*cx)) == f(u64::from_le_bytes(*cy)),
        _ => false,
    }
}

/// Lexicographic byte ordering, eight bytes at a time (big-endian words order like their
/// bytes), without the `memcmp` call of slice `Ord`.
#[inline]
pub(crate) fn cmp_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (mut x, mut y) = (a, b);
    while let (Some((cx, rx)), Some((cy, ry))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        let (p, q) = (u64::from_be_bytes(*cx), u64::from_be_bytes(*cy));
        if p != q {
            return p.cmp(&q);
        }
        x = rx;
        y = ry;
    }
    // One side has fewer than eight bytes left: compare the next (zero-padded) words, then
    // the lengths (a zero pad equals a real NUL byte only when one is a prefix of the other).
    let (p, q) = (pack_be(x), pack_be(y));
    if p != q {
        return p.cmp(&q);
    }
    a.len().cmp(&b.len())
}

#[inline]
pub(crate) fn pack_be(t: &[u8]) -> u64 {
    let mut v = 0u64;
    for (i, byte) in t.iter().enumerate().take(8) {
        v |= u64::from(*byte) << (56 - 8 * i);
    }
    v
}

#[inline]
fn pack_tail(t: &[u8]) -> u64 {
    let mut v = 0u64;
    for (i, byte) in t.iter().enumerate().take(8) {
        v |= u64::from(*byte) << (8 * i);
    }
    v
}

/// `text.starts_with(prefix)` with [`bytes_eq`].
#[inline]
pub(crate) fn str_starts_with(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| bytes_eq(h, prefix.as_bytes()))
}

/// Splits at the first `:` (byte search, no `memchr`/`memcmp` calls).
#[inline]
pub(crate) fn split_colon(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b':')?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// Folds one character for case-insensitive comparison (simple lower-case mapping; a
/// character whose lower case is several characters is kept as is).
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

/// Folds a whole string (compile time only).
pub(crate) fn fold_str(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// Compares two strings with [`fold`] applied to both sides, without allocating.
pub(crate) fn eq_folded(a: &str, b: &str) -> bool {
    if bytes_eq_ignore_ascii_case(a.as_bytes(), b.as_bytes()) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// Builder of a token list: merges adjacent literals and collapses `**`.
#[derive(Default)]
pub(crate) struct GlobBuilder {
    toks: Vec<Tok>,
    lit: String,
    vars: Vec<VarRef>,
}

impl GlobBuilder {
    /// Appends literal text (never wildcards).
    pub(crate) fn literal(&mut self, s: &str) {
        self.lit.push_str(s);
    }
    /// Appends text where `*` and `?` are wildcards.
    pub(crate) fn wild(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '*' => {
                    self.flush();
                    if self.toks.last() != Some(&Tok::Star) {
                        self.toks.push(Tok::Star);
                    }
                }
                '?' => {
                    self.flush();
                    self.toks.push(Tok::One);
                }
                c => self.lit.push(c),
            }
        }
    }
    /// Appends a policy variable.
    pub(crate) fn var(&mut self, key: &str, default: Option<&str>) {
        self.flush();
        let idx = u16::try_from(self.vars.len()).unwrap_or(u16::MAX);
        self.vars.push(VarRef {
            key: key.into(),
            default: default.map(Into::into),
        });
        self.toks.push(Tok::Var(idx));
    }
    fn flush(&mut self) {
        if !self.lit.is_empty() {
            self.toks
                .push(Tok::Lit(std::mem::take(&mut self.lit).into_boxed_str()));
        }
    }
    /// Finishes the pattern.
    pub(crate) fn build(mut self, case: Case) -> Glob {
        self.flush();
        let toks: Vec<Tok> = match case {
            Case::Sensitive => self.toks,
            Case::Insensitive => self
                .toks
                .into_iter()
                .map(|t| match t {
                    Tok::Lit(s) => Tok::Lit(fold_str(&s).into_boxed_str()),
                    t => t,
                })
                .collect(),
        };
        let kind = match (toks.as_slice(), self.vars.is_empty()) {
            ([Tok::Star], true) => Kind::Any,
            ([], true) => Kind::Exact("".into()),
            ([Tok::Lit(l)], true) => Kind::Exact(l.clone()),
            ([Tok::Lit(l), Tok::Star], true) => Kind::Prefix(l.clone()),
            _ => Kind::Tokens(toks.into_boxed_slice(), self.vars.into_boxed_slice()),
        };
        Glob { kind, case }
    }
}

impl Glob {
    /// A pattern where `*` and `?` are wildcards.
    pub(crate) fn wild(pattern: &str, case: Case) -> Glob {
        // Fast paths (the common action and resource shapes): no wildcard, or one literal
        // followed by stars only. Same result as the builder, without its intermediate tokens.
        let bytes = pattern.as_bytes();
        let first = bytes.iter().position(|b| *b == b'*' || *b == b'?');
        let folded = |s: &str| -> Box<str> {
            match case {
                Case::Sensitive => s.into(),
                Case::Insensitive if s.is_ascii() => s.to_ascii_lowercase().into_boxed_str(),
                Case::Insensitive => fold_str(s).into_boxed_str(),
            }
        };
        match first {
            None => {
                return Glob {
                    kind: Kind::Exact(folded(pattern)),
                    case,
                };
            }
            Some(i) if bytes.get(i..).is_some_and(|t| t.iter().all(|b| *b == b'*')) => {
                let lit = pattern.get(..i).unwrap_or_default();
                let kind = if lit.is_empty() {
                    Kind::Any
                } else {
                    Kind::Prefix(folded(lit))
                };
                return Glob { kind, case };
            }
            Some(_) => {}
        }
        let mut b = GlobBuilder::default();
        b.wild(pattern);
        b.build(case)
    }

    /// A pattern matching exactly `text`.
    #[cfg(test)]
    pub(crate) fn literal(text: &str, case: Case) -> Glob {
        let mut b = GlobBuilder::default();
        b.literal(text);
        b.build(case)
    }

    /// The literal text of a pattern without wildcards or variables (folded when
    /// case-insensitive).
    pub(crate) fn exact_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Exact(l) => Some(l),
            _ => None,
        }
    }

    /// The literal head of a `literal*` pattern (empty for `*` alone); `None` for any other
    /// shape (folded when case-insensitive).
    pub(crate) fn prefix_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Prefix(p) => Some(p),
            Kind::Any => Some(""),
            _ => None,
        }
    }

    /// True when the pattern has `*` or `?` (or a variable).
    pub(crate) fn has_wildcard(&self) -> bool {
        !matches!(self.kind, Kind::Exact(_))
    }

    /// The policy variables the pattern uses.
    pub(crate) fn vars(&self) -> &[VarRef] {
        match &self.kind {
            Kind::Tokens(_, v) => v,
            _ => &[],
        }
    }

    /// Matches a pattern without variables (a pattern with variables never matches here).
    #[inline]
    pub(crate) fn matches(&self, text: &str) -> bool {
        match (&self.kind, self.case) {
            (Kind::Any, _) => true,
            (Kind::Exact(l), Case::Sensitive) => bytes_eq(l.as_bytes(), text.as_bytes()),
            (Kind::Prefix(p), Case::Sensitive) => str_starts_with(text, p),
            (Kind::Exact(l), Case::Insensitive) => eq_folded(l, text),
            (Kind::Prefix(p), Case::Insensitive) => starts_with_folded(text, p).is_some(),
            (Kind::Tokens(..), _) => self.match_tokens(text, &mut |_| None),
        }
    }

    /// Matches, resolving variable `i` through `resolve` (`None` = unresolvable, which makes
    /// the whole pattern match nothing: spec §4.3).
    #[inline]
    pub(crate) fn matches_with<'t>(
        &'t self,
        text: &str,
        resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
    ) -> bool {
        match &self.kind {
            Kind::Tokens(..) => self.match_tokens(text, resolve),
            _ => self.matches(text),
        }
    }

    fn match_tokens<'t>(
        &'t self,
        text: &str,
        resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
    ) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(l) => match self.case {
                Case::Sensitive => bytes_eq(l.as_bytes(), text.as_bytes()),
                Case::Insensitive => eq_folded(l, text),
            },
            Kind::Prefix(p) => match self.case {
                Case::Sensitive => str_starts_with(text, p),
                Case::Insensitive => starts_with_folded(text, p).is_some(),
            },
            Kind::Tokens(toks, vars) => {
                // Resolve variables up front into a small stack table: a pattern rarely has
                // more than a few; more than 8 variables fall back to lazy resolution.
                let mut table: [Option<&'t str>; 8] = [None; 8];
                if vars.len() <= table.len() {
                    for (slot, v) in table.iter_mut().zip(vars.iter()) {
                        match resolve(v) {
                            Some(s) => *slot = Some(s),
                            None => return false,
                        }
                    }
                    let get = |i: u16| table.get(usize::from(i)).copied().flatten();
                    glob_tokens(toks, text, self.case, &get)
                } else {
                    let mut vals: Vec<&'t str> = Vec::with_capacity(vars.len());
                    for v in vars.iter() {
                        match resolve(v) {
                            Some(s) => vals.push(s),
                            None => return false,
                        }
                    }
                    let get = |i: u16| vals.get(usize::from(i)).copied();
                    glob_tokens(toks, text, self.case, &get)
                }
            }
        }
    }
}

/// If `text` starts with `lit` (folded when case-insensitive), the byte length consumed in `text`.
fn starts_with_case(text: &str, lit: &str, case: Case) -> Option<usize> {
    match case {
        Case::Sensitive => str_starts_with(text, lit).then_some(lit.len()),
        Case::Insensitive => starts_with_folded(text, lit),
    }
}

fn starts_with_folded(text: &str, folded_lit: &str) -> Option<usize> {
    if folded_lit.is_ascii() {
        let n = folded_lit.len();
        let head = text.as_bytes().get(..n)?;
        return bytes_eq_ignore_ascii_case(head, folded_lit.as_bytes()).then_some(n);
    }
    let mut consumed = 0;
    let mut tc = text.chars();
    for l in folded_lit.chars() {
        let c = tc.next()?;
        if fold(c) != fold(l) {
            return None;
        }
        consumed += c.len_utf8();
    }
    Some(consumed)
}

fn char_len_at(text: &str, pos: usize) -> Option<usize> {
    text.get(pos..)
        .and_then(|s| s.chars().next())
        .map(char::len_utf8)
}

/// The matching loop over tokens. `var(i)` yields the literal value of variable `i`.
fn glob_tokens<'t>(
    toks: &[Tok],
    text: &str,
    case: Case,
    var: &dyn Fn(u16) -> Option<&'t str>,
) -> bool {
    let mut ti = 0usize;
    let mut pos = 0usize;
    // (token index after the last star, text position it currently absorbs up to)
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = match toks.get(ti) {
            Some(Tok::Star) => {
                ti += 1;
                star = Some((ti, pos));
                continue;
            }
            Some(Tok::One) => char_len_at(text, pos).map(|n| pos + n),
            Some(Tok::Lit(l)) => text
                .get(pos..)
                .and_then(|rest| starts_with_case(rest, l, case))
                .map(|n| pos + n),
            Some(Tok::Var(i)) => {
                // Substituted values are literal text (spec §4.3).
                let v = var(*i).unwrap_or("");
                let lit_match = match case {
                    Case::Sensitive => text
                        .get(pos..)
                        .is_some_and(|r| str_starts_with(r, v))
                        .then_some(v.len()),
                    Case::Insensitive => text.get(pos..).and_then(|r| starts_with_folded(r, v)),
                };
                lit_match.map(|n| pos + n)
            }
            None if pos == text.len() => return true,
            None => None,
        };
        if let Some(p) = advanced {
            pos = p;
            ti += 1;
            continue;
        }
        // Mismatch: let the last star absorb one more character, or fail.
        match star {
            Some((sti, spos)) => match char_len_at(text, spos) {
                Some(n) => {
                    star = Some((sti, spos + n));
                    ti = sti;
                    pos = spos + n;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::wild(p, Case::Sensitive).matches(t)
    }

    // spec §2.2: `*` in the resource segment spans `/`; `B/*/test/*` examples from the
    // Resource element page (reference_policies_elements_resource.html).
    #[test]
    fn star_spans_slashes_per_resource_page_examples() {
        let p = "B/*/test/*";
        assert!(m(p, "B/1/2/test/3/x.jpg"));
        assert!(m(p, "B//test/x"));
        assert!(m(p, "B/1/test/"));
        assert!(!m(p, "B/test/object.jpg"));
        assert!(!m(p, "B/1-test/x"));
    }

    #[test]
    fn question_mark_is_exactly_one_char() {
        assert!(m("us-west-?", "us-west-2"));
        assert!(!m("us-west-?", "us-west-"));
        assert!(!m("us-west-?", "us-west-12"));
        assert!(m("a?c", "aéc"));
    }

    #[test]
    fn anchored_both_ends() {
        assert!(!m("abc", "abcd"));
        assert!(!m("*abc", "abcd"));
        assert!(m("*abc*", "xabcx"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    // spec §2.1: action matching is case-insensitive.
    #[test]
    fn insensitive() {
        let g = Glob::wild("S3:Get*", Case::Insensitive);
        assert!(g.matches("s3:getobject"));
        assert!(g.matches("S3:GETOBJECT"));
        assert!(!g.matches("s3:PutObject"));
        assert!(Glob::wild("iam:*AccessKey*", Case::Insensitive).matches("iam:CreateAccessKey"));
    }

    // spec §4.3 / §10 item 17: substituted values and `${*}` escapes are literal.
    #[test]
    fn variables_and_escapes_are_literal() {
        let mut b = GlobBuilder::default();
        b.wild("home/");
        b.var("aws:username", None);
        b.wild("/*");
        let g = b.build(Case::Sensitive);
        let mut star = |_: &VarRef| Some("a*");
        assert!(g.matches_with("home/a*/x", &mut star));
        assert!(!g.matches_with("home/abc/x", &mut star));
        let mut none = |_: &VarRef| None;
        assert!(
            !g.matches_with("home/a*/x", &mut none),
            "unresolvable variable never matches"
        );
        let mut b = GlobBuilder::default();
        b.literal("*");
        let g = b.build(Case::Sensitive);
        assert!(g.matches("*"));
        assert!(!g.matches("x"));
    }

    proptest::proptest! {
        #[test]
        fn swar_comparisons_agree_with_std(a in "[ -~éK]{0,20}", b in "[ -~éK]{0,20}") {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            proptest::prop_assert_eq!(bytes_eq(a, b), a == b);
            proptest::prop_assert_eq!(bytes_eq_ignore_ascii_case(a, b), a.eq_ignore_ascii_case(b));
            let upper = a.to_ascii_uppercase();
            proptest::prop_assert!(bytes_eq_ignore_ascii_case(a, &upper));
        }

        #[test]
        fn cmp_bytes_agrees_with_std(a in proptest::collection::vec(proptest::prop_oneof![0u8..4, 97u8..100], 0..20),
                                     b in proptest::collection::vec(proptest::prop_oneof![0u8..4, 97u8..100], 0..20)) {
            proptest::prop_assert_eq!(cmp_bytes(&a, &b), a.cmp(&b));
            proptest::prop_assert_eq!(cmp_bytes(&a, &a), std::cmp::Ordering::Equal);
        }

        #[test]
        fn literal_matches_itself(s in "[ -~]{0,20}") {
            proptest::prop_assert!(Glob::literal(&s, Case::Sensitive).matches(&s));
            proptest::prop_assert!(Glob::wild("*", Case::Sensitive).matches(&s));
        }
    }
}
