//! Policies as formulas over the request, and the search for a request satisfying one.
//!
//! A request has independent *dimensions*: the action, the resource, the principal and one
//! value per condition key (absent, one value, or several). A statement becomes a formula of
//! *atoms* ("the action matches `s3:Get*`", "`aws:SourceIp` is in `10.0.0.0/8`", "the
//! principal is named by `{"AWS": "111122223333"}`") joined by AND/OR and negation pushed to
//! the atoms. [`Solver::search`] looks for an assignment of atoms that every dimension can
//! realise (a DPLL-style search with one exact decision procedure per dimension) and builds a
//! concrete request from it.
//!
//! Soundness: whatever the reasoner cannot model exactly (binary conditions, keys used with
//! several operator families, variables inside condition values, a search that grows too
//! large) becomes [`F::Unknown`], which the search treats as *true* wherever it occurs. The
//! query formulas are monotone in their atoms, so this only adds requests; an empty answer
//! is therefore still a proof that no request exists, and a request found through an unknown
//! is never reported unless the evaluator confirms it.

use super::language::{self, Pattern, Sat, Sym, Tok};
use iam_eval::Principal;
use iam_model::{
    BaseOperator, Condition, Effect, OperatorFamily, OperatorName, PolicyType, PrincipalClause,
    PrincipalKey, SetQualifier, Statement, TemplatePart, parse_template,
};
use iam_parser::values::{
    Cidr, Decimal, parse_bool, parse_cidr, parse_date, parse_decimal, parse_ip,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// A formula in negation normal form.
#[derive(Debug, Clone)]
pub(crate) enum F {
    True,
    False,
    /// Something the reasoner cannot model (index into [`Ctx::unknowns`]): taken as true.
    Unknown(u32),
    /// Atom `.0`, negated when `.1`.
    Lit(u32, bool),
    And(Vec<F>),
    Or(Vec<F>),
}

impl F {
    pub(crate) fn and(v: Vec<F>) -> F {
        let mut out = Vec::with_capacity(v.len());
        for f in v {
            match f {
                F::True => {}
                F::False => return F::False,
                F::And(inner) => out.extend(inner),
                f => out.push(f),
            }
        }
        match out.len() {
            0 => F::True,
            1 => out.pop().unwrap_or(F::True),
            _ => F::And(out),
        }
    }
    pub(crate) fn or(v: Vec<F>) -> F {
        let mut out = Vec::with_capacity(v.len());
        for f in v {
            match f {
                F::False => {}
                F::True => return F::True,
                F::Or(inner) => out.extend(inner),
                f => out.push(f),
            }
        }
        match out.len() {
            0 => F::False,
            1 => out.pop().unwrap_or(F::False),
            _ => F::Or(out),
        }
    }
    pub(crate) fn not(&self) -> F {
        match self {
            F::True => F::False,
            F::False => F::True,
            F::Unknown(r) => F::Unknown(*r),
            F::Lit(a, n) => F::Lit(*a, !n),
            F::And(v) => F::or(v.iter().map(F::not).collect()),
            F::Or(v) => F::and(v.iter().map(F::not).collect()),
        }
    }
}

/// Comparison of a numeric or date atom: request value `op` constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
    fn of(base: BaseOperator) -> Cmp {
        use BaseOperator::*;
        match base {
            NumericLessThan | DateLessThan => Cmp::Lt,
            NumericLessThanEquals | DateLessThanEquals => Cmp::Le,
            NumericGreaterThan | DateGreaterThan => Cmp::Gt,
            NumericGreaterThanEquals | DateGreaterThanEquals => Cmp::Ge,
            _ => Cmp::Eq,
        }
    }
}

/// A principal entry, as the evaluator compiles it (spec §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PEntry {
    Everyone,
    Account(String),
    Arn(String),
    UniqueId(String),
    Service(String),
    Federated(String),
    CanonicalUser,
}

/// An atom: a yes/no question about one dimension of the request.
#[derive(Debug, Clone)]
pub(crate) enum Atom {
    Action(Pattern),
    Resource(Pattern),
    /// `.1`: the `NotPrincipal` exemption instead of a `Principal` match.
    Principal(PEntry, bool),
    /// Key `.0` is present (a non-empty value).
    Present(u32),
    Str(u32, Pattern),
    Num(u32, Cmp, Decimal),
    Date(u32, Cmp, i128),
    Ip(u32, Cidr),
    /// `ForAnyValue:` over key `.0`: some value satisfies the element formula.
    SetAny(u32, F),
    /// `ForAllValues:` over key `.0`: every value satisfies the element formula.
    SetAll(u32, F),
}

/// The identity of an atom (for interning: equal atoms get one number).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum AtomKey {
    Action(Pattern),
    Resource(Pattern),
    Str(u32, Pattern),
    Other(String),
}

/// The dimension an atom speaks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Dim {
    Action,
    Resource,
    Principal,
    Key(u32),
}

impl Atom {
    fn dim(&self) -> Dim {
        match self {
            Atom::Action(_) => Dim::Action,
            Atom::Resource(_) => Dim::Resource,
            Atom::Principal(..) => Dim::Principal,
            Atom::Present(k)
            | Atom::Str(k, _)
            | Atom::Num(k, ..)
            | Atom::Date(k, ..)
            | Atom::Ip(k, _)
            | Atom::SetAny(k, _)
            | Atom::SetAll(k, _) => Dim::Key(*k),
        }
    }
}

/// How a condition key is used across the policies being compared.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyInfo {
    /// The key as first written.
    pub(crate) name: String,
    families: Vec<Family>,
    qualified: bool,
    plain: bool,
    /// Every constant written for this key (for the "outsider" values of public checks).
    pub(crate) constants: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    Str,
    Num,
    Date,
    Ip,
    Binary,
}

fn family_of(f: OperatorFamily) -> Option<Family> {
    match f {
        OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool => Some(Family::Str),
        OperatorFamily::Numeric => Some(Family::Num),
        OperatorFamily::Date => Some(Family::Date),
        OperatorFamily::Ip => Some(Family::Ip),
        OperatorFamily::Binary => Some(Family::Binary),
        OperatorFamily::Null => None,
    }
}

