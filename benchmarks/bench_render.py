"""Helmet-camera rendering and MP4 encoding speed; prints one JSON object.

Run: .venv/bin/python benchmarks/bench_render.py [--frames 20] [--rounds 3]
       [--sizes 1280x720,1920x1080] [--baseline-src ../main/src]

Scenes (VKD-49, EV1, every effect on: station with shadows, Earth, atmosphere, glint, Sun,
stars, overlay): "hull" = limb look from the worksite, the station covering a third of the
frame (33 % of the pixels at 720p; the hard case); "earth" = nadir look, Earth only;
"night" = limb look in orbital night (stars, airglow); "fisheye" = the hull scene through a
150 deg equidistant fisheye. Frames are timed after a warm-up frame (numba compilation,
textures and the atmosphere table excluded; reported separately as first_frame_s). Each scene
is also rendered by tracing every pixel (the reference the adaptive sampling is tested
against), in the same run: "speedup" is the ratio.
"station_pixel_fraction": the share of the first frame's pixels that show the station.
Encoding: the hull frames through imageio-ffmpeg's libx264 (veryfast); "pipeline": rendering
and encoding together, as `evasim replay --video` runs them (ffmpeg in its own process).

Night effects ("effects", 1280 x 720): the "night" scene and "city" (nadir over the Ganges
plain at 17:54 UTC, night, no station) rendered with every effect on and with each of the
night effects (city lights, airglow, helmet lamps) switched off in turn, frames interleaved
round-robin so that the machine's load affects all alike: "cost_ms" is the difference of
wall times, "cpu_cost_ms" of CPU times (all threads; steadier when other jobs share the cores).
``--effects-only`` measures only that (with ``NUMBA_NUM_THREADS=1`` the CPU times are those
of one core, the steadiest measure on a shared machine). ``--baseline-src DIR`` also times
every scene on another tree (e.g. main before the night effects: ``--baseline-src
../main/src``) in a worker subprocess, alternating with this tree ``--rounds`` times (medians;
the two see the same machine load): "baseline_fps" and "fps_ratio_new_over_baseline" per
scene, and the CPU times of both.

People ("people", 1280 x 720; ``--people-only`` measures only that): the partner's suit and
tether and the wearer's arms on against off (:func:`_people`).

Surfaces ("surfaces", 1280 x 720; ``--surfaces-only`` measures only that): materials and
fittings (handrails, booms) on and off in every combination (:func:`_surfaces`).

Camera ("camera", 1280 x 720; ``--camera-only`` measures only that, :func:`_camera`): the cost
of the lens models (the hull scene through the rectilinear 120 deg, the as-flown action lens
and the 150 deg equidistant fisheye), of the flare (scene "sun": the action lens and the auto
look at 15:40 UTC, the Sun in view, flare on against off) and of the auto look (the hull scene
with ``--look auto`` against ``limb``), variants interleaved round-robin. Scenes "action" (the
hull scene through the action lens) and "auto" (the action lens with the auto look, the Sun
and its flare in view, as `replay --video` renders) join the main table when this tree has
them. ``--camera-only`` also gives "block_modes" (:func:`_block_modes`): the share of blocks
traced pixel by pixel per lens, independent of the machine's load.

Spacewalk ("spacewalk", :func:`_spacewalk`; ``--spacewalk-only [--instants 24] [--no-encode]
[--encode-frames 30]``): EV1's camera as videos use it (``--lenses video,action``: the 120 deg
lens of `replay --video`, the as-flown action lens; auto look, every effect) at instants spread
from hatch open to hatch close, rendering alone and rendering + encoding;
with ``--baseline-src DIR`` rendering alone, this tree and DIR's alternating at every instant
(:func:`_spacewalk_ab`: the least CPU per frame at each instant, the steadiest A/B measure).
Every row also gives "minor_page_faults_per_frame" (memory taken back from the system each
frame: what made session 19's 1080p figures low). ``--images-against DIR`` compares seven
gallery-like 720p frames of this tree with another's (:func:`_image_diffs`); ``--scenes`` and
``--table-only`` cut the main table short.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


def _time_frames(cam, when, n, adaptive=True):
    t = time.perf_counter()
    frames = [cam.frame("EV1", when + timedelta(seconds=k), adaptive).image for k in range(n)]
    return (time.perf_counter() - t) / n, frames


def _cpu_frames(cam, when, n):
    """CPU seconds (all threads of this process, user and system) per frame: less sensitive
    than wall time to other jobs sharing the cores."""
    return _cpu_and_faults(cam, when, n)[0]


def _cpu_and_faults(cam, when, n):
    """CPU seconds per frame (:func:`_cpu_frames`) and minor page faults per frame: memory the
    process takes back from the kernel, page by page, every frame (large arrays freed to the
    system and allocated again: first touches cost system time)."""
    import resource

    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.process_time()
    for k in range(n):
        cam.frame("EV1", when + timedelta(seconds=k))
    cpu = (time.process_time() - t) / n
    return cpu, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / n


def _effects(replay, n, scenes):
    """Per-frame cost of each night effect at 720p: every effect on against one switched
    off, frames interleaved round-robin (the variants see the same machine load)."""
    from evasim.render.frame import HelmetCamera

    variants = {
        "all_on": {},
        "no_city_lights": {"night_lights": False},
        "no_airglow": {"airglow": False},
        "no_lamps": {"lamps": False},
    }
    out = {}
    for name in ("night", "city"):
        look, when, station, lens = scenes[name]
        cams = {
            v: HelmetCamera(replay, 1280, 720, lens, look=look, station=station, **kw)
            for v, kw in variants.items()
        }
        for cam in cams.values():
            cam.frame("EV1", when)  # warm-up
        total = dict.fromkeys(cams, 0.0)
        cpu = dict.fromkeys(cams, 0.0)
        for k in range(n):
            for v, cam in cams.items():
                t, c = time.perf_counter(), time.process_time()
                cam.frame("EV1", when + timedelta(seconds=1 + k))
                total[v] += time.perf_counter() - t
                cpu[v] += time.process_time() - c
        ms = {v: total[v] / n * 1e3 for v in cams}
        cpu_ms = {v: cpu[v] / n * 1e3 for v in cams}
        effects = {"city_lights": "no_city_lights", "airglow": "no_airglow", "lamps": "no_lamps"}
        out[name] = {
            "ms_all_on": round(ms["all_on"], 2),
            "fps_all_on": round(1e3 / ms["all_on"], 1),
            "cost_ms": {e: round(ms["all_on"] - ms[v], 2) for e, v in effects.items()},
            "cpu_ms_all_on": round(cpu_ms["all_on"], 2),
            "cpu_cost_ms": {e: round(cpu_ms["all_on"] - cpu_ms[v], 2) for e, v in effects.items()},
        }
    return out


def _interleaved(cams: dict, when, n):
    """Wall and CPU ms per frame of each camera, frames interleaved round-robin."""
    for cam in cams.values():
        cam.frame("EV1", when)  # warm-up
    total, cpu = dict.fromkeys(cams, 0.0), dict.fromkeys(cams, 0.0)
    for k in range(n):
        for v, cam in cams.items():
            t, c = time.perf_counter(), time.process_time()
            cam.frame("EV1", when + timedelta(seconds=1 + k))
            total[v] += time.perf_counter() - t
            cpu[v] += time.process_time() - c
    return {v: round(total[v] / n * 1e3, 2) for v in cams}, {
        v: round(cpu[v] / n * 1e3, 2) for v in cams
    }


def _camera(replay, n):
    """Per-frame cost at 720p of the lens models, the flare and the auto look (module doc)."""
    from evasim.render.frame import HelmetCamera
    from evasim.render.lens import Lens

    day, sun_time = (datetime(2021, 9, 3, 15, m, tzinfo=UTC) for m in (30, 40))
    action = Lens(121.0, projection="action")
    groups = {
        "lens": (
            day,
            {
                "rectilinear_120": HelmetCamera(replay, 1280, 720, Lens(120.0), look="limb"),
                "action_121": HelmetCamera(replay, 1280, 720, action, look="limb"),
                "equidistant_150": HelmetCamera(
                    replay, 1280, 720, Lens(150.0, fisheye=True), look="limb"
                ),
            },
        ),
        "flare": (
            sun_time,
            {
                v: HelmetCamera(replay, 1280, 720, action, look="auto", flare=v == "on")
                for v in ("on", "off")
            },
        ),
        "auto_look": (
            day,
            {v: HelmetCamera(replay, 1280, 720, Lens(120.0), look=v) for v in ("auto", "limb")},
        ),
    }
    out = {}
    for name, (when, cams) in groups.items():
        ms, cpu_ms = _interleaved(cams, when, n)
        out[name] = {"ms": ms, "cpu_ms": cpu_ms}
    out["flare"]["cost_ms"] = round(out["flare"]["ms"]["on"] - out["flare"]["ms"]["off"], 2)
    out["auto_look"]["cost_ms"] = round(
        out["auto_look"]["ms"]["auto"] - out["auto_look"]["ms"]["limb"], 2
    )
    return out


def _block_modes(replay) -> dict:
    """Share of the 4 x 4 blocks of the 720p hull scene that the adaptive sampling traces
    pixel by pixel, interpolates, or shades per 2 x 2 (Earth), per lens: deterministic, a
    measure of the culling independent of the machine's load."""
    from numba import njit

    from evasim.render import raycast
    from evasim.render.frame import HelmetCamera
    from evasim.render.lens import Lens
    from evasim.render.shading import A_KM

    @njit
    def counts(width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids, samples):
        geom = (width, height, lens, focal, cam, rot, samples[13])
        tlat = np.pi * A_KM / earth[1][0, 1]
        tlon = 2.0 * np.pi * A_KM / earth[1][0, 2]
        tiles_x, _, s_id = samples[3:6]
        out = np.zeros(3, np.int64)
        for j in range(s_id.shape[0] - 1):
            for i in range(s_id.shape[1] - 1):
                x0, y0 = i * raycast.BLOCK, j * raycast.BLOCK
                if x0 >= width or y0 >= height:
                    continue
                tile = (y0 // raycast.TILE) * tiles_x + x0 // raycast.TILE
                tl = raycast._tile_list(samples, tile)
                out[raycast._block_mode(j, i, x0, y0, geom, samples, solids, tl, tlat, tlon, sun,
                                        sun_frac)] += 1  # fmt: skip
        return out

    found = {}
    original = raycast.fill_blocks

    def spy(*args):
        found["counts"] = counts(*args[:11])
        return original(*args)

    out = {}
    when = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)
    raycast.fill_blocks = spy
    try:
        for name, lens in (
            ("rectilinear_120", Lens(120.0)),
            ("action_121", Lens(121.0, projection="action")),
            ("equidistant_150", Lens(150.0, fisheye=True)),
        ):
            HelmetCamera(replay, 1280, 720, lens, look="limb").frame("EV1", when)
            c = found["counts"] / found["counts"].sum()
            out[name] = {"traced": round(float(c[0]), 3), "interpolated": round(float(c[1]), 3),
                         "earth_2x2": round(float(c[2]), 3)}  # fmt: skip
    finally:
        raycast.fill_blocks = original
    return out


