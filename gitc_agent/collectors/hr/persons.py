"""Read the HR export (persons with start date, end date and department) and the account ->
employee id mapping.

Why like the datafix register: the HR export is a file another department produces (a payroll
system's CSV, often from Dutch Excel), with the same problems and the same contract: counts of
rows read, used and rejected, each rejected row with file, row, line, reason and the employee id
it names, and the file's SHA-256. A duplicate employee id is rejected (the first row is used):
which of two records is the real one is unknown, so the checks do not pass that person on it.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.collectors.datafix.files import _read
from gitc_agent.collectors.datafix.tabular import DateParser, Row, RowError
from gitc_agent.settings.hr_config import HRSettings

MAX_TEXT = 200


def employee_key(value: str) -> str:
    """Employee ids compare case- and space-insensitively (`E 104206` and `e104206` are one)."""
    return "".join(value.split()).upper()


def read_persons(settings: HRSettings) -> dict[str, Any]:
    """The `hr.persons` data; OSError and InputError (missing column) are left to the caller."""
    dates = DateParser(settings.date_formats, settings.zone)
    seen: dict[str, int] = {}

    def day(text: str, field: str) -> str | None:
        return dates.parse(text, field).date().isoformat() if text.strip() else None

    def person(row: Row) -> dict[str, Any]:
        v = row.values
        employee = v["employee_id"].strip()
        if not employee:
            raise RowError("employee id is empty")
        key = employee_key(employee)
        if key in seen:
            raise RowError(f"employee id {employee} is already on row {seen[key]} (duplicate "
                           f"employee id)")
        start, end = day(v["start"], "start date"), day(v["end"], "end date")
        if start and end and end < start:
            raise RowError(f"end date {end} is before start date {start}")
        moved_on = day(v["moved_on"], "moved_on date")
        seen[key] = row.number
        return {"employee_id": employee, "name": v["name"][:MAX_TEXT], "start": start,
                "end": end, "department": v["department"][:MAX_TEXT] or None,
                "manager": v["manager"][:MAX_TEXT] or None,
                "function": v["function"][:MAX_TEXT] or None,
                "previous_department": v["previous_department"][:MAX_TEXT] or None,
                "moved_on": moved_on, "row": row.number, "line": row.line}

    persons, data = _read(settings.persons, person, keep=("employee_id",))
    data["source"]["date_formats"] = list(settings.date_formats)
    header = {h.strip().lower() for h in data["source"].get("header", [])}
    # which fields the export has: a field it lacks is unknown, not empty (department change)
    data["source"]["fields"] = [f for f, column in settings.persons.columns.items()
                                if column.strip().lower() in header]
    return {**data, "persons": persons, "match": read_match(settings)}


def read_match(settings: HRSettings) -> dict[str, Any]:
    """How accounts are tied to persons: the attribute, and the account -> employee id map (the
    mapping file first, the inline entries over it)."""
    match = settings.match
    out: dict[str, Any] = {"attribute": match.attribute, "accounts": {}, "sources": [],
                           "counts": {"read": 0, "used": 0, "rejected": 0}, "rejected": []}
    accounts: dict[str, str] = {}
    if match.mapping is not None:
        rows: dict[str, int] = {}

        def pair(row: Row) -> tuple[str, str]:
            account, employee = row.values["account"].strip(), row.values["employee_id"].strip()
            if not account or not employee:
                raise RowError("account or employee id is empty")
            key = account.lower()
            if key in rows:
                raise RowError(f"account {account} is already mapped on row {rows[key]}")
            rows[key] = row.number
            return key, employee

        pairs, part = _read(match.mapping, pair, keep=("account", "employee_id"))
        accounts.update(pairs)
        out.update(counts=part["counts"], rejected=part["rejected"])
        out["sources"].append(part["source"])
    accounts.update({k.strip().lower(): str(v).strip() for k, v in match.accounts.items()})
    out["accounts"] = {k: accounts[k] for k in sorted(accounts)}
    return out
