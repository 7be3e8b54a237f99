//! The custom-policy-check cases in `tests/checks/*.json`, written from AWS's documentation
//! (each file cites its page in `source`): every case's PASS/FAIL answer, and for every FAIL
//! that expects one, a concrete request the evaluator confirms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_analysis::checks::{
    AccessCheckPolicyType, AccessSpec, CheckResult, CheckResultType, check_access_not_granted,
    check_no_new_access, check_no_public_access,
};
use iam_eval::{Engine, OwnedContext, Principal, Request};
use iam_model::PolicyType;
use serde_json::Value;

fn parse(v: &Value, pt: PolicyType) -> iam_model::Policy {
    let text = serde_json::to_string_pretty(v).unwrap();
    iam_parser::parse_policy(&text, pt).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn allowed(
    p: &iam_model::Policy,
    pt: PolicyType,
    req: &iam_analysis::checks::CheckRequest,
) -> bool {
    let b = Engine::builder();
    let e = match pt {
        PolicyType::Identity => b.identity(p),
        other => b.resource_of_type(p, other),
    }
    .build()
    .unwrap();
    let principal = match (&req.principal, &req.federated_provider) {
        (None, _) => Principal::unnamed_user("111122223333"),
        (Some(p), Some(f)) => {
            let role = p
                .replace(":sts::", ":iam::")
                .replace("assumed-role/", "role/");
            let role = role.rsplit_once('/').unwrap().0.to_string();
            Principal::web_identity_session(&role, "iamkit-session", f).unwrap()
        }
        (Some(p), None) => Principal::parse(p).unwrap(),
    };
    let mut ctx = OwnedContext::default();
    for (k, v) in &req.context {
        if v.len() == 1 {
            ctx.insert_one(k, &v[0]);
        } else {
            ctx.insert(k, v.clone());
        }
    }
    let c = ctx.as_context();
    let r = Request::new(&principal, &req.action, &req.resource).with_context(&c);
    let ex = e.explain(&r);
    ex.matched_statements
        .iter()
        .any(|m| m.effect == iam_model::Effect::Allow)
        && !ex
            .matched_statements
            .iter()
            .any(|m| m.effect == iam_model::Effect::Deny)
}

fn run_case(file: &str, case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let expect = case["expect"].as_str().unwrap();
    let check = case["check"].as_str().unwrap();
    let pt_name = case["policy_type"].as_str().unwrap_or("IDENTITY_POLICY");
    let apt = AccessCheckPolicyType::parse(pt_name).unwrap();
    let (res, pt, policy): (CheckResult, PolicyType, iam_model::Policy) = match check {
        "no_new_access" => {
            let pt = apt.policy_type();
            let new = parse(&case["new"], pt);
            let old = parse(&case["existing"], pt);
            let r = check_no_new_access(&new, &old, apt);
            if r.result == CheckResultType::Fail {
                for reason in &r.reasons {
                    if let Some(req) = &reason.request {
                        if allowed(&old, pt, req) {
                            return Err(format!(
                                "{file}/{name}: witness allowed by the existing policy: {req:?}"
                            ));
                        }
                    }
                }
            }
            (r, pt, new)
        }
        "access_not_granted" => {
            let pt = apt.policy_type();
            let p = parse(&case["policy"], pt);
            let access: Vec<AccessSpec> = case["access"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| AccessSpec {
                    actions: a["actions"]
                        .as_array()
                        .map(|v| v.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                        .unwrap_or_default(),
                    resources: a["resources"]
                        .as_array()
                        .map(|v| v.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                        .unwrap_or_default(),
                })
                .collect();
            (check_access_not_granted(&p, &access, apt).unwrap(), pt, p)
        }
        "no_public_access" => {
            let rt = case["resource_type"].as_str().unwrap();
            let pt = if rt == "AWS::IAM::AssumeRolePolicyDocument" {
                PolicyType::Trust
            } else {
                PolicyType::Resource
            };
            let p = parse(&case["policy"], pt);
            (check_no_public_access(&p, rt).unwrap(), pt, p)
        }
        other => return Err(format!("{file}/{name}: unknown check {other}")),
    };
    let want = if expect == "PASS" {
        CheckResultType::Pass
    } else {
        CheckResultType::Fail
    };
    if res.result != want {
        return Err(format!("{file}/{name}: expected {expect}, got {res:#?}"));
    }
    if want == CheckResultType::Fail {
        let witness = case["witness"].as_bool().unwrap_or(true);
        if witness {
            let Some(req) = res.reasons.iter().find_map(|r| r.request.as_ref()) else {
                return Err(format!(
                    "{file}/{name}: FAIL without a confirmed request: {res:#?}"
                ));
            };
            if !allowed(&policy, pt, req) {
                return Err(format!(
                    "{file}/{name}: witness not allowed by the policy: {req:?}"
                ));
            }
        } else if !res
            .reasons
            .iter()
            .any(|r| r.description.contains("could not rule it out"))
        {
            return Err(format!(
                "{file}/{name}: expected an undecided reason: {res:#?}"
            ));
        }
        for r in &res.reasons {
            assert!(
                r.statement_index.is_some(),
                "{file}/{name}: reason without statement"
            );
        }
    }
    Ok(())
}

#[test]
fn documented_check_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checks");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut n = 0;
    let (mut pass, mut fail) = (0, 0);
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let src = v["source"].as_str().unwrap_or_default();
        assert!(
            src.starts_with("https://docs.aws.amazon.com/"),
            "{f:?}: source must cite an AWS page"
        );
        let fname = f.file_name().unwrap().to_string_lossy().to_string();
        for case in v["cases"].as_array().unwrap() {
            n += 1;
            if case["expect"] == "PASS" {
                pass += 1
            } else {
                fail += 1
            }
            if let Err(e) = run_case(&fname, case) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        n >= 60 && pass >= 25 && fail >= 25,
        "{n} cases ({pass} PASS, {fail} FAIL)"
    );
}
