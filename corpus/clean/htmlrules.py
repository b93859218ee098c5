"""Boilerplate and metadata rules for portal HTML, kept as data.

Like trafilatura's ``xpaths.py``: the cleaner in ``corpus/clean/htmlclean.py`` is
generic code; what it knows about CMS families lives here.  Supporting a new
portal family means adding selectors below, not code branches.  Rules key on
markup a CMS family always uses (Liferay portlet classes, SharePoint's
``ms-rtestate-field``, EasyDNNnews' ``edn_*``, WordPress' ``entry-content``),
never on one site's host names, paths or wording.

Selectors are XPath 1.0 expressions evaluated with lxml.  ``_has_class(x)``
is expanded to the usual whole-token class test.
"""
from __future__ import annotations


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Main article body, per family, most specific first.  The cleaner takes the
# matching node with the most (non-link) text; several similar matches on one
# page mean a listing.
CONTENT_XPATHS: list[tuple[str, str]] = [
    # Liferay: asset publisher full view, web content display, view_content
    ("liferay", f"//*[{_has_class('asset-full-content')}]//*[{_has_class('journal-content-article')}]"),
    ("liferay", f"//*[{_has_class('asset-full-content')}]//*[{_has_class('asset-content')}]"),
    ("liferay", f"//*[{_has_class('journal-content-article')}]"),
    ("liferay", f"//*[{_has_class('portlet-journal-content')}]//*[{_has_class('portlet-body')}]"),
    # SharePoint publishing pages
    ("sharepoint", f"//*[{_has_class('ms-rtestate-field')}]"),
    ("sharepoint", "//*[contains(@id, 'RichHtmlField')]"),
    ("sharepoint", f"//*[{_has_class('ms-rtestate-read')}]"),
    # DotNetNuke: EasyDNNnews and the HTML module
    ("dotnetnuke", f"//*[{_has_class('edn_articleContent')}]"),
    ("dotnetnuke", f"//*[{_has_class('edn_article')}]"),
    ("dotnetnuke", f"//*[{_has_class('DNNModuleContent')}]//*[{_has_class('Normal')}]"),
    # WordPress and themes built on it
    ("wordpress", f"//*[{_has_class('entry-content')}]"),
    ("wordpress", f"//*[{_has_class('post-content')}]"),
    ("wordpress", f"//*[{_has_class('td-post-content')}]"),
    ("wordpress", f"//*[{_has_class('single-content')}]"),
    # schema.org microdata, any CMS
    ("microdata", "//*[@itemprop='articleBody']"),
    # newspaper CMSs and custom ASP.NET / PHP / VNPT portals
    ("news", f"//*[{_has_class('detail-content')}]"),
    ("news", f"//*[{_has_class('detail__content')}]"),
    ("news", f"//*[{_has_class('detail-body')}]"),
    ("news", f"//*[{_has_class('article-body')}]"),
    ("news", f"//*[{_has_class('article-content')}]"),
    ("news", f"//*[{_has_class('article__body')}]"),
    ("news", f"//*[{_has_class('news-content')}]"),
    ("news", f"//*[{_has_class('news-detail-content')}]"),
    ("news", f"//*[{_has_class('content-detail')}]"),
    ("news", f"//*[{_has_class('contentdetail')}]"),
    ("news", f"//*[{_has_class('fck_detail')}]"),
    ("news", f"//*[{_has_class('cms-body')}]"),
    ("news", f"//*[{_has_class('afcbc-body')}]"),
    ("vnpt", f"//*[{_has_class('ArticleContent')}]"),
    ("vnpt", f"//*[{_has_class('NewsContent')}]"),
    ("vnpt", f"//*[{_has_class('noidung')}]"),
    ("vnpt", f"//*[{_has_class('noi-dung')}]"),
    ("vnpt", f"//*[{_has_class('chitiet')}]"),
    ("vnpt", f"//*[{_has_class('chi-tiet')}]"),
    ("vnpt", f"//*[{_has_class('tin-chi-tiet')}]"),
    ("vnpt", "//*[@id='article-body' or @id='ContentDetail' or @id='noidung' or @id='divNoiDung']"),
    ("vnpt", "//*[contains(@id, 'lblNoiDung') or contains(@id, 'lblContent')]"),
]

