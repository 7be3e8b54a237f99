//! Evaluation: `iamkit.evaluate`, `iamkit.Engine` and `iamkit.EvaluationResult` over `iam-eval`.

use crate::convert::python_attr;
use crate::policy::{PolicyData, PyPolicy};
use iam_eval::{Context, Decision, Engine, Explanation, OwnedContext, Principal, Request, Value};
use iam_model::PolicyType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The account of the unnamed IAM user that asks when neither a principal nor any account is
/// known (spec §5.1 rev 3: no principal named is an unnamed user, never the root user).
const DEFAULT_ACCOUNT: &str = "123456789012";

/// A compiled engine with the policies it was built from (for pickling and explanations).
#[derive(Debug)]
pub(crate) struct EngineState {
    engine: Engine,
    identity: Vec<Arc<PolicyData>>,
    resource: Option<Arc<PolicyData>>,
    boundary: Option<Arc<PolicyData>>,
    session: Vec<Arc<PolicyData>>,
    scps: Vec<Vec<Arc<PolicyData>>>,
    rcps: Vec<Vec<Arc<PolicyData>>>,
    vpce: Option<Arc<PolicyData>>,
}

/// The policy layers of a request, as given.
#[derive(Debug, Default)]
struct Layers {
    identity: Vec<Arc<PolicyData>>,
    resource: Option<Arc<PolicyData>>,
    boundary: Option<Arc<PolicyData>>,
    session: Vec<Arc<PolicyData>>,
    scps: Vec<Vec<Arc<PolicyData>>>,
    rcps: Vec<Vec<Arc<PolicyData>>>,
    vpce: Option<Arc<PolicyData>>,
    /// True when every policy came as an `iamkit.Policy` (so the layers can key a cache).
    all_objects: bool,
}

impl Layers {
    /// Identity of the policies (their shared allocations), for the compiled-engine cache.
    fn key(&self) -> Vec<usize> {
        let mut k = Vec::with_capacity(16);
        let ptr = |p: &Arc<PolicyData>| Arc::as_ptr(p) as usize;
        let one = |k: &mut Vec<usize>, tag: usize, v: &[Arc<PolicyData>]| {
            k.push(tag);
            k.push(v.len());
            k.extend(v.iter().map(ptr));
        };
        one(&mut k, 1, &self.identity);
        one(&mut k, 2, self.resource.as_slice());
        one(&mut k, 3, self.boundary.as_slice());
        one(&mut k, 4, &self.session);
        for l in &self.scps {
            one(&mut k, 5, l);
        }
        for l in &self.rcps {
            one(&mut k, 6, l);
        }
        one(&mut k, 7, self.vpce.as_slice());
        k
    }

    fn compile(self) -> Result<EngineState, iam_eval::CompileError> {
        let mut b = Engine::builder();
        for p in &self.identity {
            b = match &p.name {
                Some(n) => b.identity_named(n, &p.policy),
                None => b.identity(&p.policy),
            };
        }
        if let Some(p) = &self.resource {
            let ty = if p.policy_type == PolicyType::Trust {
                PolicyType::Trust
            } else {
                PolicyType::Resource
            };
            b = b.resource_of_type(&p.policy, ty);
        }
        if let Some(p) = &self.boundary {
            b = b.permissions_boundary(&p.policy);
        }
        for p in &self.session {
            b = b.session(&p.policy);
        }
        for l in &self.scps {
            b = b.scp_level(l.iter().map(|p| &p.policy));
        }
        for l in &self.rcps {
            b = b.rcp_level(l.iter().map(|p| &p.policy));
        }
        if let Some(p) = &self.vpce {
            b = b.vpc_endpoint(&p.policy);
        }
        let engine = b.build()?;
        Ok(EngineState {
            engine,
            identity: self.identity,
            resource: self.resource,
            boundary: self.boundary,
            session: self.session,
            scps: self.scps,
            rcps: self.rcps,
            vpce: self.vpce,
        })
    }
}

/// One policy argument (`str | bytes | dict | Policy`); a `Policy` is used as it is.
fn policy_arg(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    ty: PolicyType,
    all_objects: &mut bool,
) -> PyResult<Arc<PolicyData>> {
    if let Ok(p) = obj.cast::<PyPolicy>() {
        return Ok(Arc::clone(&p.get().data));
    }
    *all_objects = false;
    crate::policy::parse_arg(py, obj, ty, None)
}

fn is_single_policy(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyDict>()
        || obj.cast::<PyPolicy>().is_ok()
        || obj.hasattr("__fspath__").unwrap_or(false) // an os.PathLike policy file
}

/// A sequence of policies (a single policy is a sequence of one).
fn policy_list(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    ty: PolicyType,
    all: &mut bool,
) -> PyResult<Vec<Arc<PolicyData>>> {
    if is_single_policy(obj) {
        return Ok(vec![policy_arg(py, obj, ty, all)?]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| not_policies(obj))? {
        out.push(policy_arg(py, &item?, ty, all)?);
    }
    Ok(out)
}

/// SCP/RCP levels: a list of levels, each a list of policies (a bare policy is a level of one).
fn policy_levels(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    ty: PolicyType,
    all: &mut bool,
) -> PyResult<Vec<Vec<Arc<PolicyData>>>> {
    if is_single_policy(obj) {
        return Ok(vec![vec![policy_arg(py, obj, ty, all)?]]);
    }
    let mut out = Vec::new();
    for level in obj.try_iter().map_err(|_| not_policies(obj))? {
        out.push(policy_list(py, &level?, ty, all)?);
    }
    Ok(out)
}

fn not_policies(obj: &Bound<'_, PyAny>) -> PyErr {
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    PyTypeError::new_err(format!(
        "expected a policy (str, bytes, dict, iamkit.Policy) or a sequence of them, not {ty}"
    ))
}

fn optional_policy(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
    ty: PolicyType,
    all: &mut bool,
) -> PyResult<Option<Arc<PolicyData>>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(policy_arg(py, o, ty, all)?)),
        _ => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)]
fn layers(
    py: Python<'_>,
    identity_policies: Option<&Bound<'_, PyAny>>,
    resource_policy: Option<&Bound<'_, PyAny>>,
    permissions_boundary: Option<&Bound<'_, PyAny>>,
    session_policies: Option<&Bound<'_, PyAny>>,
    scps: Option<&Bound<'_, PyAny>>,
    rcps: Option<&Bound<'_, PyAny>>,
    vpc_endpoint_policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Layers> {
    let mut all = true;
    let none = |o: Option<&Bound<'_, PyAny>>| o.is_none_or(|o| o.is_none());
    let mut l = Layers::default();
    if !none(identity_policies) {
        l.identity = policy_list(
            py,
            identity_policies.ok_or_else(|| not_policies(&py.None().into_bound(py)))?,
            PolicyType::Identity,
            &mut all,
        )?;
    }
    l.resource = optional_policy(py, resource_policy, PolicyType::Resource, &mut all)?;
    l.boundary = optional_policy(
        py,
        permissions_boundary,
        PolicyType::PermissionsBoundary,
        &mut all,
    )?;
    if let Some(s) = session_policies.filter(|o| !o.is_none()) {
        l.session = policy_list(py, s, PolicyType::Session, &mut all)?;
    }
    if let Some(s) = scps.filter(|o| !o.is_none()) {
        l.scps = policy_levels(py, s, PolicyType::Scp, &mut all)?;
    }
    if let Some(s) = rcps.filter(|o| !o.is_none()) {
        l.rcps = policy_levels(py, s, PolicyType::Rcp, &mut all)?;
    }
    l.vpce = optional_policy(py, vpc_endpoint_policy, PolicyType::VpcEndpoint, &mut all)?;
    l.all_objects = all;
    Ok(l)
}

/// Refused policies raise `iamkit.PolicyCompileError` (a `ValueError`) with the code and position.
fn compile_error(e: iam_eval::CompileError) -> PyErr {
    Python::attach(|py| crate::errors::policy_compile_error(py, &e))
}

/// Compiled engines of recent `evaluate()` calls whose policies were all `iamkit.Policy`
/// objects, keyed by the identity of those objects (held here, so the key cannot be reused).
static ENGINE_CACHE: Mutex<Vec<(Vec<usize>, Arc<EngineState>)>> = Mutex::new(Vec::new());
const ENGINE_CACHE_SIZE: usize = 32;

fn engine_for(l: Layers) -> PyResult<Arc<EngineState>> {
    if !l.all_objects {
        return l.compile().map(Arc::new).map_err(compile_error);
    }
    let key = l.key();
    if let Ok(cache) = ENGINE_CACHE.lock()
        && let Some((_, s)) = cache.iter().find(|(k, _)| *k == key)
    {
        return Ok(Arc::clone(s));
    }
    let state = Arc::new(l.compile().map_err(compile_error)?);
    if let Ok(mut cache) = ENGINE_CACHE.lock() {
        if cache.len() >= ENGINE_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&state)));
    }
    Ok(state)
}

