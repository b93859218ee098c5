"""Extraction heuristics kept as data: document types, date labels, boilerplate lines.

The code in ``directives.py``, ``dates.py``, ``provinces.py`` and
``textdump.py`` is generic; what it knows about Vietnamese documents and
portals lives here (like trafilatura's ``settings.cfg``).  Supporting a new
document type, portal widget or byline style means adding a line below.

Why this module is long (~410 lines): it is data, one section per kind of rule; splitting it
would only scatter the rules a reader compares side by side.
"""
from __future__ import annotations

# --- Document numbers ("số, ký hiệu") ---------------------------------------

# Canonical type abbreviations.  Written forms are matched case-insensitively
# and without diacritics ("QD" -> "QĐ", "qyd" -> "QyĐ"); a written form that
# equals one of these exactly is kept as it is ("HD" stays "HD").
DIRECTIVE_TYPES: tuple[str, ...] = (
    "NQ", "NQLT", "CT", "CTLT", "KL", "QĐ", "QĐi", "QyĐ", "QĐLT", "QC", "TB", "KH", "HD", "HDLT",
    "CTr", "ĐA", "BC", "TTr", "CV", "CĐ", "NĐ", "TT", "TTLT", "PL", "PA", "KT", "ĐL",
)

# Codes in a number's type position that do not make it a directive: licences,
# certificates ("Giấy phép số 23/GP-TTĐT").  Other unknown codes ("01-QCPH/UBND-BDVTU")
# count when a known body issued them.
NOT_DIRECTIVE_CODES: tuple[str, ...] = ("GP", "GPXB", "GCN", "GCNĐKKD", "GXN", "CCHN", "CMND", "CCCD", "BB", "HĐ")

# Words announcing an official letter ("công văn số 1245/BXD-KHCN"): letters carry no type code,
# so after these words any issuer written in capitals makes one.
LETTER_WORDS: tuple[str, ...] = ("công văn", "văn bản", "công điện", "điện", "thư")

# Type words of running text -> type abbreviation (keys compared via
# ``vietnamese.key``).  Longest phrases are tried first.
TYPE_WORDS: dict[str, str | None] = {
    "nghị quyết liên tịch": "NQLT",
    "nghị quyết": "NQ",
    "chỉ thị liên tịch": "CTLT",
    "chỉ thị": "CT",
    "quyết định": "QĐ",
    "quy định": "QĐ",
    "thông báo kết luận": "TB",
    "thông báo": "TB",
    "kết luận": "KL",
    "kế hoạch": "KH",
    "hướng dẫn liên tịch": "HDLT",
    "hướng dẫn": "HD",
    "nghị định": "NĐ",
    "thông tư liên tịch": "TTLT",
    "thông tư": "TT",
    "công văn": "CV",
    "công điện": "CĐ",
    "báo cáo": "BC",
    "tờ trình": "TTr",
    "chương trình": "CTr",
    "đề án": "ĐA",
    "quy chế": "QC",
    "pháp lệnh": "PL",
    "luật": None,  # laws are cited as "số 10/2022/QH15", no type abbreviation
}

# Type words that name a document when followed by a bare number ("Kế hoạch
# 180").  "Chương trình 135" or "Đề án 06" name programmes, not documents.
PARTIAL_TYPE_WORDS: tuple[str, ...] = (
    "nghị quyết", "chỉ thị", "quyết định", "quy định", "kết luận", "kế hoạch",
    "hướng dẫn", "thông báo", "nghị định", "thông tư", "công văn",
)

# Type words that also name a year's plan ("kế hoạch 2005"): a year-like
# number after them is not a document number.
YEAR_NAMED_TYPE_WORDS: tuple[str, ...] = ("kế hoạch", "báo cáo", "chương trình")

# A number followed by one of these counts time, not documents: "báo cáo 6 tháng 2024" is the six-month
# report, "tổng kết 5 năm" a five-year review, not report no. 6 or review no. 5.  Except "năm" and a year
# ("nghị quyết 25 năm 2021"): the year the numbered document was issued.
DURATION_UNITS: tuple[str, ...] = ("tháng", "năm")
ISSUED_YEAR_UNIT = "năm"

