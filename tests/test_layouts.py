"""Title and publication date by page structure, on layouts no family rule knows.

Every page here is built in the test: old table layouts, portal name before
or after the headline in <title>, date lines in <i>/<font>/table cells,
weekday-first and time-first, event dates in the body and dates in side lists.
"""
from __future__ import annotations

import datetime as dt

import pytest

from corpus.store.pipeline import page_fields

BODY = (
    "<p>Thực hiện Nghị quyết của Tỉnh ủy về công tác dân vận, thời gian qua Ban Dân vận huyện đã phối hợp "
    "với Ủy ban Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội vận động nhân dân hiến đất làm đường "
    "giao thông nông thôn, xây dựng nhà văn hóa thôn bản.</p>"
    "<p>Sáng 12/10/2016, tại hội trường Huyện ủy, Ban Dân vận tổ chức hội nghị sơ kết phong trào thi đua "
    "Dân vận khéo, biểu dương 25 tập thể và 40 cá nhân có thành tích xuất sắc trong phong trào, "
    "góp phần quan trọng vào kết quả xây dựng nông thôn mới của địa phương.</p>"
    "<p>Phát biểu tại hội nghị, đồng chí Trưởng Ban Dân vận Huyện ủy đề nghị các cấp ủy, chính quyền tiếp tục "
    "quan tâm lãnh đạo, chỉ đạo, phát huy vai trò của nhân dân trong xây dựng hệ thống chính trị ở cơ sở.</p>"
    "<p>Năm 2017, huyện phấn đấu mỗi xã, thị trấn có ít nhất hai mô hình Dân vận khéo được công nhận, gắn với "
    "thực hiện có hiệu quả Quy chế dân chủ ở cơ sở, cải cách hành chính và phát triển kinh tế hộ gia đình; "
    "các đoàn thể tăng cường đối thoại, nắm bắt tâm tư, nguyện vọng của đoàn viên, hội viên và nhân dân.</p>"
)
HEADLINE = "Huyện Châu Thành sơ kết phong trào thi đua Dân vận khéo"
SIDE = (
    "<table width='100%'><tr><td><b>TIN MỚI</b></td></tr>"
    "<tr><td><a href='/tin/1.htm'>Hội nghị tổng kết công tác Mặt trận năm 2015</a> (02/01/2016)</td></tr>"
    "<tr><td><a href='/tin/2.htm'>Khai mạc Tháng dân vận ở các xã vùng sâu</a> (05/03/2016)</td></tr>"
    "<tr><td><a href='/tin/3.htm'>Tập huấn nghiệp vụ cho cán bộ dân vận cơ sở năm 2016</a> (08/04/2016)</td></tr>"
    "</table>"
)
MENU = ("<table><tr><td><a href='/'>Trang chủ</a></td><td><a href='/gt.htm'>Giới thiệu</a></td>"
        "<td><a href='/tt.htm'>Tin tức</a></td><td><a href='/vb.htm'>Văn bản</a></td></tr></table>")


def page(title_tag: str, head_block: str, *, side: str = SIDE, extra_head: str = "") -> bytes:
    """An old portal page: menu table, side list in one cell, article in the other."""
    html = (
        f"<html><head><meta charset='utf-8'><title>{title_tag}</title>{extra_head}</head><body>{MENU}"
        f"<table width='980'><tr><td width='220' valign='top'>{side}</td>"
        f"<td valign='top'>{head_block}{BODY}</td></tr></table>"
        "<table><tr><td>Cổng thông tin điện tử huyện Châu Thành. Địa chỉ: 01 Đường 30/4. Điện thoại: 0270 3822 111. "
        "Email: ubnd@chauthanh.example.vn. Giấy phép số 12/GP-STTTT.</td></tr></table></body></html>"
    )
    return html.encode("utf-8")


