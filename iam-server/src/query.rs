//! The request side of AWS's Query protocol: a form-encoded body (or query string)
//! `Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team…` decoded into
//! the JSON parameters of `iam_account::operations`, driven by the operation's input shape in
//! botocore's model (the inverse of botocore's `QuerySerializer`, `botocore/serialize.py`):
//!
//! - a structure member is `Prefix.Member` (top-level members have no prefix);
//! - a list is `Prefix.member.N` (N from 1), an empty list `Prefix=` (empty value);
//! - a map is `Prefix.entry.N.key` / `Prefix.entry.N.value`;
//! - booleans are `true`/`false`, integers decimal, timestamps ISO-8601, blobs base64.
//!
//! Source: <https://docs.aws.amazon.com/IAM/latest/APIReference/iam-api.pdf> ("Making Query
//! requests"), <https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html>.

use iam_account::model::ServiceModel;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A request that cannot be decoded (AWS answers such requests with a `400` error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// AWS's error code (`MalformedQueryString`, `ValidationError`, `InvalidAction`, …).
    pub code: &'static str,
    /// What was wrong, naming the parameter.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for QueryError {}

fn malformed(message: String) -> QueryError {
    QueryError {
        code: "MalformedQueryString",
        message,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte;
/// the bytes must be UTF-8.
///
/// ```
/// assert_eq!(iam_server::query::form_decode("a+b%2Fc").unwrap(), "a b/c");
/// assert!(iam_server::query::form_decode("%zz").is_err());
/// ```
pub fn form_decode(s: &str) -> Result<String, QueryError> {
    percent_decode(s, true)
}

/// Percent-decodes `s` (and `+` as a space when `plus_is_space`).
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, QueryError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                let Some(v) = hex else {
                    return Err(malformed(format!(
                        "invalid percent-encoding at byte {i} of {s:?}"
                    )));
                };
                out.push(v);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        malformed(format!(
            "the parameter text {s:?} is not UTF-8 once decoded"
        ))
    })
}

/// Splits a form-encoded text into decoded `(name, value)` pairs, in order.
///
/// ```
/// let p = iam_server::query::parse_form("Action=ListUsers&Version=2010-05-08&x").unwrap();
/// assert_eq!(p, [("Action".into(), "ListUsers".into()), ("Version".into(), "2010-05-08".into()),
///                ("x".into(), String::new())]);
/// ```
pub fn parse_form(text: &str) -> Result<Vec<(String, String)>, QueryError> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((form_decode(k)?, form_decode(v)?))
        })
        .collect()
}

/// Decodes the parameters of `operation` (model spelling) from the flat Query parameters
/// (without `Action` and `Version`) into the JSON members of its input shape. Parameters the
/// input shape does not have are ignored, as AWS does; a value of the wrong type (`MaxItems=x`)
/// is a `ValidationError` naming the parameter.
///
/// ```
/// use iam_account::model::ServiceModel;
/// let iam = ServiceModel::get("iam").unwrap();
/// let form = iam_server::query::parse_form(
///     "UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=red&Tags.member.2.Key=x").unwrap();
/// let p = iam_server::query::decode_params(iam, "CreateUser", &form).unwrap();
/// assert_eq!(p, serde_json::json!({"UserName": "alice",
///     "Tags": [{"Key": "team", "Value": "red"}, {"Key": "x"}]}));
/// ```
pub fn decode_params(
    model: &ServiceModel,
    operation: &str,
    form: &[(String, String)],
) -> Result<Value, QueryError> {
    let Some(input) = model.input_shape(operation) else {
        return Ok(Value::Object(Map::new()));
    };
    let flat: BTreeMap<&str, &str> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let decoder = Decoder { model, flat: &flat };
    Ok(decoder
        .structure(input, "")?
        .unwrap_or_else(|| Value::Object(Map::new())))
}

struct Decoder<'a> {
    model: &'a ServiceModel,
    flat: &'a BTreeMap<&'a str, &'a str>,
}

