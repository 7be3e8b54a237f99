"""`iamkit.policy_from_log` and `iamkit policy-from-log` (issue #12) on hand-written decision logs
in the format of `iamkit serve --log` (one JSON object per authorization check)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamkit

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops/Deploy"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/ci-run"


def record(principal: str | None, action: str, resource: str, decision: str, **more: Any) -> str:
    r: dict[str, Any] = {
        "time": "2026-12-06T08:00:00Z",
        "request_id": "0f6c2a4e-5b0d-4f63-9d7f-1f4c1a2b3c4d",
        "service": action.split(":")[0],
        "operation": action.split(":")[1],
        "principal": principal,
        "access_key_id": "AKIAEXAMPLEEXAMPLE00",
        "action": action,
        "resource": resource,
        "decision": decision,
        "enforced": True,
        "outcome": "ok" if decision == "allowed" else "error",
        "error_code": None if decision == "allowed" else "AccessDenied",
        "source_ip": "127.0.0.1",
        "user_agent": "aws-cli/1.36",
        "explanation": "",
        "statements": [],
    }
    r.update(more)
    return json.dumps(r)


LOG = "\n".join(
    [
        record(ALICE, "sts:GetCallerIdentity", "*", "allowed"),
        record(ALICE, "iam:GetUser", ALICE, "allowed"),
        record(ALICE, "iam:GetUser", ALICE, "allowed"),
        record(ALICE, "iam:ListUsers", f"arn:aws:iam::{ACCOUNT}:user/", "implicitDeny"),
        record(ALICE, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/dev/carol", "allowed"),
        record(ALICE, "iam:TagUser", f"arn:aws:iam::{ACCOUNT}:user/dev/carol", "allowed"),
        record(ALICE, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/dev/dave", "allowed"),
        record(ALICE, "iam:TagUser", f"arn:aws:iam::{ACCOUNT}:user/dev/dave", "allowed"),
        record(
            ALICE,
            "iam:AttachUserPolicy",
            ALICE,
            "explicitDeny",
        ),
        record(BOB, "iam:DeleteUser", f"arn:aws:iam::{ACCOUNT}:user/dev/carol", "allowed"),
        record(None, "sts:GetCallerIdentity", "*", "implicitDeny"),
        "",
    ]
)


def statements(p: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    return [(s["Action"], s["Resource"]) for s in p["policy"]["Statement"]]


def test_least_privilege_policy_of_alice() -> None:
    p = iamkit.policy_from_log(LOG, ALICE)
    assert statements(p) == [
        # no resource types in the catalog: only "*" can grant them
        (["iam:ListUsers", "sts:GetCallerIdentity"], ["*"]),
        (["iam:AttachUserPolicy", "iam:GetUser"], [ALICE]),
        (
            ["iam:CreateUser", "iam:TagUser"],
            [f"arn:aws:iam::{ACCOUNT}:user/dev/carol", f"arn:aws:iam::{ACCOUNT}:user/dev/dave"],
        ),
    ]
    assert [s["Sid"] for s in p["policy"]["Statement"]] == ["Observed1", "Observed2", "Observed3"]
    assert p["policy"]["Version"] == "2012-10-17"
    assert p["requests"] == 9  # alice's records (GetUser twice)
    assert len(p["distinct"]) == 8
    assert p["denied"] == 2
    assert p["lines"] == 11
    assert json.loads(p["policy_json"]) == p["policy"]


def test_policy_is_valid_and_allows_every_logged_request() -> None:
    p = iamkit.policy_from_log(LOG, ALICE)
    findings = iamkit.validate(p["policy_json"])
    assert not [f for f in findings if f.severity in ("ERROR", "SECURITY_WARNING")], findings
    for r in p["distinct"]:
        result = iamkit.evaluate(
            action=r["action"],
            resource=r["resource"],
            principal=r["principal"],
            identity_policies=[p["policy_json"]],
        )
        assert result.decision == "allowed", r
    # ...and nothing beyond what was logged: bob's DeleteUser, another user's GetUser.
    for action, resource in [
        ("iam:DeleteUser", f"arn:aws:iam::{ACCOUNT}:user/dev/carol"),
        ("iam:GetUser", BOB),
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/dev/eve"),
    ]:
        result = iamkit.evaluate(
            action=action, resource=resource, principal=ALICE, identity_policies=[p["policy_json"]]
        )
        assert result.decision == "implicitDeny", (action, resource)


def test_decision_filters() -> None:
    allowed = iamkit.policy_from_log(LOG, ALICE, decisions="allowed")
    assert "iam:AttachUserPolicy" not in json.dumps(allowed["policy"])
    assert "iam:ListUsers" not in json.dumps(allowed["policy"])
    denied = iamkit.policy_from_log(LOG, ALICE, decisions="denied")
    assert statements(denied) == [(["iam:ListUsers"], ["*"]), (["iam:AttachUserPolicy"], [ALICE])]
    with pytest.raises(ValueError, match="decisions="):
        iamkit.policy_from_log(LOG, ALICE, decisions="some")


def test_deterministic_whatever_the_order() -> None:
    lines = LOG.strip().splitlines()
    a = iamkit.policy_from_log("\n".join(lines), ALICE)["policy_json"]
    b = iamkit.policy_from_log("\n".join(reversed(lines)), ALICE)["policy_json"]
    assert a == b


def test_role_arn_covers_its_sessions() -> None:
    log = "\n".join(
        [
            record(SESSION, "iam:GetRole", ROLE, "allowed"),
            record(f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/x", "iam:GetRole", ROLE, "allowed"),
        ]
    )
    p = iamkit.policy_from_log(log, ROLE)
    assert statements(p) == [(["iam:GetRole"], [ROLE])]
    assert iamkit.policy_from_log(log, SESSION)["requests"] == 1


def test_wildcard_characters_are_escaped() -> None:
    key = "arn:aws:s3:::logs/2026/*/a?b"
    p = iamkit.policy_from_log(record(ALICE, "s3:GetObject", key, "allowed"), ALICE)
    assert statements(p) == [(["s3:GetObject"], ["arn:aws:s3:::logs/2026/${*}/a${?}b"])]
    other = iamkit.evaluate(
        action="s3:GetObject",
        resource="arn:aws:s3:::logs/2026/12/axb",
        principal=ALICE,
        identity_policies=[p["policy_json"]],
    )
    assert other.decision == "implicitDeny"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"principal": x}', "not a JSON object"),
        ("[1]", "expected a JSON object"),
        (json.dumps({"principal": ALICE, "resource": "*", "decision": "allowed"}), 'missing field "action"'),
        (record(ALICE, "iam:GetUser", ALICE, "perhaps"), 'field "decision"'),
        (record(ALICE, "iam:GetUzer", ALICE, "allowed"), "not an action of the service catalog"),
    ],
)
def test_malformed_line_names_its_number(line: str, message: str) -> None:
    log = LOG.strip() + "\n" + line + "\n" + record(ALICE, "iam:GetUser", ALICE, "allowed")
    with pytest.raises(iamkit.DecisionLogError, match=message) as e:
        iamkit.policy_from_log(log, ALICE)
    assert e.value.line == 12
    assert str(e.value).startswith("line 12: ")


def test_no_call_and_bad_arguments() -> None:
    with pytest.raises(iamkit.DecisionLogError, match="no call of") as e:
        iamkit.policy_from_log(LOG, f"arn:aws:iam::{ACCOUNT}:user/zed")
    assert e.value.line == 0
    with pytest.raises(iamkit.DecisionLogError, match="expected the ARN"):
        iamkit.policy_from_log(LOG, "alice")
    with pytest.raises(iamkit.DecisionLogError, match="line 2: not UTF-8"):
        iamkit.policy_from_log(b"\n\xff\xfe", ALICE)
    with pytest.raises(TypeError):
        iamkit.policy_from_log(42, ALICE)  # type: ignore[arg-type]


def test_reads_a_path(tmp_path: Path) -> None:
    f = tmp_path / "decisions.jsonl"
    f.write_text(LOG)
    assert iamkit.policy_from_log(f, ALICE) == iamkit.policy_from_log(LOG, ALICE)


# ---- CLI ----------------------------------------------------------------------------------------


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_json_and_text(tmp_path: Path) -> None:
    f = tmp_path / "decisions.jsonl"
    f.write_text(LOG)
    r = run("policy-from-log", str(f), "--principal", ALICE)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == iamkit.policy_from_log(LOG, ALICE)["policy"]
    r = run("policy-from-log", "-", "--principal", ALICE, "--only-denied", "--format", "text", stdin=LOG)
    assert r.returncode == 0, r.stderr
    assert "2 call(s) of" in r.stdout
    assert "Allow iam:AttachUserPolicy" in r.stdout
    assert "iam:CreateUser" not in r.stdout
    r = run("policy-from-log", str(f), "--principal", ALICE, "--exclude-denied")
    assert r.returncode == 0, r.stderr
    assert "iam:AttachUserPolicy" not in r.stdout
    r = run("policy-from-log", str(f), "--principal", ALICE, "--only-denied", "--exclude-denied")
    assert r.returncode == 2
    assert "not allowed with" in r.stderr


def test_cli_malformed_log_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "decisions.jsonl"
    f.write_text(LOG + '{"action" "iam:GetUser"}\n')
    out = tmp_path / "policy.json"
    r = run("policy-from-log", str(f), "--principal", ALICE, "-o", str(out))
    assert r.returncode == 2
    assert f"{f}:12: not a JSON object" in r.stderr
    assert not out.exists()
    assert r.stdout == ""
    f.write_text(LOG)
    r = run("policy-from-log", str(f), "--principal", ALICE, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text()) == iamkit.policy_from_log(LOG, ALICE)["policy"]
    r = run("policy-from-log", str(tmp_path / "missing.jsonl"), "--principal", ALICE)
    assert r.returncode == 2
    assert "cannot read" in r.stderr


def test_record_cut_short_by_a_kill_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """A server killed while writing a record leaves the start of a JSON object: as the last
    line, or in the middle once a restarted server appended to the log. It is skipped with a
    warning naming its line; the policy covers every whole record."""
    whole = record(ALICE, "iam:GetUser", ALICE, "allowed")
    torn = whole[: len(whole) // 2]
    for log, line in [(LOG + torn, 12), (LOG + torn + "\n" + whole + "\n", 12)]:
        p = iamkit.policy_from_log(log, ALICE)
        assert p["warnings"] == [{"line": line, "message": p["warnings"][0]["message"]}]
        assert "incomplete record" in p["warnings"][0]["message"]
        assert p["policy"] == iamkit.policy_from_log(LOG, ALICE)["policy"]
    f = tmp_path / "decisions.jsonl"
    f.write_text(LOG + torn)
    r = run("policy-from-log", str(f), "--principal", ALICE)
    assert r.returncode == 0, r.stderr
    assert f"iamkit: warning: {f}:12: an incomplete record" in r.stderr
    assert json.loads(r.stdout) == iamkit.policy_from_log(LOG, ALICE)["policy"]
