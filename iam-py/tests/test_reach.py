"""The reach graph, escalations, transitive who-can / what-can, the risk report and the CLI
commands (reach, privesc, report, who-can / what-can tables), on hand-built accounts whose
paths are known by construction and on a real snapshot."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import iamkit

DATA = Path(__file__).resolve().parents[2] / "iam-parser" / "tests" / "data" / "account-authorization-details"
SNAPSHOT = DATA / "cloudsplaining-example.json"
ACCT = "111122223333"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def user(name: str, acct: str = ACCT) -> str:
    return f"arn:aws:iam::{acct}:user/{name}"


def role(name: str, acct: str = ACCT) -> str:
    return f"arn:aws:iam::{acct}:role/{name}"


def trust(principal: dict[str, object]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def allow(actions: list[str] | str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "S", "Effect": "Allow", "Action": actions, "Resource": resource}],
        }
    )


@pytest.fixture()
def chain() -> iamkit.Account:
    """dev -> ops (trust names dev) -> admin (trust names the account; ops may assume it); helpdesk can
    create access keys for everyone; lam can pass roles to Lambda."""
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    for u in ("dev", "helpdesk", "boss", "lam"):
        iam.create_user(UserName=u)
    iam.attach_user_policy(UserName="boss", PolicyArn=ADMIN)
    iam.put_user_policy(UserName="helpdesk", PolicyName="keys", PolicyDocument=allow("iam:CreateAccessKey"))
    iam.put_user_policy(
        UserName="lam",
        PolicyName="fn",
        PolicyDocument=allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]),
    )
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust({"AWS": user("dev")}))
    iam.put_role_policy(
        RoleName="ops", PolicyName="hop", PolicyDocument=allow("sts:AssumeRole", role("admin"))
    )
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCT}:root"}))
    iam.attach_role_policy(RoleName="admin", PolicyArn=ADMIN)
    iam.create_role(RoleName="fnrole", AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"}))
    iam.attach_role_policy(RoleName="fnrole", PolicyArn=ADMIN)
    return acct


def test_reach_paths(chain: iamkit.Account) -> None:
    paths = chain.reach("dev")
    assert [(p.target, len(p.steps)) for p in paths] == [(role("ops"), 1), (role("admin"), 2)]
    assert all(isinstance(p, dict) for p in paths)
    assert str(paths[1]) == "user/dev -[AssumeRole]-> role/ops ; role/ops -[AssumeRole]-> role/admin"
    step = paths[1].steps[1]
    assert step["kind"] == "assumeRole"
    assert any("hop" in line and "role ops (inline)" in line for line in step.statements())
    assert "<table>" in paths[1]._repr_html_()
    # An admin can become anyone; an unknown principal is an error.
    assert {p.target for p in chain.reach("boss")} >= {user("dev"), role("admin")}
    with pytest.raises(ValueError):
        chain.reach("nobody")


def test_privilege_escalation_names_targets(chain: iamkit.Account) -> None:
    found = chain.privilege_escalation()
    by = {f["principal"]: f for f in found}
    assert set(by) == {user("dev"), user("helpdesk"), user("lam"), role("ops")}
    assert by[user("dev")]["target"] == role("admin")
    assert by[user("helpdesk")]["rule"]["id"] == "CreateAccessKey"
    assert by[user("helpdesk")]["rule"]["references"][0].startswith("https://rhinosecuritylabs.com/")
    # PassRole names the role it passes.
    lam = by[user("lam")]
    assert lam["rule"]["id"] == "PassRoleLambdaInvoke"
    assert "role fnrole" in lam.steps[0]["description"]
    # Admins get no escalation paths.
    assert chain.privilege_escalation("boss") == []
    assert chain.privilege_escalation("admin") == []
    g = chain.reach_graph()
    assert {n["name"] for n in g.admins()} == {"boss", "admin", "fnrole"}
    assert g.admin_status(user("dev"))["status"] == "escalation"
    assert g.admin_status(user("boss"))["status"] == "direct"
    svg = g.to_svg()
    assert svg.startswith("<svg") and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "<svg" in g._repr_html_()


def test_transitive_who_can_and_what_can(chain: iamkit.Account) -> None:
    direct = chain.who_can("s3:GetObject")
    assert user("dev") not in direct
    trans = chain.who_can("s3:GetObject", transitive=True)
    assert user("dev") in trans
    d = next(x for x in trans.details if x["principal"] == user("dev"))  # type: ignore[attr-defined]
    assert d["via"] == role("admin") and len(d["path"]) == 2
    own = chain.what_can("dev")
    assert own == {}
    w = chain.what_can("dev", transitive=True)
    assert "s3:GetObject" in w["s3"]
    assert w.details["via"]["s3:GetObject"]["principal"] == role("admin")  # type: ignore[attr-defined]


def test_risk_report(chain: iamkit.Account, tmp_path: Path) -> None:
    from iamkit import _report

    r = chain.risk_report()
    assert isinstance(r, _report.RiskReport)
    assert "<svg" in r._repr_html_()
    cats = {(f["category"], f["principal"]) for f in r.findings}
    assert ("privilege_escalation", user("helpdesk")) in cats
    assert ("credentials_exposure", user("helpdesk")) in cats
    # Admins are apart, not in the categories.
    assert {a["principal"] for a in r.admins} == {user("boss"), role("admin"), role("fnrole")}
    assert not any(f["principal"] == user("boss") for f in r.findings)
    # Exclusions: by principal name and by action.
    ex = tmp_path / "ex.yaml"
    ex.write_text("# ignore the help desk\nprincipals:\n  - helpdesk\nactions:\n  - lambda:*\n")
    r2 = _report.risk_report(chain, ex)
    assert user("helpdesk") in r2.excluded
    assert not any(f["principal"] == user("helpdesk") for f in r2.findings)
    assert not any(a.startswith("lambda:") for f in r2.findings for a in f["actions"])
    with pytest.raises(ValueError, match="unknown key"):
        _report.load_exclusions({"users": []})
    written = r.write(tmp_path / "out")
    page = Path(written["html"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script" not in page
    assert "src=" not in page and "<link" not in page
    rows = list(csv.DictReader(io.StringIO(Path(written["csv"]).read_text())))
    assert {"category", "principal", "path"} <= set(rows[0])
    assert json.loads(Path(written["json"]).read_text())["counts"]["privilege_escalation"] >= 3


def test_real_snapshot_escalations() -> None:
    a = iamkit.Account.from_authorization_details(str(SNAPSHOT))
    acct = "200611803367"
    found = a.privilege_escalation(user("privesc4-CreateAccessKey-user", acct))
    assert found[0]["rule"]["id"] == "CreateAccessKey"
    assert a.privilege_escalation(user("fp3-deny-iam-user", acct)) == []
    e = a.privilege_escalation(user("privesc3-CreateEC2WithExistingInstanceProfile-user", acct))[0]
    assert e["rule"]["id"] == "PassRoleEC2"
    assert e.target == role("privesc-high-priv-service-role", acct)
    everyone = a.privilege_escalation()
    assert len(everyone) < 60  # one per escalating principal, not hundreds of raw findings
    assert not any(f["principal"] == role("OrganizationAccountAccessRole", acct) for f in everyone)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_reach_privesc_report(tmp_path: Path) -> None:
    p = run("reach", "privesc-AssumeRole-starting-role", "--account-file", str(SNAPSHOT))
    assert p.returncode == 0, p.stderr
    assert "can become 2 principal(s) — becomes an admin in 2 step(s)" in p.stdout
    assert "trust policy of privesc-AssumeRole-ending-role" in p.stdout
    p = run("reach", "privesc-AssumeRole-starting-role", "--account-file", str(SNAPSHOT), "-f", "csv")
    assert p.stdout.splitlines()[0] == "target,steps,access,path"
    p = run("privesc", "--account-file", str(SNAPSHOT), "--fail-on-escalation")
    assert p.returncode == 1, p.stderr
    assert p.stdout.startswith("account 200611803367: ")
    assert "admins (known, not escalation findings):" in p.stdout
    p = run("privesc", "--account-file", str(SNAPSHOT), "--format", "json")
    data = json.loads(p.stdout)
    assert {"admins", "escalations"} == set(data)
    p = run("report", "--account-file", str(SNAPSHOT), "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "report.html").exists() and (tmp_path / "report.csv").exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"users": ["x"]}')
    p = run("report", "--account-file", str(SNAPSHOT), "--out", str(tmp_path), "--exclusions", str(bad))
    assert p.returncode == 2 and "unknown key" in p.stderr


def test_cli_what_can_summary_and_who_can_attachment() -> None:
    p = run("what-can", "OrganizationAccountAccessRole", "--account-file", str(SNAPSHOT))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("effectively admin: all 22,091 actions")
    p = run("what-can", "OrganizationAccountAccessRole", "--account-file", str(SNAPSHOT), "--all")
    assert len(p.stdout.splitlines()) > 22000
    p = run("who-can", "iam:PassRole", "--account-file", str(SNAPSHOT))
    assert p.stdout.startswith("iam:PassRole on *: 33 principals")
    sre = next(x for x in p.stdout.splitlines() if x.startswith(user("privesc-sre-user", "200611803367")))
    assert "(group privesc-sre-group)" in sre
    p = run("who-can", "iam:PassRole", "--account-file", str(SNAPSHOT), "-f", "csv")
    assert p.stdout.splitlines()[0] == "principal,action,access,how"
    p = run("who-can", "s3:GetObject", "--account-file", str(SNAPSHOT), "--transitive")
    assert "via role chain:" in p.stdout
