//! From observed calls to a policy (issue #12, `iamkit policy-from-log`): the least-privilege
//! identity policy that covers exactly the authorization checks one principal made, read from
//! the decision log of `iamkit serve` (JSON lines, one object per authorization check, with at
//! least `"principal"`, `"action"`, `"resource"` and `"decision"`).
//!
//! The policy is built from what the log shows and nothing more:
//!
//! - every logged `(action, resource)` of the principal is granted, on exactly the logged
//!   resource ARN (identical ARNs are kept once); no wildcard is invented, and the characters
//!   `*`, `?` and `$` in a logged ARN are written as `${*}`, `${?}` and `${$}` so that they match
//!   only themselves (spec §6, policy variables: "special characters");
//! - an action that has no resource types in the bundled service catalog can only be granted
//!   with `"Resource": "*"` (Service Authorization Reference: "If there is no value in the
//!   Resource types column, you must specify all resources ("*")"), so it gets `*`;
//! - actions with the same set of resources share one statement; statements are ordered by
//!   their resource sets, actions and resources are sorted: the same log always gives the same
//!   bytes.
//!
//! The result is checked before it is returned: [`iam_parser::validate`] must report no
//! `ERROR` or `SECURITY_WARNING` finding, and every logged request, re-evaluated with the
//! [`Engine`] against the policy alone, must be allowed.
//!
//! ```
//! use iam_analysis::{DecisionFilter, policy_from_log};
//! let log = r#"{"principal":"arn:aws:iam::111122223333:user/alice","action":"iam:GetUser","resource":"arn:aws:iam::111122223333:user/alice","decision":"allowed"}
//! {"principal":"arn:aws:iam::111122223333:user/alice","action":"iam:ListUsers","resource":"arn:aws:iam::111122223333:user/","decision":"implicitDeny"}
//! {"principal":"arn:aws:iam::111122223333:user/bob","action":"iam:DeleteUser","resource":"arn:aws:iam::111122223333:user/alice","decision":"allowed"}"#;
//! let p = policy_from_log(log, "arn:aws:iam::111122223333:user/alice", DecisionFilter::All).unwrap();
//! assert_eq!(p.requests, 2);
//! assert_eq!(p.statements.len(), 2);
//! assert_eq!(p.statements[0].actions, ["iam:ListUsers"]);
//! assert_eq!(p.statements[1].resources, ["arn:aws:iam::111122223333:user/alice"]);
//! let bad = policy_from_log("{}\nnot json", "arn:aws:iam::111122223333:user/alice", DecisionFilter::All);
//! assert_eq!(bad.unwrap_err().line, 1);
//! ```

use iam_eval::{Decision, Engine, Principal, Request};
use iam_model::PolicyType;
use iam_model::catalog::Catalog;
use iam_parser::Severity;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Which logged decisions [`policy_from_log`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionFilter {
    /// Every call the principal made, allowed or denied (the default: "the calls that
    /// principal made (or was denied)", issue #12).
    All,
    /// Only the calls that were allowed.
    Allowed,
    /// Only the calls that were denied (`explicitDeny` or `implicitDeny`): what the principal
    /// was missing.
    Denied,
}

impl DecisionFilter {
    /// Parses `all`, `allowed` or `denied`.
    pub fn parse(text: &str) -> Option<DecisionFilter> {
        match text {
            "all" => Some(DecisionFilter::All),
            "allowed" => Some(DecisionFilter::Allowed),
            "denied" => Some(DecisionFilter::Denied),
            _ => None,
        }
    }

    fn keeps(self, decision: &str) -> bool {
        match self {
            DecisionFilter::All => true,
            DecisionFilter::Allowed => decision == "allowed",
            DecisionFilter::Denied => decision != "allowed",
        }
    }
}

/// Why a decision log could not be turned into a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    /// The 1-based line of the log at fault; 0 when the fault is not one line's (the
    /// principal argument, or the generated policy failing its own checks).
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for LogError {}

/// A log line [`policy_from_log`] skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogWarning {
    /// The 1-based line.
    pub line: usize,
    /// What was skipped.
    pub message: String,
}

/// One statement of the generated policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogStatement {
    /// The actions, AWS's spelling, sorted.
    pub actions: Vec<String>,
    /// The resources as written in the policy (escaped), sorted.
    pub resources: Vec<String>,
}

