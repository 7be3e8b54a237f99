//! Canonical policy JSON through serde: fixed element order, a one-element list written as a
//! scalar, condition numbers and booleans written with their JSON type and exact text.

use super::{
    Condition, ConditionValue, Policy, Principal, PrincipalClause, Statement, ValueKind, ValueList,
};
use crate::span::Spanned;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

struct StrList<'a>(&'a [Spanned<String>]);

impl Serialize for StrList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => s.serialize_str(&one.value),
            many => {
                let mut seq = s.serialize_seq(Some(many.len()))?;
                for v in many {
                    seq.serialize_element(v.value.as_str())?;
                }
                seq.end()
            }
        }
    }
}

impl Serialize for ConditionValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.kind {
            ValueKind::String => s.serialize_str(&self.text),
            ValueKind::Bool => match self.text.as_str() {
                "true" => s.serialize_bool(true),
                "false" => s.serialize_bool(false),
                other => s.serialize_str(other),
            },
            ValueKind::Number => {
                match serde_json::value::RawValue::from_string(self.text.clone()) {
                    Ok(raw)
                        if self
                            .text
                            .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
                    {
                        raw.serialize(s)
                    }
                    _ => s.serialize_str(&self.text),
                }
            }
        }
    }
}

struct ValueListOut<'a>(&'a [ConditionValue]);
impl Serialize for ValueListOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => one.serialize(s),
            many => {
                let mut seq = s.serialize_seq(Some(many.len()))?;
                for v in many {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
    }
}

struct ConditionsOut<'a>(&'a [Condition]);
impl Serialize for ConditionsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for c in self.0 {
            map.serialize_entry(&c.operator.value.to_string(), &Entries(c))?;
        }
        map.end()
    }
}

struct Entries<'a>(&'a Condition);
impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.entries.len()))?;
        for e in &self.0.entries {
            map.serialize_entry(e.key.value.as_str(), &ValueListOut(&e.values))?;
        }
        map.end()
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Star => s.serialize_str("*"),
            Principal::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, vs) in entries {
                    map.serialize_entry(k.value.as_str(), &StrList(vs))?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid.value.as_str())?;
        }
        map.serialize_entry("Effect", self.effect.value.as_str())?;
        if let Some(PrincipalClause { negated, value, .. }) = &self.principal {
            map.serialize_entry(
                if *negated {
                    "NotPrincipal"
                } else {
                    "Principal"
                },
                value,
            )?;
        }
        let ValueList {
            negated, values, ..
        } = &self.action;
        map.serialize_entry(
            if *negated { "NotAction" } else { "Action" },
            &StrList(values),
        )?;
        if let Some(ValueList {
            negated, values, ..
        }) = &self.resource
        {
            map.serialize_entry(
                if *negated { "NotResource" } else { "Resource" },
                &StrList(values),
            )?;
        }
        if !self.conditions.is_empty() {
            map.serialize_entry("Condition", &ConditionsOut(&self.conditions))?;
        }
        map.end()
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(v) = &self.version {
            map.serialize_entry("Version", v.value.as_str())?;
        }
        if let Some(id) = &self.id {
            map.serialize_entry("Id", id.value.as_str())?;
        }
        if self.single_statement
            && let [one] = self.statements.as_slice()
        {
            map.serialize_entry("Statement", one)?;
        } else {
            map.serialize_entry("Statement", &self.statements)?;
        }
        map.end()
    }
}
