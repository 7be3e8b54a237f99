//! The response side of AWS's Query protocol: an operation's output (the JSON of
//! `iam_account::operations`, in the model's member names) written as XML by walking the
//! output shape of botocore's model — what botocore's `QueryParser` (`botocore/parsers.py`)
//! reads back:
//!
//! ```xml
//! <CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//!   <CreateUserResult><User>…</User></CreateUserResult>
//!   <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
//! </CreateUserResponse>
//! ```
//!
//! Lists are `<Name><member>…</member></Name>`, maps `<entry><key/><value/></entry>`,
//! booleans `true`/`false`, timestamps ISO-8601, and IAM's policy documents
//! (`policyDocumentType`) URL-encoded JSON, as IAM sends them (IAM API reference, e.g.
//! GetRolePolicy: "The policy document … is URL-encoded compliant with RFC 3986").
//! Errors are `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` (Query
//! protocol error format; <https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>).

use iam_account::model::ServiceModel;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (uppercase),
/// as SigV4's canonical form and IAM's URL-encoded documents spell it.
///
/// ```
/// assert_eq!(iam_server::xml::percent_encode("a b/{\"c\"}~"), "a%20b%2F%7B%22c%22%7D~");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

type W = Writer<Vec<u8>>;

// Writing into a Vec<u8> cannot fail; the results are ignored deliberately through `put`.
fn put(w: &mut W, e: Event<'_>) {
    let _ = w.write_event(e);
}

fn text_element(w: &mut W, name: &str, text: &str) {
    put(w, Event::Start(BytesStart::new(name)));
    put(w, Event::Text(BytesText::new(text)));
    put(w, Event::End(BytesEnd::new(name)));
}

