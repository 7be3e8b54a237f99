//! The service catalog: first-use load (parsing the packed data), action lookup, pattern
//! expansion and the unknown-action check with its suggestions.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench catalog -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_model::catalog::Catalog;
use std::hint::black_box;
use std::time::Instant;

fn catalog(c: &mut Criterion) {
    let t = Instant::now();
    let cat = Catalog::get();
    eprintln!(
        "first use of Catalog::get (cold, one shot): {:?}, {} actions",
        t.elapsed(),
        cat.action_count()
    );

    let mut g = c.benchmark_group("catalog");
    g.bench_function("load_parse_bundled", |b| {
        b.iter(|| black_box(Catalog::parse_bundled()))
    });
    g.bench_function("action_lookup", |b| {
        b.iter(|| black_box(cat.action(black_box("s3:GetObject"))))
    });
    g.bench_function("action_lookup_case_insensitive", |b| {
        b.iter(|| black_box(cat.action(black_box("EC2:describeinstances"))))
    });
    g.bench_function("expand_s3_get_star", |b| {
        b.iter(|| black_box(cat.expand(black_box("s3:Get*"))))
    });
    g.bench_function("expand_any_service_tag", |b| {
        b.iter(|| black_box(cat.expand(black_box("*:*Tag*"))))
    });
    // The unknown-action check (`EvaluationResult.warnings`, the analyses' doors): a known name
    // is one hash lookup; only an unknown one pays for the suggestions.
    g.bench_function("check_action_known", |b| {
        b.iter(|| black_box(cat.check_action(black_box("s3:GetObject"))))
    });
    g.bench_function("check_action_unknown_name_s3", |b| {
        b.iter(|| black_box(cat.check_action(black_box("s3:GetObjekt"))))
    });
    g.bench_function("check_action_unknown_name_ec2", |b| {
        b.iter(|| black_box(cat.check_action(black_box("ec2:DescribeInstanses"))))
    });
    g.bench_function("check_action_unknown_service", |b| {
        b.iter(|| black_box(cat.check_action(black_box("s4:GetObject"))))
    });
    g.bench_function("check_action_no_prefix", |b| {
        b.iter(|| black_box(cat.check_action(black_box("GetObjekt"))))
    });
    g.bench_function("condition_key_templated", |b| {
        b.iter(|| black_box(cat.condition_key(black_box("s3:ExistingObjectTag/team"))))
    });
    g.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
