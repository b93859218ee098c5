"""A linear-chain CRF read from a crfsuite model file, decoded as crfsuite decodes it.

pyvi segments words with a crfsuite model of two labels.  Asking crfsuite
means one attribute string per feature per token, converted and looked up
in C; here a model is read once into plain numbers (attribute name ->
weight per label, label -> label transition weights) and
:meth:`Crf.viterbi` is crfsuite's own Viterbi (``crf1dc_viterbi``): the
same scores added in the same order, the same tie rule (an earlier label
wins a tie), so the same labels to the last bit (a test compares with
pyvi).  The file format (crfsuite's ``crf1d_model.c``, version 100):
a 48-byte header with the offsets of the feature chunk ("FEAT": type,
source, destination as uint32 and the weight as a float64, little endian)
and of the attribute and label dictionaries (CQDB: an array of record
offsets by id; a record is id, key size, key with a trailing NUL).
:func:`compiled_viterbi` is :meth:`Crf.viterbi` compiled (numba), for the
compiled loop that segments pyvi's words at index time.
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_FEATURE = struct.Struct("<IIId")
_STATE, _TRANSITION = 0, 1


@dataclass(frozen=True)
class Crf:
    """A crfsuite model as numbers: label names by id, state weights by attribute, transitions."""

    labels: tuple[str, ...]
    state: dict[str, tuple[float, ...]]  # attribute -> weight per label (0.0 where the model has none)
    transitions: tuple[tuple[float, ...], ...]  # [from label][to label]

    @classmethod
    def read(cls, path: str | Path) -> "Crf":
        """The model in crfsuite's file ``path``; ValueError if it is not a first-order crfsuite model."""
        data = Path(path).read_bytes()
        try:
            magic, _size, kind, version, _n, nlabels, nattrs, off_features, off_labels, off_attrs, *_ = \
                _HEADER.unpack_from(data, 0)
            if magic != b"lCRF" or kind != b"FOMC" or version != 100:
                raise ValueError(f"not a crfsuite first-order model ({magic!r}, {kind!r}, version {version})")
            labels = _dictionary(data, off_labels, nlabels)
            names = _dictionary(data, off_attrs, nattrs)
            chunk, _chunk_size, count = struct.unpack_from("<4sII", data, off_features)
            if chunk != b"FEAT":
                raise ValueError(f"no feature chunk at {off_features}")
        except struct.error as exc:
            raise ValueError(f"truncated crfsuite model {path}: {exc}") from exc
        state: dict[str, list[float]] = {}
        transitions = [[0.0] * nlabels for _ in range(nlabels)]
        for kind_, source, target, weight in _FEATURE.iter_unpack(data[off_features + 12:off_features + 12 + 20 * count]):
            if kind_ == _STATE:
                state.setdefault(names[source], [0.0] * nlabels)[target] = weight
            elif kind_ == _TRANSITION:
                transitions[source][target] = weight
            else:
                raise ValueError(f"unknown crfsuite feature type {kind_}")
        return cls(tuple(labels), {name: tuple(w) for name, w in state.items()}, tuple(map(tuple, transitions)))

    def viterbi(self, scores: list[list[float]]) -> list[int]:
        """The best label ids for a sequence of state scores (``scores[label][t]``), as crfsuite finds them.

        Two labels only (what pyvi's model has).

        >>> Crf(("B", "I"), {}, ((0.0, 1.0), (-1.0, 0.0))).viterbi([[1.0, 0.0, 0.5], [0.0, 0.2, 0.4]])
        [0, 1, 1]
        """
        if len(self.labels) != 2:
            raise ValueError("only two-label models are decoded here")
        first, second = scores
        path = [0] * len(first)
        _viterbi(first, second, self.transitions, [0] * len(first), path)
        return path


def _viterbi(first, second, transitions, back, path) -> None:
    """crfsuite's Viterbi (``crf1dc_viterbi``) for two labels: the best label ids for the state scores ``first``
    and ``second`` into ``path``; ``back`` (as long) is where it keeps, for each t, 2 if the second label leads
    to (t, first) and 1 if it leads to (t, second).

    Written once for both callers: run as Python by :meth:`Crf.viterbi`, compiled by :func:`compiled_viterbi`.
    """
    n = len(first)
    if n == 0:
        return
    bb, bi, ib, ii = transitions[0][0], transitions[0][1], transitions[1][0], transitions[1][1]
    prev_first, prev_second = first[0], second[0]
    for t in range(1, n):
        # crfsuite: max over the previous label in id order, replaced only by a strictly greater score
        a, b = prev_first + bb, prev_second + ib
        if a < b:
            back[t], best_first = 2, b
        else:
            best_first = a
        a, b = prev_first + bi, prev_second + ii
        if a < b:
            back[t], best_second = back[t] | 1, b
        else:
            best_second = a
        prev_first, prev_second = best_first + first[t], best_second + second[t]
    label = 1 if prev_first < prev_second else 0
    for t in range(n - 1, 0, -1):
        path[t] = label
        label = back[t] & 1 if label else back[t] >> 1
    path[0] = label


@lru_cache(maxsize=1)
def compiled_viterbi() -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """:meth:`Crf.viterbi` compiled with numba, for compiled callers: ``viterbi(first, second, transitions)``, the
    two labels' scores and the transitions as arrays, gives each token's label id (int8).

    numba is imported here, not at start-up: a process that does not segment never loads it.  The same code
    (:func:`_viterbi`) in IEEE float64 (no fast-math): the same labels (a test compares them).  Not cached on
    disk (an install may be read-only): compiled once per process.
    """
    import numba

    loop = numba.njit(cache=False)(_viterbi)

    @numba.njit(cache=False)
    def viterbi(first, second, transitions):
        path = np.zeros(len(first), np.int8)
        loop(first, second, transitions, np.zeros(len(first), np.int8), path)
        return path

    return viterbi


def _dictionary(data: bytes, offset: int, count: int) -> list[str]:
    """The keys of a CQDB chunk by id (crfsuite's attribute and label names)."""
    chunk, _size, _flag, _order, size, back = struct.unpack_from("<4sIIIII", data, offset)
    if chunk != b"CQDB" or size != count:
        raise ValueError(f"no dictionary of {count} names at {offset}")
    keys = []
    for i, record in enumerate(struct.unpack_from(f"<{count}I", data, offset + back)):
        rid, length = struct.unpack_from("<II", data, offset + record)
        if rid != i:
            raise ValueError(f"dictionary record {rid} where {i} was expected")
        keys.append(data[offset + record + 8:offset + record + 7 + length].decode("utf-8"))
    return keys
