"""Errors that end a run: before anything is written (exit code 2 or 4), or when its output
cannot be written (exit 3, with nothing half-written left)."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Invalid input (arguments, policy, config, evidence): the user must fix a file.

    Carries the file and line so the message points at the mistake.
    """

    exit_code = 2

    def __init__(self, message: str, file: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class LockedError(Exception):
    """Another run holds the lock on the output folder."""

    exit_code = 4


class OutputError(Exception):
    """The run's output could not be written (a full disk, a folder removed under the run).

    Exit 3, an incomplete run: the input was valid, and the staged files were removed, so no
    half run folder is left and `latest` still points at the previous run."""

    exit_code = 3
