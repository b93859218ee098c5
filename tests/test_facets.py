"""Facet counts by bincount agree with counting each value's documents."""
import numpy as np

from indexer.facets import FacetTable, doc_ids
from indexer.schema import FACET_FIELDS, listed


def test_counts_match_counting_each_value(mini_service):
    searcher = mini_service.searcher()
    table = FacetTable(searcher.reader())
    rng = np.random.default_rng(0)
    for i in range(40):  # few matches (their pairs are counted), most (the others' are taken from the totals)
        within = rng.random(table.size) < (0.1, 0.4, 0.6, 0.9)[i % 4]
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


def test_the_table_holds_what_the_live_documents_store(tmp_path):
    """Values and dates per document, read from several segments with deletions, equal their stored fields."""
    import random

    from whoosh import index as windex

    from corpus.store.document import Document
    from corpus.store.db import Store
    from indexer.build import update_index

    rng = random.Random(3)

    def doc(i: int, version: int) -> Document:
        return Document(id=f"d{i:03d}", title=f"Tin {i}", text=f"dân vận lần {version}",
                        province=rng.choice(["Nghệ An", "Hà Nội", None]), year=rng.choice([2019, 2024, None]),
                        published=rng.choice([None, "2019-03-04", "2024-12-31"]),
                        directives=rng.choice([[], ["25-NQ/TW"], ["16/CT-TTg", "25-NQ/TW"]]))

    with Store(tmp_path / "store.db") as store:
        store.upsert_many([doc(i, 1) for i in range(120)])
        update_index(store, tmp_path / "index", procs=2)  # two segments
        for i in range(0, 120, 5):
            store.delete(f"d{i:03d}")
        store.upsert_many([doc(i, 2) for i in range(1, 120, 7)])  # rewritten: deleted in place, added anew
        update_index(store, tmp_path / "index", procs=1)
    reader = windex.open_dir(str(tmp_path / "index")).reader()
    assert len(reader.leaf_readers()) == 3 and reader.has_deletions()
    table = FacetTable(reader)
    live = sorted(reader.all_doc_ids())
    assert np.flatnonzero(table.live).tolist() == live
    expected: dict[str, dict[str, list[int]]] = {name: {} for name in table.postings}
    for docnum in live:
        fields = reader.stored_fields(docnum)
        for name in expected:
            for value in listed(fields.get(FACET_FIELDS.get(name, name))):  # the field a facet is counted from
                expected[name].setdefault(value, []).append(docnum)
        assert table.dates[docnum] == int(fields.get("published", "").replace("-", "") or 0)
    got = {name: {value: sorted(ids.tolist()) for value, ids in postings.items() if len(ids)}
           for name, postings in table.postings.items()}
    assert got == expected
    ids = doc_ids(reader, table.live)  # what an export reads instead of stored fields
    assert ids.tolist() == [reader.stored_fields(n)["id"] if table.live[n] else None for n in range(table.size)]


