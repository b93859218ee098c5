"""Phrase timelines: counts equal those computed directly from the stored texts of a corpus written here."""
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
from corpus.knowledge.vietnamese import fold, normalize
from indexer.search import QueryError, SearchRequest, SearchService
from indexer.trends import timelines
from tests.conftest import build_home

ROOT = Path(__file__).resolve().parent.parent

# Ways a text may carry (or seem to carry) the phrases counted below.
FORMS = [
    "chuyển đổi số", "Chuyển Đổi Số", "CHUYỂN ĐỔI SỐ", "chuyen doi so", "chuyển, đổi số",  # all match
    "chuyển đổi", "số hóa chuyển đổi", "đổi số chuyển",  # none does
    "hòa giải", "hoà giải", "Hoà Giải", "hoa giai", "hòa - giải",  # tone placement and case
    "dân vận khéo", "Dân vận khéo", "vận khéo dân",
]
FILLER = ["Cán bộ xã", "tuyên truyền", "vận động nhân dân", "xây dựng nông thôn mới", "ở cơ sở", "thôn bản"]
PROVINCES = ["Hà Giang", "Tuyên Quang", "Vĩnh Long", "Bến Tre", "Quảng Ninh", None]


def corpus(seed: int = 7, n: int = 120) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        year = rng.choice([2017, 2018, 2019, 2020, 2021, 2022, 2023, None])
        published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if year else None
        words = rng.sample(FILLER, 3) + rng.sample(FORMS, rng.randint(0, 3))
        rng.shuffle(words)
        title = rng.choice(["Tin hoạt động", "Tổng kết công tác", rng.choice(FORMS).capitalize()])
        docs.append(Document(id=f"t{i:03d}", title=title, text=". ".join(words) + ".", published=published,
                             year=year, province=rng.choice(PROVINCES)))
    return docs


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_home(tmp_path_factory.mktemp("trends"), corpus())


def syllables(text: str) -> list[str]:
    """Folded, lower-cased syllables (punctuation between them does not separate a phrase)."""
    return re.findall(r"[^\W_]+", fold(normalize(text)).lower())


def contains(text: str, phrase: str) -> bool:
    words, sylls = syllables(phrase), syllables(text)
    return any(sylls[i:i + len(words)] == words for i in range(len(sylls) - len(words) + 1))


def expected(store: Store, phrase: str, by: str, keep=lambda doc: True) -> tuple[int, dict]:
    """(total, {bucket: (count, per_1000)}) computed from the stored documents, without the index."""
    docs = [d for d in store if keep(d)]
    found = [d for d in docs if contains(d.title or "", phrase) or contains(d.text, phrase)]
    value = (lambda d: d.year) if by == "year" else (lambda d: getattr(d, by))
    base = Counter(value(d) for d in docs if value(d) is not None)
    hits = Counter(value(d) for d in found if value(d) is not None)
    return len(found), {v: (hits[v], round(hits[v] * 1000 / base[v], 2)) for v in base}


@pytest.mark.parametrize("phrase", ["chuyển đổi số", "chuyen doi so", "hoà giải", "HÒA GIẢI", "dân vận khéo"])
@pytest.mark.parametrize("by", ["year", "province", "province_2025"])
def test_counts_equal_the_counts_of_the_stored_texts(home, phrase, by):
    service = SearchService(config.index_path(home))
    [trend] = timelines(service, [phrase], SearchRequest(), by)
    with Store(config.store_path(home)) as store:
        total, buckets = expected(store, phrase, by)
    assert trend.term == phrase and trend.total == total
    assert {b.value: (b.count, b.per_1000) for b in trend.buckets} == buckets
    assert total > 5  # the corpus does hold the phrase: the test can fail


def test_counts_under_filters_and_equal_to_search_hits(home):
    service = SearchService(config.index_path(home))
    req = SearchRequest(province_2025=["Tuyên Quang"])
    trends = timelines(service, ["chuyển đổi số", "dân vận khéo"], req, "year")
    with Store(config.store_path(home)) as store:
        for trend in trends:
            total, buckets = expected(store, trend.term, "year", lambda d: d.province_2025 == "Tuyên Quang")
            assert trend.total == total
            assert {b.value: (b.count, b.per_1000) for b in trend.buckets} == buckets
    for b in trends[0].buckets:  # one bucket's count is the search's hit count for that year
        hits = service.search(SearchRequest(q='"chuyển đổi số"', province_2025=["Tuyên Quang"], year=[str(b.value)]))
        assert hits.total == b.count
    assert [b.value for b in trends[0].buckets] == sorted(b.value for b in trends[0].buckets)