// ---- requests ------------------------------------------------------------------------------

/// A request with owned strings.
#[derive(Debug, Clone)]
struct OwnedRequest {
    principal: Arc<Principal>,
    principal_text: Option<String>,
    action: String,
    resource: String,
    resource_account: Option<String>,
    context: OwnedContext,
}

impl OwnedRequest {
    fn with<R>(&self, f: impl FnOnce(&Request<'_>) -> R) -> R {
        let ctx = self.context.as_context();
        let mut req =
            Request::new(&self.principal, &self.action, &self.resource).with_context(&ctx);
        if let Some(a) = &self.resource_account {
            req = req.with_resource_account(a);
        }
        f(&req)
    }
}

fn arn_account(resource: &str) -> Option<&str> {
    if !resource.starts_with("arn:") {
        return None;
    }
    resource.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The account of the caller when a request names no principal: the resource account if
/// given, else the resource ARN's account, else [`DEFAULT_ACCOUNT`].
///
/// AWS's documentation does not say which account the simulator's unnamed caller belongs to;
/// offline there is no calling account, so the resource's account is taken (spec §5.1): the
/// request is then same-account, as the simulator's own simulations are (it does not simulate
/// cross-account access for users, spec §8.3).
fn default_principal_account<'r>(resource: &'r str, resource_account: Option<&'r str>) -> &'r str {
    resource_account
        .or_else(|| arn_account(resource))
        .unwrap_or(DEFAULT_ACCOUNT)
}

/// The caller of a request that names no principal (`principal=None`), in `account` (from
/// [`default_principal_account`]): an unnamed IAM user holding exactly the identity policies
/// given — what AWS's policy simulator does for SimulateCustomPolicy without CallerArn — never
/// the root user (spec §5.1 rev 3). The one place that decides what `None` means: `evaluate`,
/// `Engine.evaluate` and `Engine.evaluate_many` all call it.
fn default_principal(account: &str) -> Principal {
    Principal::unnamed_user(account)
}

/// The caller of a request: the named principal, else [`default_principal`].
fn principal_of(
    text: Option<&str>,
    resource: &str,
    resource_account: Option<&str>,
) -> PyResult<Principal> {
    match text {
        Some(t) => Principal::parse(t).map_err(|e| PyValueError::new_err(e.to_string())),
        None => Ok(default_principal(default_principal_account(
            resource,
            resource_account,
        ))),
    }
}

/// `principal` with `role_arn` (the role's ARN with its path, which a session ARN lacks).
fn principal_with_role(
    principal: Option<&str>,
    role_arn: &str,
    resource: &str,
    resource_account: Option<&str>,
) -> PyResult<Arc<Principal>> {
    if principal.is_none() {
        return Err(PyValueError::new_err(format!(
            "role_arn={role_arn:?} names the role of a session: give principal= as that session's ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)"
        )));
    }
    let p = principal_of(principal, resource, resource_account)?;
    p.with_role_arn(role_arn)
        .map(Arc::new)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Where the keys and values of a Python context go: an [`OwnedContext`] (one request) or
/// the context table of a batch.
trait ContextSink {
    /// Sets `key` to one value.
    fn one(&mut self, key: &Bound<'_, PyString>, key_text: &str, value: &str);
    /// Sets `key` to a list of values.
    fn many(&mut self, key: &Bound<'_, PyString>, key_text: &str, values: Vec<String>);
}

impl ContextSink for OwnedContext {
    fn one(&mut self, _: &Bound<'_, PyString>, key_text: &str, value: &str) {
        self.insert_one(key_text, value);
    }
    fn many(&mut self, _: &Bound<'_, PyString>, key_text: &str, values: Vec<String>) {
        self.insert(key_text, values);
    }
}

/// One scalar context value as its wire text, handed to `f` without an intermediate copy
/// for `str` values: `str`, `bool`, `int`, `float`, or anything with `isoformat()` (dates).
fn with_scalar<R>(key: &str, v: &Bound<'_, PyAny>, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(f(s.to_str()?));
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(f(if b.is_true() { "true" } else { "false" }));
    }
    if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return Ok(f(v.str()?.to_str()?));
    }
    if v.hasattr(pyo3::intern!(v.py(), "isoformat"))? {
        let s = v.call_method0(pyo3::intern!(v.py(), "isoformat"))?;
        let s = s.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("isoformat() of context value {key:?} is not a str"))
        })?;
        return Ok(f(s.to_str()?));
    }
    Err(PyTypeError::new_err(format!(
        "context value of {key:?} must be str, int, float, bool, a date/datetime or a list of those, not {}",
        v.get_type().name()?
    )))
}

/// Converts one context (a dict, or any mapping with `items()`) into `sink`, in one pass:
/// keys are read in place, `str` values copied once. `None` values are skipped (absent key).
fn fill_context(ctx: &Bound<'_, PyAny>, sink: &mut impl ContextSink) -> PyResult<()> {
    let mut one = |k: Bound<'_, PyAny>, v: Bound<'_, PyAny>| -> PyResult<()> {
        let key = k
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("context keys must be str"))?;
        let key_text = key.to_str()?;
        // `str` values first (nearly all), then None (absent), then lists.
        if let Ok(s) = v.cast::<PyString>() {
            sink.one(key, key_text, s.to_str()?);
            return Ok(());
        }
        if v.is_none() {
            return Ok(());
        }
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            let mut values = Vec::with_capacity(v.len().unwrap_or(0));
            for item in v.try_iter()? {
                values.push(with_scalar(key_text, &item?, str::to_owned)?);
            }
            sink.many(key, key_text, values);
            return Ok(());
        }
        with_scalar(key_text, &v, |s| sink.one(key, key_text, s))
    };
    if let Ok(d) = ctx.cast::<PyDict>() {
        for (k, v) in d.iter() {
            one(k, v)?;
        }
        return Ok(());
    }
    let not_mapping = || PyTypeError::new_err("context must be a dict of condition key -> value");
    if !ctx.hasattr(pyo3::intern!(ctx.py(), "items"))? {
        return Err(not_mapping());
    }
    for item in ctx
        .call_method0(pyo3::intern!(ctx.py(), "items"))?
        .try_iter()
        .map_err(|_| not_mapping())?
    {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        one(k, v)?;
    }
    Ok(())
}

/// A Python context (`dict[str, object]` or None) as an [`OwnedContext`], in time linear in
/// its number of keys.
pub(crate) fn context_of(ctx: Option<&Bound<'_, PyAny>>) -> PyResult<OwnedContext> {
    let Some(ctx) = ctx.filter(|c| !c.is_none()) else {
        return Ok(OwnedContext::default());
    };
    let n = ctx.len().unwrap_or(0);
    let mut out = OwnedContext::with_capacity(n, 32 * n);
    fill_context(ctx, &mut out)?;
    Ok(out)
}
fn request(
    action: String,
    resource: String,
    principal: Option<String>,
    context: Option<&Bound<'_, PyAny>>,
    resource_account: Option<String>,
    role_arn: Option<&str>,
) -> PyResult<OwnedRequest> {
    let p = match role_arn {
        Some(role) => principal_with_role(
            principal.as_deref(),
            role,
            &resource,
            resource_account.as_deref(),
        )?,
        None => principal_arc(principal.as_deref(), &resource, resource_account.as_deref())?,
    };
    Ok(OwnedRequest {
        principal: p,
        principal_text: principal,
        action,
        resource,
        resource_account,
        context: context_of(context)?,
    })
}

// ---- results -------------------------------------------------------------------------------

/// The decision for one request, with an explanation computed on first use.
#[pyclass(module = "iamkit", name = "EvaluationResult", frozen)]
pub struct PyEvaluationResult {
    state: Arc<EngineState>,
    req: OwnedRequest,
    decision: Decision,
    explanation: OnceLock<Explanation>,
}

