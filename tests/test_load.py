"""Bounded load test: concurrent clients against a real `danvan serve` on loopback.

The full run (16 clients, 60 s) is marked ``stress`` and runs under ``make stress``;
a 3-second smoke run is part of the default suite.  Both stop by themselves.
"""
from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["/", "/search?q=d%C3%A2n+v%E1%BA%ADn+kh%C3%A9o", "/search.json?q=dan+van", "/search.json?q=h%C3%B2a+gi%E1%BA%A3i&sort=date",
         "/search?q=%2225-NQ%2FTW%22", "/search.json?q=c%C3%B4ng+t%C3%A1c&year=2023", "/search?q=d%C3%A2n&page=2",
         "/search.json?q=%22unbalanced+(title%3A*", "/directive/25-NQ/TW", "/export.jsonl?q=d%C3%A2n+v%E1%BA%ADn",
         "/static/style.css", "/nope"]


def _env(home: Path) -> dict:
    return {**os.environ, "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`danvan serve` on the demo index (corpus/samples), on a free loopback port.

    DANVAN_LOAD_HOME=DIR serves a prebuilt data dir instead: `make stress` serves the
    30,000 news documents that `benchmarks/speed.py --sizes 30000 --prepare DIR` imports.
    """
    logs = tmp_path_factory.mktemp("load")
    if os.environ.get("DANVAN_LOAD_HOME"):
        home = Path(os.environ["DANVAN_LOAD_HOME"])
    else:
        home = logs
        for args in (["import", str(ROOT / "corpus/samples")], ["index"]):
            done = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=_env(home),
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
    # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
    log = (logs / "serve.log").open("w")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--threads", "8", "--workers", os.environ.get("DANVAN_LOAD_WORKERS", "2")],
                            cwd=ROOT, env=_env(home), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    # Documents to visit: ids from a search.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/search.json?q=d%C3%A2n+v%E1%BA%ADn&limit=20")
    import json

    ids = [h["id"] for h in json.loads(conn.getresponse().read())["hits"]]
    conn.close()
    yield port, proc, ["/doc/" + quote(i, safe="") for i in ids]
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    assert "Traceback" not in (logs / "serve.log").read_text(), (logs / "serve.log").read_text()[-3000:]


def load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """Hammer the server; return request count, errors and latency percentiles (ms)."""
    latencies: list[float] = []
    errors: list[str] = []
    busy = 0  # exports answered 429
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        nonlocal busy
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            path = rng.choice(paths)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            # An export beyond the per-process limit is told to come back (429 + Retry-After): by design.
            expected = (404,) if path == "/nope" else (200, 429) if path.startswith("/export") else (200,)
            with lock:
                latencies.append(elapsed)
                busy += status == 429
                if status not in expected:
                    errors.append(f"{path}: {status} at {seconds - (stop_at - time.monotonic()):.1f} s")
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else 0.0

    return {"requests": len(latencies), "errors": errors, "busy": busy,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
            "max": round(latencies[-1], 1) if latencies else 0.0, "rps": round(len(latencies) / seconds, 1)}


def _report(name: str, stats: dict, clients: int, seconds: float) -> None:
    print(f"\n{name}: {clients} clients x {seconds:.0f} s: {stats['requests']} requests ({stats['rps']}/s), "
          f"{len(stats['errors'])} errors, {stats['busy']} exports told to retry (429), "
          f"p50 {stats['p50']} ms, p95 {stats['p95']} ms, "
          f"p99 {stats['p99']} ms, max {stats['max']} ms")


def test_load_smoke(demo_server):
    port, proc, docs = demo_server
    stats = load(port, PATHS + docs, clients=8, seconds=3)
    _report("smoke", stats, 8, 3)
    assert proc.poll() is None, "the server died"
    assert not stats["errors"], stats["errors"][:5]
    assert stats["requests"] > 10


@pytest.mark.stress
def test_load_16_clients_60_seconds(demo_server):
    port, proc, docs = demo_server
    seconds = float(os.environ.get("DANVAN_LOAD_SECONDS", "60"))
    stats = load(port, PATHS + docs, clients=16, seconds=seconds)
    _report(f"load ({os.environ.get('DANVAN_LOAD_HOME') or 'demo index'})", stats, 16, seconds)
    assert proc.poll() is None, "the server died"
    assert not stats["errors"], stats["errors"][:5]
    if not os.environ.get("DANVAN_LOAD_HOME"):
        # The demo index must stay interactive.  On a big index (30k in `make stress`)
        # the p95 is reported, not bounded: one process with 10,000-row exports in the
        # mix is CPU-bound (RELIABILITY.md).
        assert stats["p95"] < 5000


# --- hostile clients (issue 14): long words, export loops, half-open connections ---------------

NORMAL = ["/search.json?q=d%C3%A2n+v%E1%BA%ADn+kh%C3%A9o", "/search.json?q=dan+van", "/search?q=h%C3%B2a+gi%E1%BA%A3i",
          "/search.json?q=c%C3%B4ng+t%C3%A1c&year=2023", "/search?q=ti%E1%BA%BFp+d%C3%A2n&sort=date"]


class Slowloris:
    """``count`` connections that send a request's headers a byte at a time and never finish them."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /search?q=d HTTP/1.1\r\nHost: x\r\n")
            self.sockets.append(s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(1.0):  # under any idle timeout: only a limit on connections helps
            for s in self.sockets:
                try:
                    s.send(b"X")
                except OSError:
                    pass

    def alive(self) -> int:
        """Connections the server has not closed."""
        import select

        # poll, not select: select() takes no descriptor numbered 1024 or more, and the test process may hold that many.
        poller = select.poll()
        for s in self.sockets:
            poller.register(s, select.POLLIN)
        by_fd = {s.fileno(): s for s in self.sockets}
        readable = [by_fd[fd] for fd, _ in poller.poll(0)]
        return len(self.sockets) - sum(1 for s in readable if not s.recv(1, socket.MSG_PEEK))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for s in self.sockets:
            s.close()


def _loop(port: int, paths: list[str], stop: threading.Event, statuses: list) -> None:
    """One hostile client: request ``paths`` in turn, reading every answer, until ``stop``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while not stop.is_set():
        try:
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        except (OSError, http.client.HTTPException) as exc:
            statuses.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i += 1
    conn.close()


def test_half_open_connections_do_not_lock_out_clients(demo_server):
    """300 sockets sending headers a byte a second: waitress's limit of 100 per process locked everyone out."""
    port, proc, _ = demo_server
    loris = Slowloris(port, 300)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", NORMAL[0])
        assert conn.getresponse().status == 200
        conn.close()
        assert loris.alive() > 200  # they were all still connected: the answer came despite them
    finally:
        loris.close()
    assert proc.poll() is None


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory of ``pid`` and its children (the workers), in MB: summed RSS (pages the workers share with
    the parent counted in each) and summed PSS (each shared page divided among its sharers)."""
    rss = pss = 0
    for entry in Path("/proc").iterdir():
        try:
            status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except (OSError, ValueError):
            continue
        if entry.name == str(pid) or status.get("PPid", "").strip() == str(pid):
            rss += int(status.get("VmRSS", "0 kB").split()[0])
            try:
                rollup = (entry / "smaps_rollup").read_text().splitlines()
            except OSError:
                continue
            pss += sum(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    return rss / 1024, pss / 1024


@pytest.mark.stress
def test_normal_searches_under_hostile_load(demo_server):
    """Normal-query p95 idle, then while 2 clients loop 1,000-letter words, 4 loop exports and 300
    connections trickle headers.  Figures are printed (RELIABILITY.md), with the idle run as baseline."""
    port, proc, _ = demo_server
    seconds = float(os.environ.get("DANVAN_LOAD_SECONDS", "30"))
    rng = random.Random(14)
    words = ["/search.json?q=" + "".join(rng.choice("abcdeghiklmnopqrstuvxy") for _ in range(1000)) for _ in range(5)]
    exports = ["/export.csv?q=d%C3%A2n", "/export.jsonl?q=c%C3%B4ng+t%C3%A1c", "/export.csv"]
    rss_idle = _rss_mb(proc.pid)
    idle = load(port, NORMAL, clients=4, seconds=seconds)
    _report("normal queries, idle", idle, 4, seconds)

    stop = threading.Event()
    statuses: dict[str, list] = {"long words": [], "exports": []}
    hostile = [threading.Thread(target=_loop, args=(port, words, stop, statuses["long words"])) for _ in range(2)]
    hostile += [threading.Thread(target=_loop, args=(port, exports, stop, statuses["exports"])) for _ in range(4)]
    loris = Slowloris(port, 300)
    for t in hostile:
        t.start()
    try:
        busy = load(port, NORMAL, clients=4, seconds=seconds)
        rss_busy = _rss_mb(proc.pid)
        alive = loris.alive()
    finally:
        stop.set()
        for t in hostile:
            t.join()
        loris.close()
    _report("normal queries, hostile load", busy, 4, seconds)
    count = {name: {s: got.count(s) for s in set(got)} for name, got in statuses.items()}
    print(f"hostile clients: {count}; half-open connections still open: {alive}/300; "
          f"RSS (server + workers) {rss_idle[0]:.0f} -> {rss_busy[0]:.0f} MB, PSS {rss_idle[1]:.0f} -> {rss_busy[1]:.0f} MB; "
          f"p95 hostile/idle = {busy['p95'] / max(idle['p95'], 0.1):.2f}x, p50 {busy['p50'] / max(idle['p50'], 0.1):.2f}x")
    assert proc.poll() is None, "the server died"
    assert not idle["errors"] and not busy["errors"], (idle["errors"] + busy["errors"])[:5]
    assert set(count["long words"]) == {200}, count  # answered, with no suggestion work
    assert set(count["exports"]) <= {200, 429}, count  # finished, or told to come back
