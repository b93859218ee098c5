"""Worker processes for CPU-bound work over documents: forked, dying with their parent, results in order.

Used by the importer (extraction), the index build (analysis) and the server (waitress workers).
"""
from __future__ import annotations

import collections
import ctypes
import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WINDOW = 4  # tasks queued per worker: keeps both cores busy, memory bounded whatever the input size


def die_with_parent(parent: int) -> None:
    """In a forked worker: be killed when process ``parent`` dies.

    A worker orphaned otherwise goes on forever (waiting for work, or
    serving the port), and it holds the dead parent's stdout and stderr
    open, so a caller reading them hangs.
    """
    try:
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers may outlive a killed parent
        pass
    if os.getppid() != parent:  # the parent died before the line above: no signal will come
        os._exit(1)


def ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``func(item)`` for each item, in order, in up to ``workers`` forked processes.

    Items are read lazily (at most ``workers * WINDOW`` in flight), so a stream of any
    length runs in bounded memory.  A single item, or ``workers`` <= 1, runs here
    without a pool.  A worker that dies (killed, out of memory) raises
    ``BrokenProcessPool`` instead of hanging; the other workers are stopped.
    Forked, not spawned: spawned workers would re-run a calling script's unguarded
    main code; ``func`` and the items must pickle.
    """
    items = iter(items)
    head = list(itertools.islice(items, 2))
    if workers <= 1 or len(head) < 2:
        yield from map(func, itertools.chain(head, items))
        return
    pool = forked_pool(workers)
    pending: collections.deque = collections.deque()
    try:
        for item in itertools.chain(head, items):
            pending.append(pool.submit(func, item))
            if len(pending) >= workers * WINDOW:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:  # includes GeneratorExit: the caller stopped reading
        stop(pool)  # do not wait for work nobody will read
        raise
    pool.shutdown()


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes that die with this one (:func:`die_with_parent`).

    A ProcessPoolExecutor fails when a worker dies (out of memory, killed), where a
    multiprocessing.Pool would wait forever for its task; forked, not spawned (see
    :func:`ordered_map`).
    """
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def stop(pool: ProcessPoolExecutor) -> None:
    """End ``pool``'s workers now, without waiting for their tasks (a caller that failed or stopped reading)."""
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()

