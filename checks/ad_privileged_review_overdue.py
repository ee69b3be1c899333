"""ad.privileged.review_overdue: each privileged group was reviewed within the period.

The policy records the last review of each group (date, reviewer). The BIO asks for a quarterly
review of privileged rights; a group with no recorded review fails as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pydantic import Field, field_validator

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._ad_accounts import KIND, ExtraGroups, _group_key, domains, privileged, with_source


class Review(CheckParams):
    group: str = Field(min_length=1, description="SID, RID:nnn or DN")
    date: date
    reviewer: str = Field(min_length=1)
    reference: str = ""

    _g = field_validator("group")(classmethod(lambda cls, v: _group_key(v)))


class Params(ExtraGroups):
    max_age_days: int = Field(default=92, ge=1, le=3660)
    reviews: list[Review] = Field(default_factory=list)


@check(
    id="ad.privileged.review_overdue",
    title="Privileged group membership is reviewed within the period",
    likelihood=3,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.18", "CIS Controls v8 5.1"],
    remediation=(
        "Have the group's owner review its (transitive) members, remove what is not needed, and "
        "record the review (group, date, reviewer) in the policy."
    ),
)
def review_overdue(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        directory = domain.directory
        for group in privileged(domain, params.extra_groups):
            if isinstance(group, Outcome):
                yield group
                continue
            subject = f"group:{group.subject_key}"
            reviews = [r for r in params.reviews
                       if (g := directory.group(r.group)) is not None
                       and g.dn.lower() == group.group.dn.lower()]
            members = sum(1 for _ in directory.account_members(group.group))
            evidence = with_source(domain, group=group.group.dn, group_sid=group.group.sid,
                                   members=members, max_age_days=params.max_age_days)
            if not reviews:
                if members == 0:
                    yield Outcome(subject, Status.PASS,
                                  f"{group.label} has no members, so there was nothing to "
                                  f"review.", evidence)
                    continue
                yield Outcome(subject, Status.FAIL,
                              f"No review of {group.label} ({members} member(s)) is recorded in "
                              f"the policy.", evidence)
                continue
            last = max(reviews, key=lambda r: r.date)
            age = (domain.today - last.date).days
            evidence.update(last_review=last.date.isoformat(), reviewer=last.reviewer,
                            reference=last.reference, age_days=age)
            if age > params.max_age_days:
                yield Outcome(subject, Status.FAIL,
                              f"{group.label} was last reviewed on {last.date.isoformat()} by "
                              f"{last.reviewer}, {age} days before the evidence was collected; "
                              f"the period is {params.max_age_days} days.", evidence)
            else:
                yield Outcome(subject, Status.PASS,
                              f"{group.label} was reviewed on {last.date.isoformat()} by "
                              f"{last.reviewer} ({age} days old, within {params.max_age_days}).",
                              evidence)
