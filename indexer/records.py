"""Directive records as index terms: which record each citation of a document is attributed to.

A number alone does not name a document (see :mod:`corpus.extract.directive_records`), so the index holds,
next to the numbers a document cites (field ``directive``), a record key per citation (field
``directive_record``).  A number the corpus knows as one document, with every citation attributed to
it, is its own key (``25-NQ/TW``).  A number shared by several records gets the canonical number, "@"
and what tells its records apart: the year of issue (``16/CT-TTg@2020``) or else the term
(``25-NQ/TW@XI``); a citation that could not be attributed to one of them has ``16/CT-TTg@?``.

Attribution needs the corpus's agreement about a number, so keys are computed when the index is
built, from every document citing the number, and again on an incremental update for the numbers
the changed documents cite (:func:`document_keys`).

>>> record_key({"number": "16/CT-TTg", "year": 2020, "term": None}, several=True)
'16/CT-TTg@2020'
>>> record_key({"number": "16/CT-TTg", "year": 2020, "term": None}, several=False)
'16/CT-TTg'
>>> key_label("16/CT-TTg@2016"), key_label("25-NQ/TW@XI"), key_label("16/CT-TTg@?"), key_label("33/CT-TTg")
('16/CT-TTg (2016)', '25-NQ/TW (khóa XI)', '16/CT-TTg (chưa rõ văn bản)', '33/CT-TTg')
>>> normalize_key("16/ct - ttg năm 2020"), normalize_key("25 NQ TW @ khóa xi"), normalize_key("16/CT-TTg@?")
('16/CT-TTg@2020', '25-NQ/TW@XI', '16/CT-TTg@?')
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from corpus.extract.directive_records import catalogue
from corpus.store.document import YEARS
from corpus.knowledge.directives import normalize_directive

UNATTRIBUTED = "?"
PROFILE = ("number", "year", "type", "issuer", "issued", "term", "subject")
_QUALIFIER_RE = re.compile(r"\s*(?:@|\(|\bnăm\b|\bnam\b)\s*(?:kh[oó][aá]\s*)?([0-9]{4}|[IVXLC]+|\?)\s*\)?\s*$", re.I)


def record_key(record: Mapping[str, Any], several: bool) -> str:
    """The key of one record of :func:`corpus.extract.directive_records.catalogue`; ``several``: its number has other
    records or unattributed citations."""
    if not several:
        return record["number"]
    if record.get("year"):
        return f"{record['number']}@{record['year']}"
    if record.get("term"):
        return f"{record['number']}@{record['term']}"
    return f"{record['number']}@{UNATTRIBUTED}"  # no record without year and term beside others: never used


def split_key(key: str) -> tuple[str, str | None]:
    """(number, qualifier or None) of a record key."""
    number, sep, qualifier = key.rpartition("@")
    return (number, qualifier) if sep else (key, None)


def key_label(key: str) -> str:
    """A record key as people read it: "16/CT-TTg (2020)", "25-NQ/TW (khóa XI)"."""
    number, qualifier = split_key(key)
    if qualifier is None:
        return number
    if qualifier == UNATTRIBUTED:
        return f"{number} (chưa rõ văn bản)"
    return f"{number} ({qualifier if qualifier.isdigit() else 'khóa ' + qualifier})"


def profile_line(profile: Mapping[str, Any]) -> str:
    """One record as a line: "Chỉ thị 16/CT-TTg ngày 31/03/2020 của Thủ tướng Chính phủ về ... (1 tài liệu)".

    >>> profile_line({"number": "16/CT-TTg", "year": 2016, "type": "Chỉ thị", "issuer": None, "issued": None,
    ...               "term": None, "subject": None, "citations": 4})
    'Chỉ thị 16/CT-TTg năm 2016 (4 tài liệu)'
    """
    if not any(profile.get(k) for k in ("year", "type", "issuer", "issued", "term", "subject")):
        return f"{profile['number']}: chưa rõ là văn bản nào ({profile['citations']} tài liệu)"
    issued = profile.get("issued")
    parts = [profile.get("type") or "Văn bản", profile["number"],
             f"ngày {issued[8:10]}/{issued[5:7]}/{issued[:4]}" if issued else
             f"năm {profile['year']}" if profile.get("year") else None,
             f"của {profile['issuer']}" if profile.get("issuer") else None,
             f"(khóa {profile['term']})" if profile.get("term") else None,
             f"về {profile['subject']}" if profile.get("subject") else None]
    return " ".join(p for p in parts if p) + f" ({profile['citations']} tài liệu)"


def normalize_key(value: str) -> str | None:
    """The canonical key for a number or a record written any way ("16/ct-ttg@2020", "16/CT-TTg (2020)",
    "25-NQ/TW khóa XI"), or None if it is neither."""
    text = (value or "").strip()
    m = _QUALIFIER_RE.search(text)
    if m is None:
        return normalize_directive(text)
    number = normalize_directive(text[:m.start()])
    qualifier = m.group(1).upper()
    if number is None or (qualifier.isdigit() and int(qualifier) not in YEARS):
        return None
    return f"{number}@{qualifier}"


def keys_of(found: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Per document id, the key of each number it cites, from a :func:`catalogue` result."""
    out: dict[str, dict[str, str]] = {}
    for number, data in found.items():
        several = len(data["records"]) > 1 or bool(data["unattributed"])
        for record in data["records"]:
            k = record_key(record, several)
            for doc in record["citations"]:
                out.setdefault(doc, {})[number] = _joined(out[doc].get(number) if doc in out else None, k)
        for doc in data["unattributed_documents"]:
            out.setdefault(doc, {})[number] = f"{number}@{UNATTRIBUTED}"
    return out


