"""Crawl portals into the store, and re-clean archived pages without fetching.

``crawl`` walks each source breadth first from its start URLs, robots.txt
sitemaps and RSS feeds, staying on the source's site.  Every page fetched is
archived (compressed) in the store; pages that clean into an article become
Documents, listing pages only feed the frontier.  The frontier is in SQLite:
a crawl that is killed, or stops at ``max_pages``, is resumed by the next
call; a crawl started after a finished one revisits every known URL with
conditional requests (ETag / Last-Modified), so unchanged pages cost a 304.
A page that keeps failing is recorded and the crawl goes on.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from corpus.document import Document, content_hash, make_id
from corpus.fetch import Fetcher, FetchResult, is_private_host
from corpus.frontier import Frontier, now
from corpus.htmlclean import decode_html, parse_document, parse_html, parse_tree
from corpus.sources import Source, load_sources, site_host, sources_from_urls
from corpus.store import Store

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
MAX_DEPTH = 12


def canonical_url(url: str, base: str | None = None) -> str | None:
    """One spelling per page: no fragment, no tracking parameters, no trailing slash,
    lower-case scheme and host, no default port, sorted query, normalised escapes.

    >>> canonical_url("HTTP://Example.VN:80/a/b/?utm_source=x&b=2&a=1#top")
    'http://example.vn/a/b?a=1&b=2'
    >>> canonical_url("tin-1.html?ref=menu", "https://example.vn/tin/")
    'https://example.vn/tin/tin-1.html'
    """
    url = (url or "").strip()
    if not url or url.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = site_host(url)
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = _clean_query(parts.query, path)
    return urlunsplit((scheme, host, path, query, ""))


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
    """The URL to request: like the canonical form but keeping the path as written."""
    url = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme.lower(), site_host(url), path, _clean_query(parts.query, path), ""))


def _skippable(url: str) -> bool:
    # Liferay serves documents as /documents/<group>/<folder>/<name>.pdf/<uuid>.
    return any(segment.endswith(SKIP_EXTENSIONS) for segment in unquote(urlsplit(url).path).lower().split("/"))


# ------------------------------------------------------------ discovery


def page_links(root, base_url: str) -> list[str]:
    """Absolute URLs of links on a parsed page (nofollow links left out)."""
    base = root.xpath("string(//base/@href)") or base_url
    base = urljoin(base_url, base)
    out: list[str] = []
    for el in root.xpath("//a[@href] | //area[@href] | //link[@rel='next'][@href]"):
        if "nofollow" in (el.get("rel") or "").lower():
            continue
        href = el.get("href")
        if href:
            out.append(urljoin(base, href.strip()))
    return out


def _xml_root(body: bytes):
    if body[:2] == b"\x1f\x8b":
        import gzip

        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body.lstrip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def xml_links(body: bytes, base_url: str) -> tuple[str, list[str], list[str]] | None:
    """(kind, page URLs, sitemap URLs) of a sitemap, sitemap index or RSS/Atom feed; None if not one.

    Root-relative ``<loc>`` values are resolved against the sitemap's URL.
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
                url = urljoin(base_url, el.text.strip())
                parent = _local(el.getparent().tag) if el.getparent() is not None else ""
                (maps if parent == "sitemap" or kind == "sitemapindex" else pages).append(url)
        return "sitemap", pages, maps
    if kind in ("rss", "rdf", "feed"):
        for el in root.iter():
            name = _local(el.tag)
            if name == "link":
                href = el.get("href") if kind == "feed" else (el.text or "").strip()
                if href and (kind != "feed" or el.get("rel", "alternate") == "alternate"):
                    pages.append(urljoin(base_url, href.strip()))
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

    @property
    def visited(self) -> int:
        """Requests made for pages (what ``max_pages`` counts)."""
        return self.fetched + self.not_modified + self.failed


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


# ---------------------------------------------------------------- crawl


