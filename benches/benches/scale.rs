//! Issue #14 part 4: analyses over the 50,000-principal synthetic account of
//! `benches/src/synthetic.rs` (40,000 users in groups of departments, 10,000 roles; shared
//! customer and AWS managed policies, 5 % of users and 20 % of roles with inline policies of
//! their own, 2 % with policies that depend on the principal, boundaries).
//!
//! - `scale/import_50000`: parsing and importing its `get-account-authorization-details` JSON;
//! - `scale/who_can_50000/*`: `who_can` over all 50,000 principals (target ≤ 300 ms);
//! - `scale/matrix_50000/*`: the full access matrix (50,000 × 22,091) on two threads, and the
//!   row classes it is computed from (principals with the same policies share a row).
//!
//! ```text
//! cargo bench -p iamkit-benches --bench scale -- --warm-up-time 1 --measurement-time 5
//! SCALE_PRINCIPALS=5000 cargo bench -p iamkit-benches --bench scale   # a smaller account
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_account::Account;
use iam_analysis::{access_matrix, row_classes, who_can};
use iam_eval::Context;
use iamkit_benches::synthetic;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn principals() -> usize {
    std::env::var("SCALE_PRINCIPALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}

fn import(text: &str) -> Account {
    let d = iam_parser::gaad::parse_authorization_details(text).unwrap();
    Account::from_authorization_details(&d).unwrap()
}

fn bench(c: &mut Criterion) {
    let n = principals();
    let t = Instant::now();
    let text = synthetic::authorization_details(n).to_string();
    eprintln!(
        "synthetic account: {n} principals, {} MB of JSON, generated in {:?}",
        text.len() / 1_000_000,
        t.elapsed()
    );
    let t = Instant::now();
    let acct = import(&text);
    eprintln!("imported in {:?}", t.elapsed());

    let mut g = c.benchmark_group(format!("scale/import_{n}"));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("parse_and_import", |b| {
        b.iter(|| black_box(import(black_box(&text))))
    });
    g.finish();

    let ctx = Context::new();
    for (action, resource) in [
        ("iam:PassRole", "*"),
        ("s3:GetObject", "arn:aws:s3:::app10012-data/key"),
        (
            "iam:CreateAccessKey",
            "arn:aws:iam::123456789012:user/user-7",
        ),
    ] {
        let who = who_can(&acct, action, resource, &ctx).unwrap();
        eprintln!("who_can({action}, {resource}): {} principals", who.len());
    }
    let mut g = c.benchmark_group(format!("scale/who_can_{n}"));
    g.sample_size(10);
    g.bench_function("iam_passrole", |b| {
        b.iter(|| black_box(who_can(&acct, "iam:PassRole", "*", &ctx).unwrap()))
    });
    g.bench_function("s3_getobject_bucket", |b| {
        b.iter(|| {
            black_box(
                who_can(
                    &acct,
                    "s3:GetObject",
                    "arn:aws:s3:::app10012-data/key",
                    &ctx,
                )
                .unwrap(),
            )
        })
    });
    g.finish();

    let classes = row_classes(&acct).unwrap();
    eprintln!(
        "row classes: {} distinct rows for {} principals",
        classes.representatives.len(),
        classes.principals.len()
    );
    let t = Instant::now();
    let m = access_matrix(&acct, &["*"], 2).unwrap();
    eprintln!(
        "full matrix: {} x {}, {} distinct rows ({} MB of cells), one run {:?}",
        m.principals.len(),
        m.actions.len(),
        m.distinct_rows(),
        m.distinct_rows() * m.actions.len() / 1_000_000,
        t.elapsed()
    );
    let mut g = c.benchmark_group(format!("scale/matrix_{n}"));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("row_classes", |b| {
        b.iter(|| black_box(row_classes(&acct).unwrap()))
    });
    g.bench_function("all_actions_2_threads", |b| {
        b.iter(|| black_box(access_matrix(&acct, &["*"], 2).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
