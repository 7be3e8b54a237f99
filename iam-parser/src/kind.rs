//! What kind of JSON document a text is, before it is read as a policy: a policy document, an
//! account snapshot, an AWS API response that wraps a policy, or nothing at all (issue #9,
//! part 5). Validation uses it to say "this is a `get-policy-version` response; the policy is
//! at `PolicyVersion.Document`" instead of a pile of element errors, and the other doors
//! (loading a snapshot, the CLI) can use it to say what they were given.
//!
//! The recognition reads only the keys of the top-level object (and of one nested object for
//! the wrapped responses), skipping values without building them, so it is linear in the text,
//! needs no nesting limit (no recursion), and stops at the first `Statement` or `Version` key.

use crate::finding::{Finding, LineIndex, Severity};
use std::ops::Range;

/// What a JSON text looks like, as far as policies are concerned. See [`document_kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentKind {
    /// A policy document: a JSON object with a top-level `Statement` or `Version` key.
    Policy,
    /// No JSON at all: the text is empty or only white space.
    Empty,
    /// `{}`: a JSON object without any member.
    EmptyObject,
    /// The output of `aws iam get-account-authorization-details` (a top-level object with
    /// `UserDetailList`, `GroupDetailList`, `RoleDetailList` or `Policies`), also called an
    /// account snapshot.
    AuthorizationDetails,
    /// An AWS API response that holds a policy document somewhere inside.
    WrappedPolicy(WrappedPolicy),
    /// Anything else: not JSON, not an object, or an object with none of the keys above.
    /// Reading it as a policy reports what is wrong with it.
    Other,
}

/// Where the policy document is inside an AWS API response ([`DocumentKind::WrappedPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedPolicy {
    /// The command whose output this is, as the AWS CLI names it, such as
    /// `aws iam get-policy-version`.
    pub response: &'static str,
    /// JSON path of the policy document inside the response, such as
    /// `PolicyVersion.Document`.
    pub path: &'static str,
    /// Byte range of the policy document's JSON value in the text.
    pub range: Range<usize>,
    /// The value is a JSON string (a URL-encoded or JSON-encoded policy, as the IAM API and
    /// `s3api get-bucket-policy` return it) rather than an object (as the IAM commands of the
    /// AWS CLI print it).
    pub encoded: bool,
}

/// Top-level keys of `get-account-authorization-details`' output.
const SNAPSHOT_KEYS: &[&[u8]] = &[
    b"UserDetailList",
    b"GroupDetailList",
    b"RoleDetailList",
    b"Policies",
];

