//! Every IAM quota, name/path pattern and deletion prerequisite of spec §6 (§6.2 patterns,
//! §6.5 versions, §6.7 quotas, §6.8 deletion prerequisites, §6.9 tags, §1.10 inline sums),
//! table-driven: each case drives the account to the limit and checks the error code.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{Account, CreateRoleOptions, Quotas};
use iam_model::entities::{ErrorCode, IamError, PasswordPolicy};

const ACCT: &str = "123456789012";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn doc(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

fn acct() -> Account {
    Account::new(ACCT).unwrap()
}

/// Creates virtual MFA device `name` and enables it for `user` with two consecutive RFC 6238
/// codes computed from its seed (the account runs on the system clock).
fn enable_virtual_mfa(a: &mut Account, user: &str, name: &str) -> Result<(), IamError> {
    let d = a.create_virtual_mfa_device(name, None, &[])?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let seed = d.base32_seed.expose();
    let c1 = iam_account::mfa::totp(seed, now - 30).unwrap();
    let c2 = iam_account::mfa::totp(seed, now).unwrap();
    a.enable_mfa_device(Some(user), &d.serial_number, &c1, &c2)
}

fn code<T: std::fmt::Debug>(r: Result<T, IamError>) -> ErrorCode {
    r.unwrap_err().code
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:policy/{name}")
}

/// Spec §6.2: names, paths and other patterns / lengths.
#[test]
fn patterns_and_lengths() {
    let mut a = acct();
    let long = |n: usize| "a".repeat(n);
    type Case = (&'static str, Box<dyn Fn(&mut Account) -> ErrorCode>);
    let cases: Vec<Case> = vec![
        (
            "user name pattern",
            Box::new(|a| code(a.create_user("bad name", None))),
        ),
        (
            "user name 65 chars",
            Box::new(move |a| code(a.create_user(&long(65), None))),
        ),
        (
            "user name empty",
            Box::new(|a| code(a.create_user("", None))),
        ),
        (
            "group name 129",
            Box::new(move |a| code(a.create_group(&long(129), None))),
        ),
        (
            "group name pattern",
            Box::new(|a| code(a.create_group("g/1", None))),
        ),
        (
            "role name 65",
            Box::new(move |a| code(a.create_role(&long(65), TRUST))),
        ),
        (
            "role name pattern",
            Box::new(|a| code(a.create_role("r*", TRUST))),
        ),
        (
            "instance profile 129",
            Box::new(move |a| code(a.create_instance_profile(&long(129), None))),
        ),
        (
            "policy name 129",
            Box::new(move |a| code(a.create_policy(&long(129), &doc("s3:*"), None, None))),
        ),
        (
            "policy name pattern",
            Box::new(|a| code(a.create_policy("p?", &doc("s3:*"), None, None))),
        ),
        (
            "path no trailing slash",
            Box::new(|a| code(a.create_user("u1", Some("/a")))),
        ),
        (
            "path 513",
            Box::new(move |a| code(a.create_user("u1", Some(&format!("/{}/", long(511)))))),
        ),
        (
            "policy path with *",
            Box::new(|a| code(a.create_policy("p1", &doc("s3:*"), Some("/a*/"), None))),
        ),
        (
            "path prefix without /",
            Box::new(|a| code(a.list_users(Some("x")))),
        ),
        (
            "role description 1001",
            Box::new(move |a| {
                code(a.create_role_with(
                    "r1",
                    TRUST,
                    &CreateRoleOptions {
                        description: Some(long(1001)),
                        ..Default::default()
                    },
                ))
            }),
        ),
        (
            "max session 3599",
            Box::new(|a| {
                code(a.create_role_with(
                    "r1",
                    TRUST,
                    &CreateRoleOptions {
                        max_session_duration: Some(3599),
                        ..Default::default()
                    },
                ))
            }),
        ),
        (
            "max session 43201",
            Box::new(|a| {
                code(a.create_role_with(
                    "r1",
                    TRUST,
                    &CreateRoleOptions {
                        max_session_duration: Some(43_201),
                        ..Default::default()
                    },
                ))
            }),
        ),
        (
            "alias double dash",
            Box::new(|a| code(a.create_account_alias("a--b"))),
        ),
        (
            "alias too short",
            Box::new(|a| code(a.create_account_alias("ab"))),
        ),
        (
            "alias upper case",
            Box::new(|a| code(a.create_account_alias("Abc"))),
        ),
        (
            "policy version id",
            Box::new(|a| {
                a.create_policy("pv", &doc("s3:*"), None, None).unwrap();
                code(a.set_default_policy_version(&policy_arn("pv"), "v0"))
            }),
        ),
        (
            "mfa code not 6 digits",
            Box::new(|a| {
                a.create_user("m", None).unwrap();
                code(a.enable_mfa_device(
                    Some("m"),
                    "arn:aws:iam::123456789012:mfa/m",
                    "12345",
                    "123456",
                ))
            }),
        ),
        (
            "tag key pattern",
            Box::new(|a| {
                a.create_user("t1", None).unwrap();
                code(a.tag_user("t1", &[("a*b".into(), "v".into())]))
            }),
        ),
        (
            "tag key 129",
            Box::new(move |a| {
                a.create_user("t2", None).unwrap();
                code(a.tag_user("t2", &[(long(129), "v".into())]))
            }),
        ),
        (
            "tag value 257",
            Box::new(move |a| {
                a.create_user("t3", None).unwrap();
                code(a.tag_user("t3", &[("k".into(), long(257))]))
            }),
        ),
        (
            "password 129 chars",
            Box::new(move |a| {
                a.create_user("pw", None).unwrap();
                code(a.create_login_profile("pw", &format!("Aa1!{}", long(125)), false))
            }),
        ),
    ];
    for (name, case) in cases {
        assert_eq!(case(&mut a), ErrorCode::ValidationError, "{name}");
    }
    // `aws:` is reserved (spec §6.9): InvalidInput.
    a.create_user("t4", None).unwrap();
    assert_eq!(
        code(a.tag_user("t4", &[("aws:team".into(), "x".into())])),
        ErrorCode::InvalidInput
    );
    // Alias that is a 12-digit number.
    assert_eq!(
        code(a.create_account_alias("123456789012")),
        ErrorCode::InvalidInput
    );
    // botocore's message text.
    assert_eq!(
        a.create_user("x y", None).unwrap_err().message,
        r"1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    );
}

/// Spec §1.9, §6.2: names are unique case-insensitively; messages as IAM's.
#[test]
fn uniqueness_and_not_found() {
    let mut a = acct();
    a.create_user("alice", None).unwrap();
    let e = a.create_user("Alice", None).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::EntityAlreadyExists,
            "User with name Alice already exists."
        )
    );
    a.create_group("dev", None).unwrap();
    assert_eq!(
        code(a.create_group("DEV", None)),
        ErrorCode::EntityAlreadyExists
    );
    a.create_role("r", TRUST).unwrap();
    assert_eq!(
        code(a.create_role("R", TRUST)),
        ErrorCode::EntityAlreadyExists
    );
    a.create_policy("p", &doc("s3:*"), None, None).unwrap();
    assert_eq!(
        code(a.create_policy("P", &doc("s3:*"), Some("/other/"), None)),
        ErrorCode::EntityAlreadyExists
    );
    a.create_instance_profile("ip", None).unwrap();
    assert_eq!(
        code(a.create_instance_profile("IP", None)),
        ErrorCode::EntityAlreadyExists
    );
    let e = a.get_user("bob").unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::NoSuchEntity,
            "The user with name bob cannot be found."
        )
    );
    assert_eq!(a.get_user("ALICE").unwrap().name, "alice");
    assert_eq!(code(a.get_role("nope")), ErrorCode::NoSuchEntity);
    assert_eq!(code(a.get_group("nope")), ErrorCode::NoSuchEntity);
    assert_eq!(
        code(a.attach_user_policy("alice", &policy_arn("nope"))),
        ErrorCode::NoSuchEntity
    );
    assert_eq!(
        code(a.get_user_policy("alice", "nope")),
        ErrorCode::NoSuchEntity
    );
}

