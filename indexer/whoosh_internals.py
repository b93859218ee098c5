"""Every use of Whoosh's private names, behind one fence.

The ranker decodes Whoosh's postings blocks and length columns with numpy
and the segment writer writes W3 files a field at a time; both need names
Whoosh does not publish.  They are used here and nowhere else, and
:data:`REQUIRED` lists them: at import each is looked up in the installed
Whoosh (class attributes, and the attribute names its methods use), and a
missing one raises :class:`WhooshChanged` naming it.  So an upgrade that
renames an attribute fails loudly at start-up instead of silently making
search slow.  ``setup.cfg`` pins ``whoosh-reloaded`` to the version this
was written against (:data:`WHOOSH_VERSION`).
"""
from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from importlib.metadata import version

import numpy as np
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3FieldWriter, W3LeafMatcher, W3PerDocReader, W3TermsReader
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.writing import SegmentWriter

WHOOSH_VERSION = "2.7.5"  # the whoosh-reloaded release REQUIRED was read from (pinned in setup.cfg)

# Each owner with the private (or internal) names used below.  For a class,
# a name counts as present if the class has it or one of its methods uses it
# (instance attributes are set in methods, so there is no instance to ask).
REQUIRED: dict[object, tuple[str, ...]] = {
    whoosh3: ("_lenfield",),
    SegmentReader: ("_terms", "_perdoc"),
    W3TermsReader: ("_postfile",),
    W3PerDocReader: ("_cached_reader",),
    NumericColumn.Reader: ("_count", "_dbfile", "_basepos", "_fixedlen"),
    VarBytesColumn.Reader: ("_dbfile", "_basepos", "_offsets", "_lengths"),
    W3LeafMatcher: ("_data", "_read_data", "_read_values", "_values", "_next_block", "_blocklength", "_i",
                    "block_max_id", "is_active"),
    W3FieldWriter: ("_tindex", "_postfile", "_fieldid", "_fieldname"),
    OrderedHashWriter: ("dbfile", "extras", "lastkey"),
    SegmentWriter: ("_check_state", "_check_fields", "_added", "_flush_segment", "_commit_toc", "_close_segment",
                    "_finalize_segment", "schema", "docnum", "perdocwriter", "fieldwriter", "newsegment",
                    "storage", "codec", "per_document_reader"),
}


class WhooshChanged(ImportError):
    """The installed Whoosh lacks a private name danvan relies on."""


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def known_names(owner: object) -> set[str]:
    """The names ``owner`` has, and for a class also those its methods use."""
    names = set(dir(owner))
    if isinstance(owner, type):
        for klass in owner.__mro__:
            for value in vars(klass).values():
                func = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
                code = getattr(func, "__code__", None)
                if code is not None:
                    names |= _code_names(code)
    return names


def check(required: dict[object, tuple[str, ...]]) -> None:
    """Raise :class:`WhooshChanged` naming every name of ``required`` the installed Whoosh lacks."""
    missing = [f"{getattr(owner, '__qualname__', getattr(owner, '__name__', owner))}.{name}"
               for owner, names in required.items() for name in names if name not in known_names(owner)]
    if missing:
        raise WhooshChanged(f"whoosh-reloaded {version('whoosh-reloaded')} lacks {', '.join(missing)}, which "
                            f"indexer/whoosh_internals.py uses (written for {WHOOSH_VERSION}, pinned in setup.cfg)")


check(REQUIRED)


# -- reading --------------------------------------------------------------


def postings(leaf, field: str, terminfo) -> tuple | W3LeafMatcher:
    """A term's postings in one segment, deleted documents included, from its term info.

    Inlined postings (short lists, kept in the term table) come as the
    tuple ``(ids, weights, values)``, others as the W3 block matcher.
    ``leaf.postings`` would wrap both in a ``FilterMatcher`` when the segment
    has deletions, which reads a posting at a time: callers drop deleted
    documents themselves.
    """
    if terminfo.is_inlined():
        return terminfo.inlined_postings()
    return leaf.codec().postings_reader(leaf._terms._postfile, terminfo, leaf.schema[field].format)


