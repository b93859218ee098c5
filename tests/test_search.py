import pytest

from indexer.search import QueryError, SearchRequest


def ids(result):
    return {h.id for h in result.hits}


def facet(result, name):
    return {f.value: f.count for f in result.facets[name]}


def test_accented_and_unaccented_queries_find_the_same_documents(mini_service):
    accented = mini_service.search(SearchRequest(q="dân vận khéo"))
    plain = mini_service.search(SearchRequest(q="dan van kheo"))
    assert ids(accented) == ids(plain) == {"d1", "d4"}


def test_old_and_new_tone_placement_match_alike(mini_service):
    assert ids(mini_service.search(SearchRequest(q="hoà giải"))) == ids(mini_service.search(SearchRequest(q="hòa giải"))) == {"d3", "d5"}


def test_exact_diacritics_rank_first(mini_service):
    # "hoa" matches hòa/hoà/họa... ; the typed form wins on score.
    result = mini_service.search(SearchRequest(q="Dân vận khéo"))
    assert result.hits[0].id in {"d1", "d4"}


def test_directive_typed_in_the_query_matches_the_directive_field(mini_service):
    for q in ("16/CT-TTg", "16/ct - ttg", "chỉ thị 16/CT-TTg"):
        assert ids(mini_service.search(SearchRequest(q=q))) == {"d2", "d3"}, q
    assert ids(mini_service.search(SearchRequest(q="nghị quyết 25-NQ/TW"))) == {"d1", "d3"}


def test_filters_and_facets_respect_other_filters(mini_service):
    result = mini_service.search(SearchRequest(q="", province=["Hà Giang"]))
    assert ids(result) == {"d1", "d2"}
    # The province facet ignores its own filter, so other values stay choosable...
    assert facet(result, "province")["Vĩnh Long"] == 1
    # ...while the other facets count only Hà Giang documents.
    assert facet(result, "year") == {"2019": 1, "2022": 1}
    assert facet(result, "directive") == {"25-NQ/TW": 1, "16/CT-TTg": 1}

    both = mini_service.search(SearchRequest(q="", province=["Hà Giang", "Vĩnh Long"], year=["2019"]))
    assert ids(both) == {"d1", "d3"}
    assert facet(both, "province") == {"Hà Giang": 1, "Vĩnh Long": 1}


def test_province_2025_covers_merged_provinces(mini_service):
    result = mini_service.search(SearchRequest(q="", province_2025=["Tuyên Quang"]))
    assert ids(result) == {"d1", "d2", "d4"}


def test_directive_filter_accepts_messy_spelling(mini_service):
    assert ids(mini_service.search(SearchRequest(q="", directive=["16/ct-ttg"]))) == {"d2", "d3"}


def test_date_range_and_sort_by_date(mini_service):
    result = mini_service.search(SearchRequest(q="", date_from="2019-01-01", date_to="2022-12-31", sort="date"))
    assert [h.id for h in result.hits] == ["d2", "d1", "d3"]


def test_and_by_default_with_ranked_or_fallback(mini_service):
    strict = mini_service.search(SearchRequest(q="hòa giải viên"))
    assert ids(strict) == {"d5"} and not strict.fallback
    loose = mini_service.search(SearchRequest(q="hòa giải xylophone"))
    assert loose.fallback and ids(loose) == {"d3", "d5"} and loose.messages


def test_phrases_and_exclusions(mini_service):
    assert ids(mini_service.search(SearchRequest(q='"công tác dân vận"'))) == {"d2"}
    assert ids(mini_service.search(SearchRequest(q="dân vận -khéo"))) == {"d2"}


def test_snippets_escape_text_and_mark_matches(mini_service):
    hit = mini_service.search(SearchRequest(q="nhà tạm")).hits[0]
    assert "<b>" not in hit.snippet and "&lt;b&gt;" in hit.snippet
    assert "<mark>nhà</mark>" in hit.snippet
    assert "<script>" in hit.title  # titles are data; renderers escape them


