"""TCVN3 (ABC) and VNI pages and text: detected by font names and letters, converted to Unicode."""
from __future__ import annotations

import unicodedata

import pytest

from corpus.knowledge import legacy_encodings as le
from corpus.clean.decoding import decode_html
from corpus.store.pipeline import page_fields

# Written as the legacy fonts store them (the well-known look of such pages shown in a Unicode font).
TCVN3_LINES = {
    "Ban D©n vËn TØnh ñy tæ chøc héi nghÞ tæng kÕt c«ng t¸c d©n vËn n¨m 2016":
        "Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2016",
    "§¶ng bé vµ nh©n d©n ViÖt Nam ®oµn kÕt x©y dùng n«ng th«n míi":
        "Đảng bộ và nhân dân Việt Nam đoàn kết xây dựng nông thôn mới",
    "ng­êi d©n ®­îc tuyªn truyÒn vÒ quy chÕ d©n chñ ë c¬ së":
        "người dân được tuyên truyền về quy chế dân chủ ở cơ sở",
}
VNI_LINES = {
    "Ban Daân vaän Tænh uûy toå chöùc hoäi nghò toång keát coâng taùc daân vaän naêm 2016":
        "Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2016",
    "Ñaûng boä vaø nhaân daân Vieät Nam ñoaøn keát xaây döïng noâng thoân môùi":
        "Đảng bộ và nhân dân Việt Nam đoàn kết xây dựng nông thôn mới",
    "ngöôøi daân ñöôïc tuyeân truyeàn veà quy cheá daân chuû ôû cô sôû":
        "người dân được tuyên truyền về quy chế dân chủ ở cơ sở",
}


@pytest.mark.parametrize("encoding, lines", [("tcvn3", TCVN3_LINES), ("vni", VNI_LINES)])
def test_legacy_text_converts_to_unicode_nfc(encoding, lines):
    for legacy, unicode in lines.items():
        got = le.to_unicode(legacy, encoding)
        assert got == unicode and unicodedata.is_normalized("NFC", got)
        assert le.detect(legacy) == encoding  # by the letters alone, no font name


def test_unicode_text_is_left_alone_whatever_the_font_says():
    text = "Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2016; hòa giải, quà tặng"
    assert le.detect(text, [".VnTime"]) is None and le.detect(text, ["VNI-Times"]) is None
    assert le.detect("Café crème brûlée à la carte, déjà vu") is None
    assert le.convert(text) == (text, None)
    with pytest.raises(ValueError, match="tcvn3"):
        le.to_unicode(text, "viscii")


def test_font_names_from_markup():
    html = "<font face='.VnTime'>x</font><p style=\"font-family: 'VNI-Times', serif\">y</p>"
    assert le.fonts_in(html) == [".VnTime", "VNI-Times", "serif"]
    assert le.font_encoding(["Arial", ".VnArialH"]) == "tcvn3" and le.font_encoding(["VNI-Helve"]) == "vni"
    assert le.font_encoding(["Times New Roman", "Verdana"]) is None


def _page(lines: list[str], style: str, charset: str) -> str:
    head = f"<meta http-equiv='Content-Type' content='text/html; charset={charset}'>" if charset else ""
    paragraphs = "".join(f"<p>{line}. {line}.</p>" for line in lines[1:])
    return (f"<html><head>{head}<title>{lines[0]}</title></head><body {style}>"
            f"<table><tr><td><b>{lines[0]}</b></td></tr><tr><td>{paragraphs * 8}</td></tr></table></body></html>")


@pytest.mark.parametrize("encoding, lines, style", [
    ("tcvn3", TCVN3_LINES, "><font face='.VnTime'"),
    ("vni", VNI_LINES, "style=\"font-family: 'VNI-Times'\""),
])
@pytest.mark.parametrize("charset", ["", "windows-1252", "iso-8859-1"])
def test_legacy_page_is_read_in_unicode(encoding, lines, style, charset):
    data = _page(list(lines), style, charset).encode("latin-1")
    fields = page_fields(data)
    expected = list(lines.values())
    assert fields is not None
    assert fields["title"] == expected[0]
    assert expected[1] in fields["text"] and expected[2] in fields["text"]
    assert "Tỉnh ủy" in decode_html(data)


def test_windows_1258_combining_marks_still_come_out_nfc():
    text = "Công tác dân vận của Đảng ở cơ sở, hòa giải"
    page = f"<html><head><meta charset='windows-1258'></head><body><p>{text}</p></body></html>"
    raw = _cp1258(page)
    assert raw != page.encode("utf-8") and decode_html(raw).count(text) == 1


def _cp1258(text: str) -> bytes:
    """Encode NFC text as Windows-1258 does: precomposed base letters plus combining tone marks."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base, marks = decomposed[0], decomposed[1:]
            tone = "".join(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
            rest = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tone))
            out.append((rest + tone).encode("cp1258"))
    return b"".join(out)
