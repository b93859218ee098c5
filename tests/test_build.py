import pytest
from whoosh import index as windex

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
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


def _answers(service: SearchService) -> dict:
    """What users see for a few queries, independent of document numbering."""
    out = {}
    for q in ("dân vận khéo", '"dân vận"', "dan van", "hòa giải", "25-NQ/TW", "", "nhân dân -hòa"):
        for filters in ({}, {"province": ["Vĩnh Long"]}, {"year": ["2025"]}):
            result = service.search(SearchRequest(q=q, limit=20, **filters))
            out[q, str(filters)] = (
                result.total,
                sorted((h.id, h.score, h.snippet, tuple(h.keywords)) for h in result.hits),
                {name: sorted((v.value, v.count) for v in values) for name, values in result.facets.items()},
            )
    return out


def test_parallel_build_finds_what_a_serial_build_finds(tmp_path, make_mini_documents):
    answers = []
    for procs in (1, 2):
        home = tmp_path / f"procs{procs}"
        with Store(config.store_path(home)) as store:
            store.upsert_many(make_mini_documents())
            update_index(store, config.index_path(home), procs=procs)
        answers.append(_answers(SearchService(config.index_path(home))))
    assert answers[0] == answers[1]


def test_a_failed_rebuild_keeps_the_previous_index(mini_home, monkeypatch):
    before = _answers(SearchService(config.index_path(mini_home)))

    def broken(self, ids):
        yield from []
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Store, "documents", broken)
    with Store(config.store_path(mini_home)) as store, pytest.raises(RuntimeError, match="disk on fire"):
        update_index(store, config.index_path(mini_home), rebuild=True)
    assert _answers(SearchService(config.index_path(mini_home))) == before
    assert sorted(p.name for p in mini_home.iterdir() if p.name.startswith(".index")) == []


def test_a_swap_interrupted_between_renames_is_undone(mini_home):
    index = config.index_path(mini_home)
    before = _answers(SearchService(index))
    index.rename(index.with_name(f".{index.name}.old"))  # killed after moving the old index aside
    with Store(config.store_path(mini_home)) as store:
        report = update_index(store, index)
    assert not report.rebuilt and report.changed == 0
    assert _answers(SearchService(index)) == before


def test_rebuild_while_another_writer_holds_the_index_is_busy(mini_home):
    holder = windex.open_dir(str(config.index_path(mini_home))).writer()
    try:
        with Store(config.store_path(mini_home)) as store, pytest.raises(IndexBusy, match="another process"):
            update_index(store, config.index_path(mini_home), rebuild=True)
    finally:
        holder.cancel()
    assert SearchService(config.index_path(mini_home)).search(SearchRequest(q="")).total == 6


def test_a_commit_whose_stamps_were_not_recorded_is_not_redone(mini_home):
    import json

    from indexer.build import STAMPS_FILE

    index_dir = config.index_path(mini_home)
    current = index_dir / STAMPS_FILE
    old = current.read_text("utf-8")
    with Store(config.store_path(mini_home)) as store:
        store.upsert(Document(id="d9", text="Văn bản mới về dân vận."))
        assert update_index(store, index_dir).added == 1
        # As if killed right after Whoosh's commit: the new stamps are still pending.
        current.rename(index_dir / (STAMPS_FILE + ".pending"))
        current.write_text(old, "utf-8")
        again = update_index(store, index_dir)
        assert (again.added, again.updated) == (0, 0)  # adopted, not redone
        assert "d9" in json.loads(current.read_text("utf-8"))["stamps"]
        # A pending file for a commit that never happened is dropped, and the work redone.
        pending = json.loads(current.read_text("utf-8"))
        pending["generation"] += 5
        (index_dir / (STAMPS_FILE + ".pending")).write_text(json.dumps(pending), "utf-8")
        current.write_text(old, "utf-8")
        assert update_index(store, index_dir).added == 1
        assert not (index_dir / (STAMPS_FILE + ".pending")).exists()


def test_a_worker_that_dies_fails_the_build_and_frees_the_lock(tmp_path, monkeypatch, make_mini_documents):
    import faulthandler
    import os
    from concurrent.futures.process import BrokenProcessPool

    import indexer.build as build

    faulthandler.dump_traceback_later(120, exit=True)  # a hang here must not hang the suite
    try:
        with Store(tmp_path / "store.db") as store:
            store.upsert_many(make_mini_documents())
            monkeypatch.setattr(build, "write_segment", lambda ix, docs: os._exit(9))  # as if OOM-killed
            with pytest.raises(BrokenProcessPool):
                update_index(store, tmp_path / "index", procs=2)
            monkeypatch.undo()
            assert update_index(store, tmp_path / "index", procs=2).added == len(make_mini_documents())
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "store.db"]  # no rebuild left behind


