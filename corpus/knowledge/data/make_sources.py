"""Write sources.toml from a portals.tsv catalogue (name, province, kind, start_url, evidence_url, ...).

Run by hand when the catalogue changes; the project ships the written TOML,
never reads the TSV at build or run time:

    python corpus/knowledge/data/make_sources.py ../shared/sources/portals.tsv > corpus/knowledge/data/sources.toml
"""
from __future__ import annotations

import csv
import json
import sys

HEADER = """\
# Built-in sources: real portals and sections that publish công tác dân vận material.
# Derived from portals.tsv (compiled 2026-12-04 from public web search results: a row was
# added only when a real dân vận page from that host had been seen; no host name was guessed)
# by corpus/knowledge/data/make_sources.py.  The URLs were seen in search results and NOT fetched live:
# some may have moved since (2025 mergers of the Ban Dân vận and of provinces).
# province = the pre-2025 province, or "Trung ương" for a national site (its pages get a province
# only when the text is clearly about one).
# kind: party-committee, ban-dan-van, fatherland-front, government-portal, newspaper, tv,
#       mass-organisation, national.  evidence = one dân vận page seen on that host.
"""


def main(path: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8"), delimiter="\t"))
    out = [HEADER]
    for row in rows:
        out.append("\n[[source]]")
        out.append(f"name = {json.dumps(row['name'], ensure_ascii=False)}")
        out.append(f"start_urls = [{json.dumps(row['start_url'], ensure_ascii=False)}]")
        out.append(f"province = {json.dumps(row['province'], ensure_ascii=False)}")
        out.append(f"kind = {json.dumps(row['kind'])}")
        out.append(f"evidence = {json.dumps(row['evidence_url'], ensure_ascii=False)}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
