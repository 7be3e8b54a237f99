//! Issue #11 parts 1 and 2: every call authenticated (spec §6.6, §13) and authorized with the
//! request context AWS builds (spec §13, §5.4-§5.6). The seed's story, walked with each
//! principal's own credentials.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{
    Account, AssumeRoleRequest, CallError, Caller, CreateRoleOptions, Enforcement, FixedClock,
    Organization,
};
use iam_model::entities::{AccessKeyStatus, ErrorCode, OrgPolicyType};
use serde_json::json;
use std::sync::Arc;

const A: &str = "111122223333";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn setup() -> (Account, Arc<FixedClock>, Caller) {
    let clock = Arc::new(FixedClock::at("2026-11-28T00:00:00Z").unwrap());
    let mut a = Account::with_clock(A, clock.clone()).unwrap();
    a.create_user("alice", None).unwrap();
    let k = a.create_access_key(Some("alice")).unwrap();
    let alice = a
        .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
        .unwrap();
    (a, clock, alice)
}

fn denied_message(r: Result<(), CallError>) -> String {
    match r {
        Err(CallError::Denied(d)) => {
            assert_eq!(d.error.code, ErrorCode::AccessDenied);
            d.error.message
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}

/// Troubleshooting access-denied page: implicit deny names the missing identity-based Allow.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
#[test]
fn story_denied_then_allowed_then_self_escalation_denied() {
    let (mut a, _, alice) = setup();
    assert_eq!(alice.arn, ALICE);
    let msg = denied_message(a.enforce_call(&alice, "iam", "ListUsers", &json!({})));
    assert_eq!(
        msg,
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:ListUsers \
         on resource: * because no identity-based policy allows the iam:ListUsers action"
    );
    // The administrator (root, no credentials) attaches ReadOnlyAccess.
    let root = a.root_caller();
    let attach = json!({"UserName": "alice", "PolicyArn": READ_ONLY});
    a.enforce_call(&root, "iam", "AttachUserPolicy", &attach)
        .unwrap();
    a.attach_user_policy("alice", READ_ONLY).unwrap();
    a.enforce_call(&alice, "iam", "ListUsers", &json!({}))
        .unwrap();
    a.enforce_call(&alice, "iam", "GetUser", &json!({}))
        .unwrap();
    // Self-escalation: read-only keys cannot attach AdministratorAccess to their own user.
    let escalate = json!({"UserName": "alice", "PolicyArn": ADMIN});
    let msg = denied_message(a.enforce_call(&alice, "iam", "AttachUserPolicy", &escalate));
    assert_eq!(
        msg,
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: \
         iam:AttachUserPolicy on resource: arn:aws:iam::111122223333:user/alice because no \
         identity-based policy allows the iam:AttachUserPolicy action"
    );
}

/// Explicit deny message names the policy type; the explanation shows the decisive statement.
#[test]
fn explicit_deny_message_and_explanation() {
    let (mut a, _, alice) = setup();
    a.attach_user_policy("alice", ADMIN).unwrap();
    a.put_user_policy(
        "alice",
        "no-delete",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}"#,
    )
    .unwrap();
    a.create_user("bob", Some("/eng/")).unwrap();
    match a.authorize_call(&alice, "iam", "DeleteUser", &json!({"UserName": "bob"})) {
        Err(CallError::Denied(d)) => {
            assert_eq!(
                d.error.message,
                "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: \
                 iam:DeleteUser on resource: arn:aws:iam::111122223333:user/eng/bob with an \
                 explicit deny in an identity-based policy"
            );
            assert_eq!(d.resource, "arn:aws:iam::111122223333:user/eng/bob");
            assert!(
                d.explanation
                    .matched_statements
                    .iter()
                    .any(|s| s.decisive && s.sid.as_deref() == Some("NoDelete"))
            );
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}

/// Spec §5.5: a permissions boundary caps the identity policies; the message names it.
#[test]
fn permissions_boundary_limits_and_is_named() {
    let (mut a, _, alice) = setup();
    a.attach_user_policy("alice", ADMIN).unwrap();
    a.put_user_permissions_boundary("alice", READ_ONLY).unwrap();
    a.enforce_call(&alice, "iam", "ListRoles", &json!({}))
        .unwrap();
    let msg =
        denied_message(a.enforce_call(&alice, "iam", "CreateUser", &json!({"UserName": "eve"})));
    assert!(
        msg.ends_with("because no permissions boundary allows the iam:CreateUser action"),
        "{msg}"
    );
}

/// iam:PermissionsBoundary lets an administrator delegate user creation only with a boundary
/// (IAM User Guide, "Permissions boundaries for IAM entities", delegating example).
#[test]
fn permissions_boundary_condition_key_on_create_user() {
    let (mut a, _, alice) = setup();
    a.put_user_policy(
        "alice",
        "delegate",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*",
            "Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{READ_ONLY}"}}}}}}]}}"#
        ),
    )
    .unwrap();
    denied_message(a.enforce_call(&alice, "iam", "CreateUser", &json!({"UserName": "eve"})));
    a.enforce_call(
        &alice,
        "iam",
        "CreateUser",
        &json!({"UserName": "eve", "PermissionsBoundary": READ_ONLY}),
    )
    .unwrap();
}

