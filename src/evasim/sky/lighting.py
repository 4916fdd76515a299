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
``+/- sun_radius``. They are found on a sampled grid, each bracketed by a verified sign
change (see :func:`find_edges`), then refined by vectorised bisection to 1 ms. At high beta a
pass may graze: the Sun's centre sets but its disc is never wholly hidden (no umbra boundary),
or the Earth covers part of the disc without its centre setting (a partial eclipse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..constants import SUN_RADIUS_KM, WGS84_A_KM, WGS84_B_KM
from .orbit import Orbit, geodetic_up_itrs, rotate_z
from .sun import SunTable
from .timegrid import TimeGrid

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


def _segment_shape(theta: np.ndarray) -> np.ndarray:
    """theta - sin(theta) cos(theta): a circular segment's area over r^2 for half-angle theta.

    A series below 0.01 rad, where the direct form would cancel (it is ~ 2/3 theta^3)."""
    phi = 2.0 * theta
    series = phi**3 / 12.0 - phi**5 / 240.0 + phi**7 / 10080.0
    direct = theta - np.sin(theta) * np.cos(theta)
    return np.where(theta < 0.01, series, direct)


def visible_fraction(separation: np.ndarray, sun_r: np.ndarray, earth_r: np.ndarray) -> np.ndarray:
    """Fraction of a disc of radius ``sun_r`` not covered by a disc of radius ``earth_r``
    whose centre is ``separation`` away (small-angle, flat-sky geometry; all in rad).

    The overlap is the sum of two circular segments, each computed without cancellation, so
    the fraction stays exact to ~1e-16 next to both contacts (a millisecond from a penumbra
    boundary the uncovered deficit is ~1e-8)."""
    c = np.asarray(separation, float)
    a = np.broadcast_to(sun_r, c.shape).astype(float)
    b = np.broadcast_to(earth_r, c.shape).astype(float)
    out = np.ones_like(c)
    out[c <= b - a] = 0.0
    partial = (c > np.abs(b - a)) & (c < a + b)
    cp, ap, bp = c[partial], a[partial], b[partial]
    # x: distance from the Sun's centre to the chord through both intersections, along the
    # line of centres (negative once the chord is past the Sun's centre); y: half the chord.
    x = ((cp - bp) * (cp + bp) + ap**2) / (2.0 * cp)
    y = np.sqrt(np.clip((ap - x) * (ap + x), 0.0, None))
    covered = ap**2 * _segment_shape(np.arctan2(y, x)) + bp**2 * _segment_shape(
        np.arctan2(y, cp - x)
    )
    out[partial] = np.clip(1.0 - covered / (np.pi * ap**2), 0.0, 1.0)
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
    """Crossings of the Sun's centre over the Earth's limb, with penumbra boundaries, and the
    partial eclipses in which the Sun's centre never sets.

    All times are seconds of the grid they were found on. ``kind`` is "sunset" or "sunrise".
    ``penumbra_outer_s`` is where the first/last sliver of Sun is hidden (the fraction-1
    boundary on the day side), ``penumbra_inner_s`` the umbra boundary (fraction 0); it is NaN
    when the Sun's disc is never wholly hidden in that pass (a grazing night at high beta).
    ``pass_min_fraction`` is the smallest visible fraction of the Sun in the edge's pass (0 for
    an ordinary night). ``partial_start_s``/``partial_end_s``/``partial_min_fraction``
    describe passes in which the Earth covers part of the Sun but never its centre (no sunset:
    penumbra only), found at the same 1 ms.
    """

    grid: TimeGrid
    seconds: np.ndarray
    kind: np.ndarray
    penumbra_outer_s: np.ndarray
    penumbra_inner_s: np.ndarray
    pass_min_fraction: np.ndarray
    partial_start_s: np.ndarray
    partial_end_s: np.ndarray
    partial_min_fraction: np.ndarray

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
            self.pass_min_fraction,
            self.partial_start_s + shift,
            self.partial_end_s + shift,
            self.partial_min_fraction,
        )

    @property
    def sunsets_s(self) -> np.ndarray:
        return self.seconds[self.kind == "sunset"]

    @property
    def sunrises_s(self) -> np.ndarray:
        return self.seconds[self.kind == "sunrise"]

    @property
    def penumbra_width_s(self) -> np.ndarray:
        """Time (s) between the outer and inner penumbra boundaries; NaN without an umbra."""
        return np.abs(self.penumbra_outer_s - self.penumbra_inner_s)

    def describe(self, i: int) -> str:
        """One line about edge ``i`` for events.csv and the report."""
        if np.isfinite(self.penumbra_inner_s[i]):
            return f"Sun centre on the limb; penumbra {self.penumbra_width_s[i]:.1f} s"
        if not np.isfinite(self.pass_min_fraction[i]):
            return "Sun centre on the limb; umbra boundary outside the searched span"
        return (
            "Sun centre on the limb; grazing night, the Sun is never wholly hidden "
            f"(at least {100.0 * self.pass_min_fraction[i]:.0f} % of its disc stays visible)"
        )

    def events_between(self, start_s: float, end_s: float) -> list[tuple[float, str, str]]:
        """``(seconds, kind, detail)`` of the edges and partial eclipses in [start_s, end_s]:
        kinds "sunset", "sunrise", "partial_eclipse_start", "partial_eclipse_end"."""
        out = [
            (float(s), str(k), self.describe(i))
            for i, (s, k) in enumerate(zip(self.seconds, self.kind, strict=True))
            if start_s <= s <= end_s
        ]
        for t0, t1, f in zip(
            self.partial_start_s, self.partial_end_s, self.partial_min_fraction, strict=True
        ):
            detail = (
                f"Earth covers part of the Sun, never its centre (no sunset); at least "
                f"{100.0 * f:.0f} % of the disc visible"
            )
            if start_s <= t0 <= end_s:
                out.append((float(t0), "partial_eclipse_start", detail))
            if start_s <= t1 <= end_s:
                out.append((float(t1), "partial_eclipse_end", detail))
        return sorted(out)


