//! Validation in one pass, all findings at once (spec §9): the grammar findings of
//! [`crate::read_policy`] plus the element, ARN, variable, condition, size and security checks
//! that need no service catalog, and the checks against the bundled service catalog
//! (`catalog.rs`).

mod catalog;
mod conditions;
mod elements;
mod resources;
mod security;
mod size;
mod variables;

use crate::finding::{Finding, LineIndex, Severity};
use crate::json::ParseOptions;
use crate::policy::{ParsedPolicy, read_policy_indexed};
use iam_model::{PolicyType, Span};

/// Validates a policy document as `policy_type`, returning every finding, sorted by position.
///
/// Never fails: a document that is not JSON yields a `JSON_SYNTAX_ERROR` finding.
///
/// ```
/// use iam_model::PolicyType;
/// let f = iam_parser::validate("{\"Statement\": [", PolicyType::Identity);
/// assert_eq!(f[0].code, "JSON_SYNTAX_ERROR");
/// ```
pub fn validate(text: &str, policy_type: PolicyType) -> Vec<Finding> {
    // The fast path when the document has no grammar finding, else the exact path.
    let parsed = match crate::fast::read(text, ParseOptions::POLICY) {
        Some(policy) => ParsedPolicy { policy: Some(policy), findings: Vec::new() },
        None => read_policy_indexed(text, policy_type, ParseOptions::POLICY, &LineIndex::new(text)),
    };
    let mut out = Checks { findings: parsed.findings, policy_type, near_services: Vec::new() };
    if let Some(policy) = &parsed.policy {
        size::check(&mut out, text);
        elements::check(&mut out, policy);
        for (i, st) in policy.statements.iter().enumerate() {
            let path = if policy.single_statement { "Statement".to_string() } else { format!("Statement[{i}]") };
            resources::check_statement(&mut out, policy, st, &path);
            variables::check_statement(&mut out, policy, st, &path);
            conditions::check_statement(&mut out, st, &path);
            security::check_statement(&mut out, st, &path);
            catalog::check_statement(&mut out, st, &path);
        }
    }
    let mut findings = out.findings;
    findings.sort_by(|a, b| a.span.start.offset.cmp(&b.span.start.offset).then(a.severity.cmp(&b.severity)));
    findings
}

pub(crate) struct Checks {
    pub(crate) findings: Vec<Finding>,
    pub(crate) policy_type: PolicyType,
    /// Unknown service prefixes already looked up, with their near miss (`catalog.rs`).
    pub(crate) near_services: Vec<(String, Option<&'static str>)>,
}

impl Checks {
    pub(crate) fn push(&mut self, code: &'static str, severity: Severity, span: Span, path: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding { code, severity, message: message.into(), path: path.into(), span });
    }
}

/// The text with `${...}` variables removed (so `${*}` is not taken for a wildcard).
pub(crate) fn strip_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text.contains("${")`, with a byte search for `$` instead of a substring searcher.
#[inline]
pub(crate) fn has_variable(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| c == b'$' && b.get(i + 1) == Some(&b'{'))
}
