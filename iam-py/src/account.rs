//! `iamkit._native.NativeAccount`: the stateful account of `iam_account` behind
//! `iamkit.Account` (pure Python, `iamkit/_account.py`).
//!
//! The boto3-shaped clients call [`PyAccount::call`] with an operation name in boto3's
//! snake_case (`create_user`) and the request parameters as JSON text (boto3's PascalCase
//! members); it returns the response as JSON text in boto3's shape, with dates as ISO-8601
//! text (the Python side turns them into `datetime`s). Failures raise the ClientError-shaped
//! exception of `iamkit._account` with AWS's code and message.

use crate::convert::python_attr;
use crate::eval::{PyEvaluationResult, context_of};
use iam_account::model::ServiceModel;
use iam_account::operations;
use iam_account::paginate::paginate_response;
use iam_account::{Account, CallError, Enforcement};
use iam_eval::Principal;
use iam_model::entities::{IamError, Secret};
use iam_parser::gaad::parse_authorization_details;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

/// Raises `iamkit._account.client_error(code, message, operation, status)` with the HTTP
/// status botocore's IAM model gives the code (`NoSuchEntity` 404, `EntityAlreadyExists` 409,
/// …; [`ServiceModel::error_status`]).
pub(crate) fn client_error(py: Python<'_>, e: &IamError, operation: &str) -> PyErr {
    client_error_full(py, "iam", e, operation, None)
}

/// [`client_error`] with the status from `service`'s model.
pub(crate) fn client_error_in(
    py: Python<'_>,
    service: &str,
    e: &IamError,
    operation: &str,
) -> PyErr {
    client_error_full(py, service, e, operation, None)
}

