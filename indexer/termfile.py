"""The term table of a segment (the ``.trm`` file): sorted terms in front-coded blocks.

Whoosh's W3 term table is a hash file: per term a 23-byte W3TermInfo struct,
a pickle of the inlined postings and about 40 bytes of hash slots and
offsets, which made it larger than the postings file.  Here a field's terms,
already sorted when a segment is written, go into blocks of
:data:`BLOCK_TERMS`; each term keeps what its prefix does not share with the
one before it, its document frequency, and then either its postings (fewer
than the segment writer's ``INLINE_LIMIT``: document deltas, weights and
values as varints, a column at a time), or its total weight and the extent of
its W3 blocks in the postings file, or (a long list of a syllable field) its
total weight only: its postings are in the long-list file
(:mod:`indexer.longlists`).  A lookup bisects the blocks'
first keys (read once when the segment opens) and decodes one block.

:class:`TermFileReader` answers Whoosh's ``TermsReader`` calls with ordinary
``W3TermInfo`` objects, so Whoosh's segment reader, matchers, merges and the
ranker read these segments unchanged.

Values are encoded by what they hold: positions (little-endian uint32, the
``SyllablePositions`` format) as a count and deltas; a value that is the
posting's weight as Whoosh's ``Frequency`` packs it as nothing; other bytes
as they are.  Adjacent-pair terms of syllable fields keep no positions (phrases
are matched on syllables, see ``indexer.ranker``): their value is empty and
their frequency is their weight.

Layout: Whoosh's 13-byte hash-file header (``HashWriter`` wrote it), the
blocks, then the block directory (the field map as JSON, the first keys, the
offsets of keys and blocks), then ``<QIII`` (directory offset, blocks, JSON
size, keys size) and :data:`MAGIC`.
"""
from __future__ import annotations

import bisect
import io
import json
import mmap
import os
import struct
import threading
import weakref
from array import array
from functools import partial
from itertools import accumulate

import numpy as np
from whoosh.codec.base import TermsReader
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint, pack_ushort, unpack_ushort

from indexer.whoosh_internals import HashWriter

MAGIC = b"DVT1"
TRAILER = struct.Struct("<QIII")
# Terms per block: a lookup decodes up to this many terms in Python; more
# terms per block means fewer first keys kept in memory per segment.
BLOCK_TERMS = 32
CODED_TERMS = BLOCK_TERMS * 512  # terms front-coded together (whole blocks): bounds the temporary arrays
# Whoosh's scorers bound a term's best score from its term info (shortest
# field length, largest weight); the table keeps neither, so a term info
# gives bounds that hold: length 1, the longest length, the total weight.
UNKNOWN_LENGTH = (1 << 31) - 1
# Value kinds of a term table's postings.
RAW, POSITIONS = 0, 1


def varints(nums: list[int]) -> bytes:
    """``nums`` (non-negative) as LEB128 varints.

    >>> varints([1, 127, 128, 300]).hex()
    '017f8001ac02'
    """
    if not nums or max(nums) < 128:
        return bytes(nums)
    out = bytearray()
    for n in nums:
        while n >= 128:
            out.append(n & 127 | 128)
            n >>= 7
        out.append(n)
    return bytes(out)


def weight_code(weight: float) -> int:
    """A posting's weight as one int: an integral weight ``w`` as ``2w``, any other as its float32 bits, odd."""
    if weight == int(weight) and 0 <= weight < 1 << 31:
        return int(weight) << 1
    return struct.unpack("<I", struct.pack("<f", weight))[0] << 1 | 1


def _weight(code: int) -> float:
    if code & 1:
        return struct.unpack("<f", struct.pack("<I", code >> 1))[0]
    return float(code >> 1)


def _total_code(weight: float) -> int:
    """A term's total weight as one int: ``2w`` if integral, else its float64 bits, odd."""
    if weight == int(weight) and 0 <= weight < 1 << 53:
        return int(weight) << 1
    return struct.unpack("<Q", struct.pack("<d", weight))[0] << 1 | 1


def _total(code: int) -> float:
    if code & 1:
        return struct.unpack("<d", struct.pack("<Q", code >> 1))[0]
    return float(code >> 1)


def encode_postings(ids: list[int], weights: list[float], values: list[bytes], kind: int) -> bytes:
    """A term's inlined postings as the term table stores them (one term of :func:`encode_many`)."""
    ends = np.cumsum([len(value) for value in values], dtype=np.int64)
    bounds = np.column_stack((ends - [len(value) for value in values], ends)).reshape(-1, 2)
    return encode_many(np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32),
                       np.array([len(ids)]), b"".join(values), bounds, kind)[0]


