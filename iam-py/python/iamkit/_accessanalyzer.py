"""An offline IAM Access Analyzer client: ``iamkit.client("accessanalyzer")``.

boto3's method names, parameters and response shapes, with no AWS account: parameters are
checked against botocore's bundled ``accessanalyzer`` service model first (botocore's
``ParamValidationError``), then the service's own checks raise the model's
``ValidationException``; :meth:`AccessAnalyzerClient.validate_policy` answers from iamkit's
validation (Access Analyzer's issue codes, JSON paths and spans), and the custom policy checks
(``check_no_new_access``, ``check_access_not_granted``, ``check_no_public_access``) delegate
to :mod:`iamkit._checks`, whose ``PASS`` is sound.

Positions follow the ValidatePolicy API reference (``Position``): ``line`` from 1, ``column``
from 0, ``offset`` from 0 in characters of the document; a span's end is exclusive.
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Position.html
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

from iamkit import _native
from iamkit._account import ClientExceptions, _exception_classes, _params_json, param_validation_error

SERVICE = "accessanalyzer"

#: ``policyType`` (and ``validatePolicyResourceType``) → iamkit's policy type. The resource
#: types of ``ValidatePolicyResourceType`` other than the role trust policy are resource-based
#: policies (iamkit's ``resource`` checks: Principal required, public and service-principal
#: exposure); ``AWS::IAM::AssumeRolePolicyDocument`` is a role trust policy (``trust``).
POLICY_TYPES = {
    "IDENTITY_POLICY": "identity",
    "RESOURCE_POLICY": "resource",
    "SERVICE_CONTROL_POLICY": "scp",
    "RESOURCE_CONTROL_POLICY": "rcp",
}
RESOURCE_TYPES = {
    "AWS::S3::Bucket": "resource",
    "AWS::S3::AccessPoint": "resource",
    "AWS::S3::MultiRegionAccessPoint": "resource",
    "AWS::S3ObjectLambda::AccessPoint": "resource",
    "AWS::IAM::AssumeRolePolicyDocument": "trust",
    "AWS::DynamoDB::Table": "resource",
}
#: What a resource-based policy of each ``validatePolicyResourceType`` may name: the service
#: prefixes of its actions and of its resource ARNs (Access Analyzer's "Unsupported action in
#: policy" and "Unsupported resource ARN in policy" checks). The role trust policy has no
#: Resource element (its own checks apply).
RESOURCE_TYPE_SERVICES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWS::S3::Bucket": (("s3",), ("s3",)),
    "AWS::S3::AccessPoint": (("s3",), ("s3",)),
    "AWS::S3::MultiRegionAccessPoint": (("s3",), ("s3",)),
    "AWS::S3ObjectLambda::AccessPoint": (("s3-object-lambda",), ("s3-object-lambda",)),
    "AWS::DynamoDB::Table": (("dynamodb",), ("dynamodb",)),
    "AWS::IAM::AssumeRolePolicyDocument": (("sts",), ()),
}

LOCALES = ("DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW")

AWS_REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)
_ANCHOR_TYPE = {
    "ERROR": "error",
    "SECURITY_WARNING": "security-warning",
    "WARNING": "general-warning",
    "SUGGESTION": "suggestion",
}

#: Issue codes iamkit reports that Access Analyzer's check reference does not list: their
#: ``learnMoreLink`` is the entry of iamkit's findings reference (``iam-py/README.md``).
IAMKIT_CODES = frozenset(
    {
        "ACTION_SUPPORTS_ONLY_STAR_RESOURCE",
        "ALLOW_NOT_ACTION_ON_ALL_RESOURCES",
        "CROSS_ACCOUNT_ACCESS",
        "DUPLICATE_KEY",
        "FULL_ADMIN_ACCESS",
        "INVALID_ARN_SERVICE",
        "NOT_A_POLICY_DOCUMENT",
        "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
        "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
        "POLICY_TOO_DEEP",
        "POLICY_TOO_LARGE",
        "PUBLIC_ACCESS",
        "RCP_SYNTAX_ERROR_ALLOW",
        "RCP_SYNTAX_ERROR_PRINCIPAL",
        "TRUST_POLICY_ALLOWS_ANY_PRINCIPAL",
        "UNSUPPORTED_CHARACTER",
        "UNSUPPORTED_RESOURCE_ARN",
    }
)


def project_url() -> str:
    """The project's repository URL (``[project.urls]`` of the installed distribution)."""
    try:
        from importlib.metadata import metadata

        for entry in metadata("iamkit").get_all("Project-URL") or []:
            label, _, url = str(entry).partition(",")
            if label.strip().lower() in ("repository", "source", "homepage"):
                return url.strip()
    except Exception:  # pragma: no cover - metadata missing in an unusual install
        pass
    return "https://github.com/iamkit/iamkit"


