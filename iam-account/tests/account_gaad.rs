//! `get-account-authorization-details` import/export of an `Account` (spec §6) over the five
//! real snapshots in `iam-parser/tests/data/account-authorization-details/`: every file loads,
//! import → export gives the file back exactly (decoded and URL-encoded forms), and
//! authorization over the imported accounts gives the decisions the documents imply (each
//! case explains which statement decides).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{Account, AssumeRoleRequest};
use iam_eval::{Context, Decision};
use iam_model::entities::ErrorCode;
use iam_parser::gaad::{AuthorizationDetails, parse_authorization_details};
use std::path::PathBuf;

const FILES: [&str; 5] = [
    "cloudmapper-demo.json",
    "cloudsplaining-example.json",
    "cloudsplaining-test-authz-details-for-overrides-complete.json",
    "cloudsplaining-test-example-authz-details.json",
    "cloudsplaining-test-example-authz-v2.json",
];

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-parser/tests/data/account-authorization-details")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap()
}

fn details(name: &str) -> AuthorizationDetails {
    parse_authorization_details(&text(name)).unwrap()
}

fn load(name: &str) -> Account {
    Account::from_authorization_details(&details(name)).unwrap()
}

fn decide(a: &Account, who: &str, action: &str, resource: &str) -> Decision {
    a.authorize(who, action, resource, &Context::new())
        .unwrap_or_else(|e| panic!("{who} {action} {resource}: {e}"))
        .decision
}

/// Every document of the response turned into the raw API's URL-encoded form.
fn url_encoded(mut d: AuthorizationDetails) -> AuthorizationDetails {
    let enc = |doc: &mut Option<iam_parser::gaad::PolicyDocument>| {
        if let Some(x) = doc.as_mut() {
            *x = x.to_url_encoded();
        }
    };
    for u in &mut d.user_detail_list {
        u.user_policy_list
            .iter_mut()
            .for_each(|p| enc(&mut p.policy_document));
    }
    for g in &mut d.group_detail_list {
        g.group_policy_list
            .iter_mut()
            .for_each(|p| enc(&mut p.policy_document));
    }
    for r in &mut d.role_detail_list {
        r.role_policy_list
            .iter_mut()
            .for_each(|p| enc(&mut p.policy_document));
        enc(&mut r.assume_role_policy_document);
        for ip in &mut r.instance_profile_list {
            ip.roles
                .iter_mut()
                .for_each(|x| enc(&mut x.assume_role_policy_document));
        }
    }
    for p in &mut d.policies {
        p.policy_version_list
            .iter_mut()
            .for_each(|v| enc(&mut v.document));
    }
    d
}

// ------------------------------------------------------------------------ load and round trip

#[test]
fn all_five_snapshots_load_with_their_entities() {
    // (users, groups, roles, customer managed, AWS managed listed) per SOURCE.md.
    let expected = [
        ("cloudmapper-demo.json", "123456789012", 2, 1, 4, 1, 1),
        (
            "cloudsplaining-example.json",
            "200611803367",
            41,
            3,
            75,
            44,
            12,
        ),
        (
            "cloudsplaining-test-authz-details-for-overrides-complete.json",
            "012345678901",
            1,
            1,
            2,
            2,
            1,
        ),
        (
            "cloudsplaining-test-example-authz-details.json",
            "012345678901",
            3,
            2,
            3,
            2,
            30,
        ),
        (
            "cloudsplaining-test-example-authz-v2.json",
            "012345678901",
            1,
            1,
            2,
            2,
            0,
        ),
    ];
    for (file, id, users, groups, roles, customer, aws) in expected {
        let a = load(file);
        assert_eq!(a.id(), id, "{file}");
        assert_eq!(a.list_users(None).unwrap().len(), users, "{file}");
        assert_eq!(a.list_groups(None).unwrap().len(), groups, "{file}");
        // (cloudmapper's bad_role has the path "", so list_roles' "/" prefix skips it.)
        assert_eq!(
            a.to_authorization_details().role_detail_list.len(),
            roles,
            "{file}"
        );
        for r in details(file).role_detail_list {
            a.get_role(r.role_name.as_deref().unwrap()).unwrap();
        }
        assert_eq!(a.list_policies(None).unwrap().len(), customer, "{file}");
        assert_eq!(a.imported_aws_managed_policies().count(), aws, "{file}");
    }
}

