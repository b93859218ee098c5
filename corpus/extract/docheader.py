"""The header of a Vietnamese administrative document: issuer, number, place and date, type, subject.

State documents (Decree 30/2020/NĐ-CP) and Party documents (Guideline 36-HD/VPTW)
open the same way, whatever the columns become once a PDF is flattened into
lines: the issuing body in capitals, the national or Party motto, "Số 202-KH/BDVTU",
"Sóc Trăng, ngày 06 tháng 9 năm 2024", the type in capitals ("KẾ HOẠCH") and the
subject on the next lines.  What the lines look like is data (below); numbers
are read by ``corpus.knowledge.directives`` and dates by ``corpus.extract.dates``.

>>> h = read_header("TỈNH ỦY SÓC TRĂNG  ĐẢNG CỘNG SẢN VIỆT NAM\\nBAN DÂN VẬN\\n*\\n"
...                 "Số 202-KH/BDVTU   Sóc Trăng, ngày 06 tháng 9 năm 2024\\nKẾ HOẠCH\\n"
...                 "triển khai các hoạt động dân vận\\nThực hiện Kết luận số 114-KL/TW ...")
>>> h["number"], h["published"], h["place"], h["type"], h["title"], h["issuer"]
('202-KH/BDVTU', datetime.date(2024, 9, 6), 'Sóc Trăng', 'Kế hoạch', 'triển khai các hoạt động dân vận', 'TỈNH ỦY SÓC TRĂNG / BAN DÂN VẬN')
"""
from __future__ import annotations

import re
from typing import Any

from corpus.knowledge import rules
from corpus.extract.dates import published_day
from corpus.extract.directive_records import type_of_number
from corpus.knowledge.directives import normalize_directive
from corpus.knowledge.vietnamese import fold, nfc

# --- how a header is written (data) --------------------------------------------

HEADER_LINES = 40  # the header is within the first lines of a document
# Mottos printed opposite the issuer; removed wherever they sit on a flattened line.
MOTTOS = (
    r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM",
    r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM",
    r"Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc",
)
# Decoration lines between header parts: "*", "-----", "___", "o0o".
RULE_LINE = r"^[\s*_\-–—=~.o0O]*$"
NUMBER_LABEL = r"(?<!\w)(?:Số|SỐ|So)\s*[:.]?\s*(?=\d)"
# "<place>, ngày 06 tháng 9 năm 2024" (also "ngày ... tháng ... năm" with dots or slashes).
# Matched on the line without marks (a scan misreads "năm" as "nãm"); the year is the first
# 19xx/20xx after the month, a few characters on ("tháng 3n ram 2018").
PLACE_DATE = (r",\s*ngay\s*(?P<d>\d{1,2})\s*(?:thang|/|-|\.)\s*(?P<m>\d{1,2})(?!\d)"
              r"(?:\s*(?:nam|/|-|\.)\s*|\D{1,8}?)(?P<y>(?:19|20)\d\d)(?!\d)")
# Document types as printed in the header; the key is the folded capitals.
TYPE_WORDS = sorted({*rules.TYPE_NAMES.values(), *rules.STATE_TYPE_NAMES.values(), "Quyết định", "Luật", "Thông tri",
                     "Quy định", "Chỉ thị", "Nghị quyết", "Thông báo", "Giấy mời", "Biên bản", "Lời kêu gọi"},
                    key=len, reverse=True)
# Lines that start the body: the subject ends before them.
# (Patterns, matched at the start of the line without marks: "ngày 06/9/2024, ..." opens the body,
# "Ngày hội Đại đoàn kết" may go on a subject.)
BODY_STARTS = ("căn cứ", "thực hiện", "thi hành", "kính gửi", "xét ", "nhằm", "để ", "trong ", r"ngày \d", "theo ",
               r"i\.", r"1\.", r"a\)", "phần", "chương", "điều 1", "trên cơ sở", "qua ", "nay ", "thời gian qua",
               r"năm \d+,", "những năm", "hiện nay", "sau khi", "từ ", "thay mặt", "nơi nhận")