impl KeyInfo {
    /// Why the key cannot be modelled, if it cannot.
    fn unmodelable(&self) -> Option<String> {
        if self.families.contains(&Family::Binary) {
            return Some(format!(
                "condition key {} is compared with BinaryEquals, which the reasoner does not model",
                self.name
            ));
        }
        if self.families.len() > 1 {
            return Some(format!(
                "condition key {} is compared with operators of several types",
                self.name
            ));
        }
        if self.qualified && self.plain {
            return Some(format!(
                "condition key {} is used both with and without ForAnyValue/ForAllValues",
                self.name
            ));
        }
        None
    }
    pub(crate) fn family(&self) -> Family {
        self.families.first().copied().unwrap_or(Family::Str)
    }
}

/// Atoms, keys, variables and unknowns of one check.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub(crate) atoms: Vec<Atom>,
    intern: HashMap<AtomKey, u32>,
    pub(crate) keys: Vec<KeyInfo>,
    key_ids: HashMap<String, u32>,
    /// Variable symbols: (key, default).
    pub(crate) vars: Vec<(String, Option<String>)>,
    pub(crate) unknowns: Vec<String>,
    /// Principal entries seen (to build candidate principals).
    pub(crate) entries: Vec<PEntry>,
    pub(crate) any_not_principal: bool,
}

impl Ctx {
    pub(crate) fn atom(&mut self, a: Atom) -> u32 {
        let key = match &a {
            Atom::Action(p) => AtomKey::Action(p.clone()),
            Atom::Resource(p) => AtomKey::Resource(p.clone()),
            Atom::Str(k, p) => AtomKey::Str(*k, p.clone()),
            other => AtomKey::Other(format!("{other:?}")),
        };
        if let Some(id) = self.intern.get(&key) {
            return *id;
        }
        let id = self.atoms.len() as u32;
        self.atoms.push(a);
        self.intern.insert(key, id);
        id
    }
    pub(crate) fn lit(&mut self, a: Atom) -> F {
        F::Lit(self.atom(a), false)
    }
    pub(crate) fn unknown(&mut self, why: String) -> F {
        if let Some(i) = self.unknowns.iter().position(|u| *u == why) {
            return F::Unknown(i as u32);
        }
        self.unknowns.push(why);
        F::Unknown(self.unknowns.len() as u32 - 1)
    }
    pub(crate) fn key(&mut self, name: &str) -> u32 {
        let lower = name.to_ascii_lowercase();
        if let Some(k) = self.key_ids.get(&lower) {
            return *k;
        }
        let k = self.keys.len() as u32;
        self.keys.push(KeyInfo {
            name: name.to_string(),
            ..KeyInfo::default()
        });
        self.key_ids.insert(lower, k);
        k
    }
    pub(crate) fn key_id(&self, name: &str) -> Option<u32> {
        self.key_ids.get(&name.to_ascii_lowercase()).copied()
    }
    fn var(&mut self, key: &str, default: Option<&str>) -> u16 {
        let v = (key.to_ascii_lowercase(), default.map(str::to_string));
        if let Some(i) = self.vars.iter().position(|x| *x == v) {
            return i as u16;
        }
        self.vars.push(v);
        (self.vars.len() - 1) as u16
    }

    /// First pass over a policy: how each condition key is used, and the principal entries.
    pub(crate) fn survey(&mut self, statements: &[Statement]) {
        for st in statements {
            if let Some(pc) = &st.principal {
                self.any_not_principal |= pc.negated;
                for e in principal_entries(pc) {
                    if !self.entries.contains(&e) {
                        self.entries.push(e);
                    }
                }
            }
            for c in &st.conditions {
                let Some(op) = c.operator.value.known() else {
                    continue;
                };
                for e in &c.entries {
                    let k = self.key(&e.key.value);
                    let Some(info) = self.keys.get_mut(k as usize) else {
                        continue;
                    };
                    if let Some(fam) = family_of(op.base.family()) {
                        if !info.families.contains(&fam) {
                            info.families.push(fam);
                        }
                        if op.qualifier.is_some() {
                            info.qualified = true;
                        } else {
                            info.plain = true;
                        }
                    }
                    for v in &e.values {
                        if !info.constants.contains(&v.text) {
                            info.constants.push(v.text.clone());
                        }
                    }
                }
            }
        }
    }

    /// A statement as a formula over the request.
    pub(crate) fn statement(&mut self, st: &Statement, ptype: PolicyType, vars_on: bool) -> F {
        let mut parts = Vec::new();
        // Action / NotAction (spec §2.1).
        let acts: Vec<F> = st
            .action
            .values
            .iter()
            .map(|a| self.action(&a.value))
            .collect();
        parts.push(if st.action.negated {
            F::and(acts.iter().map(F::not).collect())
        } else {
            F::or(acts)
        });
        // Resource / NotResource (spec §2.2).
        if let Some(res) = &st.resource {
            let rs: Vec<F> = res
                .values
                .iter()
                .map(|r| self.resource(&r.value, ptype, vars_on))
                .collect();
            parts.push(if res.negated {
                F::and(rs.iter().map(F::not).collect())
            } else {
                F::or(rs)
            });
        }
        // Principal / NotPrincipal (spec §2.3, §5.9).
        if let Some(pc) = &st.principal {
            let entries = principal_entries(pc);
            let f = if pc.negated {
                F::and(
                    entries
                        .into_iter()
                        .map(|e| self.lit(Atom::Principal(e, true)).not())
                        .collect(),
                )
            } else {
                F::or(
                    entries
                        .into_iter()
                        .map(|e| self.lit(Atom::Principal(e, false)))
                        .collect(),
                )
            };
            parts.push(f);
        }
        for c in &st.conditions {
            parts.push(self.condition(c, vars_on));
        }
        F::and(parts)
    }

    /// An action pattern (spec §2.1): `*`, or `service:name` globs, case-insensitive; the
    /// service part never spans `:`.
    pub(crate) fn action(&mut self, text: &str) -> F {
        if text == "*" {
            return F::True;
        }
        let Some((svc, name)) = text.split_once(':') else {
            return F::False; // the evaluator's `Never`
        };
        let mut p = Pattern::default();
        p.push_wild(svc, true, false);
        p.push_literal(":", true);
        p.push_wild(name, true, true);
        self.lit(Atom::Action(p))
    }

