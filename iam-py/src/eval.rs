//! Evaluation: `iamkit.evaluate`, `iamkit.Engine` and `iamkit.EvaluationResult` over `iam-eval`.

use crate::convert::python_attr;
use crate::policy::{PolicyData, PyPolicy};
use iam_eval::{Decision, Engine, Explanation, OwnedContext, Principal, Request};
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

/// The caller of a request. `None` (no principal named) is an unnamed IAM user of the
/// resource's account holding exactly the identity policies given — what AWS's policy simulator
/// does for SimulateCustomPolicy without CallerArn — never the root user (spec §5.1 rev 3).
/// AWS's documentation does not say which account that simulated caller belongs to; offline
/// there is no calling account, so the resource's account is taken (spec §5.1): the request is
/// then same-account, as the simulator's own simulations are (it does not simulate
/// cross-account access for users, spec §8.3).
fn principal_of(
    text: Option<&str>,
    resource: &str,
    resource_account: Option<&str>,
) -> PyResult<Principal> {
    match text {
        Some(t) => Principal::parse(t).map_err(|e| PyValueError::new_err(e.to_string())),
        None => Ok(Principal::unnamed_user(
            resource_account
                .or_else(|| arn_account(resource))
                .unwrap_or(DEFAULT_ACCOUNT),
        )),
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

/// One context value as strings: `str`, `int`, `float`, `bool` or a list/tuple of those.
fn context_value(key: &str, v: &Bound<'_, PyAny>) -> PyResult<(Vec<String>, bool)> {
    fn scalar(key: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
        if let Ok(s) = v.cast::<PyString>() {
            return Ok(s.to_str()?.to_owned());
        }
        if let Ok(b) = v.cast::<PyBool>() {
            return Ok(if b.is_true() { "true" } else { "false" }.to_owned());
        }
        if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
            return Ok(v.str()?.to_str()?.to_owned());
        }
        if v.hasattr("isoformat")? {
            return v.call_method0("isoformat")?.extract();
        }
        Err(PyTypeError::new_err(format!(
            "context value of {key:?} must be str, int, float, bool, a date/datetime or a list of those, not {}",
            v.get_type().name()?
        )))
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in v.try_iter()? {
            out.push(scalar(key, &item?)?);
        }
        return Ok((out, true));
    }
    Ok((vec![scalar(key, v)?], false))
}

pub(crate) fn context_of(ctx: Option<&Bound<'_, PyAny>>) -> PyResult<OwnedContext> {
    let mut out = OwnedContext::default();
    let Some(ctx) = ctx.filter(|c| !c.is_none()) else {
        return Ok(out);
    };
    let d = ctx
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("context must be a dict of condition key -> value"))?;
    for (k, v) in d.iter() {
        let key: String = k
            .extract()
            .map_err(|_| PyTypeError::new_err("context keys must be str"))?;
        if v.is_none() {
            continue;
        }
        let (values, multi) = context_value(&key, &v)?;
        match (multi, values.first()) {
            (false, Some(one)) => out.insert_one(&key, one),
            _ => out.insert(&key, values),
        }
    }
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

    /// A readable, multi-line explanation of the decision.
    fn explain(&self) -> String {
        self.explanation().to_string()
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
    fn policy(&self, layer: &str, policy_index: usize) -> Option<PyPolicy> {
        self.policy_data(layer, policy_index)
            .map(|data| PyPolicy { data })
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
    /// request. Either a sequence of request dicts (`action`, `resource`, `principal`,
    /// `context`, as `evaluate` takes them) or parallel sequences `actions`, `resources`,
    /// `principals`, `contexts` (length 1 is repeated to the length of the longest one).
    /// `as_dataframe=True` gives a pandas DataFrame (action, resource, principal, decision).
    #[pyo3(signature = (requests = None, /, *, actions = None, resources = None, principals = None, contexts = None, as_dataframe = false))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        requests: Option<&Bound<'py, PyAny>>,
        actions: Option<Vec<String>>,
        resources: Option<Vec<String>>,
        principals: Option<Vec<Option<String>>>,
        contexts: Option<&Bound<'py, PyAny>>,
        as_dataframe: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let batch = match requests.filter(|r| !r.is_none()) {
            Some(reqs) => {
                if actions.is_some()
                    || resources.is_some()
                    || principals.is_some()
                    || contexts.is_some_and(|c| !c.is_none())
                {
                    return Err(PyTypeError::new_err(
                        "give either a sequence of request dicts or actions=/resources=/principals=/contexts=, not both",
                    ));
                }
                batch_of_dicts(reqs)?
            }
            None => Batch::of_lists(
                actions.unwrap_or_default(),
                resources.unwrap_or_else(|| vec!["*".to_string()]),
                principals,
                contexts,
            )?,
        };
        let decisions = self.decide_batch(py, &batch)?;
        let list = PyList::empty(py);
        for d in &decisions {
            list.append(interned_decision(py, *d))?;
        }
        if !as_dataframe {
            return Ok(list.into_any());
        }
        static FRAME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let n = decisions.len();
        let at = |len: usize, i: usize| if len == 1 { 0 } else { i };
        let col = |v: &[String]| {
            (0..n)
                .map(|i| v.get(at(v.len(), i)).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let who = (0..n)
            .map(|i| {
                batch
                    .principals
                    .get(at(batch.principals.len(), i))
                    .cloned()
                    .flatten()
            })
            .collect::<Vec<_>>();
        python_attr(py, &FRAME, "iamkit._frame", "decisions_frame")?.call1((
            col(&batch.actions),
            col(&batch.resources),
            who,
            list,
        ))
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

/// The requests of `Engine.evaluate_many`: parallel columns, each of length 1 or `n`.
#[derive(Debug, Default)]
struct Batch {
    actions: Vec<String>,
    resources: Vec<String>,
    principals: Vec<Option<String>>,
    /// Distinct contexts; `context_index` picks one per request (empty: length-1 rule).
    contexts: Vec<OwnedContext>,
    context_index: Vec<usize>,
}

impl Batch {
    fn of_lists(
        actions: Vec<String>,
        resources: Vec<String>,
        principals: Option<Vec<Option<String>>>,
        contexts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Batch> {
        let contexts: Vec<OwnedContext> = match contexts.filter(|c| !c.is_none()) {
            None => vec![OwnedContext::default()],
            Some(cs) => cs
                .try_iter()?
                .map(|c| context_of(Some(&c?)))
                .collect::<PyResult<_>>()?,
        };
        Ok(Batch {
            actions,
            resources,
            principals: principals.unwrap_or_else(|| vec![None]),
            contexts,
            context_index: Vec::new(),
        })
    }
}

/// A sequence of request dicts as a batch; a context dict shared by several requests is
/// converted once.
fn batch_of_dicts<'py>(reqs: &Bound<'py, PyAny>) -> PyResult<Batch> {
    let mut b = Batch::default();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let py = reqs.py();
    let (k_action, k_resource, k_principal, k_context) = (
        pyo3::intern!(py, "action"),
        pyo3::intern!(py, "resource"),
        pyo3::intern!(py, "principal"),
        pyo3::intern!(py, "context"),
    );
    for (i, item) in reqs
        .try_iter()
        .map_err(|_| PyTypeError::new_err("requests must be a sequence of dicts"))?
        .enumerate()
    {
        let item = item?;
        let get = |k: &Bound<'py, PyString>| -> PyResult<Option<Bound<'py, PyAny>>> {
            if let Ok(d) = item.cast::<PyDict>() {
                return d.get_item(k);
            }
            match item.get_item(k) {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(py) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let action: String = get(k_action)?
            .ok_or_else(|| PyValueError::new_err(format!("request {i} has no 'action'")))?
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("request {i}: 'action' must be a str")))?;
        let resource: String = match get(k_resource)? {
            Some(r) if !r.is_none() => r.extract().map_err(|_| {
                PyTypeError::new_err(format!("request {i}: 'resource' must be a str"))
            })?,
            _ => "*".to_string(),
        };
        let principal: Option<String> = match get(k_principal)? {
            Some(p) if !p.is_none() => Some(p.extract().map_err(|_| {
                PyTypeError::new_err(format!("request {i}: 'principal' must be a str"))
            })?),
            _ => None,
        };
        let ctx = get(k_context)?.filter(|c| !c.is_none());
        let index = match ctx {
            None => *seen.entry(0).or_insert_with(|| {
                b.contexts.push(OwnedContext::default());
                b.contexts.len() - 1
            }),
            Some(c) => {
                let key = c.as_ptr() as usize;
                match seen.get(&key) {
                    Some(&ix) => ix,
                    None => {
                        b.contexts.push(context_of(Some(&c))?);
                        seen.insert(key, b.contexts.len() - 1);
                        b.contexts.len() - 1
                    }
                }
            }
        };
        b.actions.push(action);
        b.resources.push(resource);
        b.principals.push(principal);
        b.context_index.push(index);
    }
    if b.actions.is_empty() {
        b.principals.push(None);
    }
    Ok(b)
}

impl PyEngine {
    /// Decides a batch with the GIL released.
    fn decide_batch(&self, py: Python<'_>, b: &Batch) -> PyResult<Vec<Decision>> {
        let (actions, resources, principals) = (&b.actions, &b.resources, &b.principals);
        let ctx_len = if b.context_index.is_empty() {
            b.contexts.len()
        } else {
            b.context_index.len()
        };
        let lens = [actions.len(), resources.len(), principals.len(), ctx_len];
        let n = lens.iter().copied().max().unwrap_or(0);
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        if lens.contains(&0) {
            return Err(PyValueError::new_err(
                "actions, resources, principals and contexts must not be empty",
            ));
        }
        if lens.iter().any(|&l| l != 1 && l != n) {
            return Err(PyValueError::new_err(format!(
                "actions ({}), resources ({}), principals ({}) and contexts ({}) must have the same length (or length 1)",
                lens[0], lens[1], lens[2], lens[3]
            )));
        }
        let at = |len: usize, i: usize| if len == 1 { 0 } else { i };
        // Parse every distinct principal once; the default (no principal: an unnamed IAM user,
        // spec §5.1 rev 3) follows each request's resource account.
        let mut parsed: HashMap<&str, Arc<Principal>> = HashMap::new();
        let mut who: Vec<Option<Arc<Principal>>> = Vec::with_capacity(principals.len());
        for text in principals {
            who.push(match text.as_deref() {
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
        let default_unnamed = (resources.len() == 1).then(|| {
            Principal::unnamed_user(arn_account(&resources[0]).unwrap_or(DEFAULT_ACCOUNT))
        });
        let state = Arc::clone(&self.state);
        py.detach(|| {
            let ctxs: Vec<_> = b.contexts.iter().map(OwnedContext::as_context).collect();
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let action = actions
                    .get(at(actions.len(), i))
                    .map(String::as_str)
                    .unwrap_or_default();
                let resource = resources
                    .get(at(resources.len(), i))
                    .map(String::as_str)
                    .unwrap_or_default();
                let owned;
                let principal: &Principal = match who.get(at(who.len(), i)) {
                    Some(Some(p)) => p,
                    _ if default_unnamed.is_some() => default_unnamed
                        .as_ref()
                        .ok_or_else(|| PyValueError::new_err("no principal"))?,
                    _ => {
                        owned = Principal::unnamed_user(
                            arn_account(resource).unwrap_or(DEFAULT_ACCOUNT),
                        );
                        &owned
                    }
                };
                let ci = if b.context_index.is_empty() {
                    at(ctxs.len(), i)
                } else {
                    b.context_index.get(i).copied().unwrap_or(0)
                };
                let ctx = ctxs
                    .get(ci)
                    .ok_or_else(|| PyValueError::new_err("no context"))?;
                out.push(
                    state
                        .engine
                        .evaluate(&Request::new(principal, action, resource).with_context(ctx)),
                );
            }
            Ok(out)
        })
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
