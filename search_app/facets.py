"""Facets as plain data for templates and JSON: values, counts and links.

The query service counts; this module only adds what a page needs to act
on a count: the URL that toggles it, chips that remove a selection, and the
geometry of the year bar chart.  No Flask here, so it is tested on its own.

>>> from search_app.params import SearchParams
>>> p = SearchParams(q="dân vận", year=("2019",))
>>> links = facet_links({"year": [{"value": "2019", "count": 3, "selected": True},
...                               {"value": "2022", "count": 1, "selected": False}]}, p, "/search")
>>> [(v["value"], v["toggle_url"]) for v in links["year"]]
[('2019', '/search?q=d%C3%A2n+v%E1%BA%ADn'), ('2022', '/search?q=d%C3%A2n+v%E1%BA%ADn&year=2019&year=2022')]
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from search_app.params import SearchParams

LABELS = {
    "province": "Tỉnh/thành",
    "province_2025": "Tỉnh/thành (từ 2025)",
    "year": "Năm",
    "directive": "Văn bản được trích dẫn",
    "genre": "Loại tài liệu",
    "period": "Kỳ báo cáo",
    "keyword": "Từ khóa",
    "date_from": "Từ ngày",
    "date_to": "Đến ngày",
}

CHART_WIDTH = 240
CHART_HEIGHT = 64
LABEL_HEIGHT = 14  # room under the bars for the first and last year
LABEL_CHAR_WIDTH = 7  # a digit at the labels' 10-unit font is about 6.4 units wide: kept inside the chart
MIN_SLOTS = 6  # fewer years are drawn as narrow bars, centred
MAX_YEAR_GAP_FILL = 40  # wider spans draw only the years that have hits


def facet_links(facets: Mapping[str, Sequence[Mapping[str, Any]]], params: SearchParams,
                path: str) -> dict[str, list[dict[str, Any]]]:
    """Each facet value as ``{value, count, selected, toggle_url}``."""
    return {
        name: [
            {"value": v["value"], "count": v["count"], "selected": v["selected"], "toggle_url": url}
            for v, url in zip(values, params.toggle_urls(name, [v["value"] for v in values], path))
        ]
        for name, values in facets.items()
    }


def selection_chips(params: SearchParams, path: str) -> list[dict[str, str]]:
    """One removable chip per selected filter value, in URL order."""
    chips = []
    for name, value in params.pairs():
        if name in LABELS:
            chips.append({"name": name, "label": LABELS[name], "value": value,
                          "remove_url": params.without(name, value).url(path)})
    return chips


def year_chart(values: Sequence[Mapping[str, Any]], width: int = CHART_WIDTH,
               height: int = CHART_HEIGHT) -> dict[str, Any]:
    """Bars of hits per year, oldest first, for an inline SVG.

    Years between the first and last with no hit get an empty slot so the
    time axis stays even; a few years are centred rather than stretched.
    ``values`` are year facet values with their toggle URLs.

    >>> c = year_chart([{"value": "2022", "count": 2, "selected": False, "toggle_url": "u2"},
    ...                 {"value": "2019", "count": 4, "selected": True, "toggle_url": "u1"}])
    >>> [(b["value"], b["count"], b["height"]) for b in c["bars"]]
    [('2019', 4, 50), ('2020', 0, 0), ('2021', 0, 0), ('2022', 2, 25)]
    >>> [(label["text"], label["x"]) for label in c["labels"]]
    [('2019', 60.0), ('2022', 180.0)]
    """
    years = {v["value"]: v for v in values if str(v["value"]).isdigit()}
    top = max((v["count"] for v in years.values()), default=0)
    if not top:
        return {"width": width, "height": height, "bars": [], "labels": [], "max": 0}
    first, last = min(map(int, years)), max(map(int, years))
    if last - first < MAX_YEAR_GAP_FILL:
        slots = [str(y) for y in range(first, last + 1)]
    else:
        slots = sorted(years)
    plot = height - LABEL_HEIGHT
    step = width / max(len(slots), MIN_SLOTS)
    offset = (width - step * len(slots)) / 2
    gap = min(4.0, step * 0.2)
    bars = []
    for i, year in enumerate(slots):
        v = years.get(year)
        count = v["count"] if v else 0
        h = round(plot * count / top) if count else 0
        if count and h < 2:
            h = 2  # a single hit stays visible
        bars.append({
            "value": year, "count": count, "selected": bool(v and v["selected"]),
            "toggle_url": v["toggle_url"] if v else None,
            "x": round(offset + i * step + gap / 2, 1), "width": round(step - gap, 1),
            "y": plot - h, "height": h,
        })
    ends = [bars[0], bars[-1]] if len(bars) > 1 else bars
    # Centred under its bar, but never past the chart's edges, where the SVG would cut it.
    labels = [{"x": round(min(max(b["x"] + b["width"] / 2, half), width - half), 1), "y": height - 2, "text": b["value"]}
              for b in ends for half in [len(b["value"]) * LABEL_CHAR_WIDTH / 2]]
    return {"width": width, "height": height, "baseline": plot, "bars": bars, "labels": labels, "max": top}
