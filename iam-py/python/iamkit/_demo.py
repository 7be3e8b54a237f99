"""``iamkit demo``: a small account, built in seconds from bundled data, and a table of decisions.

The account (``111122223333``, alias ``example-corp``) is the seed story of the docs and of
``examples/explore.ipynb``:

- group ``developers``: the AWS managed ``PowerUserAccess`` and the customer managed
  ``DenyProdDataDelete``; member ``alice``, whose permissions boundary
  ``DeveloperBoundary`` keeps her to S3, Lambda, CloudWatch Logs and DynamoDB;
- group ``auditors``: the AWS managed ``ReadOnlyAccess``; member ``bob``;
- user ``carol``: an inline policy that lets her manage her own access keys;
- role ``ci-deployer``: trusts ``alice``, may update Lambda code (inline policy).

>>> from iamkit import _demo
>>> acct = _demo.build_account()
>>> acct.authorize(principal=_demo.arn("user/bob"), action="s3:GetObject",
...                resource="arn:aws:s3:::prod-data/report.csv").decision
'allowed'
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any, TextIO

import iamkit

__all__ = ["ACCOUNT_ID", "REQUESTS", "arn", "build_account", "decision_rows", "render_table", "run"]

ACCOUNT_ID = "111122223333"
ALIAS = "example-corp"

DENY_PROD_DELETE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "NoDeletesInProdData",
            "Effect": "Deny",
            "Action": ["s3:DeleteObject", "s3:DeleteBucket"],
            "Resource": ["arn:aws:s3:::prod-data", "arn:aws:s3:::prod-data/*"],
        }
    ],
}

DEVELOPER_BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DeveloperServices",
            "Effect": "Allow",
            "Action": ["s3:*", "lambda:*", "logs:*", "dynamodb:*", "sts:AssumeRole"],
            "Resource": "*",
        }
    ],
}

MANAGE_OWN_KEYS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnAccessKeys",
            "Effect": "Allow",
            "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"],
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        }
    ],
}

DEPLOY_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "UpdateFunctions",
            "Effect": "Allow",
            "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"],
            "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:*",
        }
    ],
}

CI_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AliceDeploys",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/alice"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def arn(name: str) -> str:
    """The ARN of an IAM entity of the demo account: ``arn("user/alice")``."""
    return f"arn:aws:iam::{ACCOUNT_ID}:{name}"


def build_account() -> iamkit.Account:
    """The seed story's account, built through the boto3-shaped IAM client."""
    acct = iamkit.Account(ACCOUNT_ID, alias=ALIAS)
    iam = acct.client("iam")
    deny = iam.create_policy(PolicyName="DenyProdDataDelete", PolicyDocument=DENY_PROD_DELETE)
    boundary = iam.create_policy(PolicyName="DeveloperBoundary", PolicyDocument=DEVELOPER_BOUNDARY)

    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers", PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
    iam.attach_group_policy(GroupName="developers", PolicyArn=deny["Policy"]["Arn"])
    iam.create_group(GroupName="auditors")
    iam.attach_group_policy(GroupName="auditors", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    iam.create_user(UserName="alice", PermissionsBoundary=boundary["Policy"]["Arn"])
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="auditors", UserName="bob")
    iam.create_user(UserName="carol")
    iam.put_user_policy(UserName="carol", PolicyName="ManageOwnKeys", PolicyDocument=MANAGE_OWN_KEYS)

    iam.create_role(RoleName="ci-deployer", AssumeRolePolicyDocument=CI_TRUST)
    iam.put_role_policy(RoleName="ci-deployer", PolicyName="DeployLambda", PolicyDocument=DEPLOY_LAMBDA)
    return acct


_FN = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:api"

# (principal, action, resource)
REQUESTS: list[tuple[str, str, str]] = [
    ("user/alice", "s3:PutObject", "arn:aws:s3:::prod-data/report.csv"),
    ("user/alice", "s3:DeleteObject", "arn:aws:s3:::prod-data/report.csv"),
    ("user/alice", "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/*"),
    ("user/alice", "sts:AssumeRole", arn("role/ci-deployer")),
    ("user/bob", "s3:GetObject", "arn:aws:s3:::prod-data/report.csv"),
    ("user/bob", "s3:PutObject", "arn:aws:s3:::prod-data/report.csv"),
    ("user/carol", "iam:CreateAccessKey", arn("user/carol")),
    ("user/carol", "iam:CreateAccessKey", arn("user/bob")),
    ("role/ci-deployer", "lambda:UpdateFunctionCode", _FN),
    ("role/ci-deployer", "s3:GetObject", "arn:aws:s3:::prod-data/report.csv"),
]


