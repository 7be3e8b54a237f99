"""From observed calls to a policy: ``iamkit.policy_from_log`` and the ``iamkit policy-from-log``
command (issue #12).

The input is the decision log of ``iamkit serve --log FILE``: JSON lines, one object per
authorization check, with at least ``"principal"`` (the caller's ARN or null), ``"action"``
(``"iam:CreateUser"``), ``"resource"`` (an ARN) and ``"decision"`` (``"allowed"``,
``"explicitDeny"`` or ``"implicitDeny"``). The work is done in Rust
(``iam_analysis::policy_from_log``): one ``Allow`` statement per set of resources, the logged
ARNs kept exact (``*``, ``?`` and ``$`` escaped as ``${*}``, ``${?}``, ``${$}``), ``"*"`` only for
actions that have no resource types in the service catalog; the policy is validated (no
``ERROR`` or ``SECURITY_WARNING`` finding) and every logged request re-evaluated against it
(all allowed) before it is returned.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any, TextIO

from iamkit import _native

__all__ = ["DecisionLogError", "add_command", "policy_from_log"]

DECISIONS = ("all", "allowed", "denied")


class DecisionLogError(ValueError):
    """A decision log that cannot be turned into a policy: ``line`` is the 1-based line at
    fault (0 when the fault is not one line's, such as no call of the principal)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def policy_from_log(
    log: str | bytes | os.PathLike[str], principal: str, *, decisions: str = "all"
) -> dict[str, Any]:
    """The least-privilege identity policy covering the calls ``principal`` made in a decision
    log (text, bytes, or the path of a file as an ``os.PathLike``).

    ``principal`` is an ARN; a role ARN also covers the sessions of that role. ``decisions``
    is ``"all"`` (default: allowed and denied calls), ``"allowed"`` or ``"denied"``. Returns
    ``{"policy": dict, "policy_json": str, "statements": [{"actions", "resources"}],
    "requests": int, "distinct": [{"principal", "action", "resource", "decision"}],
    "denied": int, "lines": int, "warnings": [{"line", "message"}]}``; raises
    :class:`DecisionLogError` naming the line of a malformed record. A record cut short when
    the server was killed while writing it (the start of a JSON object without its end) is not
    an error: it is skipped and listed in ``warnings`` with its line.

    >>> log = ('{"principal": "arn:aws:iam::111122223333:user/alice", "action": "iam:GetUser", '
    ...        '"resource": "arn:aws:iam::111122223333:user/alice", "decision": "allowed"}')
    >>> p = policy_from_log(log, "arn:aws:iam::111122223333:user/alice")
    >>> p["policy"]["Statement"][0]["Action"]
    ['iam:GetUser']
    >>> policy_from_log("[1]", "arn:aws:iam::111122223333:user/alice")
    Traceback (most recent call last):
    ...
    iamkit._policy_from_log.DecisionLogError: line 1: expected a JSON object (one decision record per line)
    """
    if not isinstance(principal, str):
        raise TypeError(f"principal: expected an ARN (str), got {type(principal).__name__}")
    if decisions not in DECISIONS:
        raise ValueError(f"decisions={decisions!r}: expected one of {', '.join(map(repr, DECISIONS))}")
    data: str | bytes
    if isinstance(log, os.PathLike):
        with open(log, "rb") as fh:
            data = fh.read()
    elif isinstance(log, (str, bytes)):
        data = log
    else:
        raise TypeError(f"log: expected str, bytes or an os.PathLike path, got {type(log).__name__}")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise DecisionLogError(line, f"not UTF-8 text (byte {e.start})") from None
    else:
        text = data
    out: dict[str, Any] = _native._policy_from_log(text, principal, decisions)
    if "error" in out:
        raise DecisionLogError(int(out["error"]["line"]), str(out["error"]["message"]))
    return out


# ---- CLI ----------------------------------------------------------------------------------------


def _write_atomically(path: str, text: str) -> None:
    """Writes ``text`` to ``path`` through a temporary file in the same directory: either the
    whole policy is there or the file is untouched."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".policy-from-log-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _text_report(p: dict[str, Any], principal: str, log_name: str) -> str:
    lines = [
        f"{log_name}: {p['requests']} call(s) of {principal} "
        f"({len(p['distinct'])} distinct, {p['denied']} denied when logged) in {p['lines']} record(s)",
        f"{len(p['statements'])} statement(s); validated (no ERROR or SECURITY_WARNING finding); "
        "every logged request re-evaluated: allowed",
    ]
    denied = [r for r in p["distinct"] if r["decision"] != "allowed"]
    if denied:
        lines.append(
            f"includes {len(denied)} call(s) denied when logged (--exclude-denied leaves them out; "
            "an explicit Deny elsewhere still applies):"
        )
        lines.extend(f"  {r['action']} on {r['resource']} ({r['decision']})" for r in denied)
    for i, s in enumerate(p["statements"], 1):
        lines.append(f"  Observed{i}: Allow {', '.join(s['actions'])}")
        lines.extend(f"      on {r}" for r in s["resources"])
    lines.append("")
    lines.append(p["policy_json"].rstrip("\n"))
    return "\n".join(lines) + "\n"


def cmd_policy_from_log(args: argparse.Namespace, out: TextIO) -> int:
    from iamkit import cli

    decisions = "denied" if args.only_denied else "allowed" if args.exclude_denied else "all"
    data = cli._read(args.log)
    name = cli._display_name(args.log)
    try:
        p = policy_from_log(data, args.principal, decisions=decisions)
    except DecisionLogError as e:
        where = f"{name}:{e.line}: " if e.line else f"{name}: "
        print(f"iamkit: error: {where}{e.message}", file=sys.stderr)
        return cli.EXIT_USAGE
    for w in p.get("warnings", []):
        print(f"iamkit: warning: {name}:{w['line']}: {w['message']}", file=sys.stderr)
    text = p["policy_json"] if args.format == "json" else _text_report(p, args.principal, name)
    if args.output:
        try:
            _write_atomically(args.output, p["policy_json"])
        except OSError as e:
            raise cli.UsageError(f"cannot write {args.output}: {e.strerror or e}") from e
        if args.format == "text":
            out.write(text)
    else:
        out.write(text)
    return cli.EXIT_OK


def add_command(sub: Any) -> None:
    """Adds ``policy-from-log`` to the ``iamkit`` subcommands."""
    p = sub.add_parser(
        "policy-from-log",
        help="least-privilege identity policy from the decision log of `iamkit serve`",
        description=(
            "Writes the least-privilege identity policy covering exactly the calls that PRINCIPAL "
            "made (allowed and denied, unless filtered) in a decision log of `iamkit serve --log`. "
            "Logged resource ARNs are kept exact; '*' only for actions without resource types."
        ),
    )
    p.add_argument("log", metavar="LOG", help="decision log (JSON lines; '-' reads stdin)")
    p.add_argument(
        "--principal",
        required=True,
        metavar="ARN",
        help="the caller's ARN (a role ARN also covers its sessions)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--include-denied",
        action="store_true",
        help="cover allowed and denied calls (the default)",
    )
    g.add_argument("--exclude-denied", action="store_true", help="cover only the calls that were allowed")
    g.add_argument(
        "--only-denied", action="store_true", help="cover only the denied calls (what was missing)"
    )
    p.add_argument(
        "--format",
        "-f",
        choices=("json", "text"),
        default="json",
        help="json: the policy document (default); text: a summary followed by the policy",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the policy to FILE (atomically; nothing is written when the log is malformed)",
    )
    p.set_defaults(func=cmd_policy_from_log)
