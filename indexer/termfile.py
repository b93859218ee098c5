"""The term table of a segment (the ``.trm`` file): sorted terms in front-coded blocks.

Whoosh's W3 term table is a hash file: per term a 23-byte W3TermInfo struct,
a pickle of the inlined postings and about 40 bytes of hash slots and
offsets, which made it larger than the postings file.  Here a field's terms,
already sorted when a segment is written, go into blocks of
:data:`BLOCK_TERMS`; each term keeps what its prefix does not share with the
one before it, its document frequency, and then either its few postings
(document deltas, weights and values as varints) or its total weight and the
extent of its W3 blocks in the postings file.  A lookup bisects the blocks'
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
import json
import struct
from array import array

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
    """A weight as one non-negative int: an integral weight ``w`` as ``2w``, any other as its float64 bits, odd."""
    if weight == int(weight) and 0 <= weight < 1 << 53:
        return int(weight) << 1
    return struct.unpack("<Q", struct.pack("<d", weight))[0] << 1 | 1


def _weight(code: int) -> float:
    if code & 1:
        return struct.unpack("<d", struct.pack("<Q", code >> 1))[0]
    return float(code >> 1)


def encode_postings(ids: list[int], weights: list[float], values: list[bytes], kind: int) -> bytes:
    """A term's inlined postings (its document frequency first) as the term table stores them."""
    out = bytearray()
    nums = [len(ids)]
    last = 0
    for doc, weight, value in zip(ids, weights, values):
        code = weight_code(weight)
        nums += (doc - last, code)
        last = doc
        if kind == POSITIONS:
            count = len(value) >> 2
            nums.append(count)
            if count:
                found = struct.unpack(f"<{count}I", value)
                nums.append(found[0])
                nums.extend(map(int.__sub__, found[1:], found[:-1]))
        elif not code & 1 and code >> 1 < 1 << 32 and value == pack_uint(code >> 1):
            nums.append(0)  # Whoosh's Frequency value: the weight says it
        else:
            nums.append(len(value) + 1)
            out += varints(nums)
            out += value
            nums = []
    out += varints(nums)
    return bytes(out)


def encode_extent(df: int, weight: float, offset: int, length: int) -> bytes:
    """A term whose postings are W3 blocks in the postings file: frequency, total weight, extent."""
    return varints([df, weight_code(weight), offset, length])


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


def decode_block(buf: bytes, kind: int, inline_limit: int) -> list[tuple[bytes, W3TermInfo]]:
    """Every (term bytes without the field prefix, term info) of one block."""
    out = []
    key = b""
    i, end = 0, len(buf)
    read = _read
    while i < end:
        shared, i = read(buf, i)
        size, i = read(buf, i)
        key = key[:shared] + buf[i:i + size]
        i += size
        df, i = read(buf, i)
        if df >= inline_limit:
            code, i = read(buf, i)
            offset, i = read(buf, i)
            length, i = read(buf, i)
            weight = _weight(code)
            info = W3TermInfo(weight, df, 1, UNKNOWN_LENGTH, weight)  # bounds, not kept: see UNKNOWN_LENGTH
            info.set_extent(offset, length)
            out.append((key, info))
            continue
        ids, weights, values = [], [], []
        doc = 0
        for _ in range(df):
            delta, i = read(buf, i)
            doc += delta
            code, i = read(buf, i)
            weight = _weight(code)
            count, i = read(buf, i)
            if kind == POSITIONS:
                positions = []
                position = 0
                for _ in range(count):
                    step, i = read(buf, i)
                    position += step
                    positions.append(position)
                value = struct.pack(f"<{count}I", *positions)
            elif count == 0:
                value = pack_uint(int(weight))
            else:
                value = buf[i:i + count - 1]
                i += count - 1
            ids.append(doc)
            weights.append(weight)
            values.append(value)
        info = W3TermInfo(sum(weights), df, 1, UNKNOWN_LENGTH, max(weights), ids[0], ids[-1])
        info.set_inlined(ids, weights, values)
        out.append((key, info))
    return out


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

    def add_many(self, keys: list[bytes], bodies: list[bytes]) -> None:
        """Add ``keys`` (field prefix + term bytes, increasing, all after the last key added) and their bodies."""
        if not keys:
            return
        if keys[0] <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{keys[0]!r}")
        dbfile = self.dbfile
        for first in range(0, len(keys), BLOCK_TERMS):
            block_keys = keys[first:first + BLOCK_TERMS]
            self.first_keys.append(block_keys[0])
            self.block_offsets.append(dbfile.tell())
            parts = []
            previous = b""
            for key, body in zip(block_keys, bodies[first:first + BLOCK_TERMS]):
                term = key[2:]
                shared = _shared(previous, term)
                parts += (varints([shared, len(term) - shared]), term[shared:], body)
                previous = term
            dbfile.write(b"".join(parts))
        self.lastkey = keys[-1]

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


