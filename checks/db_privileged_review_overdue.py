"""db.privileged.review_overdue: each privileged database role was reviewed within the period.

The policy records the last review of each privileged role per server (`db_reviews`: server,
role, date, reviewer). A role with members and no recorded review fails; quarterly by default
(BIO 9.2.3.1, SOX practice for privileged users).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import msg_list

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
        yield unknown(msg("The roles of {server} could not be read, so their reviews were not "
                          "assessed: {problem}", server=server.name, problem=problem))
        return
    for grant in server.grants(params):
        subject = f"db:{server.name}/role:{grant.label}"
        members = len(grant.members)
        evidence = {"server": server.name, "role": grant.label, "members": members,
                    "max_age_days": params.max_age_days}
        reviews = [r for r in params.db_reviews
                   if glob(r.server, server.name) and glob(r.role, grant.label)]
        if grant.problems and not reviews:
            yield unknown(msg("{role} on {server}: {problems}", role=grant.label,
                              server=server.name, problems=msg_list(grant.problems)),
                          subject=subject, **evidence)
            continue
        if not reviews:
            if members == 0:
                yield ok(msg("{role} on {server} has no members, so there was nothing to "
                             "review.", role=grant.label, server=server.name),
                         subject=subject, **evidence)
            else:
                yield fail(msg("No review of {role} on {server} ({members} member(s)) is "
                               "recorded in the policy.", role=grant.label, server=server.name,
                               members=members), subject=subject, **evidence)
            continue
        last = max(reviews, key=lambda r: r.date)
        age = (server.today - last.date).days
        evidence.update(last_review=last.date.isoformat(), reviewer=last.reviewer,
                        reference=last.reference, age_days=age)
        if age > params.max_age_days:
            yield fail(msg("{role} on {server} was last reviewed on {date} by {reviewer}, "
                           "{age} days before the evidence was collected; the period is "
                           "{max_age} days.", role=grant.label, server=server.name,
                           date=last.date.isoformat(), reviewer=last.reviewer, age=age,
                           max_age=params.max_age_days), subject=subject, **evidence)
        else:
            yield ok(msg("{role} on {server} was reviewed on {date} by {reviewer} ({age} days "
                         "old, within {max_age}).", role=grant.label, server=server.name,
                         date=last.date.isoformat(), reviewer=last.reviewer, age=age,
                         max_age=params.max_age_days), subject=subject, **evidence)
