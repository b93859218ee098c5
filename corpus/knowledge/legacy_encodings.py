"""Vietnamese text in pre-Unicode font encodings: TCVN3 (ABC) and VNI, detected and converted.

Older portals and office documents typed with the ".VnTime"/".VnArial" (TCVN3)
or "VNI-Times" fonts store Vietnamese letters as Latin-1 bytes the font draws
as Vietnamese: "C«ng t¸c d©n vËn" (TCVN3) and "Coâng taùc daân vaän" (VNI)
are "Công tác dân vận".  The tables are data (``data/legacy_encodings.tsv``);
this module is usable on any text (pages, PDF/DOC text) without HTML.

>>> to_unicode("C«ng t¸c d©n vËn", "tcvn3")
'Công tác dân vận'
>>> to_unicode("Coâng taùc daân vaän", "vni")
'Công tác dân vận'
>>> detect("Ban D©n vËn TØnh ñy tæ chøc héi nghÞ tæng kÕt c«ng t¸c d©n vËn n¨m 2016")
'tcvn3'
>>> detect("Ban Daân vaän Tænh uûy toå chöùc hoäi nghò", fonts=["VNI-Times"])
'vni'
>>> detect("Ban Daân vaän Tænh uûy toå chöùc hoäi nghò toång keát coâng taùc daân vaän naêm 2016")
'vni'
>>> detect("Công tác dân vận năm 2016", fonts=[".VnTime"]) is None
True
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from corpus.knowledge.vietnamese import nfc
from corpus.knowledge import DATA

ENCODINGS = ("tcvn3", "vni")
TABLE = DATA / "legacy_encodings.tsv"

# Font families that mean the text is in a legacy encoding (compared case-insensitively).
FONT_PATTERNS = {
    "vni": re.compile(r"^vni[- ]", re.I),  # VNI-Times, VNI-Helve, VNI Times
    "tcvn3": re.compile(r"^\.?vn(?!i[- ])[a-z]", re.I),  # .VnTime, .VnArial, .VnTimeH, VnTime
}
# Font names in markup: <font face="..."> and CSS font-family.
_FONT_RE = re.compile(r"""\bface\s*=\s*["']?([^"'>]+)|font-family\s*:\s*([^;">}]+)""", re.I)
# Letters only Vietnamese uses; a page already in Unicode is full of them.
_VIETNAMESE = re.compile("[\u1ea0-\u1ef9ăĂđĐơƠưƯĩĨũŨ]")
# TCVN3 puts letters on Latin-1 symbols (« ¸ © µ ® § ¶ ...) inside words.
_TCVN3_SIGN = re.compile(r"(?<=[A-Za-z])[\xa1-\xbf]|[\xa1-\xbf](?=[A-Za-z])")
# VNI writes a vowel, then a mark letter.
_VNI_SIGN = re.compile("[aeiouyAEIOUYôöÔÖ][ùøûõïâäåãáàêéèúüëÙØÛÕÏÂÄÅÃÁÀÊÉÈÚÜË]")


# Vietnamese syllables, toneless: onset, vowel cluster, coda.  Open clusters (ending in a
# glide) take no coda.  Used to tell real Vietnamese from a wrong reading of the bytes.
ONSETS = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph q qu r s t th tr v x".split()
OPEN_CLUSTERS = """ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ưa ua iêu oai oay oeo uây uôi ươi ươu yêu uyu
    uya""".split()
CLOSED_CLUSTERS = "a ă â e ê i o ô ơ u ư y iê yê oa oă oe oo uâ uê uô uơ ươ uy uyê".split()
CODAS = "c ch m n ng nh p t".split()
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_SYLLABLE = re.compile(
    "^(?:" + "|".join(sorted(ONSETS, key=len, reverse=True)) + ")?"
    "(?:(?:" + "|".join(sorted(OPEN_CLUSTERS, key=len, reverse=True)) + ")"
    "|(?:" + "|".join(sorted(CLOSED_CLUSTERS, key=len, reverse=True)) + ")"
    "(?:" + "|".join(sorted(CODAS, key=len, reverse=True)) + ")?)$"
)
_WORD = re.compile(r"[^\s\d.,;:!?()\[\]\"'<>/=&|-]+")


def _is_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(decomposed.count(m) for m in _TONE_MARKS) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return bool(_SYLLABLE.match(toneless))


def vietnamese_words(text: str) -> tuple[int, int]:
    """(valid, invalid) counts of the words with letters beyond ASCII: how Vietnamese a reading looks."""
    valid = invalid = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        if _is_syllable(word):
            valid += 1
        else:
            invalid += 1
    return valid, invalid


@lru_cache(maxsize=None)
def _tables() -> dict[str, tuple[dict[str, str], re.Pattern]]:
    rows: dict[str, dict[str, str]] = {name: {} for name in ENCODINGS}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "encoding\t")):
            continue
        name, legacy, uni = line.split("\t")
        rows[name]["".join(chr(int(h, 16)) for h in legacy.split())] = uni
    out = {}
    for name, table in rows.items():
        keys = sorted(table, key=len, reverse=True)  # a letter and its mark before the bare mark
        out[name] = (table, re.compile("|".join(map(re.escape, keys))))
    return out


def to_unicode(text: str, encoding: str) -> str:
    """``text`` read as the given legacy encoding ("tcvn3" or "vni"), converted to Unicode NFC."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown legacy encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
    table, pattern = _tables()[encoding]
    return nfc(pattern.sub(lambda m: table[m.group(0)], text))


def fonts_in(html: str) -> list[str]:
    """Font family names a page's markup asks for (<font face>, CSS font-family)."""
    out = []
    for face, family in _FONT_RE.findall(html):
        for name in (face or family).split(","):
            name = name.strip().strip("\"'").strip()
            if name and name not in out:
                out.append(name)
    return out


def font_encoding(fonts: Iterable[str]) -> str | None:
    """The legacy encoding a list of font names points to, if any."""
    for font in fonts:
        for name, pattern in FONT_PATTERNS.items():
            if pattern.match(font.strip()):
                return name
    return None


def detect(text: str, fonts: Iterable[str] = ()) -> str | None:
    """"tcvn3" or "vni" when ``text`` is Vietnamese in that legacy encoding, else None.

    Font names point to an encoding; the letters decide: converting must turn a
    text with (almost) no Vietnamese letters into one full of them, nearly all
    in well-formed syllables (a Windows-1258 page read as bytes is not TCVN3).
    """
    sample = text[:200_000]
    hinted = font_encoding(fonts)
    before = len(_VIETNAMESE.findall(sample))
    if hinted:
        order = [hinted]
    else:  # the legacy signs must outnumber the Unicode letters already there
        signs = {"tcvn3": len(_TCVN3_SIGN.findall(sample)), "vni": len(_VNI_SIGN.findall(sample))}
        order = [name for name in sorted(signs, key=signs.get, reverse=True) if signs[name] >= max(3, before)]
    valid_before, _ = vietnamese_words(sample)
    for name in order:
        converted = to_unicode(sample, name)
        after = len(_VIETNAMESE.findall(converted))
        valid, invalid = vietnamese_words(converted)
        if after >= 3 and before <= 0.1 * after and valid >= 4 * invalid and valid > 2 * valid_before:
            return name
    return None


def convert(text: str, fonts: Iterable[str] = ()) -> tuple[str, str | None]:
    """(Unicode text, the legacy encoding found) for text that may be TCVN3 or VNI; unchanged otherwise."""
    found = detect(text, fonts)
    return (to_unicode(text, found), found) if found else (text, None)
