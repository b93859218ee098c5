"""indexer.segments writes the postings Whoosh's own writer writes (pairs without positions), faster."""
import os
import random

import numpy as np
import pytest
from whoosh import index as windex

from corpus.store.document import Document
from corpus.store.db import Store
from corpus.knowledge.vietnamese import fold
from indexer.build import update_index
from indexer.schema import SyllablePositions, SyllableText, make_schema, positions_array, to_fields
from indexer import segments
from indexer.segments import FastSegmentWriter, write_segment
from indexer.w3files import PackedValues, Postings

COMMON = "dân vận nhân dân công tác Đảng hoà giải bàn bán bạn".split()  # bàn bán bạn: one folded term
RARE = [f"từ{i}" for i in range(400)]


def _docs(n: int, seed: int = 1, prefix: str = "d") -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        words = [rng.choice(COMMON) if rng.random() < 0.6 else rng.choice(RARE) for _ in range(rng.randint(5, 60))]
        text = " ".join(w + rng.choice(["", "", "", ",", " -", "."]) for w in words)
        docs.append(Document(id=f"{prefix}{i:04d}", title=" ".join(words[:5]), text=text,
                             province=rng.choice(["Nghệ An", "Hà Nội", None]), year=rng.choice([2019, 2024, None]),
                             directives=rng.choice([[], ["25-NQ/TW"], ["16/CT-TTg", "25-NQ/TW"]])))
    return docs


def _contents(ix) -> tuple:
    """Everything a reader sees: postings with their values, stored fields, field lengths."""
    with ix.reader() as reader:
        # A format without values reads as None from a block, '' when inlined; pairs keep no positions.
        postings = [(field, term, docnum, weight, None if _pair(reader, field, term) else value or None)
                    for field, term, docnum, weight, value in reader.iter_postings()]
        stored = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
        lengths = [(name, n, reader.doc_field_length(n, name)) for name in ("title", "text", "text_folded")
                   for n in range(reader.doc_count_all())]
    return postings, stored, lengths


def _pair(reader, field: str, term: bytes) -> bool:
    return isinstance(reader.schema[field], SyllableText) and b"_" in term


