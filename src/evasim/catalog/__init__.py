"""Every ISS spacewalk and the element-set archive: ``Catalog``.

API contract (callers depend on this, not on the storage):

- ``Catalog.open(path=None)``: the catalogue (bundled data; a database file when storage lands);
- ``.spacewalks(year=None, airlock=None, crew=None, segment=None) -> list[SpacewalkRecord]``;
- ``.spacewalk(number) -> SpacewalkRecord`` (an :class:`EvasimInputError` for an unknown number);
- ``.nearest_element_set(utc) -> ElementSet`` (``origin`` names the archive and epoch);
- ``.element_set_count() -> int``;
- ``.store_survey(table: pyarrow.Table)`` replaces the stored survey (one row per spacewalk);
  ``.survey() -> pyarrow.Table | None`` reads it back.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

import numpy as np

from ..errors import EvasimInputError
from ..sky import to_utc_datetime
from ..sky.tle import ElementSet
from .archive import BUNDLED_ARCHIVE, ArchiveRows, bundled_archive_text, element_set, rows_from_text
from .records import SEGMENTS, SpacewalkRecord, bundled_records

__all__ = ["SEGMENTS", "Catalog", "SpacewalkRecord"]


class Catalog:
    """All ISS spacewalks and archived ISS element sets (bundled data)."""

    def __init__(self) -> None:
        self._survey = None

    @classmethod
    def open(cls, path=None) -> Catalog:
        return cls()

    @cached_property
    def _records(self) -> list[SpacewalkRecord]:
        return bundled_records()

    @cached_property
    def _archive(self) -> ArchiveRows:
        return rows_from_text(bundled_archive_text())

    def spacewalks(
        self,
        year: int | None = None,
        airlock: str | None = None,
        crew: str | None = None,
        segment: str | None = None,
    ) -> list[SpacewalkRecord]:
        out = self._records
        if year is not None:
            out = [r for r in out if r.date.year == year]
        if airlock:
            out = [r for r in out if airlock.lower() in r.airlock.lower()]
        if crew:
            out = [r for r in out if any(crew.lower() in c.lower() for c in r.crew)]
        if segment:
            out = [r for r in out if r.segment == segment]
        return out

    def spacewalk(self, number: int) -> SpacewalkRecord:
        for r in self._records:
            if r.number == number:
                return r
        raise EvasimInputError(f"spacewalk number: expected 1..{len(self._records)}, got {number}")

    def element_set_count(self) -> int:
        return len(self._archive)

    def nearest_element_set(self, utc: datetime) -> ElementSet:
        rows = self._archive
        t = to_utc_datetime(utc).timestamp()
        i = int(np.searchsorted(rows.epoch_unix_s, t))
        candidates = [j for j in (i - 1, i) if 0 <= j < len(rows)]
        j = min(candidates, key=lambda k: abs(rows.epoch_unix_s[k] - t))
        return element_set(rows.line1[j], rows.line2[j], f"{BUNDLED_ARCHIVE}:{2 * j + 1}")

    def store_survey(self, table) -> None:
        """Replace the stored survey (a ``pyarrow.Table``, one row per spacewalk)."""
        self._survey = table

    def survey(self):
        """The stored survey table, or None when no survey has been run."""
        return self._survey
