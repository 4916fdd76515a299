"""What a product set is: the names evasim writes into an output folder, its manifest, and
which folders evasim may replace with a new set (light: no numerical imports, so the CLI
refuses a bad ``--out`` before loading the models)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .errors import EvasimInputError
from .fileutil import TEMP_RE, missing_folders, new_folder_beside, swap_in, unmake

PRODUCTS = (
    "telemetry.parquet",
    "events.csv",
    "summary.json",
    "report.html",
    "attitude.aem",
    "orbit.oem",
)
MARKER = ".evasim-products"
"""The manifest in every product set (JSON): what wrote it, the scenario, each file's size."""
_VIDEO_RE = re.compile(r"^helmet_[a-z0-9_]+\.mp4$")
_EXCHANGE_RE = re.compile(r"^(replay\.czml|station\.glb|globe\.(html|js|css)|earth\.jpg)$")
"""Written with ``evasim replay --czml`` (:func:`evasim.exchange.globe.write_globe`)."""
_SURVEY_RE = re.compile(r"^(survey\.parquet|history\.html|history_[a-z0-9_]+\.png)$")
_CAMPAIGN_RE = re.compile(r"^campaign\.(html|json)$")
_PLAN_RE = re.compile(r"^plan_[a-z0-9_]+\.(csv|json|toml|html|png)$")  # evasim plan
_MONTECARLO_RE = re.compile(r"^(runs\.parquet|telemetry_run_\d+\.parquet|run_\d+\.json)$")
"""Written by ``evasim montecarlo`` (and its ``--rerun``)."""
_VIDEO_JOB_RE = re.compile(r"^video\.json$")  # evasim render-video (with helmet_*.mp4)
_PATTERNS = (
    _VIDEO_RE,
    _SURVEY_RE,
    _CAMPAIGN_RE,
    _EXCHANGE_RE,
    _PLAN_RE,
    _MONTECARLO_RE,
    _VIDEO_JOB_RE,
)

ExtraWriter = Callable[[Path], dict[str, Path]]
"""Writes more products (videos) into the new set's folder before it is swapped in; returns
them by name."""


def is_product_name(name: str) -> bool:
    """Whether a file called ``name`` is one evasim writes into a product folder."""
    return name in PRODUCTS or name == MARKER or any(r.match(name) for r in _PATTERNS)


def check_out_dir(out_dir: Path) -> None:
    """Refuse (EvasimInputError) a destination evasim must not replace: an existing file, a
    folder holding things that are not evasim products, or a place that cannot be written."""
    where = f"--out {out_dir}"
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.name == "":
        raise EvasimInputError(f"{where}: expected a folder name, not the file system root")
    if out_dir.is_symlink() and not out_dir.is_dir():
        raise EvasimInputError(f"{where}: is a link to nothing or to a file; expected a folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise EvasimInputError(f"{where}: is a file; expected a folder for the products")
    if out_dir.is_dir():
        try:
            names = sorted(os.listdir(out_dir))
        except OSError as exc:
            raise EvasimInputError(f"{where}: cannot be read ({exc.strerror})") from None
        foreign = [n for n in names if not is_product_name(n)]
        if foreign:
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            raise EvasimInputError(
                f"{where}: holds {foreign[0]!r}{more}, not an evasim product; the products "
                "replace the whole folder, so choose an empty or new folder"
            )
    parent = _existing_ancestor(out_dir.absolute().parent)
    if not parent.is_dir():
        raise EvasimInputError(f"{where}: {parent} is a file; expected a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EvasimInputError(f"{where}: cannot write in {parent} (permission denied)")


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        if path.is_symlink():  # a dangling link: creating the folder would fail
            return path
        path = path.parent
    return path


def write_product_set(out_dir: Path, fill: Callable[[Path], None], **manifest) -> dict[str, Path]:
    """Write one product set into ``out_dir``: ``fill`` writes the products into a fresh folder
    beside it, the manifest (``written_by``, the ``manifest`` fields, each file's size) is
    added, and the folder is swapped in whole; on any failure nothing of it stays. Returns the
    written paths by name."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    target = Path(os.path.realpath(out_dir))  # through links, and "." gets a name
    made = missing_folders(target)
    tmp = new_folder_beside(target)
    try:
        fill(tmp)
        names = sorted(n for n in os.listdir(tmp) if not TEMP_RE.match(n))
        record = {
            "written_by": "evasim",
            **manifest,
            "files": {n: (tmp / n).stat().st_size for n in names},
        }
        (tmp / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        unmake(made)
        raise
    return {name: out_dir / name for name in names}
