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
    assert next(store.values(["d7"], ("title", "directives", "text"), text_chars=9)) == (
        "T7", ["7-NQ/TW"], "Văn bản 7", True)  # what an export reads: tuples, "more" last
    short = Document(id="short", text="Dân vận khéo")
    store.upsert(short)
    assert next(store.fields(["short"], ("text",), text_chars=12)) == {"text": "Dân vận khéo", "more": False}
    with pytest.raises(ValueError, match="stamp"):
        next(store.fields(["d1"], ("id", "stamp")))  # only Document fields: no SQL from a caller


# The tables as danvan wrote them before schema versions (user_version 0), statement for statement:
# documents from the store, the crawl tables from the frontier, the signatures from dedup.
UNVERSIONED_SCHEMA = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    text TEXT, title TEXT, url TEXT, source TEXT, published TEXT, year INTEGER, year_source TEXT, province TEXT,
    province_2025 TEXT, directives TEXT, directives_partial TEXT, author TEXT, attachments TEXT, parent_id TEXT,
    number TEXT, near_duplicate_of TEXT, genre TEXT, period TEXT, fetched_at TEXT, content_hash TEXT,
    stamp TEXT NOT NULL
);
CREATE INDEX documents_content_hash ON documents(content_hash);
CREATE TABLE crawl_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE crawl_sources (name TEXT PRIMARY KEY, province TEXT, config TEXT);
CREATE TABLE crawl_urls (
    url TEXT PRIMARY KEY, fetch_url TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'page',
    depth INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, visited_run INTEGER,
    state TEXT NOT NULL DEFAULT 'queued', http_status INTEGER, etag TEXT, last_modified TEXT, fetched_at TEXT,
    tries INTEGER NOT NULL DEFAULT 0, error TEXT, doc_id TEXT, priority INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX crawl_urls_due ON crawl_urls(visited_run, depth, seq);
CREATE TABLE listing_dates (url TEXT PRIMARY KEY, published TEXT NOT NULL);
CREATE TABLE host_titles (host TEXT NOT NULL, title TEXT NOT NULL, PRIMARY KEY (host, title));
CREATE TABLE crawl_attachments (url TEXT PRIMARY KEY, parent_id TEXT NOT NULL);
CREATE TABLE raw_pages (url TEXT PRIMARY KEY, final_url TEXT, fetched_at TEXT NOT NULL, status INTEGER, headers TEXT,
                        body BLOB);
CREATE INDEX crawl_urls_next ON crawl_urls(priority, depth, seq);
CREATE TABLE dedup_signatures (id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, signature BLOB);
"""


def _unversioned_store(path) -> None:
    """A data file as today's code before versions left it: a document, a finished run, crawl hints, a raw page."""
    import sqlite3
    import zlib

    db = sqlite3.connect(path)
    db.executescript(UNVERSIONED_SCHEMA)
    doc = Document(id="p1", text="Dân vận khéo ở cơ sở", title="Bài 1", url="http://127.0.0.1/a", source="site",
                   directives=["25-NQ/TW"], year=2024)
    db.execute("INSERT INTO documents (id, text, title, url, source, directives, directives_partial, attachments, "
               "year, content_hash, stamp) VALUES (?, ?, ?, ?, ?, '[\"25-NQ/TW\"]', '[]', '[]', 2024, ?, ?)",
               (doc.id, doc.text, doc.title, doc.url, doc.source, doc.content_hash, doc.stamp()))
    db.execute("INSERT INTO crawl_runs (started_at, finished_at) VALUES ('2025-01-01T00:00:00+00:00', "
               "'2025-01-01T00:05:00+00:00')")
    db.execute("INSERT INTO crawl_sources VALUES ('site', 'Vĩnh Long', '{}')")
    db.execute("INSERT INTO crawl_urls (url, fetch_url, source, seq, visited_run, state, doc_id) "
               "VALUES ('http://127.0.0.1/a', 'http://127.0.0.1/a', 'site', 1, 1, 'article', 'p1')")
    db.execute("INSERT INTO crawl_urls (url, fetch_url, source, seq, state) "
               "VALUES ('http://127.0.0.1/b', 'http://127.0.0.1/b', 'site', 2, 'queued')")
    db.execute("INSERT INTO listing_dates VALUES ('http://127.0.0.1/a', '2024-03-12')")
    db.execute("INSERT INTO host_titles VALUES ('127.0.0.1', 'Bài 1 - Ban Dân vận')")
    db.execute("INSERT INTO raw_pages VALUES ('http://127.0.0.1/a', 'http://127.0.0.1/a', '2025-01-01', 200, '{}', ?)",
               (zlib.compress(b"<html>a</html>"),))
    db.commit()
    db.close()


def test_a_data_file_from_before_schema_versions_opens_and_upgrades(tmp_path):
    from corpus.crawl.frontier import Frontier
    from corpus.store import schema

    path = tmp_path / "danvan.db"
    _unversioned_store(path)
    with Store(path) as store:
        assert schema.version(store.db) == schema.VERSION
        assert store.get("p1").directives == ["25-NQ/TW"] and store.count() == 1
        frontier = Frontier(store)
        assert frontier.begin_run() == (2, False)  # the old run was finished: a new one
        assert frontier.source_provinces() == {"site": "Vĩnh Long"}
        assert frontier.listing_date("http://127.0.0.1/a") == "2024-03-12"
        assert frontier.host_titles("127.0.0.1") == ["Bài 1 - Ban Dân vận"]
        assert frontier.next_due(2, ["site"]).url == "http://127.0.0.1/a"  # discovery order, priority kept
        assert frontier.add("http://127.0.0.1/c", "http://127.0.0.1/c", "site")  # numbered after the old ones
        assert [row[0] for row in frontier.raw_pages()] == ["http://127.0.0.1/a"]
        assert list(frontier.raw_pages())[0][4] == b"<html>a</html>"
        assert store.signatures() == {}
    with Store(path) as store:  # a second open finds the version and migrates nothing
        assert schema.version(store.db) == schema.VERSION and store.count() == 1


def test_a_new_data_file_gets_every_table_and_the_version(tmp_path):
    from corpus.store import schema

    with Store(tmp_path / "new.db") as store:
        tables = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"documents", "crawl_urls", "raw_pages", "dedup_signatures", "host_titles"} <= tables
        assert schema.version(store.db) == schema.VERSION


