//! `Action` / `NotAction` matching: case-insensitive globs on `service:name` (spec §2.1).

use crate::glob::{Case, Glob};

/// One compiled action pattern.
#[derive(Debug, Clone)]
pub(crate) enum ActionPattern {
    /// `*`: every action of every service.
    All,
    /// `prefix:name` split at the first colon; both halves are case-insensitive globs.
    Split {
        /// The service prefix, lower-cased (used by the service index when it has no wildcard).
        service: Box<str>,
        /// Glob over the service prefix.
        service_glob: Glob,
        /// Glob over the action name.
        name: Glob,
    },
    /// A string without a colon other than `*`: never matches a real action.
    Never,
}

impl ActionPattern {
    /// Compiles a pattern as written; whitespace is kept (it never matches: spec §2.1).
    pub(crate) fn compile(text: &str) -> ActionPattern {
        if text == "*" {
            return ActionPattern::All;
        }
        match text.split_once(':') {
            Some((svc, name)) => ActionPattern::Split {
                service: svc.to_ascii_lowercase().into_boxed_str(),
                service_glob: Glob::wild(svc, Case::Insensitive),
                name: Glob::wild(name, Case::Insensitive),
            },
            None => ActionPattern::Never,
        }
    }

    /// The literal service prefix when the pattern can only match that service.
    pub(crate) fn literal_service(&self) -> Option<&str> {
        match self {
            ActionPattern::Split {
                service,
                service_glob,
                ..
            } if !service_glob.has_wildcard() => Some(service),
            _ => None,
        }
    }

    /// The lower-cased action name when the name part has no wildcard and is ASCII (used by
    /// the exact-name index).
    pub(crate) fn exact_name(&self) -> Option<&str> {
        match self {
            ActionPattern::Split { name, .. } => name.exact_text().filter(|n| n.is_ascii()),
            _ => None,
        }
    }

    /// Matches the name part only (the caller already knows the service matched).
    pub(crate) fn matches_name(&self, name: &str) -> bool {
        match self {
            ActionPattern::All => true,
            ActionPattern::Split { name: n, .. } => n.matches(name),
            ActionPattern::Never => false,
        }
    }

    /// Matches a request action `service:Name`.
    pub(crate) fn matches(&self, service: &str, name: &str) -> bool {
        match self {
            ActionPattern::All => true,
            ActionPattern::Split {
                service_glob,
                name: n,
                ..
            } => service_glob.matches(service) && n.matches(name),
            ActionPattern::Never => false,
        }
    }
}

/// Splits a request action at its first colon (`None` when there is none).
pub(crate) fn split_action(action: &str) -> (&str, &str) {
    crate::glob::split_colon(action).unwrap_or((action, "\u{0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, a: &str) -> bool {
        let (s, n) = split_action(a);
        ActionPattern::compile(p).matches(s, n)
    }

    // spec §2.1 and §10 item 13: action matching ignores case; wildcards anywhere in the name.
    #[test]
    fn case_insensitive_and_wildcards() {
        assert!(m("s3:GetObject", "S3:getobject"));
        assert!(m("s3:Get*", "s3:GetObjectAcl"));
        assert!(m("iam:*AccessKey*", "iam:ListAccessKeys"));
        assert!(m("*", "ec2:RunInstances"));
        assert!(m("s?:Get*", "s3:GetObject"));
        assert!(!m("s3:Get*", "s3:PutObject"));
        assert!(!m("s3:Get*", "sqs:GetQueueUrl"));
    }

    // spec §2.1 / §10 item 7: whitespace and empty names are accepted but never match; no trim.
    #[test]
    fn whitespace_and_empty_never_match() {
        assert!(!m("s3:GetBucket   ", "s3:GetBucket"));
        assert!(!m("s3:      ", "s3:GetBucket"));
        assert!(!m("s3:", "s3:GetBucket"));
        assert!(!m("s3", "s3:GetBucket"));
    }
}
