//! Unknown actions: telling a misspelt action (`s3:GetObjekt`) from one of a service the
//! bundled catalog does not have, and finding the closest real names.
//!
//! IAM itself accepts any `service:Name` in a policy or request and simply never matches a
//! name no service has (spec §2.1), so nothing here changes a decision: it is what the doors
//! (Python, CLI, analyses) use to say "did you mean".
//!
//! Closeness is the optimal-string-alignment (restricted Damerau–Levenshtein) distance,
//! ASCII case-insensitive, where `*` and `?` of a pattern are free (`*` matches any run and
//! `?` any one character), so one function serves names and patterns.

use super::{Action, Catalog, Service};
use std::fmt;

/// Why an action (or action pattern) names nothing in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnknownActionKind {
    /// Not written `service:Name` (no colon, or an empty service prefix): IAM never matches it.
    NotAnAction,
    /// The service prefix is not in the bundled catalog: a typo, or a service newer than the
    /// catalog (the action cannot be checked then).
    UnknownService,
    /// The service is known but has no action of this name.
    UnknownName,
    /// A pattern with `*` / `?` that matches no action of the catalog.
    NoMatch,
}

/// An action or action pattern that matches nothing in the bundled catalog, with the closest
/// real names. Its `Display` is the message the command line prints.
///
/// ```
/// use iam_model::catalog::{Catalog, UnknownActionKind};
/// let e = Catalog::get().check_action("s3:GetObjekt").unwrap_err();
/// assert_eq!(e.kind, UnknownActionKind::UnknownName);
/// assert_eq!(e.suggestions, ["s3:GetObject"]);
/// assert_eq!(e.to_string(), "unknown action 's3:GetObjekt' — did you mean s3:GetObject?");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAction {
    /// The action or pattern as given.
    pub action: String,
    /// Why it matches nothing.
    pub kind: UnknownActionKind,
    /// The closest real names, best first (full `service:Name`, AWS's spelling; for an
    /// unknown service prefix, the same action name under the closest known prefixes when
    /// that exists). May be empty.
    pub suggestions: Vec<String>,
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl fmt::Display for UnknownAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.action;
        match self.kind {
            UnknownActionKind::NotAnAction => write!(
                f,
                "{a:?} is not an action: actions are written service:Name (such as s3:GetObject)"
            )?,
            UnknownActionKind::UnknownService => {
                let svc = a.split_once(':').map_or(a.as_str(), |(s, _)| s);
                write!(
                    f,
                    "unknown action '{a}': the bundled catalog has no service prefix '{svc}' \
                     (a typo, or a service newer than the catalog)"
                )?;
            }
            UnknownActionKind::UnknownName => write!(f, "unknown action '{a}'")?,
            UnknownActionKind::NoMatch => {
                write!(f, "action pattern '{a}' matches no action of the catalog")?;
            }
        }
        if !self.suggestions.is_empty() {
            write!(f, " — did you mean {}?", or_list(&self.suggestions))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownAction {}

/// The most edits a candidate may need to be suggested for a query with `len` literal
/// characters: one for short names, a third of the name for long ones, at most three.
fn max_distance(len: usize) -> usize {
    (len / 3).clamp(1, 3)
}

/// Optimal-string-alignment distance from `pattern` to `text`, ASCII case-insensitive; `*` in
/// the pattern matches any run of characters and `?` any one, both at no cost.
///
/// ```
/// use iam_model::catalog::edit_distance;
/// assert_eq!(edit_distance("GetObjekt", "GetObject"), 1);
/// assert_eq!(edit_distance("PasRole", "passrole"), 1);
/// assert_eq!(edit_distance("GetObjcet", "GetObject"), 1); // a transposition is one edit
/// assert_eq!(edit_distance("*Objekt", "GetObject"), 1);
/// assert_eq!(edit_distance("Get?bject", "GetObject"), 0);
/// ```
pub fn edit_distance(pattern: &str, text: &str) -> usize {
    let p: Vec<u8> = pattern.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let t: Vec<u8> = text.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let w = t.len() + 1;
    // d[i * w + j]: distance from p[..i] to t[..j].
    let mut d = vec![0usize; (p.len() + 1) * w];
    for (j, x) in d.iter_mut().take(w).enumerate() {
        *x = j;
    }
    for i in 1..=p.len() {
        let pc = p[i - 1];
        d[i * w] = d[(i - 1) * w] + usize::from(pc != b'*');
        for j in 1..w {
            let tc = t[j - 1];
            let v = if pc == b'*' {
                // `*` matches nothing more (the row above), or takes `tc` too (the left cell).
                d[(i - 1) * w + j].min(d[i * w + j - 1])
            } else {
                let sub = usize::from(pc != b'?' && pc != tc);
                let mut v = (d[(i - 1) * w + j - 1] + sub)
                    .min(d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1);
                if i > 1 && j > 1 && pc != tc && pc == t[j - 2] && p[i - 2] == tc {
                    v = v.min(d[(i - 2) * w + j - 2] + 1);
                }
                v
            };
            d[i * w + j] = v;
        }
    }
    d[p.len() * w + t.len()]
}

/// Literal (non-wildcard) characters of a query.
fn literal_len(q: &str) -> usize {
    q.bytes().filter(|c| *c != b'*' && *c != b'?').count()
}

/// The up-to-`n` closest of `candidates` to `query`, best first: those within
/// [`max_distance`] (or, for queries of four characters or more, that start with the query:
/// a truncated name), keeping only those as close as the best one.
fn closest<'a, T: Copy>(
    query: &str,
    candidates: impl Iterator<Item = (T, &'a str)>,
    n: usize,
) -> Vec<T> {
    let limit = max_distance(literal_len(query));
    let lower = query.to_ascii_lowercase();
    let truncated = |c: &str| {
        lower.len() >= 4
            && !lower.contains(['*', '?'])
            && c.len() > lower.len()
            && c.get(..lower.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(&lower))
    };
    // Without `*` the distance is at least the difference in length: skip those candidates
    // without running the alignment (most of them).
    let star = query.contains('*');
    let mut scored: Vec<(usize, &str, T)> = candidates
        .filter_map(|(item, c)| {
            let cut = truncated(c);
            if !star && !cut && c.len().abs_diff(query.len()) > limit {
                return None;
            }
            let d = edit_distance(query, c);
            (d <= limit || cut).then_some((d, c, item))
        })
        .collect();
    scored.sort_by(|a, b| {
        (a.0, a.1.len().abs_diff(query.len()), a.1).cmp(&(
            b.0,
            b.1.len().abs_diff(query.len()),
            b.1,
        ))
    });
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .take_while(|s| s.0 == best)
        .take(n)
        .map(|s| s.2)
        .collect()
}

/// How many names a message suggests.
const SUGGESTIONS: usize = 3;

impl Catalog {
    /// `Ok` when `action` names a catalog action or, as a pattern (`s3:Get*`, `*:*Tag*`, `*`),
    /// matches at least one; otherwise why not and the closest real names (see
    /// [`UnknownActionKind`]). Case-insensitive, as IAM is. A hash lookup for a known name.
    ///
    /// ```
    /// use iam_model::catalog::{Catalog, UnknownActionKind};
    /// let cat = Catalog::get();
    /// assert!(cat.check_action("IAM:passrole").is_ok());
    /// assert!(cat.check_action("s3:Get*").is_ok());
    /// let e = cat.check_action("iam:PasRole").unwrap_err();
    /// assert_eq!(e.suggestions, ["iam:PassRole"]);
    /// let e = cat.check_action("s33:GetObject").unwrap_err();
    /// assert_eq!(e.kind, UnknownActionKind::UnknownService);
    /// assert_eq!(e.suggestions[0], "s3:GetObject");
    /// let e = cat.check_action("s3:*Objekt").unwrap_err();
    /// assert_eq!(e.kind, UnknownActionKind::NoMatch);
    /// assert_eq!(cat.check_action("GetObject").unwrap_err().kind, UnknownActionKind::NotAnAction);
    /// ```
    pub fn check_action(&self, action: &str) -> Result<(), UnknownAction> {
        if action == "*" {
            return Ok(());
        }
        let wild = |s: &str| s.contains(['*', '?']);
        let fail = |kind, suggestions| UnknownAction {
            action: action.to_string(),
            kind,
            suggestions,
        };
        let Some((svc, name)) = action.split_once(':').filter(|(s, _)| !s.is_empty()) else {
            return Err(fail(
                UnknownActionKind::NotAnAction,
                self.closest_by_name(action.trim_start_matches(':'), SUGGESTIONS),
            ));
        };
        if !wild(action) {
            if self.service_action(svc, name).is_some() {
                return Ok(());
            }
        } else if self.matching(action).next().is_some() {
            return Ok(());
        }
        if wild(svc) {
            let services = self
                .services
                .iter()
                .filter(|s| super::glob_ci(svc, s.prefix));
            let found = closest_in(services, name, SUGGESTIONS);
            return Err(fail(UnknownActionKind::NoMatch, found));
        }
        let Some(service) = self.service(svc) else {
            return Err(fail(
                UnknownActionKind::UnknownService,
                self.closest_in_other_services(svc, name),
            ));
        };
        let kind = if wild(name) {
            UnknownActionKind::NoMatch
        } else {
            UnknownActionKind::UnknownName
        };
        Err(fail(
            kind,
            closest_in(std::iter::once(service), name, SUGGESTIONS),
        ))
    }

    /// The up-to-`n` catalog actions closest to `action` (`service:Name`, or a pattern), best
    /// first, as full names; empty when nothing is close. For a misspelt service prefix, the
    /// same name under the closest prefixes.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.closest_actions("ec2:DescribeInstanses", 1), ["ec2:DescribeInstances"]);
    /// assert_eq!(cat.closest_actions("lambda:InvokeFuntion", 3)[0], "lambda:InvokeFunction");
    /// assert!(cat.closest_actions("s3:Zzzzzzzzzzzz", 3).is_empty());
    /// ```
    pub fn closest_actions(&self, action: &str, n: usize) -> Vec<String> {
        match action.split_once(':') {
            Some((svc, name)) if !svc.is_empty() => match self.service(svc) {
                Some(s) => closest_in(std::iter::once(s), name, n),
                None if svc.contains(['*', '?']) => {
                    let services = self
                        .services
                        .iter()
                        .filter(|s| super::glob_ci(svc, s.prefix));
                    closest_in(services, name, n)
                }
                None => {
                    let mut v = self.closest_in_other_services(svc, name);
                    v.truncate(n);
                    v
                }
            },
            _ => self.closest_by_name(action.trim_start_matches(':'), n),
        }
    }

    /// The up-to-`n` service prefixes closest to `prefix`, best first.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.closest_services("lamda", 1), ["lambda"]);
    /// assert!(cat.closest_services("zzzzzzzzzz", 3).is_empty());
    /// ```
    pub fn closest_services(&self, prefix: &str, n: usize) -> Vec<&'static str> {
        closest(
            prefix,
            self.services.iter().map(|s| (s.prefix, s.prefix)),
            n,
        )
    }

    /// For an unknown prefix: under each close prefix, the action itself when it exists
    /// (or the pattern when it matches), else that service's closest name.
    fn closest_in_other_services(&self, svc: &str, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.closest_services(svc, SUGGESTIONS) {
            let Some(s) = self.service(p) else { continue };
            if name.contains(['*', '?']) {
                let pattern = format!("{p}:{name}");
                if self.matching(&pattern).next().is_some() {
                    out.push(pattern);
                }
            } else if let Some((_, a)) = self.service_action(p, name) {
                out.push(a.full_name());
            } else {
                out.extend(closest_in(std::iter::once(s), name, 1));
            }
        }
        out
    }

    /// For a name without a service prefix: every service with exactly that name (up to
    /// `n`), else the closest names over all services.
    fn closest_by_name(&self, name: &str, n: usize) -> Vec<String> {
        if name.is_empty() {
            return Vec::new();
        }
        let exact: Vec<String> = self
            .services
            .iter()
            .flat_map(|s| s.actions.iter())
            .filter(|a| super::glob_ci(name, a.name))
            .take(n)
            .map(Action::full_name)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        closest_in(self.services.iter(), name, n)
    }
}

