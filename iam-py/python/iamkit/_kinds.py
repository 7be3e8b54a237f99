"""What kind of document a function was handed: a policy, an account snapshot
(``aws iam get-account-authorization-details``), an ``aws iam get-*`` (or Organizations
``describe-policy``) response wrapping a policy, something else, empty text or not JSON.

Every door that reads a document uses this to answer a wrong kind with an error naming what it
got and what it wanted (:class:`iamkit.WrongDocumentError`) instead of an empty result. The
recognition works on the parsed JSON value and looks only at top-level keys (and one level into
the known ``get-*`` responses), so it is cheap and never guesses from content deeper down.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from iamkit._errors import WrongDocumentError

__all__ = [
    "Kind",
    "kind_of_text",
    "kind_of_value",
    "policy_hint",
    "read_path",
    "require_policy",
    "require_snapshot",
    "snapshot_text",
]

# The four lists of a get-account-authorization-details response.
_SNAPSHOT_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


@dataclass(frozen=True)
class Kind:
    """A recognised document kind.

    ``name``: ``"policy"``, ``"policy-without-statement"``, ``"snapshot"``,
    ``"get-policy-version"``, ``"get-user-policy"``, ``"get-group-policy"``, ``"get-role-policy"``,
    ``"response"`` (another response holding a ``PolicyDocument``), ``"get-role"``,
    ``"describe-policy"``, ``"get-policy"``, ``"get-user"``, ``"get-group"``, ``"list-policies"``,
    ``"empty-object"``, ``"object"``, ``"array"``, ``"scalar"``, ``"empty"`` or ``"not-json"``.
    ``what`` describes it in words (``"an `aws iam get-policy-version` response"``);
    ``policy_at`` is the path of the policy inside a response that wraps one
    (``"PolicyVersion.Document"``), else ``""``.
    """

    name: str
    what: str
    policy_at: str = ""


def _response(op: str, policy_at: str = "", service: str = "iam") -> Kind:
    return Kind(op, f"an `aws {service} {op}` response", policy_at)


def kind_of_value(value: Any) -> Kind:
    """The kind of a parsed JSON value."""
    if isinstance(value, list):
        return Kind("array", "a JSON array")
    if not isinstance(value, dict):
        return Kind("scalar", f"a JSON {_json_type(value)}")
    if not value:
        return Kind("empty-object", "an empty JSON object")
    keys = set(value)
    if "Statement" in keys:
        return Kind("policy", "a policy document")
    if keys & {"UserDetailList", "GroupDetailList", "RoleDetailList"}:
        return Kind("snapshot", "a get-account-authorization-details snapshot")
    if "Policies" in keys and isinstance(value["Policies"], list):
        items = value["Policies"]
        if all(isinstance(p, dict) and "PolicyVersionList" in p for p in items):
            return Kind("snapshot", "a get-account-authorization-details snapshot")
        return _response("list-policies")
    pv = value.get("PolicyVersion")
    if isinstance(pv, dict) and "Document" in pv:
        return _response("get-policy-version", "PolicyVersion.Document")
    if "PolicyDocument" in keys:
        for entity in ("User", "Group", "Role"):
            if f"{entity}Name" in keys:
                return _response(f"get-{entity.lower()}-policy", "PolicyDocument")
        return Kind("response", "a response holding a PolicyDocument", "PolicyDocument")
    role = value.get("Role")
    if isinstance(role, dict):
        return _response("get-role", "Role.AssumeRolePolicyDocument")
    pol = value.get("Policy")
    if isinstance(pol, dict):
        if "Content" in pol:
            return _response("describe-policy", "Policy.Content", service="organizations")
        return _response("get-policy")
    if isinstance(value.get("User"), dict):
        return _response("get-user")
    if isinstance(value.get("Group"), dict):
        return _response("get-group")
    if keys <= {"Version", "Id"}:
        return Kind("policy-without-statement", "a policy document without a Statement")
    shown = ", ".join(sorted(keys)[:5]) + (", ..." if len(keys) > 5 else "")
    return Kind("object", f"a JSON object with keys {shown}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def kind_of_text(text: str | bytes) -> tuple[Kind, Any]:
    """The kind of a JSON text and its parsed value (``None`` for empty or non-JSON text)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return Kind("not-json", f"not UTF-8 text ({e.reason} at byte {e.start})"), None
    if not text.strip():
        return Kind("empty", "an empty document" if not text else "a document holding only whitespace"), None
    try:
        value = json.loads(text)
    except ValueError as e:
        return Kind("not-json", f"not JSON ({e})"), None
    return kind_of_value(value), value


