"""Attached files end to end: a local site whose articles link PDFs, DOCX and a scan, made at test time."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.crawl.loop import crawl
from corpus.crawl.reclean import reclean
from corpus.store.document import make_id
from corpus.clean.filetext import tool_available
from corpus.crawl.frontier import Frontier
from corpus.crawl.sources import Source
from corpus.store.db import Store
from tests import filemaker as fm
from tests.conftest import raw_page_count
from tests.test_crawl import serve  # noqa: F401  (the local HTTP site fixture)

ROOT = Path(__file__).resolve().parent.parent
FAST = dict(delay=0, timeout=5.0, retries=1, backoff=0.01)
needs_tools = pytest.mark.skipif(
    not (tool_available("tesseract") and tool_available("pdftoppm") and fm.FONT.exists()),
    reason="needs tesseract-ocr, tesseract-ocr-vie, poppler-utils and fonts-dejavu-core (make tools)")

GUIDE = [
    "BAN CHẤP HÀNH ĐẢNG BỘ TỈNH SÓC TRĂNG",
    "BAN DÂN VẬN",
    "Số 15-HD/BDVTU",
    "Sóc Trăng, ngày 20 tháng 3 năm 2023",
    "HƯỚNG DẪN",
    "tổ chức Ngày hội Dân vận khéo ở cơ sở",
    "Các huyện ủy, thị ủy, thành ủy hướng dẫn tổ chức ngày hội đến từng khu dân cư.",
]
SCAN = [
    "HUYỆN ỦY MỸ XUYÊN",
    "Số 07-TB/HU",
    "Mỹ Xuyên, ngày 12 tháng 5 năm 2022",
    "THÔNG BÁO",
    "kết luận về mô hình nuôi tôm sạch",
    "Hỗ trợ hộ nghèo ấp Hòa Nhờ xây cống thoát nước.",
]
SCAN_PHRASE = "ấp Hòa Nhờ xây cống thoát nước"
CAP_MB = 0.2


def _article(title: str, links: list[str], about: str) -> bytes:
    body = "".join(f'<p>Tải về: <a href="{href}">{href.rsplit("/", 1)[-1]}</a></p>' for href in links)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>Ngày 10/09/2024</p>"
            + f"<p>{about}</p>" * 4
            + body + "</article></body></html>").encode()


def make_site(root: Path) -> dict[str, bytes]:
    """An index page, two articles and their attached files, written under ``root``."""
    files = {
        "files/kh-202.pdf": fm.text_pdf(fm.PLAN),
        "files/hd-15.docx": fm.docx(GUIDE),
        "files/tb-07-scan.pdf": fm.scanned_pdf(SCAN, dpi=300),
        "files/hong.pdf": fm.text_pdf(fm.PLAN)[:700],
        "files/khoa.pdf": fm.encrypted_pdf(GUIDE),
        "files/rong.docx": b"",
        "files/qua-lon.pdf": b"%PDF-1.4\n" + os.urandom(int(CAP_MB * 10 * 2**20)),
    }
    pages = {
        "index.html": b'<html><body><a href="/tin/ke-hoach-dan-van-kheo.html">1</a>'
                      b' <a href="/tin/ngay-hoi-dan-van.html">2</a></body></html>',
        "tin/ke-hoach-dan-van-kheo.html": _article("Triển khai Kế hoạch Dân vận khéo năm 2024",
                                                   ["/files/kh-202.pdf", "/files/tb-07-scan.pdf", "/files/hong.pdf"],
                                                   "Ban Dân vận Tỉnh ủy Sóc Trăng ban hành kế hoạch triển khai phong "
                                                   "trào thi đua Dân vận khéo năm 2024 đến các chi bộ, đoàn thể."),
        "tin/ngay-hoi-dan-van.html": _article("Ngày hội Dân vận khéo ở Sóc Trăng",
                                              ["/files/kh-202.pdf", "/files/hd-15.docx", "/files/khoa.pdf",
                                               "/files/rong.docx", "/files/qua-lon.pdf"],
                                              "Ngày hội ở khu dân cư có văn nghệ, thể thao, trao quà cho hộ nghèo; "
                                              "Mặt trận và hội phụ nữ cùng nhân dân làm đường giao thông nông thôn."),
        "robots.txt": b"User-agent: *\nAllow: /\n",
    }
    for name, data in {**files, **pages}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def _source(server) -> Source:
    return Source(name="site", start_urls=[server.url], allow_private=True, province="Sóc Trăng",
                  max_attachment_mb=CAP_MB)


def _snapshot(store: Store) -> dict[str, str]:
    return {doc.id: doc.stamp() for doc in store}


@needs_tools
def test_crawl_stores_each_attachment_once_with_parent_number_date_title(serve, tmp_path):  # noqa: F811
    make_site(tmp_path / "site")
    server = serve(tmp_path / "site")
    shown = []
    with Store(tmp_path / "h" / "danvan.db") as store:
        report = crawl(store, sources=[_source(server)], progress=lambda r, line: shown.append(line), **FAST)
        assert report.finished
        assert server.url + "files/tb-07-scan.pdf (OCR: page 1 of 1)" in shown  # OCR shows its progress
        docs = {doc.url: doc for doc in store}
        plan_page, fair_page = (docs[server.url + p] for p in ("tin/ke-hoach-dan-van-kheo.html",
                                                               "tin/ngay-hoi-dan-van.html"))
        files = {url.rsplit("/", 1)[-1]: doc for url, doc in docs.items() if doc.parent_id}
        assert set(files) == {"kh-202.pdf", "hd-15.docx", "tb-07-scan.pdf"}  # kh-202.pdf is linked twice
        plan, guide, scan = files["kh-202.pdf"], files["hd-15.docx"], files["tb-07-scan.pdf"]
        assert (plan.parent_id, plan.number, plan.published) == (plan_page.id, "202-KH/BDVTU", "2024-09-06")
        assert plan.title == "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo"
        assert plan.province == "Sóc Trăng" and "114-KL/TW" in plan.directives and "202-KH/BDVTU" not in plan.directives
        assert (guide.parent_id, guide.number, guide.published, guide.title) == (
            fair_page.id, "15-HD/BDVTU", "2023-03-20", "tổ chức Ngày hội Dân vận khéo ở cơ sở")
        assert (scan.parent_id, scan.number, scan.published) == (plan_page.id, "07-TB/HU", "2022-05-12")
        assert SCAN_PHRASE in scan.text
        # Unreadable files: each recorded with its reason, and the crawl went on.
        reasons = Frontier(store).reasons("attachment")
        assert {why.split(":")[0] for why in reasons if why} == {"corrupt pdf", "password-protected", "empty file",
                                                                 "too big"}
        assert report.outcomes["attachment"] == 7 and report.attachments_read == 3
        assert report.added == 2  # articles; attached files are counted apart
        assert sum(report.outcomes.values()) == report.visited + report.blocked
        assert sum(report.unreadable.values()) == 4
        huge = [p for p, _ in server.log if p.endswith("qua-lon.pdf")]
        assert len(huge) == 1  # refused on its Content-Length, not retried

        # Re-crawl: conditional requests, nothing changes.
        before = _snapshot(store)
        server.log.clear()
        again = crawl(store, sources=[_source(server)], **FAST)
        assert again.finished and _snapshot(store) == before
        asked = {p: h for p, h in server.log if p.endswith("kh-202.pdf")}
        assert asked and all("if-none-match" in h for h in asked.values())

        # reclean re-reads the kept files without fetching.
        store.delete(plan.id)
        server.log.clear()
        redone = reclean(store)
        assert not server.log and redone.unreadable == 3  # corrupt, password-protected, empty were kept raw
        assert _snapshot(store) == before


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A data dir holding the site crawled and indexed: (home, site URL)."""
    from tests.test_crawl import SiteServer
    from indexer.build import update_index

    tmp = tmp_path_factory.mktemp("attachments")
    make_site(tmp / "site")
    server = SiteServer(tmp / "site")
    home = tmp / "home"
    try:
        with Store(home / "danvan.db") as store:
            crawl(store, sources=[_source(server)], **FAST)
            update_index(store, home / "index")
    finally:
        server.close()
    return home, server.url