def _joined(old: str | None, new: str) -> str:
    # A document citing two records of one number ("16/CT-TTg năm 2016" and "ngày 31/3/2020") holds both keys.
    return new if old is None else f"{old},{new}"


def document_keys(numbers: list[str], found: Mapping[str, str], known: Iterable[str] = ()) -> list[str]:
    """The record keys of one document citing ``numbers`` (its ``directives``), in their order.

    ``found``: number -> key(s) from :func:`keys_of`.  A number the record reader did not see in the
    text (completed from "Nghị quyết 25 ... của Bộ Chính trị") gets its bare number, or ``N@?`` when
    the number has records told apart (``known``: such numbers).
    """
    several = set(known)
    keys: list[str] = []
    for number in numbers:
        k = found.get(number) or (f"{number}@{UNATTRIBUTED}" if number in several else number)
        keys.extend(k.split(","))
    return list(dict.fromkeys(keys))


def profiles(found: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per record key, the record's profile and citation count (what search shows above its hits)."""
    out: dict[str, dict[str, Any]] = {}
    for number, data in found.items():
        several = len(data["records"]) > 1 or bool(data["unattributed"])
        for record in data["records"]:
            out[record_key(record, several)] = {name: record[name] for name in PROFILE} | {
                "citations": len(record["citations"])}
        if data["unattributed"]:
            out[f"{number}@{UNATTRIBUTED}"] = {name: None for name in PROFILE} | {
                "number": number, "citations": data["unattributed"]}
    return out


def several_records(found: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Numbers whose citations are told apart by record (so a bare key would be ambiguous)."""
    return {n for n, data in found.items() if len(data["records"]) > 1 or data["unattributed"]}


Attribution = tuple[dict[str, dict[str, str]], dict[str, dict[str, Any]], set[str]]


def attribute(docs: Iterable[Mapping[str, Any]], numbers: set[str] | None = None) -> Attribution:
    """Attribute every citation of ``docs`` (of ``numbers``, or all): (keys per document, profiles, numbers
    with several records).  ``docs`` must hold every document citing those numbers."""
    return attribution(catalogue(docs, numbers))


def attribution(found: Mapping[str, Mapping[str, Any]]) -> Attribution:
    """(keys per document, profiles, numbers with several records) of a :func:`catalogue` result."""
    return keys_of(found), profiles(found), several_records(found)
