"""The crawl frontier: which URL is due next, and what visiting one left behind.

The rows live in the corpus database (tables and their SQL: :mod:`corpus.store.crawl_tables`);
this module says what they mean for a crawl: the outcomes a URL ends in, that a failure counts a
try, that the first listing's date and the first parent of an attached file stay, that a run left
unfinished is resumed by the next crawl instead of starting over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from corpus.store.db import Store

# Every URL taken from the frontier ends in exactly one of these.
OUTCOMES = ("article", "listing", "sitemap", "attachment", "skipped", "failed")
DONE_STATES = ("article", "listing", "sitemap", "attachment")  # worth a conditional request next time
FAILED_STATES = ("failed",)
HOST_TITLES = 40  # <title>s kept per host to learn the portal's name from


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
    """The crawl frontier and raw-page archive of a Store (through its :class:`CrawlTables`)."""

    def __init__(self, store: Store) -> None:
        self.tables = store.crawl
        self._seq = self.tables.last_seq()

    # runs -------------------------------------------------------------

    def begin_run(self) -> tuple[int, bool]:
        """Resume the last unfinished run, else start one; returns (run id, resumed)."""
        last = self.tables.last_run()
        if last is not None and last[1] is None:
            return last[0], True
        return self.tables.start_run(now()), False

    def finish_run(self, run: int) -> None:
        """Mark a run finished: the next crawl starts a new one."""
        self.tables.finish_run(run, now())

    # sources ------------------------------------------------------------

    def save_source(self, name: str, province: str | None, config: dict) -> None:
        """Keep a source's settings for recleaning."""
        self.tables.save_source(name, province, config)

    def source_provinces(self) -> dict[str, str | None]:
        """Province by source name."""
        return self.tables.source_provinces()

    # URLs ---------------------------------------------------------------

    def add(self, url: str, fetch_url: str, source: str, *, kind: str = "page", depth: int = 0,
            priority: int = 1) -> bool:
        """Queue a URL unless already known; True when it is new."""
        self._seq += 1
        return self.tables.add_url(url, fetch_url, source, kind, depth, self._seq, priority)

    # hints from other pages ---------------------------------------------

    def save_listing_dates(self, found: dict[str, str]) -> None:
        """Remember the dates listings show beside links (the first listing seen wins)."""
        self.tables.save_listing_dates(found)

    def listing_date(self, url: str) -> str | None:
        """The date a listing showed beside a link to ``url``, if any."""
        return self.tables.listing_date(url)

    def host_titles(self, host: str, title: str | None = None, *, keep: int = HOST_TITLES) -> list[str]:
        """The <title>s seen on a host (up to ``keep``), after noting ``title`` among them."""
        return self.tables.host_titles(host, title, keep)

    def count_known(self, source: str) -> int:
        """How many URLs of a source the frontier holds."""
        return self.tables.count_urls(source)

    def next_due(self, run: int, sources: list[str]) -> QueuedURL | None:
        """The next URL of these sources not yet visited in this run (breadth first)."""
        row = self.tables.next_due(run, sources)
        return QueuedURL(*row) if row else None

    def count_due(self, run: int, sources: list[str]) -> int:
        """How many URLs of these sources are still due in this run."""
        return self.tables.count_due(run, sources)

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
        if keep_validators:
            self.tables.visited(url, run, state, status, now())
        else:
            self.tables.visited_with(url, run, state, status, now(), etag=etag, last_modified=last_modified,
                                     error=error, doc_id=doc_id, failed=state in FAILED_STATES)

    def failures(self) -> list[tuple[str, int | None, str | None]]:
        """(url, HTTP status, error) of URLs whose last visit failed."""
        return [row for state in FAILED_STATES for row in self.tables.urls_in(state)]

    def reasons(self, state: str) -> dict[str, int]:
        """URLs per reason (``error``) among those in a state, e.g. why pages were skipped."""
        return self.tables.reasons(state)

    def doc_id_of(self, url: str) -> str | None:
        """The document stored from a URL, if any."""
        return self.tables.doc_id_of(url)

    def link_parent(self, url: str, parent_id: str) -> None:
        """Record the page linking an attached file; the first parent stays."""
        self.tables.link_parent(url, parent_id)

    def parent_of(self, url: str) -> str | None:
        """The id of the page that linked an attached file, or None."""
        return self.tables.parent_of(url)

    # raw pages ----------------------------------------------------------

    def save_page(self, url: str, final_url: str, status: int, headers: dict, body: bytes) -> None:
        """Archive the body fetched for a URL, for recleaning without the network."""
        self.tables.save_page(url, final_url, status, headers, body, now())

    def raw_pages(self):
        """(url, final_url, source, headers, body) of every archived page, oldest first."""
        return self.tables.raw_pages()
