"""HTML cleaning and metadata: fixture portals against their gold, real pages, edge cases."""
from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest

from corpus.extract.dates import find_date, iso_date
from corpus.clean.decoding import decode_html
from corpus.store.pipeline import Origin, page_fields
from corpus.extract.byline import read_byline

SITES = ["bdv-quangninh", "phunu-hagiang", "cttdt-vinhlong", "dangbo-nghean", "baohagiang-tv"]


def _gold(shared_dir, site):
    rows = [json.loads(line) for line in (shared_dir / "fixtures/sites/gold.jsonl").open(encoding="utf-8")]
    return [g for g in rows if g["site"] == site]


def _page(shared_dir, site, path):
    file = shared_dir / "fixtures/sites" / site / path.lstrip("/")
    return file / "index.html" if path.endswith("/") else file


def _norm(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.shared
@pytest.mark.parametrize("site", SITES)
def test_gold_articles_clean_and_metadata(shared_dir, site):
    for gold in _gold(shared_dir, site):
        fields = page_fields(_page(shared_dir, site, gold["path"]).read_bytes(), Origin(url="https://portal.example" + gold["path"]))
        assert fields is not None, gold["path"]
        text = _norm(fields["text"])
        for sentence in gold["with"]:
            assert _norm(sentence) in text, (gold["path"], sentence)
        for boilerplate in gold["without"]:
            assert _norm(boilerplate) not in text, (gold["path"], boilerplate)
        assert fields["title"] == gold["title"]
        assert fields["published"] == gold["published"]
        assert fields["year"] == int(gold["published"][:4])
        assert fields["province"] == gold["province"]
        assert fields["province_2025"] == gold["province_2025"]
        assert sorted(fields["directives"]) == sorted(gold["directives"])
        assert fields["author"] == gold["author"]
        assert fields["text"] == unicodedata.normalize("NFC", fields["text"])
        assert "\n\n" in fields["text"]


LISTINGS = {
    "bdv-quangninh": ["index.html", "web/guest/tin-tuc-su-kien/index.html",
                      "web/guest/tin-tuc-su-kien/-/asset_publisher/Ag4mIbEVq2Xk/cur/2/index.html"],
    "phunu-hagiang": ["index.html", "category/tin-tuc/index.html", "category/tin-tuc/page/2/index.html"],
    "cttdt-vinhlong": ["index.html", "noidung/tintuc/Pages/danh-sach-tin-tuc.aspx",
                       "noidung/tintuc/Pages/danh-sach-tin-tuc-trang-3.aspx", "lienhe/Pages/default.aspx"],
    "dangbo-nghean": ["index.html", "vi-vn/chuyen-muc/dan-van-kheo.html", "vi-vn/chuyen-muc/dan-van-kheo/trang-2.html"],
    "baohagiang-tv": ["index.html", "chuyen-muc/dan-van.html", "chuyen-muc/dan-van/trang-2.html"],
}


@pytest.mark.shared
@pytest.mark.parametrize("site", SITES)
def test_listing_and_home_pages_are_not_articles(shared_dir, site):
    for path in LISTINGS[site]:
        assert page_fields((shared_dir / "fixtures/sites" / site / path).read_bytes()) is None, path


@pytest.mark.shared
def test_attachments_are_recorded(shared_dir):
    page = _page(shared_dir, "cttdt-vinhlong", "/noidung/tintuc/Pages/tin-17408.aspx")
    fields = page_fields(page.read_bytes(), Origin(url="https://www.vinhlong.gov.vn/noidung/tintuc/Pages/tin-17408.aspx"))
    assert fields["attachments"] == [
        "https://www.vinhlong.gov.vn/noidung/tintuc/Documents/Luat-thuc-hien-dan-chu-o-co-so.pdf",
        "https://www.vinhlong.gov.vn/noidung/tintuc/Documents/Tai-lieu-hoi-nghi-14-9-2023.pdf",
    ]


REAL_LISTINGS = [
    "chinhphu-vpcp_home.html", "hanoi-sotttt_home.html", "hanoi-sotttt_category_chi-dao-dieu-hanh.html",
    "hanoi-sotttt_category_covid19.html", "hanoi-sotttt_category_cong-nghe-thong-tin.html",
    "hanoi-sotttt_page_hoi-dap.html", "hanoi-sotttt_page_ke-hoach.html", "hanoi-sotttt_page_lay-y-kien-du-thao.html",
]


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_LISTINGS)
def test_real_listing_pages_are_recognised(shared_dir, name):
    assert page_fields((shared_dir / "fixtures/real-html" / name).read_bytes()) is None


