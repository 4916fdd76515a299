"""The adaptive sampling and the culling of the ray caster, checked against exhaustive
per-pixel rendering and against points sampled on the solids' surfaces."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.render import culling
from evasim.render.camera import Lens
from evasim.render.frame import HelmetCamera

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

DAY = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)
NIGHT = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
SCENES = {
    "hull-limb-day": ("limb", DAY),
    "hull-nadir-day": ("nadir", DAY),
    "limb-night": ("limb", NIGHT),
    "sideways-day": ("free:40,10", datetime(2021, 9, 3, 15, 35, tzinfo=UTC)),
    "fisheye-limb-day": ("limb", DAY),
    "fisheye-limb-night": ("limb", NIGHT),
    "action-worksite-day": ("worksite", datetime(2021, 9, 3, 15, 40, tzinfo=UTC)),
}


@pytest.mark.parametrize("scene", SCENES)
def test_adaptive_frame_matches_per_pixel_tracing(vkd49, scene):
    """Interpolated blocks must not change what a pixel shows (ids identical: the smooth-block
    tests are exact) and change its colour by at most a few levels: the 2 x 2 shading of
    Earth seen obliquely and interpolation within one texel are the only approximations."""
    look, when = SCENES[scene]
    lens = Lens(150.0, fisheye=True) if scene.startswith("fisheye") else Lens(120.0)
    if scene.startswith("action"):  # the as-flown lens, the partner, arms and the Sun's flare
        lens = Lens(121.0, projection="action")
    cam = HelmetCamera(vkd49, 1280, 720, lens, look=look, overlay=False)
    fast = cam.frame("EV1", when)
    exact = cam.frame("EV1", when, adaptive=False)
    assert (fast.ids == exact.ids).all()
    assert fast.exposure == pytest.approx(exact.exposure, rel=1e-6)
    diff = np.abs(fast.image.astype(int) - exact.image.astype(int)).max(axis=2)
    assert diff.mean() < 0.5
    assert (diff > 8).mean() < 0.005
    # where the station is seen, only shadow details smaller than a block may differ (the
    # light across a thin handrail's curve is traced: raycast.MAX_BLOCK_ARC_RAD; without that
    # test 0.12 % of the night scene's station pixels were over 8 levels off)
    station = exact.ids == 2
    if station.any():
        assert (diff[station] > 8).mean() < 0.001


def _surface_points(half, kind, n, rng):
    """Points on the surface of a solid, in its local frame (x = axis)."""
    if kind == 0:
        x = rng.uniform(-half[0], half[0], n)
        a = rng.uniform(0, 2 * np.pi, n)
        pts = np.column_stack([x, half[1] * np.cos(a), half[1] * np.sin(a)])
        r = half[1] * np.sqrt(rng.uniform(0, 1, n // 4))
        b = rng.uniform(0, 2 * np.pi, n // 4)
        caps = np.column_stack(
            [rng.choice([-half[0], half[0]], n // 4), r * np.cos(b), r * np.sin(b)]
        )
        return np.vstack([pts, caps])
    pts = rng.uniform(-1, 1, (n, 3)) * half
    axis = rng.integers(0, 3, n)
    pts[np.arange(n), axis] = np.sign(pts[np.arange(n), axis]) * half[axis]
    return pts


@pytest.mark.parametrize(
    ("look", "fisheye", "when"),
    [
        ("limb", False, DAY),
        ("nadir", False, DAY),
        ("worksite", False, DAY),
        ("limb", True, DAY),
        ("nadir", True, DAY),
        ("limb", True, NIGHT),
        ("limb", "action", DAY),
        ("worksite", "action", DAY),
    ],
)
def test_screen_hulls_contain_every_visible_point_of_each_solid(vkd49, look, fisheye, when):
    """Every point of every solid the camera sees projects inside the solid's screen rectangle
    and convex hull (which the ray caster uses to skip solids and to prove blocks clear):
    sampled on the cylinders' and boxes' surfaces, independently of the hull code; the radial
    lenses' polygons carry their own sampling margin, so points are tested with none added."""
    lens = Lens(180.0, fisheye=True) if fisheye else Lens(120.0)
    if fisheye == "action":
        lens = Lens(170.0, projection="action")
    cam = HelmetCamera(vkd49, 1280, 720, lens, look=look, overlay=False)
    pose, states = cam.pose("EV1", when)
    centres, rots, halves, kinds = cam._solids_itrs(states)[:4]
    focal = cam.lens.focal_px(1280)
    rects, _, hulls, n_hull = cam._screen_bounds(pose, centres, rots, halves, kinds, focal)
    pad = 0.0  # the ray caster tests a block's own square
    rng = np.random.default_rng(1)
    checked = 0
    for s in range(len(centres)):
        local = _surface_points(halves[s], kinds[s], 4000, rng)
        world = centres[s] + local @ rots[s].T
        c = (world - pose.position_itrs_km) @ pose.rotation_itrs
        if fisheye:
            rho = np.hypot(c[:, 0], c[:, 1])
            theta = np.arctan2(rho, c[:, 2])
            if fisheye == "action":  # r = f (theta + k theta^3), written out here
                theta = theta + 0.056 * theta**3
            scale = focal * theta / np.maximum(rho, 1e-30)
            x, y = c[:, 0] * scale + 640, c[:, 1] * scale + 360
        else:
            front = c[:, 2] > 1e-5
            z = np.where(front, c[:, 2], 1.0)
            x = np.where(front, focal * c[:, 0] / z + 640, np.nan)
            y = np.where(front, focal * c[:, 1] / z + 360, np.nan)
        on_screen = (x > -50) & (x < 1330) & (y > -50) & (y < 770)
        x, y = x[on_screen], y[on_screen]
        assert (x >= rects[s, 0]).all() and (x <= rects[s, 2]).all()
        assert (y >= rects[s, 1]).all() and (y <= rects[s, 3]).all()
        if n_hull[s].max() >= 3:  # (through a radial lens, a hull per slice of the solid)
            for px, py in zip(x, y, strict=True):
                sq = (px - pad, py - pad, px + pad, py + pad)
                assert not all(
                    culling.square_misses_bound(*sq, hulls[s, k], n_hull[s, k], bool(fisheye))
                    for k in range(n_hull.shape[1])
                )
            checked += len(x)
    assert checked > 1000