def _people(replay, n):
    """Per-frame cost of the people (:mod:`evasim.render.people`) at 720p: scene "partner"
    (EV1 looking at EV2 at 15:40 UTC, by day: the suit, 7 % of the frame, and the tether)
    and "worksite" (EV1 looking at the worksite at 15:30: the wearer's arms and the partner's
    legs), "hull" (the limb look of the main scenes: nobody in view); people on against off,
    frames interleaved round-robin as in :func:`_effects`."""
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.people import ID_ARMS, ID_PARTNER, ID_TETHER

    scenes = {
        "partner": ("partner", datetime(2021, 9, 3, 15, 40, tzinfo=UTC)),
        "worksite": ("worksite", datetime(2021, 9, 3, 15, 30, tzinfo=UTC)),
        "hull": ("limb", datetime(2021, 9, 3, 15, 30, tzinfo=UTC)),
    }
    out = {}
    for name, (look, when) in scenes.items():
        cams = {
            v: HelmetCamera(replay, 1280, 720, Lens(120.0), look=look, people=v == "on")
            for v in ("on", "off")
        }
        first = {v: cam.frame("EV1", when) for v, cam in cams.items()}  # warm-up
        total, cpu = dict.fromkeys(cams, 0.0), dict.fromkeys(cams, 0.0)
        for k in range(n):
            for v, cam in cams.items():
                t, c = time.perf_counter(), time.process_time()
                cam.frame("EV1", when + timedelta(seconds=1 + k))
                total[v] += time.perf_counter() - t
                cpu[v] += time.process_time() - c
        ids = first["on"].ids
        out[name] = {
            "ms_people_on": round(total["on"] / n * 1e3, 2),
            "ms_people_off": round(total["off"] / n * 1e3, 2),
            "cost_ms": round((total["on"] - total["off"]) / n * 1e3, 2),
            "cpu_ms_people_on": round(cpu["on"] / n * 1e3, 2),
            "cpu_cost_ms": round((cpu["on"] - cpu["off"]) / n * 1e3, 2),
            "pixel_fraction": {
                k: round(float((ids == i).mean()), 4)
                for k, i in (("partner", ID_PARTNER), ("tether", ID_TETHER), ("arms", ID_ARMS))
            },
        }
    return out


