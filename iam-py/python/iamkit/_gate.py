"""``iamkit validate`` as a CI gate: inputs (files, directories, stdin, account snapshots),
finding filters (``--fail-on``, ``--min-severity``, ``--ignore-finding``) and the output formats
(``text``, ``json``, ``sarif``, ``accessanalyzer``).

Exit codes: 0 no failing finding; 1 at least one failing finding (by default an ``ERROR`` or a
``SECURITY_WARNING``, as AWS's cfn-policy-validator fails on them); 2 usage or I/O error.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import sys
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, TextIO

import iamkit
from iamkit import _accessanalyzer as aa

SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
DEFAULT_FAIL_ON = ("ERROR", "SECURITY_WARNING")

#: SARIF ``properties.security-severity`` per finding type (GitHub code scanning ranks results
#: by it: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
SECURITY_SEVERITY = {"ERROR": "8.0", "SECURITY_WARNING": "7.0", "WARNING": "4.0", "SUGGESTION": "2.0"}
#: SARIF ``level`` per finding type.
SARIF_LEVEL = {"ERROR": "error", "SECURITY_WARNING": "warning", "WARNING": "warning", "SUGGESTION": "note"}


def is_failing(f: iamkit.Finding, fail_on: Sequence[str], not_a_policy: bool = False) -> bool:
    """Whether a finding fails the gate: its type is in ``fail_on``, or the document was not a
    policy at all (:data:`ALWAYS_FAIL`, or any ``ERROR`` of a document that does not parse as a
    policy: bad JSON, wrong shapes)."""
    return f.severity in fail_on or f.code in ALWAYS_FAIL or (not_a_policy and f.severity == "ERROR")


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Findings that say the input is not a policy at all: they fail the gate whatever
#: ``--fail-on`` says (a document that was not understood never passes).
ALWAYS_FAIL = frozenset({"JSON_SYNTAX_ERROR", "NOT_A_POLICY_DOCUMENT", "POLICY_TOO_DEEP", "POLICY_TOO_LARGE"})


class GateUsageError(Exception):
    """A usage or I/O problem (exit code 2)."""


@dataclass
class Document:
    """One policy document to validate, and where it came from."""

    #: Where findings are reported: a file path, ``<stdin>``, or ``SNAPSHOT#role/Admin/trust``.
    location: str
    #: The file it was read from (``-`` for stdin).
    file: str
    text: str
    policy_type: str
    #: For a policy inside a snapshot: ``role/Admin``, and the policy's name (``trust`` for a
    #: role's trust policy).
    entity: str | None = None
    policy_name: str | None = None
    findings: list[iamkit.Finding] = field(default_factory=list)
    #: The account that owns the policy (``--account-id``, or the snapshot's account): enables
    #: the ``CROSS_ACCOUNT_ACCESS`` finding of resource-based and trust policies.
    account_id: str | None = None
    #: Access Analyzer's ``validatePolicyResourceType`` (``--resource-type``): adds the checks of
    #: a resource-based policy of that resource type.
    resource_type: str | None = None
    #: For a policy inside a snapshot: the line of the snapshot file where its entity (or
    #: managed policy) is named, where SARIF locates its findings.
    snapshot_line: int | None = None
    #: True when the text does not parse as a policy at all (``Policy.from_json`` refuses it):
    #: its ERROR findings fail the gate whatever ``--fail-on`` says.
    not_a_policy: bool = False

    def check(self) -> None:
        """Validates the document (sets :attr:`findings` and :attr:`not_a_policy`)."""
        if self.account_id is not None and self.policy_type in ("resource", "trust"):
            from iamkit import _native

            self.findings = list(
                _native._validate_for_account(
                    self.text, policy_type=self.policy_type, account_id=self.account_id
                )
            )
        else:
            self.findings = list(iamkit.validate(self.text, policy_type=self.policy_type))
        if self.resource_type is not None:
            extra = aa.resource_type_findings(self.text, self.policy_type, self.resource_type)
            if extra:
                self.findings = sorted([*self.findings, *extra], key=lambda f: f.offset)
        if any(f.severity == "ERROR" for f in self.findings):
            try:
                iamkit.Policy.from_json(self.text, policy_type=self.policy_type)
            except ValueError:
                self.not_a_policy = True


# ---- inputs ---------------------------------------------------------------------------------------


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise GateUsageError(f"cannot read {path}: {e.strerror or e}") from e


def _decode(data: bytes, path: str) -> str:
    # A document that is not UTF-8 is still validated (its bytes replaced): the validator reports
    # what it can, never a silent pass.
    return data.decode("utf-8", errors="replace")


def expand_paths(paths: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Files and ``-`` as given; directories walked recursively (sorted), keeping the files whose
    name or relative path matches an ``include`` glob and no ``exclude`` glob."""
    out: list[str] = []
    for p in paths:
        if p == "-" or not os.path.isdir(p):
            out.append(p)
            continue
        found: list[str] = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                full = os.path.join(root, name)
                rel = PurePath(os.path.relpath(full, p)).as_posix()

                def hit(globs: Sequence[str], name: str = name, rel: str = rel) -> bool:
                    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in globs)

                if hit(include) and not hit(exclude):
                    found.append(full)
        out.extend(found)
    return out


