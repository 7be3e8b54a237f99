//! Security warnings that need no service catalog (spec §9.3, §9.4): `iam:PassRole` and
//! `iam:CreateServiceLinkedRole` granted on every resource.

use super::{Checks, StPath};
use crate::finding::Severity;
use iam_model::{Effect, Statement, glob_ci};

/// Whether the statement's actions cover `action`, and (when they do) whether an entry has a `*`.
fn action_covers(st: &Statement, action: &str) -> (bool, bool) {
    // A pattern whose first byte is a literal other than the action's first cannot match it.
    let first = action.as_bytes().first().copied().unwrap_or(0);
    let could = |a: &str| {
        a.as_bytes()
            .first()
            .is_none_or(|&b| b == b'*' || b == b'?' || b.eq_ignore_ascii_case(&first))
    };
    let listed = st
        .action
        .iter()
        .any(|a| a == "*" || (could(a) && glob_ci(a, action)));
    if st.action.negated {
        (!listed, false)
    } else if listed {
        (true, st.action.iter().any(|a| a.contains('*')))
    } else {
        (false, false) // `star` is not looked at when the action is not covered
    }
}

pub(super) fn check_statement(c: &mut Checks, st: &Statement, path: &StPath) {
    if st.effect.value != Effect::Allow {
        return;
    }
    let Some(res) = &st.resource else { return };
    let star_res = !res.negated
        && res
            .iter()
            .any(|r| r == "*" || r.ends_with(":*") || r.ends_with(":role/*"));
    let has_cond = |key: &str| {
        st.conditions.iter().any(|cd| {
            cd.entries
                .iter()
                .any(|e| e.key.value.eq_ignore_ascii_case(key))
        })
    };
    for (action, prefix, sev, guard) in [
        (
            "iam:PassRole",
            "PASS_ROLE",
            Severity::SecurityWarning,
            "iam:PassedToService",
        ),
        (
            "iam:CreateServiceLinkedRole",
            "CREATE_SLR",
            Severity::Warning,
            "iam:AWSServiceName",
        ),
    ] {
        let (covered, star_action) = action_covers(st, action);
        if !covered || has_cond(guard) {
            continue;
        }
        let code: &'static str = match (
            prefix,
            st.action.negated,
            star_action,
            res.negated,
            star_res,
        ) {
            ("PASS_ROLE", true, _, true, _) => "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            ("PASS_ROLE", false, true, true, _) => "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            ("PASS_ROLE", false, false, true, _) => "PASS_ROLE_WITH_NOT_RESOURCE",
            ("PASS_ROLE", true, _, false, true) => "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            ("PASS_ROLE", false, true, false, true) => "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
            ("PASS_ROLE", false, false, false, true) => "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            ("CREATE_SLR", true, _, true, _) => "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            ("CREATE_SLR", false, true, true, _) => {
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
            }
            ("CREATE_SLR", false, false, true, _) => "CREATE_SLR_WITH_NOT_RESOURCE",
            ("CREATE_SLR", true, _, false, true) => {
                "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
            }
            ("CREATE_SLR", false, true, false, true) => {
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"
            }
            ("CREATE_SLR", false, false, false, true) => "CREATE_SLR_WITH_STAR_IN_RESOURCE",
            _ => continue,
        };
        let msg = if prefix == "PASS_ROLE" {
            "this statement lets the principal pass any role to any service (iam:PassRole on every resource): limit Resource to specific role ARNs or add an iam:PassedToService condition"
        } else {
            "this statement lets the principal create any service-linked role: limit Resource to specific role ARNs or add an iam:AWSServiceName condition"
        };
        c.push(code, sev, st.span, path.to_string(), msg);
    }
}

#[cfg(test)]
mod tests {
    use super::glob_ci;

    #[test]
    fn glob() {
        assert!(glob_ci("iam:Pass*", "iam:PassRole"));
        assert!(glob_ci("IAM:passrole", "iam:PassRole"));
        assert!(glob_ci("iam:?assRole", "iam:PassRole"));
        assert!(!glob_ci("iam:Pass", "iam:PassRole"));
        assert!(glob_ci("*", ""));
        assert!(!glob_ci("a?", "a"));
    }
}
