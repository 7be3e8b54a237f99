//! Durable state (`--state DIR`): a write-ahead journal of every acknowledged change, replayed
//! exactly at start.
//!
//! `DIR/journal` holds one line per entry, `CRC32 JSON\n` (CRC-32 of the JSON text, 8 hex
//! digits). The first entry says how the account began (its id, creation time, and the
//! `get-account-authorization-details` file it was imported from, copied to `DIR/import.json`);
//! each later entry is one mutating call that succeeded: service, operation, parameters, the
//! caller (no secret), the time the account's clock showed, and the random bytes the
//! operation drew (ids, secrets, salts — `iam_account::record_randomness`). Replaying the
//! calls in order through `iam_account::operations` with the same clock and bytes rebuilds the
//! account exactly, including access-key secrets, sessions and whatever state later operations
//! add — there is no second, hand-written serialization of the account to fall out of date.
//!
//! Durability: an entry is appended (`O_APPEND`) while the account's write lock is held (so
//! the journal's order is the order the calls were applied in) and `fdatasync`ed before the
//! response is sent; a `kill -9` at any moment loses no acknowledged change. A torn last line
//! (a crash in the middle of a write, never acknowledged) fails its CRC or lacks its newline and
//! is cut off at the next start; damage anywhere else is reported and the server refuses to
//! start rather than serve a different account. Files are created with mode 0600 (the journal
//! holds what secrets derive from).

use iam_account::{Account, Caller, CallerKind, Clock, RequestContext, operations};
use iam_model::entities::Timestamp;
use serde_json::{Value, json};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Why the state directory could not be used.
#[derive(Debug)]
pub enum StateError {
    /// Reading or writing a file failed.
    Io(PathBuf, io::Error),
    /// The journal is damaged before its last line, or does not describe an account.
    Corrupt(PathBuf, String),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            StateError::Corrupt(p, m) => write!(f, "{}: {m}", p.display()),
        }
    }
}

impl std::error::Error for StateError {}

/// The account's clock while it is served: the underlying clock, pinned to one instant while
/// a call runs so that every time the call reads is the one its journal entry records.
pub struct ServerClock {
    base: Arc<dyn Clock>,
    pinned: AtomicI64,
}

const UNPINNED: i64 = i64::MIN;

impl ServerClock {
    /// A clock reading `base` when not pinned.
    pub fn new(base: Arc<dyn Clock>) -> ServerClock {
        ServerClock {
            base,
            pinned: AtomicI64::new(UNPINNED),
        }
    }
    /// Shows `t` until [`ServerClock::unpin`].
    pub fn pin(&self, t: Timestamp) {
        self.pinned.store(t.0, Ordering::SeqCst);
    }
    /// Pins the clock to the underlying clock's present time and returns it.
    pub fn pin_now(&self) -> Timestamp {
        let t = self.base.now();
        self.pin(t);
        t
    }
    /// Goes back to the underlying clock.
    pub fn unpin(&self) {
        self.pinned.store(UNPINNED, Ordering::SeqCst);
    }
}

impl Clock for ServerClock {
    fn now(&self) -> Timestamp {
        match self.pinned.load(Ordering::SeqCst) {
            UNPINNED => self.base.now(),
            t => Timestamp(t),
        }
    }
}

