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
        write!(
            f,
            "{}:{}: {} {} {}",
            self.span.start.line, self.span.start.column, self.severity, self.code, self.message
        )
    }
}

/// Maps byte offsets of a text to 1-based line and character column.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<u32>,
    /// The text is ASCII, so a column is a byte count.
    ascii: bool,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        // Eight bytes at a time: only words holding a '\n' are looked at byte by byte.
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let chunks = bytes.chunks_exact(8);
        let tail = chunks.remainder();
        let mut base = 0u32;
        for chunk in chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
            if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
                for (j, &b) in chunk.iter().enumerate() {
                    if b == b'\n' {
                        line_starts.push(base + j as u32 + 1);
                    }
                }
            }
            base += 8;
        }
        for (j, &b) in tail.iter().enumerate() {
            if b == b'\n' {
                line_starts.push(base + j as u32 + 1);
            }
        }
        LineIndex {
            text,
            line_starts,
            ascii: text.is_ascii(),
        }
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
        let column = if self.ascii {
            offset.saturating_sub(start) + 1
        } else {
            let segment = self
                .text
                .as_bytes()
                .get(start as usize..offset as usize)
                .unwrap_or(&[]);
            // Characters = bytes that are not UTF-8 continuation bytes.
            segment.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32 + 1
        };
        Position {
            line: line as u32,
            column,
            offset,
        }
    }

    /// The span of a byte range.
    pub fn span(&self, start: u32, end: u32) -> Span {
        let from = self.position(start);
        // `end` is usually on the line of `start` or a few lines below: look there first.
        let end = end.min(self.text.len() as u32);
        let line = from.line as usize; // 1-based: line_starts[line] starts the next line
        if end >= from.offset && self.line_starts.get(line).is_none_or(|&next| end < next) {
            let column = if self.ascii {
                from.column + (end - from.offset)
            } else {
                self.position(end).column
            };
            return Span::new(
                from,
                Position {
                    line: from.line,
                    column,
                    offset: end,
                },
            );
        }
        Span::new(from, self.position(end))
    }
}
