//! Durable state (`--state DIR`): a snapshot of the account plus a write-ahead journal of every
//! acknowledged change since, replayed exactly at start.
//!
//! `DIR/journal` holds one line per entry, `CRC32 JSON\n` (CRC-32 of the JSON text, 8 hex
//! digits); every entry carries a sequence number `seq` (0, 1, 2, … for as long as the
//! directory lives). The first entry ever (`seq` 0) says how the account began (its id,
//! creation time, and the `get-account-authorization-details` file it was imported from,
//! copied to `DIR/import.json`); each later entry is one mutating call that succeeded:
//! service, operation, parameters, the caller (no secret), the time the account's clock
//! showed, and the random bytes the operation drew (ids, secrets, salts —
//! `iam_account::record_randomness`). Replaying the calls in order through
//! `iam_account::operations` with the same clock and bytes rebuilds the account exactly.
//!
//! Compaction: when the journal passes a [`Compaction`] threshold (10,000 records or 8 MiB by
//! default) and at a clean shutdown, the account is written whole
//! (`iam_account::Account::snapshot`) to `DIR/snapshot` — one line, `CRC32 JSON\n`, holding
//! the `seq` of the last entry it contains and the init entry — atomically (temporary file,
//! fsync, rename, fsync of the directory), and only then is the journal truncated. A start
//! reads the snapshot, then applies the journal's entries whose `seq` follows it, skipping
//! those at or before it (a crash between the snapshot's rename and the journal's truncation
//! leaves them: they are never applied twice) and refusing a gap. So a restart costs what the
//! live account costs plus at most one threshold of records, not the directory's history; the
//! journal is read one line at a time, never held whole in memory.
//!
//! Durability: an entry is appended (`O_APPEND`) while the account's write lock is held (so
//! the journal's order is the order the calls were applied in) and `fdatasync`ed before the
//! response is sent; a `kill -9` at any moment loses no acknowledged change. A torn last line
//! (a crash in the middle of a write, never acknowledged) fails its CRC or lacks its newline and
//! is cut off at the next start; damage anywhere else, or a damaged snapshot, is reported and
//! the server refuses to start rather than serve a different account. The directory is made
//! mode 0700 and every file in it is created with mode 0600: the snapshot holds the account's
//! secrets (access-key secret keys, session tokens, MFA seeds — keys must keep working after a
//! restart) and the journal what they derive from.

use iam_account::{Account, Caller, CallerKind, Clock, RequestContext, operations};
use iam_model::entities::Timestamp;
use serde_json::{Value, json};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
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
/// a call runs so that every time the call reads is the one its journal entry records, and
/// moved forward by [`ServerClock::advance`] (a test hook).
pub struct ServerClock {
    base: Arc<dyn Clock>,
    pinned: AtomicI64,
    offset: AtomicI64,
}

const UNPINNED: i64 = i64::MIN;

impl ServerClock {
    /// A clock reading `base` when not pinned.
    pub fn new(base: Arc<dyn Clock>) -> ServerClock {
        ServerClock {
            base,
            pinned: AtomicI64::new(UNPINNED),
            offset: AtomicI64::new(0),
        }
    }
    /// Shows `t` until [`ServerClock::unpin`].
    pub fn pin(&self, t: Timestamp) {
        self.pinned.store(t.0, Ordering::SeqCst);
    }
    /// Pins the clock to the present time and returns it.
    pub fn pin_now(&self) -> Timestamp {
        let t = self.unpinned_now();
        self.pin(t);
        t
    }
    /// Goes back to the underlying clock.
    pub fn unpin(&self) {
        self.pinned.store(UNPINNED, Ordering::SeqCst);
    }
    /// **Test hook**: from now on the account's time runs `seconds` later than the underlying
    /// clock (cumulative), as if that much time had passed — sessions expire, MFA codes
    /// change, new entities get later dates. Request signatures are still checked against
    /// [`ServerClock::wall_now`] (a client signs with its own, real clock). Not persisted: a
    /// restarted server reads the underlying clock again.
    ///
    /// ```
    /// use iam_account::{Clock, FixedClock};
    /// use iam_model::entities::Timestamp;
    /// use std::sync::Arc;
    /// let c = iam_server::state::ServerClock::new(Arc::new(FixedClock::new(Timestamp(1000))));
    /// c.advance(901);
    /// assert_eq!((c.now(), c.wall_now()), (Timestamp(1901), Timestamp(1000)));
    /// ```
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }
    /// The underlying clock's time, without [`ServerClock::advance`]'s offset: what request
    /// signatures' `X-Amz-Date` is checked against.
    pub fn wall_now(&self) -> Timestamp {
        self.base.now()
    }
    fn unpinned_now(&self) -> Timestamp {
        Timestamp(
            self.base
                .now()
                .0
                .saturating_add(self.offset.load(Ordering::SeqCst)),
        )
    }
}

