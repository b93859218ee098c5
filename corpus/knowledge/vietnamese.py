"""Vietnamese text normalisation shared by the corpus and the indexer.

Three operations, all length-preserving on NFC input so character offsets
computed on normalised text are valid on the stored text:

>>> normalize("Hoà giải THUỶ lợi")
'Hòa giải THỦY lợi'
>>> fold("Đảng Dân vận khéo")
'Dang Dan van kheo'
>>> normalize("quý") == "quý"   # 'qu' is a consonant: no tone moved
True
"""
from __future__ import annotations

import re
import unicodedata

# Tone marks as combining characters (NFD), in the order Vietnamese uses them.
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng

# Old style puts the tone on the last vowel of open syllables "oa", "oe", "uy"
# ("hoà", "thuỷ"); the form used on most portals puts it on the first ("hòa",
# "thủy"). We map old to new at index and query time.  Built from data so
# that every tone and both cases are covered.
_OLD_TO_NEW: dict[str, str] = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _tone in _TONES:
        for _f, _s in ((_first, _second), (_first.upper(), _second.upper()), (_first.upper(), _second)):
            old = _f + unicodedata.normalize("NFC", _s + _tone)
            new = unicodedata.normalize("NFC", _f + _tone) + _s
            _OLD_TO_NEW[old] = new

# Only open syllables: the pair is not followed by another letter, and "u"
# is not part of the consonant "qu".  Written as two character classes (not
# an alternation of the 45 pairs), the "q" look-behind after the first one,
# so that scanning a long text rejects most positions at once (7x faster);
# pairs the classes allow but the table lacks are left as they are.
_OLD_TONE_RE = re.compile(
    "([" + "".join(sorted({old[0] for old in _OLD_TO_NEW})) + "](?<![qQ].)["
    + "".join(sorted({old[1] for old in _OLD_TO_NEW})) + r"])(?!\w)"
)

_FOLD_TABLE = {ord("đ"): "d", ord("Đ"): "D"}


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC plus one tone placement ("hoà" -> "hòa"); keeps length of NFC text."""
    text = nfc(text)
    return _OLD_TONE_RE.sub(lambda m: _OLD_TO_NEW.get(m.group(1), m.group(1)), text)


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return ch.translate(_FOLD_TABLE)
    if ord(ch) < 128:
        return ch
    base = unicodedata.normalize("NFD", ch)[0]
    return base if ord(base) < 128 else ch


class _FoldMap(dict):
    """``str.translate`` table filled on first sight of each character (one C-level pass per text)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_MAP = _FoldMap()


def fold(text: str) -> str:
    """Remove Vietnamese diacritics (đ -> d) character by character.

    One NFC character always maps to one character, so offsets survive.
    """
    text = nfc(text)
    return text if text.isascii() else text.translate(_FOLD_MAP)


def has_diacritics(text: str) -> bool:
    """True when folding ``text`` changes it (it carries Vietnamese marks)."""
    return fold(text) != nfc(text)


def key(text: str) -> str:
    """Comparison key: normalised, folded, lower-cased, single-spaced."""
    return " ".join(fold(normalize(text)).lower().split())


# Vietnamese alphabetical order (f, j, w, z for loanwords), and the tones in
# dictionary order after the unmarked one: huyền, hỏi, ngã, sắc, nặng (CLDR vi).
_ALPHABET = {letter: i for i, letter in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_TONE_ORDER = {mark: i for i, mark in enumerate("\u0300\u0309\u0303\u0301\u0323", start=1)}


def collation_key(text: str) -> tuple:
    """Sort key putting Vietnamese names in alphabetical order: letters first, then tones.

    Code point order puts "Bình" before "Bắc" (ì < ắ); the alphabet has ă before i.

    >>> sorted(["Bình Dương", "Bạc Liêu", "Bắc Giang", "Bà Rịa", "Đà Nẵng", "Dak", "Cà Mau"], key=collation_key)
    ['Bà Rịa', 'Bạc Liêu', 'Bắc Giang', 'Bình Dương', 'Cà Mau', 'Dak', 'Đà Nẵng']
    """
    letters, tones = [], []
    for ch in unicodedata.normalize("NFD", normalize(text).lower()):
        if ch in _TONE_ORDER:
            if tones:
                tones[-1] = _TONE_ORDER[ch]
            continue
        if unicodedata.combining(ch) and letters:  # breve, circumflex, horn: part of the letter
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
            continue
        letters.append(ch)
        tones.append(0)
    return tuple(map(_letter_rank, letters)), tuple(tones), text


def _letter_rank(letter: str) -> tuple[int, int]:
    """Spaces, digits and punctuation first, then the Vietnamese alphabet, then other letters."""
    if letter in _ALPHABET:
        return 1, _ALPHABET[letter]
    return (2 if letter.isalpha() else 0), ord(letter[0])
