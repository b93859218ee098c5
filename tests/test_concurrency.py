"""Concurrency: searches keep answering while another process updates the index,
and a second writer is told the index is busy instead of corrupting it."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from concurrent.futures import ThreadPoolExecutor

import pytest

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
from indexer.search import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
WORDS = "dân vận khéo công tác hòa giải cơ sở tỉnh ủy phụ nữ thanh niên nông thôn mới quy chế dân chủ".split()


def generated(n: int, seed: int, prefix: str) -> list[Document]:
    rng = random.Random(seed)
    return [Document(id=f"{prefix}{i:04d}", title=f"Tin {prefix}{i}",
                     text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200))) + ".",
                     published=f"20{rng.randint(15, 25)}-05-1{rng.randint(0, 9)}")
            for i in range(n)]


def danvan(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def holds_flock(pid: int) -> bool:
    """True when process ``pid`` holds a flock (Whoosh's write lock) — read from /proc, not by locking."""
    try:
        text = Path("/proc/locks").read_text()
    except OSError:
        return False
    return any(line.split()[1:2] == ["FLOCK"] and line.split()[4] == str(pid) for line in text.splitlines())


@pytest.fixture
def busy_home(tmp_path):
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(generated(200, seed=1, prefix="a"))
    proc = danvan(tmp_path, "index")
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    return tmp_path


def test_a_search_in_flight_survives_another_thread_refreshing(mini_home):
    """Deterministic replay of the race the threaded test below hits at random."""
    from indexer.build import update_index

    service = SearchService(config.index_path(mini_home))
    b_has_ranker, a_refreshed = threading.Event(), threading.Event()
    original = service._snapshot

    def paused():
        data = original()
        if threading.current_thread().name.startswith("B"):
            b_has_ranker.set()
            a_refreshed.wait(10)
        return data

    a = ThreadPoolExecutor(1, thread_name_prefix="A")
    b = ThreadPoolExecutor(1, thread_name_prefix="B")
    a.submit(service.search, SearchRequest(q="dân vận")).result()  # A builds this generation's cache
    service._snapshot = paused
    # Terms this generation's postings cache has not seen yet, so the ranker must read them.
    in_flight = b.submit(service.search, SearchRequest(q="hòa giải cơ sở"))
    assert b_has_ranker.wait(10)
    with Store(config.store_path(mini_home)) as store:
        store.upsert(Document(id="new", title="Dân vận mới", text="Tin dân vận mới."))
        update_index(store, config.index_path(mini_home))
    a.submit(service.search, SearchRequest(q="dân vận")).result()  # A moves on and closes its old searcher
    a_refreshed.set()
    assert in_flight.result(timeout=10).total >= 1
    a.shutdown()
    b.shutdown()


def test_searches_keep_answering_while_the_index_is_updated(busy_home):
    service = SearchService(config.index_path(busy_home))
    errors: list[BaseException] = []
    totals: list[int] = []
    tracebacks: list[str] = []
    stop = threading.Event()

    def searcher(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                q = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
                result = service.search(SearchRequest(q=q, sort=rng.choice(["relevance", "date"]), limit=10))
                assert len(result.hits) <= 10
                totals.append(service.search(SearchRequest(q="", limit=1)).total)
            except BaseException as exc:  # noqa: BLE001 - any error is the finding
                import traceback

                errors.append(exc)
                tracebacks.append(traceback.format_exc())
                return

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        for round_ in range(3):
            with Store(config.store_path(busy_home)) as store:
                store.upsert_many(generated(40, seed=100 + round_, prefix=f"b{round_}-"))
                store.upsert_many(generated(20, seed=200 + round_, prefix="a"))  # changed documents
            proc = danvan(busy_home, "index")
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    finally:
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, tracebacks[0]
    assert len(totals) > 20
    # Every answer was a whole index generation: 200, 240, 280 or 320 documents.
    assert set(totals) <= {200, 240, 280, 320} and 320 in set(totals), sorted(set(totals))


# Documents the first writer indexes: enough to outlast the second writer's start-up (about 1 s).
FIRST_WRITE = 3000


@pytest.mark.parametrize("second", [["index"], ["index", "--rebuild"]])
def test_a_second_writer_is_told_the_index_is_busy(busy_home, second):
    with Store(config.store_path(busy_home)) as store:
        store.upsert_many(generated(FIRST_WRITE, seed=9, prefix="a"))  # every document changed: a long write
    first = danvan(busy_home, "index")
    deadline = time.monotonic() + 60
    while not holds_flock(first.pid) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first writer finished before the second could start"
    with Store(config.store_path(busy_home)) as store:
        store.upsert(generated(1, seed=10, prefix="c")[0])  # the second writer has work to do
    other = danvan(busy_home, *second)
    out, err = other.communicate(timeout=60)
    assert first.poll() is None, "the first writer finished before the second was refused: make it longer"
    assert other.returncode == 1, (out, err)
    assert "being written by another process" in err and "Traceback" not in err
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    # Nothing was corrupted: the index opens and holds every stored document after one more run.
    again = danvan(busy_home, "index")
    assert again.wait(timeout=120) == 0
    assert SearchService(config.index_path(busy_home)).search(SearchRequest(q="", limit=1)).total == FIRST_WRITE + 1
