"""The query service: one place that parses, filters, ranks, facets,
highlights and paginates.  The CLI and the web app both call
:meth:`SearchService.search`; neither re-implements any of it.

The request it takes is made and checked in :mod:`indexer.request`.  Longer than
~400 lines because it is one class: every method reads the same per-generation
snapshot (searcher, facet table, ranker) and caches, which split across modules
would have to be passed around or made global.
"""
from __future__ import annotations

import ctypes
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as windex
from whoosh import query as Q

from corpus.extract.directive_records import catalogue, directive_records
from corpus.extract.genre import named_genre
from corpus.knowledge.directives import cited_spans
from corpus.knowledge.vietnamese import fold, key, nfc
from corpus.store.db import Store
from indexer.analysis import ANALYZER, JOINER
from indexer.facets import FacetTable, FacetValue, doc_ids, facet_counts
from indexer.highlight import Terms, prepare_snippets, snippet
from indexer.queryparse import (DIRECTIVE_BOOST, MOST_SHARE, TITLE_BOOST, ParsedQuery, Part, excluded_parts,
                                missing_words, most_parts, parse, chain_runs, rank_terms, required_parts, stand_ins)
from indexer.ranker import Ranker, top
from indexer.build import read_records, read_store_path
from indexer.request import MAX_LIMIT, MAX_PAGE, SORTS, QueryError, SearchRequest  # noqa: F401 (the service's API)
from indexer.records import UNATTRIBUTED, key_label, split_key
from indexer.schema import FACET_FIELDS, OPTIONAL_FIELDS, listed, make_schema
from indexer.significant import KEYWORDS, SAMPLE, SignificantTerm, WordTerms, restating
from indexer.suggest import Speller, suggestion

FACET_TOP = {"directive": 30, "keyword": 20}  # values shown at most (keywords are many)
MLT_TERMS = 30  # characteristic terms of a document used to find similar ones
RECORDS_CACHED = 256  # directive numbers whose records are kept per index generation
LONG_QUERY = 10  # distinct words beyond which a query is ranked, not ANDed
# Fewer documents than this (a web page of results) with every part of a short query: those holding most parts
# match too, ranked with them (see SearchService._most).
RELAX_BELOW = 20
RECORDS_SHOWN = 5  # directive records whose subject a query names, shown above its hits
SUBJECT_MIN_WORDS = 3  # a query naming a subject has at least this many words


class IndexMissing(RuntimeError):
    """No index has been built in the data directory yet."""


class IndexOutdated(IndexMissing):
    """The index was built by an older danvan: it lacks fields this one needs (``danvan index`` rebuilds it)."""


@dataclass
class Hit:
    """One ranked result."""

    id: str
    title: str
    url: str | None
    published: str | None
    province: str | None
    province_2025: str | None
    directives: list[str]
    score: float | None
    snippet: str
    source: str | None = None
    near_duplicate_of: str | None = None
    records: list[str] = field(default_factory=list)  # the record each citation is attributed to (indexer.records)
    genre: str | None = None
    period: str | None = None
    parent_id: str | None = None  # an attached file: the page linking it
    parent_title: str | None = None
    number: str | None = None  # an attached file: its own number
    keywords: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the query's words this document lacks ("Thiếu: thiểu số")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    """Hits, counts and facets for one request."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    elapsed_ms: float = 0.0
    fallback: bool = False  # no document had every word: showing partial matches
    relaxed: int = 0  # of ``total``, the documents lacking some of the query's words (SearchService._most)
    suggestion: str | None = None  # did you mean
    truncated: bool = False
    messages: list[str] = field(default_factory=list)
    significant_terms: list[SignificantTerm] = field(default_factory=list)  # see indexer/significant.py
    # Records of the numbers the query names, or whose subject it names: profile, key, label, citations.
    directive_records: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list, repr=False)  # cited numbers the query matched
    # With ``SearchService.search(req, keep=n)``: (id, score) of the first n hits in rank order, no stored field read.
    ranked: list[tuple[str, float | None]] = field(default_factory=list, repr=False, compare=False)
    # ... and the keywords of those in ranks [start, stop), read from the index generation that ranked them.
    ranked_keywords: Callable[[int, int], list[list[str]]] | None = field(default=None, repr=False, compare=False)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.limit))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by ``danvan search --json`` and the web API."""
        r = self.request
        return {
            "query": r.q,
            "total": self.total,
            "page": r.page,
            "pages": self.pages,
            "limit": r.limit,
            "sort": r.sort,
            "filters": {**r.filters(), "date_from": r.date_from, "date_to": r.date_to},
            "fallback": self.fallback,
            "relaxed": self.relaxed,
            "suggestion": self.suggestion,
            "messages": self.messages,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "directive_records": self.directive_records,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "significant_terms": [t.to_dict() for t in self.significant_terms],
        }


def _joined(live: np.ndarray, masks: list[np.ndarray], excluded: np.ndarray, match_all: bool) -> np.ndarray:
    """Live documents holding every part's mask (any of them with ``match_all=False``) and no excluded part."""
    matches = live & ~excluded
    if masks:
        matches &= np.logical_and.reduce(masks) if match_all else np.logical_or.reduce(masks)
    return matches


