"""A held-out corpus for measuring from outside: seeded, written as JSONL records, with what a reader knows of each
document (its year, province as published and since 2025, genre, period, cited numbers) kept beside it.

Unlike the corpora of the other tests it mixes every way a record may carry its facts (given, left in the text,
null, absent) and every way a text may carry a phrase (accents or none, old or new tone placement, upper case,
NFD, a line break or punctuation inside it, the title only, an attached file's text), with near-misses that hold a
phrase's syllables apart or glued to another letter.  The counting helpers here are deliberately simple and share
no code with the product: they fold with :mod:`unicodedata` alone.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

PHRASES = ["hòa giải ở cơ sở", "thủy lợi nội đồng", "xóa nhà tạm", "kinh tế tập thể", "an sinh xã hội"]
# Each phrase written as a text may carry it; the near-misses never count.
FORMS = {
    "hòa giải ở cơ sở": ["hòa giải ở cơ sở", "hoà giải ở cơ sở", "HÒA GIẢI Ở CƠ SỞ", "hoa giai o co so",
                         "Hoà Giải Ở Cơ Sở", "hòa giải\nở cơ sở", "hòa giải, ở cơ sở"],
    "thủy lợi nội đồng": ["thủy lợi nội đồng", "thuỷ lợi nội đồng", "THUỶ LỢI NỘI ĐỒNG", "thuy loi noi dong",
                          "thủy lợi - nội đồng"],
    "xóa nhà tạm": ["xóa nhà tạm", "xoá nhà tạm", "XÓA NHÀ TẠM", "xoa nha tam", "Xoá nhà tạm, nhà dột nát"],
    "kinh tế tập thể": ["kinh tế tập thể", "Kinh Tế Tập Thể", "kinh te tap the", "kinh tế\ntập thể"],
    "an sinh xã hội": ["an sinh xã hội", "AN SINH XÃ HỘI", "an sinh xa hoi", "an sinh (xã hội)"],
}
NEAR_MISSES = {
    "hòa giải ở cơ sở": ["hòa giải tại cơ sở", "cơ sở hòa giải ở", "hòa giảiở cơ sở"],
    "thủy lợi nội đồng": ["thủy lợi và nội đồng", "nội đồng thủy lợi", "thủy lợi nội đồngg"],
    "xóa nhà tạm": ["xóa bỏ nhà tạm", "nhà tạm xóa", "xóa nhàtạm"],
    "kinh tế tập thể": ["kinh tế và tập thể", "tập thể kinh tế", "kinh tế tập thểdục"],
    "an sinh xã hội": ["an sinh và xã hội", "xã hội an sinh", "an sinhxã hội"],
}
# (the variant a record or text writes, the province as published, the province since 1/7/2025)
PROVINCES = [
    ("Hà Giang", "Hà Giang", "Tuyên Quang"), ("tỉnh Hà Giang", "Hà Giang", "Tuyên Quang"),
    ("ha giang", "Hà Giang", "Tuyên Quang"), ("Tuyên Quang", "Tuyên Quang", "Tuyên Quang"),
    ("Hải Dương", "Hải Dương", "Hải Phòng"), ("Thành phố Hải Phòng", "Hải Phòng", "Hải Phòng"),
    ("Thừa Thiên Huế", "Thừa Thiên Huế", "Huế"), ("Thừa Thiên - Huế", "Thừa Thiên Huế", "Huế"),
    ("Hoà Bình", "Hòa Bình", "Phú Thọ"), ("Vĩnh Phúc", "Vĩnh Phúc", "Phú Thọ"),
    ("Khánh Hoà", "Khánh Hòa", "Khánh Hòa"), ("Ninh Thuận", "Ninh Thuận", "Khánh Hòa"),
    ("Bến Tre", "Bến Tre", "Vĩnh Long"), ("Trà Vinh", "Trà Vinh", "Vĩnh Long"), ("Vĩnh Long", "Vĩnh Long", "Vĩnh Long"),
    ("Đắc Nông", "Đắk Nông", "Lâm Đồng"), ("Bình Dương", "Bình Dương", "TP Hồ Chí Minh"),
    ("Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu", "TP Hồ Chí Minh"), ("TP.HCM", "TP Hồ Chí Minh", "TP Hồ Chí Minh"),
    ("Kon Tum", "Kon Tum", "Quảng Ngãi"), ("Bình Định", "Bình Định", "Gia Lai"), ("Quảng Ninh", "Quảng Ninh", "Quảng Ninh"),
    # a 2025 name as published, and names typed without diacritics
    ("TP Huế", "Huế", "Huế"), ("Thành phố Hồ Chí Minh", "TP Hồ Chí Minh", "TP Hồ Chí Minh"),
    ("tinh dak nong", "Đắk Nông", "Lâm Đồng"), ("thanh pho hai phong", "Hải Phòng", "Hải Phòng"),
]
# Provinces the text names for records that leave the province out ("Ban Dân vận Tỉnh ủy X").
TEXT_PROVINCES = [("Hà Giang", "Hà Giang", "Tuyên Quang"), ("Bến Tre", "Bến Tre", "Vĩnh Long"),
                  ("Hải Dương", "Hải Dương", "Hải Phòng"), ("Quảng Ninh", "Quảng Ninh", "Quảng Ninh")]
# Topics for significant terms: (query, sentence every topic document holds, planted sentence, planted term).
# A planted term holds no word of its query: a term that does restates the query and is left out by design.
TOPICS = {
    "security": ("an ninh trật tự", "Tổ dân phòng giữ gìn an ninh trật tự trên địa bàn.",
                 "Nhân dân tham gia lắp đặt camera giám sát tại các ngõ xóm.", "camera giám sát"),
    # "đại" folds like the query's "đãi": the term shares no word with the query all the same
    "livelihood": ("vay vốn ưu đãi", "Hộ nghèo được vay vốn ưu đãi của ngân hàng chính sách.",
                   "Hội viên được vay vốn nuôi đại gia súc để thoát nghèo.", "đại gia súc"),
    "water": ("nước sạch", "Bà con vùng cao đã có nước sạch để dùng hằng ngày.", None, None),
}
FILLER = [
    "Cán bộ thôn bám sát địa bàn, lắng nghe ý kiến của bà con.",
    "Hội viên phụ nữ góp công làm đường bê tông liên thôn.",
    "Đoàn thanh niên xã ra quân dọn vệ sinh môi trường.",
    "Chi hội nông dân phổ biến cách chăm sóc cây chè.",
    "Già làng, trưởng bản vận động con cháu đi học đều.",
    "Cựu chiến binh giúp nhau phát triển mô hình nuôi cá lồng.",
    "Mặt trận xã phối hợp với các đoàn thể chăm lo người có công.",
    "Bà con đồng bào góp ngày công sửa lại nhà văn hóa.",
    "Trưởng thôn họp dân bàn cách làm vườn mẫu.",
    "Nhiều gia đình hiến đất mở rộng đường làng.",
    "Các chi bộ duy trì sinh hoạt đều đặn mỗi tháng.",
    "Cán bộ huyện về cơ sở nắm bắt tâm tư nguyện vọng của nhân dân.",
]
# Title templates: (genre, template); {p} the year a title names, {s} its subject.
TITLES = [
    ("six_month_review", "Báo cáo sơ kết công tác dân vận 6 tháng đầu năm {p} về {s}", "{p}-H1"),
    ("annual_review", "Tổng kết công tác dân vận năm {p} về {s}", "{p}"),
    ("plan", "Kế hoạch thực hiện {s} năm {p}", "{p}"),
    ("guidance", "Hướng dẫn thực hiện {s} năm {p}", "{p}"),
    ("model_story", "Dân vận khéo: chuyện {s} ở bản", None),
    ("news", "Ban Dân vận tổ chức tập huấn về {s}", None),
    ("unknown", "Chuyện về {s}", None),
]
SUBJECTS = ["công tác dân vận", "vận động quần chúng", "xây dựng nông thôn mới", "quy chế dân chủ"]
DIRECTIVES = [("theo Nghị quyết số 25-NQ/TW của Trung ương", "25-NQ/TW"),
              ("thực hiện Chỉ thị 16/CT-TTg của Thủ tướng", "16/CT-TTg"),
              ("theo Nghị quyết số 25 - NQ/TW", "25-NQ/TW")]


@dataclass
class Doc:
    """One record and what a reader knows of it."""

    id: str
    title: str
    text: str
    year: int | None
    published: str | None
    province: str | None
    province_2025: str | None
    genre: str
    period: str | None
    directives: list[str] = field(default_factory=list)
    topic: str | None = None
    record: dict = field(default_factory=dict)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ as d: by unicodedata alone."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def syllables(text: str) -> list[str]:
    """Folded syllables; any punctuation or space between them is no boundary of a phrase."""
    return re.findall(r"[a-z0-9]+", fold(text))


def holds(text: str, phrase: str) -> bool:
    """True when ``text`` holds the syllables of ``phrase`` in a row."""
    words, sylls = syllables(phrase), syllables(text)
    return any(sylls[i:i + len(words)] == words for i in range(len(sylls) - len(words) + 1))


def has_all(doc: Doc, query: str) -> bool:
    """True when every syllable of ``query`` is in the document's title or text (an unquoted query)."""
    present = set(syllables(doc.title)) | set(syllables(doc.text))
    return all(word in present for word in syllables(query))


