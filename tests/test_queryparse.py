import pytest

from indexer.queryparse import parse


@pytest.mark.parametrize("q,number", [
    ("16/CT-TTg", "16/CT-TTg"), ("16/ct - ttg", "16/CT-TTg"), ("16 CT TTg", "16/CT-TTg"),
    ("nghị quyết 25-NQ/TW", "25-NQ/TW"), ("nghị quyết số 25-NQ/TW", "25-NQ/TW"), ("25 NQ TW", "25-NQ/TW"),
    ("56/ 2015/ NĐ - CP", "56/2015/NĐ-CP"),
])
def test_document_numbers_go_to_the_directive_field(q, number):
    parsed = parse(f"dân vận {q}")
    assert parsed.directives == [number]
    assert parsed.words == ["dân", "vận"]  # the type words went with the number


@pytest.mark.parametrize("q,number,code", [
    ("nghị quyết 25", "25", "NQ"), ("qd 217", "217", "QĐ"), ("chỉ thị số 16", "16", "CT"), ("quyet dinh 23", "23", "QĐ"),
])
def test_partial_citations_are_recognised(q, number, code):
    parsed = parse(q)
    assert [(n, c) for n, c, _ in parsed.partial_directives] == [(number, code)]
    assert parsed.words == []


def test_year_words_stay_words_not_filters():
    parsed = parse("sơ kết năm 2022")
    assert parsed.words == ["sơ", "kết", "năm", "2022"] and not parsed.directives


def test_questions_are_flagged():
    assert parse("Người nghiện ma túy bị xử lý thế nào?").question
    assert not parse("dân vận khéo").question


@pytest.mark.parametrize("q", ['"', '""', "-", "(((", "title:x", "*", "a~2^3", "\x00", "x" * 5000])
def test_odd_input_parses(q):
    parse(q)


def test_every_kind_of_part_is_bounded():
    """Each part is a pass over the index: 400 exclusions or a 400-word phrase must not mean 400 passes."""
    from indexer.queryparse import MAX_TERMS

    for text in (" ".join(f"-w{i}" for i in range(400)), '"' + " ".join(["dân"] * 400) + '"',
                 " ".join(f"qd {i}" for i in range(1, 200))):
        p = parse(text)
        assert len(p.excluded) <= MAX_TERMS and len(p.partial_directives) <= MAX_TERMS
        assert all(len(phrase) <= MAX_TERMS for phrase in p.phrases)


@pytest.mark.parametrize("words", ["công văn", "báo cáo", "tờ trình", "chương trình", "nghị quyết", "văn bản"])
def test_every_type_word_of_the_rules_belongs_to_the_number_after_it(words):
    """The words stripped before a number are rules.TYPE_WORDS (one list), not a second copy of it."""
    from corpus.knowledge.rules import TYPE_WORDS

    assert words in TYPE_WORDS or words == "văn bản"
    parsed = parse(f"{words} số 45-BC/TU dân vận")
    assert parsed.directives == ["45-BC/TU"] and parsed.words == ["dân", "vận"]
