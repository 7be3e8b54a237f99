//! The reach graph (issue #14): building it for the largest real snapshot
//! (cloudsplaining's example account: 41 users, 75 roles, the BishopFox iam-vulnerable
//! escalation paths) and for every real snapshot; target ≤ 50 ms for the largest.
//!
//! `cargo bench -p iamkit-benches --bench reach`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_account::Account;
use iam_analysis::ReachGraph;
use std::hint::black_box;
use std::time::Duration;

const SNAPSHOTS: [&str; 5] = [
    "cloudsplaining-example.json",
    "cloudmapper-demo.json",
    "cloudsplaining-test-authz-details-for-overrides-complete.json",
    "cloudsplaining-test-example-authz-details.json",
    "cloudsplaining-test-example-authz-v2.json",
];

fn load(name: &str) -> Account {
    let path = format!(
        "{}/../iam-parser/tests/data/account-authorization-details/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("snapshot");
    let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
    Account::from_authorization_details(&details).unwrap()
}

fn bench(c: &mut Criterion) {
    let accounts: Vec<Account> = SNAPSHOTS.iter().map(|n| load(n)).collect();
    let largest = &accounts[0];
    let g = ReachGraph::build(largest).unwrap();
    eprintln!(
        "largest snapshot: {} nodes, {} edges, {} admins, {} escalations",
        g.nodes.len(),
        g.edges.len(),
        g.admins().count(),
        g.escalations().len()
    );
    let mut group = c.benchmark_group("reach");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("graph_largest_real_snapshot", |b| {
        b.iter(|| black_box(ReachGraph::build(black_box(largest)).unwrap()))
    });
    group.bench_function("graph_largest_plus_all_escalations", |b| {
        b.iter(|| {
            let g = ReachGraph::build(black_box(largest)).unwrap();
            black_box(g.escalations())
        })
    });
    group.bench_function("graph_all_five_snapshots", |b| {
        b.iter(|| {
            for a in &accounts {
                black_box(ReachGraph::build(a).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
