"""The ``what-can``, ``who-can`` and ``diff`` subcommands of the ``iamkit`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

import iamkit
from iamkit import _analysis, _kinds, cli
from iamkit._cli_eval import _context

T = TypeVar("T")


def _progress(items: list[T], label: str) -> Iterator[T]:
    """Yields ``items``, drawing a progress bar on stderr when it is a terminal and the run is
    long enough to matter."""
    err = sys.stderr
    show = len(items) > 1 and err.isatty()
    for i, x in enumerate(items):
        if show:
            width = 30
            done = (i * width) // len(items)
            err.write(f"\r{label} [{'#' * done}{'.' * (width - done)}] {i}/{len(items)}")
            err.flush()
        yield x
    if show:
        err.write("\r" + " " * (len(label) + 50) + "\r")
        err.flush()


def _snapshot(path: str) -> Any:
    """The parsed get-account-authorization-details JSON of ``--account-file``; a usage error
    naming what the file holds when it is not a snapshot (a policy, empty, not JSON, ...)."""
    try:
        return _kinds.snapshot_text(cli._read(path), cli._display_name(path))
    except iamkit.WrongDocumentError as e:
        raise cli.UsageError(str(e)) from e


def _account(path: str) -> iamkit.Account:
    data = _snapshot(path)
    try:
        return iamkit.Account.from_authorization_details(data)
    except (ValueError, iamkit.IamClientError) as e:
        raise cli.UsageError(f"{cli._display_name(path)}: {e}") from e


def _resolve(account: iamkit.Account, name: str) -> str:
    """A principal ARN from an ARN or a user / role name (as ``Account.resolve_principal``)."""
    arn: str = _call(account.resolve_principal, name)
    return arn


def _check_services(prefixes: list[str]) -> None:
    for prefix in prefixes:
        try:
            iamkit.check_action(f"{prefix}:*")
        except iamkit.UnknownActionError as e:
            near = [s.split(":", 1)[0] for s in e.suggestions]
            hint = f" — did you mean {' or '.join(near)}?" if near else ""
            raise cli.UsageError(
                f"unknown service prefix {prefix!r} in --service: not in the bundled catalog "
                f"(a typo, or a service newer than the catalog){hint}"
            ) from e


def _call(f: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return f(*args, **kwargs)
    except (ValueError, iamkit.IamClientError) as e:
        raise cli.UsageError(str(e)) from e


def cmd_what_can(args: argparse.Namespace, out: TextIO) -> int:
    if args.service:
        _check_services(args.service)
    account = _account(args.account_file)
    if args.all:
        targets: list[str] = account._native.principals()
    elif args.principal:
        targets = [_resolve(account, p) for p in args.principal]
    else:
        raise cli.UsageError("what-can needs a PRINCIPAL or --all")
    results = []
    for p in _progress(targets, "what-can"):
        details = _call(_analysis.what_can_details, account, p)
        if not args.include_conditional:
            details["actions"] = [a for a in details["actions"] if a["access"] == "allowed"]
        if args.service:
            wanted = {s.lower() for s in args.service}
            details["actions"] = [a for a in details["actions"] if a["service"] in wanted]
        results.append(details)
    if args.format == "json":
        json.dump(results if args.all or len(results) > 1 else results[0], out, indent=2)
        out.write("\n")
        return cli.EXIT_OK
    for d in results:
        out.write(f"{d['principal']}: {len(d['actions'])} actions\n")
        for a in d["actions"]:
            resources = sorted({r for g in a["grants"] for r in g["resources"]})
            policies = sorted({d["statements"][g["statement"]]["policy"] for g in a["grants"]})
            cond = " (conditional)" if a["access"] == "conditional" else ""
            where = ", ".join(resources)
            out.write(f"  {a['action']}\t{a['access_level']}{cond}\t{where}\tvia {', '.join(policies)}\n")
    return cli.EXIT_OK


def cmd_who_can(args: argparse.Namespace, out: TextIO) -> int:
    account = _account(args.account_file)
    context = _context(args.context)
    cli._check_action(args.action)
    actions = iamkit.expand_actions(args.action) if any(c in args.action for c in "*?") else [args.action]
    details: list[dict[str, Any]] = []
    for a in _progress(actions, "who-can"):
        details.extend(_call(_analysis.who_can_details, account, a, args.resource, context))
    if not args.include_conditional:
        details = [d for d in details if d["access"] == "allowed"]
    if args.format == "json":
        json.dump(details, out, indent=2)
        out.write("\n")
        return cli.EXIT_OK
    for d in details:
        via = "; ".join(
            f"{s.get('policy') or s['layer']} statement #{s['statement']}"
            for s in d["statements"]
            if s["effect"] == "Allow"
        )
        cond = " (conditional)" if d["access"] == "conditional" else ""
        out.write(f"{d['principal']}\t{d['action']}{cond}\tvia {via}\n")
    return cli.EXIT_OK


def _version_document(account_file: str, policy: str, version: str) -> dict[str, Any]:
    data = _snapshot(account_file)
    for p in data.get("Policies", []):
        if policy in (p.get("Arn"), p.get("PolicyName")):
            for v in p.get("PolicyVersionList", []):
                if v.get("VersionId") == version:
                    doc = v.get("Document")
                    if isinstance(doc, str):
                        from urllib.parse import unquote

                        doc = json.loads(unquote(doc))
                    if not isinstance(doc, dict):
                        raise cli.UsageError(f"version {version} of {policy} has no document")
                    return doc
            raise cli.UsageError(f"{policy} has no version {version!r} in {cli._display_name(account_file)}")
    raise cli.UsageError(f"no managed policy {policy!r} in {cli._display_name(account_file)}")


def _policy_file(path: str) -> bytes:
    """A policy file's bytes; a usage error naming what the file holds when it is another kind
    of document (a snapshot, an ``aws iam get-*`` response, empty)."""
    data = cli._read(path)
    kind, value = _kinds.kind_of_text(data)
    try:
        if kind.name == "empty":
            raise iamkit.WrongDocumentError(
                f"{cli._display_name(path)}: got {kind.what}, wanted a policy document"
            )
        if value is not None:
            _kinds.require_policy(value, cli._display_name(path))
    except iamkit.WrongDocumentError as e:
        raise cli.UsageError(str(e)) from e
    return data


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    if args.account_file:
        if not args.policy:
            raise cli.UsageError("with --account-file, diff compares two versions of --policy (name or ARN)")
        a: Any = _version_document(args.account_file, args.policy, args.a)
        b: Any = _version_document(args.account_file, args.policy, args.b)
    else:
        a, b = _policy_file(args.a), _policy_file(args.b)
    d = _call(iamkit.diff_policies, a, b)
    if args.format == "json":
        json.dump(d, out, indent=2)
        out.write("\n")
    else:
        _write_lines(out, "only A", d["only_a"])
        _write_lines(out, "only B", d["only_b"])
        for side, key in (("A", "resources_only_a"), ("B", "resources_only_b")):
            for action, res in d[key].items():
                out.write(f"resources only {side}\t{action}\t{', '.join(res)}\n")
        for action, x, y in d["access_changed"]:
            out.write(f"access changed\t{action}\t{x} -> {y}\n")
        for c in d["statements"]:
            out.write(_statement_line(c))
    differs = any(
        d[k]
        for k in ("only_a", "only_b", "resources_only_a", "resources_only_b", "access_changed", "statements")
    )
    from iamkit._policy_diff import widens

    wider = bool(d["only_b"] or d["resources_only_b"]) or any(
        x == "conditional" and y == "allowed" for _, x, y in d["access_changed"]
    )
    wider = wider or widens(d["statements"])
    if args.fail_on_widening and wider:
        return cli.EXIT_FOUND
    return cli.EXIT_FOUND if differs and args.fail_on_difference else cli.EXIT_OK


def _statement_line(c: dict[str, Any]) -> str:
    """One text line of a statement change: ``statement changed  Sid|#i  what``."""
    who = (
        f"Sid {c['sid']}"
        if c.get("sid")
        else f"#{c['b_index'] if c['b_index'] is not None else c['a_index']}"
    )
    if c["change"] != "changed":
        return f"statement {c['change']}\t{who}\t{c['effect']}\n"
    parts: list[str] = []
    for key, label in (
        ("resources_widened", "resources widened"),
        ("resources_narrowed", "resources narrowed"),
        ("actions_widened", "actions widened"),
        ("actions_narrowed", "actions narrowed"),
    ):
        if key in c:
            parts.append(f"{label}: {', '.join(c[key])}")
    for key, label in (("conditions_dropped", "condition dropped"), ("conditions_added", "condition added")):
        for cond in c.get(key, []):
            parts.append(f"{label}: {cond['operator']} {cond['key']}")
    for cond in c.get("conditions_changed", []):
        parts.append(f"condition changed: {cond['operator']} {cond['key']} {cond['a']} -> {cond['b']}")
    for key in ("effect_changed", "action_element", "resource_element", "principal"):
        if key in c:
            parts.append(f"{key.replace('_', ' ')}: {c[key][0]} -> {c[key][1]}")
    return f"statement changed\t{who}\t{'; '.join(parts)}\n"