    /// A resource pattern, segment by segment as the evaluator compiles it (spec §2.2).
    pub(crate) fn resource(&mut self, text: &str, ptype: PolicyType, vars_on: bool) -> F {
        if text == "*" {
            return F::True;
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.get(2).is_some_and(|s| s.contains(['*', '?'])) {
            return F::False;
        }
        let mut segs = parts.clone();
        if parts.len() < 6 {
            match ptype {
                PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session => {}
                PolicyType::Resource | PolicyType::Trust | PolicyType::VpcEndpoint => {
                    if !text.contains('*') {
                        return F::False;
                    }
                }
                PolicyType::Scp | PolicyType::Rcp => {
                    return self.unknown(format!(
                        "resource {text:?} is not an ARN this policy type accepts"
                    ));
                }
            }
            segs.resize(6, "*");
        }
        let mut p = Pattern::default();
        for (i, seg) in segs.iter().enumerate() {
            if i < 5 {
                p.push_wild(seg, false, false);
                p.push_literal(":", false);
            } else if vars_on && seg.contains("${") {
                match parse_template(seg) {
                    Ok(t) => {
                        for part in &t.parts {
                            match part {
                                TemplatePart::Text(s) => p.push_wild(s, false, true),
                                TemplatePart::Escaped(c) => {
                                    p.push_literal(c.encode_utf8(&mut [0u8; 4]), false)
                                }
                                TemplatePart::Variable { key, default } => {
                                    let n = self.var(key, default.as_deref());
                                    p.push_var(n);
                                }
                            }
                        }
                    }
                    Err(e) => {
                        return self.unknown(format!("resource {text:?}: {e}"));
                    }
                }
            } else {
                p.push_wild(seg, false, true);
            }
        }
        self.lit(Atom::Resource(p))
    }

    /// One operator block: its keys AND-ed (spec §3.1).
    fn condition(&mut self, c: &Condition, vars_on: bool) -> F {
        let op = match &c.operator.value {
            OperatorName::Known(op) => *op,
            OperatorName::Unknown(name) => {
                if c.entries.is_empty() {
                    return F::True;
                }
                return self.unknown(format!("unknown condition operator {name}"));
            }
        };
        let mut parts = Vec::new();
        for e in &c.entries {
            let k = self.key(&e.key.value);
            if let Some(why) = self.keys.get(k as usize).and_then(KeyInfo::unmodelable) {
                parts.push(self.unknown(why));
                continue;
            }
            let texts: Vec<&str> = e.values.iter().map(|v| v.text.as_str()).collect();
            if op.base == BaseOperator::Null && op.qualifier.is_none() {
                // Null: true iff absent for "true", present for "false"; values OR-ed.
                let present = self.lit(Atom::Present(k));
                let fs = texts
                    .iter()
                    .map(|t| match parse_bool(t) {
                        Some(true) => present.not(),
                        Some(false) => present.clone(),
                        None => F::False,
                    })
                    .collect();
                parts.push(F::or(fs));
                continue;
            }
            // The element formula: the value-list rule (OR for positive operators, NOR for
            // negated ones; spec §3.1).
            let mut vals = Vec::with_capacity(texts.len());
            for t in &texts {
                vals.push(self.value_atom(k, op.base, t, vars_on, &e.key.value));
            }
            let elem = if op.base.is_negated() {
                F::and(vals.iter().map(F::not).collect())
            } else {
                F::or(vals)
            };
            let f = match op.qualifier {
                // Spec §3.5; `…IfExists` changes nothing for set operators (§3.4).
                Some(SetQualifier::ForAnyValue) => self.lit(Atom::SetAny(k, elem)),
                Some(SetQualifier::ForAllValues) => self.lit(Atom::SetAll(k, elem)),
                None => {
                    // Value atoms are false when the key is absent; negated operators are
                    // therefore true on absence, positive ones false unless IfExists (§3.3).
                    if op.if_exists && !op.base.is_negated() {
                        F::or(vec![self.lit(Atom::Present(k)).not(), elem])
                    } else {
                        elem
                    }
                }
            };
            parts.push(f);
        }
        F::and(parts)
    }

    /// "The value matches `text`" for the positive form of `base`.
    fn value_atom(
        &mut self,
        k: u32,
        base: BaseOperator,
        text: &str,
        vars_on: bool,
        key: &str,
    ) -> F {
        use BaseOperator::*;
        match base.family() {
            OperatorFamily::String => {
                if vars_on && base.accepts_variables() && text.contains("${") {
                    return self.unknown(format!(
                        "the value {text:?} of {key} holds a policy variable"
                    ));
                }
                let mut p = Pattern::default();
                match base {
                    StringLike | StringNotLike => p.push_wild(text, false, true),
                    StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                        p.push_literal(text, true)
                    }
                    _ => p.push_literal(text, false),
                }
                self.lit(Atom::Str(k, p))
            }
            OperatorFamily::Arn => {
                if vars_on && text.contains("${") {
                    return self.unknown(format!(
                        "the value {text:?} of {key} holds a policy variable"
                    ));
                }
                let segs: Vec<&str> = text.splitn(6, ':').collect();
                if segs.len() < 6 {
                    return F::False; // not an ARN pattern: never matches (evaluator)
                }
                let mut p = Pattern::default();
                for (i, seg) in segs.iter().enumerate() {
                    if i < 5 {
                        p.push_wild(seg, false, false);
                        p.push_literal(":", false);
                    } else {
                        p.push_wild(seg, false, true);
                    }
                }
                self.lit(Atom::Str(k, p))
            }
            OperatorFamily::Bool => match parse_bool(text) {
                Some(b) => {
                    let mut p = Pattern::default();
                    p.push_literal(if b { "true" } else { "false" }, true);
                    self.lit(Atom::Str(k, p))
                }
                None => F::False,
            },
            OperatorFamily::Numeric => match parse_decimal(text) {
                Ok(d) => self.lit(Atom::Num(k, Cmp::of(base), d)),
                Err(_) => F::False,
            },
            OperatorFamily::Date => match parse_date(text) {
                Ok(d) => self.lit(Atom::Date(k, Cmp::of(base), d)),
                Err(e) => self.unknown(format!("invalid date {text:?} for {key}: {}", e.message)),
            },
            OperatorFamily::Ip => match parse_cidr(text) {
                Ok(c) => self.lit(Atom::Ip(k, c)),
                Err(_) => F::False,
            },
            OperatorFamily::Null => {
                // Null under a set qualifier: the element test is "Null false" (spec §3.7).
                if parse_bool(text) == Some(false) {
                    F::True
                } else {
                    F::False
                }
            }
            OperatorFamily::Binary => self.unknown(format!(
                "condition key {key} is compared with BinaryEquals, which the reasoner does not model"
            )),
        }
    }
}

