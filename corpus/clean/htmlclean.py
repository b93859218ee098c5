"""The main text of a parsed portal page, or the verdict that the page is a listing.

Find the article body with the per-family selectors of
``corpus/clean/htmlrules.py``, else with a generic text-density /
link-density scorer; recognise listing and home pages (many similar article
teasers, little running text); take the lead paragraphs rendered before the
body; then prune and serialise them (``corpus/clean/bodytext.py``).  The
facts of the page (headline, date, byline, files) are read by
``corpus/extract/``; ``corpus/store/pipeline.py`` runs the steps in order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from corpus.clean import htmlrules
from corpus.clean.bodytext import BLOCK_TAGS, body_text
from corpus.clean.tree import ancestors, in_boilerplate, is_boilerplate, is_colophon, link_density, link_len, \
    norm_text, text_len, tokens

PARAGRAPH_TAGS = frozenset("p pre blockquote h1 h2 h3 h4 h5 h6 li dd dt figcaption caption".split())
CONTAINER_TAGS = frozenset("div section article main td tbody table form font center span blockquote".split())

MIN_ARTICLE_CHARS = 200  # less running text than this is not a document
MIN_PARAGRAPH_CHARS = 25


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
        if in_boilerplate(node) or is_colophon(node):
            del scores[node]
            continue
        if tokens(node) & htmlrules.CONTENT_TOKENS:
            scores[node] += 15
        if is_boilerplate(node):
            scores[node] -= 40
        scores[node] *= 1 - link_density(node)
    return scores


def find_content(root, *, article_hint: bool = False) -> Content:
    """Locate the article body in a junk-free tree, or decide the page is a listing."""
    body = root.find("body")
    body_classes = set((body.get("class") or "").lower().split()) if body is not None else set()

    candidates = []
    for rank, family, el in _selector_candidates(root):
        if in_boilerplate(el):
            continue
        plain = text_len(el) - link_len(el)
        if plain >= 80:
            candidates.append((rank, family, el, plain))
    if candidates:
        top_rank = min(c[0] for c in candidates)
        same = [c for c in candidates if c[0] == top_rank]
        same.sort(key=lambda c: -c[3])
        # Several similar bodies from one rule: teasers of a listing.
        disjoint = [c for c in same if not any(o[2] in ancestors(c[2]) or c[2] in ancestors(o[2]) for o in same if o is not c)]
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
                if tokens(sib) & set(htmlrules.LEAD_TOKENS) and text_len(sib) >= MIN_PARAGRAPH_CHARS and link_density(sib) < 0.3:
                    leads.insert(0, sib)
                    seen.add(sib)
            sib = sib.getprevious()
        if leads:
            break
        el = parent
    return leads


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
    text = "\n\n".join(filter(None, map(body_text, [*content.leads, content.node])))
    if len(text) < MIN_ARTICLE_CHARS // 2:
        content.listing, content.reason = True, "too little text after cleaning"
        return None, content
    return text, content
