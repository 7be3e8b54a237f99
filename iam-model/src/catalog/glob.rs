//! Wildcard matching for the catalog: action globs (case-insensitive), condition-key
//! templates, and ARN templates against ARN patterns that may hold wildcards themselves.

/// Case-insensitive (ASCII) glob with `*` (any run, also empty) and `?` (one character), over
/// bytes, anchored at both ends (spec §2.1).
pub(crate) fn glob_ci(pattern: &str, text: &str) -> bool {
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
/// O(len(a) * len(b)) with a visited table.
pub(crate) fn globs_intersect(a: &[u8], b: &[u8]) -> bool {
    let wild = |s: &[u8]| s.iter().any(|&c| c == b'*' || c == b'?');
    match (wild(a), wild(b)) {
        (false, false) => return a == b,
        (true, false) => return glob_bytes(a, b, false),
        (false, true) => return glob_bytes(b, a, false),
        (true, true) => {}
    }
    let (la, lb) = (a.len(), b.len());
    let width = lb + 1;
    let mut seen = vec![false; (la + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return true;
        }
        if ca == Some(b'*') {
            stack.push((i + 1, j));
            if cb.is_some() {
                stack.push((i, j + 1));
            }
        }
        if cb == Some(b'*') {
            stack.push((i, j + 1));
            if ca.is_some() {
                stack.push((i + 1, j));
            }
        }
        if let (Some(x), Some(y)) = (ca, cb)
            && x != b'*'
            && y != b'*'
            && (x == b'?' || y == b'?' || x == y)
        {
            stack.push((i + 1, j + 1));
        }
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

/// Splits an ARN (or ARN pattern) into its six colon-separated fields; the sixth keeps the
/// rest. `None` when there are fewer than six.
pub(crate) fn arn_fields(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    Some([
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ])
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
