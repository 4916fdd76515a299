"""Radiators and dish antennas as station data: ``data/station/radiators_antennas.csv`` on a date.

Rows are host-local like handrails.csv (:mod:`.handrails`): each row is one solid (a radiator
panel, a stowed package, an antenna mast or dish) of one pose, with the interval the pose
applies. :func:`radiators_at` gives the solids present at an instant (host on the station,
``installed_utc <= utc < removed_utc``) as drawing-only :class:`.layout.Placement` objects in
the body frame (metres, no mass). What is sourced (sizes, counts, dates) and what is estimated
(base positions, widths, the rotary joint angle) is in the CSV header and notes and in
docs/render.md "Radiators and antennas".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np

from ..errors import EvasimInputError
from .appendages import _time
from .catalog import _rows
from .handrails import CONFIDENCES, _check_utc, _choice, _number, default_placements, hull_point
from .layout import DIRECTIONS, Placement

CSV_NAME = "radiators_antennas.csv"
KINDS = ("radiator", "antenna")
SHAPES = ("plate", "cylinder")
EXTENDS = ("radial", "along", "back", *DIRECTIONS)


@dataclass(frozen=True)
class RadiatorSpec:
    """One solid of one pose (host-local), from radiators_antennas.csv; lengths in m."""

    name: str
    part: str
    kind: str
    host: str
    pose: str
    shape: str
    base_axial_frac: float
    base_angle_deg: float
    base_standoff_m: float
    extend: str
    rotation_deg: float
    length_m: float
    width_m: float
    thickness_m: float
    panels: int
    installed_utc: datetime | None
    removed_utc: datetime | None
    source: str
    confidence: str
    notes: str

    @property
    def label(self) -> str:
        """The solid's name in the layout: ``name`` plus its part unless it is a panel."""
        return self.name if self.part == "panel" else f"{self.name} {self.part}"

    def present(self, utc: datetime) -> bool:
        after = self.installed_utc is None or self.installed_utc <= utc
        return after and (self.removed_utc is None or utc < self.removed_utc)


@cache
def radiator_specs() -> tuple[RadiatorSpec, ...]:
    """Every row of the bundled radiators_antennas.csv, validated (an input error names the
    row)."""
    out = []
    for i, r in enumerate(_rows(CSV_NAME), start=1):
        w = f"{CSV_NAME} row {i}"
        name, host = (r.get("name") or "").strip(), (r.get("host") or "").strip()
        if not name or not host or not (r.get("pose") or "").strip():
            raise EvasimInputError("name, host, pose: expected non-empty", source=w)
        shape = _choice(r, "shape", w, SHAPES)
        thickness = _number(r, "thickness_m", w, 0.005, 5.0) if shape == "plate" else 0.0
        panels = _number(r, "panels", w, 1, 50)
        if panels != int(panels):
            raise EvasimInputError(f"panels: expected a whole number, got {panels:g}", source=w)
        spec = RadiatorSpec(
            name=name,
            part=(r.get("part") or "").strip() or "panel",
            kind=_choice(r, "kind", w, KINDS),
            host=host,
            pose=r["pose"].strip(),
            shape=shape,
            base_axial_frac=_number(r, "base_axial_frac", w, 0.0, 1.0),
            base_angle_deg=_number(r, "base_angle_deg", w, -360.0, 360.0),
            base_standoff_m=_number(r, "base_standoff_m", w, 0.0, 10.0),
            extend=_choice(r, "extend", w, EXTENDS),
            rotation_deg=_number(r, "rotation_deg", w, -180.0, 180.0),
            length_m=_number(r, "length_m", w, 0.05, 40.0),
            width_m=_number(r, "width_m", w, 0.01, 20.0),
            thickness_m=thickness,
            panels=int(panels),
            installed_utc=_time(r, "installed_utc", w),
            removed_utc=_time(r, "removed_utc", w),
            source=(r.get("source") or "").strip(),
            confidence=_choice(r, "confidence", w, CONFIDENCES),
            notes=(r.get("notes") or "").strip(),
        )
        if spec.installed_utc and spec.removed_utc and spec.removed_utc <= spec.installed_utc:
            raise EvasimInputError("removed_utc: expected after installed_utc", source=w)
        out.append(spec)
    return tuple(out)


def _rotate(v: np.ndarray, axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """``v`` turned by ``angle_deg`` about the unit ``axis`` (Rodrigues)."""
    a = np.radians(angle_deg)
    return v * np.cos(a) + np.cross(axis, v) * np.sin(a) + axis * (axis @ v) * (1 - np.cos(a))


def place(spec: RadiatorSpec, host: Placement) -> Placement:
    """``spec`` on placement ``host``: a drawing-only placement (body frame, m). Its local x is
    the direction it extends in, local y its width (across the host's axis where it can be:
    along the truss for the truss radiators), local z its thickness (the panel's normal)."""
    base = hull_point(host, spec.base_axial_frac, spec.base_angle_deg, spec.base_standoff_m)
    axis = host.axis / np.linalg.norm(host.axis)
    if spec.extend == "radial":
        surface = hull_point(host, spec.base_axial_frac, spec.base_angle_deg, 0.0)
        out = hull_point(host, spec.base_axial_frac, spec.base_angle_deg, 1.0) - surface
        x = out / np.linalg.norm(out)
    elif spec.extend in ("along", "back"):
        x = axis if spec.extend == "along" else -axis
    else:
        x = DIRECTIONS[spec.extend].astype(float)
    x = _rotate(x, axis, spec.rotation_deg)
    y = axis - (axis @ x) * x
    if np.linalg.norm(y) < 1e-6:  # extends along the host's axis: width round the hull
        y = np.cross(x, base - host.centre_m)
        if np.linalg.norm(y) < 1e-6:
            y = np.cross(x, [0.0, 0.0, 1.0] if abs(x[2]) < 0.9 else [1.0, 0.0, 0.0])
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    if spec.shape == "plate":
        size = (spec.length_m, spec.width_m, spec.thickness_m)
    else:
        size = (spec.length_m, spec.width_m, spec.width_m)
    return Placement(
        spec.label, spec.host, spec.kind, "plate" if spec.shape == "plate" else "cylinder",
        base + x * spec.length_m / 2, np.column_stack([x, y, z]), size, 0.0,
    )  # fmt: skip


def radiators_at(utc: datetime, placements: list[Placement] | None = None) -> list[Placement]:
    """Radiators and dish antennas on the station at ``utc``: host present (in ``placements``,
    default the layout of ``Station().at(utc)``) and the pose's interval covering ``utc``; as
    drawing-only placements in the body frame (m)."""
    _check_utc(utc)
    if placements is None:
        placements = default_placements(utc)
    by_name = {p.name: p for p in placements if p.kind in ("module", "truss")}
    return [
        place(spec, by_name[spec.host])
        for spec in radiator_specs()
        if spec.host in by_name and spec.present(utc)
    ]
