"""The reach graph: who can become whom, who is effectively an administrator, and how.

The graph is built in Rust (``iam_analysis::reach``); this module names its parts for Python
and draws them for Jupyter. Nodes are the account's users and roles and the AWS services
their trust policies name; each edge is one way a principal gains another's permissions
(``AssumeRole``, ``PassRole…`` to a service that runs code as the role, ``CreateAccessKey``,
``CreateLoginProfile`` / ``UpdateLoginProfile``, ``UpdateAssumeRolePolicy``, ``EditPolicy``),
with the statements that enable it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iamkit._account import Account

__all__ = ["Escalation", "ReachGraph", "ReachPath", "Step", "reach_graph"]


def _short(arn: str) -> str:
    """``user/alice`` / ``role/admin`` / the service principal."""
    if ":" not in arn:
        return arn
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return f"{kind}/{rest.rsplit('/', 1)[-1]}" if rest else resource


def _statement_text(s: dict[str, Any]) -> str:
    where = s.get("policy") or s.get("layer") or "?"
    via = f" via {s['attached_via']}" if s.get("attached_via") else ""
    sid = f" ({s['sid']})" if s.get("sid") else ""
    pos = f" at {s['line']}:{s['column']}" if s.get("line") else ""
    return f"{s.get('effect', 'Allow')} {where}{via} statement #{s.get('statement', 0)}{sid}{pos}"


class Step(dict[str, Any]):
    """One edge of a path: ``{"from", "to", "kind", "method", "service", "access",
    "description", "evidence": [{"action", "resource", "principal", "access", "statements"}],
    "references"}``."""

    def __str__(self) -> str:
        cond = " (conditional)" if self.get("access") == "conditional" else ""
        return f"{_short(self['from'])} -[{self['method']}{cond}]-> {_short(self['to'])}"

    def statements(self) -> list[str]:
        """Each enabling statement as one line (policy, how it is attached, index, Sid, position)."""
        out: list[str] = []
        for e in self.get("evidence", []):
            for s in e.get("statements", []):
                out.append(f"{e['action']} on {e['resource']}: {_statement_text(s)}")
        return out


class ReachPath(dict[str, Any]):
    """A path from ``principal`` to ``target``: ``{"principal", "target", "access", "steps":
    [Step, ...]}`` (no steps: the principal is an admin, who can become anyone)."""

    @property
    def principal(self) -> str:
        """The ARN of the principal the path starts from."""
        return str(self["principal"])

    @property
    def target(self) -> str:
        """The ARN of the principal it ends at."""
        return str(self["target"])

    @property
    def steps(self) -> list[Step]:
        """The edges, in the order they are taken."""
        steps: list[Step] = self["steps"]
        return steps

    def __str__(self) -> str:
        if not self.steps:
            return f"{_short(self.principal)} is an admin: it can become {_short(self.target)}"
        return " ; ".join(str(s) for s in self.steps)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{i + 1}</td><td>{html.escape(str(s))}</td><td>{html.escape(s['description'])}</td>"
            f"<td>{'<br>'.join(html.escape(x) for x in s.statements())}</td></tr>"
            for i, s in enumerate(self.steps)
        )
        head = (
            f"<p><b>{html.escape(self.principal)}</b> → <b>{html.escape(self.target)}</b> "
            f"({html.escape(str(self['access']))}, {len(self.steps)} steps)</p>"
        )
        return head + (
            "<table><thead><tr><th>#</th><th>step</th><th>how</th><th>statements</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


class Escalation(ReachPath):
    """A way for a principal that is not an admin to become one. Besides the
    :class:`ReachPath` keys, ``"rule": {"id", "description", "references"}`` names the method of
    the first step (the shape ``privilege_escalation()`` always had)."""


def _steps(edges: Sequence[dict[str, Any]], idx: Iterable[int]) -> list[Step]:
    return [Step(edges[i]) for i in idx]


class ReachGraph:
    """The reach graph of an account (see the module docs). Build it with
    :meth:`iamkit.Account.reach_graph`; it describes the account as it was then."""

    def __init__(self, native: Any) -> None:
        self._native = native
        data = json.loads(native.to_json())
        self._nodes: list[dict[str, Any]] = data["nodes"]
        self._edges: list[dict[str, Any]] = data["edges"]
        self._by_arn = {n["arn"]: n for n in self._nodes}

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """``{"arn", "account", "kind" ("user" | "role" | "service" | "resource"), "name",
        "service_linked", "admin": None | {"method", "access", "evidence"}}`` per node. A
        ``"resource"`` node is a resource of another account's resource-based policy (an S3
        bucket, a Lambda function, …) that some principal reaches (``"resourceAccess"`` edges)."""
        return self._nodes

    @property
    def edges(self) -> list[dict[str, Any]]:
        """Every edge (see :class:`Step`)."""
        return self._edges

    def node(self, arn: str) -> dict[str, Any] | None:
        """The node of an ARN (or service principal), if any."""
        return self._by_arn.get(arn)

    def resource_access(self, principal: str | None = None) -> list[dict[str, Any]]:
        """The ``"resourceAccess"`` edges (of ``principal``, or all): access to a resource of
        another account granted by its resource-based policy and the caller's identity policies,
        both sides decided with SCPs and RCPs (spec §5.8). Each edge's ``"evidence"`` lists every
        allowed action with the deciding statements of both sides."""
        return [
            e
            for e in self._edges
            if e["kind"] == "resourceAccess" and (principal is None or e["from"] == principal)
        ]

    def admins(self) -> list[dict[str, Any]]:
        """The principals that are admins by themselves (``node["admin"]`` says how)."""
        return [n for n in self._nodes if n.get("admin")]

    def reach(self, principal: str) -> list[ReachPath]:
        """Whom ``principal`` (a user or role ARN) can become, transitively: one shortest path per
        principal, shortest first."""
        out = []
        for p in self._native.reach(principal):
            out.append(
                ReachPath(
                    principal=principal,
                    target=p["target"],
                    access=p["access"],
                    steps=_steps(self._edges, p["steps"]),
                )
            )
        return out

    def _escalation(self, e: dict[str, Any]) -> Escalation:
        steps = _steps(self._edges, e["steps"])
        first = steps[0] if steps else None
        rule = {
            "id": first["method"] if first else "",
            "description": first["description"] if first else "",
            "references": list(first["references"]) if first else [],
        }
        return Escalation(
            principal=e["principal"],
            target=e["target"],
            access=e["access"],
            steps=steps,
            rule=rule,
        )

    def escalations(self, principal: str | None = None) -> list[Escalation]:
        """Escalations to admin: every one of ``principal`` (one per admin target, shortest
        first), or the shortest of every principal that is not an admin and can become one."""
        if principal is None:
            return [self._escalation(e) for e in self._native.escalations()]
        return [self._escalation(e) for e in self._native.escalations_of(principal)]

    def admin_status(self, principal: str) -> dict[str, Any]:
        """``{"status": "no" | "direct" | "escalation", ...}``: ``"direct"`` carries the
        ``"grant"`` (method and statements), ``"escalation"`` the shortest ``"escalation"``."""
        s: dict[str, Any] = self._native.admin_status(principal)
        if s["status"] == "escalation":
            s["escalation"] = self._escalation(s["escalation"])
        return s

    def to_dict(self) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [...]}`` (JSON-ready)."""
        return {"nodes": self._nodes, "edges": self._edges}

    def to_svg(self, paths: Sequence[ReachPath] | None = None) -> str:
        """A standalone SVG picture of ``paths`` (default: every escalation), laid out in
        columns by step: starting principals on the left, admins on the right."""
        if paths is None:
            paths = self.escalations()
        return escalation_svg(paths, self._by_arn)

    def __repr__(self) -> str:
        principals = sum(1 for n in self._nodes if n["kind"] in ("user", "role"))
        return (
            f"<ReachGraph {principals} principals, {len(self._edges)} edges, "
            f"{len(self.admins())} admins, {len(self.escalations())} escalations>"
        )

    def _repr_html_(self) -> str:
        esc = self.escalations()
        rows = "".join(
            f"<tr><td>{html.escape(_short(e.principal))}</td><td>{html.escape(_short(e.target))}</td>"
            f"<td>{len(e.steps)}</td><td>{html.escape(str(e))}</td></tr>"
            for e in esc[:50]
        )
        return (
            f"<p>{html.escape(repr(self))}</p>{self.to_svg(esc)}"
            "<table><thead><tr><th>principal</th><th>becomes admin</th><th>steps</th><th>path</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )


_COLORS = {
    "user": "#2b6cb0",
    "role": "#2f855a",
    "service": "#6b46c1",
    "resource": "#b7791f",
    "admin": "#c53030",
}


def escalation_svg(paths: Sequence[ReachPath], nodes: dict[str, dict[str, Any]]) -> str:
    """An SVG drawing of the paths: each node in the column of its earliest step, edges as
    labelled arrows. Inline styles only (no script, no external resource)."""
    column: dict[str, int] = {}
    admin_targets: set[str] = set()
    edges: dict[tuple[str, str, str], str] = {}
    for p in paths:
        column.setdefault(p.principal, 0)
        for i, s in enumerate(p.steps):
            column[s["from"]] = min(column.get(s["from"], i), i)
            column[s["to"]] = min(column.get(s["to"], i + 1), i + 1)
            edges[(s["from"], s["to"], s["method"])] = s["access"]
        admin_targets.add(p.target)
    if not column:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="420" height="40"><text x="10" y="25" '
            'font-family="sans-serif" font-size="13">No escalation paths.</text></svg>'
        )
    # Admin targets in the last column.
    last = max(column.values())
    for t in admin_targets:
        if nodes.get(t, {}).get("admin"):
            column[t] = max(last, 1)
    cols: dict[int, list[str]] = {}
    for arn, c in sorted(column.items(), key=lambda kv: (kv[1], _short(kv[0]))):
        cols.setdefault(c, []).append(arn)
    col_w, row_h, box_w, box_h = 300, 34, 250, 24
    pos: dict[str, tuple[int, int]] = {}
    for c, arns in cols.items():
        for r, arn in enumerate(arns):
            pos[arn] = (20 + c * col_w, 20 + r * row_h)
    width = 40 + (max(cols) + 1) * col_w
    height = 40 + max(len(v) for v in cols.values()) * row_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/>'
        "</marker></defs>",
    ]
    for (a, b, method), access in sorted(edges.items()):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        sx, sy = x1 + box_w, y1 + box_h // 2
        ex, ey = (x2, y2 + box_h // 2) if x2 > x1 else (x2 + box_w // 2, y2 + (0 if y2 > y1 else box_h))
        dash = ' stroke-dasharray="4 3"' if access == "conditional" else ""
        out.append(
            f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" stroke="#555"{dash} marker-end="url(#arrow)">'
            f"<title>{html.escape(method)} ({html.escape(access)})</title></line>"
        )
        out.append(
            f'<text x="{(sx + ex) // 2}" y="{(sy + ey) // 2 - 3}" text-anchor="middle" fill="#333">'
            f"{html.escape(method)}</text>"
        )
    for arn, (x, y) in pos.items():
        n = nodes.get(arn, {})
        color = _COLORS["admin"] if n.get("admin") else _COLORS.get(n.get("kind", "service"), "#444")
        label = _short(arn)
        if len(label) > 40:
            label = label[:38] + "…"
        out.append(
            f'<g><rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="white" '
            f'stroke="{color}" stroke-width="2"/><text x="{x + 6}" y="{y + 16}" fill="{color}">'
            f"{html.escape(label)}</text><title>{html.escape(arn)}</title></g>"
        )
    out.append("</svg>")
    return "".join(out)


#: Serial cost estimate of the reach graph per principal, used by ``executor=None`` to decide
#: whether a process pool pays: 36 s for the 50,000-principal organization (BENCHMARKS.md,
#: "Reach graph (issue #14)").
REACH_SECONDS_PER_PRINCIPAL = 7e-4


def _reach_task(task: tuple[Any, list[str]]) -> Any:
    shipped, principals = task
    acct: Account = shipped.get()
    return acct._native.reach_graph(principals)


def reach_graph(account: Account, *, executor: Any = "serial", progress: Any = None) -> ReachGraph:
    """The reach graph of ``account`` as it is now.

    ``executor`` (default ``"serial"`` here; :meth:`iamkit.Account.reach_graph` passes its own,
    ``None`` by default): the principals are split into contiguous chunks, each task builds the
    part of the graph whose edges start in its chunk (``iam_analysis::ReachGraph::build_among``)
    and the parts are merged (``ReachGraph::merge``) into exactly the serial graph, in its
    order. See :func:`iamkit._parallel.map_tasks`."""
    from iamkit import _analysis, _native, _parallel

    n = _analysis._principal_count(account)
    ex, parts = _analysis._plan(executor, n, n * REACH_SECONDS_PER_PRINCIPAL)
    if ex is None and parts == 1:
        return ReachGraph(account._native.reach_graph())
    principals = account._native.principals()
    chunks = _parallel.split(principals, parts)
    target = _analysis._shipped_account(account) if ex is not None else _parallel.Shipped(account)
    found = _parallel.map_tasks(
        _reach_task,
        [(target, list(c)) for c in chunks],
        executor=ex if ex is not None else "serial",
        progress=progress,
        desc="reach graph",
        names=_analysis._chunk_names(chunks),
    )
    return ReachGraph(_native.NativeReachGraph.merge(list(found)))
