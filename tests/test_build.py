import pytest
from whoosh import index as windex

from corpus import config
from corpus.document import Document
from corpus.store import Store
from indexer.build import IndexBusy, update_index
from indexer.search import SearchRequest, SearchService


def test_rerun_indexes_only_new_or_changed_documents(mini_home):
    with Store(config.store_path(mini_home)) as store:
        again = update_index(store, config.index_path(mini_home))
        assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 6)
        doc = store.get("d5")
        doc.title = "Hòa giải viên xuất sắc"
        store.upsert(doc)
        store.upsert(Document(id="d7", text="Đối thoại với Nhân dân về giải phóng mặt bằng."))
        store.delete("d6")
        report = update_index(store, config.index_path(mini_home))
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 1, 1, 4)
    service = SearchService(config.index_path(mini_home))
    assert service.search(SearchRequest(q="xuất sắc")).hits[0].id == "d5"
    assert service.search(SearchRequest(q="")).total == 6
    assert service.search(SearchRequest(q="nhà tạm")).total == 0


def test_second_writer_gets_index_busy(mini_home):
    ix = windex.open_dir(str(config.index_path(mini_home)))
    holder = ix.writer()
    try:
        with Store(config.store_path(mini_home)) as store:
            store.upsert(Document(id="new", text="Văn bản mới"))
            with pytest.raises(IndexBusy, match="another process"):
                update_index(store, config.index_path(mini_home))
    finally:
        holder.cancel()


def test_searcher_sees_updates_without_restart(mini_home):
    service = SearchService(config.index_path(mini_home))
    assert service.search(SearchRequest(q="cao tốc")).total == 0
    with Store(config.store_path(mini_home)) as store:
        store.upsert(Document(id="d8", text="Vận động giải phóng mặt bằng cao tốc."))
        update_index(store, config.index_path(mini_home))
    assert service.search(SearchRequest(q="cao tốc")).total == 1
