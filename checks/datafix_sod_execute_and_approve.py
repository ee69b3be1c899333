"""datafix.sod.execute_and_approve: nobody can both execute and approve datafixes.

Whoever can approve their own change needs nobody else to change production data.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import EvidenceSet, Outcome, check

from ._datafix import KINDS, REFERENCES, RoleParams, holders, load, sod


@check(
    id="datafix.sod.execute_and_approve",
    title="Nobody both executes and approves datafixes",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    params=RoleParams,
    references=REFERENCES,
    remediation="Remove the person from either the executor or the approver role.",
)
def execute_and_approve(evidence: EvidenceSet, params: RoleParams) -> Iterator[Outcome]:
    dfx = load(evidence)
    if isinstance(dfx, Outcome):
        yield dfx
        return
    executors = holders(dfx, "executor", params.roles.executor)
    approvers = holders(dfx, "approver", params.roles.approver)
    yield from sod(dfx, executors, approvers, "both execute and approve datafixes")
