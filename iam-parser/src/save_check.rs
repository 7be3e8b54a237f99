//! IAM's save-time check: what `CreatePolicy`, `Put{User,Group,Role}Policy`, `CreateRole` and
//! `UpdateAssumeRolePolicy` answer for a policy document — the **first** failure only, in IAM's
//! order, with AWS's message text (spec §1.8 "IAM save-time validation (order and exact
//! messages)", §1.7, §1.10, §1.1).
//!
//! Stages, in order (the first failing one is reported):
//!
//! | # | Stage | Code | Message |
//! |---|---|---|---|
//! | 0 | API shape: length 1..=131,072, charset `[\t\n\r\u{20}-\u{FF}]` (§1.1) | `ValidationError` | `1 validation error detected: …` |
//! | 1 | JSON | `MalformedPolicyDocument` | `This policy contains invalid Json` / `Syntax errors in policy.` (see [`check_iam_policy`]) |
//! | 2 | grammar (§1.8 item 1) | `MalformedPolicyDocument` | `Syntax errors in policy.` |
//! | 3 | version, managed policies only | `MalformedPolicyDocument` | `Policy document must be version 2012-10-17 or greater.` |
//! | 4 | legacy parsing: `Effect` case, `Date*` values, malformed resources | `MalformedPolicyDocument` | `The policy failed legacy parsing` |
//! | 5 | `Sid` uniqueness | `MalformedPolicyDocument` | `Statement IDs (SID) in a single policy must be unique.` |
//! | 6 | identity policies: no `Principal`/`NotPrincipal` (§1.7) | `MalformedPolicyDocument` | `Policy document should not specify a principal.` |
//! | 7 | actions present | `MalformedPolicyDocument` | `Policy statement must contain actions.` |
//! | 8 | resource ARN format | `MalformedPolicyDocument` | `Resource … must be in ARN format or "*".`, `Partition "…" is not valid …`, … |
//! | 9 | action vendor prefixes | `MalformedPolicyDocument` | `Actions/Conditions must be prefaced by a vendor, …`, … |
//! | 10 | identity policies: resources present | `MalformedPolicyDocument` | `Policy statement must contain resources.` |
//! | 11 | trust policies: `Principal` required, no `NotPrincipal`, only role-assumption actions, no `Resource` | `MalformedPolicyDocument` | `Missing required field Principal`, … , `Has prohibited field Resource.` |
//! | 12 | size quota, whitespace excluded (§1.10) | `LimitExceeded` | `Cannot exceed quota for PolicySize: 6144`, … |
//!
//! The messages and the order of stages 1–10 are those of moto's AWS-derived validator and test
//! suite (`tests/data/moto-policy-cases`, 136 cases), except that `This policy contains invalid
//! Json` comes from a response recorded against real AWS (LocalStack snapshot, see `SOURCE.md`).
//! Stage 6 and the trust `Principal` messages are not in that data: their position in the order is
//! this crate's choice (documented at each).

use crate::json::{self, JsonKind, JsonMember, JsonValue, ParseOptions};
use crate::values::date::is_valid_date;
use iam_model::{Position, Span};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Which IAM API the document is saved through; decides the per-kind rules and quotas.
///
/// ```
/// use iam_parser::save_check::SaveKind;
/// assert_eq!("inline-role".parse::<SaveKind>().unwrap(), SaveKind::InlineRole);
/// assert_eq!(SaveKind::Managed.size_limit(), 6144);
/// assert!("session".parse::<SaveKind>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaveKind {
    /// A customer managed policy (`CreatePolicy`, `CreatePolicyVersion`); also permissions boundaries.
    Managed,
    /// A user inline policy (`PutUserPolicy`).
    InlineUser,
    /// A group inline policy (`PutGroupPolicy`).
    InlineGroup,
    /// A role inline policy (`PutRolePolicy`).
    InlineRole,
    /// A role trust policy (`CreateRole`'s `AssumeRolePolicyDocument`, `UpdateAssumeRolePolicy`).
    Trust,
}

impl SaveKind {
    /// Every kind, in declaration order.
    ///
    /// ```
    /// assert_eq!(iam_parser::save_check::SaveKind::ALL.len(), 5);
    /// ```
    pub const ALL: [SaveKind; 5] = [
        SaveKind::Managed,
        SaveKind::InlineUser,
        SaveKind::InlineGroup,
        SaveKind::InlineRole,
        SaveKind::Trust,
    ];

