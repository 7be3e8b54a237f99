//! Every finding in one pass (issue #9, part 6): policies built from independent problems,
//! spread over statements in every order (and several in one statement), report every finding
//! of every problem, each at its statement's path — and nothing else.
//!
//! Each problem's findings are first measured alone (the problem in statement 1 of an otherwise
//! clean policy) and checked against the finding it must give; a combination must then report
//! exactly the union of its problems' findings, moved to the statements they were placed in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iam_model::PolicyType;
use std::collections::BTreeSet;

/// One independent problem: how it changes a clean statement, the finding it must give (code
/// and path below the statement, `""` for the statement itself), and the elements it touches
/// (two problems go in one statement only when these are disjoint).
struct Problem {
    name: &'static str,
    apply: fn(&mut Stmt),
    code: &'static str,
    at: &'static str,
    touches: &'static [&'static str],
}

/// A statement as ordered `(key, raw JSON value)` members, or a raw non-object value.
#[derive(Clone)]
enum Stmt {
    Members(Vec<(String, String)>),
    Raw(String),
}

impl Stmt {
    fn clean() -> Stmt {
        Stmt::Members(vec![
            ("Effect".into(), "\"Allow\"".into()),
            ("Action".into(), "\"s3:GetObject\"".into()),
            ("Resource".into(), "\"arn:aws:s3:::bucket/*\"".into()),
        ])
    }
    fn set(&mut self, key: &str, value: &str) {
        let Stmt::Members(m) = self else { return };
        match m.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value.into(),
            None => m.push((key.into(), value.into())),
        }
    }
    fn remove(&mut self, key: &str) {
        if let Stmt::Members(m) = self {
            m.retain(|(k, _)| k != key);
        }
    }
    fn push(&mut self, key: &str, value: &str) {
        if let Stmt::Members(m) = self {
            m.push((key.into(), value.into()));
        }
    }
    fn json(&self) -> String {
        match self {
            Stmt::Raw(s) => s.clone(),
            Stmt::Members(m) => {
                let body: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }
        }
    }
}

const SID: &str = "Twin";

