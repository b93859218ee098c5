"""Text dumps of portal pages -> clean article and metadata; extract_metadata on clean text."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from corpus.extract.textmeta import extract_metadata
from corpus.store.pipeline import page_fields

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
SEED_GOLD = [json.loads(line) for line in (SEEDS / "gold.jsonl").open(encoding="utf-8")] if SEEDS.is_dir() else []
# Bylines as printed on each seed page (not in gold.jsonl).
SEED_AUTHORS = {
    "000": "Theo Thu Chung – TTTT tỉnh",
    "001": "Nguyễn Đình Tề",
    "002": "Văn Bính- Hải Hà",
    "003": "Thiên Hương",
    "004": "N.H",
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    return {g["file"]: page_fields((SEEDS / g["file"]).read_text(encoding="utf-8"), text_dump=True) for g in SEED_GOLD}


@pytest.mark.shared
@pytest.mark.parametrize("gold", SEED_GOLD, ids=lambda g: g["file"][:3])
def test_seed(shared_dir, parsed, gold):
    doc = parsed[gold["file"]]
    for sentence in gold["with"]:
        assert sentence in doc["text"]
    for boilerplate in gold["without"]:
        assert boilerplate not in doc["text"] and boilerplate not in doc["title"]
    assert doc["title"] == gold["title"]
    assert doc["published"] == gold["published"]
    assert doc["year"] == gold["year"]
    assert doc["province"] == gold["province"]
    assert doc["province_2025"] == gold["province_2025"]
    assert sorted(doc["directives"]) == sorted(gold["directives"])
    assert sorted(doc["directives_partial"]) == sorted(gold["directives_partial"])
    assert doc["author"] == SEED_AUTHORS[gold["file"][:3]]


@pytest.mark.shared
@pytest.mark.parametrize("gold", SEED_GOLD, ids=lambda g: g["file"][:3])
def test_seed_text_shape(shared_dir, parsed, gold):
    doc = parsed[gold["file"]]
    paragraphs = doc["text"].split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert len(paragraphs) == len(set(paragraphs))  # nothing printed twice
    assert doc["title"] not in paragraphs
    assert doc["author"] not in doc["text"]  # the byline is metadata, not text
    assert set(doc) >= {"title", "text", "published", "year", "province", "province_2025", "directives",
                        "directives_partial", "author"}


@pytest.mark.shared
def test_seed_lede_printed_twice_is_kept_once(shared_dir, parsed):
    text = parsed["003_28590b2518cd8516.txt"]["text"]
    assert text.count("Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành Kế hoạch số 202-KH/BDVTU") == 1
    assert text.startswith("Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành")


DUMP = """Trang chủ
Giới thiệu
Tin tức - Sự kiện
Cổng thông tin điện tử tỉnh Vĩnh Long
Hội nghị tổng kết công tác dân vận năm 2023 Hội nghị tổng kết công tác dân vận năm 2023
Thứ Sáu, 12/01/2024 09:15
Lượt xem: 321

Ngày 10/1/2024, Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2023, triển khai nhiệm vụ năm 2024 theo Nghị quyết số 25-NQ/TW và Kế hoạch 34 của Ban Thường vụ Tỉnh ủy.

Năm 2023, công tác dân vận có nhiều chuyển biến tích cực; các mô hình “Dân vận khéo” được nhân rộng trên các lĩnh vực kinh tế, văn hóa - xã hội, quốc phòng - an ninh và xây dựng hệ thống chính trị.
Năm 2023, công tác dân vận có nhiều chuyển biến tích cực; các mô hình “Dân vận khéo” được nhân rộng trên các lĩnh vực kinh tế, văn hóa - xã hội, quốc phòng - an ninh và xây dựng hệ thống chính trị.

