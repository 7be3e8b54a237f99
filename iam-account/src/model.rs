//! botocore's service models of IAM, STS and IAM Access Analyzer (bundled, Apache-2.0: `data/botocore/SOURCE.md`),
//! loaded lazily at run time: operation names, parameter validation exactly as botocore's
//! `ParamValidator` (`botocore/validate.py`) does it, the HTTP status of each modeled error, and
//! the paginator definitions (`paginators-1.json`).
//!
//! Both doors use it: the Python clients (before any authorization or operation) and the HTTP
//! endpoint.
//!
//! ```
//! use iam_account::model::ServiceModel;
//! use serde_json::json;
//!
//! let iam = ServiceModel::get("iam").unwrap();
//! assert_eq!(iam.operation_name("list_open_id_connect_providers"), Some("ListOpenIDConnectProviders"));
//! let err = iam.validate("GetUser", &json!({"UserName": 5})).unwrap_err();
//! assert_eq!(err.to_string(), "Parameter validation failed:\nInvalid type for parameter \
//!     UserName, value: 5, type: <class 'int'>, valid types: <class 'str'>");
//! assert_eq!(iam.error_status("NoSuchEntity"), 404);
//! ```

use flate2::read::GzDecoder;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

const IAM_MODEL: &[u8] = include_bytes!("../data/botocore/iam/service-2.json.gz");
const IAM_PAGINATORS: &str = include_str!("../data/botocore/iam/paginators-1.json");
const STS_MODEL: &[u8] = include_bytes!("../data/botocore/sts/service-2.json.gz");
const STS_PAGINATORS: &str = include_str!("../data/botocore/sts/paginators-1.json");
const ACCESS_ANALYZER_MODEL: &[u8] =
    include_bytes!("../data/botocore/accessanalyzer/service-2.json.gz");
const ACCESS_ANALYZER_PAGINATORS: &str =
    include_str!("../data/botocore/accessanalyzer/paginators-1.json");

/// One service's botocore model (`service-2.json`) and paginators (`paginators-1.json`).
#[derive(Debug)]
pub struct ServiceModel {
    service: &'static str,
    model: Value,
    paginators: Value,
}

/// An operation's paginator (`paginators-1.json`): the result keys it pages over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paginator {
    /// The request member carrying the token (`Marker`).
    pub input_token: String,
    /// The response member carrying the next token (`Marker`).
    pub output_token: String,
    /// The request member limiting a page (`MaxItems`).
    pub limit_key: String,
    /// The response member saying more pages follow (`IsTruncated`).
    pub more_results: String,
    /// The list members paged over, in order.
    pub result_keys: Vec<String>,
    /// Members copied from the first page only (`GetGroup`'s `Group`).
    pub non_aggregate_keys: Vec<String>,
}

/// Parses a bundled model; `None` if the copy is broken (this module's tests check it is not).
fn load(service: &'static str, gz: &[u8], paginators: &str) -> Option<ServiceModel> {
    let mut text = String::new();
    GzDecoder::new(gz).read_to_string(&mut text).ok()?;
    Some(ServiceModel {
        service,
        model: serde_json::from_str(&text).ok()?,
        paginators: serde_json::from_str(paginators).ok()?,
    })
}