# ... but the line under the type is the subject ("KẾ HOẠCH / thực hiện Nghị quyết ...") unless it opens the body.
NOT_SUBJECT = ("căn cứ", "kính gửi", r"i\.", r"1\.", r"a\)", "phần", "chương", "điều 1")
LETTER_SUBJECT = r"^(?:V/v|V/V|Về việc)\s*[:.]?\s*"
SUBJECT_MAX_LINES, SUBJECT_MAX_CHARS = 4, 300
PLACE_MAX_WORDS = 5
FULL_LINE = 60  # characters: lines at least this wide (and near the widest) are body text

_MOTTO_RE = re.compile("|".join(MOTTOS), re.I)
_RULE_RE = re.compile(RULE_LINE)
_NUMBER_RE = re.compile(NUMBER_LABEL)
_PLACE_DATE_RE = re.compile(PLACE_DATE, re.I)
# Matched without marks and spaces: a scan may misread an accent ("CHÍ THỊ") or lose a space ("THÔNGBÁO").
_TYPE_RE = re.compile(r"^(" + "|".join(re.escape(fold(t).upper()).replace(r"\ ", r"\s*") for t in TYPE_WORDS)
                      + r")(?![\w])\s*(.*)$")
_LETTER_RE = re.compile(LETTER_SUBJECT)
_BODY_RE = re.compile("|".join(fold(s) for s in BODY_STARTS))
_NOT_SUBJECT_RE = re.compile("|".join(fold(s) for s in NOT_SUBJECT))
_DOUBLED_RE = re.compile(r"([A-ZĐ])\1+")
# Specks a scan leaves at a line's ends: "_Số: 283/...", "CHỈ THỊ _", "Số 418-TB/HU .".
_SPECKS_RE = re.compile(r"^(?:_|[^\w\s(\"“'])+(?=\w)|\s+(?:_|[^\w\s)\"”'])+$")


def read_header(text: str) -> dict[str, Any]:
    """number, issuer, place, published, type, title read from a document's opening lines (None when absent)."""
    # Blank and rule lines ("-----") are kept as "" in ``raw``: they end a subject (a block of lines).
    raw: list[str] = []
    for line in nfc(text or "").splitlines()[:HEADER_LINES * 3]:
        cleaned = _clean(line)
        if cleaned or (raw and raw[-1]):
            raw.append(cleaned)
    at = [i for i, line in enumerate(raw) if line][:HEADER_LINES]  # raw position of each line
    lines = [raw[i] for i in at]
    out: dict[str, Any] = dict.fromkeys(("number", "issuer", "place", "published", "type", "title"))
    number_at = type_at = None
    for i, line in enumerate(lines):
        if out["number"] is None:
            m = _NUMBER_RE.search(line)
            if m:
                out["number"] = _number(line[m.end():])
                number_at = i if out["number"] else None
        if out["published"] is None:
            m = _PLACE_DATE_RE.search(fold(line))  # folding keeps offsets
            if m:
                out["published"] = published_day(int(m["y"]), int(m["m"]), int(m["d"]))
                out["place"] = _place(line[:m.start()])
        if type_at is None and i >= (number_at or 0):
            m = _TYPE_RE.match(fold(_upper_part(line)))  # folding keeps offsets
            if m and (line.isupper() or len(m.group(1)) == len(_upper_part(line))):
                type_at = i
                out["type"] = _type_name(m.group(1))
                rest = line[len(m.group(1)):].strip(" :.-")
                rest = rest if sum(ch.isalpha() for ch in rest) >= 3 else ""  # a speck ("QUYẾT ĐỊNH Ẽ"), not a subject
                out["title"] = _subject(([rest] if rest else []) + raw[at[i] + 1:])
    if out["title"] is None:
        # An official letter has no type line: its subject is "V/v ..." under the number.
        for i, line in enumerate(lines):
            if _LETTER_RE.match(line):
                out["title"] = _subject([_LETTER_RE.sub("", line)] + raw[at[i] + 1:])
                break
    top = number_at if number_at is not None else type_at
    if top is not None:
        issuer = [_NUMBER_RE.split(line)[0].strip() for line in lines[:top + 1]]
        issuer = [part for part in issuer if part and _caps(part) and not _TYPE_RE.match(fold(part))]
        out["issuer"] = " / ".join(issuer) or None
    return out


