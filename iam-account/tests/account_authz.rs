//! Authorization over the model: layers gathered from the account / organization and
//! decided by the evaluator. Each test cites the spec section / AWS page it checks.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{Account, Organization};
use iam_eval::{Context, Decision};
use iam_model::entities::OrgPolicyType;
use serde_json::json;

const ACCT: &str = "111122223333";

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}
fn deny(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

fn decide(a: &Account, who: &str, action: &str, resource: &str) -> Decision {
    a.authorize(who, action, resource, &Context::new())
        .unwrap()
        .decision
}

/// Spec §5.1: a user's identity layer = own inline + attached + each group's inline + attached.
#[test]
fn group_policies() {
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("bob", None).unwrap();
    a.create_group("devs", None).unwrap();
    a.create_group("ops", None).unwrap();
    a.put_group_policy("devs", "ec2", &allow("ec2:Describe*", "*"))
        .unwrap();
    let arn = a
        .create_policy("logs", &allow("logs:*", "*"), None, None)
        .unwrap()
        .arn
        .clone();
    a.attach_group_policy("ops", &arn).unwrap();
    a.put_group_policy("ops", "no-delete", &deny("logs:DeleteLogGroup", "*"))
        .unwrap();
    let bob = "arn:aws:iam::111122223333:user/bob";
    assert_eq!(
        decide(&a, bob, "ec2:DescribeInstances", "*"),
        Decision::ImplicitDeny
    );
    a.add_user_to_group("devs", "bob").unwrap();
    a.add_user_to_group("ops", "bob").unwrap();
    assert_eq!(
        decide(&a, bob, "ec2:DescribeInstances", "*"),
        Decision::Allowed
    );
    assert_eq!(decide(&a, bob, "logs:PutLogEvents", "*"), Decision::Allowed);
    assert_eq!(
        decide(&a, bob, "logs:DeleteLogGroup", "*"),
        Decision::ExplicitDeny
    );
    a.remove_user_from_group("devs", "bob").unwrap();
    assert_eq!(
        decide(&a, bob, "ec2:DescribeInstances", "*"),
        Decision::ImplicitDeny
    );
    // Unknown principals are an error, not a decision.
    assert!(
        a.authorize(
            "arn:aws:iam::111122223333:user/nobody",
            "s3:GetObject",
            "*",
            &Context::new()
        )
        .is_err()
    );
}

/// Spec §5.5: the boundary limits identity grants and does not limit a same-account resource
/// policy naming the user. AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
#[test]
fn permissions_boundary() {
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("carol", None).unwrap();
    a.attach_user_policy("carol", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    let carol = "arn:aws:iam::111122223333:user/carol";
    assert_eq!(decide(&a, carol, "iam:CreateUser", "*"), Decision::Allowed);
    a.put_user_permissions_boundary("carol", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .unwrap();
    assert_eq!(
        decide(&a, carol, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&a, carol, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, carol, "s3:PutObject", "arn:aws:s3:::b/k"),
        Decision::ImplicitDeny
    );
    // A bucket policy naming carol directly is not limited by the boundary (spec §5.3).
    a.put_resource_policy(
        "arn:aws:s3:::b",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    assert_eq!(
        decide(&a, carol, "s3:PutObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    a.delete_user_permissions_boundary("carol").unwrap();
    assert_eq!(decide(&a, carol, "iam:CreateUser", "*"), Decision::Allowed);
}

fn org() -> (Organization, String, String) {
    let mgmt = Account::new("999999999999").unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let root = org.root_id().to_string();
    let prod = org.create_organizational_unit(&root, "Prod").unwrap();
    let team = org.create_organizational_unit(&prod, "TeamA").unwrap();
    let mut member = Account::new(ACCT).unwrap();
    member.create_user("dave", None).unwrap();
    member
        .attach_user_policy("dave", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    org.add_account(member, &team).unwrap();
    let mut other = Account::new("444455556666").unwrap();
    other.create_user("erin", None).unwrap();
    other
        .attach_user_policy("erin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    org.add_account(other, &root).unwrap();
    let m = org.account_mut("999999999999").unwrap();
    m.create_user("admin", None).unwrap();
    m.attach_user_policy("admin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    (org, prod, team)
}

/// Spec §5.2 step 2b: every SCP level (root, each OU, account) must allow; a Deny at any level
/// denies. AWS: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
#[test]
fn scp_levels() {
    let (mut org, prod, team) = org();
    let dave = "arn:aws:iam::111122223333:user/dave";
    let ctx = Context::new();
    assert_eq!(
        org.authorize(dave, "ec2:RunInstances", "*", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    // Replace FullAWSAccess on the Prod OU by an allow-list of s3 and ec2.
    let list = org
        .create_policy(
            "AllowS3Ec2",
            OrgPolicyType::ServiceControlPolicy,
            &allow("s3:*", "*").replace("\"s3:*\"", "[\"s3:*\",\"ec2:*\"]"),
        )
        .unwrap();
    org.attach_policy(&list, &prod).unwrap();
    org.detach_policy("p-FullAWSAccess", &prod).unwrap();
    assert_eq!(
        org.authorize(dave, "ec2:RunInstances", "*", &ctx)
            .unwrap()
            .decision,
        Decision::Allowed
    );
    let d = org.authorize(dave, "iam:CreateUser", "*", &ctx).unwrap();
    assert_eq!(d.decision, Decision::ImplicitDeny);
    assert!(d.reason.contains("level 1"), "{}", d.reason);
    // Deny at the TeamA level.
    let no_ec2 = org
        .create_policy(
            "NoEc2",
            OrgPolicyType::ServiceControlPolicy,
            &deny("ec2:*", "*"),
        )
        .unwrap();
    org.attach_policy(&no_ec2, &team).unwrap();
    assert_eq!(
        org.authorize(dave, "ec2:RunInstances", "*", &ctx)
            .unwrap()
            .decision,
        Decision::ExplicitDeny
    );
    // The last SCP of a target cannot be detached.
    assert!(org.detach_policy(&list, &prod).is_err());
    // SCPs even apply to the member account's root user (spec §5.10).
    assert_eq!(
        org.authorize(
            "arn:aws:iam::111122223333:root",
            "ec2:RunInstances",
            "*",
            &ctx
        )
        .unwrap()
        .decision,
        Decision::ExplicitDeny
    );
    // simulate_principal_policy reports AllowedByOrganizations.
    let r = org
        .simulate_principal_policy(
            &json!({"PolicySourceArn": dave, "ActionNames": ["ec2:RunInstances", "s3:GetObject"]}),
        )
        .unwrap();
    assert_eq!(r["EvaluationResults"][0]["EvalDecision"], "explicitDeny");
    assert_eq!(
        r["EvaluationResults"][0]["OrganizationsDecisionDetail"]["AllowedByOrganizations"],
        false
    );
    assert_eq!(r["EvaluationResults"][1]["EvalDecision"], "allowed");
    assert_eq!(
        r["EvaluationResults"][1]["MatchedStatements"][0]["SourcePolicyType"],
        "aws-managed"
    );
}

/// Spec §5.10: SCPs and RCPs never restrict the management account.
#[test]
fn management_account_exempt() {
    let (mut org, _, _) = org();
    let root = org.root_id().to_string();
    let deny_all = org
        .create_policy(
            "DenyAll",
            OrgPolicyType::ServiceControlPolicy,
            &deny("*", "*"),
        )
        .unwrap();
    org.attach_policy(&deny_all, &root).unwrap();
    let ctx = Context::new();
    assert_eq!(
        org.authorize(
            "arn:aws:iam::999999999999:user/admin",
            "ec2:RunInstances",
            "*",
            &ctx
        )
        .unwrap()
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        org.authorize(
            "arn:aws:iam::111122223333:user/dave",
            "ec2:RunInstances",
            "*",
            &ctx
        )
        .unwrap()
        .decision,
        Decision::ExplicitDeny
    );
}

/// Spec §5.8: cross-account needs both sides — the caller's identity policy and the bucket
/// policy of the resource's account; RCPs of the resource account apply.
/// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
#[test]
fn cross_account_bucket_policy() {
    let (mut org, _, _) = org();
    let erin = "arn:aws:iam::444455556666:user/erin";
    let ctx = Context::new();
    // Bucket owned by 111122223333, no bucket policy yet: registered with an unrelated grant.
    org.account_mut(ACCT)
        .unwrap()
        .put_resource_policy(
            "arn:aws:s3:::shared",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}"#,
        )
        .unwrap();
    assert_eq!(
        org.authorize(erin, "s3:GetObject", "arn:aws:s3:::shared/k", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    org.account_mut(ACCT)
        .unwrap()
        .put_resource_policy(
            "arn:aws:s3:::shared",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}"#,
        )
        .unwrap();
    let d = org
        .authorize(erin, "s3:GetObject", "arn:aws:s3:::shared/k", &ctx)
        .unwrap();
    assert_eq!(d.decision, Decision::Allowed, "{d}");
    assert_eq!(
        org.authorize(erin, "s3:PutObject", "arn:aws:s3:::shared/k", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    // The caller's side must allow too: erin without identity policies.
    org.account_mut("444455556666")
        .unwrap()
        .detach_user_policy("erin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    assert_eq!(
        org.authorize(erin, "s3:GetObject", "arn:aws:s3:::shared/k", &ctx)
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    org.account_mut("444455556666")
        .unwrap()
        .attach_user_policy("erin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    // An RCP on the resource account's path denying s3 from outside the org member 444455556666.
    let rcp = org
        .create_policy(
            "NoExternalS3",
            OrgPolicyType::ResourceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}}]}"#,
        )
        .unwrap();
    org.attach_policy(&rcp, ACCT).unwrap();
    assert_eq!(
        org.authorize(erin, "s3:GetObject", "arn:aws:s3:::shared/k", &ctx)
            .unwrap()
            .decision,
        Decision::ExplicitDeny
    );
}

/// Spec §5.6 / §5.8: cross-account role assumption needs the caller's identity Allow and the
/// trust policy.
#[test]
fn cross_account_assume_role() {
    use iam_account::AssumeRoleRequest;
    let (mut org, _, _) = org();
    org.account_mut(ACCT)
        .unwrap()
        .create_role(
            "Shared",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
    let req = AssumeRoleRequest {
        caller_arn: "arn:aws:iam::444455556666:user/erin".into(),
        role_arn: "arn:aws:iam::111122223333:role/Shared".into(),
        role_session_name: "erin".into(),
        ..Default::default()
    };
    let c = org.assume_role(&req).unwrap();
    assert!(
        org.account(ACCT)
            .unwrap()
            .principal_for_access_key(&c.access_key_id)
            .is_some()
    );
    org.account_mut("444455556666")
        .unwrap()
        .detach_user_policy("erin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    assert!(org.assume_role(&req).is_err());
}

/// Spec §8: SimulatePrincipalPolicy's parameters and response shape.
#[test]
fn simulate_principal_policy_shape() {
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("sim", None).unwrap();
    a.put_user_policy("sim", "mfa", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#).unwrap();
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": "arn:aws:iam::111122223333:user/sim",
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::b/k"],
            "PolicyInputList": [allow("s3:PutObject", "*")],
            "PermissionsBoundaryPolicyInputList": [allow("s3:*", "*")],
            "ContextEntries": [{"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}],
        }))
        .unwrap();
    let e = &r["EvaluationResults"][0];
    assert_eq!(e["EvalDecision"], "allowed");
    assert_eq!(e["EvalResourceName"], "arn:aws:s3:::b/k");
    assert_eq!(e["MatchedStatements"][0]["SourcePolicyId"], "mfa");
    assert_eq!(e["MatchedStatements"][0]["SourcePolicyType"], "user");
    assert_eq!(e["MatchedStatements"][0]["StartPosition"]["Line"], 1);
    assert_eq!(
        e["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"],
        true
    );
    assert_eq!(
        e["ResourceSpecificResults"][0]["EvalResourceDecision"],
        "allowed"
    );
    assert_eq!(r["IsTruncated"], false);
    let r = a
        .simulate_principal_policy(&json!({
            "PolicySourceArn": "arn:aws:iam::111122223333:user/sim",
            "ActionNames": ["s3:GetObject", "s3:PutObject"],
            "PolicyInputList": [allow("s3:PutObject", "*")],
        }))
        .unwrap();
    assert_eq!(r["EvaluationResults"][0]["EvalDecision"], "implicitDeny");
    assert_eq!(
        r["EvaluationResults"][1]["MatchedStatements"][0]["SourcePolicyId"],
        "PolicyInputList.1"
    );
    assert!(a.simulate_principal_policy(&json!({"PolicySourceArn": "arn:aws:iam::111122223333:user/none", "ActionNames": ["s3:GetObject"]})).is_err());
}

/// AWS managed policies: all 1,594 + 50 deprecated addressable by ARN, read-only.
#[test]
fn aws_managed_catalog() {
    let all = iam_model::entities::aws_managed_policies();
    assert_eq!(all.len(), 1644);
    for p in all.iter().take(1644) {
        assert!(p.arn.starts_with("arn:aws:iam::aws:policy/"), "{}", p.arn);
        assert!(
            iam_parser::parse_policy(p.document, iam_model::PolicyType::Identity).is_ok(),
            "{}",
            p.name
        );
    }
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("u", None).unwrap();
    let dep = all.iter().find(|p| p.deprecated).unwrap();
    assert!(a.attach_user_policy("u", &dep.arn).is_err()); // deprecated: not attachable
    assert!(
        a.delete_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .is_err()
    );
}

/// `authorize` reuses compiled engines between calls; every mutation that changes the answer
/// must be seen by the next call (policies, attachments, group membership, boundaries,
/// managed policy versions, resource policies, principal tags).
#[test]
fn cached_authorize_sees_mutations() {
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("carol", None).unwrap();
    let who = "arn:aws:iam::111122223333:user/carol";
    let obj = "arn:aws:s3:::bucket/k";
    let d = |a: &Account| decide(a, who, "s3:GetObject", obj);
    assert_eq!(d(&a), Decision::ImplicitDeny);
    a.put_user_policy("carol", "read", &allow("s3:GetObject", "*"))
        .unwrap();
    assert_eq!(d(&a), Decision::Allowed);
    assert_eq!(d(&a), Decision::Allowed); // cached
    // Replacing an inline policy.
    a.put_user_policy("carol", "read", &deny("s3:GetObject", "*"))
        .unwrap();
    assert_eq!(d(&a), Decision::ExplicitDeny);
    a.delete_user_policy("carol", "read").unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    // Group membership and group policies.
    a.create_group("readers", None).unwrap();
    a.put_group_policy("readers", "g", &allow("s3:*", "*"))
        .unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    a.add_user_to_group("readers", "carol").unwrap();
    assert_eq!(d(&a), Decision::Allowed);
    a.put_group_policy("readers", "g", &allow("ec2:*", "*"))
        .unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    a.put_group_policy("readers", "g", &allow("s3:*", "*"))
        .unwrap();
    assert_eq!(d(&a), Decision::Allowed);
    // A permissions boundary.
    let b = a
        .create_policy("boundary", &allow("ec2:*", "*"), None, None)
        .unwrap()
        .arn
        .clone();
    a.put_user_permissions_boundary("carol", &b).unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    a.remove_user_from_group("readers", "carol").unwrap();
    a.delete_user_permissions_boundary("carol").unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    // Attachments and a new default version of a managed policy.
    let m = a
        .create_policy("m", &allow("s3:GetObject", "*"), None, None)
        .unwrap()
        .arn
        .clone();
    a.attach_user_policy("carol", &m).unwrap();
    assert_eq!(d(&a), Decision::Allowed);
    a.create_policy_version(&m, &deny("s3:GetObject", "*"), true)
        .unwrap();
    assert_eq!(d(&a), Decision::ExplicitDeny);
    a.detach_user_policy("carol", &m).unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    // Principal tags read through aws:PrincipalTag.
    a.put_user_policy(
        "carol",
        "tagged",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"data"}}}]}"#,
    )
    .unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    a.tag_user("carol", &[("team".to_string(), "data".to_string())])
        .unwrap();
    assert_eq!(d(&a), Decision::Allowed);
    a.tag_user("carol", &[("team".to_string(), "web".to_string())])
        .unwrap();
    assert_eq!(d(&a), Decision::ImplicitDeny);
    // Resource-based policies (a role trust policy).
    a.create_role(
        "r",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let role = "arn:aws:iam::111122223333:role/r";
    assert_eq!(decide(&a, who, "sts:AssumeRole", role), Decision::Allowed);
    a.update_assume_role_policy(
        "r",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/dave"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    assert_eq!(
        decide(&a, who, "sts:AssumeRole", role),
        Decision::ImplicitDeny
    );
    // Account must stay shareable between threads.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Account>();
}
