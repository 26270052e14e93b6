"""Worker processes for a run: forked from it, and gone the moment it is (kill -9 included).

A worker forked from the run inherits its open files, the month's lock among them; a worker
outliving a killed run would keep that lock held and keep writing into the staging folder.
So every worker asks Linux to SIGKILL it when the run dies (PR_SET_PDEATHSIG) — elsewhere it
watches for the run's end itself — and exits at once if the run is already gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence

from pipeline.errors import SalesReportError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PDEATHSIG = sys.platform.startswith("linux")  # elsewhere a thread in each worker watches for the run's end
ORPHAN_POLL_SECONDS = 0.2

_job: tuple[Callable, Any] | None = None  # what a worker runs, set when it starts


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _die_with(parent: int) -> None:
    if _PDEATHSIG:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the run died before the request took effect
        os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    """Where there is no parent-death signal (macOS, BSD): exit soon after the run is gone."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_SECONDS)
    os._exit(1)


def _start(parent: int, function: Callable, state: Any) -> None:
    global _job
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the run to handle, once
    _job = (function, state)


def _call(item):
    function, state = _job
    return function(state, item)


@contextlib.contextmanager
def mapped(function: Callable[[Any, Any], Any], state: Any, items: Sequence, workers: int) -> Iterator[Iterator]:
    """`function(state, item)` for every item, yielded in order as they finish, over up to
    `workers` forked processes (in this process when one is enough).

    `state` reaches the workers by fork, never pickled: it may be large. Leaving the block
    early cancels what has not started and waits for what has.
    """
    workers = min(workers, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield (function(state, item) for item in items)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start, initargs=(os.getpid(), function, state))
    # The run's objects (the month's figures) moved out of the collector's reach before the
    # fork: a worker's garbage collections then never write to, and so copy, their pages.
    gc.freeze()
    try:
        with warnings.catch_warnings():
            # Python ≥ 3.12 warns on fork once numpy's threads exist; they hold no lock the worker needs.
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            results = pool.map(_call, items)  # forks every worker now, from this thread
        yield _checked(results)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _checked(results: Iterator) -> Iterator:
    try:
        yield from results
    except BrokenProcessPool as error:
        raise SalesReportError("工作进程意外退出（内存不足或被系统终止？），本次未写入任何文件") from error
