"""Exception classes raised by iamkit (plain Python classes: they pickle and carry attributes)."""

from __future__ import annotations

import warnings

from iamkit._args import U32_MAX, int_in_range

__all__ = [
    "MalformedPolicyDocument",
    "OrganizationLayoutError",
    "PolicyCompileError",
    "PolicyParseError",
    "UnknownActionError",
    "UnknownActionWarning",
    "WrongDocumentError",
    "warn_unknown_actions",
]


class PolicyParseError(ValueError):
    """The text is not a policy at all: bad JSON, wrong JSON types, a missing ``Effect``...

    ``line``/``column`` are 1-based (the column counts characters), ``offset`` is the 0-based
    byte offset into the UTF-8 text; ``end_*`` is the end of the offending element.
    """

    message: str
    code: str
    line: int
    column: int
    offset: int
    path: str
    end_line: int
    end_column: int
    end_offset: int

    def __init__(
        self,
        message: str,
        code: str = "JSON_SYNTAX_ERROR",
        line: int = 1,
        column: int = 1,
        offset: int = 0,
        path: str = "",
        end_line: int | None = None,
        end_column: int | None = None,
        end_offset: int | None = None,
    ) -> None:
        end_line = line if end_line is None else end_line
        end_column = column if end_column is None else end_column
        end_offset = offset if end_offset is None else end_offset
        for name, value in (
            ("line", line),
            ("column", column),
            ("offset", offset),
            ("end_line", end_line),
            ("end_column", end_column),
            ("end_offset", end_offset),
        ):
            int_in_range(value, name, 0, U32_MAX)
        super().__init__(message, code, line, column, offset, path, end_line, end_column, end_offset)
        self.message = message
        self.code = code
        self.line = line
        self.column = column
        self.offset = offset
        self.path = path
        self.end_line = end_line
        self.end_column = end_column
        self.end_offset = end_offset

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.line}:{self.column}: {self.code} {self.message}{where}"

    def to_dict(self) -> dict[str, object]:
        """The error as a JSON-ready dict (same keys as ``Finding.to_dict()``)."""
        return {
            "code": self.code,
            "severity": "ERROR",
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "end_offset": self.end_offset,
        }


class PolicyCompileError(PolicyParseError):
    """The policies parse but the evaluator refuses one of them, so no decision can be given.

    Raised by ``iamkit.evaluate`` and ``iamkit.Engine`` — e.g. a resource-based policy statement
    without ``Principal`` (spec §1.7: AWS would not have stored it), with validation's own
    ``code``, ``message``, ``path`` and position. ``layer`` names the policy argument
    (``"resource"``, ``"identity"``, ``"scp[1]"``...), ``policy_index`` its place in that layer and
    ``statement_index`` the statement's index within the policy.
    """

    layer: str
    policy_index: int
    statement_index: int

    def __init__(
        self,
        message: str,
        code: str = "JSON_SYNTAX_ERROR",
        line: int = 1,
        column: int = 1,
        offset: int = 0,
        path: str = "",
        end_line: int | None = None,
        end_column: int | None = None,
        end_offset: int | None = None,
        layer: str = "",
        policy_index: int = 0,
        statement_index: int = 0,
    ) -> None:
        super().__init__(message, code, line, column, offset, path, end_line, end_column, end_offset)
        int_in_range(policy_index, "policy_index", 0, U32_MAX)
        int_in_range(statement_index, "statement_index", 0, U32_MAX)
        self.args = (*self.args, layer, policy_index, statement_index)
        self.layer = layer
        self.policy_index = policy_index
        self.statement_index = statement_index

    def __str__(self) -> str:
        return f"{self.layer} policy #{self.policy_index}: {super().__str__()}"


