"""Directive records in the index: facets, filters, search, similar and updates tell two documents of one
number apart, on a corpus written for it (two records of 16/CT-TTg, bare and conflicting citations)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as windex

from corpus.knowledge.directives import find_directives
from corpus.store.document import Document
from indexer.search import IndexMissing, QueryError, SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
DANVAN = "tăng cường công tác dân vận của cơ quan hành chính nhà nước các cấp"
COVID = "thực hiện các biện pháp cấp bách phòng, chống dịch COVID-19"
# id -> (published, text, the record(s) each citation of 16/CT-TTg truly is: what the tests hold the index to)
TEXTS = {
    "d2016": ("2017-03-01", f"Quán triệt Chỉ thị số 16/CT-TTg ngày 16/5/2016 của Thủ tướng Chính phủ về {DANVAN}.",
              {"2016"}),
    "y2016": ("2019-05-10", f"Sơ kết 3 năm thực hiện Chỉ thị 16/CT-TTg năm 2016 của TTg về {DANVAN}.", {"2016"}),
    "bare-2018": ("2018-06-01", "Các cơ quan tiếp tục thực hiện Chỉ thị 16/CT-TTg.", {"2016"}),  # 2020 not yet issued
    "d2020": ("2020-04-02", f"Tỉnh triển khai Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ về {COVID}.",
              {"2020"}),
    "covid-undated": ("2021-05-03", f"Tiếp tục thực hiện Chỉ thị 16/CT-TTg của Thủ tướng Chính phủ về {COVID}.",
                      {"2020"}),
    "both": ("2021-06-01", f"Thực hiện Chỉ thị 16/CT-TTg năm 2016 về {DANVAN} và Chỉ thị số 16/CT-TTg ngày "
                           f"31/3/2020 về {COVID}.", {"2016", "2020"}),
    "bare-2021": ("2021-02-01", "Tiếp tục quán triệt Chỉ thị 16/CT-TTg.", {"?"}),  # either: never guessed
    # A 2020 date in a 2019 text is a misprint, and the subject is not the 2016 record's: unknown.
    "misprint": ("2019-01-05", f"Thực hiện Chỉ thị số 16/CT-TTg ngày 31/3/2020 về {COVID}.", {"?"}),
    # Its year names one record, its subject the other: a conflict is not settled by guessing.
    "conflict": ("2021-07-01", f"Các xã triển khai Chỉ thị 16/CT-TTg năm 2016 về {COVID}.", {"?"}),
}
TRUTH = {doc_id: {f"16/CT-TTg@{r}" for r in records} for doc_id, (_p, _t, records) in TEXTS.items()}
FILLER = [f"Tin số {i}: hội nghị tổng kết phong trào thi đua yêu nước ở xã {name}."
          for i, name in enumerate(["Tân Lập", "Hòa Bình", "Quyết Thắng", "Đồng Tâm", "Thống Nhất", "Hợp Tiến"])]


def _document(doc_id: str, published: str, text: str) -> Document:
    return Document(id=doc_id, title=f"Tin {doc_id}", text=text, published=published, year=int(published[:4]),
                    directives=find_directives(text)[0])


def _docs() -> list[Document]:
    docs = [_document(doc_id, published, text) for doc_id, (published, text, _r) in TEXTS.items()]
    return docs + [_document(f"filler-{i}", "2022-01-01", text) for i, text in enumerate(FILLER)]


def _build(home: Path, docs: list[Document], rebuild: bool = False, procs: int | None = None):
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index

    with Store(config.store_path(home)) as store:
        store.upsert_many(docs)
        for doc_id in set(store.stamps()) - {d.id for d in docs}:
            store.delete(doc_id)
        return update_index(store, config.index_path(home), rebuild=rebuild, procs=procs)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("records")
    _build(path, _docs())
    return path


@pytest.fixture(scope="module")
def service(home) -> SearchService:
    from corpus.store import config

    return SearchService(config.index_path(home))


def _ids(service: SearchService, **request) -> set[str]:
    result = service.search(SearchRequest(limit=100, **request))
    return {h.id for h in result.hits}


def test_the_facet_counts_each_record_apart_and_the_unattributed_citations(service):
    facet = {v.value: v.count for v in service.search(SearchRequest(q="16/CT-TTg")).facets["directive"]}
    expected = {k: sum(k in keys for keys in TRUTH.values()) for k in set().union(*TRUTH.values())}
    assert facet == expected == {"16/CT-TTg@2016": 4, "16/CT-TTg@2020": 3, "16/CT-TTg@?": 3}


def test_a_filter_on_one_record_returns_only_the_documents_attributed_to_it(service):
    for record in ("16/CT-TTg@2016", "16/CT-TTg@2020", "16/CT-TTg@?"):
        assert _ids(service, directive=[record]) == {d for d, keys in TRUTH.items() if record in keys}, record
    assert _ids(service, directive=["16/ct - ttg năm 2020"]) == {"d2020", "covid-undated", "both"}  # any spelling
    assert _ids(service, directive=["16/CT-TTg"]) == set(TEXTS)  # the bare number: every citing document
    assert _ids(service, directive=["16/CT-TTg@2019"]) == set()


def test_no_citation_is_attributed_to_the_wrong_record(service):
    hits = service.search(SearchRequest(q="16/CT-TTg", limit=100)).hits
    assert {h.id: set(h.records) for h in hits} == TRUTH


def test_the_directive_page_and_the_index_attribute_alike(home, service):
    from search_app import create_app

    page = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client().get("/directive/16/CT-TTg.json")
    data = page.get_json()
    for record in data["records"]:
        assert set(record["citations"]) == _ids(service, directive=[record["key"]]), record["key"]
    assert set(data["unattributed_documents"]) == _ids(service, directive=["16/CT-TTg@?"])
    assert [r["search_url"] for r in data["records"]] == ["/search?directive=16%2FCT-TTg%402016",
                                                          "/search?directive=16%2FCT-TTg%402020"]


def test_a_selected_bare_number_counts_every_document_citing_it(service):
    facet = service.search(SearchRequest(directive=["16/CT-TTg"])).facets["directive"]
    assert [(v.value, v.count) for v in facet if v.selected] == [("16/CT-TTg", len(TEXTS))]


def test_bad_record_keys_are_rejected_by_name(service):
    for bad in ("16/CT-TTg@1800", "16/CT-TTg@abc", "không phải số@2020"):
        with pytest.raises(QueryError) as caught:
            service.search(SearchRequest(directive=[bad]))
        assert caught.value.name == "directive"


def test_a_search_for_the_number_shows_each_record_then_its_documents(service):
    result = service.search(SearchRequest(q="16/ct-ttg", limit=100))
    lines = [(r["key"], r["issued"], r["citations"]) for r in result.directive_records]
    assert lines == [("16/CT-TTg@2016", "2016-05-16", 4), ("16/CT-TTg@2020", "2020-03-31", 3), ("16/CT-TTg@?", None, 3)]
    assert result.directive_records[1]["subject"] == COVID
    ranked = [h.id for h in result.hits]
    first = {"d2016", "y2016", "bare-2018", "both"}
    assert set(ranked[:4]) == first and set(ranked[4:6]) == {"d2020", "covid-undated"}
    assert set(ranked[6:]) == {"bare-2021", "misprint", "conflict"}


def test_a_query_naming_a_subject_shows_its_record_above_the_hits(service):
    named = service.search(SearchRequest(q="tăng cường công tác dân vận của cơ quan hành chính nhà nước"))
    assert [r["key"] for r in named.directive_records] == ["16/CT-TTg@2016"]
    assert named.directive_records[0]["subject"] == DANVAN
    folded = service.search(SearchRequest(q="bien phap cap bach phong chong dich"))
    assert [r["key"] for r in folded.directive_records] == ["16/CT-TTg@2020"]
    assert service.search(SearchRequest(q="dân vận")).directive_records == []  # two words name no subject


def test_similar_takes_a_shared_record_as_evidence_not_a_shared_number(tmp_path):
    from corpus.store import config

    # a, b and c share no word but the number (and words every document has): b cites another record.
    docs = [
        _document("a", "2017-01-01", "Xã Phú Mỹ làm đường bê tông (16/CT-TTg năm 2016)."),
        _document("b", "2021-01-01", "Phường An Khánh phát khẩu trang (16/CT-TTg năm 2020)."),
        _document("c", "2018-01-01", "Huyện Vĩnh Hưng đối thoại nông dân (16/CT-TTg năm 2016)."),
    ] + [_document(f"filler-{i}", "2022-01-01", f"Theo kế hoạch năm nay. {text}") for i, text in enumerate(FILLER)]
    _build(tmp_path, docs)
    similar = [h.id for h in SearchService(config.index_path(tmp_path)).similar("a")]
    assert similar[0] == "c" and "b" not in similar


def test_an_update_reattributes_the_citations_a_new_document_changes(tmp_path):
    from corpus.store import config

    docs = {d.id: d for d in _docs()}
    _build(tmp_path, [docs["d2016"], docs["bare-2021"]])
    service = SearchService(config.index_path(tmp_path))
    facet = {v.value: v.count for v in service.search(SearchRequest(q="16/CT-TTg")).facets["directive"]}
    assert facet == {"16/CT-TTg": 2}  # one document known by this number: its own key
    report = _build(tmp_path, [docs["d2016"], docs["bare-2021"], docs["d2020"]])
    assert (report.added, report.updated, report.reattributed) == (1, 0, 2)
    hits = {h.id: h.records for h in service.search(SearchRequest(q="16/CT-TTg")).hits}
    assert hits == {"d2016": ["16/CT-TTg@2016"], "bare-2021": ["16/CT-TTg@?"], "d2020": ["16/CT-TTg@2020"]}
    report = _build(tmp_path, [docs["d2016"], docs["bare-2021"]])  # deleting it puts them back
    assert (report.deleted, report.reattributed) == (1, 2)
    assert {h.id: h.records for h in service.search(SearchRequest(q="16/CT-TTg")).hits} == {
        "d2016": ["16/CT-TTg"], "bare-2021": ["16/CT-TTg"]}


def test_danvan_index_says_which_documents_it_rewrote_for_their_records(tmp_path):
    from corpus.store import config
    from corpus.store.db import Store

    docs = {d.id: d for d in _docs()}
    _build(tmp_path, [docs["d2016"], docs["bare-2021"]])
    with Store(config.store_path(tmp_path)) as store:
        store.upsert(docs["d2020"])
    run = subprocess.run([sys.executable, "-m", "cli", "index", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "1 added, 0 updated, 0 deleted, 2 unchanged; 2 rewritten because a directive number" in run.stdout


def test_an_update_agrees_with_a_rebuild(tmp_path):
    from corpus.store import config

    docs = _docs()
    for end in (3, 6, len(docs)):  # documents arrive in three imports
        _build(tmp_path, docs[:end])
    service = SearchService(config.index_path(tmp_path))
    updated = {h.id: h.records for h in service.search(SearchRequest(q="16/CT-TTg", limit=100)).hits}
    profiles = service.search(SearchRequest(q="16/CT-TTg")).directive_records
    _build(tmp_path, docs, rebuild=True, procs=2)  # citations read by two worker processes
    rebuilt = SearchService(config.index_path(tmp_path))
    assert updated == {h.id: h.records for h in rebuilt.search(SearchRequest(q="16/CT-TTg", limit=100)).hits}
    assert profiles == rebuilt.search(SearchRequest(q="16/CT-TTg")).directive_records


def test_an_index_from_an_older_schema_is_reported_and_rebuilt(tmp_path):
    from corpus.store import config
    from indexer.schema import make_schema

    from corpus.store.db import Store

    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(_docs()[:2])
    old = make_schema()
    old.remove("directive_record")
    index_dir = config.index_path(tmp_path)
    index_dir.mkdir(parents=True)
    windex.create_in(str(index_dir), old)
    with pytest.raises(IndexMissing, match="run `danvan index`"):
        SearchService(index_dir)
    run = subprocess.run([sys.executable, "-m", "cli", "search", "dân vận", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1 and "danvan index" in run.stderr
    report = _build(tmp_path, _docs()[:2])
    assert report.rebuilt and SearchService(index_dir).search(SearchRequest(q="16/CT-TTg")).total == 2


def test_an_index_lacking_a_field_is_rebuilt_even_when_its_stamps_look_current(tmp_path):
    from corpus.store import config
    from indexer.build import STAMPS_FILE
    from indexer.schema import make_schema

    _build(tmp_path, _docs()[:2])
    index_dir = config.index_path(tmp_path)
    stamps = (index_dir / STAMPS_FILE).read_text("utf-8")
    old = make_schema()
    old.remove("directive_record")
    windex.create_in(str(index_dir), old)  # another branch's index of the same schema version
    (index_dir / STAMPS_FILE).write_text(stamps, "utf-8")
    report = _build(tmp_path, _docs()[:2])
    assert report.rebuilt and report.added == 2
    assert SearchService(index_dir).search(SearchRequest(q="16/CT-TTg")).total == 2


def test_the_cli_prints_the_profile_lines_and_labels_hits_by_record(home):
    run = subprocess.run([sys.executable, "-m", "cli", "search", "16/CT-TTg", "--limit", "2", "--data-dir", str(home)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1] == "= Chỉ thị 16/CT-TTg ngày 16/05/2016 của Thủ tướng Chính phủ về " + DANVAN + \
        " (4 tài liệu)  [--directive '16/CT-TTg@2016']"
    assert lines[2].startswith("= Chỉ thị 16/CT-TTg ngày 31/03/2020 của Thủ tướng Chính phủ về thực hiện")
    assert "16/CT-TTg (2016)" in run.stdout and "Văn bản: 16/CT-TTg (2016) (4) · 16/CT-TTg (2020) (3)" in run.stdout


def test_the_web_shows_the_records_and_labels_links_by_record(home):
    from search_app import create_app

    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    data = client.get("/search.json?q=16/CT-TTg").get_json()
    assert [r["key"] for r in data["directive_records"]] == ["16/CT-TTg@2016", "16/CT-TTg@2020", "16/CT-TTg@?"]
    assert data["directive_records"][1]["url"] == "/directive/16/CT-TTg#2020"
    page = client.get("/search?q=16/CT-TTg").get_data(as_text=True)
    assert "Văn bản được nêu trong câu tìm" in page and "16/CT-TTg (chưa rõ văn bản)" in page
    assert 'href="/directive/16/CT-TTg#2016">16/CT-TTg (2016)</a>' in page
    filtered = client.get(data["directive_records"][0]["search_url"].replace("/search", "/search.json")).get_json()
    assert filtered["total"] == 4
    assert '<article class="record" id="2020">' in client.get("/directive/16/CT-TTg").get_data(as_text=True)
    links = client.get("/doc/both.json").get_json()["directive_links"]
    assert [(link["label"], link["url"]) for link in links] == [("16/CT-TTg (2016)", "/directive/16/CT-TTg#2016"),
                                                              ("16/CT-TTg (2020)", "/directive/16/CT-TTg#2020")]
    assert client.get("/search.json?directive=16/CT-TTg@1800").status_code == 400
    chosen = client.get("/search?directive=16/CT-TTg@2016").get_data(as_text=True)
    assert "Văn bản được trích dẫn:</span> 16/CT-TTg (2016)" in chosen
