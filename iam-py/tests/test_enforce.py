"""Issue #11: every client call authenticated and authorized (spec §13).

The seed's story through clients opened with each principal's own credentials. AWS pages:
troubleshoot_access-denied.html (messages), STS CommonErrors (authentication codes),
id_tags.html (tag-on-create), reference_policies_condition-keys.html (context keys).
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from botocore.exceptions import ClientError

import iamkit

ACCT = "111122223333"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _story(enforce: str = "on") -> tuple[iamkit.Account, Any, dict[str, Any]]:
    acct = iamkit.Account(ACCT, enforce=enforce)
    root = acct.client("iam")
    root.create_user(UserName="alice")
    key = root.create_access_key(UserName="alice")["AccessKey"]
    return acct, root, key


def _alice(acct: iamkit.Account, key: dict[str, Any], service: str = "iam") -> Any:
    return acct.client(
        service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )


def test_story_denied_attached_allowed_self_escalation_denied() -> None:
    acct, root, key = _story()
    assert "as root user" in repr(root)
    alice = _alice(acct, key)
    assert key["SecretAccessKey"] not in repr(alice)
    with pytest.raises(ClientError) as e:
        alice.list_users()
    err = e.value.response["Error"]
    assert err["Code"] == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Message"] == (
        f"User: {ALICE} is not authorized to perform: iam:ListUsers on resource: * "
        "because no identity-based policy allows the iam:ListUsers action"
    )
    explanation = e.value.explanation  # type: ignore[attr-defined]
    assert "implicitDeny" in explanation and key["SecretAccessKey"] not in explanation

    root.attach_user_policy(UserName="alice", PolicyArn=READ_ONLY)
    assert [u["UserName"] for u in alice.list_users()["Users"]] == ["alice"]
    assert alice.get_user()["User"]["Arn"] == ALICE

    with pytest.raises(ClientError) as e:
        alice.attach_user_policy(UserName="alice", PolicyArn=ADMIN)
    assert e.value.response["Error"]["Message"] == (
        f"User: {ALICE} is not authorized to perform: iam:AttachUserPolicy on resource: {ALICE} "
        "because no identity-based policy allows the iam:AttachUserPolicy action"
    )
    # Nothing changed, and the authorizer agrees.
    attached = root.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]
    assert not acct.authorize(principal=ALICE, action="iam:CreateUser").allowed


def test_explicit_deny_message() -> None:
    acct, root, key = _story()
    root.attach_user_policy(UserName="alice", PolicyArn=ADMIN)
    root.put_user_policy(
        UserName="alice",
        PolicyName="no-delete",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}],
        },
    )
    root.create_user(UserName="bob", Path="/eng/")
    with pytest.raises(ClientError) as e:
        _alice(acct, key).delete_user(UserName="bob")
    assert e.value.response["Error"]["Message"] == (
        f"User: {ALICE} is not authorized to perform: iam:DeleteUser on resource: "
        f"arn:aws:iam::{ACCT}:user/eng/bob with an explicit deny in an identity-based policy"
    )


def test_tag_on_create_needs_tag_user() -> None:
    acct, root, key = _story()
    root.put_user_policy(
        UserName="alice",
        PolicyName="create",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}],
        },
    )
    alice = _alice(acct, key)
    with pytest.raises(ClientError) as e:
        alice.create_user(UserName="eve", Tags=[{"Key": "team", "Value": "red"}])
    assert "perform: iam:TagUser on resource: " in e.value.response["Error"]["Message"]
    assert "eve" not in [u["UserName"] for u in root.list_users()["Users"]]
    alice.create_user(UserName="eve")


def test_authentication_errors() -> None:
    acct, root, key = _story()
    cases = [
        (
            acct.client("iam", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"),
            "InvalidClientTokenId",
        ),
        (
            acct.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="x" * 40),
            "SignatureDoesNotMatch",
        ),
    ]
    for client, code in cases:
        with pytest.raises(ClientError) as e:
            client.get_user()
        assert e.value.response["Error"]["Code"] == code
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    root.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as e:
        _alice(acct, key).get_user()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_assumed_role_session_limited_and_expiring() -> None:
    import datetime as dt

    acct, root, key = _story()
    root.create_role(
        RoleName="Admin",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
        },
    )
    root.attach_role_policy(RoleName="Admin", PolicyArn=ADMIN)
    out = _alice(acct, key, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCT}:role/Admin",
        RoleSessionName="s1",
        DurationSeconds=900,
        Policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}],
        },
    )
    c = out["Credentials"]
    assert c["Expiration"] - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(seconds=901)
    session = acct.client(
        "iam",
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    assert c["SessionToken"] not in repr(vars(session))
    session.list_users()
    with pytest.raises(ClientError) as e:
        session.create_user(UserName="eve")
    assert e.value.response["Error"]["Message"].endswith(
        "because no session policy allows the iam:CreateUser action"
    )
    # Without its session token the temporary key is not valid.
    no_token = acct.client(
        "iam", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"]
    )
    with pytest.raises(ClientError) as e:
        no_token.list_users()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(TypeError):
        pickle.dumps(session)


def test_soft_mode_records_denials() -> None:
    acct, _, key = _story("soft")
    assert acct.enforce == "soft"
    alice = _alice(acct, key)
    alice.attach_user_policy(UserName="alice", PolicyArn=ADMIN)  # let through, recorded
    (d,) = acct.denials()
    assert d["Action"] == "iam:AttachUserPolicy" and d["Principal"] == ALICE
    assert d["Message"].startswith(f"User: {ALICE} is not authorized")
    assert key["SecretAccessKey"] not in repr(d)
    acct.enforce = "on"
    alice.list_users()  # AdministratorAccess is attached now
    with pytest.raises(ValueError):
        acct.enforce = "maybe"


def test_authorized_python_side_operations() -> None:
    acct, _, key = _story()
    with pytest.raises(ClientError) as e:
        _alice(acct, key).get_account_authorization_details()
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_enforce_mode_survives_pickling() -> None:
    acct, _, key = _story("off")
    copy = pickle.loads(pickle.dumps(acct))
    assert copy.enforce == "off"
    assert pickle.loads(pickle.dumps(iamkit.Account(ACCT))).enforce == "on"
    # Keys are not pickled (documented): alice's key does not exist in the copy.
    with pytest.raises(ClientError) as e:
        _alice(copy, key).list_users()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_service_rules_deny_even_root() -> None:
    # Spec §5.12: changes to AWS managed policies and to Identity Center roles are never
    # allowed, the root user included.
    root = iamkit.Account(ACCT).client("iam")
    with pytest.raises(ClientError) as e:
        root.delete_policy(PolicyArn=READ_ONLY)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as e:
        root.create_role(
            RoleName="AWSReservedSSO_Admin_0123456789abcdef",
            Path="/aws-reserved/sso.amazonaws.com/",
            AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": []},
        )
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    root.get_policy(PolicyArn=READ_ONLY)  # reading is allowed