def learn_more_link(code: str, finding_type: str) -> str:
    """The page that explains a check: the anchor of Access Analyzer's policy check reference
    (``…#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource``),
    or for iamkit's own codes the entry of iamkit's findings reference."""
    kebab = code.lower().replace("_", "-")
    if code in IAMKIT_CODES:
        return f"{project_url()}/blob/main/iam-py/README.md#{kebab}"
    kind = _ANCHOR_TYPE.get(finding_type, "error")
    return f"{AWS_REFERENCE}#access-analyzer-reference-policy-checks-{kind}-{kebab}"


_INDEX = re.compile(r"\[(\d+)\]")


def _segments(text: str) -> list[dict[str, Any]]:
    """``Action[1]`` → ``[{"value": "Action"}, {"index": 1}]``."""
    out: list[dict[str, Any]] = []
    pos = 0
    for m in _INDEX.finditer(text):
        if m.start() > pos:
            out.append({"value": text[pos : m.start()]})
        out.append({"index": int(m.group(1))})
        pos = m.end()
    if pos < len(text):
        out.append({"value": text[pos:]})
    return out


def path_elements(path: str) -> list[dict[str, Any]]:
    """An iamkit JSON path (``Statement[0].Condition.StringEquals.aws:SourceIp``) as Access
    Analyzer's ``PathElement`` list. A condition key is one element (keys may hold dots)."""
    if not path:
        return []
    head, _, rest = path.partition(".")
    out = _segments(head)
    if not rest:
        return out
    element, _, rest = rest.partition(".")
    out.extend(_segments(element))
    if not rest:
        return out
    if element == "Condition":
        operator, _, key = rest.partition(".")
        out.append({"value": operator})
        if key:
            m = re.fullmatch(r"(.*?)((?:\[\d+\])*)", key, re.S)
            name, indexes = (m.group(1), m.group(2)) if m else (key, "")
            out.append({"value": name})
            out.extend({"index": int(i)} for i in _INDEX.findall(indexes))
        return out
    for part in rest.split("."):
        out.extend(_segments(part))
    return out


class _Chars:
    """Byte offset → character offset of a UTF-8 text (AWS counts characters)."""

    def __init__(self, text: str) -> None:
        self._ascii = text.isascii()
        self._data = text.encode("utf-8")

    def offset(self, byte_offset: int) -> int:
        if self._ascii:
            return byte_offset
        return len(self._data[:byte_offset].decode("utf-8", errors="ignore"))

    def is_key_at(self, byte_offset: int, name: str) -> bool:
        """Whether the text at ``byte_offset`` is the object key ``name`` (a JSON string
        followed by a colon): the finding is about the key, not its value."""
        quoted = json.dumps(name, ensure_ascii=False).encode("utf-8")
        if not self._data.startswith(quoted, byte_offset):
            return False
        rest = self._data[byte_offset + len(quoted) : byte_offset + len(quoted) + 64].lstrip()
        return rest.startswith(b":")


def _position(line: int, column: int, char_offset: int) -> dict[str, int]:
    return {"line": max(line, 1), "column": max(column - 1, 0), "offset": char_offset}


def to_finding(f: _native.Finding, chars: _Chars | None = None) -> dict[str, Any]:
    """One iamkit finding in ValidatePolicy's ``ValidatePolicyFinding`` shape (the model's
    member order, as botocore returns it)."""
    conv = chars.offset if chars is not None else (lambda b: b)
    end_line, end_column, end_offset = f.end_line, f.end_column, f.end_offset
    if (end_line, end_column) < (f.line, f.column):  # a finding without a real end
        end_line, end_column, end_offset = f.line, f.column, f.offset
    path = path_elements(f.path)
    # PathElement `key` names the key itself, `value` the value under it (API_PathElement).
    if chars is not None and path and "value" in path[-1] and chars.is_key_at(f.offset, path[-1]["value"]):
        path[-1] = {"key": path[-1]["value"]}
    return {
        "findingDetails": f.message,
        "findingType": f.severity,
        "issueCode": f.code,
        "learnMoreLink": learn_more_link(f.code, f.severity),
        "locations": [
            {
                "path": path,
                "span": {
                    "start": _position(f.line, f.column, conv(f.offset)),
                    "end": _position(end_line, end_column, conv(end_offset)),
                },
            }
        ],
    }


