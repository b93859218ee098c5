"""Shared fixtures: the ../shared test data, and small real corpora and indexes."""
from __future__ import annotations

import contextlib
import gc
import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``shared`` when ../shared is not beside the repo."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"needs the shared test data in {SHARED}")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _nothing_left_frozen():
    """A test that runs ``serve`` (waitress mocked) freezes what the test process holds; the next test starts thawed."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


def respond(handler, status: int, body: bytes = b"", headers=()) -> None:
    """Send a whole response from a test server's request handler (a client that hung up is fine)."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:  # the crawler gave up waiting, or the connection was reset
        pass


@contextlib.contextmanager
def hang_guard(seconds: int = 300):
    """Fail a test that hangs, instead of stalling the run: a guard, not a speed assertion (no timing in pytest)."""
    def hung(signum, frame):
        raise AssertionError(f"still running after {seconds} s: hung")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def bytes_read() -> int:
    """Bytes this process has read through system calls so far (Linux ``/proc/self/io`` rchar)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared directory (tests using it must be marked ``shared``)."""
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared test data in {SHARED}")
    return SHARED


MINI = [
    # id, title, text, published, province, province_2025, directives
    ("d1", "Phong trào Dân vận khéo ở Hà Giang",
     "Hội Phụ nữ huyện Bắc Quang triển khai phong trào thi đua Dân vận khéo, thực hiện Nghị quyết 25-NQ/TW.",
     "2019-05-16", "Hà Giang", "Tuyên Quang", ["25-NQ/TW"]),
    ("d2", "Sơ kết công tác dân vận 6 tháng đầu năm",
     "Tỉnh ủy sơ kết công tác dân vận và thực hiện quy chế dân chủ ở cơ sở theo Chỉ thị 16/CT-TTg.",
     "2022-07-01", "Hà Giang", "Tuyên Quang", ["16/CT-TTg"]),
    ("d3", "Hoà giải ở cơ sở",
     "Tổ hoà giải thôn phối hợp tiếp công dân, giải quyết đơn thư theo Chỉ thị 16/CT-TTg và Nghị quyết 25-NQ/TW.",
     "2019-03-14", "Vĩnh Long", "Vĩnh Long", ["16/CT-TTg", "25-NQ/TW"]),
    ("d4", "Tháng Dân vận năm 2025",
     "Các mô hình dân vận khéo được nhân rộng trong Tháng Dân vận, theo Quyết định 23-QĐ/TW.",
     "2025-10-16", "Tuyên Quang", "Tuyên Quang", ["23-QĐ/TW"]),
    ("d5", "Hòa giải viên giỏi",
     "Hội nghị tập huấn kỹ năng hòa giải cho hòa giải viên ở cơ sở.",
     None, "Quảng Ninh", "Quảng Ninh", []),
    ("d6", "Xóa nhà tạm <script>alert(1)</script>",
     "Lực lượng vũ trang giúp đồng bào xóa nhà tạm, nhà dột nát. <b>không đậm</b>",
     "2024-11-05", None, None, ["1719/QĐ-TTg"]),
]


def mini_documents():
    """Small hand-written Documents covering provinces, years and directives."""
    from corpus.store.document import Document

    return [
        Document(id=i, title=t, text=x, published=p, year=int(p[:4]) if p else None,
                 province=pr, province_2025=p25, directives=d)
        for i, t, x, p, pr, p25, d in MINI
    ]


@pytest.fixture
def mini_home(tmp_path):
    """A data dir with the mini corpus stored and indexed."""
    return build_home(tmp_path, mini_documents())


def build_home(path: Path, docs) -> Path:
    """A data dir at ``path`` holding ``docs``, stored and indexed."""
    from corpus.store import config
    from corpus.store.db import Store
    from indexer.build import update_index

    with Store(config.store_path(path)) as store:
        store.upsert_many(docs)
        update_index(store, config.index_path(path))
    return path


@pytest.fixture
def mini_service(mini_home):
    from corpus.store import config
    from indexer.search import SearchService

    return SearchService(config.index_path(mini_home))


@pytest.fixture(scope="session")
def make_mini_documents():
    """``mini_documents`` for module-scoped fixtures that build their own data dirs."""
    return mini_documents


def url_states(store) -> dict[str, int]:
    """URLs per state in the crawl tables (SQL in the test: the crawl itself never needs the tally)."""
    return dict(store.db.execute("SELECT state, count(*) FROM crawl_urls GROUP BY state").fetchall())


def raw_page_count(store) -> int:
    """Pages and files archived for recleaning."""
    return store.db.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
