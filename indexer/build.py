"""Build or incrementally update the Whoosh index from the corpus store.

Only documents whose stamp changed are (re)indexed; documents gone from the
store are deleted.  The stamps of what the index holds live in a sidecar file
written after Whoosh's atomic commit: a crash in between only means a few
documents are re-indexed next time (``update_document`` is idempotent).

A full (re)build is written into a sibling directory and swapped in by
rename once committed, so a crash mid-build leaves the previous index
searchable.  Large batches are analysed and written by worker processes
(Whoosh's multiprocessing writer, one segment per worker): Whoosh spends
its time per posting in Python, so only more cores make it faster.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError
from whoosh.multiproc import MpWriter, SubWriterTask

from corpus.store import Store
from indexer.schema import SCHEMA_VERSION, make_schema, to_fields

STAMPS_FILE = "danvan-stamps.json"
PARALLEL_MIN_DOCS = 2_000  # below this, worker start-up costs more than it saves
WRITER_LIMIT_MB = 256  # posting pool per writer before it spills sorted runs to disk


class IndexBusy(RuntimeError):
    """Another process is writing the index."""


@dataclass
class IndexReport:
    """What one ``update_index`` run did."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rebuilt: bool = False

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted


PENDING = ".pending"


def _read_stamps(index_dir: Path, generation: int | None = None) -> dict:
    """The stamps of what the index holds.

    Stamps are written as ``.pending`` (with the generation the commit will
    have) before Whoosh commits, and made current after.  A process killed
    in between leaves a pending file: if the index reached that generation,
    the commit happened and the pending stamps are the true ones.
    """
    pending = index_dir / (STAMPS_FILE + PENDING)
    if generation is not None and pending.exists():
        try:
            target = json.loads(pending.read_text("utf-8")).get("generation")
        except (OSError, ValueError):
            target = None
        if target is not None and generation >= target:
            os.replace(pending, index_dir / STAMPS_FILE)
        else:
            pending.unlink(missing_ok=True)
    try:
        data = json.loads((index_dir / STAMPS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("schema_version") != SCHEMA_VERSION:
        return {}
    return data.get("stamps", {})


def _write_stamps(index_dir: Path, stamps: dict, suffix: str = "", generation: int | None = None) -> Path:
    tmp = index_dir / (STAMPS_FILE + ".tmp")
    tmp.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "stamps": stamps, "generation": generation}),
                   "utf-8")
    target = index_dir / (STAMPS_FILE + suffix)
    os.replace(tmp, target)
    return target


def _siblings(index_dir: Path) -> tuple[Path, Path]:
    """Where a rebuild is written, and where the old index waits during the swap."""
    return index_dir.with_name(f".{index_dir.name}.new"), index_dir.with_name(f".{index_dir.name}.old")


def _restore(index_dir: Path) -> None:
    """Undo a swap that a crash interrupted between its two renames."""
    _, old = _siblings(index_dir)
    if not index_dir.exists() and old.exists():
        os.replace(old, index_dir)


def _clear_leftovers(index_dir: Path) -> None:
    """Drop what a crashed rebuild left (call with the index lock held)."""
    for leftover in _siblings(index_dir):
        if leftover.exists():
            shutil.rmtree(leftover)


def _needs_rebuild(index_dir: Path, rebuild: bool) -> bool:
    """True when the index is missing, outdated (other schema version), unfinished or ``rebuild``."""
    stamps_ok = (index_dir / STAMPS_FILE).exists() and _read_stamps(index_dir) != {}
    return rebuild or not (windex.exists_in(str(index_dir)) and stamps_ok)


