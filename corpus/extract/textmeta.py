"""Metadata of a clean article text: date, year, province, cited documents.

Called by the page pipeline (``corpus/store/pipeline.py``) for HTML pages,
text dumps and attached files, and by JSONL imports with missing fields.  A
publication date the page states (its CMS date line, structured data) comes
in as a ``datetime.date`` and outranks any date in the text.  Unknown stays
None: a wrong province is worse than none.

>>> text = "UBND tỉnh Vĩnh Long triển khai Chỉ thị số 16/CT - TTg."
>>> meta = extract_metadata(text, header=["Ngày 14/03/2019 08:59:47"])
>>> meta["published"], meta["province"], meta["province_2025"], meta["directives"]
(datetime.date(2019, 3, 14), 'Vĩnh Long', 'Vĩnh Long', ['16/CT-TTg'])
>>> extract_metadata(text, published=dt.date(2025, 8, 1))["published"]
datetime.date(2025, 8, 1)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from corpus.extract.dates import find_published, find_year
from corpus.knowledge.directives import find_directives
from corpus.knowledge.provinces import detect_province, to_2025
from corpus.knowledge.vietnamese import nfc

# Provinces merged on this day; a page published later names the new province.
REORGANISED = dt.date(2025, 7, 1)
# How many first lines of the text may hold the CMS date line.
DATE_LINES = 3
FACTS = ("published", "year", "year_source", "province", "province_2025", "directives", "directives_partial")


def extract_metadata(
    text: str,
    *,
    title: str | None = None,
    header: Sequence[str] = (),
    url: str | None = None,
    source_province: str | None = None,
    published: dt.date | None = None,
    wanted: Collection[str] = FACTS,
) -> dict[str, Any]:
    """published (a date), year, year_source, province, province_2025, directives, directives_partial of a clean text.

    ``header``: lines around the article (portal name, date lines); ``published``: the date the page states;
    ``wanted``: the facts to find (a JSONL record gives the others), each the same as when all are found.
    """
    want = set(wanted)
    text = nfc(text or "")
    title = nfc(title) if title else None
    found: dict[str, Any] = {}
    about = f"{title}\n\n{text}" if title else text
    if want & {"published", "year", "year_source", "province"}:  # the year and the province depend on the date
        lines = [nfc(line) for line in header] + text.splitlines()[:DATE_LINES]
        published = found["published"] = published or find_published(lines)
    if want & {"year", "year_source"}:
        # The year a text names ("năm 2016" in a 2017 review) is only a fallback for an undated page.
        year, year_source = (published.year, "published") if published else (find_year(about), "text")
        found["year"], found["year_source"] = year, year_source if year else None
    if want & {"province", "province_2025"}:
        province = detect_province(header=list(header), url=url, text=text, title=title,
                                   source_province=source_province)
        found["province_2025"] = to_2025(province)
        if province and published and published >= REORGANISED:
            province = found["province_2025"]  # "Hà Giang" no longer exists then: the page says "Tuyên Quang"
        found["province"] = province
    if want & {"directives", "directives_partial"}:
        found["directives"], found["directives_partial"] = find_directives(about)
    return {name: found[name] for name in FACTS if name in want}