/// IAM User Guide id_tags.html: creating a user with tags needs iam:TagUser too, with
/// aws:RequestTag/* and aws:TagKeys in the context.
#[test]
fn tag_on_create_needs_tag_user() {
    let (mut a, _, alice) = setup();
    a.put_user_policy(
        "alice",
        "create",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}]}"#,
    )
    .unwrap();
    let tagged = json!({"UserName": "eve", "Tags": [{"Key": "team", "Value": "red"}]});
    a.enforce_call(&alice, "iam", "CreateUser", &json!({"UserName": "eve"}))
        .unwrap();
    let msg = denied_message(a.enforce_call(&alice, "iam", "CreateUser", &tagged));
    assert!(msg.contains("perform: iam:TagUser on resource: arn:aws:iam::111122223333:user/eve"));
    a.put_user_policy(
        "alice",
        "tag",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:TagUser","Resource":"*",
          "Condition":{"StringEquals":{"aws:RequestTag/team":"red"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}"#,
    )
    .unwrap();
    a.enforce_call(&alice, "iam", "CreateUser", &tagged)
        .unwrap();
    let blue = json!({"UserName": "eve", "Tags": [{"Key": "team", "Value": "blue"}]});
    denied_message(a.enforce_call(&alice, "iam", "CreateUser", &blue));
}

/// aws:PrincipalTag/* and iam:ResourceTag/* (global condition keys page; IAM condition keys).
#[test]
fn principal_and_resource_tags_in_context() {
    let (mut a, _, alice) = setup();
    a.tag_user("alice", &[("team".into(), "red".into())])
        .unwrap();
    a.create_user("bob", None).unwrap();
    a.tag_user("bob", &[("team".into(), "red".into())]).unwrap();
    a.create_user("carol", None).unwrap();
    a.tag_user("carol", &[("team".into(), "blue".into())])
        .unwrap();
    a.put_user_policy(
        "alice",
        "same-team",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*",
          "Condition":{"StringEquals":{"iam:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}"#,
    )
    .unwrap();
    a.enforce_call(&alice, "iam", "GetUser", &json!({"UserName": "bob"}))
        .unwrap();
    denied_message(a.enforce_call(&alice, "iam", "GetUser", &json!({"UserName": "carol"})));
}

/// aws:CurrentTime comes from the account clock.
#[test]
fn current_time_from_the_account_clock() {
    let (mut a, clock, alice) = setup();
    a.put_user_policy(
        "alice",
        "until",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*",
          "Condition":{"DateLessThan":{"aws:CurrentTime":"2026-11-28T01:00:00Z"}}}]}"#,
    )
    .unwrap();
    a.enforce_call(&alice, "iam", "ListUsers", &json!({}))
        .unwrap();
    clock.advance(7200);
    denied_message(a.enforce_call(&alice, "iam", "ListUsers", &json!({})));
}

