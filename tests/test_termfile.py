"""indexer.termfile: danvan's term table reads back every term, statistic and inlined posting it was given."""
import random
import struct

import numpy as np
import pytest
from whoosh import index as windex
from whoosh import query as Q
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint, pack_ushort

from corpus.store.document import Document
from indexer import segments, termfile
from indexer.ranker import Ranker
from indexer.schema import make_schema, to_fields
from indexer.segments import INLINE_LIMIT, FastSegmentWriter
from indexer.termfile import (BLOCK_TERMS, POSITIONS, RAW, TermFileReader, TermTable, encode_extent,
                              encode_postings, varints)


def _positions(*found: int) -> bytes:
    return struct.pack(f"<{len(found)}I", *found)


def _table(tmp_path, fields: dict[str, list[tuple[bytes, tuple]]], kinds: dict[str, int], limit: int = INLINE_LIMIT):
    """Write ``fields`` (name -> sorted (term, postings or extent)) as a term table; return its reader."""
    storage = FileStorage(str(tmp_path))
    table = TermTable(storage.create_file("t.trm"))
    table.start()
    table.inline_limit = limit
    fieldmap = table.extras["fieldmap"] = {}
    for name in sorted(fields):
        fieldmap[name] = len(fieldmap)
        table.kinds[name] = kinds[name]
        bodies = [encode_postings(*posts, kinds[name]) if len(posts) == 3 else encode_extent(*posts)
                  for _, posts in fields[name]]
        table.add_many(pack_ushort(fieldmap[name]), [term for term, _ in fields[name]], bodies)
    table.close()
    storage.create_file("t.pst").close()
    return TermFileReader(None, storage.open_file("t.trm"), storage.file_length("t.trm"), storage.open_file("t.pst"))


def test_terms_postings_and_positions_round_trip(tmp_path):
    rng = random.Random(3)
    long_term = "nghiêng".encode() * 2000  # 14,000 bytes: longer than a varint byte and any block
    text = {
        "a".encode(): ([0], [1.0], [_positions(0)]),
        "dân".encode(): ([2, 9, 4_000_000_000], [2.0, 1.0, 3.0],
                         [_positions(1, 2 ** 32 - 1), _positions(0), _positions(5, 6, 70_000)]),
        "dân_vận".encode(): ([7], [4.0], [b""]),  # a pair: no positions, its weight is its frequency
        "😀𠀀".encode(): ([1, 2], [1.0, 1.0], [_positions(3), _positions(0)]),  # not in the BMP
        long_term: ([5], [1.0], [_positions(1)]),
        "vận".encode(): (INLINE_LIMIT + 40, 123.0, 17, 4096),  # postings in the postings file: df, weight, offset, length
    }
    text.update({f"từ{i:05d}".encode(): ([rng.randrange(10 ** 6)], [float(rng.randint(1, 9))],
                                          [_positions(*sorted(rng.sample(range(10 ** 5), 1)))]) for i in range(300)})
    words = {
        "cơ_sở".encode(): ([3, 8], [2.0, 1.0], [pack_uint(2), pack_uint(1)]),  # Whoosh's Frequency values
        "x".encode(): ([0], [0.5], [b"\x00\xffodd"]),  # a boosted weight and raw bytes
        "y".encode(): ([1], [2.0 ** 70], [b""]),
    }
    ids = {b"": ([3], [1.0], [b""]), "d1".encode(): ([0], [1.0], [b""])}  # the empty term
    fields = {name: sorted(terms.items()) for name, terms in (("text", text), ("words", words), ("id", ids))}
    reader = _table(tmp_path, fields, {"text": POSITIONS, "words": RAW, "id": RAW})
    for name, terms in fields.items():
        for term, posts in terms:
            info = reader.term_info(name, term)
            assert (name, term) in reader
            if len(posts) == 4:
                assert not info.is_inlined() and info.extent() == (17, 4096)
                assert info.doc_frequency() == INLINE_LIMIT + 40 and info.weight() == 123.0
                continue
            ids_, weights, values = info.inlined_postings()
            assert [list(ids_), list(weights), list(values)] == [list(p) for p in posts]
            assert info.doc_frequency() == len(posts[0]) and info.weight() == sum(posts[1])
            assert reader.doc_frequency(name, term) == len(posts[0])
    # every term in order, each field's terms together, as Whoosh's readers iterate
    listed = [term for term in reader.terms()]
    assert listed == [(name, term) for name in sorted(fields) for term, _ in fields[name]]
    assert [term for (_, term), _ in reader.items_from("text", "dân_".encode())][:2] == [
        "dân_vận".encode(), long_term]
    assert list(reader.terms_from("words", b"y")) == [("words", b"y")]
    for name, term in [("text", b"0"), ("text", "dân_".encode()), ("text", "zzz".encode()), ("words", b"a"),
                       ("nope", b"a"), ("id", b"d0")]:
        assert (name, term) not in reader
        with pytest.raises(TermNotFound):
            reader.term_info(name, term)
        with pytest.raises(KeyError):
            reader.doc_frequency(name, term)
    assert reader._blocks >= len(text) // BLOCK_TERMS  # many blocks: lookups bisect them
    # Many terms at once (a search's candidates): each block scanned once, the inlined numbers decoded together.
    absent = [b"0", "dân_".encode(), "zzz".encode(), "từ00007x".encode(), b"d0"]
    for name, terms in fields.items():
        every = [term for term, _ in terms]
        for asked in [every, every[::7] + absent, rng.sample(every, min(len(every), 40)) + absent, absent, []]:
            got = reader.ids_many(name, asked)
            assert {t: (None if ids is None else ids.tolist()) for t, ids in got.items()} == {
                t: (None if len(p) == 4 else list(p[0])) for t, p in terms if t in asked}
    reader.close()


