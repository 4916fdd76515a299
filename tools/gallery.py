"""The helmet-camera gallery of docs/render.md: eight VKD-49 frames across the spacewalk.

Run: .venv/bin/python tools/gallery.py [--out docs/gallery]

Each frame is rendered by the `evasim render` command printed before it (run in this process,
so the replay and the textures are loaded once); any one of them can be run on its own to
regenerate that frame. 960 x 540 JPEG.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

FRAMES = [
    # (file, crew, UTC, options, what it shows)
    ("01_egress_night.jpg", "novitskiy", "2021-09-03T14:43:00Z", ["--look", "worksite"],
     "hatch egress at Poisk, orbital night, helmet lamps on the hull"),
    ("02_sunrise.jpg", "novitskiy", "2021-09-03T18:06:30Z", ["--look", "free:-28,14"],
     "orbital sunrise behind the truss radiators, the twilight band"),
    ("03_worksite.jpg", "novitskiy", "2021-09-03T15:30:00Z", ["--look", "worksite"],
     "worksite close-up on MRM-2, the wearer's gloves"),
    ("04_partner.jpg", "novitskiy", "2021-09-03T15:40:00Z", ["--look", "partner"],
     "EV2 (Dubrov, blue stripes) tethered at the worksite, by day"),
    ("05_nadir_day.jpg", "novitskiy", "2021-09-03T15:30:00Z", ["--look", "nadir"],
     "nadir over the Andes by day"),
    ("06_city_lights.jpg", "novitskiy", "2021-09-03T17:52:00Z", ["--look", "limb"],
     "India's city lights toward the limb at night, airglow, stars"),
    ("07_sunset_limb.jpg", "dubrov", "2021-09-03T15:58:00Z", ["--look", "free:180,20"],
     "the limb behind the station at orbital sunset"),
    ("08_fisheye.jpg", "dubrov", "2021-09-03T15:45:00Z",
     ["--look", "nadir", "--lens", "equidistant", "--fov", "180"],
     "a 180 deg equidistant fisheye, nadir: the Earth's disc and the station"),
]  # fmt: skip
LENS = ["--lens", "action"]  # the as-flown lens model unless a frame names another
SIZE = ["--width", "960", "--height", "540"]


def commands(out: Path) -> list[tuple[str, list[str], str]]:
    """(file, `evasim render` arguments, caption) of each frame."""
    rows = []
    for name, crew, at, options, caption in FRAMES:
        lens = [] if "--lens" in options else LENS
        args = ["render", "vkd-49", "--crew", crew, "--at", at, *options, *lens, *SIZE]
        rows.append((name, [*args, "-o", str(out / name)], caption))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/gallery"))
    args = parser.parse_args()
    from evasim.cli import app

    args.out.mkdir(parents=True, exist_ok=True)
    for _name, argv, caption in commands(args.out):
        print(f"# {caption}\nevasim {shlex.join(argv)}", flush=True)
        t = time.perf_counter()
        try:
            app(argv, standalone_mode=False)
        except SystemExit as exc:  # the CLI's own exit on a bad input or a fault
            if exc.code:
                return int(exc.code)
        print(f"  ({time.perf_counter() - t:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
