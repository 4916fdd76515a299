"""Where a helmet-camera frame's time goes; prints one JSON object.

Run: OPENBLAS_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_render_attribution.py
       [--frames 6] [--sizes 1280x720,1920x1080] [--scenes action,auto,slow]

Scenes (VKD-49, EV1, every effect on): "action" = the limb look from the worksite at 15:30 UTC
through the action lens; "auto" = the auto look at 15:40 (the Sun and its flare in view, close to
the hull); "slow" = the whole spacewalk's slowest instant through the videos' 120 deg lens (found
by ``bench_render.py --spacewalk-only --instants 16``: 21:50:34 UTC, the 15th instant, 21 fps).

Three views of one frame, all CPU time (``time.process_time``: both threads) and the minimum of
``--frames`` frames (the least disturbed by other jobs on a shared machine):

* "stages": the frame's steps, timed by wrapping the functions :meth:`HelmetCamera.frame` calls
  (pass 1 ``trace_corners``, pass 2 ``fill_blocks``, stars, flare, overlay); "python" is the
  rest (pose, the solids in ITRS, screen bounds, the shadow grid, metering, allocation);
* "pass2": pass 2 split by what each block does (:func:`evasim.render.raycast._block_mode`):
  a copy of the pass-2 kernel (:func:`_masked_fill`) that fills only the blocks of one kind, the
  others only decided; each kind's cost is its time less the deciding-only time. "blocks": the
  share of blocks of each kind;
* "switches": the whole frame with one effect switched off through data (shadow rays: an empty
  shadow grid; materials; helmet lamps; fittings; flare; overlay), interleaved with the frame
  with every effect on: the cost of each effect, its traced edges included.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from numba import njit, prange

from evasim.render import flare as flare_mod
from evasim.render import raycast, shadowgrid
from evasim.render.raycast import (
    BLOCK,
    ID_EARTH,
    NO_REFCOUNTING,
    TILE,
    _block_mode,
    _coprime_step,
    _patterned,
    _sky_or_earth,
    _solid_block,
    _tile_list,
    _tone,
    _trace,
    _view,
    _world_ray,
)
from evasim.render.shading import A_KM

KINDS = ("interp_plain", "interp_material", "earth_2x2", "traced")


@njit(cache=True, fastmath=True, error_model="numpy", **NO_REFCOUNTING)
def _masked_row(j, geom, view, sun, sun_frac, earth, solids, samples, mask, exposure, out, ids,
                image, counts):  # fmt: skip
    """:func:`raycast._block_row` filling only the blocks whose kind (0 interpolated plain,
    1 interpolated with a material pattern, 2 Earth per 2 x 2, 3 traced) has ``mask[kind]``;
    counts the blocks of each kind in ``counts[j]``."""
    width, height = geom[0], geom[1]
    mip_levels = earth[1]
    tiles_x, s_rad, s_id, s_prim = samples[3:7]
    gw = s_id.shape[1]
    table = raycast.TONE_TABLE
    n_tab = table.shape[0] - 1
    scale = n_tab / raycast.TONE_SQRT_MAX
    texel_lat_km = np.pi * A_KM / mip_levels[0, 1]
    texel_lon_km = 2.0 * np.pi * A_KM / mip_levels[0, 2]
    y0 = j * BLOCK
    tile_row = (y0 // TILE) * tiles_x
    y_end = min(y0 + BLOCK, height)
    for i in range(gw - 1):
        x0 = i * BLOCK
        x_end = min(x0 + BLOCK, width)
        tl = _tile_list(samples, tile_row + x0 // TILE)
        mode = _block_mode(j, i, x0, y0, geom, samples, solids, tl, texel_lat_km, texel_lon_km,
                           sun, sun_frac)  # fmt: skip
        kind = 3
        if mode == 1:
            kind = 1 if s_prim[j, i] >= 0 and _patterned(j, i, samples, solids) else 0
        elif mode == 2:
            kind = 2
        counts[j, kind] += 1
        if not mask[kind]:
            continue
        if kind == 1:
            _solid_block(j, i, x0, y0, x_end, y_end, samples, solids, exposure, out, ids, image)
            continue
        if kind == 0:
            ident = s_id[j, i]
            for y in range(y0, y_end):
                fb = np.float32((y - y0) * (1.0 / BLOCK))
                for ch in range(3):
                    left = s_rad[j, i, ch] + (s_rad[j + 1, i, ch] - s_rad[j, i, ch]) * fb
                    right = (
                        s_rad[j, i + 1, ch] + (s_rad[j + 1, i + 1, ch] - s_rad[j, i + 1, ch]) * fb
                    )
                    step_x = (right - left) * np.float32(1.0 / BLOCK)
                    for x in range(x0, x_end):
                        v = left + step_x * np.float32(x - x0)
                        out[y, x, ch] = v
                        image[y, x, ch] = _tone(v, exposure, table, scale, n_tab)
                for x in range(x0, x_end):
                    ids[y, x] = ident
            continue
        if kind == 2:
            for y in range(y0, y_end, 2):
                for x in range(x0, x_end, 2):
                    dx, dy, dz, lz, _ = _world_ray(x + 0.5, y + 0.5, geom)
                    r, g, b, _, _ = _sky_or_earth(
                        dx, dy, dz, lz, 2.0, geom, view, sun, sun_frac, earth
                    )
                    for yy in range(y, min(y + 2, y_end)):
                        for xx in range(x, min(x + 2, x_end)):
                            out[yy, xx, 0], out[yy, xx, 1], out[yy, xx, 2] = r, g, b
                            ids[yy, xx] = ID_EARTH
        else:
            for y in range(y0, y_end):
                for x in range(x0, x_end):
                    if x == x0 and y == y0:
                        r, g, b = s_rad[j, i, 0], s_rad[j, i, 1], s_rad[j, i, 2]
                        ident = s_id[j, i]
                    else:
                        res = _trace(x, y, 1.0, geom, view, sun, sun_frac, earth, solids, tl)
                        r, g, b, ident = res[0], res[1], res[2], res[3]
                    out[y, x, 0], out[y, x, 1], out[y, x, 2] = r, g, b
                    ids[y, x] = ident if ident >= 0 else 0
        for y in range(y0, y_end):
            for x in range(x0, x_end):
                for ch in range(3):
                    image[y, x, ch] = _tone(out[y, x, ch], exposure, table, scale, n_tab)


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def _masked_fill(width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids, samples,
                 mask, exposure, out, ids, image):  # fmt: skip
    """:func:`raycast.fill_blocks` through :func:`_masked_row`: block counts per kind."""
    geom = (width, height, lens, focal, cam, rot, samples[13])
    view = _view(cam, sun)
    nby = samples[5].shape[0] - 1
    counts = np.zeros((nby, 4), np.int64)
    step = _coprime_step(nby)
    for k in prange(nby):
        _masked_row((k * step) % nby, geom, view, sun, sun_frac, earth, solids, samples, mask,
                    exposure, out, ids, image, counts)  # fmt: skip
    return counts.sum(axis=0)


def _scene_list():
    from evasim.render.lens import Lens

    action = Lens(121.0, projection="action")
    return {
        "action": ("limb", datetime(2021, 9, 3, 15, 30, tzinfo=UTC), action),
        "auto": ("auto", datetime(2021, 9, 3, 15, 40, tzinfo=UTC), action),
        "slow": ("auto", datetime(2021, 9, 3, 21, 50, 34, tzinfo=UTC), Lens(120.0)),
    }


class _Stages:
    """Wrap the functions a frame calls with CPU timers (restored by :meth:`close`)."""

    def __init__(self, cam):
        self.cam, self.acc = cam, {}
        self.saved = [(raycast, "trace_corners"), (raycast, "fill_blocks"),
                      (flare_mod, "apply")]  # fmt: skip
        self.originals = [getattr(m, n) for m, n in self.saved]
        for (m, n), f in zip(self.saved, self.originals, strict=True):
            setattr(m, n, self._timed(n, f))
        for n in ("_draw_stars", "_overlay"):
            setattr(cam, n, self._timed(n, getattr(cam, n)))

    def _timed(self, name, f):
        def wrapper(*a, **k):
            c = time.process_time()
            try:
                return f(*a, **k)
            finally:
                self.acc[name] = self.acc.get(name, 0.0) + time.process_time() - c

        return wrapper

    def close(self):
        for (m, n), f in zip(self.saved, self.originals, strict=True):
            setattr(m, n, f)
        for n in ("_draw_stars", "_overlay"):
            del self.cam.__dict__[n]


def _stages(cam, when, n):
    """Per-stage CPU ms, each the minimum over ``n`` frames."""
    cam.frame("EV1", when)
    st = _Stages(cam)
    best: dict = {}
    try:
        for k in range(n):
            st.acc = {}
            c = time.process_time()
            cam.frame("EV1", when + timedelta(seconds=1 / 30 * (k + 1)))
            st.acc["total"] = time.process_time() - c
            st.acc["python"] = st.acc["total"] - sum(
                v for key, v in st.acc.items() if key != "total"
            )
            for key, v in st.acc.items():
                best[key] = min(best.get(key, 1e9), v)
    finally:
        st.close()
    return {k: round(v * 1e3, 1) for k, v in best.items()}


def _pass2(cam, when, n):
    """Pass 2 per block kind (module doc): CPU ms (minimum over ``n``) and block shares."""
    scene: dict = {}
    original = raycast.fill_blocks

    def spy(*args):
        scene["args"] = args
        return original(*args)

    raycast.fill_blocks = spy
    try:
        cam.frame("EV1", when + timedelta(seconds=1 / 30))
    finally:
        raycast.fill_blocks = original
    args = scene["args"]
    head, exposure, out, ids, image = args[:11], args[12], args[13], args[14], args[15]
    if image.shape[0] == 0:  # the Sun in view: the flare tones (the masked copy always does)
        image = np.empty(out.shape, np.uint8)
    masks = {"decide_only": (0, 0, 0, 0)} | {
        k: tuple(int(i == m) for i in range(4)) for m, k in enumerate(KINDS)
    }
    masks["all"] = (1, 1, 1, 1)
    counts = None
    times = {}
    for name, m in masks.items():
        mask = np.array(m, np.bool_)
        counts = _masked_fill(*head, mask, exposure, out, ids, image)  # warm / compile
        best = 1e9
        for _ in range(n):
            c = time.process_time()
            _masked_fill(*head, mask, exposure, out, ids, image)
            best = min(best, time.process_time() - c)
        times[name] = best
    c = time.process_time()
    best = 1e9
    for _ in range(n):
        c = time.process_time()
        original(*args)
        best = min(best, time.process_time() - c)
    base = times["decide_only"]
    total = counts.sum()
    return {
        "shipped_fill_blocks_ms": round(best * 1e3, 1),
        "masked_all_ms": round(times["all"] * 1e3, 1),
        "decide_only_ms": round(base * 1e3, 1),
        "kind_ms": {k: round((times[k] - base) * 1e3, 1) for k in KINDS},
        "blocks": {k: round(float(counts[m] / total), 3) for m, k in enumerate(KINDS)},
        "traced_pixel_us": round(
            (times["traced"] - base) * 1e6 / max(counts[3] * BLOCK * BLOCK - counts[3], 1), 3
        ),
    }


def _no_shadows(build):
    def wrapper(centres, radii, sun):
        params, starts, items = build(centres, radii, sun)
        return params, np.zeros_like(starts), items[:0]

    return wrapper


def _switches(replay, size, look, when, lens, n):
    """Whole-frame CPU ms with every effect on and with one off (minimum over ``n``, the
    variants interleaved)."""
    from evasim.render.frame import HelmetCamera

    w, h = (int(x) for x in size.split("x"))
    variants = {
        "all_on": {},
        "no_materials": {"materials": False},
        "no_lamps": {"lamps": False},
        "no_fittings": {"fittings": False},
        "no_flare": {"flare": False},
        "no_overlay": {"overlay": False},
        "no_shadow_rays": {},
    }
    cams = {v: HelmetCamera(replay, w, h, lens, look=look, **kw) for v, kw in variants.items()}
    best = dict.fromkeys(cams, 1e9)
    build = shadowgrid.build
    for k in range(n + 1):
        for v, cam in cams.items():
            if v == "no_shadow_rays":
                shadowgrid.build = _no_shadows(build)
            try:
                c = time.process_time()
                cam.frame("EV1", when + timedelta(seconds=1 / 30 * k))
                dt = time.process_time() - c
            finally:
                shadowgrid.build = build
            if k:
                best[v] = min(best[v], dt)
    on = best["all_on"]
    return {"all_on_ms": round(on * 1e3, 1)} | {
        f"{v[3:]}_cost_ms": round((on - t) * 1e3, 1) for v, t in best.items() if v != "all_on"
    }


def main() -> None:
    from evasim.render.frame import HelmetCamera
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--scenes", default="action,auto,slow")
    parser.add_argument("--no-switches", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.frames <= 100:
        raise SystemExit("--frames: expected 1..100")
    replay = run_replay(load_scenario("vkd-49"))
    scenes = _scene_list()
    out: dict = {"frames": args.frames}
    for size in args.sizes.split(","):
        w, h = (int(x) for x in size.split("x"))
        for name in args.scenes.split(","):
            look, when, lens = scenes[name]
            cam = HelmetCamera(replay, w, h, lens, look=look)
            row = {"stages_cpu_ms": _stages(cam, when, args.frames)}
            row["pass2_cpu_ms"] = _pass2(cam, when, args.frames)
            if not args.no_switches:
                row["switches_cpu_ms"] = _switches(replay, size, look, when, lens, args.frames)
            out[f"{name}_{size}"] = row
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
