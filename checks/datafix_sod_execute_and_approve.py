"""datafix.sod.execute_and_approve: nobody can both execute and approve datafixes.

Whoever can approve their own change needs nobody else to change production data.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, msg

from ._datafix import DB_ROLES, KINDS, REFERENCES, REGISTER, Datafix, datafix_exports
from ._datafix_roles import RoleParams, holders, sod


@check(
    id="datafix.sod.execute_and_approve",
    title="Nobody both executes and approves datafixes",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER, DB_ROLES),
    params=RoleParams,
    references=REFERENCES,
    remediation="Remove the person from either the executor or the approver role.",
)
def judge(dfx: Datafix, params: RoleParams) -> Iterator[Verdict]:
    executors = holders(dfx, "executor", params.roles.executor)
    approvers = holders(dfx, "approver", params.roles.approver)
    yield from sod(dfx, executors, approvers, lambda **v: msg(
        "{person} can both execute and approve datafixes: {a_role} through {a_how}; {b_role} "
        "through {b_how}.", **v))
