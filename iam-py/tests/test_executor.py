"""executor= (issue 14 part 4): iamkit._parallel.map_tasks (order, errors naming the task,
progress), shipping accounts to workers by pickling (no secret in the bytes), and the analyses
over many principals giving exactly the serial answer on a process pool, a thread pool and a
Dask LocalCluster."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

import iamkit
from iamkit import _parallel

ACCT = "111122223333"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _square(x: int) -> int:
    return x * x


def _slow_square(x: int) -> int:
    time.sleep(0.002 * (x % 3))  # finish out of order on a pool
    return x * x


def _fail_on_five(x: int) -> int:
    if x == 5:
        raise KeyError(f"no {x}")
    return x


def _doc(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _allow(actions: list[str] | str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def _trust(principal: dict[str, Any]) -> str:
    return _doc([{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}])


def build_account(users: int = 48, roles: int = 16) -> iamkit.Account:
    """A mixed account: groups, shared customer and AWS managed policies, inline policies,
    permissions boundaries, conditions, roles with trust policies, escalation paths."""
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    shared = []
    for i, stmts in enumerate(
        [
            [_allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::data/*")],
            [_allow("ec2:Describe*"), {"Effect": "Deny", "Action": "ec2:DescribeImages", "Resource": "*"}],
            [_allow("iam:PassRole"), _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])],
            [_allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
        ]
    ):
        r = iam.create_policy(PolicyName=f"shared{i}", PolicyDocument=_doc(stmts))
        shared.append(r["Policy"]["Arn"])
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=_doc([_allow(["s3:*", "ec2:*"])]))
    for g in range(3):
        iam.create_group(GroupName=f"g{g}")
        iam.attach_group_policy(GroupName=f"g{g}", PolicyArn=shared[g])
    iam.attach_group_policy(GroupName="g1", PolicyArn=READONLY)
    for i in range(users):
        name = f"u{i:03d}"
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=f"g{i % 3}", UserName=name)
        if i % 5 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn=shared[3])
        if i % 7 == 0:
            iam.put_user_policy(
                UserName=name, PolicyName="keys", PolicyDocument=_doc([_allow("iam:CreateAccessKey")])
            )
        if i % 11 == 0:
            iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary["Policy"]["Arn"])
        if i == 13:
            iam.attach_user_policy(UserName=name, PolicyArn=ADMIN)
    for j in range(roles):
        name = f"r{j:02d}"
        who = (
            {"Service": "lambda.amazonaws.com"}
            if j % 4 == 0
            else {"AWS": f"arn:aws:iam::{ACCT}:user/u{j:03d}"}
        )
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(who))
        iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN if j % 4 == 0 else shared[j % 3])
    return acct


@pytest.fixture(scope="module")
def account() -> iamkit.Account:
    return build_account()


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    # spawn: nothing is inherited, so the account really travels by pickling
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as p:
        yield p


# ---- map_tasks --------------------------------------------------------------------------------


def test_map_tasks_order_on_every_executor(pool: ProcessPoolExecutor) -> None:
    tasks = list(range(40))
    expected = [x * x for x in tasks]
    assert _parallel.map_tasks(_slow_square, tasks, executor="serial") == expected
    assert _parallel.map_tasks(_slow_square, tasks, executor=pool) == expected
    with ThreadPoolExecutor(4) as threads:
        assert _parallel.map_tasks(_slow_square, tasks, executor=threads) == expected
    # the default: a small job with no estimate runs serially, here (a lambda could not be pickled)
    assert _parallel.map_tasks(lambda x: -x, [1, 2], executor=None) == [-1, -2]
    assert _parallel.map_tasks(_square, [], executor=pool) == []


def test_map_tasks_exception_names_the_task(pool: ProcessPoolExecutor) -> None:
    names = [f"chunk-{i}" for i in range(8)]
    for ex in ("serial", pool):
        with pytest.raises(KeyError, match="no 5") as info:
            _parallel.map_tasks(_fail_on_five, range(8), executor=ex, desc="demo", names=names)
        assert info.value.__notes__ == ["task 6 of 8 (chunk-5) of demo"]


def test_map_tasks_rejects_bad_executors() -> None:
    with pytest.raises(ValueError, match="'threads'"):
        _parallel.map_tasks(_square, [1], executor="threads")
    with pytest.raises(TypeError, match=r"concurrent\.futures\.Executor"):
        _parallel.map_tasks(_square, [1], executor=42)  # type: ignore[arg-type]


def test_default_executor_decides_by_estimated_cost() -> None:
    assert _parallel.resolve(None) is None
    assert _parallel.resolve(None, 0.01) is None
    big = _parallel.resolve(None, _parallel.POOL_MIN_SECONDS)
    if _parallel.cpu_count() >= 2:
        assert big is _parallel.default_pool()
    else:
        assert big is None
    assert _parallel.resolve("serial", 1e9) is None


def test_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _parallel.map_tasks(_square, range(5), executor="serial", progress=True, desc="squares")
    err = capsys.readouterr().err
    assert "squares: 5/5 tasks (100%)" in err
    _parallel.map_tasks(_square, range(5), executor="serial", progress=False, desc="squares")
    _parallel.map_tasks(_square, range(5), executor="serial", desc="squares")  # < 1 s: nothing
    assert capsys.readouterr().err == ""
    seen: list[tuple[int, int]] = []
    _parallel.map_tasks(_square, range(3), executor="serial", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_progress_appears_after_a_second(capsys: pytest.CaptureFixture[str]) -> None:
    def slow(x: int) -> int:
        time.sleep(0.3)
        return x

    assert _parallel.map_tasks(slow, range(5), executor="serial", desc="slow") == list(range(5))
    err = capsys.readouterr().err
    assert "slow: 5/5 tasks (100%)" in err and "slow: 1/5" not in err


def test_split_and_chunks(pool: ProcessPoolExecutor) -> None:
    parts = _parallel.split(list(range(10)), 3)
    assert parts == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert _parallel.split([], 4) == [[]]
    assert len(_parallel.split(list(range(3)), 10)) == 3
    assert _parallel.chunk_count(None, 1000) == 1
    assert _parallel.chunk_count(pool, 1000) == 8  # 4 per worker
    assert _parallel.chunk_count(pool, 40, min_size=16) == 2


# ---- pickling -------------------------------------------------------------------------------


def test_account_pickle_has_no_secret_and_round_trips(account: iamkit.Account) -> None:
    acct = pickle.loads(pickle.dumps(account))
    iam = acct.client("iam")
    key = iam.create_access_key(UserName="u001")["AccessKey"]
    password = "Correct-Horse-Battery-9"
    iam.create_login_profile(UserName="u002", Password=password)
    blob = pickle.dumps(acct)
    for secret in (key["SecretAccessKey"], password):
        assert secret.encode() not in blob
        assert secret.encode() not in _parallel.ship(acct)._pack()[1]  # nor compressed
        assert secret not in repr(acct)
    back = pickle.loads(blob)
    assert back.to_authorization_details() == acct.to_authorization_details()
    assert back.counts() == acct.counts()
    assert back._native.principals() == acct._native.principals()
    # the analyses of the copy are the original's, statement positions included
    assert back.access_matrix("iam:*").to_csv() == acct.access_matrix("iam:*").to_csv()
    assert back.privilege_escalation() == acct.privilege_escalation()
    assert back.who_can("s3:GetObject").details == acct.who_can("s3:GetObject").details  # type: ignore[attr-defined]
    # an imported account keeps its source's shape through a pickle
    imported = iamkit.Account.from_authorization_details(acct.to_authorization_details())
    again = pickle.loads(pickle.dumps(imported))
    assert again.to_authorization_details() == imported.to_authorization_details()
    assert again.privilege_escalation() == imported.privilege_escalation()


def test_engine_pickles_compactly(account: iamkit.Account) -> None:
    policy = iamkit.Policy.from_json(_doc([_allow("s3:Get*")]), name="p")
    engine = iamkit.Engine(identity_policies=[policy, ADMIN_DOC], permissions_boundary=policy)
    blob = pickle.dumps(engine)
    assert len(blob) < 2 * (len(policy.to_json()) * 2 + len(ADMIN_DOC)) + 600
    back = pickle.loads(blob)
    for action in ("s3:GetObject", "s3:PutObject", "iam:PassRole"):
        assert back.evaluate(action=action).decision == engine.evaluate(action=action).decision


ADMIN_DOC = _doc([_allow("*")])


def test_shipped_object_is_unpickled_once_per_process(account: iamkit.Account) -> None:
    shipped = _parallel.ship(account)
    blob = pickle.dumps(shipped)
    assert len(blob) < len(json.dumps(account.to_authorization_details()))  # compressed
    a, b = pickle.loads(blob), pickle.loads(blob)
    assert a is b  # the second task of a worker reuses the first one's account
    assert a.get().counts() == account.counts()
    assert a.memo("n", lambda acct: len(acct._native.principals())) == 64
    assert b.memo("n", lambda acct: -1) == 64
    assert shipped.get() is account  # in this process: the object itself


# ---- executor= on the analyses ---------------------------------------------------------------


def _executors(pool: ProcessPoolExecutor) -> list[Any]:
    return ["serial", pool, ThreadPoolExecutor(2), "process"]


def test_who_can_on_executors(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    cases = (("iam:PassRole", "*"), ("s3:*", "arn:aws:s3:::data/x"), ("ec2:Describe*", "*"))
    for n, (action, resource) in enumerate(cases):
        serial = account.who_can(action, resource)
        assert len(serial) > 3
        for ex in _executors(pool) if n == 0 else ["serial", pool]:
            got = account.who_can(action, resource, executor=ex)
            assert got == serial, (action, ex)
            assert got.details == serial.details  # type: ignore[attr-defined]
    ctx = {"aws:SourceIp": "203.0.113.7"}
    assert account.who_can("s3:PutObject", context=ctx, executor=pool) == account.who_can(
        "s3:PutObject", context=ctx
    )
    t_serial = account.who_can("iam:PassRole", transitive=True)
    t_pool = account.who_can("iam:PassRole", transitive=True, executor=pool)
    assert t_pool == t_serial and t_pool.details == t_serial.details  # type: ignore[attr-defined]


def test_who_can_unknown_action_on_executor(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    with pytest.raises(iamkit.UnknownActionError, match="iam:PassRole"):
        account.who_can("iam:PasRole", executor=pool)


def test_access_matrix_on_executors(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    for actions in ("iam:*", ["s3:Get*", "ec2:DescribeInstances", "lambda:*"]):
        serial = account.access_matrix(actions)
        assert serial.shape[0] == 64 and any(c for c in serial.row("u013"))
        for ex in _executors(pool):
            m = account.access_matrix(actions, executor=ex)
            assert m.principals == serial.principals and m.actions == serial.actions
            assert m.to_csv() == serial.to_csv(), ex


def test_privilege_escalation_on_executors(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    serial = account.privilege_escalation()
    assert {e["rule"]["id"] for e in serial} >= {"CreateAccessKey"}
    for ex in _executors(pool):
        got = account.privilege_escalation(executor=ex)
        assert [dict(e) for e in got] == [dict(e) for e in serial], ex
        assert [e["principal"] for e in got] == [e["principal"] for e in serial]


def test_reach_graph_and_reach_on_executors(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    serial = account.reach_graph(executor="serial")
    assert len(serial.edges) > 10 and serial.escalations()
    principals = account._native.principals()
    for ex in _executors(pool):
        got = account.reach_graph(executor=ex)
        # Same nodes, edges and order (to_dict is the whole graph as JSON-ready lists).
        assert got.to_dict() == serial.to_dict(), ex
        p = principals[1]
        assert [dict(x) for x in account.reach(p, executor=ex)] == [dict(x) for x in serial.reach(p)]
    # The serial split into ~20 chunks (what executor=None does for a long serial run) merges to
    # the same graph too.
    parts = [account._native.reach_graph(list(c)) for c in _parallel.split(principals, 20)]
    assert iamkit._native.NativeReachGraph.merge(parts).to_json() == serial._native.to_json()
    with pytest.raises(ValueError, match=r"not a user or role"):
        account._native.reach_graph([f"arn:aws:iam::{ACCT}:user/nobody"])


def test_what_can_transitive_on_executors(account: iamkit.Account, pool: ProcessPoolExecutor) -> None:
    principals = account._native.principals()
    for p in (principals[0], principals[-1]):
        serial = account.what_can(p, transitive=True, executor="serial")
        for ex in _executors(pool):
            got = account.what_can(p, transitive=True, executor=ex)
            assert got == serial, ex
            assert list(got) == list(serial)  # services in the same order
            assert got.details["via"] == serial.details["via"]  # type: ignore[attr-defined]


def test_serial_chunks_show_progress(account: iamkit.Account, capsys: pytest.CaptureFixture[str]) -> None:
    m = account.access_matrix("iam:*", executor="serial", progress=True)
    assert capsys.readouterr().err == ""  # one call: nothing to report on
    assert m.to_csv() == account.access_matrix("iam:*").to_csv()


def test_dask_local_cluster_matches_serial(account: iamkit.Account) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ex = client.get_executor()
        assert _parallel.chunk_count(ex, 1000) == 8  # 2 workers x 1 thread, 4 chunks each
        who = account.who_can("iam:PassRole", executor=ex)
        assert who == account.who_can("iam:PassRole")
        assert who.details == account.who_can("iam:PassRole").details  # type: ignore[attr-defined]
        m = account.access_matrix(["iam:*", "s3:Get*"], executor=ex)
        assert m.to_csv() == account.access_matrix(["iam:*", "s3:Get*"]).to_csv()
        graph = account.reach_graph(executor=ex)
        assert graph.to_dict() == account.reach_graph(executor="serial").to_dict()
        with pytest.raises(KeyError) as info:
            _parallel.map_tasks(_fail_on_five, range(6), executor=ex, desc="dask")
        assert info.value.__notes__ == ["task 6 of 6 of dask"]
