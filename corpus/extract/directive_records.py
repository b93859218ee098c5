"""Directive records: which document a cited number means, what it is, and how citations connect.

A number alone does not name a document: State numbers restart every year and
Party numbers every term, so two documents may share ``16/CT-TTg``.  A record
is (number, year of issue where known).  Each citing document is attributed to
a record by what its text says next to the number ("ngày 31/3/2020",
"năm 2016", "(khóa XI)", "của Thủ tướng Chính phủ", the subject after "về"),
failing that by the corpus's agreement (one record only, not ruled out by the
document's own date or words), and otherwise stays on the number, counted as
unattributed: never guessed.

A record's profile (type, issuer, issued, term, subject) is chosen by
agreement among the documents attributed to it; every value is kept with the
documents that said it, and a field on which they disagree is a conflict.

Why this module is long (~550 lines): reading one document's mentions and attributing them across
documents share the Mention and record types and the rules on years and issuers; the sections
below (reading, relations, attributing, listing) keep them apart inside one module.

>>> docs = [
...     {"id": "a", "published": "2020-04-02", "text": "Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng "
...      "Chính phủ về thực hiện các biện pháp cấp bách phòng, chống dịch COVID-19."},
...     {"id": "b", "published": "2018-05-01", "text": "Thực hiện Chỉ thị 16/CT-TTg năm 2016 của TTg về "
...      "tăng cường công tác dân vận của cơ quan hành chính nhà nước."},
...     {"id": "c", "published": "2019-01-01", "text": "Quán triệt Chỉ thị 16/CT-TTg."},
...     {"id": "d", "published": "2021-01-01", "text": "Quán triệt Chỉ thị 16/CT-TTg."},
... ]
>>> found = directive_records(docs, "16/CT-TTg")
>>> [(r["year"], r["issued"], r["citations"]) for r in found["records"]], found["unattributed"]
([(2016, None, ['b', 'c']), (2020, '2020-03-31', ['a'])], 1)
>>> found["records"][1]["subject"]
'thực hiện các biện pháp cấp bách phòng, chống dịch COVID-19'
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from corpus.knowledge import rules
from corpus.extract.dates import match_date
from corpus.knowledge.directives import cited_spans
from corpus.knowledge.vietnamese import key, nfc, normalize

FIELDS = ("type", "issuer", "issued", "term", "subject")

_WORDS = sorted(rules.TYPE_WORDS, key=len, reverse=True)
_WORD_RE = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _WORDS)
# The type word before a number, or before the list the number ends: "Quyết định 217, 218-QĐ/TW".
_TYPE_BEFORE_RE = re.compile(rf"(?<!\w)({_WORD_RE})\s+(?:số\s*:?\s*)?(?:\d{{1,5}}\s*(?:,|và|&)\s*)*$", re.I)
_SKIP_RE = re.compile(r"[\s,]*")
_LIST_SEP_RE = re.compile(r"\s*(?:,|và|&)\s*")
_DATE_HEAD_RE = re.compile(r"(?:được\s+)?(?:ban\s+hành\s+|ký\s+)?ngày\s+", re.I)
_YEAR_HEAD_RE = re.compile(r"(?:ban\s+hành\s+)?năm\s+((?:19|20)\d\d)(?![\d/.-])", re.I)
# A date after a number is its issue date only where the citation goes on ("ngày 31/3/2020 của ...", "... về",
# end of clause); "Theo Chỉ thị 16/CT-TTg, ngày 1/4/2021 tỉnh đã ..." dates an event.
_HEAD_GOES_ON_RE = re.compile(
    r"[\s,]*(?:(?:của|về|ban\s+hành|do|kh[oó][aá]|và|giữa|tại|hướng\s+dẫn|quy\s+định|(?-i:Hội\s+nghị))(?!\w)"
    r"|[(;.:)\]”\"]|$)", re.I)
_TERM_RE = re.compile(r"\(?\s*kh[oó][aá]\s+([IVXLC]+)(?![\w])\s*\)?", re.I)
_OF_RE = re.compile(r"của\s+", re.I)
_SUBJECT_RE = re.compile(r"([“\"])?\s*(?:về|ban\s+hành)\s+(?:việc\s+)?([“\"])?", re.I)  # or quoted: “Về ...”
_CLOSING_QUOTE_RE = re.compile(r"[”\"]")
_SUBJECT_END_RE = re.compile("|".join(f"(?:{r})" for r in rules.SUBJECT_ENDS))
_ISSUER_STOP_RE = re.compile(r"ban\s+hành(?!\w)")  # the verb, lower-case: "của Bộ Chính trị ban hành Quy chế"
_ISSUER_WORD_RE = re.compile(r"[^\s,;:.()\"“”]+(?:\.[^\s,;:.()\"“”]+)*")
_ABBREVIATIONS = {normalize(k): v for k, v in rules.ISSUER_ABBREVIATIONS.items()}  # exact: "TƯ" is not "Tư"
_BODIES = {key(b): b for b in rules.ISSUER_BODIES}
_BODY_RE = re.compile(
    "(?:" + "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in sorted(rules.ISSUER_BODIES, key=len, reverse=True))
    + r")(?!\w)", re.I)
_ALIASES = {key(k): v for k, v in rules.ISSUER_ALIASES.items()}
_NOT_ISSUERS = {key(w) for w in rules.NOT_ISSUERS}
_ISSUER_LOWER = {key(w) for w in rules.ISSUER_LOWER_WORDS}
_COMMON_SUBJECT_WORDS = {key(w) for w in " ".join(rules.COMMON_SUBJECT_WORDS).split()}
_OWN_YEAR_RE = re.compile(r"^\d+/((?:19|20)\d\d)/")
_RELATION_RE = re.compile(
    r"(?<!\w)(được\s+)?(" + "|".join(re.escape(w) for w in sorted(rules.RELATION_WORDS, key=len, reverse=True))
    + rf")(?:\s+(?:bởi|bằng))?\s+(?:(?:các\s+)?(?:{_WORD_RE})\s+)?(?:số\s+)?$", re.I)
_REVIEW_RE = re.compile(rules.REVIEW_RE, re.I)
# What every review's opening word ("sơ kết", "tổng kết") holds, lower-cased: a text without either has no review,
# and is not scanned for one (a case-blind scan tries each character; the test checks the marks against the rule).
_REVIEW_MARKS = ("ơ kết", "ng kết")
_SENTENCE_BREAK_RE = re.compile(r"[;\n]|\.\s")


@lru_cache(maxsize=16384)
def _value_key(value: str) -> str:
    """:func:`key` of a value the mentions give (an issuer, a subject, a date, a word): the same few thousand are
    keyed again and again as the documents citing a number are attributed."""
    return key(value)


@lru_cache(maxsize=16384)
def _value_words(value: str) -> frozenset[str]:
    """The syllables of :func:`_value_key`, to compare subjects."""
    return frozenset(_value_key(value).split())


@dataclass(frozen=True)
class Mention:
    """What one passage of a document says about a number it cites."""

    doc: str
    number: str
    type: str | None = None
    issuer: str | None = None
    issued: str | None = None
    year: int | None = None
    term: str | None = None
    subject: str | None = None
    around: str = field(default="", compare=False, repr=False)  # the text near the mention


@dataclass
class _Record:
    number: str
    year: int | None
    mentions: dict[str, list[Mention]] = field(default_factory=dict)  # doc id -> its mentions

    def values(self, name: str) -> list[tuple[str, str, list[str]]]:
        """(key, shown value, documents) for one field, most documents first."""
        docs: dict[str, set[str]] = defaultdict(set)
        shown: dict[str, Counter] = defaultdict(Counter)
        for doc, mentions in self.mentions.items():
            for m in mentions:
                value = getattr(m, name)
                if value is not None:
                    k = _value_key(str(value))
                    docs[k].add(doc)
                    shown[k][value] += 1
        ranked = sorted(docs, key=lambda k: (-len(docs[k]), k))
        return [(k, shown[k].most_common(1)[0][0], sorted(docs[k])) for k in ranked]

    def chosen(self, name: str) -> str | None:
        """The value most documents agree on; None when none is given or two tie.

        A subject written short ("về công tác dân vận") supports the longer ones that contain it, when
        at least two documents wrote the longer one: a single source may have been cut too late.
        """
        values = self.values(name)
        support = {k: set(docs) for k, _shown, docs in values}
        if name == "subject":
            for k, _shown, docs in values:
                for longer, _s, own in values:
                    if longer != k and len(own) >= 2 and f" {k} " in f" {longer} ":
                        support[longer] |= set(docs)
        ranked = sorted(values, key=lambda v: -len(support[v[0]]))
        if not ranked or (len(ranked) > 1 and len(support[ranked[0][0]]) == len(support[ranked[1][0]])):
            return None
        return ranked[0][1]


# --- reading one document ---------------------------------------------------------------

def read_mentions(doc_id: str, text: str) -> tuple[list[Mention], list[tuple[int, int, str]]]:
    """Every mention of a full number in ``text`` with what its context says, and the numbers' spans."""
    return _read_mentions(doc_id, nfc(text or ""))


