"""The crawler against real local HTTP servers serving the fixture portals."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import protego
import pytest

from corpus.crawl.links import xml_links
from corpus.crawl.loop import crawl
from corpus.crawl.reclean import reclean
from corpus.crawl.urls import canonical_url
from corpus.crawl.frontier import Frontier
from corpus.knowledge.provinces import detect_province
from corpus.crawl.sources import Source, SourceError, load_sources
from corpus.store.db import Store
from tests.conftest import raw_page_count, respond, url_states

ROOT = Path(__file__).resolve().parent.parent
SITES = ["bdv-quangninh", "phunu-hagiang", "cttdt-vinhlong", "dangbo-nghean", "baohagiang-tv"]
FAST = dict(delay=0, timeout=2.0, retries=1, backoff=0.01)


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files with ETag/Last-Modified, a request log, and scripted failure routes."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".aspx": "text/html", ".html": "text/html"}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        self.server.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.server.routes.get(path)
        if route is not None:
            return route(self)
        file = Path(self.translate_path(self.path))
        if file.is_dir() and path.endswith("/"):
            file = file / "index.html"
        if file.is_file():
            stat = file.stat()
            etag = '"%x-%x"' % (stat.st_mtime_ns, stat.st_size)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            self._etag = etag
        return super().do_GET()

    def end_headers(self):
        etag = getattr(self, "_etag", None)
        if etag:
            self.send_header("ETag", etag)
            self._etag = None
        super().end_headers()


class SiteServer:
    """A threaded HTTP server on 127.0.0.1 with a web root and extra routes."""

    def __init__(self, root: Path, routes: dict | None = None) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteHandler, directory=str(root)))
        self.httpd.log = []
        self.httpd.routes = routes or {}
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    @property
    def log(self) -> list:
        return self.httpd.log

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(root, routes=None):
        server = SiteServer(Path(root), routes)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _gold(shared_dir, site):
    rows = [json.loads(line) for line in (shared_dir / "fixtures/sites/gold.jsonl").open(encoding="utf-8")]
    return [g for g in rows if g["site"] == site]


def _source(server, name="site", **extra):
    return Source(name=name, start_urls=[server.url], allow_private=True, **extra)


def _snapshot(store):
    return {doc.id: doc.stamp() for doc in store}


@pytest.mark.shared
@pytest.mark.parametrize("site", SITES)
def test_crawl_site_stores_every_article_once_and_obeys_robots(shared_dir, serve, tmp_path, site):
    root = shared_dir / "fixtures/sites" / site
    server = serve(root)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[_source(server, site)], **FAST)
        assert report.finished and report.queued == 0
        gold = _gold(shared_dir, site)
        expected = {canonical_url(server.url.rstrip("/") + g["path"]) for g in gold}
        stored = Counter(doc.url for doc in store if doc.parent_id is None)  # attached files are documents too
        assert set(stored) == expected  # every gold article, and nothing else (no listing pages)
        articles = {doc.id for doc in store if doc.parent_id is None}
        assert all(doc.parent_id in articles for doc in store if doc.parent_id)
        assert all(n == 1 for n in stored.values())
        by_url = {doc.url: doc for doc in store}
        for g in gold:
            doc = by_url[canonical_url(server.url.rstrip("/") + g["path"])]
            assert doc.title == g["title"] and doc.published == g["published"]
            assert doc.source == site and doc.fetched_at

        # robots.txt: a disallowed path is never requested
        rules = protego.Protego.parse((root / "robots.txt").read_text(encoding="utf-8"))
        requested = [path for path, _ in server.log]
        assert not [p for p in requested if not rules.can_fetch(server.url.rstrip("/") + p, "danvan-crawler")]

        # duplicate links (?ref=, ?utm_source=, trailing slash, fragments) are fetched once
        answered = Counter(canonical_url(server.url.rstrip("/") + p) for p in requested if p != "/robots.txt")
        assert max(answered.values()) <= 2  # a directory link without "/" costs one redirect at most
        assert sum(1 for n in answered.values() if n > 1) <= 2

        # re-crawl: conditional requests only, nothing new stored
        before = _snapshot(store)
        server.log.clear()
        again = crawl(store, sources=[_source(server, site)], **FAST)
        assert again.added == again.updated == 0 and again.fetched == 0
        assert again.not_modified == report.fetched
        page_requests = [h for p, h in server.log if p != "/robots.txt"]
        conditional = [h for h in page_requests if "if-none-match" in h or "if-modified-since" in h]
        assert len(conditional) == report.fetched
        assert _snapshot(store) == before


@pytest.mark.shared
def test_interrupted_crawl_resumes_to_the_same_store(shared_dir, serve, tmp_path):
    server = serve(shared_dir / "fixtures/sites/dangbo-nghean")
    with Store(tmp_path / "whole.db") as store:
        crawl(store, sources=[_source(server)], **FAST)
        whole = _snapshot(store)
    server.log.clear()
    with Store(tmp_path / "parts.db") as store:
        first = crawl(store, sources=[_source(server)], max_pages=7, **FAST)
        assert not first.finished and first.queued > 0
        second = crawl(store, sources=[_source(server)], **FAST)
        assert second.resumed and second.finished
        assert _snapshot(store) == whole
    pages = Counter(p for p, _ in server.log if p != "/robots.txt")
    assert max(pages.values()) == 1  # the resumed crawl did not fetch again what the first part did


CRAWL_KILLS = int(os.environ.get("DANVAN_CRAWL_KILLS", "3"))


@pytest.mark.shared
def test_killed_crawl_process_resumes_to_the_same_store(shared_dir, serve, tmp_path):
    """``kill -9`` a crawl again and again: nothing stored is lost, nothing is stored twice."""
    server = serve(shared_dir / "fixtures/sites/cttdt-vinhlong")
    with Store(tmp_path / "whole.db") as store:
        crawl(store, sources=[_source(server)], **FAST)
        whole = _snapshot(store)
    db = tmp_path / "killed.db"
    script = (
        "import sys; from corpus.store.db import Store; from corpus.crawl.loop import crawl; from corpus.crawl.sources import Source\n"
        f"crawl(Store({str(db)!r}), sources=[Source(name='site', start_urls=[{server.url!r}], allow_private=True)],"
        " delay=0.05, timeout=2.0, retries=1, backoff=0.01)\n"
    )
    stored: dict = {}
    kills = 0
    for _ in range(CRAWL_KILLS):
        server.log.clear()
        proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 30
        while len(server.log) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.kill()
        killed = proc.wait() == -9
        kills += killed
        with Store(db) as store:
            now = _snapshot(store)
        assert stored.items() <= now.items(), "a page stored before a kill was lost or changed"
        assert now.items() <= whole.items()  # every page stored is stored as a whole crawl stores it
        stored = now
        if not killed:
            break  # the crawl got to the end
    assert kills >= 1, "every crawl finished before it could be killed"
    with Store(db) as store:
        report = crawl(store, sources=[_source(server)], **FAST)
        assert report.finished and (report.resumed or not killed)
        assert _snapshot(store) == whole
    print(f"\n{kills} crawl kills survived; {len(whole)} pages stored once each")


def _answer(status, body=b"", headers=()):
    return lambda handler: respond(handler, status, body, headers)


def _slow(handler):
    time.sleep(1.5)
    _answer(200, b"<html><body>late</body></html>", [("Content-Type", "text/html")])(handler)


def _huge(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()  # no Content-Length: the crawler must stop reading by itself
    try:
        for _ in range(64):
            handler.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.mark.shared
def test_failing_pages_are_recorded_and_the_crawl_goes_on(shared_dir, serve, tmp_path):
    flaky_calls = []

    def flaky(handler):
        flaky_calls.append(1)
        if len(flaky_calls) == 1:
            return _answer(503, b"busy", [("Retry-After", "0")])(handler)
        body = (shared_dir / "fixtures/sites/dangbo-nghean/vi-vn/chuyen-muc/dan-van-kheo/4127.html").read_bytes()
        return _answer(200, body, [("Content-Type", "text/html; charset=utf-8")])(handler)

    start = b"""<html><body><a href="/__500.html">a</a> <a href="/__slow.html">b</a> <a href="/__huge.html">c</a>
        <a href="/__flaky.html">d</a> <a href="/missing.html">e</a>
        <a href="/vi-vn/chuyen-muc/dan-van-kheo.html">listing</a></body></html>"""
    routes = {
        "/": _answer(200, start, [("Content-Type", "text/html")]),
        "/__500.html": _answer(500, b"oops"),
        "/__slow.html": _slow,
        "/__huge.html": _huge,
        "/__flaky.html": flaky,
    }
    server = serve(shared_dir / "fixtures/sites/dangbo-nghean", routes)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[_source(server)], delay=0, timeout=0.5, retries=1, backoff=0.01,
                       max_bytes=512 * 1024)
        assert report.finished
        failed = dict(report.failures)
        assert set(failed) >= {server.url + "__500.html", server.url + "__slow.html", server.url + "__huge.html",
                               server.url + "missing.html"}
        assert "larger than" in failed[server.url + "__huge.html"]
        assert "timed out" in failed[server.url + "__slow.html"]
        assert sum(1 for p, _ in server.log if p == "/__500.html") == 2  # retried once
        assert server.url + "__flaky.html" not in failed  # the retry succeeded
        # every article of the site once (the flaky page is a copy of one), and the one attached file
        assert sum(doc.parent_id is None for doc in store) == 9 and store.count() == 10
        assert report.duplicates == 1
        frontier = Frontier(store)
        assert url_states(store)["failed"] == 4  # 500, too slow, too large, 404: each with its reason
        assert frontier.reasons("failed")["HTTP 404"] == 1
        assert frontier.reasons("skipped")["duplicate of a page already stored"] == 1


def test_private_addresses_need_explicit_permission(tmp_path):
    server = SiteServer(tmp_path)
    try:
        with Store(tmp_path / "db.sqlite") as store:
            report = crawl(store, start_urls=[server.url], **FAST)
        assert server.log == [] and report.visited == 0
    finally:
        server.close()


@pytest.mark.shared
def test_reclean_rebuilds_documents_without_fetching(shared_dir, serve, tmp_path):
    server = serve(shared_dir / "fixtures/sites/baohagiang-tv")
    with Store(tmp_path / "db.sqlite") as store:
        crawl(store, sources=[_source(server)], **FAST)
        before = _snapshot(store)
        victim = next(iter(before))
        store.delete(victim)
        server.log.clear()
        report = reclean(store)
        assert server.log == []
        assert report.added == 1 and report.unchanged == len(before) - 1
        assert _snapshot(store) == before


def test_canonical_urls():
    assert canonical_url("HTTP://Portal.VN:80/tin/a.html?utm_source=fb&ref=home#top") == "http://portal.vn/tin/a.html"
    assert canonical_url("https://portal.vn:443/tin/") == canonical_url("https://portal.vn/tin")
    assert canonical_url("/x.aspx?ItemID=42&b=1", "http://p.vn/a/tin-42.aspx") == "http://p.vn/x.aspx?ItemID=42&b=1"
    assert canonical_url("/a/tin-4242.aspx?ItemID=4242", "http://p.vn/") == "http://p.vn/a/tin-4242.aspx"
    assert canonical_url("/a?b=2&a=1", "http://p.vn/") == "http://p.vn/a?a=1&b=2"
    assert canonical_url("javascript:print()") is None and canonical_url("mailto:a@b.vn") is None


def test_sitemaps_and_feeds_resolve_relative_locations():
    sitemap = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>/tin/1.html</loc></url><url><loc>http://p.vn/tin/2.html</loc></url></urlset>"""
    assert xml_links(sitemap, "http://p.vn/sitemap.xml") == ("sitemap", ["http://p.vn/tin/1.html", "http://p.vn/tin/2.html"], [])
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>/sitemap-news.xml</loc></sitemap></sitemapindex>"""
    assert xml_links(index, "http://p.vn/sitemap.xml") == ("sitemap", [], ["http://p.vn/sitemap-news.xml"])
    rss = b"""<rss version="2.0"><channel><title>t</title><link>http://p.vn/</link>
        <item><title>a</title><link>http://p.vn/tin/3.html</link></item></channel></rss>"""
    kind, pages, _ = xml_links(rss, "http://p.vn/rss")
    assert kind == "feed" and "http://p.vn/tin/3.html" in pages
    assert xml_links(b"<html><body>no</body></html>", "http://p.vn/") is None


