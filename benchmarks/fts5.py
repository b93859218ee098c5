"""The SQLite FTS5 baseline of the speed benchmark: build, faceted search, export, and a WSGI app.

The database is built from the same JSONL records danvan imports (title, text, and the given
province, date and cited numbers), so its build time is end to end too.  Searches use the same
parsed words / phrases as an FTS5 ``MATCH`` (unicode61 remove_diacritics 2), top 10 by ``rank``
with ``snippet()``, and ``GROUP BY`` counts for province, province_2025, year and directive, each
under the other filters.  ``app`` serves ``/search.json`` with waitress, as ``danvan serve`` does.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import urllib.parse
from pathlib import Path

FACETS = ("province", "province_2025", "year")


def build(path: Path, jsonl: Path) -> dict:
    """Load the records of ``jsonl`` into a new FTS5 database at ``path``; return {docs, text_mb}."""
    from corpus.knowledge.provinces import to_2025

    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, province TEXT, province_2025 TEXT,
                           year TEXT, published TEXT);
        CREATE TABLE doc_directive (rowid INTEGER, directive TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, text, tokenize="unicode61 remove_diacritics 2");
    """)
    text_bytes = 0
    with db, jsonl.open(encoding="utf-8") as f:
        for rowid, line in enumerate(f, 1):
            rec = json.loads(line)
            province, published = rec.get("province"), rec.get("published")
            db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?)",
                       (rowid, rec["id"], rec["title"], province, to_2025(province) if province else None,
                        published[:4] if published else None, published))
            db.executemany("INSERT INTO doc_directive VALUES (?,?)", [(rowid, d) for d in rec.get("directives") or ()])
            db.execute("INSERT INTO fts(rowid, title, text) VALUES (?,?,?)", (rowid, rec["title"], rec["text"]))
            text_bytes += len(rec["text"].encode("utf-8")) + len(rec["title"].encode("utf-8"))
    db.execute("CREATE INDEX dd ON doc_directive(directive, rowid)")
    db.execute("CREATE INDEX ddr ON doc_directive(rowid)")
    db.commit()
    docs = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    db.close()
    return {"docs": docs, "text_mb": text_bytes / 1e6}


def match_expression(parsed) -> str | None:
    """The FTS5 MATCH of a parsed query: its words and phrases, all required."""
    parts = [f'"{w}"' for w in dict.fromkeys(parsed.words)]
    parts += ['"' + " ".join(p) + '"' for p in parsed.phrases]
    return " AND ".join(parts) or None


class Fts:
    """Faceted search over one FTS5 database (one connection: one thread)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)

    def search(self, q: str, filters: dict[str, list[str]]) -> dict:
        """Total, top 10 (id, title, snippet) and facet counts of ``q`` under ``filters``."""
        from indexer.queryparse import parse

        db = self.db
        parsed = parse(q)
        match = match_expression(parsed)
        # The match set as a temp table; every facet counts over it under the other filters.
        db.execute("DROP TABLE IF EXISTS m")
        if match:
            sql, args = "CREATE TEMP TABLE m AS SELECT rowid, rank FROM fts WHERE fts MATCH ?", [match]
        else:
            sql, args = "CREATE TEMP TABLE m AS SELECT rowid, 0 AS rank FROM docs", []
        for number in parsed.directives:
            sql += (" AND" if " WHERE " in sql else " WHERE") + \
                " rowid IN (SELECT rowid FROM doc_directive WHERE directive = ?)"
            args.append(number)
        db.execute(sql, args)

        def where(skip: str | None) -> tuple[str, list]:
            conds, vals = [], []
            for name, values in filters.items():
                if name != skip and values:
                    conds.append(f"d.{name} IN ({','.join('?' * len(values))})")
                    vals += values
            return (" AND " + " AND ".join(conds)) if conds else "", vals

        cond, vals = where(None)
        total = db.execute(f"SELECT count(*) FROM m JOIN docs d ON d.rowid = m.rowid WHERE 1{cond}", vals).fetchone()[0]
        rows = db.execute(f"SELECT d.rowid, d.id, d.title FROM m JOIN docs d ON d.rowid = m.rowid WHERE 1{cond} "
                          "ORDER BY m.rank LIMIT 10", vals).fetchall()
        hits = []
        for rowid, doc_id, title in rows:
            if match:
                snippet = db.execute("SELECT snippet(fts, 1, '<mark>', '</mark>', '…', 40) FROM fts "
                                     "WHERE fts MATCH ? AND rowid = ?", (match, rowid)).fetchone()[0]
            else:
                snippet = db.execute("SELECT substr(text, 1, 240) FROM fts WHERE rowid = ?", (rowid,)).fetchone()[0]
            hits.append({"id": doc_id, "title": title, "snippet": snippet})
        facets = {}
        for name in FACETS:
            c, v = where(name)
            facets[name] = db.execute(f"SELECT d.{name}, count(*) n FROM m JOIN docs d ON d.rowid = m.rowid "
                                      f"WHERE d.{name} IS NOT NULL{c} GROUP BY d.{name} ORDER BY n DESC", v).fetchall()
        c, v = where("directive")
        facets["directives"] = db.execute(
            f"SELECT dd.directive, count(*) n FROM m JOIN docs d ON d.rowid = m.rowid JOIN doc_directive dd "
            f"ON dd.rowid = m.rowid WHERE 1{c} GROUP BY dd.directive ORDER BY n DESC LIMIT 30", v).fetchall()
        return {"total": total, "hits": hits, "facets": facets}

    def export_csv(self, q: str, rows: int) -> str:
        """The rows of ``q`` in bm25 order with their fields and the text's first 240 characters, as CSV."""
        from indexer.queryparse import parse

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows(self.db.execute(
            "SELECT d.id, d.title, d.published, d.province, d.province_2025, fts.rank, substr(fts.text, 1, 240) "
            "FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY fts.rank LIMIT ?",
            (match_expression(parse(q)), rows)))
        return out.getvalue()


def app(path: Path):
    """A WSGI app serving ``/search.json?q=…&province=…&year=…`` from the database at ``path``."""
    import threading

    local = threading.local()  # one connection per server thread

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") != "/search.json":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        if not hasattr(local, "fts"):
            local.fts = Fts(path)
        args = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        filters = {name: args[name] for name in FACETS if name in args}
        body = json.dumps(local.fts.search(args.get("q", [""])[0], filters), ensure_ascii=False).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi
