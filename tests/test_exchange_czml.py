"""CZML export: read back as CesiumJS would read it, the station is where and how evasim has it.

The interpolation below is a transcription of CesiumJS 1.145 (``SampledProperty.getValue``:
the window of degree + 1 samples around the time; ``LagrangePolynomialApproximation``;
``Quaternion.convertPackedArrayForInterpolation`` / ``unpackInterpolationResult``: rotation
vectors of each sample relative to the window's last one, with Cesium's 1e-6 cut-off on w),
written here independently of the exporter. The Earth-fixed -> inertial rotation that turns the
CZML orientation back into an attitude is skyfield's own ITRS frame, not evasim's.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime

import numpy as np
import pytest

from evasim.attitude.quaternion import from_matrix, qconj, qmul
from evasim.errors import EvasimInputError
from evasim.exchange import czml

EPSILON6 = 1e-6  # CesiumMath.EPSILON6


@pytest.fixture(scope="module")
def document(vkd49):
    return json.loads(czml.czml_text(vkd49))


def _packet(document, pid):
    return next(p for p in document if p["id"] == pid)


def _samples(prop: dict, width: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray(next(v for k, v in prop.items() if isinstance(v, list)), float)
    rows = rows.reshape(-1, width + 1)
    return rows[:, 0], rows[:, 1:]


def _window(times: np.ndarray, t: float, degree: int) -> tuple[int, int] | None:
    """CesiumJS SampledProperty: None on a sample (its value is returned as is), else the
    first and last index of the interpolation window."""
    i = int(np.searchsorted(times, t))
    if i < len(times) and times[i] == t:
        return None
    first = max(i - degree // 2 - 1, 0)
    last = first + degree
    if last > len(times) - 1:
        last = len(times) - 1
        first = max(last - degree, 0)
    return first, last


def _lagrange(x: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    out = np.zeros(ys.shape[1])
    for i in range(len(xs)):
        w = 1.0
        for j in range(len(xs)):
            if j != i:
                w *= (x - xs[j]) / (xs[i] - xs[j])
        out += w * ys[i]
    return out


def _mul_xyzw(a, b):
    """Cesium's Quaternion.multiply on [x, y, z, w] arrays (Hamilton product)."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def _rotation_vector(q):
    x, y, z, w = q
    if abs(w - 1.0) < EPSILON6 or abs(w + 1.0) < EPSILON6:
        axis = np.array([1.0, 0.0, 0.0])
    else:
        axis = np.array([x, y, z]) / np.sqrt(1.0 - w * w)
    angle = 0.0 if abs(w - 1.0) < EPSILON6 else 2.0 * np.arccos(w)
    return axis * angle


def cesium_position(times, values, t, degree):
    win = _window(times, t, degree)
    if win is None:
        return values[np.searchsorted(times, t), :3]
    a, b = win
    return _lagrange(t - times[b], times[a : b + 1] - times[b], values[a : b + 1])[:3]


def cesium_quaternion(times, values, t, degree):
    """[x, y, z, w] as CesiumJS interpolates a sampled unitQuaternion."""
    win = _window(times, t, degree)
    if win is None:
        return values[np.searchsorted(times, t)]
    a, b = win
    last_conj = values[b] * np.array([-1.0, -1.0, -1.0, 1.0])
    vectors = []
    for q in values[a : b + 1]:
        rel = _mul_xyzw(q, last_conj)
        vectors.append(_rotation_vector(-rel if rel[3] < 0 else rel))
    v = _lagrange(t - times[b], times[a : b + 1] - times[b], np.array(vectors))
    angle = np.linalg.norm(v)
    if angle == 0:
        rot = np.array([0.0, 0.0, 0.0, 1.0])
    else:
        rot = np.append(np.sin(angle / 2) * v / angle, np.cos(angle / 2))
    return _mul_xyzw(rot, values[b])


def _angle(qa, qb):
    """Rotation angle (rad) between scalar-first unit quaternions, (N,) (atan2 of the
    difference's vector and scalar parts: exact near zero, unlike arccos of the dot product)."""
    d = qmul(qconj(qa), qb)
    return 2.0 * np.arctan2(np.linalg.norm(d[:, 1:], axis=1), np.abs(d[:, 0]))


def _test_seconds(document, vkd49):
    """Grid seconds to check: every 7th sample, and 3, 5 and 8 s after each of those."""
    station = _packet(document, "station")
    times, _ = _samples(station["orientation"], 4)
    at_samples = times[::7]
    between = (at_samples[:-1, None] + np.array([3.0, 5.0, 8.0])).ravel()
    return at_samples, between


