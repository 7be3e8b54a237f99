//! Access analysis on real `get-account-authorization-details` snapshots, checked against
//! conclusions derived by hand from the snapshots' documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::Account;
use iam_analysis::{Access, access_matrix, privilege_escalation, what_can, who_can};
use iam_eval::Context;
use iam_model::catalog::{AccessLevel, Catalog};
use std::collections::BTreeSet;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../iam-parser/tests/data/account-authorization-details/"
);

fn load(file: &str) -> Account {
    let text = std::fs::read_to_string(format!("{DATA}{file}")).unwrap();
    let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
    Account::from_authorization_details(&details).unwrap()
}

const ACCT: &str = "200611803367";

fn user(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{name}")
}
fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

fn names(w: &iam_analysis::WhatCan) -> Vec<&str> {
    w.actions().map(|a| a.action).collect()
}

fn findings(acct: &Account, p: &str) -> BTreeSet<&'static str> {
    privilege_escalation(&what_can(acct, p).unwrap())
        .iter()
        .map(|f| f.rule.id)
        .collect()
}

fn count(pattern: &str) -> usize {
    Catalog::get().expand(pattern).len()
}

#[test]
fn what_can_runs_for_every_principal() {
    let acct = load("cloudsplaining-example.json");
    let principals = iam_analysis::Target::from(&acct).principals();
    assert_eq!(principals.len(), 41 + 75); // every user and role of the file
    for p in &principals {
        let w = what_can(&acct, p).unwrap();
        for a in w.actions() {
            assert!(!a.grants.is_empty(), "{p} {}", a.action);
        }
    }
}

