//! Policy documents inside authorization details: the CLI's decoded JSON form and the raw
//! API's URL-encoded string, each kept exactly as read; plus the percent-encoding they use.

use serde::de::Error as _;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Which form a [`PolicyDocument`] had in its source; it is written back in the same form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentForm {
    /// A JSON object, as the AWS CLI and boto3 print it (they URL-decode and `json.loads` it).
    Json,
    /// A JSON string holding undecorated JSON text (`"{\"Version\": ...}"`).
    JsonText,
    /// A JSON string holding the URL-encoded text the IAM query API returns (`"%7B%22Version..."`).
    UrlEncoded,
}

#[derive(Clone, PartialEq)]
enum Repr {
    Json(Value),
    JsonText(String),
    UrlEncoded { encoded: String, decoded: String },
}

/// A policy document as found in `get-account-authorization-details` output (`PolicyDocument`,
/// `AssumeRolePolicyDocument`, `Document`). It remembers its [`DocumentForm`] and the exact
/// original, serializes back into the same form byte for byte, and gives the decoded JSON text
/// with [`text`](Self::text).
///
/// ```
/// use iam_parser::gaad::{DocumentForm, PolicyDocument};
/// let doc: PolicyDocument = serde_json::from_str(r#""%7B%22Version%22%3A%222012-10-17%22%7D""#).unwrap();
/// assert_eq!(doc.form(), DocumentForm::UrlEncoded);
/// assert_eq!(doc.text(), r#"{"Version":"2012-10-17"}"#);
/// assert_eq!(serde_json::to_string(&doc).unwrap(), r#""%7B%22Version%22%3A%222012-10-17%22%7D""#);
///
/// let doc: PolicyDocument = serde_json::from_str(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
/// assert_eq!(doc.form(), DocumentForm::Json);
/// assert_eq!(doc.text(), r#"{"Version":"2012-10-17","Statement":[]}"#);
/// assert_eq!(doc.to_url_encoded().text(), doc.text());
/// ```
#[derive(Clone, PartialEq)]
pub struct PolicyDocument {
    repr: Repr,
}

impl PolicyDocument {
    /// A document in the CLI's decoded form (a JSON value, normally an object).
    pub fn from_json_value(value: Value) -> Self {
        match value {
            Value::String(s) => Self::from_json_text(s),
            v => PolicyDocument {
                repr: Repr::Json(v),
            },
        }
    }

    /// Parses policy JSON text into the CLI's decoded form (key order kept).
    ///
    /// ```
    /// let doc = iam_parser::gaad::PolicyDocument::parse_json(r#"{"Version": "2012-10-17"}"#).unwrap();
    /// assert_eq!(doc.as_json().unwrap()["Version"], "2012-10-17");
    /// ```
    pub fn parse_json(text: &str) -> Result<Self, serde_json::Error> {
        Ok(PolicyDocument {
            repr: Repr::Json(serde_json::from_str(text)?),
        })
    }

    /// A document kept as a JSON string of undecoded policy text (form [`DocumentForm::JsonText`]).
    pub fn from_json_text(text: impl Into<String>) -> Self {
        PolicyDocument {
            repr: Repr::JsonText(text.into()),
        }
    }

    /// A document in the raw API's form: `text` percent-encoded with [`url_encode`].
    pub fn url_encode_text(text: &str) -> Self {
        PolicyDocument {
            repr: Repr::UrlEncoded {
                encoded: url_encode(text),
                decoded: text.to_owned(),
            },
        }
    }

    /// A document from the raw API's URL-encoded string, kept as given.
    ///
    /// ```
    /// let doc = iam_parser::gaad::PolicyDocument::from_url_encoded("%7B%7D").unwrap();
    /// assert_eq!(doc.text(), "{}");
    /// assert!(iam_parser::gaad::PolicyDocument::from_url_encoded("%7").is_err());
    /// ```
    pub fn from_url_encoded(encoded: impl Into<String>) -> Result<Self, UrlDecodeError> {
        let encoded = encoded.into();
        let decoded = url_decode(&encoded)?;
        Ok(PolicyDocument {
            repr: Repr::UrlEncoded { encoded, decoded },
        })
    }

    /// The form this document had in its source.
    pub fn form(&self) -> DocumentForm {
        match self.repr {
            Repr::Json(_) => DocumentForm::Json,
            Repr::JsonText(_) => DocumentForm::JsonText,
            Repr::UrlEncoded { .. } => DocumentForm::UrlEncoded,
        }
    }

