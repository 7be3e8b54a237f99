"""Running many independent tasks on an executor: a process pool, a Dask cluster, Ray, or serially.

:func:`map_tasks` is the one place where iamkit's analyses over many principals, actions or
accounts fan out (``account.who_can(..., executor=...)``, ``account.access_matrix``,
``account.privilege_escalation``, ``iamkit.Organization``). Results always come back in task
order and are identical to the serial run: the executor changes where the work runs, never
what it computes.

``executor`` takes

* ``None`` (the default): a process pool sized to the machine's CPUs when the work is large
  enough to pay for starting it (see :data:`POOL_MIN_SECONDS`), else serial;
* ``"serial"``: in this process, one task after the other;
* ``"process"``: the shared process pool, whatever the size of the work;
* any :class:`concurrent.futures.Executor`: a ``ProcessPoolExecutor``, a Dask client's
  ``client.get_executor()``, Ray's ``ray.util.RayExecutor``, ... The executor is used, never
  shut down.

Tasks are pickled to reach the workers, so ``fn`` must be a module-level function and each
task picklable (iamkit's ``Account``, ``Engine`` and ``Policy`` are). An exception raised by a
task is re-raised here unchanged (same type, same message) with a note naming the task:
``task 3 of 8 (principals 3000-3999) of who_can``.

Progress is shown for work that lasts longer than a second (``progress=None``): a ``tqdm``
bar when running inside a Jupyter kernel and ``tqdm`` is installed (it is optional), else a
line on standard error. ``progress=True`` shows it from the start, ``progress=False`` never, and
a callable receives ``(done, total)`` after each task.

>>> from iamkit._parallel import map_tasks
>>> map_tasks(abs, [-3, 1, -2], executor="serial")
[3, 1, 2]
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import hashlib
import multiprocessing
import os
import pickle
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

__all__ = [
    "POOL_MIN_SECONDS",
    "ExecutorArg",
    "Progress",
    "Shipped",
    "chunk_count",
    "cpu_count",
    "default_pool",
    "map_tasks",
    "ship",
    "shutdown_default_pool",
    "split",
]

T = TypeVar("T")
R = TypeVar("R")

#: What ``executor=`` takes: ``None``, ``"serial"``, ``"process"`` or an Executor.
ExecutorArg = cf.Executor | str | None
#: What ``progress=`` takes: ``None`` (after a second), ``True``, ``False`` or ``f(done, total)``.
Progress = bool | Callable[[int, int], None] | None

#: The default (``executor=None``) runs on the process pool only when the caller estimates the
#: serial run at this many seconds or more. A pool run has fixed costs that serial work does
#: not: starting the workers and importing iamkit in each (about 0.3 s on the project's 2-core
#: machine), and rebuilding the account in each worker from its pickle (a 50,000-principal
#: account: 2.4-3.5 s of import, BENCHMARKS.md "Scale: 50,000 principals"). Below 2 s of work
#: those costs cannot be won back; above it the pool is used, and the more cores (or cluster
#: machines) the executor has, the more it gains. The serial runs already use ``threads`` threads
#: in Rust for the matrix, so on a 2-core machine the pool cannot beat them by much. The pool,
#: once started, is kept for the next analyses (and shut down at exit).
POOL_MIN_SECONDS = 2.0

#: Progress appears once a run has lasted this long (``progress=None``).
PROGRESS_AFTER_SECONDS = 1.0

_POOL: cf.ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_pool() -> cf.ProcessPoolExecutor:
    """The shared process pool (one worker per CPU), started on first use and kept until the
    interpreter exits. Workers are started with ``forkserver`` where available (``spawn``
    elsewhere): never ``fork``, which would copy the locks of this process's threads."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            _POOL = cf.ProcessPoolExecutor(max_workers=cpu_count(), mp_context=ctx)
        return _POOL


