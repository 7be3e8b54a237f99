"""Virtual MFA devices, GetSessionToken and AssumeRole with MFA through the boto3-shaped clients
(issue #11 part 4). TOTP codes are computed here with the standard library (RFC 6238: HMAC-SHA1,
30-second steps, 6 digits), exactly as an authenticator app would from the device's seed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

import iamkit

ACCT = "111122223333"
MFA_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:ListUsers", "iam:GetUser"],
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}


def totp(seed: bytes, at: float, step: int = 30) -> str:
    """RFC 6238 TOTP (RFC 4226 HOTP over the time step), 6 digits."""
    key = base64.b32decode(seed + b"=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def test_totp_helper_matches_rfc6238_appendix_b() -> None:
    seed = base64.b32encode(b"12345678901234567890").rstrip(b"=")
    # Appendix B, SHA-1 column (8 digits there; the 6-digit code is the last six).
    assert totp(seed, 59) == "287082"
    assert totp(seed, 1111111109) == "081804"
    assert totp(seed, 2000000000) == "279037"


def _user_with_keys(acct: iamkit.Account, name: str = "alice") -> dict[str, Any]:
    iam = acct.client("iam")
    iam.create_user(UserName=name)
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def _client(acct: iamkit.Account, service: str, creds: dict[str, Any]) -> Any:
    return acct.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def _enable(iam: Any, user: str, name: str) -> tuple[str, bytes]:
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = dev["Base32StringSeed"]
    now = time.time()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=dev["SerialNumber"],
        AuthenticationCode1=totp(seed, now - 30),
        AuthenticationCode2=totp(seed, now),
    )
    return str(dev["SerialNumber"]), seed


def _next_code(seed: bytes, skew: float = 0) -> str:
    """The code of the next 30-second step: codes are accepted once, and the ones that enabled
    the device are spent; the next step is inside the verifier's one-step window."""
    return totp(seed, time.time() + skew + 30)


def test_create_virtual_mfa_device_gives_seed_and_a_real_qr_png_once() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    out = iam.create_virtual_mfa_device(
        VirtualMFADeviceName="alice-phone", Path="/team/", Tags=[{"Key": "owner", "Value": "alice"}]
    )["VirtualMFADevice"]
    assert out["SerialNumber"] == f"arn:aws:iam::{ACCT}:mfa/team/alice-phone"
    seed = out["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(seed) == 64
    base64.b32decode(seed)  # valid Base32 (RFC 4648)
    png = out["QRCodePNG"]
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")
    # Walk the chunks: CRCs are right, the image is a square 8-bit grayscale of black and white.
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        chunks[kind] = data
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert width == height and depth == 8 and color == 0
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == height * (width + 1)
    assert set(pixels[1 : width + 1]) == {255}  # the quiet zone
    assert {0, 255} <= set(pixels)
    assert out["Tags"] == [{"Key": "owner", "Value": "alice"}]
    # Listing never shows the seed again.
    listed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert listed == [{"SerialNumber": out["SerialNumber"]}]
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone", Path="/team/")
    # Nor do the account's repr, pickle or authorization details.
    import pickle

    text = repr(acct) + str(acct.to_authorization_details()) + str(pickle.dumps(acct))
    assert seed.decode() not in text


def test_enable_needs_two_consecutive_valid_codes() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    seed, serial = dev["Base32StringSeed"], dev["SerialNumber"]
    now = time.time()
    for c1, c2 in [
        (totp(seed, now), totp(seed, now)),  # the same code twice
        (totp(seed, now), totp(seed, now - 30)),  # the wrong order
        (totp(seed, now - 600), totp(seed, now - 570)),  # ten minutes old
    ]:
        with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException) as err:
            iam.enable_mfa_device(
                UserName="alice", SerialNumber=serial, AuthenticationCode1=c1, AuthenticationCode2=c2
            )
        assert err.value.response["Error"]["Message"] == "Authentication code for device is not valid."
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.enable_mfa_device(
            UserName="alice",
            SerialNumber=f"arn:aws:iam::{ACCT}:mfa/nosuch",
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, now - 30),
        AuthenticationCode2=totp(seed, now),
    )
    devices = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned[0]["User"]["UserName"] == "alice" and "EnableDate" in assigned[0]
    got = iam.get_mfa_device(SerialNumber=serial)
    assert got["UserName"] == "alice" and got["SerialNumber"] == serial
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.enable_mfa_device(
            UserName="alice",
            SerialNumber=serial,
            AuthenticationCode1=totp(seed, now - 30),
            AuthenticationCode2=totp(seed, now),
        )
    # In use: cannot delete, nor delete the user; deactivate first.
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName="alice")
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_mfa_device(SerialNumber=serial)


def test_mfa_device_tags_and_pagination() -> None:
    iam = iamkit.Account(ACCT).client("iam")
    for i in range(5):
        iam.create_virtual_mfa_device(VirtualMFADeviceName=f"d{i}")
    serial = f"arn:aws:iam::{ACCT}:mfa/d0"
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["a"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "b", "Value": "2"}]
    page = iam.list_virtual_mfa_devices(MaxItems=2)
    assert len(page["VirtualMFADevices"]) == 2 and page["IsTruncated"] is True
    pages = list(iam.get_paginator("list_virtual_mfa_devices").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["VirtualMFADevices"]) for p in pages] == [2, 2, 1]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.tag_mfa_device(SerialNumber=f"arn:aws:iam::{ACCT}:mfa/nosuch", Tags=[{"Key": "a", "Value": "1"}])


