"""The crawler against hostile local sites (127.0.0.1 and ::1 only): link traps, a
page of 200,000 links, endlessly nested sitemap indexes, a gzip sitemap bomb,
redirects to ``javascript:``/``data:``/64 KB URLs and to URLs with credentials,
a 10 MiB robots.txt, IPv6 and v4-mapped loopback, a name that resolves to a
public address and then to a private one.  No bad URL stops the crawl, every URL
taken ends in one counted outcome with its reason, and requests and memory stay
bounded (the figures are printed beside a same-run crawl of a benign site).
"""
from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from corpus.crawl.links import gunzip
from corpus.crawl.loop import crawl
from corpus.crawl.fetch import Fetcher, is_private_host, private_address
from corpus.crawl.frontier import OUTCOMES, Frontier
from corpus.crawl.sources import Source
from corpus.store.db import Store
from tests.conftest import respond, url_states

ROOT = Path(__file__).resolve().parent.parent
FAST = dict(delay=0, timeout=2.0, retries=0, backoff=0.01)
LONG = "x" * (70 * 1024)  # a link
LONG_REDIRECT = "x" * (10 * 1024)  # a Location header (under h11's 16 KB header limit, over the 4 KB URL cap)
BUDGET = 150
ARTICLE = ("<html><head><title>Dân vận khéo ở cơ sở số {n}</title></head><body><article class='post'>"
           "<h1>Dân vận khéo ở cơ sở số {n}</h1><div class='date'>15:15, 01/07/2022</div>"
           + "<p>Hội Phụ nữ huyện triển khai phong trào thi đua Dân vận khéo số {n}, thực hiện Nghị quyết 25-NQ/TW "
             "với nhiều mô hình hay, thiết thực, được nhân dân đồng tình hưởng ứng.</p>" * 4
           + "</article></body></html>")


def _html(body: str) -> bytes:
    return f"<html><body>{body}</body></html>".encode()


def _links(urls) -> str:
    return "".join(f'<a href="{u}">l</a> ' for u in urls)


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        respond(self, status, body, headers)

    def page(self, body: bytes, ctype="text/html; charset=utf-8"):
        self.send(200, body, [("Content-Type", ctype)])

    def do_GET(self):
        server = self.server
        server.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        path, _, query = self.path.partition("?")
        if path == "/robots.txt":
            if server.huge_robots:
                return self.page(server.huge_robots, "text/plain")
            return self.page(b"User-agent: *\nDisallow: /admin/\nSitemap: /sitemap.xml.gz\nSitemap: /nest/0.xml\n",
                             "text/plain")
        if path == "/":
            return self.page(_html(_links(
                [f"/tin-{n}.html" for n in range(5)]
                + ["/trap/a/", "/lich?month=1", "/many", "/redir-js", "/redir-data", "/redir-long", "/redir-creds",
                   f"/{LONG}", "/redir-v6", "/redir-mapped", "/octet"])))
        if path.startswith("/tin-"):
            return self.page(ARTICLE.format(n=path[5:-5]).encode())
        if path == "/octet":  # an article labelled as a download
            return self.page(ARTICLE.format(n="octet").encode(), "application/octet-stream")
        if path.startswith("/trap/"):  # every page links one level deeper, twice
            return self.page(_html(_links([path + "a/", path + "b/"])))
        if path == "/lich":  # a calendar: next month, forever
            month = int(parse_qs(query).get("month", ["1"])[0])
            return self.page(_html(_links([f"/lich?month={month + 1}", f"/lich?month={month + 1}&view=week"])))
        if path == "/many":
            return self.page(server.many)
        if path == "/sitemap.xml.gz":
            return self.send(200, server.bomb, [("Content-Type", "application/x-gzip")])
        if path.startswith("/nest/"):  # each index names two deeper ones and a page
            n = int(path[6:].split(".")[0].rstrip("ab"))
            maps = "".join(f"<sitemap><loc>/nest/{n + 1}{s}.xml</loc></sitemap>" for s in ("a", "b"))
            body = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
            return self.page(body.encode(), "application/xml")
        if path.startswith("/chain/"):  # a urlset listing the next sitemap as a page, forever
            n = int(path[7:].split("-")[0])
            body = (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f'<url><loc>/chain/{n + 1}-sitemap.xml</loc></url></urlset>')
            return self.page(body.encode(), "application/xml")
        port = server.server_address[1]
        redirects = {
            "/redir-js": "javascript:alert(1)",
            "/redir-data": "data:text/html,<script>alert(1)</script>",
            "/redir-long": f"/{LONG_REDIRECT}",
            "/redir-creds": f"http://user:secret@127.0.0.1:{port}/landing",
            "/redir-v6": f"http://[::1]:{port}/",
            "/redir-mapped": f"http://[::ffff:127.0.0.1]:{port}/",
        }
        if path in redirects:
            return self.send(302, headers=[("Location", redirects[path])])
        if path == "/landing":
            return self.page(ARTICLE.format(n="landing").encode())
        return self.send(404)


