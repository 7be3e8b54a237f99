//! Property test of `check_no_new_access` over random pairs of identity policies built from a
//! vocabulary that touches every modelled part of the language (action and resource globs,
//! `NotAction`/`NotResource`, policy variables, denies, and every condition family with
//! `…IfExists` and the set operators).
//!
//! - Every PASS is searched for a counterexample: requests built from all the constants both
//!   policies mention plus fresh values (every action × resource, with sampled contexts); none
//!   may be allowed by the new policy and not by the existing one.
//! - Every FAIL's example request is evaluated again here: the new policy must allow it and
//!   the existing one must not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_analysis::checks::{AccessCheckPolicyType, CheckResultType, check_no_new_access};
use iam_eval::{Decision, Engine, OwnedContext, Principal, Request};
use iam_model::{Policy, PolicyType};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "s3:Get?bject",
    "ec2:*",
    "*",
    "s3:*Object",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/a*",
    "arn:aws:s3:::c/x",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::*/x",
    "arn:aws:ec2:*:111122223333:instance/*",
];
const CONDITIONS: &[(&str, &str, &[&str])] = &[
    ("StringEquals", "aws:PrincipalTag/team", &["a"]),
    ("StringEquals", "aws:PrincipalTag/team", &["a", "b"]),
    ("StringLike", "aws:PrincipalTag/team", &["a*"]),
    ("StringNotEquals", "aws:PrincipalTag/team", &["b"]),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", &["A"]),
    ("StringNotLike", "aws:PrincipalTag/team", &["*b"]),
    ("StringEqualsIfExists", "aws:PrincipalTag/team", &["a"]),
    ("NumericLessThan", "s3:max-keys", &["10"]),
    ("NumericGreaterThanEquals", "s3:max-keys", &["5"]),
    ("NumericEquals", "s3:max-keys", &["5", "11"]),
    ("NumericNotEquals", "s3:max-keys", &["6"]),
    ("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
    ("IpAddress", "aws:SourceIp", &["10.1.0.0/16"]),
    ("NotIpAddress", "aws:SourceIp", &["10.1.0.0/16"]),
    ("Bool", "aws:MultiFactorAuthPresent", &["true"]),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", &["true"]),
    ("Bool", "aws:MultiFactorAuthPresent", &["false"]),
    ("Null", "aws:PrincipalTag/team", &["true"]),
    ("Null", "s3:max-keys", &["false"]),
    ("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]),
    ("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team"]),
    ("ForAnyValue:StringLike", "aws:TagKeys", &["t*"]),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"]),
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        &["2024-01-01T00:00:00Z"],
    ),
    ("DateLessThan", "aws:CurrentTime", &["2025-01-01T00:00:00Z"]),
    ("StringEquals", "aws:username", &["alice"]),
    (
        "ArnLike",
        "aws:SourceArn",
        &["arn:aws:sns:*:111122223333:*"],
    ),
    (
        "ArnNotEquals",
        "aws:SourceArn",
        &["arn:aws:sns:us-east-1:111122223333:t"],
    ),
];

