"""Directive records: identity of a cited number, attribution of citations, profiles, relations."""
from __future__ import annotations

import pytest

from corpus.extract.directive_records import directive_records, name_issuer, read_mentions, type_of_number

# A corpus written for these tests: two documents numbered 16/CT-TTg (2016, dân vận; 2020, COVID-19),
# cited with dates, years, bare, and from articles published before and after each.
COVID = "thực hiện các biện pháp cấp bách phòng, chống dịch COVID-19"
DANVAN = "tăng cường công tác dân vận của cơ quan hành chính nhà nước các cấp"
CORPUS = [
    {"id": "covid-date", "published": "2020-04-02",
     "text": f"Ngày 1/4, tỉnh triển khai Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ về {COVID}; "
             "các huyện thực hiện nghiêm."},
    {"id": "covid-long-date", "published": "2020-04-10",
     "text": f"Thực hiện Chỉ thị 16/CT-TTg ngày 31 tháng 3 năm 2020 của TTg về {COVID}, các cấp ủy đã vào cuộc."},
    {"id": "danvan-year", "published": "2017-03-01",
     "text": f"Quán triệt Chỉ thị số 16/CT-TTg năm 2016 của Thủ tướng Chính phủ về {DANVAN}."},
    {"id": "danvan-date", "published": "2019-10-01",
     "text": f"Sơ kết 3 năm thực hiện Chỉ thị số 16/CT-TTg ngày 16/5/2016 của Thủ tướng về {DANVAN}. Hội nghị..."},
    # bare citations
    {"id": "bare-2018", "published": "2018-06-01", "text": "Các cơ quan tiếp tục thực hiện Chỉ thị 16/CT-TTg."},
    {"id": "bare-2021", "published": "2021-02-01", "text": "Tiếp tục quán triệt Chỉ thị 16/CT-TTg."},
    {"id": "bare-2021-covid", "published": "2021-05-01",
     "text": "Giãn cách xã hội theo Chỉ thị 16/CT-TTg về phòng, chống dịch COVID-19; đóng cửa chợ."},
    {"id": "bare-undated", "text": "Học tập Chỉ thị 16/CT-TTg."},
]


def _records(docs, number="16/CT-TTg"):
    return directive_records(docs, number)


def test_two_documents_sharing_a_number_are_two_records_and_dated_citations_go_to_the_right_one():
    found = _records(CORPUS)
    assert [(r["number"], r["year"]) for r in found["records"]] == [("16/CT-TTg", 2016), ("16/CT-TTg", 2020)]
    y2016, y2020 = found["records"]
    assert {"danvan-year", "danvan-date"} <= set(y2016["citations"])
    assert {"covid-date", "covid-long-date"} <= set(y2020["citations"])
    assert not set(y2016["citations"]) & set(y2020["citations"])


def test_bare_citations_go_by_date_subject_or_stay_unattributed():
    y2016, y2020 = _records(CORPUS)["records"]
    assert "bare-2018" in y2016["citations"]  # the 2020 document did not exist yet: only one is possible
    assert "bare-2021-covid" in y2020["citations"]  # its subject names the COVID-19 directive
    found = _records(CORPUS)
    cited = set(y2016["citations"]) | set(y2020["citations"])
    assert "bare-2021" not in cited and "bare-undated" not in cited  # either could be meant: never guessed
    assert found["unattributed"] == 2
    assert found["unattributed_documents"] == ["bare-2021", "bare-undated"]


def test_bare_citations_follow_the_corpus_when_it_agrees_on_one_record():
    docs = [CORPUS[0], CORPUS[5], CORPUS[7]]
    found = _records(docs)
    assert len(found["records"]) == 1
    assert found["records"][0]["citations"] == ["bare-2021", "bare-undated", "covid-date"]
    assert found["unattributed"] == 0


