"""Crawl portals into the store, and re-clean archived pages without fetching.

``crawl`` walks each source breadth first from its start URLs, robots.txt
sitemaps and RSS feeds, staying on the source's site; URLs that look
generated (calendars, sorting, paging, repeated path segments) wait until the
rest is done.  Every HTML page fetched (recognised by its content, whatever
its Content-Type) is archived (compressed) in the store; pages that clean
into an article become Documents, listing pages only feed the frontier.
Every URL taken from the frontier ends in exactly one outcome: article,
listing, sitemap (or feed), attachment, skipped or failed, with a reason.
Each source has a page budget per call, each page a cap on links taken,
sitemap indexes a nesting limit, and gzip sitemaps a decompressed-size cap.  The frontier is in SQLite:
a crawl that is killed, or stops at ``max_pages``, is resumed by the next
call; a crawl started after a finished one revisits every known URL with
conditional requests (ETag / Last-Modified), so unchanged pages cost a 304.
A page that keeps failing is recorded and the crawl goes on.
"""
from __future__ import annotations

import logging
import re
import threading
import zlib
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from corpus.extract.attachments import AttachmentOptions, attachment_document, is_attachment_url, ocr_cache_dir
from corpus.store.document import Document, content_hash, make_id
from corpus.crawl.fetch import MAX_URL_LENGTH, Fetcher, FetchResult, without_credentials
from corpus.crawl.frontier import DONE_STATES, Frontier, now
from corpus.clean.htmlclean import decode_html, parse_document, parse_html, parse_tree
from corpus.extract.htmlmeta import learned_site_names, listing_dates
from corpus.crawl.render import Renderer, is_shell, render_problem
from corpus.crawl.sources import Source, load_sources, site_host, source_province, sources_from_urls
from corpus.store.db import Store

log = logging.getLogger(__name__)

# Query parameters that never change what a page shows: trackers, "where the
# click came from", and portal bookkeeping (Liferay's p_p_* and redirect).
NOISE_PARAMS = frozenset("""
    ref referrer utm_source utm_medium utm_campaign utm_term utm_content utm_id fbclid gclid dclid
    _ga _gl mc_cid mc_eid zarsrc zarsrc_id inheritredirect redirect backurl returnurl source_id
    p_p_lifecycle p_p_state p_p_mode p_p_col_id p_p_col_pos p_p_col_count p_p_auth p_auth
""".split())
# Links to these are not pages (attachments are recorded on Documents instead).
SKIP_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg", ".ico", ".tif", ".tiff",
    ".css", ".js", ".json", ".woff", ".woff2", ".ttf", ".eot", ".map",
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".rtf", ".zip", ".rar", ".7z", ".gz",
    ".mp3", ".mp4", ".avi", ".mov", ".wmv", ".flv", ".wav", ".swf", ".exe", ".apk", ".axd",
)
SITEMAP_HINT = re.compile(r"sitemap[^/]*\.xml(\.gz)?$", re.I)
FEED_HINT = re.compile(r"(/feed/?$|/rss[^/]*$|\.rss$|/atom[^/]*$|rss\.xml$|feed\.xml$)", re.I)
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
# How an HTML document starts (the WHATWG sniffing table): pages served as
# application/octet-stream or text/plain are still pages.
HTML_STARTS = tuple(t.encode() for t in (
    "<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<h1", "<div", "<font", "<table",
    "<a ", "<a>", "<style", "<title", "<b ", "<b>", "<br", "<p ", "<p>", "<!--", "<meta", "<link",
))
# Content types (and magic numbers) of documents a page links to: recorded, not cleaned.
ATTACHMENT_TYPES = ("application/pdf", "application/msword", "application/vnd.", "application/rtf",
                    "application/zip", "application/x-rar", "application/x-7z", "application/x-zip")
ATTACHMENT_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"{\\rtf", b"Rar!", b"7z\xbc\xaf")
MAX_DEPTH = 12
MAX_SITEMAP_NESTING = 3  # robots.txt sitemap -> index -> index -> sitemap; deeper ones are refused
# Sitemaps may hold 50,000 URLs and 50 MB uncompressed (sitemaps.org); more is refused.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_LINKS = {"page": 1000, "sitemap": 50_000, "feed": 50_000}  # links taken from one page
KNOWN_PER_BUDGET = 20  # a source's frontier holds at most 20 URLs per page of its budget (200,000 by default)
DEFAULT_CONCURRENT_HOSTS = 8  # sources fetched at once, each by its own polite queue