    /// The name [`FromStr`] accepts.
    ///
    /// ```
    /// use iam_parser::save_check::SaveKind;
    /// assert_eq!(SaveKind::InlineUser.as_str(), "inline-user");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SaveKind::Managed => "managed",
            SaveKind::InlineUser => "inline-user",
            SaveKind::InlineGroup => "inline-group",
            SaveKind::InlineRole => "inline-role",
            SaveKind::Trust => "trust",
        }
    }

    /// The size quota in characters, whitespace excluded (spec §1.10; IAM quotas page
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>). Inline
    /// quotas apply to the sum of all inline policies of the entity; [`check_iam_policy`] sees one
    /// document, so it checks that document alone. The trust quota is the default 2,048
    /// (adjustable to 4,096 by a quota increase).
    ///
    /// ```
    /// use iam_parser::save_check::SaveKind;
    /// assert_eq!(SaveKind::InlineGroup.size_limit(), 5120);
    /// assert_eq!(SaveKind::Trust.size_limit(), 2048);
    /// ```
    pub const fn size_limit(self) -> usize {
        match self {
            SaveKind::Managed => 6144,
            SaveKind::InlineUser => 2048,
            SaveKind::InlineGroup => 5120,
            SaveKind::InlineRole => 10240,
            SaveKind::Trust => 2048,
        }
    }

    /// True for identity-based policies (everything but trust policies).
    ///
    /// ```
    /// assert!(!iam_parser::save_check::SaveKind::Trust.is_identity());
    /// ```
    pub const fn is_identity(self) -> bool {
        !matches!(self, SaveKind::Trust)
    }
}

impl fmt::Display for SaveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a [`SaveKind`].
///
/// ```
/// let e = "role".parse::<iam_parser::save_check::SaveKind>().unwrap_err();
/// assert!(e.to_string().contains("inline-role"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSaveKind(pub String);

impl fmt::Display for UnknownSaveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown policy kind {:?}: expected one of managed, inline-user, inline-group, inline-role, trust",
            self.0
        )
    }
}

impl std::error::Error for UnknownSaveKind {}

impl FromStr for SaveKind {
    type Err = UnknownSaveKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SaveKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownSaveKind(s.to_string()))
    }
}

/// The AWS error code of a rejection.
///
/// ```
/// use iam_parser::save_check::ErrorCode;
/// assert_eq!(ErrorCode::LimitExceeded.as_str(), "LimitExceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `MalformedPolicyDocument` (HTTP 400): grammar and semantic checks.
    MalformedPolicyDocument,
    /// `LimitExceeded` (HTTP 409): the size quota.
    LimitExceeded,
    /// `ValidationError` (HTTP 400): the API shape (length, character set).
    ValidationError,
}

impl ErrorCode {
    /// The code as AWS spells it.
    ///
    /// ```
    /// assert_eq!(iam_parser::save_check::ErrorCode::ValidationError.as_str(), "ValidationError");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocument",
            ErrorCode::LimitExceeded => "LimitExceeded",
            ErrorCode::ValidationError => "ValidationError",
        }
    }
}

/// IAM's rejection of a policy document: AWS's message, the error code, and where known the
/// span of the offending element. `Display` is the message alone.
///
/// ```
/// use iam_parser::save_check::{check_iam_policy, SaveKind};
/// let e = check_iam_policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}}"#, SaveKind::Managed).unwrap_err();
/// assert_eq!(e.to_string(), "The policy failed legacy parsing");
/// let span = e.span.unwrap();
/// assert_eq!(span.start.column, 51); // the "allow" value
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedPolicyDocument {
    /// AWS's error message, exactly.
    pub message: String,
    /// The AWS error code (`MalformedPolicyDocument` for everything but size and API-shape errors).
    pub code: ErrorCode,
    /// The offending element, when one element is to blame.
    pub span: Option<Span>,
}

impl fmt::Display for MalformedPolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MalformedPolicyDocument {}

// ---- AWS's messages
const SYNTAX: &str = "Syntax errors in policy.";
const INVALID_JSON: &str = "This policy contains invalid Json";
const VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
const LEGACY: &str = "The policy failed legacy parsing";
const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
const NO_PRINCIPAL: &str = "Policy document should not specify a principal.";
const NEED_ACTIONS: &str = "Policy statement must contain actions.";
const NEED_RESOURCES: &str = "Policy statement must contain resources.";
const VENDOR_MISSING: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
const VENDOR_REGEX: &str = "Resource vendor must be fully qualified and cannot contain regexes.";
const IAM_PATHS: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];
const TRUST_ACTIONS_MSG: &str = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
const TRUST_MISSING_PRINCIPAL: &str = "Missing required field Principal";
const TRUST_NOT_PRINCIPAL: &str = "Has prohibited field NotPrincipal.";
const TRUST_RESOURCE: &str = "Has prohibited field Resource.";

/// AWS partitions (<https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>),
/// plus the wildcard `*`.
const PARTITIONS: [&str; 9] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "*",
];

/// The 27 base condition operators (spec §3.2).
const OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Actions a role trust policy may name. Role assumption plus the session-shaping permissions AWS
/// documents for trust policies (`sts:TagSession`, `sts:SetSourceIdentity`, `sts:SetContext`:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html>).
const TRUST_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

