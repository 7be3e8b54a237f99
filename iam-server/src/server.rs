//! The HTTP endpoint: one port serving IAM and STS in AWS's Query protocol, each request
//! authenticated with SigV4 against the account's keys, authorized and run by
//! `iam_account::operations` (the same implementation as the Python clients), journaled when it
//! changed the account, and logged.

use crate::log::{DecisionLog, RequestFacts, now_millis};
use crate::query::{QueryError, decode_params, parse_form};
use crate::sigv4::{self, HttpRequest};
use crate::state::{Compaction, Journal, ServerClock, is_read_only, write_private_atomically};
use crate::xml;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use iam_account::model::ServiceModel;
use iam_account::{Account, Caller, Clock, Enforcement, RequestContext, operations};
use iam_model::entities::Secret;
use serde_json::Value;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// The largest request body accepted (IAM's largest parameters, policy documents, are far
/// smaller); larger bodies are refused with `413`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The account id of a new account when none is given.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// How a [`Server`] is set up.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The address to listen on (`127.0.0.1`).
    pub host: String,
    /// The port (`0` picks a free one).
    pub port: u16,
    /// The state directory (`None`: the account lives in memory only).
    pub state: Option<PathBuf>,
    /// The account id of a new account (`None`: `123456789012`; a restarted state directory
    /// keeps its own and warns when this names another).
    pub account_id: Option<String>,
    /// `get-account-authorization-details` JSON text a new account starts from.
    pub import: Option<String>,
    /// What the account does with denied calls.
    pub enforce: Enforcement,
    /// The decision log file.
    pub log: Option<PathBuf>,
    /// When the state directory's journal is folded into a snapshot.
    pub compaction: Compaction,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            host: "127.0.0.1".to_string(),
            port: 0,
            state: None,
            account_id: None,
            import: None,
            enforce: Enforcement::On,
            log: None,
            compaction: Compaction::default(),
        }
    }
}

/// Why a server could not start.
#[derive(Debug)]
pub enum ServerError {
    /// Binding the port, starting the runtime or writing a file failed.
    Io(String, io::Error),
    /// The state directory could not be used.
    State(crate::state::StateError),
    /// The options do not make sense together.
    Invalid(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(what, e) => write!(f, "{what}: {e}"),
            ServerError::State(e) => write!(f, "{e}"),
            ServerError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ServerError {}

/// The root user's access key the server created (its secret is a redacting [`Secret`]).
#[derive(Debug, Clone)]
pub struct RootCredentials {
    /// `AKIA…`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The shared-credentials file holding it as profile `default` (with a state directory).
    pub file: Option<PathBuf>,
}

struct Shared {
    account: Arc<RwLock<Account>>,
    clock: Arc<ServerClock>,
    journal: Option<Journal>,
    log: Option<DecisionLog>,
}

/// A running endpoint. Dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    root: Option<RootCredentials>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    warnings: Vec<String>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url())
            .field(
                "root_access_key_id",
                &self.root.as_ref().map(|r| &r.access_key_id),
            )
            .finish()
    }
}

/// The default state directory: `$XDG_DATA_HOME/iamkit/serve`, else
/// `~/.local/share/iamkit/serve`.
pub fn default_state_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local").join("share")))
        .map(|d| d.join("iamkit").join("serve"))
}

/// The profile file of the root user's key in a state directory.
pub fn root_credentials_path(dir: &Path) -> PathBuf {
    dir.join("root-credentials")
}

fn read_root_credentials(path: &Path) -> Option<RootCredentials> {
    let text = std::fs::read_to_string(path).ok()?;
    let profiles = iam_parser::cli_config::parse_ini(&text).ok()?;
    let (_, p) = profiles.into_iter().find(|(n, _)| n == "default")?;
    Some(RootCredentials {
        access_key_id: p.get_str("aws_access_key_id")?.to_string(),
        secret_access_key: Secret::new(p.get_str("aws_secret_access_key")?.to_string()),
        file: Some(path.to_path_buf()),
    })
}

