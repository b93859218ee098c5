"""Build and query speed at any number of documents, danvan against SQLite FTS5 in the same run.

Documents come from ``benchmarks/synthetic.py``: a deterministic corpus of any size recombined
from the paragraphs of ../shared/data/vn-news-corpus.jsonl.xz (the source's lengths, titles and
topics; synthetic province, date, portal and cited numbers, the citations written into the text),
written as JSONL to the work dir (``DANVAN_BENCH_DIR``, default /tmp/danvan-bench) once per size.

Per size, end to end as a user runs it: ``danvan import FILE.jsonl --no-index`` then ``danvan
index --rebuild`` (real subprocesses; peak RSS of the whole process tree polled from /proc, and the
largest single process from ``wait4``), then the query service in-process (the query mix,
significant terms paired with and without, phrase timelines, a 10,000-row export's CPU), then
real HTTP servers side by side: ``danvan serve`` (waitress) and the same documents in SQLite FTS5
behind waitress (``benchmarks/fts5.py``), first query after start and faceted p50/p95.  The FTS5
database is built from the same JSONL (its build is end to end too).

Each phase runs in its own process so its peak RSS is its own.

Usage:
    python benchmarks/speed.py                      # 10k, 30k, 100k
    python benchmarks/speed.py --sizes 10000,300000
    python benchmarks/speed.py --sizes 30000 --reuse   # keep store + index from a previous run
    python benchmarks/speed.py --sizes 30000 --prepare build/load-30k   # only import + index there
                                                      # (what `make stress` serves for its 30k load run)
    python benchmarks/speed.py --sizes 10000 --build-only [--code ../main-worktree]   # the build's figures only
                                                      # (peak RSS of the parent and largest worker apart), with
                                                      # this tree's code or another's (a same-run baseline)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = HARNESS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import fts5  # noqa: E402
import synthetic  # noqa: E402

CORPUS = synthetic.SOURCE
WORK = Path(os.environ.get("DANVAN_BENCH_DIR", "/tmp/danvan-bench"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # subprocesses run this tree's code (--code: another tree's)

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
    ("3 phrases by year", ["an toàn giao thông", "chuyển đổi số", "nông thôn mới"], "year", {}),
]
FIRST_QUERY = "hội nghị"  # not in the mix: the first search a fresh server answers
# New searches after it, also not in the mix: with FIRST_QUERY, one for each of the server's 4 threads (a thread's
# first search paid for opening its own searcher).
NEXT_QUERIES = ("thanh niên", "nông thôn", "giáo dục")
SERVE_URLS = [
    "/search?q=c%C3%B4ng+t%C3%A1c",
    "/search?q=d%C3%A2n+v%E1%BA%ADn&province=Ngh%E1%BB%87+An",
    "/search?q=%22an+to%C3%A0n+giao+th%C3%B4ng%22&province=H%C3%A0+N%E1%BB%99i&year=2019",
    "/search?q=nhan+dan",
    "/search?q=25-NQ%2FTW",
    "/search?q=ph%C3%A1t+tri%E1%BB%83n+kinh+t%E1%BA%BF+x%C3%A3+h%E1%BB%99i&year=2020",
]


# --- phases (each in its own process) -----------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_analysis(home: Path, n: int = 1000) -> dict:
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


def _queries() -> list[tuple[str, str, dict]]:
    """(class, query, filters) of the mix, in a fixed order."""
    return [(cls, q, filt) for cls, queries in QUERIES.items() for q in queries for filt in FILTERS]


def phase_fts(home: Path, jsonl: Path, repeat: int) -> dict:
    """The same records in SQLite FTS5: build from the JSONL, then the mix and an export in-process."""
    started = time.perf_counter()
    built = fts5.build(home / "fts.sqlite", jsonl)
    build_s, build_rss = time.perf_counter() - started, _peak_mb()
    fts = fts5.Fts(home / "fts.sqlite")
    times: dict[str, list[float]] = {}
    totals = {}
    fts.search(FIRST_QUERY, {})
    for _ in range(repeat):
        for cls, q, filt in _queries():
            t0 = time.perf_counter()
            totals[f"{q} {json.dumps(filt, ensure_ascii=False)}"] = fts.search(q, filt)["total"]
            times.setdefault(cls + ("+facet" if filt else ""), []).append((time.perf_counter() - t0) * 1000)
    export_cpu = []
    for _ in range(3):
        t0 = time.process_time()
        fts.export_csv(EXPORT_QUERY, EXPORT_ROWS)
        export_cpu.append(time.process_time() - t0)
    return {"build_seconds": build_s, "build_rss_mb": build_rss, "docs": built["docs"],
            "db_mb": (home / "fts.sqlite").stat().st_size / 1e6, "times": times, "totals": totals,
            "export_cpu_s": statistics.median(export_cpu)}


def phase_fts_serve(home: Path, port: int) -> None:
    """Serve the FTS5 database of ``home`` over HTTP with waitress (as `danvan serve` serves danvan)."""
    from waitress import serve

    serve(fts5.app(home / "fts.sqlite"), host="127.0.0.1", port=port, threads=4, _quiet=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(cmd: list[str], port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """Start a server and wait until its port accepts connections; (process, seconds to listen)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT)
    while time.perf_counter() - started < 300:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[:5]} exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{cmd[:5]} did not listen on {port} within 300 s")


def _get_ms(port: int, path: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=300) as resp:
        resp.read()
        assert resp.status == 200, (path, resp.status)
    return (time.perf_counter() - t0) * 1000


def _search_path(q: str, filt: dict) -> str:
    return "/search.json?" + urllib.parse.urlencode([("q", q)] + [(k, v) for k, vs in filt.items() for v in vs])


def phase_http(home: Path, repeat: int) -> dict:
    """`danvan serve` and the FTS5 app behind waitress, side by side: start, first query, the mix over HTTP."""
    servers = {}
    for engine, cmd in (("danvan", [sys.executable, "-m", "cli", "serve", "--data-dir", str(home), "--port"]),
                        ("fts", [sys.executable, __file__, "--phase", "fts-serve", "--home", str(home), "--port"])):
        port = _free_port()
        proc, listen_s = _start_server(cmd + [str(port)], port, home / f"serve-{engine}.log")
        servers[engine] = {"proc": proc, "port": port, "listen_s": listen_s,
                           "first_query_ms": _get_ms(port, _search_path(FIRST_QUERY, {})),
                           "next_queries_ms": [_get_ms(port, _search_path(q, {})) for q in NEXT_QUERIES]}
    try:
        times: dict[str, dict[str, list[float]]] = {e: {"all": [], "faceted": []} for e in servers}
        for rnd in range(max(2, repeat)):
            for k, (_cls, q, filt) in enumerate(_queries()):
                # Alternate which engine goes first, so neither always finds the other's pages cached.
                for engine in (("danvan", "fts") if (k + rnd) % 2 == 0 else ("fts", "danvan")):
                    ms = _get_ms(servers[engine]["port"], _search_path(q, filt))
                    times[engine]["all"].append(ms)
                    if filt:
                        times[engine]["faceted"].append(ms)
        return {e: {"listen_s": s["listen_s"], "first_query_ms": s["first_query_ms"],
                    "next_queries_ms": s["next_queries_ms"], "times": times[e],
                    "peak_rss_mb": _tree_hwm_mb(s["proc"].pid)} for e, s in servers.items()}
    finally:
        for s in servers.values():
            s["proc"].terminate()
            s["proc"].wait(30)


# --- processes: peak memory of a whole tree -----------------------------------------

def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += tree.get(p, [])
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_hwm_mb(pid: int) -> float:
    """Sum of the peak RSS (VmHWM) of a process and its descendants: an upper bound of the tree's peak."""
    return sum(_status_kb(p, "VmHWM") for p in _descendants(pid)) / 1024


