"""Turn what a user typed into a Whoosh query.

We do not expose Whoosh's query language: users type Vietnamese, with or
without diacritics, quotes for phrases, ``-word`` to exclude, and document
numbers in any messy form.  Nothing here raises on odd input; syntax we do
not understand is searched as plain words.  Words naming a kind of document, a
period or a province are read with the rules that file the documents
(``corpus.extract.genre``, ``corpus.knowledge.provinces``): they match and rank
documents filed that way too (``required_parts``, ``stand_ins``).

>>> p = parse('"dân vận khéo" -hà 16/ct - ttg tiếp dân')
>>> p.phrases, p.excluded, p.directives, p.words
([['dân', 'vận', 'khéo']], [['hà']], ['16/CT-TTg'], ['tiếp', 'dân'])
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from whoosh import query as Q

from corpus.extract.genre import find_period, named_genre, related_genres
from corpus.knowledge.provinces import named_provinces
from corpus.knowledge.rules import DIRECTIVE_TYPES, DURATION_UNITS, ISSUED_YEAR_UNIT, MAX_YEAR, MIN_YEAR, TYPE_WORDS
from corpus.knowledge.vietnamese import fold, has_diacritics, key, normalize
from indexer.analysis import JOINER, syllables

MAX_QUERY_CHARS = 1000  # longer input is cut: nobody types more, and it bounds work
MAX_TERMS = 32
# A document lacking some of a short query's parts may still match (see most_parts) if it holds MOST_SHARE of
# them (and every quoted phrase and number).
MOST_SHARE = 0.75

# Field boosts: a word in the title counts more than one in the body; the
# folded twin counts less so exact-diacritic matches rank first.
TITLE_BOOST = 0.5
FOLDED_BOOST = 0.3
BIGRAM_BOOST = 1.0
DIRECTIVE_BOOST = 2.0
# A document of the genre the query names ("sơ kết 6 tháng": six_month_review) is credited GENRE_BOOST x what
# holding each naming word once would give (Ranker.add_stand_ins); one of a related genre FAMILY_SHARE x that.
GENRE_BOOST = 1.0
FAMILY_SHARE = 0.75
PERIOD_BOOST = 1.0  # likewise for a document reporting on the period the query names ("6 tháng đầu năm 2022": 2022-H1)
SKIP_WEIGHT = 0.5  # syllables one apart in the query ("tiếp [công] dân") as a folded body pair
FRAMING_WEIGHT = 0.0  # weight of a question's framing words (QUESTION_FRAMING) in ranking
# How a question is asked, not what it is about: in a question ("...?") these
# stretches rank with FRAMING_WEIGHT.  Compared folded, longest first.
QUESTION_FRAMING = ("đúng hay sai", "hay không", "có phải", "phải không", "là gì", "gì", "nào", "thế nào",
                    "bao nhiêu", "bao lâu", "khi nào", "ở đâu", "ai", "theo quy định của pháp luật",
                    "theo quy định")
# A bare year in a query stands for "năm YEAR" ("kế hoạch 2024"); after words naming one of these genres,
# for this part of the year ("sơ kết 6 tháng 2022": the review of the first half of 2022).
GENRE_YEAR_PART = {"six_month_review": "-H1"}
_YEAR = re.compile(r"(?<!nam )\b((?:19|20)\d{2})\b")
_TWO_YEARS = re.compile(r"\b(?:19|20)\d{2} (?:19|20)\d{2}\b")

def _partial_pattern() -> re.Pattern:
    """'nghị quyết 25', 'qd 217', 'chỉ thị số 16': a document type and a bare number."""
    words = set(TYPE_WORDS) | {fold(w) for w in TYPE_WORDS}
    abbreviations = set(DIRECTIVE_TYPES) | {fold(t) for t in DIRECTIVE_TYPES}
    names = sorted(words | abbreviations, key=len, reverse=True)
    return re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, names)) + r")\s+(?:số\s+|so\s+)?(\d{1,5})(?![\w/-])",
                      re.IGNORECASE)


_PARTIAL = _partial_pattern()

def _spelled(words) -> str:
    """A regex alternation of ``words`` with and without marks."""
    return "|".join(re.escape(w) + "|" + re.escape(fold(w)) for w in words)


# After a number: a unit of time ("6 tháng", "5 năm"), but not "năm" and the year a document was issued
# ("nghị quyết 25 năm 2021"; "kế hoạch 5 năm 2021-2025" is a span, so a five-year plan).
_DURATION = re.compile(rf"\s+(?!(?:{_spelled([ISSUED_YEAR_UNIT])})\s+(?:19|20)\d{{2}}\b(?!\s*[-–]))"
                       rf"(?:{_spelled(DURATION_UNITS)})\b", re.IGNORECASE)
_QUOTED = re.compile(r'(-?)["“”]([^"“”]*)["“”]?')
QUOTE_MARKS = re.compile(r'["“”]')  # what opens or closes a quoted phrase


def _type_words_pattern() -> re.Pattern:
    """A document type's words (or "văn bản", any document) and "số" just before a number, which belong to it."""
    names = sorted([*TYPE_WORDS, "văn bản"], key=len, reverse=True)
    return re.compile(r"(?:" + "|".join(map(re.escape, names)) + r")(?:\s+số)?\s*$|số\s*$", re.IGNORECASE)


