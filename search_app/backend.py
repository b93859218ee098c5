"""The app's handle on a data directory: the shared query service and the store."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus.store import config
from corpus.store.db import Store
from indexer.search import IndexMissing, SearchService


class Backend:
    """Opens the query service lazily and keeps one for all threads; counts exports running."""

    def __init__(self, home: str | Path | None, exports_at_once: int = 2) -> None:
        self._explicit = home
        self._service: SearchService | None = None
        self._lock = threading.Lock()
        # An export holds a thread and seconds of CPU while it streams: a few
        # clients looping exports must not take every thread of the process.
        self._exports = threading.BoundedSemaphore(exports_at_once)

    def start_export(self) -> Callable[[], None] | None:
        """Take an export slot: the function that gives it back (once, however often called), or None if all are taken."""
        if not self._exports.acquire(blocking=False):
            return None
        taken = [True]
        lock = threading.Lock()

        def release() -> None:
            with lock:
                if not taken:
                    return
                taken.clear()
            self._exports.release()

        return release

    @property
    def home(self) -> Path:
        """The data directory (resolved when first needed, not at import)."""
        return config.data_dir(self._explicit)

    def service(self) -> SearchService:
        """The query service; raises ``IndexMissing`` until an index is built."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    # Not cached when missing: the next request retries, so an
                    # index built while the server runs is picked up.
                    self._service = SearchService(config.index_path(self.home))
        return self._service

    def warm(self) -> None:
        """Open the query service and read what every search needs, if there is an index yet."""
        try:
            self.service().warm()
        except IndexMissing:
            pass  # pages say so until `danvan index` runs

    def reopen(self) -> None:
        """After a fork: the query service reads its files through handles of this process (see
        :meth:`indexer.search.SearchService.reopen`); what it has read stays shared with the parent."""
        if self._service is not None:
            self._service.reopen()

    @contextmanager
    def store(self) -> Iterator[Store | None]:
        """The corpus store for this request, or None when the data dir has none."""
        path = config.store_path(self.home)
        if not path.is_file():
            yield None
            return
        store = Store(path)
        try:
            yield store
        finally:
            store.close()
