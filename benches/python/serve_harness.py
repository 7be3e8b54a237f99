"""Shared pieces of the issue #12 scripts (differential, throughput, load and fault): start
`iamkit serve` or moto's server as a subprocess on a free loopback port, sign AWS Query requests
with Signature Version 4 over a keep-alive connection, read the XML answers, sample the
server's resident memory.

Loopback only: every server is started here on 127.0.0.1 and stopped by the caller (the
`Endpoint` objects are context managers). No third-party client library is needed for the raw
path, so the same client code measures both servers.
"""

from __future__ import annotations

import configparser
import datetime as dt
import functools
import hashlib
import hmac
import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

HOST = "127.0.0.1"
REGION = "us-east-1"
IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen[Any] | None = None) -> None:
    """Waits until 127.0.0.1:port accepts connections (or the process died / time ran out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {HOST}:{port} after {timeout}s")


def rss_kib(pid: int) -> int | None:
    """Resident set size of a process in KiB (Linux /proc), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Credentials:
    """An access key (and session token for temporary credentials). Never printed."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


# ---- SigV4 --------------------------------------------------------------------------------------


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


@functools.lru_cache(maxsize=64)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key of one secret for one day, region and service: four HMACs, derived
    once and reused as the AWS SDKs that cache it do (the key only changes with its scope)."""
    key = _sign(("AWS4" + secret).encode(), date)
    return _sign(_sign(_sign(key, region), service), "aws4_request")


def form_encode(params: Mapping[str, str]) -> str:
    """AWS Query form body: keys and values percent-encoded (RFC 3986 unreserved kept)."""
    return "&".join(f"{quote(k, safe='-_.~')}={quote(str(v), safe='-_.~')}" for k, v in params.items())