/// One distinct request of the log that the policy covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LoggedRequest {
    /// The calling principal's ARN as logged.
    pub principal: String,
    /// The action, AWS's spelling.
    pub action: String,
    /// The resource ARN as logged (`*` when the log has none).
    pub resource: String,
    /// The logged decision.
    pub decision: String,
}

/// The policy [`policy_from_log`] derived, with what it covers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PolicyFromLog {
    /// The identity policy document (`Version` 2012-10-17, one `Allow` statement per resource
    /// set, `Sid`s `Observed1`, `Observed2`, ...).
    pub policy: Value,
    /// The statements, in the order of the document.
    pub statements: Vec<LogStatement>,
    /// How many log lines were the principal's and kept by the filter.
    pub requests: usize,
    /// The distinct requests covered (principal, action, resource, decision), sorted.
    pub distinct: Vec<LoggedRequest>,
    /// How many of them had been denied when they were logged.
    pub denied: usize,
    /// How many log lines were read (blank lines excluded).
    pub lines: usize,
    /// Lines skipped: records cut short when the server was killed while writing them.
    pub warnings: Vec<LogWarning>,
}

impl PolicyFromLog {
    /// The policy as pretty-printed JSON (two-space indent, keys in `Version`, `Statement`,
    /// `Sid`, `Effect`, `Action`, `Resource` order), ending with a newline.
    pub fn policy_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.policy).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// True when `logged` is `wanted`, or `wanted` is a role ARN and `logged` one of its sessions
/// (`arn:aws:sts::A:assumed-role/NAME/SESSION`; the session ARN has no role path, spec §2.3):
/// the identity policy of a role governs its sessions.
fn principal_matches(wanted: &str, logged: &str) -> bool {
    if wanted == logged {
        return true;
    }
    let w: Vec<&str> = wanted.splitn(6, ':').collect();
    let l: Vec<&str> = logged.splitn(6, ':').collect();
    let ([_, wp, "iam", _, wa, wr], [_, lp, "sts", _, la, lr]) = (w.as_slice(), l.as_slice())
    else {
        return false;
    };
    let (Some(role_path), Some(session)) =
        (wr.strip_prefix("role/"), lr.strip_prefix("assumed-role/"))
    else {
        return false;
    };
    let role_name = role_path.rsplit('/').next().unwrap_or_default();
    wp == lp
        && wa == la
        && session
            .split_once('/')
            .is_some_and(|(name, s)| name == role_name && !s.is_empty())
}

/// Writes a logged resource ARN as a policy `Resource` that matches only that ARN: `*`, `?`
/// and `$` become `${*}`, `${?}` and `${$}` (spec §6; IAM User Guide, "IAM policy elements:
/// Variables and tags", special characters).
fn escape_resource(arn: &str) -> String {
    let mut out = String::with_capacity(arn.len());
    for c in arn.chars() {
        match c {
            '*' | '?' | '$' => {
                out.push_str("${");
                out.push(c);
                out.push('}');
            }
            _ => out.push(c),
        }
    }
    out
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str, line: usize) -> Result<&'a Value, LogError> {
    obj.get(name).ok_or_else(|| LogError {
        line,
        message: format!("missing field \"{name}\": expected a decision record with \"principal\", \"action\", \"resource\" and \"decision\""),
    })
}

fn string_or_null<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    line: usize,
) -> Result<Option<&'a str>, LogError> {
    match field(obj, name, line)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(LogError {
            line,
            message: format!("field \"{name}\": expected a string or null, got {other}"),
        }),
    }
}

