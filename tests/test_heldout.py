"""Issue 19 measured from outside, on a held-out corpus (tests/heldout.py) imported with the real CLI:
the facts stored, exact phrase timelines (CLI and web), planted phrases among significant terms, keywords
that do not depend on the index build's worker count."""
import json
import os
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests import heldout
from tests.heldout import PHRASES, TOPICS

ROOT = Path(__file__).resolve().parent.parent
BY = ("year", "province", "province_2025")


def danvan(*args, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    """The real CLI on this checkout, in a subprocess."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "DANVAN_HOME": str(home),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=900)
    if check:
        assert out.returncode == 0, out.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(the documents, a home imported and indexed in one process, a home indexed by two worker processes)."""
    docs = heldout.generate()
    work = tmp_path_factory.mktemp("heldout")
    path = heldout.write_jsonl(docs, work / "heldout.jsonl")
    one, two = work / "one", work / "two"
    imported = danvan("import", path, "--procs", "1", home=one)
    assert f"imported {len(docs)} documents ({len(docs)} new" in imported.stdout, imported.stdout + imported.stderr
    danvan("index", "--rebuild", "--procs", "1", home=one)
    danvan("import", path, "--no-index", "--procs", "2", home=two)
    danvan("index", "--rebuild", "--procs", "2", home=two)
    return docs, one, two


def test_the_store_holds_what_a_reader_knows_of_each_record(corpus):
    docs, home, _ = corpus
    exported = danvan("export", "-o", home / "all.jsonl", home=home)
    stored = {row["id"]: row for row in map(json.loads, (home / "all.jsonl").read_text(encoding="utf-8").splitlines())}
    assert len(stored) == len(docs), exported.stderr
    wrong = Counter()
    for doc in docs:
        row = stored[doc.id]
        for name in ("year", "published", "province", "province_2025", "genre", "period"):
            if row[name] != getattr(doc, name):
                wrong[name] += 1
                print(doc.id, name, row[name], "!=", getattr(doc, name), doc.title)
        if set(row["directives"]) != set(doc.directives):
            wrong["directives"] += 1
            print(doc.id, "directives", row["directives"], "!=", doc.directives)
    assert not wrong


# Filters as the CLI takes them, the web's parameters, and the documents they keep.
FILTERS = [
    ([], {}, lambda d: True),
    (["--year", "2019", "--year", "2020", "--year", "2021"], {"year": ["2019", "2020", "2021"]},
     lambda d: d.year in (2019, 2020, 2021)),
    (["--from", "2018-03-01", "--to", "2022-06-30"], {"date_from": "2018-03-01", "date_to": "2022-06-30"},
     lambda d: d.published is not None and "2018-03-01" <= d.published <= "2022-06-30"),
    (["--province", "ha giang"], {"province": "ha giang"}, lambda d: d.province == "Hà Giang"),
    (["--province-2025", "Vĩnh Long"], {"province_2025": "Vĩnh Long"}, lambda d: d.province_2025 == "Vĩnh Long"),
    (["--genre", "plan", "--genre", "six_month_review"], {"genre": ["plan", "six_month_review"]},
     lambda d: d.genre in ("plan", "six_month_review")),
    (["--directive", "25/nq-tw"], {"directive": "25/nq-tw"}, lambda d: "25-NQ/TW" in d.directives),
    (["--period", "2020"], {"period": "2020"}, lambda d: d.period == "2020"),
    (["--province-2025", "Tuyên Quang", "--from", "2016-01-01"], {"province_2025": "Tuyên Quang", "date_from": "2016-01-01"},
     lambda d: d.province_2025 == "Tuyên Quang" and d.published is not None and d.published >= "2016-01-01"),
]


def expected(docs, phrases, by, keep):
    """The contract's JSON computed from the generated texts: {"terms": [{term, total, buckets}]}."""
    kept = [d for d in docs if keep(d)]
    base = Counter(getattr(d, by) for d in kept if getattr(d, by) is not None)
    order = sorted(base) if by == "year" else sorted(base, key=heldout.fold)
    terms = []
    for phrase in phrases:
        found = [d for d in kept if heldout.contains(d, phrase)]
        hits = Counter(getattr(d, by) for d in found)
        terms.append({"term": phrase, "total": len(found), "buckets": [
            {"value": v, "count": hits[v], "per_1000": round(hits[v] * 1000 / base[v], 2)} for v in order]})
    return {"terms": terms}


def _sorted_buckets(data):
    """Bucket order by province follows the product's collation; counts are what is compared."""
    return {"terms": [{**t, "buckets": sorted(t["buckets"], key=lambda b: str(b["value"]))} for t in data["terms"]]}


@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("options,params,keep", FILTERS, ids=[" ".join(f[0]) or "all" for f in FILTERS])
def test_timelines_equal_the_counts_of_the_generated_texts(corpus, app, by, options, params, keep):
    docs, home, _ = corpus
    want = expected(docs, PHRASES, by, keep)
    assert sum(t["total"] for t in want["terms"]) > 0  # the filter keeps documents holding the phrases
    out = danvan("trends", *PHRASES, "--by", by, *options, "--json", home=home)
    got = json.loads(out.stdout)
    assert _sorted_buckets(got) == _sorted_buckets(want)
    if by == "year":
        assert [b["value"] for b in got["terms"][0]["buckets"]] == [b["value"] for b in want["terms"][0]["buckets"]]
    web = app.get("/trends.json?" + urlencode([("q", p) for p in PHRASES] + [("by", by)] + list(params.items()),
                                              doseq=True))
    assert web.status_code == 200, web.get_data(as_text=True)
    assert web.get_json() == got


@pytest.fixture(scope="module")
def app(corpus):
    from search_app import create_app

    return create_app({"DANVAN_HOME": str(corpus[1]), "TESTING": True}).test_client()


TYPED = ["hoà giải ở cơ sở", "HOA GIAI O CO SO", "thuỷ lợi nội đồng", "xoa nha tam",
         unicodedata.normalize("NFD", "kinh tế tập thể")]


def test_a_phrase_typed_any_way_counts_the_same_documents(corpus):
    docs, home, _ = corpus
    got = json.loads(danvan("trends", *TYPED, "--json", home=home).stdout)
    want = expected(docs, TYPED, "year", lambda d: True)
    for typed, term in zip(TYPED, got["terms"]):
        assert term["term"] == " ".join(typed.split())
    assert [{**t, "term": None} for t in got["terms"]] == [{**t, "term": None} for t in want["terms"]]
    plain = {t["term"]: t["total"] for t in expected(docs, PHRASES, "year", lambda d: True)["terms"]}
    assert [t["total"] for t in got["terms"]] == [plain[p] for p in (PHRASES[0], PHRASES[0], *PHRASES[1:4])]


def test_near_misses_and_title_only_phrases_are_in_the_corpus(corpus):
    """The corpus does test what it claims: each phrase has title-only holders, texts without
    diacritics, NFD texts and near-misses that do not count."""
    docs, _, _ = corpus
    for phrase in PHRASES:
        title_only = [d for d in docs if heldout.holds(d.title, phrase) and not heldout.holds(d.text, phrase)]
        missed = [d for d in docs if any(m in d.text for m in heldout.NEAR_MISSES[phrase])
                  and not heldout.contains(d, phrase)]
        assert title_only and missed, phrase
    assert any(d.text != unicodedata.normalize("NFC", d.text) for d in docs)


def test_more_than_five_phrases_is_a_clear_error(corpus, app):
    _, home, _ = corpus
    six = [*PHRASES, "dân vận khéo"]
    out = danvan("trends", *six, "--json", home=home, check=False)
    assert out.returncode == 2 and "at most 5 phrases at once, not 6" in out.stderr and "Traceback" not in out.stderr
    web = app.get("/trends.json?" + urlencode([("q", p) for p in six]))
    assert web.status_code == 400 and "at most 5" in json.dumps(web.get_json(), ensure_ascii=False)


def significant(home, query):
    data = json.loads(danvan("search", query, "--json", home=home).stdout)
    return data, {t["term"]: t["count"] for t in data["significant_terms"]}


@pytest.mark.parametrize("typed", ["an ninh trật tự", "an ninh trat tu", "vay vốn ưu đãi", "vay von uu dai"])
def test_a_phrase_planted_in_a_topic_is_among_its_significant_terms_with_its_exact_count(corpus, typed):
    docs, home, _ = corpus
    topic = next(name for name, (query, *_) in TOPICS.items() if heldout.fold(query) == heldout.fold(typed))
    query, _, planted, term = TOPICS[topic]
    matching = [d for d in docs if heldout.has_all(d, query)]
    data, terms = significant(home, typed)
    assert data["total"] == len(matching)
    assert term in terms, terms
    assert terms[term] == sum(planted in unicodedata.normalize("NFC", d.text) for d in matching)
    others = {t for name, (_, _, _, t) in TOPICS.items() if t and name != topic}
    assert not others & set(terms)


def test_a_planted_phrase_is_not_significant_for_an_unrelated_topic(corpus, app):
    _, home, _ = corpus
    data, terms = significant(home, TOPICS["water"][0])
    assert terms and not {TOPICS["security"][3], TOPICS["livelihood"][3]} & set(terms)
    web = app.get("/search.json?" + urlencode({"q": TOPICS["water"][0]})).get_json()
    assert web["significant_terms"] == data["significant_terms"]


def test_keywords_and_significant_terms_do_not_depend_on_the_worker_count(corpus):
    from corpus.store import config
    from indexer.search import SearchService

    docs, one, two = corpus
    first, second = SearchService(config.index_path(one)), SearchService(config.index_path(two))
    differ = [d.id for d in docs if first.keywords(d.id) != second.keywords(d.id)]
    assert not differ, (len(differ), differ[:5], first.keywords(differ[0]), second.keywords(differ[0]))
    assert sum(bool(first.keywords(d.id)) for d in docs) > len(docs) * 0.9
    for query in ("an ninh trật tự", "nước sạch"):
        assert significant(one, query)[0]["significant_terms"] == significant(two, query)[0]["significant_terms"]


def test_a_phrase_longer_than_a_search_reads_is_refused_not_counted_as_its_first_words(tmp_path):
    from corpus.store import config
    from corpus.store.document import Document
    from indexer.search import QueryError, SearchRequest, SearchService
    from indexer.trends import timelines
    from tests.conftest import build_home

    words = " ".join(heldout.FILLER).replace(",", "").replace(".", "").split()[:34]
    head = " ".join(words)
    home = build_home(tmp_path, [Document(id="a", text=head + " nông dân", published="2020-01-01"),
                                 Document(id="b", text=head + " phụ lão", published="2020-01-01")])
    service = SearchService(config.index_path(home))
    assert len(head + " phụ lão") <= 200  # within the characters a phrase may have
    with pytest.raises(QueryError, match="at most 32 words, not 36") as err:
        timelines(service, [head + " phụ lão"], SearchRequest())
    assert err.value.name == "q"
    [trend] = timelines(service, [" ".join(words[-30:]) + " phụ lão"], SearchRequest())
    assert trend.total == 1
