"""Genre and period of a document: the rules on titles written for the test, then as facets and filters."""
import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from corpus.store import config
from corpus.store import schema
from corpus.store.document import FIELDS, Document
from corpus.extract.genre import classify, rules_source
from corpus.store.importer import ImportProblem, from_record
from corpus.store.db import Store
from indexer.build import update_index
from indexer.search import QueryError, SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent

TITLES = [
    # six-month reviews, with and without diacritics, 6 / 06 / sáu, first and second half
    ("Sơ kết công tác dân vận 6 tháng đầu năm 2022", "six_month_review", "2022-H1"),
    ("Báo cáo sơ kết 06 tháng đầu năm 2021 về công tác dân vận chính quyền", "six_month_review", "2021-H1"),
    ("Hội nghị sơ kết sáu tháng cuối năm 2019", "six_month_review", "2019-H2"),
    ("so ket cong tac dan van 6 thang dau nam 2022", "six_month_review", "2022-H1"),
    ("SƠ KẾT CÔNG TÁC DÂN VẬN 6 THÁNG ĐẦU NĂM 2020", "six_month_review", "2020-H1"),
    # a span of months without its half named: the year alone would be wrong
    ("Sơ kết công tác dân vận 6 tháng năm 2022", "six_month_review", None),
    # annual reviews; the period is the year reviewed, not the next year's tasks
    ("Tổng kết công tác dân vận năm 2018", "annual_review", "2018"),
    ("Báo cáo tổng kết năm 2016 và phương hướng nhiệm vụ năm 2017", "annual_review", "2016"),
    ("Hội nghị tổng kết công tác dân vận năm 2023", "annual_review", "2023"),
    ("Báo cáo kết quả công tác dân vận năm 2022", "annual_review", "2022"),
    # multi-year reviews ("sơ kết/tổng kết N năm thực hiện ...", "giai đoạn 2016–2020")
    ("Sơ kết 5 năm thực hiện Chỉ thị 16/CT-TTg", "multi_year_review", None),
    ("Tổng kết 10 năm thực hiện Nghị quyết 25-NQ/TW (2013 - 2023)", "multi_year_review", "2013-2023"),
    ("Tổng kết phong trào thi đua Dân vận khéo giai đoạn 2016–2020", "multi_year_review", "2016-2020"),
    ("Tổng kết nhiệm kỳ 2020-2025", "multi_year_review", "2020-2025"),
    # plans and guidance, even when they are about a review
    ("Kế hoạch tổ chức sơ kết 5 năm thực hiện Quyết định 23-QĐ/TW", "plan", None),
    ("Kế hoạch công tác dân vận năm 2024", "plan", "2024"),
    ("Hướng dẫn tổng kết công tác dân vận năm 2023", "guidance", "2023"),
    # reports of a quarter or nine months are not annual reviews
    ("Báo cáo kết quả công tác dân vận quý III năm 2022", "report", "2022-Q3"),
    ("Báo cáo kết quả 9 tháng đầu năm 2022", "report", "2022-9M"),
    ("Báo cáo tình hình thực hiện quy chế dân chủ ở cơ sở", "report", None),
    ("Báo cáo kết quả quý 1 năm 2023", "report", "2023-Q1"),
    # "quy chế" folds like "quý" but names no quarter
    ("Tổng kết thực hiện quy chế dân chủ ở cơ sở năm 2016", "annual_review", "2016"),
    # exemplary models ("Dân vận khéo"), activity news, and what no rule knows
    ("Dân vận khéo trong xây dựng nông thôn mới ở xã Tân Lập", "model_story", None),
    ("Gương điển hình tiên tiến trong công tác dân vận", "model_story", None),
    ("Ban Dân vận Tỉnh ủy trao quà Tết cho hộ nghèo", "news", None),
    ("Kỷ niệm 90 năm Ngày truyền thống công tác dân vận (1930 - 2020)", "news", None),
    ("Một ngày ở bản", "unknown", None),
]


@pytest.mark.parametrize("title,genre,period", TITLES)
def test_genre_and_period_of_a_title(title, genre, period):
    assert classify(title, "") == (genre, period)


