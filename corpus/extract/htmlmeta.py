"""Metadata only HTML carries: headline, CMS date line, byline, attachments, portal name.

Text-level metadata (dates in the text, province, cited documents) is read
by ``corpus/extract/textmeta.py``; this module gathers the HTML evidence and hands it
over.  Order of evidence for the publication date: JSON-LD ``datePublished``
and ``article:published_time`` meta, a ``<time datetime>`` in the article,
the CMS date line between headline and body, and only then the text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from corpus.clean import htmlrules
from corpus.extract import dates
from corpus.store.document import MAX_CHARS, MAX_ITEMS, check_fields
from corpus.clean.htmlclean import Content, _ancestors, _is_attachment_href, is_boilerplate, link_len, names, norm_text
from corpus.knowledge.vietnamese import key, nfc


@dataclass
class PageMeta:
    """Evidence read from the raw page before cleaning."""

    title_tag: str | None = None
    og_title: str | None = None
    og_type: str | None = None
    headline: str | None = None  # JSON-LD
    published: str | None = None  # ISO date from JSON-LD / meta
    author: str | None = None  # JSON-LD / meta author
    portal_names: list[str] = field(default_factory=list)
    site_name: str | None = None  # og:site_name
    learned_names: list[str] = field(default_factory=list)  # the constant part of the host's <title>s
    host: str | None = None
    article_hint: bool = False


# ------------------------------------------------------------ head reading


def _jsonld_objects(root):
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                for value in item.values():
                    if isinstance(value, (list, dict)):
                        stack.append(value)


def _name_of(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return norm_text(value) if isinstance(value, str) and value.strip() else None


def _meta(root, *names_: str) -> str | None:
    wanted = {n.lower() for n in names_}
    for el in root.iter("meta"):
        name = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if name in wanted and (el.get("content") or "").strip():
            return norm_text(el.get("content"))
    return None


def read_metadata(root, *, url: str | None = None) -> PageMeta:
    """Read <head>, JSON-LD and header/footer evidence before the page is cleaned."""
    meta = PageMeta()
    title = root.find(".//title")
    if title is not None:
        meta.title_tag = norm_text(title.text_content()) or None
    meta.og_title = _meta(root, "og:title", "twitter:title")
    meta.og_type = (_meta(root, "og:type") or "").lower() or None
    meta.site_name = _meta(root, "og:site_name", "application-name")
    meta.host = urlsplit(url).hostname if url else None
    article_types = {"article", "newsarticle", "blogposting", "report", "reportagenewsarticle", "analysisnewsarticle"}
    for obj in _jsonld_objects(root):
        types = obj.get("@type")
        types = {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
        if types & article_types:
            meta.article_hint = True
            meta.headline = meta.headline or _name_of(obj.get("headline")) or _name_of(obj.get("name"))
            meta.published = meta.published or dates.iso_date(str(obj.get("datePublished") or ""))
            meta.author = meta.author or _name_of(obj.get("author"))
            publisher = _name_of(obj.get("publisher"))
            if publisher:
                meta.portal_names.append(publisher)
    meta_date = dates.iso_date(_meta(root, *htmlrules.DATE_META))
    if meta_date:
        meta.published = meta.published or meta_date
        meta.article_hint = True
    if meta.og_type == "article":
        meta.article_hint = True
    meta.author = meta.author or _meta(root, "author", "article:author", "dc.creator")
    meta.portal_names.extend(portal_names(root, meta.title_tag))
    return meta


def portal_names(root, title_tag: str | None = None) -> list[str]:
    """Names the portal gives itself: og:site_name, logo, header, footer, <title> suffix."""
    found: list[str] = []
    for xpath in htmlrules.PORTAL_NAME_XPATHS:
        for item in root.xpath(xpath)[:3]:
            text = norm_text(item if isinstance(item, str) else item.text_content())
            low = text.lower()
            if not 3 <= len(text) <= 120 or text in found or not any(ch.isalpha() for ch in text):
                continue
            if low.startswith(("địa chỉ", "điện thoại", "email", "e-mail", "giấy phép", "fax", "|", "©", "copyright")):
                continue
            found.append(text)
    if title_tag:
        for sep in htmlrules.TITLE_SEPARATORS:
            if sep in title_tag:
                tail = norm_text(title_tag.rsplit(sep, 1)[1])
                if tail and tail not in found:
                    found.append(tail)
                break
    return found


# ------------------------------------------------------------------ title


def _clean_title(text: str | None) -> str | None:
    text = norm_text(text)
    return nfc(text) if text else None


def _same(a: str, b: str) -> bool:
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


def _strip_known(title_tag: str, meta: PageMeta) -> str | None:
    """The <title> without a portal name known for sure (og:site_name, learned from the host) at either end."""
    names = {key(n) for n in (meta.site_name, *meta.learned_names) if n}
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


def split_heading(el) -> tuple[str, str | None]:
    """The headline a heading element shows and the date stamp printed inside it, if any."""
    text = norm_text(el.text_content())
    for child in el.iterdescendants():
        stamp = norm_text(child.text_content()) if isinstance(child.tag, str) else ""
        if stamp and stamp != text and text.endswith(stamp):
            date = dates.parse_date_line(stamp)
            if date:
                return text[: -len(stamp)].rstrip(" -–—|,"), date
    return dates.split_trailing_date(text)


def heading_candidates(root) -> list:
    """Headline-like elements, best first, outside page furniture."""
    out = []
    for xpath in htmlrules.TITLE_XPATHS:
        for el in root.xpath(xpath):
            if el in out or not isinstance(el.tag, str):
                continue
            if any(is_boilerplate(a, hard=True) for a in [el, *_ancestors(el)]):
                continue
            text = norm_text(el.text_content())
            if 5 <= len(text) <= 400:
                out.append(el)
    return out


def title_parts(title: str | None, meta: PageMeta) -> list[str]:
    """Pieces of a <title>/og:title that may be the headline: the whole, then each part between
    separators that is not the portal's name (og:site_name, the host, a name such as "Cổng TTĐT ...")."""
    if not title:
        return []
    pieces = [title]
    for sep in htmlrules.TITLE_SEPARATORS:
        pieces = [p for piece in pieces for p in piece.split(sep)]
    names = [key(n) for n in (meta.site_name, meta.host, *meta.learned_names) if n]
    host_key = key((meta.host or "").removeprefix("www.").split(".")[0])
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