def validate_policy_findings(
    document: str, policy_type: str, resource_type: str | None = None
) -> list[dict[str, Any]]:
    """Every finding of ``document`` validated as iamkit's ``policy_type`` (plus the checks of
    ``validatePolicyResourceType``), in ValidatePolicy's shape, in document order."""
    chars = _Chars(document)
    findings = list(_native.validate(document, policy_type=policy_type))
    if resource_type is not None:
        findings.extend(resource_type_findings(document, policy_type, resource_type))
        findings.sort(key=lambda f: f.offset)
    return [to_finding(f, chars) for f in findings]


def _locate(text: str, needle: str, start_byte: int) -> tuple[int, int, int, int, int, int] | None:
    """(line, column, offset, end_line, end_column, end_offset) of the JSON string ``needle``
    at or after ``start_byte`` (1-based line/column, byte offsets, as iamkit's findings)."""
    data = text.encode("utf-8")
    quoted = json.dumps(needle, ensure_ascii=False).encode("utf-8")
    i = data.find(quoted, start_byte)
    if i < 0:
        return None

    def pos(b: int) -> tuple[int, int]:
        before = data[:b]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="ignore")) + 1
        return line, col

    (l1, c1), (l2, c2) = pos(i), pos(i + len(quoted))
    return l1, c1, i, l2, c2, i + len(quoted)


def resource_type_findings(document: str, policy_type: str, resource_type: str) -> list[_native.Finding]:
    """``UNSUPPORTED_ACTION_IN_POLICY`` / ``UNSUPPORTED_RESOURCE_ARN_IN_POLICY`` (ERROR): an
    action or resource ARN of another service than the resource type's (AWS's policy check
    reference, "Error - Unsupported action in policy", "Error - Unsupported resource ARN in policy")."""
    rule = RESOURCE_TYPE_SERVICES.get(resource_type)
    if rule is None:
        return []
    try:
        policy = _native.Policy.from_json(document, policy_type=policy_type)
    except ValueError:
        return []  # not a policy: the grammar findings say so
    actions_ok, arns_ok = rule
    out: list[_native.Finding] = []
    single = isinstance(policy.to_dict().get("Statement"), dict)
    for st in policy.statements:
        path = "Statement" if single else f"Statement[{st.index}]"
        if not st.not_action:
            for a in st.actions:
                service = a.split(":", 1)[0].lower() if ":" in a else ""
                if not service or "*" in service or "?" in service or service in actions_ok:
                    continue
                where = _locate(document, a, st.offset)
                if where is None:
                    continue
                out.append(
                    _native.Finding(
                        "UNSUPPORTED_ACTION_IN_POLICY",
                        "ERROR",
                        f"The action {a} is not supported for the resource-based policy attached to the "
                        f"resource type {resource_type}.",
                        f"{path}.Action",
                        *where,
                    )
                )
        if arns_ok and st.resources and not st.not_resource:
            for r in st.resources:
                parts = r.split(":")
                if r == "*" or len(parts) < 3 or parts[0] != "arn" or "*" in parts[2] or parts[2] in arns_ok:
                    continue
                where = _locate(document, r, st.offset)
                if where is None:
                    continue
                out.append(
                    _native.Finding(
                        "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                        "ERROR",
                        f"The resource ARN {r} is not supported for the resource-based policy attached to "
                        f"the resource type {resource_type}.",
                        f"{path}.Resource",
                        *where,
                    )
                )
    return out


