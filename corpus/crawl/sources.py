"""Portals to crawl: a TOML sources file, or start URLs given on the command line.

A sources file lists one ``[[source]]`` table per portal::

    [[source]]
    name = "Ban Dân vận Tỉnh ủy Quảng Ninh"
    start_urls = ["https://bdv.quangninh.gov.vn/", "https://bdv.quangninh.gov.vn/sitemap.xml"]
    province = "Quảng Ninh"                 # optional: the portal's own province
    allowed_prefixes = ["/web/guest/"]      # optional: paths the crawler may visit (default: all)
    delay = 2.0                             # optional: seconds between requests to this host
    max_pages = 5000                        # optional: requests per crawl call for this portal
    allow_private = false                   # optional: allow private/loopback addresses (local mirrors)
    kind = "ban-dan-van"                    # optional: what the portal is (see KINDS)
    render = false                          # optional: pages built by scripts, fetched through a browser
    evidence = "https://..."                # optional: a page that shows the portal publishes dân vận news

The project ships a catalogue of real portals (``corpus/knowledge/data/sources.toml``,
``builtin_sources``), selectable by province and kind.

The crawler stays on the hosts of a source's start URLs (``www.`` and the
bare host count as one site) and inside its allowed path prefixes.  Any
other key, or a value of the wrong type, is an error naming the key.
"""
from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from corpus.knowledge import DATA, rules, vietnamese
from corpus.knowledge.provinces import canonical_province

# Requests per source in one crawl call unless its table says otherwise: a link
# trap can make pages without end, so no source is unbounded by default.
DEFAULT_MAX_PAGES = 10_000
DEFAULT_MAX_ATTACHMENT_MB = 30.0  # an attached file (PDF, Word) may be larger than a page
# Longest pause between requests a source may ask for: beyond it a typo (or
# TOML's `inf`, which no sleep accepts) would stall or crash the crawl.
MAX_DELAY = 3600.0


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
    max_pages: int = DEFAULT_MAX_PAGES
    kind: str | None = None
    render: bool = False
    evidence: str | None = None
    max_attachment_mb: float = DEFAULT_MAX_ATTACHMENT_MB

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
    """Lower-case host[:port] of a URL, default port and credentials removed, IPv6 in brackets."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # an unclosed IPv6 bracket
        return ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


def _check_url(url: str) -> str:
    """An http(s) start URL, without any user:password@ (credentials are never sent or stored)."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise SourceError(f"not an http(s) URL: {url!r}")
    if "@" in parts.netloc:
        url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def _strings(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


# What a portal is: the kinds of the built-in catalogue.
KINDS = ("party-committee", "ban-dan-van", "fatherland-front", "government-portal", "newspaper", "tv",
         "mass-organisation", "national")
BUILTIN = DATA / "sources.toml"

# The keys a [[source]] table accepts: what the value must be, and a check.
KEYS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "name": ("a string", lambda v: isinstance(v, str) and bool(v.strip())),
    "start_urls": ("a URL or a list of URLs", _strings),
    "url": ("a URL", lambda v: isinstance(v, str)),
    "province": ("a province name, e.g. \"Quảng Ninh\"", lambda v: isinstance(v, str)),
    "allowed_prefixes": ("a path prefix or a list of them, e.g. [\"/tin-tuc/\"]", _strings),
    "delay": (f"a number of seconds from 0 to {MAX_DELAY:g}", lambda v: _number(v) and v <= MAX_DELAY),
    "max_pages": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "allow_private": ("true or false", lambda v: isinstance(v, bool)),
    "kind": ("one of " + ", ".join(KINDS), lambda v: v in KINDS),
    "render": ("true or false", lambda v: isinstance(v, bool)),
    "evidence": ("a URL", lambda v: isinstance(v, str)),
    "max_attachment_mb": ("a number of megabytes > 0", lambda v: _number(v) and v > 0),
}
TOP_KEYS = ("source", "sources")


