"""Vietnamese analyzers as Whoosh ``Tokenizer | Filter`` pipelines.

Text is indexed as syllables (recall, phrase queries), plus each pair of
adjacent syllables as one extra term at the first syllable's position
("dân vận" -> "dân_vận"): on the ALQAC judged set syllables + bigrams beat
both syllables alone and pyvi words (DESIGN.md).  A second, folded analyzer
drops diacritics so "dan van kheo" matches "Dân vận khéo".

>>> [(t.text, t.pos, t.startchar, t.endchar) for t in ANALYZER("Dân vận khéo", positions=True, chars=True)]
[('dân', 0, 0, 3), ('vận', 1, 4, 7), ('dân_vận', 0, 0, 7), ('khéo', 2, 8, 12), ('vận_khéo', 1, 4, 12)]
>>> [t.text for t in FOLDED_ANALYZER("Hoà giải, Đảng")]
['hoa', 'giai', 'hoa_giai', 'dang']
"""
from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

import numpy as np
from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from corpus.knowledge.vietnamese import fold, normalize
from indexer.crf import Crf
from indexer.term_rules import BOILERPLATE, KEYWORDS, MAX_SYLLABLES, STOPWORDS

# A syllable is a run of letters/digits; "_" is reserved for joined terms.
_SYLLABLE = re.compile(r"[^\W_]+")
JOINER = "_"
_PUNCTUATION = string.punctuation  # pyvi tests "token in string.punctuation" (a substring test): the same here
_FOLDED: dict[str, str] = {}  # syllable -> folded syllable
_FOLDED_MAX = 500_000


class SyllableTokenizer(Tokenizer):
    """Split normalised text into syllables with positions and offsets.

    Each token also carries ``joined``: True when only whitespace separates it
    from the previous syllable, so filters know where a phrase is broken by
    punctuation ("kinh tế - xã hội").
    """

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs) -> Iterator[Token]:
        text = normalize(value)  # length-preserving on NFC input: offsets stay valid
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = text
            t.pos, t.startchar, t.endchar, t.joined = start_pos, start_char, start_char + len(text), False
            yield t
            return
        prev_end = None
        for pos, match in enumerate(_SYLLABLE.finditer(text)):
            start, end = match.span()
            t.text = match.group()
            if keeporiginal:
                t.original = t.text
            t.boost = 1.0
            t.stopped = False
            t.pos = start_pos + pos
            t.startchar, t.endchar = start_char + start, start_char + end
            t.joined = prev_end is not None and text[prev_end:start].isspace()
            prev_end = end
            yield t


class FoldFilter(Filter):
    """Remove Vietnamese diacritics (đ -> d) from each token.

    >>> [t.text for t in (SyllableTokenizer() | FoldFilter())("Thủ tướng")]
    ['Thu', 'tuong']
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        # fold() works character by character; a language has few distinct
        # syllables, so remembering them makes folding a dict lookup.
        for t in tokens:
            t.text = fold_syllable(t.text)
            yield t


def fold_syllable(syllable: str) -> str:
    """``fold(syllable)``, remembered: a language has few distinct syllables.

    >>> fold_syllable("đảng")
    'dang'
    """
    folded = _FOLDED.get(syllable)
    if folded is None:
        folded = fold(syllable)
        if len(_FOLDED) < _FOLDED_MAX:
            _FOLDED[syllable] = folded
    return folded


class BigramFilter(Filter):
    """After each syllable joined to the previous one, add the pair as one term.

    The pair sits at the first syllable's position and spans both syllables,
    so phrase queries and highlights stay right.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        prev_text = prev_pos = prev_start = None
        for t in tokens:
            text, pos, start, end = t.text, t.pos, t.startchar, t.endchar
            yield t
            if t.joined and prev_text is not None:
                t.text = prev_text + JOINER + text
                t.pos, t.startchar, t.endchar = prev_pos, prev_start, end
                yield t
                t.text, t.pos, t.startchar, t.endchar = text, pos, start, end
            prev_text, prev_pos, prev_start = text, pos, start


_SPLIT = re.compile(r"([^\W_]+)")


