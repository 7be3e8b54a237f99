//! The imported account keeps its source compactly (documents and the strings the entities
//! hold verbatim are left out of the kept source shapes and rebuilt on export): every document
//! form must still come back exactly — JSON objects (with and without floats), JSON text,
//! URL-encoded text in `url_encode`'s encoding and in another one — for unchanged and for
//! changed entities.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use iam_account::Account;
use iam_parser::gaad::{self, parse_authorization_details};
use serde_json::{Value, json};

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const DOC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
const FLOAT_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"NumericLessThan":{"ec2:Foo":0.30000000000000004}}}]}"#;

/// `url_encode`'s text with its hex digits in lower case (another valid encoding).
fn lower_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut rest = encoded;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        out.push('%');
        out.push_str(&rest[i + 1..i + 3].to_ascii_lowercase());
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

fn source() -> String {
    let canonical = gaad::url_encode(DOC2);
    let other = lower_hex(&canonical);
    assert_ne!(canonical, other);
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let float_doc: Value = serde_json::from_str(FLOAT_DOC).unwrap();
    let v = json!({
        "UserDetailList": [{
            "Path": "/", "UserName": "alice", "UserId": "AIDAALICE",
            "Arn": "arn:aws:iam::111122223333:user/alice",
            "CreateDate": "2020-01-02 03:04:05+00:00",
            "UserPolicyList": [
                {"PolicyName": "object", "PolicyDocument": doc},
                {"PolicyName": "text", "PolicyDocument": DOC},
                {"PolicyName": "encoded", "PolicyDocument": canonical},
                {"PolicyName": "encoded-lower", "PolicyDocument": other},
                {"PolicyName": "float", "PolicyDocument": float_doc},
                {"PolicyName": "none", "PolicyDocument": null}
            ],
            "GroupList": ["devs"],
            "AttachedManagedPolicies": [
                {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
            ],
            "Tags": [], "Extra": {"kept": true}
        }],
        "GroupDetailList": [{
            "Path": "/", "GroupName": "devs", "GroupId": "AGPADEVS",
            "Arn": "arn:aws:iam::111122223333:group/devs",
            "CreateDate": "2020-01-02T03:04:05Z",
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": DOC2}],
            "AttachedManagedPolicies": []
        }],
        "RoleDetailList": [{
            "Path": "/app/", "RoleName": "r", "RoleId": "AROAR",
            "Arn": "arn:aws:iam::111122223333:role/app/r",
            "CreateDate": "2020-01-02T03:04:05Z",
            "AssumeRolePolicyDocument": gaad::url_encode(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#),
            "Description": "a role",
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": doc}],
            "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/mp"}],
            "Tags": [{"Key": "team", "Value": "a"}]
        }],
        "Policies": [{
            "PolicyName": "mp", "PolicyId": "ANPAMP", "Arn": "arn:aws:iam::111122223333:policy/mp",
            "Path": "/", "DefaultVersionId": "v2", "AttachmentCount": 1,
            "IsAttachable": true, "CreateDate": "2020-01-02T03:04:05Z",
            "UpdateDate": "2020-01-02T03:04:05Z",
            "PolicyVersionList": [
                {"Document": DOC, "VersionId": "v1", "IsDefaultVersion": false, "CreateDate": "2020-01-02T03:04:05Z"},
                {"Document": float_doc, "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2020-01-02T03:04:05Z"}
            ]
        }]
    });
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn every_document_form_comes_back_unchanged() {
    let text = source();
    let details = parse_authorization_details(&text).unwrap();
    let account = Account::from_authorization_details(&details).unwrap();
    let back = account.to_authorization_details();
    assert_eq!(back, details);
    assert_eq!(back.to_json(), details.to_json());
    let forms: Vec<_> = back.user_detail_list[0]
        .user_policy_list
        .iter()
        .map(|p| p.policy_document.as_ref().map(gaad::PolicyDocument::form))
        .collect();
    assert_eq!(
        forms,
        [
            Some(gaad::DocumentForm::Json),
            Some(gaad::DocumentForm::JsonText),
            Some(gaad::DocumentForm::UrlEncoded),
            Some(gaad::DocumentForm::UrlEncoded),
            Some(gaad::DocumentForm::Json),
            None,
        ]
    );
}

#[test]
fn changed_entities_keep_the_form_of_unchanged_documents() {
    let text = source();
    let details = parse_authorization_details(&text).unwrap();
    let mut account = Account::from_authorization_details(&details).unwrap();
    account
        .tag_user("alice", &[("k".to_string(), "v".to_string())])
        .unwrap();
    account.put_role_policy("r", "p2", DOC2).unwrap();
    let back = account.to_authorization_details();
    let (u, src) = (&back.user_detail_list[0], &details.user_detail_list[0]);
    assert_eq!(u.user_policy_list, src.user_policy_list);
    assert_eq!(u.group_list, src.group_list);
    assert_eq!(u.attached_managed_policies, src.attached_managed_policies);
    assert_eq!(u.arn, src.arn);
    assert_eq!(u.extra, src.extra);
    assert_eq!(u.tags.len(), 1);
    let (r, src) = (&back.role_detail_list[0], &details.role_detail_list[0]);
    assert_eq!(
        r.assume_role_policy_document,
        src.assume_role_policy_document
    );
    assert_eq!(r.role_policy_list[0], src.role_policy_list[0]);
    assert_eq!(r.role_policy_list.len(), 2);
    assert_eq!(r.description, src.description);
    assert_eq!(r.attached_managed_policies, src.attached_managed_policies);
    // Unchanged entities are still exact.
    assert_eq!(back.group_detail_list, details.group_detail_list);
    assert_eq!(back.policies, details.policies);
}
