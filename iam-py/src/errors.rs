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

/// `iamkit.UnknownActionError(message, action, kind, suggestions)`: an action or action pattern
/// that matches nothing in the bundled catalog.
pub(crate) fn unknown_action_error(py: Python<'_>, e: &iam_model::catalog::UnknownAction) -> PyErr {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = python_attr(py, &CLS, "iamkit._errors", "UnknownActionError").and_then(|cls| {
        cls.call1((
            e.to_string(),
            e.action.as_str(),
            unknown_kind(e.kind),
            e.suggestions.clone(),
        ))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// The Python name of an [`UnknownActionKind`](iam_model::catalog::UnknownActionKind).
pub(crate) fn unknown_kind(k: iam_model::catalog::UnknownActionKind) -> &'static str {
    use iam_model::catalog::UnknownActionKind as K;
    match k {
        K::NotAnAction => "not_an_action",
        K::UnknownService => "unknown_service",
        K::UnknownName => "unknown_name",
        K::NoMatch => "no_match",
    }
}

/// An analysis failure: [`unknown_action_error`] for an unknown action; otherwise a
/// `ValueError` with IAM's code and message (an analysis is not an AWS operation, so it is not
/// dressed as a `ClientError` of one).
pub(crate) fn analysis_error(py: Python<'_>, e: &iam_analysis::AnalysisError) -> PyErr {
    match e {
        iam_analysis::AnalysisError::UnknownAction(u) => unknown_action_error(py, u),
        iam_analysis::AnalysisError::Iam(i) => {
            pyo3::exceptions::PyValueError::new_err(i.to_string())
        }
    }
}
