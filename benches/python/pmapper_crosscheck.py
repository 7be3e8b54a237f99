"""Cross-check iamkit's reach graph against NCC Group's PMapper on the real snapshots.

PMapper (``principalmapper`` on PyPI, AGPL-3.0) is only *run* here, as an independent checker:
nothing of it is vendored or copied, and this script installs nothing. PMapper reads an account
through boto3's IAM client; it is given the snapshot through a stand-in client whose
``get_account_authorization_details`` paginator returns the snapshot (and no virtual MFA
devices), then its own admin detection and edge checkers (``session=None``: no AWS calls)
run.

Run it with a Python where ``iamkit`` is importable; PMapper either imports there too or lives
in a throwaway virtual environment passed with ``--pmapper-python``::

    python3 -m venv /tmp/pmapper-venv && /tmp/pmapper-venv/bin/pip install principalmapper
    .venv/bin/python benches/python/pmapper_crosscheck.py --pmapper-python /tmp/pmapper-venv/bin/python

It prints, per snapshot: both build times, the admins each finds, and the edges (source ->
target) both find, only iamkit finds and only PMapper finds, with the methods; ``--json FILE``
writes the same data. ``docs/pmapper-crosscheck.md`` explains each difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "iam-parser" / "tests" / "data" / "account-authorization-details"
SNAPSHOTS = [
    "cloudmapper-demo.json",
    "cloudsplaining-example.json",
    "cloudsplaining-test-authz-details-for-overrides-complete.json",
    "cloudsplaining-test-example-authz-details.json",
    "cloudsplaining-test-example-authz-v2.json",
]
CHECKERS = ["autoscaling", "cloudformation", "codebuild", "ec2", "iam", "lambda", "sagemaker", "ssm", "sts"]


def pmapper_graph(snapshot: Path) -> dict[str, Any]:
    """PMapper's admins and edges for one snapshot (runs where ``principalmapper`` imports)."""
    import collections
    import collections.abc

    # PMapper 1.1.5 imports Mapping / MutableMapping from ``collections``, gone since Python
    # 3.10: give it the ``collections.abc`` names (a run-time alias; PMapper is not modified).
    for alias in ("Mapping", "MutableMapping"):
        if not hasattr(collections, alias):
            setattr(collections, alias, getattr(collections.abc, alias))
    from principalmapper.graphing import (  # type: ignore[import-not-found]
        edge_identification,
        gathering,
    )

    data = json.loads(snapshot.read_text())

    class Pages:
        def __init__(self, pages: list[dict[str, Any]]) -> None:
            self.pages = pages

        def paginate(self, **_: Any) -> list[dict[str, Any]]:
            return self.pages

    class SnapshotClient:
        """The IAM calls PMapper's gathering makes, answered from the snapshot."""

        def get_paginator(self, name: str) -> Pages:
            if name == "get_account_authorization_details":
                return Pages([data])
            if name == "list_virtual_mfa_devices":
                return Pages([{"VirtualMFADevices": []}])
            raise RuntimeError(f"PMapper asked for {name}, which a snapshot cannot answer")

        def list_access_keys(self, **_: Any) -> dict[str, Any]:
            # A snapshot lists no access keys (iamkit's import has none either).
            return {"AccessKeyMetadata": []}

        def list_mfa_devices(self, **_: Any) -> dict[str, Any]:
            return {"MFADevices": []}

        def get_login_profile(self, **_: Any) -> dict[str, Any]:
            # Nor passwords: as IAM answers for a user without one.
            raise RuntimeError("NoSuchEntity: the snapshot records no login profile")

    t = time.perf_counter()
    result = gathering.get_nodes_groups_and_policies(SnapshotClient())
    nodes = result["nodes"]
    gathering.update_admin_status(nodes)
    edges = edge_identification.obtain_edges(None, CHECKERS, nodes)
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "admins": sorted(n.arn for n in nodes if n.is_admin),
        "principals": len(nodes),
        "edges": sorted(
            {(e.source.arn, e.destination.arn, e.short_reason) for e in edges},
        ),
    }


def iamkit_graph(snapshot: Path) -> dict[str, Any]:
    import iamkit

    account = iamkit.Account.from_authorization_details(str(snapshot))
    t = time.perf_counter()
    graph = account.reach_graph()
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "admins": sorted(n["arn"] for n in graph.admins()),
        "principals": sum(1 for n in graph.nodes if n["kind"] != "service"),
        "edges": sorted(
            {
                (e["from"], e["to"], e["method"])
                for e in graph.edges
                if e["kind"] not in ("editPolicy", "serviceTrust")
            }
        ),
    }


