//! `iamkit._native.Server`: the local IAM and STS endpoint of `iam-server`, run on its own
//! threads (a tokio runtime) so Python keeps the GIL free; wrapped by `iamkit.Server`
//! (`iamkit/_server.py`) and `iamkit serve`.

use crate::account::PyAccount;
use iam_account::Enforcement;
use iam_server::{Server, ServerOptions};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

/// A running endpoint. `stop()` (or dropping it) shuts it down; the account stays usable.
#[pyclass(module = "iamkit._native", name = "Server", frozen)]
pub struct PyServer {
    server: Mutex<Option<Server>>,
    url: String,
    account: Py<PyAccount>,
    root_key: Option<(String, iam_model::entities::Secret)>,
    root_file: Option<String>,
    warnings: Vec<String>,
}

#[pymethods]
impl PyServer {
    /// Starts serving `account` (a `NativeAccount`, shared: changes on either side are seen by
    /// the other) or the account of `state` (a directory, created on first start), or a new
    /// in-memory account `account_id` (optionally imported from `get-account-authorization-details`
    /// JSON text `import_details`).
    #[new]
    #[pyo3(signature = (account = None, *, host = "127.0.0.1", port = 0, state = None,
                        enforce = "on", log = None, account_id = None,
                        import_details = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        account: Option<Py<PyAccount>>,
        host: &str,
        port: u16,
        state: Option<PathBuf>,
        enforce: &str,
        log: Option<PathBuf>,
        account_id: Option<String>,
        import_details: Option<String>,
    ) -> PyResult<Self> {
        let enforce: Enforcement = enforce
            .parse()
            .map_err(|e: iam_model::entities::IamError| PyValueError::new_err(e.message))?;
        let options = ServerOptions {
            host: host.to_string(),
            port,
            state,
            account_id,
            import: import_details,
            enforce,
            log,
            ..ServerOptions::default()
        };
        let shared = account.as_ref().map(|a| a.get().shared());
        let server = py
            .detach(|| Server::start(&options, shared))
            .map_err(|e| match e {
                iam_server::ServerError::Invalid(m) => PyValueError::new_err(m),
                other => PyOSError::new_err(other.to_string()),
            })?;
        let account = match account {
            Some(a) => a,
            None => Py::new(py, PyAccount::from_shared(server.account()))?,
        };
        account.get().set_door(server.door());
        let root = server.root_credentials();
        Ok(PyServer {
            url: server.url(),
            root_key: root.map(|r| (r.access_key_id.clone(), r.secret_access_key.clone())),
            root_file: root
                .and_then(|r| r.file.as_ref())
                .map(|p| p.display().to_string()),
            warnings: server.warnings().to_vec(),
            account,
            server: Mutex::new(Some(server)),
        })
    }

    /// `http://HOST:PORT`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The served account (`NativeAccount`).
    #[getter]
    fn account(&self, py: Python<'_>) -> Py<PyAccount> {
        self.account.clone_ref(py)
    }

    /// The root user's access key id (`None` if unknown).
    #[getter]
    fn root_access_key_id(&self) -> Option<&str> {
        self.root_key.as_ref().map(|(id, _)| id.as_str())
    }

    /// The root user's secret access key: a method, not an attribute, so that no `repr` or
    /// attribute listing shows it.
    fn root_secret_access_key(&self) -> Option<&str> {
        self.root_key.as_ref().map(|(_, s)| s.expose())
    }

    /// The shared-credentials file holding the root key as profile `default`.
    #[getter]
    fn root_credentials_file(&self) -> Option<&str> {
        self.root_file.as_deref()
    }

    /// Journaled calls that failed when the state was replayed (normally empty).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// True until `stop()`.
    #[getter]
    fn running(&self) -> bool {
        self.server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// **Test hook**: moves the served account's clock `seconds` (≥ 0) forward, as if that
    /// much time had passed: sessions expire, MFA codes change. Signatures are still checked
    /// against the real time. Not reachable over HTTP; not persisted across restarts.
    fn advance_clock(&self, seconds: i64) -> PyResult<()> {
        if seconds < 0 {
            return Err(PyValueError::new_err(format!(
                "advance_clock: seconds must be 0 or more, not {seconds} (the clock does not go back)"
            )));
        }
        match self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            Some(s) => {
                s.advance_clock(seconds);
                Ok(())
            }
            None => Err(PyValueError::new_err(
                "advance_clock: the server is stopped",
            )),
        }
    }

    /// Stops the endpoint (calls in progress finish first). Idempotent.
    fn stop(&self, py: Python<'_>) {
        let taken = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut s) = taken {
            py.detach(move || s.stop());
        }
    }

    fn __repr__(&self) -> String {
        let state = if self.running() { "running" } else { "stopped" };
        format!(
            "<iamkit._native.Server {} ({state}), root key {}>",
            self.url,
            self.root_access_key_id().unwrap_or("unknown")
        )
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "a running iamkit Server cannot be pickled",
        ))
    }
}