def listing_dates(root, base_url: str) -> dict[str, str]:
    """Dates a listing shows beside its article links: {absolute URL: ISO date}.

    A teaser (list item, table row, block) holding one title-like link and one
    date line gives that link's date; a block with several links gives none.
    """
    found: dict[str, str] = {}
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


def _prominent(el) -> bool:
    """Set off as a headline: a heading, bold or large type, or a title-ish class."""
    for e in [el, *el.iterancestors()][:4]:
        style = (e.get("style") or "").replace(" ", "").lower()
        if e.tag in ("h1", "h2", "h3", "h4", "h5", "b", "strong", "big") or "font-weight:bold" in style \
                or "font-weight:7" in style or "font-size" in style or (e.tag == "font" and e.get("size")) \
                or "title" in names(e) or "tieude" in names(e):
            return True
    return False


def shown_headline(root, meta: PageMeta, near=None) -> tuple[str | None, object | None]:
    """The part of <title>/og:title that the page shows as a prominent element, nearest the article body."""
    parts = [p for t in (meta.og_title, meta.title_tag) for p in title_parts(t, meta)]
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
        if any(is_boilerplate(a, hard=True) for a in [el, *_ancestors(el)]):
            continue
        found.append((abs(order[el] - anchor), -len(text), el, text))
    if not found:
        return None, None
    _d, _n, el, text = min(found, key=lambda f: f[:2])
    while len(el) == 1 and key(norm_text(el[0].text_content())) == key(text):
        el = el[0]  # the innermost element showing it: the date line is what follows that
    return _clean_title(text), el


def choose_title(root, meta: PageMeta, near=None) -> tuple[str | None, object | None]:
    """The headline (without the portal suffix) and the element showing it, if any."""
    title, el = _choose_title(root, meta, near)
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
                if not any(is_boilerplate(a, hard=True) for a in [el, *_ancestors(el)]):
                    return el
    return None


