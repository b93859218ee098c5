"""Writing Whoosh segments with less Python work per posting.

Whoosh's own segment writer handles every posting several times in Python:
it appends a tuple to a sorting pool, pickles it to a run file when the pool
is full, reads it back in a heap merge, then hands it to the codec one call
at a time.  Here postings are grouped by field and term as documents arrive
(documents come in docnum order, so each term's list is already sorted) and
each term is handed to Whoosh's W3 postings writer a whole block at a time.
The files written are ordinary W3 segment files: any Whoosh reader reads
them, and merges, deletions and the TOC stay Whoosh's.
"""
from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.writing import SegmentWriter

from indexer.longlists import LongListWriter
from indexer.schema import SyllableText

# Terms with fewer postings than this are kept in the term table itself,
# not as a block in the postings file: most pair terms occur a few times.
INLINE_LIMIT = 4
# A block with fewer postings than this is not zlib-compressed: compressing
# a few bytes costs a zlib set-up per term and saves nothing.
COMPRESS_MIN = 16
COMPRESSION = 3
# Postings per block (Whoosh: 128).  The ranker decodes a block at a time with
# numpy, so longer blocks mean less Python per posting read: at 10k documents
# 1024 took the cold query mix from p95 71 to 62 ms.
BLOCK_LIMIT = 1024


class Codec(W3Codec):
    """Whoosh's W3 codec with inlining of short posting lists that works.

    Whoosh 2.7's W3 postings writer calls a misspelled ``set_inline``, so
    inlining fails unless it is off (its default limit of 1).  The files
    are W3 files; only the writer differs.
    """

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)


class _PostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        if self.written() or len(self) >= self._inlinelimit:
            return super().finish_postings()
        terminfo = self._terminfo
        terminfo.add_block(self)
        # A format without values (ID fields) gets b"" per posting: what Whoosh's
        # own writers expect to read back when they merge the segment.
        terminfo.set_inlined(self._ids, self._weights, self._values or [b""] * len(self._ids))
        self._terminfo = None
        return terminfo


