//! `Resource` / `NotResource` matching, segment by segment (spec §2.2).

use crate::glob::{Case, Glob, VarRef, str_starts_with};
use crate::variables::template_glob;
use iam_model::PolicyType;

/// One compiled resource pattern.
#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    /// `*`.
    All,
    /// Six segment globs; the sixth (resource part) may hold policy variables.
    Arn(Box<[Glob; 6]>),
    /// The common case of five wildcard-free segments: their literal text with its five
    /// colons (`arn:aws:s3:::`), then the resource-part glob.
    Prefixed(Box<str>, Glob),
    /// [`ResourcePattern::Prefixed`] whose resource part has no wildcard or variable: the
    /// whole ARN, matched exactly (one comparison instead of two).
    Literal(Box<str>),
    /// [`ResourcePattern::Prefixed`] whose resource part is `literal*` (or `*`): the ARN up
    /// to the star, matched as a prefix (a star crosses `/` and `:` in the resource part).
    Head(Box<str>),
    /// A pattern that can match nothing (e.g. a short ARN without a wildcard in a
    /// resource-based policy).
    Never,
}

/// Splits an ARN-like text into its six colon-separated segments (the sixth keeps the rest)
/// without allocating; `None` when there are fewer than six.
pub(crate) fn split6(text: &str) -> Option<[&str; 6]> {
    let cols = colons5(text)?;
    let [c0, c1, c2, c3, c4] = cols;
    Some([
        text.get(..c0)?,
        text.get(c0 + 1..c1)?,
        text.get(c1 + 1..c2)?,
        text.get(c2 + 1..c3)?,
        text.get(c3 + 1..c4)?,
        text.get(c4 + 1..)?,
    ])
}

/// Byte offsets of the first five colons, in one pass, eight bytes at a time (SWAR: a colon
/// byte becomes a set high bit in a mask, visited with `trailing_zeros`).
#[inline]
fn colons5(text: &str) -> Option<[usize; 5]> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const COLONS: u64 = 0x3a3a_3a3a_3a3a_3a3a;
    let mut cols = [0usize; 5];
    let mut n = 0usize;
    let mut base = 0usize;
    let mut rest = text.as_bytes();
    loop {
        let (word, next) = match rest.split_first_chunk::<8>() {
            Some((w, r)) => (u64::from_le_bytes(*w), Some(r)),
            None if rest.is_empty() => return None,
            None => {
                // Pad the tail with a non-colon byte.
                let mut w = [0u8; 8];
                for (d, s) in w.iter_mut().zip(rest) {
                    *d = *s;
                }
                (u64::from_le_bytes(w), None)
            }
        };
        let y = word ^ COLONS;
        // High bit set exactly in the bytes of `word` equal to ':'.
        let mut mask = !(((y & LOW7) + LOW7) | y | LOW7);
        while mask != 0 {
            let i = base + (mask.trailing_zeros() / 8) as usize;
            if let Some(slot) = cols.get_mut(n) {
                *slot = i;
            }
            n += 1;
            if n == 5 {
                return Some(cols);
            }
            mask &= mask - 1;
        }
        match next {
            Some(r) => {
                rest = r;
                base += 8;
            }
            None => return None,
        }
    }
}

