//! The policy grammar: JSON tree → [`Policy`] AST, reporting every grammar and element
//! finding in one pass (spec §1, §9.2).
//!
//! Errors that leave no AST to evaluate (bad JSON, wrong JSON types, duplicate keys, a missing
//! or invalid `Effect`, `Action` with `NotAction`, ...) are *fatal*: [`parse_policy`] returns the
//! first of them as a [`ParseError`]. Everything else is a [`Finding`] next to a usable AST.
//!
//! The reader still recovers after a fatal error, at element and statement level (issue #9:
//! every finding in one pass): the offending element or statement is reported and left out and
//! the rest of the document is read, so every grammar finding is reported and validation checks
//! the statements that could be read (`read_policy_recovering`).

use crate::finding::{Finding, LineIndex, Severity};
use crate::json::{self, JsonKind, JsonMember, JsonValue, ParseOptions};
use iam_model::{
    Condition, ConditionEntry, ConditionValue, Effect, OperatorName, Policy, PolicyType, Principal,
    PrincipalClause, PrincipalKey, Span, Spanned, Statement, ValueKind, ValueList, Version,
};
use std::fmt;

/// A document that is not a policy at all: bad JSON or wrong shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Issue code (`JSON_SYNTAX_ERROR`, `DATA_TYPE_MISMATCH`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// JSON path of the element.
    pub path: String,
    /// Where.
    pub span: Span,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} {}",
            self.span.start.line, self.span.start.column, self.code, self.message
        )
    }
}

impl std::error::Error for ParseError {}

impl From<&Finding> for ParseError {
    fn from(f: &Finding) -> Self {
        ParseError {
            code: f.code,
            message: f.message.clone(),
            path: f.path.clone(),
            span: f.span,
        }
    }
}

/// Codes whose findings leave no AST (see the module docs).
pub(crate) const FATAL_CODES: &[&str] = &[
    "JSON_SYNTAX_ERROR",
    "DATA_TYPE_MISMATCH",
    "DUPLICATE_KEY",
    "MISSING_EFFECT",
    "INVALID_EFFECT",
    "UNSUPPORTED_ELEMENT_COMBINATION",
    "INVALID_PRINCIPAL_FORMAT",
    "POLICY_TOO_LARGE",
    "POLICY_TOO_DEEP",
];

/// The result of reading a policy: the AST when one could be built, and every finding.
#[derive(Debug, Clone)]
pub struct ParsedPolicy {
    /// The AST, `None` when a fatal finding prevented building it.
    pub policy: Option<Policy>,
    /// Grammar and element findings, in document order.
    pub findings: Vec<Finding>,
}

/// Reads a policy document, failing only when the text is not a policy at all.
///
/// ```
/// use iam_model::{Effect, PolicyType};
/// let p = iam_parser::parse_policy(
///     r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}"#,
///     PolicyType::Identity,
/// ).unwrap();
/// assert_eq!(p.statements[0].effect.value, Effect::Deny);
/// assert_eq!(p.statements[0].span.start.column, 41);
///
/// let e = iam_parser::parse_policy(r#"{"Statement": [}"#, PolicyType::Identity).unwrap_err();
/// assert_eq!(e.code, "JSON_SYNTAX_ERROR");
/// assert_eq!((e.span.start.line, e.span.start.column), (1, 16));
/// ```
pub fn parse_policy(text: &str, policy_type: PolicyType) -> Result<Policy, ParseError> {
    let parsed = read_policy(text, policy_type);
    match parsed.policy {
        Some(p) => Ok(p),
        None => {
            let first = parsed
                .findings
                .iter()
                .find(|f| FATAL_CODES.contains(&f.code));
            Err(first.map(ParseError::from).unwrap_or_else(|| ParseError {
                code: "JSON_SYNTAX_ERROR",
                message: "the document is not a policy".into(),
                path: String::new(),
                span: Span::default(),
            }))
        }
    }
}

