"""The numpy readers of Whoosh data agree with Whoosh's own, one document at a time."""
import numpy as np
import pytest
from whoosh import query as Q

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
from indexer.build import update_index
from indexer.queryparse import excluded_parts, parse, required_parts
from indexer.search import SearchService


@pytest.fixture
def several_segments(mini_home):
    """The mini index after an update with a deletion: two segments, one deleted document."""
    with Store(config.store_path(mini_home)) as store:
        store.upsert(Document(id="d7", title="Dân vận khéo ở cơ sở",
                              text="Dân vận khéo, dân vận khéo: phong trào dân vận khéo của nhân dân."))
        store.delete("d2")
        update_index(store, config.index_path(mini_home))
    service = SearchService(config.index_path(mini_home))
    return service._snapshot()


def test_lengths_are_whooshs_field_lengths(several_segments):
    searcher, _, ranker = several_segments
    reader = searcher.reader()
    for field in ("title", "text", "text_folded"):
        expected = [reader.doc_field_length(i, field, 0) or 0 for i in range(reader.doc_count_all())]
        assert ranker.lengths(field).tolist() == expected


def test_postings_are_whooshs_postings(several_segments):
    searcher, _, ranker = several_segments
    reader = searcher.reader()
    for field, term in (("text", "dân"), ("text_folded", "van"), ("text", "dân_vận"), ("title", "khéo"),
                        ("text", "absent")):
        ids, weights = ranker.postings(field, term)
        expected_ids, expected_weights = [], []
        for leaf, offset in reader.leaf_readers():
            if (field, term) in leaf:
                matcher = leaf.postings(field, term)
                while matcher.is_active():
                    expected_ids.append(matcher.id() + offset)
                    expected_weights.append(matcher.weight())
                    matcher.next()
        assert ids.tolist() == expected_ids
        assert weights.tolist() == pytest.approx(expected_weights)


@pytest.mark.parametrize("q", ['"dân vận khéo"', '"dan van"', '"nhân dân"', '"khéo dân"', '"Hoà giải viên"',
                               '"dân vận" -"nhân dân"', '"vận khéo, dân"', '"của nhân dân"'])
def test_phrase_masks_match_whoosh_phrase_queries(several_segments, q):
    searcher, table, ranker = several_segments
    parsed = parse(q)
    for part in required_parts(parsed) + excluded_parts(parsed):
        if part.phrase is None:
            continue
        ours = ranker.phrase_mask(part.phrase)
        assert ours is not None
        expected = table.mask(searcher.docs_for_query(part.phrase))
        assert np.flatnonzero(ours & table.live).tolist() == np.flatnonzero(expected).tolist()


def test_phrase_mask_leaves_other_queries_to_whoosh(several_segments):
    _, _, ranker = several_segments
    assert ranker.phrase_mask(Q.Phrase("text", ["dân", "khéo"], slop=3)) is None
    assert ranker.phrase_mask(Q.Term("text", "dân")) is None
