//! `Condition` blocks compiled for evaluation: one [`CompiledCondition`] per (operator, key)
//! pair, AND-ed together (spec §3.1). Each operator family lives in its own module; the set
//! qualifier / `IfExists` / missing-key rules in [`sets`].

pub(crate) mod arn;
pub(crate) mod binary;
pub(crate) mod bool;
pub(crate) mod date;
pub(crate) mod ip;
pub(crate) mod null;
pub(crate) mod numeric;
pub(crate) mod sets;
pub(crate) mod string;

use crate::glob::{Glob, VarRef};
use crate::request::Value;
use iam_model::{BaseOperator, Condition, ConditionOperator, OperatorFamily, OperatorName};
use iam_parser::values::Cidr;

/// Typed policy values of one condition key.
#[derive(Debug, Clone)]
pub(crate) enum Values {
    String(Vec<Glob>),
    Numeric(Vec<Option<numeric::Number>>),
    Date(Vec<i128>),
    Bool(Vec<Option<bool>>),
    Binary(Vec<Option<Box<[u8]>>>),
    Ip(Vec<Option<Cidr>>),
    Arn(Vec<arn::ArnPattern>),
    Null(Vec<Option<bool>>),
}

/// One operator applied to one key.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    pub(crate) op: ConditionOperator,
    /// The key as written (looked up case-insensitively).
    pub(crate) key: Box<str>,
    pub(crate) values: Values,
}

/// Compiles one operator block. Unknown operators with keys and `NullIfExists` are errors:
/// evaluating them as false would turn a Deny into a silent allow (spec §10 item 4, §3.7).
pub(crate) fn compile(cond: &Condition, variables: bool) -> Result<Vec<CompiledCondition>, String> {
    let op = match &cond.operator.value {
        OperatorName::Unknown(name) => {
            if cond.entries.is_empty() {
                // spec §10 item 5: an unknown operator with an empty map is a no-op.
                return Ok(Vec::new());
            }
            return Err(format!("unknown condition operator {name:?}"));
        }
        OperatorName::Known(op) => *op,
    };
    if op.base == BaseOperator::Null && op.if_exists {
        return Err(
            "NullIfExists is not a valid condition operator (NULL_WITH_IF_EXISTS)".to_string(),
        );
    }
    let mut out = Vec::with_capacity(cond.entries.len());
    for e in &cond.entries {
        let vals = &e.values;
        let vars = variables && op.base.accepts_variables();
        let values = match op.base.family() {
            OperatorFamily::String => Values::String(string::compile(op.base, vals, vars)?),
            OperatorFamily::Numeric => Values::Numeric(numeric::compile(vals)),
            OperatorFamily::Date => Values::Date(date::compile(vals)?),
            OperatorFamily::Bool => Values::Bool(bool::compile(vals)),
            OperatorFamily::Binary => Values::Binary(binary::compile(vals)),
            OperatorFamily::Ip => Values::Ip(ip::compile(vals)),
            OperatorFamily::Arn => Values::Arn(arn::compile(vals, vars)?),
            OperatorFamily::Null => Values::Null(null::compile(vals)),
        };
        out.push(CompiledCondition {
            op,
            key: e.key.value.as_str().into(),
            values,
        });
    }
    Ok(out)
}

