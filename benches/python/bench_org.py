"""Organizations at scale (issue #14 part 3, Must reach): an organization of 200 accounts x 250
principals loaded from its layout file and analysed org-wide, with time and peak memory.

    cargo run --release -p iamkit-benches --example org_layout -- /tmp/org200.json
    python benches/python/bench_org.py /tmp/org200.json [--runs N] [--workers W]

The layout is the deterministic synthetic organization of ``benches/benches/org.rs``
(``iamkit_benches::synthetic_org_layout``). Measures, against the installed ``iamkit`` wheel:

- ``load``: ``iamkit.Organization.from_file(PATH)``;
- ``who_can``: ``org.who_can(action, resource)`` of three actions over every principal (serial,
  then on a ``ProcessPoolExecutor`` of ``--workers`` processes, checked identical);
- ``reach graph``: ``org.reach_graph()`` (the cross-account reach graph);
- the process's peak resident set size after each step (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

WHO_CAN = [
    ("iam:PassRole", "*"),
    ("s3:GetObject", "arn:aws:s3:::app0-data/key"),
    ("sts:AssumeRole", "arn:aws:iam::100000000001:role/cross-20"),
]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: object, runs: int) -> tuple[float, float, object]:
    times = []
    out: object = None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layout")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-reach", action="store_true", help="skip the reach graph")
    args = ap.parse_args()

    import iamkit

    print(f"iamkit {iamkit.__version__}; load average {os.getloadavg()}")
    base = peak_mib()
    best, med, org = timed(lambda: iamkit.Organization.from_file(args.layout), args.runs)
    assert isinstance(org, iamkit.Organization)
    print(
        f"load: best {best:.2f} s, median {med:.2f} s; {org!r}; peak RSS {base:.0f} -> {peak_mib():.0f} MiB"
    )
    serial = {}
    for action, res in WHO_CAN:
        best, med, who = timed(lambda a=action, r=res: org.who_can(a, r), args.runs)
        serial[(action, res)] = who.details  # type: ignore[attr-defined]
        print(f"who_can({action}, {res}): {len(who)} principals; best {best:.2f} s, median {med:.2f} s")  # type: ignore[arg-type]
    print(f"peak RSS {peak_mib():.0f} MiB")
    with ProcessPoolExecutor(args.workers) as ex:
        for action, res in WHO_CAN:
            best, med, who = timed(lambda a=action, r=res: org.who_can(a, r, executor=ex), 1)
            same = who.details == serial[(action, res)]  # type: ignore[attr-defined]
            print(f"who_can({action}) on {args.workers} processes: {best:.2f} s; identical to serial: {same}")
            if not same:
                return 1
    if not args.no_reach:
        best, med, g = timed(org.reach_graph, 1)
        cross = sum(
            1
            for e in g.edges
            if e["from"].split(":")[4:5] != e["to"].split(":")[4:5]
            and not e["from"].endswith(".amazonaws.com")
        )  # type: ignore[attr-defined]
        print(
            f"reach graph: {len(g.nodes)} nodes, {len(g.edges)} edges ({cross} cross-account), "  # type: ignore[attr-defined]
            f"{len(g.admins())} admins in {best:.2f} s; peak RSS {peak_mib():.0f} MiB"
        )  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
