"""Import files into the store: portal text dumps, saved HTML pages, JSONL, document files.

Document files (.pdf .docx .doc .odt .rtf: a researcher's own collection of
directives) go through the same reader as crawled attachments, without a parent.

Each file (or JSONL line) becomes one Document; a bad one is reported and
skipped, the rest of the batch goes on.  Ids come from the file path (or the
JSONL ``id``/``url``), so importing the same file again updates in place.
"""
from __future__ import annotations

import datetime as dt
import functools
import gzip
import lzma
import math
import re
import stat
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from corpus.clean.decoding import decode
from corpus.extract.attachments import SUFFIXES as FILE_SUFFIXES
from corpus.extract.attachments import AttachmentOptions
from corpus.extract.genre import GIVEN, is_genre, is_period, is_source
from corpus.extract.textmeta import extract_metadata
from corpus.knowledge.directives import normalize_directive
from corpus.knowledge.genre_rules import GENRES
from corpus.knowledge.provinces import PROVINCES, PROVINCES_2025, canonical_province, to_2025
from corpus.store import jsonlines
from corpus.store.db import Row, Store, to_row
from corpus.store.document import FIELDS, YEAR_SOURCES, Document, FieldError, check_fields, make_id
from corpus.store.pipeline import Origin, attachment_document, page_document
from corpus.store.workers import ordered_map

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm", ".aspx"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | set(FILE_SUFFIXES)
# JSONL is read line by line, so it may be compressed and of any size; the
# caps below bound one text file or page, and jsonlines.MAX_LINE_BYTES one record.
COMPRESSED = {".gz": (b"\x1f\x8b", gzip.open), ".xz": (b"\xfd7zXZ\x00", lzma.open)}
MAX_FILE_BYTES = 50 * 1024 * 1024
# A saved page bigger than the crawler's page cap is not an article page; cleaning
# one costs minutes and yields a "document" nobody can read or index quickly.
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000  # ~200k words: far beyond any real report or news article
RECORDS_PER_CHUNK = 64  # JSONL records handed to a worker at once (a file: FILES_PER_CHUNK)
FILES_PER_CHUNK = 4
ROWS_PER_COMMIT = 512  # rows written per transaction: a killed import loses at most these, and resumes
CHARS_PER_COMMIT = 16 * 2**20  # or fewer rows, when they are long: memory stays bounded
MAX_KEPT = 1000  # problems and notes kept for the report; all are counted
# Fields extract_metadata finds: a record that gives them all is not re-read.
EXTRACTED = ("published", "year", "province", "province_2025", "directives", "directives_partial")


# A record's date: an ISO date, or the date and time of an ISO timestamp ("2024-06-30T10:00:00+07:00").
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}[0-9:.,+\-Z ]*)?")
# A date naming no day ("2024", "2024-06"): its year is kept, the date left unknown.
_NO_DAY = re.compile(r"((?:19|20)\d{2})(?:-(?:0[1-9]|1[0-2]))?")
SHOWN_UNKNOWN = 5  # unknown field names a note lists


# Records cite the same few thousand numbers again and again: each spelling is read once per worker
# (one up to this long: a junk string may be megabytes, and 8,192 of them would be kept).
_canonical_number = functools.lru_cache(maxsize=8192)(normalize_directive)
CACHED_NUMBER_CHARS = 200


class ImportProblem(ValueError):
    """One input that could not become a Document."""


@dataclass
class ImportReport:
    """Outcome counts, and the first problems (skipped inputs) and notes (repaired inputs) met."""

    outcomes: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.outcomes["added"] + self.outcomes["updated"] + self.outcomes["unchanged"]

    @property
    def skipped(self) -> int:
        return self.outcomes["skipped"]

    def add(self, kind: str, where: str, message: str) -> None:
        """Count a problem ('skipped') or a note ('noted': repaired or cut), keeping the first MAX_KEPT of each."""
        self.outcomes[kind] += 1
        kept = self.problems if kind == "skipped" else self.notes
        if len(kept) < MAX_KEPT:
            kept.append((where, message))


