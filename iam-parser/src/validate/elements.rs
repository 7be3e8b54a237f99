//! Element rules per policy type (spec §1.4, §1.5, §1.7): principals, resources, Sids.

use super::Checks;
use crate::finding::Severity;
use iam_model::{Effect, Policy, PolicyType, Principal, PrincipalKey, Span};

pub(super) fn check(c: &mut Checks, policy: &Policy, infos: &[crate::policy::StatementInfo]) {
    let t = c.policy_type;
    let mut sids: Vec<(&str, Span)> = Vec::new();
    for (i, st) in policy.statements.iter().enumerate() {
        let info = super::info(infos, i);
        let path = super::StPath {
            single: policy.single_statement,
            index: info.index,
        };
        let at = Span::new(st.span.start, st.span.start);

        // Sid (spec §1.4): IAM policies take [A-Za-z0-9] only and must be unique.
        if let Some(sid) = &st.sid {
            if sid.value.is_empty() {
                c.push(
                    "EMPTY_SID_VALUE",
                    Severity::Suggestion,
                    sid.span,
                    format!("{path}.Sid"),
                    "the Sid is empty: remove it or give it a name",
                );
            } else if iam_stored(t) && !sid.value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                c.push(
                    "UNSUPPORTED_SID",
                    Severity::Error,
                    sid.span,
                    format!("{path}.Sid"),
                    format!("the Sid \"{}\" may contain only ASCII letters and digits in this policy type", sid.value),
                );
            }
            if !sid.value.is_empty() {
                if let Some((_, first)) = sids.iter().find(|(s, _)| *s == sid.value) {
                    let (code, sev) = if unique_sids_required(t) {
                        ("UNIQUE_SIDS_REQUIRED", Severity::Error)
                    } else {
                        ("UNIQUE_SIDS_RECOMMENDED", Severity::Warning)
                    };
                    c.push(
                        code,
                        sev,
                        sid.span,
                        format!("{path}.Sid"),
                        format!(
                            "the Sid \"{}\" is already used by the statement at line {}: Sids must be unique within a policy",
                            sid.value, first.start.line
                        ),
                    );
                }
                sids.push((sid.value.as_str(), sid.span));
            }
        }

        // Principal / NotPrincipal (spec §1.7).
        match &st.principal {
            Some(p) => {
                let el = if p.negated {
                    "NotPrincipal"
                } else {
                    "Principal"
                };
                let ppath = format!("{path}.{el}");
                match t {
                    PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session => c.push(
                        "UNSUPPORTED_PRINCIPAL",
                        Severity::Error,
                        p.span,
                        ppath.clone(),
                        format!("{el} is not allowed in a {} policy: it applies to the identity it is attached to", t.as_str().replace('_', " ")),
                    ),
                    PolicyType::Scp => c.push(
                        "SCP_SYNTAX_ERROR_PRINCIPAL",
                        Severity::Error,
                        p.span,
                        ppath.clone(),
                        format!("{el} is not supported in a service control policy"),
                    ),
                    PolicyType::Trust if p.negated => c.push(
                        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                        Severity::Error,
                        p.span,
                        ppath.clone(),
                        "NotPrincipal is not supported in a role trust policy: name the principals that may assume the role",
                    ),
                    PolicyType::Trust if matches!(p.value, Principal::Star) => c.push(
                        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                        Severity::Error,
                        p.span,
                        ppath.clone(),
                        "\"Principal\": \"*\" is not supported in a role trust policy",
                    ),
                    PolicyType::Rcp if p.negated || !matches!(p.value, Principal::Star) => c.push(
                        "RCP_SYNTAX_ERROR_PRINCIPAL",
                        Severity::Error,
                        p.span,
                        ppath.clone(),
                        "a resource control policy must use \"Principal\": \"*\" (narrow it with conditions)",
                    ),
                    _ => {}
                }
                if p.negated && st.effect.value == Effect::Allow {
                    c.push(
                        "ALLOW_WITH_NOT_PRINCIPAL",
                        Severity::SecurityWarning,
                        p.span,
                        ppath.clone(),
                        "Allow with NotPrincipal grants access to every principal not listed, including anonymous users; AWS does not support it",
                    );
                }
                principal_values(c, &p.value, &ppath, t, info.bad_principal);
            }
            None if t.requires_principal() && !info.bad_principal => c.push(
                "MISSING_PRINCIPAL",
                Severity::Error,
                at,
                path.to_string(),
                format!(
                    "a {} policy statement must have a Principal",
                    t.as_str().replace('_', " ")
                ),
            ),
            None => {}
        }

        // Resource / NotResource (spec §1.7).
        match &st.resource {
            Some(r) if t == PolicyType::Trust => c.push(
                "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                Severity::Error,
                r.span,
                format!(
                    "{path}.{}",
                    if r.negated { "NotResource" } else { "Resource" }
                ),
                "a role trust policy must not have a Resource: the resource is the role itself",
            ),
            Some(_) => {}
            None if !info.bad_resource
                && matches!(
                    t,
                    PolicyType::Identity
                        | PolicyType::PermissionsBoundary
                        | PolicyType::Session
                        | PolicyType::Scp
                ) =>
            {
                c.push(
                    "MISSING_RESOURCE",
                    Severity::Error,
                    at,
                    path.to_string(),
                    "the statement has no Resource or NotResource element",
                )
            }
            None => {}
        }
        if let Some(r) = &st.resource
            && r.values.is_empty()
            && !info.bad_resource
        {
            c.push(
                "EMPTY_ARRAY_RESOURCE",
                Severity::Suggestion,
                r.span,
                format!("{path}.Resource"),
                "the Resource array is empty, so the statement matches no resource",
            );
        }
        if st.action.values.is_empty() && st.action.span != Span::default() && !info.bad_action {
            c.push(
                "EMPTY_ARRAY_ACTION",
                Severity::Suggestion,
                st.action.span,
                format!("{path}.Action"),
                "the Action array is empty, so the statement matches no action",
            );
        }
        if t == PolicyType::Rcp && st.effect.value == Effect::Allow {
            c.push(
                "RCP_SYNTAX_ERROR_ALLOW",
                Severity::Warning,
                st.effect.span,
                format!("{path}.Effect"),
                "customer resource control policies can only deny; Allow is reserved for the AWS-managed RCPFullAWSAccess",
            );
        }
    }
}

