"""db.privileged.approval_expired: a time-bound privileged database membership past its end date.

One result per approval in `db_approved` for this server: still a member after `until` (at the
time the evidence was collected) fails; a member within the period, or no longer a member,
passes. An approval whose member or role cannot be judged (catalog or AD unreadable) is `error`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, not_applicable, ok, unknown
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import msg_list

from ._db import DbApproval, DbPrivileges, DbServer, db_servers, glob
from ._db_approvals import approvals_for


class Params(DbPrivileges):
    db_approved: list[DbApproval] = Field(default_factory=list)


@check(
    id="db.privileged.approval_expired",
    title="Time-bound privileged database memberships are re-verified before they expire",
    likelihood=3,
    impact=4,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 5.18 e", "ISO 27002:2022 8.2"],
    remediation=("Re-verify the membership with the approver and record a new end date in the "
                 "policy (db_approved), or revoke the role."),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    mine = [a for a in params.db_approved if glob(a.server, server.name)]
    if not mine:
        yield not_applicable(msg("The policy records no approved privileged memberships for "
                                 "{server}, so no approval can have expired.",
                                 server=server.name))
        return
    problem = server.problem("principals", "memberships",
                             *(("databases",) if server.engine == "sqlserver" else ()))
    grants = [] if problem else server.grants(params)
    for approval in mine:
        subject = f"db:{server.name}/approval:{approval.role}/{approval.member}"
        evidence = {"server": server.name, "member": approval.member, "role": approval.role,
                    "until": approval.until.isoformat(), "approved_by": approval.approved_by,
                    "reference": approval.reference}
        if problem:
            yield unknown(msg("The roles of {server} could not be read, so whether {member} "
                              "still holds {role} is unknown: {problem}", server=server.name,
                              member=approval.member, role=approval.role, problem=problem),
                          subject=subject, **evidence)
            continue
        held = [(g, m) for g in grants for m in g.members
                if approvals_for(server, g, m, [approval])]
        blocked = [p for g in grants if glob(approval.role, g.label) for p in g.problems]
        if not held and blocked:
            yield unknown(msg("Whether {member} still holds {role} is unknown: {problems}",
                              member=approval.member, role=approval.role,
                              problems=msg_list(blocked)), subject=subject, **evidence)
            continue
        expired = approval.until < server.today
        if not held:
            values = {"member": approval.member, "role": approval.role, "server": server.name,
                      "until": approval.until.isoformat()}
            yield ok(msg("{member} does not (or no longer) hold {role} on {server}; the approval "
                         "expired {until}.", **values) if expired else
                     msg("{member} does not (or no longer) hold {role} on {server}; the approval "
                         "runs until {until}.", **values), subject=subject, **evidence)
            continue
        grant, member = held[0]
        evidence["path"] = member.path_text
        if expired:
            days = (server.today - approval.until).days
            yield fail(msg("The approval of {member} for {role} on {server} expired on {until} "
                           "({days} day(s) before the evidence was collected) and the "
                           "membership is still there ({path}).", member=approval.member,
                           role=approval.role, server=server.name,
                           until=approval.until.isoformat(), days=days, path=member.path_phrase),
                       subject=subject, **evidence)
        else:
            yield ok(msg("{member} holds {role} on {server} with an approval valid until "
                         "{until}.", member=approval.member, role=grant.label,
                         server=server.name, until=approval.until.isoformat()),
                     subject=subject, **evidence)
