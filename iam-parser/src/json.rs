//! A strict RFC 8259 JSON reader built on `nom` that keeps the byte range of every value and
//! key, keeps object members in document order (duplicates included) and numbers as their exact
//! text — what a policy validator needs and `serde_json` throws away.
//!
//! Limits are enforced up front: a document larger than [`ParseOptions::max_bytes`] is refused
//! before reading, and nesting deeper than [`ParseOptions::max_depth`] stops the reader with a
//! [`JsonErrorKind::DepthLimit`] error instead of exhausting the stack.

use nom::IResult;
use nom::error::{ErrorKind, ParseError};
use std::borrow::Cow;
use std::fmt;

/// Limits applied while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of arrays and objects.
    pub max_depth: usize,
}

impl ParseOptions {
    /// Limits for policy documents: 1 MiB (AWS's largest policy string is 131,072 characters,
    /// spec §1.10) and 64 levels (a policy needs 5).
    pub const POLICY: ParseOptions = ParseOptions {
        max_bytes: 1 << 20,
        max_depth: 64,
    };
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions::POLICY
    }
}

/// A JSON value with the byte range `[start, end)` it occupies in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonValue<'a> {
    /// The value.
    pub kind: JsonKind<'a>,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as its exact source text.
    Number(&'a str),
    /// A string, unescaped (borrowed when it had no escapes).
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<JsonValue<'a>>),
    /// An object; members in document order, duplicates kept.
    Object(Vec<JsonMember<'a>>),
}

impl JsonKind<'_> {
    /// The JSON type name, for messages.
    pub const fn type_name(&self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Number(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMember<'a> {
    /// The key, unescaped.
    pub key: Cow<'a, str>,
    /// Byte offset of the key's opening quote.
    pub key_start: u32,
    /// Byte offset just past the key's closing quote.
    pub key_end: u32,
    /// The value.
    pub value: JsonValue<'a>,
}

/// What went wrong while reading JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The text ended in the middle of a value.
    UnexpectedEnd,
    /// A character that cannot appear here.
    Unexpected {
        /// The character found.
        found: char,
        /// What the reader expected instead.
        expected: &'static str,
    },
    /// A comma directly before `]` or `}`.
    TrailingComma,
    /// A `//` or `/*` comment (JSON has none).
    Comment,
    /// An invalid escape sequence in a string.
    InvalidEscape,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacter,
    /// A `\u` escape naming a lone UTF-16 surrogate.
    LoneSurrogate,
    /// A malformed number (leading zeros, missing digits, ...).
    InvalidNumber,
    /// More text after the top-level value.
    TrailingCharacters,
    /// Nesting deeper than the limit.
    DepthLimit {
        /// The limit.
        limit: usize,
    },
    /// The document is larger than the limit.
    SizeLimit {
        /// The document's size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The document is empty or only whitespace.
    Empty,
}

/// A JSON reading error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// What went wrong.
    pub kind: JsonErrorKind,
    /// Byte offset where it went wrong.
    pub offset: usize,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonErrorKind::UnexpectedEnd => f.write_str("unexpected end of the document"),
            JsonErrorKind::Unexpected { found, expected } => {
                write!(f, "unexpected character {found:?}: expected {expected}")
            }
            JsonErrorKind::TrailingComma => {
                f.write_str("trailing comma: JSON allows no comma before ']' or '}'")
            }
            JsonErrorKind::Comment => f.write_str("comments are not allowed in JSON"),
            JsonErrorKind::InvalidEscape => f.write_str("invalid escape sequence in a string"),
            JsonErrorKind::ControlCharacter => f.write_str(
                "control character in a string: write it as an escape such as \\n or \\t",
            ),
            JsonErrorKind::LoneSurrogate => f.write_str("\\u escape names a lone UTF-16 surrogate"),
            JsonErrorKind::InvalidNumber => f.write_str("invalid number"),
            JsonErrorKind::TrailingCharacters => {
                f.write_str("unexpected text after the end of the document")
            }
            JsonErrorKind::DepthLimit { limit } => {
                write!(f, "nesting is deeper than the limit of {limit} levels")
            }
            JsonErrorKind::SizeLimit { size, limit } => {
                write!(
                    f,
                    "the document is {size} bytes, larger than the limit of {limit} bytes"
                )
            }
            JsonErrorKind::Empty => f.write_str("the document is empty"),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// The nom error type: the remaining input where reading failed, and why.
#[derive(Debug)]
struct PErr<'a> {
    rest: &'a str,
    kind: Option<JsonErrorKind>,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            rest: input,
            kind: None,
        }
    }
    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, PErr<'a>>;

