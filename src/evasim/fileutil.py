"""Atomic file publication: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import os
from pathlib import Path


def publish(tmp: str | Path, path: str | Path) -> None:
    """Give ``tmp`` ordinary permissions (0666 less the umask; mkstemp makes it 0600) and
    rename it onto ``path`` in one step."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, path)