/// The entries of a `Principal`/`NotPrincipal` element, as the evaluator compiles them.
pub(crate) fn principal_entries(pc: &PrincipalClause) -> Vec<PEntry> {
    if matches!(pc.value, iam_model::Principal::Star) {
        return vec![PEntry::Everyone];
    }
    pc.value
        .entries()
        .map(|(k, v)| match k {
            PrincipalKey::Aws if v == "*" => PEntry::Everyone,
            PrincipalKey::Aws if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) => {
                PEntry::Account(v.to_string())
            }
            PrincipalKey::Aws => match account_of_root_arn(v) {
                Some(a) => PEntry::Account(a.to_string()),
                None if v.starts_with("arn:") => PEntry::Arn(v.to_string()),
                None => PEntry::UniqueId(v.to_string()),
            },
            PrincipalKey::Service => PEntry::Service(v.to_string()),
            PrincipalKey::Federated => PEntry::Federated(v.to_string()),
            PrincipalKey::CanonicalUser => PEntry::CanonicalUser,
        })
        .collect()
}

fn account_of_root_arn(s: &str) -> Option<&str> {
    let r = s.strip_prefix("arn:")?;
    let (_, rest) = r.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let acct = rest.strip_suffix(":root")?;
    (!acct.contains(':')).then_some(acct)
}

/// Does `e` name `p` (a `Principal` entry), mirroring the evaluator's match strengths.
pub(crate) fn entry_matches(e: &PEntry, p: &Principal) -> bool {
    use iam_eval::PrincipalKind as K;
    let kind = p.kind();
    let signed_iam = matches!(kind, K::Root | K::User | K::RoleSession | K::FederatedUser);
    match e {
        PEntry::Everyone => true,
        PEntry::Account(a) => signed_iam && a == p.account(),
        PEntry::Arn(a) => {
            (signed_iam && kind != K::Root && a == p.arn())
                || p.role_arn() == Some(a.as_str())
                || p.federating_user_arn() == Some(a.as_str())
        }
        PEntry::UniqueId(id) => {
            matches!(kind, K::User | K::RoleSession) && p.unique_id() == Some(id.as_str())
        }
        PEntry::Service(s) => {
            kind == K::Service && p.service_name().is_some_and(|n| n.eq_ignore_ascii_case(s))
        }
        PEntry::Federated(f) => p.federated_provider() == Some(f.as_str()),
        PEntry::CanonicalUser => false,
    }
}

/// Is `p` exempt from a `NotPrincipal` naming `e` (spec §5.9).
pub(crate) fn entry_exempts(e: &PEntry, p: &Principal) -> bool {
    use iam_eval::PrincipalKind as K;
    if p.has_permissions_boundary() {
        return false;
    }
    match e {
        PEntry::Everyone => true,
        PEntry::Account(a) => p.kind() == K::Root && a == p.account(),
        PEntry::Arn(a) => !p.arn().is_empty() && a == p.arn(),
        PEntry::UniqueId(id) => p.kind() == K::User && p.unique_id() == Some(id.as_str()),
        PEntry::Service(s) => p.service_name().is_some_and(|n| n.eq_ignore_ascii_case(s)),
        PEntry::Federated(_) | PEntry::CanonicalUser => false,
    }
}

/// What one dimension looks like in a found request.
#[derive(Debug, Clone)]
pub(crate) enum Model {
    /// A string (action or resource), possibly with variable symbols.
    Str(Vec<Sym>),
    /// Candidate principal number.
    Principal(usize),
    /// The key is absent.
    Absent,
    /// The key has one value.
    One(String),
    /// The key has several values (`junk`: values no plain operator compares).
    Many(Vec<String>),
    /// The dimension could not be decided; no concrete value.
    Unknown,
}

/// Result of a dimension check.
#[derive(Debug, Clone)]
enum DimSat {
    Yes(Model),
    No,
    Unknown(String),
}

/// The outcome of a search.
#[derive(Debug)]
pub(crate) enum Found {
    /// No request satisfies the formula.
    None,
    /// Requests were found; `confirmed` is the first the caller accepted, `unknowns` the
    /// reasons the other found requests may not be real.
    Some {
        confirmed: Option<BTreeMap<Dim, Model>>,
        unknowns: Vec<String>,
    },
    /// The search grew beyond its budget.
    Budget,
}

/// Searches for requests satisfying a formula.
pub(crate) struct Solver<'c> {
    pub(crate) ctx: &'c Ctx,
    pub(crate) principals: &'c [Principal],
    /// Per atom: 0 unassigned, 1 true, 2 false.
    val: Vec<u8>,
    /// The literals chosen per dimension (a stack).
    lits: Assign,
    /// Dimensions in the order literals were pushed (undone on backtracking).
    trail: Vec<Dim>,
    /// Per dimension, a unique stamp per negative literal on its stack: the stamp of the
    /// top one identifies the whole set of negative literals below it.
    neg_stamps: BTreeMap<Dim, Vec<u64>>,
    next_stamp: u64,
    /// Heads of the `prefix*` negative patterns of the last large literal set, by its stamp.
    heads: Option<(Dim, u64, HashSet<Vec<Tok>>)>,
    nodes: usize,
    cache: HashMap<(Dim, Vec<(u32, bool)>), DimSat>,
    unknowns_seen: Vec<String>,
    models_tried: usize,
}

/// The literals chosen per dimension.
pub(crate) type Assign = BTreeMap<Dim, Vec<(u32, bool)>>;

/// Maximum search nodes per query.
const NODE_LIMIT: usize = 200_000;
/// Maximum candidate requests offered to the caller per query.
const MODEL_LIMIT: usize = 24;

enum Step {
    Continue,
    Stop,
    Budget,
}

