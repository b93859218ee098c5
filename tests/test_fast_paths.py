"""The ranker and the facet table read Whoosh's files the fast way, never a posting at a time.

Whoosh's public per-posting API (``Matcher.id/next``, ``doc_field_length``)
is made to raise while they read a real index with several segments,
deleted documents, inlined and block postings: a change that silently fell
back to it (an upgrade renaming a private attribute, a matcher wrapped for
deletions) fails here instead of making search slow with every test green.
"""
import random

import numpy as np
import pytest
from whoosh import index as windex
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PerDocReader
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader

from corpus.store.document import Document
from indexer.facets import FacetTable
from indexer.ranker import Ranker
from indexer.schema import FACET_FIELDS, FACET_MIN_DOCS, FACETS, make_schema, to_fields
from indexer.segments import FastSegmentWriter

COMMON = "dân vận nhân dân công tác Đảng hoà giải".split()
RARE = [f"từ{i}" for i in range(150)]
PROVINCES = ["Nghệ An", "Hà Nội", "Cà Mau", None]


def _docs(n: int, start: int) -> list[Document]:
    rng = random.Random(start)
    docs = []
    for i in range(start, start + n):
        words = [rng.choice(COMMON) if rng.random() < 0.6 else rng.choice(RARE) for _ in range(rng.randint(5, 40))]
        docs.append(Document(id=f"d{i:04d}", title=" ".join(words[:4]), text=" ".join(words),
                             province=rng.choice(PROVINCES), year=rng.choice([2019, 2024, None]),
                             directives=rng.choice([[], ["25-NQ/TW"], ["16/CT-TTg", "25-NQ/TW"]])))
    return docs


@pytest.fixture
def index(tmp_path):
    """Three segments written by danvan's writer; two of them with deleted documents."""
    ix = windex.create_in(str(tmp_path), make_schema())
    for start in (0, 200, 400):
        writer = FastSegmentWriter(ix)
        for doc in _docs(200, start):
            writer.add_document(**to_fields(doc))
        writer.commit(merge=False)
    writer = FastSegmentWriter(ix)
    for i in list(range(0, 200, 7)) + list(range(400, 600, 5)):
        writer.delete_by_term("id", f"d{i:04d}")
    writer.commit(merge=False)
    return ix


def _slow(what: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"slow path taken: {what}")
    return refuse


@pytest.fixture
def no_slow_path(monkeypatch):
    """Whoosh's per-posting and per-document readers raise once this is requested."""
    def refuse() -> None:
        for cls in (W3LeafMatcher, FilterMatcher, ListMatcher):
            for name in ("id", "next", "weight", "value", "value_as", "skip_to"):
                monkeypatch.setattr(cls, name, _slow(f"{cls.__name__}.{name}"))
        monkeypatch.setattr(SegmentReader, "postings", _slow("SegmentReader.postings"))
        monkeypatch.setattr(SegmentReader, "doc_field_length", _slow("SegmentReader.doc_field_length"))
        monkeypatch.setattr(W3PerDocReader, "doc_field_length", _slow("W3PerDocReader.doc_field_length"))
    return refuse


def _whoosh_postings(reader, field: str, term: str) -> tuple[list[int], list[float]]:
    ids, weights = [], []
    for leaf, offset in reader.leaf_readers():
        if (field, term) in leaf:
            matcher = leaf.postings(field, term)
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
                matcher.next()
    return ids, weights


TERMS = [("text", "dân"), ("text", "dân_vận"), ("text_folded", "dan"), ("title", "từ3"), ("text", "từ149"),
         ("text", "absent"), ("province", "Cà Mau")]
PHRASES = [["dân", "vận"], ["nhân", "dân"], ["từ3", "dân"], ["công", "tác", "đảng"]]


def test_the_index_has_what_the_fast_paths_must_cover(index):
    with index.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert len(leaves) == 3 and sum(leaf.has_deletions() for leaf in leaves) == 2
        infos = [leaf.term_info(f, t) for leaf in leaves for f, t in TERMS if (f, t) in leaf]
        assert any(i.is_inlined() for i in infos) and any(not i.is_inlined() for i in infos)


def test_the_ranker_never_reads_a_posting_at_a_time(index, no_slow_path):
    with index.reader() as reader, index.searcher() as searcher:
        lengths = {field: [reader.doc_field_length(n, field, 0) or 0 for n in range(reader.doc_count_all())]
                   for field in ("title", "text", "text_folded")}
        postings = {key: _whoosh_postings(reader, *key) for key in TERMS}
        phrases = {}
        for words in PHRASES:
            expected = np.zeros(reader.doc_count_all(), dtype=bool)
            expected[list(searcher.docs_for_query(Q.Phrase("text", words)))] = True
            phrases[tuple(words)] = expected
        assert any(len(ids) for ids, _ in postings.values()) and all(m.any() for m in phrases.values())

        no_slow_path()
        ranker = Ranker(reader)
        for field, expected in lengths.items():
            assert ranker.lengths(field).tolist() == expected
        for key, (ids, weights) in postings.items():
            got_ids, got_weights = ranker.postings(*key)
            assert got_ids.tolist() == ids and got_weights.tolist() == pytest.approx(weights)
        for words, expected in phrases.items():
            assert (ranker.phrase_mask(Q.Phrase("text", list(words))) == expected).all()


def test_the_facet_table_never_reads_a_posting_at_a_time(index, no_slow_path):
    with index.reader() as reader:
        fields = {name: FACET_FIELDS.get(name, name) for name in FACETS}  # the field each facet is counted from
        expected = {name: {value: _whoosh_postings(reader, field, value)[0] for value in reader.field_terms(field)
                           if value and reader.doc_frequency(field, value) >= FACET_MIN_DOCS.get(name, 1)}
                    for name, field in fields.items()}
        assert expected["province"]

        no_slow_path()
        table = FacetTable(reader)
        got = {name: {value: ids.tolist() for value, ids in values.items()} for name, values in table.postings.items()}
        assert got == expected


def test_ids_by_doc_number_read_no_posting_at_a_time_and_no_stored_field(index, no_slow_path, monkeypatch):
    from indexer.facets import doc_ids

    with index.reader() as reader:
        table = FacetTable(reader)
        expected = [reader.stored_fields(n)["id"] if table.live[n] else None for n in range(table.size)]
        assert None in expected

        no_slow_path()
        monkeypatch.setattr(SegmentReader, "stored_fields", _slow("SegmentReader.stored_fields"))
        # Nor a term info per id (an export's first read of 100,000 ids took 1.9 s through them).
        monkeypatch.setattr(SegmentReader, "iter_field", _slow("SegmentReader.iter_field"))
        assert doc_ids(reader, table.live).tolist() == expected
