"""Text dumps of portal pages (boilerplate included) -> title, clean text, date, byline.

A dump is the page's text, one block per line: menus and portal name, then the
article (title, date line, paragraphs, byline), then share bars, counters and
forms.  The article block is found generically: its first real paragraph, the
title line just above it (next to the CMS date line), and the first end-of-article
line below it (``rules.END_LINES``).  What counts as furniture is data in
``corpus/knowledge/rules.py``.  A dump has no markup to clean: finding its
article is reading its date lines, title and byline, so it lives in extract/;
the page pipeline (``corpus/store/pipeline.py``) reads the text's facts
(province, cited documents) after it.

>>> dump = read_text_dump("\\n".join([
...     "Trang chủ", "Báo Quảng Ninh", "Tổng kết công tác dân vận năm 2023", "15:15, 10/01/2024",
...     "Chiều 9/1, Ban Dân vận Tỉnh ủy tổng kết công tác dân vận năm 2023, triển khai Kế hoạch số "
...     "202-KH/BDVTU và Nghị quyết 12 của Tỉnh ủy.",
...     "Minh Hằng", "Facebook", "Tổng truy cập: 952838"]))
>>> dump.title, dump.published, dump.author, dump.header[:2]
('Tổng kết công tác dân vận năm 2023', datetime.date(2024, 1, 10), 'Minh Hằng', ['Trang chủ', 'Báo Quảng Ninh'])
>>> dump.text[:40]
'Chiều 9/1, Ban Dân vận Tỉnh ủy tổng kết '
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from corpus.extract.byline import is_position_line, read_byline
from corpus.extract.dates import parse_date_line, split_trailing_date
from corpus.knowledge import rules
from corpus.knowledge.vietnamese import nfc

_END_RE = re.compile("|".join(f"(?:{p})" for p in rules.END_LINES), re.I)
_DROP_RE = re.compile("|".join(f"(?:{p})" for p in rules.DROP_LINES), re.I)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# A paragraph: a long line with sentence punctuation.
PARAGRAPH_CHARS = 120
TITLE_CHARS = (10, 300)
DUPLICATE_MIN_CHARS = 20
# Non-blank lines above the first paragraph searched for the title and the date line.
TITLE_LOOKBACK = 15
DATE_LOOKBACK = 4


def _clean_line(line: str) -> str:
    return _SPACES_RE.sub(" ", line).strip()


def _is_furniture(line: str) -> bool:
    return bool(_DROP_RE.fullmatch(line) or _END_RE.fullmatch(line))


def _is_date_line(line: str) -> bool:
    return parse_date_line(line) is not None


def _is_paragraph(line: str) -> bool:
    return len(line) >= PARAGRAPH_CHARS and bool(re.search(r"[.,;:!?…]", line)) and not _is_furniture(line)


def _dedupe_title(line: str) -> str:
    """"X X" (a title printed twice on one line) -> "X"."""
    half, rest = divmod(len(line), 2)
    if rest and line[:half] == line[half + 1:] and line[half] == " ":
        return line[:half]
    return line


def _title_like(line: str) -> bool:
    low, high = TITLE_CHARS
    return (
        low <= len(line) <= high
        and len(line.split()) >= 3
        and not line.endswith((".", ",", ";", ":"))
        and not _is_furniture(line)
        and not _is_date_line(line)
    )


def _find_title(lines: list[str], first: int) -> tuple[int | None, str | None]:
    """(index, title) of the title line above the first paragraph.

    Date lines, share bars and short meta lines ("Đăng bởi", "Ban Biên tập")
    may stand between; the first other line must look like a title.
    """
    for i in _filled_before(lines, first, TITLE_LOOKBACK):
        line = lines[i]
        if _is_date_line(line) or _is_furniture(line) or len(line.split()) < 3:
            continue
        title, _date = split_trailing_date(_dedupe_title(line))
        title = _dedupe_title(title)
        if _title_like(title):
            return i, title
        return None, None
    return None, None


def _filled_before(lines: list[str], index: int, count: int) -> list[int]:
    """Indexes of the ``count`` non-blank lines above ``index``, nearest first."""
    found = []
    for i in range(index - 1, -1, -1):
        if lines[i]:
            found.append(i)
            if len(found) == count:
                break
    return found


def _split_byline(body: list[str]) -> tuple[list[str], str | None]:
    """Body without its trailing byline block, and the author as printed (None if unsure).

    The block is a name line, possibly followed by the author's position line.
    """
    for back in (2, 1):
        if len(body) < back:
            continue
        line, rest = body[-back], body[len(body) - back + 1:]
        if read_byline(line) and all(map(is_position_line, rest)):
            return body[:-back], line
    return body, None


def _dedupe_paragraphs(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop paragraphs printed twice, the title repeated as a paragraph, and a lede repeated
    at the start or end of a later paragraph."""
    out: list[str] = []
    seen = {title} if title else set()
    for p in paragraphs:
        if p in seen and len(p) >= DUPLICATE_MIN_CHARS:
            continue
        seen.add(p)
        out.append(p)
    for i, lede in enumerate(out):
        if len(lede) < DUPLICATE_MIN_CHARS:
            continue
        for j in range(i + 1, len(out)):
            if out[j] != lede and out[j].endswith(lede):
                out[j] = out[j][: -len(lede)].rstrip()
            elif out[j] != lede and out[j].startswith(lede):
                out[j] = out[j][len(lede):].lstrip()
    return [p for p in out if p]


def _article_bounds(lines: list[str]) -> tuple[int, int | None, str | None, int]:
    """(first paragraph, title line or None, title or None, end) of the article block."""
    first = next((i for i, line in enumerate(lines) if _is_paragraph(line)), None)
    if first is None:  # a short item: the first line that is not furniture
        first = next((i for i, line in enumerate(lines) if line and not _is_furniture(line)), len(lines))
    title_at, title = _find_title(lines, first)
    end = next((i for i in range(first, len(lines)) if _END_RE.fullmatch(lines[i])), len(lines))
    return first, title_at, title, end


@dataclass(frozen=True)
class TextDump:
    """The article of a text dump, and the lines around it (portal name, menus) as evidence for its facts."""

    title: str | None
    text: str
    author: str | None
    published: dt.date | None
    header: list[str]


def read_text_dump(raw: str) -> TextDump:
    """The article block of a portal page's text dump: title, clean text, byline, publication date."""
    lines = [_clean_line(line) for line in nfc(raw or "").splitlines()]
    first, title_at, title, end = _article_bounds(lines)
    top = first if title_at is None else title_at
    body = [x for x in lines[top + (title_at is not None):end] if x and not _is_furniture(x) and not _is_date_line(x)]
    body, author = _split_byline(body)
    text = "\n\n".join(_dedupe_paragraphs(body, title))
    # The publication date stands next to the title, under it or just above; other dates
    # on the page are today's date in a widget or other articles' dates.  Nearest first.
    near = lines[top:first + 1] + [lines[i] for i in _filled_before(lines, top, DATE_LOOKBACK)]
    published = next(filter(None, (parse_date_line(x) or split_trailing_date(x)[1] for x in near if x)), None)
    header = [x for x in lines[:top] + lines[end:] if x and not _is_date_line(x)]
    return TextDump(title=title, text=text, author=author, published=published, header=header)