impl PyEvaluationResult {
    /// A result decided elsewhere (the account authorizer of `iamkit.Account`), carrying its
    /// explanation; the engine is empty because the explanation is already known.
    pub(crate) fn from_explanation(
        principal: Principal,
        principal_text: String,
        action: String,
        resource: String,
        context: OwnedContext,
        explanation: Explanation,
    ) -> PyResult<Self> {
        let state = empty_state()?;
        let req = OwnedRequest {
            principal: Arc::new(principal),
            principal_text: Some(principal_text),
            action,
            resource,
            resource_account: None,
            context,
        };
        let decision = explanation.decision;
        let cell = OnceLock::new();
        let _ = cell.set(explanation);
        Ok(PyEvaluationResult {
            state,
            req,
            decision,
            explanation: cell,
        })
    }

    fn explanation(&self) -> &Explanation {
        self.explanation
            .get_or_init(|| self.req.with(|r| self.state.engine.explain(r)))
    }

    fn policy_name(&self, layer: &str, index: usize) -> Option<String> {
        self.policy_data(layer, index).and_then(|p| p.name.clone())
    }
}

fn interned_decision(py: Python<'_>, d: Decision) -> Bound<'_, PyString> {
    match d {
        Decision::Allowed => pyo3::intern!(py, "allowed").clone(),
        Decision::ExplicitDeny => pyo3::intern!(py, "explicitDeny").clone(),
        Decision::ImplicitDeny => pyo3::intern!(py, "implicitDeny").clone(),
    }
}

#[pymethods]
impl PyEvaluationResult {
    /// `"allowed"`, `"explicitDeny"` or `"implicitDeny"`.
    #[getter]
    fn decision<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        interned_decision(py, self.decision)
    }

    /// True when the request is allowed.
    #[getter]
    fn allowed(&self) -> bool {
        self.decision.is_allowed()
    }

    /// The action asked for.
    #[getter]
    fn action(&self) -> String {
        self.req.action.clone()
    }

    /// The resource asked for.
    #[getter]
    fn resource(&self) -> String {
        self.req.resource.clone()
    }

    /// The caller's ARN; empty for service principals and when no principal was given (the
    /// unnamed IAM user of spec §5.1); `"anonymous"` for anonymous callers.
    #[getter]
    fn principal(&self) -> String {
        match &self.req.principal_text {
            Some(t) if self.req.principal.arn().is_empty() => t.clone(),
            _ => self.req.principal.arn().to_string(),
        }
    }

    /// One sentence saying which rule decided.
    #[getter]
    fn reason(&self) -> String {
        self.explanation().reason.clone()
    }

    /// The statements that applied, as dicts: `layer`, `policy_index`, `policy_name`,
    /// `statement_index`, `sid`, `effect`, `line`, `column`, `end_line`, `end_column`,
    /// `principal_match`, `decisive` (True for those that decided the outcome).
    #[getter]
    fn matched_statements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for s in &self.explanation().matched_statements {
            let d = PyDict::new(py);
            let layer = s.layer.to_string();
            d.set_item("layer", &layer)?;
            d.set_item("policy_index", s.policy_index)?;
            d.set_item(
                "policy_name",
                s.policy_name
                    .clone()
                    .or_else(|| self.policy_name(&layer, s.policy_index)),
            )?;
            d.set_item("statement_index", s.statement_index)?;
            d.set_item("sid", s.sid.as_deref())?;
            d.set_item("effect", s.effect.as_str())?;
            d.set_item("line", s.span.start.line)?;
            d.set_item("column", s.span.start.column)?;
            d.set_item("end_line", s.span.end.line)?;
            d.set_item("end_column", s.span.end.column)?;
            d.set_item(
                "principal_match",
                format!("{:?}", s.principal_match).to_lowercase(),
            )?;
            d.set_item("decisive", s.decisive)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// Condition keys that matching statements needed but the request did not carry.
    #[getter]
    fn missing_context_values(&self) -> Vec<String> {
        self.explanation().missing_context_values.clone()
    }

    /// Each evaluated layer's verdict: `[{"layer": "identity", "verdict": "allow"}, ...]`.
    #[getter]
    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for l in &self.explanation().layers {
            let d = PyDict::new(py);
            d.set_item("layer", l.layer.to_string())?;
            d.set_item("verdict", l.verdict.to_string())?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// Policy variables used by the applicable statements and their values (None = unresolved).
    #[getter]
    fn variables(&self) -> HashMap<String, Option<String>> {
        self.explanation()
            .variables
            .iter()
            .map(|v| (v.key.clone(), v.value.clone()))
            .collect()
    }

    /// Problems with the request that did not stop the decision: an action the bundled
    /// catalog does not know (`s3:GetObjekt`), with the closest real names. AWS decides such a
    /// request as written (no policy naming a real action matches it), and so does iamkit;
    /// the warning says why it was probably not what was meant. Computed from the action on
    /// each call (a hash lookup for a known action), never on the evaluation path.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        match iam_model::catalog::Catalog::get().check_action(&self.req.action) {
            Ok(()) => Vec::new(),
            Err(e) => vec![format!("{e} (decided as written)")],
        }
    }

    /// A readable, multi-line explanation of the decision, followed by any `warnings`.
    fn explain(&self) -> String {
        let mut text = self.explanation().to_string();
        for w in self.warnings() {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("warning: ");
            text.push_str(&w);
        }
        text
    }

    /// Everything as a JSON-ready dict.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let me = slf.get();
        let d = PyDict::new(py);
        d.set_item("decision", me.decision.as_str())?;
        d.set_item("allowed", me.decision.is_allowed())?;
        d.set_item("action", &me.req.action)?;
        d.set_item("resource", &me.req.resource)?;
        d.set_item("principal", me.principal())?;
        d.set_item("reason", me.reason())?;
        d.set_item("layers", me.layers(py)?)?;
        d.set_item("matched_statements", me.matched_statements(py)?)?;
        d.set_item("missing_context_values", me.missing_context_values())?;
        d.set_item("variables", me.variables())?;
        d.set_item("warnings", me.warnings())?;
        Ok(d)
    }

    /// Jupyter view: decision badge, per-layer table, deciding statements.
    fn _repr_html_<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        python_attr(slf.py(), &F, "iamkit._display", "evaluation_html")?.call1((slf,))
    }

    fn __bool__(&self) -> bool {
        self.decision.is_allowed()
    }

    /// The policy of a matched statement: `layer` and `policy_index` as in
    /// `matched_statements`. None when the result does not carry its policies (results of
    /// `Account.authorize` and unpickled results).
    /// `policy_index` must be a non-negative int (a negative one is a `ValueError`); an index
    /// past the layer's policies gives None.
    fn policy(&self, layer: &str, policy_index: &Bound<'_, PyAny>) -> PyResult<Option<PyPolicy>> {
        let index: usize = crate::convert::int_in_range(policy_index, "policy_index", 0, i64::MAX)?;
        Ok(self.policy_data(layer, index).map(|data| PyPolicy { data }))
    }

    /// Pickles the request, the decision and its explanation (not the policies).
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        static RESTORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let f = python_attr(py, &RESTORE, "iamkit._native", "_restore_result")?;
        Ok((f, (self.state(),).into_pyobject(py)?))
    }

    fn __repr__(&self) -> String {
        format!(
            "<EvaluationResult {} {} on {} by {}>",
            self.decision.as_str(),
            self.req.action,
            self.req.resource,
            if self.req.principal.is_unnamed() {
                format!("unnamed IAM user of {}", self.req.principal.account())
            } else if self.req.principal.arn().is_empty() {
                self.req.principal_text.clone().unwrap_or_default()
            } else {
                self.req.principal.arn().to_string()
            }
        )
    }
}

// ---- evaluate ------------------------------------------------------------------------------