def _index(path, docs, writer_class=None, batches=1):
    path.mkdir()
    ix = windex.create_in(str(path), make_schema())
    size = -(-len(docs) // batches)
    for start in range(0, len(docs), size):
        writer = writer_class(ix) if writer_class else ix.writer()
        for doc in docs[start:start + size]:
            writer.add_document(**to_fields(doc))
        writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("inline_limit, batch", [(segments.INLINE_LIMIT, segments.POSITIONS_BATCH),
                                                  (1, segments.POSITIONS_BATCH),  # 1: nothing inlined
                                                  (segments.INLINE_LIMIT, 1),  # each document grouped alone
                                                  (segments.INLINE_LIMIT, 50)])  # a few documents grouped at once
def test_the_fast_writer_writes_what_whoosh_writes(tmp_path, monkeypatch, inline_limit, batch):
    monkeypatch.setattr(segments, "INLINE_LIMIT", inline_limit)
    monkeypatch.setattr(segments, "POSITIONS_BATCH", batch)
    docs = _docs(400)  # common words: posting lists of several blocks; rare ones: inlined
    docs[7].text, docs[8].title = "một", "hai"  # a text, a title without a pair
    whoosh_ix = _index(tmp_path / "whoosh", docs)
    fast_ix = _index(tmp_path / "fast", docs, FastSegmentWriter)
    expected, got = _contents(whoosh_ix), _contents(fast_ix)
    assert len(expected[0]) > 5000 and got == expected
    with fast_ix.reader() as reader:
        assert reader.doc_frequency("text", "dân") > 128  # more than one block
        inlined = [term for term in reader.field_terms("text") if reader.term_info("text", term).is_inlined()]
        assert len(inlined) < len(list(reader.field_terms("text")))
        assert (len(inlined) > 0) == (inline_limit > 1)  # short lists sit in the term table


def test_merging_fast_segments_keeps_every_posting(tmp_path):
    docs = _docs(300, seed=2)
    expected = _contents(_index(tmp_path / "one", [doc for i, doc in enumerate(docs) if i % 7]))
    ix = _index(tmp_path / "three", docs, FastSegmentWriter, batches=3)
    assert len(ix.reader().leaf_readers()) == 3
    writer = FastSegmentWriter(ix)
    for doc in docs[::7]:  # the merge renumbers the documents after them
        writer.delete_by_term("id", doc.id)
    writer.commit(optimize=True)  # Whoosh's merge feeds the pool item by item
    assert len(ix.reader().leaf_readers()) == 1
    assert _contents(ix) == expected


def test_segments_written_elsewhere_are_committed_by_the_lock_holder(tmp_path):
    docs = _docs(200, seed=3)
    expected = _contents(_index(tmp_path / "one", docs))
    (tmp_path / "parts").mkdir()
    ix = windex.create_in(str(tmp_path / "parts"), make_schema())
    writer = FastSegmentWriter(ix)
    parts = [write_segment(ix, (to_fields(d) for d in docs[:120])), write_segment(ix, iter(())),
             write_segment(ix, (to_fields(d) for d in docs[120:]))]
    assert parts[1] is None
    writer.add_segments([p for p in parts if p is not None])
    writer.commit()
    assert _contents(ix) == expected


def test_postings_are_sorted_by_term_bytes_then_document():
    terms = ["vận", "dân", "an"]  # byte order: an, dân, vận
    columns = [np.array([0, 1, 0, 2, 1, 0], dtype=np.uint32), np.array([5, 2, 1, 9, 0, 3], dtype=np.uint32),
               np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)]
    postings = Postings([t.encode() for t in terms], columns, PackedValues.of([b"a", b"b", b"c", b"d", b"e", b"f"]),
                        np.array([0, 7, 7, 7, 7, 7, 7, 7, 7, 7]))
    assert columns == []  # taken: each column is let go of once sorted
    assert postings.terms == [b"an", "dân".encode(), "vận".encode()]
    assert postings.counts.tolist() == [1, 2, 3] and postings.docs.tolist() == [9, 0, 2, 1, 3, 5]
    assert postings.values[:] == [b"d", b"e", b"b", b"c", b"f", b"a"]
    assert postings.starts.tolist() == [0, 1, 3] and postings.lengths(0, 6).tolist() == [7, 0, 7, 7, 7, 7]



@pytest.mark.parametrize("in_document_order", [True, False])
def test_postings_sorted_by_their_order_within_a_term_are_sorted_by_document(in_document_order):
    # A pool adds a term's postings document after document (the fast order); a merge may not (the fallback).
    rng = np.random.default_rng(7)
    docs = np.sort(rng.integers(0, 400, 5000)).astype(np.uint32)
    term_of = rng.integers(0, 300, 5000).astype(np.uint32)
    if not in_document_order:
        docs = docs[::-1].copy()
    keep = np.unique((term_of.astype(np.int64) << 32) | docs, return_index=True)[1]  # one posting a term and document
    term_of, docs = term_of[keep], docs[keep]
    if in_document_order:
        order = np.argsort(docs, kind="stable")
        term_of, docs = term_of[order], docs[order]
    terms = [f"t{i:03d}".encode() for i in range(300)]
    postings = Postings(terms, [term_of, docs, np.ones(len(docs), dtype=np.float32)],
                        PackedValues.of([str(i).encode() for i in range(len(docs))]), None)
    expected = np.lexsort((docs, term_of))
    assert postings.docs.tolist() == docs[expected].tolist()
    assert postings.values[:] == [str(i).encode() for i in expected.tolist()]


