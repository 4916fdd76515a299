"""OEM and AEM in NDM/XML, the same model as the KVN files of :mod:`evasim.ccsds`.

The XML form of the Orbit Ephemeris Message (CCSDS 502.0-B-2, ``<oem id="CCSDS_OEM_VERS"
version="2.0">``: ``header``, ``body/segment/metadata`` and ``data/stateVector`` with ``EPOCH X
Y Z X_DOT Y_DOT Z_DOT``) and of the Attitude Ephemeris Message (CCSDS 504.0-B-1, ``<aem
id="CCSDS_AEM_VERS" version="1.0">``: ``data/attitudeState/quaternionState`` with ``EPOCH`` and
``quaternion/QC QC1 QC2 QC3``, scalar ``QC``). Same scope and checks as the KVN readers: one
segment, states without accelerations or covariance, quaternion attitudes (``ATTITUDE_DIR``
B2A conjugated to evasim's A2B convention), epochs increasing within START_TIME..STOP_TIME,
unit quaternions; a file written by :func:`oem_xml` / :func:`aem_xml` reads back equal to the
object written (and to the KVN file of the same object: see tests). XML without DOCTYPE or
entity declarations only. Errors name the file, the XML line when the parser gives one, else
the element, and what was expected.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .. import ccsds
from ..ccsds import AttitudeEphemeris, OrbitEphemeris
from ..errors import EvasimInputError
from ..fileutil import replacing
from ..textfile import read_text

_STATE = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_QUATERNION = ("QC", "QC1", "QC2", "QC3")


def _header(root: ET.Element, originator: str) -> None:
    header = ET.SubElement(root, "header")
    ET.SubElement(header, "CREATION_DATE").text = datetime.now(UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.%f"
    )[:-3]
    ET.SubElement(header, "ORIGINATOR").text = originator


def _text(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _fields(parent: ET.Element, pairs) -> None:
    for key, value in pairs:
        ET.SubElement(parent, key).text = value


def oem_xml(oem: OrbitEphemeris) -> str:
    """The OEM of ``oem`` in NDM/XML (one segment; km, km/s)."""
    ccsds.oem_text(oem)  # the KVN writer's checks: refuse what the reader would refuse
    root = ET.Element("oem", id="CCSDS_OEM_VERS", version=ccsds.OEM_VERSION)
    _header(root, oem.originator)
    segment = ET.SubElement(ET.SubElement(root, "body"), "segment")
    meta = ET.SubElement(segment, "metadata")
    for c in oem.comment:
        ET.SubElement(meta, "COMMENT").text = c
    _fields(
        meta,
        [
            ("OBJECT_NAME", oem.object_name),
            ("OBJECT_ID", oem.object_id),
            ("CENTER_NAME", oem.center_name),
            ("REF_FRAME", oem.ref_frame),
            ("TIME_SYSTEM", oem.time_system),
            ("START_TIME", ccsds._fmt_epoch(oem.epochs[0])),
            ("STOP_TIME", ccsds._fmt_epoch(oem.epochs[-1])),
        ],
    )
    data = ET.SubElement(segment, "data")
    for t, r, v in zip(oem.epochs, oem.position_km, oem.velocity_km_s, strict=True):
        sv = ET.SubElement(data, "stateVector")
        values = [ccsds._fmt_num(x).strip() for x in (*r, *v)]
        _fields(sv, [("EPOCH", ccsds._fmt_epoch(t)), *zip(_STATE, values, strict=True)])
    return _text(root)


def aem_xml(aem: AttitudeEphemeris) -> str:
    """The AEM of ``aem`` in NDM/XML (one segment of quaternions, A2B, scalar ``QC``)."""
    ccsds.aem_text(aem)  # the KVN writer's checks
    root = ET.Element("aem", id="CCSDS_AEM_VERS", version=ccsds.AEM_VERSION)
    _header(root, aem.originator)
    segment = ET.SubElement(ET.SubElement(root, "body"), "segment")
    meta = ET.SubElement(segment, "metadata")
    for c in aem.comment:
        ET.SubElement(meta, "COMMENT").text = c
    start, stop = ccsds._fmt_epoch(aem.epochs[0]), ccsds._fmt_epoch(aem.epochs[-1])
    _fields(
        meta,
        [
            ("OBJECT_NAME", aem.object_name),
            ("OBJECT_ID", aem.object_id),
            ("CENTER_NAME", aem.center_name),
            ("REF_FRAME_A", aem.ref_frame_a),
            ("REF_FRAME_B", aem.ref_frame_b),
            ("ATTITUDE_DIR", "A2B"),
            ("TIME_SYSTEM", aem.time_system),
            ("START_TIME", start),
            ("STOP_TIME", stop),
            ("ATTITUDE_TYPE", "QUATERNION"),
        ],
    )
    data = ET.SubElement(segment, "data")
    for t, q in zip(aem.epochs, aem.quaternions, strict=True):
        state = ET.SubElement(ET.SubElement(data, "attitudeState"), "quaternionState")
        ET.SubElement(state, "EPOCH").text = ccsds._fmt_epoch(t)
        quat = ET.SubElement(state, "quaternion")
        _fields(quat, zip(_QUATERNION, (ccsds._fmt_num(x).strip() for x in q), strict=True))
    return _text(root)


def write_oem_xml(oem: OrbitEphemeris, path) -> Path:
    """Write ``oem`` as an XML OEM at ``path`` (atomically)."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(oem_xml(oem), encoding="utf-8")
    return path


