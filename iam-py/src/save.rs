//! `iamkit.check_iam_policy`: IAM's save-time check with AWS's messages.

use crate::convert::policy_text;
use crate::errors::malformed_policy_document;
use iam_parser::save_check::{SaveKind, check_iam_policy as check};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Checks a document the way IAM does when it is saved as `kind`
/// (`"managed"`, `"inline-user"`, `"inline-group"`, `"inline-role"`, `"trust"`).
///
/// Raises `iamkit.MalformedPolicyDocument` with AWS's exact message on the first failure.
#[pyfunction]
#[pyo3(signature = (text, *, kind = "managed"))]
pub fn check_iam_policy(py: Python<'_>, text: &Bound<'_, PyAny>, kind: &str) -> PyResult<()> {
    let norm = kind.trim().to_ascii_lowercase().replace('_', "-");
    let kind: SaveKind = norm.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "invalid kind {kind:?}: expected one of {}",
            SaveKind::ALL
                .iter()
                .map(|k| format!("{:?}", k.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let text = match policy_text(text)? {
        Ok(t) => t,
        // Not Unicode: IAM's API shape check rejects characters outside its charset.
        Err(_) => {
            return Err(malformed_policy_document(
                py,
                "Syntax errors in policy.",
                "MalformedPolicyDocument",
                None,
            ));
        }
    };
    match py.detach(|| check(&text, kind)) {
        Ok(()) => Ok(()),
        Err(e) => Err(malformed_policy_document(
            py,
            &e.message,
            e.code.as_str(),
            e.span,
        )),
    }
}
