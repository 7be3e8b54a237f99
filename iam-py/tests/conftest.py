"""Shared fixtures. The tests run against the INSTALLED wheel, never the source tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import iamkit

SOURCE_TREE = Path(__file__).resolve().parents[1] / "python"


def pytest_report_header() -> str:
    return f"iamkit {iamkit.__version__} from {os.path.dirname(iamkit.__file__)}"


@pytest.fixture(scope="session", autouse=True)
def _installed_wheel() -> None:
    here = Path(iamkit.__file__).resolve()
    assert SOURCE_TREE not in here.parents, (
        f"iamkit imported from the source tree ({here}); install the wheel"
    )


POLICY = """{
  "Version": "2012-10-17",
  "Id": "doc-1",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/${aws:username}/*"]
    },
    {
      "Sid": "OnlyFromCorp",
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    }
  ]
}
"""

ALICE = "arn:aws:iam::111122223333:user/alice"


@pytest.fixture()
def policy_text() -> str:
    return POLICY


@pytest.fixture()
def policy() -> iamkit.Policy:
    return iamkit.Policy.from_json(POLICY, name="read.json")