# Type words whose abbreviation is certain.  Party "Quy định" are numbered
# "-QĐ/TW", "-QĐi/TW" or "-QyĐ/TW" depending on the year, so "Quy định 11
# của Bộ Chính trị" stays a partial citation.
UNAMBIGUOUS_TYPE_WORDS: tuple[str, ...] = (
    "nghị quyết", "chỉ thị", "quyết định", "kết luận", "kế hoạch", "hướng dẫn", "thông báo",
    "thông báo kết luận",
)

# Types that are one family for deciding whether a partial citation is the
# same document as a full number cited in the same text.
TYPE_FAMILIES: tuple[tuple[str, ...], ...] = (("QĐ", "QĐi", "QyĐ"),)

# Central Party bodies whose documents carry the issuer "/TW" (regex, after
# "của").  Plain "Trung ương" is not enough: "Ban Dân vận Trung ương" issues
# "/BDVTW", "Trung ương Hội LHPN" is not the Party.
CENTRAL_PARTY_ISSUERS = r"Bộ\s+Chính\s+trị|Ban\s+Bí\s+thư|(?:Ban\s+Chấp\s+hành|BCH)\s+Trung\s+ương(?:\s+Đảng)?"

# A bare number is not a partial citation when followed by a word that makes
# it a quantity ("kế hoạch 5 năm", "quyết định 3 vấn đề").  Lower-case words
# allowed after the number:
PARTIAL_NEXT_WORDS: tuple[str, ...] = (
    "của", "về", "ngày", "và", "đã", "được", "là", "với", "nhằm", "trong", "tại", "thì", "này",
    "do", "mà", "cùng", "hoặc", "khóa", "ban", "đề", "nêu", "theo", "cũng", "sẽ", "vẫn",
)

# Party issuers (regex): Trung ương, Tỉnh ủy, Huyện ủy, Đảng ủy, Ban Dân vận
# Tỉnh ủy ... A number with such an issuer is written "N-TYPE/ISSUER".
PARTY_ISSUER = r"(?:TW|TƯ|TU|HU|QU|TXU|TPU|ĐU|ĐUK|ĐĐ|BCSĐ|[A-ZĐ]{2,}(?:TW|TƯ|TU|HU|ĐU|QU))"

# Issuer spellings fixed to their canonical form (keys upper-case as written
# or folded).  "TƯ" is an old spelling of "TW", not "TU" (Tỉnh ủy).
ISSUER_SPELLINGS: dict[str, str] = {
    "TƯ": "TW", "TTG": "TTg", "DU": "ĐU", "DUK": "ĐUK", "BCSD": "BCSĐ", "DCT": "ĐCT", "BCD": "BCĐ",
    "HDND": "HĐND", "DD": "ĐĐ",
}

# Issuers typed without separators in a search box ("16 CT TTg", "25 nq tw")
# are recognised only when known (regex, case-insensitive) or typed in capitals.
KNOWN_ISSUERS = (
    r"TW|TƯ|TU|HU|ĐU|DU|TTg|CP|UBND|HĐND|HDND|BDVTW|BDVTU|BTGTW|BTGTU|BCT|BBT|QH\d{1,2}|UBTVQH\d{1,2}"
    r"|BNV|BTC|BCA|BQP|BTP|BYT|BGDĐT|BGDDT|BTTTT|BVHTTDL|BNNPTNT|BKHĐT|BKHDT|BLĐTBXH|BLDTBXH|NHNN|VPCP"
)

# --- Directive records: what a cited number is -------------------------------

