"""Memory one index worker needs per character of text, on real news text (and on speed.py's synthetic store).

``indexer/build.py`` sizes segments by ``WORKER_BYTES_PER_CHAR`` so that each worker stays under 2 GB.  A worker
writes one segment (``indexer.build._segment_job``) and peaks at its end, when the pooled postings are sorted and
written.  This script writes one segment of the first documents of a store (in the order a build writes them) that
add up to N million characters (title + text, as ``Store.text_sizes`` counts them), in a fresh process, and
measures it: RSS at the start (imports done, pyvi and its decoder loaded as a forked worker inherits them, the
job's ids, directive keys and keyword background unpickled, as a worker receives them), the peak (VmHWM, reset
at the start), CPU and wall seconds, and when the peak happened (RSS sampled every 0.1 s by a thread: while the
documents were added, while the segment was flushed, or while its stored terms were kept).

The real store holds the first articles of ../shared/data/vn-news-corpus.jsonl.xz (id, title, text: the
importer extracts province, date and cited numbers from the text, as for any page), imported once through the
CLI (``danvan import FILE --no-index``) into ``--home``; the JSONL lives there only while it is imported.  The
job of each size (its ids; their directive record keys from ``_attribution`` over those documents; the keyword
background sampled from the whole store as a rebuild samples it) is made by a process of its own, so that what
it allocates is not in the worker's start.

Usage:
    python benchmarks/segment_memory.py --chars 20,40,62                   # real text, this tree's code
    python benchmarks/segment_memory.py --chars 40 --code ../main --repeat 2   # alternated with another tree's
    DANVAN_BENCH_DIR=/tmp/s12 python benchmarks/segment_memory.py --chars 20,40,62 --synthetic
                                                  # also speed.py's synthetic 100k store (its n100000 directory)
    python benchmarks/segment_memory.py --chars 62 --spread --home /tmp/news-all   # every k-th of all articles
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from itertools import product
from pathlib import Path

ROOT = HARNESS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402

NEWS = synthetic.SOURCE  # ../shared's news articles, found as speed.py's corpus finds them
WORK = Path(os.environ.get("DANVAN_BENCH_DIR", "/tmp/danvan-bench"))
MARGIN = 1.05  # characters imported beyond the largest size: the importer may trim a text a little
SAMPLE_SECONDS = 0.1
# Resident memory: all of it (what VmHWM peaks), the process's own, and mapped files' pages (the store's
# database file is read through a map of up to MMAP_BYTES: its pages count in RSS but are page cache).
RSS = ("VmRSS", "RssAnon", "RssFile")


# --- in the measuring process --------------------------------------------------------

def _status_kb(*keys: str) -> dict[str, int]:
    text = Path("/proc/self/status").read_text()
    return {key: int(re.search(rf"^{key}:\s+(\d+)", text, re.M).group(1)) for key in keys}


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def phase_job(store_path: Path, chars: int, out: Path, spread: bool = False) -> dict:
    """Pickle the job a build would give the worker writing the first ``chars`` characters of the store (``spread``:
    of every k-th document, k as large as leaves enough)."""
    from indexer import build
    from corpus.store.db import Store

    with Store(store_path) as store:
        sizes = store.text_sizes()
        order = list(store.stamps())  # the order a rebuild writes them (``_write``'s ``current``)
        if spread:
            order = order[::max(1, int(sum(sizes.values()) / chars / 1.02))]
        ids, total = [], 0
        for doc_id in order:
            if total >= chars:
                break
            ids.append(doc_id)
            total += sizes.get(doc_id, 0)
        # Directive record keys as a rebuild attributes them (over these documents only, not the whole store).
        keys, _records, _ = build._attribution(store, None, None, True, ids, [], 1, None)
        with tempfile.TemporaryDirectory() as tmp:  # the keyword background, sampled from the whole store
            background = build._background(store, Path(tmp), True, order)
    job = (ids, {i: keys[i] for i in ids if i in keys}, background.only(ids))
    out.write_bytes(pickle.dumps(job))
    return {"docs": len(ids), "chars": total, "store_docs": len(order), "store_chars": sum(sizes.values()),
            "keyed": len(job[1])}


def phase_measure(store_path: Path, job_path: Path) -> dict:
    """Write the job in ``job_path`` as one segment, as a build worker does (``_segment_job``), and measure it."""
    from whoosh import index as windex

    from indexer import build
    from indexer.analysis import load_segmenter
    from indexer.schema import make_schema

    load_segmenter()  # a build's parent loads it before it forks the workers
    ids, keys, background = pickle.loads(job_path.read_bytes())
    marks: dict[str, float] = {}  # when the last document's fields were made, when the stored terms began
    to_fields, keep = build.to_fields, build.significant.keep_stored_terms

    def fields(*args, **kwargs):
        try:
            return to_fields(*args, **kwargs)
        finally:
            marks["added"] = time.perf_counter()

    def stored(*args, **kwargs):
        marks["stored"] = time.perf_counter()
        return keep(*args, **kwargs)

    build.to_fields = fields
    build.significant.keep_stored_terms = stored
    samples: list[tuple[float, dict[str, int]]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            samples.append((time.perf_counter(), _status_kb(*RSS)))

    with tempfile.TemporaryDirectory(prefix="segmem-") as tmp:
        windex.create_in(tmp, make_schema())
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM from now on
        start = _status_kb(*RSS)
        sampler = threading.Thread(target=sample, daemon=True)
        cpu0, t0 = _cpu(), time.perf_counter()
        sampler.start()
        segment, count = build._segment_job((str(store_path), tmp, ids, keys, background))
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
        done.set()
        sampler.join()
        peak_kb = _status_kb("VmHWM")["VmHWM"]
        index_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    at, top = max(samples, key=lambda s: s[1]["VmRSS"]) if samples else (t0, start)
    added = marks.get("added", t0)
    when = "adding" if at <= added else "flush" if at < marks.get("stored", float("inf")) else "stored terms"
    rss_added = max((kb["VmRSS"] for t, kb in samples if t <= added), default=start["VmRSS"])
    anon = max((kb["RssAnon"] for _, kb in samples), default=start["RssAnon"])
    return {"docs": count, "start_mb": start["VmRSS"] / 1024, "peak_mb": peak_kb / 1024, "cpu_s": cpu,
            "wall_s": seconds, "peak_sampled_mb": top["VmRSS"] / 1024, "peak_when": when, "peak_at_s": at - t0,
            "added_s": added - t0, "added_peak_mb": rss_added / 1024, "index_mb": index_mb,
            "segment": segment is not None, "anon_start_mb": start["RssAnon"] / 1024, "anon_peak_mb": anon / 1024,
            "file_start_mb": start["RssFile"] / 1024, "file_at_peak_mb": top["RssFile"] / 1024}


# --- driver --------------------------------------------------------------------------

def _phase(code: Path, *args: str) -> dict:
    """Run a phase in a fresh process with ``code``'s tree first on its path; its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--code", str(code), *args]
    out = subprocess.run(cmd, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} with {code} exited with {out.returncode}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare_real(home: Path, chars: int, docs: int | None) -> dict:
    """A data dir in ``home`` of the first ``docs`` news articles (default: enough for ``chars``), imported once."""
    marker = home / "imported.json"
    if marker.exists():
        done = json.loads(marker.read_text())
        if (docs is None and done["chars"] >= chars * MARGIN) or done["docs"] in (docs, done["all_docs"]):
            return done
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    jsonl = home / "news.jsonl"
    written = written_chars = all_docs = all_chars = 0
    with lzma.open(NEWS, "rt", encoding="utf-8") as source, jsonl.open("w", encoding="utf-8") as out:
        for line in source:
            obj = json.loads(line)
            size = len(obj.get("title") or "") + len(obj.get("text") or "")
            all_docs += 1
            all_chars += size
            wanted = written < docs if docs is not None else written_chars < chars * MARGIN
            if wanted and (obj.get("text") or "").strip():
                record = {"id": obj["id"], "text": obj["text"]}
                if (obj.get("title") or "").strip():  # else the importer finds one in the text, as for a page
                    record["title"] = obj["title"]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
                written_chars += size
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "cli", "import", str(jsonl), "--no-index", "--data-dir", str(home)]
    out = subprocess.run(cmd, cwd=HARNESS, env={**os.environ, "PYTHONPATH": str(HARNESS)}, capture_output=True,
                         text=True)
    if out.returncode:
        raise RuntimeError(f"danvan import exited with {out.returncode}: {out.stderr[-3000:]}")
    jsonl.unlink()
    summary = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("imported ")]
    done = {"docs": written, "chars": written_chars, "all_docs": all_docs, "all_chars": all_chars,
            "seconds": time.perf_counter() - started, "summary": summary[-1] if summary else ""}
    marker.write_text(json.dumps(done))
    return done


