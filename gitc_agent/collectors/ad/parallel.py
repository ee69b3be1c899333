"""Read users and computers in partitions, each over its own connection in its own process.

Why: on one connection the client's pure-Python decoding and the directory's work run in series
(field notes: ~1.9x `ldapsearch`); worker processes reading disjoint parts overlap them.

Partitions are ranges of `uSNCreated` (every object has exactly one, it never changes, and a DC
filters it with >= and <=), up to the RootDSE's `highestCommittedUSN`, the last range open-ended
and also taking objects whose `uSNCreated` the bound account cannot see (`(!(uSNCreated=*))`),
so the partitions together match exactly what the unpartitioned filter matches: nothing lost,
nothing twice. A partition that fails makes the whole account list an
error; the caller never gets a partial list. Workers are started with `spawn` and receive the
bind password through the pipe that carries their start-up arguments, never argv or environment.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from typing import Any

from gitc_agent.collectors.ad.session import LdapReadError, attr, read_entry
from gitc_agent.run.redact import redact
from gitc_agent.settings.config import ADSettings
from gitc_agent.settings.credentials import Secret

CHUNKS_PER_WORKER = 2  # more, smaller ranges balance uneven USN distributions, at a cost


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


# --- worker side ---------------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(fields: dict[str, Any], password: str | None) -> None:
    """Runs in each worker: bind at once (while the parent still reads), or on first use."""
    secret = Secret(password, "parent") if password is not None else None  # registers redaction
    _worker["settings"] = ADSettings(**fields, password=secret)
    _worker["conn"] = None
    try:
        _connection()
    except LdapReadError:
        _worker["conn"] = None  # the first task reports the failure


def _connection():
    from gitc_agent.collectors.ad.session import _open

    if _worker.get("conn") is None:
        settings: ADSettings = _worker["settings"]
        _worker["conn"] = _open(settings.servers[0], settings)
    return _worker["conn"]


def read_accounts_part(base_dn: str, ldap_filter: str, page_size: int) -> dict[str, Any]:
    """Worker task: compact rows of one partition, or the error that stopped it."""
    from gitc_agent.collectors.ad.accounts import read_accounts

    unreadable: dict[str, int] = {}
    try:
        rows = read_accounts(_connection(), base_dn, page_size, unreadable, ldap_filter)
    except LdapReadError as exc:
        return {"error": str(exc)}
    return {"rows": rows, "unreadable": unreadable}


def read_groups_part(base_dn: str, page_size: int) -> dict[str, Any]:
    """Worker task: every group with its complete member list (range retrieval included)."""
    from gitc_agent.collectors.ad.accounts import read_groups

    errors: list[dict[str, str]] = []
    try:
        groups = read_groups(_connection(), base_dn, page_size, errors)
    except LdapReadError as exc:
        return {"error": str(exc)}
    return {"groups": groups, "errors": errors}


# --- parent side ---------------------------------------------------------------------------------

AccountTask = Callable[[str, str, int], dict[str, Any]]


class ParallelReader:
    """A pool of `settings.parallel_reads` workers bound to `url`; start it early, it binds lazily."""

    def __init__(self, settings: ADSettings, url: str, account_task: AccountTask | None = None):
        self.workers = max(1, settings.parallel_reads)
        plain = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "password"}
        plain["servers"] = (url,)
        password = settings.password.reveal() if settings.password is not None else None
        self._account_task = account_task
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(plain, password))

    def __enter__(self) -> ParallelReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit_groups(self, base_dn: str, page_size: int) -> Future:
        return self._pool.submit(read_groups_part, base_dn, page_size)

    def submit_accounts(self, base_dn: str, parts: list[Partition], page_size: int) -> list[Future]:
        task = self._account_task or read_accounts_part
        return [self._pool.submit(task, base_dn, p.ldap_filter, page_size) for p in parts]


def result_of(future: Future, what: str) -> dict[str, Any]:
    """A worker's answer; a crashed worker or an exception becomes {'error': ...}."""
    try:
        return future.result()
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
