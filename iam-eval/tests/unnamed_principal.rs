//! A request that names no principal is made by an unnamed IAM user of the resource's account,
//! never by the root user (spec §5.1 rev 3, issue #9): `Principal::unnamed_user`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use iam_eval::{Decision, Engine, Principal, PrincipalKind, Request, Value};
use iam_model::PolicyType;

const ACCT: &str = "111122223333";

fn identity(text: &str) -> iam_model::Policy {
    iam_parser::parse_policy(text, PolicyType::Identity).unwrap()
}
fn resource(text: &str) -> iam_model::Policy {
    iam_parser::parse_policy(text, PolicyType::Resource).unwrap()
}

const S3_ONLY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

// The issue's example: ec2:RunInstances against an S3-only policy was "allowed" as root.
#[test]
fn unmentioned_action_is_implicitly_denied_not_root_allowed() {
    let p = identity(S3_ONLY);
    let engine = Engine::builder().identity(&p).build().unwrap();
    let nobody = Principal::unnamed_user(ACCT);
    let req = Request::new(&nobody, "ec2:RunInstances", "*");
    assert_eq!(engine.evaluate(&req), Decision::ImplicitDeny);
    let ex = engine.explain(&req);
    assert_eq!(ex.decision, Decision::ImplicitDeny);
    assert!(ex.matched_statements.is_empty());
    assert!(
        ex.reason.contains(
            "no principal given: evaluated as an unnamed IAM user of account 111122223333, as the IAM policy simulator does without CallerArn"
        ),
        "{}",
        ex.reason
    );
    assert!(!ex.reason.contains("root"), "{}", ex.reason);
    // Named root keeps its full access in its own account (spec §5.10).
    let root = Principal::root(ACCT);
    assert_eq!(
        engine.evaluate(&Request::new(&root, "ec2:RunInstances", "*")),
        Decision::Allowed
    );
    // The identity policies given are the unnamed user's own.
    assert_eq!(
        engine.evaluate(&Request::new(&nobody, "s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allowed
    );
}

#[test]
fn derived_keys_are_only_principal_account_and_type() {
    let nobody = Principal::unnamed_user(ACCT);
    assert_eq!(nobody.kind(), PrincipalKind::User);
    assert!(nobody.is_unnamed());
    assert!(
        !Principal::parse("arn:aws:iam::111122223333:user/alice")
            .unwrap()
            .is_unnamed()
    );
    let r = Request::new(&nobody, "s3:GetObject", "*");
    assert_eq!(r.lookup("aws:PrincipalAccount"), Some(Value::One(ACCT)));
    assert_eq!(r.lookup("AWS:PRINCIPALTYPE"), Some(Value::One("User")));
    for absent in [
        "aws:username",
        "aws:userid",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalTag/team",
        "aws:FederatedProvider",
    ] {
        assert_eq!(r.lookup(absent), None, "{absent}");
    }
    // ...and the resource account defaults to its account (S3 ARNs carry none).
    assert_eq!(
        Request::new(&nobody, "s3:GetObject", "arn:aws:s3:::b/k").resource_account(),
        ACCT
    );
}

// Spec §5.1: it matches no resource-policy Principal except "*" and its account.
#[test]
fn resource_policy_principal_matching() {
    let nobody = Principal::unnamed_user(ACCT);
    let grant = |principal: &str| {
        let rp = resource(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}]}}"#
        ));
        let engine = Engine::builder().resource(&rp).build().unwrap();
        engine.evaluate(&Request::new(&nobody, "s3:GetObject", "arn:aws:s3:::b/k"))
    };
    assert_eq!(grant(r#""*""#), Decision::Allowed);
    assert_eq!(grant(r#"{"AWS":"*"}"#), Decision::Allowed);
    // The account delegates to identity policies: none here.
    assert_eq!(grant(r#"{"AWS":"111122223333"}"#), Decision::ImplicitDeny);
    assert_eq!(
        grant(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#),
        Decision::ImplicitDeny
    );
    for other in [
        r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:user/"}"#,
        r#"{"AWS":"AIDAEXAMPLEEXAMPLE1"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:role/R"}"#,
        r#"{"Service":"ec2.amazonaws.com"}"#,
        r#"{"AWS":"444455556666"}"#,
    ] {
        assert_eq!(grant(other), Decision::ImplicitDeny, "{other}");
    }

    // With the account named and an identity policy allowing, it is allowed.
    let rp = resource(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let id = identity(S3_ONLY);
    let engine = Engine::builder()
        .identity(&id)
        .resource(&rp)
        .build()
        .unwrap();
    assert_eq!(
        engine.evaluate(&Request::new(&nobody, "s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allowed
    );
}

// Spec §5.9: NotPrincipal never exempts it (it has no ARN of its own; the account ARN
// exempts only the root user).
#[test]
fn not_principal_deny_applies() {
    let rp = resource(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let id = identity(S3_ONLY);
    let engine = Engine::builder()
        .identity(&id)
        .resource(&rp)
        .build()
        .unwrap();
    let nobody = Principal::unnamed_user(ACCT);
    assert_eq!(
        engine.evaluate(&Request::new(&nobody, "s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::ExplicitDeny
    );
}

#[test]
fn explanation_of_named_principals_does_not_mention_it() {
    let p = identity(S3_ONLY);
    let engine = Engine::builder().identity(&p).build().unwrap();
    let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    let ex = engine.explain(&Request::new(&alice, "ec2:RunInstances", "*"));
    assert!(!ex.reason.contains("no principal given"), "{}", ex.reason);
}

#[test]
fn with_role_arn_gives_the_session_its_role_path() {
    let s = Principal::parse("arn:aws:sts::111122223333:assumed-role/RoleName/s1")
        .unwrap()
        .with_role_arn("arn:aws:iam::111122223333:role/division/RoleName")
        .unwrap();
    let r = Request::new(&s, "s3:GetObject", "*");
    assert_eq!(
        r.lookup("aws:PrincipalArn"),
        Some(Value::One(
            "arn:aws:iam::111122223333:role/division/RoleName"
        ))
    );
    assert_eq!(
        s.arn(),
        "arn:aws:sts::111122223333:assumed-role/RoleName/s1"
    );
    // Another role, another account, a user, or not a role ARN: refused.
    let sess = || Principal::parse("arn:aws:sts::111122223333:assumed-role/RoleName/s1").unwrap();
    for bad in [
        "arn:aws:iam::111122223333:role/division/Other",
        "arn:aws:iam::444455556666:role/division/RoleName",
        "arn:aws:iam::111122223333:user/RoleName",
        "RoleName",
    ] {
        let e = sess().with_role_arn(bad).unwrap_err();
        assert_eq!(e.role_arn, bad);
        assert!(
            e.to_string().contains("is not the role of the session"),
            "{e}"
        );
    }
    let web = Principal::web_identity_session(
        "arn:aws:iam::111122223333:role/RoleName",
        "s1",
        "accounts.google.com",
    )
    .unwrap()
    .with_role_arn("arn:aws:iam::111122223333:role/division/RoleName")
    .unwrap();
    assert_eq!(web.federated_provider(), Some("accounts.google.com"));
    assert_eq!(
        web.role_arn(),
        Some("arn:aws:iam::111122223333:role/division/RoleName")
    );
    let user = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    let e = user
        .with_role_arn("arn:aws:iam::111122223333:role/alice")
        .unwrap_err();
    assert!(e.to_string().contains("is not a role session"), "{e}");
}
