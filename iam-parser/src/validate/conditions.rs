//! Condition blocks: operators, keys and typed values (spec §3, §9.2-9.5).

use super::{Checks, StPath};
use crate::finding::Severity;
use crate::values::{binary, boolean, date, ip, number};
use iam_model::{
    BaseOperator, Condition, ConditionEntry, ConditionOperator, OperatorFamily, OperatorName,
    SetQualifier, Span, Statement, ValueKind,
};

/// Multi-valued global keys (spec §3.5, §3.8).
const MULTI_VALUED: &[&str] = &[
    "aws:tagkeys",
    "aws:calledvia",
    "aws:principalorgpaths",
    "aws:resourceorgpaths",
    "aws:principalservicenameslist",
    "aws:sourceorgpaths",
    "aws:vpceorgpaths",
];

/// Global keys typed other than String (spec §3.8), lower-cased.
fn global_key_family(key: &str) -> Option<OperatorFamily> {
    Some(match key {
        "aws:securetransport"
        | "aws:viaawsservice"
        | "aws:multifactorauthpresent"
        | "aws:principalisawsservice" => OperatorFamily::Bool,
        "aws:currenttime" | "aws:tokenissuetime" => OperatorFamily::Date,
        "aws:multifactorauthage" => OperatorFamily::Numeric,
        "aws:sourceip" | "aws:vpcsourceip" | "aws:ec2instancesourceprivateipv4" => {
            OperatorFamily::Ip
        }
        "aws:principalarn" | "aws:sourcearn" | "aws:chatbotsourcearn" | "aws:sourcevpcarn" => {
            OperatorFamily::Arn
        }
        _ => return None,
    })
}

pub(super) fn check_statement(c: &mut Checks, st: &Statement, path: &StPath) {
    if st.conditions.is_empty() {
        return;
    }
    for cond in &st.conditions {
        // Paths are rendered only for a finding.
        let op_path = || format!("{path}.Condition.{}", cond.operator.value);
        let span = cond.operator.span;
        let op = match &cond.operator.value {
            OperatorName::Known(op) => *op,
            OperatorName::Unknown(name) => {
                // Unknown operator with keys: rejected by IAM and must never silently pass
                // (spec §10 items 4-6); with an empty map it is an accepted no-op.
                let (sev, tail) = if cond.entries.is_empty() {
                    (Severity::Warning, "; with no keys it has no effect")
                } else {
                    (Severity::Error, "")
                };
                c.push(
                    "INVALID_CONDITION_OPERATOR",
                    sev,
                    span,
                    op_path(),
                    format!(
                        "\"{name}\" is not a condition operator{}{tail}",
                        suggest_operator(name)
                    ),
                );
                continue;
            }
        };
        if op.base == BaseOperator::Null && op.if_exists {
            c.push(
                "NULL_WITH_IF_EXISTS",
                Severity::Error,
                span,
                op_path(),
                "the Null operator cannot take IfExists: Null already tests whether the key exists",
            );
        }
        if op.base == BaseOperator::Null && op.qualifier.is_some() {
            c.push(
                "NULL_WITH_QUALIFIER",
                Severity::Suggestion,
                span,
                op_path(),
                "Null with ForAllValues/ForAnyValue always evaluates the same way: use Null alone",
            );
        }
        if cond.entries.is_empty() {
            c.push(
                "EMPTY_OBJECT_CONDITION",
                Severity::Suggestion,
                span,
                op_path(),
                "the operator has no condition keys, so it has no effect",
            );
        }
        for (i, e) in cond.entries.iter().enumerate() {
            if let Some(prev) = cond.entries[..i]
                .iter()
                .find(|p| p.key.value.eq_ignore_ascii_case(&e.key.value))
            {
                c.push(
                    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                    Severity::Error,
                    e.key.span,
                    format!("{}.{}", op_path(), e.key.value),
                    format!(
                        "\"{}\" and \"{}\" are the same condition key (keys are case-insensitive)",
                        prev.key.value, e.key.value
                    ),
                );
            }
            check_entry(c, op, cond, e, &|| format!("{}.{}", op_path(), e.key.value));
        }
    }
}

fn suggest_operator(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if let Some(b) = BaseOperator::ALL.iter().find(|b| {
        lower.ends_with(&b.as_str().to_ascii_lowercase())
            || lower.contains(&b.as_str().to_ascii_lowercase())
    }) {
        if name.contains("::") {
            return format!(
                " (a set qualifier takes one colon: \"{}\")",
                name.replace("::", ":")
            );
        }
        return format!(
            " (operator names are case-sensitive; did you mean \"{}\"?)",
            b.as_str()
        );
    }
    String::new()
}

