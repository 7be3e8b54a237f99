"""Jupyter views (``_repr_html_``): self-contained HTML with inline styles, no scripts.

Everything that comes from a document or a finding is HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from iamkit._args import U32_MAX, int_in_range

if TYPE_CHECKING:
    from iamkit._native import EvaluationResult, Finding, Policy

__all__ = ["FindingList", "evaluation_html", "findings_html", "policy_html"]

_SEVERITY_STYLE: dict[str, tuple[str, str]] = {
    # severity: (text colour, background)
    "ERROR": ("#b71c1c", "#fdecea"),
    "SECURITY_WARNING": ("#880e4f", "#fce4ec"),
    "WARNING": ("#8a4b00", "#fff4e5"),
    "SUGGESTION": ("#0d47a1", "#e8f4fd"),
}
_SEVERITY_ORDER = {"ERROR": 0, "SECURITY_WARNING": 1, "WARNING": 2, "SUGGESTION": 3}

_BOX = (
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;"
    "border:1px solid #d0d7de;border-radius:6px;overflow:auto;max-width:100%;"
    "background:#ffffff;color:#1f2328"
)
_HEADER = "padding:4px 8px;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-weight:600"

_TOKEN = re.compile(
    r'(?P<str>"(?:[^"\\]|\\.)*"?)'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<lit>\btrue\b|\bfalse\b|\bnull\b)"
    r"|(?P<punct>[{}\[\]:,])"
)
_COLOURS = {"key": "#0550ae", "str": "#a31515", "num": "#116329", "lit": "#8250df", "punct": "#6e7781"}


def _colour_line(line: str) -> str:
    """One line of JSON text as escaped HTML with coloured tokens. The indentation is made of
    no-break spaces: some HTML pipelines (nbconvert) strip leading whitespace in cells."""
    body = line.lstrip(" ")
    out: list[str] = ["&#160;" * (len(line) - len(body))]
    line = body
    pos = 0
    for m in _TOKEN.finditer(line):
        if m.start() > pos:
            out.append(escape(line[pos : m.start()]))
        kind = m.lastgroup or "punct"
        if kind == "str" and line[m.end() :].lstrip().startswith(":"):
            kind = "key"
        out.append(f'<span style="color:{_COLOURS[kind]}">{escape(m.group())}</span>')
        pos = m.end()
    out.append(escape(line[pos:]))
    return "".join(out)


def _badge(severity: str, text: str) -> str:
    fg, bg = _SEVERITY_STYLE.get(severity, ("#1f2328", "#eeeeee"))
    return (
        f'<span style="color:{fg};background:{bg};border:1px solid {fg};border-radius:3px;'
        f'padding:0 4px;margin-right:4px;white-space:nowrap">{escape(text)}</span>'
    )


def _worst(findings: Iterable[Finding]) -> str | None:
    worst: str | None = None
    for f in findings:
        if worst is None or _SEVERITY_ORDER.get(f.severity, 9) < _SEVERITY_ORDER.get(worst, 9):
            worst = f.severity
    return worst


def _summary(findings: list[Finding]) -> str:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    if not counts:
        return "no findings"
    parts = sorted(counts.items(), key=lambda kv: _SEVERITY_ORDER.get(kv[0], 9))
    return ", ".join(f"{n} {sev.lower().replace('_', ' ')}{'s' if n != 1 else ''}" for sev, n in parts)


_MARK_STYLE = {"Allow": ("#1a7f37", "#e6ffec"), "Deny": ("#b71c1c", "#ffebe9")}


def policy_html(
    policy: Policy,
    matched: Iterable[dict[str, Any]] = (),
    *,
    max_lines: int = 80,
) -> str:
    """The document with line numbers, syntax colours, and findings next to their lines.

    ``matched`` takes statements as in ``EvaluationResult.matched_statements`` (of this
    policy): their lines get a green (Allow) or red (Deny) bar and background, and the
    deciding ones a star. With marks, a document longer than ``max_lines`` shows only the
    marked statements with two lines around them.
    """
    marks: dict[int, tuple[str, bool]] = {}
    for s in matched:
        for n in range(int(s["line"]), int(s["end_line"]) + 1):
            prev = marks.get(n)
            if prev is None or (s["decisive"] and not prev[1]):
                marks[n] = (str(s["effect"]), bool(s["decisive"]))
    findings = list(policy.findings)
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        by_line.setdefault(f.line, []).append(f)
    title = " · ".join(
        p
        for p in (
            escape(policy.name) if policy.name else "Policy",
            escape(policy.policy_type),
            escape(policy.version or "no Version"),
            f"{len(policy.statements)} statement{'s' if len(policy.statements) != 1 else ''}",
            escape(_summary(findings)),
        )
    )
    rows: list[str] = []
    int_in_range(max_lines, "max_lines", 1, U32_MAX)
    lines = policy.text.split("\n")
    shown: set[int] | None = None
    if marks and len(lines) > max_lines:
        shown = {n + d for n in marks for d in range(-2, 3)} | set(by_line)
    skipped = False
    for n, line in enumerate(lines, start=1):
        if shown is not None and n not in shown:
            if not skipped:
                rows.append(
                    '<tr><td style="text-align:right;color:#8c959f;padding:0 8px;'
                    'border-right:1px solid #d0d7de">&#8942;</td><td></td><td></td></tr>'
                )
            skipped = True
            continue
        skipped = False
        here = by_line.get(n, [])
        worst = _worst(here)
        bg = f"background:{_SEVERITY_STYLE[worst][1]};" if worst in _SEVERITY_STYLE else ""
        mark = marks.get(n)
        gutter = "border-right:1px solid #d0d7de"
        cls = ""
        if mark is not None:
            fg, mbg = _MARK_STYLE.get(mark[0], ("#57606a", "#f6f8fa"))
            bg = bg or f"background:{mbg};"
            gutter = f"border-right:3px solid {fg}"
            cls = f' class="iamkit-matched{" iamkit-decisive" if mark[1] else ""}"'
        notes = "".join(
            _badge(f.severity, f.code) + f'<span style="color:#57606a">{escape(f.message)}</span><br>'
            for f in here
        )
        if mark is not None and mark[1] and (n == 1 or marks.get(n - 1) != mark):
            star = f"&#9733; deciding {escape(mark[0])} statement"
            notes = f'<span style="color:#57606a">{star}</span><br>' + notes
        rows.append(
            f'<tr{cls} style="{bg}">'
            f'<td style="text-align:right;color:#8c959f;padding:0 8px;user-select:none;'
            f'{gutter};vertical-align:top">{n}</td>'
            f'<td style="padding:0 8px;white-space:pre;vertical-align:top;text-align:left">'
            f"{_colour_line(line.rstrip(chr(13)))}</td>"
            f'<td style="padding:0 8px;font-family:sans-serif;font-size:11px;vertical-align:top;'
            f'text-align:left">{notes}</td>'
            "</tr>"
        )
    return (
        f'<div class="iamkit-policy" style="{_BOX}">'
        f'<div style="{_HEADER}">{title}</div>'
        f'<table style="border-collapse:collapse;border:none;margin:0;width:auto">{"".join(rows)}</table>'
        "</div>"
    )


def _path_html(path: str) -> str:
    """A JSON path that may wrap after its dots."""
    if not path:
        return ""
    return "<code>" + escape(path).replace(".", ".<wbr>").replace("[", "<wbr>[") + "</code>"


def findings_html(findings: Iterable[Finding]) -> str:
    """A table of findings: severity, code, position, path, message."""
    items = list(findings)
    if not items:
        return f'<div style="{_BOX};padding:4px 8px">no findings</div>'
    cell = "padding:2px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top"
    head = "".join(
        f'<th style="{cell};background:#f6f8fa">{h}</th>'
        for h in ("severity", "code", "line:col", "path", "message")
    )
    body = "".join(
        "<tr>"
        f'<td style="{cell}">{_badge(f.severity, f.severity)}</td>'
        f'<td style="{cell}"><code>{escape(f.code)}</code></td>'
        f'<td style="{cell}">{f.line}:{f.column}</td>'
        f'<td style="{cell}">{_path_html(f.path)}</td>'
        f'<td style="{cell};font-family:sans-serif;min-width:16em">{escape(f.message)}</td>'
        "</tr>"
        for f in items
    )
    return (
        f'<div class="iamkit-findings" style="{_BOX}">'
        f'<div style="{_HEADER}">{len(items)} finding{"s" if len(items) != 1 else ""}: '
        f"{escape(_summary(items))}</div>"
        '<table style="border-collapse:collapse;border:none;margin:0;width:100%;table-layout:auto">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


class FindingList(list["Finding"]):
    """A ``list`` of :class:`iamkit.Finding` with a table view in Jupyter and a few helpers."""

    __slots__ = ()

    @property
    def errors(self) -> list[Finding]:
        """The ``ERROR`` findings."""
        return [f for f in self if f.severity == "ERROR"]

    @property
    def has_errors(self) -> bool:
        """True when at least one finding is an ``ERROR``."""
        return any(f.severity == "ERROR" for f in self)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every finding as a dict."""
        return [f.to_dict() for f in self]

    def _repr_html_(self) -> str:
        return findings_html(self)


