"""Export a whole result set as CSV or JSONL, streamed in chunks of rows.

The search is ranked once and gives ids only; each chunk's fields are read
from the store in one query while the response is sent, so memory stays flat
however large the export, and no row is highlighted: an export's snippet is
the text's opening.  A hard cap bounds the work one request can cause.
"""
from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from itertools import islice, repeat
from pathlib import Path
from typing import Any

from flask import Response, stream_with_context

from corpus.store import config, jsonlines
from corpus.store.db import Store
from indexer.highlight import LEAD_SLACK, lead
from indexer.request import SearchRequest
from indexer.search import IndexMissing, SearchService

COLUMNS = ("rank", "id", "title", "published", "province", "province_2025", "directives", "genre", "period",
           "keywords", "source", "url", "score", "doc_url", "snippet")
# The store's fields a row shows ("text" only as the snippet's opening).
FIELDS = ("id", "title", "published", "province", "province_2025", "directives", "genre", "period", "source", "url",
          "text")
SNIPPET = 240  # characters of the text's opening in the snippet column, as a search hit shows them
# Rows are read and made CHUNK at a time (one store query, one piece of the
# response), by one export at a time: several at once would share one GIL
# with every search of the server.  A lock per chunk never outlives it.
CHUNK = 500
_MAKING_ROWS = threading.Lock()
_stores: dict[int, tuple[tuple, Store]] = {}  # process id -> (store file, its connection): see _kept_store
# What a spreadsheet may evaluate at the start of a cell (OWASP, "CSV injection"):
# an id "=1+2" or a url "=HYPERLINK(...)" is imported data too.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# A CSV chunk's cells are made a column at a time: ranks and scores are numbers, the lists are joined, every
# other column holds text or None.
_LISTS = [COLUMNS.index(name) for name in ("directives", "keywords")]
_TEXTS = [i for i, name in enumerate(COLUMNS) if name not in ("rank", "score", "directives", "keywords")]
_NUMBERS = [COLUMNS.index(name) for name in ("rank", "score")]


def rows(service: SearchService, home: Path, request: SearchRequest, cap: int,
         link: Callable[[str], str]) -> tuple[int, Iterator[tuple]]:
    """(rows that will be sent, their iterator): the search's hits in its order, each the values of ``COLUMNS``,
    their fields from the store of data directory ``home``.  The search runs now, so a bad request raises before
    any byte is sent.

    A hit whose document left the store since the last `danvan index` is left out; ranks keep the search's numbers.
    """
    path = config.store_path(home)
    if not path.is_file():
        raise IndexMissing(f"no corpus store in {home}: run `danvan import`, then `danvan index`")
    first = service.search(replace(request, page=1, limit=1), keep=max(cap, 1), significant=False)
    ranked, keywords = first.ranked[:cap], first.ranked_keywords

    def generate() -> Iterator[tuple]:
        for start in range(0, len(ranked), CHUNK):
            chunk = ranked[start:start + CHUNK]
            with _MAKING_ROWS:
                made = _chunk_rows(_kept_store(path), chunk, keywords(start, start + len(chunk)), start + 1, link)
            yield from made

    return len(ranked), generate()


def _kept_store(path: Path) -> Store:
    """The process's connection to the store at ``path`` for exports (call under ``_MAKING_ROWS``), kept from one
    export to the next: a new connection mapped the file again and faulted in every page it read (~20 ms of CPU a
    10,000-row export at 100k documents); one for the process, not one a thread, so that a page is mapped once.
    Another file at ``path`` (a data directory made again) gets a new connection; so does a forked process (a
    parent's connection is neither used nor closed there: SQLite's rule)."""
    info = path.stat()
    key = (str(path), info.st_dev, info.st_ino)
    kept = _stores.get(os.getpid())
    if kept is None or kept[0] != key:
        if kept is not None:
            kept[1].close()
        kept = _stores[os.getpid()] = (key, Store(path, any_thread=True))
    return kept[1]