def test_a_data_file_from_a_newer_danvan_is_refused_not_damaged(tmp_path):
    import sqlite3

    from corpus.store import schema

    path = tmp_path / "newer.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this danvan"):
        Store(path)


def test_only_the_store_writes_sql():
    """Every SQL statement on the corpus database lives in corpus/store/ (tests may read it directly)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    for path in [root / "cli.py", *(p for d in ("corpus", "indexer", "search_app") for p in (root / d).rglob("*.py"))]:
        if "store" in path.relative_to(root).parts[:2]:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.execute(many|script)?\(|\b(SELECT|INSERT|UPDATE|DELETE) .*\b(FROM|INTO|SET)\b", text):
            found.append(str(path.relative_to(root)))
    assert found == []


def test_a_batch_counts_and_keeps_what_one_upsert_at_a_time_would(tmp_path):
    """Rows made apart (as import workers do), written in one statement: the same outcomes and rows, ids repeated too."""
    import dataclasses

    from corpus.store.db import to_row

    docs = [Document(id=f"d{i % 5}", text=f"Văn bản {i % 7}", title="Tin", directives=[f"{i}-NQ/TW"] * (i % 2))
            for i in range(12)]
    assert all(doc.to_dict() == dataclasses.asdict(doc) for doc in docs)  # to_dict is asdict, made quicker
    one, many = Store(tmp_path / "one.sqlite"), Store(tmp_path / "many.sqlite")
    one.upsert(docs[0])
    many.upsert(docs[0])
    singly = [one.upsert(doc) for doc in docs]
    batched = many.upsert_many([to_row(doc) if i % 2 else doc for i, doc in enumerate(docs)])
    assert batched == {o: singly.count(o) for o in set(singly)} and set(singly) == {"added", "updated", "unchanged"}
    assert [(d.to_dict(), d.stamp()) for d in one] == [(d.to_dict(), d.stamp()) for d in many]


def test_an_import_into_an_empty_store_builds_its_index_at_the_end_and_a_killed_one_gets_it_back(tmp_path, monkeypatch):
    """The content-hash index is built once after a bulk load into an empty store (kept row by row otherwise);
    a store left without it (an import killed mid-way) has it again when next opened, and twins are found."""
    import json

    from corpus.store import importer

    def indexed(store):
        return bool(store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents_content_hash'").fetchone())

    seen = []
    real = Store.upsert_many
    monkeypatch.setattr(Store, "upsert_many", lambda self, rows: seen.append(indexed(self)) or real(self, rows))
    monkeypatch.setattr(importer, "ROWS_PER_COMMIT", 10)
    lines = [json.dumps({"id": f"d{i}", "source": "s", "text": f"Dân vận khéo {i % 30}."}, ensure_ascii=False)
             for i in range(60)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[40:]) + "\n", encoding="utf-8")
    with Store(tmp_path / "db.sqlite") as store:
        assert indexed(store)
        importer.import_paths(store, [tmp_path / "a.jsonl"], workers=2)
        assert seen and not any(seen) and indexed(store)  # into an empty store: built at the end
        seen.clear()
        importer.import_paths(store, [tmp_path / "b.jsonl"])
        assert seen and all(seen)  # into a store holding documents: kept row by row
        store.db.execute("DROP INDEX documents_content_hash")  # as an import killed before its end leaves it
        plan = [tuple(r) for r in store.db.execute("EXPLAIN QUERY PLAN SELECT id FROM documents WHERE content_hash = 'x'")]
        assert "documents_content_hash" not in str(plan)
    with Store(tmp_path / "db.sqlite") as store:
        assert indexed(store) and store.count() == 60
        plan = [tuple(r) for r in store.db.execute("EXPLAIN QUERY PLAN SELECT id FROM documents WHERE content_hash = 'x'")]
        assert "documents_content_hash" in str(plan)
        assert store.twin(store.get("d45").content_hash, "s", "d45") == "d15"


def test_the_content_hash_is_the_hash_of_the_text_with_its_whitespace_runs_as_single_spaces():
    """content_hash splits UTF-8 bytes when the text holds no whitespace only str.split knows: the same hash."""
    import hashlib
    import sys

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from corpus.store import document

    beyond = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and not chr(c).encode().isspace())
    assert all(document._NOT_ASCII_SPACE.fullmatch(c) for c in beyond)
    assert not any(document._NOT_ASCII_SPACE.fullmatch(chr(c)) for c in range(sys.maxunicode + 1)
                   if chr(c) not in beyond)

    @given(st.lists(st.sampled_from(["Dân", "vận", "khéo", "ở", "x", "1", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\x0b",
                                     "\x0c", "\x1c", "\x85", "\xa0", "\u2003", "\u3000", "\u200b", "é"]), max_size=30)
           .map("".join))
    @settings(max_examples=400, deadline=None)
    def same(text):
        assert document.content_hash(text) == hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]

    same()


def test_a_text_is_shown_in_a_stamp_as_repr_shows_it_whatever_its_characters():
    """The stamp's quick repr of a text is repr's for every code point (a stored stamp must never change)."""
    import hashlib

    from corpus.store.document import _STAMPED, text_repr

    for code in range(0x110000):
        text = f"{chr(code)}b\n"
        assert text_repr(text) == repr(text), hex(code)
    for text in ("", "\n", "Dân vận 'khéo'", 'Dân "vận"\n', "a\\n\tb\r\n", "x\u2028y", "\x00\n"):
        assert text_repr(text) == repr(text)
    doc = Document(id="a", text="Dân vận khéo\n\nỞ xã “Tân Hòa”…", title="T", directives=["25-NQ/TW"], year=2019)
    old = repr([(name, getattr(doc, name)) for name in _STAMPED])  # how every stored stamp was made
    assert doc.stamp() == hashlib.sha1(old.encode("utf-8")).hexdigest()[:16]


def test_a_store_opened_unmapped_reads_the_same_rows_without_mapping_the_file(tmp_path):
    """Index workers read each row once: their store copies pages through SQLite's cache instead of mapping the
    file (mapped pages count in a process's memory); the content hash index built at a bulk load keeps it so."""
    from corpus.store.db import MMAP_BYTES

    docs = [Document(id=f"d{i}", title=f"Tiêu đề {i}", text="dân vận khéo " * (i + 1)) for i in range(30)]
    with Store(tmp_path / "a.db") as store:
        store.upsert_many(docs)
    mapped, unmapped = Store(tmp_path / "a.db"), Store(tmp_path / "a.db", mapped=False)
    assert mapped.db.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_BYTES
    assert unmapped.db.execute("PRAGMA mmap_size").fetchone()[0] == 0
    ids = [doc.id for doc in docs]
    assert [d.text for d in unmapped.documents(ids)] == [d.text for d in mapped.documents(ids)] == [d.text for d in docs]
    with Store(tmp_path / "b.db", mapped=False) as empty:
        with empty.bulk_load():
            empty.upsert_many(docs)
        assert empty.db.execute("PRAGMA mmap_size").fetchone()[0] == 0
    mapped.close()
    unmapped.close()


def test_a_bulk_load_gives_a_mapped_store_its_map_back(tmp_path):
    """The content hash index is built without the map, then a store opened mapped maps its reads again."""
    from corpus.store.db import MMAP_BYTES

    with Store(tmp_path / "a.db") as store:
        with store.bulk_load():
            store.upsert_many([Document(id=f"d{i}", title="T", text="dân vận khéo") for i in range(5)])
        assert store.db.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_BYTES
        assert store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents_content_hash'").fetchone()
