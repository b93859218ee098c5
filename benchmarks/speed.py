"""Indexing and query speed at 10k / 30k / 100k documents, against SQLite FTS5.

Documents come from ../shared/data/vn-news-corpus.jsonl.xz (read in place as
an lzma stream) with synthetic, deterministic province / date / directive
values so the facets have realistic cardinality (63 provinces, 2006-2026, a
few hundred directive numbers with a long tail).  They go through the
project's own import path (``from_record`` + ``Store``) and index build
(``update_index``); queries go through ``SearchService.search`` exactly as the
web app calls it (10 hits, facet counts, snippets).  The same documents and
queries are run through SQLite FTS5 (unicode61 remove_diacritics 2, GROUP BY
facet counts) as the baseline.

Each phase runs in its own process so its peak RSS is its own.

Usage:
    python benchmarks/speed.py                      # 10k, 30k, 100k
    python benchmarks/speed.py --sizes 10000 --serve
    python benchmarks/speed.py --sizes 30000 --reuse   # keep store + index from a previous run
    python benchmarks/speed.py --sizes 30000 --prepare build/load-30k   # only import + index there
                                                      # (what `make stress` serves for its 30k load run)
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import os
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "data" / "vn-news-corpus.jsonl.xz"
if not CORPUS.exists():  # run from a worktree elsewhere
    CORPUS = Path("/work/shared/data/vn-news-corpus.jsonl.xz")
WORK = Path(os.environ.get("DANVAN_BENCH_DIR", "/tmp/danvan-bench"))

# The fixed query mix: class -> queries.  Each runs without filters, with a
# province filter, and with province + year.
QUERIES = {
    "common": ["công tác", "nhân dân", "dân vận", "phát triển kinh tế xã hội"],
    "rare": ["thác sương mù", "khinh khí cầu", "sán lá gan", "đàn guitar"],
    "phrase": ['"công tác dân vận"', '"an toàn giao thông"', '"bảo vệ môi trường"', '"xây dựng nông thôn mới"'],
    "folded": ["cong tac dan van", "nhan dan", "giao thong", "bien dao"],
    "directive": ["25-NQ/TW", "16/CT-TTg", "nghị quyết 25-NQ/TW", "211-KH/TU"],
}
FILTERS = [{}, {"province": ["Nghệ An"]}, {"province": ["Hà Nội"], "year": ["2019"]}]
EXPORT_QUERY = "nhân dân"  # a common word: a 10,000-row export at 30k documents and more
EXPORT_ROWS = 10_000
# Phrase timelines: (label, phrases, by, filters).
TRENDS = [
    ("1 phrase by year", ["an toàn giao thông"], "year", {}),
    ("5 phrases by year", ["an toàn giao thông", "biến đổi khí hậu", "chuyển đổi số", "nông thôn mới",
                           "dan van"], "year", {}),
    ("5 phrases by province", ["an toàn giao thông", "biến đổi khí hậu", "chuyển đổi số", "nông thôn mới",
                               "dan van"], "province", {}),
    ("2 phrases, filtered", ["an toàn giao thông", "công tác"], "year", {"province": ["Nghệ An"]}),
]
SERVE_URLS = [
    "/search?q=c%C3%B4ng+t%C3%A1c",
    "/search?q=d%C3%A2n+v%E1%BA%ADn&province=Ngh%E1%BB%87+An",
    "/search?q=%22an+to%C3%A0n+giao+th%C3%B4ng%22&province=H%C3%A0+N%E1%BB%99i&year=2019",
    "/search?q=nhan+dan",
    "/search?q=25-NQ%2FTW",
    "/search?q=ph%C3%A1t+tri%E1%BB%83n+kinh+t%E1%BA%BF+x%C3%A3+h%E1%BB%99i&year=2020",
]


# --- synthetic metadata -------------------------------------------------------------

def _directive_pool() -> list[str]:
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


def synthetic(i: int, provinces: list[str], pool: list[str]) -> dict:
    """Deterministic province, publication date and cited directives for record ``i``."""
    rng = random.Random(i)
    # Skewed like real portals: some provinces publish far more.
    province = provinces[min(len(provinces) - 1, int(rng.paretovariate(0.9)) - 1 + rng.randrange(0, 8))] \
        if rng.random() < 0.9 else None
    year = 2006 + min(20, int(rng.triangular(0, 21, 18)))
    published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    directives = []
    for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
        d = pool[min(len(pool) - 1, int(rng.paretovariate(0.7)) - 1)] if rng.random() < 0.6 else rng.choice(pool)
        if d not in directives:
            directives.append(d)
    return {"province": province, "published": published, "directives": directives}


def records(n: int):
    """The first ``n`` usable records of the news corpus, with synthetic metadata."""
    from corpus.knowledge.provinces import PROVINCES

    provinces = list(PROVINCES)
    pool = _directive_pool()
    count = 0
    with lzma.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if not (obj.get("text") or "").strip():
                continue
            rec = {"id": f"news-{count:06d}", "title": obj.get("title") or "", "text": obj["text"],
                   "source": "vn-news-corpus", **synthetic(count, provinces, pool)}
            yield rec
            count += 1
            if count >= n:
                return


# --- phases (each in its own process) -----------------------------------------------

def _peak_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def phase_import(home: Path, n: int) -> dict:
    from corpus.store import config
    from corpus.store.importer import from_record
    from corpus.store.db import Store

    started = time.perf_counter()
    text_bytes = 0
    with Store(config.store_path(home)) as store:
        batch = []
        for rec in records(n):
            doc, _cut = from_record(rec, default_id=rec["id"])
            text_bytes += len(doc.text.encode("utf-8")) + len((doc.title or "").encode("utf-8"))
            batch.append(doc)
            if len(batch) >= 2000:
                store.upsert_many(batch)
                batch = []
        store.upsert_many(batch)
        docs = store.count()
    return {"docs": docs, "text_mb": text_bytes / 1e6, "seconds": time.perf_counter() - started}


def phase_index(home: Path) -> dict:
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index

    started = time.perf_counter()
    with Store(config.store_path(home)) as store:
        report = update_index(store, config.index_path(home), rebuild=True)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in config.index_path(home).rglob("*") if p.is_file())
    return {"seconds": seconds, "docs": report.added, "index_mb": size / 1e6, **_analysis_share(home),
            "peak_rss_mb": _peak_mb(), "peak_rss_children_mb": _peak_mb(children=True)}


def _analysis_share(home: Path, n: int = 1000) -> dict:
    """Seconds to make the index fields of ``n`` stored documents, and of that the pyvi words (same run)."""
    from itertools import islice

    from corpus.store import config
    from corpus.store.db import Store
    from indexer.schema import to_fields, word_fields

    with Store(config.store_path(home)) as store:
        docs = list(islice(store, n))
    t0 = time.perf_counter()
    for doc in docs:
        to_fields(doc)
    t1 = time.perf_counter()
    for doc in docs:
        word_fields(doc.title or "", doc.text)
    t2 = time.perf_counter()
    return {"fields_seconds": t1 - t0, "words_seconds": t2 - t1, "fields_docs": len(docs)}


def phase_update(home: Path) -> dict:
    """``danvan index`` as a user runs it: incremental, a rebuild only when the schema changed."""
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index

    started = time.perf_counter()
    with Store(config.store_path(home)) as store:
        report = update_index(store, config.index_path(home))
    return {"seconds": time.perf_counter() - started, "written": report.added + report.updated,
            "rebuilt": report.rebuilt}


def phase_query(home: Path, repeat: int) -> dict:
    from corpus.store import config
    from indexer.search import SearchRequest, SearchService

    started = time.perf_counter()
    service = SearchService(config.index_path(home))
    open_ms = (time.perf_counter() - started) * 1000
    t0 = time.perf_counter()
    service.search(SearchRequest(q="hội nghị", limit=10))  # loads reader-level arrays
    first_ms = (time.perf_counter() - t0) * 1000
    times: dict[str, list[float]] = {}
    plain: list[float] = []  # the same searches without significant terms: the same-run baseline
    added: list[float] = []  # per search: with minus without
    totals = {}
    for n in range(repeat):
        for cls, queries in QUERIES.items():
            for q in queries:
                for filt in FILTERS:
                    # Alternate which variant runs first, so caches warmed by one do not favour the other.
                    pair = {}
                    for significant in ((True, False) if n % 2 == 0 else (False, True)):
                        t0 = time.perf_counter()
                        result = service.search(SearchRequest(q=q, limit=10, **filt), significant=significant)
                        ms = pair[significant] = (time.perf_counter() - t0) * 1000
                        if significant:
                            times.setdefault(cls + ("+facet" if filt else ""), []).append(ms)
                            totals[f"{q} {json.dumps(filt, ensure_ascii=False)}"] = result.total
                        else:
                            plain.append(ms)
                    added.append(pair[True] - pair[False])
    from indexer.trends import timelines

    trend_ms: dict[str, list[float]] = {}
    for _ in range(max(repeat, 3)):
        for label, phrases, by, filt in TRENDS:
            t0 = time.perf_counter()
            timelines(service, phrases, SearchRequest(**filt), by)
            trend_ms.setdefault(label, []).append((time.perf_counter() - t0) * 1000)
    # The web page, rendered by the app itself (Flask test client: server-side time).
    from search_app import create_app

    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    client.get("/search?q=h%E1%BB%99i+ngh%E1%BB%8B")  # warm the app's own service
    page_ms = []
    for url in SERVE_URLS:
        t0 = time.perf_counter()
        resp = client.get(url)
        page_ms.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    # CPU of a whole CSV export (the web's /export.csv, body read): the first one reads the
    # index generation's ids, the next ones are what every later export costs.
    url = "/export.csv?" + urllib.parse.urlencode({"q": EXPORT_QUERY})
    export_cpu = []
    for _ in range(4):
        t0 = time.process_time()
        resp = client.get(url)
        resp.get_data()
        export_cpu.append(time.process_time() - t0)
        assert resp.status_code == 200, (url, resp.status_code)
    return {"open_ms": open_ms, "first_query_ms": first_ms, "times": times, "totals": totals,
            "plain_ms": plain, "added_ms": added, "trend_ms": trend_ms, "page_ms": page_ms, "peak_rss_mb": _peak_mb(),
            "export_rows": int(resp.headers["X-Total-Count"]), "export_cpu_first_s": export_cpu[0],
            "export_cpu_s": statistics.median(export_cpu[1:])}


def _fts_query(parsed) -> str | None:
    parts = [f'"{w}"' for w in dict.fromkeys(parsed.words)]
    parts += ['"' + " ".join(p) + '"' for p in parsed.phrases]
    return " AND ".join(parts) or None


def phase_fts(home: Path, repeat: int) -> dict:
    """The same documents and queries in SQLite FTS5, with GROUP BY facets."""
    from corpus.store import config
    from corpus.knowledge.provinces import to_2025
    from corpus.store.db import Store
    from indexer.queryparse import parse

    path = home / "fts.sqlite"
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, province TEXT, province_2025 TEXT,
                           year TEXT, published TEXT);
        CREATE TABLE doc_directive (rowid INTEGER, directive TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, text, tokenize="unicode61 remove_diacritics 2");
    """)
    started = time.perf_counter()
    with Store(config.store_path(home)) as store, db:
        for rowid, doc in enumerate(store, 1):
            db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?)",
                       (rowid, doc.id, doc.title, doc.province, doc.province_2025 or to_2025(doc.province or ""),
                        str(doc.year) if doc.year else None, doc.published))
            db.executemany("INSERT INTO doc_directive VALUES (?,?)", [(rowid, d) for d in doc.directives])
            db.execute("INSERT INTO fts(rowid, title, text) VALUES (?,?,?)", (rowid, doc.title, doc.text))
    db.execute("CREATE INDEX dd ON doc_directive(directive, rowid)")
    db.execute("CREATE INDEX ddr ON doc_directive(rowid)")
    db.commit()
    build_s = time.perf_counter() - started

    def search(q: str, filt: dict) -> int:
        parsed = parse(q)
        match = _fts_query(parsed)
        # The match set as a temp table; every facet counts over it under the other filters.
        db.execute("DROP TABLE IF EXISTS m")
        if match:
            sql = "CREATE TEMP TABLE m AS SELECT rowid, rank FROM fts WHERE fts MATCH ?"
            args = [match]
        else:
            sql, args = "CREATE TEMP TABLE m AS SELECT rowid, 0 AS rank FROM docs", []
        for number in parsed.directives:
            sql += (" AND" if " WHERE " in sql else " WHERE") + \
                " rowid IN (SELECT rowid FROM doc_directive WHERE directive = ?)"
            args.append(number)
        db.execute(sql, args)

        def where(skip: str | None) -> tuple[str, list]:
            conds, vals = [], []
            for name, values in filt.items():
                if name != skip:
                    conds.append(f"d.{name} IN ({','.join('?' * len(values))})")
                    vals += values
            return (" AND " + " AND ".join(conds)) if conds else "", vals

        cond, vals = where(None)
        total = db.execute(f"SELECT count(*) FROM m JOIN docs d ON d.rowid = m.rowid WHERE 1{cond}", vals).fetchone()[0]
        rows = db.execute(f"SELECT d.rowid, d.title, d.id FROM m JOIN docs d ON d.rowid = m.rowid WHERE 1{cond} "
                          "ORDER BY m.rank LIMIT 10", vals).fetchall()
        # Snippets of the hits shown, and their stored text.
        for rowid, *_ in rows:
            if match:
                db.execute("SELECT snippet(fts, 1, '<mark>', '</mark>', '…', 40) FROM fts "
                           "WHERE fts MATCH ? AND rowid = ?", (match, rowid)).fetchall()
            else:
                db.execute("SELECT substr(text, 1, 240) FROM fts WHERE rowid = ?", (rowid,)).fetchall()
        for name in ("province", "province_2025", "year"):
            c, v = where(name)
            db.execute(f"SELECT d.{name}, count(*) n FROM m JOIN docs d ON d.rowid = m.rowid WHERE d.{name} "
                       f"IS NOT NULL{c} GROUP BY d.{name} ORDER BY n DESC", v).fetchall()
        c, v = where("directive")
        db.execute(f"SELECT dd.directive, count(*) n FROM m JOIN docs d ON d.rowid = m.rowid JOIN doc_directive dd "
                   f"ON dd.rowid = m.rowid WHERE 1{c} GROUP BY dd.directive ORDER BY n DESC LIMIT 30", v).fetchall()
        return total

    times: dict[str, list[float]] = {}
    totals = {}
    search("hội nghị", {})
    for _ in range(repeat):
        for cls, queries in QUERIES.items():
            for q in queries:
                for filt in FILTERS:
                    t0 = time.perf_counter()
                    totals[f"{q} {json.dumps(filt, ensure_ascii=False)}"] = search(q, filt)
                    times.setdefault(cls + ("+facet" if filt else ""), []).append((time.perf_counter() - t0) * 1000)
    # The same export from FTS5: the rows in bm25 order with their fields and the text's first
    # 240 characters, written as CSV.
    export_cpu = []
    for _ in range(3):
        t0 = time.process_time()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows(db.execute(
            "SELECT d.id, d.title, d.published, d.province, d.province_2025, fts.rank, substr(fts.text, 1, 240) "
            "FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY fts.rank LIMIT ?",
            (_fts_query(parse(EXPORT_QUERY)), EXPORT_ROWS)))
        export_cpu.append(time.process_time() - t0)
    size = path.stat().st_size
    db.close()
    return {"build_seconds": build_s, "db_mb": size / 1e6, "times": times, "totals": totals,
            "export_cpu_s": statistics.median(export_cpu)}


