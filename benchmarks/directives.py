"""Document-number extraction: precision and recall, today's extractor against main's in the same run.

Three labelled sets, scored as (text, number) pairs:

- ``benchmarks/data/directives.jsonl``: realistic sentences written for this benchmark, with the real-world
  spellings (``30-CT/T.Ư``, ``217, 218-QĐ/TW``, joint issuers, official letters) and sentences that hold
  no number (phones, dates, URLs, ISBNs, addresses, partial citations);
- the ``directives`` of ``../shared/corpus/seeds/gold.jsonl`` (cleaned texts);
- the ``directives`` of ``../shared/fixtures/sites/gold.jsonl`` (article bodies of the fixture portals).

The baseline is ``corpus/knowledge/directives.py`` as committed on ``--baseline`` (default ``main``; once this is merged,
``--baseline f6ba9d5`` is the extractor before issue 16), loaded from
``git show`` into a module of its own.  "invented" counts numbers found that the gold does not hold.

Usage: python benchmarks/directives.py [--shared ../shared] [--baseline main]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.extract.directive_records import FIELDS, directive_records  # noqa: E402
from corpus.knowledge.directives import find_directives  # noqa: E402

Extractor = Callable[[str], tuple[list[str], list[str]]]
# Article body of each fixture CMS (as in tests/test_directives.py).
BODY_SELECTORS = {
    "liferay": ".asset-full-content",
    "wordpress": "article",
    "sharepoint-2013": ".vl-news-detail",
    "dotnetnuke": ".edn_article",
    "custom-php": "article.detail-article",
}


def baseline_extractor(rev: str) -> Extractor:
    """find_directives of corpus/knowledge/directives.py at git revision ``rev``."""
    source = subprocess.run(["git", "show", f"{rev}:corpus/knowledge/directives.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "directives_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("directives_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.find_directives


def own_set() -> list[tuple[str, list[str]]]:
    """The sentences written for this benchmark."""
    path = ROOT / "benchmarks" / "data" / "directives.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [(r["text"], r["directives"]) for r in rows]


def seed_set(shared: Path) -> list[tuple[str, list[str]]]:
    """Cleaned seed texts and their gold numbers."""
    seeds = shared / "corpus" / "seeds"
    rows = [json.loads(line) for line in (seeds / "gold.jsonl").open(encoding="utf-8")]
    return [((seeds / r["file"]).read_text(encoding="utf-8"), r["directives"]) for r in rows]


def fixture_set(shared: Path) -> list[tuple[str, list[str]]]:
    """Article bodies of the fixture portals and their gold numbers."""
    from bs4 import BeautifulSoup

    sites = shared / "fixtures" / "sites"
    out = []
    for line in (sites / "gold.jsonl").open(encoding="utf-8"):
        gold = json.loads(line)
        path = sites / gold["site"] / gold["path"].lstrip("/")
        if gold["path"].endswith("/"):
            path = path / "index.html"
        body = BeautifulSoup(path.read_bytes(), "lxml").select_one(BODY_SELECTORS[gold["cms"]])
        out.append((body.get_text("\n"), gold["directives"]))
    return out


def score(extract: Extractor, rows: Iterable[tuple[str, list[str]]]) -> dict[str, float | int]:
    """Micro precision, recall and F1 over (text, number) pairs; invented = found but not in the gold."""
    found = gold_n = right = 0
    for text, gold in rows:
        got = set(extract(text)[0])
        found += len(got)
        gold_n += len(set(gold))
        right += len(got & set(gold))
    precision = right / found if found else 1.0
    recall = right / gold_n if gold_n else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "found": found, "gold": gold_n,
            "invented": found - right}


def profile_scores(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """Per field: (exact, total) of the profile built from each labelled sentence alone."""
    scores = {name: [0, 0] for name in FIELDS}
    for row in rows:
        records = directive_records([{"id": "x", "text": row["text"]}], row["number"])["records"]
        record = records[0] if records else dict.fromkeys(FIELDS)
        for name in FIELDS:
            scores[name][0] += record[name] == row[name]
            scores[name][1] += 1
    return {name: (right, total) for name, (right, total) in scores.items()}


def main() -> None:
    """Print the scores of today's extractor and the baseline on each set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--baseline", default="main", help="git revision of the baseline extractor")
    args = parser.parse_args()
    sets = {"own sentences": own_set()}
    if args.shared.is_dir():
        sets["seeds gold"] = seed_set(args.shared)
        sets["fixtures gold"] = fixture_set(args.shared)
    else:
        print(f"(no {args.shared}: scoring the own set only)")
    extractors = {f"baseline ({args.baseline})": baseline_extractor(args.baseline), "danvan": find_directives}
    print(f"{'set':<15} {'extractor':<18} {'texts':>5} {'gold':>5} {'found':>5} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'invented':>8}")
    for set_name, rows in sets.items():
        for name, extract in extractors.items():
            s = score(extract, rows)
            print(f"{set_name:<15} {name:<18} {len(rows):>5} {s['gold']:>5} {s['found']:>5} {s['precision']:>6.3f} "
                  f"{s['recall']:>6.3f} {s['f1']:>6.3f} {s['invented']:>8}")
    # Profiles: the baseline has none (every field unknown), so its figure is the share of null gold values.
    path = ROOT / "benchmarks" / "data" / "directive_profiles.jsonl"
    labelled = [json.loads(line) for line in path.open(encoding="utf-8")]
    print(f"\nprofile fields, exact ({path.name}; 'dev' sentences were used while writing the rules, "
          "'fresh' ones were written after):")
    print(f"{'set':<6} {'extractor':<18} " + " ".join(f"{name:>9}" for name in FIELDS))
    for split in ("dev", "fresh"):
        rows = [r for r in labelled if r["set"] == split]
        nulls = {name: sum(r[name] is None for r in rows) for name in FIELDS}
        print(f"{split:<6} {'baseline (none)':<18} " + " ".join(f"{nulls[n] / len(rows):>9.2f}" for n in FIELDS))
        scores = profile_scores(rows)
        print(f"{split:<6} {'danvan':<18} " + " ".join(f"{r / t:>9.2f}" for r, t in scores.values())
              + f"   ({len(rows)} sentences)")


if __name__ == "__main__":
    main()
