"""Ranking quality on a real judged Vietnamese collection (ALQAC 2023).

Indexes ../shared/eval/alqac2023 (2,249 law articles, 210 judged queries)
through danvan's own import, index and query service, and in the same run
the baselines: Whoosh with its StandardAnalyzer, SQLite FTS5 with
``unicode61 remove_diacritics 2``, and BM25 (k1=1.5, b=0.75) over syllables
+ syllable bigrams, accented and folded.  Prints nDCG@10, MRR@10 and
Recall@10 for queries as written and with every diacritic stripped (đ->d).

    python benchmarks/relevance.py [--shared ../shared] [--out results.json]
    python benchmarks/relevance.py --collection bkai [--distractors 20000]
    python benchmarks/relevance.py --collection both [--work DIR] [--out protocol.json]

``--collection bkai`` measures a second collection nobody tuned on instead:
../shared/eval/bkai_legal_partial (1,333 legal questions and their relevant
passages) with news articles from ../shared/data/vn-news-corpus.jsonl.xz as
distractors (the ``--distractors`` whose SHA-1 of the id is smallest: the same
sample on every run).  It prints the same table for danvan as shipped and plain
BM25 over folded syllables + pairs, then danvan with one setting changed at a
time (``CHANGES``: the accent restoration off among them; nothing is chosen on
it: a setting that wins here is evidence, not a choice).

``--collection both`` chooses the ranking settings on more than ALQAC (``choose_on_both``,
session 9).  BKAI's questions are split in two by the parity of the SHA-1 of the question id
(``half_of``): a *choosing* half and a *reporting* half.  Each setting of ``PROTOCOL`` (the
BM25+ floor, how the floor depends on the share of the query a document holds, the title weight,
the chain weight) is scored on ALQAC's folds and on BKAI's choosing half; the objective is the
mean of the two (each the mean of nDCG@10 as written and without diacritics), among the settings
that keep ALQAC at ``ALQAC_FLOOR`` (0.900) or more both ways on the folds chosen on.  ALQAC is
reported by cross-validation (chosen on four folds and the choosing half, measured on the fifth
fold), BKAI on the reporting half, which nothing is chosen on; the setting to ship is the one
chosen on all five folds and the choosing half (session 9 shipped the best of the grid that left ALQAC's
cross-validated figures at 0.900 or more instead: BENCHMARKS.md "What ships").  ``--work DIR`` keeps each collection's index
(DIR/alqac, DIR/bkai-N) and uses it again on the next run: the 20,000 distractors are imported
and indexed once.

Then the ranking settings are chosen by cross-validation, not on all of
ALQAC: the judged queries are split into ``FOLDS`` folds by query
(deterministic: sorted query ids dealt round-robin); for each fold, every
setting of ``GRID`` (BM25 k1 and b, title weight, weight of the chain
evidence, see ``indexer.ranker``) is scored on the other folds (mean of the
accented and no-diacritics nDCG@10), the best is measured on the held-out
fold, and the mean over held-out folds is printed with the setting each fold
chose.  The shipped defaults are printed beside it, measured on all queries
both through the scorer the folds use and through ``SearchService.search``
(the two agree).  Last, query time: median and p95 of ``SearchService.search``
over the judged queries with the chain evidence on, against the same
service with it off, interleaved in the same run.

What was tried (2026-11-23, nDCG@10 accented / no-diacritics queries, all
210 queries; "model" rows come from a plain-Python BM25 of the same features,
"engine" rows from danvan itself):

| change                                                     | nDCG@10        |
|------------------------------------------------------------|----------------|
| Whoosh query tree: AND of 4-field ORs + AndMaybe(bigrams)  | 0.108 / 0.103  |
|   (strict AND on 30-word questions; AndMaybe scores badly) |                |
| same, forced OR                                            | 0.017 / 0.017  |
| flat OR of syllables + bigrams (Whoosh BM25F)              | 0.893 on 80 q  |
| engine: numpy BM25 ranker, match set apart from ranking    | 0.872 / 0.864  |
| model: k1 1.5 vs 1.2; b 0.5 / 0.9 worse than 0.75          | +-0.005, -0.01 |
| model: + folded twin on accented queries (w 0.5 / 1.0)     | +0.001 / -0.001|
| model: bigram weight 0.7 / 1.5                             | -0.004 / +0.0  |
| model: heading (first line) as title, weight 0.5 / 1.0     | 0.885 / 0.878  |
| model: drop question framing ("đúng hay sai", "là gì"...)  | +0.003         |
| model: pyvi word-pairs weighted 1.5x over other pairs      | +0.006 / -0.002|
| engine: title = heading, weight 0.5, k1 1.2, b 0.75        | 0.886 / 0.876  |
| engine: k1 1.5 / 1.8; title 0.4 / 0.7; bigram 1.3          | all <= 0.880   |
| engine: drop question framing (makes short queries ANDed)  | 0.851 / 0.840  |
| engine: questions ("...?") ranked, not ANDed  (kept)       | 0.886 / 0.881  |

Kept: syllables + adjacent-pair terms, accented and folded fields, BM25
k1=1.2 b=0.75 per field, title weight 0.5, folded twin weight 0.3 on
accented queries, questions and >10-word queries ranked (OR) rather than
ANDed.  pyvi word-pair weighting helped accented queries a little in the
model but not the diacritic-free ones; not adopted yet.

Session 5 (issue 19) added the chain evidence (``indexer.ranker``), kept with
weight 0.2, chosen on every held-out fold; k1, b and the title weight stay at
their defaults because no other setting wins on most folds.  Every method
tried then, with its cross-validated figure: BENCHMARKS.md, "Ranking, session 5".
Its second pass added ``GRID2``, chosen the same way over the other settings
at their defaults: the BM25+ lower bound (``ranker.DELTA``), the weight of a
question's framing words (``queryparse.QUESTION_FRAMING``) and of skip pairs
(query syllables one apart, ``queryparse.SKIP_WEIGHT``).  Session 6 added ``GRID3``, the BM25 ``b``
of queries typed without diacritics (``ranker.FOLDED_B``), chosen the same way
(BENCHMARKS.md, "Ranking, session 6").  Session 7 added ``GRID4``, the accent
restoration of such queries (``Ranker.restoration``: its confidence, None for none, and
smoothing), chosen alone and jointly with ``GRID3`` (BENCHMARKS.md, "Ranking, session 7").
"""
from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import json
import lzma
import math
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.store import config  # noqa: E402
from corpus.store.importer import import_paths  # noqa: E402
from corpus.store.db import Store  # noqa: E402
from corpus.knowledge.vietnamese import fold, normalize  # noqa: E402
from indexer.analysis import syllables  # noqa: E402
from indexer.build import update_index  # noqa: E402
from indexer import queryparse, ranker as ranking  # noqa: E402
from indexer.search import LONG_QUERY, SearchRequest, SearchService  # noqa: E402

