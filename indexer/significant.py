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
what one of ``SAMPLE`` does.  Once per index generation the column is read
whole and turned into numpy arrays (:class:`TermLists`): each document's terms
as ids of one vocabulary, and for each term the number of documents whose
stored terms hold it.  Proposing candidates is then one pass over the
sample's ids, weighed against that background with the same JLH (the sample
and the background both counted in the stored terms).  The candidates are then
scored exactly: their counts over the whole result set come from the ``words``
postings, so ``count`` is the number of matching documents holding the term.

Keywords of a document are chosen when it is indexed
(:func:`indexer.analysis.keywords`) and stored in its ``keyword`` field.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from indexer import whoosh_internals
from indexer.analysis import JOINER, fold_syllable
from indexer.term_rules import KEYWORDS

SAMPLE = 100  # best-ranked hits whose stored terms propose candidates
SAMPLE_SHARE = 50  # a candidate is in at least 1 in SAMPLE_SHARE of the sampled hits
CANDIDATES = 40  # proposed terms scored exactly over the whole result set
SHOWN = 12
CHUNK_DOCS = 2_000  # documents whose stored terms are turned into ids at once (bounds the memory it takes)
MIN_COUNT = 2  # a term in one matching document says nothing about the set


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


# A term's id is a 64-bit polynomial hash of its UTF-8 bytes (wrapping arithmetic), so the whole column
# is turned into ids by numpy without a Python dictionary of terms; two terms sharing a hash could only
# change which candidates are proposed, never a count (counts come from the postings, by term).
_HASH_BASE = np.uint64(1_099_511_628_211)
_HASH_LENGTH = np.uint64(0x9E3779B97F4A7C15)
CHECK_BASE = np.uint64(1_000_000_007)  # a second hash's base (see indexer.facets)


def _powers(n: int, base: np.uint64 = _HASH_BASE) -> np.ndarray:
    """``base ** i`` for i < n, modulo 2**64."""
    powers = np.ones(max(n, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, n):
            powers[i] = powers[i - 1] * base
    return powers


def term_tokens(data: bytes, offsets: np.ndarray, lengths: np.ndarray, separator: int = 32,
                base: np.uint64 = _HASH_BASE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The terms of a segment's ``word_counts`` column (raw bytes, each document's value at ``offsets`` for
    ``lengths``): per term, in document order, (hash, document, first byte, byte length).  Terms are separated by
    the byte ``separator`` (a space; a comma in a ``keyword`` column); ``base``: of the hash (another base gives
    a second hash, to check that two terms sharing one are one term).

    >>> values = ["dân_vận cơ_sở".encode(), b"", "dân_vận\\n1".encode()]  # the last one as written before session 7
    >>> h, doc, start, size = term_tokens(b"".join(values), np.array([0, 19, 19]), np.array([19, 0, 12]))
    >>> doc.tolist(), start.tolist(), size.tolist(), bool(h[0] == h[2] != h[1])
    ([0, 0, 2], [0, 11, 19], [10, 8, 10], True)
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    held = np.flatnonzero(lengths > 0)
    starts = offsets[held]
    newlines = np.append(np.flatnonzero(arr == 10), len(arr))
    ends = np.minimum(newlines[np.searchsorted(newlines, starts)], starts + lengths[held])  # the terms line
    marks = np.zeros(len(arr) + 1, dtype=np.int32)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends, -1)
    in_term = (np.cumsum(marks[:-1]) > 0) & (arr != separator)
    opens = np.zeros(len(arr) + 1, dtype=bool)
    opens[starts] = True  # a value starts a term even right after the previous value's last byte
    first = in_term & (~np.concatenate(([False], in_term[:-1])) | opens[:-1])
    last = in_term & (~np.concatenate((in_term[1:], [False])) | opens[1:])
    begin, size = np.flatnonzero(first), np.flatnonzero(last) + 1 - np.flatnonzero(first)
    doc = held[np.searchsorted(starts, begin, side="right") - 1] if len(begin) else np.zeros(0, dtype=np.int64)
    if not len(begin):
        return np.zeros(0, dtype=np.uint64), doc, begin, size
    where = np.flatnonzero(in_term)
    within = where - np.repeat(begin, size)
    with np.errstate(over="ignore"):
        values = (arr[where].astype(np.uint64) + np.uint64(1)) * _powers(int(size.max()), base)[within]
        hashes = np.add.reduceat(values, np.concatenate(([0], np.cumsum(size)[:-1])))
        hashes = hashes ^ (size.astype(np.uint64) * _HASH_LENGTH)
    return hashes, doc, begin, size