def test_packed_values_joined_is_the_values_joined_in_their_permuted_order():
    rng = random.Random(5)
    values = [bytes(rng.randrange(256) for _ in range(4 * rng.randint(0, 6))) for _ in range(500)]
    order = np.array(rng.sample(range(500), 500))
    packed = PackedValues.of(values).permuted(order)
    for start, end in ((0, 500), (17, 18), (40, 40), (123, 377)):
        assert packed.joined(start, end) == b"".join(values[i] for i in order[start:end])


def test_positions_round_trip():
    fmt = SyllablePositions()
    value = fmt.encode([0, 5, 70_000, 4_000_000])
    assert fmt.decode_positions(value) == [0, 5, 70_000, 4_000_000]
    assert fmt.decode_frequency(value) == 4
    assert positions_array(value).tolist() == [0, 5, 70_000, 4_000_000]


def test_a_parallel_build_writes_the_index_a_serial_build_writes(tmp_path):
    contents = []
    for procs in (1, 2):
        home = tmp_path / f"p{procs}"
        with Store(home / "store.db") as store:
            store.upsert_many(_docs(300, seed=4))
            update_index(store, home / "index", procs=procs)
        ix = windex.open_dir(str(home / "index"))
        assert len(ix.reader().leaf_readers()) == procs
        contents.append(_contents(ix))
    assert contents[0] == contents[1]


def test_long_lists_read_as_whoosh_reads_the_postings(tmp_path):
    from indexer import longlists
    from indexer.ranker import Ranker

    ix = _index(tmp_path / "ix", _docs(1300, seed=5), FastSegmentWriter)
    assert len(list((tmp_path / "ix").glob("*." + longlists.EXT))) == 1
    for round_ in range(2):
        with ix.reader() as reader:
            fast, slow = Ranker(reader), Ranker(reader)
            slow._longlists = [None] * len(slow._longlists)
            listed = fast._longlists[0].directory
            assert "dân" in listed["text"] and "dan" in listed["text_folded"]
            for field in ("text", "text_folded", "title"):
                for term in ["dân", "dan", "vận", "từ7", "nope"]:
                    got, expected = fast.postings(field, term), slow.postings(field, term)
                    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
        writer = FastSegmentWriter(ix)  # deleted documents drop out of long lists too
        for i in range(0, 1300, 3):
            writer.delete_by_term("id", f"d{i:04d}")
        writer.commit(merge=False)


def test_phrases_over_long_lists_match_what_whoosh_matches(tmp_path):
    from whoosh import query as Q

    from indexer.ranker import Ranker

    ix = _index(tmp_path / "ix", _docs(1300, seed=6), FastSegmentWriter)
    with ix.reader() as reader, ix.searcher() as searcher:
        fast, slow = Ranker(reader), Ranker(reader)
        assert fast._longlists[0].positions("text", "dân") is not None
        slow._longlists = [None] * len(slow._longlists)
        for words in (["dân", "vận"], ["nhân", "dân"], ["vận", "nhân", "dân"], ["dân", "dân"], ["từ7", "dân"]):
            for field in ("text", "text_folded"):
                terms = words if field == "text" else [fold(w) for w in words]
                phrase = Q.Phrase(field, terms)
                expected = np.zeros(reader.doc_count_all(), dtype=bool)
                expected[list(searcher.docs_for_query(phrase))] = True
                assert (fast.phrase_mask(phrase) == expected).all() and (slow.phrase_mask(phrase) == expected).all()
                assert expected.any() or words[0] == "từ7"


