"""Orbital day and night: a conical umbra/penumbra model against the WGS84 ellipsoid.

Seen from the station, the Earth and the Sun are two discs. Scaling z by a/b maps the WGS84
ellipsoid onto a sphere of radius a (an affine map keeps straight rays straight, so which rays
graze the Earth is unchanged); in the scaled space the Earth's disc has angular radius
``asin(a / |r|)``. The Sun's disc has angular radius ``asin(R_sun / |d|)``. Their angular
separation against the two radii gives the visible fraction of the solar disc (overlap of two
circles on the sky, e.g. Montenbruck & Gill, *Satellite Orbits*, sec. 3.4.2), from 1 in full
Sun through the penumbra to 0 in the umbra. Limb darkening and atmospheric refraction are not
modelled; ``atmosphere_km`` raises the occulting limb if wanted (default 0: the geometric
ellipsoid).

Sunset and sunrise are the instants the Sun's centre crosses the Earth's limb
(``separation - earth_radius == 0``); penumbra and umbra boundaries are the crossings at
``+/- sun_radius``. They are found on a sampled grid, then refined by vectorised bisection
to 1 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .orbit import WGS84_A_KM, WGS84_B_KM, Orbit, geodetic_up_itrs, rotate_z
from .sun import SunTable
from .timegrid import TimeGrid

SUN_RADIUS_KM = 695_700.0
"""IAU 2015 Resolution B3 nominal solar radius."""

_Z_SCALE = WGS84_A_KM / WGS84_B_KM


@dataclass(frozen=True)
class ShadowAngles:
    """Angles (rad) seen from the station: Sun-Earth centre separation and disc radii."""

    separation_rad: np.ndarray
    earth_radius_rad: np.ndarray
    sun_radius_rad: np.ndarray

    @property
    def limb_margin_rad(self) -> np.ndarray:
        """Sun centre's angular height above the Earth's limb (>0: centre visible)."""
        return self.separation_rad - self.earth_radius_rad

    def sunlit_fraction(self) -> np.ndarray:
        """Visible fraction of the solar disc, 0 (umbra) .. 1 (full Sun)."""
        return visible_fraction(self.separation_rad, self.sun_radius_rad, self.earth_radius_rad)


def shadow_angles(
    r_teme_km: np.ndarray, sun_teme_km: np.ndarray, atmosphere_km: float = 0.0
) -> ShadowAngles:
    """Shadow geometry for (3, N) station and Sun positions in an Earth-centred frame with z
    along the Earth's pole (TEME)."""
    scale = np.array([1.0, 1.0, _Z_SCALE])[:, None]
    rs = r_teme_km * scale
    ss = sun_teme_km * scale
    d = ss - rs
    r_norm = np.linalg.norm(rs, axis=0)
    cross = np.cross(-rs, d, axis=0)
    separation = np.arctan2(np.linalg.norm(cross, axis=0), np.sum(-rs * d, axis=0))
    earth = np.arcsin(np.clip((WGS84_A_KM + atmosphere_km) / r_norm, -1.0, 1.0))
    sun = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(sun_teme_km - r_teme_km, axis=0))
    return ShadowAngles(separation, earth, sun)


def visible_fraction(separation: np.ndarray, sun_r: np.ndarray, earth_r: np.ndarray) -> np.ndarray:
    """Fraction of a disc of radius ``sun_r`` not covered by a disc of radius ``earth_r``
    whose centre is ``separation`` away (small-angle, flat-sky geometry)."""
    c = np.asarray(separation, float)
    a = np.broadcast_to(sun_r, c.shape).astype(float)
    b = np.broadcast_to(earth_r, c.shape).astype(float)
    out = np.ones_like(c)
    out[c <= b - a] = 0.0
    partial = (c > np.abs(b - a)) & (c < a + b)
    cp, ap, bp = c[partial], a[partial], b[partial]
    x = (cp**2 + ap**2 - bp**2) / (2.0 * cp)
    y = np.sqrt(np.clip(ap**2 - x**2, 0.0, None))
    overlap = (
        ap**2 * np.arccos(np.clip(x / ap, -1.0, 1.0))
        + bp**2 * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0))
        - cp * y
    )
    out[partial] = np.clip(1.0 - overlap / (np.pi * ap**2), 0.0, 1.0)
    return out


