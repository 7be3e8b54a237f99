"""Issue #14 part 4: the 50,000-principal figures from Python, side by side in one run.

The account is the deterministic synthetic one of ``benches/src/synthetic.rs`` (written by
``cargo run --release -p iamkit-benches --example synthetic_account -- N FILE``; this script runs
that when FILE does not exist). Measured, each as the median of ``--runs`` runs:

- importing its ``get-account-authorization-details`` JSON (time, and the growth of the
  process's resident memory);
- ``account.who_can("iam:PassRole")`` and ``account.who_can("s3:GetObject", <an object>)`` over
  every principal (``--only who_can``: import and these two only);
- the full access matrix (every principal x all catalog actions): serial (Rust, 2 threads, in
  this process), on a 2-process pool (``executor=ProcessPoolExecutor(2)``) and on a Dask
  ``LocalCluster`` of 2 worker processes, with the speed-ups over serial;
- with ``--privesc``, ``privilege_escalation()`` over every principal, serial and on the pool.

    python benches/python/bench_scale.py --principals 50000 --runs 3
    python benches/python/bench_scale.py --principals 5000 --runs 3 --skip-dask

Run it against a release wheel (``pip install .``): the dev-profile test wheel is several times
slower.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import iamkit

ROOT = Path(__file__).resolve().parents[2]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


CPU: dict[int, float] = {}


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """(median wall time, last result); the median CPU time of this process is left in
    ``CPU[id(fn)]`` (the machine is shared: CPU time is the steadier figure for in-process work)."""
    times, cpu = [], []
    out = None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[id(fn)] = statistics.median(cpu)
    return statistics.median(times), out


def ensure_account(path: Path, n: int) -> None:
    if path.exists():
        return
    cmd = ["cargo", "run", "--release", "-q", "-p", "iamkit-benches", "--example", "synthetic_account"]
    subprocess.run([*cmd, "--", str(n), str(path)], cwd=ROOT, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--principals", type=int, default=50_000)
    ap.add_argument("--file", type=Path, default=None, help="the synthetic account's JSON (made if missing)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--privesc", action="store_true", help="also privilege_escalation() (slow at 50,000)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument(
        "--only",
        choices=["all", "who_can"],
        default="all",
        help="who_can: import and the who_can calls only (no matrix, pool or Dask runs)",
    )
    args = ap.parse_args()
    path = args.file or Path(f"/tmp/iamkit-synthetic-{args.principals}.json")
    ensure_account(path, args.principals)
    print(f"iamkit {iamkit.__version__} from {Path(iamkit.__file__).parent}")
    print(f"machine: {os.cpu_count()} CPUs, load average at start {load()}")
    fig: dict[str, Any] = {"principals": args.principals, "runs": args.runs}

    text = path.read_text("utf-8")
    print(f"account file: {path} ({len(text) / 1e6:.1f} MB)")
    parsed: dict[str, Any] = json.loads(text)
    del text
    before = rss_mb()
    t_import, account = median_time(lambda: iamkit.Account.from_authorization_details(parsed), args.runs)
    grown = rss_mb() - before
    print(f"import (from the parsed dict): median {t_import:.2f} s; resident memory +{grown:.0f} MB")
    fig["import_s"], fig["import_rss_mb"] = t_import, grown
    parsed.clear()
    print(f"  {account!r}")

    def who_can() -> Any:
        return account.who_can("iam:PassRole", executor="serial")

    t_who, who = median_time(who_can, max(args.runs, 5))
    print(
        f"who_can('iam:PassRole') over {args.principals} principals: median {t_who * 1000:.0f} ms "
        f"(CPU {CPU[id(who_can)] * 1000:.0f} ms), {len(who)} allowed"
    )
    fig["who_can_ms"], fig["who_can_cpu_ms"] = t_who * 1000, CPU[id(who_can)] * 1000

    def who_can_s3() -> Any:
        return account.who_can("s3:GetObject", "arn:aws:s3:::app10012-data/key", executor="serial")

    t_s3, who_s3 = median_time(who_can_s3, max(args.runs, 5))
    print(
        f"who_can('s3:GetObject', 'arn:aws:s3:::app10012-data/key') over {args.principals} principals: "
        f"median {t_s3 * 1000:.0f} ms (CPU {CPU[id(who_can_s3)] * 1000:.0f} ms), {len(who_s3)} allowed"
    )
    fig["who_can_s3_ms"], fig["who_can_s3_cpu_ms"] = t_s3 * 1000, CPU[id(who_can_s3)] * 1000
    if args.only == "who_can":
        print(f"load average at the end {load()}")
        if args.json:
            print(json.dumps(fig))
        return 0

    t_serial, m = median_time(lambda: account.access_matrix("*", executor="serial", threads=2), args.runs)
    cells = m.shape[0] * m.shape[1]
    print(
        f"access matrix {m.shape[0]} x {m.shape[1]} serial (2 threads): median {t_serial:.2f} s; "
        f"{m.distinct_rows} distinct rows = {m.distinct_rows * m.shape[1] / 1e6:.0f} MB of cells "
        f"(a byte per cell would be {cells / 1e6:.0f} MB)"
    )
    fig["matrix_serial_s"], fig["matrix_distinct_rows"] = t_serial, m.distinct_rows
    expected = m.to_csv() if args.principals <= 5000 else None
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        account.who_can("iam:GetUser", executor=pool)  # start the workers
        t_pool, m2 = median_time(lambda: account.access_matrix("*", executor=pool), args.runs)
        same = m2._rows == m._rows or list(m2._rows) == list(m._rows)
        same = same and m2._cells == m._cells and m2.principals == m.principals
        print(
            f"  on a 2-process pool: median {t_pool:.2f} s ({t_serial / t_pool:.2f}x serial), "
            f"identical: {same}"
        )
        fig["matrix_pool_s"] = t_pool
    if expected is not None:
        assert m2.to_csv() == expected
    t_one, m1 = median_time(lambda: account.access_matrix("*", executor="serial", threads=1), 1)
    print(f"  serial on 1 thread (one run): {t_one:.2f} s; the pool is {t_one / t_pool:.2f}x that")
    fig["matrix_serial_1_thread_s"] = t_one
    del m1
    if not args.skip_dask:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster, Client(cluster) as client:
            ex = client.get_executor()
            account.who_can("iam:GetUser", executor=ex)  # warm the workers
            t_dask, m3 = median_time(lambda: account.access_matrix("*", executor=ex), args.runs)
            same = list(m3._rows) == list(m._rows) and m3._cells == m._cells
            print(
                f"  on a Dask LocalCluster (2 worker processes): median {t_dask:.2f} s "
                f"({t_serial / t_dask:.2f}x serial), identical: {same}"
            )
            fig["matrix_dask_s"] = t_dask
    if args.privesc:
        with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            t_esc_pool, esc_pool = median_time(lambda: account.privilege_escalation(executor=pool), 1)
        t_esc, esc = median_time(lambda: account.privilege_escalation(executor="serial"), 1)
        print(
            f"privilege_escalation(): serial {t_esc:.2f} s, 2-process pool {t_esc_pool:.2f} s "
            f"({t_esc / t_esc_pool:.2f}x); {len(esc)} escalations; identical: {esc == esc_pool}"
        )
        fig["privesc_serial_s"], fig["privesc_pool_s"] = t_esc, t_esc_pool
    print(f"load average at end {load()}")
    if args.json:
        print(json.dumps(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
