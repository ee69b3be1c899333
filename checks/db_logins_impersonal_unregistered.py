"""db.logins.impersonal_unregistered: shared and application logins are in the register.

A login is impersonal when it is a SQL Server SQL login or a PostgreSQL login role that maps to
no person in AD, when its name matches the policy's patterns (`sa`, `postgres`, `app_*`, ...),
or when the AD account it maps to is itself impersonal (the AD rules: no person attributes, a
service name, an SPN). Each must be in the register (`db_register`, or the AD `register` entry
of its AD account) with an owner and a justification (BIO 9.2.1.2; BIO2 5.16.02).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

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
from gitc_agent.model.message import msg_list

from ._ad_accounts import ImpersonalRules, RegisteredAccount, is_impersonal
from ._db import DbRegistered, DbServer, db_servers, login_subject
from ._db_approvals import registered


class Params(CheckParams):
    db_register: list[DbRegistered] = Field(default_factory=list)
    register_: list[RegisteredAccount] = Field(default_factory=list, alias="register")
    db_impersonal_patterns: list[str] = Field(default_factory=lambda: [
        "sa", "postgres", "app_*", "app-*", "svc*", "*_app", "*_svc", "sys_*", "batch*",
        "etl*", "report*", "rapportage*", "test*"])


@check(
    id="db.logins.impersonal_unregistered",
    title="Shared and application database logins are registered",
    likelihood=3,
    impact=3,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["BIO 9.2.1.2", "BIO2 5.16.02", "CIS Controls v8 5.5", "ISO 27002:2022 5.16"],
    remediation=("Register the login (db_register: login, server, owner, justification, "
                 "monitoring), or drop it, or map it to its person (databases.login_map)."),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    problem = server.problem("principals")
    if problem:
        yield unknown(msg("The logins of {server} could not be read, so they were not "
                          "assessed: {problem}", server=server.name, problem=problem))
        return
    rules = ImpersonalRules()
    for login in server.logins():
        if login.name.upper().startswith(("NT SERVICE\\", "NT AUTHORITY\\", "BUILTIN\\")):
            continue  # the server's own identities; BUILTIN is db.logins.orphaned's
        subject = login_subject(server.name, login.name)
        evidence = {"login": login.name, "type": login.type}
        short = login.name.split("\\", 1)[-1].lower()
        reasons: list[Message] = [msg("name matches {pattern}", pattern=repr(p))
                                  for p in params.db_impersonal_patterns
                                  if fnmatch.fnmatchcase(short, p.lower())][:1]
        if login.type == "sql_login":
            reasons.append(msg("a SQL login, not tied to a Windows account"))
        identity = server.identity(login.name)
        if identity.problem:
            if not reasons:
                yield unknown(msg("Whether {login} on {server} is a person's login is "
                                  "unknown: {problem}.", login=login.name, server=server.name,
                                  problem=identity.problem), subject=subject, **evidence)
                continue
        elif identity.account is None:
            if login.type == "role":
                reasons.append(msg("maps to no person in AD"))
        else:
            evidence["ad_account"] = identity.account.dn
            reasons += [msg("its AD account {account}: {reason}", account=identity.account.name,
                            reason=r) for r in is_impersonal(identity.account, rules)]
        if not reasons:
            yield ok(msg("{login} on {server} is the personal login of AD account {account}.",
                         login=login.name, server=server.name,
                         account=identity.account.name if identity.account else "?"),
                     subject=subject, **evidence)
            continue
        evidence["reasons"] = [str(r) for r in reasons]  # English text: evidence is data
        entry = registered(server, login.name, params.db_register, params.register_)
        if entry is not None:
            yield ok(msg("{login} on {server} is impersonal ({reasons}) and registered (owner "
                         "{owner}: {justification}).", login=login.name, server=server.name,
                         reasons=msg_list(reasons), owner=entry[0], justification=entry[1]),
                     subject=subject, owner=entry[0], **evidence)
        else:
            yield fail(msg("{login} on {server} is impersonal ({reasons}) and not in the "
                           "register of impersonal accounts.", login=login.name,
                           server=server.name, reasons=msg_list(reasons)), subject=subject,
                       **evidence)