class TermPool:
    """The postings of one segment, grouped by field and term.

    It stands in for Whoosh's ``PostingPool``: ``add`` takes Whoosh's
    ``(fieldname, termbytes, docnum, weight, valuebytes)`` items (segment
    merges use it), ``add_terms`` a document's terms for one field.
    """

    def __init__(self) -> None:
        # field -> term -> postings; terms are str (see _text).  Most terms of a
        # segment occur in one document: their postings are one (docnum,
        # weight, value) tuple until a second comes, then [docnums, weights,
        # values] (two arrays and a list).  That halves the pool's memory.
        self.fields: dict[str, dict[str, tuple | list]] = {}
        self.unsorted: set[tuple[str, str]] = set()  # terms that got a docnum out of order

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_terms(fieldname, docnum, [(_text(tbytes), 0, weight, vbytes)])

    def add_terms(self, fieldname: str, docnum: int, items) -> int:
        """Add one document's ``(term, freq, weight, valuebytes)`` items; return the summed freq."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        length = 0
        for term, freq, weight, vbytes in items:
            entry = terms.get(term)
            if entry is None:
                terms[term] = (docnum, weight, vbytes)
            elif entry.__class__ is tuple:
                if docnum <= entry[0]:
                    self.unsorted.add((fieldname, term))
                terms[term] = [array("I", (entry[0], docnum)), array("f", (entry[1], weight)), [entry[2], vbytes]]
            else:
                ids = entry[0]
                if docnum <= ids[-1]:
                    self.unsorted.add((fieldname, term))
                ids.append(docnum)
                entry[1].append(weight)
                entry[2].append(vbytes)
            length += freq
        return length

    def iter_postings(self):
        """All postings as sorted Whoosh items (the slow, generic interface)."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for term, tbytes in _in_byte_order(terms):
                ids, weights, values = self._sorted(fieldname, term, terms[term])
                for docnum, weight, vbytes in zip(ids, weights, values):
                    yield fieldname, tbytes, docnum, weight, vbytes

    def write(self, fieldwriter, schema, lengths, longlists: LongListWriter) -> None:
        """Write every term into a W3 field writer, a block at a time.

        ``lengths`` is the segment's per-document reader: each block records
        the shortest and longest field length of its documents, as Whoosh's
        own writer does.  ``longlists`` also gets every term's postings.
        """
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            fieldobj = schema[fieldname]
            field_lengths = _field_lengths(lengths, fieldname, fieldobj)
            fieldwriter.start_field(fieldname, fieldobj)
            postwriter = fieldwriter._postwriter
            blocklimit = postwriter._blocklimit
            for term, tbytes in _in_byte_order(terms):
                ids, weights, values = self._sorted(fieldname, term, terms[term])
                longlists.add(fieldname, term, ids, weights, values if isinstance(fieldobj, SyllableText) else None)
                fieldwriter.start_term(tbytes)
                for start in range(0, len(ids), blocklimit):
                    if start:
                        postwriter._write_block()
                    _fill_block(postwriter, ids[start:start + blocklimit], weights[start:start + blocklimit],
                                values[start:start + blocklimit], field_lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
            terms.clear()

    def _sorted(self, fieldname: str, term: str, entry: tuple | list) -> tuple[array, array, list]:
        """A term's (docnums, weights, values), in docnum order."""
        if entry.__class__ is tuple:
            return array("I", (entry[0],)), array("f", (entry[1],)), [entry[2]]
        ids, weights, values = entry
        if (fieldname, term) in self.unsorted:
            order = sorted(range(len(ids)), key=ids.__getitem__)
            return (array("I", [ids[i] for i in order]), array("f", [weights[i] for i in order]),
                    [values[i] for i in order])
        return ids, weights, values

    def cleanup(self) -> None:
        self.fields.clear()


def _text(tbytes: bytes) -> str:
    """A term's bytes as the pool's str key; :func:`_bytes` gives them back exactly."""
    return tbytes.decode("utf-8", "surrogateescape")


def _bytes(term: str) -> bytes:
    return term.encode("utf-8", "surrogateescape")


def _in_byte_order(terms) -> list[tuple[str, bytes]]:
    """``(term, termbytes)`` sorted as Whoosh's term table wants: by bytes."""
    return sorted(((term, _bytes(term)) for term in terms), key=lambda pair: pair[1])


def _field_lengths(lengths, fieldname: str, fieldobj) -> list[int] | None:
    if lengths is None or not fieldobj.scorable:
        return None
    return [lengths.doc_field_length(docnum, fieldname, 0) for docnum in range(lengths.doc_count_all())]


def _fill_block(postwriter, ids: array, weights: array, values: list, field_lengths: list[int] | None) -> None:
    """Put one block's postings into Whoosh's W3 postings writer, as ``add_posting`` would one by one."""
    postwriter._ids = ids
    postwriter._weights = weights
    postwriter._values = [value for value in values if value]  # as add_posting: formats without values store none
    postwriter._maxweight = max(weights)
    postwriter._compression = COMPRESSION if len(ids) >= COMPRESS_MIN else 0
    if field_lengths is not None:
        block_lengths = [length for length in map(field_lengths.__getitem__, ids) if length]
        if block_lengths:
            postwriter._minlength = min(block_lengths)
            postwriter._maxlength = max(block_lengths)


class FastSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with a :class:`TermPool`, writing plain (not compound) segment files.

    Documents are added without boosts, spelling fields or term vectors,
    none of which the danvan schema uses.
    """

    def __init__(self, ix, **kwargs) -> None:
        kwargs.setdefault("codec", Codec(blocklimit=BLOCK_LIMIT, compression=COMPRESSION, inlinelimit=INLINE_LIMIT))
        # Plain segment files, memory-mapped and shared through the page cache
        # (Whoosh copies each sub-file of a compound segment into memory per
        # reader), and the long-list file stays a file of its own.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self.pool = TermPool()
        self._extra_segments: list = []

    def add_segments(self, segments) -> None:
        """Commit ``segments`` (from :func:`write_segment` on this index) along with this writer's changes."""
        self._extra_segments.extend(segments)

    def add_document(self, **fields) -> None:
        self._check_state()
        schema = self.schema
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
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
                        postings = field.postings(value)
                    else:
                        postings = [(_text(tbytes), freq, weight, vbytes)
                                    for tbytes, freq, weight, vbytes in field.index(value)]
                    length = self.pool.add_terms(name, docnum, postings)
                    if not field.scorable:
                        length = 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
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

    def _commit_toc(self, segments) -> None:
        super()._commit_toc(list(segments) + self._extra_segments)


def write_segment(ix, documents):
    """Write the field dicts ``documents`` as one new segment of ``ix``, without committing it.

    Several processes can do this at once on one index while another holds
    the write lock; that writer's :meth:`FastSegmentWriter.add_segments`
    commits the returned segments.  None when there were no documents.
    """
    writer = FastSegmentWriter(ix, _lk=False)
    for fields in documents:
        writer.add_document(**fields)
    if not writer._added:
        writer._close_segment()
        return None
    return writer._finalize_segment()