# Frontier priority (lower first).  Start URLs and sitemaps, then pages by
# depth (paging included: it reaches older articles), then URLs a generator
# makes without end: calendars, sorting, filtering, searching, sessions,
# printing, and very long or repetitive paths.
PRIORITY_START, PRIORITY_PAGE, PRIORITY_GENERATED, PRIORITY_TRAP = 0, 1, 2, 3
GENERATED_PARAMS = frozenset("""
    sort order orderby sortby dir direction view display layout month year day date week calendar cal
    filter tag tags q s search keyword keywords query sessionid sid phpsessid jsessionid print printable
    replytocom share action format lang style theme limit perpage per_page pagesize page_size
""".split())


def canonical_url(url: str, base: str | None = None) -> str | None:
    """One spelling per page: no fragment, no tracking parameters, no trailing slash,
    lower-case scheme and host, no default port, sorted query, normalised escapes.

    >>> canonical_url("HTTP://Example.VN:80/a/b/?utm_source=x&b=2&a=1#top")
    'http://example.vn/a/b?a=1&b=2'
    >>> canonical_url("tin-1.html?ref=menu", "https://example.vn/tin/")
    'https://example.vn/tin/tin-1.html'
    """
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH or url.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:  # an unclosed IPv6 bracket, a bad port
        return None
    scheme = parts.scheme.lower()
    host = site_host(url)
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = _clean_query(parts.query, path)
    out = urlunsplit((scheme, host, path, query, ""))
    return out if len(out) <= MAX_URL_LENGTH else None


def _clean_query(query: str, path: str) -> str:
    """Sorted query without noise parameters, nor ones repeating the path ("tin-12874.aspx?ItemID=12874")."""
    kept = []
    for k, v in parse_qsl(query, keep_blank_values=True):
        low = k.lower()
        if low in NOISE_PARAMS or low.startswith("utm_") or (len(v) >= 3 and v.isalnum() and v in path):
            continue
        kept.append((k, v))
    kept.sort()
    return urlencode(kept, quote_via=quote)


def fetchable_url(url: str, base: str | None = None) -> str | None:
    """The URL to request: like the canonical form but keeping the path as written (no credentials)."""
    try:
        url = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:
        return None
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    out = urlunsplit((parts.scheme.lower(), site_host(url), path, _clean_query(parts.query, path), ""))
    return out if len(out) <= MAX_URL_LENGTH else None


def _skippable(url: str) -> bool:
    # Liferay serves documents as /documents/<group>/<folder>/<name>.pdf/<uuid>.
    return any(segment.endswith(SKIP_EXTENSIONS) for segment in unquote(urlsplit(url).path).lower().split("/"))


def url_priority(url: str, depth: int = 1) -> int:
    """Frontier priority of a page URL: start pages first, generated-looking URLs last.

    >>> url_priority("https://p.vn/tin-tuc/dan-van-kheo-12874.html")
    1
    >>> url_priority("https://p.vn/lich?month=2024-05&view=week")
    2
    >>> url_priority("https://p.vn/a/b/a/b/a/b/c")
    3
    """
    if depth == 0:
        return PRIORITY_START
    parts = urlsplit(url)
    segments = [s for s in parts.path.lower().split("/") if s]
    if (len(url) > 300 or len(segments) > 10 or len(segments) - len(set(segments)) >= 2
            or len(parse_qsl(parts.query)) > 4):
        return PRIORITY_TRAP
    names = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return PRIORITY_GENERATED if names & GENERATED_PARAMS else PRIORITY_PAGE


