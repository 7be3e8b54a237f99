//! Cross-account edges of the reach graph on hand-built organizations whose paths are known by
//! construction (spec §5.6 role assumption, §5.8 cross-account requests, §5.10 management
//! account exemptions).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::{Account, Organization};
use iam_analysis::{EdgeKind, ReachGraph, Target};
use iam_model::entities::OrgPolicyType;

const M: &str = "999999999999";
const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";

fn arn(account: &str, kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}/{name}")
}

fn trust(aws: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{aws}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Hop","Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// M (management, root) · OU "Work" ⊃ A, B · OU "Data" ⊃ C.
/// A:user/u (may assume B:role/rb) → B:role/rb (trusts A's root; may assume anything) →
/// C:role/rc (trusts rb's ARN). A:user/v has no policy. A:user/admin is an administrator.
fn build_org() -> (Organization, String, String) {
    let mut mgmt = Account::new(M).unwrap();
    mgmt.create_user("m", None).unwrap();
    mgmt.put_user_policy("m", "hop", &allow("sts:AssumeRole", "*"))
        .unwrap();
    let mut org = Organization::new(mgmt).unwrap();
    let root = org.root_id().to_string();
    let work = org.create_organizational_unit(&root, "Work").unwrap();
    let data = org.create_organizational_unit(&root, "Data").unwrap();

    let mut a = Account::new(A).unwrap();
    a.create_user("u", None).unwrap();
    a.put_user_policy("u", "hop", &allow("sts:AssumeRole", &arn(B, "role", "rb")))
        .unwrap();
    a.create_user("v", None).unwrap();
    a.create_user("admin", None).unwrap();
    a.attach_user_policy("admin", ADMIN).unwrap();
    org.add_account(a, &work).unwrap();

    let mut b = Account::new(B).unwrap();
    b.create_role("rb", &trust(&format!("arn:aws:iam::{A}:root")))
        .unwrap();
    b.put_role_policy("rb", "hop", &allow("sts:AssumeRole", "*"))
        .unwrap();
    org.add_account(b, &work).unwrap();

    let mut c = Account::new(C).unwrap();
    c.create_role("rc", &trust(&arn(B, "role", "rb"))).unwrap();
    org.add_account(c, &data).unwrap();
    (org, work, data)
}

fn targets(g: &ReachGraph, from: &str) -> Vec<(String, usize)> {
    g.reach(from)
        .unwrap()
        .into_iter()
        .map(|p| (p.target, p.steps.len()))
        .collect()
}

fn scp(org: &mut Organization, name: &str, doc: &str, target: &str) {
    let p = org
        .create_policy(name, OrgPolicyType::ServiceControlPolicy, doc)
        .unwrap();
    org.attach_policy(&p, target).unwrap();
}

fn rcp(org: &mut Organization, name: &str, doc: &str, target: &str) {
    let p = org
        .create_policy(name, OrgPolicyType::ResourceControlPolicy, doc)
        .unwrap();
    org.attach_policy(&p, target).unwrap();
}

const DENY_ASSUME_SCP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#;

#[test]
fn a_chain_across_three_accounts() {
    let (org, _, _) = build_org();
    let g = ReachGraph::build(&org).unwrap();
    let u = arn(A, "user", "u");
    assert_eq!(
        targets(&g, &u),
        [(arn(B, "role", "rb"), 1), (arn(C, "role", "rc"), 2)]
    );
    let path = g.reach(&u).unwrap();
    let first = g.edge(path[1].steps[0]).unwrap();
    let second = g.edge(path[1].steps[1]).unwrap();
    assert_eq!(
        (first.kind, second.kind),
        (EdgeKind::AssumeRole, EdgeKind::AssumeRole)
    );
    assert_eq!(g.node(&arn(C, "role", "rc")).unwrap().account, C);
    // Both sides are named: u's identity statement and rb's trust policy.
    let layers: Vec<&str> = first.evidence[0]
        .statements
        .iter()
        .map(|s| s.layer.as_str())
        .collect();
    assert!(layers.contains(&"identity"), "{layers:?}");
    assert!(
        first.evidence[0]
            .statements
            .iter()
            .any(|s| s.policy.as_deref() == Some("trust policy of rb")),
        "{:?}",
        first.evidence[0].statements
    );
    // A trust naming the account root without an identity-side allow gives nothing.
    assert!(targets(&g, &arn(A, "user", "v")).is_empty());
    // The same answer from the organization's authorizer, request by request.
    let ctx = iam_eval::Context::new();
    for (who, allowed) in [(&u, true), (&arn(A, "user", "v"), false)] {
        let d = org
            .authorize(who, "sts:AssumeRole", &arn(B, "role", "rb"), &ctx)
            .unwrap();
        assert_eq!(d.decision.is_allowed(), allowed, "{who}");
    }
}

#[test]
fn a_trust_naming_a_foreign_principal_still_needs_its_identity_allow() {
    let (mut org, _, _) = build_org();
    // C:role/direct trusts A:user/v by ARN; v has no identity policy: across accounts the
    // trust alone is not enough (spec §5.6 "Cross-account").
    org.account_mut(C)
        .unwrap()
        .create_role("direct", &trust(&arn(A, "user", "v")))
        .unwrap();
    let g = ReachGraph::build(&org).unwrap();
    assert!(targets(&g, &arn(A, "user", "v")).is_empty());
    org.account_mut(A)
        .unwrap()
        .put_user_policy(
            "v",
            "hop",
            &allow("sts:AssumeRole", &arn(C, "role", "direct")),
        )
        .unwrap();
    let g = ReachGraph::build(&org).unwrap();
    assert_eq!(
        targets(&g, &arn(A, "user", "v")),
        [(arn(C, "role", "direct"), 1)]
    );
}

#[test]
fn an_scp_on_the_callers_ou_cuts_the_hop() {
    let (mut org, work, _) = build_org();
    // Denying sts:AssumeRole in B's OU (Work, which holds A too) cuts every hop made by A's
    // and B's principals.
    scp(&mut org, "NoAssume", DENY_ASSUME_SCP, &work);
    let g = ReachGraph::build(&org).unwrap();
    assert!(targets(&g, &arn(A, "user", "u")).is_empty());
    // Only on B: u → rb still works, rb → rc does not.
    let (mut org, _, _) = build_org();
    scp(&mut org, "NoAssume", DENY_ASSUME_SCP, B);
    let g = ReachGraph::build(&org).unwrap();
    assert_eq!(
        targets(&g, &arn(A, "user", "u")),
        [(arn(B, "role", "rb"), 1)]
    );
}

#[test]
fn an_rcp_blocks_a_foreign_caller() {
    let (mut org, _, data) = build_org();
    // RCPs limit who reaches the resources of C's path: nobody outside C may assume its roles.
    rcp(
        &mut org,
        "OnlyOwnAccount",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringNotEquals":{{"aws:PrincipalAccount":"{C}"}}}}}}]}}"#
        ),
        &data,
    );
    let g = ReachGraph::build(&org).unwrap();
    assert_eq!(
        targets(&g, &arn(A, "user", "u")),
        [(arn(B, "role", "rb"), 1)]
    );
    assert!(targets(&g, &arn(B, "role", "rb")).is_empty());
}

