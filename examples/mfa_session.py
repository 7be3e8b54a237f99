"""MFA-protected calls, offline: a virtual MFA device, two RFC 6238 codes to enable it, a
session made with GetSessionToken and a code, and the credential report that shows it all.

    python examples/mfa_session.py

The codes are computed here from the device's seed, as an authenticator app would (RFC 6238:
HMAC-SHA1, 30-second steps, 6 digits).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import struct
import time
from typing import Any

import iamkit

ACCOUNT = "111122223333"
MFA_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:ListUsers",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}


def totp(seed: bytes, at: float) -> str:
    """The 6-digit code of a Base32 seed at Unix time ``at``."""
    key = base64.b32decode(seed + b"=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def client(acct: iamkit.Account, service: str, creds: dict[str, Any]) -> Any:
    return acct.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def main() -> None:
    acct = iamkit.Account(ACCOUNT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="mfa-only", PolicyDocument=MFA_ONLY)
    key = iam.create_access_key(UserName="alice")["AccessKey"]

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    seed, serial = device["Base32StringSeed"], device["SerialNumber"]
    print(f"created {serial} (QR code: {len(device['QRCodePNG'])} bytes of PNG)")
    now = time.time()
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, now - 30),
        AuthenticationCode2=totp(seed, now),
    )

    try:
        client(acct, "iam", key).list_users()
    except Exception as e:  # botocore's ClientError
        print("long-term key:", getattr(e, "response", {})["Error"]["Code"])

    # The enabling codes are spent; the next step's code makes the session.
    session = client(acct, "sts", key).get_session_token(SerialNumber=serial, TokenCode=totp(seed, now + 30))
    users = client(acct, "iam", session["Credentials"]).list_users()["Users"]
    print("MFA session lists:", [u["UserName"] for u in users])

    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    for row in csv.DictReader(io.StringIO(report)):
        used = row["access_key_1_last_used_service"]
        print(f"{row['user']:<16} mfa_active={row['mfa_active']:<5} key last used with: {used}")


if __name__ == "__main__":
    main()
