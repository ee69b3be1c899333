"""Errors that end a run before anything is written (exit code 2 or 4)."""

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
