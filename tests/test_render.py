"""Script-built pages: the shell is recognised, and rendered in headless Chromium when asked.

The shell page and its script are served from 127.0.0.1; every request the
browser makes goes through the crawler's fetcher (its user agent, robots.txt).
"""
from __future__ import annotations

import pytest

from corpus.crawl.loop import crawl
from corpus.crawl.render import is_shell, render_problem
from corpus.crawl.sources import Source
from corpus.store.db import Store
from tests.test_crawl import SiteServer
from tests.test_layouts import BODY, HEADLINE, page

SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>{title} - Cổng thông tin</title>
<script src="/static/app.js" defer></script>{extra}</head>
<body><div id="root"></div><noscript>Bật JavaScript để xem trang.</noscript></body></html>"""
APP_JS = """
document.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('root');
  var h = document.createElement('h1'); h.textContent = %(headline)r; root.appendChild(h);
  var d = document.createElement('div'); d.textContent = 'Ngày đăng: 16/11/2016 09:15'; root.appendChild(d);
  var body = document.createElement('div'); body.className = 'article-content';
  body.innerHTML = %(body)r; root.appendChild(body);
});
"""


def _shell_site(tmp_path, third_party_url: str = ""):
    site = tmp_path / "shell"
    (site / "static").mkdir(parents=True)
    extra = f'<script src="{third_party_url}tracker.js"></script>' if third_party_url else ""
    (site / "index.html").write_text("<html><body><a href='/bai-viet.html'>Bài viết về công tác dân vận ở cơ sở</a>"
                                     "</body></html>", encoding="utf-8")
    (site / "bai-viet.html").write_text(SHELL.format(title=HEADLINE, extra=extra), encoding="utf-8")
    (site / "static" / "app.js").write_text(APP_JS % {"headline": HEADLINE, "body": BODY}, encoding="utf-8")
    return site


def test_shells_are_told_from_ordinary_pages():
    assert is_shell(SHELL.format(title=HEADLINE, extra=""))
    assert is_shell('<html><body><script id="__NEXT_DATA__">{}</script><div id="__next"></div></body></html>')
    assert is_shell('<html ng-app="portal"><body><div ng-view></div></body></html>')
    assert not is_shell(page(f"Cổng TTĐT - {HEADLINE}", f"<h1>{HEADLINE}</h1>"))  # text, no marker
    assert not is_shell(b"<html><body><div id='root'></div>" + BODY.encode() + b"</body></html>")  # marker, text
    assert not is_shell("<html><body><p>Liên hệ</p></body></html>")  # short, but no framework


def test_a_shell_is_not_rendered_unless_asked(tmp_path):
    server = SiteServer(_shell_site(tmp_path))
    try:
        with Store(tmp_path / "off.db") as store:
            report = crawl(store, sources=[Source(name="s", start_urls=[server.url], allow_private=True)],
                           delay=0, timeout=5, retries=0)
            assert report.finished and store.count() == 0
    finally:
        server.close()
    assert not any(path.startswith("/static/") for path, _ in server.log)


def test_a_shell_page_is_rendered_through_chromium_with_the_same_politeness(tmp_path):
    problem = render_problem()
    if problem:
        pytest.skip(problem)
    other = SiteServer(tmp_path)  # another host: the browser must not reach it
    server = SiteServer(_shell_site(tmp_path, other.url))
    (tmp_path / "shell" / "robots.txt").write_text("User-agent: *\nDisallow: /static/private/\n", encoding="utf-8")
    try:
        with Store(tmp_path / "on.db") as store:
            source = Source(name="s", start_urls=[server.url], allow_private=True, render=True)
            report = crawl(store, sources=[source], delay=0, timeout=10, retries=0)
            assert report.finished and store.count() == 1
            doc = next(iter(store))
    finally:
        server.close()
        other.close()
    assert doc.title == HEADLINE and doc.published == "2016-11-16"
    assert "hiến đất làm đường" in doc.text and "JavaScript" not in doc.text
    scripts = [headers for path, headers in server.log if path == "/static/app.js"]
    assert len(scripts) == 1 and scripts[0]["user-agent"].startswith("danvan-crawler/")  # via the fetcher
    assert [p for p, _ in server.log].count("/bai-viet.html") == 1  # the page itself is not fetched twice
    assert other.log == []  # nothing off the page's site


def test_render_flag_needs_a_browser_or_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("DANVAN_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with Store(tmp_path / "x.db") as store, pytest.raises(ValueError, match="cannot render.*Chromium"):
        crawl(store, ["http://127.0.0.1:9/"], allow_private=True, render=True)
