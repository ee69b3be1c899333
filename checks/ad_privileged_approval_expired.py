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
    msg,
    not_applicable,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import (
    Approval,
    Domain,
    domains,
    membership_issue,
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
        return unknown(msg("The approved group {group} is not in the evidence, so the membership "
                           "could not be verified.",
                           group=approval.group), subject=subject, **evidence)
    issue = membership_issue(directory, group)
    if issue:
        return unknown(issue.message("still_member", account=approval.account), subject=subject,
                       **evidence)
    member = resolve_approval(directory, approval)
    if member is None:  # a typo, or an account the bound account could not read
        return unknown(msg("The approved account {account} matches no account or group in the "
                           "evidence (by sAMAccountName, userPrincipalName, DN or SID), so whether "
                           "it is still a member of {group} is unknown; correct the policy or check "
                           "that the account is readable.",
                           account=repr(approval.account), group=group.name), subject=subject,
                       **evidence)
    membership = directory.members(group).get(member)
    expired = approval.until < domain.today
    if membership is None:
        template = (N_("{account} is not (or no longer) a member of {group}; the approval "
                       "expired {until}.") if expired else
                    N_("{account} is not (or no longer) a member of {group}; the approval runs "
                       "until {until}."))
        return ok(msg(template, account=approval.account, group=group.name,
                      until=approval.until.isoformat()), subject=subject, **evidence)
    evidence["path"] = path_text(membership)
    if expired:
        days = (domain.today - approval.until).days
        return fail(msg("The approval of {account} in {group} expired on {until} ({days} day(s) "
                        "before the evidence was collected) and the account is still a member "
                        "({path}).", account=approval.account, group=group.name,
                        until=approval.until.isoformat(), days=days, path=evidence["path"]),
                    subject=subject, **evidence)
    return ok(msg("{account} is in {group} with an approval valid until {until}.",
                  account=approval.account, group=group.name, until=approval.until.isoformat()),
              subject=subject, **evidence)
