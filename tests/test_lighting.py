"""Day/night: analytic geometry, an independent edge computation, skyfield cross-checks."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from evasim.constants import EARTH_MEAN_RADIUS_KM, WGS84_A_KM, WGS84_B_KM
from evasim.sky.lighting import beta_angle_deg, find_edges, shadow_angles, visible_fraction
from evasim.sky.orbit import Orbit
from evasim.sky.sun import SunTable
from evasim.sky.timegrid import TimeGrid
from evasim.sky.tle import parse_omm_record


def _monte_carlo_fraction(sep, rs, re, n=400_000, seed=1):
    rng = np.random.default_rng(seed)
    radius = rs * np.sqrt(rng.random(n))
    angle = 2 * np.pi * rng.random(n)
    x, y = radius * np.cos(angle), radius * np.sin(angle)
    covered = (x - sep) ** 2 + y**2 <= re**2
    return 1.0 - covered.mean()


@pytest.mark.parametrize("sep", [0.0, 65.9, 66.1, 66.3, 66.5, 66.7, 67.0])
def test_visible_fraction_against_monte_carlo(sep):
    rs, re = 0.2666, 66.4  # degrees, as seen from the ISS
    got = visible_fraction(np.array([sep]), np.array([rs]), np.array([re]))[0]
    assert got == pytest.approx(_monte_carlo_fraction(sep, rs, re), abs=4e-3)


def test_visible_fraction_limits_and_monotonic():
    rs, re = 0.27, 66.4
    sep = np.linspace(re - 1, re + 1, 2001)
    f = visible_fraction(sep, np.full_like(sep, rs), np.full_like(sep, re))
    assert f[0] == 0.0 and f[-1] == 1.0
    assert np.all(np.diff(f) >= 0)
    half = sep[np.argmin(np.abs(f - 0.5))]
    assert abs(half - re) < 0.01  # centre on the limb ~ half the disc (curvature is tiny)


@pytest.mark.parametrize("depth", [1e-3, 1e-5, 1e-7, 1e-9])
def test_visible_fraction_next_to_both_contacts(depth):
    """A shallow lens of depth d between circles of radii r1, r2 has area
    (4 sqrt(2) / 3) sqrt(r1 r2 / (r1 + r2)) d^1.5 (1 + O(d/r)); by internal tangency the
    visible crescent of the small disc is the same with r1 r2 / (r2 - r1). The fraction must
    follow both limits to a millisecond of a boundary (d ~ 1e-8 rad), not round to 0 or 1."""
    a, b = 0.0046, 1.2135  # rad: the Sun and the Earth seen from the ISS
    lens = 4.0 * np.sqrt(2.0) / 3.0 * depth**1.5 / (np.pi * a**2)
    outer = visible_fraction(np.array([a + b - depth]), np.array([a]), np.array([b]))[0]
    assert 1.0 - outer == pytest.approx(lens * np.sqrt(a * b / (a + b)), rel=2 * depth / a + 1e-6)
    inner = visible_fraction(np.array([b - a + depth]), np.array([a]), np.array([b]))[0]
    assert inner == pytest.approx(lens * np.sqrt(a * b / (b - a)), rel=2 * depth / a + 1e-6)


def _independent_edges(replay, sky):
    """Edges from skyfield positions in ITRS and a ray/ellipsoid test: where the line from the
    station to the Sun's centre just grazes the WGS84 ellipsoid. 1 s sampling, linear
    interpolation of the grazing margin."""
    es = replay.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    t = replay.grid.skyfield(sky)
    r = sat.at(t).frame_xyz(itrs).km
    s = sky.earth.at(t).observe(sky.sun).frame_xyz(itrs).km
    u = (s - r) / np.linalg.norm(s - r, axis=0)
    w = np.array([1 / WGS84_A_KM**2, 1 / WGS84_A_KM**2, 1 / WGS84_B_KM**2])[:, None]
    # q(l) = sum w (r + l u)^2 is a parabola in l; its minimum over l >= 0 minus 1.
    qa = np.sum(w * u * u, axis=0)
    qb = 2 * np.sum(w * r * u, axis=0)
    qc = np.sum(w * r * r, axis=0)
    lam = np.clip(-qb / (2 * qa), 0, None)
    margin = qa * lam**2 + qb * lam + qc - 1.0
    sec = replay.grid.seconds
    i = np.flatnonzero(np.sign(margin[:-1]) != np.sign(margin[1:]))
    cross = sec[i] - margin[i] * (sec[i + 1] - sec[i]) / (margin[i + 1] - margin[i])
    kinds = np.where(margin[i] > 0, "sunset", "sunrise")
    return cross, kinds


def test_edges_agree_with_independent_ray_ellipsoid_computation(vkd49, sky):
    mine = vkd49.edges
    inside = (mine.seconds >= vkd49.grid.seconds[0]) & (mine.seconds <= vkd49.grid.seconds[-1])
    cross, kinds = _independent_edges(vkd49, sky)
    assert len(cross) == int(inside.sum()) >= 10
    assert list(kinds) == list(mine.kind[inside])
    diff = np.abs(cross - mine.seconds[inside])
    assert diff.max() < 1.0  # the issue asks 20 s; the two computations agree to < 1 s


def test_edges_bracket_skyfield_is_sunlit(vkd49, sky):
    """skyfield's is_sunlit (spherical Earth, no penumbra) flips within 20 s of our edges."""
    es = vkd49.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    t = vkd49.grid.skyfield(sky)
    lit = sat.at(t).is_sunlit(sky.ephemeris)
    flips = vkd49.grid.seconds[np.flatnonzero(lit[1:] != lit[:-1]) + 1]
    mine = vkd49.edges.seconds
    mine = mine[(mine >= flips.min() - 60) & (mine <= flips.max() + 60)]
    assert len(flips) == len(mine)
    assert np.abs(flips - mine).max() < 20.0


