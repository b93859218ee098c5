"""Serving the app with waitress, in one process or in several sharing one port.

Searches and exports are CPU-bound Python: one process uses one core
whatever its thread count.  The listening sockets (one per address the host
resolves to) are opened once, and the app is made once, before them; with
``workers`` > 1 that many forked processes share it (each opening its own
file handles after the fork) and accept connections from them.  The parent
only supervises: a worker that dies is replaced, after a pause that grows
while workers keep dying at start, and the parent gives up after a few such
failures in a row; SIGTERM or Ctrl+C stops them all, and workers die with
the parent even when it is killed.
"""
from __future__ import annotations

import ctypes
import gc
import os
import resource
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
RESTART_PAUSE = 1.0  # seconds before replacing a dead worker; doubled after each quick failure
MAX_RESTART_PAUSE = 30.0
QUICK_FAILURE = 10.0  # a worker that ends sooner than this after its start failed at start
MAX_QUICK_FAILURES = 5  # quick failures in a row before the supervisor gives up

# Waitress settings for a server that may face careless or hostile clients.
# Connections waiting for their headers cost a file descriptor, not a thread:
# many are allowed (waitress: 100, which 150 half-open sockets exhausted), and
# idle ones are dropped sooner (waitress: after 120 s, checked every 30 s).
# The loop polls (poll()) rather than select()s: select() takes no descriptor numbered 1024 or more, which a
# thousand connections beside the index's files reach.
# A public deployment still belongs behind a reverse proxy (README).
CONNECTION_LIMIT = 1000
HEAPS = 2  # malloc heaps (glibc arenas) a server process keeps (see _fewer_heaps)
M_ARENA_MAX = -8  # glibc's mallopt() parameter number
CHANNEL_TIMEOUT = 30
CLEANUP_INTERVAL = 5


class WorkersFailing(RuntimeError):
    """Workers kept failing right after their start: serving was given up."""


def serve(make_app: Callable[[], object], host: str, port: int, threads: int, workers: int = 1,
          forked: Callable[[object], None] | None = None) -> None:
    """Serve ``make_app()`` on every address of ``host``:``port`` until interrupted; with several ``workers``,
    each calls ``forked(app)`` first (to open its own file handles).

    Raises OSError if it cannot listen, :class:`WorkersFailing` if workers keep dying at start.
    """
    from waitress import serve as waitress_serve

    _fewer_heaps()
    # The app (and what it loads at start) is made once, before the port opens and before any fork: the
    # first request does not wait for it, and workers share what it read (copy-on-write) instead of each
    # reading its own.
    ready = make_app()
    # What the start read stays for the process's life: the collector no longer walks it.  A full collection
    # went through every table the warm-up read (~90 ms at 100k documents, about once in 100 searches, inside
    # whichever request set it off), and in forked workers it would write to each of those objects' pages.
    gc.freeze()
    listeners = listen(host, port)
    _allow_descriptors(CONNECTION_LIMIT + 64)

    def run() -> None:
        if workers > 1 and forked is not None:
            forked(ready)
        waitress_serve(ready, sockets=listeners, threads=threads, ident="danvan", _quiet=True,
                       connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT,
                       cleanup_interval=CLEANUP_INTERVAL, asyncore_use_poll=True)

    try:
        if workers == 1:
            run()
        else:
            _supervise(run, workers)
    finally:
        for listener in listeners:
            listener.close()


def _fewer_heaps() -> None:
    """At most HEAPS malloc heaps (glibc gives each new thread its own, up to 8 per core, and each keeps what
    its requests freed: a worker's memory grew by hundreds of MB under exports); the GIL lets one thread run at a
    time anyway."""
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, HEAPS)
    except (OSError, AttributeError):  # not glibc
        pass


def listen(host: str, port: int) -> list[socket.socket]:
    """A listening socket on each distinct address ``host`` resolves to (as waitress does); raises OSError."""
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    addresses = {}
    for family, _, _, _, address in found:
        # The same address may come back twice (once per protocol, or with a zone index).
        addresses.setdefault((family, address[0].split("%", 1)[0], address[1]), (family, address))
    listeners: list[socket.socket] = []
    try:
        for family, address in addresses.values():
            # An IPv6 socket takes IPv6 only, so "::" and "0.0.0.0" can both be bound.
            listeners.append(socket.create_server(address, family=family, backlog=1024))
    except OSError:
        for listener in listeners:
            listener.close()
        raise
    return listeners


def _allow_descriptors(wanted: int) -> None:
    """Raise this process's open-file limit towards ``wanted`` (each connection is one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _supervise(run_worker: Callable[[], None], workers: int) -> None:
    """Keep ``workers`` forked processes running ``run_worker`` until SIGTERM or Ctrl+C.

    One function (~70 lines) on purpose: the fork, the signal masks around it and the reaping loop share state
    whose order matters (a stop arriving during a fork must not be lost); split, that order would be harder to see.
    """
    from corpus.store.workers import die_with_parent

    parent = os.getpid()
    children: dict[int, float] = {}  # pid -> when it started
    quick_failures = 0

    def start() -> None:
        # Stop signals are blocked across the fork: a handler that runs inside
        # fork's own hooks has its exception swallowed (the stop would be
        # lost), and a new worker must never run the parent's handler.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid:
            children[pid] = time.monotonic()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a pending stop is raised here
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        code = 0
        try:
            die_with_parent(parent)
            run_worker()
        except KeyboardInterrupt:
            pass
        except BaseException as exc:  # noqa: BLE001 - report, then leave: the parent decides what next
            if quick_failures:  # the same failure again, most likely: one line, not the traceback
                print(f"danvan: worker {os.getpid()} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            else:
                traceback.print_exc()
            code = 1
        finally:
            os._exit(code)

    def stop(signum, frame):
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for _ in range(workers):
            start()
        while True:
            pid, status = os.wait()
            started = children.pop(pid, None)
            if started is None:
                continue
            lived = time.monotonic() - started
            quick_failures = quick_failures + 1 if lived < QUICK_FAILURE else 0
            if quick_failures >= MAX_QUICK_FAILURES:
                raise WorkersFailing(
                    f"workers failed {quick_failures} times in a row within {QUICK_FAILURE:.0f} s of their start "
                    f"(last: {_describe(status)}); stopped: fix the error shown above, then start again")
            pause = min(RESTART_PAUSE * 2 ** max(quick_failures - 1, 0), MAX_RESTART_PAUSE)
            print(f"danvan: worker {pid} ended ({_describe(status)}); starting another"
                  + (f" in {pause:g} s" if quick_failures else ""), file=sys.stderr)
            time.sleep(pause)
            start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"
