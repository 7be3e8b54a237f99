"""``iamkit check no-new-access | access-not-granted | no-public-access``: IAM Access Analyzer's
custom policy checks on the command line.

Exit codes: 0 PASS; 1 FAIL (or a policy that is not a policy: its finding is printed, never a
PASS); 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from iamkit import _checks, _native, cli
from iamkit._errors import PolicyParseError

COMMANDS = ("no-new-access", "access-not-granted", "no-public-access")

_EPILOG = (
    "exit codes: 0 PASS (proved: no request is newly allowed / granted / public); "
    "1 FAIL (might be: each reason names the statement and, when found, a request the evaluator "
    "confirms) or a policy that does not parse; 2 usage or I/O error"
)


def _policy_type(value: str) -> str:
    v = value.upper().replace("-", "_")
    if v in ("IDENTITY", "RESOURCE"):
        v += "_POLICY"
    if v not in ("IDENTITY_POLICY", "RESOURCE_POLICY"):
        raise argparse.ArgumentTypeError("expected identity or resource (IDENTITY_POLICY / RESOURCE_POLICY)")
    return v


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``iamkit check <custom check>``."""
    p = cli._Parser(
        prog="iamkit check",
        description="IAM Access Analyzer's custom policy checks, offline and sound.",
        epilog=_EPILOG,
    )
    sub = p.add_subparsers(dest="check", metavar="CHECK", parser_class=cli._Parser)
    sub.required = True
    n = sub.add_parser(
        "no-new-access",
        help="does NEW allow anything OLD does not? (CheckNoNewAccess)",
        epilog=_EPILOG,
    )
    n.add_argument("old", metavar="OLD", help="the existing policy ('-' reads stdin)")
    n.add_argument("new", metavar="NEW", help="the updated policy")
    n.add_argument(
        "--policy-type",
        "-t",
        type=_policy_type,
        default="IDENTITY_POLICY",
        metavar="T",
        help="identity (default) or resource",
    )
    a = sub.add_parser(
        "access-not-granted",
        help="does POLICY grant any of the listed actions/resources? (CheckAccessNotGranted)",
        epilog=_EPILOG,
    )
    a.add_argument("policy", metavar="POLICY", help="the policy ('-' reads stdin)")
    a.add_argument(
        "--action",
        "-a",
        action="append",
        default=[],
        metavar="A",
        help="an action (patterns allowed); repeatable",
    )
    a.add_argument(
        "--resource",
        "-r",
        action="append",
        default=[],
        metavar="R",
        help="a resource ARN (patterns allowed); repeatable",
    )
    a.add_argument(
        "--policy-type",
        "-t",
        type=_policy_type,
        default="IDENTITY_POLICY",
        metavar="T",
        help="identity (default) or resource",
    )
    pub = sub.add_parser(
        "no-public-access",
        help="does a resource POLICY grant public access? (CheckNoPublicAccess)",
        epilog=_EPILOG,
    )
    pub.add_argument("policy", metavar="POLICY", help="the resource policy ('-' reads stdin)")
    pub.add_argument(
        "--resource-type",
        "-R",
        required=True,
        metavar="T",
        help=f"one of: {', '.join(_checks.PUBLIC_RESOURCE_TYPES)}",
    )
    for s in (n, a, pub):
        s.add_argument("--format", "-f", choices=("text", "json"), default="text")
    return p


def _text(path: str) -> str:
    data = cli._read(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise cli.UsageError(f"{cli._display_name(path)}: not UTF-8 ({e})") from e


def _parse_failure(path: str, e: PolicyParseError, fmt: str, out: TextIO) -> int:
    name = cli._display_name(path)
    if fmt == "json":
        json.dump(
            {
                "result": "FAIL",
                "message": "The policy document does not parse.",
                "file": name,
                "finding": {
                    "code": e.code,
                    "severity": "ERROR",
                    "message": e.message,
                    "line": e.line,
                    "column": e.column,
                    "path": e.path,
                },
            },
            out,
            indent=2,
        )
        out.write("\n")
    else:
        out.write(f"{name}:{e.line}:{e.column}: ERROR {e.code} {e.message}\n")
        out.write("FAIL: the policy document does not parse, so nothing can be proved about it\n")
    return cli.EXIT_FOUND


def _report(raw: dict[str, Any], file: str, fmt: str, out: TextIO) -> int:
    resp = _checks.reshape(raw)
    if fmt == "json":
        resp.pop("ResponseMetadata", None)
        json.dump({"file": file, **resp}, out, indent=2)
        out.write("\n")
    else:
        out.write(f"{resp['result']}: {resp['message']}\n")
        for r, extra in zip(resp["reasons"], resp["iamkit"]["reasons"], strict=True):
            loc = extra.get("location")
            where = f"{file}:{loc['line']}:{loc['column']}: " if loc else f"{file}: "
            out.write(f"{where}{r['description']}\n")
    return cli.EXIT_OK if resp["result"] == "PASS" else cli.EXIT_FOUND


def run(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Runs ``iamkit check CHECK ...`` (``argv`` starts at CHECK); returns the exit code."""
    out = sys.stdout if out is None else out
    args = build_parser().parse_args(list(argv))
    try:
        if args.check == "no-new-access":
            old, new = _text(args.old), _text(args.new)
            for path, text in ((args.old, old), (args.new, new)):
                try:
                    _native.Policy.from_json(text, policy_type=_kind(args.policy_type))
                except PolicyParseError as e:
                    return _parse_failure(path, e, args.format, out)
            raw = _native._check_no_new_access(new, old, args.policy_type)
            return _report(raw, cli._display_name(args.new), args.format, out)
        if args.check == "access-not-granted":
            if not args.action and not args.resource:
                raise cli.UsageError("give at least one --action or --resource")
            text = _text(args.policy)
            try:
                raw = _native._check_access_not_granted(
                    text, [(args.action, args.resource)], args.policy_type
                )
            except PolicyParseError as e:
                return _parse_failure(args.policy, e, args.format, out)
            return _report(raw, cli._display_name(args.policy), args.format, out)
        if args.resource_type not in _checks.PUBLIC_RESOURCE_TYPES:
            raise cli.UsageError(
                f"unknown resource type {args.resource_type!r}; expected one of: "
                + ", ".join(_checks.PUBLIC_RESOURCE_TYPES)
            )
        text = _text(args.policy)
        try:
            raw = _native._check_no_public_access(text, args.resource_type)
        except PolicyParseError as e:
            return _parse_failure(args.policy, e, args.format, out)
        return _report(raw, cli._display_name(args.policy), args.format, out)
    except cli.UsageError as e:
        print(f"iamkit: error: {e}", file=sys.stderr)
        return cli.EXIT_USAGE
    except OSError as e:
        print(f"iamkit: error: {e}", file=sys.stderr)
        return cli.EXIT_USAGE


def _kind(policy_type: str) -> str:
    return "identity" if policy_type == "IDENTITY_POLICY" else "resource"
