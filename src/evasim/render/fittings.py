"""Handrails, booms and arms on the hull as thin solids for the helmet camera.

Each handrail (:func:`evasim.station.handrails.handrails_at`) and each straight segment of a
boom, arm or antenna (:func:`evasim.station.appendages.appendages_at`) becomes one cylinder
(the ray caster's kind 0) in the station body frame, with the material of its class
(:mod:`.materials`: ``handrail_rs`` for "RS yellow", ``handrail_us`` for "US yellow-gold",
``boom`` for booms, arms and antennas) and the interval in which it is on the station: a rail
installed during the replay (the Nauka handrails of VKD-49) appears from its ``installed_utc``.
They are drawn with the station's id (2) in the id buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..station.appendages import appendages_at
from ..station.handrails import handrails_at
from ..station.layout import Placement
from . import people as ppl
from .shading import ID_STATION

HANDRAIL_MATERIALS = {"RS yellow": "handrail_rs", "US yellow-gold": "handrail_us"}


@dataclass(frozen=True)
class Fitting:
    """One thin cylinder on the hull (body frame, m) and when it is on the station."""

    name: str
    solid: ppl.Solid
    material: str
    present_from_utc: datetime | None  # None: before the replay
    present_to_utc: datetime | None  # None: after it
    group: str = ""  # the module it is on: shadow rays test each module's fittings together


def fittings(placements: list[Placement], start_utc: datetime, end_utc: datetime) -> list[Fitting]:
    """Every handrail and appendage segment on the station at some instant of
    ``start_utc``..``end_utc`` (UTC), on the modules of ``placements``, grouped by module."""
    out: list[Fitting] = []
    for rail in handrails_at(end_utc, placements):
        solid = ppl.segment(rail.start_body_m, rail.end_body_m, rail.radius_m, (0, 0, 0), 0)
        material = HANDRAIL_MATERIALS.get(rail.colour, "handrail_us")
        out.append(
            Fitting(rail.id, _station(solid), material, rail.installed_utc, None, rail.module)
        )
    seen: set[tuple[str, str]] = set()
    for when in (start_utc, end_utc):
        for a in appendages_at(when, placements):
            if (a.name, a.pose) in seen:
                continue
            seen.add((a.name, a.pose))
            for k, (start, end, radius) in enumerate(a.segments):
                solid = ppl.segment(start, end, radius, (0, 0, 0), 0)
                out.append(
                    Fitting(f"{a.name} {k}", _station(solid), "boom", a.installed_utc,
                            a.removed_utc, a.host)
                )  # fmt: skip
    return sorted(out, key=lambda f: f.group)  # each module's fittings together


def _station(s: ppl.Solid) -> ppl.Solid:
    return ppl.Solid(s.centre_m, s.rotation, s.size_m, s.kind, s.colour, ID_STATION)


class Presence:
    """Which of a fixed list of fittings are on the station at an instant: from their
    ``present_from_utc`` (inclusive) until their ``present_to_utc`` (exclusive), None being
    open. Kept as POSIX seconds (-inf, +inf where open) and compared as arrays (a video asks
    every frame; float64 resolves the microseconds of a datetime at these epochs)."""

    def __init__(self, items: list[Fitting]):
        self.from_s = np.array(
            [
                -np.inf if f.present_from_utc is None else f.present_from_utc.timestamp()
                for f in items
            ]
        )
        self.to_s = np.array(
            [np.inf if f.present_to_utc is None else f.present_to_utc.timestamp() for f in items]
        )

    def at(self, utc: datetime) -> np.ndarray:
        """Which fittings are on the station at ``utc`` (bool array, in the list's order)."""
        t = utc.timestamp()
        return (self.from_s <= t) & (t < self.to_s)
