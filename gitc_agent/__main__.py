"""The program's entry point: `python -m gitc_agent` and the installed `gitc-agent` command.

Importing the CLI takes a few tenths of a second (rich, pydantic, cryptography, ldap3). A Ctrl-C
in that time is held until the import is done and then ends the run the way one later on does
(exit 3, one line, no traceback): raised inside an import, extension modules wrap it in their own
errors (pydantic-core reports a SchemaError) or mark the interpreter to kill itself at exit. One
that comes after the run has finished leaves its exit code as it is.
"""

import sys

INTERRUPTED = "gitc-agent: interrupted; no report was written\n"  # as cli.INTERRUPTED

try:  # pure Python: a Ctrl-C in these is a plain KeyboardInterrupt
    import logging
    import os
    import signal
except KeyboardInterrupt:
    sys.stderr.write(INTERRUPTED)
    raise SystemExit(3) from None

_pressed: list[int] = []


def _noted(signum: int, frame: object) -> None:
    _pressed.append(signum)
    signal.default_int_handler(signum, frame)


def run() -> None:
    """Import the CLI with Ctrl-C held, run it, and exit with its code."""
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: _pressed.append(signum))
    try:
        from gitc_agent.cli import main
    finally:
        signal.signal(signal.SIGINT, previous)
    if _pressed:
        sys.stderr.write(INTERRUPTED)
        raise SystemExit(3)
    signal.signal(signal.SIGINT, _noted)
    try:
        code = main()
    except KeyboardInterrupt:  # in the instant after main() returned: its code is lost
        code = 3
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is over: a late Ctrl-C changes nothing
    if _pressed:
        # main() has said "interrupted". If the Ctrl-C passed through an extension's own Python
        # code, the interpreter would kill itself with SIGINT at exit instead of exiting with
        # `code`.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    run()
