//! The access matrix's shared rows (issue #14 part 4): principals with the same policies share
//! one stored row, and every row is exactly the row computed for that principal alone.
#![allow(clippy::unwrap_used)]

use iam_account::Account;
use iam_analysis::{access_matrix, access_matrix_among, row_classes};

const ACCT: &str = "111122223333";

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn account() -> Account {
    let mut a = Account::new(ACCT).unwrap();
    let shared = a
        .create_policy(
            "shared",
            &doc(r#"{"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":"*"}"#),
            None,
            None,
        )
        .unwrap()
        .arn
        .clone();
    // a group policy that depends on the principal's tag: its holders must not share a row
    let tagged = a
        .create_policy(
            "tagged",
            &doc(
                r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}"#,
            ),
            None,
            None,
        )
        .unwrap()
        .arn
        .clone();
    let boundary = a
        .create_policy(
            "boundary",
            &doc(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#),
            None,
            None,
        )
        .unwrap()
        .arn
        .clone();
    a.create_group("readers", None).unwrap();
    a.attach_group_policy("readers", &shared).unwrap();
    a.create_group("ops", None).unwrap();
    a.attach_group_policy("ops", &tagged).unwrap();
    for i in 0..12 {
        let u = format!("u{i}");
        a.create_user(&u, None).unwrap();
        a.add_user_to_group("readers", &u).unwrap();
        if i % 4 == 0 {
            a.add_user_to_group("ops", &u).unwrap();
            let team = if i == 0 { "red" } else { "blue" };
            a.tag_user(&u, &[("team".to_string(), team.to_string())])
                .unwrap();
        }
        if i % 3 == 1 {
            a.put_user_permissions_boundary(&u, &boundary).unwrap();
        }
        if i == 5 {
            a.put_user_policy(
                &u,
                "home",
                &doc(
                    r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#,
                ),
            )
            .unwrap();
        }
    }
    a
}

#[test]
fn shared_rows_equal_rows_computed_alone() {
    let a = account();
    let patterns = [
        "s3:*",
        "iam:PassRole",
        "ec2:RunInstances",
        "ec2:DescribeInstances",
    ];
    let m = access_matrix(&a, &patterns, 2).unwrap();
    assert_eq!(m.principals.len(), 12);
    // readers only (8 users: two classes, with and without the boundary), 3 ops members each
    // alone (their group policy reads a principal tag), u5 alone (a policy variable)
    assert!(
        m.distinct_rows() < 12,
        "{} distinct rows",
        m.distinct_rows()
    );
    let classes = row_classes(&a).unwrap();
    assert_eq!(classes.representatives.len(), m.distinct_rows());
    for (r, p) in m.principals.iter().enumerate() {
        let alone = access_matrix_among(&a, std::slice::from_ref(p), &patterns, 1).unwrap();
        assert_eq!(alone.row(0), m.row(r), "{p}");
        assert_eq!(Some(classes.class_of[r] as usize), m.row_class(r));
    }
    let run = |u: &str| m.lookup(&format!("arn:aws:iam::{ACCT}:user/{u}"), "ec2:RunInstances");
    assert!(run("u0").is_some(), "the red team member may run instances");
    assert!(run("u4").is_none() && run("u8").is_none());
    let put = |u: &str| m.lookup(&format!("arn:aws:iam::{ACCT}:user/{u}"), "s3:PutObject");
    assert!(put("u5").is_some() && put("u6").is_none());
    // the same principals with and without the boundary differ (u1 has it, u2 does not)
    let pass = |u: &str| m.lookup(&format!("arn:aws:iam::{ACCT}:user/{u}"), "iam:PassRole");
    assert!(pass("u1").is_none() && pass("u2").is_some());
    let class = |u: &str| {
        let arn = format!("arn:aws:iam::{ACCT}:user/{u}");
        m.row_class(m.principals.iter().position(|p| *p == arn).unwrap())
    };
    assert_ne!(class("u1"), class("u2"));
    assert_eq!(class("u2"), class("u3")); // readers, no boundary, no tag: one row
    assert_eq!(class("u1"), class("u7")); // readers with the boundary: one row
    assert_ne!(class("u4"), class("u8")); // tag-dependent group policy: a row each
}

#[test]
fn who_can_shared_classes_equal_principals_decided_alone() {
    let a = account();
    let ctx = iam_eval::Context::new();
    let all = iam_analysis::Target::from(&a).principals();
    for (action, resource) in [
        ("s3:*", "*"),
        ("iam:PassRole", "*"),
        ("ec2:RunInstances", "*"),
    ] {
        let who = iam_analysis::who_can(&a, action, resource, &ctx).unwrap();
        let mut alone = Vec::new();
        for p in &all {
            alone.extend(
                iam_analysis::who_can_among(&a, std::slice::from_ref(p), action, resource, &ctx)
                    .unwrap(),
            );
        }
        alone.sort_by(|x, y| (&x.action, &x.principal).cmp(&(&y.action, &y.principal)));
        assert_eq!(who, alone, "{action}");
        assert!(!who.is_empty());
    }
}