def _surfaces(replay, n):
    """Per-frame cost of the station's surfaces at 720p (:mod:`evasim.render.materials`,
    :mod:`evasim.render.fittings`): every combination of materials (patterns and gloss, else
    each solid's base albedo) and fittings (handrails, booms, arms) on and off, frames
    interleaved round-robin as in :func:`_effects`. Scenes: "hull" (the main scenes' limb look
    at 15:30, a third of the frame station), "worksite" (EV1 at the worksite at 15:40: hull,
    rails, arms), "close" (EV1 at Nauka and Zvezda at 21:40, the station filling 60 %),
    "night" (the limb look at 16:15, lamps)."""
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera

    scenes = {
        "hull": ("limb", datetime(2021, 9, 3, 15, 30, tzinfo=UTC)),
        "worksite": ("worksite", datetime(2021, 9, 3, 15, 40, tzinfo=UTC)),
        "close": ("worksite", datetime(2021, 9, 3, 21, 40, tzinfo=UTC)),
        "night": ("limb", datetime(2021, 9, 3, 16, 15, tzinfo=UTC)),
    }
    variants = {
        "all_on": {},
        "no_fittings": {"fittings": False},
        "no_materials": {"materials": False},
        "neither": {"fittings": False, "materials": False},
    }
    out = {}
    for name, (look, when) in scenes.items():
        cams = {
            v: HelmetCamera(replay, 1280, 720, Lens(120.0), look=look, **kw)
            for v, kw in variants.items()
        }
        first = {v: cam.frame("EV1", when) for v, cam in cams.items()}  # warm-up
        total, cpu = dict.fromkeys(cams, 0.0), dict.fromkeys(cams, 0.0)
        for k in range(n):
            for v, cam in cams.items():
                t, c = time.perf_counter(), time.process_time()
                cam.frame("EV1", when + timedelta(seconds=1 + k))
                total[v] += time.perf_counter() - t
                cpu[v] += time.process_time() - c
        ms = {v: total[v] / n * 1e3 for v in cams}
        cpu_ms = {v: cpu[v] / n * 1e3 for v in cams}
        out[name] = {
            "ms": {v: round(x, 2) for v, x in ms.items()},
            "fps": {v: round(1e3 / x, 1) for v, x in ms.items()},
            "cpu_ms": {v: round(x, 2) for v, x in cpu_ms.items()},
            "ratio_all_on_over_neither": round(ms["all_on"] / ms["neither"], 3),
            "cost_ms": {
                "materials": round(ms["all_on"] - ms["no_materials"], 2),
                "fittings": round(ms["all_on"] - ms["no_fittings"], 2),
            },
            "cpu_cost_ms": {
                "materials": round(cpu_ms["all_on"] - cpu_ms["no_materials"], 2),
                "fittings": round(cpu_ms["all_on"] - cpu_ms["no_fittings"], 2),
            },
            "station_pixel_fraction": round(float((first["all_on"].ids == 2).mean()), 4),
            "solids": len(cams["all_on"].station_set(when).names),
        }
    return out


