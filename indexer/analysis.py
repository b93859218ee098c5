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
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from corpus.knowledge.vietnamese import fold, normalize
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
    syllables, joined = _split(text)
    if folded:
        syllables = tuple(map(fold_syllable, syllables))
    pairs = [pos for pos, is_joined in enumerate(joined) if is_joined]
    return ([*syllables, *(syllables[pos] + JOINER + syllables[pos + 1] for pos in pairs)],
            [*range(len(syllables)), *pairs])


@lru_cache(maxsize=4)
def _split(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """Lower-cased syllables of ``text``, and for each but the last whether only whitespace follows it.

    Remembered: a document's text is analysed twice, with and without diacritics.
    """
    parts = _SPLIT.split(normalize(text))  # separator, syllable, separator, ..., separator
    return tuple(s.lower() for s in parts[1::2]), tuple(separator.isspace() for separator in parts[2:-1:2])


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


def load_segmenter() -> None:
    """Load pyvi now (before forking workers, so they share the model)."""
    _pyvi()


def segment(text: str) -> list[tuple[str, ...]]:
    """pyvi's words of ``text``: tuples of its tokens (syllables, numbers, punctuation), as written.

    The same words as ``ViTokenizer.tokenize`` (a test checks it); see :func:`_segmented`.
    """
    tokens, _low, starts = _segmented(text)
    bounds = [i for i, new in enumerate(starts) if new] + [len(tokens)]
    return [tuple(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]


def _segmented(text: str) -> tuple[list[str], list[str], list[bool]]:
    """pyvi's tokens of ``text``, lower-cased too, and for each whether it starts a word.

    pyvi's CRF with the features ``ViTokenizer`` gives it, made faster: each
    token's features are built once rather than per neighbour, as attribute
    strings with the false flags left out (a flag of weight 0 adds nothing to
    a CRF score: the same labels, a third of the attributes to convert), and
    no string is rebuilt per token (pyvi's output grows quadratically with a
    document's length).  ~60 lines as one loop: it is the index build's
    hottest code, and a call per token would cost more than the features.
    """
    vt = _pyvi()
    tokens = vt.sylabelize(text)[1]
    if not tokens:
        return [], [], []
    n = len(tokens)
    low = [t.lower() for t in tokens]
    upper = [t.isupper() for t in tokens]
    title = [t.istitle() for t in tokens]
    bi = [f"{a} {b}" in vt.bi_grams for a, b in zip(low, low[1:])] + [False]
    tri = [f"{a} {b} {c}" in vt.tri_grams for a, b, c in zip(low, low[1:], low[2:])] + [False, False]
    # A token's own attributes, and those it lends its left (+1:) and right (-1:) neighbours.
    own = [["bias", "word.lower():" + w] for w in low]
    for i in range(n):
        f = own[i]
        if upper[i]:
            f.append("word.isupper()")
        if title[i]:
            f.append("word.istitle()")
        if tokens[i].isdigit():
            f.append("word.isdigit()")
    for i in range(1, n):
        f = own[i]
        f.append("-1:word.lower():" + low[i - 1])
        if title[i - 1]:
            f.append("-1:word.istitle()")
        if upper[i - 1]:
            f.append("-1:word.isupper()")
        if bi[i - 1]:
            f.append("-1:word.bi_gram()")
        if i > 1 and tri[i - 2]:
            f.append("-2:word.tri_gram()")
    for i in range(n - 1):
        f = own[i]
        f.append("+1:word.lower():" + low[i + 1])
        if title[i + 1]:
            f.append("+1:word.istitle()")
        if upper[i + 1]:
            f.append("+1:word.isupper()")
        if bi[i]:
            f.append("+1:word.bi_gram()")
        if tri[i]:
            f.append("+2:word.tri_gram()")
    labels = vt.model.tagger_.tag(own)
    starts = [True] * n
    for i in range(1, n):
        tok, prev = tokens[i], tokens[i - 1]
        # pyvi's own rule for joining a token to the word before it
        if (labels[i] == "I_W" and tok not in _PUNCTUATION and prev not in _PUNCTUATION
                and not tok[0].isdigit() and not prev[0].isdigit()
                and not (tok[0].istitle() and not prev[0].istitle())):
            starts[i] = False
    return tokens, low, starts


def word_terms(text: str) -> Counter:
    """Candidate terms of ``text`` with their counts: pyvi words of 2+ syllables and pairs of adjacent
    words (``MAX_SYLLABLES`` at most), lower-cased, tone-normalised, syllables joined by "_";
    no stopword, number or boilerplate phrase (:mod:`indexer.term_rules`).

    >>> sorted(word_terms("Đẩy mạnh chuyển đổi số ở cơ sở. Chuyển đổi số!"))
    ['chuyển_đổi', 'chuyển_đổi_số', 'cơ_sở']
    """
    found: Counter = Counter()
    tokens, low, starts = _segmented(normalize(text))
    bounds = [i for i, new in enumerate(starts) if new] + [len(tokens)]
    alpha = [w.isalpha() for w in low]
    prev: str | None = None  # the previous word, if a content word
    prev_len = 0
    for a, b in zip(bounds, bounds[1:]):
        size = b - a
        term = low[a] if size == 1 else JOINER.join(low[a:b])
        if not all(alpha[a:b]) or term in STOPWORDS:
            prev = None
            continue
        if 2 <= size <= MAX_SYLLABLES and term not in BOILERPLATE:
            found[term] += 1
        if prev is not None and (prev_len >= 2 or size >= 2) and prev_len + size <= MAX_SYLLABLES:
            found[prev + JOINER + term] += 1
        prev, prev_len = term, size
    return found


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
