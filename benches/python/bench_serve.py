"""Throughput of the local endpoint (issue #12): signed `iam:GetUser` calls per second with
SigV4 verification and enforcement on, over 1 keep-alive connection and over 16 concurrent
ones, `iamkit serve` and moto's server side by side in the same run with the same client code.

    .venv/bin/python benches/python/bench_serve.py                 # 3 repetitions of 5 s each
    .venv/bin/python benches/python/bench_serve.py --seconds 2 --repeat 3 --json out.json

The client is raw HTTP/1.1 (http.client, one keep-alive connection per thread) signing every
request with SigV4 (hashlib/hmac), so neither server is favoured by an SDK's overhead. The 16
connections are spread over `--procs` client processes (threads inside each) so that the
client's interpreter lock is not the ceiling. For each server, the caller is an IAM user whose
inline policy allows only `iam:GetUser`; before measuring, the script checks that the
server verifies signatures (a wrong secret is refused with 403) and enforces policies (ListUsers,
which the policy does not allow, is refused with 403): moto's request authentication is switched on for that
(its `/moto-api/reset-auth`). Every measured call must answer 200; the figure is the median
calls per second over the repetitions.

`--client replay` takes the client's own cost out: each connection signs its `GetUser` once
(SigV4, valid for the 15 minutes of allowed clock skew; replaying a signed request is what AWS
accepts too) and then sends those bytes over a raw socket, reading each answer's status line,
headers and `Content-Length` body — so the figure is what the server itself can do, for both
servers alike. `--client signed` (the default) signs every request as an SDK does.

`--ceiling` also measures the same client against a server that does nothing (a Python
subprocess on raw sockets answering every request with a fixed 200 XML body, no signature
check):
the rate the client itself allows on one connection — its SigV4 signing, `http.client` and XML
parsing — which bounds what any server can show here.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_harness import (
    HOST,
    IAM_VERSION,
    Credentials,
    Endpoint,
    IamkitServe,
    MotoServer,
    QueryClient,
    create_user_with_key,
    form_encode,
    free_port,
    sigv4_headers,
    wait_for_port,
)

USER = "bench"


def _policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    # "*": moto authorizes IAM calls against resource "*" only, so a
                    # narrower ARN would deny every call there; the same policy for both.
                    "Resource": "*",
                }
            ],
        }
    )


NULL_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    b"<GetUserResult><User><Path>/</Path><UserName>bench</UserName><UserId>AIDAEXAMPLE</UserId>"
    b"<Arn>arn:aws:iam::123456789012:user/bench</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>"
    b"</User></GetUserResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000"
    b"</RequestId></ResponseMetadata></GetUserResponse>"
)


def serve_null(port: int) -> None:
    """The do-nothing server of `--ceiling` (runs in its own process): HTTP/1.1 keep-alive on raw
    sockets (a thread per connection, no HTTP library), every request answered 200 with
    `NULL_BODY` in one write — as little server work as a Python process can do."""
    import socket

    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
        + str(len(NULL_BODY)).encode()
        + b"\r\n\r\n"
        + NULL_BODY
    )

    def connection(c: socket.socket) -> None:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        with c:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = c.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buf) < length:
                    chunk = c.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                buf = buf[length:]
                c.sendall(reply)

    with socket.create_server((HOST, port)) as s:
        while True:
            c, _ = s.accept()
            threading.Thread(target=connection, args=(c,), daemon=True).start()


class NullServer(Endpoint):
    """`serve_null` as a subprocess on a free port."""

    name = "null server"

    def start(self) -> NullServer:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--null-server", str(self.port)])
        wait_for_port(self.port, proc=self.proc)
        self.root = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        return self


def prepare(ep: Endpoint) -> Credentials:
    """Creates the bench user with its key and checks that the server verifies signatures and
    enforces policies; returns the user's key."""
    assert ep.root is not None
    admin = QueryClient(ep.url, ep.root)
    admin.call("CreateUser", {"UserName": "other"})
    key = create_user_with_key(admin, USER, _policy())
    admin.close()
    if isinstance(ep, MotoServer):
        ep.enable_auth()
    c = QueryClient(ep.url, key)
    deadline = time.monotonic() + 30
    while True:  # a new key may take a moment to be usable on some servers
        r = c.call("GetUser", {"UserName": USER})
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if r.status != 200:
        raise RuntimeError(f"{ep.name}: GetUser by {USER} answered {r.status}: {r.body[:300]!r}")
    denied = c.call("ListUsers")
    if denied.status != 403:
        raise RuntimeError(f"{ep.name}: ListUsers (not allowed) answered {denied.status}, not 403")
    last = key.secret_access_key[-1]
    wrong = key.secret_access_key[:-1] + ("x" if last != "x" else "y")
    bad = QueryClient(ep.url, Credentials(key.access_key_id, wrong))
    r = bad.call("GetUser", {"UserName": USER})
    if r.status != 403:
        raise RuntimeError(f"{ep.name}: a wrong secret answered {r.status}, not 403")
    bad.close()
    c.close()
    return key


