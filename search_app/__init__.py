"""The danvan web UI and JSON API (Flask app factory).

``create_app()`` does no I/O: the index is opened on the first request that
needs it, so an app can start before the index exists and pick it up once
``danvan index`` has built it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # facets/params stay importable without Flask
    from flask import Flask

DEFAULTS: dict[str, Any] = {
    "DANVAN_HOME": None,  # data directory; None = $DANVAN_HOME or the user data dir
    "DANVAN_EXPORT_MAX": 10_000,  # rows in one CSV/JSONL export
    "DANVAN_EXPORTS_AT_ONCE": 2,  # exports one process streams at a time; more get 429 + Retry-After
    "DANVAN_BASE_URL": None,  # public address for absolute links (exports); None: relative links
    "JSON_SORT_KEYS": False,
}

# No inline script or style anywhere: templates link /static files only.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def create_app(config: Mapping[str, Any] | None = None) -> "Flask":
    """A new app; ``config`` overrides :data:`DEFAULTS` (e.g. ``{"DANVAN_HOME": path}``)."""
    from flask import Flask

    from search_app.backend import Backend
    from search_app.errors import register_error_handlers
    from search_app.headers import register_headers
    from search_app.views import bp

    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["danvan"] = Backend(app.config["DANVAN_HOME"], app.config["DANVAN_EXPORTS_AT_ONCE"])
    app.register_blueprint(bp)
    register_error_handlers(app)
    register_headers(app)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def warm(app: "Flask") -> "Flask":
    """``app`` ready for its first request: the query service open with its per-index data read, and every
    template compiled (the first page would compile them)."""
    app.extensions["danvan"].warm()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)
    return app


def forked(app: "Flask") -> None:
    """In a process forked from the one that warmed ``app``: its own index file handles, every table kept."""
    app.extensions["danvan"].reopen()