_WANTED = {
    "policy": "a policy document (an object with a Statement)",
    "snapshot": "a get-account-authorization-details snapshot "
    "(an object with UserDetailList, GroupDetailList, RoleDetailList and Policies)",
}


def _message(got: Kind, wanted: str, where: str) -> str:
    prefix = f"{where}: " if where else ""
    text = f"{prefix}got {got.what}, wanted {_WANTED[wanted]}"
    if wanted == "policy" and got.policy_at:
        text += f"; its policy is at {got.policy_at}"
    elif wanted == "policy" and got.name == "snapshot":
        text += "; load it with iamkit.Account.from_authorization_details"
    elif wanted == "snapshot" and got.name == "policy":
        text += "; a policy is read with iamkit.Policy.from_json"
    elif wanted == "snapshot" and got.policy_at:
        text += "; it holds one policy (read it with iamkit.Policy.from_json)"
    return text


def require_snapshot(value: Any, where: str = "") -> None:
    """Raises :class:`WrongDocumentError` unless ``value`` (parsed JSON) is an account snapshot."""
    kind = kind_of_value(value)
    if kind.name != "snapshot":
        raise WrongDocumentError(_message(kind, "snapshot", where), kind.name, "snapshot")


def snapshot_text(text: str | bytes, where: str = "") -> Any:
    """The parsed snapshot of a JSON text; :class:`WrongDocumentError` naming what the text is
    when it is not a snapshot (a policy, a ``get-*`` response, empty, not JSON, ...)."""
    kind, value = kind_of_text(text)
    if kind.name != "snapshot":
        raise WrongDocumentError(_message(kind, "snapshot", where), kind.name, "snapshot")
    return value


def require_policy(value: Any, where: str = "") -> None:
    """Raises :class:`WrongDocumentError` unless ``value`` (parsed JSON) is a policy document (an
    object with a ``Statement``): a snapshot, a ``get-*`` response, an array, an object without a
    ``Statement`` would otherwise be compared as a policy that allows nothing. (The statements
    themselves are checked by the policy parser, with positions.)"""
    kind = kind_of_value(value)
    if kind.name != "policy":
        raise WrongDocumentError(_message(kind, "policy", where), kind.name, "policy")


def policy_hint(text: str) -> str | None:
    """For a text that failed to parse as a policy: what it is instead, when it is recognisably
    another kind of document (``None`` when it is not JSON or looks like a broken policy). The
    native ``Policy.from_json`` adds this to its error message."""
    try:
        kind, _ = kind_of_text(text)
    except Exception:  # pragma: no cover - a hint must never replace the real error
        return None
    if kind.name == "not-json" and _is_file_path(text):
        return "got the path of a file as text: a str is policy text; pass pathlib.Path(path) to read a file"
    if kind.name in (
        "policy",
        "policy-without-statement",
        "object",
        "not-json",
        "empty",
        "array",
        "scalar",
        "empty-object",
    ):
        return None  # the parser's own message already says what is wrong
    return _message(kind, "policy", "")


def _is_file_path(text: str) -> bool:
    if len(text) > 4096 or "\n" in text or not text.strip():
        return False
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):
        return False


def read_path(path: str | os.PathLike[str], what: str) -> str:
    """The text of the file at ``path``; a ``str`` that is JSON text rather than a path gets an
    error saying so (the file-reading functions take paths)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except FileNotFoundError:
        if isinstance(path, str) and path.lstrip()[:1] in ("{", "["):
            raise WrongDocumentError(
                f"got JSON text where a path to {what} was expected: pass json.loads(text) (a dict) "
                "or the path of a file",
                "json-text",
                "path",
            ) from None
        raise
