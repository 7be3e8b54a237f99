"""The ``iamkit`` command line (also ``python -m iamkit``).

Exit codes: 0 ok; 1 the check found errors (or the request was denied with ``--fail-on-deny``);
2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

import iamkit

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2

VALIDATE_DESCRIPTION = """\
Validate IAM policy documents offline with IAM Access Analyzer's checks (issue codes, positions)
plus iamkit's exposure checks, and fail a CI job on the findings that matter.

Text output is compiler-style: LOCATION:LINE:COLUMN: TYPE CODE message. A policy inside a
snapshot is located as SNAPSHOT#role/NAME/POLICY (role/NAME/trust for a trust policy,
policy/NAME for a managed policy), with line and column inside the policy printed with
four-space indentation."""

VALIDATE_EPILOG = """\
exit codes:
  0  no failing finding
  1  at least one failing finding (--fail-on; by default ERROR or SECURITY_WARNING, as AWS's
     cfn-policy-validator); a document that is not a policy (JSON_SYNTAX_ERROR,
     NOT_A_POLICY_DOCUMENT) always fails
  2  usage or I/O error (unreadable file, unknown option value, nothing to validate)

formats: text; json (a list of findings); sarif (SARIF 2.1.0 for code scanning: helpUri per
rule, security-severity ERROR 8.0 / SECURITY_WARNING 7.0 / WARNING 4.0 / SUGGESTION 2.0);
accessanalyzer (what `aws accessanalyzer validate-policy --output json` prints, per document)."""


class UsageError(Exception):
    """A usage or I/O problem: reported on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from e


def _display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _check_action(action: str) -> None:
    """Usage error (exit 2) with a "did you mean" when ``action`` (a name or pattern) matches
    nothing in the bundled catalog."""
    try:
        iamkit.check_action(action)
    except iamkit.UnknownActionError as e:
        raise UsageError(str(e)) from e


def _check_policy_type(name: str) -> str:
    try:
        iamkit.validate("{}", policy_type=name)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return name


# ---- validate -----------------------------------------------------------------------------------