/// Spec §6.7: the quotas, each driven to its limit.
#[test]
fn quotas() {
    let mut a = acct();
    a.set_quotas(Quotas {
        users: 3,
        groups: 12,
        roles: 2,
        policies: 30,
        instance_profiles: 1,
        ..Quotas::default()
    });
    for i in 0..3 {
        a.create_user(&format!("u{i}"), None).unwrap();
    }
    let e = a.create_user("u3", None).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for UsersPerAccount: 3"
        )
    );
    for i in 0..12 {
        a.create_group(&format!("g{i}"), None).unwrap();
    }
    assert_eq!(code(a.create_group("g12", None)), ErrorCode::LimitExceeded);
    a.create_role("r0", TRUST).unwrap();
    a.create_role("r1", TRUST).unwrap();
    assert_eq!(code(a.create_role("r2", TRUST)), ErrorCode::LimitExceeded);
    a.create_instance_profile("ip0", None).unwrap();
    assert_eq!(
        code(a.create_instance_profile("ip1", None)),
        ErrorCode::LimitExceeded
    );
    for i in 0..30 {
        a.create_policy(&format!("p{i}"), &doc("s3:*"), None, None)
            .unwrap();
    }
    assert_eq!(
        code(a.create_policy("p30", &doc("s3:*"), None, None)),
        ErrorCode::LimitExceeded
    );

    // Groups per user: 10.
    for i in 0..10 {
        a.add_user_to_group(&format!("g{i}"), "u0").unwrap();
    }
    let e = a.add_user_to_group("g10", "u0").unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for GroupsPerUser: 10"
        )
    );

    // Managed policies per user / group / role: 10 each by default.
    type Attach = fn(&mut Account, &str, &str) -> Result<(), IamError>;
    let attach: [(Attach, &str); 3] = [
        (Account::attach_user_policy, "u1"),
        (Account::attach_group_policy, "g11"),
        (Account::attach_role_policy, "r0"),
    ];
    for (f, who) in attach {
        for i in 0..10 {
            f(&mut a, who, &policy_arn(&format!("p{i}"))).unwrap();
        }
        assert_eq!(
            code(f(&mut a, who, &policy_arn("p10"))),
            ErrorCode::LimitExceeded,
            "{who}"
        );
    }
    // Raising the role quota to 25 (IAM quotas page) lets an 11th attach through.
    a.set_quotas(Quotas {
        managed_policies_per_role: 25,
        ..a.quotas()
    });
    a.attach_role_policy("r0", &policy_arn("p10")).unwrap();

    // Access keys: 2 per user (inactive keys count), 2 for root.
    let k = a.create_access_key(Some("u2")).unwrap();
    a.update_access_key(Some("u2"), &k.access_key_id, "Inactive".parse().unwrap())
        .unwrap();
    a.create_access_key(Some("u2")).unwrap();
    let e = a.create_access_key(Some("u2")).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for AccessKeysPerUser: 2"
        )
    );
    a.create_access_key(None).unwrap();
    a.create_access_key(None).unwrap();
    assert_eq!(code(a.create_access_key(None)), ErrorCode::LimitExceeded);

    // MFA devices: 8 per user.
    for i in 0..8 {
        enable_virtual_mfa(&mut a, "u2", &format!("dev{i}")).unwrap();
    }
    assert_eq!(
        code(enable_virtual_mfa(&mut a, "u2", "dev9")),
        ErrorCode::LimitExceeded
    );

    // Roles per instance profile: 1.
    a.add_role_to_instance_profile("ip0", "r0").unwrap();
    assert_eq!(
        code(a.add_role_to_instance_profile("ip0", "r1")),
        ErrorCode::LimitExceeded
    );

    // Account aliases: 1.
    a.create_account_alias("first").unwrap();
    assert_eq!(
        code(a.create_account_alias("second")),
        ErrorCode::LimitExceeded
    );
}