#[test]
fn the_management_account_is_exempt() {
    let (mut org, _, _) = build_org();
    // An SCP at the root denies every member's sts:AssumeRole, and an RCP at the root denies
    // assuming any role from outside the organization's management account. The management
    // account's principals (SCPs) and resources (RCPs) are exempt (spec §5.10).
    let root = org.root_id().to_string();
    scp(&mut org, "NoAssume", DENY_ASSUME_SCP, &root);
    org.account_mut(B)
        .unwrap()
        .create_role("fromm", &trust(&format!("arn:aws:iam::{M}:root")))
        .unwrap();
    org.account_mut(M)
        .unwrap()
        .create_role("mrole", &trust(&format!("arn:aws:iam::{A}:root")))
        .unwrap();
    let g = ReachGraph::build(&org).unwrap();
    // m (management) still assumes B's role; mrole trusts A, not M.
    assert_eq!(
        targets(&g, &arn(M, "user", "m")),
        [(arn(B, "role", "fromm"), 1)]
    );
    assert!(targets(&g, &arn(A, "user", "u")).is_empty());
    // RCP side: with the SCP gone and an RCP denying foreign callers at the root, u can no
    // longer reach B's role, but can assume the management account's role (u may assume rb
    // only; give it sts:AssumeRole on mrole too).
    let (mut org, _, _) = build_org();
    let root = org.root_id().to_string();
    rcp(
        &mut org,
        "NoForeign",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalAccount":"999999999999"}}}]}"#,
        &root,
    );
    org.account_mut(M)
        .unwrap()
        .create_role("mrole", &trust(&format!("arn:aws:iam::{A}:root")))
        .unwrap();
    org.account_mut(A)
        .unwrap()
        .put_user_policy(
            "u",
            "hop2",
            &allow("sts:AssumeRole", &arn(M, "role", "mrole")),
        )
        .unwrap();
    let g = ReachGraph::build(&org).unwrap();
    assert_eq!(
        targets(&g, &arn(A, "user", "u")),
        [(arn(M, "role", "mrole"), 1)]
    );
}

#[test]
fn an_admin_reaches_its_own_account_and_only_trusting_roles_elsewhere() {
    let (org, _, _) = build_org();
    let g = ReachGraph::build(&org).unwrap();
    let admin = arn(A, "user", "admin");
    assert!(g.node(&admin).unwrap().admin.is_some());
    let got = targets(&g, &admin);
    assert_eq!(
        got,
        [
            (arn(A, "user", "u"), 0),
            (arn(A, "user", "v"), 0),
            (arn(B, "role", "rb"), 1),
            (arn(C, "role", "rc"), 2),
        ]
    );
    // Nothing of the management account: it trusts nobody in A.
    assert!(got.iter().all(|(t, _)| !t.contains(M)));
    // Every node of the organization is there, each with its account.
    let principals = Target::from(&org).principals();
    for p in &principals {
        let n = g.node(p).unwrap();
        assert_eq!(n.account, p.split(':').nth(4).unwrap());
    }
}

#[test]
fn parts_built_per_account_merge_into_the_whole_graph() {
    let (mut org, _, _) = build_org();
    org.account_mut(C)
        .unwrap()
        .create_role("svc", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .unwrap();
    let whole = ReachGraph::build(&org).unwrap();
    let parts: Vec<ReachGraph> = [vec![M, C], vec![A], vec![B]]
        .iter()
        .map(|ids| ReachGraph::build_for(&org, Some(ids)).unwrap())
        .collect();
    // Parts travel as JSON between processes.
    let parts = parts
        .iter()
        .map(|p| ReachGraph::from_json(&p.to_json()).unwrap())
        .collect();
    let merged = ReachGraph::merge(parts);
    assert_eq!(merged.to_json(), whole.to_json());
    assert_eq!(
        merged.reach(&arn(A, "user", "u")).unwrap(),
        whole.reach(&arn(A, "user", "u")).unwrap()
    );
    assert!(ReachGraph::from_json("{").is_err());
}
