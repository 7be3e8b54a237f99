//! Policy variables: compiling `${key}` templates into globs and resolving them (spec §4).

use crate::glob::{Case, Glob, GlobBuilder};
use iam_model::{TemplatePart, parse_template};

/// Compiles a policy string that may hold variables.
///
/// - `variables`: false for Version `2008-10-17` or no Version — the text is then literal
///   `${…}` (spec §4.2, §10 item 11);
/// - `wildcards`: whether `*`/`?` in the written text are wildcards (`StringLike`,
///   `ArnLike`, `Resource`) or literal (`StringEquals`).
///
/// Substituted values and `${*}`/`${?}`/`${$}` are always literal (spec §4.3).
pub(crate) fn template_glob(
    text: &str,
    variables: bool,
    wildcards: bool,
    case: Case,
) -> Result<Glob, String> {
    let mut b = GlobBuilder::default();
    let plain = |b: &mut GlobBuilder, s: &str| if wildcards { b.wild(s) } else { b.literal(s) };
    if !variables || !text.contains("${") {
        plain(&mut b, text);
        return Ok(b.build(case));
    }
    let t = parse_template(text).map_err(|e| format!("{} in {text:?} ({})", e, e.code()))?;
    for part in &t.parts {
        match part {
            TemplatePart::Text(s) => plain(&mut b, s),
            TemplatePart::Escaped(c) => b.literal(c.encode_utf8(&mut [0u8; 4])),
            TemplatePart::Variable { key, default } => b.var(key, default.as_deref()),
        }
    }
    Ok(b.build(case))
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §4.1: `${*}`, `${?}`, `${$}` are literal characters, not wildcards.
    #[test]
    fn escapes_are_literal() {
        let g = template_glob("a${*}b${?}${$}", true, true, Case::Sensitive).unwrap();
        assert!(g.matches("a*b?$"));
        assert!(!g.matches("aXb?$"));
        assert!(!g.matches("a*bX$"));
    }

    // spec §4.1: `${key, 'default'}` uses the default when the key is absent.
    #[test]
    fn default_value() {
        let g = template_glob(
            "home/${aws:username, 'guest'}",
            true,
            false,
            Case::Sensitive,
        )
        .unwrap();
        assert!(g.vars()[0].default.as_deref() == Some("guest"));
    }

    #[test]
    fn malformed_variable_is_an_error() {
        assert!(template_glob("x${aws:username", true, true, Case::Sensitive).is_err());
        assert!(template_glob("x${aws:username", false, true, Case::Sensitive).is_ok());
    }
}