def test_equal_counts_are_in_vietnamese_alphabetical_order_everywhere(tmp_path):
    """Ties sort by the Vietnamese alphabet (ă before i): service, JSON API, web page and CLI agree."""
    import json
    import subprocess
    import sys

    from corpus.store import config
    from corpus.store.document import Document
    from corpus.store.db import Store
    from indexer.build import update_index
    from indexer.search import SearchRequest, SearchService
    from search_app import create_app
    from tests.conftest import ROOT

    # Code point order would give Bình Dương, Bạc Liêu, Bắc Giang, Đà Nẵng, Ấp (ì < ạ < ắ; Đ, Ấ after z).
    provinces = ["Bình Dương", "Đà Nẵng", "Bắc Giang", "Bạc Liêu", "An Giang"]
    expected = ["An Giang", "Bạc Liêu", "Bắc Giang", "Bình Dương", "Đà Nẵng"]
    docs = [Document(id=f"p{i}", title=f"Tin {i}", text="công tác dân vận", province=p, province_2025=p)
            for i, p in enumerate(provinces)]
    docs.append(Document(id="extra", title="Tin thêm", text="công tác dân vận", province="Vĩnh Long"))
    docs.append(Document(id="extra2", title="Tin thêm", text="công tác dân vận", province="Vĩnh Long"))
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))

    result = SearchService(config.index_path(tmp_path)).search(SearchRequest(q="dân vận"))
    assert [f.value for f in result.facets["province"]] == ["Vĩnh Long", *expected]
    assert [f.value for f in result.facets["province_2025"]] == expected

    client = create_app({"DANVAN_HOME": str(tmp_path), "TESTING": True}).test_client()
    api = client.get("/search.json", query_string={"q": "dân vận"}).get_json()
    assert [v["value"] for v in api["facets"]["province"]] == ["Vĩnh Long", *expected]
    page = client.get("/search", query_string={"q": "dân vận"}).get_data(as_text=True)
    sidebar = page[page.index("<aside"):page.index("</aside>")]
    shown = [sidebar.index(f'<span class="value">{name}</span>') for name in expected]
    assert shown == sorted(shown)

    out = subprocess.run([sys.executable, "-m", "cli", "search", "dân vận", "--json", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [v["value"] for v in json.loads(out.stdout)["facets"]["province"]] == ["Vĩnh Long", *expected]


def test_keywords_are_a_facet_and_a_filter_on_the_cli_and_the_web(mini_home):
    """Keywords chosen at index time are counted like any facet and filter the same way everywhere."""
    import json
    import os
    import subprocess
    import sys

    from corpus.store import config
    from indexer.search import SearchRequest, SearchService
    from search_app import create_app
    from tests.conftest import ROOT

    service = SearchService(config.index_path(mini_home))
    everything = service.search(SearchRequest(q=""))
    facet = everything.facets["keyword"]
    assert facet and all(" " in v.value or v.value.isalpha() for v in facet)
    chosen = facet[0]
    holding = {h.id for h in service.search(SearchRequest(q="", limit=100)).hits if chosen.value in h.keywords}
    assert chosen.count == len(holding) >= 1

    typed = chosen.value.upper().replace(" ", "_")  # as a user may type it: case and joiner do not matter
    run = subprocess.run([sys.executable, "-m", "cli", "search", "--keyword", typed, "--json", "--data-dir",
                          str(mini_home)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["filters"]["keyword"] == [chosen.value] and {h["id"] for h in data["hits"]} == holding
    assert all(chosen.value in h["keywords"] for h in data["hits"])

    client = create_app({"DANVAN_HOME": str(mini_home)}).test_client()
    web = client.get("/search.json", query_string={"keyword": chosen.value}).get_json()
    assert {h["id"] for h in web["hits"]} == holding
    assert [v for v in web["facets"]["keyword"] if v["value"] == chosen.value][0]["selected"]
    page = client.get("/search", query_string={"q": "dân"}).get_data(as_text=True)
    assert 'id="facet-keyword"' in page and "keyword=" in page
    chip_page = client.get("/search", query_string={"keyword": chosen.value}).get_data(as_text=True)
    assert "Từ khóa" in chip_page and chosen.value in chip_page
    doc = client.get(f"/doc/{sorted(holding)[0]}.json").get_json()
    assert chosen.value in doc["document"]["keywords"]
    assert any("keyword=" in link["url"] for link in doc["keyword_links"])


def test_a_keyword_of_one_document_is_not_listed_but_filters_and_counts(mini_service):
    """The keyword facet lists values two documents or more hold; any keyword still filters, counted."""
    from indexer.search import SearchRequest

    hits = mini_service.search(SearchRequest(q="", limit=100)).hits
    listed = {v.value for v in mini_service.search(SearchRequest(q="")).facets["keyword"]}
    holders: dict[str, set[str]] = {}
    for hit in hits:
        for k in hit.keywords:
            holders.setdefault(k, set()).add(hit.id)
    assert listed == {k for k, ids in holders.items() if len(ids) >= 2}
    single = sorted(k for k, ids in holders.items() if len(ids) == 1)[0]
    result = mini_service.search(SearchRequest(q="", keyword=[single]))
    assert {h.id for h in result.hits} == holders[single]
    assert [(v.value, v.count, v.selected) for v in result.facets["keyword"] if v.value == single] == [(single, 1, True)]


def test_a_facet_cut_to_its_top_values_equals_the_full_list_cut(tmp_path):
    """Only values that can make the top are sorted (ties and selected values kept): the same list as sorting all."""
    from whoosh import index as windex

    from corpus.store import config
    from corpus.store.db import Store
    from corpus.store.document import Document
    from indexer.build import update_index
    from indexer.facets import FacetTable

    numbers = [f"{n}/CT-TTg" for n in range(1, 61)]
    docs = [Document(id=f"d{i}", title=f"Tin {i}", text=f"Thực hiện Chỉ thị số {numbers[i % 60]} và Chỉ thị số "
                     f"{numbers[(i * 7) % 13]} về công tác dân vận.", directives=[numbers[i % 60], numbers[(i * 7) % 13]])
            for i in range(150)]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    with windex.open_dir(str(config.index_path(tmp_path))).reader() as reader:
        table = FacetTable(reader)
    for every in (3, 2, 1):  # a third of the documents left out, half, none
        within = table.live.copy()
        within[::every] = False
        within[::7] = True
        for selected in ([], [table._values["directive"][-1]], ["16/CT-TTg@9999"]):
            full = table.count("directive", within, selected)
            for top in (1, 5, 12, 30):
                cut = table.count("directive", within, selected, top)
                expected = full[:top] + [f for f in full[top:] if f.selected]
                assert [(f.value, f.count, f.selected) for f in cut] == [(f.value, f.count, f.selected)
                                                                          for f in expected]


def test_keywords_read_from_their_column_equal_their_term_table(tmp_path):
    """The keyword facet, read from the column, holds what the field's term table holds (several segments,
    deletions, values of one document and of several); a value the analyzer would strip falls back to the table."""
    from whoosh import index as windex

    from corpus.store.db import Store
    from corpus.store.document import Document
    from indexer import facets
    from indexer.build import update_index

    topics = ["an toàn giao thông", "chuyển đổi số", "nông thôn mới", "biến đổi khí hậu", "dân vận khéo"]
    docs = [Document(id=f"d{i:03d}", title=f"Tin {i}", text=f"Bài {i} về {topics[i % 5]} và {topics[(i * 3) % 5]}. "
                     f"Phong trào {topics[(i * 7) % 5]} ở xã số {i}, huyện số {i % 4}.") for i in range(90)]
    with Store(tmp_path / "store.db") as store:
        store.upsert_many(docs[:60])
        update_index(store, tmp_path / "index", procs=2)
        for i in range(0, 60, 6):
            store.delete(f"d{i:03d}")
        store.upsert_many(docs[60:])
        update_index(store, tmp_path / "index", procs=1)
    with windex.open_dir(str(tmp_path / "index")).reader() as reader:
        assert len(reader.leaf_readers()) >= 2 and reader.has_deletions()
        table = facets.FacetTable(reader)
        for min_docs in (1, 2):
            column = facets._column_terms(reader, "keyword", table.live, min_docs)
            terms = facets._term_docs(reader, "keyword", table.live, min_docs)
            assert terms and list(column) == list(terms)
            assert all(column[k].tolist() == terms[k].tolist() for k in terms)
        assert {k: v.tolist() for k, v in table.postings["keyword"].items()} == {
            k: v.tolist() for k, v in facets._term_docs(reader, "keyword", table.live, 2).items()}

        def spaced(leaf, name):
            return b"a , b", np.array([0] * leaf.doc_count_all()), np.array([5] * leaf.doc_count_all())

        def broken(leaf, name):
            return b"a\nb", np.array([0] * leaf.doc_count_all()), np.array([3] * leaf.doc_count_all())

        original = facets.whoosh_internals.var_bytes_column
        try:
            for unlike in (spaced, broken):
                facets.whoosh_internals.var_bytes_column = unlike
                assert facets._column_terms(reader, "keyword", table.live) is None
        finally:
            facets.whoosh_internals.var_bytes_column = original
