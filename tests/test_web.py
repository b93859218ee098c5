"""The web app through Flask's test client, on a real index of the mini corpus."""
import csv
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import template_rendered

from search_app import create_app
from tests.conftest import build_home


def extra_documents():
    """One document with everything a document page can show."""
    from corpus.store.document import Document

    return [Document(
        id="d7", title="Tập huấn kỹ năng dân vận cho cán bộ cơ sở",
        text="Đoạn thứ nhất nói về kỹ năng dân vận.\n\nĐoạn thứ hai nhắc Chỉ thị 16/CT-TTg và <i>thẻ lạ</i>.",
        url="https://quangninh.example.vn/tin/tap-huan.html", source="Ban Dân vận Tỉnh ủy Quảng Ninh",
        author="Minh Anh", published="2023-04-02", year=2023, province="Quảng Ninh", province_2025="Quảng Ninh",
        directives=["16/CT-TTg"], directives_partial=["Nghị quyết 12 của Tỉnh ủy"],
        attachments=["https://quangninh.example.vn/files/ke-hoach.pdf", "javascript:alert(2)"],
    ), Document(id="tin/8 ảnh?", title="Mã có dấu gạch chéo", text="Dân vận ở cơ sở.", published="2018-01-02",
                year=2018)]


@pytest.fixture(scope="module")
def web_home(tmp_path_factory, make_mini_documents):
    return build_home(tmp_path_factory.mktemp("web"), make_mini_documents() + extra_documents())


