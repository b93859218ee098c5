"""Highlighted snippets: escaped document text with only ``<mark>`` added.

We mark what matched.  A syllable typed with marks matches itself or, through
the folded field, any accent form; one typed without marks matches any accent
form.  Within a text, a query syllable therefore marks:

* its exact form, when it was typed with marks and the text holds it;
* else the forms found next to the query's neighbouring syllable, the pairs
  the ranking matched ("dan van" marks "dân vận", not "văn", "vấn" elsewhere;
  "dân vân khéo" marks the "vận" of "dân vận khéo");
* else every accent form in the text: the document matched through them.

>>> query = Terms.of(["dân", "khéo"])
>>> snippet("Phong trào <b>Dân vận khéo</b> ở xã", query, width=60)
'Phong trào &lt;b&gt;<mark>Dân</mark> vận <mark>khéo</mark>&lt;/b&gt; ở xã'
>>> snippet("Dân vận khéo, văn bản, vấn đề", Terms.of(["dan", "van"]))
'<mark>Dân</mark> <mark>vận</mark> khéo, văn bản, vấn đề'
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from html import escape

from corpus.knowledge.vietnamese import fold, has_diacritics, normalize
from indexer.analysis import _SYLLABLE, fold_syllable

ELLIPSIS = "…"
LEAD_SLACK = 60  # characters past its width that :func:`lead` reads first: enough unless the opening is mostly blank


@dataclass(frozen=True)
class Terms:
    """A query's syllables to mark, in the runs the user typed (the words, each quoted phrase)."""

    runs: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, words: Sequence[str], phrases: Iterable[Sequence[str]] = ()) -> "Terms":
        """Lower-cased, normalised syllables: the query's words, then its phrases."""
        runs = [tuple(normalize(s).lower() for s in run) for run in (words, *phrases)]
        return cls(tuple(run for run in runs if run))

    def __bool__(self) -> bool:
        return bool(self.runs)

    @cached_property
    def syllables(self) -> frozenset[str]:
        return frozenset(s for run in self.runs for s in run)

    @cached_property
    def folds(self) -> frozenset[str]:
        return frozenset(map(fold, self.syllables))

    @cached_property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Adjacent query syllables, folded: the index's bigram terms the ranking looked up."""
        return frozenset((fold(a), fold(b)) for run in self.runs for a, b in zip(run, run[1:]))


def matched_forms(text: str, terms: Terms) -> frozenset[str]:
    """The lower-cased syllables of ``text`` that matched ``terms`` (see the module docstring)."""
    return _matched(normalize(text), terms)[0]


def _matched(text: str, terms: Terms) -> tuple[frozenset[str], list[tuple[int, int, str, str]]]:
    """``matched_forms`` of normalised ``text``, and the spans of every syllable folding to a query syllable."""
    if not terms:
        return frozenset(), []
    found = _candidates(text, terms.folds)
    present: dict[str, set[str]] = {}  # folded query syllable -> its forms in the text
    in_pairs: dict[str, set[str]] = {}  # ... -> the forms next to the query's neighbour
    for _, _, form, key in found:
        present.setdefault(key, set()).add(form)
    for (_, end, form1, key1), (start, _, form2, key2) in zip(found, found[1:]):
        if (key1, key2) in terms.pairs and text[end:start].isspace():  # joined, as the bigram terms are
            in_pairs.setdefault(key1, set()).add(form1)
            in_pairs.setdefault(key2, set()).add(form2)
    marked: set[str] = set()
    for syllable in terms.syllables:
        forms = present.get(fold(syllable), set())
        if has_diacritics(syllable) and syllable in forms:
            marked.add(syllable)
        else:  # matched through the fold: by the query's pairs if any, else by any accent form
            marked |= in_pairs.get(fold(syllable)) or forms
    return frozenset(marked), found


def _candidates(text: str, folds: frozenset[str]) -> list[tuple[int, int, str, str]]:
    """``(start, end, lower-cased form, folded form)`` of each syllable of ``text`` whose fold is in ``folds``."""
    low = text.lower()
    if len(low) != len(text):  # a rare letter whose lower case is longer: offsets would shift
        out = []
        for match in _SYLLABLE.finditer(text):
            form = match.group().lower()
            key = fold_syllable(form)
            if key in folds:
                out.append((*match.span(), form, key))
        return out
    folded = low.translate(_fold_table())  # one character for one: offsets stay valid
    return [(m.start(), m.end(), low[m.start():m.end()], m.group()) for m in _whole_syllables(folds).finditer(folded)]