def _bisect(
    func: Callable[[np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    tol_s: float,
) -> np.ndarray:
    """Vectorised bisection of ``func`` to ``tol_s``. Every bracket must hold a sign change
    (checked: a bracket without one is a bug in the caller, not a root)."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    if lo.size == 0:
        return lo
    f_lo, f_hi = func(lo), func(hi)
    if np.any(np.signbit(f_lo) == np.signbit(f_hi)):
        raise RuntimeError("lighting edge bracket without a sign change (a bug in find_edges)")
    width = float(np.max(hi - lo))
    iterations = int(np.ceil(np.log2(max(width, tol_s) / tol_s)))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        f_mid = func(mid)
        same = np.signbit(f_mid) == np.signbit(f_lo)
        lo = np.where(same, mid, lo)
        f_lo = np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def _golden_min(
    func: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, tol_s: float
) -> np.ndarray:
    """Vectorised golden-section search for the minimum of a unimodal ``func`` in [lo, hi]."""
    inv_phi = (np.sqrt(5.0) - 1.0) / 2.0
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    if lo.size == 0:
        return lo
    c = hi - inv_phi * (hi - lo)
    d = lo + inv_phi * (hi - lo)
    fc, fd = func(c), func(d)
    width = float(np.max(hi - lo))
    iterations = int(np.ceil(np.log(max(width, tol_s) / tol_s) / -np.log(inv_phi)))
    for _ in range(iterations):
        left = fc < fd  # minimum in [lo, d]
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new = np.where(left, hi - inv_phi * (hi - lo), lo + inv_phi * (hi - lo))
        f_new = func(new)
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, f_new, fd),
            np.where(left, fc, f_new),
        )
    return 0.5 * (lo + hi)


_LEVELS = {"outer": 1.0, "centre": 0.0, "inner": -1.0}
_SEARCH_PAD_S = 600.0
"""Sampling beyond the grid's ends, so that an edge inside the grid keeps its penumbra
boundaries when they fall just outside it (a pass's boundaries lie within ~3 min of its
deepest point)."""


def find_edges(
    orbit: Orbit,
    sun: SunTable,
    grid: TimeGrid,
    atmosphere_km: float = 0.0,
    tol_s: float = 1e-3,
) -> LightingEdges:
    """Sunrises, sunsets and their penumbra boundaries between the first and last instants of
    ``grid``, to ``tol_s``; and the partial (penumbra-only) passes.

    ``grid`` is the sampling (10-30 s is usual; tested from 10 s to 20 min). The limb
    margin has one minimum per orbit (the middle of the night); sampled minima that could hide
    a crossing between two samples (a grazing night at high beta) are located to ``tol_s``
    by golden-section search and added to the samples. Between successive points the margin
    is then monotone, so each boundary (outer: the Sun's disc touches the limb from outside,
    centre, inner: the disc wholly hidden) is bracketed by a verified sign change of
    ``margin - k * sun_radius`` (k = 1, 0, -1) and bisected; a boundary that the pass never
    reaches (no umbra in a grazing night) is NaN rather than a guess.
    """

    def angles_at(seconds: np.ndarray) -> ShadowAngles:
        g = grid.with_seconds(seconds)
        return shadow_angles(orbit.r_teme_km(g), sun.teme_km(g), atmosphere_km)

    def margin(seconds: np.ndarray) -> np.ndarray:
        return angles_at(seconds).limb_margin_rad

    def above_level(seconds: np.ndarray, k: float) -> np.ndarray:
        """Margin over the level k * sun radius (rad): > 0 outside that boundary."""
        q = angles_at(seconds)
        return q.limb_margin_rad - k * q.sun_radius_rad

    s0, s1 = float(grid.seconds[0]), float(grid.seconds[-1])
    step = float(np.max(np.diff(grid.seconds))) if len(grid) > 1 else 10.0
    n_pad = int(np.ceil(_SEARCH_PAD_S / step))
    s = np.concatenate(
        [s0 - step * np.arange(n_pad, 0, -1), grid.seconds, s1 + step * np.arange(1, n_pad + 1)]
    )
    a = angles_at(s)
    m, rs = a.limb_margin_rad, a.sun_radius_rad

    # Sampled minima of the margin (one per orbit; spurious ones in flat full-Sun stretches
    # are far above every level and harmless). Those whose neighbourhood could dip below a
    # level it does not reach in the samples are located precisely.
    dm = np.diff(m)
    imin = np.flatnonzero((dm[:-1] < 0.0) & (dm[1:] >= 0.0)) + 1
    slack = np.maximum(np.abs(dm[imin - 1]), np.abs(dm[imin]))
    shallow = imin[(m[imin] >= -rs[imin]) & (m[imin] - slack < rs[imin])]
    t_refined = _golden_min(margin, s[shallow - 1], s[shallow + 1], tol_s)
    a_refined = angles_at(t_refined)
    s_all = np.concatenate([s, t_refined])
    order = np.argsort(s_all, kind="stable")
    s_all = s_all[order]
    m_all = np.concatenate([m, a_refined.limb_margin_rad])[order]
    rs_all = np.concatenate([rs, a_refined.sun_radius_rad])[order]

    # Pass = the stretch around one minimum; falling crossings belong to the next minimum,
    # rising ones to the previous.
    t_min = s[imin].astype(float)
    t_min[np.searchsorted(imin, shallow)] = t_refined
    min_fraction = np.where(m[imin] < -rs[imin], 0.0, 1.0)
    min_fraction[np.searchsorted(imin, shallow)] = a_refined.sunlit_fraction()

    found: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, k in _LEVELS.items():
        g = m_all - k * rs_all
        j = np.flatnonzero(np.signbit(g[:-1]) != np.signbit(g[1:]))
        t = _bisect(lambda x, k=k: above_level(x, k), s_all[j], s_all[j + 1], tol_s)
        falling = g[j] > 0.0
        pass_id = np.where(falling, np.searchsorted(t_min, t), np.searchsorted(t_min, t) - 1)
        found[name] = (t, falling, pass_id)

    def lookup(name: str, pass_id: np.ndarray, falling: np.ndarray) -> np.ndarray:
        """The ``name`` boundary of the same pass and direction; NaN where there is none."""
        t, f, p = found[name]
        keys = 2 * p + f
        order = np.argsort(keys)
        want = 2 * pass_id + falling
        k = np.clip(np.searchsorted(keys[order], want), 0, max(len(keys) - 1, 0))
        hit = (keys[order][k] == want) if len(keys) else np.zeros(len(want), bool)
        return np.where(hit, t[order][k] if len(keys) else np.nan, np.nan)

    centre, falling, pass_id = found["centre"]
    keep = (centre >= s0) & (centre <= s1)
    centre, falling, pass_id = centre[keep], falling[keep], pass_id[keep]
    outer = lookup("outer", pass_id, falling)
    inner = lookup("inner", pass_id, falling)
    known = (pass_id >= 0) & (pass_id < len(t_min))
    pass_min = np.full(len(centre), np.nan)
    pass_min[known] = min_fraction[pass_id[known]]
    pass_min[np.isfinite(inner)] = 0.0

    # Penumbra-only passes: the disc's edge crosses the limb, its centre never does.
    p_out = found["outer"][2]
    ids = np.setdiff1d(p_out[(p_out >= 0) & (p_out < len(t_min))], found["centre"][2])
    start = lookup("outer", ids, np.ones(len(ids), bool))
    end = lookup("outer", ids, np.zeros(len(ids), bool))
    inside = (np.nan_to_num(end, nan=np.inf) >= s0) & (np.nan_to_num(start, nan=-np.inf) <= s1)
    return LightingEdges(
        grid,
        centre,
        np.where(falling, "sunset", "sunrise"),
        outer,
        inner,
        pass_min,
        start[inside],
        end[inside],
        min_fraction[ids][inside],
    )
