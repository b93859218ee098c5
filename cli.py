"""The `danvan` command line: thin commands over the corpus and indexer libraries.

Longer than the ~400 lines a module should hold, on purpose: it is one command per
function (parse options, one library call, print), and the console script
`danvan = cli:cli` and `python -m cli` need it to be one top-level module.
Logic the web also needs lives below it (the request in indexer/request.py,
batch search in indexer/batch.py).  Libraries are imported inside commands so
that `danvan --help` starts fast.
"""
from __future__ import annotations

import contextlib
import csv
import html
import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import click

from corpus.store import config, jsonlines
from corpus.store.document import FIELDS
from corpus.crawl.sources import KINDS, MAX_DELAY
from corpus.store.db import Store


def data_dir_option(fn):
    """--data-dir / $DANVAN_HOME, shared by every command."""
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=config.ENV_VAR,
        show_envvar=True, help="Where the corpus and index live (default: the user data directory).",
    )(fn)


def _home(data_dir: Path | None, *, must_exist: bool = True) -> Path:
    home = config.data_dir(data_dir)
    if must_exist and not config.store_path(home).exists():
        raise click.ClickException(
            f"no corpus in {home}: import documents first (danvan import PATH) or pass --data-dir")
    return home


def _open_store(data_dir: Path | None, *, create: bool = False) -> Store:
    return Store(config.store_path(_home(data_dir, must_exist=not create)))


class _Group(click.Group):
    """The commands' group: a store from a newer danvan is a clear error, not a traceback."""

    def invoke(self, ctx: click.Context):
        from corpus.store.schema import SchemaTooNew
        try:
            return super().invoke(ctx)
        except SchemaTooNew as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="danvan")
def cli() -> None:
    """danvan: search Vietnamese mass-mobilisation (dân vận) documents.

    Example: danvan import corpus/samples && danvan index && danvan search "dân vận khéo"
    """


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-index", is_flag=True,
              help="Leave the search index as it is (search sees the new documents after `danvan index`).")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scanned PDFs (they are reported as skipped).")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Worker processes cleaning and extracting [default: every core, at most 4].")
@data_dir_option
def import_(paths: tuple[Path, ...], no_index: bool, no_ocr: bool, procs: int | None, data_dir: Path | None) -> None:
    """Import text dumps (.txt), saved pages (.html), JSONL and document files into the corpus.

    Document files (.pdf .docx .doc .odt .rtf) are read whole, scans by OCR
    (tesseract, Vietnamese); their header gives number, date and title.

    Directories are searched for those files.  Importing a file again updates
    its document instead of adding a copy.  When an index exists it is
    updated with what changed, so search finds the new documents at once.
    JSONL may be of any size and compressed (.jsonl.gz, .jsonl.xz); a bad
    line is skipped with its number.

    Example: danvan import corpus/samples ../shared/corpus/seeds/000_6fa542eac2eb467b.txt
    """
    from corpus.extract.attachments import AttachmentOptions, ocr_cache_dir
    from corpus.store.importer import MAX_FILE_BYTES, import_paths

    with _open_store(data_dir, create=True) as store:
        files = AttachmentOptions(ocr=not no_ocr, cache_dir=ocr_cache_dir(store.path), max_bytes=MAX_FILE_BYTES)
        report = import_paths(store, paths, files=files, workers=procs or min(os.cpu_count() or 1, 4))
        total = store.count()
    for where, problem in report.problems:
        click.echo(f"skipped {where}: {problem}", err=True)
    for where, note in report.notes:
        click.echo(f"note {where}: {note}", err=True)
    o = report.outcomes
    unshown = o["skipped"] + o["noted"] - len(report.problems) - len(report.notes)
    if unshown:
        click.echo(f"... and {unshown} more skipped or noted, not shown", err=True)
    click.echo(f"imported {report.imported} documents ({o['added']} new, {o['updated']} updated, "
               f"{o['unchanged']} unchanged); {o['skipped']} skipped; {o['noted']} noted; {total} in the corpus")
    if o["added"] + o["updated"]:
        _index_after_import(_home(data_dir), skip=no_index)
    if not report.imported and report.problems:
        raise click.ClickException("nothing could be imported")


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build the index from scratch.")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Worker processes writing the index [default: every core for 2,000+ documents, else 1].")
@data_dir_option
def index(rebuild: bool, procs: int | None, data_dir: Path | None) -> None:
    """Build or update the search index (only new or changed documents).

    Example: danvan index
    """
    home = _home(data_dir)
    with Store(config.store_path(home)) as store:
        click.echo(_index_summary(_update_index(store, home, rebuild=rebuild, procs=procs)))


