"""What the HTML says about its article, gathered: headline, publication date, byline, attached files.

The head's evidence is read before cleaning (``corpus/extract/htmlhead.py``);
after cleaning, ``read_facts`` adds the headline (``headline.py``), the date
(``pagedate.py``), the byline and the files the article links.  What is read
from the text (dates in it, province, cited documents) is
``corpus/extract/textmeta.py``; the page pipeline (``corpus/store/pipeline.py``)
hands these facts over to it as data.
"""
from __future__ import annotations

from urllib.parse import urljoin

from corpus.clean import htmlrules
from corpus.clean.htmlclean import Content
from corpus.clean.tree import in_boilerplate, is_attachment_href, norm_text
from corpus.extract.byline import is_source_line, read_byline
from corpus.extract.headline import article_container, choose_title
from corpus.extract.htmlhead import PageFacts
from corpus.extract.pagedate import find_date


# ----------------------------------------------------------------- author


def find_author(root, content: Content, facts: PageFacts) -> str | None:
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
                is_attachment_href(a.get("href") or "") for a in el.iter("a")
            ):
                continue
            if len(text) > 80:
                break
            person = _person(text)
            if person:
                return person
            if is_source_line(text):
                return None
    for xpath in htmlrules.AUTHOR_XPATHS:
        for el in root.xpath(xpath):
            person = _person(el.text_content())
            if person:
                return person
    return _person(facts.structured_author) if facts.structured_author else None


def _person(text: str) -> str | None:
    """The writer a byline names, if it names one."""
    byline = read_byline(text)
    return byline.person if byline else None


# ------------------------------------------------------------ attachments


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
                is_attachment_href(href) or _names_a_file(a)):
            continue
        if in_boilerplate(a, besides=container):
            continue
        full = urljoin(url, href) if url else href
        if full not in out:
            out.append(full)
    return out


def read_facts(root, content: Content, facts: PageFacts, *, url: str | None) -> PageFacts:
    """Add the headline, publication date, byline and attached files of a cleaned page to its head's facts."""
    facts.title, title_el = choose_title(root, facts, content.node)
    facts.published = find_date(root, facts, title_el, content)
    facts.author = find_author(root, content, facts)
    facts.attachments = find_attachments(article_container(content, title_el), url)
    return facts
