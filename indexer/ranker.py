"""BM25 scoring with numpy over the Whoosh index's own postings.

Whoosh stays the index; we only read its postings and field lengths into
arrays (cached per reader) and score a query as a few vector operations.
Whoosh's matcher trees score document by document in Python, which costs
hundreds of milliseconds for the long or common-word queries of this domain.

The best ``RERANK`` documents by BM25 then get the query's word order as
evidence: every stretch of ``CHAIN_MIN`` or more consecutive query syllables
whose adjacent pairs (index terms) a document all holds adds ``CHAIN_WEIGHT``
x the idf of its syllables.  It reads only pair postings the scoring has
already read, diacritic-folded, so a query typed without marks gets the same
evidence.  Checking the positions of the stretch measured a little better on
ALQAC for three times the cost (BENCHMARKS.md "Ranking, session 5"); the
weight was chosen on held-out folds (``benchmarks/relevance.py``).

Each matched term also adds ``DELTA`` x its idf (BM25+, Lv & Zhai 2011): a
long document's single mention of a query word is not normalised away to
nothing, which is how long definition articles lost to short neighbours.
``DELTA`` was chosen on held-out folds too (BENCHMARKS.md "Ranking, session 5").
The floor is scaled by the share of the query's idf a document's body holds
(``COVERAGE``): a long article that holds a few of a question's words once gets a
fraction of it, so short passages holding most of the question are not buried under
long news articles; ``COVERAGE`` was measured on ALQAC and a second collection
together (BENCHMARKS.md "Ranking, session 9").

A query typed without diacritics is scored with a stronger length
normalisation (``FOLDED_B``): a folded syllable stands for several words, so a
long document collects chance matches ("dan" for dân, dẫn, đàn...).  Chosen on
held-out folds (BENCHMARKS.md "Ranking, session 6").

Such a query is first read with the marks the corpus is sure of (``restoration``,
``indexer.suggest.readings``): those syllables and pairs score as if typed with
them, the rest as typed.  The accented forms of a folded syllable and the
accented pairs' frequencies are term lookups, remembered per generation
(BENCHMARKS.md "Ranking, session 7").
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

from indexer import longlists, whoosh_internals
from indexer.analysis import JOINER
from indexer.schema import positions_array
from indexer.suggest import RESTORE_CONFIDENCE, RESTORE_SMOOTHING, accent_variants, readings, restoration

K1 = 1.2
B = 0.75
FOLDED_B = 0.9  # b for a query typed without diacritics (``score(..., folded=True)``)
CHAIN_WEIGHT = 0.2  # x idf of each stretch of CHAIN_MIN+ query syllables whose pairs a document holds
CHAIN_MIN = 3  # a single pair is an index term already
CHAIN_FIELD = "text_folded"  # folded: a query typed without marks gets the same evidence
# ``benchmarks/relevance.py --collection both`` (ALQAC's folds + half of BKAI's questions among news articles) chose
# DELTA 1.0 with COVERAGE 2, which took ALQAC's cross-validated figures below 0.900; shipped is the best setting of its
# grid that leaves ALQAC where it was (0.906 / 0.905; BKAI's reporting half 0.636 / 0.632, was 0.609 / 0.606):
# BENCHMARKS.md "Ranking, session 9".
DELTA = 1.5  # BM25+ lower bound per matched term (x idf); 0 is plain BM25
COVERAGE = 1.0  # the floor x (share of the query's body idf a document holds) ** COVERAGE; 0: the floor alone
FLOOR_LENGTH = 0.0  # the floor x (1 - b + b len/avg) ** -FLOOR_LENGTH; 0: the same floor at every length
TITLE_B = None  # b of the title fields (None: the body's)
RERANK = 100  # best documents by BM25 that are given the chain evidence
CACHE_TERMS = 20_000  # postings arrays kept per reader
CACHE_FREQUENCIES = 100_000  # document frequencies kept per reader (about 15 MB at most), oldest dropped first
CACHE_IDF = 200_000  # idf values kept per reader (a Whoosh term lookup per segment each otherwise)
CACHE_PHRASES = 256  # phrase match masks kept per reader (size/8 bytes each)
# A portal article's title is not repeated in its text, a law article's heading is: so that a word of the title
# weighs the same either way, a body field counts the title's words too (``add_scores``).
BODY_TITLE = {"text": "title", "text_folded": "title_folded"}
TITLES = frozenset(BODY_TITLE.values())
_POS_BITS = 24  # a phrase position key is docnum << _POS_BITS | position


class Ranker:
    """Postings, field lengths and BM25 for one index reader."""

    def __init__(self, reader, k1: float = K1, b: float = B, chain_weight: float = CHAIN_WEIGHT,
                 delta: float = DELTA, folded_b: float = FOLDED_B, restore: float | None = RESTORE_CONFIDENCE,
                 restore_smoothing: float = RESTORE_SMOOTHING, coverage: float = COVERAGE,
                 floor_length: float = FLOOR_LENGTH, title_b: float | None = TITLE_B) -> None:
        self.reader = reader
        self.k1, self.b, self.delta, self.folded_b = k1, b, delta, folded_b
        self.coverage, self.floor_length, self.title_b = coverage, floor_length, title_b
        self.restore = restore  # confidence a folded query's marks are restored at (None: never)
        self.restore_smoothing = restore_smoothing
        self.chain_weight = chain_weight
        self.size = reader.doc_count_all()
        self.docs = max(1, reader.doc_count())
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}  # mean of each field's lengths
        self._postings: OrderedDict = OrderedDict()
        self._holders: OrderedDict = OrderedDict()  # (field, term) -> (doc numbers,): terms read by holders()
        self._frequencies: OrderedDict = OrderedDict()  # (field, term) -> documents holding it
        self._phrases: OrderedDict = OrderedDict()
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[str, int] = {}  # accented (text) term -> document frequency
        self._forms: dict[str, list[tuple[str, int]]] = {}  # folded syllable -> its accented forms, commonest first
        # Per segment: its memory-mapped long posting lists (None: it has none).
        self._longlists = [longlists.open_for(leaf) for leaf, _ in reader.leaf_readers()]
        # Per segment: its deleted document numbers (None: none), which long lists still hold.
        self._deleted = [np.fromiter(sorted(leaf.deleted_docs_set), dtype=np.int64) if leaf.has_deletions() else None
                         for leaf, _ in reader.leaf_readers()]
        self._lock = threading.Lock()
        # Whoosh readers read files with seek() + read(): one thread at a time.
        # The ranker is shared by all the threads searching this generation.
        self.io = threading.RLock()

    # -- reading --------------------------------------------------------

    def lengths(self, field: str) -> np.ndarray:
        """Length (in terms) of ``field`` for every document number."""
        arr = self._lengths.get(field)
        if arr is None:
            with self.io:
                parts = [_leaf_lengths(leaf, field) for leaf, _ in self.reader.leaf_readers()]
            arr = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            self._lengths[field] = arr
        return arr

    def read_long_lists(self) -> None:
        """Read each segment's long-list directory now (a first lookup would decode it: 0.1 s at 100k)."""
        for long in self._longlists:
            if long is not None:
                long.directory

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, term frequencies) of ``term`` in ``field``; empty if absent."""
        key = (field, term)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
        with self.io:
            for (leaf, offset), long, deleted in zip(self.reader.leaf_readers(), self._longlists, self._deleted):
                found = long.postings(field, term) if long is not None else None
                if found is None:
                    found = whoosh_internals.term_postings(leaf, field, term)
                    if found is None:
                        continue
                    found = read_all(found)
                leaf_ids, leaf_weights = found
                if deleted is not None:  # as leaf.postings() would: without deleted documents
                    live = ~np.isin(leaf_ids, deleted)
                    leaf_ids, leaf_weights = leaf_ids[live], leaf_weights[live]
                ids.append(np.asarray(leaf_ids, dtype=np.int64) + offset)
                weights.append(np.asarray(leaf_weights, dtype=np.float32))
        hit = (np.concatenate(ids), np.concatenate(weights))
        with self._lock:
            self._postings[key] = hit
            if len(self._postings) > CACHE_TERMS:
                self._postings.popitem(last=False)
        return hit

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents hold ``term`` in ``field`` (read under the lock, then kept: the spelling suggestions
        of a query refined with facets look up the same hundreds of forms again)."""
        key = (field, term)
        with self._lock:
            found = self._frequencies.get(key)
        if found is None:
            with self.io:
                found = self.reader.doc_frequency(field, term)
            with self._lock:
                self._frequencies[key] = found
                if len(self._frequencies) > CACHE_FREQUENCIES:
                    self._frequencies.popitem(last=False)
        return found

    def docs_with(self, field: str, term: str) -> np.ndarray:
        """Doc numbers holding ``term`` in ``field``."""
        return self.postings(field, term)[0]

    def holders(self, field: str, term: str) -> np.ndarray:
        """:meth:`docs_with`, reading no weights: for terms counted, not scored (significant terms' candidates)."""
        return self.holders_of(field, [term])[0]

    def holders_of(self, field: str, terms: list[str]) -> list[np.ndarray]:
        """:meth:`holders` of each of ``terms``, those not kept read together (a segment's term table scanned once
        for all of them)."""
        found: dict[str, tuple] = {}
        with self._lock:
            for term in terms:
                hit = self._postings.get((field, term)) or self._holders.get((field, term))
                if hit is not None:
                    found[term] = hit
        wanted = list(dict.fromkeys(term for term in terms if term not in found))
        if wanted:
            ids: dict[str, list[np.ndarray]] = {term: [np.zeros(0, dtype=np.int64)] for term in wanted}
            with self.io:
                for (leaf, offset), long, deleted in zip(self.reader.leaf_readers(), self._longlists, self._deleted):
                    in_long = {term: got[0] for term in wanted
                               if long is not None and (got := long.postings(field, term)) is not None}
                    rest = [term for term in wanted if term not in in_long]
                    for term, leaf_ids in (in_long | whoosh_internals.terms_ids(leaf, field, rest)).items():
                        if deleted is not None:
                            leaf_ids = leaf_ids[~np.isin(leaf_ids, deleted)]
                        ids[term].append(np.asarray(leaf_ids, dtype=np.int64) + offset)
            with self._lock:
                for term in wanted:
                    found[term] = self._holders[(field, term)] = (np.concatenate(ids[term]),)
                while len(self._holders) > CACHE_TERMS:
                    self._holders.popitem(last=False)
        return [found[term][0] for term in terms]

    def phrase_mask(self, query) -> np.ndarray | None:
        """Documents matching a Whoosh ``Phrase`` (or an ``Or`` of them), or None if not one.

        Whoosh checks a phrase with nested span matchers, document by
        document in Python.  Here only documents holding every word are
        looked at, and their positions are intersected with numpy.
        """
        from whoosh import query as Q

        phrases = query.subqueries if isinstance(query, Q.Or) else [query]
        if not phrases or not all(isinstance(p, Q.Phrase) and p.slop == 1 and not p.char_ranges
                                  for p in phrases):
            return None
        # Users refine a result list with facets: the same phrase comes back
        # with other filters, so its (filter-independent) mask is remembered.
        key = repr(query)
        with self._lock:
            mask = self._phrases.get(key)
            if mask is not None:
                self._phrases.move_to_end(key)
                return mask
        mask = self._phrase_mask(phrases)
        mask.flags.writeable = False  # shared between searches
        with self._lock:
            self._phrases[key] = mask
            if len(self._phrases) > CACHE_PHRASES:
                self._phrases.popitem(last=False)
        return mask

    def _phrase_mask(self, phrases: list) -> np.ndarray:
        """Union of the documents matching each exact (slop 1) phrase."""
        from indexer.analysis import fold_syllable

        # An accented phrase matches only where its folded twin does (same
        # positions, folded terms), so when the query has both, the twin decides.
        folded = {(p.fieldname, tuple(p.words)) for p in phrases}
        phrases = [p for p in phrases
                   if (p.fieldname + "_folded", tuple(fold_syllable(w) for w in p.words)) not in folded]
        mask = np.zeros(self.size, dtype=bool)
        for phrase in phrases:
            words = list(phrase.words)
            candidates = np.ones(self.size, dtype=bool)
            for word in dict.fromkeys(words):
                has = np.zeros(self.size, dtype=bool)
                has[self.docs_with(phrase.fieldname, word)] = True
                candidates &= has
            if len(words) == 1 or not candidates.any():
                mask |= candidates
                continue
            # Rarest word first; each step keeps only documents where the
            # words so far stand at the right distance, so common words are
            # decoded for few documents.
            order = sorted(range(len(words)), key=lambda i: len(self.docs_with(phrase.fieldname, words[i])))
            keys = None
            for i in order:
                word_keys = self._position_keys(phrase.fieldname, words[i], candidates) - i
                keys = word_keys if keys is None else np.intersect1d(keys, word_keys, assume_unique=True)
                candidates = np.zeros(self.size, dtype=bool)
                candidates[keys >> _POS_BITS] = True
                if not len(keys):
                    break
            mask |= candidates
        return mask

    def _position_keys(self, field: str, term: str, candidates: np.ndarray) -> np.ndarray:
        """Sorted unique ``docnum << _POS_BITS | position`` of ``term`` in the ``candidates`` documents."""
        out = [np.zeros(0, dtype=np.int64)]
        with self.io:
            self._read_position_keys(field, term, candidates, out)
        keys = np.concatenate(out)
        keys.sort()
        return keys

    def _read_position_keys(self, field: str, term: str, candidates: np.ndarray, out: list) -> None:
        for (leaf, offset), long in zip(self.reader.leaf_readers(), self._longlists):
            found = long.positions(field, term) if long is not None else None
            if found is not None:
                out.append(_long_position_keys(*found, offset, candidates))
                continue
            found = whoosh_internals.term_postings(leaf, field, term)
            if found is None:
                continue
            if isinstance(found, tuple):  # inlined: a few postings
                for docnum, value in zip(found[0], found[2]):
                    if candidates[docnum + offset]:
                        out.append(((docnum + offset) << _POS_BITS) + positions_array(value).astype(np.int64))
                continue
            wanted = np.flatnonzero(candidates[offset:offset + leaf.doc_count_all()])
            low = 0  # docnums below this were in earlier blocks
            for block in whoosh_internals.blocks(found):
                # The block header gives its last docnum: blocks holding no
                # candidate are skipped without decompressing them.
                high = block.max_id
                has_candidate = np.searchsorted(wanted, high, side="right") > np.searchsorted(wanted, low)
                low = high + 1
                if not has_candidate:
                    continue
                block_ids = block.ids() + offset
                chosen = np.flatnonzero(candidates[block_ids])
                if len(chosen):
                    values = block.values()
                    for j in chosen.tolist():
                        positions = positions_array(values[j]).astype(np.int64)
                        out.append((int(block_ids[j]) << _POS_BITS) + positions)

    def text_df(self, term: str) -> int:
        """Document frequency of an accented syllable or pair in the body (remembered per generation)."""
        n = self._df.get(term)
        if n is None:
            n = self.doc_frequency("text", term)
            with self._lock:
                if len(self._df) >= CACHE_IDF:
                    self._df.clear()
                self._df[term] = n
        return n

    def accent_forms(self, folded: str) -> list[tuple[str, int]]:
        """(form, df) of every accented form of a folded syllable the body holds, commonest first."""
        forms = self._forms.get(folded)
        if forms is None:
            # A folded syllable the body lacks has no accented form there: one lookup, not one per spelling
            # (a 7-letter run of vowels has tens of thousands).
            variants = accent_variants(folded) if self.doc_frequency("text_folded", folded) else ()
            forms = sorted(((v, self.text_df(v)) for v in variants), key=lambda f: (-f[1], f[0]))
            forms = [f for f in forms if f[1]]
            with self._lock:
                if len(self._forms) >= CACHE_IDF:
                    self._forms.clear()
                self._forms[folded] = forms
        return forms

    def restoration(self, words: list[str]) -> dict[str, str]:
        """Folded syllable or pair of a query typed without marks -> the accented form the corpus is sure of."""
        if self.restore is None or not words:
            return {}
        found = readings(words, self.accent_forms, self.text_df, self.restore, self.restore_smoothing)
        return restoration(words, found)

    # -- scoring --------------------------------------------------------

    def idf(self, field: str, term: str) -> float:
        """Lucene's BM25 idf, never negative (remembered: a generation's frequencies do not change)."""
        key = (field, term)
        value = self._idf.get(key)
        if value is None:
            df = self.doc_frequency(field, term)  # from the term dictionary: no postings decoded
            value = math.log(1 + (self.docs - df + 0.5) / (df + 0.5))
            with self._lock:
                if len(self._idf) >= CACHE_IDF:
                    self._idf.clear()
                self._idf[key] = value
        return value

    def add_scores(self, scores: np.ndarray, field: str, term: str, weight: float = 1.0,
                   delta: float | None = None, b: float | None = None,
                   floors: tuple[np.ndarray, np.ndarray] | None = None) -> float:
        """Add ``weight`` × BM25+(term in field) to ``scores`` in place (``delta``, ``b`` None: the ranker's);
        return ``weight`` × idf if a document holds the term in a body field, else 0.

        A body field counts the title's words too (``BODY_TITLE``): a term's frequency in the body is
        at least its frequency in the title.  With ``floors`` (floor, idf held) the BM25+ floor is added
        there instead of to ``scores``, and a body term's idf to the documents holding it, for
        :meth:`score` to scale.
        """
        ids, tf = self.postings(field, term)
        if field in BODY_TITLE:
            ids, tf = _with_title(ids, tf, *self.postings(BODY_TITLE[field], term))
        if not len(ids):
            return 0.0
        lengths = self.lengths(field)
        avg = self._average.get(field)
        if avg is None:
            avg = self._average[field] = float(lengths.mean()) or 1.0
        if field in TITLES and self.title_b is not None:
            b = self.title_b
        b = self.b if b is None else b
        norm = 1 - b + b * lengths[ids] / avg
        floor = self.delta if delta is None else delta
        if floor and self.floor_length:
            floor = floor * norm ** -self.floor_length
        idf = weight * self.idf(field, term)
        saturation = tf * (self.k1 + 1) / (tf + self.k1 * norm)
        if floors is None:
            scores[ids] += idf * (saturation + floor)
        else:
            scores[ids] += idf * saturation
            floors[0][ids] += idf * floor
            if field in BODY_TITLE:
                floors[1][ids] += idf
        return idf if field in BODY_TITLE else 0.0

    def score(self, terms: Iterable[tuple[str, str, float]], delta: float | None = None,
              folded: bool = False) -> np.ndarray:
        """Summed BM25+ of (field, term, weight) triples for every document (``delta`` None: the ranker's;
        ``folded``: the query was typed without diacritics, scored with ``folded_b``).

        With ``coverage``, each document's floor is scaled by the share of the query's body idf it holds
        (to that power): a long article holding one or two question words once gets little of it.  The
        body counts the title's words, so a document without a title can hold the whole query.
        """
        scores = np.zeros(self.size, dtype=np.float32)
        b = self.folded_b if folded else None
        if not self.coverage or not (self.delta if delta is None else delta):  # no floor to scale
            for field, term, weight in terms:
                self.add_scores(scores, field, term, weight, delta, b)
            return scores
        floors = (np.zeros(self.size, dtype=np.float32), np.zeros(self.size, dtype=np.float32))
        total = sum(self.add_scores(scores, field, term, weight, delta, b, floors) for field, term, weight in terms)
        if total > 0:
            scores += floors[0] * (floors[1] / total) ** self.coverage
        return scores

    def add_stand_ins(self, scores: np.ndarray, stand_ins: Iterable[tuple[str, str, float, list]]) -> None:
        """For each (field, value, share, terms): add to every document whose ``field`` holds ``value``
        ``share`` x the BM25+ a document of average length holding each of ``terms`` once would get.

        A six-month review is what "sơ kết 6 tháng" asks for, whether or not it
        says so in those words: its genre counts as the words, on their own scale.
        """
        for field, value, share, terms in stand_ins:
            ids = self.docs_with(field, value)
            if len(ids) and share:
                # At average length and tf 1, BM25's saturation part is (k1 + 1) / (1 + k1) = 1.
                scores[ids] += share * sum(weight * self.idf(f, term) * (1.0 + self.delta) for f, term, weight in terms)

    def chain_evidence(self, runs: Iterable[list[str]], candidates: np.ndarray) -> np.ndarray:
        """Per document among ``candidates``: the summed idf of every stretch of ``CHAIN_MIN`` or more
        consecutive syllables of ``runs`` (folded query syllables, in typed order) whose adjacent
        pairs the document all holds.

        A stretch of n syllables counts once per length from ``CHAIN_MIN`` to n,
        so longer shared stretches weigh more.  Only the pair postings are read
        (the scoring has already read them): no positions.
        """
        evidence = np.zeros(self.size, dtype=np.float32)
        docs = np.flatnonzero(candidates)
        if not len(docs):
            return evidence
        for run in (list(r) for r in runs if len(r) >= CHAIN_MIN):
            # held[i]: which docs hold every pair of run[i:i + n], for n = 2, 3, ...
            held = [_holding(self.docs_with(CHAIN_FIELD, a + JOINER + b), docs) for a, b in zip(run, run[1:])]
            idf = [self.idf(CHAIN_FIELD, term) for term in run]
            n = 2
            while len(held) > 1:
                n += 1
                held = [a & b for a, b in zip(held, held[1:])]
                if not any(h.any() for h in held):
                    break
                if n >= CHAIN_MIN:
                    for i, h in enumerate(held):
                        if h.any():
                            evidence[docs[h]] += sum(idf[i:i + n])
        return evidence

    def add_chain_evidence(self, scores: np.ndarray, allowed: np.ndarray, runs: list[list[str]]) -> None:
        """Add ``chain_weight`` x :meth:`chain_evidence` to the ``RERANK`` best ``scores`` among ``allowed``."""
        if not self.chain_weight or not any(len(run) >= CHAIN_MIN for run in runs):
            return
        candidates = np.zeros(self.size, dtype=bool)
        candidates[top(scores, allowed, RERANK)] = True
        scores += self.chain_weight * self.chain_evidence(runs, candidates)


