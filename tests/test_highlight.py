"""Snippet spans agree with the index analyzers they stand in for."""
import pytest

from indexer.analysis import FOLDED_ANALYZER, SYLLABLE_ANALYZER
from indexer.highlight import merge_spans, snippet, spans

TEXTS = [
    "Phong trào Dân vận khéo ở xã, DÂN VẬN KHÉO; dân-vận khéo.",
    "Hoà giải viên giỏi: hòa giải ở cơ sở (Thuỷ lợi, thủy lợi) — Đảng và nhân dân.",
    "Kinh tế - xã hội năm 2024 tăng 6,5%; xã_hội; ĐẢNG BỘ tỉnh Đắk Lắk.",
]


def _reference(text, terms, folded_terms):
    found = [(t.startchar, t.endchar) for t in SYLLABLE_ANALYZER(text, chars=True) if t.text in terms]
    found += [(t.startchar, t.endchar) for t in FOLDED_ANALYZER(text, chars=True)
              if "_" not in t.text and t.text in folded_terms]
    return merge_spans(found)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("terms, folded_terms", [({"dân", "khéo"}, set()), (set(), {"dan", "hoa", "thuy"}),
                                                  ({"hòa", "đảng"}, {"xa", "hoi", "dang"}), (set(), set())])
def test_spans_match_the_analyzers(text, terms, folded_terms):
    assert spans(text, terms, folded_terms) == _reference(text, terms, folded_terms)


def test_snippet_of_a_long_text_centres_on_matches():
    text = "mở đầu " * 100 + "dân vận khéo " + "kết thúc " * 100
    html = snippet(text, {"dân", "vận"}, set(), width=80)
    assert "<mark>dân</mark> <mark>vận</mark>" in html and html.startswith("…") and html.endswith("…")


def test_snippet_prefers_the_window_holding_every_query_word():
    text = ("Nhân dân tham gia. " + "dân làng, dân bản, dân quân, dân công. " * 3 + "x " * 60
            + "Công tác dân vận được chú trọng ở cơ sở." + " y" * 80)
    out = snippet(text, {"dân", "vận"}, set(), width=120)
    assert "<mark>dân</mark> <mark>vận</mark>" in out
