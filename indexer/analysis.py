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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, repeat
from typing import NamedTuple

import numpy as np
from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from corpus.knowledge.vietnamese import fold, normalize
from indexer.crf import Crf, compiled_viterbi
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


# The attributes of pyvi's bi- and tri-gram flags, in the order _decoder's flags hold their weights.
_GRAM_FLAGS = ("-1:word.bi_gram()", "-2:word.tri_gram()", "+1:word.bi_gram()", "+2:word.tri_gram()")


@lru_cache(maxsize=1)
def _decoder() -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """pyvi's CRF scores summed and decoded, compiled (numba): ``decode(weights, bi, tri)`` -> the label id of each
    token, 1 inside a word (I_W).

    ``weights``: each token's row of ``_WEIGHTS`` (:func:`_token_row`); ``bi``: whether each token and the next
    are one of pyvi's bi-grams, ``tri`` the same for three.  A token's score is summed in the order crfsuite
    sums pyvi's attributes: own, -1:lower/istitle/isupper, -1:bi_gram, -2:tri_gram, +1:lower/istitle/isupper,
    +1:bi_gram, +2:tri_gram (a false flag adds 0.0), so the scores are the same to the last bit, then decoded
    by :func:`indexer.crf.compiled_viterbi`.  Compiled once per process (about a second): before the index
    workers fork (:func:`load_segmenter`); a call with other types is an error, not a second compilation.
    """
    import numba

    crf = _crf()
    flags = np.array([crf.state.get(name, _NO_WEIGHT) for name in _GRAM_FLAGS])
    transitions = np.array(crf.transitions)
    viterbi = compiled_viterbi()

    @numba.njit(cache=False)
    def decode(weights, bi, tri, flags, transitions):
        n = weights.shape[0]
        first, second = np.empty(n), np.empty(n)
        for t in range(n):
            b, i = weights[t, 0], weights[t, 1]
            if t >= 1:
                for column in (2, 4, 6):
                    b += weights[t - 1, column]
                    i += weights[t - 1, column + 1]
                b += flags[0, 0] if bi[t - 1] else 0.0
                i += flags[0, 1] if bi[t - 1] else 0.0
            if t >= 2:
                b += flags[1, 0] if tri[t - 2] else 0.0
                i += flags[1, 1] if tri[t - 2] else 0.0
            if t + 1 < n:
                for column in (8, 10, 12):
                    b += weights[t + 1, column]
                    i += weights[t + 1, column + 1]
                b += flags[2, 0] if bi[t] else 0.0
                i += flags[2, 1] if bi[t] else 0.0
            if t + 2 < n:
                b += flags[3, 0] if tri[t] else 0.0
                i += flags[3, 1] if tri[t] else 0.0
            first[t], second[t] = b, i
        return viterbi(first, second, transitions)

    decode.compile("(float64[:, ::1], boolean[::1], boolean[::1], float64[:, ::1], float64[:, ::1])")
    decode.disable_compile()
    return lambda weights, bi, tri: decode(weights, bi, tri, flags, transitions)


def load_segmenter() -> None:
    """Load pyvi, its n-grams as numbers and the compiled decoder now (before forking workers: they share them)."""
    _grams()
    _decoder()


# Texts a process segments before it compiles the decoder: compiling costs (~1.3 s CPU with numba's import) what a
# few thousand texts save, so an update of a few documents (`danvan import`) is not slowed down by it.
COMPILE_AFTER = 2_000
_SEGMENTED = [0]  # texts this process segmented