/// Decides one request against the given policy layers (see the Python API contract).
/// `principal=None` is an unnamed IAM user of the resource's account holding exactly the
/// identity policies given, never the root user (spec §5.1 rev 3); `role_arn` gives the role
/// ARN with its path when `principal` is a session of a role that has a path.
#[pyfunction]
#[pyo3(signature = (*, action, resource = "*".to_string(), principal = None, context = None,
    identity_policies = None, resource_policy = None, permissions_boundary = None,
    session_policies = None, scps = None, rcps = None, vpc_endpoint_policy = None,
    resource_account = None, role_arn = None))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    py: Python<'_>,
    action: String,
    resource: String,
    principal: Option<String>,
    context: Option<&Bound<'_, PyAny>>,
    identity_policies: Option<&Bound<'_, PyAny>>,
    resource_policy: Option<&Bound<'_, PyAny>>,
    permissions_boundary: Option<&Bound<'_, PyAny>>,
    session_policies: Option<&Bound<'_, PyAny>>,
    scps: Option<&Bound<'_, PyAny>>,
    rcps: Option<&Bound<'_, PyAny>>,
    vpc_endpoint_policy: Option<&Bound<'_, PyAny>>,
    resource_account: Option<String>,
    role_arn: Option<String>,
) -> PyResult<PyEvaluationResult> {
    let l = layers(
        py,
        identity_policies,
        resource_policy,
        permissions_boundary,
        session_policies,
        scps,
        rcps,
        vpc_endpoint_policy,
    )?;
    let state = engine_for(l)?;
    let req = request(
        action,
        resource,
        principal,
        context,
        resource_account,
        role_arn.as_deref(),
    )?;
    let decision = req.with(|r| state.engine.evaluate(r));
    Ok(PyEvaluationResult {
        state,
        req,
        decision,
        explanation: OnceLock::new(),
    })
}

// ---- Engine --------------------------------------------------------------------------------

/// Policy layers compiled once; evaluates many requests fast.
#[pyclass(module = "iamkit", name = "Engine", frozen)]
pub struct PyEngine {
    state: Arc<EngineState>,
}

type PolicyState = (String, String, Option<String>);

fn state_of(p: &PolicyData) -> PolicyState {
    (
        p.text.clone(),
        p.policy_type.as_str().to_string(),
        p.name.clone(),
    )
}

fn restore(py: Python<'_>, s: &PolicyState) -> PyResult<Arc<PolicyData>> {
    let ty = crate::convert::policy_type(&s.1)?;
    let text = PyString::new(py, &s.0);
    crate::policy::parse_arg(py, text.as_any(), ty, s.2.clone())
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (*, identity_policies = None, resource_policy = None, permissions_boundary = None,
        session_policies = None, scps = None, rcps = None, vpc_endpoint_policy = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        identity_policies: Option<&Bound<'_, PyAny>>,
        resource_policy: Option<&Bound<'_, PyAny>>,
        permissions_boundary: Option<&Bound<'_, PyAny>>,
        session_policies: Option<&Bound<'_, PyAny>>,
        scps: Option<&Bound<'_, PyAny>>,
        rcps: Option<&Bound<'_, PyAny>>,
        vpc_endpoint_policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let l = layers(
            py,
            identity_policies,
            resource_policy,
            permissions_boundary,
            session_policies,
            scps,
            rcps,
            vpc_endpoint_policy,
        )?;
        let state = py.detach(|| l.compile()).map_err(compile_error)?;
        Ok(PyEngine {
            state: Arc::new(state),
        })
    }

    /// Decides one request.
    #[pyo3(signature = (*, action, resource = "*".to_string(), principal = None, context = None, resource_account = None, role_arn = None))]
    fn evaluate(
        &self,
        action: String,
        resource: String,
        principal: Option<String>,
        context: Option<&Bound<'_, PyAny>>,
        resource_account: Option<String>,
        role_arn: Option<String>,
    ) -> PyResult<PyEvaluationResult> {
        let req = request(
            action,
            resource,
            principal,
            context,
            resource_account,
            role_arn.as_deref(),
        )?;
        let decision = req.with(|r| self.state.engine.evaluate(r));
        Ok(PyEvaluationResult {
            state: Arc::clone(&self.state),
            req,
            decision,
            explanation: OnceLock::new(),
        })
    }

    /// Decides a batch of requests, releasing the GIL while it works; one decision string per
    /// request, each equal to `evaluate` of that request alone. Either an iterable of request
    /// mappings (`action`, `resource`, `principal`, `context`, `resource_account`, as
    /// `evaluate` takes them) or parallel sequences `actions`, `resources`, `principals`,
    /// `contexts`, `resource_accounts` (length 1 is repeated to the length of the longest one).
    /// `as_dataframe=True` gives a pandas DataFrame (action, resource, principal, decision).
    #[pyo3(signature = (requests = None, /, *, actions = None, resources = None, principals = None, contexts = None, resource_accounts = None, as_dataframe = false))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        requests: Option<&Bound<'py, PyAny>>,
        actions: Option<&Bound<'py, PyAny>>,
        resources: Option<&Bound<'py, PyAny>>,
        principals: Option<&Bound<'py, PyAny>>,
        contexts: Option<&Bound<'py, PyAny>>,
        resource_accounts: Option<&Bound<'py, PyAny>>,
        as_dataframe: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        fn given<'a, 'py>(o: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
            o.filter(|o| !o.is_none())
        }
        let batch = match given(requests) {
            Some(reqs) => {
                if [actions, resources, principals, contexts, resource_accounts]
                    .into_iter()
                    .any(|c| given(c).is_some())
                {
                    return Err(PyTypeError::new_err(
                        "give either an iterable of request dicts or actions=/resources=/principals=/contexts=/resource_accounts=, not both",
                    ));
                }
                batch_of_dicts(reqs)?
            }
            None => Batch::of_lists(
                given(actions),
                given(resources),
                given(principals),
                given(contexts),
                given(resource_accounts),
            )?,
        };
        let decisions = self.decide_batch(py, &batch)?;
        // The three decision strings, fetched once; the list is allocated at its length.
        let [allowed, explicit, implicit] = [
            Decision::Allowed,
            Decision::ExplicitDeny,
            Decision::ImplicitDeny,
        ]
        .map(|d| interned_decision(py, d));
        let list = PyList::new(
            py,
            decisions.iter().map(|d| match d {
                Decision::Allowed => &allowed,
                Decision::ExplicitDeny => &explicit,
                Decision::ImplicitDeny => &implicit,
            }),
        )?;
        if !as_dataframe {
            batch.recycle();
            return Ok(list.into_any());
        }
        static FRAME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let n = decisions.len();
        let col = |c: &Column| {
            (0..n)
                .map(|i| c.at(i).map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let text = |c: &Column| {
            col(c)
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
        };
        let (actions, resources, principals) = (
            text(&batch.actions),
            text(&batch.resources),
            col(&batch.principals),
        );
        batch.recycle();
        python_attr(py, &FRAME, "iamkit._frame", "decisions_frame")?
            .call1((actions, resources, principals, list))
    }

    /// The number of policies per layer.
    fn __repr__(&self) -> String {
        let s = &self.state;
        let mut parts = vec![format!("identity={}", s.identity.len())];
        if s.resource.is_some() {
            parts.push("resource=1".into());
        }
        if s.boundary.is_some() {
            parts.push("permissions_boundary=1".into());
        }
        if !s.session.is_empty() {
            parts.push(format!("session={}", s.session.len()));
        }
        if !s.scps.is_empty() {
            parts.push(format!("scp_levels={}", s.scps.len()));
        }
        if !s.rcps.is_empty() {
            parts.push(format!("rcp_levels={}", s.rcps.len()));
        }
        if s.vpce.is_some() {
            parts.push("vpc_endpoint=1".into());
        }
        format!("<Engine {}>", parts.join(" "))
    }

    /// Pickles as the source texts of its policies.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        static RESTORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let f = python_attr(py, &RESTORE, "iamkit._native", "_restore_engine")?;
        let s = &self.state;
        let list = |v: &[Arc<PolicyData>]| v.iter().map(|p| state_of(p)).collect::<Vec<_>>();
        let state = (
            list(&s.identity),
            s.resource.as_deref().map(state_of),
            s.boundary.as_deref().map(state_of),
            list(&s.session),
            s.scps.iter().map(|l| list(l)).collect::<Vec<_>>(),
            s.rcps.iter().map(|l| list(l)).collect::<Vec<_>>(),
            s.vpce.as_deref().map(state_of),
        );
        Ok((f, (state,).into_pyobject(py)?))
    }
}

type EngineStateTuple = (
    Vec<PolicyState>,
    Option<PolicyState>,
    Option<PolicyState>,
    Vec<PolicyState>,
    Vec<Vec<PolicyState>>,
    Vec<Vec<PolicyState>>,
    Option<PolicyState>,
);

