"""ad.privileged.unapproved_member: every transitive member of a privileged group is approved.

One result per account and group, with the path by which the account is a member. An approval
for a nested privileged group covers the outer groups reached through it (approving jdoe for
Domain Admins covers Administrators via Domain Admins). Disabled accounts still count, because
they can be re-enabled with their rights, but with a lower likelihood.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import (
    Approval,
    Domain,
    ExtraGroups,
    Privileged,
    account_label,
    domains,
    path_text,
    privileged,
    resolve_approval,
    state_note,
)


class Params(ExtraGroups):
    approved: list[Approval] = Field(default_factory=list)


@check(
    id="ad.privileged.unapproved_member",
    title="Members of privileged groups are approved",
    likelihood=4,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 8.2", "CIS Controls v8 5.4", "NIS2 art. 21(2)(i)"],
    remediation=(
        "Remove the account from the group (or from the nested group that makes it a member), "
        "or record a time-bound approval for it in the policy (approved: account, group, until, "
        "approved_by)."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    groups = privileged(domain, params.extra_groups)
    yield from groups.problems
    for group in groups.found:
        yield from _members(domain, group, params.approved)


def covering(domain: Domain, group: Privileged, member: str,
             approvals: list[Approval]) -> list[Approval]:
    """Approvals of `member` for this group or for a privileged group nested in it."""
    directory = domain.directory
    found = []
    for approval in approvals:
        if resolve_approval(directory, approval) != member:  # unresolved covers nobody
            continue
        approved_group = directory.group(approval.group)
        if approved_group is None:
            continue
        same = approved_group.dn.lower() == group.group.dn.lower()
        nested = (approved_group.dn.lower() in directory.members(group.group)
                  and member in directory.members(approved_group))
        if same or nested:
            found.append(approval)
    return found


def _members(domain: Domain, group: Privileged, approvals: list[Approval]) -> Iterator[Verdict]:
    directory = domain.directory
    count = 0
    for membership, account in directory.account_members(group.group):
        count += 1
        name = account_label(account, membership, directory)
        subject = subjects.membership(group.subject_key, name)
        path = path_text(membership)
        evidence = {"group": group.group.dn, "group_sid": group.group.sid,
                    "account": account.dn if account else membership.member, "path": path,
                    "enabled": account.enabled if account else None}
        approved = covering(domain, group, membership.member, approvals)
        if approved:
            best = max(approved, key=lambda a: a.until)
            evidence["approval"] = {"group": best.group, "until": best.until.isoformat(),
                                    "approved_by": best.approved_by, "reference": best.reference}
            yield ok(msg("{member} is in {group} ({path}) with an approval by {approved_by} "
                         "until {until} (its expiry is judged by ad.privileged.approval_expired).",
                         member=name, group=group.label, path=path, approved_by=best.approved_by,
                         until=best.until.isoformat()), subject=subject, **evidence)
            continue
        state, likelihood = state_note(account, domain)
        yield fail(msg(_UNAPPROVED["unidentified" if account is None else state], member=name,
                       group=group.label, path=path),
                   subject=subject, likelihood=likelihood, **evidence)
    if count == 0:
        yield ok(msg("{group} ({key}) has no members.", group=group.label, key=group.subject_key),
                 subject=subjects.group(group.subject_key), group=group.group.dn)


#: account state -> the finding
_UNAPPROVED = {
    "": N_("{member} is in {group} ({path}) without an approval in the policy."),
    "disabled": N_("{member} is in {group} ({path}) without an approval in the policy. The "
                   "account is disabled, so the likelihood is lowered; it can be re-enabled with "
                   "its rights intact."),
    "expired": N_("{member} is in {group} ({path}) without an approval in the policy. The account "
                  "has expired, so the likelihood is lowered; extending it restores its rights."),
    "unidentified": N_("{member} is in {group} ({path}) without an approval in the policy. The "
                       "member is not a user or computer in the evidence (for example a foreign "
                       "security principal), so it could not be identified further."),
}
