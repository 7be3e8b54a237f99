//! Access analysis for Python (`iam_analysis`): catalog look-ups, what a principal can
//! do, who can do something, the access matrix, policy diffs and privilege-escalation paths.
//! Results cross as JSON (loaded with `json.loads`) or, for the matrix, as one byte per cell;
//! the pure-Python wrappers live in `python/iamkit/_analysis.py`. The work runs without the GIL,
//! under the account's shared (read) lock: analyses run in parallel, a client mutation waits.

use crate::account::PyAccount;
use crate::convert::loads;
use crate::errors::{analysis_error, unknown_action_error};
use crate::eval::context_of;
use iam_account::Account;
use iam_analysis::{self as analysis, Access};
use iam_model::PolicyType;
use iam_model::catalog::Catalog;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{Value, json};

fn json_to_py<'py>(
    py: Python<'py>,
    text: serde_json::Result<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = text.map_err(|e| PyValueError::new_err(e.to_string()))?;
    loads(py, &text)
}

/// Any `Serialize` value → its Python object through JSON.
macro_rules! to_py {
    ($py:expr, $v:expr $(,)?) => {
        json_to_py($py, serde_json::to_string($v))
    };
}

/// Every catalog action matching an `Action` pattern (`s3:Get*`), AWS's spelling, sorted;
/// raises `iamkit.UnknownActionError` when it matches nothing.
#[pyfunction]
pub(crate) fn expand_actions(py: Python<'_>, pattern: &str) -> PyResult<Vec<String>> {
    analysis::expand_actions(pattern).map_err(|e| unknown_action_error(py, &e))
}

/// Raises `iamkit.UnknownActionError` when `action` (a name or pattern) matches nothing in the
/// catalog; `None` otherwise.
#[pyfunction]
pub(crate) fn check_action(py: Python<'_>, action: &str) -> PyResult<()> {
    Catalog::get()
        .check_action(action)
        .map_err(|e| unknown_action_error(py, &e))
}

/// `{"service", "name", "access_level", "resource_types", "condition_keys"}` of an action, or
/// `None` when the catalog does not know it.
#[pyfunction]
pub(crate) fn action_info<'py>(py: Python<'py>, action: &str) -> PyResult<Bound<'py, PyAny>> {
    let cat = Catalog::get();
    let Some(a) = cat.action(action) else {
        return Ok(py.None().into_bound(py));
    };
    let service = cat.service(a.service);
    let resource_types: Vec<Value> = a
        .resource_types
        .iter()
        .map(|rt| {
            let arn = service
                .and_then(|s| s.resource_type(rt.name))
                .map(|r| r.arn);
            json!({"name": rt.name, "arn": arn, "required": rt.required,
                   "condition_keys": rt.condition_keys})
        })
        .collect();
    let mut keys: Vec<&str> = a.condition_keys.clone();
    for rt in &a.resource_types {
        for k in &rt.condition_keys {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
    }
    to_py!(
        py,
        &json!({
            "service": a.service,
            "name": a.name,
            "action": a.full_name(),
            "access_level": a.access_level.as_str(),
            "resource_types": resource_types,
            "condition_keys": keys,
        }),
    )
}

fn parse_identity(text: &str, which: &str) -> PyResult<iam_model::Policy> {
    iam_parser::parse_policy(text, PolicyType::Identity)
        .map_err(|e| PyValueError::new_err(format!("policy {which}: {e}")))
}

/// Compares two identity policies (JSON texts) over the catalog.
#[pyfunction]
pub(crate) fn _diff_policies<'py>(
    py: Python<'py>,
    a: &str,
    b: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let (pa, pb) = (parse_identity(a, "a")?, parse_identity(b, "b")?);
    let d = py
        .detach(|| analysis::diff_policies(&pa, &pb))
        .map_err(|e| analysis_error(py, &e))?;
    to_py!(py, &d)
}