#[test]
fn import_export_reproduces_each_file_exactly() {
    for file in FILES {
        let src = text(file);
        let d = parse_authorization_details(&src).unwrap();
        let out = load(file).to_authorization_details();
        assert_eq!(out, d, "{file}: shapes differ");
        // Same JSON value, member order included (serde_json keeps order: preserve_order).
        let original: serde_json::Value = serde_json::from_str(&src).unwrap();
        let exported: serde_json::Value = serde_json::from_str(&out.to_json()).unwrap();
        assert_eq!(exported, original, "{file}: JSON value differs");
        assert_eq!(
            serde_json::to_string(&exported).unwrap(),
            serde_json::to_string(&original).unwrap(),
            "{file}: member order differs"
        );
    }
}

#[test]
fn import_export_reproduces_the_url_encoded_form_exactly() {
    for file in FILES {
        let encoded_text = url_encoded(details(file)).to_json();
        assert!(encoded_text.contains("%7B%22"), "{file}");
        let d = parse_authorization_details(&encoded_text).unwrap();
        let a = Account::from_authorization_details(&d).unwrap();
        assert_eq!(
            a.to_authorization_details().to_json(),
            encoded_text,
            "{file}"
        );
        // The decoded and encoded forms give the same account.
        let plain = load(file);
        for u in plain.list_users(None).unwrap() {
            assert_eq!(a.get_user(&u.name).unwrap(), u, "{file}");
        }
        for r in plain.list_roles(None).unwrap() {
            let r2 = a.get_role(&r.name).unwrap();
            assert_eq!(r2.trust_policy.policy(), r.trust_policy.policy(), "{file}");
        }
    }
}

#[test]
fn imported_entities_keep_ids_arns_paths_dates_tags() {
    let a = load("cloudsplaining-example.json");
    let src = details("cloudsplaining-example.json");
    let r0 = &src.role_detail_list[0];
    let r = a.get_role(r0.role_name.as_deref().unwrap()).unwrap();
    assert_eq!(Some(&r.id), r0.role_id.as_ref());
    assert_eq!(Some(&r.arn), r0.arn.as_ref());
    assert_eq!(Some(&r.path), r0.path.as_ref());
    // "2020-05-22 15:25:18+00:00"-style dates are read as instants.
    assert!(r.create_date.seconds() > 1_500_000_000);
    // Service-linked roles are recognised by their path.
    let slr = a
        .list_roles(Some("/aws-service-role/"))
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    assert!(slr.service_linked.is_some());
    assert!(a.import_warnings().iter().all(|w| !w.contains("date")));
}

#[test]
fn a_changed_account_exports_its_changes_and_keeps_the_rest() {
    let file = "cloudsplaining-test-example-authz-v2.json";
    let src = details(file);
    let mut a = load(file);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
    a.put_user_policy("BlakeBortles", "sqs", doc).unwrap();
    a.create_user("newbie", Some("/new/")).unwrap();
    a.attach_user_policy("newbie", "arn:aws:iam::aws:policy/ReadOnlyAccess")
        .unwrap();
    let out = a.to_authorization_details();
    // Unchanged entities are written as they were.
    assert_eq!(out.group_detail_list, src.group_detail_list);
    assert_eq!(out.role_detail_list, src.role_detail_list);
    // The changed user keeps its source members and dates, with the new inline policy.
    let blake = &out.user_detail_list[0];
    assert_eq!(blake.create_date, src.user_detail_list[0].create_date);
    assert_eq!(blake.user_policy_list.len(), 1);
    assert_eq!(
        blake.user_policy_list[0]
            .policy_document
            .as_ref()
            .unwrap()
            .as_json()
            .unwrap()["Statement"][0]["Action"],
        "sqs:SendMessage"
    );
    // The new user comes after, and the AWS managed policy it uses is listed.
    assert_eq!(out.user_detail_list[1].user_name.as_deref(), Some("newbie"));
    assert!(
        out.policies
            .iter()
            .any(|p| p.policy_name.as_deref() == Some("ReadOnlyAccess"))
    );
    // And the export loads again with the same meaning.
    let b = Account::from_authorization_details(&out).unwrap();
    let who = "arn:aws:iam::012345678901:user/BlakeBortles";
    assert_eq!(decide(&b, who, "sqs:SendMessage", "*"), Decision::Allowed);
    assert_eq!(
        decide(
            &b,
            "arn:aws:iam::012345678901:user/new/newbie",
            "s3:GetObject",
            "arn:aws:s3:::b/k"
        ),
        Decision::Allowed
    );
    assert_eq!(b.to_authorization_details(), out);
}