def test_an_empty_table_reads_as_empty(tmp_path):
    reader = _table(tmp_path, {}, {})
    assert list(reader.items()) == [] and ("text", b"a") not in reader
    with pytest.raises(TermNotFound):
        reader.term_info("text", b"a")


def test_keys_must_increase(tmp_path):
    table = TermTable(FileStorage(str(tmp_path)).create_file("t.trm"))
    table.start()
    table.add_many(b"\0\0", [b"b"], [varints([1, 0, 2, 0])])
    with pytest.raises(ValueError):
        table.add_many(b"\0\0", [b"a"], [varints([1, 0, 2, 0])])
    with pytest.raises(TypeError):
        table.add(b"\0\0c", b"")


def test_a_term_table_of_another_format_is_refused(tmp_path):
    storage = FileStorage(str(tmp_path))
    with storage.create_file("t.trm") as f:
        f.write(b"HSH3" + bytes(40))
    storage.create_file("t.pst").close()
    with pytest.raises(ValueError, match="rebuild"):
        TermFileReader(None, storage.open_file("t.trm"), storage.file_length("t.trm"), storage.open_file("t.pst"))


def test_varints_and_weights():
    assert varints([0, 127, 128, 2 ** 63]).hex() == "007f8001" + "80808080808080808001"
    for weight in (0.0, 1.0, 7.0, 0.5, 2.0 ** 70, 3.25, 2.0 ** 40 + 0.5):
        assert termfile._total(termfile._total_code(weight)) == weight
        if weight != 2.0 ** 40 + 0.5:  # not a float32: no posting weighs it
            assert termfile._weight(termfile.weight_code(weight)) == weight