impl ServiceModel {
    /// The model of `"iam"`, `"sts"` or `"accessanalyzer"` (parsed on first use), `None` for
    /// other services.
    pub fn get(service: &str) -> Option<&'static ServiceModel> {
        static IAM: OnceLock<Option<ServiceModel>> = OnceLock::new();
        static STS: OnceLock<Option<ServiceModel>> = OnceLock::new();
        static ACCESS_ANALYZER: OnceLock<Option<ServiceModel>> = OnceLock::new();
        match service {
            "accessanalyzer" => ACCESS_ANALYZER
                .get_or_init(|| {
                    load(
                        "accessanalyzer",
                        ACCESS_ANALYZER_MODEL,
                        ACCESS_ANALYZER_PAGINATORS,
                    )
                })
                .as_ref(),
            "iam" => IAM
                .get_or_init(|| load("iam", IAM_MODEL, IAM_PAGINATORS))
                .as_ref(),
            "sts" => STS
                .get_or_init(|| load("sts", STS_MODEL, STS_PAGINATORS))
                .as_ref(),
            _ => None,
        }
    }

    /// `"iam"`, `"sts"` or `"accessanalyzer"`.
    pub fn service(&self) -> &'static str {
        self.service
    }

    fn shapes(&self) -> &Map<String, Value> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        self.model["shapes"]
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    fn shape(&self, name: &str) -> &Value {
        self.shapes().get(name).unwrap_or(&Value::Null)
    }

    /// The model's operation names (`CreateUser`, …).
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.model["operations"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// True when the model has operation `name` (the model's spelling, `CreateUser`): one
    /// look-up, for the per-request path.
    ///
    /// ```
    /// let iam = iam_account::model::ServiceModel::get("iam").unwrap();
    /// assert!(iam.has_operation("GetUser"));
    /// assert!(!iam.has_operation("GetCallerIdentity"));
    /// ```
    pub fn has_operation(&self, name: &str) -> bool {
        self.model["operations"].get(name).is_some()
    }

    /// The model's name of an operation given in boto3's snake_case (`list_mfa_devices` →
    /// `ListMFADevices`) or already in the model's spelling.
    pub fn operation_name(&self, name: &str) -> Option<&str> {
        let flat: String = name.chars().filter(|c| *c != '_').collect();
        self.operations().find(|op| {
            op.eq_ignore_ascii_case(&flat) && (op == &name || !name.contains(char::is_uppercase))
        })
    }

    /// A shape's definition as the model has it (`{"type": "structure", "members": …}`), for
    /// a protocol layer that serializes from the shapes (the HTTP endpoint's Query protocol).
    pub fn shape_definition(&self, name: &str) -> Option<&Value> {
        self.shapes().get(name)
    }

    /// The shape name of an operation's input, if it has one.
    pub fn input_shape(&self, operation: &str) -> Option<&str> {
        self.model["operations"][operation]["input"]["shape"].as_str()
    }

    /// The element the Query protocol wraps an operation's output in (`CreateUserResult`).
    pub fn result_wrapper(&self, operation: &str) -> Option<&str> {
        self.model["operations"][operation]["output"]["resultWrapper"].as_str()
    }

    /// The service's XML namespace (`https://iam.amazonaws.com/doc/2010-05-08/`).
    pub fn xml_namespace(&self) -> &str {
        self.model["metadata"]["xmlNamespace"]
            .as_str()
            .unwrap_or_default()
    }

    /// The service's API version (`2010-05-08`).
    pub fn api_version(&self) -> &str {
        self.model["metadata"]["apiVersion"]
            .as_str()
            .unwrap_or_default()
    }

    /// The shape name of an operation's output, if it has one.
    pub fn output_shape(&self, operation: &str) -> Option<&str> {
        self.model["operations"][operation]["output"]["shape"].as_str()
    }

    /// Checks request parameters the way botocore's `ParamValidator` does before sending a
    /// request: required members, unknown members, Python types, and the `min` length/value.
    /// (botocore checks neither `max` nor `pattern`: the service does, with its own
    /// `ValidationError`.) An operation without an input shape takes anything, as in botocore.
    pub fn validate(&self, operation: &str, params: &Value) -> Result<(), ParamValidationError> {
        let Some(input) = self.model["operations"][operation]["input"]["shape"].as_str() else {
            return Ok(());
        };
        let mut errors = Vec::new();
        self.validate_value(params, self.shape(input), "", &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ParamValidationError { errors })
        }
    }

    fn validate_value(&self, v: &Value, shape: &Value, name: &str, out: &mut Vec<String>) {
        let ty = shape["type"].as_str().unwrap_or("string");
        let invalid_type = |out: &mut Vec<String>, valid: &[&str]| {
            out.push(format!(
                "Invalid type for parameter {}, value: {}, type: {}, valid types: {}",
                display_name(name),
                py_str(v),
                py_type(v),
                valid.join(", ")
            ));
        };
        match ty {
            "structure" => {
                let Some(obj) = as_dict(v) else {
                    return invalid_type(out, &["<class 'dict'>"]);
                };
                let members = shape["members"].as_object();
                for r in shape["required"].as_array().into_iter().flatten() {
                    let r = r.as_str().unwrap_or_default();
                    if !obj.contains_key(r) {
                        out.push(format!(
                            "Missing required parameter in {}: \"{r}\"",
                            display_name(name)
                        ));
                    }
                }
                let valid: Vec<&str> = members
                    .into_iter()
                    .flat_map(|m| m.keys().map(String::as_str))
                    .collect();
                let mut known = Vec::new();
                for (k, x) in obj {
                    match members.and_then(|m| m.get(k)) {
                        Some(m) => known.push((k, x, m)),
                        None => out.push(format!(
                            "Unknown parameter in {}: \"{k}\", must be one of: {}",
                            display_name(name),
                            valid.join(", ")
                        )),
                    }
                }
                for (k, x, m) in known {
                    let member_shape = self.shape(m["shape"].as_str().unwrap_or_default());
                    self.validate_value(x, member_shape, &format!("{name}.{k}"), out);
                }
            }
            "list" => {
                let Some(items) = v.as_array() else {
                    return invalid_type(out, &["<class 'list'>", "<class 'tuple'>"]);
                };
                range_check(
                    name,
                    items.len() as f64,
                    &items.len().to_string(),
                    shape,
                    "length",
                    out,
                );
                let member = self.shape(shape["member"]["shape"].as_str().unwrap_or_default());
                for (i, x) in items.iter().enumerate() {
                    self.validate_value(x, member, &format!("{name}[{i}]"), out);
                }
            }
            "map" => {
                let Some(obj) = as_dict(v) else {
                    return invalid_type(out, &["<class 'dict'>"]);
                };
                let key = self.shape(shape["key"]["shape"].as_str().unwrap_or_default());
                let value = self.shape(shape["value"]["shape"].as_str().unwrap_or_default());
                for (k, x) in obj {
                    self.validate_value(
                        &Value::String(k.clone()),
                        key,
                        &format!("{name} (key: {k})"),
                        out,
                    );
                    self.validate_value(x, value, &format!("{name}.{k}"), out);
                }
            }
            "string" => match v.as_str() {
                Some(s) => {
                    let n = s.chars().count();
                    range_check(name, n as f64, &n.to_string(), shape, "length", out);
                }
                None => invalid_type(out, &["<class 'str'>"]),
            },
            // Python's bool is an int: botocore takes True for an integer.
            "integer" | "long" => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    range_check(
                        name,
                        n.as_f64().unwrap_or(0.0),
                        &n.to_string(),
                        shape,
                        "range",
                        out,
                    );
                }
                Value::Bool(b) => {
                    let n = f64::from(u8::from(*b));
                    range_check(name, n, &py_str(v), shape, "range", out);
                }
                _ => invalid_type(out, &["<class 'int'>"]),
            },
            "double" | "float" => match v {
                Value::Number(n) => {
                    range_check(
                        name,
                        n.as_f64().unwrap_or(0.0),
                        &py_str(v),
                        shape,
                        "range",
                        out,
                    );
                }
                Value::Bool(b) => {
                    let n = f64::from(u8::from(*b));
                    range_check(name, n, &py_str(v), shape, "range", out);
                }
                _ => invalid_type(
                    out,
                    &[
                        "<class 'float'>",
                        "<class 'decimal.Decimal'>",
                        "<class 'int'>",
                    ],
                ),
            },
            "boolean" if !v.is_boolean() => invalid_type(out, &["<class 'bool'>"]),
            "timestamp" => {
                let ok = match v {
                    Value::Number(_) => true,
                    Value::String(s) => s.chars().any(|c| c.is_ascii_digit()),
                    Value::Object(o) => {
                        o.get("$pytype").and_then(Value::as_str)
                            == Some("<class 'datetime.datetime'>")
                    }
                    _ => false,
                };
                if !ok {
                    invalid_type(out, &["<class 'datetime.datetime'>", "timestamp-string"]);
                }
            }
            "blob" => {
                let ok = match v {
                    Value::String(_) => true,
                    Value::Object(o) => matches!(
                        o.get("$pytype").and_then(Value::as_str),
                        Some("<class 'bytes'>" | "<class 'bytearray'>")
                    ),
                    _ => false,
                };
                if !ok {
                    invalid_type(
                        out,
                        &["<class 'bytes'>", "<class 'bytearray'>", "file-like object"],
                    );
                }
            }
            _ => {}
        }
    }

    /// The HTTP status of an error code: the model's `httpStatusCode` for a modeled error,
    /// else the status AWS's common errors have (`AccessDenied`, `InvalidClientTokenId`,
    /// `SignatureDoesNotMatch`, `ExpiredToken` 403; `ValidationError` and others 400; see
    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>).
    pub fn error_status(&self, code: &str) -> u16 {
        if let Some(s) = self
            .error_shapes()
            .find(|e| e.code == code)
            .map(|e| e.http_status)
        {
            return s;
        }
        match code {
            "AccessDenied"
            | "AccessDeniedException"
            | "InvalidClientTokenId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "IncompleteSignature"
            | "MissingAuthenticationToken"
            | "NotAuthorized" => 403,
            "InternalFailure" | "ServiceUnavailable" => 500,
            "Throttling" => 400,
            _ => 400,
        }
    }

    /// The modeled errors: exception shape name (botocore's `client.exceptions` attribute),
    /// error code and HTTP status.
    pub fn error_shapes(&self) -> impl Iterator<Item = ErrorShape<'_>> {
        // botocore: every shape with `"exception": true`; its code is `error.code`, else the
        // shape's name; its status `error.httpStatusCode`, else 400.
        self.shapes().iter().filter_map(|(name, s)| {
            if s["exception"] != Value::Bool(true) && s.get("error").is_none() {
                return None;
            }
            let e = &s["error"];
            Some(ErrorShape {
                shape_name: name,
                code: e["code"].as_str().unwrap_or(name),
                http_status: e["httpStatusCode"]
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or(400),
            })
        })
    }

    /// The paginator of an operation (model spelling), if it is paginated.
    pub fn paginator(&self, operation: &str) -> Option<Paginator> {
        let p = self.paginators["pagination"].get(operation)?;
        let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
        let list = |k: &str| match &p[k] {
            Value::String(x) => vec![x.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        Some(Paginator {
            input_token: s("input_token"),
            output_token: s("output_token"),
            limit_key: s("limit_key"),
            more_results: s("more_results"),
            result_keys: list("result_key"),
            non_aggregate_keys: list("non_aggregate_keys"),
        })
    }

    /// The paginated operations (model spelling).
    pub fn paginated_operations(&self) -> impl Iterator<Item = &str> {
        self.paginators["pagination"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// The `max` of an integer member of an operation's input (`MaxItems` → 1000).
    pub fn input_member_max(&self, operation: &str, member: &str) -> Option<u64> {
        let input = self.model["operations"][operation]["input"]["shape"].as_str()?;
        let shape = self.shape(input)["members"][member]["shape"].as_str()?;
        self.shape(shape)["max"].as_u64()
    }
}

/// One modeled error of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorShape<'a> {
    /// The exception shape's name (`NoSuchEntityException`).
    pub shape_name: &'a str,
    /// The error code in responses (`NoSuchEntity`).
    pub code: &'a str,
    /// The HTTP status (`404`).
    pub http_status: u16,
}

/// botocore's `ParamValidationError`: every problem found, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamValidationError {
    errors: Vec<String>,
}

impl ParamValidationError {
    /// botocore's report: the lines after `Parameter validation failed:`.
    pub fn report(&self) -> String {
        self.errors.join("\n")
    }
}

impl fmt::Display for ParamValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Parameter validation failed:\n{}", self.report())
    }
}

