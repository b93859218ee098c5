"""Serving the app with waitress, in one process or in several sharing one port.

Searches and exports are CPU-bound Python: one process uses one core
whatever its thread count.  With ``workers`` > 1 the listening socket is
opened once, then that many forked processes, each building its own app
(and index readers) after the fork, accept connections from it.  The
parent only supervises: a worker that dies is replaced, SIGTERM or Ctrl+C
stops them all, and workers die with the parent even when it is killed.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

RESTART_PAUSE = 1.0  # seconds before replacing a dead worker: one that dies at start must not spin
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def serve(make_app: Callable[[], object], host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve ``make_app()`` on ``host``:``port`` until interrupted.  Raises OSError if it cannot listen."""
    from waitress import serve as waitress_serve

    if workers == 1:
        waitress_serve(make_app(), host=host, port=port, threads=threads, ident="danvan", _quiet=True)
        return
    listener = _listen(host, port)

    def run_worker() -> None:
        waitress_serve(make_app(), sockets=[listener], threads=threads, ident="danvan", _quiet=True)

    _supervise(run_worker, workers)


def _listen(host: str, port: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return socket.create_server(address, family=family, backlog=1024)


def _supervise(run_worker: Callable[[], None], workers: int) -> None:
    """Keep ``workers`` forked processes running ``run_worker`` until SIGTERM or Ctrl+C."""
    from corpus.processes import die_with_parent

    parent = os.getpid()
    children: set[int] = set()

    def start() -> None:
        # Stop signals are blocked across the fork: a handler that runs inside
        # fork's own hooks has its exception swallowed (the stop would be
        # lost), and a new worker must never run the parent's handler.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid:
            children.add(pid)
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
        except BaseException:  # noqa: BLE001 - report, then leave: the parent starts another
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
            if pid in children:
                children.discard(pid)
                print(f"danvan: worker {pid} ended ({_describe(status)}); starting another", file=sys.stderr)
                time.sleep(RESTART_PAUSE)
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
