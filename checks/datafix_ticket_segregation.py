"""datafix.ticket.segregation: per datafix, different people request, approve, execute, review.

Role definitions say who *can*; the ticket shows who *did*. A person is resolved through the AD
evidence (employeeID), so an admin account and an office account of one person are one person.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.message import msg_list

from ._datafix import KINDS, REFERENCES, REGISTER, Datafix, datafix_exports, same


@check(
    id="datafix.ticket.segregation",
    title="Each datafix is requested, approved, executed and reviewed by different people",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER),
    references=REFERENCES,
    remediation="Have the ticket approved and reviewed by someone other than requester and executor.",
)
def judge(dfx: Datafix, params: CheckParams) -> Iterator[Verdict]:
    people = dfx.people
    for t in dfx.tickets:
        clashes = []
        approvers = [name for name, _ in t.approvers]
        if t.executor and same(people, t.requester, t.executor):
            clashes.append(msg("requester {requester} is also the executor ({executor})",
                               requester=t.requester, executor=t.executor))
        for name in approvers:
            if same(people, name, t.requester):
                clashes.append(msg("approver {approver} is also the requester ({requester})",
                                   approver=name, requester=t.requester))
            if t.executor and same(people, name, t.executor):
                clashes.append(msg("approver {approver} is also the executor ({executor})",
                                   approver=name, executor=t.executor))
        if t.reviewer:
            if t.executor and same(people, t.reviewer, t.executor):
                clashes.append(msg("reviewer {reviewer} is also the executor ({executor})",
                                   reviewer=t.reviewer, executor=t.executor))
            for name in approvers:
                if same(people, t.reviewer, name):
                    clashes.append(msg("reviewer {reviewer} is also an approver ({approver})",
                                       reviewer=t.reviewer, approver=name))
        evidence = dfx.evidence(REGISTER, row=t.row, requester=t.requester, approvers=approvers,
                                executor=t.executor, reviewer=t.reviewer)
        if clashes:
            yield fail(msg("Datafix {ticket}: {clashes}.", ticket=t.id,
                           clashes=msg_list(clashes)), subject=t.subject, **evidence)
        elif dfx.persons_problem:  # different names may still be one person's two accounts
            yield unknown(msg("Datafix {ticket}: whether requester, approver(s), executor and "
                              "reviewer are different people could not be assessed: "
                              "{problem}.", ticket=t.id, problem=dfx.persons_problem),
                          subject=t.subject, **evidence)
        else:
            yield ok(msg("Datafix {ticket}: requester, approver(s), executor and reviewer are "
                         "different people.", ticket=t.id), subject=t.subject, **evidence)