class MalformedPolicyDocument(Exception):
    """IAM rejected the document at save time.

    ``message`` is AWS's exact message. ``code`` is AWS's error code: ``"MalformedPolicyDocument"``
    for everything except the size quota (``"LimitExceeded"``) and the API shape check on length
    and character set (``"ValidationError"``). ``line``/``column``/``offset`` locate the offending
    element when one element is to blame, else ``None``. ``response`` mimics botocore's
    ``ClientError.response``.
    """

    message: str
    code: str
    line: int | None
    column: int | None
    offset: int | None

    def __init__(
        self,
        message: str,
        code: str = "MalformedPolicyDocument",
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        for name, value in (("line", line), ("column", column), ("offset", offset)):
            if value is not None:
                int_in_range(value, name, 0, U32_MAX)
        super().__init__(message, code, line, column, offset)
        self.message = message
        self.code = code
        self.line = line
        self.column = column
        self.offset = offset

    @property
    def response(self) -> dict[str, dict[str, str]]:
        """``{"Error": {"Code": ..., "Message": ...}}`` like ``botocore.exceptions.ClientError``."""
        return {"Error": {"Code": self.code, "Message": self.message}}

    def __str__(self) -> str:
        return self.message


class UnknownActionError(ValueError):
    """An action or action pattern that matches nothing in the bundled service catalog.

    Raised by the analyses (``expand_actions``, ``Account.who_can``, ``Account.access_matrix``,
    ``diff_policies``), whose answers range over the catalog, instead of an empty answer.
    (``evaluate`` and ``Account.authorize`` still decide, as AWS would, and put the message in
    ``EvaluationResult.warnings``.)

    ``action`` is the action as given; ``kind`` says why it matches nothing:
    ``"unknown_name"`` (a known service has no such action: a typo), ``"unknown_service"``
    (the service prefix is not in the catalog: a typo, or a service newer than the catalog),
    ``"no_match"`` (a pattern matching no action) or ``"not_an_action"`` (not written
    ``service:Name``); ``suggestions`` are the closest real names, best first (maybe none).
    """

    message: str
    action: str
    kind: str
    suggestions: list[str]

    def __init__(
        self, message: str, action: str = "", kind: str = "unknown_name", suggestions: list[str] | None = None
    ) -> None:
        suggestions = list(suggestions or [])
        super().__init__(message, action, kind, suggestions)
        self.message = message
        self.action = action
        self.kind = kind
        self.suggestions = suggestions

    def __str__(self) -> str:
        return self.message


class WrongDocumentError(ValueError):
    """A document of another kind than the one wanted: a policy handed to
    ``Account.from_authorization_details``, an account snapshot handed to ``diff_policies``,
    an ``aws iam get-policy-version`` response where a policy was expected, an empty file...

    ``got`` names the kind found (``"policy"``, ``"snapshot"``, ``"get-policy-version"``,
    ``"empty"``, ``"not-json"``, ...), ``wanted`` the kind expected (``"policy"`` or
    ``"snapshot"``); ``message`` says both in words and, for a response wrapping a policy,
    where the policy is inside it.
    """

    message: str
    got: str
    wanted: str

    def __init__(self, message: str, got: str = "", wanted: str = "") -> None:
        super().__init__(message, got, wanted)
        self.message = message
        self.got = got
        self.wanted = wanted

    def __str__(self) -> str:
        return self.message


class OrganizationLayoutError(ValueError):
    """An organization layout (``iamkit.Organization.from_file`` / ``from_dict``, format in
    ``docs/organization.md``) that cannot be loaded. ``path`` is the JSON path of the field at
    fault (``"Accounts[2].ParentId"``, ``"Policies[0].Content"``; empty for the document
    itself), ``message`` says what is wrong, with AWS's error code and message when
    Organizations or IAM would refuse it (``MalformedPolicyDocument: ...``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


class UnknownActionWarning(UserWarning):
    """An action the bundled service catalog does not know, given to a door that must keep
    AWS's answer and response shape (``simulate_custom_policy``,
    ``Account.simulate_principal_policy``): the decision is made as AWS would make it, and the
    misspelling is reported as this warning with the closest real names, never silently."""


def warn_unknown_actions(actions: object, stacklevel: int = 3) -> None:
    """Issues an :class:`UnknownActionWarning` for each action of ``actions`` (a list of
    strings; other values are left to the caller's own checks) that matches nothing in the
    bundled catalog."""
    from iamkit import _native

    if not isinstance(actions, (list, tuple)):
        return
    for action in dict.fromkeys(a for a in actions if isinstance(a, str)):
        try:
            _native.check_action(action)
        except ValueError as e:
            warnings.warn(f"{e} (decided as written)", UnknownActionWarning, stacklevel=stacklevel)
