"""Export a whole result set as CSV or JSONL, streamed row by row.

The search is ranked once; rows (stored fields, snippet) are made while the
response is sent, so memory stays flat however large the export; a hard cap
bounds the work one request can cause.
"""
from __future__ import annotations

import csv
import html
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from flask import Response, stream_with_context

from corpus import jsonlines
from indexer.search import SearchService
from search_app.params import SearchParams

COLUMNS = ("rank", "id", "title", "published", "province", "province_2025", "directives", "genre", "period",
           "keywords", "source", "url", "score", "doc_url", "snippet")
_TAGS = re.compile(r"</?mark>")
# Rows (stored fields + snippet) are made CHUNK at a time, by one export at a
# time: an export is seconds of CPU under one GIL, and several at once
# starved every search of the server.  A lock per chunk never outlives it.
CHUNK = 100
_MAKING_ROWS = threading.Lock()
# What a spreadsheet may evaluate at the start of a cell (OWASP, "CSV injection"):
# an id "=1+2" or a url "=HYPERLINK(...)" is imported data too.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def plain(snippet_html: str) -> str:
    """A snippet's text without markup.

    >>> plain("a &lt;b&gt; <mark>dân</mark> vận")
    'a <b> dân vận'
    """
    return html.unescape(_TAGS.sub("", snippet_html))


def rows(service: SearchService, params: SearchParams, cap: int,
         link: Callable[[str], str]) -> tuple[int, Iterator[dict[str, Any]]]:
    """(rows that will be sent, their iterator).  The search runs now,
    so a bad request raises before any byte is sent."""
    first = service.search(replace(params, page=1, limit=1).to_request(), keep=max(cap, 1), significant=False)
    count = min(first.total, cap)

    def generate() -> Iterator[dict[str, Any]]:
        ranked, rank = first.ranked(), 0
        while rank < count:
            with _MAKING_ROWS:
                hits = list(islice(ranked, min(CHUNK, count - rank)))
            if not hits:
                return
            for hit in hits:
                rank += 1
                yield {
                    "rank": rank, "id": hit.id, "title": hit.title, "published": hit.published,
                    "province": hit.province, "province_2025": hit.province_2025,
                    "directives": hit.directives, "genre": hit.genre, "period": hit.period,
                    "keywords": service.keywords(hit.id), "source": hit.source, "url": hit.url,
                    "score": hit.score, "doc_url": link(hit.id), "snippet": plain(hit.snippet),
                }

    return count, generate()


def cell(value: Any) -> Any:
    """A CSV cell: lists joined, text a spreadsheet would run as a formula prefixed with ``'``.

    >>> cell("=1+2"), cell("@SUM(A1)"), cell(["16/CT-TTg", "25-NQ/TW"]), cell(-1.5)
    ("'=1+2", "'@SUM(A1)", '16/CT-TTg; 25-NQ/TW', -1.5)
    """
    if isinstance(value, list):
        value = "; ".join(value)
    if isinstance(value, str) and value.startswith(_FORMULA):
        value = "'" + value
    return value


def csv_lines(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text with a BOM (so spreadsheet programs read UTF-8), one chunk per row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    yield "\ufeff" + buffer.getvalue()
    for item in items:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: cell(item[k]) for k in COLUMNS})
        yield buffer.getvalue()


def jsonl_lines(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line."""
    for item in items:
        yield jsonlines.line(item) + "\n"


def response(service: SearchService, params: SearchParams, fmt: str, cap: int,
             link: Callable[[str], str]) -> Response:
    """The streamed download for ``fmt`` ('csv' or 'jsonl')."""
    count, items = rows(service, params, cap, link)
    body, mimetype = (csv_lines(items), "text/csv") if fmt == "csv" else (jsonl_lines(items), "application/x-ndjson")
    resp = Response(stream_with_context(body), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="danvan-ket-qua.{fmt}"'
    resp.headers["X-Total-Count"] = str(count)
    resp.headers["X-Export-Limit"] = str(cap)
    return resp