/// Reads a policy document and reports every grammar and element finding.
pub fn read_policy(text: &str, policy_type: PolicyType) -> ParsedPolicy {
    read_policy_with(text, policy_type, ParseOptions::POLICY)
}

/// [`read_policy`] with explicit JSON limits.
pub fn read_policy_with(
    text: &str,
    policy_type: PolicyType,
    options: ParseOptions,
) -> ParsedPolicy {
    // Nearly every document is a policy with no grammar finding: read it in one pass.
    if let Some(policy) = crate::fast::read(text, options) {
        return ParsedPolicy {
            policy: Some(policy),
            findings: Vec::new(),
        };
    }
    read_policy_indexed(text, policy_type, options, &LineIndex::new(text))
}

/// [`read_policy_with`] on the exact path (JSON tree, then the grammar), reusing a
/// [`LineIndex`] of `text` (so [`crate::validate`] builds only one).
pub(crate) fn read_policy_indexed(
    text: &str,
    policy_type: PolicyType,
    options: ParseOptions,
    idx: &LineIndex<'_>,
) -> ParsedPolicy {
    let r = read_policy_recovering(text, policy_type, options, idx);
    ParsedPolicy {
        policy: if r.fatal { None } else { r.policy },
        findings: r.findings,
    }
}

/// What the exact path recovered from a document, fatal findings or not (issue #9: every
/// finding in one pass). Validation checks the recovered statements; [`read_policy`] and
/// [`parse_policy`] drop the AST when `fatal` is set.
pub(crate) struct Recovered {
    /// The policy with every statement that could be read (statements that are not JSON
    /// objects are left out); `None` only when the text is not a JSON object.
    pub(crate) policy: Option<Policy>,
    /// Grammar and element findings, in document order.
    pub(crate) findings: Vec<Finding>,
    /// One entry per statement of `policy`.
    pub(crate) info: Vec<StatementInfo>,
    /// A fatal finding (see [`FATAL_CODES`]) was reported.
    pub(crate) fatal: bool,
}

/// How a recovered statement relates to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatementInfo {
    /// Index of the statement in the document's `Statement` array.
    pub(crate) index: usize,
    /// The statement's `Effect` was read; when false the AST holds `Deny` as a placeholder, so
    /// no Allow-only check reports anything about it.
    pub(crate) effect_known: bool,
    /// The element is present but could not be read whole (its errors are reported): the
    /// "missing" and "empty" checks of that element do not apply.
    pub(crate) bad_action: bool,
    /// See `bad_action`.
    pub(crate) bad_resource: bool,
    /// See `bad_action`.
    pub(crate) bad_principal: bool,
}

impl StatementInfo {
    /// A statement read without any finding, at `index`.
    pub(crate) const fn clean(index: usize) -> Self {
        StatementInfo {
            index,
            effect_known: true,
            bad_action: false,
            bad_resource: false,
            bad_principal: false,
        }
    }
}

/// The exact path, keeping everything that can be read after a fatal finding.
pub(crate) fn read_policy_recovering(
    text: &str,
    policy_type: PolicyType,
    options: ParseOptions,
    idx: &LineIndex<'_>,
) -> Recovered {
    let _ = policy_type; // element rules per type are checked in `validate`
    let mut b = Builder {
        idx,
        findings: Vec::new(),
        fatal: false,
        info: Vec::new(),
    };
    let policy = match json::parse(text, options) {
        Ok(root) => b.policy(&root),
        Err(e) => {
            let code = match e.kind {
                json::JsonErrorKind::SizeLimit { .. } => "POLICY_TOO_LARGE",
                json::JsonErrorKind::DepthLimit { .. } => "POLICY_TOO_DEEP",
                _ => "JSON_SYNTAX_ERROR",
            };
            let off = e.offset as u32;
            let at = idx.position(off);
            b.findings.push(Finding {
                code,
                severity: Severity::Error,
                message: format!("{} at line {}, column {}", e.kind, at.line, at.column),
                path: String::new(),
                span: idx.span(off, off),
            });
            b.fatal = true;
            None
        }
    };
    Recovered {
        policy,
        findings: b.findings,
        info: b.info,
        fatal: b.fatal,
    }
}

