"""iamkit.Account: import/export of get-account-authorization-details, the boto3-shaped IAM and
STS clients, authorize / simulate_principal_policy, pickling and display."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import iamkit

DATA = Path(__file__).resolve().parents[2] / "iam-parser" / "tests" / "data" / "account-authorization-details"
FILES = sorted(p.name for p in DATA.glob("*.json"))
ACCT = "111122223333"
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
TRUST_ALICE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_five_files_load_and_round_trip_exactly() -> None:
    assert len(FILES) == 5
    for name in FILES:
        text = (DATA / name).read_text()
        acct = iamkit.Account.from_authorization_details(DATA / name)
        out = acct.to_authorization_details()
        original = json.loads(text)
        assert out == original, name
        # key order too
        assert json.dumps(out) == json.dumps(original), name
        # and from the parsed dict
        again = iamkit.Account.from_authorization_details(original)
        assert json.dumps(again.to_authorization_details()) == json.dumps(original)


def test_authorize_over_an_imported_file() -> None:
    acct = iamkit.Account.from_authorization_details(str(DATA / "cloudsplaining-example.json"))
    assert acct.account_id == "200611803367"
    fp1 = "arn:aws:iam::200611803367:user/fp1-allow-and-deny-user"
    r = acct.authorize(principal=fp1, action="iam:ListUsers")
    assert isinstance(r, iamkit.EvaluationResult)
    assert r.decision == "explicitDeny"
    assert not r.allowed
    assert "explicit" in r.explain().lower() or "deny" in r.explain().lower()
    sre = "arn:aws:iam::200611803367:user/privesc-sre-user"
    assert acct.authorize(principal=sre, action="ec2:RunInstances").decision == "allowed"
    assert acct.authorize(principal=sre, action="lambda:InvokeFunction").decision == "implicitDeny"


def test_unknown_principal_raises_client_error() -> None:
    acct = iamkit.Account(ACCT)
    with pytest.raises(ClientError) as e:
        acct.authorize(principal=f"arn:aws:iam::{ACCT}:user/nobody", action="s3:GetObject")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"


def test_iam_client_shapes() -> None:
    acct = iamkit.Account(ACCT, alias="demo")
    iam = acct.client("iam")
    u = iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "core"}])
    assert set(u["User"]) >= {"Path", "UserName", "UserId", "Arn", "CreateDate"}
    assert u["User"]["Arn"] == f"arn:aws:iam::{ACCT}:user/eng/alice"
    assert isinstance(u["User"]["CreateDate"], dt.datetime)
    assert u["User"]["CreateDate"].tzinfo is not None
    assert u["User"]["Tags"] == [{"Key": "team", "Value": "core"}]
    assert u["ResponseMetadata"]["HTTPStatusCode"] == 200

    k = iam.create_access_key(UserName="alice")["AccessKey"]
    assert set(k) == {"AccessKeyId", "SecretAccessKey", "Status", "CreateDate", "UserName"}
    assert k["AccessKeyId"].startswith("AKIA") and len(k["SecretAccessKey"]) == 40
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert [x["AccessKeyId"] for x in listed] == [k["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]

    iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument=json.dumps(S3_READ))
    got = iam.get_user_policy(UserName="alice", PolicyName="read")
    assert got["PolicyDocument"] == S3_READ
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["read"]

    p = iam.create_policy(PolicyName="s3read", PolicyDocument=S3_READ, Description="d")["Policy"]
    assert p["Arn"] == f"arn:aws:iam::{ACCT}:policy/s3read" and p["DefaultVersionId"] == "v1"
    v = iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=S3_READ, SetAsDefault=True)
    assert v["PolicyVersion"]["VersionId"] == "v2" and v["PolicyVersion"]["IsDefaultVersion"]
    versions = iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]
    assert [x["VersionId"] for x in versions] == ["v2", "v1"]
    doc = iam.get_policy_version(PolicyArn=p["Arn"], VersionId="v1")["PolicyVersion"]["Document"]
    assert doc == S3_READ

    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    att = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert att == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    aws = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert aws["AttachmentCount"] == 1

    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    g = iam.get_group(GroupName="devs")
    assert [x["UserName"] for x in g["Users"]] == ["alice"]
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["devs"]

    r = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=TRUST_ALICE)["Role"]
    assert r["AssumeRolePolicyDocument"] == TRUST_ALICE
    assert r["MaxSessionDuration"] == 3600
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="admin")
    ips = iam.list_instance_profiles_for_role(RoleName="admin")["InstanceProfiles"]
    assert ips[0]["Roles"][0]["RoleName"] == "admin"

    assert iam.list_account_aliases()["AccountAliases"] == ["demo"]
    assert iam.get_account_summary()["SummaryMap"]["Users"] == 1
    assert [x["UserName"] for x in iam.list_users()["Users"]] == ["alice"]
    assert iam.list_users()["IsTruncated"] is False

    gaad = iam.get_account_authorization_details(Filter=["User"])
    assert [x["UserName"] for x in gaad["UserDetailList"]] == ["alice"]
    assert gaad["RoleDetailList"] == [] and gaad["Policies"] == []
    assert isinstance(gaad["UserDetailList"][0]["CreateDate"], dt.datetime)


def test_errors_are_client_errors_with_aws_codes() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName="BOB")
    assert e.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert e.value.response["Error"]["Message"] == "User with name BOB already exists."
    assert e.value.operation_name == "CreateUser"
    with pytest.raises(ClientError) as e:
        iam.get_user(UserName="nobody")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"
    with pytest.raises(ClientError) as e:
        iam.put_user_policy(UserName="bob", PolicyName="p", PolicyDocument='{"Statement": []}')
    assert e.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    with pytest.raises(AttributeError):
        iam.no_such_operation()


def test_sts_assume_role_and_caller_identity() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=TRUST_ALICE)
    iam.put_role_policy(RoleName="admin", PolicyName="s3", PolicyDocument=S3_READ)
    key = iam.create_access_key(UserName="alice")["AccessKey"]

    root = acct.client("sts").get_caller_identity()
    assert root["Arn"] == f"arn:aws:iam::{ACCT}:root" and root["Account"] == ACCT

    sts = acct.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    me = sts.get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCT}:user/alice"
    out = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/admin", RoleSessionName="s1")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert isinstance(creds["Expiration"], dt.datetime)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCT}:assumed-role/admin/s1"
    session = acct.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    r = acct.authorize(
        principal=out["AssumedRoleUser"]["Arn"], action="s3:GetObject", resource="arn:aws:s3:::b/k"
    )
    assert r.allowed

    # root is not trusted by the role's trust policy
    with pytest.raises(ClientError) as e:
        acct.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/admin", RoleSessionName="xx")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    bad = acct.client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="x" * 40)
    with pytest.raises(ClientError):
        bad.get_caller_identity()


def test_simulate_principal_policy() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="dev")
    iam.put_user_policy(UserName="dev", PolicyName="p", PolicyDocument=S3_READ)
    kwargs: dict[str, Any] = {
        "PolicySourceArn": f"arn:aws:iam::{ACCT}:user/dev",
        "ActionNames": ["s3:GetObject", "s3:PutObject"],
    }
    out = acct.simulate_principal_policy(**kwargs)
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
    same = iam.simulate_principal_policy(**kwargs)
    assert [r["EvalDecision"] for r in same["EvaluationResults"]] == ["allowed", "implicitDeny"]


def test_pickle_keeps_the_entities_not_the_secrets() -> None:
    acct = iamkit.Account(ACCT, alias="demo")
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument=S3_READ)
    back = pickle.loads(pickle.dumps(acct))
    assert back.account_id == ACCT and back.alias == "demo"
    assert back.to_authorization_details() == acct.to_authorization_details()
    assert back.client("iam").list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    alice = f"arn:aws:iam::{ACCT}:user/alice"
    assert back.authorize(principal=alice, action="s3:GetObject").allowed

    imported = iamkit.Account.from_authorization_details(DATA / "cloudmapper-demo.json")
    again = pickle.loads(pickle.dumps(imported))
    assert json.dumps(again.to_authorization_details()) == json.dumps(imported.to_authorization_details())


def test_repr_and_html() -> None:
    acct = iamkit.Account(ACCT, alias="demo")
    acct.client("iam").create_user(UserName="alice")
    assert repr(acct) == f"<Account {ACCT} (demo): 1 users, 0 groups, 0 roles, 0 policies>"
    h = acct._repr_html_()
    assert "<table" in h and "alice" in h and "Users" in h
    assert "<script" not in iamkit.Account.from_authorization_details(DATA / FILES[0])._repr_html_()


def test_secrets_never_in_repr() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    secret = iam.create_access_key(UserName="alice")["AccessKey"]["SecretAccessKey"]
    assert secret not in repr(acct)
    assert secret not in json.dumps(acct.to_authorization_details())
    assert secret not in pickle.dumps(acct).decode("latin-1")


def test_bad_inputs() -> None:
    with pytest.raises(ClientError):
        iamkit.Account("1234")
    with pytest.raises(ValueError):
        iamkit.Account.from_authorization_details({"UserDetailList": 3})
    with pytest.raises(TypeError):
        iamkit.Account.from_authorization_details(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        iamkit.Account().client("s3")


def test_client_lists_every_operation() -> None:
    iam = iamkit.Account().client("iam")
    names = dir(iam)
    for op in (
        "create_user",
        "put_user_policy",
        "attach_user_policy",
        "create_role",
        "create_policy",
        "create_policy_version",
        "get_account_authorization_details",
        "list_users",
        "list_roles",
        "list_policies",
    ):
        assert op in names
    assert "assume_role" in dir(iamkit.Account().client("sts"))


def test_no_secret_or_password_anywhere_after_creation() -> None:
    """Issue: secrets never appear in repr, str, HTML, exports, pickles, later responses or
    error messages (architecture: "Secrets ... never appear in Debug, repr, logs or errors")."""
    import logging

    records: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logging.getLogger().addHandler(Grab())
    logging.getLogger().setLevel(logging.DEBUG)

    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    password = "Correct-Horse-Battery-9"
    iam.create_login_profile(UserName="alice", Password=password)
    secret = iam.create_access_key(UserName="alice")["AccessKey"]["SecretAccessKey"]
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    texts = [
        repr(acct),
        str(acct),
        acct._repr_html_(),
        json.dumps(acct.to_authorization_details(), default=str),
        pickle.dumps(acct).decode("latin-1"),
        repr(iam.list_access_keys(UserName="alice")),
        repr(iam.get_login_profile(UserName="alice")),
        repr(iam.get_user(UserName="alice")),
    ]
    for bad in (
        lambda: iam.create_login_profile(UserName="alice", Password=password),
        lambda: iam.create_access_key(UserName="nobody"),
        lambda: iam.update_login_profile(UserName="alice", Password="x"),
    ):
        with pytest.raises(ClientError) as err:
            bad()
        texts.append(repr(err.value))
        texts.append(str(err.value))
        texts.append(json.dumps(err.value.response, default=str))
    texts.extend(records)
    for t in texts:
        assert secret not in t
        assert password not in t


def test_ssh_keys_certificates_service_credentials_and_providers() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="dev")
    key = iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2E dev@host")
    key_id = key["SSHPublicKey"]["SSHPublicKeyId"]
    assert key_id.startswith("APKA") and key["SSHPublicKey"]["Status"] == "Active"
    assert isinstance(key["SSHPublicKey"]["UploadDate"], dt.datetime)
    iam.update_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Status="Inactive")
    listed = iam.list_ssh_public_keys(UserName="dev")["SSHPublicKeys"]
    assert [k["Status"] for k in listed] == ["Inactive"]
    assert iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")["SSHPublicKey"][
        "SSHPublicKeyBody"
    ].startswith("ssh-rsa")

    cert = iam.upload_signing_certificate(UserName="dev", CertificateBody="-----BEGIN CERTIFICATE-----")
    cert_id = cert["Certificate"]["CertificateId"]
    assert len(cert_id) == 28 and cert_id.isalnum() and cert_id.isupper()
    assert len(iam.list_signing_certificates(UserName="dev")["Certificates"]) == 1

    cred = iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    c = cred["ServiceSpecificCredential"]
    password = c["ServicePassword"]
    assert c["ServiceSpecificCredentialId"].startswith("ACCA") and len(password) == 44
    listed_creds = iam.list_service_specific_credentials(UserName="dev")["ServiceSpecificCredentials"]
    assert "ServicePassword" not in listed_creds[0]
    assert password not in repr(acct) and password not in json.dumps(acct.to_authorization_details())

    with pytest.raises(ClientError) as err:
        iam.delete_user(UserName="dev")
    assert err.value.response["Error"]["Code"] == "DeleteConflict"
    iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id)
    iam.delete_signing_certificate(UserName="dev", CertificateId=cert_id)
    iam.delete_service_specific_credential(
        UserName="dev", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"]
    )
    iam.delete_user(UserName="dev")

    meta = "<EntityDescriptor>" + " " * 1000 + "</EntityDescriptor>"
    saml = iam.create_saml_provider(SAMLMetadataDocument=meta, Name="Okta")["SAMLProviderArn"]
    assert saml == f"arn:aws:iam::{ACCT}:saml-provider/Okta"
    assert iam.get_saml_provider(SAMLProviderArn=saml)["SAMLMetadataDocument"] == meta
    assert [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]] == [saml]
    iam.delete_saml_provider(SAMLProviderArn=saml)
    with pytest.raises(ClientError) as err:
        iam.create_saml_provider(SAMLMetadataDocument=meta, Name="bad name")
    assert err.value.response["Error"]["Code"] == "ValidationError"

    oidc = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )["OpenIDConnectProviderArn"]
    assert oidc == f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc)
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]] == [oidc]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=oidc)

    private_key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-unique-test-key\n-----END PRIVATE KEY-----"
    sc = iam.upload_server_certificate(
        ServerCertificateName="web", CertificateBody="-----BEGIN CERTIFICATE-----", PrivateKey=private_key
    )["ServerCertificateMetadata"]
    assert sc["Arn"] == f"arn:aws:iam::{ACCT}:server-certificate/web"
    got_sc = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert "PrivateKey" not in got_sc and private_key not in repr(acct)
    assert len(iam.list_server_certificates()["ServerCertificateMetadataList"]) == 1
    with pytest.raises(ClientError) as err:
        iam.upload_server_certificate(
            ServerCertificateName="web", CertificateBody="-----BEGIN CERTIFICATE-----", PrivateKey=private_key
        )
    assert private_key not in str(err.value)
    iam.delete_server_certificate(ServerCertificateName="web")
