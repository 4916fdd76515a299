"""States at any instant of a replay: the one layer every product reads states through.

A replay computes its states on its output grid (``step_s``); a video frame at 30 fps, the
broadcast's clock or an ephemeris epoch falls between those samples. :class:`Instants` gives
the states at arbitrary instants (UTC seconds from the replay grid's start), each true at the
instant it claims:

* the station's position and velocity: SGP4 itself at the instant (TEME, exact);
* TEME -> ITRS: GMST (IAU 1982) interpolated linearly on the grid's values (GMST is linear in
  UT1 to ~1e-13 rad over a day and UT1 - UTC is constant inside a replay: < 1 um at the ISS);
  the Earth-fixed velocity carries the rotation (:func:`evasim.sky.orbit.teme_to_itrs`, with
  dGMST/dt the slope of that interpolant);
* TEME -> GCRS: the orbit model's precession-nutation matrices, linear in time (they are
  linear interpolants of a 10-minute table already, so this is the same interpolant);
* the Sun: its DE421 table (cubic spline), and the sunlit fraction from those positions;
* attitude: the integrator's own samples interpolated (cubic Hermite on the quaternion,
  :meth:`evasim.attitude.states.AttitudeStates.at`), combined with the LVLH frame of the SGP4
  state at the same instant.

Arrays are (3, N) for vectors (like :mod:`evasim.sky.orbit`), (N, 4) for quaternions (scalar
first, body -> frame), (N, 3, 3) for rotation matrices. Models only: nothing here imports a
product; :meth:`Instants.from_replay` reads a replay's fields without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .attitude.states import AttitudeStates, lvlh_to_gcrs
from .sky.lighting import shadow_angles
from .sky.orbit import geodetic_from_itrs, rotate_z, rotate_z_matrices, sgp4_teme, teme_to_itrs
from .sky.sun import SunTable
from .sky.timegrid import TimeGrid
from .sky.tle import ElementSet


@dataclass(frozen=True)
class InstantStates:
    """States at ``seconds`` (UTC seconds from the replay grid's ``t0_utc``).

    Positions km, velocities km/s; ``v_gcrs_km_s`` is the TEME velocity rotated into GCRS axes
    (as :class:`~evasim.sky.orbit.StationTrack` does); ``v_itrs_km_s`` the velocity relative to
    the rotating Earth, in ITRS axes (``StationTrack.v_itrs_km_s``); ``itrs_from_gcrs``
    (N, 3, 3) rotates GCRS vectors into ITRS axes (polar motion ignored); ``sun_*_km`` geocentric;
    ``attitude`` (or None for a replay without one): attitude states at these instants, with
    ``q_gcrs`` (body -> GCRS) and ``q_lvlh`` (body -> LVLH).
    """

    seconds: np.ndarray
    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    r_gcrs_km: np.ndarray
    v_gcrs_km_s: np.ndarray
    r_itrs_km: np.ndarray
    v_itrs_km_s: np.ndarray
    gmst_rad: np.ndarray
    itrs_from_gcrs: np.ndarray
    sun_teme_km: np.ndarray
    sun_itrs_km: np.ndarray
    sunlit_fraction: np.ndarray
    latitude_deg: np.ndarray
    longitude_deg: np.ndarray
    altitude_km: np.ndarray
    attitude: AttitudeStates | None

    def __len__(self) -> int:
        return len(self.seconds)

    def take(self, k: int) -> InstantStates:
        """The states at instant ``k`` alone (arrays of length 1, as :meth:`Instants.at` gives
        for one instant): a batch evaluated at once, then handed out instant by instant."""
        one, col = slice(k, k + 1), (slice(None), slice(k, k + 1))
        return InstantStates(
            self.seconds[one],
            self.r_teme_km[col],
            self.v_teme_km_s[col],
            self.r_gcrs_km[col],
            self.v_gcrs_km_s[col],
            self.r_itrs_km[col],
            self.v_itrs_km_s[col],
            self.gmst_rad[one],
            self.itrs_from_gcrs[one],
            self.sun_teme_km[col],
            self.sun_itrs_km[col],
            self.sunlit_fraction[one],
            self.latitude_deg[one],
            self.longitude_deg[one],
            self.altitude_km[one],
            None if self.attitude is None else self.attitude.take(k),
        )


class Instants:
    """Evaluates :class:`InstantStates` at any instants inside a replay's span.

    ``grid_seconds``, ``gmst_rad`` (N,) and ``gcrs_to_teme`` (3, 3, N): the replay's grid and
    its frame rotations there; ``gmst_rate_rad_s`` (N,): dGMST/dt there (rad/s, for the
    Earth-fixed velocity); ``sun``: the replay's Sun table; ``attitude``: its attitude
    states (any grid: their integrator-grid source is what is interpolated).
    """

    def __init__(
        self,
        t0_utc: datetime,
        element_set: ElementSet,
        grid_seconds: np.ndarray,
        gmst_rad: np.ndarray,
        gcrs_to_teme: np.ndarray,
        sun: SunTable,
        attitude: AttitudeStates | None = None,
        gmst_rate_rad_s: np.ndarray | None = None,
    ):
        self.t0_utc = t0_utc
        self.element_set = element_set
        self._seconds = np.asarray(grid_seconds, float)
        self._gmst_unwrapped = np.unwrap(np.asarray(gmst_rad, float))
        self._gmst_rate = None if gmst_rate_rad_s is None else np.asarray(gmst_rate_rad_s, float)
        n = len(self._seconds)
        self._gcrs_to_teme = np.asarray(gcrs_to_teme, float).reshape(9, n)
        self.sun = sun
        self.attitude = attitude

    @classmethod
    def from_replay(cls, replay) -> Instants:
        """From a :class:`~evasim.replay.Replay` (read by its fields)."""
        tr = replay.track
        return cls(
            replay.grid.t0_utc,
            replay.element_set,
            replay.grid.seconds,
            tr.gmst_rad,
            tr.gcrs_to_teme,
            replay.sun,
            replay.attitude,
            tr.gmst_rate_rad_s,
        )

    def _gmst_rate_rad_s(self, s: np.ndarray) -> np.ndarray:
        """dGMST/dt (rad/s) at ``s``: the track's own rate if given, else the slope of the
        linear GMST interpolant on each grid interval."""
        if self._gmst_rate is not None:
            return np.interp(s, self._seconds, self._gmst_rate)
        if len(self._seconds) < 2:
            raise ValueError("a one-sample grid needs gmst_rate_rad_s for the ITRS velocity")
        slopes = np.diff(self._gmst_unwrapped) / np.diff(self._seconds)
        k = np.clip(np.searchsorted(self._seconds, s, side="right") - 1, 0, len(slopes) - 1)
        return slopes[k]

    @property
    def span_s(self) -> tuple[float, float]:
        return float(self._seconds[0]), float(self._seconds[-1])

    def seconds_of(self, when_utc: datetime) -> float:
        return TimeGrid(self.t0_utc, self._seconds[:1]).seconds_of(when_utc)

    def at_utc(self, when_utc: datetime) -> InstantStates:
        """States at one UTC instant (arrays of length 1)."""
        return self.at(np.array([self.seconds_of(when_utc)]))

    def at(self, seconds) -> InstantStates:
        """States at ``seconds`` (1-D array of UTC seconds from ``t0_utc``), inside the span."""
        s = np.atleast_1d(np.asarray(seconds, float))
        lo, hi = self.span_s
        if s.size and (s.min() < lo - 1e-6 or s.max() > hi + 1e-6):
            raise ValueError(
                f"instants {s.min():.3f}..{s.max():.3f} s outside the replay span {lo}..{hi} s"
            )
        grid = TimeGrid(self.t0_utc, s)
        r_teme, v_teme = sgp4_teme(self.element_set, grid)
        gmst = np.interp(s, self._seconds, self._gmst_unwrapped)
        gmst_rate = self._gmst_rate_rad_s(s)
        m = np.empty((9, len(s)))
        for k in range(9):
            m[k] = np.interp(s, self._seconds, self._gcrs_to_teme[k])
        g2t = m.reshape(3, 3, len(s))  # GCRS -> TEME
        r_gcrs = np.einsum("jin,jn->in", g2t, r_teme)
        v_gcrs = np.einsum("jin,jn->in", g2t, v_teme)
        r_itrs, v_itrs = teme_to_itrs(r_teme, v_teme, gmst, gmst_rate)
        itrs_from_gcrs = np.einsum("nij,jkn->nik", rotate_z_matrices(gmst), g2t)
        sun_teme = self.sun.teme_km(grid)
        sun_itrs = rotate_z(sun_teme, gmst)
        sunlit = shadow_angles(r_teme, sun_teme).sunlit_fraction()
        lat, lon, alt = geodetic_from_itrs(r_itrs)
        attitude = None
        if self.attitude is not None:
            attitude = self.attitude.at(s, lvlh_to_gcrs(r_gcrs, v_gcrs))
        return InstantStates(
            s,
            r_teme,
            v_teme,
            r_gcrs,
            v_gcrs,
            r_itrs,
            v_itrs,
            np.mod(gmst, 2 * np.pi),
            itrs_from_gcrs,
            sun_teme,
            sun_itrs,
            sunlit,
            lat,
            lon,
            alt,
            attitude,
        )