def _write_lines(out: TextIO, label: str, items: Iterable[str]) -> None:
    for x in items:
        out.write(f"{label}\t{x}\n")


def add_commands(sub: Any) -> None:
    """Adds ``what-can``, ``who-can`` and ``diff``."""
    w = sub.add_parser("what-can", help="what a user or role can do (from get-account-authorization-details)")
    w.add_argument("principal", nargs="*", metavar="PRINCIPAL", help="user / role ARN or name")
    w.add_argument(
        "--account-file", required=True, metavar="FILE", help="get-account-authorization-details JSON"
    )
    w.add_argument("--all", action="store_true", help="every user and role")
    w.add_argument("--service", action="append", metavar="PREFIX", help="only these services (repeatable)")
    w.add_argument(
        "--no-conditional",
        dest="include_conditional",
        action="store_false",
        help="leave out conditional actions",
    )
    w.add_argument("--format", "-f", choices=("text", "json"), default="text")
    w.set_defaults(func=cmd_what_can)

    c = sub.add_parser(
        "who-can", help="which users and roles can do an action (pattern: one line per action)"
    )
    c.add_argument("action", metavar="ACTION", help="action or pattern, e.g. iam:PassRole or s3:Put*")
    c.add_argument("--resource", "-r", default="*", help="resource ARN (default '*')")
    c.add_argument(
        "--account-file", required=True, metavar="FILE", help="get-account-authorization-details JSON"
    )
    c.add_argument(
        "--context", "-c", action="append", default=[], metavar="KEY=VALUE", help="condition key (repeatable)"
    )
    c.add_argument(
        "--no-conditional",
        dest="include_conditional",
        action="store_false",
        help="leave out conditional grants",
    )
    c.add_argument("--format", "-f", choices=("text", "json"), default="text")
    c.set_defaults(func=cmd_who_can)

    d = sub.add_parser(
        "diff", help="what two policies (or two versions of a managed policy) allow differently"
    )
    d.add_argument("a", metavar="A", help="policy file, or a version id with --account-file")
    d.add_argument("b", metavar="B", help="policy file, or a version id with --account-file")
    d.add_argument(
        "--account-file", metavar="FILE", help="get-account-authorization-details JSON holding --policy"
    )
    d.add_argument("--policy", metavar="NAME_OR_ARN", help="managed policy whose versions A and B to compare")
    d.add_argument("--fail-on-difference", action="store_true", help="exit 1 when the two differ")
    d.add_argument(
        "--fail-on-widening",
        action="store_true",
        help="exit 1 when B may grant more than A: new actions or resources, an Allow statement widened or "
        "left without a condition, a Deny removed or narrowed",
    )
    d.add_argument("--format", "-f", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_diff)
