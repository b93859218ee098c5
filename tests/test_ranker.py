"""The numpy readers of Whoosh data agree with Whoosh's own, one document at a time."""
import numpy as np
import pytest
from whoosh import query as Q

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
from indexer.build import update_index
from indexer.queryparse import chain_runs, excluded_parts, framing, parse, rank_terms, required_parts
from indexer import queryparse
from indexer.queryparse import FOLDED_BOOST
from indexer.ranker import DELTA, Ranker
from indexer import ranker as ranker_module
from indexer.search import SearchRequest, SearchService


@pytest.fixture
def several_segments(mini_home):
    """The mini index after an update with a deletion: two segments, one deleted document."""
    with Store(config.store_path(mini_home)) as store:
        store.upsert(Document(id="d7", title="Dân vận khéo ở cơ sở",
                              text="Dân vận khéo, dân vận khéo: phong trào dân vận khéo của nhân dân."))
        store.delete("d2")
        update_index(store, config.index_path(mini_home))
    service = SearchService(config.index_path(mini_home))
    return service._snapshot()


def test_lengths_are_whooshs_field_lengths(several_segments):
    searcher, _, ranker = several_segments
    reader = searcher.reader()
    for field in ("title", "text", "text_folded"):
        expected = [reader.doc_field_length(i, field, 0) or 0 for i in range(reader.doc_count_all())]
        assert ranker.lengths(field).tolist() == expected


def test_postings_are_whooshs_postings(several_segments):
    searcher, _, ranker = several_segments
    reader = searcher.reader()
    for field, term in (("text", "dân"), ("text_folded", "van"), ("text", "dân_vận"), ("title", "khéo"),
                        ("text", "absent")):
        ids, weights = ranker.postings(field, term)
        expected_ids, expected_weights = [], []
        for leaf, offset in reader.leaf_readers():
            if (field, term) in leaf:
                matcher = leaf.postings(field, term)
                while matcher.is_active():
                    expected_ids.append(matcher.id() + offset)
                    expected_weights.append(matcher.weight())
                    matcher.next()
        assert ids.tolist() == expected_ids
        assert weights.tolist() == pytest.approx(expected_weights)


@pytest.mark.parametrize("q", ['"dân vận khéo"', '"dan van"', '"nhân dân"', '"khéo dân"', '"Hoà giải viên"',
                               '"dân vận" -"nhân dân"', '"vận khéo, dân"', '"của nhân dân"'])
def test_phrase_masks_match_whoosh_phrase_queries(several_segments, q):
    searcher, table, ranker = several_segments
    parsed = parse(q)
    for part in required_parts(parsed) + excluded_parts(parsed):
        if part.phrase is None:
            continue
        ours = ranker.phrase_mask(part.phrase)
        assert ours is not None
        expected = table.mask(searcher.docs_for_query(part.phrase))
        assert np.flatnonzero(ours & table.live).tolist() == np.flatnonzero(expected).tolist()


def test_phrase_mask_leaves_other_queries_to_whoosh(several_segments):
    _, _, ranker = several_segments
    assert ranker.phrase_mask(Q.Phrase("text", ["dân", "khéo"], slop=3)) is None
    assert ranker.phrase_mask(Q.Term("text", "dân")) is None


# -- chain evidence: stretches of the query whose adjacent pairs a document all holds ------------------

QUERY = "hòa giải viên ở cơ sở"
IN_ORDER = "Hội nghị bàn về hòa giải viên ở cơ sở trong năm qua, với nhiều ý kiến của đại biểu các xã phường."
# Every syllable of the query and three of its pairs (hòa giải, viên ở, cơ sở), more often and in a
# shorter text, but never two consecutive pairs of the query.
SCATTERED = "Hòa giải, viên ở, cơ sở. Hòa giải, viên ở, cơ sở. Hòa giải, viên ở, cơ sở."
FILLER = ["Phong trào thi đua yêu nước ở khu dân cư.", "Tuyên truyền chính sách pháp luật cho đồng bào.",
          "Lực lượng vũ trang giúp dân thu hoạch lúa.", "Hội nông dân tập huấn kỹ thuật chăn nuôi.",
          "Đoàn thanh niên ra quân làm đường giao thông."]


