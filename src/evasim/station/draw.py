"""Labelled schematic of the station layout: a top view (from zenith) and a side view
(from starboard), as PNG or SVG."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ..fileutil import replacing
from .layout import Placement

FILL = {"module": "#d9dde3", "truss": "#9aa0a6", "vehicle": "#f2cf7a", "array": "#2c4a8c"}


def _corners(p: Placement) -> np.ndarray:
    half = np.array(p.size_m) / 2
    signs = np.array(list(product((-1, 1), repeat=3)), dtype=float)
    return p.centre_m + (signs * half) @ p.rotation.T


FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def check_drawing_path(path: Path) -> None:
    """Refuse (EvasimInputError) a schematic file name evasim cannot write."""
    from ..errors import EvasimInputError

    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise EvasimInputError(
            f"unknown drawing format {path.suffix!r}; expected {', '.join(FORMATS)}",
            source=str(path),
        )
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a file name", source=str(path))


def draw_schematic(placements: list[Placement], path: Path, title: str = "") -> Path:
    path = Path(path)
    check_drawing_path(path)
    fig, axes = plt.subplots(1, 2, figsize=(17, 8.5), gridspec_kw={"width_ratios": [1.15, 1]})
    views = (
        ("Top view (from zenith): +X right, +Y (starboard) down", 0, 1),
        ("Side view (from starboard): +X right, +Z (nadir) down", 0, 2),
    )
    order = {"array": 0, "truss": 1, "module": 2, "vehicle": 3}
    for ax, (label, i, j) in zip(axes, views, strict=True):
        for p in sorted(placements, key=lambda q: order.get(q.kind, 4)):
            c = _corners(p)
            lo, hi = c.min(axis=0), c.max(axis=0)
            ax.add_patch(
                Rectangle(
                    (lo[i], lo[j]),
                    hi[i] - lo[i],
                    hi[j] - lo[j],
                    facecolor=FILL.get(p.kind, "white"),
                    edgecolor="black",
                    lw=0.6,
                    alpha=0.55 if p.kind == "array" else 0.95,
                )
            )
            if p.kind in ("module", "vehicle") or (p.kind == "truss" and i == 0 and j == 1):
                ax.text(
                    p.centre_m[i],
                    p.centre_m[j],
                    p.name.split(" (")[0],
                    fontsize=6.5,
                    ha="center",
                    va="center",
                    rotation=90 if (hi[j] - lo[j]) > 1.5 * (hi[i] - lo[i]) else 0,
                )
        ax.plot(0, 0, "r+", ms=12)
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.invert_yaxis()
        ax.set_xlabel("X body (m)")
        ax.set_ylabel(("Y" if j == 1 else "Z") + " body (m)")
        ax.set_title(label, fontsize=10, loc="left")
        ax.grid(alpha=0.25)
    fig.suptitle(title or "ISS layout (schematic; origin + = centre of S0)", x=0.01, ha="left")
    try:
        with replacing(path) as tmp:
            fig.savefig(tmp, dpi=110, bbox_inches="tight", format=path.suffix.lower().lstrip("."))
    finally:
        plt.close(fig)
    return path
