//! Unit tests of the value theories and of the public checks' error paths.

use super::formula::format_date;
use super::*;
use iam_parser::values::parse_date;

fn policy(text: &str, pt: PolicyType) -> Policy {
    iam_parser::parse_policy(text, pt).unwrap()
}

#[test]
fn dates_round_trip_through_the_evaluator_parser() {
    for s in [
        "1970-01-01T00:00:00Z",
        "2024-02-29T12:34:56Z",
        "1699-12-31T23:59:59.000000001Z",
    ] {
        let ns = parse_date(s).unwrap();
        assert_eq!(format_date(ns).as_deref(), Some(s));
    }
    assert_eq!(format_date(-(1i128 << 100)), None);
}

#[test]
fn cidr_sets_and_numbers() {
    let old = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/9","10.128.0.0/10"]}}}]}"#,
        PolicyType::Identity,
    );
    let new = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
        PolicyType::Identity,
    );
    let r = check_no_new_access(&new, &old, AccessCheckPolicyType::Identity);
    assert_eq!(r.result, CheckResultType::Fail);
    let ip = &r.reasons[0].request.as_ref().unwrap().context["aws:SourceIp"][0];
    // The only uncovered quarter is 10.192.0.0/10.
    assert!(ip.starts_with("10.19") || ip.starts_with("10.2"), "{ip}");

    let old = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
        "Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}]}"#,
        PolicyType::Identity,
    );
    let new = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
        "Condition":{"NumericLessThan":{"s3:max-keys":"10.5"}}}]}"#,
        PolicyType::Identity,
    );
    let r = check_no_new_access(&new, &old, AccessCheckPolicyType::Identity);
    let v = &r.reasons[0].request.as_ref().unwrap().context["s3:max-keys"][0];
    let d = iam_parser::values::parse_decimal(v).unwrap();
    assert!(d > iam_parser::values::parse_decimal("10").unwrap(), "{v}");
}

#[test]
fn bad_requests_are_errors() {
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
        PolicyType::Resource,
    );
    let e = check_no_public_access(&p, "AWS::EC2::Instance").unwrap_err();
    assert!(e.message.contains("AWS::S3::Bucket"), "{e}");
    let e = check_access_not_granted(&p, &[], AccessCheckPolicyType::Resource).unwrap_err();
    assert!(e.message.contains("at least one"));
    let e = check_access_not_granted(
        &p,
        &[AccessSpec::default()],
        AccessCheckPolicyType::Resource,
    )
    .unwrap_err();
    assert!(e.message.contains("actions, resources"));
}

#[test]
fn every_model_resource_type_is_listed() {
    assert_eq!(PUBLIC_RESOURCE_TYPES.len(), 26);
    assert!(
        PUBLIC_RESOURCE_TYPES
            .iter()
            .all(|t| !t.services.is_empty() && t.name.starts_with("AWS::"))
    );
}

#[test]
fn a_widened_resource_gets_a_readable_example_arn() {
    let old = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        PolicyType::Identity,
    );
    let new = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        PolicyType::Identity,
    );
    let r = check_no_new_access(&new, &old, AccessCheckPolicyType::Identity);
    assert_eq!(r.result, CheckResultType::Fail);
    let req = r.reasons[0].request.as_ref().unwrap();
    assert_eq!(req.resource, "arn:aws:s3:::iamkit-example");
    assert!(
        r.reasons[0]
            .description
            .contains("on arn:aws:s3:::iamkit-example"),
        "{}",
        r.reasons[0].description
    );
}
