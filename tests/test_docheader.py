"""corpus.extract.docheader on Party and State headers laid out in different ways."""
from __future__ import annotations

import datetime as dt

import pytest

from corpus.extract.docheader import read_header
from corpus.clean.filetext import read_file
from tests import filemaker as fm

STATE = """ỦY BAN NHÂN DÂN
TỈNH HÀ GIANG
-------
Số: 45/2024/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Giang, ngày 12 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc ban hành Quy chế dân chủ ở cơ sở
ỦY BAN NHÂN DÂN TỈNH HÀ GIANG
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"""

STATE_FLAT = """ỦY BAN NHÂN DÂN TỈNH HÀ GIANG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 45/2024/QĐ-UBND Hà Giang, ngày 12 tháng 3 năm 2024
QUYẾT ĐỊNH Về việc ban hành Quy chế dân chủ ở cơ sở
Căn cứ Luật Tổ chức chính quyền địa phương;"""

LETTER = """UBND TỈNH VĨNH LONG
SỞ NỘI VỤ
Số: 1234/SNV-TCBC
V/v triển khai công tác dân vận chính quyền năm 2023
Vĩnh Long, ngày 5 tháng 1 năm 2023
Kính gửi: Các sở, ban, ngành tỉnh"""

CENTRAL = """BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 25-NQ/TW
ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 03 tháng 6 năm 2013
NGHỊ QUYẾT
về tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận trong tình hình mới
-----
I. TÌNH HÌNH VÀ NGUYÊN NHÂN"""

SPACED = """ĐẢNG BỘ TỈNH QUẢNG NINH
HUYỆN ỦY BA CHẼ
Số 12 - CT/HU
Ba Chẽ, ngày 20 tháng 10 năm 2021
CHỈ THỊ
về tăng cường sự lãnh đạo của Đảng
đối với công tác dân vận ở cơ sở
Thời gian qua, công tác dân vận đạt nhiều kết quả."""


def test_state_decision_in_columns_read_line_by_line():
    h = read_header(STATE)
    assert h == {"number": "45/2024/QĐ-UBND", "issuer": "ỦY BAN NHÂN DÂN / TỈNH HÀ GIANG", "place": "Hà Giang",
                 "published": dt.date(2024, 3, 12), "type": "Quyết định",
                 "title": "Về việc ban hành Quy chế dân chủ ở cơ sở"}


def test_state_decision_flattened_two_columns_per_line():
    h = read_header(STATE_FLAT)
    assert (h["number"], h["place"], h["published"], h["type"]) == ("45/2024/QĐ-UBND", "Hà Giang", dt.date(2024, 3, 12),
                                                                    "Quyết định")
    assert h["title"] == "Về việc ban hành Quy chế dân chủ ở cơ sở"
    assert h["issuer"] == "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG"


def test_official_letter_subject_is_its_v_v_line():
    h = read_header(LETTER)
    assert h["number"] == "1234/SNV-TCBC"
    assert h["type"] is None
    assert h["title"] == "triển khai công tác dân vận chính quyền năm 2023"
    assert (h["place"], h["published"]) == ("Vĩnh Long", dt.date(2023, 1, 5))
    assert h["issuer"] == "UBND TỈNH VĨNH LONG / SỞ NỘI VỤ"


def test_central_party_resolution():
    h = read_header(CENTRAL)
    assert (h["number"], h["published"], h["type"]) == ("25-NQ/TW", dt.date(2013, 6, 3), "Nghị quyết")
    assert h["title"] == ("về tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận "
                          "trong tình hình mới")
    assert h["issuer"] == "BAN CHẤP HÀNH TRUNG ƯƠNG"


def test_spaced_number_and_a_subject_over_two_lines_ending_at_the_body():
    h = read_header(SPACED)
    assert (h["number"], h["place"], h["published"], h["type"]) == ("12-CT/HU", "Ba Chẽ", dt.date(2021, 10, 20), "Chỉ thị")
    assert h["title"] == "về tăng cường sự lãnh đạo của Đảng đối với công tác dân vận ở cơ sở"


def test_a_news_text_has_no_header_and_gets_no_invented_fields():
    h = read_header("Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành Kế hoạch số 202-KH/BDVTU về Dân vận khéo.\n"
                    "Các chi bộ tổ chức tuyên truyền.")
    assert h == dict.fromkeys(("number", "issuer", "place", "published", "type", "title"))


def test_specks_a_scan_leaves_at_line_ends_do_not_become_fields():
    h = read_header("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH\n_Số: 283/2018/QĐĐ-UBND\nQuảng Ninh, ngày 02 tháng 3 năm 2018 .\n"
                    "QUYẾT ĐỊNH Ẽ\nVề việc ban hành Quy chế dân vận „\nĐịnh kỳ sơ kết, tổng kết.")
    assert (h["number"], h["published"], h["type"], h["title"]) == (
        "283/2018/QĐ-UBND", dt.date(2018, 3, 2), "Quyết định", "Về việc ban hành Quy chế dân vận")


