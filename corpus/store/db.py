"""SQLite corpus store: the Documents, and through :attr:`Store.crawl` the crawl's state.

The store is the source of truth; the Whoosh index is derived from it.
WAL mode lets searches and `danvan stats` read while an import writes.
It owns the database: every SQL statement on it is a method here or in
:mod:`corpus.store.crawl_tables`, and :mod:`corpus.store.schema` versions the tables.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from corpus.store import schema
from corpus.store.crawl_tables import CrawlTables
from corpus.extract.genre import rules_source
from corpus.store.document import FIELDS, LIST_FIELDS, SOURCE_FIELDS, Document

MMAP_BYTES = 256 * 2**20  # of the database file that reads may map
BATCH = 500  # ids per query when reading documents by id: well under SQLite's limit on parameters
_LIST_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(ensure_ascii=False) makes anew for each call



class Store:
    """A corpus database file holding Documents."""

    def __init__(self, path: str | Path, any_thread: bool = False, mapped: bool = True) -> None:
        """``any_thread``: the connection may be used by any thread, one call at a time (the caller serializes).
        ``mapped``: reads map the file (see :data:`MMAP_BYTES`); a process that reads each row once (an index
        worker) is better off copying them through SQLite's cache: every mapped page it read counts in its
        memory (up to the map's 256 MB: a segment written alone from a 100,000-document store started at 321 MB
        mapped, 65 MB not)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=not any_thread)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Reads map the file instead of copying it page by page (an export reads thousands of rows by id).
        self.mapped = MMAP_BYTES if mapped else 0
        self.db.execute(f"PRAGMA mmap_size={self.mapped}")
        schema.migrate(self.db)
        self._migrate()
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents_content_hash'").fetchone():
            with self.db:  # an import into an empty store was killed before it built the index (bulk_load)
                self.db.execute(schema.CONTENT_HASH_INDEX)
        self.crawl = CrawlTables(self.db)

    def _migrate(self) -> None:
        """Add Document fields newer than this database file; re-stamp rows when one was added."""
        if not self._missing_columns():
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
            missing = self._missing_columns()
            for name in missing:
                self.db.execute(f"ALTER TABLE documents ADD COLUMN {name} {schema.column_type(name)}")
            if missing:
                # Loading a row applies today's rules (a published date decides the year);
                # the new stamps make the next `danvan index` pick the changes up.
                ids = [row[0] for row in self.db.execute("SELECT id FROM documents")]  # one row in memory at a time
                for doc_id in ids:
                    doc = _from_row(self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone())
                    values = _to_row(doc)
                    assignments = ", ".join(f"{n} = ?" for n in values)
                    self.db.execute(f"UPDATE documents SET {assignments}, stamp = ? WHERE id = ?",
                                    [*values.values(), doc.stamp(), doc.id])

    def _missing_columns(self) -> list[str]:
        have = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
        return [name for name in FIELDS if name not in have]

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around an import: into an empty store, the secondary index is built once at the end, not row by row (its
        random keys were a third of the writes); an import killed meanwhile leaves it to the next opening."""
        empty = not self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
        if empty:
            with self.db:
                self.db.execute("DROP INDEX IF EXISTS documents_content_hash")
        try:
            yield
        finally:
            if empty:
                # Read through SQLite's cache, not the map: mapped, the whole file it reads would count in this
                # process's memory (0.2 s either way at 100,000 documents).
                self.db.execute("PRAGMA mmap_size=0")
                with self.db:
                    self.db.execute(schema.CONTENT_HASH_INDEX)
                self.db.execute(f"PRAGMA mmap_size={self.mapped}")

    def upsert(self, doc: Document) -> str:
        """Insert or update one document; return 'added', 'updated' or 'unchanged'."""
        return next(iter(self.upsert_many([doc])))

    def upsert_many(self, docs: Iterable[Document | Row]) -> Counter:
        """Upsert documents (or their rows, made by :func:`to_row` in a worker) in one transaction; counts per outcome.

        One query reads the stored stamps and one statement writes the changed rows.  A row whose only change
        is where its genre or period came from (``SOURCE_FIELDS``, not stamped) is "updated" too.
        """
        rows = [doc if isinstance(doc, Row) else to_row(doc) for doc in docs]
        outcomes: Counter = Counter()
        changed = []
        sources = [FIELDS.index(name) for name in SOURCE_FIELDS]
        with self.db:
            stored = {row[0]: tuple(row[1:]) for row in
                      self._rows_by_id((row.id for row in rows), ", ".join(["id", "stamp", *SOURCE_FIELDS]))}
            for row in rows:
                before = stored.get(row.id)
                now = (row.stamp, *(row.values[i] for i in sources))
                if before == now:
                    outcomes["unchanged"] += 1
                    continue
                outcomes["added" if before is None else "updated"] += 1
                stored[row.id] = now  # the same id again in this batch compares with this one
                changed.append((*row.values, row.stamp))
            self.db.executemany(_INSERT, changed)
        return outcomes

    def reclassify(self) -> tuple[int, int]:
        """File again by today's genre rules the rows whose genre or period other rules computed (given ones
        stay): (rows checked, rows whose genre or period changed).  The changed ones get new stamps, so the
        next index update reflects them."""
        current = rules_source()
        ids = [row[0] for row in self.db.execute(
            "SELECT id FROM documents WHERE (genre_source LIKE 'rules:%' AND genre_source != ?)"
            " OR (period_source LIKE 'rules:%' AND period_source != ?)", (current, current))]
        changed = 0
        for start in range(0, len(ids), BATCH):
            with self.db:
                # No other writer between reading these rows and writing them back: its rows would be undone.
                self.db.execute("BEGIN IMMEDIATE")
                docs = list(self.documents(ids[start:start + BATCH]))
                changed += sum(doc.reclassify() for doc in docs)
                self.upsert_many(docs)
        return len(ids), changed

    def get(self, doc_id: str) -> Document | None:
        """The document with this id, or None."""
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _from_row(row) if row else None

    def delete(self, doc_id: str) -> bool:
        """Remove a document; True if it existed."""
        with self.db:
            return self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount > 0

    def __iter__(self) -> Iterator[Document]:
        for row in self.db.execute("SELECT * FROM documents ORDER BY id"):
            yield _from_row(row)

    def documents(self, ids: Iterable[str]) -> Iterator[Document]:
        """The documents with these ids, in that order (missing ids are skipped), read in batches."""
        for row in self._rows_by_id(ids, "id, *"):
            yield _from_row(row)

    def fields(self, ids: Iterable[str], names: Sequence[str], text_chars: int | None = None) -> Iterator[dict[str, Any]]:
        """Fields ``names`` of the documents with these ids, in that order (missing ids are skipped), read in batches.

        List fields come decoded; with ``text_chars``, "text" is only its first
        ``text_chars`` characters and "more" says whether the text goes on.
        """
        keys = (*names, "more") if text_chars is not None and "text" in names else tuple(names)
        for row in self.values(ids, names, text_chars):
            yield dict(zip(keys, row))

    def values(self, ids: Iterable[str], names: Sequence[str], text_chars: int | None = None) -> Iterator[tuple]:
        """:meth:`fields` as tuples in ``names`` order (then "more" when the text is cut): no dict per row, for
        the 10,000s of rows of an export."""
        unknown = [name for name in names if name not in FIELDS]
        if unknown:
            raise ValueError(f"not Document fields: {', '.join(unknown)}")
        columns = [f"substr(text, 1, {int(text_chars) + 1}) AS text" if name == "text" and text_chars is not None
                   else name for name in names]
        lists = [i for i, name in enumerate(names) if name in LIST_FIELDS]
        cut = names.index("text") if text_chars is not None and "text" in names else None
        for row in self._rows_by_id(ids, ", ".join(["id", *columns])):
            found = list(row[1:])
            for i in lists:
                found[i] = json.loads(found[i]) if found[i] and found[i] != "[]" else []
            if cut is not None:
                text = found[cut] or ""
                found[cut] = text[:text_chars]
                found.append(len(text) > text_chars)
            yield tuple(found)

    def _rows_by_id(self, ids: Iterable[str], columns: str) -> Iterator[sqlite3.Row]:
        """Rows (first column: id) of the documents with these ids, in that order, ``BATCH`` ids per query."""
        ids = iter(ids)
        while batch := list(islice(ids, BATCH)):
            rows = self.db.execute(f"SELECT {columns} FROM documents WHERE id IN ({', '.join('?' * len(batch))})",
                                   batch).fetchall()
            by_id = {row[0]: row for row in rows}
            for doc_id in batch:
                row = by_id.get(doc_id)
                if row is not None:
                    yield row

    def count(self) -> int:
        """Number of stored documents."""
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def stamps(self) -> dict[str, str]:
        """Map id -> stamp for every document (what the indexer compares)."""
        return {row[0]: row[1] for row in self.db.execute("SELECT id, stamp FROM documents")}

    def text_sizes(self) -> dict[str, int]:
        """Map id -> characters of title and text (how the indexer splits work)."""
        return {row[0]: row[1] for row in
                self.db.execute("SELECT id, coalesce(length(text), 0) + coalesce(length(title), 0) FROM documents")}

    def twin(self, content_hash: str, source: str | None, doc_id: str) -> str | None:
        """The id of another document of ``source`` with this content hash (the same page under another URL)."""
        row = self.db.execute("SELECT id FROM documents WHERE content_hash = ? AND source = ? AND id != ? LIMIT 1",
                              (content_hash, source, doc_id)).fetchone()
        return row[0] if row else None

    def content_hashes(self) -> list[tuple[str, str]]:
        """(id, content hash) of every document."""
        return [(row[0], row[1]) for row in self.db.execute("SELECT id, content_hash FROM documents")]

    def duplicate_links(self) -> list[tuple[str, str | None]]:
        """(id, near_duplicate_of) of every document."""
        return [(row[0], row[1]) for row in self.db.execute("SELECT id, near_duplicate_of FROM documents")]

    def signatures(self) -> dict[str, tuple[str, bytes | None]]:
        """The kept near-duplicate signatures: id -> (content hash they were made from, signature bytes)."""
        return {row[0]: (row[1], row[2])
                for row in self.db.execute("SELECT id, content_hash, signature FROM dedup_signatures")}

    def save_signatures(self, fresh: Iterable[tuple[str, str, bytes | None]], gone: Iterable[str]) -> None:
        """Keep (id, content hash, signature) rows and forget the signatures of ``gone`` ids, in one transaction."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO dedup_signatures (id, content_hash, signature) "
                                "VALUES (?, ?, ?)", fresh)
            self.db.executemany("DELETE FROM dedup_signatures WHERE id = ?", ((i,) for i in gone))

    def commit(self) -> None:
        """Commit what the crawl wrote since the last commit."""
        self.db.commit()

    def rollback(self) -> None:
        """Forget what the crawl wrote since the last commit."""
        self.db.rollback()

    def counts_by(self, column: str) -> list[tuple[Any, int]]:
        """(value, count) for a single-valued column, most frequent first."""
        if column not in ("province", "province_2025", "year", "source", "genre", "period"):
            raise ValueError(f"cannot count by {column!r}")
        return [
            (row[0], row[1])
            for row in self.db.execute(
                f"SELECT {column}, count(*) AS n FROM documents GROUP BY {column} ORDER BY n DESC, {column}"
            )
        ]


@dataclass(frozen=True)
class Row:
    """A Document as its row in the documents table: made where the Document is made, written by the Store."""

    id: str
    values: tuple[Any, ...]  # one per FIELDS name, lists as JSON
    stamp: str

    @property
    def chars(self) -> int:
        """Characters in its values: what holding it costs."""
        return sum(len(value) for value in self.values if isinstance(value, str))


def to_row(doc: Document) -> Row:
    """The row :meth:`Store.upsert_many` writes for ``doc`` (a worker makes it, so the writing process only writes)."""
    return Row(doc.id, tuple(_to_row(doc).values()), doc.stamp())


_INSERT = (f"INSERT OR REPLACE INTO documents ({', '.join([*FIELDS, 'stamp'])}) "
           f"VALUES ({', '.join('?' * (len(FIELDS) + 1))})")


def _to_row(doc: Document) -> dict[str, Any]:
    data = doc.to_dict()
    for name in LIST_FIELDS:
        data[name] = _LIST_JSON.encode(data[name])
    return data


def _from_row(row: sqlite3.Row) -> Document:
    data = {name: row[name] for name in FIELDS}
    for name in LIST_FIELDS:
        data[name] = json.loads(data[name] or "[]")
    return Document(**data)