def test_the_opening_of_an_official_document_counts_when_the_title_says_nothing():
    text = "BAN DÂN VẬN TỈNH ỦY\nSố 45-KH/BDVTU\nKẾ HOẠCH\nTổ chức Tháng Dân vận năm 2020\n..."
    assert classify("Văn bản mới", text) == ("plan", "2020")
    assert classify(None, "BÁO CÁO\nTổng kết công tác dân vận năm 2016\nNgày 10/01/2017") == ("annual_review", "2016")
    # "Triển khai kế hoạch" inside a sentence is no plan
    assert classify("Tin tức", "Xã triển khai kế hoạch giúp dân làm đường.")[0] != "plan"


def test_an_attached_files_name_counts_after_title_and_text():
    files = ["https://x.gov.vn/Uploads/BC%20so%20ket%206%20thang%20dau%20nam%202022.pdf"]
    assert classify("Văn bản mới", "Xem tệp đính kèm.", files) == ("six_month_review", "2022-H1")
    assert classify("Kế hoạch năm 2023", "", files) == ("plan", "2023")  # the title comes first


def test_the_first_period_named_counts_and_a_span_without_its_year_is_unknown():
    # the one year, named after the second half, is the first half's too
    assert classify("Hội nghị sơ kết 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm 2004", "") == \
        ("six_month_review", "2004-H1")
    assert classify("Hội nghị sơ kết 6 tháng đầu năm và triển khai nhiệm vụ năm 2004", "") == \
        ("six_month_review", None)
    assert classify("Tổng kết năm 2016, phương hướng năm 2017", "") == ("annual_review", "2016")


def test_news_is_known_by_its_title_and_a_paragraph_is_no_heading():
    # a year in a news article's text is no period it reports on
    assert classify("Ban Dân vận trao quà Tết cho hộ nghèo", "Năm 2005, xã có 40 hộ nghèo.") == ("news", None)
    lead = ("Sáng 12/7, Ủy ban MTTQ thành phố đã tổ chức hội nghị sơ kết chương trình phối hợp hành động "
            "6 tháng đầu năm 2004 với sự tham dự của đại diện các sở, ban, ngành và đoàn thể của thành phố.")
    assert classify("Thành phố đoàn kết", lead)[0] == "unknown"  # news about a review meeting, told in a paragraph


def test_the_period_is_not_the_publication_year():
    doc = Document(id="a", title="Tổng kết công tác dân vận năm 2016", text="Hội nghị đã đánh giá ...",
                   published="2017-01-12")
    assert (doc.year, doc.genre, doc.period) == (2017, "annual_review", "2016")


def test_a_records_own_genre_and_period_are_kept_and_checked():
    doc, _ = from_record({"text": "Tin tổng hợp.", "genre": "plan", "period": "2022-H1"}, default_id="x")
    assert (doc.genre, doc.period) == ("plan", "2022-H1")
    with pytest.raises(ImportProblem, match="genre must be one of"):
        from_record({"text": "Tin.", "genre": "poem"}, default_id="x")
    with pytest.raises(ImportProblem, match="period must be like"):
        from_record({"text": "Tin.", "period": "mùa xuân"}, default_id="x")


def test_an_older_store_gets_genre_and_period_on_opening(tmp_path):
    path = tmp_path / "db"
    old = sqlite3.connect(path)  # the documents table before genre and period
    old.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT, title TEXT, url TEXT, source TEXT, "
                "published TEXT, year INTEGER, year_source TEXT, province TEXT, province_2025 TEXT, directives TEXT, "
                "directives_partial TEXT, author TEXT, attachments TEXT, near_duplicate_of TEXT, fetched_at TEXT, "
                "content_hash TEXT, stamp TEXT NOT NULL)")
    old.execute("INSERT INTO documents (id, title, text, published, directives, stamp) VALUES "
                "('a', 'Sơ kết 6 tháng đầu năm 2022', 'Một', '2022-07-02', '[]', 'old')")
    old.commit()
    old.close()
    with Store(path) as store:
        doc = store.get("a")
        assert (doc.genre, doc.period) == ("six_month_review", "2022-H1")
        assert store.stamps() == {"a": doc.stamp()}  # the next `danvan index` picks it up
    row = sqlite3.connect(path).execute("SELECT genre, period FROM documents").fetchone()
    assert row == ("six_month_review", "2022-H1")  # stored, not found again on every read


