"""Text of document files (PDF, DOCX, ODT, RTF, DOC, images): bytes + file name -> NFC text.

One entry point, ``read_file``: it never raises for a bad file; an unreadable
one comes back with a ``reason`` (corrupt, password-protected, empty, too big,
a missing tool named).  PDF pages without a usable text layer, and images,
are read by OCR: pages rendered by poppler's ``pdftoppm``, read by Tesseract's
Vietnamese model, several ``tesseract`` processes at once, each page's text
cached by the file's content hash so a killed crawl does not OCR it again.
Legacy font encodings (TCVN3, VNI) are detected by font names and by their
characters, and converted (``corpus.knowledge.legacy_encodings``).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError
from striprtf.striprtf import rtf_to_text

from corpus.knowledge.legacy_encodings import convert
from corpus.knowledge.vietnamese import nfc

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file is reported once, as its reason

# Formats by file name ending, and by magic number when the name says nothing.
SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".rtf": "rtf", ".doc": "doc",
            ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image"}
MAGIC = ((b"%PDF-", "pdf"), (b"{\\rtf", "rtf"), (b"\xd0\xcf\x11\xe0", "doc"), (b"\x89PNG", "image"),
         (b"\xff\xd8\xff", "image"), (b"II*\x00", "image"), (b"MM\x00*", "image"))
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PAGES = 200  # pages read (text layer or OCR) of one file
MIN_PAGE_CHARS = 40  # a page with fewer letters in its text layer is a scan
OCR_DPI = 300
OCR_LANG = "vie"
TOOL_TIMEOUT = 300  # seconds per external tool call
# Look-alikes Tesseract writes for Vietnamese letters (Icelandic eth for Đ): Vietnamese never uses them.
OCR_CONFUSIONS = str.maketrans({"Ð": "Đ", "ð": "đ"})
# Debian packages providing each external tool (named in the "missing tool" reason).
TOOLS = {"tesseract": "tesseract-ocr tesseract-ocr-vie", "pdftoppm": "poppler-utils",
         "pdffonts": "poppler-utils", "antiword": "antiword", "catdoc": "catdoc"}


@dataclass
class FileText:
    """What a file yielded: its text, or the reason it has none."""

    text: str = ""
    reason: str | None = None  # why there is no text (None when there is)
    format: str | None = None
    pages: int = 0
    ocr_pages: int = 0
    encoding: str | None = None  # the legacy encoding converted from, if any
    notes: list[str] = field(default_factory=list)  # e.g. "OCR skipped (--no-ocr)"


class Unreadable(Exception):
    """A file with no text to give; the message is the recorded reason."""


def file_format(data: bytes, name: str = "") -> str | None:
    """The format of a file ("pdf", "docx", "odt", "rtf", "doc", "image") from its name or magic number."""
    suffix = Path(name.split("?")[0]).suffix.lower()
    for magic, fmt in MAGIC:
        if data.startswith(magic):
            return fmt
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return SUFFIXES.get(suffix)
        return "docx" if "word/document.xml" in names else "odt" if "content.xml" in names else SUFFIXES.get(suffix)
    return SUFFIXES.get(suffix)


def read_file(data: bytes, name: str = "", *, ocr: bool = True, cache_dir: str | Path | None = None,
              max_bytes: int = MAX_FILE_BYTES, progress: Callable[[int, int], None] | None = None) -> FileText:
    """Text of one file, NFC; an unreadable file gets a ``reason`` instead (never raises for bad input)."""
    fmt = file_format(data, name)
    out = FileText(format=fmt)
    try:
        if not data.strip(b"\0 \r\n\t"):
            raise Unreadable("empty file")
        if len(data) > max_bytes:
            raise Unreadable(f"too big: {len(data):,} bytes (limit {max_bytes:,})")
        if fmt is None:
            raise Unreadable(f"unknown file type {Path(name).suffix or '(no extension)'}")
        reader = READERS[fmt]
        text = reader(data, out, ocr=ocr, cache_dir=cache_dir, progress=progress)
        text = _tidy(text)
        if not text.strip():
            if out.notes:
                raise Unreadable(f"empty: no text ({'; '.join(out.notes)})")
            raise Unreadable("empty: no text in the file")
        out.text = text
    except Unreadable as exc:
        out.reason = str(exc)
    except (ValueError, KeyError, IndexError, OSError, zipfile.BadZipFile, etree.LxmlError, RecursionError) as exc:
        out.reason = f"corrupt {fmt or 'file'}: {exc.__class__.__name__}: {str(exc)[:160]}"
    return out


def _tidy(text: str) -> str:
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n"))
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _legacy(text: str, out: FileText, fonts: list[str] = ()) -> str:
    text, out.encoding = convert(text, fonts)
    return text


def _missing(tool: str) -> Unreadable:
    return Unreadable(f"needs {tool}, which is not installed (Debian: apt-get install {TOOLS[tool]})")


def tool_available(tool: str) -> bool:
    """True when an external program is on PATH."""
    return shutil.which(tool) is not None


def _run(args: list[str], data: bytes | None = None) -> bytes:
    if not tool_available(args[0]):
        raise _missing(args[0])
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise Unreadable(f"{args[0]} took longer than {TOOL_TIMEOUT} s") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace")
        for arg in args[1:]:  # a temporary file's name would make every reason different
            if arg.startswith(tempfile.gettempdir()):
                err = err.replace(arg, "the file")
        raise Unreadable(f"{args[0]} failed: {err.strip()[:160]}")
    return done.stdout


# ------------------------------------------------------------------ PDF


def _pdf(data: bytes, out: FileText, *, ocr: bool, cache_dir, progress) -> str:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # An owner password alone (printing/copying rights) still opens with an empty user password.
            try:
                if not reader.decrypt(""):
                    raise Unreadable("password-protected")
            except (FileNotDecryptedError, NotImplementedError):
                raise Unreadable("password-protected") from None
        pages = reader.pages
        count = len(pages)
        texts = [(page.extract_text() or "") for page in list(pages)[:MAX_PAGES]]
        fonts = _pdf_fonts(reader)
    except FileNotDecryptedError:
        raise Unreadable("password-protected") from None
    except PdfReadError as exc:
        raise Unreadable(f"corrupt pdf: {str(exc)[:160]}") from None
    if count == 0:
        raise Unreadable("empty: a PDF without pages")
    out.pages = count
    texts = [_legacy(t, out, fonts) for t in texts]
    scans = [i for i, t in enumerate(texts) if sum(ch.isalpha() for ch in t) < MIN_PAGE_CHARS]
    if scans and not ocr:
        out.notes.append(f"{len(scans)} scanned page(s) not read (OCR turned off)")
    elif scans:
        digest = hashlib.sha1(data).hexdigest()
        for i, text in zip(scans, ocr_pdf_pages(data, scans, digest, cache_dir=cache_dir, progress=progress)):
            texts[i] = text
        out.ocr_pages = len(scans)
    if count > MAX_PAGES:
        out.notes.append(f"only the first {MAX_PAGES} of {count} pages read")
    return "\n\n".join(t.strip() for t in texts)


def _pdf_fonts(reader) -> list[str]:
    names: list[str] = []
    for page in list(reader.pages)[:5]:
        try:
            fonts = page.get("/Resources", {}).get("/Font", {})
            for ref in fonts.values():
                # "/ABCDEF+.VnTime": a subset prefix before the family name
                names.append(str(ref.get_object().get("/BaseFont", "")).lstrip("/").split("+")[-1])
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return names


def ocr_pdf_pages(data: bytes, pages: list[int], digest: str, *, cache_dir=None,
                  progress: Callable[[int, int], None] | None = None, dpi: int = OCR_DPI) -> list[str]:
    """OCR text of the given (0-based) pages of a PDF, several tesseract processes at once, cached per page."""
    if not tool_available("pdftoppm"):
        raise _missing("pdftoppm")
    if not tool_available("tesseract"):
        raise _missing("tesseract")
    cache = Path(cache_dir) / digest[:2] if cache_dir else None
    results: dict[int, str] = {}
    todo = []
    for page in pages:
        hit = cache / f"{digest}-{page}-{dpi}.txt" if cache else None
        if hit is not None and hit.exists():
            results[page] = hit.read_text("utf-8")
        else:
            todo.append(page)
    with tempfile.TemporaryDirectory(prefix="danvan-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)

        def one(page: int) -> tuple[int, str]:
            stem = Path(tmp) / f"p{page}"
            _run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", "-f", str(page + 1), "-l",
                  str(page + 1), str(pdf), str(stem)])
            return page, ocr_image(Path(f"{stem}.png").read_bytes())

        done = len(results)
        with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
            for page, text in pool.map(one, todo):  # each call is its own pdftoppm + tesseract process
                results[page] = text
                if cache is not None:
                    cache.mkdir(parents=True, exist_ok=True)
                    tmp_file = cache / f".{digest}-{page}-{dpi}.tmp"
                    tmp_file.write_text(text, "utf-8")
                    os.replace(tmp_file, cache / f"{digest}-{page}-{dpi}.txt")
                done += 1
                log.info("OCR page %d of %d", done, len(pages))
                if progress is not None:
                    progress(done, len(pages))
    return [results[p] for p in pages]


def ocr_image(image: bytes, lang: str = OCR_LANG) -> str:
    """Text of one page image by Tesseract (the Vietnamese model by default), NFC."""
    # One thread per tesseract process: several pages run side by side instead.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    if not tool_available("tesseract"):
        raise _missing("tesseract")
    with tempfile.NamedTemporaryFile(suffix=".img") as f:
        f.write(image)
        f.flush()
        try:
            done = subprocess.run(["tesseract", f.name, "stdout", "-l", lang, "--psm", "4"], capture_output=True,
                                  timeout=TOOL_TIMEOUT, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise Unreadable(f"tesseract took longer than {TOOL_TIMEOUT} s") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace")
        if "Failed loading language" in err:
            raise Unreadable(f"tesseract has no '{lang}' model (Debian: apt-get install tesseract-ocr-{lang})")
        raise Unreadable(f"tesseract failed: {err.strip()[:160]}")
    return nfc(done.stdout.decode("utf-8", "replace").translate(OCR_CONFUSIONS))


def _image(data: bytes, out: FileText, *, ocr: bool, cache_dir, progress) -> str:
    out.pages = 1
    if not ocr:
        out.notes.append("an image (OCR turned off)")
        return ""
    digest = hashlib.sha1(data).hexdigest()
    hit = Path(cache_dir) / digest[:2] / f"{digest}-image.txt" if cache_dir else None
    if hit is not None and hit.exists():
        text = hit.read_text("utf-8")
    else:
        text = ocr_image(data)
        if hit is not None:
            hit.parent.mkdir(parents=True, exist_ok=True)
            hit.write_text(text, "utf-8")
    out.ocr_pages = 1
    return text


# ------------------------------------------------------------ office files

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _zip_xml(data: bytes, member: str, what: str):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Unreadable(f"corrupt {what}: not a zip archive") from None
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise Unreadable(f"corrupt {what}: no {member}") from None
    if info.flag_bits & 0x1:
        raise Unreadable("password-protected")
    if info.file_size > 20 * MAX_FILE_BYTES:
        raise Unreadable(f"too big: {member} is {info.file_size:,} bytes uncompressed")
    return etree.fromstring(archive.read(member), _XML)


def _docx(data: bytes, out: FileText, **_) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("password-protected")  # an encrypted OOXML file is an OLE container
    root = _zip_xml(data, "word/document.xml", "docx")
    fonts: list[str] = []
    lines = []
    for p in root.iter(f"{_W}p"):
        parts = []
        for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}rFonts"):
            if el.tag == f"{_W}t":
                parts.append(el.text or "")
            elif el.tag == f"{_W}rFonts":
                fonts.append(el.get(f"{_W}ascii") or el.get(f"{_W}hAnsi") or "")
            else:
                parts.append("\t" if el.tag == f"{_W}tab" else "\n")
        lines.append("".join(parts))
    out.pages = 1
    return _legacy("\n".join(lines), out, fonts)


def _odt(data: bytes, out: FileText, **_) -> str:
    root = _zip_xml(data, "content.xml", "odt")
    lines = []
    for el in root.iter(f"{_TEXT_NS}p", f"{_TEXT_NS}h"):
        lines.append("".join(el.itertext()))
    out.pages = 1
    return _legacy("\n".join(lines), out)


def _rtf(data: bytes, out: FileText, **_) -> str:
    raw = data.decode("latin-1")
    fonts = re.findall(r"\\f\d+[^;{}]*?\s([^;{}\\]+);", raw[:20000])
    out.pages = 1
    return _legacy(rtf_to_text(raw, errors="ignore"), out, fonts)


def _doc(data: bytes, out: FileText, **_) -> str:
    with tempfile.NamedTemporaryFile(suffix=".doc") as f:
        f.write(data)
        f.flush()
        if tool_available("antiword"):
            try:
                text = _run(["antiword", "-w", "0", "-m", "UTF-8.txt", f.name]).decode("utf-8", "replace")
            except Unreadable as exc:
                if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
                    raise Unreadable("password-protected") from None
                raise Unreadable(f"corrupt doc: {exc}") from None
        elif tool_available("catdoc"):
            text = _run(["catdoc", "-d", "utf-8", f.name]).decode("utf-8", "replace")
        else:
            raise _missing("antiword")
    out.pages = 1
    return _legacy(text, out)


READERS = {"pdf": _pdf, "docx": _docx, "odt": _odt, "rtf": _rtf, "doc": _doc, "image": _image}
