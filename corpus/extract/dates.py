"""Publication dates from CMS date lines, and the year a text is about.

A date line holds one date and nothing but time, weekday, label words and a
news credit ("15:15, 01/07/2022", "Thứ ba, 18 Tháng 8 2015 16:06", "(MTO 3 -
31/03/2020 14:27)"), or ends a title line ("... (20/02/2019 08:53 PM)").  Prose
that starts with a date ("Ngày 06/9/2024, Ban Dân vận ban hành ...") is not one.
How dates are written is data (``rules.DATE_PATTERNS``); this is the one date
parser: the HTML readers, the text-dump reader and the document header reader
all use it.  A date found is a ``datetime.date``; only a Document stores it as
an ISO string.

>>> find_published(["Chiều 30/6, Tỉnh ủy tổ chức hội nghị", "15:15, 01/07/2022"])
datetime.date(2022, 7, 1)
>>> find_published(["Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành Kế hoạch số 202-KH/BDVTU."]) is None
True
>>> find_year("Sơ kết 6 tháng đầu năm 2023; phương hướng 6 tháng cuối năm 2023.")
2023
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from corpus.knowledge import rules
from corpus.knowledge.vietnamese import key, nfc

MIN_YEAR, MAX_YEAR = rules.MIN_YEAR, rules.MAX_YEAR  # years a text may be about (find_year, document numbers)
PUBLISHED_SINCE = 1990  # no portal published before; a publication date is at most a year ahead

_PATTERNS = [re.compile(p, re.I) for p in rules.DATE_PATTERNS]
_CREDIT_RE = re.compile(rules.DATE_LINE_CREDIT, re.I)
_TIME_RE = re.compile(r"(?<!\d)\d{1,2}\s*[:hg]\s*\d{2}(?:\s*:\s*\d{2})?(?!\d)(?:\s*(?:AM|PM|SA|CH)\b)?", re.I)
_NUMBER_RE = re.compile(r"\d[\d.,]*")
_LABELS = sorted({key(w) for w in rules.DATE_LINE_WORDS}, key=len, reverse=True)
_LABEL_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in _LABELS) + r")(?!\w)")
_WEEKDAY_RE = re.compile(r"(?:" + "|".join(re.escape(key(w)) for w in rules.WEEKDAY_WORDS) + r")(?!\w)")
_TRAILING_RE = re.compile(r"\(\s*([^()]{6,40})\s*\)\s*$")
_ZONED_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})")
VN_TZ = dt.timezone(dt.timedelta(hours=7))


def _plausible(day: dt.date) -> bool:
    return PUBLISHED_SINCE <= day.year <= dt.date.today().year + 1


def published_day(year: int, month: int, day: int) -> dt.date | None:
    """The day read from its parts, when it is a real day something may have been published on."""
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    return found if _plausible(found) else None


def _day(m: re.Match) -> dt.date | None:
    g = m.groupdict()
    month = int(g["m"]) if g.get("m") else rules.MONTH_NAMES.get((g.get("mon") or "")[:3].lower())
    if month is None:
        return None
    try:
        return dt.date(int(g["y"]), month, int(g["d"]))
    except ValueError:
        return None


def _written_dates(text: str) -> list[tuple[re.Match, dt.date | None]]:
    """Every date-shaped span of ``text`` in order (overlaps dropped), with its day if it is a real one."""
    found = sorted(((m.start(), -m.end(), m) for pattern in _PATTERNS for m in pattern.finditer(text)),
                   key=lambda t: t[:2])
    out, end = [], -1
    for start, _neg_end, m in found:
        if start >= end and (m.groupdict().get("m") or _day(m)):  # "5 people 2020" is no date
            out.append((m, _day(m)))
            end = m.end()
    return out


def find_date(text: str) -> dt.date | None:
    """First plausible publication date written anywhere in ``text`` (a date element, a meta value)."""
    for _m, day in _written_dates(nfc(text or "")):
        if day and _plausible(day):
            return day
    return None


def iso_date(value: str | None) -> dt.date | None:
    """The day of an ISO timestamp ("2021-03-31T20:30:00Z" -> 2021-04-01, Vietnam time) or the first date in it."""
    if not value:
        return None
    zoned = _ZONED_RE.search(value)
    if zoned:
        y, mo, d, h, mi = (int(zoned.group(i)) for i in range(1, 6))
        zone = zoned.group(6)
        try:
            tz = dt.timezone.utc if zone == "Z" else dt.timezone(
                (-1 if zone[0] == "-" else 1) * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:])))
            day = dt.datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(VN_TZ).date()
            return day if _plausible(day) else None
        except ValueError:
            return None
    return find_date(value)


def match_date(text: str, pos: int = 0) -> tuple[int, str] | None:
    """(end, ISO date) of a date written at ``pos`` of ``text`` ("03/6/2013", "03 tháng 6 năm 2013"), else None."""
    for pattern in _PATTERNS:
        m = pattern.match(text, pos)
        day = _day(m) if m else None
        if day and MIN_YEAR <= day.year <= MAX_YEAR:
            return m.end(), day.isoformat()
    return None


def parse_date_line(line: str) -> dt.date | None:
    """The date when ``line`` is a CMS date line (only date, time, weekday, labels, a credit), else None."""
    line = nfc(line).strip()
    if not line or len(line) > 120:
        return None
    dates = _written_dates(line)
    if len(dates) != 1 or dates[0][1] is None or not _plausible(dates[0][1]):
        return None
    m = dates[0][0]
    head = line[: m.start()]
    credit = _CREDIT_RE.match(head)
    rest = (head[credit.end():] if credit else head) + " " + line[m.end():]
    rest = _TIME_RE.sub(" ", rest)
    rest = _LABEL_RE.sub(" ", key(rest))
    rest = _NUMBER_RE.sub(" ", rest)  # "Lượt xem: 1042"
    if re.search(r"\w", rest):
        return None
    return dates[0][1]


def split_trailing_date(line: str) -> tuple[str, dt.date | None]:
    """("Title", date) for a title line ending in a date stamp, else (line, None).

    The stamp is in parentheses ("... (20/02/2019 08:53 PM)") or carries a
    time or weekday ("... Thứ ba, 18 Tháng 8 2015 16:06"): a title ending in a
    bare date ("Lịch công tác từ 01/03/2018") keeps it.
    """
    m = _TRAILING_RE.search(line)
    if m and m.start() > 0:
        date = parse_date_line(m.group(1))
        if date:
            return line[: m.start()].rstrip(), date
    written = _written_dates(line)
    if not written:
        return line, None
    last = written[-1][0]
    starts = [i + 1 for i, ch in enumerate(line[: last.start()]) if ch == " " and last.start() - i <= 40]
    for start in [*starts, last.start()]:
        head, stamp = line[:start].rstrip(" -–—|,"), line[start:]
        if head and (_TIME_RE.search(stamp) or _WEEKDAY_RE.match(key(stamp))):
            date = parse_date_line(stamp)
            if date:
                return head, date
    return line, None


def find_published(lines: list[str]) -> dt.date | None:
    """Publication date from the first CMS date line among ``lines``; never from prose."""
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
