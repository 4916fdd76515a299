"""The spacewalk part of a replay: timeline, station context and the station's attitude hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..attitude.states import AttitudeStates, nominal_hold
from ..scenario import Scenario
from ..sky.orbit import StationTrack
from ..sky.tle import ElementSet
from ..station.context import StationContext, scenario_airlock, station_context
from ..timeline import Timeline, build_timeline
from .core import ReplayCore

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SpacewalkPart:
    """States a spacewalk adds to the core: who does what when, and the station around them."""

    timeline: Timeline
    airlock: str  # the station element whose hatch the crew leaves and enters by
    attitude: AttitudeStates = field(repr=False)  # CMG hold at the TEA
    station: StationContext | None = field(repr=False, default=None)  # None outside 2021
    warnings: tuple[str, ...] = ()


def build_spacewalk(
    sc: Scenario, core: ReplayCore, progress: Progress | None = None
) -> SpacewalkPart:
    """Timeline on the core's grid and edges, station links and the nominal attitude hold."""
    report = progress or (lambda _msg: None)
    warnings: list[str] = []
    report("timeline")
    timeline = build_timeline(sc, core.grid, core.edges)
    report("station")
    context = station_context(sc, warnings)
    airlock = context.airlock if context else scenario_airlock(sc, None).element
    report("attitude")
    attitude = _nominal_attitude(sc, core.element_set, core.track, warnings)
    return SpacewalkPart(timeline, airlock, attitude, context, tuple(warnings))


def _nominal_attitude(
    sc: Scenario, element_set: ElementSet, track: StationTrack, warnings: list[str]
) -> AttitudeStates:
    """CMG attitude hold at the TEA of the station's inertia on the scenario's date."""
    from ..station import Station, StationError
    from ..station.mass import mass_properties

    try:
        inertia = mass_properties(Station().at(sc.station_date)).inertia_kg_m2
    except StationError:
        from ..station.mass import JEOD_ISS_LIKE_INERTIA_KG_M2 as inertia

        warnings.append("attitude uses the JEOD ISS-like inertia (no station model for the date)")
    return nominal_hold(sc, element_set, track, inertia)
