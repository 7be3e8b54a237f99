//! `iamkit._native.NativeOrganization`: the `iam_account::Organization` behind
//! `iamkit.Organization` (pure Python, `iamkit/_organization.py`): several accounts, the OU
//! tree, SCPs and RCPs, the layout format (`iam_account::Organization::from_layout`) and the
//! organization-wide analyses (`iam_analysis` over `Target::Organization`).
//!
//! Same threading model as `NativeAccount`: a readers-writer lock, the analyses under the
//! shared lock without the GIL, the builder methods under the exclusive one.

use crate::account::client_error;
use crate::analysis::{PyReachGraph, what_can_to_py};
use crate::convert::python_attr;
use crate::errors::analysis_error;
use crate::eval::{PyEvaluationResult, context_of};
use iam_account::{Account, LayoutError, Organization};
use iam_analysis::{self as analysis, Target};
use iam_eval::Principal;
use iam_model::entities::{IamError, OrgPolicyType};
use iam_parser::gaad::parse_authorization_details;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::path::Path;
use std::sync::{PoisonError, RwLock};

/// Raises `iamkit.OrganizationLayoutError(message, path)`.
fn layout_error(py: Python<'_>, e: &LayoutError) -> PyErr {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    match python_attr(py, &CLS, "iamkit._errors", "OrganizationLayoutError")
        .and_then(|cls| cls.call1((e.to_string(), e.path.as_str())))
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

fn org_error(py: Python<'_>, e: &IamError, operation: &str) -> PyErr {
    client_error(py, e, operation)
}

fn policy_type(t: &str) -> PyResult<OrgPolicyType> {
    match t {
        "SERVICE_CONTROL_POLICY" => Ok(OrgPolicyType::ServiceControlPolicy),
        "RESOURCE_CONTROL_POLICY" => Ok(OrgPolicyType::ResourceControlPolicy),
        other => Err(PyValueError::new_err(format!(
            "unknown policy type {other:?}: expected 'SERVICE_CONTROL_POLICY' or 'RESOURCE_CONTROL_POLICY'"
        ))),
    }
}

fn import(py: Python<'_>, details: &str, account_id: &str) -> PyResult<Account> {
    let d = py
        .detach(|| parse_authorization_details(details))
        .map_err(|e| {
            PyValueError::new_err(format!("not get-account-authorization-details JSON: {e}"))
        })?;
    Account::from_authorization_details_in(&d, account_id)
        .map_err(|e| client_error(py, &e, "ImportAuthorizationDetails"))
}

/// The native organization behind `iamkit.Organization`.
#[pyclass(module = "iamkit._native", name = "NativeOrganization", frozen)]
pub struct PyOrganization {
    inner: RwLock<Organization>,
}

impl PyOrganization {
    fn wrap(org: Organization) -> Self {
        PyOrganization {
            inner: RwLock::new(org),
        }
    }

    fn read<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&Organization) -> T + Send) -> T {
        py.detach(|| {
            let guard = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            f(&guard)
        })
    }

    fn write<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Organization) -> T + Send) -> T {
        py.detach(|| {
            let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
    }
}

/// The principals of `accounts` (every account when `None`), in the analyses' order.
fn principals_of(org: &Organization, accounts: Option<&[String]>) -> Vec<String> {
    let all = Target::from(org).principals();
    match accounts {
        None => all,
        Some(ids) => all
            .into_iter()
            .filter(|p| {
                p.split(':')
                    .nth(4)
                    .is_some_and(|a| ids.iter().any(|x| x == a))
            })
            .collect(),
    }
}

#[pymethods]
impl PyOrganization {
    /// A new organization whose management account is imported from
    /// `get-account-authorization-details` JSON text.
    #[new]
    #[pyo3(signature = (management_details, management_account_id, organization_id = None, root_id = None))]
    fn new(
        py: Python<'_>,
        management_details: &str,
        management_account_id: &str,
        organization_id: Option<&str>,
        root_id: Option<&str>,
    ) -> PyResult<Self> {
        let m = import(py, management_details, management_account_id)?;
        let org = match (organization_id, root_id) {
            (None, None) => Organization::new(m),
            (o, r) => Organization::with_ids(
                m,
                &o.map_or_else(|| format!("o-{management_account_id}"), str::to_string),
                r.unwrap_or("r-root"),
            ),
        }
        .map_err(|e| org_error(py, &e, "CreateOrganization"))?;
        Ok(PyOrganization::wrap(org))
    }

    /// Loads a layout (JSON text); `base_dir` resolves relative `AuthorizationDetailsFile`
    /// paths. Raises `iamkit.OrganizationLayoutError` naming the JSON path at fault.
    #[staticmethod]
    #[pyo3(signature = (text, base_dir = None))]
    fn from_layout_json(py: Python<'_>, text: &str, base_dir: Option<String>) -> PyResult<Self> {
        let org = py
            .detach(|| Organization::from_layout_json(text, base_dir.as_deref().map(Path::new)))
            .map_err(|e| layout_error(py, &e))?;
        Ok(PyOrganization::wrap(org))
    }

    /// The layout, every account inline, as JSON text.
    fn to_layout_json(&self, py: Python<'_>) -> String {
        self.read(py, |o| o.to_layout().to_string())
    }

    /// `o-…`.
    #[getter]
    fn id(&self, py: Python<'_>) -> String {
        self.read(py, |o| o.id().to_string())
    }

    /// `r-…`.
    #[getter]
    fn root_id(&self, py: Python<'_>) -> String {
        self.read(py, |o| o.root_id().to_string())
    }

    /// The management account's id.
    #[getter]
    fn management_account_id(&self, py: Python<'_>) -> String {
        self.read(py, |o| o.management_account_id().to_string())
    }

    /// Member account ids, in id order.
    fn account_ids(&self, py: Python<'_>) -> Vec<String> {
        self.read(py, |o| o.accounts().map(|a| a.id().to_string()).collect())
    }

    /// A member account's name, when known.
    fn account_name(&self, py: Python<'_>, account_id: &str) -> Option<String> {
        self.read(py, |o| o.account_name(account_id).map(str::to_string))
    }

    /// A member account's `get-account-authorization-details` JSON text.
    fn account_details_json(&self, py: Python<'_>, account_id: &str) -> PyResult<String> {
        self.read(py, |o| {
            o.account(account_id)
                .map(|a| a.to_authorization_details().to_json())
        })
        .map_err(|e| org_error(py, &e, "DescribeAccount"))
    }

    /// The SCP levels and RCP levels (JSON texts, root first) of an account's path.
    #[allow(clippy::type_complexity)]
    fn account_policy_levels(
        &self,
        py: Python<'_>,
        account_id: &str,
    ) -> PyResult<(Vec<Vec<String>>, Vec<Vec<String>>)> {
        self.read(py, |o| -> Result<_, IamError> {
            o.account(account_id)?;
            let levels = |t: OrgPolicyType| -> Vec<Vec<String>> {
                o.path_of(account_id)
                    .iter()
                    .map(|target| {
                        o.attached_policies(target)
                            .iter()
                            .filter_map(|pid| o.policies().find(|p| &p.id == pid))
                            .filter(|p| p.policy_type == t)
                            .map(|p| p.document.text().to_string())
                            .collect()
                    })
                    .collect()
            };
            Ok((
                levels(OrgPolicyType::ServiceControlPolicy),
                levels(OrgPolicyType::ResourceControlPolicy),
            ))
        })
        .map_err(|e| org_error(py, &e, "ListPoliciesForTarget"))
    }

    /// `(id, name, parent id)` of every OU, parents first.
    fn organizational_units(&self, py: Python<'_>) -> Vec<(String, String, String)> {
        self.read(py, |o| {
            o.organizational_units()
                .iter()
                .map(|u| (u.id.clone(), u.name.clone(), u.parent_id.clone()))
                .collect()
        })
    }

    /// The parent (root or OU id) of a member account.
    fn parent_of(&self, py: Python<'_>, account_id: &str) -> Option<String> {
        self.read(py, |o| o.parent_of(account_id).map(str::to_string))
    }

    /// The ids from the root to the account.
    fn path_of(&self, py: Python<'_>, account_id: &str) -> Vec<String> {
        self.read(py, |o| o.path_of(account_id))
    }

    /// `(id, name, type, content, aws_managed)` of every SCP and RCP.
    fn policies(&self, py: Python<'_>) -> Vec<(String, String, String, String, bool)> {
        self.read(py, |o| {
            o.policies()
                .map(|p| {
                    (
                        p.id.clone(),
                        p.name.clone(),
                        p.policy_type.as_str().to_string(),
                        p.document.text().to_string(),
                        p.aws_managed,
                    )
                })
                .collect()
        })
    }

    /// The policy ids attached to a target.
    fn attached_policies(&self, py: Python<'_>, target_id: &str) -> Vec<String> {
        self.read(py, |o| o.attached_policies(target_id).to_vec())
    }

    /// Adds a member account from `get-account-authorization-details` JSON text.
    #[pyo3(signature = (details, account_id, parent_id, name = None))]
    fn add_account_json(
        &self,
        py: Python<'_>,
        details: &str,
        account_id: &str,
        parent_id: &str,
        name: Option<&str>,
    ) -> PyResult<()> {
        let a = import(py, details, account_id)?;
        self.write(py, |o| {
            o.add_account(a, parent_id)?;
            if let Some(n) = name {
                o.set_account_name(account_id, n)?;
            }
            Ok(())
        })
        .map_err(|e: IamError| org_error(py, &e, "InviteAccountToOrganization"))
    }

    /// `CreateOrganizationalUnit`; returns the OU id.
    #[pyo3(signature = (parent_id, name, id = None))]
    fn create_organizational_unit(
        &self,
        py: Python<'_>,
        parent_id: &str,
        name: &str,
        id: Option<&str>,
    ) -> PyResult<String> {
        self.write(py, |o| match id {
            Some(id) => o.create_organizational_unit_with_id(parent_id, name, id),
            None => o.create_organizational_unit(parent_id, name),
        })
        .map_err(|e| org_error(py, &e, "CreateOrganizationalUnit"))
    }

    /// `CreatePolicy`: `policy_type` is `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`;
    /// returns the policy id.
    #[pyo3(signature = (name, policy_type, content, id = None))]
    fn create_policy(
        &self,
        py: Python<'_>,
        name: &str,
        policy_type: &str,
        content: &str,
        id: Option<&str>,
    ) -> PyResult<String> {
        let t = self::policy_type(policy_type)?;
        self.write(py, |o| match id {
            Some(id) => o.create_policy_with_id(id, name, t, content),
            None => o.create_policy(name, t, content),
        })
        .map_err(|e| org_error(py, &e, "CreatePolicy"))
    }

    /// `AttachPolicy`.
    fn attach_policy(&self, py: Python<'_>, policy_id: &str, target_id: &str) -> PyResult<()> {
        self.write(py, |o| o.attach_policy(policy_id, target_id))
            .map_err(|e| org_error(py, &e, "AttachPolicy"))
    }

    /// `DetachPolicy`.
    fn detach_policy(&self, py: Python<'_>, policy_id: &str, target_id: &str) -> PyResult<()> {
        self.write(py, |o| o.detach_policy(policy_id, target_id))
            .map_err(|e| org_error(py, &e, "DetachPolicy"))
    }

    /// `MoveAccount`.
    fn move_account(&self, py: Python<'_>, account_id: &str, parent_id: &str) -> PyResult<()> {
        self.write(py, |o| o.move_account(account_id, parent_id))
            .map_err(|e| org_error(py, &e, "MoveAccount"))
    }

    /// The same organization holding only some member accounts (copies).
    fn subset(&self, py: Python<'_>, account_ids: Vec<String>) -> PyResult<PyOrganization> {
        let ids: Vec<&str> = account_ids.iter().map(String::as_str).collect();
        self.read(py, |o| o.subset(&ids))
            .map(PyOrganization::wrap)
            .map_err(|e| org_error(py, &e, "DescribeAccount"))
    }

    /// Decides a request across the organization's accounts.
    #[pyo3(signature = (principal, action, resource = "*".to_string(), context = None))]
    fn authorize(
        &self,
        py: Python<'_>,
        principal: String,
        action: String,
        resource: String,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEvaluationResult> {
        let ctx = context_of(context)?;
        let parsed =
            Principal::parse(&principal).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let ex = self
            .read(py, |o| {
                o.authorize(&principal, &action, &resource, &ctx.as_context())
            })
            .map_err(|e| org_error(py, &e, "Authorize"))?;
        PyEvaluationResult::from_explanation(parsed, principal, action, resource, ctx, ex)
    }

    /// The user and role ARNs of `accounts` (every account when `None`).
    #[pyo3(signature = (accounts = None))]
    fn principals(&self, py: Python<'_>, accounts: Option<Vec<String>>) -> Vec<String> {
        self.read(py, |o| principals_of(o, accounts.as_deref()))
    }

    /// Who can do an action, over the principals of `accounts` (every account when `None`):
    /// one `{"principal", "action", "access", "statements"}` per principal and action.
    #[pyo3(signature = (action, resource = "*", context = None, accounts = None))]
    fn who_can<'py>(
        &self,
        py: Python<'py>,
        action: &str,
        resource: &str,
        context: Option<&Bound<'_, PyAny>>,
        accounts: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_of(context)?;
        let out = self
            .read(py, |o| {
                let principals = principals_of(o, accounts.as_deref());
                analysis::who_can_among(o, &principals, action, resource, &ctx.as_context())
            })
            .map_err(|e| analysis_error(py, &e))?;
        crate::analysis::who_can_to_py(py, &out)
    }

    /// What a principal of a member account can do (the SCPs of its path apply).
    fn what_can<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, PyAny>> {
        let w = self
            .read(py, |o| analysis::what_can(o, principal))
            .map_err(|e| analysis_error(py, &e.into()))?;
        what_can_to_py(py, &w)
    }

    /// The reach graph (or, with `accounts`, the part of it whose edges start there; with
    /// `principals`, the part whose edges start at those users and roles).
    #[pyo3(signature = (accounts = None, principals = None))]
    fn reach_graph(
        &self,
        py: Python<'_>,
        accounts: Option<Vec<String>>,
        principals: Option<Vec<String>>,
    ) -> PyResult<PyReachGraph> {
        let graph = self
            .read(py, |o| {
                if let Some(p) = &principals {
                    return analysis::ReachGraph::build_among(o, p);
                }
                let ids: Option<Vec<&str>> = accounts
                    .as_ref()
                    .map(|a| a.iter().map(String::as_str).collect());
                analysis::ReachGraph::build_for(o, ids.as_deref())
            })
            .map_err(|e| analysis_error(py, &e))?;
        Ok(PyReachGraph { graph })
    }

    /// Registers a resource-based policy of a member account's resource (see
    /// `NativeAccount.put_resource_policy`).
    #[pyo3(signature = (account_id, resource_arn, policy_document, role = None))]
    fn put_resource_policy(
        &self,
        py: Python<'_>,
        account_id: &str,
        resource_arn: &str,
        policy_document: &str,
        role: Option<&str>,
    ) -> PyResult<()> {
        self.write(py, |o| {
            o.account_mut(account_id)?.put_resource_policy_with_role(
                resource_arn,
                policy_document,
                role,
            )
        })
        .map_err(|e: IamError| org_error(py, &e, "PutResourcePolicy"))
    }

    /// `[(resource ARN, policy text, role ARN or None)]` of a member account, in ARN order.
    fn account_resource_policies(
        &self,
        py: Python<'_>,
        account_id: &str,
    ) -> PyResult<Vec<(String, String, Option<String>)>> {
        self.read(py, |o| {
            o.account(account_id).map(|a| {
                a.resource_policies()
                    .map(|(k, d)| {
                        (
                            k.to_string(),
                            d.text().to_string(),
                            a.resource_role(k).map(str::to_string),
                        )
                    })
                    .collect()
            })
        })
        .map_err(|e| org_error(py, &e, "DescribeAccount"))
    }

    /// The member account owning `resource` when its ARN names no account (an S3 bucket or
    /// object): the one holding its resource-based policy; `None` when none does.
    fn resource_owner(&self, py: Python<'_>, action: &str, resource: &str) -> Option<String> {
        self.read(py, |o| {
            o.accounts()
                .find(|a| a.resource_target(action, resource).policy_arn.is_some())
                .map(|a| a.id().to_string())
        })
    }

    /// The other accounts holding a role whose trust may name a principal of `accounts`.
    fn trusting_accounts(&self, py: Python<'_>, accounts: Vec<String>) -> Vec<String> {
        self.read(py, |o| {
            let ids: Vec<&str> = accounts.iter().map(String::as_str).collect();
            analysis::reach::trusting_accounts(o, &ids)
        })
    }

    /// `(accounts, OUs, SCPs, RCPs, users, roles)`.
    fn counts(&self, py: Python<'_>) -> (usize, usize, usize, usize, usize, usize) {
        self.read(py, |o| {
            let scps = o
                .policies()
                .filter(|p| p.policy_type == OrgPolicyType::ServiceControlPolicy)
                .count();
            let rcps = o.policies().count() - scps;
            let users = o.accounts().map(|a| a.users_iter().count()).sum();
            let roles = o.accounts().map(|a| a.roles_iter().count()).sum();
            (
                o.accounts().count(),
                o.organizational_units().len(),
                scps,
                rcps,
                users,
                roles,
            )
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (a, u, s, r, users, roles) = self.counts(py);
        let id = self.id(py);
        format!(
            "<NativeOrganization {id}: {a} accounts, {u} OUs, {s} SCPs, {r} RCPs, {users} users, {roles} roles>"
        )
    }
}