def contains(doc: Doc, phrase: str) -> bool:
    """The phrase in the title or the text (never across the two)."""
    return holds(doc.title, phrase) or holds(doc.text, phrase)


def generate(seed: int = 19, n: int = 520) -> list[Doc]:
    """``n`` documents, then attached files' texts and republished copies; deterministic for a seed."""
    rng = random.Random(seed)
    docs: list[Doc] = []
    topics = ["security"] * 45 + ["livelihood"] * 45 + ["water"] * 45 + [None] * (n - 135)
    rng.shuffle(topics)
    for i, topic in enumerate(topics):
        docs.append(_document(rng, f"h{i:04d}", topic))
    # Attached files: their own documents (parent_id), a phrase only in the file's text.
    for i, parent in enumerate(rng.sample(docs, 24)):
        phrase = PHRASES[i % len(PHRASES)]
        text = f"{rng.choice(FILLER)} Phụ lục: {rng.choice(FORMS[phrase])} {rng.choice(FILLER)}"
        record = {"id": f"{parent.id}-file", "parent_id": parent.id, "title": "Phụ lục kèm theo", "text": text,
                  "published": parent.published, "year": parent.year, "province": parent.province}
        docs.append(Doc(record["id"], record["title"], text, parent.year, parent.published, parent.province,
                        parent.province_2025, "unknown", None, [], None, record))
    # A portal republishing another's article: the same text, another id and province.
    for i, original in enumerate(rng.sample(docs[:n], 6)):
        variant, province, province_2025 = PROVINCES[i]
        record = {**original.record, "id": f"{original.id}-copy", "province": variant}
        record.pop("url", None)
        docs.append(Doc(record["id"], original.title, original.text, original.year, original.published, province,
                        province_2025, original.genre, original.period, original.directives, original.topic, record))
    return docs