impl std::error::Error for ParamValidationError {}

/// botocore's `_get_name`: the top level is called `input`, members lose the leading dot.
fn display_name(name: &str) -> &str {
    if name.is_empty() {
        "input"
    } else {
        name.strip_prefix('.').unwrap_or(name)
    }
}

/// botocore's `range_check`: only `min` is checked.
fn range_check(
    name: &str,
    value: f64,
    shown: &str,
    shape: &Value,
    what: &str,
    out: &mut Vec<String>,
) {
    if let Some(min) = shape["min"].as_f64()
        && value < min
    {
        let min_shown = shape["min"].to_string();
        let (noun, word) = if what == "length" {
            ("length", "length")
        } else {
            ("value", "value")
        };
        out.push(format!(
            "Invalid {noun} for parameter {}, value: {shown}, valid min {word}: {min_shown}",
            display_name(name)
        ));
    }
}

/// A JSON object that stands for a Python dict (not a marker of a non-JSON Python value).
fn as_dict(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object().filter(|o| !o.contains_key("$pytype"))
}

/// `str(type(value))` of the Python value a JSON value came from. The Python client sends
/// values JSON cannot hold as `{"$pytype": "<class 'set'>", "$str": ..., "$repr": ...}`.
fn py_type(v: &Value) -> String {
    match v {
        Value::Null => "<class 'NoneType'>".into(),
        Value::Bool(_) => "<class 'bool'>".into(),
        Value::Number(n) if n.is_f64() => "<class 'float'>".into(),
        Value::Number(_) => "<class 'int'>".into(),
        Value::String(_) => "<class 'str'>".into(),
        Value::Array(_) => "<class 'list'>".into(),
        Value::Object(o) => o
            .get("$pytype")
            .and_then(Value::as_str)
            .unwrap_or("<class 'dict'>")
            .into(),
    }
}

