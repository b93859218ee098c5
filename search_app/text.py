"""Document text and links made safe for a page."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from indexer.highlight import Terms, mark, matched_forms, spans
from indexer.queryparse import parse

_PARAGRAPHS = re.compile(r"\n\s*\n")


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) address a page may link to, else None.

    >>> safe_link("https://baohagiang.vn/a.html"), safe_link("javascript:alert(1)")
    ('https://baohagiang.vn/a.html', None)
    """
    if not url or not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def query_terms(q: str) -> Terms:
    """The syllables of ``q`` to highlight, as the service marks snippets."""
    # The service's own helper, so a document page marks what the snippet marked.
    from indexer.search import highlight_terms

    return highlight_terms(parse(q)) if q else Terms()


def doc_paragraphs(text: str, q: str = "") -> list[str]:
    """The text as escaped HTML paragraphs with the query's words in <mark>.

    >>> doc_paragraphs("Dân vận <b>khéo</b>\\n\\nđoạn hai", "khéo")
    ['Dân vận &lt;b&gt;<mark>khéo</mark>&lt;/b&gt;', 'đoạn hai']
    """
    forms = matched_forms(text or "", query_terms(q))  # decided over the whole text, as for its snippet
    out = []
    for para in _PARAGRAPHS.split(text or ""):
        para = para.strip()
        if para:
            out.append(mark(para, spans(para, forms)))
    return out
