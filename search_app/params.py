"""Search parameters as they travel in a URL: parse, validate, rebuild.

Pure code, no Flask: the views hand in ``request.args`` as a mapping of
lists, and every link on a result page (facet toggles, chips, pages, sort,
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

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from indexer.schema import FACETS
from indexer.search import MAX_LIMIT, MAX_PAGE, SORTS, YEARS, SearchRequest, province_advice

DEFAULT_LIMIT = 20
MAX_VALUES = 20  # selected values per facet: more is not a search anyone makes
MAX_VALUE_CHARS = 200
# Every facet, page, sort and hit link of a result page repeats the query: a
# 1,000-character one made pages of 600 KB.  The search uses MAX_TERMS (32)
# syllables at most, about 150 characters, so little is lost.
MAX_QUERY_CHARS = 200
PROVINCE_VIEWS = ("published", "2025")  # which province facet the sidebar shows

_YEAR = re.compile(r"[0-9]{4}")  # not \d: "２０１９" (full-width) is no year a filter matches
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadParameter(ValueError):
    """A URL parameter the user must fix; the message (Vietnamese) says how."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class SearchParams:
    """Everything a result page shows, as URL parameters (names = SearchRequest names)."""

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
    def from_args(cls, args: Mapping[str, Sequence[str] | str]) -> "SearchParams":
        """Parse URL arguments (a mapping of lists); raise :class:`BadParameter`."""

        def values(name: str) -> list[str]:
            raw = args.get(name) or []
            raw = [raw] if isinstance(raw, str) else list(raw)
            out: list[str] = []
            for value in raw:
                value = _CONTROL.sub("", str(value)).strip()
                if value and value not in out:
                    if len(value) > MAX_VALUE_CHARS:
                        raise BadParameter(name, f"Giá trị của «{name}» quá dài (tối đa {MAX_VALUE_CHARS} ký tự).")
                    out.append(value)
            if len(out) > MAX_VALUES:
                raise BadParameter(name, f"Chọn tối đa {MAX_VALUES} giá trị cho «{name}».")
            return out

        def one(name: str) -> str | None:
            found = values(name)
            return found[0] if found else None

        raw_q = args.get("q") or ""
        raw_q = raw_q if isinstance(raw_q, str) else (list(raw_q) or [""])[0]
        q = " ".join(_CONTROL.sub(" ", str(raw_q)).split())
        truncated = len(q) > MAX_QUERY_CHARS
        if truncated:  # cut between words, never inside one
            q = q[:MAX_QUERY_CHARS + 1].rsplit(" ", 1)[0] if " " in q[:MAX_QUERY_CHARS + 1] else q[:MAX_QUERY_CHARS]

        years = values("year")
        for year in years:
            if not (_YEAR.fullmatch(year) and int(year) in YEARS):
                raise BadParameter("year", f"Năm phải từ {YEARS[0]} đến {YEARS[-1]}, ví dụ 2019 (không phải «{year}»).")
        dates = {}
        for name, label in (("date_from", "Từ ngày"), ("date_to", "Đến ngày")):
            value = one(name)
            if value:
                try:
                    value = dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    raise BadParameter(name, f"«{label}» phải là ngày dạng 2024-06-30 (không phải «{value}»).") from None
            dates[name] = value
        if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
            raise BadParameter("date_from", "«Từ ngày» đang ở sau «Đến ngày».")
        sort = one("sort") or "relevance"
        if sort not in SORTS:
            raise BadParameter("sort", "Sắp xếp theo «relevance» (liên quan) hoặc «date» (ngày đăng).")
        provinces = one("provinces") or "published"
        if provinces not in PROVINCE_VIEWS:
            provinces = "published"
        return cls(
            q=q,
            province=tuple(_known("province", values("province"))),
            province_2025=tuple(_known("province_2025", values("province_2025"))),
            year=tuple(years),
            directive=tuple(_known("directive", values("directive"))),
            genre=tuple(_known("genre", values("genre"))),
            period=tuple(_known("period", values("period"))),
            keyword=tuple(values("keyword")),
            date_from=dates["date_from"],
            date_to=dates["date_to"],
            sort=sort,
            page=_whole(one("page"), "page", "Trang", 1, MAX_PAGE, 1),
            limit=_whole(one("limit"), "limit", "Số kết quả mỗi trang", 1, MAX_LIMIT, DEFAULT_LIMIT),
            provinces=provinces,
            q_truncated=truncated,
        )

    def to_request(self) -> SearchRequest:
        """The query service's request for these parameters."""
        return SearchRequest(
            q=self.q, province=list(self.province), province_2025=list(self.province_2025),
            year=list(self.year), directive=list(self.directive), genre=list(self.genre),
            period=list(self.period), keyword=list(self.keyword), date_from=self.date_from,
            date_to=self.date_to, sort=self.sort, page=self.page, limit=self.limit,
        )

    def canonical(self, request: SearchRequest) -> "SearchParams":
        """These parameters with filter values as the service canonicalised them."""
        return replace(self, **{name: tuple(getattr(request, name)) for name in FACETS})

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
        current = getattr(self, name)
        chosen = tuple(v for v in current if v != value) if value in current else current + (value,)
        return replace(self, page=1, **{name: chosen})

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


