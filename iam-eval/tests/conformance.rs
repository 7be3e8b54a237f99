//! Runs the data-driven cases in `tests/conformance/*.json` (format in the module below) and
//! reports `N passed, M failed` with every failing case's file, name, expected and actual
//! decision and explanation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use iam_eval::{Decision, Engine, Explanation, OwnedContext, Principal, Request};
use iam_model::{Policy, PolicyType};
use serde_json::Value as Json;
use std::path::Path;

/// A policy refused by the parser or the engine (spec §1.7): what was said, where, and the
/// text and type of the policy (to compare with what validation says about the same text).
#[derive(Debug)]
struct Refusal {
    code: String,
    message: String,
    path: String,
    line: usize,
    column: usize,
    text: String,
    policy_type: PolicyType,
}

/// Why a case produced no decision.
#[derive(Debug)]
enum Failure {
    Refused(Refusal),
    Other(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Other(s)
    }
}

impl From<&str> for Failure {
    fn from(s: &str) -> Self {
        Failure::Other(s.to_string())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(r) => write!(
                f,
                "refused: {} {} at {}:{} ({})",
                r.code, r.message, r.line, r.column, r.path
            ),
            Failure::Other(s) => f.write_str(s),
        }
    }
}

/// A policy's text as both runners write it: compact JSON, keys in document order.
fn policy_text(v: &Json) -> Result<String, Failure> {
    serde_json::to_string(v).map_err(|e| Failure::Other(e.to_string()))
}

fn parse(v: &Json, t: PolicyType) -> Result<Policy, Failure> {
    let text = policy_text(v)?;
    iam_parser::parse_policy(&text, t).map_err(|e| {
        Failure::Refused(Refusal {
            code: e.code.to_string(),
            message: e.message,
            path: e.path,
            line: e.span.start.line as usize,
            column: e.span.start.column as usize,
            text,
            policy_type: t,
        })
    })
}