def _spacewalk(
    replay,
    size: str,
    instants: int,
    per_instant: int,
    encode: bool = True,
    lens: str = "video",
    encode_frames: int = 30,
) -> dict:
    """What rendering a whole spacewalk costs: EV1's helmet camera with the ``auto`` look and
    every effect, through ``lens``: "video" = the lens `replay --video` and `render-video` use
    (rectilinear 120 deg: VKD-49's lens is not published), "action" = the as-flown GoPro-class
    action lens (121 deg), at
    ``instants`` moments spread evenly from hatch open to hatch close, ``per_instant``
    consecutive video frames (1/30 s apart, the exposure adapting) at each after one untimed
    frame. "fps" = frames / time over all instants; "fps_range" the slowest and fastest
    instant's; "cpu_ms" CPU time (all threads) per frame. With ``encode``: the same frames
    streamed to ffmpeg (libx264 veryfast in its own process, as `evasim replay --video` runs
    it), ``encode_frames`` consecutive frames at each instant 1/3 s apart (`replay --video`'s
    default: 10 replay seconds per video second at 30 frames/s), so that, as in a video, the
    encoder meets a cut only every ``encode_frames`` frames (with 4 frames an instant, the cuts
    doubled its CPU): "render_and_encode_fps", and "render_and_encode_cpu_ms" / "encoder_cpu_ms":
    CPU per frame of both (this process and ffmpeg) / of ffmpeg alone; and the same frames
    rendered alone first, "encode_set_render_fps", for the ratio on identical frames."""
    from evasim.render.video import write_mp4

    w, h = (int(x) for x in size.split("x"))
    starts = _spacewalk_starts(replay, instants)
    step = timedelta(seconds=1 / 30)
    cam = _spacewalk_camera(replay, lens, size)
    per, cpu_total, wall_total = [], 0.0, 0.0
    station = []
    for start in starts:
        first = cam.frame("EV1", start)  # untimed: the look's schedule, this set of fittings
        station.append(float((first.ids >= 2).mean()))
        state = first.exposure_state
        t, c = time.perf_counter(), time.process_time()
        for f in cam.frames("EV1", [start + step * (k + 1) for k in range(per_instant)], state):
            state = f.exposure_state
        dt, dc = time.perf_counter() - t, time.process_time() - c
        per.append(per_instant / dt)
        wall_total += dt
        cpu_total += dc
    n = instants * per_instant
    out = {
        "size": size,
        "lens": lens,
        "instants": instants,
        "frames_per_instant": per_instant,
        "first_utc": starts[0].strftime("%H:%M:%S"),
        "last_utc": starts[-1].strftime("%H:%M:%S"),
        "fps": round(n / wall_total, 1),
        "fps_range": [round(min(per), 1), round(max(per), 1)],
        "fps_per_instant": [round(x, 1) for x in per],
        "cpu_ms": round(cpu_total / n * 1e3, 1),
        "station_and_people_pixel_fraction_mean": round(float(np.mean(station)), 3),
    }
    if encode:
        import resource

        video_step = timedelta(seconds=10 / 30)
        times = [start + video_step * (k + 1) for start in starts for k in range(encode_frames)]
        t = time.perf_counter()
        for _ in cam.frames("EV1", times):
            pass
        out["encode_frames_per_instant"] = encode_frames
        out["encode_set_render_fps"] = round(len(times) / (time.perf_counter() - t), 1)
        with tempfile.TemporaryDirectory() as tmp:
            kids = resource.getrusage(resource.RUSAGE_CHILDREN)
            t, c = time.perf_counter(), time.process_time()
            write_mp4((f.image for f in cam.frames("EV1", times)), Path(tmp) / "s.mp4", 30.0, w, h)
            out["render_and_encode_fps"] = round(len(times) / (time.perf_counter() - t), 1)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            enc = after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime
            # CPU (all threads) of the render and of ffmpeg per frame: what the two cores must
            # hold (at 25 fps they hold 80 ms a frame); steadier than fps on a shared machine
            out["render_and_encode_cpu_ms"] = round(
                (time.process_time() - c + enc) / len(times) * 1e3, 1
            )
            out["encoder_cpu_ms"] = round(enc / len(times) * 1e3, 1)
    return out


