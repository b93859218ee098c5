"""Build or incrementally update the Whoosh index from the corpus store.

Only documents whose stamp changed are (re)indexed; documents gone from the
store are deleted.  The stamps of what the index holds live in a sidecar file
written after Whoosh's atomic commit: a crash in between only means a few
documents are re-indexed next time (``update_document`` is idempotent).

A full (re)build is written into a sibling directory and swapped in by
rename once committed, so a crash mid-build leaves the previous index
searchable.  Documents are written by :mod:`indexer.segments` (Whoosh's
segment format, less Python per posting); large batches are split into
segments written by worker processes and committed together by the
process holding the lock.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from whoosh import index as windex
from whoosh import query as Q
from whoosh.index import LockError
from whoosh.reading import SegmentReader

from corpus.store.workers import forked_pool, stop
from corpus.store.db import Store
from corpus.extract.directive_records import from_citations, join_citations, read_citations
from indexer.records import attribution, document_keys, split_key
from indexer.analysis import Background, load_segmenter
from indexer.schema import SCHEMA_VERSION, listed, make_schema, to_fields, word_terms_of
from indexer.term_rules import BACKGROUND_DOCS
from indexer.segments import FastSegmentWriter, write_segment
from indexer import significant

STAMPS_FILE = "danvan-stamps.json"
BACKGROUND_FILE = "danvan-keywords.json"  # the document frequencies keywords are weighed against
PARALLEL_MIN_DOCS = 2_000  # below this, worker start-up costs more than it saves
# Worker memory per character of text in its segment, on top of what a
# worker starts with (WORKER_BASE: at 100k documents ~490 MB, the parent's
# pages it shares, pyvi's model and the compiled decoder).  Measured by
# benchmarks/segment_memory.py (one segment written as a worker writes it):
# since a field's postings spill to temporary files as they grow, a worker's
# index store is read unmapped and each field's sorted postings are let go of
# before the next field's (session 12), 16.2 bytes a character on 62M of real
# news text (23.2 before), 16.0 on the synthetic corpus, 17.2-17.8 at 40M; a
# whole 100k build in four segments of 62.4M: largest worker 1,203 MB (six
# segments of 41.5M before: 1,408).  Real text read every k-th row (all
# topics mixed) costs ~1.5 bytes a character more.  24 keeps a margin.
# Earlier: 40 (session 9: 27-32 measured), 65 before the postings were packed.
# Segments are as big as a third of the available memory allows, and
# WORKER_MEMORY at most: every segment costs each query a little.
WORKER_BYTES_PER_CHAR = 24
WORKER_BASE = 512 * 2**20
WORKER_MEMORY = 2 * 2**30
SEGMENT_CHARS = (4_000_000, 64_000_000)  # smallest and largest segment budget


class IndexBusy(RuntimeError):
    """Another process is writing the index."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"the index in {index_dir} is being written by another process; try again when it finishes")