/// Request values: every constant above, values next to them, and fresh ones.
const REQ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:GetBucketAcl",
    "s3:GetXbject",
    "s3:DeleteObject",
    "ec2:RunInstances",
    "iam:PassRole",
    "sqs:SendMessage",
    "s3:ListBucket",
    "zz:Fresh",
];
const REQ_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::b/ab",
    "arn:aws:s3:::b/alice/k",
    "arn:aws:s3:::b/bob/k",
    "arn:aws:s3:::c/x",
    "arn:aws:s3:::d/x",
    "arn:aws:s3:::c/y",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:ec2:us-east-1:444455556666:instance/i-1",
];
const REQ_KEYS: &[(&str, &[&[&str]])] = &[
    (
        "aws:PrincipalTag/team",
        &[&["a"], &["b"], &["ab"], &["A"], &["zz"], &["a", "b"]],
    ),
    (
        "s3:max-keys",
        &[&["4"], &["5"], &["6"], &["10"], &["11"], &["x"], &["5.5"]],
    ),
    (
        "aws:SourceIp",
        &[&["10.0.0.1"], &["10.1.2.3"], &["192.0.2.1"], &["x"]],
    ),
    (
        "aws:MultiFactorAuthPresent",
        &[&["true"], &["false"], &["TRUE"], &["x"]],
    ),
    (
        "aws:TagKeys",
        &[
            &["env"],
            &["env", "team"],
            &["team"],
            &["x"],
            &["tx", "env"],
        ],
    ),
    (
        "aws:CurrentTime",
        &[
            &["2023-01-01T00:00:00Z"],
            &["2024-06-01T00:00:00Z"],
            &["2026-01-01T00:00:00Z"],
            &["2024-01-01T00:00:00Z"],
        ],
    ),
    ("aws:username", &[&["alice"], &["bob"]]),
    (
        "aws:SourceArn",
        &[
            &["arn:aws:sns:us-east-1:111122223333:t"],
            &["arn:aws:sns:us-east-1:999988887777:t"],
            &["arn:aws:sns:us-east-1:111122223333:x:y"],
            &["junk"],
        ],
    ),
];

#[derive(Debug, Clone)]
struct St {
    deny: bool,
    not_action: bool,
    actions: Vec<usize>,
    not_resource: bool,
    resources: Vec<usize>,
    conditions: Vec<usize>,
}

fn st() -> impl Strategy<Value = St> {
    (
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.1),
        prop::collection::vec(0..ACTIONS.len(), 1..3),
        prop::bool::weighted(0.1),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        prop::collection::vec(0..CONDITIONS.len(), 0..3),
    )
        .prop_map(
            |(deny, not_action, actions, not_resource, resources, conditions)| St {
                deny,
                not_action,
                actions,
                not_resource,
                resources,
                conditions,
            },
        )
}

fn policy(sts: &[St]) -> Policy {
    let statements: Vec<Value> = sts
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.insert(
                "Effect".into(),
                json!(if s.deny { "Deny" } else { "Allow" }),
            );
            let acts: Vec<&str> = s.actions.iter().map(|i| ACTIONS[*i]).collect();
            m.insert(
                if s.not_action { "NotAction" } else { "Action" }.into(),
                json!(acts),
            );
            let res: Vec<&str> = s.resources.iter().map(|i| RESOURCES[*i]).collect();
            m.insert(
                if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }
                .into(),
                json!(res),
            );
            if !s.conditions.is_empty() {
                let mut c = Map::new();
                for i in &s.conditions {
                    let (op, key, vals) = CONDITIONS[*i];
                    let e = c.entry(op.to_string()).or_insert_with(|| json!({}));
                    e[key] = json!(vals);
                }
                m.insert("Condition".into(), Value::Object(c));
            }
            Value::Object(m)
        })
        .collect();
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    iam_parser::parse_policy(&text, PolicyType::Identity).unwrap()
}

fn allowed(e: &Engine, action: &str, resource: &str, ctx: &OwnedContext) -> bool {
    let p = Principal::unnamed_user("111122223333");
    let c = ctx.as_context();
    e.evaluate(&Request::new(&p, action, resource).with_context(&c)) == Decision::Allowed
}

fn context(choice: &[usize]) -> OwnedContext {
    let mut ctx = OwnedContext::default();
    for ((key, values), c) in REQ_KEYS.iter().zip(choice) {
        if let Some(v) = values.get(*c) {
            if v.len() == 1 {
                ctx.insert_one(key, v[0]);
            } else {
                ctx.insert(key, v.iter().map(|s| s.to_string()).collect());
            }
        }
    }
    ctx
}