/// Unpickles an `Engine` (see `Engine.__reduce__`).
#[pyfunction]
pub fn _restore_engine(py: Python<'_>, state: EngineStateTuple) -> PyResult<PyEngine> {
    let list = |v: &[PolicyState]| {
        v.iter()
            .map(|s| restore(py, s))
            .collect::<PyResult<Vec<_>>>()
    };
    let opt = |o: &Option<PolicyState>| o.as_ref().map(|s| restore(py, s)).transpose();
    let l = Layers {
        identity: list(&state.0)?,
        resource: opt(&state.1)?,
        boundary: opt(&state.2)?,
        session: list(&state.3)?,
        scps: state.4.iter().map(|l| list(l)).collect::<PyResult<_>>()?,
        rcps: state.5.iter().map(|l| list(l)).collect::<PyResult<_>>()?,
        vpce: opt(&state.6)?,
        all_objects: false,
    };
    Ok(PyEngine {
        state: Arc::new(l.compile().map_err(compile_error)?),
    })
}

// ---- batches -------------------------------------------------------------------------------

/// The strings of one batch column back to back in one buffer (`None`: not given). A column
/// has length 1 (repeated for every request) or the length of the batch.
#[derive(Debug, Default)]
struct Column {
    text: String,
    spans: Vec<Option<(usize, usize)>>,
}

impl Column {
    fn push(&mut self, s: Option<&str>) {
        self.spans.push(s.map(|s| {
            let start = self.text.len();
            self.text.push_str(s);
            (start, self.text.len())
        }));
    }
    fn len(&self) -> usize {
        self.spans.len()
    }
    /// The value of request `i` (the only value of a length-1 column).
    fn at(&self, i: usize) -> Option<&str> {
        let i = if self.spans.len() == 1 { 0 } else { i };
        let (a, b) = self.spans.get(i).copied().flatten()?;
        self.text.get(a..b)
    }
    /// Empties the column, keeping its buffers.
    fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }
    /// Bytes held by the buffers.
    fn capacity_bytes(&self) -> usize {
        self.text.capacity() + self.spans.capacity() * std::mem::size_of::<Option<(usize, usize)>>()
    }
    /// A column given as a sequence of `str` (or `None` where `nullable`), filled into the
    /// (empty) buffers of `c`.
    fn fill(c: &mut Column, seq: &Bound<'_, PyAny>, name: &str, nullable: bool) -> PyResult<()> {
        let what = if nullable { "str or None" } else { "str" };
        if seq.is_instance_of::<PyString>() || seq.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(format!(
                "{name} must be a sequence of {what}, not a single str"
            )));
        }
        // Sized from the sequence's length (a guess of 24 bytes per string): no regrowth,
        // no copying of the buffers while they fill.
        let n = seq.len().unwrap_or(0);
        c.spans.reserve(n);
        c.text.reserve(n.saturating_mul(24));
        let items = seq
            .try_iter()
            .map_err(|_| PyTypeError::new_err(format!("{name} must be a sequence of {what}")))?;
        for (i, item) in items.enumerate() {
            let item = item?;
            if nullable && item.is_none() {
                c.push(None);
                continue;
            }
            let s = item
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{name}[{i}] must be a {what}")))?;
            c.push(Some(s.to_str()?));
        }
        Ok(())
    }
}

/// One value of the context table.
#[derive(Debug, Clone, Copy)]
enum TableValue {
    /// Byte range in `ContextTable::text`.
    One(usize, usize),
    /// Index into `ContextTable::many`.
    Many(usize),
}

/// Every context of a batch: each distinct key text stored once, single values back to back
/// in one buffer, so converting a context allocates nothing per key (multi-valued keys keep
/// their list).
#[derive(Debug)]
struct ContextTable {
    keys: Vec<String>,
    text: String,
    many: Vec<Vec<String>>,
    /// (key, value) of every context, context after context.
    entries: Vec<(u32, TableValue)>,
    /// Context `c` is `entries[bounds[c]..bounds[c + 1]]`.
    bounds: Vec<usize>,
}

impl Default for ContextTable {
    fn default() -> Self {
        ContextTable {
            keys: Vec::new(),
            text: String::new(),
            many: Vec::new(),
            entries: Vec::new(),
            bounds: vec![0],
        }
    }
}

impl ContextTable {
    /// Empties the table, keeping its buffers.
    fn clear(&mut self) {
        self.keys.clear();
        self.text.clear();
        self.many.clear();
        self.entries.clear();
        self.bounds.clear();
        self.bounds.push(0);
    }
    /// Bytes held by the buffers (the strings of `keys` and `many` not counted: they are
    /// dropped by `clear`).
    fn capacity_bytes(&self) -> usize {
        self.text.capacity()
            + self.keys.capacity() * std::mem::size_of::<String>()
            + self.many.capacity() * std::mem::size_of::<Vec<String>>()
            + self.entries.capacity() * std::mem::size_of::<(u32, TableValue)>()
            + self.bounds.capacity() * std::mem::size_of::<usize>()
    }
    fn count(&self) -> usize {
        self.bounds.len() - 1
    }
    fn entries_of(&self, c: usize) -> &[(u32, TableValue)] {
        let (a, b) = match (self.bounds.get(c), self.bounds.get(c + 1)) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        self.entries.get(a..b).unwrap_or_default()
    }
    /// Fills `out` (cleared first) with context `c`; `keys` is `self.keys` as `&str`.
    fn view<'t>(&'t self, c: usize, keys: &[&'t str], out: &mut Context<'t>) {
        out.clear();
        let entries = self.entries_of(c);
        out.reserve(entries.len());
        for &(k, v) in entries {
            let key = keys.get(k as usize).copied().unwrap_or_default();
            let value = match v {
                TableValue::One(a, b) => Value::One(self.text.get(a..b).unwrap_or_default()),
                TableValue::Many(i) => Value::Owned(self.many.get(i).map_or(&[], Vec::as_slice)),
            };
            out.set(key, value);
        }
    }
}

/// Builds a [`ContextTable`] while the GIL is held. Keys are interned by the address of their
/// `str` object, and a context dict given several times in a list is converted once, by its
/// address: every object whose address is a key is held in `keep`, so no address can be
/// reused by another object while the table is built.
struct TableBuilder {
    table: ContextTable,
    key_by_address: HashMap<usize, u32, AddressHash>,
    context_by_address: HashMap<usize, u32, AddressHash>,
    empty: Option<u32>,
    /// The address and number of the last context added by identity.
    last: Option<(usize, u32)>,
    keep: Vec<Py<PyAny>>,
}

/// Hashes object addresses (distinct by construction, so a multiply-shift spreads them well).
#[derive(Debug, Default, Clone, Copy)]
struct AddressHash;

/// The hasher of [`AddressHash`].
#[derive(Debug, Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl std::hash::BuildHasher for AddressHash {
    type Hasher = AddressHasher;
    fn build_hasher(&self) -> AddressHasher {
        AddressHasher(0)
    }
}

impl TableBuilder {
    /// A builder filling `table` (empty).
    fn with_table(table: ContextTable) -> Self {
        TableBuilder {
            table,
            key_by_address: HashMap::default(),
            context_by_address: HashMap::default(),
            empty: None,
            last: None,
            keep: Vec::new(),
        }
    }

    /// Contexts with more keys than this are remembered by address for the whole batch.
    const REMEMBER_FROM: usize = 4;

    /// Room for `contexts` more contexts of about two keys each (sized once instead of
    /// regrowing, which copies the buffers and faults in fresh pages each time).
    fn reserve(&mut self, contexts: usize) {
        let t = &mut self.table;
        t.bounds.reserve(contexts);
        t.entries.reserve(contexts.saturating_mul(2));
        t.text.reserve(contexts.saturating_mul(24));
        self.keep.reserve(contexts);
    }

    /// The number of a key: keys are interned by the address of their `str` object (the
    /// object is kept alive, see `keep`). Equal texts in distinct objects are stored twice,
    /// which only costs memory: the context view matches keys by text.
    fn key(&mut self, key: &Bound<'_, PyString>, text: &str) -> u32 {
        let address = key.as_ptr() as usize;
        if let Some(&k) = self.key_by_address.get(&address) {
            return k;
        }
        let k = self.table.keys.len() as u32;
        self.table.keys.push(text.to_owned());
        self.key_by_address.insert(address, k);
        self.keep.push(key.clone().into_any().unbind());
        k
    }

