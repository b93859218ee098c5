"""Highlighted snippets: escaped document text with only ``<mark>`` added.

Matches are found by running the same analyzers the index uses, so accented
query words mark exact forms and unaccented ones mark any accented form.

>>> snippet("Phong trào <b>Dân vận khéo</b> ở xã", {"khéo"}, {"dan"}, width=60)
'Phong trào &lt;b&gt;<mark>Dân</mark> vận <mark>khéo</mark>&lt;/b&gt; ở xã'
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from html import escape

from corpus.vietnamese import fold, normalize
from indexer.analysis import _SYLLABLE, fold_syllable

ELLIPSIS = "…"


def spans(text: str, terms: set[str], folded_terms: set[str]) -> list[tuple[int, int]]:
    """Sorted, merged character spans of syllables matching the query."""
    # Equivalent to running SYLLABLE_ANALYZER / FOLDED_ANALYZER and keeping
    # matching tokens, but scanned by the regex engine over the lower-cased
    # (and folded) text: this runs on the whole text of every hit shown.
    found: list[tuple[int, int]] = []
    if not (terms or folded_terms):
        return found
    text = normalize(text)
    low = text.lower()
    if len(low) != len(text):  # a rare letter whose lower case is longer: offsets would shift
        for match in _SYLLABLE.finditer(text):
            syllable = match.group().lower()
            if syllable in terms or (folded_terms and fold_syllable(syllable) in folded_terms):
                found.append(match.span())
    else:
        if terms:
            found += [m.span() for m in _whole_syllables(frozenset(terms)).finditer(low)]
        if folded_terms:
            folded = low.translate(_fold_table())  # one character for one: offsets stay valid
            found += [m.span() for m in _whole_syllables(frozenset(folded_terms)).finditer(folded)]
    return merge_spans(found)


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


def snippet(text: str, terms: set[str], folded_terms: set[str], width: int = 240) -> str:
    """The ``width``-character window of ``text`` with the most matches, highlighted."""
    text = " ".join(text.split())  # snippets are one line
    found = spans(text, terms, folded_terms)
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
