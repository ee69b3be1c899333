"""db.logins.orphaned: every database login belongs to a current person or a registered account.

A login (PostgreSQL login role, SQL or Windows login) is joined to AD through the config's login
map, a Windows login's DOMAIN\\name, or the same sAMAccountName. It fails when its AD account is
gone, disabled or expired, or when it maps to no person and is not in the register
(`db_register`, or the AD `register` for the account it maps to). SQL Server also: Windows-group
logins whose AD group is gone, `BUILTIN\\` logins, database users without a login, and `guest`
with CONNECT outside master, tempdb and msdb (CIS SQL Server 3.2, 3.3, 3.9).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    Message,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.model.kinds import DB_INSTANCE

from ._ad_accounts import RegisteredAccount
from ._db import (
    BY_LOGIN_MAP,
    GROUP_NOT_IN_AD,
    SYSTEM_DATABASES,
    DbRegistered,
    DbServer,
    db_servers,
    login_subject,
    server_subject,
)
from ._db_approvals import registered


class Params(CheckParams):
    db_register: list[DbRegistered] = Field(default_factory=list)
    register_: list[RegisteredAccount] = Field(default_factory=list, alias="register")


@check(
    id="db.logins.orphaned",
    title="Database logins belong to a current person or a registered account",
    likelihood=3,
    impact=4,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 5.16", "ISO 27002:2022 5.18", "CIS SQL Server 3.2",
                "CIS SQL Server 3.3", "CIS SQL Server 3.9"],
    remediation=("Drop or disable the login (and database users without a login), revoke "
                 "CONNECT from guest, or map the login to its person (databases.login_map) or "
                 "register it as an impersonal account (db_register)."),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    problem = server.problem("principals")
    if problem:
        yield unknown(msg("The logins of {server} could not be read, so they were not "
                          "assessed: {problem}", server=server.name, problem=problem))
        return
    for login in sorted(server.instance.principals.values(), key=lambda p: p.name.lower()):
        if login.login:
            yield _login(server, login, params)
    if server.engine == "sqlserver":
        yield from _databases(server)


def _login(server: DbServer, login, params: Params) -> Verdict:
    subject = login_subject(server.name, login.name)
    evidence = {"login": login.name, "type": login.type, "disabled": login.disabled}
    who = {"login": login.name, "server": server.name}
    if login.name.upper().startswith("BUILTIN\\"):
        return fail(msg("{login} on {server} is a BUILTIN group login: every local member of "
                        "that Windows group gets in, and it belongs to no one (CIS 3.9).",
                        **who), subject=subject, **evidence)
    if login.name.upper().startswith(("NT SERVICE\\", "NT AUTHORITY\\")):
        return ok(msg("{login} on {server} is a local service identity of the server itself.",
                      **who), subject=subject, **evidence)
    if login.type == "windows_group":
        why, group = server.ad_group(login.name)
        if group is not None:
            return ok(msg("{login} on {server} is the AD group {group}.", **who,
                          group=group.name), subject=subject, **evidence)
        if isinstance(why, Message) and why.template == GROUP_NOT_IN_AD:
            return fail(msg("{login} on {server} is a Windows-group login whose group is not "
                            "in AD (deleted or renamed).", **who), subject=subject,
                        **evidence)
        return unknown(msg("{login} on {server}: {why}.", **who, why=why),
                       subject=subject, **evidence)
    entry = registered(server, login.name, params.db_register, params.register_)
    if entry is not None:
        return ok(msg("{login} on {server} is a registered account (owner {owner}: "
                      "{justification}).", **who, owner=entry[0],
                      justification=entry[1]), subject=subject, owner=entry[0], **evidence)
    identity = server.identity(login.name)
    evidence["matched_by"] = identity.how
    if identity.problem:
        return unknown(msg("Who {login} on {server} belongs to is unknown: {problem}.",
                           **who, problem=identity.problem), subject=subject,
                       **evidence)
    account = identity.account
    if account is None:
        if identity.how == BY_LOGIN_MAP:
            return fail(msg("{login} on {server} belongs to no person (the login map names an "
                            "account that is not in AD) and is not in the register of "
                            "impersonal accounts.", **who), subject=subject, **evidence)
        return fail(msg("{login} on {server} belongs to no person (no AD account matches it) and "
                        "is not in the register of impersonal accounts.", **who),
                    subject=subject, **evidence)
    evidence["ad_account"] = account.dn
    if account.enabled is None:
        return unknown(msg("{login} on {server} is AD account {account}, whose "
                           "userAccountControl could not be read.", **who,
                           account=account.name), subject=subject, **evidence)
    if not account.enabled:
        return fail(msg("{login} on {server} belongs to AD account {account}, which is "
                        "disabled: the person left or moved, the database login stayed.",
                        **who, account=account.name), subject=subject, **evidence)
    expired = account.expired_at(server.as_of)
    if expired is None:
        return unknown(msg("{login} on {server} is AD account {account}, whose accountExpires "
                           "could not be read.", **who, account=account.name),
                       subject=subject, **evidence)
    if expired:
        return fail(msg("{login} on {server} belongs to AD account {account}, which has "
                        "expired.", **who, account=account.name), subject=subject,
                    **evidence)
    return ok(msg("{login} on {server} belongs to AD account {account} ({how}), which is "
                  "active.", **who, account=account.name, how=identity.how_phrase),
              subject=subject, **evidence)


def _databases(server: DbServer) -> Iterator[Verdict]:
    if server.problem("databases"):
        yield unknown(msg("The database users of {server} could not be read: {problem}",
                          server=server.name, problem=server.problem("databases")),
                      subject=f"{server_subject(server.name)}#database_users")
        return
    for db in server.instance.databases:
        name = db["name"]
        users = db.get("users")
        if not isinstance(users, list) or not all(isinstance(u, Mapping) for u in users):
            yield unknown(msg("The users of database {database} on {server} could not be read.",
                              database=name, server=server.name),
                          subject=f"{server_subject(server.name)}/database:{name}#users")
            users = []
        for user in users:
            subject = f"{server_subject(server.name)}/database:{name}/user:{user.get('name')}"
            orphaned = user.get("orphaned")
            if orphaned is True:
                yield fail(msg("Database user {user} in {database} on {server} has no login "
                               "(orphaned user).", user=user.get("name"), database=name,
                               server=server.name), subject=subject, database=name)
            elif orphaned is False:
                yield ok(msg("Database user {user} in {database} on {server} has a login.",
                             user=user.get("name"), database=name, server=server.name),
                         subject=subject, database=name)
            else:
                yield unknown(msg("Whether database user {user} in {database} is orphaned is "
                                  "unknown.", user=user.get("name"), database=name),
                              subject=subject, database=name)
        if name.lower() in SYSTEM_DATABASES:
            continue
        subject = f"{server_subject(server.name)}/database:{name}/user:guest"
        guest = db.get("guest_connect")
        if guest is True:
            yield fail(msg("guest has CONNECT in {database} on {server}: every login may enter "
                           "the database (CIS 3.2).", database=name, server=server.name),
                       subject=subject, database=name)
        elif guest is False:
            yield ok(msg("guest has no CONNECT in {database} on {server}.", database=name,
                         server=server.name), subject=subject, database=name)
        else:
            yield unknown(msg("Whether guest has CONNECT in {database} on {server} is unknown.",
                              database=name, server=server.name), subject=subject,
                          database=name)
