"""The Document: one cleaned article with its metadata (see DESIGN.md)."""
from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from corpus.extract.genre import classify, rules_source
from corpus.knowledge.vietnamese import nfc

LIST_FIELDS = ("directives", "directives_partial", "attachments")
YEAR_SOURCES = ("published", "text", "given")
# Longest value per field.  An id or URL cut short would name another
# document, so a longer one is refused; prose is cut at a word, and the cut reported.
MAX_CHARS = {"id": 200, "url": 4096, "near_duplicate_of": 200, "published": 10, "fetched_at": 64, "year_source": 20,
             "province": 100, "province_2025": 100, "title": 500, "author": 200, "source": 200,
             "genre": 40, "period": 20, "genre_source": 40, "period_source": 40, "parent_id": 200, "number": 200}
CUT_FIELDS = ("title", "author", "source")
MAX_ITEMS = {"directives": 500, "directives_partial": 500, "attachments": 500}  # each item at most MAX_CHARS["url"]
# /doc/ID.json is the JSON twin of /doc/ID (and .csv, .jsonl are exports): an id
# ending so would link to data, not to its own page.
RESERVED_ID_SUFFIXES = (".json", ".jsonl", ".csv")
YEARS = range(1900, 2101)  # the years a search can filter on
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What str.split() takes for whitespace beyond the six characters bytes.split() does (" \t\n\r\v\f").
_NOT_ASCII_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


class FieldError(ValueError):
    """A Document field value that cannot be kept; the message names the field."""


@dataclass
class Document:
    """A clean article plus metadata; field names are the JSON/index names too."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None  # ISO YYYY-MM-DD
    year: int | None = None
    year_source: str | None = None  # "published" (the date's year), "text" (read from the text), "given" (a record's)
    province: str | None = None
    province_2025: str | None = None
    directives: list[str] = field(default_factory=list)
    directives_partial: list[str] = field(default_factory=list)
    author: str | None = None
    attachments: list[str] = field(default_factory=list)
    parent_id: str | None = None  # an attachment: the id of the page linking it (None when imported alone)
    number: str | None = None  # an attachment: its own canonical number ("202-KH/BDVTU"), from its header
    near_duplicate_of: str | None = None
    genre: str | None = None  # see corpus/extract/genre.py; "unknown" when no rule is sure
    period: str | None = None  # the time it reports on ("2022-H1", "2016-2020"), not the publication year
    # Where the genre and the period came from: "given" with the input, or "rules:VERSION" when computed
    # (corpus.extract.genre.rules_source); None: not recorded (a row from before sources, or no period).
    genre_source: str | None = None
    period_source: str | None = None
    fetched_at: str | None = None
    content_hash: str = ""

    def __post_init__(self) -> None:
        self.text = nfc(self.text or "")
        if self.title is not None:
            self.title = nfc(self.title)
        if self.published and self.published[:4].isdigit():
            # A known publication date decides the year, whatever the text or a record says.
            self.year, self.year_source = int(self.published[:4]), "published"
        elif self.year is None:
            self.year_source = None
        if not self.content_hash:
            self.content_hash = content_hash(self.text)
        if self.genre is None:  # found once, then stored; found again by other rules (reclassify)
            self.genre, period = classify(self.title, self.text, self.attachments)
            self.genre_source = rules_source()
            if self.period is None:
                self.period, self.period_source = period, rules_source()

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with every field (JSON-ready), lists copied."""
        # What dataclasses.asdict gives for these field types, at a fifth of its cost (it deep-copies each value).
        return {name: list(value) if isinstance(value, list) else value
                for name, value in zip(FIELDS, (getattr(self, name) for name in FIELDS))}

    def reclassify(self) -> bool:
        """Compute again the genre and period that other genre rules computed (given ones stay); True if
        either changed."""
        current = rules_source()
        redo = [name for name in ("genre", "period") if (getattr(self, f"{name}_source") or "").startswith("rules:")
                and getattr(self, f"{name}_source") != current]
        if not redo:
            return False
        before = (self.genre, self.period)
        found = dict(zip(("genre", "period"), classify(self.title, self.text, self.attachments)))
        for name in redo:
            setattr(self, name, found[name])
            setattr(self, f"{name}_source", current)
        return (self.genre, self.period) != before

    def stamp(self) -> str:
        """Hash of every indexed field: changes whenever the index must update."""
        # repr(sorted((name, value) for name, value in self.to_dict().items() if name not in UNSTAMPED)), without the
        # dict, the copies and the sort: a stored stamp must never change.
        payload = repr([(name, _Shown(text_repr(self.text)) if name == "text" else getattr(self, name))
                        for name in _STAMPED])
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


