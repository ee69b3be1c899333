"""ad.groups.changed_since_review: no member of a group in scope was added after its last review.

The last review record keeps the membership the reviewer saw (as of the evidence its workbook
was made from). A current (transitive) member that the record does not list was added after
that moment, so the review could not have covered it. LDAP alone cannot date a membership
(`whenChanged` is the group's last change of any kind), so the record is the reference. A last
review recorded only in the policy does not say what it saw: not assessed.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS

from ._ad_accounts import path_text
from ._group_reviews import ReviewDomain, ReviewedGroup, ReviewParams, groups_in_scope, review_domains


@check(
    id="ad.groups.changed_since_review",
    title="No member was added to a reviewed group after its last review",
    likelihood=3,
    impact=3,
    evidence=[AD_ACCOUNTS],
    optional_evidence=[AD_GROUP_REVIEWS],
    each=review_domains,
    params=ReviewParams,
    references=["ISO 27002:2022 5.18", "BIO2 5.18.02"],
    remediation=(
        "Have the owner approve or remove the members added since the last review (a new "
        "review campaign covers them), and check that additions go through the request process."
    ),
)
def judge(rd: ReviewDomain, params: ReviewParams) -> Iterator[Verdict]:
    for item in groups_in_scope(rd, params, needs_records=True):
        yield item if isinstance(item, Verdict) else _judge(rd, item)


def _judge(rd: ReviewDomain, group: ReviewedGroup) -> Verdict:
    last = group.last
    if last is None:
        return not_applicable(msg("no review of {group} is recorded, so no member can have been "
                                  "added since one (see ad.groups.review_overdue)",
                                  group=group.label), subject=group.subject, **group.evidence)
    record = last.record
    values = {"group": group.label, "day": last.day.isoformat()}
    if record is None:
        return unknown(msg("the last review of {group} ({day}) is recorded in the policy, which "
                           "does not say which members it saw, so additions since were not "
                           "assessed", **values), subject=group.subject, **group.evidence)
    directory = rd.domain.directory
    added = []
    for membership, account in group.members:
        dn = account.dn if account else membership.member
        sid = account.sid if account else None
        if not any(m.same(dn, sid) for m in record.members):
            name = account.name if account else directory.display(membership.member)
            added.append(f"{name} ({path_text(membership)})")
    evidence = {**group.evidence, "last_review": last.day.isoformat(), "review_record": last.source,
                "membership_as_of": record.membership_as_of, "seen": len(record.members),
                "added": sorted(added)}
    if added:
        return fail(msg("{count} member(s) of {group} were added after the membership its review "
                        "of {day} saw ({seen_at}): {members}", count=len(added),
                        seen_at=record.membership_as_of, members="; ".join(sorted(added)),
                        **values), subject=group.subject, **evidence)
    return ok(msg("every current member of {group} was in the membership its review of {day} "
                  "covered", **values), subject=group.subject, **evidence)
