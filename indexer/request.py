"""One search request: parsed and validated once, where it arrives, then frozen.

A :class:`SearchRequest` is built from whatever mapping the input comes in —
URL arguments (:meth:`SearchRequest.from_args`), CLI options and ``--batch``
lines (:meth:`SearchRequest.from_options`) — or directly from Python.  Building
one checks every value and canonicalises it (province names, document numbers,
dates); a bad value raises :class:`QueryError` naming the parameter, with the
message in English (CLI, batch) and in Vietnamese (web pages).  The query
service, trends, exports and the directive pages take the request as it is.

>>> r = SearchRequest(q="dân vận", province=["ha giang"], directive=["16/ct - ttg"])
>>> r.province, r.directive
(('Hà Giang',), ('16/CT-TTg',))
>>> SearchRequest.from_args({"q": ["hòa giải"], "year": ["2019"], "page": ["2"]}).filters()
{'year': ['2019']}
>>> SearchRequest.from_args({"provnce": ["Hà Giang"]}, strict=True)
Traceback (most recent call last):
...
indexer.request.QueryError: unknown parameter 'provnce' (did you mean 'province'?); accepted: q, province, \
province_2025, year, directive, genre, period, keyword, date_from, date_to, sort, page, limit
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from corpus.extract.genre import is_genre, is_period
from corpus.knowledge.genre_rules import GENRES
from corpus.knowledge.provinces import (PROVINCES, PROVINCES_2025, as_pre_2025, canonical_province,
                                        closest_provinces, to_2025)
from corpus.knowledge.vietnamese import normalize
from corpus.store.document import YEARS
from indexer.analysis import JOINER
from indexer.records import normalize_key
from indexer.schema import FACETS

MAX_LIMIT = 100
MAX_PAGE = 10_000
SORTS = ("relevance", "date")
DEFAULT_LIMIT = 10  # hits per page of the CLI and the API; the web's result page shows more (search_app.params)
MAX_NUMBER_CHARS = 200  # a document number or record key longer than this is none
# URL arguments: at most this many values per filter, each this long; a query this long (more is cut between
# words: every link of a result page repeats it, and the search uses MAX_TERMS syllables, about 150 characters).
MAX_VALUES = 20
MAX_VALUE_CHARS = 200
MAX_QUERY_CHARS = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Labels of parameters in Vietnamese messages.
_LABELS = {"page": "Trang", "limit": "Số kết quả mỗi trang", "date_from": "Từ ngày", "date_to": "Đến ngày"}


class QueryError(ValueError):
    """A request the user must fix; the message says how, ``name`` is the parameter at fault.

    ``vi``: the same message in Vietnamese, for web pages (the English one otherwise).
    """

    def __init__(self, message: str, name: str | None = None, vi: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.vi = vi or message


@dataclass(frozen=True)
class SearchRequest:
    """Everything a search can ask for, validated and canonical; names match Document fields and URL parameters.

    Lists are accepted for the filters and kept as tuples; constructing a request checks it
    (:class:`QueryError`), so a request that exists is one the service can run.
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

    def __post_init__(self) -> None:
        if not isinstance(self.q, str):
            raise QueryError(f"query takes a string, not {_as_json(self.q)}", name="q")
        _whole(self.page, "page", MAX_PAGE)
        _whole(self.limit, "limit", MAX_LIMIT)
        if self.sort not in SORTS:
            raise QueryError(f"sort must be one of: {', '.join(SORTS)}, not {_shown(self.sort)}", name="sort",
                             vi="Sắp xếp theo «relevance» (liên quan) hoặc «date» (ngày đăng).")
        canonical = {name: tuple(dict.fromkeys(_canonical(name, str(v)) for v in _listed(getattr(self, name), name)))
                     for name in FACETS}
        dates = {name: _date(getattr(self, name), name) for name in ("date_from", "date_to")}
        if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
            raise QueryError("the 'from' date is after the 'to' date", name="date_from",
                             vi="«Từ ngày» đang ở sau «Đến ngày».")
        for name, value in {**canonical, **dates}.items():
            object.__setattr__(self, name, value)

    def filters(self) -> dict[str, list[str]]:
        """Facet filters that are set, by facet name."""
        return {name: list(getattr(self, name)) for name in FACETS if getattr(self, name)}

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str] | str], *, defaults: Mapping[str, Any] | None = None,
                  allow: Iterable[str] = (), strict: bool = False) -> "SearchRequest":
        """A request from URL arguments (a mapping of lists, or of strings); raise :class:`QueryError`.

        Values are cleaned as they arrive (control characters, blanks, repeats; the query cut to
        :data:`MAX_QUERY_CHARS`).  ``defaults``: other defaults (the web page's ``limit``);
        ``allow``: other parameters the caller reads itself; ``strict``: any other parameter is an
        error naming it (JSON endpoints), else it is ignored (pages a browser may add to).
        """
        if strict:
            check_names(args, [*PARAMETERS, *allow])
        values: dict[str, Any] = dict(defaults or {})
        values["q"] = web_query(args.get("q"))[0]
        for name in FACETS:
            values[name] = _arg_values(args, name)
        for name in ("date_from", "date_to", "sort"):
            given = _arg_values(args, name)
            if given:
                values[name] = given[0]
        for name in ("page", "limit"):
            given = _arg_values(args, name)
            if given:
                values[name] = _number(given[0], name, MAX_PAGE if name == "page" else MAX_LIMIT)
        return cls(**values)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, allow: Iterable[str] = ()) -> "SearchRequest":
        """A request from options named as :data:`OPTIONS` (a CLI call, a batch line); raise QueryError.

        Keys may use "-" for "_" ("province-2025"); ``allow``: other keys the caller
        reads itself (a batch line's "qid").  Unknown keys and values of the wrong
        type are errors naming the key and what is accepted.
        """
        values: dict[str, Any] = {}
        given: dict[str, str] = {}
        allow = tuple(allow)
        for key, value in options.items():
            if key in allow:
                continue
            name = OLD_OPTION_NAMES.get(str(key).replace("-", "_"), str(key).replace("-", "_"))
            if name not in OPTIONS:
                near = _closest(str(key), [*allow, *OPTIONS, *OLD_OPTION_NAMES])
                near = OLD_OPTION_NAMES.get(near, near)
                raise QueryError(f"unknown key {_shown(key)}; accepted: {', '.join([*allow, *OPTIONS])}"
                                 + (f"; did you mean {near!r}?" if near else ""), name=str(key))
            if name in given:
                raise QueryError(f"{_shown(key)} and {_shown(given[name])} are the same option: give one", name=name)
            given[name] = str(key)
            if value is not None:
                values[OPTIONS[name][1]] = _typed(value, name, OPTIONS[name][0])
        try:
            request = cls(**values)
        except QueryError as exc:  # named as the options are
            raise QueryError(str(exc), name=OPTION_NAMES.get(exc.name, exc.name), vi=exc.vi) from None
        if request.year and (request.date_from or request.date_to):
            raise QueryError("use either year or from/to, not both", name="year")
        return request


