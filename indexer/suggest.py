"""Did you mean: restore accents and fix small typos from the index vocabulary.

Each query syllable may stand for several accented syllables of the index
("vân", "vận", "văn" all fold to "van"), or be a typo.  We pick the sequence
the corpus supports best: how many documents hold each syllable, and above
all each adjacent pair (the index's bigram terms), in a small Viterbi pass.

>>> from indexer.analysis import syllables
>>> sp = Speller({"dân": 90, "vận": 80, "vân": 5, "khéo": 30, "dân_vận": 70, "vận_khéo": 25})
>>> sp.correct(syllables("dân vân khéo"))
['dân', 'vận', 'khéo']
>>> sp.correct(syllables("dan van kheo"))
['dân', 'vận', 'khéo']
"""
from __future__ import annotations

import math
from collections import defaultdict

from corpus.vietnamese import fold, has_diacritics
from indexer.analysis import JOINER

MAX_CANDIDATES = 8
PAIR_WEIGHT = 3.0  # a pair seen in many documents is the strongest evidence
TYPED_BONUS = 1.0  # keep what the user typed unless the corpus clearly disagrees
MAX_EDITS = 1


def _edits1(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


class Speller:
    """Accent restoration and spelling over a {term: document frequency} vocabulary."""

    def __init__(self, frequencies: dict[str, int], pair_frequency=None) -> None:
        # Pairs are looked up on demand (``pair_frequency``): an index holds
        # millions of them, too many to load; syllables are a few tens of thousands.
        self.df = frequencies
        self.pair_df = pair_frequency or (lambda pair: frequencies.get(pair, 0))
        self.by_fold: dict[str, list[str]] = defaultdict(list)
        for term, n in frequencies.items():
            if JOINER not in term and n > 0:
                self.by_fold[fold(term)].append(term)
        for forms in self.by_fold.values():
            forms.sort(key=lambda t: -frequencies[t])
            del forms[MAX_CANDIDATES:]

    @classmethod
    def from_reader(cls, reader, field: str = "text") -> "Speller":
        """The syllables of an index field with their document frequencies."""
        syllables = {t: reader.doc_frequency(field, t) for t in reader.field_terms(field)
                     if JOINER not in t and t.isalpha()}
        return cls(syllables, lambda pair: reader.doc_frequency(field, pair))

    def candidates(self, syllable: str) -> list[str]:
        """Accented forms of the index that ``syllable`` may stand for."""
        key = fold(syllable)
        forms = list(self.by_fold.get(key, []))
        if not forms and key.isalpha() and len(key) > 2:
            near = {f for e in _edits1(key) for f in self.by_fold.get(e, [])}
            forms = sorted(near, key=lambda t: -self.df[t])[:MAX_CANDIDATES]
        if syllable not in forms:
            forms.append(syllable)  # the typed form always competes
        return forms

    def _unigram(self, typed: str, form: str) -> float:
        bonus = TYPED_BONUS if (form == typed and has_diacritics(typed)) else 0.0
        return math.log1p(self.df.get(form, 0)) + bonus

    def correct(self, typed: list[str]) -> list[str]:
        """The best-supported sequence of syllables for ``typed``."""
        if not typed:
            return []
        lattice = [self.candidates(s) for s in typed]
        best = {form: (self._unigram(typed[0], form), [form]) for form in lattice[0]}
        for i in range(1, len(typed)):
            step = {}
            for form in lattice[i]:
                uni = self._unigram(typed[i], form)
                step[form] = max(
                    (score + uni + PAIR_WEIGHT * math.log1p(self.pair_df(prev + JOINER + form)), path + [form])
                    for prev, (score, path) in best.items()
                )
            best = step
        return max(best.values())[1]


def suggestion(speller: Speller, words: list[str]) -> str | None:
    """A corrected query for ``words`` (syllables), or None when nothing changes."""
    if not words or len(words) > 12:
        return None
    corrected = speller.correct(words)
    return " ".join(corrected) if corrected != words else None