/// Spec §6.6 / STS CommonErrors: unknown or inactive key → InvalidClientTokenId; wrong
/// secret → SignatureDoesNotMatch.
#[test]
fn authentication_errors() {
    let (mut a, _, _) = setup();
    let k = a.create_access_key(Some("alice")).unwrap();
    let e = a
        .authenticate(&k.access_key_id, "not-the-secret", None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SignatureDoesNotMatch);
    assert!(!e.message.contains(k.secret_access_key.expose()));
    let e = a
        .authenticate("AKIAIOSFODNN7EXAMPLE", k.secret_access_key.expose(), None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidClientTokenId);
    assert_eq!(
        e.message,
        "The security token included in the request is invalid."
    );
    a.update_access_key(Some("alice"), &k.access_key_id, AccessKeyStatus::Inactive)
        .unwrap();
    let e = a
        .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidClientTokenId);
    // A deleted user's key no longer authenticates.
    a.update_access_key(Some("alice"), &k.access_key_id, AccessKeyStatus::Active)
        .unwrap();
    a.delete_access_key(Some("alice"), &k.access_key_id)
        .unwrap();
    let e = a
        .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidClientTokenId);
}

fn admin_role(a: &mut Account) {
    a.create_role_with(
        "Admin",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole"}}]}}"#
        ),
        &CreateRoleOptions::default(),
    )
    .unwrap();
    a.attach_role_policy("Admin", ADMIN).unwrap();
}

/// Spec §5.4: a session policy limits an assumed-role session; §6.6: temporary credentials
/// expire (ExpiredToken), need their session token, and check their secret.
#[test]
fn assumed_role_session_limited_by_session_policy_and_expiring() {
    let (mut a, clock, _) = setup();
    admin_role(&mut a);
    let creds = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: ALICE.into(),
            role_arn: format!("arn:aws:iam::{A}:role/Admin"),
            role_session_name: "s1".into(),
            duration_seconds: Some(900),
            policy: Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}"#
                    .into(),
            ),
            ..Default::default()
        })
        .unwrap();
    let (id, secret, token) = (
        creds.access_key_id.as_str(),
        creds.secret_access_key.expose(),
        creds.session_token.expose(),
    );
    let e = a.authenticate(id, secret, None).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidClientTokenId);
    let e = a.authenticate(id, "wrong", Some(token)).unwrap_err();
    assert_eq!(e.code, ErrorCode::SignatureDoesNotMatch);
    let session = a.authenticate(id, secret, Some(token)).unwrap();
    assert_eq!(
        session.arn,
        "arn:aws:sts::111122223333:assumed-role/Admin/s1"
    );
    assert!(session.is_temporary());
    a.enforce_call(&session, "iam", "ListUsers", &json!({}))
        .unwrap();
    let msg =
        denied_message(a.enforce_call(&session, "iam", "CreateUser", &json!({"UserName": "eve"})));
    assert_eq!(
        msg,
        "User: arn:aws:sts::111122223333:assumed-role/Admin/s1 is not authorized to perform: \
         iam:CreateUser on resource: arn:aws:iam::111122223333:user/eve because no session \
         policy allows the iam:CreateUser action"
    );
    clock.advance(901);
    let e = a.authenticate(id, secret, Some(token)).unwrap_err();
    assert_eq!(e.code, ErrorCode::ExpiredToken);
}

/// Temporary credentials carry aws:MultiFactorAuthPresent=false (the key is absent for
/// long-term keys), so a `Bool … false` Deny blocks a session without MFA but not a long-term
/// key (global condition keys page, aws:MultiFactorAuthPresent).
#[test]
fn mfa_present_false_for_sessions_absent_for_long_term_keys() {
    let (mut a, _, alice) = setup();
    admin_role(&mut a);
    let deny_without_mfa = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
    a.attach_user_policy("alice", READ_ONLY).unwrap();
    a.put_user_policy("alice", "mfa", deny_without_mfa).unwrap();
    a.put_role_policy("Admin", "mfa", deny_without_mfa).unwrap();
    // Long-term key: the key is absent, Bool does not match, the Deny does not apply.
    a.enforce_call(&alice, "iam", "ListUsers", &json!({}))
        .unwrap();
    let creds = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: ALICE.into(),
            role_arn: format!("arn:aws:iam::{A}:role/Admin"),
            role_session_name: "nomfa".into(),
            ..Default::default()
        })
        .unwrap();
    let s = a
        .authenticate(
            &creds.access_key_id,
            creds.secret_access_key.expose(),
            Some(creds.session_token.expose()),
        )
        .unwrap();
    let msg = denied_message(a.enforce_call(&s, "iam", "ListUsers", &json!({})));
    assert!(msg.ends_with("with an explicit deny in an identity-based policy"));
    let with_mfa = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: ALICE.into(),
            role_arn: format!("arn:aws:iam::{A}:role/Admin"),
            role_session_name: "mfa".into(),
            context: vec![("aws:MultiFactorAuthPresent".into(), "true".into())],
            ..Default::default()
        })
        .unwrap();
    let s = a
        .authenticate(
            &with_mfa.access_key_id,
            with_mfa.secret_access_key.expose(),
            Some(with_mfa.session_token.expose()),
        )
        .unwrap();
    a.enforce_call(&s, "iam", "ListUsers", &json!({})).unwrap();
}