Minh Khoa
Chia sẻ:
Facebook
Zalo
Tin liên quan
Sơ kết 6 tháng đầu năm 2023 (09/07/2023)
Thống kê truy cập
Hôm nay: 1.234
Tổng truy cập: 9.876.543
"""


def test_generic_dump():
    doc = page_fields(DUMP, text_dump=True)
    assert doc["title"] == "Hội nghị tổng kết công tác dân vận năm 2023"
    assert doc["published"] == "2024-01-12" and doc["year"] == 2024  # not the event date, not a footer date
    assert doc["province"] == "Vĩnh Long" and doc["province_2025"] == "Vĩnh Long"
    assert doc["directives"] == ["25-NQ/TW"] and doc["directives_partial"] == ["Kế hoạch 34"]
    assert doc["author"] == "Minh Khoa"
    assert doc["text"].startswith("Ngày 10/1/2024, Ban Dân vận Tỉnh ủy")
    assert doc["text"].count("Năm 2023, công tác dân vận") == 1
    for furniture in ("Trang chủ", "Lượt xem", "Facebook", "Zalo", "Tin liên quan", "Sơ kết 6 tháng", "Hôm nay",
                      "Tổng truy cập", "Chia sẻ", "Cổng thông tin"):
        assert furniture not in doc["text"]


@pytest.mark.parametrize("raw", ["", "\n\n  \n", "Facebook\nTwitter\nĐăng nhập", "\x00\x01 rác"])
def test_empty_or_furniture_only_dumps_give_no_text_and_no_crash(raw):
    doc = page_fields(raw, text_dump=True)
    assert doc["text"].strip() in ("", "\x00\x01 rác")
    assert doc["province"] is None and doc["directives"] == []


def test_dump_is_nfc_and_tolerates_windows_newlines():
    nfd = "Tie\u0302u \u0111e\u0302\u0300"  # NFD "Tiêu đề"
    raw = f"Trang chủ\r\n{nfd} một bài báo ngắn\r\n\r\n" + "Nội dung bài viết về công tác dân vận ở cơ sở, " * 5 + "\r\n"
    doc = page_fields(raw, text_dump=True)
    assert doc["title"] == "Tiêu đề một bài báo ngắn"
    assert "\r" not in doc["text"] and doc["text"].startswith("Nội dung bài viết")


@pytest.mark.parametrize("line,author", [
    ("Nguyễn Đình Tề", "Nguyễn Đình Tề"),
    ("N.H", "N.H"),
    ("Theo Thu Chung – TTTT tỉnh", "Theo Thu Chung – TTTT tỉnh"),
    ("Văn Bính- Hải Hà", "Văn Bính- Hải Hà"),
    ("Minh Hằng - Ban Dân vận Tỉnh ủy", "Minh Hằng - Ban Dân vận Tỉnh ủy"),  # as printed, unit included
    ("TTXVN", "TTXVN"),
    ("Top", None),  # one plain word is page furniture
    ("Phó Bí thư Tỉnh ủy phát biểu chỉ đạo tại hội nghị", None),  # a caption, not a byline
    ("Xem tiếp kỳ sau.", None),
])
def test_bylines(line, author):
    raw = "Tiêu đề của một bài viết mẫu\n\n" + "Đây là một đoạn văn dài của bài viết về công tác dân vận. " * 4 + f"\n\n{line}\n"
    assert page_fields(raw, text_dump=True)["author"] == author


# --- extract_metadata on clean text ----------------------------------------------

def test_extract_metadata_from_clean_text():
    text = (
        "Ngày 12/3/2019, UBND tỉnh Vĩnh Long tổng kết công tác dân vận chính quyền năm 2018 theo Chỉ thị số "
        "16/CT-TTg và Nghị quyết 12 của Tỉnh ủy."
    )
    meta = extract_metadata(text, title="Tổng kết công tác dân vận chính quyền", header=["Ngày 14/03/2019 08:59:47"])
    assert meta == {
        "published": dt.date(2019, 3, 14),
        "year": 2019,
        "year_source": "published",
        "province": "Vĩnh Long",
        "province_2025": "Vĩnh Long",
        "directives": ["16/CT-TTg"],
        "directives_partial": ["Nghị quyết 12"],
    }


def test_extract_metadata_unknown_is_none():
    meta = extract_metadata("Ban Dân vận Tỉnh ủy ban hành kế hoạch thực hiện trong tháng 10.")
    assert meta["published"] is None and meta["year"] is None
    assert meta["province"] is None and meta["province_2025"] is None
    assert meta["directives"] == [] and meta["directives_partial"] == []


def test_extract_metadata_year_from_text_and_title_when_no_date():
    meta = extract_metadata("6 tháng đầu năm 2023, các cơ quan ... 6 tháng cuối năm 2023.", title="Giao ban")
    assert meta["year"] == 2023 and meta["published"] is None


def test_extract_metadata_uses_header_url_and_source():
    text = "Hội nghị được tổ chức tại hội trường."
    assert extract_metadata(text, url="https://baohagiang.vn/a")["province"] == "Hà Giang"
    assert extract_metadata(text, header=["Báo Quảng Ninh"])["province"] == "Quảng Ninh"
    assert extract_metadata(text, source_province="vinh long", header=["Báo Quảng Ninh"])["province"] == "Vĩnh Long"


def test_pages_published_after_the_reorganisation_name_the_new_province():
    before = extract_metadata("Tin.", header=["15:15, 10/06/2025", "Đài Phát thanh và Truyền hình Hà Giang"])
    after = extract_metadata("Tin.", header=["15:15, 12/08/2025", "Hội LHPN tỉnh Hà Giang"])
    assert (before["province"], before["province_2025"]) == ("Hà Giang", "Tuyên Quang")
    assert (after["province"], after["province_2025"]) == ("Tuyên Quang", "Tuyên Quang")


# --- the fixture portals' pages, flattened to text dumps -----------------------------

def _fixture_gold() -> list[dict]:
    path = SHARED / "fixtures" / "sites" / "gold.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []


@pytest.mark.shared
@pytest.mark.parametrize("gold", _fixture_gold(), ids=lambda g: f"{g['site']}{g['path']}")
def test_fixture_pages_as_text_dumps(shared_dir, gold):
    """The five portal families' pages, as BeautifulSoup flattens them, clean like the seeds."""
    from bs4 import BeautifulSoup

    path = shared_dir / "fixtures" / "sites" / gold["site"] / gold["path"].lstrip("/")
    if gold["path"].endswith("/"):
        path = path / "index.html"
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    doc = page_fields(soup.get_text("\n"), text_dump=True)
    assert doc["title"] == gold["title"]
    assert doc["published"] == gold["published"]
    assert (doc["province"], doc["province_2025"]) == (gold["province"], gold["province_2025"])
    assert sorted(doc["directives"]) == sorted(gold["directives"])
    assert sorted(doc["directives_partial"]) == sorted(gold["directives_partial"])
    for sentence in gold["with"]:
        assert sentence in doc["text"]
    for boilerplate in gold["without"]:
        assert boilerplate not in doc["text"]
    if gold.get("author"):  # the byline as printed may add the author's unit: "Minh Hằng - Ban Dân vận Tỉnh ủy"
        assert doc["author"].startswith(gold["author"])


