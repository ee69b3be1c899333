"""Atomic file writes: a killed run never leaves a half file that looks whole."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

Data = bytes | Iterable[bytes]  # the content, whole or in pieces (streamed: large evidence)


def _write(handle, data: Data) -> None:
    if isinstance(data, bytes | bytearray):
        handle.write(data)
    else:
        for piece in data:
            handle.write(piece)


def write_bytes_atomic(path: Path, data: Data, mode: int = 0o644) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            _write(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Refuse a symlink at the last component (0 where the platform has no such flag).
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def create_new(path: Path, data: Data, mode: int = 0o644) -> None:
    """Create `path` and write `data`; fail if anything (a file, a planted symlink) is there.

    For files in a freshly made staging folder: O_EXCL|O_NOFOLLOW means a name another process
    raced in is an error, never a write through a link. A failed write removes the file it
    created, so a full disk never leaves a short file behind."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW
                 | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            _write(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def make_new_dir(path: Path, mode: int = 0o700) -> None:
    """Create one folder that must not exist yet (no parents, no `exist_ok`): a folder or link
    planted under the name fails instead of being written into."""
    os.mkdir(path, mode)
