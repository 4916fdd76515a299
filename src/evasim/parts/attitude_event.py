"""The attitude-event part of a replay: the station's attitude through an event (e.g. Nauka's
thruster firing of 2021-07-29), its figures and fitted parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..attitude.states import AttitudeStates, event_states
from ..scenario import Scenario
from .core import ReplayCore

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AttitudeEventPart:
    """States an attitude event adds to the core."""

    attitude: AttitudeStates = field(repr=False)
    warnings: tuple[str, ...] = ()


def build_attitude_event(
    sc: Scenario, core: ReplayCore, progress: Progress | None = None
) -> AttitudeEventPart:
    """The event simulated (and its parameters' uncertainties) on the core's grid."""
    report = progress or (lambda _msg: None)
    report("attitude")
    return AttitudeEventPart(event_states(sc, core.element_set, core.track))