impl<'c> Solver<'c> {
    pub(crate) fn new(ctx: &'c Ctx, principals: &'c [Principal]) -> Solver<'c> {
        Solver {
            ctx,
            principals,
            val: vec![0; ctx.atoms.len()],
            lits: Assign::new(),
            trail: Vec::new(),
            neg_stamps: BTreeMap::new(),
            next_stamp: 0,
            heads: None,
            nodes: 0,
            cache: HashMap::new(),
            unknowns_seen: Vec::new(),
            models_tried: 0,
        }
    }

    /// Searches `goal`; `accept` is offered each found request and says whether it is real.
    pub(crate) fn search(
        &mut self,
        goal: &F,
        accept: &mut dyn FnMut(&BTreeMap<Dim, Model>, &Assign) -> bool,
    ) -> Found {
        let mut confirmed = None;
        let mut any = false;
        let mut on_model = |m: &BTreeMap<Dim, Model>, a: &Assign| {
            any = true;
            if accept(m, a) {
                confirmed = Some(m.clone());
                true
            } else {
                false
            }
        };
        let step = self.go(vec![goal], BTreeMap::new(), &mut on_model);
        if let Step::Budget = step {
            if confirmed.is_none() {
                return Found::Budget;
            }
        }
        if !any {
            return Found::None;
        }
        Found::Some {
            confirmed,
            unknowns: std::mem::take(&mut self.unknowns_seen),
        }
    }

    fn undo(&mut self, mark: usize) {
        while self.trail.len() > mark {
            let Some(d) = self.trail.pop() else { break };
            if let Some((a, neg)) = self.lits.get_mut(&d).and_then(Vec::pop) {
                if let Some(v) = self.val.get_mut(a as usize) {
                    *v = 0;
                }
                if neg && let Some(st) = self.neg_stamps.get_mut(&d) {
                    st.pop();
                }
            }
        }
    }

    fn go<'f>(
        &mut self,
        pending: Vec<&'f F>,
        models: BTreeMap<Dim, Model>,
        on_model: &mut dyn FnMut(&BTreeMap<Dim, Model>, &Assign) -> bool,
    ) -> Step {
        let mark = self.trail.len();
        let r = self.go_inner(pending, models, on_model);
        self.undo(mark);
        r
    }

    fn go_inner<'f>(
        &mut self,
        mut pending: Vec<&'f F>,
        mut models: BTreeMap<Dim, Model>,
        on_model: &mut dyn FnMut(&BTreeMap<Dim, Model>, &Assign) -> bool,
    ) -> Step {
        self.nodes += 1;
        if self.nodes > NODE_LIMIT {
            return Step::Budget;
        }
        let mut ors: Vec<&'f F> = Vec::new();
        let mut dirty: Vec<Dim> = Vec::new();
        while let Some(f) = pending.pop() {
            match f {
                F::True => {}
                F::False => return Step::Continue,
                F::Unknown(r) => self.note_unknown(*r),
                F::Lit(a, n) => {
                    let Some(atom) = self.ctx.atoms.get(*a as usize) else {
                        continue;
                    };
                    let want = if *n { 2 } else { 1 };
                    match self.val.get(*a as usize).copied() {
                        Some(0) => {}
                        Some(v) if v == want => continue,
                        _ => return Step::Continue,
                    }
                    if let Some(v) = self.val.get_mut(*a as usize) {
                        *v = want;
                    }
                    let d = atom.dim();
                    self.lits.entry(d).or_default().push((*a, *n));
                    if *n {
                        self.next_stamp += 1;
                        self.neg_stamps.entry(d).or_default().push(self.next_stamp);
                    }
                    self.trail.push(d);
                    if !dirty.contains(&d) {
                        dirty.push(d);
                    }
                }
                F::And(v) => pending.extend(v.iter()),
                F::Or(_) => ors.push(f),
            }
        }
        for d in dirty {
            match self.check(d) {
                DimSat::No => return Step::Continue,
                DimSat::Yes(m) => {
                    models.insert(d, m);
                }
                DimSat::Unknown(why) => {
                    if !self.unknowns_seen.contains(&why) {
                        self.unknowns_seen.push(why);
                    }
                    models.insert(d, Model::Unknown);
                }
            }
        }
        // Drop disjunctions already satisfied; pick the one with the fewest live children.
        let mut best: Option<(usize, Vec<&'f F>)> = None;
        let mut rest: Vec<&'f F> = Vec::new();
        for (i, or) in ors.iter().enumerate() {
            let F::Or(kids) = or else { continue };
            let mut live: Vec<&'f F> = Vec::new();
            let mut satisfied = false;
            for c in kids.iter() {
                match c {
                    F::True => satisfied = true,
                    F::False => {}
                    F::Lit(a, n) => {
                        let want = if *n { 2 } else { 1 };
                        match self.val.get(*a as usize).copied() {
                            Some(0) => live.push(c),
                            Some(v) if v == want => satisfied = true,
                            _ => {}
                        }
                    }
                    c => live.push(c),
                }
                if satisfied {
                    break;
                }
            }
            if satisfied {
                continue;
            }
            if live.is_empty() {
                return Step::Continue;
            }
            let better = best.as_ref().is_none_or(|(_, b)| live.len() < b.len());
            if better {
                if let Some((j, _)) = best.take()
                    && let Some(o) = ors.get(j)
                {
                    rest.push(*o);
                }
                best = Some((i, live));
            } else {
                rest.push(or);
            }
        }
        let Some((_, children)) = best else {
            // Every dimension is consistent: a request.
            self.models_tried += 1;
            if on_model(&models, &self.lits) || self.models_tried >= MODEL_LIMIT {
                return Step::Stop;
            }
            return Step::Continue;
        };
        for c in children {
            let mut p: Vec<&'f F> = rest.clone();
            p.push(c);
            let r = self.go(p, models.clone(), on_model);
            match r {
                Step::Continue => {}
                other => return other,
            }
        }
        Step::Continue
    }

    fn note_unknown(&mut self, r: u32) {
        if let Some(why) = self.ctx.unknowns.get(r as usize)
            && !self.unknowns_seen.contains(why)
        {
            self.unknowns_seen.push(why.clone());
        }
    }

    fn check(&mut self, d: Dim) -> DimSat {
        let lits: Vec<(u32, bool)> = self
            .lits
            .get_mut(&d)
            .map(std::mem::take)
            .unwrap_or_default();
        let r = self.check_lits(d, &lits);
        if let Some(slot) = self.lits.get_mut(&d) {
            *slot = lits;
        }
        r
    }

    fn check_lits(&mut self, d: Dim, lits: &[(u32, bool)]) -> DimSat {
        let cacheable = lits.len() <= 48;
        let key = if cacheable {
            let mut k = lits.to_vec();
            k.sort_unstable();
            if let Some(r) = self.cache.get(&(d, k.clone())) {
                return r.clone();
            }
            Some(k)
        } else {
            None
        };
        let r = match d {
            Dim::Action | Dim::Resource => self.check_str_dim_at(Some(d), lits),
            Dim::Principal => self.check_principal(lits),
            Dim::Key(k) => self.check_key(k, lits),
        };
        if let Some(k) = key {
            self.cache.insert((d, k), r.clone());
        }
        r
    }

    fn pattern(&self, a: u32) -> Option<&'c Pattern> {
        match self.ctx.atoms.get(a as usize)? {
            Atom::Action(p) | Atom::Resource(p) | Atom::Str(_, p) => Some(p),
            _ => None,
        }
    }

    fn check_str_dim(&mut self, lits: &[(u32, bool)]) -> DimSat {
        self.check_str_dim_at(None, lits)
    }

    /// Patterns of one string dimension. With many negative patterns (a large policy), a
    /// positive pattern inside a negative `prefix*` is found through an index of the heads.
    fn check_str_dim_at(&mut self, d: Option<Dim>, lits: &[(u32, bool)]) -> DimSat {
        let pos: Vec<&Pattern> = lits
            .iter()
            .filter(|l| !l.1)
            .filter_map(|l| self.pattern(l.0))
            .collect();
        let n_neg = lits.iter().filter(|l| l.1).count();
        if let Some(d) = d
            && n_neg > 64
            && !pos.is_empty()
        {
            let stamp = self
                .neg_stamps
                .get(&d)
                .and_then(|s| s.last())
                .copied()
                .unwrap_or(0);
            if !matches!(&self.heads, Some((hd, hs, _)) if *hd == d && *hs == stamp) {
                let heads: HashSet<Vec<Tok>> = lits
                    .iter()
                    .filter(|l| l.1)
                    .filter_map(|l| self.pattern(l.0))
                    .filter_map(|p| prefix_head(p).map(<[Tok]>::to_vec))
                    .collect();
                self.heads = Some((d, stamp, heads));
            }
            if let Some((_, _, heads)) = &self.heads
                && pos.iter().any(|p| {
                    (0..=p.toks.len()).any(|n| {
                        p.toks.get(..n).is_some_and(|h| {
                            !h.iter()
                                .any(|t| matches!(t, Tok::Star { .. } | Tok::One { .. }))
                                && heads.contains(h)
                        })
                    })
                })
            {
                return DimSat::No;
            }
        }
        let neg_ids: Vec<u32> = lits.iter().filter(|l| l.1).map(|l| l.0).collect();
        let neg: Vec<&Pattern> = neg_ids.iter().filter_map(|a| self.pattern(*a)).collect();
        match language::solve(&pos, &neg) {
            Sat::Yes(s) => DimSat::Yes(Model::Str(s)),
            Sat::No => DimSat::No,
            Sat::Unknown(w) => DimSat::Unknown(w),
        }
    }

    fn check_principal(&mut self, lits: &[(u32, bool)]) -> DimSat {
        for (i, p) in self.principals.iter().enumerate() {
            let ok = lits.iter().all(|(a, neg)| {
                let v = match self.ctx.atoms.get(*a as usize) {
                    Some(Atom::Principal(e, false)) => entry_matches(e, p),
                    Some(Atom::Principal(e, true)) => entry_exempts(e, p),
                    _ => true,
                };
                v != *neg
            });
            if ok {
                return DimSat::Yes(Model::Principal(i));
            }
        }
        DimSat::No
    }

    /// One condition key: absent, one value, or several (spec §3.3, §3.5).
    fn check_key(&mut self, k: u32, lits: &[(u32, bool)]) -> DimSat {
        let Some(info) = self.ctx.keys.get(k as usize) else {
            return DimSat::Unknown("internal: unknown key".to_string());
        };
        let fam = info.family();
        let mut present: Option<bool> = None;
        let mut vals: Vec<(u32, bool)> = Vec::new();
        let mut exists: Vec<F> = Vec::new();
        let mut forall: Vec<F> = Vec::new();
        for (a, neg) in lits {
            match self.ctx.atoms.get(*a as usize) {
                Some(Atom::Present(_)) => {
                    if present == Some(*neg) {
                        return DimSat::No;
                    }
                    present = Some(!neg);
                }
                Some(Atom::SetAny(_, f)) => {
                    if *neg {
                        forall.push(f.not());
                    } else {
                        exists.push(f.clone());
                    }
                }
                Some(Atom::SetAll(_, f)) => {
                    if *neg {
                        exists.push(f.not());
                    } else {
                        forall.push(f.clone());
                    }
                }
                Some(_) => vals.push((*a, *neg)),
                None => {}
            }
        }
        if !exists.is_empty() || !forall.is_empty() {
            // A set of values: each required element must exist under every ∀ constraint.
            if present == Some(false) {
                return if exists.is_empty() {
                    DimSat::Yes(Model::Absent)
                } else {
                    DimSat::No
                };
            }
            if exists.is_empty() && present != Some(true) {
                return DimSat::Yes(Model::Absent);
            }
            let mut goals = exists;
            if goals.is_empty() {
                goals.push(F::True);
            }
            let mut out = Vec::new();
            for e in goals {
                let mut all = forall.clone();
                all.push(e);
                match self.solve_elem(k, fam, F::and(all)) {
                    DimSat::Yes(Model::One(v)) => out.push(v),
                    DimSat::Yes(_) => out.push(junk(fam)),
                    DimSat::No => return DimSat::No,
                    DimSat::Unknown(w) => return DimSat::Unknown(w),
                }
            }
            return DimSat::Yes(Model::Many(out));
        }
        let has_pos = vals.iter().any(|v| !v.1);
        if !has_pos && present != Some(true) {
            // Absent satisfies every literal; a value of its own is preferred for the example
            // request, since the evaluator derives some keys (aws:PrincipalAccount, …) from the
            // caller when the request leaves them out.
            if present.is_none()
                && let DimSat::Yes(m @ Model::One(_)) = self.one_value(fam, &vals)
            {
                return DimSat::Yes(m);
            }
            return DimSat::Yes(Model::Absent);
        }
        if present == Some(false) {
            return DimSat::No;
        }
        match self.one_value(fam, &vals) {
            DimSat::Yes(m) => DimSat::Yes(m),
            other => {
                if !has_pos {
                    // Several values: no plain operator compares them (spec §3.5).
                    DimSat::Yes(Model::Many(vec![junk(fam), format!("{}2", junk(fam))]))
                } else {
                    other
                }
            }
        }
    }

    /// One value satisfying value literals of one family.
    fn one_value(&mut self, fam: Family, vals: &[(u32, bool)]) -> DimSat {
        match fam {
            Family::Str => match self.check_str_dim(vals) {
                DimSat::Yes(Model::Str(s)) => {
                    DimSat::Yes(Model::One(language::render(&s, &|_| String::new())))
                }
                other => other,
            },
            Family::Num => {
                let cs: Vec<(Cmp, &Decimal, bool)> = vals
                    .iter()
                    .filter_map(|(a, n)| match self.ctx.atoms.get(*a as usize) {
                        Some(Atom::Num(_, c, d)) => Some((*c, d, *n)),
                        _ => None,
                    })
                    .collect();
                numeric_value(&cs)
            }
            Family::Date => {
                let cs: Vec<(Cmp, i128, bool)> = vals
                    .iter()
                    .filter_map(|(a, n)| match self.ctx.atoms.get(*a as usize) {
                        Some(Atom::Date(_, c, d)) => Some((*c, *d, *n)),
                        _ => None,
                    })
                    .collect();
                date_value(&cs)
            }
            Family::Ip => {
                let cs: Vec<(&Cidr, bool)> = vals
                    .iter()
                    .filter_map(|(a, n)| match self.ctx.atoms.get(*a as usize) {
                        Some(Atom::Ip(_, c)) => Some((c, *n)),
                        _ => None,
                    })
                    .collect();
                ip_value(&cs)
            }
            Family::Binary => DimSat::Unknown("BinaryEquals is not modelled".to_string()),
        }
    }

    /// One element of a multi-valued key satisfying `f` (a formula over value atoms).
    fn solve_elem(&mut self, k: u32, fam: Family, f: F) -> DimSat {
        let mut found: Option<DimSat> = None;
        let mut unknown: Option<String> = None;
        self.elem_dfs(k, fam, vec![&f], Vec::new(), &mut found, &mut unknown);
        match (found, unknown) {
            (Some(s), _) => s,
            (None, Some(w)) => DimSat::Unknown(w),
            (None, None) => DimSat::No,
        }
    }

    fn elem_dfs<'f>(
        &mut self,
        k: u32,
        fam: Family,
        mut pending: Vec<&'f F>,
        mut lits: Vec<(u32, bool)>,
        found: &mut Option<DimSat>,
        unknown: &mut Option<String>,
    ) {
        if found.is_some() {
            return;
        }
        self.nodes += 1;
        if self.nodes > NODE_LIMIT {
            *unknown = Some("the search grew too large".to_string());
            return;
        }
        let mut ors: Vec<&'f F> = Vec::new();
        while let Some(f) = pending.pop() {
            match f {
                F::True => {}
                F::False => return,
                F::Unknown(r) => {
                    if let Some(w) = self.ctx.unknowns.get(*r as usize) {
                        *unknown = Some(w.clone());
                    }
                }
                F::Lit(a, n) => {
                    if lits.contains(&(*a, !*n)) {
                        return;
                    }
                    lits.push((*a, *n));
                }
                F::And(v) => pending.extend(v.iter()),
                F::Or(_) => ors.push(f),
            }
        }
        if let Some(F::Or(first)) = ors.pop() {
            for c in first {
                let mut p: Vec<&'f F> = ors.clone();
                p.push(c);
                self.elem_dfs(k, fam, p, lits.clone(), found, unknown);
                if found.is_some() {
                    return;
                }
            }
            return;
        }
        let has_pos = lits.iter().any(|l| !l.1);
        // An element no operator of a non-string family can read satisfies every negated atom.
        if !has_pos && fam != Family::Str {
            *found = Some(DimSat::Yes(Model::One(junk(fam))));
            return;
        }
        match self.one_value(fam, &lits) {
            DimSat::Yes(m) => *found = Some(DimSat::Yes(m)),
            DimSat::No => {}
            DimSat::Unknown(w) => *unknown = Some(w),
        }
        let _ = k;
    }
}

