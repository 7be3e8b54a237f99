//! IAM Access Analyzer's custom policy checks for Python (`iam_analysis::checks`): the native
//! halves of `iamkit._checks` (`check_no_new_access`, `check_access_not_granted`,
//! `check_no_public_access`). Policy arguments are parsed here (raising
//! `iamkit.PolicyParseError` for text that is not a policy); the reasoning runs without the
//! GIL; results cross as JSON (`result`, `message`, `reasons` with `description`,
//! `statement_index`, `statement_id`, `location`, `request`), which `_checks.py` reshapes into
//! boto3's response.

use crate::convert::loads;
use crate::policy::parse_arg;
use iam_analysis::checks::{
    self, AccessCheckPolicyType, AccessSpec, CheckResult, PUBLIC_RESOURCE_TYPES,
};
use iam_model::PolicyType;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn policy_type_arg(name: &str) -> PyResult<AccessCheckPolicyType> {
    AccessCheckPolicyType::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "policyType must be IDENTITY_POLICY or RESOURCE_POLICY, not {name:?}"
        ))
    })
}

fn result_to_py<'py>(py: Python<'py>, r: &CheckResult) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(r).map_err(|e| PyValueError::new_err(e.to_string()))?;
    loads(py, &text)
}

/// `CheckNoNewAccess`: the result as a dict (see the module docs).
#[pyfunction]
pub(crate) fn _check_no_new_access<'py>(
    py: Python<'py>,
    new_policy: &Bound<'py, PyAny>,
    existing_policy: &Bound<'py, PyAny>,
    policy_type: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let apt = policy_type_arg(policy_type)?;
    let new = parse_arg(py, new_policy, apt.policy_type(), None)?;
    let old = parse_arg(py, existing_policy, apt.policy_type(), None)?;
    let r = py.detach(|| checks::check_no_new_access(&new.policy, &old.policy, apt));
    result_to_py(py, &r)
}

/// `CheckAccessNotGranted`: `access` is a list of `(actions, resources)` pairs.
#[pyfunction]
pub(crate) fn _check_access_not_granted<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyAny>,
    access: Vec<(Vec<String>, Vec<String>)>,
    policy_type: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let apt = policy_type_arg(policy_type)?;
    let p = parse_arg(py, policy, apt.policy_type(), None)?;
    let access: Vec<AccessSpec> = access
        .into_iter()
        .map(|(actions, resources)| AccessSpec { actions, resources })
        .collect();
    let r = py
        .detach(|| checks::check_access_not_granted(&p.policy, &access, apt))
        .map_err(|e| PyValueError::new_err(e.message))?;
    result_to_py(py, &r)
}

/// `CheckNoPublicAccess` for a resource type of [`PUBLIC_RESOURCE_TYPES`].
#[pyfunction]
pub(crate) fn _check_no_public_access<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyAny>,
    resource_type: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let rt = PUBLIC_RESOURCE_TYPES
        .iter()
        .find(|t| t.name == resource_type)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "resourceType {resource_type:?} is not supported; expected one of: {}",
                public_resource_types().join(", ")
            ))
        })?;
    let pt = if rt.trust {
        PolicyType::Trust
    } else {
        PolicyType::Resource
    };
    let p = parse_arg(py, policy, pt, None)?;
    let r = py
        .detach(|| checks::check_no_public_access(&p.policy, resource_type))
        .map_err(|e| PyValueError::new_err(e.message))?;
    result_to_py(py, &r)
}

/// The `resourceType` values `CheckNoPublicAccess` accepts, in the service model's order.
#[pyfunction]
pub(crate) fn public_resource_types() -> Vec<&'static str> {
    PUBLIC_RESOURCE_TYPES.iter().map(|t| t.name).collect()
}
