"""Earth's city lights on the night side: NASA's "Earth's City Lights" map, its brightness,
and how it fades in through twilight.

Texture: ``evasim/data/earth/earth_night_lights_2048x1024.jpg`` (NASA Visible Earth record
5826, DMSP-OLS cloud-free composite, as shipped in Debian's ``xplanet-images``; see
``data/SOURCES.md``): 2048 x 1024 equirectangular, row 0 = 90 N, column 0 = 180 W. Its 8-bit
values are the composite's digital numbers scaled to 0..255, saturated in city cores, not
radiances: they are taken to radiance by the 1.5 power (``DN_EXPONENT``; DMSP-OLS radiance
grows as DN^(3/2) in its published calibration, confidence M for the law, est for applying it
to this rescaled JPEG) and averaged over R, G, B into one intensity 0..1; the lights' colour is
the map's own mean colour after that law (a warm white, sodium and LED mixed).

Brightness (``CITY_CORE_RADIANCE``, est): a texel of value 1 (a saturated city core) is given
the radiance of a bright city centre seen by VIIRS's Day/Night Band, ~100 nW cm^-2 sr^-1 over
its 500-900 nm band (urban cores in VIIRS composites are tens to a few hundred; rural lit
areas below 1: NOAA/EOG VIIRS nighttime lights), i.e. 1e-3 W m^-2 sr^-1, 2.5e-6 W m^-2 sr^-1
nm^-1 on average over the band; divided by the Sun's ~1.8 W m^-2 nm^-1 there (ASTM E-490) in
the renderer's unit (the Sun's irradiance = 1): 1.4e-6 per sr. Sunlit ground is ~0.05-0.1 in
that unit, so the lights are ~1e-5 of the day side: invisible by day at any exposure, as they
are. Confidence est (order of magnitude, within ~3x): the DMSP map saturates in city cores,
and the composite is from 1994-95.

Twilight (``TWILIGHT_END_DEG``): the lights are off while the Sun is above the local horizon
and fully on from the end of nautical twilight (Sun 12 deg below the horizon), switching on
through civil and nautical twilight by a smoothstep of the Sun's depression,
``f = 3 s^2 - 2 s^3``, ``s = clip(sin(depression) / sin(12 deg), 0, 1)`` (a chosen law, est: street
lighting switches on around sunset by photocells, decorative and domestic lighting later;
while the Sun is up the ground is 1e5 times brighter anyway). The elevation is that of the
Sun over the ellipsoid normal at the ground point (no refraction).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
from numba import njit

from .mipmap import bilinear_taps

DN_EXPONENT = 1.5
"""Radiance grows as the map's value to this power (DMSP-OLS: DN^(3/2))."""
CITY_CORE_RADIANCE = 1.4e-6
"""Radiance (renderer unit, per sr) of a texel of value 1: see the module docstring (est)."""
TWILIGHT_END_DEG = 12.0
"""Sun depression (deg) at which all lights are on: the end of nautical twilight."""
SIN_TWILIGHT_END = float(np.sin(np.radians(TWILIGHT_END_DEG)))
TEXTURE = "earth_night_lights_2048x1024.jpg"


@dataclass(frozen=True)
class NightLights:
    """The map's intensity at twice its resolution (:func:`_upsampled`) and its mip levels."""

    texels: np.ndarray  # flat float32: all mip levels' intensities (0..1)
    levels: np.ndarray  # (n, 3) int64: each level's first texel, height, width
    radiance_rgb: np.ndarray  # (3,) float64: radiance of intensity 1 (renderer unit, per sr)

    @classmethod
    def load(cls) -> NightLights:
        from PIL import Image

        ref = resources.files("evasim") / "data" / "earth" / TEXTURE
        with resources.as_file(ref) as path, Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"), np.float32) / np.float32(255.0)
        lin = rgb**DN_EXPONENT
        intensity = lin.mean(axis=2)
        colour = lin.reshape(-1, 3).mean(axis=0)
        colour = colour / colour.mean()
        texels, levels = _mips(_upsampled(intensity))
        return cls(texels, levels, CITY_CORE_RADIANCE * colour.astype(np.float64))

    def intensity_at(self, latitude_deg: float, longitude_deg: float) -> float:
        """Nearest-texel intensity (0..1) of the finest level (for tests)."""
        h, w = int(self.levels[0, 1]), int(self.levels[0, 2])
        col = int((longitude_deg + 180.0) / 360.0 * w) % w
        row = min(max(int((90.0 - latitude_deg) / 180.0 * h), 0), h - 1)
        return float(self.texels[row * w + col])


def _upsampled(intensity: np.ndarray) -> np.ndarray:
    """The map at twice its resolution by bicubic interpolation (clipped at 0): bilinear
    sampling of it then approximates a bicubic reconstruction of the map, so that isolated
    lit texels seen close up are soft spots instead of bilinear diamonds. Adds no detail."""
    from PIL import Image

    h, w = intensity.shape
    img = Image.fromarray(intensity.astype(np.float32), mode="F")
    up = np.asarray(img.resize((2 * w, 2 * h), Image.Resampling.BICUBIC), np.float32)
    return np.maximum(up, 0.0)


def _mips(level0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The intensity map and its 2 x 2 box averages down to 16 texels, flattened into one
    float32 array, with the (first texel, height, width) of each level."""
    levels = [level0.astype(np.float32)]
    while min(levels[-1].shape) >= 32:
        a = levels[-1]
        levels.append(0.25 * (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]))
    rows, first = [], 0
    for a in levels:
        rows.append((first, a.shape[0], a.shape[1]))
        first += a.size
    return np.concatenate([a.reshape(-1) for a in levels]), np.array(rows, np.int64)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def switched_on(sin_sun_elevation):
    """Fraction of the lights on at a ground point whose Sun elevation has this sine: the
    smoothstep of the depression's sine over sin(12 deg) (within 0.01 of the same law in the
    angle itself over 0-12 deg; no arcsin per pixel)."""
    if sin_sun_elevation >= 0.0:
        return 0.0
    s = min(-sin_sun_elevation / SIN_TWILIGHT_END, 1.0)
    return s * s * (3.0 - 2.0 * s)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def intensity(texels, levels, lat, lon, footprint_km, texel0_km):
    """Bilinear intensity at geodetic ``lat``, ``lon`` (rad) in the mip level whose texels
    match ``footprint_km`` (the ray's footprint on the ground; ``texel0_km`` the finest
    level's texel)."""
    i00, i01, i10, i11, w00, w01, w10, w11 = bilinear_taps(
        levels, lat, lon, footprint_km, texel0_km
    )
    return w00 * texels[i00] + w01 * texels[i01] + w10 * texels[i10] + w11 * texels[i11]