def _clean(line: str) -> str:
    line = _MOTTO_RE.sub(" ", line)
    if _RULE_RE.match(line):
        return ""
    line = _SPECKS_RE.sub("", re.sub(r"\s+", " ", line).strip(" *"))
    if line.endswith(("]", "|")) and "[" not in line:  # a speck glued to the last word: "đơn vị]"
        line = line[:-1]
    return line.strip()


def _caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def _upper_part(line: str) -> str:
    """The capitals a line starts with ("KẾ HOẠCH" of "KẾ HOẠCH triển khai ...")."""
    words = []
    for word in line.split():
        if not word.isupper():
            break
        words.append(word)
    return " ".join(words)


def _place(before: str) -> str | None:
    """The place name ending ``before`` ("Số 202-KH/BDVTU   Sóc Trăng" -> "Sóc Trăng"): its capitalised words."""
    words: list[str] = []
    for word in reversed(before.split()):
        if len(words) == PLACE_MAX_WORDS or not word[:1].isupper() or any(ch.isdigit() or ch == "/" for ch in word) \
                or (len(word) > 1 and word.isupper() and not word.endswith(".")):
            break
        words.insert(0, word)
    return " ".join(words) or None


def _type_name(caps: str) -> str:
    for word in TYPE_WORDS:
        if fold(word).upper().replace(" ", "") == caps.replace(" ", ""):
            return word
    return caps.capitalize()


def _number(rest: str) -> str | None:
    """The canonical number at the start of ``rest`` ("202-KH/BDVTU   Sóc Trăng, ngày ...")."""
    m = _PLACE_DATE_RE.search(fold(rest))
    rest = rest[:m.start()] if m else rest
    tokens = rest.split()
    for n in range(min(len(tokens), 5), 0, -1):  # "202 - KH/BDVTU" is three tokens
        written = " ".join(tokens[:n])
        number = normalize_directive(written)
        if number and type_of_number(number) is None:
            # A scan may repeat a letter ("QĐĐĐ-UBND"): the single letter wins when it makes a known type.
            single = normalize_directive(_DOUBLED_RE.sub(r"\1", written))
            number = single if single and type_of_number(single) else number
        if number:
            return number
    return None


def _subject(lines: list[str]) -> str | None:
    """The subject: the block of lines under the type, up to a blank or rule line, the body or the signer."""
    # A line as wide as the widest is a wrapped body paragraph, not a subject (set shorter, centred).
    full = max(map(len, lines[:HEADER_LINES]), default=0)
    parts: list[str] = []
    for line in lines:
        if not line:
            if parts:
                break
            continue
        if len(parts) == SUBJECT_MAX_LINES:
            break
        low = fold(line).lower()
        # A subject goes on in lower case ("đối với ...") or with a name ("Quy chế dân chủ ở cơ sở"); a line
        # in capitals (the signer), the body's opening words, or a capitalised sentence ends it.
        if parts and (_caps(line) or _BODY_RE.match(low) or (line[:1].isupper() and (
                line.rstrip().endswith((".", ":", ";")) or (full >= FULL_LINE and len(line) >= 0.85 * full)))):
            break
        if not parts and _NOT_SUBJECT_RE.match(low):
            break
        if _PLACE_DATE_RE.search(fold(line)) or _NUMBER_RE.match(line):
            break
        parts.append(line.strip())
        if line.rstrip().endswith((".", ";")) or sum(map(len, parts)) > SUBJECT_MAX_CHARS:
            break
    subject = " ".join(parts).strip(" .;:-")
    return subject[:SUBJECT_MAX_CHARS] or None
