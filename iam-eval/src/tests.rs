//! Engine-level tests of the decision flow (spec §5), one rule per test, each citing the
//! spec section it checks.

use crate::{Context, Decision, Engine, Layer, Principal, Request};
use iam_model::{Policy, PolicyType};

fn pol(t: PolicyType, json: &str) -> Policy {
    iam_parser::parse_policy(json, t).unwrap_or_else(|e| panic!("{}: {json}", e.message))
}
fn id(json_stmts: &str) -> Policy {
    pol(
        PolicyType::Identity,
        &format!(r#"{{"Version":"2012-10-17","Statement":[{json_stmts}]}}"#),
    )
}
fn res(json_stmts: &str) -> Policy {
    pol(
        PolicyType::Resource,
        &format!(r#"{{"Version":"2012-10-17","Statement":[{json_stmts}]}}"#),
    )
}
fn typed(t: PolicyType, json_stmts: &str) -> Policy {
    pol(
        t,
        &format!(r#"{{"Version":"2012-10-17","Statement":[{json_stmts}]}}"#),
    )
}
const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
const ALLOW_GET: &str = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
const OBJ: &str = "arn:aws:s3:::bucket/key";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/path/R";

fn alice() -> Principal {
    Principal::parse(ALICE).unwrap()
}
fn session() -> Principal {
    Principal::role_session(ROLE, "S").unwrap()
}
fn rbp_for(principal_json: &str) -> Policy {
    res(&format!(
        r#"{{"Effect":"Allow","Principal":{principal_json},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}"#
    ))
}

#[test]
fn engine_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
}

// spec §5.2 step 1 / §5.11: an applicable Deny anywhere wins over any Allow.
#[test]
fn explicit_deny_wins() {
    let p = id(&format!(
        r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}}"#
    ));
    let e = Engine::builder().identity(&p).build().unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:PutObject", OBJ)),
        Decision::Allowed
    );
    // A Deny in the resource policy denies the root user too (§5.10).
    let r = res(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#);
    let e = Engine::builder().resource(&r).build().unwrap();
    let root = Principal::root("111122223333");
    assert_eq!(
        e.evaluate(&Request::new(&root, "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
}

// spec §5.2 step 5: without an identity Allow the result is an implicit deny.
#[test]
fn no_allow_is_implicit_deny() {
    let p = id(ALLOW_GET);
    let e = Engine::builder().identity(&p).build().unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:DeleteObject", OBJ)),
        Decision::ImplicitDeny
    );
    let empty = Engine::builder().build().unwrap();
    assert_eq!(
        empty.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::ImplicitDeny
    );
}

// spec §5.5: the boundary grants nothing; identity ∩ boundary.
#[test]
fn boundary_intersects() {
    let p = id(ALLOW_ALL);
    let b = typed(
        PolicyType::PermissionsBoundary,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .identity(&p)
        .permissions_boundary(&b)
        .build()
        .unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "iam:CreateUser", "*")),
        Decision::ImplicitDeny
    );
    let only_b = Engine::builder().permissions_boundary(&b).build().unwrap();
    assert_eq!(
        only_b.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::ImplicitDeny
    );
}

