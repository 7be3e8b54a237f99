"""``examples/explore.ipynb`` runs headless (nbclient, python3 kernel from ipykernel) without
errors, and its outputs carry iamkit's rich views."""

from __future__ import annotations

from typing import Any

import _notebook
import pytest

pytest.importorskip("nbclient", reason="nbclient is a test dependency (scripts/test-all.sh installs it)")


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def _html(nb: Any) -> str:
    return "\n".join(str(o.get("data", {}).get("text/html", "")) for o in _outputs(nb))


def test_notebook_runs_without_errors() -> None:
    nb = _notebook.executed()
    errors = [o for o in _outputs(nb) if o.get("output_type") == "error"]
    assert not errors, errors
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells)
    stderr = [o for o in _outputs(nb) if o.get("name") == "stderr"]
    assert not stderr, stderr


def test_notebook_shows_the_seed_story() -> None:
    nb = _notebook.executed()
    html = _html(nb)
    # Account summary with the bundled AWS managed policies
    assert "iamkit-account" in html and "ReadOnlyAccess" in html and "PowerUserAccess" in html
    # A policy document with findings at their lines and the findings table
    assert "iamkit-policy" in html and "iamkit-findings" in html
    for code in ("MISSING_VERSION", "INVALID_ACTION", "PASS_ROLE_WITH_STAR_IN_RESOURCE"):
        assert code in html
    # Decisions with badges, layers and the deciding statement marked in its document
    assert "iamkit-decision-explicitDeny" in html and "iamkit-decision-implicitDeny" in html
    assert "permissions_boundary" in html and "NoDeletesInProdData" in html
    assert "iamkit-decisive" in html
    # simulate_principal_policy, evaluate_many(as_dataframe=True) and who-can tables
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in _outputs(nb))
    assert "explicitDeny" in text and "implicitDeny" in text
    assert "role/ci-deployer, user/alice" in html  # who can update the Lambda functions
    assert "nobody" in html  # who can delete in prod-data
