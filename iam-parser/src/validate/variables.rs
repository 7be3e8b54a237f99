//! Policy variables: syntax and placement (spec §4.1, §4.2).

use super::{Checks, StPath};
use crate::finding::Severity;
use iam_model::{Policy, Statement, parse_template};

pub(super) fn check_statement(c: &mut Checks, policy: &Policy, st: &Statement, path: &StPath) {
    let enabled = policy.variables_enabled();
    // Not allowed in Action / NotAction, Principal, Sid (spec §4.2).
    // Paths are rendered only for a finding; the order of the checks is the order of findings.
    let action_el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let not_here = st
        .action
        .values
        .iter()
        .map(|a| (a, action_el))
        .chain(st.sid.iter().map(|sid| (sid, "Sid")));
    for (v, el) in not_here {
        if super::has_variable(&v.value) {
            c.push(
                "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                Severity::Error,
                v.span,
                format!("{path}.{el}"),
                format!(
                    "policy variables are not supported here: \"{}\" is taken literally",
                    v.value
                ),
            );
        }
    }
    if let Some(pr) = &st.principal {
        for (_, v) in pr.value.entries() {
            if super::has_variable(v) {
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
    let resources = st.resource.iter().flat_map(|r| {
        let el = if r.negated { "NotResource" } else { "Resource" };
        r.values
            .iter()
            .map(move |v| (v.value.as_str(), v.span, Where::Resource(el)))
    });
    let condition_values = st.conditions.iter().flat_map(|cond| {
        cond.entries.iter().flat_map(move |e| {
            e.values.iter().map(move |v| {
                (
                    v.text.as_str(),
                    v.span,
                    Where::Condition(&cond.operator.value, &e.key.value),
                )
            })
        })
    });
    for (text, span, at) in resources.chain(condition_values) {
        if !super::has_variable(text) {
            continue;
        }
        // Rendered only for a finding.
        let p = || match at {
            Where::Resource(el) => format!("{path}.{el}"),
            Where::Condition(op, key) => format!("{path}.Condition.{op}.{key}"),
        };
        if !enabled {
            c.push(
                "VARIABLE_UNSUPPORTED_IN_VERSION",
                Severity::Error,
                span,
                p(),
                format!("\"{text}\" uses a policy variable, but variables need \"Version\": \"2012-10-17\"; here it is literal text"),
            );
            continue;
        }
        if let Err(e) = parse_template(text) {
            c.push(
                e.code(),
                Severity::Error,
                span,
                p(),
                format!("\"{text}\": {e}"),
            );
        }
    }
}

/// Where a templated value sits, to render its path when a finding needs it.
enum Where<'a> {
    Resource(&'static str),
    Condition(&'a iam_model::OperatorName, &'a str),
}
