"""Writing files and folders so that a reader never sees half of one, nor a mix of two runs.

A single file is written to a temporary name beside it and renamed onto it (:func:`replacing`).
A set of files (a replay's products) is written into a fresh folder beside the destination and
swapped in whole (:func:`swap_in`): on Linux ``renameat2(RENAME_EXCHANGE)`` exchanges the two
folders in one step, so the destination always holds either the old set or the new one; the old
set is then deleted. Elsewhere (or on a file system without the exchange) the old folder is
renamed away and the new one renamed in: for that instant the destination does not exist (a
reader sees no set, never a mix).

Naming scheme of everything temporary: ``.evasim-tmp-<pid>-<token>.<name>`` beside ``<name>``
(being written, or an old set being deleted) and ``.evasim-old-<pid>-<token>.<name>`` (an old
set moved away by the two-rename fallback). The leading dot keeps them out of ordinary
listings; ``<pid>`` is the writing process. A process killed mid-write (``kill -9``) cannot
clean up, so every write first removes the stale entries beside its destination: those whose
process is gone, or was started after the entry last changed (its pid reused). A stale
``.evasim-old-...`` whose destination is missing (killed between the two renames) is put
back rather than deleted.

Files are created with mode 0666 and folders with 0777, so the kernel applies the process
umask; the umask is never read or changed (changing it would race with other threads).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

TEMP_RE = re.compile(
    r"^\.evasim-(?P<kind>tmp|old)-(?P<pid>\d+)-(?P<token>[0-9a-f]{8})\.(?P<name>.+)$", re.DOTALL
)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def temp_path(path: Path, kind: str = "tmp") -> Path:
    """A fresh name for a temporary entry beside ``path`` (see the naming scheme above)."""
    path = Path(path)
    return path.with_name(f".evasim-{kind}-{os.getpid()}-{secrets.token_hex(4)}.{path.name}")


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (Unix time), on Linux; None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(entry: Path) -> bool:
    """Whether ``entry`` (named by the scheme) was left by a process that no longer runs."""
    m = TEMP_RE.match(entry.name)
    if m is None:
        return False
    pid = int(m["pid"])
    if not _pid_alive(pid):
        return True
    try:
        changed = entry.lstat().st_ctime
    except FileNotFoundError:
        return False
    started = _process_start(pid)
    # a process that started after the entry last changed cannot have made it: pid reused
    return started is not None and started > changed + 1.0


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary entries killed runs left in ``folder``; return what was removed
    (or put back: an old set whose destination is missing is renamed back into place)."""
    folder = Path(folder)
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    removed = []
    for entry in sorted(entries, key=lambda e: TEMP_RE.match(e.name) is None):
        m = TEMP_RE.match(entry.name)
        if m is None or not is_stale(entry):
            continue
        target = folder / m["name"]
        if m["kind"] == "old" and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(entry, target)
                removed.append(entry)
                continue
        _remove(entry)
        removed.append(entry)
    return removed


def missing_folders(path: Path) -> list[Path]:
    """The folders above ``path`` that do not exist yet, deepest first (for :func:`unmake`)."""
    missing = []
    folder = Path(os.path.abspath(path)).parent
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def unmake(folders: list[Path]) -> None:
    """Remove ``folders`` (from :func:`missing_folders`) again, as far as they are empty: a
    failed write leaves no folder it created."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (an empty file, mode 0666 less the umask) to
    write; on success rename it onto ``path`` in one step, on failure remove it."""
    path = Path(path)
    made = missing_folders(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent)
    tmp = temp_path(path)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        unmake(made)
        raise


def new_folder_beside(path: Path) -> Path:
    """Create an empty folder beside ``path`` under a temporary name (mode 0777 less the
    umask, the mode the final folder should have), cleaning stale ones first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent)
    while True:
        tmp = temp_path(path)
        try:
            os.mkdir(tmp, 0o777)
            return tmp
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically (Linux renameat2); False when not available here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, dest: Path) -> None:
    """Make folder ``new`` (beside ``dest``) be ``dest``, in one step where the system allows,
    and delete the folder ``dest`` held before."""
    new, dest = Path(new), Path(dest)
    if not os.path.lexists(dest):
        try:
            os.rename(new, dest)
            return
        except OSError as exc:  # someone created dest meanwhile: swap with it below
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(new, dest):
        shutil.rmtree(new, ignore_errors=True)  # now the old set
        return
    old = temp_path(dest, "old")
    os.rename(dest, old)
    try:
        os.rename(new, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
