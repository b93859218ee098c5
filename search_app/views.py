"""Pages and their JSON twins.  Each view builds one context dict; the HTML
template renders it and the ``.json`` URL returns it unchanged.

Longer than ~400 lines: one blueprint, one section per page (search, document,
directive, directives, trends, export), each a view and the function building
its context; the URL parameters are parsed in :mod:`search_app.params` and
:mod:`indexer.request`, exports written in :mod:`search_app.export`.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from corpus.extract.directive_records import SORTS, list_records
from corpus.store.document import MAX_CHARS
from corpus.knowledge.genre_rules import GENRES
from indexer.records import key_label, profile_line, record_key, split_key
from indexer.request import check_names
from indexer.schema import listed
from indexer.search import QueryError, SearchResult
from indexer.trends import BY, MAX_PHRASES, check_phrases, timelines
from search_app import export as exporter
from search_app.errors import ErrorPage
from search_app.charts import timeline_chart
from search_app.facets import LABELS, facet_links, selection_chips, year_chart
from search_app.headers import public_url
from search_app.params import DEFAULT_LIMIT, BadParameter, SearchParams
from search_app.text import doc_paragraphs, safe_link

bp = Blueprint("web", __name__)

PAGE_WINDOW = 2  # page links shown either side of the current page


@bp.app_template_filter("vndate")
def vndate(iso: str | None) -> str:
    """2019-05-16 -> 16/05/2019 (how Vietnamese pages write dates)."""
    if not iso or len(iso) != 10:
        return iso or ""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


@bp.app_template_filter("num")
def num(n: int) -> str:
    """12345 -> 12.345 (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def backend():
    return current_app.extensions["danvan"]


def twin(template: str, ctx: dict[str, Any], fmt: str | None):
    """The page, or its JSON twin: the very same context."""
    if fmt == "json":
        return ctx
    return render_template(template, ctx=ctx, labels=LABELS, genres=GENRES)


def _root() -> str:
    return request.script_root or ""


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote(safe="") never changes


def search_path() -> str:
    return _root() + "/search"


def doc_url(doc_id: str, q: str = "") -> str:
    """Link to a document page; ``q`` highlights the query there."""
    url = f"{_root()}/doc/{quote(doc_id, safe='')}"
    return url + ("?" + urlencode({"q": q}) if q else "")


def doc_links() -> Callable[[str], str]:
    """``public_url(doc_url(doc_id))`` for the many ids of an export: the site's part is worked out once."""
    base = public_url(doc_url(""))
    # Stored ids are hex digests: what quote() leaves as it is, seen by one regex instead of quoted.
    return lambda doc_id: base + (doc_id if _UNRESERVED.fullmatch(doc_id) else quote(doc_id, safe=""))


def directive_url(number: str, fmt: str = "") -> str:
    """Link to a directive page (canonical numbers keep their slashes); a record key links to its record there
    (``/directive/16/CT-TTg#2020``)."""
    number, qualifier = split_key(number)
    anchor = f"#{quote(qualifier, safe='')}" if qualifier and not fmt else ""
    return f"{_root()}/directive/{quote(number, safe='/')}{'.json' if fmt == 'json' else ''}{anchor}"


# --- search -------------------------------------------------------------------------

@bp.get("/", defaults={"fmt": None}, endpoint="home")
@bp.get("/search", defaults={"fmt": None})
@bp.get("/search.json", defaults={"fmt": "json"}, endpoint="search_json")
def search(fmt: str | None):
    """The search page: box, hits, facets, chips, pagination (also the home page)."""
    params = SearchParams.from_args(request.args.to_dict(flat=False), strict=fmt == "json")
    result = backend().service().search(params.to_request())
    return twin("search.html", search_context(params, result), fmt)


def _hit(hit: dict[str, Any], q: str) -> dict[str, Any]:
    return {
        **hit,
        "url": safe_link(hit.get("url")),
        "doc_url": doc_url(hit["id"], q),
        "directive_links": _directive_links(hit.get("records") or hit["directives"]),
        "parent_url": doc_url(hit["parent_id"], q) if hit.get("parent_id") else None,
    }


def _directive_links(keys: list[str]) -> list[dict[str, str]]:
    """A link per cited record (or number) to its place on the directive page, labelled "16/CT-TTg (2020)"."""
    return [{"number": split_key(k)[0], "record": k, "label": key_label(k), "url": directive_url(k)} for k in keys]


def pagination(params: SearchParams, pages: int, path: str) -> dict[str, Any]:
    """Previous/next and a window of page numbers around the current page."""
    page = params.page
    numbers = sorted({1, pages, *range(max(1, page - PAGE_WINDOW), min(pages, page + PAGE_WINDOW) + 1)})
    links, last = [], 0
    for n in numbers:
        if n - last > 1:
            links.append({"number": None, "url": None, "current": False})  # a gap: "…"
        links.append({"number": n, "url": params.url(path, page=n), "current": n == page})
        last = n
    return {
        "page": page, "pages": pages,
        "prev_url": params.url(path, page=page - 1) if 1 < page <= pages + 1 else None,
        "next_url": params.url(path, page=page + 1) if page < pages else None,
        "first_url": params.url(path, page=1),
        "links": links if pages > 1 else [],
    }


def search_context(params: SearchParams, result: SearchResult) -> dict[str, Any]:
    """Everything the search page shows, as JSON-ready data."""
    data = result.to_dict()
    path = search_path()
    facets = facet_links(data["facets"], params, path)
    messages = list(data["messages"])
    if params.q_truncated:
        messages.append("Câu truy vấn quá dài nên đã được cắt bớt.")
    suggestion = getattr(result, "suggestion", None)  # did-you-mean, when the service offers one
    return {
        **data,
        "messages": messages,
        "directive_records": [{**r, "line": profile_line(r), "url": directive_url(r["key"]),
                               "search_url": params.url(path, directive=(r["key"],), page=1)}
                              for r in data["directive_records"]],
        "directive_labels": {v["value"]: key_label(v["value"]) for v in facets.get("directive", [])},
        "hits": [_hit(h, params.q) for h in data["hits"]],
        "first_rank": (params.page - 1) * params.limit + 1,
        "facets": facets,
        "province_view": params.provinces,
        "province_view_urls": {v: params.url(path, provinces=v) for v in ("published", "2025")},
        "year_chart": year_chart(facets.get("year", [])),
        "selected": [{**chip, "shown": key_label(chip["value"])} if chip["name"] == "directive"
                     else {**chip, "shown": GENRES.get(chip["value"], chip["value"])} if chip["name"] == "genre"
                     else chip for chip in selection_chips(params, path)],
        "clear_url": params.cleared().url(path),
        "sort_urls": {s: params.url(path, sort=s, page=1) for s in ("relevance", "date")},
        "pagination": pagination(params, result.pages, path),
        "suggestion": {"query": suggestion, "url": params.url(path, q=suggestion, page=1)} if suggestion else None,
        "export": {
            "csv": params.url(_root() + "/export.csv", page=1),
            "jsonl": params.url(_root() + "/export.jsonl", page=1),
            "max_rows": current_app.config["DANVAN_EXPORT_MAX"],
        },
        "json_url": params.url(_root() + "/search.json"),
        # "Chủ đề nổi bật": one click adds the term to the query, as a phrase.
        "significant_links": [{"term": t["term"], "count": t["count"],
                               "url": params.url(path, q=f'{params.q} "{t["term"]}"'.strip(), page=1)}
                              for t in data["significant_terms"]],
        "trends_url": params.url(_root() + "/trends", sort="relevance", page=1, limit=DEFAULT_LIMIT,
                                 provinces="published"),
        "form": {
            "search": params.hidden_fields(skip=("q",)),
            "dates": params.hidden_fields(skip=("date_from", "date_to")),
            "directive": params.hidden_fields(),
        },
    }


# --- documents ----------------------------------------------------------------------

# path: ids given in imported JSONL may hold slashes (links quote them as %2F)
@bp.get("/doc/<path:doc_id>", defaults={"fmt": None})
@bp.get("/doc/<path:doc_id>.json", defaults={"fmt": "json"}, endpoint="document_json")
def document(doc_id: str, fmt: str | None):
    """One document: metadata, full text with the query highlighted, links."""
    q = SearchParams.from_args({"q": request.args.getlist("q")}).q
    service = backend().service()
    stored = service.document(doc_id) if len(doc_id) <= MAX_CHARS["id"] else None
    if stored is None:
        raise ErrorPage(404, "Không có tài liệu nào mang mã này. Có thể tài liệu đã bị xóa khỏi chỉ mục.",
                        "Không tìm thấy tài liệu")
    full = None
    with backend().store() as store:
        if store is not None:
            full = store.get(doc_id)
    return twin("document.html", document_context(service, stored, full, q), fmt)


def _related(service, method: str, doc_id: str, q: str) -> list[dict[str, Any]]:
    """Documents the service relates to this one (more-like-this, near-duplicates).

    An empty list until the query service offers ``method``.
    """
    finder = getattr(service, method, None)
    if finder is None:
        return []
    items = []
    for item in finder(doc_id) or []:
        item = item.to_dict() if hasattr(item, "to_dict") else dict(item)
        items.append({k: item.get(k) for k in ("id", "title", "published", "province", "source")}
                     | {"doc_url": doc_url(item["id"], q)})
    return items


def _attached_files(service, doc_id: str, q: str) -> list[dict[str, Any]]:
    """The attached files stored as documents of their own, with their titles and numbers."""
    finder = getattr(service, "attachments_of", None)
    files = finder(doc_id) if finder is not None else []
    return [{"id": f["id"], "title": f.get("title") or "", "number": f.get("number") or None,
             "url": safe_link(f.get("url")), "doc_url": doc_url(f["id"], q)}
            for f in sorted(files, key=lambda f: f.get("url") or "")]


def _parent(service, parent_id: str | None, q: str) -> dict[str, Any] | None:
    """The page an attached file was linked from."""
    parent = service.document(parent_id) if parent_id else None
    if parent is None:
        return None
    return {"id": parent_id, "title": parent.get("title") or "", "doc_url": doc_url(parent_id, q)}


def document_context(service, stored: dict[str, Any], full, q: str) -> dict[str, Any]:
    """The document page as JSON-ready data (``full`` is the store's Document, if any)."""
    doc_id = stored["id"]
    directives = listed(stored.get("directives"))
    attachments = list(full.attachments) if full is not None else []
    original = stored.get("near_duplicate_of") or None
    text = stored.get("text") or ""
    year = stored.get("year") or None
    document = {
        "id": doc_id,
        "title": stored.get("title") or "",
        "url": safe_link(stored.get("url")),
        "source": stored.get("source"),
        "author": stored.get("author"),
        "published": stored.get("published") or None,
        "year": int(year) if year and str(year).isdigit() else None,
        "province": stored.get("province") or None,
        "province_2025": stored.get("province_2025") or None,
        "directives": directives,
        "directives_partial": list(stored.get("directives_partial") or []),
        "attachments": attachments,
        "parent_id": stored.get("parent_id") or None,
        "number": stored.get("number") or None,
        "near_duplicate_of": original,
        "genre": stored.get("genre") or None,
        "period": stored.get("period") or None,
        "keywords": service.keywords(doc_id),
        "text": text,
    }
    return {
        "document": document,
        "query": q,
        "paragraphs": doc_paragraphs(text, q),
        "directive_links": _directive_links(listed(stored.get("directive_record"))
                                            or directives),
        "keyword_links": [{"term": k, "url": SearchParams(keyword=(k,)).url(search_path())} for k in document["keywords"]],
        "attachment_links": [{"label": a, "url": safe_link(a)} for a in attachments],
        "attached_files": _attached_files(service, doc_id, q),
        "parent": _parent(service, document["parent_id"], q),
        "original": {"id": original, "doc_url": doc_url(original, q)} if original else None,
        "near_duplicates": _related(service, "near_duplicates", doc_id, q),
        "similar": _related(service, "similar", doc_id, q),
        "back_url": SearchParams(q=q).url(search_path()) if q else None,
        "json_url": f"{_root()}/doc/{quote(doc_id, safe='')}.json",
    }


# --- directives ---------------------------------------------------------------------

@bp.get("/directive/<path:number>", defaults={"fmt": None})
@bp.get("/directive/<path:number>.json", defaults={"fmt": "json"}, endpoint="directive_json")
def directive(number: str, fmt: str | None):
    """Who cites one document number: counts by province and year, and the list."""
    from corpus.knowledge.directives import normalize_directive

    canonical = normalize_directive(number) if len(number) <= 100 else None
    if canonical is None:
        raise ErrorPage(404, f"«{number[:100]}» không phải là số hiệu văn bản (ví dụ: 25-NQ/TW, 16/CT-TTg).",
                        "Không nhận ra số hiệu văn bản")
    if canonical != number:
        target = directive_url(canonical, fmt or "")
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, code=301)
    args = request.args.to_dict(flat=False)
    if fmt == "json":
        check_names(args, ("page", "limit"))
    params = SearchParams.from_args({"page": args.get("page", []), "limit": args.get("limit", [])})
    params = SearchParams(directive=(canonical,), sort="date", page=params.page, limit=params.limit)
    service = backend().service()
    result = service.search(params.to_request())
    citing = service.citing(canonical)
    records = service.directive_records(canonical)
    context = directive_context(canonical, params, result, records)
    context["cited_with"] = [{"number": n, "count": c, "url": directive_url(n)} for n, c in cited_with(citing, canonical)]
    # The document itself, when its file was crawled or imported (its header gave this number).
    context["issued_as"] = [{"id": d["id"], "title": d.get("title") or "", "published": d.get("published") or None,
                             "url": safe_link(d.get("url")), "doc_url": doc_url(d["id"])}
                            for d in getattr(service, "issued_as", lambda n: [])(canonical)]
    by_id = {doc["id"]: doc for doc in citing}
    for record in context["records"]:
        record["breakdown"] = record_breakdown([by_id[d] for d in record["citations"] if d in by_id])
    return twin("directive.html", context, fmt)