def _chunk_rows(store: Store, chunk: list[tuple[str, float | None]], words: list[list[str]], rank: int,
                link: Callable[[str], str]) -> list[tuple]:
    """The rows (``COLUMNS``) of ``chunk``, ranked (id, score) pairs from rank ``rank`` on, made a column at a
    time (an export has 100,000s of values); a document gone from the store is left out, ranks kept."""
    found = list(store.values([doc_id for doc_id, _ in chunk], FIELDS, text_chars=SNIPPET + LEAD_SLACK))
    ranks: Sequence[int] = range(rank, rank + len(chunk))
    if len(found) < len(chunk):  # the store gives the rows it has in the order asked
        present = {row[0] for row in found}
        kept = [i for i, (doc_id, _) in enumerate(chunk) if doc_id in present]
        chunk, words, ranks = [chunk[i] for i in kept], [words[i] for i in kept], [ranks[i] for i in kept]
    if not found:
        return []
    ids, titles, published, provinces, provinces_2025, directives, genres, periods, sources, urls, texts, more = (
        zip(*found))
    return list(zip(ranks, ids, [v or "" for v in titles], _or_none(published), _or_none(provinces),
                    _or_none(provinces_2025), directives, _or_none(genres), _or_none(periods), words, sources, urls,
                    [score for _, score in chunk], map(link, ids), map(lead, texts, repeat(SNIPPET), more)))  # COLUMNS


def _or_none(column: Sequence[str | None]) -> list[str | None]:
    return [v or None for v in column]


def cell(value: Any) -> Any:
    """A CSV cell: lists joined, text a spreadsheet would run as a formula prefixed with ``'``.

    >>> cell("=1+2"), cell("@SUM(A1)"), cell(["16/CT-TTg", "25-NQ/TW"]), cell(-1.5)
    ("'=1+2", "'@SUM(A1)", '16/CT-TTg; 25-NQ/TW', -1.5)
    """
    if isinstance(value, list):
        value = "; ".join(value)
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def csv_text(chunk: list[tuple]) -> str:
    """A chunk of rows (``COLUMNS``) as CSV text, each value as :func:`cell` makes it, written as ``csv.writer``
    writes it (minimal quoting, "\r\n" after each row), a column at a time: an export has 100,000s of values,
    and the csv module's writer cost more than every other step of a row."""
    if not chunk:
        return ""
    columns = list(zip(*chunk))
    for i in _LISTS:
        columns[i] = ["; ".join(v) for v in columns[i]]
    for i in _LISTS + _TEXTS:
        column = [v or "" for v in columns[i]]
        # Most columns (ids, dates, places, links) hold no value to change: one look at the whole column.
        starts = "".join([v[:1] for v in column])
        if any(mark in starts for mark in _FORMULA):
            column = ["'" + v if v.startswith(_FORMULA) else v for v in column]
        if _quoted("".join(column)):
            column = ['"' + v.replace('"', '""') + '"' if _quoted(v) else v for v in column]
        columns[i] = column
    for i in _NUMBERS:
        columns[i] = ["" if v is None else str(v) for v in columns[i]]
    return "\r\n".join(map(",".join, zip(*columns))) + "\r\n"


def _quoted(text: str) -> bool:
    """Whether csv.writer quotes ``text``: it holds its delimiter, quote or a line end.  Four scans for one
    character each (a regex's character class went through a chunk's Vietnamese text ~10 times slower)."""
    return "," in text or '"' in text or "\n" in text or "\r" in text


def _chunks(items: Iterator[tuple]) -> Iterator[list[tuple]]:
    """``items`` CHUNK at a time: one piece of the response per chunk, not per row."""
    items = iter(items)
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def csv_lines(items: Iterator[tuple]) -> Iterator[str]:
    """CSV text with a BOM (so spreadsheet programs read UTF-8): the header, then one piece per chunk of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for chunk in _chunks(items):
        yield csv_text(chunk)


def jsonl_lines(items: Iterator[tuple]) -> Iterator[str]:
    """One JSON object per line (``COLUMNS`` as keys), one piece per chunk of rows."""
    for chunk in _chunks(items):
        yield "".join(jsonlines.line(dict(zip(COLUMNS, item))) + "\n" for item in chunk)


def response(service: SearchService, home: Path, request: SearchRequest, fmt: str, cap: int,
             link: Callable[[str], str]) -> Response:
    """The streamed download for ``fmt`` ('csv' or 'jsonl') of the result set, rows from the store in ``home``."""
    count, items = rows(service, home, request, cap, link)
    body, mimetype = (csv_lines(items), "text/csv") if fmt == "csv" else (jsonl_lines(items), "application/x-ndjson")
    resp = Response(stream_with_context(body), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="danvan-ket-qua.{fmt}"'
    resp.headers["X-Total-Count"] = str(count)
    resp.headers["X-Export-Limit"] = str(cap)
    return resp
