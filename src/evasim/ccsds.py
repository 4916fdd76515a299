"""CCSDS Navigation Data Messages in KVN text: attitude (AEM) and orbit (OEM) ephemerides.

Formats: the Attitude Ephemeris Message of CCSDS 504.0-B-1 (``CCSDS_AEM_VERS = 1.0``) and the
Orbit Ephemeris Message of CCSDS 502.0-B-2 (``CCSDS_OEM_VERS = 2.0``), in the "keyword = value"
text form (KVN). One segment per message (one META block and its data); a file with several
segments, covariance data, OEM accelerations or a non-quaternion AEM is refused.

Units and frames
----------------
* Epochs are ``numpy.datetime64[ms]`` in ``TIME_SYSTEM`` (UTC for everything evasim writes),
  written as ``YYYY-MM-DDThh:mm:ss.sss``. The reader also takes the day-of-year form
  ``YYYY-DDDThh:mm:ss`` and a trailing ``Z``; finer fractions are rounded to the millisecond.
* OEM states: position in km, velocity in km/s, in ``REF_FRAME`` (e.g. GCRF or ITRF) centred
  on ``CENTER_NAME``.
* AEM attitudes: unit quaternions, scalar first ``(w, x, y, z)``, written with
  ``QUATERNION_TYPE = FIRST`` and ``ATTITUDE_DIR = A2B``.

Quaternion convention (read this before using the files elsewhere)
------------------------------------------------------------------
The quaternion stored is the one evasim computes: the body attitude relative to
``REF_FRAME_A`` (ICRF, or LVLH), i.e. ``q`` rotates vectors from the body frame
(``REF_FRAME_B``) into frame A, ``v_A = q ⊗ (0, v_B) ⊗ q*`` (Hamilton product, as in
:mod:`evasim.attitude.quaternion`). Read as a rotation of *frames*, the same ``q`` turns the axes
of frame A onto the axes of frame B, which is what CCSDS calls the A-to-B rotation, hence
``ATTITUDE_DIR = A2B``: the numbers are written exactly as given, with no conjugation, no
normalisation and no sign change. Equivalently, B components from A components are
``v_B = q* ⊗ (0, v_A) ⊗ q``. The reader returns exactly what the writer was given. For foreign
files the reader converts to this same convention: ``QUATERNION_TYPE = LAST`` is reordered to
scalar first and ``ATTITUDE_DIR = B2A`` is conjugated.

Errors
------
The readers raise :class:`evasim.errors.EvasimInputError` naming the file and the line for any
defect: missing or unknown keyword, wrong message type or version, missing
``META_START``/``META_STOP`` or (AEM) ``DATA_START``/``DATA_STOP``, malformed data line, epoch
not increasing or outside ``START_TIME``..``STOP_TIME``, quaternion norm off 1 by more than 1e-6.
The writers raise ``ValueError`` for content the readers would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .errors import EvasimInputError
from .fileutil import replacing

__all__ = [
    "AttitudeEphemeris",
    "OrbitEphemeris",
    "aem_text",
    "oem_text",
    "read_aem",
    "read_oem",
    "write_aem",
    "write_oem",
]

AEM_VERSION = "1.0"
OEM_VERSION = "2.0"
QUATERNION_NORM_TOLERANCE = 1e-6

_ARRAY_FIELDS = frozenset({"epochs", "quaternions", "position_km", "velocity_km_s"})
_STATE_FIELDS = ("position_km", "velocity_km_s")
_STRUCTURE = {"META_START", "META_STOP", "DATA_START", "DATA_STOP", "COVARIANCE_START"}


def _eq(self, other) -> bool:
    """Field-by-field equality; arrays compare exactly (dtype, shape and values)."""
    if type(other) is not type(self):
        return NotImplemented
    for f in fields(self):
        a, b = getattr(self, f.name), getattr(other, f.name)
        if f.name in _ARRAY_FIELDS:
            if a.dtype != b.dtype or not np.array_equal(a, b):
                return False
        elif a != b:
            return False
    return True


def _coerce_common(obj, vectors: dict[str, int]) -> None:
    """Normalise types in ``__post_init__``: epochs to datetime64[ms], arrays to float64 (N, k)."""
    epochs = np.asarray(obj.epochs)
    if epochs.dtype.kind != "M":
        epochs = epochs.astype("datetime64[ms]")
    epochs = epochs.astype("datetime64[ms]")
    if epochs.ndim != 1:
        raise ValueError(f"epochs: expected shape (N,), got {epochs.shape}")
    object.__setattr__(obj, "epochs", epochs)
    for name, width in vectors.items():
        arr = np.asarray(getattr(obj, name), dtype=np.float64)
        if arr.shape != (epochs.size, width):
            raise ValueError(f"{name}: expected shape ({epochs.size}, {width}), got {arr.shape}")
        object.__setattr__(obj, name, arr)
    comment = obj.comment
    object.__setattr__(obj, "comment", (comment,) if isinstance(comment, str) else tuple(comment))


@dataclass(frozen=True, eq=False)
class AttitudeEphemeris:
    """Attitude history of one object: scalar-first unit quaternions at UTC epochs.

    ``quaternions[i]`` is the body attitude relative to ``ref_frame_a`` at ``epochs[i]``: it
    rotates vectors from ``ref_frame_b`` (the body frame) into ``ref_frame_a``, which as a frame
    rotation is the CCSDS A2B quaternion (see the module docstring). ``epochs`` is
    ``datetime64[ms]`` (N,), ``quaternions`` float64 (N, 4) ``(w, x, y, z)``. Equality compares
    arrays exactly; a message's ``CREATION_DATE`` is not part of the object.
    """

    object_name: str
    object_id: str
    ref_frame_a: str
    ref_frame_b: str
    epochs: np.ndarray
    quaternions: np.ndarray
    center_name: str = "EARTH"
    time_system: str = "UTC"
    originator: str = "evasim"
    comment: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _coerce_common(self, {"quaternions": 4})

    __eq__ = _eq
    __hash__ = None  # type: ignore[assignment]  # holds numpy arrays


@dataclass(frozen=True, eq=False)
class OrbitEphemeris:
    """Orbit state history of one object: position (km) and velocity (km/s) at UTC epochs.

    States are in ``ref_frame`` (e.g. GCRF, ITRF) centred on ``center_name``. ``epochs`` is
    ``datetime64[ms]`` (N,), ``position_km`` and ``velocity_km_s`` float64 (N, 3). Equality
    compares arrays exactly; a message's ``CREATION_DATE`` is not part of the object.
    """

    object_name: str
    object_id: str
    ref_frame: str
    epochs: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    center_name: str = "EARTH"
    time_system: str = "UTC"
    originator: str = "evasim"
    comment: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _coerce_common(self, {"position_km": 3, "velocity_km_s": 3})

    __eq__ = _eq
    __hash__ = None  # type: ignore[assignment]  # holds numpy arrays


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_MIN_EPOCH = np.datetime64("0001-01-01T00:00:00.000", "ms")
_MAX_EPOCH = np.datetime64("9999-12-31T23:59:59.999", "ms")


def _fmt_epoch(t: np.datetime64) -> str:
    return str(np.datetime_as_string(t, unit="ms"))


def _fmt_num(x: float) -> str:
    """17 significant digits: a float64 survives the text round trip bit for bit."""
    return f"{x: .16e}"


def _check_value(name: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: expected a non-empty string, got {value!r}")
    if value != value.strip() or not value.isascii() or not value.isprintable():
        raise ValueError(f"{name}: expected printable ASCII on one line, without edge spaces")


def _check_common(obj) -> None:
    """Refuse what the reader would refuse, so that every file written reads back."""
    for name in ("object_name", "object_id", "center_name", "time_system", "originator"):
        _check_value(name, getattr(obj, name))
    for i, c in enumerate(obj.comment):
        if not isinstance(c, str) or not c.isascii() or not c.isprintable():
            raise ValueError(f"comment[{i}]: expected printable ASCII on one line, got {c!r}")
    t = obj.epochs
    if t.size == 0:
        raise ValueError("epochs: expected at least one epoch")
    if np.isnat(t).any() or (t < _MIN_EPOCH).any() or (t > _MAX_EPOCH).any():
        raise ValueError("epochs: expected valid times within years 0001-9999")
    if t.size > 1 and not (np.diff(t) > np.timedelta64(0, "ms")).all():
        raise ValueError("epochs: expected strictly increasing times")
    arrays = ("quaternions",) if isinstance(obj, AttitudeEphemeris) else _STATE_FIELDS
    for name in arrays:
        if not np.isfinite(getattr(obj, name)).all():
            raise ValueError(f"{name}: expected finite numbers")


def _header(kind: str, version: str, originator: str) -> list[str]:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return [
        f"CCSDS_{kind}_VERS = {version}",
        f"CREATION_DATE = {created}",
        f"ORIGINATOR = {originator}",
        "",
    ]


def aem_text(aem: AttitudeEphemeris) -> str:
    """The AEM (CCSDS 504.0-B-1, KVN) text of ``aem``; ``CREATION_DATE`` is the current UTC."""
    _check_common(aem)
    _check_value("ref_frame_a", aem.ref_frame_a)
    _check_value("ref_frame_b", aem.ref_frame_b)
    norm = np.linalg.norm(aem.quaternions, axis=1)
    bad = np.flatnonzero(np.abs(norm - 1.0) > QUATERNION_NORM_TOLERANCE)
    if bad.size:
        raise ValueError(
            f"quaternions[{bad[0]}]: expected a unit quaternion, norm is {norm[bad[0]]:.9g}"
        )
    start, stop = _fmt_epoch(aem.epochs[0]), _fmt_epoch(aem.epochs[-1])
    lines = _header("AEM", AEM_VERSION, aem.originator)
    lines.append("META_START")
    lines += [f"COMMENT {c}".rstrip() for c in aem.comment]
    lines += [
        f"OBJECT_NAME = {aem.object_name}",
        f"OBJECT_ID = {aem.object_id}",
        f"CENTER_NAME = {aem.center_name}",
        f"REF_FRAME_A = {aem.ref_frame_a}",
        f"REF_FRAME_B = {aem.ref_frame_b}",
        "ATTITUDE_DIR = A2B",
        f"TIME_SYSTEM = {aem.time_system}",
        f"START_TIME = {start}",
        f"USEABLE_START_TIME = {start}",
        f"USEABLE_STOP_TIME = {stop}",
        f"STOP_TIME = {stop}",
        "ATTITUDE_TYPE = QUATERNION",
        "QUATERNION_TYPE = FIRST",
        "META_STOP",
        "",
        "DATA_START",
    ]
    for t, q in zip(aem.epochs, aem.quaternions, strict=True):
        lines.append(_fmt_epoch(t) + " " + " ".join(_fmt_num(x) for x in q))
    lines += ["DATA_STOP", ""]
    return "\n".join(lines)


def oem_text(oem: OrbitEphemeris) -> str:
    """The OEM (CCSDS 502.0-B-2, KVN) text of ``oem``; ``CREATION_DATE`` is the current UTC.

    As the standard has it, OEM data lines follow ``META_STOP`` directly (no ``DATA_START``).
    """
    _check_common(oem)
    _check_value("ref_frame", oem.ref_frame)
    lines = _header("OEM", OEM_VERSION, oem.originator)
    lines.append("META_START")
    lines += [f"COMMENT {c}".rstrip() for c in oem.comment]
    lines += [
        f"OBJECT_NAME = {oem.object_name}",
        f"OBJECT_ID = {oem.object_id}",
        f"CENTER_NAME = {oem.center_name}",
        f"REF_FRAME = {oem.ref_frame}",
        f"TIME_SYSTEM = {oem.time_system}",
        f"START_TIME = {_fmt_epoch(oem.epochs[0])}",
        f"STOP_TIME = {_fmt_epoch(oem.epochs[-1])}",
        "META_STOP",
        "",
    ]
    for t, r, v in zip(oem.epochs, oem.position_km, oem.velocity_km_s, strict=True):
        lines.append(_fmt_epoch(t) + " " + " ".join(_fmt_num(x) for x in (*r, *v)))
    lines.append("")
    return "\n".join(lines)


def _write_atomic(text: str, path) -> Path:
    """Write ``text`` (ASCII) to ``path`` via a temporary file in the same folder."""
    path = Path(path)
    with replacing(path) as tmp, open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    return path


def write_aem(aem: AttitudeEphemeris, path) -> Path:
    """Write ``aem`` as a KVN AEM file at ``path`` (atomically); return the path."""
    return _write_atomic(aem_text(aem), path)


def write_oem(oem: OrbitEphemeris, path) -> Path:
    """Write ``oem`` as a KVN OEM file at ``path`` (atomically); return the path."""
    return _write_atomic(oem_text(oem), path)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

_KEYWORD_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$")
_EPOCH = re.compile(r"^(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$")

_HEADER_KEYS = {"CREATION_DATE", "ORIGINATOR", "MESSAGE_ID"}
_AEM_META_KEYS = {
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME_A",
    "REF_FRAME_B",
    "ATTITUDE_DIR",
    "TIME_SYSTEM",
    "START_TIME",
    "USEABLE_START_TIME",
    "USEABLE_STOP_TIME",
    "STOP_TIME",
    "ATTITUDE_TYPE",
    "QUATERNION_TYPE",
    "EULER_ROT_SEQ",
    "RATE_FRAME",
    "INTERPOLATION_METHOD",
    "INTERPOLATION_DEGREE",
}
_OEM_META_KEYS = {
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "REF_FRAME_EPOCH",
    "TIME_SYSTEM",
    "START_TIME",
    "USEABLE_START_TIME",
    "USEABLE_STOP_TIME",
    "STOP_TIME",
    "INTERPOLATION",
    "INTERPOLATION_DEGREE",
}
_AEM_REQUIRED = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "REF_FRAME_A",
    "REF_FRAME_B",
    "ATTITUDE_DIR",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
    "ATTITUDE_TYPE",
)
_OEM_REQUIRED = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
)


class _Lines:
    """The significant lines of a KVN file: (line number, stripped text), comments collected."""

    def __init__(self, path) -> None:
        self.source = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise EvasimInputError(
                f"cannot read file: {exc.strerror}", source=self.source
            ) from None
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise self.error("expected ASCII text (CCSDS KVN)", line) from None
        self.items: list[tuple[int, str]] = []
        self.comments: list[str] = []
        for n, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            if not s:
                continue
            if s == "COMMENT" or s.startswith(("COMMENT ", "COMMENT\t")):
                self.comments.append(s[len("COMMENT") :].strip())
                continue
            self.items.append((n, s))
        self.pos = 0
        self.last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))

    def error(self, message: str, line: int | None) -> EvasimInputError:
        return EvasimInputError(message, source=self.source, line=line)

    def peek(self) -> tuple[int, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self, expected: str) -> tuple[int, str]:
        item = self.peek()
        if item is None:
            raise self.error(f"unexpected end of file; expected {expected}", self.last_line)
        self.pos += 1
        return item


def _parse_epoch(text: str, lines: _Lines, line: int, what: str) -> np.datetime64:
    m = _EPOCH.match(text)
    if m is None:
        raise lines.error(
            f"{what}: expected a time YYYY-MM-DDThh:mm:ss[.fff] or YYYY-DDDThh:mm:ss[.fff], "
            f"got {text!r}",
            line,
        )
    year, month, day, doy, hh, mm, ss, frac = m.groups()
    if int(hh) > 23 or int(mm) > 59 or int(ss) > 59:
        raise lines.error(
            f"{what}: expected hh<24, mm<60, ss<60 (no leap seconds), got {text!r}", line
        )
    try:
        if doy is not None:
            date = np.datetime64(f"{year}-01-01", "D") + np.timedelta64(int(doy) - 1, "D")
            if int(doy) < 1 or date.astype("datetime64[Y]") != np.datetime64(year, "Y"):
                raise ValueError
        else:
            date = np.datetime64(f"{year}-{month}-{day}", "D")
    except ValueError:
        raise lines.error(f"{what}: expected a valid calendar date, got {text!r}", line) from None
    frac = frac or ""
    ms = int(frac[:3].ljust(3, "0"))
    if len(frac) > 3 and frac[3] >= "5":
        ms += 1  # round to the nearest millisecond
    seconds = int(hh) * 3600 + int(mm) * 60 + int(ss)
    return (
        date.astype("datetime64[ms]")
        + np.timedelta64(seconds, "s").astype("timedelta64[ms]")
        + np.timedelta64(ms, "ms")
    )


def _read_keywords(
    lines: _Lines, allowed: set[str], stop: str, block: str
) -> tuple[dict[str, str], dict[str, int]]:
    """``KEYWORD = value`` lines until ``stop``; return values and their line numbers."""
    values: dict[str, str] = {}
    where: dict[str, int] = {}
    while True:
        item = lines.peek()
        if item is None:
            raise lines.error(
                f"unexpected end of file in {block}; expected {stop}", lines.last_line
            )
        n, s = item
        if s == stop:
            return values, where
        if s in {"META_START", "META_STOP", "DATA_START", "DATA_STOP"}:
            raise lines.error(f"expected {stop} before {s}", n)
        m = _KEYWORD_LINE.match(s)
        if m is None:
            raise lines.error(f"expected 'KEYWORD = value' or {stop} in {block}, got {s!r}", n)
        key, value = m.groups()
        if key not in allowed:
            if key in _HEADER_KEYS | _AEM_META_KEYS | _OEM_META_KEYS:
                raise lines.error(f"keyword {key} not allowed in {block}; expected {stop} first", n)
            raise lines.error(f"unknown keyword {key} in {block}", n)
        if key in values:
            raise lines.error(f"keyword {key} given twice in {block}", n)
        if not value:
            raise lines.error(f"{key}: expected a value", n)
        values[key] = value
        where[key] = n
        lines.pos += 1


def _read_header(lines: _Lines, kind: str, versions: tuple[str, ...]) -> tuple[dict, int]:
    """Version line, then header keywords up to (and including) META_START."""
    key = f"CCSDS_{kind}_VERS"
    n, s = lines.next(f"{key} = {versions[-1]}")
    m = _KEYWORD_LINE.match(s)
    if m is None or not (m.group(1).startswith("CCSDS_") and m.group(1).endswith("_VERS")):
        raise lines.error(f"expected {key} = {versions[-1]} as the first keyword, got {s!r}", n)
    if m.group(1) != key:
        raise lines.error(f"expected {key}, got {m.group(1)}: this is not a CCSDS {kind}", n)
    try:
        ok = any(float(m.group(2)) == float(v) for v in versions)
    except ValueError:
        ok = False
    if not ok:
        raise lines.error(f"{key}: expected {' or '.join(versions)}, got {m.group(2)!r}", n)
    header, where = _read_keywords(lines, _HEADER_KEYS, "META_START", "the header")
    meta_start = lines.next("META_START")[0]
    for req in ("CREATION_DATE", "ORIGINATOR"):
        if req not in header:
            raise lines.error(f"missing required keyword {req} in the header", meta_start)
    _parse_epoch(header["CREATION_DATE"], lines, where["CREATION_DATE"], "CREATION_DATE")
    return header, meta_start


def _read_meta(
    lines: _Lines, meta_start: int, allowed: set[str], required: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, int], int]:
    meta, where = _read_keywords(lines, allowed, "META_STOP", "the metadata")
    meta_stop = lines.next("META_STOP")[0]
    for req in required:
        if req not in meta:
            raise lines.error(
                f"missing required keyword {req} in the metadata (META_START at line {meta_start})",
                meta_stop,
            )
    return meta, where, meta_stop


def _time_span(lines: _Lines, meta: dict, where: dict) -> tuple[np.datetime64, np.datetime64]:
    start = _parse_epoch(meta["START_TIME"], lines, where["START_TIME"], "START_TIME")
    stop = _parse_epoch(meta["STOP_TIME"], lines, where["STOP_TIME"], "STOP_TIME")
    if stop < start:
        raise lines.error("STOP_TIME: expected a time not before START_TIME", where["STOP_TIME"])
    for key in ("USEABLE_START_TIME", "USEABLE_STOP_TIME"):
        if key in meta:
            _parse_epoch(meta[key], lines, where[key], key)
    return start, stop


def _read_data(
    lines: _Lines,
    width: int,
    layout: str,
    span: tuple[np.datetime64, np.datetime64],
    is_end: Callable[[str], bool],
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Data lines ``epoch v1 .. v<width>`` until ``is_end(line)`` or the end of the file."""
    epochs: list[np.datetime64] = []
    rows: list[list[float]] = []
    numbers: list[int] = []
    start, stop = span
    while (item := lines.peek()) is not None and not is_end(item[1]):
        n, s = item
        lines.pos += 1
        parts = s.split()
        if len(parts) != width + 1:
            raise lines.error(f"expected {width + 1} fields ({layout}), got {len(parts)}", n)
        t = _parse_epoch(parts[0], lines, n, "epoch")
        try:
            row = [float(x) for x in parts[1:]]
        except ValueError:
            bad = next(x for x in parts[1:] if not _is_float(x))
            raise lines.error(f"expected a number, got {bad!r}", n) from None
        if not all(np.isfinite(row)):
            raise lines.error("expected finite numbers, got nan or inf", n)
        if epochs and t <= epochs[-1]:
            raise lines.error(
                f"epoch {parts[0]}: expected a time after the previous line's "
                f"{_fmt_epoch(epochs[-1])} (epochs must increase)",
                n,
            )
        if not start <= t <= stop:
            raise lines.error(
                f"epoch {parts[0]}: expected a time within START_TIME..STOP_TIME "
                f"({_fmt_epoch(start)}..{_fmt_epoch(stop)})",
                n,
            )
        epochs.append(t)
        rows.append(row)
        numbers.append(n)
    return (
        np.array(epochs, dtype="datetime64[ms]"),
        np.array(rows, dtype=np.float64).reshape(len(rows), width),
        numbers,
    )


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def _reject_more_segments(lines: _Lines) -> None:
    item = lines.peek()
    if item is None:
        return
    n, s = item
    if s == "META_START":
        raise lines.error("expected one segment; files with several segments are not supported", n)
    if s == "COVARIANCE_START":
        raise lines.error("expected end of file; covariance data is not supported", n)
    raise lines.error(f"expected end of file or META_START, got {s!r}", n)


