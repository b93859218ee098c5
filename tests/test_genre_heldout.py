"""Genre and period from outside: titles and openings written apart from the rules' authors' own list
(tests/test_genre.py), in the phrasings portals publish; "unknown" (None) where a reader could not tell."""
import pytest

from corpus.extract.genre import classify
from corpus.store.document import Document

# (title, opening text, genre, period)
CASES = [
    # six-month reviews: accented, all caps, without diacritics, in the opening lines only
    ("Báo cáo sơ kết công tác dân vận 6 tháng đầu năm 2023", "", "six_month_review", "2023-H1"),
    ("BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2025", "", "six_month_review", "2025-H1"),
    ("bao cao so ket 6 thang dau nam 2018", "", "six_month_review", "2018-H1"),
    ("Báo cáo 6 tháng cuối năm 2017 về công tác dân vận chính quyền", "", "six_month_review", "2017-H2"),
    ("Báo cáo 6 tháng đầu năm 2019", "", "six_month_review", "2019-H1"),
    ("Kết quả công tác dân vận 6 tháng đầu năm 2022", "", "six_month_review", "2022-H1"),
    (None, "BÁO CÁO\nSơ kết công tác dân vận 6 tháng đầu năm 2024\nI. Kết quả", "six_month_review", "2024-H1"),
    # the year named once, after the next half's tasks, is the reviewed half's year too
    ("Sơ kết 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2023", "", "six_month_review", "2023-H1"),
    ("Báo cáo sơ kết 6 tháng đầu năm và phương hướng nhiệm vụ 6 tháng cuối năm 2021", "",
     "six_month_review", "2021-H1"),
    ("Báo cáo tình hình 6 tháng đầu năm 2020 và nhiệm vụ 6 tháng cuối năm", "", "six_month_review", "2020-H1"),
    ("Báo cáo sơ kết 6 tháng năm 2023", "", "six_month_review", None),  # which half: a reader cannot tell
    # annual reviews: the year reviewed, not the next year's, nor the signing date's
    ("TỔNG KẾT CÔNG TÁC DÂN VẬN NĂM 2021 VÀ PHƯƠNG HƯỚNG NHIỆM VỤ NĂM 2022", "", "annual_review", "2021"),
    ("tong ket cong tac dan van nam 2019", "", "annual_review", "2019"),
    ("Tổng kết năm 2024, triển khai nhiệm vụ năm 2025", "", "annual_review", "2024"),
    ("Báo cáo tổng kết năm 2019", "", "annual_review", "2019"),
    ("Tổng kết phong trào Dân vận khéo năm 2022", "", "annual_review", "2022"),
    ("Báo cáo số 123-BC/HU ngày 15/12/2023 tổng kết công tác năm 2023", "", "annual_review", "2023"),
    # multi-year reviews
    ("BÁO CÁO Tổng kết 10 năm thực hiện Kết luận 114-KL/TW", "", "multi_year_review", None),
    ("Sơ kết giai đoạn 2021 - 2025 thực hiện Kết luận 114-KL/TW", "", "multi_year_review", "2021-2025"),
    ("Báo cáo sơ kết 3 năm thực hiện Nghị quyết số 11-NQ/TU", "", "multi_year_review", None),
    ("Báo cáo tổng kết 5 năm thực hiện phong trào thi đua “Dân vận khéo” giai đoạn 2016 - 2020", "",
     "multi_year_review", "2016-2020"),
    ("Báo cáo tổng kết 20 năm thực hiện Quy chế dân chủ ở cơ sở (1998 - 2018)", "", "multi_year_review", "1998-2018"),
    ("Sơ kết 02 năm thực hiện Kết luận số 01-KL/TW", "", "multi_year_review", None),
    ("Tổng kết 15 năm thực hiện Nghị quyết 25-NQ/TW", "", "multi_year_review", None),
    ("Sơ kết giữa nhiệm kỳ 2020 - 2025", "", "multi_year_review", "2020-2025"),
    # plans and guidance, also when they are about a review; a plan's own date is not its period
    ("Kế hoạch triển khai công tác dân vận năm 2025", "", "plan", "2025"),
    ("KE HOACH thuc hien cong tac dan van nam 2026", "", "plan", "2026"),
    ("Kế hoạch số 45-KH/BDVTU về tổ chức Hội nghị tổng kết công tác dân vận năm 2022", "", "plan", "2022"),
    ("Kế hoạch giai đoạn 2021-2025 về công tác dân vận", "", "plan", "2021-2025"),
    ("Kế hoạch số 12-KH/BDV ngày 5 tháng 1 năm 2017 về tổng kết công tác dân vận năm 2016", "", "plan", "2016"),
    ("Kế hoạch 20/KH-BDV ngày 10/01/2018 tổng kết năm 2017", "", "plan", "2017"),
    (None, "KẾ HOẠCH\nTriển khai thực hiện Chỉ thị 49-CT/TW năm 2025", "plan", "2025"),
    ("Hướng dẫn thực hiện phong trào thi đua Dân vận khéo năm 2024", "", "guidance", "2024"),
    ("Hướng dẫn sơ kết 6 tháng đầu năm 2021", "", "guidance", "2021-H1"),
    ("huong dan to chuc hoi nghi dien hinh dan van kheo", "", "guidance", None),
    (None, "HƯỚNG DẪN\nCông tác dân vận năm 2023", "guidance", "2023"),
    # reports of a quarter, nine months, one month: never the whole year
    ("Báo cáo kết quả công tác dân vận 9 tháng năm 2020", "", "report", "2020-9M"),
    ("Báo cáo công tác dân vận quý II/2024", "", "report", "2024-Q2"),
    ("Báo cáo kết quả thực hiện công tác dân vận quý 4 năm 2019", "", "report", "2019-Q4"),
    ("Báo cáo quý 2/2021", "", "report", "2021-Q2"),
    ("Sơ kết quý I và triển khai nhiệm vụ quý II năm 2023", "", "report", "2023-Q1"),
    ("Tổng kết công tác dân vận 9 tháng năm 2021, triển khai nhiệm vụ quý IV", "", "report", "2021-9M"),
    ("Tổng kết hội thi Dân vận khéo, trao giải cho các tập thể", "", "model_story", None),
    ("BÁO CÁO TÌNH HÌNH NHÂN DÂN THÁNG 5 NĂM 2023", "", "report", None),
    ("Báo cáo tháng 11/2022", "", "report", None),
    ("Báo cáo tình hình tháng 12 năm 2023 và cả năm 2023", "", "report", "2023"),  # a month hides no year named after it
    ("Báo cáo công tác dân vận tháng 10 năm 2024 và nhiệm vụ tháng 11", "", "report", None),
    ("Báo cáo ngày 20 tháng 6 năm 2022", "", "report", None),  # a date, not a period
    ("Báo cáo năm 2021", "", "report", "2021"),
    # model stories and news
    ("Dân vận khéo: Người gác đèn ở bản Nà Hang", "", "model_story", None),
    ("Ông Lò Văn Hùng - điển hình dân vận khéo ở vùng cao", "", "model_story", None),
    ("Xã Tân Lập: những mô hình dân vận khéo hiệu quả", "", "model_story", None),
    ("Quyết định khen thưởng tập thể, cá nhân điển hình dân vận khéo", "", "model_story", None),
    ("Ban Dân vận Huyện ủy tổ chức tập huấn nghiệp vụ cho cán bộ cơ sở", "", "news", None),
    ("Khánh thành cầu dân sinh tại xã Yên Sơn", "", "news", None),
    ("Tuyên truyền kỷ niệm 95 năm Ngày truyền thống công tác Dân vận của Đảng", "", "news", None),
    ("Hội nghị giao ban công tác dân vận quý I năm 2022", "", "news", "2022-Q1"),
    # what no rule knows stays unknown; a period it names is still read
    ("Thông báo kết luận của Thường trực Tỉnh ủy", "", "unknown", None),
    ("Thông báo ngày 3 tháng 2 năm 2019", "", "unknown", None),
    ("Một số kinh nghiệm trong công tác vận động quần chúng", "", "unknown", None),
    ("Chương trình hành động thực hiện Nghị quyết Đại hội", "", "unknown", None),
    ("Tin hoạt động tháng 3/2021", "", "unknown", None),
    ("Hướng dẫn viên du lịch cộng đồng ở bản Lác", "", "unknown", None),  # a guide, not guidance
    ("Bao cao su miễn phí cho người dân vùng cao", "", "unknown", None),
    # "báo cáo sự ..." (with its tones) is a report all the same: only the toneless spelling is the condom
    ("Báo cáo sự tham gia của Mặt trận Tổ quốc vào xây dựng nông thôn mới năm 2023", "", "report", "2023"),
    ("BÁO CÁO SỰ CỐ MÔI TRƯỜNG TẠI XÃ YÊN SƠN", "", "report", None),
    (None, "BAN DÂN VẬN\nBÁO CÁO\nSự tham gia của nhân dân vào công tác dân vận năm 2023\n", "report", "2023"),
    # an official document's header as its text opens: five or six lines before its kind and subject
    (None, "TỈNH ỦY HÀ GIANG\nBAN DÂN VẬN\n*\nSố 45-BC/BDVTU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
           "Hà Giang, ngày 15 tháng 6 năm 2023\nBÁO CÁO\nSơ kết công tác dân vận 6 tháng đầu năm 2023,\n"
           "phương hướng nhiệm vụ 6 tháng cuối năm 2023\n-----\nThực hiện Kế hoạch của Tỉnh ủy, ...",
     "six_month_review", "2023-H1"),
    (None, "HUYỆN ỦY YÊN MINH\nBAN DÂN VẬN\nSố: 12-KH/BDVHU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
           "Yên Minh, ngày 05 tháng 01 năm 2024\nKẾ HOẠCH\nCông tác dân vận năm 2024\n", "plan", "2024"),
    # news: a signature ("KH" alone), a sentence that starts with "Báo cáo", a line cut mid-sentence
    (None, "Xã Tân Lập có thêm đường mới.\nNgười dân vui mừng.\nKH", "unknown", None),
    (None, "Báo cáo cho biết, 6 tháng đầu năm 2022 xã đã làm 5 km đường.\nNgười dân vui mừng.", "unknown", None),
    (None, ("Xã đã làm đường bê tông liên thôn, người dân góp công góp của, cán bộ bám sát địa bàn cơ sở mỗi ngày.\n" * 5)
     + "Báo cáo 6 tháng đầu năm 2022 của xã cho thấy đường đã làm xong, trường học đã sửa lại và người dân rất vui mừng.",
     "unknown", None),
]


@pytest.mark.parametrize("title,text,genre,period", CASES)
def test_genre_and_period_of_a_title_or_opening(title, text, genre, period):
    assert classify(title, text) == (genre, period)


def test_a_2016_review_published_in_january_2017_has_year_2017_and_period_2016():
    doc = Document(id="r", title="Báo cáo tổng kết công tác dân vận năm 2016",
                   text="Ngày 12 tháng 01 năm 2017, Ban Dân vận tổng kết công tác năm 2016.", published="2017-01-12")
    assert (doc.year, doc.genre, doc.period) == (2017, "annual_review", "2016")