/// How deep shapes may nest (IAM's and STS's inputs nest at most a few levels); a guard against
/// a recursive model.
const MAX_DEPTH: usize = 16;

impl Decoder<'_> {
    fn join(prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    }

    /// True when some parameter is `key` or starts with `key.`.
    fn present(&self, key: &str) -> bool {
        let dotted = format!("{key}.");
        self.flat.contains_key(key)
            || self
                .flat
                .range(dotted.as_str()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&dotted))
    }

    fn structure(&self, shape: &str, prefix: &str) -> Result<Option<Value>, QueryError> {
        self.structure_at(shape, prefix, 0)
    }

    fn structure_at(
        &self,
        shape: &str,
        prefix: &str,
        depth: usize,
    ) -> Result<Option<Value>, QueryError> {
        let def = self.model.shape_definition(shape).unwrap_or(&Value::Null);
        let mut out = Map::new();
        if let Some(members) = def["members"].as_object() {
            for (name, m) in members {
                let wire = m["locationName"].as_str().unwrap_or(name);
                let key = Self::join(prefix, wire);
                let Some(target) = m["shape"].as_str() else {
                    continue;
                };
                if let Some(v) = self.value(target, &key, depth + 1)? {
                    out.insert(name.clone(), v);
                }
            }
        }
        Ok(
            (!out.is_empty() || (!prefix.is_empty() && self.flat.contains_key(prefix)))
                .then_some(Value::Object(out)),
        )
    }

    fn value(&self, shape: &str, key: &str, depth: usize) -> Result<Option<Value>, QueryError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("parameter {key} nests too deeply")));
        }
        let def = self.model.shape_definition(shape).unwrap_or(&Value::Null);
        let ty = def["type"].as_str().unwrap_or("string");
        match ty {
            "structure" => {
                if !self.present(key) {
                    return Ok(None);
                }
                self.structure_at(shape, key, depth)
            }
            "list" => {
                let member_shape = def["member"]["shape"].as_str().unwrap_or("String");
                let member_name = def["member"]["locationName"].as_str().unwrap_or("member");
                let flattened = def["flattened"].as_bool() == Some(true);
                let base = if flattened {
                    key.to_string()
                } else {
                    format!("{key}.{member_name}")
                };
                let mut items = Vec::new();
                for n in 1.. {
                    let item_key = format!("{base}.{n}");
                    if !self.present(&item_key) {
                        break;
                    }
                    if let Some(v) = self.value(member_shape, &item_key, depth + 1)? {
                        items.push(v);
                    }
                }
                if items.is_empty() {
                    // `Prefix=` is an empty list (botocore sends that for `[]`).
                    return Ok(self.flat.get(key).map(|_| Value::Array(Vec::new())));
                }
                Ok(Some(Value::Array(items)))
            }
            "map" => {
                let key_shape = def["key"]["shape"].as_str().unwrap_or("String");
                let value_shape = def["value"]["shape"].as_str().unwrap_or("String");
                let kname = def["key"]["locationName"].as_str().unwrap_or("key");
                let vname = def["value"]["locationName"].as_str().unwrap_or("value");
                let mut out = Map::new();
                for n in 1.. {
                    let entry = format!("{key}.entry.{n}");
                    if !self.present(&entry) {
                        break;
                    }
                    let k = self
                        .value(key_shape, &format!("{entry}.{kname}"), depth + 1)?
                        .and_then(|v| v.as_str().map(str::to_string))
                        .ok_or_else(|| malformed(format!("parameter {entry} has no {kname}")))?;
                    let v = self
                        .value(value_shape, &format!("{entry}.{vname}"), depth + 1)?
                        .unwrap_or(Value::Null);
                    out.insert(k, v);
                }
                Ok((!out.is_empty()).then_some(Value::Object(out)))
            }
            _ => {
                let Some(text) = self.flat.get(key) else {
                    return Ok(None);
                };
                scalar(ty, key, text).map(Some)
            }
        }
    }
}

