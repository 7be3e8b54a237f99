"""Access analysis: catalog look-ups, what a principal can do, who can do something, the
access matrix, policy diffs and privilege-escalation paths.

The work is done in Rust (``iam_eval::analysis``); this module shapes the results for
Python and Jupyter. Conditions follow a three-valued rule: keys decided by the principal
(``aws:username``, ``aws:PrincipalTag/...``) are evaluated, any other key is unknown, and an
action allowed for some values of the unknown keys but not all is *conditional*.
"""

from __future__ import annotations

import html
import json
import os
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from iamkit import _kinds, _native, _parallel
from iamkit._args import int_in_range
from iamkit._errors import WrongDocumentError

if TYPE_CHECKING:
    from iamkit._account import Account

__all__ = [
    "AccessMatrix",
    "ActionMap",
    "PrincipalList",
    "access_matrix",
    "action_info",
    "check_action",
    "diff_policies",
    "expand_actions",
    "privilege_escalation",
    "resolve_principal",
    "what_can",
    "what_can_details",
    "what_can_transitive",
    "who_can",
    "who_can_details",
    "who_can_transitive",
]

_HTML_ROWS = 50


def expand_actions(pattern: str) -> list[str]:
    """Every catalog action an ``Action`` pattern matches, AWS's spelling, sorted.

    A name or pattern that matches nothing raises :class:`iamkit.UnknownActionError` with the
    closest real names, never ``[]``.

    >>> expand_actions("iam:PassRol?")
    ['iam:PassRole']
    >>> expand_actions("s3:GetObjekt")
    Traceback (most recent call last):
    ...
    iamkit._errors.UnknownActionError: unknown action 's3:GetObjekt' — did you mean s3:GetObject?
    """
    return _native.expand_actions(pattern)


def check_action(action: str) -> None:
    """Raises :class:`iamkit.UnknownActionError` when ``action`` (a name such as
    ``s3:GetObject`` or a pattern such as ``s3:Get*``) matches nothing in the bundled catalog.

    >>> check_action("s3:Get*")
    >>> check_action("iam:PasRole")
    Traceback (most recent call last):
    ...
    iamkit._errors.UnknownActionError: unknown action 'iam:PasRole' — did you mean iam:PassRole?
    """
    _native.check_action(action)


def action_info(action: str) -> dict[str, Any] | None:
    """``{"service", "name", "access_level", "resource_types", "condition_keys"}`` of an
    action (case-insensitive), or ``None`` for an unknown action.

    >>> action_info("s3:getobject")["access_level"]
    'Read'
    """
    info: dict[str, Any] | None = _native.action_info(action)
    return info


def _policy_text(p: Any, which: str) -> str:
    """The JSON text of one side of :func:`diff_policies`, after checking it is a policy."""
    where = f"policy {which}"
    if isinstance(p, _native.Policy):
        text: str = p.to_json()
        return text
    if isinstance(p, os.PathLike):
        where = f"policy {which} ({os.fspath(p)})"
        p = _kinds.read_path(p, "a policy file")
    if isinstance(p, dict):
        _kinds.require_policy(p, where)
        return json.dumps(p)
    if isinstance(p, (str, bytes)):
        kind, value = _kinds.kind_of_text(p)
        if kind.name == "empty":
            raise WrongDocumentError(
                f"{where}: got {kind.what}, wanted a policy document", kind.name, "policy"
            )
        if kind.name == "not-json" and isinstance(p, str) and _kinds._is_file_path(p):
            raise WrongDocumentError(
                f"{where}: got the path of a file as text: a str is policy text; "
                "pass pathlib.Path(path) to read a file",
                "path-as-text",
                "policy",
            )
        if value is not None:
            _kinds.require_policy(value, where)
        return p.decode("utf-8", errors="replace") if isinstance(p, bytes) else p
    raise TypeError(
        f"{where}: expected a policy (str, bytes, dict, iamkit.Policy or an os.PathLike path), "
        f"got {type(p).__name__}"
    )