fn fail<'a, T>(rest: &'a str, kind: JsonErrorKind) -> Res<'a, T> {
    Err(nom::Err::Failure(PErr {
        rest,
        kind: Some(kind),
    }))
}

fn unexpected<'a, T>(rest: &'a str, expected: &'static str) -> Res<'a, T> {
    match rest.chars().next() {
        None => fail(rest, JsonErrorKind::UnexpectedEnd),
        Some('/') if rest.starts_with("//") || rest.starts_with("/*") => {
            fail(rest, JsonErrorKind::Comment)
        }
        Some(found) => fail(rest, JsonErrorKind::Unexpected { found, expected }),
    }
}

// The scanners below work on bytes: every byte they stop at is ASCII, so the slices they cut
// always fall on character boundaries.

fn ws(input: &str) -> Res<'_, &str> {
    let n = input
        .bytes()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(input.len());
    Ok((&input[n..], &input[..n]))
}

/// The length of the leading run of bytes that end no string chunk: not `"`, `\\` or a control
/// character (UTF-8 lead and continuation bytes are all >= 0x80).
#[inline]
fn plain_len(s: &str) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut i = 0;
    // Eight bytes at a time (SWAR): the lowest flagged byte of a word is exact (borrows only
    // propagate upwards), so the first flagged byte is the first stop byte.
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let flags = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | x.wrapping_sub(ONES * 0x20) & !x)
            & HIGHS;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len() - i)
}

/// nom's `Error` for "this parser does not apply here" (what `char(...)` returned).
fn no_match<T>(rest: &str) -> Res<'_, T> {
    Err(nom::Err::Error(PErr { rest, kind: None }))
}

struct Reader<'a> {
    src: &'a str,
    max_depth: usize,
}

impl<'a> Reader<'a> {
    fn off(&self, rest: &str) -> u32 {
        (self.src.len() - rest.len()) as u32
    }

    fn value(&self, input: &'a str, depth: usize) -> Res<'a, JsonValue<'a>> {
        let start = self.off(input);
        let Some(first) = input.as_bytes().first() else {
            return fail(input, JsonErrorKind::UnexpectedEnd);
        };
        let (rest, kind) = match first {
            b'{' => self.object(input, depth)?,
            b'[' => self.array(input, depth)?,
            b'"' => {
                let (rest, s) = string(input)?;
                (rest, JsonKind::String(s))
            }
            b'-' | b'0'..=b'9' => {
                let (rest, n) = number(input)?;
                (rest, JsonKind::Number(n))
            }
            b't' if input.starts_with("true") => (&input[4..], JsonKind::Bool(true)),
            b'f' if input.starts_with("false") => (&input[5..], JsonKind::Bool(false)),
            b'n' if input.starts_with("null") => (&input[4..], JsonKind::Null),
            _ => return unexpected(input, "a JSON value"),
        };
        Ok((
            rest,
            JsonValue {
                kind,
                start,
                end: self.off(rest),
            },
        ))
    }