def test_sunlit_fraction_and_penumbra_boundaries(vkd49):
    e = vkd49.edges
    assert np.all(e.penumbra_outer_s != e.penumbra_inner_s)
    width = np.abs(e.penumbra_outer_s - e.penumbra_inner_s)
    # Penumbra crossing time: solar diameter (0.53 deg) over the limb's angular rate.
    assert np.all((width > 7.0) & (width < 14.0))
    f = vkd49.sunlit_fraction
    assert f.min() == 0.0 and f.max() == 1.0
    assert np.all((f >= 0) & (f <= 1))


def test_night_length_matches_cylindrical_shadow_formula(vkd49):
    """Analytic night fraction for a circular orbit in a cylindrical shadow."""
    e = vkd49.edges
    sets, rises = e.sunsets_s, e.sunrises_s
    nights = [r - s for s in sets for r in rises[rises > s][:1]]
    r_mean = np.mean(np.linalg.norm(vkd49.track.r_teme_km, axis=0))
    h = r_mean - EARTH_MEAN_RADIUS_KM  # a spherical Earth, as the formula assumes
    beta = np.radians(np.mean(vkd49.beta_deg))
    period = np.mean(vkd49.track.orbital_periods_min()) * 60.0
    frac = np.arccos(np.sqrt(h**2 + 2 * EARTH_MEAN_RADIUS_KM * h) / (r_mean * np.cos(beta))) / np.pi
    assert np.abs(np.array(nights) - frac * period).max() < 60.0


def test_beta_angle_against_skyfield(vkd49, sky):
    es = vkd49.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    idx = np.arange(0, len(vkd49.grid), 3001)
    t = vkd49.grid.with_seconds(vkd49.grid.seconds[idx]).skyfield(sky)
    p = sat.at(t)
    h = np.cross(p.position.km, p.velocity.km_per_s, axis=0)
    s = sky.earth.at(t).observe(sky.sun).position.km
    beta = np.degrees(
        np.arcsin(np.sum(h * s, axis=0) / np.linalg.norm(h, axis=0) / np.linalg.norm(s, axis=0))
    )
    assert np.abs(beta - vkd49.beta_deg[idx]).max() < 0.01