# URL parameters (= field names).
PARAMETERS = tuple(f.name for f in fields(SearchRequest))
# A search's options as the CLI and batch lines name them -> (kind, SearchRequest field).
OPTIONS = {
    "query": ("text", "q"), "province": ("list", "province"), "province_2025": ("list", "province_2025"),
    "year": ("list", "year"), "directive": ("list", "directive"), "genre": ("list", "genre"),
    "period": ("list", "period"), "keyword": ("list", "keyword"), "from": ("text", "date_from"),
    "to": ("text", "date_to"), "sort": ("text", "sort"), "page": ("int", "page"), "limit": ("int", "limit"),
}
OPTION_NAMES = {field_name: option for option, (_kind, field_name) in OPTIONS.items()}
OLD_OPTION_NAMES = {"date_from": "from", "date_to": "to"}  # as in the web's URLs and --json "filters"


def check_names(args: Iterable[str], accepted: Sequence[str]) -> None:
    """Raise :class:`QueryError` naming the first of ``args`` not ``accepted``, with the closest accepted name."""
    for name in args:
        if name not in accepted:
            near = _closest(str(name), accepted)
            hint = f" (did you mean {near!r}?)" if near else ""
            vi_hint = f" (có phải «{near}»?)" if near else ""
            raise QueryError(f"unknown parameter {_shown(name)}{hint}; accepted: {', '.join(accepted)}", name=str(name),
                             vi=f"Không có tham số «{str(name)[:60]}»{vi_hint}; dùng: {', '.join(accepted)}.")


def _closest(name: str, accepted: Sequence[str]) -> str | None:
    """The accepted name ``name`` was most likely meant to be, if one is close ("-" read as "_")."""
    near = difflib.get_close_matches(name.replace("-", "_"), accepted, n=1, cutoff=0.6)
    return near[0] if near else None


def web_query(raw: Sequence[str] | str | None) -> tuple[str, bool]:
    """A query as it arrives in a URL, cleaned and cut to :data:`MAX_QUERY_CHARS` between words; and whether cut."""
    raw = raw or ""
    raw = raw if isinstance(raw, str) else (list(raw) or [""])[0]
    q = " ".join(_CONTROL.sub(" ", str(raw)).split())
    if len(q) <= MAX_QUERY_CHARS:
        return q, False
    head = q[:MAX_QUERY_CHARS + 1]
    return (head.rsplit(" ", 1)[0] if " " in head else q[:MAX_QUERY_CHARS]), True


