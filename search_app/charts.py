"""Geometry of the phrase-timeline chart, as plain data for a server-rendered SVG.

No Flask and no script: the template draws what this returns.

>>> c = timeline_chart([{"term": "a", "buckets": [{"value": 2019, "count": 1, "per_1000": 10.0},
...                                               {"value": 2020, "count": 4, "per_1000": 20.0}]}])
>>> c["series"][0]["points"], [label["text"] for label in c["labels"]]
('40.0,100.0 600.0,20.0', ['2019', '2020'])
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 20, 40  # room for the axis labels
MAX_LABELS = 12  # year labels under the axis; more would overlap


def timeline_chart(terms: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One polyline per phrase: per_1000 over the buckets (years), scaled to the highest value."""
    values = [b["value"] for b in terms[0]["buckets"]] if terms else []
    top = max((b["per_1000"] for t in terms for b in t["buckets"]), default=0)
    if not values or not top:
        return {"width": WIDTH, "height": HEIGHT, "series": [], "labels": [], "max": 0}
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step if len(values) > 1 else LEFT + plot_w / 2, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    series = []
    for n, term in enumerate(terms):
        dots = [{"x": x(i), "y": y(b["per_1000"]), "value": b["value"], "count": b["count"],
                 "per_1000": b["per_1000"]} for i, b in enumerate(term["buckets"])]
        series.append({"term": term["term"], "index": n, "dots": dots,
                       "points": " ".join(f"{d['x']},{d['y']}" for d in dots)})
    every = -(-len(values) // MAX_LABELS)
    labels = [{"x": x(i), "y": HEIGHT - BOTTOM + 16, "text": str(v)} for i, v in enumerate(values)
              if i % every == 0 or i == len(values) - 1]
    return {"width": WIDTH, "height": HEIGHT, "series": series, "labels": labels, "max": top,
            "axis": {"x1": LEFT, "x2": WIDTH - RIGHT, "y": HEIGHT - BOTTOM, "top": TOP}}
