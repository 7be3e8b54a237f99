"""iamkit.validate and iamkit.Finding."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import iamkit


def test_finding_fields_and_positions() -> None:
    text = '{"Version": "2012-10-17",\n "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}}'
    findings = iamkit.validate(text)
    assert isinstance(findings, list) and isinstance(findings, iamkit.FindingList)
    (f,) = findings
    assert f.code == "INVALID_ACTION"
    assert f.severity == "ERROR" and f.is_error
    assert f.path == "Statement.Action"
    assert f.line == 2
    assert text[f.offset : f.end_offset] == '"s3GetObject"'
    assert f.column == text.split("\n")[1].index('"s3GetObject"') + 1
    assert (f.end_line, f.end_column) == (2, f.column + len('"s3GetObject"'))
    assert "s3GetObject" in f.message


def test_finding_repr_dict_pickle() -> None:
    (f,) = iamkit.validate('{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}')
    assert f.code == "MISSING_VERSION" and f.severity == "WARNING"
    r = repr(f)
    assert r.startswith("<Finding 1:1 WARNING MISSING_VERSION")
    d = f.to_dict()
    assert d["code"] == "MISSING_VERSION" and d["line"] == 1 and d["column"] == 1
    assert set(d) >= {
        "code",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "offset",
        "end_line",
        "end_column",
    }
    assert pickle.loads(pickle.dumps(f)) == f
    assert hash(pickle.loads(pickle.dumps(f))) == hash(f)
    made = iamkit.Finding("X", "ERROR", "msg", "Statement", 3, 4, 10)
    assert (made.end_line, made.end_column, made.end_offset) == (3, 4, 10)


@pytest.mark.parametrize(
    "bad",
    ["", "{", "[]", "null", "not json", '{"Statement": [}', b"\xff\xfe", b"", '{"Version": 1}', "\ud800"],
)
def test_validate_never_raises_on_bad_input(bad: str | bytes) -> None:
    findings = iamkit.validate(bad)
    assert findings, "bad input must give at least one finding"
    assert any(f.severity == "ERROR" for f in findings)
    assert all(f.line >= 1 and f.column >= 1 for f in findings)


def test_validate_json_error_becomes_finding() -> None:
    (f,) = iamkit.validate('{"Statement": [}')
    assert (f.code, f.severity, f.line, f.column, f.offset) == ("JSON_SYNTAX_ERROR", "ERROR", 1, 16, 15)


def test_validate_accepts_dict_bytes_and_policy(policy: iamkit.Policy, policy_text: str) -> None:
    expected = iamkit.validate(policy_text)
    assert iamkit.validate(policy_text.encode()) == expected
    assert iamkit.validate(policy) == expected
    assert [f.code for f in iamkit.validate({"Statement": []})] == [
        f.code for f in iamkit.validate('{"Statement": []}')
    ]


def test_validate_policy_types() -> None:
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}}'
    assert [f.code for f in iamkit.validate(text)] == ["UNSUPPORTED_PRINCIPAL"]
    assert "UNSUPPORTED_PRINCIPAL" not in [f.code for f in iamkit.validate(text, policy_type="resource")]


def test_validate_invalid_type() -> None:
    with pytest.raises(ValueError, match="vpc_endpoint"):
        iamkit.validate("{}", policy_type="bogus")
    with pytest.raises(TypeError):
        iamkit.validate(3.5)  # type: ignore[arg-type]


def test_finding_list_helpers() -> None:
    fl = iamkit.validate('{"Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}}')
    assert fl.has_errors
    assert [f.code for f in fl.errors] == ["INVALID_ACTION"]
    assert [d["code"] for d in fl.to_dicts()] == [f.code for f in fl]
    assert not iamkit.validate(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    ).has_errors


# ---- every finding in one pass (issue #9, part 6) ----------------------------------------------

# Eight problems in the first statements and `"Effect": "allow"` in the last one: before the
# recovery, only the last was reported.
MULTI = """{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": 42, "Resource": "*"},
  {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3"},
  {"Effect": "Allow", "Resource": "*", "Principal": "*"},
  {"Effect": "Allow", "Action": "s3:GetObject", "Condition": {"StringEqualz": {"aws:username": "bob"}}},
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Actions": "x"},
  {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}
]}"""

MULTI_EXPECTED = {
    ("DATA_TYPE_MISMATCH", "Statement[0].Action", 2),
    ("INVALID_ACTION", "Statement[1].Action", 3),
    ("MISSING_ARN_FIELD", "Statement[1].Resource", 3),
    ("MISSING_ACTION", "Statement[2]", 4),
    ("UNSUPPORTED_PRINCIPAL", "Statement[2].Principal", 4),
    ("INVALID_CONDITION_OPERATOR", "Statement[3].Condition.StringEqualz", 5),
    ("MISSING_RESOURCE", "Statement[3]", 5),
    ("INVALID_POLICY_ELEMENT", "Statement[4].Actions", 6),
    ("INVALID_EFFECT", "Statement[5].Effect", 7),
}


def test_validate_reports_every_problem_at_once() -> None:
    got = {(f.code, f.path, f.line) for f in iamkit.validate(MULTI) if f.is_error}
    assert got == MULTI_EXPECTED
    # The same from bytes and from a dict (positions aside for the dict: it is re-serialized).
    assert {(f.code, f.path) for f in iamkit.validate(MULTI.encode()) if f.is_error} == {
        (c, p) for c, p, _ in MULTI_EXPECTED
    }


def test_from_json_keeps_its_contract_and_findings_are_complete() -> None:
    # Not a policy that can be evaluated: from_json raises on the first shape error ...
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(MULTI)
    assert ei.value.code == "DATA_TYPE_MISMATCH" and ei.value.line == 2
    # ... while a policy with non-fatal problems in several statements lists all of them.
    text = """{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
  {"Effect": "Allow", "Action": "s3:GetObject"},
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}
]}"""
    p = iamkit.Policy.from_json(text)
    assert {(f.code, f.path) for f in p.findings if f.is_error} == {
        ("INVALID_ACTION", "Statement[0].Action"),
        ("MISSING_RESOURCE", "Statement[1]"),
        ("UNSUPPORTED_PRINCIPAL", "Statement[2].Principal"),
    }


def test_cli_validate_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "multi.json"
    path.write_text(MULTI)
    p = subprocess.run(
        [sys.executable, "-m", "iamkit", "validate", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 1, p.stderr
    items = json.loads(p.stdout)
    assert {(i["code"], i["path"], i["line"]) for i in items if i["severity"] == "ERROR"} == MULTI_EXPECTED
    text = subprocess.run(
        [sys.executable, "-m", "iamkit", "validate", str(path)], capture_output=True, text=True, timeout=60
    ).stdout
    assert f"{path}:7:" in text and "INVALID_EFFECT" in text
    assert f"{path}:2:" in text and "DATA_TYPE_MISMATCH" in text


def test_not_a_policy_document() -> None:
    response = {
        "PolicyVersion": {
            "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]},
            "VersionId": "v1",
            "IsDefaultVersion": True,
        }
    }
    (f,) = iamkit.validate(response)
    assert f.code == "NOT_A_POLICY_DOCUMENT" and f.severity == "ERROR"
    assert f.path == "PolicyVersion.Document"
    assert "get-policy-version" in f.message
    snapshot = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    (f,) = iamkit.validate(snapshot)
    assert f.code == "NOT_A_POLICY_DOCUMENT" and "get-account-authorization-details" in f.message
    (f,) = iamkit.validate("")
    assert f.code == "NOT_A_POLICY_DOCUMENT" and "empty" in f.message
