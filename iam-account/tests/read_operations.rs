//! The read/write classification of operations (`operations::READ_OPERATIONS`) against the
//! bundled IAM and STS models, and the shared-borrow read path (`operations::call_read`):
//! same answers as `call_with`, the per-call records (key last used, last accessed, soft-mode
//! denials) still kept, several readers at once.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers: a failure is the test failing

use iam_account::model::ServiceModel;
use iam_account::operations::{
    self, IAM_OPERATIONS, READ_OPERATIONS, STS_OPERATIONS, call_read, call_with, is_read_operation,
};
use iam_account::{Account, Caller, Enforcement, RequestContext};
use serde_json::{Value, json};

fn model(service: &str) -> &'static ServiceModel {
    ServiceModel::get(service).unwrap()
}

#[test]
fn the_table_is_sorted_and_names_model_operations() {
    for (service, ops) in READ_OPERATIONS {
        assert!(
            ops.windows(2).all(|w| w[0] < w[1]),
            "{service}: READ_OPERATIONS must be sorted (binary search) and without duplicates"
        );
        let m = model(service);
        for op in *ops {
            assert!(
                m.operations().any(|o| o == *op),
                "{service}:{op} is not in the model"
            );
        }
    }
    assert_eq!(
        READ_OPERATIONS.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ["iam", "sts"]
    );
}

/// Every IAM operation is classified by IAM's naming: `Get*`, `List*` and `Simulate*` read;
/// everything else (`Create`, `Delete`, `Put`, `Update`, `Tag`, `Generate…`, …) writes. A new
/// read operation in a newer model fails here until the table lists it.
#[test]
fn every_iam_model_operation_is_classified_by_its_verb() {
    let m = model("iam");
    let mut reads = 0;
    for op in m.operations() {
        let verb_reads = ["Get", "List", "Simulate"]
            .iter()
            .any(|v| op.starts_with(v));
        assert_eq!(is_read_operation("iam", op), verb_reads, "iam:{op}");
        reads += usize::from(verb_reads);
    }
    assert!(reads > 70, "the IAM model has {reads} read operations");
    assert!(!is_read_operation("iam", "GenerateCredentialReport"));
    assert!(!is_read_operation(
        "iam",
        "GenerateServiceLastAccessedDetails"
    ));
    assert!(!is_read_operation("iam", "ChangePassword"));
}

/// STS: only the three operations that issue nothing read; every `Get…Token`/`AssumeRole…`
/// creates a session.
#[test]
fn sts_reads_are_exactly_the_three_that_issue_nothing() {
    let reads: Vec<&str> = model("sts")
        .operations()
        .filter(|o| is_read_operation("sts", o))
        .collect();
    let mut reads = reads;
    reads.sort_unstable();
    assert_eq!(
        reads,
        [
            "DecodeAuthorizationMessage",
            "GetAccessKeyInfo",
            "GetCallerIdentity"
        ]
    );
    for op in [
        "GetSessionToken",
        "GetFederationToken",
        "AssumeRole",
        "GetWebIdentityToken",
    ] {
        assert!(!is_read_operation("sts", op), "sts:{op}");
    }
    assert!(!is_read_operation("s3", "GetObject"));
}

fn pascal(service: &str, snake: &str) -> String {
    model(service).operation_name(snake).unwrap().to_string()
}

/// Every implemented read operation runs on a shared borrow (no "unknown operation" from the
/// read dispatch), and every implemented write operation is refused there.
#[test]
fn every_implemented_operation_takes_its_path() {
    let mut a = Account::new("111122223333").unwrap();
    let root = a.root_caller();
    operations::call(
        &mut a,
        "iam",
        "CreateUser",
        &json!({"UserName": "u"}),
        &root,
    )
    .unwrap();
    let rc = RequestContext::default();
    let mut reads = 0;
    for (service, ops) in [("iam", IAM_OPERATIONS), ("sts", STS_OPERATIONS)] {
        for snake in ops {
            let op = pascal(service, snake);
            let out = call_read(&a, service, &op, &json!({}), &root, &rc, false);
            let msg = out
                .result
                .as_ref()
                .err()
                .map(|e| e.error().message.clone())
                .unwrap_or_default();
            if is_read_operation(service, &op) {
                reads += 1;
                assert!(
                    !msg.contains("unknown IAM operation")
                        && !msg.contains("unknown STS operation")
                        && !msg.contains("changes the account"),
                    "{service}:{op} is a read the read path does not run: {msg}"
                );
            } else {
                let e = out.result.expect_err(&op);
                assert_eq!(e.error().code.as_str(), "InvalidInput", "{service}:{op}");
                assert!(e.error().message.contains("changes the account"), "{op}");
                assert!(out.checks.is_empty(), "{op}: refused before authorization");
            }
        }
    }
    assert!(reads >= 50, "{reads} implemented read operations");
}

