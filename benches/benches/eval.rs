//! Decision throughput of `iam_eval::Engine`.
//!
//! - `single_policy/iamkit`: one identity policy, `s3:GetObject` on a bucket object ARN
//!   (target ≤ 50 ns per decision), next to `single_policy/iam_rs`: the `iam-rs` crate
//!   (MIT, v0.8.0) deciding the same request with its evaluator and request built once, so only
//!   its `evaluate` call is measured (issue #10 target: iamkit ≥ 30× faster; see
//!   `examples/eval_single.rs` for the instruction count per decision);
//! - `realistic/iamkit`: a user with 12 AWS managed policies (ReadOnlyAccess, PowerUserAccess,
//!   ...), a permissions boundary, a bucket policy with conditions and three SCP levels
//!   (target ≤ 1 µs per decision), with the request and context built inside the loop.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench eval -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

#[path = "../../iam-eval/tests/common/realistic.rs"]
mod realistic;

use criterion::{Criterion, criterion_group, criterion_main};
use iam_eval::{Context, Decision, Engine, Principal, Request};
use iam_model::PolicyType;
use std::hint::black_box;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}"#;
const USER: &str = "arn:aws:iam::123456789012:user/alice";
const OBJECT: &str = "arn:aws:s3:::my-bucket/photos/cat.jpg";

fn single_policy(c: &mut Criterion) {
    let policy = iam_parser::parse_policy(POLICY, PolicyType::Identity).expect("policy parses");
    let engine = Engine::builder()
        .identity(&policy)
        .build()
        .expect("compiles");
    let alice = Principal::parse(USER).expect("principal");
    assert_eq!(
        engine.evaluate(&Request::new(&alice, "s3:GetObject", OBJECT)),
        Decision::Allowed
    );

    let theirs = iam_rs::IAMPolicy::from_json(POLICY).expect("iam-rs parses the policy");
    let evaluator = iam_rs::PolicyEvaluator::with_policies(vec![theirs]);
    let request = iam_rs::IAMRequest::new(
        iam_rs::Principal::Aws(iam_rs::PrincipalId::String(USER.to_string())),
        "s3:GetObject",
        iam_rs::Arn::parse(OBJECT).expect("iam-rs parses the ARN"),
    );
    let d = evaluator.evaluate(&request).expect("iam-rs evaluates");
    assert_eq!(d.decision, iam_rs::Decision::Allow);

    let mut g = c.benchmark_group("single_policy");
    g.bench_function("iamkit", |b| {
        b.iter(|| {
            let req = Request::new(&alice, black_box("s3:GetObject"), black_box(OBJECT));
            black_box(engine.evaluate(&req))
        })
    });
    g.bench_function("iam_rs", |b| {
        b.iter(|| black_box(evaluator.evaluate(black_box(&request)).map(|r| r.decision)))
    });
    g.finish();
}

fn realistic_principal(c: &mut Criterion) {
    let policies = realistic::policies();
    let engine = realistic::engine(&policies);
    let alice = realistic::principal();
    {
        let ctx = realistic::context();
        let req = Request::new(&alice, realistic::ACTION, realistic::RESOURCE).with_context(&ctx);
        assert_eq!(
            engine.evaluate(&req),
            Decision::Allowed,
            "{}",
            engine.explain(&req)
        );
    }
    let mut g = c.benchmark_group("realistic");
    g.bench_function("iamkit", |b| {
        b.iter(|| {
            let mut ctx = Context::new();
            ctx.insert("aws:SourceIp", black_box("203.0.113.42"))
                .insert_bool("aws:SecureTransport", true)
                .insert("aws:RequestedRegion", "us-east-1")
                .insert("aws:CurrentTime", "2024-05-01T12:00:00Z")
                .insert("aws:UserAgent", "aws-cli/2.15.0")
                .insert_bool("aws:MultiFactorAuthPresent", true);
            let req = Request::new(
                &alice,
                black_box(realistic::ACTION),
                black_box(realistic::RESOURCE),
            )
            .with_context(&ctx);
            black_box(engine.evaluate(&req))
        })
    });
    g.bench_function("iamkit_explain", |b| {
        let ctx = realistic::context();
        b.iter(|| {
            let req = Request::new(
                &alice,
                black_box(realistic::ACTION),
                black_box(realistic::RESOURCE),
            )
            .with_context(&ctx);
            black_box(engine.explain(&req).decision)
        })
    });
    g.finish();
}

/// Compiling the AWS managed ReadOnlyAccess (about 2,900 action entries) into an engine.
fn compile_readonly(c: &mut Criterion) {
    let doc = realistic::MANAGED
        .iter()
        .find(|(n, _)| *n == "ReadOnlyAccess")
        .expect("bundled")
        .1;
    let policy = iam_parser::parse_policy(doc, PolicyType::Identity).expect("parses");
    let mut g = c.benchmark_group("compile");
    g.bench_function("readonly_access", |b| {
        b.iter(|| {
            black_box(
                Engine::builder()
                    .identity(black_box(&policy))
                    .build()
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    single_policy,
    realistic_principal,
    compile_readonly
);
criterion_main!(benches);
