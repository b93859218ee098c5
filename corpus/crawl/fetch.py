"""Polite HTTP fetching: robots.txt, per-host delay, timeouts, size cap, retries.

One ``Fetcher`` serves a whole crawl.  It never fetches a URL that robots.txt
disallows for its user agent, waits ``delay`` seconds (or the robots
Crawl-delay, if longer) between requests to one host, streams bodies and
stops at ``max_bytes``, follows redirects itself so every hop is checked
against the caller's scope, and retries 5xx answers, timeouts and connection
errors with exponential backoff.  Unless a caller allows private addresses,
it refuses hosts that are or resolve to loopback, private, link-local or
otherwise non-public addresses, and checks the address it actually connected
to (a name that resolves differently the second time gets no further).
Failures, bad URLs and bad redirects included, come back as a ``FetchResult``
with ``error`` set, never as exceptions.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import protego

from corpus.crawl.sources import site_host

USER_AGENT = "danvan-crawler/0.1 (+dan van document search; polite research crawler, obeys robots.txt)"
ROBOTS_AGENT = "danvan-crawler"
RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 60.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Longer URLs are refused: real pages stay far below, servers and browsers cap at 2-64 KB.
MAX_URL_LENGTH = 4096
# RFC 9309 2.5: a crawler must parse at least the first 500 KiB of robots.txt.
ROBOTS_MAX_BYTES = 500 * 1024


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


def private_address(address: str) -> bool:
    """True for an IP address that is not on the public internet (v4-mapped, 6to4 and Teredo unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and private_address(str(inner)):
            return True
    return not ip.is_global or ip.is_multicast


def is_private_host(host: str) -> bool:
    """True when a host (IP literal, bracketed or not, or a name) is or resolves to a non-public address."""
    host = host.strip()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:  # name:port
        host = host.split(":")[0]
    if not host:
        return False
    try:
        ipaddress.ip_address(host.split("%")[0])
        return private_address(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError, ValueError):
        return False  # unresolvable: the request fails anyway, and the connected address is checked
    return any(private_address(str(info[4][0])) for info in infos)


def without_credentials(url: str) -> str:
    """The URL with any ``user:password@`` removed (never sent, never stored)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: nothing to strip, and url_problem() refuses it
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be requested (too long, not http(s), unparsable), or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters ({len(url)})"
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        return f"not an http(s) URL: {url[:80]!r}"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        return f"invalid URL: {str(exc)[:120]}"
    if not parsed.host:
        return f"invalid URL: no host in {url[:80]!r}"
    return None


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
            event_hooks={"response": [_keep_location]},
        )
        self._robots: dict[str, protego.Protego | None] = {}
        self._private: dict[str, bool] = {}
        self._last: dict[str, float] = {}
        self.host_delay: dict[str, float] = {}
        self.requests = 0
        self._host_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # robots ---------------------------------------------------------------

    def private(self, url: str) -> bool:
        """True when the URL's host is or resolves to a non-public address (cached per host)."""
        host = urlsplit(url).hostname or ""
        if host not in self._private:
            self._private[host] = is_private_host(host)
        return self._private[host]

    def robots(self, url: str, *, allow_private: bool = False) -> protego.Protego | None:
        """Parsed robots.txt of the URL's site (None: none published, everything allowed)."""
        origin = f"{urlsplit(url).scheme}://{site_host(url)}"
        if origin not in self._robots:
            result = self._get_robots(origin + "/robots.txt", allow_private=allow_private)
            if result.status is not None and 500 <= result.status or (result.error and result.status is None):
                # RFC 9309: an unreachable robots.txt means "disallow everything" for now.
                rules = protego.Protego.parse("User-agent: *\nDisallow: /")
            elif result.ok:
                text = result.body.decode("utf-8", errors="replace")
                if len(result.body) >= ROBOTS_MAX_BYTES:  # cut: drop the partial last line
                    text = text[:text.rfind("\n") + 1]
                rules = protego.Protego.parse(text)
            else:
                rules = None  # 4xx: no robots.txt, all allowed
            self._robots[origin] = rules
            if rules is not None:
                crawl_delay = rules.crawl_delay(ROBOTS_AGENT)
                if crawl_delay:
                    self.host_delay[site_host(url)] = min(float(crawl_delay), MAX_CRAWL_DELAY)
        return self._robots[origin]

    def _get_robots(self, url: str, *, allow_private: bool) -> FetchResult:
        """GET robots.txt following up to five redirects, to any host (RFC 9309 2.3.1.2: http -> https, www)."""
        for _hop in range(MAX_REDIRECTS + 1):
            result = self._get(url, max_bytes=ROBOTS_MAX_BYTES, truncate=True, allow_private=allow_private)
            location = result.headers.get("location")
            if result.status not in REDIRECT_STATUSES or not location or result.error is not None:
                return result
            try:
                url = without_credentials(urljoin(url, location.strip()))
            except ValueError:
                return result  # a broken redirect: as if there were no robots.txt (a 3xx is not 5xx)
            if url_problem(url) or (not allow_private and self.private(url)):
                return result
        return FetchResult(url, url, status=result.status)  # too many redirects: treated as none published

    def allowed(self, url: str, *, allow_private: bool = False) -> bool:
        """True when robots.txt lets this crawler fetch ``url``."""
        rules = self.robots(url, allow_private=allow_private)
        return rules is None or rules.can_fetch(url, ROBOTS_AGENT)

    def sitemaps(self, url: str, *, allow_private: bool = False) -> list[str]:
        """Sitemap URLs the site's robots.txt announces (root-relative ones resolved)."""
        rules = self.robots(url, allow_private=allow_private)
        if rules is None:
            return []
        out = []
        for sitemap in rules.sitemaps:
            try:
                out.append(urljoin(url, sitemap))
            except ValueError:  # e.g. an unclosed IPv6 bracket
                continue
        return out

    # fetching -------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        in_scope: Callable[[str], bool] | None = None,
        delay: float | None = None,
        allow_private: bool = False,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; conditional when validators are given; ``max_bytes`` overrides the size cap."""
        current = without_credentials(url)
        for _hop in range(MAX_REDIRECTS + 1):
            problem = url_problem(current)
            if problem:
                return FetchResult(url, current[:MAX_URL_LENGTH], error=problem)
            if in_scope is not None and not in_scope(current):
                return FetchResult(url, current, blocked=True, error=f"redirect out of scope: {current}")
            if not allow_private and self.private(current):
                return FetchResult(url, current, blocked=True, error=f"private or loopback address: {current}")
            if not self.allowed(current, allow_private=allow_private):
                return FetchResult(url, current, blocked=True, error="disallowed by robots.txt")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = self._get(current, headers=headers, delay=delay, allow_private=allow_private, max_bytes=max_bytes)
            result.url = url
            location = result.headers.get("location")
            if result.status in REDIRECT_STATUSES and location and result.error is None:
                try:
                    current = without_credentials(urljoin(current, location.strip()))
                except ValueError as exc:
                    return FetchResult(url, current, status=result.status, error=f"bad redirect: {exc}")
                if url_problem(current):
                    return FetchResult(url, current[:MAX_URL_LENGTH], status=result.status,
                                       error=f"bad redirect: {url_problem(current)}")
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

    def _get(self, url: str, **options) -> FetchResult:
        """One GET with retries, one request to a host at a time (crawl lanes share this fetcher)."""
        host = site_host(url)
        with self._locks_guard:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            return self._get_alone(url, **options)

    def _get_alone(self, url: str, *, headers: dict | None = None, max_bytes: int | None = None,
                   delay: float | None = None, truncate: bool = False, allow_private: bool = False) -> FetchResult:
        """One GET with retries; ``truncate`` keeps the first ``max_bytes`` instead of failing."""
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
                    if "location" in response.extensions:
                        result.headers["location"] = response.extensions["location"]
                    peer = _peer_address(response)
                    if peer and not allow_private and private_address(peer):
                        result.blocked = True
                        result.error = f"private or loopback address: {host} connected to {peer}"
                    elif response.status_code == 304:
                        result.not_modified = True
                    elif 200 <= response.status_code < 300:
                        declared = response.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > limit and not truncate:
                            result.error = f"larger than {limit} bytes (Content-Length {declared})"
                        else:
                            chunks, size = [], 0
                            deadline = time.monotonic() + self.max_seconds
                            for chunk in response.iter_bytes():
                                size += len(chunk)
                                if size > limit and truncate:
                                    chunks.append(chunk[:len(chunk) - (size - limit)])
                                    break
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
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                result.error = f"invalid URL: {str(exc)[:120]}"
                break
            except httpx.TimeoutException:
                result.error = "timed out"
            except (httpx.TransportError, httpx.DecodingError) as exc:
                result.error = f"connection error: {exc.__class__.__name__}: {str(exc)[:100]}".rstrip(": ")
            finally:
                self._last[host] = time.monotonic()
            retryable = not result.blocked and (
                result.status in RETRY_STATUSES or (result.status is None and result.error is not None))
            if not retryable or attempt == self.retries:
                break
            pause = self.backoff * (2 ** attempt)
            retry_after = result.headers.get("retry-after", "")
            if retry_after.isdigit():
                pause = max(pause, min(float(retry_after), MAX_CRAWL_DELAY))
            self.sleep(pause)
        return result



def _keep_location(response: httpx.Response) -> None:
    """Take Location out of httpx's hands: it parses it for a next request, and raises on
    ``javascript:``, ``data:`` or broken URLs.  ``Fetcher.fetch`` checks and follows it instead."""
    location = response.headers.get("location")
    if location is not None:
        response.extensions["location"] = location
        del response.headers["location"]


def _peer_address(response: httpx.Response) -> str | None:
    """The IP address a response came from, when the transport tells (real sockets do)."""
    stream = response.extensions.get("network_stream")
    try:
        addr = stream.get_extra_info("server_addr") if stream is not None else None
    except (AttributeError, TypeError, OSError):  # a transport without socket details
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None