impl ResourcePattern {
    /// Compiles `text` for a policy of type `policy_type`. Errors are the spec's INVALID cases
    /// (short ARNs in SCPs without a trailing `*`, any short ARN in an RCP) and malformed
    /// policy variables.
    pub(crate) fn compile(
        text: &str,
        policy_type: PolicyType,
        variables: bool,
    ) -> Result<ResourcePattern, String> {
        if text == "*" {
            return Ok(ResourcePattern::All);
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.get(2).is_some_and(|svc| svc.contains(['*', '?'])) {
            // No wildcards in the service segment (spec §2.2, §10 item 16): the recommended
            // default is that such a pattern matches nothing.
            return Ok(ResourcePattern::Never);
        }
        let mut segs: Vec<&str> = parts.clone();
        if parts.len() < 6 {
            // "Short ARN" (spec §2.2; behaviour researched by iam-simulate, not in AWS docs).
            match policy_type {
                PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session => {}
                PolicyType::Resource | PolicyType::Trust | PolicyType::VpcEndpoint => {
                    if !text.contains('*') {
                        return Ok(ResourcePattern::Never);
                    }
                }
                PolicyType::Scp => {
                    if !parts.last().is_some_and(|p| p.ends_with('*')) {
                        return Err(format!(
                            "resource {text:?} is not a valid ARN for an SCP (a short ARN must end with '*')"
                        ));
                    }
                }
                PolicyType::Rcp => {
                    return Err(format!("resource {text:?} is not a valid ARN for an RCP"));
                }
            }
            segs.resize(6, "*");
        }
        let mut globs: Vec<Glob> = Vec::with_capacity(6);
        for (i, seg) in segs.iter().enumerate() {
            if i == 5 {
                // Variables only in the resource segment (spec §4.2).
                globs.push(template_glob(seg, variables, true, Case::Sensitive)?);
            } else {
                globs.push(Glob::wild(seg, Case::Sensitive));
            }
        }
        if segs.iter().take(5).all(|s| !s.contains(['*', '?'])) {
            let mut prefix: String = segs.iter().take(5).flat_map(|s| [*s, ":"]).collect();
            if let Some(last) = globs.pop() {
                // Fold a literal or `literal*` resource part into the prefix (case-sensitive
                // globs: the text is as written).
                if let Some(text) = last.exact_text() {
                    prefix.push_str(text);
                    return Ok(ResourcePattern::Literal(prefix.into_boxed_str()));
                }
                if let Some(head) = last.prefix_text() {
                    prefix.push_str(head);
                    return Ok(ResourcePattern::Head(prefix.into_boxed_str()));
                }
                return Ok(ResourcePattern::Prefixed(prefix.into_boxed_str(), last));
            }
        }
        let arr: [Glob; 6] = globs
            .try_into()
            .map_err(|_| "internal: ARN split".to_string())?;
        Ok(ResourcePattern::Arn(Box::new(arr)))
    }

    /// The policy variables the pattern uses.
    pub(crate) fn vars(&self) -> &[VarRef] {
        match self {
            ResourcePattern::Arn(g) => g.last().map_or(&[], |l| l.vars()),
            ResourcePattern::Prefixed(_, g) => g.vars(),
            _ => &[],
        }
    }

    /// [`Self::matches`] for a pattern without policy variables ([`Self::vars`] empty): the
    /// resolver is then never consulted, so none is passed (the literal and prefix forms
    /// stay inline).
    #[inline(always)]
    pub(crate) fn matches_plain(&self, resource: &str) -> bool {
        match self {
            ResourcePattern::All => true,
            ResourcePattern::Never => false,
            ResourcePattern::Literal(arn) => {
                crate::glob::bytes_eq(resource.as_bytes(), arn.as_bytes())
            }
            ResourcePattern::Head(head) => str_starts_with(resource, head),
            other => other.matches_unresolved(resource),
        }
    }

    /// [`Self::matches`] with no variable resolver (kept out of line: the segment-wise forms).
    #[inline(never)]
    fn matches_unresolved(&self, resource: &str) -> bool {
        self.matches(resource, &mut |_| None)
    }

    /// Matches a request resource (an ARN, or `*` for actions without resources).
    #[inline]
    pub(crate) fn matches<'t>(
        &'t self,
        resource: &str,
        resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
    ) -> bool {
        match self {
            ResourcePattern::All => true,
            ResourcePattern::Never => false,
            ResourcePattern::Literal(arn) => {
                crate::glob::bytes_eq(resource.as_bytes(), arn.as_bytes())
            }
            ResourcePattern::Head(head) => str_starts_with(resource, head),
            ResourcePattern::Prefixed(prefix, rest) => {
                str_starts_with(resource, prefix)
                    && resource
                        .get(prefix.len()..)
                        .is_some_and(|r| rest.matches_with(r, resolve))
            }
            ResourcePattern::Arn(globs) => {
                let Some(r) = split6(resource) else {
                    return false;
                };
                let [g0, g1, g2, g3, g4, g5] = &**globs;
                let [r0, r1, r2, r3, r4, r5] = r;
                g0.matches(r0)
                    && g1.matches(r1)
                    && g2.matches(r2)
                    && g3.matches(r3)
                    && g4.matches(r4)
                    && g5.matches_with(r5, resolve)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: PolicyType, p: &str, r: &str) -> bool {
        ResourcePattern::compile(p, t, true)
            .unwrap()
            .matches(r, &mut |_| None)
    }
    const ID: PolicyType = PolicyType::Identity;

    proptest::proptest! {
        #[test]
        fn split6_agrees_with_splitn(s in "[a-z:/*]{0,40}") {
            let expected: Vec<&str> = s.splitn(6, ':').collect();
            match split6(&s) {
                Some(parts) => proptest::prop_assert_eq!(parts.to_vec(), expected),
                None => proptest::prop_assert!(expected.len() < 6),
            }
        }
    }

    // spec §2.2 / §10 item 13: resource matching is case-sensitive.
    #[test]
    fn case_sensitive() {
        assert!(m(
            ID,
            "arn:aws:iam::123456789012:user/Bob",
            "arn:aws:iam::123456789012:user/Bob"
        ));
        assert!(!m(
            ID,
            "arn:aws:iam::123456789012:user/Bob",
            "arn:aws:iam::123456789012:user/bob"
        ));
    }

    // spec §2.2 / §10 item 14: `*` in the resource segment crosses `/` and `:`; in other
    // segments it stays within the segment.
    #[test]
    fn segment_wise() {
        assert!(m(
            ID,
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:123:log-group:name:log-stream:x"
        ));
        assert!(m(
            ID,
            "arn:aws:rds:us-west-?:*:db:x",
            "arn:aws:rds:us-west-2:1:db:x"
        ));
        assert!(
            !m(ID, "arn:aws:s3:*:::b", "arn:aws:s3:::b"),
            "region * does not span colons"
        );
        assert!(
            !m(ID, "arn:aws:s3:::b", "*"),
            "a resource-less request matches only '*'"
        );
        assert!(m(ID, "*", "*"));
        assert!(!m(ID, "arn:aws::s3:*", "arn:aws:s3:::b"), "spec §10 item 9");
        // spec §10 item 16: no wildcard in the service segment.
        assert!(!m(ID, "arn:aws:s3*:::b", "arn:aws:s3:::b"));
        assert!(!m(ID, "arn:aws:s?:::b", "arn:aws:s3:::b"));
    }

    // spec §2.2 / §10 item 15: short ARNs per policy type.
    #[test]
    fn short_arns_per_policy_type() {
        assert!(m(
            ID,
            "arn:aws:ec2:*",
            "arn:aws:ec2:us-east-1:123:instance/i-1"
        ));
        assert!(
            m(ID, "arn:aws:sqs", "arn:aws:sqs:us-east-1:123:q"),
            "identity: padded with *"
        );
        assert!(
            !m(
                PolicyType::Resource,
                "arn:aws:sqs",
                "arn:aws:sqs:us-east-1:123:q"
            ),
            "resource: no match"
        );
        assert!(m(
            PolicyType::Resource,
            "arn:aws:sqs:*",
            "arn:aws:sqs:us-east-1:123:q"
        ));
        assert!(m(
            PolicyType::Scp,
            "arn:aws:sqs:*",
            "arn:aws:sqs:us-east-1:123:q"
        ));
        assert!(ResourcePattern::compile("arn:aws:sqs", PolicyType::Scp, true).is_err());
        assert!(ResourcePattern::compile("arn:aws:sqs:*", PolicyType::Rcp, true).is_err());
    }

    // The folded forms (`Literal`, `Head`) match as the two-part form they replace.
    #[test]
    fn literal_and_head_forms() {
        let lit = ResourcePattern::compile("arn:aws:s3:::b/k", ID, true).unwrap();
        assert!(matches!(lit, ResourcePattern::Literal(_)));
        assert!(lit.matches("arn:aws:s3:::b/k", &mut |_| None));
        assert!(!lit.matches("arn:aws:s3:::b/k2", &mut |_| None));
        assert!(!lit.matches("arn:aws:s3:::b/K", &mut |_| None));
        assert!(!lit.matches("arn:aws:s3:::b/", &mut |_| None));
        let head = ResourcePattern::compile("arn:aws:s3:::b/*", ID, true).unwrap();
        assert!(matches!(head, ResourcePattern::Head(_)));
        assert!(head.matches("arn:aws:s3:::b/", &mut |_| None));
        assert!(head.matches("arn:aws:s3:::b/x:y/z", &mut |_| None));
        assert!(!head.matches("arn:aws:s3:::b", &mut |_| None));
        assert!(!head.matches("arn:aws:s3:::B/x", &mut |_| None));
        let all =
            ResourcePattern::compile("arn:aws:sqs:us-east-1:123456789012:*", ID, true).unwrap();
        assert!(matches!(all, ResourcePattern::Head(_)));
        assert!(all.matches("arn:aws:sqs:us-east-1:123456789012:q", &mut |_| None));
        assert!(!all.matches("arn:aws:sqs:us-east-1:123456789013:q", &mut |_| None));
        let mid = ResourcePattern::compile("arn:aws:s3:::b/*/k", ID, true).unwrap();
        assert!(matches!(mid, ResourcePattern::Prefixed(..)));
        assert!(mid.matches("arn:aws:s3:::b/x/k", &mut |_| None));
    }

    // spec §4.3 / §10 item 17: a substituted value is literal; unresolvable → no match.
    #[test]
    fn variables_in_resource_segment() {
        let p = ResourcePattern::compile("arn:aws:s3:::b/${aws:username}/*", ID, true).unwrap();
        let mut star = |_: &VarRef| Some("a*");
        assert!(p.matches("arn:aws:s3:::b/a*/k", &mut star));
        assert!(!p.matches("arn:aws:s3:::b/abc/k", &mut star));
        assert!(!p.matches("arn:aws:s3:::b/a*/k", &mut |_| None));
        // Version 2008 / no version: the text is literal (spec §10 item 11).
        let p = ResourcePattern::compile("arn:aws:s3:::b/${aws:username}", ID, false).unwrap();
        assert!(p.matches("arn:aws:s3:::b/${aws:username}", &mut |_| Some("alice")));
        assert!(!p.matches("arn:aws:s3:::b/alice", &mut |_| Some("alice")));
    }
}