def _bomb(gigabytes: int = 4) -> bytes:
    """``gigabytes`` GB of spaces in ~1 KB gzip members (4 MB on the wire for 4 GB)."""
    member = gzip.compress(b" " * 2**20, compresslevel=9)
    return member * (gigabytes * 1024)


@pytest.fixture(scope="module")
def bomb():
    return _bomb()


def _start(bomb: bytes, *, host: str = "127.0.0.1", huge_robots: bytes | None = None):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
    httpd = server_class((host, 0), Hostile)
    httpd.daemon_threads = True
    httpd.log, httpd.bomb, httpd.huge_robots = [], bomb, huge_robots
    httpd.many = _html("".join(f"<a href=/m/{n}>l</a>" for n in range(200_000)))  # 4 MB
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    httpd.url = f"http://{shown}:{httpd.server_address[1]}/"
    return httpd


@pytest.fixture
def hostile(bomb):
    servers = []

    def start(**kw):
        servers.append(_start(bomb, **kw))
        return servers[-1]

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _all_text(store) -> str:
    """Every text cell of the crawl tables (what a leak would show up in)."""
    out = []
    for table in ("crawl_urls", "crawl_sources", "raw_pages", "documents"):
        for row in store.db.execute(f"SELECT * FROM {table}"):
            out.extend(str(v) for v in row if isinstance(v, str))
    return "\n".join(out)


def test_hostile_site_crawl_is_bounded_and_every_url_gets_one_outcome(tmp_path, hostile):
    httpd = hostile()
    source = Source(name="hostile", start_urls=[httpd.url], allow_private=True, max_pages=BUDGET)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[source], **FAST)
        frontier = Frontier(store)
        requested = [p for p, _ in httpd.log]

        # Bounded: the page budget, a frontier that does not explode, every good article first.
        assert report.visited <= BUDGET and len(requested) <= BUDGET + 8  # + robots.txt and redirect hops
        assert report.over_budget == ["hostile"] and not report.finished
        assert requested[:2] == ["/robots.txt", "/"]  # the home page is not starved by sitemaps
        stored = {doc.url.rsplit("/", 1)[-1] for doc in store}
        assert {f"tin-{n}.html" for n in range(5)} | {"octet", "landing"} <= stored
        assert store.db.execute("SELECT count(*) FROM crawl_urls").fetchone()[0] < 3000
        assert report.links_dropped["over 1000 links on one page"] == 199_000
        assert report.links_dropped["longer than 4096 characters"] >= 1
        assert max(int(p[6:].split(".")[0].rstrip("ab")) for p in requested if p.startswith("/nest/")) <= 3
        assert not any(len(p) > 4096 for p in requested)
        last_article = max(requested.index(f"/tin-{n}.html") for n in range(5))
        assert last_article < requested.index("/trap/a/a/")
        assert not [p for p in requested if p.startswith("/lich")]  # a calendar waits behind ordinary pages

        # Bad redirects and the bomb fail with their reason; the crawl went on.
        failed = {url.rsplit("/", 1)[-1]: why for url, why in report.failures}
        assert "not an http(s) URL" in failed["redir-js"] and "not an http(s) URL" in failed["redir-data"]
        assert "longer than 4096" in failed["redir-long"]
        assert "larger than 50 MB when decompressed" in failed["sitemap.xml.gz"]
        assert report.skipped["redirect out of scope"] == 2  # [::1] and [::ffff:127.0.0.1] are other hosts

        # Credentials in a redirect are neither sent nor stored.
        landing = [h for p, h in httpd.log if p == "/landing"]
        assert landing and not any("authorization" in h for h in landing)
        assert "secret" not in _all_text(store)

        # One outcome per URL taken, the same in the report and in the store.
        assert sum(report.outcomes.values()) == report.visited + report.blocked
        assert set(report.outcomes) <= set(OUTCOMES)
        taken = dict(store.db.execute(  # a redirect's target is marked with its source: one document, one outcome
            "SELECT state, count(DISTINCT coalesce(doc_id, url)) FROM crawl_urls WHERE visited_run = ? GROUP BY state",
            (report.run,)).fetchall())
        assert taken == {k: v for k, v in report.outcomes.items() if v}

        # A rerun does not crash on the URLs that failed; they fail again with the same reasons.
        again = crawl(store, sources=[source], **FAST)
        assert again.visited <= BUDGET
        assert frontier.reasons("failed")  # still recorded


