"""Stop a run cleanly on SIGTERM/SIGINT or when its overall deadline passes.

Schedulers stop jobs with SIGTERM; an overall deadline keeps a run from overlapping the next one.
Either raises RunInterrupted in the main thread (a blocking socket call returns with it), so the
run can still evaluate what it collected and write a report marked incomplete (exit 3).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class RunInterrupted(Exception):
    """Collection was stopped; `reason` says why (signal name or deadline)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def stop_on_signals(deadline_seconds: float | None = None) -> Iterator[None]:
    """Within the block, SIGTERM, SIGINT and the deadline raise RunInterrupted (once)."""
    fired = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal fired
        if fired:
            return
        fired = True
        reason = (f"the overall deadline of {deadline_seconds:g} s passed"
                  if signum == signal.SIGALRM else f"stopped by {signal.Signals(signum).name}")
        raise RunInterrupted(reason)

    previous = {sig: signal.signal(sig, handler)
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)}
    if deadline_seconds:
        signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, old in previous.items():
            signal.signal(sig, old)
