"""Provinces: 63 before and 34 after the 2025 reorganisation, names, merges, detection."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.knowledge.provinces import (
    PROVINCES,
    PROVINCES_2025,
    as_pre_2025,
    canonical_province,
    detect_province,
    is_2025,
    is_national,
    province_from_host,
    to_2025,
)
from corpus.knowledge.vietnamese import key

# DESIGN.md, "Provinces": the 2025 province <- the provinces merged into it.
MERGES = {
    "Tuyên Quang": ["Tuyên Quang", "Hà Giang"],
    "Lào Cai": ["Lào Cai", "Yên Bái"],
    "Thái Nguyên": ["Thái Nguyên", "Bắc Kạn"],
    "Phú Thọ": ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Ninh", "Bắc Giang"],
    "Hưng Yên": ["Hưng Yên", "Thái Bình"],
    "Hải Phòng": ["Hải Phòng", "Hải Dương"],
    "Ninh Bình": ["Ninh Bình", "Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Trị", "Quảng Bình"],
    "Đà Nẵng": ["Đà Nẵng", "Quảng Nam"],
    "Quảng Ngãi": ["Quảng Ngãi", "Kon Tum"],
    "Gia Lai": ["Gia Lai", "Bình Định"],
    "Khánh Hòa": ["Khánh Hòa", "Ninh Thuận"],
    "Lâm Đồng": ["Lâm Đồng", "Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Đắk Lắk", "Phú Yên"],
    "TP Hồ Chí Minh": ["TP Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"],
    "Đồng Nai": ["Đồng Nai", "Bình Phước"],
    "Tây Ninh": ["Tây Ninh", "Long An"],
    "Cần Thơ": ["Cần Thơ", "Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Vĩnh Long", "Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Đồng Tháp", "Tiền Giang"],
    "Cà Mau": ["Cà Mau", "Bạc Liêu"],
    "An Giang": ["An Giang", "Kiên Giang"],
    "Huế": ["Thừa Thiên Huế"],
}
UNCHANGED = ["Hà Nội", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
             "Hà Tĩnh", "Cao Bằng"]


def test_counts_and_one_canonical_name_each():
    assert len(PROVINCES) == len(set(PROVINCES)) == 63
    assert len(PROVINCES_2025) == len(set(PROVINCES_2025)) == 34
    assert len({key(p) for p in (*PROVINCES, *PROVINCES_2025)}) == 64  # folded names never collide
    assert {"Hà Giang", "Thừa Thiên Huế", "TP Hồ Chí Minh", "Hòa Bình", "Khánh Hòa", "Thanh Hóa"} <= set(PROVINCES)
    assert set(PROVINCES_2025) - set(PROVINCES) == {"Huế"}


@pytest.mark.parametrize("new,olds", MERGES.items())
def test_every_merge(new, olds):
    assert new in PROVINCES_2025 and is_2025(new)
    for old in olds:
        assert to_2025(old) == new, old
    assert {p for p in PROVINCES if to_2025(p) == new} == set(olds)


@pytest.mark.parametrize("name", UNCHANGED)
def test_unchanged_provinces(name):
    assert to_2025(name) == name and is_2025(name) and name in PROVINCES


def test_every_pre_2025_province_has_a_2025_province():
    assert {to_2025(p) for p in PROVINCES} == set(PROVINCES_2025)
    assert sum(len(olds) for olds in MERGES.values()) + len(UNCHANGED) == 63


@pytest.mark.parametrize("written,canonical", [
    ("Vĩnh Long", "Vĩnh Long"),
    ("vinh long", "Vĩnh Long"),
    ("VINH LONG", "Vĩnh Long"),
    ("vinhlong", "Vĩnh Long"),
    ("tỉnh Vĩnh Long", "Vĩnh Long"),
    ("Tỉnh Hà Giang", "Hà Giang"),
    ("TP.HCM", "TP Hồ Chí Minh"),
    ("TP HCM", "TP Hồ Chí Minh"),
    ("tphcm", "TP Hồ Chí Minh"),
    ("Thành phố Hồ Chí Minh", "TP Hồ Chí Minh"),
    ("Hồ Chí Minh", "TP Hồ Chí Minh"),
    ("Sài Gòn", "TP Hồ Chí Minh"),
    ("Huế", "Huế"),  # the 2025 city-province
    ("TP Huế", "Huế"),
    ("Thừa Thiên Huế", "Thừa Thiên Huế"),
    ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
    ("thua thien hue", "Thừa Thiên Huế"),
    ("Hoà Bình", "Hòa Bình"),  # old tone placement
    ("Thanh Hoá", "Thanh Hóa"),
    ("Khánh Hoà", "Khánh Hòa"),
    ("Bà Rịa–Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ("Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ("BR-VT", "Bà Rịa - Vũng Tàu"),
    ("Đắc Lắc", "Đắk Lắk"),
    ("Đăk Nông", "Đắk Nông"),
    ("Daklak", "Đắk Lắk"),
    ("Kontum", "Kon Tum"),
    ("Bắc Cạn", "Bắc Kạn"),
    ("Thành phố Đà Nẵng", "Đà Nẵng"),
    ("TP. Cần Thơ", "Cần Thơ"),
    ("Thủ đô Hà Nội", "Hà Nội"),
])
def test_canonical_province(written, canonical):
    assert canonical_province(written) == canonical


@pytest.mark.parametrize("written", ["", "Mars", "Việt Nam", "Quốc hội", "tỉnh", "Hoàng Mai", "Quỳnh Lộc"])
def test_unknown_names(written):
    assert canonical_province(written) is None and to_2025(written) is None and not is_2025(written)


def test_is_2025_and_as_pre_2025():
    assert is_2025("Tuyên Quang") and is_2025("Huế") and not is_2025("Hà Giang") and not is_2025("Thừa Thiên Huế")
    assert as_pre_2025("Huế") == "Thừa Thiên Huế" and as_pre_2025("Hà Giang") == "Hà Giang"
    assert to_2025("Hà Giang") == "Tuyên Quang" and to_2025("Tuyên Quang") == "Tuyên Quang"


@pytest.mark.parametrize("url,province", [
    ("https://vinhlong.gov.vn/noidung/tin-1.aspx", "Vĩnh Long"),
    ("http://nghean.dcs.vn/vi-vn/a.html", "Nghệ An"),
    ("https://baohagiang.vn/thoi-su/x.html", "Hà Giang"),
    ("https://quangninh.gov.vn", "Quảng Ninh"),
    ("https://bdv.quangninh.gov.vn/web/guest", "Quảng Ninh"),
    ("https://sotttt.hanoi.gov.vn/", "Hà Nội"),
    ("https://hanoimoi.vn/", "Hà Nội"),
    ("https://baria-vungtau.gov.vn", "Bà Rịa - Vũng Tàu"),
    ("https://baothuathienhue.vn", "Thừa Thiên Huế"),
    ("vinhlong.gov.vn", "Vĩnh Long"),
    ("https://dangcongsan.vn/", None),
    ("https://baochinhphu.vn/", None),
    ("https://thanhnien.vn/", None),
    ("https://baotanghochiminh.vn/", None),  # the museum, not the city
    ("http://127.0.0.1:8000/a", None),
    (None, None),
])
def test_province_from_host(url, province):
    assert province_from_host(url) == province
    assert detect_province(url=url) == province


def test_evidence_order_source_then_header_then_url_then_text():
    text = "UBND tỉnh Vĩnh Long tổ chức hội nghị. Tỉnh ủy Vĩnh Long chỉ đạo."
    header = ["Hội Liên hiệp phụ nữ tỉnh Quảng Ninh"]
    url = "https://nghean.dcs.vn/a"
    assert detect_province(source_province="ha giang", header=header, url=url, text=text) == "Hà Giang"
    assert detect_province(header=header, url=url, text=text) == "Quảng Ninh"
    assert detect_province(url=url, text=text) == "Nghệ An"
    assert detect_province(text=text) == "Vĩnh Long"


@pytest.mark.parametrize("header,province", [
    (["Đài Phát thanh và Truyền hình Hà giang", "• Hà Giang", "oC"], "Hà Giang"),  # lower-case "giang"
    (["Hội Liên hiệp phụ nữ tỉnh Quảng Ninh", "Quang Ninh Wonmen's union"], "Quảng Ninh"),
    (["Trang thông tin điện tử Ban Dân vận Tỉnh ủy Quảng Ninh"], "Quảng Ninh"),
    (["Cổng thông tin điện tử tỉnh Vĩnh Long"], "Vĩnh Long"),
    (["Bắc Quang: Dân vận khéo trên cao tốc Tuyên Quang - Hà Giang - Đài Phát thanh và Truyền hình Hà Giang"], "Hà Giang"),
    (["Phụ nữ Hà Giang chung tay xóa nhà tạm"], "Hà Giang"),
    (["Cao tốc Tuyên Quang - Hà Giang"], None),  # two provinces, no portal name
    (["Giới thiệu chung", "Tin tức sự kiện", "Thư viện ảnh"], None),
    (["Bảo vệ hòa bình thế giới"], None),  # "hòa bình" is peace, not Hòa Bình
    (["Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"], None),
])
def test_detect_from_header(header, province):
    assert detect_province(header=header) == province


@pytest.mark.parametrize("text,province", [
    ("Ngày 12/3/2019, UBND tỉnh Vĩnh Long đã tổ chức Hội nghị.", "Vĩnh Long"),
    ("Thường trực Tỉnh ủy Quảng Ninh làm việc với Ban Dân vận.", "Quảng Ninh"),
    ("(Vinhlong.gov.vn) – Ngày 12/3/2019, hội nghị tổng kết được tổ chức.", "Vĩnh Long"),
    ("Tỉnh ủy Hà Giang chỉ đạo; đoàn công tác tỉnh Tuyên Quang đến thăm. UBND tỉnh Hà Giang cảm ơn.", "Hà Giang"),
    # several named communes and districts that all lie in one province (gazetteer)
    ("Thị ủy đối thoại với nhân dân xã Quỳnh Lộc; vận động bà con xóm 6 xã Quỳnh Vinh tháo dỡ nhà.", "Nghệ An"),
    ("Mô hình ở thị xã Quảng Yên, thành phố Uông Bí và thành phố Hạ Long được nhân rộng.", "Quảng Ninh"),
    ("Huyện Yên Minh và huyện Mèo Vạc, xã Thài Phìn Tủng huyện Đồng Văn", "Hà Giang"),
    # weak evidence: named twice with "tỉnh", nothing else
    ("kỷ niệm 60 năm thành lập tỉnh Quảng Ninh; các xã của tỉnh Quảng Ninh", "Quảng Ninh"),
])
def test_detect_from_text(text, province):
    assert detect_province(text=text) == province


@pytest.mark.parametrize("text", [
    "",
    "Ban Dân vận Tỉnh ủy ban hành Kế hoạch; các xã, phường, thị trấn thực hiện.",  # no province named
    "Đoàn công tác của tỉnh Bến Tre đến thăm và làm việc.",  # one passing mention
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh; Chủ tịch Hồ Chí Minh.",
    "Hà Giang là một trong những địa phương được phân bổ nguồn lực lớn.",  # bare name, no body named
    "UBND tỉnh Vĩnh Long và UBND tỉnh Bến Tre ký kết hợp tác.",  # two provinces, equal weight
    "Ở xã Quỳnh Lộc và xã Hồ Thầu",  # places in two provinces (Nghệ An, Hà Giang)
    "thực hiện ở xã Quỳnh Lộc",  # a single place is not enough
    "vì hòa bình, thịnh vượng; ven bờ Thái Bình Dương",
    "UBND tỉnh Vĩnh Long chỉ đạo huyện Yên Minh và huyện Mèo Vạc",  # organisation and places disagree
])
def test_detect_from_text_is_none_when_unsure(text):
    assert detect_province(text=text) is None


def test_detect_returns_pre_2025_names():
    assert detect_province(header=["Cổng thông tin điện tử thành phố Huế"]) == "Thừa Thiên Huế"
    assert detect_province(source_province="Huế") == "Thừa Thiên Huế"


# --- weighing the evidence (issue 13): the article's subject against passing mentions ----------

MTTQ_HEADER = ["Mặt trận Tổ quốc Việt Nam", "Cơ quan của Ủy ban Trung ương MTTQ Việt Nam"]


@pytest.mark.parametrize("kwargs,province", [
    # the subject or scope of the article
    ({"text": "Năm 2021, tỉnh Vĩnh Phúc ban hành Kế hoạch thực hiện quy chế dân chủ ở cơ sở."}, "Vĩnh Phúc"),
    ({"text": "Tỉnh Bắc Giang đã hoàn thành việc xóa nhà tạm cho hộ nghèo."}, "Bắc Giang"),
    ({"text": "Công tác dân vận chính quyền trên địa bàn tỉnh Tuyên Quang có nhiều chuyển biến tích cực."},
     "Tuyên Quang"),
    # a dateline: a province, or a district the gazetteer places in one province
    ({"text": "Vĩnh Phúc, ngày 21 tháng 5 năm 2021\nKẾ HOẠCH\nThực hiện công tác dân vận năm 2021"}, "Vĩnh Phúc"),
    ({"text": "Mèo Vạc, ngày 03/4/2023\nBÁO CÁO kết quả thực hiện phong trào thi đua Dân vận khéo"}, "Hà Giang"),
    # the headline names it
    ({"title": "Long An: Hiệu quả từ những mô hình Dân vận khéo", "text": "Những năm qua, các cấp đã nhân rộng mô hình."},
     "Long An"),
    ({"title": "Ban Dân vận Tỉnh ủy Sóc Trăng sơ kết 6 tháng", "text": "Sáng 5/7, hội nghị được tổ chức."}, "Sóc Trăng"),
    # a provincial radio and TV host, by the station's initials
    ({"url": "https://thvl.vn/dan-van-kheo-o-vung-long/"}, "Vĩnh Long"),
    ({"url": "https://www.thtg.vn/tin-tuc/1"}, "Tiền Giang"),
    ({"url": "https://qtv.vn/chinh-tri/2"}, "Quảng Ninh"),
])
def test_the_article_subject_decides(kwargs, province):
    assert detect_province(**kwargs) == province


@pytest.mark.parametrize("kwargs", [
    # a list of places is no subject
    {"text": "Đại biểu đến từ các tỉnh Bình Dương, Đồng Nai, Long An và TP Hồ Chí Minh dự hội nghị."},
    {"text": "Hội nghị có lãnh đạo tỉnh Bình Dương, tỉnh Đồng Nai và tỉnh Long An tham dự."},
    {"text": "Dịch xảy ra ở 4 tỉnh Bạc Liêu, Bến Tre, Đồng Tháp và Trà Vinh; UBND các tỉnh đã khoanh vùng."},
    # a host whose initials several provinces share
    {"url": "https://hgtv.vn/tin/1"},
    {"url": "https://thpt.edu.vn/"},
])
def test_lists_and_ambiguous_hosts_give_none(kwargs):
    assert detect_province(**kwargs) is None


def test_a_national_portal_abstains_on_passing_mentions_and_sidebars():
    sidebar = "Ủy ban MTTQ tỉnh Trà Vinh trao 500 phần quà Tết cho hộ nghèo"
    text = ("Sáng 5/1, Ủy ban Trung ương MTTQ Việt Nam tổ chức hội nghị tổng kết. Đại biểu các tỉnh Bình Dương, "
            "Đồng Nai, Long An tham dự. Đoàn công tác đã làm việc với Ủy ban MTTQ tỉnh Trà Vinh.")
    assert detect_province(header=[*MTTQ_HEADER, sidebar], text=text) is None
    # The same words on a provincial portal's page are one organisation mention: enough there.
    assert detect_province(text="Đoàn công tác đã làm việc với Ủy ban MTTQ tỉnh Trà Vinh.") == "Trà Vinh"
    # A national portal is known by its name, its sources entry, or (when it names itself nowhere) its host.
    assert is_national(header=MTTQ_HEADER)
    assert is_national(header=["Cổng Thông tin điện tử Chính phủ"])
    assert is_national(source_province="Trung ương")
    assert is_national(url="https://baochinhphu.vn/a.htm")
    assert not is_national(header=["Ủy ban MTTQ Việt Nam tỉnh Tuyên Quang"])  # a province's own Front
    assert not is_national(header=["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Cổng thông tin điện tử tỉnh Vĩnh Long"])
    assert detect_province(header=["Ủy ban MTTQ Việt Nam tỉnh Tuyên Quang"]) == "Tuyên Quang"


def test_a_national_portal_keeps_an_article_clearly_about_one_province():
    title = "Long An: Hiệu quả từ những mô hình “Dân vận khéo”"
    text = ("Những năm qua, Ban Dân vận Tỉnh ủy Long An đã chỉ đạo nhân rộng nhiều mô hình dân vận khéo "
            "trên địa bàn tỉnh Long An, học tập kinh nghiệm của tỉnh Tiền Giang.")
    assert detect_province(header=["Báo điện tử Đảng Cộng sản Việt Nam"], title=title, text=text) == "Long An"
    assert detect_province(url="https://dangcongsan.vn/x.html", title=title, text=text) == "Long An"
    # One organisation mention is enough on a provincial page, not on a national one.
    one = "UBND tỉnh Bình Dương ban hành kế hoạch; Thủ tướng chỉ đạo các bộ, ngành liên quan."
    assert detect_province(url="https://chinhphu.vn/a", text=one) is None
    assert detect_province(url="https://example.invalid/a", text=one) == "Bình Dương"


def test_a_central_documents_dateline_is_where_it_was_signed():
    central = ("BAN CHẤP HÀNH TRUNG ƯƠNG\n*\nSố 43-CT/TW\nĐẢNG CỘNG SẢN VIỆT NAM\n"
               "Hà Nội, ngày 15 tháng 10 năm 2024\nCHỈ THỊ về tăng cường công tác dân vận")
    assert detect_province(text=central) is None
    provincial = ("TỈNH ỦY VĨNH PHÚC\nBAN DÂN VẬN\n*\nSố 12-KH/BDVTU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                  "Vĩnh Phúc, ngày 21 tháng 5 năm 2021\nKẾ HOẠCH công tác dân vận")
    assert detect_province(text=provincial) == "Vĩnh Phúc"


def test_a_sidebar_headline_is_not_the_portals_name():
    header = ["Báo Quảng Ninh", "UBND tỉnh Trà Vinh trao quà cho hộ nghèo", "Tỉnh ủy Trà Vinh sơ kết 6 tháng"]
    assert detect_province(header=header) == "Quảng Ninh"


_MENTION_PIECES = ("ha giang", "ha", "giang", "tp.ho chi minh", "tp hcm", "thanh pho hue", "ba ria - vung tau",
                   "ba ria–vung tau", "thua thien hue", "quang ninh", "quang", "ninh", "dak lak", "x", "1", "_", " ",
                   "  ", "\n", "-", ".", ",", "(", "a", "hanoi", "ha noi", "thanhpho", "binh", "dinh", "binh dinh")


@given(st.lists(st.sampled_from(_MENTION_PIECES), max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_mentions_are_found_where_the_plain_alternation_of_the_names_finds_them(folded):
    """The mention pattern, grouped by first character, matches as the names' plain alternation does."""
    import re

    from corpus.knowledge import provinces as p

    plain = re.compile(r"(?<!\w)(" + "|".join(p._folded_pattern(s) for s in sorted(p._SURFACES, key=len, reverse=True))
                       + r")(?!\w)")
    assert [m.span(1) for m in p._MENTION_RE.finditer(folded)] == [m.span(1) for m in plain.finditer(folded)]