@pytest.fixture
def order_service(tmp_path):
    """Two documents with the query's syllables (one holds them in order), among unrelated ones."""
    docs = [Document(id="in-order", title="Tin hoạt động", text=IN_ORDER),
            Document(id="scattered", title="Tin hoạt động", text=SCATTERED)]
    docs += [Document(id=f"other-{i}", title="Tin hoạt động", text=text) for i, text in enumerate(FILLER * 4)]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    return SearchService(config.index_path(tmp_path))


def ranked_ids(service, q):
    return [h.id for h in service.search(SearchRequest(q=q, limit=10)).hits]


def docnum(service, doc_id):
    return service._docnum(service.searcher(), doc_id)


def test_bm25_alone_prefers_the_scattered_document(order_service):
    """The premise of the next test: without the chain evidence (nor the floor's coverage, which pays the
    in-order document for holding more of the query's pairs) the denser document wins."""
    ranker = order_service._snapshot()[2]
    ranker.chain_weight = ranker.coverage = 0.0
    assert ranked_ids(order_service, QUERY)[:2] == ["scattered", "in-order"]


@pytest.mark.parametrize("q", [QUERY, "hoa giai vien o co so", "Hoà giải viên ở cơ sở?"])
def test_document_holding_the_query_words_in_order_ranks_first(order_service, q):
    assert ranked_ids(order_service, q)[:2] == ["in-order", "scattered"]


def test_no_diacritics_query_ranks_like_the_accented_one(order_service):
    accented = order_service.search(SearchRequest(q=QUERY, limit=10)).hits
    plain = order_service.search(SearchRequest(q="hoa giai vien o co so", limit=10)).hits
    assert [h.id for h in plain] == [h.id for h in accented]


def test_chain_evidence_sums_the_idf_of_every_stretch_held(order_service):
    _, table, ranker = order_service._snapshot()
    runs = chain_runs(parse(QUERY))
    assert runs == [["hoa", "giai", "vien", "o", "co", "so"]]
    evidence = ranker.chain_evidence(runs, table.live)
    idf = [ranker.idf("text_folded", s) for s in runs[0]]
    # The in-order document holds every pair: each stretch of 3 to 6 syllables, once per length.
    expected = sum(sum(idf[i:i + n]) for n in range(3, 7) for i in range(0, 7 - n))
    assert evidence[docnum(order_service, "in-order")] == pytest.approx(expected, rel=1e-5)
    assert evidence[docnum(order_service, "scattered")] == 0  # no two consecutive pairs of the query
    assert not evidence[~table.live].any() and (evidence >= 0).all()
    # A query of two syllables has no stretch to look for; nor does a candidate-free call.
    assert not ranker.chain_evidence([["co", "so"]], table.live).any()
    assert not ranker.chain_evidence(runs, np.zeros(table.size, dtype=bool)).any()


def test_chain_evidence_is_given_to_candidates_only(order_service):
    _, table, ranker = order_service._snapshot()
    runs = chain_runs(parse(QUERY))
    only_scattered = np.zeros(table.size, dtype=bool)
    only_scattered[docnum(order_service, "scattered")] = True
    assert not ranker.chain_evidence(runs, only_scattered).any()
    only_in_order = np.zeros(table.size, dtype=bool)
    only_in_order[docnum(order_service, "in-order")] = True
    assert np.flatnonzero(ranker.chain_evidence(runs, only_in_order)).tolist() == [docnum(order_service, "in-order")]


def test_idf_is_lucenes_from_the_term_dictionary_and_remembered(several_segments):
    searcher, _, ranker = several_segments
    reader = searcher.reader()
    for field, term in (("text", "dân"), ("text_folded", "dan_van"), ("title", "absent")):
        df = reader.doc_frequency(field, term)
        expected = np.log(1 + (ranker.docs - df + 0.5) / (df + 0.5))
        assert ranker.idf(field, term) == pytest.approx(expected)
        assert ranker.idf(field, term) == pytest.approx(expected)  # the remembered value


# -- BM25+ lower bound and question framing (session 6) ----------------------

LONG_DEFINITIONS = ("Trong Luật này, các từ ngữ dưới đây được hiểu như sau: " + " ".join(
    f"{i}. Khái niệm thứ {i} là việc tổ chức thực hiện nhiệm vụ của cơ quan, đơn vị theo kế hoạch." for i in range(1, 30))
    + " Hòa giải viên là người được công nhận để hướng dẫn các bên.")
SHORT_ONE_WORD = "Hòa giải tranh chấp đất đai. Hòa giải ở thôn. Hòa giải kịp thời."