def _validation_exception(message: str, operation: str, reason: str = "fieldValidationFailed") -> Exception:
    from iamkit._account import _client_error_class

    _exception_classes(SERVICE)
    cls = _exception_classes(SERVICE).get("ValidationException", _client_error_class())
    response = {
        "Error": {"Code": "ValidationException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
        "message": message,
        "reason": reason,
    }
    exc: Exception = cls(response, operation)
    return exc


def _encode_token(index: int) -> str:
    return base64.b64encode(json.dumps({"offset": index}).encode()).decode()


def _decode_token(token: str, operation: str) -> int:
    try:
        data = json.loads(base64.b64decode(token.encode(), validate=True).decode())
        index = int(data["offset"])
        if index < 0:
            raise ValueError(index)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _validation_exception("Invalid pagination token.", operation) from None
    return index


_OPERATIONS = {
    "validate_policy": "ValidatePolicy",
    "check_no_new_access": "CheckNoNewAccess",
    "check_access_not_granted": "CheckAccessNotGranted",
    "check_no_public_access": "CheckNoPublicAccess",
}


class AccessAnalyzerClient:
    """boto3's ``accessanalyzer`` client, offline: :meth:`validate_policy` and the custom policy
    checks, ``exceptions``, ``can_paginate`` / ``get_paginator("validate_policy")``.

    >>> import iamkit
    >>> aa = iamkit.client("accessanalyzer")
    >>> r = aa.validate_policy(policyDocument='{"Statement": {"Effect": "Allow", "Action": "*", '
    ...     '"Resource": "*"}}', policyType="IDENTITY_POLICY")
    >>> [f["issueCode"] for f in r["findings"]][:2]
    ['MISSING_VERSION', 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE']
    """

    def __init__(self) -> None:
        self._exceptions: ClientExceptions | None = None

    @property
    def service(self) -> str:
        """``"accessanalyzer"``."""
        return SERVICE

    @property
    def exceptions(self) -> ClientExceptions:
        """The model's errors as classes: ``client.exceptions.ValidationException``, …"""
        if self._exceptions is None:
            self._exceptions = ClientExceptions(SERVICE)
        return self._exceptions

    def can_paginate(self, operation_name: str) -> bool:
        """Whether the operation has a paginator (``validate_policy`` here)."""
        return operation_name == "validate_policy"

    def get_paginator(self, operation_name: str) -> ValidatePolicyPaginator:
        """botocore's paginator of ``validate_policy`` (``nextToken`` / ``maxResults``)."""
        if operation_name != "validate_policy":
            raise ValueError(f"Operation cannot be paginated: {operation_name}")
        return ValidatePolicyPaginator(self)

    def _check_params(self, operation: str, params: dict[str, Any]) -> None:
        report = _native.NativeAccount.validate_params(SERVICE, operation, _params_json(params))
        if report is not None:
            raise param_validation_error(report)

    @staticmethod
    def _enum(value: Any, allowed: Any, member: str, operation: str) -> None:
        if value not in allowed:
            raise _validation_exception(
                f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
                operation,
            )

    def validate_policy(self, **kwargs: Any) -> dict[str, Any]:
        """boto3's ``validate_policy``: ``{"findings": [...], "nextToken"?}``.

        ``locale``: every locale is accepted; the finding details are in English (iamkit has no
        translations). ``validatePolicyResourceType`` applies to ``RESOURCE_POLICY`` only (for
        the other types it is ignored, as the API reference says it applies to resource
        policies)."""
        op = "ValidatePolicy"
        self._check_params("validate_policy", kwargs)
        policy_type = kwargs["policyType"]
        self._enum(policy_type, POLICY_TYPES, "policyType", op)
        if "locale" in kwargs:
            self._enum(kwargs["locale"], LOCALES, "locale", op)
        iamkit_type = POLICY_TYPES[policy_type]
        resource_type = kwargs.get("validatePolicyResourceType")
        if resource_type is not None:
            self._enum(resource_type, RESOURCE_TYPES, "validatePolicyResourceType", op)
            if policy_type == "RESOURCE_POLICY":
                iamkit_type = RESOURCE_TYPES[resource_type]
        max_results = kwargs.get("maxResults")
        start = _decode_token(kwargs["nextToken"], op) if kwargs.get("nextToken") else 0
        findings = validate_policy_findings(
            kwargs["policyDocument"],
            iamkit_type,
            resource_type if policy_type == "RESOURCE_POLICY" else None,
        )
        out: dict[str, Any] = {}
        if max_results is not None and start + max_results < len(findings):
            out["findings"] = findings[start : start + max_results]
            out["nextToken"] = _encode_token(start + max_results)
        else:
            out["findings"] = findings[start:]
        out["ResponseMetadata"] = {"HTTPStatusCode": 200, "RetryAttempts": 0}
        return out

    def _delegate(self, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self._check_params(name, kwargs)
        try:
            from iamkit import _checks  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            raise NotImplementedError(
                f"{name}: the custom policy checks (iamkit._checks) are not part of this build"
            ) from None
        result: dict[str, Any] = dict(getattr(_checks, name)(**kwargs))
        result.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RetryAttempts": 0})
        return result

    def check_no_new_access(self, **kwargs: Any) -> dict[str, Any]:
        """boto3's ``check_no_new_access`` (``PASS`` only when the new policy allows nothing the
        existing one does not)."""
        return self._delegate("check_no_new_access", kwargs)

    def check_access_not_granted(self, **kwargs: Any) -> dict[str, Any]:
        """boto3's ``check_access_not_granted``."""
        return self._delegate("check_access_not_granted", kwargs)

    def check_no_public_access(self, **kwargs: Any) -> dict[str, Any]:
        """boto3's ``check_no_public_access``."""
        return self._delegate("check_no_public_access", kwargs)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"'accessanalyzer' client has no operation {name!r} offline "
            f"(offered: {', '.join(sorted(_OPERATIONS))})"
        )

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(_OPERATIONS))

    def __repr__(self) -> str:
        return "<iamkit accessanalyzer client (offline)>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (AccessAnalyzerClient, ())


