//! Entities AWS owns (spec §5.12, rev 3): service-linked roles, the roles IAM Identity Center
//! provisions, and AWS managed policies. The account's operations refuse to change them with
//! AWS's errors, and its authorizer never allows the changes, whatever the caller's policies.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{Account, CreateRoleOptions};
use iam_eval::{Context, Decision};
use iam_model::entities::{ErrorCode, IamError};

const ACCT: &str = "123456789012";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const SSO_NAME: &str = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";

fn err<T: std::fmt::Debug>(r: Result<T, IamError>) -> IamError {
    r.unwrap_err()
}

/// An account with a service-linked role, an Identity Center role (as an import brings it:
/// path `/aws-reserved/sso.amazonaws.com/`) and an instance profile.
fn account() -> (Account, String) {
    let mut a = Account::new(ACCT).unwrap();
    let slr = a
        .create_service_linked_role("elasticbeanstalk.amazonaws.com", None, None)
        .unwrap()
        .name
        .clone();
    a.create_role_with(
        SSO_NAME,
        TRUST,
        &CreateRoleOptions {
            path: Some("/aws-reserved/sso.amazonaws.com/".to_string()),
            ..CreateRoleOptions::default()
        },
    )
    .unwrap();
    a.create_instance_profile("web", None).unwrap();
    (a, slr)
}