# Lead paragraph ("sapo") that many Vietnamese CMSs render just above the body
# in its own element; it is article text.
LEAD_TOKENS = (
    "sapo", "sapo-detail", "detail-sapo", "news-sapo", "summary", "articlesummary", "edn_articlesummary",
    "lead", "article-lead", "chapeau", "tomtat", "tom-tat", "lbltomtat", "description", "excerpt",
    "entry-summary", "intro",
)

# Page furniture, matched on an element's lower-cased class and id.
# Substrings are distinctive enough to match anywhere ("vl-share-btn",
# "edn_socialPrintWrapper"); tokens must equal a whole class/id or one of its
# hyphen/underscore pieces ("top-bar" -> "top", "bar").
BOILERPLATE_SUBSTRINGS = (
    "navbar", "navigation", "menu", "breadcrumb", "footer", "colophon", "copyright", "topbar", "top-bar",
    "toolbar", "sidebar", "widget", "share", "social", "bookmark", "addthis", "print", "related", "relate",
    "other-news", "othernews", "tinkhac", "tin-khac", "lienquan", "lien-quan", "comment", "discussion",
    "binhluan", "binh-luan", "ykien", "y-kien", "rating", "banner", "advert", "quangcao", "quang-cao",
    "slider", "carousel", "marquee", "ticker", "pagination", "pager", "paging", "page-numbers", "counter",
    "thongke", "thong-ke", "statistic", "visitor", "weather", "thoitiet", "calendar", "newsletter",
    "subscribe", "dangky", "dang-ky", "login", "signin", "search", "screen-reader", "hide-accessible",
    "sr-only", "visually-hidden", "helper-hidden", "view-count", "viewcount", "post-views", "numberofviews",
    "lienket", "lien-ket", "weblink", "link-select", "tags-links", "cat-links", "asset-tags", "articletags",
    "skip-link", "skip-to",
)
BOILERPLATE_TOKENS = frozenset("""
    nav menu header footer aside sidebar side tags tag keywords more readmore views vote stars
    ads ad lich stats online bc sitemap ribbon welcome lang language
""".split())

# Tokens that say "this is the article" (used by the generic scorer).
CONTENT_TOKENS = frozenset("""
    content article articlebody body entry post story news detail details main text
    noidung chitiet baiviet tintuc
""".split())

# Furniture even when it holds a lot of text (comment threads, related boxes).
HARD_BOILERPLATE_SUBSTRINGS = (
    "comment", "discussion", "binhluan", "binh-luan", "share", "social", "related", "tinkhac", "tin-khac",
    "lienquan", "lien-quan", "other-news", "othernews", "pagination", "breadcrumb", "sidebar", "footer",
)

# Lines of a portal's colophon (footer): licence, owner, address, contacts.
# A block naming several of these is the footer, whatever its markup.
COLOPHON_PHRASES = (
    "giấy phép", "cơ quan chủ quản", "chịu trách nhiệm", "địa chỉ", "điện thoại", "email", "e-mail", "fax",
    "bản quyền", "copyright", "ghi rõ nguồn", "thiết kế bởi", "phát triển bởi", "trưởng ban biên tập",
)

# Elements that never carry article text.
JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "input", "select", "option", "textarea", "button", "label", "map", "audio", "video", "link", "meta",
)

# Short blocks that start with one of these labels are furniture (share bars,
# tag lists, view counters, "related news" boxes) wherever they sit.
BOILERPLATE_LABELS = (
    "chia sẻ", "chia se", "share", "từ khóa", "từ khoá", "tags:", "tag:", "thẻ:",
    "tin liên quan", "tin khác", "tin cùng chuyên mục", "bài viết liên quan", "các tin khác", "xem thêm",
    "ý kiến bạn đọc", "gửi ý kiến", "bình luận", "in bài", "lượt xem", "số lượt xem",
    "đánh giá bài viết", "quay lại", "về đầu trang", "chuyên mục:",
    "file đính kèm", "tệp đính kèm", "tài liệu đính kèm", "tải về",
)