def diff_policies(a: Any, b: Any) -> dict[str, Any]:
    """What two identity policies allow differently, over the catalog.

    ``a`` and ``b`` take what ``evaluate``'s policy arguments take (JSON text as ``str`` or
    ``bytes``, a ``dict``, an :class:`iamkit.Policy`) and also an ``os.PathLike`` path of a
    policy file. A document of another kind (an account snapshot, an ``aws iam get-*``
    response, empty text) raises :class:`iamkit.WrongDocumentError`; an ``Action`` entry that
    matches nothing in the catalog raises :class:`iamkit.UnknownActionError`.

    ``{"only_a": [...], "only_b": [...], "resources_only_a": {action: [patterns]},
    "resources_only_b": {...}, "access_changed": [[action, a, b], ...]}``: actions allowed (on
    some resource) by one and not the other; for actions both allow, resource patterns one
    allows and the other refuses; actions allowed outright by one and only conditionally by the
    other. ``"statements"``: the statement-by-statement changes from A to B (resources widened
    or narrowed, actions, conditions dropped / added / changed, effect, principal, statements
    added or removed; see :mod:`iamkit._policy_diff`).

    >>> def allow(action):
    ...     statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    ...     return {"Version": "2012-10-17", "Statement": [statement]}
    >>> d = diff_policies(allow("s3:GetObject"), allow("s3:*Object"))
    >>> d["only_a"], "s3:PutObject" in d["only_b"]
    ([], True)
    """
    a_text, b_text = _policy_text(a, "a"), _policy_text(b, "b")
    out: dict[str, Any] = _native._diff_policies(a_text, b_text)
    from iamkit._policy_diff import statement_changes

    out["statements"] = statement_changes(a_text, b_text)
    return out


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], total: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, r in enumerate(rows):
        if i >= _HTML_ROWS:
            break
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
    more = ""
    if total is not None and total > _HTML_ROWS:
        more = f"<p>… {total - _HTML_ROWS} more rows</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


class ActionMap(dict[str, list[str]]):
    """``service prefix -> allowed actions`` (a ``dict``), with the full analysis in
    :attr:`details` and an HTML table in Jupyter."""

    details: dict[str, Any]

    def _repr_html_(self) -> str:
        rows = [
            (svc, len(acts), ", ".join(acts[:8]) + (" …" if len(acts) > 8 else ""))
            for svc, acts in self.items()
        ]
        principal = html.escape(str(self.details.get("principal", "")))
        total = sum(len(v) for v in self.values())
        return f"<p><b>{principal}</b>: {total} actions in {len(self)} services</p>" + _table(
            ["service", "actions", "examples"], rows, len(rows)
        )


class PrincipalList(list[str]):
    """Principal ARNs (a ``list``), with the deciding statements in :attr:`details`."""

    details: list[dict[str, Any]]

    def _repr_html_(self) -> str:
        rows = [
            (
                d["principal"],
                d["action"],
                d["access"],
                "; ".join(f"{s.get('policy') or s['layer']} #{s['statement']}" for s in d["statements"]),
            )
            for d in self.details
        ]
        return _table(["principal", "action", "access", "statements"], rows, len(rows))


def resolve_principal(account: Account, name: str) -> str:
    """A principal ARN from an ARN or a bare user / role name (see
    :meth:`iamkit.Account.resolve_principal`)."""
    if not isinstance(name, str):
        raise TypeError(f"principal must be a str (an ARN or a user / role name), not {type(name).__name__}")
    if ":" in name:
        return name
    principals: list[str] = account._native.principals()

    def named(kind: str, exact: bool) -> list[str]:
        out = []
        for arn in principals:
            resource = arn.split(":", 5)[-1]
            if not resource.startswith(kind + "/"):
                continue
            n = resource.rsplit("/", 1)[-1]
            if n == name if exact else n.lower() == name.lower():
                out.append(arn)
        return out

    hits = named("user", True) + named("role", True)
    if not hits:
        hits = named("user", False) + named("role", False)
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ValueError(f"no user or role named {name!r} in account {account.account_id}")
    raise ValueError(f"{name!r} is ambiguous in account {account.account_id}: {' and '.join(hits)}")


def what_can_details(account: Account, principal: str) -> dict[str, Any]:
    """The full analysis of :func:`what_can`: ``{"principal", "statements": [...], "actions":
    [{"action", "service", "access_level", "access", "grants": [{"statement": i, "resources",
    "access"}]}]}``. ``principal`` is an ARN or a bare user / role name."""
    details: dict[str, Any] = account._native.what_can(resolve_principal(account, principal))
    return details