K = 10
FOLDS = 5
# The shipped setting first: on a tie it is kept.
GRID = {"k1": (ranking.K1, 0.9, 1.5), "b": (ranking.B, 0.6, 0.9), "title": (queryparse.TITLE_BOOST, 0.3),
        "chain_weight": (ranking.CHAIN_WEIGHT, 0.0, 0.1, 0.4)}
# Session 6: BM25+ lower bound and the weight of a question's framing words,
# over the other settings at their defaults (GRID's first values).
GRID2 = {"delta": tuple(dict.fromkeys((ranking.DELTA, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0))), "framing": (queryparse.FRAMING_WEIGHT, 0.5, 1.0),
         "skip": (queryparse.SKIP_WEIGHT, 0.0, 0.25, 0.75, 1.0)}
# Session 6: b for queries typed without diacritics (accented queries keep GRID's b).
GRID3 = {"folded_b": (ranking.FOLDED_B, ranking.B, 0.6, 1.0)}
# Session 7: the confidence at which such a query's marks are restored (None: never), chosen with GRID3's b.
GRID4 = {"restore": (ranking.RESTORE_CONFIDENCE, None, 0.8, 0.95),
         "restore_smoothing": (ranking.RESTORE_SMOOTHING, 0.3, 3.0)}
# Session 8: on a second collection (``--collection bkai``), what each shipped choice does there: one setting
# changed at a time, the rest as shipped (the accent restoration off; b for folded queries as for accented
# ones; no chain evidence; no BM25+ floor; no skip pairs; GRID's other title weight, k1 and b).
# Session 9: floors that spare long documents holding little of the query (``ranker.COVERAGE``: the floor
# scaled by the share of the query's idf a document holds, to this power; ``ranker.FLOOR_LENGTH``: scaled by
# the length normalisation to minus this power) and the title fields' own b (``ranker.TITLE_B``).
GRID5 = {"coverage": tuple(dict.fromkeys((ranking.COVERAGE, 0.0, 0.5, 1.0, 2.0))), "floor_length": (ranking.FLOOR_LENGTH, 0.1, 0.25),
         "title_b": (ranking.TITLE_B, 1.0)}
CHANGES = ({"coverage": 0.0}, {"restore": None}, {"folded_b": ranking.B}, {"chain_weight": 0.0}, {"delta": 0.0}, {"skip": 0.0},
           {"title": 0.3}, {"k1": 1.5}, {"b": 0.9})
TIMING_ROUNDS = 3
# Session 9: the settings ``--collection both`` chooses among (the product; the shipped first).
# GRID5's floor_length and title_b are left out: measured one at a time first (BENCHMARKS.md, session 9).
PROTOCOL = {"delta": tuple(dict.fromkeys((ranking.DELTA, 1.5, 2.0, 1.0, 0.5, 0.0))),
            "coverage": tuple(dict.fromkeys((ranking.COVERAGE, 0.0, 0.5, 1.0, 2.0, 4.0))),
            "title": (queryparse.TITLE_BOOST, 0.3), "chain_weight": (ranking.CHAIN_WEIGHT, 0.4)}
ALQAC_FLOOR = 0.900  # nDCG@10 both ways a setting must keep on the ALQAC folds it is chosen on