def terms(text: str, folded: bool = False) -> tuple[list[str], list[int]]:
    """Every term ``ANALYZER`` (or ``FOLDED_ANALYZER``) makes of ``text``, with its position.

    Syllables come first, in order, then the pairs of joined syllables: the
    same terms and positions as running the analyzer, without a Token per
    term (indexing spends most of its analysis time here).

    >>> terms("Dân vận, dân vận khéo")
    (['dân', 'vận', 'dân', 'vận', 'khéo', 'dân_vận', 'dân_vận', 'vận_khéo'], [0, 1, 2, 3, 4, 0, 2, 3])
    >>> terms("Hoà giải", folded=True)
    (['hoa', 'giai', 'hoa_giai'], [0, 1, 0])
    """
    syllables, pairs = syllables_and_pairs(text, folded)
    _, joined = syllables_and_joins(text)
    return [*syllables, *pairs], [*range(len(syllables)), *compress(range(len(joined)), joined)]


def syllables_and_pairs(text: str, folded: bool = False) -> tuple[tuple[str, ...], list[str]]:
    """The terms of :func:`terms`: the syllables (each at its index) and the pairs, without the pairs' positions.

    The index keeps no positions of pairs (phrases are matched on syllables).

    >>> syllables_and_pairs("Dân vận, dân vận khéo")
    (('dân', 'vận', 'dân', 'vận', 'khéo'), ['dân_vận', 'dân_vận', 'vận_khéo'])
    """
    syllables, joined = syllables_and_joins(text)
    if folded:
        syllables = fold_all(syllables)
    return syllables, list(compress(map(JOINER.join, zip(syllables, syllables[1:])), joined))