def _choose_title(root, meta: PageMeta, near=None) -> tuple[str | None, object | None]:
    headings = heading_candidates(root)
    texts = [(split_heading(el)[0], el) for el in headings]
    structured = [t for t in (meta.headline, meta.og_title) if t]
    tag = meta.title_tag or ""
    tag_key = key(tag)
    # A visible heading the <title> starts with is the headline.
    for text, el in texts:
        text_key = key(text)
        if not tag_key or len(text) < 12:
            continue
        if tag_key.startswith(text_key) and len(text) >= 0.3 * len(tag.split(" - ")[0]):
            return _clean_title(text), el
        if tag_key.endswith(text_key) and tag_key != text_key and _strip_suffix(tag, meta.portal_names) == text:
            return _clean_title(text), el  # "Portal - Headline"
    if not meta.headline:
        # The page shows a part of its <title> prominently near the body: that part is the headline.
        shown = shown_headline(root, meta, near)
        if shown[0]:
            return shown
    for text in structured:
        match = next((el for t, el in texts if _same(t, text)), None)
        return _clean_title(text), match
    if tag:
        stripped = _strip_known(tag, meta) or _strip_suffix(tag, meta.portal_names)
        match = next((el for t, el in texts if _same(t, stripped)), None)
        return _clean_title(stripped), match
    if texts:
        return _clean_title(texts[0][0]), texts[0][1]
    return None, None


# ---------------------------------------------------------- date element


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
        if any(a is start for a in _ancestors(el)):
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
        if not isinstance(el.tag, str) or any(is_boilerplate(a, hard=True) for a in [el, *_ancestors(el)]):
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


def find_date(root, meta: PageMeta, title_el, content: Content) -> str | None:
    """Publication date from structured data or the CMS date line near the headline."""
    if meta.published:
        return meta.published
    near = content.node
    for _ in range(3):  # the article container: a <time> in a teaser elsewhere is not this page's date
        if near is not None and near.getparent() is not None and near.getparent().tag != "body":
            near = near.getparent()
    for el in root.xpath("//time[@datetime] | //*[@itemprop='datePublished']"):
        if any(is_boilerplate(a, hard=True) for a in [el, *_ancestors(el)]):
            continue
        if near is not None and not any(a is near for a in _ancestors(el)):
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
        for line in reversed(_preceding_lines(title_el, _article_container(content, title_el), limit=2)):
            found = dates.parse_date_line(line)
            if found:
                return found
    for el in root.iter():
        if not isinstance(el.tag, str) or not (_date_tokens(el) & htmlrules.DATE_TOKENS):
            continue
        if any(is_boilerplate(a) for a in _ancestors(el)) or len(norm_text(el.text_content())) > 80:
            continue
        found = dates.find_date(el.text_content())
        if found:
            return found
    return None


def _date_tokens(el) -> set[str]:
    out = set()
    for name in names(el).split():
        out.add(name)
        out.update(re.split(r"[-_]", name))
    return out


# ----------------------------------------------------------------- author

_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]*\.?$")


def _person(text: str) -> str | None:
    """A person's name out of a byline ("Minh Hằng - Ban Dân vận Tỉnh ủy" -> "Minh Hằng")."""
    text = norm_text(text).strip(" .,;:-–—()[]")
    low = text.lower()
    for prefix in ("bài và ảnh:", "bài, ảnh:", "bài:", "tác giả:", "người viết:", "đăng bởi", "by "):
        if low.startswith(prefix):
            text = text[len(prefix):].strip()
            low = text.lower()
    if any(low.startswith(w) or f" {w}" in f" {low}" for w in htmlrules.NOT_AUTHOR_WORDS):
        return None
    name = re.split(r"\s+[-–—|]\s+|\s*,\s*|\s*\(", text)[0].strip(" .")
    words = name.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in name):
        return None
    if all(_NAME_WORD.match(w) for w in words):
        return nfc(name)
    return None


def _is_source_line(text: str) -> bool:
    low = text.lower()
    return any(low.startswith(w) or f" {w}" in f" {low}" for w in htmlrules.NOT_AUTHOR_WORDS)