# Type abbreviation -> type in full words.  Party "QĐ" is a Quyết định or a
# Quy định depending on the document, so only the word written before the
# number names it; State "QĐ" is always a Quyết định.
TYPE_NAMES: dict[str, str] = {
    "NQ": "Nghị quyết", "NQLT": "Nghị quyết liên tịch", "CT": "Chỉ thị", "CTLT": "Chỉ thị liên tịch",
    "KL": "Kết luận", "QĐi": "Quy định", "QyĐ": "Quy định", "QĐLT": "Quyết định liên tịch", "QC": "Quy chế",
    "QCPH": "Quy chế phối hợp", "TB": "Thông báo", "KH": "Kế hoạch", "HD": "Hướng dẫn",
    "HDLT": "Hướng dẫn liên tịch", "CTr": "Chương trình", "ĐA": "Đề án", "BC": "Báo cáo", "TTr": "Tờ trình",
    "CV": "Công văn", "CĐ": "Công điện", "NĐ": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch",
    "PL": "Pháp lệnh",
}
STATE_TYPE_NAMES: dict[str, str] = {"QĐ": "Quyết định"}

# Issuer suffixes whose body is certain ("TW" is not: BCH, Bộ Chính trị or Ban Bí thư).
ISSUER_BY_SUFFIX: dict[str, str] = {
    "TTg": "Thủ tướng Chính phủ", "CP": "Chính phủ", "BDVTW": "Ban Dân vận Trung ương",
    "BTGTW": "Ban Tuyên giáo Trung ương", "VPCP": "Văn phòng Chính phủ", "BNV": "Bộ Nội vụ",
}

# Abbreviations in a written issuer, expanded word by word ("BCH TW" -> "Ban Chấp hành Trung ương").
ISSUER_ABBREVIATIONS: dict[str, str] = {
    "BCH": "Ban Chấp hành", "TW": "Trung ương", "TƯ": "Trung ương", "T.Ư": "Trung ương", "BCT": "Bộ Chính trị",
    "BBT": "Ban Bí thư", "TTg": "Thủ tướng Chính phủ", "TTCP": "Thủ tướng Chính phủ", "CP": "Chính phủ",
    "BTV": "Ban Thường vụ", "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "MTTQ": "Mặt trận Tổ quốc",
    "BDV": "Ban Dân vận", "BCĐ": "Ban Chỉ đạo", "QH": "Quốc hội", "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "VN": "Việt Nam", "TP": "thành phố", "TTTU": "Thường trực Tỉnh ủy",
}

# Issuers written several ways, after expansion (compared via ``vietnamese.key``) -> one name.
ISSUER_ALIASES: dict[str, str] = {
    "Trung ương": "Ban Chấp hành Trung ương",
    "Trung ương Đảng": "Ban Chấp hành Trung ương",
    "Ban Chấp hành Trung ương Đảng": "Ban Chấp hành Trung ương",
    "Ban Chấp hành Trung ương Đảng Cộng sản Việt Nam": "Ban Chấp hành Trung ương",
    "Bộ Chính trị Trung ương": "Bộ Chính trị",
    "Ban Bí thư Trung ương": "Ban Bí thư",
    "Ban Bí thư Trung ương Đảng": "Ban Bí thư",
    "Thủ tướng": "Thủ tướng Chính phủ",
    "Thủ tướng Chính phủ Chính phủ": "Thủ tướng Chính phủ",
    "Hội nghị Trung ương": "Ban Chấp hành Trung ương",  # a plenum of the Central Committee
    "Hội nghị Ban Chấp hành Trung ương": "Ban Chấp hành Trung ương",
}

# An issuer is written as a name: capitalised syllables, and these lower-case
# ones ("Ban Thường vụ Tỉnh ủy", "Ủy ban nhân dân tỉnh").  The first other
# lower-case word ends it ("của Thủ tướng Chính phủ về ...").
ISSUER_LOWER_WORDS: frozenset[str] = frozenset(
    "ban chấp hành thường vụ chính trị bí thư tướng phủ nhân dân tỉnh huyện thành phố thị xã quận ủy uỷ "
    "đảng trung ương hội đồng vận tuyên giáo mặt trận tổ quốc cán sự đoàn trực việt nam liên hiệp phụ nữ "
    "nông cựu chiến binh lao động thanh niên cộng sản hồ chí minh văn phòng tộc nội bộ cơ quan khối doanh "
    "nghiệp tịch chủ chỉ đạo ủy viên nghị".split())