def test_a_bare_citation_older_than_the_only_record_is_not_attributed_to_it():
    found = _records([CORPUS[0], CORPUS[4]])  # a 2018 article cannot cite the 2020 directive
    assert found["records"][0]["citations"] == ["covid-date"]
    assert found["unattributed"] == 1


def test_profiles_from_varied_phrasings():
    y2016, y2020 = _records(CORPUS)["records"]
    assert y2020 | {} == y2020
    assert (y2020["type"], y2020["issuer"], y2020["issued"], y2020["subject"]) == (
        "Chỉ thị", "Thủ tướng Chính phủ", "2020-03-31", COVID)
    assert (y2016["type"], y2016["issuer"], y2016["issued"], y2016["subject"]) == (
        "Chỉ thị", "Thủ tướng Chính phủ", "2016-05-16", DANVAN)
    assert y2016["term"] is None and y2020["term"] is None


@pytest.mark.parametrize("text,profile", [
    ("Nghị quyết số 25-NQ/TW, ngày 03/6/2013 của Ban Chấp hành Trung ương Đảng (khóa XI) về tăng cường và đổi mới "
     "sự lãnh đạo của Đảng đối với công tác dân vận trong tình hình mới, các cấp ủy đã quán triệt.",
     ("Nghị quyết", "Ban Chấp hành Trung ương", "2013-06-03", "XI",
      "tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận trong tình hình mới")),
    ("Nghị quyết 25-NQ/TW ngày 03 tháng 6 năm 2013 của BCH TW khóa XI về tăng cường và đổi mới sự lãnh đạo "
     "của Đảng đối với công tác dân vận trong tình hình mới và Kết luận số 120-KL/TW.",
     ("Nghị quyết", "Ban Chấp hành Trung ương", "2013-06-03", "XI",
      "tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận trong tình hình mới")),
    ("Quyết định số 290-QĐ/TW ngày 25/02/2010 của BCT ban hành Quy chế công tác dân vận của hệ thống chính trị "
     "(sau đây gọi là Quy chế).",
     ("Quyết định", "Bộ Chính trị", "2010-02-25", None, "Quy chế công tác dân vận của hệ thống chính trị")),
    ("Kết luận số 114-KL/TW ngày 14/7/2015 của BBT về nâng cao chất lượng, hiệu quả công tác dân vận của cơ quan "
     "nhà nước, chính quyền các cấp. Ban Dân vận...",
     ("Kết luận", "Ban Bí thư", "2015-07-14", None,
      "nâng cao chất lượng, hiệu quả công tác dân vận của cơ quan nhà nước, chính quyền các cấp")),
    ("Kế hoạch số 202-KH/BDVTU ngày 5/1/2019 của Ban Thường vụ Tỉnh ủy Quảng Ninh về tổ chức hội nghị; thực hiện",
     ("Kế hoạch", "Ban Thường vụ Tỉnh ủy Quảng Ninh", "2019-01-05", None, "tổ chức hội nghị")),
    ("Quy định 124-QĐ/TW của Bộ Chính trị.", ("Quy định", "Bộ Chính trị", None, None, None)),
    ("theo 124-QĐ/TW.", (None, None, None, None, None)),  # Party QĐ: Quyết định or Quy định, TW: which body?
    ("Chỉ thị 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
     " được các cấp ủy quán triệt",
     ("Chỉ thị", "Bộ Chính trị", None, None,
      "đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")),
])
def test_profile_of_one_citation(text, profile):
    record = directive_records([{"id": "x", "text": text}], read_mentions("x", text)[0][0].number)["records"][0]
    assert (record["type"], record["issuer"], record["issued"], record["term"], record["subject"]) == profile