def _read_mentions(doc_id: str, text: str) -> tuple[list[Mention], list[tuple[int, int, str]]]:
    """:func:`read_mentions` of an NFC ``text``."""
    spans = cited_spans(text)
    mentions: list[Mention] = []
    for i, (start, end, number) in enumerate(spans):
        limit = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        mentions.append(_mention(doc_id, text, start, end, number, limit))
    # "Quyết định 217, 218-QĐ/TW của Bộ Chính trị": the listed numbers share the issuer and term named after the list.
    for i in range(len(spans) - 2, -1, -1):
        if _LIST_SEP_RE.fullmatch(text[spans[i][1]:spans[i + 1][0]]):
            nxt = mentions[i + 1]
            mentions[i] = replace(mentions[i], issuer=mentions[i].issuer or nxt.issuer, term=mentions[i].term or nxt.term)
    return mentions, spans


def _mention(doc_id: str, text: str, start: int, end: int, number: str, limit: int) -> Mention:
    found: dict[str, Any] = {"type": _type_before(text, start, number),
                             "around": text[max(0, start - rules.AROUND_CHARS):end + rules.AROUND_CHARS]}
    own_year = _OWN_YEAR_RE.match(number)
    if own_year:
        found["year"] = int(own_year.group(1))
    pos = end
    for _ in range(8):  # "..., ngày 03/6/2013 của BCH TW (khóa XI) về ...": parts in any order
        pos = _SKIP_RE.match(text, pos).end()
        if pos >= limit:
            break
        m = _DATE_HEAD_RE.match(text, pos)
        date = match_date(text, m.end()) if m else None
        if date and "issued" not in found and _HEAD_GOES_ON_RE.match(text, date[0]):
            pos, found["issued"] = date
            found.setdefault("year", int(date[1][:4]))
            continue
        m = _YEAR_HEAD_RE.match(text, pos)
        if m and "year" not in found and _HEAD_GOES_ON_RE.match(text, m.end()):
            found["year"], pos = int(m.group(1)), m.end()
            continue
        m = _TERM_RE.match(text, pos)
        if m and "term" not in found:
            found["term"], pos = m.group(1).upper(), m.end()
            continue
        m = _OF_RE.match(text, pos)
        if m and "issuer" not in found:
            issuer, after = _issuer_at(text, m.end())
            if issuer:
                found["issuer"], pos = issuer, after
                continue
        break
    m = _SUBJECT_RE.match(text, pos)
    if m:
        found["subject"] = _subject_at(text, m.end(), quoted=bool(m.group(1) or m.group(2)))
    if found.get("issuer") is None:
        found["issuer"] = _issuer_of_suffix(number)
    return Mention(doc_id, number, **{k: v for k, v in found.items() if k in Mention.__dataclass_fields__})


