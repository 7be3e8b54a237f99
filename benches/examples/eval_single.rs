//! A driver for instruction-count profiles of one simple decision (the `single_policy/iamkit`
//! bench of `benches/eval.rs`): `eval_single N` builds the request and decides it N times.
//! Instructions per decision = (Ir(N = 2,000,000) − Ir(N = 1,000,000)) / 1,000,000.
//!
//! ```text
//! cargo build --profile bench -p iamkit-benches --example eval_single
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p target/release/examples/eval_single 1000000
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p target/release/examples/eval_single 2000000
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
use iam_eval::{Decision, Engine, Principal, Request};
use iam_model::PolicyType;
use std::hint::black_box;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}"#;
const USER: &str = "arn:aws:iam::123456789012:user/alice";
const OBJECT: &str = "arn:aws:s3:::my-bucket/photos/cat.jpg";

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let policy = iam_parser::parse_policy(POLICY, PolicyType::Identity).unwrap();
    let engine = Engine::builder().identity(&policy).build().unwrap();
    let alice = Principal::parse(USER).unwrap();
    let mut allowed = 0usize;
    for _ in 0..n {
        let req = Request::new(&alice, black_box("s3:GetObject"), black_box(OBJECT));
        allowed += usize::from(black_box(engine.evaluate(&req)) == Decision::Allowed);
    }
    assert_eq!(allowed, n);
}
