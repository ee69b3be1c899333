"""datafix.ticket.review: each executed datafix is reviewed independently within N days.

The review is the detective control that makes a DBA's sysadmin rights acceptable, so a missing,
late, premature or self-review fails. Time is judged against the moment the register was
collected, so re-evaluating saved evidence gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    Verdict,
    check,
    fail,
    msg,
    not_applicable,
    ok,
    unknown,
)
from gitc_agent.model.message import msg_list

from ._datafix import KINDS, REFERENCES, REGISTER, Datafix, datafix_exports, same


class Params(CheckParams):
    max_days: int = Field(default=10, ge=0, le=366)


@check(
    id="datafix.ticket.review",
    title="Each datafix is independently reviewed within the period",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER),
    params=Params,
    references=REFERENCES,
    remediation=(
        "Have someone who neither executed nor approved the datafix compare it with the audit "
        "log and record the review (reviewer, date) in the ticket within the period."
    ),
)
def judge(dfx: Datafix, params: Params) -> Iterator[Verdict]:
    people = dfx.people
    for t in dfx.tickets:
        if t.execution_start is None:
            yield not_applicable(msg("Datafix {ticket} has no execution start: not executed, "
                                     "nothing to review.", ticket=t.id), subject=t.subject,
                                 **dfx.evidence(REGISTER, row=t.row))
            continue
        done = t.execution_end or t.execution_start
        due = done + timedelta(days=params.max_days)
        evidence = dfx.evidence(REGISTER, row=t.row, executed=done.isoformat(),
                                due=due.isoformat(), reviewer=t.reviewer,
                                reviewed_at=t.reviewed_at.isoformat() if t.reviewed_at else None)
        if not t.reviewer or t.reviewed_at is None:
            if dfx.as_of <= due:
                yield not_applicable(msg("Datafix {ticket} is not reviewed yet; the review is "
                                         "due {due}.", ticket=t.id, due=due.date().isoformat()),
                                     subject=t.subject, **evidence)
            else:
                yield fail(msg("Datafix {ticket} (executed {executed}) has no recorded review; "
                               "it was due {due}.", ticket=t.id,
                               executed=done.date().isoformat(), due=due.date().isoformat()),
                           subject=t.subject, **evidence)
            continue
        problems = []  # built only for a failing ticket: passing ones carry none
        if same(people, t.reviewer, t.executor):
            problems.append(msg("reviewed by its executor {reviewer}", reviewer=t.reviewer))
        if any(same(people, t.reviewer, name) for name, _ in t.approvers):
            problems.append(msg("reviewed by its approver {reviewer}", reviewer=t.reviewer))
        if t.reviewed_at.date() < done.date():  # a review date often has no time
            problems.append(msg("review dated {reviewed}, before the execution ended ({ended})",
                                reviewed=t.reviewed_at.isoformat(), ended=done.isoformat()))
        if t.reviewed_at > due:
            problems.append(msg("reviewed {days} days after execution (period {max_days} days)",
                                days=(t.reviewed_at - done).days, max_days=params.max_days))
        if problems:
            yield fail(msg("Datafix {ticket}: {problems}.", ticket=t.id,
                           problems=msg_list(problems)), subject=t.subject, **evidence)
        elif dfx.persons_problem:  # different names may still be one person's two accounts
            yield unknown(msg("Datafix {ticket}: whether reviewer {reviewer} is independent of "
                              "its executor and approver(s) could not be assessed: {problem}.",
                              ticket=t.id, reviewer=t.reviewer, problem=dfx.persons_problem),
                          subject=t.subject, **evidence)
        else:
            yield ok(msg("Datafix {ticket} was reviewed by {reviewer} on {date}, within "
                         "{max_days} days.", ticket=t.id, reviewer=t.reviewer,
                         date=t.reviewed_at.date().isoformat(), max_days=params.max_days),
                     subject=t.subject, **evidence)