def test_workers_are_forked_before_the_parent_gathers_attribution_and_background(tmp_path, monkeypatch,
                                                                                make_mini_documents):
    """A forked worker's memory includes the parent's: at 100k the attribution and keyword background are
    hundreds of MB, which the workers must not inherit.  They also read the citations (one pool, forked once)."""
    import multiprocessing

    from indexer import build

    seen = {}
    attribution, background = build._attribution, build._background

    def watched(name, step):
        def run(*args, **kwargs):
            seen[name] = {p.pid for p in multiprocessing.active_children()}
            return step(*args, **kwargs)
        return run

    monkeypatch.setattr(build, "_attribution", watched("attribution", attribution))
    monkeypatch.setattr(build, "_background", watched("background", background))
    monkeypatch.setattr(build, "forked_pool", watched("pool", build.forked_pool))
    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        assert update_index(store, tmp_path / "index", procs=2).added == len(make_mini_documents())
    assert len(seen["attribution"]) == 2 and seen["background"] == seen["attribution"]
    assert seen["pool"] == set()  # the only pool of the build was made before any worker existed
    assert not multiprocessing.active_children()  # and shut down


def test_hits_kept_for_an_export_survive_a_merge(tmp_path, make_mini_documents):
    from indexer.segments import FastSegmentWriter

    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        update_index(store, tmp_path / "index", procs=2)
    service = SearchService(tmp_path / "index")
    result = service.search(SearchRequest(q="", limit=1), keep=100)
    before = set((tmp_path / "index").iterdir())
    FastSegmentWriter(windex.open_dir(str(tmp_path / "index"))).commit(optimize=True)
    assert before - set((tmp_path / "index").iterdir())  # the merge deleted the old segments' files
    got = [doc_id for doc_id, _score in result.ranked]
    assert got == [hit.id for hit in service.search(SearchRequest(q="", limit=100)).hits] and len(got) == 6