_TYPE_WORDS = _type_words_pattern()


@dataclass
class ParsedQuery:
    """The parts of a user query."""

    text: str = ""
    words: list[str] = field(default_factory=list)  # syllables that must match
    phrases: list[list[str]] = field(default_factory=list)  # quoted, in order
    excluded: list[list[str]] = field(default_factory=list)  # -word / -"phrase"
    directives: list[str] = field(default_factory=list)  # canonical numbers
    partial_directives: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (number, type, words)
    truncated: bool = False
    question: bool = False  # typed as a question ("...?"): ranked, not ANDed
    genre: str | None = None  # the kind of document the words name (corpus.extract.genre.named_genre)
    genre_words: list[str] = field(default_factory=list)  # the words naming it, folded
    period: str | None = None  # the period the words name ("2022-H1", "2018")
    provinces: list[tuple[str, list[str]]] = field(default_factory=list)  # (province, the folded words naming it)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.directives or self.partial_directives)

    @property
    def folded(self) -> bool:
        """True when the user typed no diacritics at all."""
        return not has_diacritics(self.text)


def _type_code(written: str) -> str:
    """The abbreviation of a type word or abbreviation as typed ('nghi quyet' -> 'NQ')."""
    key = fold(written).lower()
    for word, code in TYPE_WORDS.items():
        if fold(word).lower() == key and code:
            return code
    for code in DIRECTIVE_TYPES:
        if fold(code).lower() == key:
            return code
    return written.upper()


def directive_pattern(number: str, type_code: str) -> re.Pattern:
    """Canonical numbers that a partial citation may mean: 25 + NQ -> 25-NQ/TW, 25/NQ-CP...

    Match it against the folded, upper-cased number ("217-QD/TW"), so QĐ = QD.

    >>> bool(directive_pattern("217", "QĐ").match("217-QD/TW")), bool(directive_pattern("16", "CT").match("16/CT-TTG"))
    (True, True)
    >>> bool(directive_pattern("16", "CT").match("116/CT-TTG"))
    False
    """
    return re.compile(rf"{re.escape(number)}(?:/\d{{4}})?[-/]{re.escape(fold(type_code).upper())}[A-Z]*[-/]")


def _directive_spans(text: str) -> list[tuple[int, int, str]]:
    from corpus.knowledge.directives import find_in_query

    return find_in_query(text)


