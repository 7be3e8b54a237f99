//! Writes the synthetic organization of the organization benchmarks as a layout file:
//! `cargo run --release -p iamkit-benches --example org_layout -- PATH [ACCOUNTS PRINCIPALS]`
//! (default 200 accounts × 250 principals). `benches/python/bench_org.py` loads it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: org_layout PATH [ACCOUNTS PRINCIPALS]");
    let accounts = args.next().map_or(200, |a| a.parse().expect("ACCOUNTS"));
    let principals = args.next().map_or(250, |a| a.parse().expect("PRINCIPALS"));
    let layout = iamkit_benches::synthetic_org_layout(accounts, principals).unwrap();
    std::fs::write(&path, layout).unwrap();
    eprintln!("wrote {path}: {accounts} accounts × {principals} principals");
}