#[test]
fn hand_checked_principals() {
    let acct = load("cloudsplaining-example.json");

    // 1. privesc1 user: exactly iam:CreatePolicyVersion, from its one statement, on "*".
    let w = what_can(&acct, &user("privesc1-CreateNewPolicyVersion-user")).unwrap();
    assert_eq!(names(&w), ["iam:CreatePolicyVersion"]);
    let a = w.get("iam:CreatePolicyVersion").unwrap();
    assert_eq!(a.access, Access::Allowed);
    assert_eq!(a.access_level, AccessLevel::PermissionsManagement);
    assert_eq!(
        a.grants[0].statement.policy,
        "privesc1-CreateNewPolicyVersion"
    );
    assert_eq!(a.grants[0].statement.source, "user-managed");
    assert_eq!(&*a.grants[0].resources, ["*"]);

    // 2.-4. Allow then Deny: nothing is left — except sts:GetCallerIdentity where an Allow
    // covers it, which no Deny takes away (spec §5.12 rev 3: it needs no permission).
    for u in [
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
    ] {
        let w = what_can(&acct, &user(u)).unwrap();
        assert!(
            names(&w).iter().all(|n| *n == "sts:GetCallerIdentity"),
            "{u}: {:?}",
            names(&w)
        );
    }
    // fp1's role twin: "iam:*" allowed and denied → no iam action, nothing else either.
    assert!(
        what_can(&acct, &role("fp1-allow-and-deny-role"))
            .unwrap()
            .is_empty()
    );

    // 5. fp4: CreatePolicyVersion only on AWS managed policies "arn:aws:iam::aws:policy/fp4-*":
    // AWS managed policies cannot be changed by any account (spec §5.12 rev 3), so nothing is
    // left — the "non-exploitable" false positive this user stands for.
    let w = what_can(&acct, &user("fp4-nonExploitableResourceConstraint-user")).unwrap();
    assert!(
        w.get("iam:CreatePolicyVersion").is_none(),
        "{:?}",
        names(&w)
    );
    assert!(w.is_empty());

    // 6. fp5 / fn3: CreatePolicyVersion under an aws:TokenIssueTime condition → conditional.
    for u in [
        "fp5-nonExploitableConditionConstraint-user",
        "fn3-exploitableConditionConstraint-user",
    ] {
        let w = what_can(&acct, &user(u)).unwrap();
        let a = w.get("iam:CreatePolicyVersion").unwrap();
        assert_eq!(a.access, Access::Conditional, "{u}");
        assert!(
            a.grants[0]
                .statement
                .conditions
                .as_deref()
                .unwrap()
                .contains("aws:TokenIssueTime")
        );
        assert_eq!(w.to_map(false).len(), 0);
        assert_eq!(w.to_map(true)["iam"], ["iam:CreatePolicyVersion"]);
    }

    // 7. fn4: NotAction [iam:Update*, iam:Create*, iam:Attach*] on "*": everything else.
    let w = what_can(&acct, &user("fn4-exploitableNotAction-user")).unwrap();
    let excluded: BTreeSet<String> = ["iam:Update*", "iam:Create*", "iam:Attach*"]
        .iter()
        .flat_map(|p| Catalog::get().expand(p))
        .collect();
    assert_eq!(w.len(), Catalog::get().action_count() - excluded.len());
    assert!(w.get("iam:PassRole").is_some());
    assert!(w.get("iam:PutUserPolicy").is_some());
    assert!(w.get("iam:CreateUser").is_none());
    assert!(w.get("iam:AttachUserPolicy").is_none());
    assert!(w.get("iam:UpdateAssumeRolePolicy").is_none());
    assert!(
        w.get("iam:PassRole").unwrap().grants[0]
            .statement
            .not_action
    );

    // 8. privesc-sre-user: through its group's managed policy [iam:*, ec2:*, s3:*] on "*".
    let w = what_can(&acct, &user("privesc-sre-user")).unwrap();
    let services: Vec<&str> = w.services.iter().map(|s| s.service).collect();
    assert_eq!(services, ["ec2", "iam", "s3"]);
    assert_eq!(w.service("iam").unwrap().actions.len(), count("iam:*"));
    assert_eq!(w.len(), count("iam:*") + count("ec2:*") + count("s3:*"));
    assert_eq!(
        w.get("iam:PassRole").unwrap().grants[0].statement.policy,
        "privesc-sre-admin-policy"
    );
    let iam_levels = w.service("iam").unwrap().by_access_level();
    assert_eq!(
        iam_levels.values().map(Vec::len).sum::<usize>(),
        count("iam:*")
    );

    // 9. The SSO administrator role holds AdministratorAccess: every catalog action.
    let w = what_can(
        &acct,
        &role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc"),
    )
    .unwrap();
    assert_eq!(w.len(), Catalog::get().action_count());
    assert_eq!(w.count_by_access_level().values().sum::<usize>(), 22_091);

    // 10. The SSO view-only role (the file's ReadOnlyAccess v98 + ViewOnlyAccess v17): reads
    // S3 objects (s3:Get*) and IAM roles (iam:Get*), cannot write or pass roles.
    let w = what_can(
        &acct,
        &role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_ViewOnlyAccess_0ace44bbc7092ea8"),
    )
    .unwrap();
    assert!(w.get("s3:GetObject").is_some());
    assert!(w.get("iam:GetRole").is_some());
    assert!(w.get("iam:PassRole").is_none());
    assert!(w.get("s3:PutObject").is_none());
    assert!(w.get("iam:CreateUser").is_none());

    // 11. Principals without any policy can do nothing.
    assert!(
        what_can(&acct, &user("privesc-AssumeRole-start-user"))
            .unwrap()
            .is_empty()
    );
    assert!(
        what_can(&acct, &role("privesc-AssumeRole-intermediate-role"))
            .unwrap()
            .is_empty()
    );

    // 12. privesc14 role: exactly iam:UpdateAssumeRolePolicy and sts:AssumeRole.
    let w = what_can(&acct, &role("privesc14-UpdatingAssumeRolePolicy-role")).unwrap();
    assert_eq!(names(&w), ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]);

    // 13. fn1 user: iam:PassRole from "fn1-passrole-star", ec2:RunInstances from "fn1-privesc3-partial".
    let w = what_can(&acct, &user("fn1-privesc3-partial-user")).unwrap();
    assert_eq!(
        names(&w),
        ["ec2:DescribeInstances", "ec2:RunInstances", "iam:PassRole"]
    );
    assert_eq!(
        w.get("iam:PassRole").unwrap().grants[0].statement.policy,
        "fn1-passrole-star"
    );
    assert_eq!(
        w.get("ec2:RunInstances").unwrap().grants[0]
            .statement
            .policy,
        "fn1-privesc3-partial"
    );

    // 14. A QuickSetup role: iam:PassRole only on the two AWSServiceRoleForConfig ARNs;
    // iam:CreateServiceLinkedRole only under iam:AWSServiceName conditions (conditional);
    // s3:CreateBucket only on its config bucket.
    let w = what_can(
        &acct,
        &role("AWS-QuickSetup-EnableCRecording-1clff_us-east-1"),
    )
    .unwrap();
    assert_eq!(
        w.get("iam:PassRole").unwrap().resources(),
        [
            "arn:aws:iam::*:role/AWSServiceRoleForConfig",
            "arn:aws:iam::*:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
        ]
    );
    assert_eq!(
        w.get("iam:CreateServiceLinkedRole").unwrap().access,
        Access::Conditional
    );
    assert_eq!(
        w.get("s3:CreateBucket").unwrap().resources(),
        ["arn:aws:s3:::aws-quick-setup-config-recording-200611803367-1clff"]
    );
    assert!(w.get("s3:DeleteBucket").is_none());
    // who_can on "*" does not list it for PassRole (its grant names specific roles)...
    let who: Vec<String> = who_can(&acct, "iam:PassRole", "*", &Context::new())
        .unwrap()
        .into_iter()
        .map(|w| w.principal)
        .collect();
    assert!(!who.contains(&role("AWS-QuickSetup-EnableCRecording-1clff_us-east-1")));
    // ...but on the config role it does.
    let on_config = who_can(
        &acct,
        "iam:PassRole",
        "arn:aws:iam::200611803367:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        &Context::new(),
    )
    .unwrap();
    assert!(
        on_config
            .iter()
            .any(|w| w.principal == role("AWS-QuickSetup-EnableCRecording-1clff_us-east-1"))
    );
}

