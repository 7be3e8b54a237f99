"""Packaging: abi3 wheel, version from Cargo metadata, docstrings on every public name, the
``iamkit`` console script and ``python -m iamkit``, and the example scripts."""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import iamkit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def test_wheel_is_abi3_for_cpython_310_and_up() -> None:
    wheel = importlib.metadata.distribution("iamkit").read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(t.startswith("cp310-abi3-") for t in tags), tags
    native = Path(iamkit._native.__file__).name
    assert native.endswith(".abi3.so") or native.endswith(".pyd"), native


def test_version_comes_from_cargo_metadata() -> None:
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = cargo.split("[workspace.package]", 1)[1]
    m = re.search(r'^version\s*=\s*"([^"]+)"', section, re.M)
    assert m is not None
    assert iamkit.__version__ == m.group(1)
    assert importlib.metadata.version("iamkit") == m.group(1)


def test_all_is_defined_and_complete() -> None:
    public = {n for n in dir(iamkit) if not n.startswith("_") and not inspect.ismodule(getattr(iamkit, n))}
    assert "annotations" not in public  # `from __future__ import annotations` must not leak
    assert public <= set(iamkit.__all__), public - set(iamkit.__all__)
    for name in iamkit.__all__:
        assert hasattr(iamkit, name), name


def _documented(obj: object) -> bool:
    return bool((getattr(obj, "__doc__", None) or "").strip())


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in iamkit.__all__:
        obj = getattr(iamkit, name)
        if not (inspect.isclass(obj) or callable(obj)):
            continue  # data: __version__, POLICY_TYPES, SAVE_KINDS
        if not _documented(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                doc = getattr(value, "__doc__", None)
                if not (doc or "").strip() or doc == type(value).__doc__:
                    missing.append(f"{name}.{attr}")
    assert not missing, f"public names without a docstring: {missing}"


def test_python_dash_m_and_console_script() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "iamkit", "--version"], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0 and p.stdout.strip() == f"iamkit {iamkit.__version__}"
    exe = shutil.which("iamkit") or str(Path(sys.executable).parent / "iamkit")
    if not Path(exe).exists():
        pytest.skip("console script not on PATH")
    p = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "demo" in p.stdout and "validate" in p.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_script_runs(script: str, tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert p.returncode == 0, p.stdout + p.stderr
