"""ad.privileged.review_overdue: each privileged group was reviewed within the period.

The policy records the last review of each group (date, reviewer). The BIO asks for a quarterly
review of privileged rights; a group with no recorded review fails as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_accounts import Domain, ExtraGroups, Privileged, domains, privileged
from ._group_reviews import PolicyReview


class Params(ExtraGroups):
    max_age_days: int = Field(default=92, ge=1, le=3660)
    reviews: list[PolicyReview] = Field(default_factory=list)


@check(
    id="ad.privileged.review_overdue",
    title="Privileged group membership is reviewed within the period",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.18", "CIS Controls v8 5.1"],
    remediation=(
        "Have the group's owner review its (transitive) members, remove what is not needed, and "
        "record the review (group, date, reviewer) in the policy."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    groups = privileged(domain, params.extra_groups)
    yield from groups.problems
    for group in groups.found:
        yield _review(domain, group, params)


def _review(domain: Domain, group: Privileged, params: Params) -> Verdict:
    directory = domain.directory
    subject = subjects.group(group.subject_key)
    reviews = [r for r in params.reviews
               if (g := directory.group(r.group)) is not None
               and g.dn.lower() == group.group.dn.lower()]
    members = sum(1 for _ in directory.account_members(group.group))
    evidence = {"group": group.group.dn, "group_sid": group.group.sid, "members": members,
                "max_age_days": params.max_age_days}
    if not reviews:
        if members == 0:
            return ok(msg("{group} has no members, so there was nothing to review.",
                          group=group.label),
                      subject=subject, **evidence)
        return fail(msg("No review of {group} ({members} member(s)) is recorded in the policy.",
                        group=group.label, members=members),
                    subject=subject, **evidence)
    last = max(reviews, key=lambda r: r.date)
    age = (domain.today - last.date).days
    evidence.update(last_review=last.date.isoformat(), reviewer=last.reviewer,
                    reference=last.reference, age_days=age)
    if age > params.max_age_days:
        return fail(msg("{group} was last reviewed on {date} by {reviewer}, {age} days before the "
                        "evidence was collected; the period is {max_age_days} days.",
                        group=group.label, date=last.date.isoformat(), reviewer=last.reviewer,
                        age=age, max_age_days=params.max_age_days), subject=subject, **evidence)
    return ok(msg("{group} was reviewed on {date} by {reviewer} ({age} days old, within "
                  "{max_age_days}).",
                  group=group.label, date=last.date.isoformat(), reviewer=last.reviewer, age=age,
                  max_age_days=params.max_age_days), subject=subject, **evidence)