# Bodies whose names hold lower-case words a name run would stop at ("Bộ Công an", "Bộ tài chính"):
# matched first, in any case.
ISSUER_BODIES: tuple[str, ...] = (
    "Bộ Công an", "Bộ Tài chính", "Bộ Tư pháp", "Bộ Nội vụ", "Bộ Y tế", "Bộ Giáo dục và Đào tạo", "Bộ Quốc phòng",
    "Bộ Ngoại giao", "Bộ Công Thương", "Bộ Xây dựng", "Bộ Giao thông vận tải", "Bộ Kế hoạch và Đầu tư",
    "Bộ Lao động - Thương binh và Xã hội", "Bộ Lao động, Thương binh và Xã hội",
    "Bộ Nông nghiệp và Phát triển nông thôn", "Bộ Nông nghiệp và Môi trường", "Bộ Tài nguyên và Môi trường",
    "Bộ Thông tin và Truyền thông", "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Văn hóa - Thông tin",
    "Bộ Văn hóa Thông tin", "Bộ Khoa học và Công nghệ", "Bộ Dân tộc và Tôn giáo", "Bộ Thương mại",
    "Bộ Công nghiệp", "Bộ Bưu chính, Viễn thông", "Ngân hàng Nhà nước Việt Nam", "Ngân hàng Nhà nước",
    "Thanh tra Chính phủ", "Ủy ban Dân tộc", "Văn phòng Chính phủ", "Tòa án nhân dân tối cao",
    "Viện kiểm sát nhân dân tối cao", "Kiểm toán Nhà nước", "Hội đồng Thẩm phán Tòa án nhân dân tối cao",
    "Tổng cục Bưu điện", "Ủy ban Thường vụ Quốc hội", "Ban Thường vụ Quốc hội",
)

# Names after "của" that are not an issuer ("Nghị quyết 25-NQ/TW của Đảng").
NOT_ISSUERS: tuple[str, ...] = ("Đảng", "Nhà nước", "Đảng ta", "Việt Nam", "Hội", "Hội nghị")

# Where a subject (trích yếu) ends: regexes tried after "về" / "ban hành".
SUBJECT_ENDS: tuple[str, ...] = (
    r"\s*[;:(\n]",
    r"\.(?:\s|$)",
    r",?\s+(?:đã|được|sẽ|đang|thì|nhằm|góp phần|cũng|vẫn|chưa|đều|vừa|trong đó|đồng thời|qua đó|từ đó|theo đó)\s",
    r",\s+(?:các\s+(?:cấp|địa phương|cơ quan|đơn vị|ngành|sở|huyện|xã|tỉnh|ban|chi bộ)|toàn|đến nay|sau|trên|hằng năm|hàng năm|thời gian qua|bước đầu|chúng ta|nhiều|hầu như|hầu hết|tuy nhiên|song|nhưng|do đó"
    r"|vì vậy|vì thế|khi|nếu|mặc dù|ông|bà|anh|chị|người dân|chúng tôi|tôi|hiện nay|ngày|tháng|sáng|chiều"
    r"|trong khi|đặc biệt"
    r"|Ban|Tỉnh ủy|Huyện ủy|Thành ủy|UBND|Ủy ban|MTTQ|Mặt trận|đồng chí|Đồng chí)(?!\w)",
    r"(?:,\s*|\s+và\s+|\s+cùng\s+)(?:các\s+)?(?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Quy định|Kế hoạch|Hướng dẫn|Thông báo"
    r"|Chương trình|Nghị định|Thông tư|Luật|Công văn|Đề án|QĐ|NĐ|NQ|CT|TT|KL|KH)\s+(?:số\s+)?\d",
)