def load(shared: Path):
    base = shared / "eval" / "alqac2023"
    corpus = [json.loads(line) for line in (base / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line) for line in (base / "queries.jsonl").open(encoding="utf-8")]
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (base / "qrels.tsv").open(encoding="utf-8"):
        qid, doc_id, rel = line.rstrip("\n").split("\t")
        if qid != "qid" and int(rel) > 0:
            qrels[qid].add(doc_id)
    queries = [q for q in queries if q["qid"] in qrels]
    return corpus, queries, qrels


def load_bkai(shared: Path, distractors: int):
    """BKAI legal questions, their passages and ``distractors`` news articles (smallest SHA-1 of the id first)."""
    base = shared / "eval" / "bkai_legal_partial"
    corpus = [{"id": f"bkai:{p['cid']}", "title": "", "text": p["text"]}  # a passage has no heading
              for p in map(json.loads, (base / "passages.jsonl").open(encoding="utf-8"))]
    queries = [{"qid": str(q["qid"]), "text": q["text"]}
               for q in map(json.loads, (base / "queries.jsonl").open(encoding="utf-8"))]
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (base / "qrels.tsv").open(encoding="utf-8"):
        qid, cid, rel = line.rstrip("\n").split("\t")
        if qid != "qid" and int(rel) > 0:
            qrels[qid].add(f"bkai:{cid}")
    with lzma.open(shared / "data" / "vn-news-corpus.jsonl.xz", "rt", encoding="utf-8") as lines:
        def keyed():
            for line in lines:
                doc = json.loads(line)
                yield hashlib.sha1(doc["id"].encode()).hexdigest(), doc["id"], doc.get("title") or "", doc["text"]
        sample = heapq.nsmallest(distractors, keyed())
    corpus += [{"id": doc_id, "title": title, "text": text} for _, doc_id, title, text in sample]
    return corpus, [q for q in queries if q["qid"] in qrels], qrels