def _type_before(text: str, start: int, number: str) -> str | None:
    m = _TYPE_BEFORE_RE.search(text, max(0, start - 80), start)
    if m:
        word = " ".join(m.group(1).split())
        return word[0].upper() + word[1:].lower()
    return type_of_number(number)


def type_of_number(number: str) -> str | None:
    """The type in full words that a canonical number's code makes certain, else None."""
    if re.fullmatch(r"\d+/\d{4}/(?:UBTV)?QH\d+", number):
        return "Luật" if "UBTV" not in number else None
    party = re.match(r"\d+-([^/]+)/", number)
    if party:
        return rules.TYPE_NAMES.get(party.group(1))
    state = re.match(r"\d+/(?:\d{4}/)?([^-/]+)-", number)
    if state:
        code = state.group(1)
        return rules.TYPE_NAMES.get(code) or rules.STATE_TYPE_NAMES.get(code)
    return None


def _issuer_of_suffix(number: str) -> str | None:
    tail = re.split(r"[/-]", number)
    return rules.ISSUER_BY_SUFFIX.get(tail[-1]) if len(tail) >= 2 and not tail[-1].isdigit() else None


def _issuer_at(text: str, pos: int) -> tuple[str | None, int]:
    """The issuer named at ``pos`` (after "của"), in full words, and where it ends."""
    body = _BODY_RE.match(text, pos)
    if body:
        return _BODIES[key(body.group())], body.end()
    words: list[str] = []
    end = pos
    for m in _ISSUER_WORD_RE.finditer(text, pos):
        if text[end:m.start()].strip() or len(words) >= 12:
            break  # punctuation between words ends the name
        word = m.group()
        if _ISSUER_STOP_RE.match(text, m.start()) or not (word[0].isupper() or _value_key(word) in _ISSUER_LOWER):
            break
        words.append(word)
        end = m.end()
    if not words or not words[0][0].isupper():
        return None, pos
    return name_issuer(" ".join(words)), end