/// `account.what_can(principal)` in detail: `{"principal", "statements": [...], "actions":
/// [{"action", "service", "access_level", "access", "grants": [{"statement": index into
/// statements, "resources", "access"}]}]}` (each granting statement listed once).
pub(crate) fn what_can<'py>(
    py: Python<'py>,
    acct: &PyAccount,
    principal: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let w = acct
        .read(py, |a| analysis::what_can(a, principal))
        .map_err(|e| analysis_error(py, &e.into()))?;
    what_can_to_py(py, &w)
}

/// The Python shape of a [`analysis::WhatCan`] (see [`what_can`]).
pub(crate) fn what_can_to_py<'py>(
    py: Python<'py>,
    w: &analysis::WhatCan,
) -> PyResult<Bound<'py, PyAny>> {
    let mut statements: Vec<&std::sync::Arc<analysis::StatementInfo>> = Vec::new();
    let mut actions = Vec::with_capacity(w.len());
    for s in &w.services {
        for a in &s.actions {
            let grants: Vec<Value> = a
                .grants
                .iter()
                .map(|g| {
                    let i = match statements
                        .iter()
                        .position(|x| std::sync::Arc::ptr_eq(x, &g.statement))
                    {
                        Some(i) => i,
                        None => {
                            statements.push(&g.statement);
                            statements.len() - 1
                        }
                    };
                    json!({"statement": i, "resources": &*g.resources, "access": g.access.as_str()})
                })
                .collect();
            actions.push(json!({
                "action": a.action,
                "service": s.service,
                "access_level": a.access_level.as_str(),
                "access": a.access.as_str(),
                "grants": grants,
            }));
        }
    }
    let statements: Vec<&analysis::StatementInfo> = statements.iter().map(|s| &***s).collect();
    to_py!(
        py,
        &json!({"principal": w.principal, "statements": statements, "actions": actions})
    )
}

/// `account.who_can(action, resource, context)` in detail: one object per (principal, action);
/// with `principals`, among those ARNs only (`iam_analysis::who_can_among`).
pub(crate) fn who_can<'py>(
    py: Python<'py>,
    acct: &PyAccount,
    action: &str,
    resource: &str,
    context: Option<&Bound<'_, PyAny>>,
    principals: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let ctx = context_of(context)?;
    let out = acct
        .read(py, |a| match &principals {
            Some(p) => analysis::who_can_among(a, p, action, resource, &ctx.as_context()),
            None => analysis::who_can(a, action, resource, &ctx.as_context()),
        })
        .map_err(|e| analysis_error(py, &e))?;
    who_can_to_py(py, &out)
}

/// `who_can`'s entries as the very Python objects `json.loads` makes of their JSON (a `list` of
/// `{"principal", "action", "access", "statements": [{"layer", "policy_index", "policy",
/// "statement", "sid", "effect"}]}`, keys in that order, every `dict` and `list` its own
/// object), built directly: a 13,000-entry answer is several times faster than through JSON
/// text. Only immutable `str` values are shared between entries (the keys, the action).
pub(crate) fn who_can_to_py<'py>(
    py: Python<'py>,
    out: &[analysis::WhoCan],
) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::intern;
    use pyo3::types::{PyDict, PyList, PyString};
    let list = PyList::empty(py);
    let mut action: Option<(&str, Bound<'py, PyString>)> = None;
    for w in out {
        let a = match &action {
            Some((name, s)) if *name == w.action => s.clone(),
            _ => {
                let s = PyString::new(py, &w.action);
                action = Some((&w.action, s.clone()));
                s
            }
        };
        let access = match w.access {
            Access::Allowed => intern!(py, "allowed"),
            Access::Conditional => intern!(py, "conditional"),
        };
        let statements = PyList::empty(py);
        for st in &w.statements {
            let d = PyDict::new(py);
            d.set_item(intern!(py, "layer"), st.layer.to_string())?;
            d.set_item(intern!(py, "policy_index"), st.policy_index)?;
            d.set_item(intern!(py, "policy"), st.policy.as_deref())?;
            d.set_item(intern!(py, "statement"), st.statement)?;
            d.set_item(intern!(py, "sid"), st.sid.as_deref())?;
            d.set_item(intern!(py, "effect"), st.effect.as_str())?;
            statements.append(d)?;
        }
        let d = PyDict::new(py);
        d.set_item(intern!(py, "principal"), &w.principal)?;
        d.set_item(intern!(py, "action"), a)?;
        d.set_item(intern!(py, "access"), access)?;
        d.set_item(intern!(py, "statements"), statements)?;
        list.append(d)?;
    }
    Ok(list.into_any())
}

