"""Links found in what the crawler fetches: a page's <a href>s, sitemaps and RSS/Atom feeds.

Also tells a fetched body's kind by its content (an HTML page whatever its
Content-Type, an attached document by type or magic number).  Gzip sitemaps
are decompressed as a stream under a size cap.
"""
from __future__ import annotations

import re
import zlib
from urllib.parse import urljoin

from lxml import etree

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
# Sitemaps may hold 50,000 URLs and 50 MB uncompressed (sitemaps.org); more is refused.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


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
