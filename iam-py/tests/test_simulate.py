"""iamkit.simulate_custom_policy against botocore's own IAM service model."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

import iamkit

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Action": "s3:DeleteObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    },
    indent=2,
)
BOUNDARY = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}'

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
    "timestamp": (str,),
}


def _check_shape(value: Any, shape: Any, where: str) -> None:
    assert isinstance(value, _TYPES[shape.type_name]), (
        f"{where}: {type(value).__name__} is not {shape.type_name}"
    )
    if shape.type_name == "integer" or shape.type_name == "string":
        assert not isinstance(value, bool), where
    if shape.type_name == "structure":
        for k, v in value.items():
            assert k in shape.members, f"{where}.{k} is not in botocore's {shape.name}"
            _check_shape(v, shape.members[k], f"{where}.{k}")
        for req in shape.required_members:
            assert req in value, f"{where}: required {req} missing"
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            _check_shape(item, shape.member, f"{where}[{i}]")
    elif shape.type_name == "map":
        for k, v in value.items():
            _check_shape(k, shape.key, f"{where} key")
            _check_shape(v, shape.value, f"{where}[{k}]")
    elif shape.type_name == "string" and shape.enum and shape.name != "PolicySourceType":
        assert value in shape.enum, f"{where}: {value!r} not in {shape.enum}"


@pytest.fixture(scope="module")
def output_shape() -> Any:
    model = botocore.session.get_session().get_service_model("iam")
    return model.operation_model("SimulateCustomPolicy").output_shape


@pytest.fixture(scope="module")
def input_shape() -> Any:
    model = botocore.session.get_session().get_service_model("iam")
    return model.operation_model("SimulateCustomPolicy").input_shape


def test_response_shape_matches_botocore(output_shape: Any) -> None:
    resp = iamkit.simulate_custom_policy(
        PolicyInputList=[POLICY],
        PermissionsBoundaryPolicyInputList=[BOUNDARY],
        ActionNames=["s3:GetObject", "s3:DeleteObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::b/k", "arn:aws:s3:::other/k"],
        CallerArn="arn:aws:iam::111122223333:user/alice",
        ContextEntries=[
            {
                "ContextKeyName": "aws:MultiFactorAuthPresent",
                "ContextKeyValues": ["false"],
                "ContextKeyType": "boolean",
            }
        ],
    )
    _check_shape(resp, output_shape, "response")
    results = resp["EvaluationResults"]
    assert len(results) == 6
    assert resp["IsTruncated"] is False
    by = {(r["EvalActionName"], r["EvalResourceName"]): r for r in results}
    get = by[("s3:GetObject", "arn:aws:s3:::b/k")]
    assert get["EvalDecision"] == "allowed"
    ids = {m["SourcePolicyId"]: m for m in get["MatchedStatements"]}
    assert set(ids) == {"PolicyInputList.1", "PermissionsBoundaryPolicyInputList.1"}
    assert ids["PolicyInputList.1"]["StartPosition"] == {"Line": 4, "Column": 5}
    assert ids["PolicyInputList.1"]["EndPosition"] == {"Line": 9, "Column": 6}
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert get["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"
    assert by[("s3:GetObject", "arn:aws:s3:::other/k")]["EvalDecision"] == "implicitDeny"
    assert by[("s3:GetObject", "arn:aws:s3:::other/k")]["MatchedStatements"] == []
    assert by[("s3:DeleteObject", "arn:aws:s3:::b/k")]["EvalDecision"] == "explicitDeny"


def test_missing_context_values(output_shape: Any) -> None:
    resp = iamkit.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=["s3:DeleteObject"])
    _check_shape(resp, output_shape, "response")
    (r,) = resp["EvaluationResults"]
    assert r["EvalResourceName"] == "*"
    assert r["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]


CTX_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"k:s": "v"},
                "ForAnyValue:StringEquals": {"k:sl": ["x"], "k:bl": ["true"]},
                "NumericEquals": {"k:n": "5"},
                "ForAnyValue:NumericEquals": {"k:nl": ["7"]},
                "Bool": {"k:b": "true"},
                "IpAddress": {"k:ip": "10.0.0.0/8"},
                "ForAnyValue:IpAddress": {"k:ipl": ["192.168.0.0/16"]},
                "BinaryEquals": {"k:bin": "QmluYXJ5"},
                "DateGreaterThan": {"k:d": "2020-01-01T00:00:00Z"},
                "ForAnyValue:DateLessThan": {"k:dl": ["2030-01-01T00:00:00Z"]},
            },
        },
    }
)


def test_all_twelve_context_key_types(input_shape: Any, output_shape: Any) -> None:
    entries = [
        ("k:s", ["v"], "string"),
        ("k:sl", ["x", "y"], "stringList"),
        ("k:n", ["5"], "numeric"),
        ("k:nl", ["6", "7"], "numericList"),
        ("k:b", ["true"], "boolean"),
        ("k:bl", ["true", "false"], "booleanList"),
        ("k:ip", ["10.1.2.3"], "ip"),
        ("k:ipl", ["192.168.1.1"], "ipList"),
        ("k:bin", ["QmluYXJ5"], "binary"),
        ("k:binl", ["QmluYXJ5"], "binaryList"),
        ("k:d", ["2024-05-01T00:00:00Z"], "date"),
        ("k:dl", ["2024-05-01T00:00:00Z"], "dateList"),
    ]
    enum = input_shape.members["ContextEntries"].member.members["ContextKeyType"].enum
    assert sorted(t for _, _, t in entries) == sorted(enum) == sorted(iamkit._simulate.CONTEXT_KEY_TYPES)
    ctx = [{"ContextKeyName": k, "ContextKeyValues": v, "ContextKeyType": t} for k, v, t in entries]
    resp = iamkit.simulate_custom_policy(
        PolicyInputList=[CTX_POLICY], ActionNames=["s3:GetObject"], ContextEntries=ctx
    )
    _check_shape(resp, output_shape, "response")
    (r,) = resp["EvaluationResults"]
    assert r["EvalDecision"] == "allowed", r
    assert r["MissingContextValues"] == []


def test_parameter_errors() -> None:
    with pytest.raises(TypeError, match="PolicyInputList"):
        iamkit.simulate_custom_policy(ActionNames=["s3:GetObject"])
    with pytest.raises(TypeError, match="Bogus"):
        iamkit.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=["s3:GetObject"], Bogus=1)
    with pytest.raises(ValueError, match="ContextKeyType"):
        iamkit.simulate_custom_policy(
            PolicyInputList=[POLICY],
            ActionNames=["s3:GetObject"],
            ContextEntries=[{"ContextKeyName": "a:b", "ContextKeyValues": ["1"], "ContextKeyType": "float"}],
        )
    with pytest.raises(iamkit.PolicyParseError):
        iamkit.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["s3:GetObject"])


def test_resource_policy_and_owner(output_shape: Any) -> None:
    bucket = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            },
        }
    )
    resp = iamkit.simulate_custom_policy(
        PolicyInputList=['{"Version": "2012-10-17", "Statement": []}'],
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket,
        ResourceOwner="arn:aws:iam::111122223333:root",
        CallerArn="arn:aws:iam::111122223333:user/alice",
    )
    _check_shape(resp, output_shape, "response")
    (r,) = resp["EvaluationResults"]
    assert r["EvalDecision"] == "allowed"
    assert r["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
    assert r["MatchedStatements"][0]["SourcePolicyType"] == "resource"
