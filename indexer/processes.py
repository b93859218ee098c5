"""Helpers for the worker processes that indexing and serving fork."""
from __future__ import annotations

import os


def die_with_parent(parent: int) -> None:
    """In a forked worker: be killed when process ``parent`` dies.

    A worker orphaned otherwise goes on forever (waiting for work, or
    serving the port), and it holds the dead parent's stdout and stderr
    open, so a caller reading them hangs.
    """
    try:
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers may outlive a killed parent
        pass
    if os.getppid() != parent:  # the parent died before the line above: no signal will come
        os._exit(1)
