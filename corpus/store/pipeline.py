"""The page pipeline: what was read (a portal page, a text dump, an attached file) -> one ``Document``.

The crawler, ``danvan reclean`` and ``danvan import`` make their Documents
here and nowhere else, so a page imported from a file and the same page
crawled become the same Document.  The steps, each in its own module:

- an HTML page: decode (``clean/decoding``) -> parse (``clean/tree``) ->
  the head's facts, read before cleaning (``extract/htmlhead``) -> drop junk
  -> the main text, or the verdict "listing" (``clean/htmlclean``) ->
  headline, date, byline, attached files (``extract/htmlmeta``) -> head lines
  repeating the headline or the date dropped (``extract/headline``);
- a text dump: its article block, title, date line and byline (``extract/textdump``);
- then for both: the text's facts (``extract/textmeta``: date lines, year,
  province, cited documents), the page's own date handed over as a date;
- an attached file: its text (``clean/filetext``, OCR for scans), its header
  (``extract/docheader``), the text's facts, and what its parent page says.

Facts travel as data: a date is a ``datetime.date`` until the Document
stores it as an ISO string.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from corpus.clean.decoding import decode, decode_html
from corpus.clean.filetext import read_file
from corpus.clean.htmlclean import clean_html
from corpus.clean.tree import drop_junk, parse_tree
from corpus.extract.attachments import AttachmentOptions, file_name
from corpus.extract.docheader import read_header
from corpus.extract.headline import strip_head_lines
from corpus.extract.htmlhead import read_metadata
from corpus.extract.htmlmeta import read_facts
from corpus.extract.textdump import read_text_dump
from corpus.extract.textmeta import extract_metadata
from corpus.knowledge.provinces import to_2025
from corpus.knowledge.vietnamese import nfc
from corpus.store.document import MAX_CHARS, MAX_ITEMS, Document, check_fields

MIN_UNDATED_CHARS = 1000  # a page with no publication date must have this much text


@dataclass(frozen=True)
class Origin:
    """What the caller knows of a page besides its content: where it is, its source, what other pages said of it."""

    url: str | None = None
    headers: Mapping[str, str] | None = None  # the HTTP response's (its charset)
    source: str | None = None  # the source's name
    province: str | None = None  # the source's province: a provincial portal's pages are about it
    site_names: tuple[str, ...] = ()  # the portal's name, learned from its other pages' <title>s
    listed: dt.date | None = None  # the date a listing showed beside the link (used when the page shows none)


def page_document(raw: bytes | str, origin: Origin, *, doc_id: str, text_dump: bool = False,
                  fetched_at: str | None = None, near_duplicate_of: str | None = None) -> Document | None:
    """The Document of one page (HTML, or a text dump with ``text_dump``); None for a listing, home or empty page."""
    fields = page_fields(raw, origin, text_dump=text_dump)
    if fields is None:
        return None
    return Document(id=doc_id, url=origin.url, source=origin.source, fetched_at=fetched_at,
                    near_duplicate_of=near_duplicate_of, **fields)


def page_fields(raw: bytes | str, origin: Origin = Origin(), *, text_dump: bool = False) -> dict[str, Any] | None:
    """The Document fields one page gives (title, text, published, province, ...); None when it is no article.

    Bytes are decoded (charset, legacy font encodings); a str is the page's text already decoded.
    """
    read = _read_text_dump(raw, origin) if text_dump else _read_html(raw, origin)
    if read is None:
        return None
    text, facts, title, author, attachments = read
    # Held to the sizes `danvan import` holds records to, so an export imports back unchanged.
    sized = {"title": title, "author": author,
             "attachments": [a for a in attachments if len(a) <= MAX_CHARS["url"]][:MAX_ITEMS["attachments"]]}
    check_fields(sized)
    return {
        "title": sized["title"],
        "text": text,
        "published": _iso(facts["published"]),
        "year": facts["year"],
        "year_source": facts["year_source"],
        "province": facts["province"],
        "province_2025": facts["province_2025"],
        "directives": list(facts["directives"]),
        "directives_partial": list(facts["directives_partial"]),
        "author": sized["author"],
        "attachments": sized["attachments"],
    }


def _read_html(raw: bytes | str, origin: Origin) -> tuple | None:
    """(text, the text's facts, title, author, attached files) of an HTML page; None for a listing or empty page."""
    html = decode_html(raw, dict(origin.headers) if origin.headers else None) if isinstance(raw, bytes) else nfc(raw)
    root = parse_tree(html)
    if root is None:
        return None
    page = read_metadata(root, url=origin.url)  # before cleaning: needs <head>, header, footer
    page.learned_names = list(origin.site_names)
    drop_junk(root)
    text, content = clean_html(root, article_hint=page.article_hint)
    if text is None:
        return None
    read_facts(root, content, page, url=origin.url)
    text, line_date = strip_head_lines(text, page.title)
    page.published = page.published or line_date or origin.listed
    if not (page.published or page.article_hint or len(text) >= MIN_UNDATED_CHARS):
        return None  # a short undated page: contact, gallery, section intro
    facts = extract_metadata(text, title=page.title, header=list(dict.fromkeys(page.portal_names)), url=origin.url,
                             source_province=origin.province, published=page.published)
    return text, facts, page.title, page.author, page.attachments


def _read_text_dump(raw: bytes | str, origin: Origin) -> tuple:
    """(text, the text's facts, title, author, no files) of a portal page's text dump."""
    dump = read_text_dump(decode(raw)[0] if isinstance(raw, bytes) else raw)
    facts = extract_metadata(dump.text, title=dump.title, header=dump.header, url=origin.url,
                             source_province=origin.province, published=dump.published)
    return dump.text, facts, dump.title, dump.author, []


def attachment_document(data: bytes, *, doc_id: str, url: str, parent: Document | None = None,
                        source: str | None = None, fetched_at: str | None = None,
                        options: AttachmentOptions | None = None) -> Document | str:
    """The Document of one attached file, or the reason it has none (corrupt, password-protected, ...).

    The province, and the date when the file's header has none, come from the page linking it (``parent``).
    """
    options = options or AttachmentOptions()
    name = file_name(url)
    got = read_file(data, name, ocr=options.ocr, cache_dir=options.cache_dir, max_bytes=options.max_bytes,
                    progress=options.progress)
    if got.reason:
        return got.reason
    header = read_header(got.text)
    title = header["title"] or _first_line(got.text) or name
    meta = extract_metadata(got.text, title=title, url=url,
                            source_province=parent.province if parent else None)
    number = header["number"]
    published = _iso(header["published"]) or (parent.published if parent else None) or _iso(meta["published"])
    province = parent.province if parent and parent.province else meta["province"]
    province_2025 = (parent.province_2025 if parent and parent.province else None) or to_2025(province)
    return Document(
        id=doc_id, text=got.text, title=title, url=url, source=source if source is not None else
        (parent.source if parent else None), published=published,
        year=None if published else meta["year"], year_source=None if published else meta["year_source"],
        province=province, province_2025=province_2025,
        # Its own number heads the file: the file is that document, it does not cite it.
        directives=[d for d in meta["directives"] if d != number], directives_partial=meta["directives_partial"],
        parent_id=parent.id if parent else None, number=number, fetched_at=fetched_at,
    )


def _iso(day: dt.date | None) -> str | None:
    """How a Document stores a date."""
    return day.isoformat() if day else None


def _first_line(text: str) -> str | None:
    """The first line long enough to be a title."""
    for line in text.splitlines():
        if len(line.strip()) >= 8:
            return line.strip()[:200]
    return None