/// Recognises what kind of document `text` is (see [`DocumentKind`]).
///
/// Cheap: it scans the top-level object's keys without building values, and stops at the
/// first `Statement` or `Version` key. Malformed JSON gives [`DocumentKind::Other`] unless
/// the keys read before the error were enough to decide.
///
/// ```
/// use iam_parser::{document_kind, DocumentKind};
/// assert_eq!(document_kind(r#"{"Version": "2012-10-17", "Statement": []}"#), DocumentKind::Policy);
/// assert_eq!(document_kind("  \n"), DocumentKind::Empty);
/// assert_eq!(document_kind(r#"{"UserDetailList": [], "RoleDetailList": []}"#), DocumentKind::AuthorizationDetails);
///
/// let text = r#"{"PolicyVersion": {"VersionId": "v1", "Document": {"Statement": []}}}"#;
/// let DocumentKind::WrappedPolicy(w) = document_kind(text) else { panic!() };
/// assert_eq!((w.response, w.path), ("aws iam get-policy-version", "PolicyVersion.Document"));
/// assert_eq!(&text[w.range], r#"{"Statement": []}"#);
/// ```
pub fn document_kind(text: &str) -> DocumentKind {
    let b = text.as_bytes();
    let i = ws(b, 0);
    if i == b.len() {
        return DocumentKind::Empty;
    }
    if b[i] != b'{' {
        return DocumentKind::Other;
    }
    let mut members: Vec<Member<'_>> = Vec::new();
    let complete = object(b, i, &mut members, |k| k == b"Statement" || k == b"Version");
    if members
        .last()
        .is_some_and(|m| m.key == b"Statement" || m.key == b"Version")
    {
        return DocumentKind::Policy;
    }
    if complete && members.is_empty() {
        return DocumentKind::EmptyObject;
    }
    let get = |key: &[u8]| members.iter().find(|m| m.key == key);
    if members.iter().any(|m| SNAPSHOT_KEYS.contains(&m.key)) {
        return DocumentKind::AuthorizationDetails;
    }
    // A nested object's member `key`, when `outer` is an object holding it.
    let inner = |outer: &Member<'_>, key: &[u8]| -> Option<Range<usize>> {
        if b.get(outer.value.start) != Some(&b'{') {
            return None;
        }
        let mut nested = Vec::new();
        object(b, outer.value.start, &mut nested, |_| false);
        nested.into_iter().find(|m| m.key == key).map(|m| m.value)
    };
    let wrapped = |response, path, range: Range<usize>| {
        let encoded = b.get(range.start) == Some(&b'"');
        DocumentKind::WrappedPolicy(WrappedPolicy {
            response,
            path,
            range,
            encoded,
        })
    };
    if let Some(pv) = get(b"PolicyVersion")
        && let Some(range) = inner(pv, b"Document")
    {
        return wrapped(
            "aws iam get-policy-version",
            "PolicyVersion.Document",
            range,
        );
    }
    if let Some(doc) = get(b"PolicyDocument") {
        let response = if get(b"RoleName").is_some() {
            "aws iam get-role-policy"
        } else if get(b"UserName").is_some() {
            "aws iam get-user-policy"
        } else if get(b"GroupName").is_some() {
            "aws iam get-group-policy"
        } else {
            "an inline-policy response"
        };
        return wrapped(response, "PolicyDocument", doc.value.clone());
    }
    if let Some(role) = get(b"Role")
        && let Some(range) = inner(role, b"AssumeRolePolicyDocument")
    {
        return wrapped("aws iam get-role", "Role.AssumeRolePolicyDocument", range);
    }
    // `{"Policy": "<policy as a JSON string>"}`: the shape of S3's, Lambda's, ... get-*-policy.
    if let Some(p) = get(b"Policy")
        && b.get(p.value.start) == Some(&b'"')
    {
        return wrapped("aws s3api get-bucket-policy", "Policy", p.value.clone());
    }
    DocumentKind::Other
}

/// The `NOT_A_POLICY_DOCUMENT` finding for a text that is recognisably not a policy document,
/// or `None` when it is one (or is not recognised: the grammar then says what is wrong).
pub(crate) fn not_a_policy(text: &str) -> Option<Finding> {
    const WANT: &str = "validation wants one policy document, a JSON object such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}";
    let kind = document_kind(text);
    let idx = LineIndex::new(text);
    let start = (text.len() - text.trim_start().len()) as u32;
    let at = idx.span(start, start);
    let (message, path, span) = match kind {
        DocumentKind::Policy | DocumentKind::Other => return None,
        DocumentKind::Empty => (format!("the document is empty: {WANT}"), "", at),
        DocumentKind::EmptyObject => (
            format!("the document is an empty JSON object: {WANT}"),
            "",
            at,
        ),
        DocumentKind::AuthorizationDetails => (
            format!(
                "this is the output of `aws iam get-account-authorization-details` (an account snapshot), not a policy document: {WANT}; load the snapshot with iamkit.Account.from_authorization_details, or validate the policies inside it one by one"
            ),
            "",
            at,
        ),
        DocumentKind::WrappedPolicy(w) => {
            let span = idx.span(w.range.start as u32, w.range.end as u32);
            let how = if w.encoded {
                " (there it is an encoded JSON string: decode it first)"
            } else {
                ""
            };
            (
                format!(
                    "this is the output of `{}`, not a policy document: {WANT}; the policy document is the value of {} at line {}, column {}{how}",
                    w.response, w.path, span.start.line, span.start.column
                ),
                w.path,
                span,
            )
        }
    };
    Some(Finding {
        code: "NOT_A_POLICY_DOCUMENT",
        severity: Severity::Error,
        message,
        path: path.to_string(),
        span,
    })
}

/// One member of a scanned object: the raw key bytes (between the quotes, escapes kept) and
/// the byte range of its value.
struct Member<'a> {
    key: &'a [u8],
    value: Range<usize>,
}