# A bare citation goes to the only record of its number unless the text around it (AROUND_CHARS
# either side, at least AROUND_MIN_WORDS distinct words) shares no word of the record's subject
# (of at least TOPIC_MIN_WORDS) other than these, which any dân vận text may hold.
AROUND_CHARS = 400
AROUND_MIN_WORDS = 25
TOPIC_MIN_WORDS = 3  # distinctive subject words needed before their absence means anything
COMMON_SUBJECT_WORDS: tuple[str, ...] = (
    "về việc các của và với trong đối một số những cho tại theo đến năm giai đoạn",
    "thực hiện tăng cường công tác đẩy mạnh nâng cao chất lượng hiệu quả tiếp tục đổi mới sự lãnh đạo",
    "đảng nhà nước chính quyền cấp tình hình mới ban hành quy định hướng dẫn dân vận nhân dân người",
    "cơ quan hệ thống chính trị xây dựng phát huy vai trò trách nhiệm",
)

# Subjects longer than this are not cut reliably: unknown beats wrong.
SUBJECT_MAX_CHARS = 240

# Relations stated between two numbers of one sentence ("A thay thế B"), and
# the words that make a document review N years of implementing a record.
RELATION_WORDS: dict[str, str] = {
    "thay thế": "replaces",
    "hướng dẫn thực hiện": "implements",
    "thực hiện": "implements",
    "triển khai": "implements",
    "cụ thể hóa": "implements",
    "cụ thể hoá": "implements",
}
NUMBER_WORDS: dict[str, int] = {
    "hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10,
}  # keys as ``vietnamese.key`` gives them
REVIEW_RE = r"(sơ kết|tổng kết)\s+(\d{1,2}|mười|năm|ba|hai|bốn|sáu|bảy|tám|chín)\s+năm\s+(?:triển khai\s+|thi hành\s+)?thực hiện"

# --- Dates ---------------------------------------------------------------

# Years a text may be about (a year named in the text, a document number's year).
MIN_YEAR, MAX_YEAR = 1945, 2100

# How dates are written on portals: regexes with named groups d (day), m
# (month number) or mon (month name, see MONTH_NAMES) and y (year), tried
# case-insensitively.  Adding a CMS's date format means adding a line here.
DATE_PATTERNS: tuple[str, ...] = (
    # 2019-03-14, 2019-03-14T08:00:00+07:00
    r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d-])",
    # 14/03/2019, 14.03.2019, 14-03-2019, 14 / 3 / 2019
    r"(?<![\d/.-])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?![\d/.-])",
    # 2019/03/14, 2019.03.14
    r"(?<![\d/.-])(?P<y>\d{4})(?P<sep>[/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/.-])",
    # ngày 12 tháng 6 năm 2023, 18 Tháng 8 2015, 18 tháng 8, 2015
    r"(?<![\d/.-])(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*(?:,\s*|\s+năm\s+|\s+)(?P<y>\d{4})(?!\d)",
    # 31 March 2020, 31 Mar, 2020
    r"(?<!\w)(?P<d>\d{1,2})\s+(?P<mon>[a-z]{3,9})\.?,?\s+(?P<y>\d{4})(?!\d)",
    # March 31, 2020
    r"(?<!\w)(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})(?!\d)",
)

# Month names of the English-language CMS templates some portals use (first three letters).
MONTH_NAMES: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

# A news credit that may open a date line before the date: "(MTO 3 - 31/03/2020
# 14:27)", "(Chinhphu.vn) - 20:50, 14/03/2022".  An acronym or a host name,
# maybe a number, then a dash, bar or colon.
DATE_LINE_CREDIT = (
    r"^\(?\s*(?:(?-i:[A-ZĐ][A-ZĐ0-9&]{1,11})|[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org))"
    r"(?:\s+\d{1,3})?\s*\)?\s*[-–—|:]\s*"
)

# Words that may stand on a CMS date line around the date itself (compared
# case-insensitively).  A line with anything else is prose, not a date line.
WEEKDAY_WORDS: tuple[str, ...] = (
    "thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật", "cn",
    "thứ 2", "thứ 3", "thứ 4", "thứ 5", "thứ 6", "thứ 7",
)
DATE_LINE_WORDS: tuple[str, ...] = WEEKDAY_WORDS + (
    "ngày", "đăng", "ngày đăng", "đăng ngày", "cập nhật", "ngày cập nhật", "cập nhật lúc", "lúc", "giờ",
    "thời gian", "xuất bản", "ngày xuất bản", "posted", "published", "date", "on", "lượt xem", "lượt đọc",
    "gmt", "am", "pm", "sa", "ch", "view", "views", "view count", "count",
)

