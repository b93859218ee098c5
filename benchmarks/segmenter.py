"""Word segmentation speed: pyvi's own ``ViTokenizer.tokenize`` against ``indexer.analysis.segment`` (the
same words, see tests/test_analysis.py), on the same texts in one run.

Texts: the title and first ``MAX_TEXT_CHARS`` characters (what indexing segments) of the first N
articles of ../shared/data/vn-news-corpus.jsonl.xz.

Usage: python benchmarks/segmenter.py [N]     # default 1000
"""
from __future__ import annotations

import json
import lzma
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402

from indexer.analysis import _pyvi, load_segmenter, normalize, segment  # noqa: E402
from indexer.term_rules import MAX_TEXT_CHARS  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    texts = []
    with lzma.open(synthetic.SOURCE, "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            texts.append(normalize(f"{article.get('title') or ''}\n{article['text'][:MAX_TEXT_CHARS]}"))
            if len(texts) == n:
                break
    load_segmenter()
    tokenize = _pyvi().tokenize
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    timings = {"pyvi": [], "danvan": []}
    for _ in range(2):  # alternated, twice: the machine's load changes
        for name, run in (("pyvi", tokenize), ("danvan", segment)):
            started = time.perf_counter()
            for text in texts:
                run(text)
            timings[name].append(time.perf_counter() - started)
    print(f"{len(texts)} texts, {mb:.1f} MB")
    for name, seconds in timings.items():
        best = min(seconds)
        print(f"  {name:7} {best:6.2f} s  {mb / best:5.2f} MB/s   (runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    print(f"  speed-up {min(timings['pyvi']) / min(timings['danvan']):.1f}x")


if __name__ == "__main__":
    main()
