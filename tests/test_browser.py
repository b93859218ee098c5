"""End to end: `danvan serve` as a subprocess, driven by Debian's headless Chromium.

Needs the system `chromium` package and the `playwright` Python package
(which drives that Chromium; no browser is ever downloaded).  Without them
the tests skip locally; under CI (``CI`` set) a missing browser fails, so
the suite cannot pass while silently skipping.

Screenshot for the README::

    DANVAN_SCREENSHOT=docs/screenshot-search.png [DANVAN_SCREENSHOT_HOME=demo-data] \\
        python -m pytest tests/test_browser.py -k screenshot
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import build_home

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("DANVAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no system Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright; .ci/run does)"
    return None


def _require_browser() -> None:
    problem = _missing()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _danvan() -> list[str]:
    script = Path(sys.executable).parent / "danvan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


class Server:
    """`danvan serve` on a free local port, stopped on close()."""

    def __init__(self, home: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "w+b")
        self.proc = subprocess.Popen(
            [*_danvan(), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(home)],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's code, whichever one installed the script
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"danvan serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError(f"danvan serve did not listen within 30 s:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, make_mini_documents):
    _require_browser()
    tmp = tmp_path_factory.mktemp("browser")
    home = build_home(tmp / "home", make_mini_documents())
    srv = Server(home, tmp / "serve.log")
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that fails the test on console errors, dialogs or off-site requests."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("request", lambda r: urlsplit(r.url).netloc not in ("", f"127.0.0.1:{server.port}")
          and not r.url.startswith("data:") and problems.append(f"external request: {r.url}"))
    yield pg
    context.close()
    assert problems == []


def total(pg) -> int:
    return int(pg.get_attribute("#total", "data-total"))


def test_search_facet_document_directive_and_csv(page, server, tmp_path):
    page.goto(server.url + "/")
    page.fill("#q", "dân vận")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=d%C3%A2n"))
    before = total(page)
    assert before >= 3
    assert page.locator(".hit").count() == before

    page.locator(".sidebar a.facet", has_text="Hà Giang").click()
    page.wait_for_url(re.compile(r"province=H"))
    after = total(page)
    assert 0 < after < before
    assert page.locator(".hit").count() == after
    chip = page.locator(".selection a.chip")
    assert "Hà Giang" in chip.inner_text()

    first_title = page.locator(".hit-title").first.inner_text()
    page.locator(".hit-title").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("h1").inner_text() == first_title
    assert page.locator(".doctext mark").count() > 0  # the query is highlighted

    directive = page.locator(".docmeta ul.directives a.chip").first
    number = directive.inner_text()
    directive.click()
    page.wait_for_url(re.compile(r"/directive/"))
    assert page.locator("h1").inner_text() == number
    assert total(page) >= 1

    page.go_back()
    page.go_back()
    page.wait_for_url(re.compile(r"province=H"))
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == after
    assert {r["province"] for r in rows} == {"Hà Giang"}

    chip = page.locator(".selection a.chip")
    chip.click()  # removing the selection brings every hit back
    page.wait_for_url(lambda url: "province=" not in url)
    assert total(page) == before


def test_script_titles_stay_text_and_keys_work(page, server):
    page.goto(server.url + "/search?q=nhà+tạm")
    title = page.locator(".hit-title").first
    assert title.inner_text() == "Xóa nhà tạm <script>alert(1)</script>"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.className") == "hit-title"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/doc/d6"))
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()


def test_year_chart_and_2025_province_switch(page, server):
    page.goto(server.url + "/search?q=dân+vận")
    bars = page.locator("svg.yearchart a")
    assert bars.count() >= 2
    page.get_by_role("link", name="Từ 1/7/2025").click()
    page.wait_for_url(re.compile(r"provinces=2025"))
    page.locator(".sidebar a.facet", has_text="Tuyên Quang").click()
    page.wait_for_url(re.compile(r"province_2025=Tuy"))
    provinces = {t.strip() for t in page.locator(".hit .province").all_inner_texts()}
    assert any("Hà Giang" in p for p in provinces)  # former Hà Giang is in today's Tuyên Quang


def test_phone_layout_has_no_sideways_scroll(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    pg = context.new_page()
    pg.goto(server.url + "/search?q=dân+vận&province=Hà+Giang")
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert pg.evaluate("document.querySelector('details.filters').open") is False  # results first
    pg.click("details.filters > summary")
    assert pg.locator("a.facet").first.is_visible()
    pg.goto(server.url + "/doc/d1")
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    pg.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    context.close()


def test_screenshot(browser, server, tmp_path_factory):
    """The README picture: the search page with a selection and the year chart."""
    target = os.environ.get("DANVAN_SCREENSHOT")
    other_home = os.environ.get("DANVAN_SCREENSHOT_HOME")
    srv = Server(Path(other_home).resolve(), tmp_path_factory.mktemp("shot") / "serve.log") if other_home else server
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
        pg = context.new_page()
        pg.goto(srv.url + "/search?q=dân+vận")
        first = pg.locator(".sidebar a.facet").first
        first.click()
        pg.wait_for_url(re.compile(r"province="))
        out = Path(target) if target else tmp_path_factory.mktemp("shot2") / "search.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(out))
        assert out.stat().st_size > 10_000
        context.close()
    finally:
        if srv is not server:
            srv.close()


def test_year_chart_labels_are_not_cut_off(browser, tmp_path):
    """Thirty years of citations: the first and last year labels lie wholly inside the drawn chart."""
    from corpus.store.document import Document

    docs = [Document(id=f"y{y}-{i}", title=f"Tin năm {y}", text="Thực hiện Nghị quyết 25-NQ/TW về công tác dân vận.",
                     published=f"{y}-05-01", year=y, province="Hà Giang", directives=["25-NQ/TW"])
            for y in range(1996, 2026) for i in range(1 + y % 4)]
    srv = Server(build_home(tmp_path / "home", docs), tmp_path / "serve.log")
    try:
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            pg = context.new_page()
            for path in ("/directive/25-NQ/TW", "/search?q=dân+vận"):
                pg.goto(srv.url + path)
                if width < 600 and path.startswith("/search"):
                    pg.click("details.filters > summary")  # the filters fold away on a phone
                chart = pg.locator("svg.yearchart").first.bounding_box()
                labels = [t.bounding_box() for t in pg.locator("svg.yearchart text.label").all()]
                assert [t.strip() for t in pg.locator("svg.yearchart text.label").all_text_contents()] == ["1996", "2025"]
                for box in labels:
                    assert chart["x"] - 0.5 <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"] + 0.5, \
                        (width, path, chart, box)
            context.close()
    finally:
        srv.close()
