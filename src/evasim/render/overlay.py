"""The helmet-camera overlay's text: white glyphs with a 1-pixel dark drop shadow, drawn once
per string from per-character masks (PIL, the packaged font) and blended into frames
(numba: a few tens of microseconds where numpy took a quarter of a millisecond a line)."""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def blend_text(image, shadow, glyphs, x, y):
    """Blend a text's coverage masks (:func:`text_masks`), drawn at pixel (x, y) (its top
    left), into ``image`` (H, W, 3) uint8 in place: darkened by the shadow, then lightened
    toward white by the glyphs; clipped to the image on every side (in a tiny frame the text
    is larger than the image, and a bottom line may start above its top)."""
    top, left = max(0, -y), max(0, -x)
    y0, x0 = y + top, x + left
    h = min(shadow.shape[0] - top, image.shape[0] - y0)
    w = min(shadow.shape[1] - left, image.shape[1] - x0)
    one, white, half = np.float32(1.0), np.float32(255.0), np.float32(0.5)
    for j in range(max(h, 0)):
        for i in range(max(w, 0)):
            dark = one - shadow[top + j, left + i]
            cover = glyphs[top + j, left + i]
            for ch in range(3):
                v = np.float32(image[y0 + j, x0 + i, ch]) * dark
                v = v + (white - v) * cover
                image[y0 + j, x0 + i, ch] = np.uint8(v + half)


def text_masks(text: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Coverage (0..1) of a text's 1-pixel drop shadow and of its glyphs, drawn at (0, 0):
    composed from per-character masks placed at the characters' advances (no kerning)."""
    from .fonts import font

    f = font(size)
    _, _, x1, y1 = f.getbbox(text)
    glyphs = np.zeros((int(y1) + 2, int(x1) + 2), np.float32)
    advance = 0.0
    for ch in text:
        x = round(advance)
        advance += _advance(ch, size)
        if ch == " ":
            continue
        mask = _glyph(ch, size)
        h, w = min(mask.shape[0], glyphs.shape[0]), min(mask.shape[1], glyphs.shape[1] - x)
        if w > 0:
            np.maximum(glyphs[:h, x : x + w], mask[:h, :w], out=glyphs[:h, x : x + w])
    shadow = np.zeros_like(glyphs)
    shadow[1:, 1:] = glyphs[:-1, :-1]
    return shadow, glyphs


@cache
def _advance(ch: str, size: int) -> float:
    """Advance width (pixels) of one character."""
    from .fonts import font

    return float(font(size).getlength(ch))


@cache
def _glyph(ch: str, size: int) -> np.ndarray:
    """Coverage mask of one character drawn at (0, 0) (pure function of its arguments)."""
    from PIL import Image, ImageDraw

    from .fonts import font

    f = font(size)
    _, _, x1, y1 = f.getbbox(ch)
    img = Image.new("L", (max(int(x1), 1) + 1, max(int(y1), 1) + 1), 0)
    ImageDraw.Draw(img).text((0, 0), ch, fill=255, font=f)
    return np.asarray(img, np.float32) / 255.0
