"""``iamkit.simulate_custom_policy``: boto3's ``iam.simulate_custom_policy`` parameters and
response shape, answered offline by the iamkit engine."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from iamkit._errors import warn_unknown_actions
from iamkit._native import Engine, EvaluationResult, Policy

__all__ = ["CONTEXT_KEY_TYPES", "simulate_custom_policy"]

#: ``ContextEntries[].ContextKeyType`` values (botocore's ``ContextKeyTypeEnum``).
CONTEXT_KEY_TYPES = (
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
)

_KNOWN = {
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
    "ActionNames",
    "ResourceArns",
    "ResourcePolicy",
    "ResourceOwner",
    "CallerArn",
    "ContextEntries",
    "ResourceHandlingOption",
    "MaxItems",
    "Marker",
}

# SourcePolicyType values are botocore's PolicySourceType enum; input policies are customer
# policies ("user-managed"), the resource policy is "resource".
_SOURCES = {
    "identity": ("PolicyInputList", "user-managed"),
    "permissions_boundary": ("PermissionsBoundaryPolicyInputList", "user-managed"),
    "resource": ("ResourcePolicy", "resource"),
}


def _context(entries: Sequence[Mapping[str, Any]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for i, e in enumerate(entries, start=1):
        name = e.get("ContextKeyName")
        values = e.get("ContextKeyValues", [])
        kind = e.get("ContextKeyType")
        if not isinstance(name, str) or not name:
            raise ValueError(f"ContextEntries[{i}].ContextKeyName is required")
        if kind not in CONTEXT_KEY_TYPES:
            raise ValueError(
                f"ContextEntries[{i}].ContextKeyType {kind!r} is not one of {', '.join(CONTEXT_KEY_TYPES)}"
            )
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ValueError(f"ContextEntries[{i}].ContextKeyValues must be a list of strings")
        vals = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
        if kind.endswith("List"):
            out[name] = vals
        elif vals:
            out[name] = vals[0]
    return out


_API_REF = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html"

# CallerArn: "You can specify only the ARN of an IAM user. You cannot specify the ARN of an
# assumed role, federated user, or a service principal." (API reference above).
_USER_ARN = re.compile(r"arn:[a-z][a-z0-9-]*:iam::[0-9]{12}:user/(?:[^/]+/)*[^/]+")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ROOT_ARN = re.compile(r"arn:[a-z][a-z0-9-]*:iam::([0-9]{12}):root")


def _invalid_input(message: str) -> Exception:
    """AWS's ``InvalidInput`` error, shaped like botocore's ``ClientError``."""
    from iamkit._account import client_error

    return client_error("InvalidInput", message, "SimulateCustomPolicy")


def _caller(value: object) -> str | None:
    """``CallerArn``: an IAM user ARN, else AWS's ``InvalidInput``."""
    if value is None:
        return None
    if not isinstance(value, str) or not _USER_ARN.fullmatch(value):
        raise _invalid_input(
            f"Invalid CallerArn {value!r}: it must be the ARN of an IAM user "
            "(arn:aws:iam::ACCOUNT:user/NAME), not an assumed role, federated user, service principal "
            "or account."
        )
    return value