def write_aem_xml(aem: AttitudeEphemeris, path) -> Path:
    """Write ``aem`` as an XML AEM at ``path`` (atomically)."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(aem_xml(aem), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


class _Where:
    """Errors naming the file and an element (what ``ccsds._parse_epoch`` calls)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, message: str, where) -> EvasimInputError:
        return EvasimInputError(message, source=f"{self.source}: {where}")


def _root(path, kind: str) -> tuple[ET.Element, _Where]:
    source = str(path)
    text = read_text(Path(path), f"{kind.upper()} file")
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise EvasimInputError("DOCTYPE or ENTITY declarations are not accepted", source=source)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        why = str(exc).split(": line")[0]
        raise EvasimInputError(
            f"XML not well formed ({why}); expected an NDM/XML {kind.upper()}",
            source=source,
            line=exc.position[0],
        ) from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != kind or root.get("id") != f"CCSDS_{kind.upper()}_VERS":
        raise EvasimInputError(
            f'expected <{kind} id="CCSDS_{kind.upper()}_VERS" ...> as the root, got <{tag}>',
            source=source,
        )
    return root, _Where(source)


def _child(parent: ET.Element, name: str, where: _Where, path: str) -> ET.Element:
    element = parent.find(name)
    if element is None:
        raise where.error(f"missing <{name}>", f"<{path}>")
    return element


def _meta(root: ET.Element, where: _Where, required, allowed) -> tuple[dict, ET.Element, list]:
    body = _child(root, "body", where, root.tag)
    segments = body.findall("segment")
    if len(segments) != 1:
        raise where.error(
            f"expected one <segment>, got {len(segments)} (several are not supported)", "<body>"
        )
    segment = segments[0]
    meta_el = _child(segment, "metadata", where, "segment")
    meta, comments = {}, []
    for e in meta_el:
        if e.tag == "COMMENT":
            comments.append((e.text or "").strip())
        elif e.tag not in allowed:
            raise where.error(f"unknown keyword <{e.tag}>", "<metadata>")
        else:
            meta[e.tag] = (e.text or "").strip()
    for key in required:
        if not meta.get(key):
            raise where.error(f"missing required <{key}>", "<metadata>")
    return meta, segment, comments


def _epoch(text: str | None, where: _Where, at: str) -> np.datetime64:
    return ccsds._parse_epoch((text or "").strip(), where, at, "EPOCH")


def _numbers(parent: ET.Element, names, where: _Where, at: str) -> list[float]:
    out = []
    for name in names:
        e = parent.find(name)
        if e is None:
            raise where.error(f"missing <{name}>", at)
        try:
            x = float((e.text or "").strip())
        except ValueError:
            raise where.error(f"<{name}>: expected a number, got {e.text!r}", at) from None
        if not np.isfinite(x):
            raise where.error(f"<{name}>: expected a finite number", at)
        out.append(x)
    return out


def _span(meta: dict, where: _Where) -> tuple[np.datetime64, np.datetime64]:
    start = ccsds._parse_epoch(meta["START_TIME"], where, "<START_TIME>", "START_TIME")
    stop = ccsds._parse_epoch(meta["STOP_TIME"], where, "<STOP_TIME>", "STOP_TIME")
    if stop < start:
        raise where.error("expected a time not before START_TIME", "<STOP_TIME>")
    return start, stop


def _check_epochs(epochs: list, span, where: _Where) -> None:
    for i, t in enumerate(epochs):
        at = f"state {i + 1} <EPOCH>"
        if i and t <= epochs[i - 1]:
            raise where.error("expected a time after the previous state's (epochs increase)", at)
        if not span[0] <= t <= span[1]:
            raise where.error("expected a time within START_TIME..STOP_TIME", at)