/// A scalar parameter of the model's type `ty`.
fn scalar(ty: &str, key: &str, text: &str) -> Result<Value, QueryError> {
    let invalid = |what: &str| QueryError {
        code: "ValidationError",
        message: format!(
            "1 validation error detected: Value '{text}' at '{key}' failed to satisfy constraint: Member must be {what}"
        ),
    };
    Ok(match ty {
        "integer" | "long" => Value::from(
            text.trim()
                .parse::<i64>()
                .map_err(|_| invalid("an integer"))?,
        ),
        "boolean" => match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(invalid("a boolean (true or false)")),
        },
        "double" | "float" => Value::from(
            text.trim()
                .parse::<f64>()
                .map_err(|_| invalid("a number"))?,
        ),
        // Strings, timestamps (ISO-8601 text) and blobs (base64 text) stay text.
        _ => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iam() -> &'static ServiceModel {
        ServiceModel::get("iam").expect("bundled IAM model")
    }

    fn decode(service: &str, op: &str, q: &str) -> Result<Value, QueryError> {
        let model = ServiceModel::get(service).expect("bundled model");
        decode_params(model, op, &parse_form(q)?)
    }

    #[test]
    fn lists_maps_structures_and_scalars() {
        let p = decode(
            "iam",
            "SimulatePrincipalPolicy",
            "PolicySourceArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice\
             &ActionNames.member.1=iam%3AGetUser&ActionNames.member.2=s3%3AGetObject\
             &ContextEntries.member.1.ContextKeyName=aws%3ASourceIp\
             &ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1\
             &ContextEntries.member.1.ContextKeyType=ip&MaxItems=5",
        )
        .expect("decodes");
        assert_eq!(
            p,
            json!({
                "PolicySourceArn": "arn:aws:iam::111122223333:user/alice",
                "ActionNames": ["iam:GetUser", "s3:GetObject"],
                "ContextEntries": [{"ContextKeyName": "aws:SourceIp",
                    "ContextKeyValues": ["10.0.0.1"], "ContextKeyType": "ip"}],
                "MaxItems": 5
            })
        );
    }

    #[test]
    fn policy_documents_arrive_as_text() {
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let q = format!(
            "PolicyName=p&PolicyDocument={}",
            crate::xml::percent_encode(doc)
        );
        let p = decode("iam", "CreatePolicy", &q).expect("decodes");
        assert_eq!(p["PolicyDocument"], doc);
    }

    #[test]
    fn empty_list_booleans_and_sts_members() {
        let p = decode(
            "sts",
            "AssumeRole",
            "RoleArn=r&RoleSessionName=s&PolicyArns.member.1.arn=arn%3Ax&TransitiveTagKeys=",
        )
        .expect("decodes");
        assert_eq!(p["PolicyArns"], json!([{"arn": "arn:x"}]));
        assert_eq!(p["TransitiveTagKeys"], json!([]));
        let p = decode(
            "iam",
            "UpdateAccountPasswordPolicy",
            "RequireSymbols=true&MinimumPasswordLength=12",
        )
        .expect("decodes");
        assert_eq!(p["RequireSymbols"], true);
        assert_eq!(p["MinimumPasswordLength"], 12);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let e = decode("iam", "ListUsers", "MaxItems=ten").expect_err("not an integer");
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("'MaxItems'"), "{}", e.message);
        let e = parse_form("UserName=%E0%A4").expect_err("not UTF-8");
        assert_eq!(e.code, "MalformedQueryString");
        let e = parse_form("UserName=%4").expect_err("truncated escape");
        assert!(e.message.contains("percent-encoding"), "{}", e.message);
    }

    #[test]
    fn unknown_members_are_ignored_and_absent_ones_stay_absent() {
        let p = decode("iam", "GetUser", "Bogus=1").expect("decodes");
        assert_eq!(p, json!({}));
        assert!(iam().input_shape("GetUser").is_some());
    }
}
