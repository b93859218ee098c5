"""BM25 scoring with numpy over the Whoosh index's own postings.

Whoosh stays the index; we only read its postings and field lengths into
arrays (cached per reader) and score a query as a few vector operations.
Whoosh's matcher trees score document by document in Python, which costs
hundreds of milliseconds for the long or common-word queries of this domain.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh.reading import TermNotFound

K1 = 1.2
B = 0.75
CACHE_TERMS = 20_000  # postings arrays kept per reader


class Ranker:
    """Postings, field lengths and BM25 for one index reader."""

    def __init__(self, reader, k1: float = K1, b: float = B) -> None:
        self.reader = reader
        self.k1, self.b = k1, b
        self.size = reader.doc_count_all()
        self.docs = max(1, reader.doc_count())
        self._lengths: dict[str, np.ndarray] = {}
        self._postings: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    # -- reading --------------------------------------------------------

    def lengths(self, field: str) -> np.ndarray:
        """Length (in terms) of ``field`` for every document number."""
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.fromiter((self.reader.doc_field_length(i, field, 0) or 0 for i in range(self.size)),
                              dtype=np.float32, count=self.size)
            self._lengths[field] = arr
        return arr

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, term frequencies) of ``term`` in ``field``; empty if absent."""
        key = (field, term)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
        for leaf, offset in self.reader.leaf_readers():
            try:
                matcher = leaf.postings(field, term)
            except TermNotFound:
                continue
            leaf_ids, leaf_weights = _read_all(matcher)
            ids.append(np.asarray(leaf_ids, dtype=np.int64) + offset)
            weights.append(np.asarray(leaf_weights, dtype=np.float32))
        hit = (np.concatenate(ids), np.concatenate(weights))
        with self._lock:
            self._postings[key] = hit
            if len(self._postings) > CACHE_TERMS:
                self._postings.popitem(last=False)
        return hit

    def docs_with(self, field: str, term: str) -> np.ndarray:
        """Doc numbers holding ``term`` in ``field``."""
        return self.postings(field, term)[0]

    # -- scoring --------------------------------------------------------

    def idf(self, field: str, term: str) -> float:
        """Lucene's BM25 idf, never negative."""
        df = len(self.postings(field, term)[0])
        return math.log(1 + (self.docs - df + 0.5) / (df + 0.5))

    def add_scores(self, scores: np.ndarray, field: str, term: str, weight: float = 1.0) -> None:
        """Add ``weight`` × BM25(term in field) to ``scores`` in place."""
        ids, tf = self.postings(field, term)
        if not len(ids):
            return
        lengths = self.lengths(field)
        avg = float(lengths.mean()) or 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths[ids] / avg)
        scores[ids] += (weight * self.idf(field, term)) * tf * (self.k1 + 1) / (tf + norm)

    def score(self, terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
        """Summed BM25 of (field, term, weight) triples for every document."""
        scores = np.zeros(self.size, dtype=np.float32)
        for field, term, weight in terms:
            self.add_scores(scores, field, term, weight)
        return scores


def _read_all(matcher) -> tuple[list[int], list[float]]:
    """All (ids, weights) of a leaf matcher, a block at a time when possible."""
    ids: list[int] = []
    weights: list[float] = []
    try:
        while matcher.is_active():
            # whoosh's W3 leaf matcher decodes one block of postings per call;
            # reading whole blocks is ~20x faster than posting by posting.
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids[matcher._i:])
            weights.extend(matcher._weights[matcher._i:])
            matcher._next_block()
    except AttributeError:  # another codec: the public, slower way
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def top(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Doc numbers of the ``k`` best scores among ``allowed``, best first (ties: lower docnum)."""
    candidates = np.flatnonzero(allowed)
    if not len(candidates):
        return candidates
    if k < len(candidates):
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]
