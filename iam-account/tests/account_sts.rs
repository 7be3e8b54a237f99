//! STS over the account model. Each test cites the spec section / AWS page it checks.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{
    Account, AssumeRoleRequest, CreateRoleOptions, FederationTokenRequest, FixedClock,
};
use iam_eval::{Context, Decision};
use iam_model::entities::ErrorCode;
use std::sync::Arc;

const A: &str = "111122223333";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn trust(principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession"]{condition}}}]}}"#
    )
}

fn setup() -> (Account, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at("2026-11-28T00:00:00Z").unwrap());
    let mut a = Account::with_clock(A, clock.clone()).unwrap();
    a.create_user("alice", None).unwrap();
    a.create_user("mallory", None).unwrap();
    a.create_role_with(
        "Admin",
        &trust(ALICE, ""),
        &CreateRoleOptions {
            max_session_duration: Some(7200),
            ..Default::default()
        },
    )
    .unwrap();
    a.put_role_policy(
        "Admin",
        "all",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:AssumeRole"],"Resource":"*"}]}"#,
    )
    .unwrap();
    (a, clock)
}

fn req(caller: &str, role: &str, session: &str) -> AssumeRoleRequest {
    AssumeRoleRequest {
        caller_arn: caller.into(),
        role_arn: format!("arn:aws:iam::{A}:role/{role}"),
        role_session_name: session.into(),
        ..Default::default()
    }
}

/// Spec §5.6: the trust policy must allow the caller; an identity Allow alone never suffices.
/// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html
#[test]
fn trust_policy_required() {
    let (mut a, _) = setup();
    a.put_user_policy(
        "mallory",
        "assume",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
    )
    .unwrap();
    let e = a
        .assume_role(&req(
            "arn:aws:iam::111122223333:user/mallory",
            "Admin",
            "mm",
        ))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);
    assert_eq!(
        e.message,
        "User: arn:aws:iam::111122223333:user/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Admin"
    );
    // Alice is named directly in the trust policy: no identity policy needed (same account).
    let c = a.assume_role(&req(ALICE, "Admin", "alice")).unwrap();
    assert_eq!(c.arn, "arn:aws:sts::111122223333:assumed-role/Admin/alice");
    let session = a.principal_for_access_key(&c.access_key_id).unwrap();
    let ctx = Context::new();
    assert_eq!(
        a.authorize(&session, "s3:GetObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    assert_eq!(
        a.get_caller_identity(&c.access_key_id).unwrap()["Arn"],
        session
    );
    // Unknown role: AccessDenied (STS does not reveal existence).
    assert_eq!(
        a.assume_role(&req(ALICE, "Nope", "xx")).unwrap_err().code,
        ErrorCode::AccessDenied
    );
}

/// Spec §5.6 + §3.8: `sts:ExternalId` condition.
/// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
#[test]
fn external_id() {
    let (mut a, _) = setup();
    a.create_role(
        "Vendor",
        &trust(
            ALICE,
            r#","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}"#,
        ),
    )
    .unwrap();
    assert_eq!(
        a.assume_role(&req(ALICE, "Vendor", "vv")).unwrap_err().code,
        ErrorCode::AccessDenied
    );
    let mut r = req(ALICE, "Vendor", "vv");
    r.external_id = Some("wrong-1".into());
    assert_eq!(a.assume_role(&r).unwrap_err().code, ErrorCode::AccessDenied);
    r.external_id = Some("ext-123".into());
    a.assume_role(&r).unwrap();
    r.external_id = Some("x".into()); // 2-1224 characters (spec §6.2)
    assert_eq!(
        a.assume_role(&r).unwrap_err().code,
        ErrorCode::ValidationError
    );
}

/// Spec §5.6, §6.6: 900 ≤ DurationSeconds ≤ MaxSessionDuration; session names 2-64.
#[test]
fn duration_limits_and_session_names() {
    let (mut a, clock) = setup();
    let mut r = req(ALICE, "Admin", "s");
    assert_eq!(
        a.assume_role(&r).unwrap_err().code,
        ErrorCode::ValidationError
    ); // name too short
    r.role_session_name = "ok-session".into();
    r.duration_seconds = Some(899);
    assert_eq!(
        a.assume_role(&r).unwrap_err().code,
        ErrorCode::ValidationError
    );
    r.duration_seconds = Some(7201);
    let e = a.assume_role(&r).unwrap_err();
    assert!(e.message.contains("exceeds the MaxSessionDuration"));
    r.duration_seconds = Some(7200);
    let c = a.assume_role(&r).unwrap();
    assert_eq!(c.expiration.to_string(), "2026-11-28T02:00:00Z");
    clock.advance(7200);
    assert_eq!(a.principal_for_access_key(&c.access_key_id), None); // expired
    assert_eq!(
        a.get_caller_identity(&c.access_key_id).unwrap_err().code,
        ErrorCode::ExpiredToken
    );
}