def province_advice(value: str, name: str) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """For a value that is not a ``name`` ("province": the 63 before 1/7/2025, "province_2025": the 34 since):
    its canonical name if it is a province of the other list, that province's name in this list, and else
    the closest names (accents, case and spacing ignored), each with its name in this list.

    >>> province_advice("Bến Tre", "province_2025")
    ('Bến Tre', 'Vĩnh Long', [])
    >>> province_advice("vinh lng", "province_2025")[2][0]
    ('Vĩnh Long', 'Vĩnh Long')
    """
    as_listed = to_2025 if name == "province_2025" else as_pre_2025
    known = canonical_province(value)
    if known:
        instead = as_listed(known)
        return known, instead if name == "province_2025" or instead in PROVINCES else None, []
    return None, None, [(n, as_listed(n)) for n in closest_provinces(value)]


# How a province filter is refused, per language: the CLI and JSON speak English, web pages Vietnamese.
PROVINCE_MESSAGES = {
    "en": {
        "merged_into": "{known} belongs to {instead} since 1/7/2025: use {instead!r} (or province {known!r}, as published)",
        "new_only": "{known} is a province since 1/7/2025, not one of the 63 before: use province_2025 {known!r}",
        "new_only_or": " or province {instead!r}",
        "new_only_end": "",
        "which_2025": "the 34 provinces since 1/7/2025", "which": "the 63 provinces before 1/7/2025",
        "near_2025": "{n} (now {listed})", "near": "{listed} ({n} since 1/7/2025)",
        "hint": "closest: {near}", "no_hint": "see `danvan provinces` for the list",
        "unknown": "{shown} is not one of {which}; {hint}",
    },
    "vi": {
        "merged_into": "{known} thuộc tỉnh/thành {instead} từ 1/7/2025: chọn «{instead}» "
                       "(hoặc lọc theo tỉnh/thành khi đăng bài «{known}»).",
        "new_only": "{known} là tỉnh/thành từ 1/7/2025: chọn «{known}» trong danh sách 34 tỉnh/thành mới",
        "new_only_or": " hoặc «{instead}» trong danh sách trước 1/7/2025.",
        "new_only_end": ".",
        "which_2025": "34 tỉnh/thành từ 1/7/2025", "which": "63 tỉnh/thành trước 1/7/2025",
        "near_2025": "{n} (nay là {listed})", "near": "{listed} (nay là {n})",
        "hint": " Gần nhất: {near}.", "no_hint": "",
        "unknown": "Không có «{value}» trong danh sách {which}.{hint}",
    },
}


def province_error(value: str, name: str, language: str = "en") -> str:
    """Why ``value`` is not a ``name`` ("province" or "province_2025"), and what to use instead."""
    say = PROVINCE_MESSAGES[language]
    known, instead, closest = province_advice(value, name)
    if known and name == "province_2025":
        return say["merged_into"].format(known=known, instead=instead)
    if known:
        return say["new_only"].format(known=known) + (say["new_only_or"].format(instead=instead) if instead
                                                        else say["new_only_end"])
    new = name == "province_2025"
    near = [n if n == listed else say["near_2025" if new else "near"].format(n=n, listed=listed)
            for n, listed in closest]
    hint = say["hint"].format(near=", ".join(near)) if near else say["no_hint"]
    return say["unknown"].format(shown=_shown(value), value=value, which=say["which_2025" if new else "which"],
                                 hint=hint)


def _canonical(name: str, value: str) -> str:
    """One filter value in canonical form, or QueryError naming the filter."""
    value = value.strip()
    if name in ("province", "province_2025"):
        canonical = canonical_province(value)
        if canonical is None or canonical not in (PROVINCES if name == "province" else PROVINCES_2025):
            raise QueryError(province_error(value, name), name=name, vi=province_error(value, name, "vi"))
        return canonical
    if name == "year":
        if not (value.isascii() and value.isdigit() and len(value) == 4 and int(value) in YEARS):
            raise QueryError(f"year must be a year from {YEARS[0]} to {YEARS[-1]}, such as 2019, not {_shown(value)}",
                             name="year",
                             vi=f"Năm phải từ {YEARS[0]} đến {YEARS[-1]}, ví dụ 2019 (không phải «{value[:60]}»).")
        return value
    if name == "directive":
        number = normalize_key(value) if len(value) <= MAX_NUMBER_CHARS else None
        if number is None:
            raise QueryError(f"{_shown(value)} is not a document number such as 25-NQ/TW or 16/CT-TTg, nor one "
                             f"of its records such as 16/CT-TTg@2020", name="directive",
                             vi=f"«{value[:60]}» không phải là số hiệu văn bản (ví dụ: 25-NQ/TW, 16/CT-TTg, "
                                f"hoặc 16/CT-TTg@2020: văn bản số 16/CT-TTg năm 2020).")
        return number
    if name == "genre" and not is_genre(value):
        raise QueryError(f"genre must be one of: {', '.join(GENRES)}, not {_shown(value)}", name="genre",
                         vi=f"«{value[:60]}» không phải là loại tài liệu; chọn một trong: {', '.join(GENRES)}.")
    if name == "keyword":
        # As the index holds it: lower case, one tone placement, words apart ("Chuyển_đổi  số" -> "chuyển đổi số").
        return " ".join(normalize(value).lower().replace(JOINER, " ").split())
    if name == "period" and not is_period(value):
        raise QueryError(f"period must be like 2022, 2022-H1, 2022-Q3, 2022-9M or 2016-2020, not {_shown(value)}",
                         name="period",
                         vi=f"«{value[:60]}» không phải là kỳ báo cáo (ví dụ: 2022, 2022-H1, 2022-Q3, 2016-2020).")
    return value