// spec §10 item 38 (floci #3584): a same-account resource policy naming the user ARN is
// enough even when the user's boundary does not allow the action.
#[test]
fn rbp_user_arn_not_limited_by_boundary() {
    let r = rbp_for(&format!(r#"{{"AWS":"{ALICE}"}}"#));
    let b = typed(
        PolicyType::PermissionsBoundary,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .resource(&r)
        .permissions_boundary(&b)
        .build()
        .unwrap();
    let a = alice().with_permissions_boundary(true);
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
}

// spec §10 item 39 / §5.3: naming the role ARN is limited by the boundary and by session
// policies, not by missing identity allows; naming the session ARN is limited by neither.
#[test]
fn rbp_role_arn_vs_session_arn() {
    let s = session();
    let by_role = rbp_for(&format!(r#"{{"AWS":"{ROLE}"}}"#));
    let by_session = rbp_for(r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R/S"}"#);
    let deny_b = typed(
        PolicyType::PermissionsBoundary,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let ses = typed(
        PolicyType::Session,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let req = Request::new(&s, "s3:GetObject", OBJ);

    let e = Engine::builder().resource(&by_role).build().unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::Allowed,
        "no identity policy needed"
    );
    let e = Engine::builder()
        .resource(&by_role)
        .permissions_boundary(&deny_b)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "boundary limits a role-ARN grant"
    );
    let e = Engine::builder()
        .resource(&by_role)
        .session(&ses)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "session policy limits a role-ARN grant"
    );

    let e = Engine::builder()
        .resource(&by_session)
        .permissions_boundary(&deny_b)
        .session(&ses)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::Allowed,
        "session-ARN grant is not limited"
    );
}

// spec §5.3: an account-level grant only delegates; the identity side must allow.
#[test]
fn rbp_account_level_delegates() {
    let r = rbp_for(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#);
    let a = alice();
    let req = Request::new(&a, "s3:GetObject", OBJ);
    let e = Engine::builder().resource(&r).build().unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let p = id(ALLOW_GET);
    let e = Engine::builder().resource(&r).identity(&p).build().unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
}

// spec §5.8 / §10 item 40: cross-account needs both sides; no resource policy → no access
// even for an administrator.
#[test]
fn cross_account_needs_both_sides() {
    let admin = id(ALLOW_ALL);
    let a = alice();
    let q = "arn:aws:sqs:us-east-1:444455556666:queue";
    let req = Request::new(&a, "sqs:SendMessage", q);
    let e = Engine::builder().identity(&admin).build().unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let r = res(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sqs:SendMessage","Resource":"{q}"}}"#
    ));
    let e = Engine::builder().resource(&r).build().unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "direct grant is no shortcut cross-account"
    );
    let e = Engine::builder()
        .resource(&r)
        .identity(&admin)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
    let b = typed(
        PolicyType::PermissionsBoundary,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .resource(&r)
        .identity(&admin)
        .permissions_boundary(&b)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "§5.5: boundary limits all cross-account access"
    );
}

// spec §5.6 / §10 item 41: a trust policy must allow by itself; an identity Allow alone never
// suffices; an exact-ARN trust grant needs no identity policy in the same account.
#[test]
fn trust_policy_must_allow() {
    let target = "arn:aws:iam::111122223333:role/Target";
    let admin = id(ALLOW_ALL);
    let a = alice();
    let req = Request::new(&a, "sts:AssumeRole", target);
    let other = typed(
        PolicyType::Trust,
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
    );
    let e = Engine::builder()
        .identity(&admin)
        .resource_of_type(&other, PolicyType::Trust)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let acct = typed(
        PolicyType::Trust,
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}"#,
    );
    let e = Engine::builder()
        .resource_of_type(&acct, PolicyType::Trust)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "account delegation needs an identity Allow"
    );
    let e = Engine::builder()
        .identity(&admin)
        .resource_of_type(&acct, PolicyType::Trust)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
    let direct = typed(
        PolicyType::Trust,
        &format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole"}}"#
        ),
    );
    let e = Engine::builder()
        .resource_of_type(&direct, PolicyType::Trust)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
    // §5.6: service principals assume service roles through the trust policy alone.
    let ec2 = Principal::parse("ec2.amazonaws.com").unwrap();
    let e = Engine::builder()
        .resource_of_type(&other, PolicyType::Trust)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&ec2, "sts:AssumeRole", target)),
        Decision::Allowed
    );
    let lambda = Principal::parse("lambda.amazonaws.com").unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&lambda, "sts:AssumeRole", target)),
        Decision::ImplicitDeny
    );
}

// spec §5.7: a KMS key policy that neither grants the principal nor delegates to the account
// makes identity policies ineffective (root included).
#[test]
fn kms_key_policy_must_allow() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234";
    let admin = id(ALLOW_ALL);
    let a = alice();
    let req = Request::new(&a, "kms:Decrypt", key);
    let other = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .identity(&admin)
        .resource(&other)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let root = Principal::root("111122223333");
    assert_eq!(
        e.evaluate(&Request::new(&root, "kms:Decrypt", key)),
        Decision::ImplicitDeny
    );
    let deleg = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .identity(&admin)
        .resource(&deleg)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
}

