"""Errors that end a run: before anything is written (exit code 2 or 4), or when its output
cannot be written (exit 3, with nothing half-written left)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


class UserError(Exception):
    """An error a user reads: its text may be a message template with values (a
    gitc_agent.model.message.Message, or anything with `template` and `params`), so the command
    line can show it in the user's language. This layer is below the model, so it never imports
    the Message type: `str(said)` is the English text, which `.message` and `str()` keep, so code
    and tests that match on the English keep working."""

    exit_code = 1

    def __init__(self, message: Any, file: str | Path | None = None, line: int | None = None):
        text = str(message)
        super().__init__(text)
        self.message = text  # English
        self.said = message  # what the command line renders in the user's language
        self.file = str(file) if file is not None else None
        self.line = line

    @property
    def template(self) -> str:
        return getattr(self.said, "template", self.message)

    @property
    def params(self) -> dict[str, Any]:
        return dict(getattr(self.said, "params", None) or {})

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def shown(self, text_of: Callable[[Any], str] = str) -> str:
        """`file:line: text`, the text rendered by `text_of` (a Translator's `text`)."""
        where, text = self.where(), text_of(self.said)
        return f"{where}: {text}" if where else text

    def __str__(self) -> str:
        return self.shown()


class InputError(UserError):
    """Invalid input (arguments, policy, config, evidence): the user must fix a file.

    Carries the file and line so the message points at the mistake.
    """

    exit_code = 2


class LockedError(UserError):
    """Another run holds the lock on the output folder."""

    exit_code = 4


class OutputError(UserError):
    """The run's output could not be written (a full disk, a folder removed under the run).

    Exit 3, an incomplete run: the input was valid, and the staged files were removed, so no
    half run folder is left and `latest` still points at the previous run."""

    exit_code = 3
