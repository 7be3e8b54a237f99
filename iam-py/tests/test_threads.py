"""Issue #10 part 3: an ``Account`` shared by threads. Readers (analyses, authorize, exports)
run concurrently; client calls that change the account wait for them. No thread ever sees
PyO3's ``RuntimeError: Already borrowed`` or a half-changed account."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import iamkit

ACCT = "111122223333"
DURATION = 10.0


def _policy(action: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    )


def _arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:user/{name}"


def test_mutations_while_four_threads_analyse_for_ten_seconds() -> None:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    for i in range(20):
        iam.create_user(UserName=f"reader{i}")
        iam.put_user_policy(UserName=f"reader{i}", PolicyName="p", PolicyDocument=_policy("s3:Get*"))
    iam.create_user(UserName="toggler")
    stable = sorted(_arn(f"reader{i}") for i in range(20))
    with_toggler = sorted([*stable, _arn("toggler")])

    stop = threading.Event()
    errors: list[BaseException] = []
    done: Counter[str] = Counter()
    seen_states: set[int] = set()

    def reader(kind: str) -> None:
        try:
            while not stop.is_set():
                if kind == "who_can":
                    who = sorted(acct.who_can("s3:GetObject", "arn:aws:s3:::b/k"))
                    # Either before or after a mutation, never in between.
                    assert who in (stable, with_toggler), who
                    seen_states.add(len(who))
                elif kind == "what_can":
                    what = acct.what_can(_arn("reader3"))
                    assert "s3:GetObject" in what["s3"]
                elif kind == "authorize":
                    r = acct.authorize(principal=_arn("reader7"), action="s3:GetObject")
                    assert r.decision == "allowed"
                else:
                    details = acct.to_authorization_details()
                    users = {u["UserName"] for u in details["UserDetailList"]}
                    assert {f"reader{i}" for i in range(20)} <= users
                    acct.access_matrix(["s3:GetObject"])
                done[kind] += 1
        except BaseException as e:
            errors.append(e)
            stop.set()

    threads = [
        threading.Thread(target=reader, args=(k,)) for k in ("who_can", "what_can", "authorize", "export")
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + DURATION
    writes = 0
    try:
        while time.monotonic() < deadline and not stop.is_set():
            # One mutation at a time, each complete: the toggler gains or loses s3:GetObject.
            iam.put_user_policy(UserName="toggler", PolicyName="p", PolicyDocument=_policy("s3:GetObject"))
            iam.delete_user_policy(UserName="toggler", PolicyName="p")
            name = f"tmp{writes}"
            iam.create_user(UserName=name)
            iam.delete_user(UserName=name)
            writes += 1
    except BaseException as e:
        errors.append(e)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [], errors
    assert writes > 10
    assert all(done[k] > 0 for k in ("who_can", "what_can", "authorize", "export")), done
    assert stable == sorted(acct.who_can("s3:GetObject", "arn:aws:s3:::b/k"))


def test_concurrent_readers_get_the_same_answer() -> None:
    """Four analyses at once on one account all finish with the same answer."""
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    for i in range(10):
        iam.create_user(UserName=f"u{i}")
        iam.put_user_policy(UserName=f"u{i}", PolicyName="p", PolicyDocument=_policy("iam:*"))
    results: list[Any] = []

    def run() -> None:
        results.append(sorted(acct.who_can("iam:CreateUser")))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert len(results[0]) == 10
