"""Real document files made at test time: PDFs with a Vietnamese text layer, scans, DOCX, ODT, RTF.

Used by the attachment tests and benchmarks/ocr_quality.py; nothing is copied from elsewhere.
"""
from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSerif.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSerif-Bold.ttf"


def text_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF whose text layer holds ``lines`` (DejaVu Serif, Unicode)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def page_image(lines: list[str], dpi: int = 300, *, noise: float = 0.02, skew: float = 0.6, seed: int = 1):
    """A scanned-looking page (PIL image, grey): ``lines`` at 12 pt, speckle noise, a slight skew."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    scale = dpi / 72
    font = ImageFont.truetype(str(FONT), int(12 * scale))
    width = int(max(6.5 * dpi, max(font.getlength(line) for line in lines) + 0.8 * dpi))
    line_h = int(18 * scale)
    height = int(line_h * (len(lines) + 3))
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((int(0.4 * dpi), int(line_h * (i + 1))), line, font=font, fill=rng.randint(0, 50))
    pixels = img.load()
    for _ in range(int(width * height * noise / 50)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 90, 180))
    return img.rotate(skew, resample=Image.BICUBIC, expand=True, fillcolor=255)


def scanned_pdf(lines: list[str], dpi: int = 300, **kw) -> bytes:
    """A PDF holding only an image of ``lines`` (no text layer), like a scanned paper."""
    img = page_image(lines, dpi, **kw)
    out = io.BytesIO()
    img.save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def docx(lines: list[str], font: str | None = None) -> bytes:
    """A DOCX with one paragraph per line (python-docx), in ``font`` when given."""
    import docx as python_docx

    document = python_docx.Document()
    for line in lines:
        run = document.add_paragraph().add_run(line)
        if font:
            run.font.name = font
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt(lines: list[str]) -> bytes:
    """A minimal OpenDocument text file (mimetype, manifest, content) with one paragraph per line."""
    from xml.sax.saxutils import escape

    body = "".join(f"<text:p>{escape(line)}</text:p>" for line in lines)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return out.getvalue()


def rtf(lines: list[str]) -> bytes:
    """An RTF file, non-ASCII letters as \\uN? escapes."""
    def esc(s: str) -> str:
        return "".join(ch if ord(ch) < 128 and ch not in "\\{}" else f"\\u{ord(ch)}?" for ch in s)
    body = "".join(f"{esc(line)}\\par\n" for line in lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n" + body + "}").encode("ascii")


def encrypted_pdf(lines: list[str], password: str = "mat-khau") -> bytes:
    """A text PDF that needs a user password to open."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(lines))))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# A Party document's header and body, as printed (used by several tests).
PLAN = [
    "TỈNH ỦY SÓC TRĂNG",
    "BAN DÂN VẬN",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Số 202-KH/BDVTU",
    "Sóc Trăng, ngày 06 tháng 9 năm 2024",
    "KẾ HOẠCH",
    "triển khai các hoạt động hưởng ứng phong trào thi đua Dân vận khéo",
    "Thực hiện Kết luận số 114-KL/TW của Ban Bí thư, Ban Dân vận Tỉnh ủy xây dựng kế hoạch như sau.",
    "Các chi bộ tổ chức tuyên truyền sâu rộng đến đoàn viên, hội viên và nhân dân.",
]


def header_pdf(left: list[str], right: list[str], kind: str, subject: list[str], body: str) -> bytes:
    """A PDF laid out like a signed document: issuer and number in the left column, motto and
    place-date in the right one, then the type, the subject lines, a rule and the body."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()
    y = 20
    for i in range(max(len(left), len(right))):
        for x, width, column in ((15, 80, left), (100, 95, right)):
            if i < len(column):
                pdf.set_font("DejaVu", "B" if i == 0 else "", 12)
                pdf.set_xy(x, y)
                pdf.cell(width, 6, column[i], align="C")
        y += 6
    for text, size in [(kind, 14), *[(line, 13) for line in subject], ("-----", 13)]:
        pdf.set_font("DejaVu", "B", size)
        pdf.set_xy(15, y + 6)
        pdf.cell(180, 7, text, align="C")
        y += 7
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(15, y + 14)
    pdf.multi_cell(180, 7, body)
    return bytes(pdf.output())
