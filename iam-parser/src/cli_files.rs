//! Writing the AWS CLI shared files (`~/.aws/credentials`, `~/.aws/config`) so that no update
//! is ever lost or half-written, whoever else writes them at the same time (spec §7).
//!
//! [`write_profile_files`] is `aws configure --profile NAME` made durable:
//!
//! 1. **Symbolic links are followed**: each path is resolved link by link to the file it names,
//!    and that file is the one replaced — the link stays a link.
//! 2. **An inter-process lock** (`flock`/`LockFileEx` through the `fs4` crate) is held around
//!    the whole read-modify-write: an exclusive lock on a lock file next to each target,
//!    `.NAME.lock` (created once, mode 0600, never removed: removing it would let two writers
//!    lock two different files). Both files' locks are taken in one order (by path), so two
//!    writers cannot deadlock. The lock is per open file, so threads of one process exclude
//!    each other as well as processes do. Only writers that take the lock are excluded (the
//!    AWS CLI itself takes none); readers need none, see step 4.
//! 3. **Nothing is written unless both files read as botocore reads them**: a file botocore
//!    could not read is refused with an error naming the file and the line, and neither file
//!    is touched. The edit is read back before it is written (see
//!    [`cli_config::write_profile`](crate::cli_config::write_profile)).
//! 4. **Atomic replacement**: the new text goes to a uniquely named temporary file in the
//!    target's own directory (`tempfile`), which is flushed to disk (`fsync`), given the old
//!    file's permission bits (0600 for a new file, as `aws configure` does), renamed over the
//!    target, and the directory is flushed too. A reader sees the old file or the new one,
//!    never a mix; a crash leaves one or the other.
//!
//! ```
//! use iam_parser::cli_config::{CliPaths, ProfileUpdate, read_profiles_from};
//! use iam_parser::cli_files::write_profile_files;
//! let dir = std::env::temp_dir().join(format!("iamkit-doc-{}", std::process::id()));
//! let paths = CliPaths { credentials: dir.join("credentials"), config: dir.join("config") };
//! let update = ProfileUpdate { profile: "dev", access_key_id: "AKIADEV", secret_access_key: "s",
//!     session_token: None, region: Some("eu-west-1"), output: None };
//! write_profile_files(&paths, &update).unwrap();
//! let profiles = read_profiles_from(&paths).unwrap();
//! assert_eq!(profiles["dev"].get_str("region"), Some("eu-west-1"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::cli_config::{
    CliConfigError, CliConfigErrorKind, CliPaths, ProfileUpdate, decode_text, update_config,
    update_credentials,
};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symbolic links are followed before giving up (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

fn io_error(path: &Path, e: &std::io::Error) -> CliConfigError {
    CliConfigError::new(CliConfigErrorKind::Io, 0, e.to_string()).with_path(path)
}

/// The file a path names once every symbolic link on it is followed (a link to a link, a
/// relative link, a link to a file that does not exist yet). The directories above it are
/// kept as written: renaming inside a linked directory renames in its target.
///
/// ```
/// let p = std::path::Path::new("/no/such/dir/credentials");
/// assert_eq!(iam_parser::cli_files::resolve_links(p).unwrap(), p);
/// ```
pub fn resolve_links(path: &Path) -> Result<PathBuf, CliConfigError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&current).map_err(|e| io_error(&current, &e))?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Ok(m) if m.is_dir() => {
                return Err(CliConfigError::new(
                    CliConfigErrorKind::Io,
                    0,
                    "is a directory, not a file",
                )
                .with_path(&current));
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(io_error(&current, &e)),
        }
    }
    Err(CliConfigError::new(
        CliConfigErrorKind::Io,
        0,
        format!("more than {MAX_LINKS} levels of symbolic links"),
    )
    .with_path(path))
}

/// The directory of a file (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(unix)]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// An exclusive lock on `.NAME.lock` next to `target`, held until dropped (closing the file
/// releases the lock).
struct FileLock {
    _file: File,
}

impl FileLock {
    fn lock_path(target: &Path) -> PathBuf {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dir_of(target).join(format!(".{name}.lock"))
    }