@pytest.mark.parametrize("text,issuer", [
    ("Thông tư số 12/1999/TT-BTP của Bộ Tư pháp thì", "Bộ Tư pháp"),  # "Tư" is not the abbreviation "TƯ"
    ("Thông tư 03/2006/TT-BCA của Bộ Công an, Phòng Cảnh sát", "Bộ Công an"),  # lower-case words of a ministry
    ("thông tư số 80/2004/TT-BTC của Bộ tài chính. Cục thuế", "Bộ Tài chính"),
    ("quyết định số 256/QĐ-TCCB của Tổng giám đốc Công ty", None),  # a name cut to one word is unknown
    ("Quyết định số 3387/QĐ-UB của UBND TP.HCM, đơn giá", "Ủy ban nhân dân TP.HCM"),
])
def test_issuers_of_ministries_and_names_cut_short(text, issuer):
    assert read_mentions("x", text)[0][0].issuer == issuer


def test_a_date_later_in_the_sentence_is_not_the_issue_date():
    mention = read_mentions("x", "Theo Chỉ thị 16/CT-TTg, từ ngày 1/4/2020 cả nước giãn cách xã hội.")[0][0]
    assert (mention.issued, mention.year, mention.subject) == (None, None, None)


@pytest.mark.parametrize("text", [
    "Thực hiện Chỉ thị 16/CT-TTg, ngày 12/5/2021 UBND tỉnh đã họp.",
    "Theo Kế hoạch 45-KH/TU, năm 2021 toàn tỉnh xây dựng 300 mô hình.",
])
def test_a_date_that_starts_a_new_clause_dates_an_event_not_the_document(text):
    mention = read_mentions("x", text)[0][0]
    assert (mention.issued, mention.year) == (None, None)


def test_a_date_after_the_citing_text_was_published_is_a_misprint_not_a_record():
    docs = [{"id": "a", "published": "2020-04-02", "text": "Chỉ thị 16/CT-TTg ngày 31/3/2020 của Thủ tướng."},
            {"id": "b", "published": "2020-05-01", "text": "Chỉ thị 16/CT-TTg ngày 31/3/2022 của Thủ tướng."}]
    found = directive_records(docs, "16/CT-TTg")
    assert [(r["year"], r["citations"]) for r in found["records"]] == [(2020, ["a", "b"])]


@pytest.mark.parametrize("text,subject", [
    ("Quy định 124-QĐ/TW của Ban Bí thư “Về giám sát của Mặt trận Tổ quốc Việt Nam” và Kết luận 01",
     "giám sát của Mặt trận Tổ quốc Việt Nam"),  # a quoted subject ends at its closing quote
    ("Kế hoạch 36-KH/TU về thực hiện phong trào thi đua “Dân vận khéo” giai đoạn 2021 - 2025. Năm",
     "thực hiện phong trào thi đua “Dân vận khéo” giai đoạn 2021 - 2025"),  # a quoted name inside stays
])
def test_quotes_in_and_around_subjects(text, subject):
    assert read_mentions("x", text)[0][0].subject == subject


def test_a_subject_that_cannot_be_cut_is_unknown():
    text = "Chỉ thị 16/CT-TTg về " + "việc rất dài " * 40
    assert read_mentions("x", text)[0][0].subject is None


def test_conflicts_are_reported_with_their_evidence():
    docs = [
        {"id": "a", "text": "Nghị quyết 25-NQ/TW ngày 03/6/2013 của BCH TW về công tác dân vận."},
        {"id": "b", "text": "Nghị quyết 25-NQ/TW ngày 03/6/2013 của Bộ Chính trị về công tác dân vận."},
        {"id": "c", "text": "Nghị quyết 25-NQ/TW ngày 03/6/2013 của Ban Chấp hành Trung ương Đảng về công tác dân vận."},
    ]
    record = directive_records(docs, "25-NQ/TW")["records"][0]
    assert record["issuer"] == "Ban Chấp hành Trung ương"  # two of three agree
    assert record["conflicts"] == ["issuer"]
    assert record["evidence"]["issuer"] == [
        {"value": "Ban Chấp hành Trung ương", "documents": ["a", "c"]},
        {"value": "Bộ Chính trị", "documents": ["b"]},
    ]
    tie = directive_records(docs[:2], "25-NQ/TW")["records"][0]
    assert tie["issuer"] is None and tie["conflicts"] == ["issuer"]  # a tie is unknown, not a pick


