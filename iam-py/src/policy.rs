//! `iamkit.Policy` (a parsed policy document with its source text) and `iamkit.Statement`.

use crate::convert::{BadText, loads, policy_text, python_attr};
use crate::errors::policy_parse_error;
use crate::finding::finding_list;
use iam_model::{Policy, PolicyType, Span, Statement};
use iam_parser::Finding;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};
use std::sync::{Arc, OnceLock};

/// The largest `indent` of `Policy.to_json` (a wider indent is surely a mistake).
const MAX_INDENT: i64 = 256;

/// The shared, immutable state of a parsed policy.
#[derive(Debug)]
pub(crate) struct PolicyData {
    /// The source text, exactly as given (or as serialized from a dict).
    pub(crate) text: String,
    /// The type the document was read as.
    pub(crate) policy_type: PolicyType,
    /// Optional display name (file name, policy name, ...).
    pub(crate) name: Option<String>,
    /// The AST.
    pub(crate) policy: Policy,
    /// `iam_parser::validate` of `text`, computed on first use.
    findings: OnceLock<Vec<Finding>>,
}

impl PolicyData {
    /// Parses `text` as `policy_type`.
    pub(crate) fn parse(
        text: String,
        policy_type: PolicyType,
        name: Option<String>,
    ) -> Result<PolicyData, iam_parser::ParseError> {
        let policy = iam_parser::parse_policy(&text, policy_type)?;
        Ok(PolicyData {
            text,
            policy_type,
            name,
            policy,
            findings: OnceLock::new(),
        })
    }

    /// The validation findings of the text.
    pub(crate) fn findings(&self) -> &[Finding] {
        self.findings
            .get_or_init(|| iam_parser::validate(&self.text, self.policy_type))
    }
}

/// A parsed IAM policy document.
///
/// Built with `Policy.from_json`; immutable; equal to another policy of the same type that
/// says the same thing (whitespace, key order within the canonical form and positions aside).
#[pyclass(module = "iamkit", name = "Policy", frozen)]
#[derive(Debug, Clone)]
pub struct PyPolicy {
    pub(crate) data: Arc<PolicyData>,
}

/// Parses a policy argument into `PolicyData`, raising `PolicyParseError` when it is not a policy.
pub(crate) fn parse_arg(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    policy_type: PolicyType,
    name: Option<String>,
) -> PyResult<Arc<PolicyData>> {
    if let Ok(p) = text.cast::<PyPolicy>() {
        let d = &p.get().data;
        if d.policy_type == policy_type && (name.is_none() || name == d.name) {
            return Ok(Arc::clone(d));
        }
    }
    let text = match policy_text(text)? {
        Ok(t) => t,
        Err(BadText { message, span }) => {
            return Err(policy_parse_error(
                py,
                "JSON_SYNTAX_ERROR",
                &message,
                "",
                span,
            ));
        }
    };
    match py.detach(|| PolicyData::parse(text, policy_type, name)) {
        Ok(d) => Ok(Arc::new(d)),
        Err(e) => Err(policy_parse_error(py, e.code, &e.message, &e.path, e.span)),
    }
}

