"""The catalogue commands: ``evasim spacewalks [show N]``, ``evasim sql``, ``evasim catalog``.

Same rules as every other command (see :mod:`evasim.cli`): options are checked before any
work; bad input is one line on stderr and exit code 2; what opening the catalogue did (built,
rebuilt, rows kept) is said on stderr, so that ``--format json`` and ``csv`` stay clean on
stdout. The database lives in the user cache folder (``EVASIM_HOME`` moves it; see
docs/catalog.md).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _warn, app, console, err_console
from .errors import EvasimInputError

FORMATS = ("table", "json", "csv")
FIRST_YEAR, LAST_BUNDLED_YEAR = 1998, 2025
SQL_DEFAULT_LIMIT = 1000
SQL_MAX_LIMIT = 1_000_000
SQL_TIME_LIMIT_S = 60.0
"""A statement still running after this long is interrupted (one line, exit 2)."""
SQL_TABLE_CELL_CHARS = 1000
"""The table shows at most this many characters of a value (json and csv write it whole)."""
SQL_FIRST_WORDS = ("SELECT", "WITH", "DESCRIBE", "SHOW", "SUMMARIZE", "EXPLAIN", "FROM", "VALUES")
"""What a statement given to ``evasim sql`` may start with (``FROM t`` and ``VALUES`` are
DuckDB's short forms of a SELECT; a parenthesised SELECT is allowed too)."""

CONVENTIONS = {
    "battery": "NASA counts from suit battery power (the start is when the suits switch to "
    "battery power, the end when they go back to station power)",
    "hatch": "Roscosmos counts from hatch open (start: hatch open; end: hatch closed)",
    "unknown": "the source does not say: NASA counts from suit battery power, Roscosmos from "
    "hatch open",
}
CONFIDENCE = {
    "H": "H: an agency page, or two sources agree",
    "M": "M: one good source, or one end derived from the duration",
    "L": "L: the sources disagree (see the notes)",
    "": "not rated (the times could not be checked; see the notes)",
}

catalog_app = typer.Typer(
    no_args_is_help=True, help="The spacewalk catalogue's database: import files, show its state."
)
spacewalks_app = typer.Typer(
    help="Every ISS spacewalk, 1998-2025 (NASA's running count): list, filter, show one."
)
app.add_typer(spacewalks_app, name="spacewalks")
app.add_typer(catalog_app, name="catalog")


def _open():
    from .catalog import Catalog

    cat = Catalog.open()
    _say_notes(cat)
    return cat


def _say_notes(cat) -> None:
    for note in cat.notes:
        err_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    cat.notes.clear()


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise EvasimInputError(f"--format {format!r}: expected table, json or csv")
    return format


def _check_segment(segment: str | None) -> str | None:
    from .catalog import SEGMENTS

    if segment is None:
        return None
    for s in SEGMENTS:
        if segment.strip().lower() == s.lower():
            return s
    raise EvasimInputError(f"--segment {segment!r}: expected US, RS or Shuttle")


def _hm(minutes: int | None) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes is not None else "-"


def _write_csv(rows: list[dict], columns: list[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ";".join(map(str, v)) if isinstance(v, list | tuple) else ("" if v is None else v)
            for v in (row[c] for c in columns)
        )


# ------------------------------------------------------------------ evasim spacewalks


@spacewalks_app.callback(invoke_without_command=True)
@_guarded
def spacewalks(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="only this year (UTC date), 1998..2025")] = None,
    airlock: Annotated[
        str | None, typer.Option(help="only airlocks whose name contains this (Quest, Pirs)")
    ] = None,
    crew: Annotated[
        str | None, typer.Option(help="only spacewalks with a crew member whose name has this")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="US, RS or Shuttle")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
) -> None:
    """List the ISS spacewalks (all 277, or those matching every filter given);
    `evasim spacewalks show N` shows one in full."""
    if ctx.invoked_subcommand is not None:
        return
    _check_format(format)
    segment = _check_segment(segment)
    cat = None
    if year is not None and not FIRST_YEAR <= year <= LAST_BUNDLED_YEAR:
        cat = _open()
        walks = cat.spacewalks()
        last = max(LAST_BUNDLED_YEAR, walks[-1].date.year if walks else 0)  # imports go on
        if not FIRST_YEAR <= year <= last:
            raise EvasimInputError(f"--year {year}: expected {FIRST_YEAR}..{last}")
    cat = cat or _open()
    walks = cat.spacewalks(year=year, airlock=airlock, crew=crew, segment=segment)
    given = " ".join(
        f"--{k} {v}"
        for k, v in (("year", year), ("airlock", airlock), ("crew", crew), ("segment", segment))
        if v is not None
    )
    if not walks:
        message = f"no spacewalk matches {given}" if given else "the catalogue holds no spacewalk"
        if format == "json":
            print("[]")
        elif format == "csv":
            _write_csv([], _JSON_COLUMNS)
        if format == "table":
            console.print(escape(message), highlight=False, soft_wrap=True)
        else:
            err_console.print(escape(message), highlight=False, soft_wrap=True)
        return
    if format == "json":
        print(json.dumps([w.to_json() for w in walks], indent=1, ensure_ascii=False))
        return
    if format == "csv":
        _write_csv([w.to_json() for w in walks], _JSON_COLUMNS)
        return
    _print_walks(walks, given)