#[test]
fn a_new_policy_version_is_exported_with_all_versions() {
    let file = "cloudsplaining-test-example-authz-v2.json";
    let mut a = load(file);
    let arn = "arn:aws:iam::012345678901:policy/NotYourPolicy";
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:ListImages","Resource":"*"}]}"#;
    a.create_policy_version(arn, doc, true).unwrap();
    let out = a.to_authorization_details();
    let p = out
        .policies
        .iter()
        .find(|p| p.arn.as_deref() == Some(arn))
        .unwrap();
    // The file's v9 is kept, the new version is v10 and the default.
    let ids: Vec<_> = p
        .policy_version_list
        .iter()
        .map(|v| v.version_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["v9", "v10"]);
    assert_eq!(p.default_version_id.as_deref(), Some("v10"));
    assert_eq!(p.policy_version_list[0].is_default_version, Some(false));
    let b = Account::from_authorization_details(&out).unwrap();
    assert_eq!(b.get_policy(arn).unwrap().versions.len(), 2);
}

#[test]
fn an_account_built_by_operations_round_trips_through_the_format() {
    let mut a = Account::new("111122223333").unwrap();
    a.create_group("devs", Some("/eng/")).unwrap();
    a.create_user("alice", None).unwrap();
    a.add_user_to_group("devs", "alice").unwrap();
    a.tag_user("alice", &[("team".into(), "core".into())])
        .unwrap();
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let p = a
        .create_policy("s3all", doc, None, None)
        .unwrap()
        .arn
        .clone();
    a.attach_group_policy("devs", &p).unwrap();
    a.put_user_permissions_boundary("alice", &p).unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    a.create_role("web", trust).unwrap();
    a.create_instance_profile("web-ip", None).unwrap();
    a.add_role_to_instance_profile("web-ip", "web").unwrap();
    let d = a.to_authorization_details();
    let text = d.to_json();
    let b =
        Account::from_authorization_details(&parse_authorization_details(&text).unwrap()).unwrap();
    assert_eq!(b.id(), "111122223333");
    assert_eq!(b.get_user("alice").unwrap(), a.get_user("alice").unwrap());
    assert_eq!(b.get_group("devs").unwrap(), a.get_group("devs").unwrap());
    assert_eq!(b.get_role("web").unwrap().instance_profiles, ["web-ip"]);
    assert_eq!(b.get_policy(&p).unwrap().attachment_count, 1);
    assert_eq!(
        b.get_policy(&p).unwrap().permissions_boundary_usage_count,
        1
    );
    assert_eq!(b.to_authorization_details().to_json(), text);
}

#[test]
fn import_does_not_run_save_time_checks_and_reports_non_policies() {
    // A trust policy IAM would refuse today (no Principal) and a document that is not a policy.
    let text = r#"{"UserDetailList": [], "GroupDetailList": [],
      "RoleDetailList": [{"RoleName": "old", "Arn": "arn:aws:iam::111122223333:role/old",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
        "RolePolicyList": [{"PolicyName": "junk", "PolicyDocument": {"Statement": 7}}]}],
      "Policies": []}"#;
    let d = parse_authorization_details(text).unwrap();
    let a = Account::from_authorization_details(&d).unwrap();
    assert!(a.import_warnings().iter().any(|w| w.contains("junk")));
    assert_eq!(a.to_authorization_details().to_json(), d.to_json());
    assert_eq!(
        decide(
            &a,
            "arn:aws:iam::111122223333:role/old",
            "s3:GetObject",
            "*"
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn duplicate_names_are_refused() {
    let text = r#"{"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::111122223333:user/a"},
      {"UserName": "A", "Arn": "arn:aws:iam::111122223333:user/A"}]}"#;
    let err = Account::from_authorization_details(&parse_authorization_details(text).unwrap())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::EntityAlreadyExists);
}

// --------------------------------------------------------------------- hand-checked decisions

