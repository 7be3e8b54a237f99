//! Proves that `Engine::evaluate` and building a `Request`/`Context` allocate nothing, with a
//! counting global allocator.
//!
//! This is the only place in iam-eval with unsafe code: `GlobalAlloc` is an `unsafe trait`, so
//! a counting allocator needs `unsafe impl`. It only forwards to `System` and bumps a counter.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common {
    pub mod realistic;
}

use common::realistic;
use iam_eval::{Context, Decision, Engine, Principal, Request};
use iam_model::PolicyType;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

struct Counting;

thread_local! {
    // Per-thread switch and counter: tests run in parallel threads, and only the measuring
    // thread's allocations count.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is upheld by `System`; the extra work is reading and bumping two
// const-initialised thread-local cells, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged (see the impl comment).
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread.
fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get) - before, r)
}

#[test]
fn counter_sees_allocations() {
    let (n, v) = count(|| vec![1u8; 16]);
    assert!(n >= 1);
    drop(v);
}

// Task item 4(a): one identity policy, s3:GetObject on a bucket ARN.
#[test]
fn single_policy_evaluation_allocates_nothing() {
    // Prepare (allocation allowed, measured separately).
    let (prep, (engine, alice)) = count(|| {
        let p = iam_parser::parse_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#,
            PolicyType::Identity,
        )
        .unwrap();
        let engine = Engine::builder().identity(&p).build().unwrap();
        (
            engine,
            Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap(),
        )
    });
    assert!(prep > 0);
    let (n, decisions) = count(|| {
        let mut allowed = 0;
        for _ in 0..1000 {
            let req = Request::new(
                &alice,
                black_box("s3:GetObject"),
                black_box("arn:aws:s3:::bucket/key"),
            );
            allowed += usize::from(black_box(&engine).evaluate(&req) == Decision::Allowed);
        }
        allowed
    });
    assert_eq!(decisions, 1000);
    assert_eq!(n, 0, "evaluate allocated {n} times");
}

// Task item 4(b): 12 AWS managed policies, a boundary, a bucket policy with conditions,
// 3 SCP levels; the request and its context are built inside the measured region.
#[test]
fn realistic_principal_allocates_nothing() {
    let (prep, (engine, alice)) = count(|| {
        let p = realistic::policies();
        (realistic::engine(&p), realistic::principal())
    });
    assert!(prep > 0);
    let (n, out) = count(|| {
        let mut out = [0usize; 3];
        for i in 0..200 {
            let mut ctx = Context::new();
            ctx.insert("aws:SourceIp", black_box("203.0.113.42"))
                .insert_bool("aws:SecureTransport", true)
                .insert(
                    "aws:RequestedRegion",
                    if i % 2 == 0 {
                        "us-east-1"
                    } else {
                        "ap-south-1"
                    },
                )
                .insert("aws:CurrentTime", "2024-05-01T12:00:00Z")
                .insert_bool("aws:MultiFactorAuthPresent", true);
            let action = ["s3:GetObject", "ec2:DescribeInstances", "iam:CreateUser"][i % 3];
            let req = Request::new(&alice, black_box(action), black_box(realistic::RESOURCE))
                .with_context(&ctx);
            match engine.evaluate(&req) {
                Decision::Allowed => out[0] += 1,
                Decision::ExplicitDeny => out[1] += 1,
                Decision::ImplicitDeny => out[2] += 1,
            }
        }
        out
    });
    assert_eq!(n, 0, "evaluate allocated {n} times");
    assert!(
        out[0] > 0 && out[1] > 0,
        "both allowed and denied paths exercised: {out:?}"
    );
    // The benchmark's exact request is allowed.
    let ctx = realistic::context();
    let req = Request::new(&alice, realistic::ACTION, realistic::RESOURCE).with_context(&ctx);
    assert_eq!(
        engine.evaluate(&req),
        Decision::Allowed,
        "{}",
        engine.explain(&req)
    );
}

// Issue #9 / spec §5.1 (rev 3): the unnamed IAM user of a request without a principal is
// evaluated allocation-free too (its missing derived keys take the same path as any absent key).
#[test]
fn unnamed_principal_evaluation_allocates_nothing() {
    let (_, (engine, nobody)) = count(|| {
        let p = iam_parser::parse_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"User"}}}]}"#,
            PolicyType::Identity,
        )
        .unwrap();
        let engine = Engine::builder().identity(&p).build().unwrap();
        (engine, Principal::unnamed_user("111122223333"))
    });
    let (n, out) = count(|| {
        let mut out = [0usize; 2];
        for i in 0..1000 {
            let action = ["s3:GetObject", "s3:ListBucket"][i % 2];
            let req = Request::new(
                &nobody,
                black_box(action),
                black_box("arn:aws:s3:::bucket/alice/key"),
            );
            match black_box(&engine).evaluate(&req) {
                Decision::Allowed => out[0] += 1,
                _ => out[1] += 1,
            }
        }
        out
    });
    assert_eq!(n, 0, "evaluate allocated {n} times");
    // ListBucket (PrincipalType = User) allowed; GetObject (${aws:username} unresolved) denied.
    assert_eq!(out, [500, 500]);
}