def synthetic_store(home: Path) -> Path | None:
    """speed.py's store in ``home`` once its import has finished, else None."""
    log = home / "import.log"
    store = home / "danvan.db"
    if not store.exists() or not log.exists() or not any(line.startswith("imported ") for line in
                                                         log.read_text(errors="replace").splitlines()):
        return None
    return store


def run(args) -> list[dict]:
    sizes = [int(float(s) * 1e6) for s in args.chars.split(",")]
    print(f"segment memory: {os.cpu_count()} cores, load average {_load()}, nice {os.nice(0)}", flush=True)
    real = prepare_real(args.home, max(sizes), 10**9 if args.spread else args.docs)
    print(f"real store {args.home}: the first {real['docs']:,} of {real['all_docs']:,} news articles "
          f"({real['chars']:,} of {real['all_chars']:,} characters); {real['summary']}", flush=True)
    stores = [("real-spread" if args.spread else "real", args.home / "danvan.db")]
    if args.synthetic:
        found = synthetic_store(args.synthetic_home)
        if found is None:
            print(f"no finished synthetic store in {args.synthetic_home}: skipped", flush=True)
        else:
            stores.append(("synthetic", found))
    codes = [ROOT] + ([args.code.resolve()] if args.code else [])
    results = []
    jobs: dict[tuple, tuple[Path, dict]] = {}  # made once a run by each tree's code (not kept: the code may change)
    with tempfile.TemporaryDirectory(prefix="segmem-jobs-") as tmp:
        for chars in sizes:
            for rep in range(args.repeat):
                for (label, store), code in product(stores, codes):
                    if (label, chars, code) not in jobs:
                        job = Path(tmp) / f"{label}-{chars}-{len(jobs)}.pickle"
                        spread = ["--spread"] if label == "real-spread" else []
                        jobs[label, chars, code] = job, _phase(code, "--phase", "job", "--store", str(store),
                                                               "--size", str(chars), "--job", str(job), *spread)
                    job, meta = jobs[label, chars, code]
                    row = {"corpus": label, "size": chars, "code": str(code), "repeat": rep, **meta,
                           **_phase(code, "--phase", "measure", "--store", str(store), "--job", str(job)),
                           "load": _load()}
                    row["added_mb"] = row["peak_mb"] - row["start_mb"]
                    row["bytes_per_char"] = row["added_mb"] * 2**20 / row["chars"]
                    row["anon_bytes_per_char"] = (row["anon_peak_mb"] - row["anon_start_mb"]) * 2**20 / row["chars"]
                    results.append(row)
                    print(_line(row, len(codes) > 1), flush=True)
    print(f"\n{'corpus':11} {'size':>5} {'chars':>11} {'docs':>6} {'start MB':>8} {'peak MB':>8} {'+MB':>7} "
          f"{'B/char':>6} {'anon':>6} {'file MB':>11} {'CPU s':>6} {'wall s':>6}  peak during"
          + ("  code" if len(codes) > 1 else ""))
    print(f"{'':69} {'B/char':>6} {'start  peak':>11}")
    for row in results:
        print(_line(row, len(codes) > 1))
    print(f"load average at the end {_load()}")
    return results


