"""The evaluator's data-driven conformance suite (iam-eval/tests/conformance/*.json), run
through the Python API (`iamkit.evaluate`) against the installed wheel.

Each case's expectation comes from the AWS page named in its ``source`` field; the same files
run from Rust in iam-eval/tests/conformance.rs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import iamkit

CASES_DIR = Path(__file__).resolve().parents[2] / "iam-eval" / "tests" / "conformance"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            out.append(pytest.param(case, id=f"{path.stem}/{case['name']}"))
    return out


CASES = _cases()


def test_suite_is_large_and_cites_aws() -> None:
    assert len(CASES) >= 300
    for p in CASES:
        case = p.values[0]
        assert case["source"].startswith("https://docs.aws.amazon.com/"), case["name"]
        if "expected_error" in case:
            assert case["expected"] == "error", case["name"]
        else:
            assert case["expected"] in ("allowed", "explicitDeny", "implicitDeny")


def _text(doc: Any) -> str:
    """A policy's text as both runners write it: compact JSON, keys in document order."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _policy(doc: Any, policy_type: str) -> iamkit.Policy:
    return iamkit.Policy.from_json(_text(doc), policy_type=policy_type)


def _check_refusal(case: dict[str, Any], err: iamkit.PolicyParseError) -> None:
    """The refusal carries the expected code (and message / position when given), and is
    exactly a finding validation reports for the same text (spec §1.7 rev 3)."""
    want = case["expected_error"]
    assert err.code == want["code"], f"{case['name']}: {err}"
    for key in ("message", "line", "column"):
        if key in want:
            assert getattr(err, key) == want[key], f"{case['name']}: {key} {getattr(err, key)!r} ({err})"
    pols = case["policies"]
    candidates = []
    if pols.get("resource"):
        candidates.append((pols["resource"], pols.get("resource_policy_type") or "resource"))
    if pols.get("vpc_endpoint"):
        candidates.append((pols["vpc_endpoint"], "vpc_endpoint"))
    same = [
        f
        for doc, policy_type in candidates
        for f in iamkit.validate(_text(doc), policy_type=policy_type)
        if (f.code, f.message, f.path, f.line, f.column)
        == (err.code, err.message, err.path, err.line, err.column)
    ]
    assert same, f"{case['name']}: validation reports no finding identical to {err}"


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    req = case["request"]
    pols = case["policies"]
    principal = req.get("principal")
    # "principal": null is an unnamed IAM user of the resource's account, as principal=None is
    # (spec §5.1 rev 3); "role_arn" gives a session's role its path (spec §2.3).
    context: dict[str, object] = dict(req.get("context") or {})
    for k, v in (req.get("principal_tags") or {}).items():
        context[f"aws:PrincipalTag/{k}"] = v

    resource_type = pols.get("resource_policy_type") or "resource"
    if "expected_error" in case:
        with pytest.raises(iamkit.PolicyParseError) as refused:
            _evaluate(case, principal, context, resource_type)
        assert isinstance(refused.value, ValueError)
        _check_refusal(case, refused.value)
        return
    result = _evaluate(case, principal, context, resource_type)
    assert result.decision == case["expected"], (
        f"{case['name']} ({case['source']}): expected {case['expected']}, got {result.decision}\n{result.explain()}"
    )
    explanation = result.explain()
    for phrase in case.get("explanation_contains") or []:
        assert phrase in explanation, f"{case['name']}: the explanation lacks {phrase!r}\n{explanation}"


def _evaluate(
    case: dict[str, Any], principal: str | None, context: dict[str, object], resource_type: str
) -> iamkit.EvaluationResult:
    req = case["request"]
    pols = case["policies"]
    return iamkit.evaluate(
        action=req["action"],
        resource=req.get("resource", "*"),
        principal=principal,
        context=context or None,
        identity_policies=[_policy(p, "identity") for p in pols.get("identity") or []],
        resource_policy=_policy(pols["resource"], resource_type) if pols.get("resource") else None,
        permissions_boundary=(
            _policy(pols["permissions_boundary"], "permissions_boundary")
            if pols.get("permissions_boundary")
            else None
        ),
        session_policies=[_policy(p, "session") for p in pols.get("session") or []],
        scps=[[_policy(p, "scp") for p in level] for level in pols.get("scps") or []],
        rcps=[[_policy(p, "rcp") for p in level] for level in pols.get("rcps") or []],
        vpc_endpoint_policy=_policy(pols["vpc_endpoint"], "vpc_endpoint")
        if pols.get("vpc_endpoint")
        else None,
        resource_account=req.get("resource_account"),
        role_arn=req.get("role_arn"),
    )
