"""The directive contract: `danvan directive NUMBER --json` prints what GET /directive/NUMBER.json returns."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.knowledge.directives import find_directives
from corpus.store.document import Document
from corpus.knowledge.provinces import to_2025
from search_app import create_app
from tests.conftest import build_home

ROOT = Path(__file__).resolve().parent.parent
COVID = "thực hiện các biện pháp cấp bách phòng, chống dịch COVID-19"
DANVAN = "tăng cường công tác dân vận của cơ quan hành chính nhà nước các cấp"
TEXTS = {
    "covid": ("2020-04-02", "Hà Giang", f"Tỉnh triển khai Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ "
                                        f"về {COVID}; các huyện thực hiện nghiêm."),
    "danvan": ("2017-03-01", "Vĩnh Long", f"Quán triệt Chỉ thị số 16/CT-TTg ngày 16/5/2016 của TTg về {DANVAN}."),
    "bare-2018": ("2018-06-01", "Vĩnh Long", "Các cơ quan tiếp tục thực hiện Chỉ thị 16/CT-TTg."),
    "bare-2021": ("2021-02-01", "Hà Giang", "Tiếp tục quán triệt Chỉ thị 16/CT-TTg."),
    "replaces": ("2018-03-01", "Hà Giang", "Quy định số 124-QĐ/TW ngày 02/02/2018 của Bộ Chính trị thay thế Quyết định "
                                           "số 290-QĐ/TW ngày 25/02/2010 của Bộ Chính trị."),
}


def _docs() -> list[Document]:
    return [Document(id=doc_id, title=f"Tin {doc_id}", text=text, published=published, year=int(published[:4]),
                     province=province, province_2025=to_2025(province), directives=find_directives(text)[0])
            for doc_id, (published, province, text) in TEXTS.items()]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_home(tmp_path_factory.mktemp("directives"), _docs())


def danvan(*args, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


def test_cli_json_is_the_web_json(home):
    web = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client().get("/directive/16/CT-TTg.json")
    assert web.status_code == 200
    run = danvan("directive", "16/ct - ttg", "--json", home=home)
    assert run.returncode == 0, run.stderr
    cli_data, web_data = json.loads(run.stdout), web.get_json()
    assert cli_data.pop("elapsed_ms") >= 0 and web_data.pop("elapsed_ms") >= 0  # the one key that varies per run
    assert cli_data == web_data


def test_two_documents_numbered_16_ct_ttg_are_two_records(home):
    data = create_app({"DANVAN_HOME": str(home)}).test_client().get("/directive/16/CT-TTg.json").get_json()
    assert data["number"] == "16/CT-TTg" and data["total"] == 4  # today's keys stay
    assert {"by_province", "by_year", "hits", "json_url"} <= set(data)
    records = [{k: r[k] for k in ("number", "type", "issuer", "issued", "term", "subject", "citations")}
               for r in data["records"]]
    assert records == [
        {"number": "16/CT-TTg", "type": "Chỉ thị", "issuer": "Thủ tướng Chính phủ", "issued": "2016-05-16",
         "term": None, "subject": DANVAN, "citations": ["bare-2018", "danvan"]},
        {"number": "16/CT-TTg", "type": "Chỉ thị", "issuer": "Thủ tướng Chính phủ", "issued": "2020-03-31",
         "term": None, "subject": COVID, "citations": ["covid"]},
    ]
    assert data["unattributed"] == 1  # the bare 2021 citation could be either


def test_relations_on_the_page_and_in_the_cli(home):
    client = create_app({"DANVAN_HOME": str(home)}).test_client()
    [record] = client.get("/directive/290-QĐ/TW.json").get_json()["records"]
    assert record["relations"] == [{"relation": "replaced_by", "number": "124-QĐ/TW", "documents": ["replaces"],
                                    "url": "/directive/124-Q%C4%90/TW"}]
    run = danvan("directive", "290-QD/TW", home=home)
    assert run.returncode == 0, run.stderr
    assert "replaced_by: 124-QĐ/TW" in run.stdout and "2010-02-25" in run.stdout
    html = client.get("/directive/16/CT-TTg").get_data(as_text=True)
    assert "2 văn bản mang số này" in html and '<time datetime="2020-03-31">31/03/2020</time>' in html
    assert '<time datetime="2016-05-16">16/05/2016</time>' in html
    assert "Thủ tướng Chính phủ" in html and COVID in html
    assert 'href="/directive/124-Q%C4%90/TW"' in client.get("/directive/290-QĐ/TW").get_data(as_text=True)


def test_cli_rejects_what_is_not_a_number(home):
    run = danvan("directive", "hello", home=home)
    assert run.returncode == 1
    assert "not a document number" in run.stderr and "Traceback" not in run.stderr


def test_directives_lists_every_record_with_filters_and_sorts(home):
    client = create_app({"DANVAN_HOME": str(home)}).test_client()
    data = client.get("/directives.json").get_json()
    rows = [(r["number"], r["year"], r["citation_count"]) for r in data["records"]]
    assert rows[0] == ("16/CT-TTg", 2016, 2)  # most cited first
    assert set(rows) == {("16/CT-TTg", 2016, 2), ("16/CT-TTg", 2020, 1), ("124-QĐ/TW", 2018, 1),
                         ("290-QĐ/TW", 2010, 1)}
    assert data["records"][0]["url"] == "/directive/16/CT-TTg"
    by_date = client.get("/directives.json?sort=date").get_json()["records"]
    assert [r["year"] for r in by_date] == [2020, 2018, 2016, 2010]
    chi_thi = client.get("/directives.json?type=chi+thi&year=2020").get_json()
    assert [(r["number"], r["issued"]) for r in chi_thi["records"]] == [("16/CT-TTg", "2020-03-31")]
    assert chi_thi["filters"] == {"type": "chi thi", "issuer": None, "year": 2020}
    issuer = client.get("/directives.json?issuer=bộ+chính+trị").get_json()["records"]
    assert {r["number"] for r in issuer} == {"124-QĐ/TW", "290-QĐ/TW"}
    html = client.get("/directives?type=<script>").get_data(as_text=True)
    assert "<script>" not in html.split("<main", 1)[1] and "&lt;script&gt;" in html


@pytest.mark.parametrize("query,parameter", [("year=abc", "year"), ("sort=random", "sort"), ("page=0", "page"),
                                             ("issuer=" + "x" * 101, "issuer")])
def test_directives_rejects_bad_parameters_by_name(home, query, parameter):
    response = create_app({"DANVAN_HOME": str(home)}).test_client().get("/directives.json?" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_cli_directives_json_is_the_web_json(home):
    web = create_app({"DANVAN_HOME": str(home)}).test_client().get("/directives.json?type=ch%E1%BB%89+th%E1%BB%8B")
    run = danvan("directives", "--type", "chỉ thị", "--json", home=home)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == web.get_json()
    text = danvan("directives", "--issuer", "Thủ tướng", home=home)
    assert text.returncode == 0 and "2 records" in text.stdout and "2020-03-31" in text.stdout


def test_directive_page_lists_the_numbers_cited_together(home):
    client = create_app({"DANVAN_HOME": str(home)}).test_client()
    data = client.get("/directive/124-QĐ/TW.json").get_json()
    assert data["cited_with"] == [{"number": "290-QĐ/TW", "count": 1, "url": "/directive/290-Q%C4%90/TW"}]
    assert client.get("/directive/16/CT-TTg.json").get_json()["cited_with"] == []
    assert 'href="/directive/290-Q%C4%90/TW"' in client.get("/directive/124-QĐ/TW").get_data(as_text=True)


def test_citation_graph_as_graphml_and_csv(home):
    import csv
    import io
    import xml.etree.ElementTree as ET

    run = danvan("citation-graph", home=home)
    assert run.returncode == 0, run.stderr
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(run.stdout.encode("utf-8"))  # a real XML parser: well-formed, escaped
    keys = {k.get("id"): k.get("attr.name") for k in root.findall("g:key", ns)}
    nodes = {n.get("id"): {keys[d.get("key")]: d.text for d in n.findall("g:data", ns)}
             for n in root.findall("g:graph/g:node", ns)}
    edges = {(e.get("source"), e.get("target")): {keys[d.get("key")]: d.text for d in e.findall("g:data", ns)}
             for e in root.findall("g:graph/g:edge", ns)}
    assert nodes["16/CT-TTg|2020"]["issued"] == "2020-03-31" and nodes["16/CT-TTg|2016"]["kind"] == "record"
    assert ("covid", "16/CT-TTg|2020") in edges and ("covid", "16/CT-TTg|2016") not in edges
    assert edges[("bare-2021", "16/CT-TTg")]["kind"] == "unattributed"
    assert edges[("124-QĐ/TW|2018", "290-QĐ/TW|2010")] == {"kind": "cocited", "weight": "1"}
    assert all(source in nodes and target in nodes for source, target in edges)
    rows = list(csv.DictReader(io.StringIO(danvan("citation-graph", "--format", "csv", home=home).stdout)))
    assert {"source": "danvan", "target": "16/CT-TTg|2016", "kind": "cites", "weight": "1"} in rows


def test_records_follow_the_index_when_it_changes(tmp_path):
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index
    from indexer.search import SearchService

    docs = _docs()
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many([d for d in docs if d.id == "covid"])
        update_index(store, config.index_path(tmp_path))
        service = SearchService(config.index_path(tmp_path))
        assert [r["year"] for r in service.directive_records("16/CT-TTg")["records"]] == [2020]
        assert service.directive_records("16/CT-TTg") is service.directive_records("16/CT-TTg")  # cached
        store.upsert_many([d for d in docs if d.id == "danvan"])
        update_index(store, config.index_path(tmp_path))
        assert [r["year"] for r in service.directive_records("16/CT-TTg")["records"]] == [2016, 2020]
        assert {r["year"] for r in service.directive_catalogue()["16/CT-TTg"]["records"]} == {2016, 2020}
        assert service.directive_records("16/CT-TTg")["records"][0]["citations"] == ["danvan"]  # from the catalogue


def test_each_record_counts_its_citing_documents_by_year_and_province(home):
    client = create_app({"DANVAN_HOME": str(home)}).test_client()
    y2016, y2020 = client.get("/directive/16/CT-TTg.json").get_json()["records"]
    assert y2016["breakdown"]["year"] == [{"value": "2017", "count": 1}, {"value": "2018", "count": 1}]
    assert y2016["breakdown"]["province"] == [{"value": "Vĩnh Long", "count": 2}]
    assert y2020["breakdown"]["province_2025"] == [{"value": "Tuyên Quang", "count": 1}]  # Hà Giang since 2025
    assert "Theo tỉnh/thành (2025):" in client.get("/directive/16/CT-TTg").get_data(as_text=True)
