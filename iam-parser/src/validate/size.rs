//! Size quotas per policy type (spec §1.10).

use super::Checks;
use crate::finding::{LineIndex, Severity};
use iam_model::PolicyType;

pub(super) fn check(c: &mut Checks, text: &str, idx: &LineIndex<'_>) {
    let non_ws = text.chars().filter(|ch| !ch.is_whitespace()).count();
    let all = text.chars().count();
    let whole = idx.span(0, text.len() as u32);
    let (code, sev, limit, counted, what): (&'static str, Severity, usize, usize, &str) = match c.policy_type {
        // Access Analyzer's identity-size warning uses the 10,240 role-inline ceiling (spec §1.10).
        PolicyType::Identity | PolicyType::PermissionsBoundary => {
            ("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", Severity::Warning, 10_240, non_ws, "characters (white space excluded)")
        }
        PolicyType::Trust => ("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", Severity::Warning, 2_048, non_ws, "characters (white space excluded; adjustable to 4,096)"),
        // SCPs count every byte as stored (spec §1.10, §10 item 12).
        PolicyType::Scp => ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", Severity::Error, 5_120, text.len(), "bytes (white space included)"),
        PolicyType::Rcp => ("POLICY_SIZE_EXCEEDS_RCP_QUOTA", Severity::Error, 5_120, all, "characters (white space included)"),
        PolicyType::Session => ("POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA", Severity::Error, 2_048, all, "characters"),
        // S3 bucket policies: 20 KB, the largest common resource-policy quota.
        PolicyType::Resource | PolicyType::VpcEndpoint => {
            ("POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", Severity::Warning, 20_480, text.len(), "bytes")
        }
    };
    if counted > limit {
        c.push(code, sev, whole, "", format!("the policy is {counted} {what}; the quota for a {} policy is {limit}", c.policy_type.as_str().replace('_', " ")));
    }
    // IAM stores only TAB, LF, CR and U+0020-U+00FF (spec §1.1).
    if matches!(c.policy_type, PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Trust) {
        if let Some((i, ch)) = text.char_indices().find(|&(_, ch)| !(matches!(ch, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&ch))) {
            let span = idx.span(i as u32, (i + ch.len_utf8()) as u32);
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
