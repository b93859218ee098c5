"""The Whoosh schema: one field per Document field that search needs.

Field names are Document field names; ``*_folded`` twins hold the
diacritic-free analysis.  Bump ``SCHEMA_VERSION`` whenever analysis or
fields change: an index built with another version is rebuilt.
"""
from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Mapping

import numpy as np
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions

from indexer.analysis import ANALYZER, FOLDED_ANALYZER, Background, keywords, terms, word_terms
from indexer.term_rules import MAX_STORED_TERMS, MAX_TEXT_CHARS

SCHEMA_VERSION = 7  # 4: attachments (parent_id, number); 5: the field "directive" named "directives";
                    # 6: no stored text (the store holds it), keywords; 7: danvan term tables (indexer.termfile)

# Facet fields, in display order; each is one keyword per value.
FACETS = ("province", "province_2025", "year", "directive", "genre", "period", "keyword")
# Fields an index written before them may lack and still be served (a facet of them is empty).
OPTIONAL_FIELDS = frozenset({"keyword"})
# Facets of many values (one document's own words): a value fewer documents hold is not listed (filtering on
# it still works), and equal counts go in term order, not Vietnamese alphabetical order (collating 100,000s of
# values when an index opens would cost seconds).
FACET_MIN_DOCS = {"keyword": 2}
# A facet counted from another field: cited documents are counted by record, not by bare number.
FACET_FIELDS = {"directive": "directive_record"}


class SyllablePositions(Positions):
    """Positions stored as little-endian uint32, not Whoosh's pickled deltas.

    Encoding is one C call per term and document, and the ranker reads a
    posting's positions with ``np.frombuffer`` (see :func:`positions_array`).
    The frequency is the number of positions.
    """

    if sys.byteorder == "little":
        def encode(self, poslist) -> bytes:
            return array("I", poslist).tobytes()
    else:
        def encode(self, poslist) -> bytes:
            packed = array("I", poslist)
            packed.byteswap()
            return packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return positions_array(valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


def positions_array(valuestring: bytes) -> np.ndarray:
    """The positions of one posting of a :class:`SyllableText` field."""
    return np.frombuffer(valuestring, dtype="<u4")


class SyllableText(TEXT):
    """A text field analysed into syllables and adjacent pairs, with positions.

    It indexes exactly what its analyzer would produce (``ANALYZER`` or
    ``FOLDED_ANALYZER``, which queries still use) through
    :func:`indexer.analysis.terms`, without a Token per term.
    """

    def __init__(self, folded: bool = False, stored: bool = False) -> None:
        super().__init__(analyzer=FOLDED_ANALYZER if folded else ANALYZER, stored=stored, phrase=True)
        self.folded = folded
        self.format = SyllablePositions(field_boost=self.format.field_boost)

    def index(self, value: str, **kwargs):
        positions: dict[str, list[int]] = {}
        for term, pos in zip(*self.terms(value)):
            positions.setdefault(term, []).append(pos)
        return [(term.encode("utf-8"), len(found), len(found) * self.format.field_boost, self.format.encode(found))
                for term, found in positions.items()]

    def terms(self, value: str) -> tuple[list[str], list[int]]:
        """Every term of ``value`` with its position (see :func:`indexer.analysis.terms`)."""
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        return terms(value, self.folded)


def make_schema() -> Schema:
    """A new schema instance (Whoosh pickles it into the index)."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=SyllableText(stored=True),
        text=SyllableText(),  # not stored: the store holds it (SearchService reads it from there)
        title_folded=SyllableText(folded=True),
        text_folded=SyllableText(folded=True),
        province=ID(stored=True),
        province_2025=ID(stored=True),
        year=ID(stored=True),
        directives=KEYWORD(stored=True, commas=True, scorable=True),
        directive_record=KEYWORD(stored=True, commas=True, scorable=True),  # see indexer.records
        published=ID(stored=True, sortable=True),
        url=STORED,
        source=STORED,
        author=STORED,
        directives_partial=STORED,
        near_duplicate_of=ID(stored=True),
        genre=ID(stored=True),
        period=ID(stored=True),
        # pyvi words and word pairs (indexer.analysis.word_terms): every one indexed (document
        # frequencies, exact counts), the most frequent per document in a column (significant-terms
        # candidates and keywords read them without segmenting anything at query time).
        words=KEYWORD(lowercase=False, commas=False, scorable=False),
        word_counts=COLUMN(VarBytesColumn()),
        # The document's keywords (indexer.analysis.keywords), best first, as people write them: a facet, and a
        # column (an export reads a row's keywords without unpickling its stored fields).
        keyword=KEYWORD(commas=True, lowercase=False, scorable=False, sortable=True),
        parent_id=ID(stored=True),
        number=ID(stored=True),
    )


def to_fields(doc, records: list[str] | None = None, background: Background | None = None) -> dict:
    """Whoosh field values for a :class:`corpus.store.document.Document`; ``records``: its directive record keys
    (:mod:`indexer.records`), else each cited number stands for itself; ``background``: the document
    frequencies its keywords are weighed against."""
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
        "directives": ",".join(doc.directives),
        "directive_record": ",".join(doc.directives if records is None else records),
        "published": doc.published or "",
        "url": doc.url,
        "source": doc.source,
        "author": doc.author,
        "directives_partial": list(doc.directives_partial),
        "near_duplicate_of": doc.near_duplicate_of or "",
        "genre": doc.genre or "",
        "period": doc.period or "",
        **word_fields(title, doc.text, background, background.known.get(doc.id) if background else None),
        "parent_id": doc.parent_id or "",
        "number": doc.number or "",
    }


def listed(value: str | None) -> list[str]:
    """The values of a stored comma field (``directives``, ``directive_record``), as :func:`to_fields` joined them.

    >>> listed("25-NQ/TW,16/CT-TTg"), listed(None)
    (['25-NQ/TW', '16/CT-TTg'], [])
    """
    return [v for v in (value or "").split(",") if v]


def word_fields(title: str, text: str, background: Background | None = None,
                counts: Mapping[str, int] | None = None) -> dict:
    """The ``words``, ``word_counts`` and ``keyword`` values of a document (segments it with pyvi, the slow part,
    unless its ``counts`` are known)."""
    counts = _word_terms(title, text) if counts is None else counts
    kept = sorted(sorted(counts), key=counts.__getitem__, reverse=True)[:MAX_STORED_TERMS]  # by count, then term
    return {"words": " ".join(counts), "word_counts": encode_terms(kept),
            "keyword": ",".join(keywords(counts, background or Background()))}


def word_terms_of(doc) -> Counter:
    """The pyvi word terms of a Document (:func:`indexer.analysis.word_terms` of its title and opening)."""
    return _word_terms(doc.title or "", doc.text)


def _word_terms(title: str, text: str) -> Counter:
    return word_terms(f"{title}\n{text[:MAX_TEXT_CHARS]}")


def encode_terms(terms: list[str]) -> bytes:
    """A document's most frequent terms, most frequent first, as its ``word_counts`` column value (one line;
    segments written before session 7 add the counts on a second line, which nothing reads)."""
    return " ".join(terms).encode("utf-8")


def decode_terms(value: bytes) -> list[str]:
    """The terms of a ``word_counts`` column value, most frequent first (a second line, if any, ignored)."""
    line = value.decode("utf-8").split("\n", 1)[0]
    return line.split(" ") if line else []
