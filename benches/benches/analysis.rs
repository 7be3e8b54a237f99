//! Access analysis (issue #5): `what_can` for a principal holding the AWS managed
//! ReadOnlyAccess over the whole catalog (22,091 actions), `who_can` over a synthetic account
//! of 5,000 principals, and the full access matrix of 1,000 principals × 22,091 actions on two
//! threads.
//!
//! `analysis/what_can_real_snapshots/*`: `what_can` for every user and role of the five real
//! `get-account-authorization-details` snapshots (the slowest one, and a sweep over all).
//!
//! ```text
//! cargo bench -p iamkit-benches --bench analysis -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p iamkit-benches --bench analysis -- --warm-up-time 1 --measurement-time 3 real_snapshots
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_account::{Account, Quotas};
use iam_analysis::{access_matrix, what_can, who_can};
use iam_eval::Context;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A 2-4 statement identity policy, varied by `i` and `j`.
fn policy(i: usize, j: usize) -> String {
    let svc = ["s3", "dynamodb", "sqs", "logs", "kms", "ec2", "lambda"][j % 7];
    let arn = if svc == "s3" {
        format!("arn:aws:s3:::app{i}-{j}/*")
    } else {
        format!("arn:aws:{svc}:us-east-1:123456789012:app{i}-{j}/*")
    };
    let mut st = vec![
        format!(
            r#"{{"Sid":"Read{j}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List*","{svc}:Describe*"],"Resource":"{arn}"}}"#
        ),
        format!(
            r#"{{"Sid":"Write{j}","Effect":"Allow","Action":["{svc}:Put*","{svc}:Update*"],"Resource":"{arn}","Condition":{{"StringEquals":{{"aws:RequestedRegion":"us-east-1"}}}}}}"#
        ),
    ];
    if (i + j).is_multiple_of(2) {
        st.push(format!(r#"{{"Sid":"Deny{j}","Effect":"Deny","Action":"{svc}:Delete*","Resource":"*","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"false"}}}}}}"#));
    }
    if (i + j).is_multiple_of(5) {
        st.push(format!(r#"{{"Sid":"Pass{j}","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app{i}-*"}}"#));
    }
    if (i + j).is_multiple_of(7) {
        st.push(r#"{"Sid":"PassAny","Effect":"Allow","Action":["iam:PassRole","iam:GetRole"],"Resource":"*"}"#.to_string());
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

const MANAGED: usize = 100;

/// `n` principals (half users, half roles), each with two inline policies and one customer
/// managed policy (from a pool of 100); one in four also holds ReadOnlyAccess, one in ten
/// PowerUserAccess, one in fifty AdministratorAccess.
fn synthetic(n: usize) -> Account {
    let mut a = Account::new("123456789012").unwrap();
    a.set_quotas(Quotas {
        roles: 5000,
        policies: 5000,
        ..Quotas::default()
    });
    let managed: Vec<String> = (0..MANAGED)
        .map(|k| {
            a.create_policy(&format!("pool{k}"), &policy(k, 1000 + k), None, None)
                .unwrap()
                .arn
                .clone()
        })
        .collect();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for i in 0..n {
        let user = i % 2 == 0;
        let name = format!("p{i}");
        if user {
            a.create_user(&name, None).unwrap();
        } else {
            a.create_role(&name, trust).unwrap();
        }
        let mut attach = vec![managed[i % MANAGED].clone()];
        if i % 4 == 0 {
            attach.push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
        }
        if i % 10 == 1 {
            attach.push("arn:aws:iam::aws:policy/PowerUserAccess".into());
        }
        if i % 50 == 2 {
            attach.push("arn:aws:iam::aws:policy/AdministratorAccess".into());
        }
        for j in 0..2 {
            let doc = policy(i, j);
            if user {
                a.put_user_policy(&name, &format!("inline{j}"), &doc)
                    .unwrap();
            } else {
                a.put_role_policy(&name, &format!("inline{j}"), &doc)
                    .unwrap();
            }
        }
        for arn in &attach {
            if user {
                a.attach_user_policy(&name, arn).unwrap();
            } else {
                a.attach_role_policy(&name, arn).unwrap();
            }
        }
    }
    a
}

fn bench(c: &mut Criterion) {
    // what_can over the catalog for a principal holding ReadOnlyAccess.
    let mut ro = Account::new("123456789012").unwrap();
    ro.create_user("reader", None).unwrap();
    ro.attach_user_policy("reader", "arn:aws:iam::aws:policy/ReadOnlyAccess")
        .unwrap();
    let reader = "arn:aws:iam::123456789012:user/reader";
    let w = what_can(&ro, reader).unwrap();
    eprintln!(
        "what_can(ReadOnlyAccess): {} allowed actions in {} services",
        w.len(),
        w.services.len()
    );
    // Warm: the same principal again (its compiled policy set is reused).
    c.bench_function("analysis/what_can_readonly_access", |b| {
        b.iter(|| black_box(what_can(&ro, black_box(reader)).unwrap()))
    });
    // Cold: 32 principals in turn, each with ReadOnlyAccess and an inline policy of its own,
    // more than the process keeps compiled: every call compiles.
    for i in 0..32 {
        let name = format!("reader{i}");
        ro.create_user(&name, None).unwrap();
        ro.attach_user_policy(&name, "arn:aws:iam::aws:policy/ReadOnlyAccess")
            .unwrap();
        ro.put_user_policy(&name, "own", &policy(i, 0)).unwrap();
    }
    let readers: Vec<String> = (0..32)
        .map(|i| format!("arn:aws:iam::123456789012:user/reader{i}"))
        .collect();
    let mut k = 0;
    c.bench_function("analysis/what_can_readonly_access_cold", |b| {
        b.iter(|| {
            k = (k + 1) % readers.len();
            black_box(what_can(&ro, &readers[k]).unwrap())
        })
    });

    // who_can over 5,000 principals.
    let t = Instant::now();
    let big = synthetic(5000);
    eprintln!("built a 5,000-principal account in {:?}", t.elapsed());
    let ctx = Context::new();
    let who = who_can(&big, "iam:PassRole", "*", &ctx).unwrap();
    eprintln!("who_can(iam:PassRole, *): {} principals", who.len());
    c.bench_function("analysis/who_can_5000_principals", |b| {
        b.iter(|| black_box(who_can(&big, "iam:PassRole", "*", &ctx).unwrap()))
    });
    c.bench_function(
        "analysis/who_can_5000_principals_s3_getobject_bucket",
        |b| {
            b.iter(|| {
                black_box(who_can(&big, "s3:GetObject", "arn:aws:s3:::app10-0/key", &ctx).unwrap())
            })
        },
    );

    // Full matrix: 1,000 principals × 22,091 actions, two threads.
    let thousand = synthetic(1000);
    let mut g = c.benchmark_group("analysis/matrix");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("1000_principals_x_all_actions_2_threads", |b| {
        b.iter(|| black_box(access_matrix(&thousand, &["*"], 2).unwrap()))
    });
    g.finish();
}

/// The real `get-account-authorization-details` snapshots bundled with the parser's tests.
const SNAPSHOTS: [&str; 5] = [
    "cloudmapper-demo.json",
    "cloudsplaining-example.json",
    "cloudsplaining-test-authz-details-for-overrides-complete.json",
    "cloudsplaining-test-example-authz-details.json",
    "cloudsplaining-test-example-authz-v2.json",
];

/// Every user and role of every real snapshot: `(snapshot, account, principal ARNs)`.
fn real_snapshots() -> Vec<(&'static str, Account, Vec<String>)> {
    SNAPSHOTS
        .iter()
        .map(|name| {
            let path = format!(
                "{}/../iam-parser/tests/data/account-authorization-details/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).expect("snapshot");
            let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
            let account = Account::from_authorization_details(&details).unwrap();
            // Principals whose ARN names another account than the file's (a test file has
            // such entities) are outside what_can's scope: skipped.
            let principals: Vec<String> = account
                .users_iter()
                .map(|u| u.arn.clone())
                .chain(account.roles_iter().map(|r| r.arn.clone()))
                .filter(|p| what_can(&account, p).is_ok())
                .collect();
            (*name, account, principals)
        })
        .collect()
}

/// `what_can` for EVERY user and role of the five real snapshots (132 users and roles, several
/// with Deny statements on context keys the analysis cannot know). The pre-pass times each
/// principal (median of 5 calls after a first one) and prints the slowest per snapshot; the
/// criterion cases then measure the slowest principal found and a sweep over all of them.
fn bench_real_snapshots(c: &mut Criterion) {
    let snapshots = real_snapshots();
    let mut worst: Option<(Duration, usize, String)> = None;
    for (k, (name, account, principals)) in snapshots.iter().enumerate() {
        let mut max: Option<(Duration, &str)> = None;
        for p in principals {
            black_box(what_can(account, p).unwrap());
            let mut times: Vec<Duration> = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    black_box(what_can(account, p).unwrap());
                    t.elapsed()
                })
                .collect();
            times.sort();
            let median = times[2];
            if max.is_none_or(|(d, _)| median > d) {
                max = Some((median, p));
            }
        }
        if let Some((d, p)) = max {
            eprintln!(
                "what_can over {name}: {} principals, slowest {d:?} ({p})",
                principals.len()
            );
            if worst.as_ref().is_none_or(|(w, _, _)| d > *w) {
                worst = Some((d, k, p.to_string()));
            }
        }
    }
    let (d, k, p) = worst.expect("principals");
    let account = &snapshots[k].1;
    eprintln!("slowest what_can of all snapshots: {d:?} ({p})");
    let mut g = c.benchmark_group("analysis/what_can_real_snapshots");
    g.bench_function("slowest_principal", |b| {
        b.iter(|| black_box(what_can(account, black_box(&p)).unwrap()))
    });
    let total: usize = snapshots.iter().map(|s| s.2.len()).sum();
    g.sample_size(10);
    g.bench_function(format!("every_principal_{total}"), |b| {
        b.iter(|| {
            for (_, account, principals) in &snapshots {
                for p in principals {
                    black_box(what_can(account, p).unwrap());
                }
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench_real_snapshots, bench);
criterion_main!(benches);
