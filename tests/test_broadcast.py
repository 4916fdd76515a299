"""The live broadcast server (evasim.broadcast): control, static files, WebSockets, video."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import ClassVar

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from evasim.broadcast import create_app
from evasim.broadcast.clock import PlaybackClock
from evasim.broadcast.hub import Hub
from evasim.errors import EvasimInputError

TOKEN = "test-operator-token"
W, H = 160, 90


class FakeCamera:
    """Solid-colour frames (a colour per role, a stripe moving with time) so that API tests
    skip real rendering."""

    calls: ClassVar[dict[int, int]] = {}

    def __init__(self, replay, width, height):
        self.width, self.height = width, height
        self.key = None

    def frame(self, role, when):
        image = np.zeros((self.height, self.width, 3), np.uint8)
        image[..., 0 if role == "EV1" else 2] = 200
        x = int(when.timestamp() * 10) % self.width
        image[:, x : x + 4, 1] = 255
        FakeCamera.calls[self.key] = FakeCamera.calls.get(self.key, 0) + 1
        return SimpleNamespace(image=image)


def fake_factory(replay, width, height):
    return FakeCamera(replay, width, height)


@pytest.fixture()
def client(vkd49):
    cameras = []

    def factory(replay, width, height):
        cameras.append(FakeCamera(replay, width, height))
        cameras[-1].key = id(app.state.broadcast)
        return cameras[-1]

    app = create_app(
        vkd49, speed=10.0, width=W, height=H, fps=4.0, token=TOKEN, camera_factory=factory
    )
    with TestClient(app) as c:
        yield c


def auth(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def sim_s(client) -> float:
    return client.get("/api/state").json()["eva_elapsed_s"]


# -- clock ------------------------------------------------------------------------------------
def test_clock_pause_seek_speed():
    now = [100.0]
    clock = PlaybackClock(0.0, 1000.0, 10.0, 5.0, time_fn=lambda: now[0])
    now[0] += 2.0
    assert clock.now_s() == pytest.approx(20.0)
    clock.pause()
    now[0] += 50.0
    assert clock.now_s() == pytest.approx(20.0)
    clock.resume()
    clock.set_speed(2.0)
    now[0] += 1.0
    assert clock.now_s() == pytest.approx(22.0)
    clock.seek(990.0)
    now[0] += 100.0
    assert clock.now_s() == 1000.0 and clock.state().ended
    clock.seek(-5.0)
    assert clock.state().seconds == 0.0


async def _hub_scenario():
    hub = Hub()
    hub.publish("a")
    slow, fast = hub.subscribe(), hub.subscribe()
    assert await fast.get() == "a"
    for value in ("b", "c", "d"):
        hub.publish(value)
        assert await fast.get() == value
    assert await slow.get() == "d"  # one pending value: the newest
    hub.unsubscribe(slow)
    assert await slow.get() is None and len(hub) == 1


def test_hub_latest_value_slot_skips_for_slow_viewer():
    import asyncio

    asyncio.run(_hub_scenario())


# -- HTTP -------------------------------------------------------------------------------------
def test_page_state_track_and_earth(client):
    r = client.get("/")
    assert r.status_code == 200 and "<canvas" in r.text and 'id="clock"' in r.text
    assert "Content-Security-Policy" in r.headers
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    state = client.get("/api/state").json()
    assert state["scenario"] == "vkd-49"
    assert [c["role"] for c in state["crew"]] == ["EV1", "EV2"]
    assert state["speed"] == 10.0 and state["paused"] is False
    assert state["utc"].startswith("2021-09-03T14:4")
    track = client.get("/api/track").json()
    assert len(track["points"]) > 1000 and all(-90 <= p[0] <= 90 for p in track["points"])
    assert {e["kind"] for e in track["edges"]} == {"sunrise", "sunset"}
    assert {t["role"] for t in track["tasks"]} == {"EV1", "EV2"}
    earth = client.get("/api/earth.jpg")
    assert earth.headers["content-type"] == "image/jpeg" and earth.content[:2] == b"\xff\xd8"


def test_control_needs_the_token(client):
    body = {"action": "pause"}
    assert client.post("/api/control", json=body).status_code == 401
    assert client.post("/api/control", json=body, headers=auth("wrong")).status_code == 401
    assert (
        client.post("/api/control", json=body, headers={"Authorization": TOKEN}).status_code == 401
    )
    assert client.get("/api/state").json()["paused"] is False
    r = client.post("/api/control", json=body, headers=auth())
    assert r.status_code == 200 and r.json()["paused"] is True


def test_pause_stops_and_resume_restarts_the_clock(client):
    client.post("/api/control", json={"action": "pause"}, headers=auth())
    a = sim_s(client)
    time.sleep(0.4)
    assert sim_s(client) == a
    client.post("/api/control", json={"action": "resume"}, headers=auth())
    time.sleep(0.4)
    assert sim_s(client) > a + 2.0  # 10x speed


def test_seek_and_speed(client, vkd49):
    when = vkd49.scenario.eva.hatch_open_utc + timedelta(hours=2)
    r = client.post(
        "/api/control",
        json={"action": "seek", "utc": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
        headers=auth(),
    )
    assert r.status_code == 200
    assert 7200.0 <= r.json()["eva_elapsed_s"] < 7210.0
    r = client.post("/api/control", json={"action": "speed", "speed": 100}, headers=auth())
    assert r.status_code == 200 and r.json()["speed"] == 100.0
    t0, a = time.monotonic(), sim_s(client)
    time.sleep(0.5)
    b, t1 = sim_s(client), time.monotonic()
    assert (b - a) / (t1 - t0) == pytest.approx(100.0, rel=0.3)


@pytest.mark.parametrize(
    "body",
    [
        {"action": "explode"},
        {"action": "speed", "speed": "fast"},
        {"action": "pause", "extra": 1},
        [],
    ],
)
def test_control_rejects_bad_input_422(client, body):
    assert client.post("/api/control", json=body, headers=auth()).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"action": "seek"},
        {"action": "seek", "utc": "yesterday"},
        {"action": "seek", "utc": "2030-01-01T00:00:00Z"},
        {"action": "speed"},
        {"action": "speed", "speed": 0},
        {"action": "speed", "speed": 1e9},
    ],
)
def test_control_rejects_bad_values_400(client, body):
    assert client.post("/api/control", json=body, headers=auth()).status_code == 400


def test_control_rejects_garbage_body(client):
    r = client.post("/api/control", content=b"\xff\xfe{{", headers=auth())
    assert r.status_code == 422
    r = client.post("/api/control", content=b"{" * 10000, headers=auth())
    assert r.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2f..%2fpyproject.toml",
        "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/static/%252e%252e%252fpyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/",
        "/static/app.js%00.txt",
        "/static/nope.js",
    ],
)
def test_static_path_traversal_is_404(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert b"root:" not in r.content and b"[project]" not in r.content


def test_static_traversal_raw_request_path(vkd49):
    """Dotted paths exactly as a raw client may send them (no client-side normalisation)."""
    import asyncio

    app = create_app(vkd49, width=W, height=H, fps=1.0, camera_factory=fake_factory)

    async def get(path: str) -> tuple[int, bytes]:
        sent = []
        requested = []

        async def receive():
            if requested:  # then wait for a disconnect that never comes
                await asyncio.Event().wait()
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"t")],
            "client": ("127.0.0.1", 1),
            "server": ("t", 80),
        }
        await app(scope, receive, send)
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status, body

    for path in (
        "/static/../../pyproject.toml",
        "/static/../../../../etc/passwd",
        "/static/..",
        "/static/../",
        "/static/./../app.js",
        "/static//etc/passwd",
        "/static/..\\..\\pyproject.toml",
    ):
        status, body = asyncio.run(get(path))
        assert status == 404, path
        assert b"root:" not in body and b"[project]" not in body
    assert asyncio.run(get("/static/./app.js"))[0] == 200


# -- WebSockets -------------------------------------------------------------------------------
def test_telemetry_rate_and_clock_speed(client):
    with client.websocket_connect("/ws/telemetry") as ws:
        first = ws.receive_json()  # the latest value, then one every 100 ms
        msgs = [ws.receive_json() for _ in range(21)]
    assert first["type"] == "telemetry"
    sent = [m["sent"] for m in msgs]
    rate = (len(sent) - 1) / (sent[-1] - sent[0])
    assert rate >= 9.8  # 10 Hz on an absolute schedule (allowing timer jitter)
    sim_rate = (msgs[-1]["sim_s"] - msgs[0]["sim_s"]) / (sent[-1] - sent[0])
    assert sim_rate == pytest.approx(10.0, rel=0.1)
    m = msgs[-1]
    for key in ("utc", "eva_elapsed_s", "lat", "lon", "alt_km", "sunlit", "roll", "pitch", "yaw"):
        assert key in m
    assert 400 < m["alt_km"] < 440 and -52 < m["lat"] < 52
    assert set(m["tasks"]) == {"EV1", "EV2"}
    assert 0.0 <= m["tasks"]["EV1"]["progress"] <= 1.0
    assert m["links"]["total"] == 6 and len(m["subsolar"]) == 2


def test_viewer_text_messages_are_ignored(client):
    with client.websocket_connect("/ws/telemetry") as ws:
        ws.receive_json()
        for text in ("hello", "{not json", json.dumps({"action": "pause"})):
            ws.send_text(text)
        ws.receive_json()
        ws.receive_json()
    assert client.get("/api/state").json()["paused"] is False


def _receive_until_closed(ws) -> int:
    for _ in range(500):
        msg = ws.receive()
        if msg["type"] == "websocket.close":
            return msg["code"]
    raise AssertionError("socket not closed")


@pytest.mark.parametrize(
    "attack",
    ["binary", "huge", "flood"],
)
def test_malformed_viewer_messages_close_with_1008(client, attack):
    with client.websocket_connect("/ws/telemetry") as bystander:
        bystander.receive_json()
        with client.websocket_connect("/ws/telemetry") as ws:
            ws.receive_json()
            if attack == "binary":
                ws.send_bytes(bytes(range(256)) * 4)
            elif attack == "huge":
                ws.send_text("x" * 100_000)
            else:
                for _ in range(30):
                    ws.send_text("ping")
            assert _receive_until_closed(ws) == 1008
        # the server and the other viewer carry on
        before = bystander.receive_json()["sent"]
        assert bystander.receive_json()["sent"] > before
    assert client.get("/api/state").status_code == 200
    with client.websocket_connect("/ws/telemetry") as ws:
        assert ws.receive_json()["type"] == "telemetry"


def test_unknown_video_role_is_1008(client):
    with client.websocket_connect("/ws/video/EV9") as ws:
        assert _receive_until_closed(ws) == 1008
    with client.websocket_connect("/ws/video/ev3") as ws:
        assert _receive_until_closed(ws) == 1008
    with pytest.raises(WebSocketDisconnect):  # no such route: refused at the handshake
        with client.websocket_connect("/ws/video/..%2f.."):
            pass


def test_video_two_viewers_get_the_same_jpeg_bytes(client):
    bc = client.app.state.broadcast
    with (
        client.websocket_connect("/ws/video/EV1") as a,
        client.websocket_connect("/ws/video/EV1") as b,
    ):
        frames_a = [a.receive_bytes() for _ in range(4)]
        frames_b = [b.receive_bytes() for _ in range(4)]
    for data in frames_a + frames_b:
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    assert len(set(frames_a)) > 1  # the fake frames change with the clock
    assert set(frames_a) & set(frames_b)  # the very same encoded frames reach both viewers
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(frames_a[-1]))
    assert image.format == "JPEG" and image.size == (W, H)
    r, _, b_ = image.convert("RGB").getpixel((W // 2, H // 2))
    assert r > 150 and b_ < 60  # EV1's fake colour
    # one render per crew member per frame period, however many viewers
    assert FakeCamera.calls[id(bc)] <= 2 * bc.frames_rendered + 2


def test_create_app_validates(vkd49):
    with pytest.raises(EvasimInputError):
        create_app(vkd49, speed=0.5, camera_factory=fake_factory)
    with pytest.raises(EvasimInputError):
        create_app(
            vkd49,
            start_utc=vkd49.grid.t0_utc - timedelta(days=1),
            camera_factory=fake_factory,
        )


def test_random_token_when_none_given(vkd49):
    a = create_app(vkd49, camera_factory=fake_factory)
    b = create_app(vkd49, camera_factory=fake_factory)
    assert len(a.state.token) >= 20 and a.state.token != b.state.token


@pytest.mark.render
def test_real_helmet_camera_frames(vkd49):
    """The real renderer end to end (slow first frame: numba compile and textures)."""
    app = create_app(vkd49, speed=10.0, width=W, height=H, fps=2.0, token=TOKEN)
    with TestClient(app) as c, c.websocket_connect("/ws/video/EV1") as ws:
        data = ws.receive_bytes()
    assert data[:2] == b"\xff\xd8"
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(data))
    assert image.size == (W, H)
    assert np.asarray(image).std() > 2.0  # not a blank frame


def test_hls_playlist_and_segments(vkd49):
    """HLS: ffmpeg turns the shared frames into a playlist of H.264 segments; only whitelisted
    names are served."""
    app = create_app(
        vkd49,
        speed=10.0,
        width=W,
        height=H,
        fps=10.0,
        token=TOKEN,
        camera_factory=fake_factory,
        hls=True,
    )
    with TestClient(app) as c:
        deadline = time.monotonic() + 30
        playlist = None
        while time.monotonic() < deadline:
            r = c.get("/hls/EV1/index.m3u8")
            if r.status_code == 200 and ".ts" in r.text:
                playlist = r.text
                break
            time.sleep(0.5)
        assert playlist is not None and playlist.startswith("#EXTM3U")
        assert r.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        segment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
        seg = c.get(f"/hls/EV1/{segment}")
        assert seg.status_code == 200 and seg.content[:1] == b"\x47"  # MPEG-TS sync byte
        for bad in (
            "/hls/EV1/..%2f..%2fpyproject.toml",
            "/hls/EV1/../../etc/passwd",
            "/hls/EV9/index.m3u8",
            "/hls/EV1/seg_1.ts",
            "/hls/EV1/index.m3u8.bak",
        ):
            r = c.get(bad)
            assert r.status_code == 404 and b"[project]" not in r.content
        root = app.state.broadcast.hls.root
    assert not root.exists()  # removed on shutdown