def test_unaccented_query_highlights_accented_text(mini_service):
    hit = mini_service.search(SearchRequest(q="dan van kheo")).hits[0]
    assert "<mark>" in hit.snippet


def test_pagination(mini_service):
    page1 = mini_service.search(SearchRequest(q="", limit=4))
    page2 = mini_service.search(SearchRequest(q="", limit=4, page=2))
    assert page1.total == 6 and page1.pages == 2
    assert len(page1.hits) == 4 and len(page2.hits) == 2
    assert not ids(page1) & ids(page2)
    assert mini_service.search(SearchRequest(q="", page=9999)).hits == []


@pytest.mark.parametrize("fields,message", [
    ({"province": ["Atlantis"]}, "not one of the 63 provinces"),
    ({"year": ["abc"]}, "year"),
    ({"directive": ["hello"]}, "document number"),
    ({"page": 0}, "page"),
    ({"limit": 1000}, "limit"),
    ({"date_from": "2020-13-01"}, "date"),
    ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, "after"),
    ({"sort": "random"}, "sort"),
])
def test_bad_requests_raise_query_error_when_made(fields, message):
    with pytest.raises(QueryError, match=message):
        SearchRequest(q="x", **fields)


def test_a_request_is_canonical_and_frozen_once_made(mini_service):
    import dataclasses

    req = SearchRequest(q="x", province=["ha giang"], year=[2019], directive=["16/ct - ttg", "16/CT-TTg"],
                        date_from=" 2020-01-01")
    assert (req.province, req.year, req.directive, req.date_from) == (("Hà Giang",), ("2019",), ("16/CT-TTg",),
                                                                      "2020-01-01")
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.sort = "date"  # the service used to rewrite the caller's request
    empty = SearchRequest(q="")
    assert mini_service.search(empty).request.sort == "date" and empty.sort == "relevance"


def test_options_parse_into_one_canonical_request():
    req = SearchRequest.from_options({"qid": 7, "query": "dân vận", "province-2025": "vinh long", "year": [2019, "2020"],
                                "directive": "16/ct - ttg", "sort": "date", "page": 2, "limit": 5}, allow=("qid",))
    assert (req.q, req.province_2025, req.year, req.directive) == ("dân vận", ("Vĩnh Long",), ("2019", "2020"),
                                                                   ("16/CT-TTg",))
    assert (req.sort, req.page, req.limit) == ("date", 2, 5)
    dates = SearchRequest.from_options({"from": "2020-01-01", "date_to": "2020-12-31"})  # date_to: the JSON/URL name
    assert (dates.date_from, dates.date_to) == ("2020-01-01", "2020-12-31")


@pytest.mark.parametrize("options,name,message", [
    ({"provnce": "Hà Giang"}, "provnce", "unknown key 'provnce'; accepted: query, province, province_2025"),
    ({"provnce": "Hà Giang"}, "provnce", "did you mean 'province'?"),
    ({"date-form": "2020-01-01"}, "date-form", "did you mean 'from'?"),
    ({"qid": 1}, "qid", "unknown key 'qid'"),  # only a caller that reads qid allows it
    ({"limit": "5"}, "limit", 'from 1 to 100, not the string "5"'),
    ({"page": 2.0}, "page", "not the number 2.0"),
    ({"year": 2019.5}, "year", "takes a year or a list of them, not the number 2019.5"),
    ({"province": {"name": "Hà Giang"}}, "province", "not the object"),
    ({"query": 5}, "query", "takes a string, not the number 5"),
    ({"from": "2020-01-01", "date_from": "2020-01-01"}, "from", "same option"),
    ({"year": "2019", "to": "2020-01-01"}, "year", "either year or from/to"),
    ({"year": 1850}, "year", "from 1900 to 2100"),
    ({"province_2025": "Bến Tre"}, "province_2025", "Bến Tre belongs to Vĩnh Long since 1/7/2025"),
])
def test_bad_options_name_the_key_and_what_it_accepts(options, name, message):
    with pytest.raises(QueryError) as err:
        SearchRequest.from_options(options)
    assert err.value.name == name and message in str(err.value)


