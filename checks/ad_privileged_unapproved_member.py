"""ad.privileged.unapproved_member: every transitive member of a privileged group is approved.

One result per account and group, with the path by which the account is a member. An approval
for a nested privileged group covers the outer groups reached through it (approving jdoe for
Domain Admins covers Administrators via Domain Admins). Disabled accounts still count, because
they can be re-enabled with their rights, but with a lower likelihood.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, check

from ._ad_accounts import (
    KIND,
    Approval,
    Domain,
    ExtraGroups,
    Privileged,
    account_label,
    domains,
    path_text,
    privileged,
    state_note,
    with_source,
)


class Params(ExtraGroups):
    approved: list[Approval] = Field(default_factory=list)


@check(
    id="ad.privileged.unapproved_member",
    title="Members of privileged groups are approved",
    likelihood=4,
    impact=5,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 8.2", "CIS Controls v8 5.4", "NIS2 art. 21(2)(i)"],
    remediation=(
        "Remove the account from the group (or from the nested group that makes it a member), "
        "or record a time-bound approval for it in the policy (approved: account, group, until, "
        "approved_by)."
    ),
)
def unapproved_member(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        for group in privileged(domain, params.extra_groups):
            if isinstance(group, Outcome):
                yield group
                continue
            yield from _judge_group(domain, group, params.approved)


def covering(domain: Domain, group: Privileged, member: str,
             approvals: list[Approval]) -> list[Approval]:
    """Approvals of `member` for this group or for a privileged group nested in it."""
    directory = domain.directory
    found = []
    for approval in approvals:
        approved_account = directory.account(approval.account)
        target = approved_account.dn.lower() if approved_account else approval.account.lower()
        if target != member:
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


def _judge_group(domain: Domain, group: Privileged, approvals: list[Approval]) -> Iterator[Outcome]:
    directory = domain.directory
    count = 0
    for membership, account in directory.account_members(group.group):
        count += 1
        name = account_label(account, membership, directory)
        subject = f"group:{group.subject_key}/account:{name}"
        path = path_text(membership)
        evidence = with_source(domain, group=group.group.dn, group_sid=group.group.sid,
                               account=account.dn if account else membership.member, path=path,
                               enabled=account.enabled if account else None)
        approved = covering(domain, group, membership.member, approvals)
        if approved:
            best = max(approved, key=lambda a: a.until)
            evidence["approval"] = {"group": best.group, "until": best.until.isoformat(),
                                    "approved_by": best.approved_by, "reference": best.reference}
            yield Outcome(subject, Status.PASS,
                          f"{name} is in {group.label} ({path}) with an approval by "
                          f"{best.approved_by} until {best.until.isoformat()} (its expiry is "
                          f"judged by ad.privileged.approval_expired).", evidence)
            continue
        note, likelihood = state_note(account, domain)
        if account is None:
            note = (" The member is not a user or computer in the evidence (for example a "
                    "foreign security principal), so it could not be identified further.")
        yield Outcome(subject, Status.FAIL,
                      f"{name} is in {group.label} ({path}) without an approval in the policy."
                      + note, evidence, likelihood=likelihood)
    if count == 0:
        yield Outcome(f"group:{group.subject_key}", Status.PASS,
                      f"{group.label} ({group.subject_key}) has no members.",
                      with_source(domain, group=group.group.dn))