def read_aem(path) -> AttitudeEphemeris:
    """Read a KVN AEM file (CCSDS 504.0-B-1, quaternions) into an :class:`AttitudeEphemeris`.

    Quaternions come back scalar first in evasim's convention (body attitude relative to
    ``REF_FRAME_A``; see the module docstring); a file written by :func:`write_aem` reads back
    exactly. Raises :class:`EvasimInputError` with the file and line on any defect.
    """
    lines = _Lines(path)
    header, meta_start = _read_header(lines, "AEM", (AEM_VERSION,))
    meta, where, meta_stop = _read_meta(lines, meta_start, _AEM_META_KEYS, _AEM_REQUIRED)
    if meta["ATTITUDE_TYPE"] != "QUATERNION":
        raise lines.error(
            f"ATTITUDE_TYPE: expected QUATERNION, got {meta['ATTITUDE_TYPE']!r} (not supported)",
            where["ATTITUDE_TYPE"],
        )
    if "QUATERNION_TYPE" not in meta:
        raise lines.error(
            "missing required keyword QUATERNION_TYPE in the metadata (expected FIRST or LAST)",
            meta_stop,
        )
    qtype = meta["QUATERNION_TYPE"]
    if qtype not in {"FIRST", "LAST"}:
        raise lines.error(
            f"QUATERNION_TYPE: expected FIRST or LAST, got {qtype!r}", where["QUATERNION_TYPE"]
        )
    direction = meta["ATTITUDE_DIR"]
    if direction not in {"A2B", "B2A"}:
        raise lines.error(
            f"ATTITUDE_DIR: expected A2B or B2A, got {direction!r}", where["ATTITUDE_DIR"]
        )
    span = _time_span(lines, meta, where)
    n, s = lines.next("DATA_START")
    if s != "DATA_START":
        raise lines.error(f"expected DATA_START after META_STOP, got {s!r}", n)
    layout = "epoch q0 q1 q2 q3" if qtype == "FIRST" else "epoch q1 q2 q3 q0"
    epochs, q, numbers = _read_data(lines, 4, layout, span, lambda s: s in _STRUCTURE)
    end = lines.peek()
    if end is None or end[1] != "DATA_STOP":
        got = "end of file" if end is None else repr(end[1])
        raise lines.error(
            f"expected DATA_STOP, got {got}", lines.last_line if end is None else end[0]
        )
    if epochs.size == 0:
        raise lines.error("expected at least one data line between DATA_START and DATA_STOP", n)
    lines.pos += 1
    _reject_more_segments(lines)

    norm = np.linalg.norm(q, axis=1)
    bad = np.flatnonzero(np.abs(norm - 1.0) > QUATERNION_NORM_TOLERANCE)
    if bad.size:
        i = int(bad[0])
        raise lines.error(
            f"expected a unit quaternion (|norm - 1| <= {QUATERNION_NORM_TOLERANCE:g}), "
            f"norm is {norm[i]:.9g}",
            numbers[i],
        )
    if qtype == "LAST":
        q = q[:, [3, 0, 1, 2]]
    if direction == "B2A":
        q = q * np.array([1.0, -1.0, -1.0, -1.0])
    return AttitudeEphemeris(
        object_name=meta["OBJECT_NAME"],
        object_id=meta["OBJECT_ID"],
        ref_frame_a=meta["REF_FRAME_A"],
        ref_frame_b=meta["REF_FRAME_B"],
        epochs=epochs,
        quaternions=q,
        center_name=meta.get("CENTER_NAME", "EARTH"),
        time_system=meta["TIME_SYSTEM"],
        originator=header["ORIGINATOR"],
        comment=tuple(lines.comments),
    )


