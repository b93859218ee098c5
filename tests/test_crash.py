"""Crash safety: ``danvan index`` killed with SIGKILL at random points.

The previous index must stay searchable with the same results, and the next
``danvan index`` must finish without anyone cleaning up (the write lock is an
OS file lock, released when the process dies).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
SYLLABLES = ("dân vận khéo công tác hòa giải cơ sở tỉnh ủy phụ nữ thanh niên nông dân mặt trận "
             "tổ quốc chính quyền nhân dân đoàn kết xây dựng nông thôn mới giảm nghèo an sinh "
             "xã hội quy chế dân chủ tiếp công dân đối thoại phong trào thi đua mô hình").split()
QUERIES = ("dân vận khéo", "hòa giải", "quy chế dân chủ", '"nông thôn mới"', "thanh niên -phụ", "dan van")
KILLS = int(os.environ.get("DANVAN_CRASH_KILLS", "20"))


def generated(n: int, seed: int, prefix: str = "g") -> list[Document]:
    """``n`` news-sized documents of random domain words (deterministic per seed)."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        words = [rng.choice(SYLLABLES) for _ in range(rng.randint(80, 250))]
        year = rng.randint(2015, 2025)
        docs.append(Document(id=f"{prefix}{i:04d}", title=" ".join(words[:8]).capitalize(),
                             text=" ".join(words) + ".", published=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                             year=year))
    return docs


def snapshot(home: Path) -> dict[str, list[str]]:
    """Ranked ids and totals for a few queries, from a fresh service (what a user would see)."""
    from indexer.search import SearchRequest, SearchService

    service = SearchService(config.index_path(home))
    out = {}
    for q in QUERIES:
        result = service.search(SearchRequest(q=q, limit=20))
        out[q] = [result.total] + [h.id for h in result.hits]
    return out


def danvan(home: Path, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def run_index(home: Path, *args: str) -> subprocess.CompletedProcess:
    proc = danvan(home, "index", *args)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def processes_for(home: Path) -> list[int]:
    """Live processes started for ``home`` (their environment names it): workers left behind."""
    marker = f"DANVAN_HOME={home}".encode() + b"\0"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(pid))
    return found


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.fixture
def crash_home(tmp_path):
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(generated(300, seed=1))
    done = run_index(tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_kill_9_during_index_updates_keeps_the_previous_index(crash_home):
    home = crash_home
    rng = random.Random(42)
    # How long one update of ~30 documents takes here, start-up included.
    with Store(config.store_path(home)) as store:
        store.upsert_many(generated(30, seed=1000, prefix="t"))
    started = time.monotonic()
    assert run_index(home).returncode == 0
    full = time.monotonic() - started
    sizes, outcomes = [], {"old": 0, "new": 0}
    for round_ in range(KILLS):
        before = snapshot(home)
        with Store(config.store_path(home)) as store:
            # New documents, changed documents and a deletion: every kind of write.
            store.upsert_many(generated(15, seed=round_ + 2000, prefix=f"r{round_}-"))
            store.upsert_many(generated(15, seed=round_ + 3000, prefix="g"))
            store.delete(f"g{200 + round_:04d}")
        # Every other round the update is written by two worker processes.
        proc = danvan(home, "index", *(["--procs", "2"] if round_ % 2 else []))
        time.sleep(rng.uniform(0.15, 1.0) * full)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        after_kill = snapshot(home)  # must open and answer, whatever the moment of the kill
        done = run_index(home)  # no manual clean-up
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        complete = snapshot(home)
        assert after_kill in (before, complete), f"round {round_}: a half-written index was visible"
        outcomes["old" if after_kill == before and before != complete else "new"] += 1
        sizes.append(dir_size(config.index_path(home)))
    # Recovery is complete: a clean rebuild finds the same documents as the survivor
    # (rankings may differ: deleted documents count in BM25 statistics until a merge).
    survivor = {q: ids[0] for q, ids in snapshot(home).items()}
    assert run_index(home, "--rebuild").returncode == 0
    assert {q: ids[0] for q, ids in snapshot(home).items()} == survivor
    # Files of killed writers do not pile up.
    assert sizes[-1] < 3 * sizes[0], sizes
    time.sleep(0.5)
    assert not processes_for(home), "a killed writer left worker processes behind"
    print(f"\n{KILLS} kills: {outcomes['old']} mid-write (old index served), {outcomes['new']} after commit")
    assert outcomes["old"] >= KILLS // 4, outcomes  # the kills did land during writes


@pytest.mark.parametrize("procs", ["1", "2"])
def test_kill_9_during_rebuild_keeps_the_previous_index(crash_home, procs):
    home = crash_home
    before = snapshot(home)
    started = time.monotonic()
    assert run_index(home, "--rebuild", "--procs", procs).returncode == 0
    full = time.monotonic() - started
    for fraction in (0.2, 0.5, 0.7, 0.9, 0.97):
        proc = danvan(home, "index", "--rebuild", "--procs", procs)
        time.sleep(fraction * full)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert {q: ids[0] for q, ids in snapshot(home).items()} == {q: ids[0] for q, ids in before.items()}
    done = run_index(home)
    assert done.returncode == 0 and snapshot(home)["dân vận khéo"][0] == before["dân vận khéo"][0]
    done = run_index(home, "--rebuild")  # and a rebuild after the kills cleans up what they left
    assert done.returncode == 0, done.stderr
    left = sorted(p.name for p in home.iterdir() if not p.name.startswith("danvan.db"))
    assert left == ["index"], left


def test_index_after_a_killed_first_build_starts_afresh(tmp_path):
    """Killed while building the very first index: the next run finishes it."""
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(generated(300, seed=7))
    proc = danvan(tmp_path, "index")
    deadline = time.monotonic() + 30
    index = config.index_path(tmp_path)
    while time.monotonic() < deadline and not any(index.glob("*.toc")):
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done = run_index(tmp_path)
    assert done.returncode == 0, done.stderr
    from indexer.search import SearchRequest, SearchService

    assert SearchService(index).search(SearchRequest(q="dân vận", limit=1)).total > 0
    assert SearchService(index).search(SearchRequest(q="", limit=1)).total == 300
