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
what one of ``SAMPLE`` does.  The background is, for each term, the number of
documents whose stored terms hold it, by a 64-bit hash of the term: each
segment's stored terms are made into arrays once, when the index build commits
the segment, and kept in two files beside it (:func:`segment_terms`: its
distinct hashes with their counts, and each document's terms as indexes into
them).  A server's start adds up the counts of its segments
(:class:`TermCounts`) and maps the term lists, instead of reading every stored
term of the index (4 s at 100,000 documents).  Proposing candidates is then
one pass over the sample's term hashes, weighed against that background with
the same JLH (the sample and the background both counted in the stored terms).  The candidates are then
scored exactly: their counts over the whole result set come from the ``words``
postings, so ``count`` is the number of matching documents holding the term.

Keywords of a document are chosen when it is indexed
(:func:`indexer.analysis.keywords`) and stored in its ``keyword`` field.
"""
from __future__ import annotations

import bisect
import os
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
TERMS_EXTS = ("dvw1", "dvt1")  # the files of segment_terms() beside each segment (a new hash: new names)
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


def restating(words: Sequence[str], phrases: Sequence[Sequence[str]] = ()) -> list[tuple[str, ...]]:
    """What a term must not hold, as folded syllables, to be a theme of a query's results and not the query
    again: two of the query's words in a row (its only word, if one), and each quoted phrase.

    One shared syllable is not enough: folded, "đại gia súc" shares "dai" with "vay vốn ưu đãi".

    >>> restating(["vay", "vốn", "ưu", "đãi"])
    [('vay', 'von'), ('von', 'uu'), ('uu', 'dai')]
    >>> restating(["khéo"], [["dân", "vận"]])
    [('kheo',), ('dan', 'van')]
    """
    folded = [fold_syllable(w) for w in words]
    pairs = [tuple(folded[i:i + 2]) for i in range(len(folded) - 1)] or [tuple(folded)]
    return [p for p in pairs + [tuple(fold_syllable(s) for s in phrase) for phrase in phrases] if p]


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


def term_tokens(data: bytes, offsets: np.ndarray, lengths: np.ndarray, separator: int = 32, checked: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The terms of a segment's ``word_counts`` column (raw bytes, each document's value at ``offsets`` for
    ``lengths``): per term, in document order, (hash, document, first byte, byte length).  Terms are separated by
    the byte ``separator`` (a space; a comma in a ``keyword`` column).  ``checked``: the hashes are two rows, the
    second with another base (two terms sharing both hashes are one term).

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
    bases = (_HASH_BASE, CHECK_BASE) if checked else (_HASH_BASE,)
    if not len(begin):
        return np.zeros((len(bases), 0) if checked else 0, dtype=np.uint64), doc, begin, size
    where = np.flatnonzero(in_term)
    within = where - np.repeat(begin, size)
    codes = arr[where].astype(np.uint64) + np.uint64(1)
    heads = np.concatenate(([0], np.cumsum(size)[:-1]))
    hashes = []
    with np.errstate(over="ignore"):
        for base in bases:
            found = np.add.reduceat(codes * _powers(int(size.max()), base)[within], heads)
            hashes.append(found ^ (size.astype(np.uint64) * _HASH_LENGTH))
    return (np.stack(hashes) if checked else hashes[0]), doc, begin, size


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


def _column_tokens(column: tuple[bytes, np.ndarray, np.ndarray]) -> Iterator[tuple[np.ndarray, ...]]:
    """:func:`term_tokens` of a whole ``word_counts`` column, ``CHUNK_DOCS`` documents at a time (its byte arrays
    stay small): (hash, document, first byte, byte length) per term, documents and bytes counted from the column's
    start."""
    data, starts, lengths = column
    for first in range(0, len(starts), CHUNK_DOCS):
        part = slice(first, first + CHUNK_DOCS)
        base = int(starts[part][0])
        end = int((starts[part] + lengths[part]).max())
        h, doc, begin, size = term_tokens(data[base:end], starts[part] - base, lengths[part])
        yield h, doc + first, begin + base, size


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    """The hash of each stored term (as :func:`term_tokens` makes them)."""
    data = " ".join(terms).encode("utf-8")
    return term_tokens(data, np.array([0]), np.array([len(data)]))[0]


@dataclass(frozen=True)
class SegmentTerms:
    """A segment's stored terms by hash: ``distinct`` (sorted) and how many of its documents store each
    (``counts``); document d's terms, in their order, are ``distinct[ids[starts[d]:starts[d + 1]]]``."""

    distinct: np.ndarray
    counts: np.ndarray
    starts: np.ndarray
    ids: np.ndarray


