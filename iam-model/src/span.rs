//! Source positions: where in a policy document an element came from.

use serde::{Deserialize, Serialize};

/// A position in a UTF-8 text.
///
/// `line` and `column` are 1-based (the column counts characters, not bytes);
/// `offset` is the 0-based byte offset.
///
/// ```
/// use iam_model::Position;
/// let p = Position { line: 1, column: 1, offset: 0 };
/// assert_eq!(p.to_string(), "1:1");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// 0-based byte offset.
    pub offset: u32,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A half-open range `[start, end)` of a source text.
///
/// ```
/// use iam_model::{Position, Span};
/// let s = Span::new(Position { line: 1, column: 1, offset: 0 }, Position { line: 1, column: 4, offset: 3 });
/// assert_eq!(s.len(), 3);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    /// First position of the element.
    pub start: Position,
    /// Position just after the element.
    pub end: Position,
}

impl Span {
    /// Builds a span from its two ends.
    pub const fn new(start: Position, end: Position) -> Self {
        Span { start, end }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        (self.end.offset.saturating_sub(self.start.offset)) as usize
    }

    /// True when the span covers no bytes.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// A value with the span of the source text it was read from.
///
/// Equality and hashing look at the value only: two policies that say the same thing
/// are equal wherever their text sat. Compare `span` explicitly where positions matter.
///
/// ```
/// use iam_model::{Span, Spanned};
/// let a = Spanned::new("s3:GetObject".to_string(), Span::default());
/// assert_eq!(a.as_str(), "s3:GetObject");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl Spanned<String> {
    /// The string value.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Spanned<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> From<T> for Spanned<T> {
    fn from(value: T) -> Self {
        Spanned {
            value,
            span: Span::default(),
        }
    }
}