class SearchService:
    """Searches one index directory; safe to share between threads.

    The index holds no texts: snippets, document pages and similar documents
    read them from the corpus store the index was built from (``store_path``
    overrides it), a page of hits in one query.
    """

    def __init__(self, index_dir: str | Path, store_path: str | Path | None = None) -> None:
        self.index_dir = Path(index_dir)
        if not windex.exists_in(str(self.index_dir)):
            raise IndexMissing(f"no index in {self.index_dir}: run `danvan index` first")
        self.ix = windex.open_dir(str(self.index_dir))
        self.store_path = Path(store_path) if store_path is not None else read_store_path(self.index_dir)
        # An index from before keywords is still served (no keyword facet) until `danvan index` rebuilds it.
        missing = sorted(set(make_schema().names()) - set(self.ix.schema.names()) - OPTIONAL_FIELDS)
        if missing:
            raise IndexOutdated(f"the index in {self.index_dir} was built by an older danvan (it lacks "
                               f"{', '.join(missing)}): run `danvan index` to rebuild it")
        self._local = threading.local()  # Whoosh searchers are not thread-safe
        self._readers: dict[int | None, tuple[FacetTable, Ranker]] = {}
        self._ids: tuple[FacetTable, np.ndarray] | None = None  # ids by doc number of one generation's table
        self._lock = threading.Lock()
        self._word_terms: WordTerms | None = None
        self._word_terms_lock = threading.Lock()  # one WordTerms a generation, however many threads ask at once
        self._catalogue: tuple[int, dict[str, dict[str, Any]]] | None = None  # (generation, records)
        self._records: dict[tuple[int, str], dict[str, Any]] = {}  # (generation, number) -> records, oldest first
        # (generation, record key -> profile, subject syllable -> keys of the records whose subject holds it)
        self._profiles: tuple[int, dict[str, dict[str, Any]], dict[str, set[str]]] | None = None

    def warm(self) -> None:
        """Read now what every search needs (facet table, ranker, stored terms, directive records), so that the
        first query after a server starts does not wait for it; the rest is read as queries need it."""
        SearchRequest(province=("Hà Nội",))  # loads the province tables
        named_genre("")  # compiles the genre rules a query is read with
        prepare_snippets()
        _searcher, _table, ranker = self._snapshot()
        ranker.read_long_lists()
        for name in ranker.reader.schema.scorable_names():
            ranker.lengths(name)  # every ranked field's lengths (the first query read those of its fields: 6 ms each)
        with ranker.io:
            for _leaf, offset in ranker.reader.leaf_readers():
                if ranker.size > offset:
                    ranker.reader.stored_fields(offset)  # reads the segment's stored-fields offsets
        self.word_terms(ranker).background()
        self._profiles_now()
        _return_free_memory()

    def reopen(self) -> None:
        """In a forked process: open the index files again, keeping every array read from them.

        Whoosh reads with seek() + read(), and a fork shares each open file's
        position with the parent and the other workers; their reads would
        interleave.  The facet table, ranker arrays and stored terms read by
        :meth:`warm` in the parent stay, shared copy-on-write.
        """
        self._local = threading.local()  # searchers and store connections of the parent's threads
        with self._lock:
            readers = {}
            for gen, (table, ranker) in self._readers.items():
                reader = self.ix.reader()
                if reader.generation() != gen:  # a commit since the warm-up: read the new generation afresh
                    reader.close()
                    continue
                with ranker.io:
                    ranker.reader = reader  # the same segments: doc numbers, arrays and caches stay valid
                readers[gen] = (table, ranker)
            self._readers = readers
            if self._word_terms is not None and all(r is not self._word_terms.ranker for _t, r in readers.values()):
                self._word_terms = None

    def searcher(self):
        """This thread's searcher, reopened if the index changed."""
        s = getattr(self._local, "searcher", None)
        if s is None or not s.up_to_date():
            # A fresh searcher rather than refresh(): an empty index's reader
            # has no generation and cannot be refreshed.  The old one is not
            # closed: the shared postings cache of its generation may be built
            # on its reader while another thread still searches with it.  It
            # is closed when the last reference goes.
            s = self.ix.searcher()
        self._local.searcher = s
        return s

    def _snapshot(self):
        """This thread's searcher with the facet arrays and ranker of the same index generation.

        The shared, per-generation caches own a reader of their own, read under
        the ranker's lock: a Whoosh reader must not be used by two threads at
        once, and a thread's own searcher is in use by that thread.
        """
        for _ in range(10):
            searcher = self.searcher()
            gen = searcher.reader().generation()
            with self._lock:
                data = self._readers.get(gen)
                if data is None:
                    reader = self.ix.reader()
                    if reader.generation() != gen:  # a commit landed just now: catch up
                        reader.close()
                        continue
                    ranker = Ranker(reader)
                    with ranker.io:
                        data = (FacetTable(reader), ranker)
                    # Older generations' readers close when their last search lets go.
                    self._readers = {gen: data}
            return (searcher, *data)
        raise RuntimeError("the index changed ten times during one search; try again")

    def search(self, req: SearchRequest, keep: int = 0, significant: bool = True) -> SearchResult:
        """Run one search (the request was validated when it was made).

        ``keep``: also give the ids and scores of the first ``keep`` hits in
        ``result.ranked`` (an export ranks once and reads its rows from the store), and count no facets.
        ``significant``: find the result set's significant terms (an export has no use for them).
        """
        started = time.perf_counter()
        parsed = parse(req.q)
        if parsed.empty:
            req = replace(req, sort="date")  # nothing to rank by: the list is newest first, and the result says so
        searcher, table, ranker = self._snapshot()

        filters = {name: _value_mask(table, ranker, name, _record_keys(table, values) if name == "directive" else values)
                   for name, values in req.filters().items()}
        if req.date_from or req.date_to:
            filters["date"] = table.date_mask(req.date_from, req.date_to)

        parts = len(set(parsed.words)) + len(parsed.phrases)
        if parts > LONG_QUERY or (parsed.question and parts > 1):
            # A question or a pasted paragraph: the answer rarely has every word.
            result = self._ranked(searcher, table, ranker, parsed, req, filters, match_all=False, keep=keep,
                                  significant=significant, show_missing=False)
            result.messages.append("Câu hỏi hoặc câu truy vấn dài: kết quả xếp theo mức độ phù hợp, "
                                   "không bắt buộc chứa mọi từ.")
        else:
            result = self._ranked(searcher, table, ranker, parsed, req, filters, match_all=True, keep=keep,
                                  significant=significant)
            if result.relaxed and result.relaxed == result.total:
                result.fallback = True
                result.messages.append("Không tài liệu nào chứa tất cả các từ; đang hiển thị các tài liệu chứa "
                                       "hầu hết các từ (từ còn thiếu ghi ở mỗi kết quả).")
            elif result.relaxed:
                result.messages.append(f"Chỉ {result.total - result.relaxed} tài liệu chứa tất cả các từ; "
                                       f"{result.relaxed} tài liệu khác thiếu một vài từ, xếp cùng theo mức độ phù hợp "
                                       "(từ còn thiếu ghi ở mỗi kết quả).")
            if result.total == 0 and parts > 1:
                result = self._ranked(searcher, table, ranker, parsed, req, filters, match_all=False, keep=keep,
                                  significant=significant)
                if result.total:
                    result.fallback = True
                    result.messages.append("Không tài liệu nào chứa tất cả các từ; đang hiển thị các kết quả gần đúng.")
        result.suggestion = self._suggest(ranker, parsed, needed=result.fallback or result.total == 0)
        result.directive_records = self._named_records(parsed, result.numbers)
        if result.total and req.page > result.pages:
            result.messages.append(f"Trang {req.page} không có kết quả: chỉ có {result.pages} trang "
                                   f"(trang cuối là trang {result.pages}).")
        if parsed.truncated:
            result.truncated = True
            result.messages.append("Câu truy vấn quá dài nên đã được cắt bớt.")
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def selection(self, req: SearchRequest, queries: list[ParsedQuery]) -> tuple[FacetTable, np.ndarray, list[np.ndarray]]:
        """The facet table, the documents ``req``'s filters allow, and each query's matches among them.

        The same matching as :meth:`search` (every part of a query), for
        counts over the index such as phrase timelines.  Nothing is relaxed (see :meth:`_most`): a
        timeline's phrase is one quoted part, which a search never lists a document without.
        """
        searcher, table, ranker = self._snapshot()
        allowed = table.live.copy()
        for name, values in req.filters().items():
            allowed &= _value_mask(table, ranker, name, values)
        if req.date_from or req.date_to:
            allowed &= table.date_mask(req.date_from, req.date_to)
        return table, allowed, [self._matches(searcher, table, ranker, q)[0] & allowed for q in queries]

    def word_terms(self, ranker: Ranker) -> WordTerms:
        """The stored pyvi terms of the ranker's index generation (opened once per generation)."""
        cached = self._word_terms
        if cached is None or cached.ranker is not ranker:
            with self._word_terms_lock:
                cached = self._word_terms
                if cached is None or cached.ranker is not ranker:
                    cached = self._word_terms = WordTerms(ranker)
        return cached

    def _matches(self, searcher, table: FacetTable, ranker: Ranker, parsed: ParsedQuery,
                 match_all: bool = True) -> tuple[np.ndarray, list[str]]:
        """Live documents matching ``parsed`` (every part, or any with ``match_all=False``), and the
        cited numbers a partial citation was found to mean (for ranking)."""
        _parts, masks, excluded, numbers = self._part_masks(searcher, table, ranker, parsed)
        return _joined(table.live, masks, excluded, match_all), numbers

    def _part_masks(self, searcher, table: FacetTable, ranker: Ranker, parsed: ParsedQuery
                    ) -> tuple[list[Part], list[np.ndarray], np.ndarray, list[str]]:
        """The query's required parts with the documents holding each, the documents an excluded part removes,
        and the cited numbers a partial citation was found to mean."""
        numbers: list[str] = []

        def part_mask(part: Part) -> np.ndarray:
            mask = np.zeros(table.size, dtype=bool)
            if part.phrase is not None:
                with ranker.io:  # reads positions through the shared reader
                    phrase = ranker.phrase_mask(part.phrase)  # None: not a plain phrase, let Whoosh match it
                mask |= phrase if phrase is not None else table.mask(searcher.docs_for_query(part.phrase))
            for field_name, term in part.terms:
                mask[ranker.docs_with(field_name, term)] = True
            if part.all_of:
                mask |= np.logical_and.reduce([part_mask(p) for p in part.all_of])
            if part.directives is not None:
                for record, ids in table.postings["directive"].items():
                    number = split_key(record)[0]
                    if part.directives.match(fold(number).upper()):
                        mask[ids] = True
                        if number not in numbers:
                            numbers.append(number)
            return mask

        parts = required_parts(parsed)
        masks = [part_mask(p) for p in parts]
        excluded = np.zeros(table.size, dtype=bool)
        for part in excluded_parts(parsed):
            excluded |= part_mask(part)
        return parts, masks, excluded, numbers

    def _most(self, searcher, table: FacetTable, ranker: Ranker, parsed: ParsedQuery, match_all: bool
              ) -> tuple[np.ndarray, np.ndarray, list[Part], list[np.ndarray], list[str]]:
        """The documents a search lists (before filters), those of them lacking some part of the query, the
        parts and their masks, and the cited numbers matched.

        ``match_all``: every part; and when fewer than :data:`RELAX_BELOW` documents of the whole index hold
        every part, also those holding :func:`~indexer.queryparse.most_parts` of them, ``MOST_SHARE`` of their
        weight (a part's idf, from the documents holding it: what they lack must be the query's common words,
        not "guitar" of "đàn guitar của thanh niên") and every required one, ranked with them (Elasticsearch's
        ``minimum_should_match``; the decision ignores the filters, so that a facet's count is what a click on
        it lists).
        Else any part.
        """
        parts, masks, excluded, numbers = self._part_masks(searcher, table, ranker, parsed)
        found = _joined(table.live, masks, excluded, match_all)
        relaxed = np.zeros(table.size, dtype=bool)
        need = most_parts(len(masks))
        if match_all and need < len(masks) and int(found.sum()) < RELAX_BELOW:
            held = np.sum(masks, axis=0, dtype=np.int16)
            live = int(table.live.sum())
            weights = np.array([math.log(1 + live / max(1, int((mask & table.live).sum()))) for mask in masks])
            weighed = weights @ np.array(masks)
            matches = table.live & ~excluded
            for part, mask in zip(parts, masks):
                if part.required:
                    matches &= mask
            relaxed = matches & (held >= need) & (weighed >= MOST_SHARE * weights.sum()) & ~found
        return found | relaxed, relaxed, parts, masks, numbers

    def _ranked(self, searcher, table: FacetTable, ranker: Ranker, parsed: ParsedQuery, req: SearchRequest,
                filters: dict[str, np.ndarray], match_all: bool, keep: int = 0,
                significant: bool = False, show_missing: bool = True) -> SearchResult:
        """Match, filter, rank, count facets and build hits for one parsed query (~50 lines: the steps share the
        masks and scores they compute, each step itself is a call).  A hit lacking some part of the query
        names what it lacks (``show_missing``)."""
        matches, lacking, parts, masks, numbers = self._most(searcher, table, ranker, parsed, match_all)
        allowed = matches.copy()
        for mask in filters.values():
            allowed &= mask
        total = int(allowed.sum())
        facets = {}
        if not keep:  # an export lists the ranked hits only: no facet of its result set is shown
            facets = facet_counts(table, matches, filters, req.filters(), FACET_TOP)
            _count_numbers(table, facets["directive"], matches, filters)
            _count_unlisted(table, ranker, facets["keyword"], matches, filters)
        first = (req.page - 1) * req.limit
        wanted = max(first + req.limit, keep, SAMPLE if significant else 0)
        docnums, scores = np.zeros(0, dtype=np.int64), None
        if total and (first < total or keep):
            if req.sort == "date" or parsed.empty:
                candidates = np.flatnonzero(allowed)
                order = np.lexsort((candidates, -table.dates[candidates]))[:wanted]
                docnums = candidates[order]
            else:
                restored = ranker.restoration(parsed.words) if parsed.folded else None
                scores = ranker.score(rank_terms(parsed, restored=restored)
                                      + [("directives", n, DIRECTIVE_BOOST) for n in numbers], folded=parsed.folded)
                ranker.add_stand_ins(scores, stand_ins(parsed, restored))
                if parsed.words or parsed.phrases:
                    ranker.add_chain_evidence(scores, allowed, chain_runs(parsed))
                    docnums = top(scores, allowed, wanted)
                else:  # only numbers: each record's citing documents in turn, the most cited record first
                    group = _record_groups(table, self._profiles_now()[0], [*parsed.directives, *numbers])
                    candidates = np.flatnonzero(allowed)
                    docnums = candidates[np.lexsort((candidates, -scores[candidates],
                                                     group[candidates]))[:wanted]]
        terms = highlight_terms(parsed)

        shown = docnums[first:first + req.limit]
        hits = self._hits(searcher, ranker, shown, [float(scores[d]) if scores is not None else None for d in shown],
                          terms)
        if show_missing:
            for made, docnum in zip(hits, shown):
                made.missing = missing_words([p for p, mask in zip(parts, masks) if not mask[docnum]])
        for made in hits:
            if made.parent_id:
                parent = self._docnum(searcher, made.parent_id)
                made.parent_title = searcher.stored_fields(parent).get("title") if parent is not None else None
        result = SearchResult(request=req, total=total, hits=hits, relaxed=int((allowed & lacking).sum()),
                              facets=facets, numbers=list(dict.fromkeys([*parsed.directives, *numbers])))
        if significant and len(docnums):
            result.significant_terms = self.word_terms(ranker).significant(
                docnums[:SAMPLE], allowed, restating(parsed.words, parsed.phrases))
        if keep:
            ids = self._doc_ids(table, ranker)[docnums[:keep]].tolist()
            kept = ([round(score, 4) for score in scores[docnums[:keep]].tolist()] if scores is not None
                    else [None] * len(ids))  # as a Hit rounds it
            result.ranked = list(zip(ids, kept))
            words, docnums_kept = self.word_terms(ranker), docnums[:keep]
            result.ranked_keywords = lambda start, stop: words.keywords_of(docnums_kept[start:stop])
        return result

    def _hits(self, searcher, ranker: Ranker, docnums, scores: list[float | None], terms: Terms) -> list[Hit]:
        """Hits for ``docnums``, their snippets from texts read in one query."""
        with ranker.io:  # the shared reader: the stored fields' offsets are read once (by warm()), not per thread
            stored = [ranker.reader.stored_fields(int(d)) for d in docnums]
        keywords = self.word_terms(ranker).keywords_of(docnums)
        return [_hit(fields, score, terms, text, words)
                for fields, score, text, words in zip(stored, scores, self.texts(stored), keywords)]

    def _store(self) -> Store | None:
        """This thread's connection to the store holding the texts; None when there is none."""
        if self.store_path is None or not self.store_path.is_file():
            return None
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.store_path)
        return store

    def texts(self, stored: list[Mapping[str, Any]]) -> list[str]:
        """The text of each document given by its stored fields, from the store in one query per 500 ids ("" for
        a document gone from it); an index written before texts left it holds them in its stored fields."""
        wanted = [fields["id"] for fields in stored if "text" not in fields]
        store = self._store() if wanted else None
        found = {doc["id"]: doc["text"] or "" for doc in store.fields(wanted, ("id", "text"))} if store else {}
        return [fields["text"] if "text" in fields else found.get(fields["id"], "") for fields in stored]

    def _with_texts(self, stored: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Stored fields as dicts, each with its "text" (see :meth:`texts`)."""
        return [{**fields, "text": text} for fields, text in zip(stored, self.texts(stored))]

    def _doc_ids(self, table: FacetTable, ranker: Ranker) -> np.ndarray:
        """Ids by doc number in the generation of ``table``: read at its first export, then kept."""
        with self._lock:
            cached = self._ids
        if cached is not None and cached[0] is table:
            return cached[1]
        with ranker.io:
            ids = doc_ids(ranker.reader, table.live)
        with self._lock:
            self._ids = (table, ids)
        return ids

    def _profiles_now(self) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
        """Every directive record of the index (key -> profile, citations) and the records by subject syllable,
        read once per index generation."""
        gen = self.searcher().reader().generation()
        with self._lock:
            cached = self._profiles
        if cached is not None and cached[0] == gen:
            return cached[1], cached[2]
        found = read_records(self.index_dir)
        by_syllable: dict[str, set[str]] = {}
        for k, profile in found.items():
            for syllable in _syllables(profile.get("subject") or ""):
                by_syllable.setdefault(syllable, set()).add(k)
        with self._lock:
            self._profiles = (gen, found, by_syllable)
        return found, by_syllable

    def _named_records(self, parsed: ParsedQuery, numbers: list[str]) -> list[dict[str, Any]]:
        """The records a query names: every record of the numbers it cites, else the records whose subject
        holds each of its words (at least :data:`SUBJECT_MIN_WORDS`), most cited first."""
        profiles, by_syllable = self._profiles_now()
        if numbers:
            chosen = [k for k in profiles if split_key(k)[0] in numbers]
            chosen.sort(key=lambda k: (numbers.index(split_key(k)[0]), split_key(k)[1] == UNATTRIBUTED,
                                       -profiles[k]["citations"], k))
        else:
            words = {w for text in [*parsed.words, *(" ".join(p) for p in parsed.phrases)]
                     for w in _syllables(text)}
            if len(words) < SUBJECT_MIN_WORDS:
                return []
            holding = sorted((by_syllable.get(w, set()) for w in words), key=len)
            keys = set.intersection(*holding) if holding[0] else set()
            # The closest subjects first: the query covers most of them; then the most cited.
            scored = sorted((-len(words) / len(_syllables(profiles[k]["subject"])), -profiles[k]["citations"], k)
                            for k in keys)
            chosen = [k for *_rank, k in scored[:RECORDS_SHOWN]]
        return [{"key": k, "label": key_label(k), **profiles[k]} for k in chosen]

    def _suggest(self, ranker: Ranker, parsed: ParsedQuery, needed: bool) -> str | None:
        """A better-supported spelling of a plain-words query, if it needs one."""
        if parsed.phrases or parsed.excluded or parsed.directives or parsed.question or not parsed.words:
            return None
        speller = Speller(lambda term: ranker.doc_frequency("text", term),
                          lambda term: ranker.doc_frequency("text_folded", term))

        def phrase_df(words: list[str]) -> int:
            with ranker.io:
                mask = ranker.phrase_mask(Q.Phrase("text", words))
            return int(mask.sum()) if mask is not None else 0

        return suggestion(speller, parsed.words, needed=needed, phrase_df=phrase_df)

    def _docnum(self, searcher, doc_id: str) -> int | None:
        return searcher.document_number(id=doc_id) if doc_id else None

    def _copies(self, searcher, ranker: Ranker, docnum: int, doc_id: str) -> set[int]:
        """Doc numbers of the other members of this document's near-duplicate group."""
        group = searcher.stored_fields(docnum).get("near_duplicate_of") or doc_id
        members = set(ranker.docs_with("near_duplicate_of", group).tolist())
        head = self._docnum(searcher, group)
        if head is not None:
            members.add(head)
        members.discard(docnum)
        return members

    def near_duplicates(self, doc_id: str) -> list[Hit]:
        """Other copies of the same article (republished by other portals)."""
        searcher, table, ranker = self._snapshot()
        docnum = self._docnum(searcher, doc_id)
        if docnum is None:
            return []
        copies = [n for n in sorted(self._copies(searcher, ranker, docnum, doc_id)) if table.live[n]]
        return self._hits(searcher, ranker, copies, [None] * len(copies), Terms())

    def similar(self, doc_id: str, limit: int = 10) -> list[Hit]:
        """Documents most like this one (precedents), near-duplicates excluded.

        The document's most characteristic syllables and pairs (tf x idf)
        become a ranked query, scored like any search.
        """
        searcher, table, ranker = self._snapshot()
        docnum = self._docnum(searcher, doc_id)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        # Cited numbers are evidence by record, not by their syllables: two records of one number share none.
        text = _without_numbers(f"{stored.get('title') or ''}\n{self.texts([stored])[0]}")
        counts = Counter(t.text for t in ANALYZER(text) if not t.text.replace(JOINER, "").isdigit())
        # A term found in no other document says nothing about similarity, and
        # one found in most says little: keep those in between, weighted by tf x idf.
        # Document frequencies come from the term dictionary: no postings decoded.
        dfs = {term: ranker.doc_frequency("text", term) for term in counts}
        shared = [(n * ranker.idf("text", term), term) for term, n in counts.items()
                  if 2 <= dfs[term] <= ranker.docs // 2]
        weighted = sorted(shared, reverse=True)[:MLT_TERMS]
        top_weight = weighted[0][0] if weighted else 1.0
        records = [k for k in listed(stored.get("directive_record")) if split_key(k)[1] != UNATTRIBUTED]
        scores = ranker.score([(f, term, w / top_weight * fw) for w, term in weighted
                               for f, fw in (("text", 1.0), ("title", TITLE_BOOST))]
                              + [("directive_record", k, DIRECTIVE_BOOST) for k in records], delta=0.0)
        allowed = table.live & (scores > 0)
        allowed[docnum] = False
        allowed[list(self._copies(searcher, ranker, docnum, doc_id))] = False
        found = top(scores, allowed, limit)
        return self._hits(searcher, ranker, found, [float(scores[n]) for n in found], Terms())

    def directive_catalogue(self) -> dict[str, dict[str, Any]]:
        """Records of every cited number (:func:`corpus.extract.directive_records.catalogue`), kept per index generation."""
        searcher = self.searcher()
        gen = searcher.reader().generation()
        with self._lock:
            cached = self._catalogue
        if cached is not None and cached[0] == gen:
            return cached[1]
        citing = [d for d in searcher.all_stored_fields() if d.get("directives")]
        found = catalogue(self._with_texts(citing))
        with self._lock:
            self._catalogue = (gen, found)
        return found

    def directive_records(self, number: str) -> dict[str, Any]:
        """Records of one canonical ``number`` (:func:`corpus.directive_records.directive_records`), cached
        per index generation: the catalogue's entry once it is built, else the last few numbers asked for."""
        gen = self.searcher().reader().generation()
        with self._lock:
            if self._catalogue is not None and self._catalogue[0] == gen:
                return self._catalogue[1].get(number) or directive_records([], number)
            hit = self._records.get((gen, number))
        if hit is None:
            hit = directive_records(self.citing(number), number)
            with self._lock:
                self._records = {k: v for k, v in self._records.items() if k[0] == gen}
                self._records[(gen, number)] = hit
                while len(self._records) > RECORDS_CACHED:
                    del self._records[next(iter(self._records))]
        return hit

    def citing(self, number: str) -> list[dict[str, Any]]:
        """Stored fields of every live document citing the canonical ``number``."""
        searcher, table, ranker = self._snapshot()
        return self._with_texts([searcher.stored_fields(int(n)) for n in ranker.docs_with("directives", number)
                                 if table.live[n]])

    def keywords(self, doc_id: str, top: int = KEYWORDS) -> list[str]:
        """The document's ``top`` pyvi words by tf x idf (see :mod:`indexer.significant`); [] if unknown."""
        searcher, table, ranker = self._snapshot()
        docnum = self._docnum(searcher, doc_id)
        if docnum is None or not table.live[docnum]:
            return []
        return self.word_terms(ranker).keywords(docnum, top)

    def attachments_of(self, doc_id: str) -> list[dict[str, Any]]:
        """Stored fields of the live attached files whose parent is this document."""
        searcher, table, ranker = self._snapshot()
        return [dict(searcher.stored_fields(int(n))) for n in ranker.docs_with("parent_id", doc_id) if table.live[n]]

    def issued_as(self, number: str) -> list[dict[str, Any]]:
        """Stored fields of the live documents that are the document numbered ``number`` (its attached file)."""
        searcher, table, ranker = self._snapshot()
        return [dict(searcher.stored_fields(int(n))) for n in ranker.docs_with("number", number) if table.live[n]]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Stored fields of one document with its text, or None."""
        stored = self.searcher().document(id=doc_id)
        return self._with_texts([stored])[0] if stored else None


def _return_free_memory() -> None:
    """Give the heap's free pages back to the system: glibc keeps those that reading the tables freed (190 MB at
    30k documents, 12 times what the tables hold), and forked server workers would each inherit them."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    trim(0)


def _record_keys(table: FacetTable, values: list[str]) -> list[str]:
    """Record keys a directive filter selects: a record's own key, or every record of a bare number."""
    numbers = {v for v in values if split_key(v)[1] is None}
    return [*values, *(k for k in table.postings["directive"] if k not in values and split_key(k)[0] in numbers)]


def _value_mask(table: FacetTable, ranker: Ranker, name: str, values: list[str]) -> np.ndarray:
    """Live documents holding any of ``values`` in facet ``name``, a value the table does not list included
    (see :data:`indexer.schema.FACET_MIN_DOCS`)."""
    mask = table.value_mask(name, values)
    for value in values:
        if value not in table.postings[name] and name in ranker.reader.schema:
            mask[ranker.docs_with(FACET_FIELDS.get(name, name), value)] = True
    return mask & table.live


def _count_unlisted(table: FacetTable, ranker: Ranker, values: list[FacetValue], matches: np.ndarray,
                    filters: dict[str, np.ndarray]) -> None:
    """A selected keyword the table does not list counts the matching documents holding it (under the other
    filters, as the facet counts)."""
    for value in values:
        if value.selected and value.value not in table.postings["keyword"]:
            within = matches & _value_mask(table, ranker, "keyword", [value.value])
            for other, mask in filters.items():
                if other != "keyword":
                    within &= mask
            value.count = int(within.sum())


def _count_numbers(table: FacetTable, values: list[FacetValue], matches: np.ndarray,
                   filters: dict[str, np.ndarray]) -> None:
    """A selected bare number counts every document citing it (the facet counts records)."""
    within = None
    for value in values:
        if value.selected and split_key(value.value)[1] is None and value.value not in table.postings["directive"]:
            if within is None:
                within = matches.copy()
                for other, mask in filters.items():
                    if other != "directive":
                        within &= mask
            value.count = int((within & table.value_mask("directive", _record_keys(table, [value.value]))).sum())


def _record_groups(table: FacetTable, profiles: Mapping[str, Mapping[str, Any]], numbers: list[str]) -> np.ndarray:
    """Per document, the place of its best record among ``numbers``' records (most cited first, unattributed
    citations last), for a query made of numbers only; documents citing none come after."""
    keys = [k for k in table.postings["directive"] if split_key(k)[0] in numbers]
    keys.sort(key=lambda k: (split_key(k)[1] == UNATTRIBUTED, -(profiles.get(k) or {}).get("citations", 0),
                             numbers.index(split_key(k)[0]), k))
    group = np.full(table.size, len(keys), dtype=np.int64)
    for place, k in reversed(list(enumerate(keys))):
        group[table.postings["directive"][k]] = place
    return group


def highlight_terms(parsed: ParsedQuery) -> Terms:
    """The query's words and phrases, for snippets to mark what matched."""
    return Terms.of(parsed.words, parsed.phrases)


def _hit(hit: Mapping[str, Any], score: float | None, terms: Terms, text: str, keywords: list[str]) -> Hit:
    return Hit(
        id=hit["id"],
        title=hit.get("title") or "",
        url=hit.get("url"),
        published=hit.get("published") or None,
        province=hit.get("province") or None,
        province_2025=hit.get("province_2025") or None,
        directives=listed(hit.get("directives")),
        score=round(score, 4) if score is not None else None,  # None when sorted by date
        snippet=snippet(text, terms),
        source=hit.get("source"),
        near_duplicate_of=hit.get("near_duplicate_of") or None,
        records=listed(hit.get("directive_record")),
        genre=hit.get("genre") or None,
        period=hit.get("period") or None,
        parent_id=hit.get("parent_id") or None,
        number=hit.get("number") or None,
        keywords=keywords,
    )


def _without_numbers(text: str) -> str:
    """``text`` with every cited document number blanked out (same length; a comma, so that the words either
    side do not make a pair)."""
    text = nfc(text)
    parts, last = [], 0
    for start, end, _number in cited_spans(text):
        if start >= last:  # listed numbers ("217, 218-QĐ/TW") may share characters
            parts += [text[last:start], "," + " " * (end - start - 1)]
            last = end
    return "".join(parts) + text[last:]


def _syllables(text: str) -> set[str]:
    """The folded, lower-case syllables of ``text``."""
    return set(re.findall(r"\w+", key(text)))