def fold_all(syllables: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`fold_syllable` of each syllable (a text repeats its syllables: each distinct one is looked up once).

    >>> fold_all(("hòa", "giải", "hòa"))
    ('hoa', 'giai', 'hoa')
    """
    known = {syllable: fold_syllable(syllable) for syllable in set(syllables)}
    return tuple(map(known.__getitem__, syllables))


# A text is lower-cased at once, not a syllable at a time, unless it holds one of the two characters whose lower
# case is not theirs alone: a capital sigma's depends on what follows it (within a syllable: its end), a dotted I's
# is two characters (a letter and a combining dot, which no syllable holds).  Every other character's lower case
# is one character, a syllable's character if and only if it is one (tests/test_analysis.py checks them all).
_SIGMA, _DOTTED_I = "\u03a3", "\u0130"


@lru_cache(maxsize=4)
def syllables_and_joins(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """Lower-cased syllables of ``text``, and for each but the last whether only whitespace follows it
    (whether it and the next make a pair).

    Remembered: a query's text is analysed twice, with and without diacritics.

    >>> syllables_and_joins("Dân vận, khéo")
    (('dân', 'vận', 'khéo'), (True, False))
    """
    text = normalize(text)
    if _SIGMA in text or _DOTTED_I in text:  # lower-cased a syllable at a time (see _SIGMA)
        parts = _SPLIT.split(text)  # separator, syllable, separator, ..., separator
        return tuple(map(str.lower, parts[1::2])), tuple(map(str.isspace, parts[2:-1:2]))
    parts = _SPLIT.split(text.lower())
    return tuple(parts[1::2]), tuple(map(str.isspace, parts[2:-1:2]))


SYLLABLE_ANALYZER = SyllableTokenizer() | LowercaseFilter()
ANALYZER = SyllableTokenizer() | LowercaseFilter() | BigramFilter()
FOLDED_ANALYZER = SyllableTokenizer() | LowercaseFilter() | FoldFilter() | BigramFilter()


def syllables(text: str) -> list[str]:
    """Lower-cased, tone-normalised syllables of ``text``.

    >>> syllables("Hoà giải ở cơ sở")
    ['hòa', 'giải', 'ở', 'cơ', 'sở']
    """
    return [t.text for t in SYLLABLE_ANALYZER(text)]


@lru_cache(maxsize=1)
def _pyvi():
    """pyvi's tokenizer class (its CRF model loads on import, once per process)."""
    import warnings

    with warnings.catch_warnings():
        # pyvi's regular expressions are written with invalid escapes ("\\.", "\\d"):
        # SyntaxWarning (DeprecationWarning before 3.12) when compiled.  Not the user's concern.
        warnings.simplefilter("ignore")
        from pyvi.ViTokenizer import ViTokenizer
    return ViTokenizer


@lru_cache(maxsize=1)
def _crf() -> Crf:
    """pyvi's CRF model as numbers (sklearn-crfsuite keeps it in a file while pyvi is loaded)."""
    crf = Crf.read(_pyvi().model.modelfile.name)
    if crf.labels != ("B_W", "I_W"):
        raise ValueError(f"pyvi's model has labels {crf.labels}, not B_W (begins a word) and I_W (inside one)")
    return crf


def load_segmenter() -> None:
    """Load pyvi now (before forking workers, so they share the model)."""
    _crf()


def segment(text: str) -> list[tuple[str, ...]]:
    """pyvi's words of ``text``: tuples of its tokens (syllables, numbers, punctuation), as written.

    The same words as ``ViTokenizer.tokenize`` (a test checks it); see :func:`_segmented`.
    """
    tokens, _low, bounds = _segmented(text)
    return [tuple(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]


def _segmented(text: str) -> tuple[list[str], list[str], list[int]]:
    """pyvi's tokens of ``text``, lower-cased too, and where its words start (then the number of tokens).

    pyvi's CRF with the features ``ViTokenizer`` gives it, without building
    them: what each distinct token brings to its own and its neighbours'
    scores is remembered as numbers (:func:`_token_row`), the scores are
    summed with numpy in the order crfsuite sums pyvi's attributes (so they
    are the same to the last bit) and decoded by crfsuite's Viterbi
    (:class:`indexer.crf.Crf`): the same labels as pyvi, a test checks it.
    """
    vt = _pyvi()
    tokens = pyvi_tokens(text)
    if not tokens:
        return [], [], []
    crf = _crf()
    n = len(tokens)
    if len(_TOKENS) >= _TOKENS_MAX:  # between documents: rows are read by number within one
        _TOKENS.clear()
        _LOWER.clear()
    rows = list(map(_TOKENS.get, tokens))  # most tokens were seen before: no Python call for them
    if None in rows:
        rows = [_token_row(token) if row is None else row for row, token in zip(rows, tokens)]
    low = list(map(_LOWER.__getitem__, rows))
    # (n, 19): own score, then 3 pairs lent rightwards, 3 leftwards; whether it may join a word, is title-cased;
    # whether it is the first, second, third word of one of pyvi's trigrams
    weights = _WEIGHTS[0][np.array(rows)]
    bi = np.fromiter(map(vt.bi_grams.__contains__, map(" ".join, zip(low, low[1:]))), bool, n - 1)[:, None]
    tri = np.zeros((max(0, n - 2), 1), dtype=bool)
    # pyvi has ~2,000 trigrams: only where three tokens could make one (~1 in 10) is the text looked up
    maybe = np.flatnonzero(weights[:-2, 16] * weights[1:-1, 17] * weights[2:, 18]).tolist()
    if maybe:
        tri[maybe, 0] = list(map(vt.tri_grams.__contains__, (" ".join(low[i:i + 3]) for i in maybe)))
    flag = crf.state.get
    scores = weights[:, 0:2].copy()
    # pyvi's attribute order: own, -1:lower/istitle/isupper, -1:bi_gram, -2:tri_gram, +1:lower/istitle/isupper,
    # +1:bi_gram, +2:tri_gram (a false flag or an attribute the model lacks adds nothing, so it is left out).
    for column in (2, 4, 6):
        scores[1:] += weights[:-1, column:column + 2]
    scores[1:] += np.where(bi, flag("-1:word.bi_gram()", _NO_WEIGHT), 0.0)
    scores[2:] += np.where(tri, flag("-2:word.tri_gram()", _NO_WEIGHT), 0.0)
    for column in (8, 10, 12):
        scores[:-1] += weights[1:, column:column + 2]
    scores[:-1] += np.where(bi, flag("+1:word.bi_gram()", _NO_WEIGHT), 0.0)
    scores[:-2] += np.where(tri, flag("+2:word.tri_gram()", _NO_WEIGHT), 0.0)
    inside = np.array(crf.viterbi(scores.T.tolist()), bool)  # I_W
    joinable, title = weights[:, 14] > 0, weights[:, 15] > 0
    # pyvi's own rule for joining a token to the word before it
    joins = inside[1:] & joinable[1:] & joinable[:-1] & ~(title[1:] & ~title[:-1])
    return tokens, low, [0, *(np.flatnonzero(~joins) + 1).tolist(), n]


# pyvi's tokenizer (ViTokenizer.sylabelize), branch by branch in its order: abbreviations, specials, a URL, an
# e-mail address, a number with separators, a non-word character, a word.  Each branch but the last three is
# tried only where the text holds what it needs (a branch that cannot match anywhere changes no match), and no
# branch captures a group (findall then gives each match as a str, not a tuple of groups).
_PYVI_BRANCHES = ((r"[A-ZĐ]+\.", "."), (r"Tp\.", "Tp."), (r"Mr\.", "Mr."), (r"Mrs\.", "Mrs."), (r"Ms\.", "Ms."),
                  (r"Dr\.", "Dr."), (r"ThS\.", "ThS."), ("==>", "==>"), ("->", "->"), (r"\.\.\.", "..."),
                  (">>", ">>"), ("\n", "\n"), (r"\w+://[^\s]+", "://"),
                  (r"[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+", "@"), (r"\d+(?:[\.,_]\d+)+", ""),
                  (r"[^\w\s]", ""), (r"\w+", ""))


def pyvi_tokens(text: str) -> list[str]:
    """pyvi's tokens of ``text`` (``ViTokenizer.sylabelize(text)[1]``: a test compares them).

    >>> pyvi_tokens("Tp. Hà Nội -> 1.200,5 tỷ... a@b.vn")
    ['Tp.', 'Hà', 'Nội', '->', '1.200,5', 'tỷ', '...', 'a@b.vn']
    """
    text = unicodedata.normalize("NFC", text)
    return _pyvi_pattern(tuple(needs in text for _, needs in _PYVI_BRANCHES)).findall(text)


@lru_cache(maxsize=64)
def _pyvi_pattern(present: tuple[bool, ...]) -> re.Pattern:
    """pyvi's tokenizer with the branches ``present`` only."""
    return re.compile("|".join(branch for (branch, _), here in zip(_PYVI_BRANCHES, present) if here))


_NO_WEIGHT = (0.0, 0.0)
_TOKENS: dict[str, int] = {}  # pyvi token -> its row of _WEIGHTS (_token_row)
_LOWER: list[str] = []  # each row's token lower-cased
_TOKENS_MAX = 200_000
_WEIGHTS = [np.zeros((1024, 19))]  # row r: the weights of the token _TOKENS numbers r (grown by doubling)


@lru_cache(maxsize=1)
def _trigram_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The first, second and third words of pyvi's trigrams (a text's tokens hold no space: only a trigram of
    three words can be three tokens joined by spaces)."""
    words = [gram.split(" ") for gram in _pyvi().tri_grams]
    return tuple(frozenset(w[i] for w in words if len(w) == 3) for i in range(3))


def _token_row(token: str) -> int:
    """What a pyvi token brings to the CRF's scores, remembered per distinct token: its row of ``_WEIGHTS``.

    The row holds 7 pairs of weights (B_W, I_W): the sum of its own
    attributes (bias, word.lower(), isupper, istitle, isdigit), added in
    that order from 0.0 as crfsuite adds them; then, one pair per attribute,
    what it lends the token after it (-1:word.lower(), -1:word.istitle(),
    -1:word.isupper()) and the token before it (+1:...); then 1.0 if pyvi
    lets it join a word (not punctuation, not starting with a digit), 1.0
    if its first character is upper case, and 1.0 for each place of a
    trigram its lower-case form takes.  ``_LOWER`` holds it lower-cased.
    """
    found = _TOKENS.get(token)
    if found is None:
        weight = _crf().state.get
        low = token.lower()
        upper, title = token.isupper(), token.istitle()
        own_b = own_i = 0.0
        for name in ("bias", "word.lower():" + low, "word.isupper()" if upper else None,
                     "word.istitle()" if title else None, "word.isdigit()" if token.isdigit() else None):
            b, i = weight(name, _NO_WEIGHT) if name else _NO_WEIGHT
            own_b += b
            own_i += i
        lent = []
        for side in ("-1:", "+1:"):
            lent += weight(side + "word.lower():" + low, _NO_WEIGHT)
            lent += weight(side + "word.istitle()", _NO_WEIGHT) if title else _NO_WEIGHT
            lent += weight(side + "word.isupper()", _NO_WEIGHT) if upper else _NO_WEIGHT
        row = len(_TOKENS)
        table = _WEIGHTS[0]
        if row == len(table):
            _WEIGHTS[0] = table = np.concatenate((table, np.zeros_like(table)))
        table[row] = (own_b, own_i, *lent, token not in _PUNCTUATION and not token[0].isdigit(), token[0].istitle(),
                      *(low in words for words in _trigram_words()))
        _LOWER.append(low)
        found = _TOKENS[token] = row
    return found


def word_terms(text: str) -> Counter:
    """Candidate terms of ``text`` with their counts: pyvi words of 2+ syllables and pairs of adjacent
    words (``MAX_SYLLABLES`` at most), lower-cased, tone-normalised, syllables joined by "_";
    no stopword, number or boilerplate phrase (:mod:`indexer.term_rules`).

    >>> sorted(word_terms("Đẩy mạnh chuyển đổi số ở cơ sở. Chuyển đổi số!"))
    ['chuyển_đổi', 'chuyển_đổi_số', 'cơ_sở']
    """
    found: list[str] = []  # counted at the end, in the order of first occurrence
    add = found.append
    _tokens, low, bounds = _segmented(normalize(text))
    alpha = list(map(str.isalpha, low))
    prev: str | None = None  # the previous word, if a content word
    prev_len = 0
    for a, b in zip(bounds, bounds[1:]):
        size = b - a
        if size == 1:  # most words
            term = low[a]
            if not alpha[a] or term in STOPWORDS:
                prev = None
                continue
        else:
            term = JOINER.join(low[a:b])
            if not all(alpha[a:b]) or term in STOPWORDS:
                prev = None
                continue
        if 2 <= size <= MAX_SYLLABLES and term not in BOILERPLATE:
            add(term)
        if prev is not None and (prev_len >= 2 or size >= 2) and prev_len + size <= MAX_SYLLABLES:
            add(prev + JOINER + term)
        prev, prev_len = term, size
    return Counter(found)


@dataclass(frozen=True)
class Background:
    """How many of ``size`` sampled documents hold each word term: what a document's keywords are weighed against."""

    size: int = 0
    df: Mapping[str, int] = field(default_factory=dict)
    # The sampled documents' word terms by id, while a build runs: not segmented twice.
    known: Mapping[str, Mapping[str, int]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, documents: Iterable[tuple[str, Mapping[str, int]]]) -> "Background":
        """The background of documents given as (id, :func:`word_terms`)."""
        df: Counter = Counter()
        known = {}
        for doc_id, counts in documents:
            df.update(counts.keys())
            known[doc_id] = counts
        return cls(len(known), dict(df), known)

    def only(self, ids: Iterable[str]) -> "Background":
        """This background knowing the word terms of ``ids`` only (what one worker's documents need)."""
        return Background(self.size, self.df, {i: self.known[i] for i in ids if i in self.known})


def keywords(counts: Mapping[str, int], background: Background, top: int = KEYWORDS) -> list[str]:
    """A document's ``top`` terms (its :func:`word_terms`) by tf x idf against ``background``, as people write them.

    Ties go by term, so the same text and background always give the same keywords; a term every
    sampled document holds describes none.  With an empty background, the most frequent terms.

    >>> keywords({"dân_vận": 3, "cơ_sở": 3, "chuyển_đổi_số": 1}, Background(4, {"dân_vận": 4, "cơ_sở": 1}))
    ['cơ sở', 'chuyển đổi số']
    """
    size, df = background.size, background.df
    weighted = []
    for term, n in counts.items():
        held = df.get(term, 0)
        if size and held >= size:
            continue
        weighted.append((-n * math.log((size + 1) / (held + 1)) if size else -n, term))
    weighted.sort()
    return [term.replace(JOINER, " ") for _, term in weighted[:top]]
