"""Crawl portals into the store.

``crawl`` walks each source breadth first from its start URLs, robots.txt
sitemaps and RSS feeds, staying on the source's site (URL spelling and
priority: ``corpus/crawl/urls.py``; links, sitemaps and feeds:
``corpus/crawl/links.py``).  Every HTML page fetched (recognised by its
content, whatever its Content-Type) is archived (compressed) in the store;
pages that clean into an article become Documents, listing pages only feed
the frontier.  Every URL taken from the frontier ends in exactly one outcome:
article, listing, sitemap (or feed), attachment, skipped or failed, with a
reason.  Each source has a page budget per call, each page a cap on links
taken, sitemap indexes a nesting limit.  The frontier is in SQLite: a crawl
that is killed, or stops at ``max_pages``, is resumed by the next call; a
crawl started after a finished one revisits every known URL with conditional
requests (ETag / Last-Modified), so unchanged pages cost a 304.  A page that
keeps failing is recorded and the crawl goes on.  Re-cleaning the archive
without the network is ``corpus/crawl/reclean.py``.

Why this module is long (~450 lines): the crawler class holds the state of one call that every
step of a visit updates (report, page budgets, frontier, renderer); URL spelling, link discovery,
reports, sources and re-cleaning already live beside it, and splitting the class would hand that
state around.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from corpus.extract.attachments import AttachmentOptions, is_attachment_url, ocr_cache_dir
from corpus.store.dedup import link_near_duplicates
from corpus.store.document import Document, make_id
from corpus.store.pipeline import Origin, page_document
from corpus.crawl.fetch import MAX_URL_LENGTH, Fetcher, FetchResult, without_credentials
from corpus.crawl.frontier import DONE_STATES, Frontier, now
from corpus.crawl.links import FEED_HINT, HTML_TYPES, SITEMAP_HINT, is_attachment, looks_like_html, page_links, \
    xml_links
from corpus.crawl.reclean import store_attachment
from corpus.crawl.urls import PRIORITY_PAGE, PRIORITY_START, canonical_url, fetchable_url, skippable, url_priority
from corpus.clean.decoding import decode_html
from corpus.clean.tree import parse_tree
from corpus.extract.headline import learned_site_names
from corpus.extract.pagedate import listing_dates
from corpus.crawl.render import Renderer, is_shell, render_problem
from corpus.crawl.report import CrawlReport
from corpus.crawl.sources import Source, resolve_sources, site_host
from corpus.store.db import Store

log = logging.getLogger(__name__)
MAX_DEPTH = 12
MAX_SITEMAP_NESTING = 3  # robots.txt sitemap -> index -> index -> sitemap; deeper ones are refused
MAX_LINKS = {"page": 1000, "sitemap": 50_000, "feed": 50_000}  # links taken from one page
KNOWN_PER_BUDGET = 20  # a source's frontier holds at most 20 URLs per page of its budget (200,000 by default)
DEFAULT_CONCURRENT_HOSTS = 8  # sources fetched at once, each by its own polite queue


# --------------------------------------------------------------- report


# ---------------------------------------------------------------- crawl


def _reason(error: str | None) -> str:
    """A skip reason without the URL in it, so reasons can be counted."""
    error = error or "skipped"
    return error.split(": http", 1)[0] if ": http" in error else error


class _Crawler:
    def __init__(self, store: Store, sources: list[Source], fetcher: Fetcher, report: CrawlReport) -> None:
        self.store = store
        self.frontier = Frontier(store)
        self.sources = {s.name: s for s in sources}
        self.fetcher = fetcher
        self.report = report
        self.spent: Counter = Counter()  # requests per source in this call
        self.render = False  # render every script-built page (--render), not only render = true sources
        self.renderer: Renderer | None = None
        self._lock = threading.Lock()
        self.known: dict[str, int] = {}  # frontier size per source
        self.attachment_options = AttachmentOptions()
        self.progress: Callable[[CrawlReport, str], None] | None = None

    def in_scope(self, source: Source, url: str) -> bool:
        if not source.in_scope(url):
            return False
        return source.allow_private or not self.fetcher.private(url)

    def enqueue(self, source: Source, url: str, *, kind: str = "page", depth: int = 0, in_sitemap: bool = False) -> bool:
        """Queue a discovered URL; False (and counted) when it is refused.

        ``in_sitemap``: found in a sitemap or feed, so a sitemap-looking URL is nested, not a root."""
        canonical = canonical_url(url)
        fetch = fetchable_url(url) if canonical else None
        if not canonical or not fetch:
            if len(url) > MAX_URL_LENGTH:
                self.report.links_dropped[f"longer than {MAX_URL_LENGTH} characters"] += 1
            return False
        if depth > MAX_DEPTH or not self.in_scope(source, canonical):
            return False
        priority = PRIORITY_START if depth == 0 else PRIORITY_PAGE
        if kind == "page":
            if skippable(canonical):
                return False
            if SITEMAP_HINT.search(urlsplit(canonical).path):
                # A sitemap linked from a page is a root sitemap; one listed in a sitemap is nested
                # in it (else an endless chain of <url><loc>sitemap-N.xml</loc></url> escapes the limit).
                kind, depth = "sitemap", depth if in_sitemap else 0
            else:
                priority = url_priority(canonical, depth)
        if kind in ("sitemap", "feed"):
            if depth > MAX_SITEMAP_NESTING:
                self.report.links_dropped["sitemap nested too deep"] += 1
                return False
            priority = PRIORITY_START if depth == 0 else PRIORITY_PAGE
        if source.name not in self.known:
            self.known[source.name] = self.frontier.count_known(source.name)
        if self.known[source.name] >= source.max_pages * KNOWN_PER_BUDGET:
            self.report.links_dropped["frontier full for this source"] += 1
            return False
        if self.frontier.add(canonical, fetch, source.name, kind=kind, depth=depth, priority=priority):
            self.known[source.name] += 1
        return True

    def enqueue_all(self, source: Source, urls: list[str], *, kind: str, depth: int, cap: int,
                    in_sitemap: bool = False) -> None:
        """Queue links found on one page, at most ``cap`` distinct ones (the rest counted as dropped)."""
        seen: set[str] = set()
        for url in urls:
            if url in seen:
                continue
            if len(seen) >= cap:
                self.report.links_dropped[f"over {cap} links on one page"] += 1
                continue
            seen.add(url)
            self.enqueue(source, url, kind=kind, depth=depth, in_sitemap=in_sitemap)

    def seed(self, source: Source) -> None:
        self.frontier.save_source(source.name, source.province, {
            "start_urls": [without_credentials(u) for u in source.start_urls],
            "allowed_prefixes": source.allowed_prefixes})
        for url in source.start_urls:
            if not self.in_scope(source, url):
                why = "outside the allowed path prefixes" if not source.in_scope(url) else \
                    "a private or loopback address (--allow-private or allow_private = true permits it)"
                self.report.refused.append((url, why))
                continue
            path = urlsplit(url).path
            kind = "sitemap" if SITEMAP_HINT.search(path) else "feed" if FEED_HINT.search(path) else "page"
            if not self.enqueue(source, url, kind=kind):
                self.report.refused.append((url, "not a URL the crawler can request"))
                continue
            for sitemap in self.fetcher.sitemaps(url, allow_private=source.allow_private)[:MAX_LINKS["page"]]:
                self.enqueue(source, sitemap, kind="sitemap")
        self.store.commit()

    def due_sources(self) -> list[str]:
        """Sources that may still make requests in this call (their page budget not spent)."""
        out = []
        for name, source in self.sources.items():
            if self.spent[name] < source.max_pages:
                out.append(name)
            elif name not in self.report.over_budget:
                self.report.over_budget.append(name)
        return out

    def fetch(self, item) -> FetchResult:
        """Fetch one queued URL (network only: safe in a worker thread, one per host at a time).

        A page built by scripts is rendered in the browser when its source (or the crawl) says so.
        """
        source = self.sources[item.source]
        validators = item.state in DONE_STATES
        cap = int(source.max_attachment_mb * 2**20) if item.kind == "attachment" else None
        result = self.fetcher.fetch(
            item.fetch_url,
            etag=item.etag if validators else None,
            last_modified=item.last_modified if validators else None,
            in_scope=lambda u: self.in_scope(source, u),
            delay=source.delay,
            allow_private=source.allow_private,
            max_bytes=cap,
        )
        if (source.render or self.render) and result.ok and is_shell(result.body):
            with self._lock:
                if self.renderer is None:
                    self.renderer = Renderer(self.fetcher)
            result = self.renderer.render(result, allow_private=source.allow_private, delay=source.delay)
        return result

    def visit(self, run: int, item, result: FetchResult) -> None:
        """Record a fetched URL's outcome in the store (the thread that owns the database)."""
        source = self.sources[item.source]
        if not result.blocked:
            self.spent[source.name] += 1
        try:
            self._record(run, item, source, result)
        except (ValueError, UnicodeError, RecursionError, etree.LxmlError) as exc:
            # A page this code cannot process is that page's failure, not the crawl's.
            self.store.rollback()
            self._fail(run, item, result.status, f"could not process the page: {exc.__class__.__name__}: {exc}"[:300])
        self.store.commit()

    def _fail(self, run: int, item, status: int | None, error: str) -> None:
        self.report.failed += 1
        self.report.outcomes["failed"] += 1
        self.report.failures.append((item.fetch_url, error))
        log.info("failed %s: %s", item.fetch_url, error)
        self.frontier.mark(item.url, run, "failed", status=status, error=error)

    def _skip(self, run: int, item, reason: str, status: int | None = None, **validators) -> None:
        self.report.skipped[reason] += 1
        self.report.outcomes["skipped"] += 1
        self.frontier.mark(item.url, run, "skipped", status=status, error=reason, **validators)

    def _record(self, run: int, item, source: Source, result: FetchResult) -> None:
        """Give a fetched URL its one outcome: skipped, not modified, failed, sitemap, attachment, listing or article."""
        frontier, report = self.frontier, self.report
        if result.blocked:
            report.blocked += 1
            self._skip(run, item, _reason(result.error))
            return
        if result.not_modified:
            report.not_modified += 1
            state = item.state if item.state in DONE_STATES else "article"
            report.outcomes[state] += 1
            frontier.mark(item.url, run, state, status=304, keep_validators=True)
            return
        if item.kind == "attachment" and ("larger than" in (result.error or "") or (
                result.ok and not looks_like_html(result.body))):  # a download link may lead to a page
            self._attachment(run, item, source, result)
            return
        if not result.ok:
            self._fail(run, item, result.status, result.error or f"HTTP {result.status}")
            return
        report.fetched += 1
        final = canonical_url(result.final_url) or item.url
        etag, modified = result.headers.get("etag"), result.headers.get("last-modified")
        done = dict(status=result.status, etag=etag, last_modified=modified)
        xml = None
        ctype = result.content_type
        if item.kind in ("sitemap", "feed") or "xml" in ctype or "rss" in ctype:
            try:
                xml = xml_links(result.body, result.final_url)
            except ValueError as exc:  # a gzip bomb or corrupt gzip
                report.fetched -= 1
                self._fail(run, item, result.status, f"sitemap {exc}")
                return
        if xml is not None:
            kind, pages, maps = xml
            self.enqueue_all(source, maps, kind="sitemap", depth=item.depth + 1, cap=MAX_LINKS["sitemap"])
            self.enqueue_all(source, pages, kind="page", depth=item.depth + 1, cap=MAX_LINKS["sitemap"],
                             in_sitemap=True)
            report.outcomes["sitemap"] += 1
            frontier.mark(item.url, run, "sitemap", **done)
            return
        if not (ctype in HTML_TYPES or looks_like_html(result.body)):
            if is_attachment(ctype, result.body):
                report.fetched -= 1  # counted again by _attachment
                self._attachment(run, item, source, result)
            else:
                self._skip(run, item, f"not a page ({ctype or 'no Content-Type'})", **done)
            return
        self._record_page(run, item, source, result, final, done)

    def _record_page(self, run: int, item, source: Source, result: FetchResult, final: str, done: dict) -> None:
        """A fetched HTML page: archived, its links queued, and stored as an article or counted as a listing."""
        frontier, report = self.frontier, self.report
        frontier.save_page(item.url, result.final_url, result.status, result.headers, result.body)
        text = decode_html(result.body, result.headers)  # once: decoding costs more than parsing
        root = parse_tree(text)
        doc_id = make_id(final)
        doc = None
        if root is not None:
            self.enqueue_all(source, page_links(root, result.final_url), kind="page", depth=item.depth + 1,
                             cap=MAX_LINKS["page"])
            origin = self._origin(source, item.url, root, result)
            doc = page_document(text, origin, doc_id=doc_id, fetched_at=now())
        if doc is None:
            report.listings += 1
            report.outcomes["listing"] += 1
            self._drop_stale(item.url)
            frontier.mark(item.url, run, "listing", **done)
            return
        twin = self.store.twin(doc.content_hash, source.name, doc_id)
        if twin is not None:
            # The same page under a second URL of the same site: keep the first.
            report.duplicates += 1
            self._skip(run, item, "duplicate of a page already stored", **done)
            return
        previous = self.store.get(doc_id)
        doc.near_duplicate_of = previous.near_duplicate_of if previous else None
        outcome = self.store.upsert(doc)
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.outcomes["article"] += 1
        frontier.mark(item.url, run, "article", doc_id=doc_id, **done)
        self._enqueue_attachments(source, doc, item.depth + 1)
        if final != item.url:
            frontier.add(final, result.final_url, source.name, depth=item.depth)
            frontier.mark(final, run, "article", doc_id=doc_id, **done)

    def _enqueue_attachments(self, source: Source, doc: Document, depth: int) -> None:
        """Queue the files an article links (PDF, Word, ...), each remembering the article as its parent."""
        for url in doc.attachments[:MAX_LINKS["page"]]:
            canonical = canonical_url(url)
            # A readable file, or a link whose URL names no type ("/tai-ve?id=9": the response tells);
            # not a spreadsheet, an archive or a picture.
            if canonical and (is_attachment_url(canonical) or not skippable(canonical)) \
                    and self.enqueue(source, url, kind="attachment", depth=depth):
                self.frontier.link_parent(canonical, doc.id)

    def _attachment(self, run: int, item, source: Source, result: FetchResult) -> None:
        """An attached file fetched: kept raw, read into a Document with its parent, or its reason recorded."""
        report = self.report
        done = dict(status=result.status, etag=result.headers.get("etag"),
                    last_modified=result.headers.get("last-modified"))
        report.outcomes["attachment"] += 1
        report.fetched += 1  # a request was made (visited counts it)
        if not result.ok:  # over the size cap: not downloaded at all
            reason = f"too big: {result.error}"
            report.unreadable[reason.split(" (")[0]] += 1
            self.frontier.mark(item.url, run, "attachment", error=reason, **done)
            return
        final = canonical_url(result.final_url) or item.url
        self.frontier.save_page(item.url, result.final_url, result.status, result.headers, result.body)
        self.store.commit()  # the raw file is kept even if reading it (OCR) is interrupted
        options = self.attachment_options
        if self.progress is not None:
            show = self.progress
            options = replace(options, progress=lambda done, total: show(
                report, f"{item.fetch_url} (OCR: page {done} of {total})"))
        outcome = store_attachment(self.store, self.frontier, item.url, final, source.name, result.body, options)
        if outcome in ("added", "updated", "unchanged"):  # report.added etc. count articles
            report.attachments_read += 1
            self.frontier.mark(item.url, run, "attachment", doc_id=make_id(final), **done)
        else:
            report.unreadable[outcome] += 1
            self.frontier.mark(item.url, run, "attachment", error=outcome, **done)

    def _origin(self, source: Source, url: str, root, result: FetchResult) -> Origin:
        """The page's origin, with what other pages say about it (listing dates, the host's name); notes its own."""
        found = {}
        for link, date in listing_dates(root, result.final_url).items():
            canonical = canonical_url(link)
            if canonical and source.in_scope(canonical):
                found[canonical] = date.isoformat()
        self.frontier.save_listing_dates(found)
        title = root.find(".//title")
        own = " ".join(title.text_content().split()) if title is not None else None
        listed = self.frontier.listing_date(url)
        return Origin(url=canonical_url(result.final_url) or url, headers=result.headers, source=source.name,
                      province=source.province,
                      site_names=tuple(learned_site_names(self.frontier.host_titles(site_host(result.final_url), own))),
                      listed=dt.date.fromisoformat(listed) if listed else None)

    def _drop_stale(self, url: str) -> None:
        doc_id = self.frontier.doc_id_of(url)
        if doc_id and self.store.delete(doc_id):
            self.report.removed += 1