def test_party_numbers_of_different_terms_are_different_records():
    docs = [
        {"id": "x", "text": "Nghị quyết 12-NQ/TW (khóa XI) về một số vấn đề cấp bách về xây dựng Đảng."},
        {"id": "y", "text": "Nghị quyết 12-NQ/TW (khóa XII) về tiếp tục cơ cấu lại doanh nghiệp nhà nước."},
        {"id": "z", "text": "Nghị quyết 12-NQ/TW."},
    ]
    found = directive_records(docs, "12-NQ/TW")
    assert sorted((r["term"], r["citations"]) for r in found["records"]) == [("XI", ["x"]), ("XII", ["y"])]
    assert found["unattributed"] == 1


def test_a_number_carrying_its_year_is_one_record():
    docs = [{"id": "a", "text": "Nghị định 04/2015/NĐ-CP của Chính phủ về thực hiện dân chủ trong cơ quan hành chính."},
            {"id": "b", "published": "2016-01-01", "text": "Nghị định 04/2015/NĐ-CP."}]
    found = directive_records(docs, "04/2015/NĐ-CP")
    [record] = found["records"]
    assert (record["year"], record["type"], record["issuer"], record["citations"]) == (
        2015, "Nghị định", "Chính phủ", ["a", "b"])


def test_relations_replaces_implements_and_reviews():
    docs = [
        {"id": "r", "text": "Quy định số 124-QĐ/TW ngày 02/02/2018 của Bộ Chính trị thay thế Quyết định số 290-QĐ/TW."},
        {"id": "i", "text": "Kế hoạch số 45-KH/TU hướng dẫn thực hiện Quy định 124-QĐ/TW của Bộ Chính trị."},
        {"id": "v", "text": "Hội nghị sơ kết 5 năm thực hiện Quy định 124-QĐ/TW; tổng kết năm năm thực hiện Nghị quyết 25."},
        {"id": "p", "text": "Quyết định 290-QĐ/TW được thay thế bởi Quy định 124-QĐ/TW."},
    ]
    [record] = directive_records(docs, "124-QĐ/TW")["records"]
    assert record["relations"] == [
        {"relation": "implemented_by", "number": "45-KH/TU", "documents": ["i"]},
        {"relation": "replaces", "number": "290-QĐ/TW", "documents": ["p", "r"]},
        {"relation": "reviewed_by", "number": None, "kind": "sơ kết", "years": 5, "documents": ["v"]},
    ]
    [old] = directive_records(docs, "290-QĐ/TW")["records"]
    assert old["relations"] == [{"relation": "replaced_by", "number": "124-QĐ/TW", "documents": ["p", "r"]}]


def test_listed_numbers_are_reviewed_together():
    docs = [{"id": "v", "text": "sơ kết 5 năm thực hiện Quyết định 217, 218-QĐ/TW của Bộ Chính trị"}]
    for number in ("217-QĐ/TW", "218-QĐ/TW"):
        [record] = directive_records(docs, number)["records"]
        assert [r["relation"] for r in record["relations"]] == ["reviewed_by"]
        assert (record["type"], record["issuer"]) == ("Quyết định", "Bộ Chính trị")


@pytest.mark.parametrize("written,name", [
    ("BCH TW", "Ban Chấp hành Trung ương"), ("Ban Chấp hành Trung ương Đảng", "Ban Chấp hành Trung ương"),
    ("Trung ương", "Ban Chấp hành Trung ương"), ("BCT", "Bộ Chính trị"), ("BBT", "Ban Bí thư"),
    ("TTg", "Thủ tướng Chính phủ"), ("Thủ tướng", "Thủ tướng Chính phủ"), ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
    ("BTV Tỉnh uỷ Quảng Ninh", "Ban Thường vụ Tỉnh ủy Quảng Ninh"), ("Đảng", None),
])
def test_issuer_names(written, name):
    assert name_issuer(written) == name


