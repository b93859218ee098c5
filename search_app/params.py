"""Search parameters as they travel in a URL: the page's state, and links that change it.

Pure code, no Flask: the views hand in ``request.args`` as a mapping of
lists, :meth:`indexer.request.SearchRequest.from_args` parses and checks them
(once), and every link on a result page (facet toggles, chips, pages, sort,
export) is built from one :class:`SearchParams` so the whole state of a
search lives in its URL.

>>> p = SearchParams.from_args({"q": ["dân vận"], "year": ["2019", "2019"], "page": ["2"]})
>>> p.year, p.page
(('2019',), 2)
>>> p.url("/search")
'/search?q=d%C3%A2n+v%E1%BA%ADn&year=2019&page=2'
>>> p.toggle("year", "2019").url("/search")
'/search?q=d%C3%A2n+v%E1%BA%ADn'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from indexer.request import PARAMETERS, QueryError, SearchRequest, web_query
from indexer.schema import FACETS

DEFAULT_LIMIT = 20
PROVINCE_VIEWS = ("published", "2025")  # which province facet the sidebar shows
VIEW_PARAMETERS = ("provinces",)  # parameters of the page, not of the search


class BadParameter(ValueError):
    """A URL parameter the user must fix; the message (Vietnamese) says how."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class SearchParams:
    """Everything a result page shows, as URL parameters (names = SearchRequest names).

    Not a subclass of SearchRequest: links toggle any value the index lists (a facet value
    is not re-checked on each link), and the page's own state (``provinces``) rides along.
    """

    q: str = ""
    province: tuple[str, ...] = ()
    province_2025: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    directive: tuple[str, ...] = ()
    genre: tuple[str, ...] = ()
    period: tuple[str, ...] = ()
    keyword: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT
    provinces: str = "published"  # view only: never sent to the query service
    q_truncated: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str] | str], *, strict: bool = False) -> "SearchParams":
        """Parse URL arguments (a mapping of lists); raise :class:`BadParameter`.

        ``strict``: an unknown parameter is an error naming it (the JSON endpoints); pages ignore it.
        """
        try:
            request = SearchRequest.from_args(args, defaults={"limit": DEFAULT_LIMIT}, allow=VIEW_PARAMETERS,
                                              strict=strict)
        except QueryError as exc:
            raise BadParameter(exc.name or "q", exc.vi) from None
        provinces = args.get("provinces") or ["published"]
        provinces = provinces if isinstance(provinces, str) else provinces[0]
        return cls(**{name: getattr(request, name) for name in PARAMETERS},
                   provinces=provinces if provinces in PROVINCE_VIEWS else "published",
                   q_truncated=web_query(args.get("q"))[1])

    def to_request(self) -> SearchRequest:
        """The query service's request for these parameters."""
        return SearchRequest(**{name: getattr(self, name) for name in PARAMETERS})

    @property
    def filtered(self) -> bool:
        """True when any facet value or date bound is selected."""
        return any(getattr(self, name) for name in FACETS) or bool(self.date_from or self.date_to)

    @property
    def empty(self) -> bool:
        """No words and no filters: the page lists the newest documents."""
        return not self.q and not self.filtered

    def pairs(self) -> list[tuple[str, str]]:
        """URL parameters that differ from the defaults, in a stable order."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in FACETS:
            out += [(name, value) for value in getattr(self, name)]
        for name in ("date_from", "date_to"):
            if getattr(self, name):
                out.append((name, getattr(self, name)))
        defaults = {f.name: f.default for f in fields(self)}
        for name in ("sort", "provinces", "limit", "page"):
            if getattr(self, name) != defaults[name]:
                out.append((name, str(getattr(self, name))))
        return out

    def url(self, path: str, **changes) -> str:
        """``path`` with these parameters (after ``changes``) as its query string."""
        params = replace(self, **changes) if changes else self
        query = urlencode(params.pairs())
        return f"{path}?{query}" if query else path

    def toggle(self, name: str, value: str) -> "SearchParams":
        """Select ``value`` of facet ``name`` if unselected, else unselect it; back to page 1."""
        return replace(self, page=1, **{name: self._toggled(name, value)})

    def _toggled(self, name: str, value: str) -> tuple[str, ...]:
        current = getattr(self, name)
        return tuple(v for v in current if v != value) if value in current else current + (value,)

    def toggle_urls(self, name: str, values: Sequence[str], path: str) -> list[str]:
        """``self.toggle(name, value).url(path)`` for each of ``values`` (a facet's links: hundreds a page), the
        other parameters encoded once."""
        others = replace(self, page=1, **{name: ()}).pairs()
        at = (1 if self.q else 0) + sum(len(getattr(self, n)) for n in FACETS[:FACETS.index(name)])
        head, tail = urlencode(others[:at]), urlencode(others[at:])  # name's values go between (see pairs())
        urls = []
        for value in values:
            query = "&".join(part for part in (head, urlencode([(name, v) for v in self._toggled(name, value)]), tail)
                             if part)
            urls.append(f"{path}?{query}" if query else path)
        return urls

    def without(self, name: str, value: str | None = None) -> "SearchParams":
        """Drop one value of a filter (or the whole filter); back to page 1."""
        if name in ("date_from", "date_to"):
            return replace(self, page=1, **{name: None})
        current = getattr(self, name)
        kept = tuple(v for v in current if value is not None and v != value)
        return replace(self, page=1, **{name: kept})

    def cleared(self) -> "SearchParams":
        """The same words with no filter."""
        return SearchParams(q=self.q, sort=self.sort, limit=self.limit, provinces=self.provinces)

    def hidden_fields(self, *, skip: Sequence[str] = ()) -> list[tuple[str, str]]:
        """Parameters a form must carry as hidden inputs to keep the rest of the state."""
        return [(k, v) for k, v in self.pairs() if k not in skip and k != "page"]