/// The up-to-`n` actions of `services` whose names are closest to `name`, as full names.
fn closest_in<'a>(
    services: impl Iterator<Item = &'a Service>,
    name: &str,
    n: usize,
) -> Vec<String> {
    closest(
        name,
        services.flat_map(|s| s.actions.iter()).map(|a| (a, a.name)),
        n,
    )
    .into_iter()
    .map(Action::full_name)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str) -> UnknownAction {
        Catalog::get().check_action(a).unwrap_err()
    }

    #[test]
    fn known_names_and_patterns_pass() {
        let cat = Catalog::get();
        for a in [
            "*",
            "s3:GetObject",
            "S3:GETOBJECT",
            "s3:*",
            "*:GetObject",
            "s3:Get*",
            "iam:PassRol?",
            "*:*Tag*",
            "ec2:DescribeInstances",
        ] {
            assert!(cat.check_action(a).is_ok(), "{a}");
        }
    }

    #[test]
    fn misspelt_names_of_known_services() {
        for (typo, want) in [
            ("s3:GetObjekt", "s3:GetObject"),
            ("iam:PasRole", "iam:PassRole"),
            ("iam:PassRoel", "iam:PassRole"),
            ("sts:AsumeRole", "sts:AssumeRole"),
            ("ec2:DescribeInstanses", "ec2:DescribeInstances"),
            ("s3:GetObj", "s3:GetObject"),
            ("kms:Decrpyt", "kms:Decrypt"),
        ] {
            let e = check(typo);
            assert_eq!(e.kind, UnknownActionKind::UnknownName, "{typo}");
            assert_eq!(
                e.suggestions.first().map(String::as_str),
                Some(want),
                "{typo}: {e}"
            );
        }
    }

    #[test]
    fn message_names_action_and_suggestion() {
        assert_eq!(
            check("iam:PasRole").to_string(),
            "unknown action 'iam:PasRole' — did you mean iam:PassRole?"
        );
        let e = check("s3:Frobnicate");
        assert!(e.suggestions.is_empty());
        assert_eq!(e.to_string(), "unknown action 's3:Frobnicate'");
    }

    #[test]
    fn unknown_service_is_not_called_a_typo_of_a_name() {
        let e = check("s4:GetObject");
        assert_eq!(e.kind, UnknownActionKind::UnknownService);
        assert_eq!(
            e.suggestions.first().map(String::as_str),
            Some("s3:GetObject")
        );
        let msg = e.to_string();
        assert!(msg.contains("no service prefix 's4'"), "{msg}");
        assert!(msg.contains("newer than the catalog"), "{msg}");
        // A prefix close to nothing: a service the catalog may simply not have yet.
        let e = check("brandnewservice:DoThing");
        assert_eq!(e.kind, UnknownActionKind::UnknownService);
        assert!(e.suggestions.is_empty());
        assert!(!e.to_string().contains("did you mean"));
    }

    #[test]
    fn patterns_that_match_nothing() {
        let e = check("s3:*Objekt");
        assert_eq!(e.kind, UnknownActionKind::NoMatch);
        assert!(
            e.suggestions
                .iter()
                .all(|s| s.starts_with("s3:") && s.ends_with("Object")),
            "{e}"
        );
        assert!(!e.suggestions.is_empty());
        let e = check("*:GetObjekt");
        assert_eq!(e.kind, UnknownActionKind::NoMatch);
        assert!(e.suggestions.contains(&"s3:GetObject".to_string()), "{e}");
        let e = check("s33:Get*");
        assert_eq!(e.kind, UnknownActionKind::UnknownService);
        assert_eq!(e.suggestions.first().map(String::as_str), Some("s3:Get*"));
        assert!(
            check("s3:Zq*")
                .to_string()
                .starts_with("action pattern 's3:Zq*' matches no action")
        );
    }

    #[test]
    fn not_an_action() {
        let e = check("GetObject");
        assert_eq!(e.kind, UnknownActionKind::NotAnAction);
        assert!(e.suggestions.contains(&"s3:GetObject".to_string()), "{e}");
        assert_eq!(check("").kind, UnknownActionKind::NotAnAction);
        assert_eq!(check(":GetObject").kind, UnknownActionKind::NotAnAction);
        assert!(check("").suggestions.is_empty());
    }

    #[test]
    fn distance_properties() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("*", "anything"), 0);
        assert_eq!(edit_distance("a*c", "abbbc"), 0);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ABC", "abc"), 0);
    }

    #[test]
    fn closest_services_and_actions() {
        let cat = Catalog::get();
        assert_eq!(cat.closest_services("dynamodbb", 1), ["dynamodb"]);
        assert_eq!(cat.closest_actions("s33:GetObject", 1), ["s3:GetObject"]);
        assert_eq!(
            cat.closest_actions("GetObject", 5).len(),
            5.min(
                cat.services()
                    .iter()
                    .flat_map(|s| s.actions.iter())
                    .filter(|a| a.name == "GetObject")
                    .count()
            )
        );
        assert!(cat.closest_actions("s3:GetObjekt", 0).is_empty());
    }
}
