"""mypy --strict over a typed example script, against the installed package's stubs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_mypy_strict_on_typing_example(tmp_path: Path) -> None:
    if (
        shutil.which("mypy") is None
        and subprocess.run([sys.executable, "-m", "mypy", "--version"]).returncode
    ):
        pytest.skip("mypy is not installed")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path),
            "typing_example.py",
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr


def test_typing_example_runs() -> None:
    p = subprocess.run(
        [sys.executable, str(HERE / "typing_example.py")], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0, p.stderr
    assert "allowed" in p.stdout


def test_py_typed_is_shipped() -> None:
    import iamkit

    pkg = Path(iamkit.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_native.pyi").exists()