/// cloudsplaining-example.json (account 200611803367).
#[test]
fn decisions_cloudsplaining_example() {
    let a = load("cloudsplaining-example.json");
    let acct = "arn:aws:iam::200611803367";

    // 1. fp1-allow-and-deny-user has only `fp1-allow-and-deny` attached, whose default version
    //    says `Allow iam:*` AND `Deny iam:*` on `*`: the explicit deny wins.
    let fp1 = format!("{acct}:user/fp1-allow-and-deny-user");
    assert_eq!(
        decide(&a, &fp1, "iam:ListUsers", "*"),
        Decision::ExplicitDeny
    );
    // 2. ... and outside iam:* neither statement matches: implicit deny.
    assert_eq!(
        decide(&a, &fp1, "s3:GetObject", "arn:aws:s3:::bucket/key"),
        Decision::ImplicitDeny
    );

    // 3. fp2-allow-and-deny-multiple-policies-user has `fp2-allow-all` (Allow * on *) and
    //    `deny-all` (Deny * on *) attached: the deny in the second policy wins everywhere.
    let fp2 = format!("{acct}:user/fp2-allow-and-deny-multiple-policies-user");
    assert_eq!(
        decide(&a, &fp2, "s3:GetObject", "arn:aws:s3:::bucket/key"),
        Decision::ExplicitDeny
    );

    // 4. fp3-deny-iam-role has only `fp3-deny-iam` (Deny iam:*): an iam action is explicitly
    //    denied, anything else is implicitly denied (nothing allows).
    let fp3 = format!("{acct}:role/fp3-deny-iam-role");
    assert_eq!(
        decide(&a, &fp3, "iam:CreateUser", "*"),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&a, &fp3, "ec2:RunInstances", "*"),
        Decision::ImplicitDeny
    );

    // 5. privesc-sre-user has no policy of its own; its group privesc-sre-group has the
    //    customer managed `privesc-sre-admin-policy` (Allow iam:*, ec2:*, s3:* on *):
    //    ec2:RunInstances is allowed through the group, lambda is not.
    let sre = format!("{acct}:user/privesc-sre-user");
    assert_eq!(decide(&a, &sre, "ec2:RunInstances", "*"), Decision::Allowed);
    assert_eq!(
        decide(&a, &sre, "lambda:InvokeFunction", "*"),
        Decision::ImplicitDeny
    );

    // 6. privesc11-PutGroupPolicy-user has `privesc11-PutGroupPolicy` attached (Allow
    //    iam:PutGroupPolicy on *): exactly that action is allowed, iam:PutUserPolicy is not.
    let p11 = format!("{acct}:user/privesc11-PutGroupPolicy-user");
    assert_eq!(
        decide(&a, &p11, "iam:PutGroupPolicy", "*"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, &p11, "iam:PutUserPolicy", "*"),
        Decision::ImplicitDeny
    );
}