def _listed(value: Any, name: str) -> list:
    """A filter's values as a list (one string is one value)."""
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise QueryError(f"{name} takes a list of values, not {_as_json(value)}", name=name) from None


def _date(value: str | None, name: str) -> str | None:
    """An ISO date, or None for no bound; QueryError naming ``name`` otherwise."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        option = OPTION_NAMES[name]
        raise QueryError(f"{option} must be a date like 2024-06-30, not {_shown(value)}", name=name,
                         vi=f"«{_LABELS[name]}» phải là ngày dạng 2024-06-30 (không phải «{str(value)[:60]}»).") from None


def _whole(value: Any, name: str, high: int) -> None:
    """Check ``value`` is a whole number from 1 to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise QueryError(f"{name} must be a whole number from 1 to {high}, not {_shown(value)}", name=name,
                         vi=f"«{_LABELS[name]}» phải là số nguyên từ 1 đến {high} (không phải «{str(value)[:20]}»).")


def _number(value: str, name: str, high: int) -> int:
    """A whole number as typed in a URL (ASCII digits only)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise QueryError(f"{name} must be a whole number from 1 to {high}, not {_shown(value)}", name=name,
                         vi=f"«{_LABELS[name]}» phải là số nguyên từ 1 đến {high} (không phải «{value[:20]}»).")
    return int(value)


def _arg_values(args: Mapping[str, Sequence[str] | str], name: str) -> list[str]:
    """The values of one URL parameter: control characters dropped, blanks and repeats skipped, sizes capped."""
    raw = args.get(name) or []
    raw = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for value in raw:
        value = _CONTROL.sub("", str(value)).strip()
        if value and value not in out:
            if len(value) > MAX_VALUE_CHARS:
                raise QueryError(f"a value of {name} is longer than {MAX_VALUE_CHARS} characters", name=name,
                                 vi=f"Giá trị của «{name}» quá dài (tối đa {MAX_VALUE_CHARS} ký tự).")
            out.append(value)
    if len(out) > MAX_VALUES:
        raise QueryError(f"give at most {MAX_VALUES} values of {name}", name=name,
                         vi=f"Chọn tối đa {MAX_VALUES} giá trị cho «{name}».")
    return out


def _typed(value: Any, name: str, kind: str) -> Any:
    """An option's value checked for its JSON type (a batch line can hold anything)."""
    if kind == "list":
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        allowed_types = (str, int) if name == "year" else (str,)
        if any(isinstance(v, bool) or not isinstance(v, allowed_types) for v in values):
            raise QueryError(f"{name} takes a {'year' if name == 'year' else 'string'} or a list of them, "
                             f"not {_as_json(value)}", name=name)
        return [str(v) for v in values]
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QueryError(f"{name} must be a whole number from 1 to {MAX_PAGE if name == 'page' else MAX_LIMIT}, "
                             f"not {_as_json(value)}", name=name)
        return value
    if not isinstance(value, str):
        raise QueryError(f"{name} takes a string, not {_as_json(value)}", name=name)
    return value


def _shown(value) -> str:
    """A user's value quoted in a message, cut so a 10,000-character input is not echoed back."""
    text = str(value)
    text = text if len(text) <= 60 else text[:60] + "…"
    return repr(text) if isinstance(value, str) else text  # page 0, not '0'


def _as_json(value) -> str:
    """A value of the wrong type as JSON names it ('the string "5"', 'the number 2019.5', 'true')."""
    kinds = ((bool, ""), (str, "the string "), ((int, float), "the number "), ((list, tuple), "the list "),
             (dict, "the object "))
    kind = next((word for types, word in kinds if isinstance(value, types)), "")
    text = json.dumps(value, ensure_ascii=False, default=str)
    return kind + (text if len(text) <= 60 else text[:60] + "…")
