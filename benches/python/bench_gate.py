"""Timing of the CI gate over the largest real account snapshot (issue #13: ``iamkit validate
--snapshot`` over the largest real snapshot in <= 1 s).

    python benches/python/bench_gate.py [--runs N] [SNAPSHOT]

Measures, against the installed ``iamkit`` wheel:

- ``in-process``: ``iamkit.cli.main(["validate", "--snapshot", SNAPSHOT, ...])`` inside one
  interpreter (every policy of the snapshot read, validated, filtered and printed), best and
  median of N runs;
- ``command``: the whole ``iamkit validate --snapshot SNAPSHOT`` process (interpreter start,
  import, run), best and median of N runs — what a CI step waits for.

Default snapshot: ``examples/data/gaad.json`` (664,042 bytes, the largest of the real snapshots
the project ships; see examples/data/SOURCE.md).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshot", nargs="?", default=str(ROOT / "examples" / "data" / "gaad.json"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--format", default="text", choices=("text", "json", "sarif", "accessanalyzer"))
    args = ap.parse_args()

    import iamkit
    from iamkit import _gate
    from iamkit.cli import main as cli_main

    argv = ["validate", "--snapshot", args.snapshot, "--format", args.format]
    size = Path(args.snapshot).stat().st_size
    docs, _ = _gate.collect([], [args.snapshot], "identity", ["*.json"], [])
    print(f"iamkit {iamkit.__version__}; snapshot {args.snapshot}: {size:,} bytes, {len(docs)} policies")

    def once() -> tuple[float, int]:
        buf = io.StringIO()
        t = time.perf_counter()
        with redirect_stdout(buf), redirect_stderr(io.StringIO()):
            rc = cli_main(argv)
        return time.perf_counter() - t, rc

    once()  # warm: catalog and models loaded lazily on first use
    inproc = [once() for _ in range(args.runs)]
    rcs = {rc for _, rc in inproc}
    times = [t for t, _ in inproc]
    print(
        f"in-process validate --snapshot ({args.format}): best {min(times) * 1000:.1f} ms, "
        f"median {statistics.median(times) * 1000:.1f} ms (exit {sorted(rcs)})"
    )

    cmd = [sys.executable, "-m", "iamkit", *argv]
    walls = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        walls.append(time.perf_counter() - t)
    print(
        f"command `iamkit validate --snapshot` ({args.format}): best {min(walls) * 1000:.1f} ms, "
        f"median {statistics.median(walls) * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
