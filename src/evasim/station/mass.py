"""Mass properties: composite mass, centre of mass and inertia tensor, body frame.

Each element is a uniform solid (modules and vehicles: solid cylinders; truss segments:
boxes; array wings: thin plates) placed by :mod:`evasim.station.layout`; external hardware
and racks (``external_elements.csv``, ``estimates.csv``) are point masses at their host
element's centre. Inertia about the composite centre of mass by the parallel-axis theorem.

Approximations (documented, see docs/station.md): uniform density within each element;
array wings carry no separate mass (no published wing mass: the arrays' mass stays inside
their truss segment's box); external hardware as point masses; no stowage, consumables or
crew beyond what the cited masses include.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import catalog
from .config import Configuration
from .layout import Placement, layout

JEOD_ISS_LIKE_INERTIA_KG_M2 = np.array(
    [[1.02e8, -6.96e6, -5.48e6], [-6.96e6, 0.91e8, 5.90e5], [-5.48e6, 5.90e5, 1.64e8]]
)
"""ISS-like inertia of NASA JEOD's verification sim (SIM_dyncomp, set_mass_iss), body frame,
kg m^2; no date or configuration given (nauka_event_2021-07-29.md, conf M). Fallback only."""


@dataclass(frozen=True)
class MassItem:
    name: str
    kind: str
    mass_kg: float
    centre_m: np.ndarray
    inertia_own_kg_m2: np.ndarray  # about its own centre, body axes
    conf: str = ""


@dataclass(frozen=True)
class MassProperties:
    """Composite mass (kg), centre of mass (m) and inertia about it (kg m^2), body frame."""

    mass_kg: float
    center_of_mass_m: np.ndarray
    inertia_kg_m2: np.ndarray
    items: tuple[MassItem, ...]

    def principal_moments_kg_m2(self) -> np.ndarray:
        return np.linalg.eigvalsh(self.inertia_kg_m2)

    def budget(self) -> dict[str, float]:
        """Mass by kind (module, truss, vehicle, robotics, payload, carrier, estimate...)."""
        out: dict[str, float] = {}
        for item in self.items:
            out[item.kind] = out.get(item.kind, 0.0) + item.mass_kg
        return out

    def estimated_mass_kg(self) -> float:
        return sum(i.mass_kg for i in self.items if i.conf == "est")

    def to_json(self) -> dict:
        return {
            "mass_kg": round(self.mass_kg, 1),
            "center_of_mass_m": [round(float(x), 3) for x in self.center_of_mass_m],
            "inertia_kg_m2": [[round(float(x), 1) for x in row] for row in self.inertia_kg_m2],
            "principal_moments_kg_m2": [round(float(x), 1) for x in self.principal_moments_kg_m2()],
            "mass_budget_kg": {k: round(v, 1) for k, v in sorted(self.budget().items())},
            "estimated_mass_kg": round(self.estimated_mass_kg(), 1),
        }


def solid_inertia(
    shape: str, size: tuple[float, float, float], mass_kg: float, rotation: np.ndarray
) -> np.ndarray:
    """Inertia (kg m^2) of a uniform solid about its centre, in body axes."""
    length, b, c = size
    if shape == "cylinder":
        r = b / 2
        local = np.diag(
            [
                mass_kg * r**2 / 2,
                mass_kg * (3 * r**2 + length**2) / 12,
                mass_kg * (3 * r**2 + length**2) / 12,
            ]
        )
    else:  # box / plate: edges length (x), b (y), c (z)
        local = mass_kg / 12 * np.diag([b**2 + c**2, length**2 + c**2, length**2 + b**2])
    return rotation @ local @ rotation.T


def items_for(config: Configuration, placements: list[Placement]) -> list[MassItem]:
    items = []
    centres = {}
    for p in placements:
        centres.setdefault(p.element, p.centre_m)
        if p.mass_kg <= 0:
            continue
        spec = config.elements.get(p.element)
        items.append(
            MassItem(
                p.name,
                p.kind,
                p.mass_kg,
                p.centre_m,
                solid_inertia(p.shape, p.size_m, p.mass_kg, p.rotation),
                spec.conf if spec else "",
            )
        )
    for add in catalog.mass_add_ons():
        if add.host not in config.elements:
            continue
        if add.installed_utc and config.utc and add.installed_utc > config.utc:
            continue
        items.append(
            MassItem(add.name, add.kind, add.mass_kg, centres[add.host], np.zeros((3, 3)), add.conf)
        )
    return items


def mass_properties(
    config: Configuration, sarj_angle_deg: float = 0.0, placements: list[Placement] | None = None
) -> MassProperties:
    placements = placements if placements is not None else layout(config, sarj_angle_deg)
    return combine(items_for(config, placements))


def combine(items: list[MassItem]) -> MassProperties:
    """Composite of point/solid items by the parallel-axis theorem."""
    masses = np.array([i.mass_kg for i in items])
    centres = np.array([i.centre_m for i in items])
    total = float(masses.sum())
    com = (masses[:, None] * centres).sum(axis=0) / total
    inertia = np.zeros((3, 3))
    for item in items:
        r = item.centre_m - com
        inertia += item.inertia_own_kg_m2 + item.mass_kg * (
            np.dot(r, r) * np.eye(3) - np.outer(r, r)
        )
    return MassProperties(total, com, inertia, tuple(items))
