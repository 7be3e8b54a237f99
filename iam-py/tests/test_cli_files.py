"""iamkit.write_cli_profile / read_cli_profiles against botocore's own reading of the files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import botocore.session
import pytest

import iamkit


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    creds = tmp_path / "home" / ".aws" / "credentials"
    config = tmp_path / "home" / ".aws" / "config"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_DEFAULT_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    return creds, config


def botocore_sees(profile: str) -> tuple[str, str, str | None, str | None]:
    s = botocore.session.Session(profile=profile)
    c = s.get_credentials()
    assert c is not None
    return c.access_key, c.secret_key, c.token, s.get_config_variable("region")


def test_written_profiles_are_read_by_botocore(aws_env: tuple[Path, Path]) -> None:
    creds, config = aws_env
    iamkit.write_cli_profile("default", "AKIADEFAULT", "secret0", region="us-east-1", output="json")
    iamkit.write_cli_profile("dev", "AKIADEV", "secret1", region="eu-west-1", session_token="tok")
    assert botocore_sees("default") == ("AKIADEFAULT", "secret0", None, "us-east-1")
    assert botocore_sees("dev") == ("AKIADEV", "secret1", "tok", "eu-west-1")
    # permissions: dirs 0700, files 0600
    if os.name == "posix":
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    assert "[profile dev]" in config.read_text()
    # update in place keeps the rest
    iamkit.write_cli_profile("dev", "AKIADEV2", "secret2")
    assert botocore_sees("dev") == ("AKIADEV2", "secret2", "tok", "eu-west-1")
    assert botocore_sees("default")[0] == "AKIADEFAULT"
    profiles = iamkit.read_cli_profiles()
    assert profiles["dev"]["aws_access_key_id"] == "AKIADEV2"
    assert profiles["dev"]["region"] == "eu-west-1"
    assert profiles["default"]["output"] == "json"


def test_reads_files_written_like_aws_configure(tmp_path: Path, aws_env: tuple[Path, Path]) -> None:
    creds, config = aws_env
    creds.parent.mkdir(parents=True)
    # As `aws configure` / `aws configure --profile prod` write them.
    creds.write_text(
        "[default]\naws_access_key_id = AKIAAAA\naws_secret_access_key = sss\n"
        "[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = ppp\n"
    )
    config.write_text(
        "[default]\nregion = us-west-2\noutput = json\n"
        "[profile prod]\nregion = ap-south-1\ns3 =\n    addressing_style = path\n"
    )
    profiles = iamkit.read_cli_profiles()
    assert profiles["prod"]["aws_access_key_id"] == "AKIAPROD"
    assert profiles["prod"]["region"] == "ap-south-1"
    assert profiles["prod"]["s3"] == {"addressing_style": "path"}
    assert profiles["default"]["region"] == "us-west-2"
    for name in ("default", "prod"):
        key, secret, _, region = botocore_sees(name)
        assert key == profiles[name]["aws_access_key_id"]
        assert secret == profiles[name]["aws_secret_access_key"]
        assert region == profiles[name]["region"]


def test_explicit_paths_and_credentials_win(tmp_path: Path) -> None:
    creds = tmp_path / "c"
    config = tmp_path / "cfg"
    config.write_text("[profile x]\naws_access_key_id = FROMCONFIG\nregion = r1\n")
    iamkit.write_cli_profile("x", "FROMCREDS", "s", credentials_file=str(creds), config_file=str(config))
    p = iamkit.read_cli_profiles(credentials_file=str(creds), config_file=str(config))
    assert p["x"]["aws_access_key_id"] == "FROMCREDS"
    assert p["x"]["region"] == "r1"
    assert (
        iamkit.read_cli_profiles(credentials_file=str(tmp_path / "none"), config_file=str(tmp_path / "none2"))
        == {}
    )


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        iamkit.write_cli_profile(
            "p",
            "AKIA",
            "bad\nsecret",
            credentials_file=str(tmp_path / "c"),
            config_file=str(tmp_path / "cfg"),
        )
    (tmp_path / "broken").write_text("key = value before any section\n")
    with pytest.raises(ValueError):
        iamkit.read_cli_profiles(credentials_file=str(tmp_path / "broken"), config_file=str(tmp_path / "x"))