#[pymethods]
impl PyPolicy {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyTypeError::new_err(
            "use iamkit.Policy.from_json(text, policy_type=..., name=...) to build a Policy",
        ))
    }

    /// Parses a policy document given as `str`, `bytes` (UTF-8) or a `dict` (serialized to JSON).
    ///
    /// Raises `iamkit.PolicyParseError` when the text is not a policy at all; other problems
    /// are in `.findings`.
    #[classmethod]
    #[pyo3(signature = (text, *, policy_type = "identity", name = None))]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        policy_type: &str,
        name: Option<String>,
    ) -> PyResult<Self> {
        let ty = crate::convert::policy_type(policy_type)?;
        Ok(PyPolicy {
            data: parse_arg(py, text, ty, name)?,
        })
    }

    /// The policy type the document was read as (`"identity"`, `"resource"`, ...).
    #[getter]
    fn policy_type(&self) -> &'static str {
        self.data.policy_type.as_str()
    }

    /// The display name given to `from_json`, if any.
    #[getter]
    fn name(&self) -> Option<String> {
        self.data.name.clone()
    }

    /// `Version` as written (`"2012-10-17"` or `"2008-10-17"`), or `None` when absent.
    #[getter]
    fn version(&self) -> Option<&'static str> {
        self.data.policy.version.as_ref().map(|v| v.value.as_str())
    }

    /// `Id`, or `None`.
    #[getter]
    fn id(&self) -> Option<String> {
        self.data.policy.id.as_ref().map(|s| s.value.clone())
    }

    /// The source text.
    #[getter]
    fn text(&self) -> String {
        self.data.text.clone()
    }

    /// The statements, in document order.
    #[getter]
    fn statements(&self) -> Vec<PyStatement> {
        (0..self.data.policy.statements.len())
            .map(|index| PyStatement {
                policy: Arc::clone(&self.data),
                index,
            })
            .collect()
    }

    /// Every validation finding of the document (`iamkit.validate` of the same text and type).
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let data = Arc::clone(&self.data);
        let findings = py.detach(move || data.findings().to_vec());
        finding_list(py, &findings)
    }

    /// Canonical JSON: compact, or indented by `indent` spaces (0 to [`MAX_INDENT`]).
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, py: Python<'_>, indent: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let indent: Option<usize> = indent
            .filter(|i| !i.is_none())
            .map(|i| crate::convert::int_in_range(i, "indent", 0, MAX_INDENT))
            .transpose()?;
        match indent {
            None => Ok(self.data.policy.to_json()),
            Some(2) => Ok(self.data.policy.to_json_pretty()),
            Some(n) => {
                static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
                let dumps = python_attr(py, &DUMPS, "json", "dumps")?;
                let kw = pyo3::types::PyDict::new(py);
                kw.set_item("indent", n)?;
                kw.set_item("ensure_ascii", false)?;
                dumps
                    .call((loads(py, &self.data.policy.to_json())?,), Some(&kw))?
                    .extract()
            }
        }
    }

    /// The canonical document as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.data.policy.to_json())
    }

    /// Jupyter view: the document with line numbers, colours and findings.
    fn _repr_html_<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        python_attr(slf.py(), &F, "iamkit._display", "policy_html")?.call1((slf,))
    }

    fn __repr__(&self) -> String {
        let d = &self.data;
        let name = d
            .name
            .as_ref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default();
        let n = d.policy.statements.len();
        let errors = d
            .findings
            .get()
            .map(|f| f.iter().filter(|f| f.is_error()).count());
        let err = match errors {
            Some(0) | None => String::new(),
            Some(e) => format!(", {e} error{}", if e == 1 { "" } else { "s" }),
        };
        let sids: Vec<&str> = d
            .policy
            .statements
            .iter()
            .filter_map(|s| s.sid_str())
            .take(3)
            .collect();
        let sid = if sids.is_empty() {
            String::new()
        } else {
            format!(" [{}{}]", sids.join(", "), if n > 3 { ", …" } else { "" })
        };
        format!(
            "<Policy{name} {} version={} {n} statement{}{sid}{err}>",
            d.policy_type,
            d.policy
                .version
                .as_ref()
                .map(|v| v.value.as_str())
                .unwrap_or("none"),
            if n == 1 { "" } else { "s" },
        )
    }

    fn __str__(&self) -> String {
        self.data.text.clone()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<PyPolicy>() {
            Ok(o) => {
                let o = &o.get().data;
                o.policy_type == self.data.policy_type && o.policy == self.data.policy
            }
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        self.data.policy_type.hash(&mut h);
        self.data.policy.to_json().hash(&mut h);
        h.finish()
    }

    fn __len__(&self) -> usize {
        self.data.policy.statements.len()
    }

    /// Pickles as `(source text, policy type, name)`.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        static RESTORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let f = python_attr(py, &RESTORE, "iamkit._native", "_restore_policy")?;
        let args = self.__getstate__(py)?;
        Ok((f, args))
    }

    /// `(text, policy_type, name)`.
    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            self.data.text.clone(),
            self.data.policy_type.as_str(),
            self.data.name.clone(),
        )
            .into_pyobject(py)
    }

    fn __copy__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __deepcopy__<'py>(slf: PyRef<'py, Self>, _memo: &Bound<'py, PyAny>) -> PyRef<'py, Self> {
        slf
    }
}