    /// Adds one context (None: empty) and returns its number. `by_identity`: the caller
    /// guarantees that the same dict object stands for the same contents for the whole batch
    /// (the rows were all materialized before the batch started, as in a list).
    fn add(&mut self, ctx: Option<&Bound<'_, PyAny>>, by_identity: bool) -> PyResult<u32> {
        let Some(ctx) = ctx.filter(|c| !c.is_none()) else {
            if let Some(e) = self.empty {
                return Ok(e);
            }
            let e = self.finish_context();
            self.empty = Some(e);
            return Ok(e);
        };
        let by_identity = by_identity && ctx.is_exact_instance_of::<PyDict>();
        let address = ctx.as_ptr() as usize;
        if by_identity {
            // The same dict as the previous request's (`[ctx] * n`): no look-up at all.
            if let Some((a, c)) = self.last
                && a == address
            {
                return Ok(c);
            }
            if let Some(&c) = self.context_by_address.get(&address) {
                self.last = Some((address, c));
                return Ok(c);
            }
        }
        fill_context(ctx, self)?;
        let c = self.finish_context();
        if by_identity {
            // Small contexts are converted again when they come back later (cheaper than
            // remembering every one of a million per-request dicts); larger ones are
            // remembered by address. Either way the dict is kept alive, so its address
            // cannot be reused by another object during the batch.
            if self.table.entries_of(c as usize).len() > TableBuilder::REMEMBER_FROM {
                self.context_by_address.insert(address, c);
            }
            self.last = Some((address, c));
            self.keep.push(ctx.clone().unbind());
        }
        Ok(c)
    }

    fn finish_context(&mut self) -> u32 {
        self.table.bounds.push(self.table.entries.len());
        (self.table.bounds.len() - 2) as u32
    }
}

impl ContextSink for TableBuilder {
    fn one(&mut self, key: &Bound<'_, PyString>, key_text: &str, value: &str) {
        let k = self.key(key, key_text);
        let start = self.table.text.len();
        self.table.text.push_str(value);
        let v = TableValue::One(start, self.table.text.len());
        self.table.entries.push((k, v));
    }
    fn many(&mut self, key: &Bound<'_, PyString>, key_text: &str, values: Vec<String>) {
        let k = self.key(key, key_text);
        self.table.many.push(values);
        let v = TableValue::Many(self.table.many.len() - 1);
        self.table.entries.push((k, v));
    }
}

/// The requests of `Engine.evaluate_many`: parallel columns, each of length 1 or `n`.
#[derive(Debug, Default)]
struct Batch {
    actions: Column,
    resources: Column,
    principals: Column,
    resource_accounts: Column,
    contexts: ContextTable,
    /// The context of each request (a number in `contexts`).
    context_ids: Vec<u32>,
}

thread_local! {
    /// The buffers of this thread's last batch, emptied, for the next one: a batch of a
    /// million requests fills tens of megabytes of buffers, and allocating them afresh each
    /// time costs more in page faults than filling them (BENCHMARKS.md, issue #10).
    static SPARE_BATCH: std::cell::RefCell<Option<Batch>> = const { std::cell::RefCell::new(None) };
}

impl Batch {
    /// Buffers above this size are not kept for the next batch.
    const KEEP_AT_MOST: usize = 64 << 20;

    /// An empty batch, on the buffers of this thread's previous batch when there are some.
    fn recycled() -> Batch {
        let spare = SPARE_BATCH.with(|s| s.borrow_mut().take());
        match spare {
            Some(mut b) => {
                for c in [
                    &mut b.actions,
                    &mut b.resources,
                    &mut b.principals,
                    &mut b.resource_accounts,
                ] {
                    c.clear();
                }
                b.contexts.clear();
                b.context_ids.clear();
                b
            }
            None => Batch::default(),
        }
    }

    /// Keeps the buffers for this thread's next batch (unless they are very large).
    fn recycle(self) {
        let bytes = [
            &self.actions,
            &self.resources,
            &self.principals,
            &self.resource_accounts,
        ]
        .iter()
        .map(|c| c.capacity_bytes())
        .sum::<usize>()
            + self.contexts.capacity_bytes()
            + self.context_ids.capacity() * std::mem::size_of::<u32>();
        if bytes <= Batch::KEEP_AT_MOST {
            SPARE_BATCH.with(|s| *s.borrow_mut() = Some(self));
        }
    }

    fn of_lists(
        actions: Option<&Bound<'_, PyAny>>,
        resources: Option<&Bound<'_, PyAny>>,
        principals: Option<&Bound<'_, PyAny>>,
        contexts: Option<&Bound<'_, PyAny>>,
        resource_accounts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Batch> {
        let mut b = Batch::recycled();
        let mut t = TableBuilder::with_table(std::mem::take(&mut b.contexts));
        let context_ids = &mut b.context_ids;
        match contexts {
            None => context_ids.push(t.add(None, false)?),
            Some(cs) => {
                if cs.is_instance_of::<PyDict>() {
                    return Err(PyTypeError::new_err(
                        "contexts must be a sequence of dicts (one per request, or one for all), not a dict",
                    ));
                }
                // A list or tuple holds its items for the whole batch: a dict repeated in it
                // is converted once.
                let by_identity =
                    cs.is_exact_instance_of::<PyList>() || cs.is_exact_instance_of::<PyTuple>();
                t.reserve(cs.len().unwrap_or(0));
                context_ids.reserve(cs.len().unwrap_or(0));
                for c in cs
                    .try_iter()
                    .map_err(|_| PyTypeError::new_err("contexts must be a sequence of dicts"))?
                {
                    context_ids.push(t.add(Some(&c?), by_identity)?);
                }
            }
        }
        let column = |out: &mut Column,
                      c: Option<&Bound<'_, PyAny>>,
                      name: &str,
                      nullable: bool,
                      default: Option<&str>| {
            match c {
                None => {
                    out.push(default);
                    Ok(())
                }
                Some(c) => Column::fill(out, c, name, nullable),
            }
        };
        if let Some(a) = actions {
            Column::fill(&mut b.actions, a, "actions", false)?;
        }
        column(&mut b.resources, resources, "resources", false, Some("*"))?;
        column(&mut b.principals, principals, "principals", true, None)?;
        column(
            &mut b.resource_accounts,
            resource_accounts,
            "resource_accounts",
            true,
            None,
        )?;
        b.contexts = t.table;
        Ok(b)
    }
}

/// The keys of a request dict.
const REQUEST_KEYS: [&str; 5] = [
    "action",
    "resource",
    "principal",
    "context",
    "resource_account",
];

/// An iterable of request mappings as a batch. A context dict shared by several requests is
/// converted once when the requests come as a list or tuple of dicts (see [`TableBuilder`]);
/// from any other iterable (a generator may reuse and mutate one dict) every context is
/// converted anew.
fn batch_of_dicts<'py>(reqs: &Bound<'py, PyAny>) -> PyResult<Batch> {
    let py = reqs.py();
    let materialized =
        reqs.is_exact_instance_of::<PyList>() || reqs.is_exact_instance_of::<PyTuple>();
    let mut b = Batch::recycled();
    let mut t = TableBuilder::with_table(std::mem::take(&mut b.contexts));
    let keys = [
        pyo3::intern!(py, "action"),
        pyo3::intern!(py, "resource"),
        pyo3::intern!(py, "principal"),
        pyo3::intern!(py, "context"),
        pyo3::intern!(py, "resource_account"),
    ];
    if reqs.is_instance_of::<PyDict>() || reqs.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "requests must be an iterable of request dicts, not a single dict or str",
        ));
    }
    let n = reqs.len().unwrap_or(0);
    t.reserve(n);
    b.context_ids.reserve(n);
    for c in [&mut b.actions, &mut b.resources] {
        c.spans.reserve(n);
        c.text.reserve(n.saturating_mul(24));
    }
    for c in [&mut b.principals, &mut b.resource_accounts] {
        c.spans.reserve(n);
    }
    let items = reqs
        .try_iter()
        .map_err(|_| PyTypeError::new_err("requests must be an iterable of request dicts"))?;
    for (i, item) in items.enumerate() {
        let item = item?;
        let dict = item.cast::<PyDict>().ok();
        let mut found = 0;
        let mut get = |k: &Bound<'py, PyString>| -> PyResult<Option<Bound<'py, PyAny>>> {
            let v = match dict {
                Some(d) => d.get_item(k)?,
                None => match item.get_item(k) {
                    Ok(v) => Some(v),
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(py) => None,
                    Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                        return Err(PyTypeError::new_err(format!(
                            "request {i} must be a dict (or a mapping), not {}",
                            item.get_type().name()?
                        )));
                    }
                    Err(e) => return Err(e),
                },
            };
            found += usize::from(v.is_some());
            Ok(v.filter(|v| !v.is_none()))
        };
        let [k_action, k_resource, k_principal, k_context, k_account] = &keys;
        // Each value is a borrowed `str` object, copied once, into its column.
        let text =
            |v: &Option<Bound<'py, PyAny>>, name: &str| -> PyResult<Option<Bound<'py, PyString>>> {
                v.as_ref()
                    .map(|v| {
                        v.cast::<PyString>().cloned().map_err(|_| {
                            PyTypeError::new_err(format!("request {i}: '{name}' must be a str"))
                        })
                    })
                    .transpose()
            };
        let action = text(&get(k_action)?, "action")?
            .ok_or_else(|| PyValueError::new_err(format!("request {i} has no 'action'")))?;
        let resource = text(&get(k_resource)?, "resource")?;
        let principal = text(&get(k_principal)?, "principal")?;
        let context = get(k_context)?;
        let account = text(&get(k_account)?, "resource_account")?;
        let len = match dict {
            Some(d) => Some(d.len()),
            None => item.len().ok(),
        };
        if len.is_some_and(|n| n != found) {
            return Err(unknown_request_key(i, &item));
        }
        let by_identity = materialized && dict.is_some() && item.is_exact_instance_of::<PyDict>();
        b.context_ids.push(t.add(context.as_ref(), by_identity)?);
        fn s<'a>(v: &'a Option<Bound<'_, PyString>>) -> PyResult<Option<&'a str>> {
            v.as_ref().map(|v| v.to_str()).transpose()
        }
        b.actions.push(Some(action.to_str()?));
        b.resources.push(Some(s(&resource)?.unwrap_or("*")));
        b.principals.push(s(&principal)?);
        b.resource_accounts.push(s(&account)?);
    }
    if b.actions.len() == 0 {
        b.principals.push(None);
        b.resource_accounts.push(None);
        b.resources.push(Some("*"));
        b.context_ids.push(t.add(None, false)?);
    }
    b.contexts = t.table;
    Ok(b)
}

