"""The speed benchmark's synthetic corpus (benchmarks/synthetic.py) and its FTS5 baseline (benchmarks/fts5.py).

No timings: what is checked is that the corpus is deterministic, that a size is a prefix of a
larger one, that it goes on past the end of its source, and that its metadata has the promised
distribution (and is what danvan's own import and extraction see).
"""
from __future__ import annotations

import importlib.util
import json
import lzma
import re
import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


synthetic = _module("synthetic")
fts5 = _module("fts5")

CITED = re.compile(r" số (\S+) ngày (\d+/\d+/(\d+) của .+? về .+?), các cấp, các ngành đã tổ chức quán triệt")
ARTICLES = [  # (title, paragraphs): a source of five articles, written here
    ("Hội nghị sơ kết công tác dân vận", ["Sáng nay, Ban Dân vận Tỉnh ủy tổ chức hội nghị sơ kết.",
                                          "Hội nghị đánh giá kết quả phong trào thi đua Dân vận khéo.",
                                          "Các đại biểu thảo luận nhiều giải pháp."]),
    ("", ["Nông dân thu hoạch lúa sớm để tránh bão. Năng suất đạt cao.", "Giá lúa tăng nhẹ so với vụ trước."]),
    ("Tiếp công dân định kỳ", ["Lãnh đạo huyện tiếp công dân định kỳ tại trụ sở.", "Nhiều kiến nghị được giải quyết.",
                              "Người dân đánh giá cao sự cầu thị.", "Buổi tiếp kéo dài đến trưa."]),
    ("Xây dựng nông thôn mới", ["Xã đạt chuẩn nông thôn mới nâng cao.", "Đường giao thông được bê tông hóa."]),
    ("Hòa giải ở cơ sở", ["Tổ hòa giải thôn giải quyết mâu thuẫn giữa hai gia đình.", "Hai bên đã đồng thuận."]),
]


@pytest.fixture
def small_source(tmp_path) -> tuple[Path, Path]:
    """A five-article source (xz JSONL, one article without text) and a two-row portal catalogue."""
    source = tmp_path / "news.jsonl.xz"
    with lzma.open(source, "wt", encoding="utf-8") as f:
        for i, (title, paragraphs) in enumerate(ARTICLES):
            f.write(json.dumps({"id": f"a{i}", "title": title, "text": "\n".join(paragraphs)}, ensure_ascii=False) + "\n")
            if i == 2:
                f.write(json.dumps({"id": "empty", "title": "x", "text": "  "}) + "\n")
    catalogue = tmp_path / "portals.tsv"
    catalogue.write_text("name\tprovince\tkind\tstart_url\n"
                         "Báo Hà Giang\tHà Giang\tnewspaper\thttps://baohagiang.vn/tin-tuc\n"
                         "Tạp chí Dân vận\tTrung ương\tnational\thttp://danvan.vn/Home/\n", encoding="utf-8")
    return source, catalogue


def _docs(n: int, source: Path, catalogue: Path, seed: int = synthetic.SEED) -> list[dict]:
    return list(synthetic.documents(n, seed=seed, source=source, catalogue=catalogue))


def test_the_corpus_is_deterministic_a_prefix_of_larger_sizes_and_goes_on_past_its_source(small_source):
    source, catalogue = small_source
    docs = _docs(23, source, catalogue)
    assert docs == _docs(23, source, catalogue)
    assert _docs(9, source, catalogue) == docs[:9]
    assert _docs(23, source, catalogue, seed=synthetic.SEED + 1) != docs
    # 23 documents from 5 articles: every id once, each a title of its article (or its opening), each
    # text starting with its article's opening and made of the source's paragraphs and citations.
    assert len({d["id"] for d in docs}) == 23
    paragraphs = {p for _, ps in ARTICLES for p in ps}
    for i, doc in enumerate(docs):
        title, own = ARTICLES[i % 5]
        assert doc["title"] == (title or "Nông dân thu hoạch lúa sớm để tránh bão")
        parts = doc["text"].split("\n\n")
        assert parts[0] == own[0]
        cited = [p for p in parts if p not in paragraphs]
        assert len(cited) == len(doc["directives"])
        for number in doc["directives"]:
            assert any(f" số {number} ngày " in sentence for sentence in cited)
        assert doc["source"] in ("Báo Hà Giang", "Tạp chí Dân vận")
        assert doc["url"].startswith(("https://baohagiang.vn/", "https://danvan.vn/"))
    # Later passes over the source recombine its paragraphs instead of repeating its articles.
    assert len({d["text"] for d in docs}) > 15


