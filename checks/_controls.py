"""Shared reading of the internal-control log for the governance.control.* checks.

Why shared: the four checks judge the same slots (one control of the handbook in one period) and
must agree on everything around the judgement: which periods a control has, when each is due
(N working days before or after the period's close, on the Dutch calendar plus the policy's
closing days), which log line belongs to which slot, and what cannot be judged. A rejected or
unreadable log line, a line for a control the handbook does not have, or one whose period does
not fit the control is an `error` naming file, row and reason; the slot it would have filled is
an `error` too, never "not executed" on evidence nobody could read. A slot whose due date has not
passed at the evidence's collection time and that has no execution is not_applicable, not pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Message,
    Outcome,
    Status,
    Verdict,
    msg,
    not_applicable,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.kinds import CONTROLS_REGISTER
from gitc_agent.model.message import msg_list
from gitc_agent.model.timeutil import parse_time
from gitc_agent.model.workdays import WorkCalendar, local_date

from ._unreadable import Unreadable, why

KIND = CONTROLS_REGISTER
REFERENCES = ["ISO 27002:2022 5.36", "BIO2 5.36", "COSO 2013 principle 12 (performs in a "
              "timely manner)"]
Frequency = Literal["monthly_before_close", "monthly_after_close", "after_period_8",
                    "after_period_12", "yearly"]
_DUE = re.compile(r"^\s*(\d{1,2})\s+working\s+days?\s+(before|after)\s+(the\s+)?close\s*$", re.I)
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_LOG_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
_SIDE = {"monthly_before_close": "before", "monthly_after_close": "after",
         "after_period_8": "after", "after_period_12": "after"}
_MONTH = {"after_period_8": 8, "after_period_12": 12, "yearly": 12}
_REJECTED_KEYS = ("file", "row", "line", "reason", "control", "period")
PHRASE = "_phrase"  # a rejected line's reason as a Message: for the sentence, not the evidence
EXECUTION_KEYS = ("control", "period", "executed_at", "recorded_at", "executed_by",
                  "reviewed_by", "row")


class ScheduledControl(CheckParams):
    """One control of the handbook, as the policy lists it."""

    id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    frequency: Frequency
    due: str  # "2 working days before close", "5 working days after close"
    four_eyes: bool = False
    record_working_days: int = Field(default=0, ge=0, le=60)  # recording allowed after the due

    @model_validator(mode="after")
    def _due_rule(self) -> ScheduledControl:
        found = _DUE.match(self.due)
        if not found:
            raise ValueError(f"due {self.due!r} must read 'N working days before close' or "
                             "'N working days after close'")
        side = _SIDE.get(self.frequency)
        if side and found.group(2).lower() != side:
            raise ValueError(f"a {self.frequency} control is due {side} the close, not "
                             f"{found.group(2).lower()} it")
        return self

    @property
    def rule(self) -> Message | str:
        """The due rule for a sentence: translated when the policy writes it the usual way
        ("10 working days after close"), else exactly as the policy wrote it."""
        found = _DUE.match(self.due)
        assert found is not None
        days = int(found.group(1))
        phrase = (msg("{days} working days before close", days=days)
                  if found.group(2).lower() == "before"
                  else msg("{days} working days after close", days=days))
        return phrase if str(phrase) == self.due else self.due

    @property
    def offset(self) -> int:
        """Working days from the close to the due date (negative: before the close)."""
        found = _DUE.match(self.due)
        assert found is not None
        days = int(found.group(1))
        return -days if found.group(2).lower() == "before" else days


class Periods(CheckParams):
    start: str = Field(alias="from")
    end: str = Field(alias="to")

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _PERIOD.match(value):
            raise ValueError(f"{value!r} is not a period YYYY-MM")
        return value

    @model_validator(mode="after")
    def _order(self) -> Periods:
        if self.end < self.start:
            raise ValueError(f"'to' {self.end} is before 'from' {self.start}")
        return self


class ControlParams(CheckParams):
    """The handbook (shared by the four checks): its controls, the closing days, the periods."""

    control_schedule: list[ScheduledControl] = Field(default_factory=list)
    control_closing_days: list[date] = Field(default_factory=list)
    control_open_days: list[date] = Field(default_factory=list)  # public holidays worked
    control_periods: Periods | None = None  # default: the calendar year of the evidence

    @field_validator("control_schedule")
    @classmethod
    def _unique(cls, value: list[ScheduledControl]) -> list[ScheduledControl]:
        seen: set[str] = set()
        for control in value:
            if control.id.upper() in seen:
                raise ValueError(f"control {control.id!r} is listed twice")
            seen.add(control.id.upper())
        return value


@dataclass(frozen=True)
class Execution:
    control: str
    period: str
    executed_at: datetime | date | None
    recorded_at: datetime | date
    executed_by: str
    reviewed_by: str
    reviewed_at: datetime | date | None
    row: int
    line: Any
    note: str = ""

    @classmethod
    def from_data(cls, e: Any) -> Execution:
        """Raises Unreadable for a line the collector would not have written."""
        if not isinstance(e, dict):
            raise Unreadable(msg("the log line is not an object"))
        missing = [k for k in EXECUTION_KEYS if k not in e]
        if missing:
            raise Unreadable(msg("field(s) {fields} missing from the evidence",
                                 fields=", ".join(missing)))
        texts = ("control", "period", "executed_by", "reviewed_by")
        if any(not isinstance(e[k], str) for k in texts) or not e["control"].strip():
            raise Unreadable(msg("control, period, executed_by or reviewed_by is not text"))
        if not _LOG_PERIOD.match(e["period"]):
            raise Unreadable(msg("unreadable period {period}", period=repr(e["period"])))
        executed = _moment(e["executed_at"], "executed_at", optional=True)
        if executed is not None and not e["executed_by"].strip():
            raise Unreadable(msg("executed but executed_by is empty"))
        return cls(e["control"].strip(), e["period"], executed,
                   _moment(e["recorded_at"], "recorded_at"), e["executed_by"].strip(),
                   e["reviewed_by"].strip(), _moment(e.get("reviewed_at"), "reviewed_at", True),
                   e["row"], e.get("line", "?"),
                   e["note"] if isinstance(e.get("note"), str) else "")


def _moment(value: Any, name: str, optional: bool = False) -> datetime | date | None:
    if value is None and optional:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if isinstance(value, str) and "T" in value and (when := parse_time(value)) is not None \
            and re.search(r"(Z|[+-]\d{2}:\d{2})$", value):
        return when
    raise Unreadable(msg("unreadable {field} {value}", field=name, value=repr(value)))


@dataclass
class ControlLog:
    """The control log as one population, judged at its collection time."""

    executions: list[Execution]
    rejected: list[dict[str, Any]]
    as_of: datetime
    source: dict[str, Any]
    file: str

    @property
    def subject(self) -> str:
        return subjects.export(KIND)


def control_log(evidence: EvidenceSet) -> Iterator[ControlLog | Outcome]:
    """A walker: the control log, or an `error` for a log that cannot be read at all (read
    once per evaluation for the four checks)."""
    yield from evidence.derived("controls.register", lambda: list(_read_log(evidence)))


def _read_log(evidence: EvidenceSet) -> Iterator[ControlLog | Outcome]:
    docs = evidence.of_kind(KIND)
    executions: list[Execution] = []
    rejected: list[dict[str, Any]] = []
    stamps: list[datetime] = []
    for doc in docs:
        src = {"target": doc.target, "collected_at": doc.collected_at,
               "evidence_file": doc.file or ""}
        stamp = parse_time(doc.collected_at)
        raw = doc.data.get("executions") if isinstance(doc.data, dict) else None
        problem = ("; ".join(str(e.get("message", "?")) for e in doc.errors) if doc.errors
                   else msg("no data") if not doc.data
                   else msg("unreadable collection time {value}", value=repr(doc.collected_at))
                   if stamp is None
                   else msg("it has no list of executions") if not isinstance(raw, list)
                   else msg("it holds no executions: a log that records nothing proves nothing")
                   if not raw else None)
        if problem:
            yield Outcome(subjects.export(KIND), Status.ERROR, msg(
                "The control log from {source} could not be used, so the internal controls were "
                "not assessed: {problem}", source=doc.target, problem=problem), src)
            return
        assert stamp is not None and isinstance(raw, list)
        stamps.append(stamp)
        source = doc.data.get("source")
        file = PurePath(str(source.get("file") if isinstance(source, dict) else "")).name \
            or doc.target
        for bad in doc.data.get("rejected") or []:
            rejected.append(bad if isinstance(bad, dict) else {"reason": str(bad)})
        for entry in raw:
            try:
                executions.append(Execution.from_data(entry))
            except ValueError as exc:
                good = isinstance(entry, dict)
                rejected.append({"file": file, "row": entry.get("row") if good else "?",
                                 "line": entry.get("line", "?") if good else "?",
                                 "reason": str(exc), PHRASE: why(exc),
                                 **{k: entry[k] for k in ("control", "period")
                                    if good and isinstance(entry.get(k), str)}})
        last = src
    if stamps:
        yield ControlLog(executions, rejected, max(stamps), last, file)


# --- slots -----------------------------------------------------------------------------------


@dataclass
class Slot:
    """One control in one period: what the four checks judge."""

    control: ScheduledControl
    period: str
    close: date
    due: date
    as_of: date
    calendar: WorkCalendar
    execution: Execution | None = None

    @property
    def subject(self) -> str:
        return subjects.control(self.control.id, self.period)

    @property
    def label(self) -> str:
        return f"{self.control.id} ({self.control.title}) for {self.period}"

    def names(self, **more: Any) -> dict[str, Any]:
        """The values of `label` for a message template ("{control} ({title}) for {period}"),
        with `more`: the label's words are the template's, so they can be translated."""
        return {"control": self.control.id, "title": self.control.title, "period": self.period,
                **more}

    @property
    def due_passed(self) -> bool:
        return self.as_of > self.due

    @property
    def executed_on(self) -> date | None:
        e = self.execution
        return local_date(e.executed_at) if e and e.executed_at is not None else None

    def late(self, day: date, deadline: date) -> int:
        return self.calendar.working_days_between(deadline, day)

    def evidence(self, **extra: Any) -> dict[str, Any]:
        e = self.execution
        found: dict[str, Any] = {
            "control": self.control.id, "title": self.control.title,
            "frequency": self.control.frequency, "period": self.period,
            "due_rule": self.control.due, "close": self.close.isoformat(),
            "due": self.due.isoformat(), "as_of": self.as_of.isoformat()}
        if e is not None:
            found.update(row=e.row, line=e.line, executed_by=e.executed_by,
                         reviewed_by=e.reviewed_by, recorded_at=e.recorded_at.isoformat(),
                         executed_at=e.executed_at.isoformat() if e.executed_at else None,
                         **({"note": e.note} if e.note else {}))
        return {**found, **extra}

    def not_due(self) -> Verdict:
        return not_applicable(msg("{control} ({title}) for {period} is not yet due (due {due}, "
                                  "evidence of {as_of}) and not executed yet.",
                                  **self.names(due=self.due.isoformat(),
                                               as_of=self.as_of.isoformat())),
                              subject=self.subject, **self.evidence())


def _periods(params: ControlParams, as_of: date) -> list[tuple[int, int]]:
    span = params.control_periods
    start, end = (span.start, span.end) if span else (f"{as_of.year}-01", f"{as_of.year}-12")
    (y, m), (ey, em) = (tuple(int(p) for p in s.split("-")) for s in (start, end))
    months = []
    while (y, m) <= (ey, em):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _key(control: ScheduledControl, year: int, month: int | None) -> str | None:
    """The slot a log period fills: None when the period does not fit the control."""
    if control.frequency == "yearly":
        return f"{year:04d}"
    fixed = _MONTH.get(control.frequency)
    if month is None:
        return f"{year:04d}-{fixed:02d}" if fixed else None
    return f"{year:04d}-{month:02d}" if fixed in (None, month) else None


def slots(params: ControlParams, as_of: date,
          calendar: WorkCalendar) -> dict[tuple[str, str], Slot]:
    found: dict[tuple[str, str], Slot] = {}
    due: dict[tuple[date, int], date] = {}
    for year, month in _periods(params, as_of):
        close = calendar.last_working_day(year, month)
        for control in params.control_schedule:
            fixed = _MONTH.get(control.frequency)
            if fixed is not None and month != fixed:
                continue
            key = _key(control, year, month)
            assert key is not None
            if (close, control.offset) not in due:
                due[(close, control.offset)] = calendar.shift(close, control.offset)
            found[(control.id.upper(), key)] = Slot(control, key, close,
                                                    due[(close, control.offset)], as_of, calendar)
    return found


Decide = Callable[[Slot], Verdict]


def judge_slots(log: ControlLog, params: ControlParams, decide: Decide) -> Iterator[Verdict]:
    """Errors for what cannot be judged, then one verdict per control and period."""
    if not params.control_schedule:
        yield unknown("The policy lists no controls (shared: control_schedule), so the control "
                      "log cannot be judged: list the handbook's controls with their frequency "
                      "and due rule.", rows=len(log.executions))
        return
    calendar = WorkCalendar(params.control_closing_days, params.control_open_days)
    as_of = local_date(log.as_of)
    table = slots(params, as_of, calendar)
    schedule = {c.id.upper(): c for c in params.control_schedule}
    blocked: dict[tuple[str, str], list[Message]] = {}
    for bad in log.rejected:
        file, row = bad.get("file", log.file), bad.get("row", "?")
        where = {"file": str(file), "row": str(row), "line": str(bad.get("line", "?")),
                 # ours as a phrase; the collector's as it wrote it
                 "reason": bad.get(PHRASE) or str(bad.get("reason", "?"))}
        reason = msg("{file} row {row} (line {line}): {reason}", **where)
        yield unknown(msg("{file} row {row} (line {line}): {reason}; the line was rejected and "
                          "not assessed.", **where),
                      subject=subjects.row(file, row),
                      **{k: bad[k] for k in _REJECTED_KEYS if k in bad})
        control = schedule.get(str(bad.get("control", "")).upper())
        found = _LOG_PERIOD.match(str(bad.get("period", "")))
        if control is not None and found:
            key = _key(control, int(found.group(1)), int(found.group(2) or 0) or None)
            blocked.setdefault((control.id.upper(), key or ""), []).append(reason)
    for e in log.executions:
        where = {"file": log.file, "row": e.row, "line": str(e.line)}
        control = schedule.get(e.control.upper())
        year, _, month = e.period.partition("-")
        key = _key(control, int(year), int(month) if month else None) if control else None
        if control is None:
            yield unknown(msg("{file} row {row} (line {line}): control {control} is not in the "
                              "policy's control schedule, so the line was not assessed; correct "
                              "the log or the schedule.", control=repr(e.control), **where),
                          subject=subjects.row(log.file, e.row),
                          control=e.control, period=e.period, row=e.row)
            continue
        if key is None:
            yield unknown(msg("{file} row {row} (line {line}): period {period} is not a period "
                              "of {control} ({frequency}), so the line was not assessed; correct "
                              "the log or the schedule.", period=e.period, control=control.id,
                              frequency=control.frequency, **where),
                          subject=subjects.row(log.file, e.row),
                          control=e.control, period=e.period, row=e.row)
            continue
        slot = table.get((control.id.upper(), key))
        if slot is not None:
            slot.execution = e
    for (control_key, key), slot in table.items():
        reasons = blocked.get((control_key, key))
        if reasons:
            yield unknown(msg("{control} ({title}) for {period} could not be assessed: its log "
                              "line was rejected ({reasons}).",
                              **slot.names(reasons=msg_list(reasons))),
                          subject=slot.subject, **slot.evidence())
        else:
            yield decide(slot)
