"""Two-line element sets and OMM records: parsing, checksums, choosing the nearest epoch.

Every element set becomes an :class:`ElementSet` holding an ``sgp4`` ``Satrec``.
Errors name the file and line and say what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from sgp4 import omm
from sgp4.api import WGS72, Satrec

from ..errors import EvasimInputError

BUNDLED_SETS = {"iss_2021": "iss_tle_2021.txt"}
"""Bundled TLE files in ``evasim/data/tle`` (see ``data/SOURCES.md``)."""


@dataclass(frozen=True)
class ElementSet:
    """One SGP4 element set: its name, the two lines (if any), the satrec and its epoch."""

    name: str
    satrec: Satrec
    epoch_utc: datetime
    line1: str = ""
    line2: str = ""
    origin: str = ""  # file:line or "inline" or the OMM file

    @property
    def norad_id(self) -> int:
        return int(self.satrec.satnum)

    def describe(self) -> str:
        return f"{self.name} (NORAD {self.norad_id}) epoch {self.epoch_utc:%Y-%m-%d %H:%M:%S} UTC"


def tle_checksum(line: str) -> int:
    """Mod-10 checksum of a TLE line's first 68 characters (digits, +1 per '-')."""
    total = 0
    for ch in line[:68]:
        if ch.isdigit():
            total += int(ch)
        elif ch == "-":
            total += 1
    return total % 10


def _epoch_of(sat: Satrec) -> datetime:
    year = sat.epochyr + (2000 if sat.epochyr < 57 else 1900)
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=sat.epochdays - 1.0)


def _check_line(line: str, number: int, source: str, lineno: int) -> None:
    if len(line) < 69:
        raise EvasimInputError(
            f"TLE line {number} is {len(line)} characters long; expected 69",
            source=source,
            line=lineno,
        )
    if not line.startswith(f"{number} "):
        raise EvasimInputError(
            f"expected TLE line {number} to start with '{number} ', got {line[:2]!r}",
            source=source,
            line=lineno,
        )
    if not line[68].isdigit():
        raise EvasimInputError(
            f"TLE line {number}: checksum column 69 is {line[68]!r}; expected a digit",
            source=source,
            line=lineno,
        )
    expected = tle_checksum(line)
    if int(line[68]) != expected:
        raise EvasimInputError(
            f"TLE line {number}: bad checksum {line[68]}; expected {expected}",
            source=source,
            line=lineno,
        )


def parse_tle_text(text: str, source: str = "inline TLE", first_line: int = 1) -> list[ElementSet]:
    """Parse TLE text: optional name lines, '#' comments and blank lines allowed.

    Raises :class:`EvasimInputError` naming ``source`` and the line on any defect.
    """
    lines = [(i + first_line, raw.rstrip()) for i, raw in enumerate(text.splitlines())]
    lines = [(n, s.strip()) for n, s in lines if s.strip() and not s.lstrip().startswith("#")]
    sets: list[ElementSet] = []
    name = "satellite"
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        if line.startswith("1 ") and len(line) >= 60:
            if i + 1 >= len(lines):
                raise EvasimInputError(
                    "TLE line 1 has no line 2 after it", source=source, line=lineno
                )
            lineno2, line2 = lines[i + 1]
            _check_line(line, 1, source, lineno)
            _check_line(line2, 2, source, lineno2)
            if line[2:7] != line2[2:7]:
                raise EvasimInputError(
                    f"TLE lines 1 and 2 name different satellites ({line[2:7]} and {line2[2:7]})",
                    source=source,
                    line=lineno2,
                )
            try:
                sat = Satrec.twoline2rv(line[:69], line2[:69], WGS72)
            except Exception as exc:  # sgp4 raises ValueError on malformed fields
                raise EvasimInputError(
                    f"TLE could not be read by SGP4: {exc}", source=source, line=lineno
                ) from None
            if sat.error:
                raise EvasimInputError(
                    f"TLE rejected by SGP4 (error {sat.error})", source=source, line=lineno
                )
            sets.append(
                ElementSet(
                    name=name,
                    satrec=sat,
                    epoch_utc=_epoch_of(sat),
                    line1=line[:69],
                    line2=line2[:69],
                    origin=f"{source}:{lineno}",
                )
            )
            name = "satellite"
            i += 2
        elif line.startswith("2 ") and len(line) >= 60:
            raise EvasimInputError(
                "TLE line 2 without a line 1 before it", source=source, line=lineno
            )
        else:
            name = line[2:].strip() if line.startswith("0 ") else line
            i += 1
    if not sets:
        raise EvasimInputError(
            "no two-line element set found; expected lines '1 ...' and '2 ...'", source=source
        )
    return sets


