"""Read users and computers in partitions, each over its own connection in its own process.

Why: on one connection the client's pure-Python decoding and the directory's work run in series
(field notes: ~1.9x `ldapsearch`); worker processes reading disjoint parts overlap them.

Partitions are ranges of `uSNCreated` (every object has exactly one, it never changes, and a DC
filters it with >= and <=), up to the RootDSE's `highestCommittedUSN`, the last range open-ended
and also taking objects whose `uSNCreated` the bound account cannot see (`(!(uSNCreated=*))`),
so the partitions together match exactly what the unpartitioned filter matches: nothing lost,
nothing twice. A partition that fails makes the whole account list an error; the caller never
gets a partial list. Processes are started with `spawn`; what each one holds is in `workers`.
An interrupted run (RunInterrupted while waiting for an answer) does not wait for the processes
to finish their reads: `abandon` stops them, so SIGTERM and `--deadline` end the run promptly.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitc_agent.collectors.ad.reader_settings import ReaderSettings
from gitc_agent.collectors.ad.session import LdapReadError, attr, read_entry
from gitc_agent.collectors.ad.workers import init_worker
from gitc_agent.run.redact import redact

if TYPE_CHECKING:
    from gitc_agent.settings.config import ADSettings

CHUNKS_PER_WORKER = 2  # more, smaller ranges balance uneven USN distributions, at a cost
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Partition:
    label: str
    ldap_filter: str


def usn_partitions(base_filter: str, highest: int, count: int) -> list[Partition]:
    """`count` uSNCreated ranges covering every integer; the last also takes objects whose
    uSNCreated the bound account cannot see. Each range costs the DC a scan of the candidates
    (ranges are not indexed), so keep `count` small."""
    bounds = sorted({max(1, highest * i // count) for i in range(1, count)})
    parts: list[Partition] = []
    low: int | None = None
    for high in bounds:
        if low is None:
            rng, label = f"(uSNCreated<={high - 1})", f"usn<{high}"
        else:
            rng, label = f"(uSNCreated>={low})(uSNCreated<={high - 1})", f"usn {low}-{high - 1}"
        parts.append(Partition(label, f"(&{base_filter}{rng})"))
        low = high
    if low is None:
        parts.append(Partition("all", base_filter))
    else:
        parts.append(Partition(f"usn>={low} or not visible",
                               f"(&{base_filter}(|(uSNCreated>={low})(!(uSNCreated=*))))"))
    return parts


def highest_usn(conn) -> int:
    _, raw = read_entry(conn, "", ["highestCommittedUSN"])
    values = attr(raw, "highestCommittedUSN")
    if not values:
        raise LdapReadError("the RootDSE does not give highestCommittedUSN")
    return int(values[0])


class ParallelReader:
    """A pool of `settings.parallel_reads` processes bound to `url`; start it early, it binds
    lazily. A task runs in a process and reads through `workers.connection()`."""

    def __init__(self, settings: ADSettings, url: str):
        self.workers = max(1, settings.parallel_reads)
        password = settings.bind.secret.reveal() if settings.bind.secret is not None else None
        plain = ReaderSettings.of(settings, url)  # no password, no pydantic
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=init_worker, initargs=(plain, password))

    def __enter__(self) -> ParallelReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def release(self) -> None:
        """Let the processes exit while this one carries on; `close` later waits for them."""
        self._pool.shutdown(wait=False)

    def abandon(self) -> None:
        """Stop at once, reads unfinished: the run was interrupted and will not use them."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=2)

    def submit(self, task: Callable[..., dict[str, Any]], *args: Any) -> Future:
        """Run `task(*args)` in a process; `task` must be importable (it is sent by name)."""
        return self._pool.submit(task, *args)


def result_of(future: Future, what: str) -> dict[str, Any]:
    """A worker's answer; a crashed worker or an exception becomes {'error': ...}.

    It waits in short steps, so that a signal handled in this (main) thread raises here at once
    even where the signal cannot break the wait itself; RunInterrupted is not an Exception.
    """
    try:
        while True:
            try:
                return future.result(timeout=_POLL_SECONDS)
            except TimeoutError:
                continue
    except BrokenProcessPool:
        return {"error": f"{what}: a reader process ended unexpectedly"}
    except Exception as exc:
        return {"error": redact(f"{what}: {type(exc).__name__}: {exc}")}


def merge_accounts(parts: list[Partition], answers: list[dict[str, Any]]
                   ) -> tuple[list[list[Any]], dict[str, int]]:
    """All partitions' rows, or LdapReadError naming every partition that failed.

    A DN in two partitions (impossible unless the directory misbehaves) is an error too.
    """
    failures = [f"partition {p.label}: {a['error']}" for p, a in zip(parts, answers, strict=True)
                if "error" in a]
    if failures:
        raise LdapReadError("; ".join(failures))
    rows: list[list[Any]] = []
    unreadable: dict[str, int] = {}
    seen: set[str] = set()
    for answer in answers:
        for row in answer["rows"]:
            key = row[0].lower()
            if key in seen:
                raise LdapReadError(f"{row[0]} was read in two partitions")
            seen.add(key)
            rows.append(row)
        for name, count in answer["unreadable"].items():
            unreadable[name] = unreadable.get(name, 0) + count
    return rows, unreadable