fn check_entry(
    c: &mut Checks,
    op: ConditionOperator,
    _cond: &Condition,
    e: &ConditionEntry,
    path: &dyn Fn() -> String,
) {
    let key = e.key.value.as_str();
    let lower = key.to_ascii_lowercase();
    let kspan = e.key.span;
    match key.split_once(':') {
        Some((p, n)) if !p.is_empty() && !n.is_empty() => {}
        _ => c.push(
            "INVALID_CONDITION_KEY_FORMAT",
            Severity::Error,
            kspan,
            path(),
            format!("\"{key}\" is not a condition key: expected \"prefix:name\" such as \"aws:SourceIp\""),
        ),
    }
    if matches!(
        lower.as_str(),
        "aws:resourcetag" | "aws:requesttag" | "aws:principaltag"
    ) || (lower.starts_with("aws:") && lower.ends_with("tag/"))
    {
        c.push(
            "MISSING_TAG_KEY_IN_CONDITION",
            Severity::Error,
            kspan,
            path(),
            format!(
                "\"{key}\" needs a tag key: \"{}/TagKey\"",
                key.trim_end_matches('/')
            ),
        );
    }
    if lower == "aws:arn" {
        c.push(
            "UNSUPPORTED_GLOBAL_CONDITION_KEY",
            Severity::Error,
            kspan,
            path(),
            "aws:ARN is not supported: use aws:PrincipalArn or aws:SourceArn",
        );
    }
    let multi = MULTI_VALUED.contains(&lower.as_str());
    if multi && op.qualifier.is_none() && op.base != BaseOperator::Null {
        c.push(
            "MISSING_QUALIFIER",
            Severity::Error,
            kspan,
            path(),
            format!(
                "\"{key}\" is multi-valued: use ForAllValues:{0} or ForAnyValue:{0}",
                op.base
            ),
        );
    }
    let single_valued_global = lower.starts_with("aws:") && !multi && !lower.ends_with('/');
    if op.qualifier == Some(SetQualifier::ForAllValues) && single_valued_global {
        c.push(
            "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
            Severity::SecurityWarning,
            kspan,
            path(),
            format!("ForAllValues with the single-valued key \"{key}\" is true when the key is absent; use {} (and a Null check if needed)", op.base),
        );
    }
    let family = op.base.family();
    if let Some(kf) = global_key_family(&lower) {
        let compatible = match kf {
            OperatorFamily::Arn => matches!(
                family,
                OperatorFamily::Arn | OperatorFamily::String | OperatorFamily::Null
            ),
            OperatorFamily::Date => matches!(family, OperatorFamily::Date | OperatorFamily::Null),
            f => f == family || family == OperatorFamily::Null,
        };
        if !compatible {
            c.push(
                "TYPE_MISMATCH",
                Severity::Warning,
                kspan,
                path(),
                format!(
                    "\"{key}\" is of type {kf:?}, but {} compares {family:?} values",
                    op.base
                ),
            );
        }
        if kf == OperatorFamily::Arn
            && matches!(
                op.base,
                BaseOperator::StringLike | BaseOperator::StringNotLike
            )
        {
            c.push(
                "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
                Severity::SecurityWarning,
                kspan,
                path(),
                format!("use ArnLike/ArnNotLike for the ARN key \"{key}\": StringLike lets '*' span ARN fields"),
            );
        }
    }

    // Values.
    if e.values.is_empty() {
        let code = match (op.qualifier, op.if_exists) {
            (Some(SetQualifier::ForAllValues), _) => "EMPTY_ARRAY_CONDITION_FORALLVALUES",
            (Some(SetQualifier::ForAnyValue), _) => "EMPTY_ARRAY_CONDITION_FORANYVALUE",
            (None, true) => "EMPTY_ARRAY_CONDITION_IFEXISTS",
            (None, false) => "EMPTY_ARRAY_CONDITION",
        };
        c.push(
            code,
            Severity::Suggestion,
            e.span,
            path(),
            "the value list is empty (spec §3.1): the condition never matches a present key",
        );
        return;
    }
    if e.values.windows(2).any(|w| w[0].kind != w[1].kind) {
        c.push(
            "INVALID_CONDITION_DATA_TYPE",
            Severity::Error,
            e.span,
            path(),
            "all values of one condition key must have the same JSON type",
        );
    }
    if family == OperatorFamily::Bool && e.values.len() > 1 {
        c.push(
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            Severity::Error,
            e.span,
            path(),
            "a Bool condition takes a single true or false value",
        );
    }
    let mut private = 0usize;
    for v in &e.values {
        let text = v.text.as_str();
        let span: Span = v.span;
        if super::has_variable(text) && !op.base.accepts_variables() {
            c.push(
                "INVALID_VARIABLE_FOR_OPERATOR",
                Severity::Error,
                span,
                path(),
                format!("policy variables are supported only with String, Arn and Bool operators, not {}", op.base),
            );
            continue;
        }
        match family {
            OperatorFamily::Numeric => {
                if number::parse_decimal(text).is_err() {
                    c.push(
                        "TYPE_MISMATCH_NUMBER",
                        Severity::Warning,
                        span,
                        path(),
                        format!("\"{text}\" is not a number"),
                    );
                }
            }
            OperatorFamily::Date => {
                if let Err(err) = date::parse_date(text) {
                    c.push(
                        "TYPE_MISMATCH_DATE",
                        Severity::Warning,
                        span,
                        path(),
                        format!("\"{text}\" is not a date IAM accepts: {err}"),
                    );
                }
            }
            OperatorFamily::Bool | OperatorFamily::Null => {
                if !super::has_variable(text) && boolean::parse_bool(text).is_none() {
                    c.push(
                        "TYPE_MISMATCH_BOOLEAN",
                        Severity::Warning,
                        span,
                        path(),
                        format!("\"{text}\" is not true or false"),
                    );
                }
            }
            OperatorFamily::Binary => {
                if binary::decode_base64(text).is_err() {
                    c.push(
                        "TYPE_MISMATCH_STRING",
                        Severity::Warning,
                        span,
                        path(),
                        format!("\"{text}\" is not base64"),
                    );
                }
            }
            OperatorFamily::Ip => match ip::parse_cidr(text) {
                Err(err) => c.push(
                    "TYPE_MISMATCH_IP_RANGE",
                    Severity::Warning,
                    span,
                    path(),
                    format!("\"{text}\" is not an IP address or CIDR range: {err}"),
                ),
                Ok(cidr) => {
                    if cidr.host_bits_set {
                        c.push(
                            "IMPROVE_IP_RANGE",
                            Severity::Suggestion,
                            span,
                            path(),
                            format!(
                                "\"{text}\" has host bits set; it means {}/{}",
                                cidr.network, cidr.prefix
                            ),
                        );
                    }
                    if cidr.is_private() {
                        private += 1;
                    }
                }
            },
            OperatorFamily::String => {
                if matches!(
                    op.base,
                    BaseOperator::StringEquals
                        | BaseOperator::StringNotEquals
                        | BaseOperator::StringEqualsIgnoreCase
                        | BaseOperator::StringNotEqualsIgnoreCase
                ) && super::contains_outside_variables(text, b'*')
                {
                    c.push(
                        "WILDCARD_WITHOUT_LIKE_OPERATOR",
                        Severity::Warning,
                        span,
                        path(),
                        format!(
                            "'*' in \"{text}\" is literal with {}; use StringLike for a wildcard",
                            op.base
                        ),
                    );
                }
                if op.base == BaseOperator::StringLike
                    && text == "*"
                    && op.qualifier.is_none()
                    && !op.if_exists
                {
                    c.push(
                        "EQUIVALENT_TO_NULL_FALSE",
                        Severity::Suggestion,
                        span,
                        path(),
                        format!("StringLike \"*\" only checks that \"{key}\" is present: write {{\"Null\": {{\"{key}\": \"false\"}}}}"),
                    );
                }
                if v.kind != ValueKind::String && lower == "aws:sourcevpc" {
                    // fallthrough to the format check below
                }
            }
            OperatorFamily::Arn => {}
        }
        if family == OperatorFamily::String
            && !text.contains(['*', '?'])
            && !super::has_variable(text)
        {
            if lower == "aws:sourcevpc" && !resource_id_ok(text, "vpc-") {
                c.push(
                    "INVALID_VPC_FORMAT",
                    Severity::Error,
                    span,
                    path(),
                    format!(
                        "\"{text}\" is not a VPC id (vpc- followed by 8 or 17 letters and digits)"
                    ),
                );
            }
            if lower == "aws:sourcevpce" && !resource_id_ok(text, "vpce-") {
                c.push("INVALID_VPCE_FORMAT", Severity::Error, span, path(), format!("\"{text}\" is not a VPC endpoint id (vpce- followed by 8 or 17 letters and digits)"));
            }
        }
    }
    if family == OperatorFamily::Ip && lower == "aws:sourceip" && private > 0 {
        let all = private == e.values.len();
        let negated = op.base.is_negated();
        let (code, sev) = match (all, negated) {
            (true, false) => ("PRIVATE_IP_ADDRESS", Severity::Error),
            (true, true) => ("PRIVATE_NOT_IP_ADDRESS", Severity::Error),
            (false, false) => ("PRIVATE_IP_ADDRESS_SUBSET", Severity::Suggestion),
            (false, true) => ("PRIVATE_NOT_IP_ADDRESS_SUBSET", Severity::Suggestion),
        };
        c.push(
            code,
            sev,
            e.span,
            path(),
            "aws:SourceIp holds public addresses only; private ranges never match (use aws:VpcSourceIp for requests through a VPC endpoint)",
        );
    }
}

fn resource_id_ok(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|id| {
        matches!(id.len(), 8 | 17) && id.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}
