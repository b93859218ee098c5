"""`danvan export` and the web export: result sets, compression, CSV a spreadsheet cannot run."""
import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.store.document import FIELDS, Document

ROOT = Path(__file__).resolve().parent.parent


def danvan(*args, home) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def ids(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def searched(home, *args) -> list[str]:
    result = danvan("search", *args, "--json", "--limit", "100", home=home)
    assert result.returncode == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


@pytest.mark.parametrize("args", [
    ("dân vận khéo",),
    ("--directive", "25-nq/tw"),
    ("dân vận", "--province", "ha giang", "--sort", "date"),
    ("--year", "2019"),
    ("--from", "2020-01-01", "--to", "2025-12-31", "--sort", "date"),
    ("hoà giải", "--province-2025", "Vĩnh Long"),
])
def test_export_takes_the_filters_of_search_and_gives_its_result_set(mini_home, args):
    exported = danvan("export", *args, home=mini_home)
    assert ids(exported) == searched(mini_home, *args)
    assert ids(exported), args
    assert set(json.loads(exported.stdout.splitlines()[0])) == set(FIELDS)  # whole documents, not hits


def test_export_without_words_or_filters_is_the_whole_corpus(mini_home):
    assert ids(danvan("export", home=mini_home)) == ["d1", "d2", "d3", "d4", "d5", "d6"]
    newest_first = ids(danvan("export", "--sort", "date", home=mini_home))
    assert newest_first[:5] == ["d4", "d6", "d2", "d1", "d3"] and newest_first[5] == "d5"  # d5 has no date


def test_export_reports_a_bad_filter_like_search(mini_home, tmp_path):
    for args in [("--province", "Atlantis"), ("--year", "20x9"), ("--directive", "hello"), ("--from", "hôm qua")]:
        result = danvan("export", *args, "-o", tmp_path / "out.jsonl", home=mini_home)
        assert result.returncode == 2 and f"'{args[0]}'" in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "out.jsonl").exists()  # nothing written for a request that cannot run


def test_export_writes_compressed_files_by_their_name(mini_home, tmp_path):
    assert danvan("export", "-o", tmp_path / "all.jsonl.gz", home=mini_home).returncode == 0
    assert danvan("export", "--directive", "16/CT-TTg", "-o", tmp_path / "16.csv.xz", home=mini_home).returncode == 0
    import lzma

    assert len(gzip.open(tmp_path / "all.jsonl.gz", "rt").read().splitlines()) == 6
    rows = list(csv.DictReader(io.StringIO(lzma.open(tmp_path / "16.csv.xz").read().decode("utf-8-sig"))))
    assert sorted(r["id"] for r in rows) == ["d2", "d3"]


HOSTILE = Document(id="=1+2", text="\tTab đầu dòng, rồi dân vận.", title="+SUM(A1:A9)", url='=HYPERLINK("http://x")',
                   source="-2+3", author="@SUM(1)", published="2024-01-02", year=2024, directives=["25-NQ/TW"],
                   directives_partial=["=cmd|' /C calc'!A0"], attachments=["\rhttp://x"])