def beta_angle_deg(
    r_teme_km: np.ndarray, v_teme_km_s: np.ndarray, sun_teme_km: np.ndarray
) -> np.ndarray:
    """Beta angle (deg): the Sun's elevation above the orbit plane."""
    h = np.cross(r_teme_km, v_teme_km_s, axis=0)
    h /= np.linalg.norm(h, axis=0)
    s = sun_teme_km / np.linalg.norm(sun_teme_km, axis=0)
    return np.degrees(np.arcsin(np.clip(np.sum(h * s, axis=0), -1.0, 1.0)))


def sun_elevation_deg(
    r_itrs_km: np.ndarray,
    latitude_deg: np.ndarray,
    longitude_deg: np.ndarray,
    sun_teme_km: np.ndarray,
    gmst_rad: np.ndarray,
) -> np.ndarray:
    """Sun elevation (deg) above the plane normal to the WGS84 vertical at the station."""
    sun_itrs = rotate_z(sun_teme_km, gmst_rad)
    d = sun_itrs - r_itrs_km
    d /= np.linalg.norm(d, axis=0)
    up = geodetic_up_itrs(latitude_deg, longitude_deg)
    return np.degrees(np.arcsin(np.clip(np.sum(up * d, axis=0), -1.0, 1.0)))


@dataclass(frozen=True)
class LightingEdges:
    """Crossings of the Sun's centre over the Earth's limb, with penumbra boundaries.

    All times are seconds of the grid they were found on. ``kind`` is "sunset" or "sunrise".
    ``penumbra_outer_s`` is where the first/last sliver of Sun is (fraction 1 boundary on the
    day side), ``penumbra_inner_s`` the umbra boundary (fraction 0).
    """

    grid: TimeGrid
    seconds: np.ndarray
    kind: np.ndarray
    penumbra_outer_s: np.ndarray
    penumbra_inner_s: np.ndarray

    def __len__(self) -> int:
        return len(self.seconds)

    def on(self, other: TimeGrid) -> LightingEdges:
        """The same edges expressed in seconds of another grid."""
        shift = (self.grid.t0_utc - other.t0_utc).total_seconds()
        return LightingEdges(
            other,
            self.seconds + shift,
            self.kind,
            self.penumbra_outer_s + shift,
            self.penumbra_inner_s + shift,
        )

    @property
    def sunsets_s(self) -> np.ndarray:
        return self.seconds[self.kind == "sunset"]

    @property
    def sunrises_s(self) -> np.ndarray:
        return self.seconds[self.kind == "sunrise"]


def _bisect(
    func: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, tol_s: float
) -> np.ndarray:
    """Vectorised bisection of ``func`` (sign change between lo and hi), to ``tol_s``."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    if lo.size == 0:
        return lo
    f_lo = func(lo)
    width = float(np.max(hi - lo))
    iterations = int(np.ceil(np.log2(max(width, tol_s) / tol_s))) + 1
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        f_mid = func(mid)
        same = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(same, mid, lo)
        f_lo = np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def find_edges(
    orbit: Orbit,
    sun: SunTable,
    grid: TimeGrid,
    atmosphere_km: float = 0.0,
    tol_s: float = 1e-3,
) -> LightingEdges:
    """Sunrises and sunsets between the first and last instants of ``grid``.

    ``grid`` is the sampling used to bracket crossings; nights shorter than two samples at
    grazing geometry could be missed (30 s sampling is safe for the ISS).
    """

    def margin(seconds: np.ndarray, offset_sign: float) -> np.ndarray:
        g = grid.with_seconds(seconds)
        angles = shadow_angles(orbit.r_teme_km(g), sun.teme_km(g), atmosphere_km)
        return angles.limb_margin_rad - offset_sign * angles.sun_radius_rad

    s = grid.seconds
    m = margin(s, 0.0)
    idx = np.flatnonzero(np.signbit(m[:-1]) != np.signbit(m[1:]))
    centre = _bisect(lambda x: margin(x, 0.0), s[idx], s[idx + 1], tol_s)
    kind = np.where(m[idx] > 0.0, "sunset", "sunrise")
    # Penumbra boundaries lie within a minute of the centre crossing for any LEO geometry.
    window = 120.0
    setting = kind == "sunset"
    outer_lo = np.where(setting, centre - window, centre)
    outer_hi = np.where(setting, centre, centre + window)
    inner_lo = np.where(setting, centre, centre - window)
    inner_hi = np.where(setting, centre + window, centre)
    outer = _bisect(lambda x: margin(x, 1.0), outer_lo, outer_hi, tol_s)
    inner = _bisect(lambda x: margin(x, -1.0), inner_lo, inner_hi, tol_s)
    return LightingEdges(grid, centre, kind, outer, inner)