/// Reads a decision log (JSON lines; blank lines are skipped) and derives the least-privilege
/// identity policy covering the calls of `principal` that `filter` keeps (see the module
/// documentation for the rules and checks).
///
/// Fails with the 1-based line number when a line is not a JSON object, lacks a field, has a
/// decision other than `allowed`, `explicitDeny` or `implicitDeny`, or names an action the
/// service catalog does not know; fails (line 0) when `principal` is not an ARN, when no line
/// of the log is the principal's, or when the policy does not pass its own checks.
pub fn policy_from_log(
    text: &str,
    principal: &str,
    filter: DecisionFilter,
) -> Result<PolicyFromLog, LogError> {
    let top = |message: String| LogError { line: 0, message };
    if !principal.starts_with("arn:") || Principal::parse(principal).is_err() {
        return Err(top(format!(
            "principal {principal:?}: expected the ARN of a user, role, role session or root user"
        )));
    }
    let cat = Catalog::get();
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut distinct: BTreeSet<LoggedRequest> = BTreeSet::new();
    let (mut requests, mut lines) = (0usize, 0usize);
    let mut warnings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        lines += 1;
        let value: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            // The start of a record whose end never reached the file: the server was killed
            // while writing it (a restarted server starts its records on the next line). It
            // is skipped with a warning; any other malformed line is an error.
            Err(e) if e.is_eof() && raw.starts_with('{') => {
                warnings.push(LogWarning {
                    line,
                    message: format!(
                        "an incomplete record ({} bytes, cut short when the server was stopped \
                         while writing it) was skipped",
                        raw.len()
                    ),
                });
                continue;
            }
            Err(e) => {
                // serde_json's message ends with "at line 1 column N": the line is ours.
                let text = e.to_string();
                let what = text
                    .rsplit_once(" at line ")
                    .map_or(text.as_str(), |(w, _)| w);
                return Err(LogError {
                    line,
                    message: format!("not a JSON object: {what} at column {}", e.column()),
                });
            }
        };
        let Value::Object(obj) = &value else {
            return Err(LogError {
                line,
                message: "expected a JSON object (one decision record per line)".into(),
            });
        };
        // A request that failed authentication is logged with "principal": null (and may
        // carry no action): it is nobody's call, so nothing else of it is read.
        let Some(logged_principal) = string_or_null(obj, "principal", line)? else {
            continue;
        };
        let action = string_or_null(obj, "action", line)?.ok_or_else(|| LogError {
            line,
            message: "field \"action\": expected a string such as \"iam:CreateUser\", got null"
                .into(),
        })?;
        let resource = string_or_null(obj, "resource", line)?.unwrap_or("*");
        let decision = string_or_null(obj, "decision", line)?.unwrap_or_default();
        if !matches!(decision, "allowed" | "explicitDeny" | "implicitDeny") {
            return Err(LogError {
                line,
                message: format!(
                    "field \"decision\": expected \"allowed\", \"explicitDeny\" or \"implicitDeny\", got {decision:?}"
                ),
            });
        }
        if !principal_matches(principal, logged_principal) || !filter.keeps(decision) {
            continue;
        }
        // Only the principal's own actions go into the policy, so only they must be known.
        let Some(a) = cat.action(action) else {
            return Err(LogError {
                line,
                message: format!(
                    "field \"action\": {action:?} is not an action of the service catalog"
                ),
            });
        };
        requests += 1;
        let name = a.full_name();
        // An action without resource types is granted only by "*" (Service Authorization
        // Reference, "Resource types" column); otherwise the logged ARN exactly.
        let granted = if a.supports_resource_level() && resource != "*" {
            escape_resource(resource)
        } else {
            "*".to_string()
        };
        by_action.entry(name.clone()).or_default().insert(granted);
        distinct.insert(LoggedRequest {
            principal: logged_principal.to_string(),
            action: name,
            resource: resource.to_string(),
            decision: decision.to_string(),
        });
    }
    if requests == 0 {
        return Err(top(format!(
            "no call of {principal} in the log ({lines} records read{})",
            match filter {
                DecisionFilter::All => "",
                DecisionFilter::Allowed => ", allowed ones only",
                DecisionFilter::Denied => ", denied ones only",
            }
        )));
    }
    // Group actions by their resource set; BTreeMap order makes the output deterministic.
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (action, resources) in by_action {
        groups
            .entry(resources.into_iter().collect())
            .or_default()
            .push(action);
    }
    let statements: Vec<LogStatement> = groups
        .into_iter()
        .map(|(resources, actions)| LogStatement { actions, resources })
        .collect();
    let doc_statements: Vec<Value> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut m = Map::new();
            m.insert("Sid".into(), json!(format!("Observed{}", i + 1)));
            m.insert("Effect".into(), json!("Allow"));
            m.insert("Action".into(), json!(s.actions));
            m.insert("Resource".into(), json!(s.resources));
            Value::Object(m)
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("Version".into(), json!("2012-10-17"));
    doc.insert("Statement".into(), Value::Array(doc_statements));
    let out = PolicyFromLog {
        policy: Value::Object(doc),
        statements,
        requests,
        denied: distinct.iter().filter(|r| r.decision != "allowed").count(),
        distinct: distinct.into_iter().collect(),
        lines,
        warnings,
    };
    check(&out)?;
    Ok(out)
}

