"""corpus.clean.filetext on real files made at test time: every format, OCR, legacy fonts, unreadable files."""
from __future__ import annotations

import unicodedata

import pytest

from corpus.clean.filetext import file_format, read_file, tool_available
from tests import filemaker as fm

needs_ocr = pytest.mark.skipif(not (tool_available("tesseract") and tool_available("pdftoppm")),
                               reason="needs tesseract-ocr, tesseract-ocr-vie and poppler-utils")
needs_fonts = pytest.mark.skipif(not fm.FONT.exists(), reason="needs fonts-dejavu-core")


@needs_fonts
@pytest.mark.parametrize("fmt, make", [("pdf", fm.text_pdf), ("docx", fm.docx), ("odt", fm.odt), ("rtf", fm.rtf)])
def test_each_format_gives_its_text_in_nfc(fmt, make):
    got = read_file(make(fm.PLAN), f"ke-hoach.{fmt}")
    assert got.reason is None and got.format == fmt
    assert "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo" in got.text
    assert "Số 202-KH/BDVTU" in got.text
    assert unicodedata.is_normalized("NFC", got.text)


@needs_fonts
def test_format_comes_from_the_bytes_when_the_name_says_nothing():
    assert file_format(fm.text_pdf(["a"]), "download.aspx?id=3") == "pdf"
    assert file_format(fm.docx(["a"]), "file") == "docx"
    assert file_format(fm.odt(["a"]), "file") == "odt"
    assert file_format(b"hello", "x.bin") is None


@needs_fonts
@pytest.mark.parametrize("make, name, reason", [
    (lambda: fm.encrypted_pdf(fm.PLAN), "a.pdf", "password-protected"),
    (lambda: fm.text_pdf(fm.PLAN)[:600], "a.pdf", "corrupt pdf"),
    (lambda: b"PK\x03\x04 broken", "a.docx", "corrupt docx"),
    (lambda: b"", "a.pdf", "empty file"),
    (lambda: fm.text_pdf([""]), "a.pdf", "empty"),
    (lambda: b"%PDF-1.4\n" + b"0" * 2000, "a.pdf", "too big"),
    (lambda: b"\x00\x01binary", "a.xyz", "unknown file type"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "a.doc",
     "corrupt doc: antiword failed: the file is not a Word Document" if tool_available("antiword") else "needs"),
])
def test_unreadable_files_get_a_reason_never_an_exception(make, name, reason):
    got = read_file(make(), name, max_bytes=1000 if reason == "too big" else 30 * 2**20, ocr=False)
    assert got.text == ""
    assert got.reason and got.reason.startswith(reason), got.reason


@needs_ocr
@needs_fonts
def test_a_scanned_pdf_is_read_by_ocr_and_cached_by_content_hash(tmp_path):
    lines = fm.PLAN[3:7]
    scan = fm.scanned_pdf(lines, dpi=300)
    cache = tmp_path / "ocr"
    got = read_file(scan, "scan.pdf", cache_dir=cache)
    assert got.reason is None and got.ocr_pages == 1
    assert "202-KH/BDVTU" in got.text and "Sóc Trăng, ngày 06 tháng 9 năm 2024" in got.text
    cached = list(cache.rglob("*.txt"))
    assert len(cached) == 1
    cached[0].write_text("văn bản từ bộ nhớ đệm", "utf-8")  # the cache, not tesseract, answers now
    assert read_file(scan, "scan.pdf", cache_dir=cache).text == "văn bản từ bộ nhớ đệm"


@needs_fonts
def test_no_ocr_leaves_a_scan_unread_with_the_reason():
    got = read_file(fm.scanned_pdf(["Kế hoạch"], dpi=100), "scan.pdf", ocr=False)
    assert got.text == "" and "OCR turned off" in got.reason and got.reason.startswith("empty")


def test_a_legacy_docx_is_converted_on_reading():
    got = read_file(fm.docx(["Ban D©n vËn TØnh ñy Sãc Tr¨ng h\xadíng dÉn tæ chøc héi nghÞ"]), "a.docx")
    assert got.encoding == "tcvn3"
    assert got.text == "Ban Dân vận Tỉnh ủy Sóc Trăng hướng dẫn tổ chức hội nghị"


def test_a_vni_docx_is_recognised_by_its_font_and_letters():
    got = read_file(fm.docx(["Ban Daân vaän Tænh uûy toå chöùc hoäi nghò"], font="VNI-Times"), "a.docx")
    assert got.encoding == "vni"
    assert got.text == "Ban Dân vận Tỉnh ủy tổ chức hội nghị"


@needs_fonts
def test_a_missing_tool_is_named_with_its_debian_package_and_the_rest_still_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract, pdftoppm, antiword or catdoc on it
    scan = read_file(fm.scanned_pdf(["Kế hoạch"], dpi=100), "scan.pdf")
    assert scan.reason == "needs pdftoppm, which is not installed (Debian: apt-get install poppler-utils)"
    doc = read_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.doc")
    assert doc.reason == "needs antiword, which is not installed (Debian: apt-get install antiword)"
    assert read_file(fm.text_pdf(fm.PLAN), "kh.pdf").reason is None  # a text layer needs no tool