def test_sun_elevation_against_skyfield_topos(vkd49, sky):
    idx = np.arange(0, len(vkd49.grid), 2503)
    t = vkd49.grid.with_seconds(vkd49.grid.seconds[idx]).skyfield(sky)
    tr = vkd49.track
    for k, i in enumerate(idx):
        place = sky.earth + wgs84.latlon(
            tr.latitude_deg[i], tr.longitude_deg[i], elevation_m=tr.altitude_km[i] * 1e3
        )
        alt, _, _ = place.at(t[k]).observe(sky.sun).apparent().altaz()
        assert alt.degrees == pytest.approx(vkd49.sun_elevation_deg[i], abs=0.05)


def _iss_like_full_sun_year(sky):
    """An ISS-like orbit (51.64 deg, 15.49 rev/day, no drag) whose year 2021-03-03..2022-03-03
    holds several full-Sun seasons (|beta| up to 75 deg) and the grazing passes between."""
    es = parse_omm_record(
        {
            "OBJECT_NAME": "ISS-LIKE",
            "NORAD_CAT_ID": 99999,
            "EPOCH": "2021-03-03T00:00:00",
            "MEAN_MOTION": 15.49,
            "ECCENTRICITY": 0.0003,
            "INCLINATION": 51.64,
            "RA_OF_ASC_NODE": 0.0,
            "ARG_OF_PERICENTER": 90.0,
            "MEAN_ANOMALY": 0.0,
            "BSTAR": 0.0,
            "MEAN_MOTION_DOT": 0.0,
        }
    )
    grid = TimeGrid.span(datetime(2021, 3, 3, tzinfo=UTC), datetime(2022, 3, 3, tzinfo=UTC), 30.0)
    orbit, sun = Orbit(es, sky), SunTable.build(sky, grid)
    return orbit, sun, grid, find_edges(orbit, sun, grid)


@pytest.fixture(scope="module")
def full_sun_year(sky):
    return _iss_like_full_sun_year(sky)


def _fraction(orbit, sun, grid, seconds):
    g = grid.with_seconds(np.asarray(seconds, float))
    return shadow_angles(orbit.r_teme_km(g), sun.teme_km(g)).sunlit_fraction()


def test_year_of_edges_every_boundary_is_a_sign_change(full_sun_year):
    """A real year at high beta: 1 ms on the day side of every outer boundary the whole Sun is
    visible and 1 ms past it part is hidden; 1 ms inside every inner boundary none is visible
    and 1 ms outside some is. Grazing nights have no inner boundary (NaN), never a guess."""
    orbit, sun, grid, e = full_sun_year
    frac = partial(_fraction, orbit, sun, grid)
    ms = 1e-3
    into_shadow = np.where(e.kind == "sunset", 1.0, -1.0)
    assert len(e) > 10_000 and np.all(e.kind[1:] != e.kind[:-1])
    assert np.all(frac(e.penumbra_outer_s - into_shadow * ms) == 1.0)
    assert np.all(frac(e.penumbra_outer_s + into_shadow * ms) < 1.0)
    umbra = np.isfinite(e.penumbra_inner_s)
    inner, sign = e.penumbra_inner_s[umbra], into_shadow[umbra]
    assert np.all(frac(inner + sign * ms) == 0.0)
    assert np.all(frac(inner - sign * ms) > 0.0)
    # Order within a pass: outer, centre, inner on the way in, the reverse on the way out.
    assert np.all(into_shadow * (e.seconds - e.penumbra_outer_s) > 0)
    assert np.all(sign * (inner - e.seconds[umbra]) > 0)
    # Grazing nights exist in this year; in them the Sun is never wholly hidden.
    grazing = ~umbra
    assert 2 <= grazing.sum() < 200
    assert np.all(e.pass_min_fraction[grazing] > 0.0) and np.all(e.pass_min_fraction[umbra] == 0)
    assert np.all(frac(e.seconds[grazing]) > 0.0)
    # Penumbra-only passes: the disc's edge crosses the limb, its centre does not.
    assert len(e.partial_start_s) >= 2
    assert np.all(frac(e.partial_start_s - ms) == 1.0) and np.all(frac(e.partial_start_s + ms) < 1)
    assert np.all(frac(e.partial_end_s + ms) == 1.0) and np.all(frac(e.partial_end_s - ms) < 1)
    assert np.all((e.partial_min_fraction > 0.5) & (e.partial_min_fraction < 1.0))


