"""ad.privileged.approval_expired: a time-bound privileged membership past its end date.

The right was granted for a period; once `until` has passed (at the time the evidence was
collected) and the account is still a member, it must be re-verified or removed (ISO 27002 5.18).
One result per approval in the policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._ad_accounts import KIND, Approval, domains, path_text, with_source


class Params(CheckParams):
    approved: list[Approval] = Field(default_factory=list)


@check(
    id="ad.privileged.approval_expired",
    title="Time-bound privileged memberships are re-verified before they expire",
    likelihood=3,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.18 e", "ISO 27002:2022 8.2"],
    remediation=(
        "Re-verify the membership with the approver and record a new end date in the policy, "
        "or remove the account from the group."
    ),
)
def approval_expired(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        directory = domain.directory
        if not params.approved:
            yield Outcome(f"domain:{domain.base}", Status.NOT_APPLICABLE,
                          "The policy records no approved privileged memberships, so no "
                          "approval can have expired (unapproved members are reported by "
                          "ad.privileged.unapproved_member).", with_source(domain))
            continue
        for approval in params.approved:
            subject = f"approval:{approval.group}/{approval.account}"
            evidence = with_source(domain, account=approval.account, group=approval.group,
                                   until=approval.until.isoformat(),
                                   approved_by=approval.approved_by, reference=approval.reference)
            group = directory.group(approval.group)
            if group is None:
                yield Outcome(subject, Status.ERROR,
                              f"The approved group {approval.group} is not in the evidence, so "
                              f"the membership could not be verified.", evidence)
                continue
            account = directory.account(approval.account)
            membership = directory.members(group).get(account.dn.lower()) if account else None
            expired = approval.until < domain.today
            if membership is None:
                yield Outcome(subject, Status.PASS,
                              f"{approval.account} is not (or no longer) a member of "
                              f"{group.name}; the approval "
                              f"{'expired' if expired else 'runs until'} "
                              f"{approval.until.isoformat()}.", evidence)
                continue
            evidence["path"] = path_text(membership)
            if expired:
                days = (domain.today - approval.until).days
                yield Outcome(subject, Status.FAIL,
                              f"The approval of {approval.account} in {group.name} expired on "
                              f"{approval.until.isoformat()} ({days} day(s) before the evidence "
                              f"was collected) and the account is still a member "
                              f"({evidence['path']}).", evidence)
            else:
                yield Outcome(subject, Status.PASS,
                              f"{approval.account} is in {group.name} with an approval valid "
                              f"until {approval.until.isoformat()}.", evidence)