/// The XML of a successful response: `output` (the operation's output members; `Null` for
/// operations without output) under `<{operation}Response>`, with `request_id`.
///
/// ```
/// use iam_account::model::ServiceModel;
/// use serde_json::json;
/// let iam = ServiceModel::get("iam").unwrap();
/// let out = json!({"Users": [{"UserName": "alice", "Path": "/", "UserId": "AIDA", "Arn": "arn",
///     "CreateDate": "2026-01-02T03:04:05Z"}], "IsTruncated": false});
/// let xml = iam_server::xml::response(iam, "ListUsers", &out, "req-1");
/// assert!(xml.contains("<ListUsersResult><Users><member><Path>/</Path><UserName>alice</UserName>"));
/// assert!(xml.contains("<IsTruncated>false</IsTruncated>"));
/// assert!(xml.ends_with("<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListUsersResponse>"));
/// ```
pub fn response(model: &ServiceModel, operation: &str, output: &Value, request_id: &str) -> String {
    let mut w = Writer::new(Vec::with_capacity(512));
    put(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let root = format!("{operation}Response");
    let mut start = BytesStart::new(root.as_str());
    start.push_attribute(("xmlns", model.xml_namespace()));
    put(&mut w, Event::Start(start));
    if let (Some(shape), Some(wrapper)) = (
        model.output_shape(operation),
        model.result_wrapper(operation),
    ) {
        put(&mut w, Event::Start(BytesStart::new(wrapper)));
        members(&mut w, model, shape, output, 0);
        put(&mut w, Event::End(BytesEnd::new(wrapper)));
    } else if let Some(shape) = model.output_shape(operation) {
        members(&mut w, model, shape, output, 0);
    }
    put(&mut w, Event::Start(BytesStart::new("ResponseMetadata")));
    text_element(&mut w, "RequestId", request_id);
    put(&mut w, Event::End(BytesEnd::new("ResponseMetadata")));
    put(&mut w, Event::End(BytesEnd::new(root.as_str())));
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// The XML of an error response. `sender` is false for the service's own faults (5xx), which
/// AWS types `Receiver`.
///
/// ```
/// let xml = iam_server::xml::error_response("https://iam.amazonaws.com/doc/2010-05-08/",
///     "NoSuchEntity", "The user with name bob cannot be found.", true, "req-2");
/// assert!(xml.contains("<Error><Type>Sender</Type><Code>NoSuchEntity</Code>\
///     <Message>The user with name bob cannot be found.</Message></Error><RequestId>req-2</RequestId>"));
/// ```
pub fn error_response(
    namespace: &str,
    code: &str,
    message: &str,
    sender: bool,
    request_id: &str,
) -> String {
    let mut w = Writer::new(Vec::with_capacity(256));
    put(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut start = BytesStart::new("ErrorResponse");
    if !namespace.is_empty() {
        start.push_attribute(("xmlns", namespace));
    }
    put(&mut w, Event::Start(start));
    put(&mut w, Event::Start(BytesStart::new("Error")));
    text_element(&mut w, "Type", if sender { "Sender" } else { "Receiver" });
    text_element(&mut w, "Code", code);
    text_element(&mut w, "Message", message);
    put(&mut w, Event::End(BytesEnd::new("Error")));
    text_element(&mut w, "RequestId", request_id);
    put(&mut w, Event::End(BytesEnd::new("ErrorResponse")));
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// How deep output shapes may nest before the writer stops (a guard against a recursive model).
const MAX_DEPTH: usize = 24;

/// The members of structure `shape` present in `v`, in the model's order.
fn members(w: &mut W, model: &ServiceModel, shape: &str, v: &Value, depth: usize) {
    let Some(def) = model.shape_definition(shape) else {
        return;
    };
    let (Some(members), Some(obj)) = (def["members"].as_object(), v.as_object()) else {
        return;
    };
    for (name, m) in members {
        let Some(value) = obj.get(name).filter(|x| !x.is_null()) else {
            continue;
        };
        let Some(target) = m["shape"].as_str() else {
            continue;
        };
        let element = m["locationName"].as_str().unwrap_or(name);
        element_of(w, model, target, element, value, depth + 1);
    }
}

fn element_of(
    w: &mut W,
    model: &ServiceModel,
    shape: &str,
    element: &str,
    v: &Value,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let def = model.shape_definition(shape).unwrap_or(&Value::Null);
    match def["type"].as_str().unwrap_or("string") {
        "structure" => {
            put(w, Event::Start(BytesStart::new(element)));
            members(w, model, shape, v, depth);
            put(w, Event::End(BytesEnd::new(element)));
        }
        "list" => {
            let member_shape = def["member"]["shape"].as_str().unwrap_or("String");
            let member_name = def["member"]["locationName"].as_str().unwrap_or("member");
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            if def["flattened"].as_bool() == Some(true) {
                for item in items {
                    element_of(w, model, member_shape, element, item, depth + 1);
                }
                return;
            }
            put(w, Event::Start(BytesStart::new(element)));
            for item in items {
                element_of(w, model, member_shape, member_name, item, depth + 1);
            }
            put(w, Event::End(BytesEnd::new(element)));
        }
        "map" => {
            let key_name = def["key"]["locationName"].as_str().unwrap_or("key");
            let value_name = def["value"]["locationName"].as_str().unwrap_or("value");
            let value_shape = def["value"]["shape"].as_str().unwrap_or("String");
            put(w, Event::Start(BytesStart::new(element)));
            if let Some(m) = v.as_object() {
                for (k, x) in m {
                    put(w, Event::Start(BytesStart::new("entry")));
                    text_element(w, key_name, k);
                    element_of(w, model, value_shape, value_name, x, depth + 1);
                    put(w, Event::End(BytesEnd::new("entry")));
                }
            }
            put(w, Event::End(BytesEnd::new(element)));
        }
        "blob" => {
            // The operations hand blobs over already base64-encoded (as botocore's JSON form of
            // a blob: `GetCredentialReport`'s `Content`, a virtual MFA device's
            // `Base32StringSeed`), which is also what the Query protocol's XML carries; any
            // other value is encoded here.
            let text = match v {
                Value::String(s) => s.clone(),
                other => base64(other.to_string().as_bytes()),
            };
            text_element(w, element, &text);
        }
        ty => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                // A decoded document (the operations return policy documents parsed).
                other => other.to_string(),
            };
            let text = if shape == "policyDocumentType" && ty == "string" {
                percent_encode(&text)
            } else {
                text
            };
            text_element(w, element, &text);
        }
    }
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(s: &str) -> &'static ServiceModel {
        ServiceModel::get(s).expect("bundled model")
    }

    #[test]
    fn documents_are_url_encoded_and_maps_are_entries() {
        let out = json!({"RoleName": "r", "PolicyName": "p",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": []}});
        let xml = response(model("iam"), "GetRolePolicy", &out, "id");
        assert!(
            xml.contains(
                "<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</PolicyDocument>"
            ),
            "{xml}"
        );
        let out = json!({"SummaryMap": {"Users": 3, "Groups": 0}});
        let xml = response(model("iam"), "GetAccountSummary", &out, "id");
        assert!(
            xml.contains("<SummaryMap><entry><key>Users</key><value>3</value></entry><entry><key>Groups</key><value>0</value></entry></SummaryMap>"),
            "{xml}"
        );
    }

    #[test]
    fn operations_without_output_have_only_metadata() {
        let xml = response(model("iam"), "DeleteUser", &Value::Null, "abc");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(xml.ends_with(
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>abc</RequestId></ResponseMetadata></DeleteUserResponse>"
        ), "{xml}");
    }

    #[test]
    fn sts_credentials_and_escaping() {
        let out = json!({"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s<&>",
            "SessionToken": "t", "Expiration": "2026-01-01T00:00:00Z"},
            "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn"}, "PackedPolicySize": 6});
        let xml = response(model("sts"), "AssumeRole", &out, "id");
        assert!(xml.contains("xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""));
        assert!(xml.contains("<AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s&lt;&amp;&gt;</SecretAccessKey>"), "{xml}");
        assert!(xml.contains("<PackedPolicySize>6</PackedPolicySize>"));
        // Members are written in the model's order, whatever order the JSON had.
        let a = xml.find("<Credentials>").unwrap_or(usize::MAX);
        let b = xml.find("<AssumedRoleUser>").unwrap_or(0);
        assert!(a < b);
    }

    #[test]
    fn blobs_stay_base64() {
        let out = json!({"Content": "YSxiCg==", "ReportFormat": "text/csv",
            "GeneratedTime": "2026-01-01T00:00:00Z"});
        let xml = response(model("iam"), "GetCredentialReport", &out, "id");
        assert!(xml.contains("<Content>YSxiCg==</Content>"), "{xml}");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b""), "");
    }
}
