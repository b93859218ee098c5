"""Crawl state in the corpus database: the frontier, runs, and raw pages.

Tables live beside ``documents`` in the same SQLite file (``Store.db``):

- ``crawl_runs``: one row per crawl; a run without ``finished_at`` is resumed
  by the next crawl instead of starting over.
- ``crawl_urls``: every URL discovered, keyed by its canonical form, with the
  run that last visited it, its outcome (``state``: article, listing, sitemap,
  attachment, skipped or failed, with the reason in ``error`` for the last
  two), validators for conditional GET and a priority (lower first: start
  URLs and sitemaps, then pages, then generated-looking URLs).  A URL is due
  in a run when ``visited_run`` is older.
- ``raw_pages``: the last body fetched for a URL, zlib-compressed, with its
  headers, so ``danvan reclean`` can re-run cleaning without fetching.
- ``crawl_sources``: the source settings (province) cleaning needs later.
- ``listing_dates`` and ``host_titles``: what other pages say about a page
  (the date a listing shows beside its link; the <title>s of its host, whose
  constant part is the portal's name).
- ``crawl_attachments``: the page that first linked each attached file (its parent).
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

SCHEMA = """
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

# Every URL taken from the frontier ends in exactly one of these.
OUTCOMES = ("article", "listing", "sitemap", "attachment", "skipped", "failed")
DONE_STATES = ("article", "listing", "sitemap", "attachment")  # worth a conditional request next time
FAILED_STATES = ("failed",)
HOST_TITLES = 40  # <title>s kept per host to learn the portal's name from
# States written by earlier versions, and what they are now.
OLD_STATES = """UPDATE crawl_urls SET state = CASE
    WHEN state = 'gone' THEN 'failed'
    WHEN state IN ('blocked', 'duplicate') THEN 'skipped'
    WHEN state = 'other' AND kind IN ('sitemap', 'feed') THEN 'sitemap'
    WHEN state = 'other' THEN 'skipped'
    ELSE 'article' END
  WHERE state IN ('gone', 'blocked', 'duplicate', 'other', 'not_modified')"""