impl Server {
    /// Starts serving: `account` (shared with the caller, so changes on either side are seen
    /// by the other) or, when `None`, the account of `options.state` (created on first start,
    /// replayed from its journal afterwards) or a new in-memory account. A state directory and
    /// an explicit account cannot be combined. On first start (and for an in-memory account)
    /// the root user gets an access key; with a state directory it is written as profile
    /// `default` to `DIR/root-credentials` (mode 0600) with `region = us-east-1` in
    /// `DIR/config`.
    pub fn start(
        options: &ServerOptions,
        account: Option<Arc<RwLock<Account>>>,
    ) -> Result<Server, ServerError> {
        let mut warnings = Vec::new();
        let (account, clock, journal, first_start) = match (account, &options.state) {
            (Some(_), Some(_)) => {
                return Err(ServerError::Invalid(
                    "pass either an account or a state directory, not both: a state directory \
                     holds its own account"
                        .to_string(),
                ));
            }
            (Some(a), None) => {
                let clock = {
                    let mut g = a.write().unwrap_or_else(PoisonError::into_inner);
                    let clock = Arc::new(ServerClock::new(g.clock()));
                    g.set_clock(Arc::clone(&clock) as Arc<dyn Clock>);
                    g.set_enforcement(options.enforce);
                    clock
                };
                (a, clock, None, true)
            }
            (None, state) => {
                let clock = Arc::new(ServerClock::new(Arc::new(iam_account::SystemClock)));
                match state {
                    Some(dir) => {
                        let r = Journal::open(
                            dir,
                            options.account_id.as_deref(),
                            options.import.as_deref(),
                            &clock,
                        )
                        .map_err(ServerError::State)?;
                        warnings = r.warnings;
                        r.journal.set_compaction(options.compaction);
                        if !r.created {
                            if options.import.is_some() {
                                warnings.push(format!(
                                    "the import was ignored: {} already holds account {}",
                                    dir.display(),
                                    r.account.id()
                                ));
                            }
                            if let Some(id) = options.account_id.as_deref()
                                && r.account.id() != id
                            {
                                warnings.push(format!(
                                    "{} holds account {}; the account id {id} was ignored",
                                    dir.display(),
                                    r.account.id(),
                                ));
                            }
                        }
                        let mut acct = r.account;
                        acct.set_enforcement(options.enforce);
                        (
                            Arc::new(RwLock::new(acct)),
                            clock,
                            Some(r.journal),
                            r.created,
                        )
                    }
                    None => {
                        let mut acct = match &options.import {
                            Some(text) => {
                                let d = iam_parser::gaad::parse_authorization_details(text)
                                    .map_err(|e| {
                                        ServerError::Invalid(format!(
                                            "not get-account-authorization-details JSON: {e}"
                                        ))
                                    })?;
                                match options.account_id.as_deref() {
                                    Some(id) => Account::from_authorization_details_in(&d, id),
                                    None => Account::from_authorization_details(&d),
                                }
                            }
                            None => Account::new(
                                options.account_id.as_deref().unwrap_or(DEFAULT_ACCOUNT_ID),
                            ),
                        }
                        .map_err(|e| ServerError::Invalid(e.message))?;
                        acct.set_clock(Arc::clone(&clock) as Arc<dyn Clock>);
                        acct.set_enforcement(options.enforce);
                        (Arc::new(RwLock::new(acct)), clock, None, true)
                    }
                }
            }
        };
        let log = match &options.log {
            Some(p) => Some(
                DecisionLog::open(p).map_err(|e| ServerError::Io(format!("{}", p.display()), e))?,
            ),
            None => None,
        };
        let shared = Arc::new(Shared {
            account,
            clock,
            journal,
            log,
        });
        let root = match &options.state {
            Some(dir) if !first_start => read_root_credentials(&root_credentials_path(dir)),
            _ => Some(create_root_key(&shared, options.state.as_deref())?),
        };

        let listener = std::net::TcpListener::bind((options.host.as_str(), options.port))
            .map_err(|e| ServerError::Io(format!("{}:{}", options.host, options.port), e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| ServerError::Io("listener".into(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ServerError::Io("listener".into(), e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("iamkit-serve")
            .enable_all()
            .build()
            .map_err(|e| ServerError::Io("tokio runtime".into(), e))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let serving = Arc::clone(&shared);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)
                .map_err(|e| ServerError::Io("listener".into(), e))?
        };
        let thread = std::thread::Builder::new()
            .name("iamkit-serve".into())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, serving, rx));
                // Calls in progress finish (and their journal entries become durable) before
                // the runtime goes.
                runtime.shutdown_timeout(Duration::from_secs(10));
            })
            .map_err(|e| ServerError::Io("server thread".into(), e))?;
        Ok(Server {
            addr,
            shared,
            root,
            shutdown: Some(tx),
            thread: Some(thread),
            warnings,
        })
    }

    /// `http://HOST:PORT`.
    pub fn url(&self) -> String {
        match self.addr {
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
            SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
        }
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The account served (shared: changes through it are seen by HTTP callers).
    pub fn account(&self) -> Arc<RwLock<Account>> {
        Arc::clone(&self.shared.account)
    }

    /// The root user's access key (`None` when a restarted state directory lost its file).
    pub fn root_credentials(&self) -> Option<&RootCredentials> {
        self.root.as_ref()
    }

    /// The [`Door`] for other in-process callers of the served account.
    pub fn door(&self) -> Door {
        Door {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Runs one request through everything a request from the network goes through — decode,
    /// authenticate, authorize and run, journal, log — without the network, on the calling
    /// thread: the HTTP status and the XML body. For benchmarks and tests of the request path
    /// (`peer` is the address `aws:SourceIp` reports).
    pub fn respond(&self, req: &HttpRequest<'_>, peer: IpAddr) -> (u16, String) {
        let r = handle(&self.shared, req, peer);
        (r.status, r.body)
    }

    /// What the user should know about the start: journaled calls that failed when the state
    /// was replayed (normally none), options a restarted state directory ignored.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Stops accepting connections, lets the calls in progress finish, and returns once the
    /// server is down. Idempotent.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
            // A clean shutdown leaves a snapshot and an empty journal: the next start reads
            // the account without replaying anything.
            if let Some(j) = &self.shared.journal {
                let a = self
                    .shared
                    .account
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                compact(j, &a, true);
            }
        }
    }

    /// **Test hook** (not reachable over HTTP): moves the served account's clock `seconds`
    /// forward, as if that much time had passed — sessions expire, MFA codes change. Request
    /// signatures are still checked against the real time (clients sign with their own
    /// clock). Not persisted across restarts. See [`ServerClock::advance`].
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.clock.advance(seconds);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Another door into a served account — the in-process Python clients — that runs calls the
/// way the endpoint does: clock pinned, randomness recorded, and every change journaled and
/// durable before the call returns, so that a state directory also keeps the changes made
/// through that door. Its calls are written to the decision log like the endpoint's, marked
/// `"via": "python"` (no source address or user agent): the log is the served account's
/// trail, and `iamkit policy-from-log` must see every call a principal made.
#[derive(Clone)]
pub struct Door {
    shared: Arc<Shared>,
}

impl fmt::Debug for Door {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Door")
            .field("journaled", &self.shared.journal.is_some())
            .finish()
    }
}