def metrics(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@10 with binary relevance."""
    ndcg = mrr = recall = 0.0
    for qid, rel in qrels.items():
        docs = ranked.get(qid, [])[:K]
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(docs) if d in rel)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(rel), K)))
        ndcg += dcg / ideal
        mrr += next((1 / (i + 1) for i, d in enumerate(docs) if d in rel), 0.0)
        recall += len(rel & set(docs)) / len(rel)
    n = len(qrels)
    return {"ndcg@10": ndcg / n, "mrr@10": mrr / n, "recall@10": recall / n}


def strip(text: str) -> str:
    return fold(normalize(text))


# --- danvan, through its own import, index and query path -----------------

def run_danvan(corpus, queries, work: Path) -> tuple[dict, dict, float, SearchService]:
    """Import and index ``corpus`` in ``work`` (an index already there is used as it is), then search."""
    home = work / "danvan"
    if config.index_path(home).exists():
        service = SearchService(config.index_path(home))
        return *search_all(service, queries), 0.0, service
    src = work / "alqac.jsonl"
    with src.open("w", encoding="utf-8") as out:
        for doc in corpus:
            # An ALQAC article's first line is its heading ("Phạm vi điều chỉnh"): its title.
            # The text keeps it too, so every system sees the same words.
            title = doc["title"] if "title" in doc else doc["text"].split("\n", 1)[0]
            out.write(json.dumps({"id": doc["id"], "title": title, "text": doc["text"],
                                  "province": None, "published": None, "year": None},
                                 ensure_ascii=False) + "\n")
    started = time.perf_counter()
    with Store(config.store_path(home)) as store:
        import_paths(store, [src])
        update_index(store, config.index_path(home))
    build = time.perf_counter() - started
    service = SearchService(config.index_path(home))
    return *search_all(service, queries), build, service


def search_all(service: SearchService, queries) -> tuple[dict, dict]:
    """The top K ids of each query through ``SearchService.search``, as written and without diacritics."""
    ranked = {q["qid"]: [h.id for h in service.search(SearchRequest(q=q["text"], limit=K)).hits] for q in queries}
    plain = {q["qid"]: [h.id for h in service.search(SearchRequest(q=strip(q["text"]), limit=K)).hits] for q in queries}
    return ranked, plain


# --- cross-validated settings, on danvan's own index --------------------------

def folds_of(queries) -> dict[str, int]:
    """Query id -> fold: sorted ids dealt round-robin (the same split on every run)."""
    return {qid: i % FOLDS for i, qid in enumerate(sorted(q["qid"] for q in queries))}


def all_settings() -> list[dict]:
    """GRID's settings (the others at their defaults), then GRID2's, then GRID3's with GRID4's; the shipped first."""
    base = {k: v[0] for k, v in {**GRID, **GRID2, **GRID3, **GRID4, **GRID5}.items()}
    out = [{**base, **dict(zip(GRID, values))} for values in itertools.product(*GRID.values())]
    out += [{**base, **dict(zip(GRID2, values))} for values in itertools.product(*GRID2.values())][1:]
    out += [{**base, **dict(zip({**GRID3, **GRID4}, values))}
            for values in itertools.product(*GRID3.values(), *GRID4.values())][1:]
    return out


def one_at_a_time() -> list[dict]:
    """The shipped setting, then each of ``CHANGES`` with the rest as shipped."""
    base = {k: v[0] for k, v in {**GRID, **GRID2, **GRID3, **GRID4, **GRID5}.items()}
    return [base] + [{**base, **change} for change in CHANGES]


def settings_table(service: SearchService, queries, settings: list[dict] | None = None
                   ) -> tuple[list[dict], dict[tuple, dict[str, dict[str, list[str]]]]]:
    """Every setting of ``settings`` (``all_settings()``, the shipped first) and, per setting, the top K ids
    of each query (accented and stripped).

    The ranking is the service's own: its match set (the private ``_matches``,
    as ``search`` calls it), ``rank_terms``, BM25 with the setting's k1, b and
    delta, then chain evidence on the ``RERANK`` best.  The evidence of a
    document does not depend on the setting, so it is read once per query.
    """
    import numpy as np

    searcher, table, base = service._snapshot()
    ids = np.array(service._doc_ids(table, base), dtype=object)
    prepared = []
    for q in queries:
        for mode, text in (("accented", q["text"]), ("no_diacritics", strip(q["text"]))):
            parsed = queryparse.parse(text)
            parts = len(set(parsed.words)) + len(parsed.phrases)
            match_all = not (parts > LONG_QUERY or (parsed.question and parts > 1))
            allowed = service._matches(searcher, table, base, parsed, match_all)[0]
            if match_all and not allowed.any() and parts > 1:
                allowed = service._matches(searcher, table, base, parsed, False)[0]
            runs = queryparse.chain_runs(parsed)
            with base.io:
                evidence = base.chain_evidence(runs, allowed)
            prepared.append((q["qid"], mode, parsed, allowed, evidence))
    settings = settings or all_settings()
    results: dict[tuple, dict[str, dict[str, list[str]]]] = {}
    scoring_keys = ("k1", "b", "title", "delta", "framing", "skip", "folded_b", "restore", "restore_smoothing",
                    "coverage", "floor_length", "title_b")
    for key in dict.fromkeys(tuple(s[k] for k in scoring_keys) for s in settings):
        k1, b, title, delta, frame, skip, folded_b, restore, smoothing, coverage, floor_length, title_b = key
        ranker = ranking.Ranker(base.reader, k1, b, delta=delta, folded_b=folded_b, restore=restore,
                                restore_smoothing=smoothing, coverage=coverage, floor_length=floor_length,
                                title_b=title_b)
        ranker.io = base.io  # one reader: one lock
        scored = [(qid, mode, allowed, evidence, scored_query(ranker, parsed, title, frame, skip))
                  for qid, mode, parsed, allowed, evidence in prepared]
        for weight in dict.fromkeys(s["chain_weight"] for s in settings
                                    if tuple(s[k] for k in scoring_keys) == key):
            out: dict[str, dict[str, list[str]]] = {"accented": {}, "no_diacritics": {}}
            for qid, mode, allowed, evidence, scores in scored:
                scores = scores.copy()
                chosen = ranking.top(scores, allowed, ranking.RERANK)
                scores[chosen] += weight * evidence[chosen]
                out[mode][qid] = ids[ranking.top(scores, allowed, K)].tolist()
            results[tuple({**dict(zip(scoring_keys, key)), "chain_weight": weight}[k] for k in settings[0])] = out
    return settings, results


def scored_query(ranker, parsed, title: float, frame: float, skip: float):
    """BM25+ of the query's terms and the stand-ins of the genre and period it names, as ``search`` scores it."""
    restored = ranker.restoration(parsed.words) if parsed.folded else None
    scores = ranker.score(queryparse.rank_terms(parsed, title, frame, skip, restored=restored), folded=parsed.folded)
    ranker.add_stand_ins(scores, queryparse.stand_ins(parsed, restored))
    return scores


