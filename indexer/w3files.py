"""Whoosh W3 postings blocks, a whole field at a time.

Whoosh's W3 writer encodes a segment's terms one Python object at a time:
a ``W3TermInfo`` and a block buffer per term, a struct per key.  At ~500,000
distinct terms per 3,000 news articles (adjacent pairs make most terms
distinct) that per-term work was half of indexing.  Here a field's postings
are sorted with numpy (:class:`Postings`) and only the blocks of terms with
many postings are made per term, as W3's bytes: Whoosh's block matcher reads
them.  The term table is :mod:`indexer.termfile`'s.
"""
from __future__ import annotations

import zlib
from operator import sub
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import pack_int
from whoosh.util.numeric import length_to_byte

# W3 pickles postings with protocol 2, which has no bytes type: every value
# becomes a latin-1 str rebuilt by a call.  Protocol 4 pickles bytes as bytes,
# 5-9x faster and less than half the size; readers' pickle.loads takes any
# protocol.
PICKLE_PROTOCOL = 4


class PackedValues:
    """Postings' value bytes in one buffer: ``values[i]`` is bytes, ``values[a:b]`` a list of bytes.

    A bytes object per posting would cost ~40 bytes besides its own; here a
    posting costs its bytes and two offsets.

    >>> values = PackedValues.of([b"ab", b"", b"c"])
    >>> values[0], values[1:], values.permuted(np.array([2, 0]))[:]
    (b'ab', [b'', b'c'], [b'c', b'ab'])
    """

    __slots__ = ("buffer", "bounds")

    def __init__(self, buffer: bytes, bounds: np.ndarray) -> None:
        self.buffer = buffer
        self.bounds = bounds  # (n, 2) unsigned ints: each value's start and end in ``buffer``

    @classmethod
    def of(cls, values: list[bytes]) -> "PackedValues":
        """The values of a list of bytes."""
        lengths = np.array([len(v) for v in values], dtype=np.uint32)
        ends = np.cumsum(lengths, dtype=np.uint32)
        return cls(b"".join(values), np.column_stack((ends - lengths, ends)).reshape(-1, 2))

    def __len__(self) -> int:
        return len(self.bounds)

    def __getitem__(self, index):
        buffer = self.buffer
        if isinstance(index, slice):
            return [buffer[start:end] for start, end in self.bounds[index].tolist()]
        start, end = self.bounds[index].tolist()
        return buffer[start:end]

    def joined(self, start: int, end: int) -> bytes:
        """``b"".join(values[start:end])``, gathered with numpy (a common syllable's thousands of postings).

        >>> PackedValues.of([b"ab", b"", b"cde", b"f"]).joined(0, 3)
        b'abcde'
        """
        bounds = self.bounds[start:end].astype(np.int64)
        lengths = bounds[:, 1] - bounds[:, 0]
        if not len(lengths):
            return b""
        ends = np.cumsum(lengths)
        offsets = np.arange(ends[-1]) + np.repeat(bounds[:, 0] - (ends - lengths), lengths)
        return np.frombuffer(self.buffer, dtype=np.uint8)[offsets].tobytes()

    def permuted(self, order: np.ndarray) -> "PackedValues":
        """The same values in ``order`` (indexes into these), sharing the buffer."""
        return PackedValues(self.buffer, take_rows(self.bounds, order))