/// The exception for `e`: the status from `service`'s model, iamkit's explanation of a denial
/// when there is one.
fn client_error_full(
    py: Python<'_>,
    service: &str,
    e: &IamError,
    operation: &str,
    explanation: Option<String>,
) -> PyErr {
    static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let status = ServiceModel::get(service)
        .or_else(|| ServiceModel::get("iam"))
        .map_or(400, |m| m.error_status(e.code.as_str()));
    match python_attr(py, &F, "iamkit._account", "client_error").and_then(|f| {
        f.call1((
            e.code.as_str(),
            e.message.as_str(),
            operation,
            status,
            explanation,
        ))
    }) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// Raises `iamkit._account.param_validation_error(report)`: botocore's `ParamValidationError`.
fn param_validation_error(py: Python<'_>, e: &iam_account::model::ParamValidationError) -> PyErr {
    static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    match python_attr(py, &F, "iamkit._account", "param_validation_error")
        .and_then(|f| f.call1((e.report(),)))
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// The native account behind `iamkit.Account`.
///
/// Threading model: the account sits behind a readers-writer lock. Everything that only reads
/// it — `authorize`, `simulate_principal_policy_json`, the analyses (`what_can`, `who_can`,
/// `access_matrix`, `privilege_escalation`), `to_authorization_details_json`, the counts —
/// takes the lock shared, so any number of threads run them at once; a client operation
/// (`call`, which may change the account) takes it exclusively and waits until the readers
/// in progress are done (and new readers wait for a waiting writer on Linux, whose lock
/// prefers writers). Waiting and working happen with the GIL released, and nothing holding the
/// lock ever calls back into Python, so the lock cannot deadlock with the GIL. The class is
/// `frozen`: PyO3 keeps no borrow flag, so no thread ever sees "Already borrowed".
#[pyclass(module = "iamkit._native", name = "NativeAccount", frozen)]
pub struct PyAccount {
    /// Shared with `iamkit.Server` when one serves this account (`iam_server::Server`).
    inner: Arc<RwLock<Account>>,
    /// Set when an endpoint serves this account: client calls then go through it, so that a
    /// state directory journals them like the endpoint's own calls.
    door: OnceLock<iam_server::Door>,
}

impl PyAccount {
    fn wrap(account: Account) -> Self {
        PyAccount {
            inner: Arc::new(RwLock::new(account)),
            door: OnceLock::new(),
        }
    }

    /// An account object over an account shared with an endpoint.
    pub(crate) fn from_shared(inner: Arc<RwLock<Account>>) -> Self {
        PyAccount {
            inner,
            door: OnceLock::new(),
        }
    }

    /// Routes client calls through an endpoint's [`iam_server::Door`] (the first endpoint
    /// serving this account wins; later ones share the same account anyway).
    pub(crate) fn set_door(&self, door: iam_server::Door) {
        let _ = self.door.set(door);
    }

    /// The shared account (for an endpoint that serves it).
    pub(crate) fn shared(&self) -> Arc<RwLock<Account>> {
        Arc::clone(&self.inner)
    }

    /// Runs `f` with shared access to the account, without the GIL (other readers run at the
    /// same time; a writer waits). `f` cannot touch Python objects (`Ungil`).
    pub(crate) fn read<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&Account) -> T + Send) -> T {
        py.detach(|| {
            // A poisoned lock (a panic while writing) cannot happen: nothing here panics.
            // Should it, the account is still used rather than every later call failing.
            let guard = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            f(&guard)
        })
    }

    /// Authenticates, authorizes and (when `run`) runs one client operation.
    fn gate(
        &self,
        py: Python<'_>,
        service: &str,
        operation: &str,
        params: &str,
        credentials: Option<&ClientCredentials>,
        run: bool,
    ) -> PyResult<String> {
        if service != "iam" && service != "sts" {
            return Err(PyValueError::new_err(format!(
                "unknown service {service:?}"
            )));
        }
        let p: Value =
            serde_json::from_str(params).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let model = ServiceModel::get(service)
            .ok_or_else(|| PyValueError::new_err(format!("unknown service {service:?}")))?;
        let op: String = match model.operation_name(operation) {
            Some(name) => name.to_string(),
            None => operation
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect(),
        };
        // botocore validates the parameters before anything is sent (ParamValidationError):
        // before authentication, authorization or the operation.
        if let Err(e) = model.validate(&op, &p) {
            return Err(param_validation_error(py, &e));
        }
        let caller_of = |a: &Account| -> Result<iam_account::Caller, CallError> {
            Ok(match credentials {
                None => a.root_caller(),
                Some(c) => {
                    let mut caller = a.authenticate(
                        &c.access_key_id,
                        c.secret_access_key.as_ref().map_or("", Secret::expose),
                        c.session_token.as_ref().map(Secret::expose),
                    )?;
                    caller.region.clone_from(&c.region);
                    caller
                }
            })
        };
        // Authorizing alone, and running an operation that only reads the account
        // (`operations::READ_OPERATIONS`), need only the read lock: such calls from several
        // Python threads run at once (their last-used records have a lock of their own), and
        // there is nothing to journal when the account is also served.
        let out = if !run || operations::is_read_operation(service, &op) {
            self.read(py, |a| -> Result<Value, CallError> {
                let caller = caller_of(a)?;
                if !run {
                    a.enforce_call(&caller, service, &op, &p)?;
                    return Ok(json!({}));
                }
                match self.door.get() {
                    // Served: logged like the endpoint's calls.
                    Some(door) => door.call_read(a, service, &op, &p, &caller),
                    None => {
                        let rc = iam_account::RequestContext::default();
                        operations::call_read(a, service, &op, &p, &caller, &rc, false).result
                    }
                }
            })
        } else {
            self.write(py, |a| -> Result<Value, CallError> {
                let caller = caller_of(a)?;
                match self.door.get() {
                    Some(door) => door.call(a, service, &op, &p, &caller),
                    None => operations::call(a, service, &op, &p, &caller),
                }
            })
        };
        match out {
            Ok(v) => Ok(v.to_string()),
            Err(CallError::Denied(d)) => Err(client_error_full(
                py,
                service,
                &d.error,
                &op,
                Some(d.explanation.to_string()),
            )),
            Err(CallError::Invalid(e)) => Err(client_error_in(py, service, &e, &op)),
        }
    }

    /// Runs `f` with exclusive access to the account, without the GIL (waits for the readers
    /// in progress).
    fn write<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Account) -> T + Send) -> T {
        py.detach(|| {
            let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
    }
}

#[pymethods]
impl PyAccount {
    #[new]
    #[pyo3(signature = (account_id = "123456789012", alias = None))]
    fn new(py: Python<'_>, account_id: &str, alias: Option<&str>) -> PyResult<Self> {
        let mut inner =
            Account::new(account_id).map_err(|e| client_error(py, &e, "CreateAccount"))?;
        if let Some(a) = alias {
            inner
                .create_account_alias(a)
                .map_err(|e| client_error(py, &e, "CreateAccountAlias"))?;
        }
        Ok(PyAccount::wrap(inner))
    }

    /// Loads `get-account-authorization-details` JSON text; `account_id` overrides the id found
    /// in the ARNs.
    #[staticmethod]
    #[pyo3(signature = (text, account_id = None))]
    fn from_authorization_details_json(
        py: Python<'_>,
        text: &str,
        account_id: Option<&str>,
    ) -> PyResult<Self> {
        let d = py
            .detach(|| parse_authorization_details(text))
            .map_err(|e| {
                PyValueError::new_err(format!("not get-account-authorization-details JSON: {e}"))
            })?;
        let inner = match account_id {
            Some(id) => Account::from_authorization_details_in(&d, id),
            None => Account::from_authorization_details(&d),
        }
        .map_err(|e| client_error(py, &e, "ImportAuthorizationDetails"))?;
        Ok(PyAccount::wrap(inner))
    }

    /// The account as `get-account-authorization-details` JSON text. With `exact`, documents not
    /// unchanged from an imported source are their exact texts (JSON strings), so that an
    /// account imported from it has the same statement positions: the analysis-only form that
    /// `executor=` ships to workers (no secrets either way).
    #[pyo3(signature = (exact = false))]
    fn to_authorization_details_json(&self, py: Python<'_>, exact: bool) -> String {
        self.read(py, |a| {
            if exact {
                a.to_authorization_details_exact().to_json()
            } else {
                a.to_authorization_details().to_json()
            }
        })
    }

    /// The 12-digit account id.
    #[getter]
    fn account_id(&self, py: Python<'_>) -> String {
        self.read(py, |a| a.id().to_string())
    }

    /// The account alias.
    #[getter]
    fn alias(&self, py: Python<'_>) -> Option<String> {
        self.read(py, |a| a.alias().map(str::to_string))
    }

    /// Problems noticed while importing.
    fn import_warnings(&self, py: Python<'_>) -> Vec<String> {
        self.read(py, |a| a.import_warnings().to_vec())
    }

    /// `(users, groups, roles, customer managed policies)`.
    fn counts(&self, py: Python<'_>) -> (u64, u64, u64, u64) {
        self.read(py, |a| {
            let s = a.get_account_summary();
            let g = |k: &str| s.get(k).copied().unwrap_or(0);
            (g("Users"), g("Groups"), g("Roles"), g("Policies"))
        })
    }

    /// Runs one client operation: `service` is `"iam"` or `"sts"`, `params` boto3's request
    /// as JSON text; returns boto3's response as JSON text. The credentials are authenticated
    /// (none = the root user) and the call authorized as the account's enforcement mode says
    /// (`iam_account::Account::enforce_call`) before it runs.
    #[pyo3(signature = (service, operation, params, credentials = None))]
    fn call(
        &self,
        py: Python<'_>,
        service: &str,
        operation: &str,
        params: &str,
        credentials: Option<&ClientCredentials>,
    ) -> PyResult<String> {
        self.gate(py, service, operation, params, credentials, true)
    }

    /// Authenticates and authorizes one client operation without running it (for the
    /// operations the Python side answers itself); returns `"{}"`.
    #[pyo3(signature = (service, operation, params, credentials = None))]
    fn check_call(
        &self,
        py: Python<'_>,
        service: &str,
        operation: &str,
        params: &str,
        credentials: Option<&ClientCredentials>,
    ) -> PyResult<String> {
        self.gate(py, service, operation, params, credentials, false)
    }

    /// True when the account remembers the authorization-details source it was imported from.
    fn has_import_source(&self, py: Python<'_>) -> bool {
        self.read(py, Account::has_import_source)
    }

    /// Forgets the import source (`iam_account::Account::forget_import_source`): used when
    /// unpickling an account that had none.
    fn forget_import_source(&self, py: Python<'_>) {
        self.write(py, Account::forget_import_source);
    }

    /// The enforcement mode: `"on"`, `"soft"` or `"off"`.
    #[getter]
    fn enforce(&self, py: Python<'_>) -> &'static str {
        self.read(py, |a| a.enforcement().as_str())
    }

    /// Sets the enforcement mode.
    #[setter]
    fn set_enforce(&self, py: Python<'_>, mode: &str) -> PyResult<()> {
        let m: Enforcement = mode
            .parse()
            .map_err(|e: IamError| PyValueError::new_err(e.message))?;
        self.write(py, |a| a.set_enforcement(m));
        Ok(())
    }

    /// Sets the SCP and RCP levels (JSON texts, root first) that apply to this account
    /// (`iam_account::Account::set_organization_policies`); empty levels and not the
    /// management account clear them.
    #[pyo3(signature = (scps, rcps, management_account = false, organization_id = None))]
    fn set_organization_policies(
        &self,
        py: Python<'_>,
        scps: Vec<Vec<String>>,
        rcps: Vec<Vec<String>>,
        management_account: bool,
        organization_id: Option<String>,
    ) -> PyResult<()> {
        let mut p = iam_account::OrganizationPolicies::from_json(&scps, &rcps)
            .map_err(|e| PyValueError::new_err(e.message))?;
        p.management_account = management_account;
        p.organization_id = organization_id;
        self.write(py, |a| a.set_organization_policies(Some(p)));
        Ok(())
    }

    /// Registers the resource-based policy of a resource of this account (an S3 bucket, a
    /// Lambda function, a KMS key, …), and with `role` the role of the account it runs code as
    /// (`iam_account::Account::put_resource_policy`, `set_resource_role`). Nothing changes when
    /// either fails.
    #[pyo3(signature = (resource_arn, policy_document, role = None))]
    fn put_resource_policy(
        &self,
        py: Python<'_>,
        resource_arn: &str,
        policy_document: &str,
        role: Option<&str>,
    ) -> PyResult<()> {
        self.write(py, |a| {
            a.put_resource_policy_with_role(resource_arn, policy_document, role)
        })
        .map_err(|e: IamError| client_error(py, &e, "PutResourcePolicy"))
    }

    /// Removes a resource-based policy (`NoSuchEntity` when none is registered).
    fn delete_resource_policy(&self, py: Python<'_>, resource_arn: &str) -> PyResult<()> {
        self.write(py, |a| a.delete_resource_policy(resource_arn))
            .map_err(|e| client_error(py, &e, "DeleteResourcePolicy"))
    }

    /// `[(resource ARN, policy text, role ARN or None)]`, in ARN order.
    fn resource_policies(&self, py: Python<'_>) -> Vec<(String, String, Option<String>)> {
        self.read(py, |a| {
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
    }

    /// The denials recorded in `"soft"` mode, as JSON text (a list of objects).
    fn denials_json(&self, py: Python<'_>) -> String {
        self.read(py, |a| {
            Value::Array(
                a.denials()
                    .iter()
                    .map(|d| {
                        json!({"Operation": d.operation, "Principal": d.principal,
                            "Action": d.action, "Resource": d.resource,
                            "Code": d.error.code.as_str(), "Message": d.error.message,
                            "Decision": d.explanation.decision.as_str(),
                            "Explanation": d.explanation.to_string()})
                    })
                    .collect(),
            )
            .to_string()
        })
    }

    /// botocore's parameter validation of one request: `None` when valid, else the report
    /// (the lines after `Parameter validation failed:`). `operation` is boto3's snake_case
    /// name; an operation the model does not know is not checked.
    #[staticmethod]
    fn validate_params(service: &str, operation: &str, params: &str) -> PyResult<Option<String>> {
        let p: Value =
            serde_json::from_str(params).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let Some(model) = ServiceModel::get(service) else {
            return Ok(None);
        };
        let Some(op) = model.operation_name(operation) else {
            return Ok(None);
        };
        Ok(model.validate(op, &p).err().map(|e| e.report()))
    }

    /// The modeled errors of a service: `(exception shape name, error code, HTTP status)`.
    #[staticmethod]
    fn error_shapes(service: &str) -> Vec<(String, String, u16)> {
        ServiceModel::get(service)
            .map(|m| {
                m.error_shapes()
                    .map(|e| (e.shape_name.to_string(), e.code.to_string(), e.http_status))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The paginated operations of a service: `(snake_case name, model name, result keys)`,
    /// for the operations this client offers.
    #[staticmethod]
    fn paginators(service: &str) -> Vec<(String, String, Vec<String>)> {
        let Some(m) = ServiceModel::get(service) else {
            return Vec::new();
        };
        let offered: &[&str] = match service {
            "iam" => operations::IAM_OPERATIONS,
            "sts" => operations::STS_OPERATIONS,
            _ => &[],
        };
        offered
            .iter()
            .chain(
                [
                    "get_account_authorization_details",
                    "simulate_custom_policy",
                    "simulate_principal_policy",
                ]
                .iter(),
            )
            .filter_map(|snake| {
                let op = m.operation_name(snake)?;
                let pg = m.paginator(op)?;
                Some((snake.to_string(), op.to_string(), pg.result_keys))
            })
            .filter(|(snake, _, _)| service == "iam" || !snake.starts_with("get_account"))
            .collect()
    }

    /// Cuts a complete response (JSON text) of a paginated operation down to the page the
    /// request asks for (`Marker`, `MaxItems`); returns the page as JSON text.
    #[staticmethod]
    fn paginate_response(
        py: Python<'_>,
        service: &str,
        operation: &str,
        response: &str,
        params: &str,
    ) -> PyResult<String> {
        let mut r: Value =
            serde_json::from_str(response).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let p: Value =
            serde_json::from_str(params).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let model = ServiceModel::get(service)
            .ok_or_else(|| PyValueError::new_err(format!("unknown service {service:?}")))?;
        let op = model
            .operation_name(operation)
            .unwrap_or(operation)
            .to_string();
        paginate_response(model, &op, &mut r, &p)
            .map_err(|e| client_error_in(py, service, &e, &op))?;
        Ok(r.to_string())
    }

    /// The operations of a service, in boto3's snake_case.
    #[staticmethod]
    fn operations(service: &str) -> Vec<&'static str> {
        match service {
            "iam" => operations::IAM_OPERATIONS.to_vec(),
            "sts" => operations::STS_OPERATIONS.to_vec(),
            _ => Vec::new(),
        }
    }

    /// Decides a request by a principal of the account (see `iamkit.Account.authorize`).
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
            .read(py, |a| {
                a.authorize(&principal, &action, &resource, &ctx.as_context())
            })
            .map_err(|e| client_error(py, &e, "Authorize"))?;
        PyEvaluationResult::from_explanation(parsed, principal, action, resource, ctx, ex)
    }

    /// iamkit extension: registers the signing keys (JWKS JSON text) of an OIDC provider for
    /// `AssumeRoleWithWebIdentity`; returns how many keys were registered.
    fn register_oidc_provider_keys(
        &self,
        py: Python<'_>,
        provider_arn: &str,
        jwks: &str,
    ) -> PyResult<usize> {
        self.write(py, |a| a.register_oidc_provider_keys(provider_arn, jwks))
            .map_err(|e| client_error(py, &e, "RegisterOpenIDConnectProviderKeys"))
    }

    /// iamkit extension: the encoded authorization message of a request's decision, for
    /// `DecodeAuthorizationMessage`.
    #[pyo3(signature = (principal, action, resource = "*".to_string(), context = None))]
    fn encode_authorization_message(
        &self,
        py: Python<'_>,
        principal: String,
        action: String,
        resource: String,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let ctx = context_of(context)?;
        self.write(py, |a| {
            a.encode_authorization_message(&principal, &action, &resource, &ctx.as_context())
        })
        .map_err(|e| client_error(py, &e, "EncodeAuthorizationMessage"))
    }

    /// `SimulatePrincipalPolicy`: boto3's request as JSON text → the response as JSON text.
    fn simulate_principal_policy_json(&self, py: Python<'_>, params: &str) -> PyResult<String> {
        let p: Value =
            serde_json::from_str(params).map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.read(py, |a| {
            a.simulate_principal_policy(&p).map(|v| v.to_string())
        })
        .map_err(|e| client_error(py, &e, "SimulatePrincipalPolicy"))
    }

    // ---- access analysis (implemented in analysis.rs) ----

    /// What a principal can do, in detail (see `iamkit.Account.what_can`).
    fn what_can<'py>(&self, py: Python<'py>, principal: &str) -> PyResult<Bound<'py, PyAny>> {
        crate::analysis::what_can(py, self, principal)
    }

    /// Who can do an action (or each action of a pattern), in detail; with `principals`, among
    /// those user and role ARNs only (one chunk of an `executor=` run).
    #[pyo3(signature = (action, resource = "*", context = None, principals = None))]
    fn who_can<'py>(
        &self,
        py: Python<'py>,
        action: &str,
        resource: &str,
        context: Option<&Bound<'_, PyAny>>,
        principals: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::analysis::who_can(py, self, action, resource, context, principals)
    }

    /// Principals × actions: (principals, actions, one byte per cell of each distinct row, the
    /// distinct row of each principal).
    #[allow(clippy::type_complexity)]
    /// With `principals`, the rows of those user and role ARNs only, in that order.
    #[pyo3(signature = (patterns, threads = None, principals = None))]
    fn access_matrix<'py>(
        &self,
        py: Python<'py>,
        patterns: Vec<String>,
        threads: Option<&Bound<'py, PyAny>>,
        principals: Option<Vec<String>>,
    ) -> PyResult<(
        Vec<String>,
        Vec<String>,
        Bound<'py, pyo3::types::PyBytes>,
        Vec<u32>,
    )> {
        // Default 2; 0 = one thread per CPU (iam_analysis::access_matrix).
        let threads = match threads.filter(|t| !t.is_none()) {
            Some(t) => crate::convert::int_in_range(t, "threads", 0, 1024)?,
            None => 2,
        };
        crate::analysis::access_matrix(py, self, patterns, threads, principals)
    }

    /// Privilege-escalation paths of one principal, or of every user and role.
    #[pyo3(signature = (principal = None))]
    fn privilege_escalation<'py>(
        &self,
        py: Python<'py>,
        principal: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::analysis::privilege_escalation(py, self, principal)
    }

    /// The reach graph of the account as it is now (see `iamkit.ReachGraph`); with
    /// `principals`, the part whose edges start at them (`ReachGraph::build_among`: the parts
    /// over chunks of `principals()` merge into the whole graph).
    #[pyo3(signature = (principals = None))]
    fn reach_graph(
        &self,
        py: Python<'_>,
        principals: Option<Vec<String>>,
    ) -> PyResult<crate::analysis::PyReachGraph> {
        crate::analysis::reach_graph(py, self, principals)
    }

    /// `(principals, class of each, representative of each class)`: principals of one class
    /// share a row of the access matrix.
    fn row_classes(&self, py: Python<'_>) -> PyResult<(Vec<String>, Vec<u32>, Vec<String>)> {
        crate::analysis::row_classes(py, self)
    }

    /// The user and role ARNs the analyses look at.
    fn principals(&self, py: Python<'_>) -> Vec<String> {
        self.read(py, crate::analysis::principals)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (u, g, r, p) = self.counts(py);
        let (id, alias) = self.read(py, |a| (a.id().to_string(), a.alias().map(str::to_string)));
        format!(
            "<NativeAccount {id}{}: {u} users, {g} groups, {r} roles, {p} policies>",
            alias.map(|a| format!(" ({a})")).unwrap_or_default()
        )
    }
}

