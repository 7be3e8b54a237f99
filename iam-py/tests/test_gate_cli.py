"""``iamkit validate`` as a CI gate: directories and globs, stdin, account snapshots, --fail-on,
--min-severity, --ignore-finding, the exit codes, the accessanalyzer and SARIF formats (SARIF
validated against the OASIS 2.1.0 schema), and the pre-commit hook and workflow examples."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import iamkit

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif" / "sarif-2.1.0-rtm.5.json"
SNAPSHOT = ROOT / "examples" / "data" / "gaad.json"

GOOD = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}'
WARN = '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}'
ADMIN = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Sid": "Everything", "Effect": "Allow", '
    '"Action": "*", "Resource": "*"}\n  ]\n}\n'
)
BAD = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}\n}'


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """policies/ with nested files, a non-JSON file and a hidden directory."""
    root = tmp_path / "policies"
    (root / "team" / "deep").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "good.json").write_text(GOOD)
    (root / "warn.json").write_text(WARN)
    (root / "team" / "admin.json").write_text(ADMIN)
    (root / "team" / "deep" / "bad.json").write_text(BAD)
    (root / "team" / "notes.txt").write_text("not a policy")
    (root / ".git" / "config.json").write_text("{}")
    return root


def codes(stdout: str) -> list[str]:
    return [line.split()[2] for line in stdout.splitlines() if line.strip()]


def test_directory_recursive_default_glob(tree: Path) -> None:
    p = run("validate", str(tree))
    assert p.returncode == 1, p.stderr
    files = {line.split(":", 1)[0] for line in p.stdout.splitlines()}
    assert files == {
        str(tree / "warn.json"),
        str(tree / "team" / "admin.json"),
        str(tree / "team" / "deep" / "bad.json"),
    }
    assert "notes.txt" not in p.stdout and ".git" not in p.stdout
    assert "failing finding" in p.stderr


def test_include_exclude_globs(tree: Path) -> None:
    p = run("validate", str(tree), "--exclude", "team/*")
    assert p.returncode == 0, p.stdout  # warn.json's MISSING_VERSION is a WARNING: passes
    assert codes(p.stdout) == ["MISSING_VERSION"]
    p = run("validate", str(tree), "--include", "bad.json")
    assert p.returncode == 1 and codes(p.stdout) == ["INVALID_ACTION"]
    p = run("validate", str(tree), "--include", "*.txt")
    assert p.returncode == 1 and codes(p.stdout) == ["JSON_SYNTAX_ERROR"], p.stdout


def test_security_warning_fails_by_default(tmp_path: Path) -> None:
    path = tmp_path / "admin.json"
    path.write_text(ADMIN)
    p = run("validate", str(path))
    assert p.returncode == 1
    (line,) = [x for x in p.stdout.splitlines() if "FULL_ADMIN_ACCESS" in x]
    assert line.startswith(f"{path}:4:5: SECURITY_WARNING FULL_ADMIN_ACCESS ")
    assert run("validate", "--fail-on", "ERROR", str(path)).returncode == 0
    assert run("validate", "--fail-on", "NONE", str(path)).returncode == 0
    assert (
        run("validate", "--fail-on", "WARNING,ERROR", str(path)).returncode == 1
    )  # CREATE_SLR_* is a WARNING
    assert run("validate", "--fail-on", "ERROR", "--fail-on", "SECURITY_WARNING", str(path)).returncode == 1


def test_min_severity(tmp_path: Path) -> None:
    path = tmp_path / "admin.json"
    path.write_text(ADMIN)
    all_codes = set(codes(run("validate", str(path)).stdout))
    assert {"FULL_ADMIN_ACCESS", "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"} <= all_codes
    p = run("validate", "--min-severity", "SECURITY_WARNING", str(path))
    assert "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" not in codes(p.stdout)
    assert "FULL_ADMIN_ACCESS" in codes(p.stdout) and p.returncode == 1
    p = run("validate", "--min-severity", "ERROR", str(path))
    assert p.stdout == "" and p.returncode == 0


def test_ignore_finding_by_code_file_and_sid(tmp_path: Path) -> None:
    path = tmp_path / "admin.json"
    path.write_text(ADMIN)
    failing = ("FULL_ADMIN_ACCESS", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE")
    assert set(failing) <= set(codes(run("validate", str(path)).stdout))
    p = run("validate", str(path), "--ignore-finding", ",".join(failing))
    assert p.returncode == 0 and not set(failing) & set(codes(p.stdout))
    assert "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" in codes(p.stdout)
    # FILE.CODE with the base name, the stem or the path as given; a Sid; a bare name.
    for spec in ("admin.json.FULL_ADMIN_ACCESS", "admin.FULL_ADMIN_ACCESS", f"{path}.FULL_ADMIN_ACCESS"):
        p = run("validate", str(path), "--ignore-finding", spec, "--ignore-finding", failing[1])
        assert p.returncode == 0, (spec, p.stdout)
        assert "FULL_ADMIN_ACCESS" not in codes(p.stdout)
    p = run("validate", str(path), "--ignore-finding", "Everything")
    assert p.returncode == 0 and p.stdout == ""
    p = run("validate", str(path), "--ignore-finding", "Everything.FULL_ADMIN_ACCESS")
    assert p.returncode == 1 and "FULL_ADMIN_ACCESS" not in codes(p.stdout)
    # Another file's name ignores nothing here.
    assert run("validate", str(path), "--ignore-finding", "other.json").returncode == 1


def test_stdin_and_exit_codes(tmp_path: Path) -> None:
    p = run("validate", "-", stdin=BAD)
    assert p.returncode == 1 and p.stdout.startswith("<stdin>:3:")
    assert run("validate", "-", stdin=GOOD).returncode == 0
    # Usage and I/O errors: exit 2.
    assert run("validate", str(tmp_path / "missing.json")).returncode == 2
    assert run("validate").returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run("validate", str(empty))
    assert p.returncode == 2 and "no policy files" in p.stderr
    assert run("validate", "--fail-on", "FATAL", "-", stdin=GOOD).returncode == 2
    assert run("validate", "--min-severity", "LOW", "-", stdin=GOOD).returncode == 2
    assert run("validate", "--format", "yaml", "-", stdin=GOOD).returncode == 2


def test_not_a_policy_never_passes(tmp_path: Path) -> None:
    for text in ("not json", "", "[1, 2]", json.dumps({"UserDetailList": []}), '{"Version": "2012-10-17"'):
        for fail_on in ("ERROR,SECURITY_WARNING", "NONE"):
            p = run("validate", "--fail-on", fail_on, "-", stdin=text)
            assert p.returncode == 1, (text, fail_on, p.stdout, p.stderr)
            assert p.stdout.strip(), text


def test_help_documents_exit_codes() -> None:
    p = run("validate", "--help")
    assert p.returncode == 0
    for text in (
        "exit codes",
        "0  no failing finding",
        "1  at least one failing finding",
        "2  usage or I/O error",
    ):
        assert text in p.stdout
    for option in (
        "--snapshot",
        "--fail-on",
        "--ignore-finding",
        "--min-severity",
        "--policy-type",
        "--include",
    ):
        assert option in p.stdout


def test_snapshot_every_policy_located_by_entity() -> None:
    p = run("validate", "--snapshot", str(SNAPSHOT), "--format", "json")
    assert p.returncode == 1, p.stderr
    items = json.loads(p.stdout)
    assert items
    for it in items:
        assert it["file"].startswith(f"{SNAPSHOT}#")
        assert it["entity"].split("/")[0] in ("user", "group", "role", "policy")
    kinds = {it["file"].split("#")[1].split("/")[0] for it in items}
    assert {"role", "policy"} <= kinds
    text = run("validate", "--snapshot", str(SNAPSHOT)).stdout
    first = text.splitlines()[0]
    loc, line, col = first.split(":")[0:3]
    assert "#" in loc and line.isdigit() and col.isdigit()


def test_snapshot_trust_policies_and_ignores(tmp_path: Path) -> None:
    snapshot = {
        "UserDetailList": [
            {
                "UserName": "alice",
                "UserPolicyList": [
                    {
                        "PolicyName": "everything",
                        "PolicyDocument": json.loads(ADMIN),
                    }
                ],
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [
            {
                "RoleName": "Open",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
                },
                "RolePolicyList": [],
            }
        ],
        "Policies": [
            {
                "PolicyName": "Old",
                "PolicyVersionList": [
                    {
                        "Document": json.loads(BAD.replace("s3GetObject", "s3:GetObject")),
                        "IsDefaultVersion": False,
                    },
                    {"Document": json.loads(BAD), "IsDefaultVersion": True},
                ],
            }
        ],
    }
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    p = run("validate", "--snapshot", str(path))
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    trust = [x for x in lines if "TRUST_POLICY_ALLOWS_ANY_PRINCIPAL" in x]
    # Line and column inside the trust policy as printed with four-space indentation.
    assert trust == [
        f"{path}#role/Open/trust:7:24: SECURITY_WARNING TRUST_POLICY_ALLOWS_ANY_PRINCIPAL "
        + trust[0].split(" ", 3)[3]
    ]
    assert any(x.startswith(f"{path}#user/alice/everything:") and "FULL_ADMIN_ACCESS" in x for x in lines)
    assert any(x.startswith(f"{path}#policy/Old:") and "INVALID_ACTION" in x for x in lines)
    p = run(
        "validate",
        "--snapshot",
        str(path),
        "--ignore-finding",
        "role/Open,alice.FULL_ADMIN_ACCESS,alice.PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE,Old",
    )
    assert p.returncode == 0, p.stdout
    assert "TRUST_POLICY" not in p.stdout and "FULL_ADMIN" not in p.stdout and "policy/Old" not in p.stdout
    # Not a snapshot: a usage error.
    bad = tmp_path / "policy.json"
    bad.write_text(GOOD)
    p = run("validate", "--snapshot", str(bad))
    assert p.returncode == 2 and "not a get-account-authorization-details snapshot" in p.stderr


def test_accessanalyzer_format_is_the_aws_cli_output(tmp_path: Path) -> None:
    path = tmp_path / "admin.json"
    path.write_text(ADMIN)
    p = run("validate", "--format", "accessanalyzer", str(path))
    assert p.returncode == 1
    response = iamkit.client("accessanalyzer").validate_policy(
        policyDocument=ADMIN, policyType="IDENTITY_POLICY"
    )
    del response["ResponseMetadata"]
    # The AWS CLI prints json.dumps(response, indent=4, ensure_ascii=False) and a newline.
    assert p.stdout == json.dumps(response, indent=4, ensure_ascii=False) + "\n"
    assert p.stdout.startswith('{\n    "findings": [\n        {\n            "findingDetails": ')
    good = run("validate", "--format", "accessanalyzer", "-", stdin=GOOD)
    assert good.returncode == 0 and good.stdout == '{\n    "findings": []\n}\n'


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema


def test_sarif_valid_against_the_2_1_0_schema(tree: Path) -> None:
    p = run("validate", "--format", "sarif", str(tree), "--snapshot", str(SNAPSHOT))
    assert p.returncode == 1
    log = json.loads(p.stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert driver["informationUri"] == urls["Repository"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["INVALID_ACTION"]["helpUri"].endswith(
        "#access-analyzer-reference-policy-checks-error-invalid-action"
    )
    assert (
        rules["FULL_ADMIN_ACCESS"]["helpUri"]
        == f"{urls['Repository']}/blob/main/iam-py/README.md#full-admin-access"
    )
    expected = {"ERROR": "8.0", "SECURITY_WARNING": "7.0", "WARNING": "4.0", "SUGGESTION": "2.0"}
    results = log["runs"][0]["results"]
    order = ["ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"]
    worst: dict[str, str] = {}
    for r in results:
        t = r["properties"]["findingType"]
        worst[r["ruleId"]] = min(worst.get(r["ruleId"], t), t, key=order.index)
    for r in results:
        rule = driver["rules"][r["ruleIndex"]]
        assert rule["id"] == r["ruleId"]
        # A rule ranks as its most serious result.
        assert rule["properties"]["security-severity"] == expected[worst[r["ruleId"]]]
        assert rule["properties"]["precision"] in ("very-high", "high")
        assert rule["shortDescription"]["text"]
        assert r["level"] == ("error" if r["properties"]["failing"] else r["level"])
    snap = [r for r in results if "entity" in r["properties"]]
    assert snap and all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("gaad.json") for r in snap
    )
    # Each snapshot result points at the line of the snapshot naming its entity.
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    for r in snap:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        name = r["properties"]["entity"].split("/", 1)[1]
        assert f'"{name}"' in lines[line - 1], (name, lines[line - 1])
    files = [r for r in results if "entity" not in r["properties"]]
    assert all("region" in r["locations"][0]["physicalLocation"] for r in files)


def test_sarif_schema_rejects_a_broken_log() -> None:
    # The schema check can fail: a result without a message is not SARIF.
    log = json.loads(run("validate", "--format", "sarif", "-", stdin=BAD).stdout)
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema()).validate(log)


def test_pre_commit_hook_entry_runs_the_gate(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "iamkit-validate" and hook["pass_filenames"] is True
    entry = shlex.split(hook["entry"])
    assert entry[0] == "iamkit"
    exe = shutil.which("iamkit", path=os.path.dirname(sys.executable)) or shutil.which("iamkit")
    assert exe, "the iamkit console script is installed with the wheel"
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / "good.json").write_text(GOOD)
    (sample / "admin.json").write_text(ADMIN)
    args = [*hook.get("args", [])]

    def hook_run(*files: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, *entry[1:], *args, *map(str, files)], capture_output=True, text=True, timeout=120
        )

    assert hook_run(sample / "good.json").returncode == 0
    p = hook_run(sample / "good.json", sample / "admin.json")
    assert p.returncode == 1 and "FULL_ADMIN_ACCESS" in p.stdout


def test_workflow_example_runs_the_gate_and_uploads_sarif() -> None:
    wf = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "iamkit-policy-gate.yml").read_text(encoding="utf-8")
    )
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on:` as True
    assert on["pull_request"]["paths"] == ["policies/**"]
    steps = wf["jobs"]["iamkit-validate"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "pip install iamkit" in runs and "iamkit validate policies/" in runs and "--format sarif" in runs
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert wf["permissions"]["security-events"] == "write"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ = {
    "Sid": "Read",
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::reports/*",
    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": "true"}},
}
NO_DELETE = {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}


def test_diff_statements_resource_widening_and_dropped_condition() -> None:
    wider = dict(READ, Resource="*", Condition={"Bool": {"aws:SecureTransport": "true"}})
    d = iamkit.diff_policies(_policy(READ, NO_DELETE), _policy(wider))
    # The contract's keys are still there.
    assert d["only_a"] == [] and d["only_b"] == []
    changed, removed = d["statements"]
    assert changed["change"] == "changed" and changed["sid"] == "Read" and changed["widens"] is True
    assert changed["resources_widened"] == ["*"]
    assert changed["conditions_dropped"] == [
        {"operator": "IpAddress", "key": "aws:SourceIp", "values": ["10.0.0.0/8"]}
    ]
    assert removed == {
        "change": "removed",
        "a_index": 1,
        "b_index": None,
        "sid": "NoDelete",
        "effect": "Deny",
    }
    # A bucket path narrowed, a condition value changed: no widening of resources.
    narrower = dict(READ, Resource="arn:aws:s3:::reports/2024/*")
    narrower["Condition"] = {
        "IpAddress": {"aws:SourceIp": "10.1.0.0/16"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    (c,) = iamkit.diff_policies(_policy(READ), _policy(narrower))["statements"]
    assert c["resources_narrowed"] == ["arn:aws:s3:::reports/*"] and "resources_widened" not in c
    assert c["conditions_changed"] == [
        {"operator": "IpAddress", "key": "aws:SourceIp", "a": ["10.0.0.0/8"], "b": ["10.1.0.0/16"]}
    ]
    assert iamkit.diff_policies(_policy(READ), _policy(READ))["statements"] == []


def test_diff_statements_pairing_and_not_resource() -> None:
    a = _policy(
        {"Effect": "Allow", "Action": "ec2:*", "NotResource": ["arn:aws:ec2:*:*:instance/prod-*", "arn:x"]}
    )
    b = _policy({"Effect": "Allow", "Action": "ec2:*", "NotResource": "arn:x"})
    (c,) = iamkit.diff_policies(a, b)["statements"]
    # Removing an exclusion from NotResource widens.
    assert c["resources_widened"] == ["arn:aws:ec2:*:*:instance/prod-*"] and c["widens"]
    (c,) = iamkit.diff_policies(_policy(NO_DELETE), _policy(dict(NO_DELETE, Effect="Allow")))["statements"]
    assert c["effect_changed"] == ["Deny", "Allow"]


def test_cli_diff_reports_statements_and_fails_on_widening(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_policy(READ, NO_DELETE)))
    b.write_text(json.dumps(_policy(dict(READ, Resource="*"))))
    p = run("diff", str(a), str(b))
    assert p.returncode == 0
    assert "statement changed\tSid Read\tresources widened: *" in p.stdout
    assert "statement removed\tSid NoDelete\tDeny" in p.stdout
    assert run("diff", str(a), str(b), "--fail-on-widening").returncode == 1
    # B -> A only narrows: a Deny added, a resource narrowed, a condition added.
    assert run("diff", str(b), str(a), "--fail-on-widening").returncode == 0
    assert run("diff", str(a), str(a), "--fail-on-widening", "--fail-on-difference").returncode == 0


def test_findings_reference_documents_every_iamkit_code() -> None:
    """Each iamkit-only code's learnMoreLink / SARIF helpUri anchor exists in the README."""
    from iamkit import _accessanalyzer

    readme = (ROOT / "iam-py" / "README.md").read_text(encoding="utf-8")
    for code in sorted(_accessanalyzer.IAMKIT_CODES):
        anchor = code.lower().replace("_", "-")
        assert f'<a id="{anchor}"></a>' in readme, code
        assert f"**`{code}`**" in readme, code