def encode_many(ids: np.ndarray, weights: np.ndarray, counts: np.ndarray, buffer: bytes, bounds: np.ndarray,
                kind: int, bare: np.ndarray | None = None) -> list[bytes]:
    """The inlined postings of consecutive terms, each as the term table stores it, encoded with numpy.

    ``counts[t]`` postings of term ``t`` follow those of the term before, by
    document; posting ``p`` has document ``ids[p]``, weight ``weights[p]``
    (float32) and value ``buffer[bounds[p, 0]:bounds[p, 1]]``.  Terms that
    ``bare`` marks keep no values (adjacent pairs: no positions).

    Every body starts with ``df << 2 | flags``.  :data:`POSITIONS` (flags:
    counts are weights << 1 | any positions): the document deltas, the weight
    codes, the position counts unless they are the weights, then each
    posting's positions as deltas (the first from 0).  :data:`RAW` (no
    flags): deltas, weight codes, a tag per value (0: Whoosh's ``Frequency``
    bytes of the weight, else length + 1), then the tagged values' bytes.
    """
    terms, n = len(counts), len(ids)
    if not terms:
        return []
    counts = np.asarray(counts, dtype=np.int64)
    term_of = np.repeat(np.arange(terms), counts)
    first = np.cumsum(counts) - counts  # each term's first posting
    rank = np.arange(n) - first[term_of]  # a posting's index within its term
    ids = np.asarray(ids, dtype=np.int64)
    deltas = ids.copy()
    deltas[1:] -= ids[:-1]
    deltas[first] = ids[first]
    codes = weight_codes(np.asarray(weights, dtype=np.float32))
    starts, lengths = bounds[:, 0].astype(np.int64), (bounds[:, 1].astype(np.int64) - bounds[:, 0])
    if bare is not None:
        lengths[np.repeat(np.asarray(bare, dtype=bool), counts)] = 0
    if kind == POSITIONS:
        found = lengths >> 2  # positions per posting
        totals = np.bincount(term_of, weights=found, minlength=terms).astype(np.int64)
        same = np.bincount(term_of, weights=((codes & 1) == 1) | (found != codes >> 1), minlength=terms) == 0
        listed = ~same & (totals > 0)  # terms whose position counts are written
        heads = counts << 2 | same << 1 | (totals > 0)
        sizes = 1 + 2 * counts + listed * counts + totals
        at = np.cumsum(sizes) - sizes
        ints = np.empty(int(sizes.sum()), dtype=np.uint64)
        ints[at] = heads
        ints[at[term_of] + 1 + rank] = deltas
        ints[at[term_of] + 1 + counts[term_of] + rank] = codes
        written = listed[term_of]
        ints[(at[term_of] + 1 + 2 * counts[term_of] + rank)[written]] = found[written]
        positions = _gather(np.frombuffer(buffer, dtype="<u4", count=len(buffer) // 4), starts >> 2, found)
        steps = positions.astype(np.int64)
        steps[1:] -= positions[:-1]
        runs = np.cumsum(found) - found  # each posting's first position
        steps[runs[found > 0]] = positions[runs[found > 0]]
        owner = np.repeat(term_of, found)
        ints[at[owner] + 1 + (2 + listed[owner]) * counts[owner] + np.arange(len(steps)) - runs[first[owner]]] = steps
        return _bodies(ints, at, np.zeros(terms, dtype=np.int64), np.empty(0, np.uint8), np.empty(0, np.int64))
    raw = np.frombuffer(buffer, dtype=np.uint8)
    packed = lengths == 4  # Whoosh's Frequency packs the weight as a big-endian uint32
    frequency = np.zeros(n, dtype=np.uint64)
    if packed.any():
        word = _gather(raw, starts[packed], np.full(int(packed.sum()), 4)).reshape(-1, 4).astype(np.uint64)
        frequency[packed] = word[:, 0] << 24 | word[:, 1] << 16 | word[:, 2] << 8 | word[:, 3]
    tags = np.where(packed & ((codes & 1) == 0) & (frequency == (codes >> 1).astype(np.uint64)), 0, lengths + 1)
    tagged = np.where(tags > 0, lengths, 0)
    sizes = 1 + 3 * counts
    at = np.cumsum(sizes) - sizes
    ints = np.empty(int(sizes.sum()), dtype=np.uint64)
    ints[at] = counts << 2
    ints[at[term_of] + 1 + rank] = deltas
    ints[at[term_of] + 1 + counts[term_of] + rank] = codes
    ints[at[term_of] + 1 + 2 * counts[term_of] + rank] = tags
    extra = np.bincount(term_of, weights=tagged, minlength=terms).astype(np.int64)
    return _bodies(ints, at, extra, _gather(raw, starts, tagged), np.repeat(term_of, tagged))


def weight_codes(weights: np.ndarray) -> np.ndarray:
    """:func:`weight_code` of each of ``weights`` (float32), as int64."""
    wide = weights.astype(np.float64)
    whole = (wide == np.floor(wide)) & (wide >= 0) & (wide < 1 << 31)
    return np.where(whole, np.where(whole, wide, 0).astype(np.int64) << 1,
                    weights.view(np.uint32).astype(np.int64) << 1 | 1)


def _gather(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``data[starts[i]:starts[i] + lengths[i]]`` for each ``i``, concatenated."""
    return data[_ranges(starts, lengths)]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices ``starts[i]``, ..., ``starts[i] + lengths[i] - 1`` for each ``i``, concatenated.

    >>> _ranges(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist()
    [5, 6, 9, 10, 11]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    runs = np.cumsum(lengths) - lengths
    return np.repeat(np.asarray(starts, dtype=np.int64) - runs, lengths) + np.arange(int(lengths.sum()))


def varint_array(nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``nums`` (uint64) as LEB128 varints: the bytes, and each number's size in bytes (:func:`varints`, with numpy).

    >>> bytes(varint_array(np.array([1, 127, 128, 300], dtype=np.uint64))[0]).hex()
    '017f8001ac02'
    """
    sizes = np.ones(len(nums), dtype=np.int64)
    for shift in range(7, 64, 7):
        more = nums >> np.uint64(shift) > 0
        if not more.any():
            break
        sizes += more
    at = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    for k in range(int(sizes.max()) if len(sizes) else 0):
        have = sizes > k
        part = nums[have] >> np.uint64(7 * k) & np.uint64(127)
        out[at[have] + k] = part | np.where(sizes[have] > k + 1, np.uint64(128), np.uint64(0))
    return out, sizes


def _bodies(ints: np.ndarray, at: np.ndarray, extra: np.ndarray, tail: np.ndarray,
            tail_term: np.ndarray) -> list[bytes]:
    """Each term's body: its varints (``ints[at[t]:at[t + 1]]``), then its ``extra[t]`` bytes of ``tail``."""
    coded, sizes = varint_array(ints)
    ends = np.cumsum(sizes)
    coded_at = np.append(ends - sizes, len(coded))[at]  # each term's first varint byte
    coded_len = np.diff(np.append(coded_at, len(coded)))
    body_len = coded_len + extra
    body_at = np.cumsum(body_len) - body_len
    out = np.empty(int(body_len.sum()), dtype=np.uint8)
    term_of_byte = np.repeat(np.arange(len(at)), coded_len)
    out[np.arange(len(coded)) + (body_at - coded_at)[term_of_byte]] = coded
    if len(tail):
        tail_at = np.cumsum(extra) - extra
        out[np.arange(len(tail)) + (body_at + coded_len - tail_at)[tail_term]] = tail
    data = out.tobytes()
    bounds = np.append(body_at, len(data)).tolist()
    return list(map(data.__getitem__, map(slice, bounds[:-1], bounds[1:])))


def encode_extent(df: int, weight: float, offset: int, length: int) -> bytes:
    """A term whose postings are W3 blocks in the postings file: frequency, total weight, extent."""
    return varints([df << 2, _total_code(weight), offset, length])


def encode_long(df: int, weight: float) -> bytes:
    """A term of a syllable field whose postings are all in the segment's long-list file (no W3 blocks)."""
    return varints([df << 2 | 1, _total_code(weight)])


def _read(buf: bytes, i: int) -> tuple[int, int]:
    """The varint at ``buf[i]`` and the index after it."""
    byte = buf[i]
    if byte < 128:
        return byte, i + 1
    n, shift = byte & 127, 7
    while True:
        i += 1
        byte = buf[i]
        n |= (byte & 127) << shift
        if byte < 128:
            return n, i + 1
        shift += 7


def read_varints(buf: bytes, count: int | None = None) -> tuple[list[int], int]:
    """The first ``count`` varints of ``buf`` (all if None) and the index after them (numpy for long runs).

    >>> read_varints(varints([5, 300, 0, 2 ** 40]) + b"rest", 4)
    ([5, 300, 0, 1099511627776], 10)
    """
    if len(buf) < 64:
        out, i = [], 0
        while i < len(buf) and (count is None or len(out) < count):
            n, i = _read(buf, i)
            out.append(n)
        return out, i
    data = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(data < 128)
    if count is not None:
        ends = ends[:count]
    end = int(ends[-1]) + 1 if len(ends) else 0
    data = data[:end]
    if len(ends) == end:  # every number in one byte
        return data.tolist(), end
    starts = np.empty_like(ends)
    starts[:1], starts[1:] = 0, ends[:-1] + 1
    shifts = (np.arange(end) - np.repeat(starts, ends - starts + 1)).astype(np.uint64) * np.uint64(7)
    return np.add.reduceat((data & 127).astype(np.uint64) << shifts, starts).tolist(), end


def decode_postings(body: bytes, kind: int) -> tuple[tuple, tuple, tuple]:
    """The (ids, weights, values) of a term's inlined postings (see :func:`encode_postings`)."""
    if kind == POSITIONS:
        ints, _ = read_varints(body)
        head = ints[0]
        df = head >> 2
    else:
        head, start = _read(body, 0)
        df = head >> 2
        ints, end = read_varints(body[start:], 3 * df)
        ints.insert(0, head)
    ids = tuple(accumulate(ints[1:1 + df]))
    codes = ints[1 + df:1 + 2 * df]
    weights = tuple(map(_weight, codes))
    if kind == POSITIONS:
        if not head & 1:
            return ids, weights, (b"",) * df
        at = 1 + 2 * df
        if head & 2:
            counts = [code >> 1 for code in codes]
        else:
            counts, at = ints[at:at + df], at + df
        values = []
        for count in counts:
            values.append(struct.pack(f"<{count}I", *accumulate(ints[at:at + count])))
            at += count
        return ids, weights, tuple(values)
    values, at = [], start + end
    for code, tag in zip(codes, ints[1 + 2 * df:]):
        if tag:
            values.append(body[at:at + tag - 1])
            at += tag - 1
        else:
            values.append(pack_uint(code >> 1))
    return ids, weights, tuple(values)


def decode_ids(body: bytes) -> np.ndarray:
    """The document numbers of a term's inlined postings (:func:`decode_postings`'s ids), nothing else decoded.

    >>> decode_ids(encode_postings([3, 9, 200], [1.0, 2.0, 1.0], [b"", b"", b""], RAW)).tolist()
    [3, 9, 200]
    """
    head, start = _read(body, 0)
    deltas, _ = read_varints(body[start:], head >> 2)
    return np.cumsum(np.asarray(deltas, dtype=np.int64))


def inlined_ids(bodies: list[bytes]) -> list[np.ndarray]:
    """:func:`decode_ids` of each of ``bodies`` (inlined postings), decoded together: one numpy pass for a batch of
    terms instead of a few small ones per term.

    >>> lists = ([3, 9, 200], [0], [7, 300])  # raw values of bytes over 127 after the numbers: never read
    >>> bodies = [encode_postings(ids, [1.0] * len(ids), [bytes([255])] * len(ids), RAW) for ids in lists]
    >>> [ids.tolist() for ids in inlined_ids(bodies)]
    [[3, 9, 200], [0], [7, 300]]
    """
    if not bodies:
        return []
    data = np.frombuffer(b"".join(bodies), dtype=np.uint8)
    sizes = np.fromiter(map(len, bodies), dtype=np.int64, count=len(bodies))
    ends = np.flatnonzero(data < 128)  # the last byte of every varint (and of some raw value bytes, never picked)
    starts = np.cumsum(sizes) - sizes
    heads = np.searchsorted(ends, starts)  # each body's first varint: its head
    counts = _varint_values(data, ends, heads, starts) >> np.uint64(2)  # df
    counts = counts.astype(np.int64)
    picked = _ranges(heads + 1, counts)  # the df varints after each head: document number deltas
    ids = np.cumsum(_varint_values(data, ends, picked).astype(np.int64))
    bounds = np.cumsum(counts)
    ids -= np.repeat(np.concatenate(([0], ids[bounds[:-1] - 1])) if len(ids) else np.zeros(len(counts), np.int64),
                     counts)
    return np.split(ids, bounds[:-1])


def _varint_values(data: np.ndarray, ends: np.ndarray, which: np.ndarray, first: np.ndarray | None = None
                   ) -> np.ndarray:
    """The value (uint64) of each varint ``which`` (indexes into ``ends``, the last byte of every varint), each
    starting after the varint before it unless ``first`` says where."""
    last = ends[which]
    if first is None:
        first = np.where(which > 0, ends[np.maximum(which - 1, 0)] + 1, 0)
    lengths = last - first + 1
    if not len(lengths) or (lengths == 1).all():
        return data[last].astype(np.uint64)
    at = _ranges(first, lengths)
    shifts = (np.arange(len(at)) - np.repeat(np.cumsum(lengths) - lengths, lengths)).astype(np.uint64) * np.uint64(7)
    return np.add.reduceat((data[at] & 127).astype(np.uint64) << shifts, np.cumsum(lengths) - lengths)


class LazyTermInfo(W3TermInfo):
    """A term info whose postings (kept in the term table) are decoded when first asked for.

    Facet counts walk every term of a field and need most terms' document
    frequency only.
    """

    def __init__(self, df: int, load, weight: float | None = None, ids=None) -> None:
        """``load()``: (ids, weights, values); ``ids()``: the ids alone, cheaper (None: from ``load``)."""
        super().__init__(weight or 0.0, df, 1, UNKNOWN_LENGTH, weight or 0.0)
        self._decode = load
        self._decode_ids = ids
        self._found: tuple | None = None
        # The total weight (and, lacking the largest, the bound of it), when the table says it.
        self._sum = self._top = weight

    def is_inlined(self) -> bool:
        return True

    def inlined_postings(self) -> tuple:
        if self._found is None:
            self._found = self._decode()
            if self._sum is None:
                weights = self._found[1]
                self._sum, self._top = sum(weights), max(weights)
        return self._found

    def inlined_ids(self) -> np.ndarray:
        """The postings' document numbers (int64), decoded alone unless the postings already are."""
        if self._found is None and self._decode_ids is not None:
            return self._decode_ids()
        return np.asarray(self.inlined_postings()[0], dtype=np.int64)

    def weight(self) -> float:
        if self._sum is None:
            self.inlined_postings()
        return self._sum

    def max_weight(self) -> float:
        if self._top is None:
            self.inlined_postings()
        return self._top

    def min_id(self) -> int:
        return self.inlined_postings()[0][0]

    def max_id(self) -> int:
        return self.inlined_postings()[0][-1]


class LongTermInfo(LazyTermInfo):
    """A term info whose postings are in the long-list file."""


def _info(body: bytes, kind: int, inline_limit: int, load=None) -> W3TermInfo:
    """The term info of one term's body; ``load()`` gives the postings of a term in the long-list file."""
    head, i = _read(body, 0)
    df = head >> 2
    if df >= inline_limit and head & 1:
        return LongTermInfo(df, load, _total(_read(body, i)[0]))
    if df >= inline_limit:
        (code, offset, length), _ = read_varints(body[i:], 3)
        weight = _total(code)
        info = W3TermInfo(weight, df, 1, UNKNOWN_LENGTH, weight)  # bounds, not kept: see UNKNOWN_LENGTH
        info.set_extent(offset, length)
        return info
    return LazyTermInfo(df, partial(decode_postings, body, kind), ids=partial(decode_ids, body))


def find_in_block(buf: bytes, target: bytes) -> bytes | None:
    """The body of the term ``target`` in one block, None if the block lacks it (:func:`scan_block`, faster)."""
    found = find_all_in_block(buf, [target])
    return found[0][1] if found else None


def find_all_in_block(buf: bytes, targets: list[bytes]) -> list[tuple[bytes, bytes]]:
    """(term, body) of each of ``targets`` (sorted) the block holds, in one scan that stops after the last."""
    found = []
    term = b""
    i, end, at = 0, len(buf), 0
    target = targets[0]
    read = _read
    while i < end:
        shared = buf[i]  # most numbers here are one byte: read them inline
        if shared < 128:
            i += 1
        else:
            shared, i = read(buf, i)
        size = buf[i]
        if size < 128:
            i += 1
        else:
            size, i = read(buf, i)
        term = term[:shared] + buf[i:i + size]
        i += size
        length = buf[i]
        if length < 128:
            i += 1
        else:
            length, i = read(buf, i)
        while term > target:  # a target before this term: the block lacks it
            at += 1
            if at == len(targets):
                return found
            target = targets[at]
        if term == target:
            found.append((term, buf[i:i + length]))
            at += 1
            if at == len(targets):
                return found
            target = targets[at]
        i += length
    return found


def scan_block(buf: bytes):
    """Every (term bytes without the field prefix, body) of one block, bodies not decoded."""
    term = b""
    i, end = 0, len(buf)
    read = _read
    while i < end:
        shared, i = read(buf, i)
        size, i = read(buf, i)
        term = term[:shared] + buf[i:i + size]
        i += size
        size, i = read(buf, i)
        yield term, buf[i:i + size]
        i += size


class TermTable(HashWriter):
    """Writes the term table: a field's keys at once, in blocks (see the module docstring).

    It is the hash writer a ``W3FieldWriter`` opened (its header is already
    written); it writes its own layout instead of hash tables on close.
    ``kinds`` maps a field name to how its inlined values are encoded
    (:data:`RAW` unless given).
    """

    def start(self) -> None:
        """Set up the block directory (the writer was made by Whoosh, not by this class)."""
        self.first_keys: list[bytes] = []
        self.block_offsets = array("Q")
        self.kinds: dict[str, int] = {}
        self.inline_limit = 0  # terms with fewer postings have them in the table (set by the segment writer)

    def add(self, key, value) -> None:
        raise TypeError("a danvan term table takes a field's terms at once (add_many)")

    def add_many(self, prefix: bytes, terms: list[bytes], bodies: list[bytes]) -> None:
        """Add a field's ``terms`` (increasing, keyed by the field's ``prefix``, all after the last key added) and
        their bodies (a key per term is made only for each block's first term: a field's terms are millions)."""
        if not terms:
            return
        if prefix + terms[0] <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{prefix + terms[0]!r}")
        dbfile = self.dbfile
        for first in range(0, len(terms), CODED_TERMS):  # a chunk at a time: numpy's arrays are a few per byte
            chunk = terms[first:first + CODED_TERMS]
            records, starts = front_coded(chunk, bodies[first:first + CODED_TERMS])
            at = dbfile.tell()
            self.first_keys.extend(prefix + term for term in chunk[::BLOCK_TERMS])
            self.block_offsets.extend((starts[::BLOCK_TERMS] + at).tolist())
            dbfile.write(records)
        self.lastkey = prefix + terms[-1]

    def close(self) -> None:
        dbfile = self.dbfile
        start = dbfile.tell()
        head = json.dumps({"fieldmap": self.extras.get("fieldmap", {}), "kinds": self.kinds,
                           "inline_limit": self.inline_limit},
                          ensure_ascii=False, sort_keys=True).encode("utf-8")
        keys = b"".join(self.first_keys)
        key_offsets = np.cumsum([0] + [len(key) for key in self.first_keys], dtype="<u8")
        dbfile.write(head + keys + key_offsets.tobytes() + np.asarray(self.block_offsets, dtype="<u8").tobytes())
        dbfile.write(TRAILER.pack(start, len(self.first_keys), len(head), len(keys)) + MAGIC)
        dbfile.close()


def front_coded(terms: list[bytes], bodies: list[bytes]) -> tuple[bytes, np.ndarray]:
    """``terms`` (increasing) and their bodies as the term table's records (in blocks of :data:`BLOCK_TERMS`), and
    where each record starts.

    A record is the bytes its term shares with the one before in its block
    and the size of the rest (varints), the rest, the body's size (a varint)
    and the body.  Encoded with numpy, all terms at once.
    """
    n = len(terms)
    sizes = np.fromiter(map(len, terms), dtype=np.int64, count=n)
    chars = np.frombuffer(b"".join(terms), dtype=np.uint8)
    at = np.cumsum(sizes) - sizes
    shared = np.zeros(n, dtype=np.int64)
    # Grow each term's shared prefix a byte at a time, over the terms still matching (the first of a block shares none).
    active = np.flatnonzero(np.arange(n) % BLOCK_TERMS > 0)
    while len(active):
        k = shared[active]
        active = active[(k < sizes[active]) & (k < sizes[active - 1])]
        k = shared[active]
        active = active[chars[at[active] + k] == chars[at[active - 1] + k]]
        shared[active] += 1
    body_sizes = np.fromiter(map(len, bodies), dtype=np.int64, count=n)
    heads, head_sizes = varint_array(np.column_stack((shared, sizes - shared, body_sizes)).ravel().astype(np.uint64))
    head_sizes = head_sizes.reshape(n, 3)
    rest = sizes - shared
    lengths = head_sizes.sum(axis=1) + rest + body_sizes
    starts = np.cumsum(lengths) - lengths
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    # The pieces of each record, in order: two varints, the rest of the term, one varint, the body.
    head_at = np.cumsum(head_sizes.ravel()) - head_sizes.ravel()
    piece_at = np.column_stack((starts, starts + head_sizes[:, 0] + head_sizes[:, 1]))
    first_two = head_sizes[:, 0] + head_sizes[:, 1]
    _scatter(out, heads, head_at[0::3], piece_at[:, 0], first_two)
    _scatter(out, chars, at + shared, piece_at[:, 1], rest)
    _scatter(out, heads, head_at[2::3], piece_at[:, 1] + rest, head_sizes[:, 2])
    _scatter(out, np.frombuffer(b"".join(bodies), dtype=np.uint8), np.cumsum(body_sizes) - body_sizes,
             piece_at[:, 1] + rest + head_sizes[:, 2], body_sizes)
    return out.tobytes(), starts


def _scatter(out: np.ndarray, source: np.ndarray, source_at: np.ndarray, out_at: np.ndarray, sizes: np.ndarray) -> None:
    """Copy ``source[source_at[i]:][:sizes[i]]`` to ``out[out_at[i]:]`` for each ``i``."""
    out[_ranges(out_at, sizes)] = source[_ranges(source_at, sizes)]


def is_term_file(dbfile, length: int) -> bool:
    """Whether the open file ``dbfile`` (``length`` bytes) is a term table :class:`TermTable` wrote."""
    return length >= TRAILER.size + len(MAGIC) and dbfile.get(length - len(MAGIC), len(MAGIC)) == MAGIC


class _Directory:
    """A term table's block directory: the field map and each block's first key and offset."""

    __slots__ = ("fieldmap", "fieldunmap", "kinds", "inline_limit", "first_keys", "block_offsets", "blocks",
                 "__weakref__")

    def __init__(self, dbfile, length: int, trailer: bytes) -> None:
        start, blocks, head_size, keys_size = TRAILER.unpack(trailer)
        directory = dbfile.get(start, head_size + keys_size + 16 * blocks + 8)
        head = json.loads(directory[:head_size].decode("utf-8"))
        self.fieldmap: dict[str, int] = head["fieldmap"]
        self.fieldunmap = {num: name for name, num in self.fieldmap.items()}
        self.kinds = {self.fieldmap[name]: kind for name, kind in head["kinds"].items() if name in self.fieldmap}
        self.inline_limit: int = head["inline_limit"]
        keys = directory[head_size:head_size + keys_size]
        base = head_size + keys_size
        offsets = np.frombuffer(directory, dtype="<u8", count=blocks + 1, offset=base).tolist()
        self.first_keys = list(map(keys.__getitem__, map(slice, offsets[:-1], offsets[1:])))
        ends = np.frombuffer(directory, dtype="<u8", count=blocks, offset=base + 8 * (blocks + 1)).tolist()
        self.block_offsets = ends + [start]
        self.blocks = blocks


# Directories of the term tables open in this process, by file (a segment's files never change once written).
# Each thread's searcher opens its own segment readers; reading a directory again cost ~13 ms a segment at
# 100k documents, ~80 ms per searcher: a server thread's first search paid it.
_directories: weakref.WeakValueDictionary[tuple, _Directory] = weakref.WeakValueDictionary()
_directories_lock = threading.Lock()


def _directory_of(dbfile, length: int) -> _Directory:
    """The directory of the term table ``dbfile`` (``length`` bytes): read once per file while a reader holds it."""
    trailer = dbfile.get(length - len(MAGIC) - TRAILER.size, TRAILER.size)
    try:
        info = os.fstat(dbfile.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # not a file (RamStorage)
        return _Directory(dbfile, length, trailer)
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, trailer)
    with _directories_lock:
        found = _directories.get(key)
    if found is None:
        found = _Directory(dbfile, length, trailer)
        with _directories_lock:
            found = _directories.setdefault(key, found)
    return found


class TermFileReader(TermsReader):
    """Whoosh's ``TermsReader`` over a term table written by :class:`TermTable`."""

    def __init__(self, codec, dbfile, length: int, postfile, longlists=None) -> None:
        """``longlists()``: the segment's :class:`indexer.longlists.LongLists` (opened when first needed)."""
        self._codec = codec
        self._open_longlists = longlists
        self._longlists = None
        self._dbfile = dbfile
        self._postfile = postfile  # whoosh_internals.postings reads it, as it does W3TermsReader's
        if not is_term_file(dbfile, length):
            raise ValueError("not a danvan term table (an index of another version: rebuild it)")
        # Aliases of a directory shared by every reader of this file: none of them changes it.
        self._directory = directory = _directory_of(dbfile, length)
        self._fieldmap: dict[str, int] = directory.fieldmap
        self._fieldunmap = directory.fieldunmap
        self._kinds = directory.kinds
        self._inline_limit: int = directory.inline_limit
        self._first_keys = directory.first_keys  # bisected
        self._block_offsets = directory.block_offsets
        self._blocks = directory.blocks
        # Blocks are read from a map of the file: no seek() + read() per lookup, and no file position that
        # threads or forked workers share.
        try:
            self._map: mmap.mmap | None = mmap.mmap(dbfile.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # not a file (RamStorage)
            self._map = None

    def _first_key(self, block: int) -> bytes:
        return self._first_keys[block]

    def _data(self, block: int) -> bytes:
        offset, end = self._block_offsets[block], self._block_offsets[block + 1]
        return self._map[offset:end] if self._map is not None else self._dbfile.get(offset, end - offset)

    def _block(self, block: int):
        """(term bytes, body) of every term of ``block``, and the block's value kind."""
        return scan_block(self._data(block)), self._kind(block)

    def _kind(self, block: int) -> int:
        return self._kinds.get(unpack_ushort(self._first_keys[block][:2])[0], RAW)

    def _find(self, key: bytes) -> int:
        """The block that would hold ``key`` (-1: before every block)."""
        return bisect.bisect_right(self._first_keys, key) - 1

    def _key(self, fieldname: str, tbytes: bytes) -> bytes:
        return pack_ushort(self._fieldmap.get(fieldname, 65535)) + tbytes

    def _body(self, fieldname: str, tbytes: bytes) -> tuple[bytes, int] | None:
        """(body, value kind) of a term, None if the table lacks it."""
        if fieldname not in self._fieldmap:
            return None
        key = self._key(fieldname, tbytes)
        block = self._find(key)
        if block < 0 or self._first_keys[block][:2] != key[:2]:  # a block of the field before
            return None
        body = find_in_block(self._data(block), tbytes)
        return None if body is None else (body, self._kind(block))

    def _lookup(self, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
        found = self._body(fieldname, tbytes)
        return None if found is None else _info(*found, self._inline_limit, partial(self._long, fieldname, tbytes))

    def _long(self, fieldname: str, tbytes: bytes) -> tuple:
        """(ids, weights, values) of a term the long-list file holds."""
        if self._longlists is None and self._open_longlists is not None:
            self._longlists = self._open_longlists()
        lists, term = self._longlists, tbytes.decode("utf-8", "surrogateescape")
        found = lists.positions(fieldname, term) if lists is not None else None
        if found is not None:
            ids, counts, positions = found
            run = positions.astype("<u4").tobytes()
            ends = (np.cumsum(counts) * 4).tolist()
            values = tuple(map(run.__getitem__, map(slice, [0, *ends[:-1]], ends)))
            return tuple(ids.tolist()), tuple(counts.astype(np.float64).tolist()), values
        found = lists.postings(fieldname, term) if lists is not None else None
        if found is None:
            raise ValueError(f"{fieldname}:{term} is missing from the segment's long-list file: rebuild the index")
        ids, weights = found
        return tuple(ids.tolist()), tuple(weights.astype(np.float64).tolist()), (b"",) * len(ids)

    def _entries_from(self, key: bytes):
        """((field name, term bytes), body, value kind) of every term from ``key`` on."""
        for block in range(max(self._find(key), 0), self._blocks):
            prefix = self._first_key(block)[:2]
            fieldname = self._fieldunmap[unpack_ushort(prefix)[0]]
            terms, kind = self._block(block)
            for term, body in terms:
                if prefix + term >= key:
                    yield (fieldname, term), body, kind

    def _items_from(self, key: bytes):
        limit = self._inline_limit
        return ((term, _info(body, kind, limit, partial(self._long, *term)))
                for term, body, kind in self._entries_from(key))

    def field_ids(self, fieldname: str):
        """(term bytes, document numbers or None) of every term of ``fieldname`` in term order, read a block at a
        time with no term info made: the numbers of inlined postings (an id field's one or two documents), None for
        a term whose postings are kept elsewhere (read them by the term)."""
        if fieldname not in self._fieldmap:
            return
        prefix = pack_ushort(self._fieldmap[fieldname])
        limit, read = self._inline_limit, _read
        for block in range(max(self._find(prefix), 0), self._blocks):
            first = self._first_key(block)[:2]
            if first < prefix:
                continue
            if first > prefix:
                return
            for term, body in scan_block(self._data(block)):
                head, i = read(body, 0)
                df = head >> 2
                if df == 1:
                    yield term, (read(body, i)[0],)
                else:
                    yield term, (tuple(accumulate(read_varints(body[i:], df)[0])) if df < limit else None)

    def ids_many(self, fieldname: str, terms: list[bytes]) -> dict[bytes, np.ndarray | None]:
        """The document numbers of each of ``terms`` (deleted documents included) whose postings are inlined, each
        block holding some read and scanned once and their numbers decoded together (:func:`inlined_ids`); None
        for a term whose postings are kept elsewhere (read it by the term); a term the table lacks is left out."""
        if fieldname not in self._fieldmap or not terms:
            return {}
        prefix = pack_ushort(self._fieldmap[fieldname])
        by_block: dict[int, list[bytes]] = {}
        for term in sorted(set(terms)):
            block = self._find(prefix + term)
            if block >= 0 and self._first_keys[block][:2] == prefix:
                by_block.setdefault(block, []).append(term)
        found: dict[bytes, np.ndarray | None] = {}
        inlined: list[tuple[bytes, bytes]] = []
        for block, wanted in by_block.items():
            for term, body in find_all_in_block(self._data(block), wanted):
                if _read(body, 0)[0] >> 2 < self._inline_limit:
                    inlined.append((term, body))
                else:
                    found[term] = None
        found.update(zip([term for term, _ in inlined], inlined_ids([body for _, body in inlined])))
        return found

    def __contains__(self, term) -> bool:
        return self._body(*term) is not None

    def indexed_field_names(self):
        return self._fieldmap.keys()

    def terms(self):
        return (term for term, _, _ in self._entries_from(b""))

    def terms_from(self, fieldname, prefix):
        return (term for term, _, _ in self._entries_from(self._key(fieldname, prefix)))

    def items(self):
        return self._items_from(b"")

    def items_from(self, fieldname, prefix):
        return self._items_from(self._key(fieldname, prefix))

    def term_info(self, fieldname, tbytes):
        info = self._lookup(fieldname, tbytes)
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return info

    def frequency(self, fieldname, tbytes) -> float:
        info = self._lookup(fieldname, tbytes)
        if info is None:
            raise KeyError((fieldname, tbytes))  # Whoosh's segment reader answers 0
        return info.weight()

    def doc_frequency(self, fieldname, tbytes) -> int:
        found = self._body(fieldname, tbytes)  # the body's first number: no posting decoded
        if found is None:
            raise KeyError((fieldname, tbytes))
        return _read(found[0], 0)[0] >> 2

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        return self._codec.postings_reader(self._postfile, self.term_info(fieldname, tbytes), format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._dbfile.close()
        self._postfile.close()
