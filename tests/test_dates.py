"""Publication dates from CMS date lines; the year a text is about."""
from __future__ import annotations

import datetime as dt

import pytest

from corpus.extract.dates import find_date, find_published, find_year, iso_date, parse_date_line, split_trailing_date


@pytest.mark.parametrize("line,iso", [
    ("15:15, 01/07/2022", dt.date(2022, 7, 1)),
    ("Ngày 14/03/2019 08:59:47", dt.date(2019, 3, 14)),
    ("(20/02/2019 08:53 PM)", dt.date(2019, 2, 20)),
    ("08:52 10/09/2024", dt.date(2024, 9, 10)),
    ("Thứ Hai, 12/06/2023", dt.date(2023, 6, 12)),
    ("Thứ Năm, 16/05/2019 08:30", dt.date(2019, 5, 16)),
    ("2019-03-14T08:00:00+07:00", dt.date(2019, 3, 14)),
    ("2019-03-14", dt.date(2019, 3, 14)),
    ("14-03-2019", dt.date(2019, 3, 14)),
    ("14.03.2019", dt.date(2019, 3, 14)),
    (" 14/03/2019 08:59:47", dt.date(2019, 3, 14)),
    ("Cập nhật lúc 10:20 ngày 15/3/2021", dt.date(2021, 3, 15)),
    ("Đăng ngày: 09/07/2021", dt.date(2021, 7, 9)),
    ("09h30, 01/07/2022", dt.date(2022, 7, 1)),
    ("Thứ hai, ngày 12 tháng 6 năm 2023", dt.date(2023, 6, 12)),
    ("14/03/2019 08:59:47 Lượt xem: 1042", dt.date(2019, 3, 14)),
    ("Chủ nhật, 05/01/2025 - 07:00 GMT+7", dt.date(2025, 1, 5)),
    ("Ngày đăng 06/01/2016 | 03:30 PM | View count: 426 |", dt.date(2016, 1, 6)),
    # Real portals' stamps (issue 13): Joomla in Vietnamese, a news credit, a 12-hour clock, a bar.
    ("Thứ ba, 18 Tháng 8 2015 16:06", dt.date(2015, 8, 18)),
    ("(MTO 3 - 31/03/2020 14:27)", dt.date(2020, 3, 31)),
    ("20:50, 14/03/2022", dt.date(2022, 3, 14)),
    ("Thứ ba, 15/10/2024, 16:41 PM", dt.date(2024, 10, 15)),
    ("(17:18 | 02/11/2020)", dt.date(2020, 11, 2)),
    ("01/03/2018", dt.date(2018, 3, 1)),
    ("(Chinhphu.vn) - 08:15, 05/06/2023", dt.date(2023, 6, 5)),
    ("Cập nhật: 18 tháng 8, 2015", dt.date(2015, 8, 18)),
    ("2019/03/14 08:00", dt.date(2019, 3, 14)),
    ("Posted on March 31, 2020", dt.date(2020, 3, 31)),
    ("31 Mar 2020 | 14:27", dt.date(2020, 3, 31)),
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
    "(TTXVN) - Ngày 14/03/2022, Ban Dân vận Tỉnh ủy tổ chức hội nghị",  # a credit, then prose
    "Ban Dân vận Tỉnh ủy - 14/03/2022",  # words that are not a credit
    "Năm 2019",
    "12/06/1985",  # before any portal published
    "5 people 2020",
])
def test_not_date_lines(line):
    assert parse_date_line(line) is None
    assert find_published([line]) is None


def test_title_line_with_trailing_date():
    line = "Công tác dân vận góp phần xây dựng hệ thống chính trị (20/02/2019 08:53 PM)"
    assert split_trailing_date(line) == ("Công tác dân vận góp phần xây dựng hệ thống chính trị", dt.date(2019, 2, 20))
    assert find_published([line]) == dt.date(2019, 2, 20)
    assert split_trailing_date("Tin ngắn (09/07/2021)") == ("Tin ngắn", dt.date(2021, 7, 9))
    assert split_trailing_date("Kỷ niệm Ngày truyền thống (15/10/1930)")[1] is None  # before 1945
    assert split_trailing_date("Không có ngày (khóa XI)") == ("Không có ngày (khóa XI)", None)


def test_the_date_line_wins_over_event_dates_in_prose():
    lines = [
        "Sơ kết công tác dân vận 6 tháng đầu năm 2022",
        "Ngày 30/6/2022, Tỉnh ủy tổ chức hội nghị sơ kết.",
        "15:15, 01/07/2022",
    ]
    assert find_published(lines) == dt.date(2022, 7, 1)


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


@pytest.mark.parametrize("line,title,iso", [
    ("Sơ kết công tác dân vận Thứ ba, 18 Tháng 8 2015 16:06", "Sơ kết công tác dân vận", dt.date(2015, 8, 18)),
    ("Sơ kết công tác dân vận 6 tháng đầu năm 20:50, 14/03/2022", "Sơ kết công tác dân vận 6 tháng đầu năm", dt.date(2022, 3, 14)),
    ("Sơ kết công tác dân vận | Thứ ba, 15/10/2024, 16:41 PM", "Sơ kết công tác dân vận", dt.date(2024, 10, 15)),
    ("Sơ kết công tác dân vận (17:18 | 02/11/2020)", "Sơ kết công tác dân vận", dt.date(2020, 11, 2)),
])
def test_a_stamp_at_the_end_of_a_title_line(line, title, iso):
    assert split_trailing_date(line) == (title, iso)


@pytest.mark.parametrize("line", [
    "Lịch công tác tuần từ 01/03/2018",  # a bare date at the end of a title belongs to it
    "Hội nghị tổng kết ngày 15/3/2022",
    "Kỷ niệm 90 năm Ngày truyền thống 15/10/1930",
])
def test_a_title_ending_in_a_date_keeps_it(line):
    assert split_trailing_date(line) == (line, None)


def test_find_date_reads_a_date_anywhere_in_a_short_element():
    assert find_date("Ban Biên tập | 01/03/2018 | Lượt xem: 120") == dt.date(2018, 3, 1)
    assert find_date("Lượt xem: 1.487") is None
    assert find_date("31/02/2019 hoặc 01/03/2019") == dt.date(2019, 3, 1)  # no 31 February: the next one
    assert iso_date("2021-03-31T20:30:00Z") == dt.date(2021, 4, 1)  # 20:30 UTC is the next day in Vietnam
    assert iso_date("2021-03-31") == dt.date(2021, 3, 31)