// spec §10 item 42: GetFederationToken sessions without a session policy have no
// identity-derived permissions; with one, identity ∩ session.
#[test]
fn federated_user_needs_session_policy() {
    let admin = id(ALLOW_ALL);
    let f = Principal::federated_user("111122223333", "fed", Some(ALICE));
    let req = Request::new(&f, "s3:GetObject", OBJ);
    let e = Engine::builder().identity(&admin).build().unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let s = typed(PolicyType::Session, ALLOW_GET);
    let e = Engine::builder()
        .identity(&admin)
        .session(&s)
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::Allowed);
    assert_eq!(
        e.evaluate(&Request::new(&f, "s3:PutObject", OBJ)),
        Decision::ImplicitDeny
    );
}

// spec §5.4: role session permissions = identity ∩ session policy; no session policy → identity.
#[test]
fn role_session_policy_intersects() {
    let admin = id(ALLOW_ALL);
    let s = session();
    let sp = typed(PolicyType::Session, ALLOW_GET);
    let e = Engine::builder()
        .identity(&admin)
        .session(&sp)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&s, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&s, "s3:PutObject", OBJ)),
        Decision::ImplicitDeny
    );
    let e = Engine::builder().identity(&admin).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&s, "s3:PutObject", OBJ)),
        Decision::Allowed
    );
}

// spec §5.2 step 2b / §10 items 43-44: an SCP Allow is needed at every level; SCPs restrict
// the root user of member accounts; the management account and service-linked roles are exempt.
#[test]
fn scp_levels_and_exemptions() {
    let full = typed(PolicyType::Scp, ALLOW_ALL);
    let s3_only = typed(
        PolicyType::Scp,
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
    );
    let admin = id(ALLOW_ALL);
    let e = Engine::builder()
        .identity(&admin)
        .scp_level([&full])
        .scp_level([&s3_only])
        .scp_level([&full])
        .build()
        .unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "ec2:RunInstances", "*")),
        Decision::ImplicitDeny
    );
    let root = Principal::root("111122223333");
    assert_eq!(
        e.evaluate(&Request::new(&root, "ec2:RunInstances", "*")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        e.evaluate(&Request::new(&root, "s3:GetObject", OBJ)),
        Decision::Allowed,
        "root needs no identity policy"
    );
    let mgmt = alice().in_management_account(true);
    assert_eq!(
        e.evaluate(&Request::new(&mgmt, "ec2:RunInstances", "*")),
        Decision::Allowed
    );
    // spec §5.6 / §5.10: service principals are not subject to SCPs, Deny statements included.
    let deny_all = typed(
        PolicyType::Scp,
        r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#,
    );
    let trust = typed(
        PolicyType::Trust,
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
    );
    let svc = Principal::service("ec2.amazonaws.com");
    let e2 = Engine::builder()
        .resource_of_type(&trust, PolicyType::Trust)
        .scp_level([&deny_all])
        .build()
        .unwrap();
    assert_eq!(
        e2.evaluate(&Request::new(&svc, "sts:AssumeRole", ROLE)),
        Decision::Allowed
    );
    assert_eq!(
        e2.evaluate(&Request::new(&mgmt, "s3:GetObject", OBJ)),
        Decision::ImplicitDeny,
        "exempt from the SCP Deny; no grant"
    );
    let slr = Principal::role_session(
        "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
        "x",
    )
    .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&slr, "ec2:RunInstances", "*")),
        Decision::Allowed
    );
    // An SCP Deny still denies (step 1), even for an otherwise-exempt-by-level principal.
    let deny = typed(
        PolicyType::Scp,
        r#"{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .identity(&admin)
        .scp_level([&full, &deny])
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:DeleteBucket", "arn:aws:s3:::b")),
        Decision::ExplicitDeny
    );
}

// spec §5.2 step 2a / §10 item 43: RCPs need an Allow at every level, cannot grant, and do not
// apply to resources of the management account.
#[test]
fn rcp_levels() {
    let full = typed(
        PolicyType::Rcp,
        r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#,
    );
    let admin = id(ALLOW_ALL);
    let a = alice();
    let req = Request::new(&a, "s3:GetObject", OBJ);
    let e = Engine::builder().rcp_level([&full]).build().unwrap();
    assert_eq!(
        e.evaluate(&req),
        Decision::ImplicitDeny,
        "RCPs grant nothing"
    );
    let e = Engine::builder()
        .identity(&admin)
        .rcp_level([&full])
        .rcp_level(Vec::<&Policy>::new())
        .build()
        .unwrap();
    assert_eq!(e.evaluate(&req), Decision::ImplicitDeny);
    let mut mreq = req;
    mreq.resource_in_management_account = true;
    assert_eq!(e.evaluate(&mreq), Decision::Allowed);
}