@pytest.fixture
def length_service(tmp_path):
    """A long definitions article holding every query syllable once, a short one repeating half of them."""
    docs = [Document(id="long", title="Giải thích từ ngữ", text=LONG_DEFINITIONS),
            Document(id="short", title="Tin hoạt động", text=SHORT_ONE_WORD)]
    docs += [Document(id=f"other-{i}", title="Tin hoạt động", text=text) for i, text in enumerate(FILLER * 4)]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    return SearchService(config.index_path(tmp_path))


def test_bm25_plus_adds_delta_times_idf_per_matched_term(length_service):
    _, table, ranker = length_service._snapshot()
    plain = Ranker(ranker.reader, delta=0.0)
    plus = Ranker(ranker.reader, delta=1.5, coverage=0.0)  # the floor unscaled (coverage: the test below)
    terms = [("text", "hòa", 1.0), ("text", "viên", 0.5)]
    gain = plus.score(terms) - plain.score(terms)
    expected = np.zeros(table.size)
    for field, term, weight in terms:
        expected[plus.docs_with(field, term)] += 1.5 * weight * plus.idf(field, term)
    assert gain == pytest.approx(expected, rel=1e-4, abs=1e-4)


def test_long_article_holding_every_query_word_beats_a_short_one_repeating_some(length_service):
    """Plain BM25 normalises the long article's single matches away; the BM25+ floor keeps them."""
    ranker = length_service._snapshot()[2]
    q = "hòa giải viên được công nhận?"
    ranker.delta = 0.0
    assert ranked_ids(length_service, q)[0] == "short"  # the premise: plain BM25
    ranker.delta = DELTA
    assert ranked_ids(length_service, q)[0] == "long"


@pytest.mark.parametrize("coverage", [0.5, 1.0, 2.0])
def test_coverage_scales_each_documents_floor_by_the_share_of_the_query_it_holds(length_service, coverage):
    _, table, ranker = length_service._snapshot()
    terms = [("text", "hòa", 1.0), ("text", "viên", 0.5), ("text", "công_nhận", 1.0), ("text", "absent", 1.0),
             ("title", "giải", 0.5)]  # a title term is scaled, not counted: the body holds the title's words
    plain = Ranker(ranker.reader, delta=0.0)
    covered = Ranker(ranker.reader, delta=1.5, coverage=coverage)
    held, floor = np.zeros(table.size), np.zeros(table.size)
    for field, term, weight in terms:
        ids = covered.docs_with(field, term)
        held[ids] += weight * covered.idf(field, term) * (field == "text")
        floor[ids] += 1.5 * weight * covered.idf(field, term)
    total = sum(weight * covered.idf(f, t) for f, t, weight in terms if f == "text" and len(covered.docs_with(f, t)))
    gain = covered.score(terms) - plain.score(terms)
    assert gain == pytest.approx(floor * (held / total) ** coverage, rel=1e-4, abs=1e-4)
    whole = docnum(length_service, "long")  # holds every word some document holds: the whole floor
    assert gain[whole] == pytest.approx(floor[whole], rel=1e-4)
    assert 0 < gain[docnum(length_service, "short")] < floor[docnum(length_service, "short")]


def test_floor_length_and_title_b_change_only_what_they_name(length_service):
    _, table, ranker = length_service._snapshot()
    body, title = [("text", "hòa", 1.0), ("text", "viên", 0.5)], [("title", "tin", 1.0), ("title", "giải", 1.0)]
    same = Ranker(ranker.reader, coverage=0.0)
    assert Ranker(ranker.reader, title_b=1.0, coverage=0.0).score(body).tolist() == same.score(body).tolist()
    assert Ranker(ranker.reader, floor_length=0.5, delta=0.0).score(body).tolist() == \
        Ranker(ranker.reader, delta=0.0).score(body).tolist()  # no floor: nothing to scale
    shorter = Ranker(ranker.reader, floor_length=0.5, coverage=0.0)
    norm = 1 - same.b + same.b * same.lengths("text") / same.lengths("text").mean()
    expected = np.zeros(table.size)
    for field, term, weight in body:
        ids = same.docs_with(field, term)
        expected[ids] += weight * same.idf(field, term) * same.delta * (norm[ids] ** -0.5 - 1)
    assert shorter.score(body) - same.score(body) == pytest.approx(expected, rel=1e-4, abs=1e-4)
    assert Ranker(ranker.reader, title_b=1.0, coverage=0.0).score(title).tolist() != same.score(title).tolist()
    assert Ranker(ranker.reader, title_b=same.b, coverage=0.0).score(title).tolist() == same.score(title).tolist()


