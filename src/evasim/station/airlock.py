"""Airlocks: which station element a scenario's ``eva.airlock`` (or a catalogue record's
airlock) names, whether the station has it on a date, and where its hatch is in the body frame.

A spacewalk starts and ends at its airlock's hatch; the helmet camera puts the crew there
before hatch open and after hatch close. :func:`airlock_for` answers "where is the hatch of
airlock NAME on date D" for any date of the station history.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np

from ..errors import EvasimInputError
from .catalog import AirlockSpec, airlocks, vehicle_class
from .config import Configuration
from .layout import TRANSFER_INSET_M, Placement

HULL_OFFSET_M = 1.0


def resolve_airlock(name: str) -> AirlockSpec:
    """The airlock ``name`` means: ``Poisk (MRM-2)``, ``MRM-2``, ``Quest``, ``DC-1``,
    ``Zvezda PrK (internal EVA)``, ``Shuttle orbiter airlock``...

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


def airlock_element(config: Configuration, spec: AirlockSpec) -> str | None:
    """The element whose hatch the crew uses on ``config``'s date, or None when the airlock
    is not on the station then (for the Shuttle: the PMA a docked orbiter is on)."""
    if spec.hatch == "orbiter":
        for vehicle in config.vehicles:
            if vehicle_class(vehicle) == "Space Shuttle":
                return config.attachments[vehicle][0]
        return None
    return spec.element if spec.element in config.elements else None


def airlock_on(config: Configuration, name: str) -> AirlockSpec:
    """The airlock, checked to be on the station in ``config`` (an input error otherwise)."""
    spec = resolve_airlock(name)
    if airlock_element(config, spec) is None:
        present = [s.airlock for s in airlocks() if airlock_element(config, s) is not None]
        raise EvasimInputError(
            f"the station has no {spec.airlock} airlock on {config.utc:%Y-%m-%d}; "
            f"expected one of {', '.join(present) or '(none)'}"
        )
    return spec


def airlock_for(name: str, utc: datetime) -> tuple[AirlockSpec, str]:
    """The airlock ``name`` means and the element whose hatch the crew uses at ``utc``.

    A one-line :class:`EvasimInputError` when the name is unknown, the date is outside the
    station history, or that airlock is not on the station then (e.g. Pirs after 2021-07-26,
    Quest before 2001-07-15, the Shuttle's airlock when no compiled orbiter docking covers the
    date). Place the hatch with :func:`hatch_point` on a layout of ``Station().at(utc)``.
    """
    from .history import Station

    config = Station().at(utc)
    spec = airlock_on(config, name)
    element = airlock_element(config, spec)
    assert element is not None  # airlock_on checked it
    return spec, element


def _hatch_kinds() -> dict[str, str]:
    return {s.element: s.hatch for s in airlocks() if s.hatch == "transfer"}


def hatch_point(placements: dict[str, Placement], element: str) -> np.ndarray:
    """The hatch (body frame, m): 1 m beyond the element's outboard end, on its axis; for an
    airlock in a transfer compartment (Zvezda PrK), the compartment's centre on the axis,
    ``TRANSFER_INSET_M`` from the element's forward end."""
    hatch = placements.get(element)
    if hatch is None:
        return np.zeros(3)
    half = hatch.size_m[0] / 2
    if _hatch_kinds().get(element) == "transfer":
        # The forward end is the end toward +X (Zvezda's axis points aft).
        sign = 1.0 if np.dot(hatch.axis, [1.0, 0.0, 0.0]) >= 0 else -1.0
        return hatch.centre_m + sign * hatch.axis * (half - TRANSFER_INSET_M)
    return hatch.centre_m + hatch.axis * (half + HULL_OFFSET_M)
