"""Products as a set: a fresh folder swapped in whole, never a mix, nothing left by a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from evasim import fileutil
from evasim.errors import EvasimInputError, EvasimRuntimeError
from evasim.outputs import write_products
from evasim.productset import MARKER, PRODUCTS, check_out_dir

SRC = Path(__file__).parents[1] / "src"
NO_REPORT = sorted(set(PRODUCTS) - {"report.html"} | {MARKER})


def fake_report(replay) -> str:
    return f"<html>{replay.scenario.name}</html>"


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if fileutil.TEMP_RE.match(p.name))


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_no_report_leaves_no_old_report(vkd49, tmp_path):
    out = tmp_path / "vkd-49"
    write_products(vkd49, out, fake_report)
    assert (out / "report.html").exists()
    written = write_products(vkd49, out, None)
    assert sorted(os.listdir(out)) == NO_REPORT
    assert sorted(written) == [n for n in NO_REPORT if n != MARKER]
    manifest = json.loads((out / MARKER).read_text())
    assert manifest["scenario"] == "vkd-49"
    assert manifest["files"]["summary.json"] == (out / "summary.json").stat().st_size
    assert os.listdir(tmp_path) == ["vkd-49"]


def test_failure_keeps_the_old_set_whole(vkd49, tmp_path):
    out = tmp_path / "vkd-49"
    write_products(vkd49, out, fake_report)
    before = {n: (out / n).read_bytes() for n in os.listdir(out)}

    def broken(_replay):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_products(vkd49, out, broken)
    assert {n: (out / n).read_bytes() for n in os.listdir(out)} == before
    assert os.listdir(tmp_path) == ["vkd-49"]
    with pytest.raises(OSError, match="No space left"):  # nor the folders it made for it
        write_products(vkd49, tmp_path / "new" / "deeper" / "out", broken)
    with pytest.raises(OSError, match="No space left"), fileutil.replacing(tmp_path / "n/f"):
        raise OSError(28, "No space left on device")
    assert os.listdir(tmp_path) == ["vkd-49"]


def test_refuses_files_and_foreign_folders(tmp_path):
    (tmp_path / "file").write_text("mine")
    with pytest.raises(EvasimInputError, match="is a file"):
        check_out_dir(tmp_path / "file")
    with pytest.raises(EvasimInputError, match="is a file"):
        check_out_dir(tmp_path / "file" / "out")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text("{}")
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(EvasimInputError, match=r"'thesis\.tex', not an evasim product"):
        check_out_dir(mine)
    (mine / "thesis.tex").unlink()
    (mine / "helmet_ev1.mp4").write_bytes(b"")
    check_out_dir(mine)  # only product names (a set written before the manifest existed)
    check_out_dir(tmp_path / "new" / "deeper")


def test_cli_refuses_before_computing(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    for out in ("notes", "notes/todo.txt"):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "evasim", "replay", "vkd-49", "--out", out],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines()[0].startswith(f"error: --out {out}: ")
        assert len(result.stderr.strip().splitlines()) == 1
        assert time.perf_counter() - started < 30
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes", "todo.txt"]
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_readers_never_see_a_mix(vkd49, vkd50, tmp_path):
    """Runs of two scenarios alternate into one folder; a reader holding the folder open checks
    that summary.json, the Parquet metadata and the manifest always name the same scenario."""
    out = tmp_path / "out"
    write_products(vkd49, out)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            for k in range(4):
                write_products(vkd50 if k % 2 == 0 else vkd49, out)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def opener(fd: int):
        return lambda name, flags: os.open(name, flags, dir_fd=fd)

    def read(fd: int, name: str) -> bytes:
        with open(name, "rb", opener=opener(fd)) as f:
            return f.read()

    seen: dict[str, int] = {}
    thread = threading.Thread(target=writer)
    thread.start()
    while not stop.is_set():
        try:
            fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:  # pragma: no cover - only between two renames (fallback)
            continue
        try:
            summary = json.loads(read(fd, "summary.json"))["scenario"]
            manifest = json.loads(read(fd, MARKER))["scenario"]
            with open("telemetry.parquet", "rb", opener=opener(fd)) as f:
                meta = pq.read_schema(f).metadata[b"evasim.scenario"].decode()
        except FileNotFoundError:
            continue  # the set we held was replaced and is being deleted: read the new one
        finally:
            os.close(fd)
        assert summary == manifest == meta
        seen[summary] = seen.get(summary, 0) + 1
    thread.join()
    assert not errors
    assert set(seen) == {"vkd-49", "vkd-50"}, seen
    assert sorted(os.listdir(tmp_path)) == ["out"]


CHILD = """
import sys, time
from pathlib import Path
from evasim.outputs import write_products
from evasim.replay import run_replay
from evasim.scenario import load_scenario
from evasim.sky import Sky