def parse(text: str) -> ParsedQuery:
    """Split ``text`` into words, phrases, exclusions and document numbers."""
    text = normalize(text or "")
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text=text, truncated=truncated, question=text.rstrip().endswith("?"))

    # Document numbers first: their digits and slashes would otherwise become words.
    rest = []
    last = 0
    for start, end, canonical in _directive_spans(text):
        quoted = _quote_at(text, start)
        if quoted == "-":  # -"nghị quyết 25-NQ/TW": excluded as the words it is, as -25-NQ/TW is
            continue
        before = text[last:start]
        # "nghị quyết số 25-NQ/TW": the type words belong to the number.
        m = _TYPE_WORDS.search(before)
        # Inside a quoted phrase, the words either side of the number are not next to each other: two phrases.
        rest.append((before[: m.start()] if m else before) + ('" "' if quoted == '"' else " "))
        if canonical not in parsed.directives:
            parsed.directives.append(canonical)
        last = end
    rest.append(text[last:])
    text = "".join(rest)

    def partial(m: re.Match) -> str:
        said_number = re.search(r"\bs[oố]\s", m.group(0), re.I)  # "kế hoạch số 2024"
        if not said_number and _DURATION.match(m.string, m.end()):
            return m.group(0)  # "báo cáo 6 tháng 2024": six months, not report no. 6
        if _year(m.group(2)) and named_genre(m.group(1)) is not None and not said_number:
            return m.group(0)  # "kế hoạch 2024": the plan for 2024, not plan no. 2024
        quoted = _quote_at(m.string, m.start())
        if quoted == "-":
            return m.group(0)
        parsed.partial_directives.append((m.group(2), _type_code(m.group(1)), syllables(m.group(0))))
        return '" "' if quoted == '"' else " "

    text = _PARTIAL.sub(partial, text)

    def quoted(m: re.Match) -> str:
        # At most MAX_TERMS words as typed: "COVID-19" is one word of two syllables.
        sylls = syllables(" ".join(m.group(2).split()[:MAX_TERMS]))
        if sylls:
            (parsed.excluded if m.group(1) else parsed.phrases).append(sylls)
        return " "

    text = _QUOTED.sub(quoted, text)
    for chunk in text.split():
        sylls = syllables(chunk)
        if not sylls:
            continue
        if chunk.startswith("-") and len(chunk) > 1:
            parsed.excluded.append(sylls)
        else:
            parsed.words.extend(sylls)
    # Each part costs a pass over the index: a bounded number of them, whatever was typed.
    parsed.words = parsed.words[:MAX_TERMS]
    parsed.phrases = parsed.phrases[:MAX_TERMS]
    parsed.excluded = parsed.excluded[:MAX_TERMS]
    parsed.partial_directives = parsed.partial_directives[:MAX_TERMS]
    # The same rules that give documents their genre and period read the typed words.
    words = " ".join(parsed.words)
    named = named_genre(words)
    if named is not None:
        parsed.genre, parsed.genre_words = named
    parsed.period = _period(key(words), parsed.genre)
    parsed.provinces = named_provinces(words)
    return parsed


def _quote_at(text: str, at: int) -> str:
    """Whether ``at`` is inside a quoted phrase of ``text``: '"' in one, "-" in an excluded one, "" outside.

    >>> _quote_at('"học tập 25-NQ/TW"', 9), _quote_at('-"theo 25-NQ/TW"', 7), _quote_at('"a" 25-NQ/TW', 4)
    ('"', '-', '')
    """
    marks = [m.start() for m in QUOTE_MARKS.finditer(text, 0, at)]
    if len(marks) % 2 == 0:
        return ""
    return "-" if marks[-1] > 0 and text[marks[-1] - 1] == "-" else '"'


def _year(number: str) -> bool:
    """Whether a typed number can be a year a document reports on."""
    return len(number) == 4 and MIN_YEAR <= int(number) <= MAX_YEAR


def _period(words: str, genre: str | None) -> str | None:
    """The period the query's (key) words name, a bare year read as "năm YEAR" (see ``GENRE_YEAR_PART``)."""
    if _TWO_YEARS.search(words):
        return None  # a span whose hyphen the words lost ("2021 2025"), or two periods
    period = find_period(words)
    if period is None:
        bare = {y for y in _YEAR.findall(words) if _year(y)}
        if len(bare) == 1:  # two years: as above
            period = find_period(_YEAR.sub(r"nam \1", words))
            if period is None and genre in GENRE_YEAR_PART:
                period = min(bare) + GENRE_YEAR_PART[genre]
    return period