def _index_after_import(home: Path, *, skip: bool) -> None:
    """Update an existing index with what an import changed, or say that search does not see it yet."""
    if skip or not config.index_path(home).exists():
        click.echo("search will not see the new documents until you run `danvan index`")
        return
    with Store(config.store_path(home)) as store:
        click.echo(_index_summary(_update_index(store, home)))


def _update_index(store: Store, home: Path, *, rebuild: bool = False, procs: int | None = None):
    """Bring the index of ``home`` up to date with ``store``, with a progress bar on a terminal."""
    from indexer.build import IndexBusy, update_index

    bar = None

    def start(n: int) -> None:
        nonlocal bar
        if n and sys.stderr.isatty():
            bar = click.progressbar(length=n, label="indexing", file=sys.stderr)
            bar.__enter__()

    def progress(k: int) -> None:
        if bar is not None:
            bar.update(k - bar.pos)

    checked, changed = store.reclassify()  # the genre rules changed since these rows were filed
    if checked:
        click.echo(f"genre rules changed: {checked} documents filed again, {changed} of them with another "
                   f"genre or period")
    try:
        return update_index(store, config.index_path(home), rebuild=rebuild,
                            on_start=start, progress=progress, procs=procs)
    except IndexBusy as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _index_summary(report) -> str:
    return ((f"{report.reason}: rebuilt it from the store\n" if report.reason else "")
            + f"index {'built' if report.rebuilt else 'updated'}: {report.added} added, "
            f"{report.updated} updated, {report.deleted} deleted, {report.unchanged} unchanged"
            + (f"; {report.reattributed} rewritten because a directive number they cite now means another record"
               if report.reattributed else ""))


def _service(home: Path):
    from indexer.search import IndexMissing, SearchService

    try:
        return SearchService(config.index_path(home))
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None


def _api_json(home: Path, path: str, echo: bool) -> dict | None:
    """The JSON object the web app answers for ``path`` (None once printed, when ``echo``); errors as ClickException."""
    from search_app import create_app

    _service(home)  # a missing index is a user error with a hint, not a 503 page
    response = create_app({"DANVAN_HOME": str(home)}).test_client().get(path)
    data = response.get_json()
    if response.status_code != 200:
        raise click.ClickException(data["error"]["message"])
    if echo:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return None
    return data


def filter_options(fn):
    """The search filters as options, for every command that selects documents (read with _search_request)."""
    for option in reversed([
        click.option("--province", multiple=True, help="Province as published (repeatable), e.g. 'Hà Giang'."),
        click.option("--province-2025", "province_2025", multiple=True,
                     help="Province after the 1/7/2025 merge, e.g. 'Tuyên Quang' (danvan provinces lists both sets)."),
        click.option("--year", multiple=True, help="Publication year (repeatable), 1900-2100."),
        click.option("--from", "date_from", metavar="DATE", help="Published on or after DATE (YYYY-MM-DD)."),
        click.option("--to", "date_to", metavar="DATE", help="Published on or before DATE (YYYY-MM-DD)."),
        click.option("--directive", multiple=True, help="Cited document number, any spelling, e.g. '16/ct-ttg'."),
        click.option("--genre", multiple=True,
                     help="Kind of document (repeatable): six_month_review, annual_review, multi_year_review, "
                          "plan, guidance, report, model_story, news, unknown."),
        click.option("--period", multiple=True,
                     help="Period a document reports on (repeatable), e.g. 2022, 2022-H1, 2022-Q3, 2016-2020."),
        click.option("--keyword", multiple=True,
                     help="One of a document's keywords (repeatable), e.g. 'chuyển đổi số'."),
    ]):
        fn = option(fn)
    return fn


def _search_request(query: str, options: dict):
    """The validated request for QUERY and the filter options (the parser --batch lines use too).

    A bad value is a usage error (exit 2) naming the option and what it accepts.
    """
    from indexer.request import QueryError, SearchRequest

    try:
        return SearchRequest.from_options({"query": query, **options})  # date_from/date_to: the parser's old names
    except QueryError as exc:
        if exc.name in (None, "query"):
            raise click.UsageError(str(exc)) from None
        raise click.BadParameter(str(exc), param_hint=f"'--{exc.name.replace('_', '-')}'") from None