def sarif_log(results: Sequence[tuple[str, Sequence[iamkit.Finding]]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings of several files (see :func:`iamkit._gate.sarif_log`)."""
    from iamkit import _gate

    docs = [_gate.Document(_display_name(p), p, "", "identity", findings=list(fs)) for p, fs in results]
    return _gate.sarif_log(docs)


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from iamkit import _gate

    policy_type = _check_policy_type(args.type)
    try:
        fail_on = _gate.parse_severities(args.fail_on, "--fail-on") if args.fail_on else _gate.DEFAULT_FAIL_ON
        (min_severity,) = _gate.parse_severities([args.min_severity], "--min-severity") or ("SUGGESTION",)
        return _gate.run(
            paths=args.files,
            snapshots=args.snapshot or [],
            policy_type=policy_type,
            include=args.include or ["*.json"],
            exclude=args.exclude or [],
            fail_on=fail_on,
            min_severity=min_severity,
            ignore=args.ignore_finding or [],
            fmt=args.format,
            out=out,
            account_id=args.account_id,
            resource_type=args.resource_type,
        )
    except _gate.GateUsageError as e:
        raise UsageError(str(e)) from e
    except ValueError as e:  # e.g. `--min-severity A,B`
        raise UsageError(str(e)) from e


# ---- check --------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    if args.kind not in iamkit.SAVE_KINDS:
        raise UsageError(f"invalid kind {args.kind!r}: expected one of {', '.join(iamkit.SAVE_KINDS)}")
    data = _read(args.file)
    name = _display_name(args.file)
    try:
        iamkit.check_iam_policy(data, kind=args.kind)
    except iamkit.MalformedPolicyDocument as e:
        if args.format == "json":
            json.dump(
                {
                    "file": name,
                    "ok": False,
                    "code": e.code,
                    "message": e.message,
                    "line": e.line,
                    "column": e.column,
                },
                out,
            )
            out.write("\n")
        else:
            where = f"{e.line}:{e.column}:" if e.line is not None else ""
            out.write(f"{name}:{where} {e.code}: {e.message}\n")
        return EXIT_FOUND
    if args.format == "json":
        json.dump({"file": name, "ok": True}, out)
        out.write("\n")
    else:
        out.write(f"{name}: ok ({args.kind})\n")
    return EXIT_OK


# ---- main ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``iamkit`` command."""
    p = _Parser(prog="iamkit", description="Offline AWS IAM engine: validate, check and simulate policies.")
    p.add_argument("--version", action="version", version=f"iamkit {iamkit.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    v = sub.add_parser(
        "validate",
        help="validate policy documents (Access Analyzer-style findings); the CI gate",
        description=VALIDATE_DESCRIPTION,
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument(
        "files",
        nargs="*",
        metavar="PATH",
        help="policy JSON files, directories (searched recursively) or '-' (stdin)",
    )
    v.add_argument(
        "--type",
        "--policy-type",
        "-t",
        dest="type",
        default="identity",
        metavar="T",
        help=f"policy type of the files: {', '.join(iamkit.POLICY_TYPES)} (default: identity)",
    )
    v.add_argument(
        "--snapshot",
        action="append",
        metavar="FILE",
        help="validate every inline, managed and trust policy of a get-account-authorization-details "
        "snapshot (repeatable)",
    )
    v.add_argument(
        "--resource-type",
        metavar="TYPE",
        help="the files are resource-based policies of this type (Access Analyzer's "
        "validatePolicyResourceType: AWS::S3::Bucket, AWS::S3::AccessPoint, AWS::S3::MultiRegionAccessPoint, "
        "AWS::S3ObjectLambda::AccessPoint, AWS::DynamoDB::Table, AWS::IAM::AssumeRolePolicyDocument); "
        "sets the policy type and adds that type's checks",
    )
    v.add_argument(
        "--account-id",
        metavar="ID",
        help="the account that owns the resource or trust policies given as files: an Allow to another "
        "account's principals without a restricting condition is a CROSS_ACCOUNT_ACCESS finding "
        "(with --snapshot, the snapshot's own account is used)",
    )
    v.add_argument(
        "--include",
        action="append",
        metavar="GLOB",
        help="in directories, validate files matching GLOB (name or relative path; repeatable; "
        "default *.json)",
    )
    v.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="in directories, skip files matching GLOB (repeatable)",
    )
    v.add_argument(
        "--fail-on",
        action="append",
        metavar="TYPES",
        help="finding types that fail the gate (exit 1), comma-separated: ERROR, SECURITY_WARNING, WARNING, "
        "SUGGESTION or NONE (default: ERROR,SECURITY_WARNING)",
    )
    v.add_argument(
        "--min-severity",
        default="SUGGESTION",
        metavar="TYPE",
        help="report only findings of this type or more serious (default: SUGGESTION, i.e. all)",
    )
    v.add_argument(
        "--ignore-finding",
        action="append",
        metavar="CODE|NAME|NAME.CODE",
        help="ignore findings, comma-separated (repeatable): an issue code, a NAME (file, base name, "
        "snapshot entity such as role/Admin, policy name, or statement Sid), or NAME.CODE",
    )
    v.add_argument("--format", "-f", choices=("text", "json", "sarif", "accessanalyzer"), default="text")
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser(
        "check",
        help="IAM's save-time check, with AWS's error message; also `check no-new-access OLD NEW`, "
        "`check access-not-granted POLICY --action A`, `check no-public-access POLICY --resource-type T`",
    )
    c.add_argument("file", metavar="FILE", help="policy JSON file ('-' reads stdin)")
    c.add_argument(
        "--kind", "-k", default="managed", metavar="K", help=f"one of {', '.join(iamkit.SAVE_KINDS)}"
    )
    c.add_argument("--format", "-f", choices=("text", "json"), default="text")
    c.set_defaults(func=cmd_check)

    _add_more_commands(sub)
    return p


def _add_more_commands(sub: Any) -> None:
    """Subcommands defined in other modules (evaluation)."""
    try:
        from iamkit import _cli_eval
    except ImportError:  # pragma: no cover - evaluation not built
        return
    _cli_eval.add_commands(sub)
    from iamkit import _demo

    _demo.add_command(sub)
    from iamkit import _analysis_cli

    _analysis_cli.add_commands(sub)
    from iamkit import _policy_from_log

    _policy_from_log.add_command(sub)
    from iamkit import _serve_cli

    _serve_cli.add_command(sub)

    from iamkit import _reach_cli

    _reach_cli.add_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    custom_checks = ("no-new-access", "access-not-granted", "no-public-access")
    if len(argv) >= 2 and argv[0] == "check" and argv[1] in custom_checks:
        from iamkit import _check_cli  # Access Analyzer's custom policy checks

        return _check_cli.run(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, sys.stdout))
    except UsageError as e:
        print(f"iamkit: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - e.g. `iamkit validate ... | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