static PASSES: AtomicUsize = AtomicUsize::new(0);
static FAILS: AtomicUsize = AtomicUsize::new(0);
static WITNESSES: AtomicUsize = AtomicUsize::new(0);
static UNDECIDED: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("CHECK_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000), max_shrink_iters: 200, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn pass_is_sound_and_fail_is_confirmed(
        old in prop::collection::vec(st(), 1..4),
        fresh in prop::collection::vec(st(), 1..4),
        // Half of the pairs derive the new policy from the old one (statements dropped, a deny
        // added), which makes PASS answers frequent.
        derive in any::<bool>(),
        keep in prop::collection::vec(any::<bool>(), 4),
        // Context choices: one index per key (an index past the list = key absent).
        contexts in prop::collection::vec(prop::collection::vec(0usize..8, REQ_KEYS.len()), 8),
    ) {
        let new: Vec<St> = if derive {
            let mut n: Vec<St> = old.iter().zip(keep.iter().cycle()).filter(|(_, k)| **k).map(|(s, _)| s.clone()).collect();
            if let Some(d) = fresh.first() {
                n.push(St { deny: true, ..d.clone() });
            }
            let allow_first = fresh.iter().find(|s| !s.deny).cloned();
            if n.iter().all(|s| s.deny) && let Some(a) = allow_first { n.push(a) }
            n
        } else {
            fresh.clone()
        };
        let (old, new) = (policy(&old), policy(&new));
        let r = check_no_new_access(&new, &old, AccessCheckPolicyType::Identity);
        let eo = Engine::builder().identity(&old).build().unwrap();
        let en = Engine::builder().identity(&new).build().unwrap();
        match r.result {
            CheckResultType::Pass => {
                PASSES.fetch_add(1, Ordering::Relaxed);
                // The empty context, each key alone with each of its values, and the samples.
                let mut ctxs = vec![OwnedContext::default()];
                for (i, (_, vals)) in REQ_KEYS.iter().enumerate() {
                    for j in 0..vals.len() {
                        let mut choice = vec![99; REQ_KEYS.len()];
                        choice[i] = j;
                        ctxs.push(context(&choice));
                    }
                }
                ctxs.extend(contexts.iter().map(|c| context(c)));
                for a in REQ_ACTIONS {
                    for res in REQ_RESOURCES {
                        for c in &ctxs {
                            prop_assert!(
                                !allowed(&en, a, res, c) || allowed(&eo, a, res, c),
                                "PASS but {a} on {res} with {c:?} is new access\nold: {}\nnew: {}",
                                old.to_json(), new.to_json()
                            );
                        }
                    }
                }
            }
            CheckResultType::Fail => {
                FAILS.fetch_add(1, Ordering::Relaxed);
                prop_assert!(!r.reasons.is_empty());
                for reason in &r.reasons {
                    match &reason.request {
                        Some(req) => {
                            WITNESSES.fetch_add(1, Ordering::Relaxed);
                            let mut c = OwnedContext::default();
                            for (k, v) in &req.context {
                                if v.len() == 1 { c.insert_one(k, &v[0]) } else { c.insert(k, v.clone()) }
                            }
                            prop_assert!(allowed(&en, &req.action, &req.resource, &c), "{req:?} not allowed by new");
                            prop_assert!(!allowed(&eo, &req.action, &req.resource, &c), "{req:?} allowed by old");
                        }
                        None => { UNDECIDED.fetch_add(1, Ordering::Relaxed); if std::env::var("CHECK_VERBOSE").is_ok() { eprintln!("UNDECIDED {}\nold {}\nnew {}", reason.description, old.to_json(), new.to_json()); } prop_assert!(reason.description.contains("could not rule it out"), "{reason:?}") }
                    }
                }
            }
        }
    }
}

#[test]
fn zz_report() {
    // Runs after the property (alphabetical order within one thread is not guaranteed; the
    // counters are only printed for the record).
    eprintln!(
        "PASS {} FAIL {} confirmed requests {} undecided reasons {}",
        PASSES.load(Ordering::Relaxed),
        FAILS.load(Ordering::Relaxed),
        WITNESSES.load(Ordering::Relaxed),
        UNDECIDED.load(Ordering::Relaxed)
    );
}
