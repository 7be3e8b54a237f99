"""The ``simulate`` subcommand of the ``iamkit`` command line (``demo`` is in ``_demo``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

import iamkit
from iamkit import cli


def _load(path: str, policy_type: str) -> iamkit.Policy:
    data = cli._read(path)
    try:
        return iamkit.Policy.from_json(data, policy_type=policy_type, name=cli._display_name(path))
    except iamkit.PolicyParseError as e:
        raise cli.UsageError(f"{cli._display_name(path)}:{e}") from e


def _context(pairs: list[str]) -> dict[str, object]:
    ctx: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise cli.UsageError(f"--context expects KEY=VALUE, got {pair!r}")
        if key in ctx:
            prev = ctx[key]
            ctx[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            ctx[key] = value
    return ctx


def cmd_simulate(args: argparse.Namespace, out: TextIO) -> int:
    identity = [_load(p, "identity") for p in args.policies]
    resource = _load(args.resource_policy, "resource") if args.resource_policy else None
    boundary = _load(args.boundary, "permissions_boundary") if args.boundary else None
    session = [_load(p, "session") for p in args.session_policy]
    scps = [[_load(p, "scp")] for p in args.scp]
    rcps = [[_load(p, "rcp")] for p in args.rcp]
    context = _context(args.context)
    try:
        engine = iamkit.Engine(
            identity_policies=identity,
            resource_policy=resource,
            permissions_boundary=boundary,
            session_policies=session,
            scps=scps,
            rcps=rcps,
        )
        results = [
            engine.evaluate(
                action=action,
                resource=res,
                principal=args.principal,
                context=context,
                resource_account=args.resource_account,
                role_arn=args.role_arn,
            )
            for action in args.action
            for res in (args.resource or ["*"])
        ]
    except ValueError as e:
        raise cli.UsageError(str(e)) from e
    if args.principal is None:
        # Spec §5.1 (rev 3): no principal is an unnamed IAM user, never the root user.
        print(
            "iamkit: note: no --principal given: evaluated as an unnamed IAM user of the resource's "
            "account holding exactly these policies, as AWS's policy simulator does without CallerArn",
            file=sys.stderr,
        )
    if args.format == "json":
        json.dump([r.to_dict() for r in results], out, indent=2)
        out.write("\n")
    else:
        for r in results:
            out.write(f"{r.decision}\t{r.action}\t{r.resource}\n")
            if args.explain:
                for line in r.explain().splitlines():
                    out.write(f"    {line}\n")
    denied = any(not r.allowed for r in results)
    return cli.EXIT_FOUND if (denied and args.fail_on_deny) else cli.EXIT_OK


def add_commands(sub: Any) -> None:
    """Adds ``simulate`` to the subcommand parser."""
    s = sub.add_parser("simulate", help="decide requests against policy files")
    s.add_argument("policies", nargs="*", metavar="POLICY", help="identity policy files ('-' reads stdin)")
    s.add_argument(
        "--action", "-a", action="append", required=True, help="action, e.g. s3:GetObject (repeatable)"
    )
    s.add_argument("--resource", "-r", action="append", help="resource ARN (repeatable; default '*')")
    s.add_argument(
        "--principal",
        "-p",
        help="caller ARN, account id (= its root user), service principal or 'anonymous'; "
        "default: an unnamed IAM user of the resource's account holding the given policies",
    )
    s.add_argument(
        "--role-arn",
        metavar="ARN",
        help="the role ARN with its path, when --principal is a session of a role that has a path",
    )
    s.add_argument("--resource-account", help="account that owns the resource")
    s.add_argument(
        "--context", "-c", action="append", default=[], metavar="KEY=VALUE", help="condition key (repeatable)"
    )
    s.add_argument("--resource-policy", metavar="FILE", help="resource-based (or trust) policy file")
    s.add_argument("--boundary", metavar="FILE", help="permissions boundary policy file")
    s.add_argument(
        "--session-policy", action="append", default=[], metavar="FILE", help="session policy file"
    )
    s.add_argument(
        "--scp", action="append", default=[], metavar="FILE", help="SCP file, one level each, root first"
    )
    s.add_argument(
        "--rcp", action="append", default=[], metavar="FILE", help="RCP file, one level each, root first"
    )
    s.add_argument("--format", "-f", choices=("text", "json"), default="text")
    s.add_argument("--explain", action="store_true", help="print why after each decision")
    s.add_argument("--fail-on-deny", action="store_true", help="exit 1 when any request is denied")
    s.set_defaults(func=cmd_simulate)
