//! The account model at scale (issue #4): a synthetic account of 5,000 roles × 10 policies
//! (5 inline + 5 attached customer managed, each a realistic 2-4 statement policy) built
//! through the public operations, and the time to authorize one request in it.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench account -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_account::{Account, Quotas};
use iam_eval::{Context, Decision};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ROLES: usize = 5000;
const MANAGED: usize = 500;

fn trust(i: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:user/ops{i}"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}]}}"#
    )
}

/// A 2-4 statement identity policy, varied by `i` and `j`.
fn policy(i: usize, j: usize) -> String {
    let svc = ["s3", "dynamodb", "sqs", "logs", "kms"][j % 5];
    let arn = if svc == "s3" {
        format!("arn:aws:s3:::app{i}-{j}/*")
    } else {
        format!("arn:aws:{svc}:us-east-1:123456789012:app{i}-{j}/*")
    };
    let mut st = vec![
        format!(
            r#"{{"Sid":"Read{j}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List*","{svc}:Describe*"],"Resource":"{arn}"}}"#
        ),
        format!(
            r#"{{"Sid":"Write{j}","Effect":"Allow","Action":["{svc}:Put*","{svc}:Update*"],"Resource":"{arn}","Condition":{{"StringEquals":{{"aws:RequestedRegion":"us-east-1"}}}}}}"#
        ),
    ];
    if (i + j).is_multiple_of(2) {
        st.push(format!(r#"{{"Sid":"Deny{j}","Effect":"Deny","Action":"{svc}:Delete*","Resource":"*","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"false"}}}}}}"#));
    }
    if (i + j).is_multiple_of(3) {
        st.push(format!(r#"{{"Sid":"Tag{j}","Effect":"Allow","Action":"{svc}:TagResource","Resource":"*","Condition":{{"StringLike":{{"aws:ResourceTag/team":"team-{i}"}}}}}}"#));
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

fn build(managed: &[String], inline: &[Vec<String>], trusts: &[String]) -> Account {
    let mut a = Account::new("123456789012").unwrap();
    a.set_quotas(Quotas {
        roles: 5000,
        policies: 5000,
        ..Quotas::default()
    });
    for (k, d) in managed.iter().enumerate() {
        a.create_policy(&format!("managed-{k}"), d, None, None)
            .unwrap();
    }
    for i in 0..ROLES {
        let name = format!("role-{i}");
        a.create_role(&name, &trusts[i]).unwrap();
        for (j, d) in inline[i].iter().enumerate() {
            a.put_role_policy(&name, &format!("inline-{j}"), d).unwrap();
        }
        for j in 0..5 {
            a.attach_role_policy(
                &name,
                &format!(
                    "arn:aws:iam::123456789012:policy/managed-{}",
                    (i * 5 + j) % MANAGED
                ),
            )
            .unwrap();
        }
    }
    a
}

/// The largest real snapshot (cloudsplaining-example.json, 664 KB: 41 users, 3 groups, 75 roles,
/// 56 managed policies): read the file's text into an Account, then authorize a first request
/// (which gathers the layers and compiles the engine).
fn bench_snapshot(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../iam-parser/tests/data/account-authorization-details/cloudsplaining-example.json"
    );
    let text = std::fs::read_to_string(path).expect("snapshot");
    let principal = "arn:aws:iam::200611803367:user/fn1-privesc3-partial-user";
    let ctx = Context::new();
    let load = |text: &str| {
        let details = iam_parser::gaad::parse_authorization_details(text).unwrap();
        Account::from_authorization_details(&details).unwrap()
    };
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(20);
    g.bench_function("load_largest_snapshot", |b| {
        b.iter(|| black_box(load(black_box(&text))))
    });
    g.bench_function("load_largest_snapshot_and_authorize", |b| {
        b.iter(|| {
            let account = load(black_box(&text));
            black_box(
                account
                    .authorize(principal, "iam:PassRole", "*", &ctx)
                    .unwrap()
                    .decision,
            )
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let managed: Vec<String> = (0..MANAGED).map(|k| policy(k, k % 7)).collect();
    let inline: Vec<Vec<String>> = (0..ROLES)
        .map(|i| (0..5).map(|j| policy(i, j)).collect())
        .collect();
    let trusts: Vec<String> = (0..ROLES).map(trust).collect();

    let t = Instant::now();
    let account = build(&managed, &inline, &trusts);
    eprintln!("one build of 5,000 roles x 10 policies: {:?}", t.elapsed());

    let mut g = c.benchmark_group("account");
    g.sample_size(10);
    g.bench_function("build_5000_roles_x10_policies", |b| {
        b.iter(|| black_box(build(&managed, &inline, &trusts)))
    });
    g.finish();

    let principal = "arn:aws:sts::123456789012:assumed-role/role-4242/s";
    let resource = "arn:aws:dynamodb:us-east-1:123456789012:app4242-1/table";
    let mut ctx = Context::new();
    ctx.insert("aws:RequestedRegion", "us-east-1");
    let ex = account
        .authorize(principal, "dynamodb:PutItem", resource, &ctx)
        .unwrap();
    assert_eq!(ex.decision, Decision::Allowed, "{ex}");
    let mut g = c.benchmark_group("account");
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("authorize_one_request", |b| {
        b.iter(|| {
            black_box(
                account
                    .authorize(black_box(principal), "dynamodb:PutItem", resource, &ctx)
                    .unwrap()
                    .decision,
            )
        })
    });
    g.finish();
}

/// Issue #11: the cost of authenticating and authorizing a client call (enforced) over the
/// unenforced call (`Enforcement::Off`, authentication only), for `GetUser` and `ListUsers`
/// by a user with ReadOnlyAccess in a 200-user account. Target: ≤ 20 µs added per call.
fn bench_enforce(c: &mut Criterion) {
    use iam_account::Enforcement;
    let mut a = Account::new("111122223333").unwrap();
    for i in 0..200 {
        a.create_user(&format!("user{i}"), Some("/team/")).unwrap();
    }
    a.attach_user_policy("user7", "arn:aws:iam::aws:policy/ReadOnlyAccess")
        .unwrap();
    let k = a.create_access_key(Some("user7")).unwrap();
    let id = k.access_key_id.clone();
    let secret = k.secret_access_key.expose().to_string();
    let get = serde_json::json!({"UserName": "user42"});
    let list = serde_json::json!({});
    let mut g = c.benchmark_group("enforce");
    for (mode, label) in [
        (Enforcement::Off, "unenforced"),
        (Enforcement::On, "enforced"),
    ] {
        a.set_enforcement(mode);
        g.bench_function(format!("get_user_{label}"), |b| {
            b.iter(|| {
                let caller = a.authenticate(&id, &secret, None).unwrap();
                a.enforce_call(&caller, "iam", "GetUser", &get).unwrap();
                std::hint::black_box(a.get_user("user42").unwrap().arn.len())
            })
        });
        g.bench_function(format!("list_users_{label}"), |b| {
            b.iter(|| {
                let caller = a.authenticate(&id, &secret, None).unwrap();
                a.enforce_call(&caller, "iam", "ListUsers", &list).unwrap();
                std::hint::black_box(a.list_users(None).unwrap().len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_snapshot, bench_enforce);
criterion_main!(benches);
