"""``iamkit.Server`` / ``iamkit serve``: the real boto3 (botocore's Query protocol, SigV4 signing and
XML parsing) against the local endpoint. The exhaustive AWS CLI / boto3 scenarios live in the
end-to-end suite; these check the protocol and the server's own contract."""

from __future__ import annotations

import json
import os
import pickle
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamkit

boto3 = pytest.importorskip("boto3")
botocore_exceptions = pytest.importorskip("botocore.exceptions")
ClientError = botocore_exceptions.ClientError

READ_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}],
    }
)


def client(server: iamkit.Server, service: str, **creds: Any) -> Any:
    if not creds:
        creds = dict(server.root_credentials or {})
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1", **creds)


def test_walkthrough_with_boto3(tmp_path: Path) -> None:
    with iamkit.Server() as server:
        iam = client(server, "iam")
        user = iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "red"}])["User"]
        assert user["Arn"] == "arn:aws:iam::123456789012:user/alice"
        assert user["Tags"] == [{"Key": "team", "Value": "red"}]
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        # The profile the user would write with `aws configure`.
        creds_file, config_file = tmp_path / "credentials", tmp_path / "config"
        iamkit.write_cli_profile(
            "alice",
            key["AccessKeyId"],
            key["SecretAccessKey"],
            region="us-east-1",
            credentials_file=str(creds_file),
            config_file=str(config_file),
        )
        profile = iamkit.read_cli_profiles(credentials_file=str(creds_file), config_file=str(config_file))
        alice = client(
            server,
            "iam",
            aws_access_key_id=profile["alice"]["aws_access_key_id"],
            aws_secret_access_key=profile["alice"]["aws_secret_access_key"],
        )
        with pytest.raises(ClientError) as denied:
            alice.list_users()
        err = denied.value.response["Error"]
        assert err["Code"] == "AccessDenied"
        assert err["Message"].startswith(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: "
        )
        assert err["Message"].endswith("because no identity-based policy allows the iam:ListUsers action")
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument=READ_USERS)
        names = [u["UserName"] for u in alice.list_users()["Users"]]
        assert names == ["alice"]
        # Documents come back URL-encoded and botocore decodes them into dicts.
        doc = iam.get_user_policy(UserName="alice", PolicyName="read")["PolicyDocument"]
        assert doc == json.loads(READ_USERS)
        # Self-escalation is denied.
        with pytest.raises(ClientError) as esc:
            alice.attach_user_policy(
                UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
            )
        assert esc.value.response["Error"]["Code"] == "AccessDenied"
        # STS: who am I, with no permission needed.
        sts = client(
            server,
            "sts",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        ident = sts.get_caller_identity()
        assert ident["Arn"] == "arn:aws:iam::123456789012:user/alice"
        assert ident["Account"] == "123456789012"
        # Paginators work through the Marker the server returns.
        for i in range(12):
            iam.create_user(UserName=f"u{i:02}")
        pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 5}))
        assert len(pages) == 3
        assert sum(len(p["Users"]) for p in pages) == 13
        # Modeled errors carry the model's status and become client.exceptions.
        with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
            iam.get_user(UserName="nobody")
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert missing.value.response["Error"]["Message"] == "The user with name nobody cannot be found."


def test_authentication_failures_use_aws_codes() -> None:
    with iamkit.Server() as server:
        creds = server.root_credentials
        assert creds is not None
        wrong = client(
            server,
            "sts",
            aws_access_key_id=creds["aws_access_key_id"],
            aws_secret_access_key="x" * 40,
        )
        with pytest.raises(ClientError) as e:
            wrong.get_caller_identity()
        assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        unknown = client(
            server,
            "iam",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        with pytest.raises(ClientError) as e:
            unknown.list_users()
        assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
        assert (
            e.value.response["Error"]["Message"] == "The security token included in the request is invalid."
        )


def test_temporary_credentials_and_session_policies() -> None:
    with iamkit.Server() as server:
        iam = client(server, "iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=READ_USERS)
        # Roles may not be assumed by the root user (STS refuses): a user of the account does.
        iam.create_user(UserName="operator")
        iam.put_user_policy(
            UserName="operator",
            PolicyName="assume",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="operator")["AccessKey"]
        sts = client(
            server, "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
        )
        session_policy = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
            }
        )
        c = sts.assume_role(
            RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="s1", Policy=session_policy
        )["Credentials"]
        as_role = client(
            server,
            "iam",
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        # The session policy limits the role's ListUsers permission away.
        with pytest.raises(ClientError) as e:
            as_role.list_users()
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert "session policy" in e.value.response["Error"]["Message"]
        ident = client(
            server,
            "sts",
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        ).get_caller_identity()
        assert ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/reader/s1"
        # Without its session token the temporary key is not valid.
        no_token = client(
            server, "sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"]
        )
        with pytest.raises(ClientError) as e:
            no_token.get_caller_identity()
        assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_the_account_is_shared_with_python() -> None:
    account = iamkit.Account("111122223333")
    with iamkit.Server(account) as server:
        assert server.account is account
        account.client("iam").create_user(UserName="from-python")
        iam = client(server, "iam")
        assert [u["UserName"] for u in iam.list_users()["Users"]] == ["from-python"]
        iam.create_user(UserName="from-http")
        names = [u["UserName"] for u in account.client("iam").list_users()["Users"]]
        assert names == ["from-http", "from-python"]


