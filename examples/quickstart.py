"""Validate a policy, then decide requests against it — the five-minute tour.

python examples/quickstart.py
"""

from __future__ import annotations

import iamkit

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOwnPrefix",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::demo-bucket", "arn:aws:s3:::demo-bucket/${aws:username}/*"]
    },
    {
      "Sid": "DenyOutsideCorpNetwork",
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    }
  ]
}"""

ALICE = "arn:aws:iam::111122223333:user/alice"


def main() -> None:
    findings: iamkit.FindingList = iamkit.validate(POLICY)
    print(f"{len(findings)} findings")
    for f in findings:
        print(f"  policy.json:{f.line}:{f.column}: {f.severity} {f.code} {f.message}")

    policy = iamkit.Policy.from_json(POLICY, name="read-own-prefix")
    cases = [
        ("arn:aws:s3:::demo-bucket/alice/notes.txt", "203.0.113.7"),
        ("arn:aws:s3:::demo-bucket/bob/notes.txt", "203.0.113.7"),
        ("arn:aws:s3:::demo-bucket/alice/notes.txt", "198.51.100.1"),
    ]
    for resource, ip in cases:
        result: iamkit.EvaluationResult = iamkit.evaluate(
            action="s3:GetObject",
            resource=resource,
            principal=ALICE,
            context={"aws:SourceIp": ip},
            identity_policies=[policy],
        )
        print(f"{result.decision:<13} {resource} from {ip}: {result.reason}")
    denied = iamkit.evaluate(
        action="s3:GetObject",
        resource="arn:aws:s3:::demo-bucket/alice/notes.txt",
        principal=ALICE,
        context={"aws:SourceIp": "198.51.100.1"},
        identity_policies=[policy],
    )
    assert denied.decision == "explicitDeny"
    print(denied.explain())


if __name__ == "__main__":
    main()
