"""Pages built by scripts: recognise the empty shell, and render it in headless Chromium.

Some newer portals send ``<div id="root"></div>`` and a script that builds
the article.  ``is_shell`` tells such a page from an ordinary one (no article
text, a framework marker from ``htmlrules.SHELL_MARKERS``).  ``Renderer``
loads it in Debian's Chromium driven by playwright (``make browser``; the
``test`` extra installs playwright) and returns the built HTML.  Every request
the browser makes goes through the crawler's own ``Fetcher`` (robots.txt,
per-host delay, private-address guard, size caps): the browser never touches
the network itself, and nothing off the page's site is loaded.  Off unless a
source says ``render = true`` or the crawl is given ``--render``.
"""
from __future__ import annotations

import os
import queue
import re
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path
from urllib.parse import urlsplit

from corpus.clean import htmlrules
from corpus.crawl.fetch import Fetcher, FetchResult
from corpus.clean.decoding import decode_html
from corpus.clean.tree import drop_junk, norm_text, parse_tree
from corpus.crawl.sources import site_host

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
RENDER_TIMEOUT_MS = 20_000
MAX_SUBREQUESTS = 40  # requests one rendered page may make (scripts, data), beyond the page itself
LOADED_TYPES = ("document", "script", "xhr", "fetch")  # images, fonts, styles and media are not needed
SHELL_MAX_TEXT = 200  # a page with less visible text than this may be a shell


class RenderError(RuntimeError):
    """Rendering is not possible here (no playwright or no Chromium)."""


def chromium_path() -> str | None:
    """The system Chromium (DANVAN_CHROMIUM overrides), or None."""
    found = os.environ.get("DANVAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def render_problem() -> str | None:
    """Why pages cannot be rendered here (no playwright, no Chromium), or None."""
    try:
        import playwright.sync_api  # noqa: F401  (optional: the render extra; asked only when rendering)
    except ImportError:
        return "rendering needs the playwright package (pip install playwright) and Chromium (make browser)"
    if chromium_path() is None:
        return "rendering needs Debian's Chromium (make browser, or DANVAN_CHROMIUM=/path/to/chromium)"
    return None


def is_shell(html: bytes | str) -> bool:
    """True for a page that is an empty shell for a script to fill (no text, a framework marker)."""
    text = decode_html(html) if isinstance(html, bytes) else html
    low = text[:500_000].lower()
    if not any(re.search(marker, low) for marker in htmlrules.SHELL_MARKERS):
        return False
    root = parse_tree(text)
    if root is None:
        return True
    drop_junk(root)
    body = root.find("body")
    return len(norm_text(body.text_content() if body is not None else "")) < SHELL_MAX_TEXT


class Renderer:
    """One headless Chromium in its own thread; ``render`` may be called from any thread."""

    def __init__(self, fetcher: Fetcher, *, timeout_ms: int = RENDER_TIMEOUT_MS) -> None:
        self.fetcher = fetcher
        self.timeout_ms = timeout_ms
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._problem: str | None = None

    def render(self, result: FetchResult, *, allow_private: bool = False, delay: float | None = None) -> FetchResult:
        """The fetched page as the browser builds it (HTML, UTF-8); the original result if rendering fails."""
        self._start()
        if self._problem:
            raise RenderError(self._problem)
        future: Future = Future()
        self._jobs.put((result, allow_private, delay, future))
        return future.result()

    def close(self) -> None:
        """Stop the browser thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the browser thread -------------------------------------------------

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="danvan-render", daemon=True)
            self._thread.start()
        self._started.wait()

    def _run(self) -> None:
        self._problem = render_problem()
        if self._problem:
            self._started.set()
            return
        from playwright.sync_api import sync_playwright  # optional: only a rendering crawl needs it

        executable = chromium_path()
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            except Exception as exc:  # playwright's errors: a broken or unlaunchable Chromium
                self._problem = f"Chromium at {executable} did not start: {str(exc)[:200]}"
                return
            finally:
                self._started.set()
            try:
                while (job := self._jobs.get()) is not None:
                    result, allow_private, delay, future = job
                    try:
                        future.set_result(self._render(browser, result, allow_private, delay))
                    except Exception as exc:  # a page that breaks the browser is that page's failure
                        failed = FetchResult(result.url, result.final_url, status=result.status,
                                             headers=result.headers, error=f"render failed: {exc}"[:300])
                        future.set_result(failed)
            finally:
                browser.close()

    def _render(self, browser, result: FetchResult, allow_private: bool, delay: float | None) -> FetchResult:
        page_url = result.final_url
        host = site_host(page_url)
        spent = [0]
        context = browser.new_context(java_script_enabled=True, service_workers="block")
        try:
            page = context.new_page()

            def route(r) -> None:
                request = r.request
                if request.url.split("#")[0] == page_url.split("#")[0] and request.resource_type == "document":
                    # the page itself: already fetched politely, served from that fetch
                    r.fulfill(status=200, headers={"content-type": result.headers.get("content-type") or "text/html"},
                              body=result.body)
                    return
                if (urlsplit(request.url).scheme not in ("http", "https") or site_host(request.url) != host
                        or request.resource_type not in LOADED_TYPES or spent[0] >= MAX_SUBREQUESTS):
                    r.abort()
                    return
                spent[0] += 1
                got = self.fetcher.fetch(request.url, in_scope=lambda u: site_host(u) == host, delay=delay,
                                         allow_private=allow_private)
                if not got.ok:
                    r.abort()
                    return
                r.fulfill(status=got.status, headers={"content-type": got.headers.get("content-type") or ""},
                          body=got.body)

            page.route("**/*", route)
            page.goto(page_url, wait_until="networkidle", timeout=self.timeout_ms)
            html = page.content()
        finally:
            context.close()
        headers = {**result.headers, "content-type": "text/html; charset=utf-8"}
        headers.pop("content-length", None)
        return FetchResult(result.url, result.final_url, status=result.status, headers=headers,
                           body=html.encode("utf-8"), attempts=result.attempts)
