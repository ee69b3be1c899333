"""db.privileged.unapproved_member: every transitive member of a privileged database role is approved.

PostgreSQL: login roles with SUPERUSER, or members (transitively, through pg_auth_members) of a role
that has it, plus role attributes and roles the policy adds. SQL Server: members of sysadmin and
securityadmin, logins with CONTROL SERVER, db_owner (and the owner) of the listed databases;
Windows-group logins are expanded to their AD members. One result per member with its path and
the approval (`db_approved`: member, role, server, until, approved_by) that covers it.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import DB_INSTANCE

from ._db import DbApproval, DbPrivileges, DbServer, db_servers, member_subject
from ._db_approvals import approvals_for


class Params(DbPrivileges):
    db_approved: list[DbApproval] = Field(default_factory=list)


@check(
    id="db.privileged.unapproved_member",
    title="Members of privileged database roles are approved",
    likelihood=4,
    impact=5,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 8.2", "ISO 27002:2022 5.18", "CIS SQL Server 3.x",
                "CIS PostgreSQL 4.x"],
    remediation=(
        "Revoke the role (or the membership that leads to it: REVOKE role FROM member; ALTER "
        "SERVER ROLE ... DROP MEMBER), or record a time-bound approval in the policy "
        "(db_approved: member, role, server, until, approved_by)."
    ),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    problem = server.problem("principals", "memberships",
                             *(("databases",) if server.engine == "sqlserver" else ()))
    if problem:
        yield unknown(msg("The roles or memberships of {server} could not be read, so who "
                          "holds a privileged role was not assessed: {problem}",
                          server=server.name, problem=problem))
        return
    for grant in server.grants(params):
        if grant.label in ("superuser", "sysadmin") and not grant.members and not grant.problems:
            yield unknown(msg("{role} on {server} shows no member, but it always has one (the "
                              "bootstrap superuser, sa), so the evidence is incomplete.",
                              role=grant.label, server=server.name),
                          subject=member_subject(server.name, grant.label, "*"))
            continue
        for who, why in zip(grant.unjudged, grant.problems, strict=True):
            yield unknown(msg("{problem}", problem=why),
                          subject=member_subject(server.name, grant.label, who))
        for member in grant.members:
            subject = member_subject(server.name, grant.label, member.name)
            evidence = {"server": server.name, "role": grant.label, "member": member.name,
                        "path": member.path_text}
            if member.problem:
                yield fail(msg("{member} holds {role} on {server} ({path}) and is {problem}.",
                               member=member.name, role=grant.label, server=server.name,
                               path=member.path_phrase, problem=member.problem),
                           subject=subject, **evidence)
                continue
            approved = approvals_for(server, grant, member, params.db_approved)
            if approved:
                best = max(approved, key=lambda a: a.until)
                evidence["approval"] = {"role": best.role, "until": best.until.isoformat(),
                                        "approved_by": best.approved_by,
                                        "reference": best.reference}
                yield ok(msg("{member} holds {role} on {server} ({path}) with an approval by "
                             "{approved_by} until {until} (its expiry is judged by "
                             "db.privileged.approval_expired).", member=member.name,
                             role=grant.label, server=server.name, path=member.path_phrase,
                             approved_by=best.approved_by, until=best.until.isoformat()),
                         subject=subject, **evidence)
                continue
            values = {"member": member.name, "role": grant.label, "server": server.name,
                      "path": member.path_phrase}
            if member.disabled:
                yield fail(msg("{member} holds {role} on {server} ({path}) without an approval "
                               "in the policy. The login or account is disabled, so the "
                               "likelihood is lowered; it can be enabled with its rights "
                               "intact.", **values), subject=subject, likelihood=2, **evidence)
            else:
                yield fail(msg("{member} holds {role} on {server} ({path}) without an approval "
                               "in the policy.", **values), subject=subject, **evidence)
