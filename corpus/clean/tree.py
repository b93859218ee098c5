"""The parsed page as a tree: parsing, text measures, and which elements are page furniture.

Shared by the main-text finder (``corpus/clean/htmlclean.py``) and the HTML
fact readers of ``corpus/extract/``; what counts as furniture is data in
``corpus/clean/htmlrules.py``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from corpus.clean import htmlrules

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_tree(text: str) -> lxml.html.HtmlElement | None:
    """Parse HTML text with lxml; None for empty or unparsable input."""
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        return None
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None
    return root if root is not None and len(root) else None


def norm_text(text: str | None) -> str:
    """Collapse whitespace (including no-break spaces) to single spaces."""
    return " ".join((text or "").split())  # str.split() treats \xa0 and all Unicode spaces as spaces


def text_len(el) -> int:
    """Length of an element's text, whitespace collapsed."""
    return len(norm_text(el.text_content()))


def link_len(el) -> int:
    """Length of the text inside an element's links."""
    if el.tag == "a":
        return text_len(el)
    return sum(text_len(a) for a in el.iter("a"))


def link_density(el) -> float:
    """Share of an element's text that is link text."""
    total = text_len(el)
    return link_len(el) / total if total else 0.0


def names(el) -> str:
    """Lower-cased class and id of an element."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def tokens(el) -> set[str]:
    """Class and id names of an element, and their parts split at - and _."""
    out: set[str] = set()
    for name in names(el).split():
        out.add(name)
        out.update(p for p in re.split(r"[-_]", name) if p)
    return out


def is_boilerplate(el, hard: bool = False) -> bool:
    """True when an element's class/id names page furniture."""
    if el.tag in ("html", "body"):
        return False
    text = names(el)
    if not text.strip():
        return el.tag in ("nav", "footer", "aside")
    subs = htmlrules.HARD_BOILERPLATE_SUBSTRINGS if hard else htmlrules.BOILERPLATE_SUBSTRINGS
    if any(s in text for s in subs):
        return True
    return False if hard else bool(tokens(el) & htmlrules.BOILERPLATE_TOKENS) or el.tag in ("nav", "aside")


def ancestors(el) -> Iterator:
    """The parent, grandparent, ... of an element."""
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def in_boilerplate(el, *, besides=None) -> bool:
    """True when ``el`` or one of its ancestors (``besides`` left out) is page furniture by the hard rules."""
    return any(is_boilerplate(a, hard=True) for a in (el, *ancestors(el)) if a is not besides)


def is_colophon(el) -> bool:
    """A short block naming several footer items (licence, owner, address, phone, copyright)."""
    text = norm_text(el.text_content()).lower()
    if not text or len(text) > 1500:
        return False
    return sum(1 for phrase in htmlrules.COLOPHON_PHRASES if phrase in text) >= 3


def is_hidden(el) -> bool:
    """True when an element's style or attributes hide it."""
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        "display:none" in style
        or "visibility:hidden" in style
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
    )


def drop_junk(root) -> None:
    """Remove elements that never hold article text (scripts, forms' fields, hidden parts)."""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(root.iter(*htmlrules.JUNK_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.tag not in ("html", "body") and el.getparent() is not None and is_hidden(el):
            el.drop_tree()


def is_attachment_href(href: str) -> bool:
    """True when a link's URL names a document file (.pdf, .doc, ...), in its path or its query."""
    path = href.split("?")[0].split("#")[0].lower()
    return any(seg.endswith(htmlrules.ATTACHMENT_EXTENSIONS) for seg in path.split("/")) or any(
        ext + "&" in href.lower() or href.lower().endswith(ext) for ext in htmlrules.ATTACHMENT_EXTENSIONS
    )
