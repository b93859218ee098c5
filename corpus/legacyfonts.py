"""Legacy Vietnamese font encodings (TCVN3/ABC, VNI) as data, and their conversion to Unicode.

Before Unicode, Vietnamese documents were typed in 8-bit fonts (".VnTime" =
TCVN3, "VNI-Times" = VNI); read as Latin-1 their text is mojibake.  A text is
converted only when the fonts say so or its characters clearly do.

>>> to_unicode("TØnh ñy Sãc Tr¨ng", "tcvn3")
'Tỉnh ủy Sóc Trăng'
>>> to_unicode("Tænh uûy Soùc Traêng", "vni")
'Tỉnh ủy Sóc Trăng'
>>> detect("KÕ ho¹ch triÓn khai c¸c ho¹t ®éng d©n vËn")
'tcvn3'
>>> detect("Kế hoạch triển khai") is None
True
"""
from __future__ import annotations

import re
import unicodedata

# TCVN3 (ABC): one byte per letter, read here as the Latin-1 character it looks like.
TCVN3 = dict(zip(
    "¡¢£¤¥¦§¨©ª«¬\xad®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ",
    "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
))
# Font names that carry each encoding (PDF font dictionaries, Word runs).
FONT_HINTS = {"tcvn3": (".vn", "vntime", "vnarial", "abc"), "vni": ("vni-", "vni ")}

# VNI: a base letter followed by mark characters (tone, and circumflex/breve/horn).
_VNI_SINGLE = {"ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
               "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị"}
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
# One mark character after the vowel: a tone; a circumflex (after a, e, o) or a breve (after a), alone or with a tone.
_VNI_MARKS = {
    **dict(zip("ùøûõï", [(None, t) for t in _TONES])),
    "â": ("\u0302", ""), **dict(zip("áàåãä", [("\u0302", t) for t in _TONES])),
    "ê": ("\u0306", ""), **dict(zip("éèúüë", [("\u0306", t) for t in _TONES])),
}
_VNI_RE = re.compile(r"([aeouyAEOUYôöÔÖ])([ùøûõïâáàåãäêéèúüëÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜË])?")

# Characters only mojibake has: how a text is recognised without font names.
_TCVN3_TELLS = set("¸µ¶·¹®©ª«¬\xad¨ÕÞ")
_VNI_TELLS = re.compile(r"[aeouyAEOUY][ùøûõïÙØÛÕÏ]|[aeoAEO][âÂ]|[aA][êÊ]|ñ|Ñ")
# Letters only Unicode Vietnamese has (â, ê, ô are VNI marks too, so they do not count).
_VIETNAMESE = re.compile(r"[ăơưđĂƠƯĐ\u1ea0-\u1ef9]")


def to_unicode(text: str, encoding: str) -> str:
    """Convert text typed in a legacy font encoding ("tcvn3" or "vni") to NFC Unicode."""
    if encoding == "tcvn3":
        return unicodedata.normalize("NFC", "".join(TCVN3.get(ch, ch) for ch in text))
    if encoding == "vni":
        return unicodedata.normalize("NFC", _VNI_RE.sub(_vni_letter, "".join(_vni_single(text))))
    raise ValueError(f"unknown legacy encoding {encoding!r}")


def _vni_single(text: str):
    for i, ch in enumerate(text):
        # "í" etc. are i with a tone only after a consonant or at a word start, never as a mark after a vowel.
        if ch in _VNI_SINGLE and ch not in "ôöÔÖ" and not (i and text[i - 1] in "aeouyAEOUYôöÔÖâêÂÊ"):
            yield _VNI_SINGLE[ch]
        else:
            yield ch


def _vni_letter(m: re.Match) -> str:
    base, mark = m.group(1), m.group(2)
    upper = base.isupper()
    letter = _VNI_SINGLE.get(base, base).lower()
    shape, tone = _VNI_MARKS.get(mark.lower(), (None, None)) if mark else (None, "")
    if tone is None or (shape == "\u0302" and letter not in "aeo") or (shape == "\u0306" and letter != "a"):
        return _VNI_SINGLE.get(base, base) + (mark or "")
    out = unicodedata.normalize("NFC", letter + (shape or "") + tone)
    return out.upper() if upper else out


def detect(text: str, fonts: list[str] | tuple[str, ...] = ()) -> str | None:
    """The legacy encoding a text is typed in ("tcvn3", "vni"), or None for Unicode (or unknown)."""
    names = " ".join(fonts).lower()
    for encoding, hints in FONT_HINTS.items():
        if any(hint in names for hint in hints):
            return encoding
    letters = sum(ch.isalpha() for ch in text) or 1
    if len(_VIETNAMESE.findall(text)) / letters > 0.02:
        return None  # real Vietnamese Unicode
    if sum(ch in _TCVN3_TELLS for ch in text) / letters > 0.02:
        return "tcvn3"
    if len(_VNI_TELLS.findall(text)) / letters > 0.02:
        return "vni"
    return None
