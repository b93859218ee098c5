"""Facet counts from per-reader value arrays.

For each facet field we keep, per index reader, the doc numbers holding each
value.  Counting a facet over a set of matching documents is then a numpy
operation, not a loop over stored fields.  Each facet is counted under every
active filter except its own, so several values of one facet can be chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.knowledge.vietnamese import collation_key
from indexer import whoosh_internals
from indexer.ranker import read_all
from indexer.schema import FACET_FIELDS, FACET_MIN_DOCS, FACETS
from indexer.significant import term_tokens

# Facets read from their field's column rather than its term table (see _column_terms).
FROM_COLUMN = frozenset({"keyword"})
COMMA, SPACE = ord(","), ord(" ")


@dataclass
class FacetValue:
    """One value of a facet with its count; plain data, no web concerns."""

    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count, "selected": self.selected}


class FacetTable:
    """Doc numbers per facet value, read once per index reader."""

    def __init__(self, reader) -> None:
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in _segments(reader):
            if leaf.has_deletions():
                self.live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64) + offset] = False
        # Publication date as an int YYYYMMDD per document (0 = unknown), for
        # date ranges and sorting by date: from the sortable column, a
        # segment's dates in one read.
        self.dates = np.zeros(self.size, dtype=np.int64)
        for leaf, offset in _segments(reader):
            dates = _dates(leaf)
            self.dates[offset:offset + len(dates)] = dates
        self.postings: dict[str, dict[str, np.ndarray]] = {}
        # Per facet, the value codes of every document's (document, value) pairs, in document order
        # (``codes[starts[d]:starts[d + 1]]`` are document d's), and each value's number of documents: a count
        # over a match mask is one bincount of the matching documents' codes, or of the others' when they
        # are fewer, whatever the number of values.
        self._values: dict[str, list[str]] = {}
        self._order: dict[str, dict[str, int]] = {}  # value -> place in Vietnamese alphabetical order
        self._doc_codes: dict[str, np.ndarray] = {}
        self._pair_docs: dict[str, np.ndarray] = {}  # the document of each pair, same order
        self._doc_starts: dict[str, np.ndarray] = {}
        self._totals: dict[str, np.ndarray] = {}
        for name in FACETS:
            field, min_docs = FACET_FIELDS.get(name, name), FACET_MIN_DOCS.get(name, 1)
            values = (_column_terms(reader, field, self.live, min_docs) if name in FROM_COLUMN
                      else None) or _term_docs(reader, field, self.live, min_docs)
            self.postings[name] = values
            self._values[name] = list(values)
            in_order = values if name in FACET_MIN_DOCS else sorted(values, key=collation_key)
            self._order[name] = {v: i for i, v in enumerate(in_order)}
            lists = list(values.values())
            docs = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
            codes = np.repeat(np.arange(len(lists), dtype=np.int32), [len(ids) for ids in lists])
            order = np.argsort(docs, kind="stable")
            self._doc_codes[name], self._pair_docs[name] = codes[order], docs[order]
            self._doc_starts[name] = np.concatenate(([0], np.cumsum(np.bincount(docs, minlength=self.size))))
            self._totals[name] = np.bincount(codes, minlength=len(lists))

    def mask(self, docnums) -> np.ndarray:
        """Boolean array over doc numbers, True for ``docnums``."""
        mask = np.zeros(self.size, dtype=bool)
        ids = np.fromiter(docnums, dtype=np.int64)
        if ids.size:
            mask[ids] = True
        return mask

    def date_mask(self, date_from: str | None, date_to: str | None) -> np.ndarray:
        """Documents published within [date_from, date_to] (ISO dates, either open)."""
        lo = int(date_from.replace("-", "")) if date_from else 1
        hi = int(date_to.replace("-", "")) if date_to else 99999999
        return (self.dates >= lo) & (self.dates <= hi)

    def value_mask(self, name: str, values: list[str]) -> np.ndarray:
        """Documents holding any of ``values`` in facet ``name``."""
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            ids = self.postings[name].get(value)
            if ids is not None:
                mask[ids] = True
        return mask

    def count(self, name: str, within: np.ndarray, selected: list[str], top: int | None = None) -> list[FacetValue]:
        """Counts of each value of ``name`` among ``within``; selected values always listed."""
        names = self._values[name]
        tally = self.tally(name, within)
        chosen = set(selected)
        shown = np.flatnonzero(tally)
        if top is not None and len(shown) > top and name not in ("year", "period"):
            # Only values that can make the top (ties at its last count included) and the selected ones
            # become objects and get sorted: a facet of one document's own words has tens of thousands.
            # The cut is the top-th largest count, read from how many values have each count.
            at_least = np.cumsum(np.bincount(tally[shown])[::-1])[::-1]  # values counted c times or more
            cut = int(np.flatnonzero(at_least >= top)[-1])
            keep = tally[shown] >= cut
            keep |= np.isin(shown, [names.index(v) for v in chosen if v in self.postings[name]])
            shown = shown[keep]
        counts = [FacetValue(names[i], int(tally[i]), names[i] in chosen) for i in shown.tolist()]
        counts += [FacetValue(value, 0, True) for value in chosen
                   if value in self.postings[name] and not tally[names.index(value)]]
        if name in ("year", "period"):
            counts.sort(key=lambda f: f.value, reverse=True)
        else:  # most documents first; equal counts in Vietnamese alphabetical order
            order = self._order[name]
            counts.sort(key=lambda f: (-f.count, order[f.value]))
        if top is not None and len(counts) > top:
            kept = counts[:top]
            kept += [f for f in counts[top:] if f.selected]
            counts = kept
        known = {f.value for f in counts}
        counts += [FacetValue(v, 0, True) for v in selected if v not in known]
        return counts

    def tally(self, name: str, within: np.ndarray) -> np.ndarray:
        """For each value of facet ``name`` (in ``_values`` order), how many documents of mask ``within`` hold it."""
        codes, starts, totals = self._doc_codes[name], self._doc_starts[name], self._totals[name]
        if 4 * len(codes) < len(within):  # a facet few documents have: its pairs are fewer than the mask
            return np.bincount(codes[within[self._pair_docs[name]]], minlength=len(totals))
        docs = np.flatnonzero(within)
        if 2 * len(docs) <= len(within):
            return np.bincount(codes[_pairs_of(starts, docs)], minlength=len(totals))
        return totals - np.bincount(codes[_pairs_of(starts, np.flatnonzero(~within))], minlength=len(totals))


def _pairs_of(starts: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """The places of ``docs``' pairs, each document's run ``starts[d]:starts[d + 1]``, in one array.

    >>> _pairs_of(np.array([0, 2, 2, 5]), np.array([0, 2])).tolist()
    [0, 1, 2, 3, 4]
    """
    first, sizes = starts[docs], starts[docs + 1] - starts[docs]
    return np.repeat(first - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))


_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9])  # the places of YYYYMMDD's digits in "YYYY-MM-DD"
_DIGIT_WEIGHTS = 10 ** np.arange(7, -1, -1)


def _dates(leaf) -> np.ndarray:
    """Each document's publication date of one segment as an int YYYYMMDD (0 = unknown), from its ``published``
    column: "YYYY-MM-DD" values turned into numbers by numpy, any other value one at a time (as before)."""
    column = whoosh_internals.var_bytes_column(leaf, "published")
    if column is None:
        return np.zeros(leaf.doc_count_all(), dtype=np.int64)
    data, offsets, lengths = column
    arr = np.frombuffer(data, dtype=np.uint8)
    dates = np.zeros(len(offsets), dtype=np.int64)
    iso = np.flatnonzero(lengths == 10)
    places = offsets[iso, None] + np.arange(10)
    chars = arr[places] if len(iso) else np.zeros((0, 10), dtype=np.uint8)
    digits = chars[:, _DIGITS].astype(np.int64) - 48
    shaped = ((digits >= 0) & (digits <= 9)).all(axis=1) & (chars[:, 4] == 45) & (chars[:, 7] == 45)
    dates[iso[shaped]] = digits[shaped] @ _DIGIT_WEIGHTS
    for doc in np.setdiff1d(np.flatnonzero(lengths), iso[shaped]).tolist():
        dates[doc] = int(data[offsets[doc]:offsets[doc] + lengths[doc]].decode("utf-8").replace("-", ""))
    return dates


def _segments(reader):
    """``(segment reader, first doc number)`` of each segment holding documents (an empty index has none)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.doc_count_all()]


