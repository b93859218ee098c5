"""The citation graph of a corpus: citing document -> directive record, and record co-citation weights.

Built from :func:`corpus.extract.directive_records.catalogue`; written as CSV (one edge a row) or GraphML,
which networkx (``nx.read_graphml``) and Gephi read.  A citation that could not be attributed to a
record points at the bare number, marked ``unattributed``.

>>> found = {"16/CT-TTg": {"records": [{"number": "16/CT-TTg", "year": 2020, "term": None, "type": "Chỉ thị",
...          "issuer": None, "issued": None, "subject": None, "citations": ["a", "b"]}],
...          "unattributed": 1, "unattributed_documents": ["c"]},
...          "25-NQ/TW": {"records": [{"number": "25-NQ/TW", "year": 2013, "term": "XI", "type": "Nghị quyết",
...          "issuer": None, "issued": None, "subject": None, "citations": ["a"]}],
...          "unattributed": 0, "unattributed_documents": []}}
>>> [(e["source"], e["target"], e["kind"], e["weight"]) for e in edges(found)]
[('a', '16/CT-TTg|2020', 'cites', 1), ('b', '16/CT-TTg|2020', 'cites', 1), ('c', '16/CT-TTg', 'unattributed', 1), ('a', '25-NQ/TW|2013', 'cites', 1), ('16/CT-TTg|2020', '25-NQ/TW|2013', 'cocited', 1)]
"""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import combinations
from typing import Any
from xml.sax.saxutils import escape, quoteattr

EDGE_COLUMNS = ("source", "target", "kind", "weight")
NODE_ATTRIBUTES = ("kind", "number", "year", "type", "issuer", "issued", "term", "subject")


def record_id(record: Mapping[str, Any]) -> str:
    """A record's node id: its number and year ("16/CT-TTg|2020"), its term, or "?" when neither is known."""
    which = record.get("year") or (f"khóa {record['term']}" if record.get("term") else "?")
    return f"{record['number']}|{which}"


def edges(found: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Citation edges (document -> record or bare number), then co-citation edges between records."""
    out: list[dict[str, Any]] = []
    cited_by: dict[str, set[str]] = defaultdict(set)  # document -> records (and bare numbers) it cites
    for number, data in found.items():
        for record in data["records"]:
            node = record_id(record)
            for doc in record["citations"]:
                out.append({"source": doc, "target": node, "kind": "cites", "weight": 1})
                cited_by[doc].add(node)
        for doc in data.get("unattributed_documents", []):
            out.append({"source": doc, "target": number, "kind": "unattributed", "weight": 1})
    pairs: Counter = Counter()
    for nodes in cited_by.values():
        pairs.update(combinations(sorted(nodes), 2))
    out += [{"source": a, "target": b, "kind": "cocited", "weight": n} for (a, b), n in sorted(pairs.items())]
    return out


def nodes(found: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every node with its attributes: records (profile), bare numbers and documents."""
    out: dict[str, dict[str, Any]] = {}
    for number, data in found.items():
        for record in data["records"]:
            out[record_id(record)] = {"kind": "record", **{k: record.get(k) for k in NODE_ATTRIBUTES[1:]}}
            for doc in record["citations"]:
                out.setdefault(doc, {"kind": "document"})
        if data.get("unattributed_documents"):
            out[number] = {"kind": "number", "number": number}
            for doc in data["unattributed_documents"]:
                out.setdefault(doc, {"kind": "document"})
    return out


def to_csv(found: Mapping[str, Mapping[str, Any]]) -> str:
    """The edges as CSV: source, target, kind (cites, unattributed, cocited), weight."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EDGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(edges(found))
    return buffer.getvalue()


def to_graphml(found: Mapping[str, Mapping[str, Any]]) -> str:
    """The whole graph as GraphML (directed; node and edge attributes as strings, weight as an int)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    lines += [f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="string"/>' for name in NODE_ATTRIBUTES]
    lines += ['  <key id="e_kind" for="edge" attr.name="kind" attr.type="string"/>',
              '  <key id="e_weight" for="edge" attr.name="weight" attr.type="int"/>',
              '  <graph id="citations" edgedefault="directed">']
    for node, attrs in nodes(found).items():
        data = "".join(f'<data key="n_{k}">{escape(str(v))}</data>' for k, v in attrs.items() if v is not None)
        lines.append(f"    <node id={quoteattr(node)}>{data}</node>")
    for e in edges(found):
        lines.append(f'    <edge source={quoteattr(e["source"])} target={quoteattr(e["target"])}>'
                     f'<data key="e_kind">{e["kind"]}</data><data key="e_weight">{e["weight"]}</data></edge>')
    lines += ["  </graph>", "</graphml>", ""]
    return "\n".join(lines)