/// Spec §6.5, §6.7: at most 5 versions; default handling.
#[test]
fn policy_versions() {
    let mut a = acct();
    let arn = a
        .create_policy("p", &doc("s3:GetObject"), None, None)
        .unwrap()
        .arn
        .clone();
    for i in 2..=5 {
        let v = a
            .create_policy_version(&arn, &doc("s3:PutObject"), i == 3)
            .unwrap();
        assert_eq!(v.version_id, format!("v{i}"));
    }
    assert_eq!(a.get_policy(&arn).unwrap().default_version_id, "v3");
    let e = a
        .create_policy_version(&arn, &doc("s3:*"), false)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    assert!(
        e.message
            .starts_with("A managed policy can have up to 5 versions.")
    );
    assert_eq!(
        code(a.delete_policy_version(&arn, "v3")),
        ErrorCode::DeleteConflict
    );
    a.set_default_policy_version(&arn, "v5").unwrap();
    a.delete_policy_version(&arn, "v3").unwrap();
    assert_eq!(
        a.create_policy_version(&arn, &doc("s3:*"), false)
            .unwrap()
            .version_id,
        "v6"
    );
    assert_eq!(
        code(a.set_default_policy_version(&arn, "v3")),
        ErrorCode::NoSuchEntity
    );
    // AWS managed policies are read-only: the authorization fails (spec §5.12; see
    // tests/account_aws_owned.rs).
    assert_eq!(
        code(a.create_policy_version("arn:aws:iam::aws:policy/ReadOnlyAccess", &doc("s3:*"), true)),
        ErrorCode::AccessDenied
    );
}