    fn enter(&self, input: &'a str, depth: usize) -> Result<(), nom::Err<PErr<'a>>> {
        if depth >= self.max_depth {
            return Err(nom::Err::Failure(PErr {
                rest: input,
                kind: Some(JsonErrorKind::DepthLimit {
                    limit: self.max_depth,
                }),
            }));
        }
        Ok(())
    }

    fn array(&self, input: &'a str, depth: usize) -> Res<'a, JsonKind<'a>> {
        self.enter(input, depth)?;
        let Some(rest) = input.strip_prefix('[') else {
            return no_match(input);
        };
        let mut items = Vec::new();
        let (mut rest, _) = ws(rest)?;
        if let Some(r) = rest.strip_prefix(']') {
            return Ok((r, JsonKind::Array(items)));
        }
        loop {
            let (r, v) = self.value(rest, depth + 1)?;
            items.push(v);
            let (r, _) = ws(r)?;
            match r.as_bytes().first() {
                Some(b',') => {
                    let (r2, _) = ws(&r[1..])?;
                    if r2.starts_with(']') {
                        return fail(r, JsonErrorKind::TrailingComma);
                    }
                    rest = r2;
                }
                Some(b']') => return Ok((&r[1..], JsonKind::Array(items))),
                _ => return unexpected(r, "',' or ']'"),
            }
        }
    }

    fn object(&self, input: &'a str, depth: usize) -> Res<'a, JsonKind<'a>> {
        self.enter(input, depth)?;
        let Some(rest) = input.strip_prefix('{') else {
            return no_match(input);
        };
        let mut members = Vec::new();
        let (mut rest, _) = ws(rest)?;
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((r, JsonKind::Object(members)));
        }
        loop {
            if !rest.starts_with('"') {
                return unexpected(rest, "a string key in double quotes");
            }
            let key_start = self.off(rest);
            let (r, key) = string(rest)?;
            let key_end = self.off(r);
            let (r, _) = ws(r)?;
            let r = match r.strip_prefix(':') {
                Some(r) => r,
                None => return unexpected(r, "':' after an object key"),
            };
            let (r, _) = ws(r)?;
            let (r, value) = self.value(r, depth + 1)?;
            members.push(JsonMember {
                key,
                key_start,
                key_end,
                value,
            });
            let (r, _) = ws(r)?;
            match r.as_bytes().first() {
                Some(b',') => {
                    let (r2, _) = ws(&r[1..])?;
                    if r2.starts_with('}') {
                        return fail(r, JsonErrorKind::TrailingComma);
                    }
                    rest = r2;
                }
                Some(b'}') => return Ok((&r[1..], JsonKind::Object(members))),
                _ => return unexpected(r, "',' or '}'"),
            }
        }
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn number(input: &str) -> Res<'_, &str> {
    let b = input.as_bytes();
    let digits_at = |i: usize| {
        b[i.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    // int part
    if b.get(i) == Some(&b'0') {
        if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return fail(&input[i..], JsonErrorKind::InvalidNumber);
        }
        i += 1;
    } else {
        let n = digits_at(i);
        if n == 0 {
            return fail(&input[i..], JsonErrorKind::InvalidNumber);
        }
        i += n;
    }
    // fraction
    if b.get(i) == Some(&b'.') {
        let n = digits_at(i + 1);
        if n == 0 {
            return fail(&input[i + 1..], JsonErrorKind::InvalidNumber);
        }
        i += 1 + n;
    }
    // exponent
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits_at(i);
        if n == 0 {
            return fail(&input[i..], JsonErrorKind::InvalidNumber);
        }
        i += n;
    }
    Ok((&input[i..], &input[..i]))
}

fn string(input: &str) -> Res<'_, Cow<'_, str>> {
    let Some(body) = input.strip_prefix('"') else {
        return no_match(input);
    };
    // Fast path: a run with no escapes and no control characters.
    let n = plain_len(body);
    let (plain, rest) = body.split_at(n);
    match rest.as_bytes().first() {
        Some(b'"') => return Ok((&rest[1..], Cow::Borrowed(plain))),
        None => return fail(rest, JsonErrorKind::UnexpectedEnd),
        Some(b'\\') => {}
        Some(_) => return fail(rest, JsonErrorKind::ControlCharacter),
    }
    let mut out = String::with_capacity(plain.len() + 16);
    out.push_str(plain);
    let mut rest = rest;
    loop {
        let n = plain_len(rest);
        let (chunk, r) = rest.split_at(n);
        out.push_str(chunk);
        match r.as_bytes().first() {
            Some(b'"') => return Ok((&r[1..], Cow::Owned(out))),
            None => return fail(r, JsonErrorKind::UnexpectedEnd),
            Some(b'\\') => {
                let (r2, c) = escape(r)?;
                out.push(c);
                rest = r2;
            }
            Some(_) => return fail(r, JsonErrorKind::ControlCharacter),
        }
    }
}

/// The string starting at byte `at` of `src` (at its opening quote), unescaped, and the offset
/// just past its closing quote; `None` where [`parse`] would report an error.
pub(crate) fn string_at(src: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let (rest, s) = string(src.get(at..)?).ok()?;
    Some((s, src.len() - rest.len()))
}

/// The number starting at byte `at` of `src`, as its text, and the offset just past it; `None`
/// where [`parse`] would report an error.
pub(crate) fn number_at(src: &str, at: usize) -> Option<(&str, usize)> {
    let (rest, n) = number(src.get(at..)?).ok()?;
    Some((n, src.len() - rest.len()))
}

fn hex4(input: &str) -> Res<'_, u32> {
    let b = input.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_hexdigit) {
        return fail(input, JsonErrorKind::InvalidEscape);
    }
    let v = b[..4].iter().fold(0u32, |acc, &d| {
        (acc << 4) | char::from(d).to_digit(16).unwrap_or(0)
    });
    Ok((&input[4..], v))
}

