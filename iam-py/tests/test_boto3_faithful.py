"""The clients against botocore's own service models and machinery (issue #11 part 3).

botocore is installed in the test environment: its ``ParamValidator`` gives the expected
validation messages, its ``Paginator`` is run over the same client methods as iamkit's, and its
IAM / STS models give every response's output shape and every error's HTTP status.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import struct
import time
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.paginate import Paginator as BotocorePaginator
from botocore.validate import ParamValidator

import iamkit

ACCT = "111122223333"
SESSION = botocore.session.get_session()
MODELS = {s: SESSION.get_service_model(s) for s in ("iam", "sts")}
PAGINATORS = SESSION.get_paginator_model("iam")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole"}
    ],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def _model_name(service: str, snake: str) -> str:
    model = MODELS[service]
    return next(op for op in model.operation_names if op.lower() == snake.replace("_", ""))


# ---------------------------------------------------------------- ParamValidationError


def _botocore_report(service: str, op: str, params: dict[str, Any]) -> str:
    shape = MODELS[service].operation_model(_model_name(service, op)).input_shape
    report = ParamValidator().validate(params, shape)
    assert report.has_errors()
    return str(report.generate_report())


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("get_role", {}),
        ("get_user", {"UserName": 5}),
        ("create_user", {"UserName": "a", "Bogus": 1, "Other": None}),
        ("create_user", {"UserName": "", "Tags": [{"Key": "k", "Value": 3}, {"Key": "k2"}]}),
        ("create_user", {"UserName": "a", "Tags": {"Key": "k"}}),
        ("list_users", {"MaxItems": 0, "Marker": ["a'b", 'x"y']}),
        ("list_users", {"MaxItems": "10", "PathPrefix": 1.5}),
        ("list_policies", {"OnlyAttached": "yes", "Scope": None}),
        ("untag_user", {"UserName": "a", "TagKeys": ["ok", 7, {"x": True}]}),
        ("create_role", {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": 3599.5}),
        ("list_users", {"PathPrefix": {1, 2}}),
    ],
)
def test_param_validation_error_matches_botocore(op: str, params: dict[str, Any]) -> None:
    iam = iamkit.Account(ACCT).client("iam")
    with pytest.raises(ParamValidationError) as err:
        getattr(iam, op)(**params)
    expected = _botocore_report("iam", op, params)
    assert str(err.value) == "Parameter validation failed:\n" + expected
    assert err.value.kwargs["report"] == expected


def test_param_validation_comes_before_the_operation_and_takes_what_botocore_takes() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    # A missing user would be NoSuchEntity; the unknown parameter is reported first.
    with pytest.raises(ParamValidationError):
        iam.get_user(UserName="nobody", Colour="red")
    # True is an int in Python: botocore accepts it for an integer.
    assert iam.list_users(MaxItems=True)["Users"] == []
    sts = iamkit.Account(ACCT).client("sts")
    with pytest.raises(ParamValidationError) as err:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/r")
    assert str(err.value).endswith('Missing required parameter in input: "RoleSessionName"')


# ---------------------------------------------------------------- client.exceptions


def test_client_exceptions_are_client_errors_with_the_models_statuses() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.get_user(UserName="nobody")
    assert isinstance(err.value, ClientError)
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as err2:
        iam.create_user(UserName="alice")
    assert isinstance(err2.value, iam.exceptions.EntityAlreadyExistsException)
    assert err2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert iam.exceptions.from_code("NoSuchEntity") is iam.exceptions.NoSuchEntityException
    assert iam.exceptions.from_code("NotModeled") is ClientError
    assert iam.exceptions.ClientError is ClientError
    real = SESSION.create_client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    for code, cls in real.exceptions._code_to_exception.items():
        assert iam.exceptions.from_code(code).__name__ == cls.__name__
    with pytest.raises(AttributeError):
        _ = iam.exceptions.NoSuchThingException


# ---------------------------------------------------------------- pagination


def _totp(seed: bytes, at: float) -> str:
    """RFC 6238 (HMAC-SHA1, 30 s, 6 digits) from a Base32 seed."""
    key = base64.b32decode(seed + b"=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[o : o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _enable_virtual_mfa(iam: Any, user: str, name: str) -> dict[str, Any]:
    """Creates a virtual MFA device and enables it for ``user`` with two consecutive codes."""
    dev: dict[str, Any] = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    now = time.time()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=dev["SerialNumber"],
        AuthenticationCode1=_totp(dev["Base32StringSeed"], now - 30),
        AuthenticationCode2=_totp(dev["Base32StringSeed"], now),
    )
    return dev


def _populated() -> iamkit.Account:
    acct = iamkit.Account(ACCT, alias="paging")
    iam = acct.client("iam")
    pol = iam.create_policy(PolicyName="p", PolicyDocument=POLICY)["Policy"]["Arn"]
    for v in range(4):
        iam.create_policy_version(PolicyArn=pol, PolicyDocument=POLICY, SetAsDefault=v % 2 == 0)
    for g in range(7):
        iam.create_group(GroupName=f"g{g}", Path="/team/" if g % 2 else "/")
        iam.attach_group_policy(GroupName=f"g{g}", PolicyArn=pol)
    for i in range(250):
        iam.create_user(UserName=f"u{i:03}", Path="/eng/" if i % 3 == 0 else "/")
    for i in range(7):
        iam.add_user_to_group(GroupName=f"g{i}", UserName="u000")
        iam.add_user_to_group(GroupName="g0", UserName=f"u{i + 1:03}")
        iam.put_user_policy(UserName="u000", PolicyName=f"i{i}", PolicyDocument=POLICY)
        iam.tag_user(UserName="u000", Tags=[{"Key": f"k{i}", "Value": "v"}])
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=TRUST, Path="/svc/" if i % 2 else "/")
        iam.attach_role_policy(RoleName=f"r{i}", PolicyArn=pol)
        iam.put_role_policy(RoleName="r0", PolicyName=f"i{i}", PolicyDocument=POLICY)
        iam.tag_role(RoleName="r0", Tags=[{"Key": f"k{i}", "Value": "v"}])
        iam.put_group_policy(GroupName="g0", PolicyName=f"i{i}", PolicyDocument=POLICY)
        iam.create_instance_profile(InstanceProfileName=f"ip{i}")
        iam.tag_instance_profile(InstanceProfileName="ip0", Tags=[{"Key": f"k{i}", "Value": "v"}])
        iam.tag_policy(PolicyArn=pol, Tags=[{"Key": f"k{i}", "Value": "v"}])
        iam.attach_user_policy(UserName=f"u{i:03}", PolicyArn=pol)
    for i in range(5):
        iam.attach_user_policy(UserName="u000", PolicyArn=f"arn:aws:iam::aws:policy/{_AWS_POLICIES[i]}")
        iam.attach_group_policy(GroupName="g0", PolicyArn=f"arn:aws:iam::aws:policy/{_AWS_POLICIES[i]}")
        iam.attach_role_policy(RoleName="r0", PolicyArn=f"arn:aws:iam::aws:policy/{_AWS_POLICIES[i]}")
    iam.add_role_to_instance_profile(InstanceProfileName="ip0", RoleName="r0")
    iam.add_role_to_instance_profile(InstanceProfileName="ip1", RoleName="r0")
    iam.create_access_key(UserName="u000")
    iam.create_access_key(UserName="u000")
    iam.upload_ssh_public_key(UserName="u000", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2E one@host")
    iam.upload_ssh_public_key(UserName="u000", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2F two@host")
    iam.upload_signing_certificate(UserName="u000", CertificateBody="-----BEGIN CERTIFICATE-----1")
    iam.upload_signing_certificate(UserName="u000", CertificateBody="-----BEGIN CERTIFICATE-----2")
    for i in range(3):
        iam.upload_server_certificate(
            ServerCertificateName=f"sc{i}", CertificateBody="-----BEGIN CERTIFICATE-----", PrivateKey="k"
        )
    _enable_virtual_mfa(iam, "u000", "a")
    _enable_virtual_mfa(iam, "u000", "b")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    iam.tag_mfa_device(
        SerialNumber=f"arn:aws:iam::{ACCT}:mfa/a",
        Tags=[{"Key": "k1", "Value": "1"}, {"Key": "k2", "Value": "2"}, {"Key": "k3", "Value": "3"}],
    )
    return acct


_AWS_POLICIES = [
    "ReadOnlyAccess",
    "AdministratorAccess",
    "IAMUserChangePassword",
    "SecurityAudit",
    "IAMReadOnlyAccess",
]


def _paging_params(acct: iamkit.Account) -> dict[str, dict[str, Any]]:
    pol = f"arn:aws:iam::{ACCT}:policy/p"
    return {
        "get_account_authorization_details": {},
        "get_group": {"GroupName": "g0"},
        "list_access_keys": {"UserName": "u000"},
        "list_account_aliases": {},
        "list_attached_group_policies": {"GroupName": "g0"},
        "list_attached_role_policies": {"RoleName": "r0"},
        "list_attached_user_policies": {"UserName": "u000"},
        "list_entities_for_policy": {"PolicyArn": pol},
        "list_group_policies": {"GroupName": "g0"},
        "list_groups": {},
        "list_groups_for_user": {"UserName": "u000"},
        "list_instance_profiles": {},
        "list_instance_profiles_for_role": {"RoleName": "r0"},
        "list_mfa_devices": {"UserName": "u000"},
        "list_virtual_mfa_devices": {},
        "list_mfa_device_tags": {"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/a"},
        # (Scope=AWS, 1,594 policies, is paged in its own test: PageSize=1 would take a while.)
        "list_policies": {"OnlyAttached": True},
        "list_policy_versions": {"PolicyArn": pol},
        "list_role_policies": {"RoleName": "r0"},
        "list_roles": {},
        "list_server_certificates": {},
        "list_signing_certificates": {"UserName": "u000"},
        "list_ssh_public_keys": {"UserName": "u000"},
        "list_user_policies": {"UserName": "u000"},
        "list_users": {},
        "simulate_custom_policy": {
            "PolicyInputList": [json.dumps(POLICY)],
            "ActionNames": ["s3:GetObject"] * 5,
        },
        "simulate_principal_policy": {
            "PolicySourceArn": f"arn:aws:iam::{ACCT}:user/u000",
            "ActionNames": [f"s3:{a}" for a in ("GetObject", "PutObject", "ListBucket", "DeleteObject")],
        },
        "list_user_tags": {"UserName": "u000"},
        "list_instance_profile_tags": {"InstanceProfileName": "ip0"},
        "list_policy_tags": {"PolicyArn": pol},
        "list_role_tags": {"RoleName": "r0"},
    }


@pytest.fixture(scope="module")
def populated() -> iamkit.Account:
    return _populated()


def _without_metadata(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


def test_every_paginated_operation_has_a_paginator_that_pages_like_botocores(
    populated: iamkit.Account,
) -> None:
    iam = populated.client("iam")
    params = _paging_params(populated)
    offered = {op for op in params if iam.can_paginate(op)}
    model_paginated = {op for op in dir(iam) if op in iam._operations and iam.can_paginate(op)}
    assert offered == model_paginated == set(params), sorted(model_paginated ^ set(params))
    assert not iam.can_paginate("get_user")
    with pytest.raises(ValueError, match="cannot be paginated"):
        iam.get_paginator("get_user")
    for op, kw in params.items():
        name = _model_name("iam", op)
        config = PAGINATORS.get_paginator(name)
        keys = config["result_key"] if isinstance(config["result_key"], list) else [config["result_key"]]
        # The truth: every page of at most 1000, following the markers by hand.
        truth = getattr(iam, op)(**kw, MaxItems=1000)
        while truth["IsTruncated"]:
            more = getattr(iam, op)(**kw, MaxItems=1000, Marker=truth["Marker"])
            for k in keys:
                truth[k] = truth[k] + more[k]
            truth["IsTruncated"] = more["IsTruncated"]
            truth["Marker"] = more.get("Marker")
        assert truth.get("Marker") is None, op
        total = sum(len(truth.get(k, [])) for k in keys)
        # An account has at most one alias; every other list spans several pages of one.
        assert total >= (1 if op == "list_account_aliases" else 2), (op, total)
        ours = iam.get_paginator(op)
        theirs = BotocorePaginator(getattr(iam, op), config, MODELS["iam"].operation_model(name))
        for pconf in ({}, {"PageSize": 7}, {"PageSize": 2, "MaxItems": 3}, {"MaxItems": 1}):
            mine = ours.paginate(**kw, PaginationConfig=pconf)
            ref = theirs.paginate(**kw, PaginationConfig=pconf)
            mine_pages = [_without_metadata(p) for p in mine]
            ref_pages = [_without_metadata(p) for p in ref]
            assert mine_pages == ref_pages, (op, pconf)
            assert mine.resume_token == ref.resume_token, (op, pconf)
            full = ours.paginate(**kw, PaginationConfig=pconf).build_full_result()
            assert full == theirs.paginate(**kw, PaginationConfig=pconf).build_full_result(), (op, pconf)
            if not pconf or pconf == {"PageSize": 7}:
                assert {k: full[k] for k in keys if k in full} == {k: truth[k] for k in keys}, (op, pconf)
            # Resuming from the token gives the rest.
            if mine.resume_token is not None:
                rest = ours.paginate(
                    **kw, PaginationConfig={"StartingToken": mine.resume_token}
                ).build_full_result()
                again = theirs.paginate(**kw, PaginationConfig={"StartingToken": mine.resume_token})
                assert rest == again.build_full_result(), op


def test_default_page_of_100_with_marker_and_1594_aws_managed_policies(populated: iamkit.Account) -> None:
    iam = populated.client("iam")
    first = iam.list_users()
    assert len(first["Users"]) == 100 and first["IsTruncated"] is True
    second = iam.list_users(Marker=first["Marker"], MaxItems=1000)
    assert second["IsTruncated"] is False and "Marker" not in second
    names = [u["UserName"] for u in first["Users"] + second["Users"]]
    assert names == [f"u{i:03}" for i in range(250)]
    eng = iam.get_paginator("list_users").paginate(PathPrefix="/eng/").build_full_result()["Users"]
    assert [u["UserName"] for u in eng] == [f"u{i:03}" for i in range(0, 250, 3)]
    with pytest.raises(ClientError) as err:
        iam.list_users(MaxItems=1001)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "less than or equal to 1000" in err.value.response["Error"]["Message"]
    aws = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]
    assert len(aws) > 1000
    assert len({p["Arn"] for p in aws}) == len(aws)
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in aws)
    pages = list(iam.get_paginator("list_policies").paginate(Scope="AWS"))
    assert [len(p["Policies"]) for p in pages[:-1]] == [100] * (len(pages) - 1)
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["p"]
    attached = iam.get_paginator("list_policies").paginate(OnlyAttached=True).build_full_result()["Policies"]
    assert {p["PolicyName"] for p in attached} == {"p", *_AWS_POLICIES}


def test_list_entities_for_policy_filters(populated: iamkit.Account) -> None:
    iam = populated.client("iam")
    pol = f"arn:aws:iam::{ACCT}:policy/p"
    roles = iam.list_entities_for_policy(PolicyArn=pol, EntityFilter="Role")
    assert roles["PolicyUsers"] == [] and roles["PolicyGroups"] == []
    assert [r["RoleName"] for r in roles["PolicyRoles"]] == [f"r{i}" for i in range(7)]
    svc = iam.list_entities_for_policy(PolicyArn=pol, EntityFilter="Role", PathPrefix="/svc/")["PolicyRoles"]
    assert [r["RoleName"] for r in svc] == ["r1", "r3", "r5"]
    team = iam.list_entities_for_policy(PolicyArn=pol, PathPrefix="/team/")["PolicyGroups"]
    assert [g["GroupName"] for g in team] == ["g1", "g3", "g5"]
    assert (
        iam.list_entities_for_policy(PolicyArn=pol, PolicyUsageFilter="PermissionsBoundary")["PolicyRoles"]
        == []
    )


# ---------------------------------------------------------------- the models' output shapes


def _check_shape(value: Any, shape: Any, path: str) -> None:
    t = shape.type_name
    if t == "structure":
        assert isinstance(value, dict), (path, value)
        unknown = set(value) - set(shape.members)
        assert not unknown, (path, unknown)
        missing = set(shape.required_members) - set(value)
        assert not missing, (path, missing)
        for k, v in value.items():
            _check_shape(v, shape.members[k], f"{path}.{k}")
    elif t == "list":
        assert isinstance(value, list), (path, value)
        for i, v in enumerate(value):
            _check_shape(v, shape.member, f"{path}[{i}]")
    elif t == "map":
        assert isinstance(value, dict), (path, value)
        for k, v in value.items():
            _check_shape(k, shape.key, f"{path} key")
            _check_shape(v, shape.value, f"{path}.{k}")
    elif t == "string":
        # botocore parses the policy documents of IAM responses (and iamkit does the same).
        if isinstance(value, dict) and path.split(".")[-1] in (
            "PolicyDocument",
            "AssumeRolePolicyDocument",
            "Document",
        ):
            return
        assert isinstance(value, str), (path, value)
        if shape.enum:
            assert value in shape.enum, (path, value)
    elif t in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), (path, value)
    elif t == "boolean":
        assert isinstance(value, bool), (path, value)
    elif t == "timestamp":
        assert isinstance(value, dt.datetime) and value.tzinfo is not None, (path, value)
    elif t == "blob":
        assert isinstance(value, (bytes, str)), (path, value)
    else:  # pragma: no cover
        raise AssertionError(f"{path}: unexpected shape type {t}")


def _check_response(service: str, op: str, response: dict[str, Any]) -> None:
    om = MODELS[service].operation_model(_model_name(service, op))
    body = _without_metadata(response)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    if om.output_shape is None:
        assert body == {}, (op, body)
        return
    _check_shape(body, om.output_shape, op)


def _check_error(service: str, op: str, err: ClientError) -> str:
    code = err.response["Error"]["Code"]
    assert err.response["Error"]["Message"], op
    status = err.response["ResponseMetadata"]["HTTPStatusCode"]
    model = MODELS[service]
    modeled = {s.error_code: s for s in model.error_shapes}
    if code in modeled:
        assert status == modeled[code].metadata.get("error", {}).get("httpStatusCode", 400), (
            op,
            code,
            status,
        )
        om = model.operation_model(_model_name(service, op))
        assert modeled[code].name in [e.name for e in om.error_shapes], (op, code)
    else:
        # Errors common to all actions (CommonErrors.html) are not in the operations' models.
        assert code in {
            "ValidationError",
            "AccessDenied",
            "InvalidClientTokenId",
            "InvalidInput",
            "InvalidAction",
        }, (
            op,
            code,
        )
        assert status == (403 if code in ("AccessDenied", "InvalidClientTokenId") else 400), (op, code)
    return str(code)


NAME_KEYS = (
    "UserName",
    "GroupName",
    "RoleName",
    "InstanceProfileName",
    "PolicyArn",
    "SAMLProviderArn",
    "OpenIDConnectProviderArn",
    "ServerCertificateName",
)
_BOGUS = {
    "PolicyArn": f"arn:aws:iam::{ACCT}:policy/nosuch",
    "SAMLProviderArn": f"arn:aws:iam::{ACCT}:saml-provider/nosuch",
    "OpenIDConnectProviderArn": f"arn:aws:iam::{ACCT}:oidc-provider/nosuch.example.com",
}


def _scenario() -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Every IAM operation once, in an order that makes each call valid: (operation,
    parameters, parameters of an error case or None for "derive one")."""
    pol = f"arn:aws:iam::{ACCT}:policy/p"
    saml = f"arn:aws:iam::{ACCT}:saml-provider/Okta"
    oidc = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
    u = {"UserName": "dev"}
    return [
        ("create_account_alias", {"AccountAlias": "my-alias"}, {"AccountAlias": "my-alias"}),
        ("list_account_aliases", {}, None),
        ("get_account_summary", {}, {}),
        ("update_account_password_policy", {"MinimumPasswordLength": 12}, {"MinimumPasswordLength": 200}),
        ("get_account_password_policy", {}, {}),
        ("create_user", {**u, "Tags": [{"Key": "team", "Value": "a"}]}, None),
        ("get_user", u, None),
        ("list_users", {}, None),
        ("update_user", {**u, "NewPath": "/x/"}, None),
        ("tag_user", {**u, "Tags": [{"Key": "k", "Value": "v"}]}, None),
        ("list_user_tags", u, None),
        ("untag_user", {**u, "TagKeys": ["k"]}, None),
        ("create_group", {"GroupName": "devs"}, None),
        ("update_group", {"GroupName": "devs", "NewPath": "/team/"}, None),
        ("add_user_to_group", {"GroupName": "devs", **u}, None),
        ("get_group", {"GroupName": "devs"}, None),
        ("list_groups", {}, None),
        ("list_groups_for_user", u, None),
        ("create_policy", {"PolicyName": "p", "PolicyDocument": POLICY, "Description": "d"}, None),
        ("get_policy", {"PolicyArn": pol}, None),
        ("get_policy", {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, {}),
        ("list_policies", {"Scope": "Local"}, None),
        ("create_policy_version", {"PolicyArn": pol, "PolicyDocument": POLICY}, None),
        ("list_policy_versions", {"PolicyArn": pol}, None),
        ("get_policy_version", {"PolicyArn": pol, "VersionId": "v2"}, {"PolicyArn": pol, "VersionId": "v9"}),
        ("set_default_policy_version", {"PolicyArn": pol, "VersionId": "v2"}, None),
        (
            "delete_policy_version",
            {"PolicyArn": pol, "VersionId": "v1"},
            {"PolicyArn": pol, "VersionId": "v2"},
        ),
        ("tag_policy", {"PolicyArn": pol, "Tags": [{"Key": "k", "Value": "v"}]}, None),
        ("list_policy_tags", {"PolicyArn": pol}, None),
        ("untag_policy", {"PolicyArn": pol, "TagKeys": ["k"]}, None),
        ("attach_user_policy", {**u, "PolicyArn": pol}, None),
        ("attach_group_policy", {"GroupName": "devs", "PolicyArn": pol}, None),
        ("list_attached_user_policies", u, None),
        ("list_attached_group_policies", {"GroupName": "devs"}, None),
        ("list_entities_for_policy", {"PolicyArn": pol}, None),
        ("put_user_policy", {**u, "PolicyName": "i", "PolicyDocument": POLICY}, None),
        ("get_user_policy", {**u, "PolicyName": "i"}, None),
        ("list_user_policies", u, None),
        ("put_group_policy", {"GroupName": "devs", "PolicyName": "i", "PolicyDocument": POLICY}, None),
        ("get_group_policy", {"GroupName": "devs", "PolicyName": "i"}, None),
        ("list_group_policies", {"GroupName": "devs"}, None),
        ("put_user_permissions_boundary", {**u, "PermissionsBoundary": pol}, None),
        ("delete_user_permissions_boundary", u, None),
        (
            "create_role",
            {"RoleName": "r", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": "a", "Value": "b"}]},
            None,
        ),
        ("get_role", {"RoleName": "r"}, None),
        ("list_roles", {}, None),
        ("update_role", {"RoleName": "r", "Description": "d"}, None),
        ("update_role_description", {"RoleName": "r", "Description": "d2"}, None),
        ("update_assume_role_policy", {"RoleName": "r", "PolicyDocument": TRUST}, None),
        ("tag_role", {"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}]}, None),
        ("list_role_tags", {"RoleName": "r"}, None),
        ("untag_role", {"RoleName": "r", "TagKeys": ["k"]}, None),
        ("put_role_policy", {"RoleName": "r", "PolicyName": "i", "PolicyDocument": POLICY}, None),
        ("get_role_policy", {"RoleName": "r", "PolicyName": "i"}, None),
        ("list_role_policies", {"RoleName": "r"}, None),
        ("attach_role_policy", {"RoleName": "r", "PolicyArn": pol}, None),
        ("list_attached_role_policies", {"RoleName": "r"}, None),
        ("put_role_permissions_boundary", {"RoleName": "r", "PermissionsBoundary": pol}, None),
        ("delete_role_permissions_boundary", {"RoleName": "r"}, None),
        ("create_instance_profile", {"InstanceProfileName": "ip"}, None),
        ("add_role_to_instance_profile", {"InstanceProfileName": "ip", "RoleName": "r"}, None),
        ("get_instance_profile", {"InstanceProfileName": "ip"}, None),
        ("list_instance_profiles", {}, None),
        ("list_instance_profiles_for_role", {"RoleName": "r"}, None),
        ("tag_instance_profile", {"InstanceProfileName": "ip", "Tags": [{"Key": "k", "Value": "v"}]}, None),
        ("list_instance_profile_tags", {"InstanceProfileName": "ip"}, None),
        ("untag_instance_profile", {"InstanceProfileName": "ip", "TagKeys": ["k"]}, None),
        ("get_account_authorization_details", {}, None),
        (
            "get_context_keys_for_custom_policy",
            {"PolicyInputList": [json.dumps(POLICY)]},
            {"PolicyInputList": ["{"]},
        ),
        (
            "get_context_keys_for_principal_policy",
            {"PolicySourceArn": f"arn:aws:iam::{ACCT}:user/x/dev"},
            {"PolicySourceArn": f"arn:aws:iam::{ACCT}:user/nosuch"},
        ),
        ("generate_credential_report", {}, {}),
        ("get_credential_report", {}, {}),
        (
            "simulate_principal_policy",
            {"PolicySourceArn": f"arn:aws:iam::{ACCT}:user/x/dev", "ActionNames": ["s3:GetObject"]},
            {"PolicySourceArn": f"arn:aws:iam::{ACCT}:user/nosuch", "ActionNames": ["s3:GetObject"]},
        ),
        (
            "simulate_custom_policy",
            {"PolicyInputList": [json.dumps(POLICY)], "ActionNames": ["s3:GetObject"]},
            {"PolicyInputList": ["{"], "ActionNames": ["s3:GetObject"]},
        ),
        ("remove_role_from_instance_profile", {"InstanceProfileName": "ip", "RoleName": "r"}, None),
        ("delete_instance_profile", {"InstanceProfileName": "ip"}, None),
        (
            "create_service_linked_role",
            {"AWSServiceName": "elasticbeanstalk.amazonaws.com"},
            {"AWSServiceName": "elasticbeanstalk.amazonaws.com"},
        ),
        ("delete_service_linked_role", {"RoleName": "AWSServiceRoleForElasticBeanstalk"}, None),
        ("create_access_key", u, {"UserName": "nosuch"}),
        ("list_access_keys", u, None),
        ("create_login_profile", {**u, "Password": "Correct-Horse-9!"}, None),
        ("get_login_profile", u, None),
        ("update_login_profile", {**u, "PasswordResetRequired": True}, None),
        ("delete_login_profile", u, None),
        ("upload_ssh_public_key", {**u, "SSHPublicKeyBody": "ssh-rsa AAAAB3NzaC1yc2E dev@host"}, None),
        ("list_ssh_public_keys", u, None),
        ("upload_signing_certificate", {**u, "CertificateBody": "-----BEGIN CERTIFICATE-----"}, None),
        ("list_signing_certificates", u, None),
        ("create_service_specific_credential", {**u, "ServiceName": "codecommit.amazonaws.com"}, None),
        ("list_service_specific_credentials", u, None),
        (
            "upload_server_certificate",
            {
                "ServerCertificateName": "web",
                "CertificateBody": "-----BEGIN CERTIFICATE-----",
                "PrivateKey": "k",
            },
            None,
        ),
        ("get_server_certificate", {"ServerCertificateName": "web"}, None),
        ("list_server_certificates", {}, None),
        ("delete_server_certificate", {"ServerCertificateName": "web"}, None),
        (
            "create_saml_provider",
            {
                "Name": "Okta",
                "SAMLMetadataDocument": "<EntityDescriptor>" + " " * 1000 + "</EntityDescriptor>",
            },
            None,
        ),
        ("get_saml_provider", {"SAMLProviderArn": saml}, None),
        ("list_saml_providers", {}, {"Bogus": 1}),
        ("delete_saml_provider", {"SAMLProviderArn": saml}, None),
        (
            "create_open_id_connect_provider",
            {
                "Url": "https://token.actions.githubusercontent.com",
                "ClientIDList": ["sts.amazonaws.com"],
                "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
            },
            None,
        ),
        ("get_open_id_connect_provider", {"OpenIDConnectProviderArn": oidc}, None),
        ("list_open_id_connect_providers", {}, {"Bogus": 1}),
        ("delete_open_id_connect_provider", {"OpenIDConnectProviderArn": oidc}, None),
        ("detach_user_policy", {**u, "PolicyArn": pol}, None),
        ("detach_group_policy", {"GroupName": "devs", "PolicyArn": pol}, None),
        ("detach_role_policy", {"RoleName": "r", "PolicyArn": pol}, None),
        ("delete_user_policy", {**u, "PolicyName": "i"}, None),
        ("delete_group_policy", {"GroupName": "devs", "PolicyName": "i"}, None),
        ("delete_role_policy", {"RoleName": "r", "PolicyName": "i"}, None),
        ("delete_policy", {"PolicyArn": pol}, None),
        ("delete_role", {"RoleName": "r"}, None),
        ("remove_user_from_group", {"GroupName": "devs", **u}, None),
        ("delete_group", {"GroupName": "devs"}, None),
        ("delete_account_password_policy", {}, {}),
        ("delete_account_alias", {"AccountAlias": "my-alias"}, {"AccountAlias": "other-alias"}),
    ]


def _derived_error(op: str, kw: dict[str, Any]) -> dict[str, Any]:
    owned = ("create_policy_version", "create_service_specific_credential", "create_access_key")
    if op.startswith(("create_", "upload_server", "put_")) and op not in (
        "put_user_permissions_boundary",
        *owned,
    ):
        if op.startswith("put_"):
            return {**kw, _name_key_present(kw): _BOGUS.get(_name_key_present(kw), "nosuch")}
        return kw  # the same again: EntityAlreadyExists
    for key in NAME_KEYS:
        if key in kw:
            return {**kw, key: _BOGUS.get(key, "nosuch")}
    return {**kw, "MaxItems": 1001}


def _name_key_present(kw: dict[str, Any]) -> str:
    return next(k for k in NAME_KEYS if k in kw)


def test_every_operation_matches_the_models_output_shapes_errors_and_statuses() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    covered: set[str] = set()
    codes: dict[str, str] = {}
    problems: list[str] = []

    def run(op: str, kw: dict[str, Any], bad: dict[str, Any] | None) -> dict[str, Any]:
        response: dict[str, Any] = getattr(iam, op)(**kw)
        try:
            _check_response("iam", op, response)
        except AssertionError as e:
            problems.append(f"{op} response: {e}")
        covered.add(op)
        # An error case: a missing entity, a duplicate, or a bad value.
        bad_kw = _derived_error(op, kw) if bad is None else bad
        if op.startswith("delete_") and bad is None:
            bad_kw = dict(kw)  # deleting again: NoSuchEntity
        try:
            getattr(iam, op)(**bad_kw)
        except ParamValidationError:
            return response
        except ClientError as e:
            try:
                codes[op] = _check_error("iam", op, e)
            except AssertionError as x:
                problems.append(f"{op} error: {x}")
        else:
            # GetAccountSummary has no failure a caller can cause; the password policy is
            # deleted (once) at the end.
            if op not in (
                "delete_account_password_policy",
                "get_account_summary",
                "get_account_password_policy",
                # Generating again answers COMPLETE; the report's errors are checked below.
                "generate_credential_report",
                "get_credential_report",
            ):
                problems.append(f"{op}({bad_kw}) did not fail")
        return response

    for op, kw, bad in _scenario():
        run(op, kw, bad)
    # The operations on credentials named by the ids IAM gave them.
    u = {"UserName": "dev"}
    key = run("create_access_key", u, {"UserName": "nosuch"})["AccessKey"]["AccessKeyId"]
    kid = {**u, "AccessKeyId": key}
    run(
        "update_access_key",
        {**kid, "Status": "Inactive"},
        {**kid, "AccessKeyId": "AKIAAAAAAAAAAAAAAAAA", "Status": "Active"},
    )
    run("delete_access_key", kid, None)
    ssh = run("upload_ssh_public_key", {**u, "SSHPublicKeyBody": "ssh-rsa AAAAB3NzaC1yc2E x@y"}, None)
    sid = {**u, "SSHPublicKeyId": ssh["SSHPublicKey"]["SSHPublicKeyId"]}
    run(
        "get_ssh_public_key",
        {**sid, "Encoding": "SSH"},
        {**sid, "SSHPublicKeyId": "APKAAAAAAAAAAAAAAAAA", "Encoding": "SSH"},
    )
    run("update_ssh_public_key", {**sid, "Status": "Inactive"}, None)
    run("delete_ssh_public_key", sid, None)
    for k in list(iam.list_ssh_public_keys(**u)["SSHPublicKeys"]):
        iam.delete_ssh_public_key(**u, SSHPublicKeyId=k["SSHPublicKeyId"])
    certs = iam.list_signing_certificates(**u)["Certificates"]
    cid = {**u, "CertificateId": certs[0]["CertificateId"]}
    run("update_signing_certificate", {**cid, "Status": "Inactive"}, None)
    run("delete_signing_certificate", cid, None)
    creds = iam.list_service_specific_credentials(**u)["ServiceSpecificCredentials"]
    ssc = {**u, "ServiceSpecificCredentialId": creds[0]["ServiceSpecificCredentialId"]}
    run("update_service_specific_credential", {**ssc, "Status": "Inactive"}, None)
    run("reset_service_specific_credential", ssc, None)
    run("delete_service_specific_credential", ssc, None)
    for k in iam.list_access_keys(**u)["AccessKeyMetadata"]:
        iam.delete_access_key(**u, AccessKeyId=k["AccessKeyId"])
    # Virtual MFA devices, with codes computed from the seed the device was created with.
    dev = run(
        "create_virtual_mfa_device",
        {"VirtualMFADeviceName": "dev-phone", "Tags": [{"Key": "k", "Value": "v"}]},
        None,
    )["VirtualMFADevice"]
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"]
    bogus = {"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/nosuch"}
    now = time.time()
    pair = {"AuthenticationCode1": _totp(seed, now - 30), "AuthenticationCode2": _totp(seed, now)}
    run("enable_mfa_device", {**u, "SerialNumber": serial, **pair}, None)
    run("list_mfa_devices", u, None)
    run("get_mfa_device", {"SerialNumber": serial}, bogus)
    later = {"AuthenticationCode1": _totp(seed, now + 30), "AuthenticationCode2": _totp(seed, now + 60)}
    wrong = {"AuthenticationCode1": "000000", "AuthenticationCode2": "000000"}
    run("resync_mfa_device", {**u, "SerialNumber": serial, **later}, {**u, "SerialNumber": serial, **wrong})
    run("list_virtual_mfa_devices", {"AssignmentStatus": "Assigned"}, None)
    tags = {"Tags": [{"Key": "k2", "Value": "v2"}]}
    run("tag_mfa_device", {"SerialNumber": serial, **tags}, {**bogus, **tags})
    run("list_mfa_device_tags", {"SerialNumber": serial}, bogus)
    run("untag_mfa_device", {"SerialNumber": serial, "TagKeys": ["k2"]}, {**bogus, "TagKeys": ["k2"]})
    run("deactivate_mfa_device", {**u, "SerialNumber": serial}, None)
    run("delete_virtual_mfa_device", {"SerialNumber": serial}, None)
    # The caller's own password, last-used data and access advisor reports.
    iam.put_user_policy(
        **u,
        PolicyName="self",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*"}],
        },
    )
    iam.create_login_profile(**u, Password="Correct-Horse-9!")
    dev_key = iam.create_access_key(**u)["AccessKey"]
    dev_iam = acct.client(
        "iam", aws_access_key_id=dev_key["AccessKeyId"], aws_secret_access_key=dev_key["SecretAccessKey"]
    )
    passwords = {"OldPassword": "Correct-Horse-9!", "NewPassword": "Battery-Staple-7!"}
    _check_response("iam", "change_password", dev_iam.change_password(**passwords))
    covered.add("change_password")
    with pytest.raises(ClientError) as err:
        iam.change_password(**passwords)  # the root user has no IAM user password
    codes["change_password"] = _check_error("iam", "change_password", err.value)
    run(
        "get_access_key_last_used",
        {"AccessKeyId": dev_key["AccessKeyId"]},
        {"AccessKeyId": "AKIAAAAAAAAAAAAAAAAA"},
    )
    dev_arn = f"arn:aws:iam::{ACCT}:user/x/dev"
    job = run(
        "generate_service_last_accessed_details",
        {"Arn": dev_arn, "Granularity": "ACTION_LEVEL"},
        {"Arn": f"arn:aws:iam::{ACCT}:user/nosuch"},
    )["JobId"]
    no_job = "00000000-0000-0000-0000-000000000000"
    run("get_service_last_accessed_details", {"JobId": job}, {"JobId": no_job})
    run(
        "get_service_last_accessed_details_with_entities",
        {"JobId": job, "ServiceNamespace": "iam"},
        {"JobId": no_job, "ServiceNamespace": "iam"},
    )
    iam.delete_access_key(**u, AccessKeyId=dev_key["AccessKeyId"])
    iam.delete_login_profile(**u)
    iam.delete_user_policy(**u, PolicyName="self")
    run("delete_user", u, None)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.get_account_password_policy()
    codes["get_account_password_policy"] = _check_error("iam", "get_account_password_policy", err.value)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
        iam.delete_account_password_policy()
    codes["delete_account_password_policy"] = _check_error("iam", "delete_account_password_policy", err.value)
    fresh = iamkit.Account(ACCT).client("iam")
    with pytest.raises(fresh.exceptions.CredentialReportNotPresentException) as err:
        fresh.get_credential_report()
    codes["get_credential_report"] = _check_error("iam", "get_credential_report", err.value)
    assert codes["get_credential_report"] == "ReportNotPresent"
    assert not problems, "\n".join(problems)
    assert covered == set(iam._operations), sorted(set(iam._operations) - covered)
    assert codes["create_user"] == "EntityAlreadyExists"
    assert codes["get_user"] == "NoSuchEntity"


def test_sts_operations_match_the_model() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.put_user_policy(
        UserName="alice",
        PolicyName="all",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    )
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    sts = acct.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    _check_response("sts", "get_caller_identity", sts.get_caller_identity())
    _check_response(
        "sts", "assume_role", sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/r", RoleSessionName="sess")
    )
    _check_response("sts", "get_federation_token", sts.get_federation_token(Name="fed"))
    _check_response("sts", "get_session_token", sts.get_session_token(DurationSeconds=900))
    with pytest.raises(ClientError) as err:
        sts.get_session_token(SerialNumber=f"arn:aws:iam::{ACCT}:mfa/nosuch", TokenCode="123456")
    assert _check_error("sts", "get_session_token", err.value) == "AccessDenied"
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/nosuch", RoleSessionName="sess")
    _check_error("sts", "assume_role", err.value)


def test_the_other_sts_operations_match_the_model() -> None:
    """GetAccessKeyInfo, DecodeAuthorizationMessage, AssumeRoleWithWebIdentity (a token minted
    with a key generated here) and the operations answered with InvalidAction."""
    import base64
    import time

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    sts = acct.client("sts")
    key = iam.create_access_key()["AccessKey"]["AccessKeyId"]
    _check_response("sts", "get_access_key_info", sts.get_access_key_info(AccessKeyId=key))
    with pytest.raises(ClientError) as err:
        sts.get_access_key_info(AccessKeyId="AKIA0000000000000000")
    _check_error("sts", "get_access_key_info", err.value)
    msg = acct.encode_authorization_message(principal=f"arn:aws:iam::{ACCT}:root", action="ec2:RunInstances")
    _check_response(
        "sts", "decode_authorization_message", sts.decode_authorization_message(EncodedMessage=msg)
    )
    with pytest.raises(ClientError) as err:
        sts.decode_authorization_message(EncodedMessage="garbage")
    assert (
        _check_error("sts", "decode_authorization_message", err.value)
        == "InvalidAuthorizationMessageException"
    )

    issuer = "https://idp.example.com"
    provider = iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["app"], ThumbprintList=["0" * 40]
    )
    pk = ec.generate_private_key(ec.SECP256R1())
    nums = pk.public_key().public_numbers()
    acct.register_oidc_provider_keys(
        provider["OpenIDConnectProviderArn"],
        {
            "keys": [
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": b64(nums.x.to_bytes(32, "big")),
                    "y": b64(nums.y.to_bytes(32, "big")),
                }
            ]
        },
    )
    iam.create_role(
        RoleName="web",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider["OpenIDConnectProviderArn"]},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ],
        },
    )
    head = b64(json.dumps({"alg": "ES256"}).encode())
    body = b64(json.dumps({"iss": issuer, "aud": "app", "sub": "u1", "exp": int(time.time()) + 60}).encode())
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(pk.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    token = f"{head}.{body}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    role = f"arn:aws:iam::{ACCT}:role/web"
    _check_response(
        "sts",
        "assume_role_with_web_identity",
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="u1", WebIdentityToken=token),
    )
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="u1", WebIdentityToken=token + "x")
    assert _check_error("sts", "assume_role_with_web_identity", err.value) == "InvalidIdentityToken"
    with pytest.raises(ClientError) as err:
        sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384")
    assert _check_error("sts", "get_web_identity_token", err.value) == "InvalidAction"


