"""Writing the survey's and the history's products as a set: a fresh folder beside the
destination, filled, given its manifest and swapped in whole (see :mod:`evasim.fileutil`).
This is the product side; the survey's model modules never import it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..productset import write_product_set

FileWriter = Callable[[Path], None]
"""Writes one product to the path it is given."""


def write_set(out_dir: Path, writers: dict[str, FileWriter], product: str) -> dict[str, Path]:
    """Write ``writers`` (file name -> writer) as one product set into ``out_dir``; return
    the written paths by name. ``product`` names what wrote it in the manifest."""

    def fill(tmp: Path) -> None:
        for name, write in writers.items():
            write(tmp / name)

    return write_product_set(out_dir, fill, product=product)


def parquet_writer(table: pa.Table) -> FileWriter:
    """A writer of ``table`` as zstd-compressed Parquet."""
    return lambda path: pq.write_table(table, path, compression="zstd")


def write_survey(table: pa.Table, out_dir: Path) -> dict[str, Path]:
    """``survey.parquet`` as a product set in ``out_dir``."""
    return write_set(out_dir, {"survey.parquet": parquet_writer(table)}, "survey")
