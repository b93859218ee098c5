"""What a crawl call and a re-clean did: outcome counts, reasons, failures."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CrawlReport:
    """What one crawl call did."""

    run: int = 0
    resumed: bool = False
    fetched: int = 0
    not_modified: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    listings: int = 0
    duplicates: int = 0
    failed: int = 0
    blocked: int = 0
    queued: int = 0  # still due when the call ended (a later crawl resumes them)
    finished: bool = False
    near_duplicates: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # start URLs outside the allowed scope
    outcomes: Counter = field(default_factory=Counter)  # one per URL taken from the frontier (frontier.OUTCOMES)
    skipped: Counter = field(default_factory=Counter)  # reason -> URLs skipped for it
    links_dropped: Counter = field(default_factory=Counter)  # reason -> links found but not queued
    over_budget: list[str] = field(default_factory=list)  # sources that spent their max_pages in this call
    attachments_read: int = 0  # attached files stored as Documents (added, updated or unchanged)
    unreadable: Counter = field(default_factory=Counter)  # reason -> attached files fetched but not read

    @property
    def visited(self) -> int:
        """Requests made for pages (what ``max_pages`` counts)."""
        return self.fetched + self.not_modified + self.failed

    def nothing_fetched(self) -> str | None:
        """Why this crawl could request no page at all (start URLs refused, robots.txt, ...); None if it did."""
        if self.visited or self.queued:
            return None
        reasons = [f"{url}: {why}" for url, why in self.refused]
        reasons += [f"{why} ({n} URL{'s' if n > 1 else ''})" for why, n in self.skipped.items()]
        return "; ".join(reasons) or None


@dataclass
class RecleanReport:
    """What re-cleaning the archived pages did."""

    pages: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    listings: int = 0
    near_duplicates: int = 0
    unreadable: int = 0  # attached files that gave no text