def test_a_store_records_whether_a_genre_was_given_or_computed_and_by_which_rules():
    given, _ = from_record({"text": "Tin tổng hợp.", "genre": "plan", "period": "2022-H1"}, default_id="x")
    assert (given.genre_source, given.period_source) == ("given", "given")
    found, _ = from_record({"text": "Tin.", "title": "Tổng kết công tác dân vận năm 2018"}, default_id="y")
    assert (found.genre, found.period) == ("annual_review", "2018")
    assert found.genre_source == found.period_source == rules_source()
    exported = found.to_dict()  # an exported record comes back as it was: computed, so filed again by other rules
    assert from_record(exported, default_id="y")[0].genre_source == rules_source()
    with pytest.raises(ImportProblem, match="genre_source must be 'given' or 'rules:VERSION'"):
        from_record({"text": "Tin.", "genre": "plan", "genre_source": "guess"}, default_id="x")


def _old_store(path: Path) -> None:
    """A store file as schema version 1 wrote it: genre and period, not where they came from."""
    db = sqlite3.connect(path)
    columns = ", ".join(f"{name} {schema.column_type(name)}" for name in FIELDS
                        if name not in ("id", "genre_source", "period_source"))
    db.execute(f"CREATE TABLE documents (id TEXT PRIMARY KEY, {columns}, stamp TEXT NOT NULL)")
    for statement in schema.statements(schema.V1_TABLES):
        db.execute(statement)  # the other tables (documents exists: IF NOT EXISTS)
    title = "Sơ kết công tác dân vận 6 tháng đầu năm 2022"  # today's rules: six_month_review, 2022-H1
    for doc_id in ("crawled", "imported"):  # both filed "news" by older rules, or given so
        db.execute("INSERT INTO documents (id, title, text, genre, period, directives, directives_partial, "
                   "attachments, stamp) VALUES (?, ?, 'Nội dung.', 'news', NULL, '[]', '[]', '[]', 'old')",
                   (doc_id, title))
    db.execute("INSERT INTO crawl_urls (url, fetch_url, source, seq, state, doc_id) "
               "VALUES ('https://x.vn/a', 'https://x.vn/a', 'x', 1, 'article', 'crawled')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_an_old_store_is_upgraded_in_place_and_its_crawled_pages_filed_by_todays_rules(tmp_path):
    path = tmp_path / "db"
    _old_store(path)
    with Store(path) as store:
        assert schema.version(store.db) == schema.VERSION
        sources = dict(store.db.execute("SELECT id, genre_source FROM documents").fetchall())
        assert sources == {"crawled": "rules:", "imported": None}  # a crawled page's genre was computed
        assert store.reclassify() == (1, 1)
        crawled, imported = store.get("crawled"), store.get("imported")
        assert (crawled.genre, crawled.period, crawled.genre_source) == ("six_month_review", "2022-H1", rules_source())
        assert (imported.genre, imported.genre_source) == ("news", None)  # perhaps given: never overwritten
        assert store.reclassify() == (0, 0)


def test_danvan_index_files_again_what_other_rules_computed_and_counts_it(tmp_path):
    home = tmp_path / "home"
    records = tmp_path / "in.jsonl"
    title = "Tổng kết công tác dân vận năm 2018"
    records.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "computed", "title": title, "text": "Nội dung."},
        {"id": "given", "title": title, "text": "Nội dung.", "genre": "plan"}]), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}

    def danvan(*args):
        done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    danvan("import", str(records), "--no-index")
    with Store(config.store_path(home)) as store:  # as older genre rules filed it, and an index built then
        store.upsert(replace(store.get("computed"), genre="news", period=None, genre_source="rules:0123456789ab",
                             period_source="rules:0123456789ab"))
        update_index(store, config.index_path(home))
    genres = lambda: {h.id: h.genre for h in SearchService(config.index_path(home)).search(SearchRequest()).hits}
    assert genres() == {"computed": "news", "given": "plan"}
    out = danvan("index")
    assert "genre rules changed: 1 documents filed again, 1 of them with another genre or period" in out
    assert "1 updated" in out
    assert genres() == {"computed": "annual_review", "given": "plan"}
    assert "genre rules changed" not in danvan("index")