impl Door {
    /// Runs `operations::call` on `account` — which must be the served account
    /// ([`Server::account`]), locked for writing by the caller — and journals it.
    pub fn call(
        &self,
        account: &mut Account,
        service: &str,
        operation: &str,
        params: &Value,
        caller: &Caller,
    ) -> Result<Value, iam_account::CallError> {
        let (out, failure) = run_call(
            &self.shared,
            account,
            service,
            operation,
            params,
            caller,
            &RequestContext::default(),
        );
        let failure = failure.or_else(|| {
            let j = self.shared.journal.as_ref()?;
            if out.result.is_err() || is_read_only(service, operation) {
                return None;
            }
            let synced = j
                .sync()
                .err()
                .map(|e| format!("the change could not be made durable: {e}"));
            if synced.is_none() {
                compact(j, account, false);
            }
            synced
        });
        let result = match failure {
            Some(m) => Err(iam_account::CallError::Invalid(
                iam_model::entities::IamError::invalid_input(m),
            )),
            None => out.result,
        };
        self.log(service, operation, caller, &result, &out.checks);
        result
    }

    /// Runs `operations::call_read` — an operation that only reads — on `account`, which
    /// must be the served account, locked for reading (or writing) by the caller; nothing is
    /// journaled. Logged like [`Door::call`].
    pub fn call_read(
        &self,
        account: &Account,
        service: &str,
        operation: &str,
        params: &Value,
        caller: &Caller,
    ) -> Result<Value, iam_account::CallError> {
        let trace = self.shared.log.is_some();
        let rc = RequestContext::default();
        let out = operations::call_read(account, service, operation, params, caller, &rc, trace);
        self.log(service, operation, caller, &out.result, &out.checks);
        out.result
    }

