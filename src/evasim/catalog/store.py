"""The catalogue's DuckDB file: where it lives, its tables, building it from the bundled data.

Location: ``$EVASIM_HOME/catalog.duckdb`` when ``EVASIM_HOME`` is set, else
``$XDG_CACHE_HOME/evasim/catalog.duckdb``, else ``~/.cache/evasim/catalog.duckdb``.

Nobody ever writes to the file in place. A build (first use, or the bundled data changed) and
every change (an import, a stored survey) write a complete database into a temporary file
beside it (``.evasim-tmp-<pid>-<token>.catalog.duckdb``, see :mod:`evasim.fileutil`) and rename
it onto ``catalog.duckdb`` in one step. So a reader (always ``read_only``) sees the old
database or the new one, never half of one; a killed build leaves only a temporary file, which
the next write removes. Writers take an exclusive lock on ``catalog.duckdb.lock`` first, so
two processes that both find no database build it once: the second waits, then finds it built.

``meta`` holds one row: the schema version and the sha256 of the bundled files
(:func:`bundled_hash`). A database whose row differs is rebuilt; the rows users imported
(``origin`` other than ``bundled``) are carried into the new one.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import lzma
import os
import re
import shutil
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import EvasimRuntimeError
from ..fileutil import clean_stale, temp_path
from .archive import BUNDLED_ARCHIVE, pairs_with_lines, tle_epochs_unix_s
from .crew_names import CREW_NAMES, with_english_crew
from .records import BUNDLED_SPACEWALKS, SpacewalkRecord, read_csv_records

SCHEMA_VERSION = 2
"""Raise when the tables change: a database of another version is rebuilt."""

DB_NAME = "catalog.duckdb"
BUNDLED = "bundled"
"""``origin`` of the rows built from the bundled files."""

LOCK_TIMEOUT_S = 120.0

_DATA = (
    "catalog/" + BUNDLED_SPACEWALKS,
    "catalog/" + CREW_NAMES,
    "tle/" + BUNDLED_ARCHIVE,
    "station/airlocks.csv",
)

SCHEMA = """
CREATE TABLE meta (
    schema_version INTEGER NOT NULL,
    bundled_sha256 VARCHAR NOT NULL,   -- sha256 over the bundled files and the schema version
    files JSON NOT NULL,               -- {file: sha256} of each bundled file
    built_utc TIMESTAMP NOT NULL,
    evasim_version VARCHAR NOT NULL
);
CREATE TABLE spacewalks (
    number INTEGER PRIMARY KEY,        -- NASA's running count of ISS-supporting spacewalks
    date DATE NOT NULL,
    start_utc TIMESTAMP,               -- UTC; what a start means: time_convention
    end_utc TIMESTAMP,
    duration_min INTEGER,
    crew VARCHAR[] NOT NULL,           -- English names (catalog/crew_names.csv), source's order
    crew_as_source VARCHAR[] NOT NULL DEFAULT [],  -- the same names as the source spelled
                                       -- them ([]: as in crew)
    mission VARCHAR NOT NULL,          -- as catalogued: 'STS-88 EVA 1', 'Expedition 65'
    mission_name VARCHAR NOT NULL,     -- the mission alone: 'STS-88' (missions.mission)
    airlock VARCHAR NOT NULL,          -- as catalogued (airlocks.airlock)
    airlock_from VARCHAR NOT NULL,     -- 'source' or 'inferred from date and crew'
    airlock_inferred BOOLEAN NOT NULL,
    suit VARCHAR NOT NULL,             -- 'EMU' or 'Orlan'
    segment VARCHAR NOT NULL,          -- 'US', 'RS' or 'Shuttle'
    purpose VARCHAR NOT NULL,
    purpose_de VARCHAR NOT NULL,       -- the German original (rows 1-199)
    time_convention VARCHAR NOT NULL,  -- 'battery', 'hatch' or 'unknown'
    confidence VARCHAR NOT NULL,       -- 'H', 'M', 'L' or '' (not rated)
    sources VARCHAR NOT NULL,
    notes VARCHAR NOT NULL,
    scenario VARCHAR,                  -- the built-in detailed scenario of this spacewalk
    origin VARCHAR NOT NULL,           -- 'bundled' or the imported file's name
    source_line INTEGER                -- line (CSV) or record (JSON) in that file
);
CREATE TABLE crew (
    name VARCHAR PRIMARY KEY,          -- English (NASA) spelling, one row per person
    names_in_source VARCHAR[] NOT NULL,-- other spellings the sources use (rows 1-199: German)
    spacewalks INTEGER NOT NULL,
    total_min INTEGER,                 -- sum of the known durations
    first_date DATE NOT NULL,
    last_date DATE NOT NULL
);
CREATE TABLE crew_spacewalks (
    number INTEGER NOT NULL,           -- spacewalks.number
    name VARCHAR NOT NULL,             -- crew.name
    name_in_source VARCHAR NOT NULL,   -- as the spacewalk's source spelled it
    position INTEGER NOT NULL,         -- 1 = first named
    PRIMARY KEY (number, name)
);
CREATE TABLE airlocks (
    airlock VARCHAR PRIMARY KEY,       -- as catalogued
    element VARCHAR,                   -- station element (station/airlocks.csv); NULL if unsure
    station_segment VARCHAR,           -- from station/airlocks.csv
    spacewalks INTEGER NOT NULL,
    inferred INTEGER NOT NULL,         -- how many of them have the airlock inferred
    first_date DATE NOT NULL,
    last_date DATE NOT NULL,
    aliases VARCHAR,
    notes VARCHAR
);
CREATE TABLE missions (
    mission VARCHAR PRIMARY KEY,       -- 'STS-88', 'Expedition 65'
    kind VARCHAR NOT NULL,             -- 'Shuttle' or 'Expedition'
    spacewalks INTEGER NOT NULL,
    first_date DATE NOT NULL,
    last_date DATE NOT NULL
);
CREATE TABLE element_sets (
    epoch_unix_s DOUBLE NOT NULL,      -- from line 1 columns 19-32
    epoch_utc TIMESTAMP NOT NULL,
    line1 VARCHAR NOT NULL,
    line2 VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,           -- 'bundled' or the imported file's name
    source_line INTEGER,               -- line of line 1 (TLE) or record number (OMM) there
    set_key VARCHAR NOT NULL,          -- md5 of the two lines without checksums, a zero
                                       -- exponent's sign read as '-' ('00000+0' = '00000-0')
    PRIMARY KEY (epoch_unix_s, set_key)
);
CREATE INDEX element_sets_epoch ON element_sets (epoch_unix_s);
"""

REFRESH_DERIVED = """
DELETE FROM crew_spacewalks;
INSERT INTO crew_spacewalks
    SELECT number, unnest(crew) AS name,
           unnest(CASE WHEN len(crew_as_source) = len(crew) THEN crew_as_source ELSE crew END)
               AS name_in_source,
           unnest(range(1, len(crew) + 1)) AS position
    FROM spacewalks;