@needs_tools
def test_a_phrase_only_in_the_scan_is_searchable_and_the_hit_names_its_parent(crawled):
    from indexer.search import SearchRequest, SearchService

    home, site = crawled
    result = SearchService(home / "index").search(SearchRequest(q=f'"{SCAN_PHRASE}"'))
    assert [h.url.rsplit("/", 1)[-1] for h in result.hits] == ["tb-07-scan.pdf"]
    hit = result.hits[0]
    assert hit.parent_id == make_id(site + "tin/ke-hoach-dan-van-kheo.html")
    assert hit.parent_title == "Triển khai Kế hoạch Dân vận khéo năm 2024"
    assert hit.number == "07-TB/HU"


@needs_tools
def test_web_json_and_cli_say_whose_attachment_a_hit_is(crawled):
    from click.testing import CliRunner

    from cli import cli
    from search_app import create_app

    home, site = crawled
    parent_id = make_id(site + "tin/ke-hoach-dan-van-kheo.html")
    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    page = client.get("/search", query_string={"q": SCAN_PHRASE}).get_data(as_text=True)
    assert "tệp đính kèm của: <a href=\"/doc/" + parent_id in page
    assert "Triển khai Kế hoạch Dân vận khéo năm 2024</a>" in page
    data = client.get("/search.json", query_string={"q": SCAN_PHRASE}).get_json()
    assert data["hits"][0]["parent_id"] == parent_id
    assert data["hits"][0]["parent_title"] == "Triển khai Kế hoạch Dân vận khéo năm 2024"
    # The parent's page lists its attached files with their titles.
    parent_page = client.get(f"/doc/{parent_id}").get_data(as_text=True)
    assert "Văn bản đính kèm" in parent_page
    assert "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo" in parent_page
    assert "kết luận về mô hình nuôi tôm sạch" in parent_page
    # Facets count attached files like any document.
    facets = client.get("/search.json", query_string={"q": "Dân vận khéo"}).get_json()["facets"]
    assert sum(v["count"] for v in facets["province"]) == data_total(client, "Dân vận khéo")
    result = CliRunner().invoke(cli, ["search", "--data-dir", str(home), SCAN_PHRASE])
    assert result.exit_code == 0, result.output
    assert f"tệp đính kèm của: Triển khai Kế hoạch Dân vận khéo năm 2024 (id {parent_id})" in result.output