def segment_terms(leaf) -> SegmentTerms:
    """The stored terms of one segment (:class:`SegmentTerms`).

    Read from the two files beside the segment (a segment never changes; Whoosh deletes the files with it), the
    documents' term lists mapped, not read; else made from the ``word_counts`` column, and kept in those files
    when the index folder is writable.
    """
    paths = _terms_paths(leaf)
    if paths is not None and all(os.path.exists(path) for path in paths):
        try:
            counts = np.load(paths[0], allow_pickle=False)
            lists = np.load(paths[1], mmap_mode="r", allow_pickle=False)
            size = leaf.doc_count_all()
            if (counts.dtype == np.uint64 and counts.ndim == 2 and counts.shape[0] == 2 and lists.dtype == np.uint32
                    and lists.ndim == 1 and len(lists) > size and len(lists) == size + 1 + int(lists[size])):
                lists = lists.view(np.ndarray)  # mapped all the same; slices of a plain array cost less
                return SegmentTerms(counts[0], counts[1].astype(np.int64), lists[:size + 1], lists[size + 1:])
        except (OSError, ValueError, EOFError):  # EOFError: an empty file
            pass  # unreadable files are made again
    column = whoosh_internals.var_bytes_column(leaf, "word_counts") if leaf.doc_count_all() else None
    tokens = [(h, doc) for h, doc, *_rest in _column_tokens(column)] if column is not None else []
    hashes = np.concatenate([h for h, _doc in tokens]) if tokens else np.zeros(0, dtype=np.uint64)
    docs = np.concatenate([doc for _h, doc in tokens]) if tokens else np.zeros(0, dtype=np.int64)
    distinct, ids, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    starts = np.concatenate(([0], np.cumsum(np.bincount(docs, minlength=leaf.doc_count_all()))))
    found = SegmentTerms(distinct, counts.astype(np.int64), starts.astype(np.uint32), ids.reshape(-1).astype(np.uint32))
    if paths is not None:
        try:
            for path, value in zip(paths, (np.stack([distinct, counts.astype(np.uint64)]),
                                           np.concatenate((found.starts, found.ids)))):
                part = f"{path}.{os.getpid()}.tmp"  # another process may be writing the same file
                with open(part, "wb") as out:
                    np.save(out, value)
                os.replace(part, path)
        except OSError:  # a read-only index: made at each start
            pass
    return found


def _terms_paths(leaf) -> tuple[str, str] | None:
    folder = getattr(leaf.storage(), "folder", None)  # None: not a file-system index (RamStorage)
    if folder is None:
        return None
    return tuple(os.path.join(folder, leaf.segment().make_filename("." + ext)) for ext in TERMS_EXTS)


def keep_stored_terms(reader) -> None:
    """Write the files of :func:`segment_terms` beside each segment of ``reader`` lacking them (the index build
    calls it after a commit, so that a server's start only maps them)."""
    for leaf, _offset in reader.leaf_readers():
        if leaf.doc_count_all():
            segment_terms(leaf)


class TermCounts:
    """How many documents' stored terms hold each term, over every segment of one index generation, by hash."""

    def __init__(self, segments: list[SegmentTerms]) -> None:
        hashes = np.concatenate([t.distinct for t in segments]) if segments else np.zeros(0, dtype=np.uint64)
        held = np.concatenate([t.counts for t in segments]) if segments else np.zeros(0, dtype=np.int64)
        self.hashes, inverse = np.unique(hashes, return_inverse=True)
        self.df = np.zeros(len(self.hashes), dtype=np.int64)
        np.add.at(self.df, inverse.reshape(-1), held)

    def frequency(self, hashes: np.ndarray) -> np.ndarray:
        """The documents holding each term of ``hashes`` (0 for a term no document stores)."""
        at = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self.hashes) - 1, 0))
        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=np.int64)
        return np.where(self.hashes[at] == hashes, self.df[at], 0)


