"""Station ephemeris from SGP4: TEME, GCRS and ITRS positions, WGS84 geodetic coordinates.

SGP4 itself is the ``sgp4`` library (the Vallado C++ code). Frame rotations come from skyfield:

* TEME -> ITRS is a rotation about z by GMST (IAU 1982), exactly as skyfield's ``TEME`` frame
  composes with its ``itrs`` frame (polar motion ignored, as skyfield does by default); the
  velocity carries the rotation (``v_itrs = R v_teme - omega x r_itrs``, Earth-fixed);
* TEME -> GCRS uses skyfield's precession-nutation matrix, evaluated every 10 minutes and
  interpolated linearly (the matrix changes by < 1e-9 rad over that step: < 1 cm in position).

Arrays are shaped (3, N) like skyfield's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from skyfield.sgp4lib import TEME, theta_GMST1982

from ..constants import WGS84_A_KM, WGS84_B_KM, WGS84_E2
from ..errors import EvasimInputError
from .context import Sky
from .timegrid import DAY_S, TimeGrid
from .tle import ElementSet

_MATRIX_STEP_S = 600.0


def sgp4_teme(
    element_set: ElementSet, grid: TimeGrid, *, failed_as_nan: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Raw SGP4 state in TEME: ``r_teme_km`` and ``v_teme_km_s``, each (3, N).

    An instant SGP4 cannot reach (decayed, eccentricity out of range) is an input error, or
    with ``failed_as_nan`` (context far from the replayed span, such as weeks of beta angle) NaN.
    """
    whole, frac = grid.jd_utc()
    err, r, v = element_set.satrec.sgp4_array(whole, frac)
    if failed_as_nan:
        r[err != 0] = np.nan
        v[err != 0] = np.nan
    elif np.any(err):
        bad = int(np.flatnonzero(err)[0])
        when = grid.datetime_at(grid.seconds[bad])
        raise EvasimInputError(
            f"SGP4 failed (error {int(err[bad])}) at {when:%Y-%m-%d %H:%M:%S} UTC for "
            f"{element_set.describe()}: the element set cannot reach that date",
            source=element_set.origin or None,
        )
    return r.T, v.T


def rotate_z(vectors: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """Rotate (3, N) ``vectors`` by the frame rotation R_z(angle) (passive rotation)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y, z = vectors
    return np.array([c * x + s * y, -s * x + c * y, z])


def rotate_z_matrices(angle_rad: np.ndarray) -> np.ndarray:
    """The matrices (N, 3, 3) of :func:`rotate_z` for (N,) angles (rad)."""
    angle = np.atleast_1d(np.asarray(angle_rad, float))
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros((len(angle), 3, 3))
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1], m[:, 2, 2] = c, s, -s, c, 1.0
    return m


def teme_to_itrs(
    r_teme_km: np.ndarray, v_teme_km_s: np.ndarray, gmst_rad: np.ndarray, gmst_rate_rad_s
) -> tuple[np.ndarray, np.ndarray]:
    """ITRS position (km) and Earth-fixed velocity (km/s) of (3, N) TEME states.

    r_itrs = R_z(GMST) r_teme; the velocity carries the frame's rotation:
    v_itrs = R_z(GMST) v_teme - omega x r_itrs, omega = dGMST/dt along z (Vallado et al. 2006,
    AIAA 2006-6753, eq. for TEME -> PEF; polar motion ignored as in the positions)."""
    r_itrs = rotate_z(r_teme_km, gmst_rad)
    v_rot = rotate_z(v_teme_km_s, gmst_rad)
    w = np.asarray(gmst_rate_rad_s, float)
    # omega x r with omega = (0, 0, w): (-w y, w x, 0)
    v_itrs = v_rot - np.array([-w * r_itrs[1], w * r_itrs[0], np.zeros_like(r_itrs[2])])
    return r_itrs, v_itrs


def gcrs_to_teme_matrices(grid: TimeGrid, sky: Sky) -> np.ndarray:
    """GCRS -> TEME rotation matrices (3, 3, N), interpolated from a 10-minute table."""
    s = grid.seconds
    lo, hi = float(np.min(s)), float(np.max(s))
    n = max(2, int(np.ceil((hi - lo) / _MATRIX_STEP_S)) + 1)
    knots = np.linspace(lo, hi if hi > lo else lo + 1.0, n)
    table = TEME.rotation_at(grid.with_seconds(knots).skyfield(sky))  # (3, 3, n)
    flat = table.reshape(9, n)
    out = np.empty((9, len(s)))
    for k in range(9):
        out[k] = np.interp(s, knots, flat[k])
    return out.reshape(3, 3, len(s))


def geodetic_from_itrs(r_itrs_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 ``(latitude_deg, longitude_deg, altitude_km)`` of (3, N) ITRS positions."""
    x, y, z = r_itrs_km
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(6):
        sin_lat = np.sin(lat)
        n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    h = p / np.cos(lat) - n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), h