def test_mfa_protected_calls_need_a_session_made_with_mfa() -> None:
    """The story: a policy allowing calls only with MFA denies the long-term key, refuses an
    IAM call from a session without MFA, and allows exactly the session made with a code."""
    acct = iamkit.Account(ACCT)
    root_iam = acct.client("iam")
    key = _user_with_keys(acct)
    root_iam.put_user_policy(UserName="alice", PolicyName="mfa-only", PolicyDocument=MFA_ONLY)
    serial, seed = _enable(root_iam, "alice", "alice")
    alice_iam = _client(acct, "iam", key)
    alice_sts = _client(acct, "sts", key)

    with pytest.raises(ClientError) as err:
        alice_iam.list_users()
    assert err.value.response["Error"]["Code"] == "AccessDenied"

    plain = alice_sts.get_session_token()["Credentials"]
    assert plain["AccessKeyId"].startswith("ASIA")
    with pytest.raises(ClientError) as err:
        _client(acct, "iam", plain).list_users()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    # The identity of GetSessionToken credentials is the user itself.
    ident = _client(acct, "sts", plain).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{ACCT}:user/alice"
    with pytest.raises(ClientError) as err:
        _client(acct, "sts", plain).get_session_token()
    assert err.value.response["Error"]["Message"] == "Cannot call GetSessionToken with session credentials"

    # A wrong code and somebody else's device are refused with STS's messages.
    wrong = "000000" if "000000" not in {totp(seed, time.time() + d) for d in (-30, 0, 30)} else "999999"
    with pytest.raises(ClientError) as err:
        alice_sts.get_session_token(SerialNumber=serial, TokenCode=wrong)
    assert "invalid MFA one time pass code" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        alice_sts.get_session_token(SerialNumber=f"arn:aws:iam::{ACCT}:mfa/other", TokenCode="123456")
    assert "associated with this user" in err.value.response["Error"]["Message"]

    code = _next_code(seed)
    creds = alice_sts.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=900)[
        "Credentials"
    ]
    mfa_iam = _client(acct, "iam", creds)
    assert [u["UserName"] for u in mfa_iam.list_users()["Users"]] == ["alice"]
    assert mfa_iam.get_user()["User"]["UserName"] == "alice"
    # The same code cannot make a second session (RFC 6238 §5.2).
    with pytest.raises(ClientError) as err:
        alice_sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    # STS beyond AssumeRole and GetCallerIdentity is refused.
    with pytest.raises(ClientError) as err:
        _client(acct, "sts", creds).get_federation_token(Name="fed")
    assert err.value.response["Error"]["Message"] == "Cannot call GetFederationToken with session credentials"


def test_assume_role_with_mfa_satisfies_an_mfa_trust_policy() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    key = _user_with_keys(acct)
    iam.put_user_policy(
        UserName="alice",
        PolicyName="assume",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        },
    )
    iam.create_role(
        RoleName="admin",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/alice"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        },
    )
    iam.put_role_policy(RoleName="admin", PolicyName="mfa-only", PolicyDocument=MFA_ONLY)
    serial, seed = _enable(iam, "alice", "alice")
    sts = _client(acct, "sts", key)
    role = f"arn:aws:iam::{ACCT}:role/admin"
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=role, RoleSessionName="sess")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    creds = sts.assume_role(
        RoleArn=role, RoleSessionName="sess", SerialNumber=serial, TokenCode=_next_code(seed)
    )["Credentials"]
    # The role session carries MFA into its own calls: the role's MFA-only policy allows it.
    assert _client(acct, "iam", creds).list_users()["Users"][0]["UserName"] == "alice"


def test_resync_accepts_a_drifted_device() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    key = _user_with_keys(acct)
    serial, seed = _enable(iam, "alice", "alice")
    fast = time.time() + 300  # the device runs five minutes fast
    with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException):
        iam.resync_mfa_device(
            UserName="alice", SerialNumber=serial, AuthenticationCode1="000000", AuthenticationCode2="000000"
        )
    iam.resync_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, fast),
        AuthenticationCode2=totp(seed, fast + 30),
    )
    sts = _client(acct, "sts", key)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=_next_code(seed, skew=300 + 30))
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_force_mfa_policy_denies_everything_but_mfa_setup_without_mfa() -> None:
    """AWS's "deny all except MFA self-management unless MFA" pattern (IAM User Guide, "IAM:
    Allows IAM users to self-manage an MFA device"): BoolIfExists false matches long-term keys
    (the key is absent) and sessions without MFA, not sessions made with MFA."""
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    key = _user_with_keys(acct)
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="force-mfa",
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyAllExceptListedIfNoMFA",
                    "Effect": "Deny",
                    "NotAction": [
                        "iam:CreateVirtualMFADevice",
                        "iam:EnableMFADevice",
                        "iam:ListMFADevices",
                        "iam:ListVirtualMFADevices",
                        "iam:ResyncMFADevice",
                        "sts:GetSessionToken",
                    ],
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                }
            ],
        },
    )
    alice_iam = _client(acct, "iam", key)
    # Without MFA: only the MFA set-up calls go through.
    with pytest.raises(ClientError) as err:
        alice_iam.list_users()
    assert err.value.response["Error"]["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )
    dev = alice_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    now = time.time()
    alice_iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=dev["SerialNumber"],
        AuthenticationCode1=totp(dev["Base32StringSeed"], now - 30),
        AuthenticationCode2=totp(dev["Base32StringSeed"], now),
    )
    creds = _client(acct, "sts", key).get_session_token(
        SerialNumber=dev["SerialNumber"], TokenCode=_next_code(dev["Base32StringSeed"])
    )["Credentials"]
    assert [u["UserName"] for u in _client(acct, "iam", creds).list_users()["Users"]] == ["alice"]
