"""The evidence a page's <head> and frame give before cleaning: <title>, Open Graph, JSON-LD, portal name.

Read before the page is cleaned, since cleaning drops the header and footer
that name the portal.  The order of evidence for the publication date starts
here: JSON-LD ``datePublished`` and ``article:published_time`` meta.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corpus.clean import htmlrules
from corpus.clean.tree import norm_text
from corpus.extract import dates


@dataclass
class PageFacts:
    """What the HTML says about its article: the head's evidence, read before cleaning, then what the
    cleaned page adds (``corpus/extract/htmlmeta.py``: headline, date, byline, attached files)."""

    title_tag: str | None = None
    og_title: str | None = None
    og_type: str | None = None
    headline: str | None = None  # JSON-LD
    published: dt.date | None = None  # JSON-LD / meta first, then the page's date element or CMS date line
    structured_author: str | None = None  # JSON-LD / meta author, as written
    portal_names: list[str] = field(default_factory=list)
    site_name: str | None = None  # og:site_name
    learned_names: list[str] = field(default_factory=list)  # the constant part of the host's <title>s
    host: str | None = None
    article_hint: bool = False
    title: str | None = None  # the headline, without the portal's name
    author: str | None = None  # a person's name from the byline
    attachments: list[str] = field(default_factory=list)


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


def read_metadata(root, *, url: str | None = None) -> PageFacts:
    """Read <head>, JSON-LD and header/footer evidence before the page is cleaned."""
    facts = PageFacts()
    title = root.find(".//title")
    if title is not None:
        facts.title_tag = norm_text(title.text_content()) or None
    facts.og_title = _meta(root, "og:title", "twitter:title")
    facts.og_type = (_meta(root, "og:type") or "").lower() or None
    facts.site_name = _meta(root, "og:site_name", "application-name")
    facts.host = urlsplit(url).hostname if url else None
    article_types = {"article", "newsarticle", "blogposting", "report", "reportagenewsarticle", "analysisnewsarticle"}
    for obj in _jsonld_objects(root):
        types = obj.get("@type")
        types = {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
        if types & article_types:
            facts.article_hint = True
            facts.headline = facts.headline or _name_of(obj.get("headline")) or _name_of(obj.get("name"))
            facts.published = facts.published or dates.iso_date(str(obj.get("datePublished") or ""))
            facts.structured_author = facts.structured_author or _name_of(obj.get("author"))
            publisher = _name_of(obj.get("publisher"))
            if publisher:
                facts.portal_names.append(publisher)
    meta_date = dates.iso_date(_meta(root, *htmlrules.DATE_META))
    if meta_date:
        facts.published = facts.published or meta_date
        facts.article_hint = True
    if facts.og_type == "article":
        facts.article_hint = True
    facts.structured_author = facts.structured_author or _meta(root, "author", "article:author", "dc.creator")
    facts.portal_names.extend(portal_names(root, facts.title_tag))
    return facts


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
