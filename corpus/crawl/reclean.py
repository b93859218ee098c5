"""Re-clean archived pages and attached files without fetching (``danvan reclean``).

Every raw page the crawl kept goes through the same page pipeline again, so a
better cleaner or extractor applies to the whole store; attached files are read
again by ``store_attachment``, which the crawl loop uses too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from corpus.crawl.frontier import Frontier, now
from corpus.crawl.links import is_attachment, looks_like_html
from corpus.crawl.report import RecleanReport
from corpus.crawl.sources import site_host
from corpus.crawl.urls import canonical_url
from corpus.extract.attachments import AttachmentOptions, ocr_cache_dir
from corpus.extract.headline import learned_site_names
from corpus.store.dedup import link_near_duplicates
from corpus.store.document import make_id
from corpus.store.db import Store
from corpus.store.pipeline import Origin, attachment_document, page_document


def store_attachment(store: Store, frontier: Frontier, url: str, final: str, source: str | None, body: bytes,
                     options: AttachmentOptions) -> str:
    """Read an attached file into the store: 'added', 'updated', 'unchanged', or the reason it was not read."""
    parent_id = frontier.parent_of(url) or frontier.parent_of(final)
    parent = store.get(parent_id) if parent_id else None
    doc_id = make_id(final)
    previous = store.get(doc_id)
    doc = attachment_document(body, doc_id=doc_id, url=final, parent=parent, source=source,
                              fetched_at=previous.fetched_at if previous else now(), options=options)
    if isinstance(doc, str):
        if previous is not None:
            store.delete(doc_id)
        return doc
    if previous is not None:
        doc.near_duplicate_of = previous.near_duplicate_of
    return store.upsert(doc)


def reclean(store: Store, *, progress: Callable[[RecleanReport, str], None] | None = None,
            link_duplicates: bool = True, ocr: bool = True) -> RecleanReport:
    """Re-run cleaning and extraction on every archived page and attached file; no network."""
    frontier = Frontier(store)
    provinces = frontier.source_provinces()
    report = RecleanReport()
    # The crawl already capped what it kept: no size cap here.
    options = AttachmentOptions(ocr=ocr, cache_dir=ocr_cache_dir(store.path), max_bytes=2**40)
    for url, final_url, source, headers, body in frontier.raw_pages():
        report.pages += 1
        final = canonical_url(final_url or url) or url
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if not looks_like_html(body) and is_attachment(ctype, body):
            outcome = store_attachment(store, frontier, url, final, source, body, options)
            if outcome in ("added", "updated", "unchanged"):
                setattr(report, outcome, getattr(report, outcome) + 1)
                store.crawl.set_document(url, make_id(final))
            else:
                report.unreadable += 1
                store.crawl.set_document(url, None, outcome)
            store.commit()
            if progress is not None:
                progress(report, url)
            continue
        listed = frontier.listing_date(url)
        origin = Origin(url=final, headers=headers, source=source, province=provinces.get(source),
                        site_names=tuple(learned_site_names(frontier.host_titles(site_host(final)))),
                        listed=dt.date.fromisoformat(listed) if listed else None)
        doc_id = make_id(final)
        previous = store.get(doc_id)
        doc = page_document(body, origin, doc_id=doc_id, fetched_at=previous.fetched_at if previous else now(),
                            near_duplicate_of=previous.near_duplicate_of if previous else None)
        if doc is None:
            report.listings += 1
            old = frontier.doc_id_of(url)
            if old and store.delete(old):
                report.removed += 1
            store.crawl.set_state(url, "listing", None)
        else:
            outcome = store.upsert(doc)
            setattr(report, outcome, getattr(report, outcome) + 1)
            store.crawl.set_state(url, "article", doc_id)
        store.commit()
        if progress is not None:
            progress(report, url)
    if link_duplicates:
        report.near_duplicates = link_near_duplicates(store)
    return report
