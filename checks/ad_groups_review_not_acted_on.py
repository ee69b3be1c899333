"""ad.groups.review_not_acted_on: a member the review marked for removal is no longer a member.

The last review record of each group in scope lists each member's decision. A member marked
`remove` that is still a (transitive) member `removal_days` or more after the review means the
correction was not carried out ("corrections where needed"); before that it is still open.
`removal_days: 0`: the removal must show in the first evidence collected after the review.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok
from gitc_agent.model import subjects
from gitc_agent.model.group_review import REMOVE
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS

from ._ad_accounts import path_text
from ._group_reviews import ReviewDomain, ReviewedGroup, ReviewParams, groups_in_scope, review_domains


class Params(ReviewParams):
    removal_days: int = Field(default=30, ge=0, le=3660)


@check(
    id="ad.groups.review_not_acted_on",
    title="Members a review marked for removal were removed",
    likelihood=4,
    impact=3,
    evidence=[AD_ACCOUNTS],
    optional_evidence=[AD_GROUP_REVIEWS],
    each=review_domains,
    params=Params,
    references=["ISO 27002:2022 5.18", "BIO2 5.18.02"],
    remediation=(
        "Remove the membership the review decided to remove (also where it comes in through a "
        "nested group), or record why it stays."
    ),
)
def judge(rd: ReviewDomain, params: Params) -> Iterator[Verdict]:
    for item in groups_in_scope(rd, params, needs_records=True):
        if isinstance(item, Verdict):
            yield item
        else:
            yield from _judge(rd, item, params.removal_days)


def _judge(rd: ReviewDomain, group: ReviewedGroup, days: int) -> Iterator[Verdict]:
    last = group.last
    record = last.record if last else None
    if record is None:  # reviewed in the policy only, or never: nothing decided to act on
        yield not_applicable(msg("no review record of {group} lists decisions, so there is no "
                                 "removal to verify", group=group.label),
                             subject=group.subject, **group.evidence)
        return
    removals = [m for m in record.members if m.decision == REMOVE]
    day = record.date.isoformat()
    if not removals:
        yield ok(msg("the review of {group} on {day} kept all {count} member(s); nothing was to "
                     "be removed", group=group.label, day=day, count=len(record.members)),
                 subject=group.subject, **group.evidence, review_record=record.file)
        return
    age = (rd.domain.today - record.date).days
    due = (record.date + timedelta(days=days)).isoformat()
    for member in removals:
        current = next(((m, a) for m, a in group.members
                        if member.same(a.dn if a else m.member, a.sid if a else None)), None)
        subject = subjects.membership(group.scope.key, member.name)
        values = {"member": member.name, "group": group.label, "day": day}
        evidence = {**group.evidence, "member": member.dn, "review_date": day, "before": due,
                    "reviewer": record.reviewer, "review_record": record.file,
                    "path_at_review": member.path}
        if current is None:
            yield ok(msg("{member} was marked for removal from {group} on {day} and is no longer "
                         "a member", member=member.name, group=group.label, day=day),
                     subject=subject, **evidence)
        elif age >= days:
            yield fail(msg("{member} was marked for removal from {group} on {day} and is still a "
                           "member ({path}) {age} days later; the removal was due within {days} "
                           "days", path=path_text(current[0]), age=age, days=days, **values),
                       subject=subject, **evidence, path=path_text(current[0]))
        else:
            yield ok(msg("{member} was marked for removal from {group} on {day}; the removal is "
                         "due within {days} days (before {due}) and still open", days=days,
                         due=due, **values), subject=subject, **evidence, path=path_text(current[0]))
