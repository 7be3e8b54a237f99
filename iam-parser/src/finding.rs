//! Validation findings in IAM Access Analyzer's style: an issue code, a severity, a message,
//! a JSON path and a span (spec §9).

use iam_model::{Position, Span};
use serde::{Serialize, Serializer};
use std::fmt;

/// How serious a finding is (Access Analyzer's `findingType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Part of the policy is non-functional or the document is rejected.
    Error,
    /// Overly permissive access.
    SecurityWarning,
    /// A deviation from best practice that is not a security issue.
    Warning,
    /// An improvement that does not change permissions.
    Suggestion,
}

impl Severity {
    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::SecurityWarning => "SECURITY_WARNING",
            Severity::Warning => "WARNING",
            Severity::Suggestion => "SUGGESTION",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One validation finding.
///
/// ```
/// use iam_parser::{validate, Severity};
/// use iam_model::PolicyType;
/// let f = validate(r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#, PolicyType::Identity);
/// assert_eq!(f[0].code, "MISSING_VERSION");
/// assert_eq!(f[0].severity, Severity::Warning);
/// assert_eq!((f[0].span.start.line, f[0].span.start.column), (1, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Access-Analyzer-style issue code, such as `MISSING_VERSION`.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong and how to fix it.
    pub message: String,
    /// JSON path of the element, such as `Statement[1].Condition.StringEquals`.
    pub path: String,
    /// Where in the text.
    pub span: Span,
}

impl Finding {
    /// True for `ERROR` findings.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {} {} {}", self.span.start.line, self.span.start.column, self.severity, self.code, self.message)
    }
}

/// Maps byte offsets of a text to 1-based line and character column.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex { text, line_starts }
    }

    /// The position of a byte offset (clamped to the text; a column counts characters).
    ///
    /// ```
    /// let idx = iam_parser::LineIndex::new("ab\nçd");
    /// let p = idx.position(5);
    /// assert_eq!((p.line, p.column, p.offset), (2, 2, 5));
    /// ```
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let segment = self.text.as_bytes().get(start as usize..offset as usize).unwrap_or(&[]);
        // Characters = bytes that are not UTF-8 continuation bytes.
        let column = segment.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32 + 1;
        Position { line: line as u32, column, offset }
    }

    /// The span of a byte range.
    pub fn span(&self, start: u32, end: u32) -> Span {
        Span::new(self.position(start), self.position(end))
    }
}
