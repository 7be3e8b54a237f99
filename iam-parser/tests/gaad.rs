//! `get-account-authorization-details` files: the five real snapshots in
//! `tests/data/account-authorization-details/` (see its SOURCE.md and LICENSE files) read, counted,
//! written back exactly, re-encoded in the raw API's URL-encoded form, and every embedded policy
//! document parsed as a policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_parser::gaad::{
    AuthorizationDetails, DocumentForm, DocumentKind, GaadErrorKind, GaadLimits,
    ManagedPolicyDetail, PolicyDocument, Tag, UserDetail, parse_authorization_details,
    parse_authorization_details_with, url_decode, url_encode,
};
use iam_parser::parse_policy;
use serde_json::Value;
use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/account-authorization-details")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (file, users, groups, roles, managed policies, AWS-owned managed policies, inline policies,
/// policy versions) — the table of SOURCE.md, plus versions.
type Counts = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);

const SNAPSHOTS: &[Counts] = &[
    ("cloudsplaining-example.json", 41, 3, 75, 56, 12, 33, 56),
    (
        "cloudsplaining-test-example-authz-details.json",
        3,
        2,
        3,
        32,
        30,
        6,
        33,
    ),
    (
        "cloudsplaining-test-example-authz-v2.json",
        1,
        1,
        2,
        2,
        0,
        2,
        2,
    ),
    (
        "cloudsplaining-test-authz-details-for-overrides-complete.json",
        1,
        1,
        2,
        3,
        1,
        2,
        3,
    ),
    ("cloudmapper-demo.json", 2, 1, 4, 2, 1, 4, 2),
];

/// Every member of every object, in order: `Value` equality ignores member order, this does not.
fn same_order(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            if kx != ky {
                return Err(format!("{path}: members {kx:?} != {ky:?}"));
            }
            x.iter()
                .zip(y.values())
                .try_for_each(|((k, v), w)| same_order(v, w, &format!("{path}.{k}")))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (v, w))| same_order(v, w, &format!("{path}[{i}]"))),
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

#[test]
fn snapshots_counts() {
    for &(file, users, groups, roles, policies, aws_owned, inline, versions) in SNAPSHOTS {
        let d = parse_authorization_details(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(d.user_detail_list.len(), users, "{file}: users");
        assert_eq!(d.group_detail_list.len(), groups, "{file}: groups");
        assert_eq!(d.role_detail_list.len(), roles, "{file}: roles");
        assert_eq!(d.policies.len(), policies, "{file}: managed policies");
        let aws = d.policies.iter().filter(|p| {
            p.arn
                .as_deref()
                .is_some_and(|a| a.starts_with("arn:aws:iam::aws:"))
        });
        assert_eq!(aws.count(), aws_owned, "{file}: AWS managed policies");
        let docs: Vec<_> = d.documents().collect();
        let inline_docs = docs.iter().filter(|x| {
            matches!(
                x.kind,
                DocumentKind::UserInline | DocumentKind::GroupInline | DocumentKind::RoleInline
            )
        });
        assert_eq!(inline_docs.count(), inline, "{file}: inline policies");
        assert_eq!(
            docs.iter()
                .filter(|x| x.kind == DocumentKind::Trust)
                .count(),
            roles,
            "{file}: trust policies"
        );
        assert_eq!(
            docs.iter()
                .filter(|x| x.kind == DocumentKind::ManagedVersion)
                .count(),
            versions,
            "{file}: versions"
        );
        assert_eq!(docs.len(), inline + roles + versions, "{file}: documents");
        assert!(
            d.documents()
                .all(|x| x.document.form() == DocumentForm::Json),
            "{file}: CLI form"
        );
        // One default version per managed policy.
        for p in &d.policies {
            let defaults = docs
                .iter()
                .filter(|x| x.is_default_version && matches!(x.entity, iam_parser::gaad::EntityRef::ManagedPolicy(q) if std::ptr::eq(q, p)));
            assert_eq!(defaults.count(), 1, "{file}: {:?}", p.policy_name);
        }
    }
}

#[test]
fn snapshots_round_trip_exactly() {
    for &(file, ..) in SNAPSHOTS {
        let text = read(file);
        let original: Value = serde_json::from_str(&text).unwrap();
        let d = parse_authorization_details(&text).unwrap();
        let out = d.to_json();
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, original, "{file}: value");
        same_order(&back, &original, file).unwrap_or_else(|e| panic!("{file}: member order: {e}"));
        assert_eq!(
            out,
            serde_json::to_string(&original).unwrap(),
            "{file}: compact text"
        );
        let pretty: Value = serde_json::from_str(&d.to_json_pretty()).unwrap();
        same_order(&pretty, &original, file).unwrap();
        // Parsing our own output gives the same shapes.
        assert_eq!(
            parse_authorization_details(&out).unwrap(),
            d,
            "{file}: reparse"
        );
        println!(
            "{file}: exact ({} bytes compact; pretty output identical to file: {})",
            out.len(),
            d.to_json_pretty().trim_end() == text.trim_end()
        );
    }
}

