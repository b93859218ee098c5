"""Portal HTML -> main article text plus metadata (a Document field dict).

Pipeline: decode bytes (HTTP header, BOM, <meta>, then detection; NFC) ->
parse with lxml -> drop junk elements -> find the article body with the
per-family selectors of ``corpus/clean/htmlrules.py``, else with a generic
text-density / link-density scorer -> prune furniture inside it -> serialise
paragraphs separated by blank lines.  Listing and home pages (many similar
article teasers, little running text) are recognised and give ``None``.

Metadata that only HTML has (headline, CMS date line, byline, attachments,
portal name) comes from ``corpus/extract/htmlmeta.py``; what is read from the text
(dates, province, cited documents) comes from ``corpus/extract/textmeta.py``.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from corpus.clean import htmlrules
from corpus.knowledge import legacy_encodings
from corpus.knowledge.vietnamese import nfc

BLOCK_TAGS = frozenset("""
    address article aside blockquote body center dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot
    tr ul caption
""".split())
PARAGRAPH_TAGS = frozenset("p pre blockquote h1 h2 h3 h4 h5 h6 li dd dt figcaption caption".split())
CONTAINER_TAGS = frozenset("div section article main td tbody table form font center span blockquote".split())

MIN_ARTICLE_CHARS = 200  # less running text than this is not a document
MIN_PARAGRAPH_CHARS = 25
MIN_UNDATED_CHARS = 1000  # a page with no publication date must have this much text

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Letters only Vietnamese uses (Latin Extended Additional, ă đ ơ ư) versus
# characters a wrongly decoded Vietnamese page is full of.
_VIETNAMESE_CHARS = re.compile("[\u1ea0-\u1ef9ăĂđĐơƠưƯ]")
_MOJIBAKE = re.compile("[ÌÒÐðþÞ×÷¤¦¨ª«»¿\x80-\x9f]|â€|Ä‘|Æ°|Æ¡|á»|áº")
# Scripts a misread page turns into (Greek to Hangul, CJK, full-width forms):
# a short text has too few Vietnamese letters to outweigh them otherwise.
_FOREIGN = re.compile("[\u0370-\u1dff\u2e80-\uffef]")


# ---------------------------------------------------------------- decoding


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    aliases = {"utf8": "utf-8", "win-1258": "cp1258", "windows1258": "cp1258", "x-user-defined": None}
    name = aliases.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(headers: dict | None) -> str | None:
    """The charset named in a Content-Type header, if any."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-type" and value:
            match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", value, re.I)
            if match:
                return _codec(match.group(1))
    return None


def _vietnamese_score(text: str) -> float:
    sample = text[:20000]
    return (len(_VIETNAMESE_CHARS.findall(sample)) - 5 * len(_MOJIBAKE.findall(sample))
            - 5 * len(_FOREIGN.findall(sample)) - 10 * sample.count("\ufffd"))


def decode_html(data: bytes | str, headers: dict | None = None) -> str:
    """Decode a page: HTTP header charset, BOM, <meta> charset, then detection; NFC.

    Windows-1258 decodes to base letters plus combining tone marks, so the
    result is always NFC-normalised.  Pages typed in the legacy TCVN3 or VNI
    font encodings come out in Unicode (``corpus/knowledge/legacy_encodings.py``).
    """
    text = _decode(data, headers)
    return legacy_encodings.convert(text, legacy_encodings.fonts_in(text[:100_000]))[0]


def _decode(data: bytes | str, headers: dict | None) -> str:
    if isinstance(data, str):
        return nfc(data)
    declared: list[str] = []
    for name in (header_charset(headers),):
        if name:
            declared.append(name)
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return nfc(data.decode(name, errors="replace").lstrip("\ufeff"))
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = _codec(match.group(1).decode("ascii", "ignore"))
        if name:
            declared.append(name)
    is_ascii = data.isascii()
    utf8_ok = True
    try:
        utf8_text = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8_ok = False
        utf8_text = ""
    # Valid non-ASCII UTF-8 is almost never an accident; servers that say
    # iso-8859-1 by default are.
    if utf8_ok and (is_ascii or not declared or declared[0] in ("utf-8", "iso8859-1", "cp1252", "ascii", "latin-1")):
        return nfc(utf8_text)
    for name in declared:
        try:
            return nfc(data.decode(name))
        except (UnicodeDecodeError, LookupError):
            continue
    if utf8_ok:
        return nfc(utf8_text)
    return nfc(_detect(data))