    fn acquire(lock_path: &Path) -> Result<Self, CliConfigError> {
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(lock_path).map_err(|e| io_error(lock_path, &e))?;
        // Blocks until every other holder has closed its lock file.
        fs4::FileExt::lock(&file).map_err(|e| io_error(lock_path, &e))?;
        Ok(FileLock { _file: file })
    }
}

/// The text of `path`, or `""` when there is no such file.
fn read_existing(path: &Path) -> Result<String, CliConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => decode_text(bytes).map_err(|e| e.with_path(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(io_error(path, &e)),
    }
}

/// The permission bits to give the new file: the old file's, or 0600 for a new one.
#[cfg(unix)]
fn permissions_for(target: &Path) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(target) {
        Ok(m) => std::fs::Permissions::from_mode(m.permissions().mode() & 0o7777),
        Err(_) => std::fs::Permissions::from_mode(0o600),
    }
}

#[cfg(not(unix))]
fn permissions_for(target: &Path) -> Option<std::fs::Permissions> {
    std::fs::metadata(target).ok().map(|m| m.permissions())
}

/// Replaces `target` (a resolved path, not a link) with `text`: a unique temporary file in the
/// same directory, written, flushed, given the old permissions, renamed over the target; then
/// the directory is flushed so that the rename itself is durable.
fn replace_file(target: &Path, text: &str) -> Result<(), CliConfigError> {
    let dir = dir_of(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| io_error(dir, &e))?;
    let perms = permissions_for(target);
    let written = tmp
        .write_all(text.as_bytes())
        .and_then(|()| {
            // Exact bits, whatever the umask.
            #[cfg(unix)]
            tmp.as_file().set_permissions(perms)?;
            #[cfg(not(unix))]
            if let Some(p) = perms {
                tmp.as_file().set_permissions(p)?;
            }
            Ok(())
        })
        .and_then(|()| tmp.as_file().sync_all());
    written.map_err(|e| io_error(tmp.path(), &e))?;
    // On failure the temporary file is removed when the error (which owns it) is dropped.
    tmp.persist(target)
        .map_err(|e| io_error(target, &e.error))?;
    sync_dir(dir).map_err(|e| io_error(dir, &e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a directory as a file to flush it; `MoveFileEx` with
    // `MOVEFILE_WRITE_THROUGH` (what std's rename uses) covers the rename.
    Ok(())
}

/// Adds or updates a profile in both shared files as `aws configure --profile` does, safely
/// against concurrent writers and crashes (see the [module documentation](self)). Missing
/// directories are created with mode 0700. Errors: a file that is not valid (kind and line
/// of the first problem, and the file's path), an invalid name or value
/// ([`CliConfigErrorKind::InvalidValue`]), or I/O ([`CliConfigErrorKind::Io`]). On any
/// error before the first rename neither file has changed.
pub fn write_profile_files(
    paths: &CliPaths,
    update: &ProfileUpdate<'_>,
) -> Result<(), CliConfigError> {
    let credentials = resolve_links(&paths.credentials)?;
    let config = resolve_links(&paths.config)?;
    for target in [&credentials, &config] {
        let dir = dir_of(target);
        create_dirs(dir).map_err(|e| io_error(dir, &e))?;
    }
    let mut lock_paths = vec![
        FileLock::lock_path(&credentials),
        FileLock::lock_path(&config),
    ];
    lock_paths.sort();
    lock_paths.dedup();
    let _locks = lock_paths
        .iter()
        .map(|p| FileLock::acquire(p))
        .collect::<Result<Vec<_>, _>>()?;

    let old_credentials = read_existing(&credentials)?;
    let new_credentials =
        update_credentials(&old_credentials, update).map_err(|e| e.with_path(&credentials))?;
    if config == credentials {
        // One file for both (AWS_CONFIG_FILE = AWS_SHARED_CREDENTIALS_FILE): both edits.
        let new = update_config(&new_credentials, update).map_err(|e| e.with_path(&config))?;
        return replace_file(&credentials, &new);
    }
    let old_config = read_existing(&config)?;
    let new_config = update_config(&old_config, update).map_err(|e| e.with_path(&config))?;
    if new_credentials != old_credentials {
        replace_file(&credentials, &new_credentials)?;
    }
    if new_config != old_config {
        replace_file(&config, &new_config)?;
    }
    Ok(())
}
