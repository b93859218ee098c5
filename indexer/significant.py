"""Significant terms of a result set, and keywords of one document, from the pyvi words stored per document.

A term is significant when the matching documents hold it far more often
than the whole index does.  The score is JLH, as Elasticsearch's
``significant_terms`` computes it: with ``fg`` the share of matching documents
holding the term and ``bg`` its share of all documents,

    score = (fg - bg) * (fg / bg)     (0 when fg <= bg)

so a term must be both more frequent (absolute change) and proportionally
more frequent (relative change) than in the background.

Candidates come from the ``word_counts`` column (the most frequent terms of
each document, written at index time) of the ``SAMPLE`` best-ranked hits: no
text is segmented at query time, and a result set of 50,000 documents costs
what one of ``SAMPLE`` does.  The candidates are then scored exactly: their
counts over the whole result set come from the ``words`` postings, so
``count`` is the number of matching documents holding the term.

Keywords of a document are chosen when it is indexed
(:func:`indexer.analysis.keywords`) and stored in its ``keyword`` field.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.analysis import JOINER, fold_syllable
from indexer.schema import decode_counts, decode_terms
from indexer.term_rules import KEYWORDS

SAMPLE = 100  # best-ranked hits whose stored terms propose candidates
SAMPLE_SHARE = 50  # a candidate is in at least 1 in SAMPLE_SHARE of the sampled hits
CANDIDATES = 40  # proposed terms scored exactly over the whole result set
SHOWN = 12
MIN_COUNT = 2  # a term in one matching document says nothing about the set
DF_CACHE = 200_000  # background document frequencies remembered per index generation


@dataclass
class SignificantTerm:
    """A term over-represented in a result set: ``count`` matching documents hold it."""

    term: str
    count: int
    score: float

    def to_dict(self) -> dict:
        return {"term": self.term, "count": self.count, "score": self.score}


def display(term: str) -> str:
    """A stored term as people write it ("chuyển_đổi_số" -> "chuyển đổi số")."""
    return term.replace(JOINER, " ")


def jlh(fg_count: int, fg_size: int, bg_count: int, bg_size: int) -> float:
    """Elasticsearch's JLH score of a term held by ``fg_count`` of ``fg_size`` and ``bg_count`` of ``bg_size``.

    >>> round(jlh(10, 100, 20, 10_000), 4), jlh(1, 100, 100, 10_000)
    (4.9, 0.0)
    """
    if not fg_size or not bg_size or not bg_count:
        return 0.0
    fg, bg = fg_count / fg_size, bg_count / bg_size
    return (fg - bg) * (fg / bg) if fg > bg else 0.0


def _holds(syllables: list[str], parts: list[tuple[str, ...]]) -> bool:
    """True if one of ``parts`` occurs in ``syllables`` (contiguously).

    >>> _holds(["giao", "duc", "so"], [("giao", "duc")]), _holds(["giao", "vien"], [("giao", "duc")])
    (True, False)
    """
    return any(tuple(syllables[i:i + len(p)]) == p for p in parts for i in range(len(syllables) - len(p) + 1))


class WordTerms:
    """The stored terms of one index generation: each segment's ``word_counts`` column, and document frequencies."""

    def __init__(self, ranker) -> None:
        self.ranker = ranker
        with ranker.io:
            leaves = [(leaf, offset) for leaf, offset in ranker.reader.leaf_readers() if leaf.doc_count_all()]
            self._columns = {name: [leaf.column_reader(name, translate=False)
                                    if name in leaf.schema and leaf.has_column(name) else None
                                    for leaf, _ in leaves]
                             for name in ("word_counts", "keyword")}
        self._offsets = np.array([offset for _, offset in leaves], dtype=np.int64)
        self._df: dict[str, int] = {}
        self._lock = threading.Lock()

    def _value(self, docnum: int, name: str = "word_counts") -> bytes:
        i = int(np.searchsorted(self._offsets, docnum, side="right")) - 1
        column = self._columns[name][i] if i >= 0 else None
        if column is None:
            return b""
        with self.ranker.io:  # a column reads its file with seek() + read()
            return column[int(docnum - self._offsets[i])]

    def counts(self, docnum: int) -> list[tuple[str, int]]:
        """The (term, count) pairs stored for one document, most frequent first."""
        value = self._value(docnum)
        return decode_counts(value) if value else []

    def terms(self, docnum: int) -> list[str]:
        """The terms stored for one document, most frequent first (no counts: what significance needs)."""
        return decode_terms(self._value(docnum))

    def doc_frequency(self, term: str) -> int:
        """How many documents of the index hold ``term`` (remembered)."""
        df = self._df.get(term)
        if df is None:
            df = self.ranker.doc_frequency("words", term)
            with self._lock:
                if len(self._df) >= DF_CACHE:
                    self._df.clear()
                self._df[term] = df
        return df

    def significant(self, sample: Iterable[int], allowed: np.ndarray, skip: Iterable[Sequence[str]] = (),
                    shown: int = SHOWN) -> list[SignificantTerm]:
        """The terms of the result set ``allowed`` most over-represented against the index, best first.

        ``sample``: the best-ranked matching documents (candidates come from
        them); ``skip``: the query's words and phrases as folded syllables (a
        term holding one of them restates the query: no theme of its results).
        """
        docs = [int(d) for d in sample]
        fg_size = int(allowed.sum())
        bg_size = self.ranker.docs
        if not docs or not fg_size or fg_size >= bg_size:
            return []
        skip = [tuple(s) for s in skip if s]
        seen: Counter = Counter()
        for docnum in docs:
            seen.update(self.terms(docnum))
        # In a large sample, a term of 1 or 2 hits in 100 cannot beat those of the first rank:
        # not looking up their background frequency saves most of a first query's time.
        least = max(min(MIN_COUNT, len(docs)), len(docs) // SAMPLE_SHARE)
        proposed = [(jlh(n, len(docs), self.doc_frequency(term), bg_size), term) for term, n in seen.items()
                    if n >= least]
        proposed.sort(key=lambda p: (-p[0], p[1]))
        found = []
        tried = 0
        for score, term in proposed:
            if score <= 0 or tried >= CANDIDATES:
                break
            if _holds([fold_syllable(s) for s in term.split(JOINER)], skip):
                continue
            tried += 1
            holders = self.ranker.docs_with("words", term)
            count = int(allowed[holders].sum())
            score = jlh(count, fg_size, len(holders), bg_size)
            if count >= MIN_COUNT and score > 0:
                found.append(SignificantTerm(display(term), count, round(score, 4)))
        found.sort(key=lambda t: (-t.score, t.term))
        return found[:shown]

    def keywords(self, docnum: int, top: int = KEYWORDS) -> list[str]:
        """The document's first ``top`` keywords, as the index workers chose them (none in an index from before)."""
        value = self._value(docnum, "keyword").decode("utf-8")
        return [k for k in value.split(",") if k][:top]
