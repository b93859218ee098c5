"""The crawler against a misbehaving local server (127.0.0.1 only): resets, drip
feeds, redirect loops, 429, gzip bombs, broken robots.txt.  The crawl finishes,
every failure is recorded, the next crawl retries it, and the store is consistent.

(Plain 5xx, timeouts, oversized bodies and 503-then-OK live in test_crawl.py.)
"""
from __future__ import annotations

import gzip
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest

from corpus.crawl.loop import crawl
from corpus.crawl.sources import Source
from corpus.store.db import Store
from tests.conftest import hang_guard, raw_page_count, respond

ARTICLE = ("<html><head><title>Dân vận khéo ở cơ sở {n}</title></head><body><article class='post'>"
           "<h1>Dân vận khéo ở cơ sở {n}</h1><div class='date'>15:15, 01/07/2022</div>"
           + "<p>Hội Phụ nữ huyện triển khai phong trào thi đua Dân vận khéo số {n}, thực hiện Nghị quyết 25-NQ/TW "
             "với nhiều mô hình hay, thiết thực, được nhân dân đồng tình hưởng ứng.</p>" * 4
           + "</article></body></html>")
FAULTS = ["reset", "drip", "loop", "many", "ratelimit", "bomb", "empty", "garbage", "close"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", headers=()) -> None:
        respond(self, status, body, headers)

    def do_GET(self):
        path = self.path.split("?")[0]
        server = self.server
        server.hits[path] = server.hits.get(path, 0) + 1
        healed = server.healed
        if path == "/robots.txt":
            return self.send(500 if server.robots_broken else 404, b"oops")
        if path == "/":
            links = "".join(f'<a href="/{f}.html">{f}</a> ' for f in FAULTS)
            links += "".join(f'<a href="/ok{n}.html">ok</a> ' for n in range(3))
            return self.send(200, f"<html><body>{links}</body></html>".encode(), [("Content-Type", "text/html")])
        name = path.strip("/").removesuffix(".html")
        if healed or name.startswith("ok"):
            return self.send(200, ARTICLE.format(n=name).encode(), [("Content-Type", "text/html; charset=utf-8")])
        if name == "reset":  # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return None
        if name == "close":  # headers promise a body that never comes
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"<html>")
            self.close_connection = True
            return None
        if name == "drip":  # one byte every 0.2 s, forever (the read timeout is per read)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            return None
        if name == "loop":
            return self.send(302, headers=[("Location", "/loop.html")])
        if name == "many":
            n = server.hits[path]
            return self.send(302, headers=[("Location", f"/many.html?step={n}")])
        if name == "ratelimit":
            return self.send(429, b"slow down", [("Retry-After", "1")])
        if name == "bomb":  # 64 MB of zeros in 64 KB of gzip
            return self.send(200, server.bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
        if name == "empty":
            return self.send(200, b"", [("Content-Type", "text/html")])
        if name == "garbage":
            return self.send(200, bytes(range(256)) * 20, [("Content-Type", "text/html")])
        return self.send(404)


@pytest.fixture(scope="module")
def bomb():
    return gzip.compress(bytes(64 * 2**20), compresslevel=9)


@pytest.fixture
def faulty(bomb):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.hits, httpd.healed, httpd.robots_broken, httpd.bomb = {}, False, False, bomb
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _crawl(store, httpd, **kw):
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    options = dict(delay=0, timeout=1.0, retries=1, backoff=0.01, max_bytes=1024 * 1024)
    return crawl(store, sources=[Source(name="faulty", start_urls=[url], allow_private=True)], **{**options, **kw})


def _consistent(store) -> None:
    """Every article URL points at a stored document, and no document is stored twice."""
    rows = store.db.execute("SELECT url, doc_id FROM crawl_urls WHERE state = 'article'").fetchall()
    assert all(store.get(doc_id) is not None for _, doc_id in rows)
    urls = [doc.url for doc in store]
    assert len(urls) == len(set(urls))
    assert raw_page_count(store) >= len(urls)


def test_faults_are_recorded_and_retried_by_the_next_crawl(tmp_path, faulty):
    with Store(tmp_path / "db.sqlite") as store, hang_guard(300):
        report = _crawl(store, faulty)
        assert report.finished
        failed = {url.rsplit("/", 1)[-1].split("?")[0]: why for url, why in report.failures}
        assert set(failed) >= {"reset.html", "drip.html", "loop.html", "many.html", "ratelimit.html", "bomb.html",
                               "close.html"}, failed
        assert "connection error" in failed["reset.html"]
        assert "connection error" in failed["close.html"] or "timed out" in failed["close.html"]
        assert "too slow" in failed["drip.html"]  # a deadline for the whole body, not only per read
        assert faulty.hits["/drip.html"] == 1
        assert "too many redirects" in failed["loop.html"] and "too many redirects" in failed["many.html"]
        assert "429" in failed["ratelimit.html"]
        assert "larger than" in failed["bomb.html"]  # decompressed size counts, not the 64 KB on the wire
        assert faulty.hits["/ratelimit.html"] == 2  # retried once, after its Retry-After
        assert faulty.hits["/loop.html"] <= 12
        assert store.count() == 3  # the three good articles; "empty" and "garbage" are not articles
        _consistent(store)

        # The site recovers: the next crawl retries the failures, nothing else changes.
        faulty.healed = True
        faulty.hits.clear()
        second = _crawl(store, faulty)
        assert second.finished and not second.failures
        assert store.count() == 3 + 9  # every faulty page is an article now
        _consistent(store)
        assert max(faulty.hits.values()) <= 2


def test_broken_robots_txt_means_wait_not_crawl(tmp_path, faulty):
    faulty.robots_broken = True
    with Store(tmp_path / "db.sqlite") as store:
        report = _crawl(store, faulty)
        assert store.count() == 0 and report.fetched == 0
        assert set(faulty.hits) == {"/robots.txt"}  # RFC 9309: unreachable robots.txt = disallow all
        faulty.robots_broken = False
        report = _crawl(store, faulty)  # later, robots.txt answers: the crawl goes on
        assert store.count() == 3
        _consistent(store)
