"""Radiators and dish antennas on the station (data/station/radiators_antennas.csv): sourced
figures, dates (an element only from its installation, the Nauka RTOd radiator's move from
Rassvet in 2023), placement on the host's hull, and a helmet-camera ray that hits a truss
radiator (id buffer, white material) where the data put it, checked by an independent
ray/box intersection."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.render import raycast
from evasim.render.camera import Lens, project_px
from evasim.render.frame import HelmetCamera
from evasim.render.materials import material_for, material_id, materials
from evasim.station import radiators as rad
from evasim.station.handrails import default_placements

VKD49 = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)


def _names(utc: datetime) -> dict[str, object]:
    return {p.name: p for p in rad.radiators_at(utc)}


def test_rows_carry_sources_marks_and_the_published_figures():
    specs = rad.radiator_specs()
    assert all(s.source and s.confidence in ("H", "M", "L", "est") for s in specs)
    hrs = [s for s in specs if "HRS" in s.name]
    assert len(hrs) == 6  # three on S1, three on P1 (NASA KSC STS-112; Gunter's Space Page)
    assert {s.length_m for s in hrs} == {22.9}  # 75 ft (AP, 2002-10-14)
    assert {s.panels for s in hrs} == {8}
    dish = next(s for s in specs if s.name == "Ku-band SGANT" and s.part == "dish")
    assert dish.width_m == pytest.approx(6 * 0.3048, abs=0.005)  # a 6 ft dish


def test_elements_appear_only_from_their_installation():
    """P1's centre radiator from the 2003-01-15 spacewalk that deployed it (hatch close 19:41
    UTC), the outer radiators from STS-120 (2007-10-26);
    the RTOd radiator stowed on Rassvet until the 2023-04-19 spacewalk, stowed on Nauka until
    it was deployed ~45 min into the 2023-05-12 one (three panels)."""
    before, after = (
        _names(datetime(2003, 1, 15, 19, 0, tzinfo=UTC)),
        _names(datetime(2003, 1, 15, 20, 0, tzinfo=UTC)),
    )
    assert not any(n.startswith("P1 HRS") for n in before)
    assert [n for n in after if n.startswith("P1 HRS")] == ["P1 HRS radiator 2"]  # the centre
    assert [n for n in before if n.startswith("S1 HRS")] == ["S1 HRS radiator 2"]
    late = _names(datetime(2007, 10, 27, tzinfo=UTC))  # the outer ones from STS-120 (L)
    assert sum(n.startswith(("S1 HRS", "P1 HRS")) for n in late) == 6
    hosts = {}
    for when in ("2021-09-03T15:30", "2023-04-19T09:00", "2023-04-19T10:00", "2023-05-12T17:00"):
        utc = datetime.fromisoformat(when).replace(tzinfo=UTC)
        on = [p for p in rad.radiators_at(utc) if "RTOd" in p.name]
        hosts[when] = sorted((p.element, p.name) for p in on)
    assert hosts["2021-09-03T15:30"] == [("Rassvet", "Nauka RTOd radiator stowed")]
    assert hosts["2023-04-19T09:00"] == [("Rassvet", "Nauka RTOd radiator stowed")]
    assert hosts["2023-04-19T10:00"] == [("Nauka", "Nauka RTOd radiator stowed")]
    assert [h for h, _ in hosts["2023-05-12T17:00"]] == ["Nauka"] * 3


def test_radiators_hang_below_their_truss_segment_and_clear_the_modules():
    placements = default_placements(VKD49)
    by_name = {p.name: p for p in placements}
    on = rad.radiators_at(VKD49, placements)
    for p in (p for p in on if "HRS" in p.name):
        truss = by_name[p.element]
        size = np.array(p.size_m)
        corners = [p.centre_m + p.rotation @ (np.array(s) * size / 2)
                   for s in itertools.product((-1, 1), repeat=3)]  # fmt: skip
        y = [c[1] for c in corners]
        half = truss.size_m[0] / 2
        assert truss.centre_m[1] - half <= min(y) and max(y) <= truss.centre_m[1] + half
        top = min(c[2] for c in corners)  # body +Z is nadir
        assert top == pytest.approx(truss.centre_m[2] + truss.size_m[1] / 2 + 0.3, abs=1e-9)
        # no module's cylinder reaches into the plate (points sampled on its face)
        for u in np.linspace(-0.5, 0.5, 9):
            for v in np.linspace(-0.5, 0.5, 5):
                q = p.centre_m + p.rotation[:, :2] @ (np.array([u, v]) * size[:2])
                for m in (m for m in placements if m.kind == "module"):
                    d = q - m.centre_m
                    along = d @ m.axis
                    radial = np.linalg.norm(d - along * m.axis)
                    assert abs(along) > m.size_m[0] / 2 or radial > m.size_m[1] / 2


def test_bad_rows_are_one_line_input_errors(monkeypatch):
    good = rad._rows(rad.CSV_NAME)
    bad = [dict(good[0], shape="sphere")]
    monkeypatch.setattr(rad, "_rows", lambda name: bad)
    rad.radiator_specs.cache_clear()
    try:
        with pytest.raises(EvasimInputError, match=r"row 1.*shape"):
            rad.radiator_specs()
    finally:
        rad.radiator_specs.cache_clear()


def _box_t(o, d, centre, rot, size):
    """Nearest positive hit (km) of the ray o + t d on a box (slabs), None on a miss; written
    independently of the renderer."""
    lo, hi = -np.inf, np.inf
    for k in range(3):
        axis = rot[:, k]
        oc, dc = (o - centre) @ axis, d @ axis
        if abs(dc) < 1e-15:
            if abs(oc) > size[k] / 2:
                return None
            continue
        t1, t2 = sorted(((-size[k] / 2 - oc) / dc, (size[k] / 2 - oc) / dc))
        lo, hi = max(lo, t1), min(hi, t2)
    return lo if 0 < lo <= hi else None


class AimedCamera(HelmetCamera):
    """A camera at a body-frame point (m) aimed at another."""

    eye_body_m: np.ndarray
    target_body_m: np.ndarray

    def pose(self, role, when, states=None):
        pose, st = super().pose(role, when, states)
        eye = self.body_to_itrs_km(st, self.eye_body_m)
        fwd = self.body_to_itrs_km(st, self.target_body_m) - eye
        fwd /= np.linalg.norm(fwd)
        down = pose.rotation_itrs[:, 1] - (pose.rotation_itrs[:, 1] @ fwd) * fwd
        down /= np.linalg.norm(down)
        rot = np.column_stack([np.cross(down, fwd), down, fwd])
        return dataclasses.replace(pose, position_itrs_km=eye, rotation_itrs=rot), st


@pytest.mark.render
def test_a_ray_at_a_truss_radiator_hits_it(vkd49):
    """The centre of S1's middle radiator seen from 8 m in front of its face: the centre pixel
    is the station, white-grey (the radiator material), and an independent ray/box
    intersection meets the plate 8 m less half its thickness away; with the radiators taken
    out of the station's solids the same pixel is not the station."""
    cam = AimedCamera(vkd49, 81, 61, Lens(20.0), look="worksite", overlay=False, people=False,
                      fittings=False, flare=False)  # fmt: skip
    plate = next(p for p in rad.radiators_at(VKD49, list(cam.placements.values()))
                 if p.name == "S1 HRS radiator 2")  # fmt: skip
    assert material_for(plate.name, plate.kind) == "radiator"
    cam.target_body_m = plate.centre_m
    cam.eye_body_m = plate.centre_m - 8.0 * plate.rotation[:, 2]  # along the face normal
    frame = cam.frame("EV1", VKD49)
    pose, st = cam.pose("EV1", VKD49)
    mid = cam.body_to_itrs_km(st, plate.centre_m)
    x, y = project_px(pose, mid, cam.width, cam.height, cam.lens.focal_px(cam.width))
    px, py = round(x), round(y)
    assert (px, py) == (cam.width // 2, cam.height // 2)
    assert frame.ids[py, px] == raycast.ID_STATION
    # independent check in the body frame: the ray meets the plate 8 m - thickness / 2 away
    d = plate.rotation[:, 2]
    t = _box_t(cam.eye_body_m, d, plate.centre_m, plate.rotation, np.array(plate.size_m))
    assert t == pytest.approx(8.0 - plate.size_m[2] / 2, abs=1e-9)
    rgb = frame.radiance[py, px]
    white = materials()[material_id("radiator")].albedo_rgb
    assert rgb[0] / rgb[2] == pytest.approx(white[0] / white[2], rel=0.15)  # grey-white
    keep = np.array(["HRS" not in n for n in cam._static.names])
    assert not keep.all()
    cam._static = cam._static.take(keep)
    bare = cam.frame("EV1", VKD49)
    assert bare.ids[py, px] != raycast.ID_STATION
