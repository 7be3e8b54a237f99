"""Load and fault test of the local endpoint (issue #12): concurrent clients mixing reads and
writes against `iamkit serve --state DIR`, the server SIGKILLed and restarted mid-run; afterwards
every acknowledged change must be there.

    .venv/bin/python benches/python/fault_serve.py                       # 32 clients, 60 s, 2 kills
    .venv/bin/python benches/python/fault_serve.py --clients 8 --seconds 10 --kills 1 --json out.json

Each client is an IAM user whose policy allows user operations only under its own path
(`/load/N/`) and `iam:ListUsers`; it loops over CreateUser (a fresh name each time), DeleteUser
(of a user it created), GetUser and ListUsers (PathPrefix `/load/N/`, every page), with SigV4
over a keep-alive connection. A write is *acknowledged* when its 200 arrived; a write whose
answer never came (the server died under it) is *in doubt*. Checked while running: an
acknowledged user is readable (GetUser 200) and listed, a deleted one is gone, no answer is a
5xx, no answer is an unexpected 4xx. Checked at the end (as root, on the restarted server): the
users under each client's path are exactly the acknowledged ones, give or take the writes in
doubt. Connection failures are counted apart (they happen only while the server is down). The
server's resident memory is sampled every second: start, end and maximum per server life.

`--server moto` runs the load part against moto's server (no kills: moto keeps no state on disk,
and no per-path policies: moto authorizes IAM calls against resource "*" only), for comparison.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_harness import (
    Credentials,
    Endpoint,
    IamkitServe,
    MotoServer,
    QueryClient,
    Response,
    create_user_with_key,
    rss_kib,
)

LIVE_CAP = 40  # users per client at most: the account stays bounded, so memory should be flat


def client_policy(account: str, n: int) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:CreateUser", "iam:DeleteUser", "iam:GetUser"],
                    "Resource": f"arn:aws:iam::{account}:user/load/{n}/*",
                },
                {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
            ],
        }
    )


@dataclass
class ClientResult:
    n: int
    calls: int = 0
    ok: int = 0
    acked_creates: int = 0
    acked_deletes: int = 0
    conn_failures: int = 0
    status_5xx: int = 0
    violations: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)  # acknowledged created, not deleted
    deleted: list[str] = field(default_factory=list)  # acknowledged deleted
    in_doubt: list[str] = field(default_factory=list)  # a write whose answer never came
    latencies_ms: list[float] = field(default_factory=list)


def list_all(c: QueryClient, prefix: str) -> tuple[set[str], Response | None]:
    """Every user name under `prefix` (all pages), or the failing answer."""
    names: set[str] = set()
    marker: str | None = None
    while True:
        params = {"PathPrefix": prefix, "MaxItems": "100"}
        if marker:
            params["Marker"] = marker
        r = c.call("ListUsers", params)
        if r.status != 200 or r.root is None:
            return names, r
        names.update(el.text or "" for el in r.root.iter("UserName"))
        if r.find(".//IsTruncated") != "true":
            return names, None
        marker = r.find(".//Marker")


def run_client(url: str, key: Credentials, n: int, stop_at: float, seed: int) -> ClientResult:
    rng = random.Random(seed)
    res = ClientResult(n)
    c = QueryClient(url, key, timeout=30, retry_idle=False)
    live: list[str] = []
    in_doubt: set[str] = set()
    prefix = f"/load/{n}/"
    counter = 0

    def violation(msg: str) -> None:
        if len(res.violations) < 20:
            res.violations.append(f"client {n}: {msg}")

    while time.time() < stop_at:
        roll = rng.random()
        if not live or (roll < 0.3 and len(live) < LIVE_CAP):
            op = "create"
        elif roll < 0.5:
            op = "delete"
        elif roll < 0.85:
            op = "get"
        else:
            op = "list"
        counter += 1
        name = f"u{n}-{counter}" if op == "create" else rng.choice(live)
        t0 = time.perf_counter()
        res.calls += 1
        try:
            if op == "create":
                r = c.call("CreateUser", {"UserName": name, "Path": prefix})
            elif op == "delete":
                r = c.call("DeleteUser", {"UserName": name})
            elif op == "get":
                r = c.call("GetUser", {"UserName": name})
            else:
                listed, bad = list_all(c, prefix)
                r = bad or Response(200, b"", None)
        except OSError as e:
            # Connection refused/reset/closed: the server is down (being restarted).
            res.conn_failures += 1
            if isinstance(e, ConnectionRefusedError):
                # Never sent: nothing happened.
                c.close()
                time.sleep(0.05)
                continue
            if op in ("create", "delete"):
                in_doubt.add(name)
                if op == "delete":
                    live.remove(name)
            c.close()
            time.sleep(0.05)
            continue
        res.latencies_ms.append((time.perf_counter() - t0) * 1000)
        if r.status >= 500:
            res.status_5xx += 1
            violation(f"{op} {name}: HTTP {r.status} {r.body[:200]!r}")
            if op in ("create", "delete"):
                in_doubt.add(name)
                if op == "delete":
                    live.remove(name)
            continue
        if r.status != 200:
            violation(f"{op} {name}: HTTP {r.status} {r.error_code}")
            continue
        res.ok += 1
        if op == "create":
            live.append(name)
            res.acked_creates += 1
        elif op == "delete":
            live.remove(name)
            res.deleted.append(name)
            res.acked_deletes += 1
        elif op == "list":
            missing = set(live) - listed
            extra = listed - set(live) - in_doubt
            if missing:
                violation(f"acknowledged users missing from ListUsers: {sorted(missing)[:5]}")
            if extra:
                violation(f"ListUsers shows users never acknowledged: {sorted(extra)[:5]}")
    c.close()
    res.live = live
    res.in_doubt = sorted(in_doubt)
    return res


def _proc(args: tuple[str, list[tuple[Credentials, int]], float, int]) -> list[ClientResult]:
    url, clients, stop_at, seed = args
    out: list[ClientResult | None] = [None] * len(clients)

    def go(i: int, key: Credentials, n: int) -> None:
        out[i] = run_client(url, key, n, stop_at, seed * 1000 + n)

    ts = [threading.Thread(target=go, args=(i, k, n)) for i, (k, n) in enumerate(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [r for r in out if r is not None]


@dataclass
class Life:
    """One life of the server process: its RSS samples (KiB)."""

    pid: int
    started: float
    rss: list[int] = field(default_factory=list)


def run(server: str, clients: int, seconds: float, kills: int, procs: int, seed: int) -> dict[str, Any]:
    if server == "moto" and kills:
        raise ValueError("moto keeps no state across restarts: --kills 0 with --server moto")
    ep: Endpoint = IamkitServe() if server == "iamkit" else MotoServer()
    lives: list[Life] = []
    down: list[tuple[float, float]] = []
    try:
        ep.start()
        assert ep.root is not None
        admin = QueryClient(ep.url, ep.root)
        account = admin.call("GetCallerIdentity", service="sts").find(".//Account") or "123456789012"
        keys = [
            (create_user_with_key(admin, f"load-client-{n}", client_policy(account, n)), n)
            for n in range(clients)
        ]
        admin.close()
        t_start = time.time() + 1.0 + 0.3 * procs
        stop_at = t_start + seconds
        lives.append(Life(ep.pid, time.time()))
        stop_sampling = threading.Event()

        def sample() -> None:
            while not stop_sampling.wait(1.0):
                v = rss_kib(lives[-1].pid)
                if v is not None:
                    lives[-1].rss.append(v)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        per = [list(range(clients))[i::procs] for i in range(procs)]
        jobs = [(ep.url, [keys[n] for n in part], stop_at, seed) for part in per if part]
        pool = mp.get_context("fork").Pool(len(jobs))
        async_res = pool.map_async(_proc, jobs)
        # Kills evenly spaced through the run.
        for k in range(kills):
            at = t_start + seconds * (k + 1) / (kills + 1)
            time.sleep(max(0.0, at - time.time()))
            t0 = time.time()
            ep.kill9()
            assert isinstance(ep, IamkitServe)
            ep.start()
            down.append((t0, time.time()))
            lives.append(Life(ep.pid, time.time()))
        parts = async_res.get(timeout=seconds + 300)
        pool.close()
        pool.join()
        stop_sampling.set()
        sampler.join()
        results = [r for part in parts for r in part]
        # Final check, as root, on the (restarted) server.
        admin = QueryClient(ep.url, ep.root)
        final_violations: list[str] = []
        for r in results:
            listed, bad = list_all(admin, f"/load/{r.n}/")
            if bad is not None:
                final_violations.append(f"client {r.n}: final ListUsers HTTP {bad.status}")
                continue
            lost = set(r.live) - listed
            resurrected = (set(r.deleted) & listed) - set(r.in_doubt)
            unknown = listed - set(r.live) - set(r.in_doubt)
            if lost:
                final_violations.append(f"client {r.n}: acknowledged users lost: {sorted(lost)[:5]}")
            if resurrected:
                final_violations.append(f"client {r.n}: deleted users back: {sorted(resurrected)[:5]}")
            if unknown:
                final_violations.append(f"client {r.n}: users never acknowledged: {sorted(unknown)[:5]}")
        admin.close()
    finally:
        if isinstance(ep, IamkitServe):
            ep.cleanup()
        else:
            ep.stop()
    lat = sorted(x for r in results for x in r.latencies_ms)
    calls = sum(r.calls for r in results)
    all_rss = [v for life in lives for v in life.rss]
    return {
        "server": server,
        "clients": clients,
        "seconds": seconds,
        "kills": kills,
        "calls": calls,
        "ok": sum(r.ok for r in results),
        "calls_per_second": calls / seconds,
        "acknowledged_creates": sum(r.acked_creates for r in results),
        "acknowledged_deletes": sum(r.acked_deletes for r in results),
        "live_users_at_end": sum(len(r.live) for r in results),
        "in_doubt": sum(len(r.in_doubt) for r in results),
        "connection_failures": sum(r.conn_failures for r in results),
        "status_5xx": sum(r.status_5xx for r in results),
        "violations": [v for r in results for v in r.violations] + final_violations,
        "downtime_s": [round(b - a, 3) for a, b in down],
        "latency_ms": {
            "p50": statistics.median(lat) if lat else None,
            "p99": lat[int(len(lat) * 0.99)] if lat else None,
            "max": lat[-1] if lat else None,
        },
        "rss_kib": {
            "lives": [
                {
                    "start": life.rss[0] if life.rss else None,
                    "end": life.rss[-1] if life.rss else None,
                    "max": max(life.rss) if life.rss else None,
                    "samples": len(life.rss),
                    "series": life.rss,
                }
                for life in lives
            ],
            "start": all_rss[0] if all_rss else None,
            "end": all_rss[-1] if all_rss else None,
            "max": max(all_rss) if all_rss else None,
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", choices=("iamkit", "moto"), default="iamkit")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--kills", type=int, default=2, help="SIGKILL + restart this many times (default 2)")
    p.add_argument("--procs", type=int, default=2, help="client processes (default 2)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--json", metavar="FILE")
    a = p.parse_args(argv)
    if not (1 <= a.clients <= 64 and 0 < a.seconds <= 600 and 0 <= a.kills <= 10):
        p.error("bounds: 1 <= clients <= 64, 0 < seconds <= 600, 0 <= kills <= 10")
    res = run(a.server, a.clients, a.seconds, a.kills, a.procs, a.seed)
    shown = {k: v for k, v in res.items() if k != "violations"}
    shown["rss_kib"] = {
        **res["rss_kib"],
        "lives": [{k: v for k, v in life.items() if k != "series"} for life in res["rss_kib"]["lives"]],
    }
    print(json.dumps(shown, indent=2))
    for v in res["violations"]:
        print("VIOLATION:", v)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 1 if res["violations"] or res["status_5xx"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