/// True for the operations that never change the account (their results are not journaled):
/// IAM's `Get*`, `List*` and `Simulate*`, and STS's `GetCallerIdentity`, `GetAccessKeyInfo` and
/// `DecodeAuthorizationMessage`. Everything else — including STS's `GetSessionToken` and
/// `GetFederationToken`, which create sessions — is journaled.
///
/// ```
/// assert!(iam_server::state::is_read_only("iam", "ListUsers"));
/// assert!(!iam_server::state::is_read_only("sts", "GetSessionToken"));
/// assert!(!iam_server::state::is_read_only("iam", "GenerateCredentialReport"));
/// ```
pub fn is_read_only(service: &str, operation: &str) -> bool {
    // One table for "runs under the read lock" and "is not journaled":
    // `iam_account::operations::READ_OPERATIONS`.
    operations::is_read_operation(service, operation)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn caller_json(c: &Caller) -> Value {
    let (kind, name) = match &c.kind {
        CallerKind::Root => ("root", None),
        CallerKind::User { name } => ("user", Some(name.clone())),
        CallerKind::Session { access_key_id } => ("session", Some(access_key_id.clone())),
    };
    json!({
        "arn": c.arn, "account": c.account, "kind": kind, "name": name,
        "access_key_id": c.access_key_id,
        "token_issue_time": c.token_issue_time.map(|t| t.0),
        "mfa_authenticated_at": c.mfa_authenticated_at.map(|t| t.0),
        "region": c.region,
    })
}

fn caller_of(v: &Value) -> Option<Caller> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let t = |k: &str| v.get(k).and_then(Value::as_i64).map(Timestamp);
    let kind = match v.get("kind")?.as_str()? {
        "root" => CallerKind::Root,
        "user" => CallerKind::User { name: s("name")? },
        "session" => CallerKind::Session {
            access_key_id: s("name")?,
        },
        _ => return None,
    };
    Some(Caller {
        arn: s("arn")?,
        account: s("account")?,
        kind,
        access_key_id: s("access_key_id"),
        token_issue_time: t("token_issue_time"),
        mfa_authenticated_at: t("mfa_authenticated_at"),
        region: s("region"),
    })
}

/// One line of the journal: `CRC32 JSON\n`.
fn line(entry: &Value) -> String {
    let text = entry.to_string();
    format!("{:08x} {text}\n", crc32fast::hash(text.as_bytes()))
}

/// The JSON of a complete journal line, if its checksum holds.
fn check_line(l: &str) -> Option<Value> {
    let (crc, text) = l.split_once(' ')?;
    let want = u32::from_str_radix(crc, 16).ok()?;
    (crc.len() == 8 && crc32fast::hash(text.as_bytes()) == want)
        .then(|| serde_json::from_str(text).ok())?
}