# --- Text dumps: boilerplate ----------------------------------------------

# Lines that end the article when met after its body (share bars, tags,
# comment forms, counters, pagination).  Full-line regexes, case-insensitive.
END_LINES: tuple[str, ...] = (
    r"\|?\s*Đầu trang",
    r"(?:Chia sẻ|Share)\s*:?",
    r"Facebook|Twitter|Telegram|Zalo|Email|E-mail|LinkedIn|Print|In bài|In trang|Gửi email|Lưu bài|Gửi bài",
    r"Tag\s*:.*|Tags\s*:.*|Từ khóa\s*:.*|Chuyên mục\s*:.*|Danh mục\s*:.*",
    r"File đính kèm\s*:?.*|Tệp đính kèm\s*:?.*|Tài liệu đính kèm\s*:?.*",
    r"Ý kiến bạn đọc|Bình luận|Gửi ý kiến|Gửi bình luận|Viết bình luận|Ý kiến của bạn",
    r"Tin liên quan|Tin khác|Tin cùng chuyên mục|Tin đọc nhiều|Tin mới nhất|Tin mới hơn|Tin cũ hơn|Các tin khác"
    r"|Bài viết liên quan",
    r"Thống kê truy cập|Lượt truy cập",
    r"<<?\s*<?(?:\s*\d+)+\s*>?\s*>>?",  # pagination "<<   <  1  2  >  >>"
    r"Trở về|Quay lại|Về đầu trang|Lên đầu trang",
)

# Lines dropped wherever they stand (portal furniture, counters, forms).
DROP_LINES: tuple[str, ...] = (
    r"Skip portlet\s*(?:Portlet Menu)?|Portlet Menu",
    r"Sign In|Sign Out|Đăng nhập|Đăng xuất|Đăng ký|Sơ đồ site|Sitemap|Nhảy tới nội dung|Tìm kiếm|Trang chủ|Home",
    r"(?:Hôm nay|Hôm qua|Trong tuần|Tuần này|Tháng này|Trong tháng|Trong 30 ngày qua|Tổng truy cập|Tổng số"
    r"|Đang online|Đang truy cập|Lượt xem|Lượt đọc)\s*:?\s*[\d.,\s]*",  # visitor counters
    r"Đăng ký nhận tin.*|Nhập email.*|Please enable JavaScript.*|Vui lòng bật JavaScript.*",
    r"Họ và tên|Họ tên|Nội dung ý kiến|Mã xác nhận|Gửi|Hủy",
    r"Chưa có ý kiến nào.*|Hãy là người đầu tiên.*",
    r"(?-i:.{0,30}\b\d*\s*[o°º]C)",  # weather widget: "oC", "Hà Nội 25°C"
    r"Xem chi tiết .{0,60}tại đây\.?|Xem thêm|Đọc tiếp",
    r"Giấy phép số .*|Ghi rõ nguồn .*|Bản quyền .*|Copyright .*|©.*|Powered by.*",
    r"Đánh giá bài viết\s*:?.*|[★☆\s]+",
    r"•",
    r"(?:Đăng bởi|Người đăng|Người viết|Biên tập viên|Tác giả)\s*:?|Ban Biên tập",  # meta labels above the body
)

# --- Bylines ------------------------------------------------------------

# A trailing line with one of these words is the author's position
# ("UVBTV, Trưởng Ban Dân vận Thị ủy"), not the author.
POSITION_WORDS: tuple[str, ...] = (
    "trưởng", "phó", "bí thư", "chủ tịch", "ủy viên", "uv", "uvbtv", "giám đốc", "chánh", "cán bộ",
    "phóng viên", "cộng tác viên", "thị ủy", "tỉnh ủy", "huyện ủy", "thành ủy", "ban dân vận",
)