/// Spec §5.6 / §6.6: role chaining caps the session at one hour; transitive tags carry over
/// (spec §5.4; AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining).
#[test]
fn chaining_cap_and_transitive_tags() {
    let (mut a, _) = setup();
    let session_arn = "arn:aws:sts::111122223333:assumed-role/Admin/first";
    a.create_role_with(
        "Second",
        &trust("arn:aws:iam::111122223333:role/Admin", ""),
        &CreateRoleOptions {
            max_session_duration: Some(43_200),
            ..Default::default()
        },
    )
    .unwrap();
    let mut r = req(ALICE, "Admin", "first");
    r.tags = vec![
        ("Project".into(), "blue".into()),
        ("Temp".into(), "x".into()),
    ];
    r.transitive_tag_keys = vec!["Project".into()];
    a.assume_role(&r).unwrap();
    let mut chained = req(session_arn, "Second", "second");
    chained.duration_seconds = Some(3601);
    let e = a.assume_role(&chained).unwrap_err();
    assert!(e.message.contains("1 hour session limit"), "{}", e.message);
    chained.duration_seconds = Some(3600);
    let c = a.assume_role(&chained).unwrap();
    let s = a
        .sessions()
        .find(|s| s.access_key_id == c.access_key_id)
        .unwrap();
    assert_eq!(s.tags, vec![("Project".to_string(), "blue".to_string())]);
    // The chained session sees aws:PrincipalTag/Project.
    a.put_role_policy(
        "Second",
        "tagged",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/Project}/*"}]}"#,
    )
    .unwrap();
    let ctx = Context::new();
    let d = a
        .authorize(&c.arn, "s3:GetObject", "arn:aws:s3:::blue/k", &ctx)
        .unwrap();
    assert_eq!(d.decision, Decision::Allowed);
    // Overriding a transitive key is refused.
    let mut bad = req(session_arn, "Second", "third");
    bad.tags = vec![("project".into(), "red".into())];
    assert_eq!(
        a.assume_role(&bad).unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

/// Spec §5.4: effective = identity ∩ session policy; ≤10 ARNs; 2,048 packed characters.
/// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
#[test]
fn session_policy_intersection() {
    let (mut a, _) = setup();
    let mut r = req(ALICE, "Admin", "narrow");
    r.policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.into());
    let c = a.assume_role(&r).unwrap();
    let ctx = Context::new();
    assert_eq!(
        a.authorize(&c.arn, "s3:GetObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    assert_eq!(
        a.authorize(&c.arn, "s3:PutObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    // A session policy never adds permissions.
    let mut r2 = req(ALICE, "Admin", "wide");
    r2.policy_arns = vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()];
    let c2 = a.assume_role(&r2).unwrap();
    assert_eq!(
        a.authorize(&c2.arn, "ec2:RunInstances", "*", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    let mut many = req(ALICE, "Admin", "many");
    many.policy_arns = vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into(); 11];
    assert_eq!(
        a.assume_role(&many).unwrap_err().code,
        ErrorCode::ValidationError
    );
    let mut big = req(ALICE, "Admin", "big");
    big.policy = Some(format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}"#,
        "S".repeat(2000)
    ));
    assert_eq!(
        a.assume_role(&big).unwrap_err().code,
        ErrorCode::PackedPolicyTooLarge
    );
}

/// Spec §5.4: passing session tags requires `sts:TagSession` in the trust policy.
#[test]
fn session_tags_need_tag_session() {
    let (mut a, _) = setup();
    a.create_role(
        "NoTags",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let mut r = req(ALICE, "NoTags", "tagged");
    r.tags = vec![("team".into(), "a".into())];
    let e = a.assume_role(&r).unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);
    assert!(e.message.contains("sts:TagSession"));
    r.tags.clear();
    a.assume_role(&r).unwrap();
    // Tags condition in the trust policy (aws:RequestTag).
    a.create_role(
        "Cond",
        &trust(
            ALICE,
            r#","Condition":{"StringEquals":{"aws:RequestTag/team":"a"}}"#,
        ),
    )
    .unwrap();
    let mut r = req(ALICE, "Cond", "c1");
    r.tags = vec![("team".into(), "a".into())];
    a.assume_role(&r).unwrap();
    r.tags = vec![("team".into(), "b".into())];
    assert_eq!(a.assume_role(&r).unwrap_err().code, ErrorCode::AccessDenied);
}

/// Spec §5.6: a service principal assumes a service role through the trust policy alone
/// (an EC2 instance profile's role).
#[test]
fn instance_profile_role() {
    let (mut a, _) = setup();
    a.create_role(
        "Web",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    a.attach_role_policy("Web", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .unwrap();
    a.create_instance_profile("web", None).unwrap();
    a.add_role_to_instance_profile("web", "Web").unwrap();
    let c = a
        .instance_profile_credentials("web", "i-0123456789abcdef0")
        .unwrap();
    assert_eq!(
        c.arn,
        "arn:aws:sts::111122223333:assumed-role/Web/i-0123456789abcdef0"
    );
    let ctx = Context::new();
    assert_eq!(
        a.authorize(&c.arn, "s3:GetObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    // Another service is not trusted.
    let mut r = req("lambda.amazonaws.com", "Web", "fn");
    r.role_arn = "arn:aws:iam::111122223333:role/Web".into();
    assert_eq!(a.assume_role(&r).unwrap_err().code, ErrorCode::AccessDenied);
}

/// Spec §5.4, §6.6: GetFederationToken = the user's permissions ∩ the session policy.
#[test]
fn federation_token() {
    let (mut a, _) = setup();
    a.put_user_policy(
        "alice",
        "p",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:GetFederationToken"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let c = a
        .get_federation_token(&FederationTokenRequest {
            user_name: Some("alice".into()),
            name: "fed".into(),
            policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(c.arn, "arn:aws:sts::111122223333:federated-user/fed");
    let ctx = Context::new();
    assert_eq!(
        a.authorize(&c.arn, "s3:GetObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    assert_eq!(
        a.authorize(&c.arn, "s3:PutObject", "arn:aws:s3:::b/k", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    // mallory has no sts:GetFederationToken permission.
    let e = a
        .get_federation_token(&FederationTokenRequest {
            user_name: Some("mallory".into()),
            name: "m2".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);
}
