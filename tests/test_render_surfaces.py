"""Station surfaces in the helmet camera: materials per solid, handrails and booms as thin
solids present from their installation time, and the adaptive sampling on them.

Checked against independent geometry (a ray/cylinder intersection written here, the handrail
positions of :mod:`evasim.station.handrails`), the material table's colours, and per-pixel
tracing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.render import raycast
from evasim.render.camera import Lens, project_px
from evasim.render.frame import HelmetCamera
from evasim.render.materials import material_id, material_table, materials, surface_albedo
from evasim.station.handrails import handrails_at

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

RAIL = "nauka-hr-vkd49"  # installed on VKD-49 at 21:36 UTC (handrails.csv)
BEFORE = datetime(2021, 9, 3, 21, 0, tzinfo=UTC)
AFTER = datetime(2021, 9, 3, 22, 0, tzinfo=UTC)
CLOSE = datetime(2021, 9, 3, 21, 40, tzinfo=UTC)  # at Nauka/Zvezda, rails a few m away


class AimedCamera(HelmetCamera):
    """A camera at a body-frame point (m), aimed at another (the crew's own positions move
    with the worksite model; this view of the rail does not)."""

    eye_body_m: np.ndarray
    target_body_m: np.ndarray

    def pose(self, role, when, states=None):
        pose, st = super().pose(role, when, states)
        eye = self.body_to_itrs_km(st, self.eye_body_m)
        pose = dataclasses.replace(pose, position_itrs_km=eye)
        target = self.body_to_itrs_km(st, self.target_body_m)
        fwd = target - pose.position_itrs_km
        fwd /= np.linalg.norm(fwd)
        down = pose.rotation_itrs[:, 1] - (pose.rotation_itrs[:, 1] @ fwd) * fwd
        down /= np.linalg.norm(down)
        rot = np.column_stack([np.cross(down, fwd), down, fwd])
        return dataclasses.replace(pose, rotation_itrs=rot), st


def _cylinder_t(o, d, a, b, radius):
    """Nearest positive hit (km) of the ray o + t d on the closed cylinder a-b (side and end
    discs), None on a miss: written independently of the renderer."""
    length = np.linalg.norm(b - a)
    axis = (b - a) / length
    w = o - a
    hits = []
    dp, wp = d - (d @ axis) * axis, w - (w @ axis) * axis
    qa, qb, qc = dp @ dp, 2 * (wp @ dp), wp @ wp - radius**2
    disc = qb * qb - 4 * qa * qc
    if disc >= 0 and qa > 0:
        for t in ((-qb - np.sqrt(disc)) / (2 * qa), (-qb + np.sqrt(disc)) / (2 * qa)):
            if t > 0 and 0 <= (o + t * d - a) @ axis <= length:
                hits.append(t)
    for end in (a, b):
        if abs(d @ axis) > 1e-12:
            t = ((end - o) @ axis) / (d @ axis)
            if t > 0 and np.linalg.norm(o + t * d - end) <= radius:
                hits.append(t)
    return min(hits) if hits else None


@pytest.fixture(scope="module")
def aimed(vkd49):
    cam = AimedCamera(vkd49, 321, 181, Lens(30.0), look="worksite", overlay=False, people=False)
    rail = next(f for f in cam.fittings if f.name == RAIL)
    cam.target_body_m = rail.solid.centre_m
    nauka = cam.placements["Nauka"]
    off_axis = rail.solid.centre_m - nauka.centre_m
    off_axis -= (off_axis @ nauka.axis) * nauka.axis
    cam.eye_body_m = rail.solid.centre_m + 2.0 * off_axis / np.linalg.norm(off_axis)
    return cam, rail


def test_the_new_handrail_appears_after_its_installation(aimed):
    cam, rail = aimed
    assert rail.present_from_utc == datetime(2021, 9, 3, 21, 36, tzinfo=UTC)
    assert RAIL not in cam.station_set(BEFORE).names
    assert RAIL in cam.station_set(AFTER).names
    # the other rails (on the station before the replay) are there at both times
    assert len(cam.station_set(AFTER).names) == len(cam.station_set(BEFORE).names) + 1
    assert sum(n.startswith("nauka-") for n in cam.station_set(BEFORE).names) > 10
    assert cam.station_set(AFTER) is cam.station_set(AFTER)  # one set per combination, kept


def test_a_ray_at_the_handrail_hits_it_only_after_installation(aimed, vkd49):
    """The handrail's midpoint from handrails_at (station data) projected into a camera 2 m
    off Nauka's hull above it: the pixel there is the station, yellow (the RS handrail
    material), and an independent ray/cylinder intersection finds the rail on that ray ~2 m
    away; at 21:00 the same ray sees something else (Nauka's hull behind)."""
    cam, rail = aimed
    spec = next(h for h in handrails_at(AFTER, list(cam.placements.values())) if h.id == RAIL)
    np.testing.assert_allclose(rail.solid.centre_m, (spec.start_body_m + spec.end_body_m) / 2)
    focal = cam.lens.focal_px(cam.width)
    yellow = materials()[material_id("handrail_rs")].albedo_rgb
    seen = {}
    for when in (BEFORE, AFTER):
        frame = cam.frame("EV2", when)
        pose, st = cam.pose("EV2", when)
        mid = cam.body_to_itrs_km(st, rail.solid.centre_m)
        x, y = project_px(pose, mid, cam.width, cam.height, focal)
        px, py = round(x), round(y)
        assert (px, py) == (cam.width // 2, cam.height // 2)  # aimed at it
        seen[when] = frame.radiance[py, px].copy(), frame.ids[py, px]
        a = cam.body_to_itrs_km(st, spec.start_body_m)
        b = cam.body_to_itrs_km(st, spec.end_body_m)
        d = mid - pose.position_itrs_km
        t = _cylinder_t(pose.position_itrs_km, d / np.linalg.norm(d), a, b, spec.radius_m / 1000)
        assert t is not None and 1.9e-3 < t < 2e-3  # 2 m away, less the rail's radius
    rad, ident = seen[AFTER]
    assert ident == raycast.ID_STATION
    # the colour is the handrail's: its red/blue and green/blue ratios are the albedo's
    # (diffuse light is grey; a small white specular term can only pull them toward 1)
    assert rad[0] / rad[2] == pytest.approx(yellow[0] / yellow[2], rel=0.5)
    assert rad[0] / rad[2] > 4 and rad[1] / rad[2] > 3
    before, _ = seen[BEFORE]
    assert before[0] / max(before[2], 1e-12) < 2  # not yellow: the hull or space behind it


def test_materials_give_the_arrays_cells_in_front_and_kapton_behind():
    """A plate's back face (+z, face code 8) takes its back material; the cell grid's lines are
    lighter than the cells and fade to their mean when the cells are smaller than a pixel."""
    table = material_table()
    front = material_id("array_front")
    back = int(table[front, 12])
    assert materials()[back].name == "array_back"
    from evasim.render.materials import surface_material

    assert surface_material(table, front, 8) == back
    assert surface_material(table, front, 7) == front
    cell = surface_albedo(table, front, 0.04, 0.04, 1e-4, 0, 0, 0)  # cell centre, sharp
    line = surface_albedo(table, front, 0.0, 0.04, 1e-4, 0, 0, 0)  # on a grid line
    far = surface_albedo(table, front, 0.04, 0.04, 1.0, 0, 0, 0)  # 1 m pixels: the mean
    assert cell == pytest.approx(materials()[front].albedo_rgb)
    assert line == pytest.approx(materials()[front].line_rgb)
    cover = 1 - (1 - 0.004 / 0.08) ** 2  # the share of the lines in a cell
    mean = np.array(cell) + (np.array(line) - np.array(cell)) * cover
    np.testing.assert_allclose(far, mean, rtol=1e-6)
    kapton = materials()[back].albedo_rgb
    assert kapton[0] > 2 * kapton[2] and cell[2] > 2 * cell[0]  # gold behind, blue in front


@pytest.mark.parametrize("name", ["us_blanket", "rs_green", "rs_white", "array_front"])
def test_panel_shades_change_only_at_seams(name):
    """Along a surface with its pattern at full detail, the albedo changes only within half a
    line and half a pixel of a seam or grid line (the per-panel shade and the RS colour rings
    step at the seams, not in mid-panel), and a patch :func:`uniform_over` calls uniform has
    the albedo of its corners at every point (the renderer then interpolates the corners)."""
    from evasim.render.materials import uniform_over

    table = material_table()
    m = material_id(name)
    pu, pv, lw = table[m, 9], table[m, 10], table[m, 11]
    w = min(pu, pv) / 40  # footprint (m): full detail
    u = np.linspace(-2.3 * pu, 2.7 * pu, 4001)
    alb = np.array([surface_albedo(table, m, x, 0.37 * pv, w, 0, 0, 0) for x in u])
    steps = np.flatnonzero(np.abs(np.diff(alb, axis=0)).max(axis=1) > 1e-9)
    assert len(steps)
    at = 0.5 * (u[steps] + u[steps + 1])
    off_seam = np.abs(at - pu * np.round(at / pu))
    assert off_seam.max() <= 0.5 * lw + 0.5 * w + (u[1] - u[0])
    rng = np.random.default_rng(7)
    uniform = 0
    for _ in range(400):
        u0, v0 = rng.uniform(-3, 3, 2) * (pu, pv)
        du, dv = rng.uniform(0, 0.3, 2) * (pu, pv)
        if not uniform_over(table, m, u0, u0 + du, v0, v0 + dv, w):
            continue
        uniform += 1
        corner = surface_albedo(table, m, u0, v0, w, 0, 0, 0)
        for fu, fv in rng.uniform(0, 1, (8, 2)):
            assert surface_albedo(table, m, u0 + fu * du, v0 + fv * dv, w, 0, 0, 0) == corner
    assert 40 < uniform < 400  # some patches straddle a line, many do not
    assert not uniform_over(table, m, 0.1 * pu, 0.2 * pu, 0.1 * pv, 0.2 * pv, pu / 6)  # fading


@pytest.mark.parametrize(
    ("look", "when"),
    [("worksite", CLOSE), ("partner", datetime(2021, 9, 3, 15, 40, tzinfo=UTC))],
)
def test_adaptive_matches_per_pixel_with_handrails_and_tether(vkd49, look, when):
    """Thin solids (handrails a few metres away, others a pixel or two wide far off, the
    partner's tether) and the materials' seams, at 720p: the adaptive blocks show the same
    objects as per-pixel tracing and differ by the tolerances of the other adaptive tests."""
    cam = HelmetCamera(vkd49, 1280, 720, Lens(120.0), look=look, overlay=False)
    fast = cam.frame("EV1", when)
    exact = cam.frame("EV1", when, adaptive=False)
    assert len(cam.station_set(when).names) - len(cam._static.names) > 200  # the fittings
    if look == "partner":
        assert (exact.ids == 5).sum() > 50  # the tether
    assert (exact.ids == 2).mean() > 0.2
    assert (fast.ids == exact.ids).all()
    diff = np.abs(fast.image.astype(int) - exact.image.astype(int)).max(axis=2)
    assert diff.mean() < 0.5
    assert (diff > 8).mean() < 0.005
    assert (diff[exact.ids == 2] > 8).mean() < 0.001
