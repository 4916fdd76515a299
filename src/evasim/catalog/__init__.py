"""Every ISS spacewalk and the element-set archive: ``Catalog``, stored in a DuckDB file.

API contract (callers depend on this, not on the storage):

- ``Catalog.open(path=None)``: the catalogue database (default: the user cache folder, see
  :func:`evasim.catalog.store.default_path`), built from the bundled data on first use and
  rebuilt when that data changes; ``.notes`` says what opening did (built, rebuilt, kept);
- ``.spacewalks(year=None, airlock=None, crew=None, segment=None) -> list[SpacewalkRecord]``;
- ``.spacewalk(number) -> SpacewalkRecord`` (an :class:`EvasimInputError` for an unknown number);
- ``.nearest_element_set(utc) -> ElementSet`` (``origin`` names the archive and its line);
- ``.element_set_count() -> int``;
- ``.store_survey(table: pyarrow.Table)`` replaces the stored survey (one row per spacewalk);
  ``.survey() -> pyarrow.Table | None`` reads it back;
- ``.import_file(path, replace=False) -> ImportResult``: user spacewalks (CSV/JSON) or element
  sets (TLE text, OMM JSON), all rows checked first, all or nothing (see ``imports``).

The open catalogue reads the database as it was when opened (a read-only snapshot: another
process's import replaces the file, and shows in catalogues opened after it).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

from ..errors import EvasimInputError
from ..sky import to_utc_datetime
from ..sky.tle import ElementSet
from . import store
from .archive import BUNDLED_ARCHIVE, element_set
from .records import SEGMENTS, SpacewalkRecord
from .store import connect_read_only

__all__ = ["SEGMENTS", "Catalog", "SpacewalkRecord"]

_RECORD_COLUMNS = (
    "number, date, start_utc, end_utc, duration_min, crew, mission, airlock, airlock_from, suit, "
    "purpose, purpose_de, time_convention, confidence, sources, notes, scenario, origin, "
    "crew_as_source"
)

NEAREST_SQL = (
    "SELECT epoch_unix_s, line1, line2, origin, source_line FROM element_sets "
    "ORDER BY abs(epoch_unix_s - $1), epoch_unix_s, source_line LIMIT 1"
)
"""The element set nearest an instant (Unix seconds), in one query; ties: the earlier epoch,
then the earlier line."""


def _record(row) -> SpacewalkRecord:
    (number, day, start, end, duration, crew, mission, airlock, airlock_from, suit, purpose,
     purpose_de, convention, confidence, sources, notes, scenario, origin,
     crew_as_source) = row  # fmt: skip

    return SpacewalkRecord(
        number=number,
        date=day,
        start_utc=start.replace(tzinfo=UTC) if start else None,
        end_utc=end.replace(tzinfo=UTC) if end else None,
        duration_min=duration,
        crew=tuple(crew),
        mission=mission,
        airlock=airlock,
        airlock_from=airlock_from,
        suit=suit,
        purpose=purpose,
        purpose_de=purpose_de,
        time_convention=convention,
        confidence=confidence,
        sources=sources,
        notes=notes,
        scenario=scenario or "",
        origin=origin,
        crew_as_source=tuple(crew_as_source),
    )


class Catalog:
    """All ISS spacewalks and archived ISS element sets, in a DuckDB file."""

    def __init__(self, path: Path, notes: list[str] | None = None) -> None:
        self.path = Path(path)
        self.notes: list[str] = list(notes or [])
        self._con = None

    @classmethod
    def open(cls, path=None) -> Catalog:
        """The catalogue at ``path`` (default :func:`store.default_path`), built or rebuilt
        from the bundled data first when it is missing or out of date."""
        db = Path(path).expanduser() if path is not None else store.default_path()
        notes = store.ensure_built(db)
        return cls(db, notes)

    # ------------------------------------------------------------ connection

    @property
    def con(self):
        """The read-only connection (opened on first use)."""
        if self._con is None:
            self._con = connect_read_only(self.path)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(Exception):
                self._con.close()
            self._con = None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # ------------------------------------------------------------ spacewalks

    def spacewalks(
        self,
        year: int | None = None,
        airlock: str | None = None,
        crew: str | None = None,
        segment: str | None = None,
    ) -> list[SpacewalkRecord]:
        """Spacewalks in running-number order; ``airlock`` and ``crew`` match any part of the
        name, case-insensitively (``crew`` the English name or the source's spelling: ``Korzun``
        and ``Korsun`` both find Valery Korzun); ``segment`` is one of :data:`SEGMENTS`."""
        where, args = [], []
        if year is not None:
            where.append("year(date) = ?")
            args.append(int(year))
        if airlock:
            where.append("contains(lower(airlock), lower(?))")
            args.append(airlock)
        if crew:
            where.append(
                "number IN (SELECT number FROM crew_spacewalks "
                "WHERE contains(lower(name), lower(?)) "
                "OR contains(lower(name_in_source), lower(?)))"
            )
            args += [crew, crew]
        if segment:
            if segment not in SEGMENTS:
                raise EvasimInputError(f"segment: expected {', '.join(SEGMENTS)}, got {segment!r}")
            where.append("segment = ?")
            args.append(segment)
        sql = f"SELECT {_RECORD_COLUMNS} FROM spacewalks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_record(r) for r in self.con.execute(sql + " ORDER BY number", args).fetchall()]

    def spacewalk(self, number: int) -> SpacewalkRecord:
        rows = self.con.execute(
            f"SELECT {_RECORD_COLUMNS} FROM spacewalks WHERE number = ?", [int(number)]
        ).fetchall()
        if not rows:
            span = "SELECT min(number), max(number) FROM spacewalks"
            low, high = self.con.execute(span).fetchall()[0]
            raise EvasimInputError(f"spacewalk number: expected {low}..{high}, got {number}")
        return _record(rows[0])

    def spacewalk_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM spacewalks").fetchall()[0][0]

    # ------------------------------------------------------------ element sets

    def element_set_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM element_sets").fetchall()[0][0]

    def nearest_element_set(self, utc: datetime) -> ElementSet:
        """The archived element set whose epoch is nearest ``utc`` (one query)."""
        t = to_utc_datetime(utc).timestamp()
        rows = self.con.execute(NEAREST_SQL, [t]).fetchall()
        if not rows:
            raise EvasimInputError("the catalogue holds no element set")
        _, line1, line2, origin, line = rows[0]
        name = BUNDLED_ARCHIVE if origin == store.BUNDLED else origin
        return element_set(line1, line2, name, first_line=line)

    def element_set_epochs(self):
        """All epochs (Unix seconds, ascending) as a numpy array."""
        return self.con.execute(
            "SELECT epoch_unix_s FROM element_sets ORDER BY epoch_unix_s"
        ).fetchnumpy()["epoch_unix_s"]

    # ------------------------------------------------------------ about the file

    def meta(self) -> dict:
        row = self.con.execute(
            "SELECT schema_version, bundled_sha256, files, built_utc, evasim_version FROM meta"
        ).fetchall()[0]
        keys = ("schema_version", "bundled_sha256", "files", "built_utc", "evasim_version")
        return dict(zip(keys, row, strict=True))

    def origins(self) -> dict[str, dict[str, int]]:
        """``{table: {origin: rows}}`` for the tables users can import into."""
        out: dict[str, dict[str, int]] = {}
        for table in store.USER_TABLES:
            rows = self.con.execute(
                f"SELECT origin, count(*) FROM {table} GROUP BY origin ORDER BY origin"
            ).fetchall()
            out[table] = dict(rows)
        return out

    # ------------------------------------------------------------ writes

    def _write(self, change) -> None:
        """Apply ``change(con)`` to a copy of the database and swap it in (all or nothing)."""
        import duckdb

        self.close()
        with store.writer_lock(self.path):
            self.notes += store.ensure_built_locked(self.path)
            with store.replacing_database(self.path, copy_from=self.path) as tmp:
                con = duckdb.connect(str(tmp))
                try:
                    con.execute("BEGIN")
                    change(con)
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")
                finally:
                    con.close()

    def store_survey(self, table) -> None:
        """Replace the stored survey (a ``pyarrow.Table``, one row per spacewalk)."""

        def change(con):
            con.register("survey_arrow", table)
            con.execute("CREATE OR REPLACE TABLE survey AS SELECT * FROM survey_arrow")
            con.unregister("survey_arrow")

        self._write(change)

    def survey(self):
        """The stored survey table, or None when no survey has been run."""
        present = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'catalog' "
            "AND table_name = 'survey'"
        ).fetchall()[0][0]
        if not present:
            return None
        return self.con.sql("SELECT * FROM survey").to_arrow_table()

    def import_file(self, path, replace: bool = False):
        """Import a user file (see :mod:`evasim.catalog.imports`); all rows or none."""
        from .imports import import_into

        return import_into(self, Path(path), replace=replace)
