//! IAM Access Analyzer custom policy checks (issue #13): `check_no_new_access` on two versions
//! of the AWS managed policy ReadOnlyAccess (3 statements, 2,914 action patterns) — the
//! bundled version against itself with one service removed (PASS: every action pattern of the
//! new version must be proved inside the old one) and with one service added (FAIL, with a
//! request the evaluator confirms). Target: ≤ 50 ms each.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench checks -- --warm-up-time 1 --measurement-time 5
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_analysis::checks::{AccessCheckPolicyType, CheckResultType, check_no_new_access};
use iam_model::PolicyType;
use iam_model::entities::aws_managed_policy;
use serde_json::Value;
use std::hint::black_box;

fn read_only_access() -> Value {
    let p = aws_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").expect("bundled");
    serde_json::from_str(p.document).unwrap()
}

/// ReadOnlyAccess with every action of `service` removed, and with `extra` added.
fn variant(doc: &Value, drop_service: Option<&str>, extra: Option<&str>) -> String {
    let mut doc = doc.clone();
    for st in doc["Statement"].as_array_mut().unwrap() {
        if let Some(acts) = st["Action"].as_array_mut()
            && let Some(svc) = drop_service
        {
            acts.retain(|a| !a.as_str().unwrap().starts_with(&format!("{svc}:")));
        }
    }
    if let Some(a) = extra {
        doc["Statement"][0]["Action"]
            .as_array_mut()
            .unwrap()
            .push(Value::String(a.to_string()));
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

/// This process's user + system CPU time in seconds (Linux `/proc/self/stat`, 100 Hz ticks):
/// on a shared, overloaded machine the wall-clock figures of criterion include time spent
/// waiting for a core, the CPU time does not.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn bench(c: &mut Criterion) {
    let base = read_only_access();
    let parse = |t: &str| iam_parser::parse_policy(t, PolicyType::Identity).unwrap();
    let old = parse(&serde_json::to_string_pretty(&base).unwrap());
    let removed = parse(&variant(&base, Some("s3"), None));
    let added = parse(&variant(&base, None, Some("iam:CreateAccessKey")));
    let id = AccessCheckPolicyType::Identity;
    assert_eq!(
        check_no_new_access(&removed, &old, id).result,
        CheckResultType::Pass
    );
    let fail = check_no_new_access(&added, &old, id);
    assert_eq!(fail.result, CheckResultType::Fail);
    assert!(fail.reasons[0].request.is_some());
    if std::env::var_os("IAMKIT_CPU_TIME").is_some() {
        for (name, new) in [
            ("one_service_removed_pass", &removed),
            ("one_action_added_fail", &added),
            ("identical_pass", &old),
        ] {
            let n = 40;
            let t0 = cpu_seconds().unwrap_or(0.0);
            let w0 = std::time::Instant::now();
            for _ in 0..n {
                black_box(check_no_new_access(black_box(new), &old, id));
            }
            let cpu = (cpu_seconds().unwrap_or(0.0) - t0) / f64::from(n) * 1000.0;
            let wall = w0.elapsed().as_secs_f64() / f64::from(n) * 1000.0;
            println!("cpu-time {name}: {cpu:.1} ms CPU per check ({wall:.1} ms wall)");
        }
    }
    let mut g = c.benchmark_group("checks/no_new_access_read_only_access");
    g.sample_size(20);
    g.bench_function("one_service_removed_pass", |b| {
        b.iter(|| black_box(check_no_new_access(black_box(&removed), &old, id)))
    });
    g.bench_function("one_action_added_fail", |b| {
        b.iter(|| black_box(check_no_new_access(black_box(&added), &old, id)))
    });
    g.bench_function("identical_pass", |b| {
        b.iter(|| black_box(check_no_new_access(black_box(&old), &old, id)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
