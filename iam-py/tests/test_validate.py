"""iamkit.validate and iamkit.Finding."""

from __future__ import annotations

import pickle

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