@pytest.mark.parametrize("q,framing_words", [
    ("Thỏa thuận trọng tài có độc lập với hợp đồng hay không?", ["hay", "không"]),
    ("Hòa giải viên là gì?", ["là", "gì"]),
    ("Cơ quan nào có thẩm quyền cấp Giấy phép, đúng hay sai?", ["nào", "đúng", "hay", "sai"]),
    ("co quan nao co tham quyen, dung hay sai?", ["nao", "dung", "hay", "sai"]),
    ("hay không", []),  # not a question: every word is what it is about
])
def test_question_framing_words_are_found(q, framing_words):
    parsed = parse(q)
    assert [w for w, f in zip(parsed.words, framing(parsed)) if f] == framing_words


def test_framing_words_weigh_framing_weight_in_questions_only():
    question = {term: w for _, term, w in rank_terms(parse("Hòa giải viên là gì?"), framing_weight=0.0)}
    assert "gì" not in question and "là" not in question and "là_gì" not in question
    assert question["viên"] == 1.0 and question["viên_là"] == 1.0  # a pair half content stays
    statement = {term: w for _, term, w in rank_terms(parse("Hòa giải viên là gì"), framing_weight=0.0)}
    assert statement["gì"] == 1.0
    half = {term: w for _, term, w in rank_terms(parse("Hòa giải viên là gì?"), framing_weight=0.5)}
    assert half["gì"] == 0.5 and half["là_gì"] == 0.5


def test_skip_pairs_are_query_syllables_one_apart_in_the_folded_body():
    terms = rank_terms(parse("tiếp công dân"), skip_weight=0.5)
    assert [t for t in terms if t[1] == "tiep_dan"] == [("text_folded", "tiep_dan", 0.5)]
    # Not when the weight is 0, nor a pair the query already holds, nor across a question's framing words.
    assert not [t for t in rank_terms(parse("tiếp công dân"), skip_weight=0.0) if t[1] == "tiep_dan"]
    assert [t for t in rank_terms(parse("tiếp tiếp tiếp"), skip_weight=0.5) if t[0] == "text_folded"] == [
        ("text_folded", "tiep", 1.0 * FOLDED_BOOST), ("text_folded", "tiep_tiep", 1.0 * FOLDED_BOOST)]
    question = {t[1] for t in rank_terms(parse("Hòa giải viên là gì?"), framing_weight=0.0, skip_weight=0.5)}
    assert "hoa_vien" in question and "vien_gi" not in question and "giai_la" not in question


@pytest.fixture
def skip_service(tmp_path):
    """One article says "tiếp dân", another only holds the three syllables apart, more often."""
    docs = [Document(id="tiep-dan", title="Tin hoạt động",
                     text="Lãnh đạo huyện tiếp dân định kỳ, giải quyết kiến nghị của công nhân và nông dân."),
            Document(id="apart", title="Tin hoạt động",
                     text="Tiếp tục làm tốt công tác dân vận; công tác dân vận được tiếp tục đẩy mạnh ở xã.")]
    docs += [Document(id=f"other-{i}", title="Tin hoạt động", text=text) for i, text in enumerate(FILLER * 4)]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    return SearchService(config.index_path(tmp_path))


def test_skip_pair_ranks_the_shorter_form_of_a_query_expression_first(skip_service, monkeypatch):
    monkeypatch.setattr(queryparse, "SKIP_WEIGHT", 0.0)
    assert ranked_ids(skip_service, "tiếp công dân")[:2] == ["apart", "tiep-dan"]  # the premise
    monkeypatch.setattr(queryparse, "SKIP_WEIGHT", 0.5)
    assert ranked_ids(skip_service, "tiếp công dân")[:2] == ["tiep-dan", "apart"]
    assert ranked_ids(skip_service, "tiep cong dan")[:2] == ["tiep-dan", "apart"]


BODY = "Hội nông dân tập huấn kỹ thuật chăn nuôi cho hội viên. Đoàn thanh niên ra quân làm đường giao thông."