def wgs84_radius_km(direction: np.ndarray) -> np.ndarray:
    """Distance (km) from the Earth's centre to the WGS84 ellipsoid along (3, ...) ITRS
    ``direction`` vectors (any length): the ellipsoid's geocentric radius there."""
    u = np.asarray(direction, float)
    u = u / np.linalg.norm(u, axis=0)
    return 1.0 / np.sqrt((u[0] ** 2 + u[1] ** 2) / WGS84_A_KM**2 + u[2] ** 2 / WGS84_B_KM**2)


def geodetic_up_itrs(latitude_deg: np.ndarray, longitude_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (3, N) of the local WGS84 vertical (the ellipsoid normal) in ITRS."""
    lat, lon = np.radians(latitude_deg), np.radians(longitude_deg)
    return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


@dataclass(frozen=True)
class StationTrack:
    """The station's state over a :class:`TimeGrid`. Coordinates are methods/properties."""

    grid: TimeGrid
    element_set: ElementSet
    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    sky: Sky = field(repr=False)

    @cached_property
    def _gmst(self) -> tuple[np.ndarray, np.ndarray]:
        t = self.grid.skyfield(self.sky)
        theta, theta_dot_per_day = theta_GMST1982(t.whole, t.ut1_fraction)
        return theta, theta_dot_per_day / DAY_S

    @property
    def gmst_rad(self) -> np.ndarray:
        """Greenwich mean sidereal time (IAU 1982), rad: the TEME -> ITRS angle."""
        return self._gmst[0]

    @property
    def gmst_rate_rad_s(self) -> np.ndarray:
        """dGMST/dt, rad/s (UT1): the Earth's rotation rate in the TEME -> ITRS rotation."""
        return self._gmst[1]

    @cached_property
    def _itrs(self) -> tuple[np.ndarray, np.ndarray]:
        return teme_to_itrs(self.r_teme_km, self.v_teme_km_s, self.gmst_rad, self.gmst_rate_rad_s)

    @property
    def r_itrs_km(self) -> np.ndarray:
        """Position in the ITRS (Earth-fixed), km, (3, N)."""
        return self._itrs[0]

    @property
    def v_itrs_km_s(self) -> np.ndarray:
        """Velocity relative to the rotating Earth, in ITRS axes, km/s, (3, N)."""
        return self._itrs[1]

    def itrs_from_gcrs(self, i: int) -> np.ndarray:
        """Rotation matrix GCRS -> ITRS (3 x 3) at sample ``i``: R_z(GMST) @ (GCRS -> TEME)."""
        return rotate_z_matrices(self.gmst_rad[i])[0] @ self.gcrs_to_teme[:, :, i]

    @cached_property
    def gcrs_to_teme(self) -> np.ndarray:
        return gcrs_to_teme_matrices(self.grid, self.sky)

    @cached_property
    def r_gcrs_km(self) -> np.ndarray:
        return np.einsum("jin,jn->in", self.gcrs_to_teme, self.r_teme_km)

    @cached_property
    def v_gcrs_km_s(self) -> np.ndarray:
        """Velocity rotated into GCRS axes, km/s (TEME and GCRS are both inertial up to the
        slow precession-nutation of the true equator, < 1e-11 rad/s: neglected)."""
        return np.einsum("jin,jn->in", self.gcrs_to_teme, self.v_teme_km_s)

    def teme_to_gcrs(self, vectors_teme: np.ndarray) -> np.ndarray:
        return np.einsum("jin,jn->in", self.gcrs_to_teme, vectors_teme)

    @cached_property
    def _geodetic(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return geodetic_from_itrs(self.r_itrs_km)

    @property
    def latitude_deg(self) -> np.ndarray:
        return self._geodetic[0]

    @property
    def longitude_deg(self) -> np.ndarray:
        return self._geodetic[1]

    @property
    def altitude_km(self) -> np.ndarray:
        return self._geodetic[2]

    @cached_property
    def geocentric_latitude_deg(self) -> np.ndarray:
        x, y, z = self.r_itrs_km
        return np.degrees(np.arctan2(z, np.hypot(x, y)))

    def orbital_periods_min(self) -> np.ndarray:
        """Nodal periods (minutes) between successive ascending-node crossings of the track."""
        z = self.r_teme_km[2]
        s = self.grid.seconds
        idx = np.flatnonzero((z[:-1] < 0.0) & (z[1:] >= 0.0))
        t_cross = s[idx] - z[idx] * (s[idx + 1] - s[idx]) / (z[idx + 1] - z[idx])
        return np.diff(t_cross) / 60.0

    def inclination_from_track_deg(self) -> float:
        """Inclination (deg) read off the ground track: the extreme geocentric latitude.

        Uses whole revolutions only; needs at least one orbit in the grid.
        """
        return float(np.max(np.abs(self.geocentric_latitude_deg)))


@dataclass(frozen=True)
class Orbit:
    """An SGP4 orbit with the sky context needed to turn it into frames."""

    element_set: ElementSet
    sky: Sky = field(repr=False)

    def at(self, grid: TimeGrid) -> StationTrack:
        r, v = sgp4_teme(self.element_set, grid)
        return StationTrack(grid, self.element_set, r, v, self.sky)

    def r_teme_km(self, grid: TimeGrid) -> np.ndarray:
        return sgp4_teme(self.element_set, grid)[0]
