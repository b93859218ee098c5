"""Genre (what kind of document) and period (what time it reports on) of a text.

Read from the title first, then the first lines of the text, then the names
of attached files; the rules are
data in :mod:`corpus.genre_rules`.  The period is not the publication year:
a 2016 review published in January 2017 covers 2016.

>>> classify("Báo cáo sơ kết công tác dân vận 6 tháng đầu năm 2022", "")
('six_month_review', '2022-H1')
>>> classify("Tổng kết công tác năm 2016", "Ngày 10/01/2017 ...")
('annual_review', '2016')
>>> classify(None, "Một ngày ở bản.")
('unknown', None)
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from corpus.genre_rules import FIRST_CHARS, GENRE_RULES, GENRES, MAX_RANGE_YEARS, PERIOD_RULES, QUARTERS
from corpus.vietnamese import key

UNKNOWN = "unknown"
_NAME_SEPARATORS = re.compile(r"[-_.+\s]+")
_PERIOD = re.compile(r"(?:19|20)\d{2}(?:-(?:H[12]|Q[1-4]|9M|(?:19|20)\d{2}))?")


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[tuple[str, list[re.Pattern]]], list[tuple[str, re.Pattern]]]:
    genres = [(name, [re.compile(p, re.M) for p in patterns]) for name, patterns in GENRE_RULES]
    periods = [(kind, re.compile(p)) for kind, p in PERIOD_RULES]
    return genres, periods


def _places(title: str | None, text: str, attachments: Sequence[str] = ()) -> list[str]:
    """Where to look, in order: the title, the opening lines of the text, the attachments' file names
    (as :func:`key` text)."""
    places = [key(title)] if title and title.strip() else []
    # An official document's opening: "BÁO CÁO" on one line, "Tổng kết ..." on the next.
    places.append("\n".join(key(line) for line in text[:FIRST_CHARS].splitlines() if line.strip()))
    places += [key(attachment_name(a)) for a in attachments]
    return [p for p in places if p]


def attachment_name(url: str) -> str:
    """The words of an attached file's name.

    >>> attachment_name("https://x.vn/files/BC%20so-ket_6_thang%20dau%20nam%202022.signed.pdf")
    'BC so ket 6 thang dau nam 2022 signed'
    """
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(_NAME_SEPARATORS.split(name)).strip()


def find_genre(places: list[str]) -> str:
    """The first genre whose rule matches one of ``places`` (tried in order), else ``"unknown"``."""
    genres, _ = _compiled()
    for place in places:
        for name, patterns in genres:
            if any(p.search(place) for p in patterns):
                return name
    return UNKNOWN


def find_period(place: str) -> str | None:
    """The period ``place`` (key text) names: "2022-H1", "2022-Q3", "2022-9M", "2018", "2016-2020", or None."""
    _, periods = _compiled()
    for kind, pattern in periods:
        m = pattern.search(place)
        if m is None:
            continue
        if kind == "unknown":
            return None
        if kind == "range":
            first, last = int(m.group(1)), int(m.group(2))
            if not 0 < last - first <= MAX_RANGE_YEARS:
                continue
            return f"{first}-{last}"
        if kind == "quarter":
            return f"{m.group(2)}-Q{QUARTERS[m.group(1)]}"
        suffix = {"half1": "-H1", "half2": "-H2", "nine": "-9M", "year": ""}[kind]
        return m.group(1) + suffix
    return None


def classify(title: str | None, text: str, attachments: Sequence[str] = ()) -> tuple[str, str | None]:
    """(genre, period) of a document from its title, opening and attached files' names;
    genre "unknown", period None when unsure."""
    places = _places(title, text or "", attachments)
    genre = find_genre(places)
    period = None
    for place in places:
        period = find_period(place)
        if period is not None:
            break
    return genre, period


def is_period(value: str) -> bool:
    """True for a period as :func:`find_period` writes it.

    >>> is_period("2022-H1"), is_period("2016-2020"), is_period("H1")
    (True, True, False)
    """
    return _PERIOD.fullmatch(value) is not None


def is_genre(value: str) -> bool:
    """True for one of the genre names (``GENRES``)."""
    return value in GENRES