def _document(rng: random.Random, doc_id: str, topic: str | None) -> Doc:
    sentences = rng.sample(FILLER, rng.randint(3, 6))
    # Phrases: one to three planted forms, a near-miss now and then, a phrase in the title only.
    in_title = None
    for phrase in rng.sample(PHRASES, rng.choice([0, 0, 1, 1, 2, 3])):
        form = rng.choice(FORMS[phrase])
        sentences.insert(rng.randrange(len(sentences) + 1), f"Bàn về {form} ở địa phương.")
    for phrase in rng.sample(PHRASES, rng.choice([0, 1, 1, 2])):
        sentences.insert(rng.randrange(len(sentences) + 1), f"Chuyện {rng.choice(NEAR_MISSES[phrase])} đã rõ.")
    if rng.random() < 0.12:
        in_title = rng.choice(FORMS[rng.choice(PHRASES)]).replace("\n", " ")
    if topic:
        query, common, planted, _ = TOPICS[topic]
        sentences.insert(rng.randrange(len(sentences) + 1), common)
        if planted and rng.random() < 0.7:
            sentences.insert(rng.randrange(len(sentences) + 1), planted)
    elif rng.random() < 0.02:  # the planted terms are rare, not absent, elsewhere
        sentences.append(TOPICS[rng.choice(["security", "livelihood"])][2])
    directives: list[str] = []
    if rng.random() < 0.3:
        words, number = rng.choice(DIRECTIVES)
        sentences.append(f"Các cấp triển khai {words}.")
        directives.append(number)
    if rng.random() < 0.15:
        sentences = [unicodedata.normalize("NFD", s) for s in sentences]  # a decomposed text
    record: dict = {"id": doc_id}
    # The date: given, given as a timestamp, the year only, a line of the text, or none at all.
    year = rng.choice([*range(2015, 2027), None])
    published = None
    date_line = None
    mode = rng.choice(["published", "published", "timestamp", "year", "year_text", "text"]) if year else \
        rng.choice(["absent", "null"])
    if year:
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        if mode == "published":
            published = record["published"] = f"{year}-{month:02d}-{day:02d}"
        elif mode == "timestamp":
            published = f"{year}-{month:02d}-{day:02d}"
            record["published"] = f"{published}T{rng.randint(0, 23):02d}:15:00+07:00"
        elif mode == "year":
            record["year"] = year
            record["published"] = None
        elif mode == "year_text":
            record["year"] = str(year)
            record["published"] = None
        else:
            published = f"{year}-{month:02d}-{day:02d}"
            date_line = rng.choice([f"Ngày {day} tháng {month} năm {year}", f"({day:02d}/{month:02d}/{year})"])
    elif mode == "null":
        record["published"] = record["year"] = None
    # The province: given in one of its spellings, named in the text, null, or nowhere.
    how = rng.choice(["given", "given", "given", "text", "null", "absent"])
    if how == "given":
        variant, province, province_2025 = rng.choice(PROVINCES)
        record["province"] = variant
    elif how == "text":
        variant, province, province_2025 = rng.choice(TEXT_PROVINCES)
        sentences.insert(0, f"Ban Dân vận Tỉnh ủy {variant} chỉ đạo sát sao.")
    else:
        province = province_2025 = None
        if how == "null":
            record["province"] = None
    # The title: a genre's phrasing, naming a year only when the document has one.
    genre, template, period = rng.choice(TITLES)
    if "{p}" in template and not year:
        genre, template, period = rng.choice([t for t in TITLES if "{p}" not in t[1]])
    said = year - 1 if genre == "annual_review" and published and published[5:7] == "01" else year
    title = template.format(p=said, s=in_title or rng.choice(SUBJECTS))
    period = period.format(p=said) if period else None
    if rng.random() < 0.1:
        title = title.upper()
    if how == "text" and published and published >= "2025-07-01":
        province = province_2025  # after the merger, a page naming the old province means the merged one
    text = "\n".join(([date_line] if date_line else []) + sentences)
    record.update(title=title, text=text)
    if rng.random() < 0.2 and directives:  # the number given, spelt otherwise, as well as cited
        record["directives"] = [directives[0].replace("-", "/", 1) if "NQ" in directives[0] else directives[0]]
    return Doc(doc_id, title, text, year, published, province, province_2025, genre, period, directives, topic,
               record)


def write_jsonl(docs: list[Doc], path: Path) -> Path:
    """The records, one JSON object a line."""
    path.write_text("".join(json.dumps(d.record, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path
