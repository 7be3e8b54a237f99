"""Load a live account with ``iamkit.Account.from_boto3(session)`` and decide offline.

python examples/from_boto3.py            # against moto's in-process AWS mock
python examples/from_boto3.py --live     # against the account of your default profile
"""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3  # type: ignore[import-untyped]

import iamkit


def load(session: Any) -> iamkit.Account:
    acct = iamkit.Account.from_boto3(session)
    print(acct)
    scps = acct.organization_policies["scps"]
    print(f"{sum(len(level) for level in scps)} SCPs in {len(scps)} levels")
    return acct


def main() -> None:
    if "--live" in sys.argv:
        load(boto3.Session())
        return
    from moto import mock_aws

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_user(UserName="alice")
        iam.put_user_policy(
            UserName="alice",
            PolicyName="read",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                }
            ),
        )
        acct = load(session)
    alice = f"arn:aws:iam::{acct.account_id}:user/alice"
    for action in ("s3:GetObject", "s3:PutObject"):
        print(action, acct.authorize(principal=alice, action=action, resource="arn:aws:s3:::b/k").decision)


if __name__ == "__main__":
    main()