#[test]
fn who_can_pass_role_matches_hand_derived_list() {
    let acct = load("cloudsplaining-example.json");
    let got = who_can(&acct, "iam:PassRole", "*", &Context::new()).unwrap();
    let users = [
        "fn1-privesc3-partial-user",
        "fn4-exploitableNotAction-user",
        "privesc-codeBuildCreateProjectPassRole-user",
        "privesc-sageMakerCreateNotebookPassRole-user",
        "privesc-sageMakerCreateProcessingJobPassRole-user",
        "privesc-sageMakerCreateTrainingJobPassRole-user",
        "privesc-sre-user",
        "privesc15-PassExistingRoleToNewLambdaThenInvoke-user",
        "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo-user",
        "privesc18-PassExistingRoleToNewGlueDevEndpoint-user",
        "privesc20-PassExistingRoleToCloudFormation-user",
        "privesc21-PassExistingRoleToNewDataPipeline-user",
        "privesc3-CreateEC2WithExistingInstanceProfile-user",
    ];
    let roles = [
        "AWS-QuickSetup-StackSet-Local-ExecutionRole",
        "aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc",
        "aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM",
        "fn1-privesc3-partial-role",
        "fn4-exploitableNotAction-role",
        "OrganizationAccountAccessRole",
        "privesc-AssumeRole-ending-role",
        "privesc-codeBuildCreateProjectPassRole-role",
        "privesc-high-priv-service-role",
        "privesc-sageMakerCreateNotebookPassRole-role",
        "privesc-sageMakerCreateProcessingJobPassRole-role",
        "privesc-sageMakerCreateTrainingJobPassRole-role",
        "privesc-sre-role",
        "privesc15-PassExistingRoleToNewLambdaThenInvoke-role",
        "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo-role",
        "privesc18-PassExistingRoleToNewGlueDevEndpoint-role",
        "privesc20-PassExistingRoleToCloudFormation-role",
        "privesc21-PassExistingRoleToNewDataPipeline-role",
        "privesc3-CreateEC2WithExistingInstanceProfile-role",
        "stacksets-exec-b5520cb2730c2f54b523d6375a319abb",
    ];
    let want: BTreeSet<String> = users
        .iter()
        .map(|u| user(u))
        .chain(roles.iter().map(|r| role(r)))
        .collect();
    let have: BTreeSet<String> = got.iter().map(|w| w.principal.clone()).collect();
    assert_eq!(have, want);
    for w in &got {
        assert_eq!(w.action, "iam:PassRole");
        // AmazonSSMServiceRolePolicy grants PassRole under an iam:PassedToService condition.
        let conditional = w.principal.ends_with("AWSServiceRoleForAmazonSSM");
        assert_eq!(
            w.access == Access::Conditional,
            conditional,
            "{}",
            w.principal
        );
        assert!(!w.statements.is_empty(), "{}", w.principal);
    }
    let sre = got
        .iter()
        .find(|w| w.principal == user("privesc-sre-user"))
        .unwrap();
    assert_eq!(
        sre.statements[0].policy.as_deref(),
        Some("privesc-sre-admin-policy")
    );
    assert_eq!(sre.statements[0].statement, 0);
    // With the condition key given, the SSM role is allowed outright for SSM...
    let mut ctx = Context::new();
    ctx.insert("iam:PassedToService", "ssm.amazonaws.com");
    let got = who_can(&acct, "iam:PassRole", "*", &ctx).unwrap();
    let ssm = got
        .iter()
        .find(|w| w.principal.ends_with("AWSServiceRoleForAmazonSSM"))
        .unwrap();
    assert_eq!(ssm.access, Access::Allowed);
    // ...and not at all for EC2.
    let mut ctx = Context::new();
    ctx.insert("iam:PassedToService", "ec2.amazonaws.com");
    let got = who_can(&acct, "iam:PassRole", "*", &ctx).unwrap();
    assert!(
        !got.iter()
            .any(|w| w.principal.ends_with("AWSServiceRoleForAmazonSSM"))
    );
    assert_eq!(got.len(), users.len() + roles.len() - 1);
}

