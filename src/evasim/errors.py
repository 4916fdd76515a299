"""The one exception type that means "the user's input is wrong".

The CLI turns it into a single line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations


class EvasimInputError(Exception):
    """Bad user input: a file, a field or a line, and what was expected.

    ``str(error)`` is the one-line message shown to the user, e.g.
    ``"my.toml:12: eva.hatch_close_utc: expected a time after hatch_open_utc"``.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        self.detail = message
        where = ""
        if source is not None:
            where = f"{source}:{line}: " if line is not None else f"{source}: "
        super().__init__(f"{where}{message}")


class EvasimRuntimeError(Exception):
    """A fault of the machine, not of the input (ffmpeg failing, the disk full): the CLI shows
    one line on stderr and exits with code 1."""
