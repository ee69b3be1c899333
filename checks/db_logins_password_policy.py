"""db.logins.password_policy: database logins authenticate under the password policy.

SQL Server: every SQL login has CHECK_POLICY and CHECK_EXPIRATION on (`is_policy_checked`,
`is_expiration_checked`; CIS SQL Server 4.2, 4.3). PostgreSQL: no login role's password is
stored as MD5 or in plain text (pg_authid), no pg_hba rule that can apply to it uses `trust`,
`password` or `md5`, and `password_encryption` is `scram-sha-256` (CIS PostgreSQL 5.x).
Windows logins follow the AD password policy and are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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
from gitc_agent.model.db_principals import Principal
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import N_, msg_list

from ._db import DbServer, db_servers, login_subject, server_subject

#: pg_hba authentication methods (PostgreSQL 15); anything else cannot be judged
HBA_METHODS = ("trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi", "ident",
               "peer", "pam", "ldap", "radius", "cert")


#: a weak stored password, one whole phrase per kind
STORED_AS = {"md5": N_("its password is stored as MD5"),
             "plain": N_("its password is stored as plain text")}


class Params(CheckParams):
    weak_methods: list[str] = Field(default_factory=lambda: ["trust", "password", "md5"])
    password_encryption: str = "scram-sha-256"


@check(
    id="db.logins.password_policy",
    title="Database logins are under the password policy",
    likelihood=3,
    impact=4,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 5.17", "CIS SQL Server 4.2", "CIS SQL Server 4.3",
                "CIS PostgreSQL 5.x", "BIO2 5.17"],
    remediation=(
        "SQL Server: ALTER LOGIN ... WITH CHECK_POLICY = ON, CHECK_EXPIRATION = ON. PostgreSQL: "
        "set password_encryption = 'scram-sha-256', reset MD5 passwords, and change trust, "
        "password and md5 rules in pg_hba.conf to scram-sha-256."
    ),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    problem = server.problem("principals")
    if problem:
        yield unknown(msg("The logins of {server} could not be read, so their password "
                          "settings were not assessed: {problem}", server=server.name,
                          problem=problem))
        return
    if server.engine == "sqlserver":
        yield from _sql_logins(server)
    else:
        yield from _pg(server, params)


def _sql_logins(server: DbServer) -> Iterator[Verdict]:
    for login in server.logins():
        if login.type != "sql_login":
            continue
        subject = login_subject(server.name, login.name)
        who = {"login": login.name, "server": server.name}
        checked = {"CHECK_POLICY": login.attr("password_policy"),
                   "CHECK_EXPIRATION": login.attr("password_expiration")}
        evidence = {"login": login.name, "is_policy_checked": checked["CHECK_POLICY"],
                    "is_expiration_checked": checked["CHECK_EXPIRATION"],
                    "disabled": login.disabled}
        off = [k for k, v in checked.items() if v is False]
        if off:
            settings = (msg("{first} and {second}", first=off[0], second=off[1]) if len(off) == 2
                        else off[0])
            values = {"login": login.name, "server": server.name, "settings": settings}
            if login.disabled:
                yield fail(msg("SQL login {login} on {server} has {settings} off, so its password "
                               "is not held to the Windows password policy. The login is "
                               "disabled, so the likelihood is lowered.", **values),
                           subject=subject, likelihood=2, **evidence)
            else:
                yield fail(msg("SQL login {login} on {server} has {settings} off, so its password "
                               "is not held to the Windows password policy.", **values),
                           subject=subject, **evidence)
        elif any(v is None for v in checked.values()):
            yield unknown(msg("Whether SQL login {login} on {server} is under the password "
                              "policy is unknown (is_policy_checked/is_expiration_checked "
                              "missing).", **who), subject=subject, **evidence)
        else:
            yield ok(msg("SQL login {login} on {server} has CHECK_POLICY and CHECK_EXPIRATION "
                         "on.", **who), subject=subject, **evidence)


def _applies(server: DbServer, rule: Mapping[str, Any], role: Principal) -> bool | None:
    """Whether an hba rule can apply to the role; None when that is unknown (@file lists)."""
    users = rule.get("user_name")
    if not isinstance(users, list):
        return None
    for entry in users:
        text = str(entry)
        if text in ("all", role.name):
            return True
        if text.startswith("+") and role.name.lower() in server.instance.members(text[1:]):
            return True
        if text.startswith("@"):
            return None
    return False


def _pg(server: DbServer, params: Params) -> Iterator[Verdict]:
    settings = server.data.get("settings")
    enc_subject = f"{server_subject(server.name)}#password_encryption"
    enc = settings.get("password_encryption") if isinstance(settings, Mapping) else None
    settings_problem = server.problem("settings")
    if settings_problem or not isinstance(enc, str):
        yield unknown(msg("password_encryption of {server} could not be read: {problem}",
                          server=server.name, problem=settings_problem or msg("missing")),
                      subject=enc_subject)
    elif enc != params.password_encryption:
        yield fail(msg("{server} stores new passwords as {encryption}, not {required}.",
                       server=server.name, encryption=enc,
                       required=params.password_encryption), subject=enc_subject,
                   password_encryption=enc)
    else:
        yield ok(msg("{server} stores new passwords as {encryption}.", server=server.name,
                     encryption=enc), subject=enc_subject, password_encryption=enc)
    rules = server.data.get("hba_rules")
    hba_problem = server.problem("hba") or (
        None if isinstance(rules, list) and rules else
        msg("no pg_hba rule at all (a server that accepts connections has some)"))
    hash_problem = server.problem("password_hashes")
    weak = {m.lower() for m in params.weak_methods}
    for login in server.logins():
        subject = login_subject(server.name, login.name)
        who = {"login": login.name, "server": server.name}
        found: list[Message] = []
        unsure: list[Message] = []
        digest = login.attr("password_hash")
        if hash_problem:
            unsure.append(msg("the stored password type is unknown ({problem})",
                              problem=hash_problem))
        elif digest in ("md5", "plain"):
            found.append(msg(STORED_AS[digest]))
        elif digest is None:
            unsure.append(msg("the stored password type is unknown"))
        if hba_problem:
            unsure.append(msg("the pg_hba rules are unknown ({problem})", problem=hba_problem))
        else:
            for rule in rules:
                if not isinstance(rule, Mapping) or rule.get("error"):
                    continue  # a line with an error is not in force
                method = rule.get("auth_method")
                applies = _applies(server, rule, login)
                if not isinstance(method, str) or method.lower() not in HBA_METHODS \
                        or applies is None:
                    unsure.append(msg("pg_hba line {line} could not be judged",
                                      line=rule.get("line")))
                elif applies and method.lower() in weak:
                    found.append(msg("pg_hba line {line} ({type} {databases}) lets it "
                                     "authenticate by {method}", line=rule.get("line"),
                                     type=rule.get("type"),
                                     databases=",".join(map(str, rule.get("database") or [])),
                                     method=method))
        evidence = {"login": login.name, "password_hash": digest}
        if found:
            yield fail(msg("Login role {login} on {server}: {problems}.", **who,
                           problems=msg_list(found)), subject=subject, **evidence)
        elif unsure:
            yield unknown(msg("Login role {login} on {server}: {problems}.", **who,
                              problems=msg_list(unsure)), subject=subject, **evidence)
        else:
            if digest == "none":
                yield ok(msg("Login role {login} on {server} has no password and no pg_hba rule "
                             "lets it use trust, password or md5.", **who),
                         subject=subject, **evidence)
            else:
                yield ok(msg("Login role {login} on {server} has a {hash} password and no "
                             "pg_hba rule lets it use trust, password or md5.", **who,
                             hash=digest), subject=subject, **evidence)