fn account_with_alice() -> (Account, Caller, String) {
    let mut a = Account::new("111122223333").unwrap();
    let root = a.root_caller();
    let call = |a: &mut Account, op: &str, p: Value| {
        operations::call(a, "iam", op, &p, &root).unwrap();
    };
    call(&mut a, "CreateUser", json!({"UserName": "alice"}));
    call(&mut a, "CreateGroup", json!({"GroupName": "devs"}));
    call(
        &mut a,
        "AddUserToGroup",
        json!({"GroupName": "devs", "UserName": "alice"}),
    );
    call(
        &mut a,
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}),
    );
    let k = a.create_access_key(Some("alice")).unwrap();
    let alice = a
        .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
        .unwrap();
    (a, alice, k.access_key_id)
}

/// The read path and `call_with` give the same answers and make the same checks.
#[test]
fn call_read_answers_as_call_with() {
    let (mut a, alice, key) = account_with_alice();
    let rc = RequestContext::default();
    let cases = [
        ("iam", "GetUser", json!({})),
        ("iam", "GetUser", json!({"UserName": "alice"})),
        ("iam", "ListUsers", json!({"MaxItems": 1})),
        ("iam", "ListGroupsForUser", json!({"UserName": "alice"})),
        ("iam", "ListAccessKeys", json!({})),
        (
            "iam",
            "ListAttachedUserPolicies",
            json!({"UserName": "alice"}),
        ),
        ("iam", "GetAccountSummary", json!({})),
        ("iam", "GetUser", json!({"UserName": "nobody"})),
        ("sts", "GetCallerIdentity", json!({})),
        ("sts", "GetAccessKeyInfo", json!({"AccessKeyId": key})),
    ];
    let mut outcomes = Vec::new();
    for (service, op, p) in cases {
        let r = call_read(&a, service, op, &p, &alice, &rc, true);
        let w = call_with(&mut a, service, op, &p, &alice, &rc, true);
        let show = |o: &operations::CallOutcome| match &o.result {
            Ok(v) => v.to_string(),
            Err(e) => format!("{}: {}", e.error().code.as_str(), e.error().message),
        };
        assert_eq!(show(&r), show(&w), "{service}:{op} {p}");
        let actions = |o: &operations::CallOutcome| {
            o.checks
                .iter()
                .map(|c| (c.action.clone(), c.resource.clone(), c.decision))
                .collect::<Vec<_>>()
        };
        assert_eq!(actions(&r), actions(&w), "{service}:{op}");
        // GetCallerIdentity needs no permission (STS API reference); the others are checked.
        assert_eq!(
            r.checks.is_empty(),
            op == "GetCallerIdentity",
            "{service}:{op}"
        );
        outcomes.push(show(&r));
    }
    // Both kinds of answer were compared: alice's IAMReadOnlyAccess does not grant
    // sts:GetAccessKeyInfo, and GetUser of a missing user is NoSuchEntity.
    assert!(outcomes.last().unwrap().starts_with("AccessDenied: "));
    assert!(outcomes[7].starts_with("NoSuchEntity: "));
    assert!(outcomes[0].contains("\"UserName\":\"alice\""));
}

