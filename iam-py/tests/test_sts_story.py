"""The STS story completed (issue #11): AssumeRole's rules, AssumeRoleWithWebIdentity with
tokens minted here (``cryptography`` keys, RS256 and ES256), GetAccessKeyInfo,
DecodeAuthorizationMessage, the unimplemented operations, and the organization's SCPs applied
to every client call. Responses and errors are checked against botocore's STS model.
"""

from __future__ import annotations

import base64
import json
import pickle
import time
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import iamkit

ACCT = "111122223333"
ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
STS_MODEL = botocore.session.get_session().get_service_model("sts")
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Issuer:
    """An OIDC issuer with an RSA and a P-256 key, minting signed ID tokens."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict[str, Any]:
        rn = self.rsa.public_key().public_numbers()
        en = self.ec.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": "r1",
                    "use": "sig",
                    "n": _b64(_int_bytes(rn.n)),
                    "e": _b64(_int_bytes(rn.e)),
                },
                {
                    "kty": "EC",
                    "kid": "e1",
                    "crv": "P-256",
                    "x": _b64(en.x.to_bytes(32, "big")),
                    "y": _b64(en.y.to_bytes(32, "big")),
                },
            ]
        }

    def token(self, claims: dict[str, Any], alg: str = "RS256", kid: str | None = None) -> str:
        kid = kid or ("r1" if alg == "RS256" else "e1")
        header = _b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        signed = f"{header}.{body}".encode()
        if alg == "RS256":
            sig = self.rsa.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            r, s = decode_dss_signature(self.ec.sign(signed, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{header}.{body}.{_b64(sig)}"


def claims(sub: str = "repo:acme/app:ref:refs/heads/main", **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "aud": "sts.amazonaws.com", "sub": sub, "iat": now, "exp": now + 600, **extra}


def _check_shape(op: str, response: dict[str, Any]) -> None:
    """Every member of the response is in the model's output shape, with the required ones."""
    name = next(o for o in STS_MODEL.operation_names if o.lower() == op.replace("_", ""))
    shape = STS_MODEL.operation_model(name).output_shape
    members = {k for k in response if k != "ResponseMetadata"}
    assert members <= set(shape.members), members - set(shape.members)
    assert set(shape.required_members) <= members


def _error(e: ClientError) -> tuple[str, int]:
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def web() -> tuple[iamkit.Account, Issuer, Any]:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_open_id_connect_provider(
        Url=ISSUER,
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    issuer = Issuer()
    assert acct.register_oidc_provider_keys(PROVIDER, issuer.jwks()) == 2
    iam.create_role(
        RoleName="deploy",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                    },
                }
            ],
        },
    )
    iam.put_role_policy(RoleName="deploy", PolicyName="read", PolicyDocument=ALLOW_ALL)
    return acct, issuer, acct.client("sts")


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_web_identity_token_gives_a_role_session(web: tuple[iamkit.Account, Issuer, Any], alg: str) -> None:
    acct, issuer, sts = web
    out = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCT}:role/deploy",
        RoleSessionName="ci",
        WebIdentityToken=issuer.token(claims(), alg),
    )
    _check_shape("assume_role_with_web_identity", out)
    assert out["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    assert out["Audience"] == "sts.amazonaws.com" and out["Provider"] == ISSUER
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCT}:assumed-role/deploy/ci"
    c = out["Credentials"]
    as_ci = acct.client(
        "sts",
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    assert as_ci.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCT}:assumed-role/deploy/ci"