def _term_docs(reader, name: str, live: np.ndarray, min_docs: int = 1) -> dict[str, np.ndarray]:
    """Every non-empty term of field ``name`` held by ``min_docs`` documents or more (deleted ones included),
    with its ``live`` doc numbers, in term order.

    One pass over each segment's term table: looking every term up in every
    segment (``reader.postings``) cost seconds per 100,000 documents.
    """
    if name not in reader.schema:  # an index written before the field (indexer.schema.OPTIONAL_FIELDS)
        return {}
    fieldobj = reader.schema[name]
    found: dict[str, list[np.ndarray]] = {}
    infos = [(leaf, offset, tbytes, terminfo) for leaf, offset in _segments(reader)
             for tbytes, terminfo in leaf.iter_field(name) if tbytes]  # each term table in order, one pass
    if min_docs > 1:  # the documents of a term in every segment, before reading any postings
        held: dict[bytes, int] = {}
        for _leaf, _offset, tbytes, terminfo in infos:
            held[tbytes] = held.get(tbytes, 0) + terminfo.doc_frequency()
        infos = [info for info in infos if held[info[2]] >= min_docs]
    for leaf, offset, tbytes, terminfo in infos:
        ids = read_all(whoosh_internals.postings(leaf, name, terminfo))[0] + offset
        found.setdefault(fieldobj.from_bytes(tbytes), []).append(ids[live[ids]])
    return {term: np.concatenate(parts) for term, parts in sorted(found.items())}