/// cloudsplaining-test-example-authz-details.json (account 012345678901), which lists 30 AWS
/// managed policies with their own (older) documents.
#[test]
fn decisions_cloudsplaining_test_example() {
    let a = load("cloudsplaining-test-example-authz-details.json");
    let acct = "arn:aws:iam::012345678901";

    // 7. obama has the AWS managed AdministratorAccess attached by ARN (Allow * on *).
    let obama = format!("{acct}:user/obama");
    assert_eq!(decide(&a, &obama, "iam:CreateUser", "*"), Decision::Allowed);

    // 8. biden: the group `biden` has inline `InlinePolicyForBidenGroup` (Allow s3:GetObject,
    //    s3:PutObjectAcl on *) and the AWS managed AmazonRDSFullAccess (rds:* on *); biden's
    //    own inline policy allows s3:PutObject. iam:CreateUser appears in none of them.
    let biden = format!("{acct}:user/biden");
    assert_eq!(
        decide(&a, &biden, "s3:PutObjectAcl", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, &biden, "rds:CreateDBInstance", "*"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, &biden, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );

    // 9. Role OverprivilegedEC2's inline `SupYo` allows secretsmanager:GetSecretValue on *.
    let ec2 = format!("{acct}:role/OverprivilegedEC2");
    assert_eq!(
        decide(&a, &ec2, "secretsmanager:GetSecretValue", "*"),
        Decision::Allowed
    );
    assert_eq!(decide(&a, &ec2, "kms:Decrypt", "*"), Decision::ImplicitDeny);
}

/// cloudsplaining-test-example-authz-v2.json: AdministratorAccess is attached to group GOAT but
/// NOT listed in the file, so it resolves against the bundled AWS managed policies.
#[test]
fn decisions_aws_managed_policy_resolved_from_the_bundle() {
    let a = load("cloudsplaining-test-example-authz-v2.json");
    assert_eq!(a.imported_aws_managed_policies().count(), 0);
    // 10. BlakeBortles ∈ GOAT → arn:aws:iam::aws:policy/AdministratorAccess (bundled: Allow *).
    let blake = "arn:aws:iam::012345678901:user/BlakeBortles";
    assert_eq!(
        decide(&a, blake, "dynamodb:DeleteTable", "*"),
        Decision::Allowed
    );
    // 11. Role GOAT's inline SsmOnboardingInlinePolicy allows only s3:PutObject/GetObject.
    let goat = "arn:aws:iam::012345678901:role/GOAT";
    assert_eq!(
        decide(&a, goat, "s3:PutObject", "arn:aws:s3:::x/y"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, goat, "s3:DeleteObject", "arn:aws:s3:::x/y"),
        Decision::ImplicitDeny
    );
}

/// An AWS managed policy listed in the file with its own document: the file's document is used.
#[test]
fn decisions_an_embedded_aws_managed_policy_uses_the_files_document() {
    let file = "cloudsplaining-test-authz-details-for-overrides-complete.json";
    let a = load(file);
    // 12. GOATRole: customer managed PolicyForTestingOverrides allows s3:CreateBucket only on
    //     arn:aws:s3:::mybucket; AdministratorAccess (listed in the file, v1 = Allow *) is also
    //     attached, so any bucket is allowed too.
    let role = "arn:aws:iam::012345678901:role/GOATRole";
    assert_eq!(
        decide(&a, role, "s3:CreateBucket", "arn:aws:s3:::other"),
        Decision::Allowed
    );

    // Rewrite the file's copy of AdministratorAccess to allow only s3:* (the bundled copy
    // allows *): the account must follow the file.
    let mut d = details(file);
    let admin = d
        .policies
        .iter_mut()
        .find(|p| p.policy_name.as_deref() == Some("AdministratorAccess"))
        .unwrap();
    admin.policy_version_list[0].document = Some(
        iam_parser::gaad::PolicyDocument::parse_json(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap(),
    );
    let b = Account::from_authorization_details(&d).unwrap();
    // 13. Now GOATRole's only route to ec2 was AdministratorAccess: implicit deny; s3 stays allowed.
    assert_eq!(
        decide(&b, role, "ec2:RunInstances", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&b, role, "s3:ListBucket", "arn:aws:s3:::other"),
        Decision::Allowed
    );
    // 14. BlakeBortles ∈ GOATGroup: NotYourPolicy (ecr:*) still allows ecr; iam now implicit.
    let blake = "arn:aws:iam::012345678901:user/BlakeBortles";
    assert_eq!(decide(&b, blake, "ecr:PutImage", "*"), Decision::Allowed);
    assert_eq!(
        decide(&b, blake, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );
}

/// cloudmapper-demo.json (account 123456789012): resource-scoped statements and trust policies.
#[test]
fn decisions_cloudmapper_demo_and_trust_policies() {
    let mut a = load("cloudmapper-demo.json");
    // 15. Role service-role/level1's inline `level1` allows s3:GetObject only on
    //     arn:aws:s3:::level1.flaws2.cloud/*: allowed there, implicit deny on another bucket.
    let level1 = "arn:aws:iam::123456789012:role/service-role/level1";
    assert_eq!(
        decide(
            &a,
            level1,
            "s3:GetObject",
            "arn:aws:s3:::level1.flaws2.cloud/index.html"
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            &a,
            level1,
            "s3:GetObject",
            "arn:aws:s3:::other-bucket/index.html"
        ),
        Decision::ImplicitDeny
    );
    // 16. ... and ecr:BatchGetImage only on repository/level2 in account 123456789012.
    assert_eq!(
        decide(
            &a,
            level1,
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/level2"
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            &a,
            level1,
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/level3"
        ),
        Decision::ImplicitDeny
    );

    // 17. Trust policies: role `exfiller` trusts Service ec2.amazonaws.com for sts:AssumeRole,
    //     so EC2 gets credentials; role `level3` trusts only ecs-tasks.amazonaws.com, so EC2
    //     is refused.
    let creds = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: "ec2.amazonaws.com".into(),
            role_arn: "arn:aws:iam::123456789012:role/exfiller".into(),
            role_session_name: "i-0123456789".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"));
    let err = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: "ec2.amazonaws.com".into(),
            role_arn: "arn:aws:iam::123456789012:role/level3".into(),
            role_session_name: "i-0123456789".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::AccessDenied);
    // The session exfiller's inline `tmp` (s3:* on *) applies to the assumed-role session.
    let session = "arn:aws:sts::123456789012:assumed-role/exfiller/i-0123456789";
    assert_eq!(
        decide(&a, session, "s3:PutObject", "arn:aws:s3:::x/y"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&a, session, "ec2:RunInstances", "*"),
        Decision::ImplicitDeny
    );
}
