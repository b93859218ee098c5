"""Phrase timelines: how many documents contain a phrase, per year or province.

The matching is the search's (:meth:`SearchService.selection`: with or
without diacritics, either tone placement) and the counting is the facets'
(:meth:`FacetTable.count`), so a timeline's count for 2019 is the number of
hits ``danvan search '"PHRASE"' --year 2019`` finds.  ``per_1000`` is the
count per 1,000 documents of that bucket under the same filters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from corpus.knowledge.vietnamese import collation_key
from indexer.queryparse import MAX_TERMS, QUOTE_MARKS, ParsedQuery, parse
from indexer.search import QueryError, SearchRequest, SearchService

BY = ("year", "province", "province_2025")
MAX_PHRASES = 5
MAX_PHRASE_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Bucket:
    """Documents of one year (or province) containing the phrase, absolute and per 1,000 of that bucket."""

    value: int | str
    count: int
    per_1000: float

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "per_1000": self.per_1000}


@dataclass
class Trend:
    """One phrase's timeline; ``total`` also counts documents with no year (or province)."""

    term: str
    total: int
    buckets: list[Bucket] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "total": self.total, "buckets": [b.to_dict() for b in self.buckets]}


def phrase_query(phrase: str) -> ParsedQuery:
    """``phrase`` as a search's quoted phrase (a document number stays a number); QueryError if it has no word.

    >>> phrase_query("chuyển đổi số").phrases
    [['chuyển', 'đổi', 'số']]
    """
    parsed = parse('"' + QUOTE_MARKS.sub(" ", phrase) + '"')
    if parsed.empty:
        raise QueryError(f"{phrase!r} has no word to count", name="q")
    return parsed


def check_phrases(phrases: list[str], empty_ok: bool = False) -> list[str]:
    """The phrases, single-spaced, repeats dropped; QueryError unless 1 (0 if ``empty_ok``) to MAX_PHRASES."""
    out: list[str] = []
    for phrase in phrases:
        phrase = " ".join(_CONTROL.sub(" ", str(phrase)).split())
        if len(phrase) > MAX_PHRASE_CHARS:
            raise QueryError(f"a phrase has at most {MAX_PHRASE_CHARS} characters", name="q")
        words = len(QUOTE_MARKS.sub(" ", phrase).split())  # as typed: "25-NQ/TW" and "COVID-19" are one word each
        if words > MAX_TERMS:  # a search keeps the first MAX_TERMS words: the count would be a shorter phrase's
            raise QueryError(f"a phrase has at most {MAX_TERMS} words, not {words}", name="q")
        if phrase and phrase not in out:
            out.append(phrase)
    if not out and not empty_ok:
        raise QueryError("give a phrase to count, such as \"chuyển đổi số\"", name="q")
    if len(out) > MAX_PHRASES:
        raise QueryError(f"at most {MAX_PHRASES} phrases at once, not {len(out)}", name="q")
    return out


def timelines(service: SearchService, phrases: list[str], req: SearchRequest, by: str = "year") -> list[Trend]:
    """Each phrase's documents per value of ``by`` (year, province or province_2025) under ``req``'s filters."""
    if by not in BY:
        raise QueryError(f"by must be one of: {', '.join(BY)}, not {by!r}", name="by")
    phrases = check_phrases(phrases)
    table, allowed, matches = service.selection(req, [phrase_query(p) for p in phrases])
    base = {f.value: f.count for f in table.count(by, allowed, [])}
    order = sorted(base, key=int if by == "year" else collation_key)
    trends = []
    for phrase, mask in zip(phrases, matches):
        found = {f.value: f.count for f in table.count(by, mask, [])}
        trends.append(Trend(phrase, int(mask.sum()), [
            Bucket(int(value) if by == "year" else value, found.get(value, 0),
                   round(found.get(value, 0) * 1000 / base[value], 2))
            for value in order]))
    return trends
