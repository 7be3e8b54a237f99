"""The offline Access Analyzer client, ``iamkit.client("accessanalyzer")``: boto3's names,
parameters (checked as botocore checks them) and response shapes, every response validated
against botocore's own output shape of the operation."""

from __future__ import annotations

import json
import pickle
import sys
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import pytest

import iamkit
from iamkit import _accessanalyzer

MODEL = botocore.session.get_session().get_service_model("accessanalyzer")

BAD = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}\n}'
ADMIN = '{"Version": "2012-10-17", "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]}'
CONDITION = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
    '"Resource": "*", "Condition": {"StringEquals": {"aws:SourceIpp": "x"}}}]}'
)
PUBLIC_BUCKET = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
    '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}'
)
OPEN_TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
    '"Action": "sts:AssumeRole"}]}'
)


def check_shape(value: Any, shape: Any, where: str = "response") -> None:
    """``value`` has botocore's output shape: known members only, required ones present, the
    right Python types, enum values from the model, a union with exactly one member."""
    t = shape.type_name
    if t == "structure":
        assert isinstance(value, dict), f"{where}: {value!r}"
        members = shape.members
        unknown = set(value) - set(members) - ({"ResponseMetadata"} if where == "response" else set())
        assert not unknown, f"{where}: unknown members {unknown}"
        for r in shape.required_members:
            assert r in value, f"{where}: missing {r}"
        if getattr(shape, "is_union", False) or shape.metadata.get("union"):
            assert len(value) == 1, f"{where}: a union holds one member: {value}"
        # botocore returns members in the model's order.
        order = [m for m in members if m in value]
        assert [k for k in value if k != "ResponseMetadata"] == order, f"{where}: order {list(value)}"
        for k, v in value.items():
            if k != "ResponseMetadata":
                check_shape(v, members[k], f"{where}.{k}")
    elif t == "list":
        assert isinstance(value, list), f"{where}: {value!r}"
        for i, v in enumerate(value):
            check_shape(v, shape.member, f"{where}[{i}]")
    elif t == "string":
        assert isinstance(value, str), f"{where}: {value!r}"
        if shape.enum:
            assert value in shape.enum, f"{where}: {value!r} not in {shape.enum}"
    elif t in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif t == "boolean":
        assert isinstance(value, bool), f"{where}: {value!r}"
    else:  # pragma: no cover - ValidatePolicy has no other types
        raise AssertionError(f"{where}: unexpected shape type {t}")


def output_shape(operation: str) -> Any:
    return MODEL.operation_model(operation).output_shape


@pytest.fixture()
def aa() -> iamkit.AccessAnalyzerClient:
    return iamkit.client("accessanalyzer")


def real_client() -> Any:
    """A real boto3 client: only its parameter validation runs (it raises before sending)."""
    return boto3.client(
        "accessanalyzer", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
    )


def test_validate_policy_shape_and_positions(aa: Any) -> None:
    r = aa.validate_policy(policyDocument=BAD, policyType="IDENTITY_POLICY")
    check_shape(r, output_shape("ValidatePolicy"))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    (f,) = r["findings"]
    assert f["findingType"] == "ERROR" and f["issueCode"] == "INVALID_ACTION"
    assert f["learnMoreLink"] == (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
        "#access-analyzer-reference-policy-checks-error-invalid-action"
    )
    (loc,) = f["locations"]
    assert loc["path"] == [{"value": "Statement"}, {"value": "Action"}]
    start, end = loc["span"]["start"], loc["span"]["end"]
    # Line from 1, column and offset from 0 (API_Position); the end is exclusive.
    line3 = BAD.split("\n")[2]
    assert start == {"line": 3, "column": line3.index('"s3GetObject"'), "offset": BAD.index('"s3GetObject"')}
    assert BAD[start["offset"] : end["offset"]] == '"s3GetObject"'
    assert end["line"] == 3 and end["column"] == start["column"] + len('"s3GetObject"')


def test_offsets_count_characters(aa: Any) -> None:
    doc = '{"Version": "2012-10-17", "Id": "é€", "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}}'
    r = aa.validate_policy(policyDocument=doc, policyType="IDENTITY_POLICY")["findings"]
    (f,) = [f for f in r if f["issueCode"] == "INVALID_ACTION"]
    start = f["locations"][0]["span"]["start"]
    assert doc[start["offset"] :].startswith('"s3GetObject"')
    assert start["column"] == doc.index('"s3GetObject"')


