"""The headline of a page: which heading, <title> part or prominent element shows it.

A <title> is "Headline - Portal", "Portal | Headline" or the headline alone;
the portal's name is known from og:site_name, the host, words such as "Cổng
TTĐT" (``htmlrules.PORTAL_WORDS``) or the part of the host's <title>s that
never changes (``learned_site_names``).  Also: the smallest element holding
headline and body (where the date line and attached files are looked for),
and the head lines of the text that repeat the headline or the date.
"""
from __future__ import annotations

import datetime as dt

from corpus.clean import htmlrules
from corpus.clean.htmlclean import Content
from corpus.clean.tree import ancestors, in_boilerplate, link_len, names, norm_text
from corpus.extract.dates import parse_date_line, split_trailing_date
from corpus.extract.htmlhead import PageFacts
from corpus.knowledge.vietnamese import key, nfc


def _clean_title(text: str | None) -> str | None:
    """Whitespace collapsed, NFC; None when empty."""
    text = norm_text(text)
    return nfc(text) if text else None


def _same(a: str, b: str) -> bool:
    """The same words, whatever the case and spelling of diacritics."""
    return key(a) == key(b)


def _strip_suffix(title_tag: str, portal: list[str]) -> str:
    """The headline part of a <title> such as "Headline - Portal" or "Portal | Headline"."""
    for sep in htmlrules.TITLE_SEPARATORS:
        if sep not in title_tag:
            continue
        head, tail = title_tag.rsplit(sep, 1)
        first, rest = title_tag.split(sep, 1)
        names = [key(p) for p in portal if key(p) not in (key(tail), key(first))]

        def is_portal(part: str) -> bool:
            k, low = key(part), f" {nfc(part).lower()} "
            return bool(k) and (any(k in n or n in k for n in names)
                                or len(part) <= 80 and any(f" {w}" in low for w in htmlrules.PORTAL_WORDS))

        if is_portal(first) and not is_portal(tail):
            return norm_text(rest)
        if is_portal(tail):
            return norm_text(head)  # the usual "Headline - Portal"
        return title_tag  # no sign of a portal name: the dash belongs to the headline
    return title_tag


def _strip_known(title_tag: str, facts: PageFacts) -> str | None:
    """The <title> without a portal name known for sure (og:site_name, learned from the host) at either end."""
    names = {key(n) for n in (facts.site_name, *facts.learned_names) if n}
    for sep in htmlrules.TITLE_SEPARATORS:
        if sep not in title_tag:
            continue
        first, rest = title_tag.split(sep, 1)
        head, last = title_tag.rsplit(sep, 1)
        if key(first) in names and rest.strip():
            return norm_text(rest)
        if key(last) in names and head.strip():
            return norm_text(head)
    return None


def split_heading(el) -> tuple[str, dt.date | None]:
    """The headline a heading element shows and the date stamp printed inside it, if any."""
    text = norm_text(el.text_content())
    for child in el.iterdescendants():
        stamp = norm_text(child.text_content()) if isinstance(child.tag, str) else ""
        if stamp and stamp != text and text.endswith(stamp):
            date = parse_date_line(stamp)
            if date:
                return text[: -len(stamp)].rstrip(" -–—|,"), date
    return split_trailing_date(text)


def heading_candidates(root) -> list:
    """Headline-like elements, best first, outside page furniture."""
    out = []
    for xpath in htmlrules.TITLE_XPATHS:
        for el in root.xpath(xpath):
            if el in out or not isinstance(el.tag, str):
                continue
            if in_boilerplate(el):
                continue
            text = norm_text(el.text_content())
            if 5 <= len(text) <= 400:
                out.append(el)
    return out


def title_parts(title: str | None, facts: PageFacts) -> list[str]:
    """Pieces of a <title>/og:title that may be the headline: the whole, then each part between
    separators that is not the portal's name (og:site_name, the host, a name such as "Cổng TTĐT ...")."""
    if not title:
        return []
    pieces = [title]
    for sep in htmlrules.TITLE_SEPARATORS:
        pieces = [p for piece in pieces for p in piece.split(sep)]
    names = [key(n) for n in (facts.site_name, facts.host, *facts.learned_names) if n]
    host_key = key((facts.host or "").removeprefix("www.").split(".")[0])
    out = [title]
    for piece in map(norm_text, pieces):
        k = key(piece)
        if not k or piece in out or k in names or (host_key and k.replace(" ", "") == host_key):
            continue
        low = f" {nfc(piece).lower()} "
        if len(pieces) > 1 and len(piece) <= 80 and any(f" {w}" in low for w in htmlrules.PORTAL_WORDS) \
                and any(len(p) > len(piece) for p in pieces):
            continue
        out.append(piece)
    return out


def learned_site_names(titles: list[str], *, least: int = 3, share: float = 0.6) -> list[str]:
    """The parts of a host's <title>s that stay the same across its pages: the portal's name.

    >>> learned_site_names(["Sở Nội vụ Bến Tre - Hội nghị A", "Sở Nội vụ Bến Tre - Tập huấn B",
    ...                     "Sở Nội vụ Bến Tre - Dân vận khéo C", "Trang chủ"])
    ['Sở Nội vụ Bến Tre']
    """
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for title in titles:
        pieces = [title]
        for sep in htmlrules.TITLE_SEPARATORS:
            pieces = [p for piece in pieces for p in piece.split(sep)]
        if len(pieces) < 2:
            continue
        for piece in {key(p): norm_text(p) for p in pieces if norm_text(p)}.items():
            counts[piece[0]] = counts.get(piece[0], 0) + 1
            shown.setdefault(piece[0], piece[1])
    return [shown[k] for k, n in counts.items() if n >= least and n >= share * len(titles)]


