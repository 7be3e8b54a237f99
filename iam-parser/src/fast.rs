//! The fast path of [`crate::read_policy`]: one pass from the text straight to the
//! [`Policy`] AST, for documents that are well-formed policies with no grammar finding at all
//! (nearly every real policy).
//!
//! It reads JSON tokens with the rules of [`crate::json`] (the same string and number
//! scanners) but builds no JSON tree, and computes line/column positions with a cursor that
//! moves forward with the reader (white space is the only place a newline can be) instead of a
//! binary search per node. It gives up — returns `None` — at the first thing that is not
//! plainly valid: a JSON error, a wrong type, a duplicate, unknown or missing element, an
//! invalid `Version`/`Effect`/`Principal`, nesting the limits would refuse. The caller then
//! reads the document again on the exact path (`policy.rs` over `json.rs`), which reports
//! every finding. So on success the AST and the (empty) findings are exactly what the exact
//! path yields, and on failure nothing is lost but time.

use crate::json::{self, ParseOptions};
use iam_model::{
    Condition, ConditionEntry, ConditionValue, Effect, OperatorName, Policy, Position, Principal,
    PrincipalClause, PrincipalKey, Span, Spanned, Statement, ValueKind, ValueList, Version,
};
use std::borrow::Cow;

/// Deepest container nesting a policy uses (root, Statement array, statement, Condition,
/// operator, value array): the fast path leaves tighter limits to the exact path.
const DEPTH_NEEDED: usize = 6;

/// The largest buffer (in items) kept from one document for the next.
const KEEP_CAPACITY: usize = 1024;

