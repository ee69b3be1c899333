"""governance.control.not_executed: a control of the handbook has no execution for a period that is due.

One result per control and period (`control:IC-08@2026-08`), so the auditor sees which months
failed. A period whose due date (N working days before or after the period's close, Dutch
calendar) has not passed when the log was exported, and that has no execution yet, is
not_applicable. A log line without an execution date ("not performed") counts as no execution.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok

from ._controls import KIND, REFERENCES, ControlLog, ControlParams, Slot, control_log, judge_slots


def decide(slot: Slot) -> Verdict:
    executed = slot.executed_on
    if executed is not None:
        return ok(msg("{control} ({title}) for {period} was executed on {executed} (due {due}).",
                      **slot.names(executed=executed.isoformat(), due=slot.due.isoformat())),
                  subject=slot.subject, **slot.evidence())
    if not slot.due_passed:
        return slot.not_due()
    e = slot.execution
    values = slot.names(due=slot.due.isoformat(), rule=slot.control.rule,
                        close=slot.close.isoformat())
    if e is None:
        text = msg("{control} ({title}) for {period} was not executed: it was due {due} ({rule}; "
                   "close {close}). The log has no line for it.", **values)
    elif e.note:
        text = msg("{control} ({title}) for {period} was not executed: it was due {due} ({rule}; "
                   "close {close}). Its log line (row {row}) records no execution: {note}.",
                   row=e.row, note=repr(e.note), **values)
    else:
        text = msg("{control} ({title}) for {period} was not executed: it was due {due} ({rule}; "
                   "close {close}). Its log line (row {row}) records no execution.",
                   row=e.row, **values)
    return fail(text, subject=slot.subject, **slot.evidence())


@check(id="governance.control.not_executed",
       title="Internal controls of the handbook are executed for every period that is due",
       likelihood=4, impact=4, evidence=[KIND], each=control_log, params=ControlParams,
       references=REFERENCES,
       remediation="Execute the missing control (late if need be), record it in the control log, "
                   "and have the control owner explain why it was skipped.")
def judge(log: ControlLog, params: ControlParams) -> Iterator[Verdict]:
    return judge_slots(log, params, decide)
