import contextlib
import json
from collections import Counter

from corpus.store.importer import import_paths
from corpus.store.db import Store


def test_jsonl_fields_given_are_kept_and_missing_ones_extracted(tmp_path):
    path = tmp_path / "docs.jsonl"
    rows = [
        {"id": "x1", "title": "Given title", "text": "Thực hiện Chỉ thị số 16/CT - TTg ở cơ sở.",
         "province": "ha giang", "published": "2021-05-02"},
        {"text": "Văn bản không có mã.", "province": None, "directives": ["25-NQ/TW"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    store = Store(tmp_path / "db")
    report = import_paths(store, [path])
    assert report.outcomes["added"] == 2 and not report.problems
    first = store.get("x1")
    assert first.title == "Given title" and first.directives == ["16/CT-TTg"]
    assert first.province == "Hà Giang" and first.province_2025 == "Tuyên Quang" and first.year == 2021
    second = next(d for d in store if d.id != "x1")
    assert second.directives == ["25-NQ/TW"] and second.province is None


def test_reimport_updates_never_duplicates(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Một"}) + "\n" + json.dumps({"text": "Hai"}), encoding="utf-8")
    store = Store(tmp_path / "db")
    import_paths(store, [path])
    again = import_paths(store, [path])
    assert again.outcomes["unchanged"] == 2 and store.count() == 2
    path.write_text(json.dumps({"id": "a", "text": "Một đã sửa"}) + "\n" + json.dumps({"text": "Hai"}), encoding="utf-8")
    changed = import_paths(store, [path])
    assert changed.outcomes["updated"] == 1 and store.count() == 2
    assert store.get("a").text == "Một đã sửa"


def test_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff\xfe" * 100)
    (tmp_path / "bad.jsonl").write_text('{"text": "Được"}\nnot json\n[1]\n{"title": "no text"}\n', encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored: unknown suffix inside a directory")
    store = Store(tmp_path / "db")
    report = import_paths(store, [tmp_path, tmp_path / "missing.txt"])
    assert store.count() == 1
    problems = dict(report.problems)
    assert "empty" in problems[str(tmp_path / "empty.txt")]
    assert "not text" in problems[str(tmp_path / "binary.txt")]
    assert "bad JSONL" in problems[f"{tmp_path / 'bad.jsonl'}:2"]
    assert "object" in problems[f"{tmp_path / 'bad.jsonl'}:3"]
    assert "text" in problems[f"{tmp_path / 'bad.jsonl'}:4"]
    assert "no such file" in problems[str(tmp_path / "missing.txt")]


def test_a_jsonl_file_of_non_documents_is_skipped_whole(tmp_path):
    (tmp_path / "gold.jsonl").write_text('{"file": "a.txt"}\n{"file": "b.txt"}\n', encoding="utf-8")
    (tmp_path / "doc.txt").write_text("Tiêu đề bài viết\n\nNội dung bài viết về công tác dân vận ở cơ sở.", encoding="utf-8")
    report = import_paths(Store(tmp_path / "db"), [tmp_path])
    assert report.problems == [(str(tmp_path / "gold.jsonl"), "not a document file: its first record has no 'text'")]


def test_given_province_and_date_are_checked(tmp_path):
    path = tmp_path / "docs.jsonl"
    rows = [{"text": "Một", "province": "<b>Atlantis</b>"}, {"text": "Hai", "published": "hôm qua"},
            {"text": "Ba", "province": "tp hcm", "published": "2026-01-05T08:00:00"},
            {"text": "Bốn", "province": "Huế", "published": "2025-09-01", "directives": ["16/ct - ttg", "25–NQ/TW"]},
            {"text": "Năm", "directives": ["<script>"]}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    store = Store(tmp_path / "db")
    report = import_paths(store, [path])
    problems = dict(report.problems)
    assert "unknown province" in problems[f"{path}:1"] and "published must be a date" in problems[f"{path}:2"]
    docs = {d.text: d for d in store}
    assert docs["Ba"].province == "TP Hồ Chí Minh" and docs["Ba"].published == "2026-01-05" and docs["Ba"].year == 2026
    assert docs["Bốn"].province == "Huế" and docs["Bốn"].province_2025 == "Huế"
    assert docs["Bốn"].directives == ["16/CT-TTg", "25-NQ/TW"]
    assert "not a document number" in problems[f"{path}:5"]



def test_a_date_whose_year_no_search_can_filter_on_is_refused(tmp_path):
    """Its year became a facet value (1, 9999) whose link answered 400."""
    path = tmp_path / "docs.jsonl"
    rows = [{"text": "Một", "published": "0001-01-01"}, {"text": "Hai", "published": "9999-12-31"},
            {"text": "Ba", "published": "1900-01-01"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    store = Store(tmp_path / "db")
    problems = dict(import_paths(store, [path]).problems)
    assert "published must be a date from 1900 to 2100, not '0001-01-01'" in problems[f"{path}:1"]
    assert "published must be a date from 1900 to 2100" in problems[f"{path}:2"]
    assert [(d.text, d.year) for d in store] == [("Ba", 1900)]

def test_a_page_with_a_very_long_headline_imports_back_unchanged(tmp_path):
    """A crawled title over the import cap came back cut: export -> import was not exact."""
    from corpus.store.document import Document
    from corpus.store.pipeline import Origin, page_fields

    title = "Hội nghị " + "dân vận khéo " * 60
    body = "<p>" + "Ban Dân vận Tỉnh ủy triển khai phong trào thi đua dân vận khéo ở cơ sở. " * 8 + "</p>"
    page = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<div>15:15, 01/07/2022</div>{body}</article></body></html>")
    fields = page_fields(page.encode(), Origin(url="https://bdv.example.vn/a.html"))
    doc = Document(id="long", url="https://bdv.example.vn/a.html", source="bdv", **fields)
    assert len(doc.title) <= 500 and doc.title.startswith("Hội nghị dân vận khéo")
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    store = Store(tmp_path / "db")
    report = import_paths(store, [path])
    assert report.notes == [] and store.get("long").to_dict() == doc.to_dict()

# --- a corpus comes back from its own export (issue 13.10) -------------------------

import gzip  # noqa: E402
import lzma  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from corpus.store.document import FIELDS, Document  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("dân vận khéo công tác mặt trận tổ quốc hội nông dân phụ nữ cựu chiến binh đoàn thanh niên "
         "quy chế dân chủ cơ sở tiếp công dân đối thoại giải phóng mặt bằng xóa nhà tạm đồng bào "
         "dân tộc thiểu số tôn giáo nông thôn mới chuyển đổi số").split()
PROVINCES = (None, "Hà Giang", "Vĩnh Long", "Quảng Ninh", "TP Hồ Chí Minh", "Huế", "Bến Tre")


def danvan(*args, home, **kwargs) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, on this checkout."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=kwargs.pop("timeout", 300), **kwargs)


def varied_documents(n: int, seed: int = 13) -> list[Document]:
    """Documents as a crawl leaves them: some fields unknown, metadata the text alone would not give back."""
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 400)))
        # The text cites numbers and names provinces the stored metadata does not
        # hold: a crawl decided otherwise, and a re-import must not decide again.
        text = (f"Tỉnh Hà Giang triển khai Nghị quyết 25-NQ/TW năm 2019. {words}\n\n"
                f"Đoạn hai \u2028 có \"ngoặc\", \\ gạch, tab\tvà emoji 🇻🇳, {i}.")
        province = rnd.choice(PROVINCES)
        published = rnd.choice([None, f"20{rnd.randint(10, 25)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"])
        docs.append(Document(
            id=rnd.choice([f"doc-{i}", f"vntc:Test_Full:Xa_hoi:XH ({i})", f"{i:016x}", f"a/b/{i}"]),
            text=text,
            title=rnd.choice([None, f"Tiêu đề {i}: {words[:80]}", "=1+2"]),
            url=rnd.choice([None, f"https://portal.example/tin/{i}.html?a=1&b=2"]),
            source=rnd.choice([None, "Ban Dân vận Tỉnh uỷ"]),
            published=published,
            year=int(published[:4]) if published else rnd.choice([None, 2016]),
            province=province,
            province_2025=None if province is None else {"Hà Giang": "Tuyên Quang", "Bến Tre": "Vĩnh Long"}.get(
                province, province),
            directives=rnd.choice([[], ["16/CT-TTg"], ["25-NQ/TW", "1719/QĐ-TTg"]]),
            directives_partial=rnd.choice([[], ["Quyết định 217"]]),
            author=rnd.choice([None, "Nguyễn Văn A", ""]) or None,
            attachments=rnd.choice([[], [f"https://portal.example/f/{i}.pdf"]]),
            near_duplicate_of=rnd.choice([None, None, "doc-0"]),
            fetched_at=rnd.choice([None, "2025-01-02T03:04:05+00:00"]),
        ))
    return docs


def test_export_import_export_gives_the_same_documents(tmp_path):
    from corpus.store import config

    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    with Store(config.store_path(first)) as store:
        store.upsert_many(varied_documents(300))
        stored = {doc.id: doc.to_dict() for doc in store}
    assert len(stored) > 250

    exported = danvan("export", "-o", tmp_path / "a.jsonl.gz", home=first)
    assert exported.returncode == 0, exported.stderr
    assert gzip.open(tmp_path / "a.jsonl.gz").read(2) == b'{"'
    imported = danvan("import", tmp_path / "a.jsonl.gz", home=second)
    assert imported.returncode == 0 and "0 skipped" in imported.stdout, imported.stderr
    assert danvan("export", "-o", tmp_path / "b.jsonl.xz", home=second).returncode == 0
    assert lzma.open(tmp_path / "b.jsonl.xz").read() == gzip.open(tmp_path / "a.jsonl.gz").read()

    # and once more, uncompressed on both sides, compared field for field
    assert danvan("import", tmp_path / "b.jsonl.xz", home=third).returncode == 0
    again = [json.loads(line) for line in danvan("export", home=third).stdout.splitlines()]
    assert {doc["id"]: doc for doc in again} == stored
    assert all(set(doc) == set(FIELDS) for doc in again)


def test_a_jsonl_file_of_any_size_is_read_in_bounded_memory(tmp_path):
    """Over the old 50 MB file cap: a 200 MB line (gzip, 200 KB on disk) between good records."""
    path = tmp_path / "big.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b'{"id": "first", "text": "D\xc3\xa2n v\xe1\xba\xadn kh\xc3\xa9o."}\n')
        for _ in range(200):
            f.write(b"x" * 2**20)
        f.write(b'\n{"id": "last", "text": "C\xc3\xb4ng t\xc3\xa1c d\xc3\xa2n v\xe1\xba\xadn."}\n')
    result, peak_kb = danvan_peak_rss("import", path, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "imported 2 documents" in result.stdout and "1 skipped" in result.stdout
    assert f"skipped {path}:2: bad JSONL line: line longer than" in result.stderr
    # The CLI with its imports takes ~30 MB; the line alone would be 200 MB.
    assert 10_000 < peak_kb < 120_000, peak_kb


# Runs the CLI and prints the high-water mark of its own address space at exit:
# rusage's ru_maxrss would count the pytest process it was forked from.
_PEAK_RSS = """
import atexit, runpy, sys
def peak():
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    sys.stderr.write("peak-rss-kb " + status["VmHWM"].split()[0] + "\\n")
atexit.register(peak)
sys.argv[0] = "danvan"
runpy.run_module("cli", run_name="__main__")
"""


def danvan_peak_rss(*args, home) -> tuple[subprocess.CompletedProcess, int]:
    """Run the CLI; (its outcome, its own peak resident memory in KB)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", _PEAK_RSS, *map(str, args)], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=300)
    peak = [line for line in result.stderr.splitlines() if line.startswith("peak-rss-kb ")]
    return result, int(peak[-1].split()[1])


def test_fields_given_are_kept_even_when_empty(tmp_path):
    path = tmp_path / "docs.jsonl"
    text = "UBND tỉnh Vĩnh Long triển khai Chỉ thị 16/CT-TTg ngày 14/3/2019."
    path.write_text(json.dumps({"id": "kept", "text": text, "title": None, "published": None, "year": None,
                                "province": None, "province_2025": None, "directives": [],
                                "directives_partial": []}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "found", "text": text}, ensure_ascii=False), encoding="utf-8")
    store = Store(tmp_path / "db")
    import_paths(store, [path])
    kept, found = store.get("kept"), store.get("found")
    assert (kept.province, kept.year, kept.directives, kept.title) == (None, None, [], None)
    assert (found.province, found.directives) == ("Vĩnh Long", ["16/CT-TTg"])


def test_each_skipped_line_is_printed_once(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "Dân vận khéo."}\nnot json\n{"text": 5}\n', encoding="utf-8")
    result = danvan("import", path, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(f"skipped {path}:2") == 1 and result.stderr.count(f"skipped {path}:3") == 1
    assert len(result.stderr.splitlines()) == 2, result.stderr
    assert "imported 1 documents" in result.stdout and "2 skipped" in result.stdout


# --- careless input: sizes, ids, encodings (issue 14.14) ----------------------------

def test_field_sizes_are_capped_per_field(tmp_path):
    from corpus.store.document import MAX_CHARS

    path = tmp_path / "docs.jsonl"
    rows = [
        {"id": "long-title", "text": "Dân vận khéo.", "title": "Dân vận " * 150_000, "author": "A " * 1000},
        {"id": "x" * 1_000_000, "text": "Một."},
        {"id": "u", "text": "Hai.", "url": "https://portal.example/" + "a" * 1_000_000},
        {"id": "bai-viet.json", "text": "Ba."},
        {"id": "bang.csv", "text": "Bốn."},
        {"id": "..", "text": "Năm."},
        {"id": "tab\there", "text": "Sáu."},
        {"id": "bai-viet.JSONX", "text": "Bảy."},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    store = Store(tmp_path / "db")
    report = import_paths(store, [path])
    problems, notes = dict(report.problems), dict(report.notes)
    title = store.get("long-title").title
    assert len(title) <= MAX_CHARS["title"] and title.startswith("Dân vận Dân vận") and title.endswith("vận…")
    assert "title cut from 1,200,000 to 500 characters" in notes[f"{path}:1"] and "author cut" in notes[f"{path}:1"]
    assert "id longer than 200" in problems[f"{path}:2"]
    assert "url longer than 4096" in problems[f"{path}:3"]
    assert "ends in .json" in problems[f"{path}:4"] and "ends in .csv" in problems[f"{path}:5"]
    assert "cannot be part of a link" in problems[f"{path}:6"] and "cannot be part of a link" in problems[f"{path}:7"]
    assert store.get("bai-viet.JSONX") is not None
    assert report.imported == 2 and report.skipped == 6


def test_a_document_whose_id_ends_in_json_is_refused_so_no_link_breaks(tmp_path):
    """/doc/ID.json is the JSON twin of /doc/ID: the page of an id 'x.json' could never be reached."""
    from corpus.store import config
    from indexer.build import update_index
    from search_app import create_app

    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "tin.json", "text": "Dân vận khéo ở cơ sở."}) + "\n"
                    + json.dumps({"id": "tin", "text": "Dân vận khéo ở xã."}), encoding="utf-8")
    with Store(config.store_path(tmp_path)) as store:
        report = import_paths(store, [path])
        update_index(store, config.index_path(tmp_path))
    assert report.imported == 1 and "ends in .json" in report.problems[0][1]
    client = create_app({"DANVAN_HOME": str(tmp_path), "TESTING": True}).test_client()
    for hit in client.get("/search.json?q=dân+vận").get_json()["hits"]:
        assert client.get(f"/doc/{hit['id']}").status_code == 200
        assert client.get(f"/doc/{hit['id']}.json").get_json()["document"]["id"] == hit["id"]


def test_compressed_jsonl_is_found_in_directories_and_by_its_content(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with gzip.open(folder / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write('{"id": "a", "text": "Dân vận khéo."}\n')
    with lzma.open(folder / "b.NDJSON.XZ", "wt", encoding="utf-8") as f:
        f.write('{"id": "b", "text": "Công tác dân vận."}\n')
    (folder / "c.jsonl").write_bytes(gzip.compress('{"id": "c", "text": "Hoà giải."}\n'.encode()))  # named plain
    (folder / "d.txt.gz").write_bytes(gzip.compress(b"not imported: only JSONL is read compressed"))
    store = Store(tmp_path / "db")
    report = import_paths(store, [folder])
    assert sorted(doc.id for doc in store) == ["a", "b", "c"] and not report.problems


def test_import_in_worker_processes_equals_import_in_one(tmp_path, monkeypatch):
    """Extraction in 2 workers: the same Documents and the same counted outcomes, in input order."""
    monkeypatch.setattr("corpus.store.importer.RECORDS_PER_CHUNK", 7)  # many chunks from a small file
    lines = [json.dumps({"id": f"d{i}", "title": f"Tin {i}", "text": f"Tỉnh ủy Vĩnh Long triển khai Chỉ thị {i}/CT-TTg "
                         f"về công tác dân vận năm 20{10 + i % 10}."}, ensure_ascii=False) for i in range(60)]
    lines[13] = "{broken"
    lines[40] = json.dumps({"id": "d40", "text": ""})
    lines[41] = "[1, 2]"
    lines[42] = lines[42].replace("Tin 42", "Tin \udcff")  # a broken byte: read in a worker, noted with its line
    lines[43] = ""  # a blank line is no record
    (tmp_path / "docs.jsonl").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    (tmp_path / "page.html").write_text("<html><body><article><h1>Dân vận khéo</h1><p>" + "Hội Nông dân xã vận động "
                                        "nhân dân hiến đất làm đường. " * 20 + "</p></article></body></html>",
                                        encoding="utf-8")
    reports, stored = [], []
    for workers in (1, 2):
        with Store(tmp_path / f"db{workers}.sqlite") as store:
            reports.append(import_paths(store, [tmp_path], workers=workers))
            stored.append([(doc.id, doc.stamp()) for doc in store])
    assert reports[0].outcomes == reports[1].outcomes and reports[0].outcomes["added"] == 57
    assert reports[0].problems == reports[1].problems and len(reports[0].problems) == 3
    assert [where.rsplit(":", 1)[1] for where, _ in reports[1].problems] == ["14", "41", "42"]
    assert reports[0].notes == reports[1].notes and [where.rsplit(":", 1)[1] for where, _ in reports[1].notes] == ["43"]
    assert stored[0] == stored[1] and len(stored[0]) == 57


def _records(n: int, seed: int = 7) -> list[dict]:
    """JSONL records giving, leaving out or nulling each fact the text could give (date line, province, citations)."""
    rnd = random.Random(seed)
    heads = ("Ngày 14/03/2019 08:59:47", "Thứ Hai, 04/08/2025 - 10:15", "Cập nhật: (12/08/2025)", "Tin tổng hợp")
    bodies = ("UBND tỉnh Vĩnh Long triển khai Chỉ thị số 16/CT - TTg năm 2019; năm 2019 tỉnh đã làm tốt.",
              "Ban Dân vận Tỉnh ủy Hà Giang thực hiện Quyết định 217 và Kế hoạch 5 năm, năm 2022, năm 2023, năm 2022.",
              "Hội Nông dân xã vận động nhân dân hiến đất theo Nghị quyết 25-NQ/TW của Ban Chấp hành Trung ương.",
              "Công tác dân vận ở cơ sở.")
    choices = {"published": (None, "2021-05-02", "2025-09-01", "2019-03-14T08:00:00"),
               "province": (None, "ha giang", "Bến Tre"), "province_2025": (None, "Tuyên Quang"),
               "year": (None, 2016, "2017"), "year_source": (None, "text"),
               "directives": (None, [], ["25-NQ/TW", "16/CT-TTg"]), "directives_partial": (None, [], ["Quyết định 217"]),
               "title": (None, "Tỉnh Quảng Ninh sơ kết năm 2020"), "url": (None, "https://baohagiang.vn/tin/1.html")}
    records = []
    for i in range(n):
        record = {"id": f"r{i}", "text": f"{rnd.choice(heads)}\n{rnd.choice(bodies)}\n\n{rnd.choice(bodies)}"}
        for name, values in choices.items():
            if rnd.random() < 0.5:  # absent half the time: extracted
                record[name] = rnd.choice(values)
        records.append(record)
    return records


def test_a_record_is_read_only_for_the_facts_it_lacks_and_gets_the_same_document(monkeypatch):
    """Finding only the facts a record lacks (and they depend on) gives the Document finding them all gave."""
    from corpus.extract.textmeta import FACTS
    from corpus.store import importer

    def outcome(record):
        try:
            doc, note = importer.from_record(dict(record), default_id="x")
            return doc.to_dict(), note
        except importer.ImportProblem as exc:
            return "refused", str(exc)

    records = _records(600)
    lazy = [outcome(r) for r in records]
    with monkeypatch.context() as patch:
        patch.setattr(importer, "_wanted", lambda given: set(FACTS))  # every fact found, as before
        full = [outcome(r) for r in records]
    assert lazy == full
    assert sum(o == "refused" for o, _ in full) < 100 < len({str(o) for o, _ in full})  # varied, mostly accepted


def test_the_facts_a_record_gives_are_not_looked_for_in_its_text(monkeypatch):
    """A record with its date, province and citations is not searched for them (the costly part of an import)."""
    from corpus.store import importer

    calls = []
    monkeypatch.setattr("corpus.extract.textmeta.detect_province", lambda **kw: calls.append(kw) or None)
    monkeypatch.setattr("corpus.extract.textmeta.find_published", lambda lines: calls.append(lines) or None)
    doc, _ = importer.from_record({"text": "Tỉnh ủy Vĩnh Long họp ngày 14/03/2019.", "published": "2021-05-02",
                                   "province": "Hà Giang", "directives": []}, default_id="x")
    assert not calls and (doc.year, doc.province_2025, doc.directives_partial) == (2021, "Tuyên Quang", [])


def test_an_import_stores_the_rows_and_outcomes_one_record_at_a_time_with_every_fact_found_gives(tmp_path, monkeypatch):
    """Rows made in 2 workers, written in batches, facts found only when lacking: the store and counts as before."""
    from corpus.extract.textmeta import FACTS
    from corpus.store import importer

    monkeypatch.setattr(importer, "RECORDS_PER_CHUNK", 16)
    monkeypatch.setattr(importer, "ROWS_PER_COMMIT", 40)
    records = _records(300, seed=11)
    for i, record in enumerate(records[::7]):  # an id met again: updated, or unchanged when the same again
        records.append(dict(record) if i % 2 else {**record, "text": record["text"] + " Bổ sung."})
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with Store(tmp_path / "fast.sqlite") as store:
        report = import_paths(store, [path], workers=2)
        fast = [(d.to_dict(), d.stamp()) for d in store]
    monkeypatch.setattr(importer, "_wanted", lambda given: set(FACTS))
    singly, problems, noted = Counter(), [], 0
    with Store(tmp_path / "slow.sqlite") as store:
        for number, record in enumerate(records, 1):
            try:
                doc, note = importer.from_record(record, default_id=f"file:{path.resolve()}:{number}")
                singly[store.upsert(doc)] += 1
                noted += bool(note)  # a year the record's date overrules
            except importer.ImportProblem as exc:
                problems.append((f"{path}:{number}", str(exc)))
        slow = [(d.to_dict(), d.stamp()) for d in store]
    assert fast == slow and len(fast) > 200
    assert report.problems == problems and +report.outcomes == singly + Counter(skipped=len(problems), noted=noted)
    assert singly["updated"] and singly["unchanged"]


def test_an_import_killed_mid_way_resumes_and_loses_nothing(tmp_path):
    """kill -9 after the first batches are written: the import run again ends with the store a whole import makes."""
    import os
    import signal
    import sqlite3
    import time

    from corpus.store import config

    records = [{"id": f"k{i}", "title": f"Tin {i}", "text": f"Ngày 0{1 + i % 9}/03/2021\nTỉnh ủy Vĩnh Long triển khai "
                f"Chỉ thị {i}/CT-TTg. " + " ".join(WORDS[(i + j) % len(WORDS)] for j in range(300))} for i in range(4000)]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "import", str(path), "--no-index", "--procs", "2",
                             "--data-dir", str(killed)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    stored = 0
    while proc.poll() is None and stored < 1000:  # some batches written, more to come
        time.sleep(0.05)
        if config.store_path(killed).exists():
            with contextlib.closing(sqlite3.connect(config.store_path(killed), timeout=30)) as db:
                with contextlib.suppress(sqlite3.OperationalError):  # the table is not made yet
                    stored = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert proc.poll() is None, "the import ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with contextlib.closing(sqlite3.connect(config.store_path(killed))) as db:
        stored = db.execute("SELECT count(*) FROM documents").fetchone()[0]  # what was committed before the kill
    assert 1000 <= stored < 4000
    again = danvan("import", path, "--no-index", "--data-dir", killed, home=tmp_path)
    assert again.returncode == 0 and f"{stored} unchanged" in again.stdout and "4000 in the corpus" in again.stdout
    assert danvan("import", path, "--no-index", "--data-dir", whole, home=tmp_path).returncode == 0
    with Store(config.store_path(killed)) as a, Store(config.store_path(whole)) as b:
        assert [(d.to_dict(), d.stamp()) for d in a] == [(d.to_dict(), d.stamp()) for d in b]


def test_long_records_are_written_in_smaller_batches_so_memory_stays_bounded(tmp_path, monkeypatch):
    """A batch is cut by its characters too: 30 records of 26,000 characters, a 100,000-character cap."""
    from corpus.store import importer

    monkeypatch.setattr(importer, "CHARS_PER_COMMIT", 100_000)
    monkeypatch.setattr(importer, "RECORDS_PER_CHUNK", 4)  # 104,000 characters a chunk
    batches = []
    real = Store.upsert_many
    monkeypatch.setattr(Store, "upsert_many", lambda self, rows: batches.append(len(rows)) or real(self, rows))
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps({"id": f"l{i}", "text": "dân vận khéo " * 2000, "published": None}) + "\n"
                            for i in range(30)), encoding="utf-8")
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [path])
        assert report.outcomes["added"] == 30 and store.count() == 30
    assert sum(batches) == 30 and max(batches) == 4  # not all 30 in one (ROWS_PER_COMMIT is 512)


def test_a_given_date_after_the_merger_names_the_merged_province_as_a_date_in_the_text_does():
    """The date a record gives is the page's date for the province too: after 1 July 2025 "Hà Giang" is Tuyên Quang."""
    from corpus.store import importer

    text = "Ban Dân vận Tỉnh ủy Hà Giang tổ chức hội nghị giao ban công tác dân vận."
    given, _ = importer.from_record({"text": text, "published": "2025-09-01"}, default_id="a")
    in_text, _ = importer.from_record({"text": "Ngày 01/09/2025\n" + text}, default_id="b")
    before, _ = importer.from_record({"text": text, "published": "2025-06-01"}, default_id="c")
    assert in_text.province == given.province == "Tuyên Quang" == given.province_2025
    assert before.province == "Hà Giang" and before.province_2025 == "Tuyên Quang"


def test_an_exported_attachment_imports_back(tmp_path):
    """A record with parent_id and number (an attachment, as export writes it) crashed the whole import with
    KeyError: check_fields had no size cap for those two fields."""
    from corpus.store import config

    first, second = tmp_path / "first", tmp_path / "second"
    page = Document(id="page-1", text="Ban Dân vận ban hành kế hoạch.", title="Tin", url="https://portal.example/1")
    attachment = Document(id="page-1/kh-202.pdf", text="Kế hoạch số 202-KH/BDVTU về công tác dân vận.",
                          parent_id="page-1", number="202-KH/BDVTU")
    with Store(config.store_path(first)) as store:
        store.upsert_many([page, attachment])
        stored = {doc.id: doc.to_dict() for doc in store}
    assert danvan("export", "-o", tmp_path / "a.jsonl", home=first).returncode == 0
    imported = danvan("import", tmp_path / "a.jsonl", home=second)
    assert imported.returncode == 0 and "0 skipped" in imported.stdout, imported.stderr
    with Store(config.store_path(second)) as store:
        assert {doc.id: doc.to_dict() for doc in store} == stored
    too_long = tmp_path / "long.jsonl"
    too_long.write_text(json.dumps({"text": "Kế hoạch.", "number": "1" * 500}) + "\n", encoding="utf-8")
    refused = danvan("import", too_long, home=second)
    assert "1 skipped" in refused.stdout and "number longer than 200" in refused.stdout + refused.stderr


def test_long_given_numbers_are_not_remembered_by_the_workers():
    """A worker remembers the document numbers records give, per spelling: a long junk string (a line may hold
    16 MB) was kept too, 8,192 of them at most, so hostile records grew a worker by gigabytes."""
    import pytest

    from corpus.store import importer

    importer._canonical_number.cache_clear()
    for i in range(20):
        with pytest.raises(importer.ImportProblem, match="not a document number"):
            importer.from_record({"text": "Kế hoạch.", "directives": [f"{i}" + "x" * 100_000]}, default_id="a")
    padded, _ = importer.from_record({"text": "Kế hoạch.", "directives": [" " * 5000 + "25-NQ/TW"]}, default_id="b")
    assert padded.directives == ["25-NQ/TW"]  # what a long spelling means is unchanged
    short, _ = importer.from_record({"text": "Kế hoạch.", "directives": ["25-nq/tw"]}, default_id="c")
    assert short.directives == ["25-NQ/TW"]
    assert importer._canonical_number.cache_info().currsize == 1