def shutdown_default_pool() -> None:
    """Stops the shared process pool (a later analysis starts a new one)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_default_pool)


def workers_of(executor: cf.Executor) -> int:
    """How many tasks ``executor`` runs at once, as far as it can be told (else the CPUs)."""
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        try:
            info = client.scheduler_info()
            total = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
            if total > 0:
                return total
        except Exception:  # a client that cannot answer: fall back to the CPUs
            pass
    return cpu_count()


def resolve(executor: ExecutorArg, estimate_seconds: float | None = None) -> cf.Executor | None:
    """The executor to run on, or ``None`` for serial (see the module's doc)."""
    if executor is None:
        if estimate_seconds is None or estimate_seconds < POOL_MIN_SECONDS or cpu_count() < 2:
            return None
        return default_pool()
    if isinstance(executor, str):
        if executor == "serial":
            return None
        if executor == "process":
            return default_pool()
        raise ValueError(
            f"executor={executor!r}: expected 'serial', 'process', None or a concurrent.futures.Executor"
        )
    if not isinstance(executor, cf.Executor) and not callable(getattr(executor, "submit", None)):
        raise TypeError(
            "executor must be a concurrent.futures.Executor (ProcessPoolExecutor, a Dask client's "
            f"get_executor(), ...), 'serial', 'process' or None, not {type(executor).__name__}"
        )
    return executor


def chunk_count(executor: cf.Executor | None, items: int, *, per_worker: int = 4, min_size: int = 1) -> int:
    """How many chunks to split ``items`` into for ``executor``: a few per worker (so that a
    slow worker does not hold up the end), none smaller than ``min_size`` items, one when
    serial."""
    if executor is None or items <= 0:
        return 1
    n = workers_of(executor) * per_worker
    return max(1, min(n, items // max(1, min_size)))


def split(items: Sequence[T], parts: int) -> list[Sequence[T]]:
    """``items`` cut into ``parts`` consecutive slices of near-equal length (none empty)."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out: list[Sequence[T]] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class _Reporter:
    """Shows progress as :func:`map_tasks` asks (a tqdm bar in notebooks, stderr otherwise)."""

    def __init__(self, progress: Progress, total: int, desc: str) -> None:
        self.total = total
        self.desc = desc or "tasks"
        self.start = time.monotonic()
        self.callback: Callable[[int, int], None] | None = None
        self.enabled = progress is not False and total > 0
        self.eager = progress is True
        if callable(progress) and not isinstance(progress, bool):
            self.callback = progress
            self.enabled = False
        self.bar: Any = None
        self.shown = False
        self.last_line = 0.0
        self.done = 0
        self.tty = bool(getattr(sys.stderr, "isatty", lambda: False)())

    def _open(self) -> None:
        self.shown = True
        if _in_notebook():
            try:
                from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=self.total, desc=self.desc, unit="task")
                self.bar.update(self.done)

    def update(self, done: int) -> None:
        self.done = done
        if self.callback is not None:
            self.callback(done, self.total)
            return
        if not self.enabled:
            return
        now = time.monotonic()
        if not self.shown:
            if not self.eager and now - self.start < PROGRESS_AFTER_SECONDS:
                return
            self._open()
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()
            return
        # stderr: rewrite one line on a terminal; otherwise a line at most every second (logs).
        if done < self.total and not self.tty and now - self.last_line < 1.0:
            return
        self.last_line = now
        pct = 100 * done // self.total
        text = f"{self.desc}: {done}/{self.total} tasks ({pct}%), {now - self.start:.1f} s"
        sys.stderr.write(("\r" + text) if self.tty else (text + "\n"))
        if self.tty and done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.shown and self.tty and self.done < self.total:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _with_note(exc: BaseException, note: str) -> BaseException:
    """``exc`` with ``note`` added (``add_note`` from Python 3.11; ``__notes__`` before)."""
    add = getattr(exc, "add_note", None)
    if callable(add):
        add(note)
    else:  # Python 3.10: kept for callers that read __notes__
        notes = list(getattr(exc, "__notes__", []))
        notes.append(note)
        with contextlib.suppress(AttributeError):
            exc.__notes__ = notes  # type: ignore[attr-defined]
    return exc


def _task_name(i: int, total: int, names: Sequence[str] | None, desc: str) -> str:
    label = f" ({names[i]})" if names is not None and i < len(names) else ""
    of = f" of {desc}" if desc else ""
    return f"task {i + 1} of {total}{label}{of}"


def map_tasks(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    executor: ExecutorArg = None,
    progress: Progress = None,
    desc: str = "",
    names: Sequence[str] | None = None,
    estimate_seconds: float | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]``, run on ``executor``; results in task order.

    ``executor``: ``None`` (a process pool when ``estimate_seconds`` — the caller's estimate of
    the serial run — reaches :data:`POOL_MIN_SECONDS`, else serial), ``"serial"``,
    ``"process"`` or a :class:`concurrent.futures.Executor`. ``names``: a label per task for
    progress and errors. An exception from a task is re-raised as it was raised, with a note
    naming the task; the tasks not yet started are cancelled.

    >>> map_tasks(len, ["ab", "c", ""], executor="serial", names=["x", "y", "z"])
    [2, 1, 0]
    """
    items = list(tasks)
    ex = resolve(executor, estimate_seconds)
    reporter = _Reporter(progress, len(items), desc)
    results: list[Any] = [None] * len(items)
    try:
        if ex is None:
            for i, t in enumerate(items):
                try:
                    results[i] = fn(t)
                except Exception as e:
                    raise _with_note(e, _task_name(i, len(items), names, desc)) from None
                reporter.update(i + 1)
            return results
        futures = {ex.submit(fn, t): i for i, t in enumerate(items)}
        done = 0
        try:
            for f in cf.as_completed(futures):
                i = futures[f]
                try:
                    results[i] = f.result()
                except Exception as e:
                    raise _with_note(e, _task_name(i, len(items), names, desc)) from None
                done += 1
                reporter.update(done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        return results
    finally:
        reporter.close()


# ---- shipping one large object (an account) to every worker once -----------------------------

#: Objects received by this (worker) process, most recent last: a worker that runs several
#: chunks of one analysis unpickles the account once.
_RECEIVED: OrderedDict[str, Shipped[Any]] = OrderedDict()
_RECEIVED_MAX = 4
_RECEIVED_LOCK = threading.Lock()


class Shipped(Generic[T]):
    """One object (an :class:`iamkit.Account`, an engine ...) that every task of a run needs,
    pickled once here (zlib-compressed) and unpickled once per worker process, however many of
    the run's tasks that worker gets. :meth:`memo` keeps what a worker derives from it (the
    reach graph of an account) for the next task.

    In this process (serial runs, thread pools) the object itself is used, never a copy.
    """

    __slots__ = ("_blob", "_lock", "_memo", "_obj", "_wire", "key")

    def __init__(
        self, obj: T, blob: bytes | None = None, key: str | None = None, *, wire: Any = None
    ) -> None:
        self._obj = obj
        self._wire = obj if wire is None else wire
        self._blob = blob
        self.key = key or ""
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _pack(self) -> tuple[str, bytes]:
        with self._lock:
            if self._blob is None:
                self._blob = zlib.compress(pickle.dumps(self._wire, protocol=pickle.HIGHEST_PROTOCOL), 1)
                self.key = hashlib.sha256(self._blob).hexdigest()[:32]
            return self.key, self._blob

    @property
    def size(self) -> int:
        """Bytes sent to each worker (compressed pickle)."""
        return len(self._pack()[1])

    def get(self) -> T:
        """The object."""
        return self._obj

    def memo(self, name: str, make: Callable[[T], R]) -> R:
        """``make(obj)``, computed once per process and name."""
        with self._lock:
            if name not in self._memo:
                self._memo[name] = make(self._obj)
            value: R = self._memo[name]
            return value

    def __reduce__(self) -> tuple[Any, ...]:
        return (_receive, self._pack())


def _receive(key: str, blob: bytes) -> Shipped[Any]:
    with _RECEIVED_LOCK:
        hit = _RECEIVED.get(key)
        if hit is not None:
            _RECEIVED.move_to_end(key)
            return hit
    shipped: Shipped[Any] = Shipped(pickle.loads(zlib.decompress(blob)), blob, key)
    with _RECEIVED_LOCK:
        _RECEIVED[key] = shipped
        while len(_RECEIVED) > _RECEIVED_MAX:
            _RECEIVED.popitem(last=False)
    return shipped


def ship(obj: T, *, wire: Any = None) -> Shipped[T]:
    """Wraps ``obj`` for tasks: see :class:`Shipped`. ``wire``: what to pickle instead of
    ``obj`` (an object that unpickles as an equivalent of ``obj``, such as
    :class:`iamkit._account.AnalysisAccount` for an account)."""
    return Shipped(obj, wire=wire)
