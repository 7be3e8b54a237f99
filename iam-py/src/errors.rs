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

/// `iamkit.PolicyCompileError` (a `PolicyParseError`, so a `ValueError`) for policies the
/// evaluator refuses, with the finding code, JSON path and position (spec §1.7 rev 3).
pub(crate) fn policy_compile_error(py: Python<'_>, e: &iam_eval::CompileError) -> PyErr {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = python_attr(py, &CLS, "iamkit._errors", "PolicyCompileError").and_then(|cls| {
        cls.call1((
            e.message.as_str(),
            e.code,
            e.span.start.line,
            e.span.start.column,
            e.span.start.offset,
            e.path(),
            e.span.end.line,
            e.span.end.column,
            e.span.end.offset,
            e.layer.as_str(),
            e.policy,
            e.statement,
        ))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}