def _spacewalk_camera(replay, lens: str, size: str):
    """EV1's auto-look camera of :func:`_spacewalk` through ``lens`` ("video": 120 deg
    rectilinear, "action": the as-flown action lens) at ``size`` ("WxH")."""
    from evasim.render.frame import HelmetCamera
    from evasim.render.lens import Lens

    w, h = (int(x) for x in size.split("x"))
    optics = Lens(121.0, projection="action") if lens == "action" else Lens(120.0)
    return HelmetCamera(replay, w, h, optics, look="auto")


def _spacewalk_starts(replay, instants: int) -> list:
    """The moments :func:`_spacewalk` renders: ``instants`` spread evenly from hatch open to
    hatch close."""
    eva = replay.scenario.eva
    span = (eva.hatch_close_utc - eva.hatch_open_utc).total_seconds()
    return [eva.hatch_open_utc + timedelta(seconds=span * (k + 0.5) / instants)
            for k in range(instants)]  # fmt: skip


class _SpacewalkCameras:
    """One auto-look camera per (lens, size) of :func:`_spacewalk`, made on first use."""

    def __init__(self, replay):
        self.replay, self.cams = replay, {}

    def instant(self, lens: str, size: str, start: datetime, n: int) -> dict:
        """An untimed frame at ``start``, then ``n`` video frames 1/30 s apart, each timed:
        wall and CPU seconds (all threads) per frame."""
        if (lens, size) not in self.cams:
            self.cams[lens, size] = _spacewalk_camera(self.replay, lens, size)
        cam = self.cams[lens, size]
        state = cam.frame("EV1", start).exposure_state
        wall, cpu = [], []
        for k in range(n):
            t, c = time.perf_counter(), time.process_time()
            state = cam.frame("EV1", start + timedelta(seconds=(k + 1) / 30), exposure_state=state
                              ).exposure_state  # fmt: skip
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        return {"wall": wall, "cpu": cpu}


def _spacewalk_ab(replay, base, sizes, lenses, instants: int, n: int) -> list:
    """--spacewalk-only --baseline-src DIR: :func:`_spacewalk`'s instants (rendering alone)
    through this tree and the baseline's worker, alternating at every instant (which tree goes
    first alternates too), so that both see the same load. Per (size, lens): "cpu_ms_min" the
    mean over instants of the least CPU time (all threads) of the instant's frames (the least
    disturbed by other jobs: the steadiest measure on a shared machine), "fps" frames over wall
    time, for both trees, and their ratios."""
    cams = _SpacewalkCameras(replay)
    starts = _spacewalk_starts(replay, instants)
    rows = []
    for size in sizes:
        for lens in lenses:
            got: dict = {"new": [], "base": []}
            for k, start in enumerate(starts):
                order = ("new", "base") if k % 2 == 0 else ("base", "new")
                for tree in order:
                    if tree == "new":
                        got[tree].append(cams.instant(lens, size, start, n))
                    else:
                        got[tree].append(base.spacewalk_instant(lens, size, start, n))
            row = {"size": size, "lens": lens, "instants": instants, "frames_per_instant": n}
            for tree, runs in got.items():
                prefix = "" if tree == "new" else "baseline_"
                row[prefix + "cpu_ms_min"] = round(
                    float(np.mean([min(r["cpu"]) for r in runs])) * 1e3, 1
                )
                row[prefix + "fps"] = round(
                    instants * n / float(sum(sum(r["wall"]) for r in runs)), 1
                )
                row[prefix + "fps_range"] = [
                    round(n / max(sum(r["wall"]) for r in runs), 1),
                    round(n / min(sum(r["wall"]) for r in runs), 1),
                ]
            row["cpu_ratio_new_over_baseline"] = round(
                row["cpu_ms_min"] / row["baseline_cpu_ms_min"], 3
            )
            row["fps_ratio_new_over_baseline"] = round(row["fps"] / row["baseline_fps"], 3)
            rows.append(row)
    return rows


