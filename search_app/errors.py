"""Every failure as a friendly page or one JSON error shape, with the right status.

JSON shape (all ``.json``, ``.jsonl`` and ``.csv`` URLs)::

    {"error": {"status": 400, "title": "...", "message": "...", "parameter": "year"}}
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.search import IndexMissing, IndexOutdated, QueryError
from search_app.params import BadParameter

log = logging.getLogger(__name__)

TITLES = {
    400: "Yêu cầu không hợp lệ",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    413: "Yêu cầu quá lớn",
    414: "Địa chỉ quá dài",
    429: "Máy chủ đang bận",
    431: "Yêu cầu quá lớn",
    500: "Lỗi máy chủ",
    503: "Chưa sẵn sàng",
}
MACHINE_SUFFIXES = (".json", ".jsonl", ".csv")


class ErrorPage(Exception):
    """Raised by a view to answer with a friendly error page."""

    def __init__(self, status: int, message: str, title: str | None = None, parameter: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title or TITLES.get(status, "Lỗi")
        self.parameter = parameter
        self.headers = headers or {}  # e.g. Allow on a 405, Retry-After on a 429


def wants_json() -> bool:
    """True for the machine-readable twins of pages (by URL, so links stay shareable)."""
    return request.path.endswith(MACHINE_SUFFIXES)


def error_response(err: ErrorPage):
    """The JSON or HTML answer for ``err``."""
    body = {"status": err.status, "title": err.title, "message": err.message, "parameter": err.parameter}
    if wants_json():
        return {"error": body}, err.status, err.headers
    return render_template("error.html", error=body), err.status, err.headers


def register_error_handlers(app: Flask) -> None:
    """Route every error, expected or not, through :func:`error_response`."""

    @app.errorhandler(ErrorPage)
    def on_error_page(err: ErrorPage):
        return error_response(err)

    @app.errorhandler(BadParameter)
    def on_bad_parameter(err: BadParameter):
        return error_response(ErrorPage(400, str(err), "Tham số không hợp lệ", err.name))

    @app.errorhandler(QueryError)
    def on_query_error(err: QueryError):
        return error_response(ErrorPage(400, err.vi, "Tham số không hợp lệ", err.name))

    @app.errorhandler(IndexMissing)
    def on_index_missing(err: IndexMissing):
        if isinstance(err, IndexOutdated):
            return error_response(ErrorPage(503, "Chỉ mục tìm kiếm được xây bởi phiên bản cũ của danvan. "
                                                 "Hãy chạy danvan index để xây lại.", "Chỉ mục cần xây lại"))
        message = ("Chưa có chỉ mục tìm kiếm. Hãy nạp tài liệu và xây chỉ mục: "
                   "danvan import ĐƯỜNG_DẪN rồi danvan index.")
        return error_response(ErrorPage(503, message, "Chưa có chỉ mục"))

    @app.errorhandler(HTTPException)
    def on_http(err: HTTPException):
        messages = {
            404: "Trang này không tồn tại. Hãy thử tìm kiếm từ trang chủ.",
            405: "Trang này chỉ nhận yêu cầu GET.",
        }
        message = messages.get(err.code or 500, err.description or "")
        # Werkzeug's own headers that tell the client what to do instead (405: the methods allowed).
        kept = {name: value for name, value in err.get_headers() if name in ("Allow", "Retry-After")}
        return error_response(ErrorPage(err.code or 500, message, headers=kept))

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception):
        log.exception("unexpected error on %s", request.path)
        return error_response(ErrorPage(500, "Đã có lỗi ngoài dự kiến. Xin thử lại sau."))
