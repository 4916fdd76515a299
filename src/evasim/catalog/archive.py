"""The archive of ISS element sets, 1998-2026: epochs, lines, and the set nearest an instant.

The bundled file ``data/tle/iss_tle_1998-2026.txt.xz`` holds 48,710 NORAD 25544 element sets,
oldest first (see ``data/SOURCES.md``: dense to 2025-04-21, then 12 scattered sets).
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

import numpy as np

from ..sky.tle import ElementSet, parse_tle_text

BUNDLED_ARCHIVE = "iss_tle_1998-2026.txt.xz"

_UNIX0 = datetime(1970, 1, 1, tzinfo=UTC)


def tle_epoch_unix_s(line1: str) -> float:
    """Epoch of a TLE line 1 (columns 19-32) as Unix seconds (UTC)."""
    yy = int(line1[18:20])
    year = 2000 + yy if yy < 57 else 1900 + yy
    days = float(line1[20:32])
    start = datetime(year, 1, 1, tzinfo=UTC)
    return (start - _UNIX0).total_seconds() + (days - 1.0) * 86400.0


@dataclass(frozen=True)
class ArchiveRows:
    """Element sets of the archive as parallel arrays, sorted by epoch."""

    epoch_unix_s: np.ndarray
    line1: tuple[str, ...]
    line2: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.line1)


def bundled_archive_text() -> str:
    path = resources.files("evasim") / "data" / "tle" / BUNDLED_ARCHIVE
    with path.open("rb") as fh:
        return lzma.decompress(fh.read()).decode("ascii")


def rows_from_text(text: str) -> ArchiveRows:
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    l1 = tuple(lines[0::2])
    l2 = tuple(lines[1::2])
    epochs = np.array([tle_epoch_unix_s(a) for a in l1])
    order = np.argsort(epochs, kind="stable")
    return ArchiveRows(epochs[order], tuple(l1[i] for i in order), tuple(l2[i] for i in order))


def element_set(line1: str, line2: str, origin: str, first_line: int | None = None) -> ElementSet:
    """Parse (and check) one archived pair into an :class:`ElementSet`; with ``first_line``
    (the line of line 1 in the file ``origin`` names) its origin is ``origin:first_line``."""
    text = f"ISS (ZARYA)\n{line1}\n{line2}\n"
    if first_line is None:
        return parse_tle_text(text, source=origin)[0]
    return parse_tle_text(text, source=origin, first_line=first_line - 1)[0]


def unix_to_utc(seconds: float) -> datetime:
    return _UNIX0 + timedelta(seconds=float(seconds))


def tle_epochs_unix_s(line1s) -> np.ndarray:
    """Epochs of many TLE lines 1 as Unix seconds, vectorised (columns 19-20 year, 21-32 day)."""
    yy = np.array([ln[18:20] for ln in line1s], dtype="U2").astype(np.int64)
    days = np.array([ln[20:32] for ln in line1s], dtype="U12").astype(np.float64)
    year = np.where(yy < 57, 2000 + yy, 1900 + yy)
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[s]").astype(np.int64)
    return jan1.astype(np.float64) + (days - 1.0) * 86400.0


def pairs_with_lines(text: str) -> tuple[list[str], list[str], list[int]]:
    """Line 1s, line 2s and the 1-based line number of each line 1 in ``text`` (an archive of
    consecutive pairs: blank lines and '#' comments skipped, no name lines)."""
    l1: list[str] = []
    l2: list[str] = []
    at: list[int] = []
    pending: tuple[int, str] | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("1 "):
            pending = (n, line)
        elif line.startswith("2 ") and pending is not None:
            at.append(pending[0])
            l1.append(pending[1])
            l2.append(line)
            pending = None
    return l1, l2, at
