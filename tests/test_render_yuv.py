"""The frames' RGB -> yuv420p conversion for the encoder (:mod:`evasim.render.yuv`) against
ffmpeg's own conversion of the same RGB (what the MP4s held before it)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from evasim.render.yuv import yuv420p


def _ffmpeg_yuv420p(image: np.ndarray) -> np.ndarray:
    import imageio_ffmpeg

    h, w = image.shape[:2]
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{w}x{h}", "-i", "-", "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"],
        input=image.tobytes(), capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, np.uint8)


def test_yuv420p_matches_ffmpegs_conversion():
    """A smooth colour field with a few sharp edges: luma within one level of ffmpeg's
    everywhere; chroma within a level on average and off by more only at the sharp edges
    (ffmpeg filters chroma with more taps than the 2 x 2 mean)."""
    h, w = 48, 64
    yy, xx = np.mgrid[:h, :w]
    image = np.stack([xx * 255 // (w - 1), yy * 255 // (h - 1), (xx + yy) * 2 % 256], axis=-1)
    image[10:20, 30:50] = (250, 20, 30)  # a red patch with hard edges
    image = image.astype(np.uint8)
    ours, ref = yuv420p(image).astype(int), _ffmpeg_yuv420p(image).astype(int)
    # the video's feeder thread converts on one core: the same bytes
    assert np.array_equal(yuv420p(image, parallel=False), ours)
    assert ours.shape == ref.shape == (h * w * 3 // 2,)
    luma, chroma = np.abs(ours[: h * w] - ref[: h * w]), np.abs(ours[h * w :] - ref[h * w :])
    assert luma.max() <= 1 and luma.mean() < 0.5
    assert chroma.mean() < 1.0
    assert ours[: h * w].min() >= 16 and ours[: h * w].max() <= 235  # limited range


def test_yuv420p_primaries_and_rejects_odd_sides():
    """BT.601 limited range: black (16, 128, 128), white (235, 128, 128), pure red
    (81, 90, 240) (ITU-R BT.601's figures); odd sides are refused."""
    for rgb, expected in (((0, 0, 0), (16, 128, 128)), ((255, 255, 255), (235, 128, 128)),
                          ((255, 0, 0), (81, 90, 240))):  # fmt: skip
        out = yuv420p(np.full((2, 2, 3), rgb, np.uint8))
        assert tuple(out[[0, 4, 5]]) == expected
    with pytest.raises(ValueError):
        yuv420p(np.zeros((3, 4, 3), np.uint8))
