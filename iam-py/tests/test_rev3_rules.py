"""Spec revision 3 rules through the Python API: refused policies raise
``iamkit.PolicyCompileError`` (a ``ValueError``) with validation's code and position; the
service-side rules (§5.12) and the missing key / trust policy (§5.6, §5.7) are named in
``explain()``; the account client refuses edits of AWS-owned entities with AWS's errors."""

from __future__ import annotations

import json
import pickle

import pytest
from botocore.exceptions import ClientError

import iamkit

ACCT = "111122223333"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
NO_PRINCIPAL = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
)
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_statement_without_principal_is_refused_with_validations_finding() -> None:
    policy = iamkit.Policy.from_json(NO_PRINCIPAL, policy_type="resource")
    for build in (
        lambda: iamkit.Engine(resource_policy=policy),
        lambda: iamkit.evaluate(action="s3:GetObject", principal=ALICE, resource_policy=policy),
    ):
        with pytest.raises(iamkit.PolicyCompileError) as refused:
            build()
        err = refused.value
        assert isinstance(err, ValueError) and isinstance(err, iamkit.PolicyParseError)
        assert (err.code, err.path, err.line, err.column) == ("MISSING_PRINCIPAL", "Statement[0]", 1, 38)
        assert err.message == "a resource policy statement must have a Principal"
        assert (err.layer, err.policy_index, err.statement_index) == ("resource", 0, 0)
        assert "MISSING_PRINCIPAL" in str(err) and "resource policy #0" in str(err)
        finding = next(f for f in iamkit.validate(NO_PRINCIPAL, policy_type="resource") if f.code == err.code)
        assert (finding.message, finding.path, finding.line, finding.column) == (
            err.message,
            err.path,
            err.line,
            err.column,
        )
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is iamkit.PolicyCompileError
        assert (back.code, back.line, back.layer, back.statement_index) == (err.code, 1, "resource", 0)


def test_bare_string_principal_is_a_parse_error() -> None:
    text = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"123456789012","Action":"s3:*"}]}'
    )
    with pytest.raises(iamkit.PolicyParseError) as refused:
        iamkit.Policy.from_json(text, policy_type="resource")
    assert refused.value.code == "INVALID_PRINCIPAL_FORMAT"


def test_get_caller_identity_names_the_service_rule() -> None:
    deny_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    r = iamkit.evaluate(action="sts:GetCallerIdentity", principal=ALICE, identity_policies=[deny_all])
    assert r.decision == "allowed"
    assert "service rule (spec §5.12)" in r.explain()
    assert r.to_dict()["reason"].startswith("service rule")
    anon = iamkit.evaluate(action="sts:GetCallerIdentity", principal="anonymous", resource_account=ACCT)
    assert anon.decision == "implicitDeny"


def test_missing_key_policy_says_what_to_pass() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    r = iamkit.evaluate(action="kms:Decrypt", resource=key, principal=ALICE, identity_policies=[ADMIN])
    assert r.decision == "implicitDeny"
    text = r.explain()
    assert "no key policy was given" in text
    # The quoted default key policy is a valid key policy; passed, IAM policies take effect.
    reason = str(r.to_dict()["reason"])
    quoted = json.loads(reason[reason.index("{") :])
    assert quoted["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCT}:root"}
    ok = iamkit.evaluate(
        action="kms:Decrypt", resource=key, principal=ALICE, identity_policies=[ADMIN], resource_policy=quoted
    )
    assert ok.decision == "allowed"


def test_missing_trust_policy() -> None:
    role = f"arn:aws:iam::{ACCT}:role/Target"
    r = iamkit.evaluate(action="sts:AssumeRole", resource=role, principal=ACCT, identity_policies=[ADMIN])
    assert r.decision == "implicitDeny"
    assert "no trust policy was given" in r.explain()


def test_account_client_refuses_edits_of_aws_owned_entities() -> None:
    # The account model's own refusals: with call authorization on, these calls are denied
    # (spec §5.12: never allowed, root included) before the model sees them, and the
    # Identity Center role could not be set up through the client (test_enforce.py).
    iam = iamkit.Account(ACCT, enforce="off").client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    name = "AWSReservedSSO_Admin_0123456789abcdef"
    iam.create_role(RoleName=name, Path="/aws-reserved/sso.amazonaws.com/", AssumeRolePolicyDocument=trust)
    with pytest.raises(ClientError) as e:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ADMIN)
    assert e.value.response["Error"]["Code"] == "UnmodifiableEntity"
    assert e.value.response["Error"]["Message"] == (
        f"Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    )
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert (
        "iam:DeletePolicy on resource: policy arn:aws:iam::aws:policy/ReadOnlyAccess"
        in (e.value.response["Error"]["Message"])
    )
