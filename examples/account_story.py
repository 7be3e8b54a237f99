"""The seed story: an account with AWS managed policies, a boundary and a role; decisions,
boto3-shaped simulation and who-can.

    python examples/account_story.py
"""

from __future__ import annotations

import iamkit
from iamkit import _demo


def main() -> None:
    acct: iamkit.Account = _demo.build_account()
    print(acct)
    alice = _demo.arn("user/alice")

    result = acct.authorize(principal=alice, action="s3:DeleteObject", resource="arn:aws:s3:::prod-data/x")
    print(result.explain())

    sim = acct.simulate_principal_policy(
        PolicySourceArn=alice,
        ActionNames=["s3:PutObject", "ec2:RunInstances"],
        ResourceArns=["arn:aws:s3:::prod-data/x"],
    )
    for r in sim["EvaluationResults"]:
        print(f"{r['EvalActionName']:<20} {r['EvalDecision']}")

    users = [u["Arn"] for u in acct.client("iam").list_users()["Users"]]
    can_read = [
        u
        for u in users
        if acct.authorize(principal=u, action="s3:GetObject", resource="arn:aws:s3:::prod-data/x")
    ]
    print("who can read prod-data:", ", ".join(can_read))
    print(_demo.render_table(_demo.decision_rows(acct)))


if __name__ == "__main__":
    main()
