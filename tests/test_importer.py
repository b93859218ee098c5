import json

from corpus.importer import import_paths
from corpus.store import Store


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