CROSS_TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}'
)


def test_account_id_enables_cross_account_findings(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(CROSS_TRUST)
    # Without the owner account, a named account is no finding.
    assert run("validate", "--policy-type", "trust", str(path)).returncode == 0
    p = run("validate", "--policy-type", "trust", "--account-id", "111122223333", str(path))
    assert p.returncode == 1 and codes(p.stdout) == ["CROSS_ACCOUNT_ACCESS"]
    assert p.stdout.startswith(f"{path}:1:")
    assert (
        run("validate", "--policy-type", "trust", "--account-id", "444455556666", str(path)).returncode == 0
    )
    p = run("validate", "--policy-type", "trust", "--account-id", "1234", str(path))
    assert p.returncode == 2 and "12 digits" in p.stderr
    # Identity policies have no principals: the option changes nothing for them.
    assert run("validate", "--account-id", "111122223333", "-", stdin=GOOD).returncode == 0


def test_snapshot_uses_its_own_account(tmp_path: Path) -> None:
    snapshot = {
        "RoleDetailList": [
            {
                "RoleName": "Partner",
                "Arn": "arn:aws:iam::111122223333:role/Partner",
                "AssumeRolePolicyDocument": json.loads(CROSS_TRUST),
                "RolePolicyList": [],
            },
            {
                "RoleName": "Vendor",
                "Arn": "arn:aws:iam::111122223333:role/Vendor",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "444455556666"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": "ExampleCorp-1"}},
                        }
                    ],
                },
                "RolePolicyList": [],
            },
        ]
    }
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    p = run("validate", "--snapshot", str(path))
    assert p.returncode == 1
    (line,) = p.stdout.splitlines()
    assert line.startswith(f"{path}#role/Partner/trust:") and "CROSS_ACCOUNT_ACCESS" in line


def test_resource_type_option(tmp_path: Path) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": ["s3:GetObject", "sqs:SendMessage"],
                        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                    }
                ],
            }
        )
    )
    # As an identity policy (the default) the Principal is the error; as a bucket policy the SQS action.
    assert "UNSUPPORTED_PRINCIPAL" in codes(run("validate", str(path)).stdout)
    p = run("validate", "--resource-type", "AWS::S3::Bucket", str(path))
    assert p.returncode == 1 and codes(p.stdout) == ["UNSUPPORTED_ACTION_IN_POLICY"]
    assert "sqs:SendMessage" in p.stdout
    p = run("validate", "--resource-type", "AWS::S3::Object", str(path))
    assert p.returncode == 2 and "AWS::S3::Bucket" in p.stderr
