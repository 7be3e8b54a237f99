//! The decision log (`--log FILE`): one JSON object per line for every authorization check of
//! every call, appended (`O_APPEND`) and written whole per line, so a reader (`iamkit
//! policy-from-log`, `tail -f`, a SIEM) never sees half a record:
//!
//! ```json
//! {"time": "2026-12-06T08:10:53.123Z", "request_id": "…", "service": "iam",
//!  "operation": "CreateUser", "principal": "arn:aws:iam::111122223333:user/alice",
//!  "access_key_id": "AKIA…", "action": "iam:CreateUser",
//!  "resource": "arn:aws:iam::111122223333:user/bob", "decision": "implicitDeny",
//!  "enforced": true, "outcome": "error", "error_code": "AccessDenied",
//!  "source_ip": "127.0.0.1", "user_agent": "aws-cli/2…", "via": "http", "explanation": "…",
//!  "statements": [{"layer": "identity", "policy": "…", "sid": null, "index": 0,
//!                  "line": 3, "column": 5, "effect": "Allow"}]}
//! ```
//!
//! A request that fails authentication is logged once with `principal` null. No secret is ever
//! written: the log holds access key ids, never secret keys or session tokens.
//!
//! The log is the served account's trail: calls made in process through the Python clients of
//! a served account (`iamkit.Server(...).account.client(...)`, the server's [`Door`](crate::Door))
//! are logged too, with `"via": "python"` and `source_ip`/`user_agent` null; network requests
//! have `"via": "http"`.

use iam_account::CheckDecision;
use iam_eval::Explanation;
use serde_json::{Value, json};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// An open decision log.
#[derive(Debug)]
pub struct DecisionLog {
    file: Mutex<File>,
}

/// The facts of one request that every record of it repeats.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// The response's `RequestId`.
    pub request_id: String,
    /// `iam` or `sts` (empty when not known).
    pub service: String,
    /// The operation (`Action`).
    pub operation: String,
    /// The caller's ARN (`None` when authentication failed).
    pub principal: Option<String>,
    /// The access key id used.
    pub access_key_id: Option<String>,
    /// `ok` or `error`.
    pub outcome: &'static str,
    /// The error code answered, if any.
    pub error_code: Option<String>,
    /// The peer address.
    pub source_ip: String,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The door the call came in by: `http` (a network request; the default when empty) or
    /// `python` (an in-process client of the served account, `server.account.client(...)`,
    /// which has no source address or user agent).
    pub via: &'static str,
}

/// `2026-12-06T08:10:53.123Z` for milliseconds since the epoch.
///
/// ```
/// assert_eq!(iam_server::log::iso_millis(1_440_938_160_042), "2015-08-30T12:36:00.042Z");
/// ```
pub fn iso_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = crate::sigv4::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        ms.rem_euclid(1000)
    )
}

/// Milliseconds since the epoch, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The deciding statements of an explanation, with their positions.
fn statements(ex: Option<&Explanation>) -> Value {
    let Some(ex) = ex else {
        return Value::Array(Vec::new());
    };
    Value::Array(
        ex.matched_statements
            .iter()
            .map(|s| {
                json!({
                    "layer": s.layer.to_string(),
                    "policy": s.policy_name,
                    "sid": s.sid,
                    "index": s.statement_index,
                    "line": s.span.start.line,
                    "column": s.span.start.column,
                    "effect": s.effect.as_str(),
                })
            })
            .collect(),
    )
}

impl DecisionLog {
    /// Opens `path` for appending (creating it, mode 0600). When the file ends in the middle
    /// of a line — a record cut short by a kill — a newline is added first, so that the records
    /// of this run start on lines of their own (`iamkit policy-from-log` skips the cut-short
    /// one with a warning naming its line).
    pub fn open(path: &Path) -> io::Result<DecisionLog> {
        let mut o = OpenOptions::new();
        o.create(true).append(true).read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut file = o.open(path)?;
        let len = file.metadata()?.len();
        if len > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        Ok(DecisionLog {
            file: Mutex::new(file),
        })
    }

