//! A driver for instruction-count profiles of the `realistic/iamkit` bench of
//! `benches/eval.rs` (12 AWS managed policies, a permissions boundary, a bucket policy with
//! conditions, three SCP levels; the context and the request built in the loop):
//! `eval_realistic N` decides it N times. Instructions per decision =
//! (Ir(N = 40,000) − Ir(N = 20,000)) / 20,000.
//!
//! ```text
//! cargo build --profile bench -p iamkit-benches --example eval_realistic
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p target/release/examples/eval_realistic 20000
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p target/release/examples/eval_realistic 40000
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, dead_code)]

#[path = "../../iam-eval/tests/common/realistic.rs"]
mod realistic;

use iam_eval::{Context, Decision, Request};
use std::hint::black_box;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let policies = realistic::policies();
    let engine = realistic::engine(&policies);
    let alice = realistic::principal();
    let mut allowed = 0usize;
    for _ in 0..n {
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
        allowed += usize::from(black_box(engine.evaluate(&req)) == Decision::Allowed);
    }
    assert_eq!(allowed, n);
}