REVIEWS = [
    ("r1", "Sơ kết công tác dân vận 6 tháng đầu năm 2022", "2022-07-05", "Hà Giang"),
    ("r2", "Báo cáo sơ kết 6 tháng đầu năm 2022", "2022-07-20", "Vĩnh Long"),
    ("r3", "Sơ kết công tác dân vận 6 tháng đầu năm 2021", "2021-07-03", "Hà Giang"),
    ("r4", "Tổng kết công tác dân vận năm 2022", "2023-01-10", "Vĩnh Long"),
    ("r5", "Ban Dân vận tổ chức hội nghị tập huấn", "2022-05-01", "Hà Giang"),
]


@pytest.fixture(scope="module")
def reviews_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("reviews")
    with Store(config.store_path(home)) as store:
        store.upsert_many(Document(id=i, title=t, text="Nội dung công tác dân vận.", published=p, province=pr)
                          for i, t, p, pr in REVIEWS)
        update_index(store, config.index_path(home))
    return home


def test_genre_and_period_filter_and_facet(reviews_home):
    service = SearchService(config.index_path(reviews_home))
    result = service.search(SearchRequest(genre=["six_month_review"], period=["2022-H1"]))
    assert sorted(h.id for h in result.hits) == ["r1", "r2"]
    assert {h.genre for h in result.hits} == {"six_month_review"}
    genres = {f.value: f.count for f in result.facets["genre"]}
    assert genres == {"six_month_review": 2}  # under the period filter
    periods = {f.value: f.count for f in result.facets["period"]}
    assert periods == {"2022-H1": 2, "2021-H1": 1}  # under the genre filter, not its own
    annual = service.search(SearchRequest(genre=["annual_review"]))
    assert [(h.id, h.period, h.published) for h in annual.hits] == [("r4", "2022", "2023-01-10")]
    with pytest.raises(QueryError) as err:
        service.search(SearchRequest(genre=["poem"]))
    assert err.value.name == "genre"


def run(*args, home):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


