"""Polite HTTP fetching: robots.txt, per-host delay, timeouts, size cap, retries.

One ``Fetcher`` serves a whole crawl.  It never fetches a URL that robots.txt
disallows for its user agent, waits ``delay`` seconds (or the robots
Crawl-delay, if longer) between requests to one host, streams bodies and
stops at ``max_bytes``, follows redirects itself so every hop is checked
against the caller's scope, and retries 5xx answers, timeouts and connection
errors with exponential backoff.  Failures come back as a ``FetchResult``
with ``error`` set, never as exceptions.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import protego

from corpus.sources import site_host

USER_AGENT = "danvan-crawler/0.1 (+dan van document search; polite research crawler, obeys robots.txt)"
ROBOTS_AGENT = "danvan-crawler"
RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 60.0


@dataclass
class FetchResult:
    """The outcome of fetching one URL."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    not_modified: bool = False
    blocked: bool = False  # robots.txt or scope said no
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()


def is_private_host(host: str) -> bool:
    """True when a host name resolves to a loopback, private, link-local or reserved address."""
    host = host.split(":")[0].strip("[]")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified for a in addresses)


class Fetcher:
    """An HTTP client that behaves: robots.txt, delays, caps, retries."""

    def __init__(
        self,
        *,
        delay: float = 1.0,
        timeout: float = 20.0,
        max_bytes: int = 5 * 1024 * 1024,
        retries: int = 2,
        backoff: float = 1.0,
        user_agent: str = USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_seconds: float | None = None,
    ) -> None:
        self.delay = delay
        # httpx timeouts are per read: a server dripping a byte at a time never
        # trips them, so a whole response also has a deadline.
        self.max_seconds = max_seconds if max_seconds is not None else 3 * timeout
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent
        self.sleep = sleep
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
                     "Accept-Language": "vi,en;q=0.5"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
        )
        self._robots: dict[str, protego.Protego | None] = {}
        self._last: dict[str, float] = {}
        self.host_delay: dict[str, float] = {}
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # robots ---------------------------------------------------------------

    def robots(self, url: str) -> protego.Protego | None:
        """Parsed robots.txt of the URL's site (None: none published, everything allowed)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            result = self._get(origin + "/robots.txt", max_bytes=512 * 1024)
            if result.status is not None and 500 <= result.status or (result.error and result.status is None):
                # RFC 9309: an unreachable robots.txt means "disallow everything" for now.
                rules = protego.Protego.parse("User-agent: *\nDisallow: /")
            elif result.ok:
                rules = protego.Protego.parse(result.body.decode("utf-8", errors="replace"))
            else:
                rules = None  # 4xx: no robots.txt, all allowed
            self._robots[origin] = rules
            if rules is not None:
                crawl_delay = rules.crawl_delay(ROBOTS_AGENT)
                if crawl_delay:
                    self.host_delay[site_host(url)] = min(float(crawl_delay), MAX_CRAWL_DELAY)
        return self._robots[origin]

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets this crawler fetch ``url``."""
        rules = self.robots(url)
        return rules is None or rules.can_fetch(url, ROBOTS_AGENT)

    def sitemaps(self, url: str) -> list[str]:
        """Sitemap URLs the site's robots.txt announces (root-relative ones resolved)."""
        rules = self.robots(url)
        if rules is None:
            return []
        return [urljoin(url, s) for s in rules.sitemaps]

    # fetching -------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        in_scope: Callable[[str], bool] | None = None,
        delay: float | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; conditional when validators are given."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if in_scope is not None and not in_scope(current):
                return FetchResult(url, current, blocked=True, error=f"redirect out of scope: {current}")
            if not self.allowed(current):
                return FetchResult(url, current, blocked=True, error="disallowed by robots.txt")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = self._get(current, headers=headers, delay=delay)
            result.url = url
            if result.status in (301, 302, 303, 307, 308) and result.headers.get("location"):
                current = urljoin(current, result.headers["location"])
                continue
            return result
        return FetchResult(url, current, error="too many redirects")

    def _wait(self, host: str, delay: float | None) -> None:
        wait_for = max(self.delay if delay is None else delay, self.host_delay.get(host, 0.0))
        last = self._last.get(host)
        if last is not None and wait_for > 0:
            remaining = last + wait_for - time.monotonic()
            if remaining > 0:
                self.sleep(remaining)

    def _get(self, url: str, *, headers: dict | None = None, max_bytes: int | None = None,
             delay: float | None = None) -> FetchResult:
        host = site_host(url)
        limit = max_bytes or self.max_bytes
        result = FetchResult(url, url)
        for attempt in range(self.retries + 1):
            self._wait(host, delay)
            result = FetchResult(url, url, attempts=attempt + 1)
            try:
                self.requests += 1
                with self.client.stream("GET", url, headers=headers or {}) as response:
                    result.status = response.status_code
                    result.headers = {k.lower(): v for k, v in response.headers.items()}
                    if response.status_code == 304:
                        result.not_modified = True
                    elif 200 <= response.status_code < 300:
                        declared = response.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > limit:
                            result.error = f"larger than {limit} bytes (Content-Length {declared})"
                        else:
                            chunks, size = [], 0
                            deadline = time.monotonic() + self.max_seconds
                            for chunk in response.iter_bytes():
                                size += len(chunk)
                                if size > limit:
                                    result.error = f"larger than {limit} bytes"
                                    break
                                if time.monotonic() > deadline:
                                    result.error = f"too slow: body not received within {self.max_seconds:g} s"
                                    break
                                chunks.append(chunk)
                            if result.error is None:
                                result.body = b"".join(chunks)
                    elif response.status_code >= 400:
                        result.error = f"HTTP {response.status_code}"
            except httpx.TimeoutException:
                result.error = "timed out"
            except (httpx.TransportError, httpx.DecodingError) as exc:
                result.error = f"connection error: {exc.__class__.__name__}"
            finally:
                self._last[host] = time.monotonic()
            retryable = result.status in RETRY_STATUSES or (result.status is None and result.error is not None)
            if not retryable or attempt == self.retries:
                break
            pause = self.backoff * (2 ** attempt)
            retry_after = result.headers.get("retry-after", "")
            if retry_after.isdigit():
                pause = max(pause, min(float(retry_after), MAX_CRAWL_DELAY))
            self.sleep(pause)
        return result