def _inside(weights: np.ndarray, bi: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Whether each token is inside a word (pyvi's label I_W), by :func:`_decoder` once compiled (by
    :func:`load_segmenter`, or here after :data:`COMPILE_AFTER` texts); until then the same sums in the same
    order by numpy, decoded by :meth:`Crf.viterbi` (the same labels, a test checks it)."""
    _SEGMENTED[0] += 1
    if _SEGMENTED[0] > COMPILE_AFTER or _decoder.cache_info().currsize:
        return _decoder()(weights, bi, tri) == 1
    crf = _crf()
    flags = [crf.state.get(name, _NO_WEIGHT) for name in _GRAM_FLAGS]
    scores = weights[:, 0:2].copy()
    for column in (2, 4, 6):
        scores[1:] += weights[:-1, column:column + 2]
    scores[1:] += np.where(bi[:, None], flags[0], 0.0)
    scores[2:] += np.where(tri[:, None], flags[1], 0.0)
    for column in (8, 10, 12):
        scores[:-1] += weights[1:, column:column + 2]
    scores[:-1] += np.where(bi[:, None], flags[2], 0.0)
    scores[:-2] += np.where(tri[:, None], flags[3], 0.0)
    return np.array(crf.viterbi(scores.T.tolist()), bool)


def segment(text: str) -> list[tuple[str, ...]]:
    """pyvi's words of ``text``: tuples of its tokens (syllables, numbers, punctuation), as written.

    The same words as ``ViTokenizer.tokenize`` (a test checks it); see :func:`_segmented`.
    """
    tokens, _rows, starts = _segmented(text)
    bounds = [*starts.tolist(), len(tokens)]
    return [tuple(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]


def _segmented(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """pyvi's tokens of ``text``, their rows of ``_WEIGHTS`` and where its words start.

    pyvi's CRF with the features ``ViTokenizer`` gives it, without building
    them: what each distinct token brings to its own and its neighbours'
    scores is remembered as numbers (:func:`_token_row`), pyvi's bi- and
    tri-grams are looked up as numbers (:func:`_grams`), and the scores are
    summed and decoded by :func:`_inside`: the same labels as pyvi, a test
    checks it.
    """
    tokens = pyvi_tokens(text)
    if not tokens:
        return [], np.zeros(0, np.intp), np.zeros(0, np.intp)
    grams = _grams()
    n = len(tokens)
    if len(_TOKENS) >= _TOKENS_MAX:  # between documents: rows are read by number within one
        _TOKENS.clear()
        _LOWER.clear()
    rows = np.fromiter(map(_TOKENS.__getitem__, tokens), np.intp, n)  # a token not seen before: _Rows.__missing__
    # (n, 19): own score, then 3 pairs lent rightwards, 3 leftwards; whether it may join a word, is title-cased;
    # its number among pyvi's n-gram words; what word_terms reads (_token_row)
    weights = _WEIGHTS[0][rows]
    ids = weights[:, 16].astype(np.int64)
    pairs = ids[:-1] * grams.base + ids[1:]
    bi = _marked(grams.bi, pairs)
    tri = np.zeros(max(0, n - 2), bool)
    maybe = np.flatnonzero(_marked(grams.tri_starts, pairs[:-1]))  # ~1 in 30: only these are looked up
    if len(maybe):
        tri[maybe] = _held(pairs[maybe] * grams.base + ids[maybe + 2], grams.tri)
    inside = _inside(weights, bi, tri)
    joinable, title = weights[:, 14] > 0, weights[:, 15] > 0
    # pyvi's own rule for joining a token to the word before it
    joins = inside[1:] & joinable[1:] & joinable[:-1] & ~(title[1:] & ~title[:-1])
    starts = np.zeros(n - int(joins.sum()), np.intp)
    starts[1:] = np.flatnonzero(~joins) + 1
    return tokens, rows, starts


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
    pattern = _pyvi_pattern(tuple(needs in text for _, needs in _PYVI_BRANCHES))
    return pattern.findall(text, 0, len(text.rstrip(_BLANKS)))  # no token ends in blanks: not scanned twice


@lru_cache(maxsize=64)
def _pyvi_pattern(present: tuple[bool, ...]) -> re.Pattern:
    """pyvi's tokenizer with the branches ``present`` only, each match found past the blanks before it.

    A blank (whitespace but a new line) starts no match: pyvi tries every branch at each one, here
    they are passed over at once.  Every other character starts one (``\\n``, ``[^\\w\\s]`` or ``\\w+``),
    so the blanks before the end of the text (which would be passed over once per blank) are cut off.
    """
    return re.compile(r"[^\S\n]*+(" + "|".join(branch for (branch, _), here in zip(_PYVI_BRANCHES, present) if here)
                      + ")")


# Whitespace (str.isspace, re's \s) but the new line, a token of its own in pyvi.
_BLANKS = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028" \
          "\u2029\u202f\u205f\u3000"


class _Rows(dict):
    """pyvi token -> its row of ``_WEIGHTS``; a token not seen before is given one (:func:`_token_row`)."""

    def __missing__(self, token: str) -> int:
        return _token_row(token)


_NO_WEIGHT = (0.0, 0.0)
_TOKENS = _Rows()
_LOWER: list[str] = []  # each row's token lower-cased
_TOKENS_MAX = 200_000
_WEIGHTS = [np.zeros((1024, 19))]  # row r: what the token _TOKENS numbers r brings (grown by doubling)


class _Grams(NamedTuple):
    """pyvi's bi- and tri-grams as numbers: each word of one is numbered (``ids``; any other word is ``base - 1``),
    two words numbered a, b are the pair a * base + b, three the key (a * base + b) * base + c."""

    ids: dict[str, int]
    base: int
    bi: np.ndarray  # a bit per pair: a bi-gram (_marked)
    tri_starts: np.ndarray  # a bit per pair: the first two words of a tri-gram
    tri: np.ndarray  # the tri-grams' keys, sorted


@lru_cache(maxsize=1)
def _grams() -> _Grams:
    """pyvi's ``bi_grams`` and ``tri_grams`` as :class:`_Grams` (a token holds no space, so two tokens joined by one
    are a bi-gram if they are its two words: looking up their numbers is looking up the string)."""
    vt = _pyvi()
    bi = [words for words in map(str.split, vt.bi_grams, repeat(" ")) if len(words) == 2]
    tri = [words for words in map(str.split, vt.tri_grams, repeat(" ")) if len(words) == 3]
    ids = {word: i for i, word in enumerate(sorted({word for gram in bi + tri for word in gram}))}
    base = len(ids) + 1
    if base ** 3 >= 2 ** 63:
        raise ValueError(f"pyvi's n-grams have {len(ids)} words: too many to number a tri-gram in 64 bits")
    starts = np.array([ids[a] * base + ids[b] for a, b, _ in tri], np.int64)
    return _Grams(ids, base, _bitmap(np.array([ids[a] * base + ids[b] for a, b in bi], np.int64), base * base),
                  _bitmap(starts, base * base),
                  np.unique(np.array([(ids[a] * base + ids[b]) * base + ids[c] for a, b, c in tri], np.int64)))


def _bitmap(keys: np.ndarray, size: int) -> np.ndarray:
    """A bit for each number below ``size``, set for ``keys``: what :func:`_marked` reads."""
    bits = np.zeros(-(-size // 8), np.uint8)
    np.bitwise_or.at(bits, keys >> 3, np.left_shift(1, keys & 7).astype(np.uint8))
    return bits


def _marked(bits: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether the bit of each of ``keys`` is set in ``bits`` (:func:`_bitmap`)."""
    return ((bits[keys >> 3] >> (keys & 7)) & 1).astype(bool)


