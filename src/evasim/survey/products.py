"""Writing the survey's and the history's products as a set: a fresh folder beside the
destination, filled, given its manifest and swapped in whole (see :mod:`evasim.fileutil`).
This is the product side; the survey's model modules never import it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..fileutil import TEMP_RE, missing_folders, new_folder_beside, swap_in, unmake
from ..productset import MARKER, check_out_dir

FileWriter = Callable[[Path], None]
"""Writes one product to the path it is given."""


def write_set(out_dir: Path, writers: dict[str, FileWriter], product: str) -> dict[str, Path]:
    """Write ``writers`` (file name -> writer) as one product set into ``out_dir``; return
    the written paths by name. ``product`` names what wrote it in the manifest."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    target = Path(os.path.realpath(out_dir))
    made = missing_folders(target)
    tmp = new_folder_beside(target)
    try:
        for name, write in writers.items():
            write(tmp / name)
        names = sorted(n for n in os.listdir(tmp) if not TEMP_RE.match(n))
        manifest = {
            "written_by": "evasim",
            "product": product,
            "files": {n: (tmp / n).stat().st_size for n in names},
        }
        (tmp / MARKER).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        unmake(made)
        raise
    return {name: out_dir / name for name in names}


def parquet_writer(table: pa.Table) -> FileWriter:
    """A writer of ``table`` as zstd-compressed Parquet."""
    return lambda path: pq.write_table(table, path, compression="zstd")


def write_survey(table: pa.Table, out_dir: Path) -> dict[str, Path]:
    """``survey.parquet`` as a product set in ``out_dir``."""
    return write_set(out_dir, {"survey.parquet": parquet_writer(table)}, "survey")