def _policy_text(doc: Any) -> str:
    """A policy document of a snapshot as text: a decoded object is printed with four-space
    indentation (as the AWS CLI prints it), a URL-encoded string (the raw API's form) decoded."""
    if isinstance(doc, str):
        text = urllib.parse.unquote(doc) if doc.lstrip().startswith("%7B") else doc
        return text
    return json.dumps(doc, indent=4)


def _default_version(policy: dict[str, Any]) -> Any:
    for v in policy.get("PolicyVersionList") or []:
        if isinstance(v, dict) and v.get("IsDefaultVersion"):
            return v.get("Document")
    return None


_ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


def snapshot_account(data: dict[str, Any]) -> str | None:
    """The account a snapshot describes: the account of its first user, group or role ARN."""
    for key in ("RoleDetailList", "UserDetailList", "GroupDetailList"):
        for ent in data.get(key) or []:
            m = _ACCOUNT_ARN.match(str(ent.get("Arn", ""))) if isinstance(ent, dict) else None
            if m:
                return m.group(1)
    return None


def snapshot_documents(path: str) -> list[Document]:
    """Every inline, managed (default version) and trust policy of a
    ``get-account-authorization-details`` snapshot, located as ``FILE#user/NAME/POLICY``,
    ``FILE#group/NAME/POLICY``, ``FILE#role/NAME/POLICY``, ``FILE#role/NAME/trust`` and
    ``FILE#policy/NAME``."""
    raw = _read_bytes(path)
    name = "<stdin>" if path == "-" else path
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise GateUsageError(f"{name}: not a JSON document: {e}") from e
    lists = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    if not isinstance(data, dict) or not any(k in data for k in lists):
        raise GateUsageError(
            f"{name}: not a get-account-authorization-details snapshot (expected one of {', '.join(lists)})"
        )
    out: list[Document] = []
    account = snapshot_account(data)
    text = raw.decode("utf-8", errors="replace")
    line_of: dict[tuple[str, str], int] = {}
    # Where each entity is named in the file ("RoleName": "Admin"), for SARIF's region.
    line, pos = 1, 0
    for m in re.finditer(r'"(UserName|GroupName|RoleName|PolicyName)"\s*:\s*"((?:[^"\\]|\\.)*)"', text):
        line += text.count("\n", pos, m.start())  # counted once over the file, in order
        pos = m.start()
        line_of.setdefault((m.group(1), m.group(2)), line)

    def add(entity: str, policy_name: str, doc: Any, policy_type: str) -> None:
        if doc is None:
            return
        kind, _, ename = entity.partition("/")
        key = {"user": "UserName", "group": "GroupName", "role": "RoleName", "policy": "PolicyName"}[kind]
        loc = f"{entity}/{policy_name}" if policy_name != "" else entity
        out.append(
            Document(
                location=f"{name}#{loc}",
                file=path,
                text=_policy_text(doc),
                policy_type=policy_type,
                entity=entity,
                policy_name=policy_name,
                account_id=account,
                snapshot_line=line_of.get((key, ename)),
            )
        )

    for kind, key, inline_key in (
        ("user", "UserDetailList", "UserPolicyList"),
        ("group", "GroupDetailList", "GroupPolicyList"),
        ("role", "RoleDetailList", "RolePolicyList"),
    ):
        for ent in data.get(key) or []:
            if not isinstance(ent, dict):
                continue
            entity = f"{kind}/{ent.get(kind.capitalize() + 'Name', '?')}"
            for p in ent.get(inline_key) or []:
                if isinstance(p, dict):
                    add(entity, str(p.get("PolicyName", "?")), p.get("PolicyDocument"), "identity")
            if kind == "role":
                add(entity, "trust", ent.get("AssumeRolePolicyDocument"), "trust")
    for p in data.get("Policies") or []:
        if isinstance(p, dict):
            add(f"policy/{p.get('PolicyName', '?')}", "", _default_version(p), "identity")
    return out


