//! Robustness: `validate` and `parse_policy` never panic on hostile input, hostile sizes and
//! depths are refused with their own findings, and printing then parsing a generated policy
//! gives it back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use iam_model::{
    BaseOperator, Condition, ConditionEntry, ConditionOperator, ConditionValue, Effect,
    OperatorName, Policy, PolicyType, Principal, PrincipalClause, PrincipalKey, SetQualifier, Span,
    Spanned, Statement, ValueKind, ValueList, Version,
};
use iam_parser::{parse_policy, validate};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Every policy type, so each type's rules see every input.
const TYPES: [PolicyType; 8] = PolicyType::ALL;

fn exercise(text: &str) {
    for t in TYPES {
        let _ = validate(text, t);
    }
    let _ = parse_policy(text, PolicyType::Identity);
    let _ = parse_policy(text, PolicyType::Resource);
}

/// A few dozen small real managed policies, read once.
fn seeds() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../iam-model/data/aws-managed-policies/policies");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut docs: Vec<String> = files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .filter(|t| t.len() < 3_000)
            .collect();
        // spread over the alphabet, and keep those with conditions and principals
        let step = (docs.len() / 40).max(1);
        let mut picked: Vec<String> = docs.iter().step_by(step).cloned().collect();
        docs.retain(|d| d.contains("\"Condition\""));
        picked.extend(docs.into_iter().take(10));
        assert!(
            picked.len() >= 20,
            "managed policies not found in {}",
            dir.display()
        );
        picked
    })
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Insert(usize, u8),
    Replace(usize, u8),
    Truncate(usize),
    Duplicate(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"{}[]\":,\\ -0123456789.eEtrufalsn*$?/\n\t".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(a, b, c)| Mutation::Duplicate(a, b, c)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match *m {
        Mutation::Delete(i) if n > 0 => {
            bytes.remove(i % n);
        }
        Mutation::Insert(i, b) => bytes.insert(i % (n + 1), b),
        Mutation::Replace(i, b) if n > 0 => bytes[i % n] = b,
        Mutation::Truncate(i) => bytes.truncate(i % (n + 1)),
        Mutation::Duplicate(a, len, at) if n > 0 => {
            let start = a % n;
            let end = start + len % (n - start + 1).min(256);
            let slice = bytes[start..end].to_vec();
            let at = at % (n + 1);
            bytes.splice(at..at, slice);
        }
        _ => {}
    }
}

// ---- generated policies ---------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9:*?/._${}-]{0,24}",
        1 => "\\PC{0,12}",
        1 => ".{0,8}",
    ]
}

fn spanned(s: String) -> Spanned<String> {
    Spanned::new(s, Span::default())
}

fn value_list(negated: bool) -> impl Strategy<Value = ValueList> {
    prop::collection::vec(text(), 0..5).prop_map(move |v| ValueList {
        negated,
        values: v.into_iter().map(spanned).collect(),
        span: Span::default(),
    })
}

fn principal() -> impl Strategy<Value = PrincipalClause> {
    let keys = [
        PrincipalKey::Aws,
        PrincipalKey::Service,
        PrincipalKey::Federated,
        PrincipalKey::CanonicalUser,
    ];
    let map = prop::sample::subsequence(keys.to_vec(), 0..=4)
        .prop_flat_map(|ks| {
            let n = ks.len();
            (
                Just(ks),
                prop::collection::vec(prop::collection::vec(text(), 0..4), n),
            )
        })
        .prop_map(|(ks, vals)| {
            Principal::Map(
                ks.into_iter()
                    .zip(vals)
                    .map(|(k, vs)| {
                        (
                            Spanned::new(k, Span::default()),
                            vs.into_iter().map(spanned).collect(),
                        )
                    })
                    .collect(),
            )
        });
    (
        any::<bool>(),
        prop_oneof![1 => Just(Principal::Star), 3 => map],
    )
        .prop_map(|(negated, value)| PrincipalClause {
            negated,
            value,
            span: Span::default(),
        })
}

fn condition_value() -> impl Strategy<Value = ConditionValue> {
    prop_oneof![
        text().prop_map(|t| ConditionValue {
            kind: ValueKind::String,
            text: t,
            span: Span::default()
        }),
        "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?".prop_map(|t| {
            ConditionValue {
                kind: ValueKind::Number,
                text: t,
                span: Span::default(),
            }
        }),
        any::<bool>().prop_map(|b| ConditionValue {
            kind: ValueKind::Bool,
            text: b.to_string(),
            span: Span::default()
        }),
    ]
}

fn operator() -> impl Strategy<Value = ConditionOperator> {
    (
        prop::sample::select(BaseOperator::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec![
            SetQualifier::ForAllValues,
            SetQualifier::ForAnyValue,
        ])),
        any::<bool>(),
    )
        .prop_map(|(base, qualifier, if_exists)| ConditionOperator {
            qualifier,
            base,
            if_exists,
        })
}

