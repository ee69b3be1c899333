"""datafix.sod.execute_and_review: nobody both executes datafixes and reviews/reports on them.

This is the audited finding: the DBA executed the fixes and reported on them, so no independent
eye saw the change. Executors and reviewers come from the policy's role definitions (AD groups
resolved transitively, DB roles via the login mapping) and from who acted in the register.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import EvidenceSet, Outcome, check

from ._datafix import KINDS, REFERENCES, RoleParams, holders, load, sod


@check(
    id="datafix.sod.execute_and_review",
    title="Nobody both executes datafixes and reviews or reports on them",
    likelihood=4,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    params=RoleParams,
    references=REFERENCES,
    remediation=(
        "Let someone outside the executing team (e.g. the application owner or a second-line "
        "reviewer) review each datafix against the audit log, or record the accepted risk with "
        "owner, reason and expiry."
    ),
)
def execute_and_review(evidence: EvidenceSet, params: RoleParams) -> Iterator[Outcome]:
    dfx = load(evidence)
    if isinstance(dfx, Outcome):
        yield dfx
        return
    executors = holders(dfx, "executor", params.roles.executor)
    reviewers = holders(dfx, "reviewer", params.roles.reviewer)
    yield from sod(dfx, executors, reviewers, "execute datafixes and review or report on them")