CASES = {
    # the family: "<portal> - <headline>", headline in <font><b> in a cell, date in <i> under it
    "portal before, font b, date in i": (
        f"Cổng TTĐT huyện Châu Thành - {HEADLINE}",
        f"<table><tr><td><font size='4' color='#003399'><b>{HEADLINE}</b></font></td></tr>"
        f"<tr><td><i>(16/11/2016 09:15 AM)</i></td></tr></table>",
    ),
    "portal after, weekday first": (
        f"{HEADLINE} | Ban Dân vận Huyện ủy Châu Thành",
        f"<p><font face='Arial' size='3'><b>{HEADLINE}</b></font></p>"
        "<p><font size='1' color='gray'>Thứ tư, 16/11/2016, 09:15</font></p>",
    ),
    "time first above the headline": (
        f"Huyện ủy Châu Thành :: {HEADLINE}",
        f"<div><span>09:15 AM | 16/11/2016</span></div><div><strong>{HEADLINE}</strong></div>",
    ),
    "label and lúc, in a cell": (
        f"{HEADLINE} - Trang tin Mặt trận",
        f"<table><tr><td><span style='font-size:18px;font-weight:bold'>{HEADLINE}</span></td></tr>"
        "<tr><td>Cập nhật lúc 09:15 ngày 16/11/2016</td></tr></table>",
    ),
    "name the <title> shares with og:site_name, no portal words": (
        f"Châu Thành Online - {HEADLINE}",
        f"<h3><b>{HEADLINE}</b></h3><div>Ngày đăng: 16-11-2016 | Lượt xem: 1523</div>",
    ),
    "weekday, dash, time, above an h2": (
        f"{HEADLINE} - Châu Thành",
        f"<div><font color='gray'>Thứ Tư, 16/11/2016 - 09:15 AM</font></div><h2>{HEADLINE}</h2>",
    ),
    "date after a bar": (f"{HEADLINE} | UBND huyện", f"<p><b>{HEADLINE}</b></p><p>16/11/2016 | 09:15</p>"),
    "Cập nhật in parentheses under a styled div": (
        f"{HEADLINE} – Trang tin Hội Nông dân",
        f"<div style='font-weight:bold;font-size:20px'>{HEADLINE}</div><div>(Cập nhật: 16/11/2016)</div>",
    ),
    "headline and date cells in one row": (
        f"Châu Thành :: {HEADLINE}",
        f"<table><tr><td><strong>{HEADLINE}</strong></td><td>Đăng lúc: 09:15 16/11/2016</td></tr></table>",
    ),
    "headline, date and body in one cell": (
        f"UBND huyện Châu Thành - {HEADLINE}",
        f"<font size='4'><b>{HEADLINE}</b></font><br><i>(16/11/2016 09:15 AM)</i><br>",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_headline_and_date_line_by_structure(case):
    title_tag, head_block = CASES[case]
    extra = "<meta property='og:site_name' content='Châu Thành Online'>" if "og:site_name" in case else ""
    fields = page_fields(page(title_tag, head_block, extra_head=extra))
    assert fields is not None
    assert fields["title"] == HEADLINE
    assert fields["published"] == "2016-11-16"
    assert fields["text"].startswith("Thực hiện Nghị quyết")  # headline and date line are not body text
    assert "Khai mạc Tháng dân vận" not in fields["text"]


def test_event_date_in_the_body_is_not_the_publication_date():
    fields = page_fields(page(f"Cổng TTĐT huyện Châu Thành - {HEADLINE}",
                             f"<p><font size='4'><b>{HEADLINE}</b></font></p>"))
    assert fields is not None and fields["title"] == HEADLINE
    assert fields["published"] is None  # "Sáng 12/10/2016" dates the meeting; the side list dates other pages


def test_title_parts_drop_the_portal_name_by_site_name_host_and_portal_words():
    from corpus.extract.headline import title_parts
    from corpus.extract.htmlhead import PageFacts

    meta = PageFacts(site_name="Châu Thành Online", host="www.chauthanh.example.vn")
    assert title_parts(f"Châu Thành Online - {HEADLINE}", meta) == [f"Châu Thành Online - {HEADLINE}", HEADLINE]
    assert title_parts(f"{HEADLINE} | chauthanh", meta)[1:] == [HEADLINE]
    assert title_parts(f"{HEADLINE} - Cổng TTĐT huyện Châu Thành", PageFacts())[1:] == [HEADLINE]


def test_a_headline_in_a_side_list_link_is_not_the_headline():
    side = SIDE.replace("Khai mạc Tháng dân vận ở các xã vùng sâu", HEADLINE)
    head = f"<p><font size='4'><b>{HEADLINE}</b></font></p><p><i>Ngày đăng: 16/11/2016</i></p>"
    fields = page_fields(page(f"Cổng TTĐT huyện Châu Thành - {HEADLINE}", head, side=side))
    assert fields["title"] == HEADLINE and fields["published"] == "2016-11-16"
    assert not fields["text"].startswith(HEADLINE) and "Ngày đăng" not in fields["text"]


def _quiet_site(tmp_path, pages: dict[str, str]):
    from tests.test_crawl import SiteServer

    tmp_path.mkdir(exist_ok=True)
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    return SiteServer(tmp_path)


PORTAL = "Sở Nội vụ Bến Tre"  # no word says "portal": only its other pages show it is the site's name
HEADLINES = [f"Hội nghị tập huấn công tác dân vận chính quyền đợt {n}" for n in range(1, 5)]


def _article(n: int, *, dated: bool) -> str:
    date = f"<div>Ngày đăng: 0{n}/03/2019</div>" if dated else ""
    return (f"<html><head><title>{PORTAL} - {HEADLINES[n - 1]}</title></head><body>"
            f"<div><a href='/'>Trang chủ</a> | <a href='/gioi-thieu.html'>Giới thiệu</a></div>"
            f"<div>{HEADLINES[n - 1]}</div>{date}<div>{BODY}</div></body></html>")


def test_the_portal_name_is_learned_from_the_hosts_titles_and_listing_dates_are_the_fallback(tmp_path):
    from corpus.crawl.loop import crawl
    from corpus.crawl.reclean import reclean
    from corpus.crawl.sources import Source
    from corpus.store.db import Store

    teasers = "".join(f"<li><a href='/tin/bai-{n}.html'>{HEADLINES[n - 1]}</a> <span>(0{n}/03/2019)</span></li>"
                      for n in range(1, 5))
    pages = {"index.html": f"<html><head><title>{PORTAL} - Tin tức</title></head><body><ul>{teasers}</ul></body></html>"}
    (tmp_path / "tin").mkdir()
    pages.update({f"tin/bai-{n}.html": _article(n, dated=n % 2 == 0) for n in range(1, 5)})
    server = _quiet_site(tmp_path, pages)
    try:
        with Store(tmp_path / "hints.db") as store:
            crawl(store, sources=[Source(name="s", start_urls=[server.url], allow_private=True)],
                  delay=0, timeout=5, retries=0)
            reclean(store)  # pages crawled before the name was learned get it now
            docs = sorted(store, key=lambda d: d.url)
    finally:
        server.close()
    assert [d.title for d in docs] == HEADLINES
    assert [d.published for d in docs] == [f"2019-03-0{n}" for n in range(1, 5)]  # 1 and 3 from the listing


def test_listing_dates_need_one_link_and_one_date_per_teaser():
    from corpus.clean.tree import parse_tree
    from corpus.extract.pagedate import listing_dates

    root = parse_tree(
        "<html><body><ul><li><a href='/a.html'>Bài viết thứ nhất về dân vận</a> (02/01/2016)</li>"
        "<li><a href='/b.html'>Bài viết thứ hai về dân vận</a><a href='/c.html'>Bài viết thứ ba về dân vận</a>"
        " 05/01/2016</li><li><a href='/d.html'>Bài viết thứ tư về dân vận</a> Sáng 12/10/2016, hội nghị</li>"
        "<li><div class='date'>Thứ hai, 07/01/2016</div><h3><a href='e.html'>Bài viết thứ năm về dân vận</a></h3></li>"
        "</ul></body></html>")
    assert listing_dates(root, "http://portal.example/tin/") == {
        "http://portal.example/a.html": dt.date(2016, 1, 2), "http://portal.example/tin/e.html": dt.date(2016, 1, 7)}
