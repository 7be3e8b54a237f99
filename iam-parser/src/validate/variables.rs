//! Policy variables: syntax and placement (spec §4.1, §4.2).

use super::Checks;
use crate::finding::Severity;
use iam_model::{Policy, Span, Spanned, Statement, parse_template};

pub(super) fn check_statement(c: &mut Checks, policy: &Policy, st: &Statement, path: &str) {
    let enabled = policy.variables_enabled();
    // Not allowed in Action / NotAction, Principal, Sid (spec §4.2).
    let mut not_here: Vec<(&Spanned<String>, String)> = Vec::new();
    for a in &st.action.values {
        not_here.push((a, format!("{path}.{}", if st.action.negated { "NotAction" } else { "Action" })));
    }
    if let Some(sid) = &st.sid {
        not_here.push((sid, format!("{path}.Sid")));
    }
    for (v, p) in not_here {
        if v.value.contains("${") {
            c.push(
                "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                Severity::Error,
                v.span,
                p,
                format!("policy variables are not supported here: \"{}\" is taken literally", v.value),
            );
        }
    }
    if let Some(pr) = &st.principal {
        for (_, v) in pr.value.entries() {
            if v.contains("${") {
                c.push(
                    "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                    Severity::Error,
                    pr.span,
                    format!("{path}.Principal"),
                    format!("policy variables are not supported in principals: \"{v}\""),
                );
            }
        }
    }
    // Resource / NotResource, and condition values (operator-specific rules live in conditions.rs).
    let mut templated: Vec<(&str, Span, String)> = Vec::new();
    if let Some(r) = &st.resource {
        for v in &r.values {
            templated.push((v.value.as_str(), v.span, format!("{path}.{}", if r.negated { "NotResource" } else { "Resource" })));
        }
    }
    for cond in &st.conditions {
        for e in &cond.entries {
            for v in &e.values {
                templated.push((v.text.as_str(), v.span, format!("{path}.Condition.{}.{}", cond.operator.value, e.key.value)));
            }
        }
    }
    for (text, span, p) in templated {
        if !text.contains("${") {
            continue;
        }
        if !enabled {
            c.push(
                "VARIABLE_UNSUPPORTED_IN_VERSION",
                Severity::Error,
                span,
                p,
                format!("\"{text}\" uses a policy variable, but variables need \"Version\": \"2012-10-17\"; here it is literal text"),
            );
            continue;
        }
        if let Err(e) = parse_template(text) {
            c.push(e.code(), Severity::Error, span, p, format!("\"{text}\": {e}"));
        }
    }
}
