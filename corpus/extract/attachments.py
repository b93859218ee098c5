"""Attached files (the plans and directives a news item links): which links name one, how they are read.

An attached file becomes a Document of its own in the page pipeline
(``corpus.store.pipeline.attachment_document``): the text comes from
``corpus.clean.filetext``, the number, date and title from the header
(``corpus.extract.docheader``); the province, and the date when the header has
none, come from the page that links the file (its parent).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from corpus.clean.filetext import MAX_FILE_BYTES

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