class _Crawler:
    def __init__(self, store: Store, sources: list[Source], fetcher: Fetcher, report: CrawlReport) -> None:
        self.store = store
        self.frontier = Frontier(store.db)
        self.sources = {s.name: s for s in sources}
        self.fetcher = fetcher
        self.report = report
        self._private: dict[str, bool] = {}

    def in_scope(self, source: Source, url: str) -> bool:
        if not source.in_scope(url):
            return False
        if source.allow_private:
            return True
        host = urlsplit(url).hostname or ""
        if host not in self._private:
            self._private[host] = is_private_host(host)
        return not self._private[host]

    def enqueue(self, source: Source, url: str, *, kind: str = "page", depth: int = 0) -> None:
        canonical = canonical_url(url)
        fetch = fetchable_url(url)
        if not canonical or not fetch or depth > MAX_DEPTH or not self.in_scope(source, canonical):
            return
        if kind == "page":
            if _skippable(canonical):
                return
            if SITEMAP_HINT.search(urlsplit(canonical).path):
                kind = "sitemap"
        self.frontier.add(canonical, fetch, source.name, kind=kind, depth=depth)

    def seed(self, source: Source) -> None:
        self.frontier.save_source(source.name, source.province, {
            "start_urls": source.start_urls, "allowed_prefixes": source.allowed_prefixes})
        for url in source.start_urls:
            if not self.in_scope(source, url):
                why = "outside the allowed path prefixes" if not source.in_scope(url) else \
                    "a private or loopback address (allow_private = true in a sources file permits it)"
                self.report.refused.append((url, why))
                continue
            path = urlsplit(url).path
            kind = "sitemap" if SITEMAP_HINT.search(path) else "feed" if FEED_HINT.search(path) else "page"
            self.enqueue(source, url, kind=kind)
            if self.in_scope(source, url):
                for sitemap in self.fetcher.sitemaps(url):
                    self.enqueue(source, sitemap, kind="sitemap")
        self.store.db.commit()

    def visit(self, run: int, item) -> None:
        source = self.sources[item.source]
        validators = item.state in ("article", "listing", "other", "not_modified")
        result = self.fetcher.fetch(
            item.fetch_url,
            etag=item.etag if validators else None,
            last_modified=item.last_modified if validators else None,
            in_scope=lambda u: self.in_scope(source, u),
            delay=source.delay,
        )
        self._record(run, item, source, result)
        self.store.db.commit()

    def _record(self, run: int, item, source: Source, result: FetchResult) -> None:
        frontier, report = self.frontier, self.report
        if result.blocked:
            report.blocked += 1
            frontier.mark(item.url, run, "blocked", error=result.error)
            return
        if result.not_modified:
            report.not_modified += 1
            frontier.mark(item.url, run, item.state if item.state != "not_modified" else "not_modified",
                          status=304, keep_validators=True)
            return
        if not result.ok:
            report.failed += 1
            state = "gone" if result.status in (404, 410) else "failed"
            report.failures.append((item.fetch_url, result.error or f"HTTP {result.status}"))
            log.info("failed %s: %s", item.fetch_url, result.error)
            frontier.mark(item.url, run, state, status=result.status, error=result.error)
            return
        report.fetched += 1
        final = canonical_url(result.final_url) or item.url
        etag, modified = result.headers.get("etag"), result.headers.get("last-modified")
        xml = None
        if item.kind in ("sitemap", "feed") or "xml" in result.content_type or "rss" in result.content_type:
            xml = xml_links(result.body, result.final_url)
        if xml is not None:
            kind, pages, maps = xml
            for url in maps:
                self.enqueue(source, url, kind="sitemap", depth=item.depth)
            for url in pages:
                self.enqueue(source, url, depth=item.depth + 1)
            frontier.mark(item.url, run, "other", status=result.status, etag=etag, last_modified=modified)
            return
        if result.content_type not in HTML_TYPES:
            frontier.mark(item.url, run, "other", status=result.status, etag=etag, last_modified=modified)
            return
        frontier.save_page(item.url, result.final_url, result.status, result.headers, result.body)
        root = parse_tree(decode_html(result.body, result.headers))
        fields = None
        if root is not None:
            for link in page_links(root, result.final_url):
                self.enqueue(source, link, depth=item.depth + 1)
            fields = parse_document(root, url=final, source_province=source.province)
        doc_id = make_id(final)
        if fields is None:
            report.listings += 1
            self._drop_stale(item.url)
            frontier.mark(item.url, run, "listing", status=result.status, etag=etag, last_modified=modified)
            return
        twin = self.store.db.execute(
            "SELECT id FROM documents WHERE content_hash = ? AND source = ? AND id != ? LIMIT 1",
            (content_hash(fields["text"]), source.name, doc_id),
        ).fetchone()
        if twin is not None:
            # The same page under a second URL of the same site: keep the first.
            report.duplicates += 1
            frontier.mark(item.url, run, "duplicate", status=result.status, etag=etag, last_modified=modified)
            return
        previous = self.store.get(doc_id)
        doc = Document(id=doc_id, url=final, source=source.name, fetched_at=now(),
                       near_duplicate_of=previous.near_duplicate_of if previous else None, **fields)
        outcome = self.store.upsert(doc)
        setattr(report, outcome, getattr(report, outcome) + 1)
        frontier.mark(item.url, run, "article", status=result.status, etag=etag, last_modified=modified, doc_id=doc_id)
        if final != item.url:
            frontier.add(final, result.final_url, source.name, depth=item.depth)
            frontier.mark(final, run, "article", status=result.status, etag=etag, last_modified=modified, doc_id=doc_id)

    def _drop_stale(self, url: str) -> None:
        doc_id = self.frontier.doc_id_of(url)
        if doc_id and self.store.delete(doc_id):
            self.report.removed += 1


