"""Every integer parameter of the Python API: a negative or too-large value is a ``ValueError``
naming the parameter (never an ``OverflowError``, a wrapped-around negative index or a cell of
another row); a value that is not an int is a ``TypeError``; the values in range still work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import iamkit
from conftest import ALICE
from iamkit import _display

HUGE = 2**64  # too large for any native integer type
OUT_OF_RANGE = [-1, -(2**70), HUGE, 2**200]

IDENTITY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'


@pytest.fixture(scope="module")
def policy() -> iamkit.Policy:
    return iamkit.Policy.from_json(IDENTITY, name="s3")


@pytest.fixture(scope="module")
def account() -> iamkit.Account:
    acct = iamkit.Account("111122223333")
    iam: Any = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=IDENTITY)
    return acct


def check(
    call: Callable[[Any], object], name: str, bad: list[Any] = OUT_OF_RANGE, wrong_type: object = "1"
) -> None:
    for value in bad:
        with pytest.raises(ValueError, match=rf"{name} must be an integer from") as e:
            call(value)
        assert not isinstance(e.value, OverflowError)
    with pytest.raises(TypeError, match=rf"{name} must be an int"):
        call(wrong_type)


def test_policy_to_json_indent(policy: iamkit.Policy) -> None:
    check(lambda v: policy.to_json(indent=v), "indent", [*OUT_OF_RANGE, 257])
    assert policy.to_json(indent=0).startswith("{\n")
    assert policy.to_json(indent=4).startswith('{\n    "Version"')
    assert policy.to_json(indent=256)


def test_evaluation_result_policy_index(policy: iamkit.Policy) -> None:
    r = iamkit.evaluate(action="s3:GetObject", principal=ALICE, identity_policies=[policy])
    check(lambda v: r.policy("identity", v), "policy_index", [-1, -(2**70), 2**63, 2**200])
    assert r.policy("identity", 0) == policy
    assert r.policy("identity", 1) is None  # in range, but no such policy


@pytest.mark.parametrize("name", ["line", "column", "offset", "end_line", "end_column", "end_offset"])
def test_finding_positions(name: str) -> None:
    def make(v: Any) -> iamkit.Finding:
        return iamkit.Finding("CODE", "ERROR", "message", **{name: v})

    check(make, name, [-1, 2**32, HUGE])
    assert getattr(make(2**32 - 1), name) == 2**32 - 1
    assert getattr(make(0), name) == 0


@pytest.mark.parametrize("name", ["line", "column", "offset", "end_line", "end_column", "end_offset"])
def test_policy_parse_error_positions(name: str) -> None:
    def make(v: Any) -> iamkit.PolicyParseError:
        return iamkit.PolicyParseError("message", **{name: v})

    check(make, name, [-1, 2**32])
    assert getattr(make(7), name) == 7


@pytest.mark.parametrize(
    "name",
    ["line", "column", "offset", "end_line", "end_column", "end_offset", "policy_index", "statement_index"],
)
def test_policy_compile_error_positions(name: str) -> None:
    def make(v: Any) -> iamkit.PolicyCompileError:
        return iamkit.PolicyCompileError("message", **{name: v})

    check(make, name, [-1, 2**32])
    assert getattr(make(5), name) == 5


@pytest.mark.parametrize("name", ["line", "column", "offset"])
def test_malformed_policy_document_positions(name: str) -> None:
    def make(v: Any) -> iamkit.MalformedPolicyDocument:
        return iamkit.MalformedPolicyDocument("message", **{name: v})

    check(make, name, [-1, 2**32])
    assert getattr(make(3), name) == 3
    assert getattr(make(None), name) is None


def test_access_matrix_threads(account: iamkit.Account) -> None:
    check(lambda v: account.access_matrix("s3:GetObject", threads=v), "threads", [-1, 1025, HUGE])
    assert account.access_matrix("s3:GetObject", threads=0).shape == (1, 1)  # 0: one per CPU
    assert account.access_matrix("s3:GetObject", threads=1).cell(0, 0) == "allowed"


def test_access_matrix_indexes(account: iamkit.Account) -> None:
    m = account.access_matrix(["s3:GetObject", "s3:PutObject"])
    assert m.shape == (1, 2)
    # a negative index is not counted from the end, and an action index past the row is not a
    # cell of the next row
    # (a str is a name here, so the wrong type is a float)
    check(lambda v: m.cell(v, 0), "principal index", [-1, 1, HUGE], 0.0)
    check(lambda v: m.cell(0, v), "action index", [-1, 2, HUGE], 0.0)
    check(lambda v: m.row(v), "principal index", [-1, 1], 0.0)
    check(lambda v: m.allowed(v), "principal index", [-1, 1], 0.0)
    assert m.cell(0, 1) == m.cell(m.principals[0], "s3:PutObject") == "allowed"


def test_policy_html_max_lines(policy: iamkit.Policy) -> None:
    check(lambda v: _display.policy_html(policy, max_lines=v), "max_lines", [0, -1, HUGE])
    assert "<" in _display.policy_html(policy, max_lines=1)
