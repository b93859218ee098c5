"""A query typed without diacritics is read with the marks the corpus is sure of (Ranker.restoration,
suggest.readings): those words score as if typed with them; words in doubt score as typed."""
import pytest

from corpus.knowledge.vietnamese import fold
from corpus.store import config
from corpus.store.document import Document
from indexer.queryparse import parse, rank_terms
from indexer.ranker import Ranker
from indexer.search import SearchRequest, SearchService
from indexer.suggest import readings, restoration
from tests.conftest import build_home

FILLER = ("Hội nghị có sự tham dự của lãnh đạo các ban, ngành, đoàn thể và đại biểu các xã, thị trấn trên "
          "địa bàn huyện, cùng nhiều hội viên, đoàn viên tiêu biểu.")
DOCS = [Document(id=f"dv-{i}", title=f"Công tác dân vận ở xã số {i}",
                 text=f"Làm tốt công tác dân vận, dân vận khéo ở khu dân cư số {i}. " + FILLER) for i in range(5)]
DOCS += [
    # What "dan van" means here, said once in a long text.
    Document(id="right", title="Tin hoạt động", text="Ban chỉ đạo họp bàn về dân vận chính quyền. " + FILLER * 3),
    # The same folded pair with other marks, in a short text: folded scoring prefers it (shorter).
    Document(id="wrong", title="Tin hoạt động", text="Sở hướng dẫn văn bản mới."),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return SearchService(config.index_path(build_home(tmp_path_factory.mktemp("accents"), DOCS)))


def order(service, q):
    return [h.id for h in service.search(SearchRequest(q=q, limit=20)).hits]


def test_a_folded_query_is_read_with_the_marks_the_corpus_holds(service):
    _, _, ranker = service._snapshot()
    assert ranker.restoration(["dan", "van"]) == {"dan": "dân", "van": "vận", "dan_van": "dân_vận"}
    assert ranker.restoration(["xyzq", "2024"]) == {}  # nothing to read: nothing changes


def test_the_reading_ranks_the_meant_words_above_the_same_letters_with_other_marks(service, monkeypatch):
    _, _, ranker = service._snapshot()
    ranked = order(service, "dan van")
    assert ranked.index("right") < ranked.index("wrong")
    monkeypatch.setattr(ranker, "restore", None)  # as before: the short text wins on the folded letters
    ranked = order(service, "dan van")
    assert ranked.index("wrong") < ranked.index("right")


def test_accented_queries_are_not_restored(service, monkeypatch):
    _, _, ranker = service._snapshot()
    shipped = [(h.id, h.score) for h in service.search(SearchRequest(q="dân vận", limit=20)).hits]
    monkeypatch.setattr(ranker, "restore", None)
    assert [(h.id, h.score) for h in service.search(SearchRequest(q="dân vận", limit=20)).hits] == shipped


def test_the_folded_match_stays_and_a_reading_in_doubt_scores_as_typed():
    counts = {"vận": 80, "văn": 75, "vân": 20, "dân": 90, "dân_vận": 70}

    def forms(folded):
        return sorted(((t, n) for t, n in counts.items() if "_" not in t and folded == fold(t)), key=lambda x: -x[1])

    assert readings(["van"], forms, lambda p: counts.get(p, 0)) == [None]
    assert readings(["dan", "van"], forms, lambda p: counts.get(p, 0)) == ["dân", "vận"]
    parsed = parse("van")
    assert rank_terms(parsed, restored=restoration(parsed.words, [None])) == rank_terms(parsed)
    # Read: the accented terms, and still the folded ones (weighted as for a query typed with marks).
    read = rank_terms(parse("dan van"), restored={"dan": "dân", "van": "vận", "dan_van": "dân_vận"})
    assert ("text", "dân_vận", 1.0) in read and any(f == "text_folded" and t == "dan_van" for f, t, _ in read)


def test_a_pair_half_read_stays_folded():
    assert restoration(["dan", "van"], ["dân", None]) == {"dan": "dân"}
    assert restoration(["nam", "2024"], ["năm", "2024"]) == {"nam": "năm", "nam_2024": "năm_2024"}


def test_lookups_are_remembered_per_generation(service):
    _, _, ranker = service._snapshot()
    fresh = Ranker(ranker.reader)
    fresh.restoration(["dan", "van"])
    calls = []
    fresh.doc_frequency = lambda field, term: calls.append(term) or 0
    fresh.restoration(["dan", "van"])
    assert calls == []


def test_the_genre_stand_in_is_credited_on_the_scale_of_the_restored_words():
    """A review that does not say "sơ kết 6 tháng" stands in for the words as they are scored: read with marks."""
    from indexer.queryparse import stand_ins

    parsed = parse("so ket 6 thang")
    restored = {"so": "sơ", "ket": "kết", "thang": "tháng", "so_ket": "sơ_kết"}
    terms = stand_ins(parsed, restored)[0][3]
    assert ("text", "sơ", 1.0) in terms and ("text", "tháng", 1.0) in terms
    assert stand_ins(parsed)[0][3] == [("text_folded", w, 1.0) for w in ("so", "ket", "6", "thang")]


def test_a_folded_syllable_the_index_lacks_costs_one_lookup_not_one_per_accent_variant(service):
    """'aaoaoau' has 52,488 accent spellings; a 200-character query of such words cost seconds of term
    lookups (and flushed the generation's df memo). The folded field says at once none of them is there."""
    fresh = Ranker(service._snapshot()[2].reader)
    calls = []
    lookup = fresh.doc_frequency
    fresh.doc_frequency = lambda field, term: calls.append(term) or lookup(field, term)
    read = fresh.restoration(["aaoaoau", "dan", "van"])
    assert (read["dan"], read["van"], read["dan_van"]) == ("dân", "vận", "dân_vận")
    assert len(calls) < 200