def phase_serve(home: Path) -> dict:
    """Peak RSS of a real `danvan serve` process and wall time of a few search pages."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "danvan"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--data-dir", str(home)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # this tree's code
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        page_ms = []
        for rnd in range(3):
            for url in SERVE_URLS:
                t0 = time.perf_counter()
                with urllib.request.urlopen(base + url, timeout=60) as resp:
                    resp.read()
                page_ms.append((time.perf_counter() - t0) * 1000)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return {"peak_rss_mb": hwm / 1024, "first_page_ms": page_ms[0], "page_ms": page_ms[len(SERVE_URLS):]}
    finally:
        proc.terminate()
        proc.wait(10)


# --- driver -------------------------------------------------------------------------

def _run_phase(name: str, home: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--home", str(home), *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _stats(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f}  p95 {_pct(values, 95):7.1f}  max {max(values):7.1f}"


def bench(n: int, args) -> dict:
    home = WORK / f"n{n}"
    from corpus.store import config

    out: dict = {"n": n}
    if not (args.reuse and config.store_path(home).exists()):
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        out["import"] = _run_phase("import", home, "--n", str(n))
    else:
        out["import"] = json.loads((home / "import.json").read_text())
    (home / "import.json").write_text(json.dumps(out["import"]))
    if not (args.reuse and config.index_path(home).exists() and (home / "index.json").exists()):
        out["index"] = _run_phase("index", home)
        (home / "index.json").write_text(json.dumps(out["index"]))
    else:
        out["index"] = json.loads((home / "index.json").read_text())
    out["query"] = _run_phase("query", home, "--repeat", str(args.repeat))
    if not args.no_fts:
        out["fts"] = _run_phase("fts", home, "--repeat", str(args.repeat))
    if args.serve:
        out["serve"] = _run_phase("serve", home)
    report(out)
    return out


def prepare(home: Path, n: int) -> None:
    """Import ``n`` documents into ``home`` unless an earlier run did, then bring its index up to date."""
    from corpus.store import config

    marker = home / f"imported-{n}.json"
    if not marker.exists():
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        marker.write_text(json.dumps(_run_phase("import", home, "--n", str(n))))
    imported = json.loads(marker.read_text())
    update = _run_phase("update", home)
    print(f"{home}: {imported['docs']} documents ({imported['text_mb']:.0f} MB of text, imported in "
          f"{imported['seconds']:.0f} s); index {'rebuilt' if update['rebuilt'] else 'updated'}: "
          f"{update['written']} written in {update['seconds']:.0f} s; store {config.store_path(home)}")


def report(out: dict) -> None:
    n, imp, idx, q = out["n"], out["import"], out["index"], out["query"]
    print(f"\n=== {n} documents, {imp['text_mb']:.1f} MB of text ===")
    print(f"import (from_record + store): {imp['seconds']:.1f} s")
    print(f"index build: {idx['seconds']:.1f} s = {idx['docs'] / idx['seconds']:.0f} docs/s, "
          f"{imp['text_mb'] / idx['seconds']:.2f} MB/s of text; index {idx['index_mb']:.0f} MB; "
          f"peak RSS {idx['peak_rss_mb']:.0f} MB (largest worker {idx['peak_rss_children_mb']:.0f} MB)")
    if "words_seconds" in idx:
        print(f"index fields of {idx['fields_docs']} documents in one process: {idx['fields_seconds']:.1f} s, of which "
              f"pyvi words {idx['words_seconds']:.1f} s ({idx['words_seconds'] / idx['fields_seconds']:.0%}); "
              f"without them {idx['fields_seconds'] - idx['words_seconds']:.1f} s")
    print(f"query service: open {q['open_ms']:.0f} ms, first query (loads reader arrays) {q['first_query_ms']:.0f} ms, "
          f"peak RSS {q['peak_rss_mb']:.0f} MB")
    fts = out.get("fts")
    header = f"{'class':18} {'danvan (ms)':44}" + ("  FTS5 p50 / p95 (ms)   ratio p50 / p95" if fts else "")
    print(header)
    everything, everything_fts, faceted, faceted_fts = [], [], [], []
    for cls, values in q["times"].items():
        everything += values
        line = f"{cls:18} {_stats(values):44}"
        if fts:
            f = fts["times"][cls]
            everything_fts += f
            line += (f"  {statistics.median(f):6.1f} / {_pct(f, 95):6.1f}     "
                     f"{statistics.median(values) / statistics.median(f):5.1f}x / {_pct(values, 95) / _pct(f, 95):5.1f}x")
            if cls.endswith("+facet"):
                faceted_fts += f
        if cls.endswith("+facet"):
            faceted += values
        print(line)
    for label, values, f in (("ALL", everything, everything_fts), ("ALL faceted", faceted, faceted_fts)):
        line = f"{label:18} {_stats(values):44}"
        if fts:
            line += (f"  {statistics.median(f):6.1f} / {_pct(f, 95):6.1f}     "
                     f"{statistics.median(values) / statistics.median(f):5.1f}x / {_pct(values, 95) / _pct(f, 95):5.1f}x")
        print(line)
    if fts:
        print(f"FTS5 build {fts['build_seconds']:.1f} s, db {fts['db_mb']:.0f} MB")
        differ = [k for k in q["totals"] if q["totals"][k] != fts["totals"].get(k)]
        print(f"result counts differ from FTS5 (different tokenisation, expected) on {len(differ)}/{len(q['totals'])} queries")
    print(f"search page via Flask test client (server-side): {_stats(q['page_ms'])}")
    if "plain_ms" in q:
        plain = q["plain_ms"]
        print(f"significant terms: the mix with them {_stats(everything)}; same searches without them "
              f"{_stats(plain)}; added per search (paired) p50 {statistics.median(q['added_ms']):+.1f} ms, "
              f"p95 {_pct(q['added_ms'], 95):+.1f} ms")
        for label, values in q["trend_ms"].items():
            print(f"trends {label:24} {_stats(values)}")
    print(f"export of {q['export_rows']} rows ({EXPORT_QUERY!r}, CSV): CPU {q['export_cpu_s']:.3f} s "
          f"(first after opening {q['export_cpu_first_s']:.3f} s)"
          + (f"; FTS5 {fts['export_cpu_s']:.3f} s" if fts else ""))
    if "serve" in out:
        s = out["serve"]
        print(f"danvan serve: peak RSS {s['peak_rss_mb']:.0f} MB; first page {s['first_page_ms']:.0f} ms; "
              f"warm pages (HTTP wall) {_stats(s['page_ms'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000", help="comma-separated document counts")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the query mix")
    parser.add_argument("--reuse", action="store_true", help="reuse store and index built by an earlier run")
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--serve", action="store_true", help="also measure a real `danvan serve` process")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--prepare", type=Path, metavar="DIR",
                        help="only make DIR a data dir of the first --sizes documents (import once, then index)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        fn = {"import": lambda: phase_import(args.home, args.n), "index": lambda: phase_index(args.home),
              "query": lambda: phase_query(args.home, args.repeat), "fts": lambda: phase_fts(args.home, args.repeat),
              "serve": lambda: phase_serve(args.home), "update": lambda: phase_update(args.home)}[args.phase]
        print(json.dumps(fn(), ensure_ascii=False))
        return
    if args.prepare:
        prepare(args.prepare, int(args.sizes.split(",")[0]))
        return
    print(f"danvan speed benchmark: {os.cpu_count()} cores, corpus {CORPUS.name}, work dir {WORK}")
    results = [bench(int(n), args) for n in args.sizes.split(",")]
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