    /// Writes a call's records to the decision log, if there is one (`"via": "python"`).
    fn log(
        &self,
        service: &str,
        operation: &str,
        caller: &Caller,
        result: &Result<Value, iam_account::CallError>,
        checks: &[iam_account::CheckDecision],
    ) {
        if let Some(log) = &self.shared.log {
            let facts = RequestFacts {
                request_id: request_id(),
                service: service.to_string(),
                operation: operation.to_string(),
                principal: Some(caller.arn.clone()),
                access_key_id: caller.access_key_id.clone(),
                outcome: if result.is_ok() { "ok" } else { "error" },
                error_code: result
                    .as_ref()
                    .err()
                    .map(|e| e.error().code.as_str().to_string()),
                via: "python",
                ..RequestFacts::default()
            };
            // As for the endpoint: a log that cannot be written does not fail the call.
            let _ = log.write(&DecisionLog::records(&facts, checks, now_millis()));
        }
    }
}

/// Folds the journal into a snapshot of `account` (locked by the caller) when it is due, or
/// always with `force` (when anything was journaled since the last one). A failure is not the
/// call's: the change is already durable in the journal, which keeps growing until a later
/// attempt succeeds; it is reported on standard error.
fn compact(j: &Journal, account: &Account, force: bool) {
    let result = if force {
        if j.pending().0 == 0 {
            return;
        }
        j.compact(account)
    } else {
        j.compact_if_due(account).map(|_| ())
    };
    if let Err(e) = result {
        eprintln!(
            "iamkit serve: could not snapshot the account into {}: {e} (the journal keeps every \
             change; it will be retried)",
            j.path().display()
        );
    }
}

/// Creates an access key for the root user through the journaled call path, and writes the
/// profile files when there is a state directory.
fn create_root_key(shared: &Shared, state: Option<&Path>) -> Result<RootCredentials, ServerError> {
    let out = {
        let mut a = shared
            .account
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let caller = a.root_caller();
        let params = Value::Object(serde_json::Map::new());
        run_call(
            shared,
            &mut a,
            "iam",
            "CreateAccessKey",
            &params,
            &caller,
            &RequestContext::default(),
        )
    };
    if let (_, Some(e)) = &out {
        return Err(ServerError::Invalid(e.clone()));
    }
    let out = out.0;
    if let Some(j) = &shared.journal {
        j.sync()
            .map_err(|e| ServerError::Io(j.path().display().to_string(), e))?;
    }
    let v = out.result.map_err(|e| {
        ServerError::Invalid(format!(
            "cannot create the root user's access key: {}",
            e.error().message
        ))
    })?;
    let id = v["AccessKey"]["AccessKeyId"].as_str().unwrap_or_default();
    let secret = v["AccessKey"]["SecretAccessKey"]
        .as_str()
        .unwrap_or_default();
    let mut file = None;
    if let Some(dir) = state {
        let path = root_credentials_path(dir);
        let text = iam_parser::cli_config::update_credentials(
            "",
            &iam_parser::cli_config::ProfileUpdate {
                profile: "default",
                access_key_id: id,
                secret_access_key: secret,
                session_token: None,
                region: None,
                output: None,
            },
        )
        .map_err(|e| ServerError::Invalid(e.to_string()))?;
        write_private_atomically(&path, &text)
            .map_err(|e| ServerError::Io(path.display().to_string(), e))?;
        let config = dir.join("config");
        write_private_atomically(&config, "[default]\nregion = us-east-1\n")
            .map_err(|e| ServerError::Io(config.display().to_string(), e))?;
        file = Some(path);
    }
    Ok(RootCredentials {
        access_key_id: id.to_string(),
        secret_access_key: Secret::new(secret.to_string()),
        file,
    })
}