replay = run_replay(load_scenario(sys.argv[1]), Sky.load())
print("ready", flush=True)
while True:
    write_products(replay, Path(sys.argv[2]), lambda r: "<html></html>")
"""


def test_kill_9_mid_write_leaves_nothing_visible_and_the_next_run_cleans(tmp_path):
    scenario = tmp_path / "quick.toml"
    text = (SRC / "evasim/data/scenarios/vkd-49.toml").read_text()
    scenario.write_text(text.replace("step_s = 1.0", "step_s = 5.0"))
    root = tmp_path / "products"
    root.mkdir()
    out = root / "quick"
    left = []
    for delay in (0.0, 0.05, 0.3):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(scenario), str(out)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        try:
            assert child.stdout.readline().strip() == b"ready"
            deadline = time.monotonic() + 60
            while not temporaries(root) and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(delay)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert [p.name for p in root.iterdir() if not p.name.startswith(".")] in ([], ["quick"])
        left += temporaries(root)
        assert all(fileutil.is_stale(root / name) for name in temporaries(root))
        if out.exists():  # the set in place is whole
            manifest = json.loads((out / MARKER).read_text())
            assert sorted(os.listdir(out)) == sorted([*manifest["files"], MARKER])
    assert left, "no kill landed mid-write: the test did not test anything"
    (root / "unrelated").mkdir()
    with fileutil.replacing(root / "note.txt") as tmp:  # any next write cleans the folder
        tmp.write_text("next run")
    expected = ["note.txt", "unrelated", *(["quick"] if out.exists() else [])]
    assert sorted(os.listdir(root)) == sorted(expected)


def test_fallback_without_exchange_and_recovery(vkd49, tmp_path, monkeypatch):
    monkeypatch.setattr(fileutil, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_products(vkd49, out, fake_report)
    write_products(vkd49, out)
    assert sorted(os.listdir(out)) == NO_REPORT
    assert os.listdir(tmp_path) == ["out"]
    # killed between the fallback's two renames: the old set is put back at the next write
    pid = dead_pid()
    os.rename(out, tmp_path / f".evasim-old-{pid}-0123abcd.out")
    os.mkdir(tmp_path / f".evasim-tmp-{pid}-89abcdef.out")
    assert fileutil.clean_stale(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert sorted(os.listdir(out)) == NO_REPORT


def test_stale_only_when_the_writer_is_gone(tmp_path):
    mine = tmp_path / f".evasim-tmp-{os.getpid()}-00000000.a"
    gone = tmp_path / f".evasim-tmp-{dead_pid()}-00000000.b"
    other = tmp_path / ".b.evasim-tmp"
    for path in (mine, gone, other):
        path.write_text("")
    assert fileutil.clean_stale(tmp_path) == [gone]
    assert sorted(os.listdir(tmp_path)) == sorted([mine.name, other.name])


def test_modes_follow_the_umask_without_touching_it(tmp_path):
    code = (
        "import sys; from pathlib import Path; from evasim import fileutil\n"
        "root = Path(sys.argv[1])\n"
        "with fileutil.replacing(root / 'a.txt') as t: t.write_text('x')\n"
        "new = fileutil.new_folder_beside(root / 'set')\n"
        "(new / 'f').write_text('y'); fileutil.swap_in(new, root / 'set')\n"
    )
    subprocess.run(
        ["sh", "-c", 'umask 027 && exec "$0" -c "$1" "$2"', sys.executable, code, str(tmp_path)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "set").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "set" / "f").stat().st_mode & 0o777 == 0o640


def test_no_umask_call_in_the_tree():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "umask(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_ffmpeg_failure_is_a_runtime_error_and_leaves_nothing(tmp_path, monkeypatch):
    from evasim.render.video import write_mp4

    frames = [np.zeros((16, 16, 3), np.uint8)] * 3
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "false")
    with pytest.raises(EvasimRuntimeError, match=r"ffmpeg failed \(exit 1\) writing a\.mp4"):
        write_mp4(frames, tmp_path / "a.mp4", 10, 16, 16)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(EvasimRuntimeError, match="ffmpeg"):
        write_mp4(frames, tmp_path / "a.mp4", 10, 16, 16)
    assert os.listdir(tmp_path) == []
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    odd = [np.zeros((15, 15, 3), np.uint8)] * 3
    write_mp4(odd, tmp_path / "a.mp4", 10, 15, 15)  # odd sides are padded for yuv420p
    assert (tmp_path / "a.mp4").read_bytes()[4:8] == b"ftyp"
    assert os.listdir(tmp_path) == ["a.mp4"]


def test_video_frames_arrive_whole_and_in_order_through_the_feeder(tmp_path):
    """The frames are converted and go to ffmpeg from a thread while the next is made: each
    decoded frame is the one given at its place (a frame lost, repeated or reordered in the
    handover would show another level), and a frame source that fails ends the thread and
    leaves nothing."""
    import imageio_ffmpeg

    from evasim.render.video import write_mp4

    n, w, h = 24, 64, 48
    levels = [int(v) for v in np.linspace(20, 235, n)]
    frames = (np.full((h, w, 3), v, np.uint8) for v in levels)  # a new array each time
    write_mp4(frames, tmp_path / "a.mp4", 10, w, h, crf=0)
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "a.mp4"))
    meta = next(reader)
    assert tuple(meta["size"]) == (w, h)
    got = [np.frombuffer(b, np.uint8).mean() for b in reader]
    assert len(got) == n
    np.testing.assert_allclose(got, levels, atol=1.5)

    def failing():
        yield np.zeros((h, w, 3), np.uint8)
        raise EvasimRuntimeError("renderer fault")

    with pytest.raises(EvasimRuntimeError, match="renderer fault"):
        write_mp4(failing(), tmp_path / "b.mp4", 10, w, h)
    assert not (tmp_path / "b.mp4").exists()
    assert not [t for t in threading.enumerate() if t.name == "ffmpeg-feeder"]


@pytest.mark.render
def test_cli_video_ffmpeg_failure_one_line_exit_1_old_set_kept(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    args = [sys.executable, "-m", "evasim", "replay", "vkd-49", "--out", "o", "--no-report"]
    assert subprocess.run(args, cwd=tmp_path, env=env, capture_output=True).returncode == 0
    before = sorted(os.listdir(tmp_path / "o"))
    video = ["--video", "--video-size", "320x180", "--fps", "1", "--video-speed", "300"]
    result = subprocess.run(
        [*args, *video],
        cwd=tmp_path,
        env={**env, "IMAGEIO_FFMPEG_EXE": "false"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ffmpeg failed"), result.stderr
    assert sorted(os.listdir(tmp_path / "o")) == before
    assert os.listdir(tmp_path) == ["o"]


def test_through_a_link_the_set_replaces_the_linked_folder(vkd49, tmp_path):
    real = tmp_path / "real"
    write_products(vkd49, real, fake_report)
    (tmp_path / "link").symlink_to(real)
    write_products(vkd49, tmp_path / "link")
    assert (tmp_path / "link").is_symlink()
    assert sorted(os.listdir(real)) == NO_REPORT
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]