class WordTerms:
    """The stored terms of one index generation: each segment's ``word_counts`` and ``keyword`` columns."""

    def __init__(self, ranker) -> None:
        self.ranker = ranker
        with ranker.io:
            leaves = [(leaf, offset) for leaf, offset in ranker.reader.leaf_readers() if leaf.doc_count_all()]
            self._keywords = [whoosh_internals.var_bytes_column(leaf, "keyword") for leaf, _ in leaves]
        # word_counts is read a value at a time (the text of a few candidates per search), not held whole (100 MB
        # at 100k), by readers of the ranker's reader of the moment (a forked server process opens its own).
        self._words: tuple[object, list] = (None, [])
        self._offsets = np.array([offset for _, offset in leaves], dtype=np.int64)
        self._background: TermCounts | None = None
        self._segments: list[SegmentTerms] = []
        self._lock = threading.Lock()

    def background(self) -> TermCounts:
        """Every term's number of documents storing it, and each segment's stored terms and column reader (read
        once, at the first call)."""
        with self._lock:
            if self._background is None:
                with self.ranker.io:  # the ranker's reader now (a forked server process opens its own)
                    self._segments = [segment_terms(leaf) for leaf, _offset in self.ranker.reader.leaf_readers()
                                      if leaf.doc_count_all()]
                    self._word_columns()  # each reads its offsets now, not at the first search
                self._background = TermCounts(self._segments)
            return self._background

    def terms(self, docnum: int) -> list[str]:
        """The terms stored for one document, most frequent first (as :func:`indexer.schema.decode_terms` reads
        them)."""
        return [term.decode("utf-8") for term in self._stored(docnum)]

    def _stored(self, docnum: int) -> list[bytes]:
        for i, local in self._places([docnum]):
            with self.ranker.io:  # the column reads through the shared reader's file
                column = self._word_columns()[i]
                value = column[local] if column is not None else b""
            line = value.split(b"\n", 1)[0]  # a line of counts followed the terms before session 7
            return [term for term in line.split(b" ") if term]
        return []

    def _word_columns(self) -> list:
        """The ``word_counts`` column reader of each segment of the ranker's reader (call under ``ranker.io``)."""
        reader = self.ranker.reader
        if self._words[0] is not reader:
            self._words = (reader, [leaf.column_reader("word_counts", translate=False)
                                    if leaf.has_column("word_counts") else None
                                    for leaf, _offset in reader.leaf_readers() if leaf.doc_count_all()])
        return self._words[1]

    def sample(self, docnums: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored terms of ``docnums``, one after the other: (hash, document, place among its terms) of each."""
        self.background()
        hashes, sizes = [np.zeros(0, dtype=np.uint64)], []
        for i, local in self._places(docnums):
            found = self._segments[i]
            start, end = found.starts[local:local + 2].tolist()
            hashes.append(found.distinct[found.ids[start:end]])
            sizes.append(end - start)
        docs = np.repeat(np.asarray(docnums, dtype=np.int64), sizes)
        places = np.arange(len(docs)) - np.repeat(np.cumsum(sizes) - sizes, sizes) if sizes else docs
        return np.concatenate(hashes), docs, places

    def _places(self, docnums: Sequence[int] | np.ndarray) -> list[tuple[int, int]]:
        """(segment, doc number in it) of each of ``docnums``."""
        if not len(self._offsets):
            return []
        if len(docnums) < 200:  # a page of hits or a sample: bisected, no arrays made
            offsets = self._offsets.tolist()
            return [(i, int(d) - offsets[i]) for d in docnums for i in [bisect.bisect_right(offsets, int(d)) - 1]]
        docnums = np.asarray(docnums, dtype=np.int64)
        segment = np.searchsorted(self._offsets, docnums, side="right") - 1
        return list(zip(segment.tolist(), (docnums - self._offsets[segment]).tolist()))

    def significant(self, sample: Iterable[int], allowed: np.ndarray, skip: Iterable[Sequence[str]] = (),
                    shown: int = SHOWN) -> list[SignificantTerm]:
        """The terms of the result set ``allowed`` most over-represented against the index, best first.

        ``sample``: the best-ranked matching documents (candidates come from
        them); ``skip``: what a term restating the query holds (:func:`restating`):
        such a term is no theme of its results.
        """
        docs = [int(d) for d in sample]
        fg_size = int(allowed.sum())
        bg_size = self.ranker.docs
        if not docs or not fg_size or fg_size >= bg_size:
            return []
        skip = [tuple(s) for s in skip if s]
        hashes, token_docs, token_places = self.sample(docs)
        seen, first, held = np.unique(hashes, return_index=True, return_counts=True)
        # In a large sample, a term of 1 or 2 hits in 100 cannot beat those of the first rank.
        least = max(min(MIN_COUNT, len(docs)), len(docs) // SAMPLE_SHARE)
        keep = held >= least
        seen, first, held = seen[keep], first[keep], held[keep]
        fg = held / len(docs)  # JLH (see jlh()) over the stored terms
        bg = self.background().frequency(seen) / bg_size
        read: dict[int, list[bytes]] = {}

        def text(i: int) -> str:  # a term's text, from the first sampled document storing it
            doc = int(token_docs[first[i]])
            if doc not in read:
                read[doc] = self._stored(doc)
            return read[doc][int(token_places[first[i]])].decode("utf-8")
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(fg > bg, (fg - bg) * (fg / bg), 0.0)
        positive = np.flatnonzero(scores > 0)
        candidates = []
        for term in best_first(scores[positive], lambda i: text(int(positive[i]))):
            if len(candidates) >= CANDIDATES:
                break
            if not _holds([fold_syllable(s) for s in term.split(JOINER)], skip):
                candidates.append(term)
        found = []
        for term, holders in zip(candidates, self.ranker.holders_of("words", candidates)):  # read together
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
        if not len(self._offsets):
            return [[] for _ in range(len(docnums))]
        found: list[list[str]] = []
        for i, local in self._places(docnums):
            column = self._keywords[i]
            if column is None:
                found.append([])
                continue
            data, offsets, lengths = column
            start = offsets[local]
            found.append([k for k in data[start:start + lengths[local]].decode("utf-8").split(",") if k][:top])
        return found
