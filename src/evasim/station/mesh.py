"""3-D mesh of the station layout (trimesh), exported as glTF (.glb/.gltf) or OBJ.

Coordinates are the station body frame in metres (+X forward, +Y starboard, +Z nadir):
viewers that assume +Y up show the station on its side; that is the frame, not a bug.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from ..fileutil import replacing
from .layout import Placement

COLOURS = {
    "module": (200, 200, 205, 255),
    "truss": (150, 150, 150, 255),
    "vehicle": (230, 200, 120, 255),
    "array": (40, 60, 140, 255),
}
_Z_TO_X = np.array(
    [[0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)  # rotation about y by +90 deg: local z -> x


def solid_mesh(p: Placement) -> trimesh.Trimesh:
    transform = np.eye(4)
    transform[:3, :3] = p.rotation
    transform[:3, 3] = p.centre_m
    if p.shape == "cylinder":
        mesh = trimesh.creation.cylinder(
            radius=p.size_m[1] / 2, height=p.size_m[0], sections=32, transform=transform @ _Z_TO_X
        )
    else:
        mesh = trimesh.creation.box(extents=p.size_m, transform=transform)
    mesh.visual.face_colors = COLOURS.get(p.kind, (255, 255, 255, 255))
    return mesh


def station_scene(placements: list[Placement]) -> trimesh.Scene:
    scene = trimesh.Scene()
    for p in placements:
        scene.add_geometry(solid_mesh(p), node_name=p.name, geom_name=p.name)
    return scene


def check_mesh_path(path: Path) -> None:
    """Refuse (EvasimInputError) a mesh file name evasim cannot write."""
    from ..errors import EvasimInputError

    path = Path(path)
    if path.suffix.lower() not in (".glb", ".gltf", ".obj"):
        raise EvasimInputError(
            f"unknown mesh format {path.suffix!r}; expected .glb, .gltf or .obj", source=str(path)
        )
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a file name", source=str(path))


def export_mesh(placements: list[Placement], path: Path) -> Path:
    """Write the mesh to ``path`` (.glb, .gltf or .obj), atomically."""
    path = Path(path)
    check_mesh_path(path)
    fmt = path.suffix.lower().lstrip(".")
    data = station_scene(placements).export(file_type=fmt)
    payload = (
        data
        if isinstance(data, bytes)
        else (data.encode() if isinstance(data, str) else next(iter(data.values())))
    )
    with replacing(path) as tmp:
        tmp.write_bytes(payload)
    return path
