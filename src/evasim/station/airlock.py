"""Airlocks: which station element a scenario's ``eva.airlock`` names, whether the station has
it on the spacewalk's date, and where its hatch is in the body frame.

A spacewalk starts and ends at its airlock's hatch; the helmet camera puts the crew there
before hatch open and after hatch close.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import EvasimInputError
from .catalog import AirlockSpec, airlocks
from .config import Configuration
from .layout import Placement

HULL_OFFSET_M = 1.0


def resolve_airlock(name: str) -> AirlockSpec:
    """The airlock ``name`` means: ``Poisk (MRM-2)``, ``MRM-2``, ``Quest``, ``DC-1``...

    Raises :class:`EvasimInputError` (without a source: the caller adds the file and line).
    """
    # "Poisk (MRM-2)": the whole name, the name without brackets, the bracketed name.
    bare = re.sub(r"\s*\([^)]*\)", "", name)
    wanted = {w.strip().lower() for w in (name, bare, *re.findall(r"\(([^)]*)\)", name))}
    for spec in airlocks():
        if wanted & {n.lower() for n in (spec.airlock, spec.element, *spec.aliases)}:
            return spec
    known = ", ".join(spec.airlock for spec in airlocks())
    raise EvasimInputError(f"unknown airlock {name!r}; expected one of {known}")


def airlock_on(config: Configuration, name: str) -> AirlockSpec:
    """The airlock, checked to be on the station in ``config`` (an input error otherwise)."""
    spec = resolve_airlock(name)
    if spec.element not in config.elements:
        present = [s.airlock for s in airlocks() if s.element in config.elements]
        raise EvasimInputError(
            f"the station has no {spec.airlock} airlock on {config.utc:%Y-%m-%d}; "
            f"expected one of {', '.join(present) or '(none)'}"
        )
    return spec


def hatch_point(placements: dict[str, Placement], element: str) -> np.ndarray:
    """The hatch (body frame, m): 1 m beyond the element's outboard end, on its axis."""
    hatch = placements.get(element)
    if hatch is None:
        return np.zeros(3)
    return hatch.centre_m + hatch.axis * (hatch.size_m[0] / 2 + HULL_OFFSET_M)