/// Spec §1.10 / §1.8: documents go through the save-time check; inline quotas apply to the
/// sum per entity.
#[test]
fn policy_documents_and_sizes() {
    let mut a = acct();
    a.create_user("u", None).unwrap();
    a.create_group("g", None).unwrap();
    a.create_role("r", TRUST).unwrap();
    let e = a.put_user_policy("u", "bad", r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::MalformedPolicyDocument,
            "The policy failed legacy parsing"
        )
    );
    assert_eq!(
        code(a.create_role("r2", &doc("s3:*"))),
        ErrorCode::MalformedPolicyDocument
    );
    assert_eq!(
        code(a.update_assume_role_policy("r", "not json")),
        ErrorCode::MalformedPolicyDocument
    );

    // A policy of about `n` characters (whitespace excluded).
    let sized = |n: usize| {
        let base = doc("s3:GetObject");
        let pad = n.saturating_sub(base.len() + 10);
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}"#,
            "S".repeat(pad)
        )
    };
    let one = sized(1100);
    a.put_user_policy("u", "a", &one).unwrap();
    let e = a.put_user_policy("u", "b", &one).unwrap_err(); // 2 × 1100 > 2048
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    assert_eq!(
        e.message,
        "Maximum policy size of 2048 bytes exceeded for user u"
    );
    a.put_user_policy("u", "a", &one).unwrap(); // replacing the same name does not double count
    let three = sized(2600);
    a.put_group_policy("g", "a", &three).unwrap();
    assert_eq!(
        code(a.put_group_policy("g", "b", &three)),
        ErrorCode::LimitExceeded
    ); // > 5120
    let five = sized(5200);
    a.put_role_policy("r", "a", &five).unwrap();
    assert_eq!(
        code(a.put_role_policy("r", "b", &five)),
        ErrorCode::LimitExceeded
    ); // > 10240
    assert_eq!(
        code(a.create_policy("big", &sized(6200), None, None)),
        ErrorCode::LimitExceeded
    ); // > 6144
    assert_eq!(code(a.create_role("bigtrust", &format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Principal":{{"Service":"ec2.amazonaws.com"}},"Action":"sts:AssumeRole"}}]}}"#, "S".repeat(2100)))), ErrorCode::LimitExceeded);
}

/// Spec §6.9: ≤50 tags; user/role keys case-insensitive, policy keys case-sensitive.
#[test]
fn tags() {
    let mut a = acct();
    a.create_user("u", None).unwrap();
    let fifty: Vec<(String, String)> = (0..50)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    a.tag_user("u", &fifty).unwrap();
    a.tag_user("u", &[("K0".into(), "replaced".into())])
        .unwrap();
    assert_eq!(a.get_user("u").unwrap().tags.len(), 50);
    assert_eq!(
        code(a.tag_user("u", &[("k50".into(), "v".into())])),
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        code(a.tag_user("u", &[("a".into(), "1".into()), ("A".into(), "2".into())])),
        ErrorCode::InvalidInput
    );
    let fifty_one: Vec<(String, String)> =
        (0..51).map(|i| (format!("x{i}"), String::new())).collect();
    a.create_role("r", TRUST).unwrap();
    assert_eq!(
        code(a.tag_role("r", &fifty_one)),
        ErrorCode::ValidationError
    );
    let arn = a
        .create_policy("p", &doc("s3:*"), None, None)
        .unwrap()
        .arn
        .clone();
    a.tag_policy(
        &arn,
        &[("Team".into(), "a".into()), ("team".into(), "b".into())],
    )
    .unwrap();
    assert_eq!(a.get_policy(&arn).unwrap().tags.len(), 2);
    a.untag_policy(&arn, &["Team".into()]).unwrap();
    assert_eq!(a.get_policy(&arn).unwrap().tags.len(), 1);
}

/// Spec §6.8: deletion prerequisites, in order.
#[test]
fn deletion_prerequisites() {
    let mut a = acct();
    let arn = a
        .create_policy("p", &doc("s3:*"), None, None)
        .unwrap()
        .arn
        .clone();
    a.create_user("u", None).unwrap();
    a.create_group("g", None).unwrap();
    a.create_login_profile("u", "Str0ng-Passw0rd!", false)
        .unwrap();
    let key = a.create_access_key(Some("u")).unwrap();
    enable_virtual_mfa(&mut a, "u", "u").unwrap();
    a.put_user_policy("u", "inline", &doc("s3:*")).unwrap();
    a.attach_user_policy("u", &arn).unwrap();
    a.add_user_to_group("g", "u").unwrap();
    type Fix = Box<dyn Fn(&mut Account)>;
    let steps: Vec<(&str, Fix)> = vec![
        (
            "Cannot delete entity, must delete login profile first.",
            Box::new(|a| a.delete_login_profile("u").unwrap()),
        ),
        (
            "Cannot delete entity, must delete access keys first.",
            Box::new(move |a| a.delete_access_key(Some("u"), &key.access_key_id).unwrap()),
        ),
        (
            "Cannot delete entity, must delete MFA device first.",
            Box::new(|a| {
                a.deactivate_mfa_device(Some("u"), "arn:aws:iam::123456789012:mfa/u")
                    .unwrap()
            }),
        ),
        (
            "Cannot delete entity, must delete policies first.",
            Box::new(|a| a.delete_user_policy("u", "inline").unwrap()),
        ),
        (
            "Cannot delete entity, must detach all policies first.",
            Box::new(|a| a.detach_user_policy("u", &policy_arn("p")).unwrap()),
        ),
        (
            "Cannot delete entity, must remove user from all groups first.",
            Box::new(|a| a.remove_user_from_group("g", "u").unwrap()),
        ),
    ];
    for (msg, fix) in steps {
        let e = a.delete_user("u").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::DeleteConflict, msg)
        );
        fix(&mut a);
    }
    a.delete_user("u").unwrap();

    // Group: users, then inline, then attached.
    a.create_user("v", None).unwrap();
    a.add_user_to_group("g", "v").unwrap();
    a.put_group_policy("g", "i", &doc("s3:*")).unwrap();
    a.attach_group_policy("g", &arn).unwrap();
    assert_eq!(
        a.delete_group("g").unwrap_err().message,
        "Cannot delete entity, must remove users from group first."
    );
    a.remove_user_from_group("g", "v").unwrap();
    assert_eq!(
        a.delete_group("g").unwrap_err().message,
        "Cannot delete entity, must delete policies first."
    );
    a.delete_group_policy("g", "i").unwrap();
    assert_eq!(
        a.delete_group("g").unwrap_err().message,
        "Cannot delete entity, must detach all policies first."
    );
    a.detach_group_policy("g", &arn).unwrap();
    a.delete_group("g").unwrap();

    // Role: instance profiles, inline, attached.
    a.create_role("r", TRUST).unwrap();
    a.create_instance_profile("ip", None).unwrap();
    a.add_role_to_instance_profile("ip", "r").unwrap();
    a.put_role_policy("r", "i", &doc("s3:*")).unwrap();
    a.attach_role_policy("r", &arn).unwrap();
    assert_eq!(
        code(a.delete_instance_profile("ip")),
        ErrorCode::DeleteConflict
    );
    assert_eq!(
        a.delete_role("r").unwrap_err().message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    a.remove_role_from_instance_profile("ip", "r").unwrap();
    assert_eq!(code(a.delete_role("r")), ErrorCode::DeleteConflict);
    a.delete_role_policy("r", "i").unwrap();
    assert_eq!(code(a.delete_role("r")), ErrorCode::DeleteConflict);
    a.detach_role_policy("r", &arn).unwrap();
    a.delete_role("r").unwrap();

    // Policy: attachments (incl. boundaries), then non-default versions.
    a.create_user("w", None).unwrap();
    a.put_user_permissions_boundary("w", &arn).unwrap();
    a.create_policy_version(&arn, &doc("s3:GetObject"), false)
        .unwrap();
    assert_eq!(
        a.delete_policy(&arn).unwrap_err().message,
        "Cannot delete a policy attached to entities."
    );
    a.delete_user_permissions_boundary("w").unwrap();
    assert_eq!(code(a.delete_policy(&arn)), ErrorCode::DeleteConflict);
    a.delete_policy_version(&arn, "v2").unwrap();
    a.delete_policy(&arn).unwrap();
    assert_eq!(code(a.get_policy(&arn)), ErrorCode::NoSuchEntity);
}

/// Spec §5.10: service-linked roles are protected and deleted through their own call.
#[test]
fn service_linked_roles() {
    let mut a = acct();
    let r = a
        .create_service_linked_role("autoscaling.amazonaws.com", None, None)
        .unwrap();
    assert_eq!(r.path, "/aws-service-role/autoscaling.amazonaws.com/");
    let name = r.name.clone();
    // As AWS spells it (Amazon EC2 Auto Scaling User Guide, "Service-linked roles").
    assert_eq!(name, "AWSServiceRoleForAutoScaling");
    assert_eq!(code(a.delete_role(&name)), ErrorCode::UnmodifiableEntity);
    assert_eq!(
        code(a.put_role_policy(&name, "x", &doc("s3:*"))),
        ErrorCode::UnmodifiableEntity
    );
    assert_eq!(
        code(a.put_role_permissions_boundary(&name, "arn:aws:iam::aws:policy/ReadOnlyAccess")),
        ErrorCode::UnmodifiableEntity
    );
    assert_eq!(
        code(a.create_service_linked_role("autoscaling.amazonaws.com", None, None)),
        ErrorCode::InvalidInput // the model's error for a taken name (API_CreateServiceLinkedRole)
    );
    assert_eq!(
        code(a.create_role_with(
            "x",
            TRUST,
            &CreateRoleOptions {
                path: Some("/aws-service-role/x/".into()),
                ..Default::default()
            }
        )),
        ErrorCode::InvalidInput
    );
    a.delete_service_linked_role(&name).unwrap();
}

/// Account password policy (UpdateAccountPasswordPolicy) and PasswordPolicyViolation.
#[test]
fn password_policy() {
    let mut a = acct();
    a.create_user("u", None).unwrap();
    assert_eq!(
        code(a.create_login_profile("u", "short", false)),
        ErrorCode::PasswordPolicyViolation
    );
    assert_eq!(
        code(a.update_account_password_policy(PasswordPolicy {
            minimum_password_length: 5,
            ..Default::default()
        })),
        ErrorCode::ValidationError
    );
    a.update_account_password_policy(PasswordPolicy {
        minimum_password_length: 10,
        require_symbols: true,
        require_numbers: true,
        require_uppercase_characters: true,
        require_lowercase_characters: true,
        password_reuse_prevention: Some(2),
        ..Default::default()
    })
    .unwrap();
    for bad in [
        "Sh0rt!",
        "nouppercase1!",
        "NOLOWERCASE1!",
        "NoNumbers!!x",
        "NoSymbols123",
    ] {
        assert_eq!(
            code(a.create_login_profile("u", bad, false)),
            ErrorCode::PasswordPolicyViolation,
            "{bad}"
        );
    }
    a.create_login_profile("u", "Good-Passw0rd", true).unwrap();
    assert_eq!(
        code(a.create_login_profile("u", "Good-Passw0rd", true)),
        ErrorCode::EntityAlreadyExists
    );
    a.update_login_profile("u", Some("Other-Passw0rd"), Some(false))
        .unwrap();
    // Reuse prevention (2): the previous password is refused.
    assert_eq!(
        code(a.update_login_profile("u", Some("Good-Passw0rd"), None)),
        ErrorCode::PasswordPolicyViolation
    );
    assert!(a.verify_password("u", "Other-Passw0rd"));
    assert!(!a.get_login_profile("u").unwrap().password_reset_required);
}

#[test]
fn summary_and_lists() {
    let mut a = acct();
    a.create_user("a", Some("/eng/")).unwrap();
    a.create_user("b", Some("/ops/")).unwrap();
    assert_eq!(a.list_users(Some("/eng/")).unwrap().len(), 1);
    assert_eq!(a.list_users(None).unwrap().len(), 2);
    let s = a.get_account_summary();
    assert_eq!(s["Users"], 2);
    assert_eq!(s["UsersQuota"], 5000);
    assert_eq!(s["VersionsPerPolicyQuota"], 5);
}
