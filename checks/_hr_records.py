"""The HR evidence as the lifecycle checks read it: persons, requests and the rows the
collector rejected, refused as a whole when the document was edited or damaged.

Why its own module: reading saved evidence strictly (every key the collector writes, lists that
agree with its counts) is what keeps a damaged document from turning into "nobody left"; the
judging walker (_hr.py) then only decides which accounts belong to whom. What it says about a
row or a document is a Message (a phrase inside the check's sentence); the collector's own
reasons and errors stay its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.message import Message, msg
from gitc_agent.model.timeutil import parse_time


def employee_key(value: str) -> str:
    """As the collector compares them: without spaces, case-insensitive."""
    return "".join(value.split()).upper()


def rejected_text(entry: dict[str, Any]) -> Message:
    """A row the collector rejected, with its reason (the collector's words)."""
    return msg("{file} row {row}: {reason}", file=entry.get("file", "?"),
               row=entry.get("row", "?"), reason=entry.get("reason", "?"))


@dataclass(frozen=True)
class Person:
    employee_id: str
    name: str
    start: date | None
    end: date | None
    department: str | None
    row: int
    previous_department: str | None = None
    moved_on: date | None = None

    @property
    def key(self) -> str:
        return employee_key(self.employee_id)

    @property
    def subject(self) -> str:
        return subjects.person(f"employee:{self.employee_id}")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.employee_id})" if self.name else self.employee_id


@dataclass
class Request:
    ticket: str
    account: str | None
    employee: str | None  # employee key
    requested_at: datetime
    approved_at: datetime | None
    row: int


def doc_problem(doc: EvidenceDoc, key: str) -> Message | str | None:
    """Why the document cannot be relied on: any recorded error (the collector writes one only
    when it could not read the file), or a list that disagrees with the collector's counts."""
    problems = [f"{e.get('part', '?')}: {e.get('message', '')}" for e in doc.errors]
    if problems:
        return "; ".join(problems)
    records, rejected, counts = (doc.data.get(key), doc.data.get("rejected"),
                                 doc.data.get("counts"))
    if not isinstance(records, list) or not isinstance(rejected, list) \
            or not isinstance(counts, dict):
        return msg("{key}, rejected rows or counts missing from the evidence", key=key)
    if counts.get("used") != len(records) or counts.get("rejected") != len(rejected) \
            or counts.get("read") != len(records) + len(rejected):
        return msg("the evidence holds {records} {key} and {rejected} rejected row(s), but the "
                   "collector counted {counts}", records=len(records), key=key,
                   rejected=len(rejected), counts=str(counts))
    if not records and key == "persons":
        return msg("the HR export holds no person")
    return None


class Malformed(ValueError):
    """A record the collector wrote that cannot be read now (edited or damaged evidence)."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message  # str(exc) is its English text


PERSON_KEYS = ("employee_id", "name", "start", "end", "department", "row")
REQUEST_KEYS = ("ticket", "account", "employee_id", "requested_at", "approved_at", "row")


def read_persons(doc: EvidenceDoc
                 ) -> tuple[dict[str, Person], dict[str, Message], list[Message]]:
    """The persons, the employee keys a rejected row touches and the rows that name nobody."""
    persons: dict[str, Person] = {}
    tainted: dict[str, Message] = {}
    anonymous: list[Message] = []
    for entry in doc.data["rejected"]:
        if not isinstance(entry, dict):
            raise Malformed(msg("a rejected row in the evidence is not a record"))
        employee = entry.get("employee_id")
        if isinstance(employee, str) and employee.strip():
            tainted.setdefault(employee_key(employee), rejected_text(entry))
        else:
            anonymous.append(rejected_text(entry))
    for number, record in enumerate(doc.data["persons"], start=1):
        if not isinstance(record, dict) or any(k not in record for k in PERSON_KEYS) \
                or not isinstance(record["employee_id"], str) \
                or not record["employee_id"].strip():
            raise Malformed(msg("person record {number} in the evidence is incomplete",
                                number=number))
        try:
            person = Person(record["employee_id"].strip(), str(record["name"] or ""),
                            _day(record["start"]), _day(record["end"]),
                            record["department"], int(record["row"]),
                            record.get("previous_department"), _day(record.get("moved_on")))
        except (TypeError, ValueError) as exc:
            raise Malformed(msg("person record {number} in the evidence is unreadable "
                                "({error})", number=number, error=str(exc))) from None
        if person.key in persons:
            raise Malformed(msg("employee id {employee} is in the evidence twice",
                                employee=person.employee_id))
        persons[person.key] = person
    return persons, tainted, anonymous


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(str(value)[:10])


def read_requests(doc: EvidenceDoc) -> tuple[list[Request], list[dict[str, Any]]]:
    requests: list[Request] = []
    rejected = doc.data["rejected"]
    if not all(isinstance(e, dict) for e in rejected):
        raise Malformed(msg("a rejected row in the evidence is not a record"))
    for number, record in enumerate(doc.data["requests"], start=1):
        if not isinstance(record, dict) or any(k not in record for k in REQUEST_KEYS):
            raise Malformed(msg("request record {number} in the evidence is incomplete",
                                number=number))
        requested = parse_time(record["requested_at"])
        approved = parse_time(record["approved_at"]) if record["approved_at"] else None
        if requested is None or (record["approved_at"] and approved is None) \
                or not isinstance(record["ticket"], str):
            raise Malformed(msg("request record {number} in the evidence is unreadable",
                                number=number))
        employee = record["employee_id"]
        requests.append(Request(record["ticket"], record["account"] or None,
                                employee_key(str(employee)) if employee else None,
                                requested, approved, int(record["row"])))
    return requests, rejected