/// Replaces every policy document of a GAAD value by its URL-encoded text, as the raw API returns it.
fn encode_documents(v: &mut Value) -> usize {
    let mut n = 0;
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if matches!(
                    k.as_str(),
                    "PolicyDocument" | "AssumeRolePolicyDocument" | "Document"
                ) {
                    *x = Value::String(url_encode(&x.to_string()));
                    n += 1;
                } else {
                    n += encode_documents(x);
                }
            }
        }
        Value::Array(xs) => n += xs.iter_mut().map(encode_documents).sum::<usize>(),
        _ => {}
    }
    n
}

#[test]
fn url_encoded_variant_round_trips_byte_for_byte() {
    for &(file, ..) in SNAPSHOTS {
        let text = read(file);
        let original = parse_authorization_details(&text).unwrap();
        let mut value: Value = serde_json::from_str(&text).unwrap();
        let encoded_count = encode_documents(&mut value);
        for pretty in [false, true] {
            let encoded_text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let d = parse_authorization_details(&encoded_text).unwrap();
            if pretty {
                assert_eq!(
                    serde_json::from_str::<Value>(&d.to_json_pretty()).unwrap(),
                    value,
                    "{file}"
                );
            } else {
                assert_eq!(d.to_json(), encoded_text, "{file}: encoded text");
            }
            let docs: Vec<_> = d.documents().collect();
            assert!(
                docs.iter()
                    .all(|x| x.document.form() == DocumentForm::UrlEncoded),
                "{file}"
            );
            // The decoded text equals the CLI form's text, document by document.
            let originals: Vec<_> = original.documents().collect();
            assert_eq!(docs.len(), originals.len());
            for (a, b) in docs.iter().zip(&originals) {
                assert_eq!(a.document.text(), b.document.text(), "{file}: {}", a.path);
                assert_eq!(a.path, b.path);
                assert_eq!(
                    &b.document.to_url_encoded(),
                    a.document,
                    "{file}: {}",
                    a.path
                );
                assert_eq!(
                    &a.document.to_decoded().unwrap(),
                    b.document,
                    "{file}: {}",
                    a.path
                );
            }
        }
        // + the InstanceProfileList[].Roles[] copies of trust policies.
        assert!(encoded_count >= original.documents().count(), "{file}");
    }
}

