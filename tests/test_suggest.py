from indexer.analysis import syllables
from indexer.search import SearchRequest
from indexer.suggest import Speller, suggestion


def test_speller_prefers_pairs_the_corpus_supports():
    speller = Speller({"quy": 50, "chế": 40, "chê": 3, "dân": 90, "chủ": 30, "quy_chế": 38, "chế_dân": 10, "dân_chủ": 25})
    assert suggestion(speller, syllables("quy chê dan chu")) == "quy chế dân chủ"
    assert suggestion(speller, syllables("quy chế dân chủ")) is None


def test_speller_fixes_one_letter_typos():
    speller = Speller({"dân": 90, "vận": 80, "khéo": 30, "dân_vận": 70, "vận_khéo": 25})
    assert speller.correct(["dân", "vậm", "khéo"]) == ["dân", "vận", "khéo"]


def test_search_offers_did_you_mean(mini_service):
    assert mini_service.search(SearchRequest(q="dân vân khéo")).suggestion == "dân vận khéo"
    assert mini_service.search(SearchRequest(q="dân vận khéo")).suggestion is None
    data = mini_service.search(SearchRequest(q="hoa giai")).to_dict()
    assert data["suggestion"] == "hòa giải"