def what_can(account: Account, principal: str, *, include_conditional: bool = True) -> ActionMap:
    """Service prefix -> the catalog actions ``principal`` is allowed on at least one resource.

    With ``include_conditional=False`` actions allowed only under unknown conditions are left
    out.
    """
    details = what_can_details(account, principal)
    out = ActionMap()
    for a in details["actions"]:
        if include_conditional or a["access"] == "allowed":
            out.setdefault(a["service"], []).append(a["action"])
    out.details = details
    return out


# ---- executor= (iamkit._parallel): chunks of principals shipped to workers ------------------

#: Serial cost estimates used by ``executor=None`` to decide whether a process pool pays
#: (:data:`iamkit._parallel.POOL_MIN_SECONDS`) and whether to show progress. who_can: 378 ms of
#: CPU for 50,000 principals (release wheel, BENCHMARKS.md "Scale: 50,000 principals"); matrix:
#: per cell as if no two principals shared a row (32 s on one thread for 50,000 x 22,091 with
#: 11,025 distinct rows, on a loaded machine); escalations: a search over the graph from each
#: principal (a rough figure: the search from one principal visits what it can reach).
WHO_CAN_SECONDS_PER_PRINCIPAL = 8e-6
#: what_can of one principal over the whole catalog (a rough figure, release wheel: a few ms).
WHAT_CAN_SECONDS_PER_PRINCIPAL = 5e-3
MATRIX_SECONDS_PER_CELL = 2e-8
ESCALATION_SECONDS_PER_PRINCIPAL_SQUARED = 2e-8


def _shipped_account(account: Account) -> _parallel.Shipped[Account]:
    """The account, packed once for the workers of this run, in its analysis-only form
    (:class:`iamkit._account.AnalysisAccount`: exact policy texts, no secrets). A worker
    unpickles it as a plain :class:`Account`; here the account itself is used."""
    from iamkit._account import AnalysisAccount

    return _parallel.ship(account, wire=AnalysisAccount(account))


def _who_can_task(task: tuple[Any, str, str, dict[str, Any] | None, list[str]]) -> list[dict[str, Any]]:
    shipped, action, resource, context, principals = task
    acct: Account = shipped.get()
    out: list[dict[str, Any]] = acct._native.who_can(action, resource, context, principals)
    return out


def _matrix_task(task: tuple[Any, list[str], list[str]]) -> tuple[list[str], bytes, list[int]]:
    shipped, patterns, principals = task
    acct: Account = shipped.get()
    rows, _, cells, classes = acct._native.access_matrix(patterns, 1, principals)
    # Most cells are 0 (denied): compressed, the way back is ~30x smaller (a chunk of 1,000
    # distinct rows x 22,091 actions is 22 MB of cells).
    return rows, zlib.compress(cells, 1), classes


def _escalation_task(task: tuple[Any, list[str]]) -> list[Any]:
    from iamkit import _reach

    shipped, principals = task
    graph = shipped.memo("reach_graph", lambda a: _reach.reach_graph(a, executor="serial"))
    out = []
    for p in principals:
        found = graph.escalations(p)
        if found:
            out.append(found[0])
    return out


def _plan(executor: _parallel.ExecutorArg, n: int, estimate: float) -> tuple[Any, int]:
    """(the resolved executor or ``None`` for serial, the number of chunks)."""
    ex = _parallel.resolve(executor, estimate)
    if ex is None:
        # Serial: one call, or ~20 calls when it is long enough to show progress.
        parts = 20 if estimate >= _parallel.PROGRESS_AFTER_SECONDS else 1
        return None, max(1, min(parts, n))
    return ex, _parallel.chunk_count(ex, n, min_size=16)


def _principal_count(account: Account) -> int:
    """Users + roles (what the analyses range over), without listing them."""
    users, _, roles, _ = account._native.counts()
    return int(users) + int(roles)


def _chunk_names(chunks: Sequence[Sequence[str]]) -> list[str]:
    names, start = [], 0
    for c in chunks:
        names.append(f"principals {start}-{start + len(c) - 1}: {c[0]} …" if c else "no principals")
        start += len(c)
    return names