@pytest.fixture(scope="module")
def app(web_home):
    return create_app({"DANVAN_HOME": str(web_home), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def contexts(app):
    """The ``ctx`` of every template rendered during a test."""
    seen = []

    def record(sender, template, context, **extra):
        if "ctx" in context:
            seen.append(context["ctx"])

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def args_of(url):
    return parse_qs(urlsplit(url).query)


# --- search -------------------------------------------------------------------------

def test_search_page_shows_hits_facets_and_keeps_the_query(client):
    html = client.get("/search?q=dân+vận+khéo").get_data(as_text=True)
    assert 'value="dân vận khéo"' in html
    assert "Phong trào Dân vận khéo ở Hà Giang" in html
    assert "<mark>" in html
    assert 'href="/directive/25-NQ/TW"' in html  # cited directives as chips
    assert re.search(r'data-total="2"', html)
    assert "Tỉnh/thành" in html and "Năm" in html
    assert "<svg" in html and "<rect" in html  # the year chart
    assert 'lang="vi"' in html


def test_home_page_lists_newest_documents(client):
    data = get_json(client, "/search.json")
    assert data["total"] == 8
    dates = [h["published"] for h in data["hits"] if h["published"]]
    assert dates == sorted(dates, reverse=True)
    assert client.get("/").status_code == 200


def test_queries_work_without_diacritics(client):
    accented = get_json(client, "/search.json?q=dân+vận+khéo")
    plain = get_json(client, "/search.json?q=dan+van+kheo")
    assert {h["id"] for h in plain["hits"]} == {h["id"] for h in accented["hits"]}


@pytest.mark.parametrize("url, template", [
    ("/search?q=dân+vận", "search"),
    ("/search?q=dân+vận&province=Hà+Giang&year=2019&sort=date&limit=1", "search"),
    ("/?directive=16/CT-TTg&date_from=2019-01-01", "search"),
    ("/doc/d7?q=kỹ+năng", "doc"),
    ("/directive/16/CT-TTg", "directive"),
])
def test_json_twin_is_the_html_context(client, contexts, url, template):
    html = client.get(url)
    assert html.status_code == 200
    path, _, query = url.partition("?")
    path = "/search" if path == "/" else path
    data = get_json(client, f"{path}.json" + (f"?{query}" if query else ""))
    (ctx,) = contexts
    expected = json.loads(json.dumps(ctx))  # tuples become lists, as in any JSON
    expected.pop("elapsed_ms", None)
    data.pop("elapsed_ms", None)
    assert data == expected


def test_facet_toggle_urls_filter_and_unfilter(client):
    base = get_json(client, "/search.json?q=dân+vận")
    hg = next(v for v in base["facets"]["province"] if v["value"] == "Hà Giang")
    assert not hg["selected"]
    assert args_of(hg["toggle_url"]) == {"q": ["dân vận"], "province": ["Hà Giang"]}

    one = get_json(client, hg["toggle_url"].replace("/search", "/search.json", 1))
    assert one["total"] == hg["count"] < base["total"]
    assert {h["province"] for h in one["hits"]} == {"Hà Giang"}
    selected = next(v for v in one["facets"]["province"] if v["value"] == "Hà Giang")
    assert selected["selected"]
    # Counts of a facet ignore its own selection, so another value can be added.
    tq = next(v for v in one["facets"]["province"] if v["value"] == "Tuyên Quang")
    two = get_json(client, tq["toggle_url"].replace("/search", "/search.json", 1))
    assert two["total"] == hg["count"] + tq["count"]
    assert [c["value"] for c in two["selected"]] == ["Hà Giang", "Tuyên Quang"]

    back = get_json(client, selected["toggle_url"].replace("/search", "/search.json", 1))
    assert back["total"] == base["total"]


def test_selection_chips_and_clear_all(client):
    data = get_json(client, "/search.json?q=dân+vận&province=Hà+Giang&year=2019&date_to=2020-01-01")
    assert [(c["name"], c["value"]) for c in data["selected"]] == [
        ("province", "Hà Giang"), ("year", "2019"), ("date_to", "2020-01-01")]
    after = get_json(client, data["selected"][1]["remove_url"].replace("/search", "/search.json", 1))
    assert "year" not in after["filters"]
    assert args_of(data["clear_url"]) == {"q": ["dân vận"]}
    html = client.get("/search?q=dân+vận&province=Hà+Giang").get_data(as_text=True)
    assert 'aria-label="Bỏ lọc Tỉnh/thành: Hà Giang"' in html


def test_province_switch_to_2025_names(client):
    html = client.get("/search?q=dân+vận&provinces=2025").get_data(as_text=True)
    facet_links = re.findall(r'href="([^"]*province_2025=[^"]*)"', html)
    assert facet_links and all("provinces=2025" in link for link in facet_links)
    assert ">Hà Giang<" not in html.split('id="facet-province"')[1].split("</section>")[0]
    data = get_json(client, "/search.json?q=dân+vận&province_2025=Tuyên+Quang&provinces=2025")
    assert {h["province_2025"] for h in data["hits"]} == {"Tuyên Quang"}
    assert {h["province"] for h in data["hits"]} >= {"Hà Giang", "Tuyên Quang"}


def test_filters_are_canonicalised_so_toggles_still_match(client):
    data = get_json(client, "/search.json?directive=16/ct+-+ttg")
    assert data["filters"]["directive"] == ["16/CT-TTg"]
    chosen = next(v for v in data["facets"]["directive"] if v["value"] == "16/CT-TTg")
    assert chosen["selected"] and "directive" not in args_of(chosen["toggle_url"])


def test_pagination_and_sort(client):
    data = get_json(client, "/search.json?limit=2&sort=date")
    assert data["pages"] == 4 and data["pagination"]["next_url"]
    page2 = get_json(client, data["pagination"]["next_url"].replace("/search", "/search.json", 1))
    assert page2["page"] == 2 and page2["first_rank"] == 3
    assert not {h["id"] for h in page2["hits"]} & {h["id"] for h in data["hits"]}
    assert args_of(data["sort_urls"]["relevance"]).get("sort") is None
    far = client.get("/search?limit=2&page=50")
    assert far.status_code == 200 and "Về trang đầu" in far.get_data(as_text=True)


def test_no_results_page_helps(client):
    response = client.get("/search?q=zzzkhongcotu")
    assert response.status_code == 200
    assert "Không tìm thấy kết quả nào" in response.get_data(as_text=True)


def test_suggestion_and_related_documents_render(app, client, monkeypatch):
    assert "Có phải bạn muốn tìm" not in client.get("/search?q=dân+vận+khéo").get_data(as_text=True)
    data = get_json(client, "/search.json?q=dân+vân+khéo")
    assert data["suggestion"]["query"] == "dân vận khéo"
    assert args_of(data["suggestion"]["url"])["q"] == ["dân vận khéo"]
    assert "Có phải bạn muốn tìm" in client.get("/search?q=dân+vân+khéo").get_data(as_text=True)

    similar = get_json(client, "/doc/d1.json")["similar"]
    assert similar and all(item["id"] != "d1" for item in similar)
    doc = client.get("/doc/d1").get_data(as_text=True)
    assert "Tài liệu tương tự" in doc and f'href="/doc/{similar[0]["id"]}"' in doc

    service = app.extensions["danvan"].service()
    monkeypatch.setattr(service, "near_duplicates", lambda doc_id: [{"id": "d2", "title": "<b>x</b>"}])
    assert "&lt;b&gt;x&lt;/b&gt;" in client.get("/doc/d1").get_data(as_text=True)


# --- escaping and headers -----------------------------------------------------------

def test_script_in_a_title_renders_inert_everywhere(client):
    for url in ("/search?q=nhà+tạm", "/doc/d6", "/directive/1719/QĐ-TTg", "/search?q=<script>alert(1)</script>"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html, url
        assert "alert(1)" in html or "nhà tạm" in html
    assert "Xóa nhà tạm &lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/doc/d6").get_data(as_text=True)
    doc = client.get("/doc/d6").get_data(as_text=True)
    assert "&lt;b&gt;không đậm&lt;/b&gt;" in doc and "<b>không đậm" not in doc


def test_pages_hold_no_inline_script_or_style(client):
    for url in ("/", "/search?q=dân+vận&year=2019", "/doc/d7", "/directive/25-NQ/TW", "/doc/nope"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html and 'href="javascript:' not in html, url
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers
        assert not re.search(r"(src|href)=\"(https?:)?//", html.replace('href="https://quangninh', "")), url


@pytest.mark.parametrize("url", ["/", "/search.json?q=x", "/doc/nope", "/export.csv?q=dân", "/static/style.css",
                                 "/search?page=-1"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


# --- errors -------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("page=-1", "page"), ("page=abc", "page"), ("page=10001", "page"), ("limit=500", "limit"),
    ("year=abc", "year"), ("sort=random", "sort"), ("date_from=2020-02-30", "date_from"),
    ("province=Atlantis", "province"), ("province_2025=Hà+Giang", "province_2025"), ("directive=hello", "directive"),
])
def test_bad_parameters_get_400_pages_and_one_json_shape(client, query, parameter):
    html = client.get(f"/search?{query}")
    assert html.status_code == 400
    assert "Tham số không hợp lệ" in html.get_data(as_text=True)
    data = get_json(client, f"/search.json?{query}", 400)
    assert set(data) == {"error"}
    assert data["error"]["status"] == 400 and data["error"]["message"]
    assert data["error"]["parameter"] == parameter
    assert client.get(f"/export.csv?{query}").status_code == 400


@pytest.mark.parametrize("url, parameter, meant", [
    ("/search.json?q=d%C3%A2n&provnce=H%C3%A0+Giang", "provnce", "province"),
    ("/search.json?q=d%C3%A2n&yaer=2019", "yaer", "year"),
    ("/search.json?q=d%C3%A2n&date-from=2019-01-01", "date-from", "date_from"),
    ("/trends.json?q=d%C3%A2n+v%E1%BA%ADn&provinse_2025=Vinh+Long", "provinse_2025", "province_2025"),
    ("/export.csv?q=d%C3%A2n&limt=5", "limt", "limit"),
    ("/export.jsonl?q=d%C3%A2n&drective=16%2FCT-TTg", "drective", "directive"),
    ("/directive/16/CT-TTg.json?pgae=2", "pgae", "page"),
    ("/directives.json?isuer=B%E1%BB%99", "isuer", "issuer"),
])
def test_unknown_parameters_on_machine_endpoints_are_named_with_the_closest(client, url, parameter, meant):
    data = get_json(client, url, 400)
    assert data["error"]["parameter"] == parameter
    assert f"«{meant}»" in data["error"]["message"] and parameter in data["error"]["message"]


def test_pages_ignore_parameters_a_browser_or_a_shared_link_adds(client):
    for url in ("/search?q=d%C3%A2n&utm_source=zalo&fbclid=x", "/trends?q=d%C3%A2n&utm_source=zalo",
                "/directives?ref=home"):
        assert client.get(url).status_code == 200, url
    # Every parameter the result page itself puts in a link or a form is accepted by the JSON twin.
    page = get_json(client, "/search.json?q=d%C3%A2n&provinces=2025&limit=5&sort=date&date_from=2000-01-01", 200)
    assert page["province_view"] == "2025" and page["limit"] == 5
    for url in (page["json_url"], page["export"]["csv"], page["export"]["jsonl"]):
        assert client.get(url).status_code == 200, url


def test_a_huge_query_is_cut_with_a_notice(client):
    response = client.get("/search?q=" + "dân+vận+" * 1500)
    assert response.status_code == 200
    assert "quá dài" in response.get_data(as_text=True)
    assert client.get("/search?q=%00%01%ff%fe").status_code == 200


@pytest.mark.parametrize("url", ["/doc/nope", "/doc/nope.json", "/doc/" + "x" * 5000, "/doc/..%2F..%2Fetc%2Fpasswd",
                                 "/nothing", "/nothing.json", "/directive/hello", "/directive/hello.json"])
def test_unknown_things_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    if url.endswith(".json"):
        assert response.get_json()["error"]["status"] == 404
    else:
        assert "Về trang tìm kiếm" in response.get_data(as_text=True)


def test_wrong_method_is_405_not_500(client):
    assert client.post("/search").status_code == 405


def test_no_index_is_a_friendly_503_until_one_is_built(tmp_path, make_mini_documents):
    client = create_app({"DANVAN_HOME": str(tmp_path)}).test_client()
    page = client.get("/")
    assert page.status_code == 503 and "danvan index" in page.get_data(as_text=True)
    assert get_json(client, "/search.json", 503)["error"]["title"] == "Chưa có chỉ mục"
    assert client.get("/doc/d1").status_code == 503
    build_home(tmp_path, make_mini_documents())
    assert client.get("/").status_code == 200  # picked up without a restart


def test_an_empty_index_says_so(tmp_path):
    client = create_app({"DANVAN_HOME": str(build_home(tmp_path, []))}).test_client()
    page = client.get("/")
    assert page.status_code == 200 and "chưa có tài liệu nào" in page.get_data(as_text=True)
    assert get_json(client, "/search.json?q=dân")["total"] == 0


def test_create_app_touches_nothing(tmp_path):
    create_app({"DANVAN_HOME": str(tmp_path / "later")})
    assert not (tmp_path / "later").exists()


# --- documents and directives -------------------------------------------------------

def test_document_page_shows_metadata_text_and_links(client):
    html = client.get("/doc/d7?q=kỹ+năng").get_data(as_text=True)
    assert "<h1>Tập huấn kỹ năng dân vận cho cán bộ cơ sở</h1>" in html
    assert "Ban Dân vận Tỉnh ủy Quảng Ninh" in html and "Minh Anh" in html and "02/04/2023" in html
    assert "<mark>kỹ</mark> <mark>năng</mark>" in html
    assert "&lt;i&gt;thẻ lạ&lt;/i&gt;" in html
    assert html.count("<p>Đoạn") == 2  # paragraphs kept
    assert 'href="/directive/16/CT-TTg"' in html
    assert 'href="https://quangninh.example.vn/files/ke-hoach.pdf"' in html
    assert "javascript:alert(2)" in html and 'href="javascript' not in html  # shown, never linked
    assert "Nghị quyết 12 của Tỉnh ủy" in html
    assert 'href="/search?q=k%E1%BB%B9+n%C4%83ng"' in html  # back to the results


def test_any_document_id_round_trips_through_its_link(client):
    data = get_json(client, "/search.json?q=gạch+chéo")
    (hit,) = data["hits"]
    assert hit["doc_url"] == "/doc/tin%2F8%20%E1%BA%A3nh%3F?q=g%E1%BA%A1ch+ch%C3%A9o"
    assert "Mã có dấu gạch chéo" in client.get(hit["doc_url"]).get_data(as_text=True)
    assert get_json(client, "/doc/tin%2F8%20%E1%BA%A3nh%3F.json")["document"]["id"] == "tin/8 ảnh?"


def test_document_json(client):
    data = get_json(client, "/doc/d7.json")
    assert data["document"]["id"] == "d7" and data["document"]["year"] == 2023
    assert data["document"]["attachments"][0].endswith("ke-hoach.pdf")
    assert data["attachment_links"][1]["url"] is None
    assert data["directive_links"] == [{"number": "16/CT-TTg", "record": "16/CT-TTg", "label": "16/CT-TTg",
                                       "url": "/directive/16/CT-TTg"}]
    assert data["near_duplicates"] == []
    assert all(item["id"] != "d7" for item in data["similar"])


def test_directive_page_counts_by_province_and_year(client):
    data = get_json(client, "/directive/25-NQ/TW.json")
    assert data["number"] == "25-NQ/TW" and data["total"] == 2
    assert {v["value"]: v["count"] for v in data["by_province"]} == {"Hà Giang": 1, "Vĩnh Long": 1}
    assert {v["value"]: v["count"] for v in data["by_year"]} == {"2019": 2}
    assert args_of(data["by_year"][0]["toggle_url"]) == {"directive": ["25-NQ/TW"], "year": ["2019"]}
    assert {h["id"] for h in data["hits"]} == {"d1", "d3"}
    html = client.get("/directive/25-NQ/TW").get_data(as_text=True)
    assert "25-NQ/TW" in html and 'data-total="2"' in html


@pytest.mark.parametrize("messy, canonical", [
    ("/directive/25–NQ/TW", "/directive/25-NQ/TW"),
    ("/directive/16/ct - ttg", "/directive/16/CT-TTg"),
    ("/directive/16/CT-TTg.json", None),
    ("/directive/16 CT TTg.json", "/directive/16/CT-TTg.json"),
    ("/directive/23-QD/TW?page=1", "/directive/23-Q%C4%90/TW?page=1"),
])
def test_messy_directive_numbers_redirect_to_the_canonical_page(client, messy, canonical):
    response = client.get(messy)
    if canonical is None:
        assert response.status_code == 200
        return
    assert response.status_code == 301
    assert response.headers["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_directive_nobody_cites_is_an_empty_page(client):
    data = get_json(client, "/directive/99-NQ/TW.json")
    assert data["total"] == 0 and data["hits"] == []


# --- export -------------------------------------------------------------------------

def test_csv_export_has_every_row(client):
    total = get_json(client, "/search.json?q=dân+vận&limit=1")["total"]
    response = client.get("/export.csv?q=dân+vận&limit=1&page=3")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == total == int(response.headers["X-Total-Count"])
    assert [int(r["rank"]) for r in rows] == list(range(1, total + 1))
    assert "<mark>" not in "".join(r["snippet"] for r in rows)
    assert rows[0]["doc_url"].startswith("/doc/")  # relative: the Host header is not trusted


def test_jsonl_export_with_filters(client):
    total = get_json(client, "/search.json?directive=16/CT-TTg")["total"]
    response = client.get("/export.jsonl?directive=16/CT-TTg")
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == total == 3
    assert all("16/CT-TTg" in json.loads(line)["directives"] for line in lines)


def test_export_stops_at_the_cap(web_home):
    client = create_app({"DANVAN_HOME": str(web_home), "DANVAN_EXPORT_MAX": 2}).test_client()
    response = client.get("/export.jsonl")
    assert len(response.get_data(as_text=True).splitlines()) == 2
    assert response.headers["X-Total-Count"] == "2"


def test_export_sends_the_search_order(web_home):
    client = create_app({"DANVAN_HOME": str(web_home)}).test_client()
    for query in ("", "?q=d%C3%A2n", "?q=d%C3%A2n&sort=date"):
        ids = [json.loads(line)["id"] for line in client.get("/export.jsonl" + query).get_data(as_text=True).splitlines()]
        searched = [hit["id"] for hit in client.get("/search.json" + (query or "?") + "&limit=100").get_json()["hits"]]
        assert ids == searched and len(ids) == len(set(ids)) > 1


def test_csv_cells_cannot_become_formulas():
    from search_app.export import cell

    assert cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell("Dân vận") == "Dân vận"
    assert cell(["16/CT-TTg", "25-NQ/TW"]) == "16/CT-TTg; 25-NQ/TW"
    assert cell(-1.5) == -1.5


# --- serve --------------------------------------------------------------------------

def test_serve_reports_a_taken_port(tmp_path):
    import socket
    import subprocess
    import sys
    from pathlib import Path

    danvan = Path(sys.executable).parent / "danvan"
    command = [str(danvan)] if danvan.exists() else [sys.executable, "-m", "cli"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*command, "serve", "--port", str(port), "--data-dir", str(tmp_path)],
                                capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_a_hit_lacking_a_word_says_which_and_the_json_twin_counts_them(tmp_path):
    from corpus.store.document import Document

    docs = [Document(id="all", title="Tin", text="Hòa giải viên ở cơ sở giúp dân."),
            Document(id="no-so", title="Tin", text="Hòa giải viên ở cơ quan xã giúp dân.")] + [
            Document(id=f"common{i}", title="Tin", text="Cán bộ ở cơ sở giúp dân.") for i in range(2)]
    client = create_app({"DANVAN_HOME": str(build_home(tmp_path, docs)), "TESTING": True}).test_client()
    page = client.get("/search", query_string={"q": "hòa giải viên ở cơ sở"}).get_data(as_text=True)
    assert "Thiếu: <s>sở</s>" in page and page.count("Thiếu:") == 1
    assert "Chỉ 1 tài liệu chứa tất cả các từ; 1 tài liệu khác thiếu một vài từ" in page
    data = client.get("/search.json", query_string={"q": "hòa giải viên ở cơ sở"}).get_json()
    assert data["total"] == 2 and data["relaxed"] == 1 and not data["fallback"]
    assert {h["id"]: h["missing"] for h in data["hits"]} == {"all": [], "no-so": ["sở"]}