fn conditions() -> impl Strategy<Value = Vec<Condition>> {
    let entries =
        prop::collection::btree_map(text(), prop::collection::vec(condition_value(), 0..4), 0..3);
    prop::collection::vec((operator(), entries), 0..3).prop_map(|ops| {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (op, entries) in ops {
            // JSON object keys must be unique: one block per operator.
            let name = op.to_string();
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            out.push(Condition {
                operator: Spanned::new(OperatorName::Known(op), Span::default()),
                entries: entries
                    .into_iter()
                    .map(|(k, values)| ConditionEntry {
                        key: spanned(k),
                        values,
                        span: Span::default(),
                    })
                    .collect(),
                span: Span::default(),
            });
        }
        out
    })
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        prop::option::of("[A-Za-z0-9]{0,10}"),
        prop::sample::select(vec![Effect::Allow, Effect::Deny]),
        prop::option::of(principal()),
        any::<bool>().prop_flat_map(value_list),
        prop::option::of(any::<bool>().prop_flat_map(value_list)),
        conditions(),
    )
        .prop_map(
            |(sid, effect, principal, action, resource, conditions)| Statement {
                sid: sid.map(spanned),
                effect: Spanned::new(effect, Span::default()),
                principal,
                action,
                resource,
                conditions,
                span: Span::default(),
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::option::of(prop::sample::select(vec![
            Version::V2012_10_17,
            Version::V2008_10_17,
        ])),
        prop::option::of(text()),
        prop::collection::vec(statement(), 1..4),
    )
        .prop_map(|(version, id, statements)| {
            let mut p = Policy::new(version, statements);
            p.id = id.map(spanned);
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn json_ish_strings_never_panic(s in "[\\[\\]{}\":, \\n\\t\\\\/0-9a-zA-Z.*?$_+-]{0,200}") {
        exercise(&s);
    }

    #[test]
    fn policy_shaped_strings_never_panic(
        parts in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", "\"Version\"", "\"2012-10-17\"", "\"Statement\"", "\"Effect\"", "\"Allow\"",
            "\"Deny\"", "\"Action\"", "\"NotAction\"", "\"Resource\"", "\"Principal\"", "\"NotPrincipal\"", "\"AWS\"",
            "\"Condition\"", "\"StringEquals\"", "\"ForAllValues:StringLike\"", "\"NumericLessThan\"", "\"Bool\"",
            "\"aws:SourceIp\"", "\"10.0.0.0/8\"", "\"s3:*\"", "\"*\"", "\"arn:aws:s3:::b/${aws:username}\"", "true", "1.5e3",
            "null", "\"\\u00e9\"", "\"\\ud800\"", "\"Sid\"", "\"Sid\"",
        ]), 0..60),
    ) {
        exercise(&parts.concat());
    }

    #[test]
    fn mutated_managed_policies_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(mutation(), 1..6),
    ) {
        let docs = seeds();
        let mut bytes = docs[seed.index(docs.len())].clone().into_bytes();
        for m in &edits {
            apply(&mut bytes, m);
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn generated_policies_print_then_parse_to_themselves(p in policy()) {
        let printed = p.to_json();
        let back = parse_policy(&printed, PolicyType::Resource);
        prop_assert!(back.is_ok(), "{printed}: {:?}", back.err());
        prop_assert_eq!(back.unwrap(), p, "{}", printed);
        // and every validation of it terminates
        exercise(&printed);
    }
}

// ---- hostile sizes and depths ---------------------------------------------------------------

#[test]
fn deep_nesting_is_refused_with_the_depth_finding() {
    let deep = "[".repeat(100_000);
    for t in TYPES {
        let f = validate(&deep, t);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "POLICY_TOO_DEEP");
    }
    assert_eq!(
        parse_policy(&deep, PolicyType::Identity).unwrap_err().code,
        "POLICY_TOO_DEEP"
    );
    // objects too, and a closed document
    let objects = "{\"a\":".repeat(100_000);
    assert_eq!(
        parse_policy(&objects, PolicyType::Identity)
            .unwrap_err()
            .code,
        "POLICY_TOO_DEEP"
    );
    let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        validate(&closed, PolicyType::Resource)[0].code,
        "POLICY_TOO_DEEP"
    );
}

#[test]
fn ten_megabytes_are_refused_with_the_size_finding() {
    let big = format!(
        "{{\"Version\":\"2012-10-17\",\"Id\":\"{}\"}}",
        "a".repeat(10 * 1024 * 1024)
    );
    for t in TYPES {
        let f = validate(&big, t);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "POLICY_TOO_LARGE");
    }
    assert_eq!(
        parse_policy(&big, PolicyType::Identity).unwrap_err().code,
        "POLICY_TOO_LARGE"
    );
    // also when it is not JSON at all
    let junk = "\u{1}".repeat(10 * 1024 * 1024);
    assert_eq!(
        parse_policy(&junk, PolicyType::Identity).unwrap_err().code,
        "POLICY_TOO_LARGE"
    );
}

#[test]
fn seeds_are_read() {
    for d in seeds() {
        assert!(parse_policy(d, PolicyType::Identity).is_ok());
    }
}
