"""Bytes of an imported file as text, saying what had to be guessed or replaced.

UTF-8 is taken as is.  UTF-8 with a few broken bytes keeps all its good text,
each broken sequence shown as U+FFFD and reported.  Anything else goes through
the crawler's detector (:func:`corpus.clean.htmlclean.decode_html`: the candidate
that reads most like Vietnamese wins), so a Windows-1258 file is read as
Windows-1258, never stored garbled.

>>> decode("Dân vận".encode())
('Dân vận', None)
>>> decode("Dân vận khéo".encode()[:-1] + b"\\xff")
('Dân vận khé\\ufffd', '1 invalid UTF-8 sequence (the first at byte 15), shown as U+FFFD')
>>> decode("Dân khéo".encode("cp1258"))
('Dân khéo', 'not UTF-8: read as cp1258')
"""
from __future__ import annotations

from corpus.knowledge.vietnamese import nfc

_REPLACEMENT = "\ufffd"
# Legacy code pages a Vietnamese file may be in, to name the one the detector chose.
_LEGACY = ("cp1258", "cp1252")


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
    from corpus.clean.htmlclean import decode_html

    text = decode_html(data)
    for codec in _LEGACY:
        try:
            if nfc(data.decode(codec)) == text:
                return text, f"not UTF-8: read as {codec}"
        except UnicodeDecodeError:
            continue
    return text, "not UTF-8: read in the encoding detected"