def test_sources_file(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "Ban Dân vận"\nstart_urls = ["https://bdv.example.vn/", "https://bdv.example.vn/sitemap.xml"]\n'
        'province = "Quảng Ninh"\nallowed_prefixes = ["/web/guest/"]\ndelay = 2\n',
        encoding="utf-8",
    )
    (source,) = load_sources(path)
    assert source.province == "Quảng Ninh" and source.delay == 2.0
    assert source.in_scope("https://www.bdv.example.vn/web/guest/tin-1")
    assert not source.in_scope("https://bdv.example.vn/c/portal/login")
    assert not source.in_scope("https://other.example.vn/web/guest/tin-1")
    path.write_text("[[source]]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(SourceError):
        load_sources(path)
    with pytest.raises(SourceError):
        load_sources(tmp_path / "missing.toml")


def test_per_host_delay_and_robots_crawl_delay(tmp_path):
    (tmp_path / "robots.txt").write_text("User-agent: *\nCrawl-delay: 3\nDisallow: /private/\n", encoding="utf-8")
    (tmp_path / "a.html").write_text("<html><body>a</body></html>", encoding="utf-8")
    server = SiteServer(tmp_path)
    waits = []
    try:
        from corpus.crawl.fetch import Fetcher

        with Fetcher(delay=0.5, sleep=waits.append) as fetcher:
            assert fetcher.fetch(server.url + "a.html", allow_private=True).ok
            assert fetcher.fetch(server.url + "a.html", allow_private=True).ok
            blocked = fetcher.fetch(server.url + "private/x.html", allow_private=True)
        assert blocked.blocked and not any(p.startswith("/private") for p, _ in server.log)
        assert waits and 2.5 < max(waits) <= 3.0  # the robots Crawl-delay (3 s) outranks --delay 0.5
        assert all(h["user-agent"].startswith("danvan-crawler/") for _, h in server.log)
    finally:
        server.close()


@pytest.mark.shared
def test_cli_crawl_and_reclean(shared_dir, serve, tmp_path):
    from click.testing import CliRunner

    from cli import cli

    server = serve(shared_dir / "fixtures/sites/baohagiang-tv")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "hgtv"\nstart_urls = ["{server.url}"]\nallow_private = true\n', encoding="utf-8")
    runner = CliRunner()
    home = str(tmp_path / "home")
    result = runner.invoke(cli, ["crawl", "--data-dir", home, "--sources", str(sources), "--delay", "0", "--max-pages", "3"])
    assert result.exit_code == 0, result.output
    assert "still queued" in result.output
    result = runner.invoke(cli, ["crawl", "--data-dir", home, "--sources", str(sources), "--delay", "0"])
    assert result.exit_code == 0 and "new articles" in result.output
    with Store(Path(home) / "danvan.db") as store:
        assert store.count() == 6
    result = runner.invoke(cli, ["reclean", "--data-dir", home])
    assert result.exit_code == 0 and "6 unchanged" in result.output
    result = runner.invoke(cli, ["crawl", "--data-dir", home])
    assert result.exit_code != 0 and "--sources" in result.output
    result = runner.invoke(cli, ["crawl", "--data-dir", home, "--sources", str(tmp_path / "nope.toml")])
    assert result.exit_code != 0 and "no sources file" in result.output


class OctetStreamHandler(SiteHandler):
    """A portal whose server labels every .aspx and .html page application/octet-stream."""

    extensions_map = {**SiteHandler.extensions_map, ".aspx": "application/octet-stream",
                      ".html": "application/octet-stream"}


@pytest.mark.shared
def test_pages_labelled_octet_stream_are_crawled_whole(shared_dir, tmp_path):
    """Issue 13.5: a SharePoint portal serving .aspx as application/octet-stream lost every article."""
    root = shared_dir / "fixtures/sites/cttdt-vinhlong"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(OctetStreamHandler, directory=str(root)))
    httpd.log, httpd.routes, httpd.daemon_threads = [], {}, True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        with Store(tmp_path / "db.sqlite") as store:
            report = crawl(store, sources=[Source(name="site", start_urls=[url], allow_private=True)], **FAST)
            gold = _gold(shared_dir, "cttdt-vinhlong")
            assert {doc.url for doc in store if doc.parent_id is None} == {
                canonical_url(url.rstrip("/") + g["path"]) for g in gold}
            assert report.outcomes["article"] == len(gold) and report.outcomes["listing"] >= 1
            assert raw_page_count(store) == (report.outcomes["article"] + report.outcomes["listing"]
                                              + report.outcomes["attachment"])  # raw pages and files kept
            assert sum(report.outcomes.values()) == report.visited + report.blocked
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_every_url_ends_in_one_counted_outcome_in_the_report_and_the_store(tmp_path, serve):
    """article, listing, sitemap, attachment, skipped (with a reason) or failed (with a reason); none is lost."""
    article = ("<html><head><title>Dân vận khéo ở xã Nam Hòa</title></head><body><article><h1>Dân vận khéo ở xã Nam Hòa"
               "</h1><p>Ngày 01/07/2022</p>" + "<p>Hội Phụ nữ xã triển khai phong trào thi đua Dân vận khéo, thực "
               "hiện Nghị quyết 25-NQ/TW với nhiều mô hình hay, được nhân dân đồng tình hưởng ứng.</p>" * 4
               + "</article></body></html>").encode()
    home = b"""<html><body><a href="/tin-1">a</a> <a href="/tin-1-copy">b</a> <a href="/tai-ve?id=3">pdf</a>
        <a href="/anh?id=4">png</a> <a href="/mat">404</a> <a href="/admin/x">robots</a>
        <a href="/sitemap.xml">sm</a></body></html>"""
    sitemap = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/tin-1</loc></url></urlset>'
    routes = {
        "/": _answer(200, home, [("Content-Type", "text/html")]),
        "/tin-1": _answer(200, article, [("Content-Type", "application/octet-stream")]),
        "/tin-1-copy": _answer(200, article, [("Content-Type", "text/plain")]),
        "/tai-ve": _answer(200, b"%PDF-1.4 ...", [("Content-Type", "application/octet-stream")]),
        "/anh": _answer(200, b"\x89PNG\r\n\x1a\n...", [("Content-Type", "image/png")]),
        "/robots.txt": _answer(200, b"User-agent: *\nDisallow: /admin/\n", [("Content-Type", "text/plain")]),
        "/sitemap.xml": _answer(200, sitemap, [("Content-Type", "application/xml")]),
    }
    server = serve(tmp_path, routes)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[_source(server)], **FAST)
        assert dict(report.outcomes) == {"listing": 1, "article": 1, "skipped": 3, "attachment": 1, "sitemap": 1,
                                         "failed": 1}
        assert dict(report.skipped) == {"duplicate of a page already stored": 1, "not a page (image/png)": 1,
                                        "disallowed by robots.txt": 1}
        frontier = Frontier(store)
        assert url_states(store) == dict(report.outcomes)
        assert frontier.reasons("skipped") == dict(report.skipped)
        assert frontier.reasons("failed") == {"HTTP 404": 1}

    from click.testing import CliRunner

    from cli import cli

    result = CliRunner().invoke(cli, ["crawl", "--data-dir", str(tmp_path / "h"), "--delay", "0", "--allow-private",
                                      server.url])
    assert result.exit_code == 0, result.output
    assert ("1 articles (1 new articles, 0 updated, 0 unchanged, 0 not modified), 1 listings, 1 sitemaps/feeds, "
            "1 attachments, 3 skipped, 1 failed") in result.output
    assert "skipped 1: not a page (image/png)" in result.output