def test_endlessly_nested_sitemap_indexes_stop_at_the_nesting_limit(tmp_path, hostile):
    httpd = hostile()
    source = Source(name="hostile", start_urls=[httpd.url + "nest/0.xml"], allow_private=True)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[source], **FAST)
    nests = [p for p, _ in httpd.log if p.startswith("/nest/")]
    assert report.finished and len(nests) == 1 + 2 + 2 + 2  # nesting 0..3 (/nest/1a and 1b both name 2a and 2b)
    assert report.links_dropped["sitemap nested too deep"] == 4  # 3a and 3b name 4a and 4b
    assert report.outcomes["sitemap"] == 7 and "/" not in [p for p, _ in httpd.log]


def test_sitemaps_listed_as_pages_of_a_sitemap_count_as_nested(tmp_path, hostile):
    httpd = hostile()
    source = Source(name="hostile", start_urls=[httpd.url + "chain/0-sitemap.xml"], allow_private=True,
                    max_pages=30)
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[source], **FAST)
    chain = [p for p, _ in httpd.log if p.startswith("/chain/")]
    assert report.finished and chain == [f"/chain/{n}-sitemap.xml" for n in range(4)]  # nesting 0..3
    assert report.links_dropped["sitemap nested too deep"] >= 1  # /chain/4 (and /nest/, named by robots.txt)


def test_urls_that_break_the_http_client_fail_alone_and_on_every_rerun(tmp_path, hostile):
    """A frontier holding what an older version queued (a 70 KB URL, an unclosed IPv6 bracket) and
    redirects to javascript:/data: — each is marked failed with its reason, twice, and nothing raises."""
    httpd = hostile()
    source = Source(name="hostile", start_urls=[httpd.url + "redir-js"], allow_private=True)
    with Store(tmp_path / "db.sqlite") as store:
        frontier = Frontier(store)
        bad = {httpd.url + LONG: "longer than 4096", "http://[::1/x": "invalid URL",
               httpd.url + "redir-data": "not an http(s) URL"}
        for url in bad:
            frontier.add(url, url, "hostile")
        store.db.commit()
        for _ in range(2):
            report = crawl(store, sources=[source], **FAST)
            assert report.finished
            failed = dict(report.failures)
            for url, why in bad.items():
                assert why in failed[url]
            assert "not an http(s) URL" in failed[httpd.url + "redir-js"]
        assert url_states(store)["failed"] == 4 + 1  # and the gzip bomb robots.txt announces


def test_huge_robots_txt_is_read_and_obeyed(tmp_path, hostile):
    robots = b"User-agent: *\nDisallow: /\n" + b"# " + b"x" * 78 + b"\n" * 1
    httpd = hostile(huge_robots=robots * (10 * 2**20 // len(robots)))  # 10 MiB
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, sources=[Source(name="h", start_urls=[httpd.url], allow_private=True)], **FAST)
    assert [p for p, _ in httpd.log] == ["/robots.txt"]
    assert report.visited == 0 and report.skipped == {"disallowed by robots.txt": 1}
    assert "disallowed by robots.txt" in report.nothing_fetched()


def test_private_addresses_are_parsed_not_pattern_matched():
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fe80::1", "fc00::1", "10.1.2.3",
                    "169.254.169.254", "100.64.0.1", "0.0.0.0", "::", "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:80ff:fffe",
                    "224.0.0.1", "ff02::1", "192.168.1.1", "fe80::1%eth0"):
        assert private_address(address), address
    for address in ("8.8.8.8", "2001:4860:4860::8888", "14.225.0.1"):
        assert not private_address(address), address
    for host in ("[::1]", "[::ffff:127.0.0.1]:8080", "127.0.0.1:80", "localhost", "2130706433", "0x7f000001"):
        assert is_private_host(host), host