def _thread_loop(url: str, key: Credentials, start_at: float, stop_at: float, out: list[int]) -> None:
    c = QueryClient(url, key)
    ok = errors = 0
    params = {"UserName": USER}
    c.call("GetUser", params)  # open the connection before the clock starts
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        r = c.call("GetUser", params)
        if r.status == 200:
            ok += 1
        else:
            errors += 1
    c.close()
    out.extend([ok, errors])


def _read_answer(sock: socket.socket, buf: bytearray) -> tuple[int, bool]:
    """Reads one HTTP/1.1 answer with a Content-Length body from `sock` (leftover bytes stay in
    `buf`); returns its status code and whether the server closes the connection after it."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buf += chunk
    head = bytes(buf[:end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    close = head.startswith("HTTP/1.0")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value.strip().lower() == "close"
    total = end + 4 + length
    while len(buf) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buf += chunk
    del buf[:total]
    return status, close


def _replay_loop(url: str, key: Credentials, start_at: float, stop_at: float, out: list[int]) -> None:
    """One connection sending the same signed GetUser (signed once) as fast as it is answered."""
    try:
        _replay(url, key, start_at, stop_at, out)
    except Exception as e:  # a failed connection counts as errors, with its reason shown
        print(f"replay client failed: {e!r}", file=sys.stderr)
        out[:] = [0, 1]


def _replay(url: str, key: Credentials, start_at: float, stop_at: float, out: list[int]) -> None:
    u = urlsplit(url)
    body = form_encode({"Action": "GetUser", "Version": IAM_VERSION, "UserName": USER}).encode()
    headers = sigv4_headers(key, host=u.netloc, body=body, service="iam")
    headers["content-length"] = str(len(body))
    request = ("POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    request += body
    address = (u.hostname or HOST, u.port or 80)

    def connect() -> socket.socket:
        c = socket.create_connection(address)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def call(c: socket.socket) -> tuple[socket.socket, int]:
        # a server that closes the connection after each answer (HTTP/1.0 style) pays for the
        # reconnection, as it would with any client
        c.sendall(request)
        status, close = _read_answer(c, buf)
        if close:
            c.close()
            buf.clear()
            c = connect()
        return c, status

    buf = bytearray()
    ok = errors = 0
    sock, status = call(connect())  # open the connection (and check it) before the clock starts
    if status != 200:
        errors += 1
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        sock, status = call(sock)
        if status == 200:
            ok += 1
        else:
            errors += 1
    sock.close()
    out.extend([ok, errors])


def _proc_worker(args: tuple[str, Credentials, int, float, float, str]) -> tuple[int, int]:
    url, key, threads, start_at, stop_at, client = args
    loop = _replay_loop if client == "replay" else _thread_loop
    results: list[list[int]] = [[] for _ in range(threads)]
    ts = [
        threading.Thread(target=loop, args=(url, key, start_at, stop_at, results[i])) for i in range(threads)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def measure(
    url: str, key: Credentials, connections: int, seconds: float, procs: int, client: str = "signed"
) -> float:
    """Calls per second over `connections` concurrent keep-alive connections."""
    procs = max(1, min(procs, connections))
    per = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
    start_at = time.time() + 1.0 + 0.2 * procs
    stop_at = start_at + seconds
    jobs = [(url, key, n, start_at, stop_at, client) for n in per]
    if procs == 1:
        ok, errors = _proc_worker(jobs[0])
    else:
        with mp.get_context("fork").Pool(procs) as pool:
            parts = pool.map(_proc_worker, jobs)
        ok, errors = sum(p[0] for p in parts), sum(p[1] for p in parts)
    if errors:
        raise RuntimeError(f"{errors} calls did not answer 200")
    return ok / seconds


def run(
    seconds: float,
    repeat: int,
    procs: int,
    connections: list[int],
    ceiling: bool = False,
    client: str = "signed",
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "seconds": seconds,
        "repeat": repeat,
        "procs": procs,
        "client": client,
        "servers": {},
    }
    servers: list[Endpoint] = [IamkitServe(), MotoServer()]
    if ceiling:
        servers.append(NullServer())
    try:
        keys = {}
        for ep in servers:
            ep.start()
            if isinstance(ep, NullServer):
                assert ep.root is not None
                keys[ep.name] = ep.root
            else:
                keys[ep.name] = prepare(ep)
        # Interleave the servers in each repetition so that a noisy neighbour hurts both alike.
        samples: dict[str, dict[int, list[float]]] = {ep.name: {n: [] for n in connections} for ep in servers}
        for _ in range(repeat):
            for n in connections:
                for ep in servers:
                    rate = measure(ep.url, keys[ep.name], n, seconds, procs if n > 1 else 1, client)
                    samples[ep.name][n].append(rate)
                    print(f"  {ep.name:13} {n:2} connection(s): {rate:9.0f} calls/s", file=sys.stderr)
        for ep in servers:
            results["servers"][ep.name] = {
                str(n): {"median": statistics.median(v), "samples": v} for n, v in samples[ep.name].items()
            }
    finally:
        for ep in servers:
            if isinstance(ep, IamkitServe):
                ep.cleanup()
            else:
                ep.stop()
    a, m = results["servers"]["iamkit serve"], results["servers"]["moto"]
    results["ratio"] = {str(n): a[str(n)]["median"] / m[str(n)]["median"] for n in connections}
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="length of one measurement (default 5)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions; the median is reported (default 3)")
    p.add_argument("--procs", type=int, default=2, help="client processes for the concurrent run (default 2)")
    p.add_argument("--connections", default="1,16", help="comma-separated connection counts (default 1,16)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument(
        "--ceiling",
        action="store_true",
        help="also measure the client against a server that does nothing (the client's own limit)",
    )
    p.add_argument(
        "--client",
        choices=("signed", "replay"),
        default="signed",
        help="signed: sign every request (an SDK's cost); replay: sign once per connection and "
        "replay the bytes (the servers' own capacity). Default signed",
    )
    p.add_argument("--null-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.null_server:
        serve_null(a.null_server)
        return 0
    if not 0 < a.seconds <= 60 or not 1 <= a.repeat <= 10:
        p.error("--seconds must be in (0, 60] and --repeat in [1, 10]")
    conns = [int(x) for x in a.connections.split(",")]
    res = run(a.seconds, a.repeat, a.procs, conns, a.ceiling, a.client)
    how = "each signed by the client" if a.client == "signed" else "signed once per connection, replayed"
    print(
        f"signed iam:GetUser calls/s ({how}), median of {a.repeat} x {a.seconds:g} s "
        "(SigV4 verification + enforcement on)"
    )
    print(f"{'connections':>11} | {'iamkit serve':>12} | {'moto':>8} | ratio")
    for n in conns:
        i = res["servers"]["iamkit serve"][str(n)]["median"]
        m = res["servers"]["moto"][str(n)]["median"]
        print(f"{n:>11} | {i:>12.0f} | {m:>8.0f} | {i / m:5.1f}x")
    if a.ceiling:
        for n in conns:
            c = res["servers"]["null server"][str(n)]["median"]
            print(f"client ceiling ({n} connection(s), a server that does nothing): {c:.0f} calls/s")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
