"""A replay: scenario in, states over a time array out. Products read a :class:`Replay`.

A replay is a core (grid, element set, track, Sun, lighting: :mod:`evasim.parts.core`) plus
one part for the scenario's kind (:class:`~evasim.parts.SpacewalkPart` or
:class:`~evasim.parts.AttitudeEventPart`). ``run_replay`` chooses the part once, by the
scenario's kind; products ask ``replay.spacewalk`` / ``replay.attitude_event`` (or dispatch
on ``type(replay.part)``) instead of testing the kind themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .attitude.states import AttitudeStates
from .errors import EvasimInputError
from .parts import (
    AttitudeEventPart,
    ReplayCore,
    SpacewalkPart,
    build_attitude_event,
    build_core,
    build_spacewalk,
)
from .parts.core import TLE_AGE_WARN_DAYS
from .scenario import Scenario, locate_line
from .sky import Sky
from .sky.lighting import LightingEdges, ShadowAngles
from .sky.orbit import StationTrack
from .sky.sun import SunTable
from .sky.timegrid import TimeGrid
from .sky.tle import (
    ElementSet,
    bundled_set,
    check_element_age,
    check_propagation,
    nearest,
    parse_omm_record,
    parse_tle_text,
)
from .station.context import StationContext
from .timeline import Timeline

Progress = Callable[[str], None]
Part = SpacewalkPart | AttitudeEventPart

PART_BUILDERS: dict[str, Callable[[Scenario, ReplayCore, Progress | None], Part]] = {
    "eva": build_spacewalk,
    "attitude": build_attitude_event,
}
"""The one place a scenario's kind chooses what is computed beyond the core."""


@dataclass(frozen=True)
class Replay:
    """Everything a product needs: the core states and the part for the scenario's kind."""

    core: ReplayCore
    part: Part

    # The core's states, read through (products written before the split keep working).
    @property
    def scenario(self) -> Scenario:
        """The scenario replayed."""
        return self.core.scenario

    @property
    def element_set(self) -> ElementSet:
        """The element set used."""
        return self.core.element_set

    @property
    def tle_age_days(self) -> float:
        """Days from the set's epoch to hatch open (span start for events)."""
        return self.core.tle_age_days

    @property
    def grid(self) -> TimeGrid:
        """The time grid."""
        return self.core.grid

    @property
    def track(self) -> StationTrack:
        """The station's track on the grid."""
        return self.core.track

    @property
    def sun_teme_km(self) -> np.ndarray:
        """The Sun in TEME, km, (3, N)."""
        return self.core.sun_teme_km

    @property
    def shadow(self) -> ShadowAngles:
        """Apparent Earth and Sun radii and their separation."""
        return self.core.shadow

    @property
    def sunlit_fraction(self) -> np.ndarray:
        """Uncovered fraction of the solar disc, (N,)."""
        return self.core.sunlit_fraction

    @property
    def sun_elevation_deg(self) -> np.ndarray:
        """Sun elevation at the sub-station point, deg, (N,)."""
        return self.core.sun_elevation_deg

    @property
    def beta_deg(self) -> np.ndarray:
        """Beta angle, deg, (N,)."""
        return self.core.beta_deg

    @property
    def edges(self) -> LightingEdges:
        """Orbital sunrises and sunsets."""
        return self.core.edges

    @property
    def sun(self) -> SunTable:
        """The Sun's position table."""
        return self.core.sun

    @property
    def beta_context(self) -> tuple[TimeGrid, np.ndarray]:
        """Beta angle over +/- 30 days: (grid, deg)."""
        return self.core.beta_context

    @property
    def warnings(self) -> list[str]:
        return [*self.core.warnings, *self.part.warnings]

    @property
    def spacewalk(self) -> SpacewalkPart | None:
        return self.part if isinstance(self.part, SpacewalkPart) else None

    @property
    def attitude_event(self) -> AttitudeEventPart | None:
        return self.part if isinstance(self.part, AttitudeEventPart) else None

    @property
    def timeline(self) -> Timeline | None:
        return self.part.timeline if isinstance(self.part, SpacewalkPart) else None

    @property
    def station(self) -> StationContext | None:
        return self.part.station if isinstance(self.part, SpacewalkPart) else None

    @property
    def attitude(self) -> AttitudeStates:
        """The spacewalk's CMG hold or the attitude event's states."""
        return self.part.attitude

    def require_spacewalk(self, what: str) -> SpacewalkPart:
        """The spacewalk part, or a one-line input error saying ``what`` needs one."""
        if not isinstance(self.part, SpacewalkPart):
            raise EvasimInputError(f"{what} needs a spacewalk scenario (kind = 'eva')")
        return self.part

    def eva_mask(self) -> np.ndarray:
        eva = self.scenario.eva
        s = self.grid.seconds
        return (s >= self.grid.seconds_of(eva.hatch_open_utc)) & (
            s <= self.grid.seconds_of(eva.hatch_close_utc)
        )


def choose_element_set(sc: Scenario) -> ElementSet:
    """The element set the scenario asks for (nearest epoch to hatch open for bundled sets and
    the archive), refused when its epoch is more than 14 days from the span unless the scenario
    allows it (``ephemeris.allow_stale``, set by ``--allow-stale-elements``)."""
    chosen = _requested_element_set(sc)
    try:
        check_element_age(chosen, sc.span.start_utc, sc.span.end_utc, sc.ephemeris.allow_stale)
        check_propagation(chosen, sc.span.start_utc, sc.span.end_utc)
    except EvasimInputError as exc:
        raise sc.error(("ephemeris",), exc.detail) from None
    return chosen


def _requested_element_set(sc: Scenario) -> ElementSet:
    eph = sc.ephemeris
    when = sc.reference_utc
    if eph.source == "bundled":
        return nearest(bundled_set(eph.set), when)
    if eph.source == "archive":
        from .catalog import Catalog

        return Catalog.open().nearest_element_set(when)
    if eph.source == "tle":
        first = sc.first_line_of_text(("ephemeris", "tle"))
        source = sc.origin if first else f"{sc.origin}: ephemeris.tle"
        return nearest(parse_tle_text(eph.tle or "", source=source, first_line=first or 1), when)
    if eph.omm_file is not None:
        path = Path(eph.omm_file)
        if not path.is_absolute() and sc.origin and Path(sc.origin).exists():
            path = Path(sc.origin).parent / path
        from .sky.omm import read_omm  # KVN, XML, JSON or CSV

        return nearest(read_omm(path), when)
    return parse_omm_record(eph.omm or {}, source=f"{sc.origin}: ephemeris.omm")


def run_replay(
    sc: Scenario,
    sky: Sky | None = None,
    progress: Progress | None = None,
    element_set: ElementSet | None = None,
) -> Replay:
    """Compute the replay's states over the scenario's span at its step; ``element_set``, when
    given, is the one :func:`choose_element_set` chose for ``sc`` (not looked up again)."""
    report = progress or (lambda _msg: None)
    sky = sky or Sky.load()
    report("ephemeris")
    core = build_core(sc, element_set or choose_element_set(sc), sky, report)
    return Replay(core, PART_BUILDERS[sc.kind](sc, core, report))


__all__ = [
    "TLE_AGE_WARN_DAYS",
    "EvasimInputError",
    "Replay",
    "choose_element_set",
    "locate_line",
    "run_replay",
]