def data_total(client, q: str) -> int:
    return client.get("/search.json", query_string={"q": q}).get_json()["total"]


@needs_tools
def test_doc_json_and_export_carry_the_contract_keys(crawled):
    import json

    from click.testing import CliRunner

    from cli import cli
    from search_app import create_app

    home, site = crawled
    plan_id = make_id(site + "files/kh-202.pdf")
    client = create_app({"DANVAN_HOME": str(home), "TESTING": True}).test_client()
    doc = client.get(f"/doc/{plan_id}.json").get_json()["document"]
    want = {"url": site + "files/kh-202.pdf", "parent_id": make_id(site + "tin/ke-hoach-dan-van-kheo.html"),
            "number": "202-KH/BDVTU", "published": "2024-09-06",
            "title": "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo"}
    assert {k: doc[k] for k in want} == want and "Kết luận số 114-KL/TW" in doc["text"]
    page = client.get(f"/doc/{plan_id}").get_data(as_text=True)
    assert "tệp đính kèm của:" in page and "202-KH/BDVTU" in page
    # The directive page of its number links the document itself.
    directive = client.get("/directive/202-KH/BDVTU").get_data(as_text=True)
    assert f'href="/doc/{plan_id}"' in directive
    issued = client.get("/directive/202-KH/BDVTU.json").get_json()["issued_as"]
    assert [(d["id"], d["published"], d["title"]) for d in issued] == [(plan_id, want["published"], want["title"])]
    out = CliRunner().invoke(cli, ["export", "--data-dir", str(home), "--format", "jsonl"])
    rows = {r["url"]: r for r in map(json.loads, out.output.splitlines())}
    assert {k: rows[want["url"]][k] for k in want} == want
    articles = [r for r in rows.values() if not r["url"].endswith((".pdf", ".docx"))]
    assert articles and all(r["parent_id"] is None and r["number"] is None for r in articles)