#[test]
fn every_embedded_document_parses_as_a_policy() {
    let mut failures = Vec::new();
    let mut total = 0;
    for &(file, ..) in SNAPSHOTS {
        let d = parse_authorization_details(&read(file)).unwrap();
        for doc in d.documents() {
            total += 1;
            if let Err(e) = parse_policy(&doc.document.text(), doc.kind.policy_type()) {
                failures.push(format!(
                    "{file}: {} ({:?}): {e}",
                    doc.path,
                    doc.entity.name()
                ));
            }
        }
    }
    for f in &failures {
        println!("{f}");
    }
    println!("{total} documents, {} failures", failures.len());
    assert_eq!(
        total,
        33 + 75 + 56 + 6 + 3 + 33 + 2 + 2 + 2 + 2 + 2 + 3 + 4 + 4 + 2
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn url_encoding_matches_rfc3986_unreserved_and_botocore_unquote() {
    // Python: urllib.parse.quote(s, safe="-_.~") / botocore's unquote.
    let text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/a b+c~d\"}]}";
    let encoded = url_encode(text);
    assert_eq!(
        encoded,
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2Fa%20b%2Bc~d%22%7D%5D%7D"
    );
    assert_eq!(url_decode(&encoded).unwrap(), text);
    // Lower-case hex decodes; `+` is not a space (botocore uses `unquote`, not `unquote_plus`).
    assert_eq!(url_decode("%7b+%7d").unwrap(), "{+}");
    assert_eq!(url_decode("%E2%82%AC").unwrap(), "€");
    assert_eq!(url_encode("€ é"), "%E2%82%AC%20%C3%A9");
    let e = url_decode("%7B%2").unwrap_err();
    assert_eq!(e.offset, 3);
    assert!(url_decode("%zz").is_err());
    assert!(url_decode("%FF").is_err()); // not UTF-8
    assert_eq!(url_decode("").unwrap(), "");
}

#[test]
fn documents_remember_their_form() {
    let encoded = r#"{"RoleDetailList": [{"RoleName": "a", "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7d"},
        {"RoleName": "b", "AssumeRolePolicyDocument": "{\"Version\": \"2012-10-17\"}"},
        {"RoleName": "c", "AssumeRolePolicyDocument": {"Version": "2012-10-17"}}]}"#;
    let d = parse_authorization_details(encoded).unwrap();
    let forms: Vec<_> = d.documents().map(|x| x.document.form()).collect();
    assert_eq!(
        forms,
        [
            DocumentForm::UrlEncoded,
            DocumentForm::JsonText,
            DocumentForm::Json
        ]
    );
    let texts: Vec<_> = d
        .documents()
        .map(|x| x.document.text().into_owned())
        .collect();
    assert_eq!(
        texts,
        [
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version": "2012-10-17"}"#,
            r#"{"Version":"2012-10-17"}"#
        ]
    );
    // Lower-case `%7d` stays lower-case on the way out.
    assert_eq!(
        d.to_json(),
        r#"{"RoleDetailList":[{"RoleName":"a","AssumeRolePolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%7d"},{"RoleName":"b","AssumeRolePolicyDocument":"{\"Version\": \"2012-10-17\"}"},{"RoleName":"c","AssumeRolePolicyDocument":{"Version":"2012-10-17"}}]}"#
    );
    let doc = PolicyDocument::url_encode_text("{}");
    assert_eq!(doc.as_url_encoded(), Some("%7B%7D"));
    assert_eq!(
        PolicyDocument::from_json_value(Value::String("{}".into())).form(),
        DocumentForm::JsonText
    );
}