/// Scans the members of the object at `b[i] == b'{'` into `out`, stopping early after a key for
/// which `stop` holds (that member's value is not scanned: its range starts at the value and is
/// empty). Returns true when the whole object was read.
fn object<'a>(
    b: &'a [u8],
    mut i: usize,
    out: &mut Vec<Member<'a>>,
    stop: impl Fn(&[u8]) -> bool,
) -> bool {
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return true;
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return false;
        }
        let Some(key_end) = string_end(b, i) else {
            return false;
        };
        let key = &b[i + 1..key_end - 1];
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = ws(b, i + 1);
        if stop(key) {
            out.push(Member { key, value: i..i });
            return false;
        }
        let Some(end) = value_end(b, i) else {
            return false;
        };
        out.push(Member { key, value: i..end });
        i = ws(b, end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return true,
            _ => return false,
        }
    }
}

/// Skips JSON white space from `i`.
fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index after the string starting at `b[i] == b'"'`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
}

/// The index after the JSON value starting at `i` (containers by bracket counting, without
/// recursion; strings skipped whole).
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let n = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(b.len() - i);
            (n > 0).then_some(i + n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str) -> WrappedPolicy {
        match document_kind(text) {
            DocumentKind::WrappedPolicy(w) => w,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn policies_and_others() {
        assert_eq!(document_kind(""), DocumentKind::Empty);
        assert_eq!(document_kind(" {\n} "), DocumentKind::EmptyObject);
        assert_eq!(
            document_kind(r#"{"Id": "x", "Statement": {"Effect": "Allow"}}"#),
            DocumentKind::Policy
        );
        // The first Statement/Version key decides, even if the rest is not JSON.
        assert_eq!(document_kind(r#"{"Version": ["#), DocumentKind::Policy);
        assert_eq!(document_kind("[1]"), DocumentKind::Other);
        assert_eq!(
            document_kind("{\"Effect\": \"Allow\"}"),
            DocumentKind::Other
        );
        assert_eq!(document_kind("{\"a\": tru"), DocumentKind::Other);
        assert_eq!(document_kind("{\"a\": [[[\"]\"]]]"), DocumentKind::Other);
    }

    #[test]
    fn snapshots() {
        let text = r#"{"UserDetailList": [{"UserName": "a", "UserPolicyList": [{"PolicyDocument": {"Statement": []}}]}], "Policies": [], "IsTruncated": false}"#;
        assert_eq!(document_kind(text), DocumentKind::AuthorizationDetails);
        assert_eq!(
            document_kind(r#"{"Policies": [{"PolicyVersionList": []}]}"#),
            DocumentKind::AuthorizationDetails
        );
    }

    #[test]
    fn wrapped_responses() {
        let text = r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}"#;
        let w = wrapped(text);
        assert_eq!(w.response, "aws iam get-role-policy");
        assert_eq!(w.path, "PolicyDocument");
        assert!(text[w.range.clone()].starts_with("{\"Version\""));
        assert!(!w.encoded);
        assert_eq!(
            wrapped(r#"{"UserName": "u", "PolicyDocument": "%7B%7D"}"#).response,
            "aws iam get-user-policy"
        );
        let text = r#"{"Role": {"RoleName": "r", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow"}]}, "Arn": "x"}}"#;
        let w = wrapped(text);
        assert_eq!(w.path, "Role.AssumeRolePolicyDocument");
        assert!(text[w.range].ends_with("}]}"));
        let w = wrapped(r#"{"Policy": "{\"Version\":\"2012-10-17\"}"}"#);
        assert!(w.encoded);
        assert_eq!(w.path, "Policy");
        // `iam get-policy` gives metadata, not a document: nothing to point at.
        assert_eq!(
            document_kind(r#"{"Policy": {"PolicyName": "p", "DefaultVersionId": "v1"}}"#),
            DocumentKind::Other
        );
    }

    #[test]
    fn findings_name_what_was_given_and_where_the_policy_is() {
        let text = "{\n  \"PolicyVersion\": {\n    \"Document\": {\"Statement\": []},\n    \"VersionId\": \"v1\"}}";
        let f = not_a_policy(text).unwrap();
        assert_eq!(f.code, "NOT_A_POLICY_DOCUMENT");
        assert_eq!(f.path, "PolicyVersion.Document");
        assert_eq!((f.span.start.line, f.span.start.column), (3, 17));
        assert!(
            f.message.contains("aws iam get-policy-version"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains("PolicyVersion.Document at line 3, column 17")
        );
        assert!(not_a_policy("{\"Statement\": 1}").is_none());
        assert!(not_a_policy("nonsense").is_none());
        assert!(not_a_policy("\n\n").unwrap().message.contains("empty"));
    }
}
