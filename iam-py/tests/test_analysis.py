"""Access analysis: catalog look-ups, what_can / who_can on a real snapshot, the access matrix,
policy diffs, privilege escalation and the CLI subcommands."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import iamkit

DATA = Path(__file__).resolve().parents[2] / "iam-parser" / "tests" / "data" / "account-authorization-details"
SNAPSHOT = DATA / "cloudsplaining-example.json"
ACCT = "200611803367"


def user(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:user/{name}"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:role/{name}"


@pytest.fixture(scope="module")
def account() -> iamkit.Account:
    return iamkit.Account.from_authorization_details(str(SNAPSHOT))


def test_expand_actions() -> None:
    got = iamkit.expand_actions("s3:Get*")
    assert "s3:GetObject" in got
    assert got == sorted(got)
    assert all(a.startswith("s3:Get") for a in got)
    assert iamkit.expand_actions("IAM:passrole") == ["iam:PassRole"]
    assert len(iamkit.expand_actions("*")) == 22091
    # A pattern that matches nothing is an error with the closest names, never [] (issue #9).
    with pytest.raises(iamkit.UnknownActionError) as e:
        iamkit.expand_actions("nocolon")
    assert e.value.kind == "not_an_action"


def test_action_info() -> None:
    info = iamkit.action_info("iam:passrole")
    assert info is not None
    assert (info["service"], info["name"], info["access_level"]) == ("iam", "PassRole", "Write")
    assert [r["name"] for r in info["resource_types"]] == ["role"]
    assert "iam:PassedToService" in info["condition_keys"]
    assert iamkit.action_info("s3:NoSuchAction") is None


def test_diff_policies() -> None:
    a = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
    b = iamkit.Policy.from_json(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","iam:PassRole"],'
        '"Resource":["arn:aws:s3:::b/*","arn:aws:iam::*:role/app-*"]}]}'
    )
    d = iamkit.diff_policies(a, b)
    assert d["only_b"] == ["iam:PassRole"]
    assert "s3:GetBucketPolicy" in d["only_a"]
    assert "s3:GetObject" not in d["only_a"]
    assert d["resources_only_a"]["s3:GetObject"] == ["*"]
    assert iamkit.diff_policies(a, json.dumps(a))["only_a"] == []


def test_what_can(account: iamkit.Account) -> None:
    w = account.what_can(user("fn1-privesc3-partial-user"))
    assert isinstance(w, dict)
    assert w == {"ec2": ["ec2:DescribeInstances", "ec2:RunInstances"], "iam": ["iam:PassRole"]}
    details = w.details  # type: ignore[attr-defined]
    grants = {
        a["action"]: details["statements"][a["grants"][0]["statement"]]["policy"] for a in details["actions"]
    }
    assert grants["iam:PassRole"] == "fn1-passrole-star"
    assert "<table>" in w._repr_html_()  # type: ignore[attr-defined]
    # Allow and Deny of iam:* cancel out.
    assert account.what_can(user("fp1-allow-and-deny-user")) == {}
    # A condition on aws:TokenIssueTime cannot be decided: conditional.
    assert account.what_can(user("fp5-nonExploitableConditionConstraint-user")) == {
        "iam": ["iam:CreatePolicyVersion"]
    }
    assert (
        account.what_can(user("fp5-nonExploitableConditionConstraint-user"), include_conditional=False) == {}
    )


def test_who_can(account: iamkit.Account) -> None:
    who = account.who_can("iam:PassRole")
    assert isinstance(who, list)
    assert len(who) == 33
    assert user("privesc-sre-user") in who
    assert user("fp1-allow-and-deny-user") not in who
    assert role("OrganizationAccountAccessRole") in who
    strict = account.who_can("iam:PassRole", include_conditional=False)
    assert set(who) - set(strict) == {role("aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM")}
    ec2 = account.who_can("iam:PassRole", context={"iam:PassedToService": "ec2.amazonaws.com"})
    assert len(ec2) == 32
    assert "<table>" in who._repr_html_()  # type: ignore[attr-defined]


def test_who_can_details_are_plain_json_objects(account: iamkit.Account) -> None:
    # The native side builds the entries directly (not through JSON text): they must be exactly
    # what json.loads made before, key order included, each entry its own dict and list.
    details = account.who_can("iam:PassRole").details  # type: ignore[attr-defined]
    assert len(details) == 33
    assert json.loads(json.dumps(details)) == details
    assert pickle.loads(pickle.dumps(details)) == details
    assert [d["action"] for d in details] == ["iam:PassRole"] * 33
    assert [d["principal"] for d in details] == sorted(d["principal"] for d in details)
    for d in details:
        assert list(d) == ["principal", "action", "access", "statements"]
        assert d["access"] in ("allowed", "conditional")
        assert d["statements"], d
        for s in d["statements"]:
            assert list(s) == ["layer", "policy_index", "policy", "statement", "sid", "effect"]
            assert s["layer"] == "identity" and s["effect"] == "Allow"
            assert type(s["policy_index"]) is int and type(s["statement"]) is int
            assert s["policy"] is None or type(s["policy"]) is str
            assert s["sid"] is None or type(s["sid"]) is str
    sre = next(d for d in details if d["principal"] == user("privesc-sre-user"))
    assert sre["access"] == "allowed"
    first, second = details[0], details[1]
    assert first["statements"] is not second["statements"]
    first["statements"].append({"changed": True})
    first["statements"][0]["sid"] = "changed"
    assert {"changed": True} not in second["statements"]
    assert all(s["sid"] != "changed" for s in second["statements"])


def test_access_matrix(account: iamkit.Account) -> None:
    m = account.access_matrix(["iam:PassRole", "s3:GetObject"])
    assert isinstance(m, iamkit.AccessMatrix)
    assert m.actions == ["iam:PassRole", "s3:GetObject"]
    assert m.shape == (len(m.principals), 2)
    assert m.cell(user("privesc-sre-user"), "iam:PassRole") == "allowed"
    assert m.cell(user("fp1-allow-and-deny-user"), "iam:PassRole") == ""
    csv = m.to_csv()
    assert csv.splitlines()[0] == "principal,iam:PassRole,s3:GetObject"
    assert len(csv.splitlines()) == len(m.principals) + 1
    levels = m.by_access_level()
    assert levels[user("privesc-sre-user")] == {"Write": 1, "Read": 1}
    assert "AccessMatrix" in repr(m)
    assert "<table>" in m._repr_html_()


def test_access_matrix_pandas(account: iamkit.Account) -> None:
    pd = pytest.importorskip("pandas")
    df = account.access_matrix("iam:Pass*").to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert df.loc[user("privesc-sre-user"), "iam:PassRole"] == "allowed"


def test_privilege_escalation(account: iamkit.Account) -> None:
    found = account.privilege_escalation(user("privesc4-CreateAccessKey-user"))
    assert [f["rule"]["id"] for f in found] == ["CreateAccessKey"]
    assert found[0]["rule"]["references"][0].startswith("https://rhinosecuritylabs.com/")
    assert account.privilege_escalation(user("fp3-deny-iam-user")) == []


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_what_can() -> None:
    p = run("what-can", "--account-file", str(SNAPSHOT), "fn1-privesc3-partial-user")
    assert p.returncode == 0, p.stderr
    assert "iam:PassRole" in p.stdout and "via fn1-passrole-star" in p.stdout
    assert p.stderr == ""  # no progress bar when stderr is not a terminal
    p = run(
        "what-can",
        "--account-file",
        str(SNAPSHOT),
        "--format",
        "json",
        user("privesc14-UpdatingAssumeRolePolicy-user"),
    )
    assert p.returncode == 0, p.stderr
    assert [a["action"] for a in json.loads(p.stdout)["actions"]] == [
        "iam:UpdateAssumeRolePolicy",
        "sts:AssumeRole",
    ]
    assert run("what-can", "--account-file", str(SNAPSHOT), "nobody").returncode == 2


def test_cli_who_can() -> None:
    p = run("who-can", "iam:PassRole", "--account-file", str(SNAPSHOT), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) == 33
    p = run("who-can", "iam:Put*Policy", "--account-file", str(SNAPSHOT), "--no-conditional")
    assert p.returncode == 0, p.stderr
    assert f"{user('privesc10-PutUserPolicy-user')}\tiam:PutUserPolicy" in p.stdout


def test_cli_diff(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
    )
    b.write_text(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*Object","Resource":"*"}]}'
    )
    p = run("diff", str(a), str(b), "--fail-on-difference")
    assert p.returncode == 1, p.stderr
    assert "only B\ts3:PutObject" in p.stdout
    p = run("diff", str(a), str(a), "--format", "json", "--fail-on-difference")
    assert p.returncode == 0
    assert json.loads(p.stdout)["only_a"] == []