@dataclass
class Part:
    """Something a matching document must contain: any of ``terms``, ``phrase`` or ``directives``."""

    terms: list[tuple[str, str]] = field(default_factory=list)  # (field, term)
    phrase: Q.Query | None = None  # multi-syllable phrases need positions: Whoosh checks them
    directives: re.Pattern | None = None  # any cited number matching (folded, upper-cased)
    all_of: list[Part] = field(default_factory=list)  # or every one of these parts
    label: str = ""  # the words as typed, for a hit that lacks this part ("Thiếu: thiểu số")
    at: int = -1  # where its first word is in ParsedQuery.words (-1: a quoted phrase or a number)
    # Typed in quotes, a cited number, or words naming a province or a genre: a document lacking it never
    # matches (one of another province is a wrong answer, not a near one).
    required: bool = False


def _fields(folded: bool, title: float = TITLE_BOOST) -> tuple[tuple[str, float], ...]:
    """(field, weight) pairs a syllable is looked up in."""
    return (("title_folded", title), ("text_folded", 1.0)) if folded else (("title", title), ("text", 1.0))


def _scored(term: str, weight: float, title: float = TITLE_BOOST) -> list[tuple[str, str, float]]:
    """The (field, term, weight) triples one query term scores with: typed with marks, the accented fields and,
    ``FOLDED_BOOST`` as much, the folded ones; typed without, the folded ones."""
    if has_diacritics(term):
        return ([(f, term, weight * w) for f, w in _fields(False, title)]
                + [(f, fold(term), weight * w * FOLDED_BOOST) for f, w in _fields(True, title)])
    return [(f, term, weight * w) for f, w in _fields(True, title)]


def _word(syllable: str) -> Part:
    """A syllable typed with marks matches itself or, weighted less, any accent form."""
    terms = [(f, fold(syllable)) for f, _ in _fields(True)]
    if has_diacritics(syllable):
        terms += [(f, syllable) for f, _ in _fields(False)]
    return Part(terms=terms)


def _phrase_part(sylls: list[str], exact: bool) -> Part:
    if len(sylls) == 1:
        return _word(sylls[0]) if not exact else Part(terms=[(f, sylls[0]) for f, _ in _fields(False)])
    folded = not exact and not any(has_diacritics(s) for s in sylls)
    words = [fold(s) for s in sylls] if folded else sylls
    phrases = [Q.Phrase(f, words) for f, _ in _fields(folded)]
    if not exact and not folded:
        phrases += [Q.Phrase(f, [fold(s) for s in sylls]) for f, _ in _fields(True)]
    return Part(phrase=Q.Or(phrases))


def required_parts(parsed: ParsedQuery) -> list[Part]:
    """What a document must contain (all of it, or for the fallback any of it).

    The words naming a genre ("sơ kết 6 tháng") are one part: all of them, or a document of that
    genre's family (a six-month review that says "báo cáo kết quả 6 tháng", an annual review).
    So are the words naming a province: all of them, or a document of that province.
    """
    folded = [fold(s).lower() for s in parsed.words]
    named = [(naming_places(folded, naming), [("province", name)]) for name, naming in parsed.provinces]
    if parsed.genre:
        named.append((naming_places(folded, parsed.genre_words), [("genre", g) for g in related_genres(parsed.genre)]))
    grouped = {i for places, _ in named for i in places}
    first: dict[str, int] = {}  # a repeated word counts once, where it is first typed outside the naming words
    for i, s in enumerate(parsed.words):
        if i not in grouped:
            first.setdefault(s, i)
    parts = [replace(_word(s), label=s, at=i) for s, i in first.items()]
    for places, terms in named:
        typed = list(dict.fromkeys(parsed.words[i] for i in places))
        parts.append(Part(terms=terms, all_of=[_word(s) for s in typed], label=" ".join(typed),
                          at=min(places, default=-1), required=True))
    parts += [replace(_phrase_part(sylls, exact=False), label=f"\"{' '.join(sylls)}\"", required=True)
              for sylls in parsed.phrases]
    parts += [Part(terms=[("directives", number)], label=number, required=True) for number in parsed.directives]
    for number, type_code, words in parsed.partial_directives:
        # Cited with a full number, or written out as typed ("Nghị quyết 25").
        parts.append(Part(phrase=_phrase_part(words, exact=False).phrase, directives=directive_pattern(number, type_code),
                          label=" ".join(words), required=True))
    return parts


