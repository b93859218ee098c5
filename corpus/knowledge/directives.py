"""Vietnamese document numbers ("số, ký hiệu"): canonical form, citations in text and queries.

Party documents are numbered ``N-TYPE/ISSUER`` (``25-NQ/TW``), State documents
``N/TYPE-ISSUER`` or, normative ones, ``N/YEAR/TYPE-ISSUER`` (``16/CT-TTg``,
``59/2023/NĐ-CP``); laws ``N/YEAR/QHnn``.  The canonical form has no spaces,
ASCII hyphens, upper-case type and issuer (``TTg``, ``QyĐ`` keep their case)
and keeps Đ; digits stay as written (``01/CT-TTg``).

>>> normalize_directive("16/ct - ttg")
'16/CT-TTg'
>>> normalize_directive("56/ 2015/ ND - CP")
'56/2015/NĐ-CP'
>>> normalize_directive("25–NQ/TW")
'25-NQ/TW'
>>> normalize_directive("năm 2022") is None
True
>>> find_directives("Quyết định 217, 218 của Bộ Chính trị và Nghị quyết 12 của Tỉnh ủy")
(['217-QĐ/TW', '218-QĐ/TW'], ['Nghị quyết 12'])
>>> find_in_query("văn bản 16 CT TTg năm 2016")
[(8, 17, '16/CT-TTg')]
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from corpus.knowledge import rules
from corpus.knowledge.vietnamese import fold, key, nfc

# --- data compiled once -----------------------------------------------------

_TYPE_EXACT = {t.upper(): t for t in rules.DIRECTIVE_TYPES}
_TYPE_FOLDED: dict[str, str] = {}
for _t in rules.DIRECTIVE_TYPES:
    _TYPE_FOLDED.setdefault(fold(_t).upper(), _t)
_FAMILY = {t: fam[0] for fam in rules.TYPE_FAMILIES for t in fam}

# Every written variant of every type, longest first so "NQLT" beats "NQ".
_TYPE_VARIANTS = sorted({*_TYPE_EXACT, *_TYPE_FOLDED}, key=len, reverse=True)
_TYPE = "(?:" + "|".join(re.escape(v) for v in _TYPE_VARIANTS) + ")"
# An issuer token; "T.Ư" / "T.W" (dotted initials) is an old spelling of "TƯ".
_TOKEN = r"(?:[A-ZĐƯa-zđư](?:\.[A-ZĐƯa-zđư])+|[A-Za-zĐđƯư][A-Za-zĐđƯư0-9]*)(?![\w])"
_NUM = r"(?<![\w/.,-])(\d{1,5})"
_YEAR = r"((?:19|20)\d\d)"
_DASHES = "-–—‑"  # hyphen, en dash, em dash, non-breaking hyphen
_DASH = f"[{_DASHES}]"

# Strict forms, as printed in running text.  After a dash with spaces around it
# an issuer is written in capitals: "56/2015/NĐ - CP" but "144/2003/NĐ-CP - khung pháp lý".
_CAPS_TOKEN = r"(?-i:[A-ZĐƯ][A-ZĐƯ0-9]*[a-z]?)(?![\w])"
# A type code not in the table ("QCPH"), written in capitals: taken only with a known issuer.
_CODE = r"(?-i:[A-ZĐ][A-ZĐ]{1,5}[a-z]?)"
# Joint issuers are appended with tight dashes: "79-CTr/BDVTW-BCSĐCP".
_PARTY_RE = re.compile(
    rf"{_NUM}\s*{_DASH}\s*({_TYPE}|{_CODE})(?![\w])\s*/\s*({_TOKEN}(?:{_DASH}{_CAPS_TOKEN})*)", re.I)
# "19/2008/NQLT/CP-UBTUMTTQVN": a slash may stand for the first dash after the type;
# "19-2017/NQ-CP": a dash for the slash before the year.
_STATE_RE = re.compile(
    rf"{_NUM}\s*(?:/|-(?=\s*(?:19|20)\d\d\s*/))\s*(?:{_YEAR}(?:\s*/\s*|\s+(?=(?-i:[A-ZĐ]))))?({_TYPE}|{_CODE})((?:[{_DASHES}/]{_TOKEN}|\s*{_DASH}\s*{_CAPS_TOKEN})"
    rf"(?:{_DASH}{_TOKEN}|\s*{_DASH}\s*{_CAPS_TOKEN})*)",
    re.I,
)
# Official letters carry no type: "số 4011/UBND-VX2" = issuer, then the issuing unit.
# The issuing unit may carry a sub-number or dotted letters: "số 2111/NHNN-HCM.02", "số 76/TTCP-C.I".
_UNIT = r"(?-i:[A-ZĐƯ][A-ZĐƯ0-9]*[a-z]?(?:\.[A-ZĐ0-9]+)*)(?![\w])"
_LETTER_RE = re.compile(rf"{_NUM}\s*/\s*({_TOKEN})((?:[{_DASHES}/]{_UNIT})+)")
# Words that announce an official letter: after them any issuer in capitals counts ("Công văn số 1245/BXD-KHCN").
_LETTER_WORD_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in rules.LETTER_WORDS) + r")"
    r"(?:\s+(?:khẩn|hỏa tốc))?\s+(?:số\s*:?\s*)?\(?$", re.I)
# A run of digits, and the slash or dash (after spaces, if any) that follows the digits of every full number.
# "\d\d*", not "\d+": a pattern that starts with a character class is searched by skipping other characters
# in C, a third quicker (the same matches).
_DIGITS_RE = re.compile(rf"\d\d*(\s*[{_DASHES}/])?")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)\S+\.(?:html?|aspx?|php|pdf|docx?)(?!\w)", re.I)
_LAW_RE = re.compile(rf"{_NUM}\s*/\s*{_YEAR}\s*/\s*((?:UBTV)?QH\d{{1,2}})(?![\w])", re.I)

# Messy forms typed in a search box: any of "-", "/", spaces between parts.
_SEP = rf"(?:\s*[{_DASHES}/]\s*|\s+)"
_QUERY_RE = re.compile(
    rf"{_NUM}({_SEP})(?:{_YEAR}({_SEP}))?({_TYPE})({_SEP})({_TOKEN}(?:{_DASH}{_TOKEN}|\s*{_DASH}\s*{_CAPS_TOKEN})*)",
    re.I,
)
_QUERY_LAW_RE = re.compile(rf"{_NUM}{_SEP}{_YEAR}{_SEP}((?:UBTV)?QH\d{{1,2}})(?![\w])", re.I)
_KNOWN_ISSUER_RE = re.compile(rf"(?:{rules.KNOWN_ISSUERS})", re.I)
_PARTY_ISSUER_RE = re.compile(rules.PARTY_ISSUER)

# "Nghị quyết 12", "Chỉ thị số 33", "Quyết định 217, 218 của Bộ Chính trị".
_WORDS = sorted(rules.TYPE_WORDS, key=len, reverse=True)
_WORD_CODES = {key(w): code for w, code in rules.TYPE_WORDS.items()}
_PARTIAL_WORDS = {key(w) for w in rules.PARTIAL_TYPE_WORDS}
_CLEAR_WORDS = {key(w) for w in rules.UNAMBIGUOUS_TYPE_WORDS}
_YEAR_WORDS = {key(w) for w in rules.YEAR_NAMED_TYPE_WORDS}
_PARTIAL_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _WORDS) + r")"
    r"\s+(?:số\s+)?(\d{1,4}(?:\s*(?:,|và|&)\s*\d{1,4})*)(?![\w/]|[.,]\d|\s*[-–/]\s*\w)",
    re.I,
)
# The type word and "số" ending where a number starts: what _partial_matches looks for before each number.
_PARTIAL_HEAD_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _WORDS) + r")\s+(?:số\s+)?\Z", re.I)
_HEAD_END_RE = re.compile("[" + "".join(sorted({w[-1] for w in [*_WORDS, "số"]})) + "]", re.I)
# The syllable that ends such a head: a type word's last ("quyết", "luật") or "số"; before most numbers another
# word ends ("hơn 200", "đến 2025") and the head is not looked for.
_HEAD_LAST = sorted({w.split()[-1] for w in [*_WORDS, "số"]}, key=len, reverse=True)
_HEAD_LAST_RE = re.compile("(?:" + "|".join(map(re.escape, _HEAD_LAST)) + r")\Z", re.I)
_HEAD_LAST_CHARS = len(_HEAD_LAST[0])
_HEAD_RUNS = max(len(w.split()) for w in _WORDS) + 1  # the word's, and "số"
_HEAD_CHARS = 64
_LIST_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _WORDS) + r")"
    r"\s+(?:số\s+)?((?:\d{1,5}\s*(?:,|và|&)\s*)+)$",
    re.I,
)
_LIST_ENDS = ",&àÀ"  # the last characters of _LIST_RE's separators, in any case: "," "&" "và"
_NEXT_WORD_RE = re.compile(r"\s*([^\W\d]+)")
_CENTRAL_RE = re.compile(rf"\s*(?:\([^)]{{0,40}}\)\s*)?của\s+(?:{rules.CENTRAL_PARTY_ISSUERS})(?!\w)\s*(\w?)")


# --- canonical parts ----------------------------------------------------------

def _type(written: str) -> str:
    upper = written.upper()
    return _TYPE_EXACT.get(upper) or _TYPE_FOLDED.get(fold(upper)) or written


def _known_type(written: str) -> bool:
    upper = written.upper()
    return upper in _TYPE_EXACT or fold(upper) in _TYPE_FOLDED


def _issuer(written: str) -> str:
    upper = re.sub(r"(?<=[A-ZĐƯ])\.(?=[A-ZĐƯ])", "", written.upper())  # "T.Ư" -> "TƯ"; "HCM.02" stays
    return rules.ISSUER_SPELLINGS.get(upper) or rules.ISSUER_SPELLINGS.get(fold(upper), upper)


def _issuers(written: str) -> list[str]:
    return [_issuer(t) for t in re.split(rf"\s*[{_DASHES}/]\s*", written.strip()) if t]


def _issuer_like(issuer: str) -> bool:
    """A Party body ("BDVTU") or a known State one ("UBND"): what lets an unknown type code count."""
    return bool(_PARTY_ISSUER_RE.fullmatch(issuer) or _KNOWN_ISSUER_RE.fullmatch(issuer))


def _code_allowed(type_written: str, issuers: list[str]) -> bool:
    """A type from the table, or an unknown code issued by a known body and not a licence or a certificate."""
    if _known_type(type_written):
        return True
    return type_written.upper() not in rules.NOT_DIRECTIVE_CODES and any(_issuer_like(i) for i in issuers)


def _compose(num: str, year: str | None, type_: str, issuers: list[str], written_party: bool | None) -> str:
    """Canonical number; the written shape decides unless the issuer says otherwise."""
    party = False
    if year is None and len(issuers) > 1:  # joint issuers: "79-CTr/BDVTW-BCSĐCP" stays in Party shape
        party = written_party is not False and any(_PARTY_ISSUER_RE.fullmatch(i) for i in issuers)
    elif year is None and len(issuers) == 1:
        is_party = bool(_PARTY_ISSUER_RE.fullmatch(issuers[0]))
        if written_party is None:
            party = is_party
        elif written_party:  # "16-CT/TTg" is a State number misprinted
            party = is_party or not _KNOWN_ISSUER_RE.fullmatch(issuers[0])
        else:  # "25/NQ-TW" is a Party number misprinted
            party = is_party
    if party:
        return f"{num}-{type_}/" + "-".join(issuers)
    head = f"{num}/{year}/" if year else f"{num}/"
    return head + "-".join([type_, *issuers])


def normalize_directive(s: str) -> str | None:
    """Canonical document number for ``s`` (any messy spelling), or None if it is not one."""
    text = nfc(s or "").strip().strip(".,;:")
    text = re.sub(r"^(?:số|so)\s*:?\s*", "", text, flags=re.I)
    for found in _query_matches(text, whole=True):
        if found[0] == 0 and found[1] == len(text):
            return found[2]
    return None


# --- finding numbers ------------------------------------------------------------

def _number_runs(text: str) -> list[tuple[int, bool]]:
    """(start, whether a slash or dash follows) of each run of digits: where a number may start, found once for
    full and partial citations."""
    return [(m.start(), m.lastindex is not None) for m in _DIGITS_RE.finditer(text)]


def _text_matches(text: str, whole: bool = False, runs: list[tuple[int, bool]] | None = None
                  ) -> list[tuple[int, int, str]]:
    """Full numbers printed in running text: (start, end, canonical), in text order.

    ``whole``: the text is one number (a letter needs no "công văn" before it then); ``runs``: its
    :func:`_number_runs`, when known.
    """
    found: list[tuple[int, int, str]] = []
    # Where a number may start (the rest of the text is not read again): a run of digits that a slash or dash follows.
    numbers = [start for start, full in (_number_runs(text) if runs is None else runs) if full]
    for m in _matches(_LAW_RE, text, numbers):
        found.append((m.start(1), m.end(), f"{m.group(1)}/{m.group(2)}/{m.group(3).upper()}"))
    for m in _matches(_STATE_RE, text, numbers):
        issuers = _issuers(m.group(4))
        if _code_allowed(m.group(3), issuers):
            found.append((m.start(1), m.end(), _compose(m.group(1), m.group(2), _type(m.group(3)), issuers, False)))
    for m in _matches(_PARTY_RE, text, numbers):
        issuers = _issuers(m.group(3))
        if _code_allowed(m.group(2), issuers):
            found.append((m.start(1), m.end(), _compose(m.group(1), None, _type(m.group(2)), issuers, True)))
    for m in _matches(_LETTER_RE, text, numbers):
        issuer = _issuer(m.group(2))
        units = [u.upper() for u in re.split(rf"[{_DASHES}/]", m.group(3)) if u]
        announced = whole or bool(_LETTER_WORD_RE.search(text, max(0, m.start() - 40), m.start()))
        if _PARTY_ISSUER_RE.fullmatch(issuer) or issuer in rules.NOT_DIRECTIVE_CODES:
            continue  # "12/TU-..." is no letter shape; "23/GP-..." is a licence
        if _KNOWN_ISSUER_RE.fullmatch(issuer) or (announced and len(issuer) >= 2 and issuer.isupper()):
            found.append((m.start(1), m.end(), f"{m.group(1)}/" + "-".join([issuer, *units])))
    # Numbers inside a URL or a file name are not citations.
    found = [f for f in found if not _in_url(text, f[0], f[1])]
    return _without_overlaps(found)


def _matches(pattern: re.Pattern, text: str, starts: list[int]) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern whose matches begin at one of ``starts`` (the start of a run of digits).

    Trying those few places is 3 times quicker than scanning every character, with the same matches:
    a match's lookbehind still sees the text before it.
    """
    end = 0
    for start in starts:
        if start >= end and (m := pattern.match(text, start)):
            yield m
            end = m.end()


