"""Issue #10: ``write_cli_profile`` never loses data — concurrent writers (processes and threads),
symbolic links, malformed files refused untouched, botocore's continuation lines — checked by
botocore itself reading the files back."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import botocore.configloader
import botocore.exceptions
import botocore.session
import pytest

import iamkit

N_PROCESSES = 20
N_THREADS = 20

_AWS_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    creds = tmp_path / "aws" / "credentials"
    config = tmp_path / "aws" / "config"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for var in _AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    return creds, config


def botocore_sees(profile: str) -> tuple[str, str, str | None, str | None]:
    """What botocore resolves for ``profile`` from the files named by the environment."""
    s = botocore.session.Session(profile=profile)
    c = s.get_credentials()
    assert c is not None, profile
    return c.access_key, c.secret_key, c.token, s.get_config_variable("region")


def _expected(name: str) -> tuple[str, str, str, str]:
    # A secret with characters INI files could trip over ('=', ':', '#', ';', '[').
    return (f"AKIA{name.upper()}", f"s3cr3t/{name}=+:#;[x]", f"tok-{name}", f"region-{name}")


_CHILD = """
import os, sys, time
import iamkit
name, go = sys.argv[1], sys.argv[2]
open(go + "." + name + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
key, secret, token, region = sys.argv[3:7]
iamkit.write_cli_profile(name, key, secret, session_token=token, region=region)
"""


def test_20_processes_and_20_threads_write_their_own_profiles(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    creds, config = files
    # An existing file with a profile that must survive.
    creds.parent.mkdir(mode=0o700)
    creds.write_text("# mine\n[keep]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keep\n")
    go = tmp_path / "go"
    procs = []
    for i in range(N_PROCESSES):
        name = f"proc{i}"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _CHILD, name, str(go), *_expected(name)],
                env=os.environ.copy(),
                stderr=subprocess.PIPE,
            )
        )
    errors: list[BaseException] = []
    start = threading.Event()

    def thread_writer(name: str) -> None:
        start.wait()
        key, secret, token, region = _expected(name)
        try:
            iamkit.write_cli_profile(name, key, secret, session_token=token, region=region)
        except BaseException as e:  # collected and reported below
            errors.append(e)

    threads = [threading.Thread(target=thread_writer, args=(f"thread{i}",)) for i in range(N_THREADS)]
    for t in threads:
        t.start()
    # Every process has imported iamkit and waits: release them and the threads together.
    deadline = time.monotonic() + 120
    while sum(1 for p in tmp_path.iterdir() if p.name.endswith(".ready")) < N_PROCESSES:
        assert time.monotonic() < deadline, "child processes did not start"
        assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs if p.stderr]
        time.sleep(0.01)
    go.touch()
    start.set()
    for t in threads:
        t.join()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert errors == []

    names = [f"proc{i}" for i in range(N_PROCESSES)] + [f"thread{i}" for i in range(N_THREADS)]
    for name in names:
        assert botocore_sees(name) == _expected(name), name
    assert botocore_sees("keep")[:2] == ("AKIAKEEP", "keep")
    # The native reader agrees, and the files are the only things left (plus the lock files).
    profiles = iamkit.read_cli_profiles()
    assert set(profiles) == {*names, "keep"}
    assert creds.read_text().startswith("# mine\n[keep]\n")
    assert sorted(p.name for p in creds.parent.iterdir()) == [
        ".config.lock",
        ".credentials.lock",
        "config",
        "credentials",
    ]
    if os.name == "posix":
        assert stat.S_IMODE(config.stat().st_mode) == 0o600


POSIX = pytest.mark.skipif(os.name != "posix", reason="symbolic links and permission bits are POSIX")


@POSIX
def test_writing_through_a_symlink_keeps_the_link(files: tuple[Path, Path], tmp_path: Path) -> None:
    creds, config = files
    real = tmp_path / "vault" / "real-credentials"
    real.parent.mkdir()
    real.write_text("[old]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n")
    real.chmod(0o640)
    creds.parent.mkdir()
    # A relative link to a link to the real file.
    middle = tmp_path / "vault" / "link2"
    middle.symlink_to("real-credentials")
    creds.symlink_to(os.path.relpath(middle, creds.parent))
    # A dangling link for the config file: the file is created where the link points.
    dangling_target = tmp_path / "vault" / "new-config"
    config.symlink_to(dangling_target)
    iamkit.write_cli_profile("dev", "AKIADEV", "secret-dev", region="eu-west-1")
    assert creds.is_symlink() and middle.is_symlink()
    assert os.readlink(creds) == os.path.relpath(middle, creds.parent)
    text = real.read_text()
    assert "[old]" in text and "[dev]" in text
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file keeps its mode
    assert botocore_sees("dev") == ("AKIADEV", "secret-dev", None, "eu-west-1")
    assert botocore_sees("old")[:2] == ("AKIAOLD", "old")
    # Temporary and lock files live next to the real file, not next to the link.
    assert sorted(p.name for p in real.parent.iterdir()) == [
        ".new-config.lock",
        ".real-credentials.lock",
        "link2",
        "new-config",
        "real-credentials",
    ]
    assert config.is_symlink() and dangling_target.is_file()
    assert stat.S_IMODE(dangling_target.stat().st_mode) == 0o600
    assert sorted(p.name for p in creds.parent.iterdir()) == ["config", "credentials"]


# (name, file content, line named in the error, botocore also refuses it)
MALFORMED: list[tuple[str, bytes, int, bool]] = [
    ("key before any section", b"aws_access_key_id = A\n[default]\n", 1, True),
    ("indented key before any section", b"  aws_access_key_id = A\n[default]\n", 1, True),
    ("unterminated header first", b"[default\naws_access_key_id = A\n", 1, True),
    ("unterminated header later", b"[a]\nx = 1\n[b\ny = 2\n", 3, True),
    ("line without =", b"[default]\naws_access_key_id = A\naws_secret_access_key S\n", 3, True),
    ("continuation-looking line right after a header", b"[a]\n   just text\n", 2, True),
    ("empty key", b"[a]\n= v\n", 2, True),
    ("duplicate section", b"[a]\nx = 1\n[b]\n[a]\n", 4, True),
    ("duplicate key (case-insensitive)", b"[a]\nx = 1\nX = 2\n", 3, True),
    ("nested line without =", b"[a]\ns3 =\n  addressing_style = path\n  junk\n", 4, True),
    ("not UTF-8", b"[a]\nx = 1\ny = \xff\xfe\n", 3, True),
    ("UTF-8 BOM (botocore reads it as part of the header)", b"\xef\xbb\xbf[a]\nx = 1\n", 1, True),
    ("NUL byte (binary)", b"[a]\nx = 1\ny = \x00\x01\n", 3, False),
]


@pytest.mark.parametrize(
    ("name", "content", "line", "botocore_refuses"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
def test_malformed_credentials_file_is_refused_untouched(
    files: tuple[Path, Path], name: str, content: bytes, line: int, botocore_refuses: bool
) -> None:
    creds, config = files
    creds.parent.mkdir()
    creds.write_bytes(content)
    before = creds.stat()
    if botocore_refuses:
        with pytest.raises(botocore.exceptions.ConfigParseError):
            botocore.configloader.raw_config_parse(str(creds))
    with pytest.raises(ValueError) as e:
        iamkit.write_cli_profile("dev", "AKIADEV", "secret", region="eu-west-1")
    assert f"{creds}:{line}: " in str(e.value), str(e.value)
    assert creds.read_bytes() == content
    assert creds.stat().st_ino == before.st_ino
    assert not config.exists()  # nothing written to the other file either
    # The reader refuses it the same way.
    with pytest.raises(ValueError, match=f":{line}: "):
        iamkit.read_cli_profiles()


def test_malformed_config_file_is_refused_and_credentials_untouched(files: tuple[Path, Path]) -> None:
    creds, config = files
    creds.parent.mkdir()
    creds.write_text("[a]\nx = 1\n")
    config.write_text("[default]\nregion = us-east-1\n[profile dev]\ns3 =\n  nonsense\n")
    with pytest.raises(ValueError, match=f"{config}:5: "):
        iamkit.write_cli_profile("dev", "AKIADEV", "secret")
    assert creds.read_text() == "[a]\nx = 1\n"


def test_continuation_lines_stay_with_their_key(files: tuple[Path, Path]) -> None:
    creds, _ = files
    creds.parent.mkdir()
    creds.write_text(
        "[dev]\n"
        "aws_access_key_id = AKIAOLD\n"
        "aws_secret_access_key = OLDSECRET\n"
        "  continued\n"
        "note = first\n"
        "  multi line\n"
        "\n"
        "[other]\n"
        "aws_access_key_id = AKIAOTHER\n"
        "aws_secret_access_key = other\n"
    )
    s = botocore.session.Session(profile="dev")
    assert s.full_config["profiles"]["dev"]["note"] == "first\nmulti line"
    iamkit.write_cli_profile("dev", "AKIANEW", "NEWSECRET", session_token="TOKEN")
    assert botocore_sees("dev") == ("AKIANEW", "NEWSECRET", "TOKEN", None)
    s = botocore.session.Session(profile="dev")
    assert s.full_config["profiles"]["dev"]["note"] == "first\nmulti line"
    assert botocore_sees("other")[:2] == ("AKIAOTHER", "other")
    assert iamkit.read_cli_profiles()["dev"]["note"] == "first\nmulti line"
    # Indented keys: the new key is indented like them, so the next header stays a header.
    creds.write_text("[a]\n  x = 1\n  [b]\n  aws_access_key_id = AKIAB\n  aws_secret_access_key = b\n")
    iamkit.write_cli_profile("a", "AKIAA", "a-secret")
    assert botocore_sees("a")[:2] == ("AKIAA", "a-secret")
    assert botocore_sees("b")[:2] == ("AKIAB", "b")


def test_values_that_would_not_read_back_are_refused(files: tuple[Path, Path]) -> None:
    creds, config = files
    for bad in (" lead", "trail ", "tab\t"):
        with pytest.raises(ValueError, match="whitespace"):
            iamkit.write_cli_profile("dev", "AKIADEV", bad)
    with pytest.raises(ValueError, match="DEFAULT"):
        iamkit.write_cli_profile("DEFAULT", "AKIADEV", "s")
    assert not creds.exists() and not config.exists()
    # A config-file name with quotes is quoted so that botocore's shell-like split keeps it.
    iamkit.write_cli_profile('it"s', "AKIAQ", "q", region="r1")
    assert botocore_sees('it"s') == ("AKIAQ", "q", None, "r1")


@POSIX
def test_mode_of_an_existing_file_is_kept_and_new_files_are_private(files: tuple[Path, Path]) -> None:
    creds, config = files
    iamkit.write_cli_profile("a", "AKIAA", "a", region="r")
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    config.chmod(0o644)
    iamkit.write_cli_profile("b", "AKIAB", "b", region="r2")
    assert stat.S_IMODE(config.stat().st_mode) == 0o644
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