def best_first(scores: np.ndarray, term: Callable[[int], str]) -> Iterator[str]:
    """``term(i)`` for every i by descending ``scores[i]``, equal scores in text order; a term's text is made
    only when the iteration reaches its score (a caller stops after the first few dozen of thousands).

    >>> list(best_first(np.array([0.5, 2.0, 0.5, 1.0]), ["b", "x", "a", "y"].__getitem__))
    ['x', 'y', 'a', 'b']
    """
    order = np.argsort(-scores, kind="stable")
    ends = np.append(np.flatnonzero(np.diff(scores[order])) + 1, len(order)).tolist()
    start = 0
    for end in ends:
        yield from sorted(term(int(i)) for i in order[start:end])
        start = end


class TermLists:
    """Every document's stored terms (``word_counts``) as ids of one vocabulary, for one index generation.

    ``ids[starts[d]:starts[d + 1]]`` are document ``d``'s terms; ``df[i]`` is how many documents' stored
    terms hold term ``i``; :meth:`term` gives its text.
    """

    def __init__(self, columns: list[tuple[int, tuple[bytes, np.ndarray, np.ndarray] | None]], size: int) -> None:
        hashes, docs, places = [], [], []
        texts: list[bytes] = []
        for offset, column in columns:
            if column is None:
                continue
            data, starts, lengths = column
            for first in range(0, len(starts), CHUNK_DOCS):  # a chunk at a time: its byte arrays stay small
                part = slice(first, first + CHUNK_DOCS)
                base = int(starts[part][0])
                end = int((starts[part] + lengths[part]).max())
                h, doc, begin, length = term_tokens(data[base:end], starts[part] - base, lengths[part])
                hashes.append(h)
                docs.append((doc + first + offset).astype(np.int32))
                # where each term's bytes are: (segment, first byte, length), int32 to halve the build's memory
                places.append(np.stack([np.full(len(h), len(texts)), begin + base, length]).astype(np.int32))
            texts.append(data)
        everything = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        del hashes
        _unique, first, inverse, df = np.unique(everything, return_index=True, return_inverse=True,
                                                return_counts=True)
        del everything
        self.ids = inverse.astype(np.int32).reshape(-1)
        del inverse
        doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(np.bincount(doc, minlength=size)))).astype(np.int64)
        self.df = df.astype(np.int32)
        # The text of each term, from its first occurrence, in one byte string.
        where = (np.concatenate(places, axis=1)[:, first].astype(np.int64) if places
                 else np.zeros((3, 0), dtype=np.int64))
        del places
        chunks = [np.frombuffer(text, dtype=np.uint8) for text in texts]
        bounds = np.concatenate(([0], np.cumsum([len(c) for c in chunks]))).astype(np.int64)
        begin = bounds[where[0]] + where[1] if len(texts) else where[1]
        self._bytes = (np.concatenate(chunks)[np.repeat(begin - np.concatenate(([0], np.cumsum(where[2])[:-1])),
                                                         where[2]) + np.arange(int(where[2].sum()))].tobytes()
                       if len(texts) else b"")
        self._ends = np.concatenate(([0], np.cumsum(where[2]))).astype(np.int64)

    def term(self, i: int) -> str:
        """The text of term ``i``."""
        return self._bytes[self._ends[i]:self._ends[i + 1]].decode("utf-8")

    def of(self, docnums: Iterable[int]) -> np.ndarray:
        """The term ids of ``docnums``' stored terms, one array."""
        parts = [self.ids[self.starts[d]:self.starts[d + 1]] for d in docnums]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


