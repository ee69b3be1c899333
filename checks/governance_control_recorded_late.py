"""governance.control.recorded_late: a control was executed but recorded in the log too late.

The audit's exact finding: the control was done, but its recording came after the deadline, so
at the due date nobody could show it had been done. The recording deadline is the due date plus
the control's `record_working_days` (default 0); for a control that was itself executed late it
is the execution day plus those days, so lateness is not counted twice. One result per control
and period; a control not executed is not_applicable here.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok
from gitc_agent.model.workdays import local_date

from ._controls import KIND, REFERENCES, ControlLog, ControlParams, Slot, control_log, judge_slots


def decide(slot: Slot) -> Verdict:
    executed = slot.executed_on
    if executed is None or slot.execution is None:
        if not slot.due_passed:
            return slot.not_due()
        return not_applicable(msg("{control} ({title}) for {period} was not executed, so there "
                                  "was nothing to record (see governance.control.not_executed).",
                                  **slot.names()), subject=slot.subject, **slot.evidence())
    recorded = local_date(slot.execution.recorded_at)
    deadline = slot.calendar.shift(max(slot.due, executed), slot.control.record_working_days)
    late = slot.late(recorded, deadline)
    evidence = slot.evidence(record_deadline=deadline.isoformat(), working_days_late=late)
    if recorded > deadline:
        return fail(msg("{control} ({title}) for {period} was executed on {executed} but "
                        "recorded on {recorded}, {late} working day(s) after the recording "
                        "deadline {deadline}.",
                        **slot.names(executed=executed.isoformat(), recorded=recorded.isoformat(),
                                     late=late, deadline=deadline.isoformat())),
                    subject=slot.subject, **evidence)
    return ok(msg("{control} ({title}) for {period} was recorded on {recorded}, by the recording "
                  "deadline {deadline}.", **slot.names(recorded=recorded.isoformat(),
                                                       deadline=deadline.isoformat())),
              subject=slot.subject, **evidence)


@check(id="governance.control.recorded_late",
       title="Executed internal controls are recorded in the control log on time",
       likelihood=4, impact=3, evidence=[KIND], each=control_log, params=ControlParams,
       references=REFERENCES,
       remediation="Record each control in the control log when it is performed (at the latest "
                   "by its due date), with the evidence of the work, so the execution can be "
                   "shown at the close.")
def judge(log: ControlLog, params: ControlParams) -> Iterator[Verdict]:
    return judge_slots(log, params, decide)
