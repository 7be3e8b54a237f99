#![allow(missing_docs, clippy::unwrap_used)]
use iam_eval::account::Account;
use iam_eval::analysis::what_can;
use iam_eval::{Engine, Principal, Request};
use std::time::Instant;

#[test]
#[ignore]
fn timing() {
    let mut ro = Account::new("123456789012").unwrap();
    ro.create_user("reader", None).unwrap();
    ro.attach_user_policy("reader", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    let reader = "arn:aws:iam::123456789012:user/reader";
    let w = what_can(&ro, reader).unwrap();
    let t = Instant::now();
    for _ in 0..20 { std::hint::black_box(what_can(&ro, reader).unwrap()); }
    eprintln!("what_can {:?} ({} actions)", t.elapsed() / 20, w.len());
    let doc = iam_model::entities::aws_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    let p = iam_parser::parse_policy(doc.document, iam_model::PolicyType::Identity).unwrap();
    eprintln!("statements {} patterns {}", p.statements.len(), p.statements.iter().map(|s| s.action.values.len()).sum::<usize>());
    let t = Instant::now();
    for _ in 0..20 { std::hint::black_box(Engine::builder().identity(&p).build().unwrap()); }
    eprintln!("compile {:?}", t.elapsed() / 20);
    let e = Engine::builder().identity(&p).build().unwrap();
    let pr = Principal::parse(reader).unwrap();
    let names: Vec<&str> = w.actions().map(|a| a.action).collect();
    let t = Instant::now();
    for _ in 0..20 { for n in &names { std::hint::black_box(e.evaluate(&Request::new(&pr, n, "*"))); } }
    eprintln!("evals {:?}", t.elapsed() / 20);
    let cat = iam_model::catalog::Catalog::get();
    let t = Instant::now();
    for _ in 0..20 { for s in &p.statements { for a in s.action.iter() { std::hint::black_box(cat.matching(a).count()); } } }
    eprintln!("expand {:?}", t.elapsed() / 20);
}
