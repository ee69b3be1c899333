"""Collect the datafix exports (register, database roles, audit log, login mapping) as evidence.

Why a collector: the checks must stay pure, and auditors keep what was read. Each document says
which file was read how (separator, encoding, SHA-256), how many rows were read, used and
rejected, and for each rejected row the file, row number, line and reason. A missing required
column raises InputError (exit 2); an unreadable file becomes an evidence error (the checks then
report `error`, the run is incomplete).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from gitc_agent.collectors.datafix import audit_log, pgaudit
from gitc_agent.collectors.datafix.tabular import (
    DateParser,
    Row,
    RowError,
    iso,
    new_ticket_id,
    open_no_follow,
    read_rows,
    split_values,
)
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds
from gitc_agent.run.gc_pause import paused as gc_paused
from gitc_agent.settings.datafix_config import AuditLogTable, DatafixSettings, Table

REGISTER = kinds.DATAFIX_REGISTER
DB_ROLES = kinds.DATAFIX_DB_ROLES
AUDIT_LOG = kinds.DATAFIX_AUDIT_LOG
COLLECTOR = "datafix.files"

Parse = Callable[[Row], Any]


def _sha256(table: Table) -> str:
    digest = hashlib.sha256()
    with open(open_no_follow(table.file), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(table: Table, parse: Parse,
          keep: tuple[str, ...] = ("ticket",)) -> tuple[list[Any], dict[str, Any]]:
    """Parse every row; return the used values and the source/counts/rejected part of the data.

    `keep`: the fields a rejected row still names (its ticket, the HR export's employee id), so
    a check can tell which subjects the rejection touches."""
    rows, info = read_rows(table)
    used: list[Any] = []
    rejected: list[dict[str, Any]] = []
    read = 0
    name = table.file.name
    for row in rows:
        read += 1
        problem = row.values.get("__error__")
        if problem is None:
            try:
                used.append(parse(row))
                continue
            except RowError as exc:
                problem = str(exc)
        entry = {"file": name, "row": row.number, "line": row.line, "reason": problem}
        entry.update({f: row.values[f] for f in keep if row.values.get(f)})
        rejected.append(entry)
    info["sha256"] = _sha256(table)
    info["columns"] = dict(table.columns)
    return used, {"source": info,
                  "counts": {"read": read, "used": len(used), "rejected": len(rejected)},
                  "rejected": rejected}


def _doc(kind: str, settings: DatafixSettings, build: Callable[[], dict]) -> EvidenceDoc:
    try:
        data = build()
    except OSError as exc:
        return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data={},
                           errors=[{"part": "file", "message": f"{exc.filename}: cannot read "
                                                               f"the export: {exc.strerror}"}])
    return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data=data)


_SHARED = frozenset({"requester", "executor", "reviewer", "database"})


def collect_register(settings: DatafixSettings) -> EvidenceDoc:
    table = settings.register_export
    assert table is not None
    dates = DateParser(settings.date_formats, settings.zone)
    seen: dict[str, int] = {}
    # the few people and databases recur on every ticket: one string each, not one per ticket
    share = {}.setdefault

    def ticket(row: Row) -> dict[str, Any]:
        v = {k: share(t, t) if k in _SHARED else t for k, t in row.values.items()}
        ticket_id = new_ticket_id(v["ticket"], seen)
        names = [share(n, n) for n in split_values(v["approver"], settings.multi_value_separators)]
        times = split_values(v["approved_at"], settings.multi_value_separators)
        if len(names) != len(times):
            raise RowError(f"{len(names)} approver(s) but {len(times)} approval time(s)")
        approvers = [{"name": n, "at": iso(dates.parse(t, "approved_at"))}
                     for n, t in zip(names, times, strict=True)]
        out = {
            "ticket": ticket_id, "row": row.number, "line": row.line,
            "requester": v["requester"], "approvers": approvers, "executor": v["executor"],
            "execution_start": dates.optional(v["execution_start"], "execution_start"),
            "execution_end": dates.optional(v["execution_end"], "execution_end"),
            "reviewer": v["reviewer"],
            "reviewed_at": dates.optional(v["reviewed_at"], "reviewed_at"),
            "window_start": dates.optional(v["window_start"], "window_start"),
            "window_end": dates.optional(v["window_end"], "window_end"),
            "database": v["database"], "title": v["title"][:200],
        }
        if out["execution_start"] and not out["executor"]:
            raise RowError("executed (execution_start set) but the executor is empty")
        seen[ticket_id.upper()] = row.number
        return out

    def build() -> dict[str, Any]:
        tickets, data = _read(table, ticket)
        return {**data, "tickets": tickets}

    return _doc(REGISTER, settings, build)


def collect_db_roles(settings: DatafixSettings) -> EvidenceDoc:
    """Database role memberships plus the login -> AD account mapping (file and inline)."""
    table = settings.db_roles

    def member(row: Row) -> dict[str, Any]:
        v = row.values
        if not v["principal"] or not v["role"]:
            raise RowError("principal or role is empty")
        return {"principal": v["principal"], "role": v["role"], "database": v["database"],
                "row": row.number}

    def login(row: Row) -> tuple[str, str]:
        if not row.values["login"] or not row.values["account"]:
            raise RowError("login or account is empty")
        return row.values["login"], row.values["account"]

    def build() -> dict[str, Any]:
        # no `memberships` without a roles export: an empty list would say "nobody holds a role"
        data: dict[str, Any] = {"counts": {"read": 0, "used": 0, "rejected": 0},
                                "rejected": [], "sources": []}
        if table is not None:
            members, part = _read(table, member)
            data.update(memberships=members, counts=part["counts"], rejected=part["rejected"])
            data["sources"].append(part["source"])
        else:
            data["note"] = ("no db_roles export is configured: only the login mapping was read, "
                            "not who holds which database role")
        logins = dict(settings.login_map)
        if settings.logins is not None:
            pairs, part = _read(settings.logins, login)
            logins.update(pairs)
            data["login_counts"] = part["counts"]
            data["rejected"] = data["rejected"] + part["rejected"]
            data["sources"].append(part["source"])
        data["logins"] = {k: logins[k] for k in sorted(logins)}
        return data

    return _doc(DB_ROLES, settings, build)


def collect_audit_log(settings: DatafixSettings) -> EvidenceDoc:
    """Streamed and reduced to groups (audit_log.py): logs run to millions of lines."""
    table = settings.audit_log
    assert table is not None
    with gc_paused():  # millions of small acyclic rows: see run/gc_pause
        if table.log_format == "pgaudit":
            return _doc(AUDIT_LOG, settings, lambda: _instance(table, pgaudit.read(
                table, settings.zone, settings.timezone, lambda: _sha256(table))))
        dates = DateParser(settings.date_formats, settings.zone)
        return _doc(AUDIT_LOG, settings, lambda: _instance(table, audit_log.read(
            table, dates, lambda: _sha256(table))))


def _instance(table: AuditLogTable, data: dict[str, Any]) -> dict[str, Any]:
    """Record the log's format and the database server whose audit state it depends on."""
    data["source"]["log_format"] = table.log_format
    if table.instance:
        data["source"]["instance"] = table.instance
    return data


def planned_kinds(settings: DatafixSettings) -> list[str]:
    """The evidence kinds this config produces (each export is optional)."""
    kinds = []
    if settings.register_export is not None:
        kinds.append(REGISTER)
    if settings.db_roles is not None or settings.logins is not None or settings.login_map:
        kinds.append(DB_ROLES)
    if settings.audit_log is not None:
        kinds.append(AUDIT_LOG)
    return kinds


def collect(settings: DatafixSettings) -> Iterator[EvidenceDoc]:
    readers = {REGISTER: collect_register, DB_ROLES: collect_db_roles,
               AUDIT_LOG: collect_audit_log}
    kinds = planned_kinds(settings)
    # the audit log is read first (and handed on in the usual order): reading it is the peak
    # of a collection's memory, and then no register of 100,000 tickets is held beside it
    read = {AUDIT_LOG: collect_audit_log(settings)} if AUDIT_LOG in kinds else {}
    for kind in kinds:
        yield read.pop(kind) if kind in read else readers[kind](settings)