def test_cli_filters_by_genre_and_period_and_names_a_bad_value(reviews_home):
    out = run("search", "--genre", "six_month_review", "--period", "2022-H1", "--json", home=reviews_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert sorted(h["id"] for h in data["hits"]) == ["r1", "r2"]
    assert data["filters"]["genre"] == ["six_month_review"] and data["filters"]["period"] == ["2022-H1"]
    stats = json.loads(run("stats", "--json", home=reviews_home).stdout)
    assert {"value": "six_month_review", "count": 3} in stats["genre"]
    assert {"value": "2022-H1", "count": 2} in stats["period"]
    text = run("search", "--genre", "six_month_review", home=reviews_home).stdout
    assert "Loại: *Sơ kết 6 tháng [six_month_review] (3)" in text  # the name, and the value --genre takes
    bad = run("search", "--period", "spring", home=reviews_home)
    assert bad.returncode == 2 and "--period" in bad.stderr and "Traceback" not in bad.stderr


def test_web_facets_filters_and_exports_carry_genre_and_period(reviews_home):
    from search_app import create_app

    client = create_app({"DANVAN_HOME": str(reviews_home), "TESTING": True}).test_client()
    data = client.get("/search.json?genre=six_month_review").get_json()
    assert data["total"] == 3
    assert {v["value"] for v in data["facets"]["period"]} == {"2022-H1", "2021-H1"}
    page = client.get("/search?q=d%C3%A2n+v%E1%BA%ADn").get_data(as_text=True)
    assert "Sơ kết 6 tháng" in page and "genre=six_month_review" in page  # label and toggle link
    chosen = client.get("/search?genre=six_month_review").get_data(as_text=True)
    assert '<span class="chip-label">Loại tài liệu:</span> Sơ kết 6 tháng' in chosen  # the chip names it too
    assert client.get("/search.json?period=spring").status_code == 400
    csv_text = client.get("/export.csv?genre=annual_review").get_data(as_text=True)
    header, row = csv_text.lstrip("\ufeff").splitlines()[:2]
    assert "genre" in header.split(",") and "period" in header.split(",")
    assert "annual_review" in row and ",2022," in row
    doc = client.get("/doc/r4.json").get_json()["document"]
    assert (doc["genre"], doc["period"], doc["year"]) == ("annual_review", "2022", 2023)


def test_an_index_from_an_older_schema_is_reported_then_rebuilt(tmp_path):
    from whoosh import index as windex

    from indexer.schema import make_schema

    with Store(config.store_path(tmp_path)) as store:
        store.upsert(Document(id="a", title="Sơ kết 6 tháng đầu năm 2022", text="Dân vận."))
    schema = make_schema()
    schema.remove("genre")
    schema.remove("period")
    config.index_path(tmp_path).mkdir()
    windex.create_in(str(config.index_path(tmp_path)), schema)  # as an older danvan left it
    out = run("search", "dân vận", home=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "older danvan" in out.stderr and "danvan index" in out.stderr
    from search_app import create_app

    page = create_app({"DANVAN_HOME": str(tmp_path), "TESTING": True}).test_client().get("/search?q=a")
    assert page.status_code == 503 and "phiên bản cũ" in page.get_data(as_text=True)
    assert run("index", home=tmp_path).returncode == 0
    out = run("search", "--genre", "six_month_review", "--json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [h["id"] for h in json.loads(out.stdout)["hits"]] == ["a"]


def test_the_rules_version_is_the_same_in_every_process_checkout_and_line_ending(tmp_path):
    """A store moved between machines keeps its genres: the version does not depend on the hash seed, the
    checkout's directory, or a checkout that wrote the files with CRLF line ends (git's autocrlf)."""
    import shutil

    def version(root: Path, seed: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", "from corpus.extract.genre import rules_source as r; print(r())"],
                              capture_output=True, text=True, cwd=root, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "corpus", tmp_path / "lf" / "corpus", ignore=ignore)
    shutil.copytree(ROOT / "corpus", tmp_path / "crlf" / "corpus", ignore=ignore)
    for path in (tmp_path / "crlf" / "corpus").rglob("*.py"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert version(tmp_path / "lf", "1") == version(tmp_path / "crlf", "2") == rules_source()


def test_a_row_written_while_the_store_files_genres_again_is_not_undone(tmp_path, monkeypatch):
    """Another process imports a new version of a row while ``danvan index`` files it again: the import lands
    before the row is read or waits until it is written back, never under it (a lost update)."""
    path = tmp_path / "db"
    title = "Tổng kết công tác dân vận năm 2018"
    with Store(path) as store:
        store.upsert(Document(id="a", title=title, text="Bản cũ.", genre="news", genre_source="rules:0123456789ab"))
    other = Store(path)  # the importing process's connection
    other.db.execute("PRAGMA busy_timeout = 0")  # it reports a wait instead of waiting
    waited = []
    filed = Document.reclassify

    def meanwhile(doc):
        try:
            other.upsert(Document(id="a", title=title, text="Bản mới."))
        except sqlite3.OperationalError:
            waited.append(doc.id)  # it waits for this batch: it writes once the batch is written
        return filed(doc)

    monkeypatch.setattr(Document, "reclassify", meanwhile)
    with Store(path) as store:
        assert store.reclassify() == (1, 1)
        for _ in waited:
            other.upsert(Document(id="a", title=title, text="Bản mới."))
        assert store.get("a").text == "Bản mới." and store.get("a").genre == "annual_review"
    other.close()
