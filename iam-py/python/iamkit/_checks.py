"""IAM Access Analyzer's custom policy checks, offline: boto3's ``check_no_new_access``,
``check_access_not_granted`` and ``check_no_public_access`` with boto3's parameters and
response shape.

``PASS`` is sound: it is returned only when iamkit proves that no request (any principal,
action, resource and context) is newly allowed / granted / public. ``FAIL`` means "might":
each reason names the statement, and iamkit's extra key ``iamkit`` gives, per reason, the
statement's position in the policy text and, when one was found, a concrete request that
``iamkit.evaluate`` confirms.

>>> old = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}'
>>> new = old.replace("s3:Get*", "s3:*")
>>> r = check_no_new_access(newPolicyDocument=new, existingPolicyDocument=old, policyType="IDENTITY_POLICY")
>>> r["result"]
'FAIL'
"""

from __future__ import annotations

from typing import Any

from iamkit import _native
from iamkit._account import _client_error_class, param_validation_error
from iamkit._errors import PolicyParseError, warn_unknown_actions

__all__ = [
    "PUBLIC_RESOURCE_TYPES",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
]

#: Every ``resourceType`` ``check_no_public_access`` accepts (the service model's enum).
PUBLIC_RESOURCE_TYPES: tuple[str, ...] = tuple(_native.public_resource_types())
_POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY")