def test_hull_of_a_box_in_front_is_its_projected_outline():
    """A unit cube 5 m ahead: the hull is the square its near face projects to."""
    frames = np.zeros((1, 4, 3))
    frames[0, 0] = [0.0, 0.0, 5e-3]
    frames[0, 1:] = np.eye(3)
    halves = np.full((1, 3), 0.5e-3)
    rects = np.zeros((1, 4))
    hulls = np.zeros((1, 1, culling.MAX_POINTS + 1, 2))
    n_hull = np.zeros((1, 1), np.int64)
    culling.screen_bounds(frames, halves, np.array([1]), 100.0, 0.0, 0.0, rects, hulls, n_hull)
    assert n_hull[0, 0] == 4
    hull, nh = hulls[0, 0], n_hull[0, 0]
    edge = 100.0 * 0.5 / 4.5  # the near face at 4.5 m
    assert np.allclose(np.sort(np.abs(hull[:4]), axis=0), edge)
    assert np.allclose(rects[0], [-edge - 1, -edge - 1, edge + 1, edge + 1])
    # a point just outside the outline (beyond the 1 px margin) is outside, one inside is not
    assert culling.square_misses_hull(edge + 1.5, 0, edge + 1.5, 0, hull, nh)
    assert not culling.square_misses_hull(edge - 0.5, 0, edge - 0.5, 0, hull, nh)


def test_fisheye_slices_bound_a_long_box_tighter_than_one_hull():
    """A 20 m beam 3 m ahead seen through the 180 deg fisheye images as an arc: its slices'
    hulls leave free most of the sky that the arc's single convex hull would cover (the image
    centre just in front of the arc's chord, between the beam's ends), and still contain the
    beam's centre point."""
    frames = np.zeros((1, 4, 3))
    frames[0, 0] = [0.0, -3e-3, 3e-3]  # 3 m ahead, 3 m up: the arc bows toward the top
    frames[0, 1:] = np.eye(3)
    halves = np.array([[10e-3, 0.1e-3, 0.1e-3]])
    rects = np.zeros((1, 4))
    hulls = np.zeros((1, culling.FISHEYE_SLICES, culling.DOP_SIDES + 1, 2))
    n_hull = np.zeros((1, culling.FISHEYE_SLICES), np.int64)
    focal = 640 / (np.pi / 2)
    culling.fisheye_bounds(
        frames, halves, np.array([1]), focal, 640.0, 360.0, rects, hulls, n_hull, 1
    )
    assert (n_hull[0] >= 3).all()

    def inside(x, y):
        return not all(
            culling.square_misses_dop(x, y, x, y, hulls[0, k], n_hull[0, k])
            for k in range(culling.FISHEYE_SLICES)
        )

    def image(p):  # equidistant projection, written out here
        rho = np.hypot(p[0], p[1])
        r = focal * np.arctan2(rho, p[2])
        return 640 + p[0] / rho * r, 360 + p[1] / rho * r

    centre = image([0.0, -3.0, 3.0])
    ends = [image([x, -3.0, 3.0]) for x in (-10.0, 10.0)]
    chord_mid_y = (ends[0][1] + ends[1][1]) / 2
    assert inside(*centre)
    # halfway from the arc's top down to the chord between its ends: inside the single convex
    # hull of the arc, outside every slice's
    assert chord_mid_y - centre[1] > 100
    assert not inside(640.0, (centre[1] + chord_mid_y) / 2)