def kind(path: Path) -> str:
    """The importable suffix of a file name ('.jsonl' for docs.jsonl.gz), lower case."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if len(suffixes) == 2 and suffixes[1] in COMPRESSED and suffixes[0] in JSONL_SUFFIXES:
        return suffixes[0]
    return suffixes[-1] if suffixes else ""


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to import: given files, and importable files under given directories."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and kind(p) in SUFFIXES)
        else:
            yield path


def import_paths(store: Store, paths: Iterable[str | Path], *, files: AttachmentOptions | None = None,
                 workers: int = 1) -> ImportReport:
    """Import every file under ``paths`` into ``store``; ``files``: how document files are read (OCR, cache).

    ``workers`` processes clean and extract (the costly part: a JSONL record's
    province, dates and citations, a page's main text, a scan's OCR); this
    process reads the files and writes the store, in input order.
    """
    report = ImportReport()
    files = files or AttachmentOptions(max_bytes=MAX_FILE_BYTES)
    rows: list[Row] = []
    held = 0  # characters in rows
    with store.bulk_load():
        for results in ordered_map(functools.partial(_convert, files=files), _work(paths, files), workers):
            for where, item, note in results:
                if note:
                    report.add("noted", where, note)
                if isinstance(item, Exception):
                    report.add("skipped", where, str(item))
                else:
                    rows.append(item)
                    held += item.chars
            if len(rows) >= ROWS_PER_COMMIT or held >= CHARS_PER_COMMIT:
                report.outcomes.update(store.upsert_many(rows))
                rows, held = [], 0
        report.outcomes.update(store.upsert_many(rows))
    return report


@dataclass(frozen=True)
class _Record:
    """A JSONL line read but not yet parsed nor made a Document (that happens in a worker).

    Its bytes cross to the worker as they are: a parsed record's strings would be pickled there and back.
    """

    number: int
    data: bytes
    default_id: str


def _work(paths: Iterable[str | Path], files: AttachmentOptions) -> Iterator[list[tuple[str, Any, str | None]]]:
    """Chunks of work in input order: JSONL records (read here, line by line) and whole files (read by a worker)."""
    chunk: list[tuple[str, Any, str | None]] = []
    for path in expand(paths):
        if kind(path) in JSONL_SUFFIXES:
            for item in _documents(path, files):
                chunk.append(item)
                if len(chunk) >= RECORDS_PER_CHUNK:
                    yield chunk
                    chunk = []
        else:
            chunk.append((str(path), path, None))
            if len(chunk) >= FILES_PER_CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _convert(chunk: list[tuple[str, Any, str | None]], files: AttachmentOptions
             ) -> list[tuple[str, Row | Exception, str | None]]:
    """A chunk of work done: (where, the Document's row or the problem, a note) per item, files expanded."""
    out: list[tuple[str, Document | Exception, str | None]] = []
    for where, item, note in chunk:
        if isinstance(item, Path):
            out.extend(_documents(item, files))
        elif isinstance(item, _Record):
            out.append(_record_document(where, item))
        else:
            out.append((where, item, note))
    # Rows, not Documents: the writing process then only writes (stamp and JSON are made here, in a worker).
    return [(where, to_row(item) if isinstance(item, Document) else item, note) for where, item, note in out]


def _documents(path: Path, files: AttachmentOptions) -> Iterator[tuple[str, Document | _Record | Exception, str | None]]:
    """(where, Document or the problem, a note of what was repaired or cut) for each item in one file.

    A JSONL file gives its records as read (``_Record``); ``_convert`` makes them Documents.
    """
    where = str(path)
    try:
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ImportProblem("no such file") from None
        if not stat.S_ISREG(info.st_mode):
            # A FIFO would hang the import, /dev/zero fill the memory.
            raise ImportProblem("not a regular file (a pipe, device or socket): save it to a file first")
        suffix = kind(path)
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_documents(path)
            return
        if info.st_size > MAX_FILE_BYTES:
            raise ImportProblem(f"larger than {MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
        if not data.strip():
            raise ImportProblem("empty file")
        if suffix in FILE_SUFFIXES:
            doc = attachment_document(data, doc_id=make_id("file:" + str(path.resolve())), url=str(path), options=files)
            if isinstance(doc, str):
                raise ImportProblem(doc)
            yield where, doc, None
        elif suffix in HTML_SUFFIXES:
            if len(data) > MAX_HTML_BYTES:
                raise ImportProblem(f"HTML page larger than {MAX_HTML_BYTES // 2**20} MB (the crawler's page limit)")
            yield where, *_html_document(path, data)
        elif suffix in TEXT_SUFFIXES:
            yield where, *_text_document(path, data)
        else:
            raise ImportProblem(f"unknown file type {suffix or '(none)'}: use .txt, .html or .jsonl "
                                f"(.jsonl.gz, .jsonl.xz), or a document file ({', '.join(FILE_SUFFIXES)})")
    except (ImportProblem, OSError) as exc:
        yield where, exc, None


def _check_binary(data: bytes) -> None:
    # UTF-16 text is full of NULs, but starts with a byte-order mark.
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem("not text (binary data)")


def _check_length(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise ImportProblem(f"article text longer than {MAX_TEXT_CHARS:,} characters: split the file")


def _text_document(path: Path, data: bytes) -> tuple[Document, str | None]:
    _check_binary(data)
    raw, decoding = decode(data)
    _check_length(raw)
    doc = page_document(raw, Origin(), doc_id=make_id("file:" + str(path.resolve())), text_dump=True)
    if doc is None or not doc.text.strip():
        raise ImportProblem("no article text found")
    _check_length(doc.text)
    return doc, decoding


def _html_document(path: Path, data: bytes) -> tuple[Document, str | None]:
    _check_binary(data)
    doc = page_document(data, Origin(), doc_id=make_id("file:" + str(path.resolve())))
    if doc is None:
        raise ImportProblem("a listing or home page, not an article")
    if not doc.text.strip():
        raise ImportProblem("no article text found")
    _check_length(doc.text)
    return doc, None


def _open_jsonl(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it starts as gzip or xz data (whatever its name)."""
    with path.open("rb") as f:
        magic = f.read(8)
    for prefix, opener in COMPRESSED.values():
        if magic.startswith(prefix):
            return opener(path, "rb")
    return path.open("rb")


def _jsonl_documents(path: Path) -> Iterator[tuple[str, _Record | Exception, str | None]]:
    number = seen = 0
    default_id = f"file:{path.resolve()}"
    with _open_jsonl(path) as stream:
        try:
            for line in jsonlines.unparsed(stream):
                seen += 1
                if isinstance(line, jsonlines.Line):  # a line too long to read
                    number = line.number
                    yield f"{path}:{number}", ImportProblem(f"bad JSONL line: {line.problem}"), line.note
                    continue
                number, data = line
                if seen == 1:
                    first = jsonlines.parse(number, data).value
                    if isinstance(first, dict) and "text" not in first:
                        # e.g. a gold or config file lying beside the documents
                        yield str(path), ImportProblem("not a document file: its first record has no 'text'"), None
                        return
                yield f"{path}:{number}", _Record(number, data, f"{default_id}:{number}"), None
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:  # a truncated or corrupt .gz/.xz
            yield f"{path}:{number + 1}", ImportProblem(f"cannot read on after line {number}: {exc}"), None
            return
    if not seen:
        yield str(path), ImportProblem("empty file"), None


def _record_document(where: str, record: _Record) -> tuple[str, Document | Exception, str | None]:
    """(where, the Document of a JSONL line or the problem, a note), in a worker."""
    line = jsonlines.parse(record.number, record.data)
    if line.problem:
        return where, ImportProblem(f"bad JSONL line: {line.problem}"), line.note
    if not isinstance(line.value, dict):
        return where, ImportProblem("a JSONL line must be an object"), line.note
    try:
        doc, cut = from_record(line.value, default_id=record.default_id)
    except ImportProblem as exc:
        return where, exc, line.note
    return where, doc, _joined(line.note, cut)


def from_record(obj: dict[str, Any], *, default_id: str) -> tuple[Document, str | None]:
    """A Document from a JSON object, and a note of what was cut to fit.

    A field given is kept, an explicit null or empty value as "unknown"; an
    absent one is extracted from the text.  So a record exported by danvan
    comes back exactly as it was.  A field danvan does not know is dropped, and
    the note says so.
    """
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise ImportProblem(f"text must be a string, not {str(text)[:40]!r}")
    if not isinstance(text, str) or not text.strip():
        raise ImportProblem("missing 'text'")
    _check_length(text)
    # Blank is empty (an id stays as given: a blank one is refused, not replaced).
    given = {k: (None if v == "" or (k != "id" and isinstance(v, str) and not v.strip()) else v)
             for k, v in obj.items() if k in FIELDS}
    notes = [_unknown_fields(obj)]
    year = _year_of(given.get("published"))
    if year is not None:  # the year a record's date gives decides, as a whole date's does
        notes.append(f"published {given['published']!r} names no day: year {year} kept, the date unknown")
        if given.get("year") is not None and _whole_year(given["year"]) != year:
            notes.append(f"year {given['year']} replaced by {year}")
        given["published"], given["year"] = None, year
    for name in ("directives", "directives_partial", "attachments"):
        if given.get(name) is None and name in given:
            given[name] = []
        if name in given and not isinstance(given[name], list):
            raise ImportProblem(f"'{name}' must be a list")
    wanted = _wanted(given)
    fields: dict[str, Any] = {}
    if wanted:
        title, url = given.get("title"), given.get("url")
        fields = extract_metadata(text, title=title if isinstance(title, str) else None,
                                  url=url if isinstance(url, str) else None,
                                  published=_given_date(given.get("published")), wanted=wanted)
        if "published" in fields:
            fields["published"] = fields["published"].isoformat() if fields["published"] else None
    fields.update(given)
    _check_given(given, fields)
    if fields.get("published") and given.get("year") is not None \
            and _whole_year(given["year"]) != int(fields["published"][:4]):
        notes.append(f"year {given['year']} replaced by the year of the date published, {fields['published']}")
    doc_id = given.get("id")
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, (str, int))):
        raise ImportProblem("id must be a string")
    url = given.get("url")
    doc_id = str(doc_id) if doc_id is not None else make_id(url if isinstance(url, str) else default_id)
    doc, cut = _document(fields, doc_id)
    return doc, _joined(*notes, cut)


def _unknown_fields(obj: dict[str, Any]) -> str | None:
    """The note for the keys of a record that are no Document field (dropped), or None."""
    unknown = [key for key in obj if key not in FIELDS]
    if not unknown:
        return None
    names = ", ".join(repr(key[:40]) for key in unknown[:SHOWN_UNKNOWN])
    more = f" and {len(unknown) - SHOWN_UNKNOWN} more" if len(unknown) > SHOWN_UNKNOWN else ""
    return f"unknown field{'s' if len(unknown) > 1 else ''} {names}{more} dropped"


def _given_date(value: Any) -> dt.date | None:
    """A record's own publication date, or None when it gives none (a bad one is refused by _check_given)."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).date()  # a timestamp's time is checked too (no 25:99)
    except ValueError:
        return None


def _year_of(value: Any) -> int | None:
    """The year of a record's date that names no day ("2024", "2024-06"), else None."""
    found = _NO_DAY.fullmatch(value.strip()) if isinstance(value, str) else None
    return int(found.group(1)) if found else None


def _whole_year(value: Any) -> int | Any:
    """A record's year as an int (2024 from 2024, 2024.0 or "2024"); ImportProblem for 2024.7, "abc" or nan."""
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ImportProblem(f"year must be a whole number such as 2024, not {value!r}")
        return int(value)
    if isinstance(value, str):
        if not value.strip().isdigit() or not value.strip().isascii():
            raise ImportProblem(f"year must be a whole number such as 2024, not {value[:40]!r}")
        return int(value.strip())
    return value  # an int, or a bool, list or object that check_fields refuses with its kind


def _wanted(given: dict[str, Any]) -> set[str]:
    """The facts to find in a record's text: those it lacks that its own values do not decide."""
    wanted = {name for name in EXTRACTED if name not in given}
    if "year" in wanted:
        wanted.add("year_source")
    if given.get("published") is not None:  # a date decides the year (or the record is refused)
        wanted -= {"year", "year_source"}
    if given.get("province") is not None:  # the province decides province_2025 (or the record is refused)
        wanted.discard("province_2025")
    return wanted


def _check_given(given: dict[str, Any], fields: dict[str, Any]) -> None:
    """Check a record's own values, canonical forms into ``fields``; ImportProblem names the first bad one."""
    # Given values are checked: a misspelt province would become a facet value
    # nobody can filter on, and a bad date a document no date range finds.
    for name, allowed in (("province", PROVINCES + PROVINCES_2025), ("province_2025", PROVINCES_2025)):
        if given.get(name) is not None:
            value = canonical_province(given[name]) if isinstance(given[name], str) else None
            if value not in allowed:
                raise ImportProblem(f"unknown {name} {str(given[name])[:80]!r}: use a province name "
                                    f"such as 'Hà Giang' (or null when unknown)")
            fields[name] = value
    if given.get("directives"):
        numbers = [(_canonical_number if len(d) <= CACHED_NUMBER_CHARS else normalize_directive)(d)
                   if isinstance(d, str) else None for d in given["directives"]]
        if None in numbers:
            bad = given["directives"][numbers.index(None)]
            raise ImportProblem(f"{str(bad)[:60]!r} in 'directives' is not a document number such as 25-NQ/TW")
        fields["directives"] = list(dict.fromkeys(numbers))
    if given.get("published") is not None:
        published = _given_date(given["published"])
        if published is None:
            raise ImportProblem(f"published must be a date like 2024-06-30, not {str(given['published'])[:40]!r}")
        fields["published"] = published.isoformat()
    if fields.get("province") and "province_2025" not in given:
        fields["province_2025"] = to_2025(fields["province"])
    # A known date decides the year (Document enforces it); a record's own year counts only without
    # one, and is marked "given" unless the record says where it came from (null: unknown, as exported).
    if not fields.get("published") and given.get("year") is not None and "year_source" not in given:
        fields["year_source"] = "given"
    if given.get("genre") is not None and not (isinstance(given["genre"], str) and is_genre(given["genre"])):
        raise ImportProblem(f"genre must be one of {', '.join(GENRES)}, not {str(given['genre'])[:40]!r}")
    if given.get("period") is not None and not (isinstance(given["period"], str) and is_period(given["period"])):
        raise ImportProblem(f"period must be like 2022, 2022-H1, 2022-Q3, 2022-9M or 2016-2020, "
                            f"not {str(given['period'])[:40]!r}")
    for name in ("genre", "period"):  # a record's own genre or period is never recomputed, unless it says so
        source = f"{name}_source"
        if given.get(name) is not None and source not in given:
            fields[source] = GIVEN
        if fields.get(source) is not None and not (isinstance(fields[source], str) and is_source(fields[source])):
            raise ImportProblem(f"{source} must be 'given' or 'rules:VERSION', not {str(fields[source])[:40]!r}")
    if fields.get("year_source") not in (None, *YEAR_SOURCES):
        raise ImportProblem(f"year_source must be one of {', '.join(YEAR_SOURCES)}, "
                            f"not {str(fields['year_source'])[:40]!r}")


def _document(fields: dict[str, Any], doc_id: str) -> tuple[Document, str | None]:
    fields = {k: v for k, v in fields.items() if k in FIELDS}
    fields["id"] = doc_id
    fields.pop("content_hash", None)
    _check_length(fields.get("text") or "")
    if fields.get("year") is not None:
        fields["year"] = _whole_year(fields["year"])
    try:
        cuts = check_fields(fields)
    except FieldError as exc:
        raise ImportProblem(str(exc)) from None
    return Document(**fields), _joined(*cuts)


def _joined(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None