#[test]
fn nulls_unknown_members_and_order_are_kept() {
    let text = r#"{"Policies":[{"PolicyName":"p","PermissionsBoundaryUsageCount":null,"Zeta":{"b":1,"a":[null]},"Arn":"arn:aws:iam::aws:policy/p","PolicyVersionList":null}],"Extra":1,"UserDetailList":[{"GroupList":[],"Tags":[{"Value":"v","Key":"k"}]}]}"#;
    let d = parse_authorization_details(text).unwrap();
    assert_eq!(d.to_json(), text);
    let p = &d.policies[0];
    assert_eq!(p.permissions_boundary_usage_count, None);
    assert!(p.policy_version_list.is_empty());
    assert_eq!(p.extra["Zeta"]["b"], 1);
    assert_eq!(d.extra["Extra"], 1);
    assert_eq!(
        d.user_detail_list[0].layout.keys().collect::<Vec<_>>(),
        ["GroupList", "Tags"]
    );
    // Edits: a new member is appended, a removed optional member disappears, an absent empty list stays absent.
    let mut d2 = d.clone();
    d2.policies[0].description = Some("new".into());
    d2.policies[0].arn = None;
    assert_eq!(
        d2.to_json(),
        r#"{"Policies":[{"PolicyName":"p","PermissionsBoundaryUsageCount":null,"Zeta":{"b":1,"a":[null]},"PolicyVersionList":null,"Description":"new"}],"Extra":1,"UserDetailList":[{"GroupList":[],"Tags":[{"Value":"v","Key":"k"}]}]}"#
    );
    // Layouts do not take part in equality.
    let reordered = parse_authorization_details(
        r#"{"UserDetailList":[{"Tags":[{"Key":"k","Value":"v"}],"GroupList":[]}],"Extra":1,"Policies":[{"Arn":"arn:aws:iam::aws:policy/p","PolicyName":"p","Zeta":{"b":1,"a":[null]}}]}"#,
    )
    .unwrap();
    assert_eq!(reordered, d);
}

#[test]
fn shapes_built_in_code_use_api_order() {
    let d = AuthorizationDetails {
        user_detail_list: vec![UserDetail {
            user_name: Some("alice".into()),
            path: Some("/".into()),
            tags: vec![Tag {
                value: Some("v".into()),
                key: Some("k".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        policies: vec![ManagedPolicyDetail {
            policy_name: Some("P".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        d.to_json(),
        r#"{"UserDetailList":[{"Path":"/","UserName":"alice","UserPolicyList":[],"GroupList":[],"AttachedManagedPolicies":[],"Tags":[{"Key":"k","Value":"v"}]}],"GroupDetailList":[],"RoleDetailList":[],"Policies":[{"PolicyName":"P","PolicyVersionList":[]}]}"#
    );
    assert_eq!(parse_authorization_details(&d.to_json()).unwrap(), d);
    assert_eq!(UserDetail::MEMBERS.len(), 10);
}

#[test]
fn pagination_members() {
    let d =
        parse_authorization_details(r#"{"UserDetailList":[],"IsTruncated":true,"Marker":"abc"}"#)
            .unwrap();
    assert_eq!(d.is_truncated, Some(true));
    assert_eq!(d.marker.as_deref(), Some("abc"));
}

#[test]
fn errors_carry_line_and_column() {
    let e =
        parse_authorization_details("{\n  \"UserDetailList\": [\n    {\"UserName\": 5}\n  ]\n}")
            .unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Data);
    assert_eq!(e.line, 3);
    assert!(e.message.contains("invalid type"), "{}", e.message);
    assert!(e.to_string().starts_with("3:"), "{e}");

    let e = parse_authorization_details("{\n  \"Policies\": [\n").unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Syntax);
    assert_eq!(e.line, 3);

    let e = parse_authorization_details("{\"é\": 1, \"Policies\": [}").unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Syntax);
    assert_eq!((e.line, e.column), (1, 23)); // characters, not bytes
    assert_eq!(e.offset, 23);

    let e = parse_authorization_details(r#"{"Policies": [], "Policies": []}"#).unwrap_err();
    assert!(
        e.message.contains("duplicate member `Policies`"),
        "{}",
        e.message
    );

    let e = parse_authorization_details(
        r#"{"RoleDetailList": [{"AssumeRolePolicyDocument": "%7B%ZZ"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Data);
    assert!(e.message.contains("URL-encoded"), "{}", e.message);

    let e = parse_authorization_details("[]").unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Data);
    let e = parse_authorization_details("").unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::Syntax);

    let deep = format!(
        "{{\"Extra\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(parse_authorization_details(&deep).is_err());

    let e = parse_authorization_details_with("{}   ", GaadLimits { max_bytes: 4 }).unwrap_err();
    assert_eq!(e.kind, GaadErrorKind::TooLarge);
    assert_eq!(e.line, 0);
    assert!(GaadLimits::default().max_bytes >= 64 << 20);
}