def test_texture_mip_levels_average_in_linear_light():
    """Each mip level is the 2 x 2 average of the one above in linear light (so a ray whose
    footprint covers many texels reads their mean colour): checked on level 1 against level 0
    directly, and on the coarsest level by the global mean colour."""
    from evasim.render.textures import EarthTexture

    tex = EarthTexture.load()
    texels, levels = tex.mips
    assert levels.shape[0] >= 8 and levels[0, 1:].tolist() == list(tex.rgba8.shape[:2])

    def level(k):
        first, h, w = levels[k]
        return texels[first * 4 : (first + h * w) * 4].reshape(h, w, 4)

    lin0 = tex.linear[level(0)[..., :3]]
    lin1 = tex.linear[level(1)[..., :3]]
    h, w = lin1.shape[:2]
    expected = 0.25 * (
        lin0[0 : 2 * h : 2, 0 : 2 * w : 2]
        + lin0[1 : 2 * h : 2, 0 : 2 * w : 2]
        + lin0[0 : 2 * h : 2, 1 : 2 * w : 2]
        + lin0[1 : 2 * h : 2, 1 : 2 * w : 2]
    )
    # uint8 storage: within the table step at that brightness
    step = np.gradient(tex.linear)[level(1)[..., :3]]
    assert (np.abs(lin1 - expected) <= step).mean() > 0.99
    coarse = tex.linear[level(levels.shape[0] - 1)[..., :3]]
    assert np.allclose(coarse.mean(axis=(0, 1)), lin0.mean(axis=(0, 1)), rtol=0.02)
    ocean = level(1)[..., 3] / 255.0
    assert abs(ocean.mean() - tex.ocean.mean()) < 0.01


@pytest.mark.parametrize("lens_code", [1, 2])
def test_radial_bounds_of_thin_solids_contain_them_and_stay_tight(lens_code):
    """Handrail-like solids (thin cylinders and bars, bounded as tubes round their axis) and
    thick ones (bounded by their sampled polytope edges) at random places around the camera,
    seen through the equidistant fisheye (360 deg) and the action lens: every sampled surface
    point imaging on the screen or near it falls inside the rectangle and some slice's polygon
    (squares grown by the ray caster's margin); a thin solid's rectangle is no wider than its
    points' extent plus its own image width and a few pixels (the tube's margin is not
    loose)."""
    rng = np.random.default_rng(7)
    n = 100
    frames = np.zeros((n, 4, 3))
    halves = np.zeros((n, 3))
    kinds = rng.integers(0, 2, n)
    for s in range(n):
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        frames[s, 1:] = q.T  # rows: the solid's local axes in the camera frame
        d = rng.normal(size=3)
        frames[s, 0] = d / np.linalg.norm(d) * rng.uniform(0.8e-3, 30e-3)
        length = rng.uniform(0.3e-3, 3e-3)
        thick = s % 5 == 0
        r = rng.uniform(0.2e-3, 1.0e-3) if thick else rng.uniform(0.01e-3, 0.03e-3)
        halves[s] = (length, r, r if kinds[s] == 0 else rng.uniform(0.5, 1.0) * r)
    focal = (
        640 / (np.pi / 2)
        if lens_code == 1
        else 640 / (np.radians(85) + 0.056 * np.radians(85) ** 3)
    )
    rects = np.zeros((n, 4))
    hulls = np.zeros((n, culling.FISHEYE_SLICES, culling.DOP_SIDES + 1, 2))
    n_hull = np.zeros((n, culling.FISHEYE_SLICES), np.int64)
    culling.fisheye_bounds(frames, halves, kinds, focal, 640.0, 360.0, rects, hulls, n_hull,
                           lens_code)  # fmt: skip
    pad = 0.0  # the polygons hold their sampling margin: no pad
    bounded = seen = 0
    for s in range(n):
        local = _surface_points(halves[s], kinds[s], 600, rng)
        c = frames[s, 0] + local @ frames[s, 1:]
        rho = np.hypot(c[:, 0], c[:, 1])
        theta = np.arctan2(rho, c[:, 2])
        r_img = theta if lens_code == 1 else theta + 0.056 * theta**3  # written out here
        x = 640 + c[:, 0] / rho * focal * r_img
        y = 360 + c[:, 1] / rho * focal * r_img
        # bounds hold for what images on the screen or near it (culling.SCREEN_REACH_PX)
        near = (x > -50) & (x < 1330) & (y > -50) & (y < 770)
        if not near.any():
            continue
        seen += 1
        x, y, theta = x[near], y[near], theta[near]
        assert (x >= rects[s, 0]).all() and (x <= rects[s, 2]).all()
        assert (y >= rects[s, 1]).all() and (y <= rects[s, 3]).all()
        if n_hull[s].max() < 3:
            continue
        bounded += 1
        for px, py in zip(x, y, strict=True):
            sq = (px - pad, py - pad, px + pad, py + pad)
            misses = [culling.square_misses_dop(*sq, hulls[s, k], n_hull[s, k]) for k in range(4)]
            assert not all(misses)
        if s % 5 and near.all() and theta.max() < np.radians(120):  # thin, not at the lens edge
            width_px = 2 * halves[s, 1:].max() * np.sqrt(2) / np.linalg.norm(frames[s, 0])
            slack = 2 * width_px * focal * 1.7 + 12
            assert rects[s, 2] - rects[s, 0] <= np.ptp(x) + slack
            assert rects[s, 3] - rects[s, 1] <= np.ptp(y) + slack
    assert seen > n // 3 and bounded > seen * 3 // 4