/// The literal head of a `prefix*` pattern (a trailing `*` that spans `:`).
fn prefix_head(p: &Pattern) -> Option<&[Tok]> {
    let (last, head) = p.toks.split_last()?;
    if *last != (Tok::Star { colon: true }) {
        return None;
    }
    (!head
        .iter()
        .any(|t| matches!(t, Tok::Star { .. } | Tok::One { .. })))
    .then_some(head)
}

fn junk(fam: Family) -> String {
    match fam {
        Family::Str => "iamkit-any".to_string(),
        _ => "not-a-value".to_string(),
    }
}

fn numeric_value(cs: &[(Cmp, &Decimal, bool)]) -> DimSat {
    let holds = |v: &Decimal| cs.iter().all(|(c, d, neg)| c.holds(v.cmp(d)) != *neg);
    // Feasibility over a dense order: bounds, equalities, exclusions.
    let mut lo: Option<(&Decimal, bool)> = None; // (value, strict)
    let mut hi: Option<(&Decimal, bool)> = None;
    let mut eq: Option<&Decimal> = None;
    let mut eq_conflict = false;
    for (c, d, neg) in cs {
        let d: &Decimal = d;
        let (c, strict_flip) = match (c, neg) {
            (Cmp::Eq, false) => {
                if let Some(e) = eq
                    && e.cmp(d) != Ordering::Equal
                {
                    eq_conflict = true;
                }
                eq = Some(d);
                continue;
            }
            (Cmp::Eq, true) => continue,
            (Cmp::Lt, false) | (Cmp::Ge, true) => (Cmp::Lt, true),
            (Cmp::Le, false) | (Cmp::Gt, true) => (Cmp::Le, false),
            (Cmp::Gt, false) | (Cmp::Le, true) => (Cmp::Gt, true),
            (Cmp::Ge, false) | (Cmp::Lt, true) => (Cmp::Ge, false),
        };
        match c {
            Cmp::Lt | Cmp::Le => {
                let tighter = hi.is_none_or(|(h, hs)| match d.cmp(h) {
                    Ordering::Less => true,
                    Ordering::Equal => strict_flip && !hs,
                    Ordering::Greater => false,
                });
                if tighter {
                    hi = Some((d, strict_flip));
                }
            }
            _ => {
                let tighter = lo.is_none_or(|(l, ls)| match d.cmp(l) {
                    Ordering::Greater => true,
                    Ordering::Equal => strict_flip && !ls,
                    Ordering::Less => false,
                });
                if tighter {
                    lo = Some((d, strict_flip));
                }
            }
        }
    }
    if eq_conflict {
        return DimSat::No;
    }
    if let Some(e) = eq {
        return if holds(e) {
            DimSat::Yes(Model::One(e.to_string()))
        } else {
            DimSat::No
        };
    }
    if let (Some((l, ls)), Some((h, hs))) = (lo, hi) {
        match l.cmp(h) {
            Ordering::Greater => return DimSat::No,
            Ordering::Equal => {
                if ls || hs || !holds(l) {
                    return DimSat::No;
                }
                return DimSat::Yes(Model::One(l.to_string()));
            }
            Ordering::Less => {}
        }
    }
    // Non-empty open interval (minus finitely many points): feasible. Find a witness.
    let lf = lo.map(|(l, _)| l.to_string().parse::<f64>().unwrap_or(0.0));
    let hf = hi.map(|(h, _)| h.to_string().parse::<f64>().unwrap_or(0.0));
    let mut cands: Vec<String> = Vec::new();
    for (x, _) in lo.iter().chain(hi.iter()) {
        let s = x.to_string();
        cands.push(s.clone());
        if s.contains('.') {
            cands.push(format!("{s}1"));
            cands.push(format!("{s}000001"));
        } else {
            cands.push(format!("{s}.5"));
            cands.push(format!("{s}.000001"));
        }
    }
    let (a, b) = match (lf, hf) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, a + 2.0),
        (None, Some(b)) => (b - 2.0, b),
        (None, None) => (0.0, 2.0),
    };
    for x in [
        (a + b) / 2.0,
        a + 1.0,
        b - 1.0,
        a.floor() + 1.0,
        b.ceil() - 1.0,
        a + 0.5,
        7.0,
        0.0,
    ] {
        cands.push(format!("{x}"));
        cands.push(format!("{}", x.round()));
    }
    for c in cands {
        if let Ok(d) = parse_decimal(&c)
            && holds(&d)
        {
            return DimSat::Yes(Model::One(c));
        }
    }
    DimSat::Yes(Model::Unknown)
}

