//! # iam-py
//!
//! The native module `iamkit._native` of the Python package `iamkit`: thin PyO3 wrappers
//! over `iam-parser` (parsing, validation, IAM's save-time check) and `iam-eval` (decisions).
//! The Python-facing names and signatures are fixed by the API contract in the architecture
//! document; the pure-Python parts (exceptions, HTML display, CLI) live in `python/iamkit/`.
//!
//! Every entry point returns `PyResult` and the wrapped crates never panic on any input, so
//! no Rust panic can reach Python.

mod account;
mod analysis;
mod checks;
mod cli_files;
mod convert;
mod errors;
mod eval;
mod finding;
mod organization;
mod policy;
mod save;
mod server;

use pyo3::prelude::*;

/// The `iamkit._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "POLICY_TYPES",
        iam_model::PolicyType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add(
        "SAVE_KINDS",
        iam_parser::save_check::SaveKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<policy::PyStatement>()?;
    m.add_class::<finding::PyFinding>()?;
    m.add_function(wrap_pyfunction!(finding::validate, m)?)?;
    m.add_function(wrap_pyfunction!(finding::_validate_for_account, m)?)?;
    m.add_function(wrap_pyfunction!(policy::_restore_policy, m)?)?;
    m.add_function(wrap_pyfunction!(save::check_iam_policy, m)?)?;
    m.add_class::<eval::PyEngine>()?;
    m.add_class::<eval::PyEvaluationResult>()?;
    m.add_function(wrap_pyfunction!(eval::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(eval::_restore_engine, m)?)?;
    m.add_function(wrap_pyfunction!(eval::_restore_result, m)?)?;
    m.add_class::<account::PyAccount>()?;
    m.add_class::<account::ClientCredentials>()?;
    m.add_class::<server::PyServer>()?;
    m.add_class::<analysis::PyReachGraph>()?;
    m.add_class::<organization::PyOrganization>()?;
    m.add_function(wrap_pyfunction!(cli_files::write_cli_profile, m)?)?;
    m.add_function(wrap_pyfunction!(cli_files::read_cli_profiles, m)?)?;
    m.add_function(wrap_pyfunction!(checks::_check_no_new_access, m)?)?;
    m.add_function(wrap_pyfunction!(checks::_check_access_not_granted, m)?)?;
    m.add_function(wrap_pyfunction!(checks::_check_no_public_access, m)?)?;
    m.add_function(wrap_pyfunction!(checks::public_resource_types, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::expand_actions, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::action_info, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::check_action, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::_diff_policies, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::_policy_from_log, m)?)?;
    Ok(())
}