def record_breakdown(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A record's citing documents counted by year and province (as published and since 2025), most first."""
    out = {}
    for name in ("year", "province", "province_2025"):
        counts = Counter(str(doc.get(name)) for doc in docs if doc.get(name))
        ranked = sorted(counts.items(), key=lambda item: (item[0],) if name == "year" else (-item[1], item[0]))
        out[name] = [{"value": v, "count": c} for v, c in ranked]
    return out


def cited_with(citing: list[dict[str, Any]], number: str, limit: int = 10) -> list[tuple[str, int]]:
    """The numbers most often cited by the documents that cite ``number``: (number, documents)."""
    counts = Counter(n for doc in citing for n in set(listed(doc.get("directives"))) if n != number)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def directive_context(number: str, params: SearchParams, result: SearchResult,
                      records: dict[str, Any]) -> dict[str, Any]:
    """The directive page as JSON-ready data; ``records`` from :func:`corpus.directive_records.directive_records`."""
    data = result.to_dict()
    search = search_path()
    # Counts link to the search page filtered by this number and the value.
    facets = facet_links({k: data["facets"][k] for k in ("province", "province_2025", "year")},
                         SearchParams(directive=(number,)), search)
    page_path = directive_url(number)
    several = len(records["records"]) > 1 or bool(records["unattributed"])
    return {
        "number": number,
        "total": data["total"],
        "page": data["page"],
        "pages": data["pages"],
        "elapsed_ms": data["elapsed_ms"],
        "by_province": facets["province"],
        "by_province_2025": facets["province_2025"],
        "by_year": facets["year"],
        "year_chart": year_chart(facets["year"]),
        "hits": [_hit(h, "") for h in data["hits"]],
        "first_rank": (params.page - 1) * params.limit + 1,
        "pagination": pagination(params, result.pages, page_path),
        "search_url": SearchParams(directive=(number,)).url(search),
        "export": {"csv": SearchParams(directive=(number,), sort="date").url(_root() + "/export.csv"),
                   "jsonl": SearchParams(directive=(number,), sort="date").url(_root() + "/export.jsonl")},
        "json_url": directive_url(number, "json"),
        "records": [{**r, "key": record_key(r, several), "anchor": str(r["year"] or r["term"] or ""),
                     "search_url": SearchParams(directive=(record_key(r, several),)).url(search),
                     "citation_links": [{"id": d, "url": doc_url(d)} for d in r["citations"]],
                     "relations": [{**rel, "url": directive_url(rel["number"]) if rel["number"] else None}
                                   for rel in r["relations"]]}
                    for r in records["records"]],
        "unattributed": records["unattributed"],
        "unattributed_documents": records["unattributed_documents"],
    }


DIRECTIVES_PER_PAGE = 50


@bp.get("/directives", defaults={"fmt": None})
@bp.get("/directives.json", defaults={"fmt": "json"}, endpoint="directives_json")
def directives(fmt: str | None):
    """Every directive record of the corpus: filter by type, issuer, year; sort by citations or date."""
    if fmt == "json":
        check_names(request.args, DIRECTIVE_LIST_PARAMETERS)
    args = directive_list_args(request.args)
    rows = list_records(backend().service().directive_catalogue(), args["type"], args["issuer"], args["year"],
                        args["sort"])
    return twin("directives.html", directive_list_context(args, rows), fmt)


DIRECTIVE_LIST_PARAMETERS = ("type", "issuer", "year", "sort", "page")


def directive_list_args(args: Mapping[str, str]) -> dict[str, Any]:
    """type, issuer, year, sort and page of /directives, validated; errors name the parameter."""
    out: dict[str, Any] = {}
    for name in ("type", "issuer"):
        value = " ".join((args.get(name) or "").split())
        if len(value) > 100:
            raise BadParameter(name, f"«{name}» dài quá 100 ký tự.")
        out[name] = value or None
    for name, low in (("year", 1945), ("page", 1)):
        value = (args.get(name) or "").strip()
        if value and not (value.isdigit() and int(value) >= low and len(value) <= 6):
            raise BadParameter(name, f"«{name}» phải là một số{' năm, ví dụ 2020' if name == 'year' else ''}.")
        out[name] = int(value) if value else (1 if name == "page" else None)
    out["sort"] = args.get("sort") or "citations"
    if out["sort"] not in SORTS:
        raise BadParameter("sort", "«sort» phải là citations hoặc date.")
    return out


def directive_list_context(args: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The /directives page as JSON-ready data."""
    pages = max(1, -(-len(rows) // DIRECTIVES_PER_PAGE))
    page = args["page"]
    path = _root() + "/directives"

    def url(fmt: str = "", **changes: Any) -> str:
        query = {k: v for k, v in {**args, **changes}.items() if v not in (None, "") and not (k == "page" and v == 1)}
        if query.get("sort") == "citations":
            del query["sort"]
        return path + fmt + ("?" + urlencode(query) if query else "")

    shown = rows[(page - 1) * DIRECTIVES_PER_PAGE:page * DIRECTIVES_PER_PAGE]
    return {
        "filters": {k: args[k] for k in ("type", "issuer", "year")},
        "sort": args["sort"],
        "total": len(rows),
        "page": page,
        "pages": pages,
        "records": [{**r, "url": directive_url(r["number"])} for r in shown],
        "prev_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if page < pages else None,
        "sort_urls": {s: url(sort=s, page=1) for s in SORTS},
        "json_url": url(".json"),
    }


# --- trends -------------------------------------------------------------------------

@bp.get("/trends", defaults={"fmt": None})
@bp.get("/trends.json", defaults={"fmt": "json"}, endpoint="trends_json")
def trends(fmt: str | None):
    """Phrase timelines: documents containing each phrase per year or province, under the search filters."""
    args = request.args.to_dict(flat=False)
    phrases = check_phrases(args.pop("q", []), empty_ok=fmt != "json")
    by = (args.pop("by", None) or ["year"])[0]
    if by not in BY:
        raise QueryError(f"by must be one of: {', '.join(BY)}", name="by")
    params = SearchParams.from_args(args, strict=fmt == "json")
    found = timelines(backend().service(), phrases, params.to_request(), by) if phrases else []
    terms = [t.to_dict() for t in found]
    if fmt == "json":
        return {"terms": terms}  # exactly the contract: scripts rely on this shape
    return twin("trends.html", trends_context(phrases, by, params, terms), fmt)


def trends_context(phrases: list[str], by: str, params: SearchParams, terms: list[dict[str, Any]]) -> dict[str, Any]:
    """The trends page as data: the phrases, the counts as a table and, per year, a chart."""
    base = _root() + "/trends"
    filters = params.hidden_fields()
    pairs = [("q", p) for p in phrases] + ([("by", by)] if by != "year" else []) + filters

    def url(drop: tuple[str, str] | None = None, by_value: str | None = None) -> str:
        kept = [pair for pair in pairs if pair != drop and (by_value is None or pair[0] != "by")]
        if by_value not in (None, "year"):
            kept.append(("by", by_value))
        return base + ("?" + urlencode(kept) if kept else "")

    return {
        "phrases": phrases,
        "inputs": phrases + [""] * (MAX_PHRASES - len(phrases)),
        "by": by,
        "by_urls": {b: url(by_value=b) for b in BY},
        "terms": terms,
        "rows": [b["value"] for b in terms[0]["buckets"]] if terms else [],
        "chart": timeline_chart(terms) if by == "year" else None,
        "selected": [{"label": LABELS[name], "value": value, "remove_url": url(drop=(name, value)),
                      "shown": GENRES.get(value, value) if name == "genre" else value}
                     for name, value in filters if name in LABELS],
        "form": filters + ([("by", by)] if by != "year" else []),
        "search_urls": [params.url(search_path(), q=f'"{p}"', page=1) for p in phrases],  # the same filters
        "json_url": base + ".json?" + urlencode(pairs),
    }


# --- export -------------------------------------------------------------------------

EXPORT_RETRY_SECONDS = 10  # Retry-After when every export slot is taken: about one 10,000-row export


@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.jsonl", defaults={"fmt": "jsonl"}, endpoint="export_jsonl")
def export(fmt: str) -> Response:
    """A whole result set as CSV or JSONL, streamed, at most DANVAN_EXPORT_MAX rows; 429 when too many run."""
    params = SearchParams.from_args(request.args.to_dict(flat=False), strict=True)
    release = backend().start_export()
    if release is None:
        raise ErrorPage(429, f"Đang có quá nhiều lượt tải xuống cùng lúc. Xin thử lại sau {EXPORT_RETRY_SECONDS} giây.",
                        headers={"Retry-After": str(EXPORT_RETRY_SECONDS)})
    try:
        # The Host header is the client's: links are absolute only on the configured base URL.
        resp = exporter.response(backend().service(), backend().home, params.to_request(), fmt,
                                 current_app.config["DANVAN_EXPORT_MAX"], doc_links())
        if request.method == "HEAD":
            # No body, and a HEAD answer may only state the length a GET would send: count it.
            # (A streamed answer without a length makes waitress end the HEAD with a chunk.)
            length = sum(len(chunk) for chunk in resp.iter_encoded())
            resp.response = []
            resp.headers["Content-Length"] = str(length)
            release()
        else:
            # The slot is held while the rows stream: given back after the last one, or when
            # the server closes the answer (a client that went away).
            resp.response = _then(resp.response, release)
            resp.call_on_close(release)
    except BaseException:
        release()
        raise
    return resp


def _then(chunks: Iterable[Any], done: Callable[[], None]) -> Iterator[Any]:
    """``chunks``, then ``done()`` (also if the consumer stops early)."""
    try:
        yield from chunks
    finally:
        done()