def term_postings(leaf, field: str, term: str) -> tuple | W3LeafMatcher | None:
    """:func:`postings` of ``term`` (text) in ``field`` of one segment; None if the segment lacks it."""
    try:
        terminfo = leaf.term_info(field, term)
    except TermNotFound:
        return None
    return postings(leaf, field, terminfo)


def term_ids(leaf, field: str, term: str) -> np.ndarray | None:
    """The document numbers (int64) of ``term``'s postings in one segment, deleted documents included; None if
    the segment lacks it.  Weights and values are not decoded."""
    try:
        terminfo = leaf.term_info(field, term)
    except TermNotFound:
        return None
    return info_ids(leaf, field, terminfo)


def info_ids(leaf, field: str, terminfo) -> np.ndarray:
    """The document numbers (int64) of a term's postings in one segment, from its term info, deleted documents
    included.  Weights and values are not decoded."""
    if hasattr(terminfo, "inlined_ids"):  # indexer.termfile.LazyTermInfo
        return terminfo.inlined_ids()
    found = postings(leaf, field, terminfo)
    if isinstance(found, tuple):
        return np.asarray(found[0], dtype=np.int64)
    return np.concatenate([np.zeros(0, dtype=np.int64)] + [block.ids() for block in blocks(found)])


def terms_ids(leaf, field: str, terms: list[str]) -> dict[str, np.ndarray]:
    """:func:`term_ids` of each of ``terms`` the segment holds: with danvan's term table, the blocks holding them
    read once and the numbers of inlined postings decoded together; else a term at a time."""
    fast = getattr(leaf._terms, "ids_many", None)  # indexer.termfile.TermFileReader
    if fast is None or field not in leaf.schema:
        return {term: ids for term in terms if (ids := term_ids(leaf, field, term)) is not None}
    to_bytes = leaf.schema[field].to_bytes
    by_bytes = {to_bytes(term): term for term in terms}
    found = {}
    for tbytes, ids in fast(field, list(by_bytes)).items():
        term = by_bytes[tbytes]
        found[term] = ids if ids is not None else term_ids(leaf, field, term)
    return found


def field_ids(leaf, field: str) -> Iterator[tuple[bytes, Sequence[int] | np.ndarray]]:
    """(term bytes, document numbers, deleted documents included) of every term of ``field`` in one segment, in
    term order: straight from danvan's term table when the segment has one (no term info per term), else through
    Whoosh's term infos."""
    fast = getattr(leaf._terms, "field_ids", None)  # indexer.termfile.TermFileReader
    if field not in leaf.schema:
        return
    if fast is None:
        for tbytes, terminfo in leaf.iter_field(field):
            yield tbytes, info_ids(leaf, field, terminfo)
        return
    for tbytes, ids in fast(field):
        yield tbytes, ids if ids is not None else term_ids(leaf, field, tbytes.decode("utf-8"))


class Block:
    """The current postings block of a W3 leaf matcher, decoded with numpy on demand."""

    __slots__ = ("_matcher",)

    def __init__(self, matcher: W3LeafMatcher) -> None:
        self._matcher = matcher

    @property
    def max_id(self) -> int:
        """The block's last document number, from its header (nothing decompressed)."""
        return self._matcher.block_max_id()

    def _data(self) -> tuple:
        matcher = self._matcher
        if matcher._data is None:
            matcher._read_data()
        return matcher._data

    def ids(self) -> np.ndarray:
        """The block's document numbers (in the segment)."""
        return np.cumsum(np.asarray(self._data()[0], dtype=np.int64))

    def weights(self) -> np.ndarray:
        """The block's posting weights."""
        weights, count = self._data()[1], self._matcher._blocklength
        if weights is None:
            return np.ones(count, dtype=np.float32)
        if isinstance(weights, float):
            return np.full(count, weights, dtype=np.float32)
        return np.asarray(weights, dtype=np.float32)

    def values(self) -> tuple:
        """The block's posting value bytes."""
        matcher = self._matcher
        if matcher._values is None:
            matcher._read_values()
        return matcher._values