class WordTerms:
    """The stored terms of one index generation: each segment's ``word_counts`` and ``keyword`` columns."""

    def __init__(self, ranker) -> None:
        self.ranker = ranker
        with ranker.io:
            leaves = [(leaf, offset) for leaf, offset in ranker.reader.leaf_readers() if leaf.doc_count_all()]
            self._keywords = [whoosh_internals.var_bytes_column(leaf, "keyword") for leaf, _ in leaves]
        self._offsets = np.array([offset for _, offset in leaves], dtype=np.int64)
        self._lists: TermLists | None = None
        self._lock = threading.Lock()

    def lists(self) -> TermLists:
        """Every document's stored terms as ids (read once, at the first call)."""
        with self._lock:
            if self._lists is None:
                with self.ranker.io:  # the ranker's reader now (a forked server process opens its own)
                    columns = [(offset, whoosh_internals.var_bytes_column(leaf, "word_counts"))
                               for leaf, offset in self.ranker.reader.leaf_readers() if leaf.doc_count_all()]
                self._lists = TermLists(columns, self.ranker.reader.doc_count_all())
            return self._lists

    def terms(self, docnum: int) -> list[str]:
        """The terms stored for one document, most frequent first."""
        lists = self.lists()
        return [lists.term(int(i)) for i in lists.of([docnum])]

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
        lists = self.lists()
        seen, held = np.unique(lists.of(docs), return_counts=True)
        # In a large sample, a term of 1 or 2 hits in 100 cannot beat those of the first rank.
        least = max(min(MIN_COUNT, len(docs)), len(docs) // SAMPLE_SHARE)
        keep = held >= least
        seen, held = seen[keep], held[keep]
        fg, bg = held / len(docs), lists.df[seen] / bg_size  # JLH (see jlh()) over the stored terms
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(fg > bg, (fg - bg) * (fg / bg), 0.0)
        positive = np.flatnonzero(scores > 0)
        found = []
        tried = 0
        for term in best_first(scores[positive], lambda i: lists.term(int(seen[positive[i]]))):
            if tried >= CANDIDATES:
                break
            if _holds([fold_syllable(s) for s in term.split(JOINER)], skip):
                continue
            tried += 1
            holders = self.ranker.holders("words", term)
            count = int(allowed[holders].sum())
            score = jlh(count, fg_size, len(holders), bg_size)
            if count >= MIN_COUNT and score > 0:
                found.append(SignificantTerm(display(term), count, round(score, 4)))
        found.sort(key=lambda t: (-t.score, t.term))
        return found[:shown]

    def keywords(self, docnum: int, top: int = KEYWORDS) -> list[str]:
        """The document's first ``top`` keywords, as the index workers chose them (none in an index from before)."""
        return self.keywords_of([docnum], top)[0]

    def keywords_of(self, docnums: Sequence[int] | np.ndarray, top: int = KEYWORDS) -> list[list[str]]:
        """:meth:`keywords` of each of ``docnums`` (an export's chunk of rows in one call)."""
        docnums = np.asarray(docnums, dtype=np.int64)
        found: list[list[str]] = []
        if not len(self._offsets):
            return [[] for _ in range(len(docnums))]
        segment = np.searchsorted(self._offsets, docnums, side="right") - 1
        for i, local in zip(segment.tolist(), (docnums - self._offsets[segment]).tolist()):
            column = self._keywords[i]
            if column is None:
                found.append([])
                continue
            data, offsets, lengths = column
            start = offsets[local]
            found.append([k for k in data[start:start + lengths[local]].decode("utf-8").split(",") if k][:top])
        return found
