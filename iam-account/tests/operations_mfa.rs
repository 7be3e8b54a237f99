//! The MFA story through `operations::call`, the door the Python clients and the HTTP endpoint
//! share: requests and responses as JSON, blobs base64-encoded as on the wire.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use base64ct::{Base64, Encoding};
use iam_account::{Account, Caller, Clock, FixedClock, mfa, operations};
use iam_model::entities::ErrorCode;
use serde_json::{Value, json};
use std::sync::Arc;

const ACCT: &str = "111122223333";

fn call(a: &mut Account, svc: &str, op: &str, p: Value, c: &Caller) -> Result<Value, ErrorCode> {
    operations::call(a, svc, op, &p, c).map_err(|e| e.error().code)
}

fn login(a: &Account, creds: &Value) -> Caller {
    a.authenticate(
        creds["AccessKeyId"].as_str().unwrap(),
        creds["SecretAccessKey"].as_str().unwrap(),
        creds["SessionToken"].as_str(),
    )
    .unwrap()
}

#[test]
fn mfa_device_session_and_reports_through_operations() {
    let clock = Arc::new(FixedClock::at("2026-12-01T12:00:05Z").unwrap());
    let mut a = Account::with_clock(ACCT, clock.clone()).unwrap();
    let root = a.root_caller();
    call(
        &mut a,
        "iam",
        "CreateUser",
        json!({"UserName": "alice"}),
        &root,
    )
    .unwrap();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
    call(
        &mut a,
        "iam",
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "mfa", "PolicyDocument": policy.to_string()}),
        &root,
    )
    .unwrap();
    let key = call(
        &mut a,
        "iam",
        "CreateAccessKey",
        json!({"UserName": "alice"}),
        &root,
    )
    .unwrap();
    let alice = login(&a, &key["AccessKey"]);

    let dev = call(
        &mut a,
        "iam",
        "CreateVirtualMFADevice",
        json!({"VirtualMFADeviceName": "alice"}),
        &root,
    )
    .unwrap();
    let dev = &dev["VirtualMFADevice"];
    let serial = dev["SerialNumber"].as_str().unwrap().to_string();
    // Base32StringSeed is a blob: base64 of the Base32 text.
    let seed = Base64::decode_vec(dev["Base32StringSeed"].as_str().unwrap()).unwrap();
    let seed = String::from_utf8(seed).unwrap();
    let png = Base64::decode_vec(dev["QRCodePNG"].as_str().unwrap()).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let now = clock.now().0;
    let code = |t: i64| mfa::totp(&seed, t).unwrap();
    call(
        &mut a,
        "iam",
        "EnableMFADevice",
        json!({"UserName": "alice", "SerialNumber": serial,
            "AuthenticationCode1": code(now - 30), "AuthenticationCode2": code(now)}),
        &root,
    )
    .unwrap();

    assert_eq!(
        call(&mut a, "iam", "ListUsers", json!({}), &alice).unwrap_err(),
        ErrorCode::AccessDenied
    );
    assert_eq!(
        call(
            &mut a,
            "sts",
            "GetSessionToken",
            json!({"SerialNumber": serial, "TokenCode": code(now)}),
            &alice
        )
        .unwrap_err(),
        ErrorCode::AccessDenied,
        "the enabling code is spent"
    );
    clock.advance(30);
    let s = call(
        &mut a,
        "sts",
        "GetSessionToken",
        json!({"SerialNumber": serial, "TokenCode": code(now + 30), "DurationSeconds": 900}),
        &alice,
    )
    .unwrap();
    assert_eq!(s["Credentials"]["Expiration"], "2026-12-01T12:15:35Z");
    let session = login(&a, &s["Credentials"]);
    let users = call(&mut a, "iam", "ListUsers", json!({}), &session).unwrap();
    assert_eq!(users["Users"][0]["UserName"], "alice");
    let who = call(&mut a, "sts", "GetCallerIdentity", json!({}), &session).unwrap();
    assert_eq!(who["Arn"], format!("arn:aws:iam::{ACCT}:user/alice"));

    // The key's last use, and the credential report (Content: base64 CSV).
    let used = call(
        &mut a,
        "iam",
        "GetAccessKeyLastUsed",
        json!({"AccessKeyId": key["AccessKey"]["AccessKeyId"]}),
        &root,
    )
    .unwrap();
    assert_eq!(used["UserName"], "alice");
    assert_eq!(used["AccessKeyLastUsed"]["ServiceName"], "iam");
    assert_eq!(used["AccessKeyLastUsed"]["Region"], "N/A");
    let g = call(&mut a, "iam", "GenerateCredentialReport", json!({}), &root).unwrap();
    assert_eq!(g["State"], "STARTED");
    let r = call(&mut a, "iam", "GetCredentialReport", json!({}), &root).unwrap();
    let csv =
        String::from_utf8(Base64::decode_vec(r["Content"].as_str().unwrap()).unwrap()).unwrap();
    let alice_row = csv.lines().find(|l| l.starts_with("alice,")).unwrap();
    assert_eq!(alice_row.split(',').nth(7), Some("true"), "mfa_active");
    assert!(!csv.contains(&seed));
}