# Words that open a byline before the name ("Theo Thu Chung – TTTT tỉnh"), matched case-insensitively.
BYLINE_PREFIXES: tuple[str, ...] = ("Theo", "Bài và ảnh:", "Bài, ảnh:", "Bài:", "Tin, ảnh:", "Tác giả:", "Nguồn:",
                                    "Người viết:", "Đăng bởi", "By")

# Words of a byline that credit a source or the desk, not a writer ("Theo Báo Nghệ An", "P.V (tổng hợp)").
SOURCE_WORDS: tuple[str, ...] = ("theo ", "nguồn", "ban biên tập", "bbt", "tổng hợp", "p.v", "pv", "ptv", "ctv",
                                 "admin", "quản trị")

# A byline's credited name: at most this many words (a person's name: 2 to 5), the line at most BYLINE_CHARS.
BYLINE_WORDS, PERSON_WORDS, BYLINE_CHARS = 8, (2, 5), 80

# --- Provinces ------------------------------------------------------------

# Words before a province name that make it an administrative mention
# ("tỉnh Vĩnh Long", "TP. Hồ Chí Minh").
ADMIN_PREFIXES: tuple[str, ...] = ("tỉnh", "thành phố", "tp.", "tp", "thủ đô")

# Bodies named after their province ("UBND tỉnh Vĩnh Long", "Tỉnh ủy Quảng
# Ninh", "Đài Phát thanh và Truyền hình Hà Giang"): a mention after one of
# these is strong evidence.  Compared without case or diacritics.
PROVINCE_ORG_WORDS: tuple[str, ...] = (
    "ubnd", "ủy ban nhân dân", "hđnd", "hội đồng nhân dân", "tỉnh ủy", "thành ủy", "tỉnh đoàn", "thành đoàn",
    "ủy ban mttq việt nam", "ủy ban mttq", "ủy ban mặt trận tổ quốc việt nam", "mttq", "mặt trận tổ quốc",
    "mttq việt nam", "hội lhpn", "hội liên hiệp phụ nữ", "hội liên hiệp phụ nữ việt nam", "hội nông dân",
    "hội cựu chiến binh", "liên đoàn lao động", "đảng bộ", "đảng ủy", "ban dân vận", "ban tuyên giáo",
    "công an", "bộ chỉ huy quân sự", "bộ chỉ huy bộ đội biên phòng", "bộ đội biên phòng",
    "đài phát thanh và truyền hình", "đài phát thanh - truyền hình", "đài pt-th", "đài ptth", "truyền hình", "báo",
    "cổng thông tin điện tử", "cổng ttđt", "trang thông tin điện tử", "trang ttđt", "văn phòng ubnd", "sở nội vụ",
    "sở thông tin và truyền thông", "sở tt&tt", "ban chỉ đạo", "đoàn đại biểu quốc hội", "tòa án nhân dân",
    "viện kiểm sát nhân dân",
)

# Phrases that contain a province name but are not the province.
NOT_PROVINCE_PHRASES: tuple[str, ...] = ("Thái Bình Dương",)

# Administrative-unit words before a district or commune name ("xã Quỳnh
# Lộc", "thị xã Hoàng Mai"), by level of the gazetteer: w = commune/ward,
# d = district.  Both cases are listed because sentences may start with them.
PLACE_WORDS: dict[str, str] = {
    "xã": "w", "phường": "w", "thị trấn": "w",
    "huyện": "d", "quận": "d", "thị xã": "d", "thành phố": "d", "tp.": "d", "tp": "d",
    "huyện ủy": "d", "thị ủy": "d", "quận ủy": "d", "thành ủy": "d",
}

# --- Provinces: weighing the evidence of a text ------------------------------------

