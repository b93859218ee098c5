"""Publication dates from CMS date lines; the year a text is about."""
from __future__ import annotations

import pytest

from corpus.dates import find_published, find_year, parse_date_line, split_trailing_date


@pytest.mark.parametrize("line,iso", [
    ("15:15, 01/07/2022", "2022-07-01"),
    ("Ngày 14/03/2019 08:59:47", "2019-03-14"),
    ("(20/02/2019 08:53 PM)", "2019-02-20"),
    ("08:52 10/09/2024", "2024-09-10"),
    ("Thứ Hai, 12/06/2023", "2023-06-12"),
    ("Thứ Năm, 16/05/2019 08:30", "2019-05-16"),
    ("2019-03-14T08:00:00+07:00", "2019-03-14"),
    ("2019-03-14", "2019-03-14"),
    ("14-03-2019", "2019-03-14"),
    ("14.03.2019", "2019-03-14"),
    (" 14/03/2019 08:59:47", "2019-03-14"),
    ("Cập nhật lúc 10:20 ngày 15/3/2021", "2021-03-15"),
    ("Đăng ngày: 09/07/2021", "2021-07-09"),
    ("09h30, 01/07/2022", "2022-07-01"),
    ("Thứ hai, ngày 12 tháng 6 năm 2023", "2023-06-12"),
    ("14/03/2019 08:59:47 Lượt xem: 1042", "2019-03-14"),
    ("Chủ nhật, 05/01/2025 - 07:00 GMT+7", "2025-01-05"),
    ("Ngày đăng 06/01/2016 | 03:30 PM | View count: 426 |", "2016-01-06"),
])
def test_date_lines(line, iso):
    assert parse_date_line(line) == iso
    assert find_published(["Trang chủ", line]) == iso


@pytest.mark.parametrize("line", [
    "Chiều 30/6, Tỉnh ủy tổ chức hội nghị Sơ kết công tác dân vận",
    "Sáng 30/6",
    "Ngày 06/9/2024, Ban Dân vận Tỉnh ủy ban hành Kế hoạch số 202-KH/BDVTU về việc triển khai",
    "Chỉ thị số 16/CT - TTg ngày 16/05/2016 của Thủ tướng Chính phủ",
    "Ngày truyền thống công tác dân vận của Đảng (15/10/1930 - 15/10/2024)",
    "31/02/2019",  # no such day
    "12/13/2019",  # no such month
    "01/07/1900",  # before 1945
    "01/07/2222",  # after 2100
    "6 tháng đầu năm 2023",
    "",
])
def test_not_date_lines(line):
    assert parse_date_line(line) is None
    assert find_published([line]) is None


def test_title_line_with_trailing_date():
    line = "Công tác dân vận góp phần xây dựng hệ thống chính trị (20/02/2019 08:53 PM)"
    assert split_trailing_date(line) == ("Công tác dân vận góp phần xây dựng hệ thống chính trị", "2019-02-20")
    assert find_published([line]) == "2019-02-20"
    assert split_trailing_date("Tin ngắn (09/07/2021)") == ("Tin ngắn", "2021-07-09")
    assert split_trailing_date("Kỷ niệm Ngày truyền thống (15/10/1930)")[1] is None  # before 1945
    assert split_trailing_date("Không có ngày (khóa XI)") == ("Không có ngày (khóa XI)", None)


def test_the_date_line_wins_over_event_dates_in_prose():
    lines = [
        "Sơ kết công tác dân vận 6 tháng đầu năm 2022",
        "Ngày 30/6/2022, Tỉnh ủy tổ chức hội nghị sơ kết.",
        "15:15, 01/07/2022",
    ]
    assert find_published(lines) == "2022-07-01"


@pytest.mark.parametrize("text,year", [
    ("6 tháng đầu năm 2023, các cơ quan ...; phương hướng 6 tháng cuối năm 2023.", 2023),
    ("Năm 2018 đạt kết quả; năm 2018 cũng ...; năm 2019 sẽ tiếp tục.", 2018),
    ("kế hoạch năm 2024. Tổng kết năm 2024; năm 2023 đã ...", 2024),
])
def test_find_year(text, year):
    assert find_year(text) == year


@pytest.mark.parametrize("text", [
    "",
    "Không nêu năm nào.",
    "Năm 2018, thị xã có 55 mô hình.",  # named once: not enough
    "năm 2022 ... năm 2023",  # a tie
    "giai đoạn 2016 - 2020, nhiệm kỳ năm 2020 - 2025, năm 2015-2020",  # ranges
    "ngày 16/05/2016 và ngày 03/6/2013",  # dates are not "năm YYYY"
    "năm 1900 và năm 1900",  # outside 1945..2100
])
def test_find_year_is_conservative(text):
    assert find_year(text) is None
