"""Snippets mark what matched: exact forms, the forms paired as in the query, else every accent form."""
import pytest

from corpus.knowledge.vietnamese import fold, has_diacritics
from indexer.analysis import FOLDED_ANALYZER, SYLLABLE_ANALYZER
from indexer.highlight import LEAD_SLACK, Terms, lead, matched_forms, merge_spans, snippet, spans

TEXTS = [
    "Phong trào Dân vận khéo ở xã, DÂN VẬN KHÉO; dân-vận khéo.",
    "Hoà giải viên giỏi: hòa giải ở cơ sở (Thuỷ lợi, thủy lợi) — Đảng và nhân dân.",
    "Kinh tế - xã hội năm 2024 tăng 6,5%; xã_hội; ĐẢNG BỘ tỉnh Đắk Lắk.",
]


def _reference(text, words):
    """Each word on its own (no pairs): the exact form if typed with marks and present, else every fold."""
    found = []
    for word in words:
        exact = [(t.startchar, t.endchar) for t in SYLLABLE_ANALYZER(text, chars=True) if t.text == word]
        folded = [(t.startchar, t.endchar) for t in FOLDED_ANALYZER(text, chars=True) if t.text == fold(word)]
        found += exact if exact and has_diacritics(word) else folded
    return merge_spans(found)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("words", [["dân", "khéo"], ["dan", "hoa", "thuy"], ["hòa", "đảng", "xa", "hoi"],
                                   ["vân"], ["lăk"], []])
def test_lone_words_match_the_analyzers(text, words):
    """Words typed apart from each other: checked against the index analyzers they stand in for."""
    terms = Terms(tuple((w,) for w in words))
    assert spans(text, matched_forms(text, terms)) == _reference(text, words)


def test_a_folded_query_marks_the_forms_that_matched_not_every_fold():
    text = "Công tác dân vận: văn bản hướng dẫn, vấn đề dân sinh, vận động nhân dân."
    forms = matched_forms(text, Terms.of(["dan", "van"]))
    assert forms == {"dân", "vận"}  # "dân vận" matched the pair dan_van; "văn", "vấn", "dẫn" did not
    out = snippet(text, Terms.of(["dan", "van"]))
    assert "<mark>văn</mark>" not in out and "<mark>vấn</mark>" not in out and "<mark>dẫn</mark>" not in out
    assert "<mark>dân</mark> <mark>vận</mark>" in out and "<mark>vận</mark> động" in out
    # Alone, "van" matched every accent form: all are marked.
    assert matched_forms(text, Terms.of(["van"])) == {"văn", "vấn", "vận"}


def test_a_letter_whose_lower_case_is_longer_shifts_no_mark():
    text = "İstanbul: dân vận, văn bản."  # "İ".lower() is two characters
    forms = matched_forms(text, Terms.of(["dan", "van"]))
    assert forms == {"dân", "vận"}
    assert [text[s:e] for s, e in spans(text, forms)] == ["dân", "vận"]
    assert snippet(text, Terms.of(["dan", "van"])) == "İstanbul: <mark>dân</mark> <mark>vận</mark>, văn bản."


def test_an_accented_query_marks_the_folded_match_that_made_the_hit():
    """"dân vân khéo" finds "dân vận khéo" through the folded field: "vận" is what matched."""
    text = "Phong trào thi đua Dân vận khéo ở xã; mây vần vũ."
    out = snippet(text, Terms.of(["dân", "vân", "khéo"]))
    assert "<mark>Dân</mark> <mark>vận</mark> <mark>khéo</mark>" in out
    assert "<mark>vần</mark>" not in out
    # The exact form, when the text holds it, is what a word typed with marks matched.
    assert matched_forms("Vân Hồ, dân vận khéo", Terms.of(["dân", "vân"])) == {"dân", "vân"}
    assert matched_forms("hướng dẫn vận động nhân dân", Terms.of(["dân", "vận"])) == {"dân", "vận"}
    assert matched_forms("hướng dẫn vận động", Terms.of(["dân", "vận"])) == {"dẫn", "vận"}  # its only match
    # A phrase's pairs count as the words' do; words from different runs are not a pair.
    assert matched_forms("dân vận", Terms.of([], [["dan", "van"]])) == {"dân", "vận"}
    assert matched_forms("dân vận, văn", Terms(runs=(("dan",), ("van",)))) == {"dân", "vận", "văn"}


def test_the_service_marks_what_matched(mini_service):
    """End to end: the snippet of a hit found through the folded field marks its match."""
    from indexer.search import SearchRequest

    result = mini_service.search(SearchRequest(q="dân vân khéo"))
    assert result.total
    assert all("<mark>vận</mark>" in hit.snippet for hit in result.hits)


def test_the_document_page_marks_what_the_snippet_marks():
    from search_app.text import doc_paragraphs

    paras = doc_paragraphs("Công tác dân vận.\n\nVăn bản về vấn đề dân vận khéo.", "dan van")
    assert paras == ["Công tác <mark>dân</mark> <mark>vận</mark>.",
                     "Văn bản về vấn đề <mark>dân</mark> <mark>vận</mark> khéo."]


def test_snippet_of_a_long_text_centres_on_matches():
    text = "mở đầu " * 100 + "dân vận khéo " + "kết thúc " * 100
    html = snippet(text, Terms.of(["dân", "vận"]), width=80)
    assert "<mark>dân</mark> <mark>vận</mark>" in html and html.startswith("…") and html.endswith("…")


def test_snippet_prefers_the_window_holding_every_query_word():
    text = ("Nhân dân tham gia. " + "dân làng, dân bản, dân quân, dân công. " * 3 + "x " * 60
            + "Công tác dân vận được chú trọng ở cơ sở." + " y" * 80)
    out = snippet(text, Terms.of(["dân", "vận"]), width=120)
    assert "<mark>dân</mark> <mark>vận</mark>" in out


def test_lead_is_the_snippet_of_a_text_nothing_matched_from_its_opening_alone():
    import html
    import random

    rng = random.Random(20)
    pieces = ["dân", "vận", "khéo", "<b>", "&amp;", "Đ" * 30, "\n\n", "  ", "\t", "2024-06-30,", "x"]
    texts = ["", "Dân vận khéo", "a" * 500, " ".join(["ừ"] * 300)]
    clean = "Công tác dân vận khéo ở cơ sở, " * 20  # single spaces only: the quick path
    texts += [clean[:n] + tail for n in range(230, 250) for tail in ("", " ", "x", "  y", "\n\nz", "\xa0w")]
    texts += [clean[:n] + "\xa0" + clean[n:] for n in (0, 5, 239, 240, 241)] + [" " + clean, clean[:240] + " " + clean]
    texts += [clean[:n] + brk + clean[n:] for n in (0, 1, 100, 239, 240, 241, 290)
              for brk in ("\n", "\n\n", "\n\n\n", " \n", "\n ", "\r\n", "\n\t")]
    texts += [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 200))) for _ in range(500)]
    for text in texts:
        shown = html.unescape(snippet(text, Terms()))
        assert lead(text) == shown, text
        # What an export reads from the store: the opening, exact unless it is mostly blank.
        head = text[:240 + LEAD_SLACK]
        cut = lead(head, more=len(text) > len(head))
        assert cut == shown or (len(" ".join(head.split())) <= 240 and shown.startswith(cut[:-1])), text
