"""The overlay font: DejaVu Sans as shipped with matplotlib (Bitstream Vera licence)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def font(size: int):
    import matplotlib
    from PIL import ImageFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size)
