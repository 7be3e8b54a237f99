//! The catalog-driven findings of `validate` (spec §9): each code fires on a minimal policy and
//! stays quiet on a near miss; over the bundled AWS managed policies none of them is an ERROR.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_model::PolicyType;
use iam_parser::{Finding, Severity, validate};
use std::collections::BTreeMap;
use std::path::Path;

/// The catalog-driven codes (plus the type codes the catalog now also drives for service keys).
const CODES: &[&str] = &[
    "INVALID_SERVICE_IN_ACTION",
    "INVALID_ACTION",
    "REDUNDANT_ACTION",
    "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
    "UNSUPPORTED_RESOURCE_ARN",
    "INVALID_GLOBAL_CONDITION_KEY",
    "INVALID_SERVICE_CONDITION_KEY",
    "MISSING_QUALIFIER",
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    "TYPE_MISMATCH",
];

fn policy(statement: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#)
}

fn allow(action: &str, resource: &str) -> String {
    policy(&format!(
        r#"{{"Effect": "Allow", "Action": {action}, "Resource": {resource}}}"#
    ))
}

fn with_condition(action: &str, condition: &str) -> String {
    policy(&format!(
        r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "*", "Condition": {condition}}}"#
    ))
}

fn findings(text: &str, code: &str) -> Vec<Finding> {
    validate(text, PolicyType::Identity)
        .into_iter()
        .filter(|f| f.code == code)
        .collect()
}

#[track_caller]
fn fires(text: &str, code: &str, severity: Severity) -> Finding {
    let f = findings(text, code);
    assert_eq!(f.len(), 1, "{code} expected once in {text}: {f:?}");
    assert_eq!(f[0].severity, severity, "{code} in {text}: {f:?}");
    f[0].clone()
}

#[track_caller]
fn quiet(text: &str, code: &str) {
    let f = findings(text, code);
    assert!(f.is_empty(), "{code} not expected in {text}: {f:?}");
}

