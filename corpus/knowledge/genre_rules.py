"""What kind of document a text is, and what period it covers: the rules as data.

``corpus/extract/genre.py`` is generic; the Vietnamese phrasings live here.  Patterns
are regular expressions over :func:`corpus.knowledge.vietnamese.key` text (diacritics
removed, lower case, single spaces), so "Sơ kết", "SƠ KẾT" and "so ket" all
match.  Supporting a new phrasing means adding a pattern below.
"""
from __future__ import annotations

# Genre names (the Document field, index facet and --genre value) with
# their Vietnamese labels.  "unknown": no rule was sure.
GENRES: dict[str, str] = {
    "six_month_review": "Sơ kết 6 tháng",
    "annual_review": "Tổng kết năm",
    "multi_year_review": "Sơ kết/tổng kết nhiều năm",
    "plan": "Kế hoạch",
    "guidance": "Hướng dẫn",
    "report": "Báo cáo",
    "model_story": "Gương điển hình, Dân vận khéo",
    "news": "Tin hoạt động",
    "unknown": "Chưa xác định",
}

_REVIEW = r"(?:so ket|tong ket|bao cao ket qua|danh gia ket qua|kiem diem)"
_SIX = r"(?:6|06|sau)"
# Words between a review and its year, but not a quarter or a span of months ("quý III năm 2022"); "quy chế"
# (folded like "quý") is no quarter.
_NOT_PART = r"(?:(?!quy (?:[ivx]+|\d)\b|thang )[^.;:\n])"
_N_YEARS = r"(?:\d{1,2}|muoi|nam|ba|hai|bay)"  # "sơ kết 5 năm", "tổng kết mười năm"

# (genre, patterns): the first genre with a matching pattern wins, so the
# order matters.  "Kế hoạch tổ chức sơ kết ..." is a plan, not a review; a
# "Báo cáo sơ kết 6 tháng" is a six-month review, so plain "report" comes after
# the reviews.  Document-type words count only at the start of a title or
# line ("Triển khai kế hoạch ..." is news about a plan): patterns are
# matched line by line (``^`` is a line's start).
GENRE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # "KH", "HD", "BC" alone on a line are a news item's signature (initials), not a document's kind.
    ("plan", (r"^(?:du thao )?ke hoach\b", r"^kh\b.")),
    # "hướng dẫn viên" is a guide (a person).
    ("guidance", (r"^(?:du thao )?huong dan\b(?! vien\b)", r"^hd\b.")),
    ("multi_year_review", (
        rf"{_REVIEW} (?:[^.;:\n]{{0,40}} )?{_N_YEARS} nam (?:thuc hien|trien khai|hoat dong|xay dung|phong trao)",
        rf"{_REVIEW} (?:[^.;:\n]{{0,60}} )?giai doan \d{{4}}",
        rf"{_REVIEW} (?:[^.;:\n]{{0,60}} )?nhiem ky \d{{4}}",
        rf"{_REVIEW} (?:[^.;:\n]{{0,60}} )?\(?\d{{4}} ?[-–] ?\d{{4}}\)?",
    )),
    ("six_month_review", (
        rf"{_REVIEW} (?:[^.;:\n]{{0,60}} )?{_SIX} thang (?:dau|cuoi)? ?nam",
        rf"{_SIX} thang (?:dau|cuoi) nam",
        rf"{_REVIEW} {_SIX} thang",
    )),
    ("annual_review", (
        r"tong ket (?:cong tac )?nam\b",
        rf"tong ket (?:{_NOT_PART}{{0,80}} )?nam \d{{4}}",
        rf"^(?:bao cao )?ket qua (?:{_NOT_PART}{{0,60}} )?nam \d{{4}}",
    )),
    # "Sơ kết quý I ...", "Tổng kết 9 tháng ...": a review of a quarter or of nine months is a report of that
    # period, before the news words its next tasks may hold ("... và triển khai nhiệm vụ quý II").
    ("report", (r"^(?:du thao )?bao cao\b", r"^bc\b.",
                rf"^{_REVIEW} (?:[^.;:\n]{{0,40}} )?(?:quy (?:i{{1,3}}|iv|[1-4])|(?:9|09|chin) thang)\b")),
    ("model_story", (
        r"\bdan van kheo\b", r"\bguong (?:dien hinh|sang|dan van)", r"\bdien hinh tien tien\b",
        r"\bdien hinh (?:dan van|trong)", r"\bguong nguoi tot\b", r"\bnguoi tot,? viec tot\b",
    )),
    ("news", (
        r"\b(?:to chuc|khai mac|be mac|ra quan|trao tang|trao qua|tang qua|tham hoi|tham va|chuc mung|"
        r"tap huan|hoi thao|toa dam|giao ban|hoi nghi|ky niem|phat dong|khanh thanh|ban giao|"
        r"ky ket|tiep xuc cu tri|doi thoai|ho tro|trien khai|quan triet|gap mat|hoi thi|le phat)\b",
    )),
)