def now() -> str:
    """UTC timestamp, ISO 8601, seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class QueuedURL:
    """A URL due for fetching in the current run."""

    url: str
    fetch_url: str
    source: str
    kind: str
    depth: int
    etag: str | None
    last_modified: str | None
    state: str


class Frontier:
    """The crawl frontier and raw-page archive over a Store's SQLite connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(crawl_urls)")}
        if "priority" not in columns:  # a store from before priorities
            self.db.execute("ALTER TABLE crawl_urls ADD COLUMN priority INTEGER NOT NULL DEFAULT 1")
        self.db.execute("CREATE INDEX IF NOT EXISTS crawl_urls_next ON crawl_urls(priority, depth, seq)")
        if self.db.execute("SELECT 1 FROM crawl_urls WHERE state IN ('gone', 'blocked', 'duplicate', 'other', "
                           "'not_modified') LIMIT 1").fetchone():
            with self.db:
                self.db.execute(OLD_STATES)
        self._seq = self.db.execute("SELECT coalesce(max(seq), 0) FROM crawl_urls").fetchone()[0]

    # runs -------------------------------------------------------------

    def begin_run(self) -> tuple[int, bool]:
        """Resume the last unfinished run, else start one; returns (run id, resumed)."""
        row = self.db.execute("SELECT id, finished_at FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        if row is not None and row[1] is None:
            return row[0], True
        with self.db:
            cur = self.db.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", (now(),))
        return cur.lastrowid, False

    def finish_run(self, run: int) -> None:
        with self.db:
            self.db.execute("UPDATE crawl_runs SET finished_at = ? WHERE id = ?", (now(), run))

    # sources ------------------------------------------------------------

    def save_source(self, name: str, province: str | None, config: dict) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO crawl_sources (name, province, config) VALUES (?, ?, ?)",
                (name, province, json.dumps(config, ensure_ascii=False)),
            )

    def source_provinces(self) -> dict[str, str | None]:
        return {row[0]: row[1] for row in self.db.execute("SELECT name, province FROM crawl_sources")}

    # URLs ---------------------------------------------------------------

    def add(self, url: str, fetch_url: str, source: str, *, kind: str = "page", depth: int = 0,
            priority: int = 1) -> bool:
        """Queue a URL unless already known; True when it is new."""
        self._seq += 1
        cur = self.db.execute(
            """INSERT OR IGNORE INTO crawl_urls (url, fetch_url, source, kind, depth, seq, priority)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (url, fetch_url, source, kind, depth, self._seq, priority),
        )
        return cur.rowcount > 0

    # hints from other pages ---------------------------------------------

    def save_listing_dates(self, found: dict[str, str]) -> None:
        """Remember the dates listings show beside links (the first listing seen wins)."""
        self.db.executemany("INSERT OR IGNORE INTO listing_dates (url, published) VALUES (?, ?)", found.items())

    def listing_date(self, url: str) -> str | None:
        """The date a listing showed beside a link to ``url``, if any."""
        row = self.db.execute("SELECT published FROM listing_dates WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def host_titles(self, host: str, title: str | None = None, *, keep: int = HOST_TITLES) -> list[str]:
        """The <title>s seen on a host (up to ``keep``), after noting ``title`` among them."""
        if title and self.db.execute("SELECT count(*) FROM host_titles WHERE host = ?", (host,)).fetchone()[0] < keep:
            self.db.execute("INSERT OR IGNORE INTO host_titles (host, title) VALUES (?, ?)", (host, title))
        return [row[0] for row in self.db.execute("SELECT title FROM host_titles WHERE host = ? LIMIT ?",
                                                  (host, keep))]

    def count_known(self, source: str) -> int:
        """How many URLs of a source the frontier holds."""
        return self.db.execute("SELECT count(*) FROM crawl_urls WHERE source = ?", (source,)).fetchone()[0]

    def next_due(self, run: int, sources: list[str]) -> QueuedURL | None:
        """The next URL of these sources not yet visited in this run (breadth first)."""
        marks = ",".join("?" * len(sources))
        row = self.db.execute(
            f"""SELECT url, fetch_url, source, kind, depth, etag, last_modified, state FROM crawl_urls
                WHERE (visited_run IS NULL OR visited_run < ?) AND source IN ({marks})
                ORDER BY priority, depth, seq LIMIT 1""",
            (run, *sources),
        ).fetchone()
        return QueuedURL(*row) if row else None

    def count_due(self, run: int, sources: list[str]) -> int:
        marks = ",".join("?" * len(sources))
        return self.db.execute(
            f"SELECT count(*) FROM crawl_urls WHERE (visited_run IS NULL OR visited_run < ?) AND source IN ({marks})",
            (run, *sources),
        ).fetchone()[0]

    def mark(
        self,
        url: str,
        run: int,
        state: str,
        *,
        status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        doc_id: str | None = None,
        keep_validators: bool = False,
    ) -> None:
        """Record the outcome of visiting a URL in this run."""
        failed = state in FAILED_STATES
        if keep_validators:
            self.db.execute(
                """UPDATE crawl_urls SET visited_run = ?, state = ?, http_status = ?, fetched_at = ?,
                   tries = 0, error = NULL WHERE url = ?""",
                (run, state, status, now(), url),
            )
            return
        self.db.execute(
            """UPDATE crawl_urls SET visited_run = ?, state = ?, http_status = ?, etag = ?, last_modified = ?,
               fetched_at = ?, tries = CASE WHEN ? THEN tries + 1 ELSE 0 END, error = ?,
               doc_id = coalesce(?, CASE WHEN ? = 'article' THEN doc_id ELSE NULL END)
               WHERE url = ?""",
            (run, state, status, etag, last_modified, now(), failed, error, doc_id, state, url),
        )

    def failures(self) -> list[tuple[str, int | None, str | None]]:
        """(url, HTTP status, error) of URLs whose last visit failed."""
        return [
            (r[0], r[1], r[2])
            for r in self.db.execute(
                "SELECT fetch_url, http_status, error FROM crawl_urls WHERE state = 'failed' ORDER BY seq"
            )
        ]

    def states(self) -> dict[str, int]:
        """URLs per state (queued or an outcome)."""
        return {r[0]: r[1] for r in self.db.execute("SELECT state, count(*) FROM crawl_urls GROUP BY state")}

    def reasons(self, state: str) -> dict[str, int]:
        """URLs per reason (``error``) among those in a state, e.g. why pages were skipped."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT coalesce(error, ''), count(*) FROM crawl_urls WHERE state = ? GROUP BY 1 ORDER BY 2 DESC", (state,))}

    def doc_id_of(self, url: str) -> str | None:
        row = self.db.execute("SELECT doc_id FROM crawl_urls WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def link_parent(self, url: str, parent_id: str) -> None:
        """Record the page linking an attached file; the first parent stays."""
        self.db.execute("INSERT OR IGNORE INTO crawl_attachments (url, parent_id) VALUES (?, ?)", (url, parent_id))

    def parent_of(self, url: str) -> str | None:
        """The id of the page that linked an attached file, or None."""
        row = self.db.execute("SELECT parent_id FROM crawl_attachments WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    # raw pages ----------------------------------------------------------

    def save_page(self, url: str, final_url: str, status: int, headers: dict, body: bytes) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO raw_pages (url, final_url, fetched_at, status, headers, body) VALUES (?, ?, ?, ?, ?, ?)",
            (url, final_url, now(), status, json.dumps(headers, ensure_ascii=False), zlib.compress(body, 6)),
        )

    def raw_pages(self):
        """(url, final_url, source, headers, body) of every archived page, oldest first."""
        urls = [r[0] for r in self.db.execute(
            "SELECT p.url FROM raw_pages p LEFT JOIN crawl_urls u ON u.url = p.url ORDER BY u.seq")]
        for url in urls:  # one row at a time: the caller writes documents in between
            row = self.db.execute(
                """SELECT p.url, p.final_url, u.source, p.headers, p.body FROM raw_pages p
                   LEFT JOIN crawl_urls u ON u.url = p.url WHERE p.url = ?""", (url,)).fetchone()
            if row is None:
                continue
            url, final_url, source, headers, body = row
            yield url, final_url, source, json.loads(headers or "{}"), zlib.decompress(body) if body else b""

    def count_pages(self) -> int:
        return self.db.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