@pytest.mark.parametrize("q", ['"', "(((", "title:x", "*", "a~2^3", "AND OR NOT", "-", '""', "x" * 20000, "\x00\x1f"])
def test_odd_queries_never_raise(mini_service, q):
    result = mini_service.search(SearchRequest(q=q))
    assert result.total >= 0


def test_json_shape(mini_service):
    data = mini_service.search(SearchRequest(q="dân vận")).to_dict()
    assert {"query", "total", "hits", "facets"} <= data.keys()
    assert set(data["hits"][0]) >= {"id", "title", "url", "published", "province", "province_2025",
                                    "directives", "score", "snippet"}
    assert set(data["facets"]) == {"province", "province_2025", "year", "directive", "genre", "period", "keyword"}
    assert all({"value", "count"} <= v.keys() for values in data["facets"].values() for v in values)


def test_similar_documents_exclude_the_document_and_its_near_duplicates(mini_home):
    from corpus.store import config
    from corpus.store.document import Document
    from corpus.store.db import Store
    from indexer.build import update_index
    from indexer.search import SearchService

    with Store(config.store_path(mini_home)) as store:
        copy = store.get("d3")
        store.upsert(Document(**{**copy.to_dict(), "id": "d3-copy", "near_duplicate_of": "d3", "content_hash": ""}))
        update_index(store, config.index_path(mini_home))
    service = SearchService(config.index_path(mini_home))
    similar = [h.id for h in service.similar("d3", limit=5)]
    assert similar and "d3" not in similar and "d3-copy" not in similar
    assert similar[0] == "d5"  # the other hòa giải document
    assert [h.id for h in service.near_duplicates("d3")] == ["d3-copy"]
    assert [h.id for h in service.near_duplicates("d3-copy")] == ["d3"]
    assert service.similar("no-such-id") == [] and service.near_duplicates("no-such-id") == []


def test_question_queries_are_ranked_not_anded(mini_service):
    result = mini_service.search(SearchRequest(q="Tổ hòa giải thôn làm gì khi tiếp dân?"))
    assert result.hits[0].id == "d3" and result.messages and not result.fallback


def test_partial_citation_matches_full_numbers(mini_service):
    assert ids(mini_service.search(SearchRequest(q="chỉ thị 16"))) == {"d2", "d3"}
    assert ids(mini_service.search(SearchRequest(q="qd 23"))) == {"d4"}


@pytest.mark.parametrize("q,sort", [("dân", "relevance"), ("", "date"), ("dân -hòa", "date")])
def test_kept_hits_are_the_pages_in_order(mini_service, q, sort):
    result = mini_service.search(SearchRequest(q=q, limit=2, sort=sort), keep=50)
    pages = [hit for page in range(1, 6)
             for hit in mini_service.search(SearchRequest(q=q, limit=2, page=page, sort=sort)).hits]
    assert result.total > 2 and result.ranked == [(h.id, h.score) for h in pages]
    assert result.facets == {}  # an export's ranking counts no facets (~6 ms of a 10,000-row export at 100k)
    assert result.total == mini_service.search(SearchRequest(q=q, limit=2, sort=sort)).total


