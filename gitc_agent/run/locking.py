"""One run per output folder: a second run exits (code 4) instead of overlapping.

An OS file lock (flock on POSIX, msvcrt on Windows) is released by the OS when the process
dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitc_agent.errors import InputError, LockedError
from gitc_agent.model.message import msg

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


LOCK_NAME = ".gitc-agent.lock"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_lock_file(path: Path) -> int:
    """Open (or create) the lock file without following a link, and only a regular file.

    A symlink planted under the lock's name would otherwise have its target truncated, and a
    folder or FIFO there is no lock at all. Refused as invalid input (exit 2), not as "locked"
    (exit 4): it will not go away by waiting, so a scheduler must not retry it as a busy folder;
    someone has to look at the output folder."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0),
                     0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(msg("the lock file is a symbolic link, which is refused (remove it)"),
                             path) from None
        raise InputError(msg("cannot open the lock file: {reason}",
                             reason=exc.strerror or exc), path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(msg("the lock file is not a regular file, which is refused (remove it)"),
                         path)
    return fd


def check_lock_path(path: Path) -> None:
    """Before anything is collected: a lock path that is not a regular file is invalid input."""
    if path.is_symlink():
        raise InputError(msg("the lock file is a symbolic link, which is refused (remove it)"), path)
    if path.exists() and not path.is_file():
        raise InputError(msg("the lock file is not a regular file, which is refused (remove it)"),
                         path)


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock file for the block; LockedError (exit 4) if it is held."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(msg("cannot create the output folder: {reason}",
                             reason=exc.strerror or exc),
                         out_dir) from None
    fd = open_lock_file(out_dir / LOCK_NAME)
    try:
        if not _try_lock(fd):
            try:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            except OSError:  # Windows keeps a locked byte unreadable
                holder = "unknown"
            raise LockedError(msg("another gitc-agent run (pid {holder}) is writing to {out_dir}; nothing "
                                  "was done", holder=holder, out_dir=out_dir))
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
