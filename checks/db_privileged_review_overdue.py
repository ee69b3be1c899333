"""db.privileged.review_overdue: each privileged database role was reviewed within the period.

The policy records the last review of each privileged role per server (`db_reviews`: server,
role, date, reviewer). A role with members and no recorded review fails; quarterly by default
(BIO 9.2.3.1, SOX practice for privileged users).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import DB_INSTANCE

from ._db import DbPrivileges, DbServer, db_servers, glob


class DbReview(CheckParams):
    role: str = Field(min_length=1, description="superuser, sysadmin, db_owner@DB, or a role")
    server: str = "*"
    date: date
    reviewer: str = Field(min_length=1)
    reference: str = ""


class Params(DbPrivileges):
    max_age_days: int = Field(default=92, ge=1, le=3660)
    db_reviews: list[DbReview] = Field(default_factory=list)


@check(
    id="db.privileged.review_overdue",
    title="Privileged database role membership is reviewed within the period",
    likelihood=3,
    impact=4,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 5.18", "BIO 9.2.3.1", "CIS Controls v8 5.1"],
    remediation=("Have the role's owner review its (transitive) members, revoke what is not "
                 "needed, and record the review (server, role, date, reviewer) in db_reviews."),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    problem = server.problem("principals", "memberships",
                             *(("databases",) if server.engine == "sqlserver" else ()))
    if problem:
        yield unknown(f"The roles of {server.name} could not be read, so their reviews were not "
                      f"assessed: {problem}")
        return
    for grant in server.grants(params):
        subject = f"db:{server.name}/role:{grant.label}"
        members = len(grant.members)
        evidence = {"server": server.name, "role": grant.label, "members": members,
                    "max_age_days": params.max_age_days}
        reviews = [r for r in params.db_reviews
                   if glob(r.server, server.name) and glob(r.role, grant.label)]
        if grant.problems and not reviews:
            yield unknown(f"{grant.label} on {server.name}: " + "; ".join(grant.problems),
                          subject=subject, **evidence)
            continue
        if not reviews:
            if members == 0:
                yield ok(f"{grant.label} on {server.name} has no members, so there was nothing "
                         f"to review.", subject=subject, **evidence)
            else:
                yield fail(f"No review of {grant.label} on {server.name} ({members} member(s)) is "
                           f"recorded in the policy.", subject=subject, **evidence)
            continue
        last = max(reviews, key=lambda r: r.date)
        age = (server.today - last.date).days
        evidence.update(last_review=last.date.isoformat(), reviewer=last.reviewer,
                        reference=last.reference, age_days=age)
        if age > params.max_age_days:
            yield fail(f"{grant.label} on {server.name} was last reviewed on "
                       f"{last.date.isoformat()} by {last.reviewer}, {age} days before the "
                       f"evidence was collected; the period is {params.max_age_days} days.",
                       subject=subject, **evidence)
        else:
            yield ok(f"{grant.label} on {server.name} was reviewed on {last.date.isoformat()} by "
                     f"{last.reviewer} ({age} days old, within {params.max_age_days}).",
                     subject=subject, **evidence)