def cross_validate(service: SearchService, queries, qrels) -> dict:
    """Choose a setting on FOLDS - 1 folds, measure it on the held-out one; the mean over folds."""
    settings, results = settings_table(service, queries)
    fold = folds_of(queries)

    def ndcg(key: tuple, mode: str, folds: set[int]) -> float:
        judged = {qid: rel for qid, rel in qrels.items() if fold.get(qid) in folds}
        return metrics({qid: results[key][mode][qid] for qid in judged}, judged)["ndcg@10"]

    names = list(settings[0])
    keys = [tuple(s.values()) for s in settings]
    default = keys[0]
    grid_size = math.prod(len(v) for v in GRID.values())

    def held_out(candidates: list[tuple]) -> dict:
        folds = []
        for f in range(FOLDS):
            train = set(range(FOLDS)) - {f}
            best = max(candidates, key=lambda k: (ndcg(k, "accented", train) + ndcg(k, "no_diacritics", train)) / 2)
            folds.append({"fold": f, "setting": dict(zip(names, best)),
                          "accented": ndcg(best, "accented", {f}), "no_diacritics": ndcg(best, "no_diacritics", {f})})
        return {"folds": folds,
                "mean": {mode: sum(h[mode] for h in folds) / FOLDS for mode in ("accented", "no_diacritics")}}

    everything = set(range(FOLDS))
    def only(*varied: str) -> list[tuple]:
        """The settings that differ from the default in ``varied`` at most."""
        fixed = [i for i, name in enumerate(names) if name not in varied]
        return [k for k in keys if all(k[i] == default[i] for i in fixed)]

    no_chain = default[:names.index("chain_weight")] + (0.0,) + default[names.index("chain_weight") + 1:]
    return {"grid": held_out(keys[:grid_size]),
            # BM25 and title at their defaults, only the chain weight chosen per fold
            "chain_weight_only": held_out(only("chain_weight")),
            "delta_only": held_out(only("delta")),
            "framing_only": held_out(only("framing")),
            "delta_and_framing": held_out(only("delta", "framing")),
            "skip_only": held_out(only("skip")),
            "delta_framing_skip": held_out(only("delta", "framing", "skip")),
            "folded_b_only": held_out(only("folded_b")),
            "restore_only": held_out(only("restore", "restore_smoothing")),
            "restore_and_folded_b": held_out(only("restore", "restore_smoothing", "folded_b")),
            "all_settings": {mode: {str(dict(zip(names, k))): ndcg(k, mode, everything) for k in keys}
                             for mode in ("accented", "no_diacritics")},
            "default": {"setting": dict(zip(names, default)),
                        **{mode: ndcg(default, mode, everything) for mode in ("accented", "no_diacritics")}},
            "no_chain": {mode: ndcg(no_chain, mode, everything) for mode in ("accented", "no_diacritics")}}


def query_times(service: SearchService, queries) -> dict[str, dict[str, float]]:
    """Milliseconds per ``search``: without chain evidence, as in session 5 (chain, no delta,
    framing, skip pairs, folded b or restoration), as at the end of session 6 (no accent restoration),
    and as shipped, interleaved query by query; each query as written and without diacritics.
    The accent restoration's term lookups are remembered per generation: the first round pays them."""
    import statistics

    ranker = service._snapshot()[2]
    shipped = (ranker.chain_weight, ranker.delta, queryparse.FRAMING_WEIGHT, queryparse.SKIP_WEIGHT, ranker.folded_b,
               ranker.restore)
    variants = {"off": (0.0, 0.0, 1.0, 0.0, ranker.b, None), "session5": (shipped[0], 0.0, 1.0, 0.0, ranker.b, None),
                "session6": (*shipped[:5], None), "on": shipped}
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(TIMING_ROUNDS):
            for q in queries:
                for text in (q["text"], strip(q["text"])):
                    for name, (weight, delta, frame, skip, folded_b, restore) in variants.items():
                        (ranker.chain_weight, ranker.delta, queryparse.FRAMING_WEIGHT, queryparse.SKIP_WEIGHT,
                         ranker.folded_b, ranker.restore) = weight, delta, frame, skip, folded_b, restore
                        started = time.perf_counter()
                        service.search(SearchRequest(q=text, limit=K), significant=False)
                        times[name].append((time.perf_counter() - started) * 1000)
    finally:
        (ranker.chain_weight, ranker.delta, queryparse.FRAMING_WEIGHT, queryparse.SKIP_WEIGHT,
         ranker.folded_b, ranker.restore) = shipped
    return {name: {"median": statistics.median(t), "p95": statistics.quantiles(t, n=20)[-1]} for name, t in times.items()}


def report_cross_validation(service: SearchService, queries, qrels) -> dict:
    """Print (and return) the cross-validated figures and the query times."""
    cv = cross_validate(service, queries, qrels)
    for name, title in (("grid", "every setting of GRID"), ("chain_weight_only", "the chain weight only"),
                        ("delta_only", "the BM25+ delta only"), ("framing_only", "the framing weight only"),
                        ("delta_and_framing", "the BM25+ delta and the framing weight"),
                        ("skip_only", "the skip-pair weight only"),
                        ("delta_framing_skip", "the BM25+ delta, framing and skip-pair weights"),
                        ("folded_b_only", "b for queries without diacritics only"),
                        ("restore_only", "the accent restoration's confidence and smoothing only"),
                        ("restore_and_folded_b",
                         "the accent restoration's settings and b for queries without diacritics")):
        print(f"\nCross-validated choice of {title} ({FOLDS} folds by query; chosen on 4, measured on the 5th):")
        for h in cv[name]["folds"]:
            print(f"  fold {h['fold']}: {h['setting']}  held-out nDCG@10 {h['accented']:.3f} / {h['no_diacritics']:.3f}")
        mean = cv[name]["mean"]
        print(f"  mean over held-out folds: nDCG@10 {mean['accented']:.3f} / {mean['no_diacritics']:.3f}")
    d = cv["default"]
    print(f"Shipped defaults {d['setting']}, all queries: {d['accented']:.3f} / {d['no_diacritics']:.3f}")
    n = cv["no_chain"]
    print(f"  same without chain evidence: {n['accented']:.3f} / {n['no_diacritics']:.3f}")
    times = query_times(service, queries)
    on = times["on"]
    for name, label in (("off", "without chain evidence"), ("session5", "as in session 5 (no delta, framing, skip pairs)"),
                        ("session6", "as in session 6 (no accent restoration)")):
        off = times[name]
        print(f"Query time ({TIMING_ROUNDS} x {len(queries)} queries, as written and without diacritics, interleaved): "
              f"median {on['median']:.1f} ms vs {off['median']:.1f} ms {label} "
              f"(x{on['median'] / off['median']:.2f}), p95 {on['p95']:.1f} vs {off['p95']:.1f} ms "
              f"(x{on['p95'] / off['p95']:.2f})")
    return {**cv, "query_ms": times}


