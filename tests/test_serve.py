"""`danvan serve --workers N`: N real processes answering on one port, supervised by the parent."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4: the parent pid
                found.add(int(entry.name))
    return found


def _wait_for(predicate, seconds: float = 30, poll: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError("timed out")


def _search(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/search.json?q=d%C3%A2n+v%E1%BA%ADn")
        response = conn.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        conn.close()


def _answers(port: int) -> bool:
    try:
        return _search(port)["total"] > 0
    except OSError:
        return False


def _serve(home: Path, port: int, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_workers_share_the_port_and_a_dead_one_is_replaced(mini_home):
    port = _free_port()
    server = _serve(mini_home, port, "--workers", "2", "--threads", "2")
    try:
        workers = _wait_for(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
        _wait_for(lambda: _answers(port))
        assert all(_search(port)["total"] == _search(port)["total"] for _ in range(10))
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)  # as the OOM killer would
        replaced = _wait_for(lambda: (found := _children(server.pid)) and victim not in found and len(found) == 2
                             and found)
        assert len(replaced - workers) == 1
        _wait_for(lambda: _answers(port))
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, err
    assert f"worker {victim} ended (killed by signal 9); starting another" in err
    assert "Traceback" not in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)  # no worker outlives a stop


def test_workers_die_with_a_killed_parent(mini_home):
    port = _free_port()
    server = _serve(mini_home, port, "--workers", "2")
    workers = _wait_for(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
    _wait_for(lambda: _answers(port))
    server.kill()
    server.communicate(timeout=30)
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), seconds=10)
    with socket.socket() as s:  # the port is free again: nobody is left listening
        s.bind(("127.0.0.1", port))


def test_a_taken_port_is_a_clear_error_with_workers(mini_home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _serve(mini_home, taken.getsockname()[1], "--workers", "2")
        out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert "cannot listen on 127.0.0.1" in err and "Traceback" not in err


def test_a_stop_during_start_up_stops_everything(mini_home):
    """SIGTERM while workers are being forked: once lost in fork's hooks ~30 % of the time."""
    import random

    rng = random.Random(5)
    for attempt in range(10):
        server = _serve(mini_home, _free_port(), "--workers", "8")
        _wait_for(lambda: _children(server.pid), poll=0.001)  # the first worker: the others are being forked
        time.sleep(rng.uniform(0, 0.03))
        started = _children(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            out, err = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError(f"attempt {attempt}: the server ignored SIGTERM") from None
        assert server.returncode == 0 and "Traceback" not in err and "Exception ignored" not in err, err
        _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in started), seconds=10)