def name_issuer(written: str) -> str | None:
    """An issuer in full words: abbreviations expanded, one name per body ("BCH TW" -> "Ban Chấp hành Trung ương")."""
    expanded = " ".join(_ABBREVIATIONS.get(w, w) for w in normalize(written).split())
    expanded = re.sub(r"(Ủy ban nhân dân|Hội đồng nhân dân)\s+(Tỉnh|Huyện|Thành phố|Xã)\b",
                      lambda m: f"{m.group(1)} {m.group(2).lower()}", expanded)
    if key(expanded) in _NOT_ISSUERS or len(expanded.split()) < 2:  # "Bộ", "Tổng": a name cut short
        return None
    return _ALIASES.get(key(expanded), expanded)


def _subject_at(text: str, pos: int, quoted: bool = False) -> str | None:
    """The trích yếu starting at ``pos``, cut where the sentence moves on; None if it cannot be cut.

    A quoted subject ends at its closing quote; quotes inside one ("phong trào “Dân vận khéo”") stay.
    """
    # A subject may name another document ("về tiếp tục thực hiện Chỉ thị 05-CT/TW"); one listed after
    # a comma or "và" ends it ("... và Kết luận số 120-KL/TW").
    window = text[pos:pos + rules.SUBJECT_MAX_CHARS + 1]
    m = (_CLOSING_QUOTE_RE if quoted else _SUBJECT_END_RE).search(window)
    if m:
        window = window[:m.start()]
    elif pos + len(window) < len(text):
        return None  # too long to know where it ends
    subject = window.strip(" ,:-–'")
    if subject.count("“") != subject.count("”"):
        subject = subject.strip("“”")
    subject = re.sub(r"\s+", " ", subject)
    if len(subject.split()) < 2 or len(subject) > rules.SUBJECT_MAX_CHARS:
        return None
    return subject


# --- relations ------------------------------------------------------------------------

