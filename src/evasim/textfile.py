"""A user's text file, read as UTF-8, or one :class:`EvasimInputError` naming the file and the
line of the first byte that is not UTF-8 (light: no numerical imports)."""

from __future__ import annotations

from pathlib import Path

from .errors import EvasimInputError


def read_text(path: str | Path, what: str) -> str:
    """The text of ``path``; ``what`` names the file in messages ("TLE file")."""
    try:
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