fn problems() -> Vec<Problem> {
    vec![
        Problem {
            name: "bad Effect case",
            apply: |s| s.set("Effect", "\"allow\""),
            code: "INVALID_EFFECT",
            at: ".Effect",
            touches: &["Effect"],
        },
        Problem {
            name: "missing Effect",
            apply: |s| s.remove("Effect"),
            code: "MISSING_EFFECT",
            at: "",
            touches: &["Effect"],
        },
        Problem {
            name: "Action is a number",
            apply: |s| s.set("Action", "42"),
            code: "DATA_TYPE_MISMATCH",
            at: ".Action",
            touches: &["Action"],
        },
        Problem {
            name: "Action is an object",
            apply: |s| s.set("Action", "{\"s3\": \"GetObject\"}"),
            code: "DATA_TYPE_MISMATCH",
            at: ".Action",
            touches: &["Action"],
        },
        Problem {
            name: "Action array holds a number",
            apply: |s| s.set("Action", "[\"s3:GetObject\", 7]"),
            code: "DATA_TYPE_MISMATCH",
            at: ".Action[1]",
            touches: &["Action"],
        },
        Problem {
            name: "missing Action",
            apply: |s| s.remove("Action"),
            code: "MISSING_ACTION",
            at: "",
            touches: &["Action"],
        },
        Problem {
            name: "Action and NotAction",
            apply: |s| s.push("NotAction", "\"s3:PutObject\""),
            code: "UNSUPPORTED_ELEMENT_COMBINATION",
            at: ".NotAction",
            touches: &["Action"],
        },
        Problem {
            name: "unknown action",
            apply: |s| s.set("Action", "\"s3:GetObjekt\""),
            code: "INVALID_ACTION",
            at: ".Action",
            touches: &["Action"],
        },
        Problem {
            name: "missing Resource",
            apply: |s| s.remove("Resource"),
            code: "MISSING_RESOURCE",
            at: "",
            touches: &["Resource"],
        },
        Problem {
            name: "Resource is a boolean",
            apply: |s| s.set("Resource", "true"),
            code: "DATA_TYPE_MISMATCH",
            at: ".Resource",
            touches: &["Resource"],
        },
        Problem {
            name: "bad ARN",
            apply: |s| s.set("Resource", "\"arn:aws:s3\""),
            code: "MISSING_ARN_FIELD",
            at: ".Resource",
            touches: &["Resource"],
        },
        Problem {
            name: "duplicate key",
            apply: |s| s.push("Resource", "\"*\""),
            code: "DUPLICATE_KEY",
            at: ".Resource",
            touches: &["Resource"],
        },
        Problem {
            name: "unknown element",
            apply: |s| s.push("Condtion", "{}"),
            code: "INVALID_POLICY_ELEMENT",
            at: ".Condtion",
            touches: &["Condtion"],
        },
        Problem {
            name: "invalid condition operator",
            apply: |s| {
                s.set(
                    "Condition",
                    "{\"StringEqualz\": {\"aws:username\": \"bob\"}}",
                )
            },
            code: "INVALID_CONDITION_OPERATOR",
            at: ".Condition.StringEqualz",
            touches: &["Condition"],
        },
        Problem {
            name: "Condition is a string",
            apply: |s| s.set("Condition", "\"aws:SecureTransport\""),
            code: "DATA_TYPE_MISMATCH",
            at: ".Condition",
            touches: &["Condition"],
        },
        Problem {
            name: "Principal in an identity policy",
            apply: |s| s.set("Principal", "{\"AWS\": \"111122223333\"}"),
            code: "UNSUPPORTED_PRINCIPAL",
            at: ".Principal",
            touches: &["Principal"],
        },
        Problem {
            name: "Principal is a bare ARN",
            apply: |s| s.set("Principal", "\"arn:aws:iam::111122223333:root\""),
            code: "INVALID_PRINCIPAL_FORMAT",
            at: ".Principal",
            touches: &["Principal"],
        },
        Problem {
            name: "duplicate Sid",
            apply: |s| s.set("Sid", &format!("\"{SID}\"")),
            code: "UNIQUE_SIDS_REQUIRED",
            at: ".Sid",
            touches: &["Sid"],
        },
        Problem {
            name: "statement is not an object",
            apply: |s| *s = Stmt::Raw("\"Allow s3:GetObject\"".into()),
            code: "DATA_TYPE_MISMATCH",
            at: "",
            touches: &["*"],
        },
    ]
}

/// A policy: Version (valid or not), statement 0 a clean anchor holding the Sid the
/// duplicate-Sid problem repeats, then the given statements.
fn document(bad_version: bool, statements: &[Stmt]) -> String {
    let mut anchor = Stmt::clean();
    anchor.set("Sid", &format!("\"{SID}\""));
    anchor.set("Action", "\"s3:ListBucket\"");
    anchor.set("Resource", "\"arn:aws:s3:::bucket\"");
    let all: Vec<String> = std::iter::once(anchor)
        .chain(statements.iter().cloned())
        .map(|s| s.json())
        .collect();
    let version = if bad_version {
        "2012-10-18"
    } else {
        "2012-10-17"
    };
    format!(
        "{{\"Version\": \"{version}\", \"Statement\": [\n  {}\n]}}",
        all.join(",\n  ")
    )
}

