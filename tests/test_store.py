from corpus.document import Document
from corpus.store import Store


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
