//! Checks that need the service catalog (spec §9; [`iam_model::catalog`]): unknown services,
//! actions and condition keys, resource ARNs no listed action works on, redundant actions, and
//! the condition-key type checks for service keys (the `aws:` keys are typed in
//! `conditions.rs`).
//!
//! Severity policy for "unknown name" findings. The catalog is a snapshot, and AWS's own
//! managed policies name retired services (`deepracer`, `mobilehub`), actions missing from the
//! data (`payments:GetPaymentAttempt`) and keys it lacks (`lakeformation:GlueARN`). So an
//! unknown name is an ERROR only when it is a near miss of a catalog name — at most two edits
//! away (one for names of four characters or less) and not merely a plural — which is what a
//! typo looks like; otherwise it is a WARNING that says the name is not in the bundled catalog.
//! Likewise the catalog-driven `MISSING_QUALIFIER` and resource checks are WARNINGs: the
//! catalog's typing and ARN templates are derived data that AWS's own policies sometimes
//! contradict.

use super::Checks;
use crate::finding::Severity;
use iam_model::catalog::{Action, Catalog, ConditionKeyType, Service};
use iam_model::{BaseOperator, Effect, OperatorFamily, OperatorName, SetQualifier, Statement};

pub(super) fn check_statement(c: &mut Checks, st: &Statement, path: &str) {
    let cat = Catalog::get();
    let known = actions(c, cat, st, path);
    redundant_actions(c, cat, st, path);
    if let Some(known) = known {
        resources(c, st, path, &known);
    }
    conditions(c, cat, st, path);
}

