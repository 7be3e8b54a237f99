//! Runs IAM's save-time check against moto's AWS-derived policy cases (136) and LocalStack's
//! AWS-recorded trust-policy case (1); see `tests/data/moto-policy-cases/SOURCE.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use iam_parser::save_check::{SaveKind, check_iam_policy};
use serde::Deserialize;

const MOTO: &str = include_str!("data/moto-policy-cases/moto-policy-cases.json");
const LOCALSTACK: &str = include_str!("data/moto-policy-cases/localstack-policy-cases.json");

#[derive(Deserialize)]
struct Case {
    id: String,
    policy_text: String,
    valid: bool,
    expected_error: Option<String>,
    #[serde(rename = "match")]
    match_kind: Option<String>,
    api: String,
    policy_kind: String,
}

fn kind_of(case: &Case) -> SaveKind {
    if case.api.starts_with("iam:CreatePolicy") {
        SaveKind::Managed
    } else if case.api.starts_with("iam:UpdateAssumeRolePolicy")
        || case.api.starts_with("iam:CreateRole")
    {
        SaveKind::Trust
    } else {
        panic!(
            "{}: unknown api {:?} (policy_kind {:?})",
            case.id, case.api, case.policy_kind
        )
    }
}

/// Returns a failure description, or None when the case passes.
fn run(case: &Case) -> Option<String> {
    let got = check_iam_policy(&case.policy_text, kind_of(case));
    match (case.valid, got) {
        (true, Ok(())) => None,
        (true, Err(e)) => Some(format!("expected valid, got error {:?}", e.message)),
        (false, Ok(())) => Some(format!(
            "expected error {:?}, got valid",
            case.expected_error
        )),
        (false, Err(e)) => {
            let want = case.expected_error.as_deref().unwrap_or("");
            let ok = match case.match_kind.as_deref() {
                Some("substring") => e.message.contains(want),
                _ => e.message == want,
            };
            (!ok).then(|| {
                format!(
                    "expected {want:?} ({}), got {:?}",
                    case.match_kind.as_deref().unwrap_or("exact"),
                    e.message
                )
            })
        }
    }
}

#[test]
fn moto_and_localstack_cases() {
    let mut cases: Vec<Case> = serde_json::from_str(MOTO).expect("moto cases");
    let moto_count = cases.len();
    cases.extend(serde_json::from_str::<Vec<Case>>(LOCALSTACK).expect("localstack cases"));
    assert_eq!(moto_count, 136);
    assert_eq!(cases.len(), 137);

    let failures: Vec<(String, String)> = cases
        .iter()
        .filter_map(|c| run(c).map(|f| (c.id.clone(), f)))
        .collect();
    let failed = failures.len();
    println!("{} passed, {} failed", cases.len() - failed, failed);
    for (id, why) in &failures {
        println!("  FAIL {id}: {why}");
    }
    assert!(
        failures.is_empty(),
        "{failed} of {} policy cases failed (see the list above)",
        cases.len()
    );
}
