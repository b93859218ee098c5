"""A query naming a kind of document, a period or a province: matched and ranked by the documents'
own genre, period and province (queryparse.required_parts, rank_terms), on a corpus written here."""
import pytest

from corpus.store import config
from corpus.store.document import Document
from indexer import queryparse
from indexer.queryparse import parse
from indexer.ranker import Ranker
from indexer.search import SearchRequest, SearchService
from tests.conftest import build_home

FILLER = ("Hội Nông dân xã tổ chức tập huấn kỹ thuật chăn nuôi cho hội viên, trao quà cho hộ nghèo và "
          "phát động phong trào giữ gìn vệ sinh môi trường khu dân cư.")
DOCS = [
    # Neither says "sơ kết": their titles make them reviews.
    Document(id="h1-2023", title="Báo cáo kết quả công tác dân vận 6 tháng đầu năm 2023",
             text="Trong nửa đầu năm, so với cùng kỳ năm 2022, các cấp ủy đã lãnh đạo tốt công tác dân vận. "
                  + FILLER),
    Document(id="h1-2022", title="Báo cáo kết quả công tác dân vận 6 tháng đầu năm 2022",
             text="Sáu tháng đầu năm 2022, công tác dân vận có nhiều chuyển biến. " + FILLER),
    Document(id="annual", title="Tổng kết công tác dân vận năm 2022, triển khai nhiệm vụ năm 2023",
             text="Hội nghị đánh giá kết quả công tác dân vận cả năm và đề ra nhiệm vụ. " + FILLER),
    # Holds the query's syllables once each, apart and meaning something else: no review.
    Document(id="scattered", title="Thanh niên ra quân hỗ trợ vùng lũ",
             text="Đoàn thanh niên kết nối 6 đội sơ cứu, trực suốt tháng 9 tại các xã vùng lũ. " + FILLER),
    # A Hà Giang article that never names its province (the province field does).
    Document(id="ha-giang", title="Xín Mần tăng tốc xóa nhà tạm, nhà dột nát", province="Hà Giang",
             text="Huyện Xín Mần phấn đấu xóa nhà tạm cho hộ nghèo trước tháng 10. " + FILLER),
    Document(id="ha-giang-named", title="Hà Giang chung tay xóa nhà tạm", province="Hà Giang",
             text="Phụ nữ Hà Giang góp công xóa nhà tạm, nhà dột nát. " + FILLER),
    Document(id="elsewhere", title="Xóa nhà tạm ở vùng cao", province="Lào Cai",
             text="Lào Cai xóa nhà tạm cho hộ nghèo vùng cao. " + FILLER),
]
DOCS += [Document(id=f"filler-{i}", title=f"Tin hoạt động số {i}", text=FILLER) for i in range(6)]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return SearchService(config.index_path(build_home(tmp_path_factory.mktemp("genre-rank"), DOCS)))


def ranked(service, q):
    return [h.id for h in service.search(SearchRequest(q=q, limit=20)).hits]


def test_the_corpus_has_the_genres_the_rules_give():
    by_id = {d.id: d for d in DOCS}
    assert (by_id["h1-2023"].genre, by_id["h1-2023"].period) == ("six_month_review", "2023-H1")
    assert (by_id["annual"].genre, by_id["annual"].period) == ("annual_review", "2022")
    assert by_id["scattered"].genre not in ("six_month_review", "annual_review", "multi_year_review")


def test_parse_reads_genre_period_and_province_with_the_documents_rules():
    p = parse("so ket 6 thang dau nam 2022 Ha Giang")
    assert (p.genre, p.period) == ("six_month_review", "2022-H1")
    assert p.provinces == [("Hà Giang", ["ha", "giang"])]
    assert parse("tiếp công dân").genre is None and parse("tiếp công dân").provinces == []


@pytest.mark.parametrize("q", ["sơ kết 6 tháng", "so ket 6 thang"])
def test_a_named_genre_finds_its_family_and_ranks_it_above_scattered_words(service, q):
    order = ranked(service, q)
    # Found though they never say "sơ kết": the six-month reviews first, then the annual review.
    assert set(order[:2]) == {"h1-2023", "h1-2022"}
    assert order[2] == "annual"
    assert order.index("annual") < order.index("scattered")


def scores_with_and_without_period(service, q, monkeypatch) -> tuple[dict, dict]:
    """Scores of the top 20 as shipped, then with the period's credit turned off."""
    def scores():
        return {h.id: h.score for h in service.search(SearchRequest(q=q, limit=20)).hits}

    shipped = scores()
    monkeypatch.setattr(queryparse, "PERIOD_BOOST", 0.0)
    return shipped, scores()


@pytest.mark.parametrize("q", ["sơ kết 6 tháng đầu năm 2022", "so ket 6 thang dau nam 2022"])
def test_a_named_period_credits_the_review_of_that_period_only(service, q, monkeypatch):
    """Both reviews say "năm 2022"; the 2022 one reports on it, and gains what its year's word is worth."""
    shipped, without = scores_with_and_without_period(service, q, monkeypatch)
    assert max(shipped, key=shipped.get) == "h1-2022"
    assert shipped["h1-2022"] > without["h1-2022"] + 1
    assert shipped["h1-2023"] == pytest.approx(without["h1-2023"])


def test_a_quoted_phrase_stays_exact(service):
    """Phrase timelines count documents holding the phrase: no genre stands in for it."""
    assert ranked(service, '"sơ kết 6 tháng"') == []


@pytest.mark.parametrize("q", ["Hà Giang xóa nhà tạm", "ha giang xoa nha tam"])
def test_a_named_province_matches_its_documents_that_do_not_name_it(service, q):
    order = ranked(service, q)
    assert set(order) == {"ha-giang", "ha-giang-named"}


