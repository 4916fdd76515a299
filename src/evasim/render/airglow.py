"""Night airglow of the upper atmosphere, at its real height, thickness and brightness.

Each emitting layer is a Gaussian shell of volume emission over the mean Earth radius
(``evasim.constants.EARTH_MEAN_RADIUS_KM``), given by its peak altitude, its full width at half
maximum and its zenith (vertical column) brightness in rayleighs (1 R = 1e10 / (4 pi) photons
s^-1 m^-2 sr^-1). Seen edge-on from the station, a ray of tangent altitude ``h_t`` crosses the
layer along a chord hundreds of kilometres long: :func:`limb_table` integrates the emission
along it (the limb brightening, ~50 times the zenith value at the peak for a 10 km layer),
once per camera. A ray that ends on the ground crosses the layers once, at the zenith angle
it has there (:func:`ground_glow`, a thin-slab approximation with one shell at the layers'
mean height: they are 8-10 km thick, small against the Earth's curvature at the angles a
ground ray can have).

Layers (``LAYERS``: what is sourced, what is estimated):

* O I 557.7 nm green line: peak 97 km, FWHM 10 km, zenith 250 R. The upper of the two layers
  the STS-37 limb spectra resolved (Mende et al., J. Geophys. Res. 98(A11), 19117, 1993); NOAA
  NGDC's airglow data page: "a 10 to 20 km thick zone at an altitude of about 100 km". 250 R is
  the usual mid-latitude zenith figure (Khomich, Semenov and Shefov, *Airglow as an Indicator
  of Upper Atmospheric Structure and Dynamics*, Springer 2008, give a range of ~100-400 R);
  confidence M for height and width, est for the brightness (it varies night to night by 2x).
* Na D 589 nm: peak 92 km (Mende et al. 1993: "an intense nighttime sodium layer ... peaking
  near 92 km"), FWHM 10 km, zenith 50 R (est; seasonal 30-200 R).
* OH Meinel bands, the part inside the camera's red channel (600-700 nm): peak 87 km, FWHM
  8 km (the lower layer of Mende et al. 1993; OH at 90 +/- 2 km in rocket profiles), zenith
  150 R (est: most of OH's ~1 MR is in the near infrared, beyond a camera's IR-cut filter).

Camera channels: a line at wavelength l counts in channel c with the weight
``exp(-(l - l_c)^2 / (2 sigma^2))``, l_c = 650, 550, 450 nm (R, G, B), sigma = 40 nm: smooth
overlapping responses (est) whose integral, 100 nm, matches the bands of
``SOLAR_BAND_IRRADIANCE_W_M2`` through which the radiance is expressed in the renderer's unit
(the Sun's irradiance in that channel = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..constants import EARTH_MEAN_RADIUS_KM, SOLAR_BAND_IRRADIANCE_W_M2

PLANCK_J_S = 6.62607015e-34
LIGHT_M_S = 299_792_458.0
PHOTONS_PER_RAYLEIGH = 1e10 / (4.0 * np.pi)
"""Photons s^-1 m^-2 sr^-1 of a source of 1 rayleigh (Hunten, Roach and Chamberlain 1956)."""
CHANNEL_CENTRES_NM = (650.0, 550.0, 450.0)
CHANNEL_SIGMA_NM = 40.0


@dataclass(frozen=True)
class AirglowLayer:
    name: str
    wavelength_nm: float
    peak_km: float
    fwhm_km: float
    zenith_rayleigh: float


LAYERS = (
    AirglowLayer("O I 557.7 nm", 557.7, 97.0, 10.0, 250.0),
    AirglowLayer("Na D 589 nm", 589.0, 92.0, 10.0, 50.0),
    AirglowLayer("OH Meinel 600-700 nm", 650.0, 87.0, 8.0, 150.0),
)
TABLE_STEP_KM = 0.05
"""Tangent-altitude step of the limb table (km): ~0.02 px at 720p through the 120 deg lens."""
AIRGLOW_TOP_KM = max(layer.peak_km + 2.5 * layer.fwhm_km for layer in LAYERS)
"""Above this tangent altitude (km) the glow is below 1e-7 of its peak: the table ends and
the adaptive sampling may interpolate the sky (:mod:`.raycast`)."""


def channel_radiance_per_rayleigh(wavelength_nm: float) -> np.ndarray:
    """Radiance (R, G, B) in the renderer's unit (the Sun's irradiance in each channel = 1,
    per sr) of a 1-rayleigh line at ``wavelength_nm``."""
    energy_j = PLANCK_J_S * LIGHT_M_S / (wavelength_nm * 1e-9)
    w_m2_sr = PHOTONS_PER_RAYLEIGH * energy_j
    centres = np.array(CHANNEL_CENTRES_NM)
    weights = np.exp(-0.5 * ((wavelength_nm - centres) / CHANNEL_SIGMA_NM) ** 2)
    return w_m2_sr * weights / np.array(SOLAR_BAND_IRRADIANCE_W_M2)


def volume_emission(layer: AirglowLayer, altitude_km: np.ndarray) -> np.ndarray:
    """Volume emission (rayleigh per km of path) of a layer at ``altitude_km``: a Gaussian
    whose vertical integral is the zenith brightness."""
    sigma = layer.fwhm_km / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    return (
        layer.zenith_rayleigh
        / (sigma * np.sqrt(2.0 * np.pi))
        * np.exp(-0.5 * ((altitude_km - layer.peak_km) / sigma) ** 2)
    )


def limb_rayleigh(layer: AirglowLayer, tangent_km: np.ndarray, step_km: float = 0.5) -> np.ndarray:
    """Brightness (R) of ``layer`` along whole rays of tangent altitude ``tangent_km`` (both
    halves, no extinction), by the trapezoid rule along the ray (``step_km``)."""
    r = EARTH_MEAN_RADIUS_KM
    top = layer.peak_km + 4.0 * layer.fwhm_km
    tangent = np.atleast_1d(np.asarray(tangent_km, float))
    out = np.zeros(tangent.shape)
    for k, h in enumerate(tangent):
        p = r + max(h, 0.0)
        if p >= r + top:
            continue
        s_max = np.sqrt((r + top) ** 2 - p * p)
        s = np.arange(0.0, s_max + step_km, step_km)
        alt = np.sqrt(p * p + s * s) - r
        out[k] = 2.0 * np.trapezoid(volume_emission(layer, alt), s)
    return out


def limb_table() -> np.ndarray:
    """(n, 3) float64: airglow radiance (R, G, B, the renderer's unit) of a whole ray of
    tangent altitude ``i * TABLE_STEP_KM`` (0 .. AIRGLOW_TOP_KM), all layers, no extinction."""
    h = np.arange(0.0, AIRGLOW_TOP_KM + TABLE_STEP_KM, TABLE_STEP_KM)
    table = np.zeros((h.size, 3))
    for layer in LAYERS:
        table += limb_rayleigh(layer, h)[:, None] * channel_radiance_per_rayleigh(
            layer.wavelength_nm
        )
    return table


def ground_table() -> np.ndarray:
    """(1, 4) float64: one shell standing for all layers for rays that end on the ground, at
    the layers' brightness-weighted mean altitude (93.1 km), radius (km) and zenith radiance
    (R, G, B, the renderer's unit), for :func:`ground_glow`. One shell instead of three: their
    zenith angles differ by < 3 % even at the limb, on a glow ~1e-9 of daylight."""
    rgb = np.zeros(3)
    weighted_km, total = 0.0, 0.0
    for layer in LAYERS:
        rgb += layer.zenith_rayleigh * channel_radiance_per_rayleigh(layer.wavelength_nm)
        weighted_km += layer.zenith_rayleigh * layer.peak_km
        total += layer.zenith_rayleigh
    return np.array([[EARTH_MEAN_RADIUS_KM + weighted_km / total, *rgb]])


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def sky_glow(table, tangent_km, tr, tg, tb):
    """Airglow (R, G, B) of a ray that misses the ground, of tangent altitude ``tangent_km``
    over the mean sphere: the table's whole-chord value, its far half dimmed by the view
    transmittance (``tr``, ``tg``, ``tb``) of the air below, which it crosses to reach us."""
    x = max(tangent_km, 0.0) / TABLE_STEP_KM
    i = int(x)
    n = table.shape[0]
    if i >= n - 1:
        return 0.0, 0.0, 0.0
    f = x - i
    r = table[i, 0] + f * (table[i + 1, 0] - table[i, 0])
    g = table[i, 1] + f * (table[i + 1, 1] - table[i, 1])
    b = table[i, 2] + f * (table[i + 1, 2] - table[i, 2])
    return 0.5 * r * (1.0 + tr), 0.5 * g * (1.0 + tg), 0.5 * b * (1.0 + tb)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def ground_glow(layers, impact2_km2):
    """Airglow (R, G, B) of a ray that ends on the ground, with squared impact parameter
    ``impact2_km2`` (km^2, from the Earth's centre): each layer crossed once, on the near
    side, at the zenith angle the ray has at the layer's peak (thin-slab approximation)."""
    r, g, b = 0.0, 0.0, 0.0
    for k in range(layers.shape[0]):
        rl = layers[k, 0]
        cos_z = np.sqrt(max(1.0 - impact2_km2 / (rl * rl), 1e-4))
        r += layers[k, 1] / cos_z
        g += layers[k, 2] / cos_z
        b += layers[k, 3] / cos_z
    return r, g, b  # (layers: ground_table's rows)
