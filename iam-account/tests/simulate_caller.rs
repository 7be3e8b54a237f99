//! `SimulatePrincipalPolicy`'s `CallerArn`, `ResourcePolicy` and `ResourceOwner` rules (API
//! reference: https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html)
//! and the unnamed caller of a group simulation (spec §5.1 rev 3, issue #9).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use iam_account::Account;
use iam_model::entities::ErrorCode;
use serde_json::{Value, json};

const A: &str = "111122223333";
const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn account() -> Account {
    let mut a = Account::new(A).unwrap();
    a.create_user("alice", None).unwrap();
    a.put_user_policy("alice", "read", S3_READ).unwrap();
    a.create_user("bob", None).unwrap();
    a.create_group("readers", None).unwrap();
    a.put_group_policy("readers", "read", S3_READ).unwrap();
    // A user named like the group: a group simulation must not run as this user.
    a.create_user("readers", None).unwrap();
    a.create_role("app", TRUST).unwrap();
    a
}

fn decisions(v: &Value) -> Vec<&str> {
    v["EvaluationResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["EvalDecision"].as_str().unwrap())
        .collect()
}

fn bucket_policy_for(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}}]}}"#
    )
}

#[test]
fn group_simulation_runs_as_an_unnamed_user_not_as_root_or_a_namesake() {
    let a = account();
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:group/readers"),
            "ActionNames": ["s3:GetObject", "ec2:RunInstances"],
        }))
        .unwrap();
    assert_eq!(decisions(&r), ["allowed", "implicitDeny"]);
    // aws:username is absent for the unnamed caller: a condition on it is a missing value.
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:group/readers"),
            "PolicyInputList": [r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"readers"}}}]}"#],
            "ActionNames": ["s3:PutObject"],
        }))
        .unwrap();
    assert_eq!(decisions(&r), ["implicitDeny"]);
    assert_eq!(
        r["EvaluationResults"][0]["MissingContextValues"],
        json!(["aws:username"])
    );
}

#[test]
fn caller_arn_must_be_an_iam_user() {
    let a = account();
    // ResourceOwner is for resources whose ARN names no owner: the queue's own account wins.
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:user/alice"),
            "PolicyInputList": [r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#],
            "ActionNames": ["sqs:SendMessage"],
            "ResourceArns": [format!("arn:aws:sqs:us-east-1:{A}:q")],
            "ResourceOwner": "arn:aws:iam::444455556666:root",
        }))
        .unwrap();
    assert_eq!(decisions(&r), ["allowed"]);
    for bad in [
        format!("arn:aws:iam::{A}:role/app"),
        format!("arn:aws:sts::{A}:assumed-role/app/s"),
        format!("arn:aws:sts::{A}:federated-user/f"),
        format!("arn:aws:iam::{A}:root"),
        A.to_string(),
        "ec2.amazonaws.com".to_string(),
        format!("arn:aws:iam::{A}:group/readers"),
        format!("arn:aws:iam::{A}:user/"),
        "alice".to_string(),
    ] {
        let e = a
            .simulate_principal_policy(&json!({
                "PolicySourceArn": format!("arn:aws:iam::{A}:user/alice"),
                "ActionNames": ["s3:GetObject"],
                "CallerArn": bad,
            }))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
        assert!(e.message.contains("CallerArn"), "{bad}: {}", e.message);
    }
}

#[test]
fn resource_policy_needs_a_caller_unless_the_source_is_a_user() {
    let a = account();
    let policy = bucket_policy_for(&format!("arn:aws:iam::{A}:user/bob"));
    for source in [
        format!("arn:aws:iam::{A}:group/readers"),
        format!("arn:aws:iam::{A}:role/app"),
    ] {
        let e = a
            .simulate_principal_policy(&json!({
                "PolicySourceArn": source,
                "ActionNames": ["s3:PutObject"],
                "ResourceArns": ["arn:aws:s3:::b/k"],
                "ResourcePolicy": policy,
            }))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{source}");
        assert!(e.message.contains("CallerArn is required"), "{}", e.message);
    }
    // A user source is its own caller.
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:user/alice"),
            "ActionNames": ["s3:PutObject"],
            "ResourceArns": ["arn:aws:s3:::b/k"],
            "ResourcePolicy": policy,
        }))
        .unwrap();
    assert_eq!(decisions(&r), ["implicitDeny"]); // the bucket policy names bob, not alice
    // "Bob with the group's policies": the bucket policy naming bob grants.
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:group/readers"),
            "CallerArn": format!("arn:aws:iam::{A}:user/bob"),
            "ActionNames": ["s3:PutObject", "s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::b/k"],
            "ResourcePolicy": policy,
        }))
        .unwrap();
    assert_eq!(decisions(&r), ["allowed", "allowed"]);
}

#[test]
fn resource_owner_forms() {
    let a = account();
    let run = |owner: &str| {
        a.simulate_principal_policy(&json!({
            "PolicySourceArn": format!("arn:aws:iam::{A}:user/alice"),
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::b/k"],
            "ResourceOwner": owner,
        }))
    };
    // Same account: alice's identity policy suffices.
    assert_eq!(
        decisions(&run(&format!("arn:aws:iam::{A}:root")).unwrap()),
        ["allowed"]
    );
    assert_eq!(decisions(&run(A).unwrap()), ["allowed"]);
    // Another account owns the bucket: without a resource policy granting, denied.
    assert_eq!(
        decisions(&run("arn:aws:iam::444455556666:root").unwrap()),
        ["implicitDeny"]
    );
    for bad in [
        "foo",
        "arn:aws:iam::444455556666:user/x",
        "12345",
        "arn:aws:s3:::b",
    ] {
        let e = run(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
        assert!(e.message.contains("ResourceOwner"), "{}", e.message);
    }
}