fn date_value(cs: &[(Cmp, i128, bool)]) -> DimSat {
    let holds = |v: i128| cs.iter().all(|(c, d, neg)| c.holds(v.cmp(d)) != *neg);
    // Every date the evaluator can parse lies well inside ±2^100 ns.
    let mut lo = -(1i128 << 100);
    let mut hi = 1i128 << 100;
    let mut eq = None;
    for (c, d, neg) in cs {
        match (c, neg) {
            (Cmp::Eq, false) => eq = Some(*d),
            (Cmp::Eq, true) => {}
            (Cmp::Lt, false) | (Cmp::Ge, true) => hi = hi.min(d - 1),
            (Cmp::Le, false) | (Cmp::Gt, true) => hi = hi.min(*d),
            (Cmp::Gt, false) | (Cmp::Le, true) => lo = lo.max(d + 1),
            (Cmp::Ge, false) | (Cmp::Lt, true) => lo = lo.max(*d),
        }
    }
    // Dates are whole nanoseconds: an integer domain.
    let mut cands: Vec<i128> = Vec::new();
    if let Some(e) = eq {
        cands.push(e);
    } else {
        if lo > hi {
            return DimSat::No;
        }
        let excl: Vec<i128> = cs
            .iter()
            .filter(|(c, _, n)| *c == Cmp::Eq && *n)
            .map(|x| x.1)
            .collect();
        // Prefer round values (whole seconds, whole days) inside [lo, hi], near a bound (or
        // near 2024 when there is none).
        let day = 86_400_000_000_000i128;
        let sec = 1_000_000_000i128;
        let unbounded = 1i128 << 100;
        let anchor = if lo > -unbounded {
            lo
        } else if hi < unbounded {
            hi
        } else {
            1_704_067_200 * sec
        };
        let k = excl.len() as i128 + 2;
        for unit in [day, sec, 1] {
            let base = anchor.div_euclid(unit) * unit;
            for i in -k..=k {
                let v = base + i * unit;
                if v >= lo && v <= hi {
                    cands.push(v);
                }
            }
        }
    }
    for v in cands {
        if holds(v)
            && let Some(s) = format_date(v)
            && parse_date(&s) == Ok(v)
        {
            return DimSat::Yes(Model::One(s));
        }
    }
    if eq.is_some_and(|e| !holds(e)) {
        return DimSat::No;
    }
    DimSat::Yes(Model::Unknown)
}