def test_a_type_whose_space_the_scan_lost_and_a_bracket_glued_to_the_subject():
    h = read_header("TỈNH ỦY SÓC TRĂNG\nSố 123-TB/BDVTU\nSóc Trăng, ngày 04 tháng 9 năm 2018\nTHÔNGBÁO _ _\n"
                    "tăng cường công tác dân vận ở vùng đồng bào dân tộc thiểu số]\nĐịnh kỳ sơ kết.")
    assert (h["type"], h["title"]) == ("Thông báo", "tăng cường công tác dân vận ở vùng đồng bào dân tộc thiểu số")
    h = read_header("Số 5-CT/BDVTU\nHà Giang, ngày 02 tháng 6 năm 2015\nCHÍ THỊ\ntổ chức Ngày hội ở khu dân cư\n"
                    "Số: 318/2025/QĐĐĐ-UBND")
    assert (h["type"], h["title"]) == ("Chỉ thị", "tổ chức Ngày hội ở khu dân cư")  # an accent misread
    assert read_header("Số: 318/2025/QĐĐĐ-UBND\nQUYẾT ĐỊNH\nVề việc ban hành")["number"] == "318/2025/QĐ-UBND"


def test_a_date_line_as_a_scan_reads_it_gives_the_date_or_nothing():
    def published(line: str) -> dt.date | None:
        return read_header("Số 5-CT/TU\n" + line)["published"]

    assert published("Quảng Ninh, ngày 02 tháng 3n ram 2018") == dt.date(2018, 3, 2)  # "năm" misread
    assert published("Hà Giang, ngày 02 tháng 6 nãm 2015.") == dt.date(2015, 6, 2)
    assert published("Hà Nội, ngày 5/3/2019") == dt.date(2019, 3, 5)
    assert published("Quảng Ninh, ngày 19 tháng 91 năm 2025") is None  # no month 91: unknown, not a guess
    assert published("Sóc Trăng, ngày 31 tháng 2 năm 2024") is None


def test_a_subject_wrapped_before_a_name_goes_on_and_ends_at_a_blank_or_rule_line():
    h = read_header("ỦY BAN NHÂN DÂN TỈNH HÀ GIANG\nSố: 45/2024/QĐ-UBND\nHà Giang, ngày 12 tháng 3 năm 2024\n"
                    "QUYẾT ĐỊNH\nVề việc ban hành\nQuy chế dân chủ ở cơ sở\n-----------\nỦy ban nhân dân tỉnh tổ chức")
    assert h["title"] == "Về việc ban hành Quy chế dân chủ ở cơ sở"
    scan = ("TỈNH ỦY SÓC TRĂNG\n\nSố 202-KH/BDVTU\n\nSóc Trăng, ngày 06 tháng 9 năm 2024\n\nKẾ HOẠCH\n\n"
            "tổ chức\nNgày hội Dân vận khéo\nnăm 2024\n\nCác chi bộ tổ chức tuyên truyền đến đoàn viên")
    assert read_header(scan)["title"] == "tổ chức Ngày hội Dân vận khéo năm 2024"
    body = read_header("Số 202-KH/BDVTU\nKẾ HOẠCH\ntổ chức Ngày hội\nNgày 06/9/2024, Ban Dân vận ban hành kế hoạch")
    assert body["title"] == "tổ chức Ngày hội"


@pytest.mark.skipif(not fm.FONT.exists(), reason="needs fonts-dejavu-core")
def test_a_pdf_laid_out_in_two_columns_reads_like_its_paper():
    data = fm.header_pdf(["TỈNH ỦY SÓC TRĂNG", "BAN DÂN VẬN", "*", "Số 202-KH/BDVTU"],
                         ["ĐẢNG CỘNG SẢN VIỆT NAM", "", "", "Sóc Trăng, ngày 06 tháng 9 năm 2024"],
                         "KẾ HOẠCH", ["triển khai các hoạt động hưởng ứng phong trào", "thi đua Dân vận khéo năm 2024"],
                         "Thực hiện Kết luận số 114-KL/TW của Ban Bí thư, Ban Dân vận Tỉnh ủy xây dựng kế hoạch.")
    h = read_header(read_file(data, "kh.pdf").text)
    assert h == {"number": "202-KH/BDVTU", "issuer": "TỈNH ỦY SÓC TRĂNG / BAN DÂN VẬN", "place": "Sóc Trăng",
                 "published": dt.date(2024, 9, 6), "type": "Kế hoạch",
                 "title": "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo năm 2024"}
    state = fm.header_pdf(["ỦY BAN NHÂN DÂN", "TỈNH HÀ GIANG", "Số: 45/2024/QĐ-UBND"],
                          ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                           "Hà Giang, ngày 12 tháng 3 năm 2024"],
                          "QUYẾT ĐỊNH", ["Về việc ban hành Quy chế dân chủ ở cơ sở"],
                          "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")
    h = read_header(read_file(state, "qd.pdf").text)
    assert (h["number"], h["place"], h["published"], h["type"], h["title"]) == (
        "45/2024/QĐ-UBND", "Hà Giang", dt.date(2024, 3, 12), "Quyết định", "Về việc ban hành Quy chế dân chủ ở cơ sở")


@pytest.mark.skipif(not fm.FONT.exists(), reason="needs fonts-dejavu-core")
def test_a_wrapped_body_paragraph_under_a_one_line_subject_is_not_the_subject():
    lines = fm.PLAN[:7] + ["Hỗ trợ hộ nghèo xây dựng nhà ở, nước sạch, đường giao thông nông thôn; giữ gìn an ninh "
                           "trật tự ở khu dân cư."]
    text = read_file(fm.text_pdf(lines), "kh.pdf").text
    assert len(text.splitlines()) > len(lines)  # the body line wrapped
    assert read_header(text)["title"] == "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo"