def _with_title(ids: np.ndarray, tf: np.ndarray, title_ids: np.ndarray,
                title_tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A body term's (doc numbers, frequencies) with the title's counted in: the larger of the two per document.

    >>> _with_title(np.array([1, 4]), np.array([2.0, 1.0]), np.array([4, 7]), np.array([3.0, 1.0]))
    (array([1, 4, 7]), array([2., 3., 1.]))
    """
    if not len(title_ids):
        return ids, tf
    if not len(ids):
        return title_ids, title_tf
    at = np.minimum(np.searchsorted(ids, title_ids), len(ids) - 1)
    held = ids[at] == title_ids
    at = at[held]
    if (title_tf[held] > tf[at]).any():
        tf = tf.copy()
        np.maximum.at(tf, at, title_tf[held])
    if held.all():
        return ids, tf
    return np.concatenate([ids, title_ids[~held]]), np.concatenate([tf, title_tf[~held]])


def _holding(postings: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of the sorted ``docs``, whether the sorted doc numbers ``postings`` hold it."""
    if not len(postings):
        return np.zeros(len(docs), dtype=bool)
    at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
    return postings[at] == docs


def _long_position_keys(ids: np.ndarray, counts: np.ndarray, positions: np.ndarray, offset: int,
                        candidates: np.ndarray) -> np.ndarray:
    """Position keys of the candidate postings of a long list, without a Python loop per posting.

    ``positions`` holds every posting's positions in posting order, ``counts[i]``
    of them for posting i.
    """
    docnums = ids.astype(np.int64) + offset
    chosen = np.flatnonzero(candidates[docnums])
    if not len(chosen):
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    take = counts[chosen]
    # Indexes of the chosen postings' positions: each start, counted up `take` times.
    index = np.repeat(starts[chosen] - np.cumsum(take) + take, take) + np.arange(int(take.sum()))
    return (np.repeat(docnums[chosen], take) << _POS_BITS) + positions[index].astype(np.int64)


def _leaf_lengths(leaf, field: str) -> np.ndarray:
    """Field lengths of one segment, decoded from Whoosh's length column in one read."""
    size = leaf.doc_count_all()
    codes = np.zeros(size, dtype=np.uint8)
    column = whoosh_internals.length_bytes_column(leaf, field)
    if column is not None:  # None: no document has this field
        raw, count = column
        codes[:count] = np.frombuffer(raw, dtype=np.uint8)
    return _BYTE_TO_LENGTH[codes]


def _byte_lengths() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    table[0] = 0  # Whoosh reads byte 0 as "no length"
    return table


_BYTE_TO_LENGTH = _byte_lengths()


def read_all(found: tuple | W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, weights) of a segment's postings (see :func:`whoosh_internals.postings`), a block at a time."""
    if isinstance(found, tuple):  # inlined: a few postings
        return np.asarray(found[0], dtype=np.int64), np.asarray(found[1], dtype=np.float32)
    if not isinstance(found, W3LeafMatcher):
        raise TypeError(f"not a segment's postings: {type(found).__name__}")
    # Decoding a block's ids and weights with numpy is much faster than
    # Whoosh's own per-posting Python loop.
    ids, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
    for block in whoosh_internals.blocks(found):
        ids.append(block.ids())
        weights.append(block.weights())
    return np.concatenate(ids), np.concatenate(weights)


def top(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Doc numbers of the ``k`` best scores among ``allowed``, best first (ties: lower docnum)."""
    candidates = np.flatnonzero(allowed)
    if not len(candidates):
        return candidates
    if k < len(candidates):
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]
