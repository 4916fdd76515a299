"""CCSDS Orbit Mean-Elements Messages (OMM) in every encoding, through one validated model.

Encodings read (chosen by the content, not the file name) and written:

* ``kvn``: ``KEYWORD = value`` text (CCSDS 502.0-B-2/-B-3 section 4 and CelesTrak's
  ``gp.php?FORMAT=kvn``); several messages may follow one another, each opened by
  ``CCSDS_OMM_VERS``.
* ``xml``: the NDM/XML form, one ``<omm>`` root (the blue book) or several ``<omm>`` inside an
  ``<ndm>`` (CelesTrak's ``FORMAT=xml``); DOCTYPE and entity declarations are refused.
* ``json``: CelesTrak's ``FORMAT=json``, a list of flat objects (numbers as numbers).
* ``csv``: CelesTrak's ``FORMAT=csv``, a header row of the OMM keywords then one row a set.

Every record, whatever its encoding, becomes a flat ``{KEYWORD: value}`` dict and goes through
:func:`evasim.sky.tle.parse_omm_record` (types, ranges, SGP4 initialisation): the one model.
Day-of-year epochs (``2007-064T10:34:41.4264``) and a trailing ``Z`` are accepted; fractions
beyond microseconds are rounded. Catalogue numbers are plain integers in OMM, 5-digit or beyond
99999 (the TLE's Alpha-5 range, e.g. 100001 = ``A0001``); ``GM`` and other keywords SGP4 does
not use are read and ignored (SGP4 uses its own WGS72 constants).

Errors are one line naming the file and the line (KVN, CSV, XML syntax) or the message and
keyword (XML, JSON) and what was expected: :class:`evasim.errors.EvasimInputError`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import EvasimInputError
from ..textfile import read_text
from .tle import _OMM_RANGES, ElementSet, parse_omm_record

ENCODINGS = ("kvn", "xml", "json", "csv")
OMM_VERSION = "2.0"
"""Version written (what CelesTrak serves); 2.0 and 3.0 are read."""

HEADER_KEYS = ("CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
METADATA_KEYS = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "REF_FRAME_EPOCH",
    "TIME_SYSTEM",
    "MEAN_ELEMENT_THEORY",
)
MEAN_ELEMENT_KEYS = (
    "EPOCH",
    "SEMI_MAJOR_AXIS",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "GM",
)
TLE_PARAMETER_KEYS = (
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "BTERM",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
    "AGOM",
)
SPACECRAFT_KEYS = ("MASS", "SOLAR_RAD_AREA", "SOLAR_RAD_COEFF", "DRAG_AREA", "DRAG_COEFF")
KNOWN_KEYS = frozenset(
    {"CCSDS_OMM_VERS", "COV_REF_FRAME", "USER_DEFINED"}.union(
        HEADER_KEYS, METADATA_KEYS, MEAN_ELEMENT_KEYS, TLE_PARAMETER_KEYS, SPACECRAFT_KEYS
    )
)
CELESTRAK_FIELDS = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
"""The fields (and their order) of CelesTrak's GP data in JSON and CSV."""

_KVN_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*(?:\[[^\]]*\])?\s*$")
_EPOCH = re.compile(
    r"^(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?Z?$"
)
_COV = re.compile(r"^C[XYZ](_DOT)?_[XYZ](_DOT)?$")


