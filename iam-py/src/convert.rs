//! Conversions of Python arguments: policy text (`str | bytes | dict | Policy`), policy types,
//! and JSON text to Python objects.

use crate::policy::PyPolicy;
use iam_model::{PolicyType, Position, Span};
use iam_parser::{Finding, LineIndex, Severity};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

/// A policy argument that is not text: its bytes are not UTF-8, or its `str` holds lone
/// surrogates. Reported as a `JSON_SYNTAX_ERROR` where it sits.
pub(crate) struct BadText {
    pub(crate) message: String,
    pub(crate) span: Span,
}

impl BadText {
    pub(crate) fn into_finding(self) -> Finding {
        Finding {
            code: "JSON_SYNTAX_ERROR",
            severity: Severity::Error,
            message: self.message,
            path: String::new(),
            span: self.span,
        }
    }
}

/// The text of a policy argument.
///
/// `str` is taken as is, `bytes` must be UTF-8, a `dict` (or `list`) is serialized with
/// `json.dumps(obj, indent=2)` so positions in findings point at readable lines, and a
/// `Policy` gives its source text. Any other type is a `TypeError`.
pub(crate) fn policy_text(obj: &Bound<'_, PyAny>) -> PyResult<Result<String, BadText>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(match s.to_str() {
            Ok(t) => Ok(t.to_owned()),
            Err(_) => Err(BadText {
                message: "the text is not valid Unicode (it holds lone surrogates)".into(),
                span: Span::default(),
            }),
        });
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        return Ok(match std::str::from_utf8(bytes) {
            Ok(t) => Ok(t.to_owned()),
            Err(e) => {
                let at = e.valid_up_to();
                // PANIC SAFETY: `valid_up_to` is a char boundary of valid UTF-8 by definition.
                let valid =
                    std::str::from_utf8(bytes.get(..at).unwrap_or_default()).unwrap_or_default();
                let pos = LineIndex::new(valid).position(at as u32);
                Err(BadText {
                    message: format!(
                        "invalid UTF-8 at line {}, column {} (byte offset {at})",
                        pos.line, pos.column
                    ),
                    span: Span::new(
                        pos,
                        Position {
                            column: pos.column + 1,
                            offset: pos.offset + 1,
                            ..pos
                        },
                    ),
                })
            }
        });
    }
    if let Ok(p) = obj.cast::<PyPolicy>() {
        return Ok(Ok(p.get().data.text.clone()));
    }
    if obj.is_instance_of::<PyDict>() || obj.is_instance_of::<PyList>() {
        return Ok(Ok(dumps(obj)?));
    }
    Err(PyTypeError::new_err(format!(
        "a policy must be given as str, bytes, dict or iamkit.Policy, not {}",
        obj.get_type().name()?
    )))
}

/// `json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)`.
pub(crate) fn dumps(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = obj.py();
    let f = DUMPS.get_or_try_init(py, || {
        py.import("json")?.getattr("dumps").map(Bound::unbind)
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("indent", 2)?;
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("allow_nan", false)?;
    f.bind(py).call((obj,), Some(&kwargs))?.extract::<String>()
}

/// `json.loads(text)`.
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let f = LOADS.get_or_try_init(py, || {
        py.import("json")?.getattr("loads").map(Bound::unbind)
    })?;
    f.bind(py).call1((text,))
}

/// Parses a policy type name, or a `ValueError` listing the valid names.
pub(crate) fn policy_type(name: &str) -> PyResult<PolicyType> {
    name.parse::<PolicyType>().map_err(|_| {
        PyValueError::new_err(format!(
            "invalid policy_type {name:?}: expected one of {}",
            PolicyType::ALL
                .iter()
                .map(|t| format!("{:?}", t.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Imports `attr` of the pure-Python module `module` (cached by the caller's `PyOnceLock`).
pub(crate) fn python_attr<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    attr: &str,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(cell
        .get_or_try_init(py, || py.import(module)?.getattr(attr).map(Bound::unbind))?
        .bind(py)
        .clone())
}

/// An integer argument `name` that must lie in `min..=max`. A value outside (negative, or too
/// large — however large) is a `ValueError` that names the parameter and the range; a value
/// that is not an `int` is a `TypeError`.
pub(crate) fn int_in_range<T: TryFrom<i64>>(
    obj: &Bound<'_, PyAny>,
    name: &str,
    min: i64,
    max: i64,
) -> PyResult<T> {
    let out_of_range = || {
        PyValueError::new_err(format!(
            "{name} must be an integer from {min} to {max}, not {}",
            obj.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    };
    if !obj.is_instance_of::<pyo3::types::PyInt>() {
        let ty = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {ty}"
        )));
    }
    // An int too large for i64 fails to convert (OverflowError): it is out of range too.
    let v: i64 = obj.extract().map_err(|_| out_of_range())?;
    if v < min || v > max {
        return Err(out_of_range());
    }
    T::try_from(v).map_err(|_| out_of_range())
}
