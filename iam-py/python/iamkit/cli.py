"""The ``iamkit`` command line (also ``python -m iamkit``).

Exit codes: 0 ok; 1 the check found errors (or the request was denied with ``--fail-on-deny``);
2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, NoReturn, TextIO
from urllib.parse import quote

import iamkit

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/iamkit"
_SARIF_LEVEL = {"ERROR": "error", "SECURITY_WARNING": "warning", "WARNING": "warning", "SUGGESTION": "note"}


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


def _uri(path: str) -> str:
    if path == "-":
        return "stdin"
    return quote(PurePath(path).as_posix(), safe="/:")


def _check_policy_type(name: str) -> str:
    try:
        iamkit.validate("{}", policy_type=name)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return name


# ---- validate -----------------------------------------------------------------------------------


def _rule_description(code: str) -> str:
    return code.replace("_", " ").capitalize()


def sarif_log(results: Sequence[tuple[str, Sequence[iamkit.Finding]]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings of several files."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    sarif_results: list[dict[str, Any]] = []
    for path, findings in results:
        for f in findings:
            if f.code not in rule_index:
                rule_index[f.code] = len(rules)
                rules.append(
                    {
                        "id": f.code,
                        "name": "".join(w.capitalize() for w in f.code.split("_")),
                        "shortDescription": {"text": _rule_description(f.code)},
                        "defaultConfiguration": {"level": _SARIF_LEVEL.get(f.severity, "warning")},
                    }
                )
            end_line = max(f.end_line, f.line)
            end_column = f.end_column if (end_line, f.end_column) > (f.line, f.column) else f.column
            sarif_results.append(
                {
                    "ruleId": f.code,
                    "ruleIndex": rule_index[f.code],
                    "level": _SARIF_LEVEL.get(f.severity, "warning"),
                    "message": {"text": f.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": _uri(path)},
                                "region": {
                                    "startLine": f.line,
                                    "startColumn": f.column,
                                    "endLine": end_line,
                                    "endColumn": end_column,
                                    "byteOffset": f.offset,
                                },
                            },
                            **(
                                {"logicalLocations": [{"fullyQualifiedName": f.path, "kind": "member"}]}
                                if f.path
                                else {}
                            ),
                        }
                    ],
                    "properties": {"severity": f.severity, "path": f.path},
                }
            )
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamkit",
                        "version": iamkit.__version__,
                        "semanticVersion": iamkit.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    policy_type = _check_policy_type(args.type)
    results: list[tuple[str, Sequence[iamkit.Finding]]] = []
    io_errors: list[str] = []
    for path in args.files:
        try:
            data = _read(path)
        except UsageError as e:
            io_errors.append(str(e))
            continue
        results.append((path, iamkit.validate(data, policy_type=policy_type)))
    if args.format == "sarif":
        json.dump(sarif_log(results), out, indent=2)
        out.write("\n")
    elif args.format == "json":
        items = [{"file": _display_name(p), **f.to_dict()} for p, fs in results for f in fs]
        json.dump(items, out, indent=2)
        out.write("\n")
    else:
        for path, findings in results:
            for f in findings:
                out.write(f"{_display_name(path)}:{f.line}:{f.column}: {f.severity} {f.code} {f.message}\n")
    for msg in io_errors:
        print(f"iamkit: error: {msg}", file=sys.stderr)
    if io_errors:
        return EXIT_USAGE
    return EXIT_FOUND if any(f.severity == "ERROR" for _, fs in results for f in fs) else EXIT_OK


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

    v = sub.add_parser("validate", help="validate policy documents (Access Analyzer-style findings)")
    v.add_argument("files", nargs="+", metavar="FILE", help="policy JSON files ('-' reads stdin)")
    v.add_argument(
        "--type",
        "-t",
        default="identity",
        metavar="T",
        help=f"policy type: {', '.join(iamkit.POLICY_TYPES)} (default: identity)",
    )
    v.add_argument("--format", "-f", choices=("text", "json", "sarif"), default="text")
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
