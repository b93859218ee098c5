"""Bytes as text: a portal page (``decode_html``) or an imported file (``decode``), NFC.

A page: the HTTP header charset, a BOM, the <meta> charset, then detection
(the candidate that reads most like Vietnamese wins); pages typed in the
legacy TCVN3 or VNI font encodings come out in Unicode.  An imported file:
UTF-8 is taken as is; UTF-8 with a few broken bytes keeps all its good text,
each broken sequence shown as U+FFFD and reported; anything else goes
through the page detector, so a Windows-1258 file is read as Windows-1258,
never stored garbled.

>>> decode("Dân vận".encode())
('Dân vận', None)
>>> decode("Dân vận khéo".encode()[:-1] + b"\\xff")
('Dân vận khé\\ufffd', '1 invalid UTF-8 sequence (the first at byte 15), shown as U+FFFD')
>>> decode("Dân khéo".encode("cp1258"))
('Dân khéo', 'not UTF-8: read as cp1258')
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

from corpus.knowledge import legacy_encodings
from corpus.knowledge.vietnamese import nfc

_REPLACEMENT = "\ufffd"
# Legacy code pages a Vietnamese file may be in, to name the one the detector chose.
_LEGACY = ("cp1258", "cp1252")

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Letters only Vietnamese uses (Latin Extended Additional, ă đ ơ ư) versus
# characters a wrongly decoded Vietnamese page is full of.
_VIETNAMESE_CHARS = re.compile("[\u1ea0-\u1ef9ăĂđĐơƠưƯ]")
_MOJIBAKE = re.compile("[ÌÒÐðþÞ×÷¤¦¨ª«»¿\x80-\x9f]|â€|Ä‘|Æ°|Æ¡|á»|áº")
# Scripts a misread page turns into (Greek to Hangul, CJK, full-width forms):
# a short text has too few Vietnamese letters to outweigh them otherwise.
_FOREIGN = re.compile("[\u0370-\u1dff\u2e80-\uffef]")


def decode(data: bytes) -> tuple[str, str | None]:
    """(NFC text, None) for UTF-8; otherwise the best reading and a note of what it took."""
    try:
        return nfc(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    broken = text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode())
    multibyte = sum(1 for ch in text if ord(ch) > 127) - broken
    # Legacy single-byte text almost never forms a valid multi-byte UTF-8
    # sequence: valid ones outnumbering broken ones means damaged UTF-8.
    if multibyte > broken:
        plural = "s" if broken > 1 else ""
        return nfc(text), f"{broken} invalid UTF-8 sequence{plural} (the first at byte {first}), shown as U+FFFD"
    text = decode_html(data)
    for codec in _LEGACY:
        try:
            if nfc(data.decode(codec)) == text:
                return text, f"not UTF-8: read as {codec}"
        except UnicodeDecodeError:
            continue
    return text, "not UTF-8: read in the encoding detected"


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    aliases = {"utf8": "utf-8", "win-1258": "cp1258", "windows1258": "cp1258", "x-user-defined": None}
    name = aliases.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(headers: dict | None) -> str | None:
    """The charset named in a Content-Type header, if any."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-type" and value:
            match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", value, re.I)
            if match:
                return _codec(match.group(1))
    return None


def _vietnamese_score(text: str) -> float:
    sample = text[:20000]
    return (len(_VIETNAMESE_CHARS.findall(sample)) - 5 * len(_MOJIBAKE.findall(sample))
            - 5 * len(_FOREIGN.findall(sample)) - 10 * sample.count("\ufffd"))


def decode_html(data: bytes | str, headers: dict | None = None) -> str:
    """Decode a page: HTTP header charset, BOM, <meta> charset, then detection; NFC.

    Windows-1258 decodes to base letters plus combining tone marks, so the
    result is always NFC-normalised.  Pages typed in the legacy TCVN3 or VNI
    font encodings come out in Unicode (``corpus/knowledge/legacy_encodings.py``).
    """
    text = _decode(data, headers)
    return legacy_encodings.convert(text, legacy_encodings.fonts_in(text[:100_000]))[0]


def _decode(data: bytes | str, headers: dict | None) -> str:
    if isinstance(data, str):
        return nfc(data)
    declared: list[str] = []
    for name in (header_charset(headers),):
        if name:
            declared.append(name)
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return nfc(data.decode(name, errors="replace").lstrip("\ufeff"))
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = _codec(match.group(1).decode("ascii", "ignore"))
        if name:
            declared.append(name)
    is_ascii = data.isascii()
    utf8_ok = True
    try:
        utf8_text = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8_ok = False
        utf8_text = ""
    # Valid non-ASCII UTF-8 is almost never an accident; servers that say
    # iso-8859-1 by default are.
    if utf8_ok and (is_ascii or not declared or declared[0] in ("utf-8", "iso8859-1", "cp1252", "ascii", "latin-1")):
        return nfc(utf8_text)
    for name in declared:
        try:
            return nfc(data.decode(name))
        except (UnicodeDecodeError, LookupError):
            continue
    if utf8_ok:
        return nfc(utf8_text)
    return nfc(_detect(data))


def _detect(data: bytes) -> str:
    latin = data.decode("latin-1")
    legacy, found = legacy_encodings.convert(latin, legacy_encodings.fonts_in(latin[:100_000]))
    if found:  # a single-byte page in a Vietnamese font encoding, not a codepage
        return legacy
    candidates: list[str] = []
    try:
        best = charset_normalizer.from_bytes(data).best()
        if best is not None:
            candidates.append(str(best))
    except Exception:  # detection is best effort; fall back to the Vietnamese codepage below
        pass
    for name in ("cp1258", "cp1252"):
        try:
            candidates.append(data.decode(name))
        except UnicodeDecodeError:
            pass
    candidates.append(data.decode("utf-8", errors="replace"))
    return max(candidates, key=lambda text: _vietnamese_score(nfc(text)))
