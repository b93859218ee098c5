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


def _counting(counts: dict[str, int]) -> tuple[Speller, list[str]]:
    """A speller over ``counts`` that records every term it looks up."""
    from corpus.knowledge.vietnamese import fold

    looked: list[str] = []
    folded: dict[str, int] = {}
    for term, n in counts.items():
        folded[fold(term)] = folded.get(fold(term), 0) + n

    def df(term: str) -> int:
        looked.append(term)
        return counts.get(term, 0)

    def folded_df(term: str) -> int:
        looked.append(term)
        return folded.get(term, 0)

    return Speller(df, folded_df), looked


def test_a_long_word_costs_the_speller_nothing():
    """A 1,000-letter word once made ~54,000 lookups of 1,000-letter edits (3 s on 12,000 documents)."""
    counts = {"dân": 90, "vận": 80, "khéo": 30, "dân_vận": 70}
    for typed in (["x" * 1000], ["dân", "y" * 200], ["vân", "abcdefghij"], ["covid19"]):
        speller, looked = _counting(counts)
        suggestion(speller, typed, needed=True)
        assert len(looked) < 200, (typed[-1][:20], len(looked))
    # Words that can be syllables are still corrected beside one that cannot.
    speller, _ = _counting(counts)
    assert suggestion(speller, ["dân", "vân", "x" * 1000], needed=True) == "dân vận " + "x" * 1000


def test_a_suggestion_that_runs_out_of_time_is_dropped():
    ticks = iter(range(10**6))
    speller = Speller.from_counts({"dân": 90, "vận": 80, "khéo": 30, "dân_vận": 70, "vận_khéo": 25})
    assert suggestion(speller, ["dân", "vân", "khéo"]) == "dân vận khéo"
    speller.clock = lambda: float(next(ticks))  # every step takes a second
    assert suggestion(speller, ["dân", "vân", "khéo"]) is None
    assert suggestion(speller, ["dân", "vân", "khéo"], budget=10**5) == "dân vận khéo"


def test_a_query_refined_with_a_facet_looks_no_frequency_up_again(mini_service):
    """The speller's hundreds of document frequencies are kept per index generation: a query refined with a
    filter gets the same suggestion without reading the term tables again."""
    first = mini_service.search(SearchRequest(q="dân vân khéo"))
    _searcher, _table, ranker = mini_service._snapshot()

    def not_again(*args):
        raise AssertionError("a document frequency read again")

    ranker.reader.doc_frequency = not_again
    refined = mini_service.search(SearchRequest(q="dân vân khéo", province=["Hà Giang"]))
    assert first.suggestion == refined.suggestion == "dân vận khéo"