def _detect(data: bytes) -> str:
    latin = data.decode("latin-1")
    legacy, found = legacy_encodings.convert(latin, legacy_encodings.fonts_in(latin[:100_000]))
    if found:  # a single-byte page in a Vietnamese font encoding, not a codepage
        return legacy
    candidates: list[str] = []
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data).best()
        if best is not None:
            candidates.append(str(best))
    except Exception:  # detection is best effort; fall back to the Vietnamese codepage below
        pass
    for name in ("cp1258", "cp1252"):
        try:
            candidates.append(data.decode(name))
        except UnicodeDecodeError:
            pass
    candidates.append(data.decode("utf-8", errors="replace"))
    return max(candidates, key=lambda text: _vietnamese_score(nfc(text)))


# ----------------------------------------------------------------- parsing


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
    return len(norm_text(el.text_content()))


def link_len(el) -> int:
    if el.tag == "a":
        return text_len(el)
    return sum(text_len(a) for a in el.iter("a"))


def link_density(el) -> float:
    total = text_len(el)
    return link_len(el) / total if total else 0.0


def names(el) -> str:
    """Lower-cased class and id of an element."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def _tokens(el) -> set[str]:
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
    return False if hard else bool(_tokens(el) & htmlrules.BOILERPLATE_TOKENS) or el.tag in ("nav", "aside")


def is_colophon(el) -> bool:
    """A short block naming several footer items (licence, owner, address, phone, copyright)."""
    text = norm_text(el.text_content()).lower()
    if not text or len(text) > 1500:
        return False
    return sum(1 for phrase in htmlrules.COLOPHON_PHRASES if phrase in text) >= 3


def is_hidden(el) -> bool:
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


# ------------------------------------------------------- finding the body


@dataclass
class Content:
    """The article body found on a page (or the verdict that it is a listing)."""

    node: object | None = None
    family: str | None = None
    listing: bool = False
    reason: str = ""
    leads: list = field(default_factory=list)


def _own_text_len(el) -> int:
    """Length of text directly in ``el`` (not in nested blocks or links)."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        if child.tag not in BLOCK_TAGS and child.tag != "a":
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return len(norm_text(" ".join(parts)))


def _selector_candidates(root) -> list[tuple[int, str, object]]:
    found: list[tuple[int, str, object]] = []
    seen: set = set()
    for rank, (family, xpath) in enumerate(htmlrules.CONTENT_XPATHS):
        for el in root.xpath(xpath):
            if el in seen or not isinstance(el.tag, str):
                continue
            seen.add(el)
            found.append((rank, family, el))
    return found


def _repeated_teasers(el) -> int:
    """Largest number of sibling elements that each look like an article teaser.

    A teaser holds a title-like link (4+ words) to its own page; listings,
    home pages and "related news" boxes are made of them.
    """
    best = 0
    for parent in el.iter():
        if not isinstance(parent.tag, str) or len(parent) < 3:
            continue
        groups: Counter = Counter()
        hrefs: dict = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            links = [a for a in child.iter("a") if len(norm_text(a.text_content()).split()) >= 4 and a.get("href")]
            if not links:
                continue
            key = (child.tag, (child.get("class") or "").split()[0] if child.get("class") else "")
            href = links[0].get("href")
            if href in hrefs.setdefault(key, set()):
                continue
            hrefs[key].add(href)
            groups[key] += 1
        if groups:
            best = max(best, max(groups.values()))
    return best


def _teaser_share(el) -> float:
    """Share of an element's text that sits in title-like links (teaser lists)."""
    total = text_len(el)
    if not total:
        return 0.0
    titled = sum(text_len(a) for a in el.iter("a") if len(norm_text(a.text_content()).split()) >= 4)
    return titled / total


def _score_nodes(root) -> dict:
    """Readability-style scores: paragraph text credited to parent and grandparent."""
    scores: dict = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("a", "html", "body"):
            continue
        if el.tag not in PARAGRAPH_TAGS and el.tag not in CONTAINER_TAGS and el.tag not in ("td", "th"):
            continue
        own = _own_text_len(el)
        if own < MIN_PARAGRAPH_CHARS:
            continue
        text = norm_text(el.text_content())
        score = 1 + text.count(",") + min(own / 100, 3)
        targets = []
        if el.tag in CONTAINER_TAGS or el.tag in ("td", "th"):
            targets.append((el, 1.0))
        parent = el.getparent()
        if parent is not None:
            targets.append((parent, 1.0))
            grand = parent.getparent()
            if grand is not None:
                targets.append((grand, 0.5))
        for node, weight in targets:
            if node.tag in ("html", "body"):
                continue
            scores[node] = scores.get(node, 0.0) + score * weight
    for node in list(scores):
        if _in_boilerplate(node) or is_colophon(node):
            del scores[node]
            continue
        tokens = _tokens(node)
        if tokens & htmlrules.CONTENT_TOKENS:
            scores[node] += 15
        if is_boilerplate(node):
            scores[node] -= 40
        scores[node] *= 1 - link_density(node)
    return scores


