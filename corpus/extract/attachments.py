"""Attached files (the plans and directives a news item links) as Documents of their own.

One function, ``attachment_document``, turns a file's bytes into a Document;
the crawler, ``danvan reclean`` and ``danvan import`` all call it.  The text
comes from ``corpus.clean.filetext``, the number, date and title from the header
(``corpus.extract.docheader``); the province, and the date when the header has none,
come from the page that links the file (its parent).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from corpus.extract.docheader import read_header
from corpus.store.document import Document
from corpus.extract.textmeta import extract_metadata
from corpus.clean.filetext import MAX_FILE_BYTES, read_file
from corpus.knowledge.provinces import to_2025

# Linked files worth fetching and reading (images are pictures of the article, not documents).
SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".rtf")
_SUFFIX_RE = re.compile(r"(?:" + "|".join(re.escape(s) for s in SUFFIXES) + r")(?=$|[&/?#;])")
OCR_CACHE = "ocr-cache"  # beside the store, in the data directory


@dataclass
class AttachmentOptions:
    """How attachments are read: OCR on or off, its cache, the size cap."""

    ocr: bool = True
    cache_dir: Path | None = None
    max_bytes: int = MAX_FILE_BYTES
    progress: Callable[[int, int], None] | None = None  # (pages read by OCR, pages to read)


def ocr_cache_dir(store_path: str | Path) -> Path:
    """Where OCR text is cached for a store (its data directory)."""
    return Path(store_path).parent / OCR_CACHE


def file_name(url: str) -> str:
    """The file name of a URL or path, for format detection and as a last-resort title."""
    path = unquote(urlsplit(url).path) if "://" in url else url
    # Liferay serves /documents/<group>/<folder>/<name>.pdf/<uuid>: the name is the segment with a suffix.
    for segment in reversed([s for s in path.split("/") if s]):
        if segment.lower().endswith(SUFFIXES):
            return segment
    return path.rstrip("/").rsplit("/", 1)[-1]


def is_attachment_url(url: str) -> bool:
    """True when a URL (or path) names a readable document file, in its path or its query ("?file=kh.pdf")."""
    return _SUFFIX_RE.search(unquote(url).lower()) is not None


def attachment_document(data: bytes, *, doc_id: str, url: str, parent: Document | None = None,
                        source: str | None = None, fetched_at: str | None = None,
                        options: AttachmentOptions | None = None) -> Document | str:
    """The Document of one attached file, or the reason it has none (corrupt, password-protected, ...)."""
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
    published = header["published"] or (parent.published if parent else None) or meta["published"]
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


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if len(line.strip()) >= 8:
            return line.strip()[:200]
    return None
