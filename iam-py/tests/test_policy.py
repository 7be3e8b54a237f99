"""Policy.from_json, its attributes, errors, equality and pickling."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

import iamkit
from conftest import POLICY


def test_version_is_a_string() -> None:
    assert isinstance(iamkit.__version__, str)
    assert iamkit.__version__.count(".") >= 2


def test_attributes(policy: iamkit.Policy) -> None:
    assert policy.policy_type == "identity"
    assert policy.version == "2012-10-17"
    assert policy.id == "doc-1"
    assert policy.name == "read.json"
    assert policy.text == POLICY
    assert len(policy) == 2
    s0, s1 = policy.statements
    assert (s0.sid, s0.effect, s0.index) == ("Read", "Allow", 0)
    assert s0.actions == ["s3:GetObject", "s3:ListBucket"]
    assert s0.resources == ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/${aws:username}/*"]
    assert not s0.not_action and not s0.not_resource and not s0.not_principal
    assert s0.principal is None and s0.condition is None
    assert s1.condition == {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    # positions: the statement objects start at their "{"
    lines = POLICY.split("\n")
    assert lines[s0.line - 1][s0.column - 1] == "{"
    assert POLICY[s1.offset] == "{"
    assert s1.end_line > s1.line
    assert s0.to_dict()["Sid"] == "Read"
    assert "Read" in repr(s0) and "Allow" in repr(s0)


@pytest.mark.parametrize("kind", ["str", "bytes", "dict"])
def test_from_json_input_kinds(kind: str) -> None:
    doc = json.loads(POLICY)
    arg: str | bytes | dict[str, object] = {"str": POLICY, "bytes": POLICY.encode(), "dict": doc}[kind]
    p = iamkit.Policy.from_json(arg)
    assert p.to_dict() == doc
    assert p == iamkit.Policy.from_json(POLICY)


def test_dict_is_serialized_readably() -> None:
    p = iamkit.Policy.from_json({"Version": "2012-10-17", "Statement": []})
    assert "\n" in p.text  # indented, so findings point at real lines
    assert p.statements == []


def test_to_json_and_dict_round_trip(policy: iamkit.Policy) -> None:
    compact = policy.to_json()
    assert "\n" not in compact
    again = iamkit.Policy.from_json(compact)
    assert again == policy
    assert json.loads(policy.to_json(indent=2)) == policy.to_dict()
    assert json.loads(policy.to_json(indent=4)) == policy.to_dict()
    assert policy.to_dict()["Statement"][1]["Effect"] == "Deny"


def test_policy_types() -> None:
    trust = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}'
    p = iamkit.Policy.from_json(trust, policy_type="trust")
    assert p.policy_type == "trust"
    assert p.statements[0].principal == {"Service": "ec2.amazonaws.com"}
    assert set(iamkit.POLICY_TYPES) == {
        "identity",
        "resource",
        "trust",
        "scp",
        "rcp",
        "permissions_boundary",
        "session",
        "vpc_endpoint",
    }
    for t in iamkit.POLICY_TYPES:
        assert (
            iamkit.Policy.from_json('{"Version": "2012-10-17", "Statement": []}', policy_type=t).policy_type
            == t
        )


def test_invalid_policy_type_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="permissions_boundary") as ei:
        iamkit.Policy.from_json("{}", policy_type="nope")
    assert not isinstance(ei.value, iamkit.PolicyParseError)
    assert "nope" in str(ei.value)


def test_parse_error_position() -> None:
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json('{"Statement": [}')
    e = ei.value
    assert isinstance(e, ValueError)
    assert e.code == "JSON_SYNTAX_ERROR"
    assert (e.line, e.column, e.offset) == (1, 16, 15)
    assert e.message and e.message in str(e)
    assert str(e).startswith("1:16: JSON_SYNTAX_ERROR")


def test_parse_error_multiline_and_path() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}\n}'
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(text)
    e = ei.value
    assert e.code == "INVALID_EFFECT"
    assert e.line == 3
    assert e.column == text.split("\n")[2].index('"allow"') + 1
    assert text[e.offset : e.offset + 7] == '"allow"'
    assert e.path == "Statement.Effect"
    assert e.to_dict()["code"] == "INVALID_EFFECT"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "JSON_SYNTAX_ERROR"),
        ("[]", "DATA_TYPE_MISMATCH"),
        ('{"Statement": {"Effect": "Allow", "Effect": "Deny"}}', "DUPLICATE_KEY"),
        ('{"Statement": {"Action": "s3:*"}}', "MISSING_EFFECT"),
    ],
)
def test_parse_error_codes(text: str, code: str) -> None:
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(text)
    assert ei.value.code == code


def test_non_utf8_bytes_are_a_parse_error() -> None:
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(b'{"Version": "\xff"}')
    assert ei.value.code == "JSON_SYNTAX_ERROR"
    assert ei.value.offset == 13
    assert ei.value.column == 14


def test_wrong_argument_type() -> None:
    with pytest.raises(TypeError, match="int"):
        iamkit.Policy.from_json(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        iamkit.Policy()  # type: ignore[call-arg]


def test_findings_attribute(policy: iamkit.Policy) -> None:
    assert isinstance(policy.findings, iamkit.FindingList)
    assert list(policy.findings) == list(iamkit.validate(POLICY))
    bad = iamkit.Policy.from_json(
        '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    )
    assert [f.code for f in bad.findings] == ["MISSING_VERSION"]


def test_repr(policy: iamkit.Policy) -> None:
    r = repr(policy)
    assert r.startswith("<Policy") and "read.json" in r and "identity" in r and "2 statements" in r
    assert len(r) < 200


def test_equality_and_hash(policy: iamkit.Policy) -> None:
    same = iamkit.Policy.from_json(json.dumps(json.loads(POLICY)))  # other whitespace
    assert same == policy and hash(same) == hash(policy)
    other_type = iamkit.Policy.from_json(POLICY, policy_type="permissions_boundary")
    assert other_type != policy
    assert policy != "not a policy"
    assert len({policy, same}) == 1


def test_pickle_round_trip(policy: iamkit.Policy) -> None:
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(policy, protocol=proto))
        assert back == policy
        assert back.text == policy.text  # positions survive
        assert back.name == "read.json"
        assert back.policy_type == policy.policy_type
        assert back.statements[1].line == policy.statements[1].line
    assert policy.__getstate__() == (POLICY, "identity", "read.json")
    assert copy.deepcopy(policy) == policy
    assert copy.copy(policy) is policy


def test_parse_error_pickles() -> None:
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json('{"a": }')
    back = pickle.loads(pickle.dumps(ei.value))
    assert isinstance(back, iamkit.PolicyParseError)
    assert (back.code, back.line, back.column, back.offset, back.message) == (
        ei.value.code,
        ei.value.line,
        ei.value.column,
        ei.value.offset,
        ei.value.message,
    )


def test_huge_and_deep_documents_do_not_crash() -> None:
    deep = '{"Statement": ' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(deep)
    assert ei.value.code in {"POLICY_TOO_DEEP", "DATA_TYPE_MISMATCH"}
    big = '{"Version": "2012-10-17", "Statement": [], "Id": "' + "x" * (2 << 20) + '"}'
    with pytest.raises(iamkit.PolicyParseError) as ei:
        iamkit.Policy.from_json(big)
    assert ei.value.code == "POLICY_TOO_LARGE"