@cli.command()
@click.argument("query", required=False, default="")
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", type=int, default=10, show_default=True, help="Hits per page (1-100).")
@click.option("--page", type=int, default=1, show_default=True, help="Page of hits (1-10000).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Run every query of a JSONL file (format below); print one JSON line each.")
@data_dir_option
@click.pass_context
def search(ctx: click.Context, query: str, batch, as_json: bool, data_dir: Path | None, **options) -> None:
    """Search the index; show ranked hits, snippets and facet counts.

    Type words with or without diacritics, "quoted phrases", -word to exclude,
    and document numbers in any spelling.  Snippets in --json mark matched
    words with <mark>...</mark>.

    Example: danvan search "dân vận khéo" --province "Vĩnh Long" --year 2019

    --batch FILE: one JSON object per line, keys named like the options
    ("-" or "_"), each optional; province, province_2025, year and directive
    take one value or a list:

    \b
      {"qid": "q1", "query": "dân vận khéo", "province_2025": "Vĩnh Long",
       "year": [2019, 2020], "directive": "25-NQ/TW", "sort": "date",
       "page": 1, "limit": 10}
      {"qid": "q2", "query": "hòa giải", "from": "2024-01-01", "to": "2024-06-30"}

    Each line prints the --json object plus "qid", or {"qid", "line",
    "error", "parameter"} when the line has an unknown key or a bad value;
    the other lines still run, and the command then exits 2.
    """
    from indexer.search import QueryError

    if batch is not None:
        given = [p.opts[0] for p in ctx.command.params if p.name in ("query", *options)
                 and ctx.get_parameter_source(p.name).name != "DEFAULT"]
        if given:
            raise click.UsageError(f"--batch reads queries and filters from its file: drop {', '.join(given)} "
                                   f"(or put them in each line)")
        _run_batch(_service(_home(data_dir)), batch)
        return
    request = _search_request(query, options)
    if not request.q.strip() and not request.filters() and not (request.date_from or request.date_to):
        raise click.UsageError("empty query: give search words, a document number or a filter")
    service = _service(_home(data_dir))
    try:
        result = service.search(request)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_result(result)


def _run_batch(service, lines) -> None:
    from indexer.batch import run_batch

    ran = failed = 0
    for out, done in run_batch(service, lines):
        ran, failed = ran + done, failed + (not done)
        click.echo(jsonlines.line(out))
    if failed:
        click.echo(f"Error: {failed} of {ran + failed} batch lines not run (see their \"error\"); "
                   f"danvan search --help describes the format", err=True)
        click.get_current_context().exit(2)


_MARK = re.compile(r"<mark>(.*?)</mark>")


def _terminal(snippet_html: str) -> str:
    """Snippet HTML as terminal text: highlights bold, entities decoded."""
    return html.unescape(_MARK.sub(lambda m: click.style(m.group(1), bold=True), snippet_html))


FACET_SHOWN = 12  # facet values printed per facet; --json has them all
FACET_LABELS = {"province": "Tỉnh/thành", "province_2025": "Tỉnh/thành (2025)", "year": "Năm", "directive": "Văn bản",
                "genre": "Loại", "period": "Kỳ", "keyword": "Từ khóa"}


def _print_result(result) -> None:
    from indexer.records import key_label, profile_line
    from indexer.search import FACET_TOP

    r = result.request
    click.echo(f"{result.total} kết quả {_described(r)} (trang {r.page}/{result.pages}, {result.elapsed_ms:.0f} ms)")
    if result.suggestion:
        click.echo(f"? Có phải bạn muốn tìm: {result.suggestion}")
    for message in result.messages:
        click.echo(f"! {message}")
    for record in result.directive_records:  # the documents the query names, told apart
        click.echo(f"= {profile_line(record)}  [--directive '{record['key']}']")
    for n, hit in enumerate(result.hits, (r.page - 1) * r.limit + 1):
        click.echo()
        click.echo(click.style(f"{n:>3}. {hit.title or '(không có tiêu đề)'}", bold=True))
        meta = " · ".join(x for x in (hit.published, hit.province, ", ".join(map(key_label, hit.records))) if x)
        if meta:
            click.echo(f"     {meta}")
        if hit.parent_id:
            click.echo(f"     tệp đính kèm của: {hit.parent_title or '(không có tiêu đề)'} (id {hit.parent_id})")
        click.echo(f"     {_terminal(hit.snippet)}")
        if hit.missing:
            click.echo(f"     Thiếu: {', '.join(hit.missing)}")
        click.echo(f"     id {hit.id}" + (f"  {hit.url}" if hit.url else ""))
    click.echo()
    for name, values in result.facets.items():
        if values:
            label = {"directive": key_label, "genre": _genre_label}.get(name, str)
            shown = " · ".join(f"{'*' if v.selected else ''}{label(v.value)} ({v.count})" for v in values[:FACET_SHOWN])
            if len(values) > FACET_SHOWN:  # selected values come first, so they are always shown
                capped = len(values) >= FACET_TOP.get(name, len(values) + 1)  # the service listed only its top
                shown += f" · … {len(values) - FACET_SHOWN}{'+' if capped else ''} more (--json lists them)"
            click.echo(f"{FACET_LABELS[name]}: {shown}")
    if result.significant_terms:
        click.echo("Chủ đề nổi bật: " + " · ".join(f"{t.term} ({t.count})" for t in result.significant_terms))


