"""Collect the security-event exports (and the change-ticket export) as `events.security` evidence.

Why one document: the checks judge one period across all sources (a DC's log may arrive as EVTX
and its forwarded copy as JSON). Each source is described as an auditor needs it: file, format,
SHA-256, bytes, period covered, hosts seen, records read / accepted / rejected (per reason, the
first ones with their record), and the parser's errors with chunk and byte offset. A format that
cannot be told or a required ticket column that is missing is invalid input (exit 2); an
unreadable file is an evidence error (the checks report `error`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from gitc_agent.collectors.datafix.tabular import DateParser, Row, RowError, iso, read_rows
from gitc_agent.collectors.events import fields as f
from gitc_agent.collectors.events.readers import (
    ReadState,
    detect,
    evtx_records,
    json_records,
    open_source,
)
from gitc_agent.collectors.events.reduce import (
    ADDITION_COLUMNS,
    CREATION_COLUMNS,
    LOGON_COLUMNS,
    Reducer,
    SourceStats,
    TooManyAggregates,
)
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model import kinds
from gitc_agent.model.message import msg
from gitc_agent.settings.events_config import EventSource, EventsSettings

KIND = kinds.EVENTS_SECURITY
COLLECTOR = "events.files"


def sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(open_source(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def source_format(source: EventSource) -> str:
    """The configured format, or for `auto` EVTX by suffix and JSON by its first record."""
    if source.format != "auto":
        return source.format
    if source.file.suffix.lower() == ".evtx":
        return "evtx"
    state = ReadState("auto")
    for _where, record in json_records(source.file, "auto", state):
        found = detect(record)
        if found is None:
            break
        return found
    raise InputError(msg("cannot tell the export's format from its first record; set 'format' (evtx, ecs, "
                         "splunk, wef) for this source in the config"), source.file)


def _read_source(source: EventSource, reducer: Reducer) -> dict[str, Any]:
    fmt = source_format(source)
    state = ReadState(fmt)
    stats = SourceStats(source.file.name, fmt)
    digest, size = sha256(source.file)
    records = (evtx_records(source.file, state) if fmt == "evtx"
               else json_records(source.file, fmt, state))
    reducer.add_all(records, f.compile_mapping(fmt, source.fields), stats)
    described = stats.describe()
    described.update(path=str(source.file), sha256=digest, bytes=size,
                     parse_errors=state.parse_errors)
    if state.header:
        described["evtx_header"] = state.header
    if source.fields:
        described["fields"] = dict(source.fields)
    return described


def collect(settings: EventsSettings) -> EvidenceDoc:
    period = ((settings.period.start.timestamp(), settings.period.end.timestamp())
              if settings.period else None)
    reducer = Reducer(settings.channels, period, settings.max_logon_aggregates)
    sources: list[dict[str, Any]] = []
    try:
        for source in settings.sources:
            sources.append(_read_source(source, reducer))
        tickets = _tickets(settings) if settings.tickets is not None else None
    except OSError as exc:
        return _failed(settings, "file", f"{exc.filename}: cannot read the export: "
                                         f"{exc.strerror}")
    except TooManyAggregates as exc:
        return _failed(settings, "logons", f"more than {exc.args[0]} distinct logon aggregates "
                                           f"(account, type, host, source): raise "
                                           f"events.max_logon_aggregates or split the export")
    hosts = reducer.host_coverage()
    counts = {"read": sum(s["counts"]["read"] for s in sources),
              "rejected": sum(s["counts"]["rejected"] for s in sources),
              "accepted": sum(s["counts"]["accepted"] for s in sources),
              "outside_period": sum(s["counts"]["outside_period"] for s in sources),
              **{k: reducer.counts.get(k, 0) for k in ("logon_events", "logons_ignored",
                                                     "group_additions", "accounts_created",
                                                     "other_events")}}
    counts["used"] = counts["logon_events"] + counts["group_additions"] + counts["accounts_created"]
    counts["expected_hosts"] = len(settings.servers)  # so a list that lost hosts reads as broken
    data: dict[str, Any] = {
        "period": _period(settings, hosts), "channels": list(settings.channels),
        "expected_hosts": list(settings.servers), "counts": counts, "sources": sources,
        "logon_columns": LOGON_COLUMNS, "logons": reducer.logon_rows(),
        "addition_columns": ADDITION_COLUMNS, "group_additions": reducer.additions,
        "creation_columns": CREATION_COLUMNS, "accounts_created": reducer.creations,
        "hosts": hosts}
    if tickets is not None:
        data["tickets"] = tickets
    return EvidenceDoc(kind=KIND, target=settings.target, collector=COLLECTOR, data=data)


def _failed(settings: EventsSettings, part: str, message: str) -> EvidenceDoc:
    return EvidenceDoc(kind=KIND, target=settings.target, collector=COLLECTOR, data={},
                       errors=[{"part": part, "message": message}])


def _period(settings: EventsSettings, hosts: list[dict[str, Any]]) -> dict[str, Any]:
    if settings.period is not None:
        return {"start": settings.period.start.isoformat(), "end": settings.period.end.isoformat(),
                "from": "config"}
    if not hosts:
        return {"start": None, "end": None, "from": "events"}
    return {"start": min(h["first"] for h in hosts), "end": max(h["last"] for h in hosts),
            "from": "events"}


def _tickets(settings: EventsSettings) -> dict[str, Any]:
    """The change-ticket export, read like the datafix register (tabular.py)."""
    table = settings.tickets
    assert table is not None
    dates = DateParser(settings.date_formats, settings.zone)
    rows, info = read_rows(table)
    used, rejected, read = [], [], 0
    for row in rows:
        read += 1
        problem = row.values.get("__error__")
        if problem is None:
            try:
                used.append(_ticket(row, dates))
                continue
            except RowError as exc:
                problem = str(exc)
        rejected.append({"file": table.file.name, "row": row.number, "line": row.line,
                         "reason": problem})
    info["sha256"], info["bytes"] = sha256(table.file)
    info["columns"] = dict(table.columns)
    return {"source": info, "counts": {"read": read, "used": len(used),
                                       "rejected": len(rejected)},
            "rejected": rejected, "tickets": used}


def _ticket(row: Row, dates: DateParser) -> dict[str, Any]:
    v = row.values
    if not v["ticket"] or not v["account"]:
        raise RowError("ticket id or account is empty")
    return {"ticket": v["ticket"], "row": row.number,
            "approved_at": iso(dates.parse(v["approved_at"], "approved_at")),
            "account": v["account"], "group": v.get("group") or None,
            "title": (v.get("title") or "")[:200]}


def planned_kinds(settings: EventsSettings) -> list[str]:
    return [KIND]
