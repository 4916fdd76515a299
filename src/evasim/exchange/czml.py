"""A replay as CZML for CesiumJS: the station, its crew, its orbit, day and night, events.

Packets (built with ``czml3`` models, written as one JSON array):

* ``document``: the clock over the replay's span, starting at hatch open.
* ``station``: position in the INERTIAL frame (Cesium's ICRF; evasim's GCRS axes, metres) with
  its velocity (``cartesianVelocity``, m/s), Lagrange interpolation of degree
  :data:`POSITION_DEGREE`; orientation as ``unitQuaternion`` ``[x, y, z, w]``, the rotation of
  the station's body axes (+X forward, +Y starboard, +Z nadir) to the Earth-FIXED axes, which is
  what CZML means by an orientation even when the position is inertial: at every sample the
  replay's own body -> GCRS attitude is composed with its own GCRS -> ITRS rotation
  (:meth:`evasim.sky.orbit.StationTrack.itrs_from_gcrs`: TEME and GMST 1982, polar motion
  ignored); Lagrange degree :data:`ORIENTATION_DEGREE` (Cesium interpolates the rotation
  vectors of each window's samples relative to its last sample); the station's glTF of the
  replay's date (:func:`station_glb`) as its model; the orbit path, half an orbit ahead and half
  behind, yellow in sunlight and blue in the Earth's shadow.
* ``sunlit`` / ``eclipsed``: availability intervals of orbital day and night (the Sun's centre
  above or below the Earth's limb: the replay's own sunrises and sunsets), each with a label.
* ``crew-EV1`` ...: each spacewalker as a point at their position (the timeline's worksites on
  the station's hull, :func:`evasim.render.camera.crew_state_body`, carried by the station's
  attitude), available from hatch open to hatch close.
* ``hatch`` and ``task-N``: the hatch-open interval and every task as labelled intervals (the
  task's label rides on its first crew member).

Sampling: every :data:`SAMPLING_S` seconds of the replay grid (a multiple of the grid's step)
and its last instant. Sampled positions are rounded to the millimetre, velocities to the
micrometre per second, quaternion components to 1e-12: far below the 1 m and 1e-6 rad the
round-trip test holds Cesium's interpolation to.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from ..attitude.quaternion import from_matrix, matrices, qconj, qmul
from ..errors import EvasimInputError
from ..fileutil import replacing
from ..replay import Replay
from ..sky.orbit import rotate_z_matrices

SAMPLING_S = 10.0
"""Default seconds between CZML samples."""
MAX_SAMPLES = 200_000
"""Largest number of samples per property a CZML is written with (about 23 days at 10 s)."""
POSITION_DEGREE = 5
"""Lagrange degree of the position interpolation (6 samples, 50 s at 10 s sampling: the
orbit's curvature is followed to far below a millimetre)."""
ORIENTATION_DEGREE = 5
"""Lagrange degree of the orientation interpolation."""
CESIUM_SMALLEST_ROTATION_RAD = 2.0 * math.acos(1.0 - 1e-6)
"""2.83e-3 rad: CesiumJS (``Quaternion.computeAngle``/``computeAxis``, 1.145) takes a rotation
whose quaternion has ``|w - 1| < 1e-6`` for none when it interpolates an orientation, so a
sample closer than this to the last one of its window would be read as equal to it."""
ORIENTATION_MIN_STEP_RAD = 1.5 * CESIUM_SMALLEST_ROTATION_RAD
"""Orientation samples are at least this far apart (skipping sampling instants while the body
turns slowly with respect to the Earth), ..."""
ORIENTATION_MAX_GAP_S = 120.0
"""... and at most this far apart in time."""
MODEL_URI = "./station.glb"
"""The station model's URI in the CZML, relative to the CZML file (written beside it)."""
MODEL_FILE = "station.glb"
SUNLIT_RGBA = [255, 220, 60, 255]
ECLIPSED_RGBA = [70, 110, 220, 255]
CREW_RGBA = {"EV1": [230, 60, 60, 255], "EV2": [240, 240, 240, 255], "EV3": [90, 200, 90, 255]}
BODY_TO_GLTF = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
"""Body axes -> glTF axes for Cesium. Cesium turns a glTF's axes into its model axes with
``Axis.Y_UP_TO_Z_UP`` then ``Axis.Z_UP_TO_X_UP`` (glTF +Y up, +Z forward: model (x, y, z) =
glTF (z, x, y)); the station's glTF is written in the inverse so that Cesium's model axes
are the body axes and the CZML orientation applies to them unchanged: glTF (x, y, z) = body
(y, z, x)."""


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sample_indices(replay: Replay, sampling_s: float) -> np.ndarray:
    """Grid indices of the CZML samples: every ``sampling_s`` seconds and the last instant."""
    seconds = replay.grid.seconds
    step = float(seconds[1] - seconds[0]) if len(seconds) > 1 else 1.0
    k = sampling_s / step
    if not (math.isfinite(sampling_s) and sampling_s > 0) or abs(k - round(k)) > 1e-9 or k < 1:
        raise EvasimInputError(
            f"CZML sampling {sampling_s!r} s: expected a whole multiple of the replay's step "
            f"({step:g} s)"
        )
    idx = np.arange(0, len(seconds), round(k))
    if idx[-1] != len(seconds) - 1:
        idx = np.append(idx, len(seconds) - 1)
    if idx.size > MAX_SAMPLES:
        raise EvasimInputError(
            f"CZML sampling {sampling_s:g} s gives {idx.size} samples; expected at most "
            f"{MAX_SAMPLES}: sample more coarsely"
        )
    return idx


def itrs_from_gcrs(replay: Replay, idx: np.ndarray) -> np.ndarray:
    """GCRS -> ITRS rotation matrices (n, 3, 3) at grid indices ``idx``: the replay's own
    (R_z(GMST) @ GCRS -> TEME, as :meth:`StationTrack.itrs_from_gcrs`)."""
    tr = replay.track
    return np.einsum(
        "nij,jkn->nik", rotate_z_matrices(tr.gmst_rad[idx]), tr.gcrs_to_teme[:, :, idx]
    )


def fixed_from_body(replay: Replay, idx: np.ndarray) -> np.ndarray:
    """Body -> Earth-fixed quaternions (n, 4), scalar first, at grid indices ``idx``, with the
    sign chosen for continuity from sample to sample."""
    q_gcrs = replay.attitude.q_gcrs
    if q_gcrs is None:
        raise EvasimInputError("CZML needs the replay's attitude in GCRS")
    q_ig = from_matrix(itrs_from_gcrs(replay, idx))
    q = qmul(q_ig, q_gcrs[idx])
    q /= np.linalg.norm(q, axis=1)[:, None]
    flips = np.cumprod(np.where(np.einsum("ij,ij->i", q[1:], q[:-1]) < 0, -1.0, 1.0))
    q[1:] *= flips[:, None]
    return q


def _angles(q: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Rotation angles (rad) from unit quaternion ``ref`` (4,) to each of ``q`` (n, 4)."""
    d = qmul(qconj(ref), q)
    return 2.0 * np.arctan2(np.linalg.norm(d[:, 1:], axis=1), np.abs(d[:, 0]))


def orientation_samples(replay: Replay, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid indices and body -> fixed quaternions of the orientation samples: the sampling
    instants ``idx``, skipping those less than :data:`ORIENTATION_MIN_STEP_RAD` from the
    previous sample kept (unless :data:`ORIENTATION_MAX_GAP_S` has passed), so that CesiumJS
    never reads two samples as one (:data:`CESIUM_SMALLEST_ROTATION_RAD`). A body turning with
    the orbit (1.1e-3 rad/s: 1.1e-2 rad in 10 s) keeps every instant."""
    q = fixed_from_body(replay, idx)
    seconds = replay.grid.seconds[idx]
    keep = [0]
    for j in range(1, len(idx)):
        far = _angles(q[j : j + 1], q[keep[-1]])[0] >= ORIENTATION_MIN_STEP_RAD
        if far or seconds[j] - seconds[keep[-1]] >= ORIENTATION_MAX_GAP_S:
            keep.append(j)
    last = len(idx) - 1
    if keep[-1] != last:
        if len(keep) > 1 and _angles(q[last : last + 1], q[keep[-1]])[0] < ORIENTATION_MIN_STEP_RAD:
            keep.pop()  # the span's last instant replaces a sample too close to it
        keep.append(last)
    return idx[keep], q[keep]


def _crew_gcrs_m(replay: Replay, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Each crew member's position (n, 3) in GCRS, metres, at grid indices ``idx``."""
    from ..render.camera import crew_state_body
    from ..station import Station
    from ..station.layout import layout
    from ..station.mass import mass_properties

    sc = replay.scenario
    config = Station().at(sc.station_date)
    placements = layout(config)
    by_name = {p.name: p for p in placements}
    com = mass_properties(config, placements=placements).center_of_mass_m
    airlock = replay.require_spacewalk("CZML crew positions").airlock
    r_gb = matrices(replay.attitude.q_gcrs[idx])
    r_com = replay.track.r_gcrs_km[:, idx].T * 1000.0
    out = {}
    for member in sc.crew:
        body = np.array(
            [
                crew_state_body(sc, by_name, member.role, replay.grid.datetime_at(s), airlock)[0]
                for s in replay.grid.seconds[idx]
            ]
        )
        out[member.role] = r_com + np.einsum("nij,nj->ni", r_gb, body - com)
    return out


def _interleave(t: np.ndarray, values: np.ndarray, decimals: int) -> list[float]:
    rows = np.column_stack([t, np.round(values, decimals)])
    return rows.ravel().tolist()


def _sunlit_intervals(
    replay: Replay,
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(sunlit, eclipsed) intervals in grid seconds: the Sun's centre above / below the limb."""
    s0, s1 = float(replay.grid.seconds[0]), float(replay.grid.seconds[-1])
    edges = replay.edges
    inside = (edges.seconds > s0) & (edges.seconds < s1)
    times, kinds = edges.seconds[inside], edges.kind[inside]
    if len(kinds):
        lit = kinds[0] == "sunset"
    else:
        lit = bool(replay.sunlit_fraction[0] >= 0.5)
    bounds = [s0, *times.tolist(), s1]
    sunlit, eclipsed = [], []
    for a, b in itertools.pairwise(bounds):
        (sunlit if lit else eclipsed).append((a, b))
        lit = not lit
    return sunlit, eclipsed


def czml_packets(
    replay: Replay, sampling_s: float = SAMPLING_S, model_uri: str | None = MODEL_URI
) -> list:
    """The replay's CZML packets (czml3 ``Packet`` objects, the document preamble first).

    ``model_uri``: where Cesium finds the station's glTF (relative to the CZML, or a data URI);
    None leaves the model out (a point is drawn instead)."""
    from czml3 import Packet
    from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms
    from czml3.properties import (
        Clock,
        Color,
        Label,
        Model,
        Orientation,
        Path,
        Point,
        PolylineMaterial,
        Position,
        SolidColorMaterial,
    )
    from czml3.types import Cartesian2Value, IntervalValue, TimeInterval, TimeIntervalCollection

    idx = sample_indices(replay, sampling_s)
    grid, track, sc = replay.grid, replay.track, replay.scenario
    t0 = grid.datetime_at(float(grid.seconds[0]))
    epoch = _iso(t0)
    t = grid.seconds[idx] - grid.seconds[0]

    def at(seconds: float) -> str:
        return _iso(grid.datetime_at(float(seconds)))

    span = TimeInterval(start=at(grid.seconds[0]), end=at(grid.seconds[-1]))
    state_m = np.column_stack(
        [track.r_gcrs_km[:, idx].T * 1000.0, track.v_gcrs_km_s[:, idx].T * 1000.0]
    )
    rows = np.column_stack([t, np.round(state_m[:, :3], 3), np.round(state_m[:, 3:], 6)])
    q_idx, q = orientation_samples(replay, idx)  # (w, x, y, z)
    q_xyzw = q[:, [1, 2, 3, 0]]
    t_q = grid.seconds[q_idx] - grid.seconds[0]
    period_s = 2.0 * math.pi / (replay.element_set.satrec.no_kozai / 60.0)
    sunlit, eclipsed = _sunlit_intervals(replay)
    eva = sc.eva if replay.spacewalk is not None else None
    current = at(grid.seconds_of(eva.hatch_open_utc)) if eva else at(grid.seconds[0])

    def intervals(pairs) -> TimeIntervalCollection:
        return TimeIntervalCollection(
            values=[TimeInterval(start=at(a), end=at(b)) for a, b in pairs]
        )

    def colour_intervals() -> TimeIntervalCollection:
        pairs = [(a, b, SUNLIT_RGBA) for a, b in sunlit] + [
            (a, b, ECLIPSED_RGBA) for a, b in eclipsed
        ]
        pairs.sort()
        return TimeIntervalCollection(
            values=[
                IntervalValue(
                    start=at(a),
                    end=at(b),
                    value=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba))),
                )
                for a, b, rgba in pairs
            ]
        )

    name = replay.element_set.name
    station = Packet(
        id="station",
        name=name,
        description=f"{name} (NORAD {replay.element_set.norad_id}): evasim replay {sc.name}",
        availability=span,
        position=Position(
            referenceFrame="INERTIAL",
            epoch=epoch,
            interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
            interpolationDegree=POSITION_DEGREE,
            cartesianVelocity=rows.ravel().tolist(),
        ),
        orientation=Orientation(
            epoch=epoch,
            interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
            interpolationDegree=ORIENTATION_DEGREE,
            unitQuaternion=_interleave(t_q, q_xyzw, 12),
        ),
        path=Path(
            leadTime=period_s / 2,
            trailTime=period_s / 2,
            width=2,
            resolution=60,
            material=colour_intervals(),
        ),
        label=Label(
            text=name,
            font="12pt sans-serif",
            pixelOffset=Cartesian2Value(values=[0, -24]),
            showBackground=True,
        ),
    )
    if model_uri is not None:
        station.model = Model(gltf=model_uri, minimumPixelSize=48, maximumScale=20000)
    else:
        station.point = Point(pixelSize=8, color=Color(rgba=[255, 255, 255, 255]))
    packets = [
        Packet(
            id="document",
            name=f"evasim {sc.name}",
            version="1.0",
            clock=Clock(
                interval=span,
                currentTime=current,
                multiplier=60,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        ),
        station,
    ]
    for pid, label, pairs in (
        ("sunlit", "orbital day", sunlit),
        ("eclipsed", "orbital night", eclipsed),
    ):
        if pairs:
            packets.append(
                Packet(
                    id=pid,
                    name=label,
                    availability=intervals(pairs),
                    position=Position(reference="station#position"),
                    label=Label(
                        text=label,
                        font="10pt sans-serif",
                        pixelOffset=Cartesian2Value(values=[0, 24]),
                    ),
                )
            )
    if eva is None:
        return packets
    hatch = (grid.seconds_of(eva.hatch_open_utc), grid.seconds_of(eva.hatch_close_utc))
    packets.append(
        Packet(
            id="hatch",
            name=f"hatch open: {eva.airlock}",
            availability=intervals([hatch]),
            position=Position(reference="station#position"),
            label=Label(
                text=f"hatch open ({eva.airlock})",
                font="10pt sans-serif",
                pixelOffset=Cartesian2Value(values=[0, 42]),
            ),
        )
    )
    for role, r in _crew_gcrs_m(replay, idx).items():
        member = next(m for m in sc.crew if m.role == role)
        packets.append(
            Packet(
                id=f"crew-{role}",
                name=f"{role} {member.name}",
                availability=intervals([hatch]),
                position=Position(
                    referenceFrame="INERTIAL",
                    epoch=epoch,
                    interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
                    interpolationDegree=POSITION_DEGREE,
                    cartesian=_interleave(t, r, 3),
                ),
                point=Point(pixelSize=6, color=Color(rgba=CREW_RGBA.get(role, [255] * 4))),
            )
        )
    for n, task in enumerate(sc.tasks, start=1):
        start, end = sc.task_window(task)
        crew = sc.task_crew(task)
        who = crew[0].role if crew else None
        packets.append(
            Packet(
                id=f"task-{n}",
                name=task.name,
                description=f"{task.name}: {', '.join(m.name for m in crew)}",
                availability=intervals([(grid.seconds_of(start), grid.seconds_of(end))]),
                position=Position(reference=f"crew-{who}#position" if who else "station#position"),
                label=Label(
                    text=task.name,
                    font="9pt sans-serif",
                    pixelOffset=Cartesian2Value(values=[12, 0]),
                ),
            )
        )
    return packets


def czml_text(
    replay: Replay, sampling_s: float = SAMPLING_S, model_uri: str | None = MODEL_URI
) -> str:
    """The CZML document (JSON text) of :func:`czml_packets`."""
    packets = czml_packets(replay, sampling_s, model_uri)
    return json.dumps([p.to_dict() for p in packets], separators=(",", ":"))


def station_glb(replay: Replay) -> bytes:
    """The station of the replay's date as binary glTF, in Cesium's model axes (see
    :data:`BODY_TO_GLTF`), origin at its centre of mass (where the CZML position is)."""
    from ..station import Station
    from ..station.layout import layout
    from ..station.mass import mass_properties
    from ..station.mesh import station_scene

    config = Station().at(replay.scenario.station_date)
    placements = layout(config)
    com = mass_properties(config, placements=placements).center_of_mass_m
    transform = np.eye(4)
    transform[:3, :3] = BODY_TO_GLTF
    transform[:3, 3] = -BODY_TO_GLTF @ com
    scene = station_scene(placements)
    scene.apply_transform(transform)
    return scene.export(file_type="glb")


def write_czml(replay: Replay, folder: Path, sampling_s: float = SAMPLING_S) -> dict[str, Path]:
    """Write ``replay.czml`` and ``station.glb`` (its model) into ``folder``; return them."""
    folder = Path(folder)
    text = czml_text(replay, sampling_s, MODEL_URI)
    glb = station_glb(replay)
    with replacing(folder / "replay.czml") as tmp:
        tmp.write_text(text, encoding="utf-8")
    with replacing(folder / MODEL_FILE) as tmp:
        tmp.write_bytes(glb)
    return {"replay.czml": folder / "replay.czml", MODEL_FILE: folder / MODEL_FILE}
