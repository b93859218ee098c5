"""Bad files in an import batch: each gets a specific rejection or a best-effort
document, and the rest of the batch is imported."""
from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.htmlclean import parse_html
from corpus.importer import MAX_HTML_BYTES, MAX_TEXT_CHARS, import_paths
from corpus.store import Store

TITLE = "Phong trào dân vận khéo ở Bắc Quang"
PARAGRAPH = ("<p>Hội Phụ nữ huyện Bắc Quang triển khai phong trào thi đua Dân vận khéo, thực hiện Nghị quyết "
             "25-NQ/TW với nhiều mô hình hay, thiết thực, được nhân dân đồng tình hưởng ứng.</p>\n")


def article(charset: str = "utf-8", paragraphs: int = 5) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f"<html><head>{meta}<title>{TITLE}</title></head><body>"
            f'<div class="menu"><a href="/">Trang chủ</a> <a href="/tin">Tin tức</a></div>'
            f'<article class="post"><h1>{TITLE}</h1><div class="date">15:15, 01/07/2022</div>'
            + PARAGRAPH * paragraphs + "</article></body></html>")


def windows_1258(text: str) -> bytes:
    """Text as a Vietnamese Windows page: composed base letters, separate tone marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
                   + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


GOOD = article().encode()
# name -> (bytes, expected: a problem substring, or None for a best-effort document with the title)
CASES = {
    "good.html": (GOOD, None),
    "empty.html": (b"", "empty file"),
    "blank.html": (b"  \n\t \r\n", "empty file"),
    "binary.html": (bytes(range(256)) * 64, "binary"),
    "image.html": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(4000), "binary"),
    "truncated.html": (GOOD[: len(GOOD) * 2 // 3], None),
    "truncated-mid-character.html": (GOOD[: GOOD.index("Bắc".encode()) + 1 + 600], None),
    "cp1258-declared-utf8.html": (windows_1258(article("utf-8")), None),
    "utf8-declared-cp1258.html": (article("windows-1258").encode(), None),
    "cp1258-undeclared.html": (windows_1258(article("")), None),
    "unknown-charset.html": (article("x-no-such-charset").encode(), None),
    "utf16.html": (article("utf-8").encode("utf-16"), None),
    "nested.html": (("<html><body>" + "<div>" * 10_000 + PARAGRAPH * 3 + "</div>" * 10_000
                     + "</body></html>").encode(), "not an article"),
    "nested-unclosed.html": (("<html><body>" + "<span><b>" * 10_000 + "Dân vận khéo " * 50).encode(), "not an article"),
    "listing.html": (("<html><body>" + "".join(f'<p><a href="/t/{i}">Tin số {i} về dân vận</a></p>' for i in range(40))
                      + "</body></html>").encode(), "not an article"),
    "binary.txt": (b"\x00\x01\x02\xff" * 100, "binary"),
    "good.txt": ("Dân vận khéo ở Bắc Quang\n\nHội Phụ nữ huyện triển khai phong trào thi đua dân vận khéo.\n".encode(), None),
    "notes.pdf": (b"%PDF-1.4", "corrupt pdf"),  # document files are read now (issue 17)
    "sheet.xls": (b"\xd0\xcf\x11\xe0", "unknown file type"),
}


def test_every_bad_file_gets_a_specific_rejection_and_the_batch_goes_on(tmp_path):
    for name, (data, _) in CASES.items():
        (tmp_path / name).write_bytes(data)
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [tmp_path / name for name in CASES] + [tmp_path / "missing.html"])
        problems = {where.rsplit("/", 1)[-1]: why for where, why in report.problems}
        for name, (_, expected) in CASES.items():
            if expected is None:
                assert name not in problems, (name, problems.get(name))
            else:
                assert expected in problems[name], (name, problems[name])
        assert "no such file" in problems["missing.html"]
        good = [n for n, (_, e) in CASES.items() if e is None]
        assert report.imported == len(good) == store.count()
        titles = [doc.title for doc in store if "25-NQ/TW" in doc.text]
        assert len(titles) == len(good) - 1 and all(t == TITLE for t in titles)  # charset mix-ups decoded, NFC
        assert all(unicodedata.is_normalized("NFC", doc.text) and "\ufffd" not in (doc.title or "") for doc in store)


def test_oversized_inputs_are_rejected_fast(tmp_path):
    huge = tmp_path / "huge.html"  # 50 MB + 1 byte, sparse: the size check must not read it
    with huge.open("wb") as f:
        f.truncate(50 * 2**20 + 1)
    big = tmp_path / "big.html"
    big.write_bytes(GOOD.replace(b"</article>", PARAGRAPH.encode() * (MAX_HTML_BYTES // len(PARAGRAPH.encode()) + 1)
                                 + b"</article>"))
    long_text = tmp_path / "long.jsonl"
    long_text.write_text('{"text": "%s"}\n{"text": "Dân vận khéo."}\n' % ("dân vận " * (MAX_TEXT_CHARS // 8 + 1)),
                         encoding="utf-8")
    started = time.monotonic()
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [huge, big, long_text])
        assert store.count() == 1  # the short JSONL record after the long one
    assert time.monotonic() - started < 10
    problems = dict(report.problems)
    assert "larger than 50 MB" in problems[str(huge)]
    assert "larger than 5 MB" in problems[str(big)]
    assert "longer than" in problems[f"{long_text}:1"]


def test_a_big_page_with_a_normal_article_is_cleaned(tmp_path):
    """4 MB of boilerplate around a normal article: best effort, in seconds."""
    boiler = '<div class="sidebar">' + '<a href="/x">Tin khác về công tác dân vận</a> ' * 60_000 + "</div>"
    page = article().replace("</body>", boiler + "</body>").encode()
    assert 3 * 2**20 < len(page) < MAX_HTML_BYTES
    started = time.monotonic()
    fields = parse_html(page)
    assert time.monotonic() - started < 15
    assert fields is not None and fields["title"] == TITLE and "Tin khác" not in fields["text"]


@settings(max_examples=40, deadline=None, database=None)
@given(data=st.one_of(st.binary(max_size=3000),
                      st.builds(lambda cut, junk: GOOD[:cut] + junk, st.integers(0, len(GOOD)), st.binary(max_size=200)),
                      st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_parse_html_never_raises_on_arbitrary_bytes(data):
    fields = parse_html(data)
    assert fields is None or isinstance(fields.get("text"), str)


@pytest.mark.parametrize("line", [b'{"text": 5}', b"[1, 2]", b"{broken", b"\xff\xfe\x00", b'{"text": "x", "year": "abc"}',
                                  b'{"text": "x", "directives": "25-NQ/TW"}', b'"just a string"', b"null"])
def test_bad_jsonl_lines_are_skipped_with_a_reason(tmp_path, line):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"text": "D\xc3\xa2n v\xe1\xba\xadn kh\xc3\xa9o."}\n' + line + b'\n{"text": "C\xc3\xb4ng t\xc3\xa1c d\xc3\xa2n v\xe1\xba\xadn."}\n')
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [path])
        assert store.count() == 2
    (where, why), = report.problems
    assert where == f"{path}:2" and why
