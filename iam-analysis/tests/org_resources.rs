//! Cross-account edges from resource-based policies, on hand-built organizations whose answers
//! are known by construction: spec §5.8 (across accounts both the caller's identity policies
//! and the resource's policy must allow; SCPs of the caller's account and RCPs of the
//! resource's account apply), §5.10 (the management account is exempt from both),
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>
//! and <https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html>.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{Account, Organization};
use iam_analysis::{Access, EdgeKind, NodeKind, ReachGraph};
use iam_eval::{Context, Layer};
use iam_model::entities::OrgPolicyType;

const M: &str = "999999999999";
const A: &str = "111111111111";
const B: &str = "222222222222";

const BUCKET: &str = "arn:aws:s3:::b-data";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:222222222222:function:etl";

fn arn(account: &str, kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}/{name}")
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Id","Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// B's bucket policy: A's role `reader` may get objects (statement 1, Sid `Foreign`).
fn bucket_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Sid":"Own","Effect":"Allow","Principal":{{"AWS":"{B}"}},"Action":"s3:*","Resource":"{BUCKET}/*"}},
  {{"Sid":"Foreign","Effect":"Allow","Principal":{{"AWS":"{reader}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#,
        reader = arn(A, "role", "reader")
    )
}

/// M (management) · A and B under the root. A has roles `reader` (identity policy `grant`
/// over s3:GetObject when `identity` is true) and `dev` (may update any Lambda code). B has the
/// bucket `b-data` (policy above) and the function `etl` running as B's role `exec`, whose
/// function policy lets A's account update its code.
fn build(identity: bool) -> Organization {
    build_with(identity, "lambda:UpdateFunctionCode")
}

/// [`build`] with `function_action` in both dev's identity policy and the function policy.
fn build_with(identity: bool, function_action: &str) -> Organization {
    let mgmt = Account::new(M).unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let root = org.root_id().to_string();
    let trust_a = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{A}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let mut a = Account::new(A).unwrap();
    a.create_role("reader", &trust_a).unwrap();
    if identity {
        a.put_role_policy("reader", "grant", &allow("s3:GetObject", "*"))
            .unwrap();
    }
    a.create_role("dev", &trust_a).unwrap();
    a.put_role_policy("dev", "code", &allow(function_action, "*"))
        .unwrap();
    org.add_account(a, &root).unwrap();

    let mut b = Account::new(B).unwrap();
    b.create_role(
        "exec",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    b.attach_role_policy("exec", "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    b.put_resource_policy(BUCKET, &bucket_policy()).unwrap();
    b.put_resource_policy(
        FUNCTION,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Code","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"{function_action}","Resource":"{FUNCTION}"}}]}}"#
        ),
    )
    .unwrap();
    b.set_resource_role(FUNCTION, &arn(B, "role", "exec"))
        .unwrap();
    org.add_account(b, &root).unwrap();
    org
}

fn access_edge<'g>(g: &'g ReachGraph, from: &str, to: &str) -> Option<&'g iam_analysis::Edge> {
    g.edges_from(from)
        .find(|e| e.to == to && e.kind == EdgeKind::ResourceAccess)
}

fn policy(org: &mut Organization, t: OrgPolicyType, name: &str, doc: &str, target: &str) {
    let p = org.create_policy(name, t, doc).unwrap();
    org.attach_policy(&p, target).unwrap();
}

#[test]
fn a_bucket_policy_grant_needs_the_callers_identity_policy_too() {
    let reader = arn(A, "role", "reader");
    let g = ReachGraph::build(&build(true)).unwrap();
    assert_eq!(g.node(BUCKET).unwrap().kind, NodeKind::Resource);
    assert_eq!(g.node(BUCKET).unwrap().account, B);
    let e = access_edge(&g, &reader, BUCKET).expect("reader reaches the bucket");
    assert_eq!(e.access, Access::Allowed);
    assert_eq!(e.method, "ResourcePolicy");
    let actions: Vec<&str> = e.evidence.iter().map(|v| v.action.as_str()).collect();
    assert_eq!(actions, ["s3:GetObject"]);
    // Both sides' statements, with positions: the identity grant and the bucket policy's
    // statement 1 (Sid Foreign) on line 3.
    let st = &e.evidence[0].statements;
    let identity = st.iter().find(|s| s.layer == "identity").unwrap();
    assert_eq!(identity.policy.as_deref(), Some("grant"));
    let resource = st.iter().find(|s| s.layer == "resource").unwrap();
    assert_eq!((resource.statement, resource.sid.as_deref()), (1, Some("Foreign")));
    assert_eq!(resource.line, 3);
    assert_eq!(resource.policy_arn.as_deref(), Some(BUCKET));
    // Access is not becoming: the bucket is not in reach() paths.
    assert!(g.reach(&reader).unwrap().iter().all(|p| p.target != BUCKET));

    // Without A's identity Allow, B's grant naming the role's ARN is not enough (§5.8).
    let g = ReachGraph::build(&build(false)).unwrap();
    assert!(access_edge(&g, &reader, BUCKET).is_none());
    // dev has no s3 permission, and B's own statement names B only.
    assert!(access_edge(&g, &arn(A, "role", "dev"), BUCKET).is_none());
}

#[test]
fn an_rcp_denying_foreign_access_cuts_the_edge() {
    let mut org = build(true);
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
        "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalAccount":"222222222222"}}}]}"#;
    policy(&mut org, OrgPolicyType::ResourceControlPolicy, "OwnOnly", deny, B);
    let g = ReachGraph::build(&org).unwrap();
    assert!(access_edge(&g, &arn(A, "role", "reader"), BUCKET).is_none());
    // The RCP is on B, whose bucket it is; it does not touch the Lambda edge (lambda:*).
    assert!(
        g.edges_from(&arn(A, "role", "dev"))
            .any(|e| e.to == arn(B, "role", "exec"))
    );
}

#[test]
fn an_scp_on_the_callers_account_cuts_the_edge() {
    let mut org = build(true);
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;
    policy(&mut org, OrgPolicyType::ServiceControlPolicy, "NoGet", deny, A);
    let g = ReachGraph::build(&org).unwrap();
    assert!(access_edge(&g, &arn(A, "role", "reader"), BUCKET).is_none());
}

#[test]
fn the_management_account_is_exempt_from_scps_and_rcps() {
    // The same grant to a role of the management account, with an SCP on the root and an RCP
    // on B that both deny: the SCP does not apply to M's principals (§5.10), so only the RCP on
    // the resource's account (a member) cuts it.
    let mut m = Account::new(M).unwrap();
    m.create_role(
        "ops",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    m.put_role_policy("ops", "grant", &allow("s3:GetObject", "*"))
        .unwrap();
    let mut b = Account::new(B).unwrap();
    b.put_resource_policy(
        BUCKET,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#,
            arn(M, "role", "ops")
        ),
    )
    .unwrap();
    let mut org2 = Organization::new(m).unwrap();
    let root = org2.root_id().to_string();
    org2.add_account(b, &root).unwrap();
    let deny_scp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    policy(&mut org2, OrgPolicyType::ServiceControlPolicy, "NoS3", deny_scp, &root);
    let ops = arn(M, "role", "ops");
    let g = ReachGraph::build(&org2).unwrap();
    assert!(access_edge(&g, &ops, BUCKET).is_some(), "SCPs do not apply to M");
    let deny_rcp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
    policy(&mut org2, OrgPolicyType::ResourceControlPolicy, "NoS3R", deny_rcp, B);
    let g = ReachGraph::build(&org2).unwrap();
    assert!(access_edge(&g, &ops, BUCKET).is_none(), "B's RCPs apply");
}

#[test]
fn a_lambda_function_policy_across_accounts_becomes_the_execution_role() {
    let org = build(true);
    let dev = arn(A, "role", "dev");
    let exec = arn(B, "role", "exec");
    let g = ReachGraph::build(&org).unwrap();
    let e = g
        .edges_from(&dev)
        .find(|e| e.to == exec)
        .expect("dev becomes B's exec role");
    assert_eq!(e.kind, EdgeKind::ServiceAction);
    assert!(e.kind.becomes());
    assert_eq!(e.method, "CrossAccountUpdateFunctionCode");
    assert_eq!(e.access, Access::Allowed);
    assert_eq!(e.evidence[0].action, "lambda:UpdateFunctionCode");
    assert!(
        e.evidence[0]
            .statements
            .iter()
            .any(|s| s.layer == "resource" && s.sid.as_deref() == Some("Code"))
    );
    assert_eq!(e.evidence[1].action, "sts:AssumeRole"); // exec trusts Lambda
    // exec is an administrator: dev escalates through the other account's function.
    let paths = g.reach(&dev).unwrap();
    assert!(paths.iter().any(|p| p.target == exec && p.steps.len() == 1));
    let esc = g.escalations_of(&dev).unwrap();
    assert_eq!(esc[0].target, exec);
    // reader may not update code: no such edge.
    assert!(g.edges_from(&arn(A, "role", "reader")).all(|e| e.to != exec));
}

#[test]
fn invoking_a_foreign_function_is_a_conditional_edge() {
    let org = build_with(true, "lambda:InvokeFunction");
    let g = ReachGraph::build(&org).unwrap();
    let e = g
        .edges_from(&arn(A, "role", "dev"))
        .find(|e| e.to == arn(B, "role", "exec"))
        .unwrap();
    assert_eq!(e.method, "CrossAccountInvokeFunction");
    assert_eq!(e.access, Access::Conditional);
}

#[test]
fn parts_built_per_account_merge_into_the_whole_graph() {
    let org = build(true);
    let need = iam_analysis::reach::trusting_accounts(&org, &[A]);
    assert!(need.contains(&B.to_string()), "B's resource policies name A");
    let parts = vec![
        ReachGraph::build_for(&org, Some(&[A])).unwrap(),
        ReachGraph::build_for(&org, Some(&[B])).unwrap(),
        ReachGraph::build_for(&org, Some(&[M])).unwrap(),
    ];
    let whole = ReachGraph::build(&org).unwrap();
    assert_eq!(ReachGraph::merge(parts).to_json(), whole.to_json());
    let again = ReachGraph::from_json(&whole.to_json()).unwrap();
    assert_eq!(again.to_json(), whole.to_json());
}

#[test]
fn parts_built_per_chunk_of_principals_merge_into_the_whole_graph() {
    let org = build(true);
    let whole = ReachGraph::build(&org).unwrap();
    let principals = iam_analysis::Target::from(&org).principals();
    for size in [1, 2, 3] {
        let parts = principals
            .chunks(size)
            .map(|c| ReachGraph::build_among(&org, c).unwrap())
            .collect();
        assert_eq!(ReachGraph::merge(parts).to_json(), whole.to_json(), "chunks of {size}");
    }
}

#[test]
fn org_wide_who_can_lists_the_foreign_principal_with_the_resource_statement() {
    let org = build(true);
    let who = iam_analysis::who_can(
        &org,
        "s3:GetObject",
        "arn:aws:s3:::b-data/report.csv",
        &Context::new(),
    )
    .unwrap();
    let reader = who
        .iter()
        .find(|w| w.principal == arn(A, "role", "reader"))
        .expect("A's reader is granted by B's bucket policy");
    let st = reader
        .statements
        .iter()
        .find(|s| s.layer == Layer::Resource)
        .unwrap();
    assert_eq!((st.statement, st.sid.as_deref()), (1, Some("Foreign")));
    // Without A's identity Allow the foreign role is not listed.
    let who = iam_analysis::who_can(
        &build(false),
        "s3:GetObject",
        "arn:aws:s3:::b-data/report.csv",
        &Context::new(),
    )
    .unwrap();
    assert!(who.iter().all(|w| w.principal != arn(A, "role", "reader")));
}

/// An identity policy granting only a prefix of the bucket narrower than the bucket policy's
/// `b-data/*` still reaches it (an object under `reports/` is allowed by both sides); one on
/// another bucket does not.
#[test]
fn a_narrower_identity_grant_under_the_bucket_is_seen() {
    let reader = arn(A, "role", "reader");
    for (grant, reaches) in [
        (format!("{BUCKET}/reports/*"), true),
        ("arn:aws:s3:::other-bucket/*".to_string(), false),
    ] {
        let mut org = build(false);
        org.account_mut(A)
            .unwrap()
            .put_role_policy("reader", "grant", &allow("s3:GetObject", &grant))
            .unwrap();
        let g = ReachGraph::build(&org).unwrap();
        let e = access_edge(&g, &reader, BUCKET);
        assert_eq!(e.is_some(), reaches, "{grant}");
        if let Some(e) = e {
            let targets: Vec<(&str, &str)> = e
                .evidence
                .iter()
                .map(|v| (v.action.as_str(), v.resource.as_str()))
                .collect();
            assert_eq!(targets, [("s3:GetObject", grant.as_str())]);
            assert_eq!(e.access, Access::Allowed);
        }
    }
}
