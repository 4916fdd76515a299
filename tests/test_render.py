"""The helmet camera, checked on rendered arrays against geometry and the ephemeris."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from skyfield.api import EarthSatellite
from skyfield.framelib import itrs

from evasim.constants import EARTH_MEAN_RADIUS_KM
from evasim.render import raycast, shading
from evasim.render.camera import Lens
from evasim.render.frame import HelmetCamera

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

A, B = shading.A_KM, shading.B_KM
DAY = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)  # sunrise 15:00:05, sunset 15:58:31
NIGHT = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)


def _grazing_theta(cam, fwd, side, lo=0.5, hi=1.6):
    """Off-axis angle where a ray in the plane (fwd, side) grazes the WGS84 ellipsoid."""

    def hits(theta):
        d = np.cos(theta) * fwd + np.sin(theta) * side
        k = A / B
        o = cam * [1, 1, k]
        e = d * [1, 1, k]
        b = o @ e
        return b * b - (e @ e) * (o @ o - A * A) >= 0 and b < 0

    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if hits(mid) else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.fixture(scope="module")
def nadir_fisheye(vkd49):
    return HelmetCamera(
        vkd49, 1280, 720, Lens(180.0, fisheye=True), look="nadir", overlay=False, station=False
    )


def test_limb_circle_within_one_pixel(nadir_fisheye):
    """Nadir fisheye: the limb lies acos(R/(R+h)) ~ 20 deg above the horizontal."""
    frame = nadir_fisheye.frame("EV1", DAY)
    pose = frame.pose
    cam = pose.position_itrs_km
    rot = pose.rotation_itrs
    focal = nadir_fisheye.lens.focal_px(1280)
    radius = EARTH_MEAN_RADIUS_KM
    dip = np.degrees(np.arccos(radius / np.linalg.norm(cam)))
    assert 19.5 < dip < 21.0
    # expected limb radius (px) by azimuth in the image, from a grazing-ray bisection
    phis = np.radians(np.arange(0.0, 360.0, 2.0))
    limb_px = []
    for phi in phis:
        side = np.cos(phi) * rot[:, 0] + np.sin(phi) * rot[:, 1]
        limb_px.append(focal * _grazing_theta(cam, rot[:, 2], side))
    limb_px = np.array(limb_px)
    yy, xx = np.mgrid[0:720, 0:1280]
    u, v = xx + 0.5 - 640, yy + 0.5 - 360
    r = np.hypot(u, v)
    az = np.arctan2(v, u) % (2 * np.pi)
    expected = np.interp(az, phis, limb_px, period=2 * np.pi)
    earth = frame.ids == raycast.ID_EARTH
    near = np.abs(r - expected) < 4
    assert near.sum() > 1000  # the limb crosses the frame
    # every pixel more than 1 px inside the limb is Earth, every one more than 1 px outside
    # is not: the rendered limb lies within 1 pixel of the geometric one
    assert earth[near & (r < expected - 1.0)].all()
    assert not earth[near & (r > expected + 1.0)].any()


def test_sub_satellite_point_has_its_texture_colour(vkd49):
    cam = HelmetCamera(
        vkd49, 1281, 721, Lens(60.0), look="nadir", overlay=False, atmosphere=False, station=False
    )
    frame = cam.frame("EV1", DAY)
    st = cam.states_at(DAY)
    lat, lon = float(st.latitude_deg[0]), float(st.longitude_deg[0])
    assert frame.ids[360, 640] == raycast.ID_EARTH
    # reflected radiance = albedo * mu_sun / pi  ->  albedo at the centre pixel
    from evasim.sky.orbit import geodetic_up_itrs

    up = geodetic_up_itrs(np.array([lat]), np.array([lon]))[:, 0]
    s = st.sun_itrs_km[:, 0]
    mu = up @ (s / np.linalg.norm(s))
    albedo = frame.radiance[360, 640] * np.pi / mu
    neighbourhood = [
        cam.texture.colour_at(lat + dy, lon + dx)
        for dy in (-0.07, 0, 0.07)
        for dx in (-0.07, 0, 0.07)
    ]
    lo, hi = np.min(neighbourhood, axis=0), np.max(neighbourhood, axis=0)
    assert np.all(albedo >= lo - 0.01) and np.all(albedo <= hi + 0.01)


def test_day_bright_night_dark(nadir_fisheye, vkd49):
    day = HelmetCamera(
        vkd49, 640, 360, Lens(90.0), look="nadir", overlay=False, station=False
    ).frame("EV1", DAY)
    night = HelmetCamera(
        vkd49, 640, 360, Lens(90.0), look="nadir", overlay=False, station=False
    ).frame("EV1", NIGHT)
    assert (
        vkd49.sunlit_fraction[np.searchsorted(vkd49.grid.seconds, vkd49.grid.seconds_of(NIGHT))]
        == 0
    )
    assert day.image.mean() > 60
    assert night.image.mean() < 15
    assert np.all(day.ids == raycast.ID_EARTH) and np.all(night.ids == raycast.ID_EARTH)


@pytest.mark.parametrize(
    ("offset_s", "projection", "off_deg"),
    [
        (0.0, "rectilinear", 10),
        (1 / 3, "rectilinear", 10),
        (0.0, "equidistant", 40),
        (1 / 3, "action", 40),
    ],
)
def test_sun_where_the_ephemeris_puts_it(vkd49, sky, offset_s, projection, off_deg):
    """Aim the camera (a ``free:YAW,PITCH`` look) ``off_deg`` beside the Sun as skyfield sees
    it from the station at that instant (also between grid samples), render through
    ``HelmetCamera.frame`` (its own states, Sun and pose) and find the disc where skyfield's
    direction projects through the lens (each lens's formula written out here), within 1
    pixel."""
    when = datetime(2021, 9, 3, 15, 40, tzinfo=UTC) + timedelta(seconds=offset_s)
    es = vkd49.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    t = sky.utc_seconds(vkd49.grid.t0_utc, vkd49.grid.seconds_of(when))
    sun_dir = (sky.earth + sat).at(t).observe(sky.sun).frame_xyz(itrs).au
    sun_dir /= np.linalg.norm(sun_dir)
    # yaw/pitch of that direction in the look presets' local frame (skyfield's station state)
    r = sat.at(t).frame_xyz(itrs).km
    zenith = r / np.linalg.norm(r)
    v = sat.at(t).frame_xyz_and_velocity(itrs)[1].km_per_s
    v = v + np.cross([0.0, 0.0, 7.292115e-5], r)  # back to the inertial velocity's direction
    fwd = v - (v @ zenith) * zenith
    fwd /= np.linalg.norm(fwd)
    left = np.cross(zenith, fwd)
    pitch = -np.degrees(np.arcsin(sun_dir @ zenith))
    yaw = np.degrees(np.arctan2(-(sun_dir @ left), sun_dir @ fwd))
    cam = HelmetCamera(
        vkd49,
        1280,
        720,
        Lens(90.0 if projection == "rectilinear" else 120.0, projection=projection),
        look=f"free:{yaw + off_deg:.9f},{pitch:.9f}",
        overlay=False,
        station=False,
        flare=False,
    )
    frame = cam.frame("EV1", when)
    ys, xs = np.nonzero(frame.ids == raycast.ID_SUN)
    assert xs.size > 0
    c = frame.pose.rotation_itrs.T @ sun_dir
    theta = np.arccos(c[2])
    assert 0.3 * off_deg < np.degrees(theta) < off_deg + 0.5  # yaw in a tilted plane
    half = np.radians(cam.lens.fov_deg / 2)
    radial = {
        "rectilinear": np.tan,
        "equidistant": lambda t: t,
        "action": lambda t: t + 0.056 * t**3,
    }[projection]
    r_px = 640 * radial(theta) / radial(half)  # the half field of view at the side edge
    rho = np.hypot(c[0], c[1])
    expected = (640 + r_px * c[0] / rho, 360 + r_px * c[1] / rho)
    assert abs(xs.mean() + 0.5 - expected[0]) < 1.0 and abs(ys.mean() + 0.5 - expected[1]) < 1.0


def test_stars_only_against_dark_sky(vkd49):
    cam = HelmetCamera(
        vkd49, 960, 540, Lens(120.0), look="free:0,-40", overlay=False, station=False
    )
    day = cam.frame("EV1", DAY)
    night = cam.frame("EV1", NIGHT)
    assert day.stars_drawn == 0
    assert night.stars_drawn > 3
    assert night.exposure > 100 * day.exposure
    bright = night.radiance.max(axis=2) * night.exposure > 0.05
    assert np.all(night.ids[bright & (night.ids != raycast.ID_SUN)] != raycast.ID_EARTH)


def test_render_cli_frame(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "evasim",
            "render",
            "vkd-49",
            "--crew",
            "dubrov",
            "--at",
            "2021-09-03T15:30:00Z",
            "-o",
            str(tmp_path / "f.png"),
            "--width",
            "320",
            "--height",
            "180",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    img = np.asarray(Image.open(tmp_path / "f.png"))
    assert img.shape == (180, 320, 3) and img.std() > 10
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "evasim",
            "render",
            "vkd-49",
            "--crew",
            "nobody",
            "--at",
            "2021-09-03T15:30:00Z",
            "-o",
            str(tmp_path / "g.png"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: --crew 'nobody'")
    assert not (tmp_path / "g.png").exists()


def test_shadow_grid_finds_the_same_blockers_as_testing_every_solid():
    """The per-frame grid across the Sun's direction (:mod:`evasim.render.shadowgrid`) must
    give every point the same shadow as testing the Sun's ray against every solid: random
    boxes, cylinders and handrail-like bars, random Sun directions, points on the solids."""
    from evasim.render import shadowgrid
    from evasim.render.solids import blocks_sun as _blocks_sun
    from evasim.render.solids import in_shadow

    rng = np.random.default_rng(3)
    n = 300
    base = np.array([4000.0, 3000.0, 3500.0])  # ITRS-like magnitudes (km)
    centres = base + rng.uniform(-0.05, 0.05, (n, 3))
    rots = np.array([np.linalg.qr(rng.normal(size=(3, 3)))[0] for _ in range(n)])
    halves = rng.uniform(0.0005, 0.006, (n, 3))
    halves[::3, 1:] = 0.00002  # handrail-like bars
    kinds = rng.integers(0, 2, n)
    halves[kinds == 0, 2] = halves[kinds == 0, 1]
    radii = np.linalg.norm(halves, axis=1) * 1.0001
    owners = rng.integers(0, n, 1500)
    local = rng.uniform(-1, 1, (len(owners), 3)) * halves[owners]
    points = centres[owners] + np.einsum("nij,nj->ni", rots[owners], local)
    shadowed = 0
    for _ in range(3):
        sun = rng.normal(size=3)
        sun /= np.linalg.norm(sun)
        grid = shadowgrid.build(centres, radii, sun)
        assert grid[2].size < n * 200  # the handrails sit in a few cells each
        for h, bp in zip(points, owners, strict=True):
            fast = in_shadow(*h, bp, sun, centres, rots, halves, kinds, radii, grid)
            # every solid (but the point's own) whose bounding sphere the Sun's ray meets,
            # then exactly: written out here, independently of the grid
            v = centres - h
            tca = v @ sun
            near = (np.sum(v * v, axis=1) - tca**2 <= radii**2) & (tca > -radii)
            near[bp] = False
            slow = any(
                _blocks_sun(*h, q, sun, centres, rots, halves, kinds, radii)
                for q in np.flatnonzero(near)
            )
            assert fast == slow
            shadowed += slow
    assert 0 < shadowed < 3 * len(points)
