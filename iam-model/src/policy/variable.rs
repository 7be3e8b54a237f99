//! Policy variables inside strings: `${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}` (spec §4.1).

use std::fmt;

/// One piece of a string that may hold policy variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplatePart {
    /// Text as written; `*` and `?` in it are wildcards where the element allows them.
    Text(String),
    /// `${*}`, `${?}` or `${$}`: the literal character, never a wildcard.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`.
    Variable {
        /// The key as written (looked up case-insensitively).
        key: String,
        /// The default used when the key is absent.
        default: Option<String>,
    },
}

/// A string split into text, escapes and variables.
///
/// ```
/// use iam_model::{parse_template, TemplatePart};
/// let t = parse_template("home/${aws:username, 'nobody'}/${*}").unwrap();
/// assert_eq!(t.parts, vec![
///     TemplatePart::Text("home/".into()),
///     TemplatePart::Variable { key: "aws:username".into(), default: Some("nobody".into()) },
///     TemplatePart::Text("/".into()),
///     TemplatePart::Escaped('*'),
/// ]);
/// assert!(t.has_variables());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// True when at least one `${key}` variable appears (escapes do not count).
    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Variable { .. }))
    }
    /// True when the template is a single text piece (no `${` at all).
    pub fn is_plain(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, TemplatePart::Text(_)))
    }
    /// The variable keys used, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Variable { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }
}

/// A malformed policy variable (Access Analyzer codes of spec §4.1). `offset` is the byte
/// offset of the `${` within the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableError {
    /// `${...` with no closing `}` (`MISSING_BRACE_IN_VARIABLE`).
    MissingBrace {
        /// Byte offset of `${`.
        offset: usize,
    },
    /// A default not wrapped in single quotes (`MISSING_QUOTE_IN_VARIABLE`).
    MissingQuote {
        /// Byte offset of `${`.
        offset: usize,
    },
    /// A space inside the variable other than the `, '…'` separator (`UNSUPPORTED_SPACE_IN_VARIABLE`).
    UnsupportedSpace {
        /// Byte offset of `${`.
        offset: usize,
    },
    /// `${}` (`EMPTY_VARIABLE`).
    Empty {
        /// Byte offset of `${`.
        offset: usize,
    },
}

impl VariableError {
    /// The Access Analyzer issue code.
    pub const fn code(self) -> &'static str {
        match self {
            VariableError::MissingBrace { .. } => "MISSING_BRACE_IN_VARIABLE",
            VariableError::MissingQuote { .. } => "MISSING_QUOTE_IN_VARIABLE",
            VariableError::UnsupportedSpace { .. } => "UNSUPPORTED_SPACE_IN_VARIABLE",
            VariableError::Empty { .. } => "EMPTY_VARIABLE",
        }
    }
    /// Byte offset of the `${` that starts the bad variable.
    pub const fn offset(self) -> usize {
        match self {
            VariableError::MissingBrace { offset }
            | VariableError::MissingQuote { offset }
            | VariableError::UnsupportedSpace { offset }
            | VariableError::Empty { offset } => offset,
        }
    }
}

impl fmt::Display for VariableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VariableError::MissingBrace { .. } => f.write_str("the policy variable has no closing brace '}'"),
            VariableError::MissingQuote { .. } => {
                f.write_str("the default value of a policy variable must be in single quotes: ${key, 'default'}")
            }
            VariableError::UnsupportedSpace { .. } => {
                f.write_str("a policy variable may contain a space only in its \", '\" default separator")
            }
            VariableError::Empty { .. } => f.write_str("the policy variable ${} is empty"),
        }
    }
}
impl std::error::Error for VariableError {}

/// Splits a string into text, escapes and variables.
pub fn parse_template(s: &str) -> Result<Template, VariableError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    let mut base = 0usize;
    while let Some(i) = rest.find("${") {
        text.push_str(&rest[..i]);
        let offset = base + i;
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else {
            return Err(VariableError::MissingBrace { offset });
        };
        let inner = &after[..close];
        let part = parse_inner(inner, offset)?;
        if !text.is_empty() {
            parts.push(TemplatePart::Text(std::mem::take(&mut text)));
        }
        parts.push(part);
        let consumed = i + 2 + close + 1;
        base += consumed;
        rest = &rest[consumed..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    Ok(Template { parts })
}

fn parse_inner(inner: &str, offset: usize) -> Result<TemplatePart, VariableError> {
    match inner {
        "" => return Err(VariableError::Empty { offset }),
        "*" => return Ok(TemplatePart::Escaped('*')),
        "?" => return Ok(TemplatePart::Escaped('?')),
        "$" => return Ok(TemplatePart::Escaped('$')),
        _ => {}
    }
    if let Some(comma) = inner.find(',') {
        let key = &inner[..comma];
        let rest = &inner[comma + 1..];
        let Some(default_part) = rest.strip_prefix(' ') else {
            return Err(VariableError::MissingQuote { offset });
        };
        if key.is_empty() {
            return Err(VariableError::Empty { offset });
        }
        if key.contains(char::is_whitespace) {
            return Err(VariableError::UnsupportedSpace { offset });
        }
        let quoted = default_part.len() >= 2
            && default_part.starts_with('\'')
            && default_part.ends_with('\'');
        if !quoted {
            if default_part.starts_with(' ') {
                return Err(VariableError::UnsupportedSpace { offset });
            }
            return Err(VariableError::MissingQuote { offset });
        }
        let default = &default_part[1..default_part.len() - 1];
        return Ok(TemplatePart::Variable {
            key: key.to_string(),
            default: Some(default.to_string()),
        });
    }
    if inner.trim().is_empty() {
        return Err(VariableError::Empty { offset });
    }
    if inner.contains(char::is_whitespace) {
        return Err(VariableError::UnsupportedSpace { offset });
    }
    Ok(TemplatePart::Variable {
        key: inner.to_string(),
        default: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert_eq!(
            parse_template("a${aws:username"),
            Err(VariableError::MissingBrace { offset: 1 })
        );
        assert_eq!(
            parse_template("${}"),
            Err(VariableError::Empty { offset: 0 })
        );
        assert_eq!(
            parse_template("x/${aws:username, nobody}"),
            Err(VariableError::MissingQuote { offset: 2 })
        );
        assert_eq!(
            parse_template("${aws:username,'x'}"),
            Err(VariableError::MissingQuote { offset: 0 })
        );
        assert_eq!(
            parse_template("${ aws:username}"),
            Err(VariableError::UnsupportedSpace { offset: 0 })
        );
        assert_eq!(
            parse_template("${aws:user name}"),
            Err(VariableError::UnsupportedSpace { offset: 0 })
        );
    }

    #[test]
    fn plain_and_escapes() {
        let t = parse_template("no variables * ?").unwrap();
        assert!(t.is_plain());
        let t = parse_template("${$}{x}").unwrap();
        assert_eq!(
            t.parts,
            vec![TemplatePart::Escaped('$'), TemplatePart::Text("{x}".into())]
        );
        assert!(!t.has_variables());
        assert_eq!(parse_template("").unwrap().parts, vec![]);
    }

    #[test]
    fn default_with_spaces_inside_quotes() {
        let t = parse_template("${aws:PrincipalTag/team, 'no team'}").unwrap();
        assert_eq!(
            t.parts,
            vec![TemplatePart::Variable {
                key: "aws:PrincipalTag/team".into(),
                default: Some("no team".into())
            }]
        );
    }
}