def _in_url(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` overlaps a URL or a file name.

    A URL holds no space, so it is looked for between the spaces around the span only, not in the whole text.
    """
    left, right = start, end
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    while right < len(text) and not text[right].isspace():
        right += 1
    return any(u.start() < end and start < u.end() for u in _URL_RE.finditer(text, left, right))


def _listed(text: str, full: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Numbers listed before one printed in full, sharing its suffix: "Quyết định 217, 218-QĐ/TW" -> 217-QĐ/TW.

    Only after a type word of the same type ("Nghị quyết 04, 05-NQ/TU"), so a bare number is never
    completed with a suffix that belongs to another kind of document.
    """
    listed: list[tuple[int, int, str]] = []
    for start, _end, canonical in full:
        if not _after_list_separator(text, max(0, start - 120), start):
            continue  # nearly every number: the list's search would try each of the 120 characters before it
        m = _LIST_RE.search(text, max(0, start - 120), start)
        if not m:
            continue
        type_ = _number_key(canonical)[0]
        word_key = key(m.group(1))
        if type_ is None or _family(_WORD_CODES.get(word_key)) != type_:
            continue
        head = re.match(r"\d+", canonical)
        for n in re.finditer(r"\d+", m.group(2)):
            if word_key in _YEAR_WORDS and len(n.group()) == 4 and rules.MIN_YEAR <= int(n.group()) <= rules.MAX_YEAR:
                continue
            offset = m.start(2)
            listed.append((offset + n.start(), offset + n.end(), n.group() + canonical[head.end():]))
    return listed


def _after_list_separator(text: str, low: int, start: int) -> bool:
    """True when ``text[low:start]``, spaces at its end left aside, ends as a list's separator ends (",", "và",
    "&"): where :data:`_LIST_RE`, whose list ends so, can match at all."""
    while start > low and text[start - 1].isspace():  # what the pattern's \s matches
        start -= 1
    return start > low and text[start - 1] in _LIST_ENDS


def _without_overlaps(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Sorted by start; of overlapping matches the longest (first) wins."""
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str]] = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    return kept


def _query_matches(text: str, whole: bool = False) -> list[tuple[int, int, str]]:
    """Numbers in any messy spelling: (start, end, canonical)."""
    found = _text_matches(text, whole)
    for m in _QUERY_LAW_RE.finditer(text):
        found.append((m.start(1), m.end(), f"{m.group(1)}/{m.group(2)}/{m.group(3).upper()}"))
    for m in _QUERY_RE.finditer(text):
        num, sep1, year, _sep_y, type_w, sep2, issuers_w = m.groups()
        tokens = re.split(rf"\s*{_DASH}\s*", issuers_w)
        if not sep2.strip() and not _plausible_issuer(tokens[0]):
            continue  # "3 da cam": typed words, not a number
        if "/" in sep2 and "/" not in sep1:
            party: bool | None = True  # "25-NQ/TW", "25 NQ/TW"
        elif "/" in sep1 and "/" not in sep2:
            party = False  # "16/CT-TTg", "16/CT TTg"
        else:
            party = None  # "16 CT TTg": the issuer decides
        canonical = _compose(num, year, _type(type_w), [_issuer(t) for t in tokens], party)
        found.append((m.start(1), m.end(), canonical))
    return _without_overlaps(found)


def _plausible_issuer(token: str) -> bool:
    """A known issuer, or one typed in capitals: what makes "16 CT TTg" a number and "3 da cam" not."""
    return bool(_KNOWN_ISSUER_RE.fullmatch(token)) or (len(token) >= 2 and token.isupper())


def find_in_query(query: str) -> list[tuple[int, int, str]]:
    """Document numbers typed in a search query: (start, end, canonical); the span covers the number only.

    "nghị quyết 25" and "qd 217" (no issuer) are not numbers: they find nothing here.
    """
    return _query_matches(nfc(query or ""))


def _family(type_: str | None) -> str | None:
    return _FAMILY.get(type_, type_) if type_ else None


def _number_key(canonical: str) -> tuple[str | None, int]:
    """(type family, number) of a canonical number, to match partial citations against it."""
    m = re.match(r"(\d+)-([^/]+)/", canonical) or re.match(r"(\d+)/(?:\d{4}/)?([^-/]+)-", canonical)
    if not m:
        return None, -1
    return _family(m.group(2)), int(m.group(1))


def cited_spans(text: str, runs: list[tuple[int, bool]] | None = None) -> list[tuple[int, int, str]]:
    """Every full number cited in NFC ``text``: (start, end, canonical) in text order, listed ones included
    (``runs``: the text's :func:`_number_runs`, when known)."""
    full = _text_matches(text, runs=runs)
    return sorted(full + _listed(text, full))


def find_directives(text: str) -> tuple[list[str], list[str]]:
    """(canonical numbers cited, partial citations as written), each unique, in order of first appearance."""
    text = nfc(text or "")
    runs = _number_runs(text)
    full = cited_spans(text, runs)
    cited: list[tuple[int, str]] = [(start, canonical) for start, _end, canonical in full]
    partial: list[tuple[int, str, tuple[str | None, int]]] = []
    for m in _partial_matches(text, runs):
        if any(s < m.end(2) and m.start(1) < e for s, e, _c in full):
            continue  # "Kết luận số 148-TB/TW": the number is printed in full
        word_key = key(m.group(1))
        if word_key not in _PARTIAL_WORDS or not _ends_citation(text, m.end()):
            continue
        code = _WORD_CODES[word_key]
        numbers = re.findall(r"\d+", m.group(2))
        if word_key in _YEAR_WORDS:  # "kế hoạch 2005" is the plan for 2005
            numbers = [n for n in numbers if not (len(n) == 4 and rules.MIN_YEAR <= int(n) <= rules.MAX_YEAR)]
        if word_key in _CLEAR_WORDS and _by_central_party(text, m.end()):
            cited.extend((m.start(), f"{n}-{code}/TW") for n in numbers)
            continue
        word = " ".join(m.group(1).split())
        partial.extend((m.start(), f"{word} {n}", (_family(code), int(n))) for n in numbers)
    cited.sort(key=lambda c: c[0])
    directives = list(dict.fromkeys(c for _s, c in cited))
    known = {_number_key(c) for c in directives}
    partials = [p for _s, p, k in sorted(partial, key=lambda p: p[0]) if k not in known]
    return directives, list(dict.fromkeys(partials))


def _partial_matches(text: str, runs: list[tuple[int, bool]]) -> Iterator[re.Match]:
    """``_PARTIAL_RE.finditer(text)``, read only before each run of digits (``runs``: :func:`_number_runs`): where a
    type word, then spaces, ends.

    A type word and "số" make at most ``_HEAD_RUNS`` runs of non-space characters, so the word is
    looked for in the last ``_HEAD_RUNS`` runs before the number, not in the whole text.
    """
    end = 0
    for start, _ in runs:
        if start < end or not start or not text[start - 1].isspace():
            continue
        last = start - 1  # the last letter before the spaces: a type word's, or "số"'s
        while last > end and text[last].isspace():
            last -= 1
        if not (_HEAD_END_RE.match(text, last)  # its last letter first: one character, quicker to rule out
                and _HEAD_LAST_RE.search(text, max(0, last + 1 - _HEAD_LAST_CHARS), last + 1)):
            continue
        head = _PARTIAL_HEAD_RE.search(text, _head_start(text, start, end), start)
        if head and (m := _PARTIAL_RE.match(text, head.start())):
            yield m
            end = m.end()


def _head_start(text: str, start: int, end: int) -> int:
    """Where the last ``_HEAD_RUNS`` runs of non-space characters before ``start`` begin (not before ``end``)."""
    low = max(end, start - _HEAD_CHARS)
    if low == end or len(text[low:start].split()) > _HEAD_RUNS:  # usually: those runs are all in the window
        return low
    for _ in range(_HEAD_RUNS):  # long spaces between the words
        while start > end and text[start - 1].isspace():
            start -= 1
        while start > end and not text[start - 1].isspace():
            start -= 1
    return start


def _by_central_party(text: str, end: int) -> bool:
    """True after "của Bộ Chính trị", "của Ban Chấp hành Trung ương"; not "... Trung ương Hội/Đoàn"."""
    m = _CENTRAL_RE.match(text, end)
    return bool(m) and not m.group(1).isupper()


def _ends_citation(text: str, end: int) -> bool:
    """False when the number reads as a quantity ("kế hoạch 5 năm")."""
    m = _NEXT_WORD_RE.match(text, end)
    if not m or text[end:m.start(1)].strip():
        return True  # punctuation or end of text follows
    word = m.group(1)
    return not word[0].islower() or word in rules.PARTIAL_NEXT_WORDS