def who_can_details(
    account: Account,
    action: str,
    resource: str = "*",
    context: dict[str, Any] | None = None,
    *,
    executor: _parallel.ExecutorArg = None,
    progress: _parallel.Progress = None,
) -> list[dict[str, Any]]:
    """One ``{"principal", "action", "access", "statements"}`` per principal and action, sorted
    by action then principal ARN. ``executor``: see :func:`iamkit._parallel.map_tasks` (the
    principals are split into chunks; the answer is the serial one)."""
    n = _principal_count(account)
    ex, parts = _plan(executor, n, n * WHO_CAN_SECONDS_PER_PRINCIPAL)
    if ex is None and parts == 1:
        details: list[dict[str, Any]] = account._native.who_can(action, resource, context)
        return details
    _native.check_action(action)  # an unknown action fails here, before any work is shipped
    principals = account._native.principals()
    chunks = _parallel.split(principals, parts)
    target = _shipped_account(account) if ex is not None else _parallel.Shipped(account)
    tasks = [(target, action, resource, context, list(c)) for c in chunks]
    parts_out = _parallel.map_tasks(
        _who_can_task,
        tasks,
        executor=ex if ex is not None else "serial",
        progress=progress,
        desc="who_can",
        names=_chunk_names(chunks),
    )
    merged = [d for part in parts_out for d in part]
    merged.sort(key=lambda d: (d["action"], d["principal"]))
    return merged


def who_can(
    account: Account,
    action: str,
    resource: str = "*",
    context: dict[str, Any] | None = None,
    *,
    include_conditional: bool = True,
    executor: _parallel.ExecutorArg = None,
    progress: _parallel.Progress = None,
) -> PrincipalList:
    """ARNs of the account's users and roles allowed ``action`` (a pattern such as ``s3:*``
    lists a principal allowed any of its actions) on ``resource``. An action or pattern that
    matches nothing in the catalog raises :class:`iamkit.UnknownActionError`. ``executor``:
    where the principals are decided (:func:`iamkit._parallel.map_tasks`); same answer."""
    details = [
        d
        for d in who_can_details(account, action, resource, context, executor=executor, progress=progress)
        if include_conditional or d["access"] == "allowed"
    ]
    seen: dict[str, None] = {}
    for d in details:
        seen.setdefault(d["principal"], None)
    out = PrincipalList(seen)
    out.details = details
    return out


def privilege_escalation(
    account: Account,
    principal: str | None = None,
    *,
    executor: _parallel.ExecutorArg = None,
    progress: _parallel.Progress = None,
) -> list[Any]:
    """Escalations to admin from the reach graph (:class:`iamkit._reach.Escalation`, a ``dict``):
    for one principal, the shortest escalation of each method it can start with (``rule.id``:
    ``CreateAccessKey``, ``PassRoleEC2`` …; :meth:`iamkit.ReachGraph.escalations` lists one per
    admin target); for the whole account, the shortest of each principal that is not an admin
    and can become one. Admins get none.

    Each is ``{"principal", "target", "access", "steps": [...], "rule": {"id", "description",
    "references"}}``; ``rule`` names the method of the first step (``CreateAccessKey``,
    ``PassRoleEC2`` …) and each step names both principals and the enabling statements.

    ``executor`` (whole account only): the principals are split into chunks, each worker builds
    the reach graph once and searches its chunk (:func:`iamkit._parallel.map_tasks`); the
    answer, and its order, are the serial run's."""
    from iamkit import _reach

    graph = _reach.reach_graph(account)
    if principal is None:
        starts = [n["arn"] for n in graph.nodes if n["kind"] in ("user", "role") and n.get("admin") is None]
        n = len(starts)
        ex, parts = _plan(executor, n, n * n * ESCALATION_SECONDS_PER_PRINCIPAL_SQUARED)
        if ex is None and parts == 1:
            return list(graph.escalations())
        chunks = _parallel.split(starts, parts)
        if ex is None:
            target = _parallel.Shipped(account)
            target.memo("reach_graph", lambda _: graph)
        else:
            target = _shipped_account(account)
        found = _parallel.map_tasks(
            _escalation_task,
            [(target, list(c)) for c in chunks],
            executor=ex if ex is not None else "serial",
            progress=progress,
            desc="privilege_escalation",
            names=_chunk_names(chunks),
        )
        return [e for part in found for e in part]
    seen: set[str] = set()
    out = []
    for e in graph.escalations(resolve_principal(account, principal)):
        if e["rule"]["id"] not in seen:
            seen.add(e["rule"]["id"])
            out.append(e)
    return out


def _min_access(*values: str) -> str:
    return "conditional" if "conditional" in values else "allowed"


