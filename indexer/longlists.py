"""Long posting lists of a segment, also kept as plain arrays beside it.

The ranker needs a term's document numbers and frequencies, not its
positions, but a W3 postings block is one pickle of (ids, weights,
positions): reading a common word's 100,000 postings unpickles 100,000
position strings.  So each segment also gets a ``.dvp`` file holding, for
every term with at least ``MIN_POSTINGS`` postings, its document numbers
and weights, and for single syllables (what phrase
matching reads positions of) all their positions, memory-mapped at search
time.  For the syllable fields (``SyllableText``) the file is the only copy
of these postings: their term table entries point here
(:class:`indexer.termfile.LongTermInfo`), and Whoosh's readers and merges get
them from here.  Other fields keep their W3 blocks too.  Whoosh deletes the
file with its segment (it carries the segment's name).

Layout: ``DVP2``, a uint32 length, that many bytes of JSON mapping
``field -> term -> [start, count, weight offset, weight type, position
offset, position count, position type]``, zero padding to a multiple of 4,
then every listed term's ids (uint32, ``start`` indexes them), then each
term's weights and positions as byte runs (offsets from the end of the ids),
each padded to a multiple of 4.  A run is stored in the narrowest type that
holds it exactly (:data:`WEIGHT_TYPES`, :data:`POSITION_TYPES`): weights are
counts, most below 256, and positions of most texts fit 16 bits.  A posting's
weight is its number of positions (syllable fields have no boosts), so the
positions of a term's postings are one run in posting order.
"""
from __future__ import annotations

import json
import mmap
import os
import struct
from functools import cached_property

import numpy as np

from indexer.analysis import JOINER

EXT = "dvp"
MAGIC = b"DVP2"
# The types a run may be stored in, narrowest first.
WEIGHT_TYPES = ("<u1", "<u2", "<f4")
POSITION_TYPES = ("<u2", "<u4")
MIN_POSTINGS = 1024


class LongListWriter:
    """Collects long posting lists while a segment is written."""

    def __init__(self) -> None:
        self.directory: dict[str, dict[str, list]] = {}
        self.ids: list[np.ndarray] = []
        self.count = 0  # postings listed
        self.runs: list[bytes] = []  # weights and positions, each padded to 4 bytes
        self.size = 0  # bytes in runs

    @staticmethod
    def holds(count: int) -> bool:
        """Whether a term with ``count`` postings is listed."""
        return count >= MIN_POSTINGS

    def add(self, field: str, term: str, ids: np.ndarray, weights: np.ndarray, positions: bytes | None = None) -> None:
        """``positions``: the postings' SyllablePositions bytes one after another, kept for single syllables."""
        if not self.holds(len(ids)):
            return
        weight_type = narrowest(np.asarray(weights, dtype=np.float64), WEIGHT_TYPES)
        entry = [self.count, len(ids), self._run(np.asarray(weights).astype(weight_type)), weight_type, 0, 0, ""]
        if positions is not None and JOINER not in term:
            positions = np.frombuffer(positions, dtype="<u4")
            position_type = narrowest(positions, POSITION_TYPES)
            entry[4:] = [self._run(positions.astype(position_type)), len(positions), position_type]
        self.directory.setdefault(field, {})[term] = entry
        self.ids.append(np.array(ids, dtype="<u4"))  # a copy: a view would keep the field's whole column alive
        self.count += len(ids)

    def _run(self, values: np.ndarray) -> int:
        """Keep ``values``' bytes; return their offset."""
        offset, run = self.size, values.tobytes()
        run += b"\0" * (-len(run) % 4)
        self.runs.append(run)
        self.size += len(run)
        return offset

    def write(self, segment, storage) -> None:
        """Write the file for ``segment`` (nothing when no term was long)."""
        if not self.directory:
            return
        head = json.dumps(self.directory, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head += b"\0" * (-(len(MAGIC) + 8 + len(head)) % 4)
        out = segment.create_file(storage, "." + EXT)
        try:
            out.write(MAGIC + struct.pack("<II", len(head), self.count) + head)
            out.write(np.concatenate(self.ids).tobytes())
            for first in range(0, len(self.runs), 4096):
                out.write(b"".join(self.runs[first:first + 4096]))
        finally:
            out.close()


def narrowest(values: np.ndarray, types: tuple[str, ...]) -> str:
    """The first of ``types`` that holds every one of ``values`` exactly.

    >>> narrowest(np.array([1.0, 255.0]), WEIGHT_TYPES), narrowest(np.array([1.0, 0.5]), WEIGHT_TYPES)
    ('<u1', '<f4')
    """
    for name in types:
        if not len(values) or (values.astype(name) == values).all():
            return name
    raise ValueError(f"no type of {types} holds these values")


class LongLists:
    """The long posting lists of one segment, memory-mapped."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[:4] != MAGIC:
            raise ValueError(f"{path} is not a long-list file")
        size, total = struct.unpack("<II", self._map[4:12])
        self._path, self._size = path, size
        base = 12 + size
        self._ids = np.frombuffer(self._map, dtype="<u4", count=total, offset=base)
        self._runs = base + 4 * total

    @cached_property
    def directory(self) -> dict[str, dict[str, list]]:
        """field -> term -> entry (read at the first lookup: a segment reader maps the file when it opens)."""
        try:
            return json.loads(bytes(self._map[12:12 + self._size]).rstrip(b"\0"))
        except ValueError as exc:
            raise ValueError(f"{self._path}: unreadable long-list directory ({exc}): rebuild the index") from None

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, weights) of ``term`` in ``field``, or None if the file does not list it."""
        found = self.directory.get(field, {}).get(term)
        if found is None:
            return None
        start, count, woffset, wtype = found[:4]
        return self._ids[start:start + count], self._run(woffset, wtype, count)

    def positions(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(docnums, positions per posting, all positions in posting order), or None if not listed."""
        found = self.directory.get(field, {}).get(term)
        if found is None or not found[5]:
            return None
        start, count, woffset, wtype, poffset, pcount, ptype = found
        return (self._ids[start:start + count], self._run(woffset, wtype, count).astype(np.int64),
                self._run(poffset, ptype, pcount))

    def _run(self, offset: int, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self._map, dtype=dtype, count=count, offset=self._runs + offset)


def open_for(leaf) -> LongLists | None:
    """The long lists of a Whoosh segment reader, or None if it has none."""
    return open_segment(leaf.storage(), leaf.segment())


def open_segment(storage, segment) -> LongLists | None:
    """The long lists of ``segment`` in ``storage``, or None if it has none (or they are of another version)."""
    folder = getattr(storage, "folder", None)  # None: not a file-system index (RamStorage)
    if folder is None:
        return None
    path = os.path.join(folder, segment.make_filename("." + EXT))
    if not os.path.exists(path):
        return None
    try:
        return LongLists(path)
    except (OSError, ValueError):
        return None
