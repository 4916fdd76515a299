"""The parts of a replay's states: the core every replay has (grid, element set, track, Sun,
lighting) and one part per kind of scenario (a spacewalk, an attitude event).

``replay.run_replay`` builds the core, then the scenario kind's part, and composes them into a
:class:`~evasim.replay.Replay`. Each part is a frozen dataclass of states with a builder whose
inputs are explicit (the scenario and the core); parts never read each other or the products.
"""

from .attitude_event import AttitudeEventPart, build_attitude_event
from .core import ReplayCore, build_core
from .spacewalk import SpacewalkPart, build_spacewalk

__all__ = [
    "AttitudeEventPart",
    "ReplayCore",
    "SpacewalkPart",
    "build_attitude_event",
    "build_core",
    "build_spacewalk",
]
