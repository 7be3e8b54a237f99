//! Raising the Python exception classes of `iamkit._errors` (pure Python, so they pickle and
//! carry attributes like any Python exception).

use iam_model::Span;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::convert::python_attr;

/// `iamkit.PolicyParseError(message, code, line, column, offset, path, end_line, end_column, end_offset)`.
pub(crate) fn policy_parse_error(
    py: Python<'_>,
    code: &str,
    message: &str,
    path: &str,
    span: Span,
) -> PyErr {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = python_attr(py, &CLS, "iamkit._errors", "PolicyParseError").and_then(|cls| {
        cls.call1((
            message,
            code,
            span.start.line,
            span.start.column,
            span.start.offset,
            path,
            span.end.line,
            span.end.column,
            span.end.offset,
        ))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `iamkit.MalformedPolicyDocument(message, code, line, column, offset)`.
pub(crate) fn malformed_policy_document(
    py: Python<'_>,
    message: &str,
    code: &str,
    span: Option<Span>,
) -> PyErr {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = python_attr(py, &CLS, "iamkit._errors", "MalformedPolicyDocument").and_then(|cls| {
        cls.call1((
            message,
            code,
            span.map(|s| s.start.line),
            span.map(|s| s.start.column),
            span.map(|s| s.start.offset),
        ))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}