/// Runs one call with the account locked for writing: clock pinned, randomness recorded, and
/// — when it changed the account — journaled (not yet synced). The second result is the
/// journal's failure, if appending failed (the change is then not acknowledged).
fn run_call(
    shared: &Shared,
    a: &mut Account,
    service: &str,
    operation: &str,
    params: &Value,
    caller: &Caller,
    rc: &RequestContext,
) -> (operations::CallOutcome, Option<String>) {
    let t = shared.clock.pin_now();
    let trace = shared.log.is_some();
    let (out, random) = iam_account::record_randomness(|| {
        operations::call_with(a, service, operation, params, caller, rc, trace)
    });
    let mut failed = None;
    if out.result.is_ok()
        && !is_read_only(service, operation)
        && let Some(j) = &shared.journal
        && let Err(e) = j.append_call(t, service, operation, params, caller, &random)
    {
        failed = Some(format!("the change could not be journaled: {e}"));
    }
    shared.clock.unpin();
    (out, failed)
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, std::convert::Infallible>(handle_http(req, peer, shared).await) }
                    });
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

/// A finished reply: status, XML body, request id.
struct Reply {
    status: u16,
    body: String,
    request_id: String,
}

async fn handle_http(
    req: Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let rid = request_id();
            return http_reply(Reply {
                status: 413,
                body: xml::error_response(
                    "",
                    "RequestEntityTooLarge",
                    &format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
                    true,
                    &rid,
                ),
                request_id: rid,
            });
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let inline = reads_only(&parts.uri, &body);
    let run = move || {
        let req = HttpRequest {
            method: &method,
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        };
        handle(&shared, &req, peer.ip())
    };
    // A call that only reads is short CPU work: it runs right here, without handing the
    // request to another thread and back (two wake-ups per call on a busy machine). A call that
    // may change the account waits for its journal's fsync, so it runs on the blocking pool
    // rather than holding up a runtime worker. (Where it runs never changes what it does.)
    let reply = if inline {
        Ok::<Reply, tokio::task::JoinError>(run())
    } else {
        tokio::task::spawn_blocking(run).await
    };
    match reply {
        Ok(r) => http_reply(r),
        Err(_) => {
            let rid = request_id();
            http_reply(Reply {
                status: 500,
                body: xml::error_response(
                    "",
                    "InternalFailure",
                    "The request could not be processed.",
                    false,
                    &rid,
                ),
                request_id: rid,
            })
        }
    }
}

/// True when the request's `Action` (from the query string or the form body) is an operation
/// that never changes the account in either service (`ListUsers`, `GetUser`,
/// `GetCallerIdentity`; not `GetSessionToken`).
fn reads_only(uri: &hyper::Uri, body: &[u8]) -> bool {
    let action = |text: &str| {
        text.split('&')
            .find_map(|p| p.strip_prefix("Action="))
            .map(str::to_string)
    };
    let Some(a) = uri
        .query()
        .and_then(action)
        .or_else(|| std::str::from_utf8(body).ok().and_then(action))
    else {
        return false;
    };
    // No operation name is in both models, and the read table only names model operations.
    operations::is_read_operation("iam", &a) || operations::is_read_operation("sts", &a)
}

fn http_reply(r: Reply) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(r.body)));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/xml"),
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(&r.request_id) {
        h.insert("x-amzn-RequestId", v);
    }
    resp
}

/// A random UUID (version 4), AWS's request id format.
fn request_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // Unique enough for a request id when the OS generator is unavailable.
        let t = now_millis().to_le_bytes();
        b[..8].copy_from_slice(&t);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(x >> 4)]));
        id.push(char::from(HEX[usize::from(x & 15)]));
    }
    id
}

/// The service a request is for: the SigV4 scope's service when it is `iam` or `sts`, else
/// the one whose model has the action.
fn service_of(scope_service: Option<&str>, action: Option<&str>) -> &'static str {
    match scope_service {
        Some("iam") => "iam",
        Some("sts") => "sts",
        _ => {
            let has = |s: &str| {
                action.is_some_and(|a| ServiceModel::get(s).is_some_and(|m| m.has_operation(a)))
            };
            if !has("iam") && has("sts") {
                "sts"
            } else {
                "iam"
            }
        }
    }
}

