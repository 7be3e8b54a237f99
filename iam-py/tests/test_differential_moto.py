"""The differential run of one scripted story (more than 300 IAM/STS calls, with error paths)
through iamkit's client and through boto3 against moto: every difference must be classified
against AWS's API reference (``benches/python/differential_clients.py``, table in
``docs/differential-moto-clients.md``). A new difference — a regression in iamkit or a change in
moto — fails here until it is fixed or classified.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("moto")

SCRIPT = Path(__file__).resolve().parents[2] / "benches" / "python" / "differential_clients.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("differential_clients", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["differential_clients"] = module
    spec.loader.exec_module(module)
    return module


dc = _load()


@pytest.fixture(scope="module")
def run() -> tuple[int, list]:  # type: ignore[type-arg]
    return dc.run_story()  # type: ignore[no-any-return]


def test_the_story_has_more_than_300_calls_with_error_paths(run: tuple[int, list]) -> None:  # type: ignore[type-arg]
    calls, _ = run
    assert calls >= 300
    names = [s.op for s in dc.story()]
    assert len(set(names)) >= 80  # breadth: most of the IAM operations and the STS story


def test_every_difference_is_classified(run: tuple[int, list]) -> None:  # type: ignore[type-arg]
    _, differences = run
    unclassified = [d.line() for d in differences if dc.classify(d) is None]
    assert not unclassified, "\n".join(unclassified)


def test_known_deviations_are_seen(run: tuple[int, list]) -> None:  # type: ignore[type-arg]
    """The comparison finds what it should: moto lets the root user assume a role."""
    _, differences = run
    story = dc.story()
    root_assume = next(
        i
        for i, s in enumerate(story)
        if s.op == "assume_role" and s.params["RoleSessionName"] == "root-session"
    )
    assert any(d.index == root_assume and d.kind == "outcome" for d in differences)
    kinds = {dc.classify(d).kind for d in differences}
    assert dc.MOTO in kinds
    # iamkit's own remaining deviations are only the documented bundled-data gaps.
    ours = {(d.op, d.path) for d in differences if dc.classify(d).kind == dc.IAMKIT}
    assert ours <= {("get_policy", "Policy.PolicyId"), ("get_policy_version", "aws-managed")}, ours


def test_normalise_and_diff() -> None:
    a = dc.normalise({"User": {"UserId": "AIDA1", "UserName": "x", "Tags": [{"Key": "k", "Value": "1"}]}})
    b = dc.normalise({"User": {"UserId": "AIDA2", "UserName": "x", "Tags": [{"Key": "k", "Value": "2"}]}})
    assert a["User"]["UserId"] == "<id>"
    assert list(dc.diff(a, b)) == [("User.Tags[0].Value", "1", "2")]
    assert list(dc.diff({"a": 1}, {"b": 1})) == [("a", 1, "<absent>"), ("b", "<absent>", 1)]
