//! Every bundled AWS managed policy (1,594 current + 50 deprecated) is a valid identity policy:
//! zero ERROR findings, and canonical printing round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_model::PolicyType;
use iam_parser::{Severity, parse_policy, validate};
use std::path::{Path, PathBuf};

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-model/data")
        .join(dir)
        .join("policies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn check(dir: &str, expected: usize) {
    let files = corpus(dir);
    assert_eq!(files.len(), expected, "{dir}: number of policies");
    let mut errors = Vec::new();
    let mut statements = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for finding in validate(&text, PolicyType::Identity) {
            if finding.severity == Severity::Error {
                errors.push(format!(
                    "{}: {}: {} {} ({})",
                    f.display(),
                    finding.span.start,
                    finding.code,
                    finding.message,
                    finding.path
                ));
            }
        }
        let p = parse_policy(&text, PolicyType::Identity).unwrap();
        statements += p.statements.len();
        let again = parse_policy(&p.to_json(), PolicyType::Identity).unwrap();
        assert_eq!(again, p, "{}: print/parse round trip", f.display());
    }
    println!(
        "{dir}: {} policies, {statements} statements, {} ERROR findings",
        files.len(),
        errors.len()
    );
    for e in errors.iter().take(40) {
        println!("{e}");
    }
    assert!(
        errors.is_empty(),
        "{} ERROR findings in {dir}",
        errors.len()
    );
}

#[test]
fn all_current_managed_policies_have_no_errors() {
    check("aws-managed-policies", 1594);
}

#[test]
fn all_deprecated_managed_policies_have_no_errors() {
    check("aws-managed-policies-deprecated", 50);
}