/// Opens (creating) a file with mode 0600 on Unix.
fn open_private(path: &Path, append: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).read(true);
    if append {
        o.append(true);
    } else {
        o.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// `fsync` of a directory, so that a file created or renamed in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `text` to `path` atomically (temporary file, fsync, rename, fsync of the directory),
/// mode 0600.
pub fn write_private_atomically(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state")
    ));
    {
        let mut f = open_private(&tmp, false)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// The journal of an account's changes in a state directory.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

/// How an account was brought back from a state directory.
#[derive(Debug)]
pub struct Restored {
    /// The account, with every journaled change applied.
    pub account: Account,
    /// The journal, ready for new entries.
    pub journal: Journal,
    /// True when the directory held no account yet (it was created now).
    pub created: bool,
    /// Journaled calls that failed when replayed (should be empty; the server still starts).
    pub warnings: Vec<String>,
}

impl Journal {
    /// The journal file of a state directory.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join("journal")
    }

    /// Opens the account kept in `dir`, replaying its journal; or, when `dir` holds none yet,
    /// creates it: account `account_id` (default `123456789012`), or imported from the
    /// `get-account-authorization-details` text `import` (with the id of its ARNs unless
    /// `account_id` is given). `clock` is the account's clock (pinned per replayed call).
    pub fn open(
        dir: &Path,
        account_id: Option<&str>,
        import: Option<&str>,
        clock: &Arc<ServerClock>,
    ) -> Result<Restored, StateError> {
        let io_err = |p: &Path| {
            let p = p.to_path_buf();
            move |e| StateError::Io(p, e)
        };
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The directory holds secrets: only its owner may list or enter it.
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        let path = Journal::path_in(dir);
        let existed = path.exists();
        let mut file = open_private(&path, true).map_err(io_err(&path))?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io_err(&path))?;
        let mut entries = Vec::new();
        let mut good_end = 0usize;
        let mut rest = text.as_str();
        while let Some(nl) = rest.find('\n') {
            let l = &rest[..nl];
            match check_line(l) {
                Some(v) => {
                    entries.push(v);
                    good_end += nl + 1;
                    rest = &rest[nl + 1..];
                }
                None => {
                    // A bad line is only acceptable as the torn last one.
                    if rest[nl + 1..].trim().is_empty() {
                        break;
                    }
                    return Err(StateError::Corrupt(
                        path.clone(),
                        format!(
                            "journal entry {} (byte {good_end}) is damaged and later entries follow; \
                             refusing to start with a different account",
                            entries.len() + 1
                        ),
                    ));
                }
            }
        }
        if good_end < text.len() {
            // The torn tail of a write that was never acknowledged.
            file.set_len(good_end as u64).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        file.seek(SeekFrom::End(0)).map_err(io_err(&path))?;
        let journal = Journal {
            path: path.clone(),
            file: Mutex::new(file),
        };
        let import_path = dir.join("import.json");
        if entries.is_empty() {
            // A new account (or a journal whose first entry never completed).
            let t = clock.pin_now();
            let (made, random) = iam_account::record_randomness(|| match import {
                Some(text) => {
                    let d = iam_parser_import(text)?;
                    match account_id {
                        Some(id) => Account::from_authorization_details_in(&d, id),
                        None => Account::from_authorization_details(&d),
                    }
                    .map_err(|e| e.message.clone())
                }
                None => Account::new(account_id.unwrap_or(crate::DEFAULT_ACCOUNT_ID))
                    .map_err(|e| e.message.clone()),
            });
            clock.unpin();
            let mut account = made.map_err(|m| StateError::Corrupt(path.clone(), m))?;
            account.set_create_date(t);
            account.set_clock(Arc::clone(clock) as Arc<dyn Clock>);
            if let Some(text) = import {
                write_private_atomically(&import_path, text).map_err(io_err(&import_path))?;
            }
            journal
                .append(
                    &json!({"kind": "init", "version": 1, "account_id": account.id(),
                    "created": t.0, "import": import.is_some(), "random": hex(&random)}),
                )
                .map_err(io_err(&path))?;
            journal.sync().map_err(io_err(&path))?;
            if !existed {
                sync_dir(dir).map_err(io_err(dir))?;
            }
            return Ok(Restored {
                account,
                journal,
                created: true,
                warnings: Vec::new(),
            });
        }
        let corrupt = |m: String| StateError::Corrupt(path.clone(), m);
        let init = &entries[0];
        if init["kind"] != "init" {
            return Err(corrupt(
                "the first journal entry is not the account's".into(),
            ));
        }
        let id = init["account_id"]
            .as_str()
            .or(account_id)
            .unwrap_or(crate::DEFAULT_ACCOUNT_ID)
            .to_string();
        let created = Timestamp(init["created"].as_i64().unwrap_or(0));
        let random = unhex(init["random"].as_str().unwrap_or_default()).unwrap_or_default();
        clock.pin(created);
        let imported = if init["import"] == true {
            Some(fs::read_to_string(&import_path).map_err(io_err(&import_path))?)
        } else {
            None
        };
        let (made, _) = iam_account::replay_randomness(&random, || match &imported {
            Some(text) => {
                let d = iam_parser_import(text)?;
                Account::from_authorization_details_in(&d, &id).map_err(|e| e.message.clone())
            }
            None => Account::new(&id).map_err(|e| e.message.clone()),
        });
        let mut account = made.map_err(corrupt)?;
        account.set_create_date(created);
        account.set_clock(Arc::clone(clock) as Arc<dyn Clock>);
        let mode = account.enforcement();
        account.set_enforcement(iam_account::Enforcement::Off);
        let mut warnings = Vec::new();
        for (n, e) in entries.iter().enumerate().skip(1) {
            let (Some(service), Some(op), Some(caller)) = (
                e["service"].as_str(),
                e["operation"].as_str(),
                caller_of(&e["caller"]),
            ) else {
                clock.unpin();
                return Err(corrupt(format!("journal entry {} is not a call", n + 1)));
            };
            clock.pin(Timestamp(e["time"].as_i64().unwrap_or(0)));
            let random = unhex(e["random"].as_str().unwrap_or_default()).unwrap_or_default();
            let (out, _) = iam_account::replay_randomness(&random, || {
                operations::call_with(
                    &mut account,
                    service,
                    op,
                    &e["params"],
                    &caller,
                    &RequestContext::default(),
                    false,
                )
            });
            if let Err(err) = out.result {
                warnings.push(format!(
                    "journal entry {} ({service} {op}) failed when replayed: {}",
                    n + 1,
                    err.error().message
                ));
            }
        }
        clock.unpin();
        account.set_enforcement(mode);
        account.take_denials();
        Ok(Restored {
            account,
            journal,
            created: false,
            warnings,
        })
    }

    /// Appends one entry (not yet durable: see [`Journal::sync`]).
    fn append(&self, entry: &Value) -> io::Result<()> {
        let l = line(entry);
        let mut f = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        f.write_all(l.as_bytes())
    }

    /// Appends a call that changed the account: call this while holding the account's write
    /// lock, right after the call, so the journal keeps the order of application.
    pub fn append_call(
        &self,
        time: Timestamp,
        service: &str,
        operation: &str,
        params: &Value,
        caller: &Caller,
        random: &[u8],
    ) -> io::Result<()> {
        self.append(&json!({"kind": "call", "time": time.0, "service": service,
            "operation": operation, "params": params, "caller": caller_json(caller),
            "random": hex(random)}))
    }

    /// Makes every appended entry durable (`fdatasync`); call before acknowledging.
    pub fn sync(&self) -> io::Result<()> {
        // Syncing a clone of the descriptor lets appends continue meanwhile.
        let f = {
            let f = self.file.lock().unwrap_or_else(PoisonError::into_inner);
            f.try_clone()?
        };
        f.sync_data()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn iam_parser_import(text: &str) -> Result<iam_parser::gaad::AuthorizationDetails, String> {
    iam_parser::gaad::parse_authorization_details(text)
        .map_err(|e| format!("not get-account-authorization-details JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_account::SystemClock;

    fn clock() -> Arc<ServerClock> {
        Arc::new(ServerClock::new(Arc::new(SystemClock)))
    }

    /// Runs a call the way the server does: pinned clock, recorded randomness, journaled.
    fn journaled(r: &mut Restored, c: &Arc<ServerClock>, op: &str, params: Value) -> Value {
        let caller = r.account.root_caller();
        let t = c.pin_now();
        let (out, random) = iam_account::record_randomness(|| {
            operations::call(&mut r.account, "iam", op, &params, &caller)
        });
        c.unpin();
        let v = out.unwrap_or_else(|e| Value::String(e.error().message.clone()));
        r.journal
            .append_call(t, "iam", op, &params, &caller, &random)
            .unwrap_or_else(|e| panic!("append: {e}"));
        r.journal.sync().unwrap_or_else(|e| panic!("sync: {e}"));
        v
    }

    fn open(dir: &Path, c: &Arc<ServerClock>) -> Restored {
        Journal::open(dir, Some("111122223333"), None, c).unwrap_or_else(|e| panic!("open: {e}"))
    }

    #[test]
    fn replay_restores_users_keys_and_secrets() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let mut r = open(dir.path(), &c);
        assert!(r.created);
        r.account.set_clock(Arc::clone(&c) as Arc<dyn Clock>);
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "alice"}));
        let key = journaled(&mut r, &c, "CreateAccessKey", json!({"UserName": "alice"}));
        let id = key["AccessKey"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let secret = key["AccessKey"]["SecretAccessKey"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let user_id = r.account.users_iter().next().map(|u| u.id.clone());
        drop(r);
        let again = open(dir.path(), &clock());
        assert!(!again.created);
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
        let caller = again
            .account
            .authenticate(&id, &secret, None)
            .unwrap_or_else(|e| panic!("the restored key authenticates: {}", e.message));
        assert_eq!(caller.arn, "arn:aws:iam::111122223333:user/alice");
        assert_eq!(
            again.account.users_iter().next().map(|u| u.id.clone()),
            user_id
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(Journal::path_in(dir.path()))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600);
        }
    }

    /// A virtual MFA device's seed comes from the recorded randomness and its codes are checked
    /// at the pinned time: the replayed `EnableMFADevice` verifies again and the device comes
    /// back assigned, with the seed the client was given.
    #[test]
    fn replay_restores_an_enabled_virtual_mfa_device() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let mut r = open(dir.path(), &c);
        r.account.set_clock(Arc::clone(&c) as Arc<dyn Clock>);
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "alice"}));
        let dev = journaled(
            &mut r,
            &c,
            "CreateVirtualMFADevice",
            json!({"VirtualMFADeviceName": "alice"}),
        );
        let serial = dev["VirtualMFADevice"]["SerialNumber"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let seed = dev["VirtualMFADevice"]["Base32StringSeed"]
            .as_str()
            .and_then(|b| {
                use base64ct::{Base64, Encoding};
                Base64::decode_vec(b).ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let now = r.account.clock().now().0;
        let code = |t: i64| iam_account::mfa::totp(&seed, t).unwrap_or_default();
        let out = journaled(
            &mut r,
            &c,
            "EnableMFADevice",
            json!({"UserName": "alice", "SerialNumber": serial,
                "AuthenticationCode1": code(now - 30), "AuthenticationCode2": code(now)}),
        );
        assert_eq!(out, json!({}));
        drop(r);
        let again = open(dir.path(), &clock());
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
        let d = again
            .account
            .get_virtual_mfa_device(&serial)
            .unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(d.user.as_deref(), Some("alice"));
    }

    #[test]
    fn a_torn_last_entry_is_cut_off_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let mut r = open(dir.path(), &c);
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "alice"}));
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "bob"}));
        drop(r);
        let path = Journal::path_in(dir.path());
        let full = fs::read(&path).unwrap_or_default();
        // Every possible torn write of the last entry: any prefix of it.
        let last_start = full[..full.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        for cut in last_start..full.len() {
            fs::write(&path, &full[..cut]).unwrap_or_else(|e| panic!("{e}"));
            let r = open(dir.path(), &clock());
            let names: Vec<String> = r.account.users_iter().map(|u| u.name.clone()).collect();
            assert_eq!(names, ["alice"], "cut at byte {cut}");
            assert_eq!(
                fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                last_start as u64,
                "the torn tail is removed"
            );
        }
        // A new entry after recovery lands on a clean line.
        fs::write(&path, &full[..last_start + 7]).unwrap_or_else(|e| panic!("{e}"));
        let mut r = open(dir.path(), &c);
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "carol"}));
        drop(r);
        let r = open(dir.path(), &clock());
        let names: Vec<String> = r.account.users_iter().map(|u| u.name.clone()).collect();
        assert_eq!(names, ["alice", "carol"]);
    }

    #[test]
    fn damage_before_the_end_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let mut r = open(dir.path(), &c);
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "alice"}));
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "bob"}));
        drop(r);
        let path = Journal::path_in(dir.path());
        let mut text = fs::read_to_string(&path).unwrap_or_default();
        text = text.replacen("alice", "alicf", 1);
        fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        match Journal::open(dir.path(), Some("111122223333"), None, &clock()) {
            Err(StateError::Corrupt(_, m)) => assert!(m.contains("entry 2"), "{m}"),
            other => panic!("expected corruption, got {:?}", other.map(|r| r.created)),
        }
    }

    #[test]
    fn pinned_clock_shows_the_pinned_time() {
        let c = clock();
        c.pin(Timestamp(42));
        assert_eq!(c.now(), Timestamp(42));
        c.unpin();
        assert!(c.now().0 > 1_600_000_000);
    }
}
