"""Genre (what kind of document) and period (what time it reports on) of a text.

Read from the title first, then the heading lines that open the text, then
the names of attached files; the rules are data in :mod:`corpus.knowledge.genre_rules`.
The period is not the publication year: a 2016 review published in January
2017 covers 2016.

>>> classify("Báo cáo sơ kết công tác dân vận 6 tháng đầu năm 2022", "")
('six_month_review', '2022-H1')
>>> classify("Tổng kết công tác năm 2016", "Ngày 10/01/2017 ...")
('annual_review', '2016')
>>> classify(None, "Một ngày ở bản.")
('unknown', None)
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from corpus.knowledge import genre_rules
from corpus.knowledge.genre_rules import (DATES, FIRST_CHARS, GENRE_FAMILIES, GENRE_RULES, GENRES, HEADING_CHARS,
                                          HEADING_LINES, LOOKALIKES, MAX_RANGE_YEARS, PERIOD_RULES, QUARTERS,
                                          QUERY_GENRE_RULES, QUERY_GENRES, SENTENCE_ENDS, TEXT_GENRES)
from corpus.knowledge.vietnamese import key, normalize

UNKNOWN = "unknown"
GIVEN = "given"  # a genre or period source: given with the input, never recomputed (see rules_source)
_NAME_SEPARATORS = re.compile(r"[-_.+\s]+")
_PERIOD = re.compile(r"(?:19|20)\d{2}(?:-(?:H[12]|Q[1-4]|9M|(?:19|20)\d{2}))?")


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[tuple[str, list[re.Pattern]]], list[tuple[str, re.Pattern]]]:
    genres = [(name, [re.compile(p, re.M) for p in patterns]) for name, patterns in GENRE_RULES]
    periods = [(kind, re.compile(p)) for kind, p in PERIOD_RULES]
    return genres, periods


@lru_cache(maxsize=1)
def _query_genres() -> list[tuple[str, list[re.Pattern]]]:
    """The genre rules a query is read with: the query-only ones (``QUERY_GENRE_RULES``) first, then the
    documents' own, of ``QUERY_GENRES`` only."""
    query = [(name, [re.compile(p, re.M) for p in patterns]) for name, patterns in QUERY_GENRE_RULES]
    return [(name, patterns) for name, patterns in query + _compiled()[0] if name in QUERY_GENRES]


_DATES = re.compile(DATES)
_LOOKALIKES = re.compile(LOOKALIKES)


def _key(text: str) -> str:
    """:func:`key` of a place the rules look at, its ``LOOKALIKES`` blanked first (they are told apart by tones)."""
    return key(_LOOKALIKES.sub(" ", normalize(text).lower()))


def _places(title: str | None, text: str, attachments: Sequence[str] = ()) -> list[tuple[str, bool]]:
    """Where to look, in order, as (:func:`key` text, is the title): the title, the heading lines
    that open the text, the attachments' file names."""
    places = [(_key(title), True)] if title and title.strip() else []
    # An official document's opening: "BÁO CÁO" on one line, "Tổng kết ..." on the next.  A long
    # line is a paragraph: news telling of a review meeting, not the review itself.
    # The line cut at FIRST_CHARS is a paragraph's start, and a line without a letter ("*", "-----",
    # a page number) no heading: neither takes a place among them.
    opening = text[:FIRST_CHARS].splitlines()[:-1] if len(text) > FIRST_CHARS else text.splitlines()
    lines = [line for line in opening if any(c.isalpha() for c in line)][:HEADING_LINES]
    # A line ending as a sentence does ("Báo cáo cho biết, ... .") is prose, not a heading.
    headings = [_key(line) for line in lines
                if len(line.strip()) <= HEADING_CHARS and not line.rstrip().endswith(SENTENCE_ENDS)]
    places.append(("\n".join(headings), False))
    places += [(key(attachment_name(a)), False) for a in attachments]
    return [(place, is_title) for place, is_title in places if place]


def attachment_name(url: str) -> str:
    """The words of an attached file's name.

    >>> attachment_name("https://x.vn/files/BC%20so-ket_6_thang%20dau%20nam%202022.signed.pdf")
    'BC so ket 6 thang dau nam 2022 signed'
    """
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(_NAME_SEPARATORS.split(name)).strip()


def find_genre(places: list[tuple[str, bool]]) -> str:
    """The first genre whose rule matches one of ``places`` (tried in order), else ``"unknown"``.

    Only ``TEXT_GENRES`` may come from a place other than the title.
    """
    genres, _ = _compiled()
    for place, is_title in places:
        for name, patterns in genres:
            if (is_title or name in TEXT_GENRES) and any(p.search(place) for p in patterns):
                return name
    return UNKNOWN