def test_get_user_without_a_name_is_the_caller() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    root = iam.get_user()["User"]
    assert root["Arn"] == f"arn:aws:iam::{ACCT}:root" and root["UserId"] == ACCT
    assert "UserName" not in root and isinstance(root["CreateDate"], dt.datetime)
    iam.create_user(UserName="alice", Path="/p/")
    # Reading one's own user still needs iam:GetUser (only sts:GetCallerIdentity needs nothing).
    iam.put_user_policy(
        UserName="alice",
        PolicyName="self",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{ACCT}:user/p/alice"}
            ],
        },
    )
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    as_alice = acct.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    me = as_alice.get_user()["User"]
    assert me["UserName"] == "alice" and me["Path"] == "/p/"
    _check_response("iam", "get_user", as_alice.get_user())


def test_list_members_as_aws_lists_them() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    pol = iam.create_policy(
        PolicyName="p", PolicyDocument=POLICY, Description="desc", Tags=[{"Key": "k", "Value": "v"}]
    )["Policy"]["Arn"]
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument=TRUST,
        PermissionsBoundary=pol,
        Tags=[{"Key": "k", "Value": "v"}],
    )
    listed = iam.list_roles()["Roles"][0]
    assert "Tags" not in listed and "PermissionsBoundary" not in listed and "RoleLastUsed" not in listed
    full = iam.get_role(RoleName="r")["Role"]
    assert (
        full["Tags"] == [{"Key": "k", "Value": "v"}]
        and full["PermissionsBoundary"]["PermissionsBoundaryArn"] == pol
    )
    lp = iam.list_policies(Scope="Local")["Policies"][0]
    assert "Description" not in lp and "Tags" not in lp
    assert iam.get_policy(PolicyArn=pol)["Policy"]["Description"] == "desc"