def test_path_elements_index_and_key(aa: Any) -> None:
    two = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjekt"], "Resource": "*"},
            ],
        }
    )
    r = aa.validate_policy(policyDocument=two, policyType="IDENTITY_POLICY")
    check_shape(r, output_shape("ValidatePolicy"))
    (f,) = [f for f in r["findings"] if f["issueCode"] == "INVALID_ACTION"]
    assert f["locations"][0]["path"] == [
        {"value": "Statement"},
        {"index": 1},
        {"value": "Action"},
        {"index": 1},
    ]
    r = aa.validate_policy(policyDocument=CONDITION, policyType="IDENTITY_POLICY")
    (f,) = [f for f in r["findings"] if f["issueCode"] == "INVALID_GLOBAL_CONDITION_KEY"]
    # The finding is about the condition key itself: a `key` element.
    assert f["locations"][0]["path"] == [
        {"value": "Statement"},
        {"index": 0},
        {"value": "Condition"},
        {"value": "StringEquals"},
        {"key": "aws:SourceIpp"},
    ]
    assert _accessanalyzer.path_elements(
        "Statement[0].Condition.StringLike.token.actions.githubusercontent.com:sub"
    ) == [
        {"value": "Statement"},
        {"index": 0},
        {"value": "Condition"},
        {"value": "StringLike"},
        {"value": "token.actions.githubusercontent.com:sub"},
    ]
    assert _accessanalyzer.path_elements("") == []
    assert _accessanalyzer.path_elements("Version") == [{"value": "Version"}]


def test_policy_types_and_resource_types(aa: Any) -> None:
    def codes(doc: str, **kw: str) -> set[str]:
        r = aa.validate_policy(policyDocument=doc, **kw)
        check_shape(r, output_shape("ValidatePolicy"))
        return {f["issueCode"] for f in r["findings"]}

    assert "FULL_ADMIN_ACCESS" in codes(ADMIN, policyType="IDENTITY_POLICY")
    # An SCP allowing everything (FullAWSAccess) filters; it grants nothing.
    assert "FULL_ADMIN_ACCESS" not in codes(ADMIN, policyType="SERVICE_CONTROL_POLICY")
    assert "PUBLIC_ACCESS" in codes(PUBLIC_BUCKET, policyType="RESOURCE_POLICY")
    assert "PUBLIC_ACCESS" in codes(
        PUBLIC_BUCKET, policyType="RESOURCE_POLICY", validatePolicyResourceType="AWS::S3::Bucket"
    )
    trust = codes(
        OPEN_TRUST,
        policyType="RESOURCE_POLICY",
        validatePolicyResourceType="AWS::IAM::AssumeRolePolicyDocument",
    )
    assert "TRUST_POLICY_ALLOWS_ANY_PRINCIPAL" in trust
    assert "UNSUPPORTED_PRINCIPAL" in codes(PUBLIC_BUCKET, policyType="IDENTITY_POLICY")
    assert "RCP_SYNTAX_ERROR_PRINCIPAL" not in codes(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", '
        '"Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}',
        policyType="RESOURCE_CONTROL_POLICY",
    )


def test_learn_more_links(aa: Any) -> None:
    r = aa.validate_policy(policyDocument=ADMIN, policyType="IDENTITY_POLICY")
    links = {f["issueCode"]: f["learnMoreLink"] for f in r["findings"]}
    assert links["PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"].endswith(
        "#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-action-and-resource"
    )
    assert links["CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"].endswith(
        "#access-analyzer-reference-policy-checks-general-warning-create-slr-with-star-in-action-and-resource"
    )
    # iamkit's own codes point at iamkit's findings reference in the project repository.
    assert (
        links["FULL_ADMIN_ACCESS"]
        == f"{_accessanalyzer.project_url()}/blob/main/iam-py/README.md#full-admin-access"
    )
    assert _accessanalyzer.project_url().startswith("https://")


def test_bad_documents_are_findings_never_exceptions(aa: Any) -> None:
    for doc in ("{", "", "[]", '{"Statement": 5}', "not json"):
        r = aa.validate_policy(policyDocument=doc or " ", policyType="IDENTITY_POLICY")
        check_shape(r, output_shape("ValidatePolicy"))
        assert any(f["findingType"] == "ERROR" for f in r["findings"]), doc


def _same_param_error(ours: Any, operation: str, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ParamValidationError) as real:
        getattr(real_client(), operation)(**kwargs)
    with pytest.raises(botocore.exceptions.ParamValidationError) as mine:
        getattr(ours, operation)(**kwargs)
    assert str(mine.value) == str(real.value)
    return str(mine.value)