@pytest.mark.parametrize("number,type_", [
    ("25-NQ/TW", "Nghị quyết"), ("16/CT-TTg", "Chỉ thị"), ("1719/QĐ-TTg", "Quyết định"), ("124-QĐ/TW", None),
    ("11-QĐi/TW", "Quy định"), ("10/2022/QH15", "Luật"), ("4011/UBND-VX2", None), ("01-QCPH/UBND-BDVTU", "Quy chế phối hợp"),
])
def test_type_of_number(number, type_):
    assert type_of_number(number) == type_


def test_a_short_subject_supports_the_longer_one_that_contains_it():
    long_ = "tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận trong tình hình mới"
    docs = [{"id": f"l{i}", "text": f"Nghị quyết 25-NQ/TW ngày 03/6/2013 về {long_}."} for i in range(2)]
    docs += [{"id": f"s{i}", "text": "Nghị quyết 25-NQ/TW ngày 03/6/2013 về công tác dân vận trong tình hình mới."}
             for i in range(3)]
    assert directive_records(docs, "25-NQ/TW")["records"][0]["subject"] == long_
    # one source alone does not win over three: it may be a subject cut too late
    assert directive_records(docs[1:], "25-NQ/TW")["records"][0]["subject"] == "công tác dân vận trong tình hình mới"


def test_agreement_does_not_reach_a_citation_off_the_only_records_topic():
    danvan_text = ("Hội nghị đánh giá công tác dân vận chính quyền năm 2021. Các cơ quan hành chính tiếp tục "
                   "thực hiện Chỉ thị 16/CT-TTg, tiếp dân, đối thoại với Nhân dân, giải quyết kịp thời đơn thư, "
                   "cải cách thủ tục hành chính, xây dựng mô hình dân vận khéo ở cơ sở và khu dân cư.")
    covid_text = ("Thành phố tiếp tục thực hiện Chỉ thị 16/CT-TTg, người dân ở nhà, chỉ ra ngoài khi thật cần "
                  "thiết để phòng, chống dịch COVID-19 lây lan trong cộng đồng, các chốt kiểm soát được duy trì "
                  "nghiêm, lực lượng y tế túc trực tại các khu cách ly tập trung của thành phố.")
    docs = [CORPUS[0], {"id": "danvan", "published": "2021-06-01", "text": danvan_text},
            {"id": "covid", "published": "2021-06-01", "text": covid_text}]
    found = _records(docs)
    assert found["records"][0]["citations"] == ["covid", "covid-date"]
    assert found["unattributed_documents"] == ["danvan"]


def test_a_text_is_scanned_for_reviews_only_when_it_holds_a_review_mark():
    """Every character the rule's opening words match, case-blind as the rule reads, lower-cases to the marks' own:
    so a text whose lower case holds no mark holds no review, and skipping its scan loses none."""
    import re

    from corpus.extract import directive_records as dr
    from corpus.knowledge import rules

    openings = re.match(r"\((.*?)\)", rules.REVIEW_RE).group(1).split("|")
    assert openings and all(any(o.endswith(mark) for mark in dr._REVIEW_MARKS) for o in openings)
    for mark in dr._REVIEW_MARKS:
        for letter in set(mark):
            same = re.compile(re.escape(letter), re.I)
            assert [chr(c) for c in range(0x110000) if same.fullmatch(chr(c)) and chr(c).lower() != letter] == []
    for written in ("SƠ KẾT 5 NĂM THỰC HIỆN", "Tổng Kết mười năm thi hành thực hiện", "sơ kết  2 năm triển khai thực hiện"):
        text = f"Hội nghị {written} Chỉ thị 16/CT-TTg ngày 31/3/2020."
        relations = dr.read_relations("v", text, read_mentions("v", text)[1])
        assert [r["relation"] for r in relations] == ["reviews"]