def looks_like_html(body: bytes) -> bool:
    """True when a body starts like an HTML document (after a BOM, blanks and an XML declaration)."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2:].lstrip() if b"?>" in head else b""
    return head.startswith(HTML_STARTS)


def is_attachment(content_type: str, body: bytes) -> bool:
    """True for a document file (PDF, Word, spreadsheet, archive) by type or magic number."""
    return content_type.startswith(ATTACHMENT_TYPES) or body[:8].startswith(ATTACHMENT_MAGIC)


# ------------------------------------------------------------ discovery


def page_links(root, base_url: str) -> list[str]:
    """Absolute URLs of links on a parsed page (nofollow links left out)."""
    base = _join(base_url, root.xpath("string(//base/@href)") or base_url) or base_url
    out: list[str] = []
    for el in root.xpath("//a[@href] | //area[@href] | //link[@rel='next'][@href]"):
        if "nofollow" in (el.get("rel") or "").lower():
            continue
        href = el.get("href")
        url = _join(base, href) if href else None
        if url:
            out.append(url)
    return out


def gunzip(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress gzip data (all members) as a stream; ValueError past ``limit`` bytes or when corrupt."""
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        stream = zlib.decompressobj(wbits=31)
        pending = data
        try:
            while True:
                chunk = stream.decompress(pending, limit + 1 - size)
                out.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"larger than {limit // 2**20} MB when decompressed")
                pending = stream.unconsumed_tail
                if stream.eof or (not chunk and not pending):
                    break
        except zlib.error as exc:
            raise ValueError(f"corrupt gzip data: {exc}") from None
        if not stream.eof:
            raise ValueError("truncated gzip data")
        data = stream.unused_data.lstrip(b"\0")
    return b"".join(out)


def _xml_root(body: bytes):
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body.lstrip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def xml_links(body: bytes, base_url: str) -> tuple[str, list[str], list[str]] | None:
    """(kind, page URLs, sitemap URLs) of a sitemap, sitemap index or RSS/Atom feed; None if not one.

    Root-relative ``<loc>`` values are resolved against the sitemap's URL.  Gzip
    data is decompressed as a stream: ValueError past ``MAX_SITEMAP_BYTES``.
    """
    root = _xml_root(body)
    if root is None:
        return None
    kind = _local(root.tag)
    pages: list[str] = []
    maps: list[str] = []
    if kind in ("urlset", "sitemapindex"):
        for el in root.iter():
            if _local(el.tag) == "loc" and (el.text or "").strip():
                url = _join(base_url, el.text.strip())
                if url is None:
                    continue
                parent = _local(el.getparent().tag) if el.getparent() is not None else ""
                (maps if parent == "sitemap" or kind == "sitemapindex" else pages).append(url)
        return "sitemap", pages, maps
    if kind in ("rss", "rdf", "feed"):
        for el in root.iter():
            name = _local(el.tag)
            if name == "link":
                href = el.get("href") if kind == "feed" else (el.text or "").strip()
                if href and (kind != "feed" or el.get("rel", "alternate") == "alternate") and _join(base_url, href):
                    pages.append(_join(base_url, href))
            elif name == "guid" and (el.text or "").startswith("http") and el.get("isPermaLink", "true") != "false":
                pages.append(el.text.strip())
        return "feed", pages, maps
    return None


# --------------------------------------------------------------- report


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
            if _skippable(canonical):
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
        frontier.save_page(item.url, result.final_url, result.status, result.headers, result.body)
        root = parse_tree(decode_html(result.body, result.headers))
        fields = None
        if root is not None:
            self.enqueue_all(source, page_links(root, result.final_url), kind="page", depth=item.depth + 1,
                             cap=MAX_LINKS["page"])
            fields = parse_document(root, url=final, source_province=source.province,
                                    **self._hints(source, item.url, root, result.final_url))
        doc_id = make_id(final)
        if fields is None:
            report.listings += 1
            report.outcomes["listing"] += 1
            self._drop_stale(item.url)
            frontier.mark(item.url, run, "listing", **done)
            return
        twin = self.store.twin(content_hash(fields["text"]), source.name, doc_id)
        if twin is not None:
            # The same page under a second URL of the same site: keep the first.
            report.duplicates += 1
            self._skip(run, item, "duplicate of a page already stored", **done)
            return
        previous = self.store.get(doc_id)
        doc = Document(id=doc_id, url=final, source=source.name, fetched_at=now(),
                       near_duplicate_of=previous.near_duplicate_of if previous else None, **fields)
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
            if canonical and (is_attachment_url(canonical) or not _skippable(canonical)) \
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

    def _hints(self, source: Source, url: str, root, page_url: str) -> dict:
        """What other pages say about this one (listing dates, the host's name); notes this page's own."""
        found = {}
        for link, date in listing_dates(root, page_url).items():
            canonical = canonical_url(link)
            if canonical and source.in_scope(canonical):
                found[canonical] = date
        self.frontier.save_listing_dates(found)
        title = root.find(".//title")
        own = " ".join(title.text_content().split()) if title is not None else None
        return {"site_names": learned_site_names(self.frontier.host_titles(site_host(page_url), own)),
                "listed": self.frontier.listing_date(url)}

    def _drop_stale(self, url: str) -> None:
        doc_id = self.frontier.doc_id_of(url)
        if doc_id and self.store.delete(doc_id):
            self.report.removed += 1