def resolve_sources(
    start_urls: Iterable[str] = (),
    sources: str | Path | list[Source] | None = None,
    *,
    province: str | None = None,
) -> list[Source]:
    """Sources from a sources file (or list) plus ad-hoc ones for bare start URLs."""
    out: list[Source] = []
    if sources is not None:
        out.extend(load_sources(sources) if isinstance(sources, (str, Path)) else list(sources))
    if province:
        for source in out:
            source.province = source.province or province
    out.extend(sources_from_urls(list(start_urls), province=province))
    names: set[str] = set()
    for source in out:
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
) -> CrawlReport:
    """Crawl the given sources/start URLs into ``store``; resumable, polite, never fatal per page."""
    chosen = resolve_sources(start_urls, sources, province=province)
    if not chosen:
        raise ValueError("nothing to crawl: give start URLs or a sources file")
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(delay=delay, timeout=timeout, max_bytes=max_bytes, retries=retries, backoff=backoff)
    report = CrawlReport()
    crawler = _Crawler(store, chosen, fetcher, report)
    try:
        run, report.resumed = crawler.frontier.begin_run()
        report.run = run
        for source in chosen:
            crawler.seed(source)
        names = list(crawler.sources)
        while max_pages is None or report.visited < max_pages:
            item = crawler.frontier.next_due(run, names)
            if item is None:
                break
            crawler.visit(run, item)
            if progress is not None:
                progress(report, item.fetch_url)
        report.queued = crawler.frontier.count_due(run, names)
        if report.queued == 0:
            crawler.frontier.finish_run(run)
            report.finished = True
    finally:
        if own_fetcher:
            fetcher.close()
    if link_duplicates and (report.added or report.updated or report.removed):
        from corpus.dedup import link_near_duplicates

        report.near_duplicates = link_near_duplicates(store)
    return report


def reclean(store: Store, *, progress: Callable[[RecleanReport, str], None] | None = None,
            link_duplicates: bool = True) -> RecleanReport:
    """Re-run cleaning and extraction on every archived page; no network."""
    frontier = Frontier(store.db)
    provinces = frontier.source_provinces()
    report = RecleanReport()
    for url, final_url, source, headers, body in frontier.raw_pages():
        report.pages += 1
        final = canonical_url(final_url or url) or url
        fields = parse_html(body, url=final, headers=headers, source_province=provinces.get(source))
        doc_id = make_id(final)
        if fields is None:
            report.listings += 1
            old = frontier.doc_id_of(url)
            if old and store.delete(old):
                report.removed += 1
            store.db.execute("UPDATE crawl_urls SET state = 'listing', doc_id = NULL WHERE url = ?", (url,))
        else:
            previous = store.get(doc_id)
            doc = Document(
                id=doc_id, url=final, source=source, fetched_at=previous.fetched_at if previous else now(),
                near_duplicate_of=previous.near_duplicate_of if previous else None, **fields,
            )
            outcome = store.upsert(doc)
            setattr(report, outcome, getattr(report, outcome) + 1)
            store.db.execute("UPDATE crawl_urls SET state = 'article', doc_id = ? WHERE url = ?", (doc_id, url))
        store.db.commit()
        if progress is not None:
            progress(report, url)
    if link_duplicates:
        from corpus.dedup import link_near_duplicates

        report.near_duplicates = link_near_duplicates(store)
    return report