def test_snippets_and_pages_read_their_text_from_the_store(mini_home, tmp_path_factory):
    """No text in the index: a page of hits reads its texts from the store in one query, highlighted; a data
    directory moved whole still finds its store; a document gone from the store has an empty snippet."""
    import shutil

    from corpus.store import config
    from corpus.store.db import Store
    from indexer.search import SearchService

    moved = tmp_path_factory.mktemp("elsewhere") / "moved"
    shutil.copytree(mini_home, moved)
    shutil.rmtree(mini_home)
    service = SearchService(config.index_path(moved))
    hit = service.search(SearchRequest(q="hòa giải")).hits[0]
    with Store(config.store_path(moved)) as store:
        text = store.get(hit.id).text
    assert "<mark>" in hit.snippet and hit.snippet.replace("<mark>", "").replace("</mark>", "") == text
    assert service.document("d6")["text"].startswith("Lực lượng vũ trang")
    with Store(config.store_path(moved)) as store:
        store.delete("d6")
    gone = service.search(SearchRequest(q="nhà tạm")).hits
    assert [h.id for h in gone] == ["d6"] and gone[0].snippet == ""


def test_a_warmed_service_answers_its_first_query_without_reading_per_index_data(mini_home, monkeypatch):
    """What `danvan serve` reads at start (facet table, ranker, stored terms, records, snippet tables) is not
    read again by the first query."""
    import indexer.facets
    import indexer.ranker
    import indexer.search
    from corpus.store import config
    from indexer.search import SearchService

    service = SearchService(config.index_path(mini_home))
    service.warm()

    def not_again(*args, **kwargs):
        raise AssertionError("read again by the first query")

    monkeypatch.setattr(indexer.search, "FacetTable", not_again)
    monkeypatch.setattr(indexer.search, "WordTerms", not_again)
    monkeypatch.setattr(indexer.search, "read_records", not_again)
    monkeypatch.setattr(indexer.facets, "FacetTable", not_again)
    monkeypatch.setattr(indexer.ranker, "_leaf_lengths", not_again)  # every ranked field's lengths
    for q in ("dân vận", "dan van", '"công tác dân vận"', "25-NQ/TW"):
        result = service.search(SearchRequest(q=q, province=["Hà Giang"]))
    result = service.search(SearchRequest(q="dân vận", province=["Hà Giang"]))
    assert result.total and "<mark>" in result.hits[0].snippet


def test_a_server_threads_first_search_reads_no_term_table_directory_again(mini_home, monkeypatch):
    """A server answers on several threads, each with its own searcher: the term tables' directories the warm-up
    read are shared with it (each thread's first search read them all again: ~80 ms at 100k)."""
    import threading

    from corpus.store import config
    from indexer import termfile
    from indexer.search import SearchService

    service = SearchService(config.index_path(mini_home))
    service.warm()

    def not_again(*args, **kwargs):
        raise AssertionError("a term table's directory read again")

    monkeypatch.setattr(termfile, "_Directory", not_again)
    found = []
    thread = threading.Thread(target=lambda: found.append(service.search(SearchRequest(q="dân vận"))))
    thread.start()
    thread.join()
    assert found and found[0].total and "<mark>" in found[0].hits[0].snippet


def test_a_warmed_service_has_read_the_long_list_directories(tmp_path, monkeypatch):
    """Decoding the segments' long-list directories was the first query's largest cost at 100k: serve reads them."""
    from corpus.store import config
    from indexer import longlists, segments
    from indexer.search import SearchService
    from tests.conftest import build_home, mini_documents

    monkeypatch.setattr(longlists, "MIN_POSTINGS", 2)  # the mini corpus's common syllables get long lists
    monkeypatch.setattr(segments, "INLINE_LIMIT", 2)  # (below it, postings are in the term table)
    home = build_home(tmp_path, mini_documents())
    assert list(config.index_path(home).glob("*." + longlists.EXT))

    class NotReadAtTheFirstQuery:  # a non-data descriptor: a directory already read is in the instance
        def __get__(self, obj, owner=None):
            raise AssertionError("long-list directory decoded by the first query")

    service = SearchService(config.index_path(home))
    service.warm()
    monkeypatch.setattr(longlists.LongLists, "directory", NotReadAtTheFirstQuery())
    result = service.search(SearchRequest(q="dân vận", province=["Hà Giang"]))
    assert result.total and "<mark>" in result.hits[0].snippet