def store_attachment(store: Store, frontier: Frontier, url: str, final: str, source: str | None, body: bytes,
                     options: AttachmentOptions) -> str:
    """Read an attached file into the store: 'added', 'updated', 'unchanged', or the reason it was not read."""
    parent_id = frontier.parent_of(url) or frontier.parent_of(final)
    parent = store.get(parent_id) if parent_id else None
    doc_id = make_id(final)
    previous = store.get(doc_id)
    doc = attachment_document(body, doc_id=doc_id, url=final, parent=parent, source=source,
                              fetched_at=previous.fetched_at if previous else now(), options=options)
    if isinstance(doc, str):
        if previous is not None:
            store.delete(doc_id)
        return doc
    if previous is not None:
        doc.near_duplicate_of = previous.near_duplicate_of
    return store.upsert(doc)


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


def resolve_sources(
    start_urls: Iterable[str] = (),
    sources: str | Path | list[Source] | None = None,
    *,
    province: str | None = None,
    allow_private: bool = False,
) -> list[Source]:
    """Sources from a sources file (or list) plus ad-hoc ones for bare start URLs."""
    out: list[Source] = []
    province = source_province(province, where="--province")
    if sources is not None:
        out.extend(load_sources(sources) if isinstance(sources, (str, Path)) else list(sources))
    if province:
        for source in out:
            source.province = source.province or province
    out.extend(sources_from_urls(list(start_urls), province=province))
    names: set[str] = set()
    for source in out:
        source.allow_private = source.allow_private or allow_private
        if source.name in names:
            source.name = f"{source.name} ({source.start_urls[0]})"
        names.add(source.name)
    return out


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
    (a source's ``render = true`` does it for that source only).
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
        from corpus.store.dedup import link_near_duplicates

        report.near_duplicates = link_near_duplicates(store)
    return report


def reclean(store: Store, *, progress: Callable[[RecleanReport, str], None] | None = None,
            link_duplicates: bool = True, ocr: bool = True) -> RecleanReport:
    """Re-run cleaning and extraction on every archived page and attached file; no network."""
    frontier = Frontier(store)
    provinces = frontier.source_provinces()
    report = RecleanReport()
    # The crawl already capped what it kept: no size cap here.
    options = AttachmentOptions(ocr=ocr, cache_dir=ocr_cache_dir(store.path), max_bytes=2**40)
    for url, final_url, source, headers, body in frontier.raw_pages():
        report.pages += 1
        final = canonical_url(final_url or url) or url
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if not looks_like_html(body) and is_attachment(ctype, body):
            outcome = store_attachment(store, frontier, url, final, source, body, options)
            if outcome in ("added", "updated", "unchanged"):
                setattr(report, outcome, getattr(report, outcome) + 1)
                store.crawl.set_document(url, make_id(final))
            else:
                report.unreadable += 1
                store.crawl.set_document(url, None, outcome)
            store.commit()
            if progress is not None:
                progress(report, url)
            continue
        fields = parse_html(body, url=final, headers=headers, source_province=provinces.get(source),
                            site_names=learned_site_names(frontier.host_titles(site_host(final))),
                            listed=frontier.listing_date(url))
        doc_id = make_id(final)
        if fields is None:
            report.listings += 1
            old = frontier.doc_id_of(url)
            if old and store.delete(old):
                report.removed += 1
            store.crawl.set_state(url, "listing", None)
        else:
            previous = store.get(doc_id)
            doc = Document(
                id=doc_id, url=final, source=source, fetched_at=previous.fetched_at if previous else now(),
                near_duplicate_of=previous.near_duplicate_of if previous else None, **fields,
            )
            outcome = store.upsert(doc)
            setattr(report, outcome, getattr(report, outcome) + 1)
            store.crawl.set_state(url, "article", doc_id)
        store.commit()
        if progress is not None:
            progress(report, url)
    if link_duplicates:
        from corpus.store.dedup import link_near_duplicates

        report.near_duplicates = link_near_duplicates(store)
    return report