def run_pmapper(snapshot: Path, python: str | None) -> dict[str, Any] | None:
    try:
        import principalmapper  # type: ignore[import-not-found]  # noqa: F401

        return pmapper_graph(snapshot)
    except ImportError:
        pass
    if python is None:
        return None
    p = subprocess.run(
        [python, __file__, "--pmapper-worker", str(snapshot)], capture_output=True, text=True, check=False
    )
    if p.returncode != 0:
        raise RuntimeError(f"PMapper failed on {snapshot.name}: {p.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(p.stdout)
    return out


def short(arn: str) -> str:
    return arn.split(":", 5)[-1]


def compare(name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    pairs_ours: dict[tuple[str, str], set[str]] = {}
    for a, b, m in ours["edges"]:
        pairs_ours.setdefault((a, b), set()).add(m)
    pairs_theirs: dict[tuple[str, str], set[str]] = {}
    for a, b, m in theirs["edges"]:
        pairs_theirs.setdefault((str(a), str(b)), set()).add(m)
    both = sorted(set(pairs_ours) & set(pairs_theirs))
    only_ours = sorted(set(pairs_ours) - set(pairs_theirs))
    only_theirs = sorted(set(pairs_theirs) - set(pairs_ours))

    def rows(keys: list[tuple[str, str]], src: dict[tuple[str, str], set[str]]) -> list[list[str]]:
        return [[short(a), short(b), ", ".join(sorted(src[(a, b)]))] for a, b in keys]

    return {
        "snapshot": name,
        "principals": ours["principals"],
        "iamkit_seconds": ours["seconds"],
        "pmapper_seconds": theirs["seconds"],
        "admins_both": sorted(set(ours["admins"]) & set(theirs["admins"])),
        "admins_only_iamkit": sorted(set(ours["admins"]) - set(theirs["admins"])),
        "admins_only_pmapper": sorted(set(theirs["admins"]) - set(ours["admins"])),
        "edges_both": rows(both, pairs_ours),
        "edges_only_iamkit": rows(only_ours, pairs_ours),
        "edges_only_pmapper": rows(only_theirs, pairs_theirs),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pmapper-python", help="a Python where principalmapper is installed")
    ap.add_argument("--pmapper-worker", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the comparison as JSON to this file")
    args = ap.parse_args()
    if args.pmapper_worker:
        try:
            json.dump(pmapper_graph(Path(args.pmapper_worker)), sys.stdout)
        except Exception as e:  # PMapper's own failure on a snapshot is a result to report
            json.dump({"error": f"{type(e).__name__}: {e}"}, sys.stdout)
        return 0
    results = []
    for name in SNAPSHOTS:
        snapshot = DATA / name
        theirs = run_pmapper(snapshot, args.pmapper_python)
        if theirs is None:
            print("principalmapper is not importable and no --pmapper-python was given: nothing to compare")
            return 2
        ours = iamkit_graph(snapshot)
        if "error" in theirs:
            print(f"== {name}: {ours['principals']} principals; iamkit {ours['seconds'] * 1000:.1f} ms;")
            print(f"   PMapper cannot build this snapshot: {theirs['error']}")
            results.append({"snapshot": name, "pmapper_error": theirs["error"], "iamkit": ours})
            continue
        r = compare(name, ours, theirs)
        results.append(r)
        print(
            f"== {name}: {r['principals']} principals; graph build iamkit "
            f"{r['iamkit_seconds'] * 1000:.1f} ms, PMapper {r['pmapper_seconds'] * 1000:.1f} ms"
        )
        print(
            f"   admins: both {len(r['admins_both'])}, only iamkit {len(r['admins_only_iamkit'])}, "
            f"only PMapper {len(r['admins_only_pmapper'])}"
        )
        for a in r["admins_only_iamkit"]:
            print(f"     admin only iamkit: {short(a)}")
        for a in r["admins_only_pmapper"]:
            print(f"     admin only PMapper: {short(a)}")
        print(
            f"   edges: both {len(r['edges_both'])}, only iamkit {len(r['edges_only_iamkit'])}, "
            f"only PMapper {len(r['edges_only_pmapper'])}"
        )
        for label, key in (("only iamkit", "edges_only_iamkit"), ("only PMapper", "edges_only_pmapper")):
            for a, b, m in r[key]:
                print(f"     {label}: {a} -> {b} [{m}]")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