def _answers(index, phrases: list[str]) -> dict:
    """What the query service answers over ``index``: totals, ranked ids and scores, facets, significant terms,
    ``phrases`` and their timelines."""
    from indexer.search import SearchRequest, SearchService
    from indexer.trends import timelines

    service = SearchService(index)
    out = {}
    queries = ["dân vận", '"dân vận"', "dan van", "hoà giải Đảng", "từ7 từ9", "25-NQ/TW"]
    for q in queries + [f'"{phrase}"' for phrase in phrases]:
        for filters in ({}, {"province": ["Nghệ An"]}, {"year": ["2019"]}):
            result = service.search(SearchRequest(q=q, limit=30, **filters), keep=200)
            facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
            significant = [(t.term, t.count, t.score) for t in result.significant_terms]
            out[q, str(filters)] = (result.total, result.ranked, significant, facets)
    for by in ("year", "province"):
        out["trends", by] = [t.to_dict() for t in timelines(service, ["dân vận", "công tác", *phrases[:3]],
                                                             SearchRequest(), by)]
    return out


def test_searches_find_the_same_over_the_index_whooshs_own_writer_writes(tmp_path, monkeypatch):
    """The fast writer's index (pairs pooled without positions, term tables encoded with numpy, long lists)
    answers every search as the index Whoosh's own writer makes of the same documents does."""
    from whoosh.writing import SegmentWriter

    from indexer import build, longlists

    monkeypatch.setattr(longlists, "MIN_POSTINGS", 200)  # long lists, W3 blocks and inlined postings, all three
    monkeypatch.setattr(segments, "INLINE_LIMIT", 20)  # about half the rare words' lists
    docs = _docs(600, seed=5)
    # Phrases the documents hold, of rare and common words: positions inlined, in W3 blocks, in long lists.
    phrases = [" ".join(doc.text.split()[i:i + size]).strip(",.- ") for doc, i, size in
               zip(docs[:24], range(24), [2, 3] * 12) if "," not in " ".join(doc.text.split()[i:i + size - 1])]
    answers = []
    for name, writer in (("fast", FastSegmentWriter), ("whoosh", SegmentWriter)):
        monkeypatch.setattr(build, "FastSegmentWriter", writer)  # Whoosh's: its analysis, pool and term table
        with Store(tmp_path / name / "store.db") as store:
            store.upsert_many(docs)
            update_index(store, tmp_path / name / "index", procs=1)
        with windex.open_dir(str(tmp_path / name / "index")).reader() as reader:
            assert isinstance(reader.segment().codec(), segments.Codec) == (name == "fast")
            dfs = [reader.doc_frequency("text", term) for term in reader.field_terms("text")]
        assert min(dfs) < 20 and any(20 <= df < 200 for df in dfs) and max(dfs) >= 200
        answers.append(_answers(tmp_path / name / "index", phrases))
    assert len(phrases) > 10 and all(answers[0][f'"{p}"', "{}"][0] > 0 for p in phrases)
    assert answers[0] == answers[1]


def test_pairs_are_pooled_without_positions():
    """A syllable field's pool keeps each syllable's positions and only the count of each pair (format 7 keeps no
    pair positions): a worker's memory goes to what the index keeps."""
    pool = segments.TermPool()
    assert pool.add_text("text", 3, "Dân vận khéo, dân vận", folded=False) == 5 + 3  # syllables + pairs
    field = pool.fields["text"]
    field._group()  # documents wait in a batch until it is full or the segment is written
    assert len(field.values) == 4 * 5  # positions of syllables only
    postings = field.sorted(None)
    found = {term.decode(): (postings.weights[start], postings.docs[start], count) for term, start, count
             in zip(postings.terms, postings.starts.tolist(), postings.counts.tolist())}
    assert found["dân_vận"] == (2.0, 3, 1) and found["vận_khéo"] == (1.0, 3, 1) and found["dân"] == (2.0, 3, 1)
    assert postings.values[int(postings.starts[postings.terms.index("dân".encode())])] == bytes([0, 0, 0, 0, 3, 0, 0, 0])
    assert "khéo_dân" not in found  # a comma between them


def test_a_pair_a_merge_brought_and_the_same_pair_of_a_document_are_one_term():
    pool = segments.TermPool()
    pool.add(("text", "dân_vận".encode(), 0, 1.0, b""))  # as a merge adds it
    pool.add_text("text", 1, "dân vận, vận", folded=False)
    postings = pool.fields["text"].sorted(None)
    assert [t.decode() for t in postings.terms] == ["dân", "dân_vận", "vận"]
    assert postings.counts.tolist() == [1, 2, 1] and postings.docs.tolist() == [1, 0, 1, 1]


