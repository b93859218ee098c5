"""The publication date a page shows: structured data, a <time> element, the CMS date line near the headline.

Order of evidence: JSON-LD ``datePublished`` and ``article:published_time``
meta (read by ``corpus/extract/htmlhead.py``), a ``<time datetime>`` in the
article, a date stamp inside the headline, the CMS date line between headline
and body (or just above the headline), an element whose class names a date;
the text's own date lines come after, in ``corpus/extract/textmeta.py``.  Also
the dates a listing shows beside its links, kept for pages that show none.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from lxml import etree

from corpus.clean import htmlrules
from corpus.clean.htmlclean import Content
from corpus.clean.tree import ancestors, in_boilerplate, is_boilerplate, norm_text, tokens
from corpus.extract import dates
from corpus.extract.headline import article_container, split_heading
from corpus.extract.htmlhead import PageFacts


def listing_dates(root, base_url: str) -> dict[str, dt.date]:
    """Dates a listing shows beside its article links: {absolute URL: date}.

    A teaser (list item, table row, block) holding one title-like link and one
    date line gives that link's date; a block with several links gives none.
    """
    found: dict[str, dt.date] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        text = norm_text(a.text_content())
        if not href or href.startswith(("#", "javascript:", "mailto:")) or len(text.split()) < 4:
            continue
        block = a.getparent()
        while block is not None and block.tag not in ("li", "tr", "div", "p", "article", "dd", "td", "section"):
            block = block.getparent()
        if block is None or sum(len(norm_text(x.text_content()).split()) >= 4 for x in block.iter("a")) != 1:
            continue
        rest = norm_text(block.text_content()).replace(text, " ", 1)
        date = dates.parse_date_line(rest.strip(" -–—|,")) if len(rest) <= 60 else None
        if date is None:
            for el in block.iter():
                if el is not a and isinstance(el.tag, str) and not any(x is a for x in el.iterancestors()) \
                        and el.tag != "a" and len(norm_text(el.text_content())) <= 60 and el.find(".//a") is None:
                    date = dates.parse_date_line(norm_text(el.text_content()))
                    if date:
                        break
        if date:
            try:
                found.setdefault(urljoin(base_url, href), date)
            except ValueError:  # an unparsable href
                continue
    return found


def _following_lines(start, stop_nodes, limit: int = 12) -> list[str]:
    """Text of leaf-ish elements after ``start`` in document order, until a stop node."""
    lines: list[str] = []
    started = False
    stop = set(stop_nodes)
    for el in start.getroottree().getroot().iter():
        if el is start:
            started = True
            continue
        if not started or not isinstance(el.tag, str):
            continue
        if el in stop:
            break
        if any(a is start for a in ancestors(el)):
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                lines.append(norm_text(piece))
        if len(lines) >= limit:
            break
    return lines


def _preceding_lines(start, container, limit: int) -> list[str]:
    """The last ``limit`` pieces of text before ``start`` inside ``container``, outside page furniture."""
    lines: list[str] = []
    if container is None:
        return lines
    for event, el in etree.iterwalk(container, events=("start", "end")):
        if el is start:
            break
        if not isinstance(el.tag, str) or in_boilerplate(el):
            continue
        piece = el.text if event == "start" else el.tail
        if piece and piece.strip():
            lines.append(norm_text(piece))
    return lines[-limit:]


def _precedes(a, b) -> bool:
    """True when element ``a`` comes before ``b`` in document order."""
    if b is None:
        return True
    for el in a.getroottree().getroot().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def find_date(root, facts: PageFacts, title_el, content: Content) -> dt.date | None:
    """Publication date from structured data or the CMS date line near the headline."""
    if facts.published:
        return facts.published
    near = content.node
    for _ in range(3):  # the article container: a <time> in a teaser elsewhere is not this page's date
        if near is not None and near.getparent() is not None and near.getparent().tag != "body":
            near = near.getparent()
    for el in root.xpath("//time[@datetime] | //*[@itemprop='datePublished']"):
        if in_boilerplate(el):
            continue
        if near is not None and not any(a is near for a in ancestors(el)):
            continue
        value = dates.iso_date(el.get("datetime") or el.get("content") or "") or dates.find_date(el.text_content())
        if value:
            return value
    stops = [n for n in [*content.leads, content.node] if n is not None]
    if title_el is not None:
        found = split_heading(title_el)[1]  # "<h1>Headline <span>(17:18 | 02/11/2020)</span></h1>"
        if found:
            return found
    if title_el is not None and _precedes(title_el, content.node):
        lines = []
        for line in _following_lines(title_el, stops, limit=8):
            if len(line) > 120:
                break  # the prose has started: a date past here is not the CMS date line
            if len(line) <= 60:  # a date line, not prose
                lines.append(line)
        # A whole date line first ("Sáng 30/6/2022, tại hội trường" above it is an event, not the stamp).
        for parse in (dates.parse_date_line, dates.find_date):
            found = next(filter(None, map(parse, lines)), None)
            if found:
                return found
        # A date line just above the headline, inside the article ("20:50, 14/03/2022" then <h1>).
        for line in reversed(_preceding_lines(title_el, article_container(content, title_el), limit=2)):
            found = dates.parse_date_line(line)
            if found:
                return found
    for el in root.iter():
        if not isinstance(el.tag, str) or not (tokens(el) & htmlrules.DATE_TOKENS):
            continue
        if any(is_boilerplate(a) for a in ancestors(el)) or len(norm_text(el.text_content())) > 80:
            continue
        found = dates.find_date(el.text_content())
        if found:
            return found
    return None
