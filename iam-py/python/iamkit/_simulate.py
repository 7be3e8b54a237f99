"""``iamkit.simulate_custom_policy``: boto3's ``iam.simulate_custom_policy`` parameters and
response shape, answered offline by the iamkit engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
    resource_text = kwargs.get("ResourcePolicy")
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
    owner = kwargs.get("ResourceOwner")
    if isinstance(owner, str) and owner.startswith("arn:"):
        owner = owner.split(":")[4] or None  # "arn:aws:iam::123456789012:root" -> the account
    caller = kwargs.get("CallerArn")
    results: list[dict[str, Any]] = []
    for action in kwargs["ActionNames"]:
        for resource in resources:
            r = engine.evaluate(
                action=action, resource=resource, principal=caller, context=context, resource_account=owner
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
