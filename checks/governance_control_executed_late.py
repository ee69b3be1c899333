"""governance.control.executed_late: a control was executed after its due date, or before the
close it must follow.

The due date is N working days before or after the period's close (its last working day), on
the Dutch calendar with the public holidays and the policy's closing days. A control the handbook
puts after the close that was executed before the close day cannot have covered the whole period,
so it fails too. One result per control and period; one not executed is left to
governance.control.not_executed (not_applicable here).
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok

from ._controls import KIND, REFERENCES, ControlLog, ControlParams, Slot, control_log, judge_slots


def decide(slot: Slot) -> Verdict:
    executed = slot.executed_on
    if executed is None:
        if not slot.due_passed:
            return slot.not_due()
        return not_applicable(msg("{control} ({title}) for {period} was not executed, so it "
                                  "cannot have been late (see governance.control.not_executed).",
                                  **slot.names()), subject=slot.subject, **slot.evidence())
    late = slot.late(executed, slot.due)
    evidence = slot.evidence(working_days_late=late)
    if slot.control.offset > 0 and executed < slot.close:
        return fail(msg("{control} ({title}) for {period} was executed on {executed}, before "
                        "the period's close on {close}: a control due after the close cannot "
                        "have covered the whole period.",
                        **slot.names(executed=executed.isoformat(),
                                     close=slot.close.isoformat())),
                    subject=slot.subject, **slot.evidence(before_close=True))
    if executed > slot.due:
        return fail(msg("{control} ({title}) for {period} was executed on {executed}, {late} "
                        "working day(s) after its due date {due} ({rule}).",
                        **slot.names(executed=executed.isoformat(), late=late,
                                     due=slot.due.isoformat(), rule=slot.control.rule)),
                    subject=slot.subject, **evidence)
    return ok(msg("{control} ({title}) for {period} was executed on {executed}, on or before its "
                  "due date {due}.", **slot.names(executed=executed.isoformat(),
                                                   due=slot.due.isoformat())),
              subject=slot.subject, **evidence)


@check(id="governance.control.executed_late",
       title="Internal controls are executed by their due date (and after the close where due "
             "after it)",
       likelihood=3, impact=3, evidence=[KIND], each=control_log, params=ControlParams,
       references=REFERENCES,
       remediation="Plan the control's execution before its due date in the closing calendar; "
                   "escalate controls that slip to the control owner.")
def judge(log: ControlLog, params: ControlParams) -> Iterator[Verdict]:
    return judge_slots(log, params, decide)