type Found = BTreeSet<(&'static str, String)>;

fn found(text: &str) -> Found {
    iam_parser::validate(text, PolicyType::Identity)
        .into_iter()
        .map(|f| (f.code, f.path))
        .collect()
}

/// Each problem's findings alone, with paths below `Statement[1]` kept relative (`@` marks the
/// statement) and document-level paths as they are.
fn alone(problems: &[Problem]) -> Vec<Found> {
    let clean = found(&document(false, &[Stmt::clean()]));
    assert!(clean.is_empty(), "the clean policy has findings: {clean:?}");
    problems
        .iter()
        .map(|p| {
            let mut s = Stmt::clean();
            (p.apply)(&mut s);
            let text = document(false, &[s]);
            let f: Found = found(&text)
                .into_iter()
                .map(|(code, path)| match path.strip_prefix("Statement[1]") {
                    Some(rest) => (code, format!("@{rest}")),
                    None => (code, path),
                })
                .collect();
            let want = (p.code, format!("@{}", p.at));
            assert!(
                f.contains(&want),
                "{}: expected {want:?} among {f:?}\n{text}",
                p.name
            );
            f
        })
        .collect()
}

/// The findings a document with `placed[i]` (problem indices) in statement `i + 1` must
/// report.
fn expected(alone: &[Found], placed: &[Vec<usize>], bad_version: bool) -> Found {
    let mut want = Found::new();
    if bad_version {
        want.insert(("INVALID_VERSION", "Version".into()));
    }
    for (i, ps) in placed.iter().enumerate() {
        for &p in ps {
            for (code, path) in &alone[p] {
                let path = match path.strip_prefix('@') {
                    Some(rest) => format!("Statement[{}]{rest}", i + 1),
                    None => path.clone(),
                };
                want.insert((*code, path));
            }
        }
    }
    want
}

fn check(problems: &[Problem], alone: &[Found], placed: &[Vec<usize>], bad_version: bool) {
    let statements: Vec<Stmt> = placed
        .iter()
        .map(|ps| {
            let mut s = Stmt::clean();
            for &p in ps {
                (problems[p].apply)(&mut s);
            }
            s
        })
        .collect();
    let text = document(bad_version, &statements);
    let got = found(&text);
    let want = expected(alone, placed, bad_version);
    if got != want {
        let names: Vec<Vec<&str>> = placed
            .iter()
            .map(|ps| ps.iter().map(|&p| problems[p].name).collect())
            .collect();
        panic!(
            "{names:?}\nmissing: {:?}\nunexpected: {:?}\n{text}",
            want.difference(&got).collect::<Vec<_>>(),
            got.difference(&want).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_ordered_triple_of_problems_reports_all_findings() {
    let problems = problems();
    let alone = alone(&problems);
    let n = problems.len();
    let mut docs = 0;
    for a in 0..n {
        for b in 0..n {
            for c in 0..n {
                if a == b || b == c || a == c {
                    continue;
                }
                // Half of them with a bad Version too: a document-level problem.
                check(
                    &problems,
                    &alone,
                    &[vec![a], vec![b], vec![c]],
                    (a + b + c) % 2 == 0,
                );
                docs += 1;
            }
        }
    }
    assert_eq!(docs, n * (n - 1) * (n - 2));
}

#[test]
fn all_problems_at_once_in_every_rotation_and_reversed() {
    let problems = problems();
    let alone = alone(&problems);
    let n = problems.len();
    for r in 0..n {
        let order: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + r) % n]).collect();
        check(&problems, &alone, &order, r % 2 == 1);
        let reversed: Vec<Vec<usize>> = order.iter().rev().cloned().collect();
        check(&problems, &alone, &reversed, r % 2 == 0);
    }
}

#[test]
fn problems_of_different_elements_in_one_statement_are_all_reported() {
    let problems = problems();
    let alone = alone(&problems);
    let n = problems.len();
    let disjoint = |a: usize, b: usize| {
        let (x, y) = (&problems[a], &problems[b]);
        !x.touches.contains(&"*")
            && !y.touches.contains(&"*")
            && x.touches.iter().all(|t| !y.touches.contains(t))
    };
    let mut pairs = 0;
    for a in 0..n {
        for b in 0..n {
            if a != b && disjoint(a, b) {
                // The pair in one statement, after a statement holding a third problem.
                let third = (a + b + 1) % n;
                check(&problems, &alone, &[vec![third], vec![a, b]], false);
                pairs += 1;
            }
        }
    }
    assert!(pairs > 100, "{pairs}");
    // Everything that fits in one statement at once.
    let mut one: Vec<usize> = Vec::new();
    for p in 0..n {
        if one.iter().all(|&q| disjoint(p, q)) {
            one.push(p);
        }
    }
    assert!(one.len() >= 6, "{one:?}");
    check(&problems, &alone, &[one.clone()], true);
    check(
        &problems,
        &alone,
        &[vec![0], one.into_iter().rev().collect()],
        false,
    );
}

#[test]
fn the_issue_example_last_statement_effect_allow() {
    // Eight problems in the first statements, `"Effect": "allow"` in the last.
    let text = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": 42, "Resource": "*"},
  {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3"},
  {"Effect": "Allow", "Resource": "*", "Principal": "*"},
  {"Effect": "Allow", "Action": "s3:GetObject", "Condition": {"StringEqualz": {"aws:username": "bob"}}},
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Actions": "x"},
  {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}
]}"#;
    let got: Vec<(&str, String)> = iam_parser::validate(text, PolicyType::Identity)
        .into_iter()
        .filter(|f| f.is_error())
        .map(|f| (f.code, f.path))
        .collect();
    for want in [
        ("DATA_TYPE_MISMATCH", "Statement[0].Action"),
        ("INVALID_ACTION", "Statement[1].Action"),
        ("MISSING_ARN_FIELD", "Statement[1].Resource"),
        ("MISSING_ACTION", "Statement[2]"),
        ("UNSUPPORTED_PRINCIPAL", "Statement[2].Principal"),
        (
            "INVALID_CONDITION_OPERATOR",
            "Statement[3].Condition.StringEqualz",
        ),
        ("MISSING_RESOURCE", "Statement[3]"),
        ("INVALID_POLICY_ELEMENT", "Statement[4].Actions"),
        ("INVALID_EFFECT", "Statement[5].Effect"),
    ] {
        assert!(
            got.iter().any(|(c, p)| (*c, p.as_str()) == want),
            "{want:?} not in {got:?}"
        );
    }
    // `parse_policy` keeps its contract: the document is not a policy it can evaluate.
    let e = iam_parser::parse_policy(text, PolicyType::Identity).unwrap_err();
    assert_eq!(e.code, "DATA_TYPE_MISMATCH");
}