def _measured(cmd: list[str], log: Path) -> dict:
    """Run ``cmd`` to its end: wall seconds, CPU seconds (its own and its waited children's), peak RSS of its
    process tree (summed, polled every 0.2 s), of its largest single process (``wait4``'s ru_maxrss), and
    of the parent and of its largest child process apart (``_peaks``); its output goes to ``log``."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)
    tree_kb = 0
    hwm: dict[int, int] = {}  # pid -> its VmHWM, as last seen
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        pids = _descendants(proc.pid)
        tree_kb = max(tree_kb, sum(_status_kb(p, "VmRSS") for p in pids))
        for p in pids:
            hwm[p] = max(hwm.get(p, 0), _status_kb(p, "VmHWM"))
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[2:5])} exited with {proc.returncode}: {log.read_text()[-3000:]}")
    parent_kb, child_kb = _peaks(proc.pid, hwm, usage.ru_maxrss)
    return {"seconds": time.perf_counter() - started, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "rss_tree_mb": tree_kb / 1024, "rss_process_mb": usage.ru_maxrss / 1024,
            "rss_parent_mb": parent_kb / 1024, "rss_child_mb": child_kb / 1024}


def _peaks(root: int, hwm: dict[int, int], largest_kb: int) -> tuple[int, int]:
    """(parent, largest child) peak RSS in KB, from the VmHWM polled per process (``hwm``) and ``largest_kb``, the
    largest of all (``wait4``).  A child's last 0.2 s escapes the polling (an index worker peaks as it writes
    its segment, just before it exits), the parent's does not matter (it peaks while the workers run): so
    when the largest of all is above the parent's polled peak, it was a child's.

    >>> _peaks(1, {1: 300, 2: 900, 3: 950}, 1000), _peaks(1, {1: 1000, 2: 900}, 1000)
    ((300, 1000), (1000, 900))
    """
    parent = hwm.get(root, 0)
    child = max((kb for pid, kb in hwm.items() if pid != root), default=0)
    return parent, max(child, largest_kb) if largest_kb > parent else child


def _size_mb(*paths: Path) -> float:
    files = [q for p in paths for q in ([p] if p.is_file() else p.rglob("*") if p.is_dir() else []) if q.is_file()]
    return sum(q.stat().st_size for q in files) / 1e6


# --- driver -------------------------------------------------------------------------

def _run_phase(name: str, home: Path, *extra: str) -> dict:
    code = ["--code", str(ROOT)] if ROOT != HARNESS else []  # the phase's danvan code too, not only its servers
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--home", str(home), *code, *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _stats(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f}  p95 {_pct(values, 95):7.1f}  max {max(values):7.1f}"


def build(home: Path, jsonl: Path) -> dict:
    """Import ``jsonl`` into a new data dir ``home`` and index it, as a user does (CLI processes)."""
    from corpus.store import config

    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    cli = [sys.executable, "-m", "cli"]
    imported = _measured(cli + ["import", str(jsonl), "--no-index", "--data-dir", str(home)], home / "import.log")
    log = (home / "import.log").read_text()
    summary = [line for line in log.splitlines() if line.startswith("imported ")]
    if not summary:
        raise RuntimeError(f"danvan import said no outcome: {log[-2000:]}")
    imported["summary"] = summary[-1]
    imported["store_mb"] = _size_mb(*home.glob(config.store_path(home).name + "*"))
    indexed = _measured(cli + ["index", "--rebuild", "--data-dir", str(home)], home / "index.log")
    indexed["index_mb"] = _size_mb(config.index_path(home))
    indexed["segments"] = len(list(config.index_path(home).glob("*.trm")))  # one term table per segment
    return {"import": imported, "index": indexed}


def build_only(n: int) -> dict:
    """Only :func:`build` ``n`` documents (in the work dir's ``n{n}``) and print what the build took."""
    jsonl, corpus = synthetic.ensure(WORK / "synthetic", n)
    out = {"n": n, "corpus": {**corpus, "path": str(jsonl)}, "code": str(ROOT), **build(WORK / f"n{n}", jsonl)}
    imp, idx, mb = out["import"], out["index"], corpus["text_mb"]
    print(f"{n} documents, {mb:.1f} MB, code {ROOT}: import {imp['seconds']:.1f} s = {mb / imp['seconds']:.2f} MB/s, "
          f"index {idx['seconds']:.1f} s = {mb / idx['seconds']:.2f} MB/s (CPU {idx['cpu_seconds']:.1f} s), "
          f"end to end {_mbps(out):.2f} MB/s; index peak RSS: parent {idx['rss_parent_mb']:.0f} MB, largest worker "
          f"{idx['rss_child_mb']:.0f} MB, tree {idx['rss_tree_mb']:.0f} MB; {idx['segments']} segments, "
          f"{idx['index_mb']:.1f} MB; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    return out


def bench(n: int, args) -> dict:
    home = WORK / f"n{n}"
    from corpus.store import config

    started = time.perf_counter()
    jsonl, corpus = synthetic.ensure(WORK / "synthetic", n)
    out: dict = {"n": n, "corpus": {**corpus, "path": str(jsonl), "seconds": time.perf_counter() - started}}
    built = home / "build.json"
    if not (args.reuse and config.index_path(home).exists() and built.exists()):
        built.parent.mkdir(parents=True, exist_ok=True)
        out.update(build(home, jsonl))
        built.write_text(json.dumps({"import": out["import"], "index": out["index"]}))
    else:
        out.update(json.loads(built.read_text()))
    out["analysis"] = _run_phase("analysis", home)
    out["query"] = _run_phase("query", home, "--repeat", str(args.repeat))
    if not args.no_fts:
        out["fts"] = _run_phase("fts", home, "--jsonl", str(jsonl), "--repeat", str(args.repeat))
        out["http"] = _run_phase("http", home, "--repeat", str(args.repeat))
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
        jsonl, corpus = synthetic.ensure(WORK / "synthetic", n)
        imported = _measured([sys.executable, "-m", "cli", "import", str(jsonl), "--no-index", "--data-dir", str(home)],
                             home / "import.log")
        marker.write_text(json.dumps({"docs": corpus["docs"], "text_mb": corpus["text_mb"], **imported}))
    imported = json.loads(marker.read_text())
    update = _run_phase("update", home)
    print(f"{home}: {imported['docs']} documents ({imported['text_mb']:.0f} MB of text, imported in "
          f"{imported['seconds']:.0f} s); index {'rebuilt' if update['rebuilt'] else 'updated'}: "
          f"{update['written']} written in {update['seconds']:.0f} s; store {config.store_path(home)}")


def _mbps(out: dict) -> float:
    return out["corpus"]["text_mb"] / (out["import"]["seconds"] + out["index"]["seconds"])


def report(out: dict) -> None:
    n, corpus, imp, idx, q = out["n"], out["corpus"], out["import"], out["index"], out["query"]
    mb = corpus["text_mb"]
    print(f"\n=== {n} documents, {mb:.1f} MB of text (synthetic corpus {Path(corpus['path']).name}) ===")
    print(f"import (danvan import --no-index): {imp['seconds']:.1f} s = {mb / imp['seconds']:.2f} MB/s; "
          f"store {imp['store_mb']:.0f} MB; peak RSS {imp['rss_tree_mb']:.0f} MB (tree), "
          f"largest process {imp['rss_process_mb']:.0f} MB; {imp['summary']}")
    print(f"index build (danvan index --rebuild): {idx['seconds']:.1f} s = {n / idx['seconds']:.0f} docs/s, "
          f"{mb / idx['seconds']:.2f} MB/s of text; index {idx['index_mb']:.0f} MB; "
          f"peak RSS {idx['rss_tree_mb']:.0f} MB (tree), largest process {idx['rss_process_mb']:.0f} MB"
          + (f" (parent {idx['rss_parent_mb']:.0f} MB, largest worker {idx['rss_child_mb']:.0f} MB); "
             f"CPU {idx['cpu_seconds']:.1f} s, workers included" if "rss_parent_mb" in idx else ""))
    print(f"end to end (import + index): {imp['seconds'] + idx['seconds']:.1f} s = {_mbps(out):.2f} MB/s")
    a = out["analysis"]
    print(f"index fields of {a['fields_docs']} documents in one process: {a['fields_seconds']:.1f} s, of which "
          f"pyvi words {a['words_seconds']:.1f} s ({a['words_seconds'] / a['fields_seconds']:.0%}); "
          f"without them {a['fields_seconds'] - a['words_seconds']:.1f} s")
    print(f"query service: open {q['open_ms']:.0f} ms, first query (loads reader arrays) {q['first_query_ms']:.0f} ms, "
          f"peak RSS {q['peak_rss_mb']:.0f} MB")
    fts = out.get("fts")
    header = f"{'class':18} {'danvan in-process (ms)':44}" + ("  FTS5 p50 / p95 (ms)   ratio p50 / p95" if fts else "")
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
        differ = [k for k in q["totals"] if q["totals"][k] != fts["totals"].get(k)]
        print(f"result counts differ from FTS5 (different tokenisation, expected) on {len(differ)}/{len(q['totals'])} queries")
    print(f"search page via Flask test client (server-side): {_stats(q['page_ms'])}")
    plain = q["plain_ms"]
    print(f"significant terms: the mix with them {_stats(everything)}; same searches without them "
          f"{_stats(plain)}; added per search (paired) p50 {statistics.median(q['added_ms']):+.1f} ms, "
          f"p95 {_pct(q['added_ms'], 95):+.1f} ms")
    for label, values in q["trend_ms"].items():
        print(f"trends {label:24} {_stats(values)}")
    print(f"export of {q['export_rows']} rows ({EXPORT_QUERY!r}, CSV): CPU {q['export_cpu_s']:.3f} s "
          f"(first after opening {q['export_cpu_first_s']:.3f} s)"
          + (f"; FTS5 {fts['export_cpu_s']:.3f} s" if fts else ""))
    if fts:
        for engine, h in out["http"].items():
            print(f"HTTP {engine}: first query after the port opens {h['first_query_ms']:.0f} ms, the next new ones "
                  f"{', '.join(f'{ms:.0f}' for ms in h.get('next_queries_ms', []))} ms")
        side_by_side([out])


def side_by_side(results: list[dict]) -> None:
    """One line per size and engine: the figures issue 20 asks for, FTS5 from the same run."""
    print(f"\n{'docs':>8} {'engine':7} {'text MB':>7} {'build MB/s':>10} {'build s':>8} {'index MB':>8} "
          f"{'store MB':>8} {'build RSS MB':>12} {'HTTP faceted p50/p95':>20} {'HTTP all p50/p95':>16} "
          f"{'1st query':>9} {'serve RSS':>9} {'export CPU':>10} {'signif +p50/p95':>15} {'3-phrase trend':>14}")
    for out in results:
        if "http" not in out:
            continue
        n, mb, q, fts, http = out["n"], out["corpus"]["text_mb"], out["query"], out["fts"], out["http"]
        build_s = out["import"]["seconds"] + out["index"]["seconds"]
        rss = max(out["import"]["rss_tree_mb"], out["index"]["rss_tree_mb"])
        trend = statistics.median(q["trend_ms"]["3 phrases by year"])
        rows = [("danvan", mb / build_s, build_s, out["index"]["index_mb"], out["import"]["store_mb"], rss,
                 http["danvan"], q["export_cpu_s"],
                 f"{statistics.median(q['added_ms']):+.1f}/{_pct(q['added_ms'], 95):+.1f}", f"{trend:.1f} ms"),
                ("FTS5", mb / fts["build_seconds"], fts["build_seconds"], fts["db_mb"], 0.0, fts["build_rss_mb"],
                 http["fts"], fts["export_cpu_s"], "", "")]
        for engine, mbps, secs, index_mb, store_mb, peak, h, export, signif, trends in rows:
            f, a = h["times"]["faceted"], h["times"]["all"]
            print(f"{n:8d} {engine:7} {mb:7.0f} {mbps:10.2f} {secs:8.0f} {index_mb:8.0f} "
                  f"{f'{store_mb:.0f}' if store_mb else '-':>8} {peak:12.0f} "
                  f"{statistics.median(f):9.1f} /{_pct(f, 95):7.1f} {statistics.median(a):7.1f} /{_pct(a, 95):7.1f} "
                  f"{h['first_query_ms']:7.0f}ms {h['peak_rss_mb']:7.0f}MB {export:9.3f}s {signif:>15} {trends:>14}")


def extrapolate(results: list[dict], to: tuple[int, ...] = (100_000, 300_000, 1_000_000)) -> None:
    """Figures at larger sizes from the two largest measured: disk and build time linear in the text,
    latencies by the exponent measured between them (t ~ n^k).  Build memory is not extrapolated:
    the index's segments are sized from the available memory, not from the number of documents."""
    import math

    done = sorted({out["n"]: out for out in results if "http" in out}.values(), key=lambda out: out["n"])
    if len(done) < 2:
        return
    lo, hi = done[-2], done[-1]

    def figures(out: dict) -> dict[str, tuple[float, bool]]:
        """name -> (value, grows linearly with the text)."""
        h, q = out["http"], out["query"]
        return {"index MB": (out["index"]["index_mb"], True), "store MB": (out["import"]["store_mb"], True),
                "FTS5 MB": (out["fts"]["db_mb"], True),
                "build s": (out["import"]["seconds"] + out["index"]["seconds"], True),
                "FTS5 build s": (out["fts"]["build_seconds"], True),
                "HTTP faceted p50 ms": (statistics.median(h["danvan"]["times"]["faceted"]), False),
                "HTTP faceted p95 ms": (_pct(h["danvan"]["times"]["faceted"], 95), False),
                "FTS5 HTTP faceted p50 ms": (statistics.median(h["fts"]["times"]["faceted"]), False),
                "FTS5 HTTP faceted p95 ms": (_pct(h["fts"]["times"]["faceted"], 95), False),
                "first query ms": (h["danvan"]["first_query_ms"], False),
                "serve RSS MB": (h["danvan"]["peak_rss_mb"], False),
                "export CPU s (later)": (q["export_cpu_s"], False),
                "significant +p50 ms": (statistics.median(q["added_ms"]), False),
                "3-phrase trend p50 ms": (statistics.median(q["trend_ms"]["3 phrases by year"]), False)}

    a, b = figures(lo), figures(hi)
    grow = hi["corpus"]["text_mb"] / hi["n"]  # MB of text per document at the largest size
    print(f"\nextrapolated from {lo['n']} and {hi['n']} (linear: disk, build; else t ~ n^k, k from those two):")
    print(f"{'figure':26} {'k':>5} " + " ".join(f"{n:>10}" for n in to))
    for name, (value, linear) in b.items():
        k = 1.0 if linear else math.log(max(value, 1e-9) / max(a[name][0], 1e-9)) / math.log(hi["n"] / lo["n"])
        print(f"{name:26} {k:5.2f} " + " ".join(f"{value * (n / hi['n']) ** k:10.4g}" for n in to))
    print(f"(text: {grow * 1e3:.2f} KB a document, {grow * to[-1] / 1e3:.1f} GB at {to[-1]})")


def main() -> None:
    global ROOT, ENV  # --code
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000", help="comma-separated document counts")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the query mix")
    parser.add_argument("--reuse", action="store_true", help="reuse store and index built by an earlier run")
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 baseline (and the HTTP phase)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # HTTP is always measured now
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--build-only", action="store_true",
                        help="only import and index each size (CLI processes) and print the build's figures")
    parser.add_argument("--code", type=Path, metavar="DIR",
                        help="run the danvan processes from DIR's tree (a worktree of another commit: a same-run "
                             "baseline); the benchmark's own code stays this one")
    parser.add_argument("--prepare", type=Path, metavar="DIR",
                        help="only make DIR a data dir of the first --sizes documents (import once, then index)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--jsonl", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--extrapolate", type=Path, nargs="+", metavar="JSON",
                        help="only print the side-by-side table and extrapolation of earlier --json files")
    args = parser.parse_args()
    if args.extrapolate:
        results = [out for path in args.extrapolate for out in json.loads(path.read_text())]
        side_by_side(results)
        extrapolate(results)
        return
    if args.code:
        ROOT = args.code.resolve()
        ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
        sys.path.insert(0, str(ROOT))  # a phase imports danvan when it runs: from DIR's tree
    if args.phase:
        fn = {"analysis": lambda: phase_analysis(args.home), "query": lambda: phase_query(args.home, args.repeat),
              "fts": lambda: phase_fts(args.home, args.jsonl, args.repeat), "http": lambda: phase_http(args.home, args.repeat),
              "fts-serve": lambda: phase_fts_serve(args.home, args.port), "update": lambda: phase_update(args.home)}[args.phase]
        print(json.dumps(fn(), ensure_ascii=False))
        return
    if args.prepare:
        prepare(args.prepare, int(args.sizes.split(",")[0]))
        return
    if args.build_only:
        results = [build_only(int(n)) for n in args.sizes.split(",")]
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        return
    print(f"danvan speed benchmark: {os.cpu_count()} cores, corpus {CORPUS.name} (synthetic, seed {synthetic.SEED}), "
          f"work dir {WORK}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = [bench(int(n), args) for n in args.sizes.split(",")]
    if len(results) > 1 and not args.no_fts:
        print("\nall sizes:")
        side_by_side(results)
        extrapolate(results)
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