def test_parameters_validated_as_botocore_does(aa: Any) -> None:
    msg = _same_param_error(aa, "validate_policy", policyDocument=5)
    assert 'Missing required parameter in input: "policyType"' in msg
    _same_param_error(aa, "validate_policy", policyDocument="{}", policyType="IDENTITY_POLICY", bogus=1)
    _same_param_error(
        aa, "validate_policy", policyDocument="{}", policyType="IDENTITY_POLICY", maxResults="5"
    )
    # The custom checks: parameters are checked before anything is delegated.
    _same_param_error(aa, "check_no_new_access", newPolicyDocument="{}")
    _same_param_error(
        aa, "check_access_not_granted", policyDocument="{}", access=[{"actions": "s3:GetObject"}]
    )
    _same_param_error(aa, "check_access_not_granted", policyDocument="{}", policyType="IDENTITY_POLICY")
    _same_param_error(aa, "check_no_public_access", policyDocument="{}")
    _same_param_error(aa, "check_no_public_access", resourceType=3, policyDocument="{}")


def test_service_validation_exception(aa: Any) -> None:
    for kwargs in (
        {"policyType": "BUCKET_POLICY"},
        {"policyType": "RESOURCE_POLICY", "validatePolicyResourceType": "AWS::S3::Object"},
        {"policyType": "IDENTITY_POLICY", "locale": "XX"},
        {"policyType": "IDENTITY_POLICY", "nextToken": "not a token"},
    ):
        with pytest.raises(aa.exceptions.ValidationException) as e:
            aa.validate_policy(policyDocument=ADMIN, **kwargs)
        assert isinstance(e.value, botocore.exceptions.ClientError)
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert aa.exceptions.from_code("ValidationException") is aa.exceptions.ValidationException
    # Every locale is accepted (the details stay in English).
    assert aa.validate_policy(policyDocument=ADMIN, policyType="IDENTITY_POLICY", locale="JA")["findings"]


def test_pagination_by_max_results_and_paginator(aa: Any) -> None:
    full = aa.validate_policy(policyDocument=ADMIN, policyType="IDENTITY_POLICY")["findings"]
    assert len(full) >= 3
    pages, token = [], None
    while True:
        kw: dict[str, Any] = {"maxResults": 1}
        if token:
            kw["nextToken"] = token
        r = aa.validate_policy(policyDocument=ADMIN, policyType="IDENTITY_POLICY", **kw)
        check_shape(r, output_shape("ValidatePolicy"))
        pages.append(r["findings"])
        token = r.get("nextToken")
        if not token:
            break
    assert [f for p in pages for f in p] == full and all(len(p) == 1 for p in pages)
    assert aa.can_paginate("validate_policy") and not aa.can_paginate("check_no_new_access")
    pg = aa.get_paginator("validate_policy")
    assert pg.result_keys == ["findings"]
    got = list(
        pg.paginate(policyDocument=ADMIN, policyType="IDENTITY_POLICY", PaginationConfig={"PageSize": 2})
    )
    assert [f for p in got for f in p["findings"]] == full and len(got) == (len(full) + 1) // 2
    first = pg.paginate(
        policyDocument=ADMIN, policyType="IDENTITY_POLICY", PaginationConfig={"MaxItems": 2}
    ).build_full_result()
    assert first["findings"] == full[:2] and "NextToken" in first
    rest = pg.paginate(
        policyDocument=ADMIN,
        policyType="IDENTITY_POLICY",
        PaginationConfig={"StartingToken": first["NextToken"]},
    ).build_full_result()
    assert first["findings"] + rest["findings"] == full and "NextToken" not in rest
    with pytest.raises(ValueError, match="cannot be paginated"):
        aa.get_paginator("check_no_new_access")


def test_client_factory_and_surface(aa: Any) -> None:
    assert aa.service == "accessanalyzer"
    assert {
        "validate_policy",
        "check_no_new_access",
        "check_access_not_granted",
        "check_no_public_access",
    } <= set(dir(aa))
    with pytest.raises(AttributeError, match="create_analyzer"):
        aa.create_analyzer  # noqa: B018
    with pytest.raises(ValueError, match="Account"):
        iamkit.client("iam")
    with pytest.raises(ValueError, match="unknown service"):
        iamkit.client("s3")
    again = pickle.loads(pickle.dumps(aa))
    assert again.validate_policy(policyDocument=BAD, policyType="IDENTITY_POLICY")["findings"]
    assert "accessanalyzer" in repr(aa)


def test_same_answers_as_iamkit_validate(aa: Any) -> None:
    # Every finding of iamkit.validate appears, in order, with the same code, type and message.
    for doc, aws_type, ours in (
        (ADMIN, "IDENTITY_POLICY", "identity"),
        (PUBLIC_BUCKET, "RESOURCE_POLICY", "resource"),
        (BAD, "SERVICE_CONTROL_POLICY", "scp"),
    ):
        r = aa.validate_policy(policyDocument=doc, policyType=aws_type)["findings"]
        v = iamkit.validate(doc, policy_type=ours)
        assert [(f["issueCode"], f["findingType"], f["findingDetails"]) for f in r] == [
            (f.code, f.severity, f.message) for f in v
        ]