/// Checks `text` the way IAM does when it is saved as `kind`, reporting the first failure only
/// (see the [module docs](self) for the stages and messages).
///
/// Text that is not JSON: real AWS answered `This policy contains invalid Json` for a trust policy
/// with a trailing comma (LocalStack's AWS-validated snapshot), while moto's AWS-derived tests
/// expect `Syntax errors in policy.` for plain text (`new policy`) and for a JSON string. Both hold
/// with one rule, applied to every kind: a document that *starts* as a JSON object (`{`) but is
/// not valid JSON is "invalid Json"; anything else that is not a JSON object is a policy syntax
/// error.
///
/// ```
/// use iam_parser::save_check::{check_iam_policy, SaveKind};
/// let ok = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}}"#;
/// assert!(check_iam_policy(ok, SaveKind::Managed).is_ok());
/// let old = r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}}"#;
/// assert_eq!(check_iam_policy(old, SaveKind::Managed).unwrap_err().message, "Policy document must be version 2012-10-17 or greater.");
/// assert!(check_iam_policy(old, SaveKind::InlineUser).is_ok());
/// assert_eq!(check_iam_policy("{\"Version\": 1,}", SaveKind::Trust).unwrap_err().message, "This policy contains invalid Json");
/// assert_eq!(check_iam_policy("new policy", SaveKind::Trust).unwrap_err().message, "Syntax errors in policy.");
/// ```
pub fn check_iam_policy(text: &str, kind: SaveKind) -> Result<(), MalformedPolicyDocument> {
    let cx = Cx { text };
    cx.api_shape()?;

    // ---- stage 1: JSON
    let root = match json::parse(text, ParseOptions::POLICY) {
        Ok(v) => v,
        Err(e) => {
            let starts_as_object = text
                .trim_start_matches([' ', '\t', '\n', '\r'])
                .starts_with('{');
            let message = if starts_as_object {
                INVALID_JSON
            } else {
                SYNTAX
            };
            let at = e.offset.min(text.len());
            return Err(cx.fail(message, Some((at, at))));
        }
    };

    // ---- stage 2: grammar
    let doc = cx.grammar(&root)?;

    // ---- stage 3: version (managed policies only; spec §1.2: inline and trust policies may omit
    // it or use 2008-10-17)
    if kind == SaveKind::Managed {
        match doc.version {
            Some(v) if str_of(v) == Some("2012-10-17") => {}
            Some(v) => return Err(cx.fail(VERSION, Some(v.range()))),
            None => return Err(cx.fail(VERSION, None)),
        }
    }

    // ---- stage 4: legacy parsing
    cx.legacy(&doc)?;

    // ---- stage 5: Sid uniqueness (empty Sids are not compared; moto-valid-052)
    let mut seen: Vec<&str> = Vec::new();
    for st in &doc.statements {
        if let Some(sid) = st.sid.and_then(str_of).filter(|s| !s.is_empty()) {
            if seen.contains(&sid) {
                return Err(cx.fail(SID_UNIQUE, st.sid.map(JsonValue::range)));
            }
            seen.push(sid);
        }
    }

    // ---- stage 6: identity policies must not name a principal (spec §1.7). Not in the moto
    // data; placed after the parsing stages, before the per-statement completeness checks.
    if kind.is_identity() {
        for st in &doc.statements {
            if let Some(m) = st.principal.or(st.not_principal) {
                return Err(cx.fail(NO_PRINCIPAL, Some(m.key_range())));
            }
        }
    }

    // ---- stage 7: actions present
    for st in &doc.statements {
        match st.action.or(st.not_action) {
            None => return Err(cx.fail(NEED_ACTIONS, Some(st.value.range()))),
            Some(m) if list_is_empty(&m.value) => {
                return Err(cx.fail(NEED_ACTIONS, Some(m.value.range())));
            }
            Some(_) => {}
        }
    }

    // ---- stage 8: resource ARN format, first error in document order
    for st in &doc.statements {
        if let Some(m) = st.resource.or(st.not_resource) {
            for (r, v) in strings(&m.value) {
                if let Some(message) = resource_format_error(r) {
                    return Err(cx.fail(&message, Some(v.range())));
                }
            }
        }
    }

    // ---- stage 9: action vendor prefixes
    for st in &doc.statements {
        if let Some(m) = st.action.or(st.not_action) {
            for (a, v) in strings(&m.value) {
                if let Some(message) = action_prefix_error(a) {
                    return Err(cx.fail(&message, Some(v.range())));
                }
            }
        }
    }

    if kind.is_identity() {
        // ---- stage 10: identity policies need resources
        for st in &doc.statements {
            match st.resource.or(st.not_resource) {
                None => return Err(cx.fail(NEED_RESOURCES, Some(st.value.range()))),
                Some(m) if list_is_empty(&m.value) => {
                    return Err(cx.fail(NEED_RESOURCES, Some(m.value.range())));
                }
                Some(_) => {}
            }
        }
    } else {
        cx.trust_rules(&doc)?;
    }

    // ---- stage 12: size quota (spec §1.10). Checked last: the inline quotas cover the sum of an
    // entity's policies, so IAM can only check them once the document itself is acceptable.
    let size = policy_size(text);
    let limit = kind.size_limit();
    if size > limit {
        let message = match kind {
            SaveKind::Managed => format!("Cannot exceed quota for PolicySize: {limit}"),
            SaveKind::Trust => format!("Cannot exceed quota for ACLSizePerRole: {limit}"),
            // AWS appends the entity name ("... exceeded for user alice"); a lone document has none.
            SaveKind::InlineUser => {
                format!("Maximum policy size of {limit} bytes exceeded for user")
            }
            SaveKind::InlineGroup => {
                format!("Maximum policy size of {limit} bytes exceeded for group")
            }
            SaveKind::InlineRole => {
                format!("Maximum policy size of {limit} bytes exceeded for role")
            }
        };
        return Err(MalformedPolicyDocument {
            message,
            code: ErrorCode::LimitExceeded,
            span: None,
        });
    }
    Ok(())
}

