"""How far CesiumJS's reading of evasim's CZML is from evasim's own states; prints JSON.

Uses the transcription of CesiumJS 1.145's interpolation in tests/test_exchange_czml.py and
skyfield's ITRS rotation to turn the orientation back to inertial. For VKD-49 (attitude hold)
and the Nauka thruster event (a tumble), at 10 s sampling: the largest orientation error at the
samples and at every 7th second between them (rad), and the largest position error (m).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/czml_accuracy.py``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_exchange_czml as cesium
from evasim import api
from evasim.exchange import czml
from evasim.sky import Sky


def errors(replay, sky, sampling_s: float = 10.0) -> dict:
    doc = json.loads(czml.czml_text(replay, sampling_s, None))
    station = cesium._packet(doc, "station")
    tq, quats = cesium._samples(station["orientation"], 4)
    tp, states = cesium._samples(station["position"], 6)
    grid = replay.grid
    seconds = np.arange(0.0, grid.seconds[-1] - grid.seconds[0], 7.0)
    idx = np.rint(seconds / (grid.seconds[1] - grid.seconds[0])).astype(int)
    xyzw = np.array([cesium.cesium_quaternion(tq, quats, s, 5) for s in seconds])
    rot = np.moveaxis(
        cesium._itrs_rotation(grid.with_seconds(grid.seconds[idx]).skyfield(sky)), -1, 0
    )
    q_gcrs = cesium.qmul(cesium.qconj(cesium.from_matrix(rot)), xyzw[:, [3, 0, 1, 2]])
    angle = cesium._angle(q_gcrs, replay.attitude.q_gcrs[idx])
    pos = np.array([cesium.cesium_position(tp, states, s, 5) for s in seconds])
    metres = np.linalg.norm(pos - replay.track.r_gcrs_km[:, idx].T * 1000.0, axis=1)
    return {
        "orientation_samples": len(tq),
        "position_samples": len(tp),
        "checked_instants": len(seconds),
        "orientation_max_rad": float(angle.max()),
        "position_max_m": float(metres.max()),
    }


def main() -> None:
    sky = Sky.load()
    out = {name: errors(api.replay(name, sky), sky) for name in ("vkd-49", "nauka-2021-07-29")}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
