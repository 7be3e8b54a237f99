//! `validate` keeps the buffers of the ASTs it is done with (strings, value lists, condition
//! lists, the checks' scratch) on the thread for the next document (`recycle.rs`, issue #10).
//! What a thread validated before must never show: every finding, and every AST a later
//! `parse_policy` builds from the recycled buffers, equals what a fresh thread computes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_model::PolicyType;
use iam_parser::{Finding, parse_policy, validate, validate_for_account};
use std::path::Path;

/// Every 5th managed policy (sorted by name) plus documents exercising the other buffers:
/// principals, condition blocks of every value kind, escapes, non-ASCII text, values longer
/// than the largest pooled class, long lists, a statement object, duplicates and findings.
fn documents() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-model/data/aws-managed-policies/policies");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut docs: Vec<String> = files
        .iter()
        .step_by(5)
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let long = format!("arn:aws:s3:::{}/*", "b".repeat(400));
    let many: Vec<String> = (0..300).map(|i| format!("\"s3:GetObject{i}\"")).collect();
    docs.extend([
        r#"{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.to_string(),
        r#"{"Version":"2012-10-17","Id":"doc-id","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":["x","y"],"aws:PrincipalTag/team":"a\u00e9\"b"},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":false}}}]}"#.to_string(),
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","NotAction":["s3:GetObject","S3:getobject","s3:Get*","iam:PassRole"],"NotResource":["{long}","arn:aws:iam::*:role/x"]}}]}}"#),
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"arn:aws:s3:::bucket/*"}}]}}"#, many.join(",")),
        "{\"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ec2:Describe*\", \"Resource\": \"*\", \"Condition\": {\"StringLike\": {\"ec2:Region\": [\"eu-*\", \"ü\"]}}}]}".to_string(),
        // Not plainly valid: read by the exact path, recycled all the same.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:PutObject"}]}"#.to_string(),
        r#"{"Statement": ["#.to_string(),
    ]);
    docs
}

/// The findings of `text` under three policy types, and the AST `parse_policy` builds.
fn results(text: &str) -> (Vec<Vec<Finding>>, String) {
    let findings = vec![
        validate(text, PolicyType::Identity),
        validate(text, PolicyType::Resource),
        validate_for_account(text, PolicyType::Trust, "111122223333"),
    ];
    (findings, format!("{:?}", parse_policy(text, PolicyType::Identity)))
}

#[test]
fn recycled_buffers_change_no_finding_and_no_ast() {
    let docs = documents();
    // Cold: each document on a thread of its own, whose pools start empty.
    let cold: Vec<_> = docs
        .iter()
        .map(|d| {
            let d = d.clone();
            std::thread::spawn(move || results(&d)).join().unwrap()
        })
        .collect();
    // Warm: all of them on one thread, twice over, in two orders, so each document is read
    // into buffers that other documents left behind.
    std::thread::spawn(move || {
        for pass in 0..2 {
            let order: Vec<usize> = if pass == 0 {
                (0..docs.len()).collect()
            } else {
                (0..docs.len()).rev().collect()
            };
            for i in order {
                assert_eq!(results(&docs[i]), cold[i], "document {i}, pass {pass}");
            }
        }
    })
    .join()
    .unwrap();
}