def find_author(root, content: Content, meta: PageMeta) -> str | None:
    """Signature line at the end of the body, else a byline element, else structured data."""
    node = content.node
    if node is not None:
        leaves = [
            el for el in node.iter("p", "div", "li", "td")
            if norm_text(el.text_content()) and not any(c.tag in ("p", "div", "li", "table") for c in el.iterdescendants())
        ]
        for el in reversed(leaves[-4:]):
            text = norm_text(el.text_content())
            low = text.lower()
            if low.startswith(("ảnh", "file đính kèm", "tệp đính kèm", "tài liệu đính kèm")) or any(
                _is_attachment_href(a.get("href") or "") for a in el.iter("a")
            ):
                continue
            if len(text) > 80:
                break
            person = _person(text)
            if person:
                return person
            if _is_source_line(text):
                return None
    for xpath in htmlrules.AUTHOR_XPATHS:
        for el in root.xpath(xpath):
            person = _person(el.text_content())
            if person:
                return person
    return _person(meta.author) if meta.author else None


# ------------------------------------------------------------ attachments


def _article_container(content: Content, title_el):
    """Smallest ancestor of the body that also holds the headline (else the body)."""
    node = content.node
    if node is None:
        return None
    if title_el is None:
        return node.getparent() if node.getparent() is not None else node
    for anc in [node, *_ancestors(node)]:
        if any(a is anc for a in [title_el, *_ancestors(title_el)]):
            return anc
    return node


def _names_a_file(a) -> bool:
    """A download link whose URL says nothing ("/tai-ve?id=9"): its text or download name ends in ".pdf", ..."""
    name = (a.get("download") or " ".join(a.text_content().split())).lower()
    return name.endswith(htmlrules.ATTACHMENT_EXTENSIONS)


def find_attachments(container, url: str | None) -> list[str]:
    """Links to documents (.pdf, .doc, .docx, ...) in the article, absolute when the page URL is known."""
    out: list[str] = []
    if container is None:
        return out
    for a in container.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")) or not (
                _is_attachment_href(href) or _names_a_file(a)):
            continue
        if any(is_boilerplate(anc, hard=True) for anc in [a, *_ancestors(a)] if anc is not container):
            continue
        full = urljoin(url, href) if url else href
        if full not in out:
            out.append(full)
    return out


# -------------------------------------------------------------- assembly


@dataclass
class PageFacts:
    """What the HTML itself says about the article."""

    title: str | None
    published: str | None
    author: str | None
    attachments: list[str]


def page_facts(root, content: Content, meta: PageMeta, *, url: str | None) -> PageFacts:
    """Headline, CMS publication date, byline and attachments of a cleaned page."""
    title, title_el = choose_title(root, meta, content.node)
    return PageFacts(
        title=title,
        published=find_date(root, meta, title_el, content),
        author=find_author(root, content, meta),
        attachments=find_attachments(_article_container(content, title_el), url),
    )


def document_fields(
    text: str, facts: PageFacts, meta: PageMeta, *, url: str | None, source_province: str | None
) -> dict:
    """Combine HTML evidence with text extraction into Document fields."""
    from corpus.extract.textmeta import extract_metadata

    header = list(dict.fromkeys(meta.portal_names))
    published = facts.published
    if published:
        # The CMS date line outranks dates in the text, and the province may depend on it.
        header.append(f"Ngày đăng: {_dmy(published)}")
    extracted = extract_metadata(text, title=facts.title, header=header, url=url, source_province=source_province)
    published = published or extracted.get("published")
    year, year_source = extracted["year"], extracted["year_source"]
    if published:
        year, year_source = int(published[:4]), "published"
    # Held to the sizes `danvan import` holds records to, so an export imports back unchanged.
    sized = {"title": facts.title, "author": facts.author,
             "attachments": [a for a in facts.attachments if len(a) <= MAX_CHARS["url"]][:MAX_ITEMS["attachments"]]}
    check_fields(sized)
    return {
        "title": sized["title"],
        "text": text,
        "published": published,
        "year": year,
        "year_source": year_source,
        "province": extracted.get("province"),
        "province_2025": extracted.get("province_2025"),
        "directives": list(extracted.get("directives") or []),
        "directives_partial": list(extracted.get("directives_partial") or []),
        "author": sized["author"],
        "attachments": sized["attachments"],
    }


def _dmy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"
