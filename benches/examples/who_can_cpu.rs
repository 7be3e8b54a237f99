//! `who_can` over the synthetic account (`benches/src/synthetic.rs`), timed in CPU time as
//! well as wall time: on a shared, loaded machine the thread's CPU time (from
//! `/proc/thread-self/schedstat`) is the steadier figure. Prints the median of `RUNS` calls
//! (after one warm-up call) for `iam:PassRole` and `s3:GetObject` on an object.
//!
//! ```text
//! cargo run --release -p iamkit-benches --example who_can_cpu -- 50000 10
//! ```
#![forbid(unsafe_code)]

use iam_account::Account;
use iam_analysis::who_can;
use iam_eval::Context;
use std::time::{Duration, Instant};

/// This thread's CPU time so far (`None` where `/proc` does not say).
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let runs = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10usize);
    let text = iamkit_benches::synthetic::authorization_details(n).to_string();
    let acct = match iam_parser::gaad::parse_authorization_details(&text)
        .map_err(|e| e.to_string())
        .and_then(|d| Account::from_authorization_details(&d).map_err(|e| e.to_string()))
    {
        Ok(a) => a,
        Err(e) => {
            eprintln!("import: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let ctx = Context::new();
    for (action, resource) in [
        ("iam:PassRole", "*"),
        ("s3:GetObject", "arn:aws:s3:::app10012-data/key"),
    ] {
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        let mut allowed = 0;
        for i in 0..=runs {
            let (t, c) = (Instant::now(), thread_cpu());
            match who_can(&acct, action, resource, &ctx) {
                Ok(w) => allowed = w.len(),
                Err(e) => {
                    eprintln!("who_can: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            if i > 0 {
                wall.push(t.elapsed());
                if let (Some(a), Some(b)) = (c, thread_cpu()) {
                    cpu.push(b.saturating_sub(a));
                }
            }
        }
        println!(
            "who_can({action}, {resource}) over {n} principals: median wall {:.1?}, CPU {:.1?} ({runs} runs), {allowed} allowed",
            median(wall),
            median(cpu)
        );
    }
    std::process::ExitCode::SUCCESS
}