# --- baselines -------------------------------------------------------------

def run_whoosh_standard(corpus, queries, work: Path) -> tuple[dict, dict]:
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import OrGroup, QueryParser

    (work / "whoosh-std").mkdir(exist_ok=True)
    ix = index.create_in(str(work / "whoosh-std"), Schema(id=ID(stored=True), text=TEXT(analyzer=StandardAnalyzer())))
    with ix.writer() as w:
        for doc in corpus:
            w.add_document(id=doc["id"], text=doc["text"])
    parser = QueryParser("text", ix.schema, group=OrGroup)

    def run(text_of):
        out = {}
        with ix.searcher() as s:
            for q in queries:
                words = " ".join(re.findall(r"\w+", text_of(q["text"])))
                out[q["qid"]] = [h["id"] for h in s.search(parser.parse(words), limit=K)]
        return out

    return run(lambda t: t), run(strip)


def run_fts5(corpus, queries) -> tuple[dict, dict]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, text, tokenize='unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(d["id"], d["text"]) for d in corpus])

    def run(text_of):
        out = {}
        for q in queries:
            terms = sorted(set(re.findall(r"\w+", text_of(q["text"]).lower())))
            match = " OR ".join(f'"{t}"' for t in terms) or '""'
            rows = db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, K)).fetchall()
            out[q["qid"]] = [r[0] for r in rows]
        return out

    return run(lambda t: t), run(strip)


class BM25:
    """Plain BM25 (Lucene idf), the bm25s default parameters; each posting's weight computed once, in numpy
    arrays sorted by term (a query sums its terms' slices: seconds for 20,000 news articles, not the hour of
    a loop over postings in Python)."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        import numpy as np

        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        rows, columns, counts = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for i, doc in enumerate(docs):
            tf = Counter(self.vocabulary.setdefault(t, len(self.vocabulary)) for t in doc)
            rows.append(np.full(len(tf), i, dtype=np.int64))
            columns.append(np.fromiter(tf.keys(), dtype=np.int64, count=len(tf)))
            counts.append(np.fromiter(tf.values(), dtype=np.float64, count=len(tf)))
        rows, columns, tf = np.concatenate(rows), np.concatenate(columns), np.concatenate(counts)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        n = len(docs)
        df = np.bincount(columns, minlength=len(self.vocabulary))
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        order = np.argsort(columns, kind="stable")
        self.ids = rows[order]
        self.weights = (idf[columns] * tf * (k1 + 1) / (tf + norm[rows]))[order]
        self.starts = np.concatenate([[0], np.cumsum(df)])
        self.size = n

    def top(self, query: list[str], k: int) -> list[int]:
        """The ``k`` best documents for ``query``'s distinct terms, best first (ties: lower number)."""
        import numpy as np

        scores = np.zeros(self.size)
        for term in {self.vocabulary[t] for t in query if t in self.vocabulary}:
            at = slice(self.starts[term], self.starts[term + 1])
            scores[self.ids[at]] += self.weights[at]
        held = np.flatnonzero(scores > 0)
        order = np.lexsort((held, -scores[held]))[:k]
        return held[order].tolist()


def syllables_bigrams(text: str, folded: bool) -> list[str]:
    s = syllables(text)
    if folded:
        s = [fold(x) for x in s]
    return s + [a + "_" + b for a, b in zip(s, s[1:])]


def run_bm25(corpus, queries, folded: bool) -> tuple[dict, dict]:
    bm = BM25([syllables_bigrams(d["text"], folded) for d in corpus])
    ids = [d["id"] for d in corpus]

    def run(text_of):
        return {q["qid"]: [ids[i] for i in bm.top(syllables_bigrams(text_of(q["text"]), folded), K)] for q in queries}

    return run(lambda t: t), run(strip)


def half_of(qid: str) -> str:
    """A BKAI question's half: "choosing" or "reporting", by the parity of its id's SHA-1 (the same every run)."""
    return ("choosing", "reporting")[hashlib.sha1(qid.encode()).digest()[-1] % 2]


def protocol_settings() -> list[dict]:
    """``PROTOCOL``'s product over the shipped setting, the shipped first (without a floor, the floor's
    coverage changes nothing: those settings are left out)."""
    base = one_at_a_time()[0]
    out = [{**base, **dict(zip(PROTOCOL, values))} for values in itertools.product(*PROTOCOL.values())]
    return [s for s in out if s["delta"] or s["coverage"] == base["coverage"]]


