"""Portals to crawl: a TOML sources file, or start URLs given on the command line.

A sources file lists one ``[[source]]`` table per portal::

    [[source]]
    name = "Ban Dân vận Tỉnh ủy Quảng Ninh"
    start_urls = ["https://bdv.quangninh.gov.vn/", "https://bdv.quangninh.gov.vn/sitemap.xml"]
    province = "Quảng Ninh"                 # optional: the portal's own province
    allowed_prefixes = ["/web/guest/"]      # optional: paths the crawler may visit (default: all)
    delay = 2.0                             # optional: seconds between requests to this host
    allow_private = false                   # optional: allow private/loopback addresses (tests)

The crawler stays on the hosts of a source's start URLs (``www.`` and the
bare host count as one site) and inside its allowed path prefixes.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class SourceError(ValueError):
    """A sources file or start URL that cannot be used."""


@dataclass
class Source:
    """One portal to crawl."""

    name: str
    start_urls: list[str]
    province: str | None = None
    allowed_prefixes: list[str] = field(default_factory=lambda: ["/"])
    delay: float | None = None
    allow_private: bool = False

    @property
    def hosts(self) -> set[str]:
        """Host names (lower case, with and without ``www.``) this source may visit."""
        out: set[str] = set()
        for url in self.start_urls:
            host = site_host(url)
            if host:
                out.add(host)
                out.add(host[4:] if host.startswith("www.") else "www." + host)
        return out

    def in_scope(self, url: str) -> bool:
        """True when ``url`` is on this source's site and under an allowed prefix."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or site_host(url) not in self.hosts:
            return False
        path = parts.path or "/"
        return any(path.startswith(prefix) for prefix in self.allowed_prefixes)


def site_host(url: str) -> str:
    """Lower-case host[:port] of a URL, default port removed."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"not an http(s) URL: {url!r}")
    return url


def load_sources(path: str | Path) -> list[Source]:
    """Read a TOML sources file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"no sources file at {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid TOML: {exc}") from None
    tables = data.get("source") or data.get("sources") or []
    if not isinstance(tables, list) or not tables:
        raise SourceError(f"{path}: no [[source]] tables")
    return [source_from_dict(t, where=f"{path} source {i + 1}") for i, t in enumerate(tables)]


def source_from_dict(table: dict, *, where: str = "source") -> Source:
    """Build a Source from a parsed TOML table, checking its fields."""
    if not isinstance(table, dict):
        raise SourceError(f"{where}: not a table")
    urls = table.get("start_urls") or ([table["url"]] if table.get("url") else [])
    if isinstance(urls, str):
        urls = [urls]
    if not urls:
        raise SourceError(f"{where}: start_urls is required")
    urls = [_check_url(str(u)) for u in urls]
    prefixes = table.get("allowed_prefixes") or ["/"]
    if isinstance(prefixes, str):
        prefixes = [prefixes]
    prefixes = [p if str(p).startswith("/") else "/" + str(p) for p in prefixes]
    delay = table.get("delay")
    if delay is not None and (not isinstance(delay, (int, float)) or delay < 0):
        raise SourceError(f"{where}: delay must be a number of seconds >= 0")
    return Source(
        name=str(table.get("name") or site_host(urls[0])),
        start_urls=urls,
        province=table.get("province") or None,
        allowed_prefixes=prefixes,
        delay=float(delay) if delay is not None else None,
        allow_private=bool(table.get("allow_private", False)),
    )


def sources_from_urls(urls, *, province: str | None = None, allow_private: bool = False) -> list[Source]:
    """One ad-hoc source per site for start URLs given on the command line."""
    by_host: dict[str, Source] = {}
    for url in urls:
        host = site_host(_check_url(url))
        if host in by_host:
            by_host[host].start_urls.append(url)
        else:
            by_host[host] = Source(name=host, start_urls=[url], province=province, allow_private=allow_private)
    return list(by_host.values())
