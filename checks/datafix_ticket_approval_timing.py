"""datafix.ticket.approval_timing: approved before the first statement, run inside the window.

The first and last statement come from the register's execution times and, when the audit log
carries the ticket reference, from the log too (the earlier/later wins): a register filled in
afterwards must not hide a change made before its approval.

When the database audit the log comes from is not known to be on (the audit-log config names a
`db.instance` whose audit is off, incomplete or unknown), a statement made before approval or
outside the window may be missing from the log, so no ticket passes: a pass becomes `error`,
while what the register and the log do show still fails (as for datafix.log.unticketed).
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
from gitc_agent.model import subjects
from gitc_agent.model.message import msg_list

from ._datafix import AUDIT_LOG, KINDS, REFERENCES, REGISTER, Datafix, datafix_exports


class Params(CheckParams):
    min_approvers: int = Field(default=1, ge=1, le=10)
    window_required: bool = True  # a ticket without an approved window fails
    tolerance_minutes: int = Field(default=0, ge=0, le=1440)


@check(
    id="datafix.ticket.approval_timing",
    title="Datafixes are approved before execution and executed inside the approved window",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER),
    params=Params,
    references=[*REFERENCES, "ISO 27002:2022 8.32"],
    remediation="Execute a datafix only after approval and inside its approved window.",
)
def judge(dfx: Datafix, params: Params) -> Iterator[Verdict]:
    if dfx.log_audit_off:
        yield unknown(msg("The database audit this log comes from is not known to record every "
                          "change ({reason}), so a statement before approval or outside the "
                          "window may be missing from it: no datafix passes.",
                          reason=dfx.log_audit_off),
                      subject=subjects.export(AUDIT_LOG), **dfx.evidence(AUDIT_LOG))
    tolerance = timedelta(minutes=params.tolerance_minutes)
    first_log: dict[str, tuple] = {}
    for g in dfx.log:  # a group's first and last line bound all of its lines
        if g.ticket:
            key = g.ticket_key
            lo, hi = first_log.get(key, (g.first.at, g.last.at))
            first_log[key] = (min(lo, g.first.at), max(hi, g.last.at))
    for t in dfx.tickets:
        if t.execution_start is None:
            yield not_applicable(msg("Datafix {ticket} has no execution start: not executed.",
                                     ticket=t.id),
                                 subject=t.subject, **dfx.evidence(REGISTER, row=t.row))
            continue
        first = t.execution_start
        last = t.execution_end or t.execution_start
        if t.id.upper() in first_log:
            lo, hi = first_log[t.id.upper()]
            first, last = min(first, lo), max(last, hi)
        approved = [at for _, at in t.approvers]
        evidence = dfx.evidence(REGISTER, AUDIT_LOG, row=t.row, first_statement=first.isoformat(),
                                last_statement=last.isoformat(),
                                approvals=[f"{n} {a.isoformat()}" for n, a in t.approvers],
                                window=[w.isoformat() if w else None
                                        for w in (t.window_start, t.window_end)])
        problems = []  # built only for a failing ticket: 100,000 passing ones carry none
        if len(approved) < params.min_approvers:
            problems.append(msg("{count} approval(s), {required} required", count=len(approved),
                                required=params.min_approvers))
        if approved and max(approved) > first + tolerance:
            problems.append(msg("approved {approved}, after the first statement {first}",
                                approved=max(approved).isoformat(), first=first.isoformat()))
        if t.window_start and first < t.window_start - tolerance:
            problems.append(msg("first statement {first} before the approved window opened "
                                "({opened})", first=first.isoformat(),
                                opened=t.window_start.isoformat()))
        if t.window_end and last > t.window_end + tolerance:
            problems.append(msg("last statement {last} after the approved window closed "
                                "({closed})", last=last.isoformat(),
                                closed=t.window_end.isoformat()))
        if params.window_required and not (t.window_start and t.window_end):
            problems.append(msg("no approved window recorded"))
        if problems:
            yield fail(msg("Datafix {ticket}: {problems}.", ticket=t.id,
                           problems=msg_list(problems)),
                       subject=t.subject, **evidence)
        elif dfx.log_audit_off:
            yield unknown(msg("Datafix {ticket} was approved before its first logged statement "
                              "and ran inside the approved window, but this is not a pass: the "
                              "audit is not known to be on ({reason}).", ticket=t.id,
                              reason=dfx.log_audit_off), subject=t.subject, **evidence)
        else:
            yield ok(msg("Datafix {ticket} was approved before its first statement and ran "
                         "inside the approved window.", ticket=t.id),
                     subject=t.subject, **evidence)
