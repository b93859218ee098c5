"""Significant terms of a result set and keywords of a document, from pyvi words stored at index time."""
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.store import config
from corpus.store.document import Document
from corpus.store.db import Store
from indexer.analysis import word_terms
from indexer.search import SearchRequest, SearchService
from tests.conftest import build_home

ROOT = Path(__file__).resolve().parent.parent

TOPICS = {
    "giáo dục": ["Nhà trường tổ chức dạy học cho học sinh", "giáo viên soạn giáo án", "phụ huynh họp lớp",
                 "kỳ thi tốt nghiệp diễn ra an toàn", "thư viện trường học có thêm sách", "học sinh nghèo vượt khó",
                 "sân chơi cho thiếu nhi", "khuyến học khuyến tài", "bàn ghế mới cho lớp học", "xóa mù chữ"],
    "nông nghiệp": ["Nông dân thu hoạch lúa", "hợp tác xã tiêu thụ nông sản", "cán bộ khuyến nông hướng dẫn bón phân",
                    "vụ mùa bội thu", "mô hình trồng cây ăn quả", "chăn nuôi gia súc", "thủy lợi nội đồng",
                    "giống lúa mới", "cánh đồng mẫu lớn", "phòng trừ sâu bệnh"],
    "y tế": ["Trạm y tế xã khám bệnh", "bác sĩ tiêm chủng cho trẻ em", "người bệnh được cấp thuốc",
             "bảo hiểm y tế chi trả viện phí", "phòng chống dịch bệnh mùa mưa", "vệ sinh an toàn thực phẩm",
             "nước sạch nông thôn", "dân số kế hoạch hóa gia đình", "khám sức khỏe người cao tuổi", "hiến máu tình nguyện"],
}
SHARED = ["Ban Dân vận huyện phối hợp với Ủy ban nhân dân xã", "nhân dân đồng tình hưởng ứng",
          "công tác dân vận được quan tâm", "cấp ủy chỉ đạo sát sao"]
PLANTED = "chuyển đổi số"  # in some education documents only


def corpus(seed: int = 3) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for topic, sentences in TOPICS.items():
        for i in range(30):
            parts = [f"Về {topic}"] + rng.sample(sentences, 3) + rng.sample(SHARED, 2)
            if topic == "giáo dục" and i % 2 == 0:
                parts.insert(rng.randint(1, len(parts)), f"Nhà trường đẩy mạnh {PLANTED} trong quản lý")
            docs.append(Document(id=f"{topic[:2]}{i:02d}", title=f"Tin số {i}", text=". ".join(parts) + "."))
    return docs


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_home(tmp_path_factory.mktemp("significant"), corpus())


def holding(home, term: str, ids: set[str]) -> int:
    """How many of the documents ``ids`` hold ``term``, from their stored title and text."""
    key = term.replace(" ", "_")
    with Store(config.store_path(home)) as store:
        return sum(key in word_terms(f"{d.title}\n{d.text}") for d in store.documents(sorted(ids)))


def test_a_planted_phrase_is_a_significant_term_of_its_topic_only(home):
    service = SearchService(config.index_path(home))
    result = service.search(SearchRequest(q="giáo dục", limit=100))
    terms = {t.term: t for t in result.significant_terms}
    assert PLANTED in terms
    ids = {h.id for h in result.hits}
    assert result.total == len(ids) == 30
    assert terms[PLANTED].count == holding(home, PLANTED, ids) == 15  # count: matching documents holding it
    assert "giáo dục" not in terms  # the query itself is no theme of its results
    scores = [t.score for t in result.significant_terms]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert not any(t in terms for t in ("dân vận", "nhân dân"))  # in every topic: not significant
    for other in ("nông nghiệp", "y tế"):
        found = service.search(SearchRequest(q=other)).significant_terms
        assert found and PLANTED not in {t.term for t in found}


def test_the_whole_index_has_no_significant_terms_and_exports_skip_them(home):
    service = SearchService(config.index_path(home))
    everything = service.search(SearchRequest())  # no words, no filter: every document, newest first
    assert everything.total == 90 and everything.significant_terms == []
    assert service.search(SearchRequest(q="giáo dục"), significant=False).significant_terms == []


def test_keywords_are_deterministic_and_describe_the_document(home):
    service = SearchService(config.index_path(home))
    first = [service.keywords(f"gi{i:02d}") for i in range(0, 30, 2)]
    again = SearchService(config.index_path(home))
    assert first == [again.keywords(f"gi{i:02d}") for i in range(0, 30, 2)]
    assert all(PLANTED in words or "chuyển đổi" in words for words in first)
    assert service.keywords("no-such-id") == []


def run(*args, home, env=None):
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env={**base, **(env or {})},
                          timeout=300, cwd=ROOT)