def _held(keys: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is one of ``known`` (sorted)."""
    if not len(known):
        return np.zeros(len(keys), bool)
    return known[np.searchsorted(known, keys).clip(max=len(known) - 1)] == keys


def _token_row(token: str) -> int:
    """What a pyvi token brings to the CRF's scores and to :func:`word_terms`, remembered per distinct token: its
    row of ``_WEIGHTS``.

    The row holds 7 pairs of weights (B_W, I_W): the sum of its own
    attributes (bias, word.lower(), isupper, istitle, isdigit), added in
    that order from 0.0 as crfsuite adds them; then, one pair per attribute,
    what it lends the token after it (-1:word.lower(), -1:word.istitle(),
    -1:word.isupper()) and the token before it (+1:...); then 1.0 if pyvi
    lets it join a word (not punctuation, not starting with a digit), 1.0
    if its first character is upper case; the number of its lower-case
    form among pyvi's n-gram words (:func:`_grams`); 1.0 if that form is
    all letters, and 1.0 if it is also no stopword (a word of one token may
    be a term).  ``_LOWER`` holds it lower-cased.
    """
    weight = _crf().state.get
    grams = _grams()
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
    alpha = low.isalpha()
    table[row] = (own_b, own_i, *lent, token not in _PUNCTUATION and not token[0].isdigit(), token[0].istitle(),
                  grams.ids.get(low, grams.base - 1), alpha, alpha and low not in STOPWORDS)
    _LOWER.append(low)
    _TOKENS[token] = row
    return row


def word_terms(text: str) -> Counter:
    """Candidate terms of ``text`` with their counts: pyvi words of 2+ syllables and pairs of adjacent
    words (``MAX_SYLLABLES`` at most), lower-cased, tone-normalised, syllables joined by "_";
    no stopword, number or boilerplate phrase (:mod:`indexer.term_rules`).

    >>> sorted(word_terms("Đẩy mạnh chuyển đổi số ở cơ sở. Chuyển đổi số!"))
    ['chuyển_đổi', 'chuyển_đổi_số', 'cơ_sở']
    """
    _tokens, rows, starts = _segmented(normalize(text))
    if not len(rows):
        return Counter()
    low = list(map(_LOWER.__getitem__, rows.tolist()))
    bounds = [*starts.tolist(), len(rows)]
    term = list(map(low.__getitem__, bounds[:-1]))  # each word's term; a longer word's is joined below
    sizes = np.append(starts[1:], len(rows)) - starts
    facts = _WEIGHTS[0][rows, 17:19] > 0  # all letters; a word of one token that may be a term (_token_row)
    # a content word: of letters only and no stopword (a term, or part of a pair)
    content = np.where(sizes == 1, facts[starts, 1], np.logical_and.reduceat(facts[:, 0], starts))
    for i in np.flatnonzero(content & (sizes > 1)).tolist():
        term[i] = joined = JOINER.join(low[bounds[i]:bounds[i + 1]])
        content[i] = joined not in STOPWORDS
    alone = content & (sizes >= 2) & (sizes <= MAX_SYLLABLES)  # a term if not boilerplate
    paired = np.zeros_like(content)  # a term joined to the word before it
    paired[1:] = (content[1:] & content[:-1] & ((sizes[1:] >= 2) | (sizes[:-1] >= 2))
                  & (sizes[1:] + sizes[:-1] <= MAX_SYLLABLES))
    found: list[str] = []  # counted at the end, in the order of first occurrence
    add = found.append
    hits = np.flatnonzero(alone | paired)
    for i, one, two in zip(hits.tolist(), alone[hits].tolist(), paired[hits].tolist()):
        if one and term[i] not in BOILERPLATE:
            add(term[i])
        if two:
            add(term[i - 1] + JOINER + term[i])
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
    terms = list(counts)
    # -n x idf of each term, as numbers: the same products as in Python (idf by math.log, _idf)
    weight = -np.fromiter(counts.values(), float, len(terms))
    if size:
        held = np.fromiter(map(df.get, terms, repeat(0)), np.intp, len(terms))
        weight *= _idf(size)[held.clip(max=size)]
        weight[held >= size] = np.inf  # describes none: never among the top
    chosen = np.flatnonzero(weight < np.inf)
    if len(chosen) > top:  # only the terms weighed no more than the top-th can be among the top
        chosen = chosen[weight[chosen] <= np.partition(weight[chosen], top - 1)[top - 1]]
    best = sorted(zip(weight[chosen].tolist(), map(terms.__getitem__, chosen.tolist())))[:top]
    return [term.replace(JOINER, " ") for _, term in best]


@lru_cache(maxsize=4)
def _idf(size: int) -> np.ndarray:
    """log((size + 1) / (held + 1)) for each ``held`` from 0 to ``size``: a term's idf against a background of
    ``size`` documents, ``held`` of which hold it."""
    return np.array([math.log((size + 1) / (held + 1)) for held in range(size + 1)])