def spans(text: str, forms: frozenset[str]) -> list[tuple[int, int]]:
    """Sorted, merged character spans of the syllables of ``text`` whose lower case is in ``forms``."""
    # Equivalent to running SYLLABLE_ANALYZER and keeping matching tokens, but
    # scanned by the regex engine over the lower-cased text: this runs on the
    # whole text of every hit shown.
    if not forms:
        return []
    text = normalize(text)
    low = text.lower()
    if len(low) != len(text):
        return merge_spans([m.span() for m in _SYLLABLE.finditer(text) if m.group().lower() in forms])
    return merge_spans([m.span() for m in _whole_syllables(forms).finditer(low)])


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` spans with overlapping or touching ones joined.

    >>> merge_spans([(5, 9), (0, 3), (2, 4), (9, 12)])
    [(0, 4), (5, 12)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=256)
def _whole_syllables(words: frozenset[str]) -> re.Pattern:
    """Any of ``words`` as a whole syllable (not inside a longer run of letters/digits)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """``fold`` as a str.translate table for every character it changes (NFC text)."""
    table = {}
    for code in range(0x80, 0x3000):
        ch = chr(code)
        folded = fold(ch)
        if folded != ch and len(folded) == 1:
            table[code] = folded
    return table


def prepare_snippets() -> None:
    """Build what snippets use once per process (the folding table), before the first query needs it."""
    _fold_table()


def mark(text: str, found: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """HTML for ``text[start:end]`` with the spans in ``found`` wrapped in <mark>."""
    end = len(text) if end is None else end
    out, pos = [], start
    for s, e in found:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s], quote=False))
        out.append("<mark>" + escape(text[s:e], quote=False) + "</mark>")
        pos = e
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


def snippet(text: str, terms: Terms, width: int = 240) -> str:
    """The ``width``-character window of ``text`` with the most matches, highlighted."""
    text = " ".join(text.split())  # snippets are one line
    forms, candidates = _matched(normalize(text), terms)
    found = merge_spans([(s, e) for s, e, form, _ in candidates if form in forms])
    if len(text) <= width:
        return mark(text, found)
    start = 0
    starts = [s for s, _ in found]
    words = [fold(text[s:e]).lower() for s, e in found]
    # Adjacent matches ("dân vận") are the query's phrases, not scattered words.
    joined = [i > 0 and found[i][0] - found[i - 1][1] <= 1 for i in range(len(found))]
    pairs = [0]  # pairs[k]: adjacent matches among the first k
    for flag in joined:
        pairs.append(pairs[-1] + flag)
    best: tuple = ()
    seen: Counter = Counter()
    i = j = 0
    for s in starts[:200]:  # candidate windows open just before a match; both ends only move on
        lo = max(0, s - width // 4)
        while j < len(starts) and starts[j] < lo + width:
            seen[words[j]] += 1
            j += 1
        while i < j and starts[i] < lo:
            seen[words[i]] -= 1
            if not seen[words[i]]:
                del seen[words[i]]
            i += 1
        # Most distinct query words first, then phrase hits, then matches.
        score = (len(seen), pairs[j] - pairs[min(i + 1, j)], j - i)
        if score > best:
            start, best = lo, score
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    # Cut on spaces so no syllable is broken.
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    html = mark(text, found, start, end)
    return (ELLIPSIS if start > 0 else "") + html + (ELLIPSIS if end < len(text) else "")


def lead(text: str, width: int = 240, more: bool = False) -> str:
    """The opening of ``text`` on one line, as :func:`snippet` shows a text nothing matched in, without markup;
    ``more``: ``text`` is only the start of a longer text.

    >>> lead("Phong trào\\n\\n<b>Dân vận</b> khéo", width=26)
    'Phong trào <b>Dân vận</b>…'
    >>> lead("Dân vận khéo", more=True)
    'Dân vận…'
    """
    # Most openings have no whitespace but single spaces and line breaks: joined as they are, in C.
    head = text[:width + LEAD_SLACK].replace("\n\n", " ").replace("\n", " ").replace("\xa0", " ")
    # A space at the cut is fine when a word follows it (a fifth of the rows of an export): it is no trailing space.
    if (len(head) > width and head.isprintable() and "  " not in head and head[0] != " "
            and head[width:width + 2] != " "):
        line = head[:width + 1]  # as split and joined, and the text goes on
    else:  # what the first width + 1 characters are, as split and joined, is known from a little more text
        line = " ".join(text[:width + LEAD_SLACK].split())
        if len(line) <= width:
            line = " ".join(text.split())
    if len(line) <= width and not more:
        return line
    end = min(len(line), width)
    space = line.rfind(" ", 0, end)
    if space > 0 and (end < len(line) or more):
        end = space
    return line[:end] + ELLIPSIS
