"""One JSON object per line: write safe lines, read any stream line by line.

``json.dumps(..., ensure_ascii=False)`` leaves U+0085, U+2028 and U+2029 raw;
they are valid inside JSON strings but end a line for Python's
``str.splitlines`` and for older JavaScript, which would cut a record in two.

>>> line({"q": "a\\u2028b"})
'{"q": "a\\\\u2028b"}'

Reading holds one line at a time, however big the file: a line that is too
long, not JSON, or nested too deeply is a :class:`Line` with a problem, and
the lines after it are read as usual.

>>> import io
>>> [(x.number, x.value, x.problem) for x in read(io.BytesIO(b'{"a": 1}\\n\\n[[[\\n"x"\\n'))]
[(1, {'a': 1}, None), (3, None, 'not JSON: Expecting value at character 4'), (4, 'x', None)]
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from corpus.clean.decoding import decode

_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(ensure_ascii=False) makes one per call
# One record: a 1,000,000-character article (the import cap) with every
# letter escaped as \uXXXX is 6 MB; anything far beyond that is not a record.
MAX_LINE_BYTES = 16 * 2**20
_SKIP_CHUNK = 2**20
# "\ud83c" alone is valid JSON but not Unicode (a string cut mid-emoji): no
# UTF-8 writer, SQLite or hash can take it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def line(obj: Any) -> str:
    """``obj`` as one line of JSON (no trailing newline), readable Vietnamese kept as is."""
    text = _ENCODER.encode(obj)
    # Three scans for one character each are 20 times quicker than a translate() or a regex.
    return text.translate(_LINE_BREAKS) if "\u2028" in text or "\u2029" in text or "\x85" in text else text


@dataclass(frozen=True)
class Line:
    """One non-blank line of a JSONL stream: its value, or the problem that kept it from being read."""

    number: int
    value: Any = None
    problem: str | None = None
    note: str | None = None  # what reading it took (bytes that were not UTF-8)


def read(stream: IO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Each non-blank line of ``stream`` (binary, or text with a ``buffer``) parsed, one in memory at a time."""
    for item in unparsed(stream, max_bytes):
        yield item if isinstance(item, Line) else parse(*item)


def unparsed(stream: IO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line | tuple[int, bytes]]:
    """Each non-blank line of ``stream`` as (number, its bytes) for :func:`parse` (the importer parses in its
    workers); a line longer than ``max_bytes`` is already a :class:`Line` with its problem."""
    binary = getattr(stream, "buffer", stream)  # bytes: a broken byte spoils one line, not the stream
    number = 0
    while raw := binary.readline(max_bytes + 1):
        number += 1
        if len(raw) > max_bytes:
            while raw and not raw.endswith(b"\n"):
                raw = binary.readline(_SKIP_CHUNK)
            yield Line(number, problem=f"line longer than {max_bytes:,} bytes")
            continue
        if raw.strip():
            yield number, raw


def parse(number: int, raw: bytes) -> Line:
    """Line ``number`` of a stream, its bytes (a line ending, if any, is dropped) read as JSON."""
    text, note = decode(raw.rstrip(b"\r\n"))
    try:
        value = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):
            value, mended = _mend(value)
            if mended:
                note = "; ".join(filter(None, [note, f"{mended} lone surrogate escape(s) (not Unicode) "
                                                      f"shown as U+FFFD"]))
        return Line(number, value=value, note=note)
    except RecursionError:
        return Line(number, problem="not JSON this program can read: nested too deeply", note=note)
    except json.JSONDecodeError as exc:
        return Line(number, problem=f"not JSON: {exc.msg} at character {exc.pos + 1}", note=note)
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return Line(number, problem=f"not JSON this program can read: {str(exc).split(';')[0]}", note=note)


def _mend(value: Any) -> tuple[Any, int]:
    """``value`` with every lone surrogate in its strings (keys too) as U+FFFD, and how many there were."""
    if isinstance(value, str):
        return _SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        items = [_mend(item) for item in value]
        return [item for item, _ in items], sum(n for _, n in items)
    if isinstance(value, dict):
        pairs = [(_mend(k), _mend(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, sum(a + b for (_, a), (_, b) in pairs)
    return value, 0
