"""The two exports of the vulnerability process: installed software per host (endpoint manager)
and the back office's tickets. Read like the datafix register: column mapping, messy CSV or JSON,
every rejected row listed with file, row, line and reason; a missing required column is exit 2.

Why an inventory export at all: hosts that gitc-agent does not reach over WinRM (DMZ, laptops)
are still in scope of the advisories; the endpoint manager knows what is installed on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

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
from gitc_agent.settings.datafix_config import Table
from gitc_agent.settings.vuln_config import VulnSettings

INVENTORY = kinds.VULN_INVENTORY
TICKETS = kinds.VULN_TICKETS
COLLECTOR = "vuln.files"


def _sha256(table: Table) -> str:
    digest = hashlib.sha256()
    with open(open_no_follow(table.file), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(table: Table, parse: Callable[[Row], Any]) -> tuple[list[Any], dict[str, Any]]:
    rows, info = read_rows(table)
    used, rejected, read = [], [], 0
    for row in rows:
        read += 1
        problem = row.values.get("__error__")
        if problem is None:
            try:
                used.append(parse(row))
                continue
            except RowError as exc:
                problem = str(exc)
        rejected.append({"file": table.file.name, "row": row.number, "line": row.line,
                         "reason": problem})
    info.update(sha256=_sha256(table), columns=dict(table.columns))
    return used, {"source": info, "counts": {"read": read, "used": len(used),
                                             "rejected": len(rejected)}, "rejected": rejected}


def _doc(kind: str, settings: VulnSettings, build: Callable[[], dict[str, Any]]) -> EvidenceDoc:
    try:
        data = build()
    except OSError as exc:
        return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data={},
                           errors=[{"part": "file", "message": f"{exc.filename}: cannot read "
                                                               f"the export: {exc.strerror}"}])
    return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data=data)


def collect_inventory(settings: VulnSettings) -> EvidenceDoc:
    table = settings.inventory
    assert table is not None

    def item(row: Row) -> dict[str, Any]:
        v = row.values
        if not v["host"]:
            raise RowError("host is empty")
        if not v["name"]:
            raise RowError("product name is empty")
        return {"host": v["host"].lower(), "name": v["name"][:200],
                "version": v["version"][:100] or None, "publisher": v["publisher"][:200],
                "row": row.number}

    def build() -> dict[str, Any]:
        items, data = _read(table, item)
        hosts: dict[str, list[dict[str, Any]]] = {}
        for entry in items:
            hosts.setdefault(entry.pop("host"), []).append(entry)
        return {**data, "hosts": hosts}

    return _doc(INVENTORY, settings, build)


def collect_tickets(settings: VulnSettings) -> EvidenceDoc:
    table = settings.tickets
    assert table is not None
    dates = DateParser(settings.date_formats, settings.zone)
    seen: dict[str, int] = {}

    def ticket(row: Row) -> dict[str, Any]:
        v = row.values
        ticket_id = new_ticket_id(v["ticket"], seen)
        if not v["opened_at"]:
            raise RowError("opened_at is empty")
        opened = dates.parse(v["opened_at"], "opened_at")
        closed = dates.parse(v["closed_at"], "closed_at") if v["closed_at"].strip() else None
        if closed is not None and closed < opened:
            raise RowError(f"closed_at {iso(closed)} is before opened_at {iso(opened)}")
        out = {"ticket": ticket_id, "row": row.number, "line": row.line,
               "opened_at": iso(opened), "closed_at": iso(closed) if closed else None,
               "references": [r.upper() for r in split_values(v["reference"],
                                                              settings.multi_value_separators)],
               "category": v["category"][:100], "queue": v["queue"][:100],
               "title": v["title"][:200]}
        seen[ticket_id.upper()] = row.number
        return out

    def build() -> dict[str, Any]:
        tickets, data = _read(table, ticket)
        return {**data, "tickets": tickets}

    return _doc(TICKETS, settings, build)