def sigv4_headers(
    creds: Credentials,
    *,
    host: str,
    body: bytes,
    service: str,
    region: str = REGION,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """The headers of a signed `POST /` Query request (AWS General Reference, "Create a signed
    AWS API request": canonical request, string to sign, signing key, signature)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host,
        "x-amz-date": amz_date,
    }
    if creds.session_token:
        headers["x-amz-security-token"] = creds.session_token
    names = sorted(headers)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{n}:{headers[n].strip()}\n" for n in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _signing_key(creds.secret_access_key, date, region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


@dataclass
class Response:
    """One HTTP answer: status, parsed XML root (namespaces stripped) and raw body."""

    status: int
    body: bytes
    root: ET.Element | None

    def find(self, path: str) -> str | None:
        """Text of the first element at `path` (namespace-free, `.//` allowed)."""
        if self.root is None:
            return None
        el = self.root.find(path)
        return None if el is None else (el.text or "")

    @property
    def error_code(self) -> str | None:
        return self.find(".//Error/Code")


def _strip_ns(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def parse_response(status: int, body: bytes) -> Response:
    try:
        root: ET.Element | None = _strip_ns(ET.fromstring(body)) if body.strip() else None
    except ET.ParseError:
        root = None
    return Response(status, body, root)


class QueryClient:
    """Signed AWS Query calls over one keep-alive HTTP/1.1 connection (reconnects when the
    server closed it). Not thread-safe: one per thread."""

    def __init__(
        self, url: str, creds: Credentials, *, timeout: float = 30.0, retry_idle: bool = True
    ) -> None:
        u = urlsplit(url)
        # Retry once when a kept-alive connection turns out closed before the answer (the server
        # closed an idle connection). Off where a request must never be sent twice (the fault
        # test: a write whose answer was lost stays "in doubt").
        self.retry_idle = retry_idle
        self.host = u.hostname or HOST
        self.port = u.port or 80
        self.netloc = u.netloc
        self.creds = creds
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, action: str, params: Mapping[str, str] | None = None, *, service: str = "iam") -> Response:
        """Sends `Action=action` (IAM or STS) signed with this client's credentials."""
        version = IAM_VERSION if service == "iam" else STS_VERSION
        body = form_encode({"Action": action, "Version": version, **(params or {})}).encode()
        headers = sigv4_headers(self.creds, host=self.netloc, body=body, service=service)
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", "/", body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self.close()
                return parse_response(r.status, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between two requests: retry once
                # on a fresh connection (the request was never processed).
                self.close()
                if attempt or not self.retry_idle:
                    raise
        raise AssertionError("unreachable")


# ---- servers ------------------------------------------------------------------------------------


class Endpoint:
    """A server subprocess on 127.0.0.1; a context manager that stops it."""

    name = "server"

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.root: Credentials | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Endpoint:
        raise NotImplementedError

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def kill9(self) -> None:
        """SIGKILL, as a crash: no shutdown code runs."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=15)
            self.proc = None

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class IamkitServe(Endpoint):
    """`python -m iamkit serve --state DIR --log FILE` (the CLI of issue #12). The first start
    picks a free port (`--port 0`, the URL is read from the line it prints); a restart reuses it
    and the state directory."""

    name = "iamkit serve"

    def __init__(
        self,
        state: str | os.PathLike[str] | None = None,
        *,
        log: str | os.PathLike[str] | None = None,
        enforce: str = "on",
        python: str = sys.executable,
        command: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="iamkit-serve-")
            state = self._tmp.name
        self.state = Path(state)
        self.log = None if log is None else Path(log)
        self.enforce = enforce
        self.python = python
        # The command that starts the server; IAMKIT_SERVE_COMMAND (shell words) overrides it,
        # e.g. to measure another build.
        env_cmd = os.environ.get("IAMKIT_SERVE_COMMAND")
        self.command = list(
            command or (shlex.split(env_cmd) if env_cmd else [python, "-m", "iamkit", "serve"])
        )
        self.banner = ""
        self.output: list[str] = []

    def start(self) -> IamkitServe:
        cmd = [*self.command, "--host", HOST, "--port", str(self.port)]
        cmd += ["--state", str(self.state), "--enforce", self.enforce]
        if self.log is not None:
            cmd += ["--log", str(self.log)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 120
        pattern = re.compile(rf"http://{re.escape(HOST)}:(\d+)")
        while True:
            line = self.proc.stdout.readline().decode("utf-8", "replace")
            if not line:
                raise RuntimeError(f"iamkit serve exited ({self.proc.wait()}): {''.join(self.output)}")
            self.output.append(line)
            m = pattern.search(line)
            if m:
                self.banner = line.strip()
                self.port = int(m.group(1))
                break
            if time.monotonic() > deadline:
                raise TimeoutError("iamkit serve printed no URL")
        # Drain the rest of its output so the pipe never fills.
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
        wait_for_port(self.port, proc=self.proc)
        self.root = read_root_credentials(self.state / "root-credentials")
        return self

    def _drain(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            self.output.append(raw.decode("utf-8", "replace"))

    def stop(self) -> None:
        super().stop()

    def cleanup(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def read_root_credentials(path: Path) -> Credentials:
    """Profile `default` of the root-credentials file `iamkit serve` writes (shared-credentials
    format)."""
    cp = configparser.ConfigParser()
    cp.read(path, encoding="utf-8")
    sec = cp["default"]
    return Credentials(sec["aws_access_key_id"], sec["aws_secret_access_key"], sec.get("aws_session_token"))


MOTO_ACCOUNT = "123456789012"


class MotoServer(Endpoint):
    """`python -m moto.server` on a free port. moto accepts any signature until its request
    authentication is switched on (`enable_auth`, its `/moto-api/reset-auth`), after which it
    verifies SigV4 against the access keys it issued and enforces identity policies."""

    name = "moto"

    def __init__(self, python: str = sys.executable) -> None:
        super().__init__()
        self.python = python
        # Any key works while authentication is off.
        self.root = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    def start(self) -> MotoServer:
        self.port = self.port or free_port()
        env = dict(os.environ, MOTO_ALLOW_NONEXISTENT_REGION="true")
        self.proc = subprocess.Popen(
            [self.python, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        wait_for_port(self.port, proc=self.proc)
        return self

    def enable_auth(self) -> None:
        """From the next request on, moto authenticates and authorizes every call."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("POST", "/moto-api/reset-auth", body=b"0")
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"moto reset-auth answered {r.status}")
        finally:
            conn.close()


def create_user_with_key(client: QueryClient, name: str, policy: str | None = None) -> Credentials:
    """Creates a user (and an inline policy), returns its new access key."""
    r = client.call("CreateUser", {"UserName": name})
    if r.status != 200:
        raise RuntimeError(f"CreateUser {name}: {r.status} {r.body[:300]!r}")
    if policy is not None:
        r = client.call("PutUserPolicy", {"UserName": name, "PolicyName": "p", "PolicyDocument": policy})
        if r.status != 200:
            raise RuntimeError(f"PutUserPolicy {name}: {r.status} {r.body[:300]!r}")
    r = client.call("CreateAccessKey", {"UserName": name})
    if r.status != 200:
        raise RuntimeError(f"CreateAccessKey {name}: {r.status} {r.body[:300]!r}")
    key_id, secret = r.find(".//AccessKeyId"), r.find(".//SecretAccessKey")
    assert key_id and secret
    return Credentials(key_id, secret)
