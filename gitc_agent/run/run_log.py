"""Logging for unattended runs: JSON lines to a file, warnings readable on stderr.

Every record carries the run id; collectors and the engine add target, check, duration and
errors as `extra` fields. Every message and field passes the secret redactor on the way out.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.model.printable import printable
from gitc_agent.run.redact import redact, redact_obj

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _JsonLines(logging.Formatter):
    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "run_id": self.run_id,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(redact_obj(entry), ensure_ascii=False, default=str)


class _Readable(logging.Formatter):
    """One line on stderr, a terminal: control characters escaped (the JSON lines keep them)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(redact(f"gitc-agent: {record.levelname.lower()}: {record.getMessage()}"))


class _LogFile(logging.StreamHandler):
    """The JSON-lines file. A write that fails (a full disk) is said once on stderr, without
    logging's traceback, and the run goes on: the log is a record of the run, not its output."""

    def __init__(self, stream: Any, path: Path):
        super().__init__(stream)
        self.path, self.failed = path, False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            exc = sys.exc_info()[1]
            reason = getattr(exc, "strerror", None) or exc
            sys.stderr.write(printable(f"gitc-agent: warning: cannot write the log file "
                                       f"{self.path}: {reason}; later lines are lost") + "\n")


def configure(run_id: str, log_file: Path | None) -> None:
    """Attach the handlers for this run to the `gitc_agent` logger (replacing earlier ones)."""
    root = logging.getLogger("gitc_agent")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    root.propagate = False
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    stderr.setFormatter(_Readable())
    root.addHandler(stderr)
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        except OSError as exc:
            raise InputError(msg("cannot open the log file: {reason}",
                                 reason=exc.strerror), log_file) from None
        handler = _LogFile(os.fdopen(fd, "a", encoding="utf-8"), log_file)
        handler.setFormatter(_JsonLines(run_id))
        root.addHandler(handler)