def _owner(value: object) -> str | None:
    """``ResourceOwner`` as an account id.

    The API reference describes it as "an ARN representing the AWS account ID"; it is silent about
    a bare account id, which the SDK references call "An Amazon Web Services account ID". Both
    ``arn:aws:iam::ACCOUNT:root`` and a 12-digit id are accepted (both name exactly one account);
    anything else is ``InvalidInput`` rather than a guess.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if _ACCOUNT_ID.fullmatch(value):
            return value
        m = _ROOT_ARN.fullmatch(value)
        if m:
            return m.group(1)
    raise _invalid_input(
        f"Invalid ResourceOwner {value!r}: it must name an account (arn:aws:iam::ACCOUNT:root)."
    )


def _arn_account(resource: str) -> str:
    """The account segment of an ARN (empty for S3 ARNs, ``*`` and non-ARNs)."""
    parts = resource.split(":", 5)
    return parts[4] if resource.startswith("arn:") and len(parts) == 6 else ""


def _statement(s: Mapping[str, Any]) -> dict[str, Any]:
    layer = str(s["layer"])
    source, source_type = _SOURCES.get(layer, (layer, "none"))
    policy_id = source if layer == "resource" else f"{source}.{int(s['policy_index']) + 1}"
    return {
        "SourcePolicyId": policy_id,
        "SourcePolicyType": source_type,
        "StartPosition": {"Line": int(s["line"]), "Column": int(s["column"])},
        "EndPosition": {"Line": int(s["end_line"]), "Column": int(s["end_column"])},
    }


def _boundary_allowed(r: EvaluationResult) -> bool:
    return any(lv["layer"] == "permissions_boundary" and lv["verdict"] == "allow" for lv in r.layers)


def simulate_custom_policy(**kwargs: Any) -> dict[str, Any]:
    """Simulates like boto3's ``iam.simulate_custom_policy(**kwargs)``, offline.

    Parameters are boto3's: ``PolicyInputList`` (required), ``PermissionsBoundaryPolicyInputList``,
    ``ActionNames`` (required), ``ResourceArns`` (default ``["*"]``), ``ResourcePolicy``,
    ``ResourceOwner``, ``CallerArn``, ``ContextEntries``. ``ResourceHandlingOption``,
    ``MaxItems`` and ``Marker`` are accepted and ignored (every result is returned).
    The response has boto3's shape: ``EvaluationResults`` (one per action and resource)
    and ``IsTruncated``.

    The caller follows AWS's API reference (``_API_REF``): ``CallerArn`` must be an IAM user ARN
    and is required with ``ResourcePolicy`` (else ``InvalidInput``, raised as botocore's
    ``ClientError`` or :class:`iamkit.IamClientError`). Without ``CallerArn`` the requests are
    made by an unnamed IAM user of the resource's account (``ResourceOwner``, else the resource
    ARN's account) holding exactly ``PolicyInputList`` — never the root user (spec §5.1): an
    action the policies do not allow is ``implicitDeny``. (AWS's documentation does not say
    which account that caller belongs to; offline there is no calling account, so the resource's
    is taken and the simulation stays same-account, as AWS's simulator is.) ``ResourceOwner``
    defaults to ``CallerArn``'s account for resources whose ARN names none (S3).
    """
    unknown = sorted(set(kwargs) - _KNOWN)
    if unknown:
        raise TypeError(f"unexpected parameter(s) for simulate_custom_policy: {', '.join(unknown)}")
    for required in ("PolicyInputList", "ActionNames"):
        if required not in kwargs:
            raise TypeError(f"missing required parameter {required}")
    identity = [
        Policy.from_json(t, policy_type="identity", name=f"PolicyInputList.{i}")
        for i, t in enumerate(kwargs["PolicyInputList"], start=1)
    ]
    boundaries = list(kwargs.get("PermissionsBoundaryPolicyInputList") or [])
    if len(boundaries) > 1:
        raise ValueError("PermissionsBoundaryPolicyInputList takes at most one policy")
    boundary = (
        Policy.from_json(
            boundaries[0], policy_type="permissions_boundary", name="PermissionsBoundaryPolicyInputList.1"
        )
        if boundaries
        else None
    )
    for action in kwargs["ActionNames"]:
        # ActionNames: "This operation does not support using wildcards (*) in an action name."
        # (API reference): refused rather than matched as a pattern.
        if not isinstance(action, str) or ":" not in action or "*" in action or "?" in action:
            raise _invalid_input(
                f"Invalid ActionNames entry {action!r}: give one action as service:Action, without wildcards."
            )
    # An action the catalog does not know is decided as AWS would (implicitDeny unless a
    # wildcard grants it) but never silently (issue #9: unknown actions are never silent).
    warn_unknown_actions(kwargs["ActionNames"])
    caller = _caller(kwargs.get("CallerArn"))
    owner = _owner(kwargs.get("ResourceOwner"))
    resource_text = kwargs.get("ResourcePolicy")
    if resource_text is not None and caller is None:
        # API reference, CallerArn: "CallerArn is required if you include a ResourcePolicy so
        # that the policy's Principal element has a value to use in evaluating the policy."
        raise _invalid_input(
            "CallerArn is required when ResourcePolicy is given: the resource-based policy's "
            "Principal element needs a caller to evaluate."
        )
    resource_policy = (
        Policy.from_json(resource_text, policy_type="resource", name="ResourcePolicy")
        if resource_text is not None
        else None
    )
    engine = Engine(
        identity_policies=identity, permissions_boundary=boundary, resource_policy=resource_policy
    )
    context = _context(kwargs.get("ContextEntries") or [])
    resources = list(kwargs.get("ResourceArns") or ["*"])
    results: list[dict[str, Any]] = []
    for action in kwargs["ActionNames"]:
        for resource in resources:
            # ResourceOwner owns "any simulated resource that does not identify its owner in the
            # resource ARN"; an ARN's own account wins.
            r = engine.evaluate(
                action=action,
                resource=resource,
                principal=caller,
                context=context,
                resource_account=None if _arn_account(resource) else owner,
            )
            matched = [_statement(s) for s in r.matched_statements if s["decisive"]]
            missing = list(r.missing_context_values)
            specific: dict[str, Any] = {
                "EvalResourceName": resource,
                "EvalResourceDecision": r.decision,
                "MatchedStatements": matched,
                "MissingContextValues": missing,
            }
            result: dict[str, Any] = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": r.decision,
                "MatchedStatements": matched,
                "MissingContextValues": missing,
            }
            if boundary is not None:
                detail = {"AllowedByPermissionsBoundary": _boundary_allowed(r)}
                result["PermissionsBoundaryDecisionDetail"] = detail
                specific["PermissionsBoundaryDecisionDetail"] = dict(detail)
            result["ResourceSpecificResults"] = [specific]
            results.append(result)
    return {"EvaluationResults": results, "IsTruncated": False}
