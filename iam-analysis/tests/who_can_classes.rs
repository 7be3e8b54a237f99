//! `who_can` gathers the layers once per class of attachments (`iam_account::LayerClass`,
//! issue #14): every answer must be exactly the one computed for each principal alone.
#![allow(clippy::unwrap_used)]

use iam_account::{Account, AssumeRoleRequest};
use iam_analysis::{Target, who_can, who_can_among};
use iam_eval::Context;

fn synthetic(n: usize) -> Account {
    let text = super::synthetic::authorization_details(n).to_string();
    let d = iam_parser::gaad::parse_authorization_details(&text).unwrap();
    Account::from_authorization_details(&d).unwrap()
}

/// Each principal decided on its own (no class, no shared answers), in `who_can`'s order.
fn alone(a: &Account, action: &str, resource: &str) -> Vec<iam_analysis::WhoCan> {
    let ctx = Context::new();
    let mut out = Vec::new();
    for p in Target::from(a).principals() {
        out.extend(who_can_among(a, std::slice::from_ref(&p), action, resource, &ctx).unwrap());
    }
    out.sort_by(|x, y| (&x.action, &x.principal).cmp(&(&y.action, &y.principal)));
    out
}

#[test]
fn synthetic_account_answers_equal_principals_decided_alone() {
    let a = synthetic(600);
    let ctx = Context::new();
    let all = Target::from(&a).principals();
    for (action, resource) in [
        ("iam:PassRole", "*"),
        ("s3:GetObject", "arn:aws:s3:::app10012-data/key"),
        // the personal policies' `${aws:username}` resource and `aws:PrincipalTag` condition
        ("s3:GetObject", "arn:aws:s3:::home/user-2/x"),
        ("ec2:*Instances", "*"),
        // boundaries deny `iam:*AccessKey*`
        (
            "iam:CreateAccessKey",
            "arn:aws:iam::123456789012:user/user-7",
        ),
        // a trust policy applies: no answer is shared
        ("sts:AssumeRole", "arn:aws:iam::123456789012:role/role-3"),
    ] {
        let who = who_can(&a, action, resource, &ctx).unwrap();
        assert!(!who.is_empty(), "{action} {resource}");
        assert_eq!(who, alone(&a, action, resource), "{action} {resource}");
        let among = who_can_among(&a, &all, action, resource, &ctx).unwrap();
        assert_eq!(who, among, "{action} {resource}");
    }
}

#[test]
fn a_role_with_a_live_session_named_after_it_is_not_classed_with_its_twin() {
    let mut a = Account::new("111122223333").unwrap();
    a.create_user("alice", None).unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#;
    for r in ["deploy", "deploy2"] {
        a.create_role(r, trust).unwrap();
        a.attach_role_policy(r, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            .unwrap();
    }
    // The session of `deploy` named `deploy` is what `deploy`'s ARN is analysed as: its session
    // policy (only s3:ListBucket) narrows it; `deploy2`, with the same attachments, keeps all.
    a.assume_role(&AssumeRoleRequest {
        caller_arn: "arn:aws:iam::111122223333:user/alice".into(),
        role_arn: "arn:aws:iam::111122223333:role/deploy".into(),
        role_session_name: "deploy".into(),
        policy: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#
                .into(),
        ),
        ..AssumeRoleRequest::default()
    })
    .unwrap();
    let ctx = Context::new();
    let who = who_can(&a, "s3:GetObject", "arn:aws:s3:::b/k", &ctx).unwrap();
    let arns: Vec<&str> = who.iter().map(|w| w.principal.as_str()).collect();
    assert_eq!(arns, ["arn:aws:iam::111122223333:role/deploy2"]);
    assert_eq!(who, alone(&a, "s3:GetObject", "arn:aws:s3:::b/k"));
    let list = who_can(&a, "s3:ListBucket", "arn:aws:s3:::b", &ctx).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list, alone(&a, "s3:ListBucket", "arn:aws:s3:::b"));
}

#[test]
fn principals_the_account_does_not_have_are_still_errors() {
    let mut a = Account::new("111122223333").unwrap();
    a.create_user("bob", Some("/eng/")).unwrap();
    let ctx = Context::new();
    for arn in [
        "arn:aws:iam::111122223333:user/nobody",
        // bob's ARN has his path: this one names no user of the account
        "arn:aws:iam::111122223333:user/bob",
        "arn:aws:iam::111122223333:role/nobody",
        "arn:aws:iam::444455556666:user/bob",
    ] {
        let e = who_can_among(&a, &[arn.to_string()], "s3:GetObject", "*", &ctx).unwrap_err();
        assert!(
            matches!(&e, iam_analysis::AnalysisError::Iam(i) if i.code == iam_model::entities::ErrorCode::NoSuchEntity),
            "{arn}: {e}"
        );
    }
    let bob = "arn:aws:iam::111122223333:user/eng/bob".to_string();
    assert!(who_can_among(&a, &[bob], "s3:GetObject", "*", &ctx).is_ok());
}