def _gallery_like():
    """Seven 720p scenes (look, UTC, lens) for the image comparison (:func:`_image_diffs`)."""
    from evasim.render.lens import Lens

    action = Lens(121.0, projection="action")

    def at(h, m):
        return datetime(2021, 9, 3, h, m, tzinfo=UTC)

    return {
        "hull": ("limb", at(15, 30), Lens(120.0)),
        "action": ("limb", at(15, 30), action),
        "auto_1540": ("auto", at(15, 40), action),
        "auto_2140": ("auto", at(21, 40), action),
        "worksite_night": ("worksite", at(16, 15), action),
        "fisheye": ("limb", at(15, 30), Lens(150.0, fisheye=True)),
        "partner": ("partner", at(15, 40), Lens(120.0)),
    }


def _snapshot(path: str) -> None:
    """--snapshot PATH: EV1's 720p frames of :func:`_gallery_like` (image and ids) to ``path``
    (.npz), rendered by the tree on the path."""
    from evasim.render.frame import HelmetCamera
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    replay = run_replay(load_scenario("vkd-49"))
    out = {}
    for name, (look, when, lens) in _gallery_like().items():
        f = HelmetCamera(replay, 1280, 720, lens, look=look).frame("EV1", when)
        out[f"{name}_image"], out[f"{name}_ids"] = f.image, f.ids
    np.savez_compressed(path, **out)


def _image_diffs(other_src: str) -> dict:
    """--images-against DIR: the frames of :func:`_gallery_like` rendered by this tree and by
    the tree at DIR (a subprocess), compared: per scene the largest and mean absolute
    difference (levels of 255, over all channels), the pixels that differ at all and by more
    than 8 levels, and the pixels whose object id differs."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"this": Path(tmp) / "this.npz", "other": Path(tmp) / "other.npz"}
        _snapshot(str(paths["this"]))
        env = dict(os.environ, PYTHONPATH=os.path.abspath(other_src))
        subprocess.run([sys.executable, __file__, "--snapshot", str(paths["other"])], env=env,
                       check=True)  # fmt: skip
        a, b = np.load(paths["this"]), np.load(paths["other"])
        for name in _gallery_like():
            d = np.abs(a[f"{name}_image"].astype(int) - b[f"{name}_image"].astype(int))
            per_pixel = d.max(axis=2)
            out[name] = {
                "max": int(d.max()),
                "mean": round(float(d.mean()), 5),
                "pixels_differing": int((per_pixel > 0).sum()),
                "pixels_over_8": int((per_pixel > 8).sum()),
                "ids_differing": int((a[f"{name}_ids"] != b[f"{name}_ids"]).sum()),
            }
    return out


class _Baseline:
    """Another tree (its src/ folder first on the path) in a worker subprocess that renders
    a scene on request: its timings alternate with this tree's, so both see the same load."""

    def __init__(self, src: str):
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._ask({"hello": True})
        self.tree, self.scenes = hello["tree"], hello.get("scenes", list(_scenes())[:5])

    def _ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def seconds_per_frame(self, scene: str, size: str, n: int) -> tuple[float, float, float]:
        """Wall and CPU seconds per frame, and minor page faults per frame."""
        out = self._ask({"scene": scene, "size": size, "n": n})
        return out["s"], out["cpu_s"], out["minflt"]

    def spacewalk_instant(self, lens: str, size: str, start: datetime, n: int) -> dict:
        """:meth:`_SpacewalkCameras.instant` in the baseline's tree."""
        req = {"spacewalk_lens": lens, "size": size, "utc": start.isoformat(), "n": n}
        return self._ask(req)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def _scenes():
    from evasim.render.camera import Lens

    day, night = datetime(2021, 9, 3, 15, 30, tzinfo=UTC), datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
    return {
        "hull": ("limb", day, True, Lens(120.0)),
        "earth": ("nadir", day, False, Lens(120.0)),
        "night": ("limb", night, True, Lens(120.0)),
        "fisheye": ("limb", day, True, Lens(150.0, fisheye=True)),
        "city": ("nadir", datetime(2021, 9, 3, 17, 54, tzinfo=UTC), False, Lens(120.0)),
    } | _camera_scenes()


def _camera_scenes() -> dict:
    """The as-flown lens and the auto look, when this tree has them."""
    try:
        from evasim.render.lens import Lens
    except ImportError:
        return {}
    action = Lens(121.0, projection="action")
    return {
        "action": ("limb", datetime(2021, 9, 3, 15, 30, tzinfo=UTC), True, action),
        "auto": ("auto", datetime(2021, 9, 3, 15, 40, tzinfo=UTC), True, action),
    }


