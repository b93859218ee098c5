"""Writing Whoosh segments with less Python work per posting.

Whoosh's own segment writer handles every posting several times in Python:
it appends a tuple to a sorting pool, pickles it to a run file when the pool
is full, reads it back in a heap merge, then hands it to the codec one call
at a time, and the codec makes objects per term.  Here a document's postings
are appended to flat arrays as it arrives (a text field's syllables grouped
a batch of documents at a time with numpy, a pair of syllables as the key of
their ids, a folded text's syllables through the unfolded text's ids, a
keyword field's terms without a Token each), and go to temporary files
beside the index as they grow (a worker then holds one field's postings at
a time, the one being written); when the segment is written they are read
back a field at a time, sorted by term with numpy and encoded
(:mod:`indexer.w3files` for the postings blocks, :mod:`indexer.termfile` for
the term table).  Postings blocks, per-document files and the TOC are W3's;
the term table is danvan's own, read through :class:`Codec`, which each
segment carries: Whoosh's readers, merges and deletions work on these
segments unchanged.
"""
from __future__ import annotations

import tempfile
from array import array
from collections import Counter
from itertools import accumulate, compress, count, islice, repeat
from operator import is_

import numpy as np
from whoosh.analysis import CompositeAnalyzer, IDTokenizer, RegexTokenizer, StripFilter
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermsReader
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint, pack_ushort

from indexer.analysis import JOINER, fold_all, fold_syllable, syllables_and_joins
from indexer.longlists import LongListWriter, open_segment
from indexer.schema import SyllableText
from indexer.termfile import (POSITIONS, RAW, TermFileReader, TermTable, encode_extent, encode_long, encode_many,
                              is_term_file)
from indexer.w3files import PackedValues, Postings, take_rows, write_blocks
from indexer.whoosh_internals import FieldWriterParts, HookedSegmentWriter, swap_term_table

# Terms with fewer postings than this are kept in the term table itself
# (varints, see indexer.termfile), not as W3 blocks in the postings file,
# whose header pickles cost ~50 bytes a term: most pair terms occur a few
# times.  Measured on 800 news articles: 4 -> 10.5 MB of term table and
# postings, 16 -> 6.6, 64 -> 5.9, 128 -> 5.7, 256 -> 5.5.
INLINE_LIMIT = 128
# A block with fewer postings than this is not zlib-compressed: compressing
# a few bytes costs a zlib set-up per term and saves nothing.
COMPRESS_MIN = 16
COMPRESSION = 3
# Postings per block (Whoosh: 128).  The ranker decodes a block at a time with
# numpy, so longer blocks mean less Python per posting read: at 10k documents
# 1024 took the cold query mix from p95 71 to 62 ms.
BLOCK_LIMIT = 1024
# Inline terms encoded together: bounds the temporary arrays (~100 bytes a posting) of a segment's largest field.
INLINE_TERMS = 16384
# Syllables of a text field's documents pooled together (their grouping is a few numpy calls per batch, not
# per document).
POSITIONS_BATCH = 1 << 18
# A field's pool writes its postings to temporary files once they hold this many bytes in memory, and reads them
# back when the segment writes that field: a worker holds one field's postings at a time, not every field's (the
# peak that sets how large segments can be, and so how many each query reads, issue 20).
SPILL_BYTES = 16 << 20
JOINER_BYTES = JOINER.encode("utf-8")  # in a SyllableText term: an adjacent pair
_UNSEEN = np.uint32(0xFFFFFFFF)  # in a fold map: a syllable not folded yet


class Codec(W3Codec):
    """Whoosh's W3 codec with danvan's term table (:mod:`indexer.termfile`), written a field at a time."""

    def field_writer(self, storage, segment):
        writer = W3FieldWriter(self, storage, segment)
        table = swap_term_table(writer, TermTable)  # the table W3FieldWriter opened, writing indexer.termfile's
        table.start()
        table.inline_limit = INLINE_LIMIT
        return writer

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        dbfile, length = storage.open_file(name), storage.file_length(name)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        if is_term_file(dbfile, length):
            # The long lists are mapped now, as Whoosh opens the other files: a merge deletes them at its commit.
            lists = open_segment(storage, segment)
            return TermFileReader(self, dbfile, length, postfile, lambda: lists)
        # Written before SCHEMA_VERSION 7 (W3's own table): served until `danvan index` rebuilds it.
        return W3TermsReader(self, dbfile, length, postfile)