#[test]
fn who_can_pattern_is_per_action() {
    let acct = load("cloudsplaining-example.json");
    let got = who_can(&acct, "iam:Put*Policy", "*", &Context::new()).unwrap();
    let for_action = |a: &str| -> BTreeSet<String> {
        got.iter()
            .filter(|w| w.action == a)
            .map(|w| w.principal.clone())
            .collect()
    };
    let put_user = for_action("iam:PutUserPolicy");
    assert!(put_user.contains(&user("privesc10-PutUserPolicy-user")));
    assert!(!put_user.contains(&user("privesc11-PutGroupPolicy-user")));
    assert!(for_action("iam:PutGroupPolicy").contains(&user("privesc11-PutGroupPolicy-user")));
    assert!(for_action("iam:PutRolePolicy").contains(&role("privesc12-PutRolePolicy-role")));
}

#[test]
fn privilege_escalation_hand_checked() {
    let acct = load("cloudsplaining-example.json");
    let one = |id: &'static str| BTreeSet::from([id]);
    // Rhino's methods, one user per method.
    for (u, id) in [
        (
            "privesc1-CreateNewPolicyVersion-user",
            "CreatePolicyVersion",
        ),
        (
            "privesc2-SetExistingDefaultPolicyVersion-user",
            "SetDefaultPolicyVersion",
        ),
        (
            "privesc3-CreateEC2WithExistingInstanceProfile-user",
            "PassRoleEC2",
        ),
        ("privesc4-CreateAccessKey-user", "CreateAccessKey"),
        ("privesc5-CreateLoginProfile-user", "CreateLoginProfile"),
        ("privesc6-UpdateLoginProfile-user", "UpdateLoginProfile"),
        ("privesc7-AttachUserPolicy-user", "AttachUserPolicy"),
        ("privesc8-AttachGroupPolicy-user", "AttachGroupPolicy"),
        ("privesc9-AttachRolePolicy-user", "AttachRolePolicy"),
        ("privesc10-PutUserPolicy-user", "PutUserPolicy"),
        ("privesc11-PutGroupPolicy-user", "PutGroupPolicy"),
        ("privesc12-PutRolePolicy-user", "PutRolePolicy"),
        ("privesc13-AddUserToGroup-user", "AddUserToGroup"),
        (
            "privesc14-UpdatingAssumeRolePolicy-user",
            "UpdateAssumeRolePolicy",
        ),
        (
            "privesc15-PassExistingRoleToNewLambdaThenInvoke-user",
            "PassRoleLambdaInvoke",
        ),
        (
            "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo-user",
            "PassRoleLambdaEventSource",
        ),
        (
            "privesc17-EditExistingLambdaFunctionWithRole-user",
            "UpdateFunctionCode",
        ),
        (
            "privesc18-PassExistingRoleToNewGlueDevEndpoint-user",
            "PassRoleGlueDevEndpoint",
        ),
        (
            "privesc19-UpdateExistingGlueDevEndpoint-user",
            "UpdateGlueDevEndpoint",
        ),
        (
            "privesc20-PassExistingRoleToCloudFormation-user",
            "PassRoleCloudFormation",
        ),
        (
            "privesc21-PassExistingRoleToNewDataPipeline-user",
            "PassRoleDataPipeline",
        ),
        (
            "privesc-codeBuildCreateProjectPassRole-user",
            "PassRoleCodeBuild",
        ),
        (
            "privesc-sageMakerCreateNotebookPassRole-user",
            "PassRoleSageMakerNotebook",
        ),
        ("fn1-privesc3-partial-user", "PassRoleEC2"),
        (
            "fn2-exploitableResourceConstraint-user",
            "CreatePolicyVersion",
        ),
    ] {
        assert_eq!(findings(&acct, &user(u)), one(id), "{u}");
    }
    // Not exploitable: denied, AWS managed policies only, or nothing granted.
    for u in [
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
        "fp4-nonExploitableResourceConstraint-user",
        "privesc-AssumeRole-start-user",
        "privesc-sageMakerCreateTrainingJobPassRole-user", // no rule for training jobs
    ] {
        assert!(findings(&acct, &user(u)).is_empty(), "{u}");
    }
    // Under an undecidable condition the finding is reported, as conditional.
    let f = privilege_escalation(
        &what_can(&acct, &user("fp5-nonExploitableConditionConstraint-user")).unwrap(),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].access, Access::Conditional);
    // Each finding cites Rhino's article and the API page, and the enabling statements.
    let f = privilege_escalation(&what_can(&acct, &user("fn1-privesc3-partial-user")).unwrap());
    assert!(f[0].rule.references[0].starts_with("https://rhinosecuritylabs.com/"));
    let policies: Vec<&str> = f[0]
        .steps
        .iter()
        .map(|(_, g)| g[0].statement.policy.as_str())
        .collect();
    assert_eq!(policies, ["fn1-passrole-star", "fn1-privesc3-partial"]);
    // NotAction [iam:Update*, iam:Create*, iam:Attach*] leaves the Put*, AddUserToGroup and
    // PassRole paths open (lambda:CreateFunction is not iam:Create*) and closes the IAM
    // Create*/Update*/Attach* ones.
    let fn4 = findings(&acct, &user("fn4-exploitableNotAction-user"));
    for id in [
        "PutUserPolicy",
        "PutRolePolicy",
        "AddUserToGroup",
        "PassRoleEC2",
        "SetDefaultPolicyVersion",
        "UpdateFunctionCode",
        "PassRoleLambdaInvoke",
    ] {
        assert!(fn4.contains(id), "{id}");
    }
    for id in [
        "CreatePolicyVersion",
        "CreateAccessKey",
        "AttachUserPolicy",
        "UpdateLoginProfile",
        "UpdateAssumeRolePolicy",
        "AttachRolePolicy",
    ] {
        assert!(!fn4.contains(id), "{id}");
    }
    // An administrator has every path.
    let admin = findings(&acct, &role("OrganizationAccountAccessRole"));
    assert_eq!(admin.len(), iam_analysis::RULES.len());
}