def test_a_folded_field_reuses_the_unfolded_syllables_through_a_fold_map():
    """title_folded of the same text as title: syllables folded per distinct syllable, accented ones that fold
    alike (bàn, bán, bạn -> ban) pooled as one term with their positions merged, as analysing the folded text
    gives."""
    pool = segments.TermPool()
    text = "Bàn bán bạn, ban bàn"
    for docnum in range(2):
        pool.add_text("title", docnum, text, folded=False)
        assert pool.add_text("title_folded", docnum, text, folded=True) == 5 + 3
    other = segments.TermPool()
    other.add_text("title_folded", 0, text, folded=True)  # no unfolded twin: analysed itself
    other.add_text("title_folded", 1, text, folded=True)
    for got, expected in ((pool.fields["title_folded"].sorted(None), other.fields["title_folded"].sorted(None)),):
        assert got.terms == expected.terms == [b"ban", b"ban_ban"]
        assert got.docs.tolist() == expected.docs.tolist() == [0, 1, 0, 1]
        assert got.weights.tolist() == expected.weights.tolist() == [5.0, 5.0, 3.0, 3.0]
        assert got.values[:] == expected.values[:]
        assert got.values[0] == np.arange(5, dtype="<u4").tobytes()


def test_plain_fields_are_indexed_as_whoosh_indexes_them_without_tokens():
    """ID fields, ``words`` and the comma fields (a bare tokenizer, or one with a StripFilter, into existence or
    frequencies) skip Whoosh's Token per term and give the terms, weights, values and length ``field.index``
    gives."""
    schema = make_schema()
    values = {"words": ["dân_vận cơ_sở dân_vận\tkhéo\n dân_vận", "", "  ", "một"],
              "id": ["d0001", "", "a b"], "province": ["Nghệ An", ""],
              "directives": ["25-NQ/TW, 16/CT-TTg,25-NQ/TW", "", ",", " , ,a,, a ", "x\ty\n,\u00a0z"],
              "keyword": ["cơ sở,dân vận", "", "cơ sở, cơ sở,dân vận"], "directive_record": ["25-NQ/TW#2,a", ""]}
    for name, cases in values.items():
        field = schema[name]
        fast = segments._plain_terms(field.analyzer, cases[0]) is not None
        assert fast  # a fast path that silently fell back fails here
        for value in cases:
            terms, weights, vbytes, length = segments._postings(field, value)
            expected = sorted(field.index(value))
            assert sorted(zip((t.encode() for t in terms), [1] * len(terms), weights, vbytes)) == [
                (t, 1, w, v) for t, _f, w, v in expected]
            assert length == sum(freq for _t, freq, _w, _v in expected)
    terms, weights, vbytes, length = segments._postings(schema["words"], "a b a a")
    assert dict(zip(terms, weights)) == {"a": 3.0, "b": 1.0} and length == 4