@dataclass
class IndexReport:
    """What one ``update_index`` run did."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rebuilt: bool = False
    reattributed: int = 0  # unchanged documents rewritten because a citation of theirs now means another record
    reason: str = ""  # why a rebuild was needed, when the user did not ask for it (an index from an older danvan)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted


PENDING = ".pending"


def _read_stamps(index_dir: Path, generation: int | None = None) -> dict:
    """The stamps of what the index holds.

    Stamps are written as ``.pending`` (with the generation the commit will
    have) before Whoosh commits, and made current after.  A process killed
    in between leaves a pending file: if the index reached that generation,
    the commit happened and the pending stamps are the true ones.
    """
    pending = index_dir / (STAMPS_FILE + PENDING)
    if generation is not None and pending.exists():
        try:
            target = json.loads(pending.read_text("utf-8")).get("generation")
        except (OSError, ValueError):
            target = None
        if target is not None and generation >= target:
            os.replace(pending, index_dir / STAMPS_FILE)
        else:
            pending.unlink(missing_ok=True)
    try:
        data = json.loads((index_dir / STAMPS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("schema_version") != SCHEMA_VERSION:
        return {}
    return data.get("stamps", {})


def read_records(index_dir: str | Path) -> dict[str, dict]:
    """The directive records the index holds (record key -> profile and citation count), as last committed."""
    try:
        data = json.loads((Path(index_dir) / STAMPS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("records", {}) if data.get("schema_version") == SCHEMA_VERSION else {}


def read_store_path(index_dir: str | Path) -> Path | None:
    """The corpus store the index was built from (it holds the texts the index does not), as last committed."""
    try:
        data = json.loads((Path(index_dir) / STAMPS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    store = data.get("store")
    return Path(index_dir) / store if isinstance(store, str) and store else None


def _write_stamps(index_dir: Path, stamps: dict, suffix: str = "", generation: int | None = None,
                  records: dict | None = None, store: Path | None = None) -> Path:
    tmp = index_dir / (STAMPS_FILE + ".tmp")
    # The store relative to the index: a data directory moved or copied whole still finds its texts.
    where = os.path.relpath(Path(store).resolve(), index_dir.resolve()) if store is not None else None
    tmp.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "stamps": stamps, "generation": generation,
                               "records": records or {}, "store": where}, ensure_ascii=False), "utf-8")
    target = index_dir / (STAMPS_FILE + suffix)
    os.replace(tmp, target)
    return target


def _siblings(index_dir: Path) -> tuple[Path, Path]:
    """Where a rebuild is written, and where the old index waits during the swap."""
    return index_dir.with_name(f".{index_dir.name}.new"), index_dir.with_name(f".{index_dir.name}.old")


def _restore(index_dir: Path) -> None:
    """Undo a swap that a crash interrupted between its two renames."""
    _, old = _siblings(index_dir)
    if not index_dir.exists() and old.exists():
        os.replace(old, index_dir)


def _clear_leftovers(index_dir: Path) -> None:
    """Drop what a crashed rebuild left (call with the index lock held)."""
    for leftover in _siblings(index_dir):
        if leftover.exists():
            shutil.rmtree(leftover)


def _needs_rebuild(index_dir: Path, rebuild: bool) -> str | None:
    """Why the index must be rebuilt: "" when it is missing, unfinished or ``rebuild``, a sentence when an older
    danvan wrote it (another schema version, or a field it lacks); None when it can be updated."""
    if rebuild or not windex.exists_in(str(index_dir)):
        return ""
    try:
        version = json.loads((index_dir / STAMPS_FILE).read_text("utf-8")).get("schema_version")
    except (OSError, ValueError, AttributeError):
        return ""
    older = f"the index was written by an older danvan (index format {version}, now {SCHEMA_VERSION})"
    if version != SCHEMA_VERSION:
        return older
    if _read_stamps(index_dir) == {}:
        return ""
    return older if set(make_schema().names()) - set(windex.open_dir(str(index_dir)).schema.names()) else None


@contextmanager
def _locked(index_dir: Path):
    """Hold the existing index's write lock (if any) while a rebuild replaces it."""
    lock = None
    if windex.exists_in(str(index_dir)):
        lock = windex.open_dir(str(index_dir)).storage.lock("MAIN_WRITELOCK")
        if not lock.acquire(blocking=False):
            raise IndexBusy(index_dir)
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def _swap_in(new: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` by the committed index in ``new``."""
    _, old = _siblings(index_dir)
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(new, index_dir)
    shutil.rmtree(old, ignore_errors=True)


def _procs(count: int, procs: int | None) -> int:
    if procs is None:
        return min(os.cpu_count() or 1, 4) if count >= PARALLEL_MIN_DOCS else 1
    return max(1, procs)


def _available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def _segment_chars(procs: int) -> int:
    """Characters of text per segment when ``procs`` workers write at once."""
    smallest, largest = SEGMENT_CHARS
    memory = min(_available_memory() // 3 // procs, WORKER_MEMORY) - WORKER_BASE
    return max(smallest, min(largest, memory // WORKER_BYTES_PER_CHAR))


def _chunks(ids: list[str], sizes: dict[str, int], procs: int, most: int) -> list[list[str]]:
    """Split ``ids`` into segments of about equal text, in order: as few as keep each within ``most`` characters,
    rounded up to a multiple of ``procs``.

    The workers write ``procs`` segments at a time: a last round of fewer segments than workers leaves cores
    idle (at 100k, 5 segments on 2 cores took 3 rounds, the last on one core), and smaller segments need less
    memory.
    """
    cumulative = list(accumulate(sizes.get(doc_id, 0) + 1 for doc_id in ids))
    total = cumulative[-1] if cumulative else 0
    count = max(1, -(-total // max(1, most)))
    count = min(len(ids), -(-count // procs) * procs) or 1
    chunks: list[list[str]] = [[] for _ in range(count)]
    for doc_id, end in zip(ids, cumulative):
        # by where the document's text ends: chunk k ends where the text reaches (k + 1) / count of the total
        chunks[min(count - 1, (end - 1) * count // total)].append(doc_id)
    return [chunk for chunk in chunks if chunk]


def _segment_job(job: tuple[str, str, list[str], dict[str, list[str]], Background]):
    """Worker: write one segment from the store's documents ``ids`` (``keys``: their directive record keys)."""
    store_path, index_dir, ids, keys, background = job
    # A worker builds up millions of postings that live until the segment is
    # written; the cyclic collector would walk them over and over.
    gc.disable()
    store = Store(store_path, mapped=False)
    try:
        docs = (to_fields(doc, keys.get(doc.id), background) for doc in store.documents(ids))
        ix = windex.open_dir(index_dir)
        segment = write_segment(ix, docs)
        if segment is not None:  # its stored terms' files, made here rather than by the parent after the commit
            with SegmentReader(ix.storage, ix.schema, segment) as reader:
                significant.keep_stored_terms(reader)
        return segment, len(ids)
    finally:
        store.close()
        # A Whoosh writer ends up in a reference cycle (an exception its temp
        # storage kept holds its frame): collect it before the next job.
        gc.collect()


def _fork_workers(count: int) -> ProcessPoolExecutor | None:
    """``count`` worker processes started now, sharing pyvi's model with this one (None if ``count`` < 2).

    A :func:`~corpus.store.workers.forked_pool`, which fails when a worker dies instead of waiting forever
    with the lock held.  Workers open their own store connection and index, and die with this process: a
    killed ``danvan index`` leaves no worker behind, only uncommitted segment files that Whoosh deletes at
    the next commit.
    """
    if count < 2:
        return None
    load_segmenter()  # once here, shared by the forked workers, not loaded by each
    pool = forked_pool(count)
    pool.submit(int).result()  # a fork pool forks every worker at its first task: now
    return pool


def _stop(pool: ProcessPoolExecutor | None) -> None:
    """End ``pool``'s workers without waiting for their tasks (a build that failed)."""
    if pool is not None:
        stop(pool)


def _write_segments(pool: ProcessPoolExecutor, workers: int, store: Store, index_dir: Path, ids: list[str],
                    progress: Callable[[int], None] | None, keys: dict[str, list[str]],
                    background: Background) -> list:
    """Write ``ids`` as new segments of the index in ``index_dir`` by ``pool``'s ``workers``, then shut it down.

    The segments are returned in ``ids`` order (so docnums follow it) for the
    lock holder to commit.
    """
    chunks = _chunks(ids, store.text_sizes(), workers, _segment_chars(workers))
    jobs = [(str(store.path), str(index_dir), chunk, {i: keys[i] for i in chunk if i in keys}, background.only(chunk))
            for chunk in chunks]
    segments = []
    done = 0
    try:
        for segment, count in pool.map(_segment_job, jobs):
            if segment is not None:
                segments.append(segment)
            done += count
            if progress:
                progress(done)
    except BaseException:
        _stop(pool)  # do not wait for the other segments
        raise
    pool.shutdown()
    return segments


def update_index(store: Store, index_dir: str | Path, *, rebuild: bool = False,
                 progress: Callable[[int], None] | None = None,
                 on_start: Callable[[int], None] | None = None, procs: int | None = None) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with ``store``.

    ``on_start(n)`` is told how many documents will be written, ``progress(k)``
    is called as they are.  ``procs`` worker processes write the documents
    (default: all cores for large batches, 1 for small ones).  Raises
    :class:`IndexBusy` if another writer holds the lock.
    """
    index_dir = Path(index_dir)
    _restore(index_dir)
    reason = _needs_rebuild(index_dir, rebuild)
    if reason is not None:
        with _locked(index_dir):
            _clear_leftovers(index_dir)
            new, _ = _siblings(index_dir)
            new.mkdir(parents=True)
            try:
                report = _write(store, windex.create_in(str(new), make_schema()), new, True, progress, on_start, procs)
                _swap_in(new, index_dir)
            finally:
                shutil.rmtree(new, ignore_errors=True)
        report.reason = reason
        return report
    return _write(store, windex.open_dir(str(index_dir)), index_dir, False, progress, on_start, procs)


def _changes(current: dict, indexed: dict) -> tuple[list[str], list[str]]:
    """Ids to (re)write and ids to delete for the index holding ``indexed`` to match ``current``."""
    return ([doc_id for doc_id, stamp in current.items() if indexed.get(doc_id) != stamp],
            [doc_id for doc_id in indexed if doc_id not in current])


def _citations_job(job: tuple[str, list[str], set[str] | None]):
    """Worker: what the store's documents ``ids`` say about the numbers they cite (of ``numbers``), and the
    numbers each citing document holds."""
    store_path, ids, numbers = job
    store = Store(store_path, mapped=False)
    cited: dict[str, list[str]] = {}

    def citing():
        # Only the documents listing numbers are read whole, and only the fields read_citations reads.
        listing = [doc_id for doc_id, cites in store.values(ids, ("id", "directives")) if cites]
        for doc in store.fields(listing, ("id", "title", "text", "published", "year", "directives")):
            cited[doc["id"]] = doc["directives"]
            yield doc

    try:
        return read_citations(citing(), numbers), cited
    finally:
        store.close()


def _read_citations(store: Store, ids: list[str], numbers: set[str] | None, procs: int | None,
                    pool: ProcessPoolExecutor | None = None):
    """:func:`_citations_job` over ``ids``, by ``procs`` worker processes for large sets (``pool``'s, if given):
    (found, numbers per citing document), ``found`` as :func:`corpus.extract.directive_records.catalogue` gives it."""
    procs = _procs(len(ids), procs)
    size = max(1, -(-len(ids) // (procs * 4)))  # contiguous chunks, joined in order
    jobs = [(str(store.path), ids[i:i + size], numbers) for i in range(0, len(ids), size)]
    if pool is not None and len(jobs) > 1:
        parts = list(pool.map(_citations_job, jobs))
    elif procs == 1 or len(jobs) <= 1:  # no job (a store without documents) needs no pool
        parts = [_citations_job(job) for job in jobs]
    else:
        with forked_pool(min(procs, len(jobs))) as pool:
            parts = list(pool.map(_citations_job, jobs))
    cited: dict[str, list[str]] = {}
    for _part, numbers_of in parts:
        cited.update(numbers_of)
    return from_citations(join_citations(part for part, _n in parts)), cited


def _attribution(store: Store, ix: windex.Index, index_dir: Path, fresh: bool, to_write: list[str],
                 to_delete: list[str], procs: int | None,
                 pool: ProcessPoolExecutor | None) -> tuple[dict[str, list[str]], dict[str, dict], list[str]]:
    """Directive record keys of the documents to write, the records' profiles, and the ids of unchanged
    documents whose keys changed (they are rewritten too).

    Attribution depends on every document citing a number, so an update recomputes it for the numbers
    the written and deleted documents cite (before and after), over all documents citing them.
    """
    if fresh:
        found, numbers = _read_citations(store, sorted(to_write), None, procs, pool)
        keys, records, several = attribution(found)
        return {i: document_keys(ns, keys.get(i, {}), several) for i, ns in numbers.items()}, records, []
    affected: set[str] = set()
    stored: dict[str, tuple[list[str], list[str]]] = {}  # unchanged citing doc -> (numbers, keys)
    changed = set(to_write) | set(to_delete)
    numbers = {doc.id: doc.directives for doc in store.documents(to_write)}
    with ix.searcher() as searcher:
        for doc_id in changed:
            fields = searcher.document(id=doc_id)
            affected.update(listed((fields or {}).get("directives")))
        for ns in numbers.values():
            affected.update(ns)
        for number in affected:
            for docnum in searcher.docs_for_query(Q.Term("directives", number)):
                fields = searcher.stored_fields(docnum)
                if fields["id"] not in changed:
                    stored[fields["id"]] = (listed(fields.get("directives")), listed(fields.get("directive_record")))
    old = read_records(index_dir)
    citing = sorted({i for i, ns in numbers.items() if ns} | set(stored))
    attributed, fresh_records, several = attribution(_read_citations(store, citing, affected, procs, pool)[0])
    records = {k: v for k, v in old.items() if split_key(k)[0] not in affected} | fresh_records
    keys = {i: document_keys(ns, attributed.get(i, {}), several) for i, ns in numbers.items() if ns}
    moved = []
    for doc_id, (ns, was) in stored.items():
        now = [k for n in ns for k in (document_keys([n], attributed.get(doc_id, {}), several) if n in affected
                                       else [k for k in was if split_key(k)[0] == n])]
        if now != was:
            keys[doc_id] = now
            moved.append(doc_id)
    return keys, records, moved


def _background_job(job: tuple[str, list[str]]) -> list[tuple[str, Counter]]:
    """Worker: the word terms of the store's documents ``ids`` (a sample for the keyword background)."""
    store_path, ids = job
    store = Store(store_path, mapped=False)
    try:
        return _sample_terms(store, ids)
    finally:
        store.close()


def _sample_terms(store: Store, ids: list[str]) -> list[tuple[str, Counter]]:
    """(id, word terms) of the store's documents ``ids``: what the keyword background counts."""
    return [(doc.id, word_terms_of(doc)) for doc in store.documents(ids)]


def _sample(ids: list[str]) -> list[str]:
    """The documents a rebuild's keyword background is sampled from: every k-th by id, :data:`BACKGROUND_DOCS` at
    most."""
    ids = sorted(ids)
    return ids[::max(1, -(-len(ids) // BACKGROUND_DOCS))]


def _sampling(store: Store, ids: list[str], pool: ProcessPoolExecutor, workers: int) -> list[Future]:
    """:func:`_background_job` of the sample of ``ids`` started in ``pool``, in ``workers`` parts (they run beside
    the citations instead of before the segments, in the parent alone)."""
    sample = _sample(ids)
    size = max(1, -(-len(sample) // workers))
    return [pool.submit(_background_job, (str(store.path), sample[i:i + size])) for i in range(0, len(sample), size)]


def _background(store: Store, index_dir: Path, fresh: bool, ids: list[str],
                sampled: list[Future] | None = None) -> Background:
    """The document frequencies this index weighs keywords against: sampled from the store at a rebuild (every
    k-th of its documents by id, :data:`BACKGROUND_DOCS` at most; ``sampled``: their word terms being read by
    :func:`_sampling`) and kept beside the index, so a document gets the same keywords whenever it is written
    until the next rebuild."""
    path = index_dir / BACKGROUND_FILE
    if not fresh:
        try:
            data = json.loads(path.read_text("utf-8"))
            return Background(int(data["size"]), {str(k): int(v) for k, v in data["df"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # an index from before keywords, or a damaged file: sample again
    if sampled is not None:
        background = Background.of(found for part in sampled for found in part.result())
    else:  # segmented here: pyvi is loaded and its decoder compiled when the sample makes that pay (COMPILE_AFTER)
        background = Background.of(_sample_terms(store, _sample(ids)))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"size": background.size, "df": background.df}, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)
    return background


def _write(store: Store, ix: windex.Index, index_dir: Path, fresh: bool,
           progress: Callable[[int], None] | None, on_start: Callable[[int], None] | None,
           procs: int | None) -> IndexReport:
    """Write what changed since the last commit into ``ix`` (all of ``store`` if ``fresh``), then record the stamps.

    ~60 lines: the steps (changed ids, attribution, keyword background, segments, commit under the lock, stamps)
    run in this order under one writer lock; each step is a function of its own.
    """
    report = IndexReport(rebuilt=fresh)
    current = store.stamps()
    if not fresh and not any(_changes(current, _read_stamps(index_dir))):  # a first look, without the lock
        report.unchanged = len(current)
        return report
    try:
        writer = FastSegmentWriter(ix, timeout=0)  # plain segment files: see FastSegmentWriter
    except LockError as exc:
        raise IndexBusy(index_dir) from exc
    indexed = {}
    if not fresh:
        _clear_leftovers(index_dir)  # we hold the lock, so no rebuild is running
        # Only the lock holder may settle a pending commit's stamps (see _read_stamps).
        indexed = _read_stamps(index_dir, ix.latest_generation())
    to_write, to_delete = _changes(current, indexed)
    report.unchanged = len(current) - len(to_write)
    workers = _procs(len(to_write), procs) if len(to_write) > 1 else 1
    # Forked before attribution and the keyword background fill this process (~300 MB at 100k documents, more
    # with more): a worker's memory is its segment and what it inherits.  They read citations first.
    pool = _fork_workers(workers)
    try:
        sampled = _sampling(store, list(current), pool, workers) if fresh and pool is not None and to_write else None
        keys, records, reattributed = _attribution(store, ix, index_dir, fresh, to_write, to_delete, procs, pool)
        report.reattributed = len(reattributed)
        background = (_background(store, index_dir, fresh, list(current), sampled) if to_write or reattributed
                      else Background())
    except BaseException:
        _stop(pool)
        raise
    try:
        if on_start:
            on_start(len(to_write))
        for doc_id in to_delete:
            writer.delete_by_term("id", doc_id)
            report.deleted += 1
        report.updated = sum(1 for doc_id in to_write if doc_id in indexed)
        report.added = len(to_write) - report.updated
        to_write = to_write + reattributed
        if pool is not None:
            if not fresh:  # every id, not only those the stamps list: never two copies of a document
                for doc_id in to_write:
                    writer.delete_by_term("id", doc_id)
            writer.add_segments(_write_segments(pool, workers, store, index_dir, to_write, progress, keys, background))
        else:
            for n, doc in enumerate(store.documents(to_write), 1):
                if fresh:
                    writer.add_document(**to_fields(doc, keys.get(doc.id), background))
                else:
                    writer.update_document(**to_fields(doc, keys.get(doc.id), background))
                if progress:
                    progress(n)
        # Stamps for the generation this commit creates, so that a kill
        # between the commit and the line after it costs nothing (see _read_stamps).
        pending = _write_stamps(index_dir, current, PENDING, ix.latest_generation() + 1, records, store.path)
        writer.commit()
    except BaseException:
        _stop(pool)
        if not writer.is_closed:
            writer.cancel()
        # If the commit got through before the error, its pending stamps are
        # the true ones; otherwise they are dropped.
        _read_stamps(index_dir, ix.latest_generation())
        raise
    os.replace(pending, index_dir / STAMPS_FILE)
    try:
        with ix.reader() as reader:
            significant.keep_stored_terms(reader)  # what a server's start reads instead of every stored term
    except OSError:  # the commit stands; a build that replaced these segments meanwhile, or a server's start,
        pass  # makes the files (they are a cache of the segments' word_counts column)
    return report