def _docs(n: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    vocab = "dân vận nhân công tác đảng hoà giải 😀 ꙮ".split() + [f"từ{i}" for i in range(200)]
    return [Document(id=f"𝒟{seed}-{i}" + "x" * (i % 3) * 500, title=" ".join(rng.choices(vocab, k=rng.randint(0, 4))),
                     text=" ".join(rng.choices(vocab, k=rng.randint(1, 80))), province=rng.choice(["Nghệ An", None]))
            for i in range(n)]


def _answers(ix) -> tuple:
    """What search reads from an index: postings, frequencies and phrase masks of some terms."""
    with ix.reader() as reader:
        ranker = Ranker(reader)
        postings = {(field, term): tuple(a.tolist() for a in ranker.postings(field, term))
                    for field in ("text", "title", "text_folded") for term in
                    ("dân", "vận", "dân_vận", "dan_van", "từ7", "từ199", "😀", "nope")}
        frequencies = {key: ranker.doc_frequency(*key) for key in postings}
        phrases = {words: ranker.phrase_mask(Q.Phrase("text", list(words))).tolist()
                   for words in (("dân", "vận"), ("nhân", "dân", "công"), ("từ7", "dân"))}
        ids = sorted(reader.lexicon("id"))
    return postings, frequencies, phrases, ids


@pytest.mark.parametrize("long_from", [None, 40])  # 40: common syllables are read from the long-list files
def test_many_segments_merged_read_as_one_segment_written_at_once(tmp_path, monkeypatch, long_from):
    from indexer import longlists

    if long_from:
        monkeypatch.setattr(longlists, "MIN_POSTINGS", long_from)
        monkeypatch.setattr(segments, "INLINE_LIMIT", 16)  # below it, postings are in the term table
    docs = _docs(600, seed=1)
    schema = make_schema()
    (tmp_path / "one").mkdir(), (tmp_path / "many").mkdir()
    one = windex.create_in(str(tmp_path / "one"), schema)
    writer = FastSegmentWriter(one)
    for doc in docs:
        writer.add_document(**to_fields(doc))
    writer.commit()
    many = windex.create_in(str(tmp_path / "many"), schema)
    for start in range(0, len(docs), 60):
        writer = FastSegmentWriter(many)
        for doc in docs[start:start + 60]:
            writer.add_document(**to_fields(doc))
        writer.commit(merge=False)
    assert len(many.reader().leaf_readers()) == 10
    with one.reader() as reader:
        info = reader.term_info("text", "dân")
        assert isinstance(info, termfile.LongTermInfo) == bool(long_from)
        assert len(info.inlined_postings()[0]) == info.doc_frequency() > 40
    expected = _answers(one)
    assert _answers(many) == expected
    assert any(expected[2].values()) and expected[0][("title", "dân")][0]  # a test of something
    writer = FastSegmentWriter(many)
    writer.commit(optimize=True)  # Whoosh's merge reads every posting back through TermFileReader
    assert len(many.reader().leaf_readers()) == 1
    assert _answers(many) == expected


def test_the_term_table_is_much_smaller_than_whooshs(tmp_path):
    docs = _docs(400, seed=2)
    sizes = {}
    for name, make in (("whoosh", lambda ix: ix.writer(compound=False)), ("ours", FastSegmentWriter)):
        (tmp_path / name).mkdir()
        ix = windex.create_in(str(tmp_path / name), make_schema())
        writer = make(ix)
        for doc in docs:
            writer.add_document(**to_fields(doc))
        writer.commit(merge=False)
        sizes[name] = sum(p.stat().st_size for p in (tmp_path / name).glob("*.trm"))
    assert sizes["ours"] * 2 < sizes["whoosh"], sizes


def test_pairs_keep_their_frequency_not_their_positions(tmp_path):
    (tmp_path / "ix").mkdir()
    ix = windex.create_in(str(tmp_path / "ix"), make_schema())
    writer = FastSegmentWriter(ix)
    writer.add_document(**to_fields(Document(id="a", title="t", text="dân vận dân vận dân vận")))
    writer.commit()
    with ix.reader() as reader:
        matcher = reader.postings("text", "dân_vận")
        assert (matcher.weight(), matcher.value()) == (3.0, b"")
        matcher = reader.postings("text", "dân")
        assert np.frombuffer(matcher.value(), dtype="<u4").tolist() == [0, 2, 4]


class _Segment:
    """Names a long-list file as a segment would (``LongListWriter.write`` asks it for the file)."""

    def create_file(self, storage, ext):
        return storage.create_file("seg" + ext)


def test_long_lists_keep_each_run_in_the_narrowest_exact_type(tmp_path):
    from indexer.longlists import MIN_POSTINGS, LongListWriter, LongLists

    n = MIN_POSTINGS
    ids = np.arange(0, 3 * n, 3, dtype=np.uint32)
    small = [_positions(i % 7, 65_535) for i in range(n)]  # 16 bits hold them
    huge = [_positions(i, 70_000, 2 ** 32 - 1) for i in range(n)]
    writer = LongListWriter()
    writer.add("text", "dân", ids, np.full(n, 2, dtype=np.float32), b"".join(small))
    writer.add("text", "vận", ids, np.full(n, 3, dtype=np.float32), b"".join(huge))
    writer.add("text", "dân_vận", ids, np.full(n, 300, dtype=np.float32), b"")  # a pair: no positions
    writer.add("words", "cơ_sở", ids, np.linspace(0.5, 9, n, dtype=np.float32))  # boosted weights stay floats
    writer.add("text", "hiếm", ids[:5], np.ones(5, dtype=np.float32), b"".join(small[:5]))  # short: not listed
    writer.write(_Segment(), FileStorage(str(tmp_path)))
    lists = LongLists(str(tmp_path / "seg.dvp"))
    assert lists.postings("text", "hiếm") is None and lists.positions("text", "dân_vận") is None
    for term, weight, values in (("dân", 2, small), ("vận", 3, huge)):
        got_ids, counts, positions = lists.positions("text", term)
        assert got_ids.tolist() == ids.tolist() and counts.tolist() == [weight] * n
        assert positions.astype(np.int64).tolist() == np.frombuffer(b"".join(values), dtype="<u4").tolist()
    assert lists.positions("text", "dân")[2].dtype.itemsize == 2 and lists.positions("text", "vận")[2].dtype.itemsize == 4
    assert lists.postings("text", "dân_vận")[1].tolist() == [300] * n
    assert lists.postings("words", "cơ_sở")[1].tolist() == np.linspace(0.5, 9, n, dtype=np.float32).tolist()


def test_long_lists_keep_their_own_copy_of_a_fields_documents():
    """A long list held as a view of the field's sorted documents would keep that whole column alive until the
    segment is written: through the next fields' sorts, a worker's peak memory."""
    from indexer.longlists import MIN_POSTINGS, LongListWriter

    docs = np.arange(4 * MIN_POSTINGS, dtype=np.uint32)  # the field's column; one term's postings are a slice of it
    writer = LongListWriter()
    writer.add("text", "dân", docs[MIN_POSTINGS:3 * MIN_POSTINGS], np.ones(2 * MIN_POSTINGS, dtype=np.float32))
    assert not np.shares_memory(writer.ids[0], docs)
    assert writer.ids[0].tolist() == docs[MIN_POSTINGS:3 * MIN_POSTINGS].tolist()


def test_a_segment_with_whooshs_own_term_table_is_still_read(tmp_path):
    """Segments written before danvan's term tables (W3's hash file) are served until `danvan index` rebuilds."""
    from indexer.segments import Codec

    docs = _docs(50, seed=3)
    (tmp_path / "ix").mkdir()
    ix = windex.create_in(str(tmp_path / "ix"), make_schema())
    writer = ix.writer(compound=False)
    for doc in docs:
        writer.add_document(**to_fields(doc))
    writer.commit()
    with ix.reader() as reader:
        segment = reader.segment()
        expected = [(term, info.doc_frequency()) for term, info in reader]
    terms = Codec().terms_reader(ix.storage, segment)
    assert not isinstance(terms, TermFileReader)
    assert [(term, info.doc_frequency()) for term, info in terms.items()] == expected and len(expected) > 100
    terms.close()


def test_a_term_of_the_field_before_is_not_found_in_the_next_field(tmp_path):
    """A term below a field's first term lands in the last block of the field before: that block is not searched."""
    posts = ([0], [1.0], [b""])
    reader = _table(tmp_path, {"province": [(b"an giang", posts), (b"ha noi", posts)],
                               "province_2025": [(b"hue", posts)]}, {"province": RAW, "province_2025": RAW})
    for term in (b"an giang", b"ha noi"):
        assert ("province", term) in reader
        assert ("province_2025", term) not in reader
        with pytest.raises(TermNotFound):
            reader.term_info("province_2025", term)
        with pytest.raises(KeyError):
            reader.doc_frequency("province_2025", term)
    assert ("province_2025", b"hue") in reader
    reader.close()


def test_a_reader_open_before_a_merge_still_reads_long_lists_the_merge_deleted(tmp_path, monkeypatch):
    """Whoosh deletes merged segments' files at once; a reader opened before keeps every file it needs open."""
    from indexer import longlists

    monkeypatch.setattr(longlists, "MIN_POSTINGS", 10)
    monkeypatch.setattr(segments, "INLINE_LIMIT", 8)
    docs = _docs(300, seed=4)
    (tmp_path / "ix").mkdir()
    ix = windex.create_in(str(tmp_path / "ix"), make_schema())
    for start in (0, 150):
        writer = FastSegmentWriter(ix)
        for doc in docs[start:start + 150]:
            writer.add_document(**to_fields(doc))
        writer.commit(merge=False)
    reader = ix.reader()
    assert all(isinstance(leaf.term_info("text", "dân"), termfile.LongTermInfo) for leaf, _ in reader.leaf_readers())
    before = {p.name for p in (tmp_path / "ix").glob("*.dvp")}
    FastSegmentWriter(ix).commit(optimize=True)
    assert before and not before & {p.name for p in (tmp_path / "ix").glob("*.dvp")}  # the old files are gone
    with ix.reader() as merged:
        expected = list(merged.postings("text", "dân").all_ids())
        assert isinstance(merged.term_info("text", "dân"), termfile.LongTermInfo) and len(expected) > 20
    assert list(reader.postings("text", "dân").all_ids()) == expected
    reader.close()


@pytest.mark.parametrize("kind", [POSITIONS, RAW])
def test_many_terms_encoded_at_once_decode_as_each_was_given(kind):
    """encode_many (numpy, a chunk of terms at once) against decode_postings, term by term: position counts that
    are and are not the weights, fractional and large weights, Frequency bytes and other values, bare terms."""
    rng = random.Random(kind)
    counts, ids, weights, values, bare, expected = [], [], [], [], [], []
    for t in range(300):
        n = rng.randint(1, 40)
        docs = sorted(rng.sample(range(rng.choice([60, 70_000, 2**31])), n))
        if kind == POSITIONS:
            vals = [_positions(*sorted(rng.sample(range(rng.choice([40, 2**32 - 1])), rng.choice([0, 1, 3]))))
                    for _ in docs]
            ws = [float(len(v) // 4) if rng.random() < 0.8 else rng.choice([0.5, 2.0, 1e9]) for v in vals]
        else:
            ws = [rng.choice([1.0, 3.0, 0.25, 2.0**31]) for _ in docs]
            vals = [rng.choice([pack_uint(int(w)) if w == int(w) and w < 2**31 else b"?", b"", b"abc", pack_uint(7)])
                    for w in ws]
        is_bare = kind == POSITIONS and t % 5 == 0
        counts.append(n), ids.extend(docs), weights.extend(ws), values.extend(vals), bare.append(is_bare)
        expected.append((tuple(docs), tuple(float(np.float32(w)) for w in ws), tuple([b""] * n if is_bare else vals)))
    ends = np.cumsum([len(v) for v in values])
    bounds = np.column_stack((ends - [len(v) for v in values], ends)).astype(np.uint32)
    bodies = termfile.encode_many(np.array(ids, dtype=np.uint32), np.array(weights, dtype=np.float32),
                                  np.array(counts), b"".join(values), bounds, kind, np.array(bare))
    assert [termfile.decode_postings(body, kind) for body in bodies] == expected
    assert bodies[7] == encode_postings(*expected[7], kind)  # one term alone: the same bytes


@pytest.mark.parametrize("writer", ["ours", "whoosh"])
def test_a_fields_ids_read_a_block_at_a_time_are_each_terms_postings(tmp_path, monkeypatch, writer):
    """``whoosh_internals.field_ids`` (what an export's ids by doc number read): for every field, each term's
    documents as its postings give them, whether inlined (one, two, many), in W3 blocks or in a long-list file,
    and for a segment with Whoosh's own term table."""
    from indexer import longlists, whoosh_internals

    monkeypatch.setattr(longlists, "MIN_POSTINGS", 40)
    monkeypatch.setattr(segments, "INLINE_LIMIT", 16)
    docs = _docs(300, seed=4)
    docs += [Document(id=d.id, title="bản sao", text=d.text) for d in docs[:5]]  # an id with two postings
    ix = windex.create_in(str(tmp_path), make_schema())
    w = FastSegmentWriter(ix) if writer == "ours" else ix.writer(compound=False)
    for d in docs:
        w.add_document(**to_fields(d))
    w.commit()
    with ix.reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        assert isinstance(leaf._terms, TermFileReader) == (writer == "ours")
        sizes = set()
        for field in ("id", "text", "title", "province", "nope"):
            got = [(t, list(ids)) for t, ids in whoosh_internals.field_ids(leaf, field)]
            expected = [(t, whoosh_internals.term_ids(leaf, field, t.decode("utf-8")).tolist())
                        for t in (reader.lexicon(field) if field != "nope" else [])]
            assert got == expected, field
            sizes |= {len(ids) for _t, ids in got}
        assert {1, 2} <= sizes and max(sizes) > 40  # one, two and many documents a term


def test_blocks_are_read_from_a_map_of_the_table_not_by_seek_and_read(tmp_path, monkeypatch):
    """Lookups read the mapped file: no seek() + read() per block (a file position shared by threads and workers)."""
    from whoosh.filedb.structfile import StructFile

    terms = sorted((f"từ{i:04d}".encode(), ([i, i + 7], [1.0, 2.0], [b"", b""])) for i in range(200))
    reader = _table(tmp_path, {"words": terms}, {"words": RAW})

    def refuse(*args):
        raise AssertionError("a block read with seek() + read()")
    monkeypatch.setattr(StructFile, "get", refuse)
    assert reader._blocks > 3
    for term, posts in terms[::13]:
        assert list(reader.term_info("words", term).inlined_postings()[0]) == posts[0]
    assert [ids.tolist() for ids in reader.ids_many("words", [t for t, _ in terms]).values()] == [
        p[0] for _, p in terms]
    reader.close()


def test_readers_of_one_file_share_its_directory_read_once(tmp_path, monkeypatch):
    """Each server thread's searcher opens its own readers of every term table: the block directory (first keys,
    offsets, field map) is read once per file and shared, not read again per reader (~13 ms a segment at 100k)."""
    import gc

    terms = sorted((f"từ{i:04d}".encode(), ([i, i + 7], [1.0, 2.0], [b"", b""])) for i in range(200))
    first = _table(tmp_path, {"words": terms}, {"words": RAW})
    storage = FileStorage(str(tmp_path))
    again = TermFileReader(None, storage.open_file("t.trm"), storage.file_length("t.trm"), storage.open_file("t.pst"))
    assert again._first_keys is first._first_keys and again._block_offsets is first._block_offsets
    assert [again.term_info("words", t).inlined_postings()[0] for t, _ in terms[::7]] == [
        first.term_info("words", t).inlined_postings()[0] for t, _ in terms[::7]]
    first.close(), again.close()
    del first, again
    gc.collect()
    assert not termfile._directories  # held by its readers only: a rebuilt index's old tables are let go

    # The file written again in place while a reader of the old one is open: the new table is read, not the old one's.
    old = _table(tmp_path, {"words": terms}, {"words": RAW})
    new = _table(tmp_path, {"words": terms[:40]}, {"words": RAW})
    assert new._blocks < old._blocks and new._first_keys is not old._first_keys
    assert new.term_info("words", terms[0][0]).inlined_postings()[0] == (0, 7)
    old.close(), new.close()