MOST = [  # "hòa giải viên ở cơ sở": 6 parts, a document holding 5 (75 %, rounded up) matches when few hold all 6
    ("all", "Hòa giải viên ở cơ sở giúp dân.", "Hà Giang", 2021),
    ("apart", "Viên chức hòa giải ở cơ sở.", "Vĩnh Long", 2020),  # every word, not the phrase "hòa giải viên"
    ("no-so", "Hòa giải viên ở cơ quan xã giúp dân.", "Vĩnh Long", 2022),  # lacks "sở"
    ("no-o", "Hòa giải viên tại cơ sở giúp dân.", "Hà Giang", 2022),  # lacks "ở"
    ("half", "Hòa giải mâu thuẫn trong gia đình.", "Hà Giang", 2023),  # 2 of 6
] + [(f"common{i}", "Cán bộ ở cơ sở giúp dân.", None, 2019) for i in range(4)]  # "ở", "cơ", "sở" are common words


@pytest.fixture(scope="module")
def most_service(tmp_path_factory):
    from corpus.store import config
    from corpus.store.document import Document
    from indexer.search import SearchService
    from tests.conftest import build_home

    docs = [Document(id=i, title="Tin", text=text, province=province, year=year) for i, text, province, year in MOST]
    return SearchService(config.index_path(build_home(tmp_path_factory.mktemp("most"), docs)))


def test_documents_lacking_a_word_match_when_few_hold_every_word(most_service):
    result = most_service.search(SearchRequest(q="hòa giải viên ở cơ sở"))
    assert ids(result) == {"all", "apart", "no-so", "no-o"} and result.total == 4 and result.relaxed == 2
    missing = {h.id: h.missing for h in result.hits}
    assert missing == {"all": [], "apart": [], "no-so": ["sở"], "no-o": ["ở"]}
    assert not result.fallback
    assert result.messages == ["Chỉ 2 tài liệu chứa tất cả các từ; 2 tài liệu khác thiếu một vài từ, xếp cùng "
                               "theo mức độ phù hợp (từ còn thiếu ghi ở mỗi kết quả)."]
    # Facets count what is listed, and a click on one lists what it counted.
    assert facet(result, "province") == {"Hà Giang": 2, "Vĩnh Long": 2}
    assert sum(facet(result, "year").values()) == result.total
    for province, count in facet(result, "province").items():
        assert most_service.search(SearchRequest(q="hòa giải viên ở cơ sở", province=[province])).total == count
    # The JSON twin says which set it shows; an export lists the same documents.
    data = result.to_dict()
    assert data["relaxed"] == 2 and {h["id"]: h["missing"] for h in data["hits"]} == missing
    kept = most_service.search(SearchRequest(q="hòa giải viên ở cơ sở", sort="date"), keep=10)
    assert {doc_id for doc_id, _ in kept.ranked} == ids(result) == ids(kept)


def test_a_quoted_phrase_is_never_missing(most_service):
    result = most_service.search(SearchRequest(q='"hòa giải viên" ở cơ sở'))
    assert ids(result) == {"all", "no-so", "no-o"} and result.relaxed == 2


def test_a_rare_word_is_never_the_one_missing(most_service):
    """"quan" is in one document: one lacking it lacks most of the query's weight (idf), though 6 of its 7 words."""
    result = most_service.search(SearchRequest(q="hòa giải viên ở cơ quan sở"))  # none holds all 7
    assert ids(result) == {"no-so"} and result.relaxed == result.total == 1 and result.fallback
    assert result.messages[0].startswith("Không tài liệu nào chứa tất cả các từ; đang hiển thị các tài liệu chứa hầu hết")
    assert result.hits[0].missing == ["sở"]


def test_no_relaxing_when_enough_documents_hold_every_word(most_service, monkeypatch):
    from indexer import search

    monkeypatch.setattr(search, "RELAX_BELOW", 2)
    result = most_service.search(SearchRequest(q="hòa giải viên ở cơ sở"))
    assert ids(result) == {"all", "apart"} and result.relaxed == 0 and not result.messages