def load_tle_file(path: Path) -> list[ElementSet]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvasimInputError(f"cannot read TLE file: {exc.strerror}", source=str(path)) from None
    return parse_tle_text(text, source=str(path))


def bundled_set(name: str) -> list[ElementSet]:
    """Element sets of a bundled TLE file, e.g. ``"iss_2021"``."""
    if name not in BUNDLED_SETS:
        known = ", ".join(sorted(BUNDLED_SETS))
        raise EvasimInputError(f"unknown bundled TLE set {name!r}; expected one of: {known}")
    ref = resources.files("evasim") / "data" / "tle" / BUNDLED_SETS[name]
    return parse_tle_text(ref.read_text(encoding="utf-8"), source=f"evasim/data/tle/{ref.name}")


def nearest(sets: list[ElementSet], when_utc: datetime) -> ElementSet:
    """The element set whose epoch is nearest ``when_utc``."""
    return min(sets, key=lambda s: abs((s.epoch_utc - when_utc).total_seconds()))


_OMM_FIELDS = (
    "OBJECT_NAME",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
    "BSTAR",
    "MEAN_MOTION_DOT",
)


def parse_omm_record(record: dict, source: str = "OMM record") -> ElementSet:
    """An ElementSet from one OMM record as CelesTrak writes it in JSON."""
    if not isinstance(record, dict):
        raise EvasimInputError("expected an OMM JSON object (or a list of them)", source=source)
    missing = [k for k in _OMM_FIELDS if k not in record]
    if missing:
        raise EvasimInputError(f"OMM record lacks {', '.join(missing)}", source=source)
    fields = {
        "CLASSIFICATION_TYPE": "U",
        "OBJECT_ID": "0000-000A",
        "EPHEMERIS_TYPE": 0,
        "ELEMENT_SET_NO": 999,
        "REV_AT_EPOCH": 0,
        "MEAN_MOTION_DDOT": 0.0,
    }
    fields.update(record)
    epoch = str(fields["EPOCH"]).rstrip("Z")
    if "." not in epoch:
        epoch += ".0"
    fields["EPOCH"] = epoch
    sat = Satrec()
    try:
        omm.initialize(sat, fields)
    except (ValueError, TypeError, KeyError) as exc:
        raise EvasimInputError(
            f"OMM record: {exc}; expected CelesTrak OMM JSON fields", source=source
        ) from None
    if sat.error:
        raise EvasimInputError(f"OMM elements rejected by SGP4 (error {sat.error})", source=source)
    epoch_dt = datetime.strptime(epoch, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
    return ElementSet(
        name=str(fields["OBJECT_NAME"]), satrec=sat, epoch_utc=epoch_dt, origin=source
    )


def load_omm_json(path: Path) -> list[ElementSet]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvasimInputError(f"cannot read OMM file: {exc.strerror}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise EvasimInputError(
            f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno
        ) from None
    records = data if isinstance(data, list) else [data]
    if not records:
        raise EvasimInputError("no OMM record in the file", source=str(path))
    return [parse_omm_record(r, source=str(path)) for r in records]
