//! Action and resource formats (spec §1.8 items 6-7, §2.1, §2.2, §9.2 ARN checks).

use super::catalog::{Entry, Kind, has_wildcard};
use super::{Checks, StPath};
use crate::finding::Severity;
use iam_model::{Policy, PolicyType, Statement};

/// Partitions AWS documents (spec §2.2), plus the isolated ones.
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

pub(super) fn check_statement(
    c: &mut Checks,
    _policy: &Policy,
    st: &Statement,
    entries: &[Entry<'_>],
    path: &StPath,
) {
    let el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    for (i, (a, e)) in st.action.values.iter().zip(entries).enumerate() {
        // The path is rendered only for a finding.
        let p = || {
            if st.action.values.len() == 1 {
                format!("{path}.{el}")
            } else {
                format!("{path}.{el}[{i}]")
            }
        };
        let s = a.value.as_str();
        // `*`, and well-formed `service:name` entries without a wildcard in the service prefix
        // (as `catalog.rs` split them), have nothing to report here.
        if e.kind == Kind::All || (e.kind != Kind::Skip && !has_wildcard(e.svc)) {
            continue;
        }
        match s.split_once(':') {
            None => c.push(
                "INVALID_ACTION",
                Severity::Error,
                a.span,
                p(),
                format!("\"{s}\" is not an action: write \"service:ActionName\" (for example \"s3:GetObject\") or \"*\""),
            ),
            Some((svc, name)) => {
                if name.contains(':') {
                    c.push("INVALID_ACTION", Severity::Error, a.span, p(), format!("\"{s}\": an action has exactly one colon, between the service prefix and the action name"));
                } else if has_whitespace(s) {
                    // Accepted by IAM at save time but never matches a request (spec §2.1, §10 item 7).
                    c.push("INVALID_ACTION", Severity::Error, a.span, p(), format!("\"{s}\" contains white space, so it never matches any action"));
                } else if name.is_empty() || svc.is_empty() {
                    c.push("INVALID_ACTION", Severity::Error, a.span, p(), format!("\"{s}\": both the service prefix and the action name must be non-empty"));
                } else if !svc.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'*' || b == b'?') {
                    c.push("INVALID_SERVICE_IN_ACTION", Severity::Error, a.span, p(), format!("\"{svc}\" is not a valid service prefix"));
                } else if svc.contains(['*', '?']) {
                    c.push(
                        "WILDCARD_IN_SERVICE_NAME",
                        Severity::Suggestion,
                        a.span,
                        p(),
                        format!("\"{s}\" has a wildcard in the service prefix; name the services explicitly"),
                    );
                }
            }
        }
    }

    let Some(res) = &st.resource else { return };
    let el = if res.negated {
        "NotResource"
    } else {
        "Resource"
    };
    let mut seen: Vec<&str> = Vec::new();
    // Long lists are checked for repeats through a hash set (same verdicts, not quadratic).
    let mut seen_set: std::collections::HashSet<
        &str,
        std::hash::BuildHasherDefault<super::catalog::FxHasher>,
    > = Default::default();
    let many = res.values.len() > 16;
    for (i, r) in res.values.iter().enumerate() {
        let p = || {
            if res.values.len() == 1 {
                format!("{path}.{el}")
            } else {
                format!("{path}.{el}[{i}]")
            }
        };
        let s = r.value.as_str();
        let repeated = if many {
            !seen_set.insert(s)
        } else {
            seen.contains(&s)
        };
        if repeated {
            c.push(
                "REDUNDANT_RESOURCE",
                Severity::Suggestion,
                r.span,
                p(),
                format!("\"{s}\" is listed twice"),
            );
        }
        if !many {
            seen.push(s);
        }
        if s == "*" {
            continue;
        }
        let Some(rest) = s.strip_prefix("arn:") else {
            c.push(
                "INVALID_ARN_PREFIX",
                Severity::Error,
                r.span,
                p(),
                format!("\"{s}\" must be \"*\" or an ARN starting with \"arn:\""),
            );
            continue;
        };
        // `rest.splitn(5, ':')`, by bytes.
        let mut seg_buf = [""; 5];
        let mut n_segs = 0;
        let mut from = 0;
        for (k, &b) in rest.as_bytes().iter().enumerate() {
            if b == b':' && n_segs < 4 {
                seg_buf[n_segs] = &rest[from..k];
                n_segs += 1;
                from = k + 1;
            }
        }
        seg_buf[n_segs] = &rest[from..];
        n_segs += 1;
        let segs = &seg_buf[..n_segs];
        if segs.len() < 5 {
            // A short ARN whose last segment ends with '*' spans the remaining segments
            // (spec §2.2: `arn:aws:ec2:*` ≈ `arn:aws:ec2:*:*:*`).
            let trailing_star = segs.last().is_some_and(|l| l.ends_with('*'));
            if !(trailing_star
                && matches!(
                    c.policy_type,
                    PolicyType::Identity
                        | PolicyType::PermissionsBoundary
                        | PolicyType::Session
                        | PolicyType::Scp
                        | PolicyType::Resource
                        | PolicyType::VpcEndpoint
                ))
            {
                c.push(
                    "MISSING_ARN_FIELD",
                    Severity::Error,
                    r.span,
                    p(),
                    format!("\"{s}\" has {} of the 6 ARN fields (arn:partition:service:region:account:resource)", segs.len() + 1),
                );
                continue;
            }
        }
        let partition = segs.first().copied().unwrap_or("");
        let service = segs.get(1).copied().unwrap_or("");
        let account = segs.get(3).copied().unwrap_or("");
        let wild = |x: &str| x.contains(['*', '?']) || super::has_variable(x);
        if !wild(partition) && !PARTITIONS.contains(&partition) {
            c.push(
                "INVALID_PARTITION",
                Severity::Error,
                r.span,
                p(),
                format!("\"{partition}\" is not an AWS partition (aws, aws-cn, aws-us-gov, ...)"),
            );
        }
        if service.is_empty() && segs.len() >= 2 {
            c.push(
                "INVALID_ARN_SERVICE",
                Severity::Error,
                r.span,
                p(),
                format!("\"{s}\" has an empty service field"),
            );
        } else if service.contains(['*', '?']) && service != "*" {
            // Wildcards are not allowed in the service segment (spec §2.2 key facts).
            c.push(
                "INVALID_ARN_SERVICE",
                Severity::Error,
                r.span,
                p(),
                format!(
                    "\"{service}\": wildcards are not supported inside the service field of an ARN"
                ),
            );
        } else if service.bytes().any(|b| b.is_ascii_uppercase()) {
            c.push(
                "INVALID_ARN_SERVICE_CASE",
                Severity::Error,
                r.span,
                p(),
                format!("the service \"{service}\" must be lower-case"),
            );
        }
        if segs.len() == 5
            && !account.is_empty()
            && !wild(account)
            && account != "aws"
            && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        {
            c.push(
                "INVALID_ARN_ACCOUNT",
                Severity::Error,
                r.span,
                p(),
                format!("the account \"{account}\" must be a 12-digit account id"),
            );
        }
        if segs.len() == 5 {
            let resource = segs.get(4).copied().unwrap_or("");
            let region = segs.get(2).copied().unwrap_or("");
            if service == "s3"
                && region.is_empty()
                && account.is_empty()
                && super::contains_outside_variables(resource, b':')
            {
                // S3 bucket and object ARNs separate bucket and key with '/' (spec §10 item 10).
                c.push(
                    "INVALID_ARN_RESOURCE",
                    Severity::Error,
                    r.span,
                    p(),
                    format!("\"{s}\": S3 object ARNs separate bucket and key with '/', not ':'"),
                );
            }
            if service == "iam" && !segs.get(2).is_some_and(|r| r.is_empty() || *r == "*") {
                c.push(
                    "ARN_REGION_NOT_ALLOWED",
                    Severity::Error,
                    r.span,
                    p(),
                    format!("IAM resource \"{s}\" cannot contain region information"),
                );
            }
        }
    }
}

/// `s.chars().any(char::is_whitespace)`, by bytes when `s` is ASCII.
fn has_whitespace(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes()
            .any(|b| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' '))
    } else {
        s.chars().any(char::is_whitespace)
    }
}
