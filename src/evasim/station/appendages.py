"""Booms and arms on the hull as station data: ``data/station/appendages.csv`` placed on a date.

Rows are module-local like handrails.csv (:mod:`.handrails`): each row is one straight segment
of one pose of one appendage, with the interval the pose applies. :func:`appendages_at` gives
the appendages present at an instant (host module on the station, pose interval covering it),
each with its segments in the station body frame (metres). What is sourced (dates, lengths)
and what is estimated (base positions, stowed directions, radii) is in the CSV header/notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np

from ..errors import EvasimInputError
from .catalog import _rows, parse_utc
from .handrails import CONFIDENCES, _check_utc, _choice, _number, default_placements, hull_point
from .layout import Placement

CSV_NAME = "appendages.csv"
APPENDAGE_KINDS = ("boom", "arm", "antenna")


@dataclass(frozen=True)
class SegmentSpec:
    base_axial_frac: float
    base_angle_deg: float
    base_standoff_m: float
    direction: str  # along | back | radial | toward:MODULE
    length_m: float
    radius_m: float


@dataclass(frozen=True)
class AppendageSpec:
    """One pose of one appendage (module-local), from appendages.csv."""

    name: str
    kind: str
    host: str
    pose: str
    segments: tuple[SegmentSpec, ...]
    extended_length_m: float
    installed_utc: datetime | None
    removed_utc: datetime | None
    in_service_utc: datetime | None
    crew_capable_utc: datetime | None
    source: str
    confidence: str
    notes: str


@dataclass(frozen=True)
class Appendage:
    """An appendage on a date: segments ``(start_body_m, end_body_m, radius_m)``, metres."""

    name: str
    kind: str  # boom | arm | antenna
    host: str  # placement name
    segments: list[tuple[np.ndarray, np.ndarray, float]]
    installed_utc: datetime | None
    removed_utc: datetime | None
    source: str
    confidence: str
    pose: str = ""
    extended_length_m: float = 0.0  # boom reach fully extended / arm length, m
    in_service_utc: datetime | None = None
    crew_capable_utc: datetime | None = None

    def can_carry_crew(self, utc: datetime) -> bool:
        """Whether it may carry a spacewalker at ``utc`` (``crew_capable_utc`` reached)."""
        return self.crew_capable_utc is not None and self.crew_capable_utc <= utc

    @property
    def base_body_m(self) -> np.ndarray:
        return self.segments[0][0]


def _time(row: dict, field: str, where: str) -> datetime | None:
    try:
        return parse_utc(row.get(field) or "")
    except ValueError:
        raise EvasimInputError(
            f"{field}: expected an ISO date or time, got {row.get(field)!r}", source=where
        ) from None


@cache
def appendage_specs() -> tuple[AppendageSpec, ...]:
    """Every pose in the bundled appendages.csv, validated (an input error names the row)."""
    groups: dict[tuple[str, str, str], list[tuple[int, dict, str]]] = {}
    for i, r in enumerate(_rows(CSV_NAME), start=1):
        key = (
            (r.get("name") or "").strip(),
            (r.get("pose") or "").strip(),
            r.get("installed_utc") or "",
        )
        groups.setdefault(key, []).append((i, r, f"{CSV_NAME} row {i}"))
    out = []
    for (name, pose, _), rows in groups.items():
        i, first, where = rows[0]
        if not name or not pose:
            raise EvasimInputError("name, pose: expected non-empty", source=where)
        segments = []
        for _j, r, w in sorted(rows, key=lambda t: t[1].get("segment", "")):
            direction = (r.get("direction") or "").strip()
            if direction not in ("along", "back", "radial") and not direction.startswith("toward:"):
                raise EvasimInputError(
                    f"direction: expected along, back, radial or toward:MODULE, got {direction!r}",
                    source=w,
                )
            segments.append(
                SegmentSpec(
                    _number(r, "base_axial_frac", w, 0.0, 1.0),
                    _number(r, "base_angle_deg", w, -360.0, 360.0),
                    _number(r, "base_standoff_m", w, 0.0, 5.0),
                    direction,
                    _number(r, "length_m", w, 0.05, 30.0),
                    _number(r, "radius_m", w, 0.005, 1.0),
                )
            )
        out.append(
            AppendageSpec(
                name=name,
                kind=_choice(first, "kind", where, APPENDAGE_KINDS),
                host=(first.get("host") or "").strip(),
                pose=pose,
                segments=tuple(segments),
                extended_length_m=_number(first, "extended_length_m", where, 0.0, 30.0),
                installed_utc=_time(first, "installed_utc", where),
                removed_utc=_time(first, "removed_utc", where),
                in_service_utc=_time(first, "in_service_utc", where),
                crew_capable_utc=_time(first, "crew_capable_utc", where),
                source=(first.get("source") or "").strip(),
                confidence=_choice(first, "confidence", where, CONFIDENCES),
                notes=(first.get("notes") or "").strip(),
            )
        )
    return tuple(out)


def _segment(
    seg: SegmentSpec, host: Placement, by_name: dict[str, Placement]
) -> tuple[np.ndarray, np.ndarray, float] | None:
    start = hull_point(host, seg.base_axial_frac, seg.base_angle_deg, seg.base_standoff_m)
    if seg.direction == "along":
        end = start + host.axis * seg.length_m
    elif seg.direction == "back":
        end = start - host.axis * seg.length_m
    elif seg.direction == "radial":
        surface = hull_point(host, seg.base_axial_frac, seg.base_angle_deg, 0.0)
        out = start - surface
        end = start + out / np.linalg.norm(out) * seg.length_m
    else:
        target = by_name.get(seg.direction.split(":", 1)[1])
        if target is None:  # the module it reaches toward is not on the station then
            return None
        d = target.centre_m - start
        dist = float(np.linalg.norm(d))
        reach = min(seg.length_m, max(dist - target.size_m[1] / 2, 0.0))
        end = start + d / dist * reach
    return start, end, seg.radius_m


def appendages_at(utc: datetime, placements: list[Placement] | None = None) -> list[Appendage]:
    """Booms and arms on the station at ``utc``: host present (in ``placements``, default the
    layout of ``Station().at(utc)``), ``installed_utc <= utc < removed_utc``; body frame, m."""
    _check_utc(utc)
    if placements is None:
        placements = default_placements(utc)
    by_name = {p.name: p for p in placements if p.shape == "cylinder"}
    out = []
    for spec in appendage_specs():
        host = by_name.get(spec.host)
        if host is None:
            continue
        if spec.installed_utc is not None and spec.installed_utc > utc:
            continue
        if spec.removed_utc is not None and spec.removed_utc <= utc:
            continue
        segments = [_segment(s, host, by_name) for s in spec.segments]
        if any(s is None for s in segments):
            continue
        out.append(
            Appendage(
                name=spec.name,
                kind=spec.kind,
                host=spec.host,
                segments=[s for s in segments if s is not None],
                installed_utc=spec.installed_utc,
                removed_utc=spec.removed_utc,
                source=spec.source,
                confidence=spec.confidence,
                pose=spec.pose,
                extended_length_m=spec.extended_length_m,
                in_service_utc=spec.in_service_utc,
                crew_capable_utc=spec.crew_capable_utc,
            )
        )
    return out
