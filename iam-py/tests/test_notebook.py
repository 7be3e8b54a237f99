"""``examples/explore.ipynb`` runs headless (nbclient, python3 kernel from ipykernel) without
errors, and its outputs carry iamkit's rich views."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
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


@pytest.mark.skipif(
    not os.environ.get("IAMKIT_TEST_WHEEL"),
    reason="needs the wheel under test (scripts/test-all.sh sets IAMKIT_TEST_WHEEL)",
)
def test_notebook_runs_in_a_fresh_environment_with_the_notebook_extra(tmp_path: Path) -> None:
    """``pip install "iamkit[notebook]"`` is all the notebook needs: a new virtual environment
    with just the wheel and that extra (plus nbclient, the headless stand-in for a Jupyter front
    end) executes it without an error."""
    wheel = os.environ["IAMKIT_TEST_WHEEL"]
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{wheel}[notebook]",
            "nbclient>=0.10",
        ],
        check=True,
        timeout=600,
    )
    script = (
        "import sys, nbformat, nbclient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "nbclient.NotebookClient(nb, timeout=120, kernel_name='python3',"
        " resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "errs = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])"
        " if o.get('output_type') == 'error']\n"
        "print('errors:', len(errs))\n"
    )
    proc = subprocess.run(
        [str(py), "-c", script, str(_notebook.NOTEBOOK), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "errors: 0" in proc.stdout