def read_oem_xml(path) -> OrbitEphemeris:
    """Read an XML OEM (one segment of state vectors) into an :class:`OrbitEphemeris`."""
    root, where = _root(path, "oem")
    header = _child(root, "header", where, "oem")
    meta, segment, comments = _meta(root, where, ccsds._OEM_REQUIRED, ccsds._OEM_META_KEYS)
    span = _span(meta, where)
    data = _child(segment, "data", where, "segment")
    epochs, rows = [], []
    for e in data:
        if e.tag == "COMMENT":
            comments.append((e.text or "").strip())
            continue
        if e.tag != "stateVector":
            raise where.error(
                f"<{e.tag}>: expected <stateVector> (covariance is not supported)", "<data>"
            )
        at = f"state {len(epochs) + 1}"
        if e.find("X_DDOT") is not None:
            raise where.error("accelerations are not supported", f"{at} <X_DDOT>")
        epochs.append(_epoch(e.findtext("EPOCH"), where, f"{at} <EPOCH>"))
        rows.append(_numbers(e, _STATE, where, at))
    if not epochs:
        raise where.error("expected at least one <stateVector>", "<data>")
    _check_epochs(epochs, span, where)
    states = np.array(rows)
    return OrbitEphemeris(
        object_name=meta["OBJECT_NAME"],
        object_id=meta["OBJECT_ID"],
        ref_frame=meta["REF_FRAME"],
        epochs=np.array(epochs, dtype="datetime64[ms]"),
        position_km=states[:, :3],
        velocity_km_s=states[:, 3:],
        center_name=meta["CENTER_NAME"],
        time_system=meta["TIME_SYSTEM"],
        originator=(header.findtext("ORIGINATOR") or "").strip() or "not known",
        comment=tuple(comments),
    )


def read_aem_xml(path) -> AttitudeEphemeris:
    """Read an XML AEM (one segment of quaternions) into an :class:`AttitudeEphemeris`, in
    evasim's convention (scalar first, A2B)."""
    root, where = _root(path, "aem")
    header = _child(root, "header", where, "aem")
    meta, segment, comments = _meta(root, where, ccsds._AEM_REQUIRED, ccsds._AEM_META_KEYS)
    if meta["ATTITUDE_TYPE"] != "QUATERNION":
        raise where.error(
            f"expected QUATERNION, got {meta['ATTITUDE_TYPE']!r} (not supported)",
            "<ATTITUDE_TYPE>",
        )
    if meta["ATTITUDE_DIR"] not in {"A2B", "B2A"}:
        raise where.error(f"expected A2B or B2A, got {meta['ATTITUDE_DIR']!r}", "<ATTITUDE_DIR>")
    span = _span(meta, where)
    data = _child(segment, "data", where, "segment")
    epochs, rows = [], []
    for e in data:
        if e.tag == "COMMENT":
            comments.append((e.text or "").strip())
            continue
        at = f"state {len(epochs) + 1}"
        state = e.find("quaternionState") if e.tag == "attitudeState" else None
        if state is None:
            raise where.error("expected <attitudeState><quaternionState>", f"<data> {at}")
        quat = state.find("quaternion")
        if quat is None:
            raise where.error("missing <quaternion>", at)
        epochs.append(_epoch(state.findtext("EPOCH"), where, f"{at} <EPOCH>"))
        rows.append(_numbers(quat, _QUATERNION, where, f"{at} <quaternion>"))
    if not epochs:
        raise where.error("expected at least one <attitudeState>", "<data>")
    _check_epochs(epochs, span, where)
    q = np.array(rows)
    norm = np.linalg.norm(q, axis=1)
    bad = np.flatnonzero(np.abs(norm - 1.0) > ccsds.QUATERNION_NORM_TOLERANCE)
    if bad.size:
        raise where.error(
            f"expected a unit quaternion (|norm - 1| <= {ccsds.QUATERNION_NORM_TOLERANCE:g}), "
            f"norm is {norm[bad[0]]:.9g}",
            f"state {bad[0] + 1} <quaternion>",
        )
    if meta["ATTITUDE_DIR"] == "B2A":
        q = q * np.array([1.0, -1.0, -1.0, -1.0])
    return AttitudeEphemeris(
        object_name=meta["OBJECT_NAME"],
        object_id=meta["OBJECT_ID"],
        ref_frame_a=meta["REF_FRAME_A"],
        ref_frame_b=meta["REF_FRAME_B"],
        epochs=np.array(epochs, dtype="datetime64[ms]"),
        quaternions=q,
        center_name=meta.get("CENTER_NAME", "EARTH"),
        time_system=meta["TIME_SYSTEM"],
        originator=(header.findtext("ORIGINATOR") or "").strip() or "not known",
        comment=tuple(comments),
    )


def read_oem(path) -> OrbitEphemeris:
    """An OEM file in KVN or XML (chosen by its first character)."""
    head = Path(path).read_bytes()[:512].lstrip()
    return read_oem_xml(path) if head.startswith(b"<") else ccsds.read_oem(path)


def read_aem(path) -> AttitudeEphemeris:
    """An AEM file in KVN or XML (chosen by its first character)."""
    head = Path(path).read_bytes()[:512].lstrip()
    return read_aem_xml(path) if head.startswith(b"<") else ccsds.read_aem(path)
