//! A driver for instruction-count profiles of `what_can` over the real snapshots (the
//! `what_can_real_snapshots` benches of `benches/analysis.rs`): `what_can_real N [FILTER]`
//! runs `what_can` N times for every user and role of the five bundled
//! `get-account-authorization-details` files (or only the principals whose ARN contains
//! FILTER) and prints the instruction-free figures: principals and allowed actions.
//! Instructions per sweep = Ir(N = 2) − Ir(N = 1).
//!
//! ```text
//! cargo build --profile bench -p iamkit-benches --example what_can_real
//! valgrind --tool=callgrind target/release/examples/what_can_real 1
//! valgrind --tool=callgrind target/release/examples/what_can_real 2
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
use iam_account::Account;
use iam_analysis::what_can;
use std::hint::black_box;

const SNAPSHOTS: [&str; 5] = [
    "cloudmapper-demo.json",
    "cloudsplaining-example.json",
    "cloudsplaining-test-authz-details-for-overrides-complete.json",
    "cloudsplaining-test-example-authz-details.json",
    "cloudsplaining-test-example-authz-v2.json",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let filter = args.next().unwrap_or_default();
    let mut work: Vec<(Account, Vec<String>)> = Vec::new();
    for name in SNAPSHOTS {
        let path = format!(
            "{}/../iam-parser/tests/data/account-authorization-details/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).expect("snapshot");
        let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
        let account = Account::from_authorization_details(&details).unwrap();
        let principals: Vec<String> = account
            .users_iter()
            .map(|u| u.arn.clone())
            .chain(account.roles_iter().map(|r| r.arn.clone()))
            .filter(|p| p.contains(&filter) && what_can(&account, p).is_ok())
            .collect();
        work.push((account, principals));
    }
    let mut total = 0usize;
    for _ in 0..n {
        for (account, principals) in &work {
            for p in principals {
                total += black_box(what_can(account, p).unwrap()).len();
            }
        }
    }
    let count: usize = work.iter().map(|w| w.1.len()).sum();
    println!("{count} principals, {total} allowed actions in {n} sweeps");
}
