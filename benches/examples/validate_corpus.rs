//! A driver for instruction-count profiles of validation over the managed-policy corpus
//! (BENCHMARKS.md): `validate_corpus N MODE` runs N passes, MODE = `v` (validate), `c2`
//! (validate without the catalog), `s` (serde_json), `p` (parse_policy); `count` prints the
//! finding codes; `dump` prints every finding of every policy type and of mutated documents,
//! to compare two builds byte for byte.
//!
//! ```text
//! cargo build --profile bench -p iamkit-benches --example validate_corpus
//! valgrind --tool=callgrind target/release/examples/validate_corpus 2 v   # minus N = 1
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
use iam_model::PolicyType;
use std::hint::black_box;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().unwrap();
    let mode = args[2].as_str();
    let docs = iamkit_benches::load_managed_policies().unwrap();
    let _ = iam_model::catalog::Catalog::get();
    if mode == "dump" {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::io::stdout());
        let types = [
            PolicyType::Identity,
            PolicyType::Resource,
            PolicyType::Trust,
            PolicyType::Scp,
            PolicyType::Rcp,
            PolicyType::PermissionsBoundary,
            PolicyType::Session,
            PolicyType::VpcEndpoint,
        ];
        for d in &docs {
            for t in types {
                writeln!(out, "{:?}", iam_parser::validate(&d.text, t)).unwrap();
            }
            // mutations: truncations and byte edits
            let b = d.text.as_bytes();
            for k in 1..6 {
                let cut = b.len() * k / 6;
                if let Ok(s) = std::str::from_utf8(&b[..cut]) {
                    writeln!(out, "{:?}", iam_parser::validate(s, PolicyType::Identity)).unwrap();
                }
                let r = d
                    .text
                    .replacen("arn:aws:s3", "arn:aws:s3:x", k)
                    .replacen("Allow", "allow", k % 2)
                    .replacen(":Get", ":get*", k);
                writeln!(out, "{:?}", iam_parser::validate(&r, PolicyType::Identity)).unwrap();
            }
        }
        return;
    }
    if mode == "count" {
        let mut m = std::collections::BTreeMap::new();
        for d in &docs {
            for f in iam_parser::validate(&d.text, PolicyType::Identity) {
                *m.entry(f.code).or_insert(0) += 1;
            }
        }
        println!("{m:?}");
        return;
    }
    let t = std::time::Instant::now();
    let mut k = 0usize;
    for _ in 0..n {
        for d in &docs {
            k += match mode {
                "v" => iam_parser::validate(black_box(&d.text), PolicyType::Identity).len(),
                "c2" => iam_parser::validate_with(
                    black_box(&d.text),
                    PolicyType::Identity,
                    iam_parser::ValidateOptions { catalog: false },
                )
                .len(),
                "s" => {
                    serde_json::from_slice::<serde_json::Value>(d.text.as_bytes()).is_ok() as usize
                }
                _ => iam_parser::parse_policy(&d.text, PolicyType::Identity).is_ok() as usize,
            };
        }
    }
    eprintln!("{k} {:?}/pass", t.elapsed() / n as u32);
}