/// The access matrix: (principals, actions, the distinct rows as one byte per cell, row after
/// row: 0 denied, 1 conditional, 2 allowed, the distinct row of each principal); with
/// `principals`, those rows only (`iam_analysis::access_matrix_among`). Principals with the
/// same policies share a distinct row (`iam_analysis::RowClasses`).
#[allow(clippy::type_complexity)]
pub(crate) fn access_matrix<'py>(
    py: Python<'py>,
    acct: &PyAccount,
    patterns: Vec<String>,
    threads: usize,
    principals: Option<Vec<String>>,
) -> PyResult<(Vec<String>, Vec<String>, Bound<'py, PyBytes>, Vec<u32>)> {
    let m = acct
        .read(py, |a| {
            let p: Vec<&str> = patterns.iter().map(String::as_str).collect();
            match &principals {
                Some(rows) => analysis::access_matrix_among(a, rows, &p, threads),
                None => analysis::access_matrix(a, &p, threads),
            }
        })
        .map_err(|e| analysis_error(py, &e))?;
    let distinct = m.distinct_rows();
    let mut cells = Vec::with_capacity(distinct * m.actions.len());
    for d in 0..distinct {
        cells.extend(m.distinct_row(d).iter().map(|c| match c {
            None => 0u8,
            Some(Access::Conditional) => 1,
            Some(Access::Allowed) => 2,
        }));
    }
    let rows = (0..m.principals.len())
        .map(|r| m.row_class(r).map_or(0, |d| u32::try_from(d).unwrap_or(0)))
        .collect();
    let actions = m.actions.iter().map(|a| a.to_string()).collect();
    Ok((m.principals, actions, PyBytes::new(py, &cells), rows))
}

/// `(principals, class of each, representative of each class)`: which principals share a row
/// of the access matrix (`iam_analysis::row_classes`).
pub(crate) fn row_classes(
    py: Python<'_>,
    acct: &PyAccount,
) -> PyResult<(Vec<String>, Vec<u32>, Vec<String>)> {
    let c = acct
        .read(py, |a| analysis::row_classes(a))
        .map_err(|e| analysis_error(py, &e))?;
    Ok((c.principals, c.class_of, c.representatives))
}

/// Privilege-escalation findings of one principal (or every user and role).
pub(crate) fn privilege_escalation<'py>(
    py: Python<'py>,
    acct: &PyAccount,
    principal: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let found = acct
        .read(py, |a| match principal {
            Some(p) => analysis::what_can(a, p).map(|w| analysis::privilege_escalation(&w)),
            None => analysis::privilege_escalation_all(a),
        })
        .map_err(|e| analysis_error(py, &e.into()))?;
    to_py!(py, &found)
}

/// The user and role ARNs the analyses look at (called under the account's read lock).
pub(crate) fn principals(acct: &Account) -> Vec<String> {
    analysis::Target::from(acct).principals()
}