def test_root_credentials_hide_the_secret() -> None:
    with iamkit.Server() as server:
        creds = server.root_credentials
        assert creds is not None
        secret = creds["aws_secret_access_key"]
        assert len(secret) == 40
        assert secret not in repr(creds)
        assert secret not in str(creds)
        assert secret not in repr(server)
        with pytest.raises(TypeError):
            pickle.dumps(creds)
    assert not server.running


def test_state_survives_a_restart_and_is_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with iamkit.Server(state=state, account_id="444455556666") as server:
        creds = server.root_credentials
        assert creds is not None
        iam = client(server, "iam")
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        iam.create_policy(PolicyName="read", PolicyDocument=READ_USERS)
        iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::444455556666:policy/read")
        assert server.root_credentials_file == str(state / "root-credentials")
        # Changes made through the Python door of the served account are journaled too.
        server.account.client("iam").create_group(GroupName="from-python")
    for name in ("root-credentials", "journal"):
        mode = stat.S_IMODE(os.stat(state / name).st_mode)
        assert mode == 0o600, (name, oct(mode))
    profiles = iamkit.read_cli_profiles(
        credentials_file=str(state / "root-credentials"), config_file=str(state / "config")
    )
    assert profiles["default"]["aws_access_key_id"] == creds["aws_access_key_id"]
    assert profiles["default"]["region"] == "us-east-1"
    with iamkit.Server(state=state) as again:
        assert again.account.account_id == "444455556666"
        assert again.warnings == []
        # The same root key and the same user key (with its secret) still work.
        assert again.root_credentials == creds
        alice = client(
            again, "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
        )
        assert [u["UserName"] for u in alice.list_users()["Users"]] == ["alice"]
        attached = client(again, "iam").list_attached_user_policies(UserName="alice")["AttachedPolicies"]
        assert attached == [{"PolicyName": "read", "PolicyArn": "arn:aws:iam::444455556666:policy/read"}]
        groups = [g["GroupName"] for g in client(again, "iam").list_groups()["Groups"]]
        assert groups == ["from-python"]