    /// The records of one call: one per authorization check, or one for the call itself when
    /// it made none (authentication failed, the request was malformed, or the operation needs
    /// no permission / authorizes itself, like `sts:GetCallerIdentity` and `sts:AssumeRole`).
    pub fn records(facts: &RequestFacts, checks: &[CheckDecision], time_ms: i64) -> Vec<Value> {
        let time = iso_millis(time_ms);
        let base = |action: &str,
                    resource: Value,
                    decision: &str,
                    enforced: bool,
                    explanation: Value,
                    statements: Value| {
            json!({
                "time": time,
                "request_id": facts.request_id,
                "service": facts.service,
                "operation": facts.operation,
                "principal": facts.principal,
                "access_key_id": facts.access_key_id,
                "action": action,
                "resource": resource,
                "decision": decision,
                "enforced": enforced,
                "outcome": facts.outcome,
                "error_code": facts.error_code,
                "source_ip": (!facts.source_ip.is_empty()).then_some(&facts.source_ip),
                "user_agent": facts.user_agent,
                "via": if facts.via.is_empty() { "http" } else { facts.via },
                "explanation": explanation,
                "statements": statements,
            })
        };
        if checks.is_empty() {
            let action = if facts.service.is_empty() || facts.operation.is_empty() {
                String::new()
            } else {
                format!("{}:{}", facts.service, facts.operation)
            };
            let denied = facts.principal.is_none()
                || matches!(facts.error_code.as_deref(), Some("AccessDenied"));
            let why = match (&facts.principal, &facts.error_code) {
                (None, Some(code)) => format!("the request was not authenticated ({code})"),
                (Some(_), Some(code)) if denied => {
                    format!("the operation refused the caller ({code})")
                }
                (Some(_), Some(code)) => {
                    format!("the request failed before any authorization check ({code})")
                }
                _ => "the operation needs no permission or authorizes the caller itself".into(),
            };
            return vec![base(
                &action,
                Value::String("*".into()),
                if denied { "implicitDeny" } else { "allowed" },
                true,
                Value::String(why),
                Value::Array(Vec::new()),
            )];
        }
        checks
            .iter()
            .map(|c| {
                base(
                    &c.action,
                    Value::String(c.resource.clone()),
                    c.decision.as_str(),
                    c.enforced,
                    c.explanation
                        .as_ref()
                        .map_or(Value::Null, |e| Value::String(e.to_string())),
                    statements(c.explanation.as_ref()),
                )
            })
            .collect()
    }

    /// Appends records, each as one line written in one piece.
    pub fn write(&self, records: &[Value]) -> io::Result<()> {
        let mut text = String::new();
        for r in records {
            text.push_str(&r.to_string());
            text.push('\n');
        }
        let mut f = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        f.write_all(text.as_bytes())?;
        f.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_account::{Account, RequestContext};

    /// A record cut short by a kill stays on its own line: the next run starts a new one.
    #[test]
    fn reopening_after_a_cut_short_record_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "{\"a\":1}\n{\"time\":\"2026").unwrap();
        let log = DecisionLog::open(&path).unwrap();
        log.write(&[json!({"b": 2})]).unwrap();
        drop(log);
        let log = DecisionLog::open(&path).unwrap();
        log.write(&[json!({"c": 3})]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text, "{\"a\":1}\n{\"time\":\"2026\n{\"b\":2}\n{\"c\":3}\n",
            "one newline added after the cut-short record, none after a whole one"
        );
    }

    #[test]
    fn one_record_per_check_with_statements() {
        let mut a = Account::new("111122223333").unwrap();
        a.create_user("alice", None).unwrap();
        a.put_user_policy(
            "alice",
            "read",
            "{\"Version\":\"2012-10-17\",\"Statement\":[\n {\"Sid\":\"Users\",\"Effect\":\"Allow\",\"Action\":\"iam:CreateUser\",\"Resource\":\"*\"}]}",
        )
        .unwrap();
        let k = a.create_access_key(Some("alice")).unwrap();
        let alice = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        let params = serde_json::json!({"UserName": "bob", "Tags": [{"Key": "t", "Value": "v"}]});
        let (res, checks) = a.enforce_call_traced(
            &alice,
            "iam",
            "CreateUser",
            &params,
            &RequestContext::default(),
            true,
        );
        assert_eq!(res.unwrap_err().error().code.as_str(), "AccessDenied");
        let facts = RequestFacts {
            request_id: "r".into(),
            service: "iam".into(),
            operation: "CreateUser".into(),
            principal: Some(alice.arn.clone()),
            access_key_id: alice.access_key_id.clone(),
            outcome: "error",
            error_code: Some("AccessDenied".into()),
            source_ip: "127.0.0.1".into(),
            user_agent: None,
            via: "",
        };
        let recs = DecisionLog::records(&facts, &checks, 0);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0]["via"], "http");
        assert_eq!(recs[0]["source_ip"], "127.0.0.1");
        assert_eq!(recs[0]["action"], "iam:CreateUser");
        assert_eq!(recs[0]["decision"], "allowed");
        assert_eq!(recs[0]["statements"][0]["sid"], "Users");
        assert_eq!(recs[0]["statements"][0]["line"], 2);
        assert_eq!(recs[1]["action"], "iam:TagUser");
        assert_eq!(recs[1]["decision"], "implicitDeny");
        assert_eq!(recs[1]["time"], "1970-01-01T00:00:00.000Z");
        let text = serde_json::to_string(&recs).unwrap();
        assert!(!text.contains(k.secret_access_key.expose()));
    }

    #[test]
    fn unauthenticated_requests_get_one_record() {
        let facts = RequestFacts {
            request_id: "r".into(),
            service: "sts".into(),
            operation: "GetCallerIdentity".into(),
            outcome: "error",
            error_code: Some("InvalidClientTokenId".into()),
            ..RequestFacts::default()
        };
        let recs = DecisionLog::records(&facts, &[], 1000);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0]["principal"], Value::Null);
        assert_eq!(recs[0]["decision"], "implicitDeny");
        assert_eq!(recs[0]["action"], "sts:GetCallerIdentity");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let log = DecisionLog::open(&path).unwrap();
        log.write(&recs).unwrap();
        log.write(&recs).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        for l in text.lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["error_code"], "InvalidClientTokenId");
        }
    }
}
