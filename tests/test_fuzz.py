"""Property-based tests: garbage in, a clear answer out, never a traceback or a 500.

Hypothesis throws arbitrary Unicode, control characters, unbalanced quotes and
parentheses, Whoosh syntax, very long queries and huge page numbers at the
three ways in: the query service, the CLI and the HTTP API.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.search import QueryError, SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
# Function-scoped fixtures are built once per test, not per example: that is intended here.
FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SYNTAX = ['"', "'", "(", ")", "[", "]", "{", "}", "*", "?", "~", "~2", "^", "^3", ":", "title:", "text:",
          "id:", "AND", "OR", "NOT", "-", "+", "\\", "/", "TO", "25-NQ/TW", "16/CT-TTg", "dân", "vận", "dan",
          "khéo", "hoà", "\x00", "\t", "\u200b", "\ufeff", "\u0300", "<script>", "%00", "../", "😀"]
# Text with no surrogates (they cannot be encoded; HTTP and argv never carry them).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
QUERY = st.one_of(
    ANY_TEXT,
    st.lists(st.one_of(st.sampled_from(SYNTAX), ANY_TEXT), max_size=12).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), max_size=30).map("".join),
    st.builds(lambda s, n: (s or "x") * n, st.sampled_from(SYNTAX), st.integers(1000, 10_000)).map(lambda s: s[:10_000]),
)
PAGE = st.one_of(st.integers(-5, 20), st.integers(9_990, 10_010), st.integers(10**6, 10**30))


@FUZZ
@given(q=QUERY, page=PAGE, limit=st.integers(-1, 120), sort=st.sampled_from(["relevance", "date", "x"]))
def test_service_answers_any_query_or_raises_query_error(mini_service: SearchService, q, page, limit, sort):
    try:
        result = mini_service.search(SearchRequest(q=q, page=page, limit=limit, sort=sort))
    except QueryError as exc:
        assert str(exc)
        assert not (1 <= page <= 10_000 and 1 <= limit <= 100 and sort != "x"), "a valid request was refused"
        return
    assert 0 <= result.total and len(result.hits) <= result.request.limit
    json.dumps(result.to_dict(), ensure_ascii=False)  # the JSON shape always serialises


@FUZZ
@given(values=st.lists(st.one_of(ANY_TEXT, st.sampled_from(SYNTAX)), min_size=1, max_size=3),
       name=st.sampled_from(["province", "province_2025", "year", "directive", "date_from", "date_to"]))
def test_service_bad_filters_raise_only_query_error(mini_service, values, name):
    value = values if name not in ("date_from", "date_to") else values[0]
    try:
        mini_service.search(SearchRequest(q="dân vận", **{name: value}))
    except QueryError as exc:
        assert str(exc)


# --- HTTP API ---------------------------------------------------------------------

@pytest.fixture
def client(mini_home):
    from search_app import create_app

    app = create_app({"DANVAN_HOME": str(mini_home), "TESTING": True})
    return app.test_client()


PARAM = st.sampled_from(["q", "page", "limit", "sort", "year", "province", "province_2025", "directive",
                         "date_from", "date_to", "provinces", "x"])


@FUZZ
@given(args=st.lists(st.tuples(PARAM, st.one_of(QUERY, PAGE.map(str))), max_size=6),
       path=st.sampled_from(["/search", "/search.json", "/", "/export.jsonl"]))
def test_http_never_500_and_errors_have_one_json_shape(client, args, path):
    from urllib.parse import urlencode

    response = client.get(path + "?" + urlencode(args))
    assert response.status_code in (200, 400, 414), response.status_code
    if path.endswith((".json", ".jsonl")) and response.status_code != 200:
        error = response.get_json()["error"]
        assert error["status"] == response.status_code and error["message"] and error["title"]
    if path == "/search.json" and response.status_code == 200:
        assert set(response.get_json()) >= {"total", "hits", "facets", "page"}


@FUZZ
@given(tail=st.one_of(ANY_TEXT, st.lists(st.sampled_from(SYNTAX + ["%2F", "%2e%2e", "%00", "..", "/"]),
                                        max_size=10).map("".join)),
       prefix=st.sampled_from(["/doc/", "/directive/"]), json_twin=st.booleans())
def test_http_paths_never_500(client, tail, prefix, json_twin):
    from urllib.parse import quote

    path = prefix + quote(tail, safe="/%") + (".json" if json_twin else "")
    response = client.get(path)
    assert response.status_code in (200, 301, 308, 400, 404), (path, response.status_code)


# --- CLI --------------------------------------------------------------------------

@FUZZ
@given(q=QUERY, page=PAGE, as_json=st.booleans())
def test_cli_search_exits_0_1_or_2_without_traceback(mini_home, q, page, as_json):
    from click.testing import CliRunner

    from cli import cli

    args = ["search", "--data-dir", str(mini_home), "--page", str(page)] + (["--json"] if as_json else []) + ["--", q]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 0 and as_json:
        json.loads(result.output)


@FUZZ
@example(lines=['{"qid": 1, "query": "a\u2028b \x85 \u2029"}'])  # found by this test: raw line separators in the output
@example(lines=["\x1f"])  # blank to str.strip(), not to a JSONL reader: a line, and an error
@given(lines=st.lists(st.one_of(ANY_TEXT, st.builds(lambda q, p: json.dumps({"qid": 1, "query": q, "page": p}),
                                                         QUERY, st.one_of(PAGE, ANY_TEXT))), max_size=5))
def test_cli_batch_search_reports_bad_lines_and_goes_on(mini_home, tmp_path, lines):
    from click.testing import CliRunner

    from cli import cli

    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["search", "--data-dir", str(mini_home), "--batch", str(batch)])
    assert result.exit_code in (0, 2), (result.output, result.exception)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == sum(1 for line in batch.read_bytes().split(b"\n") if line.strip())
    failed = sum("error" in x for x in out)
    assert (result.exit_code == 2) == bool(failed)  # a bad line is never silent
    if failed:
        assert f"{failed} of {len(out)} batch lines not run" in result.stderr


@pytest.mark.parametrize("args, codes", [
    (["search", "dân vận khéo"], {0}),
    (["search", '"(unbalanced title:* ~^ AND'], {0}),
    (["search", "x" * 10_000], {0}),
    (["search", "dân", "--page", str(10**30)], {2}),
    (["search", "dân", "--page", "abc"], {2}),
    (["search", "dân", "--year", "20x9"], {2}),
    (["search", "dân", "--province", "../../etc/passwd"], {2}),
    (["search", ""], {2}),
])
def test_real_cli_processes_exit_cleanly(mini_home, args, codes):
    env = {**os.environ, "DANVAN_HOME": str(mini_home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode in codes, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    if proc.returncode:
        assert proc.stderr.strip().startswith(("Error", "Usage")), proc.stderr
