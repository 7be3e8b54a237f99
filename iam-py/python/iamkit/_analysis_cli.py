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


def _attachments(data: Any, arn: str) -> dict[str, str]:
    """Policy name -> how it applies to ``arn`` in the snapshot: ``direct``, ``direct, inline``,
    ``group G``, ``group G, inline`` or ``boundary``."""
    out: dict[str, str] = {}
    if not isinstance(data, dict):
        return out

    def entries(key: str) -> list[dict[str, Any]]:
        v = data.get(key, [])
        return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    groups = {g.get("GroupName"): g for g in entries("GroupDetailList")}
    for kind, key, inline in (
        ("user", "UserDetailList", "UserPolicyList"),
        ("role", "RoleDetailList", "RolePolicyList"),
    ):
        for e in entries(key):
            if e.get("Arn") != arn:
                continue
            for pol in e.get(inline) or []:
                out.setdefault(str(pol.get("PolicyName")), "direct, inline")
            for pol in e.get("AttachedManagedPolicies") or []:
                out.setdefault(str(pol.get("PolicyName")), "direct")
            pb = e.get("PermissionsBoundary") or {}
            if isinstance(pb, dict) and pb.get("PermissionsBoundaryArn"):
                out.setdefault(str(pb["PermissionsBoundaryArn"]).rsplit("/", 1)[-1], "boundary")
            member_of = (e.get("GroupList") or []) if kind == "user" else []
            for gname in member_of:
                g = groups.get(gname) or {}
                for pol in g.get("GroupPolicyList") or []:
                    out.setdefault(str(pol.get("PolicyName")), f"group {gname}, inline")
                for pol in g.get("AttachedManagedPolicies") or []:
                    out.setdefault(str(pol.get("PolicyName")), f"group {gname}")
    return out