fn protected_message(name: &str) -> String {
    // The message AWS returns (UnmodifiableEntity, HTTP 400), e.g. for DeleteRole on an
    // AWSReservedSSO_* role or DetachRolePolicy on AWSServiceRoleForSupport.
    format!(
        "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    )
}

/// Every role operation whose API model lists `UnmodifiableEntityException` is refused, with
/// AWS's code and message, for both kinds of AWS-owned roles.
#[test]
fn aws_owned_roles_are_unmodifiable() {
    let (mut a, slr) = account();
    for name in [slr.as_str(), SSO_NAME] {
        let ops: Vec<(&str, Result<(), IamError>)> = vec![
            ("DeleteRole", a.delete_role(name)),
            ("PutRolePolicy", a.put_role_policy(name, "p", DOC)),
            ("AttachRolePolicy", a.attach_role_policy(name, READ_ONLY)),
            ("UpdateRole", a.update_role(name, Some("d"), None)),
            (
                "UpdateAssumeRolePolicy",
                a.update_assume_role_policy(name, TRUST),
            ),
            (
                "PutRolePermissionsBoundary",
                a.put_role_permissions_boundary(name, READ_ONLY),
            ),
            (
                "DeleteRolePermissionsBoundary",
                a.delete_role_permissions_boundary(name),
            ),
            (
                "AddRoleToInstanceProfile",
                a.add_role_to_instance_profile("web", name),
            ),
        ];
        for (op, r) in ops {
            let e = err(r);
            assert_eq!(e.code, ErrorCode::UnmodifiableEntity, "{op} {name}: {e:?}");
            assert_eq!(e.message, protected_message(name), "{op} {name}");
        }
        // Nothing changed.
        let role = a.get_role(name).unwrap();
        assert!(role.inline_policies.is_empty() && role.attached_policies.is_empty());
        assert!(role.description.is_none());
        assert!(a.get_instance_profile("web").unwrap().roles.is_empty());
    }
    // TagRole does not list UnmodifiableEntity ("The role can be a regular role or a
    // service-linked role"): tags stay editable.
    a.tag_role(&slr, &[("team".to_string(), "ops".to_string())])
        .unwrap();
    // A service-linked role is deleted through DeleteServiceLinkedRole; an Identity Center
    // role is not a service-linked role.
    assert_eq!(
        err(a.delete_service_linked_role(SSO_NAME)).code,
        ErrorCode::InvalidInput
    );
    a.delete_service_linked_role(&slr).unwrap();
    // Ordinary roles are not affected.
    a.create_role("app", TRUST).unwrap();
    a.put_role_policy("app", "p", DOC).unwrap();
    a.delete_role_policy("app", "p").unwrap();
    a.delete_role("app").unwrap();
}

/// AWS managed policies cannot be changed by any account: AWS answers the authorization
/// failure, `AccessDenied`, naming the caller (the account's operations act as its root user).
#[test]
fn aws_managed_policies_are_not_the_accounts() {
    let (mut a, _) = account();
    let denied = |action: &str, arn: &str| {
        format!(
            "User: arn:aws:iam::{ACCT}:root is not authorized to perform: {action} on resource: policy {arn}"
        )
    };
    let checks: Vec<(&str, Result<(), IamError>)> = vec![
        (
            "iam:CreatePolicyVersion",
            a.create_policy_version(READ_ONLY, DOC, true).map(|_| ()),
        ),
        (
            "iam:SetDefaultPolicyVersion",
            a.set_default_policy_version(READ_ONLY, "v1"),
        ),
        (
            "iam:DeletePolicyVersion",
            a.delete_policy_version(READ_ONLY, "v1"),
        ),
        ("iam:DeletePolicy", a.delete_policy(READ_ONLY)),
        (
            "iam:TagPolicy",
            a.tag_policy(READ_ONLY, &[("k".to_string(), "v".to_string())]),
        ),
        (
            "iam:UntagPolicy",
            a.untag_policy(READ_ONLY, &["k".to_string()]),
        ),
    ];
    for (action, r) in checks {
        let e = err(r);
        assert_eq!(e.code, ErrorCode::AccessDenied, "{action}");
        assert_eq!(e.message, denied(action, READ_ONLY), "{action}");
    }
    // Also an AWS managed ARN the bundled catalog does not know, and other partitions.
    let unknown = "arn:aws:iam::aws:policy/service-role/NotInTheCatalog";
    assert_eq!(err(a.delete_policy(unknown)).code, ErrorCode::AccessDenied);
    let cn = "arn:aws-cn:iam::aws:policy/ReadOnlyAccess";
    let e = err(a.delete_policy(cn));
    assert_eq!(e.code, ErrorCode::AccessDenied);
    assert!(
        e.message
            .starts_with(&format!("User: arn:aws-cn:iam::{ACCT}:root ")),
        "{}",
        e.message
    );
    // Attaching an AWS managed policy changes the role, not the policy: allowed.
    a.create_role("app", TRUST).unwrap();
    a.attach_role_policy("app", READ_ONLY).unwrap();
    // Customer managed policies of the account are changed as usual.
    let mine = a
        .create_policy("Mine", DOC, None, None)
        .unwrap()
        .arn
        .clone();
    a.create_policy_version(&mine, DOC, true).unwrap();
    a.tag_policy(&mine, &[("k".to_string(), "v".to_string())])
        .unwrap();
}

/// The authorizer applies the same rules (spec §5.12): an administrator (or the root user)
/// is never allowed to change AWS-owned entities, and the explanation names the rule.
#[test]
fn authorizer_never_allows_changes_to_aws_owned_entities() {
    let (mut a, _) = account();
    a.create_user("admin", None).unwrap();
    a.attach_user_policy("admin", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    let admin = format!("arn:aws:iam::{ACCT}:user/admin");
    let root = format!("arn:aws:iam::{ACCT}:root");
    let sso_arn = format!("arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/{SSO_NAME}");
    let ctx = Context::new();
    for who in [&admin, &root] {
        for (action, resource) in [
            ("iam:CreatePolicyVersion", READ_ONLY),
            ("iam:DeletePolicy", READ_ONLY),
            ("iam:PutRolePolicy", sso_arn.as_str()),
            ("iam:DeleteRole", sso_arn.as_str()),
        ] {
            let ex = a.authorize(who, action, resource, &ctx).unwrap();
            assert_eq!(ex.decision, Decision::ImplicitDeny, "{who} {action}");
            assert!(
                ex.reason.starts_with("service rule (spec §5.12)"),
                "{}",
                ex.reason
            );
        }
        // sts:GetCallerIdentity needs no permission at all.
        let ex = a
            .authorize(who, "sts:GetCallerIdentity", "*", &ctx)
            .unwrap();
        assert_eq!(ex.decision, Decision::Allowed);
    }
    // Ordinary changes stay allowed for the administrator.
    let ex = a
        .authorize(
            &admin,
            "iam:PutRolePolicy",
            &format!("arn:aws:iam::{ACCT}:role/app"),
            &ctx,
        )
        .unwrap();
    assert_eq!(ex.decision, Decision::Allowed);
}
