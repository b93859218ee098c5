"""The article body as text: furniture inside it pruned, then paragraphs separated by blank lines.

Share bars, tag lists, "related news" boxes and link lists inside the body
are dropped by the rules of ``corpus/clean/htmlrules.py``; a single <br> stays
a line break, block elements and double breaks make paragraphs.
"""
from __future__ import annotations

import copy

from corpus.clean import htmlrules
from corpus.clean.tree import ancestors, is_attachment_href, is_boilerplate, link_density, link_len, norm_text, \
    text_len
from corpus.knowledge.vietnamese import nfc

BLOCK_TAGS = frozenset("""
    address article aside blockquote body center dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot
    tr ul caption
""".split())


def body_text(el) -> str:
    """The text of a body element (or a lead paragraph), pruned and serialised; the page's tree is left as it was."""
    clone = copy.deepcopy(el)
    clone.tail = None
    prune(clone)
    return serialise(clone)


def _starts_with_label(text: str, labels) -> bool:
    low = text.lower()
    return any(low.startswith(label) for label in labels)


def prune(node) -> None:
    """Remove furniture inside the article body (share bars, tags, related boxes, comments)."""
    total = max(text_len(node), 1)
    for el in list(node.iter()):
        if el is node or not isinstance(el.tag, str) or _detached(el, node):
            continue
        size = text_len(el)
        if size > 0.5 * total:
            continue
        text = norm_text(el.text_content())
        if is_boilerplate(el):
            el.drop_tree()
            continue
        if el.tag in BLOCK_TAGS or el.tag in ("td", "span", "strong", "b"):
            if size < 200 and _starts_with_label(text, htmlrules.BOILERPLATE_LABELS):
                el.drop_tree()
                continue
            if el.tag in ("h2", "h3", "h4", "h5", "h6", "strong", "b", "div", "p") and size < 60 and _starts_with_label(
                text, htmlrules.RELATED_HEADINGS
            ):
                _drop_with_following_links(el)
                continue
            if size and el.tag in ("ul", "ol", "div", "table", "p", "li", "section", "dl") and _link_heavy(el):
                el.drop_tree()


def _detached(el, root) -> bool:
    for anc in ancestors(el):
        if anc is root:
            return False
    return True


def _link_heavy(el) -> bool:
    size = text_len(el)
    links = link_len(el)
    if not links:
        return False
    if any(is_attachment_href(a.get("href") or "") for a in el.iter("a")) and links < size:
        return False
    return links / size > 0.6


def _drop_with_following_links(heading) -> None:
    sib = heading.getnext()
    while sib is not None and isinstance(sib.tag, str) and link_density(sib) > 0.5:
        nxt = sib.getnext()
        sib.drop_tree()
        sib = nxt
    heading.drop_tree()


_PARA, _BR = object(), object()


def _walk(el, out: list) -> None:
    tag = el.tag if isinstance(el.tag, str) else None
    if tag is None:
        if el.tail:
            out.append(el.tail)
        return
    if tag == "br":
        out.append(_BR)
        if el.tail:
            out.append(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block:
        out.append(_PARA)
    elif tag == "tr":
        out.append(_BR)
    elif tag in ("td", "th"):
        out.append(" ")
    if el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out)
    if block:
        out.append(_PARA)
    elif tag in ("td", "th"):
        out.append(" ")
    if el.tail:
        out.append(el.tail)


def serialise(node) -> str:
    """Paragraphs separated by blank lines; single <br> kept as a line break."""
    tokens: list = []
    if node.text:
        tokens.append(node.text)
    for child in node:
        _walk(child, tokens)
    paragraphs: list[str] = []
    lines: list[str] = []
    current: list[str] = []
    last_br = False

    def end_line() -> None:
        line = norm_text("".join(current))
        current.clear()
        if line:
            lines.append(line)

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
        lines.clear()

    for token in tokens:
        if token is _PARA:
            end_paragraph()
            last_br = False
        elif token is _BR:
            if last_br:
                end_paragraph()
            else:
                end_line()
            last_br = True
        else:
            if token.strip():
                last_br = False
            current.append(token)
    end_paragraph()
    return nfc("\n\n".join(paragraphs))