def test_web_identity_refusals_are_awss(web: tuple[iamkit.Account, Issuer, Any]) -> None:
    _, issuer, sts = web

    def refused(token: str) -> tuple[str, int, str]:
        with pytest.raises(ClientError) as err:
            sts.assume_role_with_web_identity(
                RoleArn=f"arn:aws:iam::{ACCT}:role/deploy", RoleSessionName="ci", WebIdentityToken=token
            )
        code, status = _error(err.value)
        return code, status, err.value.response["Error"]["Message"]

    now = int(time.time())
    assert refused(issuer.token(claims(exp=now - 10)))[:2] == ("ExpiredTokenException", 400)
    assert refused(issuer.token(claims(aud="other"))) == (
        "InvalidIdentityToken",
        400,
        "Incorrect token audience",
    )
    assert refused(Issuer().token(claims()))[:2] == ("InvalidIdentityToken", 400)  # a key not registered
    assert refused(issuer.token(claims(iss="https://idp.example.com")))[2] == (
        "No OpenIDConnect provider found in your account for https://idp.example.com"
    )
    no_sub = claims()
    del no_sub["sub"]
    assert refused(issuer.token(no_sub))[:2] == ("IDPRejectedClaim", 403)
    assert refused(issuer.token(claims(sub="repo:evil/app"))) == (
        "AccessDenied",
        403,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
    assert refused("garbage.token.here")[:2] == ("InvalidIdentityToken", 400)


def test_jwks_registration_errors() -> None:
    acct = iamkit.Account(ACCT)
    with pytest.raises(ClientError) as err:
        acct.register_oidc_provider_keys(PROVIDER, Issuer().jwks())
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    acct.client("iam").create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["a"], ThumbprintList=["0" * 40]
    )
    with pytest.raises(ClientError) as err:
        acct.register_oidc_provider_keys(PROVIDER, {"keys": [{"kty": "oct", "k": "AAAA"}]})
    assert err.value.response["Error"]["Message"].startswith("not a JWKS document")


def _user(acct: iamkit.Account, name: str, policy: dict[str, Any]) -> dict[str, str]:
    iam = acct.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": k["AccessKeyId"], "aws_secret_access_key": k["SecretAccessKey"]}


def test_assume_role_rules() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                }
            ],
        },
    )
    role = f"arn:aws:iam::{ACCT}:role/r"
    # The root user cannot assume roles.
    with pytest.raises(ClientError) as err:
        acct.client("sts").assume_role(RoleArn=role, RoleSessionName="root")
    assert err.value.response["Error"]["Message"] == "Roles may not be assumed by root accounts."
    alice = acct.client("sts", **_user(acct, "alice", ALLOW_ALL))
    out = alice.assume_role(RoleArn=role, RoleSessionName="a1", SourceIdentity="alice")
    _check_shape("assume_role", out)
    assert out["SourceIdentity"] == "alice"
    # Tags need sts:TagSession in the trust policy.
    with pytest.raises(ClientError) as err:
        alice.assume_role(RoleArn=role, RoleSessionName="a2", Tags=[{"Key": "team", "Value": "x"}])
    assert "sts:TagSession" in err.value.response["Error"]["Message"]
    # Chaining: at most one hour.
    c = out["Credentials"]
    chained = acct.client(
        "sts",
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    iam.put_role_policy(RoleName="r", PolicyName="all", PolicyDocument=ALLOW_ALL)
    with pytest.raises(ClientError) as err:
        chained.assume_role(RoleArn=role, RoleSessionName="a3", DurationSeconds=7200)
    assert "1 hour session limit" in err.value.response["Error"]["Message"]
    assert chained.assume_role(RoleArn=role, RoleSessionName="a3")["SourceIdentity"] == "alice"


def test_get_access_key_info_and_decode_authorization_message() -> None:
    acct = iamkit.Account(ACCT)
    creds = _user(acct, "alice", ALLOW_ALL)
    sts = acct.client("sts", **creds)
    info = sts.get_access_key_info(AccessKeyId=creds["aws_access_key_id"])
    _check_shape("get_access_key_info", info)
    assert info["Account"] == ACCT
    other = iamkit.Account("444455556666")
    other.client("iam").create_user(UserName="x")
    key = other.client("iam").create_access_key(UserName="x")["AccessKey"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == "444455556666"

    msg = acct.encode_authorization_message(
        principal=f"arn:aws:iam::{ACCT}:user/alice",
        action="ec2:StopInstances",
        context={"ec2:Tenancy": "default"},
    )
    out = sts.decode_authorization_message(EncodedMessage=msg)
    _check_shape("decode_authorization_message", out)
    decoded = json.loads(out["DecodedMessage"])
    assert decoded["allowed"] is True and decoded["context"]["action"] == "ec2:StopInstances"
    assert decoded["context"]["conditions"]["items"][0]["key"].lower() == "ec2:tenancy"
    with pytest.raises(sts.exceptions.InvalidAuthorizationMessageException) as err:
        sts.decode_authorization_message(EncodedMessage="not-a-message")
    assert _error(err.value) == ("InvalidAuthorizationMessageException", 400)


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("assume_role_with_saml", {"RoleArn": "a" * 20, "PrincipalArn": "b" * 20, "SAMLAssertion": "x" * 4}),
        ("assume_root", {"TargetPrincipal": "444455556666", "TaskPolicyArn": {"arn": "a" * 20}}),
    ],
)
def test_unimplemented_operations_say_so(op: str, params: dict[str, Any]) -> None:
    sts = iamkit.Account(ACCT).client("sts")
    with pytest.raises(ClientError) as err:
        getattr(sts, op)(**params)
    assert err.value.response["Error"]["Code"] == "InvalidAction"
    assert "iamkit does not implement" in err.value.response["Error"]["Message"]


