"""Build or incrementally update the Whoosh index from the corpus store.

Only documents whose stamp changed are (re)indexed; documents gone from the
store are deleted.  The stamps of what the index holds live in a sidecar file
written after Whoosh's atomic commit: a crash in between only means a few
documents are re-indexed next time (``update_document`` is idempotent).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError

from corpus.store import Store
from indexer.schema import SCHEMA_VERSION, make_schema, to_fields

STAMPS_FILE = "danvan-stamps.json"


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


def _read_stamps(index_dir: Path) -> dict:
    try:
        data = json.loads((index_dir / STAMPS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("schema_version") != SCHEMA_VERSION:
        return {}
    return data.get("stamps", {})


def _write_stamps(index_dir: Path, stamps: dict) -> None:
    tmp = index_dir / (STAMPS_FILE + ".tmp")
    tmp.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "stamps": stamps}), "utf-8")
    os.replace(tmp, index_dir / STAMPS_FILE)


def _open_or_create(index_dir: Path, rebuild: bool) -> tuple[windex.Index, bool]:
    """Open the index, or create it when missing, outdated or ``rebuild``."""
    stamps_ok = (index_dir / STAMPS_FILE).exists() and _read_stamps(index_dir) != {}
    if not rebuild and windex.exists_in(str(index_dir)) and stamps_ok:
        return windex.open_dir(str(index_dir)), False
    # Missing, outdated (other schema version) or never finished: start afresh.
    if index_dir.exists():
        _check_not_locked(index_dir)
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    return windex.create_in(str(index_dir), make_schema()), True


def _check_not_locked(index_dir: Path) -> None:
    if not windex.exists_in(str(index_dir)):
        return
    lock = windex.open_dir(str(index_dir)).storage.lock("MAIN_WRITELOCK")
    if not lock.acquire(blocking=False):
        raise IndexBusy(f"the index in {index_dir} is being written by another process; try again when it finishes")
    lock.release()


def update_index(store: Store, index_dir: str | Path, *, rebuild: bool = False,
                 progress: Callable[[int], None] | None = None,
                 on_start: Callable[[int], None] | None = None) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with ``store``.

    ``on_start(n)`` is told how many documents will be written, ``progress(k)``
    is called as they are.  Raises :class:`IndexBusy` if another writer holds
    the lock.
    """
    index_dir = Path(index_dir)
    ix, fresh = _open_or_create(index_dir, rebuild)
    report = IndexReport(rebuilt=fresh)
    indexed = {} if fresh else _read_stamps(index_dir)
    current = store.stamps()
    to_write = [doc_id for doc_id, stamp in current.items() if indexed.get(doc_id) != stamp]
    to_delete = [doc_id for doc_id in indexed if doc_id not in current]
    report.unchanged = len(current) - len(to_write)
    if not to_write and not to_delete and not fresh:
        return report
    try:
        writer = ix.writer(timeout=0)
    except LockError as exc:
        raise IndexBusy(f"the index in {index_dir} is being written by another process; try again when it finishes") from exc
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
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _write_stamps(index_dir, current)
    return report