def _run_cli(code: str, *args: str, home: Path, timeout: float = 120) -> subprocess.Popen:
    """`danvan serve ARGS` in a real process, after ``code`` (a patch of the environment it runs in)."""
    script = f"import sys\n{code}\nfrom cli import cli\ncli(sys.argv[1:])\n"
    env = {**os.environ, "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, "serve", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_workers_failing_at_start_back_off_then_give_up(mini_home):
    """They were restarted every second forever, each printing its traceback."""
    failing = ("import search_app, search_app.server as server\n"
               "server.RESTART_PAUSE = 0.05\n"
               "def forked(app):\n"
               "    raise RuntimeError('the index cannot be read')\n"
               "search_app.forked = forked\n")
    server = _run_cli(failing, "--host", "127.0.0.1", "--port", str(_free_port()), "--workers", "2", home=mini_home)
    try:
        out, err = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 1, err
    assert "Error: workers failed 5 times in a row" in err and "fix the error shown above" in err
    assert err.count("Traceback") == 2  # the first failure of each of the two first workers, in full
    # then one line each; the other worker, started before the fifth failure, may fail once more as it is stopped
    assert err.count("RuntimeError: the index cannot be read") in (5, 6)
    pauses = [float(p) for p in re.findall(r"starting another in ([\d.]+) s", err)]
    assert pauses == sorted(pauses) and pauses[-1] >= 4 * pauses[0], err  # backing off
    assert not _children(server.pid)


def test_workers_share_the_app_warmed_once_before_the_fork(mini_home, tmp_path):
    """Each worker made and warmed its own app: its own facet and keyword tables (3 GB for 2 workers at 30k)."""
    log = tmp_path / "calls.log"
    counting = ("import os, search_app\n"
                f"LOG = {str(log)!r}\n"
                "real_warm, real_forked = search_app.warm, search_app.forked\n"
                "def warm(app):\n"
                "    with open(LOG, 'a') as f:\n"
                "        f.write(f'warm {os.getpid()} {id(app)}\\n')\n"
                "    return real_warm(app)\n"
                "def forked(app):\n"
                "    real_forked(app)\n"
                "    with open(LOG, 'a') as f:\n"
                "        f.write(f'forked {os.getpid()} {id(app)}\\n')\n"
                "search_app.warm, search_app.forked = warm, forked\n")
    port = _free_port()
    server = _run_cli(counting, "--host", "127.0.0.1", "--port", str(port), "--workers", "2", home=mini_home)
    try:
        workers = _wait_for(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
        _wait_for(lambda: _answers(port))
        totals = {_search(port)["total"] for _ in range(10)}
        calls = _wait_for(lambda: (lines := log.read_text().split("\n")[:-1]) and len(lines) == 3 and lines)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, err
    assert len(totals) == 1 and totals.pop() > 0
    warmed = [line.split() for line in calls if line.startswith("warm")]
    assert len(warmed) == 1 and warmed[0][1] == str(server.pid)  # once, in the parent, before any fork
    forked = [line.split() for line in calls if line.startswith("forked")]
    assert {int(pid) for _, pid, _ in forked} == workers  # each worker took the parent's app
    assert {app for *_, app in forked} == {warmed[0][2]}


def test_a_reopened_service_keeps_its_tables_and_answers_the_same(mini_home):
    from corpus.store import config
    from indexer.search import SearchRequest, SearchService

    service = SearchService(config.index_path(mini_home))
    service.warm()
    before = service.search(SearchRequest(q="dân vận", limit=50)).to_dict()
    _searcher, table, ranker = service._snapshot()
    reader, words = ranker.reader, service.word_terms(ranker)
    service.reopen()
    _searcher, table_after, ranker_after = service._snapshot()
    assert table_after is table and ranker_after is ranker and service.word_terms(ranker) is words
    assert ranker.reader is not reader  # its own file handles
    after = service.search(SearchRequest(q="dân vận", limit=50)).to_dict()
    assert {k: v for k, v in after.items() if k != "elapsed_ms"} == {k: v for k, v in before.items()
                                                                      if k != "elapsed_ms"}


IPV6 = socket.has_ipv6
try:
    socket.socket(socket.AF_INET6).bind(("::1", 0))
except OSError:
    IPV6 = False


@pytest.mark.skipif(not IPV6, reason="no IPv6 loopback")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_address_a_host_resolves_to_is_served(mini_home, workers):
    """A name with an IPv4 and an IPv6 address: --workers 2 listened on the first only."""
    port = _free_port()
    two_addresses = ("import socket\n"
                     "real = socket.getaddrinfo\n"
                     "def getaddrinfo(host, port, *args, **kwargs):\n"
                     "    if host != 'both.test':\n"
                     "        return real(host, port, *args, **kwargs)\n"
                     "    return real('127.0.0.1', port, *args, **kwargs) + real('::1', port, *args, **kwargs) \\\n"
                     "        + real('127.0.0.1', port, *args, **kwargs)\n"
                     "socket.getaddrinfo = getaddrinfo\n")
    server = _run_cli(two_addresses, "--host", "both.test", "--port", str(port), "--workers", workers, home=mini_home)
    try:
        for address in ("127.0.0.1", "::1"):
            def answers(address=address) -> bool:
                try:
                    conn = http.client.HTTPConnection(address, port, timeout=10)
                    conn.request("GET", "/search.json?q=d%C3%A2n")
                    return conn.getresponse().status == 200
                except OSError:
                    return False
            _wait_for(answers)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    # One process is waitress alone: SIGTERM ends it as it ends any program.
    assert server.returncode in (0, -signal.SIGTERM) and "Traceback" not in err, err


def test_base_url_reaches_the_app_and_a_bad_one_is_a_usage_error(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import waitress

    from cli import cli

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(app=app))
    args = ["serve", "--data-dir", str(tmp_path), "--port", str(_free_port())]
    result = CliRunner().invoke(cli, [*args, "--base-url", "https://danvan.example.org/"])
    assert result.exit_code == 0, result.output
    assert served["app"].config["DANVAN_BASE_URL"] == "https://danvan.example.org"
    result = CliRunner().invoke(cli, [*args, "--base-url", "danvan.example.org"])
    assert result.exit_code == 2 and "--base-url" in result.output


def test_one_process_makes_its_app_before_the_port_opens():
    """`danvan serve` loads what searches need before listening: a request never waits for the start-up."""
    from search_app.server import serve

    port = _free_port()
    seen = []

    def make_app():
        with socket.socket() as probe:  # nobody listens yet
            seen.append(probe.connect_ex(("127.0.0.1", port)))
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        serve(make_app, "127.0.0.1", port, threads=1, workers=1)
    assert seen and seen[0] != 0


def test_what_the_start_read_is_kept_out_of_the_garbage_collectors_walks(monkeypatch):
    """The tables the warm-up read are frozen before the port opens: a full collection walked all of them (~90 ms
    at 100k documents) inside whichever request set it off."""
    import gc

    import waitress

    from search_app.server import serve

    tables = {"made by the start": [[n] for n in range(1000)]}
    frozen = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: frozen.append(gc.get_freeze_count()))
    serve(lambda: tables, "127.0.0.1", _free_port(), threads=1, workers=1)
    assert frozen and frozen[0] >= 1000


def test_a_server_holding_over_a_thousand_descriptors_still_answers(mini_home):
    """The server allows 1,000 connections, each a descriptor: waitress's default loop (select()) takes none numbered
    1024 or more and died on the first one ("filedescriptor out of range in select()")."""
    held = ("import os, resource\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))\n"
            "held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]\n")
    port = _free_port()
    server = _run_cli(held, "--host", "127.0.0.1", "--port", str(port), home=mini_home)
    try:
        assert _wait_for(lambda: _answers(port), seconds=60), server.stderr.read() if server.poll() is not None else ""
        assert _search(port)["total"] > 0
        assert server.poll() is None
    finally:
        server.terminate()
        server.communicate(timeout=30)
