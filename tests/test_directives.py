"""Document numbers: canonical form, citations in text, numbers typed in queries."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus.knowledge import rules
from corpus.knowledge.directives import find_directives, find_in_query, normalize_directive
from corpus.knowledge.vietnamese import fold

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.mark.parametrize("written,canonical", [
    # every messy form named in DESIGN.md
    ("16/CT - TTg", "16/CT-TTg"),
    ("16/ct-ttg", "16/CT-TTg"),
    ("16 CT TTg", "16/CT-TTg"),
    ("16/ct - ttg", "16/CT-TTg"),
    ("56/ 2015/ NĐ - CP", "56/2015/NĐ-CP"),
    ("56/2015/ND-CP", "56/2015/NĐ-CP"),
    ("25–NQ/TW", "25-NQ/TW"),
    ("25 - NQ / TW", "25-NQ/TW"),
    ("25 NQ TW", "25-NQ/TW"),
    ("124 - QĐ/TW", "124-QĐ/TW"),
    ("124-QD/TW", "124-QĐ/TW"),
    ("1940/2008/CT-TTg", "1940/2008/CT-TTg"),
    ("10/2022/QH15", "10/2022/QH15"),
    ("10/2022/qh15", "10/2022/QH15"),
    ("202-KH/BDVTU", "202-KH/BDVTU"),
    ("116-KL/TU", "116-KL/TU"),
    ("403/2017/NQLT-UBTVQH14-ĐCT-UBTWMTTQVN", "403/2017/NQLT-UBTVQH14-ĐCT-UBTWMTTQVN"),
    ("34/2007/PL-UBTVQH11", "34/2007/PL-UBTVQH11"),
    ("45/KH-UBND", "45/KH-UBND"),
    ("1719/QĐ-TTg", "1719/QĐ-TTg"),
    ("1719/QD-TTG", "1719/QĐ-TTg"),
    ("59/2023/NĐ-CP", "59/2023/NĐ-CP"),
    ("01/CT-TTg", "01/CT-TTg"),  # leading zeros are part of the number as issued
    # types that carry Đ, and mixed-case types
    ("01-DA/TU", "01-ĐA/TU"),
    ("08-QyĐ/TW", "08-QyĐ/TW"),
    ("08-QYD/TW", "08-QyĐ/TW"),
    ("11-QĐi/TW", "11-QĐi/TW"),
    ("05-CTr/TU", "05-CTr/TU"),
    ("12/TTr-UBND", "12/TTr-UBND"),
    ("01/CĐ-TTg", "01/CĐ-TTg"),
    # Party numbers misprinted in State shape and the reverse; old spelling "TƯ"
    ("25/NQ-TW", "25-NQ/TW"),
    ("16-CT/TTg", "16/CT-TTg"),
    ("25-NQ/TƯ", "25-NQ/TW"),
    # a leading "số" and trailing punctuation are not part of the number
    ("số 25-NQ/TW", "25-NQ/TW"),
    ("Số: 16/CT-TTg.", "16/CT-TTg"),
])
def test_normalize_directive(written, canonical):
    assert normalize_directive(written) == canonical


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "năm 2022", "6 tháng", "16/05/2016", "0203.3835.186", "23/GP-TTĐT", "qd 217",
    "25 NQ", "nghị quyết 25", "3 da cam", "16/CT-TTg và 25-NQ/TW", "Quyết định 217",
])
def test_normalize_directive_rejects_what_is_not_one_number(text):
    assert normalize_directive(text) is None


def test_every_type_is_canonical_with_or_without_diacritics_and_case():
    for type_ in rules.DIRECTIVE_TYPES:
        for written in (type_, fold(type_), type_.lower(), fold(type_).lower()):
            assert normalize_directive(f"12-{written}/TU") == f"12-{type_}/TU", written


def test_cited_numbers_in_order_unique_and_messy_forms_canonical():
    text = (
        "Thực hiện Nghị quyết số 25-NQ/TW, ngày 03/6/2013 của BCH Trung ương Đảng (khóa XI); Kết luận số 120-KL/TW; "
        "Chỉ thị số 16/CT - TTg ngày 16/05/2016 của Thủ tướng; Quy định số 124 - QĐ/TW ngày 02/02/2018; "
        "Nghị định số 95/ 2023/ NĐ - CP; nghị quyết số 25–NQ/TW của Trung ương."
    )
    assert find_directives(text) == (["25-NQ/TW", "120-KL/TW", "16/CT-TTg", "124-QĐ/TW", "95/2023/NĐ-CP"], [])


def test_a_lower_case_word_after_a_spaced_dash_is_not_an_issuer():
    text = "Nghị định 144/2003/NĐ-CP - khung pháp lý cao nhất; Kế hoạch số 12/KH - của huyện"
    assert find_directives(text) == (["144/2003/NĐ-CP"], [])
    assert find_in_query("144/2003/nđ-cp - khung") == [(0, 14, "144/2003/NĐ-CP")]


def test_central_party_bodies_expand_bare_numbers():
    text = "sơ kết 5 năm thực hiện Quyết định 217, 218 của Bộ Chính trị; Thông báo Kết luận số 148-TB/TW."
    assert find_directives(text) == (["217-QĐ/TW", "218-QĐ/TW", "148-TB/TW"], [])
    assert find_directives("Nghị quyết 25 của Ban Chấp hành Trung ương Đảng (khóa XI)") == (["25-NQ/TW"], [])
    assert find_directives("Chỉ thị 05 của Ban Bí thư") == (["05-CT/TW"], [])


@pytest.mark.parametrize("text,partial", [
    ("Nghị quyết 12 của Tỉnh ủy về phương hướng", ["Nghị quyết 12"]),  # never invent "12-NQ/TU"
    ("góp phần thực hiện Chỉ thị số 33 của Thủ tướng Chính phủ", ["Chỉ thị 33"]),  # "-TTg" not certain
    ("Kế hoạch 180 của Ban Thường vụ Tỉnh ủy", ["Kế hoạch 180"]),
    ("tinh thần nghị quyết 25 của Trung ương về công tác dân vận", ["nghị quyết 25"]),  # case as written
    ("Quy định 11 của Bộ Chính trị", ["Quy định 11"]),  # Party "Quy định": QĐ, QĐi or QyĐ
    ("Kế hoạch 12 của Ban Chấp hành Trung ương Hội LHPN Việt Nam", ["Kế hoạch 12"]),  # not the Party
    ("Quyết định 217, 218 của Tỉnh ủy", ["Quyết định 217", "Quyết định 218"]),
    ("Chỉ thị 08.", ["Chỉ thị 08"]),
])
def test_partial_citations_are_listed_as_written(text, partial):
    assert find_directives(text) == ([], partial)


def test_a_partial_citation_of_a_number_printed_in_full_is_not_partial():
    text = "Thực hiện nghị quyết 25 ... Nghị quyết số 25-NQ/TW ... Chỉ thị 16 và Chỉ thị số 16/CT-TTg; Quy định 08 ... 08-QyĐ/TW"
    assert find_directives(text) == (["25-NQ/TW", "16/CT-TTg", "08-QyĐ/TW"], [])


@pytest.mark.parametrize("text", [
    "Ngày 16/05/2016, giai đoạn 2016 - 2020, nhiệm kỳ 2020-2025, đạt 22/29 vụ việc, 10/10 xã.",
    "Điện thoại: 0203.3835.186 - Fax: 0203.3835.187",
    "Giấy phép số 23/GP-TTĐT do Sở TT&TT Quảng Ninh cấp ngày 15/5/2017.",
    "File đính kèm: KH 202-KH-BDVTU.pdf",
    "xây dựng kế hoạch 5 năm, quyết định 3 vấn đề lớn, thực hiện quy định 5K",
    "Chương trình 135 và Đề án 06 của Chính phủ; Dự án 8",
    "Luật Thực hiện dân chủ ở cơ sở năm 2022",
    "báo cáo kinh tế xã hội 2004 và kế hoạch 2005",  # a year's plan, not Kế hoạch số 2005
])
def test_no_number_in_dates_phones_licences_and_quantities(text):
    assert find_directives(text) == ([], [])


@pytest.mark.parametrize("query,spans", [
    ("16/CT-TTg", [(0, 9, "16/CT-TTg")]),
    ("16/ct - ttg", [(0, 11, "16/CT-TTg")]),
    ("16 CT TTg", [(0, 9, "16/CT-TTg")]),
    ("16 ct ttg dân vận", [(0, 9, "16/CT-TTg")]),
    ("nghị quyết 25-NQ/TW", [(11, 19, "25-NQ/TW")]),  # the span covers the number only
    ("25 NQ TW", [(0, 8, "25-NQ/TW")]),
    ("25 nq tw dan van", [(0, 8, "25-NQ/TW")]),
    ("25–NQ/TW 124-QD/TW", [(0, 8, "25-NQ/TW"), (9, 18, "124-QĐ/TW")]),
    ("luật 10/2022/QH15", [(5, 17, "10/2022/QH15")]),
    ("56/ 2015/ NĐ - CP", [(0, 17, "56/2015/NĐ-CP")]),
])
def test_find_in_query(query, spans):
    assert find_in_query(query) == spans


@pytest.mark.parametrize("query", [
    "qd 217", "nghị quyết 25", "năm 2022", "6 tháng", "dân vận khéo", "dan van 3 da cam", "16/05/2016", "2 ha dat",
])
def test_find_in_query_ignores_words_years_and_partial_numbers(query):
    assert find_in_query(query) == []


def test_find_in_query_spans_slice_the_query():
    query = "báo cáo theo 16 CT TTg và 25-NQ/TW"
    for start, end, canonical in find_in_query(query):
        assert normalize_directive(query[start:end]) == canonical


# --- real data: ../shared ---------------------------------------------------------

# Article body of each fixture CMS (test data only: the HTML cleaner has its own rules).
BODY_SELECTORS = {
    "liferay": ".asset-full-content",
    "wordpress": "article",
    "sharepoint-2013": ".vl-news-detail",
    "dotnetnuke": ".edn_article",
    "custom-php": "article.detail-article",
}


def _fixture_gold() -> list[dict]:
    path = SHARED / "fixtures" / "sites" / "gold.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []


@pytest.mark.shared
def test_seed_directives(shared_dir):
    seeds = shared_dir / "corpus" / "seeds"
    for line in (seeds / "gold.jsonl").open(encoding="utf-8"):
        gold = json.loads(line)
        directives, partial = find_directives((seeds / gold["file"]).read_text(encoding="utf-8"))
        assert (directives, partial) == (gold["directives"], gold["directives_partial"]), gold["file"]


@pytest.mark.shared
@pytest.mark.parametrize("gold", _fixture_gold(), ids=lambda g: f"{g['site']}{g['path']}")
def test_fixture_article_directives(shared_dir, gold):
    from bs4 import BeautifulSoup

    path = shared_dir / "fixtures" / "sites" / gold["site"] / gold["path"].lstrip("/")
    if gold["path"].endswith("/"):
        path = path / "index.html"
    body = BeautifulSoup(path.read_bytes(), "lxml").select_one(BODY_SELECTORS[gold["cms"]])
    directives, partial = find_directives(body.get_text("\n"))
    assert sorted(directives) == sorted(gold["directives"])
    assert sorted(partial) == sorted(gold["directives_partial"])
    for sentence in gold["with"]:  # the numbers in the gold sentences are found there too
        found, _ = find_directives(sentence)
        assert set(found) <= set(gold["directives"])


# --- real-world spellings (issue 16) ----------------------------------------------

@pytest.mark.parametrize("text,numbers", [
    ("Chỉ thị 30-CT/T.Ư ngày 18/2/1998 của Bộ Chính trị", ["30-CT/TW"]),  # dotted "T.Ư" is "TƯ" is "TW"
    ("Chỉ thị 49-CT/T.W của Ban Bí thư; Nghị quyết 43-NQ/TƯ; Chỉ thị 05-CT/t.w", ["49-CT/TW", "43-NQ/TW", "05-CT/TW"]),
    ("sơ kết Quyết định 217, 218-QĐ/TW của Bộ Chính trị", ["217-QĐ/TW", "218-QĐ/TW"]),  # suffix written once
    ("Quyết định số 217 và 218-QĐ/TW", ["217-QĐ/TW", "218-QĐ/TW"]),
    ("ban hành Nghị quyết 04, 05-NQ/TU về kinh tế tập thể", ["04-NQ/TU", "05-NQ/TU"]),
    ("Các Nghị quyết 26, 27-NQ/TW", ["26-NQ/TW", "27-NQ/TW"]),
    ("Kế hoạch 15, 16 và 17-KH/HU", ["15-KH/HU", "16-KH/HU", "17-KH/HU"]),
    ("Chương trình phối hợp số 79-CTr/BDVTW-BCSĐCP", ["79-CTr/BDVTW-BCSĐCP"]),  # joint issuers, any number
    ("Chương trình 161-CTr/BCSĐUBND-BDVTU ký năm 2017", ["161-CTr/BCSĐUBND-BDVTU"]),
    ("Quy chế phối hợp số 01-QCPH/UBND-BDVTU ngày 12/4/2016", ["01-QCPH/UBND-BDVTU"]),  # unknown type code
    ("Quy chế 03-QCPH/BDVHU-UBND", ["03-QCPH/BDVHU-UBND"]),
    ("Nghị quyết liên tịch số 19/2008/NQLT/CP-UBTUMTTQVN quy định", ["19/2008/NQLT-CP-UBTUMTTQVN"]),
    ("Công văn số 4011/UBND-VX2 ngày 20/8/2021", ["4011/UBND-VX2"]),  # official letters: no type
    ("Công văn số 1234/VPCP-KGVX và văn bản 356/UBND-NC", ["1234/VPCP-KGVX", "356/UBND-NC"]),
    ("Hướng dẫn 05-HD/BDVTW, Thông báo 12-TB/TU, Báo cáo 87-BC/HU, Công văn 215-CV/BDVTU",
     ["05-HD/BDVTW", "12-TB/TU", "87-BC/HU", "215-CV/BDVTU"]),
    ("Kết luận 01-KL/TW.Ngày 5/1, Ban Bí thư", ["01-KL/TW"]),  # a full stop glued to the next sentence
])
def test_real_world_spellings(text, numbers):
    assert find_directives(text)[0] == numbers


@pytest.mark.parametrize("written,canonical", [
    ("30-CT/T.Ư", "30-CT/TW"),
    ("79-CTr/BDVTW-BCSĐCP", "79-CTr/BDVTW-BCSĐCP"),
    ("161-CTr/BCSĐUBND-BDVTU", "161-CTr/BCSĐUBND-BDVTU"),
    ("01-QCPH/UBND-BDVTU", "01-QCPH/UBND-BDVTU"),
    ("19/2008/NQLT/CP-UBTUMTTQVN", "19/2008/NQLT-CP-UBTUMTTQVN"),
    ("số 4011/UBND-VX2", "4011/UBND-VX2"),
])
def test_normalize_agrees_with_the_text_extractor(written, canonical):
    assert normalize_directive(written) == canonical
    assert find_directives(written)[0] == [canonical]


@pytest.mark.parametrize("text", [
    "Liên hệ 0912 345 678, 0203.3835.186 hoặc fax 024-3823-4567.",
    "Ngày 31/3/2020, 5/2020 ca; tỷ lệ 1/2 số xã; 22/29 vụ việc; 10/10 xã.",
    "Trụ sở tại số 12/34 đường Lê Lợi; văn bản số 5/2020 đã lưu trữ.",  # no type: not a number
    "Phòng, chống dịch COVID-19 và biến chủng SARS-CoV-2.",
    "Sách ISBN 978-604-57-1234-5; mã hồ sơ 000.00.12.H40-210513-0001.",
    "Xem https://dangcongsan.vn/van-ban/25-NQ/TW.html và www.chinhphu.vn/16/CT-TTg.",
    "Giấy phép số 23/GP-TTĐT; Giấy chứng nhận 12/GCN-UBND",  # licences, certificates
    "Quốc lộ 1A, tỉnh lộ 18-B, đường 3/2; tỷ số 2-1; lớp 12/5.",
    "ký hiệu 12-AB/CD không rõ cơ quan",  # unknown code, unknown issuer
])
def test_no_number_in_phones_dates_addresses_urls_and_codes(text):
    assert find_directives(text) == ([], [])


@pytest.mark.parametrize("text,partial", [
    ("Quyết định 217, 218 của Tỉnh ủy; Kết luận 12-KL/TU", ["Quyết định 217", "Quyết định 218"]),
    ("Nghị quyết 04, 05 và Chỉ thị 06-CT/TU", ["Nghị quyết 04", "Nghị quyết 05"]),  # another type's suffix
])
def test_a_suffix_never_completes_numbers_of_another_list_or_type(text, partial):
    assert find_directives(text)[1] == partial
    assert all(not d.startswith(("217", "218", "04", "05")) for d in find_directives(text)[0])


def test_a_year_is_not_listed_before_a_plan_number():
    assert find_directives("Kế hoạch 2020, 15-KH/TU được triển khai")[0] == ["15-KH/TU"]


def test_cited_spans_slice_the_text_for_listed_numbers_too():
    from corpus.knowledge.directives import cited_spans

    text = "Hội nghị sơ kết Quyết định số 217, 218 và 219-QĐ/TW của Bộ Chính trị"
    spans = cited_spans(text)
    assert [c for _s, _e, c in spans] == ["217-QĐ/TW", "218-QĐ/TW", "219-QĐ/TW"]
    assert [text[s:e] for s, e, _c in spans] == ["217", "218", "219-QĐ/TW"]


@pytest.mark.parametrize("text,numbers", [
    ("căn cứ văn bản số 2111/NHNN-HCM.02 ngày 12/10/2005", ["2111/NHNN-HCM.02"]),  # a unit's sub-number is kept
    ("Nghị quyết 13/2002 NQ-CP và Nghị định 15/2003/NĐ-CP", ["13/2002/NQ-CP", "15/2003/NĐ-CP"]),  # year, a space
    ("Thông tư liên tịch số 08/TTLT/BTP-BTC-BNG ngày 31/12/1998", ["08/TTLT-BTP-BTC-BNG"]),
    ("Công điện khẩn số 28/TTG-KTTH gửi các bộ", ["28/TTg-KTTH"]),
])
def test_spellings_of_older_national_news(text, numbers):
    assert find_directives(text)[0] == numbers


@pytest.mark.parametrize("text,numbers", [
    ("Nghị quyết 19-2017/NQ-CP ngày 6/2/2017", ["19/2017/NQ-CP"]),  # a dash for the slash before the year
    ("Bộ Xây dựng có công văn số 1245/BXD-KHCN ngày 24/6/2013", ["1245/BXD-KHCN"]),  # any issuer after "công văn"
    ("Công văn khẩn số 730/KCB-NV gửi Sở Y tế", ["730/KCB-NV"]),
    ("văn bản số 76/TTCP-C.I ngày 19/4/2017", ["76/TTCP-C.I"]),  # dotted unit kept whole, never cut to "C"
    ("ký văn bản 2520/UBND/GPMB báo cáo", ["2520/UBND-GPMB"]),
    ("Công văn 4011/UBND-VX2.Ngày 5/1", ["4011/UBND-VX2"]),
])
def test_official_letters_and_year_dash(text, numbers):
    assert find_directives(text)[0] == numbers
    assert normalize_directive(numbers[0]) == numbers[0]


@pytest.mark.parametrize("text", [
    "Giấy phép số 1517/GP-BTNMT cho phép; Giấy giới thiệu số 45/TCMT-GGT; Phiếu chuyển số 104/PC-BTT",
    "Bản án hình sự sơ thẩm số 20/2010/HS-ST; QCVN 10-MT:2015/BTNMT; hợp đồng số 1088/VATM - Thales",
    "Windows 98/ME/NT/2000/XP; 1/Galactika/VNPSA in Moscow; tỷ số 3/AB-CD",
])
def test_letter_shapes_without_a_letter_word_are_not_numbers(text):
    assert find_directives(text)[0] == []


_PIECES = ("25-NQ/TW", "16/CT - TTg", "59/2023/NĐ-CP", "số 4011/UBND-VX2", "Công văn số 1245/BXD-KHCN", "12/2020/QH14",
           "https://x.vn/59/2023/ND-CP.html", "www.a.vn/25-NQ/TW", "tệp 16-CT-TTg.pdf", "TP.HCM", "ngày 14/03/2019",
           "Nghị quyết", "Quyết định 217, 218-QĐ/TW", "năm 2024", "a1/b2", "(", ")", ",", "-", "/", ".", "\n", " ", "  ",
           "x", "Đ", "٣/CT-TTg", "1,5", "3.000", "45.16/CT-TTg", "5- 2017/NQ-CP")


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_numbers_are_read_where_digits_start_and_urls_near_them_as_a_full_scan_would(text):
    """The quick scans find what scanning every character finds: each pattern's matches, and the numbers in URLs."""
    from corpus.knowledge import directives as d

    starts = [start for start, full in d._number_runs(text) if full]
    assert d._number_runs(text) == [(m.start(), m.lastindex is not None)
                                    for m in re.finditer(rf"\d+(\s*[{d._DASHES}/])?", text)]
    for pattern in (d._LAW_RE, d._STATE_RE, d._PARTY_RE, d._LETTER_RE):
        assert [m.span() for m in d._matches(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]
    urls = [m.span() for m in d._URL_RE.finditer(text)]
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 12) + 1):
            assert d._in_url(text, start, end) == any(s < end and start < e for s, e in urls)


