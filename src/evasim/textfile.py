"""A user's text file, read as UTF-8, or one :class:`EvasimInputError` naming the file and the
line of the first byte that is not UTF-8 (light: no numerical imports)."""

from __future__ import annotations

from pathlib import Path

from .errors import EvasimInputError

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Largest input text file evasim reads (64 MiB: the whole 1998-2026 ISS element-set archive is
7 MiB as text; a scenario is a few KiB)."""


def read_text(path: str | Path, what: str) -> str:
    """The text of ``path``; ``what`` names the file in messages ("TLE file"). Files over
    :data:`MAX_TEXT_BYTES` are refused before they are read."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_TEXT_BYTES:
            raise EvasimInputError(
                f"{size:,} bytes; expected at most {MAX_TEXT_BYTES:,} bytes for a {what} "
                "(the limit)",
                source=str(path),
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EvasimInputError(
            f"cannot read {what}: {exc.strerror or exc}", source=str(path)
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvasimInputError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8; expected a UTF-8 text {what}",
            source=str(path),
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
