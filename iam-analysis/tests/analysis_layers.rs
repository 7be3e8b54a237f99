//! Access analysis with every layer: permissions boundaries, SCPs of an organization,
//! conditional denies, policy variables, and diffs of a principal before and after a change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{Account, Organization};
use iam_analysis::{Access, diff_principal, what_can, who_can};
use iam_eval::Context;
use iam_model::catalog::Catalog;
use iam_model::entities::OrgPolicyType;

const A: &str = "111122223333";
const B: &str = "444455556666";

fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

#[test]
fn boundary_limits_and_its_patterns_are_tried() {
    let mut a = Account::new(A).unwrap();
    let boundary = a
        .create_policy(
            "b",
            &allow(r#"["s3:GetObject","iam:GetUser"]"#, "arn:aws:s3:::data/*"),
            None,
            None,
        )
        .unwrap()
        .arn
        .clone();
    a.create_user("u", None).unwrap();
    a.attach_user_policy("u", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    a.put_user_permissions_boundary("u", &boundary).unwrap();
    let w = what_can(&a, &format!("arn:aws:iam::{A}:user/u")).unwrap();
    // Admin ∩ boundary: only s3:GetObject, and only on the boundary's pattern (the identity
    // statement's "*" is refused by the boundary; its own pattern is tried next).
    // sts:GetCallerIdentity needs no permission at all (spec §5.12 rev 3): the boundary does
    // not take it away.
    let names: Vec<&str> = w.actions().map(|x| x.action).collect();
    assert_eq!(names, ["s3:GetObject", "sts:GetCallerIdentity"]);
    assert_eq!(
        w.get("s3:GetObject").unwrap().resources(),
        ["arn:aws:s3:::data/*"]
    );
    // iam:GetUser is in the boundary, but only on an S3 pattern: no IAM user matches it.
    assert!(w.get("iam:GetUser").is_none());
}

#[test]
fn scps_apply_across_the_organization() {
    let mut mgmt = Account::new(A).unwrap();
    mgmt.create_role("admin", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}"#).unwrap();
    mgmt.attach_role_policy("admin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    let mut member = Account::new(B).unwrap();
    member.create_user("dev", None).unwrap();
    member
        .attach_user_policy("dev", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let root = org.root_id().to_string();
    org.add_account(member, &root).unwrap();
    let deny_iam = org
        .create_policy(
            "no-iam",
            OrgPolicyType::ServiceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        )
        .unwrap();
    org.attach_policy(&deny_iam, B).unwrap();
    let dev = format!("arn:aws:iam::{B}:user/dev");
    let w = what_can(&org, &dev).unwrap();
    let cat = Catalog::get();
    assert!(w.service("iam").is_none());
    assert_eq!(w.len(), cat.action_count() - cat.expand("iam:*").len());
    // The management account is not restricted by SCPs.
    let admin = format!("arn:aws:iam::{A}:role/admin");
    assert_eq!(what_can(&org, &admin).unwrap().len(), cat.action_count());
    // who_can over the organization: both accounts' principals, the SCP applied.
    let who: Vec<String> = who_can(&org, "iam:PassRole", "*", &Context::new())
        .unwrap()
        .into_iter()
        .map(|w| w.principal)
        .collect();
    assert_eq!(who, std::slice::from_ref(&admin));
    let who: Vec<String> = who_can(&org, "s3:GetObject", "arn:aws:s3:::x/y", &Context::new())
        .unwrap()
        .into_iter()
        .map(|w| w.principal)
        .collect();
    assert_eq!(who, [admin, dev]);
}

#[test]
fn conditional_deny_and_variables() {
    let mut a = Account::new(A).unwrap();
    a.create_user("alice", None).unwrap();
    a.put_user_policy(
        "alice",
        "p",
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["s3:*"],"Resource":"*"},
          {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
          {"Effect":"Deny","Action":"s3:PutBucketPolicy","Resource":"*"},
          {"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"},
          {"Effect":"Allow","Action":"iam:DeleteUser","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}]}"#,
    )
    .unwrap();
    let w = what_can(&a, &format!("arn:aws:iam::{A}:user/alice")).unwrap();
    // A Deny under an undecidable condition makes the action conditional, not denied.
    assert_eq!(
        w.get("s3:DeleteBucket").unwrap().access,
        Access::Conditional
    );
    assert_eq!(w.get("s3:GetObject").unwrap().access, Access::Allowed);
    assert!(w.get("s3:PutBucketPolicy").is_none());
    // ${aws:username} is substituted for the principal.
    assert_eq!(
        w.get("iam:ChangePassword").unwrap().resources(),
        ["arn:aws:iam::*:user/alice"]
    );
    // aws:username is decided by the principal: alice is not bob.
    assert!(w.get("iam:DeleteUser").is_none());
    // who_can with the key in the context decides the conditional deny.
    let mut ctx = Context::new();
    ctx.insert("aws:MultiFactorAuthPresent", "true");
    let who = who_can(&a, "s3:DeleteBucket", "arn:aws:s3:::b", &ctx).unwrap();
    assert_eq!(who[0].access, Access::Allowed);
    let mut ctx = Context::new();
    ctx.insert("aws:MultiFactorAuthPresent", "false");
    assert!(
        who_can(&a, "s3:DeleteBucket", "arn:aws:s3:::b", &ctx)
            .unwrap()
            .is_empty()
    );
    let who = who_can(&a, "s3:DeleteBucket", "arn:aws:s3:::b", &Context::new()).unwrap();
    assert_eq!(who[0].access, Access::Conditional);
}

#[test]
fn principal_before_and_after_a_change() {
    let mut before = Account::new(A).unwrap();
    before.create_user("u", None).unwrap();
    before
        .put_user_policy("u", "p", &allow(r#"["s3:GetObject","s3:PutObject"]"#, "*"))
        .unwrap();
    let mut after = Account::new(A).unwrap();
    after.create_user("u", None).unwrap();
    after
        .put_user_policy(
            "u",
            "p",
            &allow(r#"["s3:GetObject","iam:PassRole"]"#, "arn:aws:s3:::b/*"),
        )
        .unwrap();
    let d = diff_principal(&before, &after, &format!("arn:aws:iam::{A}:user/u")).unwrap();
    assert_eq!(d.only_a, ["s3:PutObject"]);
    // iam:PassRole on an S3 pattern names no role: it grants nothing.
    assert!(d.only_b.is_empty());
    assert_eq!(d.resources_only_a["s3:GetObject"], ["*"]);
    assert!(d.resources_only_b.is_empty());
}
