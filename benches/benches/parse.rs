//! Parsing and validation throughput over the bundled AWS managed-policy corpus, side by side
//! with `serde_json` on the same bytes, plus the cost of rejecting hostile documents.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench parse -- --warm-up-time 1 --measurement-time 5
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iam_model::PolicyType;
use iam_parser::json::{self, ParseOptions};
use iamkit_benches::{load_managed_policies, total_bytes};
use std::hint::black_box;

fn corpus(c: &mut Criterion) {
    let docs = load_managed_policies().expect("read the managed-policy corpus");
    assert!(
        docs.len() > 1000,
        "corpus not found: {} documents",
        docs.len()
    );
    let total = total_bytes(&docs);
    eprintln!("corpus: {} documents, {} bytes", docs.len(), total);

    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("a_json_parse", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(json::parse(black_box(&d.text), ParseOptions::POLICY).is_ok());
            }
        })
    });
    g.bench_function("b_parse_policy", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(
                    iam_parser::parse_policy(black_box(&d.text), PolicyType::Identity).is_ok(),
                );
            }
        })
    });
    g.bench_function("c_validate", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(iam_parser::validate(black_box(&d.text), PolicyType::Identity).len());
            }
        })
    });
    // (c2) the self-contained checks only (no service catalog): the validation scope of the
    // parser issue, before the catalog-aware findings were added to `validate`.
    g.bench_function("c2_validate_without_catalog", |b| {
        let options = iam_parser::ValidateOptions { catalog: false };
        b.iter(|| {
            for d in &docs {
                black_box(
                    iam_parser::validate_with(black_box(&d.text), PolicyType::Identity, options)
                        .len(),
                );
            }
        })
    });
    g.bench_function("d_serde_json_value", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(
                    serde_json::from_slice::<serde_json::Value>(black_box(d.text.as_bytes()))
                        .is_ok(),
                );
            }
        })
    });
    g.finish();
}

fn hostile(c: &mut Criterion) {
    let deep = "[".repeat(100_000);
    let big = format!(
        "{{\"Version\":\"2012-10-17\",\"Id\":\"{}\"}}",
        "a".repeat(10 * 1024 * 1024)
    );
    let mut g = c.benchmark_group("hostile");
    g.bench_function("reject_deep_nesting", |b| {
        b.iter(|| {
            let f = iam_parser::validate(black_box(&deep), PolicyType::Identity);
            assert_eq!(f[0].code, "POLICY_TOO_DEEP");
        })
    });
    g.bench_function("reject_10mb", |b| {
        b.iter(|| {
            let f = iam_parser::validate(black_box(&big), PolicyType::Identity);
            assert_eq!(f[0].code, "POLICY_TOO_LARGE");
        })
    });
    g.finish();
}

criterion_group!(benches, corpus, hostile);
criterion_main!(benches);