def _ancestors(el):
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def _in_boilerplate(el, stop=None) -> bool:
    for anc in [el, *_ancestors(el)]:
        if anc is stop:
            return False
        if is_boilerplate(anc, hard=True):
            return True
    return False


def find_content(root, *, article_hint: bool = False) -> Content:
    """Locate the article body in a junk-free tree, or decide the page is a listing."""
    body = root.find("body")
    body_classes = set((body.get("class") or "").lower().split()) if body is not None else set()

    candidates = []
    for rank, family, el in _selector_candidates(root):
        if _in_boilerplate(el):
            continue
        plain = text_len(el) - link_len(el)
        if plain >= 80:
            candidates.append((rank, family, el, plain))
    if candidates:
        top_rank = min(c[0] for c in candidates)
        same = [c for c in candidates if c[0] == top_rank]
        same.sort(key=lambda c: -c[3])
        # Several similar bodies from one rule: teasers of a listing.
        disjoint = [c for c in same if not any(o[2] in _ancestors(c[2]) or c[2] in _ancestors(o[2]) for o in same if o is not c)]
        if len(disjoint) >= 3 and disjoint[0][3] < 2.5 * disjoint[1][3] and not article_hint:
            return Content(listing=True, reason=f"{len(disjoint)} similar {same[0][1]} bodies")
        best = max(candidates, key=lambda c: (c[3] >= MIN_ARTICLE_CHARS, -c[0] if c[3] >= MIN_ARTICLE_CHARS else 0, c[3]))
        scores = _score_nodes(root)
        if best[3] >= MIN_ARTICLE_CHARS or article_hint:
            node = best[2]
            if _teaser_share(node) < 0.5 or article_hint:
                # A family rule that caught a side block: the generic winner holds far more text elsewhere.
                generic = max(scores, key=scores.get) if scores else None
                if generic is not None and generic is not node and node not in generic.iterdescendants() \
                        and generic not in node.iterdescendants() \
                        and text_len(generic) - link_len(generic) > 3 * best[3]:
                    return Content(node=generic, family="generic")
                return Content(node=node, family=best[1])
    else:
        scores = _score_nodes(root)
    if not scores:
        return Content(listing=True, reason="no running text")
    node = max(scores, key=scores.get)
    content = Content(node=node, family="generic")
    if not article_hint and (body_classes & htmlrules.LISTING_BODY_CLASSES) and _repeated_teasers(node) >= 3:
        content.listing, content.reason = True, "listing body class"
    return content


def _one_of_many(node, levels: int = 4) -> int:
    """How many similar teaser-like siblings ``node`` (or a close ancestor) has."""
    el = node
    for _ in range(levels):
        parent = el.getparent()
        if parent is None or el.tag in ("body", "html"):
            break
        size = text_len(el)
        sig = (el.tag, (el.get("class") or "").split()[:1])
        similar = 0
        for sib in parent:
            if not isinstance(sib.tag, str) or (sib.tag, (sib.get("class") or "").split()[:1]) != sig:
                continue
            sib_size = text_len(sib)
            if sib_size < 0.3 * size or sib_size > 3 * size:
                continue
            if any(len(norm_text(a.text_content()).split()) >= 3 for a in sib.iter("a")) or sib.find(".//h2") is not None \
                    or sib.find(".//h3") is not None or sib.find(".//h4") is not None:
                similar += 1
        if similar >= 3:
            return similar
        el = parent
    return 0


def looks_like_listing(node, root, *, article_hint: bool) -> str:
    """Why the page around ``node`` is a listing/home page, or '' when it is an article."""
    plain = text_len(node) - link_len(node)
    if not article_hint:
        many = _one_of_many(node)
        if many:
            return f"main block is one of {many} similar teasers"
    teasers = _repeated_teasers(node)
    if teasers >= 3 and _teaser_share(node) > 0.25 and not article_hint:
        return f"{teasers} teasers in the main block"
    if plain < MIN_ARTICLE_CHARS:
        return "too little running text"
    if not article_hint and plain < 600 and node.xpath(".//*[self::h1 or self::h2 or self::h3 or self::h4]//a[@href]"):
        return "short block led by a linked headline (a teaser)"
    if not article_hint:
        # A main block that is a small island among many teasers is a home page box.
        page_teasers = _repeated_teasers(root)
        if page_teasers >= 8 and plain < 600:
            return f"{page_teasers} teasers on the page, short main block"
    return ""


# ------------------------------------------------------------- pruning


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
    for anc in _ancestors(el):
        if anc is root:
            return False
    return True


