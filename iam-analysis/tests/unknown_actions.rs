//! Unknown actions are never silent in the analyses (issue #9 part 4): an action or pattern
//! that matches nothing in the catalog is an error with the closest real names, not an empty
//! answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_account::Account;
use iam_analysis::{AnalysisError, access_matrix, diff_policies, expand_actions, who_can};
use iam_eval::Context;
use iam_model::PolicyType;
use iam_model::catalog::UnknownActionKind;

const ALLOW_PASSROLE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#;

fn account() -> Account {
    let mut a = Account::new("111122223333").unwrap();
    a.create_user("alice", None).unwrap();
    a.put_user_policy("alice", "ops", ALLOW_PASSROLE).unwrap();
    a
}

fn unknown(e: AnalysisError) -> iam_model::catalog::UnknownAction {
    match e {
        AnalysisError::UnknownAction(u) => u,
        other => panic!("expected an unknown action, got {other:?}"),
    }
}

#[test]
fn who_can_rejects_a_misspelt_action_instead_of_answering_nobody() {
    let a = account();
    let ok = who_can(&a, "iam:PassRole", "*", &Context::new()).unwrap();
    assert_eq!(ok.len(), 1);
    let u = unknown(who_can(&a, "iam:PasRole", "*", &Context::new()).unwrap_err());
    assert_eq!(u.kind, UnknownActionKind::UnknownName);
    assert_eq!(u.suggestions, ["iam:PassRole"]);
    let u = unknown(who_can(&a, "iam:Pas*Rol", "*", &Context::new()).unwrap_err());
    assert_eq!(u.kind, UnknownActionKind::NoMatch);
    let u = unknown(who_can(&a, "newsvc:DoThing", "*", &Context::new()).unwrap_err());
    assert_eq!(u.kind, UnknownActionKind::UnknownService);
}

#[test]
fn access_matrix_rejects_a_pattern_matching_nothing() {
    let a = account();
    let u = unknown(access_matrix(&a, &["iam:PassRole", "s3:GetObjekt"], 1).unwrap_err());
    assert_eq!(u.action, "s3:GetObjekt");
    assert_eq!(u.suggestions, ["s3:GetObject"]);
    let m = access_matrix(&a, &["iam:PassRole"], 1).unwrap();
    assert_eq!(m.actions, ["iam:PassRole"]);
}

#[test]
fn diff_rejects_an_unknown_action_in_either_policy() {
    let p = |s: &str| iam_parser::parse_policy(s, PolicyType::Identity).unwrap();
    let good = p(ALLOW_PASSROLE);
    // A typo in a Deny is a Deny that never applies: the diff must not hide it.
    let typo = p(r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
      {"Effect":"Deny","NotAction":"iam:GetUsr","Resource":"*"}]}"#);
    let u = unknown(diff_policies(&good, &typo).unwrap_err());
    assert_eq!(u.action, "iam:GetUsr");
    assert_eq!(u.suggestions, ["iam:GetUser"]);
    assert!(diff_policies(&typo, &good).is_err());
    assert!(diff_policies(&good, &good).unwrap().is_empty());
}

#[test]
fn account_errors_stay_account_errors() {
    let a = account();
    let e = iam_analysis::what_can(&a, "arn:aws:iam::111122223333:user/nobody").unwrap_err();
    assert_eq!(e.code, iam_model::entities::ErrorCode::NoSuchEntity);
    let e: AnalysisError = e.into();
    assert!(matches!(e, AnalysisError::Iam(_)));
    assert!(e.to_string().contains("nobody"));
}

#[test]
fn expand_actions_errors_instead_of_an_empty_list() {
    assert_eq!(
        expand_actions("sts:AssumeRol?").unwrap(),
        ["sts:AssumeRole"]
    );
    let u = expand_actions("sts:AsumeRole").unwrap_err();
    assert_eq!(u.suggestions, ["sts:AssumeRole"]);
    assert_eq!(
        u.to_string(),
        "unknown action 'sts:AsumeRole' — did you mean sts:AssumeRole?"
    );
}