def test_full_sun_seasons_have_no_edges(full_sun_year):
    """Gaps of days without a sunset, at |beta| above the angle where the Earth's disc can no
    longer reach the Sun (90 deg minus the Earth's angular radius, ~70 deg for the ISS)."""
    orbit, sun, grid, e = full_sun_year
    sets = e.sunsets_s
    gaps = np.flatnonzero(np.diff(sets) > 86400.0)
    assert len(gaps) >= 2
    mid = grid.with_seconds(0.5 * (sets[gaps] + sets[gaps + 1]))
    track = orbit.at(mid)
    beta = np.abs(beta_angle_deg(track.r_teme_km, track.v_teme_km_s, sun.teme_km(mid)))
    earth_deg = np.degrees(np.arcsin(WGS84_A_KM / np.linalg.norm(track.r_teme_km, axis=0)))
    assert np.all(beta > 90.0 - earth_deg)


def test_grazing_edges_match_a_dense_scan(full_sun_year):
    """Around each season's first partial eclipse, a 1 s scan of the sunlit fraction (no
    bracketing, no bisection) sees each boundary where the edge search put it."""
    orbit, sun, grid, e = full_sun_year
    outer_all = np.sort(np.concatenate([e.penumbra_outer_s, e.partial_start_s, e.partial_end_s]))
    inner_all = np.sort(e.penumbra_inner_s[np.isfinite(e.penumbra_inner_s)])
    seen = {"outer": 0, "inner": 0}
    for t in e.partial_start_s[:3]:
        s = np.arange(t - 6 * 3600.0, t + 6 * 3600.0, 1.0)
        f = _fraction(orbit, sun, grid, s)
        for name, crossings, mask in (("outer", outer_all, f < 1.0), ("inner", inner_all, f == 0)):
            flips = s[np.flatnonzero(mask[1:] != mask[:-1]) + 1]
            mine = crossings[(crossings > s[0]) & (crossings < s[-1])]
            assert len(flips) == len(mine)
            assert np.all((flips - mine >= 0.0) & (flips - mine <= 1.0))
            seen[name] += len(mine)
    assert seen["outer"] >= 10 and seen["inner"] >= 4


def test_edge_text_never_prints_a_nonsense_width(full_sun_year):
    _, _, grid, e = full_sun_year
    lines = e.events_between(grid.seconds[0], grid.seconds[-1])
    assert len(lines) == len(e) + 2 * len(e.partial_start_s)
    assert not any("nan" in detail for _, _, detail in lines)
    widths = [
        float(d.split("penumbra ")[1].split(" s")[0]) for _, _, d in lines if "penumbra " in d
    ]
    assert max(widths) < 200.0 and min(widths) > 7.0
    assert (
        sum("never wholly hidden" in d for _, _, d in lines) == np.isnan(e.penumbra_inner_s).sum()
    )


def test_edges_do_not_depend_on_the_sampling(full_sun_year):
    """Three days around a partial eclipse (grazing nights on either side) searched on a 10 s
    and on a 20 min grid: the same edges, the same missing umbrae, boundaries within 1 ms."""
    orbit, sun, grid, e = full_sun_year
    t = e.partial_start_s[0]
    start, end = grid.datetime_at(t - 1.5 * 86400.0), grid.datetime_at(t + 1.5 * 86400.0)
    fine, coarse = (
        find_edges(orbit, sun, TimeGrid.span(start, end, step)).on(grid) for step in (10.0, 1200.0)
    )
    assert len(fine) == len(coarse) > 40 and list(fine.kind) == list(coarse.kind)
    assert np.isnan(fine.penumbra_inner_s).sum() >= 1
    for name in ("seconds", "penumbra_outer_s", "penumbra_inner_s", "partial_start_s"):
        a, b = getattr(fine, name), getattr(coarse, name)
        assert np.array_equal(np.isnan(a), np.isnan(b)) and len(a) == len(b) >= 1
        assert np.nanmax(np.abs(a - b)) < 1e-3