#[test]
fn twins_in_accounts_under_different_scps_are_not_classed_together() {
    use iam_account::Organization;
    use iam_model::entities::OrgPolicyType;
    let mut org = Organization::new(Account::new("111122223333").unwrap()).unwrap();
    let root = org.root_id().to_string();
    for id in ["222233334444", "333344445555"] {
        let mut a = Account::new(id).unwrap();
        for u in ["dev", "ops"] {
            a.create_user(u, None).unwrap();
            a.attach_user_policy(u, "arn:aws:iam::aws:policy/AdministratorAccess")
                .unwrap();
        }
        org.add_account(a, &root).unwrap();
    }
    let deny_iam = org
        .create_policy(
            "no-iam",
            OrgPolicyType::ServiceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        )
        .unwrap();
    org.attach_policy(&deny_iam, "222233334444").unwrap();
    let ctx = Context::new();
    let who = who_can(&org, "iam:PassRole", "*", &ctx).unwrap();
    let arns: Vec<&str> = who.iter().map(|w| w.principal.as_str()).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::333344445555:user/dev",
            "arn:aws:iam::333344445555:user/ops"
        ]
    );
    let all = Target::from(&org).principals();
    assert_eq!(all.len(), 4);
    let mut alone = Vec::new();
    for p in &all {
        alone.extend(who_can_among(&org, std::slice::from_ref(p), "iam:PassRole", "*", &ctx).unwrap());
    }
    alone.sort_by(|x, y| (&x.action, &x.principal).cmp(&(&y.action, &y.principal)));
    assert_eq!(who, alone);
    assert_eq!(who, who_can_among(&org, &all, "iam:PassRole", "*", &ctx).unwrap());
}

/// SCPs do not apply to a service-linked role (spec §5.10,
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>):
/// an ordinary role holding the very same policies in the same member account must not share
/// its answers.
#[test]
fn a_service_linked_role_is_not_classed_with_an_ordinary_twin() {
    use iam_account::Organization;
    use iam_model::entities::OrgPolicyType;
    let mut org = Organization::new(Account::new("111122223333").unwrap()).unwrap();
    let root = org.root_id().to_string();
    // As a snapshot has them: a service-linked role (protected: only AWS attaches its
    // policies) and an ordinary role with the very same attachment.
    let role = |name: &str, path: &str, id: &str| {
        serde_json::json!({
            "RoleName": name, "RoleId": id, "Path": path,
            "Arn": format!("arn:aws:iam::222233334444:role{path}{name}"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "elasticbeanstalk.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [], "InstanceProfileList": [], "Tags": [],
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]})
    };
    let gaad = serde_json::json!({"UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [
            role("AWSServiceRoleForElasticBeanstalk", "/aws-service-role/elasticbeanstalk.amazonaws.com/", "AROAAAAAAAAAAAAAAAAA1"),
            role("twin", "/", "AROAAAAAAAAAAAAAAAAA2")]});
    let d = iam_parser::gaad::parse_authorization_details(&gaad.to_string()).unwrap();
    let a = Account::from_authorization_details_in(&d, "222233334444").unwrap();
    let slr_arn = "arn:aws:iam::222233334444:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk";
    org.add_account(a, &root).unwrap();
    let deny_all = org
        .create_policy(
            "deny-all",
            OrgPolicyType::ServiceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
    org.attach_policy(&deny_all, "222233334444").unwrap();
    let ctx = Context::new();
    let all = Target::from(&org).principals();
    // Some action the service-linked role's own policy allows.
    let action = "elasticloadbalancing:DescribeLoadBalancers";
    let who = who_can(&org, action, "*", &ctx).unwrap();
    let arns: Vec<&str> = who.iter().map(|w| w.principal.as_str()).collect();
    assert_eq!(arns, [slr_arn]);
    let mut alone = Vec::new();
    for p in &all {
        alone.extend(who_can_among(&org, std::slice::from_ref(p), action, "*", &ctx).unwrap());
    }
    alone.sort_by(|x, y| (&x.action, &x.principal).cmp(&(&y.action, &y.principal)));
    assert_eq!(who, alone);
}
