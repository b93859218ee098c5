import pytest

from corpus.store.document import Document
from corpus.store.db import Store


def test_upsert_adds_updates_and_skips_unchanged(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    doc = Document(id="a", text="Dân vận khéo", title="T", directives=["25-NQ/TW"], year=2019)
    assert store.upsert(doc) == "added"
    assert store.upsert(Document(**doc.to_dict())) == "unchanged"
    doc.title = "T2"
    assert store.upsert(doc) == "updated"
    assert store.count() == 1
    back = store.get("a")
    assert back.title == "T2" and back.directives == ["25-NQ/TW"] and back.year == 2019


def test_wal_mode_and_counts(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.upsert_many([Document(id=str(i), text=f"t{i}", province="Hà Giang" if i % 2 else None) for i in range(5)])
    assert dict(store.counts_by("province")) == {"Hà Giang": 2, None: 3}
    assert store.delete("1") and not store.delete("1")
    assert store.count() == 4


def test_documents_and_fields_by_id_come_in_the_order_asked_across_batches(tmp_path):
    import random

    from corpus.store import db as store_module

    store = Store(tmp_path / "db.sqlite")
    store.upsert_many([Document(id=f"d{i}", text=f"Văn bản {i}\n\n" + "dân vận " * 200, title=f"T{i}",
                                directives=[f"{i}-NQ/TW"] if i % 3 else []) for i in range(1, 1200)])
    wanted = [f"d{i}" for i in range(1, 1200)] + ["gone", "d5"]  # a missing id, an id asked twice
    random.Random(20).shuffle(wanted)
    expected = [i for i in wanted if i != "gone"]
    assert len(wanted) > 2 * store_module.BATCH
    assert [doc.id for doc in store.documents(wanted)] == expected
    rows = list(store.fields(wanted, ("id", "title", "directives", "text"), text_chars=30))
    assert [row["id"] for row in rows] == expected
    first = next(row for row in rows if row["id"] == "d7")
    assert first == {"id": "d7", "title": "T7", "directives": ["7-NQ/TW"], "text": "Văn bản 7\n\ndân vận dân vận dân",
                     "more": True}
    assert store.fields(["d3"], ("directives",)).__next__() == {"directives": []}
    short = Document(id="short", text="Dân vận khéo")
    store.upsert(short)
    assert next(store.fields(["short"], ("text",), text_chars=12)) == {"text": "Dân vận khéo", "more": False}
    with pytest.raises(ValueError, match="stamp"):
        next(store.fields(["d1"], ("id", "stamp")))  # only Document fields: no SQL from a caller