def _genre_label(genre: str) -> str:
    """"Tổng kết năm [annual_review]": the Vietnamese name, and the value --genre takes."""
    from corpus.knowledge.genre_rules import GENRES

    return f"{GENRES[genre]} [{genre}]" if genre in GENRES else genre


def _described(r) -> str:
    """What was searched: the words, else the filters ("cho 'dân vận'", "lọc Năm: 2019")."""
    if r.q:
        return f"cho {r.q!r}"
    parts = [f"{FACET_LABELS[name]}: {', '.join(values)}" for name, values in r.filters().items()]
    parts += [f"{label} {day}" for label, day in (("từ", r.date_from), ("đến", r.date_to)) if day]
    return "lọc " + "; ".join(parts)


@cli.command()
@click.argument("phrases", nargs=-1, required=True)
@click.option("--by", type=click.Choice(["year", "province", "province_2025"]), default="year", show_default=True,
              help="Count per publication year, per province as published, or per province since 1/7/2025.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {\"terms\": [{term, total, buckets}]}.")
@data_dir_option
def trends(phrases: tuple[str, ...], by: str, as_json: bool, data_dir: Path | None, **options) -> None:
    """Count the documents containing each PHRASE (up to five) per year or province.

    Matched as search matches a "quoted phrase" (with or without diacritics);
    per_1000 is the count per 1,000 documents of that year (or province)
    under the same filters; total also counts documents with no year.

    Example: danvan trends "chuyển đổi số" "dân vận khéo" --province-2025 "Tuyên Quang"
    """
    from indexer.search import QueryError
    from indexer.trends import timelines

    request = _search_request("", options)
    service = _service(_home(data_dir))
    try:
        found = timelines(service, list(phrases), request, by)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"terms": [t.to_dict() for t in found]}, ensure_ascii=False, indent=2))
        return
    for trend in found:
        click.echo(click.style(f"{trend.term}: {trend.total} tài liệu", bold=True))
        for b in trend.buckets:
            click.echo(f"  {str(b.value):<20} {b.count:>7}  {b.per_1000:>8.2f} / 1.000")


@cli.command()
@click.argument("doc_id")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def similar(doc_id: str, limit: int, as_json: bool, data_dir: Path | None) -> None:
    """Show documents like DOC_ID (precedents), and its near-duplicates apart.

    Example: danvan similar demo-005
    """
    service = _service(_home(data_dir))
    if service.document(doc_id) is None:
        raise click.ClickException(f"no document with id {doc_id!r}: ids are shown by `danvan search`")
    hits, copies = service.similar(doc_id, limit=limit), service.near_duplicates(doc_id)
    if as_json:
        click.echo(json.dumps({"id": doc_id, "similar": [h.to_dict() for h in hits],
                               "near_duplicates": [h.to_dict() for h in copies]}, ensure_ascii=False, indent=2))
        return
    for label, items in (("Tài liệu tương tự", hits), ("Bản đăng lại (gần trùng)", copies)):
        click.echo(f"{label}: {len(items)}")
        for hit in items:
            meta = " · ".join(x for x in (hit.published, hit.province) if x)
            click.echo(f"  {hit.id}  {hit.title or '(không có tiêu đề)'}" + (f"  [{meta}]" if meta else ""))


@cli.command()
@click.argument("query", required=False, default="")
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]),
              help="[default: csv when --output names a .csv file, else jsonl]")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of standard output; FILE.gz or FILE.xz is compressed.")
