"""windows.password.local_min_length: the host's local password policy against the norm.

Local accounts (including the built-in Administrator) follow the local policy, not the domain's.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._windows_hosts import KIND, walk


class Params(CheckParams):
    min_length: int = Field(default=12, ge=1, le=255)


@check(
    id="windows.password.local_min_length",
    title="Local password policy minimum length meets the norm",
    likelihood=3,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.17"],
    remediation="Set 'Minimum password length' in the local (or domain-linked) security policy, "
                "and manage local administrator passwords with Windows LAPS.",
)
def local_min_length(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for host in walk(evidence):
        if isinstance(host, Outcome):
            yield host
            continue
        policy = host.part("password", "password_policy") or {}
        actual = policy.get("min_length")
        if not isinstance(actual, int):
            yield host.unreadable("password", "the local password policy")
            continue
        evidence_ = {**host.source, "min_length": actual, "required": params.min_length}
        ok = actual >= params.min_length
        yield Outcome(host.subject, Status.PASS if ok else Status.FAIL,
                      f"{host.name}: local minimum password length {actual} "
                      f"{'meets' if ok else 'is below'} the norm of {params.min_length}.",
                      evidence_)