/// Everything a request goes through: decode, authenticate, authorize and run, journal, log.
fn handle(shared: &Shared, req: &HttpRequest<'_>, peer: IpAddr) -> Reply {
    let started = now_millis();
    let mut facts = RequestFacts {
        request_id: request_id(),
        outcome: "error",
        source_ip: peer.to_string(),
        user_agent: req.header("user-agent").map(str::to_string),
        ..RequestFacts::default()
    };
    let (reply, checks) = handle_inner(shared, req, &mut facts);
    if let Some(log) = &shared.log {
        facts.outcome = if reply.status < 300 { "ok" } else { "error" };
        let recs = DecisionLog::records(&facts, &checks, started);
        // A log that cannot be written must not fail the call that was already applied.
        let _ = log.write(&recs);
    }
    reply
}

fn error_reply(model: &ServiceModel, facts: &mut RequestFacts, code: &str, message: &str) -> Reply {
    let status = model.error_status(code);
    facts.error_code = Some(code.to_string());
    Reply {
        status,
        body: xml::error_response(
            model.xml_namespace(),
            code,
            message,
            status < 500,
            &facts.request_id,
        ),
        request_id: facts.request_id.clone(),
    }
}

fn handle_inner(
    shared: &Shared,
    req: &HttpRequest<'_>,
    facts: &mut RequestFacts,
) -> (Reply, Vec<iam_account::CheckDecision>) {
    let iam = ServiceModel::get("iam");
    let mut form = match parse_form(req.query) {
        Ok(f) => f,
        Err(e) => return (query_error(iam, facts, &e), Vec::new()),
    };
    if !req.body.is_empty() {
        let text = match std::str::from_utf8(req.body) {
            Ok(t) => t,
            Err(_) => {
                let e = QueryError {
                    code: "MalformedQueryString",
                    message: "the request body is not UTF-8 text".into(),
                };
                return (query_error(iam, facts, &e), Vec::new());
            }
        };
        match parse_form(text) {
            Ok(f) => form.extend(f),
            Err(e) => return (query_error(iam, facts, &e), Vec::new()),
        }
    }
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let action = get("Action");
    let auth = sigv4::parse(req);
    let service = service_of(
        auth.as_ref().ok().map(|a| a.service.as_str()),
        action.as_deref(),
    );
    let Some(model) = ServiceModel::get(service) else {
        return (
            Reply {
                status: 500,
                body: String::new(),
                request_id: facts.request_id.clone(),
            },
            Vec::new(),
        );
    };
    facts.service = service.to_string();
    let Some(action) = action else {
        return (
            error_reply(
                model,
                facts,
                "MissingAction",
                "Could not find the Action parameter in the request.",
            ),
            Vec::new(),
        );
    };
    facts.operation = action.clone();
    if !model.has_operation(&action) {
        let version = get("Version").unwrap_or_default();
        let msg = format!("Could not find operation {action} for version {version}");
        return (error_reply(model, facts, "InvalidAction", &msg), Vec::new());
    }
    // Authentication (SigV4): who signed, when, and with which secret.
    let auth = match auth {
        Ok(a) => a,
        Err(e) => return (error_reply(model, facts, e.code, &e.message), Vec::new()),
    };
    facts.access_key_id = Some(auth.access_key_id.clone());
    if auth.service != service {
        let msg = format!("Credential should be scoped to correct service: '{service}'. ");
        return (
            error_reply(model, facts, "SignatureDoesNotMatch", &msg),
            Vec::new(),
        );
    }
    if let Err(e) = sigv4::check_time(&auth, shared.clock.wall_now().0) {
        return (error_reply(model, facts, e.code, &e.message), Vec::new());
    }
    let found = {
        let a = shared
            .account
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        a.signing_secret(&auth.access_key_id, auth.security_token.as_deref())
            .map(|(c, s)| (c, Secret::new(s.expose().to_string())))
    };
    let (caller, secret) = match found {
        Ok(x) => x,
        Err(e) => {
            return (
                error_reply(model, facts, e.code.as_str(), &e.message),
                Vec::new(),
            );
        }
    };
    if let Err(e) = sigv4::verify(req, &auth, secret.expose()) {
        return (error_reply(model, facts, e.code, &e.message), Vec::new());
    }
    drop(secret);
    facts.principal = Some(caller.arn.clone());
    // The operation's parameters, from the model's input shape.
    let members: Vec<(String, String)> = form
        .into_iter()
        .filter(|(k, _)| k != "Action" && k != "Version" && !k.starts_with("X-Amz-"))
        .collect();
    let params = match decode_params(model, &action, &members) {
        Ok(p) => p,
        Err(e) => return (error_reply(model, facts, e.code, &e.message), Vec::new()),
    };
    if let Err(e) = model.validate(&action, &params) {
        let msg = e.report();
        return (
            error_reply(
                model,
                facts,
                "ValidationError",
                msg.trim_start_matches("Parameter validation failed:\n"),
            ),
            Vec::new(),
        );
    }
    let rc = RequestContext {
        source_ip: Some(facts.source_ip.clone()),
        secure_transport: Some(false),
        requested_region: Some(auth.region.clone()),
        user_agent: facts.user_agent.clone(),
    };
    let (out, mut failure) = if operations::is_read_operation(service, &action) {
        // An operation that only reads runs under the read lock, beside other reads: it changes
        // nothing the journal keeps (its key-last-used and last-accessed records have their own
        // lock in the account), so it neither pins the clock nor records randomness.
        let a = shared
            .account
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let trace = shared.log.is_some();
        let out = operations::call_read(&a, service, &action, &params, &caller, &rc, trace);
        (out, None)
    } else {
        let mut a = shared
            .account
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        run_call(shared, &mut a, service, &action, &params, &caller, &rc)
    };
    // Durable before acknowledged.
    if failure.is_none()
        && out.result.is_ok()
        && !is_read_only(service, &action)
        && let Some(j) = &shared.journal
        && let Err(e) = j.sync()
    {
        failure = Some(format!("the change could not be made durable: {e}"));
    }
    if failure.is_none()
        && !is_read_only(service, &action)
        && let Some(j) = &shared.journal
        && j.compaction_due()
    {
        let a = shared
            .account
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        compact(j, &a, false);
    }
    let reply = match (&out.result, failure) {
        (_, Some(m)) => {
            facts.error_code = Some("ServiceFailure".to_string());
            Reply {
                status: 500,
                body: xml::error_response(
                    model.xml_namespace(),
                    "ServiceFailure",
                    &m,
                    false,
                    &facts.request_id,
                ),
                request_id: facts.request_id.clone(),
            }
        }
        (Ok(v), None) => Reply {
            status: 200,
            body: xml::response(model, &action, v, &facts.request_id),
            request_id: facts.request_id.clone(),
        },
        (Err(e), None) => {
            let err = e.error();
            error_reply(model, facts, err.code.as_str(), &err.message)
        }
    };
    (reply, out.checks)
}

