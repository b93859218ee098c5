"""A synthetic dân vận corpus of any size, recombined from the paragraphs of the news corpus.

``../shared/data/vn-news-corpus.jsonl.xz`` (119,568 usable articles) is read as an lzma stream,
again and again for sizes beyond it.  Document ``i`` takes the length (characters) of source
article ``i mod N``, that article's title and opening paragraph, and fills up to that length with
paragraphs drawn from a window of the last ``WINDOW`` paragraphs read (the source is ordered by
topic, so a document stays mostly on one topic).  Nothing is held in memory beyond the window.

Metadata is drawn per document from a generator seeded by (``seed``, ``i``), so document ``i`` is
the same in every run and for every size (a smaller corpus is a prefix of a larger one):

- ``province``: 63 names, skewed (a few provinces publish most), 10 % unknown;
- ``published``: 2006-2026, more recent years more frequent;
- ``source`` and ``url``: a portal of the catalogue (``../shared/sources/portals.tsv``) of the
  document's province, or a national one;
- ``directives``: ``CITING_SHARE`` of the documents cite ``CITATIONS`` numbers from a pool of 400
  with a Pareto tail, each in a citation sentence put into the text (so it is found in the text
  as on a real portal), and given as the record's ``directives``.  A number has one date, issuer
  and subject wherever it is cited, and is cited only from its year on.

Usage: python benchmarks/synthetic.py 1000 /tmp/syn-1000.jsonl
"""
from __future__ import annotations

import functools
import json
import lzma
import os
import random
import sys
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if not SHARED.exists():  # run from a worktree elsewhere
    SHARED = Path("/work/shared")
SOURCE = SHARED / "data" / "vn-news-corpus.jsonl.xz"
PORTALS = SHARED / "sources" / "portals.tsv"
VERSION = 3  # part of the cached file's name: change it when the generator's output changes
SEED = 20
WINDOW = 4000  # paragraphs a document can draw from: ~500 source articles, mostly of one topic
UNKNOWN_PROVINCE = 0.10
# Share of documents that cite at least one document number.  The news texts themselves cite
# one in 1 % (find_directives over the politics and law topics); dân vận portal pages far more:
# 2 of the 5 real portal pages of ../shared/corpus/seeds (9 and 2 numbers).
CITING_SHARE = 0.40
# Numbers cited by a citing document, as weights: the 42 articles of the fixture portals
# (../shared/fixtures/sites/gold.jsonl: 1 x13, 2 x9, 3 x14, 4 x5, 5 x1) and the seeds' 9.
CITATIONS = {1: 13, 2: 10, 3: 14, 4: 5, 5: 1, 9: 1}
# How a citation is written: the number's type code -> the document's name; issuer code -> issuer.
KIND_NAMES = {"NQ": "Nghị quyết", "CT": "Chỉ thị", "KL": "Kết luận", "QĐ": "Quyết định", "KH": "Kế hoạch",
              "CTr": "Chương trình"}
ISSUERS = {"TW": ("Bộ Chính trị", "Ban Chấp hành Trung ương Đảng", "Ban Bí thư"), "TU": ("Ban Thường vụ Tỉnh ủy",),
           "TTg": ("Thủ tướng Chính phủ",), "UBND": ("Ủy ban nhân dân tỉnh",)}
CITATION_LEADS = ("Thực hiện", "Quán triệt", "Triển khai", "Theo", "Căn cứ")
CITATION_TOPICS = ("công tác dân vận trong tình hình mới", "tăng cường công tác dân vận của Đảng",
                   "thực hiện quy chế dân chủ ở cơ sở", "xây dựng nông thôn mới", "phong trào thi đua Dân vận khéo",
                   "công tác tiếp công dân và giải quyết khiếu nại, tố cáo", "đẩy mạnh chuyển đổi số")
EXTRA = ("source", "url")  # record fields besides the facets and the text