def _run_lanes(crawler: _Crawler, run: int, max_pages: int | None, lanes: int,
               progress: Callable[[CrawlReport, str], None] | None) -> None:
    """Fetch several sources at once, one polite queue each; results are recorded in this thread.

    A source has at most one request in flight (its delay and robots Crawl-delay
    hold as before, and the fetcher serialises each host), so a slow or
    delayed host holds up only itself.  A URL is marked only once its result is
    recorded: a killed crawl fetches the in-flight URLs again when resumed.
    """
    report, frontier = crawler.report, crawler.frontier
    inflight: dict = {}
    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="danvan-fetch") as pool:
        while True:
            while len(inflight) < lanes and (max_pages is None or report.visited + len(inflight) < max_pages):
                busy = {item.source for item in inflight.values()}
                names = [name for name in crawler.due_sources() if name not in busy]
                item = frontier.next_due(run, names) if names else None
                if item is None:
                    break
                inflight[pool.submit(crawler.fetch, item)] = item
            if not inflight:
                return
            done, _pending = wait(inflight, return_when=FIRST_COMPLETED)
            for future in done:
                item = inflight.pop(future)
                crawler.visit(run, item, future.result())
                if progress is not None:
                    progress(report, item.fetch_url)


def crawl(
    store: Store,
    start_urls: Iterable[str] = (),
    sources: str | Path | list[Source] | None = None,
    *,
    max_pages: int | None = None,
    delay: float = 1.0,
    province: str | None = None,
    progress: Callable[[CrawlReport, str], None] | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    retries: int = 2,
    backoff: float = 1.0,
    fetcher: Fetcher | None = None,
    link_duplicates: bool = True,
    allow_private: bool = False,
    ocr: bool = True,
    max_attachment_mb: float | None = None,
    concurrent_hosts: int = DEFAULT_CONCURRENT_HOSTS,
    render: bool = False,
) -> CrawlReport:
    """Crawl the given sources/start URLs into ``store``; resumable, polite, never fatal per page.

    ``allow_private`` lets every source fetch private and loopback addresses (local mirrors).
    Attached files are read (``ocr`` for scans) up to ``max_attachment_mb`` (else each source's cap).
    Up to ``concurrent_hosts`` sources are fetched at once, each one request at a time.
    ``render`` renders pages built by scripts in headless Chromium for every source
    (a source's ``render = true`` does it for that source only).  Long only by its options.
    """
    chosen = resolve_sources(start_urls, sources, province=province, allow_private=allow_private)
    if max_attachment_mb is not None:
        for source in chosen:
            source.max_attachment_mb = max_attachment_mb
    if not chosen:
        raise ValueError("nothing to crawl: give start URLs or a sources file")
    if (render or any(s.render for s in chosen)) and render_problem():
        raise ValueError(f"cannot render script-built pages: {render_problem()}")
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(delay=delay, timeout=timeout, max_bytes=max_bytes, retries=retries, backoff=backoff)
    report = CrawlReport()
    crawler = _Crawler(store, chosen, fetcher, report)
    crawler.progress = progress
    crawler.attachment_options = AttachmentOptions(
        ocr=ocr, cache_dir=ocr_cache_dir(store.path), max_bytes=int(max(s.max_attachment_mb for s in chosen) * 2**20))
    crawler.render = render
    try:
        run, report.resumed = crawler.frontier.begin_run()
        report.run = run
        for source in chosen:
            crawler.seed(source)
        _run_lanes(crawler, run, max_pages, max(1, concurrent_hosts), progress)
        report.queued = crawler.frontier.count_due(run, list(crawler.sources))
        if report.queued == 0:
            crawler.frontier.finish_run(run)
            report.finished = True
    finally:
        if crawler.renderer is not None:
            crawler.renderer.close()
        if own_fetcher:
            fetcher.close()
    if link_duplicates and (report.added or report.updated or report.removed):
        report.near_duplicates = link_near_duplicates(store)
    return report
