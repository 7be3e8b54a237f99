//! Exposure and admin findings (issue #13): the data-driven cases of
//! `tests/data/exposure/cases.json`, each citing the AWS page it follows. Every case states the
//! exposure codes validation reports (and no other exposure code), with the position of the
//! first; the findings are `SECURITY_WARNING`s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_model::PolicyType;
use iam_parser::{Severity, validate, validate_for_account};
use serde_json::Value;

const EXPOSURE_CODES: &[&str] = &[
    "FULL_ADMIN_ACCESS",
    "ALLOW_NOT_ACTION_ON_ALL_RESOURCES",
    "PUBLIC_ACCESS",
    "TRUST_POLICY_ALLOWS_ANY_PRINCIPAL",
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    "MISSING_GITHUB_REPO_CONDITION_KEY",
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    "CROSS_ACCOUNT_ACCESS",
];

#[test]
fn exposure_cases() {
    let text = include_str!("data/exposure/cases.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let source = case["source"].as_str().unwrap();
        assert!(
            source.starts_with("https://docs.aws.amazon.com/"),
            "{name}: {source}"
        );
        let t: PolicyType = case["policy_type"].as_str().unwrap().parse().unwrap();
        let policy = case["policy"].as_str().unwrap();
        let findings = match case.get("account").and_then(Value::as_str) {
            Some(account) => validate_for_account(policy, t, account),
            None => validate(policy, t),
        };
        let got: Vec<_> = findings
            .iter()
            .filter(|f| EXPOSURE_CODES.contains(&f.code))
            .collect();
        let want: Vec<&str> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let codes: Vec<&str> = got.iter().map(|f| f.code).collect();
        assert_eq!(codes, want, "{name} ({source}): {policy}\n{findings:#?}");
        for f in &got {
            assert_eq!(f.severity, Severity::SecurityWarning, "{name}");
            assert!(f.path.starts_with("Statement"), "{name}: {}", f.path);
            seen.insert(f.code);
        }
        if let Some(at) = case.get("at") {
            let f = got[0];
            assert_eq!(
                [f.span.start.line, f.span.start.column],
                [
                    at[0].as_u64().unwrap() as u32,
                    at[1].as_u64().unwrap() as u32
                ],
                "{name}: {policy}"
            );
        }
    }
    // Every exposure code fires in at least one case.
    assert_eq!(seen.len(), EXPOSURE_CODES.len(), "{seen:?}");
}

#[test]
fn no_exposure_finding_hides_an_error() {
    // `"Principal": "*"` in a trust policy stays the ERROR AWS reports, with no extra warning.
    let f = validate(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}"#,
        PolicyType::Trust,
    );
    let codes: Vec<&str> = f.iter().map(|f| f.code).collect();
    assert!(
        codes.contains(&"ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&"TRUST_POLICY_ALLOWS_ANY_PRINCIPAL"),
        "{codes:?}"
    );
}

#[test]
fn aws_managed_admin_policies_are_flagged() {
    // The bundled AdministratorAccess policy document (iam-model data) is full admin.
    let admin = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
}"#;
    let f: Vec<_> = validate(admin, PolicyType::Identity)
        .into_iter()
        .filter(|f| EXPOSURE_CODES.contains(&f.code))
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "FULL_ADMIN_ACCESS");
    assert_eq!((f[0].span.start.line, f[0].span.start.column), (4, 9));
    assert_eq!((f[0].span.end.line, f[0].span.end.column), (8, 10));
    assert_eq!(f[0].path, "Statement[0]");
}

#[test]
fn a_multibyte_condition_key_at_the_provider_prefix_is_no_panic() {
    // "accounts.google.com" is 19 bytes: the 20th byte falls inside "é".
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"accounts.google.coméaud": "x"}}}]}"#;
    let f = validate(text, PolicyType::Trust);
    assert!(
        f.iter()
            .any(|f| f.code == "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL"),
        "{f:?}"
    );
}