#[test]
fn invalid_service_in_action() {
    let f = fires(
        &allow(r#""s4:GetObject""#, r#""*""#),
        "INVALID_SERVICE_IN_ACTION",
        Severity::Error,
    );
    assert!(f.message.contains("did you mean \"s3\""), "{}", f.message);
    assert_eq!(f.path, "Statement[0].Action");
    fires(
        &allow(r#""deepracer:GetTrack""#, r#""*""#),
        "INVALID_SERVICE_IN_ACTION",
        Severity::Warning,
    );
    quiet(
        &allow(r#""s3:GetObject""#, r#""*""#),
        "INVALID_SERVICE_IN_ACTION",
    );
    quiet(
        &allow(r#""S3:getobject""#, r#""*""#),
        "INVALID_SERVICE_IN_ACTION",
    );
    quiet(
        &allow(r#""s?:GetObject""#, r#""*""#),
        "INVALID_SERVICE_IN_ACTION",
    );
}

#[test]
fn invalid_action() {
    let f = fires(
        &allow(r#""s3:GetObjcet""#, r#""*""#),
        "INVALID_ACTION",
        Severity::Error,
    );
    assert!(f.message.contains("s3:GetObject"), "{}", f.message);
    fires(
        &allow(r#""s3:ListBuckets""#, r#""*""#),
        "INVALID_ACTION",
        Severity::Warning,
    );
    fires(
        &allow(r#""iam:DescribeEverything""#, r#""*""#),
        "INVALID_ACTION",
        Severity::Warning,
    );
    fires(
        &allow(r#""s3:Gte*""#, r#""*""#),
        "INVALID_ACTION",
        Severity::Warning,
    );
    quiet(&allow(r#""s3:GetObject""#, r#""*""#), "INVALID_ACTION");
    quiet(&allow(r#""s3:Get*""#, r#""*""#), "INVALID_ACTION");
    quiet(
        &allow(r#""s3:getobjectTAGGING""#, r#""*""#),
        "INVALID_ACTION",
    );
}

#[test]
fn redundant_action() {
    let f = fires(
        &allow(r#"["s3:Get*", "s3:GetObject"]"#, r#""*""#),
        "REDUNDANT_ACTION",
        Severity::Suggestion,
    );
    assert_eq!(f.path, "Statement[0].Action[1]");
    fires(
        &allow(r#"["s3:GetObject", "s3:getobject"]"#, r#""*""#),
        "REDUNDANT_ACTION",
        Severity::Suggestion,
    );
    fires(
        &allow(r#"["s3:*", "s3:Get*"]"#, r#""*""#),
        "REDUNDANT_ACTION",
        Severity::Suggestion,
    );
    fires(
        &allow(r#"["*", "iam:PassRole"]"#, r#""*""#),
        "REDUNDANT_ACTION",
        Severity::Suggestion,
    );
    quiet(
        &allow(r#"["s3:Get*", "s3:PutObject"]"#, r#""*""#),
        "REDUNDANT_ACTION",
    );
    quiet(
        &allow(r#"["s3:Get*", "s3:List*"]"#, r#""*""#),
        "REDUNDANT_ACTION",
    );
}

#[test]
fn action_supports_only_star_resource() {
    fires(
        &allow(r#""s3:ListAllMyBuckets""#, r#""arn:aws:s3:::my-bucket""#),
        "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
        Severity::Warning,
    );
    quiet(
        &allow(r#""s3:ListAllMyBuckets""#, r#""*""#),
        "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
    );
    quiet(
        &allow(r#""s3:ListBucket""#, r#""arn:aws:s3:::my-bucket""#),
        "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
    );
}

#[test]
fn unsupported_resource_arn() {
    let f = fires(
        &allow(r#""s3:GetObject""#, r#""arn:aws:iam::123456789012:role/r""#),
        "UNSUPPORTED_RESOURCE_ARN",
        Severity::Warning,
    );
    assert_eq!(f.path, "Statement[0].Resource");
    fires(
        &allow(
            r#"["s3:GetObject", "s3:ListBucket"]"#,
            r#"["arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:sqs:us-east-1:123456789012:q"]"#,
        ),
        "UNSUPPORTED_RESOURCE_ARN",
        Severity::Warning,
    );
    quiet(
        &allow(r#""s3:GetObject""#, r#""arn:aws:s3:::my-bucket/*""#),
        "UNSUPPORTED_RESOURCE_ARN",
    );
    quiet(
        &allow(r#""s3:GetObject""#, r#""arn:aws:s3:::*""#),
        "UNSUPPORTED_RESOURCE_ARN",
    );
    quiet(
        &allow(r#""iam:PassRole""#, r#""arn:aws:iam::*:role/*""#),
        "UNSUPPORTED_RESOURCE_ARN",
    );
    // Not checked: wildcard actions, NotAction, variables.
    quiet(
        &allow(r#""s3:Get*""#, r#""arn:aws:iam::123456789012:role/r""#),
        "UNSUPPORTED_RESOURCE_ARN",
    );
    quiet(
        &policy(
            r#"{"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:aws:iam::123456789012:role/r"}"#,
        ),
        "UNSUPPORTED_RESOURCE_ARN",
    );
    quiet(
        &allow(
            r#""s3:GetObject""#,
            r#""arn:aws:iam::123456789012:role/${aws:username}""#,
        ),
        "UNSUPPORTED_RESOURCE_ARN",
    );
}

#[test]
fn invalid_global_condition_key() {
    let f = fires(
        &with_condition(
            "s3:GetObject",
            r#"{"IpAddress": {"aws:SourceIpp": "203.0.113.0/24"}}"#,
        ),
        "INVALID_GLOBAL_CONDITION_KEY",
        Severity::Error,
    );
    assert!(f.message.contains("aws:SourceIp"), "{}", f.message);
    fires(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"aws:SomethingEntirelyNew": "x"}}"#,
        ),
        "INVALID_GLOBAL_CONDITION_KEY",
        Severity::Warning,
    );
    quiet(
        &with_condition(
            "s3:GetObject",
            r#"{"IpAddress": {"AWS:sourceip": "203.0.113.0/24"}}"#,
        ),
        "INVALID_GLOBAL_CONDITION_KEY",
    );
    quiet(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "x"}}"#,
        ),
        "INVALID_GLOBAL_CONDITION_KEY",
    );
}

#[test]
fn invalid_service_condition_key() {
    let f = fires(
        &with_condition(
            "iam:PassRole",
            r#"{"StringEquals": {"iam:PassedToServic": "ec2.amazonaws.com"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
        Severity::Error,
    );
    assert!(f.message.contains("iam:PassedToService"), "{}", f.message);
    fires(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"s3:SomethingEntirelyNew": "x"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
        Severity::Warning,
    );
    fires(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"nosuchservice:key": "x"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
        Severity::Warning,
    );
    quiet(
        &with_condition(
            "iam:PassRole",
            r#"{"StringEquals": {"iam:passedtoservice": "ec2.amazonaws.com"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
    );
    quiet(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"s3:ExistingObjectTag/team": "x"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
    );
    quiet(
        &with_condition(
            "s3:GetObject",
            r#"{"StringEquals": {"ec2:ResourceTag/Name": "x"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
    );
    quiet(
        &with_condition(
            "sts:AssumeRoleWithWebIdentity",
            r#"{"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "x"}}"#,
        ),
        "INVALID_SERVICE_CONDITION_KEY",
    );
}

#[test]
fn missing_qualifier_for_multi_valued_service_key() {
    fires(
        &with_condition(
            "kms:Decrypt",
            r#"{"StringEquals": {"kms:EncryptionContextKeys": "k"}}"#,
        ),
        "MISSING_QUALIFIER",
        Severity::Warning,
    );
    quiet(
        &with_condition(
            "kms:Decrypt",
            r#"{"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "k"}}"#,
        ),
        "MISSING_QUALIFIER",
    );
    quiet(
        &with_condition(
            "kms:Decrypt",
            r#"{"StringEquals": {"kms:CallerAccount": "123456789012"}}"#,
        ),
        "MISSING_QUALIFIER",
    );
    // aws: keys stay with conditions.rs (ERROR there), not reported twice.
    fires(
        &with_condition("s3:GetObject", r#"{"StringEquals": {"aws:TagKeys": "k"}}"#),
        "MISSING_QUALIFIER",
        Severity::Error,
    );
}

#[test]
fn forallvalues_with_single_valued_service_key() {
    fires(
        &with_condition(
            "kms:Decrypt",
            r#"{"ForAllValues:StringEquals": {"kms:CallerAccount": "123456789012"}}"#,
        ),
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        Severity::SecurityWarning,
    );
    quiet(
        &with_condition(
            "kms:Decrypt",
            r#"{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": "k"}}"#,
        ),
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    );
    quiet(
        &with_condition(
            "kms:Decrypt",
            r#"{"StringEquals": {"kms:CallerAccount": "123456789012"}}"#,
        ),
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    );
}

#[test]
fn type_mismatch_for_service_key() {
    fires(
        &with_condition(
            "ec2:RunInstances",
            r#"{"StringEquals": {"ec2:VolumeSize": "100"}}"#,
        ),
        "TYPE_MISMATCH",
        Severity::Warning,
    );
    fires(
        &with_condition(
            "iam:PassRole",
            r#"{"Bool": {"iam:PassedToService": "true"}}"#,
        ),
        "TYPE_MISMATCH",
        Severity::Warning,
    );
    quiet(
        &with_condition(
            "ec2:RunInstances",
            r#"{"NumericLessThan": {"ec2:VolumeSize": "100"}}"#,
        ),
        "TYPE_MISMATCH",
    );
    quiet(
        &with_condition(
            "ec2:RunInstances",
            r#"{"Null": {"ec2:VolumeSize": "true"}}"#,
        ),
        "TYPE_MISMATCH",
    );
    quiet(
        &with_condition(
            "iam:CreateRole",
            r#"{"ArnLike": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/b"}}"#,
        ),
        "TYPE_MISMATCH",
    );
    quiet(
        &with_condition(
            "iam:CreateRole",
            r#"{"StringLike": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/b"}}"#,
        ),
        "TYPE_MISMATCH",
    );
}

/// Over AWS's own policies, no catalog-driven finding is an ERROR; prints the counts per code
/// and severity (the numbers behind the severity policy in `validate/catalog.rs`).
#[test]
fn managed_policies_have_no_catalog_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../iam-model/data");
    let mut counts: BTreeMap<(&str, Severity), (usize, usize)> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut docs = 0;
    for dir in ["aws-managed-policies", "aws-managed-policies-deprecated"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir).join("policies"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
        {
            docs += 1;
            let text = std::fs::read_to_string(f).unwrap();
            let mut seen = std::collections::HashSet::new();
            for finding in validate(&text, PolicyType::Identity) {
                if let Some(code) = CODES.iter().find(|c| **c == finding.code) {
                    let e = counts.entry((code, finding.severity)).or_default();
                    e.0 += 1;
                    if seen.insert((finding.code, finding.severity)) {
                        e.1 += 1;
                    }
                    if finding.severity == Severity::Error {
                        errors.push(format!(
                            "{}: {} {}",
                            f.display(),
                            finding.code,
                            finding.message
                        ));
                    }
                }
            }
        }
    }
    println!("{docs} managed policies; catalog-driven findings (findings, policies):");
    for ((code, sev), (n, p)) in &counts {
        println!("  {code} {sev}: {n} findings in {p} policies");
    }
    assert_eq!(docs, 1_644);
    assert!(errors.is_empty(), "{errors:#?}");
}