def directive_pool() -> list[str]:
    """A few hundred canonical numbers; the first ones are the famous ones."""
    pool = ["25-NQ/TW", "16/CT-TTg", "23-QĐ/TW", "120-KL/TW", "18-NQ/TW", "33/CT-TTg"]
    kinds = ["{n}-NQ/TW", "{n}-KH/TU", "{n}/CT-TTg", "{n}-KL/TW", "{n}-QĐ/TW", "{n}/QĐ-UBND", "{n}-CTr/TU"]
    rng = random.Random(7)
    while len(pool) < 400:
        number = rng.choice(kinds).format(n=rng.randint(1, 400))
        if number not in pool:
            pool.append(number)
    if "211-KH/TU" not in pool:
        pool[200] = "211-KH/TU"
    return pool


@functools.lru_cache(maxsize=None)
def issue(number: str) -> tuple[int, int, int, str, str]:
    """Day, month, year, issuer and subject of a cited number: the same wherever it is cited."""
    rng = random.Random(f"issue/{number}")
    issuer_code = number.rsplit("/", 1)[1].rsplit("-", 1)[-1]
    issuer = rng.choice(ISSUERS.get(issuer_code, ("Ban Dân vận Tỉnh ủy",)))
    return rng.randint(1, 28), rng.randint(1, 12), rng.randint(1998, 2024), issuer, rng.choice(CITATION_TOPICS)


def metadata(rng: random.Random, provinces: list[str], pool: list[str]) -> dict:
    """Province, publication date and cited numbers of one document, drawn from ``rng``."""
    # Skewed like real portals: some provinces publish far more.
    province = provinces[min(len(provinces) - 1, int(rng.paretovariate(0.9)) - 1 + rng.randrange(0, 8))] \
        if rng.random() >= UNKNOWN_PROVINCE else None
    year = 2006 + min(20, int(rng.triangular(0, 21, 18)))
    published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    directives: list[str] = []
    if rng.random() < CITING_SHARE:
        count = rng.choices(list(CITATIONS), weights=list(CITATIONS.values()))[0]
        for _ in range(count * 5):  # draws more than needed: famous numbers come up again, later ones are not cited
            d = pool[min(len(pool) - 1, int(rng.paretovariate(0.7)) - 1)] if rng.random() < 0.6 else rng.choice(pool)
            if d not in directives and issue(d)[2] <= year:
                directives.append(d)
            if len(directives) == count:
                break
    return {"province": province, "published": published, "directives": directives}


def citation(rng: random.Random, number: str) -> str:
    """A sentence citing ``number`` as portal articles do (type, number, date, issuer, subject)."""
    code = number.replace("/", "-").split("-")[1]
    day, month, year, issuer, subject = issue(number)
    return (f"{rng.choice(CITATION_LEADS)} {KIND_NAMES.get(code, 'Văn bản')} số {number} ngày {day}/{month}/{year} "
            f"của {issuer} về {subject}, các cấp, các ngành đã tổ chức quán triệt, "
            f"xây dựng kế hoạch và triển khai thực hiện.")


def portals(path: Path = PORTALS) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str]]]:
    """(name, host) of the catalogue's portals by province, and the national ones."""
    by_province: dict[str, list[tuple[str, str]]] = {}
    national: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            host = row["start_url"].split("/")[2]
            if row["kind"] == "national":
                national.append((row["name"], host))
            else:
                by_province.setdefault(row["province"], []).append((row["name"], host))
    return by_province, national