def collect(
    paths: Sequence[str],
    snapshots: Sequence[str],
    policy_type: str,
    include: Sequence[str],
    exclude: Sequence[str],
    account_id: str | None = None,
    resource_type: str | None = None,
) -> tuple[list[Document], list[str]]:
    """The documents to validate, and the I/O errors met on the way."""
    docs: list[Document] = []
    errors: list[str] = []
    for p in expand_paths(paths, include, exclude):
        try:
            text = _decode(_read_bytes(p), p)
        except GateUsageError as e:
            errors.append(str(e))
            continue
        docs.append(
            Document(
                "<stdin>" if p == "-" else p,
                p,
                text,
                policy_type,
                account_id=account_id,
                resource_type=resource_type,
            )
        )
    for s in snapshots:
        try:
            docs.extend(snapshot_documents(s))
        except GateUsageError as e:
            errors.append(str(e))
    return docs, errors


# ---- filters --------------------------------------------------------------------------------------

_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_STATEMENT = re.compile(r"^Statement(?:\[(\d+)\])?")


@dataclass(frozen=True)
class IgnoreRule:
    """One ``--ignore-finding`` entry, cfn-policy-validator's syntax: ``CODE``, ``NAME`` or
    ``NAME.CODE``; a NAME is a file (as given, its base name or stem), a snapshot entity
    (``role/Admin`` or ``Admin``), a policy name, a location (``role/Admin/trust``) or the
    ``Sid`` of the statement the finding is in."""

    name: str | None
    code: str | None

    @staticmethod
    def parse(text: str) -> IgnoreRule:
        text = text.strip()
        head, dot, tail = text.rpartition(".")
        if dot and _CODE.match(tail) and head:
            return IgnoreRule(head, tail)
        if _CODE.match(text) and "_" in text:
            return IgnoreRule(None, text)
        return IgnoreRule(text, None)

    def matches(self, doc: Document, f: iamkit.Finding, sid: str | None) -> bool:
        if self.code is not None and f.code != self.code:
            return False
        if self.name is None:
            return True
        return self.name in _names(doc, sid)


def _names(doc: Document, sid: str | None) -> set[str]:
    names: set[str] = set()
    if doc.entity is None:
        p = PurePath(doc.file)
        names |= {doc.file, doc.location, p.name, p.stem}
    else:
        kind_name = doc.entity.split("/", 1)[-1]
        names |= {doc.entity, kind_name, doc.location.split("#", 1)[-1]}
        if doc.policy_name:
            names.add(doc.policy_name)
            names.add(f"{doc.entity}/{doc.policy_name}")
    if sid:
        names.add(sid)
    return names


def _sids(doc: Document) -> list[str | None] | None:
    try:
        policy = iamkit.Policy.from_json(doc.text, policy_type=doc.policy_type)
    except (ValueError, TypeError):
        return None
    return [s.sid for s in policy.statements]


def statement_index(path: str) -> int | None:
    m = _STATEMENT.match(path)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) is not None else 0


def parse_severities(values: Sequence[str] | None, option: str) -> tuple[str, ...]:
    if values is None:
        return ()
    out: list[str] = []
    for v in values:
        for part in v.split(","):
            part = part.strip().upper()
            if not part or part == "NONE":
                continue
            if part not in SEVERITIES:
                raise GateUsageError(
                    f"{option}: unknown finding type {part!r}; expected {', '.join(SEVERITIES)}"
                )
            out.append(part)
    return tuple(out)