def _shared(a: bytes, b: bytes) -> int:
    """Length of the common prefix of ``a`` and ``b``."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class TermFileReader(TermsReader):
    """Whoosh's ``TermsReader`` over a term table written by :class:`TermTable`."""

    def __init__(self, codec, dbfile, length: int, postfile) -> None:
        self._codec = codec
        self._dbfile = dbfile
        self._postfile = postfile  # whoosh_internals.postings reads it, as it does W3TermsReader's
        if length < TRAILER.size + len(MAGIC) or dbfile.get(length - len(MAGIC), len(MAGIC)) != MAGIC:
            raise ValueError("not a danvan term table (an index of another version: rebuild it)")
        start, blocks, head_size, keys_size = TRAILER.unpack(dbfile.get(length - len(MAGIC) - TRAILER.size,
                                                                        TRAILER.size))
        directory = dbfile.get(start, head_size + keys_size + 16 * blocks + 8)
        head = json.loads(directory[:head_size].decode("utf-8"))
        self._fieldmap: dict[str, int] = head["fieldmap"]
        self._fieldunmap = {num: name for name, num in self._fieldmap.items()}
        self._kinds = {self._fieldmap[name]: kind for name, kind in head["kinds"].items() if name in self._fieldmap}
        self._inline_limit: int = head["inline_limit"]
        self._keys = directory[head_size:head_size + keys_size]
        base = head_size + keys_size
        self._key_offsets = np.frombuffer(directory, dtype="<u8", count=blocks + 1, offset=base).tolist()
        ends = np.frombuffer(directory, dtype="<u8", count=blocks, offset=base + 8 * (blocks + 1)).tolist()
        self._block_offsets = ends + [start]
        self._blocks = blocks

    def _first_key(self, block: int) -> bytes:
        return self._keys[self._key_offsets[block]:self._key_offsets[block + 1]]

    def _block(self, block: int) -> list[tuple[bytes, W3TermInfo]]:
        """(term bytes, term info) of every term of ``block``."""
        offset = self._block_offsets[block]
        data = self._dbfile.get(offset, self._block_offsets[block + 1] - offset)
        fieldid = unpack_ushort(self._first_key(block)[:2])[0]
        return decode_block(data, self._kinds.get(fieldid, RAW), self._inline_limit)

    def _find(self, key: bytes) -> int:
        """The block that would hold ``key`` (-1: before every block)."""
        return bisect.bisect_right(range(self._blocks), key, key=self._first_key) - 1

    def _key(self, fieldname: str, tbytes: bytes) -> bytes:
        return pack_ushort(self._fieldmap.get(fieldname, 65535)) + tbytes

    def _lookup(self, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
        if fieldname not in self._fieldmap:
            return None
        key = self._key(fieldname, tbytes)
        block = self._find(key)
        if block < 0:
            return None
        for term, info in self._block(block):
            if term == tbytes:
                return info
            if term > tbytes:
                return None
        return None

    def _items_from(self, key: bytes):
        for block in range(max(self._find(key), 0), self._blocks):
            fieldid = unpack_ushort(self._first_key(block)[:2])[0]
            fieldname, prefix = self._fieldunmap[fieldid], self._first_key(block)[:2]
            for term, info in self._block(block):
                if prefix + term >= key:
                    yield (fieldname, term), info

    def __contains__(self, term) -> bool:
        return self._lookup(*term) is not None

    def indexed_field_names(self):
        return self._fieldmap.keys()

    def terms(self):
        return (term for term, _ in self._items_from(b""))

    def terms_from(self, fieldname, prefix):
        return (term for term, _ in self._items_from(self._key(fieldname, prefix)))

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
        info = self._lookup(fieldname, tbytes)
        if info is None:
            raise KeyError((fieldname, tbytes))
        return info.doc_frequency()

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        return self._codec.postings_reader(self._postfile, self.term_info(fieldname, tbytes), format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def close(self) -> None:
        self._dbfile.close()
        self._postfile.close()