/// The access key a client acts with (`iamkit.Account.client(..., aws_access_key_id=...,
/// aws_secret_access_key=...)`). The secret stays inside this native object: no attribute,
/// `repr` or pickle shows it (pickling refuses).
#[pyclass(module = "iamkit._native", name = "ClientCredentials", frozen)]
pub struct ClientCredentials {
    access_key_id: String,
    secret_access_key: Option<Secret>,
    session_token: Option<Secret>,
    /// The client's `region_name` (the Region its requests name; recorded as the key's
    /// last-used Region).
    region: Option<String>,
}

#[pymethods]
impl ClientCredentials {
    #[new]
    #[pyo3(signature = (access_key_id, secret_access_key = None, session_token = None, region = None))]
    fn new(
        access_key_id: String,
        secret_access_key: Option<String>,
        session_token: Option<String>,
        region: Option<String>,
    ) -> Self {
        ClientCredentials {
            access_key_id,
            secret_access_key: secret_access_key.map(Secret::new),
            session_token: session_token.map(Secret::new),
            region,
        }
    }

    /// The access key id (not a secret).
    #[getter]
    fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The client's Region (`region_name`), if it was given.
    #[getter]
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut secret = if self.secret_access_key.is_some() {
            ", aws_secret_access_key=<redacted>"
        } else {
            ""
        }
        .to_string();
        if self.session_token.is_some() {
            secret.push_str(", aws_session_token=<redacted>");
        }
        let key = pyo3::types::PyString::new(py, &self.access_key_id).repr()?;
        Ok(format!(
            "ClientCredentials(aws_access_key_id={key}{secret})"
        ))
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "iamkit client credentials cannot be pickled: the secret access key stays in \
             memory only; pickle the Account and make the client again with \
             account.client(service, aws_access_key_id=..., aws_secret_access_key=...)",
        ))
    }
}