/// The error for a request mapping with a key `evaluate_many` does not know (a misspelt
/// `context` must not be ignored).
fn unknown_request_key(i: usize, item: &Bound<'_, PyAny>) -> PyErr {
    let unknown = item.try_iter().ok().and_then(|keys| {
        keys.filter_map(Result::ok).find(|k| {
            k.extract::<String>()
                .map_or(true, |k| !REQUEST_KEYS.contains(&k.as_str()))
        })
    });
    let what = unknown
        .and_then(|k| k.repr().ok())
        .map(|r| r.to_string())
        .unwrap_or_else(|| "a key".to_string());
    PyValueError::new_err(format!(
        "request {i} has unknown key {what}: expected {}",
        REQUEST_KEYS.join(", ")
    ))
}

impl PyEngine {
    /// Decides a batch with the GIL released; request `i` is decided exactly as
    /// `Engine.evaluate` decides it alone.
    fn decide_batch(&self, py: Python<'_>, b: &Batch) -> PyResult<Vec<Decision>> {
        let lens = [
            b.actions.len(),
            b.resources.len(),
            b.principals.len(),
            b.context_ids.len(),
            b.resource_accounts.len(),
        ];
        let n = lens.iter().copied().max().unwrap_or(0);
        if b.actions.len() == 0 {
            return Ok(Vec::new());
        }
        if lens.contains(&0) {
            return Err(PyValueError::new_err(
                "actions, resources, principals, contexts and resource_accounts must not be empty",
            ));
        }
        if lens.iter().any(|&l| l != 1 && l != n) {
            return Err(PyValueError::new_err(format!(
                "actions ({}), resources ({}), principals ({}), contexts ({}) and resource_accounts ({}) must have the same length (or length 1)",
                lens[0], lens[1], lens[2], lens[3], lens[4]
            )));
        }
        // Parse every distinct named principal once, with the GIL (errors are Python errors).
        let mut parsed: HashMap<&str, Arc<Principal>> = HashMap::new();
        let mut who: Vec<Option<Arc<Principal>>> = Vec::with_capacity(b.principals.len());
        for i in 0..b.principals.len() {
            who.push(match b.principals.at(i) {
                None => None,
                Some(t) => Some(match parsed.get(t) {
                    Some(p) => Arc::clone(p),
                    None => {
                        let p = principal_arc(Some(t), "*", None)?;
                        parsed.insert(t, Arc::clone(&p));
                        p
                    }
                }),
            });
        }
        let state = Arc::clone(&self.state);
        let table = &b.contexts;
        let at = |len: usize, i: usize| if len == 1 { 0 } else { i };
        Ok(py.detach(|| {
            let keys: Vec<&str> = table.keys.iter().map(String::as_str).collect();
            // Large contexts used by several requests are viewed once; any other context is
            // viewed when a request needs it (consecutive requests with the same context
            // share the view).
            let mut shared: HashMap<u32, Context<'_>> = HashMap::new();
            let large: Vec<usize> = (0..table.count())
                .filter(|&c| table.entries_of(c).len() > Context::INLINE)
                .collect();
            if !large.is_empty() {
                let mut uses = vec![0u32; table.count()];
                for &c in &b.context_ids {
                    if let Some(u) = uses.get_mut(c as usize) {
                        *u = u.saturating_add(1);
                    }
                }
                for c in large {
                    if uses.get(c).is_some_and(|&u| u > 1) {
                        let mut v = Context::new();
                        table.view(c, &keys, &mut v);
                        shared.insert(c as u32, v);
                    }
                }
            }
            let mut current = Context::new();
            let mut current_id = u32::MAX;
            // Default principals by account (see `default_principal`).
            let mut defaults: HashMap<&str, Principal> = HashMap::new();
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let action = b.actions.at(i).unwrap_or_default();
                let resource = b.resources.at(i).unwrap_or("*");
                let account = b.resource_accounts.at(i);
                let principal: &Principal = match who.get(at(who.len(), i)) {
                    Some(Some(p)) => p,
                    _ => {
                        let acct = default_principal_account(resource, account);
                        defaults
                            .entry(acct)
                            .or_insert_with(|| default_principal(acct))
                    }
                };
                let cid = b
                    .context_ids
                    .get(at(b.context_ids.len(), i))
                    .copied()
                    .unwrap_or(0);
                let ctx = match shared.get(&cid) {
                    Some(c) => c,
                    None => {
                        if cid != current_id {
                            table.view(cid as usize, &keys, &mut current);
                            current_id = cid;
                        }
                        &current
                    }
                };
                let mut req = Request::new(principal, action, resource).with_context(ctx);
                if let Some(a) = account {
                    req = req.with_resource_account(a);
                }
                out.push(state.engine.evaluate(&req));
            }
            out
        }))
    }
}

// ---- caches --------------------------------------------------------------------------------

/// Parsed principals of recent requests, by ARN (parsing one costs about a microsecond).
static PRINCIPALS: Mutex<Option<HashMap<String, Arc<Principal>>>> = Mutex::new(None);
const PRINCIPAL_CACHE_SIZE: usize = 4096;

