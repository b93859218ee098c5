"""Several hosts crawled at once, one polite queue each (no timing assertions: the servers observe)."""
from __future__ import annotations

import threading
from functools import partial

import pytest

from corpus.crawl.loop import crawl
from corpus.crawl.sources import Source
from corpus.store.db import Store
from tests.conftest import respond
from tests.test_crawl import SiteServer

ARTICLE = ("<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Ngày đăng: 0{n}/03/2021</p>"
           "<div class='article-content'>" + "<p>Ban Dân vận huyện phối hợp với Mặt trận Tổ quốc vận động "
           "nhân dân hiến đất làm đường, xây dựng nhà văn hóa thôn, phát huy quyền làm chủ của nhân dân {n}.</p>" * 4
           + "</div></body></html>")


def _site(root, name: str, pages: int = 3):
    root.mkdir()
    links = "".join(f"<li><a href='/a{n}.html'>Bài viết số {n} của trang {name} về dân vận</a></li>" for n in range(1, pages + 1))
    (root / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    for n in range(1, pages + 1):
        (root / f"a{n}.html").write_text(ARTICLE.format(title=f"Bài {n} của {name} về công tác dân vận", n=n),
                                         encoding="utf-8")


class Watch:
    """Requests in flight per server, and the most there ever were."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: dict = {}
        self.most: dict = {}

    def wrap(self, server: SiteServer) -> None:
        made = server.httpd.RequestHandlerClass  # functools.partial(SiteHandler, directory=...)
        watch = self

        class Watched(made.func):
            def do_GET(self):
                with watch.lock:
                    watch.now[server] = watch.now.get(server, 0) + 1
                    watch.most[server] = max(watch.most.get(server, 0), watch.now[server])
                try:
                    return super().do_GET()
                finally:
                    with watch.lock:
                        watch.now[server] -= 1

        server.httpd.RequestHandlerClass = partial(Watched, *made.args, **made.keywords)


def test_a_stalled_host_does_not_hold_up_the_others(tmp_path):
    """Host A's page answers only once host B has been crawled: a one-queue crawler would wait it out."""
    for name in "abc":
        _site(tmp_path / name, name)
    b_done = threading.Event()
    released_by_b = []

    def stalled(handler):
        released_by_b.append(b_done.wait(timeout=20))
        respond(handler, 200, (tmp_path / "a" / "a1.html").read_bytes(), [("Content-Type", "text/html")])

    a = SiteServer(tmp_path / "a", {"/a1.html": stalled})
    b, c = SiteServer(tmp_path / "b"), SiteServer(tmp_path / "c")
    b.httpd.routes["/a3.html"] = lambda h: (respond(h, 200, (tmp_path / "b" / "a3.html").read_bytes(),
                                                    [("Content-Type", "text/html")]), b_done.set())
    watch = Watch()
    for server in (a, b, c):
        watch.wrap(server)
    try:
        with Store(tmp_path / "lanes.db") as store:
            sources = [Source(name=n, start_urls=[s.url], allow_private=True) for n, s in zip("abc", (a, b, c))]
            report = crawl(store, sources=sources, delay=0.05, timeout=30, retries=0, concurrent_hosts=3)
            assert report.finished and report.added == 9
    finally:
        for server in (a, b, c):
            server.close()
    assert released_by_b == [True]  # host B's last page came while A's page was still pending
    assert set(watch.most.values()) == {1}  # never two requests at once to one host


@pytest.mark.parametrize("lanes", [1, 4])
def test_same_store_whatever_the_number_of_lanes(tmp_path, lanes):
    servers = []
    for name in "abcd":
        _site(tmp_path / name, name, pages=2)
        servers.append(SiteServer(tmp_path / name))
    # Two sources on one host share its queue: the fetcher still sends one request at a time.
    sources = [Source(name=n, start_urls=[s.url], allow_private=True) for n, s in zip("abcd", servers)]
    sources.append(Source(name="a-again", start_urls=[servers[0].url + "a1.html"], allow_private=True))
    watch = Watch()
    for server in servers:
        watch.wrap(server)
    try:
        with Store(tmp_path / "s.db") as store:
            report = crawl(store, sources=sources, delay=0.01, timeout=5, retries=0, concurrent_hosts=lanes)
            assert report.finished
            assert sorted(doc.title for doc in store) == sorted(
                f"Bài {n} của {name} về công tác dân vận" for name in "abcd" for n in (1, 2))
            budget = crawl(store, sources=sources, delay=0, timeout=5, retries=0, max_pages=3, concurrent_hosts=lanes)
            assert budget.visited == 3  # the global page budget holds with several lanes
    finally:
        for server in servers:
            server.close()
    assert set(watch.most.values()) == {1}
