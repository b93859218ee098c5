"""What every answer carries besides its body: a cache policy, and links that never trust the Host header.

A client chooses the Host header, so an absolute link built from it (an
export's ``doc_url``, a redirect's ``Location``) can point anywhere.  Links
are relative, or built on the configured public address (``DANVAN_BASE_URL``,
``danvan serve --base-url``).
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, request

# Pages and JSON change only when `danvan index` runs: a minute of caching is
# harmless and spares a reload; an error (or a 429) must not be remembered.
CACHE_OK = "public, max-age=60"
CACHE_ERROR = "no-store"


class BadBaseURL(ValueError):
    """A --base-url that is not an absolute http(s) address."""


def check_base_url(url: str | None) -> str | None:
    """``url`` as a base for links (no trailing slash), None when unset; raises :class:`BadBaseURL`.

    >>> check_base_url("https://danvan.example.org/"), check_base_url("http://example.org/tim-kiem/"), check_base_url("")
    ('https://danvan.example.org', 'http://example.org/tim-kiem', None)
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or parts.username:
        raise BadBaseURL(f"{url!r} is not a public address such as https://danvan.example.org/")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def public_url(path: str) -> str:
    """An app path (as the views build it) as a link that works outside the site: absolute with a base URL, else as is."""
    base = current_app.config.get("DANVAN_BASE_URL")
    if not base:
        return path
    root = request.script_root or ""
    if root and path.startswith(root + "/"):
        path = path[len(root):]  # the base URL already names where the app is mounted
    return base + path


def _local_location(location: str) -> str:
    """A redirect target on this site, rebuilt without the client's Host header."""
    parts = urlsplit(location)
    if not parts.netloc or parts.netloc != request.host:
        return location  # relative already, or a target elsewhere chosen by the app itself
    path = "/" + parts.path.lstrip("/")  # never "//host": a scheme-relative link leaves the site
    relative = urlunsplit(("", "", path, parts.query, parts.fragment))
    return public_url(relative) if current_app.config.get("DANVAN_BASE_URL") else relative


def register_headers(app: Flask) -> None:
    """Add the cache policy and Host-independent redirects to every response of ``app``."""

    @app.after_request
    def cache_and_location(response: Response) -> Response:
        if "Location" in response.headers:
            response.headers["Location"] = _local_location(response.headers["Location"])
        if request.endpoint != "static":  # Flask's static files have their own (ETag, no-cache)
            response.headers.setdefault("Cache-Control", CACHE_OK if response.status_code < 400 else CACHE_ERROR)
        return response
