"""Near-duplicate detection over clean text."""
from __future__ import annotations

import json

import pytest

from corpus.store.dedup import find_groups, jaccard, link_near_duplicates, shingles
from corpus.store.document import Document, make_id
from corpus.store.pipeline import page_fields
from corpus.store.db import Store

STORY = (
    "Ngày 14/9, Ban Dân vận Tỉnh ủy phối hợp với Sở Tư pháp tổ chức hội nghị quán triệt Luật Thực hiện dân chủ ở cơ sở. "
    "Luật gồm 6 chương, 91 điều, quy định về nội dung, hình thức, trách nhiệm thực hiện dân chủ ở xã, phường, thị trấn. "
    "Những nội dung chính quyền cấp xã phải công khai để Nhân dân biết được quy định rõ ràng, như kế hoạch phát triển "
    "kinh tế - xã hội, dự toán ngân sách xã, quy hoạch sử dụng đất. Luật đề cao vai trò của Mặt trận Tổ quốc và các "
    "tổ chức chính trị - xã hội trong tuyên truyền, vận động, giám sát việc thực hiện dân chủ ở cơ sở."
)
OTHER = (
    "Hội Liên hiệp Phụ nữ huyện tổ chức bàn giao nhà Mái ấm tình thương cho hội viên nghèo ở xã vùng cao. "
    "Ngôi nhà được xây dựng từ nguồn vận động các nhà hảo tâm và ngày công của hội viên, góp phần xóa nhà tạm, "
    "nhà dột nát trên địa bàn. Dịp này, Hội còn trao tặng quà cho các gia đình có hoàn cảnh khó khăn trong xã."
)


def _doc(doc_id, text, published=None):
    return Document(id=doc_id, text=text, title=doc_id, published=published, fetched_at="2025-01-01T00:00:00+00:00")


def test_shingles_ignore_case_and_tone_placement():
    assert shingles("Hoà giải ở cơ sở thôn bản") == shingles("HÒA GIẢI Ở CƠ SỞ THÔN BẢN")
    assert jaccard(shingles(STORY), shingles(OTHER)) < 0.05


def test_republished_article_links_to_the_earliest(tmp_path):
    republished = "Theo Báo Vĩnh Long. " + STORY.replace("Ngày 14/9, ", "Chiều 14/9, ") + " P.V (tổng hợp)"
    with Store(tmp_path / "db.sqlite") as store:
        store.upsert_many([
            _doc("late", republished, "2023-09-16"),
            _doc("early", STORY, "2023-09-15"),
            _doc("other", OTHER, "2023-09-15"),
            _doc("tiny", "Dân vận khéo.", "2023-09-15"),
        ])
        assert link_near_duplicates(store) == 1
        assert store.get("late").near_duplicate_of == "early"
        assert store.get("early").near_duplicate_of is None
        assert store.get("other").near_duplicate_of is None
        assert store.get("tiny").near_duplicate_of is None
        # idempotent, and a rewritten text drops the link (cached signature refreshed)
        assert link_near_duplicates(store) == 1
        store.upsert(_doc("late", OTHER.replace("huyện", "tỉnh") + " Một đoạn khác hẳn về phong trào thi đua.", "2023-09-16"))
        link_near_duplicates(store)
        assert store.get("late").near_duplicate_of in (None, "other")
        assert store.get("early").near_duplicate_of is None


def test_groups_are_transitive(tmp_path):
    a = STORY
    b = STORY + " Thêm một câu ở cuối bài để khác đi đôi chút so với bản gốc."
    c = "Mở đầu khác hẳn. " + b
    with Store(tmp_path / "db.sqlite") as store:
        store.upsert_many([_doc("a", a, "2023-01-01"), _doc("b", b, "2023-01-02"), _doc("c", c, "2023-01-03")])
        assert find_groups(store) == [["a", "b", "c"]]
        link_near_duplicates(store)
        assert {d.id: d.near_duplicate_of for d in store} == {"a": None, "b": "a", "c": "a"}


@pytest.mark.shared
def test_fixture_republished_articles_are_found(shared_dir, tmp_path):
    rows = [json.loads(line) for line in (shared_dir / "fixtures/sites/gold.jsonl").open(encoding="utf-8")]
    with Store(tmp_path / "db.sqlite") as store:
        for g in rows:
            file = shared_dir / "fixtures/sites" / g["site"] / g["path"].lstrip("/")
            file = file / "index.html" if g["path"].endswith("/") else file
            fields = page_fields(file.read_bytes())
            store.upsert(Document(id=make_id(f"{g['site']}:{g['path']}"), **fields))
        link_near_duplicates(store)
        for g in rows:
            got = store.get(make_id(f"{g['site']}:{g['path']}")).near_duplicate_of
            assert got == (make_id(g["near_duplicate_of"]) if g["near_duplicate_of"] else None), g["path"]