def blocks(matcher: W3LeafMatcher) -> Iterator[Block]:
    """Every block of a W3 leaf matcher still unread (it must not have moved inside a block)."""
    if matcher._i:
        raise ValueError("the matcher stands inside a block")
    while matcher.is_active():
        yield Block(matcher)
        matcher._next_block()


def length_bytes_column(leaf, field: str) -> tuple[bytes, int] | None:
    """(raw length bytes, how many documents they cover) of ``field`` in one segment, None if it has none."""
    column = leaf._perdoc._cached_reader(whoosh3._lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return None
    count = min(column._count, leaf.doc_count_all())
    return column._dbfile.get(column._basepos, count * column._fixedlen), count


def var_bytes_column(leaf, name: str) -> tuple[bytes, np.ndarray, np.ndarray] | None:
    """(raw bytes, offset and length of each document's value in them) of a ``VarBytesColumn`` in one segment,
    read in one call; None if the segment has no such column."""
    if name not in leaf.schema or not leaf.has_column(name):
        return None
    column = leaf.column_reader(name, translate=False)
    if not isinstance(column, VarBytesColumn.Reader):
        raise TypeError(f"column {name!r} is not a VarBytesColumn")
    count = leaf.doc_count_all()
    offsets = np.asarray(column._offsets, dtype=np.int64)[:count]
    lengths = np.asarray(column._lengths, dtype=np.int64)[:count]
    end = int((offsets + lengths).max()) if count else 0
    return column._dbfile.get(column._basepos, end) if end else b"", offsets, lengths


# -- writing --------------------------------------------------------------


class FieldWriterParts:
    """The parts of a ``W3FieldWriter`` a whole-field writer writes into."""

    def __init__(self, fieldwriter: W3FieldWriter) -> None:
        self.postfile = fieldwriter._postfile
        self.field_id: int = fieldwriter._fieldid
        self.field_name: str = fieldwriter._fieldname
        self.term_table = fieldwriter._tindex


def swap_term_table(fieldwriter: W3FieldWriter, cls: type):
    """Give the term table a ``W3FieldWriter`` opened the subclass ``cls`` of ``OrderedHashWriter``; return it."""
    if not issubclass(cls, type(fieldwriter._tindex)):
        raise TypeError(f"{cls.__name__} does not extend {type(fieldwriter._tindex).__name__}")
    fieldwriter._tindex.__class__ = cls
    return fieldwriter._tindex


class HashWriter(OrderedHashWriter):
    """``OrderedHashWriter``, the class of the term table a ``W3FieldWriter`` opens (see :func:`swap_term_table`)."""


class HookedSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with its private steps as public methods and hooks."""

    def __init__(self, ix, lock: bool = True, **kwargs) -> None:
        super().__init__(ix, _lk=lock, **kwargs)

    def check_document(self, names: list[str]) -> None:
        """Whoosh's checks before a document is added: writer open, fields in the schema."""
        self._check_state()
        self._check_fields(self.schema, names)

    def document_added(self) -> None:
        """Record that a document was added (as ``add_document`` does)."""
        self._added = True

    def _flush_segment(self) -> None:
        self.flush_segment()

    def flush_segment(self) -> None:
        """Write the new segment's files (Whoosh's own way unless overridden)."""
        super()._flush_segment()

    def _commit_toc(self, segments) -> None:
        super()._commit_toc(self.segments_to_commit(list(segments)))

    def segments_to_commit(self, segments: list) -> list:
        """The segments the commit's table of contents lists (hook: here ``segments``)."""
        return segments

    def finish_segment(self):
        """Write and close the new segment without committing it; None when no document was added."""
        if not self._added:
            self._close_segment()
            return None
        return self._finalize_segment()