def test_write_is_atomic_and_every_record_imports(small_source, tmp_path):
    from corpus.store.db import Store
    from corpus.store.importer import import_paths

    source, catalogue = small_source
    path, summary = synthetic.ensure(tmp_path / "work", 40, source=source, catalogue=catalogue)
    assert path.exists() and not path.with_name(path.name + ".part").exists()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records == _docs(40, source, catalogue)
    assert summary["docs"] == 40
    assert summary["text_mb"] == pytest.approx(sum(len((r["text"] + r["title"]).encode()) for r in records) / 1e6)
    assert synthetic.ensure(tmp_path / "work", 40, source=source, catalogue=catalogue) == (path, summary)  # the second run reads it back
    with Store(tmp_path / "store.sqlite") as store:
        report = import_paths(store, [path])
        assert (report.outcomes["added"], report.skipped) == (40, 0)
        for rec in records:
            doc = store.get(rec["id"])
            assert (doc.province, doc.published, doc.directives) == (rec["province"], rec["published"], rec["directives"])


@pytest.mark.shared
def test_metadata_follows_the_promised_distribution_on_the_news_corpus(shared_dir):
    from corpus.knowledge.directives import find_directives
    from corpus.knowledge.provinces import PROVINCES

    source = shared_dir / "data" / "vn-news-corpus.jsonl.xz"
    docs = _docs(2000, source, shared_dir / "sources" / "portals.tsv")
    profile = synthetic.profile(docs)
    assert 0.07 < profile["unknown_province"] < 0.13
    assert set(profile["provinces"]) <= set(PROVINCES) and len(profile["provinces"]) >= 40
    # Skewed: the most published province has several times the median province's documents.
    counts = sorted(profile["provinces"].values())
    assert counts[-1] > 4 * counts[len(counts) // 2]
    years = profile["years"]
    assert min(years) >= 2006 and max(years) <= 2026 and len(years) >= 18
    assert sum(years[y] for y in range(2018, 2025)) > 3 * sum(years[y] for y in range(2006, 2013))
    assert synthetic.CITING_SHARE - 0.05 < profile["citing"] < synthetic.CITING_SHARE + 0.05
    assert 1.5 < profile["citations_per_citing"] < 3.5
    assert profile["numbers"].most_common(1)[0][0] == "25-NQ/TW"
    assert len(profile["sources"]) >= 30
    assert all(d["title"] for d in docs)
    # Lengths follow the source's: the same articles' lengths, within a quarter at the median and p95.
    real = []
    with lzma.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text") or ""
            if text.strip():
                real.append(len(text))
            if len(real) == 2000:
                break
    real.sort()
    assert 0.8 < profile["median_chars"] / statistics.median(real) < 1.25
    assert 0.8 < profile["p95_chars"] / real[int(0.95 * 1999)] < 1.25
    # A number is cited with one date, issuer and subject everywhere, and never before its year.
    details: dict[str, set[str]] = {}
    for doc in docs:
        for number, issued, year in CITED.findall(doc["text"]):
            details.setdefault(number, set()).add(issued)
            assert int(year) <= int(doc["published"][:4])
    assert set(details) == set(profile["numbers"]) and all(len(v) == 1 for v in details.values())
    # Every number a record gives is written in its text, where danvan's extractor finds it.
    for doc in docs[:300]:
        found = find_directives(doc["text"])
        assert set(doc["directives"]) <= set(found[0] if isinstance(found, tuple) else found), doc["id"]


def test_the_fts5_baseline_counts_facets_over_the_same_records(small_source, tmp_path):
    source, catalogue = small_source
    jsonl = tmp_path / "docs.jsonl"
    docs = _docs(60, source, catalogue)
    jsonl.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    assert fts5.build(tmp_path / "fts.sqlite", jsonl)["docs"] == 60
    fts = fts5.Fts(tmp_path / "fts.sqlite")
    found = fts.search('"hòa giải"', {})
    expected = sum("hòa giải" in (d["title"] + " " + d["text"]).lower() for d in docs)
    assert found["total"] == expected > 0
    assert sum(n for _, n in found["facets"]["year"]) == expected
    number = docs[0]["directives"][0] if docs[0]["directives"] else "25-NQ/TW"
    by_number = fts.search(number, {})
    assert by_number["total"] == sum(number in d["directives"] for d in docs) > 0
    year = found["facets"]["year"][0][0]
    filtered = fts.search('"hòa giải"', {"year": [year]})
    assert filtered["total"] == found["facets"]["year"][0][1]


def test_a_build_process_and_its_largest_child_are_measured_apart(tmp_path):
    """speed.py's ``_measured`` tells the parent's peak RSS from its largest child's (an index worker's): a real
    process whose child holds ~200 MB and exits, the parent staying small."""
    speed = _module("speed")
    script = ("import os, time\n"
              "pid = os.fork()\n"
              "if pid == 0:\n"
              "    block = bytearray(200 * 2**20)\n"  # touched: resident
              "    time.sleep(0.6)\n"
              "    os._exit(0)\n"
              "os.waitpid(pid, 0)\n")
    got = speed._measured([sys.executable, "-c", script], tmp_path / "log")
    assert got["rss_child_mb"] >= 200 and got["rss_parent_mb"] < 100
    assert got["rss_process_mb"] >= 200 and got["cpu_seconds"] >= 0
    assert speed._peaks(1, {1: 300, 2: 900}, 1000) == (300, 1000)  # the child's last moments escaped the polling
    assert speed._peaks(1, {1: 1000, 2: 900}, 1000) == (1000, 900)
