"""Import files into the store: portal text dumps, saved HTML pages, JSONL, document files.

Document files (.pdf .docx .doc .odt .rtf: a researcher's own collection of
directives) go through the same reader as crawled attachments, without a parent.

Each file (or JSONL line) becomes one Document; a bad one is reported and
skipped, the rest of the batch goes on.  Ids come from the file path (or the
JSONL ``id``/``url``), so importing the same file again updates in place.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.attachments import SUFFIXES as FILE_SUFFIXES
from corpus.attachments import AttachmentOptions, attachment_document
from corpus.document import FIELDS, YEAR_SOURCES, Document, make_id
from corpus.store import Store

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm", ".aspx"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | set(FILE_SUFFIXES)
MAX_FILE_BYTES = 50 * 1024 * 1024
# A saved page bigger than the crawler's page cap is not an article page; cleaning
# one costs minutes and yields a "document" nobody can read or index quickly.
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000  # ~200k words: far beyond any real report or news article


class ImportProblem(ValueError):
    """One input that could not become a Document."""


@dataclass
class ImportReport:
    """Outcome counts and the problems met."""

    outcomes: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.outcomes["added"] + self.outcomes["updated"] + self.outcomes["unchanged"]


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to import: given files, and importable files under given directories."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path


def import_paths(store: Store, paths: Iterable[str | Path], *, files: AttachmentOptions | None = None) -> ImportReport:
    """Import every file under ``paths`` into ``store``; ``files``: how document files are read (OCR, cache)."""
    report = ImportReport()
    files = files or AttachmentOptions(max_bytes=MAX_FILE_BYTES)
    for path in expand(paths):
        for where, item in _documents(path, files):
            if isinstance(item, Exception):
                log.warning("skipped %s: %s", where, item)
                report.problems.append((where, str(item)))
            else:
                report.outcomes[store.upsert(item)] += 1
    return report


def _documents(path: Path, files: AttachmentOptions) -> Iterator[tuple[str, Document | Exception]]:
    """(where, Document or the problem) for each item in one file."""
    where = str(path)
    try:
        if not path.exists():
            raise ImportProblem("no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportProblem(f"larger than {MAX_FILE_BYTES // 2**20} MB")
        suffix = path.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_documents(path)
            return
        data = path.read_bytes()
        if not data.strip():
            raise ImportProblem("empty file")
        if suffix in FILE_SUFFIXES:
            doc = attachment_document(data, doc_id=make_id("file:" + str(path.resolve())), url=str(path), options=files)
            if isinstance(doc, str):
                raise ImportProblem(doc)
            yield where, doc
        elif suffix in HTML_SUFFIXES:
            if len(data) > MAX_HTML_BYTES:
                raise ImportProblem(f"HTML page larger than {MAX_HTML_BYTES // 2**20} MB (the crawler's page limit)")
            yield where, _html_document(path, data)
        elif suffix in TEXT_SUFFIXES:
            yield where, _text_document(path, data)
        else:
            raise ImportProblem(f"unknown file type {suffix or '(none)'}: use .txt, .html, .jsonl, "
                                f"or a document file ({', '.join(FILE_SUFFIXES)})")
    except (ImportProblem, OSError) as exc:
        yield where, exc


def _check_binary(data: bytes) -> None:
    # UTF-16 text is full of NULs, but starts with a byte-order mark.
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem("not text (binary data)")


def _check_length(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise ImportProblem(f"article text longer than {MAX_TEXT_CHARS:,} characters: split the file")


def _decode(data: bytes) -> str:
    _check_binary(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise ImportProblem("not text (binary or unknown encoding)") from None
        return str(best)


def _text_document(path: Path, data: bytes) -> Document:
    from corpus.textdump import parse_text_dump

    raw = _decode(data)
    _check_length(raw)
    fields = parse_text_dump(raw)
    if not (fields.get("text") or "").strip():
        raise ImportProblem("no article text found")
    return _document(fields, make_id("file:" + str(path.resolve())))


def _html_document(path: Path, data: bytes) -> Document:
    from corpus.htmlclean import parse_html

    _check_binary(data)
    fields = parse_html(data)
    if fields is None:
        raise ImportProblem("a listing or home page, not an article")
    if not (fields.get("text") or "").strip():
        raise ImportProblem("no article text found")
    return _document(fields, make_id("file:" + str(path.resolve())))


def _jsonl_documents(path: Path) -> Iterator[tuple[str, Document | Exception]]:
    with path.open("rb") as lines:
        first = True
        for number, line in enumerate(lines, 1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if first and isinstance(obj, dict) and "text" not in obj:
                    # e.g. a gold or config file lying beside the documents
                    raise ImportProblem("not a document file: its first record has no 'text'")
                first = False
                if not isinstance(obj, dict):
                    raise ImportProblem("a JSONL line must be an object")
                yield where, from_record(obj, default_id=f"file:{path.resolve()}:{number}")
            except ImportProblem as exc:
                if first:
                    yield str(path), exc
                    return
                yield where, exc
            except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
                first = False
                yield where, ImportProblem(f"bad JSONL line: {exc}")


def from_record(obj: dict[str, Any], *, default_id: str) -> Document:
    """A Document from a JSON object: given fields kept, missing ones extracted."""
    from corpus.extract import extract_metadata
    from corpus.directives import normalize_directive
    from corpus.provinces import PROVINCES, PROVINCES_2025, canonical_province, to_2025

    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ImportProblem("missing 'text'")
    _check_length(text)
    given = {k: v for k, v in obj.items() if k in FIELDS and v not in (None, "", [])}
    for name in ("directives", "directives_partial", "attachments"):
        if name in given and not isinstance(given[name], list):
            raise ImportProblem(f"'{name}' must be a list")
    found = extract_metadata(text, title=given.get("title"), url=given.get("url"))
    fields = {**found, **given}
    # Absent means "find it"; an explicit null means "unknown" and is kept.
    for name in ("published", "year", "province", "province_2025"):
        if name in obj and obj[name] in (None, ""):
            fields[name] = None
    # Given values are checked: a misspelt province would become a facet value
    # nobody can filter on, and a bad date a document no date range finds.
    for name, allowed in (("province", PROVINCES + PROVINCES_2025), ("province_2025", PROVINCES_2025)):
        if name in given:
            value = canonical_province(given[name]) if isinstance(given[name], str) else None
            if value not in allowed:
                raise ImportProblem(f"unknown {name} {str(given[name])[:80]!r}: use a province name "
                                    f"such as 'Hà Giang' (or null when unknown)")
            fields[name] = value
    if "directives" in given:
        numbers = [normalize_directive(str(d)) for d in given["directives"]]
        if None in numbers:
            bad = given["directives"][numbers.index(None)]
            raise ImportProblem(f"{str(bad)[:60]!r} in 'directives' is not a document number such as 25-NQ/TW")
        fields["directives"] = list(dict.fromkeys(numbers))
    if "published" in given:
        try:
            fields["published"] = dt.date.fromisoformat(str(given["published"])[:10]).isoformat()
        except ValueError:
            raise ImportProblem(f"published must be a date like 2024-06-30, not {str(given['published'])[:40]!r}") from None
    if fields.get("province") and "province_2025" not in obj:
        fields["province_2025"] = to_2025(fields["province"])
    # A known date decides the year (Document enforces it); a record's own year counts only without one.
    if not fields.get("published") and "year" in given:
        fields["year_source"] = given.get("year_source", "given")
    if fields.get("year_source") not in (None, *YEAR_SOURCES):
        raise ImportProblem(f"year_source must be one of {', '.join(YEAR_SOURCES)}, "
                            f"not {str(fields['year_source'])[:40]!r}")
    doc_id = str(given.get("id") or (make_id(given["url"]) if given.get("url") else make_id(default_id)))
    fields["id"] = doc_id
    return _document(fields, doc_id)


def _document(fields: dict[str, Any], doc_id: str) -> Document:
    fields = {k: v for k, v in fields.items() if k in FIELDS}
    fields["id"] = doc_id
    fields.pop("content_hash", None)
    _check_length(fields.get("text") or "")
    if fields.get("year") is not None:
        try:
            fields["year"] = int(fields["year"])
        except (TypeError, ValueError):
            raise ImportProblem(f"year must be a number, not {fields['year']!r}") from None
    return Document(**fields)
