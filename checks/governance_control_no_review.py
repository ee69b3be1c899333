"""governance.control.no_review: a four-eyes control was not reviewed by a second person.

For each control the schedule marks `four_eyes: true`, every executed period needs a reviewer in
the log who is not the person who executed it (names compared case-insensitively), and a review
recorded before the execution does not count. Controls without four-eyes, and periods not
executed, are not_applicable. One result per control and period.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok
from gitc_agent.model.workdays import local_date

from ._controls import KIND, REFERENCES, ControlLog, ControlParams, Slot, control_log, judge_slots


def decide(slot: Slot) -> Verdict:
    e = slot.execution
    if not slot.control.four_eyes:
        return not_applicable(msg("{control} ({title}) for {period}: the handbook does not "
                                  "require a four-eyes review.", **slot.names()),
                              subject=slot.subject, **slot.evidence())
    executed = slot.executed_on
    if executed is None or e is None:
        if not slot.due_passed:
            return slot.not_due()
        return not_applicable(msg("{control} ({title}) for {period} was not executed, so there "
                                  "was nothing to review (see governance.control.not_executed).",
                                  **slot.names()), subject=slot.subject, **slot.evidence())
    evidence = slot.evidence(reviewed_at=e.reviewed_at.isoformat() if e.reviewed_at else None)
    if not e.reviewed_by:
        return fail(msg("{control} ({title}) for {period} requires four eyes, but no reviewer "
                        "is recorded (executed by {executor}).",
                        **slot.names(executor=e.executed_by)), subject=slot.subject, **evidence)
    if e.reviewed_by.casefold() == e.executed_by.casefold():
        return fail(msg("{control} ({title}) for {period} requires four eyes, but it was "
                        "reviewed by the person who executed it ({executor}).",
                        **slot.names(executor=e.executed_by)), subject=slot.subject, **evidence)
    if e.reviewed_at is not None and local_date(e.reviewed_at) < executed:
        return fail(msg("{control} ({title}) for {period}: the review by {reviewer} is dated "
                        "{reviewed}, before the execution on {executed}.",
                        **slot.names(reviewer=e.reviewed_by,
                                     reviewed=local_date(e.reviewed_at).isoformat(),
                                     executed=executed.isoformat())),
                    subject=slot.subject, **evidence)
    return ok(msg("{control} ({title}) for {period} was executed by {executor} and reviewed by "
                  "{reviewer}.", **slot.names(executor=e.executed_by, reviewer=e.reviewed_by)),
              subject=slot.subject, **evidence)


@check(id="governance.control.no_review",
       title="Four-eyes internal controls are reviewed by a second person",
       likelihood=3, impact=3, evidence=[KIND], each=control_log, params=ControlParams,
       references=[*REFERENCES, "ISO 27002:2022 5.3"],
       remediation="Have a second person (not the executor) review the control and record the "
                   "reviewer and review date in the control log.")
def judge(log: ControlLog, params: ControlParams) -> Iterator[Verdict]:
    return judge_slots(log, params, decide)
