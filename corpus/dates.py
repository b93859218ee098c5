"""Publication dates from CMS date lines, and the year a text is about.

A date line holds one date and nothing but time, weekday and label words
("15:15, 01/07/2022", "Ngày 14/03/2019 08:59:47", "Thứ Hai, 12/06/2023"), or
ends a title line in parentheses ("... (20/02/2019 08:53 PM)").  Prose that
starts with a date ("Ngày 06/9/2024, Ban Dân vận ban hành ...") is not one.

>>> find_published(["Chiều 30/6, Tỉnh ủy tổ chức hội nghị", "15:15, 01/07/2022"])
'2022-07-01'
>>> find_published(["Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành Kế hoạch số 202-KH/BDVTU."]) is None
True
>>> find_year("Sơ kết 6 tháng đầu năm 2023; phương hướng 6 tháng cuối năm 2023.")
2023
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from corpus import rules
from corpus.vietnamese import key, nfc

MIN_YEAR, MAX_YEAR = 1945, 2100

_DMY = r"(?<![\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})(?![\d/.-])"
_ISO = r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d-])"
_LONG = r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
_DATE_RE = re.compile(f"{_DMY}|{_ISO}|{_LONG}", re.I)
_LONG_RE = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)  # after a "ngày" already read
_TIME_RE = re.compile(r"(?<!\d)\d{1,2}\s*[:hg]\s*\d{2}(?:\s*:\s*\d{2})?(?!\d)(?:\s*(?:AM|PM|SA|CH)\b)?", re.I)
_NUMBER_RE = re.compile(r"\d[\d.,]*")
_LABELS = sorted({key(w) for w in rules.DATE_LINE_WORDS}, key=len, reverse=True)
_LABEL_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in _LABELS) + r")(?!\w)")
_TRAILING_RE = re.compile(r"\(\s*([^()]{6,40})\s*\)\s*$")


def _valid(year: int, month: int, day: int) -> str | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _iso(m: re.Match) -> str | None:
    g = m.groups()
    if g[0]:
        return _valid(int(g[3]), int(g[2]), int(g[0]))
    if g[4]:
        return _valid(int(g[4]), int(g[5]), int(g[6]))
    return _valid(int(g[9]), int(g[8]), int(g[7]))


def match_date(text: str, pos: int = 0) -> tuple[int, str] | None:
    """(end, ISO date) of a date written at ``pos`` of ``text`` ("03/6/2013", "03 tháng 6 năm 2013"), else None."""
    m = _DATE_RE.match(text, pos)
    if m:
        date = _iso(m)
    else:  # "03 tháng 6 năm 2013" after a "ngày" the caller has read
        m = _LONG_RE.match(text, pos)
        date = _valid(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
    return (m.end(), date) if date else None


def parse_date_line(line: str) -> str | None:
    """ISO date when ``line`` is a CMS date line (only date, time, weekday, labels), else None."""
    line = nfc(line).strip()
    if not line or len(line) > 120:
        return None
    dates = list(_DATE_RE.finditer(line))
    if len(dates) != 1:
        return None
    rest = line[: dates[0].start()] + " " + line[dates[0].end():]
    rest = _TIME_RE.sub(" ", rest)
    rest = _LABEL_RE.sub(" ", key(rest))
    rest = _NUMBER_RE.sub(" ", rest)  # "Lượt xem: 1042"
    if re.search(r"\w", rest):
        return None
    return _iso(dates[0])


def split_trailing_date(line: str) -> tuple[str, str | None]:
    """("Title", ISO date) for a title line ending in "(20/02/2019 08:53 PM)", else (line, None)."""
    m = _TRAILING_RE.search(line)
    if m and m.start() > 0:
        date = parse_date_line(m.group(1))
        if date:
            return line[: m.start()].rstrip(), date
    return line, None


def find_published(lines: list[str]) -> str | None:
    """Publication date (ISO) from the first CMS date line among ``lines``; never from prose."""
    for line in lines:
        date = parse_date_line(line) or split_trailing_date(line)[1]
        if date:
            return date
    return None


_YEAR_RE = re.compile(r"(?<![\w/.-])năm\s+((?:19|20)\d\d)(?!\d|[/.-]\d|\s*[-–]\s*\d)", re.I)


def find_year(text: str) -> int | None:
    """Year a text is about ("6 tháng đầu năm 2023" -> 2023) when it names one clearly, else None.

    Only "năm YYYY" counts (not ranges, dates or "Kế hoạch 2024"); a year wins
    when it is named at least twice and more often than any other.
    """
    counts = Counter(int(m.group(1)) for m in _YEAR_RE.finditer(nfc(text or "")))
    ranked = [(y, n) for y, n in counts.most_common() if MIN_YEAR <= y <= MAX_YEAR] + [(0, 0), (0, 0)]
    (best, n), (_second, m) = ranked[0], ranked[1]
    return best if n >= 2 and n > m else None
