//! Wildcard matching for the catalog: action globs (case-insensitive), condition-key
//! templates, and ARN templates against ARN patterns that may hold wildcards themselves.

/// Case-insensitive (ASCII) glob with `*` (any run, also empty) and `?` (one character), over
/// bytes, anchored at both ends: IAM's action matching (spec §2.1). The one implementation
/// shared by the catalog, the validators, the save-time check and the analyses.
///
/// ```
/// assert!(iam_model::glob_ci("iam:Pass*", "IAM:PassRole"));
/// assert!(iam_model::glob_ci("s3:?etObject", "s3:GetObject"));
/// assert!(!iam_model::glob_ci("iam:Pass", "iam:PassRole"));
/// ```
pub fn glob_ci(pattern: &str, text: &str) -> bool {
    glob_bytes(pattern.as_bytes(), text.as_bytes(), true)
}

fn glob_bytes(p: &[u8], t: &[u8], ci: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if ci {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            // A final `*` matches whatever text is left.
            Some(b'*') if pi + 1 == p.len() => return true,
            Some(b'*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(&pc) if pc == b'?' || eq(pc, tc) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// True when the two globs (both with `*` and `?` wildcards) have a string in common.
///
/// Case-sensitive, as ARN matching is (spec §2.2). Works on bytes; runs in
/// O(len(a) * len(b)) over a reachability table filled row by row (every step moves forward
/// in `a`, in `b` or in both), two rows at a time, on the stack for globs up to 256 bytes.
#[cfg(test)]
pub(crate) fn globs_intersect(a: &[u8], b: &[u8]) -> bool {
    let wild = |s: &[u8]| s.iter().any(|&c| c == b'*' || c == b'?');
    globs_intersect_known(a, b, wild(a), wild(b))
}

/// Where the wildcards of one glob (an ARN field) are, found once so that most pairs of
/// fields are decided from their literal heads and tails ([`fields_intersect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shape {
    /// Bytes before the first wildcard (the whole length without one).
    head: u32,
    /// Bytes after the last wildcard (0 without one).
    tail: u32,
    /// Number of `*`.
    stars: u32,
    /// Holds a `?`.
    question: bool,
}

impl Shape {
    /// The shape of `f`, in one pass.
    pub(crate) fn of(f: &[u8]) -> Shape {
        let (mut first, mut last, mut stars, mut question) = (None, 0, 0, false);
        for (i, &c) in f.iter().enumerate() {
            if c == b'*' || c == b'?' {
                first.get_or_insert(i);
                last = i;
                stars += u32::from(c == b'*');
                question |= c == b'?';
            }
        }
        match first {
            Some(first) => Shape {
                head: first as u32,
                tail: (f.len() - 1 - last) as u32,
                stars,
                question,
            },
            None => Shape {
                head: f.len() as u32,
                tail: 0,
                stars: 0,
                question: false,
            },
        }
    }

    fn wild(self) -> bool {
        self.stars > 0 || self.question
    }
}

/// [`globs_intersect`] of two fields with their [`Shape`]s (case-sensitive): the literal
/// head and tail first, the full test only when they do not decide.
pub(crate) fn fields_intersect(a: &[u8], sa: Shape, b: &[u8], sb: Shape) -> bool {
    match (sa.wild(), sb.wild()) {
        (false, false) => a == b,
        (true, false) => glob_shaped(a, sa, b),
        (false, true) => glob_shaped(b, sb, a),
        (true, true) => {
            // As in `globs_intersect_known`: the shorter literal head and tail must agree,
            // and with `*` as the only wildcard that is enough.
            let h = sa.head.min(sb.head) as usize;
            let t = sa.tail.min(sb.tail) as usize;
            if a.get(..h) != b.get(..h) || a.get(a.len() - t..) != b.get(b.len() - t..) {
                return false;
            }
            if !sa.question && !sb.question {
                return true;
            }
            globs_intersect_known(a, b, true, true)
        }
    }
}

/// `glob_bytes(p, t, false)` for a glob `p` of shape `sp`: the text must start with the
/// glob's literal head and end with its literal tail; for `head*tail` that is all.
fn glob_shaped(p: &[u8], sp: Shape, t: &[u8]) -> bool {
    let (h, tl) = (sp.head as usize, sp.tail as usize);
    if t.len() < h + tl
        || p.get(..h) != t.get(..h)
        || p.get(p.len() - tl..) != t.get(t.len() - tl..)
    {
        return false;
    }
    if sp.stars == 1 && !sp.question {
        return true;
    }
    glob_bytes(p, t, false)
}

/// [`globs_intersect`] when the caller knows which of the two globs hold wildcards.
pub(crate) fn globs_intersect_known(a: &[u8], b: &[u8], wild_a: bool, wild_b: bool) -> bool {
    match (wild_a, wild_b) {
        (false, false) => return a == b,
        (true, false) => return glob_bytes(a, b, false),
        (false, true) => return glob_bytes(b, a, false),
        (true, true) => {}
    }
    // Quick verdict on the literal text before the first wildcard of either glob, and after
    // the last: a mismatch there leaves no common string.
    let wildc = |c: &u8| *c == b'*' || *c == b'?';
    let head = a
        .iter()
        .position(wildc)
        .unwrap_or(a.len())
        .min(b.iter().position(wildc).unwrap_or(b.len()));
    if a[..head] != b[..head] {
        return false;
    }
    let tail = a
        .iter()
        .rev()
        .position(wildc)
        .unwrap_or(a.len())
        .min(b.iter().rev().position(wildc).unwrap_or(b.len()));
    if a[a.len() - tail..] != b[b.len() - tail..] {
        return false;
    }
    // With `*` as the only wildcard, compatible literal heads and tails are enough: the head
    // of the longer head, every middle part of `a`, every middle part of `b` and the longer
    // tail, in this order, make a string both match.
    if !a.contains(&b'?') && !b.contains(&b'?') {
        return true;
    }
    let width = b.len() + 1;
    let mut stack_rows = [false; 2 * 257];
    let mut heap_rows = Vec::new();
    let rows: &mut [bool] = if width <= 257 {
        &mut stack_rows[..2 * width]
    } else {
        heap_rows.resize(2 * width, false);
        &mut heap_rows
    };
    let (mut cur, mut next) = rows.split_at_mut(width);
    cur[0] = true;
    for i in 0..=a.len() {
        let ca = a.get(i).copied();
        next.fill(false);
        let mut any = false;
        for j in 0..width {
            if !cur[j] {
                continue;
            }
            any = true;
            let cb = b.get(j).copied();
            if ca.is_none() && cb.is_none() {
                return true;
            }
            if ca == Some(b'*') {
                next[j] = true;
                if cb.is_some() {
                    cur[j + 1] = true;
                }
            }
            if cb == Some(b'*') {
                cur[j + 1] = true;
                if ca.is_some() {
                    next[j] = true;
                }
            }
            if let (Some(x), Some(y)) = (ca, cb)
                && x != b'*'
                && y != b'*'
                && (x == b'?' || y == b'?' || x == y)
            {
                next[j + 1] = true;
            }
        }
        if !any {
            return false;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    false
}

/// A template (`arn:${Partition}:s3:::${BucketName}`, `s3:ExistingObjectTag/<key>`) as a glob:
/// every `${...}` and `<...>` placeholder becomes `*`. Literal `*`/`?` do not occur in the data.
pub(crate) fn template_to_glob(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    loop {
        let next = [rest.find("${"), rest.find('<')]
            .into_iter()
            .flatten()
            .min();
        let Some(i) = next else { break };
        let close = if rest[i..].starts_with("${") {
            '}'
        } else {
            '>'
        };
        match rest[i..].find(close) {
            Some(j) => {
                out.push_str(&rest[..i]);
                out.push('*');
                rest = &rest[i + j + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// The glob a condition-key template matches, or `None` for a plain key.
///
/// Besides `${...}`/`<...>` placeholders, the catalog writes two tag-key templates as text:
/// a trailing `/` (`glacier:ResourceTag/`) and the word `tag-key`
/// (`secretsmanager:ResourceTag/tag-key`); both stand for any tag key.
pub(crate) fn key_template_glob(key: &str) -> Option<String> {
    let mut glob = template_to_glob(key);
    if let Some(stem) = glob.strip_suffix("/tag-key") {
        glob = format!("{stem}/*");
    } else if glob.ends_with('/') {
        glob.push('*');
    }
    glob.contains('*').then_some(glob)
}

/// The byte ranges of the six colon-separated fields of an ARN (or ARN pattern); the sixth
/// keeps the rest. `None` when there are fewer than six.
pub(crate) fn arn_field_ranges(arn: &str) -> Option<[(u32, u32); 6]> {
    let b = arn.as_bytes();
    let mut out = [(0u32, 0u32); 6];
    let mut start = 0usize;
    for slot in out.iter_mut().take(5) {
        let len = b.get(start..)?.iter().position(|&c| c == b':')?;
        *slot = (start as u32, (start + len) as u32);
        start += len + 1;
    }
    out[5] = (start as u32, b.len() as u32);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_ci("Get*", "getobject"));
        assert!(glob_ci("*", ""));
        assert!(glob_ci("?et*Tag*", "GetObjectTagging"));
        assert!(!glob_ci("Get*", "PutObject"));
        assert!(!glob_ci("Get", "GetObject"));
    }

    #[test]
    fn intersect() {
        assert!(globs_intersect(b"*", b"abc"));
        assert!(globs_intersect(b"a*c", b"ab*"));
        assert!(globs_intersect(b"role/*", b"role/x/y"));
        assert!(!globs_intersect(b"role/*", b"user/*"));
        assert!(globs_intersect(b"*", b""));
        assert!(!globs_intersect(b"?", b""));
        assert!(globs_intersect(b"a?c", b"*b*"));
        assert!(!globs_intersect(b"abc", b"abd"));
    }

    #[test]
    fn shaped_intersection_agrees_with_the_full_test() {
        // Every pair of strings of length <= 4 over `a b / * ?`.
        let alphabet = [b'a', b'b', b'/', b'*', b'?'];
        let mut all: Vec<Vec<u8>> = vec![Vec::new()];
        let mut frontier = all.clone();
        for _ in 0..4 {
            frontier = frontier
                .iter()
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            all.extend(frontier.iter().cloned());
        }
        let mut pairs = 0;
        for a in &all {
            for b in all.iter().step_by(3) {
                let want = globs_intersect(a, b);
                let got = fields_intersect(a, Shape::of(a), b, Shape::of(b));
                assert_eq!(
                    got,
                    want,
                    "{:?} {:?}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                );
                pairs += 1;
            }
        }
        assert!(pairs > 100_000, "{pairs}");
    }

    #[test]
    fn templates() {
        assert_eq!(
            template_to_glob("arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
            "arn:*:s3:::*/*"
        );
        assert_eq!(
            key_template_glob("s3:ExistingObjectTag/<key>").as_deref(),
            Some("s3:ExistingObjectTag/*")
        );
        assert_eq!(
            key_template_glob("secretsmanager:ResourceTag/tag-key").as_deref(),
            Some("secretsmanager:ResourceTag/*")
        );
        assert_eq!(
            key_template_glob("glacier:ResourceTag/").as_deref(),
            Some("glacier:ResourceTag/*")
        );
        assert_eq!(key_template_glob("s3:prefix"), None);
    }
}
