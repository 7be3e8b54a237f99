"""The executed notebook, rendered to HTML by nbconvert, loads in a real headless Chromium:
the rich outputs are in the DOM, no script error is logged, and a screenshot is saved to
``out/notebook.png`` (git-ignored)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import _notebook
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (scripts/test-all.sh installs Debian's chromium only with CI=true)",
)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="iamkit-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": profile},
        )


@pytest.fixture(scope="module")
def page() -> Path:
    return _notebook.write_html()


def test_rich_outputs_are_in_the_dom(page: Path) -> None:
    p = chromium("--dump-dom", page.as_uri())
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    assert dom.lstrip().lower().startswith("<html") or "<body" in dom
    # decision badges (class and text)
    assert re.search(r'class="iamkit-decision iamkit-decision-explicitDeny"[^>]*>EXPLICIT DENY<', dom)
    assert re.search(r'class="iamkit-decision iamkit-decision-implicitDeny"[^>]*>IMPLICIT DENY<', dom)
    # the findings table, the policy documents with findings and matched statements
    assert 'class="iamkit-findings"' in dom and "PASS_ROLE_WITH_STAR_IN_RESOURCE" in dom
    assert 'class="iamkit-policy"' in dom and "iamkit-matched iamkit-decisive" in dom
    assert 'class="iamkit-account"' in dom
    assert "<script" not in dom.split("iamkit-account", 1)[1].split("</div>", 1)[0]


def console_lines(url: str) -> list[str]:
    p = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert p.returncode == 0, p.stderr[-2000:]
    return [line for line in p.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_no_script_errors(page: Path) -> None:
    console = console_lines(page.as_uri())
    assert not console, "\n".join(console)  # not even a warning or a log line


def test_script_errors_would_be_seen(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missingFunction();</script></body></html>", encoding="utf-8")
    assert any("Uncaught ReferenceError" in line for line in console_lines(bad.as_uri()))


def test_screenshot(page: Path) -> None:
    out = _notebook.OUT / "notebook.png"
    out.unlink(missing_ok=True)
    p = chromium(f"--screenshot={out}", "--window-size=1280,2000", "--hide-scrollbars", page.as_uri())
    assert p.returncode == 0, p.stderr[-2000:]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 50_000  # a rendered page, not a blank one