def test_sources_file_refuses_unknown_keys_and_wrong_types(tmp_path):
    """Issue 13.4: a typo (provnce) was ignored and the crawl went on without the setting."""
    path = tmp_path / "sources.toml"
    head = '[[source]]\nname = "bdv"\nstart_urls = ["https://bdv.example.vn/"]\n'
    cases = {
        'provnce = "Quảng Ninh"': ["'provnce'", "did you mean 'province'", "allow_private, allowed_prefixes, delay"],
        'delay = "2"': ["delay must be a number of seconds"],
        "delay = true": ["delay must be a number of seconds"],
        "delay = inf": ["delay must be a number of seconds from 0 to 3600"],  # crashed time.sleep mid-crawl
        'allow_private = "yes"': ["allow_private must be true or false"],
        "max_pages = 0": ["max_pages must be a whole number >= 1"],
        "allowed_prefixes = [1, 2]": ["allowed_prefixes must be"],
        'province = "Quang Nin"': ["unknown province 'Quang Nin'"],
    }
    for line, words in cases.items():
        path.write_text(head + line + "\n", encoding="utf-8")
        with pytest.raises(SourceError) as info:
            load_sources(path)
        for word in words:
            assert word in str(info.value), (line, str(info.value))
        assert "source 1" in str(info.value)
    path.write_text("[[sorce]]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unknown key 'sorce'"):
        load_sources(path)
    path.write_text(head + 'province = "quang ninh"\nmax_pages = 50\nallow_private = true\n', encoding="utf-8")
    (source,) = load_sources(path)
    assert (source.province, source.max_pages, source.allow_private) == ("Quảng Ninh", 50, True)
    path.write_text(head + 'province = "Trung ương"\n', encoding="utf-8")
    (source,) = load_sources(path)  # a national portal: no province of its own, extraction abstains
    assert source.province == "Trung ương"
    assert detect_province(text="Hội nghị tại tỉnh Quảng Ninh.", source_province=source.province) is None


