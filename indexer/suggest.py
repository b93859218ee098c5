"""Did you mean: restore accents and fix small typos from the index vocabulary.

Each query syllable may stand for several accented syllables of the index
("vân", "vận", "văn" all fold to "van"), or be a typo.  We pick the sequence
the corpus supports best: how many documents hold each syllable, and above
all each adjacent pair (the index's bigram terms), in a small Viterbi pass.

Candidates are generated, not looked up in a list: every way of putting
Vietnamese marks on the folded syllable, kept when the index holds it.  So
nothing is loaded up front; a suggestion costs a few hundred term lookups.

>>> sp = Speller.from_counts({"dân": 90, "vận": 80, "vân": 5, "khéo": 30, "dân_vận": 70, "vận_khéo": 25})
>>> sp.correct(["dân", "vân", "khéo"])
['dân', 'vận', 'khéo']
>>> sp.correct(["dan", "van", "kheo"])
['dân', 'vận', 'khéo']
>>> suggestion(sp, ["dân", "vân", "khéo"]), suggestion(sp, ["dan", "van", "kheo"])
('dân vận khéo', None)
"""
from __future__ import annotations

import itertools
import math
import time
import unicodedata
from collections.abc import Callable

from corpus.knowledge.vietnamese import fold, has_diacritics, nfc
from indexer.analysis import JOINER

PAIR_WEIGHT = 3.0  # a pair seen in many documents is the strongest evidence
TYPED_BONUS = 1.0  # keep what the user typed unless the corpus clearly disagrees
MAX_WORDS = 12
MAX_CANDIDATES = 8
BEAM = 3  # paths kept, re-ranked by whole-phrase counts
DOUBT_RATIO = 10  # a typed form this much rarer than a sibling accent form looks mis-accented
MAX_LETTERS = 7  # the longest Vietnamese syllable ("nghiêng"): a longer token is no word to correct
BUDGET_SECONDS = 0.2  # a suggestion that takes longer is dropped: it must never stall a search

# Letters a mark can change, and the tones (combining marks) a vowel can carry.
_SHAPES = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_VOWELS = set("aăâeêioôơuưy")
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def accent_variants(folded: str) -> set[str]:
    """Every spelling of a folded syllable with Vietnamese marks (tone on one vowel).

    >>> sorted(v for v in accent_variants("da") if v.startswith("đ"))[:4]
    ['đa', 'đà', 'đá', 'đâ']
    >>> "quyết" in accent_variants("quyet")
    True
    """
    if not could_be_syllable(folded):
        return set()
    options = [_SHAPES.get(ch, ch) for ch in folded]
    out = set()
    for letters in itertools.product(*options):
        vowels = [i for i, ch in enumerate(letters) if ch in _VOWELS]
        out.add("".join(letters))
        for i in vowels:
            for tone in _TONES[1:]:
                marked = list(letters)
                marked[i] = unicodedata.normalize("NFC", letters[i] + tone)
                out.add(nfc("".join(marked)))
    return out


def could_be_syllable(token: str) -> bool:
    """True when ``token`` (folded or not) has the shape of a Vietnamese syllable: 1-7 Latin letters.

    >>> could_be_syllable("nghiêng"), could_be_syllable("dân"), could_be_syllable("x" * 1000), could_be_syllable("covid19")
    (True, True, False, False)
    """
    folded = fold(token)
    return folded.isalpha() and folded.isascii() and len(folded) <= MAX_LETTERS


class OutOfTime(Exception):
    """The speller's time budget ran out: the suggestion is dropped, the search goes on."""