// spec §5.9 / §10 item 45: NotPrincipal + Deny exempts only listed own ARNs, account ARN
// exempts nobody else, and always denies principals with a permissions boundary.
#[test]
fn not_principal_deny() {
    let np = res(&format!(
        r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":["{ALICE}","arn:aws:iam::111122223333:root"]}},"Action":"s3:*","Resource":"*"}},
           {{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#
    ));
    let e = Engine::builder().resource(&np).build().unwrap();
    let a = alice();
    let bob = Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&bob, "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
    assert_eq!(
        e.evaluate(&Request::new(&Principal::anonymous(), "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
    let bounded = alice().with_permissions_boundary(true);
    assert_eq!(
        e.evaluate(&Request::new(&bounded, "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
}

// spec §5.9 (rev 3): NotPrincipal + Allow grants every principal whose own ARN is not listed,
// anonymous callers included; the listed principal gets nothing from it.
#[test]
fn not_principal_allow_grants_everyone_else() {
    let np = res(
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"s3:*","Resource":"*"}"#,
    );
    let e = Engine::builder().resource(&np).build().unwrap();
    let bob = Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&Principal::anonymous(), "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&bob, "s3:GetObject", OBJ)),
        Decision::ImplicitDeny
    );
}

// spec §5.2 step 3 / §10 item 50: anonymous callers are granted only by a resource policy
// naming "*"; SCPs do not apply to them.
#[test]
fn anonymous_callers() {
    let public = rbp_for(r#""*""#);
    let acct = rbp_for(r#"{"AWS":"111122223333"}"#);
    let scp = typed(
        PolicyType::Scp,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let anon = Principal::anonymous();
    let req = Request::new(&anon, "s3:GetObject", OBJ);
    assert_eq!(
        Engine::builder()
            .resource(&public)
            .scp_level([&scp])
            .build()
            .unwrap()
            .evaluate(&req),
        Decision::Allowed
    );
    assert_eq!(
        Engine::builder()
            .resource(&acct)
            .build()
            .unwrap()
            .evaluate(&req),
        Decision::ImplicitDeny
    );
    let admin = id(ALLOW_ALL);
    assert_eq!(
        Engine::builder()
            .identity(&admin)
            .build()
            .unwrap()
            .evaluate(&req),
        Decision::ImplicitDeny
    );
}

// spec §5.3: a same-account "*" grant needs no identity permission and is not limited by a
// boundary without an explicit Deny.
#[test]
fn same_account_wildcard_grant() {
    let public = rbp_for(r#"{"AWS":"*"}"#);
    let b = typed(
        PolicyType::PermissionsBoundary,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .resource(&public)
        .permissions_boundary(&b)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "s3:GetObject", OBJ)),
        Decision::Allowed
    );
}

// spec §2.1 / §10 item 46: NotAction + Allow grants every other action of every service;
// NotResource + Allow grants every other resource.
#[test]
fn not_action_and_not_resource() {
    let p = id(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
                  {"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}"#);
    let e = Engine::builder().identity(&p).build().unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "ec2:RunInstances", "*")),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "iam:CreateUser", "*")),
        Decision::ImplicitDeny
    );
    let d = id(
        r#"{"Effect":"Deny","NotAction":"s3:GetObject","Resource":"*"}, {"Effect":"Allow","Action":"*","Resource":"*"}"#,
    );
    let e = Engine::builder().identity(&d).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:PutObject", OBJ)),
        Decision::ExplicitDeny
    );
    let nr = id(r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}"#);
    let e = Engine::builder().identity(&nr).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", "arn:aws:s3:::secret/x")),
        Decision::ImplicitDeny
    );
}

// spec §10 item 11: in Version 2008-10-17 (or none) variables are literal text;
// §4.3: in 2012-10-17 they are substituted literally, with defaults.
#[test]
fn variables_by_version() {
    let stmt = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}"#;
    let v2008 = pol(
        PolicyType::Identity,
        &format!(r#"{{"Version":"2008-10-17","Statement":[{stmt}]}}"#),
    );
    let v2012 = id(stmt);
    let a = alice();
    let e = Engine::builder().identity(&v2008).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", "arn:aws:s3:::b/alice/x")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        e.evaluate(&Request::new(
            &a,
            "s3:GetObject",
            "arn:aws:s3:::b/${aws:username}/x"
        )),
        Decision::Allowed
    );
    let e = Engine::builder().identity(&v2012).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", "arn:aws:s3:::b/alice/x")),
        Decision::Allowed
    );
    let s = session(); // no aws:username for sessions → unresolvable → no match
    assert_eq!(
        e.evaluate(&Request::new(&s, "s3:GetObject", "arn:aws:s3:::b/S/x")),
        Decision::ImplicitDeny
    );
    let d = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username, 'shared'}/*"}"#,
    );
    let e = Engine::builder().identity(&d).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&s, "s3:GetObject", "arn:aws:s3:::b/shared/x")),
        Decision::Allowed
    );
    // Condition values with variables (StringEquals on a principal tag).
    let c = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}}"#,
    );
    let e = Engine::builder().identity(&c).build().unwrap();
    let t = alice().with_tag("Team", "red");
    let mut ctx = Context::new();
    ctx.insert("s3:prefix", "red");
    assert_eq!(
        e.evaluate(&Request::new(&t, "s3:GetObject", OBJ).with_context(&ctx)),
        Decision::Allowed
    );
    let mut ctx2 = Context::new();
    ctx2.insert("s3:prefix", "blue");
    assert_eq!(
        e.evaluate(&Request::new(&t, "s3:GetObject", OBJ).with_context(&ctx2)),
        Decision::ImplicitDeny
    );
}

// spec §10 item 4: an unknown operator in a Deny must not be silently skipped.
#[test]
fn unknown_operator_rejected_at_compile() {
    let p = id(
        r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCaseX":{"aws:username":"x"}}}"#,
    );
    let err = Engine::builder().identity(&p).build().unwrap_err();
    assert_eq!(err.layer, "identity");
    assert!(err.message.contains("StringEqualsIgnoreCaseX"), "{err}");
}

// spec §3.3 / §10 item 26: Deny + StringNotEqualsIfExists still denies when the key is missing.
#[test]
fn deny_not_equals_if_exists_missing_key() {
    let p = id(&format!(
        r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringNotEqualsIfExists":{{"aws:RequestedRegion":"us-east-1"}}}}}}"#
    ));
    let e = Engine::builder().identity(&p).build().unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::ExplicitDeny
    );
    let mut ctx = Context::new();
    ctx.insert("aws:RequestedRegion", "us-east-1");
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ).with_context(&ctx)),
        Decision::Allowed
    );
}

// spec §5.1 / §5.11 and task item 5: explanations carry layers, deciding statements with
// spans, resolved variables and missing context values.
#[test]
fn explanation_contents() {
    let p = pol(
        PolicyType::Identity,
        "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Sid\": \"Home\", \"Effect\": \"Allow\", \"Action\": \"s3:*\",\n   \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\",\n   \"Condition\": {\"BoolIfExists\": {\"aws:MultiFactorAuthPresent\": \"true\"}}}\n ]\n}",
    );
    let e = Engine::builder()
        .identity_named("home", &p)
        .build()
        .unwrap();
    let a = alice();
    let ex = e.explain(&Request::new(&a, "s3:GetObject", "arn:aws:s3:::b/alice/x"));
    assert_eq!(ex.decision, Decision::Allowed);
    let s = &ex.matched_statements[0];
    assert!(s.decisive);
    assert_eq!(
        (s.layer, s.policy_index, s.statement_index),
        (Layer::Identity, 0, 0)
    );
    assert_eq!(s.policy_name.as_deref(), Some("home"));
    assert_eq!(s.sid.as_deref(), Some("Home"));
    assert_eq!(s.span.start.line, 4);
    assert_eq!(ex.variables[0].key, "aws:username");
    assert_eq!(ex.variables[0].value.as_deref(), Some("alice"));
    assert_eq!(
        ex.missing_context_values,
        vec!["aws:MultiFactorAuthPresent".to_string()]
    );
    let json = serde_json::to_value(&ex).unwrap();
    assert_eq!(json["decision"], "allowed");
    assert_eq!(json["layers"][0]["layer"], "identity");
    let text = ex.to_string();
    assert!(
        text.contains("Sid \"Home\"") && text.contains("line 4"),
        "{text}"
    );
    // Deny explanation marks the Deny statement decisive and the explanation agrees with evaluate.
    let d = id(&format!(
        r#"{ALLOW_ALL},{{"Sid":"No","Effect":"Deny","Action":"s3:*","Resource":"*"}}"#
    ));
    let e = Engine::builder().identity(&d).build().unwrap();
    let req = Request::new(&a, "s3:GetObject", OBJ);
    let ex = e.explain(&req);
    assert_eq!(ex.decision, e.evaluate(&req));
    assert!(
        ex.matched_statements
            .iter()
            .any(|s| s.decisive && s.sid.as_deref() == Some("No"))
    );
    assert!(ex.reason.contains("Deny"));
}

// spec §2.2: a request without a resource (`*`) matches only statements whose Resource is `*`.
#[test]
fn resourceless_request() {
    let p = id(r#"{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::*"}"#);
    let e = Engine::builder().identity(&p).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "s3:ListAllMyBuckets", "*")),
        Decision::ImplicitDeny
    );
}

// spec §2.2: multi-resource requests are authorized per resource; all must be allowed.
#[test]
fn several_resources() {
    let p = id(
        r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}"#,
    );
    let e = Engine::builder().identity(&p).build().unwrap();
    let a = alice();
    let req = Request::new(&a, "ec2:RunInstances", "*");
    let inst = "arn:aws:ec2:us-east-1:111122223333:instance/*";
    let img = "arn:aws:ec2:us-east-1::image/ami-1";
    assert_eq!(e.evaluate_resources(&req, &[inst]), Decision::Allowed);
    assert_eq!(
        e.evaluate_resources(&req, &[inst, img]),
        Decision::ImplicitDeny
    );
}

// spec §5.2 step 2c: a VPC endpoint policy must allow.
#[test]
fn vpc_endpoint_policy() {
    let admin = id(ALLOW_ALL);
    let vpce = typed(
        PolicyType::VpcEndpoint,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
    );
    let e = Engine::builder()
        .identity(&admin)
        .vpc_endpoint(&vpce)
        .build()
        .unwrap();
    let a = alice();
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:GetObject", OBJ)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&a, "s3:PutObject", OBJ)),
        Decision::ImplicitDeny
    );
}

// spec §5.12: the Identity Center roles (role/aws-reserved/...) are modified only by the
// Identity Center service-linked role; customer principals, root included, never.
#[test]
fn identity_center_roles_only_for_its_service_linked_role() {
    let admin = id(ALLOW_ALL);
    let e = Engine::builder().identity(&admin).build().unwrap();
    let sso_role =
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";
    let slr = Principal::role_session(
        "arn:aws:iam::111122223333:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO",
        "sso",
    )
    .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&slr, "iam:PutRolePolicy", sso_role)),
        Decision::Allowed
    );
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "iam:PutRolePolicy", sso_role)),
        Decision::ImplicitDeny
    );
    let ex = e.explain(&Request::new(&session(), "iam:DeleteRole", sso_role));
    assert_eq!(ex.decision, Decision::ImplicitDeny);
    assert!(
        ex.reason.starts_with("service rule (spec §5.12)"),
        "{}",
        ex.reason
    );
    // Other roles are not affected.
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "iam:DeleteRole", ROLE)),
        Decision::Allowed
    );
}

// spec §5.12: GetCallerIdentity is allowed for authenticated callers whatever the policies, and
// the explanation names the rule; anonymous callers get nothing.
#[test]
fn get_caller_identity_needs_no_permission() {
    let deny = id(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#);
    let e = Engine::builder().identity(&deny).build().unwrap();
    let ex = e.explain(&Request::new(&alice(), "sts:getcalleridentity", "*"));
    assert_eq!(ex.decision, Decision::Allowed);
    assert!(
        ex.reason
            .contains("sts:GetCallerIdentity needs no permission")
    );
    assert!(ex.to_string().contains("service rule"));
    assert_eq!(
        e.evaluate(&Request::new(
            &Principal::anonymous(),
            "sts:GetCallerIdentity",
            "*"
        )),
        Decision::ExplicitDeny
    );
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "sts:GetSessionToken", "*")),
        Decision::ExplicitDeny
    );
}

// spec §5.7 rev 3: without the key policy nothing allows a request on a key, and the
// explanation quotes the default key policy for the key's account.
#[test]
fn missing_key_policy_explains_what_to_pass() {
    let admin = id(ALLOW_ALL);
    let e = Engine::builder().identity(&admin).build().unwrap();
    let key = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let ex = e.explain(&Request::new(&alice(), "kms:Decrypt", key));
    assert_eq!(ex.decision, Decision::ImplicitDeny);
    assert!(
        ex.reason.contains("no key policy was given"),
        "{}",
        ex.reason
    );
    assert!(
        ex.reason
            .contains(r#""Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*""#),
        "{}",
        ex.reason
    );
    // The quoted default key policy parses as a key (resource) policy and, passed, delegates.
    let start = ex.reason.find('{').unwrap();
    let key_policy = pol(PolicyType::Resource, &ex.reason[start..]);
    let same_account = Principal::parse("arn:aws:iam::444455556666:user/bob").unwrap();
    let e = Engine::builder()
        .identity(&admin)
        .resource(&key_policy)
        .build()
        .unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&same_account, "kms:Decrypt", key)),
        Decision::Allowed
    );
    // The quoted policy names the key's partition.
    let cn_key = "arn:aws-cn:kms:cn-north-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let no_key_policy = Engine::builder().identity(&admin).build().unwrap();
    let ex = no_key_policy.explain(&Request::new(&alice(), "kms:Decrypt", cn_key));
    assert!(
        ex.reason
            .contains(r#""AWS":"arn:aws-cn:iam::444455556666:root""#),
        "{}",
        ex.reason
    );
    // Not a key: kms:CreateKey on "*" and alias resources need no key policy.
    let e = Engine::builder().identity(&admin).build().unwrap();
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "kms:CreateKey", "*")),
        Decision::Allowed
    );
}

// spec §5.6 rev 3: without the trust policy a role cannot be assumed; on "*" (no role named)
// the rule does not apply.
#[test]
fn missing_trust_policy() {
    let admin = id(ALLOW_ALL);
    let e = Engine::builder().identity(&admin).build().unwrap();
    let root = Principal::parse("111122223333").unwrap();
    let ex = e.explain(&Request::new(&root, "sts:AssumeRole", ROLE));
    assert_eq!(ex.decision, Decision::ImplicitDeny);
    assert!(
        ex.reason.contains("no trust policy was given"),
        "{}",
        ex.reason
    );
    assert_eq!(
        e.evaluate(&Request::new(&alice(), "sts:AssumeRole", "*")),
        Decision::Allowed
    );
}

// spec §1.7 rev 3: resource-based statements need Principal or NotPrincipal; identity
// policies and RCPs (whose only valid principal is "*") are not refused for lacking one.
#[test]
fn principal_required_in_resource_based_policies() {
    let with_not_principal = res(
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"s3:*","Resource":"*"}"#,
    );
    assert!(
        Engine::builder()
            .resource(&with_not_principal)
            .build()
            .is_ok()
    );
    let rcp = typed(
        PolicyType::Rcp,
        r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
    );
    assert!(Engine::builder().rcp_level([&rcp]).build().is_ok());
    let bare = typed(
        PolicyType::Trust,
        r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#,
    );
    let err = Engine::builder()
        .resource_of_type(&bare, PolicyType::Trust)
        .build()
        .unwrap_err();
    assert_eq!(err.code, "MISSING_PRINCIPAL");
    assert_eq!(err.layer, "resource");
    assert_eq!(
        err.message,
        "a trust policy statement must have a Principal"
    );
    assert!(err.to_string().contains("MISSING_PRINCIPAL"));
    // The finding validation reports for the same text: same code, message, path, position.
    let text =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
    let p = pol(PolicyType::Trust, text);
    let err = Engine::builder()
        .resource_of_type(&p, PolicyType::Trust)
        .build()
        .unwrap_err();
    let f = iam_parser::validate(text, PolicyType::Trust)
        .into_iter()
        .find(|f| f.code == "MISSING_PRINCIPAL")
        .unwrap();
    assert_eq!(
        (f.message.as_str(), f.path.as_str(), f.span.start),
        (err.message.as_str(), err.path().as_str(), err.span.start)
    );
}

// spec §2.1: the service prefix matches case-insensitively, whatever the number of services a
// set names (a scan for a few, a search of packed keys for more) and their length (prefixes
// longer than 16 bytes take the string search).
#[test]
fn service_lookup_few_many_and_long_prefixes() {
    let services = [
        "s3",
        "ec2",
        "iam",
        "sqs",
        "kms",
        "lambda",
        "dynamodb",
        "cloudformation",
        "elasticloadbalancing",
        "resource-explorer-2",
        "logs",
        "sns",
    ];
    let a = alice();
    for n in [1, 3, 8, 9, services.len()] {
        let stmts: Vec<String> = services
            .iter()
            .take(n)
            .map(|s| format!(r#"{{"Effect":"Allow","Action":"{s}:DescribeThing","Resource":"*"}}"#))
            .collect();
        let p = id(&stmts.join(","));
        let e = Engine::builder().identity(&p).build().unwrap();
        for (i, s) in services.iter().enumerate() {
            let want = if i < n {
                Decision::Allowed
            } else {
                Decision::ImplicitDeny
            };
            for action in [
                format!("{s}:DescribeThing"),
                format!("{}:describething", s.to_ascii_uppercase()),
            ] {
                assert_eq!(
                    e.evaluate(&Request::new(&a, &action, "*")),
                    want,
                    "{n} services, {action}"
                );
            }
            let other = format!("{s}:DescribeOther");
            assert_eq!(
                e.evaluate(&Request::new(&a, &other, "*")),
                Decision::ImplicitDeny,
                "{other}"
            );
        }
    }
}

// The short decision path for identity-only engines (`decide_identity_only`) answers as the
// general flow (which `explain` always takes, reporting every layer), for every principal
// kind, same- and cross-account resources, and actions on both sides of the `sts:` / `iam:` /
// `kms:` test that routes service rules (spec §5.12) and required trust / key policies (spec
// §5.6, §5.7) to the general flow.
#[test]
fn identity_only_short_path_agrees_with_the_general_flow() {
    let engines: Vec<Engine> = [
        vec![],
        vec![id(ALLOW_ALL)],
        vec![id(ALLOW_GET)],
        vec![id(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#)],
        vec![
            id(ALLOW_ALL),
            id(r#"{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}"#),
        ],
        vec![id(
            r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:s3:::bucket/*"}"#,
        )],
    ]
    .iter()
    .map(|ps| {
        let mut b = Engine::builder();
        for p in ps {
            b = b.identity(p);
        }
        b.build().unwrap()
    })
    .collect();
    let principals: Vec<Principal> = [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:assumed-role/R/s",
        "arn:aws:sts::111122223333:federated-user/f",
        "arn:aws:iam::111122223333:root",
        "111122223333",
        "444455556666",
        "ec2.amazonaws.com",
        "anonymous",
    ]
    .iter()
    .map(|p| Principal::parse(p).unwrap())
    .chain([Principal::unnamed_user("111122223333")])
    .collect();
    let actions = [
        "s3:GetObject",
        "S3:getobject",
        "ec2:RunInstances",
        "sts:GetCallerIdentity",
        "STS:AssumeRole",
        "iam:DeletePolicy",
        "Iam:PassRole",
        "kms:Decrypt",
        "kms",
        "",
    ];
    let resources = [
        "*",
        OBJ,
        "arn:aws:sqs:us-east-1:444455556666:q",
        "arn:aws:sqs:us-east-1:111122223333:q",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/R",
        "arn:aws:iam::111122223333:role/R",
        "arn:aws:kms:us-east-1:111122223333:key/k",
    ];
    let mut checked = 0;
    for e in &engines {
        for p in &principals {
            for a in actions {
                for r in resources {
                    let req = Request::new(p, a, r);
                    assert_eq!(
                        e.evaluate(&req),
                        e.explain(&req).decision,
                        "{:?} {a} {r}",
                        p.arn()
                    );
                    let owned = Request::new(p, a, r).with_resource_account("444455556666");
                    assert_eq!(e.evaluate(&owned), e.explain(&owned).decision);
                    checked += 2;
                }
            }
        }
    }
    assert_eq!(checked, 6 * 9 * 10 * 8 * 2);
}