/// Unpickles a `Policy` (see `Policy.__reduce__`).
#[pyfunction]
#[pyo3(signature = (text, policy_type, name = None))]
pub fn _restore_policy(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    policy_type: &str,
    name: Option<String>,
) -> PyResult<PyPolicy> {
    let ty = crate::convert::policy_type(policy_type)?;
    Ok(PyPolicy {
        data: parse_arg(py, text, ty, name)?,
    })
}

/// One statement of a `Policy`, with its position in the source text.
#[pyclass(module = "iamkit", name = "Statement", frozen)]
#[derive(Debug, Clone)]
pub struct PyStatement {
    policy: Arc<PolicyData>,
    index: usize,
}

impl PyStatement {
    fn st(&self) -> &Statement {
        // PANIC SAFETY: `index` is always < len (built from `0..len` of an immutable policy).
        #[allow(clippy::indexing_slicing)]
        &self.policy.policy.statements[self.index]
    }

    fn canonical<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(self.st())
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        loads(py, &text)
    }

    fn span(&self) -> Span {
        self.st().span
    }
}

#[pymethods]
impl PyStatement {
    /// 0-based index in the policy.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }

    /// `Sid`, or `None`.
    #[getter]
    fn sid(&self) -> Option<String> {
        self.st().sid.as_ref().map(|s| s.value.clone())
    }

    /// `"Allow"` or `"Deny"`.
    #[getter]
    fn effect(&self) -> &'static str {
        self.st().effect.value.as_str()
    }

    /// The entries of `Action` or `NotAction` (see `not_action`).
    #[getter]
    fn actions(&self) -> Vec<String> {
        self.st().action.iter().map(str::to_owned).collect()
    }

    /// True when the statement uses `NotAction`.
    #[getter]
    fn not_action(&self) -> bool {
        self.st().action.negated
    }

    /// The entries of `Resource` or `NotResource`; `None` when neither is present.
    #[getter]
    fn resources(&self) -> Option<Vec<String>> {
        self.st()
            .resource
            .as_ref()
            .map(|r| r.iter().map(str::to_owned).collect())
    }

    /// True when the statement uses `NotResource`.
    #[getter]
    fn not_resource(&self) -> bool {
        self.st().resource.as_ref().is_some_and(|r| r.negated)
    }

    /// `Principal` / `NotPrincipal` in canonical JSON form (`"*"` or a dict), or `None`.
    #[getter]
    fn principal<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let d = self.canonical(py)?;
        for key in ["Principal", "NotPrincipal"] {
            if let Ok(Some(v)) = d.get_item(key).map(Some).or_else(|_| Ok::<_, PyErr>(None)) {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// True when the statement uses `NotPrincipal`.
    #[getter]
    fn not_principal(&self) -> bool {
        self.st().principal.as_ref().is_some_and(|p| p.negated)
    }

    /// `Condition` in canonical JSON form, or `None`.
    #[getter]
    fn condition<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.canonical(py)?.get_item("Condition").ok())
    }

    /// 1-based line where the statement starts.
    #[getter]
    fn line(&self) -> u32 {
        self.span().start.line
    }
    /// 1-based column where the statement starts.
    #[getter]
    fn column(&self) -> u32 {
        self.span().start.column
    }
    /// 0-based byte offset where the statement starts.
    #[getter]
    fn offset(&self) -> u32 {
        self.span().start.offset
    }
    /// 1-based line where the statement ends.
    #[getter]
    fn end_line(&self) -> u32 {
        self.span().end.line
    }
    /// 1-based column just after the statement.
    #[getter]
    fn end_column(&self) -> u32 {
        self.span().end.column
    }

    /// The statement as a canonical dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.canonical(py)
    }

    fn __repr__(&self) -> String {
        let st = self.st();
        let sid = st.sid_str().map(|s| format!(" {s:?}")).unwrap_or_default();
        let acts: Vec<&str> = st.action.iter().take(3).collect();
        let more = if st.action.values.len() > 3 {
            ", …"
        } else {
            ""
        };
        format!(
            "<Statement[{}]{sid} {} {}{}{} at {}:{}>",
            self.index,
            st.effect.value.as_str(),
            if st.action.negated { "NotAction=" } else { "" },
            acts.join(", "),
            more,
            st.span.start.line,
            st.span.start.column
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<PyStatement>() {
            Ok(o) => o.get().st() == self.st(),
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> PyResult<u64> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        serde_json::to_string(self.st())
            .unwrap_or_default()
            .hash(&mut h);
        Ok(h.finish())
    }
}