/// A well-formed `service:name` entry (other entries get their findings in `resources.rs`).
fn split_action(s: &str) -> Option<(&str, &str)> {
    let (svc, name) = s.split_once(':')?;
    let ok = !svc.is_empty()
        && !name.is_empty()
        && !name.contains(':')
        && !s.chars().any(char::is_whitespace)
        && svc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?'));
    ok.then_some((svc, name))
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Reports unknown services and actions. Returns the statement's actions when every entry is
/// a concrete action the catalog knows (what the resource checks need).
fn actions(
    c: &mut Checks,
    cat: &'static Catalog,
    st: &Statement,
    path: &str,
) -> Option<Vec<(&'static Service, &'static Action)>> {
    let el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let mut all_known = !st.action.values.is_empty();
    let mut known = Vec::new();
    for (i, a) in st.action.values.iter().enumerate() {
        let p = || {
            if st.action.values.len() == 1 {
                format!("{path}.{el}")
            } else {
                format!("{path}.{el}[{i}]")
            }
        };
        let s = a.value.as_str();
        let Some((svc, name)) = split_action(s) else {
            all_known = false;
            continue;
        };
        if has_wildcard(svc) {
            all_known = false;
            continue;
        }
        let Some(service) = cat.service(svc) else {
            all_known = false;
            let near = near_miss(svc, cat.services().iter().map(|s| s.prefix));
            let (sev, msg) = match near {
                Some(n) => (
                    Severity::Error,
                    format!("\"{svc}\" is not an AWS service prefix; did you mean \"{n}\"?"),
                ),
                None => (
                    Severity::Warning,
                    format!(
                        "the service prefix \"{svc}\" is not in the bundled service catalog (a retired or newer service, or a typo)"
                    ),
                ),
            };
            c.push("INVALID_SERVICE_IN_ACTION", sev, a.span, p(), msg);
            continue;
        };
        if has_wildcard(name) {
            all_known = false;
            if cat.matching(s).next().is_none() {
                c.push(
                    "INVALID_ACTION",
                    Severity::Warning,
                    a.span,
                    p(),
                    format!(
                        "\"{s}\" matches no action of {} in the bundled service catalog",
                        service.prefix
                    ),
                );
            }
            continue;
        }
        match service.action(name) {
            Some(action) => known.push((service, action)),
            None => {
                all_known = false;
                let near = near_miss(name, service.actions.iter().map(|a| a.name));
                let (sev, msg) = match near {
                    Some(n) => (
                        Severity::Error,
                        format!(
                            "\"{s}\" is not an action of {}; did you mean \"{}:{n}\"?",
                            service.prefix, service.prefix
                        ),
                    ),
                    None => (
                        Severity::Warning,
                        format!(
                            "\"{s}\" is not in the bundled service catalog (a newer or retired action, or a typo)"
                        ),
                    ),
                };
                c.push("INVALID_ACTION", sev, a.span, p(), msg);
            }
        }
    }
    all_known.then_some(known)
}

/// One `Action` entry as the redundancy check sees it.
enum Entry {
    /// Not a well-formed action (other checks report it).
    Skip,
    /// `*`.
    All,
    /// A concrete `service:Name`.
    Concrete,
    /// A pattern with its catalog expansion, sorted.
    Pattern(Vec<(&'static str, &'static str)>),
}

/// `REDUNDANT_ACTION`: an entry another entry of the same statement already covers (a
/// duplicate, `*`, a wildcard matching it, or a wildcard whose catalog expansion contains it).
fn redundant_actions(c: &mut Checks, cat: &'static Catalog, st: &Statement, path: &str) {
    let values = &st.action.values;
    if values.len() < 2 {
        return;
    }
    let el = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let entries: Vec<Entry> = values
        .iter()
        .map(|v| {
            let s = v.value.as_str();
            if s == "*" {
                Entry::All
            } else if split_action(s).is_none() {
                Entry::Skip
            } else if has_wildcard(s) {
                let mut e: Vec<_> = cat.matching(s).map(|a| (a.service, a.name)).collect();
                e.sort_unstable();
                Entry::Pattern(e)
            } else {
                Entry::Concrete
            }
        })
        .collect();
    for (i, (a, mine)) in values.iter().zip(&entries).enumerate() {
        let s = a.value.as_str();
        if matches!(mine, Entry::Skip) {
            continue;
        }
        let mut cover = None;
        for (j, (b, theirs)) in values.iter().zip(&entries).enumerate() {
            let t = b.value.as_str();
            let covered = match (mine, theirs) {
                _ if i == j => false,
                (Entry::Skip, _) | (_, Entry::Skip) => false,
                _ if s.eq_ignore_ascii_case(t) => j < i,
                (Entry::All, _) => false,
                (_, Entry::All) => true,
                (_, Entry::Concrete) => false,
                (Entry::Concrete, Entry::Pattern(_)) => action_glob(t, s),
                (Entry::Pattern(m), Entry::Pattern(th)) => {
                    !m.is_empty()
                        && m.len() <= th.len()
                        && m.iter().all(|x| th.binary_search(x).is_ok())
                        && (m.len() < th.len() || j < i)
                }
            };
            if covered {
                cover = Some(t);
                break;
            }
        }
        if let Some(t) = cover {
            let p = format!("{path}.{el}[{i}]");
            let msg = if s.eq_ignore_ascii_case(t) {
                format!("\"{s}\" is listed twice")
            } else {
                format!("\"{s}\" is already covered by \"{t}\" in the same statement")
            };
            c.push("REDUNDANT_ACTION", Severity::Suggestion, a.span, p, msg);
        }
    }
}

/// IAM action matching of a pattern against a concrete `service:Name` (spec §2.1).
fn action_glob(pattern: &str, action: &str) -> bool {
    match (pattern.split_once(':'), action.split_once(':')) {
        (Some((ps, pn)), Some((s, n))) => glob_ci(ps, s) && glob_ci(pn, n),
        _ => pattern == "*",
    }
}

fn glob_ci(pattern: &str, text: &str) -> bool {
    super::security::glob_ci(pattern, text)
}

/// Resource checks for a statement whose actions are all concrete and known.
fn resources(
    c: &mut Checks,
    st: &Statement,
    path: &str,
    known: &[(&'static Service, &'static Action)],
) {
    if st.action.negated || !matches!(st.effect.value, Effect::Allow | Effect::Deny) {
        return;
    }
    let Some(res) = &st.resource else { return };
    if res.negated || res.values.is_empty() || res.iter().any(|r| r == "*") {
        return;
    }
    // Actions that support only "Resource": "*" never match a statement naming specific ARNs.
    // `known` holds one action per entry, in order.
    for (i, (a, (_, action))) in st.action.values.iter().zip(known).enumerate() {
        if !action.supports_resource_level() {
            let p = if st.action.values.len() == 1 {
                format!("{path}.Action")
            } else {
                format!("{path}.Action[{i}]")
            };
            c.push(
                "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
                Severity::Warning,
                a.span,
                p,
                format!("{} does not support resource-level permissions: only \"Resource\": \"*\" grants it, so this statement never applies to it", action.full_name()),
            );
        }
    }
    let with_types: Vec<_> = known
        .iter()
        .filter(|(_, a)| a.supports_resource_level())
        .collect();
    if with_types.is_empty() {
        return;
    }
    for (i, r) in res.values.iter().enumerate() {
        let s = r.value.as_str();
        if s.contains("${") || !s.starts_with("arn:") {
            continue;
        }
        let mut fields = s.splitn(6, ':');
        let service_field = fields.nth(2).unwrap_or_default();
        if fields.nth(2).is_none() || has_wildcard(service_field) {
            continue; // short ARNs and wildcard services are the ARN checks' business
        }
        let matched = with_types
            .iter()
            .any(|(svc, a)| svc.resource_types_of(a).any(|rt| rt.matches_arn(s)));
        if !matched {
            let p = if res.values.len() == 1 {
                format!("{path}.Resource")
            } else {
                format!("{path}.Resource[{i}]")
            };
            let names: Vec<String> = with_types
                .iter()
                .take(4)
                .map(|(_, a)| a.full_name())
                .collect();
            let more = if with_types.len() > 4 { ", ..." } else { "" };
            c.push(
                "UNSUPPORTED_RESOURCE_ARN",
                Severity::Warning,
                r.span,
                p,
                format!(
                    "\"{s}\" matches none of the resource types of the statement's actions ({}{more}), so it grants or denies nothing",
                    names.join(", ")
                ),
            );
        }
    }
}

fn conditions(c: &mut Checks, cat: &'static Catalog, st: &Statement, path: &str) {
    for cond in &st.conditions {
        let OperatorName::Known(op) = &cond.operator.value else {
            continue;
        };
        for e in &cond.entries {
            let key = e.key.value.as_str();
            let p = || format!("{path}.Condition.{}.{key}", cond.operator.value);
            let Some((prefix, name)) = key.split_once(':') else {
                continue;
            };
            if prefix.is_empty() || name.is_empty() {
                continue; // INVALID_CONDITION_KEY_FORMAT
            }
            let lower = key.to_ascii_lowercase();
            if prefix.eq_ignore_ascii_case("aws") {
                let bare_tag = matches!(
                    lower.as_str(),
                    "aws:resourcetag" | "aws:requesttag" | "aws:principaltag"
                ) || lower.ends_with("tag/");
                if bare_tag || lower == "aws:arn" || cat.condition_key(key).is_some() {
                    continue; // typed and checked in conditions.rs
                }
                let near = near_miss(
                    key,
                    cat.global_condition_keys()
                        .iter()
                        .map(|k| k.name.split('/').next().unwrap_or(k.name)),
                );
                let (sev, msg) = match near {
                    Some(n) => (
                        Severity::Error,
                        format!("\"{key}\" is not a global condition key; did you mean \"{n}\"?"),
                    ),
                    None => (
                        Severity::Warning,
                        format!(
                            "\"{key}\" is not a global condition key this catalog knows (a newer key, or a typo)"
                        ),
                    ),
                };
                c.push("INVALID_GLOBAL_CONDITION_KEY", sev, e.key.span, p(), msg);
                continue;
            }
            let Some(k) = cat.condition_key(key) else {
                if prefix.contains(['.', '/']) {
                    continue; // OIDC/SAML provider keys (`oidc.eks...:sub`) are open-ended
                }
                let near = near_miss(key, cat.condition_keys_with_prefix(prefix).map(|k| k.name));
                let (sev, msg) = match near {
                    Some(n) => (
                        Severity::Error,
                        format!(
                            "\"{key}\" is not a condition key of {prefix}; did you mean \"{n}\"?"
                        ),
                    ),
                    None if cat.service(prefix).is_none()
                        && !cat.has_condition_key_prefix(prefix) =>
                    {
                        (
                            Severity::Warning,
                            format!(
                                "\"{prefix}\" is not a service prefix in the bundled catalog, so \"{key}\" is unknown"
                            ),
                        )
                    }
                    None => (
                        Severity::Warning,
                        format!(
                            "\"{key}\" is not in the bundled service catalog (a newer key, or a typo)"
                        ),
                    ),
                };
                c.push("INVALID_SERVICE_CONDITION_KEY", sev, e.key.span, p(), msg);
                continue;
            };
            if op.base == BaseOperator::Null {
                continue;
            }
            let t = k.key_type;
            if t.is_multi_valued() && op.qualifier.is_none() {
                c.push(
                    "MISSING_QUALIFIER",
                    Severity::Warning,
                    e.key.span,
                    p(),
                    format!("\"{key}\" is multi-valued ({t} in the service catalog): use ForAllValues:{0} or ForAnyValue:{0}", op.base),
                );
            }
            if !t.is_multi_valued() && op.qualifier == Some(SetQualifier::ForAllValues) {
                c.push(
                    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                    Severity::SecurityWarning,
                    e.key.span,
                    p(),
                    format!("ForAllValues with the single-valued key \"{key}\" ({t}) is true when the key is absent; use {} (and a Null check if needed)", op.base),
                );
            }
            let family = op.base.family();
            let compatible = match t.element() {
                ConditionKeyType::Arn => {
                    matches!(family, OperatorFamily::Arn | OperatorFamily::String)
                }
                ConditionKeyType::String => family == OperatorFamily::String,
                ConditionKeyType::Numeric => family == OperatorFamily::Numeric,
                ConditionKeyType::Date => family == OperatorFamily::Date,
                ConditionKeyType::Bool => family == OperatorFamily::Bool,
                ConditionKeyType::IpAddress => family == OperatorFamily::Ip,
                ConditionKeyType::Binary => family == OperatorFamily::Binary,
                _ => true,
            };
            if !compatible {
                c.push(
                    "TYPE_MISMATCH",
                    Severity::Warning,
                    e.key.span,
                    p(),
                    format!(
                        "\"{key}\" is of type {t}, but {} compares {family:?} values",
                        op.base
                    ),
                );
            }
        }
    }
}

/// The catalog name closest to `name` when it is a near miss (see the module docs), or `None`.
fn near_miss<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let cap = if lower.len() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let cl = cand.to_ascii_lowercase();
        if cl == lower || cl.len().abs_diff(lower.len()) > cap {
            continue;
        }
        let plural = cl.strip_suffix('s') == Some(lower.as_str())
            || lower.strip_suffix('s') == Some(cl.as_str());
        if plural {
            return None;
        }
        let d = distance(lower.as_bytes(), cl.as_bytes());
        if d <= cap && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, n)| n)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, slot) in d.iter_mut().step_by(w).enumerate() {
        *slot = i;
    }
    for (j, slot) in d.iter_mut().take(w).enumerate() {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance(b"getobject", b"getobjcet"), 1);
        assert_eq!(distance(b"abc", b"abc"), 0);
        assert_eq!(distance(b"", b"ab"), 2);
        assert_eq!(distance(b"kitten", b"sitting"), 3);
    }

    #[test]
    fn near_misses() {
        let names = ["GetObject", "PutObject", "ListBucket"];
        assert_eq!(
            near_miss("GetObjcet", names.iter().copied()),
            Some("GetObject")
        );
        assert_eq!(
            near_miss("ListBuckets", names.iter().copied()),
            None,
            "a plural is not a typo"
        );
        assert_eq!(near_miss("DescribeThings", names.iter().copied()), None);
        assert_eq!(near_miss("s4", ["s3", "sqs"].into_iter()), Some("s3"));
    }
}
