//! Property tests of evaluation invariants (spec §5.1, §5.2, §5.11, §2.1, §2.2): denies only
//! take away, allows only add, an explicit deny always wins, order does not matter, action
//! matching ignores case and resource matching does not.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use iam_eval::{Context, Decision, Engine, Principal, Request};
use iam_model::{
    Condition, ConditionEntry, ConditionValue, Effect, OperatorName, Policy, PrincipalClause, Span,
    Spanned, Statement, ValueList, Version,
};
use proptest::prelude::*;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:*",
    "s3:Get*",
    "ec2:*",
    "*",
    "iam:CreateUser",
    "s3:PutObject",
    "ec2:Describe*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:ec2:*",
    "arn:aws:s3:::other/*",
];
const REQ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "ec2:DescribeInstances",
    "iam:CreateUser",
];
const REQ_RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::other/x",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "*",
];

#[derive(Debug, Clone)]
struct St {
    allow: bool,
    not_action: bool,
    actions: Vec<usize>,
    resources: Vec<usize>,
    cond: Option<usize>,
}

fn st() -> impl Strategy<Value = St> {
    (
        any::<bool>(),
        prop::bool::weighted(0.15),
        prop::collection::vec(0..ACTIONS.len(), 1..3),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        prop::option::weighted(0.3, 0..4usize),
    )
        .prop_map(|(allow, not_action, actions, resources, cond)| St {
            allow,
            not_action,
            actions,
            resources,
            cond,
        })
}

fn condition(i: usize) -> Condition {
    let (op, key, val) = [
        ("StringEquals", "aws:username", "alice"),
        ("Bool", "aws:SecureTransport", "true"),
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"),
        (
            "StringNotEqualsIfExists",
            "aws:RequestedRegion",
            "us-east-1",
        ),
    ][i];
    Condition {
        operator: Spanned::from(OperatorName::parse(op)),
        entries: vec![ConditionEntry {
            key: Spanned::from(key.to_string()),
            values: vec![ConditionValue::string(val)],
            span: Span::default(),
        }],
        span: Span::default(),
    }
}

fn statement(s: &St, principal: bool) -> Statement {
    let mut out = Statement::new(if s.allow { Effect::Allow } else { Effect::Deny });
    out.action = ValueList::of(s.not_action, s.actions.iter().map(|i| ACTIONS[*i]));
    out.resource = Some(ValueList::of(
        false,
        s.resources.iter().map(|i| RESOURCES[*i]),
    ));
    out.conditions = s.cond.map(condition).into_iter().collect();
    if principal {
        out.principal = Some(PrincipalClause {
            negated: false,
            value: iam_model::Principal::Star,
            span: Span::default(),
        });
    }
    out
}

#[derive(Debug, Clone)]
struct Layers {
    identity: Vec<Vec<St>>,
    boundary: Option<Vec<St>>,
    resource: Option<Vec<St>>,
}

fn layers() -> impl Strategy<Value = Layers> {
    (
        prop::collection::vec(prop::collection::vec(st(), 1..4), 0..3),
        prop::option::of(prop::collection::vec(st(), 1..3)),
        prop::option::of(prop::collection::vec(st(), 1..3)),
    )
        .prop_map(|(identity, boundary, resource)| Layers {
            identity,
            boundary,
            resource,
        })
}

struct Built {
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    resource: Option<Policy>,
}

fn build(l: &Layers) -> Built {
    let pol = |v: &[St], principal: bool| {
        Policy::new(
            Some(Version::V2012_10_17),
            v.iter().map(|s| statement(s, principal)).collect(),
        )
    };
    Built {
        identity: l.identity.iter().map(|v| pol(v, false)).collect(),
        boundary: l.boundary.as_deref().map(|v| pol(v, false)),
        resource: l.resource.as_deref().map(|v| pol(v, true)),
    }
}

#[derive(Debug, Clone)]
struct Req {
    action: usize,
    resource: usize,
    secure: bool,
    ip_inside: bool,
}

