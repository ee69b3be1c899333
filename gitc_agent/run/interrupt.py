"""Stop a run cleanly on SIGTERM/SIGINT or when its overall deadline passes.

Schedulers stop jobs with SIGTERM; an overall deadline keeps a run from overlapping the next one.
Either raises RunInterrupted in the main thread (a blocking socket call returns with it), so the
run can still evaluate what it collected and write a report marked incomplete (exit 3). The
deadline is a timer thread that interrupts the main thread, which works on Windows as well.
"""

from __future__ import annotations

import _thread
import signal
import threading
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
    state = {"fired": False, "deadline": False}

    def handler(signum: int, _frame: FrameType | None) -> None:
        if state["fired"]:
            return
        state["fired"] = True
        reason = (f"the overall deadline of {deadline_seconds:g} s passed" if state["deadline"]
                  else f"stopped by {signal.Signals(signum).name}")
        raise RunInterrupted(reason)

    def deadline_passed() -> None:
        state["deadline"] = True
        _thread.interrupt_main(signal.SIGINT)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    timer = threading.Timer(deadline_seconds, deadline_passed) if deadline_seconds else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer:
            timer.cancel()
        for sig, old in previous.items():
            signal.signal(sig, old)