def _articles(source: Path) -> Iterator[tuple[str, list[str]]]:
    """(title, paragraphs) of each usable source article, the whole source again and again."""
    while True:
        found = 0
        with lzma.open(source, "rt", encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                paragraphs = [p.strip() for p in (obj.get("text") or "").split("\n") if p.strip()]
                if paragraphs:
                    found += 1
                    yield (obj.get("title") or "").strip(), paragraphs
        if not found:
            raise ValueError(f"{source}: no article with text")


def _headline(paragraph: str, most: int = 120) -> str:
    """A title for an article without one: its first sentence, cut at a word."""
    sentence = paragraph.split(". ")[0]
    if len(sentence) <= most:
        return sentence.rstrip(".")
    return sentence[:most].rsplit(" ", 1)[0]


def documents(n: int, *, seed: int = SEED, source: Path = SOURCE, catalogue: Path = PORTALS) -> Iterator[dict]:
    """``n`` synthetic records (id, url, source, title, text, province, published, directives), streamed."""
    from corpus.knowledge.provinces import PROVINCES

    provinces = list(PROVINCES)
    pool = directive_pool()
    by_province, national = portals(catalogue)
    window: deque[str] = deque(maxlen=WINDOW)
    articles = _articles(source)
    for i in range(n):
        title, paragraphs = next(articles)
        window.extend(paragraphs)
        rng = random.Random(f"{seed}/{i}")
        meta = metadata(rng, provinces, pool)
        cited = [citation(rng, number) for number in meta["directives"]]
        # The source article's length, citations included; a draw may overshoot it by a quarter at most.
        target = sum(len(p) for p in paragraphs) - sum(len(c) for c in cited)
        body = [paragraphs[0]]
        size = len(paragraphs[0])
        for _ in range(50):
            if size >= target:
                break
            p = window[rng.randrange(len(window))]
            if size + len(p) <= 1.25 * target:
                body.append(p)
                size += len(p)
        for sentence in cited:
            body.insert(rng.randint(1, len(body)), sentence)
        name, host = rng.choice(by_province.get(meta["province"] or "", []) or national)
        yield {"id": f"syn-{i:07d}", "url": f"https://{host}/tin-tuc/{i}.html", "source": name,
               "title": title or _headline(paragraphs[0]), "text": "\n\n".join(body), **meta}


def profile(records: list[dict]) -> dict:
    """Shares and spreads of a list of records: what the generator promises, checked by its test."""
    n = len(records)
    lengths = sorted(len(r["text"]) for r in records)
    citing = [r for r in records if r["directives"]]
    return {
        "docs": n,
        "unknown_province": sum(r["province"] is None for r in records) / n,
        "provinces": Counter(r["province"] for r in records if r["province"]),
        "years": Counter(int(r["published"][:4]) for r in records),
        "citing": len(citing) / n,
        "citations_per_citing": sum(len(r["directives"]) for r in citing) / max(1, len(citing)),
        "numbers": Counter(d for r in records for d in r["directives"]),
        "sources": Counter(r["source"] for r in records),
        "median_chars": lengths[n // 2],
        "p95_chars": lengths[int(0.95 * (n - 1))],
    }


def write(path: Path, n: int, *, seed: int = SEED, source: Path = SOURCE, catalogue: Path = PORTALS) -> dict:
    """Write ``n`` records to ``path`` as JSONL (atomically) and return {docs, text_mb, seed, version}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    text_bytes = 0
    with part.open("w", encoding="utf-8") as f:
        for rec in documents(n, seed=seed, source=source, catalogue=catalogue):
            text_bytes += len(rec["text"].encode("utf-8")) + len(rec["title"].encode("utf-8"))
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    summary = {"docs": n, "text_mb": text_bytes / 1e6, "seed": seed, "version": VERSION}
    path.with_name(path.name + ".json").write_text(json.dumps(summary))
    os.replace(part, path)
    return summary


def ensure(work: Path, n: int, *, source: Path = SOURCE, catalogue: Path = PORTALS) -> tuple[Path, dict]:
    """The synthetic corpus of ``n`` documents under ``work``, written by an earlier run or now."""
    path = work / f"synthetic-v{VERSION}-s{SEED}-{n}.jsonl"
    meta = path.with_name(path.name + ".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    return path, write(path, n, source=source, catalogue=catalogue)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(write(Path(sys.argv[2]), int(sys.argv[1])))