#[test]
fn cloudmapper_demo_admin_and_s3_principals() {
    let mut acct = load("cloudmapper-demo.json");
    let admin = "arn:aws:iam::123456789012:role/bad_role"; // "Action": ["*"] on "*"
    let s3 = "arn:aws:iam::123456789012:role/exfiller"; // "s3:*" on "*"
    assert_eq!(findings(&acct, admin).len(), iam_analysis::RULES.len());
    assert!(findings(&acct, s3).is_empty());
    let w = what_can(&acct, s3).unwrap();
    assert_eq!(w.len(), count("s3:*"));
    // level1: s3 and ecr reads only, no escalation.
    assert!(findings(&acct, "arn:aws:iam::123456789012:role/service-role/level1").is_empty());
    // BAD_MFA_POLICY lets each user manage only their *own* keys and passwords
    // (".../user/${aws:username}"): attached to a user, it opens no escalation path.
    acct.create_user("mfa-user", None).unwrap();
    acct.attach_user_policy(
        "mfa-user",
        "arn:aws:iam::123456789012:policy/BAD_MFA_POLICY",
    )
    .unwrap();
    let w = what_can(&acct, "arn:aws:iam::123456789012:user/mfa-user").unwrap();
    assert_eq!(
        w.get("iam:CreateAccessKey").unwrap().resources(),
        ["arn:aws:iam::123456789012:user/mfa-user"]
    );
    assert!(privilege_escalation(&w).is_empty());
}

#[test]
fn matrix_agrees_with_what_can() {
    let acct = load("cloudsplaining-example.json");
    let m = access_matrix(&acct, &["iam:*", "s3:GetObject"], 2).unwrap();
    assert_eq!(m.actions.len(), count("iam:*") + 1);
    for (r, p) in m.principals.iter().enumerate() {
        let w = what_can(&acct, p).unwrap();
        for (c, a) in m.actions.iter().enumerate() {
            assert_eq!(m.get(r, c), w.get(a).map(|x| x.access), "{p} {a}");
        }
    }
    let csv = m.to_csv();
    assert_eq!(csv.lines().count(), m.principals.len() + 1);
    let levels = m.by_access_level();
    let sre = levels
        .principals
        .iter()
        .position(|p| *p == user("privesc-sre-user"))
        .unwrap();
    assert_eq!(levels.counts[sre].iter().sum::<usize>(), count("iam:*") + 1);
}
