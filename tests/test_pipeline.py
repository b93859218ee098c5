"""The page pipeline is the one path from a page to a Document: crawl, reclean and import agree; facts travel as data."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from corpus.crawl.loop import crawl
from corpus.crawl.reclean import reclean
from corpus.crawl.sources import Source
from corpus.extract.textmeta import extract_metadata
from corpus.store.db import Store
from corpus.store.importer import import_paths
from corpus.store.pipeline import Origin, page_document, page_fields
from tests.test_crawl import serve  # noqa: F401  (the local HTTP site fixture)

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = "Hội nghị tổng kết công tác dân vận năm 2023 của Ban Dân vận Tỉnh ủy"
BODY = ("Chiều 9/1, Ban Dân vận Tỉnh ủy Quảng Ninh tổ chức hội nghị tổng kết công tác dân vận năm 2023, "
        "triển khai Kế hoạch số 202-KH/BDVTU và Nghị quyết 12 của Tỉnh ủy về công tác dân vận trong tình hình mới. ")
PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><title>{HEADLINE} - Cổng TTĐT Ban Dân vận</title></head>
<body><div class="header"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>
<div class="article"><h1>{HEADLINE}</h1><div class="date">15:15, 10/01/2024</div>
<div class="content"><p>{BODY * 3}</p><p>{BODY * 2}</p><p>Minh Hằng - Ban Dân vận Tỉnh ủy</p></div></div>
<div class="footer">Bản quyền thuộc Ban Dân vận Tỉnh ủy. Địa chỉ: 1 đường Dân vận.</div></body></html>"""
# Fields that say where a Document came from, not what the page says.
ORIGIN_FIELDS = {"id", "url", "source", "fetched_at"}


def _page_facts(doc) -> dict:
    return {k: v for k, v in doc.to_dict().items() if k not in ORIGIN_FIELDS}


def test_a_page_crawled_recleaned_and_imported_from_a_file_is_the_same_document(serve, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    server = serve(site)
    with Store(tmp_path / "crawled.sqlite") as store:
        report = crawl(store, sources=[Source(name="bdv", start_urls=[server.url], allow_private=True)],
                       delay=0, retries=0, link_duplicates=False)
        assert report.added == 1
        crawled = next(iter(store))
        assert reclean(store, link_duplicates=False).unchanged == 1  # the archived page gives the same Document
    saved = tmp_path / "saved.html"
    saved.write_text(PAGE, encoding="utf-8")
    with Store(tmp_path / "imported.sqlite") as store:
        assert import_paths(store, [saved]).imported == 1
        imported = next(iter(store))
    assert _page_facts(crawled) == _page_facts(imported)
    assert (crawled.title, crawled.published, crawled.author) == (HEADLINE, "2024-01-10", "Minh Hằng")
    assert crawled.province == "Quảng Ninh" and crawled.directives == ["202-KH/BDVTU"]
    assert crawled.url == server.url and imported.url is None


def test_page_document_wraps_page_fields_with_the_origin():
    origin = Origin(url="https://bdv.example.vn/tin/1.html", source="bdv")
    doc = page_document(PAGE.encode(), origin, doc_id="d1", fetched_at="2024-01-11T00:00:00")
    fields = page_fields(PAGE.encode(), origin)
    assert {k: getattr(doc, k) for k in fields} == fields
    assert (doc.id, doc.url, doc.source, doc.fetched_at) == ("d1", origin.url, "bdv", "2024-01-11T00:00:00")
    assert page_document("<html><body><ul><li>Trang chủ</li></ul></body></html>", origin, doc_id="x") is None


def test_the_page_date_reaches_the_text_facts_as_a_date_not_as_a_line_read_again():
    # The <title> ends in a time stamp after its separator, so it reads as the portal's name, among the
    # header lines.  When the CMS date was written into those lines as text and parsed again, the stamp
    # (after the provinces merged on 1 July 2025) came first, and a 2021 page about Hà Giang was filed
    # under Tuyên Quang, the province that exists only since.
    body = ("Chiều 9/1, Ban Dân vận Tỉnh ủy Hà Giang tổ chức hội nghị tổng kết công tác dân vận năm 2020 trên "
            "địa bàn tỉnh Hà Giang, triển khai Kế hoạch số 202-KH/BDVTU về công tác dân vận trong tình hình mới. ")
    page = f"""<html><head><title>{HEADLINE} - 08:15 04/08/2025</title>
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{HEADLINE}",
    "datePublished": "2021-03-31T08:00:00+07:00"}}</script></head>
    <body><div class="article"><h1>{HEADLINE}</h1><div class="content"><p>{body * 4}</p></div></div></body></html>"""
    fields = page_fields(page.encode(), Origin(url="https://bdv.example.vn/tin/2.html"))
    assert (fields["published"], fields["year"], fields["year_source"]) == ("2021-03-31", 2021, "published")
    assert (fields["province"], fields["province_2025"]) == ("Hà Giang", "Tuyên Quang")
    facts = extract_metadata(body, header=["08:15 04/08/2025"], published=dt.date(2021, 3, 31))
    assert (facts["published"], facts["province"]) == (dt.date(2021, 3, 31), "Hà Giang")
    assert extract_metadata(body, header=["08:15 04/08/2025"])["province"] == "Tuyên Quang"  # a page of 2025


def test_pages_and_files_become_documents_in_the_pipeline_only():
    """Document(...) is built by the pipeline, by JSONL records (importer) and from store rows (db): nowhere else."""
    builders = set()
    for path in sorted((ROOT / "corpus").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Document":
                builders.add(path.relative_to(ROOT).as_posix())
    assert builders == {"corpus/store/pipeline.py", "corpus/store/importer.py", "corpus/store/db.py"}