@pytest.mark.parametrize("lens_code", [1, 2])
def test_radial_bounds_leave_out_only_what_images_off_the_screen(lens_code):
    """The radial lenses' bounds skip a slice whose bounding sphere images wholly beyond the
    screen (culling._sphere_off_screen): for random spheres around the camera, whenever one is
    judged off the screen, none of its sampled points (written-out projection) images within
    SCREEN_REACH_PX of the screen; spheres just beyond the screen's edge are judged off (the
    test is not vacuous), and a solid all of whose slices are off gets an empty rectangle."""
    rng = np.random.default_rng(11)
    focal = 640 / (np.radians(60.5) + (0.056 * np.radians(60.5) ** 3 if lens_code == 2 else 0))
    reach = culling.SCREEN_REACH_PX
    off = 0
    for _ in range(3000):
        d = rng.normal(size=3)
        c = d / np.linalg.norm(d) * rng.uniform(2e-3, 40e-3)
        radius = rng.uniform(0.05e-3, 3e-3)
        if not culling._sphere_off_screen(c, radius, focal, lens_code, 640.0, 360.0):
            continue
        off += 1
        p = rng.normal(size=(400, 3))
        p = c + p / np.linalg.norm(p, axis=1)[:, None] * radius * rng.uniform(0, 1, (400, 1))
        rho = np.hypot(p[:, 0], p[:, 1])
        theta = np.arctan2(rho, p[:, 2])
        r_img = focal * (theta if lens_code == 1 else theta + 0.056 * theta**3)
        x, y = p[:, 0] / rho * r_img, p[:, 1] / rho * r_img
        assert not ((np.abs(x) <= 640 + reach) & (np.abs(y) <= 360 + reach)).any()
    assert off > 1000
    # a sphere 3 m off beyond the right edge is off; one reaching over the edge is not
    edge = np.radians(60.5)
    beyond = np.array([np.sin(edge + 0.3), 0.0, np.cos(edge + 0.3)]) * 10e-3
    assert culling._sphere_off_screen(beyond, 0.5e-3, focal, lens_code, 640.0, 360.0)
    assert not culling._sphere_off_screen(beyond, 4e-3, focal, lens_code, 640.0, 360.0)
    frames = np.zeros((1, 4, 3))
    frames[0, 0], frames[0, 1:] = beyond, np.eye(3)
    rects, n_hull = np.zeros((1, 4)), np.zeros((1, culling.FISHEYE_SLICES), np.int64)
    hulls = np.zeros((1, culling.FISHEYE_SLICES, culling.DOP_SIDES + 1, 2))
    culling.fisheye_bounds(frames, np.full((1, 3), 0.2e-3), np.array([1]), focal, 640.0, 360.0,
                           rects, hulls, n_hull, lens_code)  # fmt: skip
    assert rects[0, 0] > rects[0, 2] and rects[0, 1] > rects[0, 3]
    assert culling.square_misses_dop(-1e6, -1e6, 1e6, 1e6, hulls[0, 0], n_hull[0, 0])