/// Characters counted against the size quotas: everything except JSON whitespace between
/// tokens (whitespace inside strings counts). Spec §1.10: "whitespace excluded".
///
/// ```
/// assert_eq!(iam_parser::save_check::policy_size("{ \"a b\" :\n 1 }"), 9);
/// ```
pub fn policy_size(text: &str) -> usize {
    let (mut n, mut in_string, mut escaped) = (0usize, false, false);
    for c in text.chars() {
        if in_string {
            n += 1;
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            n += 1;
            in_string = c == '"';
        }
    }
    n
}

// ------------------------------------------------------------------------------------------------

struct Cx<'t> {
    text: &'t str,
}

struct Doc<'v, 'a> {
    version: Option<&'v JsonValue<'a>>,
    statements: Vec<Stmt<'v, 'a>>,
}

#[derive(Default)]
struct Stmt<'v, 'a> {
    value: Option<&'v JsonValue<'a>>,
    sid: Option<&'v JsonValue<'a>>,
    effect: Option<&'v JsonValue<'a>>,
    principal: Option<&'v JsonMember<'a>>,
    not_principal: Option<&'v JsonMember<'a>>,
    action: Option<&'v JsonMember<'a>>,
    not_action: Option<&'v JsonMember<'a>>,
    resource: Option<&'v JsonMember<'a>>,
    not_resource: Option<&'v JsonMember<'a>>,
    condition: Option<&'v JsonMember<'a>>,
}

trait Ranged {
    fn range(&self) -> (usize, usize);
}

impl Ranged for JsonValue<'_> {
    fn range(&self) -> (usize, usize) {
        (self.start as usize, self.end as usize)
    }
}

impl Ranged for Option<&JsonValue<'_>> {
    fn range(&self) -> (usize, usize) {
        self.map_or((0, 0), |v| v.range())
    }
}

trait KeyRanged {
    fn key_range(&self) -> (usize, usize);
}

impl KeyRanged for JsonMember<'_> {
    fn key_range(&self) -> (usize, usize) {
        (self.key_start as usize, self.value.end as usize)
    }
}

fn str_of<'v>(v: &'v JsonValue<'_>) -> Option<&'v str> {
    match &v.kind {
        JsonKind::String(s) => Some(s),
        _ => None,
    }
}

