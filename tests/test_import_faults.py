"""Bad files in an import batch: each gets a specific rejection or a best-effort
document, and the rest of the batch is imported."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.clean.htmlclean import parse_html
from corpus.store.importer import MAX_HTML_BYTES, MAX_TEXT_CHARS, import_paths
from corpus.store.db import Store
from tests.conftest import bytes_read, hang_guard

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
    before = bytes_read()
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [huge, big, long_text])
        assert store.count() == 1  # the short JSONL record after the long one
    assert bytes_read() - before < 20 * 2**20  # sizes checked before reading: the 50 MB file is never read
    problems = dict(report.problems)
    assert "larger than 50 MB" in problems[str(huge)]
    assert "larger than 5 MB" in problems[str(big)]
    assert "longer than" in problems[f"{long_text}:1"]


def test_a_big_page_with_a_normal_article_is_cleaned(tmp_path):
    """4 MB of boilerplate around a normal article: best effort, in seconds."""
    boiler = '<div class="sidebar">' + '<a href="/x">Tin khác về công tác dân vận</a> ' * 60_000 + "</div>"
    page = article().replace("</body>", boiler + "</body>").encode()
    assert 3 * 2**20 < len(page) < MAX_HTML_BYTES
    with hang_guard(120):
        fields = parse_html(page)
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


# --- hostile lines and files (issue 14.9, 14.10, 14.14) -----------------------------

import gzip  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOOD_LINE = '{"text": "Dân vận khéo ở cơ sở."}'
HOSTILE_LINES = {
    "nested 100,000 deep": '{"text": "x", "author": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "an object as author": '{"text": "Dân vận.", "author": {"name": "A"}}',
    "a year of 10^30": '{"text": "Dân vận.", "year": 1' + "0" * 30 + "}",
    "a list of objects as attachments": '{"text": "Dân vận.", "attachments": [{"url": "x"}]}',
    "a number as title": '{"text": "Dân vận.", "title": 5}',
    "a 5,000-digit number": '{"text": "Dân vận.", "year": ' + "9" * 5000 + "}",
}


def danvan(*args, home, timeout=120, memory=None):
    """The real CLI in a subprocess; ``memory`` caps its address space (bytes)."""
    def limit():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DANVAN_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout, preexec_fn=limit)


def test_hostile_lines_are_skipped_with_their_number_and_the_import_goes_on(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join([GOOD_LINE, *HOSTILE_LINES.values(), '{"text": "Công tác dân vận."}']) + "\n",
                     encoding="utf-8")
    second.write_text('{"text": "Hoà giải ở cơ sở."}\n', encoding="utf-8")
    result = danvan("import", first, second, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert [line.split(": ")[0] for line in skipped] == [f"skipped {first}:{n}" for n in range(2, 2 + len(HOSTILE_LINES))]
    assert "nested too deeply" in skipped[0] and "author must be a string, not an object" in skipped[1]
    assert "year must be a year from 1900 to 2100" in skipped[2] and "list of strings" in skipped[3]
    assert "title must be a string" in skipped[4] and "4300 digits" in skipped[5]
    assert f"imported 3 documents (3 new, 0 updated, 0 unchanged); {len(HOSTILE_LINES)} skipped" in result.stdout


def test_batch_search_answers_every_line_even_hostile_ones(mini_home, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_bytes(b"\n".join([json.dumps({"qid": "a", "query": "dân vận khéo"}).encode(),
                                  b'{"qid": "deep", "query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                                  b'{"qid": "bad-bytes", "query": "d\xe2n v\xe2n"}',
                                  b"x" * (17 * 2**20),
                                  b'{"qid": "half", "query": "d\\ud800n"}',
                                  json.dumps({"qid": "z", "query": "hoà giải"}).encode()]))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(mini_home), "DANVAN_HOME": str(mini_home)}
    result = subprocess.run([sys.executable, "-m", "cli", "search", "--batch", str(batch)], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr  # 2: some lines not run
    assert "2 of 6 batch lines not run" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("qid") for line in lines] == ["a", None, "bad-bytes", None, "half", "z"]
    assert lines[1]["line"] == 2 and "nested too deeply" in lines[1]["error"]
    assert lines[3]["line"] == 4 and "longer than" in lines[3]["error"]
    assert lines[0]["total"] and lines[5]["total"]


def test_what_is_not_a_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD_LINE, encoding="utf-8")
    # Before: the FIFO hung the import and /dev/zero ate the memory (capped here at 1 GB).
    result = danvan("import", fifo, zero, good, home=tmp_path / "home", timeout=60, memory=2**30)
    assert result.returncode == 0, result.stderr
    assert f"skipped {fifo}: not a regular file" in result.stderr
    assert f"skipped {zero}: not a regular file" in result.stderr
    assert "imported 1 documents" in result.stdout and "2 skipped" in result.stdout


def test_a_utf8_file_with_bad_bytes_keeps_its_good_text_and_reports_the_rest(tmp_path):
    text = ("Phong trào dân vận khéo ở Bắc Quang\n\nHội Phụ nữ huyện Bắc Quang triển khai phong trào thi đua. "
            "Mô hình dân vận khéo được nhân dân đồng tình hưởng ứng.")
    data = bytearray(text.encode())
    spoilt = [at for at in range(60, len(data)) if 0x20 < data[at] < 0x80][:40:10]  # four ASCII letters
    for at in spoilt:
        data[at] = 0xFF
    (tmp_path / "bad.txt").write_bytes(bytes(data))
    line = bytearray(json.dumps({"id": "j", "text": text}, ensure_ascii=False).encode())
    line[40] = 0xFF
    (tmp_path / "bad.jsonl").write_bytes(bytes(line) + b"\n")
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [tmp_path / "bad.txt", tmp_path / "bad.jsonl"])
        assert report.imported == 2 and not report.problems
        docs = {doc.id: doc for doc in store}
    notes = dict(report.notes)
    assert notes[str(tmp_path / "bad.txt")] == f"4 invalid UTF-8 sequences (the first at byte {spoilt[0]}), shown as U+FFFD"
    assert "invalid UTF-8 sequence" in notes[f"{tmp_path / 'bad.jsonl'}:1"]
    for doc in docs.values():
        assert "Mô hình dân vận khéo được nhân dân đồng tình hưởng ứng." in doc.text
        assert 1 <= doc.text.count("\ufffd") <= 4


def test_a_cp1258_file_is_never_stored_as_mojibake(tmp_path):
    text = "Dân vận khéo ở Bắc Quang\n\nHội Phụ nữ huyện triển khai phong trào thi đua, được nhân dân đồng tình."
    (tmp_path / "old.txt").write_bytes(windows_1258(text))
    (tmp_path / "old.jsonl").write_bytes(windows_1258(json.dumps({"id": "j", "title": "Dân vận",
                                                                  "text": text}, ensure_ascii=False)) + b"\n")
    (tmp_path / "short.jsonl").write_bytes("{\"id\": \"s\", \"text\": \"Dân khéo\"}\n".encode("cp1258"))
    with Store(tmp_path / "db" / "db.sqlite") as store:
        report = import_paths(store, sorted(tmp_path.glob("*.*")))
        texts = sorted(doc.text for doc in store)
    assert not report.problems and report.imported == 3
    assert texts[0] == "Dân khéo"
    assert all("Hội Phụ nữ huyện triển khai phong trào thi đua" in t for t in texts[1:]), texts
    assert all(why.endswith("read as cp1258") for _, why in report.notes), report.notes


def test_a_broken_compressed_file_keeps_the_lines_before_the_break(tmp_path):
    whole = gzip.compress("".join(f'{{"id": "d{i}", "text": "Dân vận khéo {i}."}}\n' for i in range(2000)).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    after = tmp_path / "after.jsonl"
    after.write_text(GOOD_LINE, encoding="utf-8")
    with Store(tmp_path / "db.sqlite") as store:
        report = import_paths(store, [path, after])
    (where, why), = report.problems
    assert where.startswith(f"{path}:") and "cannot read on after line" in why
    assert 0 < report.imported - 1 == int(where.rsplit(":", 1)[1]) - 1


def test_a_string_cut_mid_emoji_is_mended_not_fatal(tmp_path):
    """JSON may escape half a surrogate pair ("\\ud83c", a JavaScript substring); Unicode may not."""
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "a", "text": "Dân vận khéo \\ud83c", "title": "x\\udc00y"}\n'
                    '{"id": "b", "text": "Cờ \\ud83c\\uddfb\\ud83c\\uddf3 nguyên vẹn"}\n', encoding="utf-8")
    result = danvan("import", path, home=tmp_path / "home")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"note {path}:1: 2 lone surrogate escape(s) (not Unicode) shown as U+FFFD" in result.stderr
    docs = {json.loads(line)["id"]: json.loads(line) for line in danvan("export", home=tmp_path / "home").stdout.splitlines()}
    assert docs["a"]["text"] == "Dân vận khéo \ufffd" and docs["a"]["title"] == "x\ufffdy"
    assert docs["b"]["text"] == "Cờ 🇻🇳 nguyên vẹn"
