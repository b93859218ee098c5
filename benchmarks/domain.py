"""Precision of the queries staff type, on the tagged portal fixtures and the demo corpus.

Indexes the 42 tagged articles of ../shared/fixtures/sites (their gold.jsonl gives
topics) together with corpus/samples/demo.jsonl (40 articles), as
``tests/test_domain.py`` does, and prints P@5 per query and the mean of two sets:

- **tagged** (``TAGGED``): topic queries and their diacritic-free forms, judged by the
  fixtures' own topic tags; P@5 counts the tagged articles among the hits only (the
  demo articles carry no tags), as relevant-in-top-5 / min(5, tagged hits).
- **judged** (``JUDGED``): queries written for session 6 (a genre, a period, a plan,
  a province and a theme, a partial citation), each with the titles of the articles
  of both sources that answer it.  Judged by reading every article's title and, where
  the title does not say, its first paragraph: relevant = the article *is* what the
  query asks for (a six-month review of that half-year, a plan for that movement...),
  not merely mentions it.  P@5 = relevant in the top 5 / min(5, relevant articles), so
  a query with two relevant articles scores 1.0 when both are in its top 5.
- **judged, session 7** (``JUDGED7``): 12 more, written the same way before any search
  was run (genre + period, with a province; a directive's implementation; themes).
- **judged, session 8** (``JUDGED8``): 15 more, written the same way before any search
  was run (genre + period + province, "báo cáo 6 tháng", a decision's ten-year review, themes).

    python benchmarks/domain.py [--shared ../shared] [--setting delta=0.5 --setting coverage=1 ...]

``--setting NAME=VALUE`` measures with one of the ranker's settings changed (an attribute of
``indexer.ranker.Ranker``: k1, b, folded_b, delta, coverage, floor_length, title_b, chain_weight).

Queries here were written from the kinds of request the issue lists, not tuned on:
changing the ranking to fit one of them is the over-fit this set exists to catch.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.store import config  # noqa: E402
from corpus.store.db import Store  # noqa: E402
from corpus.store.importer import import_paths  # noqa: E402
from indexer.build import update_index  # noqa: E402
from indexer.search import SearchRequest, SearchService  # noqa: E402

K = 5
# (query, topic of gold.jsonl)
TAGGED = (
    ("dân vận khéo", "dan_van_kheo"), ("dan van kheo", "dan_van_kheo"),
    ("quy chế dân chủ ở cơ sở", "quy_che_dan_chu"), ("quy che dan chu o co so", "quy_che_dan_chu"),
    ("sơ kết 6 tháng", "so_ket_tong_ket"), ("so ket 6 thang", "so_ket_tong_ket"),
    ("xóa nhà tạm, nhà dột nát", "nha_tam_nha_dot_nat"), ("xoa nha tam, nha dot nat", "nha_tam_nha_dot_nat"),
    ("giải phóng mặt bằng", "giai_phong_mat_bang"), ("giai phong mat bang", "giai_phong_mat_bang"),
    ("tiếp công dân", "tiep_cong_dan_khieu_nai"), ("tiep cong dan", "tiep_cong_dan_khieu_nai"),
)
_SIX_2022 = ("Hội nghị sơ kết công tác dân vận 6 tháng đầu năm 2022",
             "Sơ kết 6 tháng đầu năm 2022 công tác dân vận và quy chế dân chủ ở cơ sở")
_SIX_ALL = _SIX_2022 + ("Sơ kết công tác dân vận 6 tháng đầu năm 2021",
                        "Sơ kết công tác dân vận, quy chế dân chủ ở cơ sở 6 tháng đầu năm 2021",
                        "Sơ kết 6 tháng đầu năm 2024 công tác dân vận",
                        "Sơ kết 6 tháng công tác dân vận và thực hiện quy chế dân chủ ở cơ sở",
                        "Sơ kết 6 tháng đầu năm công tác dân vận: chú trọng vận động công nhân lao động")
_ANNUAL_2025 = ("Tổng kết công tác dân vận năm 2025, triển khai nhiệm vụ năm 2026",
                "Tổng kết công tác tuyên giáo và dân vận năm 2025, triển khai nhiệm vụ năm 2026")
_PLANS_DVK = ("Kế hoạch thực hiện phong trào thi đua “Dân vận khéo” năm 2026",
              "Ban hành Kế hoạch thực hiện phong trào thi đua “Dân vận khéo” năm 2019")
# (query, titles of the articles that answer it)
JUDGED = (
    ("sơ kết 6 tháng đầu năm 2022", _SIX_2022),
    ("so ket 6 thang dau nam 2022", _SIX_2022),
    ("sơ kết 6 tháng đầu năm", _SIX_ALL),
    ("so ket 6 thang dau nam", _SIX_ALL),
    ("tổng kết công tác dân vận năm 2025", _ANNUAL_2025),
    ("tong ket cong tac dan van nam 2025", _ANNUAL_2025),
    ("tổng kết công tác dân vận năm", _ANNUAL_2025 + (
        "Tổng kết công tác dân vận năm 2015, triển khai nhiệm vụ năm 2016",
        "Hội nghị tổng kết công tác dân vận năm 2017, triển khai nhiệm vụ năm 2018",
        "Công tác dân vận năm 2023 góp phần thực hiện thắng lợi nhiệm vụ chính trị")),
    ("kế hoạch dân vận khéo", _PLANS_DVK),
    ("ke hoach dan van kheo", _PLANS_DVK),
    ("tổng kết phong trào dân vận khéo", ("Tổng kết phong trào thi đua “Dân vận khéo” năm 2023",
                                          "Tổng kết phong trào thi đua “Dân vận khéo” giai đoạn 2016 - 2020",
                                          "Biểu dương 120 mô hình “Dân vận khéo” giai đoạn 2016 - 2018")),
    ("triển khai Luật Thực hiện dân chủ ở cơ sở", (
        "Luật Thực hiện dân chủ ở cơ sở có hiệu lực: Quảng Nam ban hành kế hoạch triển khai",
        "Quán triệt, triển khai Luật Thực hiện dân chủ ở cơ sở và Nghị định số 59/2023/NĐ-CP",
        "Hội nghị trực tuyến toàn quốc triển khai Luật Thực hiện dân chủ ở cơ sở")),
    ("Hà Giang xóa nhà tạm", ("Phụ nữ Hà Giang chung tay xóa nhà tạm, nhà dột nát",
                              "Xín Mần tăng tốc xóa nhà tạm, nhà dột nát")),
    ("tháng dân vận năm 2025", ("Đà Nẵng tổ chức các hoạt động Tháng Dân vận năm 2025",
                                "Lan tỏa các mô hình “Dân vận khéo” trong Tháng Dân vận năm 2025")),
    ("đối thoại với nhân dân", ("Người đứng đầu đối thoại với Nhân dân: tháo gỡ kịp thời vướng mắc từ cơ sở",
                                "Hoàng Mai: Đối thoại trực tiếp giữa người đứng đầu với nhân dân",
                                "Nâng cao chất lượng tiếp công dân, đối thoại với Nhân dân",
                                "Dân vận trong giải phóng mặt bằng: đối thoại để tạo đồng thuận")),
    ("quy định 124 giám sát", ("Triển khai Quy định 124 về giám sát của Mặt trận, đoàn thể đối với người đứng đầu",)),
)
_SIX_2021 = ("Sơ kết công tác dân vận 6 tháng đầu năm 2021",
             "Sơ kết công tác dân vận, quy chế dân chủ ở cơ sở 6 tháng đầu năm 2021")
_RELIGION = ("Nâng cao hiệu quả công tác dân vận vùng đồng bào có đạo",
             "Làm tốt công tác dân vận trong đồng bào Khmer và đồng bào có đạo",
             "Yên Thành: Vận động đồng bào Công giáo “sống tốt đời, đẹp đạo”",
             "Phát huy vai trò phụ nữ có đạo trong xây dựng khu dân cư bình yên",
             "Phát huy vai trò chức sắc, chức việc các tôn giáo trong phòng, chống dịch COVID-19")
# Session 7: written before any search was run, judged the same way.  Three more were written and dropped
# because no article answers them: "kế hoạch 2024", "triển khai nghị quyết 25", "quang nam dan van kheo".
JUDGED7 = (
    ("sơ kết 6 tháng 2021", _SIX_2021),
    ("so ket 6 thang 2021", _SIX_2021),
    ("tổng kết năm 2017 công tác dân vận", ("Hội nghị tổng kết công tác dân vận năm 2017, triển khai nhiệm vụ năm 2018",)),
    ("tong ket nam 2015 dan van ha giang", ("Tổng kết công tác dân vận năm 2015, triển khai nhiệm vụ năm 2016",)),
    ("quán triệt chỉ thị 16 dân vận", (
        "UBND tỉnh quán triệt Chỉ thị 16 về tăng cường và đổi mới công tác dân vận trong cơ quan hành chính nhà nước",)),
    ("quyết định 23 quy chế công tác dân vận", (
        "Triển khai Quy chế công tác dân vận của hệ thống chính trị theo Quyết định 23-QĐ/TW",)),
    ("dân vận chính quyền", (
        "Dân vận chính quyền phải bắt đầu từ việc lắng nghe dân",
        "UBND tỉnh quán triệt Chỉ thị 16 về tăng cường và đổi mới công tác dân vận trong cơ quan hành chính nhà nước")),
    ("vận động đồng bào dân tộc thiểu số", (
        "Dân vận vùng đồng bào dân tộc thiểu số gắn với Chương trình mục tiêu quốc gia",
        "Hoàng Su Phì: Đưa Luật Thực hiện dân chủ ở cơ sở đến với đồng bào dân tộc thiểu số",
        "Chi hội phụ nữ thôn Lùng Thàng với mô hình “Dân vận khéo” nói không với tảo hôn",
        "Bộ đội Biên phòng làm công tác dân vận ở vùng cao Kỳ Sơn",
        "Phát huy vai trò người có uy tín ở các thôn biên giới",
        "Làm tốt công tác dân vận trong đồng bào Khmer và đồng bào có đạo",
        "Bộ đội Biên phòng tỉnh: Điểm tựa vững chắc của đồng bào nơi biên giới")),
    ("công tác dân vận vùng đồng bào tôn giáo", _RELIGION),
    ("xây dựng nông thôn mới", (
        "Phụ nữ Bắc Quang chung sức xây dựng nông thôn mới",
        "Quỳnh Lộc: Dân vận khéo, lòng dân thuận trong xây dựng nông thôn mới",
        "Hội Nông dân tỉnh toạ đàm “Nông dân với công tác dân vận trong xây dựng nông thôn mới”",
        "Tân An Luông: “Dân vận khéo” trong làm đường giao thông nông thôn")),
    ("chuyen doi so dan van", ("Tuổi trẻ Quảng Ninh hưởng ứng Tháng Dân vận, đẩy mạnh chuyển đổi số cộng đồng",)),
    ("giao ban công tác dân vận", ("Nâng cao hiệu quả công tác dân vận vùng đồng bào có đạo",)),
)

_HIGHWAY_GPMB = ("Hải Hà: “Dân vận khéo” trong giải phóng mặt bằng cao tốc Vân Đồn - Móng Cái",
                 "Bắc Quang: Dân vận khéo trong giải phóng mặt bằng cao tốc Tuyên Quang - Hà Giang",
                 "Dân vận khéo, mặt bằng thông cho cao tốc Bắc - Nam qua Nghệ An",
                 "Làm tốt công tác dân vận, tạo đồng thuận trong bồi thường, giải phóng mặt bằng")
_ANNUAL_2023 = ("Công tác dân vận năm 2023 góp phần thực hiện thắng lợi nhiệm vụ chính trị",)
# Session 8: written and judged (titles and first paragraphs of all 82 articles) before any of them was run:
# genre + period + province, a six-month report named "báo cáo 6 tháng", a multi-year review of a decision, themes.
JUDGED8 = (
    ("sơ kết 6 tháng đầu năm 2021 Quảng Ninh", ("Sơ kết công tác dân vận 6 tháng đầu năm 2021",)),
    ("so ket 6 thang 2024 quang binh", ("Sơ kết 6 tháng đầu năm 2024 công tác dân vận",)),
    ("báo cáo 6 tháng 2022", _SIX_2022),
    ("tổng kết công tác dân vận năm 2023", _ANNUAL_2023),
    ("tong ket cong tac dan van nam 2023", _ANNUAL_2023),
    ("tong ket 10 nam thuc hien quyet dinh 217", (
        "Mặt trận vận động xây dựng nhà Đại đoàn kết, tổng kết 10 năm Quyết định 217, 218",)),
    ("điểm mới Luật Thực hiện dân chủ ở cơ sở", (
        "Hội viên phụ nữ cần biết: Những điểm mới của Luật Thực hiện dân chủ ở cơ sở",
        "Một số điểm mới cơ bản của Luật Thực hiện dân chủ ở cơ sở")),
    ("kỷ niệm ngày truyền thống công tác dân vận", (
        "Kỷ niệm 95 năm Ngày truyền thống công tác dân vận của Đảng",
        "Kỷ niệm 90 năm Ngày truyền thống công tác dân vận của Đảng",
        "Vĩnh Long họp mặt kỷ niệm 87 năm Ngày truyền thống công tác dân vận của Đảng",
        "Đà Nẵng tổ chức các hoạt động Tháng Dân vận năm 2025")),
    ("dan van trong giai phong mat bang cao toc", _HIGHWAY_GPMB),
    ("công tác dân vận sau sắp xếp đơn vị hành chính", (
        "Công tác dân vận ở cơ sở sau sắp xếp: gần dân hơn, sát dân hơn",
        "Công tác dân vận ở các xã, phường sau sắp xếp: gần dân, sát cơ sở",
        "Làm tốt công tác dân vận trong lấy ý kiến Nhân dân về sắp xếp đơn vị hành chính",
        "Phát huy “Dân vận khéo” ở cơ sở sau sắp xếp đơn vị hành chính")),
    ("ke hoach dan van kheo 2026", ("Kế hoạch thực hiện phong trào thi đua “Dân vận khéo” năm 2026",)),
    ("vận động phòng chống dịch COVID-19", (
        "Phụ nữ Bắc Giang chung tay phòng, chống dịch COVID-19",
        "Phát huy vai trò chức sắc, chức việc các tôn giáo trong phòng, chống dịch COVID-19")),
    ("xoa nha tam dong bao dan toc thieu so", (
        "Bình Liêu: Bộ đội Biên phòng chung tay xóa nhà tạm cho đồng bào dân tộc thiểu số",
        "Vận động nguồn lực xóa nhà tạm, nhà dột nát vùng đồng bào Chăm, Raglai")),
    ("hiến đất làm đường giao thông nông thôn", (
        "Tân An Luông: “Dân vận khéo” trong làm đường giao thông nông thôn",
        "Hội Nông dân thành phố vận động hội viên hiến đất làm đường, giữ gìn công trình thủy lợi")),
    ("người có uy tín đồng bào dân tộc thiểu số", ("Phát huy vai trò người có uy tín ở các thôn biên giới",)),
)


def build(shared: Path, home: Path) -> tuple[SearchService, dict[str, dict], dict[str, str]]:
    """Index the fixtures and the demo corpus in ``home``: the service, gold records by id, titles by id."""
    gold = [json.loads(line) for line in (shared / "fixtures/sites/gold.jsonl").open(encoding="utf-8")]
    pages = []
    for g in gold:
        file = shared / "fixtures/sites" / g["site"] / g["path"].lstrip("/")
        pages.append(file / "index.html" if g["path"].endswith("/") else file)
    with Store(config.store_path(home)) as store:
        report = import_paths(store, pages + [ROOT / "corpus/samples/demo.jsonl"])
        if report.problems:
            raise SystemExit(f"import problems: {report.problems}")
        update_index(store, config.index_path(home))
        titles = {doc.id: doc.title for doc in store}
    by_title = {title: doc_id for doc_id, title in titles.items()}
    tagged = {by_title[g["title"]]: g for g in gold}
    return SearchService(config.index_path(home)), tagged, titles


def precision_tagged(service: SearchService, tagged: dict[str, dict], q: str, topic: str) -> float:
    """Relevant among the first K tagged hits / min(K, tagged hits)."""
    ranked = [h.id for h in service.search(SearchRequest(q=q, limit=100), significant=False).hits if h.id in tagged]
    if not ranked:
        return 0.0
    return sum(topic in tagged[d]["topics"] for d in ranked[:K]) / min(K, len(ranked))


def precision_judged(service: SearchService, titles: dict[str, str], q: str, relevant: tuple[str, ...]) -> float:
    """Relevant in the top K / min(K, relevant articles)."""
    missing = set(relevant) - set(titles.values())
    if missing:
        raise SystemExit(f"judged titles not in the corpus: {sorted(missing)}")
    hits = service.search(SearchRequest(q=q, limit=K), significant=False).hits
    return sum(titles[h.id] in relevant for h in hits) / min(K, len(relevant))


SETTINGS = ("k1", "b", "folded_b", "delta", "coverage", "floor_length", "title_b", "chain_weight")


def setting(text: str) -> tuple[str, float | None]:
    """``NAME=VALUE`` of ``--setting``: a ranker setting and its value (``none`` for None)."""
    name, _, value = text.partition("=")
    if name not in SETTINGS or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(SETTINGS)}")
    try:
        return name, None if value.lower() == "none" else float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: not a number: {value!r}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--setting", type=setting, action="append", default=[],
                        help="a ranker setting changed for this run, NAME=VALUE (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        service, tagged, titles = build(args.shared, Path(tmp))
        ranker = service._snapshot()[2]
        for name, value in args.setting:
            setattr(ranker, name, value)
        every = []
        for name, rows, measure in (
                ("tagged", TAGGED, lambda q, topic: precision_tagged(service, tagged, q, topic)),
                ("judged", JUDGED, lambda q, relevant: precision_judged(service, titles, q, relevant)),
                ("judged, session 7", JUDGED7, lambda q, relevant: precision_judged(service, titles, q, relevant)),
                ("judged, session 8", JUDGED8, lambda q, relevant: precision_judged(service, titles, q, relevant))):
            scores = [measure(q, answer) for q, answer in rows]
            every += scores
            print(f"\n{name} queries (P@{K}):")
            for (q, _), p in zip(rows, scores):
                print(f"  {p:.2f}  {q}")
            print(f"  mean {sum(scores) / len(scores):.3f} over {len(scores)} queries")
        print(f"\nall sets: mean {sum(every) / len(every):.3f} over {len(every)} queries")


if __name__ == "__main__":
    main()
