"""Helmet lamps: spot lights at the helmet camera that light the station near the wearer.

The Orlan-MKS has two lamps on its helmet, the EMU two helmet lights on its EVA helmet
interchangeable portable assembly (EHIP); NASA ("helmet lights are used for operations at
night", *The International Space Station: Operating an Outpost...*, ch. 17) and ESA (2013,
Alexander Gerst's EMU fit check: "the lights on the helmet illuminate the working area when the
Station is over Earth's night side") describe their use. Neither agency's pages found give
their photometry: the flux and beam width of ``LAMPS`` are estimates (est), of the class of
head-mounted work lamps (~100 lm each for the Orlan's, ~300 lm each for the EMU's), to be
replaced when a source is found.

Model: each lamp is a point at the camera (the lamps sit ~0.15 m beside it, which changes
distances beyond 1 m by < 2 % and would only add thin shadow fringes that the camera, next to
the lamps, hardly sees; lit points are therefore exactly the points the camera sees, with no
shadow rays) pointing along the camera's forward axis (head and lamps turn together), with a
smooth beam ``I(theta) = I0 2^(-(1 - cos theta) / (1 - cos theta_half))``: the intensity is
half the axial ``I0`` at the documented beam half-angle ``theta_half``, and its integral,
``Phi = 2 pi I0 (1 - cos theta_half) / ln 2``, is the lamp's flux. A surface at distance d
(m) with incidence cosine ``cos i`` receives the illuminance ``I(theta) cos i / d^2`` (lux,
inverse square) and, Lambertian with albedo a, has the luminance ``a E / pi``; in the
renderer's unit that is divided by ``SOLAR_ILLUMINANCE_LX``. The smooth beam has no hard edge,
so the adaptive sampling's bilinear blocks stay within their tested error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..constants import SOLAR_ILLUMINANCE_LX


@dataclass(frozen=True)
class HelmetLamp:
    flux_lm: float  # est
    half_angle_deg: float  # est: beam half-angle at half intensity

    @property
    def axial_intensity_cd(self) -> float:
        """I0 (cd) of the smooth beam whose integral is ``flux_lm``."""
        one_minus_cos = 1.0 - math.cos(math.radians(self.half_angle_deg))
        return self.flux_lm * math.log(2.0) / (2.0 * math.pi * one_minus_cos)

    def intensity_cd(self, off_axis_deg: np.ndarray | float) -> np.ndarray:
        """Intensity (cd) at ``off_axis_deg`` from the beam axis."""
        one_minus_cos = 1.0 - math.cos(math.radians(self.half_angle_deg))
        c = np.cos(np.radians(off_axis_deg))
        return self.axial_intensity_cd * 2.0 ** (-(1.0 - c) / one_minus_cos)


LAMPS = {
    "orlan": (HelmetLamp(100.0, 20.0), HelmetLamp(100.0, 20.0)),
    "emu": (HelmetLamp(300.0, 25.0), HelmetLamp(300.0, 25.0)),
}
"""Helmet lamps per suit family (est, see the module docstring)."""


def lamps_for_suit(suit: str) -> tuple[HelmetLamp, ...]:
    """The helmet lamps of a suit named like ``Orlan-MKS No. 5`` or ``EMU 3011``; none for a
    suit this model does not know."""
    s = suit.lower()
    for family, lamps in LAMPS.items():
        if family in s:
            return lamps
    return ()


def lamp_table(lamps: tuple[HelmetLamp, ...], forward_itrs: np.ndarray) -> np.ndarray:
    """(n, 5) float64 rows for :func:`lamp_light`: ``I0 / (pi E_sun)`` (m^2, renderer unit),
    ``ln 2 / (1 - cos theta_half)``, and the beam axis (ITRS unit vector). Lamps with the same
    beam (all point along the camera axis) share one row, their intensities summed: one
    exponential per pixel instead of one per lamp, the same light."""
    beams: dict[float, float] = {}
    for lamp in lamps:
        beams[lamp.half_angle_deg] = beams.get(lamp.half_angle_deg, 0.0) + lamp.axial_intensity_cd
    rows = np.zeros((len(beams), 5))
    for k, (half_angle_deg, intensity_cd) in enumerate(beams.items()):
        one_minus_cos = 1.0 - math.cos(math.radians(half_angle_deg))
        rows[k, 0] = intensity_cd / (math.pi * SOLAR_ILLUMINANCE_LX)
        rows[k, 1] = math.log(2.0) / one_minus_cos
        rows[k, 2:] = forward_itrs
    return rows


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def lamp_light(lamps, dx, dy, dz, cos_incidence, distance_km):
    """Radiance factor (to multiply by the albedo) that the helmet lamps give a surface seen
    along the unit ray (dx, dy, dz) from the camera, at ``distance_km``, with the incidence
    cosine ``cos_incidence``."""
    d_m = max(distance_km * 1000.0, 0.05)
    total = 0.0
    for k in range(lamps.shape[0]):
        c = dx * lamps[k, 2] + dy * lamps[k, 3] + dz * lamps[k, 4]
        total += lamps[k, 0] * np.exp(-lamps[k, 1] * (1.0 - c))
    return total * cos_incidence / (d_m * d_m)
