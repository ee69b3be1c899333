"""Read the joiner request export: the tickets in which a manager asked for a new account.

Read like the datafix register (same reader, same rejected rows): a ticket id twice, a request
time that matches none of the date formats, or a row that names neither an account nor an
employee id is rejected with its row and reason, and counted.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.collectors.datafix.files import _read
from gitc_agent.collectors.datafix.tabular import DateParser, Row, RowError, iso, new_ticket_id
from gitc_agent.settings.hr_config import HRSettings


def read_requests(settings: HRSettings) -> dict[str, Any]:
    """The `hr.requests` data; OSError and InputError (missing column) are left to the caller."""
    table = settings.requests
    assert table is not None
    dates = DateParser(settings.date_formats, settings.zone)
    seen: dict[str, int] = {}

    def request(row: Row) -> dict[str, Any]:
        v = row.values
        ticket = new_ticket_id(v["ticket"], seen)
        if not v["account"] and not v["employee_id"]:
            raise RowError("the request names neither an account nor an employee id")
        if not v["requested_at"]:
            raise RowError("requested_at is empty")
        out = {"ticket": ticket, "account": v["account"] or None,
               "employee_id": v["employee_id"] or None,
               "requested_at": iso(dates.parse(v["requested_at"], "requested_at")),
               "approved_at": dates.optional(v["approved_at"], "approved_at"),
               "approver": v["approver"][:200] or None, "row": row.number, "line": row.line}
        seen[ticket.upper()] = row.number
        return out

    requests, data = _read(table, request, keep=("ticket", "account", "employee_id"))
    data["source"]["date_formats"] = list(settings.date_formats)
    return {**data, "requests": requests}
