"""Two-line element sets and OMM records: parsing, checksums, choosing the nearest epoch.

Every element set becomes an :class:`ElementSet` holding an ``sgp4`` ``Satrec``.
Errors name the file and line and say what was expected.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from sgp4 import omm
from sgp4.api import WGS72, Satrec

from ..errors import EvasimInputError
from ..textfile import read_text

BUNDLED_SETS = {"iss_2021": "iss_tle_2021.txt"}
"""Bundled TLE files in ``evasim/data/tle`` (see ``data/SOURCES.md``)."""

MAX_ELEMENT_AGE_DAYS = 14.0
"""An element set whose epoch is further than this from the replayed span is refused (SGP4
errors grow by kilometres a day; weeks away the station's phase on its orbit is unknown)."""


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


_FIELDS = (  # satrec field, TLE line, what and where, largest magnitude (SGP4 units)
    ("ndot", 1, "the first derivative of mean motion (columns 34-43)", math.inf),
    ("nddot", 1, "the second derivative of mean motion (columns 45-52)", math.inf),
    ("bstar", 1, "B* (columns 54-61)", math.inf),
    ("inclo", 2, "the inclination (columns 9-16, 0..180 deg)", math.pi),
    ("nodeo", 2, "the right ascension of the node (columns 18-25, 0..360 deg)", 2 * math.pi),
    ("ecco", 2, "the eccentricity (columns 27-33)", 1.0),
    ("argpo", 2, "the argument of perigee (columns 35-42, 0..360 deg)", 2 * math.pi),
    ("mo", 2, "the mean anomaly (columns 44-51, 0..360 deg)", 2 * math.pi),
    ("no_kozai", 2, "the mean motion (columns 53-63)", math.inf),
)


_NUMBER = r" *\d{1,3}\.\d*"  # a plain decimal, e.g. 145.5195 (no exponent, one point)
_EXPONENT = r" *[ +-]?\d{1,5}[+-]\d"  # implied-point mantissa and exponent, e.g. 81292-4
_COLUMNS = (  # TLE line, columns (1-based, inclusive), what, pattern, an example
    (1, 19, 20, "the epoch year (columns 19-20)", r"\d\d", "21"),
    (1, 21, 32, "the epoch day of year (columns 21-32)", r" *\d{1,3}\.\d+", "245.53748218"),
    (
        1,
        34,
        43,
        "the first derivative of mean motion (columns 34-43)",
        r" *[+-]?0?\.\d+",
        ".00003969",
    ),
    (1, 45, 52, "the second derivative of mean motion (columns 45-52)", _EXPONENT, "00000-0"),
    (1, 54, 61, "B* (columns 54-61)", _EXPONENT, "81292-4"),
    (2, 9, 16, "the inclination (columns 9-16, 0..180 deg)", _NUMBER, "51.6442"),
    (2, 18, 25, "the right ascension of the node (columns 18-25, 0..360 deg)", _NUMBER, "320.2331"),
    (2, 27, 33, "the eccentricity (columns 27-33)", r" *\d+", "0003041"),
    (2, 35, 42, "the argument of perigee (columns 35-42, 0..360 deg)", _NUMBER, "346.4163"),
    (2, 44, 51, "the mean anomaly (columns 44-51, 0..360 deg)", _NUMBER, "145.5195"),
    (
        2,
        53,
        63,
        "the mean motion (columns 53-63, revolutions a day)",
        r" *\d{1,2}\.\d+",
        "15.48587491",
    ),
)
"""The fixed columns SGP4's reader takes numbers from. It scans them loosely (``.45.5195`` reads
as 0.45 and shifts the next field; ``245.5374E218`` as 2.455e220), so each is matched first."""


def _check_columns(line: str, number: int, source: str, lineno: int) -> None:
    """Refuse a TLE line whose numeric fields do not fill their columns in the TLE format."""
    for on, first, last, what, pattern, example in _COLUMNS:
        text = line[first - 1 : last]
        if on == number and not re.fullmatch(pattern, text):
            raise EvasimInputError(
                f"TLE line {number}: {what} is {text!r}; expected a number like {example!r} "
                "in the fixed columns of the TLE format",
                source=source,
                line=lineno,
            )
    if number == 1 and not 1.0 <= float(line[20:32]) < 367.0:
        raise EvasimInputError(
            f"TLE line 1: the epoch day of year (columns 21-32) is {line[20:32].strip()!r}; "
            "expected 1 <= day < 367",
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
    name, name_line = "satellite", 0
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        if line.startswith("1 ") and len(line) >= 60:
            if name_line and not _printable_ascii(name):  # it goes into CCSDS KVN
                raise EvasimInputError(
                    f"TLE name line {name[:40]!r}: expected printable ASCII",
                    source=source,
                    line=name_line,
                )
            if i + 1 >= len(lines):
                raise EvasimInputError(
                    "TLE line 1 has no line 2 after it", source=source, line=lineno
                )
            lineno2, line2 = lines[i + 1]
            _check_line(line, 1, source, lineno)
            _check_line(line2, 2, source, lineno2)
            _check_columns(line, 1, source, lineno)
            _check_columns(line2, 2, source, lineno2)
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
            for field, number, at, high in _FIELDS:
                value = getattr(sat, field)
                if not (math.isfinite(value) and -high <= value <= high):
                    raise EvasimInputError(
                        f"TLE line {number}: {at} does not read as a number in range; "
                        "expected the fixed columns of the TLE format",
                        source=source,
                        line=lineno if number == 1 else lineno2,
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
            name, name_line = "satellite", 0
            i += 2
        elif line.startswith("2 ") and len(line) >= 60:
            raise EvasimInputError(
                "TLE line 2 without a line 1 before it", source=source, line=lineno
            )
        else:
            name = line[2:].strip() if line.startswith("0 ") else line
            name_line = lineno
            i += 1
    if not sets:
        raise EvasimInputError(
            "no two-line element set found; expected lines '1 ...' and '2 ...'", source=source
        )
    return sets


def load_tle_file(path: Path) -> list[ElementSet]:
    return parse_tle_text(read_text(path, "TLE file"), source=str(path))


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


def check_propagation(element_set: ElementSet, start_utc: datetime, end_utc: datetime) -> None:
    """Refuse an element set SGP4 cannot carry over the span (an error code, or positions
    that are not finite numbers), checked at 200 instants before any work."""
    import numpy as np
    from sgp4.api import SGP4_ERRORS, jday

    seconds = np.linspace(0.0, max((end_utc - start_utc).total_seconds(), 0.0), 200)
    whole, frac = jday(
        start_utc.year,
        start_utc.month,
        start_utc.day,
        start_utc.hour,
        start_utc.minute,
        start_utc.second + start_utc.microsecond * 1e-6,
    )
    err, r, v = element_set.satrec.sgp4_array(
        np.full(seconds.size, whole), frac + seconds / 86400.0
    )
    bad = (err != 0) | ~np.all(np.isfinite(r), axis=1) | ~np.all(np.isfinite(v), axis=1)
    if not bad.any():
        return
    k = int(np.flatnonzero(bad)[0])
    when = start_utc + timedelta(seconds=float(seconds[k]))
    code = int(err[k])
    why = f"SGP4 error {code}: {SGP4_ERRORS.get(code, 'unknown')}" if code else "no finite position"
    raise EvasimInputError(
        f"{element_set.describe()} ({element_set.origin or 'given'}) cannot be propagated over "
        f"the span: {why} at {when:%Y-%m-%dT%H:%M:%SZ}"
    )


def days_from_span(element_set: ElementSet, start_utc: datetime, end_utc: datetime) -> float:
    """Days between the element set's epoch and the span (0 inside it)."""
    epoch = element_set.epoch_utc
    gap = (start_utc - epoch) if epoch < start_utc else (epoch - end_utc)
    return max(gap.total_seconds(), 0.0) / 86400.0


def check_element_age(
    element_set: ElementSet,
    start_utc: datetime,
    end_utc: datetime,
    allow_stale: bool = False,
) -> str | None:
    """Refuse an element set more than :data:`MAX_ELEMENT_AGE_DAYS` from the span.

    With ``allow_stale`` the refusal becomes a warning, returned as text (None when the set
    is near enough). The message names the nearest available epoch.
    """
    days = days_from_span(element_set, start_utc, end_utc)
    if days <= MAX_ELEMENT_AGE_DAYS:
        return None
    what = (
        f"the nearest element set epoch available, {element_set.epoch_utc:%Y-%m-%dT%H:%M:%SZ}, "
        f"is {days:.1f} days from the span ({start_utc:%Y-%m-%d})"
    )
    if allow_stale:
        return f"{what}: used as allowed (--allow-stale-elements); positions are unreliable"
    raise EvasimInputError(
        f"{what}; expected at most {MAX_ELEMENT_AGE_DAYS:g} days: give element sets of the "
        "date, or pass --allow-stale-elements to use it anyway"
    )


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


_OMM_RANGES = (
    ("INCLINATION", 0.0, 180.0),
    ("RA_OF_ASC_NODE", 0.0, 360.0),
    ("ECCENTRICITY", 0.0, 0.999),
    ("ARG_OF_PERICENTER", 0.0, 360.0),
    ("MEAN_ANOMALY", 0.0, 360.0),
    ("MEAN_MOTION", 0.05, 20.0),
    ("BSTAR", -1.0, 1.0),
    ("MEAN_MOTION_DOT", -1.0, 1.0),
)
"""Ranges of OMM elements (degrees, revolutions per day, per Earth radius)."""
_OMM_RANGED = {key for key, _, _ in _OMM_RANGES}


_OMM_TEXT = {  # text fields, with an example
    "OBJECT_NAME": "ISS (ZARYA)",
    "OBJECT_ID": "1998-067A",
    "EPOCH": "2021-09-02T12:53:58.460352",
    "CLASSIFICATION_TYPE": "U",
}
_OMM_INTEGERS = ("NORAD_CAT_ID", "EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH")
_OMM_NUMBERS = (
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)


def _printable_ascii(text: str) -> bool:
    """Non-blank printable ASCII on one line: what names and ids must be to be written into
    the CCSDS messages (OEM/AEM/OMM KVN) of a replay."""
    return bool(text.strip()) and text.isascii() and text.isprintable()


def _check_omm_types(record: dict, source: str) -> None:
    """Text where OMM has text, numbers where it has numbers (CelesTrak writes numbers, Space-Track
    numeric text: both are accepted; lists, tables, booleans and non-finite numbers are not)."""

    def refuse(key: str, expected: str):
        return EvasimInputError(f"OMM {key} {record[key]!r}: expected {expected}", source=source)

    for key, example in _OMM_TEXT.items():
        if key in record and not isinstance(record[key], str):
            raise refuse(key, f"text, e.g. {example!r}")
        if key in record and not _printable_ascii(record[key]):  # they go into CCSDS KVN
            raise refuse(key, f"printable ASCII text on one line, e.g. {example!r}")
    for key in (*_OMM_INTEGERS, *_OMM_NUMBERS):
        if key not in record:
            continue
        value = record[key]
        try:
            number = float(value) if isinstance(value, int | float | str) else math.nan
        except ValueError:
            number = math.nan
        if isinstance(value, bool) or (math.isnan(number) and not isinstance(value, float)):
            raise refuse(key, "a number")
        if not math.isfinite(number) and key not in _OMM_RANGED:  # else its range names it
            raise refuse(key, "a finite number")
        if key in _OMM_INTEGERS and not (number.is_integer() and 0 <= number < 1e9):
            raise refuse(key, "a whole number 0..999999999")


def parse_omm_record(record: dict, source: str = "OMM record") -> ElementSet:
    """An ElementSet from one OMM record as CelesTrak writes it in JSON."""
    if not isinstance(record, dict):
        raise EvasimInputError("expected an OMM JSON object (or a list of them)", source=source)
    missing = [k for k in _OMM_FIELDS if k not in record]
    if missing:
        raise EvasimInputError(f"OMM record lacks {', '.join(missing)}", source=source)
    if isinstance(record.get("EPOCH"), datetime):  # an unquoted TOML date-time, inline
        when = record["EPOCH"]
        when = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
        record = {**record, "EPOCH": when.isoformat(timespec="microseconds")}
    _check_omm_types(record, source)
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
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise EvasimInputError(
            f"OMM record: {exc}; expected CelesTrak OMM JSON fields", source=source
        ) from None
    if sat.error:
        raise EvasimInputError(f"OMM elements rejected by SGP4 (error {sat.error})", source=source)
    for key, low, high in _OMM_RANGES:
        value = record.get(key)
        try:
            ok = low <= float(value) <= high
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise EvasimInputError(
                f"OMM {key} {value!r}: expected a number in {low:g}..{high:g}", source=source
            )
    try:
        epoch_dt = datetime.strptime(epoch, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
    except ValueError:
        raise EvasimInputError(
            f"OMM EPOCH {record['EPOCH']!r}: expected a UTC time like 2021-09-02T12:53:58.460352",
            source=source,
        ) from None
    return ElementSet(
        name=str(fields["OBJECT_NAME"]).strip(), satrec=sat, epoch_utc=epoch_dt, origin=source
    )


def load_omm_json(path: Path) -> list[ElementSet]:
    text = read_text(path, "OMM file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvasimInputError(
            f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno
        ) from None
    except RecursionError:
        raise EvasimInputError(
            "JSON nested too deeply; expected OMM records", source=str(path)
        ) from None
    records = data if isinstance(data, list) else [data]
    if not records:
        raise EvasimInputError("no OMM record in the file", source=str(path))
    return [parse_omm_record(r, source=str(path)) for r in records]
