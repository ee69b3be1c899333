"""ad.groups.review_overdue: every group in scope for re-certification was reviewed within its period.

The policy names the groups (`review_groups`: by SID, DN, OU or name pattern, each with a period
and an owner). The last review is the latest review record (`gitc-agent review import`) or review
listed in the policy (`group_reviews`). A privileged group keeps the stricter privileged period.
A group with members and no review fails; a rule that matches no group is not assessed.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS

from ._group_reviews import ReviewDomain, ReviewedGroup, ReviewParams, groups_in_scope, review_domains


class Params(ReviewParams):
    # the period of ad.privileged.review_overdue (max_age_days): a privileged group in scope
    # is never given a longer one
    privileged_period_days: int = Field(default=92, ge=1, le=3660)


@check(
    id="ad.groups.review_overdue",
    title="Every group in scope is re-certified within its period",
    likelihood=3,
    impact=3,
    evidence=[AD_ACCOUNTS],
    optional_evidence=[AD_GROUP_REVIEWS],
    each=review_domains,
    params=Params,
    references=["ISO 27002:2022 5.18", "BIO2 5.18.02", "CIS Controls v8 5.1"],
    remediation=(
        "Have the group's owner re-certify its members (gitc-agent review export / import), "
        "remove what is no longer needed, and keep the review record."
    ),
)
def judge(rd: ReviewDomain, params: Params) -> Iterator[Verdict]:
    for item in groups_in_scope(rd, params, params.privileged_period_days):
        yield item if isinstance(item, Verdict) else _judge(rd, item)


def _judge(rd: ReviewDomain, group: ReviewedGroup) -> Verdict:
    period = group.scope.period_days
    count = len(group.members)
    last = group.last
    if last is None:
        if count == 0:
            return ok(msg("{group} has no members, so there was nothing to re-certify",
                          group=group.label), subject=group.subject, **group.evidence)
        return fail(msg("no review of {group} ({count} member(s), owner {owner}) is recorded; "
                        "it must be re-certified every {period} days", group=group.label,
                        count=count, owner=group.scope.owner, period=period),
                    subject=group.subject, **group.evidence)
    age = (rd.domain.today - last.day).days
    evidence = {**group.evidence, "last_review": last.day.isoformat(), "reviewer": last.reviewer,
                "review_source": last.source, "age_days": age}
    values = {"group": group.label, "day": last.day.isoformat(), "reviewer": last.reviewer,
              "age": age, "period": period}
    if age > period:
        return fail(msg("{group} was last re-certified on {day} by {reviewer}, {age} days before "
                        "the evidence was collected; its period is {period} days", **values),
                    subject=group.subject, **evidence)
    return ok(msg("{group} was re-certified on {day} by {reviewer} ({age} days ago, within "
                  "{period})", **values), subject=group.subject, **evidence)