struct Builder<'i, 't> {
    idx: &'i LineIndex<'t>,
    findings: Vec<Finding>,
    fatal: bool,
    /// One entry per statement built.
    info: Vec<StatementInfo>,
}

/// A JSON path rendered only when a finding needs it: the happy path allocates no path strings.
#[derive(Clone, Copy)]
enum JPath<'p> {
    /// A path given as text.
    Root(&'p str),
    /// `parent.key` (just `key` under an empty parent, like [`join`]).
    Key(&'p JPath<'p>, &'p str),
    /// `parent[i]`.
    Index(&'p JPath<'p>, usize),
}

impl JPath<'_> {
    fn render(&self) -> String {
        match self {
            JPath::Root(s) => (*s).to_string(),
            JPath::Key(parent, key) => join(&parent.render(), key),
            JPath::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

const TOP_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Builder<'_, '_> {
    fn span(&self, v: &JsonValue<'_>) -> Span {
        self.idx.span(v.start, v.end)
    }

    fn key_span(&self, m: &JsonMember<'_>) -> Span {
        self.idx.span(m.key_start, m.key_end)
    }

    fn report(
        &mut self,
        code: &'static str,
        severity: Severity,
        span: Span,
        path: &str,
        message: String,
    ) {
        if FATAL_CODES.contains(&code) {
            self.fatal = true;
        }
        self.findings.push(Finding {
            code,
            severity,
            message,
            path: path.to_string(),
            span,
        });
    }

    fn error(&mut self, code: &'static str, span: Span, path: &str, message: String) {
        self.report(code, Severity::Error, span, path, message);
    }

    fn type_mismatch(&mut self, v: &JsonValue<'_>, path: &JPath<'_>, expected: &str) {
        let span = self.span(v);
        let path = path.render();
        self.error(
            "DATA_TYPE_MISMATCH",
            span,
            &path,
            format!("{path} must be {expected}, not {}", v.kind.type_name()),
        );
    }

    /// Reports duplicate keys of an object (spec §1.1) and returns the members with the first
    /// occurrence of each key.
    fn check_duplicates<'m, 'a>(
        &mut self,
        members: &'m [JsonMember<'a>],
        path: &JPath<'_>,
    ) -> Vec<&'m JsonMember<'a>> {
        let mut seen: Vec<&'m JsonMember<'a>> = Vec::with_capacity(members.len());
        for m in members {
            if let Some(first) = seen.iter().find(|s| s.key == m.key) {
                let at = self.idx.position(first.key_start);
                let span = self.key_span(m);
                let p = JPath::Key(path, &m.key).render();
                self.error(
                    "DUPLICATE_KEY",
                    span,
                    &p,
                    format!(
                        "the key \"{}\" appears twice in the same object (first at line {}, column {}); IAM rejects duplicate keys",
                        m.key, at.line, at.column
                    ),
                );
            } else {
                seen.push(m);
            }
        }
        seen
    }

    fn policy(&mut self, root: &JsonValue<'_>) -> Option<Policy> {
        let JsonKind::Object(members) = &root.kind else {
            self.type_mismatch(root, &JPath::Root("the policy"), "a JSON object");
            return None;
        };
        let members = self.check_duplicates(members, &JPath::Root(""));
        let mut version = None;
        let mut id = None;
        let mut statements = Vec::new();
        let mut single_statement = false;
        let mut saw_statement = false;
        for m in &members {
            match m.key.as_ref() {
                "Version" => match &m.value.kind {
                    JsonKind::String(s) => match Version::parse(s) {
                        Some(v) => version = Some(Spanned::new(v, self.span(&m.value))),
                        None => {
                            let span = self.span(&m.value);
                            self.error(
                                "INVALID_VERSION",
                                span,
                                "Version",
                                format!("Version must be \"2012-10-17\" (or the legacy \"2008-10-17\"), not \"{s}\""),
                            );
                        }
                    },
                    _ => self.type_mismatch(&m.value, &JPath::Root("Version"), "a string"),
                },
                "Id" => match &m.value.kind {
                    JsonKind::String(s) => {
                        id = Some(Spanned::new(s.to_string(), self.span(&m.value)))
                    }
                    _ => self.type_mismatch(&m.value, &JPath::Root("Id"), "a string"),
                },
                "Statement" => {
                    saw_statement = true;
                    match &m.value.kind {
                        JsonKind::Object(_) => {
                            single_statement = true;
                            if let Some(s) = self.statement(&m.value, &JPath::Root("Statement"), 0)
                            {
                                statements.push(s);
                            }
                        }
                        JsonKind::Array(items) => {
                            if items.is_empty() {
                                let span = self.span(&m.value);
                                self.error(
                                    "MISSING_STATEMENT",
                                    span,
                                    "Statement",
                                    "Statement is an empty array: a policy needs at least one statement".into(),
                                );
                            }
                            for (i, item) in items.iter().enumerate() {
                                if let Some(s) = self.statement(
                                    item,
                                    &JPath::Index(&JPath::Root("Statement"), i),
                                    i,
                                ) {
                                    statements.push(s);
                                }
                            }
                        }
                        _ => self.type_mismatch(
                            &m.value,
                            &JPath::Root("Statement"),
                            "an object or an array of objects",
                        ),
                    }
                }
                other => {
                    let span = self.key_span(m);
                    self.error(
                        "INVALID_POLICY_ELEMENT",
                        span,
                        other,
                        format!("\"{other}\" is not a policy element; expected one of Version, Id, Statement (names are case-sensitive)"),
                    );
                }
            }
        }
        let _ = TOP_KEYS;
        let whole = self.span(root);
        if !saw_statement {
            self.error(
                "MISSING_STATEMENT",
                Span::new(whole.start, whole.start),
                "",
                "the policy has no Statement element".into(),
            );
        }
        if version.is_none() && !members.iter().any(|m| m.key == "Version") {
            self.report(
                "MISSING_VERSION",
                Severity::Warning,
                Span::new(whole.start, whole.start),
                "",
                "add \"Version\": \"2012-10-17\": without it the policy uses the 2008-10-17 language, where policy variables are literal text".into(),
            );
        }
        Some(Policy {
            version,
            id,
            statements,
            single_statement,
            span: whole,
        })
    }

    /// Reads one statement, recovering from every element error (issue #9): the statement is
    /// built from the elements that could be read, with a [`StatementInfo`] saying what was
    /// not, so that validation still checks the rest. `None` only when it is not an object.
    fn statement(
        &mut self,
        v: &JsonValue<'_>,
        path: &JPath<'_>,
        index: usize,
    ) -> Option<Statement> {
        let JsonKind::Object(members) = &v.kind else {
            self.type_mismatch(v, path, "an object");
            return None;
        };
        let members = self.check_duplicates(members, path);
        let span = self.span(v);
        let mut info = StatementInfo::clean(index);
        let mut sid = None;
        let mut effect = None;
        let mut saw_effect = false;
        let mut principal: Option<PrincipalClause> = None;
        let mut saw_principal = false;
        let mut action: Option<ValueList> = None;
        let mut saw_action = false;
        let mut resource: Option<ValueList> = None;
        let mut saw_resource = false;
        let mut conditions = Vec::new();
        for m in &members {
            let key = m.key.as_ref();
            let p = JPath::Key(path, key);
            // The second of a pair (Action and NotAction, ...): reported, the first one kept.
            let pair = |b: &mut Self, what: &str| {
                let sp = b.key_span(m);
                b.error(
                    "UNSUPPORTED_ELEMENT_COMBINATION",
                    sp,
                    &p.render(),
                    format!("a statement can have {what}, not both"),
                );
            };
            match key {
                "Sid" => match &m.value.kind {
                    JsonKind::String(s) => {
                        sid = Some(Spanned::new(s.to_string(), self.span(&m.value)))
                    }
                    _ => self.type_mismatch(&m.value, &p, "a string"),
                },
                "Effect" => {
                    saw_effect = true;
                    match &m.value.kind {
                        JsonKind::String(s) => match Effect::parse(s) {
                            Some(e) => effect = Some(Spanned::new(e, self.span(&m.value))),
                            None => {
                                let sp = self.span(&m.value);
                                self.error(
                                    "INVALID_EFFECT",
                                    sp,
                                    &p.render(),
                                    format!("Effect must be \"Allow\" or \"Deny\" (case-sensitive), not \"{s}\""),
                                );
                            }
                        },
                        _ => self.type_mismatch(&m.value, &p, "the string \"Allow\" or \"Deny\""),
                    }
                }
                "Principal" | "NotPrincipal" => {
                    if saw_principal {
                        pair(self, "Principal or NotPrincipal");
                        continue;
                    }
                    saw_principal = true;
                    let (clause, clean) = self.principal(&m.value, key == "NotPrincipal", &p);
                    principal = clause;
                    info.bad_principal = !clean;
                }
                "Action" | "NotAction" => {
                    if saw_action {
                        pair(self, "Action or NotAction");
                        continue;
                    }
                    saw_action = true;
                    let (list, clean) = self.string_list(&m.value, key == "NotAction", &p);
                    action = list;
                    info.bad_action = !clean;
                }
                "Resource" | "NotResource" => {
                    if saw_resource {
                        pair(self, "Resource or NotResource");
                        continue;
                    }
                    saw_resource = true;
                    let (list, clean) = self.string_list(&m.value, key == "NotResource", &p);
                    resource = list;
                    info.bad_resource = !clean;
                }
                "Condition" => conditions = self.conditions(&m.value, &p),
                other => {
                    let sp = self.key_span(m);
                    let hint = STATEMENT_KEYS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(other))
                        .map(|k| {
                            format!(" (did you mean \"{k}\"? element names are case-sensitive)")
                        })
                        .unwrap_or_default();
                    self.error(
                        "INVALID_POLICY_ELEMENT",
                        sp,
                        &p.render(),
                        format!("\"{other}\" is not a statement element{hint}"),
                    );
                }
            }
        }
        if !saw_effect {
            self.error(
                "MISSING_EFFECT",
                Span::new(span.start, span.start),
                &path.render(),
                "the statement has no Effect: add \"Effect\": \"Allow\" or \"Deny\"".into(),
            );
        }
        let effect = effect.unwrap_or_else(|| {
            // Placeholder for the checks of the other elements; see `StatementInfo::effect_known`.
            info.effect_known = false;
            Spanned::new(Effect::Deny, Span::new(span.start, span.start))
        });
        let action = match action {
            Some(a) => a,
            None => {
                if !saw_action {
                    self.error(
                        "MISSING_ACTION",
                        Span::new(span.start, span.start),
                        &path.render(),
                        "the statement has no Action or NotAction element".into(),
                    );
                }
                ValueList::default()
            }
        };
        // A Resource that was present but unreadable counts as present for the type rules.
        info.bad_resource |= saw_resource && resource.is_none();
        info.bad_principal |= saw_principal && principal.is_none();
        self.info.push(info);
        Some(Statement {
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
            span,
        })
    }

    /// `"x"` or `["x", ...]` (strings only), and whether it was read without an error. Items
    /// of the wrong type are reported one by one and left out; a value that is neither a
    /// string nor an array gives `None`.
    fn string_list(
        &mut self,
        v: &JsonValue<'_>,
        negated: bool,
        path: &JPath<'_>,
    ) -> (Option<ValueList>, bool) {
        let span = self.span(v);
        match &v.kind {
            JsonKind::String(s) => (
                Some(ValueList {
                    negated,
                    values: vec![Spanned::new(s.to_string(), span)],
                    span,
                }),
                true,
            ),
            JsonKind::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut clean = true;
                for (i, item) in items.iter().enumerate() {
                    match &item.kind {
                        JsonKind::String(s) => {
                            values.push(Spanned::new(s.to_string(), self.span(item)))
                        }
                        _ => {
                            self.type_mismatch(item, &JPath::Index(path, i), "a string");
                            clean = false;
                        }
                    }
                }
                (
                    Some(ValueList {
                        negated,
                        values,
                        span,
                    }),
                    clean,
                )
            }
            _ => {
                self.type_mismatch(v, path, "a string or an array of strings");
                (None, false)
            }
        }
    }

    /// A `Principal`/`NotPrincipal` value, and whether it was read without an error (bad
    /// entries of a principal object are reported and left out).
    fn principal(
        &mut self,
        v: &JsonValue<'_>,
        negated: bool,
        path: &JPath<'_>,
    ) -> (Option<PrincipalClause>, bool) {
        let span = self.span(v);
        match &v.kind {
            JsonKind::String(s) if s == "*" => (
                Some(PrincipalClause {
                    negated,
                    value: Principal::Star,
                    span,
                }),
                true,
            ),
            JsonKind::String(s) => {
                self.error(
                    "INVALID_PRINCIPAL_FORMAT",
                    span,
                    &path.render(),
                    format!("a principal must be \"*\" or an object such as {{\"AWS\": \"{s}\"}}"),
                );
                (None, false)
            }
            JsonKind::Object(members) => {
                let members = self.check_duplicates(members, path);
                let mut entries = Vec::with_capacity(members.len());
                let mut clean = true;
                for m in members {
                    let p = JPath::Key(path, &m.key);
                    let Some(key) = PrincipalKey::parse(&m.key) else {
                        let sp = self.key_span(m);
                        self.error(
                            "INVALID_PRINCIPAL_KEY",
                            sp,
                            &p.render(),
                            format!("\"{}\" is not a principal type; expected AWS, Service, Federated or CanonicalUser", m.key),
                        );
                        clean = false;
                        continue;
                    };
                    let (list, ok) = self.string_list(&m.value, false, &p);
                    clean &= ok;
                    if let Some(list) = list {
                        entries.push((Spanned::new(key, self.key_span(m)), list.values));
                    }
                }
                (
                    Some(PrincipalClause {
                        negated,
                        value: Principal::Map(entries),
                        span,
                    }),
                    clean,
                )
            }
            _ => {
                self.error(
                    "INVALID_PRINCIPAL_FORMAT",
                    span,
                    &path.render(),
                    format!(
                        "a principal must be \"*\" or an object, not {}",
                        v.kind.type_name()
                    ),
                );
                (None, false)
            }
        }
    }

    fn conditions(&mut self, v: &JsonValue<'_>, path: &JPath<'_>) -> Vec<Condition> {
        let JsonKind::Object(members) = &v.kind else {
            self.type_mismatch(v, path, "an object of condition operators");
            return Vec::new();
        };
        let members = self.check_duplicates(members, path);
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let p = JPath::Key(path, &m.key);
            let JsonKind::Object(keys) = &m.value.kind else {
                self.type_mismatch(&m.value, &p, "an object of condition keys");
                continue;
            };
            let keys = self.check_duplicates(keys, &p);
            let mut entries = Vec::with_capacity(keys.len());
            for k in keys {
                let kp = JPath::Key(&p, &k.key);
                let span = self.span(&k.value);
                let values = match &k.value.kind {
                    JsonKind::Array(items) => {
                        let mut vals = Vec::with_capacity(items.len());
                        for (i, item) in items.iter().enumerate() {
                            if let Some(cv) = self.condition_value(item, &JPath::Index(&kp, i)) {
                                vals.push(cv);
                            }
                        }
                        vals
                    }
                    _ => self.condition_value(&k.value, &kp).into_iter().collect(),
                };
                entries.push(ConditionEntry {
                    key: Spanned::new(k.key.to_string(), self.key_span(k)),
                    values,
                    span,
                });
            }
            out.push(Condition {
                operator: Spanned::new(OperatorName::parse(&m.key), self.key_span(m)),
                entries,
                span: self.span(&m.value),
            });
        }
        out
    }

    fn condition_value(&mut self, v: &JsonValue<'_>, path: &JPath<'_>) -> Option<ConditionValue> {
        let span = self.span(v);
        let (kind, text) = match &v.kind {
            JsonKind::String(s) => (ValueKind::String, s.to_string()),
            JsonKind::Number(n) => (ValueKind::Number, (*n).to_string()),
            JsonKind::Bool(b) => (ValueKind::Bool, b.to_string()),
            _ => {
                self.type_mismatch(v, path, "a string, number or boolean (or an array of them)");
                return None;
            }
        };
        Some(ConditionValue { kind, text, span })
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, t: PolicyType) -> Vec<&'static str> {
        read_policy(text, t)
            .findings
            .iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn duplicate_keys_are_fatal_and_located() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}";
        let r = read_policy(text, PolicyType::Identity);
        assert!(r.policy.is_none());
        let f = &r.findings[0];
        assert_eq!(f.code, "DUPLICATE_KEY");
        assert_eq!(f.path, "Statement.Effect");
        assert_eq!(
            f.span.start.offset as usize,
            text.rfind("\"Effect\"").unwrap()
        );
    }

    #[test]
    fn effect_is_case_sensitive() {
        let e = parse_policy(
            r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#,
            PolicyType::Identity,
        )
        .unwrap_err();
        assert_eq!(e.code, "INVALID_EFFECT");
    }

    #[test]
    fn combinations_and_missing_elements() {
        assert!(codes(r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}"#, PolicyType::Identity)
            .contains(&"UNSUPPORTED_ELEMENT_COMBINATION"));
        assert!(
            codes(
                r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
                PolicyType::Identity
            )
            .contains(&"MISSING_ACTION")
        );
        assert!(
            codes(
                r#"{"Version":"2012-10-17","Statement":[]}"#,
                PolicyType::Identity
            )
            .contains(&"MISSING_STATEMENT")
        );
        assert!(
            codes(r#"{"Version":"2012-10-17"}"#, PolicyType::Identity)
                .contains(&"MISSING_STATEMENT")
        );
        assert!(codes(r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, PolicyType::Identity)
            .contains(&"INVALID_VERSION"));
        assert!(
            codes(
                r#"{"Statement":{"effect":"Allow","Effect":"Allow","Action":"*","Resource":"*"}}"#,
                PolicyType::Identity
            )
            .contains(&"INVALID_POLICY_ELEMENT")
        );
    }

    #[test]
    fn values_keep_json_types_and_spans() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":\"*\",\n\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10.50},\"Bool\":{\"aws:SecureTransport\":[true]}}}]}";
        let p = parse_policy(text, PolicyType::Identity).unwrap();
        let c = &p.statements[0].conditions;
        assert_eq!(
            c[0].entries[0].values[0],
            ConditionValue {
                kind: ValueKind::Number,
                text: "10.50".into(),
                span: Span::default()
            }
        );
        assert_eq!(c[0].entries[0].values[0].span.start.line, 2);
        assert_eq!(c[1].entries[0].values[0].kind, ValueKind::Bool);
        assert_eq!(p.statements[0].action.values[0].span.start.column, 66);
    }

    #[test]
    fn print_then_parse_is_identity() {
        let text = r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/Bob"]},"NotAction":"s3:*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",""]},"NumericEquals":{"n":-1.0e3},"Bool":{"b":false}}}]}"#;
        let p = parse_policy(text, PolicyType::Resource).unwrap();
        let printed = p.to_json();
        assert_eq!(printed, text);
        assert_eq!(parse_policy(&printed, PolicyType::Resource).unwrap(), p);
    }
}