@data_dir_option
def export(query: str, sort: str, fmt: str | None, output: Path | None, data_dir: Path | None, **filters) -> None:
    """Write stored documents with all their fields: every one, or those a search finds.

    Without words or filters, every document in id order.  With the words and
    filters of `danvan search`, that result set in rank order (newest first
    with --sort date).  `danvan import` reads the JSONL back, field for field;
    CSV starts with a BOM for spreadsheets.

    Example: danvan export -o corpus.jsonl.xz && danvan export --directive 25-NQ/TW --year 2023 -o 25-nq.csv
    """
    from search_app.export import cell

    suffixes = [s.lower() for s in output.suffixes] if output else []
    fmt = fmt or ("csv" if ".csv" in suffixes else "jsonl")
    request = _search_request(query, {**filters, "sort": sort})
    chosen = request.q.strip() or request.filters() or request.date_from or request.date_to or sort != "relevance"
    with _open_store(data_dir) as store:
        docs = iter(store)
        if chosen:
            docs = store.documents(_found_ids(_home(data_dir), request, store.count()))
        with _output(output) as out:
            if fmt == "jsonl":
                for doc in docs:
                    out.write(jsonlines.line(doc.to_dict()) + "\n")
                return
            out.write("\ufeff")  # so spreadsheet programs read UTF-8, as the web export does
            writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
            writer.writeheader()
            for doc in docs:
                writer.writerow({k: cell(v) for k, v in doc.to_dict().items()})