def choose_on_both(alqac: tuple, bkai: tuple) -> dict:
    """Choose a setting on ALQAC's folds and BKAI's choosing half together; measure ALQAC on held-out folds.

    ``alqac`` and ``bkai`` are (service, queries, qrels).  A setting's score on some ALQAC folds is the mean
    of its nDCG@10 as written and without diacritics; the objective is the mean of that and the same on
    BKAI's choosing half, among the settings whose ALQAC figure is at least ``ALQAC_FLOOR`` both ways on
    those folds (all settings if none is).  For each ALQAC fold a setting is chosen on the other folds and
    measured on it (the cross-validated figure); the setting to ship is chosen on all folds.  BKAI's
    reporting half is measured for the shipped setting, the chosen one and nothing else.
    """
    settings = protocol_settings()
    names = list(settings[0])
    keys = [tuple(s.values()) for s in settings]
    a_service, a_queries, a_qrels = alqac
    k_service, k_queries, k_qrels = bkai
    halves = {half: {q: r for q, r in k_qrels.items() if half_of(q) == half} for half in ("choosing", "reporting")}
    a_results = settings_table(a_service, a_queries, settings)[1]
    k_results = settings_table(k_service, [q for q in k_queries if q["qid"] in halves["choosing"]], settings)[1]
    fold = folds_of(a_queries)
    modes = ("accented", "no_diacritics")

    def figures(results: dict, key: tuple, qrels: dict) -> dict[str, float]:
        return {mode: metrics({q: results[key][mode].get(q, []) for q in qrels}, qrels)["ndcg@10"] for mode in modes}

    def on_folds(key: tuple, folds: set[int]) -> dict[str, float]:
        return figures(a_results, key, {q: r for q, r in a_qrels.items() if fold.get(q) in folds})

    choosing = {key: figures(k_results, key, halves["choosing"]) for key in keys}

    def chosen(folds: set[int]) -> tuple:
        alqac_on = {key: on_folds(key, folds) for key in keys}
        allowed = [k for k in keys if min(alqac_on[k].values()) >= ALQAC_FLOOR] or keys
        return max(allowed, key=lambda k: (sum(alqac_on[k].values()) + sum(choosing[k].values())) / 4)

    everything = set(range(FOLDS))
    held = []
    for f in range(FOLDS):
        best = chosen(everything - {f})
        held.append({"fold": f, "setting": dict(zip(names, best)), **on_folds(best, {f})})
    best = chosen(everything)
    reported = settings_table(k_service, [q for q in k_queries if q["qid"] in halves["reporting"]],
                              [settings[0], dict(zip(names, best))])[1]
    return {"folds": held, "cv": {mode: sum(h[mode] for h in held) / FOLDS for mode in modes},
            "chosen": dict(zip(names, best)), "shipped": settings[0],
            "alqac_all": {"chosen": on_folds(best, everything), "shipped": on_folds(keys[0], everything)},
            "bkai_choosing": {"chosen": choosing[best], "shipped": choosing[keys[0]]},
            "bkai_reporting": {"chosen": figures(reported, best, halves["reporting"]),
                               "shipped": figures(reported, keys[0], halves["reporting"])},
            "settings": [{"setting": dict(zip(names, k)), "alqac": on_folds(k, everything),
                          "alqac_folds": [on_folds(k, {f}) for f in range(FOLDS)], "bkai_choosing": choosing[k]}
                         for k in keys]}


def report_settings(service: SearchService, queries, qrels) -> list[dict]:
    """Print (and return) nDCG@10 and MRR@10 of ``one_at_a_time()``'s settings on all queries, both ways."""
    settings, results = settings_table(service, queries, one_at_a_time())
    shipped = settings[0]
    print("\nOne setting changed at a time (the rest as shipped), all queries: nDCG@10 / MRR@10, "
          "as written | without diacritics")
    out = []
    for setting in settings:
        key = tuple(setting[k] for k in shipped)
        scores = {mode: metrics(results[key][mode], qrels) for mode in ("accented", "no_diacritics")}
        changed = {k: v for k, v in setting.items() if v != shipped[k]} or "shipped"
        out.append({"setting": setting, **scores})
        a, p = scores["accented"], scores["no_diacritics"]
        print(f"  {str(changed):44} {a['ndcg@10']:.3f} / {a['mrr@10']:.3f} | {p['ndcg@10']:.3f} / {p['mrr@10']:.3f}")
    return out


def print_table(rows, qrels) -> list[dict]:
    """Print (and return) nDCG@10, MRR@10 and Recall@10 of each system, both ways."""
    table = []
    print(f"{'system':28} {'nDCG@10':>8} {'MRR@10':>8} {'R@10':>8} | {'nodiac nDCG':>11} {'MRR':>6} {'R@10':>6}")
    for name, a, p in rows:
        ma, mp = metrics(a, qrels), metrics(p, qrels)
        table.append({"system": name, "accented": ma, "no_diacritics": mp})
        print(f"{name:28} {ma['ndcg@10']:8.3f} {ma['mrr@10']:8.3f} {ma['recall@10']:8.3f} | "
              f"{mp['ndcg@10']:11.3f} {mp['mrr@10']:6.3f} {mp['recall@10']:6.3f}")
    return table