_WORD_PIECES = ("Nghị quyết", "nghị   quyết liên tịch", "Quyết định", "THÔNG BÁO KẾT LUẬN", "kết luận", "Kế hoạch",
                "số", "Số", " ", "\n", "\t\t" + " " * 70 + "\n\u00a0 ", "(", ")", "217", "5", "2024", "12345",
                ", ", "và", " VÀ ", " & ", "-", "/", ".", "TW", "x", "của Bộ Chính trị", "năm", "luật", "25-NQ/TW")


@given(st.lists(st.sampled_from(_WORD_PIECES), max_size=40).map("".join))
@example("Kế hoạch: Nghị quyết" + " " * 80 + "số\n 217 và 218, theo Quyết định 5")  # far apart: over the quick window
@settings(max_examples=600, deadline=None)
def test_partial_citations_are_read_before_each_number_as_a_full_scan_reads_them(text):
    """Looking for the type word only before each number finds what scanning every character finds."""
    from corpus.knowledge import directives as d

    assert [m.span(1) + m.span(2) for m in d._partial_matches(text, d._number_runs(text))] == \
        [m.span(1) + m.span(2) for m in d._PARTIAL_RE.finditer(text)]
    for start in range(len(text) + 1):  # where a list's search is skipped it finds nothing
        low = max(0, start - 120)
        assert d._after_list_separator(text, low, start) or not d._LIST_RE.search(text, low, start)


def test_a_list_ends_only_with_the_characters_a_list_separator_ends_with():
    """Every character that ends a separator of _LIST_RE, in any case it reads, is one _after_list_separator knows."""
    from corpus.knowledge import directives as d

    separator = re.compile(r"(?:,|và|&)", re.I)
    assert [hex(c) for c in range(0x110000) if (separator.fullmatch(chr(c)) or separator.fullmatch("v" + chr(c)))
            and chr(c) not in d._LIST_ENDS] == []
    assert d.cited_spans("Quyết định 217 VÀ\n 218-QĐ/TW") == [(11, 14, "217-QĐ/TW"), (19, 28, "218-QĐ/TW")]
