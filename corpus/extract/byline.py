"""The one byline parser: a line such as "Minh Hằng - Ban Dân vận Tỉnh ủy" read into its parts.

Used at the end of an HTML article body and in its byline elements
(``corpus/extract/htmlmeta.py``), and at the end of a text dump
(``corpus/extract/textdump.py``).  A byline is an optional opening word
("Theo", "Bài và ảnh:"), the credited name in capitalised words (or initials,
or an agency's acronym), then perhaps the writer's unit after a dash.  What the
words are is data in ``corpus/knowledge/rules.py``.

>>> read_byline("Minh Hằng - Ban Dân vận Tỉnh ủy").person
'Minh Hằng'
>>> read_byline("Theo Báo Nghệ An").source, read_byline("Theo Báo Nghệ An").person
(True, None)
>>> read_byline("Phó Bí thư Tỉnh ủy phát biểu chỉ đạo tại hội nghị") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.knowledge import rules
from corpus.knowledge.vietnamese import key, nfc

_POSITION_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(key(w)) for w in rules.POSITION_WORDS) + r")(?!\w)")
_INITIALS_RE = re.compile(r"(?:[A-ZĐ]\.\s?)+[A-ZĐ]?\.?")
_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]*\.?$")
_UNIT_RE = re.compile(r"\s+[-–—|]\s+|\s*,\s*|\s*\(|\s+–")  # what follows the name: the unit, the source
_PREFIXES = sorted((p.lower() for p in rules.BYLINE_PREFIXES), key=len, reverse=True)


@dataclass(frozen=True)
class Byline:
    """A byline as printed, the name it credits, and whether it credits a source or the desk rather than a writer."""

    printed: str
    name: str
    source: bool

    @property
    def person(self) -> str | None:
        """The writer's name when the byline names a person (capitalised words, no digits), else None."""
        words = self.name.split()
        low, high = rules.PERSON_WORDS
        if self.source or not low <= len(words) <= high or any(ch.isdigit() for ch in self.name):
            return None
        return nfc(self.name) if all(_NAME_WORD.match(w) for w in words) else None


def is_position_line(line: str) -> bool:
    """True for the line under a byline naming the writer's position ("UVBTV, Trưởng Ban Dân vận Thị ủy")."""
    return len(line) <= rules.BYLINE_CHARS and bool(_POSITION_RE.search(key(line)))


def is_source_line(line: str) -> bool:
    """True when a line credits a source or the desk ("Nguồn: TTXVN", "Ban Biên tập")."""
    low = " ".join(line.split()).lower()
    return any(low.startswith(w) or f" {w}" in f" {low}" for w in rules.SOURCE_WORDS)


def read_byline(line: str) -> Byline | None:
    """The byline a line is, or None when it is none (a caption, a sentence, page furniture)."""
    printed = " ".join((line or "").split())
    if not printed or len(printed) > rules.BYLINE_CHARS:
        return None
    if _INITIALS_RE.fullmatch(printed):
        return Byline(printed, printed, source=False)
    text = printed.strip(" .,;:-–—()[]")
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix) and (prefix.endswith(":") or text[len(prefix):len(prefix) + 1] == " "):
            text = text[len(prefix):].strip()
            break
    name = _UNIT_RE.split(text, maxsplit=1)[0].strip(" .")
    words = [w for w in re.split(r"[\s\-–,&]+", name) if w]
    if not words or len(words) > rules.BYLINE_WORDS or not all(w[0].isupper() for w in words):
        return None
    if len(words) == 1 and not (len(words[0]) >= 2 and words[0].isupper()):
        return None  # one plain word ("Top") is furniture; one acronym ("TTXVN") is a source
    if _POSITION_RE.search(key(name)):
        return None  # "Trưởng Ban Dân vận": the writer's position, not a name
    return Byline(printed, name, source=is_source_line(printed))