class TermPool:
    """The postings of one segment, by field, as flat arrays.

    It stands in for Whoosh's ``PostingPool``: ``add`` takes Whoosh's
    ``(fieldname, termbytes, docnum, weight, valuebytes)`` items (segment
    merges use it), ``add_terms`` a document's terms for one field and
    ``add_text`` a :class:`SyllableText` field's value.  Postings are
    sorted by term and document only when the segment is written
    (:class:`indexer.w3files.Postings`).
    """

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder  # where fields' postings are spilled (None: the system's temporary directory)
        self.fields: dict[str, _FieldPool] = {}
        # (docnum, value, field pool, syllable ids, joins) of the last unfolded SyllableText field added
        self._unfolded: tuple | None = None

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        # A merge reads formats without values (ID fields) as None; Whoosh's writers write b"".
        self.add_terms(fieldname, docnum, [_text(tbytes)], [weight], [b"" if vbytes is None else vbytes])

    def add_terms(self, fieldname: str, docnum: int, terms: list[str], weights: list[float],
                  values: list[bytes]) -> None:
        """Add one document's terms for one field, with each term's weight and value bytes."""
        pool = self._field(fieldname)
        if pool.batch:  # a merge's postings after documents' (one writer may do both): theirs first
            pool._group()
        if len(terms) == 1:  # an ID field's value: most of a document's fields, one term each
            pool.term_of.append(pool.id_of(terms[0]))
            pool.docs.append(docnum)
            pool.weights.append(weights[0])
            pool.values += values[0]
            pool.ends.append(pool.spilled_values + len(pool.values))
        else:
            pool.term_of.extend(pool.ids(terms))
            pool.docs.extend(array("I", (docnum,)) * len(terms))
            pool.weights.extend(weights)
            pool.ends.extend(islice(accumulate(map(len, values), initial=pool.spilled_values + len(pool.values)), 1,
                                    None))
            pool.values += b"".join(values)
        pool.spill_if_full()

    def add_text(self, fieldname: str, docnum: int, value: str, folded: bool) -> int:
        """Add one document's :class:`SyllableText` field: its syllables (each at its index) and pairs; return its
        length (syllables + pairs).

        A folded field whose value is the unfolded field's just added (``title`` and ``title_folded`` hold one
        text) is not analysed again: its syllables are the unfolded ones' ids through a fold map, each distinct
        syllable folded once per segment.
        """
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        pool = self._field(fieldname)
        last = self._unfolded
        if folded and last is not None and last[0] == docnum and (last[1] is value or last[1] == value):
            _, _, source, ids, joined = last
            ids = pool.folded_ids(source, ids)
        else:
            syllables, joins = syllables_and_joins(value)
            if folded:
                syllables = fold_all(syllables)
            ids = pool.id_array(syllables)
            joined = np.array(joins, dtype=bool)
            if not folded:
                self._unfolded = (docnum, value, pool, ids, joined)
        return pool.add_positions(fieldname, docnum, ids, joined)

    def _field(self, fieldname: str) -> _FieldPool:
        pool = self.fields.get(fieldname)
        if pool is None:
            pool = self.fields[fieldname] = _FieldPool(self.folder)
        return pool

    def write(self, fieldwriter, schema, lengths, longlists: LongListWriter) -> None:
        """Write every field's terms and postings into a W3 field writer's files.

        ``lengths`` is the segment's per-document reader: term infos and
        blocks record the shortest and longest field length of their
        documents, as Whoosh's own writer does.  ``longlists`` gets the
        terms with long posting lists.
        """
        self._unfolded = None  # it holds a field's pool, which is let go of once written
        for fieldname in sorted(self.fields):
            fieldobj = schema[fieldname]
            postings = self.fields.pop(fieldname).sorted(_field_lengths(lengths, fieldname, fieldobj))
            fieldwriter.start_field(fieldname, fieldobj)
            _write_field(fieldwriter, fieldobj, postings, longlists)
            fieldwriter.finish_field()
            del postings  # before the next field's are read and sorted

    def cleanup(self) -> None:
        for pool in self.fields.values():
            pool.spill.close()
        self.fields.clear()
        self._unfolded = None


