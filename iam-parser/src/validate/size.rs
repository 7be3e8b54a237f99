//! Size quotas per policy type (spec §1.10).

use super::Checks;
use crate::finding::{LineIndex, Severity};
use iam_model::{PolicyType, Position, Span};

/// `LineIndex::new(text).span(0, text.len())` without building the index: the end is on the
/// last line, after as many characters as that line has.
fn whole_span(text: &str) -> Span {
    let b = text.as_bytes();
    // per 255-byte block with a u8 counter, which vectorizes
    let lines = b
        .chunks(255)
        .map(|block| block.iter().fold(0u8, |n, &c| n + u8::from(c == b'\n')) as usize)
        .sum::<usize>() as u32;
    let last = b.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    let column = b[last..].iter().filter(|&&c| (c & 0xC0) != 0x80).count() as u32 + 1;
    let end = Position {
        line: lines + 1,
        column,
        offset: b.len() as u32,
    };
    Span::new(
        Position {
            line: 1,
            column: 1,
            offset: 0,
        },
        end,
    )
}

/// The size findings of `text`; `ascii` is `text.is_ascii()` (the fast reader knows it).
pub(super) fn check(c: &mut Checks, text: &str, ascii: bool) {
    // Counted only for the policy type that needs them, and only when the text is long enough to
    // exceed the quota (a count never exceeds the byte length); ASCII text is counted by bytes.
    // The line index is built only for a finding.
    let non_ws = |limit: usize| {
        if text.len() <= limit {
            // within the quota whatever the exact count: skip counting
            text.len()
        } else if ascii {
            // per 255-byte block with a u8 counter, which vectorizes
            text.as_bytes()
                .chunks(255)
                .map(|block| {
                    block.iter().fold(0u8, |n, &b| {
                        n + u8::from((b != b' ') & (b.wrapping_sub(b'\t') > 4))
                    }) as usize
                })
                .sum()
        } else {
            text.chars().filter(|ch| !ch.is_whitespace()).count()
        }
    };
    let all = |limit: usize| {
        if ascii || text.len() <= limit {
            text.len()
        } else {
            text.chars().count()
        }
    };
    let (code, sev, limit, counted, what): (&'static str, Severity, usize, usize, &str) =
        match c.policy_type {
            // Access Analyzer's identity-size warning uses the 10,240 role-inline ceiling (spec §1.10).
            PolicyType::Identity | PolicyType::PermissionsBoundary => (
                "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
                Severity::Warning,
                10_240,
                non_ws(10_240),
                "characters (white space excluded)",
            ),
            PolicyType::Trust => (
                "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
                Severity::Warning,
                2_048,
                non_ws(2_048),
                "characters (white space excluded; adjustable to 4,096)",
            ),
            // SCPs count every byte as stored (spec §1.10, §10 item 12).
            PolicyType::Scp => (
                "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
                Severity::Error,
                5_120,
                text.len(),
                "bytes (white space included)",
            ),
            PolicyType::Rcp => (
                "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
                Severity::Error,
                5_120,
                all(5_120),
                "characters (white space included)",
            ),
            PolicyType::Session => (
                "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
                Severity::Error,
                2_048,
                all(2_048),
                "characters",
            ),
            // S3 bucket policies: 20 KB, the largest common resource-policy quota.
            PolicyType::Resource | PolicyType::VpcEndpoint => (
                "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
                Severity::Warning,
                20_480,
                text.len(),
                "bytes",
            ),
        };
    if counted > limit {
        let whole = whole_span(text);
        c.push(
            code,
            sev,
            whole,
            "",
            format!(
                "the policy is {counted} {what}; the quota for a {} policy is {limit}",
                c.policy_type.as_str().replace('_', " ")
            ),
        );
    }
    // IAM stores only TAB, LF, CR and U+0020-U+00FF (spec §1.1).
    if matches!(
        c.policy_type,
        PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Trust
    ) {
        // By bytes: a control byte, or a UTF-8 lead byte of U+0100 and above (0xC4..), starts the
        // first character outside TAB, LF, CR and U+0020-U+00FF.
        // `check` runs only on text that parsed as JSON, which has no control character but
        // TAB, LF and CR (raw ones inside strings are syntax errors): ASCII text has no bad byte.
        let bad = if ascii {
            None
        } else {
            text.bytes()
                .position(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b >= 0xC4)
        };
        if let Some((i, ch)) = bad.and_then(|i| Some((i, text[i..].chars().next()?))) {
            let span = LineIndex::new(text).span(i as u32, (i + ch.len_utf8()) as u32);
            c.push(
                "UNSUPPORTED_CHARACTER",
                Severity::Error,
                span,
                "",
                format!("IAM policies may contain only tab, line feed, carriage return and U+0020-U+00FF; found U+{:04X}", ch as u32),
            );
        }
    }
}