def test_bad_requests_name_the_parameter(home):
    service = SearchService(config.index_path(home))
    for phrases, by, name in ((["a", "b", "c", "d", "e", "f"], "year", "q"), ([], "year", "q"),
                              (["!!!"], "year", "q"), (["x"], "source", "by")):
        with pytest.raises(QueryError) as err:
            timelines(service, phrases, SearchRequest(), by)
        assert err.value.name == name


def run(*args, home):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


def shape(data):
    """The contract's keys, recursively: scripts rely on exactly these."""
    assert list(data) == ["terms"]
    for term in data["terms"]:
        assert list(term) == ["term", "total", "buckets"]
        for bucket in term["buckets"]:
            assert list(bucket) == ["value", "count", "per_1000"]


def test_cli_json_is_the_contract_and_matches_the_library(home):
    out = run("trends", "chuyển đổi số", "hoa giai", "--by", "province", "--year", "2020", "--json", home=home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    shape(data)
    service = SearchService(config.index_path(home))
    lib = timelines(service, ["chuyển đổi số", "hoa giai"], SearchRequest(year=["2020"]), "province")
    assert data == {"terms": [t.to_dict() for t in lib]}
    text = run("trends", "chuyển đổi số", home=home)
    assert text.returncode == 0 and "chuyển đổi số:" in text.stdout and "/ 1.000" in text.stdout
    bad = run("trends", *"a b c d e f".split(), home=home)
    assert bad.returncode == 2 and "at most 5" in bad.stderr and "Traceback" not in bad.stderr
    bad = run("trends", "x", "--province", "Atlantis", home=home)
    assert bad.returncode == 2 and "--province" in bad.stderr


def test_web_page_draws_an_svg_and_the_json_twin_is_the_contract(home):
    from search_app import create_app

    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    data = client.get("/trends.json?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91&q=hoa+giai").get_json()
    shape(data)
    service = SearchService(config.index_path(home))
    assert data == {"terms": [t.to_dict() for t in timelines(service, ["chuyển đổi số", "hoa giai"],
                                                                 SearchRequest(), "year")]}
    page = client.get("/trends?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91&q=%3Cscript%3Ex&province=H%C3%A0+Giang")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<polyline" in html and "&lt;script&gt;x" in html and "<script>x" not in html
    assert "<script>" not in html.replace('<script src=', '')  # no inline script: the CSP forbids it
    assert "province=H%C3%A0+Giang" in html  # the filter travels in the links
    assert '/search?q=%22chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91%22&amp;province=H%C3%A0+Giang' in html
    assert client.get("/trends").status_code == 200  # the empty form
    assert client.get("/trends.json").status_code == 400
    assert client.get("/trends.json?q=x&by=source").status_code == 400
    assert client.get("/trends?q=x&by=province").status_code == 200


def test_the_word_limit_counts_words_as_typed_not_the_parts_of_numbers(tmp_path):
    """32 typed words whose numbers ("COVID-19", "2021-25") make 48 syllables: counted whole, not refused or cut."""
    phrase = " ".join(["COVID-19", "ở", "xã", "2021-25"] * 8)
    assert len(phrase.split()) == 32 and len(syllables(phrase)) == 48
    # The same first 32 syllables, then other words: only a cut phrase would count it.
    cut = " ".join(syllables(phrase)[:32]) + " khác hẳn"
    home = build_home(tmp_path, [Document(id="whole", title="Tin", text=f"Mở đầu. {phrase}. Kết thúc."),
                                 Document(id="cut", title="Tin", text=f"Mở đầu. {cut}. Kết thúc.")])
    service = SearchService(config.index_path(home))
    [trend] = timelines(service, [phrase], SearchRequest(), "year")
    assert trend.total == 1
    with pytest.raises(QueryError, match="at most 32 words, not 33"):
        timelines(service, [phrase + " nữa"], SearchRequest(), "year")


def test_a_phrase_with_typographic_quotes_is_counted_whole(tmp_path):
    """Pasted from a word processor: "phong trào “Dân vận khéo”" is one phrase, not "phong trào" and "dân vận
    khéo" anywhere."""
    home = build_home(tmp_path, [Document(id="whole", title="Tin", text="Hưởng ứng phong trào Dân vận khéo ở xã."),
                                 Document(id="apart", title="Tin", text="Dân vận khéo. Phong trào thi đua.")])
    service = SearchService(config.index_path(home))
    typed = ["phong trào “Dân vận khéo”", "phong trào \"Dân vận khéo\"", "„phong trào” dân vận khéo"]
    assert [t.total for t in timelines(service, typed, SearchRequest(), "year")] == [1, 1, 1]
    # A quote mark inside a word parts it, for the search as for the word limit (else the search would cut it).
    with pytest.raises(QueryError, match="at most 32 words, not 33"):
        timelines(service, [" ".join(["xã"] * 31 + ["thôn”bản"])], SearchRequest(), "year")