@contextmanager
def _locked(index_dir: Path):
    """Hold the existing index's write lock (if any) while a rebuild replaces it."""
    lock = None
    if windex.exists_in(str(index_dir)):
        lock = windex.open_dir(str(index_dir)).storage.lock("MAIN_WRITELOCK")
        if not lock.acquire(blocking=False):
            raise IndexBusy(f"the index in {index_dir} is being written by another process; try again when it finishes")
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def _swap_in(new: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` by the committed index in ``new``."""
    _, old = _siblings(index_dir)
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(new, index_dir)
    shutil.rmtree(old, ignore_errors=True)


def _writer(ix: windex.Index, count: int, procs: int | None):
    """A writer for ``count`` documents: parallel when that pays."""
    if procs is None:
        procs = min(os.cpu_count() or 1, 4) if count >= PARALLEL_MIN_DOCS else 1
    # compound=False: Whoosh reads a sub-file of a compound segment into
    # memory (a copy of the postings per open reader, per thread); plain
    # segment files are memory-mapped and shared through the page cache.
    options = {"timeout": 0, "limitmb": WRITER_LIMIT_MB, "compound": False}
    if procs > 1:
        # multisegment: each worker commits its own segment; merging them
        # afterwards would be one more single-core pass over every posting.
        return _ParallelWriter(ix, procs=procs, multisegment=True, batchsize=100, **options)
    return ix.writer(**options)


def _cancel(writer) -> None:
    writer.cancel()
    for task in getattr(writer, "tasks", ()):  # MpWriter.cancel cannot reach its worker processes
        if task.is_alive():
            task.terminate()
            task.join(5)


class _WorkerTask(SubWriterTask):
    """Whoosh's indexing worker, but it dies with the indexing process.

    Otherwise a ``danvan index`` killed with SIGKILL leaves its workers
    blocked on their job queue forever.
    """

    def run(self) -> None:
        _die_with_parent()
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's multiprocessing writer with :class:`_WorkerTask` workers."""

    def _new_task(self):
        task = _WorkerTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                           self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers may outlive a killed parent
        pass


def update_index(store: Store, index_dir: str | Path, *, rebuild: bool = False,
                 progress: Callable[[int], None] | None = None,
                 on_start: Callable[[int], None] | None = None, procs: int | None = None) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with ``store``.

    ``on_start(n)`` is told how many documents will be written, ``progress(k)``
    is called as they are.  ``procs`` worker processes write the documents
    (default: all cores for large batches, 1 for small ones).  Raises
    :class:`IndexBusy` if another writer holds the lock.
    """
    index_dir = Path(index_dir)
    _restore(index_dir)
    if _needs_rebuild(index_dir, rebuild):
        with _locked(index_dir):
            _clear_leftovers(index_dir)
            new, _ = _siblings(index_dir)
            new.mkdir(parents=True)
            try:
                report = _write(store, windex.create_in(str(new), make_schema()), new, {}, True, progress, on_start, procs)
                _swap_in(new, index_dir)
            finally:
                shutil.rmtree(new, ignore_errors=True)
        return report
    ix = windex.open_dir(str(index_dir))
    return _write(store, ix, index_dir, _read_stamps(index_dir, ix.latest_generation()), False,
                  progress, on_start, procs)


def _write(store: Store, ix: windex.Index, index_dir: Path, indexed: dict, fresh: bool,
           progress: Callable[[int], None] | None, on_start: Callable[[int], None] | None,
           procs: int | None) -> IndexReport:
    """Write what changed since ``indexed`` into ``ix``, commit, then record the stamps."""
    report = IndexReport(rebuilt=fresh)
    current = store.stamps()
    to_write = [doc_id for doc_id, stamp in current.items() if indexed.get(doc_id) != stamp]
    to_delete = [doc_id for doc_id in indexed if doc_id not in current]
    report.unchanged = len(current) - len(to_write)
    if not to_write and not to_delete and not fresh:
        return report
    try:
        writer = _writer(ix, len(to_write), procs)
    except LockError as exc:
        raise IndexBusy(f"the index in {index_dir} is being written by another process; try again when it finishes") from exc
    if not fresh:
        _clear_leftovers(index_dir)  # we hold the lock, so no rebuild is running
    try:
        if on_start:
            on_start(len(to_write))
        for doc_id in to_delete:
            writer.delete_by_term("id", doc_id)
            report.deleted += 1
        for n, doc in enumerate(store.documents(to_write), 1):
            if fresh:
                writer.add_document(**to_fields(doc))
            else:
                writer.update_document(**to_fields(doc))
            if doc.id in indexed:
                report.updated += 1
            else:
                report.added += 1
            if progress:
                progress(n)
        # Stamps for the generation this commit creates, so that a kill
        # between the commit and the line after it costs nothing (see _read_stamps).
        pending = _write_stamps(index_dir, current, PENDING, ix.latest_generation() + 1)
        writer.commit()
    except BaseException:
        _cancel(writer)
        (index_dir / (STAMPS_FILE + PENDING)).unlink(missing_ok=True)
        raise
    os.replace(pending, index_dir / STAMPS_FILE)
    return report