impl CompiledCondition {
    /// The positive comparison of request value `r` against policy value `i`.
    fn positive<'t>(
        &'t self,
        i: usize,
        r: &str,
        resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
    ) -> bool {
        let base = self.op.base;
        match &self.values {
            Values::String(v) => v.get(i).is_some_and(|g| string::matches(g, r, resolve)),
            Values::Numeric(v) => v.get(i).is_some_and(|n| numeric::matches(base, n, r)),
            Values::Date(v) => v.get(i).is_some_and(|d| date::matches(base, *d, r)),
            Values::Bool(v) => v.get(i).is_some_and(|b| bool::matches(*b, r)),
            Values::Binary(v) => v.get(i).is_some_and(|b| binary::matches(b, r)),
            Values::Ip(v) => v.get(i).is_some_and(|c| ip::matches(c, r)),
            Values::Arn(v) => v.get(i).is_some_and(|p| arn::matches(p, r, resolve)),
            // Null's per-value test ignores the value: a present value is "not null".
            Values::Null(v) => v.get(i).is_some_and(|b| *b == Some(false)),
        }
    }

    /// The policy variables used by the values.
    pub(crate) fn vars(&self) -> Vec<&VarRef> {
        match &self.values {
            Values::String(v) => v.iter().flat_map(|g| g.vars()).collect(),
            Values::Arn(v) => v
                .iter()
                .flatten()
                .flat_map(|a| a.iter().flat_map(|g| g.vars()))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn len(&self) -> usize {
        match &self.values {
            Values::String(v) => v.len(),
            Values::Numeric(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Binary(v) => v.len(),
            Values::Ip(v) => v.len(),
            Values::Arn(v) => v.len(),
            Values::Null(v) => v.len(),
        }
    }

    /// Evaluates the condition against the request's value for its key (`None` = absent).
    pub(crate) fn evaluate<'t>(
        &'t self,
        value: Option<Value<'t>>,
        resolve: &mut dyn FnMut(&'t VarRef) -> Option<&'t str>,
    ) -> bool {
        if let (Values::Null(v), None) = (&self.values, self.op.qualifier) {
            let present = value.is_some_and(|v| !v.is_empty());
            return null::matches(v, present);
        }
        let negated = self.op.base.is_negated();
        let n = self.len();
        sets::evaluate(self.op, value, |r| {
            // spec §3.1: OR over values for positive operators, NOR for negated ones; an
            // empty value list is false for positive and true for negated operators.
            let any = (0..n).any(|i| self.positive(i, r, resolve));
            if negated { !any } else { any }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_model::{ConditionEntry, ConditionValue, Span, Spanned};

    fn cond(op: &str, key: &str, vals: &[&str]) -> Condition {
        Condition {
            operator: Spanned::from(OperatorName::parse(op)),
            entries: vec![ConditionEntry {
                key: Spanned::from(key.to_string()),
                values: vals.iter().map(|v| ConditionValue::string(*v)).collect(),
                span: Span::default(),
            }],
            span: Span::default(),
        }
    }
    fn eval(op: &str, vals: &[&str], v: Option<Value<'_>>) -> bool {
        let c = compile(&cond(op, "k", vals), true).unwrap();
        c[0].evaluate(v, &mut |_| None)
    }

    // spec §10 item 4 / §3.7: unknown operators and NullIfExists are rejected, never skipped.
    #[test]
    fn unknown_operators_are_errors() {
        assert!(compile(&cond("StringEqualz", "k", &["a"]), true).is_err());
        assert!(compile(&cond("ForAnyValue::StringEquals", "k", &["a"]), true).is_err());
        assert!(compile(&cond("NullIfExists", "k", &["true"]), true).is_err());
        let empty = Condition {
            operator: Spanned::from(OperatorName::parse("Whatever")),
            entries: vec![],
            span: Span::default(),
        };
        assert!(
            compile(&empty, true).unwrap().is_empty(),
            "spec §10 item 5: empty map is a no-op"
        );
    }

    // spec §3.1 / §10 item 23: negated operators with several values are NOR.
    #[test]
    fn negated_values_are_nor() {
        assert!(!eval("StringNotEquals", &["a", "b"], Some(Value::One("a"))));
        assert!(!eval("StringNotEquals", &["a", "b"], Some(Value::One("b"))));
        assert!(eval("StringNotEquals", &["a", "b"], Some(Value::One("c"))));
        assert!(
            eval("StringEquals", &["a", "b"], Some(Value::One("b"))),
            "positive: OR"
        );
        assert!(!eval(
            "NotIpAddress",
            &["10.0.0.0/8", "192.168.0.0/16"],
            Some(Value::One("192.168.1.1"))
        ));
    }

    // spec §3.1: empty value list — positive false, negated true; ForAllValues true only
    // when absent; ForAnyValue never; IfExists only when absent.
    #[test]
    fn empty_value_lists() {
        let one = Some(Value::One("x"));
        assert!(!eval("StringEquals", &[], one));
        assert!(eval("StringNotEquals", &[], one));
        assert!(!eval(
            "ForAllValues:StringEquals",
            &[],
            Some(Value::Many(&["x"]))
        ));
        assert!(eval("ForAllValues:StringEquals", &[], None));
        assert!(!eval(
            "ForAnyValue:StringEquals",
            &[],
            Some(Value::Many(&["x"]))
        ));
        assert!(!eval("ForAnyValue:StringEquals", &[], None));
        assert!(eval("StringEqualsIfExists", &[], None));
        assert!(!eval("StringEqualsIfExists", &[], one));
    }

    // spec §3.2 Null and §3.7: Null with qualifiers degenerates.
    #[test]
    fn null_operator() {
        assert!(eval("Null", &["true"], None));
        assert!(!eval("Null", &["true"], Some(Value::One("x"))));
        assert!(eval("Null", &["false"], Some(Value::One("x"))));
        assert!(eval("ForAllValues:Null", &["true"], None));
        assert!(!eval("ForAnyValue:Null", &["false"], None));
    }

    // spec §10 item 27: MFA key absent for long-term keys — Bool false does not fire,
    // BoolIfExists false does.
    #[test]
    fn mfa_absent() {
        assert!(!eval("Bool", &["false"], None));
        assert!(eval("BoolIfExists", &["false"], None));
        assert!(eval("Bool", &["false"], Some(Value::One("false"))));
    }

    // spec §3.3 / §10 item 28: aws:SourceIp absent (VPC endpoint): Deny NotIpAddress fires,
    // Allow IpAddress does not.
    #[test]
    fn source_ip_absent() {
        assert!(eval("NotIpAddress", &["203.0.113.0/24"], None));
        assert!(!eval("IpAddress", &["203.0.113.0/24"], None));
    }

    // spec §3.6: a request value that does not parse makes the comparison false, so negated
    // operators become true.
    #[test]
    fn unparsable_request_values() {
        assert!(!eval("NumericEquals", &["1"], Some(Value::One("one"))));
        assert!(eval("NumericNotEquals", &["1"], Some(Value::One("one"))));
        assert!(!eval(
            "DateLessThan",
            &["2030-01-01"],
            Some(Value::One("soon"))
        ));
        assert!(eval(
            "DateNotEquals",
            &["2030-01-01"],
            Some(Value::One("soon"))
        ));
        assert!(eval(
            "ArnNotLike",
            &["arn:aws:iam::*:role/x"],
            Some(Value::One("boop"))
        ));
    }
}