def _toneless(syllable: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", syllable) if c not in _TONES[1:]))


def tone_variants(syllable: str) -> set[str]:
    """The syllable with each tone on each vowel, its letters' other marks kept.

    >>> sorted(tone_variants("vân"))
    ['vân', 'vấn', 'vần', 'vẩn', 'vẫn', 'vận']
    >>> "vận" in tone_variants("vân") and "văn" not in tone_variants("vân")
    True
    """
    base = _toneless(nfc(syllable))
    out = {base}
    for i, ch in enumerate(base):
        if ch in _VOWELS:
            for tone in _TONES[1:]:
                out.add(nfc(base[:i] + unicodedata.normalize("NFC", ch + tone) + base[i + 1:]))
    return out


def _edits1(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


class Speller:
    """Accent restoration and spelling over document frequencies of the index.

    ``df(term)`` is a syllable's or a pair's document frequency in the accented
    field; ``folded_df(term)`` a folded syllable's in the folded field.
    """

    def __init__(self, df: Callable[[str], int], folded_df: Callable[[str], int],
                 deadline: float = math.inf, clock: Callable[[], float] = time.monotonic) -> None:
        self.df = df
        self.folded_df = folded_df
        self.deadline = deadline  # on ``clock``; past it, a step raises OutOfTime
        self.clock = clock

    def _check_time(self) -> None:
        if self.clock() > self.deadline:
            raise OutOfTime

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> "Speller":
        """A speller over a plain {term: document frequency} dict (tests, examples)."""
        folded: dict[str, int] = {}
        for term, n in counts.items():
            folded[fold(term)] = folded.get(fold(term), 0) + n
        return cls(lambda t: counts.get(t, 0), lambda t: folded.get(t, 0))

    def candidates(self, syllable: str) -> list[str]:
        """Accented forms the index holds that ``syllable`` may stand for."""
        key = fold(syllable)
        if len(key) > MAX_LETTERS + 1 or not key.isalpha():
            return [syllable]  # no word (a code, a pasted run of letters): nothing to correct, no work
        self._check_time()
        keys = [key] if self.folded_df(key) else []
        if not keys and len(key) > 2:
            # A typo: folded spellings one edit away that the index holds
            # (a syllable one letter too long is a typo too).
            keys = sorted((e for e in _edits1(key) if self.folded_df(e)), key=self.folded_df, reverse=True)[:3]
        forms = [(self.df(v), v) for k in keys for v in accent_variants(k)]
        best = [v for n, v in sorted(forms, reverse=True)[:MAX_CANDIDATES] if n > 0]
        if syllable not in best:
            best.append(syllable)  # the typed form always competes
        return best

    def _unigram(self, typed: str, form: str) -> float:
        bonus = TYPED_BONUS if (form == typed and has_diacritics(typed)) else 0.0
        return math.log1p(self.df(form)) + bonus

    def paths(self, typed: list[str], keep: int = BEAM) -> list[list[str]]:
        """The ``keep`` best-supported sequences of syllables for ``typed``, best first."""
        if not typed:
            return []
        lattice = [self.candidates(s) for s in typed]
        beams = sorted(((self._unigram(typed[0], f), [f]) for f in lattice[0]), reverse=True)[:keep]
        for i in range(1, len(typed)):
            self._check_time()
            step = []
            for form in lattice[i]:
                uni = self._unigram(typed[i], form)
                for score, path in beams:
                    pair = PAIR_WEIGHT * math.log1p(self.df(path[-1] + JOINER + form))
                    step.append((score + uni + pair, path + [form]))
            beams = sorted(step, reverse=True)[:keep]
        return [path for _, path in beams]

    def correct(self, typed: list[str], phrase_df: Callable[[list[str]], int] | None = None) -> list[str]:
        """The best sequence for ``typed``: by pairs, then by whole-phrase counts if given.

        Pairs alone miss wider context ("dân vẫn" is commoner than "dân vận"
        in news, yet "công tác dân vận" is the phrase), so the few best
        candidates are re-ranked by how many documents hold them as a phrase.
        """
        best = self.paths(typed)
        if not best:
            return []
        if phrase_df is None or len(typed) < 3:
            return best[0]
        counts = []
        for path in best:
            self._check_time()
            counts.append(phrase_df(path))
        top = max(range(len(best)), key=lambda i: (counts[i], -i))
        # A phrase no document holds is no better an answer than what was typed.
        return best[top] if counts[top] else typed

    def doubtful(self, typed: list[str]) -> bool:
        """True when a syllable typed with marks is far rarer than another accent form of it."""
        for syllable in typed:
            if has_diacritics(syllable) and could_be_syllable(syllable):
                self._check_time()
                own = self.df(syllable)
                # Absent from the index while another tone of it is there, or far rarer than one.
                # Only tones are compared (a few lookups, not every mark variant): "vân"/"vận".
                bar = DOUBT_RATIO * own if own else 1
                if any(self.df(v) >= bar for v in tone_variants(syllable) if v != syllable):
                    return True
        return False


def suggestion(speller: Speller, words: list[str], *, needed: bool = False,
               phrase_df: Callable[[list[str]], int] | None = None,
               budget: float = BUDGET_SECONDS) -> str | None:
    """A corrected query for ``words`` (syllables), or None.

    Offered when ``needed`` (the query found nothing or only partial matches)
    or when a syllable looks mis-accented; a plain unaccented query already
    matches every accent form, so it is not second-guessed.  None, too, when
    it would take more than ``budget`` seconds.
    """
    if not words or len(words) > MAX_WORDS or not any(could_be_syllable(w) for w in words):
        return None
    speller.deadline = speller.clock() + budget
    try:
        if not (needed or speller.doubtful(words)):
            return None
        corrected = speller.correct(words, phrase_df)
    except OutOfTime:
        return None
    return " ".join(corrected) if corrected != words else None


# Accent restoration for ranking: a query typed without marks is scored, where the corpus is sure of a
# syllable's marks, as if typed with them (``restoration``); where unsure, as typed (folded).
RESTORE_CONFIDENCE = 0.5  # a syllable is read with marks when that reading is at least this likely
RESTORE_FORMS = 4  # the commonest accented forms of a folded syllable that are considered
RESTORE_SMOOTHING = 1.0  # pseudo-count backing a pair off to the second syllable's own accent shares


def readings(words: list[str], forms: Callable[[str], list[tuple[str, int]]], pair_df: Callable[[str], int],
             confidence: float = RESTORE_CONFIDENCE, smoothing: float = RESTORE_SMOOTHING) -> list[str | None]:
    """For each folded syllable of ``words``: its accented reading if the corpus makes it at least
    ``confidence`` likely (it may be the bare form itself), else None.

    A bigram model over document frequencies, ``forms(folded)`` giving the (accented form, df) a folded
    syllable may stand for and ``pair_df`` an accented pair's df; the probability of each reading given the
    whole query is computed by forward-backward (not only the best path), so a reading the neighbours leave
    in doubt stays unread.

    >>> counts = {"dân": 90, "vận": 80, "văn": 75, "vân": 20, "dân_vận": 70, "văn_hóa": 50, "hóa": 55}
    >>> forms = lambda f: sorted(((t, n) for t, n in counts.items() if fold(t) == f), key=lambda x: -x[1])
    >>> readings(["dan", "van"], forms, lambda p: counts.get(p, 0))
    ['dân', 'vận']
    >>> readings(["van", "hoa"], forms, lambda p: counts.get(p, 0))
    ['văn', 'hóa']
    >>> readings(["van"], forms, lambda p: counts.get(p, 0))  # vận 80, văn 75, vân 20: alone, a guess
    [None]
    """
    known = [forms(fold(w)) if could_be_syllable(w) else [] for w in words]
    states: list[list[tuple[str, float]]] = []
    for word, word_forms in zip(words, known):
        found = [(form, n) for form, n in word_forms if n > 0][:RESTORE_FORMS]
        total = sum(n for _, n in found)
        states.append([(form, n / total) for form, n in found] if found else [(word, 1.0)])
    if not states:
        return []
    counts = [dict(word_forms) for word_forms in known]

    def step(i: int) -> list[list[float]]:
        """P(reading of word i + 1 | reading of word i): the pair's df, backed off to word i + 1's shares."""
        rows = []
        for a, _ in states[i]:
            own = counts[i].get(a, 0)
            row = [(pair_df(a + JOINER + b) + smoothing * share) / (own + smoothing)
                   for b, share in states[i + 1]]
            rows.append(row)
        return rows

    steps = [step(i) for i in range(len(states) - 1)]
    forward = [[share for _, share in states[0]]]
    for i, rows in enumerate(steps):
        cur = [sum(forward[i][x] * rows[x][y] for x in range(len(rows))) for y in range(len(states[i + 1]))]
        forward.append(_normalised(cur))
    backward = [[1.0] * len(s) for s in states]
    for i in range(len(steps) - 1, -1, -1):
        rows = steps[i]
        backward[i] = _normalised([sum(rows[x][y] * backward[i + 1][y] for y in range(len(rows[x])))
                                   for x in range(len(rows))])
    out: list[str | None] = []
    for i, s in enumerate(states):
        p = _normalised([f * b for f, b in zip(forward[i], backward[i])])
        best = max(range(len(s)), key=lambda x: p[x])
        out.append(s[best][0] if p[best] >= confidence else None)
    return out


def _normalised(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values] if total > 0 else [1.0 / len(values)] * len(values)


def restoration(words: list[str], found: list[str | None]) -> dict[str, str]:
    """Folded syllable or adjacent pair of ``words`` -> its accented reading, from :func:`readings`' ``found``.

    A pair is read only when both its syllables are (a bare number or a syllable sure to be bare
    counts): a pair half read is left folded.  A syllable read two ways keeps the first reading.

    >>> restoration(["cong", "tac", "dan", "van"], ["công", "tác", "dân", None])
    {'cong': 'công', 'tac': 'tác', 'dan': 'dân', 'cong_tac': 'công_tác', 'tac_dan': 'tác_dân'}
    """
    out: dict[str, str] = {}
    keys = [fold(w).lower() for w in words]
    for k, form in zip(keys, found):
        if form is not None and form != k:
            out.setdefault(k, form)
    for i in range(len(words) - 1):
        a, b = found[i], found[i + 1]
        pair = keys[i] + JOINER + keys[i + 1]
        if a is not None and b is not None and a + JOINER + b != pair:
            out.setdefault(pair, a + JOINER + b)
    return out