class ValidatePolicyPaginator:
    """botocore's paginator of ``validate_policy``: ``paginate(**params)`` with
    ``PaginationConfig={"MaxItems", "PageSize", "StartingToken"}``."""

    def __init__(self, client: AccessAnalyzerClient) -> None:
        self._client = client

    @property
    def result_keys(self) -> list[str]:
        """The response members paged over."""
        return ["findings"]

    def paginate(self, **kwargs: Any) -> ValidatePolicyPages:
        """The pages of ``validate_policy`` called with ``kwargs``."""
        config = dict(kwargs.pop("PaginationConfig", None) or {})
        return ValidatePolicyPages(self._client, kwargs, config)


class ValidatePolicyPages:
    """The pages of one ``paginate(...)`` call: iterate for the pages, or
    :meth:`build_full_result` (with ``NextToken`` when ``MaxItems`` stopped early)."""

    def __init__(self, client: AccessAnalyzerClient, params: dict[str, Any], config: dict[str, Any]) -> None:
        self._client = client
        self._params = params
        self._max_items = config.get("MaxItems")
        self._page_size = config.get("PageSize")
        self._starting_token = config.get("StartingToken")
        self.resume_token: str | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        params = dict(self._params)
        if self._page_size is not None:
            params["maxResults"] = int(self._page_size)
        if self._starting_token is not None:
            params["nextToken"] = self._starting_token
        total = 0
        while True:
            page = self._client.validate_policy(**params)
            items = page["findings"]
            if self._max_items is not None and total + len(items) >= int(self._max_items):
                keep = int(self._max_items) - total
                start = _decode_token(params["nextToken"], "ValidatePolicy") if params.get("nextToken") else 0
                page["findings"] = items[:keep]
                if keep < len(items) or "nextToken" in page:
                    self.resume_token = _encode_token(start + keep)
                page.pop("nextToken", None)
                yield page
                return
            yield page
            total += len(items)
            token = page.get("nextToken")
            if not token:
                return
            params["nextToken"] = token

    def build_full_result(self) -> dict[str, Any]:
        """Every page's findings in one list."""
        findings: list[dict[str, Any]] = []
        for page in self:
            findings.extend(page["findings"])
        out: dict[str, Any] = {"findings": findings}
        if self.resume_token is not None:
            out["NextToken"] = self.resume_token
        return out


def client(service: str) -> AccessAnalyzerClient:
    """An offline boto3-shaped client: ``iamkit.client("accessanalyzer")``. (The IAM and STS
    clients belong to an account: ``iamkit.Account().client("iam")``.)"""
    if service == SERVICE:
        return AccessAnalyzerClient()
    if service in ("iam", "sts"):
        raise ValueError(
            f"iamkit.client({service!r}): {service} clients act on an account; "
            f"use iamkit.Account(...).client({service!r})"
        )
    raise ValueError(f"iamkit.client: unknown service {service!r}; offered: 'accessanalyzer'")