def test_authorization_details_over_http() -> None:
    with iamkit.Server() as server:
        iam = client(server, "iam")
        iam.create_user(UserName="dora")
        iam.put_user_policy(UserName="dora", PolicyName="read", PolicyDocument=READ_USERS)
        iam.create_role(
            RoleName="r",
            Description="not in RoleDetail",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        full = iam.get_account_authorization_details(Filter=["User", "Role"])
        assert [u["UserName"] for u in full["UserDetailList"]] == ["dora"]
        assert full["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] == json.loads(READ_USERS)
        role = full["RoleDetailList"][0]
        assert "Description" not in role
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
            "Service": "ec2.amazonaws.com"
        }
        assert full["GroupDetailList"] == [] and full["Policies"] == []
        # The Python client answers from the same implementation.
        local = server.account.client("iam").get_account_authorization_details(Filter=["User", "Role"])
        assert local["UserDetailList"] == full["UserDetailList"]


def test_presigned_get_caller_identity() -> None:
    import urllib.request

    with iamkit.Server() as server:
        sts = client(server, "sts")
        # Signed for GET (botocore signs a Query operation's presigned URL for POST otherwise,
        # and AWS verifies the method the URL is used with).
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        assert "X-Amz-Signature=" in url
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = resp.read().decode()
        assert "<Arn>arn:aws:iam::123456789012:root</Arn>" in body
        tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(tampered, timeout=10)
        assert e.value.code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()


def test_decision_log(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    with iamkit.Server(log=log) as server:
        iam = client(server, "iam")
        iam.create_user(UserName="bob", Tags=[{"Key": "k", "Value": "v"}])
        key = iam.create_access_key(UserName="bob")["AccessKey"]
        bob = client(
            server, "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
        )
        with pytest.raises(ClientError):
            bob.delete_user(UserName="bob")
        with pytest.raises(ClientError):
            client(
                server, "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="y" * 40
            ).list_users()
        secret = key["SecretAccessKey"]
        root_secret = (server.root_credentials or {}).get("aws_secret_access_key", "")
    text = log.read_text()
    assert secret not in text and root_secret not in text
    records = [json.loads(line) for line in text.splitlines()]
    actions = [(r["action"], r["decision"]) for r in records]
    assert actions[:2] == [("iam:CreateUser", "allowed"), ("iam:TagUser", "allowed")]
    denied = next(r for r in records if r["action"] == "iam:DeleteUser")
    assert denied["decision"] == "implicitDeny"
    assert denied["principal"] == "arn:aws:iam::123456789012:user/bob"
    assert denied["enforced"] is True and denied["outcome"] == "error"
    assert denied["error_code"] == "AccessDenied"
    assert denied["resource"] == "arn:aws:iam::123456789012:user/bob"
    assert denied["source_ip"] == "127.0.0.1"
    assert denied["user_agent"].startswith("Boto3/")
    assert denied["time"].endswith("Z") and "." in denied["time"]
    unauth = records[-1]
    assert unauth["principal"] is None and unauth["error_code"] == "SignatureDoesNotMatch"


def test_soft_mode_lets_denied_calls_through_and_logs_them(tmp_path: Path) -> None:
    log = tmp_path / "soft.jsonl"
    with iamkit.Server(enforce="soft", log=log) as server:
        iam = client(server, "iam")
        iam.create_user(UserName="carol")
        key = iam.create_access_key(UserName="carol")["AccessKey"]
        carol = client(
            server, "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
        )
        assert [u["UserName"] for u in carol.list_users()["Users"]] == ["carol"]
    rec = next(json.loads(x) for x in log.read_text().splitlines() if '"iam:ListUsers"' in x)
    assert rec["decision"] == "implicitDeny" and rec["enforced"] is False and rec["outcome"] == "ok"


def test_cli_serve_prints_one_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "cli-state"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "iamkit",
            "serve",
            "--port",
            "0",
            "--state",
            str(state),
            "--account-id",
            "777788889999",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("iamkit serve: http://127.0.0.1:"), line
        assert "777788889999" in line and str(state / "root-credentials") in line
        url = line.split()[2]
        profiles = iamkit.read_cli_profiles(
            credentials_file=str(state / "root-credentials"), config_file=str(state / "config")
        )
        sts = boto3.client(
            "sts",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=profiles["default"]["aws_access_key_id"],
            aws_secret_access_key=profiles["default"]["aws_secret_access_key"],
        )
        assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::777788889999:root"
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
    assert rc == 0, proc.stderr.read() if proc.stderr else ""


def test_simulate_custom_policy_over_http_matches_the_library() -> None:
    kwargs: dict[str, Any] = {
        "PolicyInputList": [READ_USERS],
        "PermissionsBoundaryPolicyInputList": [
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
                }
            )
        ],
        "ActionNames": ["iam:GetUser", "iam:DeleteUser"],
        "ResourceArns": ["arn:aws:iam::123456789012:user/x"],
        "ContextEntries": [
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.0.0.1"], "ContextKeyType": "ip"}
        ],
    }
    expected = iamkit.simulate_custom_policy(**kwargs)["EvaluationResults"]
    with iamkit.Server() as server:
        over_http = client(server, "iam").simulate_custom_policy(**kwargs)["EvaluationResults"]
        local = server.account.client("iam").simulate_custom_policy(**kwargs)["EvaluationResults"]
    assert [r["EvalDecision"] for r in over_http] == ["allowed", "implicitDeny"]
    assert over_http == expected
    assert local == expected