def _line(row: dict, code: bool) -> str:
    return (f"{row['corpus']:11} {row['size'] / 1e6:4.0f}M {row['chars']:11,} {row['docs']:6,} "
            f"{row['start_mb']:8.0f} {row['peak_mb']:8.0f} {row['added_mb']:7.0f} {row['bytes_per_char']:6.1f} "
            f"{row['anon_bytes_per_char']:6.1f} {row['file_start_mb']:5.0f} {row['file_at_peak_mb']:5.0f} "
            f"{row['cpu_s']:6.1f} {row['wall_s']:6.1f}  {row['peak_when']} at {row['peak_at_s']:.1f} s (documents "
            f"added by {row['added_s']:.1f} s, {row['added_peak_mb']:.0f} MB)" + (f"  {row['code']}" if code else ""))


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", default="20,40,62", help="comma-separated segment sizes, millions of characters")
    parser.add_argument("--docs", type=int, help="articles in the real store (default: enough for the largest size)")
    parser.add_argument("--home", type=Path, default=WORK / "segment-memory-real",
                        help="the real store's data dir, made once (default: $DANVAN_BENCH_DIR/segment-memory-real)")
    parser.add_argument("--spread", action="store_true",
                        help="import every article into --home and take every k-th one (all topics mixed) instead "
                             "of the first ones")
    parser.add_argument("--synthetic", action="store_true",
                        help="also measure speed.py's synthetic store (--synthetic-home), when its import has finished")
    parser.add_argument("--synthetic-home", type=Path, default=WORK / "n100000",
                        help="speed.py's data dir (default: $DANVAN_BENCH_DIR/n100000)")
    parser.add_argument("--code", type=Path, metavar="DIR",
                        help="also measure DIR's tree (another commit's worktree), alternated with this one")
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each size, corpus and tree")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        if args.code:
            ROOT = args.code.resolve()
            sys.path.insert(0, str(ROOT))  # the phase imports danvan from DIR's tree
        out = (phase_job(args.store, args.size, args.job, args.spread) if args.phase == "job"
               else phase_measure(args.store, args.job))
        print(json.dumps(out))
        return
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