_DECISION_STYLE = {
    "allowed": ("#1a7f37", "#dafbe1", "ALLOWED"),
    "explicitDeny": ("#b71c1c", "#fdecea", "EXPLICIT DENY"),
    "implicitDeny": ("#8a4b00", "#fff4e5", "IMPLICIT DENY"),
}
_VERDICT_STYLE = {"allow": "#1a7f37", "deny": "#b71c1c", "no match": "#57606a"}


def evaluation_html(result: EvaluationResult) -> str:
    """Decision badge, request, per-layer verdicts and the statements that applied."""
    fg, bg, label = _DECISION_STYLE.get(result.decision, ("#1f2328", "#eeeeee", result.decision))
    cell = "padding:2px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top"
    badge = (
        f'<span class="iamkit-decision iamkit-decision-{escape(result.decision)}" '
        f'style="color:{fg};background:{bg};border:1px solid {fg};border-radius:4px;'
        f'padding:1px 8px;font-weight:700">{escape(label)}</span>'
    )
    # An empty principal is the unnamed IAM user of a request that named none (spec §5.1 rev 3);
    # anonymous callers and service principals carry their own names.
    caller = (
        f"<code>{escape(result.principal)}</code>"
        if result.principal
        else "an unnamed IAM user (no principal given)"
    )
    request = f"<code>{escape(result.action)}</code> on <code>{escape(result.resource)}</code> by {caller}"
    layer_rows = "".join(
        f'<tr><td style="{cell}"><code>{escape(str(lv["layer"]))}</code></td>'
        f'<td style="{cell};color:{_VERDICT_STYLE.get(str(lv["verdict"]), "#1f2328")};font-weight:600">'
        f"{escape(str(lv['verdict']))}</td></tr>"
        for lv in result.layers
    )
    stmt_rows = "".join(
        f'<tr style="{"font-weight:600;" if s["decisive"] else "color:#57606a;"}">'
        f'<td style="{cell}">{"&#9733;" if s["decisive"] else ""}</td>'
        f'<td style="{cell}">{escape(str(s["effect"]))}</td>'
        f'<td style="{cell}"><code>{escape(str(s["layer"]))}</code></td>'
        f'<td style="{cell}">{escape(str(s["policy_name"] or "#" + str(s["policy_index"])))}</td>'
        f'<td style="{cell}">{escape(str(s["sid"] or "#" + str(s["statement_index"])))}</td>'
        f'<td style="{cell}">{s["line"]}:{s["column"]}</td></tr>'
        for s in result.matched_statements
    )
    th = f'style="{cell};background:#f6f8fa"'
    parts = [
        f'<div class="iamkit-evaluation" style="{_BOX}">',
        f'<div style="{_HEADER}">{badge} {request}</div>',
        f'<div style="padding:4px 8px;font-family:sans-serif">{escape(result.reason)}</div>',
    ]
    if layer_rows:
        parts.append(
            f'<table style="border-collapse:collapse;border:none;margin:4px 0"><thead><tr><th {th}>layer</th>'
            f"<th {th}>verdict</th></tr></thead><tbody>{layer_rows}</tbody></table>"
        )
    if stmt_rows:
        parts.append(
            f'<table style="border-collapse:collapse;border:none;margin:4px 0"><thead><tr><th {th}></th>'
            f"<th {th}>effect</th><th {th}>layer</th><th {th}>policy</th><th {th}>statement</th>"
            f"<th {th}>line:col</th></tr></thead><tbody>{stmt_rows}</tbody></table>"
        )
    parts.extend(_matched_documents(result))
    missing = result.missing_context_values
    if missing:
        parts.append(
            '<div style="padding:4px 8px;font-family:sans-serif">missing context values: '
            + ", ".join(f"<code>{escape(k)}</code>" for k in missing)
            + "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _matched_documents(result: EvaluationResult) -> list[str]:
    """The documents of the matched statements (when the result carries its policies), each
    with the matched statements marked at their lines; folded unless it decided."""
    by_policy: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for s in result.matched_statements:
        by_policy.setdefault((str(s["layer"]), int(s["policy_index"])), []).append(s)
    out: list[str] = []
    for (layer, index), stmts in by_policy.items():
        policy = result.policy(layer, index)
        if policy is None:
            continue
        decisive = any(s["decisive"] for s in stmts)
        name = escape(str(stmts[0]["policy_name"] or policy.name or f"policy #{index}"))
        out.append(
            f'<details{" open" if decisive else ""} style="padding:2px 8px;font-family:sans-serif">'
            f"<summary>{name} <code>{escape(layer)}</code></summary>{policy_html(policy, stmts)}</details>"
        )
    return out