def test_folded_queries_are_scored_with_their_own_length_normalisation(service):
    _, _, ranker = service._snapshot()
    terms = [("text_folded", "xoa", 1.0), ("text_folded", "nha", 1.0)]
    strong = Ranker(ranker.reader, b=0.75, folded_b=1.0)
    assert strong.score(terms).tolist() == Ranker(ranker.reader, b=0.75, folded_b=0.0).score(terms).tolist()
    # Short documents gain on long ones only when the query is folded.
    folded, accented = strong.score(terms, folded=True), strong.score(terms)
    lengths = strong.lengths("text_folded")
    matched = folded > 0
    shortest, longest = (int(i) for i in (lengths[matched].argmin(), lengths[matched].argmax()))
    ids = matched.nonzero()[0]
    shortest, longest = ids[shortest], ids[longest]
    assert folded[shortest] / folded[longest] > accented[shortest] / accented[longest]


@pytest.mark.parametrize("q,genre,period", [
    ("kế hoạch 2024", "plan", "2024"), ("ke hoach 2024", "plan", "2024"), ("báo cáo 2023", "report", "2023"),
    ("hướng dẫn 2022", "guidance", "2022"), ("sơ kết 6 tháng 2022", "six_month_review", "2022-H1"),
    ("so ket 6 thang 2022", "six_month_review", "2022-H1"), ("kế hoạch dân vận 2024", "plan", "2024"),
])
def test_a_genre_and_a_bare_year_name_the_genre_and_period_not_a_citation(q, genre, period):
    """"kế hoạch 2024" is the plan for 2024 (as the documents' own citation reader has it), not plan no. 2024."""
    p = parse(q)
    assert (p.genre, p.period, p.partial_directives) == (genre, period, [])
    assert p.words[-1] == period[:4]


@pytest.mark.parametrize("q,number", [("kế hoạch số 2024", "2024"), ("quyết định 2022", "2022"), ("kế hoạch 180", "180")])
def test_a_number_said_to_be_one_or_after_a_non_genre_type_stays_a_citation(q, number):
    assert [n for n, _, _ in parse(q).partial_directives] == [number]


@pytest.mark.parametrize("q", ["báo cáo 2023", "bao cao 2023"])
def test_a_genre_and_a_year_find_the_documents_holding_them(service, q):
    assert "h1-2023" in ranked(service, q)


@pytest.mark.parametrize("q", ["sơ kết 6 tháng 2022", "so ket 6 thang 2022"])
def test_a_six_month_review_with_a_bare_year_credits_that_half_year(service, q, monkeypatch):
    shipped, without = scores_with_and_without_period(service, q, monkeypatch)
    assert shipped["h1-2022"] > without["h1-2022"] + 1
    assert shipped["h1-2023"] == pytest.approx(without["h1-2023"])


@pytest.mark.parametrize("q", ["kế hoạch giai đoạn 2021-2025", "kế hoạch 2021-2025", "nghị quyết nhiệm kỳ 2020-2025",
                               "báo cáo 2023 2024"])
def test_two_years_are_no_bare_year(q):
    """A span's hyphen is gone from the query's words ("2021 2025"): reading its first year as the period
    would credit 2021 alone; the period stays unknown, as before the bare-year rule."""
    assert parse(q).period is None


@pytest.mark.parametrize("q,genre,period", [
    ("báo cáo 6 tháng 2024", "six_month_review", "2024-H1"), ("bao cao 6 thang 2024", "six_month_review", "2024-H1"),
    ("báo cáo 6 tháng đầu năm 2024", "six_month_review", "2024-H1"), ("BC 6 tháng 2022", "six_month_review", "2022-H1"),
    ("sơ kết 9 tháng 2023", "report", "2023-9M"), ("tổng kết 5 năm thực hiện Chỉ thị 16", "multi_year_review", None),
    ("kế hoạch 5 năm 2021-2025", "plan", None), ("báo cáo quý I/2024", "report", "2024-Q1"),
    ("báo cáo tổng kết năm 2023 và phương hướng 2024", "annual_review", "2023"),
])
def test_a_number_before_month_or_year_is_a_duration_not_a_document_number(q, genre, period):
    """"báo cáo 6 tháng 2024" is the six-month review of 2024's first half, not report no. 6; "kế hoạch 5 năm
    2021-2025" is a five-year plan whose span lost its hyphen, so no year is read alone."""
    p = parse(q)
    assert (p.genre, p.period) == (genre, period)
    assert [n for n, _, _ in p.partial_directives] == (["16"] if "Chỉ thị 16" in q else [])


@pytest.mark.parametrize("q,number", [("kế hoạch số 6 tháng", "6"), ("nghị quyết 25 năm 2021", "25"),
                                      ("chỉ thị 16 về công tác dân vận", "16")])
def test_a_number_said_to_be_one_or_with_its_issue_year_stays_a_citation(q, number):
    assert [n for n, _, _ in parse(q).partial_directives] == [number]


def test_a_citation_with_its_full_number_stays_one():
    p = parse("kế hoạch số 12/KH-UBND")
    assert (p.directives, p.partial_directives) == (["12/KH-UBND"], [])


@pytest.mark.parametrize("q", ["báo cáo 6 tháng 2022", "bao cao 6 thang 2022"])
def test_a_six_month_report_query_finds_the_reviews_of_that_half_year_first(service, q):
    """Read as report no. 6, nothing matched and the fallback let in anything holding one word ("tháng")."""
    assert ranked(service, q) == ["h1-2022", "h1-2023", "annual"]
