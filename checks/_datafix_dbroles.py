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

from gitc_agent.core.check_api import CheckParams, Outcome
from gitc_agent.model.db_principals import SERVER

from ._db import ARROW, DbServer, glob

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
    problems: list[str]

    def add(self, person: Person | None, reason: str) -> None: ...


def live_holders(dfx: Datafix, out: Holders, refs: list[DbRoleRef]) -> None:
    """Add the members of each `server:`-bound DB role to `out`; what cannot be read is a
    problem of the role."""
    for ref in refs:
        assert ref.server is not None
        servers = [s for s in dfx.db_servers
                   if glob(ref.server, s.name if isinstance(s, DbServer) else _target(s))]
        if not servers:
            out.problems.append(f"the {out.role} role names DB role {ref.role} on server "
                                f"{ref.server}, but no db.instance evidence of that server was "
                                f"collected (is it in the 'databases:' config?)")
        for server in servers:
            if isinstance(server, Outcome):
                out.problems.append(f"the {out.role} role names DB role {ref.role} on "
                                    f"{_target(server)}, whose catalog could not be read: "
                                    f"{server.message}")
                continue
            _server_holders(dfx, out, ref, server)


def _target(outcome: Outcome) -> str:
    return outcome.subject.removeprefix("db:")


def _server_holders(dfx: Datafix, out: Holders, ref: DbRoleRef, server: DbServer) -> None:
    unreadable = server.problem("principals", "memberships",
                                *(("databases",) if ref.database != "*" else ()))
    if unreadable:
        out.problems.append(f"the {out.role} role names DB role {ref.role} on {server.name}, "
                            f"whose members could not be read: {unreadable}")
        return
    scopes, missing = _scopes(ref, server)
    if missing:
        out.problems.append(f"the {out.role} role names DB role {ref.role} on {server.name}: "
                            f"{missing}")
        return
    for scope in scopes:
        where = "" if scope == SERVER else f" in {scope.removeprefix('database:')}"
        db = next((d for d in server.instance.databases
                   if f"database:{d['name']}" == scope), None)
        grant = server._grant(ref.role, [ref.role], scope, db=db)
        out.problems.extend(f"the {out.role} role (DB role {ref.role} on {server.name}{where}): "
                            f"{p}" for p in grant.problems)
        for member in grant.members:
            if member.problem:
                out.problems.append(f"the {out.role} role (DB role {ref.role} on {server.name}"
                                    f"{where}): {member.name}: {member.problem}")
                continue
            account = member.ad_account
            if account is None:
                account = server.identity(member.name).account
            person = (dfx.people.of_account(account, member.name) if account is not None
                      else dfx.people.get(member.name))
            out.add(person, f"DB role {ref.role} on {server.name}{where} "
                            f"({ARROW.join(member.path)})")


def _scopes(ref: DbRoleRef, server: DbServer) -> tuple[list[str], str]:
    """Where the role's memberships are (server, or database:<name>), or why it is not there."""
    inst = server.instance
    if server.engine == "postgresql":  # roles are cluster-wide
        if ref.database != "*":
            return [], "PostgreSQL roles are cluster-wide; name no database"
        if inst.principal(ref.role) is None:
            return [], "the server has no such role"
        return [SERVER], ""
    if ref.database == "*" and inst.principal(ref.role) is not None:
        return [SERVER], ""  # a server role (sysadmin, a user-defined server role)
    scopes = [f"database:{db['name']}" for db in inst.databases if glob(ref.database, db["name"])]
    if not scopes:
        return [], f"no server role of that name and no database matching {ref.database}"
    return scopes, ""
