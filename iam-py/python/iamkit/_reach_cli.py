"""The ``reach``, ``privesc`` and ``report`` subcommands of the ``iamkit`` command line."""

from __future__ import annotations

import argparse
import csv
import json
from typing import Any, TextIO

from iamkit import _reach, _report, cli
from iamkit._analysis_cli import _account, _call, _resolve


def _write_csv(out: TextIO, header: list[str], rows: list[list[Any]]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


def _graph(account: Any) -> _reach.ReachGraph:
    graph: _reach.ReachGraph = _call(_reach.reach_graph, account)
    return graph


def cmd_reach(args: argparse.Namespace, out: TextIO) -> int:
    account = _account(args.account_file)
    arn = _resolve(account, args.principal)
    graph = _graph(account)
    paths = _call(graph.reach, arn)
    status = graph.admin_status(arn)
    if args.format == "json":
        json.dump({"principal": arn, "admin": status["status"], "paths": paths}, out, indent=2)
        out.write("\n")
        return cli.EXIT_OK
    if args.format == "csv":
        rows = [[p.target, len(p.steps), p["access"], str(p)] for p in paths]
        _write_csv(out, ["target", "steps", "access", "path"], rows)
        return cli.EXIT_OK
    out.write(f"{arn}: can become {len(paths)} principal(s)")
    if status["status"] == "direct":
        out.write(f" — an admin by itself ({status['grant']['method']}): it can become anyone\n")
        return cli.EXIT_OK
    if status["status"] == "escalation":
        out.write(f" — becomes an admin in {len(status['escalation'].steps)} step(s)")
    out.write("\n")
    for p in paths:
        cond = " (conditional)" if p["access"] == "conditional" else ""
        out.write(f"  {p.target}\t{len(p.steps)} step(s){cond}\n")
        for s in p.steps:
            out.write(f"    {s}: {s['description']}\n")
            for line in s.statements():
                out.write(f"      {line}\n")
    return cli.EXIT_OK


def cmd_privesc(args: argparse.Namespace, out: TextIO) -> int:
    account = _account(args.account_file)
    graph = _graph(account)
    if args.principal:
        arn = _resolve(account, args.principal)
        escalations = _call(graph.escalations, arn)
    else:
        escalations = graph.escalations()
    admins = graph.admins()
    if args.format == "json":
        json.dump({"admins": admins, "escalations": escalations}, out, indent=2)
        out.write("\n")
    elif args.format == "csv":
        rows: list[list[Any]] = [[a["arn"], "", "admin", 0, a["admin"]["method"], ""] for a in admins]
        rows += [
            [e.principal, e.target, e["access"], len(e.steps), e["rule"]["id"], str(e)] for e in escalations
        ]
        _write_csv(out, ["principal", "becomes", "access", "steps", "method", "path"], rows)
    else:
        principals = sum(1 for n in graph.nodes if n["kind"] in ("user", "role"))
        out.write(
            f"account {account.account_id}: {principals} users and roles, {len(admins)} admins by "
            f"themselves, {len(escalations)} can escalate to admin\n"
        )
        if admins and not args.principal:
            out.write("\nadmins (known, not escalation findings):\n")
            for a in admins:
                out.write(f"  {a['arn']}\t{a['admin']['method']} ({a['admin']['access']})\n")
        if escalations:
            out.write("\nescalations (shortest path each):\n")
        for e in escalations:
            cond = " (conditional)" if e["access"] == "conditional" else ""
            out.write(f"  {e.principal} -> {e.target}{cond}\n")
            for s in e.steps:
                out.write(f"    {s}: {s['description']}\n")
                if args.statements:
                    for line in s.statements():
                        out.write(f"      {line}\n")
    return cli.EXIT_FOUND if escalations and args.fail_on_escalation else cli.EXIT_OK


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    account = _account(args.account_file)
    try:
        exclusions = _report.load_exclusions(args.exclusions)
    except (OSError, ValueError) as e:
        raise cli.UsageError(f"--exclusions: {e}") from e
    report = _call(_report.risk_report, account, exclusions)
    try:
        written = report.write(args.out)
    except OSError as e:
        raise cli.UsageError(f"--out {args.out}: {e}") from e
    out.write(report.summary() + "\n")
    for ext in ("html", "json", "csv"):
        out.write(f"wrote {written[ext]}\n")
    return cli.EXIT_OK


def add_commands(sub: Any) -> None:
    """Adds ``reach``, ``privesc`` and ``report``."""
    formats = ("table", "json", "csv")
    r = sub.add_parser(
        "reach", help="whom a user or role can become (AssumeRole, PassRole, credentials, ...)"
    )
    r.add_argument("principal", metavar="PRINCIPAL", help="user / role ARN or name")
    r.add_argument(
        "--account-file", required=True, metavar="FILE", help="get-account-authorization-details JSON"
    )
    r.add_argument("--format", "-f", choices=(*formats, "text"), default="table")
    r.set_defaults(func=cmd_reach)

    p = sub.add_parser(
        "privesc", help="who is an admin, and who can escalate to admin (paths with statements)"
    )
    p.add_argument(
        "--account-file", required=True, metavar="FILE", help="get-account-authorization-details JSON"
    )
    p.add_argument("--principal", metavar="PRINCIPAL", help="only this user / role (ARN or name)")
    p.add_argument("--statements", action="store_true", help="print the enabling statements of each step")
    p.add_argument("--fail-on-escalation", action="store_true", help="exit 1 when an escalation exists")
    p.add_argument("--format", "-f", choices=(*formats, "text"), default="table")
    p.set_defaults(func=cmd_privesc)

    rep = sub.add_parser("report", help="risk report: one standalone HTML file plus JSON and CSV")
    rep.add_argument(
        "--account-file", required=True, metavar="FILE", help="get-account-authorization-details JSON"
    )
    rep.add_argument(
        "--out", default=".", metavar="DIR", help="directory for report.html/.json/.csv (default .)"
    )
    rep.add_argument(
        "--exclusions", metavar="FILE", help="JSON or YAML: principals, paths, policies, actions"
    )
    rep.set_defaults(func=cmd_report)