def apply_filters(docs: Sequence[Document], min_severity: str, ignores: Sequence[IgnoreRule]) -> int:
    """Drops findings below ``min_severity`` and those an ignore rule matches; returns how many
    were ignored."""
    rank = SEVERITIES.index(min_severity)
    ignored = 0
    need_sid = any(r.name is not None for r in ignores)
    for doc in docs:
        kept: list[iamkit.Finding] = []
        sids = _sids(doc) if need_sid and doc.findings else None
        for f in doc.findings:
            if f.severity in SEVERITIES and SEVERITIES.index(f.severity) > rank:
                continue
            sid = None
            i = statement_index(f.path)
            if sids is not None and i is not None and i < len(sids):
                sid = sids[i]
            if any(r.matches(doc, f, sid) for r in ignores):
                ignored += 1
                continue
            kept.append(f)
        doc.findings = kept
    return ignored


# ---- output ---------------------------------------------------------------------------------------


def _rule_title(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _rule(code: str, severity: str) -> dict[str, Any]:
    """The SARIF ``reportingDescriptor`` of an issue code."""
    origin = "iamkit policy check" if code in aa.IAMKIT_CODES else "IAM Access Analyzer policy check"
    link = aa.learn_more_link(code, severity)
    kind = severity.replace("_", " ").capitalize()
    return {
        "id": code,
        "name": "".join(w.capitalize() for w in code.split("_")),
        "shortDescription": {"text": _rule_title(code)},
        "fullDescription": {"text": f"{kind}: {_rule_title(code)} ({origin})"},
        "helpUri": link,
        "help": {"text": f"{kind} {code}: see {link}"},
        "defaultConfiguration": {"level": SARIF_LEVEL.get(severity, "warning")},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "4.0"),
            # ERROR findings are grammar facts; the others are sound over-approximations.
            "precision": "very-high" if severity == "ERROR" else "high",
            "problem.severity": {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning"}.get(
                severity, "recommendation"
            ),
            "tags": ["security", "iam", severity.lower().replace("_", "-")],
        },
    }


def _uri(path: str) -> str:
    if path == "-":
        return "stdin"
    return urllib.parse.quote(PurePath(path).as_posix(), safe="/:")