_JSON_COLUMNS = [
    "number",
    "date",
    "start_utc",
    "end_utc",
    "duration_min",
    "crew",
    "crew_as_source",
    "mission",
    "airlock",
    "airlock_from",
    "suit",
    "segment",
    "purpose",
    "purpose_de",
    "time_convention",
    "confidence",
    "sources",
    "notes",
    "scenario",
    "origin",
]


def _surname(name: str) -> str:
    return name.split()[-1] if name.split() else name


def _print_walks(walks, given: str) -> None:
    title = f"{len(walks)} ISS spacewalk{'s' if len(walks) != 1 else ''}"
    # a pipe or file gets 120 columns; a terminal narrower than 100 loses h:mm and seg
    out = console if console.is_terminal else Console(width=max(console.width, 120))
    wide = out.width >= 100
    table = Table(title=title + (f" ({given})" if given else ""), title_justify="left")
    table.add_column("no.", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("UTC", no_wrap=True)
    if wide:
        table.add_column("h:mm", justify="right", no_wrap=True)
    table.add_column("crew", min_width=8)
    table.add_column("airlock")
    if wide:
        table.add_column("seg")
    table.add_column("purpose", min_width=10, ratio=1)
    table.add_column("conf", no_wrap=True)
    for w in walks:
        span = "-"
        if w.start_utc or w.end_utc:
            a = f"{w.start_utc:%H:%M}" if w.start_utc else "?"
            b = f"{w.end_utc:%H:%M}" if w.end_utc else "?"
            span = f"{a}-{b}" + {"battery": "b", "hatch": "h"}.get(w.time_convention, "")
        dur = f"{w.duration_min // 60}:{w.duration_min % 60:02d}" if w.duration_min else "-"
        airlock = escape(w.airlock) + (" *" if w.airlock_from != "source" else "")
        purpose = escape(w.purpose or "-")
        if w.scenario:
            purpose = f"[bold]\\[scenario {escape(w.scenario)}][/] {purpose}"
        crew = escape(", ".join(_surname(c) for c in w.crew))
        cells = [str(w.number), f"{w.date}", span]
        cells += [dur, crew, airlock, w.segment] if wide else [crew, airlock]
        table.add_row(*cells, purpose, w.confidence or "-")
    out.print(table)
    out.print(
        "[dim]UTC: b = NASA's start at suit battery power, h = Roscosmos' at hatch open; "
        "* airlock inferred from date and crew; conf: H/M/L (evasim spacewalks show N says "
        "what they mean)[/]",
        highlight=False,
    )


# ------------------------------------------------------------------ evasim spacewalks show N


def _nearest(cat, w) -> dict:
    if w.start_utc:
        when, basis = w.start_utc, "the start"
    else:
        when = datetime(w.date.year, w.date.month, w.date.day, 12, tzinfo=UTC)
        basis = "12:00 UTC on the date (no start time catalogued)"
    es = cat.nearest_element_set(when)
    seconds = (es.epoch_utc - when).total_seconds()
    return {
        "epoch_utc": es.epoch_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "from": basis,
        "offset_h": round(seconds / 3600, 2),
        "origin": es.origin,
        "line1": es.line1,
        "line2": es.line2,
    }


def _urls(sources: str) -> list[str]:
    return [u.rstrip(").,;") for u in re.findall(r"https?://\S+", sources)]


@spacewalks_app.command("show")
@_guarded
def show(
    number: Annotated[int, typer.Argument(help="the spacewalk's running number, e.g. 242")],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """One spacewalk in full: times and their convention, crew, airlock, purpose, confidence,
    sources, notes, and the archived element set nearest its start."""
    if format not in ("table", "json"):
        raise EvasimInputError(f"--format {format!r}: expected table or json")
    cat = _open()
    w = cat.spacewalk(number)
    near = _nearest(cat, w)
    if format == "json":
        out = w.to_json()
        out["source_urls"] = _urls(w.sources)
        out["nearest_element_set"] = near
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, text: str) -> None:
        grid.add_row(label, escape(text))

    start = f"{w.start_utc:%Y-%m-%d %H:%M} UTC" if w.start_utc else "not known"
    end = f"{w.end_utc:%Y-%m-%d %H:%M} UTC" if w.end_utc else "not known"
    row("Date", f"{w.date} ({w.mission})")
    row("Start", start)
    row("End", end)
    row("Times", CONVENTIONS[w.time_convention])
    duration = _hm(w.duration_min)
    if w.start_utc and w.end_utc and w.duration_min:
        span = round((w.end_utc - w.start_utc).total_seconds() / 60)
        if abs(span - w.duration_min) > 3:
            duration += f" (end - start is {_hm(span)})"
    row("Duration", duration)
    row("Crew", w.crew_text)
    row("Suit", f"{w.suit} ({w.segment} segment)" if w.segment != "Shuttle" else w.suit)
    if w.airlock_from == "source":
        row("Airlock", f"{w.airlock} (named by a source)")
    else:
        row("Airlock", f"{w.airlock} (inferred from the date and crew: no source names it)")
    row("Purpose", w.purpose or "-")
    if w.purpose_de:
        row("German original", w.purpose_de)
    row("Confidence", CONFIDENCE.get(w.confidence, w.confidence))
    row("Sources", w.sources)
    row("Notes", w.notes or "-")
    offset = timedelta(hours=abs(near["offset_h"]))
    side = "after" if near["offset_h"] >= 0 else "before"
    days = offset.total_seconds() / 86400
    distance = f"{days * 24:.1f} h" if days < 2 else f"{days:.1f} days"
    row(
        "Element set",
        f"epoch {near['epoch_utc'][:19]} UTC, {distance} {side} {near['from']} ({near['origin']})",
    )
    if w.scenario:
        row(
            "Scenario",
            f"built-in detailed scenario {w.scenario}: evasim replay {w.scenario}",
        )
    if w.origin != "bundled":
        row("Imported from", w.origin)
    console.print(f"[bold]ISS spacewalk {w.number}[/]", highlight=False)
    console.print(grid, highlight=False)
    urls = _urls(w.sources)
    if urls:
        console.print("[bold]Source URLs[/]", highlight=False)
        for url in urls:
            console.print(f"  {escape(url)}", highlight=False, soft_wrap=True)
    if days > 3:
        _warn(f"the nearest archived element set is {days:.1f} days from the spacewalk")


# ------------------------------------------------------------------ evasim sql


_LEADING = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*", re.DOTALL)


def check_read_only_sql(sql: str) -> str:
    """``sql`` if it is one statement that only reads (see :data:`SQL_FIRST_WORDS`); else an
    :class:`EvasimInputError` saying what it is."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise EvasimInputError(_first_line(exc)) from None
    if len(statements) != 1:
        raise EvasimInputError(
            f"sql: expected one statement, got {len(statements)} (the catalogue is read-only: "
            "one SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN)"
        )
    body = _LEADING.sub("", sql)
    word = re.match(r"\(|[A-Za-z]+", body)
    first = word.group(0).upper() if word else ""
    kind = statements[0].type.name
    if first == "EXPLAIN":  # EXPLAIN ANALYZE runs what it explains: that must read only too
        inner = re.sub(r"^EXPLAIN\s+(ANALY[SZ]E\s+)?", "", body, flags=re.IGNORECASE)
        if inner != body:
            check_read_only_sql(inner)
            return sql
    if (first in SQL_FIRST_WORDS or first == "(") and kind == "SELECT":
        return sql
    shown = first or kind
    raise EvasimInputError(
        f"sql: {shown} refused; expected one SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN "
        "statement (the catalogue is read-only)"
    )


def _first_line(exc: Exception) -> str:
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    return lines[0] if lines else type(exc).__name__


def _cell(value) -> str:
    text = str(value)
    if len(text) <= SQL_TABLE_CELL_CHARS:
        return text
    return f"{text[:SQL_TABLE_CELL_CHARS]}... ({len(text):,} characters; --format csv shows all)"


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


@app.command()
@_guarded
def sql(
    query: Annotated[str, typer.Argument(help='one read-only statement, e.g. "SELECT ..."')],
    format: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
    limit: Annotated[
        int, typer.Option(help=f"at most this many rows, 1..{SQL_MAX_LIMIT:,}")
    ] = SQL_DEFAULT_LIMIT,
) -> None:
    """Read-only SQL on the spacewalk catalogue (tables: spacewalks, crew, crew_spacewalks,
    airlocks, missions, element_sets, meta; see docs/catalog.md)."""
    import duckdb

    _check_format(format)
    if not 1 <= limit <= SQL_MAX_LIMIT:
        raise EvasimInputError(f"--limit {limit}: expected 1..{SQL_MAX_LIMIT}")
    check_read_only_sql(query)
    path = _open().path
    con = duckdb.connect(
        str(path),
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )
    timer = threading.Timer(SQL_TIME_LIMIT_S, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        result = con.execute(query)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchmany(limit + 1)
    except duckdb.InterruptException:
        raise EvasimInputError(
            f"sql: stopped after {SQL_TIME_LIMIT_S:g} s (the limit); expected a query that "
            "finishes sooner"
        ) from None
    except duckdb.Error as exc:
        raise EvasimInputError(_first_line(exc)) from None
    finally:
        timer.cancel()
        con.close()
    more = len(rows) > limit
    rows = rows[:limit]
    if format == "json":
        out = [dict(zip(columns, r, strict=True)) for r in rows]
        print(json.dumps(out, indent=1, default=_json_value, ensure_ascii=False))
    elif format == "csv":
        _write_csv([dict(zip(columns, r, strict=True)) for r in rows], columns)
    else:
        table = Table(title_justify="left")
        for c in columns:
            table.add_column(escape(c))
        for r in rows:
            table.add_row(*("" if v is None else escape(_cell(v)) for v in r))
        console.print(table)
        if not rows:
            console.print("no rows", highlight=False)
    if more:
        _warn(
            f"only the first {limit} rows are shown (--limit {limit}); the query gives more "
            f"(--limit goes up to {SQL_MAX_LIMIT:,})"
        )


# ------------------------------------------------------------------ evasim catalog ...


@catalog_app.command("import")
@_guarded
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="spacewalks (.csv/.json, the bundled layout) or ISS element sets (TLE text, "
            "OMM .json)"
        ),
    ],
    replace: Annotated[
        bool, typer.Option(help="replace spacewalks imported earlier that have the same number")
    ] = False,
) -> None:
    """Import spacewalks or element sets: every row is checked first; with any bad row,
    each is reported and nothing is imported."""
    from .catalog.imports import EvasimImportError

    if not file.is_file():
        what = "is a folder" if file.is_dir() else "no such file"
        raise EvasimInputError(f"{what}; expected a .csv, .json or TLE file", source=str(file))
    cat = _open()
    try:
        result = cat.import_file(file, replace=replace)
    except EvasimImportError as exc:
        _say_notes(cat)
        for problem in exc.problems:
            err_console.print(
                f"[bold red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True
            )
        n = len(exc.problems)
        err_console.print(
            f"[bold red]error:[/] nothing imported: {n} bad row{'s' if n != 1 else ''} "
            f"in {escape(file.name)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=2) from None
    _say_notes(cat)
    kind = result.kind if result.added != 1 else result.kind.removesuffix("s")
    parts = [f"imported {result.added} {kind} from {result.source}"]
    if result.replaced:
        parts.append(f"replaced {result.replaced}")
    if result.skipped:
        parts.append(f"{result.skipped} already in the catalogue (skipped)")
    console.print(escape("; ".join(parts)), highlight=False, soft_wrap=True)


@catalog_app.command("info")
@_guarded
def info(
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Where the catalogue database is, when it was built, from which data, what it holds."""
    if format not in ("table", "json"):
        raise EvasimInputError(f"--format {format!r}: expected table or json")
    cat = _open()
    meta = cat.meta()
    out = {
        "path": str(cat.path),
        "size_bytes": cat.path.stat().st_size,
        "schema_version": meta["schema_version"],
        "bundled_sha256": meta["bundled_sha256"],
        "built_utc": meta["built_utc"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "evasim_version": meta["evasim_version"],
        "rows": cat.origins(),
        "survey_rows": (lambda s: s.num_rows if s is not None else None)(cat.survey()),
    }
    if format == "json":
        print(json.dumps(out, indent=1))
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("File", escape(out["path"]) + f" ({out['size_bytes'] / 1e6:.1f} MB)")
    grid.add_row("Built", f"{out['built_utc']} by evasim {escape(out['evasim_version'])}")
    grid.add_row("Schema", str(out["schema_version"]))
    grid.add_row("Bundled data", f"sha256 {out['bundled_sha256'][:16]}...")
    for table, origins in out["rows"].items():
        text = ", ".join(f"{n} {escape(o)}" for o, n in origins.items())
        grid.add_row(table.replace("_", " ").capitalize(), text)
    grid.add_row("Survey", f"{out['survey_rows']} rows" if out["survey_rows"] else "not stored")
    console.print(grid, highlight=False)