def _pool_fields(pool) -> tuple:
    return (pool.term_of.tolist(), pool.docs.tolist(), pool.weights.tolist(), bytes(pool.values), pool.ends.tolist(),
            pool.pair_keys.tolist(), pool.pair_docs.tolist(), pool.pair_weights.tolist())


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_grouped_by_packed_sorts_is_the_batch_grouped_by_keys(seed):
    """_group sorts packed values where the batch's numbers fit 64 bits; _group_by_keys (any numbers) must pool
    the same postings: each document's syllables by id with their positions, its pairs counted."""
    rng = np.random.default_rng(seed)
    batch = []
    for docnum in sorted(rng.choice(10_000, size=30, replace=False).tolist()):
        size = int(rng.integers(1, 60))
        ids = rng.integers(0, [5, 40, 1 << 20, 1 << 31][seed], size=size).astype(np.uint32)  # few ids: repeated
        batch.append((docnum, ids, rng.random(size - 1) < 0.7))
    pools = [segments._FieldPool(), segments._FieldPool()]
    for pool in pools:
        pool.batch = list(batch)
    pools[0]._group()
    pools[1]._group_by_keys(np.array([d for d, _, _ in batch], dtype=np.uint32),
                            np.array([len(ids) for _, ids, _ in batch]),
                            np.cumsum([0] + [len(ids) for _, ids, _ in batch[:-1]]),
                            np.concatenate([ids for _, ids, _ in batch]),
                            np.concatenate([np.append(joins, False) for _, _, joins in batch]))
    assert len(pools[0].pair_keys) > 0
    assert _pool_fields(pools[0]) == _pool_fields(pools[1])


@pytest.mark.parametrize("keys", [[7, 3, 7, 0], [5], list(range(2000, 0, -3)) * 3, [1 << 62, 3, 1 << 62]])
def test_unique_inverse_is_numpys(keys):
    keys = np.array(keys, dtype=np.uint64)
    expected, got = np.unique(keys, return_inverse=True), segments.unique_inverse(keys.copy())
    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()


def _files(path) -> list[tuple[str, str]]:
    """(kind, md5) of an index's segment files: their names are random, their bytes are not."""
    import hashlib
    return sorted((file.name.rsplit(".", 1)[-1], hashlib.md5(file.read_bytes()).hexdigest())
                  for file in path.iterdir() if file.is_file() and not file.name.endswith((".toc", ".lock")))


@pytest.mark.parametrize("batch", [segments.POSITIONS_BATCH, 7])
def test_postings_spilled_to_files_are_written_as_if_pooled_in_memory(tmp_path, monkeypatch, batch):
    """A field's postings spilled to temporary files while documents come (every few, or after each one) and read
    back when the segment is written give the same segment files, byte for byte, also through a merge."""
    monkeypatch.setattr(segments, "POSITIONS_BATCH", batch)
    docs = _docs(300, seed=4)
    docs[5].text = "một"  # a text without a pair
    spilled = []
    add = segments._Spill.add
    monkeypatch.setattr(segments._Spill, "add", lambda self, name, column: (spilled.append(name), add(self, name, column)))
    built = []
    for limit in (1 << 62, 0):
        monkeypatch.setattr(segments, "SPILL_BYTES", limit)
        ix = _index(tmp_path / str(limit), docs, FastSegmentWriter)
        built.append((_files(tmp_path / str(limit)), _contents(ix)))
        writer = FastSegmentWriter(ix)
        for doc in docs[::9]:
            writer.delete_by_term("id", doc.id)
        writer.add_document(**to_fields(docs[1]))
        writer.commit(optimize=True)  # Whoosh's merge adds postings one at a time: spilled as they come too
        built.append((_files(tmp_path / str(limit)), _contents(ix)))
        assert (not spilled) == (limit > 0)
    assert {"term_of", "values", "ends", "pair_keys", "pair_docs"} <= set(spilled)
    assert built[0] == built[2] and built[1] == built[3]
    assert not list(tmp_path.rglob("tmp*"))  # unnamed files: nothing left beside the index


def _pool_ops(seed: int) -> list[tuple]:
    """A segment's additions in the order a writer makes them: documents' text (unfolded, then folded) and plain
    fields, some empty or of one syllable; then a merge's postings one at a time (pairs among them, as plain terms);
    sometimes documents again after it."""
    rng = random.Random(seed)
    syllables = COMMON + ["một", "hai"]
    ops, doc = [], 0
    for _ in range(rng.randint(1, 60)):
        text = " ".join(rng.choice(syllables) + rng.choice(["", "", ","]) for _ in range(rng.choice([0, 1, 2, 5, 40])))
        ops += [("text", "text", doc, text, False), ("text", "text_folded", doc, text, True)]
        terms = list(dict.fromkeys(rng.choice(syllables) for _ in range(rng.choice([0, 1, 3]))))
        ops.append(("terms", "words", doc, terms, [float(i + 1) for i in range(len(terms))],
                    [bytes([i]) * rng.randint(0, 3) for i in range(len(terms))]))
        ops.append(("terms", "id", doc, [f"d{doc}"], [1.0], [b""]))
        doc += 1
    for _ in range(rng.randint(0, 30)):
        term = rng.choice(syllables).encode()
        pair = rng.random() < 0.3
        if pair:
            term += segments.JOINER_BYTES + rng.choice(syllables).encode()
        ops.append(("add", ("text", term, doc, 2.0, b"" if pair else b"\x00\x00\x00\x00")))
        ops.append(("add", ("id", f"m{doc}".encode(), doc, 1.0, None)))
        doc += 1
    for _ in range(rng.choice([0, 0, 3])):
        ops.append(("text", "text", doc, " ".join(rng.choice(syllables) for _ in range(rng.randint(1, 9))), False))
        doc += 1
    return ops


def _pooled(ops, folder) -> dict:
    pool = segments.TermPool(folder)
    for kind, *args in ops:
        if kind == "text":
            pool.add_text(*args)
        elif kind == "terms":
            pool.add_terms(*args)
        else:
            pool.add(*args)
    spilled = {name: sorted(field.spill.files) for name, field in pool.fields.items()}
    out = {}
    for name in sorted(pool.fields):
        postings = pool.fields.pop(name).sorted(None)
        out[name] = (postings.terms, postings.counts.tolist(), postings.docs.tolist(), postings.weights.tolist(),
                     postings.values[:])
    return out, spilled