def _unknown(key: str, accepted, where: str) -> SourceError:
    close = difflib.get_close_matches(key, accepted, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return SourceError(f"{where}: unknown key {key!r}: {hint}accepted keys are {', '.join(sorted(accepted))}")


def load_sources(path: str | Path) -> list[Source]:
    """Read a TOML sources file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"no sources file at {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SourceError(f"cannot read sources file {path}: {exc.strerror or exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            raise _unknown(key, ("source",), str(path))
    tables = data.get("source") or data.get("sources") or []
    if not isinstance(tables, list) or not tables:
        raise SourceError(f"{path}: no [[source]] tables")
    return [source_from_dict(t, where=f"{path} source {i + 1}") for i, t in enumerate(tables)]


def source_province(name: str | None, *, where: str = "province") -> str | None:
    """The canonical province name, or a SourceError naming the unknown one."""
    if name is None or not name.strip():
        return None
    if vietnamese.key(name) in {vietnamese.key(n) for n in rules.NATIONAL_SOURCE_NAMES}:
        return name.strip()  # a national portal: extraction abstains unless an article is clearly about one province
    canonical = canonical_province(name)
    if canonical is None:
        raise SourceError(f"{where}: unknown province {name!r}: use a name such as \"Quảng Ninh\" or \"Hà Giang\""
                          " (or \"Trung ương\" for a national portal)")
    return canonical


def source_from_dict(table: dict, *, where: str = "source") -> Source:
    """Build a Source from a parsed TOML table, checking its keys and their types."""
    if not isinstance(table, dict):
        raise SourceError(f"{where}: not a table")
    for key, value in table.items():
        if key not in KEYS:
            raise _unknown(key, KEYS, where)
        what, check = KEYS[key]
        if not check(value):
            raise SourceError(f"{where}: {key} must be {what}, not {value!r}"[:300])
    urls = table.get("start_urls") or ([table["url"]] if table.get("url") else [])
    if isinstance(urls, str):
        urls = [urls]
    if not urls:
        raise SourceError(f"{where}: start_urls is required")
    urls = [_check_url(u) for u in urls]
    prefixes = table.get("allowed_prefixes") or ["/"]
    if isinstance(prefixes, str):
        prefixes = [prefixes]
    prefixes = [p if p.startswith("/") else "/" + p for p in prefixes]
    delay = table.get("delay")
    return Source(
        name=table.get("name") or site_host(urls[0]),
        start_urls=urls,
        province=source_province(table.get("province"), where=f"{where}: province"),
        allowed_prefixes=prefixes,
        delay=float(delay) if delay is not None else None,
        allow_private=table.get("allow_private", False),
        max_pages=table.get("max_pages", DEFAULT_MAX_PAGES),
        kind=table.get("kind"),
        render=table.get("render", False),
        evidence=table.get("evidence"),
        max_attachment_mb=float(table.get("max_attachment_mb", DEFAULT_MAX_ATTACHMENT_MB)),
    )


def builtin_sources(*, province: str | None = None, kind: str | None = None) -> list[Source]:
    """The shipped catalogue of real portals, those of one (pre-2025) province and/or kind when given."""
    chosen = load_sources(BUILTIN)
    if kind is not None:
        if kind not in KINDS:
            raise SourceError(f"--kind: unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        chosen = [s for s in chosen if s.kind == kind]
    if province is not None:
        wanted = source_province(province, where="--province")
        chosen = [s for s in chosen if s.province == wanted]
        if not chosen:
            raise SourceError(f"no built-in source for {wanted}{f' of kind {kind}' if kind else ''}: "
                              "give its portal's start URL instead (danvan sources lists the catalogue)")
    return chosen


def sources_from_urls(urls, *, province: str | None = None, allow_private: bool = False) -> list[Source]:
    """One ad-hoc source per site for start URLs given on the command line."""
    by_host: dict[str, Source] = {}
    for url in urls:
        url = _check_url(url)
        host = site_host(url)
        if host in by_host:
            by_host[host].start_urls.append(url)
        else:
            by_host[host] = Source(name=host, start_urls=[url], province=province, allow_private=allow_private)
    return list(by_host.values())


def resolve_sources(
    start_urls: Iterable[str] = (),
    sources: str | Path | list[Source] | None = None,
    *,
    province: str | None = None,
    allow_private: bool = False,
) -> list[Source]:
    """Sources from a sources file (or list) plus ad-hoc ones for bare start URLs."""
    out: list[Source] = []
    province = source_province(province, where="--province")
    if sources is not None:
        out.extend(load_sources(sources) if isinstance(sources, (str, Path)) else list(sources))
    if province:
        for source in out:
            source.province = source.province or province
    out.extend(sources_from_urls(list(start_urls), province=province))
    names: set[str] = set()
    for source in out:
        source.allow_private = source.allow_private or allow_private
        if source.name in names:
            source.name = f"{source.name} ({source.start_urls[0]})"
        names.add(source.name)
    return out