def test_segments_split_work_evenly_and_within_the_memory_budget():
    from indexer.build import _chunks

    ids = [f"d{i}" for i in range(100)]
    sizes = {doc_id: 1000 + 37 * i for i, doc_id in enumerate(ids)}
    for procs, most in ((2, 10**9), (3, 10**9), (2, 20_000), (4, 5_000)):
        chunks = _chunks(ids, sizes, procs, most)
        assert [doc_id for chunk in chunks for doc_id in chunk] == ids  # every id once, in order
        assert len(chunks) >= min(procs, len(ids)) or most < 10**9
        biggest = max(sum(sizes[doc_id] + 1 for doc_id in chunk[:-1]) for chunk in chunks)
        assert biggest < min(most, sum(sizes.values()) // procs + 200)  # a chunk closes once over its budget


def test_segments_come_in_rounds_of_one_per_worker_and_of_equal_text():
    """5 segments' worth of text on 2 workers is 6 segments, not 5: a last round of one leaves a core idle."""
    from indexer.build import _chunks

    ids = [f"d{i}" for i in range(1000)]
    sizes = {doc_id: 500 + (i * 7919) % 3000 for i, doc_id in enumerate(ids)}
    total = sum(size + 1 for size in sizes.values())
    for procs, segments in ((2, 5), (2, 4), (3, 7), (4, 1)):
        chunks = _chunks(ids, sizes, procs, -(-total // segments))
        assert [doc_id for chunk in chunks for doc_id in chunk] == ids
        assert len(chunks) == -(-segments // procs) * procs
        texts = [sum(sizes[doc_id] + 1 for doc_id in chunk) for chunk in chunks]
        assert max(texts) - min(texts) <= 2 * max(sizes.values())  # equal within a document or two
    assert _chunks(["a", "b"], {"a": 10, "b": 10}, 4, 5) == [["a"], ["b"]]  # never an empty segment
    assert _chunks([], {}, 2, 5) == []


def test_a_worker_segment_stays_within_2_gb_on_a_large_machine_and_a_third_of_a_small_one(monkeypatch):
    from indexer import build

    for available, procs in ((24 * 2**30, 2), (64 * 2**30, 4), (4 * 2**30, 2), (512 * 2**20, 1)):
        monkeypatch.setattr(build, "_available_memory", lambda: available)
        chars = build._segment_chars(procs)
        expected = build.WORKER_BASE + chars * build.WORKER_BYTES_PER_CHAR  # a worker's peak RSS, as measured
        assert expected <= 2 * 2**30 or chars == build.SEGMENT_CHARS[0]
        assert expected <= max(available // 3 // procs, build.WORKER_BASE + build.SEGMENT_CHARS[0] * 48)


def test_a_segment_job_leaves_no_garbage_for_the_next_job(tmp_path, make_mini_documents):
    """Workers run without the cyclic collector; a job must not leave its writer in a cycle."""
    import gc

    from indexer.analysis import Background
    from indexer.build import _segment_job
    from indexer.schema import make_schema

    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        ids = list(store.stamps())
    (tmp_path / "index").mkdir()
    windex.create_in(str(tmp_path / "index"), make_schema())
    gc.collect()
    try:
        segment, count = _segment_job((str(tmp_path / "store.db"), str(tmp_path / "index"), ids, {}, Background()))
        assert count == len(ids) and segment.doc_count() == len(ids)
        assert gc.collect() < 100
    finally:
        gc.enable()


def test_a_segment_job_keeps_its_stored_terms_beside_its_segment(tmp_path, make_mini_documents):
    """The worker that writes a segment also writes its stored terms' files (what a server's start maps), so the
    parent does not read every segment's word_counts again after the commit, alone on one core."""
    import numpy as np

    from indexer.analysis import Background
    from indexer.build import _segment_job
    from indexer.schema import make_schema
    from indexer.segments import FastSegmentWriter
    from indexer.significant import TERMS_EXTS, segment_terms

    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        ids = list(store.stamps())
    (tmp_path / "index").mkdir()
    ix = windex.create_in(str(tmp_path / "index"), make_schema())
    segment, _count = _segment_job((str(tmp_path / "store.db"), str(tmp_path / "index"), ids, {}, Background()))
    kept = [tmp_path / "index" / segment.make_filename("." + ext) for ext in TERMS_EXTS]
    assert all(path.exists() for path in kept)  # before any commit
    writer = FastSegmentWriter(ix)
    writer.add_segments([segment])
    writer.commit(merge=False)
    assert all(path.exists() for path in kept)  # the commit keeps them: they are the segment's
    with ix.reader() as reader:
        (leaf, _), = reader.leaf_readers()
        found = segment_terms(leaf)
        for path in kept:
            path.unlink()
        made = segment_terms(leaf)  # from the word_counts column
    assert np.array_equal(found.distinct, made.distinct) and np.array_equal(found.ids, made.ids)
    assert np.array_equal(found.counts, made.counts) and np.array_equal(found.starts, made.starts)


def test_the_keyword_background_sampled_by_the_workers_is_the_one_the_parent_samples(tmp_path, make_mini_documents):
    from corpus.store.workers import forked_pool
    from indexer import build

    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        ids = list(store.stamps())
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        alone = build._background(store, tmp_path / "a", True, ids)
        with forked_pool(2) as pool:
            sampled = build._background(store, tmp_path / "b", True, ids, build._sampling(store, ids, pool, 2))
    assert alone.size == sampled.size == len(ids) and alone.df and dict(alone.df) == dict(sampled.df)
    assert {k: dict(v) for k, v in alone.known.items()} == {k: dict(v) for k, v in sampled.known.items()}
    assert (tmp_path / "a" / build.BACKGROUND_FILE).read_bytes() == (tmp_path / "b" / build.BACKGROUND_FILE).read_bytes()


def test_an_index_with_the_old_directive_field_is_rebuilt_by_danvan_index(tmp_path):
    """Before schema 5 the cited numbers were the index field "directive": such an index is reported as
    outdated, `danvan index` rebuilds it, and then it searches by number."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from whoosh.fields import KEYWORD

    from indexer.search import IndexOutdated
    from indexer.schema import make_schema, to_fields

    root = Path(__file__).resolve().parent.parent
    docs = [Document(id="a", title="Chỉ thị 16", text="Thực hiện Chỉ thị số 16/CT-TTg về phòng dịch.",
                     directives=["16/CT-TTg"]),
            Document(id="b", text="Hội nghị dân vận khéo năm 2020.")]
    with Store(config.store_path(tmp_path)) as store:
        store.upsert_many(docs)
    old = make_schema()
    old.remove("directives")
    old.add("directive", KEYWORD(stored=True, commas=True, scorable=True))
    index_dir = config.index_path(tmp_path)
    index_dir.mkdir()
    writer = windex.create_in(str(index_dir), old).writer()
    for doc in docs:
        fields = to_fields(doc)
        fields["directive"] = fields.pop("directives")
        writer.add_document(**fields)
    writer.commit()  # as danvan before schema 5 wrote it
    with pytest.raises(IndexOutdated, match="directives"):
        SearchService(index_dir)

    def danvan(*args):
        return subprocess.run([sys.executable, "-m", "cli", *args, "--data-dir", str(tmp_path)], cwd=root,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)})

    assert danvan("index").returncode == 0
    assert "directive" not in windex.open_dir(str(index_dir)).schema.names()
    found = danvan("search", "--directive", "16/ct-ttg", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert [(h["id"], h["directives"]) for h in hits] == [("a", ["16/CT-TTg"])]
    assert [h.id for h in SearchService(index_dir).search(SearchRequest(q="16/CT-TTg")).hits] == ["a"]


def test_a_new_index_stores_no_text(mini_home):
    """The store holds the texts; the index keeps what ranking, phrases and highlighting need, not a copy."""
    from tests.conftest import MINI

    ix = windex.open_dir(str(config.index_path(mini_home)))
    assert not ix.schema["text"].stored
    with ix.searcher() as searcher:
        assert all("text" not in fields for fields in searcher.all_stored_fields())
    index_bytes = b"".join(p.read_bytes() for p in config.index_path(mini_home).rglob("*") if p.is_file())
    for *_, text, _published, _province, _p25, _directives in MINI:
        sentence = text.split(",")[0].encode("utf-8")  # a run of words no term or stored field holds whole
        assert len(sentence) > 30 and sentence not in index_bytes


def test_an_index_from_an_older_danvan_is_served_then_rebuilt_by_danvan_index(mini_home):
    """An index written before texts left it (text stored, no keyword field, format 4) still answers, with
    snippets from its own stored texts and no keyword facet; `danvan index` rebuilds it and says why."""
    import json
    import os
    import subprocess
    import sys

    from indexer.build import STAMPS_FILE
    from indexer.schema import SyllableText, make_schema, to_fields
    from tests.conftest import ROOT

    index_dir = config.index_path(mini_home)
    for path in index_dir.iterdir():
        path.unlink()
    schema = make_schema()
    schema.remove("keyword")
    schema.remove("text")
    schema.add("text", SyllableText(stored=True))
    ix = windex.create_in(str(index_dir), schema)
    writer = ix.writer()
    with Store(config.store_path(mini_home)) as store:
        for doc in store:
            fields = to_fields(doc)
            del fields["keyword"]
            writer.add_document(**fields)
        stamps = store.stamps()
    writer.commit()
    (index_dir / STAMPS_FILE).write_text(json.dumps({"schema_version": 4, "stamps": stamps, "records": {}}), "utf-8")
    (mini_home / config.STORE_NAME).rename(mini_home / "elsewhere.db")  # the old index finds texts in itself

    result = SearchService(index_dir).search(SearchRequest(q="dân vận khéo"))
    assert result.hits[0].id == "d1" and "<mark>" in result.hits[0].snippet
    assert result.facets["keyword"] == [] and result.hits[0].keywords == []
    assert SearchService(index_dir).search(SearchRequest(q="dân vận", keyword=["dân vận"])).total == 0

    (mini_home / "elsewhere.db").rename(mini_home / config.STORE_NAME)
    run = subprocess.run([sys.executable, "-m", "cli", "index", "--data-dir", str(mini_home)], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert "written by an older danvan (index format 4, now" in run.stdout and "rebuilt it from the store" in run.stdout
    assert "index built: 6 added" in run.stdout
    rebuilt = windex.open_dir(str(index_dir))
    assert "keyword" in rebuilt.schema and not rebuilt.schema["text"].stored
    again = SearchService(index_dir).search(SearchRequest(q="dân vận khéo"))
    assert again.hits[0].id == "d1" and "<mark>" in again.hits[0].snippet


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_store_without_documents_is_indexed_by_several_processes_too(tmp_path, rebuild):
    """`danvan index --procs 2` over a store whose documents all went (or an import that kept none): an empty
    index, not a traceback (the citations were read by a pool of no workers)."""
    with Store(tmp_path / "store.db") as store:
        store.upsert(Document(id="gone", text="Văn bản sẽ bị xóa."))
        store.delete("gone")
        report = update_index(store, tmp_path / "index", procs=2, rebuild=rebuild)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 0)
    assert SearchService(tmp_path / "index").search(SearchRequest(q="")).total == 0


def test_a_small_build_and_an_update_of_one_document_do_not_compile_the_word_decoder(tmp_path, make_mini_documents):
    # numba's import and the decoder's compilation (~1.3 s CPU) pay back over thousands of documents only: a first
    # index of a few documents and an update of one (what `danvan import` runs) do without them.
    import subprocess
    import sys
    from pathlib import Path

    home = tmp_path / "home"
    with Store(config.store_path(home)) as store:
        store.upsert_many(make_mini_documents())
    code = ("import sys\n"
            "from corpus.store.db import Store\n"
            "from corpus.store.document import Document\n"
            "from indexer.build import update_index\n"
            "with Store(sys.argv[1]) as store:\n"
            "    first = update_index(store, sys.argv[2])\n"
            "    store.upsert(Document(id='new', text='Đối thoại với Nhân dân về giải phóng mặt bằng.'))\n"
            "    update = update_index(store, sys.argv[2])\n"
            "print(first.added, update.added, 'numba' in sys.modules)\n")
    root = Path(__file__).parent.parent
    done = subprocess.run([sys.executable, "-c", code, str(config.store_path(home)), str(config.index_path(home))],
                          capture_output=True, text=True, cwd=root, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(make_mini_documents())), "1", "False"]


@pytest.mark.parametrize("procs", [1, 2])
def test_an_update_with_postings_spilled_writes_the_files_and_answers_of_one_held_in_memory(
        tmp_path, monkeypatch, make_mini_documents, procs):
    """A build and an update (documents changed, deleted, added; segments merged) whose pools spill every
    addition write the same index files, byte for byte, as pools held in memory, and answer the same."""
    from indexer import segments
    from tests.test_segments import _files as files  # segment names are random, their bytes are not

    built = []
    for limit in (segments.SPILL_BYTES, 0):
        monkeypatch.setattr(segments, "SPILL_BYTES", limit)
        monkeypatch.setattr(segments, "POSITIONS_BATCH", 64)  # text fields spill mid-way through a segment too
        home = tmp_path / str(limit)
        docs = make_mini_documents()
        with Store(config.store_path(home)) as store:
            store.upsert_many(docs)
            update_index(store, config.index_path(home), procs=procs)
            first = files(config.index_path(home))
            for doc in docs[::3]:
                doc.text += " công tác dân vận khéo"
            store.upsert_many(docs[::3])
            gone = [doc.id for doc in docs[1::4]]
            with store.db:
                store.db.execute(f"DELETE FROM documents WHERE id IN ({','.join('?' * len(gone))})", gone)
            report = update_index(store, config.index_path(home), procs=procs)
            assert report.deleted == len(gone) and report.updated
        built.append((first, files(config.index_path(home)), _answers(SearchService(config.index_path(home)))))
    assert built[0] == built[1]
    assert not list(tmp_path.rglob("tmp*"))


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="counts open files in /proc")
def test_segment_jobs_that_spill_leave_no_file_open_for_the_next_job(tmp_path, monkeypatch, make_mini_documents):
    """A worker runs job after job without the cyclic collector: the spill files of each job's pools are
    closed when its segment is written, also when a job fails."""
    import gc
    import os

    from indexer import segments
    from indexer.analysis import Background
    from indexer.build import _segment_job
    from indexer.schema import make_schema

    monkeypatch.setattr(segments, "SPILL_BYTES", 0)
    monkeypatch.setattr(segments, "POSITIONS_BATCH", 64)
    with Store(tmp_path / "store.db") as store:
        store.upsert_many(make_mini_documents())
        ids = list(store.stamps())
    (tmp_path / "index").mkdir()
    windex.create_in(str(tmp_path / "index"), make_schema())
    job = (str(tmp_path / "store.db"), str(tmp_path / "index"), ids, {}, Background())
    _segment_job(job)  # loads what every job uses (the segmenter's model)
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    try:
        for _ in range(5):
            segment, count = _segment_job(job)
            assert segment.doc_count() == len(ids)
            assert len(os.listdir("/proc/self/fd")) == before
        add = segments.TermPool.add_text
        monkeypatch.setattr(segments.TermPool, "add_text",
                            lambda pool, name, docnum, *args: add(pool, name, docnum, *args) if docnum < 5 else 1 / 0)
        with pytest.raises(ZeroDivisionError):
            _segment_job(job)
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        gc.enable()
