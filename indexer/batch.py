"""Batch search: one JSON object per line in, one JSON object per line out (``danvan search --batch``).

A line is a search's options named as the CLI names them, plus an optional
"qid" (:meth:`indexer.request.SearchRequest.from_options`).  A line that runs
gives the search's JSON plus its "qid"; one that cannot (not JSON, not an
object, an unknown key, a bad value) gives ``{"qid", "line", "error",
"parameter"}``, and the lines after it still run.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from corpus.store import jsonlines
from indexer.request import QueryError, SearchRequest
from indexer.search import SearchService


def run_batch(service: SearchService, lines: Iterable[str]) -> Iterator[tuple[dict[str, Any], bool]]:
    """For each line, the object to print and whether its search ran."""
    for line in jsonlines.read(lines):  # a line too long, too deep or not JSON is one error line
        number, obj = line.number, line.value
        try:
            if line.problem:
                raise QueryError(line.problem)
            if not isinstance(obj, dict):
                raise QueryError("not a JSON object: write {\"query\": ..., filters...}")
            request = SearchRequest.from_options(obj, allow=("qid",))
            yield {"qid": obj.get("qid"), **service.search(request).to_dict()}, True
        except QueryError as exc:
            yield {"qid": obj.get("qid") if isinstance(obj, dict) else None, "line": number, "error": str(exc),
                   "parameter": exc.name}, False
