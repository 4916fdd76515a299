"""Load test of the live broadcast's telemetry fan-out (loopback only).

    python benchmarks/broadcast_load.py                       # 200 viewers, 30 s, in-process
    python benchmarks/broadcast_load.py --viewers 1000
    python benchmarks/broadcast_load.py --url http://127.0.0.1:8000   # a running `evasim serve`
    python benchmarks/broadcast_load.py --spawn       # starts `evasim serve` as a subprocess

In-process, the server (uvicorn, the real helmet-camera render loop and the 10 Hz telemetry)
runs in a thread of this process and the viewers are asyncio WebSocket clients in the main
thread: both share one Python interpreter, so the numbers are pessimistic. The server stamps
each telemetry message with its publish time (``sent``, Unix seconds); latency is the viewer's
receive time minus that stamp (same machine, same clock), so it includes the whole fan-out.
With ``--spawn`` the server is a separate process (`evasim serve` on a free loopback port)
and its RSS is read from /proc/PID/status. The first message each viewer gets (the cached
latest value) is not counted.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import resource
import socket
import sys
import time
from urllib.parse import urlparse


def rss_mib(pid: int | str = "self") -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        return None
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100.0 * (len(values) - 1))))
    return values[k]


async def viewer(url: str, stop: asyncio.Event, stats: dict, gate: asyncio.Semaphore) -> None:
    from websockets.asyncio.client import connect

    marker = '"sent":'
    try:
        async with gate:
            ws = await connect(url, open_timeout=30, max_size=2**20, compression=None)
        stats["connected"] += 1
        first = True
        async with ws:
            while not stop.is_set():
                try:
                    msg = await asyncio.wait_for(ws.recv(), timeout=1.0)
                except TimeoutError:
                    continue
                now = time.time()
                if first:  # the cached latest value, not a fresh publish
                    first = False
                    continue
                if not stats["measuring"]:
                    continue
                i = msg.rfind(marker)
                sent = float(msg[i + len(marker) :].rstrip("}"))
                stats["latencies"].append(now - sent)
                stats["messages"] += 1
    except Exception as exc:
        if not stop.is_set():
            stats["errors"] += 1
            stats["error_kinds"][type(exc).__name__] = (
                stats["error_kinds"].get(type(exc).__name__, 0) + 1
            )


async def run_load(base: str, viewers: int, seconds: float) -> dict:
    ws_url = base.replace("http://", "ws://").rstrip("/") + "/ws/telemetry"
    stats = {
        "connected": 0,
        "messages": 0,
        "errors": 0,
        "error_kinds": {},
        "latencies": [],
        "measuring": False,
    }
    stop = asyncio.Event()
    gate = asyncio.Semaphore(64)  # concurrent handshakes
    t0 = time.monotonic()
    tasks = [asyncio.create_task(viewer(ws_url, stop, stats, gate)) for _ in range(viewers)]
    while stats["connected"] + stats["errors"] < viewers and time.monotonic() - t0 < 120:
        await asyncio.sleep(0.1)
    connect_s = time.monotonic() - t0
    stats["measuring"] = True
    start = time.monotonic()
    await asyncio.sleep(seconds)
    stats["measuring"] = False
    duration = time.monotonic() - start
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    lat_ms = [x * 1000.0 for x in stats["latencies"]]
    expected = stats["connected"] * duration * 10.0
    return {
        "viewers": viewers,
        "connected": stats["connected"],
        "connect_s": round(connect_s, 2),
        "duration_s": round(duration, 2),
        "messages_received": stats["messages"],
        "messages_per_viewer_per_s": round(
            stats["messages"] / max(stats["connected"], 1) / duration, 2
        ),
        "delivery_ratio_vs_10hz": round(stats["messages"] / expected, 3) if expected else None,
        "latency_ms": {
            "p50": round(percentile(lat_ms, 50), 2) if lat_ms else None,
            "p90": round(percentile(lat_ms, 90), 2) if lat_ms else None,
            "p99": round(percentile(lat_ms, 99), 2) if lat_ms else None,
            "max": round(max(lat_ms), 2) if lat_ms else None,
        },
        "errors": stats["errors"],
        "error_kinds": stats["error_kinds"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--url", help="a running server (loopback only), e.g. http://127.0.0.1:8000")
    ap.add_argument("--scenario", default="vkd-49")
    ap.add_argument("--size", default="640x360", help="camera frames rendered in-process")
    ap.add_argument("--fps", type=float, default=5.0)
    ap.add_argument("--no-video", action="store_true", help="in-process: skip the renderer")
    ap.add_argument("--spawn", action="store_true", help="run `evasim serve` as a separate process")
    args = ap.parse_args(argv)
    if not 1 <= args.viewers <= 5000:
        ap.error("--viewers: expected 1..5000")
    if not 1 <= args.seconds <= 600:
        ap.error("--seconds: expected 1..600 (the load test is bounded)")
    raise_fd_limit(2 * args.viewers + 256)
    if args.url:
        parsed = urlparse(args.url)
        if parsed.scheme != "http" or not parsed.hostname or not is_loopback(parsed.hostname):
            print("error: --url must be http:// on a loopback address", file=sys.stderr)
            return 2
        result = asyncio.run(run_load(args.url, args.viewers, args.seconds))
        result.update(mode="external server", url=args.url)
        print(json.dumps(result, indent=2))
        return 0

    if args.spawn:
        return spawned(args)

    from evasim.broadcast.server import BackgroundServer, create_app
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    width, height = (int(x) for x in args.size.lower().split("x"))
    replay = run_replay(load_scenario(args.scenario))
    factory = None
    if args.no_video:

        def factory(replay, width, height):
            raise RuntimeError("video disabled (--no-video)")

    app = create_app(
        replay, speed=10.0, width=width, height=height, fps=args.fps, camera_factory=factory
    )
    bc = app.state.broadcast
    with BackgroundServer(app, backlog=4096) as url:
        # let the renderer compile and warm up before measuring
        deadline = time.monotonic() + 120
        while not args.no_video and bc.frames_rendered < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        rss_start = rss_mib()
        frames_before = bc.frames_rendered
        result = asyncio.run(run_load(url, args.viewers, args.seconds))
        rss_end = rss_mib()
        frames = bc.frames_rendered - frames_before
    result.update(
        mode="in-process server (thread) + viewers (asyncio), one interpreter",
        video=None
        if args.no_video
        else {"size": args.size, "fps": args.fps, "frame_sets_rendered": frames},
        server_rss_mib={"start": rss_start, "end": rss_end},
    )
    print(json.dumps(result, indent=2))
    return 0


def spawned(args) -> int:
    import subprocess
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    evasim = Path(sys.executable).with_name("evasim")
    cmd = [str(evasim), "serve", args.scenario, "--port", str(port), "--fps", str(args.fps)]
    cmd += ["--video-size", args.size]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/api/state", timeout=2) as r:
                    state = json.load(r)
                if state["render"]["frames"] >= 3:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                print("error: the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)
        rss_start = rss_mib(proc.pid)
        result = asyncio.run(run_load(url, args.viewers, args.seconds))
        rss_end = rss_mib(proc.pid)
        with urllib.request.urlopen(url + "/api/state", timeout=5) as r:
            frames = json.load(r)["render"]["frames"]
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down cleanly
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    result.update(
        mode="`evasim serve` subprocess; viewers (asyncio) in this process",
        video={"size": args.size, "fps": args.fps, "frame_sets_rendered_total": frames},
        server_rss_mib={"start": rss_start, "end": rss_end},
        server_exit_code=proc.returncode,
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
