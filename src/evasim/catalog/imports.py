"""User imports into the catalogue: spacewalks (CSV or JSON in the bundled layout) or ISS element
sets (TLE text, CelesTrak OMM JSON).

Every row is checked before anything is written, and every bad row is reported, one line each
(``file.csv:12: start_utc: expected ...``); with any bad row nothing is imported. The good rows
go in as one change of the database (a copy swapped in whole, see :mod:`.store`), marked with
the file's name in ``origin``.

Same number, same data: a spacewalk already in the catalogue with identical fields is skipped,
so importing a file twice adds nothing. Element sets likewise, by epoch and lines (checksums
aside, and a zero exponent written ``00000+0`` or ``00000-0`` read as the same: see
:func:`.store.set_key`).

Same number, other data: refused, naming the first field that differs. A bundled row is never
replaced by an import (fix the bundled file instead); a row imported earlier is replaced only
with ``replace=True`` (``evasim catalog import --replace``).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, fields
from datetime import date, timedelta
from pathlib import Path

from ..errors import EvasimInputError
from ..sky.tle import parse_omm_record, parse_tle_text
from ..textfile import read_text
from . import store
from .records import SpacewalkRecord, record_from_row

ISS_NORAD_ID = 25544
MAX_NUMBER = 9999

CSV_COLUMNS = (
    "iss_eva_seq",
    "date",
    "start_utc",
    "end_utc",
    "duration_min",
    "crew",
    "mission",
    "airlock",
    "airlock_from",
    "suit",
    "purpose_en",
    "purpose_de",
    "time_convention",
    "confidence",
    "source",
    "notes",
)
REQUIRED = ("iss_eva_seq", "date", "crew", "airlock", "airlock_from", "suit")

JSON_NAMES = {"number": "iss_eva_seq", "purpose": "purpose_en", "sources": "source"}
"""Keys of ``evasim spacewalks --format json`` rows and their CSV column (the export imports)."""
JSON_IGNORED = {"segment", "scenario", "origin", "crew_as_source"}
"""Export keys derived from others (``crew_as_source``: the imported file is the source, its
``crew`` the spelling)."""


class EvasimImportError(EvasimInputError):
    """Bad rows in an import: ``problems`` holds one line per bad row."""

    def __init__(self, problems: list[str], source: str):
        self.problems = problems
        more = f" (and {len(problems) - 1} more bad rows)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
        self.source = source


@dataclass
class ImportResult:
    kind: str  # "spacewalks" or "element sets"
    source: str
    read: int  # rows in the file
    added: int
    skipped: int  # already in the catalogue, or repeated in the file
    replaced: int = 0


@dataclass
class _Parsed:
    kind: str
    walks: list[tuple[int, SpacewalkRecord]]  # (line or record number, record)
    sets: list[tuple[int, str, str]]  # (line or record number, line 1, line 2)
    problems: list[str]


# ------------------------------------------------------------------ reading files


def read_import(path: Path) -> _Parsed:
    """The rows of a user file and the problems of its bad rows (nothing raised per row)."""
    name = path.name
    text = read_text(path, "import file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _spacewalks_csv(text, name)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EvasimInputError(
                f"invalid JSON: {exc.msg}", source=name, line=exc.lineno
            ) from None
        except RecursionError:
            raise EvasimInputError("JSON nested too deeply", source=name) from None
        records = data if isinstance(data, list) else [data]
        if not records:
            raise EvasimInputError("no records in the file", source=name)
        first = records[0]
        if isinstance(first, dict) and ("EPOCH" in first or "MEAN_MOTION" in first):
            return _omm_json(records, name)
        if isinstance(first, dict) and ("iss_eva_seq" in first or "number" in first):
            return _spacewalks_json(records, name)
        raise EvasimInputError(
            "expected a list of spacewalks (keys as in the bundled CSV, or as written by "
            "evasim spacewalks --format json) or of CelesTrak OMM records",
            source=name,
        )
    if any(ln.startswith("1 ") for ln in text.splitlines()):
        return _tle_text(text, name)
    raise EvasimInputError(
        "expected a spacewalk .csv or .json, a TLE text file or an OMM .json file", source=name
    )


def _spacewalks_csv(text: str, name: str) -> _Parsed:
    physical = [
        (n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip() and ln[0] != "#"
    ]
    if not physical:
        raise EvasimInputError("expected a header line and rows, got nothing", source=name)
    used: list[int] = []

    def lines():
        for n, ln in physical:
            used.append(n)
            yield ln

    reader = csv.reader(lines())
    # the bundled layout, or the one evasim spacewalks --format csv writes
    try:
        first = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise EvasimInputError(
            f"header: {exc or 'no header'}; expected the columns of the bundled file",
            source=name,
            line=1,
        ) from None
    header = [JSON_NAMES.get(h.strip(), h.strip()) for h in first]
    header_line = used[0]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS and c not in JSON_IGNORED]
    if missing or unknown:
        what = []
        if missing:
            what.append(f"missing {', '.join(missing)}")
        if unknown:
            what.append(f"unknown {', '.join(repr(u) for u in unknown)}")
        raise EvasimInputError(
            f"header: {'; '.join(what)}; expected the columns of the bundled file "
            f"({', '.join(CSV_COLUMNS)})",
            source=name,
            line=header_line,
        )
    parsed = _Parsed("spacewalks", [], [], [])
    while True:
        start = len(used)
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.problems.append(f"{name}:{used[start] if start < len(used) else '?'}: {exc}")
            break
        line = used[start]
        if len(values) != len(header):
            parsed.problems.append(
                f"{name}:{line}: expected {len(header)} fields as in the header, got {len(values)}"
            )
            continue
        row = {h: v for h, v in zip(header, values, strict=True) if h not in JSON_IGNORED}
        _check_walk(row, name, line, f"{name}:{line}", parsed)
    return parsed


def _spacewalks_json(records: list, name: str) -> _Parsed:
    parsed = _Parsed("spacewalks", [], [], [])
    for i, rec in enumerate(records, start=1):
        where = f"{name}: record {i}"
        if not isinstance(rec, dict):
            parsed.problems.append(f"{where}: expected an object with the spacewalk's fields")
            continue
        row: dict[str, str] = {}
        bad = None
        for key, value in rec.items():
            column = JSON_NAMES.get(key, key)
            if key in JSON_IGNORED:
                continue
            if column not in CSV_COLUMNS:
                bad = f"{where}: {key}: unknown field; expected {', '.join(CSV_COLUMNS)}"
                break
            if column == "crew" and isinstance(value, list):
                if not all(isinstance(c, str) for c in value):
                    bad = f"{where}: crew: expected a list of names"
                    break
                value = ";".join(value)
            if value is None:
                value = ""
            if isinstance(value, bool) or not isinstance(value, str | int):
                bad = f"{where}: {key}: expected text or a whole number, got {value!r}"
                break
            row[column] = str(value)
        if bad:
            parsed.problems.append(bad)
            continue
        _check_walk(row, name, i, where, parsed)
    return parsed


def _check_walk(row: dict[str, str], name: str, at: int, where: str, parsed: _Parsed) -> None:
    """Validate one spacewalk row (the bundled file's checks and a few more) into ``parsed``."""
    try:
        rec = record_from_row(row, source=name, line=at)
    except EvasimInputError as exc:
        parsed.problems.append(f"{where}: {exc.detail}")
        return
    problem = None
    if not 1 <= rec.number <= MAX_NUMBER:
        problem = f"iss_eva_seq: expected 1..{MAX_NUMBER}, got {rec.number}"
    elif not date(1998, 11, 20) <= rec.date <= date(2100, 1, 1):
        problem = f"date: expected 1998-11-20..2100-01-01 (the ISS era), got {rec.date}"
    elif rec.start_utc and abs(rec.start_utc.date() - rec.date) > timedelta(days=1):
        problem = (
            f"start_utc: expected a time on {rec.date} (or a day either side), "
            f"got {rec.start_utc:%Y-%m-%dT%H:%MZ}"
        )
    elif rec.airlock_from != "source" and not rec.airlock_from.startswith("inferred"):
        problem = (
            f"airlock_from: expected 'source' or 'inferred from date and crew', "
            f"got {rec.airlock_from!r}"
        )
    else:
        earlier = next((a for a, r in parsed.walks if r.number == rec.number), None)
        if earlier is not None:
            problem = f"iss_eva_seq: spacewalk {rec.number} is also in this file (at {earlier})"
    if problem:
        parsed.problems.append(f"{where}: {problem}")
    else:
        parsed.walks.append((at, rec))


def _tle_text(text: str, name: str) -> _Parsed:
    parsed = _Parsed("element sets", [], [], [])
    numbered = [
        (n, raw.strip())
        for n, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.lstrip().startswith("#")
    ]
    i = 0
    while i < len(numbered):
        n, line = numbered[i]
        if line.startswith("2 ") and len(line) >= 60:
            parsed.problems.append(f"{name}:{n}: TLE line 2 without a line 1 before it")
            i += 1
            continue
        if not (line.startswith("1 ") and len(line) >= 60):
            i += 1  # a name line
            continue
        if i + 1 >= len(numbered) or not numbered[i + 1][1].startswith("2 "):
            parsed.problems.append(f"{name}:{n}: TLE line 1 has no line 2 after it")
            i += 1
            continue
        line2 = numbered[i + 1][1]
        i += 2
        try:
            es = parse_tle_text(f"{line}\n{line2}\n", source=name, first_line=n)[0]
        except EvasimInputError as exc:
            parsed.problems.append(str(exc))
            continue
        if es.norad_id != ISS_NORAD_ID:
            parsed.problems.append(
                f"{name}:{n}: NORAD id: expected {ISS_NORAD_ID} (the ISS), got {es.norad_id}"
            )
            continue
        parsed.sets.append((n, es.line1, es.line2))
    if not parsed.sets and not parsed.problems:
        raise EvasimInputError(
            "no two-line element set found; expected lines '1 ...' and '2 ...'", source=name
        )
    return parsed


def _omm_json(records: list, name: str) -> _Parsed:
    from sgp4.exporter import export_tle

    parsed = _Parsed("element sets", [], [], [])
    for i, rec in enumerate(records, start=1):
        where = f"{name}: record {i}"
        try:
            es = parse_omm_record(rec, source=where)
        except EvasimInputError as exc:
            parsed.problems.append(str(exc))
            continue
        if es.norad_id != ISS_NORAD_ID:
            parsed.problems.append(
                f"{where}: NORAD_CAT_ID: expected {ISS_NORAD_ID} (the ISS), got {es.norad_id}"
            )
            continue
        line1, line2 = export_tle(es.satrec)
        parsed.sets.append((i, line1, line2))
    return parsed


# ------------------------------------------------------------------ into the database


def _same(a: SpacewalkRecord, b: SpacewalkRecord) -> str | None:
    """The first catalogue field in which ``a`` and ``b`` differ (None: the same spacewalk).
    ``crew_as_source`` is how each file spelled the crew, not the spacewalk: an export of the
    catalogue (English names) re-imported is the same spacewalk as its bundled row."""
    for f in fields(SpacewalkRecord):
        if f.name in ("scenario", "origin", "crew_as_source"):
            continue
        if getattr(a, f.name) != getattr(b, f.name):
            return f.name
    return None


def _shown(value) -> str:
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%Y-%m-%dT%H:%MZ")
    if isinstance(value, tuple):
        return ";".join(value)
    text = str(value) if value is not None else "blank"
    return text if len(text) <= 40 else text[:37] + "..."


def import_into(catalog, path: Path, replace: bool = False) -> ImportResult:
    """Check every row of ``path`` and import the good ones into ``catalog``, all or none."""
    parsed = read_import(path)
    name = path.name
    catalog.close()
    with store.writer_lock(catalog.path):
        catalog.notes += store.ensure_built_locked(catalog.path)
        if parsed.kind == "spacewalks":
            plan = _plan_walks(catalog, parsed, name, replace)
        else:
            plan = _plan_sets(catalog, parsed, name)
        catalog.close()
        problems = sorted(parsed.problems + plan.problems, key=_problem_order)
        if problems:
            raise EvasimImportError(problems, name)
        if plan.result.added or plan.result.replaced:
            _apply(catalog.path, plan)
    return plan.result


def _problem_order(problem: str) -> int:
    """Problems in file order: by the line (``f:12:``) or record (``f: record 3:``) named."""
    m = re.search(r":(\d+): |: record (\d+): ", problem)
    return int(m.group(1) or m.group(2)) if m else 0


@dataclass
class _Plan:
    result: ImportResult
    problems: list[str]
    table: object = None  # arrow table of the rows to insert
    delete_numbers: tuple[int, ...] = ()


def _plan_walks(catalog, parsed: _Parsed, name: str, replace: bool) -> _Plan:
    existing = {r.number: r for r in catalog.spacewalks()}
    problems: list[str] = []
    new: list[tuple[int, SpacewalkRecord]] = []
    replaced: list[int] = []
    skipped = 0
    where_of = (
        (lambda at: f"{name}:{at}")
        if name.lower().endswith(".csv")
        else (lambda at: f"{name}: record {at}")
    )
    for at, rec in parsed.walks:
        old = existing.get(rec.number)
        if old is None:
            new.append((at, rec))
            continue
        field = _same(rec, old)
        if field is None:
            skipped += 1
            continue
        differs = f"{field} {_shown(getattr(rec, field))} here, {_shown(getattr(old, field))} there"
        if old.origin == store.BUNDLED:
            problems.append(
                f"{where_of(at)}: iss_eva_seq: spacewalk {rec.number} is in the bundled "
                f"catalogue with other data ({differs}); imports never replace bundled rows"
            )
        elif not replace:
            problems.append(
                f"{where_of(at)}: iss_eva_seq: spacewalk {rec.number} was imported from "
                f"{old.origin} with other data ({differs}); import with --replace to replace it"
            )
        else:
            replaced.append(rec.number)
            new.append((at, rec))
    columns = store.spacewalk_rows([r for _, r in new], name, [a for a, _ in new])
    result = ImportResult(
        "spacewalks", name, len(parsed.walks), len(new) - len(replaced), skipped, len(replaced)
    )
    return _Plan(result, problems, store.spacewalk_table(columns), tuple(replaced))


def _plan_sets(catalog, parsed: _Parsed, name: str) -> _Plan:
    line1s = [s[1] for s in parsed.sets]
    line2s = [s[2] for s in parsed.sets]
    table = store.element_set_table(line1s, line2s, name, [s[0] for s in parsed.sets])
    con = catalog.con
    con.register("incoming", table)
    try:
        fresh = con.sql(
            "SELECT DISTINCT ON (epoch_unix_s, set_key) * FROM incoming i "
            "WHERE NOT EXISTS (SELECT 1 FROM element_sets e WHERE e.epoch_unix_s = "
            "i.epoch_unix_s AND e.set_key = i.set_key) "
            "ORDER BY epoch_unix_s, set_key, source_line"
        ).to_arrow_table()
    finally:
        con.unregister("incoming")
    result = ImportResult(
        "element sets", name, len(parsed.sets), fresh.num_rows, len(parsed.sets) - fresh.num_rows
    )
    return _Plan(result, [], fresh)


def _apply(path: Path, plan: _Plan) -> None:
    import duckdb

    with store.replacing_database(path, copy_from=path) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("BEGIN")
            con.register("incoming", plan.table)
            if plan.result.kind == "spacewalks":
                for number in plan.delete_numbers:
                    con.execute(
                        "DELETE FROM spacewalks WHERE number = ? AND origin <> ?",
                        [number, store.BUNDLED],
                    )
                con.execute("INSERT INTO spacewalks BY NAME SELECT * FROM incoming")
                store.refresh_derived(con)
                store.link_scenarios(con)
            else:
                con.execute("INSERT INTO element_sets BY NAME SELECT * FROM incoming")
            con.unregister("incoming")
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