/// Nanoseconds since the epoch as `YYYY-MM-DDThh:mm:ss[.fffffffff]Z` (years 1..=9999).
pub(crate) fn format_date(ns: i128) -> Option<String> {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    if !(1..=9999).contains(&y) {
        return None;
    }
    let (hh, mm, ss) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    Some(if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:09}Z")
    })
}

fn cidr_range(c: &Cidr) -> (bool, u128, u128) {
    match c.network {
        IpAddr::V4(a) => {
            let n = u128::from(u32::from(a));
            let host = if c.prefix >= 32 {
                0
            } else {
                (1u128 << (32 - u32::from(c.prefix))) - 1
            };
            let start = n & !host & 0xffff_ffff;
            (false, start, start | host)
        }
        IpAddr::V6(a) => {
            let n = u128::from(a);
            let host = if c.prefix >= 128 {
                0
            } else if c.prefix == 0 {
                u128::MAX
            } else {
                (1u128 << (128 - u32::from(c.prefix))) - 1
            };
            let start = n & !host;
            (true, start, start | host)
        }
    }
}

fn ip_value(cs: &[(&Cidr, bool)]) -> DimSat {
    let families: Vec<bool> = {
        let pos: Vec<bool> = cs
            .iter()
            .filter(|c| !c.1)
            .map(|c| cidr_range(c.0).0)
            .collect();
        match pos.first() {
            Some(f) => {
                if pos.iter().any(|x| x != f) {
                    return DimSat::No;
                }
                vec![*f]
            }
            None => vec![false, true],
        }
    };
    for v6 in families {
        let mut lo = 0u128;
        let mut hi = if v6 { u128::MAX } else { 0xffff_ffff };
        for (c, neg) in cs {
            let (f, s, e) = cidr_range(c);
            if !neg && f == v6 {
                lo = lo.max(s);
                hi = hi.min(e);
            }
        }
        if lo > hi {
            continue;
        }
        let mut excl: Vec<(u128, u128)> = cs
            .iter()
            .filter(|c| c.1)
            .map(|c| cidr_range(c.0))
            .filter(|r| r.0 == v6)
            .map(|r| (r.1, r.2))
            .collect();
        excl.sort_unstable();
        let mut cur = lo;
        let mut ok = true;
        for (s, e) in excl {
            if s > cur {
                break;
            }
            if e < cur {
                continue;
            }
            if e >= hi {
                ok = false;
                break;
            }
            cur = e + 1;
        }
        if ok && cur <= hi {
            let ip = if v6 {
                IpAddr::V6(std::net::Ipv6Addr::from(cur))
            } else {
                IpAddr::V4(std::net::Ipv4Addr::from(cur as u32))
            };
            let s = ip.to_string();
            if parse_ip(&s).is_ok() {
                return DimSat::Yes(Model::One(s));
            }
        }
    }
    DimSat::No
}

/// True when the statement is an `Allow`.
pub(crate) fn is_allow(st: &Statement) -> bool {
    st.effect.value == Effect::Allow
}