def _column_terms(reader, name: str, live: np.ndarray, min_docs: int = 1) -> dict[str, np.ndarray] | None:
    """:func:`_term_docs` of a comma-separated KEYWORD field read from its column, which holds each document's
    value as written; None if a segment lacks the column or a value is not as the field's writer makes them
    (spaces around a comma: the analyzer would strip them; a line break: the splitting stops at one).

    A field of many values held by few documents each (a document's own keywords: 93,000 values at 100,000
    documents) has a term table as long as its postings: one term at a time took 6.5 s at 100,000 documents.
    The column's values are split and hashed with numpy (:func:`indexer.significant.term_tokens`), twice with
    two hash bases so that two values sharing one hash are caught (then the term table is read instead).
    """
    columns = [(offset, whoosh_internals.var_bytes_column(leaf, name)) for leaf, offset in _segments(reader)]
    if any(column is None for _offset, column in columns):
        return None
    hashes, docs, texts = [], [], []
    for offset, (data, starts, lengths) in columns:
        h, doc, begin, size = term_tokens(data, starts, lengths, separator=COMMA, checked=True)
        arr = np.frombuffer(data, dtype=np.uint8)
        if b"\n" in data or len(begin) and ((arr[begin] == SPACE).any() or (arr[begin + size - 1] == SPACE).any()):
            return None
        hashes.append(h)
        docs.append(doc + offset)
        texts.append((data, begin, size))
    both = np.concatenate(hashes, axis=1) if hashes else np.zeros((2, 0), dtype=np.uint64)
    _unique, first, code = np.unique(both[0], return_index=True, return_inverse=True)
    code = code.reshape(-1)
    if (both[1] != both[1][first][code]).any():
        return None  # two values share a hash
    doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    pairs = np.sort(code * len(live) + doc)  # each value's documents together, in doc number order
    pairs = pairs[np.diff(pairs, prepend=-1) != 0]  # a value once per document
    code, doc = np.divmod(pairs, max(len(live), 1))
    held = np.bincount(code, minlength=len(first))  # deleted documents included, as a term's doc frequency
    alive = live[doc]
    doc = doc[alive]
    held_live = np.bincount(code[alive], minlength=len(first))
    ends = np.cumsum(held_live)  # value c's live documents end there
    sizes = np.cumsum([h.shape[1] for h in hashes])
    kept = np.flatnonzero(held >= min_docs)
    segment_of = np.searchsorted(sizes, first[kept], side="right")
    local = first[kept] - np.concatenate(([0], sizes))[segment_of]
    found = {}
    for c, i, place, end in zip(kept.tolist(), segment_of.tolist(), local.tolist(), ends[kept].tolist()):
        data, begin, size = texts[i]
        b = int(begin[place])
        found[data[b:b + int(size[place])].decode("utf-8")] = doc[end - int(held_live[c]):end]
    return dict(sorted(found.items()))


def doc_ids(reader, live: np.ndarray) -> np.ndarray:
    """Every live document's id by doc number (None for deleted ones), from the id field's terms: no stored fields read."""
    ids = np.full(len(live), None, dtype=object)
    from_bytes = reader.schema["id"].from_bytes
    for leaf, offset in _segments(reader):
        # One posting per id (two while an update's old copy awaits a merge): no arrays per term.
        for tbytes, docnums in whoosh_internals.field_ids(leaf, "id"):
            for docnum in docnums:
                if live[docnum + offset]:
                    ids[docnum + offset] = from_bytes(tbytes)
    return ids


def facet_counts(table: FacetTable, matches: np.ndarray, filters: dict[str, np.ndarray],
                 selected: dict[str, list[str]], top: dict[str, int] | None = None) -> dict[str, list[FacetValue]]:
    """Count every facet among ``matches`` under all filters but its own."""
    out = {}
    for name in FACETS:
        within = matches.copy()
        for other, mask in filters.items():
            if other != name:
                within &= mask
        out[name] = table.count(name, within, selected.get(name, []), (top or {}).get(name))
    return out