fn query_error(model: Option<&ServiceModel>, facts: &mut RequestFacts, e: &QueryError) -> Reply {
    facts.error_code = Some(e.code.to_string());
    Reply {
        status: 400,
        body: xml::error_response(
            model.map_or("", |m| m.xml_namespace()),
            e.code,
            &e.message,
            true,
            &facts.request_id,
        ),
        request_id: facts.request_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_uuids() {
        let id = request_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(
            id.bytes()
                .all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(
            matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{id}"
        );
        assert_ne!(id, request_id());
    }

    #[test]
    fn reads_only_names_the_read_operations_of_either_service() {
        let uri = |q: &str| format!("/?{q}").parse::<hyper::Uri>().unwrap();
        assert!(reads_only(&uri("Action=GetUser&Version=2010-05-08"), b""));
        assert!(reads_only(
            &uri("X=1"),
            b"Action=GetCallerIdentity&Version=2011-06-15"
        ));
        assert!(!reads_only(
            &uri("X=1"),
            b"Action=GetSessionToken&Version=2011-06-15"
        ));
        assert!(!reads_only(&uri("Action=CreateUser"), b""));
        assert!(!reads_only(&uri("Action=NoSuchThing"), b""));
        assert!(!reads_only(&uri("X=1"), b""));
    }
}
