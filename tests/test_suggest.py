from indexer.analysis import syllables
from indexer.search import SearchRequest
from indexer.suggest import Speller, suggestion


def test_speller_prefers_pairs_the_corpus_supports():
    speller = Speller.from_counts({"quy": 50, "chế": 40, "chê": 3, "dân": 90, "chủ": 30, "quy_chế": 38, "chế_dân": 10, "dân_chủ": 25})
    assert suggestion(speller, syllables("quy chê dan chu")) == "quy chế dân chủ"
    assert suggestion(speller, syllables("quy chế dân chủ")) is None


def test_speller_fixes_one_letter_typos():
    speller = Speller.from_counts({"dân": 90, "vận": 80, "khéo": 30, "dân_vận": 70, "vận_khéo": 25})
    assert speller.correct(["dân", "vậm", "khéo"]) == ["dân", "vận", "khéo"]


def test_search_offers_did_you_mean(mini_service):
    assert mini_service.search(SearchRequest(q="dân vân khéo")).suggestion == "dân vận khéo"
    assert mini_service.search(SearchRequest(q="dân vận khéo")).suggestion is None
    # An unaccented query already matches every accent form: no second-guessing...
    assert mini_service.search(SearchRequest(q="hoa giai")).to_dict()["suggestion"] is None


def test_unaccented_queries_get_accents_back_when_nothing_was_found():
    speller = Speller.from_counts({"hòa": 20, "hoa": 2, "giải": 25, "hòa_giải": 18})
    assert suggestion(speller, ["hoa", "giai"]) is None
    assert suggestion(speller, ["hoa", "giai"], needed=True) == "hòa giải"


def test_a_suggested_phrase_must_occur_somewhere():
    speller = Speller.from_counts({"công": 50, "tác": 40, "dân": 90, "vận": 20, "vẫn": 60,
                                   "công_tác": 40, "tác_dân": 5, "dân_vận": 15, "dân_vẫn": 50})
    typed = ["công", "tác", "dân", "vân"]
    # By pairs alone "dân vẫn" wins; the whole phrase decides.
    assert speller.correct(typed) == ["công", "tác", "dân", "vẫn"]
    assert speller.correct(typed, phrase_df=lambda p: 7 if p[-1] == "vận" else 0) == ["công", "tác", "dân", "vận"]
    assert speller.correct(typed, phrase_df=lambda p: 0) == typed
