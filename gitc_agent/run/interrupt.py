"""Stop a run cleanly on SIGTERM/SIGINT or when its overall deadline passes.

Schedulers stop jobs with SIGTERM; an overall deadline keeps a run from overlapping the next one.
Either raises RunInterrupted in the main thread (a blocking socket call returns with it), so the
run can still evaluate what it collected and write a report marked incomplete (exit 3). The
deadline is a timer thread that sends SIGINT to the main thread (a real signal, so a blocking
call returns at once; on Windows it interrupts the main thread at its next Python instruction).

RunInterrupted is a BaseException, like KeyboardInterrupt: collectors and the libraries they call
catch `Exception` to record a failed read as an error, and an interruption is never that.
"""

from __future__ import annotations

import _thread
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class RunInterrupted(BaseException):
    """Collection was stopped; `reason` says why (signal name or deadline).

    Not an Exception, so that no `except Exception` (a collector's, ldap3's) turns the stop into
    a collection error and carries on; code that catches BaseException must re-raise it.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def stop_on_signals(deadline_seconds: float | None = None) -> Iterator[None]:
    """Within the block, SIGTERM, SIGINT and the deadline raise RunInterrupted (once)."""
    state = {"fired": False, "deadline": False, "over": False}
    over_lock = threading.Lock()  # no deadline signal once the block is over

    def handler(signum: int, _frame: FrameType | None) -> None:
        if state["fired"]:
            return
        state["fired"] = True
        reason = (f"the overall deadline of {deadline_seconds:g} s passed" if state["deadline"]
                  else f"stopped by {signal.Signals(signum).name}")
        raise RunInterrupted(reason)

    main = threading.main_thread().ident

    def deadline_passed() -> None:
        with over_lock:
            if state["over"]:
                return
            state["deadline"] = True
            if hasattr(signal, "pthread_kill") and main is not None:
                signal.pthread_kill(main, signal.SIGINT)  # wakes a main thread blocked in a call
            else:  # pragma: no cover - Windows
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
            with over_lock:
                state["over"] = True
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def sigint_noted() -> Iterator[Callable[[], bool]]:
    """Within the block Ctrl-C works as before, and the yielded function says whether a SIGINT
    was delivered.

    Code that runs plugins catches everything they raise (a plugin that raises SystemExit or
    KeyboardInterrupt itself must not end the run); this is how it still lets the user's own
    Ctrl-C through, which arrives as a signal. Outside the main thread nothing can be noted.
    """
    delivered = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal delivered
        delivered = True
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield lambda: False
        return
    try:
        yield lambda: delivered
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def stops_the_run(exc: BaseException, sigint_delivered: bool) -> bool:
    """Whether `exc`, raised inside plugin code, must still end the run: the run's own
    interruption (SIGTERM, --deadline) and the user's Ctrl-C do; SystemExit, a KeyboardInterrupt
    the plugin raised itself and any other exception are the plugin's failure."""
    return isinstance(exc, RunInterrupted) or (isinstance(exc, KeyboardInterrupt)
                                               and sigint_delivered)