def _validation_exception(operation: str, message: str) -> Exception:
    """botocore's ``ClientError`` for a ``ValidationException`` (HTTP 400)."""
    response = {
        "Error": {"Code": "ValidationException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    exc: Exception = _client_error_class()(response, operation)
    return exc


def _check_params(kwargs: dict[str, Any], required: tuple[str, ...], strings: tuple[str, ...]) -> None:
    """botocore's client-side parameter validation: missing, unknown and mistyped parameters."""
    problems: list[str] = []
    for name in required:
        if name not in kwargs:
            problems.append(f'Missing required parameter in input: "{name}"')
    for name in kwargs:
        if name not in required:
            problems.append(f'Unknown parameter in input: "{name}", must be one of: {", ".join(required)}')
    for name in strings:
        if name in kwargs and not isinstance(kwargs[name], str):
            value = kwargs[name]
            problems.append(
                f"Invalid type for parameter {name}, value: {value}, type: {type(value)}, "
                "valid types: <class 'str'>"
            )
    if problems:
        raise param_validation_error("\n".join(problems))


def _policy_type(operation: str, value: str) -> str:
    if value not in _POLICY_TYPES:
        raise _validation_exception(
            operation,
            f"1 validation error detected: Value '{value}' at 'policyType' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(_POLICY_TYPES)}]",
        )
    return value


def _response(operation: str, call: Any) -> dict[str, Any]:
    """Runs a native check; a policy that is not a policy is a ``ValidationException`` naming
    the parse error and its position, never a ``PASS``."""
    try:
        raw: dict[str, Any] = call()
    except PolicyParseError as e:
        raise _validation_exception(
            operation, f"Invalid policy document: {e.message} (line {e.line}, column {e.column}, {e.code})"
        ) from e
    except ValueError as e:
        raise _validation_exception(operation, str(e)) from e
    return reshape(raw)


def reshape(raw: dict[str, Any]) -> dict[str, Any]:
    """The native result in boto3's response shape, iamkit's extras under ``iamkit``."""
    reasons = []
    extras = []
    for r in raw["reasons"]:
        reason: dict[str, Any] = {"description": r["description"]}
        if r.get("statement_index") is not None:
            reason["statementIndex"] = r["statement_index"]
        if r.get("statement_id") is not None:
            reason["statementId"] = r["statement_id"]
        reasons.append(reason)
        extras.append({"location": r.get("location"), "request": r.get("request")})
    return {
        "result": raw["result"],
        "message": raw["message"],
        "reasons": reasons,
        # iamkit's extras, one entry per reason: the statement's span and a confirmed request.
        "iamkit": {"reasons": extras},
        "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0},
    }


def check_no_new_access(**kwargs: Any) -> dict[str, Any]:
    """boto3's ``accessanalyzer.check_no_new_access(newPolicyDocument=, existingPolicyDocument=,
    policyType=)``: ``PASS`` when the new policy allows nothing the existing one does not."""
    op = "CheckNoNewAccess"
    _check_params(
        kwargs,
        ("newPolicyDocument", "existingPolicyDocument", "policyType"),
        ("newPolicyDocument", "existingPolicyDocument", "policyType"),
    )
    pt = _policy_type(op, kwargs["policyType"])
    return _response(
        op,
        lambda: _native._check_no_new_access(
            kwargs["newPolicyDocument"], kwargs["existingPolicyDocument"], pt
        ),
    )


def check_access_not_granted(**kwargs: Any) -> dict[str, Any]:
    """boto3's ``accessanalyzer.check_access_not_granted(policyDocument=, access=[{"actions":
    [...], "resources": [...]}], policyType=)``: ``PASS`` when the policy grants none of the
    listed actions (on any resource) / actions on the listed resources."""
    op = "CheckAccessNotGranted"
    _check_params(kwargs, ("policyDocument", "access", "policyType"), ("policyDocument", "policyType"))
    pt = _policy_type(op, kwargs["policyType"])
    access = kwargs["access"]
    if not isinstance(access, (list, tuple)):
        raise param_validation_error(
            f"Invalid type for parameter access, value: {access}, type: {type(access)}, "
            "valid types: <class 'list'>, <class 'tuple'>"
        )
    pairs: list[tuple[list[str], list[str]]] = []
    for i, a in enumerate(access):
        if not isinstance(a, dict):
            raise param_validation_error(
                f"Invalid type for parameter access[{i}], value: {a}, type: {type(a)}, "
                "valid types: <class 'dict'>"
            )
        unknown = [k for k in a if k not in ("actions", "resources")]
        if unknown:
            raise param_validation_error(
                f'Unknown parameter in access[{i}]: "{unknown[0]}", must be one of: actions, resources'
            )
        lists: list[list[str]] = []
        for key in ("actions", "resources"):
            vals = a.get(key, [])
            if not isinstance(vals, (list, tuple)) or not all(isinstance(v, str) for v in vals):
                raise param_validation_error(
                    f"Invalid type for parameter access[{i}].{key}, value: {vals}, type: {type(vals)}, "
                    "valid types: <class 'list'>, <class 'tuple'>"
                )
            lists.append(list(vals))
        # A misspelt action is checked as written (AWS does the same), but never silently: the
        # answer for an action that exists nowhere is PASS, which is no evidence about the
        # action the caller meant.
        warn_unknown_actions(lists[0], stacklevel=4)
        pairs.append((lists[0], lists[1]))
    return _response(op, lambda: _native._check_access_not_granted(kwargs["policyDocument"], pairs, pt))


def check_no_public_access(**kwargs: Any) -> dict[str, Any]:
    """boto3's ``accessanalyzer.check_no_public_access(policyDocument=, resourceType=)``:
    ``PASS`` when the resource policy grants nothing to callers outside the accounts,
    organizations, networks and identities it names (see ``PUBLIC_RESOURCE_TYPES``)."""
    op = "CheckNoPublicAccess"
    _check_params(kwargs, ("policyDocument", "resourceType"), ("policyDocument", "resourceType"))
    rt = kwargs["resourceType"]
    if rt not in PUBLIC_RESOURCE_TYPES:
        raise _validation_exception(
            op,
            f"1 validation error detected: Value '{rt}' at 'resourceType' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(PUBLIC_RESOURCE_TYPES)}]",
        )
    return _response(op, lambda: _native._check_no_public_access(kwargs["policyDocument"], rt))