def _prominent(el) -> bool:
    """Set off as a headline: a heading, bold or large type, or a title-ish class."""
    for e in [el, *el.iterancestors()][:4]:
        style = (e.get("style") or "").replace(" ", "").lower()
        if e.tag in ("h1", "h2", "h3", "h4", "h5", "b", "strong", "big") or "font-weight:bold" in style \
                or "font-weight:7" in style or "font-size" in style or (e.tag == "font" and e.get("size")) \
                or "title" in names(e) or "tieude" in names(e):
            return True
    return False


def shown_headline(root, facts: PageFacts, near=None) -> tuple[str | None, object | None]:
    """The part of <title>/og:title that the page shows as a prominent element, nearest the article body."""
    parts = [p for t in (facts.og_title, facts.title_tag) for p in title_parts(t, facts)]
    wanted = {key(p): p for p in parts if len(p) >= 12 and len(p.split()) >= 3}
    body = root.find("body")
    if not wanted or body is None:
        return None, None
    order = {el: i for i, el in enumerate(body.iter())}
    anchor = order.get(near, 0)
    found = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("a", "body") or len(el) > 3:
            continue
        text = wanted.get(key(norm_text(el.text_content())))
        if text is None or link_len(el) > 0.5 * len(text) or not _prominent(el):
            continue
        if in_boilerplate(el):
            continue
        found.append((abs(order[el] - anchor), -len(text), el, text))
    if not found:
        return None, None
    _d, _n, el, text = min(found, key=lambda f: f[:2])
    while len(el) == 1 and key(norm_text(el[0].text_content())) == key(text):
        el = el[0]  # the innermost element showing it: the date line is what follows that
    return _clean_title(text), el


def choose_title(root, facts: PageFacts, near=None) -> tuple[str | None, object | None]:
    """The headline (without the portal suffix) and the element showing it, if any."""
    title, el = _choose_title(root, facts, near)
    if title and el is None:
        el = _element_showing(root, title)
    return title, el


def _element_showing(root, title: str):
    """The innermost body element whose whole text is the headline (old layouts: <b>, <font>)."""
    body = root.find("body")
    if body is None:
        return None
    wanted = key(title)
    for el in body.iter():
        if isinstance(el.tag, str) and el.tag not in ("title", "a") and len(el) <= 3:
            if key(norm_text(el.text_content())) == wanted:
                if not in_boilerplate(el):
                    return el
    return None


def _choose_title(root, facts: PageFacts, near=None) -> tuple[str | None, object | None]:
    headings = heading_candidates(root)
    texts = [(split_heading(el)[0], el) for el in headings]
    structured = [t for t in (facts.headline, facts.og_title) if t]
    tag = facts.title_tag or ""
    tag_key = key(tag)
    # A visible heading the <title> starts with is the headline.
    for text, el in texts:
        text_key = key(text)
        if not tag_key or len(text) < 12:
            continue
        if tag_key.startswith(text_key) and len(text) >= 0.3 * len(tag.split(" - ")[0]):
            return _clean_title(text), el
        if tag_key.endswith(text_key) and tag_key != text_key and _strip_suffix(tag, facts.portal_names) == text:
            return _clean_title(text), el  # "Portal - Headline"
    if not facts.headline:
        # The page shows a part of its <title> prominently near the body: that part is the headline.
        shown = shown_headline(root, facts, near)
        if shown[0]:
            return shown
    for text in structured:
        match = next((el for t, el in texts if _same(t, text)), None)
        return _clean_title(text), match
    if tag:
        stripped = _strip_known(tag, facts) or _strip_suffix(tag, facts.portal_names)
        match = next((el for t, el in texts if _same(t, stripped)), None)
        return _clean_title(stripped), match
    if texts:
        return _clean_title(texts[0][0]), texts[0][1]
    return None, None


def article_container(content: Content, title_el):
    """Smallest ancestor of the body that also holds the headline (else the body)."""
    node = content.node
    if node is None:
        return None
    if title_el is None:
        return node.getparent() if node.getparent() is not None else node
    for anc in [node, *ancestors(node)]:
        if any(a is anc for a in [title_el, *ancestors(title_el)]):
            return anc
    return node


def strip_head_lines(text: str, title: str | None) -> tuple[str, dt.date | None]:
    """Drop a repeated headline and a bare CMS date line from the top of the text (old layouts).

    Returns the text and the date that line gave, if any.
    """
    found = None
    paragraphs = text.split("\n\n")
    for _ in range(3):
        if not paragraphs:
            break
        lines = paragraphs[0].split("\n")
        first = lines[0]
        if title and key(first) == key(title):
            pass
        elif title and first.startswith(title) and parse_date_line(first[len(title):]):
            found = found or parse_date_line(first[len(title):])  # headline and date cells in one table row
        elif len(first) <= 60 and parse_date_line(first):
            found = found or parse_date_line(first)
        else:
            break
        lines = lines[1:]
        if lines:
            paragraphs[0] = "\n".join(lines)
        else:
            paragraphs.pop(0)
    return "\n\n".join(paragraphs), found