@needs_tools
def test_import_reads_document_files_and_folders_without_a_parent(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    folder = tmp_path / "van-ban"
    (folder / "2023").mkdir(parents=True)
    (folder / "kh-202.pdf").write_bytes(fm.text_pdf(fm.PLAN))
    (folder / "2023" / "hd-15.docx").write_bytes(fm.docx(GUIDE))
    (folder / "2023" / "hd-15.odt").write_bytes(fm.odt(GUIDE[:3] + ["Cần Thơ, ngày 21 tháng 3 năm 2023"] + GUIDE[4:]))
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    home = tmp_path / "home"
    result = CliRunner().invoke(cli, ["import", "--data-dir", str(home), str(folder), "--no-index"])
    assert result.exit_code == 0, result.output
    assert "imported 3 documents" in result.output and "hong.pdf: corrupt pdf" in result.output
    with Store(home / "danvan.db") as store:
        docs = {Path(d.url).name: d for d in store}
    assert set(docs) == {"kh-202.pdf", "hd-15.docx", "hd-15.odt"}
    assert all(d.parent_id is None for d in docs.values())
    assert (docs["kh-202.pdf"].number, docs["kh-202.pdf"].published) == ("202-KH/BDVTU", "2024-09-06")
    assert (docs["hd-15.odt"].number, docs["hd-15.odt"].published) == ("15-HD/BDVTU", "2023-03-21")
    assert docs["hd-15.docx"].url == str(folder / "2023" / "hd-15.docx")


@needs_tools
def test_no_ocr_records_the_scan_as_not_read(serve, tmp_path):  # noqa: F811
    make_site(tmp_path / "site")
    server = serve(tmp_path / "site")
    with Store(tmp_path / "danvan.db") as store:
        report = crawl(store, sources=[_source(server)], ocr=False, **FAST)
        assert report.attachments_read == 2
        assert any("OCR turned off" in why for why in report.unreadable)


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append((int(entry.name), cmd))
    return out


@needs_tools
def test_a_crawl_killed_during_ocr_loses_nothing_and_resumes(serve, tmp_path):  # noqa: F811
    make_site(tmp_path / "site")
    server = serve(tmp_path / "site")
    with Store(tmp_path / "whole" / "danvan.db") as store:
        crawl(store, sources=[_source(server)], **FAST)
        whole = _snapshot(store)
    db = tmp_path / "killed" / "danvan.db"
    script = (
        "from corpus.store.db import Store; from corpus.crawl.loop import crawl; from corpus.crawl.sources import Source\n"
        f"crawl(Store({str(db)!r}), sources=[Source(name='site', start_urls=[{server.url!r}], allow_private=True,"
        f" province='Sóc Trăng', max_attachment_mb={CAP_MB})], delay=0, timeout=5.0, retries=1, backoff=0.01)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    ocr_seen = False
    while time.monotonic() < deadline and proc.poll() is None and not ocr_seen:
        ocr_seen = any(Path(cmd).name in ("tesseract", "pdftoppm") for _, cmd in _children(proc.pid))
        time.sleep(0.005)
    proc.kill()
    assert proc.wait() == -9 and ocr_seen, "the crawl was not caught during OCR"
    with Store(db) as store:
        stored = _snapshot(store)
        assert stored.items() <= whole.items()  # whatever was stored is whole
        assert raw_page_count(store) >= 1
        report = crawl(store, sources=[_source(server)], **FAST)
        assert report.resumed and report.finished
        assert _snapshot(store) == whole


def test_sources_file_takes_an_attachment_size_cap(tmp_path):
    from corpus.crawl.sources import SourceError, load_sources

    path = tmp_path / "portals.toml"
    path.write_text('[[source]]\nurl = "https://bdv.example.vn/"\nmax_attachment_mb = 12.5\n', encoding="utf-8")
    assert load_sources(path)[0].max_attachment_mb == 12.5
    path.write_text('[[source]]\nurl = "https://bdv.example.vn/"\n', encoding="utf-8")
    assert load_sources(path)[0].max_attachment_mb == 30
    path.write_text('[[source]]\nurl = "https://bdv.example.vn/"\nmax_attachment_mb = "big"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="max_attachment_mb must be a number of megabytes"):
        load_sources(path)


@needs_tools
def test_a_download_link_whose_url_names_no_type_is_read_with_its_parent(serve, tmp_path):  # noqa: F811
    from tests.conftest import respond

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_bytes(b'<html><body><a href="/tin/huong-dan.html">1</a></body></html>')
    (site / "tin").mkdir()
    (site / "tin" / "huong-dan.html").write_bytes(_article(
        "Hướng dẫn tổ chức Ngày hội Dân vận khéo", [],
        "Ban Dân vận Tỉnh ủy hướng dẫn các huyện ủy tổ chức ngày hội ở khu dân cư, tải văn bản dưới đây.").replace(
        b"</article>", "<p><a href=\"/tai-ve?id=9\">Hướng dẫn 15-HD.docx</a></p></article>".encode()))
    data = fm.docx(GUIDE)
    server = serve(site, {"/tai-ve": lambda h: respond(h, 200, data, [("Content-Type", "application/octet-stream")])})
    with Store(tmp_path / "danvan.db") as store:
        report = crawl(store, sources=[_source(server)], **FAST)
        assert report.attachments_read == 1
        files = [d for d in store if d.parent_id]
        assert [(f.url, f.number, f.parent_id) for f in files] == [
            (server.url + "tai-ve?id=9", "15-HD/BDVTU", make_id(server.url + "tin/huong-dan.html"))]
