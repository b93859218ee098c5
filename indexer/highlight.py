"""Highlighted snippets: escaped document text with only ``<mark>`` added.

Matches are found by running the same analyzers the index uses, so accented
query words mark exact forms and unaccented ones mark any accented form.

>>> snippet("Phong trào <b>Dân vận khéo</b> ở xã", {"khéo"}, {"dan"}, width=60)
'Phong trào &lt;b&gt;<mark>Dân</mark> vận <mark>khéo</mark>&lt;/b&gt; ở xã'
"""
from __future__ import annotations

from bisect import bisect_left
from html import escape

from indexer.analysis import FOLDED_ANALYZER, SYLLABLE_ANALYZER

ELLIPSIS = "…"


def spans(text: str, terms: set[str], folded_terms: set[str]) -> list[tuple[int, int]]:
    """Sorted, merged character spans of syllables matching the query."""
    found = []
    if terms:
        found += [(t.startchar, t.endchar) for t in SYLLABLE_ANALYZER(text, chars=True) if t.text in terms]
    if folded_terms:
        found += [(t.startchar, t.endchar) for t in FOLDED_ANALYZER(text, chars=True)
                  if "_" not in t.text and t.text in folded_terms]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
    best = -1
    for s in starts[:200]:  # candidate windows open just before a match
        lo = max(0, s - width // 4)
        n = bisect_left(starts, lo + width) - bisect_left(starts, lo)
        if n > best:
            start, best = lo, n
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    # Cut on spaces so no syllable is broken.
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    html = mark(text, found, start, end)
    return (ELLIPSIS if start > 0 else "") + html + (ELLIPSIS if end < len(text) else "")
