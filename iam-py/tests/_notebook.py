"""Runs ``examples/explore.ipynb`` headless once per test session (used by test_notebook.py and
test_browser.py) and renders it to a self-contained HTML page."""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "explore.ipynb"
OUT = ROOT / "out"  # git-ignored

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)


@lru_cache(maxsize=1)
def executed() -> Any:
    """The notebook after a headless run with the ``python3`` kernel (ipykernel)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tempfile.mkdtemp(prefix="iamkit-nb-")
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    client.execute()
    return nb


@lru_cache(maxsize=1)
def html_page() -> str:
    """The executed notebook as HTML (nbconvert's lab template). Scripts from CDNs (MathJax,
    require.js) are dropped: the page must work offline."""
    nbconvert = pytest.importorskip("nbconvert")
    exporter = nbconvert.HTMLExporter()
    body, _ = exporter.from_notebook_node(executed())
    return _EXTERNAL_SCRIPT.sub("", str(body))


def write_html() -> Path:
    """Writes the page to ``out/explore.html`` and returns its path."""
    OUT.mkdir(exist_ok=True)
    path = OUT / "explore.html"
    path.write_text(html_page(), encoding="utf-8")
    return path