@pytest.mark.parametrize("host", ["[::1]", "[::ffff:127.0.0.1]", "localhost"])
def test_loopback_in_any_spelling_is_refused_without_permission(tmp_path, hostile, host):
    v6 = _ipv6_loopback()
    if host == "[::1]" and not v6:
        pytest.skip("no IPv6 loopback here")
    httpd = hostile(host="::1" if host == "[::1]" else "127.0.0.1")
    url = f"http://{host}:{httpd.server_address[1]}/"
    with Store(tmp_path / "db.sqlite") as store:
        report = crawl(store, start_urls=[url], **FAST)
        assert httpd.log == [] and report.visited == 0
        assert report.refused and "private or loopback" in report.refused[0][1]
        assert "private or loopback" in report.nothing_fetched()
        if host == "[::1]":  # with permission the same URL is crawled (IPv6 hosts keep their brackets)
            report = crawl(store, start_urls=[url], allow_private=True, max_pages=30, **FAST)
            assert report.outcomes["article"] == 6 and store.count() == 6  # /landing is on 127.0.0.1: another site


def test_a_name_that_resolves_public_then_private_is_caught_at_connect(tmp_path, hostile, monkeypatch):
    """DNS rebinding: the scope check sees a public address, the connection goes to 127.0.0.1.
    The address actually connected to is checked before the body is read."""
    httpd = hostile()
    port = httpd.server_address[1]
    real = socket.getaddrinfo
    calls = []

    def rebinding(host, *args, **kw):
        if host == "rebind.example":
            calls.append(host)
            address = "93.184.216.34" if len(calls) == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, args[0] if args and args[0] else port))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Fetcher(delay=0, retries=0) as fetcher:
        result = fetcher.fetch(f"http://rebind.example:{port}/tin-1.html")
    assert len(calls) >= 2 and result.blocked and not result.body
    assert "connected to 127.0.0.1" in result.error


def test_gzip_sitemaps_are_decompressed_as_a_stream_with_a_cap():
    member = gzip.compress(b"<urlset/>")
    assert gunzip(member + member) == b"<urlset/><urlset/>"  # multi-member files are whole
    with pytest.raises(ValueError, match="larger than 1 MB"):
        gunzip(_bomb(1), limit=2**20)
    with pytest.raises(ValueError, match="truncated|corrupt"):
        gunzip(member[:-6])


PEAK = ("import atexit, runpy, sys\n"
        "atexit.register(lambda: print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0],"
        " file=sys.stderr))\n"
        "sys.argv = ['danvan', *sys.argv[1:]]\n"
        "runpy.run_module('cli', run_name='__main__')\n")


def _measured_crawl(args: list[str], home: Path) -> tuple[int, int, str]:
    """Run `danvan crawl` as a real process; (exit status, peak RSS in MB, output).

    The peak is the process's own VmHWM at exit (ru_maxrss would include the forked pytest image)."""
    proc = subprocess.run([sys.executable, "-c", PEAK, "crawl", "--data-dir", str(home), "--delay", "0", *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    peak_kb = int(proc.stderr.rsplit("VmHWM:", 1)[1].split()[0])
    return proc.returncode, peak_kb // 1024, proc.stdout + proc.stderr


def test_hostile_crawl_figures_requests_and_peak_memory_against_a_benign_one(tmp_path, hostile):
    """The same crawl process on a benign site (5 articles) and on the hostile one: requests and peak memory."""
    benign_root = tmp_path / "benign"
    benign_root.mkdir()
    (benign_root / "index.html").write_text(_html(_links(f"/tin-{n}.html" for n in range(5))).decode())
    for n in range(5):
        (benign_root / f"tin-{n}.html").write_text(ARTICLE.format(n=n), encoding="utf-8")
    from tests.test_crawl import SiteServer

    benign = SiteServer(benign_root)
    httpd = hostile()
    try:
        status, benign_mb, out = _measured_crawl([benign.url, "--allow-private"], tmp_path / "b")
        assert status == 0, out
        benign_requests = len(benign.log)
        sources = tmp_path / "hostile.toml"
        sources.write_text(f'[[source]]\nname = "hostile"\nstart_urls = ["{httpd.url}"]\nallow_private = true\n'
                           f"max_pages = {BUDGET}\n", encoding="utf-8")
        status, hostile_mb, out = _measured_crawl(["--sources", str(sources)], tmp_path / "h")
        assert status == 0, out
        assert "page budget (max_pages) spent for: hostile" in out
        assert "links not followed 199000: over 1000 links on one page" in out
    finally:
        benign.close()
    print(f"\nhostile crawl: {len(httpd.log)} requests (budget {BUDGET}), peak RSS {hostile_mb} MB; "
          f"benign crawl, same run: {benign_requests} requests, peak RSS {benign_mb} MB")
    assert len(httpd.log) <= BUDGET + 8  # + robots.txt and redirect hops
    assert hostile_mb < benign_mb + 250  # a 4 GB sitemap bomb and a 200,000-link page cost at most 250 MB more