def who_can_transitive(
    account: Account,
    action: str,
    resource: str = "*",
    context: dict[str, Any] | None = None,
    *,
    include_conditional: bool = True,
    executor: _parallel.ExecutorArg = None,
    progress: _parallel.Progress = None,
) -> PrincipalList:
    """:func:`who_can` with the principals that can become one of those allowed (or an admin):
    each detail carries ``"path"`` (the steps, empty for a direct grant) and ``"via"`` (the
    principal holding the grant). ``executor`` applies to the direct grants."""
    from iamkit import _reach

    direct = who_can(
        account,
        action,
        resource,
        context,
        include_conditional=include_conditional,
        executor=executor,
        progress=progress,
    )
    graph = _reach.reach_graph(account)
    details: list[dict[str, Any]] = []
    holders: dict[str, dict[str, Any]] = {}
    for d in direct.details:
        details.append({**d, "path": [], "via": d["principal"]})
        holders.setdefault(d["principal"], d)
    admins = {n["arn"] for n in graph.admins()}
    for n in graph.nodes:
        p = n["arn"]
        if n["kind"] not in ("user", "role") or p in holders:
            continue
        best = None
        for path in graph.reach(p):
            if path.target in holders or path.target in admins:
                best = path
                break
        if best is None:
            esc = graph.escalations(p)
            best = esc[0] if esc else None
        if best is None:
            continue
        grant = holders.get(best.target)
        access = _min_access(best["access"], grant["access"] if grant else "allowed")
        if not include_conditional and access != "allowed":
            continue
        details.append(
            {
                "principal": p,
                "action": grant["action"] if grant else action,
                "access": access,
                "statements": grant["statements"] if grant else [],
                "path": best.steps,
                "via": best.target,
            }
        )
    seen: dict[str, None] = {}
    for d in details:
        seen.setdefault(d["principal"], None)
    out = PrincipalList(seen)
    out.details = details
    return out


def _what_can_task(task: tuple[Any, list[str], bool]) -> list[dict[str, list[str]]]:
    shipped, principals, include_conditional = task
    acct: Account = shipped.get()
    return [dict(what_can(acct, p, include_conditional=include_conditional)) for p in principals]


def _what_can_many(
    account: Account,
    principals: list[str],
    *,
    include_conditional: bool,
    executor: _parallel.ExecutorArg,
    progress: _parallel.Progress,
) -> list[dict[str, list[str]]]:
    """:func:`what_can` of each principal, in order; ``executor``: chunks of principals decided
    by the workers (an :class:`Account` only: it is shipped to them)."""
    n = len(principals)
    ex, parts = _plan(executor, n, n * WHAT_CAN_SECONDS_PER_PRINCIPAL)
    if ex is None:
        return [dict(what_can(account, p, include_conditional=include_conditional)) for p in principals]
    chunks = _parallel.split(principals, parts)
    found = _parallel.map_tasks(
        _what_can_task,
        [(_shipped_account(account), list(c), include_conditional) for c in chunks],
        executor=ex,
        progress=progress,
        desc="what_can",
        names=_chunk_names(chunks),
    )
    return [m for part in found for m in part]


def what_can_transitive(
    account: Account,
    principal: str,
    *,
    include_conditional: bool = True,
    executor: _parallel.ExecutorArg = "serial",
    progress: _parallel.Progress = None,
) -> ActionMap:
    """:func:`what_can` over the principal and everyone it can become: ``details["via"]`` maps
    each action gained through another principal to ``{"principal", "path"}`` (the shortest).

    ``executor``: the reach graph is built in chunks of principals
    (:func:`iamkit._reach.reach_graph`) and the principals it reaches are decided in chunks
    (an administrator reaches every principal of its account); the answer, and its order, are
    the serial run's."""
    from iamkit import _reach

    arn = resolve_principal(account, principal)
    out = what_can(account, arn, include_conditional=include_conditional)
    graph = _reach.reach_graph(account, executor=executor, progress=progress)
    via: dict[str, dict[str, Any]] = {}
    own = {a for acts in out.values() for a in acts}
    targets = graph.reach(arn)
    esc = graph.escalations(arn)
    if esc and all(p.target != esc[0].target for p in targets):
        targets.append(esc[0])
    others = _what_can_many(
        account,
        [p.target for p in targets],
        include_conditional=include_conditional,
        executor=executor,
        progress=progress,
    )
    for path, other in zip(targets, others, strict=True):
        for svc, acts in other.items():
            for a in acts:
                if a in own or a in via:
                    continue
                out.setdefault(svc, []).append(a)
                via[a] = {"principal": path.target, "path": path.steps, "access": path["access"]}
    for acts in out.values():
        acts.sort()
    out.details = {**out.details, "via": via, "reach": targets}
    return out


