//! `iamkit.write_cli_profile` / `iamkit.read_cli_profiles`: the AWS CLI's shared
//! `credentials` and `config` files over `iam_parser::cli_config` (spec §7).
//!
//! Writing is `iam_parser::cli_files::write_profile_files`: under an inter-process lock,
//! through symbolic links, refusing (with the file and line) a file botocore could not read,
//! and replacing each file atomically and durably (unique temporary file, fsync, rename,
//! fsync of the directory); new directories get mode 0700, new files 0600 (as `aws configure`
//! does), existing files keep their mode.

use iam_parser::cli_config::{
    CliConfigError, CliConfigErrorKind, CliPaths, ProfileUpdate, ProfileValue, expand_path,
    read_profiles_from, resolve_paths,
};
use iam_parser::cli_files::write_profile_files;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

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

/// `OSError` for I/O failures, `ValueError` (naming the file and line) for everything else.
fn config_error(e: &CliConfigError) -> PyErr {
    match e.kind {
        CliConfigErrorKind::Io => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
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
    py.detach(|| write_profile_files(&p, &update))
        .map_err(|e| config_error(&e))
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