def _link_heavy(el) -> bool:
    size = text_len(el)
    links = link_len(el)
    if not links:
        return False
    if any(_is_attachment_href(a.get("href") or "") for a in el.iter("a")) and links < size:
        return False
    return links / size > 0.6


def _is_attachment_href(href: str) -> bool:
    path = href.split("?")[0].split("#")[0].lower()
    return any(seg.endswith(htmlrules.ATTACHMENT_EXTENSIONS) for seg in path.split("/")) or any(
        ext + "&" in href.lower() or href.lower().endswith(ext) for ext in htmlrules.ATTACHMENT_EXTENSIONS
    )


def _drop_with_following_links(heading) -> None:
    sib = heading.getnext()
    while sib is not None and isinstance(sib.tag, str) and link_density(sib) > 0.5:
        nxt = sib.getnext()
        sib.drop_tree()
        sib = nxt
    heading.drop_tree()


# ------------------------------------------------------------ serialising

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


# ---------------------------------------------------------------- leads


def _lead_blocks(node, root) -> list:
    """Lead paragraphs (sapo) rendered just before the body, outside it."""
    leads = []
    seen = set()
    el = node
    for _ in range(3):
        parent = el.getparent()
        if parent is None:
            break
        sib = el.getprevious()
        while sib is not None:
            if isinstance(sib.tag, str) and sib not in seen:
                tokens = _tokens(sib)
                if tokens & set(htmlrules.LEAD_TOKENS) and text_len(sib) >= MIN_PARAGRAPH_CHARS and link_density(sib) < 0.3:
                    leads.insert(0, sib)
                    seen.add(sib)
            sib = sib.getprevious()
        if leads:
            break
        el = parent
    return leads


# ------------------------------------------------------------- the API


def clean_html(root, *, article_hint: bool = False) -> tuple[str | None, Content]:
    """Main text of a parsed page (junk already dropped), or None for listings."""
    content = find_content(root, article_hint=article_hint)
    if content.listing or content.node is None:
        return None, content
    reason = looks_like_listing(content.node, root, article_hint=article_hint)
    if reason:
        content.listing, content.reason = True, reason
        return None, content
    content.leads = _lead_blocks(content.node, root)
    parts = []
    for el in [*content.leads, content.node]:
        copy = _copy(el)
        prune(copy)
        text = serialise(copy)
        if text:
            parts.append(text)
    text = "\n\n".join(parts)
    if len(text) < MIN_ARTICLE_CHARS // 2:
        content.listing, content.reason = True, "too little text after cleaning"
        return None, content
    return text, content


def _copy(el):
    import copy

    clone = copy.deepcopy(el)
    clone.tail = None
    return clone


def parse_html(
    html: bytes | str,
    *,
    url: str | None = None,
    headers: dict | None = None,
    source_province: str | None = None,
    site_names: list[str] | None = None,
    listed: str | None = None,
) -> dict | None:
    """Clean one portal page into Document fields; None for listing/home/empty pages.

    Returns title, text (NFC, paragraphs separated by blank lines), published,
    year, province, province_2025, directives, directives_partial, author,
    attachments.
    """
    root = parse_tree(decode_html(html, headers))
    if root is None:
        return None
    return parse_document(root, url=url, source_province=source_province, site_names=site_names, listed=listed)


def parse_document(root, *, url: str | None = None, source_province: str | None = None,
                   site_names: list[str] | None = None, listed: str | None = None) -> dict | None:
    """``parse_html`` on an already parsed page (the tree is cleaned in place).

    ``site_names``: the portal's name learned from its other pages' <title>s;
    ``listed``: the date a listing showed beside the link to this page (used when the page shows none).
    """
    from corpus.extract import htmlmeta

    meta = htmlmeta.read_metadata(root, url=url)  # before cleaning: needs <head>, header, footer
    meta.learned_names = list(site_names or ())
    drop_junk(root)
    text, content = clean_html(root, article_hint=meta.article_hint)
    if text is None:
        return None
    facts = htmlmeta.page_facts(root, content, meta, url=url)
    text, line_date = _strip_head_lines(text, facts.title)
    facts.published = facts.published or line_date or listed
    if not is_document(text, facts.published, meta.article_hint):
        return None
    return htmlmeta.document_fields(text, facts, meta, url=url, source_province=source_province)


def _strip_head_lines(text: str, title: str | None) -> tuple[str, str | None]:
    """Drop a repeated headline and a bare CMS date line from the top of the text (old layouts).

    Returns the text and the date that line gave, if any.
    """
    from corpus.extract.dates import parse_date_line
    from corpus.knowledge.vietnamese import key

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


def is_document(text: str, published: str | None, article_hint: bool) -> bool:
    """Short undated pages (contact, gallery, section intros) are not documents."""
    return bool(published) or article_hint or len(text) >= MIN_UNDATED_CHARS
