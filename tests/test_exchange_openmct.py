"""Open MCT: the replay's timeline as a Plan, its telemetry at a historical endpoint."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from evasim.exchange import openmct


class _Camera:
    def __init__(self, *_):
        pass

    def frame(self, role, when):
        return SimpleNamespace(image=np.zeros((9, 16, 3), np.uint8))


@pytest.fixture(scope="module")
def client(vkd49):
    from evasim.broadcast import create_app

    return TestClient(create_app(vkd49, camera_factory=_Camera))  # no lifespan: no loops


def _ms(when) -> int:
    return round(when.timestamp() * 1000)


def test_plan_lanes_hold_the_timeline(vkd49, client):
    plan = client.get("/openmct/plan.json").json()
    sc = vkd49.scenario
    assert list(plan)[:3] == ["EVA", "EV1 Oleg Novitskiy", "EV2 Pyotr Dubrov"]
    (eva,) = plan["EVA"]
    assert (eva["start"], eva["end"]) == (_ms(sc.eva.hatch_open_utc), _ms(sc.eva.hatch_close_utc))
    for lane, activities in plan.items():
        for a in activities:
            assert set(a) == {"name", "start", "end", "type", "color", "textColor"}
            assert a["type"] == lane and a["start"] < a["end"]
    ev1_tasks = [t for t in sc.tasks if sc.crew[0] in sc.task_crew(t)]
    assert [a["name"] for a in plan["EV1 Oleg Novitskiy"]] == [
        t.name for t in sorted(ev1_tasks, key=lambda t: sc.task_window(t)[0])
    ]
    # the nights are the replay's sunsets to sunrises (ms)
    sunsets = vkd49.edges.seconds[vkd49.edges.kind == "sunset"]
    first = _ms(vkd49.grid.datetime_at(sunsets[sunsets > 0][0]))
    assert any(abs(n["start"] - first) <= 1 for n in plan["Orbital night"])


def test_history_answers_the_request_open_mct_makes(vkd49, client):
    """Open MCT's historical telemetry provider (the tutorial's) asks
    GET /history/{key}?start={ms}&end={ms} and reads [{timestamp, value, id}]."""
    start = vkd49.scenario.eva.hatch_open_utc
    lo = _ms(start)
    hi = lo + 15 * 60 * 1000
    response = client.get(f"/openmct/history/altitude?start={lo}&end={hi}")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    points = response.json()
    assert len(points) == 15 * 60 + 1  # 1 Hz, both ends
    assert points[0]["id"] == "altitude" and points[0]["timestamp"] == lo
    i = round((start - vkd49.grid.t0_utc).total_seconds())
    assert points[0]["value"] == pytest.approx(float(vkd49.track.altitude_km[i]))
    assert all(a["timestamp"] < b["timestamp"] for a, b in itertools.pairwise(points))
    names = [m["key"] for m in client.get("/openmct/dictionary.json").json()["measurements"]]
    assert {"altitude", "sunlit", "suit_time_left", "pitch"} <= set(names)


def test_history_bounds_and_keys_are_checked(client):
    assert client.get("/openmct/history/warp?start=0&end=1").status_code == 404
    bad = client.get("/openmct/history/altitude?start=soon&end=1")
    assert bad.status_code == 400 and "start: expected milliseconds" in bad.json()["detail"]
    assert client.get("/openmct/history/altitude?start=5&end=1").status_code == 400
    everything = client.get("/openmct/history/beta").json()
    assert len(everything) == openmct.MAX_POINTS  # 30,601 rows thinned evenly