# Roman and Arabic quarter numbers.
QUARTERS = {"i": 1, "1": 1, "ii": 2, "2": 2, "iii": 3, "3": 3, "iv": 4, "4": 4}

_Y = r"((?:19|20)\d{2})"
# (kind, pattern): tried in this order, the first that matches decides.  A
# span of months this list does not know ("4 tháng đầu năm 2022") stops
# the search rather than letting "năm 2022" claim the whole year.
PERIOD_RULES: tuple[tuple[str, str], ...] = (
    ("range", rf"(?:giai doan|nhiem ky|tu nam|\() ?{_Y} ?(?:[-–—/]|den|den nam) ?{_Y}"),
    ("range", rf"\b{_Y} ?[-–—] ?{_Y}\b"),
    ("half1", rf"{_SIX} thang dau nam (?:nam )?{_Y}"),
    ("half2", rf"{_SIX} thang cuoi nam (?:nam )?{_Y}"),
    ("half1", rf"{_SIX} thang dau nam ?/ ?{_Y}"),
    # "6 tháng đầu năm, nhiệm vụ 6 tháng cuối năm 2023": the one year named is the first half's too
    ("half1", rf"{_SIX} thang dau nam\b[^.;:\n]{{0,80}}? {_SIX} thang cuoi nam (?:nam )?{_Y}"),
    ("nine", rf"(?:9|09|chin) thang (?:dau )?nam (?:nam )?{_Y}"),
    ("quarter", rf"quy (i{{1,3}}|iv|[1-4]) (?:nam )?(?:/ ?)?{_Y}"),
    ("quarter", rf"quy (i{{1,3}}|iv|[1-4]) ?/ ?{_Y}"),
    # "quý I và nhiệm vụ quý II năm 2023": the quarter reviewed, in the year named after the next one
    ("quarter", rf"quy (i{{1,3}}|iv|[1-4])\b[^.;:\n]{{0,60}}? quy (?:i{{1,3}}|iv|[1-4]) (?:nam )?(?:/ ?)?{_Y}"),
    ("unknown", r"\b\d{1,2} thang (?:dau |cuoi )?nam\b"),
    ("year", rf"\bnam {_Y}\b"),
)
# Words that folded read as a rule's, blanked (lower-cased, before folding) where the rules look: toneless
# "bao cao su" is a condom, "báo cáo sự ..." a report.
LOOKALIKES = r"\bbao cao su\b"
# A date says when a document was signed, not what it covers ("Kế hoạch ... ngày 5 tháng 1 năm 2017 về
# tổng kết năm 2016"): dates are blanked out before the rules above are tried.
# One month ("tháng 5 năm 2023", "tháng 11/2022") is no period this module writes, and not the whole year: blanked
# too, so that it neither names a period nor hides the one named after it ("tháng 12 năm 2023 và cả năm 2023").
DATES = (r"\b(?:ngay )?\d{1,2} thang \d{1,2} nam (?:19|20)\d{2}\b|\b\d{1,2} ?[/.-] ?\d{1,2} ?[/.-] ?(?:19|20)\d{2}\b"
         r"|\bthang \d{1,2} (?:nam |/ ?)?(?:19|20)\d{2}\b")
# A range longer than this is no reporting period ("1930-2020": a history).
MAX_RANGE_YEARS = 30
# How much of the text, after the title, may say what the document is: its first
# lines, if short enough to be headings ("KẾ HOẠCH", "Tổng kết công tác ...").  An official
# document's header (issuer, its unit, number, "ĐẢNG CỘNG SẢN VIỆT NAM", place and date) takes
# five or six lines before its kind and subject.
FIRST_CHARS = 600
HEADING_LINES = 9
HEADING_CHARS = 150
SENTENCE_ENDS = (".", "?", "!", "…")
# Genres that the opening lines or an attached file's name may show (an official
# document's own heading); news and model stories are known by their titles only.
TEXT_GENRES = frozenset({"plan", "guidance", "multi_year_review", "six_month_review", "annual_review", "report"})
# Genres a search query may name to mean documents of that kind ("sơ kết 6 tháng", "kế hoạch
# ...", "tổng kết năm 2022"): the official kinds.  A query's words that name one match documents of
# its family too, and the genre and period rank (``indexer/queryparse.py``).
QUERY_GENRES = TEXT_GENRES
# Phrasings a query may use for a genre that a document's title would not be filed by alone (tried before
# GENRE_RULES, for queries only): "báo cáo 6 tháng 2024" asks for six-month reviews, though a document
# titled "Báo cáo ... 6 tháng" without "đầu/cuối năm" might report on any six months.
QUERY_GENRE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("six_month_review", (rf"\b(?:bao cao|bc) (?:[^.;:\n]{{0,60}} )?{_SIX} thang\b",)),
)
# Genres a reader looking for one also wants, after it: every review is a precedent for another.
GENRE_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"six_month_review", "annual_review", "multi_year_review"}),
)
