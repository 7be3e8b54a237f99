//! Writes the synthetic account of `benches/src/synthetic.rs` as
//! `get-account-authorization-details` JSON (for the Python bench script and for
//! `iamkit.Account.from_authorization_details`).
//!
//! ```text
//! cargo run --release -p iamkit-benches --example synthetic_account -- 50000 /tmp/synthetic-50000.json
//! ```
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(path)) = (
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: synthetic_account PRINCIPALS FILE");
        return std::process::ExitCode::from(2);
    };
    let text = iamkit_benches::synthetic::authorization_details(n).to_string();
    if let Err(e) = std::fs::write(path, &text) {
        eprintln!("{path}: {e}");
        return std::process::ExitCode::from(2);
    }
    eprintln!("{path}: {n} principals, {} bytes", text.len());
    std::process::ExitCode::SUCCESS
}
