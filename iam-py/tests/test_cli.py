"""The command line, run as `python -m iamkit` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = (
    '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
)
WARN = '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
BAD = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}\n}'


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in (("good.json", GOOD), ("warn.json", WARN), ("bad.json", BAD)):
        (tmp_path / name).write_text(text)
        out[name] = str(tmp_path / name)
    return out


def test_validate_ok_exit_0(files: dict[str, str]) -> None:
    p = run("validate", files["good.json"])
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""


def test_validate_warning_only_exit_0(files: dict[str, str]) -> None:
    p = run("validate", files["warn.json"])
    assert p.returncode == 0
    assert (
        p.stdout.strip()
        == f"{files['warn.json']}:1:1: WARNING MISSING_VERSION "
        + p.stdout.split("MISSING_VERSION ", 1)[1].strip()
    )


def test_validate_error_exit_1_compiler_style(files: dict[str, str]) -> None:
    p = run("validate", files["good.json"], files["bad.json"])
    assert p.returncode == 1
    (line,) = p.stdout.splitlines()
    col = BAD.split("\n")[2].index('"s3GetObject"') + 1
    assert line.startswith(f"{files['bad.json']}:3:{col}: ERROR INVALID_ACTION ")


def test_validate_stdin() -> None:
    p = run("validate", "-", stdin=BAD)
    assert p.returncode == 1
    assert p.stdout.startswith("<stdin>:3:")


def test_validate_json_format(files: dict[str, str]) -> None:
    p = run("validate", "--format", "json", files["bad.json"], files["warn.json"])
    assert p.returncode == 1
    items = json.loads(p.stdout)
    assert isinstance(items, list) and len(items) == 2
    assert {i["code"] for i in items} == {"INVALID_ACTION", "MISSING_VERSION"}
    assert all({"file", "line", "column", "severity", "message", "path"} <= set(i) for i in items)


def test_validate_sarif(files: dict[str, str]) -> None:
    p = run("validate", "-f", "sarif", files["bad.json"], files["warn.json"], files["good.json"])
    assert p.returncode == 1
    log = json.loads(p.stdout)
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "iamkit" and driver["informationUri"].startswith("http")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert sorted(rule_ids) == ["INVALID_ACTION", "MISSING_VERSION"]
    assert all(r["shortDescription"]["text"] for r in driver["rules"])
    results = run_["results"]
    assert len(results) == 2
    by_rule = {r["ruleId"]: r for r in results}
    err = by_rule["INVALID_ACTION"]
    assert err["level"] == "error"
    assert by_rule["MISSING_VERSION"]["level"] == "warning"
    assert rule_ids[err["ruleIndex"]] == "INVALID_ACTION"
    assert err["message"]["text"]
    loc = err["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("bad.json")
    region = loc["region"]
    col = BAD.split("\n")[2].index('"s3GetObject"') + 1
    assert region["startLine"] == 3 and region["startColumn"] == col
    assert region["endLine"] == 3 and region["endColumn"] == col + len('"s3GetObject"')


def test_sarif_note_level_for_suggestions() -> None:
    import iamkit
    from iamkit.cli import sarif_log

    f = iamkit.Finding("X_Y", "SUGGESTION", "m", "", 1, 2, 1, 1, 3, 2)
    log = sarif_log([("a b.json", [f])])
    r = log["runs"][0]["results"][0]
    assert r["level"] == "note"
    assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b.json"


def test_validate_missing_file_exit_2(files: dict[str, str], tmp_path: Path) -> None:
    p = run("validate", files["good.json"], str(tmp_path / "nope.json"))
    assert p.returncode == 2
    assert "nope.json" in p.stderr and "cannot read" in p.stderr


def test_validate_unknown_type_exit_2(files: dict[str, str]) -> None:
    p = run("validate", "--type", "bogus", files["good.json"])
    assert p.returncode == 2
    assert "bogus" in p.stderr and "identity" in p.stderr


def test_validate_type_option(files: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
        '"Resource": "arn:aws:s3:::b/*"}}'
    )
    assert "UNSUPPORTED_PRINCIPAL" in run("validate", str(path)).stdout
    assert "UNSUPPORTED_PRINCIPAL" not in run("validate", "--type", "resource", str(path)).stdout


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("validate").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("validate", "--format", "xml", "-").returncode == 2


def test_check(files: dict[str, str], tmp_path: Path) -> None:
    p = run("check", files["good.json"], "--kind", "managed")
    assert p.returncode == 0 and "ok" in p.stdout
    old = tmp_path / "old.json"
    old.write_text(GOOD.replace("2012-10-17", "2008-10-17"))
    p = run("check", str(old), "--kind", "managed")
    assert p.returncode == 1
    assert "Policy document must be version 2012-10-17 or greater." in p.stdout
    assert run("check", str(old), "--kind", "inline-user").returncode == 0
    p = run("check", str(old), "--kind", "nope")
    assert p.returncode == 2 and "inline-role" in p.stderr
    p = run("check", "-", "--format", "json", stdin="new policy")
    assert p.returncode == 1
    assert json.loads(p.stdout)["message"] == "Syntax errors in policy."
    assert run("check", str(tmp_path / "missing.json")).returncode == 2


def test_simulate(tmp_path: Path) -> None:
    pol = tmp_path / "p.json"
    pol.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",'
        ' "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"]}}}]}'
    )
    alice = "arn:aws:iam::111122223333:user/alice"
    base = ["simulate", str(pol), "--action", "s3:GetObject", "--principal", alice]
    p = run(*base, "--context", "aws:RequestedRegion=eu-west-1")
    assert p.returncode == 0 and p.stdout.startswith("allowed")
    p = run(*base, "--context", "aws:RequestedRegion=us-east-1", "--fail-on-deny")
    assert p.returncode == 1 and p.stdout.startswith("implicitDeny")
    p = run(*base, "--context", "aws:RequestedRegion=us-east-1")
    assert p.returncode == 0
    p = run(*base, "--action", "s3:PutObject", "--format", "json", "-c", "aws:RequestedRegion=eu-west-2")
    out = json.loads(p.stdout)
    assert [r["decision"] for r in out] == ["allowed", "implicitDeny"]
    p = run(*base, "--explain", "-c", "aws:RequestedRegion=eu-west-1")
    assert "reason:" in p.stdout
    assert run(*base, "--context", "novalue").returncode == 2
    assert run("simulate", str(tmp_path / "missing.json"), "--action", "s3:GetObject").returncode == 2
    assert run("simulate", str(pol), "--action", "s3:GetObject", "--principal", "nobody").returncode == 2
    assert run("simulate", str(pol)).returncode == 2  # --action is required


def test_demo_and_version() -> None:
    p = run("demo")
    assert p.returncode == 0 and "allowed" in p.stdout and "explicitDeny" in p.stdout
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("iamkit ")


def test_console_script_installed() -> None:
    import shutil

    exe = shutil.which("iamkit") or str(Path(sys.executable).parent / "iamkit")
    if not Path(exe).exists():
        pytest.skip("console script not on PATH")
    p = subprocess.run([exe, "validate", "-"], input=GOOD, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