thread_local! {
    /// [`Reader::policy`]'s statement buffer, reused from one document to the next.
    static STATEMENTS: std::cell::Cell<Vec<Statement>> = const { std::cell::Cell::new(Vec::new()) };
    /// [`Reader::scratch`], reused from one document to the next.
    static ITEMS: std::cell::Cell<Vec<Spanned<String>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Reads `text` as a policy with no grammar finding, or `None` (see the module docs).
pub(crate) fn read(text: &str, options: ParseOptions) -> Option<Policy> {
    read_ascii(text, options).map(|(policy, _)| policy)
}

/// [`read`], also telling whether `text` is all ASCII (the reader finds out anyway; the size
/// checks need it).
pub(crate) fn read_ascii(text: &str, options: ParseOptions) -> Option<(Policy, bool)> {
    if text.len() > options.max_bytes
        || options.max_depth < DEPTH_NEEDED
        || text.len() >= u32::MAX as usize
    {
        return None;
    }
    let mut r = Reader {
        src: text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        ascii: text.is_ascii(),
        col_off: 0,
        col: 1,
        scratch: ITEMS.take(),
        pool: crate::recycle::take(),
        names: Vec::new(),
    };
    r.ws();
    let policy = r.policy();
    if r.scratch.capacity() <= KEEP_CAPACITY {
        ITEMS.set(std::mem::take(&mut r.scratch));
    }
    r.ws();
    crate::recycle::put(r.pool);
    let policy = policy?;
    (r.i == r.b.len()).then_some((policy, r.ascii))
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    /// Read position.
    i: usize,
    /// Line of `i` (1-based) and the offset its line starts at.
    line: u32,
    line_start: usize,
    ascii: bool,
    /// For non-ASCII text: a point of the current line and its column.
    col_off: usize,
    col: u32,
    /// The items of the string array being read, reused for every array (and document): each
    /// array's `Vec` is then allocated once, at its final length.
    scratch: Vec<Spanned<String>>,
    /// Buffers of ASTs `validate` is done with (`recycle.rs`): the values' strings and lists.
    pool: Box<crate::recycle::Pool>,
    /// The operators of the `Condition` block being read (to see duplicates), reused for every
    /// statement.
    names: Vec<Cow<'a, str>>,
}

/// Members of the top-level object and of a statement, as bits (to see duplicates).
const VERSION: u32 = 1;
const ID: u32 = 2;
const STATEMENT: u32 = 4;
const SID: u32 = 8;
const EFFECT: u32 = 16;
const PRINCIPAL: u32 = 32;
const ACTION: u32 = 64;
const RESOURCE: u32 = 128;
const CONDITION: u32 = 256;

impl<'a> Reader<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips JSON white space, following newlines.
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                // Indentation (pretty-printed policies are mostly runs of spaces): the spaces
                // among the next eight bytes at once — the lowest non-zero byte of the word
                // XOR eight spaces (little-endian: the first byte is the lowest) ends the run.
                b' ' => match self.b.get(self.i..).and_then(<[u8]>::first_chunk::<8>) {
                    Some(w) => {
                        let x = u64::from_le_bytes(*w) ^ u64::from_le_bytes([b' '; 8]);
                        self.i += (x.trailing_zeros() / 8) as usize;
                    }
                    None => self.i += 1,
                },
                b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                    self.col_off = self.i;
                    self.col = 1;
                }
                _ => break,
            }
        }
    }

    /// The position of `off`, which must lie on the current line at or after the last
    /// position asked for (positions are asked for in document order).
    #[inline]
    fn pos(&mut self, off: usize) -> Position {
        let column = if self.ascii {
            (off - self.line_start) as u32 + 1
        } else {
            let seg = self.b.get(self.col_off..off).unwrap_or_default();
            // Characters = bytes that are not UTF-8 continuation bytes.
            self.col += seg.iter().filter(|&&c| (c & 0xC0) != 0x80).count() as u32;
            self.col_off = off;
            self.col
        };
        Position {
            line: self.line,
            column,
            offset: off as u32,
        }
    }

    /// Consumes `c` (after white space) or fails.
    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// After a member or an item: `,` (then not `close`) → `true`, `close` → `false`.
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(close) {
                    return None; // trailing comma
                }
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// The AST's `String` for a value the reader read (a pooled buffer for a borrowed one).
    #[inline]
    fn owned(&mut self, s: Cow<'a, str>) -> String {
        match s {
            Cow::Borrowed(b) => self.pool.string(b),
            Cow::Owned(o) => o,
        }
    }

    /// A string at the read position (which must be `"`), with its span.
    fn string(&mut self) -> Option<(Cow<'a, str>, Span)> {
        let start = self.i;
        if self.peek() != Some(b'"') {
            return None;
        }
        let (s, end) = json::string_at(self.src, start)?;
        self.i = end;
        let from = self.pos(start);
        let to = self.pos(end);
        Some((s, Span::new(from, to)))
    }

    /// An object: `{`, then `member` for each key until `}`. Returns the object's span.
    fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Cow<'a, str>, Span) -> Option<()>,
    ) -> Option<Span> {
        self.ws();
        let start = self.i;
        if self.peek() != Some(b'{') {
            return None;
        }
        let from = self.pos(start);
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                let (key, key_span) = self.string()?;
                self.eat(b':')?;
                self.ws();
                member(self, key, key_span)?;
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        let to = self.pos(self.i);
        Some(Span::new(from, to))
    }

    fn policy(&mut self) -> Option<Policy> {
        let mut seen = 0u32;
        let mut version = None;
        let mut id = None;
        // Statements (large items) are gathered in a buffer kept across documents, then moved
        // into a list allocated once at its final length: no regrowing and copying.
        let mut statements = STATEMENTS.take();
        statements.clear();
        let mut single_statement = false;
        let span = self.object(|r, key, _| {
            let bit = match key.as_ref() {
                "Version" => VERSION,
                "Id" => ID,
                "Statement" => STATEMENT,
                _ => return None,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match bit {
                VERSION => {
                    let (s, span) = r.string()?;
                    version = Some(Spanned::new(Version::parse(&s)?, span));
                }
                ID => {
                    let (s, span) = r.string()?;
                    id = Some(Spanned::new(r.owned(s), span));
                }
                _ => match r.peek()? {
                    b'{' => {
                        single_statement = true;
                        statements.push(r.statement()?);
                    }
                    b'[' => {
                        r.i += 1;
                        r.ws();
                        if r.peek() == Some(b']') {
                            return None; // MISSING_STATEMENT
                        }
                        loop {
                            statements.push(r.statement()?);
                            if !r.next_or_close(b']')? {
                                break;
                            }
                        }
                    }
                    _ => return None,
                },
            }
            Some(())
        })?;
        // Without Version or Statement the exact path reports MISSING_VERSION / MISSING_STATEMENT.
        if seen & (VERSION | STATEMENT) != VERSION | STATEMENT {
            return None;
        }
        let mut list = self.pool.statements.take();
        list.reserve_exact(statements.len());
        list.append(&mut statements);
        // A buffer grown by an unusually large document is not kept.
        if statements.capacity() <= KEEP_CAPACITY {
            STATEMENTS.set(statements);
        }
        Some(Policy {
            version,
            id,
            statements: list,
            single_statement,
            span,
        })
    }

    fn statement(&mut self) -> Option<Statement> {
        let mut seen = 0u32;
        let mut sid = None;
        let mut effect = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut conditions = None;
        let span = self.object(|r, key, _| {
            let (bit, negated) = match key.as_ref() {
                "Sid" => (SID, false),
                "Effect" => (EFFECT, false),
                "Principal" => (PRINCIPAL, false),
                "NotPrincipal" => (PRINCIPAL, true),
                "Action" => (ACTION, false),
                "NotAction" => (ACTION, true),
                "Resource" => (RESOURCE, false),
                "NotResource" => (RESOURCE, true),
                "Condition" => (CONDITION, false),
                _ => return None,
            };
            // A duplicate key, or X with NotX: both reported by the exact path.
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match bit {
                SID => {
                    let (s, span) = r.string()?;
                    sid = Some(Spanned::new(r.owned(s), span));
                }
                EFFECT => {
                    let (s, span) = r.string()?;
                    effect = Some(Spanned::new(Effect::parse(&s)?, span));
                }
                PRINCIPAL => principal = Some(r.principal(negated)?),
                ACTION => action = Some(r.string_list(negated)?),
                RESOURCE => resource = Some(r.string_list(negated)?),
                _ => conditions = Some(r.conditions()?),
            }
            Some(())
        })?;
        Some(Statement {
            sid,
            effect: effect?,
            principal,
            action: action?,
            resource,
            conditions: conditions.unwrap_or_default(),
            span,
        })
    }

    /// `"x"` or `["x", ...]` (strings only).
    fn string_list(&mut self, negated: bool) -> Option<ValueList> {
        match self.peek()? {
            b'"' => {
                let (s, span) = self.string()?;
                let mut values = self.pool.list(1);
                values.push(Spanned::new(self.owned(s), span));
                Some(ValueList {
                    negated,
                    values,
                    span,
                })
            }
            b'[' => {
                let start = self.i;
                let from = self.pos(start);
                self.i += 1;
                self.ws();
                let mut items = std::mem::take(&mut self.scratch);
                items.clear();
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let (s, span) = self.string()?;
                        let s = self.owned(s);
                        items.push(Spanned::new(s, span));
                        if !self.next_or_close(b']')? {
                            break;
                        }
                    }
                }
                let mut values = self.pool.list(items.len());
                values.append(&mut items);
                self.scratch = items;
                let to = self.pos(self.i);
                Some(ValueList {
                    negated,
                    values,
                    span: Span::new(from, to),
                })
            }
            _ => None,
        }
    }

    /// An array (at `[`) of items read by `item` into `out` (empty), with its span.
    fn array<T>(
        &mut self,
        mut out: Vec<T>,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<(Vec<T>, Span)> {
        let start = self.i;
        let from = self.pos(start);
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                out.push(item(self)?);
                if !self.next_or_close(b']')? {
                    break;
                }
            }
        }
        let to = self.pos(self.i);
        Some((out, Span::new(from, to)))
    }

    fn principal(&mut self, negated: bool) -> Option<PrincipalClause> {
        match self.peek()? {
            b'"' => {
                let (s, span) = self.string()?;
                (s == "*").then_some(PrincipalClause {
                    negated,
                    value: Principal::Star,
                    span,
                })
            }
            b'{' => {
                let mut entries: Vec<(Spanned<PrincipalKey>, Vec<Spanned<String>>)> = Vec::new();
                let span = self.object(|r, key, key_span| {
                    let k = PrincipalKey::parse(&key)?;
                    if entries.iter().any(|(e, _)| e.value == k) {
                        return None; // duplicate key
                    }
                    let list = r.string_list(false)?;
                    entries.push((Spanned::new(k, key_span), list.values));
                    Some(())
                })?;
                Some(PrincipalClause {
                    negated,
                    value: Principal::Map(entries),
                    span,
                })
            }
            _ => None,
        }
    }

    fn conditions(&mut self) -> Option<Vec<Condition>> {
        let mut out: Vec<Condition> = self.pool.conditions.take();
        let mut names = std::mem::take(&mut self.names);
        names.clear();
        self.object(|r, op, op_span| {
            if names.contains(&op) {
                return None; // duplicate operator
            }
            let mut entries: Vec<ConditionEntry> = r.pool.entries.take();
            let span = r.object(|r, key, key_span| {
                if entries.iter().any(|e| e.key.value == key) {
                    return None; // duplicate key
                }
                let (values, span) = match r.peek()? {
                    b'[' => {
                        let out = r.pool.values.take();
                        r.array(out, Self::condition_value)?
                    }
                    _ => {
                        let v = r.condition_value()?;
                        let span = v.span;
                        let mut out = r.pool.values.take();
                        out.push(v);
                        (out, span)
                    }
                };
                entries.push(ConditionEntry {
                    key: Spanned::new(r.owned(key), key_span),
                    values,
                    span,
                });
                Some(())
            })?;
            out.push(Condition {
                operator: Spanned::new(OperatorName::parse(&op), op_span),
                entries,
                span,
            });
            names.push(op);
            Some(())
        })?;
        self.names = names;
        Some(out)
    }

    /// A string, number or boolean.
    fn condition_value(&mut self) -> Option<ConditionValue> {
        let start = self.i;
        let (kind, text) = match self.peek()? {
            b'"' => {
                let (s, span) = self.string()?;
                let text = self.owned(s);
                return Some(ConditionValue {
                    kind: ValueKind::String,
                    text,
                    span,
                });
            }
            b'-' | b'0'..=b'9' => {
                let (n, end) = json::number_at(self.src, start)?;
                self.i = end;
                (ValueKind::Number, n.to_string())
            }
            b't' if self.b[start..].starts_with(b"true") => {
                self.i += 4;
                (ValueKind::Bool, "true".to_string())
            }
            b'f' if self.b[start..].starts_with(b"false") => {
                self.i += 5;
                (ValueKind::Bool, "false".to_string())
            }
            _ => return None,
        };
        let from = self.pos(start);
        let to = self.pos(self.i);
        Some(ConditionValue {
            kind,
            text,
            span: Span::new(from, to),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::read;
    use crate::finding::LineIndex;
    use crate::json::ParseOptions;
    use crate::policy::read_policy_indexed;
    use iam_model::PolicyType;

    /// The fast path must agree with the exact path: when it returns an AST, the exact path
    /// returns the same AST and no finding.
    fn agrees(text: &str) -> bool {
        let fast = read(text, ParseOptions::POLICY);
        let exact = read_policy_indexed(
            text,
            PolicyType::Identity,
            ParseOptions::POLICY,
            &LineIndex::new(text),
        );
        if let Some(p) = &fast {
            assert!(exact.findings.is_empty(), "{text}: {:?}", exact.findings);
            assert_eq!(exact.policy.as_ref(), Some(p), "{text}");
        }
        fast.is_some()
    }

    #[test]
    fn agrees_with_the_exact_path() {
        let ok = [
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            "{\"Version\": \"2012-10-17\",\r\n \"Id\": \"x\", \"Statement\": [{\"Sid\": \"A\", \"Effect\": \"Deny\",\n\t\"NotPrincipal\": {\"AWS\": [\"arn:aws:iam::111122223333:root\"]}, \"NotAction\": [], \"NotResource\": [\"arn:aws:s3:::b\"],\n \"Condition\": {\"StringLike\": {\"s3:prefix\": [\"a\", \"é\\u00e9\"]}, \"NumericEquals\": {\"n\": -1.5e3}, \"Bool\": {\"b\": true}, \"Nope\": {}}}]}",
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:x\":\"ü\"}}}]}  \n",
        ];
        for t in ok {
            assert!(agrees(t), "the fast path should take {t}");
        }
        let bail = [
            "",
            "[]",
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":[]}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Allow","Action":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Condition":{"Null":{"k":null}}}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Principal":{"AWS":"a","AWS":"b"}}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}} x"#,
        ];
        for t in bail {
            assert!(
                !agrees(t),
                "the fast path should leave {t} to the exact path"
            );
        }
    }

    #[test]
    fn agrees_on_the_corpus_and_its_mutations() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../iam-model/data/aws-managed-policies/policies");
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut taken = 0;
        for (k, f) in files.iter().enumerate() {
            let text = std::fs::read_to_string(f).unwrap();
            taken += usize::from(agrees(&text));
            if k % 4 != 0 {
                continue;
            }
            // A few byte-level mutations per document (kept on character boundaries).
            for _ in 0..4 {
                let mut at = (next() % (text.len() as u64 + 1)) as usize;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let token = [
                    "", "\n", " ", "\"", ",", "{", "}", "[", "]", ":", "\\u0041", "é", "1",
                ][(next() % 13) as usize];
                let cut = if next() % 2 == 0 {
                    text[at..].chars().next().map_or(0, char::len_utf8)
                } else {
                    0
                };
                let mutated = format!("{}{token}{}", &text[..at], &text[at + cut..]);
                agrees(&mutated);
            }
        }
        assert!(
            taken > files.len() * 9 / 10,
            "the fast path took only {taken} of {} documents",
            files.len()
        );
    }
}
