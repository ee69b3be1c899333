"""Datafix role holders from the database's own truth: members of a role on a server read by the
`db` collector (`db.instance` evidence), transitively, joined to persons like the AD roles.

Why from the live catalog and not only from an export: the role memberships the DBA hands over
are what the DBA chose to export; the `db.instance` evidence is what the server itself says
(pg_auth_members, sys.server_role_members, sys.database_role_members), with the path through
nested roles and Windows-group logins expanded through AD. A server that was not read, a part
of its catalog that was not readable, or a role it does not have is a problem for the role
(`error`), never "nobody holds it".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Message, Outcome, msg
from gitc_agent.model.db_principals import SERVER

from ._db import DbServer, glob

if TYPE_CHECKING:
    from ._datafix import Datafix, Person


class DbRoleRef(CheckParams):
    role: str = Field(min_length=1)  # e.g. db_owner, db_datawriter, sysadmin
    database: str = "*"  # glob; server roles have no database
    # a glob on a `databases:` server (db.instance target): members from its live catalog,
    # transitively; without it, from the datafix.db_roles export
    server: str | None = None


class Holders(Protocol):
    role: str
    problems: list[Message]

    def add(self, person: Person | None, reason: Message) -> None: ...

    def has_room(self, person: Person | None) -> bool: ...


def live_holders(dfx: Datafix, out: Holders, refs: list[DbRoleRef]) -> None:
    """Add the members of each `server:`-bound DB role to `out`; what cannot be read is a
    problem of the role."""
    for ref in refs:
        assert ref.server is not None
        servers = [s for s in dfx.db_servers
                   if glob(ref.server, s.name if isinstance(s, DbServer) else _target(s))]
        if not servers:
            out.problems.append(msg("the {role} role names DB role {db_role} on server "
                                    "{server}, but no db.instance evidence of that server was "
                                    "collected (is it in the 'databases:' config?)",
                                    role=out.role, db_role=ref.role, server=ref.server))
        for server in servers:
            if isinstance(server, Outcome):
                out.problems.append(msg("the {role} role names DB role {db_role} on {server}, "
                                        "whose catalog could not be read: {problem}",
                                        role=out.role, db_role=ref.role,
                                        server=_target(server), problem=_said(server)))
                continue
            _server_holders(dfx, out, ref, server)


def _target(outcome: Outcome) -> str:
    return outcome.subject.removeprefix("db:")


def _said(outcome: Outcome) -> Message | str:
    """What an outcome said, as its template and values so it is translated where it is
    quoted (its English text when it has no template)."""
    if outcome.template is None:
        return outcome.message
    return Message(outcome.template, outcome.params or {})


def _server_holders(dfx: Datafix, out: Holders, ref: DbRoleRef, server: DbServer) -> None:
    unreadable = server.problem("principals", "memberships",
                                *(("databases",) if ref.database != "*" else ()))
    names = {"role": out.role, "db_role": ref.role, "server": server.name}
    if unreadable:
        out.problems.append(msg("the {role} role names DB role {db_role} on {server}, whose "
                                "members could not be read: {problem}", **names,
                                problem=unreadable))
        return
    scopes, missing = _scopes(ref, server)
    if missing is not None:
        out.problems.append(msg("the {role} role names DB role {db_role} on {server}: "
                                "{problem}", **names, problem=missing))
        return
    for scope in scopes:
        database = None if scope == SERVER else scope.removeprefix("database:")
        db = next((d for d in server.instance.databases
                   if f"database:{d['name']}" == scope), None)
        grant = server._grant(ref.role, [ref.role], scope, db=db)
        out.problems.extend(_grant_problem(names, database, p) for p in grant.problems)
        for member in grant.members:
            if member.problem:
                out.problems.append(_grant_problem(names, database, msg(
                    "{member}: {problem}", member=member.name, problem=member.problem)))
                continue
            account = member.ad_account
            if account is None:
                account = server.identity(member.name).account
            person = (dfx.people.of_account(account, member.name) if account is not None
                      else dfx.people.get(member.name))
            if not out.has_room(person):
                continue
            path = member.path_phrase  # names, and the owner hop as a phrase
            out.add(person, msg("DB role {db_role} on {server} ({path})", db_role=ref.role,
                                server=server.name, path=path) if database is None else
                    msg("DB role {db_role} on {server} in {database} ({path})",
                        db_role=ref.role, server=server.name, database=database, path=path))


def _grant_problem(names: dict[str, str], database: str | None, problem: object) -> Message:
    if database is None:
        return msg("the {role} role (DB role {db_role} on {server}): {problem}", **names,
                   problem=problem)
    return msg("the {role} role (DB role {db_role} on {server} in {database}): {problem}",
               **names, database=database, problem=problem)


def _scopes(ref: DbRoleRef, server: DbServer) -> tuple[list[str], Message | None]:
    """Where the role's memberships are (server, or database:<name>), or why it is not there."""
    inst = server.instance
    if server.engine == "postgresql":  # roles are cluster-wide
        if ref.database != "*":
            return [], msg("PostgreSQL roles are cluster-wide; name no database")
        if inst.principal(ref.role) is None:
            return [], msg("the server has no such role")
        return [SERVER], None
    if ref.database == "*" and inst.principal(ref.role) is not None:
        return [SERVER], None  # a server role (sysadmin, a user-defined server role)
    scopes = [f"database:{db['name']}" for db in inst.databases if glob(ref.database, db["name"])]
    if not scopes:
        return [], msg("no server role of that name and no database matching {pattern}",
                       pattern=ref.database)
    return scopes, None
