"""vuln.process.patch_round_validated: after every patch round, a validation ticket for the
CISO office exists and was closed in time.

The audited process: after each (Windows) update round a ticket asks the CISO office to validate
that everything was patched. A round is the vendor's monthly release day (by default the second
Tuesday, Microsoft's); each of the last N rounds whose deadline (release day + N days) has
passed is judged: a ticket whose category and queue match the policy's patterns and that names
the round (its date or YYYY-MM) or was opened between that release day and the next must exist
and be closed by the deadline. No ticket while rows of the export were rejected is an `error`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, timedelta

from pydantic import Field, field_validator

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Outcome,
    Status,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.kinds import VULN_TICKETS

from ._advisories import REFERENCES, Ticket, Tickets, tickets

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}


class Params(CheckParams):
    release_weekday: str = "tuesday"
    release_week: int = Field(default=2, ge=1, le=4)  # the 2nd Tuesday of the month
    validate_within_days: int = Field(default=14, ge=1, le=60)
    rounds: int = Field(default=3, ge=1, le=24)  # how many past rounds are judged
    category_pattern: str = r"(?i)patch.*valid|valid.*patch|validatie"
    queue_pattern: str = r"(?i)ciso"

    @field_validator("release_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.lower() not in WEEKDAYS:
            raise ValueError(f"not a weekday: {value!r} (monday ... sunday)")
        return value.lower()

    @field_validator("category_pattern", "queue_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


def release_day(year: int, month: int, weekday: int, week: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def rounds(today: date, params: Params) -> list[tuple[date, date]]:
    """(release day, next release day) of the last rounds whose deadline has passed."""
    weekday = WEEKDAYS[params.release_weekday]
    days, year, month = [], today.year, today.month
    while len(days) < params.rounds + 2:
        days.append(release_day(year, month, weekday, params.release_week))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    days.sort()
    judged = [(d, days[i + 1] if i + 1 < len(days) else d + timedelta(days=31))
              for i, d in enumerate(days)
              if d + timedelta(days=params.validate_within_days) < today]
    return judged[-params.rounds:]


def _export(evidence: EvidenceSet) -> Iterator[Tickets | Outcome]:
    export, problems = tickets(evidence)
    for problem in problems:
        yield Outcome(problem.subject, Status.ERROR, problem.message, dict(problem.source))
    if export is not None:
        yield export


@check(
    id="vuln.process.patch_round_validated",
    title="Each patch round has a CISO validation ticket, closed in time",
    likelihood=3,
    impact=3,
    evidence=[VULN_TICKETS],
    each=_export,
    params=Params,
    references=[*REFERENCES, "audited process: CISO validation after each update round"],
    remediation="After each monthly update round, open a ticket for the CISO office to validate "
                "that all hosts are patched (name the round, e.g. 2026-11), and close it when "
                "the validation is done.",
)
def judge(export: Tickets, params: Params) -> Iterator[Verdict]:
    today = export.collected_at.date()
    category, queue = re.compile(params.category_pattern), re.compile(params.queue_pattern)
    validations = [t for t in export.tickets
                   if category.search(t.category or t.title) and queue.search(t.queue)]
    for day, next_day in rounds(today, params):
        yield _judge_round(day, next_day, validations, export, params)


def _judge_round(day: date, next_day: date, validations: list[Ticket], export: Tickets,
                 params: Params) -> Verdict:
    subject = subjects.patch_round(day.isoformat())
    deadline = day + timedelta(days=params.validate_within_days)
    names = {day.isoformat(), day.strftime("%Y-%m")}
    found = [t for t in validations if t.references & names] or \
        [t for t in validations if day <= t.opened_at.date() < next_day]
    evidence = {"round": day.isoformat(), "deadline": deadline.isoformat(),
                "tickets": [t.ticket for t in found]}
    if not found:
        if export.rejected:
            return unknown(msg("patch round {day}: no validation ticket found, but {rejected} "
                               "row(s) of the ticket export were rejected; the ticket may be "
                               "among them.", day=day, rejected=export.rejected),
                           subject=subject, **evidence)
        return fail(msg("patch round {day}: no validation ticket for the CISO office (category "
                        "/{category}/, queue /{queue}/) names it or was opened before the next "
                        "round ({next_day}).", day=day, category=params.category_pattern,
                        queue=params.queue_pattern, next_day=next_day), subject=subject,
                    **evidence)
    closed = [t for t in found if t.closed_at is not None and t.closed_at.date() <= deadline]
    if closed:
        t = closed[0]
        return ok(msg("patch round {day}: validation ticket {ticket} closed on {closed}, by the "
                      "deadline {deadline}.", day=day, ticket=t.ticket,
                      closed=t.closed_at.date() if t.closed_at else "", deadline=deadline),
                  subject=subject, ticket=t.ticket, **evidence)
    t = found[0]
    values = {"day": day, "ticket": t.ticket, "deadline": deadline,
              "days": params.validate_within_days}
    if t.closed_at:
        text = msg("patch round {day}: validation ticket {ticket} is closed late on {closed}; "
                   "the deadline was {deadline} ({days} days after the release day).",
                   closed=t.closed_at.date(), **values)
    else:
        text = msg("patch round {day}: validation ticket {ticket} is still open; the deadline "
                   "was {deadline} ({days} days after the release day).", **values)
    return fail(text, subject=subject, ticket=t.ticket, **evidence)
