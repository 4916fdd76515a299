"""Where a spacewalker works at a module: the worksite point and the hull's "up" there.

A worksite on module M is a point ``HULL_OFFSET_M`` (1 m) off M's hull at mid-length, on its
zenith side (or its starboard side for modules hanging along Z); EV1 and EV2 stand
``CREW_SPACING_M`` apart along the module. The helmet camera (:mod:`evasim.render.camera`) and
the translation-route graph (:mod:`evasim.plan.routes`) both use these, so a task's worksite is
one place. Body frame (:mod:`.layout`), metres.
"""

from __future__ import annotations

import numpy as np

from .airlock import HULL_OFFSET_M
from .layout import Placement

CREW_SPACING_M = 1.5
"""Distance between EV1 and EV2 along the module at a worksite, m (est)."""


def worksite_point(placements: dict[str, Placement], module: str, index: int) -> np.ndarray:
    """A point 1 m off the module's hull (body frame, m); crew ``index`` offsets along it."""
    p = placements[module]
    axis = p.axis
    side = hull_normal_body(placements, module)
    along = (index - 0.5) * CREW_SPACING_M
    return p.centre_m + side * (p.size_m[1] / 2 + HULL_OFFSET_M) + axis * along


def hull_normal_body(placements: dict[str, Placement], module: str) -> np.ndarray:
    """Unit outward normal (body frame) of the side of ``module`` that :func:`worksite_point`
    puts the crew on: the local "up" of a spacewalker working there."""
    axis = placements[module].axis
    side = np.array([0.0, 0.0, -1.0]) if abs(axis[2]) < 0.9 else np.array([0.0, 1.0, 0.0])
    side = side - np.dot(side, axis) * axis
    return side / np.linalg.norm(side)