def report_protocol(shared: Path, distractors: int, work: Path) -> dict:
    """Print (and return) ``choose_on_both``'s figures, with plain folded BM25 on the same queries."""
    alqac, bkai = load(shared), load_bkai(shared, distractors)
    services = []
    for name, (corpus, queries, qrels) in (("alqac", alqac), (f"bkai-{distractors}", bkai)):
        (work / name).mkdir(parents=True, exist_ok=True)
        services.append(run_danvan(corpus, queries, work / name)[3])
    out = choose_on_both((services[0], *alqac[1:]), (services[1], *bkai[1:]))
    reporting = {q: r for q, r in bkai[2].items() if half_of(q) == "reporting"}
    choosing = {q: r for q, r in bkai[2].items() if half_of(q) == "choosing"}
    plain = run_bm25(bkai[0], bkai[1], folded=True)
    alqac_plain = run_bm25(alqac[0], alqac[1], folded=True)
    out["bm25_folded"] = {"alqac": [metrics(r, alqac[2])["ndcg@10"] for r in alqac_plain],
                          "bkai_choosing": [metrics(r, choosing)["ndcg@10"] for r in plain],
                          "bkai_reporting": [metrics(r, reporting)["ndcg@10"] for r in plain]}
    print(f"BKAI: {len(choosing)} questions choose, {len(reporting)} report ({distractors} news distractors); "
          f"ALQAC: {len(alqac[2])} questions in {FOLDS} folds; nDCG@10 as written / without diacritics")
    for h in out["folds"]:
        changed = {k: v for k, v in h["setting"].items() if v != out["shipped"][k]} or "shipped"
        print(f"  ALQAC fold {h['fold']}: chose {changed}, held-out {h['accented']:.3f} / {h['no_diacritics']:.3f}")
    print(f"  ALQAC mean over held-out folds: {out['cv']['accented']:.3f} / {out['cv']['no_diacritics']:.3f}")
    changed = {k: v for k, v in out["chosen"].items() if v != out["shipped"][k]} or "the shipped setting"
    print(f"Chosen on all folds and BKAI's choosing half: {changed}")
    for label, figures in (("ALQAC, all 210", out["alqac_all"]), ("BKAI choosing half", out["bkai_choosing"]),
                           ("BKAI reporting half", out["bkai_reporting"])):
        c, s = figures["chosen"], figures["shipped"]
        print(f"  {label:20} chosen {c['accented']:.3f} / {c['no_diacritics']:.3f}, "
              f"shipped {s['accented']:.3f} / {s['no_diacritics']:.3f}")
    b = out["bm25_folded"]
    print(f"  plain folded BM25: ALQAC {b['alqac'][0]:.3f} / {b['alqac'][1]:.3f}, BKAI choosing "
          f"{b['bkai_choosing'][0]:.3f} / {b['bkai_choosing'][1]:.3f}, reporting "
          f"{b['bkai_reporting'][0]:.3f} / {b['bkai_reporting'][1]:.3f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, help="also write the table as JSON")
    parser.add_argument("--collection", choices=("alqac", "bkai", "both"), default="alqac",
                        help="both: choose the ranking settings on the two together (``choose_on_both``)")
    parser.add_argument("--work", type=Path, help="keep each collection's index here and use it again next run")
    parser.add_argument("--distractors", type=int, default=20000, help="news articles added to bkai's passages")
    args = parser.parse_args()
    if args.collection == "both":
        with tempfile.TemporaryDirectory() as tmp:
            out = report_protocol(args.shared, args.distractors, args.work or Path(tmp))
        if args.out:
            args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
        return
    if args.collection == "bkai":
        corpus, queries, qrels = load_bkai(args.shared, args.distractors)
        print(f"BKAI legal (partial): {len(corpus)} documents ({args.distractors} news distractors), "
              f"{len(queries)} judged queries\n")
    else:
        corpus, queries, qrels = load(args.shared)
        print(f"ALQAC 2023: {len(corpus)} articles, {len(queries)} judged queries\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        name = f"bkai-{args.distractors}" if args.collection == "bkai" else "alqac"
        work = args.work / name if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        ranked, plain, build, service = run_danvan(corpus, queries, work)
        rows.append(("danvan", ranked, plain))
        print(f"(danvan import+index: {build:.1f} s)")
        if args.collection == "bkai":
            details = {"settings": report_settings(service, queries, qrels)}
        else:
            details = {"cross_validation": report_cross_validation(service, queries, qrels)}
            rows.append(("Whoosh StandardAnalyzer", *run_whoosh_standard(corpus, queries, work)))
            rows.append(("SQLite FTS5 unicode61 rd2", *run_fts5(corpus, queries)))
            rows.append(("BM25 syllables+bigrams", *run_bm25(corpus, queries, folded=False)))
        rows.append(("BM25 folded syll+bigrams", *run_bm25(corpus, queries, folded=True)))
    table = print_table(rows, qrels)
    if args.out:
        args.out.write_text(json.dumps({"systems": table, **details}, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