def naming_places(folded: list[str], naming: list[str]) -> list[int]:
    """Where the words naming a genre or a province (folded, in order) are among a query's ``folded`` words: the
    shortest stretch holding them in order, as the rule read them, so that "sở" of "cơ sở" (folded "so") stays a
    word of its own beside "sơ kết".

    >>> naming_places(["co", "so", "so", "ket", "6", "thang"], ["so", "ket", "6", "thang"])
    [2, 3, 4, 5]
    """
    best: list[int] = []
    for start, word in enumerate(folded):
        if not naming or word != naming[0]:
            continue
        places = [start]
        for name in naming[1:]:
            places.append(next((j for j in range(places[-1] + 1, len(folded)) if folded[j] == name), -1))
            if places[-1] < 0:
                break
        else:
            if not best or places[-1] - start < best[-1] - best[0]:
                best = places
    return best or [i for i, word in enumerate(folded) if word in naming]


def most_parts(parts: int) -> int:
    """How many of a query's ``parts`` a document that lacks some must still hold: ``MOST_SHARE`` of them,
    as Elasticsearch's ``minimum_should_match: 75%`` but rounded up (a part is mostly a syllable, half a
    word): none missing up to 3 parts, one from 4, two from 8.

    >>> [most_parts(n) for n in (1, 2, 3, 4, 5, 7, 8, 10)]
    [1, 2, 3, 3, 4, 6, 6, 8]
    """
    return math.ceil(MOST_SHARE * parts)


def missing_words(parts: list[Part]) -> list[str]:
    """The labels of ``parts`` (those a document lacks) as a user reads them: the query's words in typed
    order, neighbours joined ("thiểu số"), then quoted phrases and numbers.

    >>> missing_words([Part(label="số", at=9), Part(label="người", at=0), Part(label="thiểu", at=8)])
    ['người', 'thiểu số']
    """
    out: list[str] = []
    last = None
    for part in sorted((p for p in parts if p.at >= 0), key=lambda p: p.at):
        if last is not None and part.at == last + 1:
            out[-1] += " " + part.label
        else:
            out.append(part.label)
        last = part.at + len(part.label.split()) - 1
    return out + [p.label for p in parts if p.at < 0]


def excluded_parts(parsed: ParsedQuery) -> list[Part]:
    """What ``-word`` removes: the exact word if typed with marks, any accent form if not."""
    return [_phrase_part(sylls, exact=any(has_diacritics(s) for s in sylls)) for sylls in parsed.excluded]


def framing(parsed: ParsedQuery) -> list[bool]:
    """For each of ``parsed.words``: whether it frames a question (see ``QUESTION_FRAMING``).

    >>> framing(parse("Thỏa thuận trọng tài có độc lập hay không?"))
    [False, False, False, False, False, False, False, True, True]
    """
    flags = [False] * len(parsed.words)
    if not parsed.question:
        return flags
    words = [fold(w).lower() for w in parsed.words]
    for phrase in sorted((fold(p).split() for p in QUESTION_FRAMING), key=len, reverse=True):
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if words[i:i + n] == phrase:
                flags[i:i + n] = [True] * n
    return flags


