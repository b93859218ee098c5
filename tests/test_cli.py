"""The `danvan` command as users run it: real subprocesses, real exit codes."""
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli import cli

DANVAN = [str(Path(sys.executable).parent / "danvan")]
if not Path(DANVAN[0]).exists():  # not installed as a script: run the module
    DANVAN = [sys.executable, "-m", "cli"]


def run(*args, home=None, input=None):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home or "/nonexistent")}
    if home is not None:
        env["DANVAN_HOME"] = str(home)
    return subprocess.run([*DANVAN, *map(str, args)], capture_output=True, text=True, env=env,
                          input=input, timeout=120, cwd=Path(__file__).parent.parent)


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
        (("search", "x", "--province", "Atlantis"), 1, "unknown province"),
        (("search", "x", "--year", "20x9"), 1, "year"),
        (("search", "x", "--year", "2019", "--from", "2019-01-01"), 2, "either --year"),
        (("search", "x", "--limit", "abc"), 2, "limit"),
        (("search", "x", "--directive", "hello"), 1, "document number"),
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
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("qid") for line in lines] == ["a", "b", "c", None]
    assert {h["id"] for h in lines[0]["hits"]} == {"d1", "d4"}
    assert lines[1]["total"] == 1
    assert "year" in lines[2]["error"] and "error" in lines[3]


def test_export_and_stats(mini_home):
    exported = [json.loads(line) for line in run("export", home=mini_home).stdout.splitlines()]
    assert len(exported) == 6
    assert {"id", "title", "text", "published", "year", "province", "province_2025", "directives",
            "author", "content_hash"} <= exported[0].keys()
    csv_out = run("export", "--format", "csv", home=mini_home).stdout
    assert csv_out.splitlines()[0].startswith("id,")
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