/// The strings of a string-or-list element, skipping `null` list items (moto-valid-041 accepts
/// `null` inside a `Resource` list).
fn strings<'v, 'a>(v: &'v JsonValue<'a>) -> Vec<(&'v str, &'v JsonValue<'a>)> {
    match &v.kind {
        JsonKind::String(s) => vec![(s.as_ref(), v)],
        JsonKind::Array(items) => items
            .iter()
            .filter_map(|i| match &i.kind {
                JsonKind::String(s) => Some((s.as_ref(), i)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// An element given as a list with no (non-null) entries.
fn list_is_empty(v: &JsonValue<'_>) -> bool {
    match &v.kind {
        JsonKind::Array(items) => items.iter().all(|i| matches!(i.kind, JsonKind::Null)),
        _ => false,
    }
}

/// Strips one set qualifier and one `IfExists` suffix (`ForAnyValue:StringLikeIfExists` →
/// `StringLike`); `ForAnyValue::X` keeps its extra colon and so names no operator (spec §3.4).
fn base_operator(op: &str) -> &str {
    let op = op
        .strip_prefix("ForAnyValue:")
        .or_else(|| op.strip_prefix("ForAllValues:"))
        .unwrap_or(op);
    op.strip_suffix("IfExists").unwrap_or(op)
}

fn scalar_text<'v>(v: &'v JsonValue<'_>) -> Option<Cow<'v, str>> {
    match &v.kind {
        JsonKind::String(s) => Some(Cow::Borrowed(s.as_ref())),
        JsonKind::Number(n) => Some(Cow::Borrowed(n)),
        JsonKind::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

impl<'t> Cx<'t> {
    fn fail(&self, message: &str, range: Option<(usize, usize)>) -> MalformedPolicyDocument {
        MalformedPolicyDocument {
            message: message.to_string(),
            code: ErrorCode::MalformedPolicyDocument,
            span: range.map(|(s, e)| Span::new(self.position(s), self.position(e))),
        }
    }

    fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
        Position {
            line: line as u32,
            column: column as u32,
            offset: offset as u32,
        }
    }

    /// Stage 0: the API shape of every IAM policy-document parameter (spec §1.1).
    fn api_shape(&self) -> Result<(), MalformedPolicyDocument> {
        let shape = |what: String, span: Option<Span>| MalformedPolicyDocument {
            message: format!(
                "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: {what}"
            ),
            code: ErrorCode::ValidationError,
            span,
        };
        let chars = self.text.chars().count();
        if chars == 0 {
            return Err(shape(
                "Member must have length greater than or equal to 1".into(),
                None,
            ));
        }
        if chars > 131_072 {
            return Err(shape(
                "Member must have length less than or equal to 131072".into(),
                None,
            ));
        }
        if let Some((i, c)) = self
            .text
            .char_indices()
            .find(|&(_, c)| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
        {
            let span = Span::new(self.position(i), self.position(i + c.len_utf8()));
            return Err(shape(
                "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+".into(),
                Some(span),
            ));
        }
        Ok(())
    }

    /// Stage 2: the policy grammar (spec §1.6, §1.8 item 1). Every violation is
    /// "Syntax errors in policy."; the span is the first offending element.
    fn grammar<'v, 'a>(
        &self,
        root: &'v JsonValue<'a>,
    ) -> Result<Doc<'v, 'a>, MalformedPolicyDocument> {
        let syntax = |v: (usize, usize)| self.fail(SYNTAX, Some(v));
        let JsonKind::Object(members) = &root.kind else {
            return Err(syntax(root.range()));
        };
        let mut version = None;
        let mut statement = None;
        for (i, m) in members.iter().enumerate() {
            if members[..i].iter().any(|p| p.key == m.key) {
                return Err(syntax(m.key_range())); // duplicate key (spec §1.1)
            }
            match m.key.as_ref() {
                "Version" => match str_of(&m.value) {
                    Some("2012-10-17" | "2008-10-17") => version = Some(&m.value),
                    _ => return Err(syntax(m.value.range())),
                },
                "Id" => {
                    if str_of(&m.value).is_none() {
                        return Err(syntax(m.value.range()));
                    }
                }
                "Statement" => statement = Some(&m.value),
                _ => return Err(syntax(m.key_range())),
            }
        }
        let Some(statement) = statement else {
            return Err(syntax(root.range()));
        };
        let list: Vec<&JsonValue<'a>> = match &statement.kind {
            JsonKind::Object(_) => vec![statement],
            JsonKind::Array(items) if !items.is_empty() => items.iter().collect(),
            _ => return Err(syntax(statement.range())),
        };
        let mut statements = Vec::with_capacity(list.len());
        for v in list {
            statements.push(self.statement(v)?);
        }
        Ok(Doc {
            version,
            statements,
        })
    }

    fn statement<'v, 'a>(
        &self,
        v: &'v JsonValue<'a>,
    ) -> Result<Stmt<'v, 'a>, MalformedPolicyDocument> {
        let syntax = |r: (usize, usize)| self.fail(SYNTAX, Some(r));
        let JsonKind::Object(members) = &v.kind else {
            return Err(syntax(v.range()));
        };
        let mut st = Stmt {
            value: Some(v),
            ..Stmt::default()
        };
        for (i, m) in members.iter().enumerate() {
            if members[..i].iter().any(|p| p.key == m.key) {
                return Err(syntax(m.key_range()));
            }
            match m.key.as_ref() {
                "Sid" => {
                    str_of(&m.value).ok_or_else(|| syntax(m.value.range()))?;
                    st.sid = Some(&m.value);
                }
                "Effect" => {
                    // Case-insensitive here; the exact case is the legacy parser's business
                    // (moto-invalid-010 vs -063).
                    match str_of(&m.value) {
                        Some(e)
                            if e.eq_ignore_ascii_case("allow")
                                || e.eq_ignore_ascii_case("deny") => {}
                        _ => return Err(syntax(m.value.range())),
                    }
                    st.effect = Some(&m.value);
                }
                "Action" | "NotAction" | "Resource" | "NotResource" => {
                    self.string_list(&m.value)?;
                    let slot = match m.key.as_ref() {
                        "Action" => &mut st.action,
                        "NotAction" => &mut st.not_action,
                        "Resource" => &mut st.resource,
                        _ => &mut st.not_resource,
                    };
                    *slot = Some(m);
                }
                "Principal" | "NotPrincipal" => {
                    self.principal(&m.value)?;
                    if m.key == "Principal" {
                        st.principal = Some(m);
                    } else {
                        st.not_principal = Some(m);
                    }
                }
                "Condition" => {
                    self.condition(&m.value)?;
                    st.condition = Some(m);
                }
                _ => return Err(syntax(m.key_range())),
            }
        }
        for (a, b) in [
            (st.action, st.not_action),
            (st.resource, st.not_resource),
            (st.principal, st.not_principal),
        ] {
            if let (Some(_), Some(b)) = (a, b) {
                return Err(syntax(b.key_range()));
            }
        }
        if st.effect.is_none() {
            return Err(syntax(v.range()));
        }
        Ok(st)
    }

    /// `"s"` or `["s", …]`; `null` list items are tolerated (moto-valid-041).
    fn string_list(&self, v: &JsonValue<'_>) -> Result<(), MalformedPolicyDocument> {
        match &v.kind {
            JsonKind::String(_) => Ok(()),
            JsonKind::Array(items) => {
                match items
                    .iter()
                    .find(|i| !matches!(i.kind, JsonKind::String(_) | JsonKind::Null))
                {
                    Some(bad) => Err(self.fail(SYNTAX, Some(bad.range()))),
                    None => Ok(()),
                }
            }
            _ => Err(self.fail(SYNTAX, Some(v.range()))),
        }
    }

    /// `"*"` or a map of `AWS` / `Service` / `Federated` / `CanonicalUser` to string-or-list
    /// (spec §1.5, §1.6 `principal`).
    fn principal(&self, v: &JsonValue<'_>) -> Result<(), MalformedPolicyDocument> {
        match &v.kind {
            JsonKind::String(s) if s == "*" => Ok(()),
            JsonKind::Object(members) => {
                for (i, m) in members.iter().enumerate() {
                    if members[..i].iter().any(|p| p.key == m.key)
                        || !matches!(
                            m.key.as_ref(),
                            "AWS" | "Service" | "Federated" | "CanonicalUser"
                        )
                    {
                        return Err(self.fail(SYNTAX, Some(m.key_range())));
                    }
                    self.string_list(&m.value)?;
                }
                Ok(())
            }
            _ => Err(self.fail(SYNTAX, Some(v.range()))),
        }
    }

    /// `{operator: {key: value-list}}`; an unknown operator is allowed only with an empty key map
    /// (spec §1.8 item 1, §10 items 4-5). Values are JSON scalars or lists of scalars.
    fn condition(&self, v: &JsonValue<'_>) -> Result<(), MalformedPolicyDocument> {
        let syntax = |r: (usize, usize)| self.fail(SYNTAX, Some(r));
        let JsonKind::Object(ops) = &v.kind else {
            return Err(syntax(v.range()));
        };
        for (i, op) in ops.iter().enumerate() {
            if ops[..i].iter().any(|p| p.key == op.key) {
                return Err(syntax(op.key_range()));
            }
            let JsonKind::Object(keys) = &op.value.kind else {
                return Err(syntax(op.value.range()));
            };
            if !keys.is_empty() && !OPERATORS.contains(&base_operator(&op.key)) {
                return Err(syntax(op.key_range()));
            }
            for (j, k) in keys.iter().enumerate() {
                if keys[..j].iter().any(|p| p.key == k.key) {
                    return Err(syntax(k.key_range()));
                }
                let ok = match &k.value.kind {
                    JsonKind::Array(items) => items.iter().all(|x| scalar_text(x).is_some()),
                    _ => scalar_text(&k.value).is_some(),
                };
                if !ok {
                    return Err(syntax(k.value.range()));
                }
            }
        }
        Ok(())
    }

    /// Stage 4: "The policy failed legacy parsing" (spec §1.8 item 3).
    fn legacy(&self, doc: &Doc<'_, '_>) -> Result<(), MalformedPolicyDocument> {
        for st in &doc.statements {
            // Effect is case-sensitive (spec §1.4, §10 item 2).
            if let Some(e) = st.effect
                && !matches!(str_of(e), Some("Allow" | "Deny"))
            {
                return Err(self.fail(LEGACY, Some(e.range())));
            }
            // Every value under a Date* operator must parse (spec §3.2 Date).
            if let Some(c) = st.condition
                && let JsonKind::Object(ops) = &c.value.kind
            {
                for op in ops {
                    let base = base_operator(&op.key);
                    if !(base.starts_with("Date") && OPERATORS.contains(&base)) {
                        continue;
                    }
                    let JsonKind::Object(keys) = &op.value.kind else {
                        continue;
                    };
                    for k in keys {
                        let values: Vec<&JsonValue<'_>> = match &k.value.kind {
                            JsonKind::Array(items) => items.iter().collect(),
                            _ => vec![&k.value],
                        };
                        for v in values {
                            if !scalar_text(v).is_some_and(|t| is_valid_date(&t)) {
                                return Err(self.fail(LEGACY, Some(v.range())));
                            }
                        }
                    }
                }
            }
        }
        // Malformed resources. Only resources without an ARN-format error (stage 8) are looked
        // at: moto-invalid-025 reports the partition error of `arn:error:s3::example_bucket`'s
        // list, not legacy parsing.
        for st in &doc.statements {
            if let Some(m) = st.resource.or(st.not_resource) {
                for (r, v) in strings(&m.value) {
                    if resource_format_error(r).is_none() && legacy_bad_resource(r) {
                        return Err(self.fail(LEGACY, Some(v.range())));
                    }
                }
            }
        }
        Ok(())
    }

    /// Stage 11: role trust policies (spec §1.7; moto-trust-001/-002).
    fn trust_rules(&self, doc: &Doc<'_, '_>) -> Result<(), MalformedPolicyDocument> {
        for st in &doc.statements {
            if let Some(m) = st.not_principal {
                return Err(self.fail(TRUST_NOT_PRINCIPAL, Some(m.key_range())));
            }
            if st.principal.is_none() {
                return Err(self.fail(TRUST_MISSING_PRINCIPAL, st.value.map(|v| v.range())));
            }
        }
        for st in &doc.statements {
            if let Some(m) = st.action {
                for (a, v) in strings(&m.value) {
                    if !trust_action_allowed(a) {
                        return Err(self.fail(TRUST_ACTIONS_MSG, Some(v.range())));
                    }
                }
            }
        }
        for st in &doc.statements {
            if let Some(m) = st.resource.or(st.not_resource) {
                return Err(self.fail(TRUST_RESOURCE, Some(m.key_range())));
            }
        }
        Ok(())
    }
}

/// A trust-policy action must be able to name one of [`TRUST_ACTIONS`]: compared
/// case-insensitively (spec §1.9: action names are case-insensitive), with `*`/`?` wildcards
/// (so `sts:*` and `sts:AssumeRole*` pass, `sts:BadAssumeRole` and `s3:*` do not).
fn trust_action_allowed(action: &str) -> bool {
    TRUST_ACTIONS.iter().any(|t| iam_model::glob_ci(action, t))
}

/// The legacy parser's resource shape rules: fewer than five colons together with an empty
/// segment (`arn:aws:s3::bucket`, `arn:aws::fdsasf`), or an empty service segment
/// (`arn:aws::::bucket`).
fn legacy_bad_resource(r: &str) -> bool {
    if r == "*" {
        return false;
    }
    let colons = r.bytes().filter(|&b| b == b':').count();
    (colons < 5 && r.contains("::")) || r.split(':').nth(2).is_some_and(str::is_empty)
}

/// Stage 8 errors for one resource (spec §1.8 item 6). The first segment is not checked
/// (`a:b:c` reads as `arn:b:c…`): IAM reports the partition, as moto-invalid-021..024 show.
fn resource_format_error(r: &str) -> Option<String> {
    if r == "*" {
        return None;
    }
    let Some((_, rest)) = r.split_once(':') else {
        return Some(format!("Resource {r} must be in ARN format or \"*\"."));
    };
    let (partition, rest) = match rest.split_once(':') {
        Some((p, rest)) => (p, Some(rest)),
        None => (rest, None),
    };
    if !PARTITIONS.contains(&partition) {
        // IAM rebuilds a six-segment ARN, filling missing segments with `*`.
        let parts: Vec<&str> = rest.map_or(vec![""], |r| r.split(':').collect());
        let service = if parts[0].is_empty() && parts.len() == 1 {
            "*"
        } else {
            parts[0]
        };
        let region = parts.get(1).copied().unwrap_or("*");
        let account = parts.get(2).copied().unwrap_or("*");
        let resource = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_string()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{service}:{region}:{account}:{resource}\"."
        ));
    }
    let Some(rest) = rest else {
        return Some(VENDOR_REGEX.to_string());
    };
    let (service, after_service) = match rest.split_once(':') {
        Some((s, a)) => (s, a),
        None => (rest, ""),
    };
    let region_present = !after_service.starts_with(':');
    let resource = after_service.splitn(3, ':').nth(2).unwrap_or("");
    match service {
        "iam" if region_present => {
            return Some(format!(
                "IAM resource {r} cannot contain region information."
            ));
        }
        // S3 access points are regional (moto-valid-053).
        "s3" if region_present && !resource.starts_with("accesspoint/") => {
            return Some(format!("Resource {r} can not contain region information."));
        }
        "iam"
            if !(resource == "*"
                || resource == "root"
                || IAM_PATHS.iter().any(|p| resource.starts_with(p))) =>
        {
            return Some(format!(
                "IAM resource path must either be \"*\" or start with {}.",
                IAM_PATHS.join(", ")
            ));
        }
        _ => {}
    }
    None
}

/// Stage 9 errors for one action (spec §1.8 item 7).
fn action_prefix_error(a: &str) -> Option<String> {
    let mut parts = a.split(':');
    let vendor = parts.next().unwrap_or("");
    let colons = a.bytes().filter(|&b| b == b':').count();
    if colons == 0 && a != "*" {
        return Some(VENDOR_MISSING.to_string());
    }
    if colons > 1 {
        return Some(ONE_COLON.to_string());
    }
    if vendor != "*"
        && !vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Some(format!("Vendor {vendor} is not valid"));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn msg(text: &str, kind: SaveKind) -> Option<String> {
        check_iam_policy(text, kind).err().map(|e| e.message)
    }

    fn stmt(body: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": {{{body}}}}}"#)
    }

    #[test]
    fn kinds_parse() {
        for k in SaveKind::ALL {
            assert_eq!(k.as_str().parse::<SaveKind>().unwrap(), k);
        }
        assert!("Managed".parse::<SaveKind>().is_err());
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let t = stmt(r#""Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*""#);
        assert_eq!(msg(&t, SaveKind::Managed).as_deref(), Some(SYNTAX));
        let t = stmt(
            r#""Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"a": "1", "a": "2"}}"#,
        );
        assert_eq!(msg(&t, SaveKind::Managed).as_deref(), Some(SYNTAX));
    }

    #[test]
    fn principal_rules() {
        let t = stmt(r#""Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*""#);
        assert_eq!(msg(&t, SaveKind::InlineRole).as_deref(), Some(NO_PRINCIPAL));
        let t = stmt(r#""Effect": "Allow", "Action": "sts:AssumeRole""#);
        assert_eq!(
            msg(&t, SaveKind::Trust).as_deref(),
            Some(TRUST_MISSING_PRINCIPAL)
        );
        let t = stmt(
            r#""Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole""#,
        );
        assert_eq!(
            msg(&t, SaveKind::Trust).as_deref(),
            Some(TRUST_NOT_PRINCIPAL)
        );
        let t = stmt(
            r#""Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]"#,
        );
        assert_eq!(msg(&t, SaveKind::Trust), None);
        let t = stmt(
            r#""Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:*""#,
        );
        assert_eq!(msg(&t, SaveKind::Trust), None);
        let t = stmt(r#""Effect": "Allow", "Principal": {"AWS": "x"}, "Action": "s3:*""#);
        assert_eq!(msg(&t, SaveKind::Trust).as_deref(), Some(TRUST_ACTIONS_MSG));
        let t =
            stmt(r#""Effect": "Allow", "Principal": {"Bogus": "x"}, "Action": "sts:AssumeRole""#);
        assert_eq!(msg(&t, SaveKind::Trust).as_deref(), Some(SYNTAX));
    }

    #[test]
    fn sizes() {
        let actions: Vec<String> = (0..450).map(|i| format!("\"s3:Action{i}\"")).collect();
        let t = stmt(&format!(
            r#""Effect": "Allow", "Action": [{}], "Resource": "*""#,
            actions.join(", ")
        ));
        let n = policy_size(&t);
        assert!(n > 6144 && n < 10240, "{n}");
        assert_eq!(
            msg(&t, SaveKind::Managed).as_deref(),
            Some("Cannot exceed quota for PolicySize: 6144")
        );
        assert_eq!(msg(&t, SaveKind::InlineRole), None);
        let e = check_iam_policy(&t, SaveKind::InlineUser).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded);
        assert_eq!(
            e.message,
            "Maximum policy size of 2048 bytes exceeded for user"
        );
        // whitespace does not count
        let spaced = t.replace(", ", ",\n                                        ");
        assert_eq!(policy_size(&spaced), n);
    }

    #[test]
    fn api_shape() {
        let e = check_iam_policy("", SaveKind::Managed).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        let t = stmt(r#""Sid": "é✓", "Effect": "Allow", "Action": "s3:*", "Resource": "*""#);
        let e = check_iam_policy(&t, SaveKind::Managed).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(
            e.message
                .ends_with("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"),
            "{}",
            e.message
        );
        // U+00E9 alone is inside the IAM character set
        let t = stmt(r#""Sid": "é", "Effect": "Allow", "Action": "s3:*", "Resource": "*""#);
        assert_eq!(msg(&t, SaveKind::Managed), None);
    }

    #[test]
    fn spans_point_at_the_element() {
        let t = "{\"Version\": \"2012-10-17\",\n \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"nope\"}}";
        let e = check_iam_policy(t, SaveKind::Managed).unwrap_err();
        assert_eq!(e.message, "Resource nope must be in ARN format or \"*\".");
        let s = e.span.unwrap();
        assert_eq!(
            &t[s.start.offset as usize..s.end.offset as usize],
            "\"nope\""
        );
        assert_eq!(s.start.line, 2);
    }

    #[test]
    fn resource_formats() {
        assert_eq!(resource_format_error("*"), None);
        assert_eq!(
            resource_format_error("arn:aws:iam::123456789012:root"),
            None
        );
        assert_eq!(resource_format_error("arn:aws:iam::*:*"), None);
        assert_eq!(resource_format_error("arn:aws-cn:s3:::b"), None);
        assert_eq!(resource_format_error("arn:*:s3:::b"), None);
        assert!(resource_format_error("arn:aws:iam:::bucket").is_some());
        assert_eq!(
            resource_format_error("arn:aws").as_deref(),
            Some(VENDOR_REGEX)
        );
        assert!(!legacy_bad_resource("arn:aws:fdsasf"));
        assert!(legacy_bad_resource("arn:aws::fdsasf"));
        assert!(legacy_bad_resource("arn:aws::::x"));
    }

    #[test]
    fn globbing() {
        assert!(trust_action_allowed("sts:assumerole"));
        assert!(trust_action_allowed("sts:AssumeRole*"));
        assert!(trust_action_allowed("*"));
        assert!(!trust_action_allowed("sts:BadAssumeRole"));
        assert!(!trust_action_allowed("sts:GetCallerIdentity"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            for k in SaveKind::ALL {
                let _ = check_iam_policy(&s, k);
            }
        }

        #[test]
        fn never_panics_policyish(s in r#"[{}\[\]":, a-zA-Z0-9*/.-]{0,80}"#) {
            let _ = check_iam_policy(&s, SaveKind::Managed);
            let _ = check_iam_policy(&s, SaveKind::Trust);
        }

        #[test]
        fn never_panics_on_resources(r in "[a-z:*/-]{0,24}", a in "[a-z:* -]{0,12}") {
            let t = stmt(&format!(r#""Effect": "Allow", "Action": {a:?}, "Resource": {r:?}"#));
            let _ = check_iam_policy(&t, SaveKind::Managed);
        }
    }
}