impl Clock for ServerClock {
    fn now(&self) -> Timestamp {
        match self.pinned.load(Ordering::SeqCst) {
            UNPINNED => self.unpinned_now(),
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
    let tmp = temp_path(path);
    {
        let mut f = open_private(&tmp, false)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// When the journal is folded into a new snapshot: after this many records or bytes appended
/// since the last snapshot, whichever comes first (and at a clean shutdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    /// Records (changes) since the last snapshot.
    pub records: u64,
    /// Journal bytes since the last snapshot.
    pub bytes: u64,
}

impl Default for Compaction {
    /// 10,000 records or 8 MiB: a restart replays at most that much (well under a second in a
    /// release build) on top of reading the snapshot.
    fn default() -> Self {
        Compaction {
            records: 10_000,
            bytes: 8 << 20,
        }
    }
}

/// The journal of an account's changes in a state directory, and the snapshot it is folded
/// into (see the [module](self) documentation).
pub struct Journal {
    dir: PathBuf,
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    /// The sequence number the next entry gets (the init entry is 0).
    next_seq: u64,
    /// Records and bytes in the journal file (appended since the last snapshot).
    records: u64,
    bytes: u64,
    /// The init entry, repeated in every snapshot (an imported account is rebuilt from it).
    init: Value,
    compaction: Compaction,
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
    /// True when the account was read from the directory's snapshot.
    pub from_snapshot: bool,
    /// Journal records applied on top of the snapshot (or of the new account) at start.
    pub replayed: usize,
    /// Journaled calls that failed when replayed (should be empty; the server still starts).
    pub warnings: Vec<String>,
}

/// Where [`Journal::compact`] stops when a test simulates a crash during it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrashPoint {
    /// The new snapshot is written and synced under its temporary name, not renamed.
    TempWritten,
    /// The new snapshot has replaced the old one (directory synced); the journal still holds
    /// the records it contains.
    Renamed,
}

/// Builds the account an init entry describes: new, or imported from `DIR/import.json`, with
/// the random bytes the first start drew.
fn account_of_init(
    init: &Value,
    dir: &Path,
    account_id: Option<&str>,
    clock: &Arc<ServerClock>,
) -> Result<Account, StateError> {
    let import_path = dir.join("import.json");
    let id = init["account_id"]
        .as_str()
        .or(account_id)
        .unwrap_or(crate::DEFAULT_ACCOUNT_ID)
        .to_string();
    let created = Timestamp(init["created"].as_i64().unwrap_or(0));
    let random = unhex(init["random"].as_str().unwrap_or_default()).unwrap_or_default();
    let imported = if init["import"] == true {
        Some(fs::read_to_string(&import_path).map_err(|e| StateError::Io(import_path.clone(), e))?)
    } else {
        None
    };
    clock.pin(created);
    let (made, _) = iam_account::replay_randomness(&random, || match &imported {
        Some(text) => {
            let d = iam_parser_import(text)?;
            Account::from_authorization_details_in(&d, &id).map_err(|e| e.message.clone())
        }
        None => Account::new(&id).map_err(|e| e.message.clone()),
    });
    clock.unpin();
    let mut account = made.map_err(|m| StateError::Corrupt(Journal::path_in(dir), m))?;
    account.set_create_date(created);
    account.set_clock(Arc::clone(clock) as Arc<dyn Clock>);
    Ok(account)
}

/// Applies one journaled call (clock pinned to its time, its random bytes replayed); a call
/// that fails is reported in `warnings`.
fn apply_call(
    account: &mut Account,
    e: &Value,
    n: u64,
    clock: &ServerClock,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let (Some(service), Some(op), Some(caller)) = (
        e["service"].as_str(),
        e["operation"].as_str(),
        caller_of(&e["caller"]),
    ) else {
        return Err(format!("journal entry {n} is not a call"));
    };
    clock.pin(Timestamp(e["time"].as_i64().unwrap_or(0)));
    let random = unhex(e["random"].as_str().unwrap_or_default()).unwrap_or_default();
    let (out, _) = iam_account::replay_randomness(&random, || {
        operations::call_with(
            account,
            service,
            op,
            &e["params"],
            &caller,
            &RequestContext::default(),
            false,
        )
    });
    clock.unpin();
    if let Err(err) = out.result {
        warnings.push(format!(
            "journal entry {n} ({service} {op}) failed when replayed: {}",
            err.error().message
        ));
    }
    Ok(())
}

impl Journal {
    /// The journal file of a state directory.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join("journal")
    }

    /// The snapshot file of a state directory.
    pub fn snapshot_path_in(dir: &Path) -> PathBuf {
        dir.join("snapshot")
    }

    /// Opens the account kept in `dir` — its snapshot, then the journal records that follow
    /// it — or, when `dir` holds none yet, creates it: account `account_id` (default
    /// `123456789012`), or imported from the `get-account-authorization-details` text `import`
    /// (with the id of its ARNs unless `account_id` is given). `clock` is the account's clock
    /// (pinned per replayed call). The directory is made private (0700).
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
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err(dir))?;
        }
        let path = Journal::path_in(dir);
        let corrupt = |m: String| StateError::Corrupt(path.clone(), m);
        // A snapshot that never got renamed into place (a crash while it was written).
        let _ = fs::remove_file(temp_path(&Journal::snapshot_path_in(dir)));

        // 1. The snapshot, if there is one: the account as of journal entry `seq`.
        let snap_path = Journal::snapshot_path_in(dir);
        let mut account = None;
        let mut init = Value::Null;
        let mut last_seq = None;
        match fs::read_to_string(&snap_path) {
            Ok(text) => {
                let snap = text
                    .strip_suffix('\n')
                    .and_then(check_line)
                    .filter(|v| v["kind"] == "snapshot")
                    .ok_or_else(|| {
                        StateError::Corrupt(
                            snap_path.clone(),
                            "the snapshot is damaged (checksum or layout); refusing to start \
                             with a different account"
                                .to_string(),
                        )
                    })?;
                let seq = snap["seq"].as_u64().ok_or_else(|| {
                    StateError::Corrupt(snap_path.clone(), "the snapshot has no `seq`".into())
                })?;
                init = snap["init"].clone();
                let mut a = account_of_init(&init, dir, account_id, clock)?;
                a.restore_snapshot(&snap["account"])
                    .map_err(|m| StateError::Corrupt(snap_path.clone(), m))?;
                a.set_clock(Arc::clone(clock) as Arc<dyn Clock>);
                account = Some(a);
                last_seq = Some(seq);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StateError::Io(snap_path, e)),
        }
        let from_snapshot = account.is_some();

        // 2. The journal, read one line at a time (never the whole file at once): records at
        // or before the snapshot's `seq` are already in it (a crash came between the snapshot
        // and the journal's truncation) and are skipped; the others are applied in order.
        let existed = path.exists();
        let mut file = open_private(&path, true).map_err(io_err(&path))?;
        let mode = account.as_ref().map(Account::enforcement);
        if let Some(a) = account.as_mut() {
            a.set_enforcement(iam_account::Enforcement::Off);
        }
        let mut original_mode = mode;
        let mut warnings = Vec::new();
        let (mut good_end, mut position, mut replayed, mut skipped, mut records) =
            (0u64, 0u64, 0usize, 0usize, 0u64);
        {
            let mut reader = BufReader::new(&file);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = reader.read_until(b'\n', &mut buf).map_err(io_err(&path))?;
                if n == 0 {
                    break;
                }
                let entry = buf
                    .strip_suffix(b"\n")
                    .and_then(|l| std::str::from_utf8(l).ok())
                    .and_then(check_line);
                let Some(e) = entry else {
                    // A bad line is only acceptable as the torn last one.
                    let mut rest = Vec::new();
                    reader.read_to_end(&mut rest).map_err(io_err(&path))?;
                    if rest.iter().all(u8::is_ascii_whitespace) {
                        break;
                    }
                    return Err(corrupt(format!(
                        "journal entry {} (byte {good_end}) is damaged and later entries follow; \
                         refusing to start with a different account",
                        position + 1
                    )));
                };
                good_end += n as u64;
                // Entries written before sequence numbers existed count from 0 by position
                // (such a journal was never truncated).
                let seq = e["seq"].as_u64().unwrap_or(position);
                position += 1;
                records += 1;
                if last_seq.is_some_and(|l| seq <= l) {
                    skipped += 1;
                    continue;
                }
                match account.as_mut() {
                    None => {
                        if e["kind"] != "init" {
                            return Err(corrupt(
                                "the first journal entry is not the account's".into(),
                            ));
                        }
                        let mut a = account_of_init(&e, dir, account_id, clock)?;
                        original_mode = Some(a.enforcement());
                        a.set_enforcement(iam_account::Enforcement::Off);
                        account = Some(a);
                        init = e;
                    }
                    Some(a) => {
                        let want = last_seq.map_or(0, |l| l + 1);
                        if seq != want {
                            return Err(corrupt(format!(
                                "journal entry {position} has sequence number {seq}, expected \
                                 {want}: records are missing; refusing to start with a \
                                 different account"
                            )));
                        }
                        apply_call(a, &e, position, clock, &mut warnings).map_err(corrupt)?;
                        replayed += 1;
                    }
                }
                last_seq = Some(seq);
            }
        }
        let file_len = file.metadata().map_err(io_err(&path))?.len();
        if good_end < file_len {
            // The torn tail of a write that was never acknowledged.
            file.set_len(good_end).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        file.seek(SeekFrom::End(0)).map_err(io_err(&path))?;

        let Some(mut account) = account else {
            // A new account (or a journal whose first entry never completed).
            return Journal::create(dir, file, existed, account_id, import, clock);
        };
        if let Some(m) = original_mode {
            account.set_enforcement(m);
        }
        account.take_denials();
        let journal = Journal {
            dir: dir.to_path_buf(),
            path: path.clone(),
            inner: Mutex::new(Inner {
                file,
                next_seq: last_seq.map_or(0, |l| l + 1),
                records,
                bytes: good_end,
                init,
                compaction: Compaction::default(),
            }),
        };
        if skipped > 0 {
            // The journal still holds records the snapshot has: finish that compaction.
            journal.compact(&account).map_err(io_err(&path))?;
        }
        Ok(Restored {
            account,
            journal,
            created: false,
            from_snapshot,
            replayed,
            warnings,
        })
    }

    /// A new account in an empty state directory: its init entry is the journal's first.
    fn create(
        dir: &Path,
        file: File,
        existed: bool,
        account_id: Option<&str>,
        import: Option<&str>,
        clock: &Arc<ServerClock>,
    ) -> Result<Restored, StateError> {
        let path = Journal::path_in(dir);
        let io_err = |p: &Path| {
            let p = p.to_path_buf();
            move |e| StateError::Io(p, e)
        };
        let import_path = dir.join("import.json");
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
        let init = json!({"kind": "init", "version": 1, "seq": 0, "account_id": account.id(),
            "created": t.0, "import": import.is_some(), "random": hex(&random)});
        let journal = Journal {
            dir: dir.to_path_buf(),
            path: path.clone(),
            inner: Mutex::new(Inner {
                file,
                next_seq: 0,
                records: 0,
                bytes: 0,
                init: init.clone(),
                compaction: Compaction::default(),
            }),
        };
        journal.append(init).map_err(io_err(&path))?;
        journal.sync().map_err(io_err(&path))?;
        if !existed {
            sync_dir(dir).map_err(io_err(dir))?;
        }
        Ok(Restored {
            account,
            journal,
            created: true,
            from_snapshot: false,
            replayed: 0,
            warnings: Vec::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one entry with the next sequence number (not yet durable: see
    /// [`Journal::sync`]).
    fn append(&self, mut entry: Value) -> io::Result<()> {
        let mut g = self.lock();
        entry["seq"] = json!(g.next_seq);
        let l = line(&entry);
        g.file.write_all(l.as_bytes())?;
        g.next_seq += 1;
        g.records += 1;
        g.bytes += l.len() as u64;
        Ok(())
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
        self.append(json!({"kind": "call", "time": time.0, "service": service,
            "operation": operation, "params": params, "caller": caller_json(caller),
            "random": hex(random)}))
    }

    /// Makes every appended entry durable (`fdatasync`); call before acknowledging.
    pub fn sync(&self) -> io::Result<()> {
        // Syncing a clone of the descriptor lets appends continue meanwhile.
        let f = self.lock().file.try_clone()?;
        f.sync_data()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets when the journal is folded into a snapshot.
    pub fn set_compaction(&self, c: Compaction) {
        self.lock().compaction = c;
    }

    /// Records and bytes in the journal since the last snapshot.
    pub fn pending(&self) -> (u64, u64) {
        let g = self.lock();
        (g.records, g.bytes)
    }

    /// True when the journal has passed its [`Compaction`] threshold.
    pub fn compaction_due(&self) -> bool {
        let g = self.lock();
        g.records >= g.compaction.records || g.bytes >= g.compaction.bytes
    }

    /// [`Journal::compact`] when [`Journal::compaction_due`]; returns whether it compacted.
    /// Same locking rule as `compact`.
    pub fn compact_if_due(&self, account: &Account) -> io::Result<bool> {
        if !self.compaction_due() {
            return Ok(false);
        }
        self.compact(account).map(|()| true)
    }

    /// Folds the journal into a new snapshot of `account` and empties it. `account` must be
    /// the journaled account with every appended entry applied, locked so that no call can
    /// change it meanwhile (its read lock is enough: changes are appended under its write
    /// lock).
    ///
    /// Crash-safe at every step: the snapshot (with the sequence number of the last entry it
    /// contains) is written to a temporary file and synced, renamed over the old one and the
    /// directory synced; only then is the journal truncated and synced. A crash before the
    /// rename leaves the old snapshot and the whole journal; a crash after it leaves records
    /// the new snapshot already has, which [`Journal::open`] skips by their sequence numbers.
    pub fn compact(&self, account: &Account) -> io::Result<()> {
        self.compact_until(account, None)
    }

    fn compact_until(&self, account: &Account, crash: Option<CrashPoint>) -> io::Result<()> {
        let simulated = || io::Error::other("simulated crash");
        let mut g = self.lock();
        let seq = g.next_seq.saturating_sub(1);
        let text = line(&json!({"kind": "snapshot", "version": 1, "seq": seq,
            "init": g.init, "account": account.snapshot()}));
        let snap = Journal::snapshot_path_in(&self.dir);
        let tmp = temp_path(&snap);
        {
            let mut f = open_private(&tmp, false)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        if crash == Some(CrashPoint::TempWritten) {
            return Err(simulated());
        }
        fs::rename(&tmp, &snap)?;
        sync_dir(&self.dir)?;
        if crash == Some(CrashPoint::Renamed) {
            return Err(simulated());
        }
        g.file.set_len(0)?;
        g.file.sync_all()?;
        g.records = 0;
        g.bytes = 0;
        Ok(())
    }
}

/// The temporary name a file is written under before it is renamed into place.
fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state")
    ))
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

    fn users(r: &Restored) -> Vec<String> {
        r.account.users_iter().map(|u| u.name.clone()).collect()
    }

    fn len(p: &Path) -> u64 {
        fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX)
    }

    /// A state directory with some history, compacted or not.
    fn history(dir: &Path, c: &Arc<ServerClock>) -> Restored {
        let mut r = open(dir, c);
        for n in ["alice", "bob", "carol"] {
            journaled(&mut r, c, "CreateUser", json!({"UserName": n}));
        }
        journaled(&mut r, c, "CreateAccessKey", json!({"UserName": "bob"}));
        journaled(&mut r, c, "DeleteUser", json!({"UserName": "alice"}));
        r
    }

    #[test]
    fn a_snapshot_replaces_the_journal_and_restores_the_same_account() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let r = history(dir.path(), &c);
        let before = r.account.snapshot();
        assert_eq!(r.journal.pending().0, 6, "init + 5 calls");
        r.journal
            .compact(&r.account)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.journal.pending(), (0, 0));
        assert_eq!(
            len(&Journal::path_in(dir.path())),
            0,
            "the journal restarts empty"
        );
        drop(r);
        let mut again = open(dir.path(), &clock());
        assert!(again.from_snapshot && !again.created);
        assert_eq!(again.replayed, 0);
        assert_eq!(again.account.snapshot(), before, "the same account");
        // Changes after the snapshot are journaled with the following sequence numbers.
        journaled(&mut again, &c, "CreateUser", json!({"UserName": "dave"}));
        let text = fs::read_to_string(Journal::path_in(dir.path())).unwrap_or_default();
        assert!(text.contains("\"seq\":6"), "{text}");
        let after = again.account.snapshot();
        drop(again);
        let third = open(dir.path(), &clock());
        assert_eq!((third.replayed, third.warnings.len()), (1, 0));
        assert_eq!(third.account.snapshot(), after);
        assert_eq!(users(&third), ["bob", "carol", "dave"]);
    }

    /// Every step of a compaction can be interrupted by a crash; the next start serves the
    /// same account, applies no record twice (a replayed `CreateUser` would fail with
    /// `EntityAlreadyExists` and show up in `warnings`), and keeps journaling after it.
    #[test]
    fn a_crash_at_every_step_of_a_compaction_loses_nothing_and_applies_nothing_twice() {
        for crash in [
            Some(CrashPoint::TempWritten),
            Some(CrashPoint::Renamed),
            None, // completed: the snapshot renamed and the journal truncated
        ] {
            for earlier_snapshot in [false, true] {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
                let c = clock();
                let mut r = history(dir.path(), &c);
                if earlier_snapshot {
                    r.journal
                        .compact(&r.account)
                        .unwrap_or_else(|e| panic!("{e}"));
                    journaled(&mut r, &c, "CreateUser", json!({"UserName": "erin"}));
                }
                let expected = r.account.snapshot();
                let got = r.journal.compact_until(&r.account, crash);
                assert_eq!(got.is_err(), crash.is_some(), "{crash:?}");
                drop(r);
                let label = format!("{crash:?}, earlier snapshot: {earlier_snapshot}");
                let mut again = open(dir.path(), &clock());
                assert!(again.warnings.is_empty(), "{label}: {:?}", again.warnings);
                assert_eq!(again.account.snapshot(), expected, "{label}");
                assert!(
                    !temp_path(&Journal::snapshot_path_in(dir.path())).exists(),
                    "{label}: the temporary snapshot is removed"
                );
                if crash == Some(CrashPoint::Renamed) {
                    // The records the snapshot already held were dropped at the start.
                    assert_eq!(len(&Journal::path_in(dir.path())), 0, "{label}");
                }
                journaled(&mut again, &c, "CreateUser", json!({"UserName": "frank"}));
                let after = again.account.snapshot();
                drop(again);
                let third = open(dir.path(), &clock());
                assert!(third.warnings.is_empty(), "{label}: {:?}", third.warnings);
                assert_eq!(third.account.snapshot(), after, "{label}");
                assert!(users(&third).contains(&"frank".to_string()), "{label}");
            }
        }
    }

    #[test]
    fn a_torn_temporary_snapshot_is_ignored() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let r = history(dir.path(), &c);
        let expected = r.account.snapshot();
        drop(r);
        // A crash in the middle of writing the temporary file.
        let tmp = temp_path(&Journal::snapshot_path_in(dir.path()));
        fs::write(&tmp, "1234abcd {\"kind\":\"snap").unwrap_or_else(|e| panic!("{e}"));
        let again = open(dir.path(), &clock());
        assert!(!again.from_snapshot);
        assert_eq!(again.account.snapshot(), expected);
        assert!(!tmp.exists());
    }

    #[test]
    fn a_damaged_snapshot_or_missing_records_refuse_to_start() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let mut r = history(dir.path(), &c);
        r.journal
            .compact(&r.account)
            .unwrap_or_else(|e| panic!("{e}"));
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "x1"}));
        journaled(&mut r, &c, "CreateUser", json!({"UserName": "x2"}));
        drop(r);
        // A record lost between the snapshot and the journal: seq 6 missing, 7 present.
        let jp = Journal::path_in(dir.path());
        let text = fs::read_to_string(&jp).unwrap_or_default();
        let second = text.lines().nth(1).unwrap_or_default().to_string();
        fs::write(&jp, format!("{second}\n")).unwrap_or_else(|e| panic!("{e}"));
        match Journal::open(dir.path(), Some("111122223333"), None, &clock()) {
            Err(StateError::Corrupt(_, m)) => assert!(m.contains("expected 6"), "{m}"),
            other => panic!("expected a gap, got {:?}", other.map(|r| r.created)),
        }
        fs::write(&jp, text).unwrap_or_else(|e| panic!("{e}"));
        let sp = Journal::snapshot_path_in(dir.path());
        let snap = fs::read_to_string(&sp).unwrap_or_default();
        fs::write(&sp, snap.replacen("bob", "bop", 1)).unwrap_or_else(|e| panic!("{e}"));
        match Journal::open(dir.path(), Some("111122223333"), None, &clock()) {
            Err(StateError::Corrupt(p, m)) => {
                assert_eq!(p, sp);
                assert!(m.contains("snapshot is damaged"), "{m}");
            }
            other => panic!("expected corruption, got {:?}", other.map(|r| r.created)),
        }
    }

    /// A journal written before sequence numbers existed still opens (entries count by
    /// position), and compacts.
    #[test]
    fn a_journal_without_sequence_numbers_still_opens() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let r = history(dir.path(), &c);
        let expected = r.account.snapshot();
        drop(r);
        let jp = Journal::path_in(dir.path());
        let old: String = fs::read_to_string(&jp)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let mut v = check_line(l).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.remove("seq");
                }
                line(&v)
            })
            .collect();
        assert!(!old.contains("\"seq\""));
        fs::write(&jp, old).unwrap_or_else(|e| panic!("{e}"));
        let mut again = open(dir.path(), &c);
        assert_eq!(again.account.snapshot(), expected);
        journaled(&mut again, &c, "CreateUser", json!({"UserName": "gus"}));
        again
            .journal
            .compact(&again.account)
            .unwrap_or_else(|e| panic!("{e}"));
        let after = again.account.snapshot();
        drop(again);
        assert_eq!(open(dir.path(), &clock()).account.snapshot(), after);
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_is_private_and_its_files_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let state = dir.path().join("state");
        fs::create_dir(&state).unwrap_or_else(|e| panic!("{e}"));
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        let c = clock();
        let r = history(&state, &c);
        r.journal
            .compact(&r.account)
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = r
            .journal
            .compact_until(&r.account, Some(CrashPoint::TempWritten));
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&state), 0o700);
        for f in [
            Journal::path_in(&state),
            Journal::snapshot_path_in(&state),
            temp_path(&Journal::snapshot_path_in(&state)),
        ] {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
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
