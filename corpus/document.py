"""The Document: one cleaned article with its metadata (see DESIGN.md)."""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from corpus.vietnamese import nfc

LIST_FIELDS = ("directives", "directives_partial", "attachments")
YEAR_SOURCES = ("published", "text", "given")


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

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with every field (JSON-ready)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        """Build from a dict, ignoring keys that are not Document fields."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def stamp(self) -> str:
        """Hash of every indexed field: changes whenever the index must update."""
        payload = repr(sorted((k, v) for k, v in self.to_dict().items() if k != "fetched_at"))
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


FIELDS = tuple(f.name for f in dataclasses.fields(Document))


def content_hash(text: str) -> str:
    """Hash of the clean text, whitespace-insensitive, for exact-duplicate checks."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def make_id(key: str) -> str:
    """Stable document id from a canonical URL or a source path."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