@pytest.mark.shared
def test_real_static_article_text_is_kept(shared_dir):
    page = shared_dir / "fixtures/real-html/hanoi-sotttt_page_chuc-nang-nhiem-vu.html"
    fields = page_fields(page.read_bytes(), Origin(url="https://sotttt.hanoi.gov.vn/chuc-nang-nhiem-vu"))
    assert fields is not None
    assert len(fields["text"]) > 15000
    assert fields["text"].startswith("CHỨC NĂNG, NHIỆM VỤ")
    assert "29. Thực hiện các nhiệm vụ khác do Ủy ban nhân dân Thành phố giao" in fields["text"]
    assert "Về đầu trang" not in fields["text"]
    assert fields["province"] == "Hà Nội"


# --- edge cases that need no shared data --------------------------------

ARTICLE_1258 = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">
<title>Hội nghị dân vận khéo - Cổng thông tin tỉnh Nghệ An</title></head><body>
<div class="menu"><a href="/">Trang chủ</a> | <a href="/gt">Giới thiệu</a></div>
<table width="100%"><tr><td width="20%"><a href="/a">Tin mới một</a><br><a href="/b">Tin mới hai</a></td>
<td><font face="Arial" size="4"><b>Hội nghị dân vận khéo</b></font><br>
<font size="2">Cập nhật: 14/03/2009 08:59</font><br><br>
<font face="Arial">Sáng nay, Ban Dân vận Tỉnh ủy tổ chức hội nghị triển khai phong trào thi đua dân vận khéo, thực hiện Nghị quyết số 25-NQ/TW của Trung ương.</font><br><br>
<font face="Arial">Hội nghị đã đánh giá kết quả thực hiện trong năm qua, biểu dương các điển hình tiên tiến ở cơ sở, đồng thời đề ra nhiệm vụ trọng tâm cho năm tới.</font><br><br>
<font face="Arial">Các đại biểu thống nhất tiếp tục đổi mới phương thức vận động quần chúng, hướng mạnh về cơ sở và khu dân cư.</font>
</td></tr></table>
<div class="footer">Bản quyền thuộc Cổng thông tin điện tử tỉnh Nghệ An</div></body></html>"""


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Encode like Vietnamese Windows pages: precomposed vowels, combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def test_old_table_layout_in_windows_1258():
    data = _cp1258(ARTICLE_1258)
    assert data.decode("cp1258") != unicodedata.normalize("NFC", data.decode("cp1258"))  # combining marks
    fields = page_fields(data)
    assert fields is not None
    paragraphs = fields["text"].split("\n\n")
    assert any(p.startswith("Sáng nay, Ban Dân vận Tỉnh ủy") for p in paragraphs)
    assert any(p.startswith("Các đại biểu thống nhất") for p in paragraphs)
    assert "Tin mới một" not in fields["text"] and "Bản quyền" not in fields["text"]
    assert fields["text"] == unicodedata.normalize("NFC", fields["text"])
    assert fields["title"] == "Hội nghị dân vận khéo"
    assert fields["published"] == "2009-03-14"
    assert fields["province"] == "Nghệ An"
    assert "25-NQ/TW" in fields["directives"]


def test_charset_from_header_and_detection():
    body = _cp1258(ARTICLE_1258.replace("charset=windows-1258", ""))
    assert "Hội nghị dân vận khéo" in decode_html(body, {"Content-Type": "text/html; charset=windows-1258"})
    assert "Hội nghị dân vận khéo" in decode_html(body)  # no declaration: detected
    utf8 = ARTICLE_1258.encode("utf-8")
    # A server claiming latin-1 for a UTF-8 page is wrong; the UTF-8 bytes win.
    assert "Hội nghị dân vận khéo" in decode_html(utf8, {"content-type": "text/html; charset=iso-8859-1"})


@pytest.mark.parametrize("data", [b"", b"   ", b"\x00\x01\x02\xff" * 100, b"<html></html>", "<p>ngắn</p>".encode()])
def test_empty_binary_or_tiny_pages_give_none(data):
    assert page_fields(data) is None


def test_json_ld_metadata_and_title_suffix():
    html = """<html><head><title>Tiêu đề bài viết về dân vận | Báo Tỉnh</title>
    <meta property="og:site_name" content="Báo Tỉnh">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tiêu đề bài viết về dân vận",
    "datePublished": "2021-03-31T20:30:00Z", "author": {"name": "Nguyễn Văn An"}}</script></head>
    <body><div class="article-content"><p>%s</p></div></body></html>""" % ("Nội dung bài viết dân vận. " * 20)
    fields = page_fields(html)
    assert fields["title"] == "Tiêu đề bài viết về dân vận"
    assert fields["published"] == "2021-04-01"  # 20:30 UTC is the next day in Vietnam
    assert fields["author"] == "Nguyễn Văn An"


def test_iso_and_line_dates():
    assert iso_date("2019-05-16T08:30:00+07:00") == dt.date(2019, 5, 16)
    assert find_date("(20/02/2019 08:53 PM)") == dt.date(2019, 2, 20)
    assert find_date("Thứ Hai, 19/07/2021 16:20") == dt.date(2021, 7, 19)
    assert find_date("Lượt xem: 1.487") is None


@pytest.mark.parametrize(
    "line, person",
    [
        ("Minh Hằng - Ban Dân vận Tỉnh ủy", "Minh Hằng"),
        ("Lý Thị Lan", "Lý Thị Lan"),
        ("Theo Báo Nghệ An", None),
        ("P.V (tổng hợp)", None),
        ("Ban Biên tập", None),
    ],
)
def test_byline_person(line, person):
    byline = read_byline(line)
    assert (byline.person if byline else None) == person


# --- publication date lines of real portals, in the layouts they come in (issue 13) ----------

STAMPS = {"Thứ ba, 18 Tháng 8 2015 16:06": "2015-08-18", "(MTO 3 - 31/03/2020 14:27)": "2020-03-31",
          "20:50, 14/03/2022": "2022-03-14", "Thứ ba, 15/10/2024, 16:41 PM": "2024-10-15",
          "(17:18 | 02/11/2020)": "2020-11-02", "01/03/2018": "2018-03-01"}
HEADLINE = "Ban Dân vận Tỉnh ủy sơ kết công tác dân vận 6 tháng đầu năm"
# An event date ("Ngày 15/5/2019") in the body must never beat the stamp.
PARAGRAPHS = "".join(
    "<p>Sáng 30/6, Ban Dân vận Tỉnh ủy tổ chức hội nghị sơ kết công tác dân vận 6 tháng đầu năm, triển khai "
    "nhiệm vụ 6 tháng cuối năm. Ngày 15/5/2019, Ban đã ban hành hướng dẫn thực hiện Quyết định 23-QĐ/TW.</p>"
    for _ in range(4))
LAYOUTS = {
    "joomla dd": "<div class='item-page'><div class='page-header'><h2 itemprop='headline'>{T}</h2></div>"
                 "<dl class='article-info'><dt>Chi tiết</dt><dd class='published'><span class='icon-calendar'></span>"
                 " {D}</dd></dl><div itemprop='articleBody'>{P}</div></div>",
    "line under the headline": "<div class='detail'><h1 class='title-detail'>{T}</h1><div class='info'>{D}</div>"
                               "<div class='content-detail'>{P}</div></div>",
    "line above the headline": "<div class='detail'><div class='meta'><span>{D}</span></div><h1>{T}</h1>"
                               "<div class='content-detail'>{P}</div></div>",
    "inside the headline": "<div class='detail'><h1>{T} <span class='small'>{D}</span></h1>"
                           "<div class='content-detail'>{P}</div></div>",
    "first paragraph of the body": "<div class='detail'><h1>{T}</h1><div class='content-detail'><p>{D}</p>{P}</div></div>",
    "table cells": "<table><tr><td class='title'><b>{T}</b></td></tr><tr><td>{D}</td></tr>"
                   "<tr><td class='content'>{P}</td></tr></table>",
    "no classes": "<div><h3>{T}</h3><p><i>{D}</i></p><div>{P}</div></div>",
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("stamp", STAMPS)
def test_real_portal_date_stamps_in_common_layouts(layout, stamp):
    body = LAYOUTS[layout].format(T=HEADLINE, D=stamp, P=PARAGRAPHS)
    html = (f"<html><head><title>{HEADLINE} - Cổng thông tin điện tử</title></head><body>"
            "<div class='menu'><a href='/'>Trang chủ</a> Thứ Sáu, 04/12/2026</div>"
            f"{body}<div class='footer'>Bản quyền thuộc Cổng thông tin điện tử</div></body></html>")
    fields = page_fields(html.encode("utf-8"), Origin(url="https://example.invalid/tin-tuc/1.html"))
    assert fields is not None
    assert fields["published"] == STAMPS[stamp]
    assert fields["title"] == HEADLINE
    assert stamp not in fields["text"] and fields["text"].startswith("Sáng 30/6")