def test_orientation_round_trip_matches_evasim_attitude(document, vkd49, sky):
    """CZML orientation (body -> Earth-fixed), composed back to inertial with skyfield's ITRS
    rotation, is evasim's body -> GCRS attitude to < 1e-6 rad at samples and between them."""
    station = _packet(document, "station")
    orientation = station["orientation"]
    assert orientation["interpolationAlgorithm"] == "LAGRANGE"
    degree = orientation["interpolationDegree"]
    times, quats = _samples(orientation, 4)
    np.testing.assert_allclose(np.linalg.norm(quats, axis=1), 1.0, atol=1e-11)
    assert orientation["epoch"] == station["position"]["epoch"]
    grid = vkd49.grid
    for seconds in _test_seconds(document, vkd49):
        xyzw = np.array([cesium_quaternion(times, quats, s, degree) for s in seconds])
        q_fixed = xyzw[:, [3, 0, 1, 2]]  # scalar first
        idx = np.rint(seconds / (grid.seconds[1] - grid.seconds[0])).astype(int)
        when = grid.with_seconds(grid.seconds[idx]).skyfield(sky)
        r_itrs_gcrs = np.moveaxis(_itrs_rotation(when), -1, 0)
        q_gcrs = qmul(qconj(from_matrix(r_itrs_gcrs)), q_fixed)
        err = _angle(q_gcrs, vkd49.attitude.q_gcrs[idx])
        assert err.max() < 1e-6, f"max {err.max():.2e} rad at {seconds[err.argmax()]} s"


def _itrs_rotation(t):
    from skyfield.framelib import itrs

    return itrs.rotation_at(t)


def test_position_round_trip_within_a_metre(document, vkd49):
    station = _packet(document, "station")
    position = station["position"]
    assert position["referenceFrame"] == "INERTIAL"
    assert position["interpolationAlgorithm"] == "LAGRANGE"
    times, values = _samples(position, 6)
    grid = vkd49.grid
    for seconds in _test_seconds(document, vkd49):
        idx = np.rint(seconds / (grid.seconds[1] - grid.seconds[0])).astype(int)
        got = np.array(
            [cesium_position(times, values, s, position["interpolationDegree"]) for s in seconds]
        )
        want = vkd49.track.r_gcrs_km[:, idx].T * 1000.0
        assert np.linalg.norm(got - want, axis=1).max() < 1.0
    # the velocity is the position's derivative (finite difference of the samples, 10 s apart)
    v_fd = (values[2:, :3] - values[:-2, :3]) / (times[2:, None] - times[:-2, None])
    assert np.abs(v_fd[:-2] - values[1:-3, 3:]).max() < 0.2  # m/s: O(h^2 a') of the orbit


def test_model_axes_are_body_axes_in_cesium():
    """Cesium's glTF axis correction (Axis.Y_UP_TO_Z_UP then Axis.Z_UP_TO_X_UP, matrices as
    Cesium 1.145 defines them, column-major) undoes BODY_TO_GLTF exactly."""
    y_up_to_z_up = np.array([1, 0, 0, 0, 0, 1, 0, -1, 0], float).reshape(3, 3).T
    z_up_to_x_up = np.array([0, 0, -1, 0, 1, 0, 1, 0, 0], float).reshape(3, 3).T
    correction = y_up_to_z_up @ z_up_to_x_up
    np.testing.assert_array_equal(correction @ czml.BODY_TO_GLTF, np.eye(3))


def test_station_glb_is_centred_on_the_centre_of_mass(vkd49):
    import io

    import trimesh

    from evasim.station import Station
    from evasim.station.layout import layout
    from evasim.station.mass import mass_properties

    scene = trimesh.load(io.BytesIO(czml.station_glb(vkd49)), file_type="glb")
    config = Station().at(vkd49.scenario.station_date)
    placements = layout(config)
    com = mass_properties(config, placements=placements).center_of_mass_m
    body = trimesh.Scene()
    from evasim.station.mesh import station_scene

    body = station_scene(placements)
    lo, hi = body.bounds - com
    glb_lo, glb_hi = scene.bounds
    np.testing.assert_allclose(glb_lo, czml.BODY_TO_GLTF @ lo, atol=1e-6)
    np.testing.assert_allclose(glb_hi, czml.BODY_TO_GLTF @ hi, atol=1e-6)