class _FieldPool:
    """One field's postings in the order they came: term id, document number, weight, value.

    The values (a position list, mostly) are packed in one buffer with each
    one's end: a bytes object per posting cost ~40 bytes more (issue 20).
    The columns are written to a :class:`_Spill` whenever they hold
    :data:`SPILL_BYTES` (:meth:`spill_if_full`) and read back, in the same
    order, when the field is written (:meth:`sorted`).
    """

    __slots__ = ("term_ids", "names", "term_of", "docs", "weights", "values", "ends", "pair_keys", "pair_docs",
                 "pair_weights", "fold_maps", "batch", "batched", "spill", "spilled_values")

    def __init__(self, folder: str | None = None) -> None:
        self.term_ids: dict[str, int] = {}
        self.names: list[str] = []  # the terms by id
        self.term_of = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.values = bytearray()
        self.ends = array("I")  # uint32: a field's values in one segment stay far below 4 GiB
        # A pair's postings until the segment is written: its two syllables' ids as one key, document, count.
        self.pair_keys = array("Q")
        self.pair_docs = array("I")
        self.pair_weights = array("f")
        self.fold_maps: dict[int, np.ndarray] = {}  # id(unfolded pool) -> its syllable id -> this pool's id
        self.batch: list[tuple[int, np.ndarray, np.ndarray]] = []  # (docnum, ids, joined) not pooled yet
        self.batched = 0  # their syllables
        self.spill = _Spill(folder)
        self.spilled_values = 0  # bytes of values in the spill: where the values in memory start

    def spill_if_full(self) -> None:
        """Move the columns to the spill if they hold :data:`SPILL_BYTES` or more."""
        if len(self.values) + 16 * (len(self.docs) + len(self.pair_docs)) < SPILL_BYTES:
            return
        self.spilled_values += len(self.values)
        for name in _COLUMNS:
            column = getattr(self, name)
            self.spill.add(name, column)
            setattr(self, name, bytearray() if name == "values" else array(column.typecode))

    def _column(self, name: str, dtype, tail: np.ndarray | None = None) -> np.ndarray:
        """Column ``name`` whole (its spilled part, then the part in memory, then ``tail``) as a numpy array, which
        the pool lets go of."""
        memory = np.frombuffer(getattr(self, name), dtype=dtype)
        setattr(self, name, array(getattr(self, name).typecode))
        tail = np.empty(0, dtype) if tail is None else tail
        spilled = self.spill.size(name) // memory.itemsize
        if not spilled and not len(tail):
            return memory  # nothing to join: no copy
        column = np.empty(spilled + len(memory) + len(tail), dtype=dtype)
        self.spill.read_into(name, column[:spilled])
        column[spilled:spilled + len(memory)] = memory
        column[spilled + len(memory):] = tail
        return column

    def ids(self, terms) -> list[int]:
        """Each term's id in this field, new terms numbered as they come."""
        found = list(map(self.term_ids.get, terms))  # a lookup a term while all are known (most documents)
        return self._numbered(terms, found) if None in found else found

    def _numbered(self, terms, found: list[int | None]) -> list[int]:
        """:meth:`ids` of terms some of which are new (``found``: their ids, None where new)."""
        ids = self.term_ids
        new = list(dict.fromkeys(compress(terms, map(is_, found, repeat(None)))))
        ids.update(zip(new, count(len(ids))))
        self.names += new
        return list(map(ids.__getitem__, terms))

    def id_of(self, term: str) -> int:
        """:meth:`ids` of one term."""
        found = self.term_ids.get(term)
        if found is None:
            found = self.term_ids[term] = len(self.names)
            self.names.append(term)
        return found

    def id_array(self, terms) -> np.ndarray:
        """:meth:`ids` as uint32."""
        found = list(map(self.term_ids.get, terms))
        try:
            return np.array(found, dtype=np.uint32)
        except TypeError:  # None: a new term
            return np.array(self._numbered(terms, found), dtype=np.uint32)

    def folded_ids(self, source: "_FieldPool", ids: np.ndarray) -> np.ndarray:
        """This (folded) field's ids of the syllables ``source`` numbers ``ids``; each new one is folded once."""
        fold_map = self.fold_maps.get(id(source))
        if fold_map is None or len(fold_map) < len(source.names):
            grown = np.full(max(1024, 2 * len(source.names)), _UNSEEN, dtype=np.uint32)
            if fold_map is not None:
                grown[:len(fold_map)] = fold_map
            fold_map = self.fold_maps[id(source)] = grown
        folded = fold_map[ids]
        unseen = folded == _UNSEEN
        if unseen.any():  # only syllables that occur: a term without postings must not enter the table
            new = np.unique(ids[unseen])
            fold_map[new] = self.ids([fold_syllable(source.names[i]) for i in new.tolist()])
            folded = fold_map[ids]
        return folded

    def add_positions(self, fieldname: str, docnum: int, ids: np.ndarray, joined: np.ndarray) -> int:
        """Add one document's syllables (their ids, each at its index) and its pairs (``joined[i]``: syllables i
        and i + 1 make one); return the number of both.

        A syllable's postings value is its positions as ``SyllablePositions``
        bytes, and its weight their number (these fields have no boosts); a
        pair keeps no positions (phrases are matched on syllables), only its
        number of occurrences as its weight.  Documents wait in a batch
        (:data:`POSITIONS_BATCH` syllables) that is grouped with numpy at once (:meth:`_group`).
        """
        if not len(ids):
            return 0
        if self.spilled_values + len(self.values) + 4 * (self.batched + len(ids)) >= 1 << 32:  # the ends are uint32
            raise OverflowError(f"field {fieldname!r}: over 4 GiB of positions in one segment")
        self.batch.append((docnum, ids, joined))
        self.batched += len(ids)
        if self.batched >= POSITIONS_BATCH:
            self._group()
            self.spill_if_full()
        return len(ids) + int(np.count_nonzero(joined))

    def _group(self) -> None:
        """Pool the batch's documents: each one's syllables grouped by id (positions in order), then its pairs
        counted, the documents in the order they came.

        Both are sorts of packed values (a document's index in the batch, a syllable id and the syllable's index;
        the document's index and a pair's two ids) by numpy's sort, about twice as fast as an argsort or lexsort
        of keys; a batch whose numbers do not fit 64 bits is grouped by keys (:meth:`_group_by_keys`).
        """
        batch, self.batch, self.batched = self.batch, [], 0
        if not batch:
            return
        sizes = np.array([len(ids) for _, ids, _ in batch], dtype=np.int64)
        firsts = np.cumsum(sizes) - sizes
        ids = np.concatenate([ids for _, ids, _ in batch])
        batch_docs = np.array([docnum for docnum, _, _ in batch], dtype=np.uint32)
        joined = np.zeros(len(ids), dtype=bool)  # at each document's last syllable: False
        within = np.ones(len(ids), dtype=bool)
        within[firsts + sizes - 1] = False
        joined[within] = np.concatenate([pairs for _, _, pairs in batch])
        doc_bits, id_bits, at_bits = _bits(len(batch) - 1), _bits(int(ids.max())), _bits(len(ids) - 1)
        if doc_bits + id_bits + max(at_bits, id_bits) > 64:
            self._group_by_keys(batch_docs, sizes, firsts, ids, joined)
            return
        # By document, then syllable id, then index: a syllable's positions (its indexes in the document) in order.
        which = np.repeat(np.arange(len(batch), dtype=np.uint64), sizes)
        wide = ids.astype(np.uint64)
        packed = which << np.uint64(id_bits + at_bits)
        packed |= wide << np.uint64(at_bits)
        packed |= np.arange(len(ids), dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << at_bits) - 1)).astype(np.int64)
        packed >>= np.uint64(at_bits)  # (document, syllable id)
        bounds = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1], [True])))
        self.ends.frombytes((bounds[1:] * 4 + (self.spilled_values + len(self.values))).astype(np.uint32).tobytes())
        self.values += (order - np.repeat(firsts, sizes)).astype("<u4").tobytes()  # a syllable's position: its index
        del order
        self.weights.frombytes(np.diff(bounds).astype(np.float32).tobytes())
        packed = packed[bounds[:-1]]
        self.term_of.frombytes((packed & np.uint64((1 << id_bits) - 1)).astype(np.uint32).tobytes())
        self.docs.frombytes(batch_docs[(packed >> np.uint64(id_bits)).astype(np.int64)].tobytes())
        del packed
        at = np.flatnonzero(joined[:-1])
        if not len(at):
            return
        # Pairs: syllable i and i + 1 of one document where joined, counted per document, by their two ids.
        pairs = which[at] << np.uint64(2 * id_bits)
        pairs |= wide[at] << np.uint64(id_bits)
        pairs |= wide[at + 1]
        del which, wide, at
        pairs.sort()
        bounds = np.flatnonzero(np.concatenate(([True], pairs[1:] != pairs[:-1], [True])))
        pairs = pairs[bounds[:-1]]
        self.pair_weights.frombytes(np.diff(bounds).astype(np.float32).tobytes())
        ends = pairs & np.uint64((1 << id_bits) - 1)
        pairs >>= np.uint64(id_bits)  # (document, first id)
        self.pair_docs.frombytes(batch_docs[(pairs >> np.uint64(id_bits)).astype(np.int64)].tobytes())
        pairs &= np.uint64((1 << id_bits) - 1)
        pairs <<= np.uint64(32)
        pairs |= ends
        self.pair_keys.frombytes(pairs.tobytes())

    def _group_by_keys(self, batch_docs: np.ndarray, sizes: np.ndarray, firsts: np.ndarray, ids: np.ndarray,
                       joined: np.ndarray) -> None:
        """:meth:`_group` by an argsort of (document, syllable id) keys and a lexsort of pairs (any numbers)."""
        docs = np.repeat(batch_docs, sizes)
        keys = (docs.astype(np.uint64) << np.uint64(32)) | ids
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        bounds = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1], [True])))
        starts = bounds[:-1]
        self.ends.frombytes((bounds[1:] * 4 + (self.spilled_values + len(self.values))).astype(np.uint32).tobytes())
        self.values += (order - np.repeat(firsts, sizes)).astype("<u4").tobytes()  # a syllable's position: its index
        self.term_of.frombytes(ids[order][starts].tobytes())
        self.weights.frombytes(np.diff(bounds).astype(np.float32).tobytes())
        self.docs.frombytes(docs[order][starts].tobytes())
        del order, keys, bounds, starts
        wide = ids.astype(np.uint64)
        at = np.flatnonzero(joined[:-1])
        if not len(at):
            return
        pairs = (wide[at] << np.uint64(32)) | wide[at + 1]
        pair_docs = docs[at]
        order = np.lexsort((pairs, pair_docs))
        pairs, pair_docs = pairs[order], pair_docs[order]
        bounds = np.flatnonzero(np.concatenate(([True], (pairs[1:] != pairs[:-1]) | (pair_docs[1:] != pair_docs[:-1]),
                                                [True])))
        self.pair_keys.frombytes(pairs[bounds[:-1]].tobytes())
        self.pair_weights.frombytes(np.diff(bounds).astype(np.float32).tobytes())
        self.pair_docs.frombytes(pair_docs[bounds[:-1]].tobytes())

    def _pairs(self, termbytes: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs' postings (term ids, documents, weights), their terms (their syllables' bytes joined by JOINER)
        added to ``termbytes`` (the terms by id).

        A pair's term is made once per distinct pair, as bytes, and enters no dict: no syllable holds JOINER, so
        pairs are new terms unless a merge brought some (then each is looked up).
        """
        keys = self._column("pair_keys", np.uint64)  # rewritten in place: a worker's peak memory
        if not len(keys):
            return np.empty(0, np.uint32), self._column("pair_docs", np.uint32), self._column("pair_weights", np.float32)
        second_bits = _bits(len(termbytes) - 1)  # the keys with their second id in as many bits as it needs
        seconds = keys & np.uint64(0xFFFFFFFF)
        keys >>= np.uint64(32)
        keys <<= np.uint64(second_bits)
        keys |= seconds
        del seconds
        keys, term_of = unique_inverse(keys)
        pairs: list[bytes] = []
        for first in range(0, len(keys), 1 << 16):  # a chunk at a time: a Python int a key costs 32 bytes
            chunk = keys[first:first + (1 << 16)]
            pairs += [termbytes[a] + JOINER_BYTES + termbytes[b]
                      for a, b in zip((chunk >> np.uint64(second_bits)).tolist(),
                                      (chunk & np.uint64((1 << second_bits) - 1)).tolist())]
        del keys, chunk
        if any(JOINER_BYTES in term for term in termbytes):  # a merge's pairs among the terms: one id a term
            known = dict(zip(termbytes, count()))
            ids = np.array([known.setdefault(term, len(known)) for term in pairs], dtype=np.uint32)
            termbytes += list(known)[len(termbytes):]
        else:
            ids = np.arange(len(termbytes), len(termbytes) + len(pairs), dtype=np.uint32)
            termbytes += pairs
        del pairs
        return ids[term_of], self._column("pair_docs", np.uint32), self._column("pair_weights", np.float32)

    def sorted(self, lengths: np.ndarray | None) -> Postings:
        """The postings sorted for writing: the syllables' (or terms') then the pairs', read back from the spill
        as they were added; this pool lets go of its terms and values (a worker's peak memory)."""
        self._group()
        termbytes = [_bytes(term) for term in self.names]
        self.term_ids, self.names = {}, []
        pair_ids, pair_docs, pair_weights = self._pairs(termbytes)
        columns = [self._column("term_of", np.uint32, pair_ids)]
        del pair_ids
        columns.append(self._column("docs", np.uint32, pair_docs))
        del pair_docs
        columns.append(self._column("weights", np.float32, pair_weights))
        del pair_weights
        return Postings(termbytes, columns, self._packed(len(columns[0])), lengths)

    def _packed(self, count: int) -> PackedValues:
        """The values of ``count`` postings as :class:`PackedValues` (the pool lets go of them: values are copied
        once); the postings after the pooled ends (the pairs) have none."""
        if self.spill.size("values"):  # the rest after it, to be read back in one piece
            self.spill.add("values", self.values)
            buffer = self.spill.read("values")
        else:
            buffer = bytes(self.values)
        self.values = bytearray()
        ends = self._column("ends", np.uint32)
        bounds = np.empty((count, 2), dtype=np.uint32)
        bounds[:len(ends), 1] = ends
        bounds[len(ends):, 1] = len(buffer)  # no value bytes
        del ends
        bounds[0:1, 0] = 0
        bounds[1:, 0] = bounds[:-1, 1]
        self.spill.close()
        return PackedValues(buffer, bounds)


class _Spill:
    """A pool's columns appended to unnamed temporary files in ``folder`` (gone when closed or when the process
    dies: a killed worker leaves nothing behind), one file a column."""

    __slots__ = ("folder", "files")

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self.files: dict = {}

    def add(self, name: str, column) -> None:
        if not len(column):
            return
        file = self.files.get(name)
        if file is None:
            file = self.files[name] = tempfile.TemporaryFile(dir=self.folder)
        file.write(column)

    def size(self, name: str) -> int:
        file = self.files.get(name)
        return 0 if file is None else file.tell()

    def read_into(self, name: str, out: np.ndarray) -> None:
        """Fill ``out`` with column ``name``'s spilled bytes (all of them) and close its file."""
        file = self.files.pop(name, None)
        if file is None:
            return
        with file:
            file.seek(0)
            view = memoryview(out).cast("B")
            done = 0
            while done < len(view):
                got = file.readinto(view[done:])
                if not got:
                    raise OSError(f"spilled column {name!r}: {done} of {len(view)} bytes read back")
                done += got

    def read(self, name: str) -> bytes:
        """Column ``name``'s spilled bytes (b"" if none), its file closed."""
        file = self.files.pop(name, None)
        if file is None:
            return b""
        with file:
            file.seek(0)
            return file.read()

    def close(self) -> None:
        for file in self.files.values():
            file.close()
        self.files.clear()


_COLUMNS = ("term_of", "docs", "weights", "values", "ends", "pair_keys", "pair_docs", "pair_weights")


def _bits(n: int) -> int:
    """Bits that hold the numbers 0 to ``n`` (at least one)."""
    return max(1, n.bit_length())


def unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` of uint64 ``keys`` (the inverse as uint32 below 4 G keys), by a sort
    of each key with its index in the low bits (when both fit 64 bits) instead of an argsort: twice as fast.
    ``keys`` is overwritten (sorted in place: a worker's peak memory).

    >>> [a.tolist() for a in unique_inverse(np.array([7, 3, 7, 0], dtype=np.uint64))]
    [[0, 3, 7], [2, 1, 2, 0]]
    """
    n = len(keys)
    at_bits = _bits(n - 1)
    if not n or _bits(int(keys.max())) + at_bits > 64:
        return np.unique(keys, return_inverse=True)
    packed = keys
    packed <<= np.uint64(at_bits)
    for first in range(0, n, 1 << 20):  # an index a key, without a second array as long
        packed[first:first + (1 << 20)] |= np.arange(first, min(n, first + (1 << 20)), dtype=np.uint64)
    packed.sort()
    at = (packed & np.uint64((1 << at_bits) - 1)).view(np.intp)
    packed >>= np.uint64(at_bits)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(packed[1:], packed[:-1], out=new[1:])
    group = np.cumsum(new, dtype=np.uint32 if n < 1 << 32 else np.intp)
    group -= 1
    inverse = np.empty_like(group)
    inverse[at] = group
    return packed[new], inverse


def _write_field(fieldwriter, fieldobj, postings: Postings, longlists: LongListWriter) -> None:
    """Write one field's term table rows and postings blocks (see :mod:`indexer.termfile`, :mod:`indexer.w3files`).

    The terms with fewer than :data:`INLINE_LIMIT` postings (most of them)
    are encoded together with numpy (:func:`indexer.termfile.encode_many`);
    only the long ones are written a term at a time.
    """
    parts = FieldWriterParts(fieldwriter)
    postfile = parts.postfile
    fixed_size = fieldobj.format.fixed_value_size()
    keep_positions = isinstance(fieldobj, SyllableText)
    kind = POSITIONS if keep_positions else RAW
    table = parts.term_table
    table.kinds[parts.field_name] = kind
    prefix = pack_ushort(parts.field_id)
    docs, weights, values = postings.docs, postings.weights, postings.values
    counts = postings.counts
    # A pair keeps no positions: phrases are matched on syllables (a merge may bring them from a W3 block).
    bare = np.array([JOINER_BYTES in term for term in postings.terms], dtype=bool) if keep_positions else None
    rows: list[bytes | None] = [None] * len(counts)  # each term's body in the term table
    inline = np.flatnonzero(counts < INLINE_LIMIT)
    ends = np.cumsum(counts[inline])
    inline_postings = np.flatnonzero(np.repeat(counts < INLINE_LIMIT, counts))
    for first in range(0, len(inline), INLINE_TERMS):  # a chunk at a time: numpy's arrays are a few per posting
        chunk = inline[first:first + INLINE_TERMS]
        low, high = int(ends[first] - counts[chunk[0]]), int(ends[first + len(chunk) - 1])
        picked = inline_postings[low:high]
        bodies = encode_many(docs[picked], weights[picked], counts[chunk], values.buffer,
                             take_rows(values.bounds, picked), kind, bare[chunk] if bare is not None else None)
        for i, body in zip(chunk.tolist(), bodies):
            rows[i] = body
    starts = postings.starts
    long_terms = np.flatnonzero(counts >= INLINE_LIMIT)
    totals = np.add.reduceat(weights.astype(np.float64), starts)[long_terms].tolist() if len(counts) else []
    for total, i in zip(totals, long_terms.tolist()):
        start, end = int(starts[i]), int(starts[i] + counts[i])
        term, count = postings.terms[i], end - start
        if keep_positions and longlists.holds(count):  # the long-list file has all of it: no W3 blocks
            longlists.add(parts.field_name, _text(term), docs[start:end], weights[start:end],
                          None if bare[i] else values.joined(start, end))
            rows[i] = encode_long(count, total)
            continue
        longlists.add(parts.field_name, _text(term), docs[start:end], weights[start:end])  # it keeps only long lists
        term_values = [b""] * count if bare is not None and bare[i] else values[start:end]
        lengths = postings.lengths(start, end)
        extent = write_blocks(postfile, docs[start:end].tolist(), weights[start:end].tolist(), term_values,
                              lengths.tolist() if lengths is not None else None,
                              fixed_size, BLOCK_LIMIT, COMPRESS_MIN, COMPRESSION)
        rows[i] = encode_extent(count, total, *extent)
    table.add_many(prefix, postings.terms, rows)


def _postings(field, value) -> tuple[list[str], list[float], list[bytes], int]:
    """The terms, weights and value bytes Whoosh's ``field.index(value)`` gives, and the field's length.

    A field analysed by a bare tokenizer (a regular expression's matches, as
    ``words`` and other KEYWORD fields, or the whole value, as ID fields) into
    a format of frequencies or bare existence is indexed without a Token per
    term: ``words`` alone is a few hundred terms a document.
    """
    terms = _plain_terms(field.analyzer, value)
    kind, boost = type(field.format), field.format.field_boost
    if terms is not None and kind is Frequency:
        counted = Counter(terms)
        return (list(counted), [n * boost for n in counted.values()], list(map(pack_uint, counted.values())),
                len(terms))
    if terms is not None and kind is Existence:
        unique = list(dict.fromkeys(terms))
        return unique, [boost] * len(unique), [b""] * len(unique), len(unique)
    postings = list(field.index(value))
    return ([_text(tbytes) for tbytes, _, _, _ in postings], [weight for _, _, weight, _ in postings],
            [vbytes for _, _, _, vbytes in postings], sum(freq for _, freq, _, _ in postings))


def _plain_terms(analyzer, value) -> list[str] | None:
    """Every token's text ``analyzer`` makes of ``value`` if it is a bare ``IDTokenizer`` or ``RegexTokenizer``
    (no filters, matches as tokens), or such a ``RegexTokenizer | StripFilter`` (Whoosh's
    ``CommaSeparatedTokenizer``: the comma KEYWORD fields), else None."""
    if not isinstance(value, str):
        return None
    if type(analyzer) is IDTokenizer:
        return [value]
    if _bare(analyzer):
        return analyzer.expression.findall(value)
    if type(analyzer) is CompositeAnalyzer and len(analyzer.items) == 2 and _bare(analyzer.items[0]) \
            and type(analyzer.items[1]) is StripFilter:
        return [token.strip() for token in analyzer.items[0].expression.findall(value)]
    return None


def _bare(tokenizer) -> bool:
    """Whether ``tokenizer`` is a ``RegexTokenizer`` whose tokens are its expression's matches."""
    return type(tokenizer) is RegexTokenizer and not tokenizer.gaps and not tokenizer.expression.groups


def _text(tbytes: bytes) -> str:
    """A term's bytes as the pool's str key; :func:`_bytes` gives them back exactly."""
    return tbytes.decode("utf-8", "surrogateescape")


def _bytes(term: str) -> bytes:
    return term.encode("utf-8", "surrogateescape")


def _field_lengths(lengths, fieldname: str, fieldobj) -> np.ndarray | None:
    if lengths is None or not fieldobj.scorable:
        return None
    return np.fromiter((lengths.doc_field_length(docnum, fieldname) or 0 for docnum in range(lengths.doc_count_all())),
                       dtype=np.int64)


class FastSegmentWriter(HookedSegmentWriter):
    """Whoosh's segment writer with a :class:`TermPool`, writing plain (not compound) segment files.

    Documents are added without boosts, spelling fields or term vectors,
    none of which the danvan schema uses.
    """

    def __init__(self, ix, **kwargs) -> None:
        kwargs.setdefault("codec", Codec())
        # Plain segment files, memory-mapped and shared through the page cache
        # (Whoosh copies each sub-file of a compound segment into memory per
        # reader), and the long-list file stays a file of its own.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self.pool = TermPool(getattr(self.storage, "folder", None))  # spilled beside the segment's files
        self._extra_segments: list = []

    def add_segments(self, segments) -> None:
        """Commit ``segments`` (from :func:`write_segment` on this index) along with this writer's changes."""
        self._extra_segments.extend(segments)

    def add_document(self, **fields) -> None:
        schema = self.schema
        names = sorted(name for name in fields if not name.startswith("_"))
        self.check_document(names)
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if field.vector or field.separate_spelling():
                    raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported here")
                length = 0
                if field.indexed:
                    if isinstance(field, SyllableText):
                        length = self.pool.add_text(name, docnum, value, field.folded)
                    else:
                        terms, weights, values, length = _postings(field, value)
                        self.pool.add_terms(name, docnum, terms, weights, values)
                    if not field.scorable:
                        length = 0
                if field.stored or length:  # else Whoosh's add_field does nothing
                    perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self.document_added()
        self.docnum += 1

    def flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        longlists = LongListWriter()
        try:
            self.pool.write(self.fieldwriter, self.schema, lengths, longlists)
        finally:
            if lengths is not None:
                lengths.close()
        self.fieldwriter.close()
        longlists.write(self.newsegment, self.storage)

    def segments_to_commit(self, segments: list) -> list:
        return segments + self._extra_segments


def write_segment(ix, documents):
    """Write the field dicts ``documents`` as one new segment of ``ix``, without committing it.

    Several processes can do this at once on one index while another holds
    the write lock; that writer's :meth:`FastSegmentWriter.add_segments`
    commits the returned segments.  None when there were no documents.
    """
    writer = FastSegmentWriter(ix, lock=False)
    for fields in documents:
        writer.add_document(**fields)
    return writer.finish_segment()
