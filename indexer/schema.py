"""The Whoosh schema: one field per Document field that search needs.

Field names are Document field names; ``*_folded`` twins hold the
diacritic-free analysis.  Bump ``SCHEMA_VERSION`` whenever analysis or
fields change: an index built with another version is rebuilt.
"""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from indexer.analysis import ANALYZER, FOLDED_ANALYZER

SCHEMA_VERSION = 1

# Facet fields, in display order; each is one keyword per value.
FACETS = ("province", "province_2025", "year", "directive")


def make_schema() -> Schema:
    """A new schema instance (Whoosh pickles it into the index)."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=ANALYZER, stored=True, phrase=True),
        text=TEXT(analyzer=ANALYZER, stored=True, phrase=True),
        title_folded=TEXT(analyzer=FOLDED_ANALYZER, phrase=True),
        text_folded=TEXT(analyzer=FOLDED_ANALYZER, phrase=True),
        province=ID(stored=True),
        province_2025=ID(stored=True),
        year=ID(stored=True),
        directive=KEYWORD(stored=True, commas=True, scorable=True),
        published=ID(stored=True, sortable=True),
        url=STORED,
        source=STORED,
        author=STORED,
        directives_partial=STORED,
        near_duplicate_of=ID(stored=True),
    )


def to_fields(doc) -> dict:
    """Whoosh field values for a :class:`corpus.document.Document`."""
    title = doc.title or ""
    return {
        "id": doc.id,
        "title": title,
        "text": doc.text,
        "title_folded": title,
        "text_folded": doc.text,
        "province": doc.province or "",
        "province_2025": doc.province_2025 or "",
        "year": str(doc.year) if doc.year else "",
        "directive": ",".join(doc.directives),
        "published": doc.published or "",
        "url": doc.url,
        "source": doc.source,
        "author": doc.author,
        "directives_partial": list(doc.directives_partial),
        "near_duplicate_of": doc.near_duplicate_of or "",
    }
