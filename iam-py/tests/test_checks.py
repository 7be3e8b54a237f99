"""IAM Access Analyzer's custom policy checks: boto3's parameters and response shapes
(checked against botocore's ``accessanalyzer`` model when botocore is installed), confirmed
example requests, and the ``iamkit check`` exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import iamkit
from iamkit import _checks

OLD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}],
}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/r/*"}
    ],
}
WIDE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}],
}
PUBLIC = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    ],
}
ORG_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    ],
}


def _shape_ok(resp: dict[str, Any]) -> None:
    assert resp["result"] in ("PASS", "FAIL")
    assert isinstance(resp["message"], str) and resp["message"]
    for r in resp["reasons"]:
        assert set(r) <= {"description", "statementIndex", "statementId"}
        assert isinstance(r["description"], str)
    assert len(resp["iamkit"]["reasons"]) == len(resp["reasons"])


def _botocore_output_shape(operation: str) -> set[str] | None:
    try:
        import botocore.session
    except ImportError:
        return None
    model = botocore.session.get_session().get_service_model("accessanalyzer")
    return set(model.operation_model(operation).output_shape.members)


def test_no_new_access_pass_and_fail() -> None:
    r = _checks.check_no_new_access(
        newPolicyDocument=json.dumps(NARROW),
        existingPolicyDocument=json.dumps(OLD),
        policyType="IDENTITY_POLICY",
    )
    _shape_ok(r)
    assert r["result"] == "PASS" and r["reasons"] == []
    r = _checks.check_no_new_access(
        newPolicyDocument=json.dumps(WIDE),
        existingPolicyDocument=json.dumps(OLD),
        policyType="IDENTITY_POLICY",
    )
    _shape_ok(r)
    assert r["result"] == "FAIL"
    assert r["reasons"][0]["statementIndex"] == 0 and r["reasons"][0]["statementId"] == "All"
    req = r["iamkit"]["reasons"][0]["request"]
    assert req["principal"] is None  # the unnamed IAM user holding the policy
    loc = r["iamkit"]["reasons"][0]["location"]
    assert loc["line"] >= 1
    # The example request is real: the new policy allows it, the existing one does not.
    ctx = {k: (v[0] if len(v) == 1 else v) for k, v in req["context"].items()}
    new = iamkit.evaluate(
        action=req["action"], resource=req["resource"], context=ctx, identity_policies=[WIDE]
    )
    old = iamkit.evaluate(
        action=req["action"], resource=req["resource"], context=ctx, identity_policies=[OLD]
    )
    assert new.allowed and not old.allowed
    expected = _botocore_output_shape("CheckNoNewAccess")
    if expected is not None:
        assert expected == {"result", "message", "reasons"}
        assert expected <= set(r)


def test_access_not_granted() -> None:
    r = _checks.check_access_not_granted(
        policyDocument=json.dumps(WIDE),
        access=[{"actions": ["s3:DeleteObject"]}],
        policyType="IDENTITY_POLICY",
    )
    _shape_ok(r)
    assert r["result"] == "FAIL"
    assert r["iamkit"]["reasons"][0]["request"]["action"].lower() == "s3:deleteobject"
    r = _checks.check_access_not_granted(
        policyDocument=json.dumps(NARROW),
        access=[{"actions": ["s3:Put*"]}, {"resources": ["arn:aws:s3:::other/*"]}],
        policyType="IDENTITY_POLICY",
    )
    assert r["result"] == "PASS"


@pytest.mark.parametrize("rtype", _checks.PUBLIC_RESOURCE_TYPES)
def test_every_public_resource_type_is_accepted(rtype: str) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}
        ],
    }
    r = _checks.check_no_public_access(policyDocument=json.dumps(doc), resourceType=rtype)
    assert r["result"] == "PASS", r


def test_public_resource_types_match_the_service_model() -> None:
    """The resource types are exactly the ``AccessCheckResourceType`` enum of the bundled
    botocore ``accessanalyzer`` model (and of the installed botocore, when there is one)."""
    import gzip

    root = Path(__file__).resolve().parents[2]
    bundled = root / "iam-account" / "data" / "botocore" / "accessanalyzer" / "service-2.json.gz"
    model = json.loads(gzip.decompress(bundled.read_bytes()))
    assert tuple(model["shapes"]["AccessCheckResourceType"]["enum"]) == _checks.PUBLIC_RESOURCE_TYPES
    try:
        import botocore.session
    except ImportError:
        return
    live = botocore.session.get_session().get_service_model("accessanalyzer")
    assert set(live.shape_for("AccessCheckResourceType").enum) <= set(_checks.PUBLIC_RESOURCE_TYPES)


def test_no_public_access() -> None:
    r = _checks.check_no_public_access(policyDocument=json.dumps(PUBLIC), resourceType="AWS::S3::Bucket")
    assert r["result"] == "FAIL"
    principal = r["iamkit"]["reasons"][0]["request"]["principal"]
    assert principal == "anonymous" or principal.startswith(("arn:aws:", "9"))
    r = _checks.check_no_public_access(policyDocument=json.dumps(ORG_ONLY), resourceType="AWS::S3::Bucket")
    assert r["result"] == "PASS"


def test_parameter_validation_and_bad_documents() -> None:
    with pytest.raises(Exception) as e:
        _checks.check_no_new_access(newPolicyDocument="{}", policyType="IDENTITY_POLICY")
    assert "existingPolicyDocument" in str(e.value)
    with pytest.raises(Exception) as e:
        _checks.check_no_new_access(
            newPolicyDocument=json.dumps(OLD), existingPolicyDocument=json.dumps(OLD), policyType="SCP"
        )
    assert getattr(e.value, "response", {})["Error"]["Code"] == "ValidationException"
    # A document that is not a policy is never a PASS.
    with pytest.raises(Exception) as e:
        _checks.check_no_new_access(
            newPolicyDocument='{"Version": "2012-10-17", "Statement": [',
            existingPolicyDocument=json.dumps(OLD),
            policyType="IDENTITY_POLICY",
        )
    err = getattr(e.value, "response", {})["Error"]
    assert err["Code"] == "ValidationException" and "line" in err["Message"]
    with pytest.raises(Exception) as e:
        _checks.check_no_public_access(policyDocument=json.dumps(PUBLIC), resourceType="AWS::EC2::Instance")
    assert getattr(e.value, "response", {})["Error"]["Code"] == "ValidationException"
    with pytest.raises(Exception) as e:
        _checks.check_access_not_granted(
            policyDocument=json.dumps(OLD), access=[{}], policyType="IDENTITY_POLICY"
        )
    assert getattr(e.value, "response", {})["Error"]["Code"] == "ValidationException"


# ---- command line ------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, doc in (
        ("old", OLD),
        ("narrow", NARROW),
        ("wide", WIDE),
        ("public", PUBLIC),
        ("org", ORG_ONLY),
    ):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc, indent=2))
        out[name] = str(tmp_path / f"{name}.json")
    (tmp_path / "broken.json").write_text('{"Version": "2012-10-17",\n "Statement": [}')
    out["broken"] = str(tmp_path / "broken.json")
    return out


def test_cli_no_new_access_exit_codes(files: dict[str, str]) -> None:
    p = run("check", "no-new-access", files["old"], files["narrow"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("PASS")
    p = run("check", "no-new-access", files["old"], files["wide"], "--format", "json")
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert out["result"] == "FAIL" and out["reasons"][0]["statementId"] == "All"
    p = run("check", "no-new-access", files["old"], files["wide"])
    assert f"{files['wide']}:4:" in p.stdout or f"{files['wide']}:" in p.stdout


def test_cli_access_not_granted_and_public(files: dict[str, str]) -> None:
    assert run("check", "access-not-granted", files["narrow"], "--action", "s3:PutObject").returncode == 0
    assert run("check", "access-not-granted", files["wide"], "--action", "s3:PutObject").returncode == 1
    p = run("check", "no-public-access", files["public"], "--resource-type", "AWS::S3::Bucket")
    assert p.returncode == 1 and p.stdout.startswith("FAIL")
    assert (
        run("check", "no-public-access", files["org"], "--resource-type", "AWS::S3::Bucket").returncode == 0
    )


def test_cli_usage_and_parse_errors(files: dict[str, str]) -> None:
    # Usage and I/O errors: 2.
    assert run("check", "no-new-access", files["old"]).returncode == 2
    assert run("check", "no-new-access", files["old"], "/nonexistent/x.json").returncode == 2
    assert run("check", "no-public-access", files["public"], "--resource-type", "AWS::Nope").returncode == 2
    assert run("check", "access-not-granted", files["wide"]).returncode == 2
    # A policy that does not parse: its finding and exit 1, never a PASS.
    p = run("check", "no-new-access", files["old"], files["broken"])
    assert p.returncode == 1
    assert f"{files['broken']}:" in p.stdout and "ERROR" in p.stdout and "PASS" not in p.stdout
    # The save-time check keeps its own syntax.
    assert run("check", files["old"]).returncode in (0, 1)


def test_access_not_granted_warns_on_a_misspelt_action() -> None:
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    client = iamkit.client("accessanalyzer")
    with pytest.warns(iamkit.UnknownActionWarning, match="s3:GetObjekt"):
        r = client.check_access_not_granted(
            policyDocument=doc, access=[{"actions": ["s3:GetObjekt"]}], policyType="IDENTITY_POLICY"
        )
    assert r["result"] == "PASS"
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = client.check_access_not_granted(
            policyDocument=doc, access=[{"actions": ["s3:GetObject"]}], policyType="IDENTITY_POLICY"
        )
    assert not [w for w in record if issubclass(w.category, iamkit.UnknownActionWarning)]
    assert r["result"] == "FAIL"