#[test]
fn not_a_policy_document_is_one_clear_finding() {
    let cases = [
        ("", "", "empty"),
        ("{}", "", "empty JSON object"),
        (
            r#"{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [], "IsTruncated": false}"#,
            "",
            "get-account-authorization-details",
        ),
        (
            r#"{"PolicyVersion": {"Document": {"Version": "2012-10-17", "Statement": []}, "VersionId": "v2", "IsDefaultVersion": true}}"#,
            "PolicyVersion.Document",
            "aws iam get-policy-version",
        ),
        (
            r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": {"Statement": {"Effect": "Allow"}}}"#,
            "PolicyDocument",
            "aws iam get-role-policy",
        ),
        (
            r#"{"Role": {"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {"Statement": []}}}"#,
            "Role.AssumeRolePolicyDocument",
            "aws iam get-role",
        ),
    ];
    for (text, path, what) in cases {
        for t in [
            PolicyType::Identity,
            PolicyType::Resource,
            PolicyType::Trust,
        ] {
            let f = iam_parser::validate(text, t);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!(f[0].code, "NOT_A_POLICY_DOCUMENT");
            assert!(f[0].is_error());
            assert_eq!(f[0].path, path);
            assert!(f[0].message.contains(what), "{}", f[0].message);
            assert!(f[0].message.contains("\"Statement\""), "{}", f[0].message);
        }
    }
    // A policy with unknown top-level elements is still validated as a policy.
    let f = iam_parser::validate(r#"{"Statment": []}"#, PolicyType::Identity);
    assert!(
        f.iter().any(|f| f.code == "INVALID_POLICY_ELEMENT"),
        "{f:?}"
    );
    assert!(f.iter().any(|f| f.code == "MISSING_STATEMENT"), "{f:?}");
}
