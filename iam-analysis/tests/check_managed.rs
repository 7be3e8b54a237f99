//! `check_no_new_access` on real AWS managed policies: ReadOnlyAccess against itself with a
//! service removed (PASS) or an action added (FAIL with a confirmed request), and
//! ViewOnlyAccess (a subset in AWS's intent) against ReadOnlyAccess.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_analysis::checks::{AccessCheckPolicyType, CheckResultType, check_no_new_access};
use iam_model::PolicyType;
use iam_model::entities::aws_managed_policy;
use serde_json::Value;

fn doc(name: &str) -> Value {
    let p = aws_managed_policy(&format!("arn:aws:iam::aws:policy/{name}")).unwrap();
    serde_json::from_str(p.document).unwrap()
}

fn parse(v: &Value) -> iam_model::Policy {
    iam_parser::parse_policy(
        &serde_json::to_string_pretty(v).unwrap(),
        PolicyType::Identity,
    )
    .unwrap()
}

#[test]
fn read_only_access_versions() {
    let base = doc("ReadOnlyAccess");
    let old = parse(&base);
    let mut removed = base.clone();
    for st in removed["Statement"].as_array_mut().unwrap() {
        if let Some(a) = st["Action"].as_array_mut() {
            a.retain(|x| !x.as_str().unwrap().starts_with("s3:"));
        }
    }
    let id = AccessCheckPolicyType::Identity;
    let r = check_no_new_access(&parse(&removed), &old, id);
    assert_eq!(r.result, CheckResultType::Pass, "{r:#?}");
    // The other way round, the removed service is new access.
    let r = check_no_new_access(&old, &parse(&removed), id);
    assert_eq!(r.result, CheckResultType::Fail);
    let req = r.reasons[0].request.as_ref().expect("a confirmed request");
    assert!(
        req.action.to_ascii_lowercase().starts_with("s3:"),
        "{req:?}"
    );

    let mut added = base.clone();
    added["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push(Value::String("iam:CreateAccessKey".into()));
    let r = check_no_new_access(&parse(&added), &old, id);
    assert_eq!(r.result, CheckResultType::Fail);
    assert_eq!(r.reasons.len(), 1);
    assert_eq!(r.reasons[0].statement_index, Some(0));
    assert_eq!(
        r.reasons[0].request.as_ref().unwrap().action,
        "iam:CreateAccessKey"
    );
}