    /// The policy as JSON text, ready for [`crate::parse_policy`]: decoded from the URL-encoded
    /// form, as given for the JSON-text form, and compact JSON (source key order) for the
    /// decoded form.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.repr {
            Repr::Json(v) => Cow::Owned(v.to_string()),
            Repr::JsonText(s) => Cow::Borrowed(s),
            Repr::UrlEncoded { decoded, .. } => Cow::Borrowed(decoded),
        }
    }

    /// The decoded JSON value when the document is in the CLI's form.
    pub fn as_json(&self) -> Option<&Value> {
        match &self.repr {
            Repr::Json(v) => Some(v),
            _ => None,
        }
    }

    /// The URL-encoded string when the document is in the raw API's form.
    pub fn as_url_encoded(&self) -> Option<&str> {
        match &self.repr {
            Repr::UrlEncoded { encoded, .. } => Some(encoded),
            _ => None,
        }
    }

    /// The same document in the raw API's URL-encoded form (of [`text`](Self::text)).
    pub fn to_url_encoded(&self) -> Self {
        match &self.repr {
            Repr::UrlEncoded { .. } => self.clone(),
            _ => Self::url_encode_text(&self.text()),
        }
    }

    /// The same document in the CLI's decoded form; fails when the text is not JSON.
    pub fn to_decoded(&self) -> Result<Self, serde_json::Error> {
        match &self.repr {
            Repr::Json(_) => Ok(self.clone()),
            _ => Self::parse_json(&self.text()),
        }
    }
}

impl fmt::Debug for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyDocument")
            .field("form", &self.form())
            .field("text", &self.text())
            .finish()
    }
}

impl serde::Serialize for PolicyDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.repr {
            Repr::Json(v) => v.serialize(serializer),
            Repr::JsonText(s) => serializer.serialize_str(s),
            Repr::UrlEncoded { encoded, .. } => serializer.serialize_str(encoded),
        }
    }
}

impl<'de> serde::Deserialize<'de> for PolicyDocument {
    /// A JSON string starting (after whitespace) with `{` is JSON text; any other string is
    /// URL-encoded (`%7B...`; every encoding of a JSON object starts with `%`); anything else is
    /// the decoded form.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(s) if s.trim_start().starts_with('{') => Ok(Self::from_json_text(s)),
            Value::String(s) => Self::from_url_encoded(s).map_err(D::Error::custom),
            v => Ok(PolicyDocument {
                repr: Repr::Json(v),
            }),
        }
    }
}

/// A malformed URL-encoded document: a `%` not followed by two hex digits, or bytes that do not
/// decode to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlDecodeError {
    /// Byte offset of the problem: in the encoded text for a bad escape, in the decoded bytes
    /// for invalid UTF-8.
    pub offset: usize,
    /// What is wrong.
    pub message: &'static str,
}

impl fmt::Display for UrlDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid URL-encoded policy document at byte {}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for UrlDecodeError {}

/// Percent-encodes text as IAM returns policy documents ("URL-encoded compliant with RFC 3986",
/// IAM API reference, GetRolePolicy): every byte of the UTF-8 text except the RFC 3986
/// unreserved characters `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex); a space is
/// `%20`, never `+`.
///
/// ```
/// assert_eq!(iam_parser::gaad::url_encode(r#"{"A": "b~c é"}"#), "%7B%22A%22%3A%20%22b~c%20%C3%A9%22%7D");
/// ```
pub fn url_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 2);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    out
}

/// Decodes `%XX` escapes (either hex case) like botocore's `unquote`: every other character,
/// `+` included, stands for itself. Stricter than `unquote`: a bad escape or non-UTF-8 result
/// is an error rather than passed through.
///
/// ```
/// assert_eq!(iam_parser::gaad::url_decode("%7b%22a+b%22%7D").unwrap(), r#"{"a+b"}"#);
/// ```
pub fn url_decode(encoded: &str) -> Result<String, UrlDecodeError> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|&c| char::from(c).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|&c| char::from(c).to_digit(16));
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    // Both digits are < 16, so the value fits in a byte.
                    out.push(u8::try_from(hi * 16 + lo).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    return Err(UrlDecodeError {
                        offset: i,
                        message: "`%` must be followed by two hex digits",
                    });
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| UrlDecodeError {
        offset: e.utf8_error().valid_up_to(),
        message: "the decoded bytes are not UTF-8",
    })
}
