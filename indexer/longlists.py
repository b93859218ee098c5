"""Long posting lists of a segment, also kept as plain arrays beside it.

The ranker needs a term's document numbers and frequencies, not its
positions, but a W3 postings block is one pickle of (ids, weights,
positions): reading a common word's 100,000 postings unpickles 100,000
position strings.  So each segment also gets a ``.dvp`` file holding, for
every term with at least ``MIN_POSTINGS`` postings, its document numbers
(uint32) and weights (float32), and for single syllables (what phrase
matching reads positions of) all their positions (uint32), memory-mapped at
search time.  It is derived
data: the W3 files stay complete, a segment without the file is read the
Whoosh way, and Whoosh deletes the file with its segment (it carries the
segment's name).

Layout: ``DVP1``, a uint32 length, that many bytes of JSON mapping
``field -> term -> [start, count, position start, position count]``, zero
padding to a multiple of 4, then every listed term's ids, every listed
term's weights (``start`` indexes both runs), and the positions: a posting's
weight is its number of positions (syllable fields have no boosts), so the
positions of a term's postings are one run in posting order.
"""
from __future__ import annotations

import json
import mmap
import os
import struct

import numpy as np

from indexer.analysis import JOINER

EXT = "dvp"
MAGIC = b"DVP1"
MIN_POSTINGS = 1024


class LongListWriter:
    """Collects long posting lists while a segment is written."""

    def __init__(self) -> None:
        self.directory: dict[str, dict[str, list[int]]] = {}
        self.ids: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []
        self.count = 0  # postings listed
        self.positions = bytearray()

    def add(self, field: str, term: str, ids: np.ndarray, weights: np.ndarray,
            values: list[bytes] | None = None) -> None:
        """``values``: the postings' positions (SyllablePositions bytes), kept for single syllables."""
        if len(ids) < MIN_POSTINGS:
            return
        entry = [self.count, len(ids), len(self.positions) // 4, 0]
        if values is not None and JOINER not in term:
            run = b"".join(values)
            entry[3] = len(run) // 4
            self.positions += run
        self.directory.setdefault(field, {})[term] = entry
        self.ids.append(np.asarray(ids, dtype="<u4"))
        self.weights.append(np.asarray(weights, dtype="<f4"))
        self.count += len(ids)

    def write(self, segment, storage) -> None:
        """Write the file for ``segment`` (nothing when no term was long)."""
        if not self.directory:
            return
        head = json.dumps(self.directory, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head += b"\0" * (-(len(MAGIC) + 8 + len(head)) % 4)
        out = segment.create_file(storage, "." + EXT)
        try:
            out.write(MAGIC + struct.pack("<II", len(head), self.count) + head)
            out.write(np.concatenate(self.ids).tobytes() + np.concatenate(self.weights).tobytes())
            out.write(bytes(self.positions))  # SyllablePositions bytes are little-endian uint32 already
        finally:
            out.close()


class LongLists:
    """The long posting lists of one segment, memory-mapped."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[:4] != MAGIC:
            raise ValueError(f"{path} is not a long-list file")
        size, total = struct.unpack("<II", self._map[4:12])
        self.directory = json.loads(bytes(self._map[12:12 + size]).rstrip(b"\0"))
        base = 12 + size
        self._ids = np.frombuffer(self._map, dtype="<u4", count=total, offset=base)
        self._weights = np.frombuffer(self._map, dtype="<f4", count=total, offset=base + 4 * total)
        self._positions = np.frombuffer(self._map, dtype="<u4", offset=base + 8 * total)

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, weights) of ``term`` in ``field``, or None if the file does not list it."""
        found = self.directory.get(field, {}).get(term)
        if found is None:
            return None
        start, count = found[0], found[1]
        return self._ids[start:start + count], self._weights[start:start + count]

    def positions(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(docnums, positions per posting, all positions in posting order), or None if not listed."""
        found = self.directory.get(field, {}).get(term)
        if found is None or not found[3]:
            return None
        start, count, pstart, pcount = found
        return (self._ids[start:start + count], self._weights[start:start + count].astype(np.int64),
                self._positions[pstart:pstart + pcount])


def open_for(leaf) -> LongLists | None:
    """The long lists of a Whoosh segment reader, or None if it has none."""
    folder = getattr(leaf.storage(), "folder", None)  # None: not a file-system index (RamStorage)
    if folder is None:
        return None
    path = os.path.join(folder, leaf.segment().make_filename("." + EXT))
    if not os.path.exists(path):
        return None
    try:
        return LongLists(path)
    except (OSError, ValueError):
        return None