class _Cameras:
    """One warmed-up camera per (scene, size), made on first use."""

    def __init__(self, replay):
        self.replay, self.cams, self.scenes = replay, {}, _scenes()

    def get(self, scene: str, size: str):
        from evasim.render.frame import HelmetCamera

        if (scene, size) not in self.cams:
            look, when, station, lens = self.scenes[scene]
            w, h = (int(x) for x in size.split("x"))
            cam = HelmetCamera(self.replay, w, h, lens, look=look, station=station)
            t = time.perf_counter()
            first = cam.frame("EV1", when)
            self.cams[scene, size] = (cam, when, first, time.perf_counter() - t)
        return self.cams[scene, size]

    def seconds_per_frame(self, scene: str, size: str, n: int, adaptive: bool = True):
        cam, when, _, _ = self.get(scene, size)
        dt, frames = _time_frames(cam, when + timedelta(seconds=1), n, adaptive)
        return dt, frames


def _worker() -> None:
    """--worker: answer timing requests (JSON lines on stdin) with this process's tree."""
    from evasim.render.frame import HelmetCamera
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    replay = run_replay(load_scenario("vkd-49"))
    cams = _Cameras(replay)
    walks = _SpacewalkCameras(replay)
    for line in sys.stdin:
        req = json.loads(line)
        if "spacewalk_lens" in req:
            start = datetime.fromisoformat(req["utc"])
            out = walks.instant(req["spacewalk_lens"], req["size"], start, req["n"])
        elif "hello" in req:
            out = {
                "tree": os.path.dirname(inspect.getfile(HelmetCamera)),
                "scenes": list(cams.scenes),
            }
        else:
            cam, when, _, _ = cams.get(req["scene"], req["size"])
            wall = cams.seconds_per_frame(req["scene"], req["size"], req["n"])[0]
            cpu, faults = _cpu_and_faults(cam, when + timedelta(seconds=1), req["n"])
            out = {"s": wall, "cpu_s": cpu, "minflt": faults}
        print(json.dumps(out), flush=True)