def _kind(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    return resource.split("/", 1)[0]


def _write_csv(out: TextIO, header: list[str], rows: list[list[Any]]) -> None:
    import csv

    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


def cmd_what_can(args: argparse.Namespace, out: TextIO) -> int:
    if args.service:
        _check_services(args.service)
    data = _snapshot(args.account_file)
    account = _account(args.account_file)
    list_all = args.all and bool(args.principal)
    if args.principal:
        targets = [_resolve(account, p) for p in args.principal]
    elif args.all:
        # --all without a PRINCIPAL: every user and role (each listed in full).
        targets = account._native.principals()
        list_all = True
    else:
        raise cli.UsageError("what-can needs a PRINCIPAL (or --all for every user and role)")
    total = len(iamkit.expand_actions("*"))
    results = []
    for p in _progress(targets, "what-can"):
        if args.transitive:
            amap = _call(_analysis.what_can_transitive, account, p)
            details = dict(amap.details)
            gained = details.get("via", {})
            extra = []
            for action, v in gained.items():
                info = iamkit.action_info(action) or {}
                extra.append(
                    {
                        "action": action,
                        "service": action.split(":", 1)[0],
                        "access_level": info.get("access_level", ""),
                        "access": v["access"],
                        "grants": [],
                        "via": {"principal": v["principal"], "path": [str(s) for s in v["path"]]},
                    }
                )
            details["actions"] = list(details["actions"]) + extra
            details.pop("via", None)
            details.pop("reach", None)
        else:
            details = _call(_analysis.what_can_details, account, p)
        if not args.include_conditional:
            details["actions"] = [a for a in details["actions"] if a["access"] == "allowed"]
        if args.service:
            wanted = {s.lower() for s in args.service}
            details["actions"] = [a for a in details["actions"] if a["service"] in wanted]
        results.append(details)
    if args.format == "json":
        json.dump(
            results if len(results) > 1 or (args.all and not args.principal) else results[0], out, indent=2
        )
        out.write("\n")
        return cli.EXIT_OK
    if args.format == "csv":
        rows: list[list[Any]] = []
        for d in results:
            attach = _attachments(data, d["principal"])
            for a in d["actions"]:
                policies = sorted({d["statements"][g["statement"]]["policy"] for g in a["grants"]})
                rows.append(
                    [
                        d["principal"],
                        a["action"],
                        a["access_level"],
                        a["access"],
                        " ".join(sorted({r for g in a["grants"] for r in g["resources"]})),
                        " ".join(policies),
                        " ".join(sorted({attach.get(x, "?") for x in policies}))
                        or " -> ".join(a.get("via", {}).get("path", [])),
                    ]
                )
        _write_csv(
            out,
            ["principal", "action", "access_level", "access", "resources", "policies", "attachment"],
            rows,
        )
        return cli.EXIT_OK
    for d in results:
        attach = _attachments(data, d["principal"])
        acts = d["actions"]
        cond = sum(1 for a in acts if a["access"] == "conditional")
        services = len({a["service"] for a in acts})
        out.write(
            f"{d['principal']} ({_kind(d['principal'])}): {len(acts)} actions in {services} services "
            f"— {len(acts) - cond} allowed, {cond} conditional\n"
        )
        if len(acts) >= total and not args.service and not list_all:
            out.write(f"effectively admin: all {total:,} actions of the catalog (--all to list them)\n")
            continue
        for a in acts:
            resources = sorted({r for g in a["grants"] for r in g["resources"]})
            policies = sorted({d["statements"][g["statement"]]["policy"] for g in a["grants"]})
            mark = " (conditional)" if a["access"] == "conditional" else ""
            if a.get("via"):
                how = f"via role chain: {' ; '.join(a['via']['path'])}"
            else:
                how = "via " + ", ".join(f"{x} ({attach[x]})" if x in attach else x for x in policies)
            out.write(f"  {a['action']}\t{a['access_level']}{mark}\t{', '.join(resources)}\t{how}\n")
    return cli.EXIT_OK


def _how(s: dict[str, Any], attach: dict[str, str]) -> str:
    layer = s.get("layer", "")
    name = s.get("policy") or layer
    if layer == "permissions_boundary":
        where = "boundary"
    elif layer == "resource":
        where = "resource policy"
    elif layer.startswith(("scp", "rcp")):
        where = layer
    else:
        where = attach.get(str(name), "direct")
    return f"{name} statement #{s['statement']} ({where})"


def cmd_who_can(args: argparse.Namespace, out: TextIO) -> int:
    data = _snapshot(args.account_file)
    account = _account(args.account_file)
    context = _context(args.context)
    cli._check_action(args.action)
    actions = iamkit.expand_actions(args.action) if any(c in args.action for c in "*?") else [args.action]
    details: list[dict[str, Any]] = []
    if args.transitive:
        got = _call(
            _analysis.who_can_transitive,
            account,
            args.action,
            args.resource,
            context,
            include_conditional=args.include_conditional,
        )
        details = [{**d, "path": [str(s) for s in d["path"]]} for d in got.details]
    else:
        for a in _progress(actions, "who-can"):
            details.extend(_call(_analysis.who_can_details, account, a, args.resource, context))
    if not args.include_conditional:
        details = [d for d in details if d["access"] == "allowed"]
    if args.format == "json":
        json.dump(details, out, indent=2)
        out.write("\n")
        return cli.EXIT_OK
    attach_cache: dict[str, dict[str, str]] = {}

    def how(d: dict[str, Any]) -> str:
        holder = d.get("via", d["principal"])
        attach = attach_cache.setdefault(holder, _attachments(data, holder))
        grants = "; ".join(_how(s, attach) for s in d["statements"] if s["effect"] == "Allow")
        if d.get("path"):
            return f"via role chain: {' ; '.join(d['path'])}; then {grants or 'admin'}"
        return f"via {grants}"

    if args.format == "csv":
        rows = [[d["principal"], d["action"], d["access"], how(d)] for d in details]
        _write_csv(out, ["principal", "action", "access", "how"], rows)
        return cli.EXIT_OK
    principals = {d["principal"] for d in details}
    cond = sum(1 for d in details if d["access"] == "conditional")
    out.write(
        f"{args.action} on {args.resource}: {len(principals)} principals "
        f"({len(details) - cond} allowed, {cond} conditional grants)\n"
    )
    for d in details:
        mark = " (conditional)" if d["access"] == "conditional" else ""
        out.write(f"{d['principal']}\t{d['action']}{mark}\t{how(d)}\n")
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
    w.add_argument(
        "--all",
        action="store_true",
        help="list every action, even for an admin (without PRINCIPAL: every user and role)",
    )
    w.add_argument(
        "--transitive", action="store_true", help="add the actions of every principal it can become"
    )
    w.add_argument("--service", action="append", metavar="PREFIX", help="only these services (repeatable)")
    w.add_argument(
        "--no-conditional",
        dest="include_conditional",
        action="store_false",
        help="leave out conditional actions",
    )
    w.add_argument("--format", "-f", choices=("table", "text", "json", "csv"), default="table")
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
    c.add_argument(
        "--transitive",
        action="store_true",
        help="also principals that can become one allowed (with the path)",
    )
    c.add_argument("--format", "-f", choices=("table", "text", "json", "csv"), default="table")
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