def _known(name: str, values: list[str]) -> list[str]:
    """``values`` unchanged if each names a province or document number, else BadParameter.

    The query service checks again and canonicalises; checking here gives the
    user a Vietnamese message that names the parameter.
    """
    from corpus.extract.genre import is_genre, is_period
    from corpus.knowledge.genre_rules import GENRES
    from corpus.knowledge.provinces import PROVINCES, PROVINCES_2025, canonical_province
    from indexer.records import normalize_key

    for value in values:
        if name == "genre" and not is_genre(value):
            raise BadParameter(name, f"«{value}» không phải là loại tài liệu; chọn một trong: {', '.join(GENRES)}.")
        if name == "period" and not is_period(value):
            raise BadParameter(name, f"«{value}» không phải là kỳ báo cáo (ví dụ: 2022, 2022-H1, 2022-Q3, 2016-2020).")
        if name in ("genre", "period"):
            continue
        if name == "directive":
            if normalize_key(value) is None:
                raise BadParameter(name, f"«{value}» không phải là số hiệu văn bản (ví dụ: 25-NQ/TW, 16/CT-TTg, "
                                         f"hoặc 16/CT-TTg@2020: văn bản số 16/CT-TTg năm 2020).")
            continue
        if canonical_province(value) not in (PROVINCES if name == "province" else PROVINCES_2025):
            raise BadParameter(name, _province_message(value, name))
    return values


def _province_message(value: str, name: str) -> str:
    """Where a province of the other list went, or the closest names (accents and case ignored)."""
    known, instead, closest = province_advice(value, name)
    if known and name == "province_2025":
        return (f"{known} thuộc tỉnh/thành {instead} từ 1/7/2025: chọn «{instead}» "
                f"(hoặc lọc theo tỉnh/thành khi đăng bài «{known}»).")
    if known:
        return (f"{known} là tỉnh/thành từ 1/7/2025: chọn «{known}» trong danh sách 34 tỉnh/thành mới"
                + (f" hoặc «{instead}» trong danh sách trước 1/7/2025." if instead else "."))
    which = "34 tỉnh/thành từ 1/7/2025" if name == "province_2025" else "63 tỉnh/thành trước 1/7/2025"
    near = [n if n == listed else f"{n} (nay là {listed})" if name == "province_2025"
            else f"{listed} (nay là {n})" for n, listed in closest]
    hint = f" Gần nhất: {', '.join(near)}." if near else ""
    return f"Không có «{value}» trong danh sách {which}.{hint}"


def _whole(value: str | None, name: str, label: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise BadParameter(name, f"«{label}» phải là số nguyên từ {low} đến {high} (không phải «{value[:20]}»).")
    return int(value)
