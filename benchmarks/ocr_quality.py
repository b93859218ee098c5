"""OCR quality on generated scans: character error rate (accents included), header fields, time per page.

Each page is a Party or State document header plus body lines, made here from
data below (nothing copied), printed to a PDF text layer (the same-run
baseline: no OCR) and rendered as a scan (slight noise and skew) at 150, 200
and 300 dpi, then read by ``corpus.clean.filetext`` (pdftoppm + tesseract -l vie).

    python benchmarks/ocr_quality.py            # 12 pages, 150/200/300 dpi
    python benchmarks/ocr_quality.py --pages 4 --dpi 300
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.extract.docheader import read_header  # noqa: E402
from corpus.clean.filetext import read_file, tool_available  # noqa: E402
from tests import filemaker as fm  # noqa: E402

ISSUERS = [  # (issuer lines, number suffix, place)
    (["TỈNH ỦY SÓC TRĂNG", "BAN DÂN VẬN"], "BDVTU", "Sóc Trăng"),
    (["HUYỆN ỦY BA CHẼ"], "HU", "Ba Chẽ"),
    (["ĐẢNG BỘ TỈNH HÀ GIANG", "BAN DÂN VẬN TỈNH ỦY"], "BDVTU", "Hà Giang"),
    (["THÀNH ỦY HẢI PHÒNG"], "TU", "Hải Phòng"),
]
STATE = [(["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NINH"], "UBND", "Quảng Ninh"),
         (["ỦY BAN NHÂN DÂN", "TỈNH NGHỆ AN"], "UBND", "Nghệ An")]
TYPES = [("KẾ HOẠCH", "KH"), ("HƯỚNG DẪN", "HD"), ("CHỈ THỊ", "CT"), ("THÔNG BÁO", "TB"), ("BÁO CÁO", "BC")]
SUBJECTS = [
    "triển khai phong trào thi đua Dân vận khéo năm 2024",
    "tăng cường công tác dân vận ở vùng đồng bào dân tộc thiểu số",
    "thực hiện quy chế dân chủ ở cơ sở trong các cơ quan, đơn vị",
    "tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư",
    "nâng cao chất lượng tiếp công dân, giải quyết khiếu nại, tố cáo",
]
BODY = [
    "Các cấp ủy, chính quyền, Mặt trận Tổ quốc và đoàn thể phối hợp chặt chẽ, sâu sát cơ sở.",
    "Hỗ trợ hộ nghèo xây dựng nhà ở, nước sạch, đường giao thông nông thôn; giữ gìn an ninh trật tự.",
    "Định kỳ sơ kết, tổng kết, khen thưởng kịp thời các tập thể, cá nhân tiêu biểu.",
]


def make_pages(count: int, seed: int = 17) -> list[tuple[list[str], dict]]:
    """(lines, truth) for ``count`` pages: number, published, title as the header parser should read them."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        state = i % 3 == 2
        issuer, suffix, place = rng.choice(STATE if state else ISSUERS)
        kind, code = ("QUYẾT ĐỊNH", "QĐ") if state else rng.choice(TYPES)
        n, day, month, year = rng.randint(1, 450), rng.randint(1, 28), rng.randint(1, 12), rng.randint(2015, 2025)
        number = f"{n}/{year}/{code}-{suffix}" if state else f"{n}-{code}/{suffix}"
        subject = ("Về việc ban hành Quy chế " + rng.choice(SUBJECTS)) if state else rng.choice(SUBJECTS)
        motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"] if state else \
            ["ĐẢNG CỘNG SẢN VIỆT NAM"]
        lines = [*issuer, *motto, f"Số: {number}" if state else f"Số {number}",
                 f"{place}, ngày {day:02d} tháng {month} năm {year}", kind, subject, *rng.sample(BODY, 2)]
        out.append((lines, {"number": number, "published": f"{year}-{month:02d}-{day:02d}", "title": subject}))
    return out


def distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters, so a lost accent is one error)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def measure(pages, make, label: str, cache: Path) -> dict:
    """CER, header-field accuracy and seconds per page for one way of making the files."""
    def one(item):
        lines, truth = item
        data = make(lines)
        started = time.perf_counter()
        got = read_file(data, "page.pdf", cache_dir=None)
        seconds = time.perf_counter() - started
        reference = _norm("\n".join(lines))
        errors = distance(_norm(got.text), reference)
        header = read_header(got.text)
        right = {k: header[k] == v for k, v in truth.items()}
        return errors, len(reference), right, seconds, got.ocr_pages

    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(one, pages))
    chars = sum(r[1] for r in rows)
    fields = {k: sum(r[2][k] for r in rows) / len(rows) for k in ("number", "published", "title")}
    return {"label": label, "cer": sum(r[0] for r in rows) / chars, "fields": fields,
            "exact": sum(all(r[2].values()) for r in rows) / len(rows),
            "seconds": sum(r[3] for r in rows) / len(rows), "ocr_pages": sum(r[4] for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    args = parser.parse_args()
    if not (tool_available("tesseract") and tool_available("pdftoppm")):
        sys.exit("needs tesseract-ocr, tesseract-ocr-vie and poppler-utils (make tools)")
    pages = make_pages(args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(pages, fm.text_pdf, "text layer (baseline, no OCR)", Path(tmp))]
        for dpi in args.dpi:
            results.append(measure(pages, lambda lines, d=dpi: fm.scanned_pdf(lines, dpi=d, seed=d), f"scan {dpi} dpi",
                                   Path(tmp)))
    print(f"{args.pages} generated pages (Party and State headers + body), accents included")
    print(f"{'input':32} {'CER':>7} {'number':>7} {'date':>7} {'title':>7} {'all 3':>7} {'s/page':>7}")
    for r in results:
        f = r["fields"]
        print(f"{r['label']:32} {r['cer']:7.2%} {f['number']:7.0%} {f['published']:7.0%} {f['title']:7.0%} "
              f"{r['exact']:7.0%} {r['seconds']:7.2f}")


if __name__ == "__main__":
    main()