class _Shown:
    """A value whose repr is already made (the text's, by :func:`text_repr`)."""

    __slots__ = ("shown",)

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown


def text_repr(text: str) -> str:
    """``repr(text)``, a third quicker for an article: printable characters, line breaks, no quote or backslash.

    Such a text's repr is itself in single quotes with its line breaks escaped; any other goes to ``repr``.
    """
    lines = text.split("\n")
    if "'" in text or "\\" in text or not all(map(str.isprintable, lines)):
        return repr(text)
    return "'" + "\\n".join(lines) + "'"


FIELDS = tuple(f.name for f in dataclasses.fields(Document))
SOURCE_FIELDS = ("genre_source", "period_source")  # where a value came from: the store keeps it, the index has no use
UNSTAMPED = ("fetched_at", *SOURCE_FIELDS)
_STAMPED = tuple(sorted(name for name in FIELDS if name not in UNSTAMPED))


def content_hash(text: str) -> str:
    """Hash of the clean text, whitespace-insensitive, for exact-duplicate checks."""
    if _NOT_ASCII_SPACE.search(text):
        joined = " ".join(text.split()).encode("utf-8")
    else:  # the same bytes, a fifth quicker: without these, str.split splits where the UTF-8 bytes.split does
        joined = b" ".join(text.encode("utf-8").split())
    return hashlib.sha1(joined).hexdigest()[:16]


def make_id(key: str) -> str:
    """Stable document id from a canonical URL or a source path."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def check_fields(fields: dict[str, Any]) -> list[str]:
    """Check the types and sizes of Document fields; cut over-long prose in place, return what was cut.

    >>> fields = {"id": "a", "text": "x", "title": "Dân vận " * 100}
    >>> check_fields(fields), len(fields["title"])
    (['title cut from 800 to 500 characters'], 496)
    >>> try:
    ...     check_fields({"id": "a.json", "text": "x"})
    ... except FieldError as exc:
    ...     print(exc)
    id 'a.json' ends in .json, an ending web addresses keep for data (/doc/ID.json): choose another id
    """
    notes = []
    for name in FIELDS:
        value = fields.get(name)
        if value is None or name in ("text", "content_hash"):
            continue
        if name == "year":
            if isinstance(value, bool) or not isinstance(value, int) or value not in YEARS:
                raise FieldError(f"year must be a year from {YEARS[0]} to {YEARS[-1]}, not {_shown(value)}")
        elif name in LIST_FIELDS:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise FieldError(f"{name} must be a list of strings, not {_shown(value)}")
            if len(value) > MAX_ITEMS[name] or any(len(item) > MAX_CHARS["url"] for item in value):
                raise FieldError(f"{name} holds more than {MAX_ITEMS[name]} items or an item longer than "
                                 f"{MAX_CHARS['url']} characters")
        elif not isinstance(value, str):
            raise FieldError(f"{name} must be a string, not {_shown(value)}")
        elif len(value) > MAX_CHARS[name]:
            if name not in CUT_FIELDS:
                raise FieldError(f"{name} longer than {MAX_CHARS[name]} characters ({len(value):,})")
            fields[name] = value[:MAX_CHARS[name] - 1].rsplit(" ", 1)[0].rstrip() + "…"
            notes.append(f"{name} cut from {len(value):,} to {MAX_CHARS[name]} characters")
        if name == "published" and not (value[:4].isdigit() and int(value[:4]) in YEARS):
            # The date's year becomes the document's year: one no search can filter on is refused too.
            raise FieldError(f"published must be a date from {YEARS[0]} to {YEARS[-1]}, not {_shown(value)}")
    doc_id = fields.get("id")
    if isinstance(doc_id, str):
        if not doc_id.strip() or doc_id in (".", "..") or _CONTROL.search(doc_id):
            raise FieldError(f"id {_shown(doc_id)} cannot be part of a link: use letters, digits and punctuation")
        if doc_id.endswith(RESERVED_ID_SUFFIXES):
            raise FieldError(f"id {_shown(doc_id)} ends in {doc_id[doc_id.rindex('.'):]}, an ending web addresses "
                             f"keep for data (/doc/ID.json): choose another id")
    return notes


def _shown(value: Any) -> str:
    """A value in a message: its kind for containers, a short repr otherwise."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return "a list holding objects or lists"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
