"""datafix.sod.execute_and_review: nobody both executes datafixes and reviews/reports on them.

This is the audited finding: the DBA executed the fixes and reported on them, so no independent
eye saw the change. Executors and reviewers come from the policy's role definitions (AD groups
resolved transitively, DB roles via the login mapping) and from who acted in the register.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, msg

from ._datafix import DB_ROLES, KINDS, REFERENCES, REGISTER, Datafix, datafix_exports
from ._datafix_roles import RoleParams, holders, sod


@check(
    id="datafix.sod.execute_and_review",
    title="Nobody both executes datafixes and reviews or reports on them",
    likelihood=4,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER, DB_ROLES),
    params=RoleParams,
    references=REFERENCES,
    remediation=(
        "Let someone outside the executing team (e.g. the application owner or a second-line "
        "reviewer) review each datafix against the audit log, or record the accepted risk with "
        "owner, reason and expiry."
    ),
)
def judge(dfx: Datafix, params: RoleParams) -> Iterator[Verdict]:
    executors = holders(dfx, "executor", params.roles.executor)
    reviewers = holders(dfx, "reviewer", params.roles.reviewer)
    yield from sod(dfx, executors, reviewers, lambda **v: msg(
        "{person} can execute datafixes and review or report on them: {a_role} through {a_how}; "
        "{b_role} through {b_how}.", **v))
