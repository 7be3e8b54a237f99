//! `iamkit.write_cli_profile` / `iamkit.read_cli_profiles`: the AWS CLI's shared
//! `credentials` and `config` files over `iam_parser::cli_config` (spec §7).
//!
//! Writing creates missing parent directories with mode 0700 and files with mode 0600 (as
//! `aws configure` does), and replaces a file atomically (a temporary file in the same
//! directory, then a rename), so a reader never sees half a file.

use iam_parser::cli_config::{
    CliConfigError, CliPaths, ProfileUpdate, ProfileValue, expand_path, read_profiles_from,
    resolve_paths, write_profile,
};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::{Path, PathBuf};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The two files: explicit arguments (with `$VAR` and `~` expanded) or the defaults.
fn paths(credentials_file: Option<&str>, config_file: Option<&str>) -> CliPaths {
    let d = resolve_paths(env);
    CliPaths {
        credentials: credentials_file
            .map_or(d.credentials, |p| PathBuf::from(expand_path(p, &env))),
        config: config_file.map_or(d.config, |p| PathBuf::from(expand_path(p, &env))),
    }
}

fn config_error(e: &CliConfigError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn io_error(path: &Path, e: &std::io::Error) -> PyErr {
    PyOSError::new_err(format!("{}: {e}", path.display()))
}

fn read_existing(path: &Path) -> PyResult<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(io_error(path, &e)),
    }
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

/// Writes `text` to `path` with mode 0600 through a temporary file and a rename.
fn write_private(path: &Path, text: &str) -> PyResult<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dirs(dir).map_err(|e| io_error(dir, &e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.iamkit-{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = std::fs::remove_file(&tmp);
    let result = opts
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(path, &e));
    }
    Ok(())
}

/// Adds or updates `profile` in the shared files as `aws configure --profile` does.
#[pyfunction]
#[pyo3(signature = (profile, access_key_id, secret_access_key, *, region = None, output = None,
    session_token = None, credentials_file = None, config_file = None))]
#[allow(clippy::too_many_arguments)]
pub fn write_cli_profile(
    py: Python<'_>,
    profile: &str,
    access_key_id: &str,
    secret_access_key: &str,
    region: Option<&str>,
    output: Option<&str>,
    session_token: Option<&str>,
    credentials_file: Option<&str>,
    config_file: Option<&str>,
) -> PyResult<()> {
    let p = paths(credentials_file, config_file);
    let update = ProfileUpdate {
        profile,
        access_key_id,
        secret_access_key,
        session_token,
        region,
        output,
    };
    py.detach(|| {
        let creds = read_existing(&p.credentials)?;
        let config = read_existing(&p.config)?;
        let (new_creds, new_config) =
            write_profile(&creds, &config, &update).map_err(|e| config_error(&e))?;
        write_private(&p.credentials, &new_creds)?;
        if new_config != config {
            write_private(&p.config, &new_config)?;
        }
        Ok(())
    })
}

/// Every profile of both files merged as botocore sees them: profile name → settings
/// (`str`, or a `dict` for a nested sub-section such as `s3`).
#[pyfunction]
#[pyo3(signature = (*, credentials_file = None, config_file = None))]
pub fn read_cli_profiles<'py>(
    py: Python<'py>,
    credentials_file: Option<&str>,
    config_file: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let p = paths(credentials_file, config_file);
    let profiles = py
        .detach(|| read_profiles_from(&p))
        .map_err(|e| config_error(&e))?;
    let out = PyDict::new(py);
    for (name, profile) in &profiles {
        let d = PyDict::new(py);
        for (k, v) in profile.iter() {
            match v {
                ProfileValue::String(s) => d.set_item(k, s)?,
                ProfileValue::Nested(kv) => {
                    let n = PyDict::new(py);
                    for (a, b) in kv {
                        n.set_item(a, b)?;
                    }
                    d.set_item(k, n)?;
                }
            }
        }
        out.set_item(name, d)?;
    }
    Ok(out)
}