def test_a_word_folding_like_a_province_or_genre_word_is_still_required(tmp_path):
    """"hạ" folds to "ha" of "Hà Giang", "sở" to "so" of "sơ kết": typed apart from the naming words, each is a
    word a document must hold, not part of the province or the genre."""
    from corpus.store import config
    from corpus.store.document import Document
    from indexer.search import SearchService
    from tests.conftest import build_home

    docs = [Document(id="both", title="Tin", text="Hạ tầng giao thông nông thôn.", province="Hà Giang"),
            Document(id="no-ha", title="Tin", text="Tầng lớp nhân dân tham gia.", province="Hà Giang"),
            # Filed six-month reviews whose words differ ("báo cáo"): the genre stands in for "sơ kết", not for "sở".
            Document(id="review", title="Báo cáo 6 tháng", text="Kết quả công tác cơ quan.", genre="six_month_review"),
            Document(id="review-so", title="Báo cáo 6 tháng", text="Kết quả ở cơ sở.", genre="six_month_review")]
    service = SearchService(config.index_path(build_home(tmp_path, docs)))
    assert ids(service.search(SearchRequest(q="hạ tầng Hà Giang"))) == {"both"}
    assert ids(service.search(SearchRequest(q="sơ kết 6 tháng cơ sở"))) == {"review-so"}
    assert ids(service.search(SearchRequest(q="so ket 6 thang co so"))) == {"review-so"}


def test_a_quoted_phrase_holding_a_document_number_is_not_joined_over_it(tmp_path):
    """The number leaves the phrase (it matches as a cited number): the words either side of it are two phrases,
    not one ("học tập của Đảng") that only a document without the number holds."""
    from corpus.store import config
    from corpus.store.document import Document
    from indexer.search import SearchService
    from indexer.trends import timelines
    from tests.conftest import build_home

    docs = [Document(id="cited", title="Tin", text="Cán bộ học tập Nghị quyết 25-NQ/TW của Đảng về dân vận.",
                     directives=["25-NQ/TW"]),
            Document(id="joined", title="Tin", text="Học tập của Đảng viên. Theo Nghị quyết 25-NQ/TW.",
                     directives=["25-NQ/TW"])]
    service = SearchService(config.index_path(build_home(tmp_path, docs)))
    for q in ['"học tập Nghị quyết 25-NQ/TW của Đảng"', '"học tập nghị quyết 25 của Đảng"']:
        result = service.search(SearchRequest(q=q))
        assert "cited" in ids(result) and not result.fallback, q
    [trend] = timelines(service, ["học tập Nghị quyết 25-NQ/TW của Đảng"], SearchRequest(), "year")
    assert trend.total == 2  # "học tập", "của Đảng" and the number: both hold them (the count is not of the whole)
    from indexer.queryparse import parse

    assert parse('-"theo 25-NQ/TW của" dân vận').phrases == []  # no part of an exclusion becomes required


def test_a_document_number_in_an_excluded_phrase_excludes_not_requires(tmp_path):
    """`-"Nghị quyết 25-NQ/TW"` leaves out what cites it, as `-25-NQ/TW` does; it did list only what cites it."""
    from corpus.store import config
    from corpus.store.document import Document
    from indexer.search import SearchService
    from tests.conftest import build_home

    docs = [Document(id="cited", title="Tin", text="Công tác dân vận theo Nghị quyết 25-NQ/TW.", directives=["25-NQ/TW"]),
            Document(id="plain", title="Tin", text="Công tác dân vận ở xã.")]
    service = SearchService(config.index_path(build_home(tmp_path, docs)))
    for q in ['dân vận -"Nghị quyết 25-NQ/TW"', 'dân vận -"nghị quyết 25"', "dân vận -25-NQ/TW"]:
        assert ids(service.search(SearchRequest(q=q))) == {"plain"}, q