def sarif_log(docs: Sequence[Document], fail_on: Sequence[str] = DEFAULT_FAIL_ON) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings: one rule per issue code with its ``helpUri`` (the AWS
    page of the check, or iamkit's findings reference), ``shortDescription``, default level and
    ``properties`` (``security-severity``, ``precision``, ``tags``); one result per finding,
    located in its file (a policy inside a snapshot: the snapshot file, with the entity and
    policy as the logical location and the position inside the printed policy in the result's
    properties)."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    # A rule's level and security-severity are those of its most serious result (one code can
    # be reported with several finding types).
    worst: dict[str, str] = {}
    for doc in docs:
        for f in doc.findings:
            if f.code not in worst or _rank(f.severity) < _rank(worst[f.code]):
                worst[f.code] = f.severity
    for doc in docs:
        for f in doc.findings:
            if f.code not in rule_index:
                rule_index[f.code] = len(rules)
                rules.append(_rule(f.code, worst[f.code]))
            end_line = max(f.end_line, f.line)
            end_column = f.end_column if (end_line, f.end_column) > (f.line, f.column) else f.column + 1
            logical: list[dict[str, Any]] = []
            if doc.entity is not None:
                logical.append(
                    {
                        "fullyQualifiedName": doc.location.split("#", 1)[1]
                        + (f"#{f.path}" if f.path else ""),
                        "kind": "object",
                    }
                )
            elif f.path:
                logical.append({"fullyQualifiedName": f.path, "kind": "member"})
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(doc.file)}}
            props: dict[str, Any] = {
                "findingType": f.severity,
                "path": f.path,
                "failing": is_failing(f, fail_on, doc.not_a_policy),
            }
            if doc.entity is None:
                physical["region"] = {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": end_line,
                    "endColumn": end_column,
                    "byteOffset": f.offset,
                }
            else:
                if doc.snapshot_line is not None:
                    physical["region"] = {"startLine": doc.snapshot_line}
                props["entity"] = doc.entity
                props["policy"] = doc.policy_name
                props["policyLine"] = f.line
                props["policyColumn"] = f.column
            location: dict[str, Any] = {"physicalLocation": physical}
            if logical:
                location["logicalLocations"] = logical
            results.append(
                {
                    "ruleId": f.code,
                    "ruleIndex": rule_index[f.code],
                    # A finding that fails the gate is an error for code scanning too.
                    "level": "error"
                    if is_failing(f, fail_on, doc.not_a_policy)
                    else SARIF_LEVEL.get(f.severity, "warning"),
                    "message": {"text": f.message},
                    "locations": [location],
                    "properties": props,
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
                        "informationUri": aa.project_url(),
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _position(doc: Document, f: iamkit.Finding) -> str:
    return f"{doc.location}:{f.line}:{f.column}"


def write_output(fmt: str, docs: Sequence[Document], out: TextIO, fail_on: Sequence[str]) -> None:
    if fmt == "sarif":
        json.dump(sarif_log(docs, fail_on), out, indent=2)
        out.write("\n")
    elif fmt == "json":
        items = []
        for doc in docs:
            for f in doc.findings:
                item: dict[str, Any] = {"file": doc.location, **f.to_dict()}
                if doc.entity is not None:
                    item["entity"] = doc.entity
                    item["policy"] = doc.policy_name
                item["failing"] = is_failing(f, fail_on, doc.not_a_policy)
                item["learnMoreLink"] = aa.learn_more_link(f.code, f.severity)
                items.append(item)
        json.dump(items, out, indent=2)
        out.write("\n")
    elif fmt == "accessanalyzer":
        # `aws accessanalyzer validate-policy --output json`: the (merged) response without
        # ResponseMetadata, json.dumps(indent=4, ensure_ascii=False) plus a newline, once per
        # document (as running the AWS CLI once per policy).
        for doc in docs:
            chars = aa._Chars(doc.text)
            response = {"findings": [aa.to_finding(f, chars) for f in doc.findings]}
            out.write(json.dumps(response, indent=4, ensure_ascii=False))
            out.write("\n")
    else:
        for doc in docs:
            for f in doc.findings:
                out.write(f"{_position(doc, f)}: {f.severity} {f.code} {f.message}\n")


def run(
    *,
    paths: Sequence[str],
    snapshots: Sequence[str],
    policy_type: str,
    include: Sequence[str],
    exclude: Sequence[str],
    fail_on: Sequence[str],
    min_severity: str,
    ignore: Iterable[str],
    fmt: str,
    out: TextIO,
    account_id: str | None = None,
    resource_type: str | None = None,
) -> int:
    """Runs the gate; returns the exit code."""
    if not paths and not snapshots:
        raise GateUsageError("nothing to validate: give FILE/DIR arguments, '-' or --snapshot FILE")
    if account_id is not None and not re.fullmatch(r"\d{12}", account_id):
        raise GateUsageError(f"--account-id: expected 12 digits, not {account_id!r}")
    if resource_type is not None:
        if resource_type not in aa.RESOURCE_TYPES:
            raise GateUsageError(
                f"--resource-type: unknown {resource_type!r}; expected one of {', '.join(aa.RESOURCE_TYPES)}"
            )
        # Access Analyzer: a resource type means a resource-based policy (a role's trust policy
        # for AWS::IAM::AssumeRolePolicyDocument).
        policy_type = aa.RESOURCE_TYPES[resource_type]
    docs, errors = collect(paths, snapshots, policy_type, include, exclude, account_id, resource_type)
    if not docs and not errors:
        raise GateUsageError(
            f"no policy files found (include {', '.join(include)}"
            + (f", exclude {', '.join(exclude)}" if exclude else "")
            + ")"
        )
    for doc in docs:
        doc.check()
    rules = [IgnoreRule.parse(x) for entry in ignore for x in entry.split(",") if x.strip()]
    ignored = apply_filters(docs, min_severity, rules)
    write_output(fmt, docs, out, fail_on)
    for msg in errors:
        print(f"iamkit: error: {msg}", file=sys.stderr)
    failing = sum(1 for d in docs for f in d.findings if is_failing(f, fail_on, d.not_a_policy))
    if failing:
        print(
            f"iamkit: {failing} failing finding(s) ({', '.join(fail_on)}) in {len(docs)} document(s)"
            + (f"; {ignored} ignored" if ignored else ""),
            file=sys.stderr,
        )
    if errors:
        return 2
    return 1 if failing else 0