def read_oem(path) -> OrbitEphemeris:
    """Read a KVN OEM file (CCSDS 502.0-B-2) into an :class:`OrbitEphemeris` (km, km/s).

    One segment of ``epoch x y z vx vy vz`` lines; a file written by :func:`write_oem` reads
    back exactly. Raises :class:`EvasimInputError` with the file and line on any defect.
    """
    lines = _Lines(path)
    header, meta_start = _read_header(lines, "OEM", ("1.0", OEM_VERSION))
    meta, where, meta_stop = _read_meta(lines, meta_start, _OEM_META_KEYS, _OEM_REQUIRED)
    span = _time_span(lines, meta, where)
    epochs, states, _ = _read_data(
        lines,
        6,
        "epoch x y z vx vy vz; accelerations are not supported",
        span,
        lambda s: s in _STRUCTURE,
    )
    if epochs.size == 0:
        raise lines.error("expected at least one data line after META_STOP", meta_stop)
    _reject_more_segments(lines)
    return OrbitEphemeris(
        object_name=meta["OBJECT_NAME"],
        object_id=meta["OBJECT_ID"],
        ref_frame=meta["REF_FRAME"],
        epochs=epochs,
        position_km=states[:, :3],
        velocity_km_s=states[:, 3:],
        center_name=meta["CENTER_NAME"],
        time_system=meta["TIME_SYSTEM"],
        originator=header["ORIGINATOR"],
        comment=tuple(lines.comments),
    )