@contextlib.contextmanager
def _output(path: Path | None):
    """Standard output, or the file ``path`` (gzip or xz compressed when its name ends so)."""
    from corpus.store.importer import COMPRESSED

    if path is None:
        yield sys.stdout
        return
    suffix = path.suffix.lower()
    opener = COMPRESSED[suffix][1] if suffix in COMPRESSED else open
    try:
        out = opener(path, "wt", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    with out:
        yield out


def _found_ids(home: Path, request, most: int):
    """Ids of every document ``request`` finds, in rank order."""
    from indexer.search import QueryError

    try:
        result = _service(home).search(replace(request, page=1, limit=1), keep=max(most, 1))
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    return [doc_id for doc_id, _score in result.ranked]


STATS_COLUMNS = ("province", "province_2025", "year", "source", "genre", "period")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def stats(as_json: bool, data_dir: Path | None) -> None:
    """Show how many documents the corpus holds, by province, year, source, genre and period.

    Example: danvan stats
    """
    with _open_store(data_dir) as store:
        data = {"documents": store.count(), **{col: store.counts_by(col) for col in STATS_COLUMNS}}
    if as_json:
        click.echo(json.dumps({k: v if k == "documents" else [{"value": a, "count": b} for a, b in v]
                               for k, v in data.items()}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['documents']} documents")
    for col in STATS_COLUMNS:
        click.echo(f"\n{col}:")
        for value, count in data[col]:
            click.echo(f"  {count:>6}  {value if value is not None else '(unknown)'}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def provinces(as_json: bool) -> None:
    """List the 63 provinces before 1/7/2025, the 34 since, and which old ones each new one took in.

    --province takes the first set (the name as published), --province-2025
    the second; any spelling, with or without diacritics.

    Example: danvan provinces --json
    """
    from corpus.knowledge.provinces import PROVINCES, PROVINCES_2025, to_2025

    merged = {new: [old for old in PROVINCES if to_2025(old) == new] for new in PROVINCES_2025}
    if as_json:
        click.echo(json.dumps({"province": [{"name": old, "province_2025": to_2025(old)} for old in PROVINCES],
                               "province_2025": [{"name": new, "formerly": olds} for new, olds in merged.items()]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(PROVINCES_2025)} provinces since 1/7/2025 (--province-2025) ← the {len(PROVINCES)} before "
               f"(--province):")
    for new, olds in merged.items():
        click.echo(f"  {new:<16} ← {', '.join(olds)}")


@cli.command()
@click.argument("number")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page of citing documents.")
@click.option("--json", "as_json", is_flag=True, help="Print the object GET /directive/NUMBER.json returns.")
@data_dir_option
def directive(number: str, page: int, as_json: bool, data_dir: Path | None) -> None:
    """Show what a document number is: each document bearing it, its profile and who cites it.

    NUMBER may be written any way ("16/ct - ttg", "25 NQ TW").

    Example: danvan directive 16/CT-TTg --json
    """
    from urllib.parse import quote

    from corpus.knowledge.directives import normalize_directive

    canonical = normalize_directive(number) if len(number) <= 100 else None
    if canonical is None:
        raise click.ClickException(f"{number[:100]!r} is not a document number such as 25-NQ/TW or 16/CT-TTg")
    data = _api_json(_home(data_dir), f"/directive/{quote(canonical, safe='/')}.json?page={page}", as_json)
    if data is None:
        return
    click.echo(f"{data['number']}: {data['total']} citing documents")
    for record in data["records"]:
        profile = " · ".join(str(record[k]) for k in ("type", "issuer", "issued", "term") if record[k])
        when = record["issued"] or record["year"] or "năm không rõ"
        n = len(record["citations"])
        click.echo(f"\n{record['number']} ({when}): {n} document{'s' if n != 1 else ''}  {profile}")
        if record["subject"]:
            click.echo(f"  về {record['subject']}")
        for name in record["conflicts"]:
            values = "; ".join(f"{v['value']} ({len(v['documents'])})" for v in record["evidence"][name])
            click.echo(f"  conflicting {name}: {values}")
        for rel in record["relations"]:
            other = rel["number"] or f"{rel.get('kind')} {rel.get('years')} năm"
            click.echo(f"  {rel['relation']}: {other} ({len(rel['documents'])} documents)")
    if data["unattributed"]:
        click.echo(f"\nnot attributed to one document: {data['unattributed']}")
    click.echo("\nby year: " + ", ".join(f"{v['value']} {v['count']}" for v in data["by_year"]))


@cli.command()
@click.option("--type", "type_", metavar="TYPE", help="Type in words, any case or accents, e.g. 'chỉ thị'.")
@click.option("--issuer", help="Words of the issuer, e.g. 'Bộ Chính trị'.")
@click.option("--year", type=click.IntRange(1945, 2100), help="Year of issue.")
@click.option("--sort", type=click.Choice(["citations", "date"]), default="citations", show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the object GET /directives.json returns.")
@data_dir_option
def directives(type_: str | None, issuer: str | None, year: int | None, sort: str, page: int, as_json: bool,
               data_dir: Path | None) -> None:
    """List the documents the corpus cites, one line per record, most cited first.

    Example: danvan directives --type "chỉ thị" --issuer "Thủ tướng"
    """
    from urllib.parse import urlencode

    query = {k: v for k, v in {"type": type_, "issuer": issuer, "year": year, "sort": sort, "page": page}.items() if v}
    data = _api_json(_home(data_dir), "/directives.json?" + urlencode(query), as_json)
    if data is None:
        return
    click.echo(f"{data['total']} records (page {data['page']}/{data['pages']})")
    for r in data["records"]:
        when = r["issued"] or r["year"] or "-"
        line = " · ".join(str(x) for x in (r["type"], r["issuer"]) if x)
        click.echo(f"{r['citation_count']:>6}  {r['number']:<22} {when!s:<10}  {line}"
                   + (f" — {r['subject']}" if r["subject"] else ""))


@cli.command(name="citation-graph")
@click.option("--format", "fmt", type=click.Choice(["graphml", "csv"]), default="graphml", show_default=True)
@data_dir_option
def citation_graph(fmt: str, data_dir: Path | None) -> None:
    """Print the citation graph: document -> directive record edges and record co-citation weights.

    GraphML loads into networkx (nx.read_graphml) and Gephi; CSV has one edge a row
    (source, target, kind: cites / unattributed / cocited, weight).

    Example: danvan citation-graph --format graphml > citations.graphml
    """
    from corpus.extract.citation_graph import to_csv, to_graphml

    found = _service(_home(data_dir)).directive_catalogue()
    click.echo(to_graphml(found) if fmt == "graphml" else to_csv(found), nl=False)


def _status_line(text: str) -> None:
    """Overwrite one progress line on a terminal (stderr); silent otherwise."""
    if sys.stderr.isatty():
        click.echo("\r\033[K" + text[:110], nl=False, err=True)


@cli.command()
@click.option("--province", help="Only the portals of this (pre-2025) province, e.g. 'Sóc Trăng'.")
@click.option("--kind", type=click.Choice(KINDS), help="Only portals of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources(province: str | None, kind: str | None, as_json: bool) -> None:
    """List the built-in catalogue of real portals that publish dân vận material.

    Seen in public search results, not fetched live: some may have moved.
    Crawl them with danvan crawl --sources builtin (with --province/--kind to
    choose).

    Example: danvan sources --province "Hà Giang" --kind ban-dan-van
    """
    from corpus.crawl.sources import SourceError, builtin_sources

    try:
        found = builtin_sources(province=province, kind=kind)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([{"name": s.name, "province": s.province, "kind": s.kind, "start_urls": s.start_urls,
                                "evidence": s.evidence} for s in found], ensure_ascii=False, indent=2))
        return
    for s in found:
        click.echo(f"{s.province or 'Trung ương':<16} {s.kind:<18} {s.start_urls[0]}  {s.name}")
    click.echo(f"{len(found)} sources")


@cli.command()
@click.argument("start_urls", nargs=-1)
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file listing portals: name, start_urls, province, allowed_prefixes, delay, max_pages, "
                   "allow_private, kind, render, max_attachment_mb; or 'builtin' for the shipped catalogue (danvan sources).")
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many requests (a later crawl resumes).")
@click.option("--max-attachment-mb", type=click.FloatRange(min=0, min_open=True),
              help="Size cap of an attached file (PDF, Word), in MB; default 30, or each source's max_attachment_mb.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scanned PDFs (they are recorded as not read).")
@click.option("--delay", type=click.FloatRange(0, MAX_DELAY), default=1.0, show_default=True,
              help="Seconds between requests to one host.")
@click.option("--province", help="Province of the start URLs' portals, e.g. 'Hà Giang'; with no start URLs, "
                                "crawl the built-in portals of that province.")
@click.option("--kind", type=click.Choice(KINDS), help="With the built-in catalogue: only portals of this kind.")
@click.option("--concurrent-hosts", type=click.IntRange(min=1), default=8, show_default=True,
              help="Portals fetched at once, each one request at a time with its own delay.")
@click.option("--render", is_flag=True,
              help="Render pages built by scripts (an empty shell) in headless Chromium, through the same polite "
                   "fetcher (make browser installs it). Off by default; a source's render = true turns it on for "
                   "that source.")
@click.option("--allow-private", is_flag=True,
              help="Also fetch private and loopback addresses (127.0.0.1, ::1, 10.x, 192.168.x): a local mirror. "
                   "Refused by default.")
@data_dir_option
def crawl(start_urls: tuple[str, ...], sources_file: Path | None, max_pages: int | None, delay: float,
          province: str | None, kind: str | None, concurrent_hosts: int, render: bool, allow_private: bool,
          max_attachment_mb: float | None, no_ocr: bool,
          data_dir: Path | None) -> None:
    # Long (~75 lines) by its help text and the summary it prints, one line per counted outcome; the crawl is one call.
    """Crawl portals politely (robots.txt, delays) into the corpus; resumable.

    Follows listings, sitemap.xml and RSS on each start URL's site only.  A
    crawl that is interrupted continues where it stopped when run again; a
    finished one re-checks pages with conditional requests.  Every URL ends
    as an article, listing, sitemap, attachment, skipped or failed page, with
    the reason; a crawl that could fetch nothing exits with status 1.
    Files an article links (.pdf .doc .docx .odt .rtf) become documents of
    their own, scans read by OCR (tesseract, Vietnamese).

    Example: danvan crawl https://bandanvan.example.gov.vn/ --max-pages 200 --province "Hà Giang"

    Example (a local mirror): danvan crawl http://127.0.0.1:8000/ --allow-private

    Example (the built-in portals of one province): danvan crawl --province "Hà Giang" --max-pages 500
    """
    from corpus.crawl.loop import crawl as run_crawl
    from corpus.crawl.render import RenderError
    from corpus.crawl.sources import SourceError, builtin_sources

    builtin = str(sources_file) == "builtin" or (not start_urls and sources_file is None and (province or kind))
    if not start_urls and sources_file is None and not builtin:
        raise click.ClickException("give start URLs, --sources FILE or --sources builtin (see danvan crawl --help)")
    if kind and not builtin:
        raise click.ClickException("--kind chooses among the built-in portals: use it with --sources builtin")
    chosen = sources_file
    if builtin:
        try:
            chosen = builtin_sources(province=province, kind=kind)
        except SourceError as exc:
            raise click.ClickException(str(exc)) from None

    def progress(report, url: str) -> None:
        _status_line(f"{report.visited} fetched, {report.added} new articles, {report.failed} failed: {url}")

    with _open_store(data_dir, create=True) as store:
        try:
            report = run_crawl(store, start_urls, chosen, max_pages=max_pages, delay=delay,
                               province=province, progress=progress, allow_private=allow_private,
                               concurrent_hosts=concurrent_hosts, render=render,
                               ocr=not no_ocr, max_attachment_mb=max_attachment_mb)
        except (SourceError, ValueError, RenderError) as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            _status_line("")
    o = report.outcomes
    click.echo(f"crawled {report.visited} pages: {o['article']} articles ({report.added} new articles, "
               f"{report.updated} updated, {report.unchanged} unchanged, {report.not_modified} not modified), "
               f"{o['listing']} listings, {o['sitemap']} sitemaps/feeds, {o['attachment']} attachments, "
               f"{o['skipped']} skipped, {o['failed']} failed; {report.near_duplicates} near-duplicates")
    for why, n in report.skipped.most_common():
        click.echo(f"  skipped {n}: {why}")
    if report.outcomes["attachment"]:
        click.echo(f"  attachments: {report.attachments_read} read, {sum(report.unreadable.values())} not read"
                   f"{', the rest not modified' if report.not_modified else ''}")
    for why, n in report.unreadable.most_common():
        click.echo(f"  attachments not read {n}: {why}")
    for why, n in report.links_dropped.most_common():
        click.echo(f"  links not followed {n}: {why}")
    for url, why in report.refused:
        click.echo(f"not crawled {url}: {why}", err=True)
    for url, problem in report.failures[:20]:
        click.echo(f"failed {url}: {problem}", err=True)
    if len(report.failures) > 20:
        click.echo(f"... and {len(report.failures) - 20} more failures", err=True)
    if report.over_budget:
        click.echo(f"page budget (max_pages) spent for: {', '.join(report.over_budget)}")
    if not report.finished:
        click.echo(f"{report.queued} pages still queued: run the same command again to continue")
    why = report.nothing_fetched()
    if why:
        raise click.ClickException(f"nothing could be fetched: {why}")


@cli.command()
@click.option("--no-ocr", is_flag=True, help="Do not OCR scanned PDFs (cached OCR text is still used).")
@data_dir_option
def reclean(no_ocr: bool, data_dir: Path | None) -> None:
    """Re-run cleaning and extraction on the crawled pages and attached files kept in the corpus (no fetching).

    Example: danvan reclean && danvan index
    """
    from corpus.crawl.reclean import reclean as run_reclean

    with _open_store(data_dir) as store:
        try:
            report = run_reclean(store, progress=lambda r, url: _status_line(f"{r.pages} pages: {url}"),
                                 ocr=not no_ocr)
        finally:
            _status_line("")
    click.echo(f"re-cleaned {report.pages} pages: {report.added} new, {report.updated} updated, "
               f"{report.unchanged} unchanged, {report.removed} removed; {report.near_duplicates} near-duplicates"
               + (f"; {report.unreadable} attachments not read" if report.unreadable else ""))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address or name to listen on; every address a name resolves to (0.0.0.0: all IPv4).")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Threads per process.")
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Server processes sharing the port: searches are CPU-bound, one process uses one core.")
@click.option("--base-url", envvar="DANVAN_BASE_URL", show_envvar=True, metavar="URL",
              help="Public address of the site (e.g. https://danvan.example.org/), used for the links in "
                   "exports; without it they are relative (the Host header is never trusted).")
@data_dir_option
def serve(host: str, port: int, threads: int, workers: int, base_url: str | None, data_dir: Path | None) -> None:
    """Serve the web interface and JSON API with waitress (a production server).

    Example: danvan serve --port 8080 --workers 2
    """
    from search_app import create_app, forked, warm
    from search_app.server import WorkersFailing
    from search_app.server import serve as run_server
    from search_app.headers import BadBaseURL, check_base_url

    try:
        base_url = check_base_url(base_url)
    except BadBaseURL as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    home = config.data_dir(data_dir)
    if not config.index_path(home).exists():
        click.echo(f"no index in {home} yet: pages will say so until you run `danvan index`", err=True)
    click.echo(f"danvan: serving {home} at http://{host}:{port}/ with {workers} process(es) (Ctrl+C to stop)")
    # DEBUG pinned off: FLASK_DEBUG in the environment must not turn a public server into a debug one.
    settings = {"DANVAN_HOME": str(home), "DEBUG": False, "DANVAN_BASE_URL": base_url}
    try:
        run_server(lambda: warm(create_app(settings)), host, port, threads, workers, forked=forked)
    except OSError as exc:  # port taken, address not on this machine
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except WorkersFailing as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    cli()