# Headings that announce a box of other articles; the box goes with its heading.
RELATED_HEADINGS = (
    "tin liên quan", "tin khác", "tin cùng chuyên mục", "bài viết liên quan", "các tin khác",
    "tin mới", "tin mới nhất", "tin xem nhiều", "tin đọc nhiều", "đọc nhiều", "xem nhiều",
)

# Page title candidates (the displayed headline) in preference order.
TITLE_XPATHS = (
    f"//h1[{_has_class('entry-title')} or {_has_class('post-title')} or {_has_class('detail-title')}"
    f" or {_has_class('article-title')} or {_has_class('edn_articleTitle')} or {_has_class('title-detail')}]",
    f"//*[{_has_class('asset-full-content')}]//*[{_has_class('header-title')}]",
    "//*[@itemprop='headline']",
    "//article//h1",
    "//h1",
    "//h2",
    "//h3",
)

# Separators between headline and portal name in <title>.
TITLE_SEPARATORS = (" - ", " – ", " — ", " | ", " › ", " > ", " » ", " :: ", " - - ")

# Words that mark a <title> segment as the portal's name rather than the headline.
PORTAL_WORDS = ("cổng thông tin", "cổng ttđt", "trang thông tin", "trang ttđt", "báo", "portal", "website",
                "đài phát thanh", "đài pt-th", "ban dân vận", "tỉnh ủy", "thành ủy", "ubnd", "ủy ban nhân dân",
                "hội lhpn", "hội liên hiệp", "mặt trận tổ quốc", "đảng bộ")

# The CMS's own publication-date element: class/id tokens.
DATE_TOKENS = frozenset("""
    date time datetime ngay ngaydang ngayxuatban ngay-dang publish published publish-date posted-on
    metadata-publish-date entry-date edn_articledate detail-time vl-news-date news-date post-date
    lblngaydang lblngay lbldate pubdate created
""".split())

# Meta tags holding the publication date.
DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "publish-date", "dc.date.issued", "dc.date", "date", "dcterms.created", "itemPublishedDate",
    "article:published",
)

# Byline elements.
AUTHOR_XPATHS = (
    "//*[@itemprop='author']//*[@itemprop='name']",
    "//*[@itemprop='author']",
    f"//*[{_has_class('author')} or {_has_class('tacgia')} or {_has_class('tac-gia')} or {_has_class('signature')}"
    f" or {_has_class('author-name')} or {_has_class('news-author')}]",
    "//*[@rel='author']",
)

# Portal-name evidence for the province (header, logo, footer).
PORTAL_NAME_XPATHS = (
    "//meta[@property='og:site_name']/@content",
    f"//*[{_has_class('site-title')} or {_has_class('site-name')} or {_has_class('brand')}"
    f" or {_has_class('portal-name')} or {_has_class('logo-text')}]",
    "//header//a[contains(@class, 'logo')]//img/@alt",
    "//*[contains(@class, 'logo')]//img/@alt",
    "//*[contains(@id, 'Logo') or contains(@id, 'logo')]//img/@alt",
    "//header//h1",
    "//footer//p[1] | //*[contains(@class, 'footer') or contains(@id, 'footer')]//p[1]",
    "//*[contains(@class, 'footer') or contains(@id, 'footer')]//*[contains(@class, 'name') or contains(@class, 'title')]",
)

# File types recorded as attachments.
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".rtf", ".zip", ".rar")

# Page markers of listing/home pages (WordPress body classes and friends).
LISTING_BODY_CLASSES = frozenset("archive category tag home blog search paged".split())

# Markers of a page that a script builds in the browser (matched on the lower-cased HTML): an empty
# mount point or a framework's state blob.  With no article text besides, the page is a shell.
SHELL_MARKERS = (
    r"<div[^>]*\bid=[\"']?(?:root|app|__next|__nuxt|main-app)[\"']?[^>]*>\s*</div>",
    r"__next_data__", r"window\.__nuxt__", r"window\.__initial_state__", r"\bng-app\b", r"\bng-version=",
    r"data-reactroot", r"<app-root[\s>]",
)
