"""The corpus database's schema: one version number (``PRAGMA user_version``) and ordered migrations.

A database file is brought to :data:`VERSION` when a :class:`corpus.store.db.Store` opens it:
each migration newer than the file's version runs once, in order, in one transaction, then the
version is written.  A file from before versions (``user_version`` 0) holds some or all of the
tables of version 1, created one by one by older code: migration 1 creates what is missing and
rewrites what older code wrote differently, so it is safe on any such file.

Document columns are the exception: one is added whenever :class:`corpus.store.document.Document`
gains a field (see ``Store._migrate``), as the field list is data, not a schema version.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from corpus.store.document import FIELDS

VERSION = 2


def column_type(name: str) -> str:
    """The SQLite type of a Document field's column."""
    return "INTEGER" if name == "year" else "TEXT"


_COLUMNS = ", ".join(f"{name} {column_type(name)}" for name in FIELDS if name != "id")
# The documents' secondary index (exact duplicates by content): an import into an empty store builds it at the end.
CONTENT_HASH_INDEX = "CREATE INDEX IF NOT EXISTS documents_content_hash ON documents(content_hash)"

# Version 1: every table today's code uses, as it was written before versions (hence IF NOT EXISTS).
V1_TABLES = f"""
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    {_COLUMNS},
    stamp TEXT NOT NULL
);
{CONTENT_HASH_INDEX};
CREATE TABLE IF NOT EXISTS dedup_signatures (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    signature BLOB
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS crawl_sources (
    name TEXT PRIMARY KEY,
    province TEXT,
    config TEXT
);
CREATE TABLE IF NOT EXISTS crawl_urls (
    url TEXT PRIMARY KEY,          -- canonical form
    fetch_url TEXT NOT NULL,       -- the form first seen, requested as is
    source TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'page',   -- page | sitemap | feed
    depth INTEGER NOT NULL DEFAULT 0,    -- link depth; for sitemaps and feeds, sitemap-index nesting
    seq INTEGER NOT NULL,          -- discovery order
    visited_run INTEGER,           -- last run that processed it
    state TEXT NOT NULL DEFAULT 'queued',  -- queued | article | listing | sitemap | attachment | skipped | failed
    http_status INTEGER,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT,
    tries INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    doc_id TEXT,
    priority INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS crawl_urls_due ON crawl_urls(visited_run, depth, seq);
CREATE TABLE IF NOT EXISTS listing_dates (
    url TEXT PRIMARY KEY,          -- canonical form of a linked page
    published TEXT NOT NULL        -- ISO date a listing shows next to the link
);
CREATE TABLE IF NOT EXISTS host_titles (
    host TEXT NOT NULL,
    title TEXT NOT NULL,           -- a <title> seen on the host (the portal's name is its constant part)
    PRIMARY KEY (host, title)
);
CREATE TABLE IF NOT EXISTS crawl_attachments (
    url TEXT PRIMARY KEY,          -- canonical URL of the file
    parent_id TEXT NOT NULL        -- id of the Document of the page linking it (the first one)
);
CREATE TABLE IF NOT EXISTS raw_pages (
    url TEXT PRIMARY KEY,
    final_url TEXT,
    fetched_at TEXT NOT NULL,
    status INTEGER,
    headers TEXT,
    body BLOB
);
"""

# Crawl states written by code from before outcomes, and what they are now.
OLD_STATES = """UPDATE crawl_urls SET state = CASE
    WHEN state = 'gone' THEN 'failed'
    WHEN state IN ('blocked', 'duplicate') THEN 'skipped'
    WHEN state = 'other' AND kind IN ('sitemap', 'feed') THEN 'sitemap'
    WHEN state = 'other' THEN 'skipped'
    ELSE 'article' END
  WHERE state IN ('gone', 'blocked', 'duplicate', 'other', 'not_modified')"""


def _version_1(db: sqlite3.Connection) -> None:
    """Every table; on a file from before versions, the columns and states older code lacked."""
    for statement in statements(V1_TABLES):
        db.execute(statement)
    if "priority" not in _columns(db, "crawl_urls"):  # a crawl from before priorities
        db.execute("ALTER TABLE crawl_urls ADD COLUMN priority INTEGER NOT NULL DEFAULT 1")
    db.execute("CREATE INDEX IF NOT EXISTS crawl_urls_next ON crawl_urls(priority, depth, seq)")
    db.execute(OLD_STATES)


def _version_2(db: sqlite3.Connection) -> None:
    """Where each row's genre and period came from (Document ``genre_source``, ``period_source``).

    Older files did not record it.  A crawled page's genre and period were computed (the crawl has no
    other): they are marked computed by rules older than any version ("rules:"), so the next ``danvan
    index`` files them by today's rules.  Any other row's may have been given by an imported record:
    left unrecorded (NULL), they are never overwritten; importing the record again files it anew.
    """
    columns = _columns(db, "documents")
    missing = [name for name in ("genre_source", "period_source") if name not in columns]
    for name in missing:
        db.execute(f"ALTER TABLE documents ADD COLUMN {name} TEXT")
    if missing and "genre" in columns:  # a file from before genres gets them computed, and marked, on opening
        crawled = "id IN (SELECT doc_id FROM crawl_urls WHERE doc_id IS NOT NULL)"
        db.execute(f"UPDATE documents SET genre_source = 'rules:' WHERE genre IS NOT NULL AND {crawled}")
        db.execute(f"UPDATE documents SET period_source = 'rules:' WHERE {crawled}")


# Ordered: MIGRATIONS[i] brings a file from version i to version i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_version_1, _version_2]
assert len(MIGRATIONS) == VERSION


class SchemaTooNew(RuntimeError):
    """The database file was written by a newer danvan (a schema version this code does not know)."""


def version(db: sqlite3.Connection) -> int:
    """The schema version of an open database file (0: from before versions, or new)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection) -> int:
    """Bring the file to :data:`VERSION`; return the version it had.  Refuses a file from a newer danvan."""
    found = version(db)
    if found > VERSION:
        raise SchemaTooNew(f"this database has schema version {found}, newer than this danvan's ({VERSION}): "
                           f"upgrade danvan")
    if found == VERSION:
        return found
    # executescript/DDL commit implicitly in Python's default mode; manage the transaction by hand.
    saved, db.isolation_level = db.isolation_level, None
    try:
        db.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
        try:
            current = version(db)  # it may have, while this one waited
            for step in MIGRATIONS[current:]:
                step(db)
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.isolation_level = saved
    return found


def statements(script: str) -> list[str]:
    """The SQL statements of a script, one by one (``executescript`` would commit the migration's transaction)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return out


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