@pytest.mark.parametrize("seed", range(12))
def test_a_pool_spilled_at_any_point_sorts_as_one_held_in_memory(tmp_path, monkeypatch, seed):
    """Whenever a field's columns go to the spill (after each addition, every few, once), its postings read back
    in the order they came: syllables', terms' and a merge's, then pairs' (ends across several spills)."""
    ops = _pool_ops(seed)
    default = segments.POSITIONS_BATCH
    for batch in (default, 1, 7):
        monkeypatch.setattr(segments, "POSITIONS_BATCH", batch)
        monkeypatch.setattr(segments, "SPILL_BYTES", 1 << 62)
        expected, none = _pooled(ops, tmp_path)
        assert not any(none.values())
        for limit in (0, 60, 700):
            monkeypatch.setattr(segments, "SPILL_BYTES", limit)
            got, spilled = _pooled(ops, tmp_path)
            assert got == expected, (batch, limit)
            if limit == 0:
                assert spilled["id"] == ["docs", "ends", "term_of", "weights"]  # an ID field's values are b""
                if batch == default:  # a text field's postings are grouped (and spilled) by batch
                    assert not spilled["text_folded"]
                elif any(kind == "text" and folded and value.strip() for kind, _, _, value, folded, *_ in ops):
                    assert "values" in spilled["text_folded"]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_grouped_by_keys_and_spilled_reads_back_as_pooled_in_memory(tmp_path, monkeypatch, seed):
    """Batches grouped by keys (numbers too large to pack) and spilled between batches read back, column by
    column, as the same batches pooled in memory; the values' ends point into the whole values buffer."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(5):
        batch = []
        for docnum in sorted(rng.choice(10_000, size=8, replace=False).tolist()):
            size = int(rng.integers(1, 40))
            batch.append((docnum, rng.integers(0, 1 << 31, size=size).astype(np.uint32), rng.random(size - 1) < 0.7))
        batches.append(batch)
    read = []
    for limit in (1 << 62, 0):
        monkeypatch.setattr(segments, "SPILL_BYTES", limit)
        pool = segments._FieldPool(str(tmp_path))
        for batch in batches:
            pool.batch = list(batch)
            pool._group()
            pool.spill_if_full()
        assert bool(pool.spill.files) == (limit == 0)
        columns = [pool._column(name, dtype).tolist() for name, dtype in
                   [("term_of", np.uint32), ("docs", np.uint32), ("weights", np.float32), ("pair_keys", np.uint64),
                    ("pair_docs", np.uint32), ("pair_weights", np.float32)]]
        values = pool._packed(len(columns[0]))
        read.append((columns, values[:]))
        assert not pool.spill.files
    assert read[0][0][3] and read[0] == read[1]


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
def test_spilled_files_are_closed_however_the_writer_ends(tmp_path, monkeypatch):
    """A writer committed, cancelled with documents added, cancelled after a document it refused, or cancelled
    after a commit that failed reading a spill back leaves no spill file open; a RAM index spills to the
    system's temporary directory and writes what a file index writes."""
    from whoosh.filedb.filestore import RamStorage

    monkeypatch.setattr(segments, "SPILL_BYTES", 0)
    monkeypatch.setattr(segments, "POSITIONS_BATCH", 7)
    docs = _docs(60, seed=2)
    ix = _index(tmp_path / "ix", docs[:1], FastSegmentWriter)
    before = _open_files()
    writer = FastSegmentWriter(ix)
    for doc in docs[:30]:
        writer.add_document(**to_fields(doc))
    assert _open_files() > before + 20  # several columns of several fields spilled
    writer.cancel()
    assert _open_files() == before
    writer = FastSegmentWriter(ix)
    writer.add_document(**to_fields(docs[2]))
    with pytest.raises(ValueError):
        writer.add_document(**{**to_fields(docs[3]), "text": 5})
    writer.cancel()
    assert _open_files() == before
    writer = FastSegmentWriter(ix)
    for doc in docs[:30]:
        writer.add_document(**to_fields(doc))
    read_into = segments._Spill.read_into
    calls = []

    def failing(spill, name, out):
        calls.append(name)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        read_into(spill, name, out)

    monkeypatch.setattr(segments._Spill, "read_into", failing)
    with pytest.raises(OSError, match="No space"):
        writer.commit()
    monkeypatch.setattr(segments._Spill, "read_into", read_into)
    writer.cancel()
    assert _open_files() == before
    assert windex.open_dir(str(tmp_path / "ix")).doc_count() == 1  # nothing committed
    with FastSegmentWriter(ix) as writer:
        for doc in docs:
            writer.add_document(**to_fields(doc))
    assert _open_files() == before
    ram = RamStorage().create_index(make_schema())
    with FastSegmentWriter(ram) as writer:
        for doc in docs:
            writer.add_document(**to_fields(doc))
    files = _index(tmp_path / "files", docs, FastSegmentWriter)
    assert _contents(ram) == _contents(files)
    assert _open_files() == before
    assert not [f for f in (tmp_path / "ix").iterdir() if f.name.startswith("tmp")]


def test_a_spill_that_cannot_be_written_fails_the_writer_and_commits_nothing(tmp_path, monkeypatch):
    """A full disk under the spill: the document's addition fails with the disk's error, the cancelled writer
    leaves the index as it was."""
    import errno
    import tempfile

    docs = _docs(40, seed=2)
    ix = _index(tmp_path / "ix", docs[:1], FastSegmentWriter)
    before = _contents(ix)

    temporary = tempfile.TemporaryFile

    class Full:
        def __init__(self, *args, **kwargs):
            self.file = temporary(*args, **kwargs)

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(segments, "SPILL_BYTES", 0)
    monkeypatch.setattr(segments.tempfile, "TemporaryFile", Full)
    with pytest.raises(OSError, match="No space"):
        with FastSegmentWriter(ix) as writer:
            for doc in docs:
                writer.add_document(**to_fields(doc))
    ix = windex.open_dir(str(tmp_path / "ix"))
    assert _contents(ix) == before