def rank_terms(parsed: ParsedQuery, title: float = TITLE_BOOST,
               framing_weight: float | None = None, skip_weight: float | None = None,
               restored: dict[str, str] | None = None) -> list[tuple[str, str, float]]:
    """(field, term, weight) triples whose BM25 scores add up to a document's score.

    Syllables and adjacent pairs of syllables (the index's bigram terms) in
    title (weighted ``title``) and body; words typed with marks score on the accented fields,
    with a little weight on the folded ones so exact forms rank first.
    A question's framing words weigh ``framing_weight`` (default ``FRAMING_WEIGHT``).
    A folded syllable or pair in ``restored`` (``Ranker.restoration``) scores as its accented form would.
    """
    restored = restored or {}
    if framing_weight is None:
        framing_weight = FRAMING_WEIGHT
    if skip_weight is None:
        skip_weight = SKIP_WEIGHT
    flags = framing(parsed) if framing_weight != 1.0 else [False] * len(parsed.words)
    # A term counts with the largest of its occurrences' weights: content beats framing.
    sylls: dict[str, float] = {}
    pairs: dict[str, float] = {}
    for s, frame in zip(parsed.words, flags):
        sylls[s] = max(sylls.get(s, 0.0), framing_weight if frame else 1.0)
    for i, (a, b) in enumerate(zip(parsed.words, parsed.words[1:])):
        pair = a + JOINER + b
        pairs[pair] = max(pairs.get(pair, 0.0), BIGRAM_BOOST * (framing_weight if flags[i] and flags[i + 1] else 1.0))
    for p in parsed.phrases:
        for s in p:
            sylls[s] = 1.0
        for a, b in zip(p, p[1:]):
            pairs[a + JOINER + b] = BIGRAM_BOOST
    out: list[tuple[str, str, float]] = []
    for terms in (sylls, pairs):
        for term, weight in terms.items():
            if not weight:
                continue
            out += _scored(restored.get(term, term), weight, title)
    if skip_weight:
        # "tiếp công dân" also finds "tiếp dân": a pair the index holds, one syllable left out.
        skips = {fold(a) + JOINER + fold(c) for i, (a, c) in enumerate(zip(parsed.words, parsed.words[2:]))
                 if not (flags[i] or flags[i + 2])} - {fold(p) for p in pairs}
        out += [("text_folded", term, skip_weight) for term in sorted(skips)]
    out += [("directives", number, DIRECTIVE_BOOST) for number in parsed.directives]
    return out


def stand_ins(parsed: ParsedQuery,
              restored: dict[str, str] | None = None) -> list[tuple[str, str, float, list[tuple[str, str, float]]]]:
    """(field, value, share, terms of the words naming it): a document whose ``field`` holds ``value``
    stands in for the words that name it (see :meth:`indexer.ranker.Ranker.add_stand_ins`): the
    genre for its naming words, the period for its years; the words weighed as ``rank_terms`` weighs them.

    >>> [(v, s) for _, v, s, _ in stand_ins(parse("sơ kết 6 tháng đầu năm 2022"))]
    [('six_month_review', 1.0), ('annual_review', 0.75), ('multi_year_review', 0.75), ('2022-H1', 1.0)]
    """
    def body_terms(naming: set[str]) -> list[tuple[str, str, float]]:
        # As rank_terms weighs them, in the body only (title weight 0).
        words = [w for w in dict.fromkeys(parsed.words) if fold(w).lower() in naming]
        return [t for w in words for t in _scored((restored or {}).get(w, w), 1.0, title=0.0) if t[2]]

    out = []
    if parsed.genre:
        terms = body_terms(set(parsed.genre_words))
        out += [("genre", g, GENRE_BOOST * (1.0 if g == parsed.genre else FAMILY_SHARE), terms)
                for g in related_genres(parsed.genre)]
    if parsed.period:
        out.append(("period", parsed.period, PERIOD_BOOST, body_terms(set(re.findall(r"\d{4}", parsed.period)))))
    return out


def chain_runs(parsed: ParsedQuery) -> list[list[str]]:
    """The query's syllables in typed order, folded, as runs whose word order ranks (see
    :meth:`indexer.ranker.Ranker.chain_evidence`): the words, then each quoted phrase.

    >>> chain_runs(parse('Quy chế dân chủ "ở cơ sở"'))
    [['quy', 'che', 'dan', 'chu'], ['o', 'co', 'so']]
    """
    return [[fold(s) for s in run] for run in [parsed.words, *parsed.phrases] if run]
