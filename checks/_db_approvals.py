"""Who an approval or register entry names, for the db.* checks: a login, the login without its
domain, or the AD account it resolves to (glob patterns allowed), so a person approved or
registered once is recognised in every form the database shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._db import DbApproval, DbRegistered, DbServer, Grant, Member, glob


def names_of(server: DbServer, member: Member) -> set[str]:
    """Every name an approval or register entry may use for a member: the login, the login
    without its domain, and the AD account it resolves to."""
    names = {member.name.lower(), member.name.split("\\", 1)[-1].lower()}
    account = member.ad_account
    if account is None and member.principal is not None and not member.problem:
        account = server.identity(member.principal.name).account
    if account is not None:
        names |= {n.lower() for n in (account.sam, account.upn, account.dn) if n}
    return names


def approvals_for(server: DbServer, grant: Grant, member: Member,
                  approvals: Iterable[DbApproval]) -> list[DbApproval]:
    """Approvals of this member for this privileged role or for a role on its path."""
    names = names_of(server, member)
    return [a for a in approvals
            if glob(a.server, server.name) and any(glob(a.member, n) for n in names)
            and (glob(a.role, grant.label) or any(glob(a.role, hop) for hop in member.path[1:]))]


def registered(server: DbServer, login: str, db_register: Iterable[DbRegistered],
               ad_register: Iterable[Any]) -> tuple[str, str] | None:
    """(owner, justification) of the register entry for a login: a `db_register` entry for this
    server, or an AD `register` entry for the AD account the login resolves to."""
    for entry in db_register:
        if glob(entry.server, server.name) and entry.login.lower() in (
                login.lower(), login.split("\\", 1)[-1].lower()):
            return entry.owner, entry.justification
    identity = server.identity(login)
    if identity.account is not None and server.ad.directory is not None:
        for entry in ad_register:
            found = server.ad.directory.account(entry.account)
            if found is not None and found.dn == identity.account.dn:
                return entry.owner, entry.justification
    return None
