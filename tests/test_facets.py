"""Facet counts by bincount agree with counting each value's documents."""
import numpy as np

from indexer.facets import FacetTable


def test_counts_match_counting_each_value(mini_service):
    searcher = mini_service.searcher()
    table = FacetTable(searcher.reader())
    rng = np.random.default_rng(0)
    for _ in range(20):
        within = rng.random(table.size) < 0.6
        for name, postings in table.postings.items():
            selected = list(postings)[:1] + ["Không có"]
            got = {(f.value, f.count, f.selected) for f in table.count(name, within, selected)}
            expected = {(value, int(within[ids].sum()), value in selected) for value, ids in postings.items()
                        if within[ids].any() or value in selected}
            expected |= {("Không có", 0, True)}
            assert got == expected


def test_top_keeps_the_largest_and_the_selected(mini_service):
    table = FacetTable(mini_service.searcher().reader())
    everything = np.ones(table.size, dtype=bool)
    values = table.count("directive", everything, [])
    last = values[-1].value
    top = table.count("directive", everything, [last], top=1)
    assert [f.value for f in top] == [values[0].value, last]
