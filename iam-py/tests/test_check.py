"""iamkit.check_iam_policy: IAM's save-time check with AWS's messages."""

from __future__ import annotations

import pickle

import pytest

import iamkit

OK = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}}'
OLD = OK.replace("2012-10-17", "2008-10-17")


def test_ok_returns_none() -> None:
    assert iamkit.check_iam_policy(OK) is None
    for kind in ("managed", "inline-user", "inline-group", "inline-role"):
        assert iamkit.check_iam_policy(OK, kind=kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (OLD, "managed", "Policy document must be version 2012-10-17 or greater."),
        ('{"Version": 1,}', "trust", "This policy contains invalid Json"),
        ("new policy", "trust", "Syntax errors in policy."),
        (OK.replace('"Allow"', '"allow"'), "managed", "The policy failed legacy parsing"),
        (
            OK.replace('"s3:ListBucket"', '"ListBucket"'),
            "managed",
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            OK.replace('"Action"', '"Principal": "*", "Action"'),
            "inline-user",
            "Policy document should not specify a principal.",
        ),
    ],
)
def test_rejections_use_aws_messages(text: str, kind: str, message: str) -> None:
    with pytest.raises(iamkit.MalformedPolicyDocument) as ei:
        iamkit.check_iam_policy(text, kind=kind)
    e = ei.value
    assert e.message == message
    assert str(e) == message
    assert e.code == "MalformedPolicyDocument"
    assert e.response == {"Error": {"Code": "MalformedPolicyDocument", "Message": message}}


def test_old_version_is_fine_inline() -> None:
    assert iamkit.check_iam_policy(OLD, kind="inline-user") is None


def test_position_of_the_offending_element() -> None:
    text = OK.replace('"Allow"', '"allow"')
    with pytest.raises(iamkit.MalformedPolicyDocument) as ei:
        iamkit.check_iam_policy(text)
    e = ei.value
    assert e.line == 1
    assert e.offset is not None and text[e.offset : e.offset + 7] == '"allow"'
    assert e.column == e.offset + 1


def test_size_quota_code() -> None:
    big = OK.replace('"arn:aws:s3:::b"', "[" + ", ".join(f'"arn:aws:s3:::b{i}"' for i in range(400)) + "]")
    with pytest.raises(iamkit.MalformedPolicyDocument) as ei:
        iamkit.check_iam_policy(big, kind="inline-user")
    assert ei.value.code == "LimitExceeded"
    assert "2048" in ei.value.message


def test_invalid_kind() -> None:
    with pytest.raises(ValueError, match="inline-role") as ei:
        iamkit.check_iam_policy(OK, kind="role")
    assert not isinstance(ei.value, iamkit.MalformedPolicyDocument)
    assert set(iamkit.SAVE_KINDS) == {"managed", "inline-user", "inline-group", "inline-role", "trust"}


def test_exception_pickles_and_is_exception() -> None:
    with pytest.raises(iamkit.MalformedPolicyDocument) as ei:
        iamkit.check_iam_policy(OLD)
    assert isinstance(ei.value, Exception)
    back = pickle.loads(pickle.dumps(ei.value))
    assert (back.message, back.code, back.line, back.column) == (
        ei.value.message,
        ei.value.code,
        ei.value.line,
        ei.value.column,
    )


def test_dict_and_bytes_inputs() -> None:
    import json

    assert iamkit.check_iam_policy(json.loads(OK)) is None  # type: ignore[arg-type]
    with pytest.raises(iamkit.MalformedPolicyDocument):
        iamkit.check_iam_policy(OLD.encode())  # type: ignore[arg-type]
