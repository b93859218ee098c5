"""The crawl's tables in the corpus database, as named methods (the SQL the crawl needs, and only here).

Tables (created by :mod:`corpus.store.schema`):

- ``crawl_runs``: one row per crawl; a run without ``finished_at`` is resumed
  by the next crawl instead of starting over.
- ``crawl_urls``: every URL discovered, keyed by its canonical form, with the
  run that last visited it, its outcome (``state``, with the reason in ``error``
  for skipped and failed ones), validators for conditional GET and a priority
  (lower first).  A URL is due in a run when ``visited_run`` is older.
- ``raw_pages``: the last body fetched for a URL, zlib-compressed, with its
  headers, so ``danvan reclean`` can re-run cleaning without fetching.
- ``crawl_sources``: the source settings (province) cleaning needs later.
- ``listing_dates`` and ``host_titles``: what other pages say about a page
  (the date a listing shows beside its link; the <title>s of its host).
- ``crawl_attachments``: the page that first linked each attached file (its parent).

What the states mean and when a URL is due is the crawl's business
(:mod:`corpus.crawl.frontier`); these methods read and write rows.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from typing import Any


class CrawlTables:
    """Reads and writes of the crawl tables over one SQLite connection (a Store's)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # runs and sources -----------------------------------------------------

    def last_run(self) -> tuple[int, str | None] | None:
        """(id, finished_at) of the latest run, or None."""
        row = self.db.execute("SELECT id, finished_at FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def start_run(self, started_at: str) -> int:
        """A new run's id."""
        with self.db:
            return self.db.execute("INSERT INTO crawl_runs (started_at) VALUES (?)", (started_at,)).lastrowid

    def finish_run(self, run: int, finished_at: str) -> None:
        """Mark a run finished."""
        with self.db:
            self.db.execute("UPDATE crawl_runs SET finished_at = ? WHERE id = ?", (finished_at, run))

    def save_source(self, name: str, province: str | None, config: dict) -> None:
        """Keep a source's settings (its province) for later recleaning."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO crawl_sources (name, province, config) VALUES (?, ?, ?)",
                            (name, province, json.dumps(config, ensure_ascii=False)))

    def source_provinces(self) -> dict[str, str | None]:
        """Province by source name."""
        return {row[0]: row[1] for row in self.db.execute("SELECT name, province FROM crawl_sources")}

    # URLs -------------------------------------------------------------------

    def last_seq(self) -> int:
        """The highest discovery number given so far (0 when none)."""
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM crawl_urls").fetchone()[0]

    def add_url(self, url: str, fetch_url: str, source: str, kind: str, depth: int, seq: int, priority: int) -> bool:
        """Insert a URL unless known; True when it is new."""
        cur = self.db.execute(
            """INSERT OR IGNORE INTO crawl_urls (url, fetch_url, source, kind, depth, seq, priority)
               VALUES (?, ?, ?, ?, ?, ?, ?)""", (url, fetch_url, source, kind, depth, seq, priority))
        return cur.rowcount > 0

    def count_urls(self, source: str) -> int:
        """How many URLs of a source are known."""
        return self.db.execute("SELECT count(*) FROM crawl_urls WHERE source = ?", (source,)).fetchone()[0]

    def next_due(self, run: int, sources: list[str]) -> tuple | None:
        """(url, fetch_url, source, kind, depth, etag, last_modified, state) of the first URL of ``sources``
        not visited in ``run``, by priority, depth and discovery order."""
        marks = ",".join("?" * len(sources))
        return self.db.execute(
            f"""SELECT url, fetch_url, source, kind, depth, etag, last_modified, state FROM crawl_urls
                WHERE (visited_run IS NULL OR visited_run < ?) AND source IN ({marks})
                ORDER BY priority, depth, seq LIMIT 1""", (run, *sources)).fetchone()

    def count_due(self, run: int, sources: list[str]) -> int:
        """How many URLs of ``sources`` are not visited in ``run``."""
        marks = ",".join("?" * len(sources))
        return self.db.execute(
            f"SELECT count(*) FROM crawl_urls WHERE (visited_run IS NULL OR visited_run < ?) AND source IN ({marks})",
            (run, *sources)).fetchone()[0]

    def visited(self, url: str, run: int, state: str, status: int | None, at: str) -> None:
        """Record a visit that kept the URL's validators and document (a 304): tries and error reset."""
        self.db.execute("""UPDATE crawl_urls SET visited_run = ?, state = ?, http_status = ?, fetched_at = ?,
                           tries = 0, error = NULL WHERE url = ?""", (run, state, status, at, url))

    def visited_with(self, url: str, run: int, state: str, status: int | None, at: str, *, etag: str | None,
                     last_modified: str | None, error: str | None, doc_id: str | None, failed: bool) -> None:
        """Record a visit with its validators; a failure counts a try, an outcome other than an article
        forgets the URL's document unless ``doc_id`` names one."""
        self.db.execute(
            """UPDATE crawl_urls SET visited_run = ?, state = ?, http_status = ?, etag = ?, last_modified = ?,
               fetched_at = ?, tries = CASE WHEN ? THEN tries + 1 ELSE 0 END, error = ?,
               doc_id = coalesce(?, CASE WHEN ? = 'article' THEN doc_id ELSE NULL END)
               WHERE url = ?""", (run, state, status, etag, last_modified, at, failed, error, doc_id, state, url))

    def set_document(self, url: str, doc_id: str | None, error: str | None = None) -> None:
        """Set the document recleaning a URL's archived file gave (or the error why none)."""
        self.db.execute("UPDATE crawl_urls SET doc_id = ?, error = ? WHERE url = ?", (doc_id, error, url))

    def set_state(self, url: str, state: str, doc_id: str | None) -> None:
        """Set the outcome and document recleaning a URL's archived page gave."""
        self.db.execute("UPDATE crawl_urls SET state = ?, doc_id = ? WHERE url = ?", (state, doc_id, url))

    def urls_in(self, state: str) -> list[tuple[str, int | None, str | None]]:
        """(url as first seen, HTTP status, error) of the URLs in ``state``, in discovery order."""
        return [(r[0], r[1], r[2]) for r in self.db.execute(
            "SELECT fetch_url, http_status, error FROM crawl_urls WHERE state = ? ORDER BY seq", (state,))]

    def reasons(self, state: str) -> dict[str, int]:
        """URLs per reason (``error``) among those in a state, most frequent first."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT coalesce(error, ''), count(*) FROM crawl_urls WHERE state = ? GROUP BY 1 ORDER BY 2 DESC",
            (state,))}

    def doc_id_of(self, url: str) -> str | None:
        """The document stored from a URL, if any."""
        row = self.db.execute("SELECT doc_id FROM crawl_urls WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    # what other pages say ---------------------------------------------------

    def save_listing_dates(self, found: dict[str, str]) -> None:
        """Keep the dates listings show beside links; a date already kept stays."""
        self.db.executemany("INSERT OR IGNORE INTO listing_dates (url, published) VALUES (?, ?)", found.items())

    def listing_date(self, url: str) -> str | None:
        """The date kept for a link to ``url``, if any."""
        row = self.db.execute("SELECT published FROM listing_dates WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def host_titles(self, host: str, title: str | None, keep: int) -> list[str]:
        """Up to ``keep`` <title>s of a host, after adding ``title`` if fewer than ``keep`` are kept."""
        if title and self.db.execute("SELECT count(*) FROM host_titles WHERE host = ?", (host,)).fetchone()[0] < keep:
            self.db.execute("INSERT OR IGNORE INTO host_titles (host, title) VALUES (?, ?)", (host, title))
        return [row[0] for row in self.db.execute("SELECT title FROM host_titles WHERE host = ? LIMIT ?",
                                                  (host, keep))]

    def link_parent(self, url: str, parent_id: str) -> None:
        """Keep the page linking an attached file; the first parent stays."""
        self.db.execute("INSERT OR IGNORE INTO crawl_attachments (url, parent_id) VALUES (?, ?)", (url, parent_id))

    def parent_of(self, url: str) -> str | None:
        """The id of the page that linked an attached file, or None."""
        row = self.db.execute("SELECT parent_id FROM crawl_attachments WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    # raw pages --------------------------------------------------------------

    def save_page(self, url: str, final_url: str, status: int, headers: dict, body: bytes, at: str) -> None:
        """Archive the last body fetched for a URL (compressed) with its headers."""
        self.db.execute(
            "INSERT OR REPLACE INTO raw_pages (url, final_url, fetched_at, status, headers, body) VALUES (?, ?, ?, ?, ?, ?)",
            (url, final_url, at, status, json.dumps(headers, ensure_ascii=False), zlib.compress(body, 6)))

    def raw_pages(self) -> Iterator[tuple[str, str | None, str | None, dict[str, Any], bytes]]:
        """(url, final_url, source, headers, body) of every archived page, in discovery order."""
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