/// Spec §5.10: the root user is allowed everything in a standalone account.
#[test]
fn root_allowed() {
    let (a, _, _) = setup();
    let root = a.root_caller();
    for (op, p) in [
        ("CreateUser", json!({"UserName": "x"})),
        (
            "AttachUserPolicy",
            json!({"UserName": "alice", "PolicyArn": ADMIN}),
        ),
        ("ListUsers", json!({})),
        ("DeleteRole", json!({"RoleName": "nope"})),
    ] {
        a.enforce_call(&root, "iam", op, &p).unwrap();
    }
}

/// Soft mode lets the call run and records the would-be denial; off skips authorization.
#[test]
fn soft_and_off_modes() {
    let (mut a, _, alice) = setup();
    a.set_enforcement(Enforcement::Soft);
    a.enforce_call(&alice, "iam", "ListUsers", &json!({}))
        .unwrap();
    assert_eq!(a.denials().len(), 1);
    assert_eq!(a.denials()[0].action, "iam:ListUsers");
    assert!(
        a.denials()[0]
            .error
            .message
            .contains("no identity-based policy")
    );
    a.set_enforcement(Enforcement::Off);
    a.enforce_call(&alice, "iam", "ListUsers", &json!({}))
        .unwrap();
    assert_eq!(a.take_denials().len(), 1);
    assert!(a.denials().is_empty());
}

/// Bad input is an error, never an allowed call: unknown operations, missing resource names.
#[test]
fn not_understood_calls_are_errors() {
    let (a, _, _) = setup();
    let root = a.root_caller();
    let e = a
        .enforce_call(&root, "iam", "MakeMeAdmin", &json!({}))
        .unwrap_err();
    assert_eq!(e.error().code, ErrorCode::InvalidInput);
    let e = a
        .enforce_call(
            &root,
            "iam",
            "AttachUserPolicy",
            &json!({"PolicyArn": ADMIN}),
        )
        .unwrap_err();
    assert!(matches!(e, CallError::Invalid(_)));
    let e = a
        .enforce_call(&root, "iam", "GetRole", &json!({}))
        .unwrap_err();
    assert_eq!(e.error().code, ErrorCode::ValidationError);
}

/// Spec §5.10/§5.8: an SCP of the member account's path limits every principal of it, the
/// root user included; the message names the service control policy.
#[test]
fn scp_limits_member_account() {
    let mgmt = Account::new("999999999999").unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let (member, _, _) = setup();
    let root_id = org.root_id().to_string();
    org.add_account(member, &root_id).unwrap();
    let scp = org
        .create_policy(
            "no-users",
            OrgPolicyType::ServiceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
               {"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#,
        )
        .unwrap();
    org.attach_policy(&scp, A).unwrap();
    let acct = org.account(A).unwrap();
    let root = acct.root_caller();
    let r = org.authorize_call(A, &root, "iam", "CreateUser", &json!({"UserName": "x"}));
    let msg = denied_message(r);
    assert!(
        msg.ends_with("with an explicit deny in a service control policy"),
        "{msg}"
    );
    org.authorize_call(A, &root, "iam", "ListUsers", &json!({}))
        .unwrap();
}

/// AWS managed policies live in the `aws` pseudo-account but every account reads and attaches
/// them: the root user and an identity-based Allow suffice.
#[test]
fn aws_managed_policy_calls_are_same_account() {
    let (mut a, _, alice) = setup();
    let root = a.root_caller();
    let p = json!({"PolicyArn": READ_ONLY});
    a.enforce_call(&root, "iam", "GetPolicy", &p).unwrap();
    denied_message(a.enforce_call(&alice, "iam", "GetPolicy", &p));
    a.attach_user_policy("alice", READ_ONLY).unwrap();
    a.enforce_call(&alice, "iam", "GetPolicy", &p).unwrap();
}
