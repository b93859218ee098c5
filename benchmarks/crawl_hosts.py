"""Crawl throughput across hosts: one queue for all hosts versus one polite queue per host.

Serves N local sites (127.0.0.1, one port each: a home page linking to M
articles), then crawls them all with a per-host delay, first with one lane
(the crawler before issue 18: one host's delay held up the others), then
with one lane per host, in the same run.  The per-host delay is the same in
both, so politeness is unchanged; only the waiting overlaps.

Usage: python benchmarks/crawl_hosts.py [--hosts 4] [--pages 10] [--delay 0.5]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.crawl.loop import crawl  # noqa: E402
from corpus.crawl.sources import Source  # noqa: E402
from corpus.store.db import Store  # noqa: E402

PARAGRAPH = ("<p>Ban Dân vận huyện phối hợp với Mặt trận Tổ quốc vận động nhân dân hiến đất làm đường, "
             "xây dựng nhà văn hóa thôn, phát huy quyền làm chủ của nhân dân ở cơ sở, trang {h} bài {n}.</p>")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _site(root: Path, host: int, pages: int) -> None:
    root.mkdir(parents=True)
    links = "".join(f"<li><a href='/a{n}.html'>Bài viết số {n} về công tác dân vận ở cơ sở</a></li>"
                    for n in range(pages))
    (root / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    for n in range(pages):
        (root / f"a{n}.html").write_text(
            f"<html><head><title>Trang {host} bài {n} về dân vận</title></head><body><h1>Trang {host} bài {n} "
            f"về dân vận</h1><p>Ngày đăng: 0{1 + n % 9}/03/2021</p><div class='article-content'>"
            + PARAGRAPH.format(h=host, n=n) * 4 + "</div></body></html>", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        servers = []
        for h in range(args.hosts):
            _site(Path(tmp) / f"site{h}", h, args.pages)
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(Path(tmp) / f"site{h}")))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            servers.append(httpd)
        sources = [Source(name=f"site{h}", start_urls=[f"http://127.0.0.1:{s.server_address[1]}/"],
                          allow_private=True) for h, s in enumerate(servers)]
        print(f"{args.hosts} hosts x ({args.pages} articles + home page + robots.txt), "
              f"{args.delay:g} s between requests to one host")
        results = {}
        for lanes in (1, args.hosts):
            with Store(Path(tmp) / f"lanes{lanes}.db") as store:
                started = time.perf_counter()
                report = crawl(store, sources=sources, delay=args.delay, timeout=10, retries=0,
                               concurrent_hosts=lanes, link_duplicates=False)
                results[lanes] = time.perf_counter() - started
                print(f"  {lanes} lane(s): {results[lanes]:6.2f} s wall, {report.visited} requests, "
                      f"{report.added} articles stored")
        print(f"speed-up {results[1] / results[args.hosts]:.1f}x with one lane per host "
              f"(ideal {args.hosts}x; the same per-host delay in both)")
        for httpd in servers:
            httpd.shutdown()


if __name__ == "__main__":
    main()