/// The least-privilege identity policy covering one principal's calls in a decision log
/// (`iam_analysis::policy_from_log`): `{"policy_json", "policy", "statements", "requests",
/// "distinct", "denied", "lines", "warnings": [{"line", "message"}]}`, or `{"error": {"line", "message"}}` when the log cannot be
/// read (the Python wrapper raises `iamkit.DecisionLogError`). `decisions` is `all`, `allowed`
/// or `denied`.
#[pyfunction]
pub(crate) fn _policy_from_log<'py>(
    py: Python<'py>,
    text: &str,
    principal: &str,
    decisions: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(filter) = analysis::DecisionFilter::parse(decisions) else {
        return Err(PyValueError::new_err(format!(
            "decisions={decisions:?}: expected 'all', 'allowed' or 'denied'"
        )));
    };
    match py.detach(|| analysis::policy_from_log(text, principal, filter)) {
        Ok(p) => to_py!(
            py,
            &json!({
                "policy_json": p.policy_json(),
                "policy": p.policy,
                "statements": p.statements,
                "requests": p.requests,
                "distinct": p.distinct,
                "denied": p.denied,
                "lines": p.lines,
                "warnings": p.warnings,
            })
        ),
        Err(e) => to_py!(
            py,
            &json!({"error": {"line": e.line, "message": e.message}})
        ),
    }
}

/// The reach graph of an account (`iam_analysis::ReachGraph`), wrapped by `iamkit.ReachGraph`:
/// nodes, edges with their enabling statements, paths, admins and escalations. Immutable: it
/// describes the account as it was when built.
#[pyclass(module = "iamkit._native", name = "NativeReachGraph", frozen)]
pub(crate) struct PyReachGraph {
    pub(crate) graph: analysis::ReachGraph,
}

#[pymethods]
impl PyReachGraph {
    /// A graph from its JSON text (`to_json`), as pickling ships it between processes.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<PyReachGraph> {
        analysis::ReachGraph::from_json(text)
            .map(|graph| PyReachGraph { graph })
            .map_err(|e| PyValueError::new_err(format!("not a reach graph: {e}")))
    }

    /// The whole graph from parts built over disjoint sets of accounts
    /// (`iam_analysis::ReachGraph::merge`).
    #[staticmethod]
    fn merge(py: Python<'_>, parts: Vec<PyRef<'_, PyReachGraph>>) -> PyReachGraph {
        let parts: Vec<analysis::ReachGraph> = parts.iter().map(|p| p.graph.clone()).collect();
        PyReachGraph {
            graph: py.detach(|| analysis::ReachGraph::merge(parts)),
        }
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let f = py.get_type::<PyReachGraph>().getattr("from_json")?;
        Ok((f, (self.graph.to_json(),)))
    }

    /// `{"nodes": [...], "edges": [...]}` as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.graph).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Whom `principal` (a user or role ARN) can become: `[{"target", "steps", "access"}]`,
    /// `steps` indexing the edges.
    fn reach<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, PyAny>> {
        let r = self
            .graph
            .reach(principal)
            .map_err(|e| analysis_error(py, &e))?;
        to_py!(py, &r)
    }

    /// Every way `principal` can become an admin (one per target, shortest first):
    /// `[{"principal", "target", "steps", "access"}]`.
    fn escalations_of<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, PyAny>> {
        let r = self
            .graph
            .escalations_of(principal)
            .map_err(|e| analysis_error(py, &e))?;
        to_py!(py, &r)
    }

    /// The shortest escalation of every principal that is not an admin and can become one.
    fn escalations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py!(py, &self.graph.escalations())
    }

    /// `{"status": "no" | "direct" | "escalation", ...}` of one principal.
    fn admin_status<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, PyAny>> {
        let r = self
            .graph
            .admin_status(principal)
            .map_err(|e| analysis_error(py, &e))?;
        to_py!(py, &r)
    }
}

/// Builds the reach graph of the account, or the part of it whose edges start at
/// `principals` (without the GIL, under the read lock).
pub(crate) fn reach_graph(
    py: Python<'_>,
    acct: &PyAccount,
    principals: Option<Vec<String>>,
) -> PyResult<PyReachGraph> {
    let graph = acct
        .read(py, |a| match &principals {
            Some(p) => analysis::ReachGraph::build_among(a, p),
            None => analysis::ReachGraph::build(a),
        })
        .map_err(|e| analysis_error(py, &e))?;
    Ok(PyReachGraph { graph })
}