def spreadsheet_would_run(value: str) -> bool:
    return value[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_cli_csv_has_a_bom_and_no_cell_a_spreadsheet_would_run(tmp_path):
    from corpus.store import config
    from corpus.store.db import Store

    with Store(config.store_path(tmp_path)) as store:
        store.upsert(HOSTILE)
    result = subprocess.run([sys.executable, "-m", "cli", "export", "--format", "csv"], capture_output=True,
                            env={"PATH": "/usr/bin:/bin", "DANVAN_HOME": str(tmp_path)}, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeffid,".encode())
    row, = csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig")))
    assert not [name for name, value in row.items() if spreadsheet_would_run(value)], row
    assert row["id"] == "'=1+2" and row["url"] == "'=HYPERLINK(\"http://x\")" and row["year"] == "2024"


def test_web_csv_has_no_cell_a_spreadsheet_would_run(tmp_path):
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index
    from search_app import create_app

    with Store(config.store_path(tmp_path)) as store:
        store.upsert(HOSTILE)
        update_index(store, config.index_path(tmp_path))
    client = create_app({"DANVAN_HOME": str(tmp_path), "TESTING": True}).test_client()
    response = client.get("/export.csv?q=dân+vận")
    row, = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    assert not [name for name, value in row.items() if spreadsheet_would_run(value)], row
    assert row["id"] == "'=1+2" and row["url"] == "'=HYPERLINK(\"http://x\")"


def _web_home(tmp_path, docs):
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index

    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    return tmp_path


def test_web_export_reads_rows_from_the_store_and_highlights_none(tmp_path, monkeypatch):
    import indexer.search
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.highlight import lead
    from search_app import create_app

    opening = "Mở đầu bài viết về phong trào thi đua ở cơ sở. " * 12
    docs = [Document(id=f"n{i:02d}", title=f"Bài {i}", text=opening + f"Cuối bài: công tác dân vận lần {i}.",
                     published=f"2024-01-{i + 1:02d}", year=2024, directives=["25-NQ/TW"]) for i in range(30)]
    home = _web_home(tmp_path, docs)
    highlighted = []
    real = indexer.search.snippet
    monkeypatch.setattr(indexer.search, "snippet", lambda *a, **k: highlighted.append(1) or real(*a, **k))
    with Store(config.store_path(home)) as store:  # the store moved on since the index was built
        edited = store.get("n03")
        edited.title = "Tiêu đề mới trong kho"
        store.upsert(edited)
        store.delete("n05")
    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    response = client.get("/export.csv?q=dân+vận&sort=date")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "30"
    assert [r["id"] for r in rows] == [f"n{i:02d}" for i in range(29, -1, -1) if i != 5]
    assert [int(r["rank"]) for r in rows] == [n for n in range(1, 31) if n != 25]  # n05's rank stays empty
    assert all(r["snippet"] == lead(docs[int(r["id"][1:])].text) for r in rows)  # the opening, not the match
    assert next(r["title"] for r in rows if r["id"] == "n03") == "Tiêu đề mới trong kho"
    assert len(highlighted) <= 1  # the one hit of the search's first page, not one per row


def test_exports_share_one_store_connection_until_the_store_file_changes(tmp_path, monkeypatch):
    """A process's exports, whichever thread sends them, read through one kept connection (a new one mapped the file
    again and faulted in every page it read: ~20 ms of CPU an export at 100k); a store file made again at the same
    path is read through a new one."""
    import threading

    from corpus.store import config
    from corpus.store.db import Store as real_store
    from search_app import create_app, export

    docs = [Document(id=f"k{i:02d}", title=f"Bài {i}", text=f"Công tác dân vận lần {i}.", year=2024)
            for i in range(12)]
    home = _web_home(tmp_path, docs)
    opened = []
    monkeypatch.setattr(export, "Store", lambda path, **kw: opened.append(path) or real_store(path, **kw))
    app = create_app({"DANVAN_HOME": str(home), "TESTING": True})

    def titles() -> set[str]:
        body = app.test_client().get("/export.csv?q=dân+vận").get_data().decode("utf-8-sig")
        return {row["title"] for row in csv.DictReader(io.StringIO(body))}

    found = []
    other = threading.Thread(target=lambda: found.append(titles()))
    assert titles() == {f"Bài {i}" for i in range(12)}
    other.start()
    other.join()
    assert found == [titles()] and len(opened) == 1
    path = config.store_path(home)
    for name in (path.name, path.name + "-wal", path.name + "-shm"):  # the data directory's store made again
        (path.parent / name).unlink(missing_ok=True)
    docs[3].title = "Tiêu đề mới"
    with real_store(path) as store:
        store.upsert_many(docs)
    assert "Tiêu đề mới" in titles() and len(opened) == 2


def test_web_export_without_a_store_says_what_to_run(tmp_path):
    from corpus.store import config
    from search_app import create_app

    home = _web_home(tmp_path, [Document(id="a", text="Công tác dân vận.")])
    config.store_path(home).unlink()
    response = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client().get("/export.jsonl?q=dân")
    assert response.status_code == 503 and b"danvan import" in response.get_data()
    assert not config.store_path(home).exists()  # not created empty by the export


@pytest.mark.parametrize("config", [{}, {"DANVAN_BASE_URL": "https://dan-van.example/kho"}])
def test_export_links_are_the_document_pages(tmp_path, config):
    from search_app import create_app
    from search_app.headers import public_url
    from search_app.views import doc_links, doc_url

    app = create_app({"DANVAN_HOME": str(tmp_path), "TESTING": True, **config})
    with app.test_request_context("/export.csv", base_url="http://x/mounted"):
        link = doc_links()
        for doc_id in ("d1", "a b/c?d#e", "=1+2", "tin-tức/Đà Nẵng%20", "x.json", "9f86d081884c7d65", "a~b_c.d-1",
                       "Đ", "a\nb", ""):
            assert link(doc_id) == public_url(doc_url(doc_id))


def _hostile_documents(n: int = 1200) -> list[Document]:
    """Documents whose every text column starts as a formula somewhere (and holds commas, quotes, line breaks)."""
    import random

    rng = random.Random(7)
    starts = ["", "", "", "=", "+", "-", "@", "\t", "\r", "'", '"']
    value = lambda plain: rng.choice(starts) + plain + rng.choice(["", ", và", ' "trích"', "\nxuống dòng"])
    return [Document(id=value(f"d{i:04d}"), title=value(f"Tiêu đề {i}"), url=value(f"http://x.vn/{i}"),
                     source=value("Nguồn") if i % 3 else None, published=f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}",
                     year=2010 + i % 15, province=["Hà Nội", "Nghệ An", None][i % 3],
                     directives=[value("25-NQ/TW"), "16/CT-TTg"][:i % 3],
                     text=value("Công tác dân vận") + " ở cơ sở, lần " + str(i) + ". " * (i % 4) + "Nhân dân đồng tình.")
            for i in range(n)]


def test_csv_export_is_the_csv_of_each_rows_cells(tmp_path):
    """Cells are made a column at a time for speed: the body is the csv module's writing of cell() of every value
    (the value-by-value guard), over more rows than one chunk."""
    from corpus.store import config
    from indexer.search import SearchService
    from indexer.request import SearchRequest
    from search_app import create_app, export
    from search_app.views import doc_links

    home = _web_home(tmp_path, _hostile_documents())
    app = create_app({"DANVAN_HOME": str(home), "TESTING": True})
    body = app.test_client().get("/export.csv?q=dân+vận").get_data().decode("utf-8")
    with app.test_request_context("/export.csv"):
        count, rows = export.rows(SearchService(config.index_path(home)), home, SearchRequest(q="dân vận"), 10_000,
                                  doc_links())
        rows = list(rows)
    assert count == len(rows) == 1200 > export.CHUNK
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(export.COLUMNS)
    writer.writerows([export.cell(v) for v in row] for row in rows)
    assert body == "\ufeff" + expected.getvalue()
    guarded = {name for row in csv.DictReader(io.StringIO(body[1:])) for name, v in row.items() if v.startswith("'")}
    assert guarded >= {"id", "title", "url", "source", "directives", "snippet"}  # a test of something


def test_csv_chunks_of_plain_columns_and_of_columns_to_guard_are_what_csv_writer_writes():
    """A column none of whose values needs a change is written as it is (one look at the whole column); a column
    with one such value anywhere is guarded value by value."""
    from search_app import export

    def row(i: int, title: str, snippet: str) -> tuple:
        return (i, f"d{i}", title, "2024-01-02", "Hà Nội", None, ["25-NQ/TW"] if i % 2 else [], None, None,
                ["dân_vận"], "Nguồn", f"http://x.vn/{i}", 1.5 / (i + 1), f"/doc/d{i}", snippet)
    plain = [row(i, f"Tiêu đề {i}", "Công tác dân vận") for i in range(50)]
    for chunk in (plain, plain[:20] + [row(99, "=SUM(A1)", 'nói "có", rồi\r\nđi')] + plain[20:],
                  [row(1, "", "-1"), row(2, "@", "\t")], [row(3, "a,b", "x")],
                  [row(4, "a\nb", "c\rd"), row(5, 'q"', "x")]):  # each character csv.writer quotes, alone
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\r\n").writerows([export.cell(v) for v in r] for r in chunk)
        assert export.csv_text(chunk) == expected.getvalue()

