"""Every field of a JSONL record, given a bad value: each record ends in one counted outcome, with a message
that names the field; nothing is changed silently (2024.7 is no year 2024)."""
import json
import subprocess
import sys
from pathlib import Path

from corpus.store.db import Store
from corpus.store.importer import import_paths

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Ban Dân vận tỉnh Hà Giang tổng kết công tác dân vận năm 2020."

# (extra fields, "skipped" and the message's words, or "added" and the note's words (None: no note))
CASES = [
    ({"year": 2024.7}, "skipped", "year must be a whole number such as 2024, not 2024.7"),
    ({"year": "2024.7"}, "skipped", "year must be a whole number"),
    ({"year": "hai nghìn"}, "skipped", "year must be a whole number"),
    ({"year": -5}, "skipped", "year must be a year from 1900 to 2100, not -5"),
    ({"year": 10**30}, "skipped", "year must be a year from 1900 to 2100"),
    ({"year": [2024]}, "skipped", "year must be a year"),
    ({"year": {"value": 2024}}, "skipped", "year must be a year from 1900 to 2100, not an object"),
    ({"year": True}, "skipped", "year must be a year"),
    ({"published": "2024-02-30"}, "skipped", "published must be a date like 2024-06-30, not '2024-02-30'"),
    ({"published": 20240101}, "skipped", "published must be a date like 2024-06-30, not '20240101'"),
    ({"published": "2024-06-30 và sau đó"}, "skipped", "published must be a date"),
    ({"published": ["2024-06-30"]}, "skipped", "published must be a date"),
    ({"published": "2024-06-30T25:99:00"}, "skipped", "published must be a date"),
    ({"year": "２０２４"}, "skipped", "year must be a whole number"),
    ({"title": ["Tiêu đề"]}, "skipped", "title must be a string"),
    ({"title": {"vi": "Tiêu đề"}}, "skipped", "title must be a string, not an object"),
    ({"province": 5}, "skipped", "unknown province '5'"),
    ({"province": ["Hà Giang"]}, "skipped", "unknown province"),
    ({"directives": "25-NQ/TW"}, "skipped", "'directives' must be a list"),
    ({"directives": [25]}, "skipped", "in 'directives' is not a document number"),
    ({"id": 1.5}, "skipped", "id must be a string"),
    ({"url": {"href": "x"}}, "skipped", "url must be a string"),
    ({"genre": 3}, "skipped", "genre must be one of"),
    ({"period": "H1"}, "skipped", "period must be like 2022"),
    ({"text": 5}, "skipped", "text must be a string, not '5'"),
    ({"text": "x " * 600_000}, "skipped", "article text longer than 1,000,000 characters"),
    # kept, with what was dropped, cut or overruled said in a note
    ({"year": 2024.0}, "added", None),  # a whole number written as a float loses nothing
    ({"year": "2019"}, "added", None),
    ({"published": "2024-06-30T10:00:00+07:00"}, "added", None),
    ({"published": "2024-06-30 23:59:59Z"}, "added", None),
    ({"title": "   "}, "added", None),  # blank is unknown, as "" and null are
    ({"tags": ["x"], "Title": "y"}, "added", "unknown fields 'tags', 'Title' dropped"),
    ({"year": 1999, "published": "2020-01-01"}, "added", "year 1999 replaced by the year of the date published"),
    ({"title": "á " * 1000}, "added", "title cut from 2,000 to 500 characters"),
]


def write(path: Path) -> None:
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": TEXT, **extra}, ensure_ascii=False) + "\n"
                            for i, (extra, _, _) in enumerate(CASES)), encoding="utf-8")


def test_each_bad_field_value_is_refused_or_noted_by_name(tmp_path):
    path = tmp_path / "docs.jsonl"
    write(path)
    with Store(tmp_path / "db") as store:
        report = import_paths(store, [path])
        problems, notes = dict(report.problems), dict(report.notes)
        for i, (extra, outcome, words) in enumerate(CASES):
            where = f"{path}:{i + 1}"
            if outcome == "skipped":
                assert words in problems.get(where, ""), (extra, problems.get(where))
                assert store.get(f"r{i}") is None
            else:
                assert store.get(f"r{i}") is not None, (extra, problems.get(where))
                assert (words in notes.get(where, "")) if words else where not in notes, (extra, notes.get(where))
        stored = {i: store.get(f"r{i}") for i, (_, outcome, _) in enumerate(CASES) if outcome == "added"}
    skipped = sum(outcome == "skipped" for _, outcome, _ in CASES)
    assert report.outcomes["skipped"] == skipped and report.outcomes["added"] == len(CASES) - skipped
    assert report.outcomes["noted"] == sum(bool(words) for _, outcome, words in CASES if outcome == "added")
    years = {CASES[i][0].get("year"): doc.year for i, doc in stored.items()}
    assert years[2024.0] == 2024 and years["2019"] == 2019 and years[1999] == 2020
    assert [doc.title for i, doc in stored.items() if CASES[i][0].get("title") == "   "] == [None]


def test_the_cli_summary_counts_every_outcome(tmp_path):
    path = tmp_path / "docs.jsonl"
    write(path)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DANVAN_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "cli", "import", str(path), "--no-index"], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    skipped = sum(outcome == "skipped" for _, outcome, _ in CASES)
    noted = sum(bool(words) for _, outcome, words in CASES if outcome == "added")
    assert f"imported {len(CASES) - skipped} documents" in out.stdout
    assert f"; {skipped} skipped; {noted} noted;" in out.stdout
    assert f"skipped {path}:1: year must be a whole number such as 2024, not 2024.7" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_date_naming_no_day_keeps_its_year_and_says_so(tmp_path):
    """"2024" or "2024-06" as published (a year or month is often all a source gives): the record is kept with
    that year and no date, not refused; a month that is none is still refused."""
    records = [{"published": "2024"}, {"published": "2024-06"}, {"published": " 2023-11 "},
               {"published": "2022", "year": 2021}, {"published": "2024-13"}, {"published": "3024"}]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": f"p{i}", "text": TEXT, **extra}, ensure_ascii=False) + "\n"
                            for i, extra in enumerate(records)), encoding="utf-8")
    with Store(tmp_path / "db") as store:
        report = import_paths(store, [path])
        docs = [store.get(f"p{i}") for i in range(len(records))]
    notes, problems = dict(report.notes), dict(report.problems)
    assert [(d.published, d.year, d.year_source) for d in docs[:4]] == [
        (None, 2024, "given"), (None, 2024, "given"), (None, 2023, "given"), (None, 2022, "given")]
    assert notes[f"{path}:1"] == "published '2024' names no day: year 2024 kept, the date unknown"
    assert "year 2021 replaced by 2022" in notes[f"{path}:4"]
    assert docs[4] is None and "published must be a date like 2024-06-30, not '2024-13'" in problems[f"{path}:5"]
    assert docs[5] is None and "published must be a date" in problems[f"{path}:6"]