def take_rows(table: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``table[at]`` of a 2-D array: ``np.take``, several times faster than fancy indexing of rows."""
    return np.take(table, at, axis=0)


class Postings:
    """One field's postings sorted by term bytes, then document number.

    ``columns`` holds the postings' term ids, document numbers and weights
    (each posting's term: ``termbytes[term_of[i]]``); they are taken out of
    it, so that each is let go of as soon as its sorted copy is made (a
    worker's peak memory).  ``lengths`` holds each document's field length
    (None for fields that are not scorable).  ``values`` are the postings'
    value bytes, in the same order as ``docs`` (``values`` is reordered in
    place: its unsorted bounds are let go of at once).
    """

    def __init__(self, termbytes: list[bytes], columns: list[np.ndarray], values: PackedValues,
                 lengths: np.ndarray | None) -> None:
        term_of, docs, weights = columns
        columns.clear()
        order = sorted(range(len(termbytes)), key=termbytes.__getitem__)
        self.terms = [termbytes[i] for i in order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.counts = np.bincount(term_of, minlength=len(order))[order]
        self.starts = np.cumsum(self.counts) - self.counts
        perm = _by_term(rank, term_of, docs, self.starts)
        del term_of, rank
        values.bounds = take_rows(values.bounds, perm)
        self.docs = docs[perm]
        del docs
        self.weights = weights[perm]
        del weights
        self.values = values
        self.doc_lengths = lengths

    def lengths(self, start: int, end: int) -> np.ndarray | None:
        """Field lengths of postings ``start:end``'s documents (0: no length, as in Whoosh); None if not scorable."""
        return None if self.doc_lengths is None else self.doc_lengths[self.docs[start:end]]


def _by_term(rank: np.ndarray, term_of: np.ndarray, docs: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The order of postings sorted by their term's ``rank`` (of ``term_of``), then document (each term's
    postings begin at ``starts`` in that order).

    A pool adds each term's postings in document order (documents are added one after another), so the
    order is the postings' own within a term: a sort of (rank, index) values in one array, about twice as
    fast as an argsort of (rank, document) and no larger; a pool that did not (a merge may not) is sorted
    by (rank, document).

    >>> rank = np.array([0, 1])
    >>> _by_term(rank, np.array([1, 0, 1, 0]), np.array([0, 0, 1, 1], dtype=np.uint32), np.array([0, 2])).tolist()
    [1, 3, 0, 2]
    >>> _by_term(rank, np.array([0, 0]), np.array([5, 2], dtype=np.uint32), np.array([0])).tolist()
    [1, 0]
    """
    if len(term_of) >= 1 << 32:
        raise OverflowError("over 4 G postings in one field")
    order = rank[term_of]
    order <<= 32
    for first in range(0, len(order), 1 << 20):  # an index a posting, without a second array as long
        order[first:first + (1 << 20)] |= np.arange(first, min(len(order), first + (1 << 20)))
    order.sort()
    order &= 0xFFFFFFFF
    rising = np.empty(max(0, len(order) - 1), dtype=bool)
    for first in range(0, len(rising), 1 << 20):  # documents in that order a chunk at a time
        ordered = docs[order[first:first + (1 << 20) + 1]]
        rising[first:first + (1 << 20)] = ordered[1:] > ordered[:-1]
    rising[starts[1:][starts[1:] > 0] - 1] = True  # a term's first posting follows another term's last
    if rising.all():
        return order
    del order, rising
    keys = rank[term_of]
    keys <<= 32
    keys |= docs
    return np.argsort(keys)


def write_blocks(postfile, ids: list[int], weights: list[float], values: list[bytes], lengths: list[int] | None,
                 fixed_size: int | None, block_limit: int, compress_min: int, compression: int) -> tuple[int, int]:
    """Write one term's postings as W3 blocks; return their extent (offset, length) in ``postfile``."""
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    for first in range(0, len(ids), block_limit):
        last = first + block_limit >= len(ids)
        block_ids = ids[first:first + block_limit]
        block_weights = weights[first:first + block_limit]
        block_values = values[first:first + block_limit]
        deltas = tuple(map(sub, block_ids, [0, *block_ids[:-1]]))
        data = dumps((deltas, _mini_weights(block_weights), _mini_values(block_values, fixed_size)), PICKLE_PROTOCOL)
        comp = compression if len(block_ids) >= compress_min else 0
        if comp:
            data = zlib.compress(data, comp)
        minlength = maxlength = 0
        if lengths is not None:
            present = [length for length in lengths[first:first + block_limit] if length]
            if present:
                minlength, maxlength = length_to_byte(min(present)), length_to_byte(max(present))
        info = dumps((len(block_ids), block_ids[-1], max(block_weights), comp, minlength, maxlength),
                     PICKLE_PROTOCOL)
        size = len(info) + len(data)
        postfile.write(pack_int(-size if last else size) + info + data)
    return start, postfile.tell() - start


def _mini_weights(weights: list[float]):
    first = weights[0]
    if weights[-1] != first or weights.count(first) != len(weights):  # most blocks of varied weights: at once
        return tuple(weights)
    return None if first == 1.0 else first


def _mini_values(values: list[bytes], fixed_size: int | None):
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return b"".join(values)