/// Policy types stored by IAM, which restrict Sids to `[A-Za-z0-9]` (spec §1.4).
fn iam_stored(t: PolicyType) -> bool {
    matches!(
        t,
        PolicyType::Identity
            | PolicyType::PermissionsBoundary
            | PolicyType::Trust
            | PolicyType::Session
    )
}

fn unique_sids_required(t: PolicyType) -> bool {
    !matches!(t, PolicyType::Resource | PolicyType::VpcEndpoint)
}

/// `bad`: the principal had entries that could not be read (already reported), so an empty
/// object or array is not worth a finding of its own.
fn principal_values(c: &mut Checks, p: &Principal, path: &str, t: PolicyType, bad: bool) {
    let Principal::Map(entries) = p else { return };
    if entries.is_empty() && !bad {
        c.push(
            "EMPTY_OBJECT_PRINCIPAL",
            Severity::Suggestion,
            Span::default(),
            path,
            "the principal object is empty, so it matches nobody",
        );
    }
    for (key, values) in entries {
        let kpath = format!("{path}.{}", key.value);
        if values.is_empty() && !bad {
            c.push(
                "EMPTY_ARRAY_PRINCIPAL",
                Severity::Suggestion,
                key.span,
                kpath.clone(),
                "the principal array is empty, so it matches nobody",
            );
        }
        if key.value == PrincipalKey::Federated && !matches!(t, PolicyType::Trust) {
            c.push(
                "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                Severity::Error,
                key.span,
                kpath.clone(),
                "Federated principals are only supported in role trust policies",
            );
        }
        for v in values {
            let s = v.value.as_str();
            if s != "*" && (s.contains('*') || s.contains('?')) {
                c.push(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    Severity::Error,
                    v.span,
                    kpath.clone(),
                    format!("\"{s}\": wildcards in principals never match; use \"*\" with a condition on aws:PrincipalArn (ArnLike)"),
                );
                continue;
            }
            match key.value {
                PrincipalKey::Service => {
                    let ok = s == "*"
                        || ([".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"]
                            .iter()
                            .any(|suf| {
                                s.strip_suffix(suf).is_some_and(|n| {
                                    !n.is_empty()
                                        && n.bytes().all(|b| {
                                            b.is_ascii_lowercase()
                                                || b.is_ascii_digit()
                                                || b == b'-'
                                                || b == b'.'
                                        })
                                })
                            }));
                    if !ok {
                        c.push(
                            "INVALID_SERVICE_PRINCIPAL_FORMAT",
                            Severity::Error,
                            v.span,
                            kpath.clone(),
                            format!("\"{s}\" is not a service principal: expected lower-case NAME.amazonaws.com"),
                        );
                    }
                }
                PrincipalKey::Aws => {
                    if s.starts_with("AIDA") {
                        c.push("INVALID_USER_REFERENCE", Severity::Warning, v.span, kpath.clone(), format!("\"{s}\" is a user's unique id: it stops matching if the user is deleted and re-created"));
                    } else if s.starts_with("AROA") {
                        c.push("INVALID_ROLE_REFERENCE", Severity::Warning, v.span, kpath.clone(), format!("\"{s}\" is a role's unique id: it stops matching if the role is deleted and re-created"));
                    } else if !(s == "*"
                        || (s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
                        || s.starts_with("arn:")
                        || is_unique_id(s))
                    {
                        c.push(
                            "INVALID_PRINCIPAL_FORMAT",
                            Severity::Error,
                            v.span,
                            kpath.clone(),
                            format!("\"{s}\" is not an AWS principal: expected \"*\", a 12-digit account id, an ARN or a unique id"),
                        );
                    }
                }
                PrincipalKey::Federated | PrincipalKey::CanonicalUser => {}
            }
        }
    }
}

fn is_unique_id(s: &str) -> bool {
    s.len() >= 16
        && s.len() <= 128
        && s.starts_with('A')
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