_CELL = {0: "", 1: "conditional", 2: "allowed"}


class AccessMatrix:
    """Principals x actions: each cell is ``"allowed"``, ``"conditional"`` or ``""``.

    Principals with the same policies share one stored row (``iam_analysis::RowClasses``):
    ``cells`` holds the distinct rows (one byte per cell: 0 denied, 1 conditional, 2 allowed)
    and ``rows[i]`` the distinct row of principal ``i`` (``None``: row ``i`` is distinct row
    ``i``). A matrix of 50,000 principals x 22,091 actions is a few thousand distinct rows, not
    1.1 GB of cells."""

    __slots__ = ("_actions", "_cells", "_principals", "_rows")

    def __init__(
        self, principals: list[str], actions: list[str], cells: bytes, rows: Sequence[int] | None = None
    ) -> None:
        self._principals = principals
        self._actions = actions
        self._cells = cells
        self._rows: Sequence[int] = range(len(principals)) if rows is None else rows
        if len(self._rows) != len(principals):
            raise ValueError("AccessMatrix: one row class per principal expected")

    @property
    def distinct_rows(self) -> int:
        """How many distinct rows are stored."""
        return len(self._cells) // len(self._actions) if self._actions else 0

    def _distinct(self, r: int) -> bytes:
        n = len(self._actions)
        d = self._rows[r]
        return self._cells[d * n : (d + 1) * n]

    @property
    def principals(self) -> list[str]:
        """Row labels: user and role ARNs."""
        return self._principals

    @property
    def actions(self) -> list[str]:
        """Column labels: actions (``service:Name``), catalog order."""
        return self._actions

    @property
    def shape(self) -> tuple[int, int]:
        """``(len(principals), len(actions))``."""
        return (len(self.principals), len(self.actions))

    def _column(self, action: int | str) -> int:
        """An action's column, by index (0 to len - 1; out of range is a ``ValueError``, never
        a negative index counted from the end) or by name."""
        if not isinstance(action, str):
            return int_in_range(action, "action index", 0, len(self.actions) - 1)
        if action in self._actions:
            return self._actions.index(action)
        _native.check_action(action)  # UnknownActionError with the closest names
        raise ValueError(f"{action!r} is not a column of this matrix (columns: the actions it was built for)")

    def _row(self, principal: int | str) -> int:
        """A principal's row, by index (checked like :meth:`_column`), ARN or bare name."""
        if not isinstance(principal, str):
            return int_in_range(principal, "principal index", 0, len(self.principals) - 1)
        if principal in self._principals:
            return self._principals.index(principal)
        if ":" not in principal:  # a bare user / role name, as Account.resolve_principal takes it
            hits = [i for i, p in enumerate(self._principals) if p.rsplit("/", 1)[-1] == principal]
            if len(hits) == 1:
                return hits[0]
            if hits:
                both = " and ".join(self._principals[i] for i in hits)
                raise ValueError(f"{principal!r} is ambiguous in this matrix: {both}")
        raise ValueError(f"{principal!r} is not a row of this matrix (rows: user and role ARNs)")

    def cell(self, principal: int | str, action: int | str) -> str:
        """The cell of a principal and action (by index or name)."""
        r, c = self._row(principal), self._column(action)
        return _CELL[self._cells[self._rows[r] * len(self.actions) + c]]

    def row(self, principal: int | str) -> list[str]:
        """One principal's cells."""
        return [_CELL[b] for b in self._distinct(self._row(principal))]

    def allowed(self, principal: int | str, *, include_conditional: bool = True) -> list[str]:
        """The actions a principal is allowed."""
        ok = {"allowed", "conditional"} if include_conditional else {"allowed"}
        return [a for a, c in zip(self.actions, self.row(principal), strict=True) if c in ok]

    def by_access_level(self) -> dict[str, dict[str, int]]:
        """``principal -> {access level: number of allowed actions}``."""
        levels = {}
        for a in self.actions:
            info = _native.action_info(a)
            levels[a] = info["access_level"] if info else "Unknown"
        out: dict[str, dict[str, int]] = {}
        for i, p in enumerate(self.principals):
            counts: dict[str, int] = {}
            for a, c in zip(self.actions, self.row(i), strict=True):
                if c:
                    counts[levels[a]] = counts.get(levels[a], 0) + 1
            out[p] = counts
        return out

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """CSV (``principal,<action>...``); also written to ``path`` when given."""
        lines = [",".join(["principal", *self.actions])]
        for i, p in enumerate(self.principals):
            quoted = f'"{p}"' if "," in p else p
            lines.append(",".join([quoted, *self.row(i)]))
        text = "\n".join(lines) + "\n"
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` (principals as index, actions as columns, cells as strings).
        Raises ``ImportError`` when pandas is not installed."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        data = [[_CELL[b] for b in self._distinct(r)] for r in range(len(self.principals))]
        return pd.DataFrame(data, index=pd.Index(self.principals, name="principal"), columns=self.actions)

    def __repr__(self) -> str:
        n = len(self._actions)
        per_row = [sum(1 for b in self._cells[d * n : (d + 1) * n] if b) for d in range(self.distinct_rows)]
        allowed = sum(per_row[d] for d in self._rows)
        size = f"{len(self.principals)} principals x {len(self.actions)} actions"
        return f"<AccessMatrix {size}, {allowed} allowed cells>"

    def _repr_html_(self) -> str:
        cols = self.actions[:20]
        rows = [(p, *self.row(i)[:20]) for i, p in enumerate(self.principals)]
        note = f"<p>{html.escape(repr(self))}</p>"
        return note + _table(["principal", *cols], rows, len(rows))


def access_matrix(
    account: Account,
    actions: str | Sequence[str] = "*",
    *,
    threads: int = 2,
    executor: _parallel.ExecutorArg = None,
    progress: _parallel.Progress = None,
) -> AccessMatrix:
    """Every user and role x the catalog actions matching ``actions`` (a pattern or a list of
    patterns; ``"*"`` for all), computed in Rust on ``threads`` threads. Principals with the
    same policies share one row, computed once.

    ``executor``: the distinct rows are computed in chunks on a process pool, a Dask or Ray
    executor (:func:`iamkit._parallel.map_tasks`; each worker process on one thread);
    ``"serial"`` or the default for a small matrix: here, on ``threads`` threads. The matrix is
    the same whichever runs it."""
    patterns = [actions] if isinstance(actions, str) else list(actions)
    # 0 = one thread per CPU
    threads = int_in_range(threads, "threads", 0, 1024)
    for p in patterns:
        _native.check_action(p)  # an unknown pattern fails here, before any work is shipped
    # The columns (catalog order), from a matrix of no rows.
    names = account._native.access_matrix(patterns, 1, [])[1]
    n = _principal_count(account)
    # The estimate is of the work in one thread, as if no two principals shared a row.
    ex, parts = _plan(executor, n, n * len(names) * MATRIX_SECONDS_PER_CELL)
    if ex is None and parts == 1:
        principals, names, cells, rows = account._native.access_matrix(patterns, threads)
        return AccessMatrix(principals, names, bytes(cells), rows)
    principals, class_of, reps = account._native.row_classes()
    if ex is not None:
        parts = _parallel.chunk_count(ex, len(reps), min_size=8)
    else:
        parts = max(1, min(parts, len(reps)))
    chunks = [list(c) for c in _parallel.split(reps, parts)]
    if ex is None:
        # Serial, in chunks for the progress display.
        def one(chunk: list[str]) -> tuple[list[str], bytes, list[int]]:
            r, _, c, m = account._native.access_matrix(patterns, threads, chunk)
            return r, bytes(c), m

        done = _parallel.map_tasks(
            one,
            chunks,
            executor="serial",
            progress=progress,
            desc="access_matrix",
            names=_chunk_names(chunks),
        )
    else:
        target = _shipped_account(account)
        done = _parallel.map_tasks(
            _matrix_task,
            [(target, patterns, c) for c in chunks],
            executor=ex,
            progress=progress,
            desc="access_matrix",
            names=_chunk_names(chunks),
        )
    width = len(names)
    parts_out: list[bytes] = []
    for _, packed, m in done:
        cells = packed if ex is None else zlib.decompress(packed)
        if list(m) == list(range(len(m))):
            parts_out.append(cells)
        else:  # the worker found representatives sharing a row: one row per representative
            parts_out.extend(cells[d * width : (d + 1) * width] for d in m)
    return AccessMatrix(principals, names, b"".join(parts_out), class_of)
