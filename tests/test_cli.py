"""The `danvan` command as users run it: real subprocesses, real exit codes."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli

DANVAN = [str(Path(sys.executable).parent / "danvan")]
if not Path(DANVAN[0]).exists():  # not installed as a script: run the module
    DANVAN = [sys.executable, "-m", "cli"]


ROOT = Path(__file__).parent.parent


def run(*args, home=None, input=None):
    # PYTHONPATH: the script imports this checkout's code, not that of the checkout it was installed from.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home or "/nonexistent"), "PYTHONPATH": str(ROOT)}
    if home is not None:
        env["DANVAN_HOME"] = str(home)
    return subprocess.run([*DANVAN, *map(str, args)], capture_output=True, text=True, env=env,
                          input=input, timeout=120, cwd=ROOT)


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"{name} --help has no example"


def test_search_without_a_corpus_says_what_to_do(tmp_path):
    result = run("search", "dân vận", home=tmp_path / "nowhere")
    assert result.returncode == 1
    assert "no corpus" in result.stderr and "danvan import" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("index",), ("import", "corpus/samples")])
def test_a_store_from_a_newer_danvan_is_a_clear_error(tmp_path, args):
    """A corpus written by a newer danvan (a schema version this code does not know) is refused in one line."""
    import sqlite3
    from corpus.store import config
    from corpus.store.schema import VERSION
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(config.store_path(home)) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    result = run(*args, home=home)
    assert result.returncode == 1, result.stderr
    assert "newer than this danvan" in result.stderr and "upgrade danvan" in result.stderr
    assert "Traceback" not in result.stderr


def test_search_json_filters_and_errors(mini_home):
    ok = run("search", "dân vận khéo", "--json", home=mini_home)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert {h["id"] for h in data["hits"]} == {"d1", "d4"}
    assert data["facets"]["province"]

    filtered = json.loads(run("search", "dân vận", "--province", "ha giang", "--json", home=mini_home).stdout)
    assert {h["province"] for h in filtered["hits"]} == {"Hà Giang"}

    for args, code, text in [
        (("search", ""), 2, "empty query"),
        (("search", "x", "--province", "Atlantis"), 2, "'Atlantis' is not one of the 63 provinces"),
        (("search", "x", "--year", "20x9"), 2, "'--year'"),
        (("search", "x", "--year", "2019", "--from", "2019-01-01"), 2, "either year or from/to"),
        (("search", "x", "--limit", "abc"), 2, "limit"),
        (("search", "x", "--directive", "hello"), 2, "document number"),
    ]:
        result = run(*args, home=mini_home)
        assert result.returncode == code, (args, result.stderr)
        assert text in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_human_output_lists_hits_and_facets(mini_home):
    result = run("search", "hoà giải", home=mini_home)
    assert result.returncode == 0
    assert "2 kết quả" in result.stdout and "Tỉnh/thành:" in result.stdout
    assert "Có phải bạn muốn tìm: dân vận khéo" in run("search", "dân vân khéo", home=mini_home).stdout


def test_batch_search_writes_one_line_per_query(mini_home, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join([
        json.dumps({"qid": "a", "query": "dan van kheo"}),
        json.dumps({"qid": "b", "query": "", "province": "Vĩnh Long"}),
        json.dumps({"qid": "c", "query": "x", "year": "abc"}),
        "not json",
    ]), encoding="utf-8")
    result = run("search", "--batch", batch, home=mini_home)
    assert result.returncode == 2, result.stderr
    assert "2 of 4 batch lines not run" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("qid") for line in lines] == ["a", "b", "c", None]
    assert {h["id"] for h in lines[0]["hits"]} == {"d1", "d4"}
    assert lines[1]["total"] == 1
    assert "year" in lines[2]["error"] and lines[2]["parameter"] == "year" and "error" in lines[3]


def test_batch_lines_use_the_option_names_and_refuse_unknown_keys(mini_home, tmp_path):
    batch = tmp_path / "q.jsonl"
    lines = [
        {"qid": "from", "query": "dân vận", "from": "2020-01-01"},  # the CLI's --from: was ignored
        {"qid": "old", "query": "dân vận", "date_from": "2020-01-01", "date_to": "2023-12-31"},
        {"qid": "dash", "query": "", "province-2025": "Tuyên Quang", "year": [2019, 2022], "limit": 1},
        {"qid": "typo", "query": "dân vận", "provnce": "Hà Giang"},
        {"qid": "plural", "query": "dân vận", "years": [2019]},
        {"qid": "type", "query": "dân vận", "limit": "5"},
        {"qid": "bool", "query": "dân vận", "year": True},
        {"qid": "list", "query": ["dân vận"]},
        {"qid": "range", "query": "dân vận", "page": 0},
        {"qid": "twice", "query": "dân vận", "from": "2020-01-01", "date_from": "2021-01-01"},
    ]
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    result = run("search", "--batch", batch, home=mini_home)
    assert result.returncode == 2 and "7 of 10 batch lines not run" in result.stderr
    out = {x["qid"]: x for x in map(json.loads, result.stdout.splitlines())}
    assert list(out) == [x["qid"] for x in lines]  # one output line per input line, in order
    assert {h["id"] for h in out["from"]["hits"]} == {"d2", "d4"} and out["from"]["filters"]["date_from"] == "2020-01-01"
    assert {h["id"] for h in out["old"]["hits"]} == {"d2"}
    assert out["dash"]["total"] == 2 and len(out["dash"]["hits"]) == 1
    assert "unknown key 'provnce'" in out["typo"]["error"] and "province_2025" in out["typo"]["error"]
    assert out["typo"]["parameter"] == "provnce" and "hits" not in out["typo"]
    assert "unknown key 'years'" in out["plural"]["error"] and "year" in out["plural"]["error"]
    assert out["type"]["parameter"] == "limit" and 'from 1 to 100, not the string "5"' in out["type"]["error"]
    assert out["bool"]["parameter"] == "year" and "not true" in out["bool"]["error"]
    assert out["list"]["parameter"] == "query" and 'not the list ["dân vận"]' in out["list"]["error"]
    assert out["range"]["parameter"] == "page" and "from 1 to 10000" in out["range"]["error"]
    assert out["twice"]["parameter"] == "from"


def test_batch_refuses_options_it_would_ignore(mini_home, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"query": "dân vận"}), encoding="utf-8")
    result = run("search", "--batch", batch, "--province", "Hà Giang", home=mini_home)
    assert result.returncode == 2 and "--province" in result.stderr and result.stdout == ""
    usage = run("search", "--help", home=mini_home).stdout  # the batch format is in --help
    assert '"from": "2024-01-01"' in usage and '"province_2025": "Vĩnh Long"' in usage


@pytest.mark.parametrize("args,text", [
    (("--limit", "0"), "'--limit': limit must be a whole number from 1 to 100"),
    (("--limit", "200"), "'--limit': limit must be a whole number from 1 to 100"),
    (("--page", "0"), "'--page': page must be a whole number from 1 to 10000"),
    (("--page", "99999"), "'--page': page must be a whole number from 1 to 10000"),
    (("--year", "1850"), "'--year': year must be a year from 1900 to 2100"),
    (("--from", "2024-02-30"), "'--from': from must be a date like 2024-06-30"),
])
def test_out_of_range_options_are_usage_errors_with_the_range(mini_home, args, text):
    result = run("search", "dân vận", *args, home=mini_home)
    assert result.returncode == 2, result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_a_crawl_delay_no_sleep_accepts_is_a_usage_error(tmp_path):
    result = run("crawl", "--delay", "inf", "--allow-private", "http://127.0.0.1:9/", home=tmp_path)
    assert result.returncode == 2 and "'--delay': inf is not in the range 0<=x<=3600" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_page_past_the_end_says_which_page_is_last(mini_home):
    text = run("search", "dân vận", "--limit", "1", "--page", "50", home=mini_home)
    assert text.returncode == 0
    assert "trang 50/3" in text.stdout and "trang cuối là trang 3" in text.stdout
    data = json.loads(run("search", "dân vận", "--limit", "1", "--page", "50", "--json", home=mini_home).stdout)
    assert data["hits"] == [] and any("trang cuối là trang 3" in m for m in data["messages"])
    assert not json.loads(run("search", "dân vận", "--json", home=mini_home).stdout)["messages"]


def test_a_pre_2025_province_says_where_it_went(mini_home):
    merged = run("search", "--province-2025", "Bến Tre", home=mini_home)
    assert merged.returncode == 2
    assert "Bến Tre belongs to Vĩnh Long since 1/7/2025" in merged.stderr
    typo = run("search", "--province-2025", "vinh lng", home=mini_home)
    assert typo.returncode == 2 and "closest: Vĩnh Long" in typo.stderr and "Hà Nội" not in typo.stderr
    new_name = run("search", "--province", "Huế", home=mini_home)
    assert "province_2025 'Huế'" in new_name.stderr and "'Thừa Thiên Huế'" in new_name.stderr


def test_provinces_lists_both_sets_and_the_merge():
    data = json.loads(run("provinces", "--json").stdout)
    assert len(data["province"]) == 63 and len(data["province_2025"]) == 34
    assert {"name": "Bến Tre", "province_2025": "Vĩnh Long"} in data["province"]
    vinh_long = next(p for p in data["province_2025"] if p["name"] == "Vĩnh Long")
    assert sorted(vinh_long["formerly"]) == sorted(["Vĩnh Long", "Bến Tre", "Trà Vinh"])
    text = run("provinces").stdout
    assert "34 provinces since 1/7/2025" in text and "Huế" in text and "Thừa Thiên Huế" in text


def test_filter_only_search_names_its_filters(mini_home):
    out = run("search", "--province", "ha giang", "--from", "2020-01-01", home=mini_home).stdout
    first = out.splitlines()[0]
    assert first.startswith("1 kết quả lọc Tỉnh/thành: Hà Giang; từ 2020-01-01 (trang 1/1")
    assert "''" not in first


def test_facets_past_twelve_values_say_how_many_more(tmp_path):
    from corpus.store import config
    from corpus.store.document import Document
    from corpus.knowledge.provinces import PROVINCES, to_2025
    from corpus.store.db import Store
    from indexer.build import update_index

    chosen = PROVINCES[:15]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many([Document(id=f"p{i}", title="Dân vận khéo", text=f"Dân vận khéo ở {name}.",
                                    published="2020-01-01", year=2020, province=name, province_2025=to_2025(name))
                           for i, name in enumerate(chosen)])
        update_index(store, config.index_path(tmp_path))
    out = run("search", "dân vận", home=tmp_path).stdout
    line = next(x for x in out.splitlines() if x.startswith("Tỉnh/thành:"))
    assert line.count("(1)") == 12 and line.endswith("… 3 more (--json lists them)")
    selected = run("search", "dân vận", "--province", chosen[-1], home=tmp_path).stdout
    line = next(x for x in selected.splitlines() if x.startswith("Tỉnh/thành:"))
    assert line.startswith(f"Tỉnh/thành: *{chosen[-1]} (1) · ") and line.endswith("… 3 more (--json lists them)")
    assert len(json.loads(run("search", "dân vận", "--json", home=tmp_path).stdout)["facets"]["province"]) == 15


def test_import_updates_an_existing_index(mini_home, tmp_path):
    record = {"id": "new-1", "title": "Mô hình dân vận khéo mới", "published": "2024-05-02",
              "province": "Hà Giang", "text": "Phong trào xây dựng nhà nhân ái của Hội Cựu chiến binh xã."}
    source = tmp_path / "new.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    imported = run("import", source, home=mini_home)
    assert imported.returncode == 0, imported.stderr
    assert "index updated: 1 added" in imported.stdout
    found = json.loads(run("search", "nhà nhân ái", "--json", home=mini_home).stdout)
    assert [h["id"] for h in found["hits"]] == ["new-1"]

    record.update(id="new-2", text="Chương trình ngày thứ bảy tình nguyện của đoàn viên thanh niên.")
    source.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    skipped = run("import", source, "--no-index", home=mini_home)
    assert skipped.returncode == 0 and "until you run `danvan index`" in skipped.stdout
    def ids():
        return {h["id"] for h in json.loads(run("search", "thứ bảy tình nguyện", "--json", home=mini_home).stdout)["hits"]}
    assert "new-2" not in ids()
    assert "1 added" in run("index", home=mini_home).stdout and "new-2" in ids()


def test_import_without_an_index_says_how_to_search(tmp_path):
    source = tmp_path / "new.jsonl"
    source.write_text(json.dumps({"id": "x", "text": "Dân vận khéo ở cơ sở."}, ensure_ascii=False), encoding="utf-8")
    home = tmp_path / "home"
    result = run("import", source, home=home)
    assert result.returncode == 0 and "until you run `danvan index`" in result.stdout
    assert not (home / "index").exists()


def test_export_and_stats(mini_home):
    exported = [json.loads(line) for line in run("export", home=mini_home).stdout.splitlines()]
    assert len(exported) == 6
    assert {"id", "title", "text", "published", "year", "province", "province_2025", "directives",
            "author", "content_hash"} <= exported[0].keys()
    csv_out = run("export", "--format", "csv", home=mini_home).stdout
    assert csv_out.splitlines()[0].startswith("\ufeffid,")  # a BOM: spreadsheet programs then read UTF-8
    stats = json.loads(run("stats", "--json", home=mini_home).stdout)
    assert stats["documents"] == 6
    assert {"value": "Hà Giang", "count": 2} in stats["province"]


def test_similar_command(mini_home):
    ok = run("similar", "d3", "--json", home=mini_home)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["similar"][0]["id"] == "d5" and data["near_duplicates"] == []
    missing = run("similar", "nope", home=mini_home)
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_search_prints_the_words_a_hit_lacks(tmp_path):
    from corpus.store.document import Document
    from tests.conftest import build_home

    docs = [Document(id="all", title="Tin", text="Hòa giải viên ở cơ sở giúp dân."),
            Document(id="no-so", title="Tin", text="Hòa giải viên ở cơ quan xã giúp dân.")] + [
        Document(id=f"common{i}", title="Tin", text="Cán bộ ở cơ sở giúp dân.") for i in range(2)]
    home = build_home(tmp_path, docs)
    result = CliRunner().invoke(cli, ["search", "hòa giải viên ở cơ sở", "--data-dir", str(home)])
    assert result.exit_code == 0, result.output
    assert result.output.count("Thiếu: sở") == 1 and "! Chỉ 1 tài liệu chứa tất cả các từ" in result.output