def main() -> None:
    from evasim.render.frame import HelmetCamera
    from evasim.render.shading import ID_STATION
    from evasim.render.video import write_mp4
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternations with the baseline")
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--baseline-src", default=None)
    parser.add_argument("--effects-only", action="store_true", help="only the night effects")
    parser.add_argument("--people-only", action="store_true", help="only the people's cost")
    parser.add_argument("--surfaces-only", action="store_true", help="only materials, fittings")
    parser.add_argument("--camera-only", action="store_true", help="only lens, flare, look")
    parser.add_argument("--spacewalk-only", action="store_true", help="only the spacewalk")
    parser.add_argument("--instants", type=int, default=24, help="spacewalk instants")
    parser.add_argument("--no-encode", action="store_true", help="spacewalk: rendering only")
    parser.add_argument("--encode-frames", type=int, default=30,
                        help="spacewalk: consecutive frames per instant encoded")  # fmt: skip
    parser.add_argument("--lenses", default="video,action", help="spacewalk: video and/or action")
    parser.add_argument("--scenes", default=None, help="comma-separated subset of the scenes")
    parser.add_argument("--table-only", action="store_true", help="only the scene table")
    parser.add_argument("--images-against", default=None, help="compare frames with DIR/src")
    parser.add_argument("--snapshot", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker()
        return
    if args.snapshot:
        _snapshot(args.snapshot)
        return
    if args.images_against:
        print(json.dumps({"images": _image_diffs(args.images_against)}, indent=2))
        return
    if args.effects_only:
        replay = run_replay(load_scenario("vkd-49"))
        print(json.dumps({"effects": _effects(replay, args.frames, _scenes())}, indent=2))
        return
    if args.surfaces_only:
        replay = run_replay(load_scenario("vkd-49"))
        print(json.dumps({"surfaces": _surfaces(replay, args.frames)}, indent=2))
        return
    if args.people_only:
        replay = run_replay(load_scenario("vkd-49"))
        print(json.dumps({"people": _people(replay, args.frames)}, indent=2))
        return
    if args.spacewalk_only and args.baseline_src:
        replay = run_replay(load_scenario("vkd-49"))
        base = _Baseline(args.baseline_src)
        out = {"spacewalk_ab": _spacewalk_ab(replay, base, args.sizes.split(","),
                                             args.lenses.split(","), args.instants, args.frames),
               "baseline_tree": base.tree}  # fmt: skip
        base.close()
        out["load_average_after"] = os.getloadavg()
        print(json.dumps(out, indent=2))
        return
    if args.spacewalk_only:
        replay = run_replay(load_scenario("vkd-49"))
        out = {"spacewalk": [_spacewalk(replay, size, args.instants, args.frames,
                                        encode=not args.no_encode, lens=lens,
                                        encode_frames=args.encode_frames)
                             for lens in args.lenses.split(",")
                             for size in args.sizes.split(",")]}  # fmt: skip
        out["load_average_after"] = os.getloadavg()
        print(json.dumps(out, indent=2))
        return
    if args.camera_only:
        replay = run_replay(load_scenario("vkd-49"))
        out = {"block_modes": _block_modes(replay), "camera": _camera(replay, args.frames)}
        print(json.dumps(out, indent=2))
        return
    n = args.frames
    replay = run_replay(load_scenario("vkd-49"))
    cams = _Cameras(replay)
    base = _Baseline(args.baseline_src) if args.baseline_src else None
    results: dict = {
        "frames_per_measure": n,
        "rounds": args.rounds,
        "tree": os.path.dirname(inspect.getfile(HelmetCamera)),
        "baseline_tree": base.tree if base else None,
    }
    hull_frames = {}
    names = args.scenes.split(",") if args.scenes else list(cams.scenes)
    for size in args.sizes.split(","):
        results[size] = {}
        for name in names:
            cam, _, first_frame, first = cams.get(name, size)
            new_s, base_s, new_cpu, base_cpu, new_flt, base_flt = [], [], [], [], [], []
            for _ in range(args.rounds):  # alternate: this tree, the baseline
                dt, frames = cams.seconds_per_frame(name, size, n)
                new_s.append(dt)
                cpu, faults = _cpu_and_faults(cam, cams.cams[name, size][1], n)
                new_cpu.append(cpu)
                new_flt.append(faults)
                if base and name in base.scenes:
                    wall, cpu, faults = base.seconds_per_frame(name, size, n)
                    base_s.append(wall)
                    base_cpu.append(cpu)
                    base_flt.append(faults)
            dt = float(np.median(new_s))
            ref, _ = cams.seconds_per_frame(name, size, max(n // 4, 2), adaptive=False)
            if name == "hull":
                hull_frames[size] = (frames, cam)
            row = {
                "fps": round(1 / dt, 1),
                "fps_range": [round(1 / max(new_s), 1), round(1 / min(new_s), 1)],
                "ms_per_frame": round(dt * 1e3, 1),
                "per_pixel_reference_ms": round(ref * 1e3, 1),
                "speedup": round(ref / dt, 2),
                "first_frame_s": round(first, 2),
                "station_pixel_fraction": round(float((first_frame.ids == ID_STATION).mean()), 3),
                "cpu_ms_per_frame": round(float(np.median(new_cpu)) * 1e3, 1),
                "minor_page_faults_per_frame": round(float(np.median(new_flt))),
            }
            if base_s:
                b = float(np.median(base_s))
                row["baseline_fps"] = round(1 / b, 1)
                row["baseline_fps_range"] = [round(1 / max(base_s), 1), round(1 / min(base_s), 1)]
                row["fps_ratio_new_over_baseline"] = round(b / dt, 3)
                row["baseline_cpu_ms_per_frame"] = round(float(np.median(base_cpu)) * 1e3, 1)
                row["baseline_minor_page_faults_per_frame"] = round(float(np.median(base_flt)))
                row["cpu_ratio_new_over_baseline"] = round(
                    float(np.median(new_cpu)) / float(np.median(base_cpu)), 3
                )
            results[size][name] = row
    if base:
        base.close()
    if args.table_only:
        print(json.dumps(results, indent=2))
        return
    results["spacewalk"] = [_spacewalk(replay, size, args.instants, max(n // 4, 2), lens=lens)
                            for lens in args.lenses.split(",")
                            for size in args.sizes.split(",")]  # fmt: skip
    if "night_lights" in inspect.signature(HelmetCamera).parameters:
        results["effects"] = _effects(replay, n, cams.scenes)
    if "people" in inspect.signature(HelmetCamera).parameters:
        results["people"] = _people(replay, n)
    if "materials" in inspect.signature(HelmetCamera).parameters:
        results["surfaces"] = _surfaces(replay, n)
    if "flare" in inspect.signature(HelmetCamera).parameters:
        results["camera"] = _camera(replay, n)
    with tempfile.TemporaryDirectory() as tmp:
        for key, (frames, cam) in hull_frames.items():
            w, h = (int(x) for x in key.split("x"))
            batch = frames * max(1, 100 // len(frames))
            t = time.perf_counter()
            write_mp4(iter(batch), Path(tmp) / "x.mp4", 30.0, w, h)
            results[key]["encode_fps"] = round(len(batch) / (time.perf_counter() - t), 1)
            times = [
                datetime(2021, 9, 3, 15, 30, tzinfo=UTC) + timedelta(seconds=k) for k in range(n)
            ]
            t = time.perf_counter()
            write_mp4((cam.frame("EV1", s).image for s in times), Path(tmp) / "y.mp4", 30.0, w, h)
            results[key]["render_and_encode_fps"] = round(n / (time.perf_counter() - t), 1)
    results["load_average_after"] = os.getloadavg()
    results["machine"] = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "cpu": platform.machine(),
        "processor": _cpu_name(),
    }
    print(json.dumps(results, indent=2))


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
