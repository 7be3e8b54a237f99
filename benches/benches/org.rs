//! Organizations at scale (issue #14 part 3, Must reach): an organization of 200 accounts ×
//! 250 principals (50,000 principals; [`iamkit_benches::synthetic_org_layout`]) loaded from
//! its layout JSON and analysed org-wide: `who_can` of a few actions and the cross-account
//! reach graph. Time with criterion; peak memory (VmHWM) and a one-shot timing of each step
//! printed first.
//!
//! `cargo bench -p iamkit-benches --bench org` (`IAMKIT_ORG_ACCOUNTS` / `IAMKIT_ORG_PRINCIPALS`
//! change the size).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_account::Organization;
use iam_analysis::{ReachGraph, who_can};
use iam_eval::Context;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size of this process, in MiB (`VmHWM` of `/proc/self/status`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const WHO_CAN: [(&str, &str); 3] = [
    ("iam:PassRole", "*"),
    ("s3:GetObject", "arn:aws:s3:::app0-data/key"),
    ("sts:AssumeRole", "arn:aws:iam::100000000001:role/cross-20"),
];

fn bench(c: &mut Criterion) {
    let accounts = env("IAMKIT_ORG_ACCOUNTS", 200);
    let principals = env("IAMKIT_ORG_PRINCIPALS", 250);
    let t = Instant::now();
    let layout = iamkit_benches::synthetic_org_layout(accounts, principals).unwrap();
    eprintln!(
        "generated {accounts} accounts × {principals} principals: layout {:.1} MiB in {:.2?}",
        layout.len() as f64 / 1048576.0,
        t.elapsed()
    );
    let before = peak_rss_mib();
    let t = Instant::now();
    let org = Organization::from_layout_json(&layout, None).unwrap();
    eprintln!(
        "load: {:.2?}, peak RSS {before:.0} → {:.0} MiB",
        t.elapsed(),
        peak_rss_mib()
    );
    let ctx = Context::new();
    for (action, resource) in WHO_CAN {
        let t = Instant::now();
        let n = who_can(&org, action, resource, &ctx).unwrap().len();
        eprintln!(
            "who_can({action}, {resource}): {n} allowed in {:.2?}",
            t.elapsed()
        );
    }
    let mut runs = Vec::new();
    for _ in 0..env("IAMKIT_ORG_REACH_RUNS", 3).saturating_sub(1) {
        let t = Instant::now();
        black_box(ReachGraph::build(&org).unwrap());
        runs.push(t.elapsed());
    }
    let t = Instant::now();
    let g = ReachGraph::build(&org).unwrap();
    runs.push(t.elapsed());
    runs.sort();
    eprintln!(
        "reach graph, {} runs: best {:.2?}, median {:.2?}",
        runs.len(),
        runs[0],
        runs[runs.len() / 2]
    );
    let cross = g
        .edges
        .iter()
        .filter(|e| {
            e.from.split(':').nth(4) != e.to.split(':').nth(4)
                && !e.from.ends_with(".amazonaws.com")
        })
        .count();
    eprintln!(
        "reach graph: {} nodes, {} edges ({cross} cross-account), {} admins in {:.2?}; peak RSS {:.0} MiB",
        g.nodes.len(),
        g.edges.len(),
        g.admins().count(),
        t.elapsed(),
        peak_rss_mib()
    );
    drop(g);

    let mut group = c.benchmark_group("org");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("load_layout_json", |b| {
        b.iter(|| black_box(Organization::from_layout_json(black_box(&layout), None).unwrap()))
    });
    group.bench_function("who_can_3_actions", |b| {
        b.iter(|| {
            for (action, resource) in WHO_CAN {
                black_box(who_can(&org, action, resource, &ctx).unwrap());
            }
        })
    });
    // The whole organization's graph takes tens of seconds: criterion's ten samples only for
    // smaller organizations (the runs above time it otherwise).
    if accounts * principals <= 10_000 {
        group.bench_function("reach_graph", |b| {
            b.iter(|| black_box(ReachGraph::build(&org).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