@pytest.fixture
def title_service(tmp_path):
    """The same words in a portal article's title only, in another's text only, in a law article's heading
    that its text repeats."""
    docs = [Document(id="title-only", title="Xóa nhà tạm ở vùng cao", text=BODY),
            Document(id="text-only", title="Tin hoạt động", text=BODY + " Xóa nhà tạm ở vùng cao."),
            Document(id="repeated", title="Xóa nhà tạm ở vùng cao", text="Xóa nhà tạm ở vùng cao\n" + BODY)]
    docs += [Document(id=f"other-{i}", title="Tin hoạt động", text=text) for i, text in enumerate(FILLER * 4)]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(tmp_path))
    return SearchService(config.index_path(tmp_path))


@pytest.mark.parametrize("q", ["xóa nhà tạm", "xoa nha tam"])
def test_a_title_word_counts_in_the_body_once_whether_or_not_the_text_repeats_it(title_service, q, monkeypatch):
    """A portal article's title is not in its text; a law article's heading is (ALQAC): a title word weighed
    0.5 in the first and 1.5 in the second, so news titles lost to one mention in another article's text."""
    ranker = title_service._snapshot()[2]
    terms = rank_terms(parse(q))
    folded = parse(q).folded
    scores = ranker.score(terms, folded=folded)
    at = {d: docnum(title_service, d) for d in ("title-only", "text-only", "repeated")}
    assert scores[at["title-only"]] > scores[at["text-only"]]
    monkeypatch.setattr(ranker, "coverage", 0.0)  # the floor's coverage reads the body fields BODY_TITLE names
    merged = ranker.score(terms, folded=folded)
    monkeypatch.setattr(ranker_module, "BODY_TITLE", {})
    unmerged = ranker.score(terms, folded=folded)
    assert unmerged[at["title-only"]] < unmerged[at["text-only"]]  # the premise: the title alone weighs less
    assert merged[at["repeated"]] == pytest.approx(unmerged[at["repeated"]])  # a repeated heading: no change


# -- the floor's coverage (session 9) ------------------------------------------

PASSAGE = "Nghỉ phép năm: 12 ngày."
NEWS = ("Thời tiết nắng nóng kéo dài, " + " ".join(FILLER) * 8 + " Nhiều lao động tự do là người dân ngoại tỉnh. "
        + " ".join(FILLER) * 8 + " Giá vàng được điều chỉnh trong ngày, thời hạn công bố chưa rõ. "
        + " ".join(FILLER) * 8 + " Bao nhiêu lượt khách đã đến tham quan?")


@pytest.fixture
def passage_service(tmp_path):
    """A short untitled passage answering the question, a long news article holding more of its words once each."""
    return among_filler(tmp_path, [Document(id="passage", title="", text=PASSAGE),
                                   Document(id="news", title="Nắng nóng, người dân đổ ra biển nghỉ", text=NEWS)])


def among_filler(home, docs: list[Document]) -> SearchService:
    """A service over ``docs`` and twenty unrelated short articles, indexed in ``home``."""
    docs = docs + [Document(id=f"other-{i}", title="Tin hoạt động", text=text) for i, text in enumerate(FILLER * 4)]
    with Store(config.store_path(home)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(home))
    return SearchService(config.index_path(home))


@pytest.mark.parametrize("q", ["Thời hạn người lao động được nghỉ phép năm là bao nhiêu ngày?",
                               "thoi han nguoi lao dong duoc nghi phep nam la bao nhieu ngay?"])
def test_a_short_passage_answering_the_question_beats_a_long_article_holding_its_words_once(passage_service, q):
    """BKAI's failure (BENCHMARKS.md "Ranking, session 9"): a floor per matched term paid the long article
    for every question word it held once; scaled by the share of the question it holds (squared here, the
    exponent the two-collection protocol chose), it does not."""
    ranker = passage_service._snapshot()[2]
    ranker.delta, ranker.coverage = 1.0, 2.0
    assert ranked_ids(passage_service, q)[:2] == ["passage", "news"]


def test_the_unscaled_floor_put_the_long_article_first(passage_service):
    """The premise (session 8's floor: δ 1.5 for every matched term)."""
    ranker = passage_service._snapshot()[2]
    ranker.delta, ranker.coverage = 1.5, 0.0
    assert ranked_ids(passage_service, "Thời hạn người lao động được nghỉ phép năm là bao nhiêu ngày?")[0] == "news"