def test_packets_cover_crew_lighting_and_events(document, vkd49):
    ids = [p["id"] for p in document]
    assert ids[0] == "document" and document[0]["version"] == "1.0"
    sc = vkd49.scenario
    assert {f"crew-{m.role}" for m in sc.crew} <= set(ids)
    assert sum(i.startswith("task-") for i in ids) == len(sc.tasks)
    hatch = _packet(document, "hatch")
    assert hatch["availability"] == ["2021-09-03T14:41:00.000Z/2021-09-03T22:35:00.000Z"]
    station = _packet(document, "station")
    assert station["name"] == vkd49.element_set.name
    assert station["model"]["gltf"] == czml.MODEL_URI
    assert station["path"]["leadTime"] > 2500 and station["path"]["trailTime"] > 2500
    # day and night partition the span, and their edges are the replay's sunrises and sunsets
    lit, dark = _packet(document, "sunlit"), _packet(document, "eclipsed")
    bounds = sorted(iv.split("/") for iv in lit["availability"] + dark["availability"])
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    edges = vkd49.edges
    inside = (edges.seconds > vkd49.grid.seconds[0]) & (edges.seconds < vkd49.grid.seconds[-1])
    assert len(bounds) == int(inside.sum()) + 1
    first_sunset = next(
        s for s, k in zip(edges.seconds[inside], edges.kind[inside], strict=True) if k == "sunset"
    )
    starts_of_night = [iv.split("/")[0] for iv in dark["availability"]]
    when = vkd49.grid.datetime_at(first_sunset)
    assert any(
        abs((datetime.fromisoformat(s.replace("Z", "+00:00")) - when).total_seconds()) < 0.002
        for s in starts_of_night
    )


def test_crew_points_ride_on_the_station(document, vkd49):
    """Each spacewalker is within the station's extent (~110 m) of its centre of mass."""
    times, station = _samples(_packet(document, "station")["position"], 6)
    for member in vkd49.scenario.crew:
        t, crew = _samples(_packet(document, f"crew-{member.role}")["position"], 3)
        np.testing.assert_array_equal(t, times)
        distance = np.linalg.norm(crew - station[:, :3], axis=1)
        assert 1.0 < distance.min() and distance.max() < 80.0


def test_sampling_must_be_a_multiple_of_the_step(vkd49):
    with pytest.raises(EvasimInputError, match="whole multiple"):
        czml.sample_indices(vkd49, 2.5)
    with pytest.raises(EvasimInputError, match="whole multiple"):
        czml.sample_indices(vkd49, 0.0)
    assert czml.sample_indices(vkd49, 60.0)[-1] == len(vkd49.grid) - 1


def test_write_products_with_czml_puts_czml_and_model_into_the_set(vkd49, tmp_path):
    from evasim import api

    out = tmp_path / "vkd"
    api.write_products(vkd49, out, report=False, czml=True)
    doc = json.loads((out / "replay.czml").read_text())
    assert _packet(doc, "station")["model"]["gltf"] == "./station.glb"
    assert (out / "station.glb").read_bytes()[:4] == b"glTF"
    manifest = json.loads((out / ".evasim-products").read_text())
    assert {"replay.czml", "station.glb"} <= set(manifest["files"])


def test_api_czml_embeds_the_model(vkd49):
    from evasim import api

    doc = json.loads(api.Replay.of(vkd49).czml(sampling_s=60.0))
    gltf = _packet(doc, "station")["model"]["gltf"]
    assert gltf.startswith("data:model/gltf-binary;base64,Z2xURg")  # "glTF" magic


def test_orientation_samples_stay_apart_for_cesium(vkd49):
    """Consecutive orientation samples are further apart than the rotation CesiumJS reads as
    none (|w - 1| < 1e-6); a station turning with its orbit keeps every sampling instant."""
    idx = czml.sample_indices(vkd49, 10.0)
    kept, q = czml.orientation_samples(vkd49, idx)
    np.testing.assert_array_equal(kept, idx)
    d = qmul(qconj(q[:-1]), q[1:])
    w = np.abs(d[:, 0]) / np.linalg.norm(d, axis=1)
    assert (1.0 - w[:-1] >= EPSILON6).all()  # the last pair may be closer (span end)
    # a body fixed to the Earth: only one sample per ORIENTATION_MAX_GAP_S, and the last
    still = np.tile([1.0, 0.0, 0.0, 0.0], (len(idx), 1))
    fake = type("R", (), {})()
    fake.grid = vkd49.grid
    fake.attitude = type("A", (), {"q_gcrs": None})()
    rot = czml.itrs_from_gcrs(vkd49, np.arange(len(vkd49.grid)))
    fake.attitude.q_gcrs = qmul(qconj(from_matrix(rot)), np.tile(still[0], (len(rot), 1)))
    fake.track = vkd49.track
    kept, _ = czml.orientation_samples(fake, idx)
    gaps = np.diff(vkd49.grid.seconds[kept])
    assert gaps[:-1].min() >= czml.ORIENTATION_MAX_GAP_S and len(kept) < len(idx) / 10