fn escape(input: &str) -> Res<'_, char> {
    // input starts with '\'
    let body = &input[1..];
    let Some(c) = body.chars().next() else {
        return fail(body, JsonErrorKind::UnexpectedEnd);
    };
    let simple = match c {
        '"' => Some('"'),
        '\\' => Some('\\'),
        '/' => Some('/'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'u' => None,
        _ => return fail(input, JsonErrorKind::InvalidEscape),
    };
    if let Some(ch) = simple {
        return Ok((&body[1..], ch));
    }
    let (rest, hi) = hex4(&body[1..]).map_err(|_| {
        nom::Err::Failure(PErr {
            rest: input,
            kind: Some(JsonErrorKind::InvalidEscape),
        })
    })?;
    if (0xD800..0xDC00).contains(&hi) {
        // a high surrogate must be followed by \uDC00-\uDFFF
        if let Some(after) = rest.strip_prefix("\\u")
            && let Ok((rest2, lo)) = hex4(after)
            && (0xDC00..0xE000).contains(&lo)
        {
            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            if let Some(ch) = char::from_u32(cp) {
                return Ok((rest2, ch));
            }
        }
        return fail(input, JsonErrorKind::LoneSurrogate);
    }
    match char::from_u32(hi) {
        Some(ch) => Ok((rest, ch)),
        None => fail(input, JsonErrorKind::LoneSurrogate),
    }
}

