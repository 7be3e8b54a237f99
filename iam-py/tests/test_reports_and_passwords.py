"""ChangePassword, GetAccessKeyLastUsed, the credential report, service last accessed, context
keys, UpdateGroup and UpdateRoleDescription through the boto3-shaped clients (issue #11 part 4).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

import iamkit

ACCT = "111122223333"
COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
READ_IAM = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:List*", "iam:Get*"], "Resource": "*"}],
}


def _alice(acct: iamkit.Account, policy: dict[str, Any] | None = READ_IAM) -> tuple[Any, dict[str, Any]]:
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    if policy is not None:
        iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=policy)
    key: dict[str, Any] = iam.create_access_key(UserName="alice")["AccessKey"]
    client = acct.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    return client, key


def test_change_password_checks_old_password_policy_and_clears_reset() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    alice, _ = _alice(acct, None)
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!", PasswordResetRequired=True)
    # No policy and no "allow users to change their password": not authorized.
    with pytest.raises(ClientError) as err:
        alice.change_password(OldPassword="Correct-Horse-9!", NewPassword="Battery-Staple-7!")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert "iam:ChangePassword" in err.value.response["Error"]["Message"]
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireNumbers=True,
        AllowUsersToChangePassword=True,
        PasswordReusePrevention=2,
    )
    with pytest.raises(ClientError) as err:
        alice.change_password(OldPassword="wrong-password", NewPassword="Battery-Staple-7!")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(alice.exceptions.PasswordPolicyViolationException):
        alice.change_password(OldPassword="Correct-Horse-9!", NewPassword="short-7")
    with pytest.raises(alice.exceptions.PasswordPolicyViolationException):
        alice.change_password(OldPassword="Correct-Horse-9!", NewPassword="Correct-Horse-9!")  # reused
    alice.change_password(OldPassword="Correct-Horse-9!", NewPassword="Battery-Staple-77!")
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    # The old password no longer works as the old password.
    with pytest.raises(ClientError):
        alice.change_password(OldPassword="Correct-Horse-9!", NewPassword="Another-Staple-88!")
    # The root user has no IAM user password to change.
    with pytest.raises(iam.exceptions.InvalidUserTypeException):
        iam.change_password(OldPassword="x", NewPassword="y")


def test_access_key_last_used_records_service_and_time() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    alice, key = _alice(acct)
    fresh = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert fresh["UserName"] == "alice"
    assert fresh["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    alice.list_users()
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert used["ServiceName"] == "iam" and used["Region"] == "N/A"
    assert before <= used["LastUsedDate"] <= dt.datetime.now(dt.timezone.utc)
    # Denied calls count too (an attempt is a use of the key).
    with pytest.raises(ClientError):
        alice.create_user(UserName="mallory")
    with pytest.raises(ClientError) as err:
        iam.get_access_key_last_used(AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_credential_report_has_awss_columns_and_rows() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException) as err:
        iam.get_credential_report()
    assert err.value.response["Error"]["Code"] == "ReportNotPresent"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    alice, key = _alice(acct)
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    alice.list_users()
    iam.create_user(UserName="bob")
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    assert isinstance(report["GeneratedTime"], dt.datetime)
    content = report["Content"]
    assert isinstance(content, bytes)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert list(rows[0]) == COLUMNS
    assert [r["user"] for r in rows] == ["<root_account>", "alice", "bob"]
    root, a, b = rows
    assert root["arn"] == f"arn:aws:iam::{ACCT}:root" and root["password_enabled"] == "not_supported"
    assert a["password_enabled"] == "true" and b["password_enabled"] == "false"
    assert a["access_key_1_active"] == "true" and a["access_key_1_last_used_service"] == "iam"
    assert a["access_key_1_last_used_date"].endswith("+00:00")
    assert a["access_key_2_active"] == "false" and a["access_key_2_last_rotated"] == "N/A"
    assert b["password_last_changed"] == "N/A" and b["mfa_active"] == "false"
    # No secret of any kind is in the report.
    assert key["SecretAccessKey"] not in content.decode()


def test_service_last_accessed_from_the_calls_made() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    alice, _ = _alice(acct)
    alice.list_users()
    alice.get_user()
    arn = f"arn:aws:iam::{ACCT}:user/alice"
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job)
    assert details["JobStatus"] == "COMPLETED" and details["JobType"] == "ACTION_LEVEL"
    (svc,) = details["ServicesLastAccessed"]  # the policy allows IAM only
    assert svc["ServiceNamespace"] == "iam" and svc["LastAuthenticatedEntity"] == arn
    assert isinstance(svc["LastAuthenticated"], dt.datetime)
    actions = {a["ActionName"] for a in svc["TrackedActionsLastAccessed"]}
    assert actions == {"ListUsers", "GetUser"}
    entities = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="iam")
    assert entities["EntityDetailsList"][0]["EntityInfo"]["Arn"] == arn
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCT}:role/nosuch")
    # An administrator's report lists every service, paged.
    iam.create_role(
        RoleName="admin",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    iam.attach_role_policy(RoleName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCT}:role/admin")["JobId"]
    first = iam.get_service_last_accessed_details(JobId=job)
    assert len(first["ServicesLastAccessed"]) == 100 and first["IsTruncated"] is True
    rest = iam.get_service_last_accessed_details(JobId=job, Marker=first["Marker"], MaxItems=1000)
    assert rest["IsTruncated"] is False and len(rest["ServicesLastAccessed"]) > 100


def test_context_keys_of_custom_and_principal_policies() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ],
    }
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps(policy)])["ContextKeyNames"]
    assert keys == ["aws:username", "aws:SourceIp"]
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=policy)
    got = iam.get_context_keys_for_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCT}:user/alice")
    assert got["ContextKeyNames"] == ["aws:username", "aws:SourceIp"]
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.get_context_keys_for_custom_policy(PolicyInputList=["not json"])


def test_update_group_and_update_role_description() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.update_group(GroupName="devs", NewGroupName="engineers", NewPath="/eng/")
    groups = iam.list_groups_for_user(UserName="alice")["Groups"]
    assert [(g["GroupName"], g["Arn"]) for g in groups] == [
        ("engineers", f"arn:aws:iam::{ACCT}:group/eng/engineers")
    ]
    assert [u["UserName"] for u in iam.get_group(GroupName="engineers")["Users"]] == ["alice"]
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.update_group(GroupName="engineers", NewGroupName="OPS")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_group(GroupName="devs", NewPath="/x/")
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
    )
    role = iam.update_role_description(RoleName="r", Description="web servers")["Role"]
    assert role["Description"] == "web servers" and role["RoleName"] == "r"
    assert iam.get_role(RoleName="r")["Role"]["Description"] == "web servers"
    iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")
    with pytest.raises(iam.exceptions.UnmodifiableEntityException):
        iam.update_role_description(RoleName="AWSServiceRoleForElasticBeanstalk", Description="x")


def test_the_clients_region_is_the_keys_last_used_region() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    _, key = _alice(acct)
    sts = acct.client(
        "sts",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="eu-west-1",
    )
    sts.get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("sts", "eu-west-1")