def find_period(place: str) -> str | None:
    """The first period ``place`` (key text) names: "2022-H1", "2022-Q3", "2022-9M", "2018", "2016-2020";
    None if there is none or the first is a span of months this module does not know.

    The first, because a review names what it reviews before the next tasks
    ("Tổng kết năm 2016 và phương hướng năm 2017").
    """
    _, periods = _compiled()
    place = _DATES.sub(" ", place)
    found = []  # (start, rule order, kind, match)
    for order, (kind, pattern) in enumerate(periods):
        for m in pattern.finditer(place):
            if kind == "range" and not 0 < int(m.group(2)) - int(m.group(1)) <= MAX_RANGE_YEARS:
                continue
            found.append((m.start(), order, kind, m))
            break
    if not found:
        return None
    _, _, kind, m = min(found, key=lambda f: f[:2])
    if kind == "unknown":
        return None
    if kind == "range":
        return f"{m.group(1)}-{m.group(2)}"
    if kind == "quarter":
        return f"{m.group(2)}-Q{QUARTERS[m.group(1)]}"
    return m.group(1) + {"half1": "-H1", "half2": "-H2", "nine": "-9M", "year": ""}[kind]


def classify(title: str | None, text: str, attachments: Sequence[str] = ()) -> tuple[str, str | None]:
    """(genre, period) of a document from its title, opening and attached files' names;
    genre "unknown", period None when unsure."""
    places = _places(title, text or "", attachments)
    genre = find_genre(places)
    for place, is_title in places:
        # Outside the title, a year is read only for a document that reports on a period.
        if is_title or genre in TEXT_GENRES:
            period = find_period(place)
            if period is not None:
                return genre, period
    return genre, None


@lru_cache(maxsize=1)
def rules_source() -> str:
    """How a computed genre or period is marked: "rules:" and a hash of this module and its rules' data
    (``corpus.knowledge.genre_rules``), so that a store can tell which of its rows other rules filed.

    >>> rules_source().startswith("rules:"), len(rules_source())
    (True, 18)
    """
    digest = hashlib.sha1()
    for module in (__file__, genre_rules.__file__):
        digest.update(Path(module).read_bytes().replace(b"\r\n", b"\n"))  # a CRLF checkout has the same rules
    return "rules:" + digest.hexdigest()[:12]


def is_source(value: str) -> bool:
    """True for a genre or period source: "given", or "rules:" and a version (see :func:`rules_source`).

    >>> is_source("given"), is_source("rules:0123456789ab"), is_source("guess")
    (True, True, False)
    """
    return value == GIVEN or re.fullmatch(r"rules:[0-9a-f]{0,12}", value) is not None


def named_genre(text: str) -> tuple[str, list[str]] | None:
    """The first of ``QUERY_GENRES`` whose rule matches a query, and the query's words (key form)
    that name it: the matched words that the rule itself spells, not the ones it lets stand between.

    >>> named_genre("sơ kết công tác dân vận 6 tháng đầu năm 2022")
    ('six_month_review', ['so', 'ket', '6', 'thang', 'dau', 'nam'])
    >>> named_genre("báo cáo 6 tháng 2024")  # a query-only phrasing (QUERY_GENRE_RULES)
    ('six_month_review', ['bao', 'cao', '6', 'thang'])
    >>> named_genre("kế hoạch dân vận khéo"), named_genre("tiếp công dân")
    (('plan', ['ke', 'hoach']), None)
    """
    place = key(text)
    for name, patterns in _query_genres():
        for pattern in patterns:
            m = pattern.search(place)
            if m:
                spelled = set(re.findall(r"[a-z]{2,}|\d", pattern.pattern.replace("\\d", " ")))
                return name, [word for word in m.group(0).split() if word in spelled]
    return None


def related_genres(genre: str) -> list[str]:
    """``genre`` and the genres of its family (``GENRE_FAMILIES``), ``genre`` first.

    >>> related_genres("six_month_review")
    ['six_month_review', 'annual_review', 'multi_year_review']
    """
    family = next((f for f in GENRE_FAMILIES if genre in f), frozenset())
    return [genre, *sorted(family - {genre})]


def is_period(value: str) -> bool:
    """True for a period as :func:`find_period` writes it.

    >>> is_period("2022-H1"), is_period("2016-2020"), is_period("H1")
    (True, True, False)
    """
    return _PERIOD.fullmatch(value) is not None


def is_genre(value: str) -> bool:
    """True for one of the genre names (``GENRES``)."""
    return value in GENRES
