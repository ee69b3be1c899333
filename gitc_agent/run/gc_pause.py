"""Python's cyclic garbage collector paused while millions of acyclic objects are made.

Loading and judging a large evidence set (a register of 100,000 tickets, 350,000 audit-log
groups), building a report of 300,000 results and rendering it make tens of millions of small
objects in no reference cycle, while everything made before stays alive: each collection of the
oldest generation walks all of it again. Measured, that was a third of the evaluation on
bench/bench_audit_log.py and half the time of the typed view and of OSCAL on bench/bench_render.py.
Reference counting still frees everything as usual; cycles made meanwhile (a template engine's,
WeasyPrint's) are collected when the collector is resumed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Nested use is fine: only the outermost pause turns the collector back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
