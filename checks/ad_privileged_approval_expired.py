"""ad.privileged.approval_expired: a time-bound privileged membership past its end date.

The right was granted for a period; once `until` has passed (at the time the evidence was
collected) and the account is still a member, it must be re-verified or removed (ISO 27002 5.18).
One result per approval in the policy. An approval that names no account in the evidence, or a
group whose membership could not be read completely, is `error`: "not a member" would be a pass
on evidence nobody could read.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    Verdict,
    check,
    fail,
    not_applicable,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_accounts import (
    Approval,
    Domain,
    domains,
    membership_problem,
    path_text,
    resolve_approval,
)


class Params(CheckParams):
    approved: list[Approval] = Field(default_factory=list)


@check(
    id="ad.privileged.approval_expired",
    title="Time-bound privileged memberships are re-verified before they expire",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.18 e", "ISO 27002:2022 8.2"],
    remediation=(
        "Re-verify the membership with the approver and record a new end date in the policy, "
        "or remove the account from the group."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    if not params.approved:
        yield not_applicable("The policy records no approved privileged memberships, so no "
                             "approval can have expired (unapproved members are reported by "
                             "ad.privileged.unapproved_member).")
    for approval in params.approved:
        yield _approval(domain, approval)


def _approval(domain: Domain, approval: Approval) -> Verdict:
    directory = domain.directory
    subject = subjects.approval(approval.group, approval.account)
    evidence = {"account": approval.account, "group": approval.group,
                "until": approval.until.isoformat(), "approved_by": approval.approved_by,
                "reference": approval.reference}
    group = directory.group(approval.group)
    if group is None:
        return unknown(f"The approved group {approval.group} is not in the evidence, so the "
                       f"membership could not be verified.", subject=subject, **evidence)
    problem = membership_problem(directory, group)
    if problem:
        return unknown(f"{problem}, so whether {approval.account} is still a member is unknown.",
                       subject=subject, **evidence)
    member = resolve_approval(directory, approval)
    if member is None:  # a typo, or an account the bound account could not read
        return unknown(f"The approved account {approval.account!r} matches no account or group "
                       f"in the evidence (by sAMAccountName, userPrincipalName, DN or SID), so "
                       f"whether it is still a member of {group.name} is unknown; correct the "
                       f"policy or check that the account is readable.", subject=subject,
                       **evidence)
    membership = directory.members(group).get(member)
    expired = approval.until < domain.today
    if membership is None:
        return ok(f"{approval.account} is not (or no longer) a member of {group.name}; the "
                  f"approval {'expired' if expired else 'runs until'} "
                  f"{approval.until.isoformat()}.", subject=subject, **evidence)
    evidence["path"] = path_text(membership)
    if expired:
        days = (domain.today - approval.until).days
        return fail(f"The approval of {approval.account} in {group.name} expired on "
                    f"{approval.until.isoformat()} ({days} day(s) before the evidence was "
                    f"collected) and the account is still a member ({evidence['path']}).",
                    subject=subject, **evidence)
    return ok(f"{approval.account} is in {group.name} with an approval valid until "
              f"{approval.until.isoformat()}.", subject=subject, **evidence)
