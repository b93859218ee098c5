"""The year of a document: its publication date's year when one is known, else a year read from the text."""
import datetime as dt
import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from cli import cli
from corpus.store.document import Document
from corpus.extract.textmeta import extract_metadata
from corpus.store.pipeline import Origin, page_fields
from corpus.store.importer import import_paths
from corpus.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "corpus/samples/demo.jsonl"
REVIEW = ("Ngày 11/1, Ban Chỉ đạo tổng kết thực hiện quy chế dân chủ ở cơ sở năm 2016. "
          "Trong năm 2016, các cấp ủy đã lãnh đạo thực hiện tốt quy chế dân chủ.")


def _jsonl(path: Path, *records: dict) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return path


def test_the_published_date_decides_the_year_not_the_year_the_text_names():
    meta = extract_metadata(REVIEW, title="Tổng kết năm 2016", header=["12/01/2017 08:30"])
    assert (meta["published"], meta["year"], meta["year_source"]) == (dt.date(2017, 1, 12), 2017, "published")
    undated = extract_metadata(REVIEW, title="Tổng kết năm 2016")
    assert (undated["published"], undated["year"], undated["year_source"]) == (None, 2016, "text")
    assert extract_metadata("Không nêu năm nào.")["year_source"] is None


def test_a_document_cannot_hold_a_year_other_than_its_date():
    doc = Document(id="a", text="x", published="2017-01-12", year=2016, year_source="text")
    assert (doc.year, doc.year_source) == (2017, "published")
    assert Document(id="b", text="x", year=2016, year_source="text").year_source == "text"


def test_demo_corpus_years_follow_the_published_dates(tmp_path):
    store = Store(tmp_path / "db")
    report = import_paths(store, [DEMO])
    assert not report.problems
    for doc_id, year in (("demo-004", 2017), ("demo-024", 2024)):
        doc = store.get(doc_id)
        assert (doc.year, doc.year_source) == (year, "published"), doc_id
    for doc in store:
        if doc.published:
            assert doc.year == int(doc.published[:4]) and doc.year_source == "published", doc.id


def test_a_records_year_contradicting_its_date_does_not_win(tmp_path):
    path = _jsonl(tmp_path / "docs.jsonl",
                  {"id": "dated", "text": REVIEW, "published": "2017-01-12", "year": 2016},
                  {"id": "undated", "text": REVIEW},
                  {"id": "given", "text": "Không nêu năm nào.", "year": 2015},
                  {"id": "exported", "text": REVIEW, "year": 2016, "year_source": "text"})
    store = Store(tmp_path / "db")
    assert not import_paths(store, [path]).problems
    got = {d.id: (d.year, d.year_source) for d in store}
    assert got == {"dated": (2017, "published"), "undated": (2016, "text"), "given": (2015, "given"),
                   "exported": (2016, "text")}


def test_an_unknown_year_source_is_refused(tmp_path):
    path = _jsonl(tmp_path / "docs.jsonl", {"id": "a", "text": REVIEW, "year": 2016, "year_source": "guess"})
    report = import_paths(Store(tmp_path / "db"), [path])
    assert len(report.problems) == 1 and "year_source" in str(report.problems[0])


def test_an_html_page_dated_2017_about_2016_is_filed_under_2017():
    page = ("<html><head><title>Tổng kết quy chế dân chủ năm 2016 - Ban Dân vận</title></head><body>"
            "<h1>Tổng kết quy chế dân chủ năm 2016</h1><div class='date'>12/01/2017 08:30</div>"
            f"<div class='content'><p>{REVIEW}</p><p>{REVIEW}</p></div></body></html>")
    fields = page_fields(page.encode("utf-8"), Origin(url="https://example.invalid/tin/1.html"))
    assert (fields["published"], fields["year"], fields["year_source"]) == ("2017-01-12", 2017, "published")


def test_an_old_data_dir_is_migrated_and_its_years_fixed(tmp_path):
    path = tmp_path / "db"
    old = sqlite3.connect(path)  # the documents table as it was before year_source
    old.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT, title TEXT, url TEXT, source TEXT, "
                "published TEXT, year INTEGER, province TEXT, province_2025 TEXT, directives TEXT, "
                "directives_partial TEXT, author TEXT, attachments TEXT, near_duplicate_of TEXT, fetched_at TEXT, "
                "content_hash TEXT, stamp TEXT NOT NULL)")
    old.execute("INSERT INTO documents (id, text, published, year, directives, stamp) VALUES "
                "('a', 'Một', '2017-01-12', 2016, '[]', 'old'), ('b', 'Hai', NULL, 2016, '[]', 'old')")
    old.commit()
    old.close()
    store = Store(path)
    a, b = store.get("a"), store.get("b")
    assert (a.year, a.year_source) == (2017, "published")
    assert (b.year, b.year_source) == (2016, None)  # unknown where an old undated year came from
    assert store.stamps() == {"a": a.stamp(), "b": b.stamp()}  # the next `danvan index` picks the fix up
    assert dict(store.counts_by("year")) == {2016: 1, 2017: 1}
    store.close()
    assert Store(path).get("a").year == 2017  # opening again is a no-op


def test_search_by_year_finds_the_demo_document_published_that_year(tmp_path):
    runner = CliRunner(env={"DANVAN_HOME": str(tmp_path)})
    assert runner.invoke(cli, ["import", str(DEMO)]).exit_code == 0
    assert runner.invoke(cli, ["index"]).exit_code == 0
    found = runner.invoke(cli, ["search", "quy chế dân chủ", "--year", "2017", "--json"])
    assert found.exit_code == 0, found.output
    result = json.loads(found.output)
    assert "demo-004" in [h["id"] for h in result["hits"]]
    assert all(h["published"].startswith("2017") for h in result["hits"]), result["hits"]
    wrong = json.loads(runner.invoke(cli, ["search", "quy chế dân chủ", "--year", "2016", "--json"]).output)
    assert "demo-004" not in [h["id"] for h in wrong["hits"]]
