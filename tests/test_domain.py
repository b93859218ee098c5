"""Domain checks: queries users of this field type rank the right documents first.

The 42 articles of ../shared/fixtures/sites are tagged with topics and cited
documents in their gold.jsonl; they are indexed together with the demo corpus
(corpus/samples/demo.jsonl) as distractors.  We assert on precision@5 among the
tagged articles and on the rank of the first relevant one, not on exact order.
"""
import pytest

from benchmarks import domain as domain_bench  # builds the same corpus for the P@5 benchmark
from indexer.search import SearchRequest

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def domain(shared_dir, tmp_path_factory):
    service, tagged, _titles = domain_bench.build(shared_dir, tmp_path_factory.mktemp("domain"))
    return service, tagged


def ranked_tagged(service, tagged, q):
    """Ids of the tagged (fixture) articles among the hits, in rank order."""
    hits = service.search(SearchRequest(q=q, limit=100)).hits
    return [h.id for h in hits if h.id in tagged]


@pytest.mark.parametrize("q,topic,min_precision", [
    ("dân vận khéo", "dan_van_kheo", 0.8),
    ("dan van kheo", "dan_van_kheo", 0.8),
    ("quy chế dân chủ ở cơ sở", "quy_che_dan_chu", 0.8),
    ("quy che dan chu o co so", "quy_che_dan_chu", 0.8),
    # The genre the words name: six-month reviews, then the other reviews (queryparse.stand_ins).
    ("sơ kết 6 tháng", "so_ket_tong_ket", 0.8),
    ("so ket 6 thang", "so_ket_tong_ket", 0.8),
    ("xóa nhà tạm, nhà dột nát", "nha_tam_nha_dot_nat", 0.8),
    ("giải phóng mặt bằng", "giai_phong_mat_bang", 0.8),
])
def test_topic_queries_rank_tagged_articles_first(domain, q, topic, min_precision):
    service, tagged = domain
    ranked = ranked_tagged(service, tagged, q)
    relevant = [doc_id for doc_id in ranked[:5] if topic in tagged[doc_id]["topics"]]
    assert len(relevant) / min(5, len(ranked)) >= min_precision, (q, [tagged[d]["topics"] for d in ranked[:5]])
    assert topic in tagged[ranked[0]]["topics"]


def test_tiep_cong_dan_ranks_a_tagged_article_first(domain):
    service, tagged = domain
    ranked = ranked_tagged(service, tagged, "tiếp công dân")
    first = next(i for i, d in enumerate(ranked) if "tiep_cong_dan_khieu_nai" in tagged[d]["topics"])
    assert first <= 1


@pytest.mark.parametrize("q", ["16/CT-TTg", "16/ct - ttg", "chỉ thị 16/CT-TTg", "16 CT TTg"])
def test_directive_queries_find_exactly_the_citing_articles(domain, q):
    service, tagged = domain
    citing = {d for d, g in tagged.items() if "16/CT-TTg" in g["directives"]}
    assert set(ranked_tagged(service, tagged, q)) == citing


def test_every_tagged_directive_is_found_by_its_number(domain):
    service, tagged = domain
    for number in sorted({n for g in tagged.values() for n in g["directives"]}):
        citing = {d for d, g in tagged.items() if number in g["directives"]}
        assert set(ranked_tagged(service, tagged, number)) == citing, number


def test_partial_citation_query_reaches_the_full_number(domain):
    service, tagged = domain
    citing = {d for d, g in tagged.items() if "23-QĐ/TW" in g["directives"]}
    assert citing <= set(ranked_tagged(service, tagged, "quyết định 23"))


@pytest.mark.parametrize("q", ["tiếp công dân", "tiep cong dan"])
def test_tiep_cong_dan_ranks_every_tagged_article_in_the_top_five(domain, q):
    """All three, also the one that only says "tiếp dân" (a skip pair of the query: see rank_terms)."""
    service, tagged = domain
    relevant = {d for d, g in tagged.items() if "tiep_cong_dan_khieu_nai" in g["topics"]}
    assert relevant <= set(ranked_tagged(service, tagged, q)[:5])


@pytest.mark.parametrize("q", ["Hà Giang xóa nhà tạm", "ha giang xoa nha tam"])
def test_a_province_and_a_theme_find_the_provinces_articles_that_do_not_name_it(domain, q):
    """"Xín Mần tăng tốc xóa nhà tạm" is filed under Hà Giang and never writes the name."""
    service, tagged = domain
    wanted = {d for d, g in tagged.items() if g["province"] == "Hà Giang" and "nha_tam_nha_dot_nat" in g["topics"]}
    assert len(wanted) >= 2
    assert wanted <= set(ranked_tagged(service, tagged, q)[:5])


@pytest.mark.parametrize("q", ["người có uy tín đồng bào dân tộc thiểu số", "nguoi co uy tin dong bao dan toc thieu so"])
def test_an_article_lacking_one_word_of_a_long_query_is_found(domain, q):
    """benchmarks/domain.py JUDGED8: its one answer never says "thiểu"; fewer than a page of articles hold
    every syllable, so those holding most of them match too (minimum should match), ranked among them."""
    service, _tagged = domain
    result = service.search(SearchRequest(q=q, limit=5))
    titles = [h.title for h in result.hits]
    assert "Phát huy vai trò người có uy tín ở các thôn biên giới" in titles
    found = next(h for h in result.hits if h.title.startswith("Phát huy vai trò người có uy tín"))
    assert found.missing == (["thiểu"] if q[0] == "n" and "ư" in q else ["thieu"])
    assert result.relaxed and any("thiếu một vài từ" in m for m in result.messages)