@pytest.mark.shared
def test_real_pages_never_crash(shared_dir):
    from bs4 import BeautifulSoup

    pages = sorted((shared_dir / "fixtures" / "real-html").glob("*.html"))
    assert pages
    for page in pages:
        doc = page_fields(BeautifulSoup(page.read_bytes(), "lxml").get_text("\n"), text_dump=True)
        assert isinstance(doc["text"], str) and doc["text"] == doc["text"].strip()


STAMPS = {"Thứ ba, 18 Tháng 8 2015 16:06": "2015-08-18", "(MTO 3 - 31/03/2020 14:27)": "2020-03-31",
          "20:50, 14/03/2022": "2022-03-14", "Thứ ba, 15/10/2024, 16:41 PM": "2024-10-15",
          "(17:18 | 02/11/2020)": "2020-11-02", "01/03/2018": "2018-03-01"}
DUMP_TITLE = "Ban Dân vận Tỉnh ủy sơ kết công tác dân vận 6 tháng đầu năm"
DUMP_BODY = ("Sáng 30/6, Ban Dân vận Tỉnh ủy tổ chức hội nghị sơ kết công tác dân vận 6 tháng đầu năm, triển khai "
             "nhiệm vụ 6 tháng cuối năm. Ngày 15/5/2019, Ban đã ban hành hướng dẫn thực hiện Quyết định 23-QĐ/TW.")


# A title line ending in a bare date keeps it (see test_dates): only stamps with a time there.
@pytest.mark.parametrize("where,stamp", [(w, s) for w in ("under the title", "above the title", "on the title line")
                                         for s in STAMPS if w != "on the title line" or ":" in s])
def test_real_portal_date_stamps_in_text_dumps(where, stamp):
    head = {"under the title": [DUMP_TITLE, stamp], "above the title": [stamp, DUMP_TITLE],
            "on the title line": [f"{DUMP_TITLE} {stamp}"]}[where]
    doc = page_fields("\n".join(["Trang chủ", "Thứ Sáu, 04/12/2026", "Cổng thông tin điện tử", "Tin tức",
                                     *head, DUMP_BODY, DUMP_BODY + " Hết.", "Facebook"]), text_dump=True)
    assert (doc["published"], doc["title"]) == (STAMPS[stamp], DUMP_TITLE)
    assert stamp not in doc["text"] and doc["text"].startswith("Sáng 30/6")
