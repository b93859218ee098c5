"""One spelling per page URL, the form to request, and the frontier priority a URL earns.

Tracking and bookkeeping parameters are dropped, the query sorted and escapes
normalised, so a page reached by two links is one frontier entry; URLs that look
generated (calendars, sorting, paging, repeated path segments) wait until the
rest is done.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from corpus.crawl.fetch import MAX_URL_LENGTH
from corpus.crawl.sources import site_host

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


def skippable(url: str) -> bool:
    """True when a URL names a file that is not a page (a picture, a style sheet, a document, an archive)."""
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