NO_USERS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}],
}
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_scps_apply_to_every_client_call_root_included() -> None:
    acct = iamkit.Account(ACCT)
    alice = acct.client("iam", **_user(acct, "alice", ALLOW_ALL))
    acct.set_organization_policies(scps=[[FULL], [FULL, NO_USERS]])
    for client, arn in (
        (alice, f"arn:aws:iam::{ACCT}:user/alice"),
        (acct.client("iam"), f"arn:aws:iam::{ACCT}:root"),
    ):
        with pytest.raises(ClientError) as err:
            client.create_user(UserName="bob")
        assert err.value.response["Error"]["Message"] == (
            f"User: {arn} is not authorized to perform: iam:CreateUser on resource: "
            f"arn:aws:iam::{ACCT}:user/bob with an explicit deny in a service control policy"
        )
    assert alice.list_users()["Users"]
    assert acct.authorize(principal=f"arn:aws:iam::{ACCT}:user/alice", action="iam:CreateUser").decision == (
        "explicitDeny"
    )
    # Kept by pickling.
    again = pickle.loads(pickle.dumps(acct))
    with pytest.raises(ClientError):
        again.client("iam").create_user(UserName="bob")
    # The management account is exempt.
    acct.set_organization_policies(scps=[[FULL], [FULL, NO_USERS]], management_account=True)
    acct.client("iam").create_user(UserName="bob")
    again = pickle.loads(pickle.dumps(acct))
    again.client("iam").create_user(UserName="carol")
    with pytest.raises(TypeError):
        acct.set_organization_policies(scps=[FULL])  # type: ignore[list-item]


def test_from_boto3_management_account_is_exempt_from_its_scps() -> None:
    """from_boto3 loads the SCPs of the account's path; in the organization's management account
    they do not apply (spec §5.10), in a member account they do."""
    moto = pytest.importorskip("moto")
    import boto3

    with moto.mock_aws():
        session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
        org = session.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        me = session.client("sts").get_caller_identity()["Account"]
        pid = org.create_policy(
            Name="NoUsers", Description="d", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(NO_USERS)
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=pid, TargetId=me)
        acct = iamkit.Account.from_boto3(session)
    levels = acct.organization_policies["scps"]
    assert "NoUsers" in [p.name for p in levels[-1]]
    acct.client("iam").create_user(UserName="allowed-in-management")
    # The same policies in a member account apply.
    acct.set_organization_policies(scps=levels)
    with pytest.raises(ClientError) as err:
        acct.client("iam").create_user(UserName="bob")
    assert err.value.response["Error"]["Message"].endswith(
        "with an explicit deny in a service control policy"
    )