def test_resource_type_checks(aa: Any) -> None:
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": ["s3:GetObject", "dynamodb:GetItem"],
                    "Resource": [
                        "arn:aws:s3:::amzn-s3-demo-bucket/*",
                        "arn:aws:dynamodb:us-east-1:111122223333:table/T",
                    ],
                }
            ],
        }
    )
    r = aa.validate_policy(
        policyDocument=doc, policyType="RESOURCE_POLICY", validatePolicyResourceType="AWS::S3::Bucket"
    )
    check_shape(r, output_shape("ValidatePolicy"))
    by_code = {f["issueCode"]: f for f in r["findings"]}
    action = by_code["UNSUPPORTED_ACTION_IN_POLICY"]
    assert action["findingType"] == "ERROR" and "dynamodb:GetItem" in action["findingDetails"]
    start, end = action["locations"][0]["span"]["start"], action["locations"][0]["span"]["end"]
    assert doc[start["offset"] : end["offset"]] == '"dynamodb:GetItem"'
    assert action["locations"][0]["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}]
    arn = by_code["UNSUPPORTED_RESOURCE_ARN_IN_POLICY"]
    s = arn["locations"][0]["span"]
    assert (
        doc[s["start"]["offset"] : s["end"]["offset"]] == '"arn:aws:dynamodb:us-east-1:111122223333:table/T"'
    )
    # The same policy for a DynamoDB table: the S3 entries are the unsupported ones.
    r = aa.validate_policy(
        policyDocument=doc, policyType="RESOURCE_POLICY", validatePolicyResourceType="AWS::DynamoDB::Table"
    )
    details = [f["findingDetails"] for f in r["findings"] if f["issueCode"].startswith("UNSUPPORTED_")]
    assert any("s3:GetObject" in d for d in details) and any("amzn-s3-demo-bucket" in d for d in details)
    # Without a resource type (or for another policy type) no such check runs.
    for kw in ({}, {"validatePolicyResourceType": "AWS::S3::Bucket", "policyType": "IDENTITY_POLICY"}):
        args = {"policyType": "RESOURCE_POLICY", **kw}
        r = aa.validate_policy(policyDocument=doc, **args)
        assert not any(f["issueCode"].endswith("_IN_POLICY") for f in r["findings"])


def test_custom_checks_validate_then_delegate_to_iamkit_checks(
    aa: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check methods validate their parameters with the model, then hand them unchanged to
    ``iamkit._checks`` (the sound checker) and return its answer with ResponseMetadata."""
    import types

    calls: list[tuple[str, dict[str, Any]]] = []
    fake = types.ModuleType("iamkit._checks")

    def answer(name: str) -> Any:
        def check(**kwargs: Any) -> dict[str, Any]:
            calls.append((name, kwargs))
            return {"result": "FAIL", "message": "m", "reasons": [{"description": "d", "statementIndex": 0}]}

        return check

    for name in ("check_no_new_access", "check_access_not_granted", "check_no_public_access"):
        setattr(fake, name, answer(name))
    monkeypatch.setitem(sys.modules, "iamkit._checks", fake)
    monkeypatch.setattr(iamkit, "_checks", fake, raising=False)

    r = aa.check_no_new_access(
        newPolicyDocument=ADMIN, existingPolicyDocument=BAD, policyType="IDENTITY_POLICY"
    )
    check_shape(r, output_shape("CheckNoNewAccess"))
    assert r["result"] == "FAIL" and r["ResponseMetadata"]["HTTPStatusCode"] == 200
    r = aa.check_access_not_granted(
        policyDocument=ADMIN, access=[{"actions": ["s3:GetObject"]}], policyType="IDENTITY_POLICY"
    )
    check_shape(r, output_shape("CheckAccessNotGranted"))
    r = aa.check_no_public_access(policyDocument=PUBLIC_BUCKET, resourceType="AWS::S3::Bucket")
    check_shape(r, output_shape("CheckNoPublicAccess"))
    assert [c[0] for c in calls] == [
        "check_no_new_access",
        "check_access_not_granted",
        "check_no_public_access",
    ]
    assert calls[0][1] == {
        "newPolicyDocument": ADMIN,
        "existingPolicyDocument": BAD,
        "policyType": "IDENTITY_POLICY",
    }
    # Bad parameters never reach the checker.
    with pytest.raises(botocore.exceptions.ParamValidationError):
        aa.check_no_public_access(policyDocument=PUBLIC_BUCKET)
    assert len(calls) == 3


def test_custom_checks_without_the_checker_say_so(aa: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "iamkit._checks", None)  # import fails
    monkeypatch.delattr(iamkit, "_checks", raising=False)
    with pytest.raises(NotImplementedError, match=r"iamkit\._checks"):
        aa.check_no_public_access(policyDocument=PUBLIC_BUCKET, resourceType="AWS::S3::Bucket")