/// `principal_of`, shared through a small cache for explicit principals.
fn principal_arc(
    text: Option<&str>,
    resource: &str,
    resource_account: Option<&str>,
) -> PyResult<Arc<Principal>> {
    let Some(t) = text else {
        return principal_of(None, resource, resource_account).map(Arc::new);
    };
    if let Ok(cache) = PRINCIPALS.lock()
        && let Some(p) = cache.as_ref().and_then(|m| m.get(t))
    {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(principal_of(Some(t), resource, resource_account)?);
    if let Ok(mut cache) = PRINCIPALS.lock() {
        let m = cache.get_or_insert_with(HashMap::new);
        if m.len() >= PRINCIPAL_CACHE_SIZE {
            m.clear();
        }
        m.insert(t.to_owned(), Arc::clone(&p));
    }
    Ok(p)
}

/// The engine of results decided elsewhere (no policies), compiled once.
fn empty_state() -> PyResult<Arc<EngineState>> {
    static EMPTY: OnceLock<Arc<EngineState>> = OnceLock::new();
    if let Some(s) = EMPTY.get() {
        return Ok(Arc::clone(s));
    }
    let s = Arc::new(Layers::default().compile().map_err(compile_error)?);
    Ok(Arc::clone(EMPTY.get_or_init(|| s)))
}

// ---- pickling of results -------------------------------------------------------------------

/// (layer, policy_index, policy_name, statement_index, sid, effect, (start line, column,
/// offset, end line, column, offset), principal_match, decisive)
type MatchedState = (
    String,
    usize,
    Option<String>,
    usize,
    Option<String>,
    String,
    (u32, u32, u32, u32, u32, u32),
    String,
    bool,
);
/// (decision, reason, [(layer, verdict)], matched statements, [(variable, value)], missing keys)
type ExplanationState = (
    String,
    String,
    Vec<(String, String)>,
    Vec<MatchedState>,
    Vec<(String, Option<String>)>,
    Vec<String>,
);
/// (principal as parsed, principal as given, action, resource, resource account, explanation)
type ResultState = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    ExplanationState,
);

/// How a pickled result names the unnamed IAM user of a request without a principal (not a
/// principal anyone can write: `Principal::parse` refuses it).
const UNNAMED_PREFIX: &str = "unnamed-iam-user-of:";

fn match_strength_name(m: iam_eval::MatchStrength) -> String {
    format!("{m:?}").to_lowercase()
}

impl PyEvaluationResult {
    /// Everything a result shows, with policy names resolved (the engine is not pickled).
    fn state(&self) -> ResultState {
        let ex = self.explanation();
        let matched = ex
            .matched_statements
            .iter()
            .map(|s| {
                let layer = s.layer.to_string();
                let name = s
                    .policy_name
                    .clone()
                    .or_else(|| self.policy_name(&layer, s.policy_index));
                let sp = &s.span;
                (
                    layer,
                    s.policy_index,
                    name,
                    s.statement_index,
                    s.sid.clone(),
                    s.effect.as_str().to_string(),
                    (
                        sp.start.line,
                        sp.start.column,
                        sp.start.offset,
                        sp.end.line,
                        sp.end.column,
                        sp.end.offset,
                    ),
                    match_strength_name(s.principal_match),
                    s.decisive,
                )
            })
            .collect();
        let exs = (
            ex.decision.as_str().to_string(),
            ex.reason.clone(),
            ex.layers
                .iter()
                .map(|l| (l.layer.to_string(), l.verdict.to_string()))
                .collect(),
            matched,
            ex.variables
                .iter()
                .map(|v| (v.key.clone(), v.value.clone()))
                .collect(),
            ex.missing_context_values.clone(),
        );
        let parsed = match &self.req.principal_text {
            Some(t) => t.clone(),
            None if self.req.principal.is_unnamed() => {
                format!("{UNNAMED_PREFIX}{}", self.req.principal.account())
            }
            None => self.req.principal.arn().to_string(),
        };
        (
            parsed,
            self.req.principal_text.clone(),
            self.req.action.clone(),
            self.req.resource.clone(),
            self.req.resource_account.clone(),
            exs,
        )
    }

    /// The policy behind a layer name (`identity`, `scp[1]`, ...) and index, if this result
    /// still has its engine.
    fn policy_data(&self, layer: &str, index: usize) -> Option<Arc<PolicyData>> {
        let s = &self.state;
        let pick = |v: &[Arc<PolicyData>]| v.get(index).cloned();
        let level = |levels: &[Vec<Arc<PolicyData>>], tag: &str| -> Option<Arc<PolicyData>> {
            let l: usize = layer
                .strip_prefix(tag)?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()?;
            levels.get(l).and_then(|v| pick(v))
        };
        match layer {
            "identity" => pick(&s.identity),
            "resource" => pick(s.resource.as_slice()),
            "permissions_boundary" => pick(s.boundary.as_slice()),
            "session" => pick(&s.session),
            "vpc_endpoint" => pick(s.vpce.as_slice()),
            l if l.starts_with("scp") => level(&s.scps, "scp"),
            l if l.starts_with("rcp") => level(&s.rcps, "rcp"),
            _ => None,
        }
    }
}

fn layer_of(text: &str) -> PyResult<iam_eval::Layer> {
    use iam_eval::Layer;
    let level = |tag: &str| -> Option<u16> {
        text.strip_prefix(tag)?
            .strip_prefix('[')?
            .strip_suffix(']')?
            .parse()
            .ok()
    };
    Ok(match text {
        "identity" => Layer::Identity,
        "resource" => Layer::Resource,
        "permissions_boundary" => Layer::PermissionsBoundary,
        "session" => Layer::Session,
        "vpc_endpoint" => Layer::VpcEndpoint,
        t => match (level("scp"), level("rcp")) {
            (Some(l), _) => Layer::Scp(l),
            (_, Some(l)) => Layer::Rcp(l),
            _ => return Err(PyValueError::new_err(format!("unknown layer {t:?}"))),
        },
    })
}

fn explanation_of(s: ExplanationState) -> PyResult<Explanation> {
    use iam_eval::{LayerVerdict, MatchStrength, MatchedStatement, ResolvedVariable, Verdict};
    use iam_model::{Effect, Position, Span};
    let bad = |what: &str, v: &str| PyValueError::new_err(format!("unknown {what} {v:?}"));
    let decision: Decision =
        s.0.parse()
            .map_err(|e: iam_eval::UnknownDecision| PyValueError::new_err(e.to_string()))?;
    let verdict = |v: &str| -> PyResult<Verdict> {
        Ok(match v {
            "deny" => Verdict::Deny,
            "allow" => Verdict::Allow,
            "no match" => Verdict::NoMatch,
            _ => return Err(bad("verdict", v)),
        })
    };
    let strength = |v: &str| -> PyResult<MatchStrength> {
        Ok(match v {
            "account" => MatchStrength::Account,
            "parentlevel" => MatchStrength::ParentLevel,
            "wildcard" => MatchStrength::Wildcard,
            "direct" => MatchStrength::Direct,
            _ => return Err(bad("principal match", v)),
        })
    };
    let layers =
        s.2.iter()
            .map(|(l, v)| {
                Ok(LayerVerdict {
                    layer: layer_of(l)?,
                    verdict: verdict(v)?,
                })
            })
            .collect::<PyResult<_>>()?;
    let matched =
        s.3.into_iter()
            .map(|m| {
                let (l, c, o, el, ec, eo) = m.6;
                Ok(MatchedStatement {
                    layer: layer_of(&m.0)?,
                    policy_index: m.1,
                    policy_name: m.2,
                    statement_index: m.3,
                    sid: m.4,
                    effect: Effect::parse(&m.5).ok_or_else(|| bad("effect", &m.5))?,
                    span: Span {
                        start: Position {
                            line: l,
                            column: c,
                            offset: o,
                        },
                        end: Position {
                            line: el,
                            column: ec,
                            offset: eo,
                        },
                    },
                    principal_match: strength(&m.7)?,
                    decisive: m.8,
                })
            })
            .collect::<PyResult<_>>()?;
    Ok(Explanation {
        decision,
        reason: s.1,
        layers,
        matched_statements: matched,
        variables: s
            .4
            .into_iter()
            .map(|(key, value)| ResolvedVariable { key, value })
            .collect(),
        missing_context_values: s.5,
    })
}

/// Unpickles an `EvaluationResult` (see `EvaluationResult.__reduce__`): the decision and its
/// explanation as they were; the policies themselves are not kept.
#[pyfunction]
pub fn _restore_result(state: ResultState) -> PyResult<PyEvaluationResult> {
    let (parsed, text, action, resource, resource_account, exs) = state;
    let principal = match parsed.strip_prefix(UNNAMED_PREFIX) {
        Some(account) => Principal::unnamed_user(account),
        None => Principal::parse(&parsed).map_err(|e| PyValueError::new_err(e.to_string()))?,
    };
    let mut r = PyEvaluationResult::from_explanation(
        principal,
        parsed,
        action,
        resource,
        OwnedContext::default(),
        explanation_of(exs)?,
    )?;
    r.req.principal_text = text;
    r.req.resource_account = resource_account;
    Ok(r)
}