def test_cli_crawl_of_a_loopback_site_needs_allow_private_and_says_so(tmp_path, serve):
    """Issue 13.6: a crawl of a local mirror "succeeded" with 0 pages and exit 0."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<html><body><p>trang chủ</p></body></html>", encoding="utf-8")
    server = serve(tmp_path / "site")
    home = tmp_path / "home"
    refused = subprocess.run([sys.executable, "-m", "cli", "crawl", "--data-dir", str(home), "--delay", "0", server.url],
                             cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "nothing could be fetched" in refused.stderr and "--allow-private" in refused.stderr
    assert server.log == []
    allowed = subprocess.run([sys.executable, "-m", "cli", "crawl", "--data-dir", str(home), "--delay", "0",
                              "--allow-private", server.url], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert allowed.returncode == 0, allowed.stderr
    assert "crawled 1 pages" in allowed.stdout and [p for p, _ in server.log] == ["/robots.txt", "/"]
    from click.testing import CliRunner

    from cli import cli

    help_text = CliRunner().invoke(cli, ["crawl", "--help"]).output
    assert "--allow-private" in help_text and "loopback" in help_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--allow-private" in readme and "allow_private" in readme and "max_pages" in readme


def test_a_store_from_before_outcomes_and_priorities_is_migrated(tmp_path):
    """Old states (other, gone, blocked, duplicate) become outcomes; the priority column is added."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("""CREATE TABLE crawl_urls (url TEXT PRIMARY KEY, fetch_url TEXT NOT NULL, source TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'page', depth INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, visited_run INTEGER,
        state TEXT NOT NULL DEFAULT 'queued', http_status INTEGER, etag TEXT, last_modified TEXT, fetched_at TEXT,
        tries INTEGER NOT NULL DEFAULT 0, error TEXT, doc_id TEXT)""")
    old = [("a", "page", "other"), ("b", "sitemap", "other"), ("c", "page", "gone"), ("d", "page", "blocked"),
           ("e", "page", "duplicate"), ("f", "page", "article"), ("g", "page", "queued")]
    db.executemany("INSERT INTO crawl_urls (url, fetch_url, source, kind, seq, state) VALUES (?, ?, 's', ?, 1, ?)",
                   [(u, u, k, st) for u, k, st in old])
    db.commit()
    db.close()
    with Store(tmp_path / "old.db") as store:
        assert url_states(store) == {"skipped": 3, "sitemap": 1, "failed": 1, "article": 1, "queued": 1}
        assert Frontier(store).next_due(1, ["s"]) is not None  # ordered by the new priority column


def test_a_redirected_robots_txt_is_followed_and_obeyed(serve, tmp_path):
    """RFC 9309 2.3.1.2: robots.txt behind a redirect (http -> https, a www host) still rules the crawl."""
    page = (b"<html><body><a href='/tin'>tin</a> <a href='/admin/x'>admin</a></body></html>")
    routes = {
        "/": _answer(200, page, [("Content-Type", "text/html")]),
        "/robots.txt": _answer(301, b"", [("Location", "/static/robots-real.txt")]),
        "/static/robots-real.txt": _answer(200, b"User-agent: *\nDisallow: /admin/\n", [("Content-Type", "text/plain")]),
        "/tin": _answer(200, b"<html><body><h1>Tin</h1><p>x</p></body></html>", [("Content-Type", "text/html")]),
        "/admin/x": _answer(200, b"<html><body>secret</body></html>", [("Content-Type", "text/html")]),
    }
    server = serve(tmp_path, routes)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[_source(server)], **FAST)
    requested = [path for path, _ in server.log]
    assert "/static/robots-real.txt" in requested and "/admin/x" not in requested
    assert dict(report.skipped).get("disallowed by robots.txt") == 1
