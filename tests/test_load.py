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
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
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
            expected = 404 if path == "/nope" else 200
            with lock:
                latencies.append(elapsed)
                if status != expected:
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

    return {"requests": len(latencies), "errors": errors, "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
            "max": round(latencies[-1], 1) if latencies else 0.0, "rps": round(len(latencies) / seconds, 1)}


def _report(name: str, stats: dict, clients: int, seconds: float) -> None:
    print(f"\n{name}: {clients} clients x {seconds:.0f} s: {stats['requests']} requests ({stats['rps']}/s), "
          f"{len(stats['errors'])} errors, p50 {stats['p50']} ms, p95 {stats['p95']} ms, "
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
