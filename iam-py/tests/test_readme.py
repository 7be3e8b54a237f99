"""The README's examples run as written, from the repository root, against the installed wheel.

- Every ```python block of README.md runs in order in one namespace (later blocks use names the
  earlier ones define), with the repository root as working directory.
- Every ``$ iamkit ...`` line of a ```sh block runs through the installed console script; it
  must exit 0 or 1 (1 = findings / denials, never a usage or I/O error), and every output line
  the README shows under a command must appear in the real output.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks(lang: str) -> list[str]:
    return [body for tag, body in FENCE.findall(README.read_text(encoding="utf-8")) if tag == lang]


def shell_examples() -> list[tuple[str, list[str]]]:
    """(command, shown output lines) for every ``$ iamkit`` line of the README's sh blocks."""
    out: list[tuple[str, list[str]]] = []
    for body in blocks("sh"):
        current: tuple[str, list[str]] | None = None
        for line in body.splitlines():
            if line.startswith("$ "):
                current = (line[2:].split("#", 1)[0].strip(), [])
                if current[0].startswith("iamkit "):
                    out.append(current)
            elif current is not None and line.strip():
                current[1].append(line)
    return out


@pytest.fixture()
def in_root() -> object:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        yield None
    finally:
        os.chdir(old)


def test_readme_has_examples() -> None:
    assert len(blocks("python")) >= 2
    assert len(shell_examples()) >= 4


def test_python_blocks_run_as_written(in_root: object) -> None:
    namespace: dict[str, object] = {"__name__": "__readme__"}
    printed = io.StringIO()
    for i, body in enumerate(blocks("python")):
        code = compile(body, f"README.md python block {i + 1}", "exec")
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
    text = printed.getvalue()
    # The tour's claims hold: the draft policy's findings, IAM's refusal, the SCP's deny.
    assert "INVALID_EFFECT" in text
    assert "IAM would refuse it:" in text
    result = namespace["result"]
    assert getattr(result, "decision", None) == "explicitDeny"
    assert "scp" in result.explain().lower()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("command", "shown"), shell_examples(), ids=lambda v: str(v)[:60])
def test_shell_examples_run_as_written(command: str, shown: list[str]) -> None:
    argv = shlex.split(command)
    redirect = None
    if ">" in argv:
        at = argv.index(">")
        argv, redirect = argv[:at], argv[at + 1]
    exe = [sys.executable, "-m", "iamkit", *argv[1:]]
    proc = subprocess.run(exe, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), (command, proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.strip(), f"{command} printed nothing"
    for line in shown:
        assert line in proc.stdout, f"README shows {line!r} for {command!r}; got:\n{proc.stdout[:3000]}"
    if redirect is not None and redirect.endswith((".json", ".sarif")):
        json.loads(proc.stdout)  # what the README saves to a file is the whole JSON document