fn req() -> impl Strategy<Value = Req> {
    (
        0..REQ_ACTIONS.len(),
        0..REQ_RESOURCES.len(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(action, resource, secure, ip_inside)| Req {
            action,
            resource,
            secure,
            ip_inside,
        })
}

fn decide_with(b: &Built, r: &Req, action: &str) -> Decision {
    let mut e = Engine::builder();
    for p in &b.identity {
        e = e.identity(p);
    }
    if let Some(p) = &b.boundary {
        e = e.permissions_boundary(p);
    }
    if let Some(p) = &b.resource {
        e = e.resource(p);
    }
    let engine = e.build().unwrap();
    let alice = Principal::parse("arn:aws:iam::111122223333:user/alice")
        .unwrap()
        .with_permissions_boundary(b.boundary.is_some());
    let mut ctx = Context::new();
    ctx.insert_bool("aws:SecureTransport", r.secure);
    ctx.insert(
        "aws:SourceIp",
        if r.ip_inside {
            "203.0.113.5"
        } else {
            "198.51.100.5"
        },
    );
    let request = Request::new(&alice, action, REQ_RESOURCES[r.resource]).with_context(&ctx);
    let d = engine.evaluate(&request);
    assert_eq!(
        engine.explain(&request).decision,
        d,
        "explain agrees with evaluate"
    );
    d
}

fn decide(b: &Built, r: &Req) -> Decision {
    decide_with(b, r, REQ_ACTIONS[r.action])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // spec §5.2 step 1: adding a Deny statement (to any layer) never yields `allowed` where
    // there was none.
    #[test]
    fn adding_a_deny_never_allows(l in layers(), r in req(), d in st(), which in 0..3usize, pos in 0..3usize) {
        let before = decide(&build(&l), &r);
        let mut l2 = l.clone();
        let d = St { allow: false, ..d };
        let target = match which {
            0 => { if l2.identity.is_empty() { l2.identity.push(vec![]); } let n = l2.identity.len(); &mut l2.identity[pos % n] }
            1 => l2.boundary.get_or_insert_with(Vec::new),
            _ => l2.resource.get_or_insert_with(Vec::new),
        };
        target.push(d);
        let after = decide(&build(&l2), &r);
        prop_assert!(!(after == Decision::Allowed && before != Decision::Allowed), "{before:?} -> {after:?}");
        prop_assert!(!(before == Decision::ExplicitDeny && after != Decision::ExplicitDeny));
    }

    // spec §5.1: statements are OR-ed; removing an Allow never yields `allowed` where there was none.
    #[test]
    fn removing_an_allow_never_allows(l in layers(), r in req(), pick in 0..64usize) {
        let before = decide(&build(&l), &r);
        let mut l2 = l.clone();
        let mut allows: Vec<(usize, usize)> = Vec::new();
        for (pi, p) in l2.identity.iter().enumerate() {
            for (si, s) in p.iter().enumerate() {
                if s.allow { allows.push((pi, si)); }
            }
        }
        prop_assume!(!allows.is_empty());
        let (pi, si) = allows[pick % allows.len()];
        l2.identity[pi].remove(si);
        let after = decide(&build(&l2), &r);
        prop_assert!(!(after == Decision::Allowed && before != Decision::Allowed), "{before:?} -> {after:?}");
    }

    // spec §5.11: an applicable explicit Deny anywhere always wins.
    #[test]
    fn explicit_deny_always_wins(l in layers(), r in req(), which in 0..3usize) {
        let mut l2 = l.clone();
        let deny = St { allow: false, not_action: false, actions: vec![4], resources: vec![0], cond: None };
        match which {
            0 => l2.identity.push(vec![deny]),
            1 => l2.boundary.get_or_insert_with(Vec::new).push(deny),
            _ => l2.resource.get_or_insert_with(Vec::new).push(deny),
        }
        prop_assert_eq!(decide(&build(&l2), &r), Decision::ExplicitDeny);
    }

    // spec §5.1: statements within a policy and policies within a layer are unordered.
    #[test]
    fn order_does_not_matter(l in layers(), r in req(), seed in any::<u64>()) {
        let before = decide(&build(&l), &r);
        let mut l2 = l.clone();
        let rot = |n: usize| if n == 0 { 0 } else { (seed as usize) % n };
        let n = l2.identity.len();
        l2.identity.rotate_left(rot(n));
        for p in l2.identity.iter_mut() { p.reverse(); }
        if let Some(b) = l2.boundary.as_mut() { b.reverse(); }
        if let Some(x) = l2.resource.as_mut() { let n = x.len(); x.rotate_left(rot(n)); }
        prop_assert_eq!(decide(&build(&l2), &r), before);
    }

    // spec §2.1 / §10 item 13: action matching ignores case.
    #[test]
    fn action_case_is_ignored(l in layers(), r in req(), upper in any::<bool>()) {
        let before = decide(&build(&l), &r);
        let a = REQ_ACTIONS[r.action];
        let a2 = if upper { a.to_ascii_uppercase() } else { a.to_ascii_lowercase() };
        prop_assert_eq!(decide_with(&build(&l), &r, &a2), before);
    }

    // spec §2.2 / §10 item 13: resource matching is case-sensitive.
    #[test]
    fn resource_case_matters(name in "[a-z]{1,8}") {
        let mut s = Statement::new(Effect::Allow);
        s.action = ValueList::of(false, ["s3:GetObject"]);
        s.resource = Some(ValueList::of(false, [format!("arn:aws:s3:::b/{name}")]));
        let p = Policy::new(Some(Version::V2012_10_17), vec![s]);
        let engine = Engine::builder().identity(&p).build().unwrap();
        let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        let lower = format!("arn:aws:s3:::b/{name}");
        let upper = format!("arn:aws:s3:::b/{}", name.to_ascii_uppercase());
        prop_assert_eq!(engine.evaluate(&Request::new(&alice, "s3:GetObject", &lower)), Decision::Allowed);
        prop_assert_eq!(engine.evaluate(&Request::new(&alice, "s3:GetObject", &upper)), Decision::ImplicitDeny);
    }
}