def read_relations(doc_id: str, text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """Relations one document states: "A thay thế B", "A thực hiện B", "sơ kết N năm thực hiện B"."""
    return _read_relations(doc_id, nfc(text or ""), spans)


def _read_relations(doc_id: str, text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """:func:`read_relations` of an NFC ``text``."""
    found: list[dict[str, Any]] = []
    for (_s1, e1, a), (s2, _e2, b) in zip(spans, spans[1:]):
        between = text[e1:s2]
        if a == b or len(between) > 300 or _SENTENCE_BREAK_RE.search(between):
            continue
        m = _RELATION_RE.search(between)
        if not m:
            continue
        relation = _relation_of(m.group(2))
        source, target = (b, a) if m.group(1) else (a, b)  # "A được thay thế bởi B": B replaces A
        found.append({"document": doc_id, "relation": relation, "source": source, "target": target})
    low = text.lower()
    if not any(mark in low for mark in _REVIEW_MARKS):
        return found
    for m in _REVIEW_RE.finditer(text):
        years = _count(m.group(2))
        for start, _end, number in spans:
            if start < m.end() or start > m.end() + 80 or _SENTENCE_BREAK_RE.search(text[m.end():start]):
                continue
            found.append({"document": doc_id, "relation": "reviews", "source": None, "target": number,
                          "kind": " ".join(m.group(1).lower().split()), "years": years})
    return found


def _relation_of(written: str) -> str:
    wanted = key(written)
    return next(v for k, v in rules.RELATION_WORDS.items() if key(k) == wanted)


def _count(written: str) -> int | None:
    return int(written) if written.isdigit() else rules.NUMBER_WORDS.get(key(written))


# --- attributing citations --------------------------------------------------------------

def directive_records(docs: Iterable[Mapping[str, Any]], number: str) -> dict[str, Any]:
    """Records for one canonical ``number`` from the documents citing it: {"records": [...], "unattributed": n}.

    ``docs`` are mappings with ``id``, ``text`` and optionally ``title``, ``published`` and ``year``
    (a Document's ``to_dict()`` or an index's stored fields).
    """
    return catalogue(docs, {number}).get(number) or {"records": [], "unattributed": 0, "unattributed_documents": []}


def catalogue(docs: Iterable[Mapping[str, Any]], numbers: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Records of every number ``docs`` cite (or only of ``numbers``), in one pass: number -> records object."""
    return from_citations(read_citations(docs, numbers))


Citations = tuple[dict[str, dict[str, list[Mention]]], dict[str, int | None], dict[str, list[dict[str, Any]]]]


def read_citations(docs: Iterable[Mapping[str, Any]], numbers: set[str] | None = None) -> Citations:
    """What ``docs`` say about the numbers they cite (or ``numbers``): per number each document's mentions, each
    citing document's year, per number the relations stated.  Parts read apart (by worker processes) are
    joined with :func:`join_citations`; :func:`from_citations` attributes them."""
    per_number: dict[str, dict[str, list[Mention]]] = defaultdict(dict)
    doc_years: dict[str, int | None] = {}
    relations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        text = nfc("\n".join(t for t in (doc.get("title"), doc.get("text")) if t))
        mentions, spans = _read_mentions(doc["id"], text)
        wanted = [m for m in mentions if numbers is None or m.number in numbers]
        if not wanted:
            continue
        doc_years[doc["id"]] = _doc_year(doc)
        for m in wanted:
            per_number[m.number].setdefault(doc["id"], []).append(m)
        for r in _read_relations(doc["id"], text, spans):
            for n in {r["source"], r["target"]} - {None}:
                if numbers is None or n in numbers:
                    relations[n].append(r)
    return dict(per_number), doc_years, dict(relations)


def join_citations(parts: Iterable[Citations]) -> Citations:
    """One :data:`Citations` from parts read from disjoint sets of documents."""
    per_number: dict[str, dict[str, list[Mention]]] = defaultdict(dict)
    doc_years: dict[str, int | None] = {}
    relations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for part_numbers, part_years, part_relations in parts:
        for number, per_doc in part_numbers.items():
            per_number[number].update(per_doc)
        doc_years.update(part_years)
        for number, stated in part_relations.items():
            relations[number].extend(stated)
    return dict(per_number), doc_years, dict(relations)


def from_citations(citations: Citations) -> dict[str, dict[str, Any]]:
    """Records of every number in ``citations`` (see :func:`read_citations`): number -> records object."""
    per_number, doc_years, relations = citations
    out = {}
    for number, per_doc in per_number.items():
        records, unattributed = _attribute(number, per_doc, doc_years)
        by_doc = {doc: r.year for r in records for doc in r.mentions}
        out[number] = {
            "records": [_record_dict(r, relations.get(number, []), by_doc) for r in records],
            "unattributed": len(unattributed),
            "unattributed_documents": sorted(unattributed),
        }
    return out


def _doc_year(doc: Mapping[str, Any]) -> int | None:
    published = doc.get("published")
    if published:
        return int(str(published)[:4])
    year = doc.get("year")
    return int(year) if year not in (None, "") else None


def _attribute(number: str, per_doc: dict[str, list[Mention]],
               doc_years: dict[str, int | None]) -> tuple[list[_Record], set[str]]:
    records: dict[Any, _Record] = {}
    bare: list[str] = []
    for doc, mentions in per_doc.items():
        doc_year = doc_years.get(doc)
        if doc_year is not None:  # a text cannot cite a document issued after it was published: a misprint
            mentions = per_doc[doc] = [m if m.year is None or m.year <= doc_year else
                                       replace(m, year=None, issued=None) for m in mentions]
        years = {m.year for m in mentions if m.year is not None}
        if not years:
            bare.append(doc)
            continue
        for year in years:  # a document citing two documents of one number gives each its dated mentions
            record = records.setdefault(year, _Record(number, year))
            record.mentions[doc] = [m for m in mentions if m.year in (year, None)] if len(years) == 1 else \
                [m for m in mentions if m.year == year]
    # Term-only citations make records of their own when no dated record could be theirs.
    still_bare = []
    for doc in bare:
        terms = {m.term for m in per_doc[doc] if m.term}
        if len(terms) == 1 and all(r.chosen("term") not in (None, *terms) for r in records.values()):
            term = terms.pop()
            records.setdefault(("term", term), _Record(number, None)).mentions[doc] = per_doc[doc]
        else:
            still_bare.append(doc)
    unattributed = _contradicted(records)
    if not records:
        if not still_bare:
            return [], unattributed
        only = _Record(number, None, {doc: per_doc[doc] for doc in still_bare})
        return [only], unattributed
    for doc in sorted(still_bare):  # in id order, whatever order the documents came in
        candidates = _candidates(list(records.values()), per_doc[doc], doc_years.get(doc))
        if len(candidates) == 1:
            candidates[0].mentions[doc] = per_doc[doc]
        else:
            unattributed.add(doc)
    ordered = sorted(records.values(), key=lambda r: (r.year is None, r.year or 0, r.chosen("term") or ""))
    return ordered, unattributed


def _contradicted(records: dict[Any, _Record]) -> set[str]:
    """Take out the dated citations whose subject is another record's and not their own record's ("năm 2016
    về ... COVID-19" when the 2020 record is the COVID one): a conflict, not settled by guessing.  Returns the
    documents left with no record."""
    subjects = {k: r.chosen("subject") for k, r in records.items()}
    out = set()
    for k, record in list(records.items()):
        for doc, mentions in list(record.mentions.items()):
            said = [m.subject for m in mentions if m.subject]
            own = max((_likeness(s, subjects[k]) or 0.0 for s in said), default=1.0)
            if own < 0.3 and any(max(_likeness(s, subjects[j]) or 0.0 for s in said) >= 0.5
                                 for j in records if j != k):
                del record.mentions[doc]
                out.add(doc)
        if not record.mentions:
            del records[k]
    return {doc for doc in out if not any(doc in r.mentions for r in records.values())}


def _candidates(records: list[_Record], mentions: list[Mention], doc_year: int | None) -> list[_Record]:
    """The records one undated citation can be: not issued after the citing document, not contradicted."""
    out = [r for r in records if doc_year is None or r.year is None or r.year <= doc_year]
    for name in ("term", "issuer"):
        said = {_value_key(getattr(m, name)) for m in mentions if getattr(m, name)}
        if said:
            out = [r for r in out if r.chosen(name) is None or _value_key(r.chosen(name)) in said]
    subjects = [m.subject for m in mentions if m.subject]
    if subjects and out:
        scored = [(max(_likeness(s, r.chosen("subject")) for s in subjects), r) for r in out]
        if len(out) == 1:  # agreement holds unless the citation names another subject
            out = [r for score, r in scored if score is None or score >= 0.3]
        else:
            close = [r for score, r in scored if score is not None and score >= 0.5]
            out = close if len(close) == 1 else out
    elif len(out) == 1 and not _on_topic(out[0], mentions):
        out = []
    return out


def _on_topic(record: _Record, mentions: list[Mention]) -> bool:
    """False when the text around a bare citation, long enough to judge, shares no distinctive word with the
    only record's subject: a dân vận article citing "16/CT-TTg" without a word of COVID-19 is not agreement."""
    subject = record.chosen("subject")
    if not subject:
        return True
    distinctive = _value_words(subject) - _COMMON_SUBJECT_WORDS
    around = set(key(" ".join(m.around for m in mentions)).split())
    if len(distinctive) < rules.TOPIC_MIN_WORDS or len(around) < rules.AROUND_MIN_WORDS:
        return True  # too little to judge by
    return bool(distinctive & around)


def _likeness(a: str, b: str | None) -> float | None:
    """Share of syllables two subjects have in common (None when one is unknown)."""
    if b is None:
        return None
    x, y = _value_words(a), _value_words(b)
    return len(x & y) / max(1, min(len(x), len(y)))


def _record_dict(record: _Record, relations: list[dict[str, Any]], by_doc: dict[str, int | None]) -> dict[str, Any]:
    evidence = {name: [{"value": shown, "documents": docs} for _k, shown, docs in record.values(name)]
                for name in FIELDS}
    out: dict[str, Any] = {"number": record.number, "year": record.year}
    out.update({name: record.chosen(name) for name in FIELDS})
    if out["issued"] and record.year and int(out["issued"][:4]) != record.year:
        out["issued"] = None  # never a date that contradicts the record's year
    out["citations"] = sorted(record.mentions)
    out["evidence"] = evidence
    out["conflicts"] = [name for name in FIELDS if len(evidence[name]) > 1]
    mine = [r for r in relations if by_doc.get(r["document"], "?") == record.year and r["document"] in record.mentions]
    out["relations"] = _relations_of(record.number, mine)
    return out


def _relations_of(number: str, relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relations grouped by (relation, other number), each with the documents that state it."""
    grouped: dict[tuple, list[str]] = defaultdict(list)
    extra: dict[tuple, dict[str, Any]] = {}
    for r in relations:
        if r["relation"] == "reviews":
            k = ("reviewed_by", None, r["kind"], r["years"])
        elif r["source"] == number:
            k = (r["relation"], r["target"], None, None)
        else:
            k = (_INVERSE[r["relation"]], r["source"], None, None)
        grouped[k].append(r["document"])
        extra[k] = {"kind": r.get("kind"), "years": r.get("years")} if r["relation"] == "reviews" else {}
    return [{"relation": k[0], "number": k[1], **extra[k], "documents": sorted(set(docs))}
            for k, docs in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][3] or 0))]


_INVERSE = {"replaces": "replaced_by", "implements": "implemented_by"}


# --- listing --------------------------------------------------------------------------

SORTS = ("citations", "date")


def list_records(found: Mapping[str, Mapping[str, Any]], type_: str | None = None, issuer: str | None = None,
                 year: int | None = None, sort: str = "citations") -> list[dict[str, Any]]:
    """Every record of a :func:`catalogue` as one row, filtered (type and issuer: words contained, any case or
    accents) and sorted by citing documents or by date, newest first; undated records last."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    rows = []
    for number, data in found.items():
        for r in data["records"]:
            rows.append({name: r[name] for name in ("number", "year", *FIELDS)}
                        | {"citation_count": len(r["citations"]), "conflicts": r["conflicts"]})
    if type_:
        rows = [r for r in rows if r["type"] and key(type_) in key(r["type"])]
    if issuer:
        rows = [r for r in rows if r["issuer"] and key(issuer) in key(r["issuer"])]
    if year:
        rows = [r for r in rows if r["year"] == year]
    if sort == "date":
        rows.sort(key=lambda r: (r["issued"] or (f"{r['year']}" if r["year"] else ""), r["number"]), reverse=True)
        rows.sort(key=lambda r: r["year"] is None)
    else:
        rows.sort(key=lambda r: (-r["citation_count"], r["number"], r["year"] or 0))
    return rows
