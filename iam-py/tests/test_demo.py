"""``iamkit demo``: the seed story's account and its table of decisions."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from iamkit import _demo

EXPECTED = {
    ("user/alice", "s3:PutObject"): "allowed",
    ("user/alice", "s3:DeleteObject"): "explicitDeny",
    ("user/alice", "ec2:RunInstances"): "implicitDeny",
    ("user/alice", "sts:AssumeRole"): "allowed",
    ("user/bob", "s3:GetObject"): "allowed",
    ("user/bob", "s3:PutObject"): "implicitDeny",
    ("role/ci-deployer", "lambda:UpdateFunctionCode"): "allowed",
    ("role/ci-deployer", "s3:GetObject"): "implicitDeny",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_demo_prints_the_table() -> None:
    start = time.perf_counter()
    p = run("demo")
    elapsed = time.perf_counter() - start
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = p.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("PRINCIPAL"))
    assert lines[header].split() == ["PRINCIPAL", "ACTION", "RESOURCE", "DECISION", "WHY"]
    rows = [line.split()[:4] for line in lines[header + 2 : header + 2 + len(_demo.REQUESTS)]]
    assert len(rows) == len(_demo.REQUESTS)
    got = {(r[0], r[1]): r[3] for r in rows}
    for key, decision in EXPECTED.items():
        assert got[key] == decision, (key, got[key])
    text = p.stdout
    assert "Deny: DenyProdDataDelete (NoDeletesInProdData)" in text
    assert "Allow: ReadOnlyAccess" in text  # the bundled AWS managed policy decided
    assert "Allow: trust policy (AliceDeploys)" in text
    assert "the permissions boundary does not allow the action" in text
    assert "5 allowed, 5 denied" in text
    assert elapsed < 10  # the bar is < 2 s; leave room for a loaded CI machine


def test_demo_json() -> None:
    p = run("demo", "--format", "json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["account"] == _demo.ACCOUNT_ID
    got = {(r["principal"], r["action"], r["resource"]): r["decision"] for r in data["decisions"]}
    assert got[("user/carol", "iam:CreateAccessKey", _demo.arn("user/carol"))] == "allowed"
    assert got[("user/carol", "iam:CreateAccessKey", _demo.arn("user/bob"))] == "implicitDeny"


def test_demo_is_fast_in_process() -> None:
    start = time.perf_counter()
    rows = _demo.decision_rows()
    assert time.perf_counter() - start < 2.0
    assert {(r["principal"], r["action"]): r["decision"] for r in rows}.items() >= EXPECTED.items()


def test_demo_account_model() -> None:
    acct = _demo.build_account()
    assert acct.counts() == {"users": 3, "groups": 2, "roles": 1, "policies": 2}
    assert acct.alias == "example-corp"
    details = acct.to_authorization_details()
    alice = next(u for u in details["UserDetailList"] if u["UserName"] == "alice")
    assert alice["GroupList"] == ["developers"]
    assert alice["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(":policy/DeveloperBoundary")
