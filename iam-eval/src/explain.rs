//! Why a decision came out as it did: each layer's verdict, the statements that applied
//! (with policy, statement index, Sid and source span), resolved policy variables and the
//! context keys that matching statements needed but the request lacked.
//!
//! Tracing is a compile-time switch ([`Tracer::ON`]): the allocation-free
//! [`Engine::evaluate`](crate::Engine::evaluate) runs the same code with a no-op tracer.

use crate::compile::CompiledStatement;
use crate::decision::{Decision, MatchStrength, Verdict};
use iam_model::{Effect, Span};
use std::fmt;

/// A policy layer of a request (spec §5.1).
///
/// ```
/// use iam_eval::Layer;
/// assert_eq!(Layer::Scp(2).to_string(), "scp[2]");
/// assert_eq!(serde_json::to_string(&Layer::PermissionsBoundary).unwrap(), "\"permissions_boundary\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Resource control policies of one level (0 = root).
    Rcp(u16),
    /// Service control policies of one level (0 = root).
    Scp(u16),
    /// The VPC endpoint policy.
    VpcEndpoint,
    /// The resource-based (or trust / key) policy.
    Resource,
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    PermissionsBoundary,
    /// Session policies.
    Session,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Rcp(l) => write!(f, "rcp[{l}]"),
            Layer::Scp(l) => write!(f, "scp[{l}]"),
            Layer::VpcEndpoint => f.write_str("vpc_endpoint"),
            Layer::Resource => f.write_str("resource"),
            Layer::Identity => f.write_str("identity"),
            Layer::PermissionsBoundary => f.write_str("permissions_boundary"),
            Layer::Session => f.write_str("session"),
        }
    }
}

impl serde::Serialize for Layer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Receives evaluation events. `ON = false` compiles every hook away.
pub(crate) trait Tracer {
    const ON: bool;
    fn applicable(&mut self, layer: Layer, st: &CompiledStatement, strength: MatchStrength);
    fn missing_key(&mut self, key: &str);
    fn layer(&mut self, layer: Layer, verdict: Verdict);
}

/// The tracer of the fast path.
pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn applicable(&mut self, _: Layer, _: &CompiledStatement, _: MatchStrength) {}
    #[inline(always)]
    fn missing_key(&mut self, _: &str) {}
    #[inline(always)]
    fn layer(&mut self, _: Layer, _: Verdict) {}
}

/// Collects events for an [`Explanation`].
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) statements: Vec<MatchedStatement>,
    pub(crate) missing: Vec<String>,
    pub(crate) layers: Vec<LayerVerdict>,
}

impl Tracer for Recorder {
    const ON: bool = true;
    fn applicable(&mut self, layer: Layer, st: &CompiledStatement, strength: MatchStrength) {
        self.statements.push(MatchedStatement {
            layer,
            policy_index: st.policy as usize,
            policy_name: None,
            statement_index: st.index as usize,
            sid: st.sid.as_deref().map(str::to_string),
            effect: st.effect,
            span: st.span,
            principal_match: strength,
            decisive: false,
        });
    }
    fn missing_key(&mut self, key: &str) {
        if !self.missing.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            self.missing.push(key.to_string());
        }
    }
    fn layer(&mut self, layer: Layer, verdict: Verdict) {
        self.layers.push(LayerVerdict { layer, verdict });
    }
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchedStatement {
    /// The layer of its policy.
    pub layer: Layer,
    /// Index of the policy within the layer (or SCP/RCP level).
    pub policy_index: usize,
    /// The policy's name, when one was given.
    pub policy_name: Option<String>,
    /// Index of the statement within the policy.
    pub statement_index: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Source span (line and column of start and end).
    pub span: Span,
    /// How the statement's `Principal` named the caller.
    pub principal_match: MatchStrength,
    /// True when this statement decided the outcome.
    pub decisive: bool,
}

/// One layer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LayerVerdict {
    /// The layer.
    pub layer: Layer,
    /// What it said.
    pub verdict: Verdict,
}

/// A policy variable used by an applicable statement and its value for this request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedVariable {
    /// The key as written.
    pub key: String,
    /// The value (`None` when the key was absent and there was no default).
    pub value: Option<String>,
}

/// A decision with the reasons for it.
///
/// ```
/// use iam_eval::{Decision, Engine, Principal, Request};
/// use iam_model::PolicyType;
/// let p = iam_parser::parse_policy(
///     r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
///     PolicyType::Identity,
/// ).unwrap();
/// let engine = Engine::builder().identity(&p).build().unwrap();
/// let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
/// let ex = engine.explain(&Request::new(&alice, "s3:GetObject", "arn:aws:s3:::b/k"));
/// assert_eq!(ex.decision, Decision::Allowed);
/// assert_eq!(ex.matched_statements[0].sid.as_deref(), Some("Read"));
/// assert_eq!(ex.matched_statements[0].span.start.line, 1);
/// assert!(ex.to_string().contains("allowed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// One sentence saying which rule decided.
    pub reason: String,
    /// Every evaluated layer's verdict.
    pub layers: Vec<LayerVerdict>,
    /// Every applicable statement; `decisive` marks those that decided.
    pub matched_statements: Vec<MatchedStatement>,
    /// Policy variables of the applicable statements and their values.
    pub variables: Vec<ResolvedVariable>,
    /// Condition keys that matching statements referenced but the request did not carry
    /// (`MissingContextValues`).
    pub missing_context_values: Vec<String>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "decision: {}", self.decision)?;
        writeln!(f, "reason: {}", self.reason)?;
        if !self.layers.is_empty() {
            writeln!(f, "layers:")?;
            for l in &self.layers {
                writeln!(f, "  {}: {}", l.layer, l.verdict)?;
            }
        }
        if !self.matched_statements.is_empty() {
            writeln!(f, "matching statements:")?;
            for s in &self.matched_statements {
                write!(
                    f,
                    "  {} {} {} policy #{}",
                    if s.decisive { "*" } else { "-" },
                    s.effect.as_str(),
                    s.layer,
                    s.policy_index
                )?;
                if let Some(n) = &s.policy_name {
                    write!(f, " ({n})")?;
                }
                write!(f, " statement #{}", s.statement_index)?;
                if let Some(sid) = &s.sid {
                    write!(f, " Sid {sid:?}")?;
                }
                writeln!(
                    f,
                    " at line {} column {}",
                    s.span.start.line, s.span.start.column
                )?;
            }
        }
        if !self.variables.is_empty() {
            writeln!(f, "policy variables:")?;
            for v in &self.variables {
                match &v.value {
                    Some(x) => writeln!(f, "  ${{{}}} = {x:?}", v.key)?,
                    None => writeln!(f, "  ${{{}}} unresolved", v.key)?,
                }
            }
        }
        if !self.missing_context_values.is_empty() {
            writeln!(
                f,
                "missing context values: {}",
                self.missing_context_values.join(", ")
            )?;
        }
        Ok(())
    }
}