def test_search_json_and_web_carry_significant_terms(home):
    out = run("-m", "cli", "search", "giáo dục", "--json", home=home)
    assert out.returncode == 0, out.stderr
    terms = json.loads(out.stdout)["significant_terms"]
    assert terms and all(list(t) == ["term", "count", "score"] for t in terms)
    assert PLANTED in [t["term"] for t in terms]
    from search_app import create_app

    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    data = client.get("/search.json?q=gi%C3%A1o+d%E1%BB%A5c").get_json()
    assert data["significant_terms"] == terms
    page = client.get("/search?q=gi%C3%A1o+d%E1%BB%A5c").get_data(as_text=True)
    assert "Chủ đề nổi bật" in page
    # one click adds the term to the query, as a phrase
    assert 'href="/search?q=gi%C3%A1o+d%E1%BB%A5c+%22chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91%22"' in page


def test_pyvi_syntax_warnings_do_not_reach_users(tmp_path):
    # A fresh bytecode cache makes Python compile pyvi again, which is when it warns.
    env = {"PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"), "PYTHONWARNINGS": "always"}
    raw = run("-c", "import pyvi.ViTokenizer", home=tmp_path, env=env)
    assert "invalid escape sequence" in raw.stderr  # the warning exists: this test can fail
    (tmp_path / "demo.jsonl").write_text(json.dumps({"id": "a", "text": "Đẩy mạnh chuyển đổi số ở cơ sở."},
                                                    ensure_ascii=False) + "\n", "utf-8")
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache2")
    out = run("-m", "cli", "import", str(tmp_path / "demo.jsonl"), home=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    out = run("-m", "cli", "index", home=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "pyvi" not in out.stderr and "invalid escape" not in out.stderr, out.stderr


def test_document_page_and_exports_show_keywords(home):
    from search_app import create_app

    service = SearchService(config.index_path(home))
    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    doc = client.get("/doc/gi00.json").get_json()
    assert doc["document"]["keywords"] == service.keywords("gi00") != []
    assert "Từ khóa" in client.get("/doc/gi00").get_data(as_text=True)
    rows = [json.loads(line) for line in client.get("/export.jsonl?q=gi%C3%A1o+d%E1%BB%A5c").get_data(as_text=True)
            .splitlines()]
    assert len(rows) == 30 and all(row["keywords"] == service.keywords(row["id"]) for row in rows)
    header = client.get("/export.csv?q=gi%C3%A1o+d%E1%BB%A5c").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert "keywords" in header.split(",")


def reference_significant(service, sample: list[int], allowed, skip) -> list[dict]:
    """Significant terms computed as before term ids (session 5): each sampled document's stored terms read and
    split, every candidate's background frequency looked up in the ``words`` term table."""
    from collections import Counter

    from indexer.analysis import JOINER, fold_syllable
    from indexer.schema import decode_terms
    from indexer.significant import CANDIDATES, MIN_COUNT, SAMPLE_SHARE, _holds, jlh

    _searcher, _table, ranker = service._snapshot()
    leaves = [(leaf, offset) for leaf, offset in ranker.reader.leaf_readers() if leaf.doc_count_all()]

    def stored(docnum: int) -> list[str]:
        leaf, offset = [(leaf, offset) for leaf, offset in leaves if offset <= docnum][-1]
        return decode_terms(leaf.column_reader("word_counts", translate=False)[docnum - offset])

    fg_size, bg_size = int(allowed.sum()), ranker.docs
    seen = Counter(term for d in sample for term in stored(d))
    least = max(min(MIN_COUNT, len(sample)), len(sample) // SAMPLE_SHARE)
    proposed = sorted((-jlh(n, len(sample), ranker.doc_frequency("words", term), bg_size), term)
                      for term, n in seen.items() if n >= least)
    found, tried = [], 0
    for score, term in proposed:
        if -score <= 0 or tried >= CANDIDATES:
            break
        if _holds([fold_syllable(s) for s in term.split(JOINER)], skip):
            continue
        tried += 1
        holders = ranker.docs_with("words", term)
        count = int(allowed[holders].sum())
        score = jlh(count, fg_size, len(holders), bg_size)
        if count >= MIN_COUNT and score > 0:
            found.append({"term": term.replace(JOINER, " "), "count": count, "score": round(score, 4)})
    found.sort(key=lambda t: (-t["score"], t["term"]))
    return found[:12]


@pytest.mark.parametrize("q", ["giáo dục", "nông nghiệp", "y tế", "dân vận", "học sinh", "lúa"])
def test_significant_terms_from_term_ids_equal_the_computation_before_them(home, q):
    # Every document of this corpus stores all its terms (fewer than MAX_STORED_TERMS), so the background
    # counted in the stored terms is the exact document frequency: the two computations must agree exactly.
    import numpy as np

    from indexer.queryparse import parse
    from indexer.significant import restating

    service = SearchService(config.index_path(home))
    result = service.search(SearchRequest(q=q, limit=10), keep=1000)
    assert result.total and result.significant_terms
    searcher, table, _ranker = service._snapshot()
    docnums = [searcher.document_number(id=doc_id) for doc_id, _score in result.ranked]
    allowed = np.zeros(table.size, dtype=bool)
    allowed[docnums] = True
    parsed = parse(q)
    skip = restating(parsed.words, parsed.phrases)
    assert [t.to_dict() for t in result.significant_terms] == reference_significant(service, docnums[:100],
                                                                                    allowed, skip)


def test_stored_term_arrays_read_in_chunks_hold_every_documents_stored_terms(home, monkeypatch):
    import indexer.significant
    from indexer.schema import decode_terms
    from indexer.significant import term_hashes

    monkeypatch.setattr(indexer.significant, "CHUNK_DOCS", 7)  # 90 documents: chunks ending mid-segment
    service = SearchService(config.index_path(home))
    _searcher, _table, ranker = service._snapshot()
    words = service.word_terms(ranker)
    for leaf, offset in ranker.reader.leaf_readers():
        column = leaf.column_reader("word_counts", translate=False)
        for local in range(leaf.doc_count_all()):
            assert words.terms(offset + local) == decode_terms(column[local])
    for ext in indexer.significant.TERMS_EXTS:
        for kept in config.index_path(home).glob(f"*.{ext}"):
            kept.unlink()  # made again here, in chunks of 7 documents
    stored = [words.terms(d) for d in range(ranker.size)]
    every = sorted({term for terms in stored for term in terms})
    assert len(every) > 50
    held = words.background().frequency(term_hashes(every)).tolist()
    assert held == [sum(term in terms for terms in stored) for term in every]  # the documents storing each term
    assert words.background().frequency(term_hashes(["không_có_ở_đâu"])).tolist() == [0]


def test_candidate_holders_read_without_weights_equal_the_postings_ones(tmp_path, monkeypatch):
    """The counts' holders (ids decoded alone) are the postings' doc numbers: inlined, in long lists, in blocks,
    over several segments and without deleted documents."""
    from indexer import longlists, segments
    from indexer.build import update_index

    monkeypatch.setattr(longlists, "MIN_POSTINGS", 25)  # the shared sentences' words are read from long lists
    monkeypatch.setattr(segments, "INLINE_LIMIT", 12)  # the topics' words are in W3 blocks or in the table
    docs = corpus()
    home = build_home(tmp_path, docs[:50])
    with Store(config.store_path(home)) as store:
        store.upsert_many(docs[50:])
        update_index(store, config.index_path(home))  # a second segment
        store.delete(docs[3].id)
        update_index(store, config.index_path(home))  # a deletion
    service = SearchService(config.index_path(home))
    _searcher, _table, ranker = service._snapshot()
    assert len(ranker.reader.leaf_readers()) > 1 and ranker.reader.has_deletions()
    assert any(long is not None and "words" in long.directory for long in ranker._longlists)
    terms = sorted({t.decode("utf-8") for t in ranker.reader.lexicon("words")})
    assert len(terms) > 50
    for term in terms + ["không_có"]:
        assert ranker.holders("words", term).tolist() == ranker.docs_with("words", term).tolist(), term
        assert ranker.holders("words", term) is ranker.holders("words", term)  # kept: a later query reads none
    # All at once, as a search's candidates are read (each segment's term table scanned once for them), by a
    # ranker that has read none of them yet, some twice, some absent:
    from indexer.ranker import Ranker

    fresh = Ranker(ranker.reader)
    asked = terms[::3] + ["không_có", terms[0]] + terms[1::3]
    assert [ids.tolist() for ids in fresh.holders_of("words", asked)] == [
        ranker.docs_with("words", term).tolist() for term in asked]
    assert fresh.holders_of("words", terms[:2])[0] is fresh.holders("words", terms[0])


def test_a_servers_start_reads_each_segments_stored_terms_from_the_files_the_build_wrote(tmp_path, monkeypatch):
    """The index build keeps each segment's stored-term arrays beside it; a service reads them instead of every
    stored term, and gives the same significant terms as one that makes them (files missing or damaged)."""
    import indexer.significant
    from indexer.build import update_index

    docs = corpus()
    home = build_home(tmp_path, docs[:60])
    with Store(config.store_path(home)) as store:
        store.upsert_many(docs[60:])
        update_index(store, config.index_path(home))  # a second segment, its files written at its commit
    index = config.index_path(home)
    service = SearchService(index)
    _searcher, _table, ranker = service._snapshot()
    segments = {leaf.segment().segment_id() for leaf, _offset in ranker.reader.leaf_readers()}
    kept = sorted(path for ext in indexer.significant.TERMS_EXTS for path in index.glob(f"*.{ext}"))
    assert len(segments) == 2 and len(kept) == 4 and {path.name.split(".")[0] for path in kept} == segments

    def made(column):
        raise AssertionError("every stored term read at start")

    queries = ["giáo dục", "nông nghiệp", "y tế", "lúa"]
    with monkeypatch.context() as patched:
        patched.setattr(indexer.significant, "_column_tokens", made)
        service.warm()
        expected = [service.search(SearchRequest(q=q)).significant_terms for q in queries]
    assert any(PLANTED == t.term for t in expected[0])
    kept[0].unlink()
    kept[1].write_bytes(b"not counts")
    kept[3].write_bytes(kept[3].read_bytes()[:-4])  # a term list cut short
    again = SearchService(index)
    assert [again.search(SearchRequest(q=q)).significant_terms for q in queries] == expected
    assert sorted(path for ext in indexer.significant.TERMS_EXTS for path in index.glob(f"*.{ext}")) == kept
    with monkeypatch.context() as patched:  # written again, readable
        patched.setattr(indexer.significant, "_column_tokens", made)
        assert [SearchService(index).search(SearchRequest(q=q)).significant_terms for q in queries] == expected


@pytest.mark.parametrize("q", ["giáo dục", "nông nghiệp", "y tế", "học sinh"])
def test_every_significant_terms_count_is_a_direct_count_of_the_matching_stored_texts(home, q):
    """count = the matching documents whose title and text hold the term (pyvi words of the stored text)."""
    result = SearchService(config.index_path(home)).search(SearchRequest(q=q, limit=100))
    ids = {h.id for h in result.hits}
    assert result.total == len(ids) and result.significant_terms
    for term in result.significant_terms:
        assert term.count == holding(home, term.term, ids), term


def test_an_empty_stored_terms_file_is_made_again_not_a_failed_start(tmp_path):
    """A side file left empty (a crash before its bytes reached the disk) is damaged like any other: made again."""
    import indexer.significant

    home = build_home(tmp_path, corpus())
    index = config.index_path(home)
    expected = SearchService(index).search(SearchRequest(q="giáo dục")).significant_terms
    for ext in indexer.significant.TERMS_EXTS:
        kept = sorted(index.glob(f"*.{ext}"))
        assert kept
        kept[0].write_bytes(b"")
    service = SearchService(index)
    service.warm()
    assert service.search(SearchRequest(q="giáo dục")).significant_terms == expected
    assert all(path.stat().st_size for ext in indexer.significant.TERMS_EXTS for path in index.glob(f"*.{ext}"))


def test_an_index_run_whose_segments_vanish_after_its_commit_still_succeeds(tmp_path, monkeypatch):
    """The stored-term files are written after the commit, outside the writer's lock: a second `danvan index`
    may replace the segments meanwhile.  The run that committed still succeeds; a server makes the files."""
    import indexer.significant
    from indexer.build import update_index

    docs = corpus()
    home = build_home(tmp_path, docs[:60])

    def vanished(reader):
        raise FileNotFoundError("a segment replaced by another build")

    monkeypatch.setattr(indexer.significant, "keep_stored_terms", vanished)
    with Store(config.store_path(home)) as store:
        store.upsert_many(docs[60:])
        report = update_index(store, config.index_path(home))
    monkeypatch.undo()
    assert report.added == len(docs) - 60
    service = SearchService(config.index_path(home))
    assert service.search(SearchRequest(q="giáo dục")).significant_terms
    assert len(list(config.index_path(home).glob(f"*.{indexer.significant.TERMS_EXTS[0]}"))) == 2


def test_threads_asking_at_once_share_one_generations_stored_terms(home, monkeypatch):
    """Two threads' first searches of a generation at once: its stored terms are opened once, not once each."""
    import threading
    import time

    import indexer.search

    made = []

    class Slow(indexer.search.WordTerms):
        def __init__(self, ranker) -> None:
            made.append(ranker)
            time.sleep(0.3)  # a window for the other thread to ask meanwhile (no timing is asserted)
            super().__init__(ranker)

    monkeypatch.setattr(indexer.search, "WordTerms", Slow)
    service = SearchService(config.index_path(home))
    _searcher, _table, ranker = service._snapshot()
    got = []
    threads = [threading.Thread(target=lambda: got.append(service.word_terms(ranker))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and len(got) == 4 and all(w is got[0] for w in got)