DELETE FROM crew;
INSERT INTO crew
    SELECT cs.name,
           list_sort(coalesce(list(DISTINCT cs.name_in_source)
                              FILTER (WHERE cs.name_in_source <> cs.name), [])),
           count(*), sum(s.duration_min), min(s.date), max(s.date)
    FROM crew_spacewalks cs JOIN spacewalks s USING (number) GROUP BY cs.name;
DELETE FROM missions;
INSERT INTO missions
    SELECT mission_name, CASE WHEN mission_name LIKE 'STS-%' THEN 'Shuttle' ELSE 'Expedition' END,
           count(*), min(date), max(date)
    FROM spacewalks GROUP BY mission_name;
DELETE FROM airlocks;
INSERT INTO airlocks
    SELECT s.airlock, k.element, k.segment, count(*), count(*) FILTER (WHERE s.airlock_inferred),
           min(s.date), max(s.date), any_value(k.aliases), any_value(k.notes)
    FROM spacewalks s LEFT JOIN airlock_key k ON k.airlock = s.airlock
    GROUP BY s.airlock, k.element, k.segment;
"""


# ---------------------------------------------------------------- where, and which data


def default_path() -> Path:
    """``$EVASIM_HOME/catalog.duckdb``, else ``$XDG_CACHE_HOME/evasim/...``, else
    ``~/.cache/evasim/...``."""
    home = os.environ.get("EVASIM_HOME")
    if home:
        return Path(home).expanduser() / DB_NAME
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(cache).expanduser() / "evasim" / DB_NAME


def _data(rel: str):
    return resources.files("evasim") / "data" / rel


def _scenario_files() -> list:
    folder = _data("scenarios")
    return sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)


@cache
def bundled_files() -> dict[str, str]:
    """sha256 of each bundled file the database is built from (data/...)."""
    out = {rel: hashlib.sha256(_data(rel).read_bytes()).hexdigest() for rel in _DATA}
    for p in _scenario_files():
        out[f"scenarios/{p.name}"] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def bundled_hash() -> str:
    """One sha256 over the schema (its version and text) and every bundled file's name and
    sha256: a change to any of them rebuilds the database."""
    h = hashlib.sha256(f"evasim catalogue schema {SCHEMA_VERSION}\n".encode())
    h.update(SCHEMA.encode())
    h.update(REFRESH_DERIVED.encode())
    for rel, digest in sorted(bundled_files().items()):
        h.update(f"{rel} {digest}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- rows


def mission_name(mission: str) -> str:
    """``STS-88 EVA 1`` -> ``STS-88``; ``Expedition 3 EVA 2`` -> ``Expedition 3``."""
    return re.sub(r"\s+EVA\s*\d+\s*$", "", mission).strip() or mission


def spacewalk_rows(
    records: list[SpacewalkRecord], origin: str, lines: list[int | None] | None = None
) -> dict[str, list]:
    """Columns of ``spacewalks`` (without ``scenario``) for ``records``."""
    lines = lines or [None] * len(records)

    def naive(t: datetime | None):
        return t.astimezone(UTC).replace(tzinfo=None) if t else None

    return {
        "number": [r.number for r in records],
        "date": [r.date for r in records],
        "start_utc": [naive(r.start_utc) for r in records],
        "end_utc": [naive(r.end_utc) for r in records],
        "duration_min": [r.duration_min for r in records],
        "crew": [list(r.crew) for r in records],
        "crew_as_source": [list(r.crew_as_source or r.crew) for r in records],
        "mission": [r.mission for r in records],
        "mission_name": [mission_name(r.mission) for r in records],
        "airlock": [r.airlock for r in records],
        "airlock_from": [r.airlock_from for r in records],
        "airlock_inferred": [r.airlock_from != "source" for r in records],
        "suit": [r.suit for r in records],
        "segment": [r.segment for r in records],
        "purpose": [r.purpose for r in records],
        "purpose_de": [r.purpose_de for r in records],
        "time_convention": [r.time_convention for r in records],
        "confidence": [r.confidence for r in records],
        "sources": [r.sources for r in records],
        "notes": [r.notes for r in records],
        "origin": [origin] * len(records),
        "source_line": list(lines),
    }


def spacewalk_table(columns: dict[str, list]):
    import pyarrow as pa

    types = {
        "number": pa.int32(),
        "date": pa.date32(),
        "start_utc": pa.timestamp("us"),
        "end_utc": pa.timestamp("us"),
        "duration_min": pa.int32(),
        "crew": pa.list_(pa.string()),
        "crew_as_source": pa.list_(pa.string()),
        "airlock_inferred": pa.bool_(),
        "source_line": pa.int32(),
    }
    return pa.table({k: pa.array(v, type=types.get(k, pa.string())) for k, v in columns.items()})


def set_key(line1: str, line2: str) -> str:
    """What makes two element sets the same (with the epoch): both lines without their
    checksums, the zero exponent fields (columns 45-52 and 54-61 of line 1) written one way."""
    l1 = line1[:68]
    for a, b in ((44, 52), (53, 61)):
        field = l1[a:b]
        if field[1:6] == "00000":
            l1 = l1[:a] + " 00000-0" + l1[b:]
    return hashlib.md5(f"{l1}\n{line2[:68]}".encode("ascii"), usedforsecurity=False).hexdigest()


def element_set_table(line1s, line2s, origin: str, source_lines):
    """An arrow table of ``element_sets`` rows (epochs parsed from line 1, vectorised)."""
    import pyarrow as pa

    epochs = tle_epochs_unix_s(line1s)
    micros = np.round(epochs * 1e6).astype(np.int64)
    return pa.table(
        {
            "epoch_unix_s": pa.array(epochs, type=pa.float64()),
            "epoch_utc": pa.array(micros, type=pa.int64()).cast(pa.timestamp("us")),
            "line1": pa.array(list(line1s), type=pa.string()),
            "line2": pa.array(list(line2s), type=pa.string()),
            "origin": pa.array([origin] * len(line1s), type=pa.string()),
            "source_line": pa.array(list(source_lines), type=pa.int32()),
            "set_key": pa.array([set_key(a, b) for a, b in zip(line1s, line2s, strict=True)]),
        }
    )


def _airlock_key() -> dict[str, dict[str, str]]:
    """The rows of station/airlocks.csv by lower-case airlock name."""
    text = _data("station/airlocks.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))
    return {r["airlock"].lower(): r for r in rows}


def scenario_links(walks) -> dict[int, str]:
    """``{number: scenario}`` for ``walks`` (objects with ``number``): the built-in scenarios
    that name their spacewalk with ``catalog_number`` (the one place the link is written; a
    test checks each against the catalogue's date and times)."""
    numbers = {r.number for r in walks}
    out: dict[int, str] = {}
    for p in _scenario_files():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # not a scenario this can read: the scenario loader says why
        number = data.get("catalog_number")
        if isinstance(number, int) and number in numbers:
            out[number] = str(data.get("name") or p.name.removesuffix(".toml"))
    return out


# ---------------------------------------------------------------- building


def create_schema(con) -> None:
    con.execute(SCHEMA)


def _load_airlock_key(con) -> None:
    import pyarrow as pa

    known = _airlock_key()
    names = [r[0] for r in con.execute("SELECT DISTINCT airlock FROM spacewalks").fetchall()]
    rows = {"airlock": [], "element": [], "segment": [], "aliases": [], "notes": []}
    for name in names:
        first = name.split()[0].lower() if name.split() else ""
        k = known.get(first) if " or " not in name else None
        rows["airlock"].append(name)
        rows["element"].append(k["element"] if k else None)
        rows["segment"].append(k["segment"] if k else None)
        rows["aliases"].append(k["aliases"] if k else None)
        if k:
            rows["notes"].append(k["notes"])
        elif " or " in name:
            rows["notes"].append("not named by a source: either airlock")
        else:
            rows["notes"].append("not in station/airlocks.csv")
    key = pa.table({k: pa.array(v, type=pa.string()) for k, v in rows.items()})
    con.register("airlock_key_arrow", key)
    con.execute("CREATE OR REPLACE TEMP TABLE airlock_key AS SELECT * FROM airlock_key_arrow")
    con.unregister("airlock_key_arrow")


def refresh_derived(con) -> None:
    """Recompute crew, crew_spacewalks, airlocks and missions from ``spacewalks``."""
    _load_airlock_key(con)
    for statement in REFRESH_DERIVED.split(";"):
        if statement.strip():
            con.execute(statement)


def link_scenarios(con) -> None:
    """Fill ``spacewalks.scenario`` (see :func:`scenario_links`)."""
    rows = con.execute("SELECT number, date, start_utc FROM spacewalks ORDER BY number").fetchall()
    links = scenario_links([_Dated(n, d, t.replace(tzinfo=UTC) if t else None) for n, d, t in rows])
    con.execute("UPDATE spacewalks SET scenario = NULL WHERE scenario IS NOT NULL")
    for number, name in links.items():
        con.execute("UPDATE spacewalks SET scenario = ? WHERE number = ?", [name, number])


@dataclass(frozen=True)
class _Dated:
    number: int
    date: object
    start_utc: datetime | None


def insert_bundled(con) -> None:
    """Fill a fresh schema with the bundled spacewalks and element sets."""
    text = _data("catalog/" + BUNDLED_SPACEWALKS).read_text(encoding="utf-8")
    records = read_csv_records(text, BUNDLED_SPACEWALKS)
    lines = _csv_row_lines(text)
    walks = spacewalk_table(spacewalk_rows(records, BUNDLED, lines))
    con.register("walks_arrow", walks)
    con.execute("INSERT INTO spacewalks BY NAME SELECT * FROM walks_arrow")
    con.unregister("walks_arrow")
    with _data("tle/" + BUNDLED_ARCHIVE).open("rb") as fh:
        archive = lzma.decompress(fh.read()).decode("ascii")
    l1, l2, at = pairs_with_lines(archive)
    sets = element_set_table(l1, l2, BUNDLED, at)
    con.register("sets_arrow", sets)
    con.execute("INSERT OR IGNORE INTO element_sets BY NAME SELECT * FROM sets_arrow")
    con.unregister("sets_arrow")


def _csv_row_lines(text: str) -> list[int]:
    """The physical line of each data row of a CSV text ('#' comments and the header skipped)."""
    numbered = [i + 1 for i, ln in enumerate(text.splitlines()) if ln.strip() and ln[0] != "#"]
    return numbered[1:]


def write_meta(con) -> None:
    con.execute("DELETE FROM meta")
    con.execute(
        "INSERT INTO meta VALUES (?, ?, ?, ?, ?)",
        [
            SCHEMA_VERSION,
            bundled_hash(),
            json.dumps(bundled_files(), sort_keys=True),
            datetime.now(UTC).replace(tzinfo=None),
            __version__,
        ],
    )


def connect_read_only(path: Path):
    """A read-only connection to the catalogue at ``path`` that reads the file as it is now.

    The file is attached ``READ_ONLY`` to a fresh in-memory database (``duckdb.connect(path)``
    would hand back an instance this process already holds, showing a file since replaced),
    then file access is switched off and the configuration locked: a query can read the
    catalogue and nothing else, and write nothing.
    """
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        con.execute(f"ATTACH '{_sql_text(path)}' AS catalog (READ_ONLY)")
        con.execute("USE catalog")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def read_meta(path: Path) -> dict | None:
    """The ``meta`` row of the database at ``path``; None when there is none or it cannot be
    read as a catalogue."""
    import duckdb

    try:
        con = connect_read_only(path)
    except (duckdb.Error, OSError):
        return None
    try:
        rows = con.execute(
            "SELECT schema_version, bundled_sha256, built_utc FROM meta LIMIT 1"
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not rows:
        return None
    row = rows[0]
    return {"schema_version": row[0], "bundled_sha256": row[1], "built_utc": row[2]}


def is_current(path: Path) -> bool:
    meta = read_meta(path) if path.exists() else None
    return bool(
        meta
        and meta["schema_version"] == SCHEMA_VERSION
        and meta["bundled_sha256"] == bundled_hash()
    )


@contextlib.contextmanager
def writer_lock(path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive lock of the writers of ``path`` (``<path>.lock``, flock); readers never wait."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() > deadline:
                    raise EvasimRuntimeError(
                        f"{path}: another evasim process has been writing the catalogue for "
                        f"{timeout_s:g} s; try again later"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def replacing_database(path: Path, copy_from: Path | None = None) -> Iterator[Path]:
    """A temporary database path beside ``path`` (a copy of ``copy_from`` when given, else no
    file yet); on success it is renamed onto ``path`` in one step, on failure removed. Call
    with :func:`writer_lock` held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent)
    tmp = temp_path(path)
    wal = tmp.with_name(tmp.name + ".wal")
    try:
        if copy_from is not None:
            shutil.copyfile(copy_from, tmp)
        yield tmp
        if wal.exists():  # a connection left open: never rename half a database
            raise EvasimRuntimeError(f"{tmp}: the database was not closed before the rename")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, wal):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise


USER_TABLES = ("spacewalks", "element_sets")


def build(path: Path, carry_from: Path | None = None) -> list[str]:
    """Build the database at ``path`` from the bundled data (atomically), carrying the rows
    users imported from the database ``carry_from`` (normally the old ``path``). Returns notes
    on what was carried or dropped. Call with :func:`writer_lock` held."""
    import duckdb

    notes: list[str] = []
    with replacing_database(path) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            attached = False
            if carry_from is not None and carry_from.exists():
                try:
                    con.execute(f"ATTACH '{_sql_text(carry_from)}' AS old (READ_ONLY)")
                    attached = True
                except duckdb.Error:
                    notes.append(
                        f"the old catalogue {carry_from.name} could not be read: the rows "
                        "imported into it (if any) are lost"
                    )
            con.execute("BEGIN")
            create_schema(con)
            insert_bundled(con)
            if attached:
                notes += _carry_user_rows(con)
            refresh_derived(con)
            link_scenarios(con)
            write_meta(con)
            con.execute("COMMIT")
            if attached:
                con.execute("DETACH old")
            con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise EvasimRuntimeError(f"building the catalogue database failed: {exc}") from exc
        finally:
            con.close()
    return notes


def _old_rows(con, table: str) -> list[dict]:
    """The imported rows of ``old.<table>`` as dicts (none when the table or ``origin`` is
    missing there)."""
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'old' "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    ]
    if "origin" not in cols:
        return []
    rows = con.execute(
        f"SELECT * FROM old.main.{table} WHERE origin <> ? ORDER BY origin", [BUNDLED]
    ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


_RECORD_FIELDS = [
    f for f in SpacewalkRecord.__dataclass_fields__ if f not in ("scenario", "crew_as_source")
]


def _carry_user_rows(con) -> list[str]:
    """Copy the imported rows of the attached old database ``old`` into ``con`` (the new
    one), rebuilt from their catalogue fields (so the old file may be of another schema).
    A spacewalk whose number the bundled data now has is dropped (the bundled row wins) and
    named; so are rows that cannot be read."""
    notes: list[str] = []
    bundled_numbers = {r[0] for r in con.execute("SELECT number FROM spacewalks").fetchall()}
    walks: dict[str, list[tuple[int | None, SpacewalkRecord]]] = {}
    unreadable = 0
    for row in _old_rows(con, "spacewalks"):
        try:
            values = {k: row[k] for k in _RECORD_FIELDS}
            for k in ("start_utc", "end_utc"):
                if values[k] is not None:
                    values[k] = values[k].replace(tzinfo=UTC)
            values["crew"] = tuple(values["crew"])
            # a database of schema 1 has no crew_as_source: its crew is the source's spelling
            values["crew_as_source"] = tuple(row.get("crew_as_source") or values["crew"])
            rec = with_english_crew(SpacewalkRecord(**values))
        except (KeyError, TypeError, AttributeError):
            unreadable += 1
            continue
        if rec.number in bundled_numbers:
            notes.append(
                f"imported spacewalk {rec.number} (from {rec.origin}) dropped: the bundled "
                "data now has that number (the bundled row wins)"
            )
            continue
        walks.setdefault(rec.origin, []).append((row.get("source_line"), rec))
    for origin, items in walks.items():
        columns = spacewalk_rows([r for _, r in items], origin, [n for n, _ in items])
        con.register("carried", spacewalk_table(columns))
        con.execute("INSERT INTO spacewalks BY NAME SELECT * FROM carried")
        con.unregister("carried")
    kept = sum(len(v) for v in walks.values())
    if kept:
        notes.append(f"kept {kept} imported spacewalks")
    sets: dict[str, list[dict]] = {}
    for row in _old_rows(con, "element_sets"):
        if isinstance(row.get("line1"), str) and isinstance(row.get("line2"), str):
            sets.setdefault(row["origin"], []).append(row)
        else:
            unreadable += 1
    before = con.execute("SELECT count(*) FROM element_sets").fetchall()[0][0]
    for origin, rows in sets.items():
        table = element_set_table(
            [r["line1"] for r in rows],
            [r["line2"] for r in rows],
            origin,
            [r.get("source_line") for r in rows],
        )
        con.register("carried", table)
        con.execute("INSERT OR IGNORE INTO element_sets BY NAME SELECT * FROM carried")
        con.unregister("carried")
    added = con.execute("SELECT count(*) FROM element_sets").fetchall()[0][0] - before
    if added:
        notes.append(f"kept {added} imported element sets")
    if unreadable:
        notes.append(f"{unreadable} imported rows of the old catalogue could not be read: lost")
    survey = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'old' AND table_name = 'survey'"
    ).fetchall()[0][0]
    if survey:
        notes.append(
            "the stored survey was dropped: it was computed from the previous data "
            "(run the survey again)"
        )
    return notes


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def ensure_built(path: Path) -> list[str]:
    """Build or rebuild ``path`` unless it is current; returns what happened (empty: nothing)."""
    if is_current(path):
        return []
    with writer_lock(path):
        return ensure_built_locked(path)


def ensure_built_locked(path: Path) -> list[str]:
    """:func:`ensure_built` with :func:`writer_lock` already held."""
    if is_current(path):  # another process built it while we waited
        return []
    existed = path.exists()
    meta = read_meta(path) if existed else None
    t0 = time.perf_counter()
    notes = build(path, carry_from=path if existed else None)
    took = time.perf_counter() - t0
    if not existed:
        head = f"built the catalogue database {path} ({took:.1f} s)"
    elif meta is None:
        head = f"rebuilt the catalogue database {path}: it could not be read ({took:.1f} s)"
    elif meta["schema_version"] != SCHEMA_VERSION:
        head = (
            f"rebuilt the catalogue database {path}: schema {meta['schema_version']} -> "
            f"{SCHEMA_VERSION} ({took:.1f} s)"
        )
    else:
        head = (
            f"rebuilt the catalogue database {path}: the bundled data (or the tables) changed "
            f"({took:.1f} s)"
        )
    return [head, *notes]
