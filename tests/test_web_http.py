"""HTTP details of the web app: methods, HEAD, caching, export slots, links that ignore the Host header,
and page size for long queries (Flask's test client on a real index; waitress where the wire matters)."""
from __future__ import annotations

import csv
import io
import json
import socket
import threading
from urllib.parse import quote

import pytest

from search_app import create_app


@pytest.fixture
def app(mini_home):
    return create_app({"DANVAN_HOME": str(mini_home), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


# --- methods -------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/search", "/search.json", "/export.csv", "/doc/d1", "/directive/25-NQ/TW"])
def test_a_wrong_method_says_which_are_allowed(client, url):
    response = client.post(url)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    if url.endswith((".json", ".csv")):
        assert response.get_json()["error"]["status"] == 405


def test_head_of_an_export_counts_without_a_body(client):
    get = client.get("/export.csv?q=dân")
    body = get.get_data()
    get.close()
    head = client.head("/export.csv?q=dân")
    head_body = head.get_data()
    head.close()
    assert head.status_code == 200 and head_body == b""
    assert head.headers["X-Total-Count"] == get.headers["X-Total-Count"]
    assert int(head.headers["Content-Length"]) == len(body)  # what a GET sends, or nothing


def _raw(port: int, request: bytes) -> bytes:
    """Everything the server sends back for one raw request on a closed-after connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def waitress_port(app):
    """The app behind a real waitress server on a free loopback port."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()


def test_head_of_an_export_sends_no_bytes_after_the_headers_on_the_wire(waitress_port):
    """Waitress ended a streamed HEAD answer with a chunk terminator ("0\\r\\n\\r\\n"): bytes no client expects."""
    answer = _raw(waitress_port, b"HEAD /export.jsonl?q=d%C3%A2n HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"X-Total-Count: " in head
    assert rest == b""


# --- caching -------------------------------------------------------------------------

@pytest.mark.parametrize("url, policy", [
    ("/", "max-age"), ("/search?q=dân", "max-age"), ("/search.json?q=dân", "max-age"), ("/doc/d1", "max-age"),
    ("/doc/d1.json", "max-age"), ("/directive/25-NQ/TW.json", "max-age"), ("/export.csv?q=dân", "max-age"),
    ("/export.jsonl", "max-age"), ("/search.json?page=0", "no-store"), ("/doc/nope", "no-store"),
])
def test_every_answer_says_how_long_it_may_be_cached(client, url, policy):
    response = client.get(url)
    assert policy in response.headers["Cache-Control"], (url, response.headers.get("Cache-Control"))
    response.close()


# --- exports at once ------------------------------------------------------------------

def test_exports_beyond_the_limit_get_429_with_retry_after(mini_home):
    client = create_app({"DANVAN_HOME": str(mini_home), "DANVAN_EXPORTS_AT_ONCE": 1}).test_client()
    running = client.get("/export.csv?q=dân", buffered=False)  # streaming, not yet finished
    assert running.status_code == 200
    refused = client.get("/export.jsonl")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["status"] == 429  # the app's one JSON error shape
    assert refused.headers["Cache-Control"] == "no-store"
    assert client.get("/search.json?q=dân").status_code == 200  # searches are not limited
    rows = running.get_data()
    running.close()  # finished: its slot is free again
    assert len(list(csv.reader(io.StringIO(rows.decode("utf-8-sig"))))) > 1
    again = client.get("/export.jsonl", buffered=False)
    assert again.status_code == 200
    again.close()


def test_a_bad_export_request_frees_its_slot(mini_home):
    client = create_app({"DANVAN_HOME": str(mini_home), "DANVAN_EXPORTS_AT_ONCE": 1}).test_client()
    for _ in range(3):
        assert client.get("/export.csv?year=abc").status_code == 400
    ok = client.get("/export.csv")
    assert ok.status_code == 200
    ok.close()
    assert client.head("/export.csv").status_code == 200  # HEAD gives its slot back at once, unclosed
    assert client.head("/export.csv").status_code == 200
    last = client.get("/export.csv")
    assert last.status_code == 200
    last.close()


# --- Host header ----------------------------------------------------------------------

def _export_links(client, **headers) -> list[str]:
    response = client.get("/export.jsonl?q=dân", headers=headers)
    links = [json.loads(line)["doc_url"] for line in response.get_data(as_text=True).splitlines()]
    response.close()
    return links


def test_export_links_ignore_the_host_header(mini_home):
    plain = create_app({"DANVAN_HOME": str(mini_home)}).test_client()
    links = _export_links(plain, Host="evil.example")
    assert links and all(link.startswith("/doc/") for link in links)
    based = create_app({"DANVAN_HOME": str(mini_home), "DANVAN_BASE_URL": "https://danvan.example.org"}).test_client()
    links = _export_links(based, Host="evil.example")
    assert links and all(link.startswith("https://danvan.example.org/doc/") for link in links)


@pytest.mark.parametrize("url", ["/doc//d1", "//search?q=x", "/directive/25-nq-tw", "/static//style.css"])
def test_redirects_ignore_the_host_header(client, url):
    response = client.get(url, headers={"Host": "evil.example"})
    assert response.status_code in (301, 308)
    location = response.headers["Location"]
    assert "evil.example" not in location and location.startswith("/") and not location.startswith("//")


def test_base_url_is_checked():
    from search_app.headers import BadBaseURL, check_base_url

    assert check_base_url("https://danvan.example.org/") == "https://danvan.example.org"
    for bad in ("danvan.example.org", "ftp://x.org/", "https://x.org/?a=1", "javascript:alert(1)"):
        with pytest.raises(BadBaseURL):
            check_base_url(bad)


# --- page size --------------------------------------------------------------------------

def test_a_long_query_does_not_multiply_the_page(client):
    """A 3 KB query once made a 630 KB page (and JSON): every facet, page and hit link repeated it."""
    words = "công tác dân vận khéo ở cơ sở hòa giải tiếp công dân đơn thư khiếu nại".split()
    long_q = " ".join(words[i % len(words)] for i in range(400))
    short = client.get("/search?q=" + quote("dân vận"))
    long = client.get("/search?q=" + quote(long_q))
    assert long.status_code == 200 and "quá dài" in long.get_data(as_text=True)
    assert len(long.data) < 3 * len(short.data), (len(long.data), len(short.data))  # was 9x
    long_json = client.get("/search.json?q=" + quote(long_q)).data
    short_json = client.get("/search.json?q=" + quote("dân vận")).data
    assert len(long_json) < 6 * len(short_json), (len(long_json), len(short_json))  # was 18x