/// Python's `str(value)`.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("$pytype") => o
            .get("$str")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        _ => py_repr(v),
    }
}

/// Python's `repr(value)`.
fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        Value::String(s) => py_str_repr(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) if o.contains_key("$pytype") => o
            .get("$repr")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, x)| format!("{}: {}", py_str_repr(k), py_repr(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
fn py_str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iam() -> &'static ServiceModel {
        ServiceModel::get("iam").unwrap()
    }

    #[test]
    fn snake_case_names_map_to_one_operation_each() {
        for service in ["iam", "sts"] {
            let m = ServiceModel::get(service).unwrap();
            for op in m.operations() {
                let flat = op.to_ascii_lowercase();
                assert_eq!(m.operation_name(&flat), Some(op));
            }
        }
        assert_eq!(
            iam().operation_name("get_saml_provider"),
            Some("GetSAMLProvider")
        );
        assert_eq!(iam().operation_name("GetUser"), Some("GetUser"));
        assert_eq!(iam().operation_name("no_such_thing"), None);
    }

    #[test]
    fn access_analyzer_model_validates_validate_policy() {
        let m = ServiceModel::get("accessanalyzer").unwrap();
        assert_eq!(m.service(), "accessanalyzer");
        assert_eq!(m.operation_name("validate_policy"), Some("ValidatePolicy"));
        assert_eq!(
            m.operation_name("check_no_new_access"),
            Some("CheckNoNewAccess")
        );
        assert!(
            m.validate(
                "ValidatePolicy",
                &json!({"policyDocument": "{}", "policyType": "IDENTITY_POLICY"})
            )
            .is_ok()
        );
        let e = m
            .validate("ValidatePolicy", &json!({"policyDocument": 5}))
            .unwrap_err();
        assert_eq!(
            e.report(),
            "Missing required parameter in input: \"policyType\"\n\
             Invalid type for parameter policyDocument, value: 5, type: <class 'int'>, valid types: <class 'str'>"
        );
        let p = m.paginator("ValidatePolicy").unwrap();
        assert_eq!(
            (p.input_token.as_str(), p.limit_key.as_str()),
            ("nextToken", "maxResults")
        );
        assert_eq!(p.result_keys, vec!["findings".to_string()]);
        assert_eq!(m.error_status("ValidationException"), 400);
    }

    #[test]
    fn missing_unknown_and_mistyped_parameters_as_botocore_reports_them() {
        let e = iam()
            .validate("CreateUser", &json!({"Bogus": 1}))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\nMissing required parameter in input: \"UserName\"\n\
             Unknown parameter in input: \"Bogus\", must be one of: Path, UserName, PermissionsBoundary, Tags"
        );
        let e = iam()
            .validate(
                "CreateUser",
                &json!({"UserName": "", "Tags": [{"Key": "k", "Value": 3}]}),
            )
            .unwrap_err();
        assert_eq!(
            e.report(),
            "Invalid length for parameter UserName, value: 0, valid min length: 1\n\
             Invalid type for parameter Tags[0].Value, value: 3, type: <class 'int'>, valid types: <class 'str'>"
        );
        let e = iam()
            .validate("ListUsers", &json!({"MaxItems": 0, "Marker": ["a'b"]}))
            .unwrap_err();
        assert_eq!(
            e.report(),
            "Invalid value for parameter MaxItems, value: 0, valid min value: 1\n\
             Invalid type for parameter Marker, value: [\"a'b\"], type: <class 'list'>, valid types: <class 'str'>"
        );
        // True is an int in Python; botocore takes it for an integer.
        assert!(
            iam()
                .validate("ListUsers", &json!({"MaxItems": true}))
                .is_ok()
        );
        assert!(
            iam()
                .validate("GetAccountSummary", &json!({"Anything": 1}))
                .is_ok()
        );
    }

    #[test]
    fn error_statuses_and_paginators_come_from_the_model() {
        assert_eq!(iam().error_status("EntityAlreadyExists"), 409);
        assert_eq!(iam().error_status("LimitExceeded"), 409);
        assert_eq!(iam().error_status("AccessDenied"), 403);
        assert_eq!(iam().error_status("ValidationError"), 400);
        let p = iam().paginator("ListEntitiesForPolicy").unwrap();
        assert_eq!(
            p.result_keys,
            ["PolicyGroups", "PolicyUsers", "PolicyRoles"]
        );
        assert_eq!(
            iam().input_member_max("ListPolicies", "MaxItems"),
            Some(1000)
        );
        assert!(iam().paginator("GetUser").is_none());
    }
}
