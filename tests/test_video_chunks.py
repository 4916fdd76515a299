"""A helmet-camera video in chunks: joined without re-encoding into the same frames as one
sequential render (exposure warm-up at the boundaries), resumed after an interruption, checked
for its frame count."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import numpy as np
import pytest

from evasim.render.chunked import (
    VideoJob,
    count_frames,
    missing_chunks,
    parts_folder,
    render_chunk,
    write_manifest,
)
from evasim.render.distribute import render_video
from evasim.scenario import load_scenario

pytestmark = pytest.mark.slow


def _frames(path):
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return np.array([np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen])


@pytest.fixture(scope="module")
def job():
    sc = load_scenario("vkd-49")
    start = sc.eva.hatch_open_utc + timedelta(minutes=50)
    return VideoJob(sc, ("EV1",), start, 0.5, 10, 10.0, 96, 54, "limb", 4)


@pytest.mark.render
def test_chunks_join_into_the_sequential_video(job, tmp_path):
    """Three chunks (4 + 4 + 2 frames) joined with -c copy decode to the frames of the same
    span encoded in one piece (same pixels within H.264's loss at a chunk's first keyframe)."""
    rec = render_video(job, tmp_path / "chunked", local=True)
    assert rec["chunks"] == 3 and rec["chunks_rendered"] == 3
    chunked = _frames(tmp_path / "chunked" / "helmet_ev1.mp4")
    whole = _frames(_one_piece(job, tmp_path))
    assert chunked.shape == whole.shape == (10, 54, 96, 3)
    # same pictures; only H.264's loss differs (a keyframe at each chunk's start)
    mse = ((chunked.astype(float) - whole.astype(float)) ** 2).mean(axis=(1, 2, 3))
    psnr = 10 * np.log10(255.0**2 / np.maximum(mse, 1e-12))
    assert psnr.min() > 32.0, psnr  # two encodings of one picture at crf 20: ~34-37 dB
    # x264 writes its settings into the stream: every chunk's encoder ran one thread
    assert (tmp_path / "chunked" / "helmet_ev1.mp4").read_bytes().count(b" threads=1 ") == 3
    assert not parts_folder(tmp_path / "chunked", job).exists()  # cleaned after success


def _one_piece(job, tmp_path):
    from dataclasses import replace

    one = replace(job, chunk_frames=job.frames)
    render_video(one, tmp_path / "whole", local=True)
    return tmp_path / "whole" / "helmet_ev1.mp4"


@pytest.mark.render
def test_an_interrupted_job_resumes_from_its_chunks(job, tmp_path):
    out = tmp_path / "video"
    parts = parts_folder(out, job)
    parts.mkdir(parents=True)
    write_manifest(parts, job)
    cache: dict = {}
    render_chunk(job, "EV1", 0, parts, None, cache)  # done before the "interruption"
    render_chunk(job, "EV1", 1, parts, None, cache)
    (parts / job.part_name("EV1", 1)).write_bytes(b"truncated")  # killed while writing
    assert missing_chunks(job, parts) == [("EV1", 1), ("EV1", 2)]
    assert not (parts / job.part_name("EV1", 1)).exists()  # the bad one is removed
    rec = render_video(job, out, local=True)
    assert rec["chunks_reused"] == 1 and rec["chunks_rendered"] == 2
    assert count_frames(out / "helmet_ev1.mp4") == 10


def test_cli_refuses_bad_options_before_any_work(tmp_path):
    base = [sys.executable, "-m", "evasim", "render-video", "vkd-49", "--out", str(tmp_path / "v")]
    for extra, message in (
        (["--chunk-frames", "0"], "--chunk-frames: expected 1..10,000"),
        (["--scheduler", "localhost"], "--scheduler 'localhost': expected a Dask scheduler"),
        (["--span", "eva", "--fps", "60", "--speed", "0.5"], "expected at most 1,000,000"),
        (["--crew", "gagarin"], "--crew 'gagarin': expected one of EV1"),
        (["--span", "25:00-26:00"], "--span: expected HH:MM-HH:MM or eva"),
        (["--size", "12x"], "--size: expected WIDTHxHEIGHT"),
        (["--speed", "0"], "--speed: expected"),
        (["--lens", "pinhole"], "--lens 'pinhole': expected one of rectilinear, equidistant"),
    ):
        done = subprocess.run(base + extra, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (extra, done.stderr)
        assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert not (tmp_path / "v").exists()


def test_the_lens_is_part_of_the_job(job):
    """A job through the as-flown lens is another job (its parts are never reused for the
    120 deg lens's) and its workers' cameras use that lens."""
    from dataclasses import replace

    from evasim.render.lens import ACTION, RECTILINEAR, video_lens

    action = replace(job, lens="action")
    assert action.key != job.key
    assert video_lens(action.lens).code == ACTION and video_lens(job.lens).code == RECTILINEAR
    assert video_lens("action").fov_deg == pytest.approx(121.0)


@pytest.mark.render
def test_a_chunk_starts_with_the_sequential_exposure(job):
    """Across a sunrise (the camera closing down over seconds), the exposure at a chunk's first
    frame after the warm-up is within 5 % of the exposure of a render from the video's start."""
    from dataclasses import replace

    from evasim.render.chunked import WARMUP_FRAMES, WARMUP_S, _camera

    sc = job.scenario
    # the replay's second sunrise of the spacewalk (summary.json: 16:33:04.6 UTC)
    sunrise = sc.eva.hatch_open_utc.replace(hour=16, minute=33, second=4, microsecond=600000)
    seq = replace(job, start_utc=sunrise - timedelta(seconds=10), step_s=0.5, frames=40)
    cam, _ = _camera(seq, {})
    frames = list(cam.frames("EV1", [seq.time(i) for i in range(seq.frames)]))
    exposures = np.array([f.exposure for f in frames])
    assert exposures.max() / exposures.min() > 3  # the camera does adapt here
    a = 24  # a chunk starting 2 s after the sunrise
    warm = [seq.time(a) - timedelta(seconds=WARMUP_S * (1 - j / WARMUP_FRAMES))
            for j in range(WARMUP_FRAMES)]  # fmt: skip
    state = None
    for f in cam.frames("EV1", warm):
        state = f.exposure_state
    first = cam.frame("EV1", seq.time(a), exposure_state=state)
    assert abs(first.exposure / exposures[a] - 1) < 0.05