def _epoch_text(value: str) -> str | None:
    """``YYYY-MM-DDThh:mm:ss.ffffff`` of an OMM epoch (calendar or day-of-year form), or None."""
    m = _EPOCH.match(value.strip())
    if m is None:
        return None
    year, month, day, doy, hh, mm, ss, frac = m.groups()
    try:
        if doy is not None:
            if not 1 <= int(doy) <= 366:
                return None
            date = datetime(int(year), 1, 1) + timedelta(days=int(doy) - 1)
            if date.year != int(year):
                return None
        else:
            date = datetime(int(year), int(month), int(day))
        when = date.replace(hour=int(hh), minute=int(mm), second=int(ss))
    except ValueError:
        return None
    when += timedelta(microseconds=round(float("0." + (frac or "0")) * 1e6))
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _record_to_set(record: dict, source: str, where: dict[str, str] | None = None) -> ElementSet:
    """One flat record through the one model; ``where`` maps keywords to ``file:line`` (or a
    message's name) for the error."""
    where = where or {}
    record = dict(record)
    if "EPOCH" in record and isinstance(record["EPOCH"], str):
        epoch = _epoch_text(record["EPOCH"])
        if epoch is None:
            raise EvasimInputError(
                f"EPOCH {record['EPOCH']!r}: expected a UTC time like 2021-09-02T12:53:58.460352 "
                "or 2021-245T12:53:58.46",
                source=where.get("EPOCH", source),
            )
        record["EPOCH"] = epoch
    if "MEAN_MOTION" not in record and "SEMI_MAJOR_AXIS" in record:
        raise EvasimInputError(
            "MEAN_MOTION: expected (SGP4 mean elements); SEMI_MAJOR_AXIS is not SGP4's",
            source=where.get("SEMI_MAJOR_AXIS", source),
        )
    theory = str(record.get("MEAN_ELEMENT_THEORY", "SGP4")).upper()
    if theory not in {"SGP4", "SGP/SGP4"}:
        raise EvasimInputError(
            f"MEAN_ELEMENT_THEORY {record['MEAN_ELEMENT_THEORY']!r}: expected SGP4 or SGP/SGP4",
            source=where.get("MEAN_ELEMENT_THEORY", source),
        )
    for key, low, high in _OMM_RANGES:  # before SGP4, which refuses some with a bare code
        try:
            value = float(record[key])
        except (KeyError, TypeError, ValueError):
            continue
        if not low <= value <= high:
            raise EvasimInputError(
                f"OMM {key} {record[key]!r}: expected a number in {low:g}..{high:g}",
                source=where.get(key, source),
            )
    try:
        return parse_omm_record(record, source=source)
    except EvasimInputError as exc:
        key = next((k for k in where if re.search(rf"\b{k}\b", exc.detail)), None)
        if key is None:
            raise
        raise EvasimInputError(exc.detail, source=where[key]) from None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def detect_encoding(text: str) -> str:
    """``kvn``, ``xml``, ``json`` or ``csv`` from the first significant characters."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith(("[", "{")):
        return "json"
    if head.startswith("<"):
        return "xml"
    first = head.split("\n", 1)[0]
    if re.match(r"^(CCSDS_OMM_VERS|COMMENT)\b", first):
        return "kvn"
    return "csv"


def parse_omm(text: str, source: str = "OMM") -> list[ElementSet]:
    """Element sets of OMM ``text`` in any encoding (see the module docstring)."""
    encoding = detect_encoding(text)
    return {"kvn": _parse_kvn, "xml": _parse_xml, "json": _parse_json, "csv": _parse_csv}[encoding](
        text, source
    )


def read_omm(path: str | Path) -> list[ElementSet]:
    """Element sets of an OMM file in any encoding."""
    return parse_omm(read_text(Path(path), "OMM file"), source=str(path))


def _parse_kvn(text: str, source: str) -> list[ElementSet]:
    messages: list[tuple[dict, dict, int]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line == "COMMENT" or line.startswith(("COMMENT ", "COMMENT\t")):
            continue
        m = _KVN_LINE.match(line)
        if m is None:
            raise EvasimInputError(
                f"expected 'KEYWORD = value', got {line[:60]!r}", source=source, line=n
            )
        key, value = m.groups()
        if key == "CCSDS_OMM_VERS":
            if value not in ("1.0", "2.0", "3.0"):
                raise EvasimInputError(
                    f"CCSDS_OMM_VERS: expected 2.0 or 3.0, got {value!r}", source=source, line=n
                )
            messages.append(({}, {}, n))
            continue
        if not messages:
            raise EvasimInputError(
                f"expected CCSDS_OMM_VERS = {OMM_VERSION} first, got {key}", source=source, line=n
            )
        if key not in KNOWN_KEYS and not _COV.match(key) and not key.startswith("USER_DEFINED_"):
            raise EvasimInputError(f"unknown OMM keyword {key}", source=source, line=n)
        record, where, _ = messages[-1]
        if key in record:
            raise EvasimInputError(f"keyword {key} given twice", source=source, line=n)
        record[key] = value
        where[key] = f"{source}:{n}"
    if not messages:
        raise EvasimInputError(
            f"no OMM message; expected CCSDS_OMM_VERS = {OMM_VERSION}", source=source
        )
    out = []
    for record, where, start in messages:
        record = {k: v for k, v in record.items() if v != "" or k not in HEADER_KEYS}
        out.append(_record_to_set(record, f"{source}:{start}", where))
    return out


def _parse_xml(text: str, source: str) -> list[ElementSet]:
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise EvasimInputError(
            "DOCTYPE or ENTITY declarations are not accepted in OMM XML", source=source
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, _col = exc.position
        why = str(exc).split(": line")[0]
        raise EvasimInputError(
            f"XML not well formed ({why}); expected NDM/XML", source=source, line=line
        ) from None
    omms = (
        [root] if _local(root.tag) == "omm" else [e for e in root.iter() if _local(e.tag) == "omm"]
    )
    if not omms:
        raise EvasimInputError(
            f"expected an <omm> element, got <{_local(root.tag)}>", source=source
        )
    out = []
    for i, omm in enumerate(omms, start=1):
        name = f"{source}: <omm> {i}"
        record: dict[str, str] = {}
        where: dict[str, str] = {}
        for block in ("metadata", "meanElements", "tleParameters"):
            element = next((e for e in omm.iter() if _local(e.tag) == block), None)
            if element is None:
                raise EvasimInputError(
                    f"missing <{block}>; expected an OMM with SGP4 mean elements", source=name
                )
            for child in element:
                key = _local(child.tag)
                if key == "COMMENT":
                    continue
                record[key] = (child.text or "").strip()
                where[key] = f"{name} <{key}>"
        out.append(_record_to_set(record, name, where))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_json(text: str, source: str) -> list[ElementSet]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvasimInputError(f"invalid JSON: {exc.msg}", source=source, line=exc.lineno) from None
    except RecursionError:
        raise EvasimInputError(
            "JSON nested too deeply; expected OMM records", source=source
        ) from None
    records = data if isinstance(data, list) else [data]
    if not records:
        raise EvasimInputError("no OMM record in the file", source=source)
    out = []
    for i, record in enumerate(records, start=1):
        name = f"{source}: record {i}"
        if not isinstance(record, dict):
            raise EvasimInputError("expected an OMM JSON object", source=name)
        out.append(_record_to_set(record, name, {k: f"{name} {k}" for k in record}))
    return out


def _parse_csv(text: str, source: str) -> list[ElementSet]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [(reader.line_num, row) for row in reader]
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise EvasimInputError("empty file; expected OMM CSV with a header row", source=source)
    n0, header = rows[0]
    header = [h.strip() for h in header]
    missing = [
        k for k in ("OBJECT_NAME", "EPOCH", "MEAN_MOTION", "NORAD_CAT_ID") if k not in header
    ]
    if missing:
        raise EvasimInputError(
            f"CSV header lacks {', '.join(missing)}; expected CelesTrak's OMM columns "
            f"({','.join(CELESTRAK_FIELDS[:4])},...)",
            source=source,
            line=n0,
        )
    if len(rows) == 1:
        raise EvasimInputError("no OMM row after the header", source=source, line=n0)
    out = []
    for n, row in rows[1:]:
        if len(row) != len(header):
            raise EvasimInputError(
                f"expected {len(header)} fields as in the header, got {len(row)}",
                source=source,
                line=n,
            )
        record = {k: v.strip() for k, v in zip(header, row, strict=True)}
        out.append(_record_to_set(record, f"{source}:{n}", {k: f"{source}:{n}" for k in record}))
    return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def object_id(es: ElementSet) -> str:
    """The COSPAR international designator (``1998-067A``) of an element set, or
    ``UNKNOWN`` when the set does not carry one."""
    intl = (es.satrec.intldesg or "").strip()
    if len(intl) < 3 or not intl[:2].isdigit() or not (intl.isascii() and intl.isprintable()):
        return "UNKNOWN"
    year = int(intl[:2])
    return f"{year + (1900 if year >= 57 else 2000)}-{intl[2:]}"


def omm_record(es: ElementSet) -> dict:
    """The OMM fields of an element set, numbers as numbers (CelesTrak's JSON record, with the
    metadata), from its SGP4 record in the units of ``sgp4.exporter.export_omm``."""
    s = es.satrec
    rev_day = 1440.0 / (2.0 * math.pi)  # rad/min -> rev/day
    return {
        "OBJECT_NAME": es.name,
        "OBJECT_ID": object_id(es),
        "CENTER_NAME": "EARTH",
        "REF_FRAME": "TEME",
        "TIME_SYSTEM": "UTC",
        "MEAN_ELEMENT_THEORY": "SGP4",
        "EPOCH": es.epoch_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MEAN_MOTION": s.no_kozai * rev_day,
        "ECCENTRICITY": s.ecco,
        "INCLINATION": math.degrees(s.inclo),
        "RA_OF_ASC_NODE": math.degrees(s.nodeo),
        "ARG_OF_PERICENTER": math.degrees(s.argpo),
        "MEAN_ANOMALY": math.degrees(s.mo),
        "EPHEMERIS_TYPE": int(s.ephtype),
        "CLASSIFICATION_TYPE": s.classification or "U",
        "NORAD_CAT_ID": int(s.satnum),
        "ELEMENT_SET_NO": int(s.elnum),
        "REV_AT_EPOCH": int(s.revnum),
        "BSTAR": s.bstar,
        "MEAN_MOTION_DOT": s.ndot * rev_day * 1440.0,
        "MEAN_MOTION_DDOT": s.nddot * rev_day * 1440.0**2,
    }


def _fmt(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def omm_text(
    sets: list[ElementSet] | ElementSet, encoding: str = "kvn", originator: str = "evasim"
) -> str:
    """OMM text of element sets in ``encoding`` (``kvn``, ``xml``, ``json`` or ``csv``)."""
    sets = [sets] if isinstance(sets, ElementSet) else list(sets)
    if encoding not in ENCODINGS:
        raise EvasimInputError(f"OMM encoding {encoding!r}: expected one of {', '.join(ENCODINGS)}")
    records = [omm_record(es) for es in sets]
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if encoding == "json":
        return json.dumps([{k: r[k] for k in CELESTRAK_FIELDS} for r in records], indent=1) + "\n"
    if encoding == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(CELESTRAK_FIELDS)
        for r in records:
            writer.writerow([_fmt(r[k]) for k in CELESTRAK_FIELDS])
        return buf.getvalue()
    if encoding == "kvn":
        out = []
        for r in records:
            out += [
                f"CCSDS_OMM_VERS = {OMM_VERSION}",
                f"CREATION_DATE = {created}",
                f"ORIGINATOR = {originator}",
                "",
            ]
            for k, v in r.items():
                v = "SGP/SGP4" if k == "MEAN_ELEMENT_THEORY" else v
                out.append(f"{k} = {_fmt(v)}")
            out.append("")
        return "\n".join(out)
    ndm = ET.Element("ndm")
    for r in records:
        omm = ET.SubElement(ndm, "omm", id="CCSDS_OMM_VERS", version=OMM_VERSION)
        header = ET.SubElement(omm, "header")
        ET.SubElement(header, "CREATION_DATE").text = created
        ET.SubElement(header, "ORIGINATOR").text = originator
        segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
        blocks = {
            "metadata": METADATA_KEYS,
            "meanElements": MEAN_ELEMENT_KEYS,
            "tleParameters": TLE_PARAMETER_KEYS,
        }
        data = None
        for block, keys in blocks.items():
            if block == "metadata":
                parent = segment
            else:
                data = data if data is not None else ET.SubElement(segment, "data")
                parent = data
            element = ET.SubElement(parent, block)
            for k in keys:
                if k in r:
                    ET.SubElement(element, k).text = _fmt(r[k])
    ET.indent(ndm)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(ndm, encoding="unicode") + "\n"