# Words in a portal's own name that make it national ("Cổng Thông tin điện tử
# Chính phủ", "Báo điện tử Đảng Cộng sản Việt Nam", "Ủy ban Trung ương MTTQ Việt
# Nam"): a portal named so, naming no province, publishes about the whole country,
# and its articles get a province only when they are clearly about one.
NATIONAL_WORDS: tuple[str, ...] = (
    "việt nam", "trung ương", "chính phủ", "quốc hội", "toàn quốc", "quốc gia", "vietnam", "national",
)
# Phrases with a national word that any portal prints (the state's name in a page header).
NOT_NATIONAL_PHRASES: tuple[str, ...] = ("cộng hòa xã hội chủ nghĩa việt nam", "độc lập - tự do - hạnh phúc")
# Source provinces that mean "national" in a sources file (sources/portals.tsv says "Trung ương").
NATIONAL_SOURCE_NAMES: tuple[str, ...] = ("trung ương", "toàn quốc", "quốc gia", "national", "việt nam")
# Hosts of national portals, for pages that do not print their own name: a
# complement to NATIONAL_WORDS, not a substitute.
NATIONAL_HOSTS: tuple[str, ...] = (
    "chinhphu.vn", "baochinhphu.vn", "dangcongsan.vn", "dangcongsan.org.vn", "mattran.org.vn", "baodantoc.vn",
    "daidoanket.vn", "nhandan.vn", "quochoi.vn", "tapchicongsan.org.vn", "danvan.vn", "vietnamplus.vn",
)
# Host labels of provincial radio and TV stations built from the initials of a
# province's name: "thvl" (Truyền hình Vĩnh Long), "vltv".  Used only for
# initials that name one province; others are listed in provinces.tsv.
INITIALS_HOST_LABELS: tuple[str, ...] = ("th{}", "{}tv", "{}rtv", "ptth{}")

# How much each kind of mention in an article says that it is about a province.
PROVINCE_WEIGHTS: dict[str, int] = {
    "credit": 4,  # "(Vinhlong.gov.vn) – Ngày 12/3 ...": the portal credits itself
    "dateline": 3,  # "Vĩnh Phúc, ngày 21 tháng 5 năm 2021"
    "title": 3,  # "UBND tỉnh X ...", "X: ..." in the headline
    "title_plain": 2,  # the bare name in the headline ("Phụ nữ Hà Giang chung tay ...")
    "scope": 3,  # "trên địa bàn tỉnh X"
    "subject": 3,  # "..., tỉnh X ban hành ..."
    "organisation": 2,  # "UBND tỉnh X", "Tỉnh ủy X"
    "places": 3,  # two or more districts/communes that all lie in X
    "admin": 1,  # "tỉnh X" in passing
}
# The best province needs this score, and `PROVINCE_LEAD` times the runner-up's;
# on a national portal both are higher (unknown beats wrong).
PROVINCE_MIN_SCORE, PROVINCE_LEAD = 2, 2
PROVINCE_MIN_SCORE_NATIONAL, PROVINCE_LEAD_NATIONAL = 5, 3

# Issuers in a document's heading whose dateline names where they sit, not what the
# document is about ("BAN CHẤP HÀNH TRUNG ƯƠNG ... Hà Nội, ngày 15 tháng 10 năm 2024").
CENTRAL_ISSUER_WORDS: tuple[str, ...] = (
    "trung ương", "bộ chính trị", "ban bí thư", "chính phủ", "thủ tướng", "quốc hội",
)

# Words before "tỉnh X" that make X the scope of the article.
PROVINCE_SCOPE_WORDS: tuple[str, ...] = ("trên địa bàn", "trên toàn địa bàn", "địa bàn", "toàn tỉnh", "toàn thành phố")
# Verbs after "tỉnh X" at the start of a clause that make X the subject ("Năm 2021, tỉnh Vĩnh Phúc ban hành").
PROVINCE_SUBJECT_VERBS: tuple[str, ...] = (
    "ban hành", "tổ chức", "triển khai", "chỉ đạo", "phát động", "thực hiện", "quyết định", "phê duyệt",
    "đã", "đang", "sẽ", "luôn", "tiếp tục", "xác định", "đề ra", "hoàn thành", "đạt", "có",
)
# Words before a province that make it one of several ("các tỉnh Bình Dương, Đồng Nai").
PROVINCE_LIST_WORDS: tuple[str, ...] = (
    "các tỉnh", "các thành phố", "các tỉnh, thành phố", "các tỉnh, thành", "các địa phương",
)
