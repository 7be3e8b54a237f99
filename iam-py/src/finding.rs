//! `iamkit.Finding` and `iamkit.validate`.

use crate::convert::{policy_text, python_attr};
use iam_parser::Finding;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

/// One validation finding: an Access-Analyzer-style issue code, its severity, a message, the
/// JSON path of the element and its span (1-based line/column in characters, 0-based byte offset).
#[pyclass(module = "iamkit", name = "Finding", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyFinding {
    /// Issue code, such as `MISSING_VERSION`.
    #[pyo3(get)]
    pub code: String,
    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    #[pyo3(get)]
    pub severity: String,
    /// What is wrong.
    #[pyo3(get)]
    pub message: String,
    /// JSON path such as `Statement[1].Condition.StringEquals`.
    #[pyo3(get)]
    pub path: String,
    /// 1-based start line.
    #[pyo3(get)]
    pub line: u32,
    /// 1-based start column (characters).
    #[pyo3(get)]
    pub column: u32,
    /// 0-based start byte offset.
    #[pyo3(get)]
    pub offset: u32,
    /// 1-based end line.
    #[pyo3(get)]
    pub end_line: u32,
    /// 1-based end column (just after the element).
    #[pyo3(get)]
    pub end_column: u32,
    /// 0-based end byte offset (exclusive).
    #[pyo3(get)]
    pub end_offset: u32,
}

impl From<&Finding> for PyFinding {
    fn from(f: &Finding) -> Self {
        PyFinding {
            code: f.code.to_string(),
            severity: f.severity.as_str().to_string(),
            message: f.message.clone(),
            path: f.path.clone(),
            line: f.span.start.line.max(1),
            column: f.span.start.column.max(1),
            offset: f.span.start.offset,
            end_line: f.span.end.line.max(1),
            end_column: f.span.end.column.max(1),
            end_offset: f.span.end.offset,
        }
    }
}

#[pymethods]
impl PyFinding {
    #[new]
    #[pyo3(signature = (code, severity, message, path = String::new(), line = None, column = None, offset = None, end_line = None, end_column = None, end_offset = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        code: String,
        severity: String,
        message: String,
        path: String,
        line: Option<&Bound<'_, PyAny>>,
        column: Option<&Bound<'_, PyAny>>,
        offset: Option<&Bound<'_, PyAny>>,
        end_line: Option<&Bound<'_, PyAny>>,
        end_column: Option<&Bound<'_, PyAny>>,
        end_offset: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let pos = |v: &Bound<'_, PyAny>, name: &str| -> PyResult<u32> {
            crate::convert::int_in_range(v, name, 0, i64::from(u32::MAX))
        };
        let end = |v: Option<&Bound<'_, PyAny>>, name: &str, start: u32| -> PyResult<u32> {
            match v.filter(|v| !v.is_none()) {
                Some(v) => pos(v, name),
                None => Ok(start),
            }
        };
        // Defaults: line 1, column 1, offset 0; each end defaults to its start.
        let line = end(line, "line", 1)?;
        let column = end(column, "column", 1)?;
        let offset = end(offset, "offset", 0)?;
        Ok(PyFinding {
            code,
            severity,
            message,
            path,
            line,
            column,
            offset,
            end_line: end(end_line, "end_line", line)?,
            end_column: end(end_column, "end_column", column)?,
            end_offset: end(end_offset, "end_offset", offset)?,
        })
    }

    /// True for `ERROR` findings.
    #[getter]
    fn is_error(&self) -> bool {
        self.severity == "ERROR"
    }

    /// The finding as a plain dict (JSON-ready).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("code", &self.code)?;
        d.set_item("severity", &self.severity)?;
        d.set_item("message", &self.message)?;
        d.set_item("path", &self.path)?;
        d.set_item("line", self.line)?;
        d.set_item("column", self.column)?;
        d.set_item("offset", self.offset)?;
        d.set_item("end_line", self.end_line)?;
        d.set_item("end_column", self.end_column)?;
        d.set_item("end_offset", self.end_offset)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Finding {}:{} {} {} {:?}>",
            self.line, self.column, self.severity, self.code, self.message
        )
    }

    fn __str__(&self) -> String {
        format!(
            "{}:{}: {} {} {}",
            self.line, self.column, self.severity, self.code, self.message
        )
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let f = slf.get();
        let args = (
            f.code.clone(),
            f.severity.clone(),
            f.message.clone(),
            f.path.clone(),
            f.line,
            f.column,
            f.offset,
            f.end_line,
            f.end_column,
            f.end_offset,
        )
            .into_pyobject(py)?;
        Ok((slf.get_type().into_any(), args))
    }
}

/// Wraps findings in `iamkit.FindingList` (a `list` with a Jupyter table view).
pub(crate) fn finding_list<'py>(
    py: Python<'py>,
    findings: &[Finding],
) -> PyResult<Bound<'py, PyAny>> {
    static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let items = findings.iter().map(PyFinding::from).collect::<Vec<_>>();
    let list = pyo3::types::PyList::new(py, items)?;
    python_attr(py, &CLS, "iamkit._display", "FindingList")?.call1((list,))
}

/// Validates a policy document, returning every finding sorted by position.
///
/// Never raises for bad input: text that is not JSON (or not UTF-8) yields an ERROR finding.
/// Raises `ValueError` for an unknown `policy_type` and `TypeError` for an unsupported argument type.
#[pyfunction]
#[pyo3(signature = (text, *, policy_type = "identity"))]
pub fn validate<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    policy_type: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let ty = crate::convert::policy_type(policy_type)?;
    let findings = match policy_text(text)? {
        Ok(t) => py.detach(|| iam_parser::validate(&t, ty)),
        Err(bad) => vec![bad.into_finding()],
    };
    finding_list(py, &findings)
}

/// `validate` of a resource-based or trust policy owned by `account_id` (12 digits): adds the
/// `CROSS_ACCOUNT_ACCESS` exposure finding (the CI gate's `--account-id` and `--snapshot`).
/// Raises `ValueError` for an unknown `policy_type` or an account id that is not 12 digits.
#[pyfunction]
#[pyo3(signature = (text, *, policy_type, account_id))]
pub fn _validate_for_account<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    policy_type: &str,
    account_id: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let ty = crate::convert::policy_type(policy_type)?;
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "account_id must be 12 digits, not {account_id:?}"
        )));
    }
    let findings = match policy_text(text)? {
        Ok(t) => py.detach(|| iam_parser::validate_for_account(&t, ty, account_id)),
        Err(bad) => vec![bad.into_finding()],
    };
    finding_list(py, &findings)
}