def _why(result: iamkit.EvaluationResult) -> str:
    """The deciding statements (policy and Sid), else the reason."""
    decisive = [s for s in result.matched_statements if s["decisive"]]
    if decisive:
        parts = []
        for s in decisive[:2]:
            layer = str(s["layer"])
            label = {
                "permissions_boundary": "boundary",
                "resource": "trust policy" if result.action.startswith("sts:Assume") else "resource policy",
                "session": "session policy",
            }.get(layer, layer)
            policy = s["policy_name"] or label
            if s["policy_name"] and layer != "identity":
                policy = f"{label} {policy}"
            sid = s["sid"] or f"statement {s['statement_index']}"
            parts.append(f"{policy} ({sid})")
        if len(decisive) > 2:
            parts.append(f"+{len(decisive) - 2} more")
        effect = str(decisive[0]["effect"])
        return f"{effect}: " + ", ".join(parts)
    return result.reason


def decision_rows(account: iamkit.Account | None = None) -> list[dict[str, str]]:
    """One row per request of :data:`REQUESTS`: principal, action, resource, decision, why."""
    acct = account if account is not None else build_account()
    rows = []
    for who, action, resource in REQUESTS:
        r = acct.authorize(principal=arn(who), action=action, resource=resource)
        rows.append(
            {
                "principal": who,
                "action": action,
                "resource": resource,
                "decision": r.decision,
                "why": _why(r),
            }
        )
    return rows


def _short(resource: str) -> str:
    """ARNs without their boilerplate, to keep the table narrow."""
    for prefix in ("arn:aws:s3:::", f"arn:aws:iam::{ACCOUNT_ID}:", "arn:aws:"):
        if resource.startswith(prefix):
            return resource[len(prefix) :]
    return resource


def render_table(rows: Sequence[dict[str, str]], *, width: int = 72) -> str:
    """A plain-text table of decision rows."""
    cols = ("principal", "action", "resource", "decision", "why")
    cells = [[_short(r[c]) if c == "resource" else r[c] for c in cols] for r in rows]
    for row in cells:
        if len(row[4]) > width:
            row[4] = row[4][: width - 1] + "…"
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.upper().ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip(), line]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(out)


def run(out: TextIO, *, fmt: str = "text") -> int:
    """Builds the account, decides :data:`REQUESTS` and writes the table (or JSON)."""
    acct = build_account()
    rows = decision_rows(acct)
    if fmt == "json":
        json.dump({"account": acct.account_id, "decisions": rows}, out, indent=2)
        out.write("\n")
        return 0
    c = acct.counts()

    def n(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    out.write(
        f"iamkit {iamkit.__version__} demo: account {acct.account_id} ({acct.alias}) with "
        f"{n(c['users'], 'user')}, {n(c['groups'], 'group')}, {n(c['roles'], 'role')} and "
        f"{n(c['policies'], 'customer managed policy').replace('policys', 'policies')},\n"
        "plus the bundled AWS managed PowerUserAccess and ReadOnlyAccess.\n\n"
    )
    out.write(render_table(rows) + "\n\n")
    allowed = sum(r["decision"] == "allowed" for r in rows)
    out.write(
        f"{allowed} allowed, {len(rows) - allowed} denied. Decided offline, with AWS's evaluation logic.\n"
        "Next: iamkit validate POLICY.json\n"
        "      iamkit simulate POLICY.json --action s3:GetObject --resource ARN --explain\n"
        "      (without --principal the caller is an IAM user holding just POLICY.json, as in AWS's\n"
        "      policy simulator; add --principal ARN to name one)\n"
    )
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """The ``demo`` subcommand."""
    return run(out, fmt=getattr(args, "format", "text"))


def add_command(sub: Any) -> None:
    """Adds ``demo`` to the subcommand parser."""
    d = sub.add_parser("demo", help="decide requests in a small example account (seed story)")
    d.add_argument("--format", "-f", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_demo)
