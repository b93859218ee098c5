"""Facet counts from per-reader value arrays.

For each facet field we keep, per index reader, the doc numbers holding each
value.  Counting a facet over a set of matching documents is then a numpy
operation, not a loop over stored fields.  Each facet is counted under every
active filter except its own, so several values of one facet can be chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.schema import FACETS


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
        if reader.has_deletions():
            self.live[:] = False
            self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        # Publication date as an int YYYYMMDD per document (0 = unknown), for
        # date ranges and sorting by date.
        self.dates = np.zeros(self.size, dtype=np.int64)
        for term in reader.field_terms("published"):
            if term:
                ids = np.fromiter(reader.postings("published", term).all_ids(), dtype=np.int64)
                self.dates[ids] = int(term.replace("-", ""))
        self.postings: dict[str, dict[str, np.ndarray]] = {}
        # Per facet, every (document, value) pair as two parallel arrays, so a
        # count over a match mask is one bincount whatever the number of values.
        self._values: dict[str, list[str]] = {}
        self._pair_docs: dict[str, np.ndarray] = {}
        self._pair_codes: dict[str, np.ndarray] = {}
        for name in FACETS:
            values = {}
            for term in reader.field_terms(name):
                if term:
                    ids = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int64)
                    values[term] = ids
            self.postings[name] = values
            self._values[name] = list(values)
            lists = list(values.values())
            self._pair_docs[name] = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
            self._pair_codes[name] = np.repeat(np.arange(len(lists), dtype=np.int32), [len(ids) for ids in lists])

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
        docs, codes = self._pair_docs[name], self._pair_codes[name]
        tally = np.bincount(codes[within[docs]], minlength=len(names)) if len(docs) else np.zeros(0, dtype=np.int64)
        chosen = set(selected)
        counts = [FacetValue(names[i], int(tally[i]), names[i] in chosen)
                  for i in np.flatnonzero(tally).tolist()]
        counts += [FacetValue(value, 0, True) for value in chosen
                   if value in self.postings[name] and not tally[names.index(value)]]
        if name == "year":
            counts.sort(key=lambda f: f.value, reverse=True)
        else:
            counts.sort(key=lambda f: (-f.count, f.value))
        if top is not None and len(counts) > top:
            kept = counts[:top]
            kept += [f for f in counts[top:] if f.selected]
            counts = kept
        known = {f.value for f in counts}
        counts += [FacetValue(v, 0, True) for v in selected if v not in known]
        return counts


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