/// The generated policy's own checks: no `ERROR`/`SECURITY_WARNING` finding, and every
/// distinct logged request allowed by the policy alone.
fn check(out: &PolicyFromLog) -> Result<(), LogError> {
    let top = |message: String| LogError { line: 0, message };
    let text = out.policy_json();
    let bad: Vec<String> = iam_parser::validate(&text, PolicyType::Identity)
        .into_iter()
        .filter(|f| matches!(f.severity, Severity::Error | Severity::SecurityWarning))
        .map(|f| f.to_string())
        .collect();
    if !bad.is_empty() {
        return Err(top(format!(
            "the derived policy fails validation: {}",
            bad.join("; ")
        )));
    }
    let policy = iam_parser::parse_policy(&text, PolicyType::Identity)
        .map_err(|e| top(format!("the derived policy does not parse: {e}")))?;
    let engine = Engine::builder()
        .identity(&policy)
        .build()
        .map_err(|e| top(format!("the derived policy does not compile: {e}")))?;
    for r in &out.distinct {
        let p = Principal::parse(&r.principal)
            .map_err(|e| top(format!("logged principal {:?}: {e}", r.principal)))?;
        let d = engine.evaluate(&Request::new(&p, &r.action, &r.resource));
        if d != Decision::Allowed {
            return Err(top(format!(
                "the derived policy does not allow {} on {} for {} ({d:?})",
                r.action, r.resource, r.principal
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    fn rec(principal: &str, action: &str, resource: &str, decision: &str) -> String {
        json!({"time": "2026-12-06T08:00:00Z", "request_id": "r", "service": "iam",
               "operation": "X", "principal": principal, "access_key_id": "AKIA",
               "action": action, "resource": resource, "decision": decision,
               "enforced": true, "outcome": "ok", "error_code": null, "source_ip": "127.0.0.1",
               "user_agent": "ua", "explanation": "", "statements": []})
        .to_string()
    }

    #[test]
    fn groups_by_resource_set_and_keeps_arns_exact() {
        let log = [
            rec(
                ALICE,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/bob",
                "allowed",
            ),
            rec(
                ALICE,
                "iam:TagUser",
                "arn:aws:iam::111122223333:user/bob",
                "allowed",
            ),
            rec(
                ALICE,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/bob",
                "allowed",
            ),
            rec(
                ALICE,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/carol",
                "implicitDeny",
            ),
            rec(
                ALICE,
                "iam:TagUser",
                "arn:aws:iam::111122223333:user/carol",
                "explicitDeny",
            ),
            rec(
                ALICE,
                "iam:ListUsers",
                "arn:aws:iam::111122223333:user/",
                "allowed",
            ),
            rec(ALICE, "sts:GetCallerIdentity", "*", "allowed"),
            rec(
                "arn:aws:iam::111122223333:user/bob",
                "iam:DeleteUser",
                "arn:aws:iam::111122223333:user/x",
                "allowed",
            ),
        ]
        .join("\n");
        let p = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap();
        assert_eq!(p.requests, 7);
        assert_eq!(p.lines, 8);
        assert_eq!(p.distinct.len(), 6);
        assert_eq!(p.denied, 2);
        // iam:ListUsers has no resource type in the catalog: "*" whatever ARN was logged.
        assert!(
            !Catalog::get()
                .action("iam:ListUsers")
                .unwrap()
                .supports_resource_level()
        );
        let got: Vec<(Vec<&str>, Vec<&str>)> = p
            .statements
            .iter()
            .map(|s| {
                (
                    s.actions.iter().map(String::as_str).collect(),
                    s.resources.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (vec!["iam:ListUsers", "sts:GetCallerIdentity"], vec!["*"]),
                (
                    vec!["iam:CreateUser", "iam:TagUser"],
                    vec![
                        "arn:aws:iam::111122223333:user/bob",
                        "arn:aws:iam::111122223333:user/carol"
                    ]
                ),
            ]
        );
        assert_eq!(p.policy["Statement"][0]["Sid"], "Observed1");
        // Deterministic: the same log in another order gives the same bytes.
        let mut lines: Vec<&str> = log.lines().collect();
        lines.reverse();
        let q = policy_from_log(&lines.join("\n"), ALICE, DecisionFilter::All).unwrap();
        assert_eq!(p.policy_json(), q.policy_json());
    }

    #[test]
    fn filters_decisions() {
        let log = [
            rec(
                ALICE,
                "iam:GetUser",
                "arn:aws:iam::111122223333:user/alice",
                "allowed",
            ),
            rec(
                ALICE,
                "iam:DeleteUser",
                "arn:aws:iam::111122223333:user/bob",
                "implicitDeny",
            ),
        ]
        .join("\n");
        let only = |f| {
            policy_from_log(&log, ALICE, f)
                .unwrap()
                .statements
                .iter()
                .flat_map(|s| s.actions.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(only(DecisionFilter::Allowed), ["iam:GetUser"]);
        assert_eq!(only(DecisionFilter::Denied), ["iam:DeleteUser"]);
        // Statements are ordered by resource set (user/alice before user/bob).
        assert_eq!(only(DecisionFilter::All), ["iam:GetUser", "iam:DeleteUser"]);
        assert_eq!(
            DecisionFilter::parse("denied"),
            Some(DecisionFilter::Denied)
        );
        assert_eq!(DecisionFilter::parse("nope"), None);
    }

    #[test]
    fn actions_without_resource_types_get_star() {
        // sts:GetCallerIdentity has no resource types: even a logged ARN becomes "*".
        let log = rec(ALICE, "sts:GetCallerIdentity", ALICE, "allowed");
        let p = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap();
        assert_eq!(p.statements[0].resources, ["*"]);
    }

    #[test]
    fn wildcard_characters_in_arns_are_escaped() {
        let arn = "arn:aws:s3:::bucket/a*b?c$d";
        let log = rec(ALICE, "s3:GetObject", arn, "allowed");
        let p = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap();
        assert_eq!(
            p.statements[0].resources,
            ["arn:aws:s3:::bucket/a${*}b${?}c${$}d"]
        );
        // The escaped pattern matches the logged object and not its neighbours.
        let text = p.policy_json();
        let policy = iam_parser::parse_policy(&text, PolicyType::Identity).unwrap();
        let engine = Engine::builder().identity(&policy).build().unwrap();
        let alice = Principal::parse(ALICE).unwrap();
        let d = |r: &str| engine.evaluate(&Request::new(&alice, "s3:GetObject", r));
        assert_eq!(d(arn), Decision::Allowed);
        assert_ne!(d("arn:aws:s3:::bucket/aXXbYc$d"), Decision::Allowed);
    }

    #[test]
    fn role_arn_covers_its_sessions() {
        let role = "arn:aws:iam::111122223333:role/ops/Deploy";
        let log = [
            rec(
                "arn:aws:sts::111122223333:assumed-role/Deploy/ci",
                "iam:GetRole",
                "arn:aws:iam::111122223333:role/ops/Deploy",
                "allowed",
            ),
            rec(
                "arn:aws:sts::111122223333:assumed-role/Other/ci",
                "iam:DeleteRole",
                "arn:aws:iam::111122223333:role/Other",
                "allowed",
            ),
            rec(
                "arn:aws:sts::222222222222:assumed-role/Deploy/ci",
                "iam:DeleteRole",
                "arn:aws:iam::111122223333:role/Other",
                "allowed",
            ),
        ]
        .join("\n");
        let p = policy_from_log(&log, role, DecisionFilter::All).unwrap();
        assert_eq!(p.requests, 1);
        assert_eq!(p.statements[0].actions, ["iam:GetRole"]);
        assert!(!principal_matches(
            role,
            "arn:aws:sts::111122223333:assumed-role/Deploy/"
        ));
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let good = rec(ALICE, "iam:GetUser", ALICE, "allowed");
        let cases: [(String, &str); 7] = [
            (
                format!("{good}\n\n{{\"principal\": x}}"),
                "not a JSON object",
            ),
            (format!("{good}\n[1, 2]"), "expected a JSON object"),
            (
                format!("{good}\n{}", json!({"principal": ALICE})),
                "missing field \"action\"",
            ),
            (
                format!("{good}\n{}", rec(ALICE, "iam:GetUser", ALICE, "maybe")),
                "field \"decision\"",
            ),
            (
                format!("{good}\n{}", rec(ALICE, "iam:GetUsr", ALICE, "allowed")),
                "not an action of the service catalog",
            ),
            (
                format!(
                    "{good}\n{}",
                    json!({"principal": 5, "action": "iam:GetUser", "resource": "*", "decision": "allowed"})
                ),
                "expected a string or null",
            ),
            (
                format!(
                    "{good}\n{}",
                    json!({"principal": ALICE, "action": null, "resource": "*", "decision": "allowed"})
                ),
                "field \"action\"",
            ),
        ];
        for (log, want) in cases {
            let e = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap_err();
            let expected_line = if log.contains("\n\n") { 3 } else { 2 };
            assert_eq!(e.line, expected_line, "{log}");
            assert!(e.message.contains(want), "{e} does not contain {want}");
            assert!(
                e.to_string()
                    .starts_with(&format!("line {expected_line}: "))
            );
        }
    }

    /// A server killed while writing a record leaves its start without an end — as the last
    /// line, or, once a restarted server appended to the same log, in the middle (the log
    /// starts a new line when it is reopened). Either is skipped with a warning naming its line.
    #[test]
    fn records_cut_short_by_a_kill_are_skipped_with_a_warning() {
        let good = rec(ALICE, "iam:GetUser", ALICE, "allowed");
        let torn = &good[..good.len() / 2];
        for (log, line) in [
            (format!("{good}\n{torn}"), 2),
            (format!("{good}\n{torn}\n"), 2),
            (format!("{good}\n{torn}\n{good}\n"), 2),
            (format!("{torn}\n{good}"), 1),
        ] {
            let p = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap();
            assert_eq!(p.requests, log.matches(&good).count(), "{log}");
            assert_eq!(p.warnings.len(), 1);
            assert_eq!(p.warnings[0].line, line);
            assert!(p.warnings[0].message.contains("incomplete record"));
        }
        // Not a cut-short record: an error, as before.
        let e = policy_from_log(&format!("{good}\n{{\"a\" 1}}"), ALICE, DecisionFilter::All)
            .unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn unauthenticated_records_are_skipped() {
        // The server logs a failed authentication with "principal": null and maybe no action.
        let log = [
            json!({"principal": null, "action": null, "resource": null, "decision": "implicitDeny"})
                .to_string(),
            json!({"principal": null}).to_string(),
            rec(ALICE, "iam:GetUser", ALICE, "allowed"),
        ]
        .join("\n");
        let p = policy_from_log(&log, ALICE, DecisionFilter::All).unwrap();
        assert_eq!((p.requests, p.lines), (1, 3));
        // Still a JSON object with a "principal" field, or an error naming the line.
        let e = policy_from_log(&format!("{log}\n{{}}"), ALICE, DecisionFilter::All).unwrap_err();
        assert_eq!(e.line, 4);
    }

    #[test]
    fn no_calls_and_bad_principal_are_errors() {
        let log = rec(ALICE, "iam:GetUser", ALICE, "allowed");
        let e = policy_from_log(
            &log,
            "arn:aws:iam::111122223333:user/bob",
            DecisionFilter::All,
        )
        .unwrap_err();
        assert_eq!(e.line, 0);
        assert!(e.message.contains("no call of"), "{e}");
        let e = policy_from_log(&log, ALICE, DecisionFilter::Denied).unwrap_err();
        assert!(e.message.contains("denied ones only"), "{e}");
        let e = policy_from_log(&log, "alice", DecisionFilter::All).unwrap_err();
        assert!(e.message.contains("expected the ARN"), "{e}");
        let e = policy_from_log("", ALICE, DecisionFilter::All).unwrap_err();
        assert!(e.message.contains("0 records"), "{e}");
    }
}