fn list(v: Option<&Json>) -> Vec<&Json> {
    match v {
        Some(Json::Array(a)) => a.iter().collect(),
        Some(Json::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

fn text_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Builds the principal of a case's request.
fn principal(req: &Json) -> Result<Principal, String> {
    let resource = req.get("resource").and_then(Json::as_str).unwrap_or("*");
    let res_acct = req.get("resource_account").and_then(Json::as_str);
    let mut p = match req.get("principal") {
        None | Some(Json::Null) => {
            // null = no principal named: an unnamed IAM user of the resource's account, never
            // the root user (spec §5.1 rev 3; the Python API contract for principal=None).
            Principal::unnamed_user(
                res_acct
                    .or_else(|| account_of(resource))
                    .unwrap_or("123456789012"),
            )
        }
        Some(Json::String(s)) => {
            let p = Principal::parse(s).map_err(|e| e.to_string())?;
            match req.get("role_arn").and_then(Json::as_str) {
                // The role's path, which a session ARN does not carry (spec §2.3).
                Some(role) => p.with_role_arn(role).map_err(|e| e.to_string())?,
                None => p,
            }
        }
        Some(other) => return Err(format!("principal must be a string or null, got {other}")),
    };
    if let Some(Json::Object(tags)) = req.get("principal_tags") {
        for (k, v) in tags {
            p = p.with_tag(k, &text_of(v));
        }
    }
    Ok(p)
}

struct Outcome {
    got: Decision,
    explanation: Explanation,
}

fn run_case(case: &Json) -> Result<Outcome, Failure> {
    let req = case.get("request").ok_or("no request")?;
    let pols = case.get("policies").ok_or("no policies")?;
    let mut principal = principal(req)?;

    let identity: Vec<Policy> = list(pols.get("identity"))
        .into_iter()
        .map(|v| parse(v, PolicyType::Identity))
        .collect::<Result<_, _>>()?;
    let res_type = match pols.get("resource_policy_type").and_then(Json::as_str) {
        Some(t) => t.parse::<PolicyType>().map_err(|e| e.to_string())?,
        None => PolicyType::Resource,
    };
    let resource = match pols.get("resource") {
        None | Some(Json::Null) => None,
        Some(v) => Some(parse(v, res_type)?),
    };
    let boundary = match pols.get("permissions_boundary") {
        None | Some(Json::Null) => None,
        Some(v) => Some(parse(v, PolicyType::PermissionsBoundary)?),
    };
    let session: Vec<Policy> = list(pols.get("session"))
        .into_iter()
        .map(|v| parse(v, PolicyType::Session))
        .collect::<Result<_, _>>()?;
    let levels = |key: &str, t: PolicyType| -> Result<Vec<Vec<Policy>>, Failure> {
        list(pols.get(key))
            .into_iter()
            .map(|level| list(Some(level)).into_iter().map(|v| parse(v, t)).collect())
            .collect()
    };
    let scps = levels("scps", PolicyType::Scp)?;
    let rcps = levels("rcps", PolicyType::Rcp)?;
    let vpce = match pols.get("vpc_endpoint") {
        None | Some(Json::Null) => None,
        Some(v) => Some(parse(v, PolicyType::VpcEndpoint)?),
    };

    let has_boundary = req
        .get("principal_has_permissions_boundary")
        .and_then(Json::as_bool)
        .unwrap_or(boundary.is_some());
    principal = principal.with_permissions_boundary(has_boundary);

    let mut b = Engine::builder();
    for p in &identity {
        b = b.identity(p);
    }
    if let Some(r) = &resource {
        b = b.resource_of_type(r, res_type);
    }
    if let Some(p) = &boundary {
        b = b.permissions_boundary(p);
    }
    for p in &session {
        b = b.session(p);
    }
    for l in &scps {
        b = b.scp_level(l.iter());
    }
    for l in &rcps {
        b = b.rcp_level(l.iter());
    }
    if let Some(v) = &vpce {
        b = b.vpc_endpoint(v);
    }
    let engine = b.build().map_err(|e| {
        // The refused policy's text: the engine names its layer and index.
        let (doc, t) = match e.layer.as_str() {
            "resource" => (pols.get("resource"), res_type),
            "vpc_endpoint" => (pols.get("vpc_endpoint"), PolicyType::VpcEndpoint),
            "identity" => (
                list(pols.get("identity")).get(e.policy).copied(),
                PolicyType::Identity,
            ),
            _ => (None, res_type),
        };
        match doc.map(policy_text) {
            Some(Ok(text)) => Failure::Refused(Refusal {
                code: e.code.to_string(),
                message: e.message.clone(),
                path: e.path(),
                line: e.span.start.line as usize,
                column: e.span.start.column as usize,
                text,
                policy_type: t,
            }),
            _ => Failure::Other(format!("compile error: {e}")),
        }
    })?;

    let mut ctx = OwnedContext::default();
    if let Some(Json::Object(c)) = req.get("context") {
        for (k, v) in c {
            match v {
                Json::Array(a) => ctx.insert(k, a.iter().map(text_of).collect()),
                Json::Null => {}
                other => ctx.insert_one(k, &text_of(other)),
            }
        }
    }
    let ctx = ctx.as_context();
    let action = req
        .get("action")
        .and_then(Json::as_str)
        .ok_or("no action")?;
    let resource_arn = req.get("resource").and_then(Json::as_str).unwrap_or("*");
    let mut request = Request::new(&principal, action, resource_arn).with_context(&ctx);
    if let Some(a) = req.get("resource_account").and_then(Json::as_str) {
        request = request.with_resource_account(a);
    }
    let got = engine.evaluate(&request);
    let explanation = engine.explain(&request);
    if explanation.decision != got {
        return Err(Failure::Other(format!(
            "evaluate() said {got} but explain() said {}",
            explanation.decision
        )));
    }
    Ok(Outcome { got, explanation })
}

/// The first of the case's `explanation_contains` phrases that the explanation (as
/// `Display`, which is also Python's `explain()`) lacks.
fn missing_phrases(case: &Json, ex: &Explanation) -> Option<String> {
    let text = ex.to_string();
    list(case.get("explanation_contains"))
        .into_iter()
        .filter_map(Json::as_str)
        .find(|p| !text.contains(p))
        .map(|p| format!("{p:?}"))
}

/// An `expected_error` case: the policies must be refused with the expected code (and, when
/// given, message / line / column), and with exactly what validation reports for the same
/// text: same code, message, path and position (spec §1.7 rev 3).
fn check_refusal(want: &Json, got: Result<Outcome, Failure>) -> Result<(), String> {
    let r = match got {
        Err(Failure::Refused(r)) => r,
        Err(Failure::Other(e)) => return Err(format!("expected a refusal, got the error {e}")),
        Ok(o) => return Err(format!("expected a refusal, got the decision {}", o.got)),
    };
    let code = want.get("code").and_then(Json::as_str).unwrap_or("");
    if r.code != code {
        return Err(format!("expected code {code}, got {r:?}"));
    }
    if let Some(m) = want.get("message").and_then(Json::as_str)
        && r.message != m
    {
        return Err(format!("expected message {m:?}, got {r:?}"));
    }
    for (k, v) in [("line", r.line), ("column", r.column)] {
        if let Some(w) = want.get(k).and_then(Json::as_u64)
            && w as usize != v
        {
            return Err(format!("expected {k} {w}, got {r:?}"));
        }
    }
    let findings = iam_parser::validate(&r.text, r.policy_type);
    let same = findings.iter().any(|f| {
        f.code == r.code
            && f.message == r.message
            && f.path == r.path
            && f.span.start.line as usize == r.line
            && f.span.start.column as usize == r.column
    });
    if !same {
        return Err(format!(
            "validation reports no identical finding: refusal {r:?}, findings {findings:?}"
        ));
    }
    Ok(())
}

#[test]
fn conformance() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    let (mut passed, mut failed) = (0usize, Vec::new());
    let mut names = std::collections::HashSet::new();
    for f in &files {
        let fname = f.file_name().unwrap().to_string_lossy().to_string();
        let doc: Json = serde_json::from_str(&std::fs::read_to_string(f).unwrap())
            .unwrap_or_else(|e| panic!("{fname}: not JSON: {e}"));
        for case in doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{fname}: no cases array"))
        {
            let name = case["name"].as_str().unwrap_or("<unnamed>").to_string();
            if filter
                .as_deref()
                .is_some_and(|flt| !name.contains(flt) && !fname.contains(flt))
            {
                continue;
            }
            if !names.insert((fname.clone(), name.clone())) {
                failed.push(format!("{fname} / {name}: duplicate case name"));
                continue;
            }
            if let Some(want) = case.get("expected_error") {
                match check_refusal(want, run_case(case)) {
                    Ok(()) => passed += 1,
                    Err(e) => failed.push(format!("{fname} / {name}: {e}")),
                }
                continue;
            }
            let expected: Result<Decision, _> = case["expected"].as_str().unwrap_or("").parse();
            match (expected, run_case(case)) {
                (Ok(e), Ok(o)) if o.got == e => match missing_phrases(case, &o.explanation) {
                    None => passed += 1,
                    Some(m) => failed.push(format!(
                        "{fname} / {name}: the explanation lacks {m}\n  {}",
                        o.explanation.to_string().replace('\n', "\n  ")
                    )),
                },
                (Ok(e), Ok(o)) => failed.push(format!(
                    "{fname} / {name}: expected {e}, got {}\n  notes: {}\n  {}",
                    o.got,
                    case.get("notes").and_then(Json::as_str).unwrap_or("-"),
                    o.explanation.to_string().replace('\n', "\n  ")
                )),
                (Err(e), _) => failed.push(format!("{fname} / {name}: bad expected value: {e}")),
                (_, Err(e)) => failed.push(format!("{fname} / {name}: error: {e}")),
            }
        }
    }
    for f in &failed {
        eprintln!("FAIL {f}\n");
    }
    eprintln!("conformance: {passed} passed, {} failed", failed.len());
    assert!(
        failed.is_empty(),
        "{} conformance case(s) failed",
        failed.len()
    );
}
