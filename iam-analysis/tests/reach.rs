//! The reach graph on hand-built accounts whose paths are known by construction, and on the
//! real snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{Account, Organization};
use iam_analysis::reach::methods::PASSROLE_METHODS;
use iam_analysis::{Access, AdminStatus, EdgeKind, ReachGraph};
use iam_model::entities::OrgPolicyType;

const A: &str = "111122223333";

fn user(n: &str) -> String {
    format!("arn:aws:iam::{A}:user/{n}")
}
fn role(n: &str) -> String {
    format!("arn:aws:iam::{A}:role/{n}")
}

fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
    )
}

fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S","Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// u → a (trust names u) → b (trust names the account; a allowed sts:AssumeRole) → c (admin).
fn chain() -> Account {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("u", None).unwrap();
    acct.create_role("a", &trust(&format!(r#"{{"AWS":"{}"}}"#, user("u"))))
        .unwrap();
    acct.put_role_policy("a", "hop", &allow(r#""sts:AssumeRole""#, &role("b")))
        .unwrap();
    acct.create_role(
        "b",
        &trust(&format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#)),
    )
    .unwrap();
    acct.put_role_policy("b", "hop", &allow(r#""sts:AssumeRole""#, "*"))
        .unwrap();
    acct.create_role("c", &trust(&format!(r#"{{"AWS":"{}"}}"#, role("b"))))
        .unwrap();
    acct.attach_role_policy("c", ADMIN).unwrap();
    acct
}

#[test]
fn multi_hop_assume_role_chain() {
    let acct = chain();
    let g = ReachGraph::build(&acct).unwrap();
    let r = g.reach(&user("u")).unwrap();
    let got: Vec<(&str, usize)> = r
        .iter()
        .map(|p| (p.target.as_str(), p.steps.len()))
        .collect();
    assert_eq!(
        got,
        [
            (role("a").as_str(), 1),
            (role("b").as_str(), 2),
            (role("c").as_str(), 3)
        ]
    );
    // u has no identity policy: the trust policy naming u's ARN suffices (spec §5.6).
    let first = g.edge(r[0].steps[0]).unwrap();
    assert_eq!(first.kind, EdgeKind::AssumeRole);
    assert!(
        first.evidence[0]
            .statements
            .iter()
            .any(|s| s.policy.as_deref() == Some("trust policy of a"))
    );
    // b trusts the account: a's identity policy must allow, and is named.
    let second = g.edge(r[1].steps[1]).unwrap();
    assert!(
        second.evidence[0]
            .statements
            .iter()
            .any(|s| s.policy.as_deref() == Some("hop")
                && s.attached_via.as_deref() == Some("role a (inline)"))
    );
    // c is admin by itself; u escalates through the chain; c gets no escalation paths.
    assert!(matches!(
        g.admin_status(&role("c")).unwrap(),
        AdminStatus::Direct { .. }
    ));
    assert!(g.escalations_of(&role("c")).unwrap().is_empty());
    let e = g.escalations_of(&user("u")).unwrap();
    assert_eq!(e[0].target, role("c"));
    assert_eq!(e[0].steps.len(), 3);
    assert_eq!(e[0].access, Access::Allowed);
    // b reaches c only; the admin c can become anyone (no steps needed); an unknown
    // principal is an error, not an empty answer.
    let b: Vec<String> = g
        .reach(&role("b"))
        .unwrap()
        .into_iter()
        .map(|p| p.target)
        .collect();
    assert_eq!(b, [role("c")]);
    let c = g.reach(&role("c")).unwrap();
    assert!(
        c.iter()
            .any(|p| p.target == user("u") && p.steps.is_empty())
    );
    assert!(g.reach(&user("nobody")).is_err());
}

#[test]
fn account_trust_without_identity_permission_is_no_edge() {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("u", None).unwrap();
    acct.create_role("r", &trust(&format!(r#"{{"AWS":"{A}"}}"#)))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert!(g.reach(&user("u")).unwrap().is_empty());
    acct.put_user_policy("u", "p", &allow(r#""sts:AssumeRole""#, &role("r")))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert_eq!(g.reach(&user("u")).unwrap()[0].target, role("r"));
}

#[test]
fn conditions_drop_or_mark_a_hop() {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("u", None).unwrap();
    let cond = |c: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole","Condition":{c}}}]}}"#,
            user("u")
        )
    };
    // A condition on the principal's own name that cannot hold: dropped.
    acct.create_role(
        "never",
        &cond(r#"{"StringEquals":{"aws:username":"someone-else"}}"#),
    )
    .unwrap();
    // One that holds for u: kept, unconditional.
    acct.create_role("always", &cond(r#"{"StringEquals":{"aws:username":"u"}}"#))
        .unwrap();
    // One on a key only the request knows: kept, conditional.
    acct.create_role(
        "external",
        &cond(r#"{"StringEquals":{"sts:ExternalId":"x"}}"#),
    )
    .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    let r = g.reach(&user("u")).unwrap();
    let got: Vec<(&str, Access)> = r.iter().map(|p| (p.target.as_str(), p.access)).collect();
    assert_eq!(
        got,
        [
            (role("always").as_str(), Access::Allowed),
            (role("external").as_str(), Access::Conditional)
        ]
    );
}

#[test]
fn passrole_to_each_service_names_the_role() {
    for m in PASSROLE_METHODS {
        let mut acct = Account::new(A).unwrap();
        acct.create_user("dev", None).unwrap();
        let actions: Vec<String> = std::iter::once("iam:PassRole")
            .chain(m.actions.iter().copied())
            .map(|a| format!("\"{a}\""))
            .collect();
        acct.put_user_policy("dev", "p", &allow(&format!("[{}]", actions.join(",")), "*"))
            .unwrap();
        acct.create_role(
            "target",
            &trust(&format!(r#"{{"Service":"{}"}}"#, m.service)),
        )
        .unwrap();
        acct.attach_role_policy("target", ADMIN).unwrap();
        // A role trusting another service is not reachable through this method.
        acct.create_role(
            "other",
            &trust(r#"{"Service":"iamkit-test.amazonaws.com"}"#),
        )
        .unwrap();
        acct.attach_role_policy("other", ADMIN).unwrap();
        if m.instance_profile {
            acct.create_instance_profile("ip", None).unwrap();
            acct.add_role_to_instance_profile("ip", "target").unwrap();
        }
        let g = ReachGraph::build(&acct).unwrap();
        let edges: Vec<_> = g
            .edges_from(&user("dev"))
            .filter(|e| e.method == m.id)
            .collect();
        assert_eq!(edges.len(), 1, "{}", m.id);
        let e = edges[0];
        assert_eq!(e.to, role("target"), "{}", m.id);
        assert!(e.description.contains("role target"), "{}", e.description);
        assert_eq!(e.service.as_deref(), Some(m.service));
        // PassRole (when the method passes the role), each service action, and the trust
        // statement are cited.
        let passes = usize::from(m.pass_role);
        assert_eq!(e.evidence.len(), m.actions.len() + 1 + passes, "{}", m.id);
        let first = if m.pass_role {
            "iam:PassRole"
        } else {
            m.actions[0]
        };
        assert_eq!(e.evidence[0].action, first);
        let kind = if m.pass_role {
            EdgeKind::PassRole
        } else {
            EdgeKind::ServiceAction
        };
        assert_eq!(e.kind, kind);
        let expected = if m.needs_existing_resource {
            Access::Conditional
        } else {
            Access::Allowed
        };
        assert_eq!(e.access, expected, "{}", m.id);
        let esc = g.escalations_of(&user("dev")).unwrap();
        assert_eq!(esc[0].target, role("target"));
    }
}

#[test]
fn passed_to_service_condition_and_instance_profiles() {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("dev", None).unwrap();
    acct.put_user_policy(
        "dev",
        "p",
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
           "Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
          {"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction","ec2:RunInstances"],"Resource":"*"}]}"#,
    )
    .unwrap();
    acct.create_role(
        "both",
        &trust(r#"{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]}"#),
    )
    .unwrap();
    acct.create_instance_profile("ip", None).unwrap();
    acct.add_role_to_instance_profile("ip", "both").unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    let methods: Vec<&str> = g
        .edges_from(&user("dev"))
        .map(|e| e.method.as_str())
        .collect();
    assert_eq!(methods, ["PassRoleLambdaInvoke"]);
    // EC2 without an instance profile needs iam:CreateInstanceProfile + AddRoleToInstanceProfile.
    let mut acct = Account::new(A).unwrap();
    acct.create_user("dev", None).unwrap();
    acct.put_user_policy(
        "dev",
        "p",
        &allow(r#"["iam:PassRole","ec2:RunInstances"]"#, "*"),
    )
    .unwrap();
    acct.create_role("r", &trust(r#"{"Service":"ec2.amazonaws.com"}"#))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert_eq!(g.edges_from(&user("dev")).count(), 0);
    acct.put_user_policy(
        "dev",
        "ip",
        &allow(
            r#"["iam:CreateInstanceProfile","iam:AddRoleToInstanceProfile"]"#,
            "*",
        ),
    )
    .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    let e: Vec<_> = g.edges_from(&user("dev")).collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].evidence.len(), 5);
}

#[test]
fn credential_edges_and_a_boundary_that_cuts_them() {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("helpdesk", None).unwrap();
    acct.put_user_policy(
        "helpdesk",
        "p",
        &allow(
            r#"["iam:CreateAccessKey","iam:UpdateLoginProfile","iam:CreateLoginProfile"]"#,
            "*",
        ),
    )
    .unwrap();
    acct.create_user("boss", None).unwrap();
    acct.attach_user_policy("boss", ADMIN).unwrap();
    acct.create_login_profile("boss", "Str0ng-Passw0rd!", false)
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    let mut m: Vec<&str> = g
        .edges_from(&user("helpdesk"))
        .map(|e| e.method.as_str())
        .collect();
    m.sort_unstable();
    // boss has a password: UpdateLoginProfile, not CreateLoginProfile.
    assert_eq!(m, ["CreateAccessKey", "UpdateLoginProfile"]);
    let e = &g.escalations_of(&user("helpdesk")).unwrap()[0];
    assert_eq!(e.target, user("boss"));
    // The statement is cited with its position.
    let s = &g.edge(e.steps[0]).unwrap().evidence[0].statements[0];
    assert_eq!(
        (s.policy.as_deref(), s.sid.as_deref(), s.line),
        (Some("p"), Some("S"), 1)
    );
    assert!(s.column > 1);
    // A permissions boundary allowing only S3 cuts every edge.
    acct.create_policy("s3-only", &allow(r#""s3:*""#, "*"), None, None)
        .unwrap();
    acct.put_user_permissions_boundary("helpdesk", &format!("arn:aws:iam::{A}:policy/s3-only"))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert_eq!(g.edges_from(&user("helpdesk")).count(), 0);
    assert!(matches!(
        g.admin_status(&user("helpdesk")).unwrap(),
        AdminStatus::No
    ));
}

#[test]
fn scp_cuts_a_path() {
    let mut mgmt = Account::new("999988887777").unwrap();
    mgmt.create_user("m", None).unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let root = org.root_id().to_string();
    org.add_account(chain(), &root).unwrap();
    let g = ReachGraph::build(&org).unwrap();
    assert_eq!(g.reach(&user("u")).unwrap().len(), 3);
    let deny = org
        .create_policy(
            "no-assume",
            OrgPolicyType::ServiceControlPolicy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        )
        .unwrap();
    org.attach_policy(&deny, A).unwrap();
    let g = ReachGraph::build(&org).unwrap();
    assert!(g.reach(&user("u")).unwrap().is_empty());
    assert!(matches!(
        g.admin_status(&user("u")).unwrap(),
        AdminStatus::No
    ));
    // Nodes carry their account.
    assert_eq!(g.node(&user("u")).unwrap().account, A);
    assert_eq!(
        g.node("arn:aws:iam::999988887777:user/m").unwrap().account,
        "999988887777"
    );
}

#[test]
fn self_edits_and_policy_arn_conditions() {
    let mut acct = Account::new(A).unwrap();
    // PutUserPolicy on itself only: admin.
    acct.create_user("self", None).unwrap();
    acct.put_user_policy(
        "self",
        "p",
        &allow(
            r#""iam:PutUserPolicy""#,
            &format!("arn:aws:iam::{A}:user/${{aws:username}}"),
        ),
    )
    .unwrap();
    // AttachUserPolicy limited to ReadOnlyAccess by iam:PolicyARN: not admin.
    acct.create_user("ro", None).unwrap();
    acct.put_user_policy(
        "ro",
        "p",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"*",
            "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}"#,
    )
    .unwrap();
    // A group member who can write its group's inline policy: admin.
    acct.create_group("g", None).unwrap();
    acct.create_user("member", None).unwrap();
    acct.add_user_to_group("g", "member").unwrap();
    acct.put_group_policy("g", "gp", &allow(r#""iam:PutGroupPolicy""#, "*"))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert_eq!(
        g.node(&user("self"))
            .unwrap()
            .admin
            .as_ref()
            .unwrap()
            .method,
        "PutUserPolicy"
    );
    assert!(g.node(&user("ro")).unwrap().admin.is_none());
    let m = g.node(&user("member")).unwrap().admin.as_ref().unwrap();
    assert_eq!(m.method, "PutGroupPolicy");
    assert_eq!(
        m.evidence[0].statements[0].attached_via.as_deref(),
        Some("group g (inline)")
    );
}

#[test]
fn editing_a_reachable_role_escalates() {
    let mut acct = Account::new(A).unwrap();
    acct.create_user("u", None).unwrap();
    acct.create_role("r", &trust(&format!(r#"{{"AWS":"{}"}}"#, user("u"))))
        .unwrap();
    acct.put_user_policy("u", "p", &allow(r#""iam:PutRolePolicy""#, &role("r")))
        .unwrap();
    let g = ReachGraph::build(&acct).unwrap();
    assert!(g.node(&role("r")).unwrap().admin.is_none());
    let e = &g.escalations_of(&user("u")).unwrap()[0];
    assert_eq!(e.target, role("r"));
    let kinds: Vec<EdgeKind> = e.steps.iter().map(|&i| g.edge(i).unwrap().kind).collect();
    assert_eq!(kinds, [EdgeKind::EditPolicy, EdgeKind::AssumeRole]);
}

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../iam-parser/tests/data/account-authorization-details/"
);

fn load(file: &str) -> Account {
    let text = std::fs::read_to_string(format!("{DATA}{file}")).unwrap();
    let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
    Account::from_authorization_details(&details).unwrap()
}

#[test]
fn real_snapshots_build_and_admins_are_sane() {
    for f in [
        "cloudmapper-demo.json",
        "cloudsplaining-example.json",
        "cloudsplaining-test-authz-details-for-overrides-complete.json",
        "cloudsplaining-test-example-authz-details.json",
        "cloudsplaining-test-example-authz-v2.json",
    ] {
        let acct = load(f);
        let g = ReachGraph::build(&acct).unwrap();
        for n in &g.nodes {
            if n.kind != iam_analysis::NodeKind::Service {
                g.reach(&n.arn).unwrap();
                g.admin_status(&n.arn).unwrap();
            }
        }
        serde_json::to_string(&g).unwrap();
    }
    let g = ReachGraph::build(&load("cloudmapper-demo.json")).unwrap();
    let demo = |n: &str| format!("arn:aws:iam::123456789012:role/{n}");
    assert!(g.node(&demo("bad_role")).unwrap().admin.is_some());
    assert!(g.node(&demo("exfiller")).unwrap().admin.is_none());

    // The iam-vulnerable account (BishopFox) of cloudsplaining's example: each privesc user's
    // intended method is found.
    let acct = load("cloudsplaining-example.json");
    let g = ReachGraph::build(&acct).unwrap();
    let u = |n: &str| format!("arn:aws:iam::200611803367:user/{n}");
    let r = |n: &str| format!("arn:aws:iam::200611803367:role/{n}");
    for n in [
        "privesc1-CreateNewPolicyVersion-user",
        "privesc7-AttachUserPolicy-user",
        "privesc8-AttachGroupPolicy-user",
        "privesc10-PutUserPolicy-user",
        "privesc11-PutGroupPolicy-user",
        "privesc13-AddUserToGroup-user",
        "privesc-sre-user",
    ] {
        assert!(g.node(&u(n)).unwrap().admin.is_some(), "{n}");
    }
    assert!(
        g.node(&r("OrganizationAccountAccessRole"))
            .unwrap()
            .admin
            .is_some()
    );
    for (n, method) in [
        (
            "privesc3-CreateEC2WithExistingInstanceProfile-user",
            "PassRoleEC2",
        ),
        ("privesc4-CreateAccessKey-user", "CreateAccessKey"),
        ("privesc5-CreateLoginProfile-user", "CreateLoginProfile"),
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
            "privesc18-PassExistingRoleToNewGlueDevEndpoint-user",
            "PassRoleGlueDevEndpoint",
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
        (
            "privesc-sageMakerCreateTrainingJobPassRole-user",
            "PassRoleSageMakerTrainingJob",
        ),
        (
            "privesc17-EditExistingLambdaFunctionWithRole-user",
            "UpdateFunctionCode",
        ),
        (
            "privesc19-UpdateExistingGlueDevEndpoint-user",
            "UpdateGlueDevEndpoint",
        ),
        ("privesc-ssmSendCommand-user", "SSMSendCommand"),
    ] {
        let e = g.escalations_of(&u(n)).unwrap();
        assert!(!e.is_empty(), "{n}");
        assert_eq!(g.edge(e[0].steps[0]).unwrap().method, method, "{n}");
    }
    // The two-hop role chain, and principals with nothing exploitable.
    let e = g
        .escalations_of(&r("privesc-AssumeRole-starting-role"))
        .unwrap();
    assert_eq!(e[0].target, r("privesc-AssumeRole-ending-role"));
    assert_eq!(e[0].steps.len(), 2);
    for n in [
        "fp1-allow-and-deny-user",
        "fp3-deny-iam-user",
        "fp4-nonExploitableResourceConstraint-user",
    ] {
        assert!(
            matches!(g.admin_status(&u(n)).unwrap(), AdminStatus::No),
            "{n}"
        );
    }
    // PassRole edges name the role.
    let e = g
        .escalations_of(&u("privesc3-CreateEC2WithExistingInstanceProfile-user"))
        .unwrap();
    assert!(
        g.edge(e[0].steps[0])
            .unwrap()
            .description
            .contains("privesc-high-priv-service-role")
    );
}