/// Reads one JSON document.
///
/// ```
/// use iam_parser::json::{parse, JsonKind, ParseOptions};
/// let v = parse(r#"{"a": [1, 2.50], "a": null}"#, ParseOptions::default()).unwrap();
/// let JsonKind::Object(members) = &v.kind else { panic!() };
/// assert_eq!(members.len(), 2); // the duplicate key is kept
/// let JsonKind::Array(items) = &members[0].value.kind else { panic!() };
/// assert_eq!(items[1].kind, JsonKind::Number("2.50"));
/// assert_eq!((items[1].start, items[1].end), (10, 14));
/// ```
pub fn parse(src: &str, options: ParseOptions) -> Result<JsonValue<'_>, JsonError> {
    if src.len() > options.max_bytes {
        return Err(JsonError {
            kind: JsonErrorKind::SizeLimit {
                size: src.len(),
                limit: options.max_bytes,
            },
            offset: options.max_bytes,
        });
    }
    let reader = Reader {
        src,
        max_depth: options.max_depth,
    };
    let to_err = |e: nom::Err<PErr<'_>>| -> JsonError {
        match e {
            nom::Err::Error(p) | nom::Err::Failure(p) => {
                let offset = src.len() - p.rest.len();
                let kind = p.kind.unwrap_or_else(|| match p.rest.chars().next() {
                    None => JsonErrorKind::UnexpectedEnd,
                    Some(found) => JsonErrorKind::Unexpected {
                        found,
                        expected: "a JSON value",
                    },
                });
                JsonError { kind, offset }
            }
            nom::Err::Incomplete(_) => JsonError {
                kind: JsonErrorKind::UnexpectedEnd,
                offset: src.len(),
            },
        }
    };
    // A UTF-8 byte-order mark is not JSON text (RFC 8259 §8.1 lets a parser ignore it; IAM does not).
    let (rest, _) = ws(src).map_err(to_err)?;
    if rest.is_empty() {
        return Err(JsonError {
            kind: JsonErrorKind::Empty,
            offset: src.len(),
        });
    }
    let (rest, value) = reader.value(rest, 0).map_err(to_err)?;
    let (rest, _) = ws(rest).map_err(to_err)?;
    if !rest.is_empty() {
        let offset = src.len() - rest.len();
        let kind = if rest.starts_with("//") || rest.starts_with("/*") {
            JsonErrorKind::Comment
        } else {
            JsonErrorKind::TrailingCharacters
        };
        return Err(JsonError { kind, offset });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> JsonError {
        parse(s, ParseOptions::default()).unwrap_err()
    }

    #[test]
    fn strictness() {
        assert_eq!(err("[1,]").kind, JsonErrorKind::TrailingComma);
        assert_eq!(err("{\"a\":1,}").kind, JsonErrorKind::TrailingComma);
        assert_eq!(err("{\"a\":1} // c").kind, JsonErrorKind::Comment);
        assert_eq!(err("[01]").kind, JsonErrorKind::InvalidNumber);
        assert_eq!(err("[1.]").kind, JsonErrorKind::InvalidNumber);
        assert_eq!(err("[-]").kind, JsonErrorKind::InvalidNumber);
        assert_eq!(err("[1e]").kind, JsonErrorKind::InvalidNumber);
        assert_eq!(
            err("[+1]").kind,
            JsonErrorKind::Unexpected {
                found: '+',
                expected: "a JSON value"
            }
        );
        assert_eq!(err("\"a\tb\"").kind, JsonErrorKind::ControlCharacter);
        assert_eq!(err("\"\\x\"").kind, JsonErrorKind::InvalidEscape);
        assert_eq!(err("\"\\ud800\"").kind, JsonErrorKind::LoneSurrogate);
        assert_eq!(
            err("{'a': 1}").kind,
            JsonErrorKind::Unexpected {
                found: '\'',
                expected: "a string key in double quotes"
            }
        );
        assert_eq!(err("").kind, JsonErrorKind::Empty);
        assert_eq!(err("  ").kind, JsonErrorKind::Empty);
        assert_eq!(err("[1] 2").kind, JsonErrorKind::TrailingCharacters);
        assert_eq!(err("[1] 2").offset, 4);
        assert_eq!(
            err("{\"a\" 1}").kind,
            JsonErrorKind::Unexpected {
                found: '1',
                expected: "':' after an object key"
            }
        );
        assert_eq!(
            err("[tru]").kind,
            JsonErrorKind::Unexpected {
                found: 't',
                expected: "a JSON value"
            }
        );
        assert_eq!(err("\"abc").kind, JsonErrorKind::UnexpectedEnd);
        assert_eq!(
            err("\u{feff}{}").kind,
            JsonErrorKind::Unexpected {
                found: '\u{feff}',
                expected: "a JSON value"
            }
        );
    }

    #[test]
    fn escapes() {
        let v = parse(
            r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
            ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(
            v.kind,
            JsonKind::String(Cow::Owned("a\"\\/\u{8}\u{c}\n\r\té😀".into()))
        );
    }

    #[test]
    fn limits() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).kind, JsonErrorKind::DepthLimit { limit: 64 });
        let big = format!("[\"{}\"]", "a".repeat(2 << 20));
        assert!(matches!(err(&big).kind, JsonErrorKind::SizeLimit { .. }));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok, ParseOptions::default()).is_ok());
        let too = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert!(parse(&too, ParseOptions::default()).is_err());
    }

    #[test]
    fn agrees_with_serde_json_on_valid_documents() {
        for doc in [
            r#"{"a":[1,-0.5e+3,true,false,null,"x\u0041"],"b":{}}"#,
            "[]",
            "0",
            r#""\u00ff""#,
        ] {
            let ours = parse(doc, ParseOptions::default()).unwrap();
            let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
            assert_eq!(to_serde(&ours), theirs, "{doc}");
        }
    }

    pub(crate) fn to_serde(v: &JsonValue<'_>) -> serde_json::Value {
        match &v.kind {
            JsonKind::Null => serde_json::Value::Null,
            JsonKind::Bool(b) => serde_json::Value::Bool(*b),
            JsonKind::Number(n) => serde_json::from_str(n).unwrap(),
            JsonKind::String(s) => serde_json::Value::String(s.to_string()),
            JsonKind::Array(a) => serde_json::Value::Array(a.iter().map(to_serde).collect()),
            JsonKind::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|m| (m.key.to_string(), to_serde(&m.value)))
                    .collect(),
            ),
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,64}") {
            let _ = parse(&s, ParseOptions::default());
        }

        #[test]
        fn verdict_agrees_with_serde_json(s in "[\\[\\]{}\",:0-9a-z. \\\\-]{0,24}") {
            let ours = parse(&s, ParseOptions::default());
            let theirs = serde_json::from_str::<serde_json::Value>(&s);
            proptest::prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", s);
        }
    }
}