/// `GetAccessKeyLastUsed` sees the use a read made on a shared borrow, and the service last
/// accessed records it (IAM API reference, GetAccessKeyLastUsed).
#[test]
fn reads_on_a_shared_borrow_still_record_key_use_and_last_access() {
    let (mut a, alice, key) = account_with_alice();
    let root = a.root_caller();
    let rc = RequestContext {
        requested_region: Some("eu-west-1".into()),
        ..RequestContext::default()
    };
    let last_used = |a: &Account| {
        call_read(
            a,
            "iam",
            "GetAccessKeyLastUsed",
            &json!({"AccessKeyId": key}),
            &root,
            &RequestContext::default(),
            false,
        )
        .result
        .unwrap()
    };
    assert_eq!(last_used(&a)["AccessKeyLastUsed"]["ServiceName"], "N/A");
    let shared: &Account = &a;
    call_read(shared, "iam", "ListUsers", &json!({}), &alice, &rc, false)
        .result
        .unwrap();
    let used = last_used(shared);
    assert_eq!(used["AccessKeyLastUsed"]["ServiceName"], "iam");
    assert_eq!(used["AccessKeyLastUsed"]["Region"], "eu-west-1");
    assert!(used["AccessKeyLastUsed"]["LastUsedDate"].is_string());
    assert_eq!(used["UserName"], "alice");
    // Service last accessed of alice (through the write path's job, which reads the records).
    let job = operations::call(
        &mut a,
        "iam",
        "GenerateServiceLastAccessedDetails",
        &json!({"Arn": "arn:aws:iam::111122223333:user/alice"}),
        &root,
    )
    .unwrap();
    let details = call_read(
        &a,
        "iam",
        "GetServiceLastAccessedDetails",
        &json!({"JobId": job["JobId"]}),
        &root,
        &RequestContext::default(),
        false,
    )
    .result
    .unwrap();
    let iam = details["ServicesLastAccessed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ServiceNamespace"] == "iam")
        .unwrap();
    assert_eq!(iam["LastAuthenticatedRegion"], "eu-west-1");
    assert!(iam["LastAuthenticated"].is_string());
}

/// Soft mode lets a denied read through on the shared borrow and records the denial.
#[test]
fn soft_mode_denials_of_reads_are_recorded() {
    let (mut a, _, _) = account_with_alice();
    let bob_key = {
        let root = a.root_caller();
        operations::call(
            &mut a,
            "iam",
            "CreateUser",
            &json!({"UserName": "bob"}),
            &root,
        )
        .unwrap();
        a.create_access_key(Some("bob")).unwrap()
    };
    let bob = a
        .authenticate(
            &bob_key.access_key_id,
            bob_key.secret_access_key.expose(),
            None,
        )
        .unwrap();
    a.set_enforcement(Enforcement::Soft);
    let out = call_read(
        &a,
        "iam",
        "ListUsers",
        &json!({}),
        &bob,
        &RequestContext::default(),
        false,
    );
    assert!(out.result.is_ok(), "soft mode lets it run");
    let denials = a.denials();
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].action, "iam:ListUsers");
    a.set_enforcement(Enforcement::On);
    let out = call_read(
        &a,
        "iam",
        "ListUsers",
        &json!({}),
        &bob,
        &RequestContext::default(),
        false,
    );
    assert_eq!(
        out.result.unwrap_err().error().code.as_str(),
        "AccessDenied"
    );
}

/// Readers share the account: every thread is inside `call_read` on the same `&Account`
/// (a compile-time guarantee that nothing needs `&mut`), and every one of their uses is
/// recorded (the last-used records are not lost to a race).
#[test]
fn many_readers_share_one_account() {
    let (a, alice, key) = account_with_alice();
    let a = &a;
    let ok = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let alice = alice.clone();
                s.spawn(move || {
                    (0..50).all(|_| {
                        call_read(
                            a,
                            "iam",
                            "GetUser",
                            &json!({}),
                            &alice,
                            &RequestContext::default(),
                            false,
                        )
                        .result
                        .is_ok_and(|v| v["User"]["UserName"] == "alice")
                    })
                })
            })
            .collect();
        handles.into_iter().all(|h| h.join().unwrap())
    });
    assert!(ok);
    let root = a.root_caller();
    let used = call_read(
        a,
        "iam",
        "GetAccessKeyLastUsed",
        &json!({"AccessKeyId": key}),
        &root,
        &RequestContext::default(),
        false,
    )
    .result
    .unwrap();
    assert_eq!(used["AccessKeyLastUsed"]["ServiceName"], "iam");
}
